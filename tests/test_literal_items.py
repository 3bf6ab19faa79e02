"""An item of a tuple or list written in place: `(a, b)[0]`, `[x, 2 * x][i]`. Each
was a silently zero gradient (the adjoint of a subscript of an unnamed tuple was
dropped); in generated code the same shape made a wrong second derivative of a rule
that rebuilds a tuple (scipy.linalg.cho_solve's `(c, low)`)."""
from __future__ import annotations

import numpy as np
import pytest

import astgrad as ag

M = np.array([0.3, 0.5, -0.8])


def first_of_a_pair(m):
    return np.sum(np.sin((m, True)[0]))


def second_of_a_list(m):
    return np.sum(np.sin([m, m * 2.0][1]))


def last_of_a_pair(m):
    return np.sum(np.sin((m * 2.0, m)[-1]))


def picked(m, i):
    return np.sum(np.sin([m, m * 2.0][i]))


def sliced(m):
    return np.sum(np.stack((m, m * 2.0, np.cos(m))[1:]))


@pytest.mark.parametrize("f", [first_of_a_pair, second_of_a_list, last_of_a_pair, sliced])
def test_an_item_of_a_literal(f):
    ag.check_grads(f, (M,), order=2)


def test_the_item_written_in_place_is_the_element():
    np.testing.assert_allclose(ag.grad(first_of_a_pair)(M), np.cos(M))
    np.testing.assert_allclose(ag.grad(second_of_a_list)(M), 2.0 * np.cos(2.0 * M))


@pytest.mark.parametrize("i", [0, 1, -1])
def test_an_item_picked_by_a_variable_index(i):
    ag.check_grads(picked, (M, i), wrt=0, order=2)
