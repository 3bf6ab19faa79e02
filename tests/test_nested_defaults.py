"""Nested `def`s and lambdas with default values, and `**kwargs` read by key (issue 10):
each against finite differences in reverse, forward and second order, and what stays
refused, with the line."""
from __future__ import annotations

import numpy as np
import pytest

import astgrad as ag
from astgrad.errors import UnsupportedSyntaxError


def relu(z):
    return np.maximum(z, 0.0)


def layers(x, W):
    def layer(h, M, act=np.tanh, scale=0.5, shift=-0.1):
        return act(M @ h) * scale + shift

    def other(h, act=relu, *, k=2.0):
        return act(h) * k
    g = lambda v, c=(1.0, 2.0): v * c[0] + c[1]   # noqa: E731
    h = layer(x, W)
    h = layer(h, W, scale=2.0, act=np.sin)
    return np.sum(other(h) + g(h))


def _layers_by_hand(x, W):
    h = np.tanh(W @ x) * 0.5 - 0.1
    h = np.sin(W @ h) * 2.0 - 0.1
    return np.sum(np.maximum(h, 0.0) * 2.0 + h + 2.0)


X = np.array([0.3, -0.2, 0.5])
W = np.array([[0.1, 0.4, -0.3], [0.2, -0.5, 0.7], [0.3, 0.1, 0.2]])


def test_nested_defaults_values_and_derivatives():
    assert layers(X, W) == pytest.approx(_layers_by_hand(X, W), rel=1e-15)
    value, grads = ag.value_and_grad(layers, wrt=(0, 1))(X, W)
    assert value == pytest.approx(_layers_by_hand(X, W), rel=1e-15)
    ag.check_grads(layers, (X, W), wrt=(0, 1), order=2)
    np.testing.assert_allclose(grads[0], ag.grad(_layers_by_hand)(X, W), rtol=1e-12)


def kwargs_read(x, y):
    def total(*vs, **kw):
        return sum(vs) * kw["k"] + kw.get("s", 0.25) + kw.get("t", 1.0) * vs[0]
    return np.sum(total(x, y, k=3.0, t=y) ** 2)


def test_kwargs_read_by_key():
    x, y = np.array([0.3, -0.2]), np.array([0.7, 1.1])
    want = np.sum(((x + y) * 3.0 + 0.25 + y * x) ** 2)
    assert kwargs_read(x, y) == pytest.approx(want, rel=1e-15)
    r = (x + y) * 3.0 + 0.25 + y * x
    np.testing.assert_allclose(ag.grad(kwargs_read)(x, y), 2 * r * (3.0 + y), rtol=1e-14)
    ag.check_grads(kwargs_read, (x, y), wrt=(0, 1), order=2)


def default_of_a_local(x):
    k = 2.0

    def g(v, c=k):          # `k`'s value when the `def` ran: not bound again at the call
        return v * c
    return g(x)


def default_made_at_run_time(x):
    def g(v, c=np.ones(2)):
        return v * c
    return np.sum(g(x))


def decorated(x):
    @staticmethod
    def g(v):
        return v
    return g(x)


@pytest.mark.parametrize("fn, what", [
    (default_of_a_local, "the default `k`"),
    (default_made_at_run_time, "the default `np.ones\\(2\\)`"),
    (decorated, "decorators"),
])
def test_refused_with_the_line(fn, what):
    with pytest.raises(UnsupportedSyntaxError, match=what) as info:
        ag.grad(fn)(np.array([0.5, 1.5]) if fn is not default_of_a_local else 0.5)
    assert "test_nested_defaults.py:" in str(info.value)


def _shifted(v, w, scale=1.0, shift=0.0):
    return (np.tanh(v) + w) * scale + shift


def partials(x, y):
    import functools

    def local(v, w, scale=1.0):
        return np.sin(v) * w * scale
    h = functools.partial(_shifted, scale=0.5)
    k = functools.partial(local, x)             # an argument bound first, as it is here
    m = functools.partial(h, shift=y[0])        # a partial of a partial
    x = x * 2.0
    return np.sum(h(x, y) + k(y, scale=2.0) + m(y, x))


def test_functools_partial_in_the_function():
    x, y = np.array([0.3, -0.2]), np.array([0.7, 1.1])
    x2 = x * 2.0
    want = np.sum((np.tanh(x2) + y) * 0.5 + np.sin(x) * y * 2.0 + (np.tanh(y) + x2) * 0.5
                  + y[0])
    assert partials(x, y) == pytest.approx(want, rel=1e-15)
    ag.check_grads(partials, (x, y), wrt=(0, 1), order=2)


def spread_literal(x, y):
    def total(v, **kw):
        return v * kw["k"] + kw.get("s", 0.0)
    return np.sum(total(x, **{"k": y, "s": x * 2.0}) ** 2)


def test_a_dict_literal_spread_in_a_call():
    x, y = np.array([0.3, -0.2]), np.array([0.7, 1.1])
    np.testing.assert_allclose(ag.grad(spread_literal)(x, y),
                               2 * (x * y + 2 * x) * (y + 2.0), rtol=1e-14)
    ag.check_grads(spread_literal, (x, y), wrt=(0, 1), order=2)
