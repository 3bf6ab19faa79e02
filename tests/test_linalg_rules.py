"""np.linalg's decompositions (svd, eigh, eigvalsh, qr) and pinv and lstsq against central
finite differences, in reverse and forward mode and at second order, on square, tall,
wide and stacked inputs; and the points without a derivative (repeated singular values
or eigenvalues, a rank-deficient matrix), refused naming the user's line.

Singular vectors and eigenvectors are defined up to sign: most functions here do not
depend on it (U diag(s) V^T, squares of entries, entries times the sign of a pivot),
and `np.sum(U)` itself is checked where LAPACK's sign choice is locally constant.
"""
import numpy as np
import pytest

import astgrad as ag
from astgrad.errors import NoRuleError, NotDifferentiableError

_r = np.random.default_rng(20261124)


def _normal(*shape):
    return _r.normal(size=shape)


def _orthogonal(n):
    return np.linalg.qr(_normal(n, n))[0]


def _spread(*shape):
    """A matrix (or stack) with singular values 1, 1.7, 2.4, ...: far from repeated or
    zero, so finite differences are accurate."""
    *lead, m, n = shape
    k = min(m, n)
    out = [_orthogonal(m)[:, :k] * (1.0 + 0.7 * _r.permutation(k)) @ _orthogonal(n)[:k]
           for _ in range(int(np.prod(lead, dtype=int)))]
    return np.reshape(out, shape)


def _symmetric(*shape):
    """A symmetric matrix (or stack) with eigenvalues -1.2, -0.5, 0.2, 0.9, ..."""
    *lead, n = shape[:-1]
    out = []
    for _ in range(int(np.prod(lead, dtype=int))):
        q = _orthogonal(n)
        out.append(q * (-1.2 + 0.7 * _r.permutation(n)) @ q.T)
    return np.reshape(out, shape)


SQUARE = [_spread(n, n) for n in (2, 3, 5)]
TALL = [_spread(5, 3), _spread(4, 2)]
WIDE = [_spread(3, 5), _spread(2, 4)]
STACKS = [_spread(2, 3, 3), _spread(3, 2, 4)]
SHAPES = SQUARE + TALL[:1] + WIDE[:1] + STACKS          # each case costs: a few shapes


def _ids(arrays):
    return ["x".join(map(str, a.shape)) for a in arrays]


# ---- svd --------------------------------------------------------------------------------
def svd_invariant(A):
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    return (np.sum((U * np.expand_dims(s, -2)) ** 4) + np.sum(s ** 3)
            + np.sum((Vt * np.expand_dims(s, -1)) ** 2))


def svd_reconstruct(A):
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    return np.sum(np.sin(U * np.expand_dims(s, -2) @ Vt))


def svd_signed(A):
    """U and Vt with the sign of each pair fixed by U's first row."""
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    sign = np.sign(U[..., :1, :])
    return np.sum(U * sign * np.arange(1.0, 1.0 + np.shape(U)[-2])[:, None]) \
        + np.sum(Vt * np.swapaxes(sign, -1, -2) * 0.5 * np.arange(np.shape(Vt)[-1]))


def svd_raw(A):
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    return np.sum(U) + np.sum(Vt * 2.0)


def svd_values(A):
    return np.sum(np.linalg.svd(A, compute_uv=False) ** 3)


def svd_square_full(A):
    U, s, Vt = np.linalg.svd(A)
    return np.sum((U * s) ** 2) + np.sum(Vt[0] ** 4)


@pytest.mark.parametrize("A", SHAPES, ids=_ids(SHAPES))
@pytest.mark.parametrize("f", [svd_invariant, svd_reconstruct, svd_signed, svd_values])
def test_svd(f, A):
    ag.check_grads(f, (A,), order=2, forward=True)


@pytest.mark.parametrize("A", SQUARE[1:2] + TALL[:1] + WIDE[:1],
                         ids=_ids(SQUARE[1:2] + TALL[:1] + WIDE[:1]))
def test_svd_vectors_with_lapacks_signs(A):
    ag.check_grads(svd_raw, (A,), order=2, forward=True)


@pytest.mark.parametrize("A", SQUARE[1:3], ids=_ids(SQUARE[1:3]))
def test_svd_full_matrices_of_a_square_matrix(A):
    ag.check_grads(svd_square_full, (A,), order=2, forward=True)


def test_svd_gradients_are_known_values():
    # d s_i / dA = u_i v_i^T
    A = SQUARE[1]
    U, s, Vt = np.linalg.svd(A)
    np.testing.assert_allclose(ag.grad(lambda A: np.linalg.svd(A, compute_uv=False)[0])(A),
                               np.outer(U[:, 0], Vt[0]), atol=1e-12)
    np.testing.assert_allclose(ag.grad(svd_reconstruct)(A), np.cos(A), atol=1e-10)


