"""`try` blocks (issue 10): the derivative of the path the call took, the body when it
completed, the handler when the body raised; each form in reverse, forward and second
order against finite differences, at inputs taking each path; and what is refused."""
from __future__ import annotations

import numpy as np
import pytest

import astgrad as ag
from astgrad.errors import UnsupportedSyntaxError


def _kernel(x):
    return np.outer(x, x) + np.diag(x)


def cholesky_or_jitter(x):
    K = _kernel(x)
    try:
        L = np.linalg.cholesky(K)
    except np.linalg.LinAlgError:
        L = np.linalg.cholesky(K + 10.0 * np.eye(3))
    return np.sum(np.log(np.diagonal(L))) + np.sum(L * L)


POSITIVE, INDEFINITE = np.array([0.7, 1.3, 0.4]), np.array([0.7, -1.3, 0.4])


@pytest.mark.parametrize("x", [POSITIVE, INDEFINITE], ids=["body", "handler"])
def test_cholesky_or_jitter(x):
    ag.check_grads(cholesky_or_jitter, (x,), order=2)


def test_cholesky_values():
    """trace(L L^T) = trace(K): the gradient is 2x + 1 on either path."""
    g = ag.grad(lambda x: np.sum(_chol(x) ** 2))
    for x in (POSITIVE, INDEFINITE):
        assert np.allclose(g(x), 2 * x + 1)


def _chol(x):
    K = _kernel(x)
    try:
        L = np.linalg.cholesky(K)
    except np.linalg.LinAlgError:
        L = np.linalg.cholesky(K + 10.0 * np.eye(3))
    return L


def root_or_cube(a):
    try:
        if a < 0.0:
            raise ValueError("negative")
        y = np.sqrt(a) * a
    except ValueError:
        y = -a ** 3
    return 2.0 * y


@pytest.mark.parametrize("a", [1.7, -0.8, 0.0], ids=["body", "handler", "zero"])
def test_explicit_raise(a):
    if a == 0.0:                    # sqrt's slope is infinite at 0: only the value is checked
        assert ag.grad(root_or_cube)(a) == 0.0
        return
    ag.check_grads(root_or_cube, (a,), order=2)
    expected = 3.0 * np.sqrt(a) if a > 0 else -6.0 * a ** 2
    assert np.isclose(ag.grad(root_or_cube)(a), expected)
    assert np.isclose(ag.jvp(root_or_cube)(a, 1.0)[1], expected)
