"""Adjoints and tangents of np.linalg's svd, eigh, eigvalsh and pinv for complex matrices,
as plain NumPy functions (the compiler reads them at higher order, as spectral.py's).

An adjoint `g` pairs with a tangent `t` as Re(sum(g * t)) (docs/complex.md), which is the
conjugate of the pairing Re(sum(conj(G) * t)) the textbook formulas use: each adjoint here
conjugates the seeds, applies the textbook formula (the real one with transposes made
conjugate transposes), and conjugates the result. A Hermitian matrix's eigenvectors and
a matrix's singular vectors are fixed up to a phase each, which LAPACK chooses: a
function of them that depends on those phases has no derivative, and `refuse_phase`
refuses its adjoint (the seed is then not orthogonal to the phase changes). The tangents
put the phase's change in the left vectors (zero in `v`'s own direction for eigh).
"""
from __future__ import annotations

import numpy as np

from ..errors import NotDifferentiableError
from .located import where_called
from .spectral import inverse_gaps, refuse_rank_deficient, refuse_repeated

__all__ = ["refuse_phase", "dagger", "to_hermitian", "from_hermitian", "svd_adjoint_c",
           "svd_tangent_c", "eigh_adjoint_c", "eigh_tangent_c", "eigvalsh_adjoint_c",
           "eigvalsh_tangent_c", "pinv_adjoint_c", "pinv_tangent_c"]

TOLERANCE = 1e-9


def refuse_phase(d, what):
    """Refuse a seed whose pairing with the vectors' phase changes, the imaginary part of
    the diagonal `d` of V^H G, is not 0: the function depends on LAPACK's phases."""
    d = np.asarray(d)
    if np.any(np.abs(np.imag(d)) > TOLERANCE * (1.0 + np.max(np.abs(d)))):
        raise NotDifferentiableError(
            f"{what} of a complex matrix are fixed only up to a phase each, which LAPACK "
            f"chooses; this function depends on those phases, so it has no derivative.",
            where_called(2),
            fix="Differentiate a function the phases do not change (|v|, v v^H, the values).")


def dagger(m):
    """The conjugate transpose of a stack of matrices."""
    return np.conj(np.swapaxes(m, -1, -2))


def to_hermitian(m, uplo):
    """The adjoint of `a` from `m`, that of the Hermitian matrix eigh reads from the `uplo`
    triangle of `a` (the imaginary part of the diagonal is not read)."""
    eye = np.eye(np.shape(m)[-1], dtype=np.real(m).dtype)
    if uplo == "L":
        return np.tril(m, -1) + np.tril(dagger(m), -1) + np.real(m) * eye
    return np.triu(m, 1) + np.triu(dagger(m), 1) + np.real(m) * eye


def from_hermitian(t, uplo):
    """The tangent of the Hermitian matrix eigh reads from the `uplo` triangle of `a`."""
    eye = np.eye(np.shape(t)[-1], dtype=np.real(t).dtype)
    if uplo == "L":
        return np.tril(t, -1) + dagger(np.tril(t, -1)) + np.real(t) * eye
    return np.triu(t, 1) + dagger(np.triu(t, 1)) + np.real(t) * eye


# ---- svd: A = U S V^H, vt = V^H ----------------------------------------------------------
def svd_adjoint_c(gu, gs, gvt, u, s, vt):
    """The adjoint of `a` in `u, s, vt = np.linalg.svd(a, full_matrices=False)`."""
    refuse_repeated(s, "np.linalg.svd's singular values")
    x = dagger(u) @ np.conj(gu)
    y = vt @ np.swapaxes(gvt, -1, -2)
    refuse_phase(np.diagonal(x + y, 0, -2, -1), "np.linalg.svd's singular vectors")
    f = inverse_gaps(s ** 2)
    core = (f * (x - dagger(x)) * np.expand_dims(s, -2) + np.expand_dims(s, -1) * (
        f * (y - dagger(y))))
    diag = gs + 1j * np.imag(np.diagonal(x, 0, -2, -1)) / s
    ga = u @ (core + np.expand_dims(diag, -1) * np.eye(np.shape(s)[-1], dtype=s.dtype)) @ vt
    if np.shape(u)[-2] > np.shape(u)[-1]:
        refuse_rank_deficient(s, 0.0, "np.linalg.svd's singular vectors")
        ga = ga + (np.conj(gu) - u @ x) / np.expand_dims(s, -2) @ vt
    if np.shape(vt)[-1] > np.shape(vt)[-2]:
        refuse_rank_deficient(s, 0.0, "np.linalg.svd's singular vectors")
        ga = ga + u @ ((np.conj(gvt) - dagger(y) @ vt) / np.expand_dims(s, -1))
    return np.conj(ga)


