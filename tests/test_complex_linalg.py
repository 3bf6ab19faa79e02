"""Complex inputs to np.linalg's norms and decompositions and to the other rules that were
for real values only (issue 11): finite differences along the real and the imaginary
direction of every element (`ag.check_grads`), reverse and forward mode, second order."""
from __future__ import annotations

import numpy as np
import pytest

import astgrad as ag

RNG = np.random.default_rng(11)
Z = RNG.normal(size=4) + 1j * RNG.normal(size=4)
M = RNG.normal(size=(3, 3)) + 1j * RNG.normal(size=(3, 3))
T = RNG.normal(size=(4, 3)) + 1j * RNG.normal(size=(4, 3))         # tall
W = RNG.normal(size=(3, 4)) + 1j * RNG.normal(size=(3, 4))         # wide
H = M @ np.conj(M.T) + np.diag([0.5, 2.0, 4.0])                     # Hermitian, distinct values
S = RNG.normal(size=(2, 3, 3)) + 1j * RNG.normal(size=(2, 3, 3))   # a stack


def _check(f, arg, order=2):
    ag.check_grads(f, (arg,), order=order)
    _, tangent = ag.jvp(f)(arg, np.ones_like(arg) * (0.3 - 0.7j))
    eps = 1e-6
    numeric = (f(arg + eps * (0.3 - 0.7j)) - f(arg - eps * (0.3 - 0.7j))) / (2 * eps)
    assert np.allclose(tangent, numeric, rtol=1e-5, atol=1e-7)


VECTOR_NORMS = [None, 1, 2, 3, 0.5, np.inf, -np.inf, -1]


@pytest.mark.parametrize("ord", VECTOR_NORMS)
def test_vector_norms_of_a_complex_vector(ord):
    _check(lambda z: np.linalg.norm(z, ord), Z)


@pytest.mark.parametrize("ord", [None, "fro", 1, -1, np.inf, -np.inf, 2, -2, "nuc"])
def test_matrix_norms_of_a_complex_matrix(ord):
    _check(lambda m: np.linalg.norm(m, ord), T)
    _check(lambda m: np.sum(np.linalg.norm(m, ord, axis=(1, 2))), S, order=1)   # a stack


_NUMPY2 = pytest.mark.skipif(not hasattr(np.linalg, "matrix_norm"),
                             reason="np.linalg.matrix_norm, vector_norm and svdvals: NumPy 2")


@pytest.mark.parametrize("f", [
    lambda m: np.sum(np.linalg.norm(m, axis=0)), lambda m: np.sum(np.linalg.norm(m, 3, axis=1)),
    lambda m: np.sum(np.linalg.norm(m, np.inf, axis=1, keepdims=True) ** 2),
    *(pytest.param(f, marks=_NUMPY2) for f in [
        lambda m: np.linalg.matrix_norm(m, ord=2) + np.linalg.matrix_norm(m),
        lambda m: np.sum(np.linalg.vector_norm(m, axis=0)) + np.linalg.vector_norm(m, ord=1),
        lambda m: np.linalg.vector_norm(m, axis=(0, 1))]),
])
def test_norm_forms_of_a_complex_matrix(f):
    # matrix_norm and vector_norm share norm's slopes, checked at second order above: first
    # order here keeps the file fast
    _check(f, W, order=1 if "vector_norm" in f.__code__.co_names
           or "matrix_norm" in f.__code__.co_names else 2)


@pytest.mark.parametrize("m", [M, T, W])
def test_singular_values_of_a_complex_matrix(m):
    _check(lambda a: np.sum(np.linalg.svd(a, compute_uv=False) ** 3), m)
    if hasattr(np.linalg, "svdvals"):                          # NumPy 2
        _check(lambda a: np.sum(np.log(np.linalg.svdvals(a))), m)


def svd_invariant(a):
    """A function of the singular vectors their phases do not change."""
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    return np.sum(np.abs(u[:, 0]) ** 3) + np.sum(s) * np.sum(np.abs(vt[-1]) ** 3) + np.real(
        np.sum((u * s) @ vt * np.conj(a)))


@pytest.mark.parametrize("m", [M, T, W])
def test_svd_of_a_complex_matrix(m):
    _check(svd_invariant, m)


