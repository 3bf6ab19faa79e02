"""Reuse instead of recompute, and scalar seeds (issue 13): a value the forward sweep
computes is read back in the reverse sweep rather than computed again, a value repeated
across rules is computed once into a name (`optimize/common.py`), and the adjoint of a
reduction stays a number where every array it meets has the shape already
(`optimize/seeds.py`). Each trap where sharing would be wrong (a write in place between
two occurrences, a rebinding, a loop, a branch, randomness, a value the caller gets
back) has its test: the code keeps both computations and the derivatives are right."""
from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import astgrad as ag


def source_of(transform, *args) -> str:
    """The generated code after one call, without its comments (they quote the user)."""
    transform(*args)
    return code(ag.source(transform))


def code(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.strip().startswith("#"))


def count(text: str, call: str) -> int:
    return len(re.findall(re.escape(call) + r"(?!\w)", text))


# -- the workloads ----------------------------------------------------------------
def sin_exp(x):
    return np.sum(np.sin(x) * np.exp(-x ** 2) + x * np.cos(x))


def mean_square(x):
    return np.mean(3 * (x + 2) * (x + 2))


def trig(a):
    return np.sin(a) * np.cos(a) + np.tan(a)


X = np.array([0.3, -1.2, 2.0, 0.7])


def test_sin_and_cos_are_computed_once_and_the_seed_is_a_number():
    text = source_of(ag.grad(sin_exp), X)
    assert count(text, "np.sin(x)") == 1 and count(text, "np.cos(x)") == 1
    assert count(text, "np.exp(") == 1
    assert "broadcast_to" not in text and "1.0 *" not in text
    assert "sin_x = np.sin(x)" in text and "cos_x = np.cos(x)" in text
    x = X
    s, c, e = np.sin(x), np.cos(x), np.exp(-x ** 2)
    np.testing.assert_allclose(ag.grad(sin_exp)(x), c - x * s - 2 * x * s * e + e * c,
                               rtol=1e-13)


def test_sin_exp_first_and_second_order_against_differences():
    ag.check_grads(sin_exp, (X,), order=2)
    ag.check_grads(sin_exp, (np.float64(0.4) * X[:3],), order=2)


def test_the_pullback_reads_what_the_forward_sweep_kept():
    text = source_of(ag.vjp(sin_exp_values), X)
    assert count(text, "np.sin(x)") == 1 and count(text, "np.cos(x)") == 1
    value, pullback = ag.vjp(sin_exp_values)(X)
    np.testing.assert_allclose(pullback(np.ones(4)), ag.elementwise_grad(sin_exp_values)(X))
    ag.check_grads(sin_exp_values, (X,), order=2)


def sin_exp_values(x):
    return np.sin(x) * np.exp(-x ** 2) + x * np.cos(x)


def test_a_mean_seed_stays_a_number_and_x_plus_2_is_computed_once():
    A = np.array([[0.5, -1.0], [2.0, 0.25]])
    text = source_of(ag.grad(mean_square), A)
    assert "broadcast_to" not in text and count(text, "x + 2") == 1
    assert "1.0 / x.size" in text
    g = ag.grad(mean_square)(A)
    assert g.shape == A.shape and g.dtype == A.dtype
    np.testing.assert_allclose(g, 6 * (A + 2) / A.size, rtol=1e-14)
    ag.check_grads(mean_square, (A,), order=2)


def test_the_second_derivative_of_a_mean_of_a_float_is_a_number():
    d2 = ag.grad(ag.grad(mean_square))
    assert d2(1.5) == 6.0 and type(d2(1.5)) is float
    text = code(ag.source(d2))
    assert "np.size" not in text and "np." not in text.split("def ")[1]
    ag.check_grads(ag.grad(mean_square), (1.5,), order=2)


def test_a_float32_gradient_through_a_number_seed_stays_float32():
    x = X.astype(np.float32)
    for f in (sin_exp, mean_square):
        g = ag.grad(f)(x)
        assert g.dtype == np.float32 and g.shape == x.shape


def test_scalar_code_shares_calls_too():
    text = source_of(ag.grad(trig), 0.7)
    assert count(text, "np.sin(a)") == 1 and count(text, "np.cos(a)") == 1
    ag.check_grads(trig, (0.7,), order=2)


def test_a_seed_returned_as_the_gradient_is_a_fresh_array():
    def total(x):
        return np.sum(x)
    g = ag.grad(total)(X)
    g[0] = 5.0                                   # writable, the caller's own
    np.testing.assert_array_equal(ag.grad(total)(X), np.ones(4))


