"""Factors cancelled in an adjoint (issue 13, `optimize/cancel.py` and `optimize/rational.py`):
the code it writes, its values against the closed form and central differences, at ordinary
points and at the special ones (weights 0, labels exactly 0 and 1, p near and at 0 and 1),
first and second order; and the factors it must not cancel."""
from __future__ import annotations

import ast
import warnings

import numpy as np
import pytest

import astgrad as ag
from astgrad.transform import resolve, source
from astgrad.transform.kinds import Kind
from astgrad.transform.optimize import analyses, cancel
from astgrad.transform.optimize.rational import Field, divmod_poly


def xent(w, X, y):
    p = 1 / (1 + np.exp(-X @ w))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def xent_ratio(w, X, y):
    """The logistic function written `e / (1 + e)`."""
    e = np.exp(X @ w)
    p = e / (1 + e)
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def fit(w, X, y):
    """The adjoint of `z` has two contributions: one stays, the other's factors cancel."""
    n = X.shape[0]
    z = X @ w
    p = 1.0 / (1.0 + np.exp(-z))
    nll = -np.sum(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)) / n
    return nll + 0.5 * np.sum(z ** 2)


def scalar_xent(a, y):
    p = 1.0 / (1.0 + np.exp(-a))
    return -(y * np.log(p) + (1 - y) * np.log(1 - p))


def sqrt_squared(x):
    return np.sum(np.sqrt(x) ** 2)


def sigmoid_squared(z):
    return np.sum((1 / (1 + np.exp(-z))) ** 2)


def _body(df) -> list[str]:
    lines = ag.source(df).split("def ", 1)[1].splitlines()[1:]
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def _hand(w, X, y):
    p = 1 / (1 + np.exp(-X @ w))
    return X.T @ (p - y) / len(y)


def _data(seed=3, n=20, d=4):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.standard_normal(d), \
        (rng.random(n) > 0.5).astype(float)


# -- the code ------------------------------------------------------------------------------

def test_cross_entropy_adjoint_is_p_minus_y():
    X, w, y = _data()
    df = ag.grad(xent)
    np.testing.assert_allclose(df(w, X, y), _hand(w, X, y), rtol=1e-13, atol=1e-16)
    assert _body(df) == ["_3 = np.exp(-X @ w)", "_4 = 1 + _3", "p = 1 / _4",
                         "bw = (p - y) / y.size @ X", "return bw"]


def test_the_logistic_written_as_a_ratio():
    X, w, y = _data(10)
    df = ag.grad(xent_ratio)
    np.testing.assert_allclose(df(w, X, y), _hand(w, X, y), rtol=1e-13, atol=1e-16)
    assert _body(df) == ["e = np.exp(X @ w)", "_2 = 1 + e", "p = e / _2",
                         "bw = (p - y) / y.size @ X", "return bw"]
    for at in (w, np.zeros(4), 3 * w):
        ag.check_grads(xent_ratio, (at, X, y), order=2)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        got = df(np.array([-400.0]), np.ones((3, 1)), np.array([1.0, 0.0, 0.5]))
    np.testing.assert_allclose(got, [-0.5], rtol=1e-15)     # p = e / (1 + e) -> 0


def test_a_contribution_whose_factors_cancel_is_added_to_the_one_that_stays():
    X, w, y = _data(4)
    df = ag.grad(fit)
    p = 1 / (1 + np.exp(-X @ w))
    np.testing.assert_allclose(df(w, X, y), X.T @ ((p - y) / len(y) + X @ w), rtol=1e-13)
    assert "bz = bz + (p - y) / n" in _body(df)
    ag.check_grads(fit, (w, X, y), order=2)
    ag.check_grads(fit, (np.zeros(4), X, y), order=2)


def test_the_same_code_for_the_same_function():
    def fresh():
        def xent(w, X, y):
            p = 1 / (1 + np.exp(-X @ w))
            return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
        return xent
    X, w, y = _data()
    a, b = ag.grad(fresh()), ag.grad(fresh())
    a(w, X, y), b(w, X, y)
    assert _body(a) == _body(b)


