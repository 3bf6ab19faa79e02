"""Every error astgrad raises on purpose: its class, the user's file:line, the fix."""
import importlib.util
import sys

import numpy as np
import pytest

import astgrad as ag
from astgrad import errors

HERE = __file__


def line_of(fn, text):
    import inspect
    lines, first = inspect.getsourcelines(fn)
    return first + next(i for i, line in enumerate(lines) if text in line)


def raises(cls, fn, *args, match=None, line_text=None, wrt=0, transform=ag.grad):
    with pytest.raises(cls) as info:
        transform(fn, wrt=wrt)(*args)
    message = str(info.value)
    assert isinstance(info.value, ag.AstgradError)
    if line_text is not None:
        assert f"{HERE}:{line_of(fn, line_text)}" in message, message
    if match is not None:
        assert match in message, message
    return message


def test_grad_of_a_vector_output_points_to_vjp():
    def f(x):
        return np.sin(x)
    message = raises(errors.NonScalarOutputError, f, np.ones(3), line_text="return np.sin")
    assert "ag.vjp" in message


def test_grad_of_a_tuple_output():
    def f(a):
        return a, a * 2
    raises(errors.NonScalarOutputError, f, 1.0, match="returns a tuple")


def test_grad_of_an_output_whose_shape_is_known_only_at_run_time():
    def f(x, shape):
        return np.reshape(x, shape)
    raises(errors.NonScalarOutputError, f, np.ones(4), (2, 2), line_text="return np.reshape",
           match="shape (2, 2)")


def test_pullback_seed_of_the_wrong_shape():
    def f(x):
        return x * 2.0
    _, pullback = ag.vjp(f)(np.ones(3))
    with pytest.raises(errors.SeedShapeError) as info:
        pullback(np.ones(4))
    assert f"{HERE}:{line_of(f, 'return x * 2.0')}" in str(info.value)
    assert "(4,)" in str(info.value) and "(3,)" in str(info.value)


def _with(x):
    with open(__file__):
        y = x
    return y


def _yield(x):
    yield x


def _global(x):
    global _G
    _G = x
    return x


def _loop_else(x):
    for i in range(3):
        x = x * 2
    else:
        x = x + 1
    return x


def _star_args(*xs):
    return xs[0]


@pytest.mark.parametrize("fn, text, construct", [
    (_with, "with open", "`with open(__file__):` is not supported"),
    (_yield, "yield x", "`yield`"),
    (_global, "_G = x", "assigning `_G`, declared `global`"),
    (_loop_else, "for i in", "`else` after a loop"),
])
def test_unsupported_constructs_name_the_line_and_construct(fn, text, construct):
    message = raises(errors.UnsupportedSyntaxError, fn, 0.5, line_text=text)
    assert construct in message


EXCEPT_STAR = """
def with_except_star(x):
    try:
        y = x
    except* ValueError:
        y = x
    return y
"""


