"""Size-1 specialization: the code is specialized on which axes of each array argument
have length 1, so two arrays of one ndim with no such axis are known to have one shape
where they meet elementwise, and no adjoint is summed back (nor a tangent spread)
between them. Arguments with a length-1 axis get code of their own."""
import ast
import textwrap

import numpy as np
import pytest

import astgrad as ag
from astgrad.transform.kinds import infer
from astgrad.transform.lattice import Kind, broadcast_ones, join, sized

RNG = np.random.default_rng(0)


def _helpers(source: str, name: str) -> list[list[str]]:
    """The arguments (as source) of every call to `rt.<name>` in `source`."""
    return [[ast.unparse(a) for a in n.args] for n in ast.walk(ast.parse(source))
            if isinstance(n, ast.Call) and ast.unparse(n.func) == f"rt.{name}"]


def _source(transform, *args):
    transform(*args)
    return ag.source(transform)


# ---- the workloads of the issue --------------------------------------------------------
def logreg(w, X, y, lam):
    return np.mean(np.log(1.0 + np.exp(-y * (X @ w)))) + 0.5 * lam * np.sum(w ** 2)


def mlp(W1, b1, W2, b2, X, Y):
    h = np.tanh(X @ W1 + b1)
    z = h @ W2 + b2
    z = z - np.max(z, axis=1, keepdims=True)
    lse = np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.mean(np.sum(Y * (z - lse), axis=1))


def rnn(W, U, b, h0, X):
    h = h0
    for t in range(X.shape[0]):
        h = np.tanh(W @ h + U @ X[t] + b)
    return np.sum(h ** 2)


def test_logistic_regression_sums_nothing_back():
    args = (RNG.standard_normal(10), RNG.standard_normal((100, 10)),
            np.sign(RNG.standard_normal(100)), 0.1)
    src = _source(ag.grad(logreg), *args)
    assert "rt." not in src.split("def ")[1]
    w, X, y, lam = args
    e = np.exp(-y * (X @ w))
    expected = X.T @ (-y * e / (1 + e)) / len(y) + lam * w
    assert np.allclose(ag.grad(logreg)(*args), expected)
    ag.check_grads(logreg, args, wrt=(0, 1, 2), order=2)


def _sums(source: str) -> list[str]:
    """How each `np.sum` with an `axis` in `source` sums: `"axis=0"`, `"axis=1, keepdims"`."""
    return [", ".join(f"{k.arg}={ast.unparse(k.value)}" if k.arg == "axis" else k.arg
                      for k in n.keywords) for n in ast.walk(ast.parse(source))
            if isinstance(n, ast.Call) and ast.unparse(n.func) == "np.sum" and n.keywords]


def test_mlp_sums_back_only_into_biases_and_keepdims_values():
    X = RNG.standard_normal((8, 5))
    Y = np.eye(3)[RNG.integers(0, 3, 8)]
    args = (RNG.standard_normal((5, 4)) * 0.5, RNG.standard_normal(4),
            RNG.standard_normal((4, 3)) * 0.5, RNG.standard_normal(3), X, Y)
    src = _source(ag.grad(mlp, wrt=(0, 1, 2, 3)), *args)
    assert not _helpers(src, "unbroadcast") and not _helpers(src, "sum_to")
    reverse = textwrap.dedent(src[src.index("\n", src.index(", reverse:")):])
    assert sorted(_sums(reverse)) == ["axis=0", "axis=0", "axis=1, keepdims",   # b2, b1,
                                      "axis=1, keepdims", "keepdims, dtype"]   # lse, max
    ag.check_grads(mlp, args, wrt=(0, 1, 2, 3))


