"""Fast scalar paths (issue 13): NumPy's sin, cos and sqrt of a Python float written with
`math` (`optimize/fast_scalars.py`, `scalar_math.py`), where nothing can tell: the same
values bit for bit, of the same types, the same warnings, no exception NumPy does not
raise. Each function here is compared with its code generated without the rewrite."""
from __future__ import annotations

import ast
import itertools
import math
import textwrap
import types
import warnings

import numpy as np
import pytest

import astgrad as ag
from astgrad.transform import optimize, resolve, scalar_math
from astgrad.transform.kinds import Kind, expr_kind
from astgrad.transform.optimize import fast_scalars

_PY, _NP = Kind(0, "f", True), Kind(0, "f", False, 8)
SPECIAL = [0.0, -0.0, 1.0, -1.0, math.inf, -math.inf, math.nan, 5e-324, -5e-324,
           2.2250738585072014e-308, 1.7976931348623157e308, -1.7976931348623157e308,
           1e22, -1e22, math.pi / 2, math.pi, 2.0 ** 60, 0.5, 1e-300]
# NumPy before 1.25 computes float64 sin and cos with its own AVX-512 loops, not libm's:
# there they keep NumPy (scalar_math.py), and the tests of their spelling skip.
SINCOS = np.lib.NumpyVersion(np.__version__) >= "1.25.0"
needs_sincos = pytest.mark.skipif(not SINCOS, reason="NumPy < 1.25: sin and cos are not libm's")


# ---- the table: math gives NumPy's value bit for bit where it is used --------------------
def test_the_table_is_sin_cos_and_sqrt():
    assert set(scalar_math.SPELLINGS) == ({np.sin, np.cos, np.sqrt} if SINCOS else {np.sqrt})


def _samples():
    rng = np.random.default_rng(13)
    n = 125_000
    bits = rng.integers(0, 2 ** 64, size=2 * n, dtype=np.uint64).view(np.float64)
    return np.concatenate([
        bits[np.isfinite(bits)][:n], rng.uniform(-1, 1, n), rng.uniform(-10, 10, n),
        rng.uniform(0, 2, n), rng.uniform(-750, 750, n), rng.uniform(-1e4, 1e4, n),
        np.exp(rng.uniform(-700, 700, n)) * rng.choice([-1.0, 1.0], n),
        rng.uniform(-1e-300, 1e-300, n)])


@pytest.mark.parametrize("np_fn", list(scalar_math.SPELLINGS), ids=lambda f: f.__name__)
def test_math_gives_numpys_bits_on_a_million_doubles(np_fn):
    xs = _samples()
    fast = scalar_math.SPELLINGS[np_fn].math_fn
    if np_fn is np.sqrt:
        xs = np.abs(xs)                       # the guard sends the rest to NumPy
    want = np_fn(xs)
    got = np.array([fast(v) for v in xs.tolist()])
    assert len(xs) == 1_000_000
    differ = np.flatnonzero(want.view(np.uint64) != got.view(np.uint64))
    assert differ.size == 0, f"{np_fn.__name__} differs at {xs[differ[:5]]}"
    scalar = np.array([np_fn(v) for v in xs[::500].tolist()])   # NumPy's scalar path too
    assert (scalar.view(np.uint64) == want[::500].view(np.uint64)).all()


