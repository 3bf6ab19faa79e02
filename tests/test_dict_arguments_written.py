"""A dict argument the function writes into, as hand-written network code keeps its
activations (`cache["Z1"] = X @ W`): new keys and old ones, a dict not differentiated (its
kind says only "object") and a differentiated one. The derivative is right (central
differences), and the caller's dict ends as the function itself leaves it. Both crashed in
generated code (`cache[:] = cache_kept` on a dict; `cache["Z1"]` read before it existed)."""
import numpy as np
import pytest

import astgrad as ag

W = np.array([[0.3, -0.2, 0.7], [0.5, 0.1, -0.4]])
X = np.array([[1.0, 2.0], [-0.5, 0.3]])


def forward_with_cache(W, X, cache):
    cache["Z1"] = X @ W
    cache["A1"] = np.tanh(cache["Z1"])
    return np.sum(cache["A1"] ** 2)


def by_hand(W, X):
    a = np.tanh(X @ W)
    return X.T @ (2 * a * (1 - a ** 2))


def same_dicts(a, b):
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])


@pytest.mark.parametrize("start", [{}, {"Z1": np.zeros((2, 3))}, {"other": 1.5}])
def test_a_cache_dict_argument_is_filled_as_the_function_fills_it(start):
    cache, reference = dict(start), dict(start)
    value = forward_with_cache(W, X, reference)
    g = ag.grad(forward_with_cache)(W, X, cache)
    np.testing.assert_allclose(g, by_hand(W, X), rtol=1e-12)
    same_dicts(cache, reference)
    ag.check_grads(forward_with_cache, (W, X, dict(start)), wrt=0, order=2)
    v, g2 = ag.value_and_grad(forward_with_cache)(W, X, dict(start))
    assert v == pytest.approx(value)
    np.testing.assert_allclose(g2, g, rtol=1e-12)


def test_a_pullback_called_twice_leaves_the_cache_as_the_function_does():
    cache, reference = {}, {}
    forward_with_cache(W, X, reference)
    value, pullback = ag.vjp(forward_with_cache)(W, X, cache)
    first = pullback(1.0)
    second = pullback(2.0)
    np.testing.assert_allclose(first, by_hand(W, X), rtol=1e-12)
    np.testing.assert_allclose(second, 2 * by_hand(W, X), rtol=1e-12)
    same_dicts(cache, reference)


def test_forward_mode_fills_the_cache_too():
    cache, reference = {}, {}
    forward_with_cache(W, X, reference)
    V = np.full_like(W, 0.3)
    _, tangent = ag.jvp(forward_with_cache)(W, X, cache, V)
    assert tangent == pytest.approx(np.sum(by_hand(W, X) * V), rel=1e-12)
    same_dicts(cache, reference)


def adds_a_key(p):
    p["c"] = p["a"] * 2.0
    return np.sum(p["c"] ** 2)


def test_a_differentiated_dict_the_function_adds_a_key_to():
    p = {"a": np.array([1.0, -2.0])}
    g = ag.grad(adds_a_key)(p)
    np.testing.assert_allclose(g["a"], 8 * np.array([1.0, -2.0]), rtol=1e-12)
    np.testing.assert_array_equal(p["c"], [2.0, -4.0])          # as the function leaves it