def test_rnn_keeps_no_shape_for_its_reverse_sweep():
    args = (RNG.standard_normal((4, 4)) * 0.5, RNG.standard_normal((4, 3)) * 0.5,
            RNG.standard_normal(4), RNG.standard_normal(4), RNG.standard_normal((6, 3)))
    src = _source(ag.grad(rnn, wrt=(0, 1, 2, 3)), *args)
    assert not _helpers(src, "sum_to") and not _helpers(src, "unbroadcast")
    assert "np.shape" not in src and src.count(".append(") == 1      # the states alone
    assert "broadcast_to" not in src                                 # the seed times h
    ag.check_grads(rnn, args, wrt=(0, 1, 2, 3))


def test_forward_mode_spreads_no_tangent_between_full_arrays():
    def f(A, B):
        return np.sum(np.sin(A * B) + A / (1.0 + B ** 2))
    args = (RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4)))
    assert not _helpers(_source(ag.jvp(f, wrt=(0, 1)), *args, (args[0], args[1])),
                        "broadcast_like")
    ag.check_grads(f, args, wrt=(0, 1), order=2)


def test_a_vector_against_a_matrix_is_still_summed_back():
    def f(A, b):
        return np.sum(np.tanh(A + b) * A)
    args = (RNG.standard_normal((3, 4)), RNG.standard_normal(4))
    src = _source(ag.grad(f, wrt=(0, 1)), *args)
    assert not _helpers(src, "unbroadcast") and _sums(src) == ["axis=0"]
    ag.check_grads(f, args, wrt=(0, 1), order=2)


# ---- arguments with an axis of length 1 ----------------------------------------------------
def outer_sum(a, b):
    return np.sum(np.exp(a * b) + a - b ** 2)


def row_plus(r, A):
    return np.sum(np.tanh(r + A) ** 2 * A)


def normalized(A):
    return np.sum(A / np.sum(A ** 2, axis=1, keepdims=True) + np.max(A, axis=0, keepdims=True) * A)


@pytest.mark.parametrize("fn, shapes", [
    (row_plus, [(1, 4), (3, 4)]),       # (1, n) + (m, n)
    (row_plus, [(3, 4), (3, 4)]),
    (row_plus, [(3, 1), (3, 4)]),
    (row_plus, [(1, 1), (1, 4)]),
    (outer_sum, [(3, 1), (1, 4)]),      # (n, 1) * (1, n)
    (outer_sum, [(1, 4), (3, 4)]),
    (outer_sum, [(3, 4), (1, 1)]),
    (normalized, [(3, 4)]),             # keepdims results against the array
    (normalized, [(1, 4)]),
    (normalized, [(3, 1)]),
])
def test_length_one_axes_reverse_forward_and_second_order(fn, shapes):
    # A generator of its own (the shared one's draws depend on which tests a worker ran
    # first), and entries of size 0.5 to 1.5: `normalized` divides by a row's sum of squares,
    # whose derivatives near a zero row outgrow what finite differences can check.
    rng = np.random.default_rng(len(shapes) + sum(map(len, shapes)))
    args = tuple(rng.uniform(0.5, 1.5, s) * rng.choice([-1.0, 1.0], s) for s in shapes)
    ag.check_grads(fn, args, wrt=tuple(range(len(args))), order=2)


def test_an_argument_with_a_length_one_axis_gets_code_of_its_own():
    def row_plus(r, A):        # a function of its own: `ag.source` shows the latest code made
        return np.sum(np.tanh(r + A) ** 2 * A)
    df = ag.grad(row_plus, wrt=(0, 1))
    full = _source(df, RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4)))
    row = _source(df, RNG.standard_normal((1, 4)), RNG.standard_normal((3, 4)))
    assert not _sums(full) and _sums(row) == ["axis=0, keepdims"]
    assert "r: 2-d float64 array (axis 0 of length 1)" in row