def _run(text: str, x: float):
    """`text` evaluated at x, with the warnings it gives and the exception it raises."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = eval(text, {"np": np, "math": math, "x": x})
        except Exception as exc:              # noqa: BLE001 (compared, not swallowed)
            value = type(exc)
    return value, [(w.category, str(w.message)) for w in caught]


def _bits(v):
    return (type(v), np.float64(v).tobytes()) if isinstance(v, float) else v


@pytest.mark.parametrize("np_fn", list(scalar_math.SPELLINGS), ids=lambda f: f.__name__)
@pytest.mark.parametrize("x", SPECIAL + [-2.5, 3.0, 1e-310], ids=repr)
def test_the_spelling_behaves_as_numpy_on_special_values(np_fn, x):
    ns = resolve.Namespace(None, set())
    call = ast.Call(ns.ref(np_fn), [ast.Name("x", ast.Load())], [])
    spelled = ast.unparse(scalar_math.spell(call, ns))
    value, warned = _run(spelled, x)
    want, want_warned = _run(f"np.{np_fn.__name__}(x)", x)
    assert np.float64(value).tobytes() == np.float64(want).tobytes()
    assert warned == want_warned
    if isinstance(value, float) and not isinstance(value, np.float64):
        assert math.isfinite(x) if np_fn is not np.sqrt else x >= 0.0   # math's side


@needs_sincos
def test_read_back_gives_the_numpy_call():
    ns = resolve.Namespace(None, set())
    text = ("y = (math.sin(x) if math.isfinite(x) else np.sin(x)) * "
            "(math.sqrt(z) if z >= 0.0 else np.sqrt(z))\n"
            "w = math.cos(x) if math.isfinite(z) else np.cos(x)")   # not a spelling
    tree = ast.parse(text)
    ns.bind(math, "math")
    scalar_math.read_back(tree, ns)
    assert ast.unparse(tree).splitlines() == [
        "y = np.sin(x) * np.sqrt(z)",
        "w = math.cos(x) if math.isfinite(z) else np.cos(x)"]


# ---- where the pass rewrites, and where it must not --------------------------------------
def _rewrite(body: str, kinds: dict) -> list[str]:
    fn = ast.parse("def f(x, y):\n" + textwrap.indent(body, "    ")).body[0]
    ns = resolve.Namespace(None, set())
    fast_scalars.use_math(fn, ns, kinds)
    return [ast.unparse(s) for s in fn.body]


_SIN, _COS = "math.sin(x) if math.isfinite(x) else np.sin(x)", \
    "math.cos(x) if math.isfinite(x) else np.cos(x)"


@needs_sincos
@pytest.mark.parametrize("body, expected", [
    # NumPy's function of one argument, float(), a NumPy operand: the type is not seen
    ("return float(np.cos(x))", f"return float({_COS})"),
    ("return float(np.exp(np.sin(x)))", f"return float(np.exp({_SIN}))"),
    ("b = 1.0 / np.log(x)\nreturn float(b * np.cos(x))", f"return float(b * ({_COS}))"),
    ("s = np.sin(x)\nreturn float(s / np.log(x))", f"s = {_SIN}"),
    # sin and cos added to a float: exact, and the sum held to the same rules
    ("return float(np.sin(x) + y)", f"return float(({_SIN}) + y)"),
    ("s = -np.sin(x) + x ** 2\nreturn float(s / np.log(x))", f"s = -({_SIN}) + x ** 2"),
    ("s = np.sin(x) + y\nreturn float(s * y)", "s = np.sin(x) + y"),   # then Python's *
    ("return float(np.sqrt(x) + y)", "return float(np.sqrt(x) + y)"),  # sqrt(inf) - inf
    # Python's own arithmetic with another float, or a type anyone sees: NumPy kept
    ("return float(1.0 / np.sin(x))", "return float(1.0 / np.sin(x))"),
    ("return float(np.sin(x) * y)", "return float(np.sin(x) * y)"),
    ("return float(1.0 / (2 * np.sqrt(x)))", "return float(1.0 / (2 * np.sqrt(x)))"),
    ("return np.sin(x)", "return np.sin(x)"),
    ("return (np.cos(x), 1.0)", "return (np.cos(x), 1.0)"),
    ("s = np.sin(x)\ns = s + y\nreturn float(s + y)", "s = np.sin(x)"),
    ("s = np.sin(x)\ns += y\nreturn float(s)", "s = np.sin(x)"),
    # of two calls multiplied, one is given back to NumPy and the other may stay
    ("return float(np.cos(y) * np.cos(x))",
     "return float(np.cos(y) * (math.cos(x) if math.isfinite(x) else np.cos(x)))"),
])
def test_use_math_rewrites_only_where_the_float_is_not_seen(body, expected):
    lines = _rewrite(body, {"x": _PY, "y": _PY})
    assert expected in lines


def test_only_python_floats_are_candidates():
    assert _rewrite("return float(np.cos(x))", {"x": _NP, "y": _PY}) == \
        ["return float(np.cos(x))"]
    assert _rewrite("return float(np.cos(x))", {"x": Kind(0, "i", True), "y": _PY}) == \
        ["return float(np.cos(x))"]


@needs_sincos
def test_an_operand_a_float64_would_widen_is_not_numpys():
    f32 = Kind(1, "f", False, 4)
    assert _rewrite("return np.sum(np.cos(x) * y)", {"x": _PY, "y": f32}) == \
        ["return np.sum(np.cos(x) * y)"]
    f64 = Kind(1, "f", False, 8)
    assert _rewrite("return np.sum(np.cos(x) * y)", {"x": _PY, "y": f64}) == \
        [f"return np.sum(({_COS}) * y)"]


def test_kinds_tell_python_floats_from_numpy_values():
    ns = resolve.Namespace(None, set())
    env = {"x": _PY, "s": _NP}

    def kind(text):
        return expr_kind(ast.parse(text, mode="eval").body, env, ns)
    assert kind("np.sin(x)") == Kind(0, "f", False, 8)      # NumPy's float64
    assert kind("float(s)").py                               # a Python float
    assert kind("max(x, s)").itemsize is None                # either: not known NumPy's
    assert kind("max(s, s)") == _NP


# ---- generated code: the same as without the rewrite, bit for bit --------------------------
def seed_log(x):
    return (np.sin(x) + x ** 2) / np.log(x)


def product(x, y):
    return np.sin(x) * np.cos(y) + np.sqrt(x * x + y * y)


def chained(x):
    return np.exp(np.cos(x)) * np.sin(x) - np.cos(x) / 3.0


def root(x):
    return np.sqrt(x) * np.cos(x)


def quotient(x):
    return np.sin(x) / x + np.cos(np.sin(x))


def scaled(x, y):
    return np.sin(x) * y + np.cos(x) / y + np.sqrt(x) - y


def looped(x):
    for _ in range(3):
        x = np.sin(x) + 0.5 * x
    return x


def branched(x):
    if x > 0.0:
        y = np.sin(x) * np.log(x)
    else:
        y = np.cos(x)
    return y


FUNCTIONS = [seed_log, product, chained, root, quotient, scaled, looped, branched]
POINTS = [1.5, 0.3, -0.7, 1.0, 0.0, -0.0, math.inf, -math.inf, math.nan, -1.0, 1e-310, 1e300]
SECOND = [0.5, 0.0, -0.0, math.inf, -1.0]      # the second argument, where there is one


def _transforms(f):
    n = f.__code__.co_argcount
    return {"value_and_grad": ag.value_and_grad(f, wrt=tuple(range(n))),
            "grad of grad": ag.grad(ag.grad(f)),
            "jvp": ag.jvp(f),
            "vjp": lambda *a: (lambda v, pb: (v, pb(1.0)))(*ag.vjp(f)(*a))}


def _numpy_version(f, monkeypatch):
    """f's transforms, generated without the rewrite (a fresh function: a fresh cache)."""
    copy = types.FunctionType(f.__code__, f.__globals__, f.__name__, f.__defaults__)
    with monkeypatch.context() as m:
        m.setattr(fast_scalars, "use_math", lambda fn, ns, kinds: False)
        made = _transforms(copy)
        for name, t in made.items():
            args = (1.5,) * f.__code__.co_argcount + ((1.0,) if name == "jvp" else ())
            t(*args)                           # generate the float code now
    return made


