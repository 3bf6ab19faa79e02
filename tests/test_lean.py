"""Issue 13's leaner generated code and runtime helpers: each change checked for its values
(against NumPy and central differences) and, where it is a compiler change, for the code
it writes."""
from __future__ import annotations

import numpy as np
import pytest

import astgrad as ag
from astgrad import runtime as rt


# -- runtime helpers: plain slicing, fast paths --------------------------------------------

@pytest.mark.parametrize("shape,axis", [((7,), 0), ((3, 5), 1), ((3, 5), -1), ((4, 2, 3), 0),
                                        ((2, 6, 3), 1), ((2, 3, 6), -1), ((2, 5, 3), -2)])
def test_split_like_is_numpys_split(shape, axis):
    g = np.arange(float(np.prod(shape))).reshape(shape)
    n = shape[axis]
    cuts = [0, 1, n - 1, n] if n > 2 else [0, n]
    pieces = [np.empty(shape[:axis % len(shape)] + (b - a,) + shape[axis % len(shape) + 1:])
              for a, b in zip(cuts, cuts[1:])]
    got = rt.split_like(g, pieces, axis)
    want = np.split(g, np.cumsum([p.shape[axis] for p in pieces])[:-1], axis)
    assert len(got) == len(want)
    for a, b, p in zip(got, want, pieces):
        assert a.shape == p.shape
        np.testing.assert_array_equal(a, b)
        assert a.base is not None           # a view of g, as np.split gives


def test_split_like_empty_piece():
    g = np.arange(6.0).reshape(2, 3)
    got = rt.split_like(g, (np.empty((2, 0)), np.empty((2, 3))), 1)
    assert got[0].shape == (2, 0)
    np.testing.assert_array_equal(got[1], g)


def test_add_each_plain_values():
    a, b = np.array([1.0, 2.0]), np.array([0.5, -1.0])
    np.testing.assert_array_equal(rt.add_each(a, b), a + b)
    assert rt.add_each(1.5, 2.0) == 3.5
    np.testing.assert_array_equal(rt.add_each(0.0, b), b)
    same = rt.add_each([a, b], 0.0)                          # a new list of the same arrays
    assert same[0] is a and same[1] is b
    out = rt.add_each([a, 1.0], [b, 2.0])
    np.testing.assert_array_equal(out[0], a + b)
    assert out[1] == 3.0
    assert rt.add_each({"k": a}, 0.0)["k"] is a


def test_zeros_like_kinds():
    z = rt.zeros_like(np.ones((2, 3), dtype=np.float32))
    assert z.shape == (2, 3) and z.dtype == np.float32 and not z.any()
    assert rt.zeros_like(2.0) == 0.0 and rt.zeros_like(None) == 0.0
    parts = rt.zeros_like([np.ones(2), 3.0])
    assert parts[1] == 0.0 and parts[0].shape == (2,)


def minors(A):
    """The determinant's expansion by minors, as GradBench writes it (concatenated minors)."""
    out = [A]
    factors = [1.0]
    for level in range(A.shape[0] - 1):
        nxt, nf = [], []
        for i in range(len(out)):
            M = out[i]
            sign = 1.0
            for j in range(M.shape[1]):
                nxt.append(np.concatenate((M[1:, :j], M[1:, j + 1:]), axis=1))
                nf.append(factors[i] * sign * M[0, j])
                sign = -sign
        out, factors = nxt, nf
    total = 0.0
    for i in range(len(out)):
        total = total + factors[i] * out[i][0, 0]
    return total


def test_determinant_by_minors_gradient():
    A = np.random.default_rng(3).random((4, 4))
    got = ag.grad(minors)(A)
    np.testing.assert_allclose(got, np.linalg.det(A) * np.linalg.inv(A).T, rtol=1e-10)
    ag.check_grads(minors, (A,))


