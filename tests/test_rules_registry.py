"""The rule registry: rules checked when registered, templates resolved once,
rule helpers inlined so the generated line shows their expression."""
import ast
import inspect
import re

import numpy as np
import pytest

import astgrad as ag
from astgrad.errors import RuleError
from astgrad.extend import deflinear, rule_helper
from astgrad.transform import registry, resolve, template

HERE = re.escape(__file__)


def _raises(match, register):
    """`register()` raises a RuleError naming this file and line, and matching `match`."""
    with pytest.raises(RuleError, match=match) as info:
        register()
    assert re.match(HERE + r":\d+$", info.value.where), info.value.where
    return info.value


def _emit(rule, seed="g", ans="ans", **args):
    ns = resolve.Namespace(None, set())
    load = {k: ast.Name(v, ast.Load()) for k, v in args.items()}
    return ast.unparse(rule.emit(ast.Name(seed, ast.Load()), ast.Name(ans, ast.Load()), load, ns,
                                 "here"))


# ---- a rule's parameters are the function's --------------------------------------------------
def scaled(x, scale=2.0):
    return scale * x


def pair(x, y):
    return x * y


def test_a_parameter_named_otherwise_is_refused_when_registered():
    error = _raises(r"vjp rule for scaled takes \(g, ans, y, scale\), but scaled calls its "
                    r"argument 1 `x`, not `y`",
                    lambda: ag.defvjp(scaled, lambda g, ans, y, scale=2.0: g * scale))
    assert "(x, scale=2.0)" in error.fix


def test_a_parameter_the_function_lacks_is_refused():
    _raises(r"pair has no parameter `z`",
            lambda: ag.defvjp(pair, lambda g, ans, x, y, z: g * y))


def test_a_parameter_the_rule_leaves_out_is_refused():
    _raises(r"pair also takes `y`, which the rule does not name",
            lambda: ag.defjvp(pair, lambda t, ans, x: t))


def test_a_default_that_differs_from_the_function_is_refused():
    # the rule would differentiate `scaled(x)` as if scale were 3
    _raises(r"`scale` defaults to 2.0 in scaled, not 3.0",
            lambda: ag.defvjp(scaled, lambda g, ans, x, scale=3.0: g * scale))


def test_positional_only_parameters_may_take_any_name():
    add = np.frompyfunc(lambda a, b: a + b, 2, 1)           # (x1, x2, /, out=None, ...)
    ag.defvjp(add, lambda g, ans, p, q: g, lambda g, ans, p, q: g, name="padd")
    try:                                     # NumPy < 2.2 names no ufunc's parameters
        named = "out" in inspect.signature(add).parameters
    except ValueError:
        named = False
    _raises(r"calls its argument 3 `out`, not `r`" if named else r"padd takes 2 inputs",
            lambda: ag.defvjp(add, lambda g, ans, p, q, r: g, name="padd"))


class _NoSignature:
    """A function of two inputs that keeps no signature, as old NumPy ufuncs do."""
    nin = 2
    __signature__ = "none"            # inspect.signature refuses it

    def __call__(self, a, b):
        return a + b


def test_without_a_signature_a_ufunc_count_of_inputs_is_checked():
    fn = _NoSignature()
    _raises(r"halfsum takes 2 inputs", lambda: ag.defvjp(fn, lambda g, ans, a: g,
                                                         name="halfsum"))
    ag.defvjp(fn, lambda g, ans, a, b: g, lambda g, ans, a, b: g, name="halfsum")


def test_builtins_without_a_signature_are_not_checked():
    before = registry.lookup(max).vjps
    try:
        ag.defvjp(max, lambda g, ans, x, y: g * (x > y), lambda g, ans, x, y: g * (y > x))
    finally:
        registry.lookup(max).vjps = before


def test_rules_naming_arguments_differently_are_refused():
    fn = _NoSignature()                  # nothing to check the names against but each other
    _raises(r"names its arguments \['x', 'z'\], and an earlier rule \['x', 'y'\]",
            lambda: ag.defvjp(fn, lambda g, ans, x, y: g, lambda g, ans, x, z: g,
                              name="halfsum2"))


def test_deflinear_names_parameters_the_rules_have():
    def f(x, y):
        return x + y
    ag.defvjp(f, lambda g, ans, x, y: g, lambda g, ans, x, y: g)
    with pytest.raises(RuleError, match=r"names \['z'\], which are not among its parameters"):
        deflinear(f, "z")


def test_the_librarys_rules_pass_the_same_checks():
    # registering them ran every check; here, what the checks had to accept
    assert registry.lookup(np.dot).params == ["a", "b"]                 # as np.dot names them
    assert registry.lookup(np.arange).signature.parameters["step"].default == 1


# ---- every name a rule reads is a placeholder or defined ------------------------------------
def test_a_name_neither_placeholder_nor_defined_is_refused_when_registered():
    def f(x):
        return x
    error = _raises(r"vjp rule for f reads `cosine`, which is neither one of its parameters "
                    r"\(g, ans, x\) nor defined where it is written",
                    lambda: ag.defvjp(f, lambda g, ans, x: g * cosine(x)))  # noqa: F821
    assert "Define `cosine` above the rule" in error.fix


def test_a_lambda_inside_a_rule_is_refused():
    def f(x):
        return x
    _raises(r"contains a lambda", lambda: ag.defvjp(f, lambda g, ans, x: (lambda: g)()))


def test_a_rule_whose_source_cannot_be_read_is_refused_when_registered():
    def f(x):
        return x
    rule = eval("lambda g, ans, x: g")
    with pytest.raises(RuleError, match="cannot read this rule's source"):
        ag.defvjp(f, rule)


