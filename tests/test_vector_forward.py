"""Vector forward mode: ag.jacobian and ag.hessian from one call of a jvp's batched
code per chunk of directions, against the one-direction jvp and central differences."""
import tracemalloc

import numpy as np
import pytest

import astgrad as ag
from astgrad import batched, composed

W = np.array([[0.3, -1.2, 0.5], [0.8, 0.1, -0.4], [-0.6, 0.9, 0.2], [0.4, 0.7, -1.1]])
A = np.array([[1.0, 0.5], [-0.3, 0.8], [0.2, -0.9]])


def one_direction(f, x, *rest):
    """The Jacobian column by column with the one-direction jvp."""
    jvp = ag.jvp(f)
    cols = [np.asarray(jvp(x, *rest, e.reshape(x.shape))[1]) for e in np.eye(x.size, dtype=x.dtype)]
    return np.stack(cols, axis=-1).reshape(np.shape(f(x, *rest)) + x.shape)


def differences(f, x, *rest, h=1e-6):
    cols = []
    for e in np.eye(x.size):
        e = e.reshape(x.shape)
        cols.append((np.asarray(f(x + h * e, *rest)) - np.asarray(f(x - h * e, *rest))) / (2 * h))
    return np.stack(cols, axis=-1).reshape(np.shape(f(x, *rest)) + x.shape)


def batched_form(transform, *values):
    """The batched code `ag.jacobian`/`ag.hessian` ran for these arguments (None if it
    looped over directions instead)."""
    return batched.batched(transform._astgrad.lookup(*values))


