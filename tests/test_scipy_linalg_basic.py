"""scipy.linalg's counterparts of np.linalg (solve, inv, det, eigh, eigvalsh, norm, svd,
svdvals, pinv, lstsq) against central finite differences in reverse and forward mode and at
second order, on matrices and stacks; against np.linalg's derivatives where the two
functions agree; float32 kept float32; every `assume_a` structure read as SciPy reads
it; the options with no rule (the generalized eigenproblem, subsets of eigenvalues,
`overwrite_a=True` where the derivative reads `a`, ...) refused naming the user's line;
and the points without a derivative refused as np.linalg's are."""
import numpy as np
import pytest

linalg = pytest.importorskip("scipy.linalg")

import astgrad as ag  # noqa: E402
from astgrad.transform.rules import scipy_linalg as _rules  # noqa: E402

if not _rules._signatures_as_written():
    pytest.skip("these rules take SciPy 1.17's signatures; with this SciPy the functions are "
                "refused (rules/scipy_linalg.py)", allow_module_level=True)
from astgrad.errors import NoRuleError, NotDifferentiableError  # noqa: E402

_r = np.random.default_rng(20261127)
A = _r.uniform(-1, 1, (3, 3)) + 2.5 * np.eye(3)
STACK = _r.uniform(-1, 1, (2, 3, 3)) + 2.5 * np.eye(3)
b = _r.uniform(-1, 1, 3)
B = _r.uniform(-1, 1, (3, 2))
BS = _r.uniform(-1, 1, (2, 3, 2))
_L = np.tril(_r.uniform(0.2, 1.0, (3, 3))) + np.eye(3)
SPD = _L @ _L.T
_Q = np.linalg.qr(_r.normal(size=(3, 3)))[0]
SYM = _Q * np.array([-1.2, 0.4, 1.5]) @ _Q.T      # eigenvalues far apart
W = _r.uniform(0.5, 1.5, (3, 3))
TALL = _r.uniform(-1, 1, (4, 3)) + np.eye(4, 3)
WP = _r.uniform(0.5, 1.5, (4, 4))
B4 = _r.uniform(-1, 1, 4)


def _line(f, offset=1):
    return rf"{__name__.rsplit('.', 1)[-1]}\.py:{f.__code__.co_firstlineno + offset}"


# ---- solve ----------------------------------------------------------------------------------
def solve_vector(A, b):
    return np.sum(W[0] * linalg.solve(A, b))


def solve_matrix(A, B):
    return np.sum(W[:, :2] * np.sin(linalg.solve(A, B)))


def solve_transposed(A, B):
    return np.sum(W[:, :2] * linalg.solve(A, B, transposed=True))


def solve_stack(A, B):
    return np.sum(linalg.solve(A, B) ** 2)


def solve_stack_vector(A, b):                 # a 1-d b is one vector for every matrix
    return np.sum(W[:2] * linalg.solve(A, b))


def solve_twice(A, b):
    return np.sum(linalg.solve(A, linalg.solve(A, b, assume_a="gen")) ** 2)


@pytest.mark.parametrize("f, args", [(solve_vector, (A, b)), (solve_matrix, (A, B)),
                                     (solve_transposed, (A, B)), (solve_stack, (STACK, BS)),
                                     (solve_stack_vector, (STACK, b)), (solve_twice, (A, b))],
                         ids=lambda v: getattr(v, "__name__", ""))
def test_solve(f, args):
    ag.check_grads(f, args, wrt=(0, 1), order=2, forward=True)


def _solve_assuming(assume_a, lower):
    def f(A, b):
        return np.sum(W[0] * linalg.solve(A, b, assume_a=assume_a, lower=lower) ** 2)
    return f


# A is not symmetric nor triangular: what SciPy reads of it is what counts
@pytest.mark.parametrize("assume_a", ["sym", "symmetric", "pos", "her", "upper triangular",
                                      "lower triangular", "diagonal", "general"])