# ---- eigh and eigvalsh: `a` is read in one triangle ----------------------------------------
def eigh_invariant(A):
    w, V = np.linalg.eigh(A)
    return np.sum(w ** 3) + np.sum((V * np.expand_dims(w, -2)) ** 4)


def eigh_upper(A):
    w, V = np.linalg.eigh(A, UPLO="U")
    return np.sum(np.sin(w)) + np.sum(V ** 4)


def eigh_signed(A):
    w, V = np.linalg.eigh(A)
    return np.sum(V * np.sign(V[..., :1, :]) * np.arange(1.0, 1.0 + np.shape(V)[-1]))


def eigvalsh_sum(A):
    return np.sum(np.linalg.eigvalsh(A) ** 3)


def eigvalsh_upper(A):
    return np.sum(np.exp(np.linalg.eigvalsh(A, "U")))


SYMMETRIC = [_symmetric(n, n) for n in (2, 4)] + [_symmetric(2, 3, 3)]
NOT_SYMMETRIC = [_symmetric(3, 3) + np.triu(_normal(3, 3), 1)]   # eigh reads the lower triangle


@pytest.mark.parametrize("A", SYMMETRIC + NOT_SYMMETRIC, ids=_ids(SYMMETRIC + NOT_SYMMETRIC))
@pytest.mark.parametrize("f", [eigh_invariant, eigh_upper, eigh_signed, eigvalsh_sum,
                               eigvalsh_upper])
def test_eigh(f, A):
    ag.check_grads(f, (A,), order=2, forward=True)


def test_eigh_reads_one_triangle():
    A = NOT_SYMMETRIC[0]
    lower = ag.grad(eigvalsh_sum)(A)
    upper = ag.grad(lambda A: np.sum(np.linalg.eigvalsh(A, "U") ** 3))(A)
    assert np.all(np.triu(lower, 1) == 0) and np.all(np.tril(upper, -1) == 0)
    np.testing.assert_allclose(np.diag(lower), np.diag(upper) * 0 + np.diag(lower))


# ---- qr --------------------------------------------------------------------------------
def qr_sum(A):
    Q, R = np.linalg.qr(A)
    return np.sum(Q ** 3) + np.sum(np.sin(R))


def qr_r_only(A):
    return np.sum(np.linalg.qr(A, mode="r") ** 3)


def qr_complete(A):
    Q, R = np.linalg.qr(A, mode="complete")
    return np.sum(Q * 2.0) + np.sum(R ** 2)


@pytest.mark.parametrize("A", SHAPES, ids=_ids(SHAPES))
@pytest.mark.parametrize("f", [qr_sum, qr_r_only])
def test_qr(f, A):
    ag.check_grads(f, (A,), order=2, forward=True)


@pytest.mark.parametrize("A", SQUARE[:2] + WIDE, ids=_ids(SQUARE[:2] + WIDE))
def test_qr_complete_of_a_square_or_wide_matrix(A):
    ag.check_grads(qr_complete, (A,), order=2, forward=True)


def test_qr_complete_of_a_tall_matrix_is_refused():
    with pytest.raises(NoRuleError, match="mode='complete'"):
        ag.grad(qr_complete)(TALL[0])


# ---- pinv and lstsq -------------------------------------------------------------------
def pinv_sum(A):
    return np.sum(np.linalg.pinv(A) ** 3)


def pinv_rcond(A):
    return np.sum(np.sin(np.linalg.pinv(A, rcond=1e-10)))


def lstsq_all(A, b):
    x, res, rank, sv = np.linalg.lstsq(A, b)
    return np.sum(x ** 3) + np.sum(res) + np.sum(sv ** 2)


def lstsq_solution(A, b):
    return np.sum(np.sin(np.linalg.lstsq(A, b, rcond=None)[0]))


@pytest.mark.parametrize("A", SHAPES, ids=_ids(SHAPES))
@pytest.mark.parametrize("f", [pinv_sum])
def test_pinv(f, A):
    ag.check_grads(f, (A,), order=2, forward=True)


LSTSQ = [(lstsq_all, _spread(5, 3), _normal(5)), (lstsq_all, _spread(5, 3), _normal(5, 2)),
         (lstsq_all, _spread(3, 5), _normal(3)), (lstsq_solution, _spread(4, 4), _normal(4, 3))]


@pytest.mark.parametrize("f, A, b", LSTSQ,
                         ids=[f"{f.__name__}-{a.shape}-{b.shape}" for f, a, b in LSTSQ])
