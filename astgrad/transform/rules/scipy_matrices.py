"""Rules for `scipy.linalg`'s functions of matrices, loaded with the other
`scipy.linalg` rules: triangular solves, Cholesky (each triangle), the matrix
exponential and square root, Sylvester equations. Their rules are written with
the same functions, so they differentiate again."""
import inspect

import numpy as np
from scipy import linalg

from ...errors import NoRuleError
from ..lattice import broadcast
from ..registry import defjvp, deflinear, defvjp
from ..template import rule_helper
from .linalg import _halved


def _matrix(k, s):
    first = next(iter(k.values()))
    return broadcast(first, floating=True).with_ndim(first.ndim)


def _square_root(k, s):
    """sqrtm's kind; `disp=False` makes it return a pair (the root and an error estimate),
    which has no rule: refused when the transform sees it."""
    if s.get("disp", True) is False:
        raise NoRuleError("`scipy.linalg.sqrtm(..., disp=False)` returns the root with an "
                          "error estimate, which astgrad does not differentiate: call "
                          "`sqrtm(A)` and compute the residual `s @ s - A` if you need it")
    return _matrix(k, s)


def _solution(k, s):
    return broadcast(k["a"], k["b"], floating=True).with_ndim(k["b"].ndim)


@rule_helper
def _mT(m):
    return np.swapaxes(m, -1, -2)


@rule_helper
def _outer(u, v, b):
    """u v^T for vectors b, u @ v^T for matrices (one column a right-hand side); the test
    reads b, a name, so that it folds away and u is computed once."""
    return np.outer(u, v) if np.ndim(b) == 1 else u @ np.transpose(v)


# ---- triangular solves: x = op(A)^-1 b, A the triangle `lower` names (its diagonal ones
# with unit_diagonal), op a transpose for trans 1 / 'T' (and 2 / 'C', the same for reals) ----
@rule_helper
def _transposed(trans):
    return trans == 1 or trans == 2 or trans == "T" or trans == "C"


@rule_helper
def _triangle(m, lower, unit_diagonal):
    """The entries of `m` solve_triangular reads."""
    return (np.tril(m, -1 if unit_diagonal else 0) if lower else
            np.triu(m, 1 if unit_diagonal else 0))


@rule_helper
def _back(g, a, trans, lower, unit_diagonal):
    """op(A)^-T g."""
    return linalg.solve_triangular(a, g, trans=0 if _transposed(trans) else 1, lower=lower,
                                   unit_diagonal=unit_diagonal)


def solve_triangular_a(g, ans, a, b, trans=0, lower=False, unit_diagonal=False,
                       overwrite_b=False, check_finite=True):
    return _triangle(-_outer(ans, _back(g, a, trans, lower, unit_diagonal), b)
                     if _transposed(trans) else
                     -_outer(_back(g, a, trans, lower, unit_diagonal), ans, b),
                     lower, unit_diagonal)


def solve_triangular_b(g, ans, a, b, trans=0, lower=False, unit_diagonal=False,
                       overwrite_b=False, check_finite=True):
    return _back(g, a, trans, lower, unit_diagonal)


# d x = -op(A)^-1 op(dA) x
def solve_triangular_ta(t, ans, a, b, trans=0, lower=False, unit_diagonal=False,
                        overwrite_b=False, check_finite=True):
    return -linalg.solve_triangular(
        a, (np.transpose(_triangle(t, lower, unit_diagonal)) if _transposed(trans) else
            _triangle(t, lower, unit_diagonal)) @ ans,
        trans=trans, lower=lower, unit_diagonal=unit_diagonal)


defvjp(linalg.solve_triangular, solve_triangular_a, solve_triangular_b,
       kind=_solution, name="scipy.linalg.solve_triangular")
defjvp(linalg.solve_triangular, solve_triangular_ta)
deflinear(linalg.solve_triangular, "b")


# ---- Cholesky: L = cholesky(a, lower=True) reads the lower triangle of a; the upper factor
# U = L(a^T)^T the upper one. With P = tril(L^T g), diagonal halved, the symmetric adjoint
# is L^-T (P + P^T) L^-1 / 2 (Murray 2016, arXiv:1602.07527): twice that below the diagonal
# of the triangle read, once on it. ----------------------------------------------------------
@rule_helper
def _cholesky_lower(g, L, ans):
    """The adjoint of `a` (its lower triangle) from that of L = cholesky(a, lower=True)
    (`ans`, L or its transpose, for the dtype)."""
    return _halved(np.tril(linalg.solve_triangular(L, _mT(linalg.solve_triangular(
        L, _halved(np.tril(_mT(L) @ g), np.shape(L)[-1], ans)
        + _mT(_halved(np.tril(_mT(L) @ g), np.shape(L)[-1], ans)),
        trans=1, lower=True)), trans=1, lower=True)), np.shape(L)[-1], ans)