@pytest.mark.parametrize("lower", [False, True])
def test_solve_reads_what_assume_a_says(assume_a, lower):
    # (for 'pos', SPD's in the triangle read, something else in the other)
    M = SPD + (np.triu(W, 1) if lower else np.tril(W, -1)) if assume_a == "pos" else A
    f = _solve_assuming(assume_a, lower)
    ag.check_grads(f, (M, b), wrt=(0, 1), order=2, forward=True)
    grad = ag.grad(f)(M, b)
    unread = {"upper triangular": np.tril(grad, -1), "lower triangular": np.triu(grad, 1),
              "diagonal": grad - np.diag(np.diag(grad))}.get(
        assume_a, (np.triu(grad, 1) if lower else np.tril(grad, -1))
        if assume_a not in ("general",) else np.zeros(1))
    assert np.all(unread == 0.0)


def test_solve_agrees_with_numpy():
    def ours(A, B):
        return np.sum(W[:, :2] * linalg.solve(A, B))

    def numpys(A, B):
        return np.sum(W[:, :2] * np.linalg.solve(A, B))
    for got, want in zip(ag.grad(ours, wrt=(0, 1))(A, B), ag.grad(numpys, wrt=(0, 1))(A, B)):
        np.testing.assert_allclose(got, want, rtol=1e-12)


# ---- inv and det ----------------------------------------------------------------------------
def inv(A):
    return np.sum(W * linalg.inv(A))


def inv_stack(A):
    return np.sum(np.cos(linalg.inv(A)))


def det(A):
    return linalg.det(A)


def det_stack(A):
    return np.sum(linalg.det(A) ** 2)


def log_det(A):
    return np.log(np.abs(linalg.det(A)))


@pytest.mark.parametrize("f, args", [(inv, (A,)), (inv_stack, (STACK,)), (det, (A,)),
                                     (det_stack, (STACK,)), (log_det, (A,))],
                         ids=lambda v: getattr(v, "__name__", ""))
def test_inv_and_det(f, args):
    ag.check_grads(f, args, order=2, forward=True)


@pytest.mark.parametrize("assume_a", ["sym", "pos", "upper triangular", "lower triangular",
                                      "gen"])
@pytest.mark.parametrize("lower", [False, True])
def test_inv_reads_what_assume_a_says(assume_a, lower):
    def f(M):
        return np.sum(W * linalg.inv(M, assume_a=assume_a, lower=lower))
    ag.check_grads(f, (SPD + (np.triu(W, 1) if lower else np.tril(W, -1)),), order=2,
                   forward=True)


def test_inv_and_det_agree_with_numpy():
    np.testing.assert_allclose(ag.grad(inv)(A), ag.grad(lambda A: np.sum(W * np.linalg.inv(A)))(A),
                               rtol=1e-12)
    np.testing.assert_allclose(ag.grad(det)(A), ag.grad(np.linalg.det)(A), rtol=1e-12)


# ---- eigh and eigvalsh ----------------------------------------------------------------------
def eigh(A):
    w, v = linalg.eigh(A)
    return np.sum(W[0] * w) + np.sum(W * v ** 2)          # v's squares: no sign to choose


def eigh_upper(A):
    w, v = linalg.eigh(A, lower=False, driver="evd")
    return np.sum(W[0] * w ** 2) + np.sum(W * v ** 2)


def eigh_values(A):
    return np.sum(W[0] * np.exp(linalg.eigh(A, eigvals_only=True)))


def eigvalsh(A):
    return np.sum(W[0] * linalg.eigvalsh(A, lower=False) ** 2)


def eigh_stack(A):
    w, v = linalg.eigh(A)
    return np.sum(w ** 3) + np.sum(v[..., 0] ** 2 * W[0])


# SYM + triu(W, 1) is not symmetric: the triangle `lower` names is what is read
@pytest.mark.parametrize("f, args", [(eigh, (SYM + np.triu(W, 1),)),
                                     (eigh_upper, (SYM + np.tril(W, -1),)),
                                     (eigh_values, (SYM,)), (eigvalsh, (SYM,)),
                                     (eigh_stack, (np.stack([SYM, SYM[::-1, ::-1]]),))],
                         ids=lambda v: getattr(v, "__name__", ""))
def test_eigh(f, args):
    ag.check_grads(f, args, order=2, forward=True)