def eigh_invariant(a):
    w, v = np.linalg.eigh(a)
    return np.sum(w ** 2) + np.sum(np.abs(v[0]) ** 2 * w) + np.sum(np.abs(v[:, 1]) ** 3)


def eigh_upper(a):
    w, v = np.linalg.eigh(a, UPLO="U")
    return np.sum(np.abs(v @ np.diag(w) @ np.conj(v.T))) + w[0]


@pytest.mark.parametrize("f", [eigh_invariant, eigh_upper,
                               lambda a: np.sum(np.linalg.eigvalsh(a) ** 3),
                               lambda a: np.linalg.eigvalsh(a, UPLO="U")[-1]])
def test_eigh_of_a_hermitian_matrix(f):
    # H is read in one triangle: the other, and the diagonal's imaginary part, do not count
    noisy = H + np.triu(RNG.normal(size=(3, 3)) * 1j, 1)
    _check(f, H)
    _check(f, noisy if "U" not in f.__code__.co_consts else np.conj(noisy.T))


def test_a_function_of_the_phases_is_refused_not_wrong():
    def phase(a):
        u, s, vt = np.linalg.svd(a)
        return np.real(u[0, 0])
    with pytest.raises(ag.AstgradError, match="depends on those phases"):
        ag.grad(phase)(M)

    def eig_phase(a):
        return np.imag(np.linalg.eigh(a)[1][0, 0])
    with pytest.raises(ag.AstgradError, match="depends on those phases"):
        ag.grad(eig_phase)(H)


def test_repeated_values_are_refused_not_nan():
    with pytest.raises(ag.AstgradError, match="repeated values"):
        ag.grad(eigh_invariant)(np.eye(3, dtype=complex))
    with pytest.raises(ag.AstgradError, match="repeated values"):
        ag.grad(svd_invariant)(np.eye(3, dtype=complex) * (1 + 1j))


@pytest.mark.parametrize("m", [M, T, W])
def test_pinv_of_a_complex_matrix(m):
    _check(lambda a: np.sum(np.abs(np.linalg.pinv(a)) ** 2), m)


def test_svd_hermitian_of_a_complex_matrix():
    # NumPy reads the lower triangle (through eigh): the upper one has no derivative
    _check(lambda a: np.sum(np.linalg.svd(a, hermitian=True, compute_uv=False)), H)
    ag.check_grads(lambda a: np.sum(np.abs(np.linalg.svd(a, hermitian=True)[0]) ** 2
                                    * np.arange(1.0, 4.0)), (H,), order=1)


def test_pinv_hermitian():
    _check(lambda a: np.sum(np.abs(np.linalg.pinv(a, hermitian=True))), H)


# ---- the other rules that were for real values only ------------------------------------------
Y = RNG.normal(size=3) + 1j * RNG.normal(size=3)
ZN = Z.copy()
ZN[1] = np.nan


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("fn", [np.convolve, np.correlate], ids=["convolve", "correlate"])
def test_convolve_and_correlate_of_complex_signals(fn, mode):
    f = lambda a, v: np.sum(np.abs(fn(a, v, mode)) ** 2)          # noqa: E731
    for args in [(Z, Y), (Y, Z), (Z, np.real(Y)), (np.real(Z), Y)]:
        ag.check_grads(f, args, wrt=(0, 1), order=2)
    _, tangent = ag.jvp(lambda a: np.real(np.sum(fn(a, Y, mode) * (1 + 2j))))(Z, Z[::-1])
    np.testing.assert_allclose(tangent, np.real(np.sum(fn(Z[::-1], Y, mode) * (1 + 2j))))


@pytest.mark.parametrize("f", [
    lambda z: np.nanvar(z) + np.nanstd(z, ddof=1), lambda m: np.sum(np.nanvar(m, axis=0)),
    lambda m: np.sum(np.nanstd(m, axis=1, keepdims=True) ** 3),
])
def test_nanvar_and_nanstd_of_complex_values(f):
    arg = M if "m" in f.__code__.co_varnames else ZN
    _check(f, arg)
    if arg is ZN:
        assert ag.grad(f)(ZN)[1] == 0


