"""Records: namedtuples and dataclass instances as arguments (differentiated or held
constant), their fields read by name (`p.W`), spread into calls (`f(*p)`), and built
and returned by the function; the gradient, seed and tangent of a record are records
of its class."""
import dataclasses
import re
from collections import namedtuple
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import pytest

import astgrad as ag
from astgrad import errors, pytree

RNG = np.random.default_rng(11)
W = RNG.normal(size=(2, 3))
B = RNG.normal(size=2)
X = RNG.normal(size=3)

P = namedtuple("P", "W b")
P3 = namedtuple("P3", "W b c")


@dataclass
class D:
    W: np.ndarray
    b: np.ndarray


@dataclass
class E:                                  # D's fields, another class
    W: np.ndarray
    b: np.ndarray


@dataclass(frozen=True)
class F:                                  # frozen, with constant fields
    W: np.ndarray
    b: np.ndarray
    n: int = 3
    name: str = "layer"
    extra: object = None


@dataclass
class Net:
    Ws: list
    out: P
    scale: float = 0.5


def dense(p, x):
    return np.sum(np.tanh(p.W @ x + p.b) ** 2)


def by_hand(W, b, x):
    """`dense`'s gradient, written out."""
    h = np.tanh(W @ x + b)
    gb = 2 * h * (1 - h ** 2)
    return np.outer(gb, x), gb, gb @ W


def layer(p, h):
    return np.tanh(p.W @ h + p.b)


def through_helper(p, x):
    return np.sum(layer(p, x) ** 2)


def net(n, x):
    h = x
    for W in n.Ws:
        h = np.sin(W @ h)
    return np.sum(n.out.W @ h + n.out.b) * n.scale


def mlp(layers, x):
    for lay in layers:
        x = np.tanh(lay.W @ x + lay.b)
    return np.sum(x ** 2)


def two_layers(ps, x):
    h = np.tanh(ps["a"].W @ x + ps["a"].b)
    return np.sum(np.sin(ps["b"].W @ h + ps["b"].b))


def spread(p, x):
    return np.sum(np.cos((lambda W, b: W @ x + b)(*p)))


def affine(W, b, x):
    return W @ x + b


def spread_helper(p, x):
    return np.sum(affine(*p, x) ** 2)


def built(p, x):
    return P(W=p.W * x[0], b=np.sin(p.b))


def built_dataclass(p, x):
    return F(p.W * x[0], b=np.sin(p.b), n=2)


def built_and_read(p, x):
    q = D(p.W * x[0], b=np.sin(p.b))
    return np.sum(q.W ** 2) * np.sum(q.b)


def rebuilt_in_a_loop(p, x):
    for _ in range(3):
        p = P(np.tanh(p.W) * 0.9, p.b + x[:2])
    return np.sum(p.W @ x * p.b)


def built_on_a_branch(p, x):
    if np.sum(x) > 0:
        q = D(p.W * 2, p.b)
    else:
        q = D(p.W, p.b * 3)
    return np.sum(q.W @ x + q.b)


def records(cls):
    return cls(W.copy(), B.copy())


# ---- reverse, forward and second order against finite differences ----------------------------
@pytest.mark.parametrize("cls", [P, D, F])
@pytest.mark.parametrize("wrt", [0, 1, (0, 1)])
def test_fields_read_by_name_all_orders(cls, wrt):
    ag.check_grads(dense, (records(cls), X), wrt=wrt, order=2)


@pytest.mark.parametrize("cls", [P, D, F])
def test_the_gradient_is_the_record_of_the_hand_gradient(cls):
    gW, gb, gx = by_hand(W, B, X)
    g = ag.grad(dense)(records(cls), X)
    assert type(g) is cls
    np.testing.assert_allclose(g.W, gW, rtol=1e-13)
    np.testing.assert_allclose(g.b, gb, rtol=1e-13)
    np.testing.assert_allclose(ag.grad(dense, wrt=1)(records(cls), X), gx, rtol=1e-13)
    value, g2 = ag.value_and_grad(dense)(records(cls), X)
    assert value == pytest.approx(dense(records(cls), X)) and type(g2) is cls
    _, pullback = ag.vjp(dense)(records(cls), X)
    np.testing.assert_allclose(pullback(3.0).b, 3 * gb, rtol=1e-13)