def test_lstsq(f, A, b):
    ag.check_grads(f, (A, b), wrt=(0, 1), order=2, forward=True)


def test_lstsq_solution_of_a_square_system_is_solve():
    _, A, b = LSTSQ[3]
    for mine, solve in zip(
            ag.grad(lstsq_solution, wrt=(0, 1))(A, b),
            ag.grad(lambda A, b: np.sum(np.sin(np.linalg.solve(A, b))), wrt=(0, 1))(A, b)):
        np.testing.assert_allclose(mine, solve, atol=1e-10)


# ---- reverse over forward: the tangent helpers differentiated -----------------------------
_svd_jvp = ag.jvp(svd_invariant)
_eigh_jvp = ag.jvp(eigh_invariant)
_qr_jvp = ag.jvp(qr_sum)
_pinv_jvp = ag.jvp(pinv_sum)


def svd_directional(A, T):
    return _svd_jvp(A, T)[1]


def eigh_directional(A, T):
    return _eigh_jvp(A, T)[1]


def qr_directional(A, T):
    return _qr_jvp(A, T)[1]


def pinv_directional(A, T):
    return _pinv_jvp(A, T)[1]


@pytest.mark.parametrize("f, A", [(svd_directional, TALL[1]), (eigh_directional, SYMMETRIC[1]),
                                  (qr_directional, WIDE[1]), (pinv_directional, WIDE[0])])
def test_tangents_differentiated_again(f, A):
    ag.check_grads(f, (A, _normal(*A.shape)), wrt=0, forward=True)


# ---- where there is no derivative ---------------------------------------------------------
def test_repeated_singular_values_are_refused_at_the_users_line():
    Q = np.linalg.qr(_normal(3, 3))[0]                 # orthogonal: all singular values 1
    with pytest.raises(NotDifferentiableError, match="repeated") as info:
        ag.grad(svd_raw)(Q)
    assert info.value.where.endswith(f"{__file__}:{svd_raw.__code__.co_firstlineno + 1}")
    with pytest.raises(NotDifferentiableError, match="repeated"):
        ag.jvp(svd_raw)(Q, np.ones((3, 3)))


def test_singular_values_alone_have_a_derivative_when_repeated():
    Q = np.linalg.qr(_normal(3, 3))[0]
    np.testing.assert_allclose(ag.grad(lambda A: np.sum(np.linalg.svd(A, compute_uv=False)))(Q),
                               Q, atol=1e-12)     # d nuclear norm = U V^T = Q
    ag.check_grads(svd_values, (Q,), forward=True)


def test_repeated_eigenvalues_are_refused():
    with pytest.raises(NotDifferentiableError, match="eigh"):
        ag.grad(eigh_invariant)(np.diag([1.0, 2.0, 1.0]))
    with pytest.raises(NotDifferentiableError, match="eigh"):
        ag.jvp(eigh_invariant)(np.eye(3), np.ones((3, 3)))
    # the eigenvalues alone: first order is fine, second order needs the eigenvectors
    np.testing.assert_allclose(ag.grad(eigvalsh_sum)(np.eye(3)), 3 * np.eye(3))
    with pytest.raises(NotDifferentiableError, match="eigh"):
        ag.hessian(eigvalsh_sum)(np.eye(3))


def test_a_zero_singular_value_of_a_non_square_matrix_is_refused():
    A = np.outer([1.0, 2.0, 3.0], [1.0, -1.0])         # rank 1
    with pytest.raises(NotDifferentiableError, match="full rank"):
        ag.grad(svd_invariant)(A)


@pytest.mark.parametrize("A", [np.outer([1.0, 2.0, 3.0], [1.0, -1.0]), np.zeros((2, 2)),
                               np.diag([1.0, 0.0, 2.0])], ids=["rank-1", "zero", "singular"])
def test_pinv_of_a_rank_deficient_matrix_is_refused(A):
    with pytest.raises(NotDifferentiableError, match="np.linalg.pinv"):
        ag.grad(pinv_sum)(A)
    with pytest.raises(NotDifferentiableError, match="np.linalg.pinv"):
        ag.jvp(pinv_sum)(A, np.ones_like(A))


def test_lstsq_of_a_rank_deficient_matrix_is_refused():
    A = np.outer([1.0, 2.0, 3.0, 4.0], [1.0, -1.0])
    with pytest.raises(NotDifferentiableError, match="np.linalg.lstsq"):
        ag.grad(lstsq_solution)(A, np.ones(4))


