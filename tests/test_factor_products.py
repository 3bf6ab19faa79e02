"""Products shared and factored in an adjoint's terms (issue 13, `optimize/products.py`):
the code it writes for functions of this file, their derivatives against central
differences in reverse mode and at second order (grad of grad, hvp), with broadcasting,
integer and complex inputs; and, on generated-code-like functions, the rewrites it must
not make (a name read or rebound between the terms, an in-place change, `@`, kinds not
known, integers, two precisions)."""
from __future__ import annotations

import ast
import tracemalloc

import numpy as np
import pytest

import astgrad as ag
from astgrad.transform import resolve, source
from astgrad.transform.kinds import Kind
from astgrad.transform.optimize import analyses, products

RNG = np.random.default_rng(13)
F64 = Kind(1, "f", False, 8, ones=(False,))


def _body(df) -> list[str]:
    lines = ag.source(df).split("def ", 1)[1].splitlines()[1:]
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def _array_passes(df) -> int:
    """Operations in the generated function's body (each a pass over an array here)."""
    tree = ast.parse(ag.source(df))
    fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef))
    return sum(isinstance(n, (ast.BinOp, ast.UnaryOp, ast.Call)) for s in fn.body
               for n in ast.walk(s))


def _central_hvp(f, args, v, h=1e-5):
    """H v by central differences of the gradient, Richardson-extrapolated."""
    g = ag.grad(f)

    def diff(step):
        up = (args[0] + step * v,) + tuple(args[1:])
        down = (args[0] - step * v,) + tuple(args[1:])
        return (g(*up) - g(*down)) / (2 * step)
    return (4 * diff(h / 2) - diff(h)) / 3


def _check(f, args, wrt=0):
    ag.check_grads(f, args, wrt=wrt, order=2)
    v = RNG.normal(size=np.shape(args[0]))
    np.testing.assert_allclose(ag.hvp(f)(*args, v), _central_hvp(f, args, v),
                               rtol=1e-6, atol=1e-8)


# -- what it writes -------------------------------------------------------------------------

def elementwise(x):
    return np.sum(np.sin(x) * np.exp(-x ** 2) + x * np.cos(x))


def test_elementwise_shares_x_sin_x_and_factors_the_exponential():
    x = np.linspace(-2.0, 2.0, 9)
    df = ag.grad(elementwise)
    g = df(x)
    lines = _body(df)
    assert lines[-3:] == ["x_sin_x = x * sin_x",
                          "bx = _4 * (cos_x - 2 * x_sin_x) + cos_x - x_sin_x", "return bx"]
    assert _array_passes(df) == 11                    # the hand-written gradient's count
    big = np.linspace(-2.0, 2.0, 100_000)
    df(big)
    tracemalloc.start()
    df(big)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 6.5 * big.nbytes          # sin, exp, cos, x sin x and two temporaries
    c, xs = np.cos(x), x * np.sin(x)
    np.testing.assert_allclose(g, np.exp(-x * x) * (c - 2 * xs) + c - xs, rtol=1e-14)
    _check(elementwise, (x,))
    _check(elementwise, (np.zeros(4),))               # sin 0 = 0: the shared product is 0


def scaled(x, y):
    return np.sum(y * np.sin(x) + y * x ** 2)


def test_two_terms_with_a_factor_in_common_meet_it_once():
    x, y = RNG.normal(size=6), RNG.normal(size=6)
    df = ag.grad(scaled)
    np.testing.assert_allclose(df(x, y), y * (np.cos(x) + 2 * x), rtol=1e-14)
    assert _body(df) == ["bx = y * (2 * x + np.cos(x))", "return bx"]
    _check(scaled, (x, y))
    ag.check_grads(scaled, (x, y), wrt=(0, 1), order=2)


def broadcast(x, y):
    return np.sum(np.sin(x) * y * np.exp(-x ** 2) + x * np.cos(x) * y)


def test_broadcasting_a_column_against_a_row():
    x, y = RNG.normal(size=(3, 1)), RNG.normal(size=4)
    df = ag.grad(broadcast)
    g = df(x, y)
    assert g.shape == (3, 1) and g.dtype == np.float64
    assert "bx = b8 * (cos_x - x * sin_x)" in _body(df)
    s = np.sum(y)
    hand = s * (np.cos(x) - x * np.sin(x)) \
        + s * np.exp(-x ** 2) * (np.cos(x) - 2 * x * np.sin(x))
    np.testing.assert_allclose(g, hand, rtol=1e-13)
    ag.check_grads(broadcast, (x, y), wrt=(0, 1), order=2)
    v = RNG.normal(size=(3, 1))
    np.testing.assert_allclose(ag.hvp(broadcast)(x, y, v), _central_hvp(broadcast, (x, y), v),
                               rtol=1e-6, atol=1e-8)


