"""Cheaper derivatives of Python floats (issue 13): two or more `math` spellings of one value
share one `math.isfinite` test, held in a name (`optimize/scalar_guards.py`), and a log read
only by derivatives is squared as `L * L` (`optimize/derivative_math.py`). The generated
code is checked line by line; its values against central differences (first and second
order) and, at every special point, against the code made without the rewrites: the same
bits and the same warnings where NumPy takes the value, the same within rounding where the
log is `math`'s, the same bits everywhere against the code made without sharing alone."""
from __future__ import annotations

import ast
import itertools
import math
import textwrap
import types

import numpy as np
import pytest

import astgrad as ag
from astgrad.transform import resolve, scalar_math
from astgrad.transform.optimize import derivative_math, fast_scalars, scalar_guards
from tests.test_scalar_math import _call

SINCOS = np.lib.NumpyVersion(np.__version__) >= "1.25.0"
pytestmark = pytest.mark.skipif(not SINCOS, reason="NumPy < 1.25: sin and cos keep NumPy")


def sin_over_log(x):
    return (np.sin(x) + x ** 2) / np.log(x)


def of_a_value(x):
    y = x * 3.0
    return (np.sin(y) + np.cos(y)) / np.log(x)


def two_arguments(x, y):
    return np.sin(x) * np.exp(np.cos(x)) + np.sin(y) * np.exp(np.cos(y))


def looped(x):
    s = 0.0
    for _ in range(3):
        s = s + np.sin(x) * np.exp(np.cos(x))
    return s


def branched(x):
    if x > 1.0:
        return np.exp(np.sin(x)) * np.exp(np.cos(x))
    return x


FUNCTIONS = [sin_over_log, of_a_value, two_arguments, looped, branched]
POINTS = [1.5, 0.3, 2.5, -0.7, 1.0, 0.0, -0.0, -1.0, math.inf, -math.inf, math.nan, 5e-324,
          1e-310, 1.0 + 2 ** -52, 1e300]
SECOND = [0.5, 0.0, math.inf, math.nan, -1.0]      # the second argument, where there is one


def _warm(t, *args):
    t(*args)
    return t


def _body(t) -> list[str]:
    """The generated function's statements, comments left out."""
    lines = ag.source(t).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("def "))
    return [line.strip() for line in lines[start + 1:] if not line.strip().startswith("#")]


# ---- the generated code ---------------------------------------------------------------------
def test_the_workload_tests_finiteness_once_and_squares_its_log_by_a_product():
    body = _body(_warm(ag.grad(sin_over_log), 2.5))
    assert body[0] == "_4 = math.log(x) if x > 0.0 and x != 1.0 else np.log(x)"
    guard = body.index("finite_x = math.isfinite(x)")
    first = next(i for i, line in enumerate(body) if "finite_x else" in line)
    assert guard == first - 1
    assert body[first] == \
        "bx = -((math.sin(x) if finite_x else np.sin(x)) + x ** 2) / (_4 * _4) / x"
    assert "bx = bx + b3 * (math.cos(x) if finite_x else np.cos(x))" in body
    assert body[-1] == "return float(bx)"          # NumPy's side of a test gives a float64
    assert sum(line.count("math.isfinite") for line in body) == 1
    assert "** 2" not in body[first].replace("x ** 2", "")   # the user's x ** 2 stays


def test_a_value_made_in_the_function_and_two_arguments_get_one_test_each():
    body = _body(_warm(ag.grad(of_a_value), 1.5))
    assert body[:4] == ["y = x * 3.0", "finite_y = math.isfinite(y)",
                        "sin_y = math.sin(y) if finite_y else np.sin(y)",
                        "cos_y = math.cos(y) if finite_y else np.cos(y)"]
    body = _body(_warm(ag.grad(two_arguments, wrt=(0, 1)), 1.5, 0.5))
    assert [line for line in body if "isfinite" in line] == [
        "finite_x = math.isfinite(x)", "finite_y = math.isfinite(y)"]
    assert body.index("finite_x = math.isfinite(x)") == 0


