"""Constructs people already write: a dict filled in a loop, `*`/`**` in literals,
`match`, `global`/`nonlocal` that only read. Each checked against central
differences, first and second order, at ordinary and special points."""
import enum

import numpy as np
import pytest

import astgrad as ag
from astgrad import errors

X = np.array([0.7, -1.3, 2.1])
V = np.array([0.3, -0.2, 0.5])


# ---- a dict written inside a loop -------------------------------------------------------------
def squares_by_index(x):
    d = {}
    for k in range(3):
        d[k] = x[k] ** 2
    return d[0] + d[2]


def by_name_then_again(x):
    d = {}
    for name in ["a", "b"]:
        d[name] = x[0] * x[1]
    d["a"] = d["a"] * x[2]                 # a key written twice
    return d["a"] + d["b"]


def key_written_twice_in_the_loop(x):
    d = {}
    for k in range(3):
        d[k % 2] = x[k] * (d[k % 2] if k >= 2 else 1.0)
    return sum(d.values()) * d[0]


def running_product(x, n):
    d = {"s": x[0]}
    for k in range(n):
        d[k] = x[k] ** 2
        d["s"] = d["s"] * d[k]
    return d["s"]


def existing_keys_updated(x):
    d = {"a": 0.0, "b": 1.0}
    for k in ["a", "b"]:
        d[k] = x[0] * d[k] + x[1]
    return d["a"] * d["b"]


@pytest.mark.parametrize("f, args, grad", [
    (squares_by_index, (X,), 2 * X * [1, 0, 1]),
    (by_name_then_again, (X,), [X[1] * X[2] + X[1], X[0] * X[2] + X[0], X[0] * X[1]]),
    (key_written_twice_in_the_loop, (X,),
     [2 * X[0] * X[2] ** 2 + X[1] * X[2], X[0] * X[2], 2 * X[0] ** 2 * X[2] + X[0] * X[1]]),
    (running_product, (X, 3), [3 * X[0] ** 2 * X[1] ** 2 * X[2] ** 2,
                               2 * X[0] ** 3 * X[1] * X[2] ** 2,
                               2 * X[0] ** 3 * X[1] ** 2 * X[2]]),
    (running_product, (X, 0), [1.0, 0.0, 0.0]),             # the loop runs no iteration
])
def test_a_dict_written_in_a_loop(f, args, grad):
    np.testing.assert_allclose(ag.grad(f)(*args), grad, rtol=1e-12)
    _, t = ag.jvp(f)(*args, V)
    np.testing.assert_allclose(t, np.dot(grad, V), rtol=1e-12)
    ag.check_grads(f, args, order=1)


@pytest.mark.parametrize("f, args", [
    (squares_by_index, (X,)), (by_name_then_again, (X,)), (key_written_twice_in_the_loop, (X,)),
    (running_product, (X, 3)), (running_product, (X, 0)), (existing_keys_updated, (X,)),
])
def test_a_dict_written_in_a_loop_second_order(f, args):
    ag.check_grads(f, args, order=2)
    H = ag.hessian(f)(*args)
    np.testing.assert_allclose(ag.hvp(f)(*args, V), H @ V, rtol=1e-10, atol=1e-12)


def test_existing_keys_updated_in_a_loop():
    a, b = X[1], X[0] + X[1]           # d["a"], d["b"] after the loop
    grad = [a, b + a, 0.0]             # d(a*b) with a = x0*0 + x1, b = x0*1 + x1
    np.testing.assert_allclose(ag.grad(existing_keys_updated)(X), grad)


def test_a_dict_filled_in_a_loop_reads_well():
    text = ag.source(ag.grad(squares_by_index))
    assert "d[k] = _2" in text and "saved_d" not in text and "old_item" not in text


def test_the_key_of_items_indexes_without_a_derivative():
    # `k` of `for k, v in d.items():` was taken to carry one (refused as an index)
    W = np.array([[1.0, 2.0], [0.5, -1.0]])

    def f(params, x):
        t = 0.0
        for k, v in params.items():
            t = t + np.sum(v * params[k] * x)
        return t
    np.testing.assert_allclose(ag.grad(f)({"W": W}, X[:2])["W"], 2 * W * X[:2])
    ag.check_grads(f, ({"W": W, "b": X[:2]}, X[:2]), wrt=(0, 1), order=2)