@pytest.mark.skipif(sys.version_info < (3, 11), reason="`except*` is Python 3.11+ syntax")
def test_except_star_names_the_line_and_construct(tmp_path):
    path = tmp_path / "except_star.py"          # (a module of its own: 3.10 cannot parse it)
    path.write_text(EXCEPT_STAR)
    spec = importlib.util.spec_from_file_location("except_star", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with pytest.raises(errors.UnsupportedSyntaxError) as info:
        ag.grad(module.with_except_star)(0.5)
    assert f"{path}:3" in str(info.value) and "`try`/`except*`" in str(info.value)


def test_star_args_are_differentiated():
    # once refused; now compiled per way it is called (tests/test_language_functions.py)
    assert ag.grad(_star_args)(2.0, 3.0) == 1.0
    assert ag.grad(_star_args, wrt=1)(2.0, 3.0) == 0.0


def test_a_call_with_no_rule_names_the_callee():
    def f(A):
        return np.sum(np.polyfit(A[0], A[1], 1))
    message = raises(errors.NoRuleError, f, np.eye(2) + 0.5, line_text="np.polyfit",
                     match="np.polyfit")
    assert "ag.defvjp" in message


def _by_eval(x):
    return eval("x ** 2")               # x ** 2: its derivative was silently 0.0


def _by_exec(x):
    names = {"x": x}
    exec("y = x ** 2", names)
    return names["y"]


def _by_locals(x):
    return locals()["x"] ** 2


def _by_vars(x):
    return np.sum(vars()["x"] * 3.0)


@pytest.mark.parametrize("fn, text, fix", [
    (_by_eval, "eval(\"x", "Write the expression itself"),
    (_by_exec, "exec(\"y", "Write the statements themselves"),
    (_by_locals, "locals()", "Read the variable itself"),
    (_by_vars, "vars()", "Read the variable or attribute itself")])
def test_code_in_a_string_or_variables_read_by_name_are_refused(fn, text, fix):
    """What `eval`, `exec`, `locals()` and `vars()` give depends on the arguments in a way the
    compiler cannot see: refused, not a derivative of 0."""
    assert fn(2.0) == pytest.approx(4.0 if fn is not _by_vars else 6.0)
    message = raises(errors.NoRuleError, fn, 2.0, line_text=text, match=fix)
    assert "astgrad cannot" in message and "ag.defvjp" not in message


class _Holder:
    pass


_HELD = _Holder()


def _by_setattr(x):
    setattr(_HELD, "w", x ** 2)
    return _HELD.w * 3.0                # its derivative was silently 0.0


def _by_attribute(x):
    _HELD.v = x ** 2
    return _HELD.v * 3.0


def test_attributes_set_inside_the_function_are_refused():
    message = raises(errors.NoRuleError, _by_setattr, 2.0, line_text="setattr(_HELD",
                     match="`setattr`: sets an attribute by name")
    assert "ag.defvjp" not in message
    raises(errors.UnsupportedSyntaxError, _by_attribute, 2.0, line_text="_HELD.v = x",
           match="assigning the attribute `.v` of `_HELD` is not supported")


def _copyto(x):
    buf = np.zeros(3)
    np.copyto(buf, x ** 2)
    return np.sum(buf * 3.0)


def _fill_diagonal(x):
    A = np.zeros((3, 3))
    np.fill_diagonal(A, x ** 2)
    return np.sum(A * 3.0)


def _putmask(x):
    buf = np.zeros(3)
    np.putmask(buf, x > 0.0, x ** 2)
    return np.sum(buf)


def _as_the_fixes_say(x):
    buf = np.zeros(3)
    buf[...] = x ** 2
    A = np.zeros((3, 3))
    i = np.arange(3)
    A[i, i] = x ** 2
    c = np.zeros(3)
    c[x > 0.0] = (x ** 2)[x > 0.0]
    return np.sum(buf * 3.0) + np.sum(A * 3.0) + np.sum(c)


def _on_a_constant(x):
    M = np.ones((3, 3))
    np.fill_diagonal(M, 0.0)           # nothing varies: runs as it is
    return np.sum(M @ x)


@pytest.mark.parametrize("fn, text, fix", [
    (_copyto, "np.copyto(buf", "`dst[...] = src`"),
    (_fill_diagonal, "np.fill_diagonal(A", "`i = np.arange(n); A[i, i] = v`"),
    (_putmask, "np.putmask(buf", "`a[mask] = v[mask]`")])
def test_numpy_functions_writing_in_place_say_what_to_write(fn, text, fix):
    message = raises(errors.NoRuleError, fn, np.array([0.5, -1.0, 2.0]), line_text=text,
                     match="writes a value into an array in place")
    assert fix in message and "ag.defvjp" not in message


def test_what_the_in_place_fixes_suggest_is_differentiated():
    x = np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(ag.grad(_as_the_fixes_say)(x),
                               12.0 * x + np.where(x > 0.0, 2.0 * x, 0.0), rtol=1e-12)
    np.testing.assert_allclose(ag.grad(_on_a_constant)(x), [2.0, 2.0, 2.0], rtol=1e-12)


def _through_json(x):
    import json
    text = json.dumps(x.tolist())
    return np.sum(np.array(json.loads(text)) ** 2)     # its derivative was silently 0


def _through_bytes(x):
    raw = x.tobytes()
    return np.sum(np.frombuffer(raw) ** 2)


def _labelled(x):
    label = str(np.round(x, 2))          # runs as is: read only by print
    print(label, end="")
    return np.sum(x ** 2)


@pytest.mark.parametrize("fn, text", [(_through_json, "x.tolist()"),
                                      (_through_bytes, "x.tobytes()")])
def test_a_value_that_varies_through_calls_with_no_rule_is_refused(fn, text):
    """A call with no rule runs as is where nothing varies reaches the output through it;
    through a chain of such calls (`tolist`, `json.dumps`, `json.loads`) the first one is
    refused, not the whole chain taken as a constant."""
    raises(errors.AstgradError, fn, np.array([0.5, -1.0, 2.0]), line_text=text)


def test_a_call_with_no_rule_read_only_by_print_still_runs(capsys):
    x = np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(ag.grad(_labelled)(x), 2 * x)
    _, tangent = ag.jvp(_labelled)(x, np.ones(3))
    assert tangent == pytest.approx(2 * np.sum(x))


def test_a_ufunc_method_is_named_in_full_with_the_function_to_use():
    # It was "`reduce` has no derivative rule ... ag.defvjp(reduce, ...)": a name the user
    # did not write, and a registration that cannot match (each access makes a new method).
    def f(x):
        return np.logaddexp.reduce(x)
    message = raises(errors.NoRuleError, f, np.arange(3.0), line_text="np.logaddexp.reduce",
                     match="`np.logaddexp.reduce` (a method of the ufunc `np.logaddexp`)")
    assert "scipy.special.logsumexp(x, axis=0)" in message and "ag.defvjp" not in message

    def g(x):
        return np.sum(np.add.accumulate(x) ** 2)
    raises(errors.NoRuleError, g, np.arange(3.0), match="`np.add.accumulate`")


def test_a_field_of_a_config_object_argument_says_what_to_write():
    # A namedtuple's fields are read by name (tests/test_records.py); a config object's
    # attributes are not.
    from collections import namedtuple
    from types import SimpleNamespace
    Params = namedtuple("Params", ["W", "b"])

    def f(params, x, cfg):
        y = np.sum((params.W @ x + params.b) ** 2)
        return y * cfg.l2
    message = raises(errors.UnsupportedSyntaxError, f, Params(np.eye(2), 0.5), np.ones(2),
                     SimpleNamespace(l2=0.1), line_text="y * cfg.l2",
                     match="attribute `.l2` of `cfg`")
    assert "`cfg[\"l2\"]`" in message and "namedtuple or dataclass instance" in message

    def g(x):
        return np.sum(x.flat)              # an array's attribute: the general message
    raises(errors.UnsupportedSyntaxError, g, np.ones(2), match="attribute `.flat` of a value")


def test_a_dict_or_list_method_with_no_rule_says_what_to_write():
    # It said "Call the NumPy function instead (np.insert(x, ...))" for a list.
    # (`insert` has a form now: `remove`, which compares values, is refused)
    def f(x):
        xs = [x[0], x[1]]
        xs.remove(xs[0])
        return xs[0] * x[2]
    message = raises(errors.UnsupportedSyntaxError, f, np.array([0.7, -0.3, 2.0]),
                     line_text="xs.remove", match="method `.remove()`")
    assert "`del xs[i]`" in message and "np.remove" not in message

    def g(p):                           # `update` and `get` of a dict have forms now
        q = {**p}
        q.update({"b": p["a"] * 2})
        return q.get("c", 1.0) * q["a"] * q["b"]
    assert ag.grad(g)({"a": 0.7, "b": -0.3})["a"] == pytest.approx(4 * 0.7, rel=1e-14)


def test_a_primitive_without_rules():
    @ag.primitive
    def opaque(x):
        return x

    def f(x):
        return opaque(x)
    raises(errors.NoRuleError, f, 1.0, match="has no derivative rule")


def test_an_undefined_name():
    def f(x):
        return x * not_defined_anywhere  # noqa: F821
    raises(errors.UndefinedNameError, f, 1.0, match="not_defined_anywhere")


def test_in_place_update_of_an_array_another_name_may_hold_is_refused():
    def f(x, c):
        y = x * 1.0
        z = x
        if c > 0.0:
            z = y                               # `z` is `y` on one path only
        y += 1.0
        return np.sum(z * y)
    raises(errors.InPlaceError, f, np.ones(3), 1.0, line_text="y += 1.0", match="`z`")


def test_in_place_update_without_aliases_is_fine():
    def f(x):
        y = x * 1.0
        y += 1.0
        return np.sum(y * y)
    np.testing.assert_allclose(ag.grad(f)(np.ones(3)), np.full(3, 4.0))


@pytest.mark.parametrize("wrt, text", [(4, "out of range"), (-5, "out of range"),
                                       ("z", "not an argument"), (1.5, "position"),
                                       ((0, 0), "twice"), ((), "no argument")])
def test_bad_wrt(wrt, text):
    def f(x, y):
        return x * y
    with pytest.raises(errors.WrtError, match=text):
        ag.grad(f, wrt=wrt)


def test_integer_and_boolean_arguments_cannot_be_differentiated():
    def f(x):
        return x * 2
    with pytest.raises(errors.WrtError, match="integer"):
        ag.grad(f)(3)
    with pytest.raises(errors.WrtError, match="integer"):
        ag.grad(f)(np.arange(3))
    with pytest.raises(errors.WrtError, match="boolean"):
        ag.grad(f)(True)


def test_source_that_cannot_be_read():
    namespace = {}
    text = "".join(["def f(x):\n", "    return x * 2\n"])   # a string no frame keeps
    exec(text, namespace)
    del text
    with pytest.raises(errors.SourceError, match="cannot read the source"):
        ag.grad(namespace["f"])


def test_not_a_function():
    with pytest.raises(ag.AstgradError):
        ag.grad(3)
    with pytest.raises(errors.SourceError):
        ag.grad(np.spacing)


def test_source_of_something_else():
    with pytest.raises(ag.AstgradError, match="not made by an astgrad transform"):
        ag.source(len)


def applied_lambda(x):
    return np.sum(np.apply_along_axis(lambda v: v ** 2, 0, x))


def piecewise_of_a_reduction(x):
    return np.sum(np.piecewise(x, [x < 0], [lambda v: v - np.mean(v), 1.0]))


def test_a_lambda_passed_to_a_library_function_is_refused_at_transform_time():
    raises(errors.UnsupportedSyntaxError, applied_lambda, np.array([-1.0, 2.0]),
           match="lambda or nested `def`", line_text="np.apply_along_axis(")
    # np.piecewise takes elementwise ones (written as np.where), and refuses the others
    raises(errors.UnsupportedSyntaxError, piecewise_of_a_reduction, np.array([-1.0, 2.0]),
           match="elementwise", line_text="np.piecewise(x")


def sum_over_a_list_of_functions(x):
    def a(z):
        return z * 2.0

    def b(z):
        return np.sin(z)
    fs = [a, b]
    s = 0.0
    for f in fs:
        s = s + f(x)
    return s / len(fs)


def test_len_of_a_list_of_nested_functions():
    assert ag.grad(sum_over_a_list_of_functions)(0.7) == pytest.approx((2 + np.cos(0.7)) / 2)
    ag.check_grads(sum_over_a_list_of_functions, (0.7,), order=2)


# ---- issue 10: functions that return functions or strings, and the grammar of refusals ------
def _make(k):
    def f(x):
        return np.sum(k * np.sin(x))
    return f


def _make_lambda(k):
    return lambda x: k * x


def test_a_function_returning_a_function_is_refused_at_transform_time():
    for factory in (_make, _make_lambda):
        with pytest.raises(errors.UnsupportedSyntaxError,
                           match=rf"(?s)test_errors.py:\d+: `{factory.__name__}` returns a "
                                 rf"function.*ag.grad\({factory.__name__}\(1.0\)\)"):
            ag.grad(factory)(1.0)
    x = np.array([0.2, 0.5])
    np.testing.assert_allclose(ag.grad(_make(2.0))(x), 2.0 * np.cos(x))


def test_grad_of_a_function_returning_a_string_is_refused():
    def f(x):
        return "abc"
    with pytest.raises(errors.NonScalarOutputError, match="returned str 'abc'"):
        ag.grad(f)(1.0)


def _starred(x):
    idx = (0,)                         # `[*x, *x]`, `a, *rest = x` are supported
    return x[(*idx,)]


def _set_literal(x):
    seen = {x, 2.0}
    return len(seen) * x


def _generator(x):
    def gen():
        yield x
    return np.sum(x)


@pytest.mark.parametrize("f, message", [
    (_starred, r"(?s)test_errors.py:\d+: `\*` unpacking is not supported.*A\[tuple\(idx\)\]"),
    (_set_literal, r"(?s)test_errors.py:\d+: set literals are not supported.*list or a tuple"),
    (_generator, r"(?s)test_errors.py:\d+: `yield` is not supported.*append"),
])
def test_refusals_read_as_sentences_and_say_what_to_do(f, message):
    with pytest.raises(errors.UnsupportedSyntaxError, match=message):
        ag.grad(f)(np.array([1.0, 2.0]))


# -- a helper written in another file ------------------------------------------------------
_HELPERS = '''import numpy as np
import scipy.linalg


def helper(x):
    y = np.sin(x)
    return y * x


def root(A):
    B = scipy.linalg.sqrtm(A, disp=False)
    return B
'''


def _module(tmp_path, name, text):
    import importlib.util
    path = tmp_path / f"{name}.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_helper_from_another_file_is_commented_and_located_at_its_call(tmp_path):
    # Inlined, its statements carried its own file's line numbers: the comments showed
    # this file's text at those numbers, and a refusal named this file at the helper's line.
    helpers = _module(tmp_path, "ag_helpers_elsewhere", _HELPERS)
    helper, root = helpers.helper, helpers.root
    pytest.importorskip("scipy")
    def f(x):
        z = helper(x) + 1.0
        return z * 2.0

    df, line = ag.grad(f), f.__code__.co_firstlineno
    assert df(0.7) == pytest.approx(2.0 * (np.sin(0.7) + 0.7 * np.cos(0.7)))
    comments = [s.strip() for s in ag.source(df).splitlines() if s.strip().startswith("# line")]
    assert comments[0] == f"# line {line + 1}: z = helper(x) + 1.0"
    assert set(comments) <= {f"# line {line + 1}{s}: z = helper(x) + 1.0" for s in ("", ", reverse")
                             } | {f"# line {line + 2}{s}: return z * 2.0" for s in ("", ", reverse")}

    def g(A):
        return np.sum(root(A)[0])

    with pytest.raises(errors.NoRuleError, match="disp=False") as info:
        ag.grad(g)(np.eye(2))
    assert f"{__file__}:{g.__code__.co_firstlineno + 1}:" in str(info.value)
