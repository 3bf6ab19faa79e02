"""Classes and callables (issue 10, part B): `ag.grad(model.loss)` for a bound
method (its own parameters, `self` excluded), classmethods, staticmethods,
`self.attr` reads (arrays, floats, functions) and `self.helper(w)` calls,
callable objects. Checked against finite differences in reverse, forward and
second order.
"""
from __future__ import annotations

import numpy as np
import pytest

import astgrad as ag
from astgrad.errors import UnsupportedSyntaxError

W0 = np.random.RandomState(0).randn(3, 3)
w = np.array([0.3, 0.5, 0.7])
x = np.array([1.0, 2.0, -1.0])


class Model:
    def __init__(self, W, scale):
        self.W = W
        self.scale = scale
        self.act = np.tanh

    def predict(self, w, x):
        return self.act(self.W @ x * w)

    def loss(self, w, x):
        return np.sum(self.predict(w, x) ** 2) * self.scale

    @classmethod
    def prior(cls, w):
        return np.sum(w ** 2) * cls.WEIGHT

    WEIGHT = 3.0

    @staticmethod
    def penalty(w):
        return np.sum(np.sin(w) ** 2)

    def __call__(self, w):
        return self.loss(w, np.ones(3)) + self.penalty(w)


def test_bound_method():
    m = Model(W0, 0.5)
    ag.check_grads(m.loss, (w, x), order=2)
    z = W0 @ x * w
    expected = 0.5 * 2 * np.tanh(z) * (1 - np.tanh(z) ** 2) * (W0 @ x)
    np.testing.assert_allclose(ag.grad(m.loss)(w, x), expected)


def test_bound_method_reads_attributes_when_called():
    m = Model(W0, 0.5)
    df = ag.grad(m.loss)
    before = df(w, x)
    m.scale = 2.0                       # the derivative reads self.scale afresh
    np.testing.assert_allclose(df(w, x), 4.0 * before)
    m.W = W0 * 2.0
    ag.check_grads(m.loss, (w, x), order=2)


def test_wrt_names_the_method_parameters():
    m = Model(W0, 0.5)
    gw, gx = ag.grad(m.loss, wrt=(0, 1))(w, x)
    np.testing.assert_allclose(gw, ag.grad(m.loss, wrt="w")(w, x))
    assert gx.shape == x.shape
    ag.check_grads(m.loss, (w, x), wrt=1, order=2)


def test_classmethod_staticmethod_and_callable_object():
    ag.check_grads(Model.prior, (w,), order=2)
    np.testing.assert_allclose(ag.grad(Model.prior)(w), 6.0 * w)
    ag.check_grads(Model.penalty, (w,), order=2)
    m = Model(W0, 0.5)
    ag.check_grads(m.penalty, (w,), order=2)
    ag.check_grads(m, (w,), order=2)


class Module:
    """A value attribute read through a helper method, and a method passed as a value."""

    def __init__(self):
        self.offset = 0.25

    def shift(self, v):
        return v - self.offset

    def loss(self, v):
        return np.sum(apply_twice(self.shift, v) ** 2)


def apply_twice(fn, v):
    return fn(fn(v))


def test_method_passed_as_a_value():
    m = Module()
    ag.check_grads(m.loss, (w,), order=2)
    np.testing.assert_allclose(ag.grad(m.loss)(w), 2 * (w - 0.5))


def reads_an_attribute_of_an_argument(v, box):
    return np.sum(v * box.scale)


def test_attribute_of_an_argument_is_refused():
    with pytest.raises(UnsupportedSyntaxError, match="attribute `.scale`"):
        ag.grad(reads_an_attribute_of_an_argument)(w, Model(W0, 1.0))


# ---- functools.partial ---------------------------------------------------------------------------

def ridge(w, X, y, decay=0.1):
    return np.sum((X @ w - y) ** 2) + decay * np.sum(w ** 2)


XS = np.random.RandomState(2).randn(5, 3)
YS = np.arange(5.0)


