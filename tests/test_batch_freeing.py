"""Batched jvp code lets go of each batch of tangents after its last reader
(`transform.freeing`): golden rewrites, the cases it must leave alone, and Hessians and
Jacobians through it against closed forms and central differences."""
import ast
import linecache
import re
import textwrap
import tracemalloc

import numpy as np
import pytest

import astgrad as ag
from astgrad import batched
from astgrad.transform.freeing import free_after_last_use


def _freed(text: str, names: set[str]) -> str:
    fn = ast.parse(textwrap.dedent(text)).body[0]
    free_after_last_use(fn, names)
    return ast.unparse(fn)


def test_each_tangent_goes_after_its_last_reader():
    assert _freed("""
        def f(x, tx):
            t1 = tx * 2.0
            t2 = t1 + tx
            t3 = t2 * x
            t4 = t3 + t1
            return t4 * 3.0
        """, {"t1", "t2", "t3", "t4"}) == textwrap.dedent("""\
        def f(x, tx):
            t1 = tx * 2.0
            t2 = t1 + tx
            t3 = t2 * x
            del t2
            t4 = t3 + t1
            return t4 * 3.0""")


def test_a_reader_in_a_loop_or_branch_keeps_it_to_the_end_of_that_statement():
    assert _freed("""
        def f(x, tx, n):
            t1 = tx * 2.0
            t2 = tx + 1.0
            for i in range(n):
                t2 = t2 + t1
            if n:
                x = x + 1.0
            return t2
        """, {"t1", "t2"}) == textwrap.dedent("""\
        def f(x, tx, n):
            t1 = tx * 2.0
            t2 = tx + 1.0
            for i in range(n):
                t2 = t2 + t1
            del t1
            if n:
                x = x + 1.0
            return t2""")      # t2 is assigned again in the loop: it is kept


@pytest.mark.parametrize("text", [
    # assigned in a branch only: it may be unbound where `del` would run
    """
    def f(x, tx, c):
        if c:
            t1 = tx * 2.0
        y = x + 1.0
        return y
    """,
    # read by a lambda, which may run after
    """
    def f(x, tx):
        t1 = tx * 2.0
        g = lambda: t1
        y = x + 1.0
        return g
    """,
    # read by a nested function
    """
    def f(x, tx):
        t1 = tx * 2.0
        def g():
            return t1
        y = x + 1.0
        return g
    """,
    # declared nonlocal: `del` would unbind the enclosing function's name
    """
    def f(x, tx):
        nonlocal t1
        t1 = tx * 2.0
        y = x + 1.0
        return y
    """,
    # a parameter, and a tangent whose last reader is right before the return
    """
    def f(x, tx):
        t1 = tx * 2.0
        y = t1 + x
        return y
    """])
def test_what_is_not_sure_to_be_right_is_left(text):
    assert _freed(text, {"t1", "tx"}) == ast.unparse(ast.parse(textwrap.dedent(text)))


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosenbrock_hessian(x):
    n = x.shape[0]
    H = np.zeros((n, n))
    d = np.zeros(n)
    d[:-1] = 1200.0 * x[:-1] ** 2 - 400.0 * x[1:] + 2.0
    d[1:] += 200.0
    H[np.arange(n), np.arange(n)] = d
    H[np.arange(n - 1), np.arange(1, n)] = H[np.arange(1, n), np.arange(n - 1)] = -400.0 * x[:-1]
    return H


def _differences(f, x, h=1e-6):
    cols = [(np.asarray(f(x + h * e)) - np.asarray(f(x - h * e))) / (2 * h)
            for e in np.eye(x.size)]
    return np.stack(cols, axis=-1)


def _batched_text(transform, x) -> str:
    fast = batched.batched(transform._astgrad.lookup(x))
    assert fast is not None and fast._astgrad_checked
    return "".join(linecache.getlines(fast.__code__.co_filename))


def test_rosenbrock_hessian_through_freed_tangents():
    x = np.linspace(-1.2, 1.4, 30)
    hess = ag.hessian(rosenbrock)
    H = hess(x)
    np.testing.assert_allclose(H, rosenbrock_hessian(x), rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(H, _differences(ag.grad(rosenbrock), x), rtol=1e-6, atol=1e-4)
    assert re.search(r"^ +del .*\bt4\b", _batched_text(hess, x), re.M)
    tracemalloc.start()
    try:
        hess(x)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 7.0 * H.nbytes         # 7.7x before t4 and the rest were let go


def looped(x):
    s = x * 1.0
    for _ in range(3):
        s = np.sin(s) * x + s ** 2 / 4.0
    return np.sum(np.tanh(s) * x)


@pytest.mark.parametrize("x", [np.linspace(-0.7, 0.9, 6), np.zeros(6),
                               np.array([0.5, 0.5, 0.5, -0.5, -0.5, 0.0])])
def test_hessian_and_jacobian_with_a_loop_through_freed_tangents(x):
    H = ag.hessian(looped)(x)
    np.testing.assert_allclose(H, _differences(ag.grad(looped), x), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(H, H.T, rtol=1e-12, atol=1e-14)
    grad = ag.grad(looped)
    J = ag.jacobian(grad)(x)                          # the Hessian again, by ag.jacobian
    np.testing.assert_allclose(J, H, rtol=1e-12, atol=1e-14)
    assert "del " in _batched_text(ag.hessian(looped), x)