def concat_neg_axis(x, y):
    z = np.concatenate((x * y, np.sin(x), y ** 2), axis=-1)
    return np.sum(z * np.arange(z.shape[-1]))


def test_concatenate_last_axis_gradient():
    rng = np.random.default_rng(4)
    x, y = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    ag.check_grads(concat_neg_axis, (x, y), wrt=(0, 1), order=2)


# -- numbers gathered in an adjoint's value (optimize.coefficients) --------------------------

def mean_square(x):
    return np.mean(3 * (x + 2) * (x + 2))


def xent(w, X, y):
    p = 1 / (1 + np.exp(-X @ w))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def scaled_quotient(a, x):
    return np.sum(a * x ** 2 / (1.0 + np.sum(x * x)))


def _body(df) -> list[str]:
    """The generated statements, without comments, imports and the header."""
    lines = ag.source(df).split("def ", 1)[1].splitlines()[1:]
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def test_mean_square_meets_the_array_once():
    df = ag.grad(mean_square)
    x = np.array([[0.5, -1.0], [2.0, 0.25]])
    np.testing.assert_allclose(df(x), 6.0 / x.size * (x + 2), rtol=1e-15)
    assert _body(df) == ["bx = 6 * (1.0 / x.size) * (x + 2)", "return bx"]
    ag.check_grads(mean_square, (x,), order=2)
    ag.check_grads(mean_square, (np.zeros((2, 3)) - 2.0,), order=2)     # a zero gradient


def test_cross_entropy_adds_before_it_scales():
    rng = np.random.default_rng(5)
    X, w = rng.standard_normal((20, 4)), rng.standard_normal(4)
    y = (rng.random(20) > 0.5).astype(float)
    df = ag.grad(xent)
    p = 1 / (1 + np.exp(-X @ w))
    np.testing.assert_allclose(df(w, X, y), X.T @ (p - y) / len(y), rtol=1e-12)
    # no `-X` kept for the reverse sweep: its sign went to the adjoint's numbers (and the
    # factors `p`, `1 - p` cancel: `optimize.cancel`, tests/test_cancel.py)
    assert _body(df) == ["_3 = np.exp(-X @ w)", "_4 = 1 + _3", "p = 1 / _4",
                         "bw = (p - y) / y.size @ X", "return bw"]
    ag.check_grads(xent, (w, X, y), order=2)
    ag.check_grads(xent, (np.zeros(4), X, y), order=2)                  # p = 0.5 everywhere
    ag.check_grads(xent, (w, X, np.full(20, 0.5)), order=2)             # ties of y


def test_numbers_divide_once():
    rng = np.random.default_rng(6)
    x = rng.standard_normal(5)
    df = ag.grad(scaled_quotient, wrt=(0, 1))
    ag.check_grads(scaled_quotient, (1.5, x), wrt=(0, 1), order=2)
    ag.check_grads(scaled_quotient, (0.0, x), wrt=(0, 1), order=2)
    ag.check_grads(scaled_quotient, (1.5, np.zeros(5)), wrt=(0, 1), order=2)
    assert df(1.5, x)[1].shape == (5,)


def test_float32_adjoint_keeps_its_dtype():
    x = np.array([[0.5, -1.0], [2.0, 0.25]], dtype=np.float32)
    got = ag.grad(mean_square)(x)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, 6.0 / x.size * (x + 2), rtol=1e-6)


def test_value_and_grad_value_is_the_functions():
    rng = np.random.default_rng(7)
    X, w = rng.standard_normal((20, 4)), rng.standard_normal(4)
    y = (rng.random(20) > 0.5).astype(float)
    value, _ = ag.value_and_grad(xent)(w, X, y)
    assert value == xent(w, X, y)                   # bit for bit: only adjoints are regrouped


# -- a parameter the inlined callee only reads is the caller's name (inline) ----------------

def _step(x, y):
    return np.concatenate((x[:1], x[1:] * y[:-1]))