# -- traps: where sharing would be wrong --------------------------------------------------
def write_between(x):
    y = x * 1.0
    a = np.sum(np.sin(y))
    y[0] = 2.0
    b = np.sum(np.sin(y))
    return a * b


def test_a_write_in_place_between_two_occurrences_keeps_both():
    text = source_of(ag.grad(write_between), X)
    assert count(text, "np.sin(y)") == 2 and count(text, "np.cos(y)") == 2
    ag.check_grads(write_between, (X,), order=2)


def rebinding(x):
    a = np.sum(np.sin(x))
    x = x * 2.0
    return a * np.sum(np.sin(x))


def test_a_name_rebound_between_two_occurrences_is_two_values():
    ag.check_grads(rebinding, (X,), order=2)


def augmented(x):
    y = x * 1.0
    a = np.sum(np.cos(y))
    y += 1.0
    return a * np.sum(np.cos(y))


def test_an_augmented_assignment_between_two_occurrences():
    ag.check_grads(augmented, (X,), order=2)


def looped(x):
    y = x
    for i in range(3):
        y = np.sin(y) * np.cos(y)
    return np.sum(np.sin(y) + np.sin(x) * np.cos(x))


def test_values_a_loop_overwrites_are_not_shared_across_iterations():
    text = source_of(ag.grad(looped), X)
    body = text.split("for i in reversed")[1]
    assert count(body, "np.sin(y)") == 1 and count(body, "np.cos(y)") == 1
    assert count(text, "np.sin(x)") == 1 and count(text, "np.cos(x)") == 1
    ag.check_grads(looped, (X,), order=2)


def branched(x, a):
    if a > 0:
        y = np.sin(x)
    else:
        y = np.cos(x)
    return np.sum(y * np.sin(x) + np.cos(x))


@pytest.mark.parametrize("a", [1.0, -1.0])
def test_a_value_computed_in_one_branch_is_not_read_after_it(a):
    text = source_of(ag.grad(branched), X, a)
    forward_branch = text.split("if _1:")[1].split("else:")[0]
    assert "np.sin(x)" in forward_branch         # computed where the user computed it
    ag.check_grads(branched, (X, a), order=2)


def random_twice(x):
    rng = np.random.default_rng(0)
    e1 = rng.standard_normal(x.shape)
    e2 = rng.standard_normal(x.shape)
    return np.sum(x * e1 + x * x * e2)


def global_random_twice(x):
    e1 = np.random.normal(size=x.shape)
    e2 = np.random.normal(size=x.shape)
    return np.sum(x * e1 + x * e2)


def test_random_draws_are_never_merged():
    text = source_of(ag.grad(random_twice), X)
    assert count(text, "rng.standard_normal(x.shape)") == 2
    ag.check_grads(random_twice, (X,), order=2)
    text = source_of(ag.grad(global_random_twice), X)
    assert count(text, "np.random.normal(size=x.shape)") == 2
    np.random.seed(3)
    e = np.random.normal(size=4) + np.random.normal(size=4)
    np.random.seed(3)
    np.testing.assert_allclose(ag.grad(global_random_twice)(X), e)


def pair(x):
    s = np.sin(x)
    c = np.cos(x)
    return s, c


def test_a_value_the_caller_gets_back_is_not_what_the_pullback_reads():
    text = source_of(ag.vjp(pair), X)
    assert count(text.split("def pullback")[1], "np.sin(x)") == 1
    (s, c), pullback = ag.vjp(pair)(X)
    s[...] = 0.0
    c[...] = 0.0                                 # the caller writes into what it got back
    seeds = (np.ones(4), np.ones(4))
    np.testing.assert_allclose(pullback(seeds), np.cos(X) - np.sin(X), rtol=1e-14)


def write_into_a_copy(x):
    z = np.sin(x) * 1.0
    w = np.sin(x) * 1.0
    w[1] = 0.5
    return np.sum(z * w) + np.sum(np.sin(x) * 1.0)


def test_a_value_written_into_stays_a_copy_of_the_shared_one():
    text = source_of(ag.grad(write_into_a_copy), X)
    assert "w = np.copy(sin_x)" in text            # a new array: writing into it is safe
    s, c = np.sin(X), np.cos(X)
    w, dw = s.copy(), c.copy()
    w[1], dw[1] = 0.5, 0.0
    np.testing.assert_allclose(ag.grad(write_into_a_copy)(X), c * w + s * dw + c,
                               rtol=1e-14)
    ag.check_grads(write_into_a_copy, (X,), order=2)


