"""Helpers that change their arguments in place (issue 9 "helper updating its parameter
in place", issue 14's LSTM): Python passes the object, so a helper's `p[i] = v` is the
caller's write; a helper's `p op= v` on a view of the caller's array is refused when the
caller reads that array afterwards, never silently dropped."""
from __future__ import annotations

import numpy as np
import pytest

import astgrad as ag


def step(hiddens, cells, x):
    """One step of a two-layer recurrent cell, updating the caller's lists."""
    for i in range(len(hiddens)):
        hiddens[i], cells[i] = np.tanh(hiddens[i] * x), cells[i] + hiddens[i]
        x = hiddens[i]
    return x


def layered(x, state):
    hiddens = [state[0], state[1]]
    cells = [state[2], state[3]]
    total = 0.0
    for t in range(3):
        y = step(hiddens, cells, x)
        total = total + np.sum(y * cells[1])
    return total


def test_a_helper_updating_the_callers_lists():
    x = np.array([0.3, -0.2, 0.5])
    state = np.random.default_rng(0).random((4, 3))
    ag.check_grads(layered, (x, state), wrt=(0, 1), order=2)


def set_row(A, v):
    A[1] = v * 2.0
    return np.sum(A)


def through_set_row(x, v):
    B = x * 1.0
    a = set_row(B, v)
    return a + np.sum(B ** 2)


def test_a_helper_writing_a_row_of_the_callers_array():
    x = np.random.default_rng(1).random((3, 3))
    v = np.array([0.1, 0.4, -0.3])
    expected = x * 1.0
    expected[1] = 2.0 * v
    assert through_set_row(x, v) == pytest.approx(np.sum(expected) + np.sum(expected ** 2))
    ag.check_grads(through_set_row, (x, v), wrt=(0, 1), order=2)


def grow(r):
    r += np.sin(r)
    return np.sum(r)


def grows_a_row(B):
    B = B * 1.0
    b = grow(B[-1])
    return b + np.sum(B ** 2)


def test_a_helper_adding_into_a_view_of_the_callers_array():
    # `r += ...` changes the row of B that `r` is a view of, and B is read after the
    # call: the new row is written back into B (once refused)
    B = np.random.default_rng(4).random((2, 3))
    expected = B.copy()
    expected[-1] += np.sin(expected[-1])
    assert grows_a_row(B) == pytest.approx(np.sum(expected[-1]) + np.sum(expected ** 2))
    ag.check_grads(grows_a_row, (B,), order=2)


def grows_a_copy(B):
    B = B * 1.0
    b = grow(B[-1] * 1.0)
    return b + np.sum(B ** 2)


def test_a_helper_adding_into_its_own_array_is_fine():
    ag.check_grads(grows_a_copy, (np.random.default_rng(2).random((2, 3)),), order=2)
