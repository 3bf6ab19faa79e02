"""Rules for `scipy.linalg`'s counterparts of np.linalg, loaded with the other
`scipy.linalg` rules: solve, inv, det, eigh, eigvalsh, norm, svd, svdvals, pinv, lstsq.
Their math is np.linalg's: its rules are used here as rule helpers, with SciPy's
own options around them.

`assume_a` (solve, inv) names the matrix SciPy reads from `a`: a triangle mirrored
for 'sym' / 'pos' (and 'her' of a real `a`), a triangle for the triangular ones, the
diagonal for solve's 'diagonal'; the tangent of `a` is read the same way and the adjoint
goes back onto those entries. The rest ('tridiagonal', 'banded', 'her' of a complex `a`,
inv's 'diagonal', which keeps the other entries as they are) are refused, as are eigh's
generalized problem (`b=`) and subsets of eigenvalues, pinv's `atol` and `return_rank`,
lstsq of a stack or with 'gelsy', and `overwrite_a=True` where the derivative reads `a`
after SciPy may have overwritten it.
"""
import numpy as np
from scipy import linalg

from ...errors import NoRuleError
from ..lattice import Kind, broadcast, sequence_of
from ..registry import defjvp, defvjp
from ..template import rule_helper
from . import decompositions, linalg as numpy_linalg, norms
from .complex import real_of
from .reductions import _reduced, constant
from .scipy_matrices import _symmetric
from ... import runtime as rt

for _rule in (numpy_linalg.solve_a, numpy_linalg.solve_b, numpy_linalg.solve_t,
              numpy_linalg.inv_a, numpy_linalg.inv_t, numpy_linalg.det_a, numpy_linalg.det_t,
              decompositions.eigh_a, decompositions.eigh_t, decompositions.eigvalsh_a,
              decompositions.eigvalsh_t, norms.norm_x, norms.norm_t):
    rule_helper(_rule)         # np.linalg's rules, written out inside these ones
_mT = numpy_linalg._mT


def _square(drop):
    def kind(k, s):
        a = broadcast(k["a"], floating=True)
        return a.with_ndim(None if a.ndim is None else a.ndim - drop)
    return kind


@rule_helper
def _kept(value, overwrite_a, what):
    """`value`, or a refusal where SciPy may have overwritten `a`, which it reads."""
    return (rt.unsupported(f"{what} with overwrite_a=True (its derivative reads `a`, which "
                           f"SciPy may have overwritten); pass overwrite_a=False")
            if overwrite_a else value)


# ---- the matrix `assume_a` reads from `a` --------------------------------------------------
@rule_helper
def _general(assume_a):
    return assume_a is None or assume_a == "gen" or assume_a == "general"


@rule_helper
def _mirrored(assume_a, a):
    """One triangle read, mirrored: symmetric (Hermitian 'her' and 'pos' for a complex `a`
    are refused)."""
    return (assume_a == "sym" or assume_a == "symmetric" or np.isrealobj(a) and (
        assume_a == "pos" or assume_a == "positive definite" or assume_a == "her"
        or assume_a == "hermitian"))


@rule_helper
def _read(m, a, assume_a, lower, what):
    """The matrix SciPy reads from `m` (`a`, or its tangent)."""
    return (m if _general(assume_a) else
            _symmetric(m, lower) if _mirrored(assume_a, a) else
            np.triu(m) if assume_a == "upper triangular" else
            np.tril(m) if assume_a == "lower triangular" else
            m * np.eye(np.shape(m)[-1], dtype=m.dtype) if assume_a == "diagonal" and
            what == "scipy.linalg.solve" else
            rt.unsupported(f"{what} with assume_a={assume_a!r} (of this `a`); leave "
                           f"assume_a out"))


@rule_helper
def _onto(m, a, assume_a, lower, what):
    """The adjoint of `a` from `m`, that of the matrix SciPy reads from it."""
    return (m if _general(assume_a) else
            rt.to_triangle(m, "L" if lower else "U") if _mirrored(assume_a, a) else
            _read(m, a, assume_a, lower, what))


# ---- solve: x = A^-1 b, or A^-T b with transposed=True; a 1-d `b` one vector -----------------
@rule_helper
def _side(m, transposed):
    return _mT(m) if transposed else m


def solve_a(g, ans, a, b, lower=False, overwrite_a=False, overwrite_b=False, check_finite=True,
            assume_a=None, transposed=False):
    return _kept(_onto(_side(numpy_linalg.solve_a(
        g, ans, _side(_read(a, a, assume_a, lower, "scipy.linalg.solve"), transposed), b),
        transposed), a, assume_a, lower, "scipy.linalg.solve"), overwrite_a, "scipy.linalg.solve")