def test_a_pullback_reads_through_the_body_and_the_added_contributions():
    X, w, y = _data(8)
    value, pullback = ag.vjp(xent)(w, X, y)
    assert _body(ag.vjp(xent))[-4:] == ["b11 = np.broadcast_to(-bout / y.size, y.shape)",
                                        "bw = b11 * (y - p) @ X", "return bw",
                                        "return (out, pullback)"]
    for seed in (1.0, 2.5, np.float64(-0.5), np.array(3.0), 2):
        np.testing.assert_allclose(pullback(seed), seed * _hand(w, X, y), rtol=1e-13,
                                   atol=1e-16)


def test_scalar_cross_entropy_is_p_minus_y():
    df = ag.grad(scalar_xent)
    df(0.3, 1.0)
    assert _body(df) == ["_2 = np.exp(-a)", "_3 = 1.0 + _2", "p = 1.0 / _3", "ba = p - y",
                         "return float(ba)"]
    for a in (0.3, -3.0, 5.0, 0.0):
        for y in (0.0, 1.0, 0.25):
            assert df(a, y) == pytest.approx(1 / (1 + np.exp(-a)) - y, rel=1e-14, abs=1e-17)
            ag.check_grads(scalar_xent, (a, y), order=2)
    with np.errstate(over="ignore"):
        for a, p in ((-800.0, 0.0), (-40.0, 1 / (1 + np.exp(40.0))), (40.0, 1.0), (800.0, 1.0)):
            for y in (0.0, 1.0):
                assert df(a, y) == pytest.approx(p - y, rel=1e-15, abs=1e-300)


def later_contribution(w, y, c):
    """Generated-code-like: `bq` gets a contribution after `t` reads it."""
    e = np.exp(w)
    d = 1 + e
    p = 1 / d
    bq = y / p
    t = bq * e
    bq = bq + c
    bw = t / d ** 2 * 2.0
    return bw + bq


def test_a_name_reads_an_added_up_adjoint_as_it_was_then():
    src = source.read(later_contribution)
    tree, ns = resolve.resolve(src.tree, resolve.UserScope(later_contribution), src.where)
    kinds = dict.fromkeys(("w", "y", "c"), Kind(1, "f", False, 8, ones=(False,)))
    assert cancel.cancel_factors(tree, analyses.facts(tree, ns, kinds, {}), ns,
                                 {"bq", "bp", "bw"})
    lines = [ast.unparse(s) for s in tree.body]
    assert "bw = 2 * (y * e) / d" in lines                   # not `c`: added after `t`
    namespace = dict(ns.bound)
    exec(compile(ast.fix_missing_locations(ast.Module([tree], [])), "<test>", "exec"),
         namespace)
    rng = np.random.default_rng(9)
    args = [rng.standard_normal(5) for _ in range(3)]
    np.testing.assert_allclose(namespace["later_contribution"](*args),
                               later_contribution(*args), rtol=1e-14)


def stays_computed(w, y):
    """`q` stays (it is returned): reading it through must not write `np.sin(w)` again."""
    e = np.exp(w)
    q = (1 + e) * np.sin(w)
    bq = y * q / (1 + e) + e
    return bq + q


def test_a_call_in_a_value_that_stays_is_not_written_twice():
    src = source.read(stays_computed)
    tree, ns = resolve.resolve(src.tree, resolve.UserScope(stays_computed), src.where)
    kinds = dict.fromkeys(("w", "y"), Kind(1, "f", False, 8, ones=(False,)))
    before = ast.unparse(tree)
    assert not cancel.cancel_factors(tree, analyses.facts(tree, ns, kinds, {}), ns, {"bq"})
    assert ast.unparse(tree) == before


# -- values --------------------------------------------------------------------------------

@pytest.mark.parametrize("case", ["ordinary", "zero weights", "labels 0", "labels 1",
                                  "soft labels", "one sample"])