def test_the_test_is_made_before_a_loop_or_branch_that_reads_it():
    body = _body(_warm(ag.grad(looped), 1.5))
    assert body.index("finite_x = math.isfinite(x)") < body.index("for _ in range(3):")
    assert sum("if finite_x else" in line for line in body) == 3
    body = _body(_warm(ag.grad(branched), 1.5))
    assert body[:3] == ["_1 = x > 1.0", "finite_x = math.isfinite(x)", "if _1:"]


def clash(x, finite_x):
    return np.exp(np.sin(x)) + np.exp(np.cos(x)) + finite_x


def one_spelling(x):
    return np.sin(x) + np.exp(x)


def rebound(x):
    for _ in range(2):
        x = np.exp(np.sin(x)) + np.exp(np.cos(x))
    return x


def test_a_taken_name_is_not_reused():
    body = _body(_warm(ag.grad(clash), 1.5, 2.0))
    assert body[0] == "finite_x_1 = math.isfinite(x)"
    assert "sin_x = math.sin(x) if finite_x_1 else np.sin(x)" in body


def test_one_spelling_keeps_its_test_inline():
    body = _body(_warm(ag.grad(one_spelling), 1.5))
    assert "bx = bx + (math.cos(x) if math.isfinite(x) else np.cos(x))" in body
    assert not any("finite_" in line for line in body)


def test_a_value_bound_twice_keeps_its_tests():
    source = ag.source(_warm(ag.grad(rebound), 1.5))
    assert "finite_" not in source


def test_a_pullback_keeps_its_own_tests():
    value, pullback = ag.vjp(two_arguments, wrt=(0, 1))(1.5, 0.5)
    text = ag.source(ag.vjp(two_arguments, wrt=(0, 1)))
    tree = ast.parse(text)
    inner = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)][1]
    assert not any(isinstance(n, ast.Name) and n.id.startswith("finite_")
                   for n in ast.walk(inner))
    assert pullback(1.0) == ag.grad(two_arguments, wrt=(0, 1))(1.5, 0.5)


def test_second_order_reads_it_all_back_as_numpy():
    ddf = _warm(ag.grad(ag.grad(sin_over_log)), 2.5)
    code = "\n".join(_body(ddf))
    assert "math." not in code and "finite_x" not in code
    assert "_6 = _4 ** 2" in code                    # the square read back as NumPy's


# ---- the pass and the reading back, on their own ---------------------------------------------
def _namespace():
    ns = resolve.Namespace(None, set())
    ns.bind(math, "math")
    return ns


def _shared(body: str, taken=()) -> list[str]:
    fn = ast.parse("def f(x, y):\n" + textwrap.indent(body, "    ")).body[0]
    scalar_guards.share_finite_tests(fn, _namespace(), set(taken))
    return [ast.unparse(s) for s in fn.body]


SIN, COS = "math.sin({0}) if math.isfinite({0}) else np.sin({0})", \
    "math.cos({0}) if math.isfinite({0}) else np.cos({0})"


def test_the_pass_shares_a_test_of_a_name_bound_once_before_it():
    assert _shared(f"a = {SIN.format('x')}\nb = y * 2.0\nc = {COS.format('x')}\n"
                   "return a + c") == [
        "finite_x = math.isfinite(x)", "a = math.sin(x) if finite_x else np.sin(x)",
        "b = y * 2.0", "c = math.cos(x) if finite_x else np.cos(x)", "return a + c"]
    assert _shared(f"z = x + y\nreturn ({SIN.format('z')}) * ({COS.format('z')})")[:2] == [
        "z = x + y", "finite_z = math.isfinite(z)"]
    assert _shared(f"return ({SIN.format('x')}) * ({COS.format('x')})", taken={"finite_x"}) \
        [0] == "finite_x_1 = math.isfinite(x)"