def solve_b(g, ans, a, b, lower=False, overwrite_a=False, overwrite_b=False, check_finite=True,
            assume_a=None, transposed=False):
    return _kept(numpy_linalg.solve_b(
        g, ans, _side(_read(a, a, assume_a, lower, "scipy.linalg.solve"), transposed), b),
        overwrite_a, "scipy.linalg.solve")


def solve_ta(t, ans, a, b, lower=False, overwrite_a=False, overwrite_b=False, check_finite=True,
             assume_a=None, transposed=False):
    return _kept(numpy_linalg.solve_t(
        _side(_read(t, a, assume_a, lower, "scipy.linalg.solve"), transposed), ans,
        _side(_read(a, a, assume_a, lower, "scipy.linalg.solve"), transposed), b),
        overwrite_a, "scipy.linalg.solve")


# x is linear in b: its tangent is x's solve of t (SciPy's own, on the matrix it read)
def solve_tb(t, ans, a, b, lower=False, overwrite_a=False, overwrite_b=False, check_finite=True,
             assume_a=None, transposed=False):
    return _kept(linalg.solve(a, t, lower=lower, assume_a=assume_a, transposed=transposed),
                 overwrite_a, "scipy.linalg.solve")


defvjp(linalg.solve, solve_a, solve_b, name="scipy.linalg.solve",
       kind=lambda k, s: broadcast(k["a"], k["b"], floating=True).with_ndim(
           None if k["a"].ndim is None or k["b"].ndim is None else
           k["a"].ndim - 1 if k["b"].ndim == 1 else max(k["a"].ndim, k["b"].ndim)))
defjvp(linalg.solve, solve_ta, solve_tb)


# ---- inv reads only its output; det reads `a` (and returns float64 for float32) -------------
def inv_a(g, ans, a, overwrite_a=False, check_finite=True, *, assume_a=None, lower=False):
    return _onto(numpy_linalg.inv_a(g, ans, a), a, assume_a, lower, "scipy.linalg.inv")


def inv_t(t, ans, a, overwrite_a=False, check_finite=True, *, assume_a=None, lower=False):
    return numpy_linalg.inv_t(_read(t, a, assume_a, lower, "scipy.linalg.inv"), ans, a)


defvjp(linalg.inv, inv_a, kind=_square(0), name="scipy.linalg.inv")
defjvp(linalg.inv, inv_t)


def _determinant(k, s):
    kind = _square(2)(k, s)
    return Kind(kind.ndim, kind.dtype, False, 16 if kind.dtype == "c" else 8)


defvjp(linalg.det,
       lambda g, ans, a, overwrite_a=False, check_finite=True:
       _kept(numpy_linalg.det_a(g, ans, a), overwrite_a, "scipy.linalg.det"),
       kind=_determinant, name="scipy.linalg.det")
defjvp(linalg.det,
       lambda t, ans, a, overwrite_a=False, check_finite=True:
       _kept(numpy_linalg.det_t(t, ans, a), overwrite_a, "scipy.linalg.det"))


# ---- eigh and eigvalsh: the standard problem, every eigenvalue; `lower` names the triangle --
@rule_helper
def _standard(value, b, subset_by_index, subset_by_value, what):
    return (rt.unsupported(f"{what} with b= (the generalized problem); solve the standard "
                           f"one, e.g. with L = cholesky(b, lower=True), eigh(solve_triangular"
                           f"(L, solve_triangular(L, a, lower=True).T, lower=True))")
            if b is not None else
            rt.unsupported(f"{what} of a subset of the eigenvalues; take all of them and "
                           f"index the result") if subset_by_index is not None or
            subset_by_value is not None else value)


@rule_helper
def _eigh(values, vectors, b, eigvals_only, overwrite_a, subset_by_index, subset_by_value):
    """eigh's rule from np.linalg's for the eigenvalues alone (`values`, which reads `a`) and
    for both (`vectors`)."""
    return _standard(_kept(values, overwrite_a, "scipy.linalg.eigh") if eigvals_only else vectors,
                     b, subset_by_index, subset_by_value, "scipy.linalg.eigh")


def eigh_a(g, ans, a, b=None, *, lower=True, eigvals_only=False, overwrite_a=False,
           overwrite_b=False, type=1, check_finite=True, subset_by_index=None,
           subset_by_value=None, driver=None):
    return _eigh(decompositions.eigvalsh_a(g, ans, a, "L" if lower else "U"),
                 decompositions.eigh_a(g, ans, a, "L" if lower else "U"),
                 b, eigvals_only, overwrite_a, subset_by_index, subset_by_value)


def eigh_t(t, ans, a, b=None, *, lower=True, eigvals_only=False, overwrite_a=False,
           overwrite_b=False, type=1, check_finite=True, subset_by_index=None,
           subset_by_value=None, driver=None):
    return _eigh(decompositions.eigvalsh_t(t, ans, a, "L" if lower else "U"),
                 decompositions.eigh_t(t, ans, a, "L" if lower else "U"),
                 b, eigvals_only, overwrite_a, subset_by_index, subset_by_value)


