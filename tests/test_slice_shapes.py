"""Slices of one array that drop as many items from each axis share a shape
(`transform.shapes`): `x[1:]` and `x[:-1]` meet with no `rt.unbroadcast` and no value
computed for its shape; `x[:0]` (empty) is not `x[0:]`. Values against closed forms and
central differences at order 2, also at lengths where the slices are empty or one long."""
from __future__ import annotations

import numpy as np
import pytest

import astgrad as ag


def empty_and_full(x):
    a = x[:0]
    b = x[0:]
    return np.sum(b * 2.0) + np.sum(a * 3.0)


def stencil(x):
    return np.sum(x[2:] * x[:-2] + (x[1:-1] - x[:-2]) ** 2)


def columns(A):
    return np.sum(A[:, 1:] * A[:, :-1]) + np.sum(A[1:] ** 2 * A[:-1])


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def _stencil_grad(x):
    g = np.zeros_like(x)
    g[2:] += x[:-2]
    g[:-2] += x[2:]
    d = 2.0 * (x[1:-1] - x[:-2])
    g[1:-1] += d
    g[:-2] -= d
    return g


@pytest.mark.parametrize("n", [0, 1, 2, 3, 6])
def test_empty_slice_is_not_the_whole(n):
    x = np.linspace(-1.0, 2.0, n)
    np.testing.assert_array_equal(ag.grad(empty_and_full)(x), np.full(n, 2.0))
    ag.check_grads(empty_and_full, (x,), order=2)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 6])
def test_stencil(n):
    x = np.linspace(-1.0, 2.0, n) ** 2 - 0.3
    np.testing.assert_allclose(ag.grad(stencil)(x), _stencil_grad(x), rtol=1e-13, atol=1e-15)
    ag.check_grads(stencil, (x,), order=2)


def test_stencil_gradient_is_lean():
    def fresh(x):                   # a function of its own: one specialization in its source
        return np.sum(x[2:] * x[:-2] + (x[1:-1] - x[:-2]) ** 2)
    x = np.linspace(-1.0, 2.0, 6) ** 2 - 0.3
    df = ag.grad(fresh)
    np.testing.assert_allclose(df(x), _stencil_grad(x), rtol=1e-13)
    assert "unbroadcast" not in ag.source(df)


@pytest.mark.parametrize("shape", [(2, 3), (3, 2), (1, 4), (4, 1)])
def test_columns_and_rows(shape):
    A = np.arange(float(np.prod(shape))).reshape(shape) / 5 - 0.4
    ag.check_grads(columns, (A,), order=2)


@pytest.mark.parametrize("n", [1, 2, 5, 30])
def test_rosenbrock_gradient(n):
    x = np.random.default_rng(n).standard_normal(n)
    ag.check_grads(rosenbrock, (x,), order=2)


def test_rosenbrock_gradient_is_lean():
    def fresh(x):                   # a function of its own: one specialization in its source
        return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
    x = np.random.default_rng(3).standard_normal(6)
    df = ag.grad(fresh)
    np.testing.assert_allclose(df(x), ag.grad(rosenbrock)(x), rtol=1e-14)
    text = ag.source(df)
    assert "broadcast_to" not in text and "unbroadcast" not in text