def test_a_dataclass_tangent_is_one_of_its_class():
    t = D(np.ones_like(W), -np.ones_like(B))
    _, dot = ag.jvp(dense)(records(D), X, t)
    gW, gb, _ = by_hand(W, B, X)
    assert dot == pytest.approx(np.sum(gW) - np.sum(gb), rel=1e-12)
    with pytest.raises(errors.SeedShapeError,
                       match="the tangent is a P of 2 values but its value is a D"):
        ag.jvp(dense)(records(D), X, P(W, B))


def test_constant_fields_are_constants_with_gradient_none():
    p = F(W.copy(), B.copy(), n=4, name="first", extra=None)
    g = ag.grad(dense)(p, X)
    assert type(g) is F and g.n is None and g.name is None and g.extra is None
    np.testing.assert_allclose(g.W, by_hand(W, B, X)[0], rtol=1e-13)


def test_the_argument_is_left_as_it_was():
    p = records(D)
    ag.grad(dense)(p, X)
    ag.vjp(dense)(p, X)[1](1.0)
    ag.hvp(dense)(p, X, records(D))
    assert np.array_equal(p.W, W) and np.array_equal(p.b, B) and type(p) is D


@pytest.mark.parametrize("f, args", [
    (through_helper, (records(P), X)),
    (through_helper, (records(F), X)),
    (net, (Net([RNG.normal(size=(3, 3)), RNG.normal(size=(3, 3))],
               P(RNG.normal(size=(2, 3)), RNG.normal(size=2))), X)),
    (mlp, ([P(RNG.normal(size=(3, 3)), RNG.normal(size=3)) for _ in range(3)], X)),
    (mlp, ([D(RNG.normal(size=(3, 3)), RNG.normal(size=3)),
            D(RNG.normal(size=(1, 3)), RNG.normal(size=1))], X)),
    (two_layers, ({"a": D(RNG.normal(size=(3, 3)), RNG.normal(size=3)),
                   "b": F(RNG.normal(size=(2, 3)), RNG.normal(size=2))}, X)),
])
@pytest.mark.parametrize("wrt", [0, 1])
def test_nested_records_and_helpers_all_orders(f, args, wrt):
    ag.check_grads(f, args, wrt=wrt, order=2)


def test_a_nested_gradient_keeps_every_class():
    n = Net([W.T @ W, np.eye(3)], P(W.copy(), B.copy()), scale=0.25)
    g = ag.grad(net)(n, X)
    assert type(g) is Net and type(g.out) is P and type(g.Ws) is list
    assert isinstance(g.scale, float) and g.Ws[0].shape == (3, 3)
    np.testing.assert_allclose(g.out.b, np.full(2, 0.25))