def rk_like(x, s):
    h = 1.0 / s
    y = np.zeros(x.shape[0])
    for _ in range(s):
        k1 = _step(x, y)
        k2 = _step(x, y + h / 2 * k1)
        y = y + h / 2 * (k1 + k2)
    return y[-1]


def _extend(items, v):
    items.append(v * 2.0)
    return items


def appends_through_helper(x):
    out = [x]
    out = _extend(out, x)
    return np.sum(out[0] * out[1])


def test_read_only_parameter_is_not_copied_per_call():
    x = np.random.default_rng(8).random(6) + 0.5
    df = ag.grad(rk_like)
    ag.check_grads(rk_like, (x, 3), order=2)
    ag.check_grads(rk_like, (np.zeros(6), 3), order=2)
    text = ag.source(df)
    assert "saved_x" not in text and "x_1 = x" not in text
    assert df(x, 3).shape == (6,)


def test_helper_that_appends_to_its_parameter():
    x = np.array([0.3, -1.2, 2.0])
    np.testing.assert_allclose(ag.grad(appends_through_helper)(x), 4.0 * x, rtol=1e-15)
    ag.check_grads(appends_through_helper, (x,), order=2)


def test_sum_to_and_unbroadcast_fast_paths():
    g = np.arange(6.0).reshape(2, 3)
    assert rt.unbroadcast(g, np.ones((2, 3))) is g
    assert rt.sum_to(g, (2, 3)) is g
    np.testing.assert_array_equal(rt.unbroadcast(g, np.ones(3)), g.sum(axis=0))
    np.testing.assert_array_equal(rt.unbroadcast(g, np.ones((2, 1))), g.sum(axis=1, keepdims=True))
    assert rt.unbroadcast(g, 2.0) == g.sum()
    assert rt.sum_to(1.5, ()) == 1.5
    np.testing.assert_array_equal(rt.unbroadcast(2.0, np.ones(3)), np.full(3, 2.0))
    f = np.asfortranarray(g)
    z = rt.zeros_like(f)
    assert z.shape == f.shape and z.dtype == f.dtype and not z.any()


def int_scaled(x, n):
    return np.sum(np.sin(x * n) * n)


def test_numpy_integers_are_not_multiplied_together():
    x = np.array([0.5, -1.5, 2.0])
    n = np.int64(2 ** 40)                        # n * n wraps in int64; x * n * n does not
    got = ag.grad(int_scaled)(x, n)
    m = float(n)
    np.testing.assert_allclose(got, m * m * np.cos(x * m), rtol=1e-12)
    ag.check_grads(int_scaled, (x, 3), order=2)


def test_list_helpers_elementwise():
    a, b = np.ones((2, 2)), np.full((2, 2), 2.0)
    out = rt.add_each([a, 1.0, [a, 2.0], {"k": 1.0}], [b, 2.0, [b, 0.5], {"k": 3.0}])
    np.testing.assert_array_equal(out[0], a + b)
    assert out[1] == 3.0 and out[2][1] == 2.5 and out[3] == {"k": 4.0}
    np.testing.assert_array_equal(out[2][0], a + b)
    z = rt.zeros_like([a.astype(np.float32), 2.0, None, [a], (1.0,), 3])
    assert z[0].dtype == np.float32 and not z[0].any() and z[1:3] == [0.0, 0.0]
    assert z[3][0].shape == (2, 2) and z[4] == [0.0] and z[5] == 0.0


# -- `out=` on a value that varies: refused, never a silently wrong derivative -------------

def doubles_in_place(x):
    y = x * 1.0
    np.multiply(y, 2.0, out=y)
    return np.sum(y) + np.sum(y * x)


def _bump(p):
    np.multiply(p, 2.0, out=p)
    return np.sum(p)


def doubles_in_helper(x):
    y = x * 1.0
    return _bump(y) + np.sum(y * x)