# ---- templates are resolved once ---------------------------------------------------------
def test_emitting_a_rule_twice_resolves_its_names_once(monkeypatch):
    def f(x):
        return x
    ag.defvjp(f, lambda g, ans, x: g * np.cos(x))
    calls = []
    real = template.resolve_names
    monkeypatch.setattr(template, "resolve_names", lambda *a: calls.append(1) or real(*a))
    rule = registry.lookup(f).vjps[0]
    assert _emit(rule, x="u") == _emit(rule, x="v").replace("v", "u") == "g * np.cos(u)"
    assert len(calls) == 1


_GAIN = 3.0


def amplified(x):
    return _GAIN * x


ag.defvjp(amplified, lambda g, ans, x: g * _GAIN)


def test_a_value_a_rule_reads_is_read_when_the_generated_code_runs(monkeypatch):
    def f(x):
        return amplified(x)
    df = ag.grad(f)
    assert "return _GAIN" in ag.source(df) and df(1.0) == 3.0
    monkeypatch.setitem(globals(), "_GAIN", 5.0)
    assert df(1.0) == 5.0


# ---- rule helpers --------------------------------------------------------------------------
@rule_helper
def _twice(v):
    return v + v


@rule_helper
def _scaled_sum(v, w, k=3.0):
    """A helper calling a helper, with a default."""
    return k * _twice(v) + w


def cube(x):
    return x ** 3


ag.defvjp(cube, lambda g, ans, x: g * _scaled_sum(x * x, 0.0, k=1.5))


def test_a_helper_call_is_its_expression_in_the_generated_line():
    assert _emit(registry.lookup(cube).vjps[0], x="x") == "g * (1.5 * (x * x + x * x) + 0.0)"


def test_a_users_helper_is_inlined_into_generated_code():
    def f(x):
        return cube(x)
    text = ag.source(ag.grad(f))
    assert "_scaled_sum" not in text and "_twice" not in text
    assert "1.5 * (x * x + x * x)" in text
    assert ag.grad(f)(2.0) == pytest.approx(1.5 * 8.0)     # the rule as written, not 3 x**2


def test_the_reductions_write_the_expand_test_once():
    # np.sum's rule calls _expand; the generated line is the expression written out, once
    # per branch of the rule's test on `where=` (not given: its default, True, which the
    # optimizer folds away)
    rule = registry.lookup(np.sum).vjps[0]
    args = {k: ast.Name(k, ast.Load()) for k in ("a", "axis", "keepdims")}
    text = ast.unparse(rule.emit(ast.Name("g", ast.Load()), ast.Name("ans", ast.Load()),
                                 {**args, "where": ast.Constant(True)},
                                 resolve.Namespace(None, set()), "here"))
    assert text.startswith(
        "np.broadcast_to(g if keepdims or axis is None else np.expand_dims(g, axis), "
        "np.shape(a)) if True is True else ")
    assert text.count("np.expand_dims(g, axis)") == 2


def test_a_helper_called_with_arguments_that_do_not_fit_is_refused():
    def f(x):
        return x
    _raises(r"calls _twice\(\.\.\.\): missing a required argument: 'v'",
            lambda: ag.defvjp(f, lambda g, ans, x: g * _twice()))


def test_a_helper_named_but_not_called_is_refused():
    def f(x):
        return x
    _raises(r"uses the rule helper _twice without calling it",
            lambda: ag.defvjp(f, lambda g, ans, x: g * np.vectorize(_twice)(x)))


def test_a_helper_with_star_parameters_is_refused():
    def spread(*v):
        return v[0]
    _raises(r"the rule helper spread takes \*v", lambda: rule_helper(spread))


def _bound_by_signature(signature, args, keywords):
    """What `Primitive.bind` gave before it remembered how calls bind: Signature.bind."""
    bound = signature.bind(*args, **keywords)
    out = {}
    for name, param in signature.parameters.items():
        if name in bound.arguments:
            value = bound.arguments[name]
            out[name] = ast.Tuple(elts=list(value), ctx=ast.Load()) \
                if param.kind is param.VAR_POSITIONAL else value
        else:
            out[name] = template.constant_node(param.default) \
                if param.default is not param.empty else None
    return out


@pytest.mark.parametrize("params", [
    "x, axis=None, keepdims=False", "a, /, b=2.0, *rest, scale=-1.5, **options", "x, y"])
def test_bind_matches_signature_bind_and_remembers_nothing_wrong(params):
    import inspect
    exec(f"def f({params}): pass", space := {})
    prim = registry.Primitive(space["f"], "f")
    prim.signature = inspect.signature(space["f"])
    calls = [(2, ()), (1, ("axis",)), (1, ("keepdims", "axis")), (3, ()), (0, ("x", "y")),
             (1, ("b", "scale")), (4, ("extra",)), (1, ("y",)), (0, ()), (2, ("x",))]
    for _ in range(2):                                  # the second time from what it remembers
        for count, names in calls:
            args = [ast.Name(f"p{i}", ast.Load()) for i in range(count)]
            keywords = {k: ast.Name(f"k_{k}", ast.Load()) for k in names}
            try:
                want = _bound_by_signature(prim.signature, args, keywords)
            except TypeError as exc:
                with pytest.raises(TypeError, match=re.escape(str(exc))):
                    prim.bind(args, keywords)
                continue
            got = prim.bind(args, keywords)
            assert list(got) == list(want)
            for k in want:
                if isinstance(want[k], dict):
                    assert got[k].keys() == want[k].keys()
                    assert all(got[k][n] is want[k][n] for n in want[k])
                elif want[k] is None or isinstance(want[k], ast.Name):
                    assert got[k] is want[k]
                else:
                    assert ast.dump(got[k]) == ast.dump(want[k])