def test_partial_with_keywords():
    import functools
    import pickle
    p = functools.partial(ridge, X=XS, y=YS)
    np.testing.assert_allclose(ag.grad(p)(w), ag.grad(ridge)(w, XS, YS))
    np.testing.assert_allclose(ag.grad(p)(w), 2 * XS.T @ (XS @ w - YS) + 0.2 * w)
    ag.check_grads(p, (w,), order=2)
    again = pickle.loads(pickle.dumps(ag.grad(p)))
    np.testing.assert_allclose(again(w), ag.grad(p)(w))
    assert "def " in ag.source(ag.grad(p))


def test_partial_with_positions():
    import functools
    q = functools.partial(ridge, w)
    assert ag.grad(q, wrt="decay")(XS, YS, 0.5) == pytest.approx(np.sum(w ** 2))
    ag.check_grads(q, (XS, YS), wrt=(0, 1), order=2)
    with pytest.raises(ag.AstgradError, match="leaves open"):
        ag.grad(q, wrt=3)


def ridge_plain(w, X, y, decay):
    return np.sum((X @ w - y) ** 2) + decay * np.sum(w ** 2)


def test_jvp_of_a_partial_fixing_keywords_puts_the_tangent_last():
    # `ridge_plain` has no defaults: its jvp takes (w, X, y, decay, tangent) by position,
    # so the tangent went to `X` and the call raised a bare TypeError.
    import functools
    import pickle
    p = functools.partial(ridge_plain, X=XS, y=YS, decay=0.3)
    u = np.array([1.0, -2.0, 0.5])
    value, tangent = ag.jvp(p)(w, u)
    assert value == pytest.approx(ridge_plain(w, XS, YS, 0.3))
    assert tangent == pytest.approx((2 * XS.T @ (XS @ w - YS) + 0.6 * w) @ u)
    assert pickle.loads(pickle.dumps(ag.jvp(p)))(w, u)[1] == pytest.approx(tangent)
    q = functools.partial(ridge_plain, X=XS, y=YS)
    assert ag.jvp(q, wrt="decay")(w, 1.0, decay=0.3)[1] == pytest.approx(np.sum(w ** 2))
    ag.check_grads(p, (w,), order=2, forward=True)
    ag.check_grads(functools.partial(ridge_plain, w, decay=0.3), (XS, YS), wrt=(0, 1),
                   forward=True)


class Config:
    scale = 0.5


class Net:
    """Attributes of every kind a model keeps: a list of arrays, an array, a dict, an
    object holding a number."""

    def __init__(self):
        rs = np.random.RandomState(0)
        self.layers = [rs.randn(3, 3) * 0.5, rs.randn(3, 3) * 0.5]
        self.W = rs.randn(3, 3)
        self.params = {"b": np.ones(3)}
        self.cfg = Config()

    def loss(self, x):
        h = x
        for W in self.layers:
            h = np.tanh(W @ h)
        h = h + self.W[0] * self.cfg.scale + self.params["b"]
        return np.sum(h ** 2) + np.sum(self.W.T @ x)


def test_attributes_of_every_kind():
    net = Net()
    ag.check_grads(net.loss, (x,), order=2)
    df = ag.grad(net.loss)
    before = df(x)
    net.cfg.scale = 0.0                 # read when the derivative runs
    net.W = np.zeros((3, 3))
    after = df(x)
    assert not np.allclose(before, after)
    eps = 1e-6
    fd = [(net.loss(x + eps * e) - net.loss(x - eps * e)) / (2 * eps) for e in np.eye(3)]
    np.testing.assert_allclose(after, fd, rtol=1e-6)


def test_composed_transforms_of_a_partial_are_refused_clearly():
    import functools
    p = functools.partial(ridge, X=XS, y=YS)
    for transform in (ag.hessian, ag.jacobian, ag.elementwise_grad):
        with pytest.raises(ag.AstgradError, match="functools.partial"):
            transform(p)
    H = ag.hessian(lambda v: ridge(v, XS, YS))(w)       # the fix the message gives
    np.testing.assert_allclose(H, 2 * XS.T @ XS + 0.2 * np.eye(3))
    ag.check_grads(m_method := Model(W0, 0.5).loss, (w, x), order=2)
    np.testing.assert_allclose(ag.hessian(m_method)(w, x).shape, (3, 3))


class Halve:
    def __call__(self, a):
        return a * 0.5


HALVE_WITH_RULE = Halve()
ag.defvjp(HALVE_WITH_RULE, lambda g, ans, a: g * 7.0, name="halve_with_rule")  # on purpose
HALVE = Halve()


