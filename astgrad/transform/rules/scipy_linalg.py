"""Rules for `scipy.linalg`, registered once the user's code imports it: here the
factor-and-solve pairs `cho_factor`/`cho_solve` and `lu_factor`/`lu_solve`; the
functions of matrices (solve_triangular, cholesky, expm, sqrtm, solve_sylvester)
are in `scipy_matrices`, np.linalg's counterparts (solve, inv, det, eigh, norm, svd,
pinv, ...) in `scipy_linalg_basic`.

`cho_factor` returns c, the factor in one triangle and a's own entries in the
other (zeros since SciPy 1.18), so c's adjoint reaches a through the Cholesky rule
and straight across.
`lu_factor` packs A = P L U into one matrix (L's unit diagonal left out) and the
row swaps; with F = L^-1 P^T dA U^-1, d lu = L tril(F, -1) + triu(F) U. The solves
are differentiated with respect to the right-hand side and the factor (the tuple's
flag or row swaps have no derivative)."""
import inspect

import numpy as np
from scipy import linalg

from ..lattice import broadcast, sequence_of
from ..registry import defjvp, deflinear, defnondiff, defvjp
from ..template import rule_helper
from ... import runtime as rt
from . import scipy_matrices  # noqa: F401  (the functions of matrices)
from .scipy_matrices import (_cholesky_lower, _cholesky_tangent, _mT, _outer, _symmetric,
                             _transposed)


def lu_permutation(piv):
    """The rows of `a` that `lu_factor(a)` puts first, second, ...: a[p] = L U."""
    p = np.arange(len(piv))
    for i, j in enumerate(piv):
        p[i], p[j] = p[j], p[i]
    return p


defnondiff(lu_permutation)


def _pair(k, s):
    """A tuple: the factor, and a flag or the row swaps; its adjoints add item by item."""
    return sequence_of([broadcast(k["a"], floating=True)])


# ---- Cholesky ---------------------------------------------------------------------------------
# Before SciPy 1.18, c's other triangle holds a's own entries (its adjoint goes straight
# across to a's); since 1.18 it holds zeros (no derivative). Asked of the SciPy installed.
_ACROSS = bool(linalg.cho_factor(np.array([[4.0, 1.0], [1.0, 4.0]]), lower=True)[0][0, 1])

if _ACROSS:
    def cho_factor_a(g, ans, a, lower=False, overwrite_a=False, check_finite=True):
        return (_cholesky_lower(np.tril(g[0]), np.tril(ans[0]), ans[0]) + np.triu(g[0], 1)
                if lower else
                _mT(_cholesky_lower(_mT(np.triu(g[0])), _mT(np.triu(ans[0])), ans[0]))
                + np.tril(g[0], -1))

    def cho_factor_t(t, ans, a, lower=False, overwrite_a=False, check_finite=True):
        return (_cholesky_tangent(_symmetric(t, lower), np.tril(ans[0]), ans[0])
                + np.triu(t, 1) if lower else
                _mT(_cholesky_tangent(_symmetric(t, lower), _mT(np.triu(ans[0])), ans[0]))
                + np.tril(t, -1), 0.0 * ans[1])
else:
    def cho_factor_a(g, ans, a, lower=False, overwrite_a=False, check_finite=True):
        return (_cholesky_lower(np.tril(g[0]), np.tril(ans[0]), ans[0]) if lower else
                _mT(_cholesky_lower(_mT(np.triu(g[0])), _mT(np.triu(ans[0])), ans[0])))

    def cho_factor_t(t, ans, a, lower=False, overwrite_a=False, check_finite=True):
        return (_cholesky_tangent(_symmetric(t, lower), np.tril(ans[0]), ans[0]) if lower else
                _mT(_cholesky_tangent(_symmetric(t, lower), _mT(np.triu(ans[0])), ans[0])),
                0.0 * ans[1])


defvjp(linalg.cho_factor, cho_factor_a, kind=_pair, name="scipy.linalg.cho_factor")
defjvp(linalg.cho_factor, cho_factor_t)


# x = A^-1 b with A = F F^T, F = tril(c) (or triu(c)^T): A's symmetric adjoint is
# S = -(bb x^T + x bb^T) / 2 with bb = A^-1 g, and F's is 2 S F (the flag's is 0.0)
@rule_helper
def _factor_adjoint(s, c, lower):
    return np.tril(s @ np.tril(c)) if lower else np.triu(np.triu(c) @ s)


def cho_solve_c(g, ans, c_and_lower, b, overwrite_b=False, check_finite=True):
    return (_factor_adjoint(-rt.symmetric_outer(linalg.cho_solve(c_and_lower, g), ans),
                            c_and_lower[0], c_and_lower[1]), 0.0)


def cho_solve_b(g, ans, c_and_lower, b, overwrite_b=False, check_finite=True):
    return linalg.cho_solve(c_and_lower, g)


# d x = -A^-1 dA x, dA = F dF^T + dF F^T
def cho_solve_tc(t, ans, c_and_lower, b, overwrite_b=False, check_finite=True):
    return -linalg.cho_solve(c_and_lower, (
        np.tril(c_and_lower[0]) @ (_mT(np.tril(t[0])) @ ans)
        + np.tril(t[0]) @ (_mT(np.tril(c_and_lower[0])) @ ans) if c_and_lower[1] else
        _mT(np.triu(c_and_lower[0])) @ (np.triu(t[0]) @ ans)
        + _mT(np.triu(t[0])) @ (np.triu(c_and_lower[0]) @ ans)))


