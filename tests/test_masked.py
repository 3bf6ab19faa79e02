"""Masked adjoints (transform/masked.py): a branch np.where discards contributes zero where it
is discarded, also where its own slope is infinite (docs/edge_points.md, "Masked branches").
Golden: the mask moves onto the product at no cost where the masked adjoint is read once.
Semantic: the values, against finite differences away from the masked points."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import astgrad as ag

A = np.array([0.0, 1.0, 4.0, 0.25])


def sqrt_masked(a):
    return np.sum(np.where(a > 0, np.sqrt(a), 0.0))


def xlogx(a):
    return np.sum(np.where(a > 0, np.log(a) * a, 0.0))


def other_branch(a):
    return np.sum(np.where(a <= 0, 2.0 * a, 1.0 / a))


def in_a_loop(a):
    s = 0.0
    for i in range(3):
        s = s + np.sum(np.where(a > 0, np.sqrt(a) * i, a))
    return s


def accumulated(a):
    r = np.where(a > 0, np.sqrt(a), 0.0)
    return np.sum(r * r + r)


@pytest.mark.parametrize("f, want", [
    (sqrt_masked, [0.0, 0.5, 0.25, 1.0]),
    (xlogx, [0.0, 1.0, 1.0 + np.log(4.0), 1.0 + np.log(0.25)]),
    (other_branch, [2.0, -1.0, -1 / 16, -16.0]),
    (in_a_loop, [3.0, 1.5, 0.75, 3.0]),
    (accumulated, [0.0, 1.5, 1.25, 2.0]),
])
def test_a_masked_branch_contributes_zero_where_masked(f, want):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)     # NumPy computes the masked entries
        np.testing.assert_allclose(ag.grad(f)(A), want)
    ag.check_grads(f, (A[1:],), order=2)                   # away from the masked point


def test_the_unmasked_slope_stays_infinite():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        g = ag.grad(lambda a: np.sum(np.where(a > 0, np.sqrt(a), 0.0) + np.sqrt(a)))(A)
    assert g[0] == np.inf and g[1] == 1.0


def test_second_order_at_the_masked_point():
    f = lambda a: np.where(a > 0, a * np.sqrt(a), 0.0)     # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert ag.grad(ag.grad(f))(0.0) == 0.0
        assert ag.grad(ag.grad(f))(4.0) == pytest.approx(0.75 / 2)


def _code(text):
    return "\n".join(line for line in text.splitlines() if not line.strip().startswith("#"))


def test_the_mask_moves_onto_the_product_at_no_cost():
    df = ag.grad(sqrt_masked)
    df(A[1:])
    text = _code(ag.source(df))
    assert text.count("np.where(") == 1
    assert "ba = np.where(a > 0, 0.5 / np.sqrt(a), 0)" in text


def test_a_product_of_finite_names_read_twice_is_not_masked_again():
    # b * y and x * b: no quotient, power or call, so no np.where of their own
    df = ag.grad(lambda x, y: np.sum(np.where(x > y, x * y, y)), wrt=(0, 1))
    df(A, A[::-1])
    assert _code(ag.source(df)).count("np.where(") == 2


def test_the_user_s_own_where_computes_what_numpy_computes():
    def f(x, y):
        return np.sum(np.where(x > 0, x, 0.0) * np.log(y))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        value, _ = ag.value_and_grad(f)(A, np.array([0.0, 1.0, 2.0, 3.0]))
    assert np.isnan(value)                     # 0 * log(0) in the user's code: NumPy's nan