def calls_objects(v):
    return HALVE(v) + HALVE_WITH_RULE(v)


def test_a_callable_object_with_rules_keeps_them():
    # HALVE is inlined (0.5); the registered object's rule is used as given (7.0)
    assert ag.grad(calls_objects)(1.0) == pytest.approx(7.5)
    assert ag.grad(HALVE)(1.0) == pytest.approx(0.5)


# -- super(): a base class's method, inlined as `self.helper` is ---------------------------
class _Base:
    reg = 0.01

    def __init__(self, X, y):
        self.X, self.y = X, y

    def predict(self, w):
        return self.X @ w

    def loss(self, w):
        return np.mean((self.predict(w) - self.y) ** 2)


class _Ridge(_Base):
    def loss(self, w):
        return super().loss(w) + 0.5 * np.sum(w ** 2) + self.reg * np.sum(w ** 4)


class _Squashed(_Ridge):
    def predict(self, w):                       # the base's `self.predict` is this one
        return np.tanh(super().predict(w))

    def loss(self, w):
        return 2.0 * super(_Squashed, self).loss(w)


def test_super_calls_the_base_class_method():
    rng = np.random.default_rng(5)
    X, y, w = rng.normal(size=(6, 3)), rng.normal(size=6), np.array([0.3, -0.1, 0.2])
    for model, expected in ((_Ridge(X, y), lambda w: 2 * X.T @ (X @ w - y) / 6 + w + 0.04 * w ** 3),
                            (_Squashed(X, y), None)):
        if expected is not None:
            np.testing.assert_allclose(ag.grad(model.loss)(w), expected(w), rtol=1e-12)
        ag.check_grads(model.loss, (w,), order=2)
        value, slope = ag.jvp(model.loss)(w, np.ones(3))
        np.testing.assert_allclose(slope, np.sum(ag.grad(model.loss)(w)), rtol=1e-12)
    t = np.tanh(X @ w)                           # the override of `predict` is the one taken
    np.testing.assert_allclose(ag.grad(_Squashed(X, y).loss)(w),
                               2 * (2 * X.T @ ((t - y) * (1 - t ** 2)) / 6 + w + 0.04 * w ** 3),
                               rtol=1e-12)


# -- objects of one class, and lists of functions or layers -----------------------------------
class _Dense:
    def __init__(self, W, b, act=np.tanh):
        self.W, self.b, self.act = W, b, act

    def __call__(self, h):
        return self.act(h @ self.W + self.b)

    def apply(self, h):
        return np.sin(h @ self.W)


class _Sequential:
    def __init__(self, layers):
        self.layers = layers

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def loss(self, x):
        return np.sum(self(x) ** 2)


_R = np.random.default_rng(7)
_L1 = _Dense(_R.normal(size=(3, 3)), np.zeros(3))
_L2 = _Dense(_R.normal(size=(3, 3)), np.ones(3), act=np.sin)
_FUNCTIONS = [np.tanh, np.sin]


def _two_layers(x):
    return np.sum(_L2(_L1(x)) ** 2) + np.sum(_L2.apply(_L1.apply(x)))


def _each_function(x):
    s = 0.0
    for f in _FUNCTIONS:
        s = s + np.sum(f(x))
    return s + np.sum(_FUNCTIONS[-1](2 * x))


def test_two_objects_of_one_class_each_read_their_own_attributes():
    # both were read as the first one's `self`: with square weights, silently wrong
    x = _R.normal(size=(4, 3))
    h1 = np.tanh(x @ _L1.W)
    h2 = np.sin(h1 @ _L2.W + 1.0)
    s1 = np.sin(x @ _L1.W)
    expected = ((2 * h2 * np.cos(h1 @ _L2.W + 1.0)) @ _L2.W.T * (1 - h1 ** 2)) @ _L1.W.T \
        + ((np.cos(s1 @ _L2.W)) @ _L2.W.T * np.cos(x @ _L1.W)) @ _L1.W.T
    np.testing.assert_allclose(ag.grad(_two_layers)(x), expected, rtol=1e-12)
    ag.check_grads(_two_layers, (x,), order=2)