# b's derivative is refused with the rest of the generalized problem
def eigh_b(g, ans, a, b=None, *, lower=True, eigvals_only=False, overwrite_a=False,
           overwrite_b=False, type=1, check_finite=True, subset_by_index=None,
           subset_by_value=None, driver=None):
    return _standard(0.0, b, None, None, "scipy.linalg.eigh")


def _values(k, s):
    a = k["a"]
    return real_of(broadcast(a, floating=True)).with_ndim(None if a.ndim is None else a.ndim - 1)


def _eigh_kind(k, s):
    known, values_only = constant(k, s, "eigvals_only") if "eigvals_only" in k else (True, False)
    if not known:
        return Kind()
    if values_only:
        return _values(k, s)
    return sequence_of([Kind() if k["a"].dtype == "c" else
                        broadcast(k["a"], floating=True).with_ndim(None)])


defvjp(linalg.eigh, eigh_a, eigh_b, kind=_eigh_kind, name="scipy.linalg.eigh")
defjvp(linalg.eigh, eigh_t, eigh_b)
defvjp(linalg.eigvalsh,
       lambda g, ans, a, b=None, *, lower=True, overwrite_a=False, overwrite_b=False, type=1,
       check_finite=True, subset_by_index=None, subset_by_value=None, driver=None:
       _standard(_kept(decompositions.eigvalsh_a(g, ans, a, "L" if lower else "U"),
                       overwrite_a, "scipy.linalg.eigvalsh"),
                 b, subset_by_index, subset_by_value, "scipy.linalg.eigvalsh"),
       lambda g, ans, a, b=None, *, lower=True, overwrite_a=False, overwrite_b=False, type=1,
       check_finite=True, subset_by_index=None, subset_by_value=None, driver=None:
       _standard(0.0, b, None, None, "scipy.linalg.eigvalsh"),
       kind=_values, name="scipy.linalg.eigvalsh")
defjvp(linalg.eigvalsh,
       lambda t, ans, a, b=None, *, lower=True, overwrite_a=False, overwrite_b=False, type=1,
       check_finite=True, subset_by_index=None, subset_by_value=None, driver=None:
       _standard(_kept(decompositions.eigvalsh_t(t, ans, a, "L" if lower else "U"),
                       overwrite_a, "scipy.linalg.eigvalsh"),
                 b, subset_by_index, subset_by_value, "scipy.linalg.eigvalsh"),
       lambda t, ans, a, b=None, *, lower=True, overwrite_a=False, overwrite_b=False, type=1,
       check_finite=True, subset_by_index=None, subset_by_value=None, driver=None:
       _standard(0.0, b, None, None, "scipy.linalg.eigvalsh"))


# ---- norm: np.linalg.norm's (SciPy's differs in speed only); a vector's 2-norm is a float ----
def _norm_kind(k, s):
    kind = real_of(_reduced(k, s))
    return Kind(kind.ndim, kind.dtype, None if kind.ndim == 0 else False)


# A matrix's ord 1 and inf come from LAPACK's lange for some layouts: a Python float, rounded
# otherwise than the column (row) sums the slope finds the largest of by comparing them with
# it; there the slope compares them with NumPy's norm, their largest.
@rule_helper
def _numpy(ans, a, ord, axis):
    return (np.linalg.norm(a, ord) if axis is None and np.ndim(a) == 2 and
            (ord == 1 or ord == np.inf) else ans)


defvjp(linalg.norm,
       lambda g, ans, a, ord=None, axis=None, keepdims=False, check_finite=True:
       norms.norm_x(g, _numpy(ans, a, ord, axis), a, ord, axis, keepdims),
       kind=_norm_kind, name="scipy.linalg.norm")
defjvp(linalg.norm,
       lambda t, ans, a, ord=None, axis=None, keepdims=False, check_finite=True:
       norms.norm_t(t, _numpy(ans, a, ord, axis), a, ord, axis, keepdims))


# ---- svd and svdvals -----------------------------------------------------------------------
@rule_helper
def _reduced_only(value, a, full_matrices, compute_uv):
    return (rt.unsupported("scipy.linalg.svd of a non-square matrix with full_matrices=True "
                           "(its extra singular vectors have no derivative); pass "
                           "full_matrices=False")
            if compute_uv and full_matrices and np.shape(a)[-1] != np.shape(a)[-2] else value)


defvjp(linalg.svd,
       lambda g, ans, a, full_matrices=True, compute_uv=True, overwrite_a=False,
       check_finite=True, lapack_driver="gesdd":
       _reduced_only(decompositions._svd_adjoint(g, ans, a, compute_uv) if compute_uv else
                     _kept(decompositions._svd_adjoint(g, ans, a, compute_uv), overwrite_a,
                           "scipy.linalg.svd"), a, full_matrices, compute_uv),
       kind=decompositions._factors, name="scipy.linalg.svd")
