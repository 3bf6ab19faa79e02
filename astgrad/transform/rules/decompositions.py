"""Rules for the matrix decompositions np.linalg.svd, eigh, eigvalsh and qr, and for
pinv and lstsq. Their adjoints and tangents are several statements long, so they are
plain NumPy functions in `astgrad/runtime/spectral.py`, which the compiler reads and
differentiates at higher order; they refuse, at run time, the points with no
derivative (repeated singular values or eigenvalues, a rank-deficient matrix)."""
import inspect

import numpy as np

from .. import lattice
from ..registry import defjvp, defnondiff, defvjp
from ..template import rule_helper
from .complex import real_of
from .reductions import constant
from ... import runtime as rt

defnondiff(rt.refuse_repeated, rt.refuse_rank_deficient, rt.refuse_eigenvectors, rt.refuse_phase)


def _factors(k, s):
    """A tuple of float arrays (so forward mode adds the tangents of two arguments element
    by element); a single array where `compute_uv=False` or `mode="r"` says so."""
    a = k["a"]
    floats = lattice.broadcast(a, floating=True)
    options = {n: constant(k, s, n) for n in ("compute_uv", "mode") if n in k}
    if not all(known for known, _ in options.values()):
        return lattice.UNKNOWN
    if options.get("compute_uv") == (True, False):       # the singular values: real
        return real_of(floats).with_ndim(None if a.ndim is None else a.ndim - 1)
    if options.get("mode") == (True, "r"):
        return floats.with_ndim(a.ndim)
    if a.dtype == "c":          # eigh's, svd's real values beside complex vectors
        return lattice.sequence_of([lattice.UNKNOWN])
    return lattice.sequence_of([floats.with_ndim(None)])


# ---- singular value decomposition -----------------------------------------------------
# compute_uv=False gives `s` alone, whose adjoint U diag(g) V^T needs no distinct values.
# full_matrices=True gives a non-square matrix extra singular vectors, with no derivative.
# hermitian=True decomposes the symmetric matrix of `a`'s lower triangle (through eigh).
@rule_helper
def _full_refused():
    return rt.unsupported("np.linalg.svd of a non-square matrix with full_matrices=True (its "
                          "extra singular vectors have no derivative); pass full_matrices=False")


@rule_helper
def _svd_adjoint(g, ans, a, compute_uv):
    return (rt.singular_values_adjoint(g, a) if not compute_uv else
            rt.svd_adjoint(g[0], g[1], g[2], ans[0], ans[1], ans[2]) if np.isrealobj(a) else
            rt.svd_adjoint_c(g[0], g[1], g[2], ans[0], ans[1], ans[2]))


@rule_helper
def _svd_tangent(t, ans, a, compute_uv):
    return (rt.singular_values_tangent(t, a) if not compute_uv else
            rt.svd_tangent(t, ans[0], ans[1], ans[2]) if np.isrealobj(a) else
            rt.svd_tangent_c(t, ans[0], ans[1], ans[2]))


# a symmetric matrix read from one triangle; for a complex one, Hermitian
@rule_helper
def _to_triangle(m, uplo, a):
    return rt.to_triangle(m, uplo) if np.isrealobj(a) else rt.to_hermitian(m, uplo)


@rule_helper
def _from_triangle(t, uplo, a):
    return rt.from_triangle(t, uplo) if np.isrealobj(a) else rt.from_hermitian(t, uplo)


def svd_a(g, ans, a, full_matrices=True, compute_uv=True, hermitian=False):
    return (_full_refused()
            if compute_uv and full_matrices and np.shape(a)[-1] != np.shape(a)[-2] else
            _to_triangle(_svd_adjoint(g, ans, _from_triangle(a, "L", a), compute_uv), "L", a)
            if hermitian else _svd_adjoint(g, ans, a, compute_uv))


def svd_t(t, ans, a, full_matrices=True, compute_uv=True, hermitian=False):
    return (_full_refused()
            if compute_uv and full_matrices and np.shape(a)[-1] != np.shape(a)[-2] else
            _svd_tangent(_from_triangle(t, "L", a), ans, _from_triangle(a, "L", a), compute_uv)
            if hermitian else _svd_tangent(t, ans, a, compute_uv))


defvjp(np.linalg.svd, svd_a, kind=_factors)
defjvp(np.linalg.svd, svd_t)

# ---- symmetric eigenproblems: `a` is read in its UPLO triangle -------------------------
def eigh_a(g, ans, a, UPLO="L"):
    return (rt.eigh_adjoint(g[0], g[1], ans[0], ans[1], UPLO) if np.isrealobj(a) else
            rt.eigh_adjoint_c(g[0], g[1], ans[0], ans[1], UPLO))


def eigh_t(t, ans, a, UPLO="L"):
    return (rt.eigh_tangent(t, ans[0], ans[1], UPLO) if np.isrealobj(a) else
            rt.eigh_tangent_c(t, ans[0], ans[1], UPLO))


