"""Rules emitted folded for their call (`folded_rules`): the tests that the kinds of the
arguments and the literals among them decide are decided when the rule is emitted,
once per rule and those kinds and literals; an argument of no known kind decides
nothing; and the derivatives are those of the rules as written."""
import ast
import sys

import numpy as np
import pytest

import astgrad as ag
from astgrad import runtime as ag_runtime
from astgrad.transform import driver, folded_rules, registry, resolve
from astgrad.transform.lattice import Kind

VECTOR = Kind(1, "f", False, 8, ones=(False,))
MATRIX = Kind(2, "f", False, 8, ones=(False, False))
FLOAT = Kind(0, "f", True)


def _node(value):
    return ast.Name(value, ast.Load()) if isinstance(value, str) else value


def _emit(rule, kinds, ns=None, seed="g", ans="ans", **args):
    ns = ns or resolve.Namespace(None, set())
    expr = folded_rules.emit(rule, _node(seed), _node(ans), {k: _node(v) for k, v in args.items()},
                             ns, "here", kinds)
    return ast.unparse(expr)


def _plain(rule, seed="g", ans="ans", **args):
    """The rule as written, not folded."""
    return ast.unparse(rule.emit(_node(seed), _node(ans), {k: _node(v) for k, v in args.items()},
                                 resolve.Namespace(None, set()), "here"))


_POWER = registry.lookup(np.power).vjps[0]      # g * x2 * slope_base(x1, x2) ** power_exponent(...)
_MEAN = registry.lookup(np.mean).vjps[0]
_MATMUL = registry.lookup(np.matmul).vjps


def _mean_args(axis=None, keepdims=False):
    return dict(a="a", axis=ast.Constant(axis), dtype=ast.Constant(None),
                out=ast.Constant(None), keepdims=ast.Constant(keepdims),
                where=ast.Constant(True))


# ---- what is folded -------------------------------------------------------------------------
def test_the_power_rule_of_a_vector_squared_is_its_math():
    assert "np.ndim" in _plain(_POWER, x1="x", x2=ast.Constant(2))
    assert _emit(_POWER, {"x": VECTOR}, x1="x", x2=ast.Constant(2)) == "g * 2 * x"


def test_the_power_rule_of_a_python_float_keeps_the_tests_its_value_decides():
    """`x ** 0.5` at x = 0: the slope's base is a NumPy scalar there (inf, not an error),
    a test on the value of `x`, which no kind decides."""
    assert _emit(_POWER, {"x": FLOAT}, x1="x", x2=ast.Constant(0.5)) == \
        "g * 0.5 * (x if x != 0 else np.asarray(x)) ** (-0.5)"


def test_a_mean_over_all_axes_is_a_broadcast_quotient():
    assert _emit(_MEAN, {"a": VECTOR, "ans": FLOAT}, **_mean_args()) == \
        "np.broadcast_to(g / np.size(a), np.shape(a))"
    assert _emit(_MEAN, {"a": MATRIX, "ans": VECTOR}, **_mean_args(axis=0)) == \
        "np.broadcast_to(np.expand_dims(g, 0) / (np.size(a) // np.size(ans)), np.shape(a))"


@pytest.mark.parametrize("left, right, adjoints", [
    (MATRIX, VECTOR, ("np.outer(g, x)", "g @ A")),
    (VECTOR, MATRIX, ("x @ g", "np.outer(A, g)")),
    (VECTOR, VECTOR, ("g * x", "g * A")),
    (MATRIX, MATRIX, ("g @ np.transpose(x)", "np.transpose(A) @ g"))])
def test_the_adjoints_of_matmul_are_those_of_the_operands_ndims(left, right, adjoints):
    kinds = {"A": left, "x": right}
    assert tuple(_emit(rule, kinds, x="A", y="x") for rule in _MATMUL) == adjoints


# ---- what decides nothing -------------------------------------------------------------------
def test_an_argument_of_no_known_kind_decides_nothing():
    text = _emit(_MATMUL[1], {"x": VECTOR}, x="A", y="x")
    assert "np.ndim(A) == 1" in text and "np.ndim(x)" not in text and "rt.matmul_adjoint" in text
    assert _emit(_POWER, {}, x1="x", x2="y") == _plain(_POWER, x1="x", x2="y")


def test_the_seed_has_the_kind_the_kinds_give_it_and_none_else():
    """The adjoint a rule is emitted with is a name the forward kinds do not know."""
    rule = registry.lookup(np.sum).vjps[0]
    args = dict(a="a", axis=ast.Constant(None), dtype=ast.Constant(None),
                out=ast.Constant(None), keepdims=ast.Constant(False),
                initial=ast.Constant(None), where=ast.Constant(True))
    args = {k: v for k, v in args.items() if k in registry.lookup(np.sum).params}
    assert _emit(rule, {"a": VECTOR}, **args) == "np.broadcast_to(g, np.shape(a))"


def test_spread_to_is_a_broadcast_only_for_a_seed_of_no_more_axes():
    """`rt.spread_to(b, shape)` makes zeros of `shape` of a `b` that does not broadcast to it
    (the adjoint of zeros `rt.sum_to` made of another shape), where `np.broadcast_to`
    raises: a seed of no known kind, or of more axes, keeps it (fuzz campaign 18)."""
    rule = registry.lookup(ag_runtime.sum_to).vjps[0]
    cube = Kind(3, "f", False, 8, ones=(True, False, False))
    assert _emit(rule, {"x": MATRIX, "s": FLOAT}, seed="s", g="x", shape="n") == \
        "np.broadcast_to(s, np.shape(x))"
    assert _emit(rule, {"x": MATRIX, "t": cube}, seed="t", g="x", shape="n") == \
        _emit(rule, {"x": MATRIX}, seed="t", g="x", shape="n") == "rt.spread_to(t, np.shape(x))"