def test_eigh_reads_one_triangle_and_agrees_with_numpy():
    M = SYM + np.triu(W, 1)
    grad = ag.grad(eigh)(M)
    assert np.all(np.triu(grad, 1) == 0.0)

    def numpys(A):
        w, v = np.linalg.eigh(A)
        return np.sum(W[0] * w) + np.sum(W * v ** 2)
    np.testing.assert_allclose(grad, ag.grad(numpys)(M), rtol=1e-10, atol=1e-12)


def test_repeated_eigenvalues():
    # the eigenvalues alone have a first derivative there; the eigenvectors none
    np.testing.assert_allclose(ag.grad(lambda A: np.sum(linalg.eigvalsh(A)))(np.eye(3)),
                               np.eye(3))
    with pytest.raises(NotDifferentiableError, match="repeated"):
        ag.grad(eigh)(np.diag([1.0, 2.0, 1.0]))
    with pytest.raises(NotDifferentiableError, match="repeated"):
        ag.jvp(eigh)(np.eye(3), np.ones((3, 3)))


# ---- norm -----------------------------------------------------------------------------------
_ORDS = [None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf]


@pytest.mark.parametrize("ord", _ORDS, ids=str)
def test_matrix_norms(ord):
    def f(A):
        return linalg.norm(A, ord)
    ag.check_grads(f, (TALL,), order=2, forward=True)
    np.testing.assert_allclose(ag.grad(f)(TALL),
                               ag.grad(lambda A: np.linalg.norm(A, ord))(TALL), rtol=1e-12)


@pytest.mark.parametrize("ord", [None, 1, 2, 3, 0.5, np.inf, -np.inf], ids=str)
def test_vector_norms(ord):
    def f(x):
        return linalg.norm(x, ord) ** 2
    ag.check_grads(f, (b,), order=2, forward=True)


def test_norms_along_axes():
    def f(A):
        return np.sum(W[:2] * linalg.norm(A, axis=-1)) + np.sum(linalg.norm(A, axis=(1, 2),
                                                                            keepdims=True))
    ag.check_grads(f, (BS,), order=2, forward=True)


def test_norm_at_zero_has_a_zero_slope():
    np.testing.assert_array_equal(ag.grad(lambda x: linalg.norm(x))(np.zeros(3)), np.zeros(3))


# ---- svd and svdvals ------------------------------------------------------------------------
def svd(A):
    u, s, vt = linalg.svd(A, full_matrices=False)
    return np.sum(W[0] * s) + np.sum(W * u[:3] ** 2) + np.sum(W.T * vt ** 2)


def svd_square(A):
    u, s, vt = linalg.svd(A, lapack_driver="gesvd")
    return np.sum((u * s) @ vt * W)


def svd_values(A):
    return np.sum(W[0] * linalg.svd(A, compute_uv=False) ** 2)


def svdvals(A):
    return np.sum(np.log(linalg.svdvals(A)))


@pytest.mark.parametrize("f, args", [(svd, (TALL,)), (svd_square, (A,)), (svd_values, (A,)),
                                     (svdvals, (TALL,)), (svdvals, (STACK,))],
                         ids=["svd", "svd_square", "svd_values", "svdvals", "svdvals_stack"])
def test_svd(f, args):
    ag.check_grads(f, args, order=2, forward=True)


def test_svdvals_agrees_with_numpy():
    np.testing.assert_allclose(ag.grad(svdvals)(TALL), ag.grad(
        lambda A: np.sum(np.log(np.linalg.svd(A, compute_uv=False))))(TALL), rtol=1e-12)


# ---- pinv -----------------------------------------------------------------------------------
def pinv(A):
    return np.sum(WP[:A.shape[1], :A.shape[0]] * linalg.pinv(A))


def pinv_rtol(A):
    return np.sum(np.sin(linalg.pinv(A, rtol=1e-6)))


@pytest.mark.parametrize("f, args", [(pinv, (TALL,)), (pinv, (TALL.T,)), (pinv_rtol, (A,))],
                         ids=["tall", "wide", "rtol"])
def test_pinv(f, args):
    ag.check_grads(f, args, order=2, forward=True)


