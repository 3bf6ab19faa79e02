"""Higher order and forward mode: grad of grad, jvp, hvp, hessian, jacobian."""
import numpy as np
import pytest

import astgrad as ag
from astgrad import errors

from .functions import newton_differentiated, poly, rnn, sin_log
from .conftest import args_for


def quartic(a):
    return 3.0 * a ** 4 - 2.0 * a ** 3 + a


def mixed(a, b):
    return a ** 3 * b ** 2 + np.sin(a * b)


def loop_energy(x, n):
    e = 0.0
    for i in range(n):
        e = e + np.sum(np.tanh(x * (i + 1.5)) ** 2)
    return e


def test_third_and_fourth_derivatives_of_a_polynomial():
    d3 = ag.grad(ag.grad(ag.grad(quartic)))
    d4 = ag.grad(d3)
    a = 0.7
    assert np.isclose(d3(a), 72.0 * a - 12.0)
    assert np.isclose(d4(a), 72.0)


def test_mixed_partials_through_wrt():
    a, b = 0.6, -1.3
    dab = ag.grad(ag.grad(mixed, wrt="a"), wrt="b")(a, b)
    dba = ag.grad(ag.grad(mixed, wrt="b"), wrt="a")(a, b)
    expected = 6 * a ** 2 * b + np.cos(a * b) - a * b * np.sin(a * b)
    assert np.isclose(dab, expected) and np.isclose(dba, expected)


def test_the_tutorial_second_derivatives():
    d2 = ag.grad(ag.grad(poly))
    assert d2(0.0, 1.0, -2.0, 1.0) == 2.0
    x = 2.0
    value = ag.grad(ag.grad(sin_log))(x)
    h = 1e-4
    d = ag.grad(sin_log)
    assert np.isclose(value, (d(x + h) - d(x - h)) / (2 * h), rtol=1e-7)
    assert round(value, 4) == 4.0395


def test_jvp_matches_the_gradient_along_a_direction():
    x = np.array([0.3, -0.7, 1.1, 0.4])
    t = np.array([0.5, 0.25, -1.0, 2.0])
    value, derivative = ag.jvp(loop_energy)(x, 3, t)
    assert np.isclose(value, loop_energy(x, 3))
    assert np.isclose(derivative, ag.grad(loop_energy)(x, 3) @ t)