def test_cross_entropy_against_central_differences(case):
    X, w, y = _data(5)
    if case == "zero weights":
        w = np.zeros(4)                                  # p = 0.5 everywhere
    elif case == "labels 0":
        y = np.zeros(20)
    elif case == "labels 1":
        y = np.ones(20)
    elif case == "soft labels":
        y = np.linspace(0.0, 1.0, 20)                    # 0 and 1 exactly at the ends
    elif case == "one sample":
        X, y = X[:1], y[:1]
    np.testing.assert_allclose(ag.grad(xent)(w, X, y), _hand(w, X, y), rtol=1e-12, atol=1e-16)
    ag.check_grads(xent, (w, X, y), order=2)


@pytest.mark.parametrize("z", [-15.0, -8.0, 8.0, 15.0])
def test_near_saturation(z):
    """p within 3e-7 of 0 or 1: the loss and its gradient still finite and right."""
    X = np.array([[1.0, 0.5], [0.5, 1.0], [1.0, -0.25]])
    w = np.array([z, 0.0]) / 1.0
    for y in (np.array([1.0, 0.0, 1.0]), np.array([0.0, 0.0, 0.0]), np.array([1.0, 1.0, 1.0])):
        np.testing.assert_allclose(ag.grad(xent)(w, X, y), _hand(w, X, y), rtol=1e-12,
                                   atol=1e-17)
        ag.check_grads(xent, (w, X, y), order=2)


@pytest.mark.parametrize("z", [-800.0, -400.0, -40.0, 40.0, 800.0])
def test_saturated_gradient_is_the_limit(z):
    """Where `p` rounds to 0 or 1 (|z| >= 37) the user's loss is inf or nan (`log(0)`); the
    gradient is its limit, `(p - y) / n @ X`, as the hand-written one. At z = -400 the loss
    is finite (400 per positive label), and the code before this rewrite gave nan there
    (`_4 ** 2` overflowed)."""
    X = np.ones((3, 1))
    w = np.array([z])
    y = np.array([1.0, 0.0, 0.5])
    with warnings.catch_warnings(), np.errstate(over="ignore", divide="ignore",
                                                invalid="ignore"):
        warnings.simplefilter("ignore")
        got = ag.grad(xent)(w, X, y)
        want = _hand(w, X, y)
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, want, rtol=1e-15)
    p = 0.0 if z < 0 else 1.0
    np.testing.assert_allclose(got, [(3 * p - 1.5) / 3], atol=1e-15)


def test_float32_keeps_its_dtype():
    X, w, y = (a.astype(np.float32) for a in _data(6))
    got = ag.grad(xent)(w, X, y)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, _hand(*(a.astype(float) for a in (w, X, y))), rtol=2e-5,
                               atol=1e-7)


def test_second_order_is_the_closed_form():
    X, w, y = _data(7)
    for at in (w, np.zeros(4), 5 * w):
        p = 1 / (1 + np.exp(-X @ at))
        want = X.T @ (X * (p * (1 - p))[:, None]) / len(y)
        np.testing.assert_allclose(ag.hessian(xent)(at, X, y), want, rtol=1e-12, atol=1e-16)
        v = np.array([1.0, -2.0, 0.5, 0.0])
        np.testing.assert_allclose(ag.hvp(xent)(at, X, y, v), want @ v, rtol=1e-12,
                                   atol=1e-16)
        np.testing.assert_allclose(ag.grad(lambda w: np.sum(ag.grad(xent)(w, X, y)))(at),
                                   want.sum(axis=0), rtol=1e-12, atol=1e-16)


# -- what must not cancel ------------------------------------------------------------------

def test_a_factor_that_may_be_zero_stays():
    """`sqrt(x) ** 2`: the adjoint is `s / s` for `s = sqrt(x)`, which is 0 at x = 0; the
    gradient stays nan there, as before (not 1: cancelling is only for positive factors)."""
    df = ag.grad(sqrt_squared)
    with np.errstate(invalid="ignore"):
        got = df(np.array([0.0, 4.0, 0.25]))
    assert np.isnan(got[0]) and np.array_equal(got[1:], [1.0, 1.0])
    assert _body(df) == ["_1 = np.sqrt(x)", "bx = _1 / _1", "return bx"]


