"""Piecewise-constant functions (issue 11, the policy docs/rules.md states): a function whose
values are whole numbers or flags, flat between jumps, has slope 0 wherever it has a slope,
and astgrad gives 0 (at a jump, where there is none, 0 too). That covers np.floor and its
kin, integer and boolean casts (`x.astype(int)`, `np.asarray(x, dtype=int)`, `int(x)`,
`round(x)`), and np.arange / np.linspace with an integer dtype. Checked against finite
differences away from the jumps, in reverse and forward mode and at second order, and by
the exact values."""
from __future__ import annotations

import numpy as np
import pytest

import astgrad as ag

X = np.array([0.3, 1.7, -2.2, 3.45])          # no entry within 1e-3 of a jump


def _whole(v):
    return np.trunc(v)


CASTS = {
    "floor": (lambda x: np.sum(np.floor(x) * x), np.floor),
    "ceil": (lambda x: np.sum(np.ceil(x) * x), np.ceil),
    "round": (lambda x: np.sum(np.round(x) * x), np.round),
    "rint": (lambda x: np.sum(np.rint(x) * x), np.rint),
    "trunc": (lambda x: np.sum(np.trunc(x) * x), np.trunc),
    "fix": (lambda x: np.sum(np.fix(x) * x), np.fix),
    "x // 1": (lambda x: np.sum((x // 1) * x), np.floor),
    "astype(int)": (lambda x: np.sum(x.astype(int) * x), _whole),
    "astype(np.int32)": (lambda x: np.sum(x.astype(np.int32) * x), _whole),
    "astype(bool)": (lambda x: np.sum(x.astype(bool) * x), lambda v: (v != 0) * 1.0),
    "asarray(dtype=int)": (lambda x: np.sum(np.asarray(x, dtype=int) * x), _whole),
    "array(dtype=np.int64)": (lambda x: np.sum(np.array(x, dtype=np.int64) * x), _whole),
    "sign": (lambda x: np.sum(np.sign(x) * x), np.sign),
}


@pytest.mark.parametrize("name", list(CASTS))
def test_a_whole_number_times_x_has_the_whole_number_as_its_slope(name):
    f, whole = CASTS[name]
    # d/dx (w(x) x) = w(x): w's own slope is 0
    np.testing.assert_allclose(ag.grad(f)(X), whole(X))
    _, tangent = ag.jvp(f)(X, np.ones(4))
    assert tangent == pytest.approx(np.sum(whole(X)))
    ag.check_grads(f, (X,), order=2)


def test_python_int_and_round_of_a_float():
    f = lambda x: int(x[0] * 4) * x[1] + round(x[2]) * x[3]          # noqa: E731
    np.testing.assert_allclose(ag.grad(f)(X), [0.0, 1.0, 0.0, -2.0])
    ag.check_grads(f, (X,), order=2)


RANGES = [lambda a: np.linspace(a[0], 10.0, 5, dtype=int),
          lambda a: np.linspace(0.0, a[0] * 8, 4, dtype=np.int32),
          lambda a: np.arange(a[0], 5.0, dtype=np.int32),
          lambda a: np.arange(1.0, 9.0, a[0] + 1.0, dtype=int) ** 2]


@pytest.mark.parametrize("r", RANGES)
def test_integer_ranges_have_flat_ends(r):
    f = lambda a: np.sum(r(a) * a[1])                  # noqa: E731
    a = np.array([0.3, 1.0])
    np.testing.assert_allclose(ag.grad(f)(a), [0.0, np.sum(r(a))])
    _, tangent = ag.jvp(f)(a, np.array([1.0, 0.0]))
    assert tangent == 0.0
    ag.check_grads(f, (a,), order=2)


def test_float_casts_keep_their_slope():
    f = lambda x: np.sum(x.astype(np.float32) ** 2 + np.asarray(x, dtype=np.float64) ** 3)  # noqa
    np.testing.assert_allclose(ag.grad(f)(X), 2 * X + 3 * X ** 2, rtol=1e-6)
    ag.check_grads(lambda x: np.sum(np.asarray(x, dtype=float) ** 3), (X,), order=2)