def test_a_differentiated_dict_key_is_refused_not_dropped():
    # a key has no derivative: `k * d[k]` over such keys was silently zero
    def literal(x):
        d = {x: 2.0}
        out = 0.0
        for k, v in d.items():
            out = out + k * v
        return out

    def written_in_a_loop(x):
        d = {}
        for t in x:
            d[t] = 2.0
        out = 0.0
        for k in d:
            out = out + k * d[k]
        return out
    for f, arg in ((literal, 1.5), (written_in_a_loop, X)):
        with pytest.raises(errors.NoRuleError, match=r"test_syntax_more.py:\d+: a dict key "
                                                     r"that depends on the differentiated"):
            ag.grad(f)(arg)


def test_a_write_into_a_dict_another_name_holds():
    # `e = d; d["a"] = ...; e["a"]` was silently wrong (12.0 where 27.0 is right)
    def aliased(x):
        d = {"a": x, "b": 1.0}
        e = d
        s = d["a"] * 2.0
        d["a"] = x * s
        return e["a"] * d["b"] * s
    with pytest.raises(errors.InPlaceError, match=r"(?s)changes a dict in place that `e` "
                                                  r"also names.*d = \{\*\*d, key: value\}"):
        ag.grad(aliased)(1.5)

    def rebuilt(x):                    # the fix the message gives
        d = {"a": x, "b": 1.0}
        e = d
        s = d["a"] * 2.0
        d = {**d, "a": x * s}
        return e["a"] * d["b"] * s
    assert ag.grad(rebuilt)(1.5) == pytest.approx(4 * 1.5)
    ag.check_grads(rebuilt, (1.5,), order=2)


# ---- match ------------------------------------------------------------------------------------
class Norm(enum.Enum):
    ONE = 1
    TWO = 2


def by_mode(x, mode):
    match mode:
        case "l2":
            r = x @ x
        case Norm.ONE | 1:
            r = np.sum(np.abs(x))
        case [p, q] if p > 0:
            r = p * np.sum(x) + q
        case [p, *rest]:
            r = p * np.sum(np.sin(x)) * len(rest)
        case {"scale": s}:
            r = s * np.sum(x ** 3)
        case float():
            r = mode * np.sum(np.exp(x))
        case None:
            r = np.prod(x)
        case _:
            r = np.sum(x) * 0.5
    return r


@pytest.mark.parametrize("mode, grad", [
    ("l2", 2 * X),
    (Norm.ONE, np.sign(X)),
    (1, np.sign(X)),
    ([2.0, 3.0], 2.0 + 0 * X),
    ([-2.0, 3.0], -2 * np.cos(X)),            # the guard fails: `[p, *rest]`, rest of one
    ((-2.0,), 0 * X),                         # rest empty
    ([1.0, 2.0, 3.0], 2 * np.cos(X)),
    ({"scale": 3.0}, 9 * X ** 2),
    (1.5, 1.5 * np.exp(X)),
    (None, np.prod(X) / X),
    ("other", 0.5 + 0 * X),
    (Norm.TWO, 0.5 + 0 * X),
])
def test_match_cases(mode, grad):
    np.testing.assert_allclose(ag.grad(by_mode)(X, mode), grad, rtol=1e-12)
    ag.check_grads(by_mode, (X, mode), order=2)


def captures_differentiated(p, x):
    match p:
        case [a, b] if a > 0:
            r = a * b * x
        case [a, *rest]:
            r = a * x * rest[-1]
        case _:
            r = x
    return r


@pytest.mark.parametrize("p, grad", [
    ([1.5, 2.0], [6.0, 4.5]),
    ([-1.5, 2.0, 3.0], [9.0, 0.0, -4.5]),
    ((0.5, 1.0, 2.0, 4.0), (12.0, 0.0, 0.0, 1.5)),
])
def test_match_captures_carry_derivatives(p, grad):
    g = ag.grad(captures_differentiated)(p, 3.0)
    assert type(g) is type(p) and np.allclose(g, grad)
    ag.check_grads(captures_differentiated, (p, 3.0), wrt=(0, 1), order=2)
    _, t = ag.jvp(captures_differentiated)(p, 3.0, type(p)([1.0] * len(p)))
    assert t == pytest.approx(sum(grad))