def test_the_cache_keeps_one_specialization_per_pattern_of_length_one_axes():
    def f(A, B):
        return np.sum(A * B + np.sin(A))

    def expected(A, B):
        return np.sum(B + np.cos(A), axis=0, keepdims=True) if A.shape[0] == 1 else \
            B + np.cos(A)

    df = ag.grad(f)
    B = RNG.standard_normal((3, 4))
    for shape in [(3, 4), (1, 4), (3, 4), (1, 4)]:
        A = RNG.standard_normal(shape)
        assert np.allclose(df(A, B), expected(A, B))
    assert len(df._astgrad.by_kind) == 2


def test_length_zero_axes_are_not_length_one():
    def f(A, B):
        return np.sum(A * B)
    for shapes in [[(0, 4), (0, 4)], [(0, 4), (1, 4)], [(1, 4), (0, 4)]]:
        A, B = (RNG.standard_normal(s) for s in shapes)
        gA, gB = ag.grad(f, wrt=(0, 1))(A, B)
        assert gA.shape == A.shape and gB.shape == B.shape
        assert not np.any(gA) and not np.any(gB)


def test_numbers_and_0d_arrays_meet_arrays():
    def f(x, s, c):
        return np.sum(np.exp(x * s) * c + s)
    for s in (0.5, np.array(0.5)):
        args = (RNG.standard_normal(5), s, 1.5)
        ag.check_grads(f, args, wrt=(0, 1, 2), order=2)


def test_containers_of_arrays_are_specialized_leaf_by_leaf():
    def f(p, X):
        return np.sum(np.tanh(X @ p["W"] + p["b"]) ** 2)
    X = RNG.standard_normal((5, 3))
    for b_shape in [(4,), (1, 4), (5, 4)]:
        p = {"W": RNG.standard_normal((3, 4)), "b": RNG.standard_normal(b_shape)}
        ag.check_grads(f, (p, X), wrt=0)


# ---- where the kind is not enough ------------------------------------------------------------
def test_an_adjoint_that_may_be_the_number_zero_is_still_summed_back():
    # z's adjoint is the number 0.0 where the branch is not taken: summed back, it
    # becomes zeros of u's shape, which the rule of `W @ x` needs.
    def f(W, x):
        s = 0.0
        for i in range(3):
            u = W @ x
            z = u + x
            if i == 1:
                s = s + np.sum(z)
        return s
    args = (RNG.standard_normal((3, 3)), RNG.standard_normal(3))
    ag.check_grads(f, args, wrt=(0, 1))


shift = np.ones(3)


def through_a_global(x):
    return np.sum(x * shift)


def test_a_global_array_rebound_to_another_ndim():
    global shift
    df = ag.grad(through_a_global)
    x = RNG.standard_normal(3)
    try:
        shift = np.ones(3)
        assert np.allclose(df(x), np.ones(3))
        shift = np.ones((2, 3))                 # read when the code runs
        assert np.allclose(df(x), 2 * np.ones(3))
    finally:
        shift = np.ones(3)


# ---- the kinds -------------------------------------------------------------------------------
F2 = sized(Kind(2, "f", False, 8), (3, 4))
F1 = sized(Kind(1, "f", False, 8), (4,))
ROW = sized(Kind(2, "f", False, 8), (1, 4))


def test_the_lattice_knows_lengths_of_one():
    assert F2.full and F1.full and not ROW.full and Kind(0, "f", True).full
    assert not Kind(2, "f", False, 8).full                 # not known
    assert join(F2, ROW).ones == (None, False) and not join(F2, ROW).full
    assert broadcast_ones((True, False), (False,), ndim=2) == (True, False)
    assert broadcast_ones((True, False), (False, False), ndim=2) == (False, False)
    assert broadcast_ones((True,), (None,), ndim=1) == (None,)
    assert broadcast_ones((), (True, True), ndim=2) == (True, True)


def _kinds(text, **env):
    from astgrad.transform.resolve import Namespace
    from astgrad.transform.scope import UserScope
    ns = Namespace(UserScope(_kinds))
    return infer(ast.parse(textwrap.dedent(text)).body, env, ns)