def test_nothing_to_cancel_is_left_as_it_was():
    df = ag.grad(sigmoid_squared)
    z = np.array([-2.0, 0.0, 0.5, 30.0])
    p = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(df(z), 2 * p * p * (np.exp(-z) * p), rtol=1e-13)
    assert _body(df) == ["_2 = np.exp(-z)", "_3 = 1 + _2", "bz = 2.0 * (_2 / _3 / _3 ** 2)",
                         "return bz"]
    ag.check_grads(sigmoid_squared, (z[:3],), order=2)


# -- the exact arithmetic --------------------------------------------------------------------

def test_only_positive_factors_cancel():
    f = Field(positive_atoms={0})
    e, y = f.atom(0), f.atom(1)
    one_plus_e = f.add(f.const(1), e)
    square = f.power(one_plus_e, 2)
    assert f.mul(square, f.inverse(one_plus_e)) == one_plus_e       # (1 + e)**2 / (1 + e)
    assert f.cancelled
    g = Field()
    y = g.atom(1)
    n, d = g.mul(y, g.inverse(y))                                    # y / y: y may be 0
    assert n == {((1, 1),): 1} and list(d.values()) == [1] and not g.cancelled
    one_minus_y = g.add(g.const(1), y, -1)
    assert g.mul(g.power(one_minus_y, 2), g.inverse(one_minus_y))[1]   # 1 - y stays too


def test_division_by_one_polynomial():
    e, y = ((0, 1),), ((1, 1),)
    numerator = {((0, 1), (1, 1)): 1, y: 1, (): -1}                 # y e + y - 1
    q, r = divmod_poly(numerator, {e: 1, (): 1})                     # by 1 + e
    assert q == {y: 1} and r == {(): -1}                             # y + -1 / (1 + e)


# -- terms cancelled over a denominator one of them had (a tangent's quotient rule) -------

def quotient_rule(w, t):
    """The tangent of `e / (1 + e)` along `t`, as the quotient rule writes it."""
    e = np.exp(w)
    d = 1 + e
    tq = -t * e / d ** 2 * e + t / d * e
    return tq


def over_new_denominator(w, v, t):
    """Terms cancel only over `d * g`, which no sum here had: left as it is."""
    e = np.exp(w)
    f = np.exp(v)
    d = 1 + e
    g = 1 + f
    tq = t / d + t / g - t * e / (d * g)
    return tq


def _rewritten(fn, names, derivatives):
    src = source.read(fn)
    tree, ns = resolve.resolve(src.tree, resolve.UserScope(fn), src.where)
    kinds = dict.fromkeys(names, Kind(1, "f", False, 8, ones=(False,)))
    changed = cancel.cancel_factors(tree, analyses.facts(tree, ns, kinds, {}), ns, derivatives)
    namespace = dict(ns.bound)
    exec(compile(ast.fix_missing_locations(ast.Module([tree], [])), "<test>", "exec"),
         namespace)
    return changed, [ast.unparse(s) for s in tree.body], namespace[fn.__name__]


@pytest.mark.parametrize("w", [np.linspace(-3.0, 3.0, 7), np.zeros(7)])
def test_terms_cancelled_over_a_denominator_a_term_had(w):
    changed, lines, made = _rewritten(quotient_rule, ("w", "t"), {"tq"})
    assert changed and "tq = t * e / d ** 2" in lines
    t = np.linspace(-1.0, 2.0, 7)
    np.testing.assert_allclose(made(w, t), quotient_rule(w, t), rtol=1e-14)
    s = 1 / (1 + np.exp(-w))
    np.testing.assert_allclose(made(w, t), t * s * (1 - s), rtol=1e-14)


def test_terms_cancelled_only_over_a_new_denominator_stay():
    changed, lines, _ = _rewritten(over_new_denominator, ("w", "v", "t"), {"tq"})
    assert not changed and "tq = t / d + t / g - t * e / (d * g)" in lines