def test_full_matrices_of_a_non_square_matrix_is_refused():
    with pytest.raises(NoRuleError, match="full_matrices=False"):
        ag.grad(lambda A: np.sum(np.linalg.svd(A)[0]))(TALL[0])
    with pytest.raises(NoRuleError, match="full_matrices=False"):
        ag.jvp(lambda A: np.sum(np.linalg.svd(A)[2]))(WIDE[0], WIDE[0])


# ---- hermitian=True reads the lower triangle, as eigh does; rtol; svdvals -------------------
def svd_hermitian(A):
    U, s, Vt = np.linalg.svd(A, hermitian=True)
    return np.sum((U * np.expand_dims(s, -2)) ** 2 * np.arange(np.shape(A)[-1])) + np.sum(s ** 3)


def svd_hermitian_values(A):
    return np.sum(np.linalg.svd(A, compute_uv=False, hermitian=True) ** 3)


def pinv_hermitian(A):
    return np.sum(np.sin(np.linalg.pinv(A, hermitian=True)))


def pinv_rtol(A):
    return np.sum(np.linalg.pinv(A, rtol=1e-12) ** 2)


def svdvals(A):
    return np.sum(np.exp(np.linalg.svdvals(A)))


@pytest.mark.parametrize("A", SYMMETRIC[:2] + NOT_SYMMETRIC, ids=_ids(SYMMETRIC[:2] + NOT_SYMMETRIC))
@pytest.mark.parametrize("f", [svd_hermitian, svd_hermitian_values, pinv_hermitian])
def test_hermitian(f, A):
    ag.check_grads(f, (A,), order=2, forward=True)


@pytest.mark.parametrize("A", [SQUARE[1], TALL[1], STACKS[1]],
                         ids=_ids([SQUARE[1], TALL[1], STACKS[1]]))
@pytest.mark.parametrize("f", [pinv_rcond] + [
    pytest.param(f, marks=pytest.mark.skipif(np.lib.NumpyVersion(np.__version__) < "2.0.0",
                                             reason="NumPy 2.0 added pinv's rtol and svdvals"))
    for f in (pinv_rtol, svdvals)])
def test_pinv_rtol_and_svdvals(f, A):
    ag.check_grads(f, (A,), order=2, forward=True)


# ---- eig and eigvals: eigenvalues of a general (real or complex) matrix -----------------------
def eigvals_modulus(A):
    return np.sum(np.abs(np.linalg.eigvals(A)) ** 2)


def eigvals_cubes(A):
    return np.real(np.sum(np.linalg.eigvals(A) ** 3))


def eig_values(A):
    w, V = np.linalg.eig(A)
    return np.sum(np.real(w) ** 2 + np.imag(w))


GENERAL = [_normal(4, 4), _normal(2, 3, 3), _symmetric(3, 3),
           _normal(3, 3) + 1j * _normal(3, 3)]          # complex eigenvalues in pairs; complex


@pytest.mark.parametrize("A", GENERAL, ids=["real", "stack", "symmetric", "complex"])
@pytest.mark.parametrize("f", [eigvals_modulus, eigvals_cubes])
def test_eigvals(f, A):
    ag.check_grads(f, (A,), order=2, forward=True)


@pytest.mark.parametrize("A", GENERAL, ids=["real", "stack", "symmetric", "complex"])
def test_eig_values_in_reverse_mode(A):
    ag.check_grads(eig_values, (A,), order=2, forward=False)


def test_eig_eigenvectors_and_forward_mode_are_refused():
    def vectors(A):
        w, V = np.linalg.eig(A)
        return np.sum(np.abs(V))
    with pytest.raises(NotDifferentiableError, match="eigenvectors") as info:
        ag.grad(vectors)(GENERAL[0])
    assert info.value.where.endswith(f":{vectors.__code__.co_firstlineno + 1}")
    with pytest.raises(NoRuleError, match="np.linalg.eigvals"):
        ag.jvp(eig_values)(GENERAL[0], GENERAL[0])
    with pytest.raises(NoRuleError, match="eigenvectors"):         # forward over reverse
        ag.hessian(eig_values)(GENERAL[0])
    with pytest.raises(NotDifferentiableError, match="repeated"):
        ag.grad(eigvals_modulus)(np.eye(3) + np.triu(np.ones((3, 3)), 1))


def test_pinv_and_lstsq_of_a_complex_matrix():
    # (refused until their complex rules came; tests/test_complex_linalg.py has more)
    Z = WIDE[1] + 1j * _spread(2, 4)
    ag.check_grads(lambda Z: np.sum(np.abs(np.linalg.pinv(Z)) ** 2), (Z,), order=2, forward=True)
    ag.check_grads(lambda Z: np.sum(np.abs(np.linalg.lstsq(Z, np.ones(2))[0]) ** 2), (Z,),
                   order=2, forward=True)
