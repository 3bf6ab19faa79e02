"""The `scipy.linalg` and `scipy.signal` rules against finite differences in
reverse, forward and second order: triangular solves in every variant, Cholesky
(each triangle, read from that triangle only), expm, sqrtm, solve_sylvester,
cho_factor and lu_factor (with row swaps), the solves with respect to the
right-hand side and refused with respect to the factors; convolve and correlate
in every mode, 1-d and 2-d, either input the larger."""
import numpy as np
import pytest

linalg = pytest.importorskip("scipy.linalg")

from scipy import signal  # noqa: E402

import astgrad as ag  # noqa: E402

_r = np.random.default_rng(20261128)
A = _r.uniform(-1, 1, (3, 3)) + 2.5 * np.eye(3)
SWAPPED = A[[2, 0, 1]]                         # lu_factor swaps its rows
B = _r.uniform(-1, 1, (3, 2))
b = _r.uniform(-1, 1, 3)
_L = np.tril(_r.uniform(0.2, 1.0, (3, 3))) + np.eye(3)
SPD = _L @ _L.T
W = _r.uniform(0.5, 1.5, (3, 3))


# ---- triangular solves ----------------------------------------------------------------------
def tri_lower(A, B):
    return np.sum(W[:, :2] * linalg.solve_triangular(A, B, lower=True))


def tri_upper_trans(A, b):
    return np.sum(W[0] * linalg.solve_triangular(A, b, trans=1))


def tri_unit(A, B):
    return np.sum(W[:, :2] * linalg.solve_triangular(A, B, trans="T", lower=True,
                                                       unit_diagonal=True))


def tri_twice(A, b):
    x = linalg.solve_triangular(A, b, lower=True)
    return np.sum(linalg.solve_triangular(A, x, trans="T", lower=True) ** 2)


@pytest.mark.parametrize("f, args", [(tri_lower, (A, B)), (tri_upper_trans, (A, b)),
                                     (tri_unit, (A, B)), (tri_twice, (A, b))])
def test_solve_triangular(f, args):
    ag.check_grads(f, args, wrt=(0, 1), order=2)


def test_solve_triangular_reads_one_triangle():
    grad = ag.grad(tri_lower)(A, B)
    assert np.all(np.triu(grad, 1) == 0.0)
    grad = ag.grad(tri_unit)(A, B)
    assert np.all(np.triu(grad) == 0.0)


# ---- functions of matrices ------------------------------------------------------------------
def chol_lower(S):
    return np.sum(W * linalg.cholesky(S, lower=True))


def chol_upper(S):
    return np.sum(W * linalg.cholesky(S))


def expm(M):
    return np.sum(W * linalg.expm(M))


def sqrtm(S):
    return np.sum(W * linalg.sqrtm(S))


def sylvester(a, b, q):
    return np.sum(W * linalg.solve_sylvester(a, b, q))


@pytest.mark.parametrize("f, args", [(chol_lower, (SPD,)), (chol_upper, (SPD,)),
                                     (expm, (0.3 * A,)), (sqrtm, (SPD,)),
                                     (sylvester, (A, SPD, W))])
def test_functions_of_matrices(f, args):
    ag.check_grads(f, args, wrt=tuple(range(len(args))), order=2)


def test_each_cholesky_reads_its_own_triangle():
    assert np.all(np.triu(ag.grad(chol_lower)(SPD), 1) == 0.0)
    assert np.all(np.tril(ag.grad(chol_upper)(SPD), -1) == 0.0)


# ---- factors, and solves with them ----------------------------------------------------------
def cho_factor_lower(S):
    c, low = linalg.cho_factor(S, lower=True)
    return np.sum(W * c)


def cho_logdet(S):
    c, low = linalg.cho_factor(S)
    return 2.0 * np.sum(np.log(np.diag(c)))