def _same(got, want) -> bool:
    if isinstance(want, tuple):
        return isinstance(got, tuple) and len(got) == len(want) and all(map(_same, got, want))
    if type(got) is not type(want):
        return got is want or (isinstance(want, type) and got is want)
    return np.asarray(got).tobytes() == np.asarray(want).tobytes()


@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__)
def test_generated_code_is_numpys_bit_for_bit(f, monkeypatch):
    numpy = _numpy_version(f, monkeypatch)
    fast = _transforms(f)
    n = f.__code__.co_argcount
    for name in fast:
        for x, *y in itertools.product(POINTS, *[SECOND] * (n - 1)):
            args = (x, *y) + ((1.0,) if name == "jvp" else ())
            got, got_warned = _call(fast[name], args)
            want, want_warned = _call(numpy[name], args)
            assert _same(got, want), (name, x, got, want)
            assert got_warned == want_warned, (name, x)


def _call(t, args):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = t(*args)
        except Exception as exc:              # noqa: BLE001 (compared, not swallowed)
            out = type(exc)
    return out, sorted({(w.category.__name__, str(w.message)) for w in caught})


@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("x", [1.5, 0.3], ids=repr)
def test_derivatives_match_finite_differences(f, x):
    args = (x,) + (0.5,) * (f.__code__.co_argcount - 1)
    ag.check_grads(f, args, order=2)