def complex_elementwise(z):
    return np.sum(np.real(np.sin(z) * np.exp(-z ** 2) + z * np.cos(z)))


def test_complex_input():
    z = RNG.normal(size=4) + 1j * RNG.normal(size=4)
    df = ag.grad(complex_elementwise)
    g = df(z)
    assert g.dtype == np.complex128
    assert "bz = _4 * (b9_cos_z - 2 * z_b9_sin_z) + b9_cos_z - z_b9_sin_z" in _body(df)
    c, e = np.cos(z), np.exp(-z ** 2)       # (docs/complex.md: Re f of a holomorphic f)
    np.testing.assert_allclose(g, e * (c - 2 * z * np.sin(z)) + c - z * np.sin(z),
                               rtol=1e-13)
    ag.check_grads(complex_elementwise, (z,), order=2)


def int_weights(x, n):
    return np.sum(n * np.sin(x) + n * x ** 2)


def int_times(x, k):
    return np.sum(k * np.sin(x) * x + k * x * np.cos(x))


def test_integer_inputs():
    x, n = RNG.normal(size=5), np.arange(5)
    df = ag.grad(int_weights)
    np.testing.assert_allclose(df(x, n), n * (np.cos(x) + 2 * x), rtol=1e-14)
    assert "bx = b3 * (2 * x + np.cos(x))" in _body(df)      # `b3 = n * 1.0`: floating
    _check(int_weights, (x, n))
    _check(int_times, (x, 3))
    np.testing.assert_allclose(ag.grad(int_times)(x, 3),
                               3 * (x * np.cos(x) + np.sin(x) + np.cos(x) - x * np.sin(x)),
                               rtol=1e-13)


# -- the pass on its own ---------------------------------------------------------------------

def _rewritten(fn, kinds: dict, adjoints: set):
    src = source.read(fn)
    tree, ns = resolve.resolve(src.tree, resolve.UserScope(fn), src.where)
    changed = products.factor_products(tree, analyses.facts(tree, ns, kinds, {}), adjoints,
                                       set())
    namespace = dict(ns.bound)
    exec(compile(ast.fix_missing_locations(ast.Module([tree], [])), "<test>", "exec"),
         namespace)
    return changed, [ast.unparse(s) for s in tree.body], namespace[fn.__name__]


def _unchanged(fn) -> list[str]:
    return [ast.unparse(s) for s in source.read(fn).tree.body]


def _same_values(made, fn, *shapes):
    args = [RNG.normal(size=s) for s in shapes]
    np.testing.assert_allclose(made(*args), fn(*args), rtol=1e-14)


def chain(x, y, f):
    bx = f * x
    bx = bx + f * y
    return bx


def chain_then_read(x, y, f):
    bx = f * x
    t = bx * 2.0
    bx = bx + y * f
    return bx + t


def test_a_chain_factored_and_not_over_a_read_of_its_adjoint():
    changed, lines, made = _rewritten(chain, dict.fromkeys("xyf", F64), {"bx"})
    assert changed and lines[:2] == ["bx = f * (x + y)", "return bx"]
    _same_values(made, chain, 5, 5, 5)
    changed, lines, made = _rewritten(chain_then_read, dict.fromkeys("xyf", F64), {"bx"})
    assert not changed and lines == _unchanged(chain_then_read)
    _same_values(made, chain_then_read, 5, 5, 5)


def column_row(x, y, f):
    bx = 0.0
    bx = bx + f * x
    bx = bx - y * f
    return bx


def test_broadcast_shapes_kept():
    col = Kind(2, "f", False, 8, ones=(False, True))
    changed, lines, made = _rewritten(column_row, {"x": col, "y": F64, "f": col}, {"bx"})
    assert changed and "bx = bx + f * (x - y)" in lines
    x, f, y = RNG.normal(size=(3, 1)), RNG.normal(size=(3, 1)), RNG.normal(size=4)
    assert made(x, y, f).shape == column_row(x, y, f).shape == (3, 4)
    np.testing.assert_allclose(made(x, y, f), column_row(x, y, f), rtol=1e-14)


def rebound_between(x, y, f):
    bx = f * x
    f = f + 1.0
    bx = bx + f * y
    return bx


def changed_in_place(x, y, f):
    bx = f * x
    f[0] = 3.0
    bx = bx + f * y
    return bx


def viewed_in_place(x, y, f):
    v = f[1:]
    bx = f * x
    v[0] = 3.0
    bx = bx + f * y
    return bx


def matmul(x, y, A, v):
    bx = x * 0.5
    bx = bx + A @ v * x
    bx = bx + A @ v * y
    return bx