def list_of_values(x):
    ys = []
    for i in range(2):
        ys.append(np.sin(x) * (i + 1.0))
    return np.sum(ys[0] * ys[1]) + np.sum(np.sin(x))


def test_values_appended_to_a_list_in_a_loop():
    ag.check_grads(list_of_values, (X,), order=2)


# -- a gradient is the caller's own array: never one of its arguments ---------------------
def weighted(x, y):
    return np.sum(x * y)


def dotted(x, y):
    return np.dot(x, y)


def transposed(A, B):
    return np.sum(np.transpose(A) * B)


@pytest.mark.parametrize("f", [weighted, dotted, transposed])
def test_writing_into_a_gradient_leaves_the_arguments_alone(f):
    a, b = (np.arange(4.0).reshape(2, 2) + 1, np.arange(4.0).reshape(2, 2) - 1) \
        if f is transposed else (X.copy(), X[::-1].copy())
    keep = a.copy(), b.copy()
    grads = ag.grad(f, wrt=(0, 1))(a, b)
    for g in grads:
        g[...] = 7.0                             # the caller updates its gradient in place
    np.testing.assert_array_equal(a, keep[0])
    np.testing.assert_array_equal(b, keep[1])
    np.testing.assert_array_equal(ag.grad(f, wrt=(0, 1))(a, b)[0],
                                  b.T if f is transposed else b)


def scaled(x):
    return x * 1.0


def test_a_pullback_gives_a_new_array_each_call():
    value, pullback = ag.vjp(scaled)(X)
    seed = np.ones(4)
    first = pullback(seed)
    first[...] = 5.0
    np.testing.assert_array_equal(seed, np.ones(4))
    np.testing.assert_array_equal(pullback(seed), np.ones(4))


# -- long and deep code: generated in time, values shared ----------------------------------
def test_the_sixth_derivative_of_tanh_is_short_and_right():
    g = tanh
    for _ in range(6):
        g = ag.grad(g)
    t, p = np.tanh(0.3), np.polynomial.Polynomial([0.0, 1.0])       # tanh as p(t)
    for _ in range(6):
        p = p.deriv() * np.polynomial.Polynomial([1.0, 0.0, -1.0])  # d/dx p(t) = p'(t)(1 - t^2)
    np.testing.assert_allclose(g(0.3), p(t), rtol=1e-12)
    assert len(code(ag.source(g)).splitlines()) < 300


def tanh(x):
    return np.tanh(x)


def test_a_chain_of_squares_is_value_numbered_without_blowing_up():
    n = 40
    text = "def squares(x):\n    y = x\n" + \
        "    y = np.tanh(y * y) + y * np.cos(x)\n" * n + "    return np.sum(y)\n"
    f = _compiled(text, "squares")
    x = np.array([0.3, -0.4, 0.2])
    body = source_of(ag.grad(f), x)
    assert count(body, "np.cos(x)") == 1
    h = 1e-6
    numeric = [(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(3)]
    np.testing.assert_allclose(ag.grad(f)(x), numeric, rtol=1e-6)


def _compiled(text: str, name: str):
    """A function from `text`, under a file name `linecache` knows (astgrad reads it)."""
    import linecache
    filename = f"<test_reuse {name}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    namespace = {"np": np}
    exec(compile(text, filename, "exec"), namespace)
    return namespace[name]


# -- the generated code is the same text run to run ----------------------------------------
_PROGRAM = textwrap.dedent("""
    import numpy as np
    import astgrad as ag
    from tests.test_reuse import sin_exp, mean_square, looped, branched, pair
    x = np.array([0.3, -1.2, 2.0, 0.7])
    for t, args in [(ag.grad(sin_exp), (x,)), (ag.grad(ag.grad(mean_square)), (1.5,)),
                    (ag.grad(looped), (x,)), (ag.grad(branched), (x, 1.0)),
                    (ag.vjp(pair), (x,)), (ag.grad(mean_square), (x,))]:
        t(*args)
        print(ag.source(t))
""")


def test_the_same_input_gives_byte_identical_code_under_any_hash_seed():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    texts = []
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=root)
        texts.append(subprocess.run([sys.executable, "-c", _PROGRAM], cwd=root, env=env,
                                    capture_output=True, text=True, check=True).stdout)
    assert texts[0] == texts[1] and "sin_x" in texts[0]