def test_pinv_of_a_rank_deficient_matrix_is_refused():
    with pytest.raises(NotDifferentiableError, match="full rank"):
        ag.grad(pinv)(np.outer([1.0, 2.0, 3.0], [1.0, -1.0, 0.5]))


# ---- lstsq ----------------------------------------------------------------------------------
def lstsq_vector(A, b):                       # SciPy's residues of a 1-d b: a scalar
    x, res, rank, s = linalg.lstsq(A, b)
    return np.sum(W[0] * x) + res + np.sum(s ** 2)


def lstsq_matrix(A, B):
    x, res, rank, s = linalg.lstsq(A, B, cond=1e-8, lapack_driver="gelss")
    return np.sum(W[:, :2] * np.sin(x)) + np.sum(W[0, :2] * res)


def lstsq_wide(A, b):                         # no residues
    x, res, rank, s = linalg.lstsq(A.T, b[:3])
    return np.sum(x ** 2) + np.sum(res)


@pytest.mark.parametrize("f, args", [(lstsq_vector, (TALL, B4)),
                                     (lstsq_matrix, (TALL, _r.uniform(-1, 1, (4, 2)))),
                                     (lstsq_wide, (TALL, B4))],
                         ids=["vector", "matrix", "wide"])
def test_lstsq(f, args):
    ag.check_grads(f, args, wrt=(0, 1), order=2, forward=True)


def test_lstsq_agrees_with_numpy_and_keeps_the_residues_scalar():
    def numpys(A, b):
        x, res, rank, s = np.linalg.lstsq(A, b)
        return np.sum(W[0] * x) + res[0] + np.sum(s ** 2)
    for got, want in zip(ag.grad(lstsq_vector, wrt=(0, 1))(TALL, B4),
                         ag.grad(numpys, wrt=(0, 1))(TALL, B4)):
        np.testing.assert_allclose(got, want, rtol=1e-10)
    value, tangent = ag.jvp(lambda A: linalg.lstsq(A, B4)[1])(TALL, np.ones((4, 3)))
    assert np.shape(tangent) == np.shape(value) == ()


# ---- complex values, in docs/complex.md's convention ------------------------------------------
_C = np.random.default_rng(11)
CM = _C.normal(size=(3, 3)) + 1j * _C.normal(size=(3, 3)) + 2 * np.eye(3)
CT = _C.normal(size=(4, 3)) + 1j * _C.normal(size=(4, 3))
CH = CM @ np.conj(CM.T) + np.diag([0.5, 2.0, 4.0])            # Hermitian, values apart
CZ = _C.normal(size=3) + 1j * _C.normal(size=3)


@pytest.mark.parametrize("f, x", [
    (lambda m: np.sum(np.abs(linalg.solve(m, CZ)) ** 2), CM),
    (lambda m: np.sum(np.abs(linalg.solve(m, CZ, assume_a="sym", lower=True)) ** 2), CM),
    (lambda m: np.sum(np.abs(linalg.inv(m)) ** 2), CM),
    (lambda m: np.abs(linalg.det(m)) ** 2, CM),
    (lambda m: np.sum(linalg.eigvalsh(m) ** 3), CH),
    (lambda m: np.sum(np.abs(linalg.eigh(m)[1]) ** 2 * np.arange(3)), CH),
    (lambda m: linalg.norm(m, 1) + linalg.norm(m, np.inf), CT),   # from LAPACK's lange
    (lambda m: linalg.norm(m, 2), CT),
    (lambda m: np.sum(linalg.svdvals(m) ** 2), CT),
    (lambda m: np.sum(np.abs(linalg.pinv(m)) ** 2), CT),
    (lambda m: np.sum(np.abs(linalg.lstsq(m, CT[:, 0] + 1)[0]) ** 2), CT)],
    ids=["solve", "solve_sym", "inv", "det", "eigvalsh", "eigh", "norm_1_inf", "norm_2",
         "svdvals", "pinv", "lstsq"])
def test_complex(f, x):
    ag.check_grads(f, (x,), order=2)
    _, tangent = ag.jvp(f)(x, np.ones_like(x) * (0.3 - 0.7j))
    eps = 1e-6
    numeric = (f(x + eps * (0.3 - 0.7j)) - f(x - eps * (0.3 - 0.7j))) / (2 * eps)
    np.testing.assert_allclose(tangent, numeric, rtol=1e-5, atol=1e-7)