@pytest.mark.skipif(not hasattr(np, "vecdot"), reason="NumPy 2's np.vecdot")
def test_vecdot_conjugates_its_first_argument():
    f = lambda a, b: np.sum(np.abs(np.vecdot(a, b) - 1j) ** 2)      # noqa: E731
    ag.check_grads(f, (T, T[::-1]), wrt=(0, 1), order=2)
    ag.check_grads(f, (np.real(T), T[0]), wrt=(0, 1), order=2)
    g = ag.grad(lambda a, b: np.real(np.vecdot(a, b)), wrt=(0, 1))(Z[:3], Y)
    np.testing.assert_allclose(g[0], np.conj(Y))                   # Re(conj(a) b) along a
    np.testing.assert_allclose(g[1], np.conj(Z[:3]))


def test_interp_of_complex_sample_values():
    xs, fp = np.array([-0.2, 0.3, 0.9, 1.4]), Z[:3] * 2
    f = lambda x, fp: np.sum(np.abs(np.interp(x, [0.0, 0.5, 1.0], fp)) ** 2)   # noqa: E731
    ag.check_grads(f, (xs, fp), wrt=(0, 1), order=2)
    assert ag.grad(f)(xs, fp).dtype == np.float64                 # the points stay real
    _, tangent = ag.jvp(lambda fp: np.interp(xs, [0.0, 0.5, 1.0], fp))(fp, Y)
    np.testing.assert_allclose(tangent, np.interp(xs, [0.0, 0.5, 1.0], Y))


def complex_points(z):
    return np.abs(np.interp(z, [0.0, 1.0], [1.0, 3.0]))


def test_interp_at_complex_points_is_refused():
    # x and xp are positions on the real line: NumPy refuses complex ones, and astgrad says
    # why at transform time
    with pytest.raises(ag.AstgradError, match="positions on the real line"):
        ag.grad(complex_points)(0.5 + 0.5j)


def qr_invariant(a):
    q, r = np.linalg.qr(a)
    return np.sum(np.abs(q[:, 0] * 2.0 + q[:, -1]) ** 2) + np.real(np.sum(r * (1 + 1j)))


@pytest.mark.parametrize("m", [M, T, W])
def test_qr_of_a_complex_matrix(m):
    _check(qr_invariant, m)
    _check(lambda a: np.sum(np.abs(np.linalg.qr(a, mode="r")) ** 2), m)


def test_qr_of_a_stack_and_a_real_matrix_through_complex_values():
    _check(lambda a: np.sum(np.abs(np.linalg.qr(a)[0] @ np.linalg.qr(a)[1][..., :1])), S,
           order=1)
    ag.check_grads(lambda x: np.sum(np.abs(np.linalg.qr(x * (1 + 2j))[1])), (np.real(T),),
                   order=2)


def cholesky_loss(a):
    c = np.linalg.cholesky(a)
    return np.sum(np.abs(c) ** 2 * np.arange(1.0, 10.0).reshape(3, 3)) + np.real(np.sum(c))


def test_cholesky_of_a_hermitian_matrix():
    noisy = H + np.triu(RNG.normal(size=(3, 3)) * 1j, 1) + 0.3j * np.eye(3)   # not read
    _check(cholesky_loss, H)
    _check(cholesky_loss, noisy)
    _check(lambda s: np.sum(np.abs(np.linalg.cholesky(s @ np.conj(np.swapaxes(s, -1, -2))
                                                      + 3 * np.eye(3)))), S)


def lstsq_all(a, b):
    x, res, rank, sv = np.linalg.lstsq(a, b)
    return np.sum(np.abs(x) ** 2) + np.sum(res) + np.sum(sv ** 2)


@pytest.mark.parametrize("a, b", [(T, Z), (T, np.real(Z)), (np.real(T), Z),
                                  (T, np.stack([Z, Z[::-1]], 1)), (M, Y)])
def test_lstsq_with_complex_values(a, b):
    ag.check_grads(lstsq_all, (a, b), wrt=(0, 1), order=2)
    ta, tb = np.cos(a) * (1 - 0.5j) if np.iscomplexobj(a) else np.cos(a), np.sin(b)
    _, tangent = ag.jvp(lstsq_all, wrt=(0, 1))(a, b, (ta, tb))
    eps = 1e-6
    numeric = (lstsq_all(a + eps * ta, b + eps * tb) - lstsq_all(a - eps * ta, b - eps * tb)) / (2 * eps)
    assert np.isclose(tangent, numeric, rtol=1e-6)
