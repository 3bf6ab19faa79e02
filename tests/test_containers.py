"""Containers of parameters (pytrees): `wrt` naming a dict, list, tuple or
namedtuple of floats and arrays, nested; the gradient has the same structure."""
from collections import namedtuple

import numpy as np
import pytest

import astgrad as ag
from astgrad import errors, pytree

RNG = np.random.default_rng(3)
W = RNG.normal(size=(3, 2))
B = RNG.normal(size=3)
W2 = RNG.normal(size=(1, 3))
X = RNG.normal(size=2)
Layer = namedtuple("Layer", "W b")


def by_index(params, x):
    return np.sum(np.tanh(params[0] @ x + params[1]))


def unpacked(params, x):
    W, b = params
    return np.sum(np.tanh(W @ x + b) ** 2)


def by_key(params, x):
    return np.sum(np.sin(params["W"] @ x) * params["b"]) + params["s"] ** 2


def layers(params, x):
    for W, b in params:
        x = np.tanh(W @ x + b)
    return np.sum(x)


def nested(params, x):
    h = np.tanh(params["layers"][0]["W"] @ x) * params["scale"]
    return np.sum(h ** 2) * params["n"]


def test_a_tuple_gradient_is_a_tuple_of_the_leaves_types():
    g = ag.grad(unpacked)((W, B), X)
    assert type(g) is tuple and len(g) == 2
    assert g[0].shape == W.shape and g[1].shape == B.shape
    h = np.tanh(W @ X + B)
    gb = 2 * h * (1 - h ** 2)
    np.testing.assert_allclose(g[1], gb)
    np.testing.assert_allclose(g[0], np.outer(gb, X))


def test_a_dict_gradient_has_the_same_keys_in_the_same_order():
    params = {"W": W, "b": B, "s": 0.7}
    g = ag.grad(by_key)(params, X)
    assert list(g) == ["W", "b", "s"]
    assert isinstance(g["s"], float)
    np.testing.assert_allclose(g["b"], np.sin(W @ X))
    np.testing.assert_allclose(g["W"], np.outer(np.cos(W @ X) * B, X))
    assert g["s"] == pytest.approx(1.4)


def test_a_namedtuple_gradient_is_that_namedtuple():
    g = ag.grad(unpacked)(Layer(W, B), X)
    assert type(g) is Layer
    np.testing.assert_allclose(g.b, ag.grad(unpacked)((W, B), X)[1])


def test_a_list_of_tuples_gradient():
    params = [(W, B), (W2, np.array([0.3]))]
    g = ag.grad(layers)(params, X)
    assert type(g) is list and all(type(p) is tuple for p in g)
    assert [a.shape for p in g for a in p] == [(3, 2), (3,), (1, 3), (1,)]


@pytest.mark.parametrize("f, params", [
    (by_index, [W, B]),
    (by_index, (W, B)),
    (unpacked, (W, B)),
    (unpacked, Layer(W, B)),
])
def test_against_finite_differences_all_orders(f, params):
    ag.check_grads(f, (params, X), order=2)


@pytest.mark.parametrize("f, params", [
    (by_key, {"W": W, "b": B, "s": 0.7}),
    (layers, [(W, B), (W2, np.array([0.3]))]),
    (nested, {"layers": [{"W": W}], "scale": 1.3, "n": 2, "name": "mlp", "extra": None}),
])
def test_against_finite_differences_forward_over_reverse(f, params):
    ag.check_grads(f, (params, X), order=2)     # order 2: jvp of grad (see below)


@pytest.mark.parametrize("f, params", [
    (layers, [(W, B)]),
    (layers, [(W, B), (W2, np.array([0.3]))]),
    (nested, {"layers": [{"W": W}], "scale": 1.3, "n": 2, "name": "mlp", "extra": None}),
])
def test_reverse_over_reverse_of_a_nested_container(f, params):
    # the gradient is a container of containers: its own vjp (reverse over reverse) against
    # central differences of the gradient; then against forward over reverse
    ag.check_grads(ag.grad(f), (params, X), forward=False)
    value, pullback = ag.vjp(ag.grad(f))(params, X)
    seed = pytree.unflatten(value, [np.ones_like(v) if pytree.is_float_leaf(v) else None
                                    for v in pytree.leaves(value)])
    _, tangent = ag.jvp(ag.grad(f))(params, X, seed)
    for a, b in zip(pytree.leaves(pullback(seed)), pytree.leaves(tangent)):
        if b is not None:      # the Hessian is symmetric: the two products agree
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


_grad_of_by_key = ag.grad(by_key)