def cho_solve_rhs(B):
    return np.sum(W[:, :2] * linalg.cho_solve(linalg.cho_factor(SPD), B) ** 2)


def lu_factor(M):
    lu, piv = linalg.lu_factor(M)
    return np.sum(W * lu)


def lu_solve_rhs(b):
    return np.sum(W[0] * linalg.lu_solve(linalg.lu_factor(SWAPPED), b, trans=1) ** 2)


@pytest.mark.parametrize("f, arg", [(cho_factor_lower, SPD), (cho_logdet, SPD),
                                    (cho_solve_rhs, B), (lu_factor, SWAPPED), (lu_factor, A),
                                    (lu_solve_rhs, b)])
def test_factors(f, arg):
    ag.check_grads(f, (arg,), order=2)


def test_cho_factor_logdet_is_the_inverse():
    np.testing.assert_allclose(ag.grad(cho_logdet)(SPD), np.triu(2 * np.linalg.inv(SPD), 1)
                               + np.diag(np.diag(np.linalg.inv(SPD))), rtol=1e-10)


def cho_through_factor(S, b):
    c, low = linalg.cho_factor(S)
    return np.sum(np.sin(linalg.cho_solve((c, low), b)))           # the tuple rebuilt


def cho_lower_through_factor(S, b):
    c, low = linalg.cho_factor(S, lower=True)
    return np.sum(np.sin(linalg.cho_solve((c, low), b)))


def cho_factor_passed_on(S, b):
    factor = linalg.cho_factor(S, lower=True)
    return np.sum(np.sin(linalg.cho_solve(factor, b)))              # the tuple as it came


def lu_through_factor(M, b):
    lu, piv = linalg.lu_factor(M)
    return np.sum(np.sin(linalg.lu_solve((lu, piv), b)))


def lu_transposed_through_factor(M, b):
    return np.sum(np.sin(linalg.lu_solve(linalg.lu_factor(M), b, trans=1)))


FACTOR_SOLVES = [(cho_through_factor, SPD), (cho_lower_through_factor, SPD),
                 (cho_factor_passed_on, SPD), (lu_through_factor, SWAPPED),
                 (lu_through_factor, A), (lu_transposed_through_factor, SWAPPED)]


@pytest.mark.parametrize("f, arg", FACTOR_SOLVES)
@pytest.mark.parametrize("rhs", [b, B], ids=["vector", "matrix"])
def test_a_solve_through_its_factors(f, arg, rhs):
    ag.check_grads(f, (arg, rhs), wrt=(0, 1), order=2)
    direction = (np.cos(arg), np.sin(rhs))
    _, tangent = ag.jvp(f, wrt=(0, 1))(arg, rhs, direction)
    eps = 1e-6
    numeric = (f(arg + eps * direction[0], rhs + eps * direction[1])
               - f(arg - eps * direction[0], rhs - eps * direction[1])) / (2 * eps)
    assert np.isclose(tangent, numeric, rtol=1e-6)


def test_a_solve_through_its_factors_is_the_solve_s_gradient():
    # d/dS sum(S^-1 b) by cho_solve (the upper factor, read in one triangle) and by solve
    g = ag.grad(lambda S, b: np.sum(linalg.cho_solve(linalg.cho_factor(S), b)))(SPD, b)
    full = ag.grad(lambda S, b: np.sum(np.linalg.solve(S, b)))(SPD, b)
    np.testing.assert_allclose(g, np.triu(full + full.T, 1) + np.diag(np.diag(full)), rtol=1e-10)


# ---- convolutions ---------------------------------------------------------------------------
def _conv(mode):
    def f(a, h):
        return np.sum(np.cos(signal.convolve(a, h, mode=mode)))
    return f


def _corr(mode):
    def f(a, h):
        return np.sum(np.cos(signal.correlate(a, h, mode)))
    return f