@pytest.mark.parametrize("fn", [rebound_between, changed_in_place, viewed_in_place])
def test_nothing_moved_over_a_name_rebound_or_changed_in_place(fn):
    changed, lines, made = _rewritten(fn, dict.fromkeys("xyf", F64), {"bx"})
    assert not changed and lines == _unchanged(fn)
    args = [RNG.normal(size=5) for _ in range(3)]
    np.testing.assert_allclose(made(*[a.copy() for a in args]), fn(*[a.copy() for a in args]),
                               rtol=0)


def test_never_a_matrix_product():
    kinds = {"x": F64, "y": F64, "A": Kind(2, "f", False, 8, ones=(False, False)), "v": F64}
    changed, _, _ = _rewritten(matmul, kinds, {"bx"})
    assert not changed


@pytest.mark.parametrize("kinds", [
    {"x": F64, "y": F64},                                                 # f: not known
    {"x": F64, "y": F64, "f": Kind(1, "i", False, 8, ones=(False,))},     # an int array
    {"x": F64, "y": F64, "f": Kind(1, None, False, None, ones=(False,))},  # dtype not known
    {"x": F64, "y": Kind(1, "f", False, 4, ones=(False,)), "f": F64},     # two precisions
], ids=["unknown", "int array", "unknown dtype", "float32 and float64"])
def test_kinds_not_known_or_not_floating_decide_nothing(kinds):
    changed, _, _ = _rewritten(chain, kinds, {"bx"})
    assert not changed


def test_numpy_integer_numbers_are_not_reordered():
    kinds = {"x": F64, "y": F64, "f": Kind(0, "i", False, 8)}
    assert not _rewritten(chain, kinds, {"bx"})[0]


def test_not_an_adjoint():
    assert not _rewritten(chain, dict.fromkeys("xyf", F64), set())[0]


def shared(x, s, u):
    bx = x * s
    bu = 2.0 * (s * u * x)
    return bx + bu


def shared_chain(x, s, u):
    bx = u * 0.5
    bx = bx - x * s
    bu = 2.0 * (s * u * x)
    return bx + bu


def test_a_product_two_adjoints_compute_computed_once():
    changed, lines, made = _rewritten(shared, dict.fromkeys("xsu", F64), {"bx", "bu"})
    assert changed and lines[:2] == ["bx = x * s", "bu = 2.0 * (bx * u)"]
    _same_values(made, shared, 5, 5, 5)
    changed, lines, made = _rewritten(shared_chain, dict.fromkeys("xsu", F64), {"bx", "bu"})
    assert changed and lines[:3] == ["x_s = x * s", "bx = 0.5 * u - x_s",
                                     "bu = 2.0 * (x_s * u)"]
    _same_values(made, shared_chain, 5, 5, 5)


def shared_then_changed(x, s, u):
    bx = x * s
    bx[0] = 5.0
    bu = 2.0 * (s * u * x)
    return bx + bu


def test_no_name_shared_with_an_adjoint_changed_in_place():
    """`x_s = x * s; bx = x_s; bx[0] = 5.0` would change what `bu` reads."""
    changed, lines, made = _rewritten(shared_then_changed, dict.fromkeys("xsu", F64),
                                      {"bx", "bu"})
    assert not changed and lines == _unchanged(shared_then_changed)
    args = [RNG.normal(size=5) for _ in range(3)]
    np.testing.assert_allclose(made(*args), shared_then_changed(*args), rtol=0)


def in_a_loop(x, y, f, u, n):
    bx = 0.0
    for i in range(n):
        by = f * x
        by = by + y * f
        bx = bx + u * y
        bx = bx - y * x
    return bx + by


def test_in_a_loop_only_added_contributions_merge():
    """`by = f * x; by = by + y * f` stays: merged into one `by = ...` in a loop, a
    transform of the code would keep `by`'s old values, not their shapes."""
    changed, lines, made = _rewritten(in_a_loop, dict.fromkeys("xyfu", F64), {"bx", "by"})
    loop = [ast.unparse(s) for s in ast.parse("\n".join(lines)).body[1].body]
    assert changed and loop == ["by = f * x", "by = by + y * f", "bx = bx + y * (u - x)"]
    args = [RNG.normal(size=5) for _ in range(4)]
    np.testing.assert_allclose(made(*args, 3), in_a_loop(*args, 3), rtol=1e-14)


def test_same_input_same_output():
    first = _rewritten(elementwise_like, dict.fromkeys(("x", "s", "c", "e"), F64), {"bx"})[1]
    again = _rewritten(elementwise_like, dict.fromkeys(("x", "s", "c", "e"), F64), {"bx"})[1]
    assert first == again == ["x_s = x * s", "bx = e * (c - 2 * x_s) + c - x_s", "return bx"]


def elementwise_like(x, s, c, e):
    bx = c
    bx = bx - x * s
    bx = bx - 2 * (s * e * x)
    bx = bx + e * c
    return bx