defvjp(linalg.cho_solve, cho_solve_c, cho_solve_b, kind=lambda k, s: k["b"],
       name="scipy.linalg.cho_solve")
defjvp(linalg.cho_solve, cho_solve_tc)
deflinear(linalg.cho_solve, "b")


# ---- LU -------------------------------------------------------------------------------------
@rule_helper
def _unit_lower(lu):
    return np.tril(lu, -1) + np.eye(np.shape(lu)[0])


# A's adjoint is P L^-T bF U^-T with bF = tril(L^T g, -1) + triu(g U^T)
def lu_factor_a(g, ans, a, overwrite_a=False, check_finite=True):
    return linalg.solve_triangular(
        ans[0], _mT(linalg.solve_triangular(ans[0], _mT(
            np.tril(_mT(_unit_lower(ans[0])) @ g[0], -1) + np.triu(g[0] @ _mT(np.triu(ans[0])))))),
        trans=1, lower=True, unit_diagonal=True)[np.argsort(lu_permutation(ans[1]))]


@rule_helper
def _lu_f(t, lu, piv):
    """F = L^-1 P^T t U^-1."""
    return _mT(linalg.solve_triangular(lu, _mT(linalg.solve_triangular(
        lu, t[lu_permutation(piv)], lower=True, unit_diagonal=True)), trans=1))


def lu_factor_t(t, ans, a, overwrite_a=False, check_finite=True):
    return (_unit_lower(ans[0]) @ np.tril(_lu_f(t, ans[0], ans[1]), -1)
            + np.triu(_lu_f(t, ans[0], ans[1])) @ np.triu(ans[0]), 0 * ans[1])


defvjp(linalg.lu_factor, lu_factor_a, kind=_pair, name="scipy.linalg.lu_factor")
defjvp(linalg.lu_factor, lu_factor_t)


@rule_helper
def _packed_adjoint(m, lu):
    """lu's adjoint from P^T A's adjoint m, through P^T A = L U."""
    return np.tril(m @ _mT(np.triu(lu)), -1) + np.triu(_mT(_unit_lower(lu)) @ m)


# x = op(A)^-1 b. trans 0: P^T A's adjoint is -(L^-T U^-T g) x^T; trans 1: -x[p] (A^-1 g)^T
def lu_solve_lu(g, ans, lu_and_piv, b, trans=0, overwrite_b=False, check_finite=True):
    return (_packed_adjoint(
        -_outer(ans[lu_permutation(lu_and_piv[1])], linalg.lu_solve(lu_and_piv, g), b)
        if _transposed(trans) else
        -_outer(linalg.solve_triangular(lu_and_piv[0], linalg.solve_triangular(
            lu_and_piv[0], g, trans=1), trans=1, lower=True, unit_diagonal=True), ans, b),
        lu_and_piv[0]), 0.0)


def lu_solve_b(g, ans, lu_and_piv, b, trans=0, overwrite_b=False, check_finite=True):
    return linalg.lu_solve(lu_and_piv, g, trans=0 if _transposed(trans) else 1)


# trans 0: d x = -U^-1 L^-1 (dL U + L dU) x; trans 1: d x = -A^-T (dL U + L dU)^T x[p]
def lu_solve_tlu(t, ans, lu_and_piv, b, trans=0, overwrite_b=False, check_finite=True):
    return (-linalg.lu_solve(lu_and_piv, _mT(np.triu(lu_and_piv[0])) @ (
        _mT(np.tril(t[0], -1)) @ ans[lu_permutation(lu_and_piv[1])])
        + _mT(np.triu(t[0])) @ (_mT(_unit_lower(lu_and_piv[0]))
                                @ ans[lu_permutation(lu_and_piv[1])]), trans=1)
        if _transposed(trans) else
        -linalg.solve_triangular(lu_and_piv[0], linalg.solve_triangular(
            lu_and_piv[0], np.tril(t[0], -1) @ (np.triu(lu_and_piv[0]) @ ans), lower=True,
            unit_diagonal=True) + np.triu(t[0]) @ ans))


defvjp(linalg.lu_solve, lu_solve_lu, lu_solve_b, kind=lambda k, s: k["b"],
       name="scipy.linalg.lu_solve")
defjvp(linalg.lu_solve, lu_solve_tlu)
deflinear(linalg.lu_solve, "b")


def _signatures_as_written() -> bool:
    """`scipy_linalg_basic`'s rules take the signatures SciPy 1.17 gives (`inv`'s
    `assume_a`, `solve`'s default `assume_a=None`, no `turbo` in `eigh`, no `cond` in
    `pinv`); with an older SciPy those ten functions keep no rules (refused, naming the
    line), rather than rules that would not match their options."""
    params = {n: inspect.signature(getattr(linalg, n)).parameters
              for n in ("solve", "inv", "eigh", "eigvalsh", "pinv")}
    return params["solve"]["assume_a"].default is None and "assume_a" in params["inv"] \
        and "turbo" not in params["eigh"] and "turbo" not in params["eigvalsh"] \
        and "cond" not in params["pinv"]


if _signatures_as_written():
    from . import scipy_linalg_basic  # noqa: F401,E402  (np.linalg's counterparts)