def svd_tangent_c(t, u, s, vt):
    """The tangents of `u, s, vt = np.linalg.svd(a, full_matrices=False)` along `t`."""
    refuse_repeated(s, "np.linalg.svd's singular values")
    p = dagger(u) @ t @ dagger(vt)
    f = inverse_gaps(s ** 2)
    eye = np.eye(np.shape(s)[-1], dtype=s.dtype)
    phase = 1j * np.expand_dims(np.imag(np.diagonal(p, 0, -2, -1)) / s, -1) * eye
    tu = u @ (f * (p * np.expand_dims(s, -2) + np.expand_dims(s, -1) * dagger(p)) + phase)
    tvt = -(f * (np.expand_dims(s, -1) * p + dagger(p) * np.expand_dims(s, -2))) @ vt
    if np.shape(u)[-2] > np.shape(u)[-1]:
        refuse_rank_deficient(s, 0.0, "np.linalg.svd's singular vectors")
        tu = tu + (t @ dagger(vt) - u @ p) / np.expand_dims(s, -2)
    if np.shape(vt)[-1] > np.shape(vt)[-2]:
        refuse_rank_deficient(s, 0.0, "np.linalg.svd's singular vectors")
        tvt = tvt + (dagger(u) @ t - p @ vt) / np.expand_dims(s, -1)
    return tu, np.real(np.diagonal(p, 0, -2, -1)), tvt


# ---- eigh of a Hermitian matrix: A = V diag(w) V^H --------------------------------------------
def eigh_adjoint_c(gw, gv, w, v, uplo):
    """The adjoint of `a` in `w, v = np.linalg.eigh(a, uplo)` from those of `w` and `v`."""
    refuse_repeated(w, "np.linalg.eigh's eigenvalues")
    x = dagger(v) @ np.conj(gv)
    refuse_phase(np.diagonal(x, 0, -2, -1), "np.linalg.eigh's eigenvectors")
    inner = inverse_gaps(w) * x + np.expand_dims(gw, -1) * np.eye(np.shape(w)[-1], dtype=w.dtype)
    return to_hermitian(np.conj(v @ inner @ dagger(v)), uplo)


def eigh_tangent_c(t, w, v, uplo):
    """The tangents of `w, v = np.linalg.eigh(a, uplo)` along `t`."""
    refuse_repeated(w, "np.linalg.eigh's eigenvalues")
    p = dagger(v) @ from_hermitian(t, uplo) @ v
    return np.real(np.diagonal(p, 0, -2, -1)), v @ (inverse_gaps(w) * p)


def eigvalsh_adjoint_c(g, a, uplo):
    """The adjoint of `a` in `w = np.linalg.eigvalsh(a, uplo)`: conj(V diag(g) V^H), in the
    triangle eigh reads."""
    w, v = np.linalg.eigh(a, uplo)
    return to_hermitian(np.conj(v * np.expand_dims(g, -2) @ dagger(v)), uplo)


def eigvalsh_tangent_c(t, a, uplo):
    w, v = np.linalg.eigh(a, uplo)
    return np.real(np.sum(np.conj(v) * (from_hermitian(t, uplo) @ v), -2))


# ---- pinv, where the rank is full -------------------------------------------------------------
def pinv_adjoint_c(g, p, a, rcond):
    """The adjoint of `a` in `p = np.linalg.pinv(a, rcond)` (spectral.pinv_adjoint's
    formula with conjugate transposes, on the conjugated seed)."""
    refuse_rank_deficient(np.linalg.svd(a, compute_uv=False), 1e-15 if rcond is None else rcond,
                          "np.linalg.pinv")
    ph = dagger(p)
    gc = np.conj(g)
    h = p @ dagger(gc)
    return np.conj(-ph @ gc @ ph + (dagger(gc) @ p - a @ h @ p) @ ph + ph @ (h - h @ p @ a))


def pinv_tangent_c(t, p, a, rcond):
    """The tangent of `p = np.linalg.pinv(a, rcond)` along `t`."""
    refuse_rank_deficient(np.linalg.svd(a, compute_uv=False), 1e-15 if rcond is None else rcond,
                          "np.linalg.pinv")
    ph = dagger(p)
    th = dagger(t)
    return -p @ t @ p + p @ ph @ (th - th @ a @ p) + (th - p @ a @ th) @ ph @ p
