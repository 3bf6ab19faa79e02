"""The adjoint of a concatenation of two pieces, cut by two slices (`optimize.splits`).

As a pass: the rewrite, and where it must not happen; end to end against finite
differences, first and second order, with empty pieces and pieces of length 1, along
the first and the second axis, and in a loop whose pieces change length.
"""
from __future__ import annotations

import ast
import textwrap

import numpy as np
import pytest

import astgrad as ag
from astgrad.transform import resolve
from astgrad.transform.optimize import analyses, splits


def _cut(text: str) -> list[str]:
    fn = ast.parse(textwrap.dedent(text)).body[0]
    ns = resolve.Namespace(None, set())
    splits.cut_splits(fn, ns, analyses.survey(fn))
    return [ast.unparse(s) for s in fn.body]


def test_two_pieces_are_two_slices():
    lines = _cut("""
    def f(g, a, b):
        p = rt.split_like(g, (a, b), 1)
        x = p[0]
        y = p[1] * 2.0
        return (x, y)
    """)
    assert lines[:3] == ["p = np.shape(a)[1]", "x = g[:, :p]", "y = g[:, p:] * 2.0"]


def test_axis_zero_by_default():
    lines = _cut("""
    def f(g, a, b):
        p = rt.split_like(g, [a, b])
        return p[1] + p[0]
    """)
    assert lines == ["p = np.shape(a)[0]", "return g[p:] + g[:p]"]


@pytest.mark.parametrize("text, why", [
    ("p = rt.split_like(g, (a, b), -1)\n    return p[0]", "a negative axis"),
    ("p = rt.split_like(g, (a, b, a), 0)\n    return p[0]", "three pieces"),
    ("p = rt.split_like(g, (a, b), 0)\n    return p", "the list read whole"),
    ("p = rt.split_like(g, (a, b), 0)\n    g = g * 2.0\n    return p[0]", "g bound again"),
    ("p = rt.split_like(g, (a, b), 0)\n    g[0] = 1.0\n    return p[0]", "g changed"),
    ("p = rt.split_like(g, (a, b), 0)\n    for i in range(2):\n        x = p[0]\n"
     "        g = x\n    return g", "read in a loop that binds g"),
    ("p = rt.split_like(g, (a, b), 0)\n    p = rt.split_like(g, (b, a), 0)\n"
     "    return p[0]", "bound twice"),
])
def test_no_rewrite(text, why):
    lines = _cut(f"def f(g, a, b):\n    {text}")
    assert "rt.split_like" in lines[0], why


# ---- end to end ----------------------------------------------------------------------

def drop_column(M, j):
    """The matrix without its column j and its first row, squared and summed with
    weights: the shape of the determinant's minors."""
    rest = np.concatenate((M[1:, :j], M[1:, j + 1:]), axis=1)
    return np.sum(np.sin(rest) * np.arange(1.0, rest.size + 1).reshape(rest.shape))


@pytest.mark.parametrize("j", [0, 1, 2])              # j = 0 and 2: an empty piece
def test_drop_a_column(j):
    M = np.array([[0.5, -1.0, 2.0], [0.3, 0.0, -0.7], [1.2, 0.4, 0.9]])
    df = ag.grad(drop_column)
    want = np.zeros_like(M)
    rest = np.delete(M[1:], j, axis=1)
    weights = np.arange(1.0, rest.size + 1).reshape(rest.shape)
    want[1:, [c for c in range(3) if c != j]] = np.cos(rest) * weights
    np.testing.assert_allclose(df(M, j), want, rtol=1e-14)
    assert "rt.split_like" not in ag.source(df)
    ag.check_grads(drop_column, (M, j), order=2)


def joined_rows(x, y):
    z = np.concatenate([x * x, y], axis=0)
    return np.sum(z * np.arange(1.0, z.shape[0] + 1))


@pytest.mark.parametrize("n", [0, 1, 3])
def test_joined_along_the_first_axis(n):
    x, y = np.linspace(-1.0, 1.0, n), np.array([0.0, 2.0])
    gx, gy = ag.grad(joined_rows, wrt=(0, 1))(x, y)
    np.testing.assert_allclose(gx, 2 * x * np.arange(1.0, n + 1), rtol=1e-14)
    np.testing.assert_allclose(gy, [n + 1.0, n + 2.0], rtol=1e-14)
    ag.check_grads(joined_rows, (x, y), wrt=(0, 1), order=2)


def shrinking(x):
    """Pieces of changing length in a loop: each pass drops one element."""
    total = 0.0
    for k in range(x.shape[0]):
        x = np.concatenate((x[:k], x[k + 1:] * 1.5))
        total = total + np.sum(x ** 2)
    return total


@pytest.mark.parametrize("n", [1, 2, 4])
def test_pieces_of_changing_length_in_a_loop(n):
    x = np.linspace(0.2, 1.0, n)
    ag.check_grads(shrinking, (x,), order=2)


def dropping(x):
    """Pieces of changing length in a loop, each pass dropping another element."""
    total = 0.0
    for k in range(x.shape[0]):
        y = np.concatenate((x[:k] * 2.0, np.sin(x[k + 1:])))
        total = total + np.sum(y ** 2) * (k + 1)
    return total


@pytest.mark.parametrize("n", [0, 1, 2, 4])
def test_pieces_of_changing_length_each_pass(n):
    x = np.linspace(0.2, 1.0, n)
    df = ag.grad(dropping)
    want = np.zeros(n)
    for k in range(n):
        want[:k] += 8.0 * x[:k] * (k + 1)
        want[k + 1:] += np.sin(2 * x[k + 1:]) * (k + 1)
    np.testing.assert_allclose(df(x), want, rtol=1e-13, atol=1e-15)
    assert n == 0 or "rt.split_like" not in ag.source(df)
    ag.check_grads(dropping, (x,), order=2)
