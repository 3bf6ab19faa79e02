"""Regressions for the rule-level bugs of issue 9: each repro, at the special point where
the naive formula fails, in reverse, forward and second order against finite differences."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import astgrad as ag


@pytest.fixture(autouse=True)
def _no_warnings():
    """A rule that is right at a special point computes no nan or inf on the way."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        yield


# ---- item 6: std where the spread is zero ---------------------------------------------

def std_axis0(x):
    return np.std(x, axis=0)


def std_all(x):
    return np.std(x)


def var_axis0(x):
    return np.var(x, axis=0)


@pytest.mark.parametrize("f, arg", [
    (std_axis0, np.array([[0.3, -1.2, 2.0]])),   # a reduced axis of length 1
    (std_all, 0.7),                              # a Python float
    (std_all, np.array(0.7)),                    # a 0-d array
    (var_axis0, np.array([[0.3, -1.2, 2.0]])),
])
def test_std_of_zero_spread_is_constant(f, arg):
    ag.check_grads(f, (arg,), order=2)
    assert np.all(np.asarray(ag.vjp(f)(arg)[1](np.ones(np.shape(f(arg))))) == 0)
    assert np.all(np.asarray(ag.jvp(f)(arg, np.ones_like(arg))[1]) == 0)


def test_std_of_equal_entries_has_slope_zero():
    # not differentiable there (as abs at 0): 0, as NumPy-based peers give for abs
    assert np.array_equal(ag.vjp(std_axis0)(np.ones((3, 2)))[1](np.ones(2)), np.zeros((3, 2)))