def eigvalsh_a(g, ans, a, UPLO="L"):
    return (rt.eigvalsh_adjoint(g, a, UPLO) if np.isrealobj(a) else
            rt.eigvalsh_adjoint_c(g, a, UPLO))


def eigvalsh_t(t, ans, a, UPLO="L"):
    return (rt.eigvalsh_tangent(t, a, UPLO) if np.isrealobj(a) else
            rt.eigvalsh_tangent_c(t, a, UPLO))


defvjp(np.linalg.eigh, eigh_a, kind=_factors)
defjvp(np.linalg.eigh, eigh_t)
defvjp(np.linalg.eigvalsh, eigvalsh_a,
       kind=lambda k, s: real_of(k["a"]).with_ndim(None if k["a"].ndim is None else k["a"].ndim - 1))
defjvp(np.linalg.eigvalsh, eigvalsh_t)


# ---- qr: the reduced factors (mode "complete" is the same for a wide or square `a`);
# mode "r" gives `r` alone, whose adjoint is the reduced one with no adjoint of `q`
@rule_helper
def _qr_adjoint(gq, gr, q, r, a):
    return rt.qr_adjoint(gq, gr, q, r) if np.isrealobj(a) else rt.qr_adjoint_c(gq, gr, q, r)


@rule_helper
def _qr_tangent(t, q, r, a):
    return rt.qr_tangent(t, q, r) if np.isrealobj(a) else rt.qr_tangent_c(t, q, r)


def qr_a(g, ans, a, mode="reduced"):
    return (_qr_adjoint(g[0], g[1], ans[0], ans[1], a)
            if mode == "reduced" or mode == "complete" and np.shape(a)[-2] <= np.shape(a)[-1]
            else _qr_adjoint(0.0, g, np.linalg.qr(a)[0], ans, a) if mode == "r" else
            rt.unsupported(f"np.linalg.qr with mode={mode!r} of this matrix; use "
                           f"mode='reduced'"))


def qr_t(t, ans, a, mode="reduced"):
    return (_qr_tangent(t, ans[0], ans[1], a)
            if mode == "reduced" or mode == "complete" and np.shape(a)[-2] <= np.shape(a)[-1]
            else _qr_tangent(t, np.linalg.qr(a)[0], ans, a)[1] if mode == "r" else
            rt.unsupported(f"np.linalg.qr with mode={mode!r} of this matrix; use "
                           f"mode='reduced'"))


defvjp(np.linalg.qr, qr_a, kind=_factors)
defjvp(np.linalg.qr, qr_t)

# ---- pinv and lstsq, where the matrix has full rank ------------------------------------
# (`rtol` is NumPy's newer name for `rcond`; either sets where the rank is judged.)
# hermitian=True: the pseudo-inverse of the symmetric matrix of `a`'s lower triangle
@rule_helper
def _pinv_adjoint(g, ans, a, rcond):
    return rt.pinv_adjoint(g, ans, a, rcond) if np.isrealobj(a) else \
        rt.pinv_adjoint_c(g, ans, a, rcond)


@rule_helper
def _pinv_tangent(t, ans, a, rcond):
    return rt.pinv_tangent(t, ans, a, rcond) if np.isrealobj(a) else \
        rt.pinv_tangent_c(t, ans, a, rcond)


# NumPy 2.0 added `rtol` and made `rcond` default to None (still meaning 1e-15); before
# 2.0, pinv is (a, rcond=1e-15, hermitian=False).
if "rtol" in inspect.signature(np.linalg.pinv).parameters:
    defvjp(np.linalg.pinv,
           lambda g, ans, a, rcond=None, hermitian=False, *, rtol=None:
           _to_triangle(_pinv_adjoint(g, ans, _from_triangle(a, "L", a),
                                      rtol if rcond is None else rcond), "L", a) if hermitian
           else _pinv_adjoint(g, ans, a, rtol if rcond is None else rcond))
    defjvp(np.linalg.pinv,
           lambda t, ans, a, rcond=None, hermitian=False, *, rtol=None:
           _pinv_tangent(_from_triangle(t, "L", a), ans, _from_triangle(a, "L", a),
                         rtol if rcond is None else rcond) if hermitian
           else _pinv_tangent(t, ans, a, rtol if rcond is None else rcond))
else:
    defvjp(np.linalg.pinv,
           lambda g, ans, a, rcond=1e-15, hermitian=False:
           _to_triangle(_pinv_adjoint(g, ans, _from_triangle(a, "L", a), rcond), "L", a)
           if hermitian else _pinv_adjoint(g, ans, a, rcond))
    defjvp(np.linalg.pinv,
           lambda t, ans, a, rcond=1e-15, hermitian=False:
           _pinv_tangent(_from_triangle(t, "L", a), ans, _from_triangle(a, "L", a), rcond)
           if hermitian else _pinv_tangent(t, ans, a, rcond))