def gradient_energy(params, x):
    """A function of a gradient w.r.t. a dict: reverse over reverse of a dict."""
    g = _grad_of_by_key(params, x)
    return np.sum(g["W"] ** 2) + np.sum(np.sin(g["b"])) + g["s"] ** 2


def test_reverse_over_reverse_of_a_dict():
    params = {"W": W, "b": B, "s": 0.7}
    ag.check_grads(gradient_energy, (params, X), forward=False)
    value, pullback = ag.vjp(ag.grad(by_key))(params, X)
    seed = {"W": np.ones_like(W), "b": np.zeros_like(B), "s": 0.0}
    bparams = pullback(seed)
    assert set(bparams) == {"W", "b", "s"} and bparams["W"].shape == W.shape
    # the pullback of the gradient is the Hessian applied to the seed: the forward over
    # reverse product gives the same numbers
    _, tangent = ag.jvp(ag.grad(by_key))(params, X, seed)
    for key in ("W", "b"):
        assert np.allclose(bparams[key], tangent[key], rtol=1e-10, atol=1e-12)
    assert bparams["s"] == pytest.approx(tangent["s"], rel=1e-10)


def test_hvp_of_a_dict_against_differences_of_the_gradient():
    params = {"W": W, "b": B, "s": 0.7}
    v = {"W": np.ones_like(W), "b": -np.ones_like(B), "s": 0.5}
    hv = ag.hvp(by_key)(params, X, v)
    assert list(hv) == ["W", "b", "s"]
    g, h = ag.grad(by_key), 1e-5
    up = g({k: params[k] + h * v[k] for k in params}, X)
    down = g({k: params[k] - h * v[k] for k in params}, X)
    for k in params:
        np.testing.assert_allclose(hv[k], (up[k] - down[k]) / (2 * h), rtol=1e-6, atol=1e-8)


def spread_with_a_new_key_then_values(p):
    q = {**p, "c": p["a"] * 2}
    return sum(v ** 2 for v in q.values())


def spread_replacing_a_key_then_values(p):
    q = {**p, "b": p["a"] * np.sin(p["b"])}
    total = 0.0
    for v in q.values():
        total = total + v ** 3
    return total


@pytest.mark.parametrize("f", [spread_with_a_new_key_then_values,
                               spread_replacing_a_key_then_values])
def test_second_order_through_values_of_a_spread_dict(f):
    # The gradient's reverse sweep zeroes the adjoint of `q.values()`, a list, and later
    # adds to it; `rt.values_of` was not known to make a list, so that sum was written
    # `bbs + ...`: two lists joined, and the second derivative came out 0.0.
    p = {"a": 0.7, "b": -0.3}
    ag.check_grads(f, (p,), order=2)
    hv = ag.hvp(f)(p, {"a": 1.0, "b": 0.0})
    g, h = ag.grad(f), 1e-5
    numeric = (g({"a": 0.7 + h, "b": -0.3})["a"] - g({"a": 0.7 - h, "b": -0.3})["a"]) / (2 * h)
    assert hv["a"] == pytest.approx(numeric, rel=1e-6)
    second = ag.grad(lambda p: ag.grad(f)(p)["a"])(p)["a"]
    assert second == pytest.approx(numeric, rel=1e-6)


def test_hessian_and_jacobian_of_a_container_are_refused():
    with pytest.raises(errors.WrtError, match="not one matrix"):
        ag.hessian(by_index)([W, B], X)
    with pytest.raises(errors.WrtError, match="not one matrix"):
        ag.jacobian(lambda p: p[0] @ X)((W, B))


def test_leaves_that_are_not_floats_are_constants_with_gradient_none():
    params = {"layers": [{"W": W}], "scale": 1.3, "n": 2, "name": "mlp", "extra": None}
    g = ag.grad(nested)(params, X)
    assert g["n"] is None and g["name"] is None and g["extra"] is None
    assert g["layers"][0]["W"].shape == W.shape


def test_value_and_grad_vjp_and_jvp_take_containers():
    params = {"W": W, "b": B, "s": 0.7}
    value, g = ag.value_and_grad(by_key)(params, X)
    assert value == pytest.approx(by_key(params, X))
    value, pullback = ag.vjp(by_key)(params, X)
    g2 = pullback(2.0)
    np.testing.assert_allclose(g2["W"], 2 * g["W"])
    tangent = {"W": np.ones_like(W), "b": np.zeros_like(B), "s": 0.0}
    _, t = ag.jvp(by_key)(params, X, tangent)
    assert t == pytest.approx(np.sum(g["W"]))


def test_a_tangent_of_another_structure_is_refused():
    with pytest.raises(errors.SeedShapeError, match="keys"):
        ag.jvp(by_key)({"W": W, "b": B, "s": 0.7}, X, {"W": W, "b": B})


