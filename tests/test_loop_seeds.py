"""The adjoint of a sum inside a loop stays a number where it meets an array of the
summed value's shape (`optimize.seeds`, in loops as at the top level): no
`np.broadcast_to` per pass, and no shape saved for it."""
from __future__ import annotations

import numpy as np
import pytest

import astgrad as ag


def row_sums(A, w):
    s = 0.0
    for row in A:
        s = s + np.sum(np.tanh(row) * row) * 2.0 + np.sum(row * w)
    return s


def _want(A, w):
    t = np.tanh(A)
    return 2.0 * (t + A * (1 - t ** 2)) + w, np.sum(A, axis=0) + 0.0 * w


@pytest.mark.parametrize("shape", [(3, 4), (1, 4), (0, 4), (3, 1)])
def test_a_sum_in_a_loop(shape):
    A = np.linspace(-1.0, 1.2, int(np.prod(shape))).reshape(shape)
    w = np.linspace(0.5, -0.5, shape[1])
    df = ag.grad(row_sums, wrt=(0, 1))
    gA, gw = df(A, w)
    want_A, want_w = _want(A, w)
    np.testing.assert_allclose(gA, want_A, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(gw, want_w, rtol=1e-14, atol=1e-15)
    if shape != (3, 1):                   # rows with no axis of length 1
        src = ag.source(df)
        assert "broadcast_to" not in src and "np.shape" not in src
    if shape[0]:
        ag.check_grads(row_sums, (A, w), wrt=(0, 1), order=2)


def mean_of_squares(x, n):
    total = 0.0
    for k in range(n):
        y = x * (k + 1.0)
        total = total + np.mean(y ** 2)
    return total


@pytest.mark.parametrize("n", [0, 1, 3])
def test_a_mean_in_a_loop(n):
    x = np.array([0.5, -1.0, 0.0])
    want = sum(2 * (k + 1.0) ** 2 * x / 3 for k in range(n)) + 0.0 * x
    np.testing.assert_allclose(ag.grad(mean_of_squares)(x, n), want, rtol=1e-14)
    ag.check_grads(mean_of_squares, (x, n), order=2)