# lstsq: the functions ending in _c where `a` or `b` is complex. Before NumPy 2.0, `rcond`
# defaults to "warn" (a FutureWarning, then rcond=-1).
@rule_helper
def _lstsq_a(g, ans, a, b, rcond):
    return rt.lstsq_adjoint_a(g[0], g[1], g[3], ans[0], ans[3], a, b, rcond) \
        if np.isrealobj(a) and np.isrealobj(b) else \
        rt.lstsq_adjoint_a_c(g[0], g[1], g[3], ans[0], ans[3], a, b, rcond)


@rule_helper
def _lstsq_b(g, ans, a, b, rcond):
    return rt.lstsq_adjoint_b(g[0], g[1], ans[0], ans[3], a, b, rcond) \
        if np.isrealobj(a) and np.isrealobj(b) else \
        rt.lstsq_adjoint_b_c(g[0], g[1], ans[0], ans[3], a, b, rcond)


@rule_helper
def _lstsq_ta(t, ans, a, b, rcond):
    return rt.lstsq_tangent_a(t, ans[0], ans[1], ans[3], a, b, rcond) \
        if np.isrealobj(a) and np.isrealobj(b) else \
        rt.lstsq_tangent_a_c(t, ans[0], ans[1], ans[3], a, b, rcond)


@rule_helper
def _lstsq_tb(t, ans, a, b, rcond):
    return rt.lstsq_tangent_b(t, ans[0], ans[1], ans[3], a, b, rcond) \
        if np.isrealobj(a) and np.isrealobj(b) else \
        rt.lstsq_tangent_b_c(t, ans[0], ans[1], ans[3], a, b, rcond)


def _lstsq_kind(k, s):
    return lattice.sequence_of([lattice.UNKNOWN])


if inspect.signature(np.linalg.lstsq).parameters["rcond"].default is None:
    defvjp(np.linalg.lstsq, lambda g, ans, a, b, rcond=None: _lstsq_a(g, ans, a, b, rcond),
           lambda g, ans, a, b, rcond=None: _lstsq_b(g, ans, a, b, rcond), kind=_lstsq_kind)
    defjvp(np.linalg.lstsq, lambda t, ans, a, b, rcond=None: _lstsq_ta(t, ans, a, b, rcond),
           lambda t, ans, a, b, rcond=None: _lstsq_tb(t, ans, a, b, rcond))
else:
    defvjp(np.linalg.lstsq,
           lambda g, ans, a, b, rcond="warn":
           _lstsq_a(g, ans, a, b, -1 if rcond == "warn" else rcond),
           lambda g, ans, a, b, rcond="warn":
           _lstsq_b(g, ans, a, b, -1 if rcond == "warn" else rcond), kind=_lstsq_kind)
    defjvp(np.linalg.lstsq,
           lambda t, ans, a, b, rcond="warn":
           _lstsq_ta(t, ans, a, b, -1 if rcond == "warn" else rcond),
           lambda t, ans, a, b, rcond="warn":
           _lstsq_tb(t, ans, a, b, -1 if rcond == "warn" else rcond))

# ---- svdvals (NumPy 2): the singular values, as svd(x, compute_uv=False) -------------------
if hasattr(np.linalg, "svdvals"):
    defvjp(np.linalg.svdvals, lambda g, ans, x: rt.singular_values_adjoint(g, x),
           kind=lambda k, s: real_of(lattice.broadcast(k["x"], floating=True)).with_ndim(
               None if k["x"].ndim is None else k["x"].ndim - 1))
    defjvp(np.linalg.svdvals, lambda t, ans, x: rt.singular_values_tangent(t, x))


# ---- eig and eigvals: the eigenvalues of a general matrix are holomorphic in it; eig's
# eigenvectors (scaled and turned as LAPACK chooses) are refused, and so is eig in forward
# mode, whose tangent would have to include theirs. The eigenvalues' rules take the
# eigenvectors from rt.eigenvectors, whose own rules (for the second order) fix a gauge
# the eigenvalues' formulas do not depend on.
defvjp(np.linalg.eig,
       lambda g, ans, a: rt.eig_adjoint(g[0], g[1], ans[0], rt.eigenvectors(a)),
       kind=lambda k, s: lattice.sequence_of([lattice.UNKNOWN]))
defjvp(np.linalg.eig,
       lambda t, ans, a: rt.unsupported("np.linalg.eig in forward mode (its eigenvectors); "
                                        "use np.linalg.eigvals"))
defvjp(np.linalg.eigvals, lambda g, ans, a: rt.eig_values_adjoint(g, ans, rt.eigenvectors(a)))
defjvp(np.linalg.eigvals, lambda t, ans, a: rt.eig_values_tangent(t, ans, rt.eigenvectors(a)))
defvjp(rt.eigenvectors,
       lambda g, ans, a: rt.eigenvectors_adjoint(g, ans, np.linalg.eigvals(a)))
defjvp(rt.eigenvectors,
       lambda t, ans, a: rt.eigenvectors_tangent(t, ans, np.linalg.eigvals(a)))