def check_jacobian(f, x, *rest, rtol=1e-7, atol=1e-9, forward=True):
    J = ag.jacobian(f)(x, *rest)
    np.testing.assert_allclose(J, one_direction(f, x, *rest), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(J, differences(f, x, *rest), rtol=rtol, atol=atol)
    fast = batched_form(ag.jacobian(f), x, *rest)       # its tangent-only jvp's
    if forward:
        assert fast is not None and fast._astgrad_checked
    return J, fast


# -- elementwise, products, reductions ------------------------------------------------
def chain(x):
    return np.sin(x) * np.exp(-x ** 2) + x * np.cos(x) / (1.0 + x ** 2)


def broadcast_up(x):
    return np.tanh(x * W[:, :1] + 2.0)       # (4, 1) * (3,): a result of more dimensions


def matvec_left(x):
    return np.tanh(W @ x)


def vec_matmul(x):
    return (x @ W.T) ** 2


def matrix_both_sides(X):
    return np.sin(A.T @ X @ W[:2, :2])       # X (3, 2): the tangent on both sides


def matrix_times_matrix(X):
    return X @ W[:2] + np.tanh(X[:, :1])     # X (3, 2) on the left


@pytest.mark.parametrize("f, shape", [
    (chain, (6,)), (chain, (2, 3)), (broadcast_up, (3,)), (matvec_left, (3,)),
    (vec_matmul, (3,)), (matrix_both_sides, (3, 2)), (matrix_times_matrix, (3, 2))])
def test_elementwise_and_matmul_in_both_positions(f, shape):
    x = np.linspace(-0.9, 1.3, int(np.prod(shape))).reshape(shape)
    check_jacobian(f, x)


def sums(X):
    return np.sum(X ** 2, axis=0) * np.mean(np.sin(X), axis=1, keepdims=True)


def sums_negative_axis(X):
    return np.sum(np.exp(X), axis=-1) + np.mean(X * X, axis=(0, 1)) + np.sum(X)


def means_keepdims(X):
    return X / np.sum(X ** 2, axis=-1, keepdims=True) - np.mean(X, 0)


@pytest.mark.parametrize("f", [sums, sums_negative_axis, means_keepdims])
def test_sums_and_means_with_axes_and_keepdims(f):
    X = np.array([[0.5, -1.2, 0.3], [1.1, 0.4, -0.7]])
    check_jacobian(f, X)


# -- indexing, slicing, reshape, transpose ----------------------------------------------
def differences_of_neighbours(x):
    return (x[1:] - x[:-1]) * x[2] + x[::2].sum()


def rows_and_columns(X):
    return np.concatenate([X[:, 0] * X[:, 1], X[..., 1], X[-1, :2] ** 2, X[1]])


def reshaped(x):
    M = np.reshape(x, (2, 3))
    return np.sin(M.T) @ M + np.reshape(np.transpose(M) * 2.0, (6,))[1]


def stacked(x):
    return (np.stack([x ** 2, np.cos(x)], axis=-1) + np.expand_dims(x, -1)).T \
        * np.expand_dims(np.squeeze(x[None]), 0)


@pytest.mark.parametrize("f, shape", [
    (differences_of_neighbours, (5,)), (rows_and_columns, (3, 2)), (reshaped, (6,)),
    (stacked, (4,))])
def test_indexing_slicing_reshape_transpose(f, shape):
    x = np.linspace(-0.8, 1.1, int(np.prod(shape))).reshape(shape)
    check_jacobian(f, x)


# -- loops, branches, second order ------------------------------------------------------
def rosenbrock_loop(x):
    total = 0.0
    for i in range(x.shape[0] - 1):
        total = total + 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return total


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosenbrock_hessian(x):
    n = x.shape[0]
    H = np.zeros((n, n))
    H[np.arange(n - 1), np.arange(n - 1)] += 1200.0 * x[:-1] ** 2 - 400.0 * x[1:] + 2.0
    H[np.arange(1, n), np.arange(1, n)] += 200.0
    off = -400.0 * x[:-1]
    H[np.arange(n - 1), np.arange(1, n)] = off
    H[np.arange(1, n), np.arange(n - 1)] = off
    return H


def rnn_cell(h, U, xs):
    for t in range(xs.shape[0]):
        h = np.tanh(U @ h + xs[t])
    return np.sum(h ** 2)


def branches(x):
    if x[0] > 0:
        y = x * np.exp(x)
    else:
        y = x ** 3
    return np.sum(y * y) if x[1] < 5 else np.sum(y)


@pytest.mark.parametrize("f", [rosenbrock, rosenbrock_loop])
def test_hessian_of_rosenbrock_is_its_closed_form(f):
    x = np.linspace(-1.2, 1.4, 9)
    H = ag.hessian(f)(x)
    np.testing.assert_allclose(H, rosenbrock_hessian(x), rtol=1e-12, atol=1e-10)
    fast = batched_form(ag.hessian(f), x)
    assert fast is not None and fast._astgrad_checked


def hessian_by_one_direction(f, x, *rest):
    inner = ag.jvp(ag.grad(f))
    return np.stack([inner(x, *rest, e.reshape(x.shape))[1] for e in np.eye(x.size)], -1)


def test_hessian_of_an_rnn_cell_against_one_direction_and_differences():
    U = np.array([[0.5, -0.3, 0.2], [0.1, 0.4, -0.6], [-0.2, 0.3, 0.5]])
    xs = np.array([[0.1, -0.2, 0.3], [0.4, 0.0, -0.1], [-0.3, 0.2, 0.2]])
    h = np.array([0.3, -0.5, 0.8])
    H = ag.hessian(rnn_cell)(h, U, xs)
    np.testing.assert_allclose(H, hessian_by_one_direction(rnn_cell, h, U, xs), rtol=1e-12)
    g = ag.grad(rnn_cell)
    np.testing.assert_allclose(H, differences(g, h, U, xs), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(H, H.T, rtol=1e-12, atol=1e-14)
    assert batched_form(ag.hessian(rnn_cell), h, U, xs) is not None


@pytest.mark.parametrize("x", [np.array([0.5, 0.3, -0.2]), np.array([-0.5, 0.3, 1.2]),
                               np.array([0.5, 6.0, 1.0])])
def test_branches_both_ways_and_jacobian_of_the_gradient(x):
    H = ag.hessian(branches)(x)
    np.testing.assert_allclose(H, hessian_by_one_direction(branches, x), rtol=1e-12)
    np.testing.assert_allclose(H, differences(ag.grad(branches), x), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ag.jacobian(ag.grad(branches))(x), H, rtol=1e-12)


# -- dtypes and sizes -------------------------------------------------------------------
def test_float32_inputs_keep_their_dtype():
    x = np.linspace(-0.5, 0.9, 5).astype(np.float32)
    J = ag.jacobian(chain)(x)
    assert J.dtype == np.float32
    np.testing.assert_allclose(J, one_direction(chain, x), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(J, differences(chain, x.astype(float)), rtol=1e-4, atol=1e-5)
    H = ag.hessian(rosenbrock)(x)
    np.testing.assert_allclose(H, rosenbrock_hessian(x.astype(float)), rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("x", [np.array(0.7), np.array([0.7]), np.array([[0.7]])])
def test_zero_d_and_one_element_inputs(x):
    J, _ = check_jacobian(chain, x, forward=False)   # one output: a pullback
    assert J.shape == x.shape + x.shape
    H = ag.hessian(lambda v: np.sum(np.sin(v) * v ** 2))(x)
    v = float(x.ravel()[0])
    assert H.shape == x.shape + x.shape
    np.testing.assert_allclose(H.ravel(), [2 * np.sin(v) + 4 * v * np.cos(v) - v * v * np.sin(v)])


# -- no batched rule, chunks, the check -------------------------------------------------
def no_batched_rule(x):
    return np.cumsum(np.sin(x)) * np.flip(x)


def test_a_statement_with_no_batched_rule_runs_per_direction():
    x = np.linspace(-0.4, 1.0, 5)
    _, fast = check_jacobian(no_batched_rule, x)
    assert ".col(" in "".join(__import__("linecache").getlines(fast.__code__.co_filename))


def _nested_sin(x, n):
    if n == 0:
        return x
    return np.sin(_nested_sin(x, n - 1))


def recursive(x):
    return _nested_sin(x, 2) * x        # the helper called through its own jvp


def test_a_function_not_rewritten_loops_over_directions():
    x = np.linspace(-0.4, 1.0, 4)
    J = ag.jacobian(recursive)(x)
    assert batched_form(ag.jacobian(recursive), x) is None    # `_3, t3 = ...`: not rewritten
    np.testing.assert_allclose(J, one_direction(recursive, x), rtol=1e-12)
    np.testing.assert_allclose(J, differences(recursive, x), rtol=1e-7, atol=1e-9)


def _peak(fn, *args):
    tracemalloc.start()
    try:
        fn(*args)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def sum_of_recursive_squared(x):
    return np.sum(recursive(x) ** 2)


def few_of_recursive(x):
    return recursive(x)[:2] * x[-1]          # two outputs: one pullback each


def test_directions_looped_over_are_written_into_the_matrix_one_by_one():
    """Where there is no batched code, each column (row) goes into the matrix as it is
    made: the peak is the matrix and one direction's work, not every column and then
    the matrix."""
    x = np.linspace(-0.4, 1.0, 150)
    jac, hess = ag.jacobian(recursive), ag.hessian(sum_of_recursive_squared)
    J, H = jac(x), hess(x)
    assert batched_form(jac, x) is None and batched_form(hess, x) is None
    s = np.sin(x)
    np.testing.assert_allclose(J, np.diag(np.cos(s) * np.cos(x) * x + np.sin(s)), rtol=1e-13,
                               atol=1e-15)
    assert _peak(jac, x) < 1.3 * J.nbytes and _peak(hess, x) < 1.4 * H.nbytes   # were 2.3x
    small = x[::25]
    np.testing.assert_allclose(jac(small), differences(recursive, small), rtol=1e-7,
                               atol=1e-9)
    np.testing.assert_allclose(hess(small), differences(ag.grad(sum_of_recursive_squared),
                                                        small), rtol=1e-6, atol=1e-8)
    rows = ag.jacobian(few_of_recursive)(small)
    assert rows.shape == (2, 6) and rows.flags.c_contiguous
    np.testing.assert_allclose(rows, differences(few_of_recursive, small), rtol=1e-7,
                               atol=1e-9)


def test_stacked_is_np_stack():
    a32, a64 = np.arange(3, dtype=np.float32) / 3, np.arange(3.0) / 7
    for axis in (0, -1):
        got = composed._stacked(iter([a32, a64, 2 * a32]), 3, axis)
        want = np.stack([a32, a64, 2 * a32], axis)
        assert got.dtype == want.dtype == np.float64
        np.testing.assert_array_equal(got, want)
        with pytest.raises(ValueError):
            composed._stacked(iter([a64, a64[:2]]), 2, axis)
        with pytest.raises(ValueError):
            composed._stacked(iter([]), 0, axis)


def test_small_chunks_give_the_same_jacobian(monkeypatch):
    x = np.linspace(-0.9, 1.3, 7)
    whole = ag.jacobian(matvec_left)(np.linspace(-0.9, 1.3, 3))
    monkeypatch.setattr(batched, "_BUDGET", 10)          # chunks of one or two directions
    np.testing.assert_allclose(ag.jacobian(matvec_left)(np.linspace(-0.9, 1.3, 3)), whole,
                               rtol=1e-14)
    np.testing.assert_allclose(ag.hessian(rosenbrock)(x), rosenbrock_hessian(x), rtol=1e-12)


def test_batched_code_that_disagrees_with_the_jvp_is_not_used():
    def square_plus(x):
        return x ** 2 + x

    x = np.linspace(-0.9, 1.3, 4)
    fn = ag.jacobian(square_plus)._astgrad.lookup(x)     # its jvp returning the tangent

    def wrong(x, tx):
        return tx * 0.5                       # a silently wrong batched form
    wrong._astgrad_checked = False
    fn._astgrad_batched = wrong
    np.testing.assert_allclose(ag.jacobian(square_plus)(x), np.diag(2 * x + 1), rtol=1e-14)
    assert fn._astgrad_batched is None        # given up for this specialization


# -- reverse mode: a batch of seeds per pullback ----------------------------------------
V = np.linspace(-1.0, 1.0, 320).reshape(5, 64) / 4.0


def row_sums(x):
    return np.sum(np.reshape(x, (4, 12)) ** 2, axis=1) * np.mean(x)


def few_outputs(x):
    y = np.tanh(V @ x)
    return np.concatenate([y * x[:5], np.sum(y ** 2, keepdims=True), np.sin(x[1:3])])


def few_outputs_of_a_matrix(X):
    return np.sum(np.exp(X.T @ V[:, :4]) / 10.0, axis=0) + X[0, :4]


@pytest.mark.parametrize("f, shape", [(row_sums, (48,)), (few_outputs, (64,)),
                                      (few_outputs_of_a_matrix, (5, 8))])
def test_reverse_mode_pulls_back_a_batch_of_seeds(f, shape):
    x = np.linspace(-0.6, 0.7, int(np.prod(shape))).reshape(shape)
    v, pullback = ag.vjp(f)(x)
    assert v.size * 8 <= x.size                       # rows, not columns
    J = ag.jacobian(f)(x)
    rows = np.stack([pullback(e.reshape(v.shape)) for e in np.eye(v.size)])
    np.testing.assert_allclose(J, rows.reshape(v.shape + x.shape), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(J, differences(f, x), rtol=1e-6, atol=1e-8)
    fast = batched.batched(ag.vjp(f)._astgrad.lookup(x), pullback=True)
    assert fast is not None and fast._astgrad_checked


def picked(x, idx):
    return np.sum(x[idx] ** 2 * x[0])


def test_hessian_through_np_add_at_with_repeated_indices():
    x, idx = np.array([0.5, -1.0, 2.0, 0.3, 1.5]), np.array([0, 2, 2, 4])
    H = ag.hessian(picked)(x, idx)
    counts = np.bincount(idx, minlength=5).astype(float)
    want = np.diag(2.0 * counts * x[0])                 # d2/dx_i2 of count_i x_i^2 x_0
    want[0, :] += 2.0 * counts * x
    want[:, 0] += 2.0 * counts * x
    np.testing.assert_allclose(H, want, rtol=1e-12)
    fast = batched_form(ag.hessian(picked), x, idx)
    assert fast is not None and fast._astgrad_checked
    assert "np.add.at(" in "".join(__import__("linecache").getlines(fast.__code__.co_filename))