@rule_helper
def _cholesky_tangent(m, L, ans):
    """dL = L Phi(L^-1 m L^-T) for the symmetric tangent m, Phi the lower triangle with the
    diagonal halved."""
    return L @ _halved(np.tril(linalg.solve_triangular(
        L, _mT(linalg.solve_triangular(L, m, lower=True)), lower=True)), np.shape(L)[-1], ans)


@rule_helper
def _symmetric(t, lower):
    """The symmetric matrix a function reading one triangle of t sees."""
    return (np.tril(t) + _mT(np.tril(t, -1)) if lower else np.triu(t) + _mT(np.triu(t, 1)))


defvjp(linalg.cholesky,
       lambda g, ans, a, lower=False, overwrite_a=False, check_finite=True:
       _cholesky_lower(g, ans, ans) if lower else _mT(_cholesky_lower(_mT(g), _mT(ans), ans)),
       kind=_matrix, name="scipy.linalg.cholesky")
defjvp(linalg.cholesky,
       lambda t, ans, a, lower=False, overwrite_a=False, check_finite=True:
       _cholesky_tangent(_symmetric(t, lower), ans, ans) if lower else
       _mT(_cholesky_tangent(_symmetric(t, lower), _mT(ans), ans)))


# ---- the matrix exponential: its derivative at a along e is the upper right block of
# expm([[a, e], [0, a]]) (Najfeld and Havel 1995); the adjoint is that at a^T along g ----------
@rule_helper
def _expm_along(a, e):
    return linalg.expm(np.concatenate([np.concatenate([a, e], -1),
                                       np.concatenate([np.zeros_like(a), a], -1)], -2)
                       )[..., :np.shape(a)[-1], np.shape(a)[-1]:]


defvjp(linalg.expm, lambda g, ans, A: _expm_along(_mT(A), g), kind=_matrix,
       name="scipy.linalg.expm")
defjvp(linalg.expm, lambda t, ans, A: _expm_along(A, t))

# ---- Sylvester equations: a x + x b = q; with y = solve_sylvester(a^T, b^T, g), q gets y,
# a gets -y x^T and b gets -x^T y --------------------------------------------------------------
defvjp(linalg.solve_sylvester,
       lambda g, ans, a, b, q: -linalg.solve_sylvester(_mT(a), _mT(b), g) @ _mT(ans),
       lambda g, ans, a, b, q: -_mT(ans) @ linalg.solve_sylvester(_mT(a), _mT(b), g),
       lambda g, ans, a, b, q: linalg.solve_sylvester(_mT(a), _mT(b), g),
       kind=_matrix, name="scipy.linalg.solve_sylvester")
defjvp(linalg.solve_sylvester,
       lambda t, ans, a, b, q: -linalg.solve_sylvester(a, b, t @ ans),
       lambda t, ans, a, b, q: -linalg.solve_sylvester(a, b, ans @ t))
deflinear(linalg.solve_sylvester, "q")

# ---- the matrix square root: x x = A, so x dx + dx x = dA, a Sylvester equation -------------
# Before SciPy 1.16, sqrtm is (A, disp=True, blocksize=64); 1.16 deprecated both, whose
# defaults became a marker of "not given"; 1.18 removed them.
_DISP = inspect.signature(linalg.sqrtm).parameters.get("disp")
if _DISP is None:
    defvjp(linalg.sqrtm, lambda g, ans, A: linalg.solve_sylvester(_mT(ans), _mT(ans), g),
           kind=_matrix, name="scipy.linalg.sqrtm")
    defjvp(linalg.sqrtm, lambda t, ans, A: linalg.solve_sylvester(ans, ans, t))
elif _DISP.default is True:
    defvjp(linalg.sqrtm,
           lambda g, ans, A, disp=True, blocksize=64:
           linalg.solve_sylvester(_mT(ans), _mT(ans), g),
           kind=_square_root, name="scipy.linalg.sqrtm")
    defjvp(linalg.sqrtm,
           lambda t, ans, A, disp=True, blocksize=64: linalg.solve_sylvester(ans, ans, t))
else:
    defvjp(linalg.sqrtm,
           lambda g, ans, A, disp=None, blocksize=None:
           linalg.solve_sylvester(_mT(ans), _mT(ans), g),
           kind=_square_root, name="scipy.linalg.sqrtm")
    defjvp(linalg.sqrtm,
           lambda t, ans, A, disp=None, blocksize=None: linalg.solve_sylvester(ans, ans, t))
