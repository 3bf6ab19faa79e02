"""A function given as an argument of the function differentiated (`def loss(w, act=
np.tanh)`, `ag.grad(loss)(w, np.sin)`): the code is made for that function, and a
call with another function gets code of its own."""
import functools

import numpy as np
import pytest

import astgrad as ag
from astgrad import errors

W = np.array([0.3, -0.2, 0.7])


def loss(w, act=np.tanh):
    return np.sum(act(w) ** 2)


def layer(w, x, nonlinearity=np.tanh, scale=0.5):
    return np.sum(nonlinearity(w * x) * scale)


def _apply(g, v):
    return g(v)


def passes_it_on(w, act):
    return np.sum(_apply(act, w) ** 2) + np.sum(act(w))


def softplus(z):
    return np.log1p(np.exp(z))


def scaled(z, k):
    return k * np.sin(z)


def differences(f, w, h=1e-6):
    return np.array([(f(w + h * e) - f(w - h * e)) / (2 * h) for e in np.eye(w.size)])


class Layer:
    def __init__(self, k):
        self.k = k

    def forward(self, z):
        return self.k * np.sin(z)


@pytest.mark.parametrize("act", [np.tanh, np.sin, softplus, lambda z: z ** 3,
                                 Layer(2.0).forward])
def test_loss_of_a_given_function_against_differences(act):
    g = ag.grad(loss)(W, act)
    np.testing.assert_allclose(g, differences(lambda w: loss(w, act), W), rtol=1e-7)
    ag.check_grads(loss, (W, act), wrt=0, order=2)
    value, tangent = ag.jvp(loss)(W, act, np.array([1.0, 0.5, -2.0]))
    assert value == pytest.approx(loss(W, act))
    assert tangent == pytest.approx(differences(lambda w: loss(w, act), W) @ [1.0, 0.5, -2.0])


def test_default_and_keyword_and_closed_forms():
    t = np.tanh(W)
    np.testing.assert_allclose(ag.grad(loss)(W), 2 * t * (1 - t ** 2), rtol=1e-12)
    np.testing.assert_allclose(ag.grad(loss)(W, act=np.sin), 2 * np.sin(W) * np.cos(W),
                               rtol=1e-12)
    np.testing.assert_allclose(ag.hessian(loss)(W, np.sin), np.diag(2 * np.cos(2 * W)),
                               atol=1e-12)


def test_calls_alternating_functions_never_reuse_the_other_ones_code():
    df = ag.grad(loss)
    for act, d in [(np.tanh, lambda w: 2 * np.tanh(w) * (1 - np.tanh(w) ** 2)),
                   (np.sin, lambda w: np.sin(2 * w)), (np.tanh, None), (np.exp, None),
                   (np.sin, None)] * 2:
        expected = d(W) if d is not None else differences(lambda w: loss(w, act), W)
        np.testing.assert_allclose(df(W, act), expected, rtol=1e-6)


def test_passed_on_to_a_helper_and_a_layer():
    g = ag.grad(passes_it_on)(W, np.sin)
    np.testing.assert_allclose(g, differences(lambda w: passes_it_on(w, np.sin), W), rtol=1e-7)
    x = np.array([1.0, 2.0, -1.0])
    g = ag.grad(layer)(W, x, nonlinearity=np.cos)
    np.testing.assert_allclose(g, -np.sin(W * x) * x * 0.5, rtol=1e-12)


def test_the_code_reads_the_function_given():
    def loss(w, act=np.tanh):
        return np.sum(act(w) ** 2)
    df = ag.grad(loss)
    df(W, np.sin)
    assert "np.sin(w)" in ag.source(df) and "np.cos(w)" in ag.source(df)


def test_a_function_parameter_assigned_in_the_body_is_still_refused():
    def f(w, act=np.tanh):
        if w[0] > 10:
            act = np.sin
        return np.sum(act(w))
    with pytest.raises(errors.AstgradError, match="act"):
        ag.grad(f)(W)


def test_a_partial_given_is_refused_by_name():
    with pytest.raises(errors.AstgradError, match="act"):
        ag.grad(loss)(W, functools.partial(scaled, k=2.0))


def test_a_function_is_not_differentiated():
    with pytest.raises(errors.WrtError):
        ag.grad(loss, wrt=1)(W, np.sin)