@pytest.mark.parametrize("body", [
    f"return {SIN.format('x')}",                                        # one spelling
    f"x = x + 1.0\nreturn ({SIN.format('x')}) * ({COS.format('x')})",   # bound twice
    f"for z in y:\n    a = ({SIN.format('z')}) * ({COS.format('z')})\nreturn a",   # by a loop
    f"a = ({SIN.format('z')}) * 2.0\nz = y\nreturn a * ({COS.format('z')})",   # bound after
    "return math.sqrt(x) if x >= 0.0 else np.sqrt(x) + (math.sqrt(x) if x >= 0.0 "
    "else np.sqrt(x))",                                                 # a cheap test
    f"def g():\n    return ({SIN.format('x')}) * ({COS.format('x')})\nreturn g()",   # nested
])
def test_the_pass_leaves_what_it_cannot_share(body):
    assert _shared(body) == [ast.unparse(s) for s in ast.parse(body).body]


def _read_back(text: str) -> list[str]:
    """`text`, the body of a function of x, read back."""
    tree = ast.parse("def f(x):\n" + textwrap.indent(text, "    "))
    scalar_math.read_back(tree, _namespace())
    return [line.strip() for line in ast.unparse(tree).splitlines()[1:]]


def test_read_back_gives_numpys_calls_and_drops_the_test():
    assert _read_back("t = math.isfinite(x)\n"
                      "a = (math.sin(x) if t else np.sin(x)) * (math.cos(x) if t else np.cos(x))\n"
                      "L = math.log(x) if x > 0.0 and x != 1.0 else np.log(x)\n"
                      "b = a / (L * L) + x * x") == [
        "a = np.sin(x) * np.cos(x)", "L = np.log(x)", "b = a / L ** 2 + x * x"]


@pytest.mark.parametrize("text", [
    "t = math.isfinite(x)\nt = True\na = math.sin(x) if t else np.sin(x)",       # t twice
    "t = math.isfinite(y)\na = math.sin(x) if t else np.sin(x)",                 # another's
    "t = math.isfinite(x)\nx = 2.0\na = math.sin(x) if t else np.sin(x)",        # x twice
    "t = x > 0.0\na = math.sin(x) if t else np.sin(x)",                          # no test
    "t = math.isfinite(x)\na = math.sqrt(x) if t else np.sqrt(x)",               # not its test
])
def test_read_back_leaves_what_is_not_a_spelling(text):
    assert _read_back(text) == ast.unparse(ast.parse(text)).splitlines()
    assert _read_back(text.replace("(x)", "(z)")) == \
        ast.unparse(ast.parse(text.replace("(x)", "(z)"))).splitlines()   # z: not bound


# ---- values ---------------------------------------------------------------------------------
@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("x", [1.5, 0.3, 2.5, 7.0], ids=repr)
def test_derivatives_match_central_differences(f, x):
    args = (x,) + (0.5,) * (f.__code__.co_argcount - 1)
    ag.check_grads(f, args, wrt=tuple(range(len(args))), order=2)


def test_the_workload_at_values_by_hand():
    for x in (2.5, 0.3, 1.1, 50.0):
        lx = math.log(x)
        want = ((math.cos(x) + 2 * x) * lx - (math.sin(x) + x * x) / x) / (lx * lx)
        got = ag.grad(sin_over_log)(x)
        assert type(got) is float and got == pytest.approx(want, rel=1e-13)
        h = 1e-5
        d2 = (ag.grad(sin_over_log)(x + h) - ag.grad(sin_over_log)(x - h)) / (2 * h)
        assert ag.grad(ag.grad(sin_over_log))(x) == pytest.approx(d2, rel=1e-6)


def _transforms(f):
    n = f.__code__.co_argcount
    wrt = tuple(range(n))
    return {"grad": ag.grad(f, wrt=wrt if n > 1 else 0),
            "value_and_grad": ag.value_and_grad(f, wrt=wrt),
            "grad of grad": ag.grad(ag.grad(f)),
            "jvp": ag.jvp(f),
            "vjp": lambda *a: (lambda v, pb: (v, pb(1.0)))(*ag.vjp(f, wrt=wrt)(*a))}