def writes_into_constant(x):
    buf = np.zeros(3)
    np.multiply(x, 2.0, out=buf)
    return np.sum(buf * x)


def out_on_constants(x):
    buf = np.zeros(3)
    np.multiply(np.ones(3), 2.0, out=buf)
    return np.sum(buf * x)


@pytest.mark.parametrize("fn", [doubles_in_place, doubles_in_helper, writes_into_constant])
def test_out_keyword_on_a_varied_value_is_refused(fn):
    x = np.array([0.5, -1.0, 2.0])
    kept = x.copy()
    with pytest.raises(ag.AstgradError, match="out="):
        ag.grad(fn)(x)
    np.testing.assert_array_equal(x, kept)          # and the argument is untouched


def test_out_keyword_on_constants_still_runs():
    x = np.array([0.5, -1.0, 2.0])
    np.testing.assert_array_equal(ag.grad(out_on_constants)(x), np.full(3, 2.0))
    ag.check_grads(out_on_constants, (x,))


def scaled_twice(a, x):
    y = np.tanh(x * a)
    return 2.0 * np.sum(y * y) / a


def chain_of_scales(x):
    y = 3.0 * np.sin(x)
    z = y * 0.5
    return np.mean(z * z)


@pytest.mark.parametrize("a", [0.7, -1.3])
def test_folded_adjoints_agree_with_finite_differences(a):
    x = np.random.default_rng(9).standard_normal(4)
    ag.check_grads(scaled_twice, (a, x), wrt=(0, 1), order=2)
    ag.check_grads(chain_of_scales, (x,), order=2)
    ag.check_grads(chain_of_scales, (np.zeros(4),), order=2)
    assert "saved" not in ag.source(ag.grad(chain_of_scales))


def negated_left(w, X):
    return np.sum(np.tanh(w @ -X) ** 2)


def negated_twice(w, X):
    N = -X
    return np.sum(np.sin(N @ w) * (w @ N.T)) + np.sum(w @ N.T @ N)


def test_negated_matrix_is_not_kept_for_the_reverse_sweep():
    rng = np.random.default_rng(10)
    w, X = rng.standard_normal(3), rng.standard_normal((3, 4))
    ag.check_grads(negated_left, (w, X), wrt=(0, 1), order=2)
    ag.check_grads(negated_twice, (w, X.T), wrt=(0, 1), order=2)
    value, _ = ag.value_and_grad(negated_left, wrt=(0, 1))(w, X)
    assert value == negated_left(w, X)
    df = ag.grad(negated_left)
    df(w, X)
    assert "= -X" not in ag.source(df)


# -- literal factors worked out (session 12) --------------------------------------------------

def squared_exp_sum(w):
    return np.sum(np.exp(w) ** 2)


def smooth_l1(w, lam):
    return lam * np.sum(np.sqrt(w ** 2 + 0.01))


def twice_scaled(x, a):
    y = np.sin(x)
    return np.sum(3 * y * a) + np.sum(3 * (a * y))


@pytest.mark.parametrize("w", [np.array([0.3, -1.2, 2.0]), np.zeros(3)])
def test_seed_of_one_meets_a_literal(w):
    df = ag.grad(squared_exp_sum)
    np.testing.assert_allclose(df(w), 2.0 * np.exp(w) ** 2, rtol=1e-15)
    ag.check_grads(squared_exp_sum, (w,), order=2)
    text = ag.source(df)
    assert "1.0 *" not in text and "2.0 * _1 * _1" in text


@pytest.mark.parametrize("w", [np.array([0.3, -1.2, 2.0]), np.zeros(3)])
def test_literals_cancel_above_and_below(w):
    df = ag.grad(smooth_l1)
    np.testing.assert_allclose(df(w, 0.3), 0.3 * w / np.sqrt(w ** 2 + 0.01), rtol=1e-14)
    ag.check_grads(smooth_l1, (w, 0.3), order=2)
    text = ag.source(df)
    assert "2 / 2" not in text and "lam * (w / " in text