def test_hessian_of_a_function_with_a_loop_against_differences_of_the_gradient():
    x = np.array([0.3, -0.7, 1.1, 0.4])
    H = ag.hessian(loop_energy)(x, 3)
    g = ag.grad(loop_energy)
    h = 1e-5
    numeric = np.stack([(g(x + h * e, 3) - g(x - h * e, 3)) / (2 * h) for e in np.eye(4)], 1)
    assert H.shape == (4, 4)
    np.testing.assert_allclose(H, numeric, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(H, H.T, rtol=1e-10, atol=1e-12)


def test_hvp_equals_the_hessian_times_v_without_forming_it():
    args = args_for(rnn)
    v = np.linspace(-1, 1, 4)
    H = ag.hessian(rnn, wrt="x")(*args)
    np.testing.assert_allclose(ag.hvp(rnn, wrt="x")(*args, v), H @ v, rtol=1e-10)


def test_hessian_of_a_scalar_argument_is_a_float():
    assert np.isclose(ag.hessian(quartic)(0.5), 36 * 0.25 - 12 * 0.5)


def test_jvp_of_grad_and_grad_of_grad_agree():
    x = np.array([0.3, -0.7, 1.1, 0.4])
    t = np.array([0.5, 0.25, -1.0, 2.0])
    via_forward = ag.jvp(ag.grad(loop_energy))(x, 3, t)[1]
    via_reverse = ag.hessian(loop_energy)(x, 3) @ t
    np.testing.assert_allclose(via_forward, via_reverse, rtol=1e-10)


def vector_out(x, A):
    return np.tanh(A @ x) * x[0]


@pytest.mark.parametrize("shape", [(3, 4), (6, 4)])     # reverse rows, then forward columns
def test_jacobian_against_differences(shape):
    rng = np.random.default_rng(3)
    x, A = rng.uniform(-1, 1, 4), rng.uniform(-1, 1, shape)
    J = ag.jacobian(vector_out)(x, A)
    h = 1e-6
    numeric = np.stack([(vector_out(x + h * e, A) - vector_out(x - h * e, A)) / (2 * h)
                        for e in np.eye(4)], axis=-1)
    assert J.shape == (shape[0], 4)
    np.testing.assert_allclose(J, numeric, rtol=1e-6, atol=1e-9)


def test_newton_iterations_differentiate_twice():
    s = 2.0
    assert np.isclose(ag.grad(newton_differentiated)(s), 0.5 / np.sqrt(s))
    assert np.isclose(ag.grad(ag.grad(newton_differentiated))(s), -0.25 * s ** -1.5)


def test_source_of_every_derived_function():
    for made in (ag.grad(ag.grad(quartic)), ag.jvp(quartic), ag.hvp(quartic),
                 ag.hessian(quartic), ag.jacobian(vector_out)):
        text = ag.source(made)
        assert "def " in text and "return" in text


def test_second_order_code_is_readable():
    d2 = ag.grad(ag.grad(poly))
    d2(0.5, 1.0, -2.0, 1.0)
    body = [line.strip() for line in ag.source(d2).splitlines()
            if line.startswith("    ") and not line.strip().startswith("#")]
    assert body == ["return a * 2"]


def test_hessian_of_a_vector_function_is_refused():
    with pytest.raises(errors.NonScalarOutputError):
        ag.hessian(vector_out)(np.ones(4), np.ones((3, 4)))


def test_a_tangent_of_the_wrong_shape_is_refused():
    with pytest.raises(errors.SeedShapeError, match="tangent"):
        ag.jvp(loop_energy)(np.ones(4), 2, np.ones(3))


def test_grad_of_a_tuple_of_gradients_is_refused():
    with pytest.raises(errors.NonScalarOutputError, match="tuple"):
        ag.grad(ag.grad(mixed, wrt=(0, 1)))(0.5, 0.5)


def _sines(x):
    return np.sum(np.sin(x) * x)


def _vector_sines(x):
    return np.sin(x) * x[0]


_direction = np.array([1.0, -0.5, 0.25])
_sines_jvp = ag.jvp(_sines)
_vector_jvp = ag.jvp(_vector_sines)


def slope_of_sines(x):
    value, slope = _sines_jvp(x, _direction)
    return slope


def mixed_value_and_slope(x):
    value, slope = _vector_jvp(x, _direction)
    return np.sum(slope * value)


def test_grad_of_a_jvp_called_inside_a_function():
    x = np.array([0.3, 0.7, -0.2])
    np.testing.assert_allclose(ag.grad(slope_of_sines)(x), ag.hvp(_sines)(x, _direction),
                               rtol=1e-12)
    ag.check_grads(slope_of_sines, (x,))
    ag.check_grads(mixed_value_and_slope, (x,))


def slope_along_x(x):
    return _sines_jvp(x, x)[1]        # the tangent varies too


def test_reverse_over_forward_with_respect_to_the_tangent():
    # the jvp's code names its tangent `tx`, its dispatcher `tangent`: matched by position
    x = np.array([0.3, 0.7, -0.2])
    value, pullback = ag.vjp(_sines_jvp, wrt=(0, 1))(x, _direction)
    bx, bv = pullback((0.0, 1.0))
    np.testing.assert_allclose(bx, ag.hvp(_sines)(x, _direction), rtol=1e-12)
    np.testing.assert_allclose(bv, ag.grad(_sines)(x), rtol=1e-12)
    np.testing.assert_allclose(ag.grad(slope_along_x)(x),
                               ag.hvp(_sines)(x, x) + ag.grad(_sines)(x), rtol=1e-12)
    ag.check_grads(slope_along_x, (x,))