@pytest.mark.parametrize("cls", [P, D])
def test_hvp_and_reverse_over_reverse(cls):
    p, v = records(cls), cls(np.ones_like(W), np.linspace(-1, 1, 2))
    hv = ag.hvp(dense)(p, X, v)
    assert type(hv) is cls
    h = 1e-5
    step = [cls(W + s * v.W, B + s * v.b) for s in (h, -h)]
    g = [ag.grad(dense)(q, X) for q in step]
    np.testing.assert_allclose(hv.W, (g[0].W - g[1].W) / (2 * h), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(hv.b, (g[0].b - g[1].b) / (2 * h), rtol=1e-6, atol=1e-8)
    ag.check_grads(ag.grad(dense), (p, X), forward=False)
    _, pullback = ag.vjp(ag.grad(dense))(p, X)
    back = pullback(v)                    # the Hessian is symmetric: H v both ways
    assert type(back) is cls
    np.testing.assert_allclose(back.W, hv.W, rtol=1e-10, atol=1e-12)


# ---- `f(*p)`: a tuple's or a record's items by position -----------------------------------------
@pytest.mark.parametrize("f", [spread, spread_helper])
@pytest.mark.parametrize("p", [P(W, B), (W, B)])
@pytest.mark.parametrize("wrt", [0, 1])
def test_star_of_an_argument_of_known_length_all_orders(f, p, wrt):
    ag.check_grads(f, (p, X), wrt=wrt, order=2)


def zipped(t):
    s = 0.0
    for a, b in zip(*t):
        s = s + a * b
    return s


def test_zip_of_a_star_tuple_argument_all_orders():
    t = (np.array([1.0, 2.0]), np.array([3.0, 5.0]))
    g = ag.grad(zipped)(t)
    assert type(g) is tuple
    np.testing.assert_allclose(g[0], t[1])
    np.testing.assert_allclose(g[1], t[0])
    ag.check_grads(zipped, (t,), order=2)
    ag.check_grads(zipped, (P(*t),), order=2)


def test_star_of_a_list_argument_is_refused():
    with pytest.raises(errors.UnsupportedSyntaxError, match="`\\*` unpacking of a value"):
        ag.grad(spread)([W, B], X)


# ---- records built in the function --------------------------------------------------------------
@pytest.mark.parametrize("f", [built, built_dataclass, built_and_read])
@pytest.mark.parametrize("cls", [P, D])
def test_records_built_in_the_function_all_orders(f, cls):
    ag.check_grads(f, (records(cls), X), wrt=(0, 1), order=2)


@pytest.mark.parametrize("f", [rebuilt_in_a_loop, built_on_a_branch])
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_records_built_in_loops_and_branches_all_orders(f, sign):
    ag.check_grads(f, (records(P), sign * X), wrt=(0, 1), order=2)


def test_a_built_record_takes_a_seed_of_its_class():
    value, pullback = ag.vjp(built)(records(P), X)
    assert type(value) is P
    g = pullback(P(np.ones_like(W), np.ones_like(B)))
    assert type(g) is P
    np.testing.assert_allclose(g.W, np.full_like(W, X[0]), rtol=1e-14)
    np.testing.assert_allclose(g.b, np.cos(B), rtol=1e-14)
    with pytest.raises(errors.SeedShapeError, match="seed is a D but the output is a P"):
        pullback(D(W, B))
    value, pullback = ag.vjp(built_dataclass)(records(D), X)
    assert type(value) is F and value.n == 2
    g = pullback(F(np.ones_like(W), np.zeros_like(B), n=2))
    assert type(g) is D and np.allclose(g.W, X[0]) and np.allclose(g.b, 0.0)
    with pytest.raises(errors.SeedShapeError, match="seed is a P of 2 values but its value is a F"):
        pullback(P(W, B))
    _, tangent = ag.jvp(built_dataclass)(records(D), X, records(D))
    assert type(tangent) is F and tangent.n is None
    np.testing.assert_allclose(tangent.b, np.cos(B) * B, rtol=1e-14)


# ---- the code: read by name, specialized by structure -------------------------------------------
def test_the_generated_code_reads_fields_by_name():
    df = ag.grad(dense)
    df(records(D), X)
    text = ag.source(df)
    assert "p.W @ x" in text and "p.b" in text and not re.search(r"\bp\[", text)
    assert "bp[0] = bp[0] + np.outer(" in text and "return rt.tree_like(bp, p)" in text
    dv = ag.vjp(built)
    dv(records(P), X)
    assert "rt.record_of(P, ('W', 'b'), [" in ag.source(dv)


def test_specializations_follow_the_class_and_the_fields():
    df = ag.grad(dense)
    g2 = df(P(W, B), X)
    g3 = df(P3(W, B, np.ones(4)), X)                # a third field
    gd, ge = df(D(W, B), X), df(E(W, B), X)         # other classes, the same fields
    assert (type(g2), type(g3), type(gd), type(ge)) == (P, P3, D, E)
    np.testing.assert_allclose(g3.c, np.zeros(4))
    for g in (g3, gd, ge):
        np.testing.assert_allclose(g.W, g2.W, rtol=1e-14)
    gs = df(P(0.5 * W, 0.3), X)                      # a float field: other code
    assert isinstance(gs.b, float)
    h = np.tanh(0.5 * W @ X + 0.3)
    assert gs.b == pytest.approx(np.sum(2 * h * (1 - h ** 2)), rel=1e-13)
    dx = ag.grad(dense, wrt=1)                       # a constant record: keyed by it too
    np.testing.assert_allclose(dx(P(0.5 * W, 0.3), X), ag.grad(
        lambda W, b, x: np.sum(np.tanh(W @ x + b) ** 2), wrt=2)(0.5 * W, 0.3, X), rtol=1e-13)
    np.testing.assert_allclose(dx(P3(W, B, 1.0), X), by_hand(W, B, X)[2], rtol=1e-13)


def test_pytree_reads_dataclass_instances():
    p = F(W, 0.5, n=2)
    assert pytree.is_tree(p) and pytree.field_names(p) == ("W", "b", "n", "name", "extra")
    assert len(pytree.leaves(p)) == 5
    q = pytree.map_leaves(lambda v: v * 2 if pytree.is_float_leaf(v) else v, p)
    assert type(q) is F and q.b == 1.0 and q.n == 2
    assert pytree.key(p, type) != pytree.key(dataclasses.replace(p, b=W), type)


# ---- what is refused -------------------------------------------------------------------------
def test_writing_a_field_is_refused():
    def f(p, x):
        p.W = p.W * 2
        return np.sum(p.W @ x)
    with pytest.raises(errors.UnsupportedSyntaxError,
                       match="writing the field `p.W` is not supported") as info:
        ag.grad(f)(records(D), X)
    assert "Keep the new value in a name of its own" in str(info.value)


def test_a_field_the_record_lacks_is_refused():
    def f(p, x):
        return np.sum(p.Q @ x)
    with pytest.raises(errors.UnsupportedSyntaxError,
                       match="the record `p` has no field `Q` \\(its fields: W, b\\)"):
        ag.grad(f)(records(D), X)


def test_an_attribute_of_a_config_object_is_refused():
    def f(p, x, cfg):
        return dense(p, x) * cfg.l2
    with pytest.raises(errors.UnsupportedSyntaxError, match="attribute `.l2` of `cfg`") as info:
        ag.grad(f)(records(P), X, SimpleNamespace(l2=0.1))
    assert "`cfg[\"l2\"]`" in str(info.value)
    with pytest.raises(errors.UnsupportedSyntaxError, match="attribute `.W` of `p`"):
        ag.grad(dense)({"W": W, "b": B}, X)          # a dict is read by key


def test_a_field_of_what_is_not_known_says_to_call_first():
    df = ag.grad(mlp)                                # ag.source before any call: any kind
    with pytest.raises(errors.UnsupportedSyntaxError, match="call the derivative first"):
        ag.source(df)


Q = namedtuple("Q", "T b")


def test_a_field_named_like_an_array_attribute():
    def f(q, x):                                     # an argument's: its field
        return np.sum(q.T @ x + q.b)
    ag.check_grads(f, (Q(W.T @ W, X), X), wrt=(0, 1), order=2)

    def g(qs, x):                                    # a loop item's: read as `np.transpose`
        return sum(np.sum(q.T @ x) for q in qs)
    with pytest.raises(errors.UnsupportedSyntaxError,
                       match="the field `T` of a record not known to be one"):
        ag.grad(g, wrt=1)([Q(W.T @ W, W.T @ W)], X)


def test_a_field_of_a_value_of_no_known_kind_is_refused():
    def f(p, x):
        return np.sum(p._replace(W=p.W * 2).W @ x)
    with pytest.raises(errors.UnsupportedSyntaxError,
                       match="what `p._replace\\(W=p.W \\* 2\\)` holds is not known"):
        ag.grad(f)(records(P), X)


def test_the_hessian_of_a_record_is_refused():
    with pytest.raises(errors.WrtError, match="ag.hessian of a D of parameters is not one matrix"):
        ag.hessian(dense)(records(D), X)