def _made_without(f, monkeypatch, *rewrites):
    """f's transforms generated with the named rewrites off (a fresh function: a fresh
    cache), their code for floats made now."""
    copy = types.FunctionType(f.__code__, f.__globals__, f.__name__, f.__defaults__)
    with monkeypatch.context() as m:
        for module, name in rewrites:
            m.setattr(module, name, lambda *args: False)
        made = _transforms(copy)
        for name, t in made.items():
            t(*(1.5,) * f.__code__.co_argcount + ((1.0,) if name == "jvp" else ()))
    return made




def _leaves(value):
    return [v for part in value for v in _leaves(part)] if isinstance(value, tuple) \
        else [value]


def _points(f, name):
    n = f.__code__.co_argcount
    for x, *y in itertools.product(POINTS, *[SECOND] * (n - 1)):
        yield (x, *y) + ((1.0,) if name == "jvp" else ())


SHARING = (scalar_guards, "share_finite_tests")
ALL = (SHARING, (fast_scalars, "use_math"), (derivative_math, "use_math_log"))


@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__)
def test_sharing_the_test_changes_no_bit_and_no_warning(f, monkeypatch):
    before = _made_without(f, monkeypatch, SHARING)
    after = _transforms(f)
    for name in after:
        for args in _points(f, name):
            got, got_warned = _call(after[name], args)
            want, want_warned = _call(before[name], args)
            assert got_warned == want_warned, (name, args)
            if isinstance(want, type):
                assert got is want, (name, args)
                continue
            assert [(type(g), np.float64(g).tobytes()) for g in _leaves(got)] == \
                [(type(w), np.float64(w).tobytes()) for w in _leaves(want)], (name, args)


def _logs_math(f, x) -> bool:
    """May `f`'s derivative take `math`'s log at x (within rounding of NumPy's there)?"""
    return "log" in f.__code__.co_names and x > 0.0 and x != 1.0


@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__)
def test_special_points_give_numpys_values_types_and_warnings(f, monkeypatch):
    """Against the code made with none of the `math` rewrites: the same exceptions, the
    same bits and the same warnings wherever no `math.log` is taken (x <= 0, nan, 1.0, or
    no log); where one is, the same within rounding (1 ulp of the log, the square) and
    warnings of the same categories (`derivative_math` gives up NumPy's own warnings in
    Python's `+ - *` on derivatives: at inf, `0.0 * nan` warns in NumPy alone)."""
    numpy = _made_without(f, monkeypatch, *ALL)
    fast = _transforms(f)
    for name in fast:
        for args in _points(f, name):
            got, got_warned = _call(fast[name], args)
            want, want_warned = _call(numpy[name], args)
            if isinstance(want, type):
                assert got is want and got_warned == want_warned, (name, args)
                continue
            assert [type(g) for g in _leaves(got)] == [type(w) for w in _leaves(want)]
            if _logs_math(f, args[0]):
                assert {c for c, _ in got_warned} == {c for c, _ in want_warned}, (name, args)
                np.testing.assert_allclose(np.array(_leaves(got)), np.array(_leaves(want)),
                                           rtol=1e-13, atol=0, equal_nan=True)
            else:
                assert got_warned == want_warned, (name, args, got_warned, want_warned)
                assert [np.float64(g).tobytes() for g in _leaves(got)] == \
                    [np.float64(w).tobytes() for w in _leaves(want)], (name, args, got, want)


def test_use_math_says_whether_it_rewrote():
    """(It returned False after rewriting: the optimizer's analyses were kept for a tree
    that had changed.)"""
    fn = ast.parse("def f(x):\n    return float(np.cos(x) + np.exp(x))").body[0]
    py = fast_scalars.Kind(0, "f", True)
    assert fast_scalars.use_math(fn, _namespace(), {"x": py}) is True
    assert "math.cos(x)" in ast.unparse(fn)
    fn = ast.parse("def f(x):\n    return np.cos(x)").body[0]
    assert fast_scalars.use_math(fn, _namespace(), {"x": py}) is False