# -- the passes on their own: a short source in, the expected source out, same values -------
from astgrad.transform import resolve  # noqa: E402
from astgrad.transform.kinds import Kind  # noqa: E402
from astgrad.transform.optimize import analyses, common, seeds, zeros  # noqa: E402
from tests.test_passes import _rewritten, _simplify  # noqa: E402

_V = Kind(1, "f", False, 8)


def _with_facts(rewrite, kinds, shapes, *extra):
    """`rewrite` run to a fixed point, on facts made afresh each time, as `optimize` does."""
    ns = resolve.Namespace(None, set())

    def run(fn):
        changed = False
        while rewrite(fn, analyses.facts(fn, ns, kinds, shapes), *extra):
            changed = True
        return changed
    return run


def test_scalar_seeds_keep_the_number_where_every_read_meets_the_shape():
    text = ("def f(x):\n    b = np.broadcast_to(1.5, x.shape)\n    y = b * np.sin(x)\n"
            "    z = x * b\n    return y + z")
    rewrite = _with_facts(seeds.scalar_seeds, {"x": _V}, {"x": "x"})
    assert _rewritten(text, rewrite, X)[0] == "b = 1.5"
    for use in ("return b", "return b * 2.0", "return np.dot(b, x)"):   # the shape is needed
        fn = ast.parse(text.replace("return y + z", use)).body[0]
        assert not rewrite(fn)


def test_common_values_are_computed_once_into_a_readable_name():
    text = ("def f(x):\n    a = np.sin(x) * 2.0\n    b = np.cos(x) + np.sin(x)\n"
            "    return a * np.cos(x) + b")
    ns = resolve.Namespace(None, set())
    rewrite = _with_facts(common.share_common, {"x": _V}, {}, ns, set(), {})
    assert _rewritten(text, rewrite, X) == [
        "sin_x = np.sin(x)", "a = sin_x * 2.0", "cos_x = np.cos(x)", "b = cos_x + sin_x",
        "return a * cos_x + b"]


def test_common_reads_a_made_up_name_that_holds_the_value_and_renames_it():
    text = "def f(x):\n    _1 = np.sin(x)\n    y = _1 * x\n    return y + np.sin(x)"
    ns = resolve.Namespace(None, set())
    temps = {"_1"}
    rewrite = _with_facts(common.share_common, {"x": _V}, {}, ns, temps, {})
    assert _rewritten(text, rewrite, X) == ["sin_x = np.sin(x)", "y = sin_x * x",
                                            "return y + sin_x"]
    assert "sin_x" in temps


@pytest.mark.parametrize("text", [
    "def f(x):\n    a = np.sin(x) * 2.0\n    x[0] = 1.0\n    return a + np.sin(x)",
    "def f(x):\n    a = np.sin(x) * 2.0\n    x += 1.0\n    return a + np.sin(x)",
    "def f(x):\n    a = np.sin(x) * 2.0\n    for i in range(2):\n        x = x * 2.0\n"
    "    return a + np.sin(x)",
    "def f(x):\n    a = np.random.rand(2) * x\n    return a + np.random.rand(2) * x",
    "def f(x):\n    if x[0] > 0:\n        a = np.sin(x)\n    else:\n        a = x\n"
    "    return a * (np.cos(x) if x[1] > 0 else np.cos(x) * 2.0)",
])
def test_common_leaves_values_that_may_differ_or_only_some_runs_compute(text):
    ns = resolve.Namespace(None, set())
    fn = ast.parse(text).body[0]
    assert not common.share_common(fn, analyses.facts(fn, ns, {"x": _V}, {}), ns, set(), {})


def test_an_addition_of_a_negated_term_is_a_subtraction():
    text = "def f(a, x):\n    b = a + -x * a / 2.0\n    c = b - -a\n    return c"
    lines = _rewritten(text, _simplify({"a": _V, "x": _V}), X, X[::-1].copy())
    assert lines[:2] == ["b = a - x * a / 2.0", "c = b + a"]


def test_an_addition_to_a_known_number_reads_the_number():
    text = "def f(g):\n    b = 3.0\n    b = b + g\n    return b"
    assert _rewritten(text, zeros.known_zeros, 1.5)[1] == "b = 3.0 + g"
    text = "def f(g):\n    b = 3.0\n    if g > 0:\n        b = 2.0\n    b = b + g\n    return b"
    assert not zeros.known_zeros(ast.parse(text).body[0])