_a, _h = _r.standard_normal(6), _r.standard_normal(3)
_A2, _H2 = _r.standard_normal((4, 5)), _r.standard_normal((2, 3))
SIGNAL_CASES = [(make, mode, args) for make in (_conv, _corr)
                for mode in ("full", "valid", "same")
                for args in ((_a, _h), (_h, _a), (_A2, _H2))]


@pytest.mark.parametrize("make, mode, args", SIGNAL_CASES,
                         ids=[f"{m.__name__[1:]}-{mode}-{a[0].ndim}d-{a[0].size}"
                              for m, mode, a in SIGNAL_CASES])
def test_convolve_and_correlate(make, mode, args):
    ag.check_grads(make(mode), args, wrt=(0, 1), order=2)


# ---- a primitive given a tuple rebuilt in the user's code, (m, flag): its first-order code
# reads `(_1, True)[0]`, whose dependence on _1 the second differentiation once dropped
# (fixed with tests/test_literal_items.py; the optimizer now also folds it to `_1`), which
# is why cho_solve and lu_solve were refused in their factors --------------------------------
@ag.primitive
def _pair_solve(pair, b):
    return np.linalg.solve(pair[0], b)


ag.defvjp(_pair_solve,
          lambda g, ans, pair, b: [-np.outer(np.linalg.solve(np.transpose(pair[0]), g), ans),
                                   0.0],
          lambda g, ans, pair, b: np.linalg.solve(np.transpose(pair[0]), g))
ag.defjvp(_pair_solve,
          lambda t, ans, pair, b: -np.linalg.solve(pair[0], t[0] @ ans),
          lambda t, ans, pair, b: np.linalg.solve(pair[0], t))


def _pair_passed_on(M, b):
    pair = (M * 1.0, True)
    return np.sum(_pair_solve(pair, b))


def _pair_rebuilt(M, b):
    m, flag = (M * 1.0, True)
    return np.sum(_pair_solve((m, flag), b))


def test_a_tuple_passed_on_to_a_primitive_at_second_order():
    ag.check_grads(_pair_passed_on, (A, b), wrt=0, order=2)


def test_a_tuple_rebuilt_for_a_primitive_at_second_order():
    ag.check_grads(_pair_rebuilt, (A, b), wrt=0, order=2)


def _sqrtm_with_error(S):
    root, error = linalg.sqrtm(S, disp=False)
    return np.sum(root)


@pytest.mark.skipif("disp" not in __import__("inspect").signature(linalg.sqrtm).parameters,
                    reason="this SciPy's sqrtm has no `disp` (removed in SciPy 1.18)")
@pytest.mark.parametrize("transform", ["grad", "jvp"])
def test_sqrtm_returning_an_error_estimate_is_refused_at_its_line(transform):
    call = (ag.grad(_sqrtm_with_error) if transform == "grad"
            else lambda S: ag.jvp(_sqrtm_with_error)(S, S))
    with pytest.raises(ag.errors.NoRuleError, match=r"test_scipy_rules_linalg\.py:\d+: `scipy\.linalg"
                                             r"\.sqrtm\(\.\.\., disp=False\)` returns"):
        call(SPD)


def _det_of_solve(A, b):
    return linalg.det(A) * np.sum(linalg.solve(A, b))


def test_np_linalg_counterparts_have_rules_or_are_refused():
    """scipy.linalg.solve, det, ... have rules written for SciPy 1.17's signatures
    (tests/test_scipy_linalg_basic.py); with an older SciPy they are refused, never
    differentiated with rules that do not match their options."""
    from astgrad.transform.rules import scipy_linalg as rules
    A = np.array([[2.0, 0.3], [0.1, 1.5]])
    b = np.array([0.4, -0.7])
    if rules._signatures_as_written():
        ag.check_grads(_det_of_solve, (A, b), wrt=(0, 1), order=1)
    else:
        with pytest.raises(ag.AstgradError, match="scipy.linalg.det"):
            ag.grad(_det_of_solve)(A, b)