def test_literals_are_told_apart_by_type_and_sign():
    vector = {"x": VECTOR}
    assert _emit(_POWER, vector, x1="x", x2=ast.Constant(2)) == "g * 2 * x"
    assert _emit(_POWER, vector, x1="x", x2=ast.Constant(2.0)) == "g * 2.0 * x"
    zero = _emit(_POWER, {"x": FLOAT}, x1="x", x2=ast.Constant(0.0))
    negative_zero = _emit(_POWER, {"x": FLOAT}, x1="x", x2=ast.UnaryOp(ast.USub(),
                                                                       ast.Constant(0.0)))
    assert zero.startswith("g * 0.0 *") and negative_zero.startswith("g * -0.0 *")


# ---- made once ------------------------------------------------------------------------------
def test_a_rule_is_folded_once_for_each_kinds_and_literals(monkeypatch):
    monkeypatch.setattr(_POWER, "_specialized", {})
    real, folds = folded_rules._fold, []
    monkeypatch.setattr(folded_rules, "_fold",
                        lambda *a: folds.append(a[1]) or real(*a))
    assert _emit(_POWER, {"u": VECTOR}, x1="u", x2=ast.Constant(2)) == "g * 2 * u"
    assert _emit(_POWER, {"v": VECTOR}, seed="b", x1="v", x2=ast.Constant(2)) == "b * 2 * v"
    assert len(folds) == 1
    _emit(_POWER, {"v": MATRIX}, x1="v", x2=ast.Constant(2))
    _emit(_POWER, {"v": VECTOR}, x1="v", x2=ast.Constant(3))
    assert len(folds) == 3


def test_what_a_fold_drops_is_not_bound_in_the_generated_code():
    ns = resolve.Namespace(None, set())
    text = _emit(_MEAN, {"a": VECTOR, "ans": FLOAT}, ns=ns, **_mean_args())
    assert "masked_mean_adjoint" not in text and "expand_dims" not in text
    plain = _plain(_MEAN, **_mean_args())
    assert "masked_mean_adjoint" in plain and "None is None" in plain


# ---- in generated code ----------------------------------------------------------------------
def _after(pass_title, fn, args, transform=ag.grad, tangents=()):
    """The tree after the pass `pass_title` when `transform(fn)` is built."""
    seen = []
    real = list(driver.PASSES)

    def wrap(title, run):
        def wrapped(p):
            out = run(p)
            if title == pass_title:
                seen.append(ast.unparse(p.tree))
            return out
        return wrapped
    driver.PASSES[:] = [(t, wrap(t, r)) for t, r in real]
    try:
        transform(fn)(*args, *tangents)
    finally:
        driver.PASSES[:] = real
    return seen[0]


def test_the_reverse_sweep_is_emitted_folded():
    def f(w, X):
        z = X @ w
        return np.mean(z ** 2) + np.sum(np.sqrt(w ** 2 + 0.01))
    w, X = np.linspace(-1.0, 1.0, 3), np.arange(12.0).reshape(4, 3) / 10
    text = _after("shell", f, (w, X))
    for left in ("np.ndim", "None is None", "True is True", "matmul_adjoint", "np.where"):
        assert left not in text, left


def test_the_tangents_are_emitted_folded():
    def f(w, X):
        return np.tanh(X @ w) ** 2
    w, X = np.linspace(-1.0, 1.0, 3), np.arange(12.0).reshape(4, 3) / 10
    text = _after("forward", f, (w, X), ag.jvp, (np.ones(3),))
    assert "np.ndim" not in text and "np.where" not in text


# ---- the derivatives are the rules' ---------------------------------------------------------
def _powers(x, a):
    return np.sum(x ** 2) + a ** 0.5 + a ** 2.0 + np.sum(x ** 1) + a ** 0 + np.sum(x ** a)


def _reductions(A, x):
    return np.sum(np.mean(A, axis=0) * x) + np.sum(np.mean(A, axis=1, keepdims=True) ** 2) \
        + np.mean(A * A) + np.sum(A, axis=(0, 1))


def _products(A, B, x, y):
    return np.sum(A @ B) + x @ y + np.sum(A @ x) + np.sum(y @ B) \
        + np.sum(np.transpose(B) @ np.transpose(A))


@pytest.mark.parametrize("f, args, wrt", [
    (_powers, (np.array([0.5, 1.5, 2.0]), 1.5), (0, 1)),
    (_powers, (np.array([0.25, 1.0, 2.0]), 4.0), (0, 1)),
    (_reductions, (np.arange(6.0).reshape(2, 3) / 7 - 0.3, np.array([1.0, -2.0, 0.5])), (0, 1)),
    (_products, (np.arange(6.0).reshape(2, 3) / 5, np.arange(12.0).reshape(3, 4) / 9 - 0.5,
                 np.array([1.0, -2.0, 0.5]), np.array([0.5, 0.25, -1.0])), (0, 1, 2, 3))])
def test_folded_rules_give_the_derivatives_of_the_rules(f, args, wrt):
    ag.check_grads(f, args, wrt=wrt, order=2)


def test_a_zero_base_keeps_the_slope_the_rule_gives_there():
    """`a ** 0.5` at a = 0: the slope is inf (NumPy's limit), not a ZeroDivisionError, and
    `a ** 2.0` at 0 is 0; in reverse and forward mode."""
    def f(a):
        return a ** 0.5 + a ** 2.0
    with np.errstate(divide="ignore"):
        assert ag.grad(f)(0.0) == np.inf
        assert ag.jvp(f)(0.0, 1.0)[1] == np.inf

    def g(a):
        return a ** 2.0 + 3.0 * a ** 1
    assert ag.grad(g)(0.0) == 3.0


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