def test_match_reads_as_if_elif():
    text = ag.source(ag.grad(by_mode))
    assert "# line" in text and "case \"l2\":" in text and "mode == 'l2'" in text
    assert "match" not in text.replace("match mode", "")


def test_a_match_in_a_helper_and_an_unsupported_pattern():
    def helper(v, k):
        match k:
            case 0:
                return v * 2.0
            case _:
                return v ** 3
    def f(x):
        return helper(x, 0) + helper(x, 1)
    assert ag.grad(f)(1.5) == pytest.approx(2.0 + 3 * 1.5 ** 2)

    def g(x, pt):
        match pt:
            case Norm(value=1):
                return x
        return 2 * x
    with pytest.raises(errors.UnsupportedSyntaxError,
                       match=r"(?s)test_syntax_more.py:\d+: this `case` pattern.*isinstance"):
        ag.grad(g)(1.0, Norm.ONE)


# ---- global and nonlocal that only read ---------------------------------------------------------
SCALE = 3.0


def reads_a_global(x):
    global SCALE
    return SCALE * np.sum(x ** 2)


def writes_a_global(x):
    global SCALE
    SCALE = 2.0
    return SCALE * x


def test_a_global_declaration_that_only_reads():
    np.testing.assert_allclose(ag.grad(reads_a_global)(X), 6 * X)
    ag.check_grads(reads_a_global, (X,), order=2)
    assert "global SCALE" not in ag.source(ag.grad(reads_a_global))


def test_a_nonlocal_declaration_that_only_reads():
    def make():
        k = 2.0

        def f(x):
            def h(y):
                nonlocal k
                return k * y
            return h(x) ** 2
        return f
    f = make()
    assert ag.grad(f)(1.5) == pytest.approx(2 * 4.0 * 1.5)
    ag.check_grads(f, (1.5,), order=2)


def test_a_write_to_a_declared_name_is_refused_at_the_write():
    with pytest.raises(errors.UnsupportedSyntaxError,
                       match=r"(?s)test_syntax_more.py:\d+: assigning `SCALE`, declared "
                             r"`global` \(line \d+\), changes a module variable"):
        ag.grad(writes_a_global)(1.0)

    def make():
        k = 2.0

        def f(x):
            nonlocal k
            k += 1
            return k * x
        return f
    with pytest.raises(errors.UnsupportedSyntaxError, match=r"`k`, declared `nonlocal`"):
        ag.grad(make())(1.0)


def scaled_by_a_global(y):
    global SCALE
    return SCALE * y ** 2


def test_global_in_an_inlined_helper_and_in_a_nested_def():
    def f(x):
        def h(y):
            global SCALE
            return SCALE * y
        return h(x) * scaled_by_a_global(x)
    assert ag.grad(f)(1.5) == pytest.approx(3 * 9.0 * 1.5 ** 2)
    ag.check_grads(f, (1.5,), order=2)

    def g(x):
        SCALE = 2.0

        def h(y):
            global SCALE       # the module's SCALE, not g's: refused, not misread
            return SCALE * y
        return h(x) + SCALE
    with pytest.raises(errors.UnsupportedSyntaxError, match=r"`global SCALE` in a nested"):
        ag.grad(g)(1.5)


# ---- `*` in list and tuple literals, `**` in dict literals ------------------------------------
def spread_a_list_made_here(x):
    xs = [x, x * 2]
    ys = [*xs, x ** 2]
    return ys[0] * ys[1] + ys[2]


def spread_a_known_tuple(x):
    a = (x, 2 * x)
    b = (*a, x)
    return b[0] + b[1] * b[2]


def spread_a_parameter(xs, x):
    ys = (*xs, x, *xs)
    return ys[0] * ys[len(xs)] * ys[-1]


def spread_in_a_loop(x):
    out = []
    for i in range(3):
        out = [*out, x * i]
    return sum(out) * x