def test_specializations_follow_the_structure():
    df = ag.grad(by_index)
    g1 = df([W, B], X)
    g2 = df([W[:1], B[:1]], X)                 # same kinds, other shapes
    g3 = df((W, B), X)                         # a tuple now
    assert type(g1) is list and type(g3) is tuple
    assert g2[0].shape == (1, 2)
    g4 = df([W, 0.5], X)                       # a float leaf: other code
    assert isinstance(g4[1], float)
    np.testing.assert_allclose(g4[1], ag.grad(by_index, wrt=0)([W, np.array(0.5)], X)[1])


def test_a_container_without_floats_is_refused():
    with pytest.raises(errors.WrtError, match="no float"):
        ag.grad(by_index)([1, 2], X)


def test_the_generated_code_reads_the_container_by_key():
    df = ag.grad(by_key)
    df({"W": W, "b": B, "s": 0.7}, X)
    text = ag.source(df)
    assert "params['W']" in text and "bparams['W']" in text
    assert "rt.tree_like(bparams, params)" in text


# ---- dicts written in the function, dict outputs ---------------------------------------------
def dict_literal(W, b, x):
    d = {"a": W @ x, "b": b}
    return np.sum(d["a"] * d["b"])


def dict_items_loop(W, b, x):
    d = {"a": W, "b": b}
    s = 0.0
    for k, v in d.items():
        s = s + np.sum(v ** 2) * len(k)
    return s


def dict_values_sum(params, x):
    return sum(np.sum(v * v) for v in params.values()) + np.sum(params["W"] @ x)


def dict_written(W, x):
    d = {}
    d["w"] = W * 2.0
    return np.sum(d["w"] @ x)


def dict_output(W, b, x):
    return {"y": np.tanh(W @ x), "z": np.sum(b ** 2)}


@pytest.mark.parametrize("f, args, wrt", [
    (dict_literal, (W, B[:3], X), (0, 1)),
    (dict_items_loop, (W, B, X), (0, 1)),
    (dict_written, (W, X), 0),
    (dict_output, (W, B, X), (0, 1)),
])
def test_dicts_in_the_function_all_orders(f, args, wrt):
    ag.check_grads(f, args, wrt=wrt, order=2)


def test_dict_values_of_an_argument():
    params = {"W": W, "b": B}
    ag.check_grads(dict_values_sum, (params, X), order=2)
    g = ag.grad(dict_values_sum)(params, X)
    np.testing.assert_allclose(g["b"], 2 * B)
    np.testing.assert_allclose(g["W"], 2 * W + np.outer(np.ones(3), X))


def test_a_dict_literal_reads_as_written():
    df = ag.grad(dict_literal)
    df(W, B, X)
    text = ag.source(df)
    assert "rt.dict_of(('a', 'b'), [W @ x, b])" in text and "bd['a']" in text


def test_a_dict_output_takes_a_dict_seed():
    value, pullback = ag.vjp(dict_output, wrt=(0, 1))(W, B, X)
    assert list(value) == ["y", "z"]
    gW, gb = pullback({"y": np.ones(3), "z": 2.0})
    np.testing.assert_allclose(gb, 4 * B)
    np.testing.assert_allclose(gW, np.outer(1 - np.tanh(W @ X) ** 2, X))
    with pytest.raises(errors.SeedShapeError, match="keys"):
        pullback({"y": np.ones(3)})
    with pytest.raises(errors.NonScalarOutputError, match="dict"):
        ag.grad(dict_output)(W, B, X)
    _, t = ag.jvp(dict_output)(W, B, X, np.ones_like(W))
    np.testing.assert_allclose(t["y"], (1 - np.tanh(W @ X) ** 2) * np.sum(X))


def test_a_dict_comprehension_of_a_dict_argument():
    def f(params, x):
        scaled = {k: v * 2.0 for k, v in params.items()}
        return np.sum(np.tanh(scaled["W"] @ x) * scaled["b"])
    params = {"W": W, "b": B}
    ag.check_grads(f, (params, X), order=2)
    g = ag.grad(f)(params, X)
    h = np.tanh(2 * W @ X)
    np.testing.assert_allclose(g["b"], 2 * h)
    np.testing.assert_allclose(g["W"], 2 * np.outer((1 - h ** 2) * 2 * B, X))


def dict_filled_in_a_loop_over_items(params, x):
    d = {}
    for k, v in params.items():
        d[k] = v * 2.0
    return np.sum(np.tanh(d["W"] @ x) * d["b"])