defjvp(linalg.svd,
       lambda t, ans, a, full_matrices=True, compute_uv=True, overwrite_a=False,
       check_finite=True, lapack_driver="gesdd":
       _reduced_only(decompositions._svd_tangent(t, ans, a, compute_uv) if compute_uv else
                     _kept(decompositions._svd_tangent(t, ans, a, compute_uv), overwrite_a,
                           "scipy.linalg.svd"), a, full_matrices, compute_uv))
defvjp(linalg.svdvals,
       lambda g, ans, a, overwrite_a=False, check_finite=True:
       _kept(rt.singular_values_adjoint(g, a), overwrite_a, "scipy.linalg.svdvals"),
       kind=_values, name="scipy.linalg.svdvals")
defjvp(linalg.svdvals,
       lambda t, ans, a, overwrite_a=False, check_finite=True:
       _kept(rt.singular_values_tangent(t, a), overwrite_a, "scipy.linalg.svdvals"))


# ---- pinv, where the matrix has full rank: SciPy's cut is atol + rtol * max(s); with rtol
# alone it is np.linalg.pinv's rcond. atol (an absolute cut) and return_rank are refused. -----
def _pseudo_inverse(k, s):
    if s.get("return_rank"):
        raise NoRuleError("`scipy.linalg.pinv(..., return_rank=True)` returns the rank too, "
                          "which astgrad does not differentiate: call `pinv(a)` and, if you "
                          "need it, `np.linalg.matrix_rank(a)`")
    return _square(0)(k, s)


@rule_helper
def _relative(value, atol, return_rank):
    return (rt.unsupported("scipy.linalg.pinv with atol= (an absolute cut-off); pass rtol=")
            if atol is not None else
            rt.unsupported("scipy.linalg.pinv with return_rank=True") if return_rank else value)


defvjp(linalg.pinv,
       lambda g, ans, a, *, atol=None, rtol=None, return_rank=False, check_finite=True:
       _relative(decompositions._pinv_adjoint(g, ans, a, rtol), atol, return_rank),
       kind=_pseudo_inverse, name="scipy.linalg.pinv")
defjvp(linalg.pinv,
       lambda t, ans, a, *, atol=None, rtol=None, return_rank=False, check_finite=True:
       _relative(decompositions._pinv_tangent(t, ans, a, rtol), atol, return_rank))


# ---- lstsq, where the matrix has full rank: np.linalg.lstsq's rules, `cond` its rcond; SciPy's
# residues of a 1-d b are a scalar. Stacks, 'gelsy' (no singular values) and overwriting refused.
@rule_helper
def _least_squares(value, a, overwrite_a, overwrite_b, lapack_driver):
    return (rt.unsupported("scipy.linalg.lstsq of a stack of matrices; solve each")
            if np.ndim(a) > 2 else
            rt.unsupported("scipy.linalg.lstsq with lapack_driver='gelsy' (it gives no "
                           "singular values, whose cut-off decides the rank); leave it out")
            if lapack_driver == "gelsy" else
            rt.unsupported("scipy.linalg.lstsq with overwrite_a=True or overwrite_b=True (its "
                           "derivative reads `a` and `b`, which SciPy may have overwritten); "
                           "leave them False") if overwrite_a or overwrite_b else value)


defvjp(linalg.lstsq,
       lambda g, ans, a, b, cond=None, overwrite_a=False, overwrite_b=False, check_finite=True,
       lapack_driver=None: _least_squares(decompositions._lstsq_a(g, ans, a, b, cond), a,
                                          overwrite_a, overwrite_b, lapack_driver),
       lambda g, ans, a, b, cond=None, overwrite_a=False, overwrite_b=False, check_finite=True,
       lapack_driver=None: _least_squares(decompositions._lstsq_b(g, ans, a, b, cond), a,
                                          overwrite_a, overwrite_b, lapack_driver),
       kind=decompositions._lstsq_kind, name="scipy.linalg.lstsq")
defjvp(linalg.lstsq,
       lambda t, ans, a, b, cond=None, overwrite_a=False, overwrite_b=False, check_finite=True,
       lapack_driver=None: _least_squares(rt.scipy_residues(
           decompositions._lstsq_ta(t, ans, a, b, cond), ans[1]), a, overwrite_a, overwrite_b,
           lapack_driver),
       lambda t, ans, a, b, cond=None, overwrite_a=False, overwrite_b=False, check_finite=True,
       lapack_driver=None: _least_squares(rt.scipy_residues(
           decompositions._lstsq_tb(t, ans, a, b, cond), ans[1]), a, overwrite_a, overwrite_b,
           lapack_driver))
