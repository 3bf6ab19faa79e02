"""Copies inside loops and branches (`optimize.block_copies`): propagated where every read
sees the copied value, kept where one would not; and the derivatives they appear in,
against central differences."""
from __future__ import annotations

import ast
import textwrap

import numpy as np
import pytest

import astgrad as ag
from astgrad.transform.optimize.block_copies import propagate_block_copies


def _run(code: str) -> str:
    fn = ast.parse(textwrap.dedent(code)).body[0]
    propagate_block_copies(fn)
    return ast.unparse(fn)


def test_reverse_loop_copies_go():
    out = _run("""
        def f(n, _3, bpenalty):
            for k in range(n):
                b6 = bpenalty
                bpenalty = b6
                b5 = b6
                b3 = b5 * 2 * _3
                use(b3)
            return bpenalty
        """)
    assert out == textwrap.dedent("""\
        def f(n, _3, bpenalty):
            for k in range(n):
                b3 = bpenalty * 2 * _3
                use(b3)
            return bpenalty""")


@pytest.mark.parametrize("code", [
    # read before the copy in the next pass: the value of the pass before
    """
    def f(n, b):
        a = 0.0
        for k in range(n):
            c = a + 1
            a = b
            b = c
        return a
    """,
    # the copied name bound again before the last read
    """
    def f(n, b):
        for k in range(n):
            a = b
            b = b * 2
            out = a + b
        return out
    """,
    # read after the loop
    """
    def f(n, b):
        for k in range(n):
            a = b
            c = a + 1
        return a
    """,
    # a function defined between reads it later
    """
    def f(n, b):
        for k in range(n):
            a = b
            def g():
                return a
            b = 2.0
        return g
    """,
    # changed in place
    """
    def f(n, b):
        for k in range(n):
            a = b
            a[0] = 1.0
            c = a + 1
        return c
    """])
def test_copies_kept_where_a_read_would_change(code):
    assert _run(code) == ast.unparse(ast.parse(textwrap.dedent(code)).body[0])


def carried(x, n):
    s = 0.0
    y = x
    for k in range(n):
        t = y
        y = np.sin(t) + 0.5 * y
        s = s + np.sum(t * y)
    return s


def branchy(x, c):
    y = x * 1.5
    if c > 0:
        z = y
        y = z * z
    else:
        z = y
        y = np.cos(z)
    return np.sum(y * z)


@pytest.mark.parametrize("n", [0, 1, 4])
def test_loop_values(n):
    x = np.array([0.3, -1.1, 2.0])
    ag.check_grads(carried, (x, n), order=2)
    ag.check_grads(carried, (np.zeros(3), n), order=2)


@pytest.mark.parametrize("c", [-1.0, 1.0])
def test_branch_values(c):
    x = np.array([0.3, -1.1, 2.0])
    ag.check_grads(branchy, (x, c), order=2)
    ag.check_grads(branchy, (np.zeros(3), c), order=2)
