"""The type and dtype of a gradient follow the argument's (issue 9 item 12): a float32
array's gradient is float32 even when a float64 seed or constant is met on the way, a 0-d
array's is a 0-d array, a Python float's a Python float (also at second order)."""
from __future__ import annotations

import numpy as np

import astgrad as ag


def accumulate(x):
    s = 0.0
    for i in range(3):
        s = s + np.sum(x * x)
    return s


def square(x):
    return x * x


def nested_branches(x):
    if x > 0.0:
        if x > 1.0:
            return x ** 3
        return x ** 2
    return -x


def test_a_float32_array_through_a_loop_keeps_float32():
    x = np.array([0.5, -1.0, 2.0], np.float32)
    g = ag.grad(accumulate)(x)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, 6.0 * x, rtol=1e-6)


def test_a_float64_array_keeps_float64():
    g = ag.grad(accumulate)(np.array([0.5, -1.0]))
    assert g.dtype == np.float64


def test_a_0d_array_gets_a_0d_array():
    g = ag.grad(square)(np.array(2.0))
    assert type(g) is np.ndarray and g.shape == () and g == 4.0
    assert type(ag.grad(square)(2.0)) is float


def test_second_derivative_of_a_float_is_a_float():
    for x, expected in ((0.5, 2.0), (2.0, 12.0), (-1.0, 0.0)):
        g = ag.grad(ag.grad(nested_branches))(x)
        assert type(g) is float and g == expected
