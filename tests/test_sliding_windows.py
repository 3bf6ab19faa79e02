"""`sliding_window_view`, how NumPy code writes convolutions and moving windows: each
window's adjoint is added back where its entries were read (an entry in several windows
gets the sum). Against central differences, reverse and forward, first and second order,
Hessians and Jacobians (the vector forward mode), float32, and a hand-written gradient."""
import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

import astgrad as ag

rng = np.random.default_rng(7)
X = rng.standard_normal(7)
IMG = rng.standard_normal((5, 6))
K = rng.standard_normal((3, 3))
K1 = rng.standard_normal(3)


def moving(x):
    return np.sum(np.sin(sliding_window_view(x, 3)) @ K1)


def conv2d(img, k):
    windows = sliding_window_view(img, (3, 3))
    return np.sum(np.einsum("ijkl,kl->ij", windows, k) ** 2)


def along_one_axis(img):
    return np.sum(np.tanh(sliding_window_view(img, 2, axis=1)) * 1.5)


def same_axis_twice(img):
    return np.sum(sliding_window_view(img, (2, 2), axis=(1, 1)) ** 2)


def negative_axis(img):
    return np.sum(sliding_window_view(img, 4, axis=-2) ** 3)


@pytest.mark.parametrize("f, args", [(moving, (X,)), (conv2d, (IMG, K)),
                                     (along_one_axis, (IMG,)), (same_axis_twice, (IMG,)),
                                     (negative_axis, (IMG,))])
def test_windows_against_central_differences(f, args):
    for wrt in range(len(args)):
        ag.check_grads(f, args, wrt=wrt, order=2)


def test_the_moving_sum_by_hand():
    """d/dx of sum_j sum_i sin(x[j + i]) k[i]: entry m gets cos(x[m]) k[m - j] over the
    windows j that hold it."""
    want = np.zeros_like(X)
    for j in range(len(X) - 2):
        for i in range(3):
            want[j + i] += np.cos(X[j + i]) * K1[i]
    np.testing.assert_allclose(ag.grad(moving)(X), want, rtol=1e-12)


def test_hessian_and_jacobian():
    def outputs(x):
        return sliding_window_view(x, 2) @ np.array([1.0, -1.0]) * x[1:]

    H = ag.hessian(moving)(X)
    np.testing.assert_allclose(H, np.diag(-np.sin(X) * np.convolve(np.ones(5), K1)),
                               atol=1e-12)
    J = ag.jacobian(outputs)(X)
    n = len(X) - 1
    want = np.zeros((n, len(X)))
    for j in range(n):           # (x[j] - x[j + 1]) * x[j + 1]
        want[j, j] = X[j + 1]
        want[j, j + 1] = X[j] - 2 * X[j + 1]
    np.testing.assert_allclose(J, want, rtol=1e-12)


def test_float32_stays_float32():
    g = ag.grad(conv2d)(IMG.astype(np.float32), K.astype(np.float32))
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, ag.grad(conv2d)(IMG, K), rtol=2e-4)
