"""Stacks nothing reads back: `optimize.dead` drops a stack whose every popped value is
dead (its `s = []`, pushes and pops), and keeps one mentioned any other way."""
from __future__ import annotations

import ast
import textwrap

import numpy as np
import pytest

import astgrad as ag
from astgrad.transform.optimize import dead


def _dead(text: str) -> list[str]:
    fn = ast.parse(textwrap.dedent(text)).body[0]
    dead.eliminate_dead(fn)
    return [ast.unparse(s) for s in fn.body]


def test_a_stack_whose_pops_are_dead_goes():
    lines = _dead("""
    def f(x, n):
        s = []
        v = 0.0
        for i in range(n):
            s.append(v)
            v = x * i
        for i in range(n):
            v = s.pop()
        return x
    """)
    assert lines == ["for i in range(n):\n    pass"] * 2 + ["return x"]


@pytest.mark.parametrize("use, why", [
    ("y = s.pop()\n        x = x + y", "a pop read"),
    ("y = s.pop()\n    t = list(s)\n    x = t", "the stack copied"),
    ("y = s.pop()\n    x = len(s)", "the stack read otherwise"),
])
def test_a_stack_read_back_stays(use, why):
    text = (f"def f(x):\n    s = []\n    s.append(x * 2.0)\n    for i in range(1):\n"
            f"        {use}\n    return x")
    lines = _dead(text)
    assert "s = []" in lines and any("s.append" in line for line in lines), why


def test_a_stack_of_a_pullback_stays_where_the_pullback_pops_it():
    text = """
    def f(x):
        s = []
        s.append(x)
        def pullback(g):
            y = s.pop()
            return g * y
        return pullback
    """
    assert _dead(text)[0] == "s = []"


# ---- end to end --------------------------------------------------------------------------

@pytest.mark.parametrize("steps", [0, 1, 3])
def test_no_stack_for_a_value_the_reverse_sweep_does_not_read(steps):
    def f(H, x):
        h, total = x, 0.0
        for _ in range(steps):
            h = np.tanh(H @ h)
            total = total + np.mean(h)
        return total + np.sum(x ** 2)
    H = np.array([[0.5, -0.2], [0.1, 0.3]])
    x = np.array([0.4, -0.7])
    df = ag.grad(f, wrt=(0, 1))
    df(H, x)
    src = ag.source(df)
    assert src.count(".pop()") == 1                          # the states `h` alone
    assert "np.mean" not in src        # `total`, made only to make it again, is not computed
    ag.check_grads(f, (H, x), wrt=(0, 1), order=2)