def test_a_dict_filled_in_a_loop_over_another_dicts_items():
    params = {"W": W, "b": B}
    for order in (1, 2):
        ag.check_grads(dict_filled_in_a_loop_over_items, (params, X), order=order)
    g = ag.grad(dict_filled_in_a_loop_over_items)(params, X)
    h = np.tanh(2 * W @ X)
    np.testing.assert_allclose(g["b"], 2 * h)
    np.testing.assert_allclose(g["W"], 2 * np.outer((1 - h ** 2) * 2 * B, X))


def test_a_jvp_tangent_may_give_none_for_constant_leaves():
    params = {"layers": [{"W": W}], "scale": 1.3, "n": 2, "name": "mlp", "extra": None}
    tangent = {"layers": [{"W": np.ones_like(W)}], "scale": 0.0, "n": None, "name": None,
               "extra": None}
    _, t = ag.jvp(nested)(params, X, tangent)
    assert t == pytest.approx(np.sum(ag.grad(nested)(params, X)["layers"][0]["W"]))
    tangent["layers"][0]["W"] = None             # a float leaf's tangent is not optional
    with pytest.raises(errors.SeedShapeError, match="tangent"):
        ag.jvp(nested)(params, X, tangent)


def test_leaves_keep_their_dtype_and_type():
    def f(params, x):
        return np.sum(np.tanh(params["W"] @ x)) * params["s"] + params["z"] ** 2
    params = {"W": W.astype(np.float32), "s": 2.0, "z": np.float64(1.5)}
    g = ag.grad(f)(params, X)
    assert g["W"].dtype == np.float32 and type(g["s"]) is float and type(g["z"]) is np.float64
    assert g["z"] == pytest.approx(3.0)


def test_a_list_among_items_of_other_kinds_at_second_order():
    # `a = params[0]` of `params = [[W], 2.0]`: a is a list, though the items' kinds
    # join to nothing; its adjoint added with + was a list joined (a silent zero)
    def f(W, x):
        params = [[W], 2.0]
        a = params[0]
        return np.sum(a[0] * x) * np.sum(a[0]) * params[1]
    y = X[::-1]
    ag.check_grads(f, (X, y), order=2)
    np.testing.assert_allclose(ag.hessian(f)(X, y),
                               2.0 * (np.outer(y, np.ones(2)) + np.outer(np.ones(2), y)))


# ---- dicts filled by item assignment, iterated (issue 10) -----------------------------------
def dict_filled_then_iterated(x):
    d = {}
    d["a"] = x ** 2
    d["b"] = np.sin(x)
    total = 0.0
    for k in d:
        total = total + np.sum(d[k])
    return total


def dict_argument_iterated(p):
    t = 0.0
    for k in p:
        t = t + np.sum(p[k] ** 2) * len(p)
    if "a" in p:
        t = t * 2.0
    return t


def test_a_dict_filled_by_item_assignment_then_iterated():
    x = np.array([0.3, 0.7, 1.1])
    for order in (1, 2):
        ag.check_grads(dict_filled_then_iterated, (x,), order=order)
    np.testing.assert_allclose(ag.grad(dict_filled_then_iterated)(x), 2 * x + np.cos(x))
    _, t = ag.jvp(dict_filled_then_iterated)(x, np.ones(3))
    assert t == pytest.approx(np.sum(2 * x + np.cos(x)))
    text = ag.source(ag.grad(dict_filled_then_iterated))
    assert "rt.keys_of(d)" in text and "np.add.at" not in text and "saved_d" not in text


def test_a_dict_argument_iterated_by_its_keys():
    p = {"a": np.array([0.3, -0.7]), "b": np.array([1.1, 0.0, 2.0])}
    ag.check_grads(dict_argument_iterated, (p,), order=2)
    g = ag.grad(dict_argument_iterated)(p)
    assert list(g) == ["a", "b"]
    np.testing.assert_allclose(g["b"], 4 * 2 * p["b"])


def test_a_new_key_after_a_read_of_all_values():
    # the reverse sweep marks `b` as not added yet (rt.NEW_KEY): values' adjoints skip it
    def f(x):
        d = {"a": x}
        s = sum(d.values())
        d["b"] = x * 2.0
        return np.sum(s * d["b"])
    x = np.array([0.3, 0.7])
    np.testing.assert_allclose(ag.grad(f)(x), 4 * x)
    ag.check_grads(f, (x,), order=2)


def test_filling_a_dict_in_a_loop_over_keys():
    def f(params, x):
        new = {}
        for k in params:
            new[k] = params[k] - 0.1 * x
        return np.sum(new["W"] ** 2)
    params = {"W": X, "b": 2 * X}
    for order in (1, 2):
        ag.check_grads(f, (params, X), order=order)
    g = ag.grad(f)(params, X)
    np.testing.assert_allclose(g["W"], 2 * (X - 0.1 * X))
    np.testing.assert_allclose(g["b"], 0.0)