@needs_sincos
def test_the_workload_uses_math_in_every_sweep_it_may():
    source = ag.source(_warm(ag.value_and_grad(seed_log), 1.5))
    assert "finite_x = math.isfinite(x)" in source        # tested once for both
    assert "_3 = (math.sin(x) if finite_x else np.sin(x)) + x ** 2" in source
    assert "b3 * (math.cos(x) if finite_x else np.cos(x))" in source
    assert "_4 = np.log(x)" in source             # `1.0 / _4` would raise at x == 1.0
    assert source.splitlines()[2] == "import math"
    namespace = {}
    exec(source, namespace)                       # runs on its own
    assert namespace["seed_log_and_dseed_log_dx"](1.5) == ag.value_and_grad(seed_log)(1.5)


def test_a_sqrt_divided_by_stays_numpys_and_gives_inf_at_zero():
    df = _warm(ag.grad(np_sqrt), 4.0)
    assert "math.sqrt" not in ag.source(df)
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        assert df(0.0) == math.inf


def np_sqrt(x):
    return np.sqrt(x)


def test_second_order_code_is_read_back_as_numpy():
    ddf = _warm(ag.grad(ag.grad(seed_log)), 1.5)
    text = ag.source(ddf)
    assert "isfinite(x):" not in text and "if _" not in text   # no branch per spelling
    assert ddf(1.5) == pytest.approx(_second(seed_log, 1.5), rel=1e-6)


def _second(f, x, h=1e-4):
    return (f(x + h) - 2 * f(x) + f(x - h)) / h ** 2


def _warm(t, *args):
    t(*args)
    return t


def seed_mean(x):
    return np.mean(3 * (x + 2) * (x + 2))


def test_size_of_a_number_is_one():
    ddf = _warm(ag.grad(ag.grad(seed_mean)), 1.5)
    assert "np.size" not in ag.source(ddf)
    assert ddf(1.5) == 6.0 and type(ddf(1.5)) is float
    np.testing.assert_allclose(ag.grad(ag.grad(seed_mean))(np.array(1.5)), 6.0)


@needs_sincos
def test_optimize_runs_the_rewrite_last():
    text = "def f(x):\n    t = np.cos(x)\n    return float(np.log(x) * t)"
    fn = ast.parse(text).body[0]
    ns = resolve.Namespace(None, set())
    out = ast.unparse(optimize.optimize(fn, ns, {"t"}, {"x": _PY}, {}))
    assert out.splitlines()[-1] == f"    return float(np.log(x) * ({_COS}))"


def test_a_numbers_tangent_and_seed_are_checked_without_numpy_and_as_before():
    jvp = ag.jvp(seed_log)
    assert jvp(1.5, 1.0) == ag.jvp(seed_log)(1.5, np.float64(1.0))
    value, pullback = ag.vjp(seed_log)(1.5)
    assert pullback(1.0) == pullback(np.float64(1.0))
    for bad in (1j, np.array([1.0, 2.0])):
        with pytest.raises(ag.AstgradError):
            jvp(1.5, bad)
        with pytest.raises(ag.AstgradError):
            pullback(bad)