# ---- float32 in, float32 out ----------------------------------------------------------------
@pytest.mark.parametrize("f, args", [(solve_vector, (A, b)), (inv, (A,)), (det, (A,)),
                                     (eigh, (SYM,)), (svdvals, (A,)), (pinv, (A,)),
                                     (lambda x: linalg.norm(x), (b,)),
                                     (lambda A: np.sum(linalg.lstsq(A, b)[0]), (A,))],
                         ids=["solve", "inv", "det", "eigh", "svdvals", "pinv", "norm", "lstsq"])
def test_float32(f, args):
    args32 = tuple(a.astype(np.float32) for a in args)
    grad = ag.grad(f)(*args32)
    assert grad.dtype == np.float32
    np.testing.assert_allclose(grad, ag.grad(f)(*args), rtol=2e-3, atol=2e-3)
    value, tangent = ag.jvp(f)(*args32, np.ones_like(args32[0]))
    np.testing.assert_allclose(tangent, ag.jvp(f)(*args, np.ones_like(args[0]))[1], rtol=2e-3)


# ---- refused -------------------------------------------------------------------------------
def _overwritten(A):
    return linalg.det(A, overwrite_a=True)


def _tridiagonal(A):
    return np.sum(linalg.solve(A, b, assume_a="tridiagonal"))


def _inv_diagonal(A):
    return np.sum(linalg.inv(A, assume_a="diagonal"))


def _hermitian(A):
    return np.sum(np.abs(linalg.solve(A + 0j, b, assume_a="her")))


def _generalized(A):
    return np.sum(linalg.eigh(A, SPD)[0])


def _generalized_b(M):
    return np.sum(linalg.eigvalsh(SYM, M))


def _subset(A):
    return np.sum(linalg.eigh(A, subset_by_index=[0, 1])[0])


def _absolute_cut(A):
    return np.sum(linalg.pinv(A, atol=1e-3))


def _full(A):
    return np.sum(linalg.svd(A)[0])


def _lstsq_stack(A):
    return np.sum(linalg.lstsq(A, BS)[0])


def _gelsy(A):
    return np.sum(linalg.lstsq(A, b, lapack_driver="gelsy")[0])


@pytest.mark.parametrize("f, x, match", [
    (_overwritten, A, "det with overwrite_a=True"), (_tridiagonal, A, "assume_a='tridiagonal'"),
    (_inv_diagonal, A, "assume_a='diagonal'"), (_hermitian, A, "assume_a='her'"),
    (_generalized, SYM, "generalized"), (_generalized_b, SPD, "generalized"),
    (_subset, SYM, "subset"), (_absolute_cut, A, "atol="), (_full, TALL, "full_matrices"),
    (_lstsq_stack, STACK, "stack"), (_gelsy, A, "gelsy")],
    ids=lambda v: getattr(v, "__name__", None))
def test_refused_at_the_users_line(f, x, match):
    with pytest.raises(NoRuleError, match=match) as info:
        ag.grad(f)(x.copy())
    assert info.value.where.endswith(f"{__file__}:{f.__code__.co_firstlineno + 1}")
    with pytest.raises(NoRuleError, match=match):
        ag.jvp(f)(x.copy(), np.ones_like(x))


def test_overwrite_a_is_taken_where_the_derivative_does_not_read_a():
    def f(A):
        return np.sum(W * linalg.inv(A, overwrite_a=True))
    ag.check_grads(f, (A,), order=1, forward=True)


def test_pinv_return_rank_is_refused_when_transformed():
    def f(A):
        return np.sum(linalg.pinv(A, return_rank=True)[0])
    with pytest.raises(NoRuleError, match="return_rank"):
        ag.grad(f)(A)


# ---- the rules are listed -------------------------------------------------------------------
def test_rules_are_listed():
    from astgrad.transform.registry import all_primitives
    names = {p.name for p in all_primitives()}
    for name in ("solve", "inv", "det", "eigh", "eigvalsh", "norm", "svd", "svdvals", "pinv",
                 "lstsq"):
        assert f"scipy.linalg.{name}" in names
