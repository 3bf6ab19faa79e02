"""A user primitive returning a tuple, differentiated with respect to several arguments:
the tangents of its results add element by element (they were joined as tuples, a
silently wrong jvp), in forward mode and forward over reverse."""
from __future__ import annotations

import numpy as np
import pytest

import astgrad as ag


@ag.primitive
def pair(x, y):
    return x * y, x + y


ag.defvjp(pair, lambda g, ans, x, y: g[0] * y + g[1], lambda g, ans, x, y: g[0] * x + g[1])
ag.defjvp(pair, lambda t, ans, x, y: (t * y, t), lambda t, ans, x, y: (t * x, t))


def product_of_pair(x, y):
    p, q = pair(x, y)
    return p * q


def test_jvp_of_a_tuple_primitive_in_both_arguments():
    x, y = 0.3, 0.7
    _, t = ag.jvp(product_of_pair, wrt=(0, 1))(x, y, (1.0, 1.0))
    assert t == pytest.approx(y * (x + y) + x * y + x * (x + y) + x * y)


@pytest.mark.parametrize("args", [(0.3, 0.7), (np.array([0.3, -0.5]), np.array([0.7, 1.1]))])
def test_a_tuple_primitive_at_every_order(args):
    ag.check_grads(product_of_pair, args, wrt=(0, 1), order=2)