def test_kinds_follow_products_reductions_transposes_and_items():
    k = _kinds("""
        a = A @ B
        v = A @ x
        s = np.sum(A, axis=1)
        m = np.max(A, axis=0, keepdims=True)
        t = np.transpose(R)
        r = A[0]
        c = A[:, 1]
        d = A[1:]
        e = np.exp(A) * x
        f = A + R
        """, A=F2, B=sized(Kind(2, "f", False, 8), (4, 5)), x=F1, R=ROW)
    assert k["a"].full and k["v"].full and k["s"].full and k["r"].full and k["c"].full
    assert k["m"].ones == (True, False) and k["t"].ones == (False, True)
    assert k["d"].ndim == 2 and not k["d"].full                  # a slice: length not known
    assert k["e"].full and k["f"].ones == (False, False)


def test_shapes_carry_their_lengths_of_one():
    k = _kinds("""
        s = np.shape(A)
        b = np.broadcast_to(1.0, s)
        g = np.reshape(b, s)
        r = np.reshape(A, (-1, 4))
        c = np.broadcast_to(x, (3, 1, 4))
        """, A=ROW, x=F1)
    assert not k["s"].full and k["b"].ndim == 2 and k["b"].ones == ROW.ones
    assert k["g"].ones == ROW.ones and k["r"].ones == (None, False)
    assert k["c"].ones == (False, True, False)


def test_second_order_code_keeps_its_kinds():
    def f(A, x):
        z = A @ x
        return np.sum(np.tanh(z) * (z - 1.0))
    args = (RNG.standard_normal((3, 4)), RNG.standard_normal(4))
    src = _source(ag.vjp(ag.grad(f, wrt=(0, 1)), wrt=(0, 1)), *args)
    assert "np.ndim(" not in src and "rt.zeros_like" not in src
    ag.check_grads(f, args, wrt=(0, 1), order=2)


# ---- an operand of unknown lengths beside one without an axis of length 1 ----------------
def test_a_broadcast_has_no_axis_of_length_1_where_one_operand_has_none():
    assert broadcast_ones((False,), (None,), ndim=1) == (False,)
    assert broadcast_ones((None, True), (None, False), ndim=2) == (None, False)
    full, unknown = Kind(1, "f", False, 8, ones=(False,)), Kind(1, "f", False, 8)
    env = _kinds("s = w[:k]\ny = x * s\nt = w[k:]\nz = y + t", x=full, w=unknown,
                 k=Kind(0, "i", True))
    assert env["y"].ones == (False,) and env["z"].ones == (False,)
    assert env["s"].ones is None
    assert _kinds("y = s * t", s=unknown, t=unknown)["y"].ones is None


def gated(x, w, k):
    """`x` has no axis of length 1; the slices of `w` have k elements: 1 broadcasts."""
    s = x * w[:k]
    return np.sum(np.sin(s + w[k:2 * k]) * s)


@pytest.mark.parametrize("k", [1, 3])
def test_slices_of_unknown_length_beside_a_full_array(k):
    x, w = np.array([0.3, -1.2, 0.7]), np.linspace(-0.5, 0.9, 2 * k)
    src = _source(ag.grad(gated, wrt=(0, 1)), x, w, k)
    gx, gw = ag.grad(gated, wrt=(0, 1))(x, w, k)
    s = x * w[:k]
    u = np.cos(s + w[k:]) * s + np.sin(s + w[k:])          # d/ds of the summand
    np.testing.assert_allclose(gx, u * w[:k], rtol=1e-13)
    want_w = np.concatenate([np.sum(u * x, keepdims=True) if k == 1 else u * x,
                             np.sum(np.cos(s + w[k:]) * s, keepdims=True) if k == 1
                             else np.cos(s + w[k:]) * s])
    np.testing.assert_allclose(gw, want_w, rtol=1e-13)
    ag.check_grads(gated, (x, w, k), wrt=(0, 1), order=2)
    assert not any(args[1] == "x" for args in _helpers(src, "unbroadcast"))