def test_literals_multiplied_out():
    x, a = np.array([0.5, -2.0, 1.5]), 0.7
    df = ag.grad(twice_scaled)
    np.testing.assert_allclose(df(x, a), 6.0 * a * np.cos(x), rtol=1e-14)
    ag.check_grads(twice_scaled, (x, a), order=2)
    text = ag.source(df)
    assert "6 * a" in text and "2 * 3" not in text


# -- a value made in a loop from a parameter has the parameter's shape (session 12) ----------

def loop_penalty(w, n):
    penalty = 0.0
    for k in range(n):
        penalty = penalty + np.sum(np.tanh((k + 1.0) * w) ** 2)
    return penalty


def _loop_penalty_grad(w, n):
    return sum(2 * np.tanh((k + 1.0) * w) * (1 - np.tanh((k + 1.0) * w) ** 2) * (k + 1.0)
               for k in range(n)) + 0.0 * w


@pytest.mark.parametrize("n", [0, 1, 3])
@pytest.mark.parametrize("w", [np.array([0.3, -1.2, 2.0]), np.zeros(3)])
def test_loop_value_shaped_like_its_parameter(w, n):
    df = ag.grad(loop_penalty)
    np.testing.assert_allclose(df(w, n), _loop_penalty_grad(w, n), rtol=1e-14, atol=1e-300)
    ag.check_grads(loop_penalty, (w, n), order=2)
    text = ag.source(df)
    assert "np.shape(" not in text and "broadcast_to" not in text   # no shape kept per pass
    assert text.count(".append(") == 2          # the two values the reverse sweep reads
    assert "bpenalty = b" not in text and "b3 = 2.0 * _3" in text   # no copies in the loop


# -- a value a loop makes only to make it again is not computed (session 12) ----------------

def weighted_index_sum(x):
    s = 0.0
    for i in range(len(x)):
        s = s + x[i] * (i + 1)
    return s


@pytest.mark.parametrize("x", [np.array([0.3, -1.2, 2.0]), np.zeros(3), np.zeros(0)])
def test_loop_total_not_computed_by_the_gradient(x):
    df = ag.grad(weighted_index_sum)
    np.testing.assert_array_equal(df(x), np.arange(1.0, x.size + 1))
    ag.check_grads(weighted_index_sum, (x,), order=2)
    text = ag.source(df)
    loops = [line.strip() for line in text.splitlines() if line.strip().startswith("for ")]
    assert loops == ["for i in reversed(range(_1)):"]                  # no forward loop
    assert "s = " not in text


def test_loop_penalty_total_not_computed():
    df = ag.grad(loop_penalty)
    w = np.array([0.3, -1.2, 2.0])
    np.testing.assert_allclose(df(w, 3), _loop_penalty_grad(w, 3), rtol=1e-14)
    text = ag.source(df)                 # (the specialization for a vector and an int)
    assert "np.sum" not in text and "penalty + " not in text


# -- a number kept new is made new cheaply (session 12) ----------------------------------------

def test_a_number_kept_new_is_not_a_0d_array_copy():
    """`b = 1.0 * v` simplified to `b = v` where either is changed in place later keeps a
    new value: a number's is `+v` (a NumPy scalar), not `np.copy(v)` (a 0-d array, ten
    times slower in the arithmetic after it): GradBench's `det` lost 15% to it."""
    from benchmarks.gradbench_tasks.det import det_by_minors
    A = np.array([[0.6, 0.2, 0.1], [0.3, 0.9, 0.4], [0.5, 0.7, 0.8]])
    df = ag.grad(det_by_minors)
    np.testing.assert_allclose(df(A), np.linalg.det(A) * np.linalg.inv(A).T, rtol=1e-12)
    ag.check_grads(det_by_minors, (A,), order=1)
    text = ag.source(df)
    assert "np.copy(" not in text and " = +_" in text