def spread_empty(x):
    e = []
    ys = [*e, x, *e]
    return ys[0] ** 2


def merged_dicts(p, r, x):
    q = {"z": 1.0, **p, "b": x ** 2, **r}
    return q["a"] * q["b"] * q["z"]


@pytest.mark.parametrize("f, args, wrt, grad", [
    (spread_a_list_made_here, (1.5,), 0, 4 * 1.5 + 2 * 1.5),
    (spread_a_known_tuple, (1.5,), 0, 1 + 4 * 1.5),
    (spread_a_parameter, ([1.0, 2.0, 3.0], 1.5), (0, 1), ([1.5 * 3, 0, 1.5], 3.0)),
    (spread_a_parameter, ((2.0,), 1.5), (0, 1), ((2 * 1.5 * 2,), 4.0)),
    (spread_in_a_loop, (1.5,), 0, 3 * 2 * 1.5),
    (spread_empty, (1.5,), 0, 3.0),
    (merged_dicts, ({"a": 1.5, "z": 2.0}, {"c": 3.0}, 0.5), (0, 1, 2),
     ({"a": 0.25 * 2.0, "z": 1.5 * 0.25}, {"c": 0.0}, 1.5 * 2 * 0.5 * 2.0)),
    (merged_dicts, ({"a": 1.5}, {"b": 3.0, "a": 0.5}, 0.5), (0, 1, 2),   # keys replaced
     ({"a": 0.0}, {"b": 0.5, "a": 3.0}, 0.0)),
])
def test_unpacking_in_literals(f, args, wrt, grad):
    g = ag.grad(f, wrt=wrt)(*args)
    assert _close(g, grad)
    ag.check_grads(f, args, wrt=wrt, order=2)


def _close(g, want) -> bool:
    if isinstance(want, dict):
        return type(g) is dict and list(g) == list(want) and all(_close(g[k], want[k])
                                                                for k in want)
    if isinstance(want, (list, tuple)):
        return type(g) is type(want) and len(g) == len(want) \
            and all(_close(a, b) for a, b in zip(g, want))
    return g == pytest.approx(want, rel=1e-12)


def test_unpacking_in_literals_reads_well():
    text = ag.source(ag.grad(spread_a_parameter, wrt=(0, 1)))
    assert "_1 = tuple(xs)" in text and text.count("tuple(xs)") == 1
    assert "ys = _2 + _1" in text
    assert "q = rt.dict_of(" in ag.source(ag.grad(merged_dicts, wrt=2))


def test_a_repeated_key_in_a_dict_literal_differentiates_the_last():
    def f(x):
        d = {"a": x, "a": 2 * x}       # noqa: F601
        return d["a"]
    assert ag.grad(f)(1.5) == 2.0


def test_unpacking_an_index_and_an_expression_are_refused():
    def f(x):
        idx = (0,)
        return x[(*idx,)]
    with pytest.raises(errors.UnsupportedSyntaxError, match=r"`\*` unpacking.*"):
        ag.grad(f)(X)

    def g(x):
        return np.sum({**dict(a=x)}["a"])
    with pytest.raises(errors.UnsupportedSyntaxError, match=r"(?s)`\*\*` of an expression.*"
                                                            r"Name the dict first"):
        ag.grad(g)(X)


def sgd_step(params, g):
    return {**params, "W": params["W"] - 0.1 * g}


def test_a_merged_dict_returned():
    p, g = {"W": np.array([1.0, 2.0]), "b": 0.5}, np.array([0.3, -0.2])
    out, pullback = ag.vjp(sgd_step)(p, g)
    assert list(out) == ["W", "b"] and out["b"] == 0.5
    np.testing.assert_allclose(out["W"], p["W"] - 0.1 * g)
    back = pullback({"W": np.ones(2), "b": 2.0})       # the replaced W gets no second share
    np.testing.assert_allclose(back["W"], np.ones(2))
    assert back["b"] == 2.0
    _, t = ag.jvp(sgd_step)(p, g, {"W": np.ones(2), "b": 1.0})
    np.testing.assert_allclose(t["W"], np.ones(2))
    assert t["b"] == 1.0
