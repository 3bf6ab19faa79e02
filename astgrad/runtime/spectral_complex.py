"""Adjoints and tangents of np.linalg's svd, eigh, eigvalsh, pinv, qr and lstsq for complex
matrices,
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
from .spectral import (columns, inverse_gaps, refuse_rank_deficient, refuse_repeated,
                       residual_weights, singular_values_adjoint, singular_values_tangent)

__all__ = ["refuse_phase", "dagger", "to_hermitian", "from_hermitian", "svd_adjoint_c",
           "svd_tangent_c", "eigh_adjoint_c", "eigh_tangent_c", "eigvalsh_adjoint_c",
           "eigvalsh_tangent_c", "pinv_adjoint_c", "pinv_tangent_c", "qr_adjoint_c",
           "qr_tangent_c", "lstsq_adjoint_a_c", "lstsq_adjoint_b_c", "lstsq_tangent_a_c",
           "lstsq_tangent_b_c"]

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


# ---- qr, reduced: A = Q R, R with a real diagonal; a wide A is [X, Y], X = Q U, Y = Q V --------
def qr_adjoint_c(gq, gr, q, r):
    """The adjoint of `a` in `q, r = np.linalg.qr(a)`: with M = U GU^H - GQ^H Q on the
    conjugated seeds, GX = (GQ + Q K) U^-H, K the Hermitian matrix of M's strict lower
    triangle with M's real diagonal (spectral.qr_adjoint's formula for complex values)."""
    u, v = np.split(r, [np.shape(r)[-2]], -1)
    gu, gv = np.split(np.conj(gr), [np.shape(r)[-2]], -1)
    gq = np.conj(gq) + q @ (v @ dagger(gv))
    m = u @ dagger(gu) - dagger(gq) @ q
    low = np.tril(m, -1)
    k = low + dagger(low) + np.real(m) * np.eye(np.shape(m)[-1], dtype=np.real(m).dtype)
    gx = dagger(np.linalg.solve(u, dagger(gq + q @ k)))
    return np.conj(np.concatenate([gx, q @ gv], -1))


def qr_tangent_c(t, q, r):
    """The tangents of `q, r = np.linalg.qr(a)` along `t`: with C = Q^H tx U^-1, the tangent
    of U is (C - X) U for X the skew-Hermitian matrix of C's strict lower part with the
    imaginary part of C's diagonal."""
    u, v = np.split(r, [np.shape(r)[-2]], -1)
    tx, ty = np.split(t, [np.shape(r)[-2]], -1)
    c = dagger(np.linalg.solve(dagger(u), dagger(dagger(q) @ tx)))
    low = np.tril(c, -1)
    eye = np.eye(np.shape(c)[-1], dtype=np.real(c).dtype)
    tu = (c - low + dagger(low) - 1j * np.imag(c) * eye) @ u
    tq = dagger(np.linalg.solve(dagger(u), dagger(tx - q @ tu)))
    return tq, np.concatenate([tu, dagger(q) @ (ty - tq @ v)], -1)


# ---- lstsq: x = pinv(a) b (holomorphic in b), residuals |b - a x|^2 (real) per column -------
def lstsq_adjoint_a_c(gx, gres, gsv, x, sv, a, b, rcond):
    """spectral.lstsq_adjoint_a where `a` or `b` is complex: the residuals' part conjugated."""
    refuse_rank_deficient(sv, rcond, "np.linalg.lstsq")
    b2 = columns(b)
    x2 = columns(x)
    r = np.conj(b2 - a @ x2) * residual_weights(gres, x2)
    return (pinv_adjoint_c(columns(gx) @ np.swapaxes(b2, -1, -2), np.linalg.pinv(a), a, rcond)
            - 2 * r @ np.swapaxes(x2, -1, -2) + singular_values_adjoint(gsv, a))


def lstsq_adjoint_b_c(gx, gres, x, sv, a, b, rcond):
    refuse_rank_deficient(sv, rcond, "np.linalg.lstsq")
    x2 = columns(x)
    r = np.conj(columns(b) - a @ x2) * residual_weights(gres, x2)
    return np.reshape(np.swapaxes(np.linalg.pinv(a), -1, -2) @ columns(gx) + 2 * r,
                      np.shape(b))


def lstsq_tangent_a_c(t, x, res, sv, a, b, rcond):
    refuse_rank_deficient(sv, rcond, "np.linalg.lstsq")
    b2 = columns(b)
    x2 = columns(x)
    tres = -2 * np.real(np.sum(np.conj(b2 - a @ x2) * (t @ x2), 0))
    return (np.reshape(pinv_tangent_c(t, np.linalg.pinv(a), a, rcond) @ b2, np.shape(x)),
            tres[:np.size(res)], 0.0, singular_values_tangent(t, a))


def lstsq_tangent_b_c(t, x, res, sv, a, b, rcond):
    refuse_rank_deficient(sv, rcond, "np.linalg.lstsq")
    x2 = columns(x)
    t2 = columns(t)
    tres = 2 * np.real(np.sum(np.conj(columns(b) - a @ x2) * t2, 0))
    return np.reshape(np.linalg.pinv(a) @ t2, np.shape(x)), tres[:np.size(res)], 0.0, 0.0 * sv