def test_a_list_of_layers_held_by_an_object_is_written_out():
    x = _R.normal(size=(2, 3))
    net = _Sequential([_Dense(_R.normal(size=(3, 4)), np.zeros(4)),
                       _Dense(_R.normal(size=(4, 2)), np.zeros(2), act=np.sin)])
    dloss = ag.grad(net.loss)
    ag.check_grads(net.loss, (x,), order=2)
    value, slope = ag.jvp(net.loss)(x, np.ones_like(x))
    np.testing.assert_allclose(slope, np.sum(dloss(x)), rtol=1e-12)
    before = dloss(x)
    net.layers.append(_Dense(np.eye(2), np.zeros(2), act=np.exp))   # followed, not stale
    after = dloss(x)
    assert not np.allclose(before, after)
    np.testing.assert_allclose(after, ag.grad(net.loss)(x), rtol=1e-12)
    net.layers[0].act = np.cos                                      # an item's attribute too
    np.testing.assert_allclose(dloss(x), ag.grad(_Sequential(net.layers).loss)(x), rtol=1e-12)
    ag.check_grads(net.loss, (x,))


def test_a_global_list_of_functions_is_written_out_and_followed():
    x = np.array([0.3, -0.2, 0.5])
    df = ag.grad(_each_function)
    np.testing.assert_allclose(df(x), 1 - np.tanh(x) ** 2 + np.cos(x) + 2 * np.cos(2 * x))
    ag.check_grads(_each_function, (x,), order=2)
    _FUNCTIONS.append(np.exp)
    try:
        np.testing.assert_allclose(df(x), 1 - np.tanh(x) ** 2 + np.cos(x) + np.exp(x)
                                   + 2 * np.exp(2 * x))
    finally:
        _FUNCTIONS.pop()
    np.testing.assert_allclose(df(x), 1 - np.tanh(x) ** 2 + np.cos(x) + 2 * np.cos(2 * x))


def _enumerated(x):
    s = 0.0
    for i, f in enumerate([np.sin, np.tanh, _L1]):
        s = s + (i + 1) * np.sum(f(x))
    for k, g in enumerate(_FUNCTIONS, 2):
        s = s + k * np.sum(g(x))
    return s * i


def test_enumerate_over_a_list_of_functions_is_written_out():
    x = np.array([[0.3, -0.2, 0.5]])
    expected = 2 * (np.cos(x) + 2 * (1 - np.tanh(x) ** 2)
                    + 3 * (1 - np.tanh(x @ _L1.W) ** 2) @ _L1.W.T
                    + 2 * (1 - np.tanh(x) ** 2) + 3 * np.cos(x))
    np.testing.assert_allclose(ag.grad(_enumerated)(x), expected, rtol=1e-12)
    ag.check_grads(_enumerated, (x,), order=2)
    value, slope = ag.jvp(_enumerated)(x, np.ones_like(x))
    assert value == pytest.approx(_enumerated(x)) and slope == pytest.approx(np.sum(expected))


class _Registry:
    acts = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0), "dense": _L1}


_ACTS = {"sin": np.sin, "tanh": np.tanh}


def _by_key(x):
    return np.sum(_ACTS["sin"](x)) + np.sum(_Registry.acts["relu"](x)) \
        + np.sum(_Registry.acts["dense"](x))


def _by_argument(x, name="tanh"):
    return np.sum(_Registry.acts[name](x))


def test_a_dict_of_functions_read_at_a_constant_key():
    x = np.array([[0.3, -0.2, 0.5]])
    df = ag.grad(_by_key)
    dense = (1 - np.tanh(x @ _L1.W) ** 2) @ _L1.W.T
    np.testing.assert_allclose(df(x), np.cos(x) + (x > 0) + dense, rtol=1e-12)
    ag.check_grads(_by_key, (x,), order=2)
    _ACTS["sin"] = np.cos                                   # followed, not stale
    try:
        np.testing.assert_allclose(df(x), -np.sin(x) + (x > 0) + dense, rtol=1e-12)
    finally:
        _ACTS["sin"] = np.sin
    with pytest.raises(UnsupportedSyntaxError, match=r"calling `_Registry.acts\[name\]`, an "
                       r"item at a key the code computes(.|\n)*make_loss"):
        ag.grad(_by_argument)(x)
