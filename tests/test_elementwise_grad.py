"""`ag.elementwise_grad(f)`: the derivative of an elementwise `f` at every point of
its argument, made as the gradient of `np.sum(f(...))`, so it nests."""
import numpy as np
import pytest

import astgrad as ag
from astgrad import errors

X = np.linspace(-2.0, 2.0, 9)


def bump(x, scale=1.0):
    return scale * x ** 2 * np.exp(-x)


def test_numpy_functions_and_a_users_own():
    np.testing.assert_allclose(ag.elementwise_grad(np.sin)(X), np.cos(X), rtol=1e-14)
    np.testing.assert_allclose(ag.elementwise_grad(np.tanh)(X), 1 - np.tanh(X) ** 2, rtol=1e-14)
    np.testing.assert_allclose(ag.elementwise_grad(bump)(X), (2 * X - X ** 2) * np.exp(-X),
                               rtol=1e-12)
    np.testing.assert_allclose(ag.elementwise_grad(bump)(X, scale=3.0),
                               3 * (2 * X - X ** 2) * np.exp(-X), rtol=1e-12)


def test_the_result_has_the_arguments_type_and_shape():
    assert type(ag.elementwise_grad(np.sin)(0.5)) is float
    grid = X.reshape(3, 3).astype(np.float32)
    g = ag.elementwise_grad(np.tanh)(grid)
    assert g.shape == (3, 3) and g.dtype == np.float32


def test_it_nests_for_higher_derivatives():
    t = np.tanh(X)
    second = ag.elementwise_grad(ag.elementwise_grad(np.tanh))(X)
    np.testing.assert_allclose(second, -2 * t * (1 - t ** 2), rtol=1e-12)
    third = ag.elementwise_grad(ag.elementwise_grad(ag.elementwise_grad(np.tanh)))(X)
    np.testing.assert_allclose(third, (1 - t ** 2) * (6 * t ** 2 - 2), rtol=1e-10, atol=1e-14)


def test_with_respect_to_several_arguments():
    def f(x, y):
        return x * np.sin(y)
    gx, gy = ag.elementwise_grad(f, wrt=(0, 1))(X, X + 1)
    np.testing.assert_allclose(gx, np.sin(X + 1))
    np.testing.assert_allclose(gy, X * np.cos(X + 1))


def test_it_is_a_vjp_with_a_seed_of_ones():
    _, pullback = ag.vjp(bump)(X)
    np.testing.assert_allclose(ag.elementwise_grad(bump)(X), pullback(np.ones_like(X)))


def test_grad_of_an_array_output_points_to_it():
    with pytest.raises(errors.NonScalarOutputError, match=r"ag\.elementwise_grad\(f\)"):
        ag.grad(np.sin)(X)
