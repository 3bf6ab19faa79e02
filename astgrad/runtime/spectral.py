"""Adjoints and tangents of np.linalg's decompositions (svd, eigh, qr), of pinv and
lstsq, and of matrix_power and multi_dot, as plain NumPy functions: generated code
calls them at first order, and the compiler reads and differentiates their source at
higher order, so they are written in the subset it takes and call nothing private
(multi_dot's are first order only: rules/linalg_more.py refuses their derivatives).

All work on stacks of matrices (the last two axes), and make their identity matrices in
the values' dtype (a float64 one would make float32 results float64). Singular vectors
and eigenvectors have a derivative only where the spectrum has no repeated values, and
pinv only where the rank cannot change: elsewhere the `refuse_*` checks raise
NotDifferentiableError naming the user's line, rather than return the nan or inf the
formulas would give.
"""
from __future__ import annotations

import numpy as np

from ..errors import NotDifferentiableError
from .located import where_called

__all__ = ["refuse_repeated", "refuse_rank_deficient", "inverse_gaps",
           "svd_adjoint", "svd_tangent", "singular_values_adjoint", "singular_values_tangent",
           "to_triangle", "from_triangle", "eigh_adjoint", "eigh_tangent",
           "eigvalsh_adjoint", "eigvalsh_tangent",
           "right_solve", "qr_adjoint", "qr_tangent", "pinv_adjoint", "pinv_tangent",
           "columns", "residual_weights", "lstsq_adjoint_a", "lstsq_adjoint_b",
           "lstsq_tangent_a", "lstsq_tangent_b",
           "matrix_power_adjoint", "matrix_power_tangent", "multi_dot_adjoint",
           "multi_dot_tangent", "eig_values_adjoint", "eig_values_tangent",
           "eig_adjoint", "refuse_eigenvectors", "eigenvectors", "eigenvectors_adjoint",
           "eigenvectors_tangent"]

TOLERANCE = 1e-9    # values closer than this, relative to the largest, count as repeated


# ---- the points where there is no derivative (called as statements; no rules) ------------
def refuse_repeated(values, what):
    """Refuse a spectrum (the last axis of `values`) with two (nearly) equal values."""
    v = np.asarray(values)
    scale = TOLERANCE * np.max(np.abs(v), axis=-1, keepdims=True)
    near = np.abs(np.expand_dims(v, -1) - np.expand_dims(v, -2)) <= np.expand_dims(scale, -1)
    if np.any(near & ~np.eye(v.shape[-1], dtype=bool)):
        raise NotDifferentiableError(
            f"{what} has repeated values here, where its vectors have no derivative.",
            where_called(2),
            fix="Perturb the input, or differentiate a function of the values alone "
                "(np.linalg.svd(a, compute_uv=False), np.linalg.eigvalsh).")


def refuse_rank_deficient(s, rcond, what):
    """Refuse singular values `s` of which one is zero or cut off at `rcond` (relative):
    there the rank, so the value, jumps under a small change of the matrix."""
    s = np.asarray(s)
    top = np.max(s, axis=-1)
    cut = np.maximum(TOLERANCE, 0.0 if rcond is None else np.asarray(rcond, float))
    if np.any(np.min(s, axis=-1) <= cut * top):
        raise NotDifferentiableError(
            f"{what} of a matrix without full rank has no derivative: its rank, and so its "
            f"value, jumps when the matrix changes a little.", where_called(2),
            fix="Differentiate at a matrix of full rank, or regularize it (a + eps * I).")


def inverse_gaps(w):
    """F with F[..., i, j] = 1 / (w[j] - w[i]) off the diagonal and 0 on it."""
    eye = np.eye(np.shape(w)[-1], dtype=w.dtype)
    return (1.0 - eye) / (np.expand_dims(w, -2) - np.expand_dims(w, -1) + eye)


# ---- svd (Townsend 2016, "Differentiating the singular value decomposition") --------------
def svd_adjoint(gu, gs, gvt, u, s, vt):
    """The adjoint of `a` in `u, s, vt = np.linalg.svd(a, full_matrices=False)` from those
    of `u`, `s`, `vt`. Only a non-square matrix divides by `s`."""
    refuse_repeated(s, "np.linalg.svd's singular values")
    utgu = np.swapaxes(u, -1, -2) @ gu
    vtgv = vt @ np.swapaxes(gvt, -1, -2)
    core = inverse_gaps(s ** 2) * ((utgu - np.swapaxes(utgu, -1, -2)) * np.expand_dims(s, -2)
                                   + np.expand_dims(s, -1) * (vtgv - np.swapaxes(vtgv, -1, -2)))
    ga = u @ (core + np.expand_dims(gs, -1) * np.eye(np.shape(s)[-1], dtype=s.dtype)) @ vt
    if np.shape(u)[-2] > np.shape(u)[-1]:
        refuse_rank_deficient(s, 0.0, "np.linalg.svd's singular vectors")
        ga = ga + (gu - u @ utgu) / np.expand_dims(s, -2) @ vt
    if np.shape(vt)[-1] > np.shape(vt)[-2]:
        refuse_rank_deficient(s, 0.0, "np.linalg.svd's singular vectors")
        ga = ga + u @ ((gvt - np.swapaxes(vtgv, -1, -2) @ vt) / np.expand_dims(s, -1))
    return ga


def svd_tangent(t, u, s, vt):
    """The tangents of `u, s, vt = np.linalg.svd(a, full_matrices=False)` along `t`."""
    refuse_repeated(s, "np.linalg.svd's singular values")
    p = np.swapaxes(u, -1, -2) @ t @ np.swapaxes(vt, -1, -2)
    f = inverse_gaps(s ** 2)
    tu = u @ (f * (p * np.expand_dims(s, -2) + np.expand_dims(s, -1) * np.swapaxes(p, -1, -2)))
    # v^T tv is F * (s p + p^T s), a symmetric matrix times the antisymmetric F: its
    # transpose, the rows' part of tvt, is minus itself
    tvt = -(f * (np.expand_dims(s, -1) * p + np.swapaxes(p, -1, -2) * np.expand_dims(s, -2))
            ) @ vt
    if np.shape(u)[-2] > np.shape(u)[-1]:
        refuse_rank_deficient(s, 0.0, "np.linalg.svd's singular vectors")
        tu = tu + (t @ np.swapaxes(vt, -1, -2) - u @ p) / np.expand_dims(s, -2)
    if np.shape(vt)[-1] > np.shape(vt)[-2]:
        refuse_rank_deficient(s, 0.0, "np.linalg.svd's singular vectors")
        tvt = tvt + (np.swapaxes(u, -1, -2) @ t - p @ vt) / np.expand_dims(s, -1)
    return tu, np.diagonal(p, 0, -2, -1), tvt


def singular_values_adjoint(g, a):
    """The adjoint of `a` in `s = np.linalg.svd(a, compute_uv=False)`: U diag(g) V^T, its
    conjugate for a complex `a` (ds = Re(u^H da v))."""
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    return np.conj(u * np.expand_dims(g, -2) @ vt)


def singular_values_tangent(t, a):
    """The tangent of `s = np.linalg.svd(a, compute_uv=False)`: the real diagonal of
    U^H t V."""
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    return np.real(np.sum(np.conj(u) * (t @ np.conj(np.swapaxes(vt, -1, -2))), -2))


# ---- eigh: `a` is read in one triangle, so its adjoint is that triangle's ----------------------
def to_triangle(m, uplo):
    """The adjoint of `a` from `m`, that of the symmetric matrix eigh reads from the
    `uplo` triangle of `a`."""
    return (np.tril(m) + np.tril(np.swapaxes(m, -1, -2), -1) if uplo == "L" else
            np.triu(m) + np.triu(np.swapaxes(m, -1, -2), 1))


def from_triangle(t, uplo):
    """The tangent of the symmetric matrix eigh reads from the `uplo` triangle of `a`,
    from the tangent `t` of `a`."""
    return (np.tril(t) + np.swapaxes(np.tril(t, -1), -1, -2) if uplo == "L" else
            np.triu(t) + np.swapaxes(np.triu(t, 1), -1, -2))


def eigh_adjoint(gw, gv, w, v, uplo):
    """The adjoint of `a` in `w, v = np.linalg.eigh(a, uplo)` from those of `w` and `v`."""
    refuse_repeated(w, "np.linalg.eigh's eigenvalues")
    inner = inverse_gaps(w) * (np.swapaxes(v, -1, -2) @ gv) + np.expand_dims(gw, -1) * np.eye(
        np.shape(w)[-1], dtype=w.dtype)
    return to_triangle(v @ inner @ np.swapaxes(v, -1, -2), uplo)


def eigh_tangent(t, w, v, uplo):
    """The tangents of `w, v = np.linalg.eigh(a, uplo)` along `t`."""
    refuse_repeated(w, "np.linalg.eigh's eigenvalues")
    p = np.swapaxes(v, -1, -2) @ from_triangle(t, uplo) @ v
    return np.diagonal(p, 0, -2, -1), v @ (inverse_gaps(w) * p)


def eigvalsh_adjoint(g, a, uplo):
    """The adjoint of `a` in `w = np.linalg.eigvalsh(a, uplo)`: V diag(g) V^T, in the
    triangle eigh reads."""
    w, v = np.linalg.eigh(a, uplo)
    return to_triangle(v * np.expand_dims(g, -2) @ np.swapaxes(v, -1, -2), uplo)


def eigvalsh_tangent(t, a, uplo):
    w, v = np.linalg.eigh(a, uplo)
    return np.sum(v * (from_triangle(t, uplo) @ v), -2)


# ---- qr, reduced: a = q r. A wide `a` is [x, y] with x = q u square, y = q v -------------------
def right_solve(m, r):
    """m r^-1 (`r` square and invertible)."""
    return np.swapaxes(np.linalg.solve(np.swapaxes(r, -1, -2), np.swapaxes(m, -1, -2)), -1, -2)


def qr_adjoint(gq, gr, q, r):
    """The adjoint of `a` in `q, r = np.linalg.qr(a)` from those of `q` and `r` (Walter and
    Lehmann 2018; Liao et al. 2019 for the wide case): with M = u gu^T - gq^T q,
    gx = (gq + q copyltu(M)) u^-T, copyltu the symmetric matrix of M's lower triangle."""
    u, v = np.split(r, [np.shape(r)[-2]], -1)
    gu, gv = np.split(gr, [np.shape(r)[-2]], -1)
    gq = gq + q @ (v @ np.swapaxes(gv, -1, -2))
    m = u @ np.swapaxes(gu, -1, -2) - np.swapaxes(gq, -1, -2) @ q
    copied = np.tril(m) + np.swapaxes(np.tril(m, -1), -1, -2)
    gx = np.swapaxes(np.linalg.solve(u, np.swapaxes(gq + q @ copied, -1, -2)), -1, -2)
    return np.concatenate([gx, q @ gv], -1)


def qr_tangent(t, q, r):
    """The tangents of `q, r = np.linalg.qr(a)` along `t`: with C = q^T tx u^-1, the
    tangent of u is (C - X) u for X the skew-symmetric matrix of C's strict lower part."""
    u, v = np.split(r, [np.shape(r)[-2]], -1)
    tx, ty = np.split(t, [np.shape(r)[-2]], -1)
    c = right_solve(np.swapaxes(q, -1, -2) @ tx, u)
    low = np.tril(c, -1)
    tu = (c - low + np.swapaxes(low, -1, -2)) @ u
    tq = right_solve(tx - q @ tu, u)
    return tq, np.concatenate([tu, np.swapaxes(q, -1, -2) @ (ty - tq @ v)], -1)


# ---- pinv (Golub and Pereyra 1973), where the rank is full and so cannot change ---------------
def pinv_adjoint(g, p, a, rcond):
    """The adjoint of `a` in `p = np.linalg.pinv(a, rcond)`."""
    refuse_rank_deficient(np.linalg.svd(a, compute_uv=False), 1e-15 if rcond is None else rcond,
                          "np.linalg.pinv")
    pt = np.swapaxes(p, -1, -2)
    gt = np.swapaxes(g, -1, -2)
    h = p @ gt
    return -pt @ g @ pt + (gt @ p - a @ h @ p) @ pt + pt @ (h - h @ p @ a)


def pinv_tangent(t, p, a, rcond):
    """The tangent of `p = np.linalg.pinv(a, rcond)` along `t`."""
    refuse_rank_deficient(np.linalg.svd(a, compute_uv=False), 1e-15 if rcond is None else rcond,
                          "np.linalg.pinv")
    pt = np.swapaxes(p, -1, -2)
    tt = np.swapaxes(t, -1, -2)
    return -p @ t @ p + p @ pt @ (tt - tt @ a @ p) + (tt - p @ a @ tt) @ pt @ p


# ---- lstsq: x = pinv(a) b, residuals |b - a x|^2 per column, singular values -----------------
def columns(v):
    """`v` (a vector, or a matrix of columns) as a matrix of columns."""
    return np.reshape(v, (np.shape(v)[0], -1))


def residual_weights(gres, x2):
    """The adjoint of the residuals, one per column: zeros where lstsq gave none."""
    return np.pad(gres, (0, np.shape(x2)[1] - np.size(gres)))


def lstsq_adjoint_a(gx, gres, gsv, x, sv, a, b, rcond):
    """The adjoint of `a` in `x, res, rank, sv = np.linalg.lstsq(a, b, rcond)` from those of
    `x`, `res` and `sv` (`rank` has none)."""
    refuse_rank_deficient(sv, rcond, "np.linalg.lstsq")
    b2 = columns(b)
    x2 = columns(x)
    r = (b2 - a @ x2) * residual_weights(gres, x2)
    return (pinv_adjoint(columns(gx) @ np.swapaxes(b2, -1, -2), np.linalg.pinv(a), a, rcond)
            - 2 * r @ np.swapaxes(x2, -1, -2) + singular_values_adjoint(gsv, a))


def lstsq_adjoint_b(gx, gres, x, sv, a, b, rcond):
    """The adjoint of `b` in `x, res, rank, sv = np.linalg.lstsq(a, b, rcond)`."""
    refuse_rank_deficient(sv, rcond, "np.linalg.lstsq")
    x2 = columns(x)
    r = (columns(b) - a @ x2) * residual_weights(gres, x2)
    return np.reshape(np.swapaxes(np.linalg.pinv(a), -1, -2) @ columns(gx) + 2 * r,
                      np.shape(b))


def lstsq_tangent_a(t, x, res, sv, a, b, rcond):
    """The tangents of `x, res, rank, sv = np.linalg.lstsq(a, b, rcond)` along a tangent
    `t` of `a`: rank has none, the residuals' is -2 r . (t x) with r = b - a x."""
    refuse_rank_deficient(sv, rcond, "np.linalg.lstsq")
    b2 = columns(b)
    x2 = columns(x)
    tres = -2 * np.sum((b2 - a @ x2) * (t @ x2), 0)
    return (np.reshape(pinv_tangent(t, np.linalg.pinv(a), a, rcond) @ b2, np.shape(x)),
            tres[:np.size(res)], 0.0, singular_values_tangent(t, a))


def lstsq_tangent_b(t, x, res, sv, a, b, rcond):
    """The tangents of `x, res, rank, sv = np.linalg.lstsq(a, b, rcond)` along a tangent
    `t` of `b`."""
    refuse_rank_deficient(sv, rcond, "np.linalg.lstsq")
    x2 = columns(x)
    t2 = columns(t)
    tres = 2 * np.sum((columns(b) - a @ x2) * t2, 0)
    return np.reshape(np.linalg.pinv(a) @ t2, np.shape(x)), tres[:np.size(res)], 0.0, 0.0 * sv


# ---- matrix_power: a^n, or inv(a)^|n| for n < 0 -------------------------------------------
def matrix_power_adjoint(g, a, n):
    """The adjoint of `a` in `np.linalg.matrix_power(a, n)`: with b = a (or inv(a) when
    n < 0) and p = b^T, the sum over k < |n| of p^k g p^(|n|-1-k), by the recurrence
    T_j = p T_(j-1) + g p^j."""
    b = a if n >= 0 else np.linalg.inv(a)
    p = np.swapaxes(b, -1, -2)
    total = g
    power = np.eye(np.shape(a)[-1], dtype=a.dtype)
    for _ in range(1, abs(n)):
        # `power` is updated before it is read, so its last value is read too: differentiated
        # again, the reverse sweep never applies @'s rule to its adjoint while still 0.0
        power = power @ p
        total = p @ total + g @ power
    if n == 0:
        total = 0.0 * a
    if n < 0:
        total = -p @ total @ p
    return total


def matrix_power_tangent(t, a, n):
    """The tangent of `np.linalg.matrix_power(a, n)` along `t`: d(b^j) = b d(b^(j-1))
    + db b^(j-1), from db = t (or -inv(a) t inv(a) when n < 0)."""
    b = a if n >= 0 else np.linalg.inv(a)
    db = t if n >= 0 else -b @ t @ b
    total = db
    power = np.eye(np.shape(a)[-1], dtype=a.dtype)
    for _ in range(1, abs(n)):
        power = power @ b                   # b^j, updated first as in matrix_power_adjoint
        total = b @ total + db @ power
    if n == 0:
        total = 0.0 * a
    return total


# ---- multi_dot: a 1-d first array is a row, a 1-d last array a column -----------------------
def multi_dot_adjoint(g, arrays):
    """The adjoints of the arrays of `np.linalg.multi_dot(arrays)`, a list: that of the
    i-th is multi_dot of the transposes of those before it (last first), `g`, and the
    transposes of those after it (last first)."""
    mats = []
    for i in range(len(arrays)):
        m = arrays[i]
        if np.ndim(m) == 1 and i == 0:
            m = np.reshape(m, (1, -1))
        if np.ndim(m) == 1 and i > 0:
            m = np.reshape(m, (-1, 1))
        mats = mats + [np.transpose(m)]
    g2 = np.reshape(g, (np.shape(mats[0])[1], np.shape(mats[-1])[0]))
    out = []
    for i in range(len(arrays)):
        factors = []
        for j in range(i - 1, -1, -1):
            factors = factors + [mats[j]]
        factors = factors + [g2]
        for j in range(len(arrays) - 1, i, -1):
            factors = factors + [mats[j]]
        out = out + [np.reshape(np.linalg.multi_dot(factors), np.shape(arrays[i]))]
    return out


def multi_dot_tangent(tangents, arrays):
    """The tangent of `np.linalg.multi_dot(arrays)`: one product per array that varies,
    with its tangent in its place (an array that does not vary has the tangent 0.0)."""
    total = 0.0
    for i in range(len(arrays)):
        if np.ndim(tangents[i]) > 0:
            total = total + np.linalg.multi_dot(
                list(arrays[:i]) + [tangents[i]] + list(arrays[i + 1:]))
    return total


# ---- eig: the eigenvalues of a general matrix; its eigenvectors are not differentiated ------
def eig_values_adjoint(gw, w, v):
    """The adjoint of `a` from that of `w` in `w, v = np.linalg.eig(a)`: V^-T diag(gw) V^T
    (holomorphic: an adjoint pairs with a tangent as Re(g t))."""
    refuse_repeated(w, "np.linalg.eig's eigenvalues")
    vt = np.swapaxes(v, -1, -2)
    return np.linalg.solve(vt, np.expand_dims(gw, -1) * vt)


def eig_values_tangent(t, w, v):
    """The tangent of `w` in `w, v = np.linalg.eig(a)` along `t`: the diagonal of V^-1 t V."""
    refuse_repeated(w, "np.linalg.eig's eigenvalues")
    return np.diagonal(np.linalg.solve(v, t @ v), 0, -2, -1)


def eigenvectors(a):
    """`np.linalg.eig(a)`'s eigenvectors, as the eigenvalues' rules use them: differentiated
    in the gauge where V^-1 dV has a zero diagonal, which is not LAPACK's (unit columns),
    but the eigenvalues' adjoint and tangent do not depend on the columns' scale."""
    return np.linalg.eig(a)[1]


def eigenvectors_adjoint(gv, v, w):
    """The adjoint of `a` in `v = eigenvectors(a)`: V^-T (F * (V^T gv)) V^T."""
    refuse_repeated(w, "np.linalg.eig's eigenvalues")
    vt = np.swapaxes(v, -1, -2)
    return np.linalg.solve(vt, inverse_gaps(w) * (vt @ gv) @ vt)


def eigenvectors_tangent(t, v, w):
    """The tangent of `v = eigenvectors(a)` along `t`: V (F * (V^-1 t V))."""
    refuse_repeated(w, "np.linalg.eig's eigenvalues")
    return v @ (inverse_gaps(w) * np.linalg.solve(v, t @ v))


def eig_adjoint(gw, gv, w, v):
    """The adjoint of `a` in `w, v = np.linalg.eig(a)`: that of `w`'s; `v` must get none."""
    refuse_eigenvectors(gv)
    return eig_values_adjoint(gw, w, v)


def refuse_eigenvectors(gv):
    """Refuse an adjoint reaching np.linalg.eig's eigenvectors (a plain 0.0 or zeros pass)."""
    if np.any(gv):
        raise NotDifferentiableError(
            "astgrad does not differentiate np.linalg.eig's eigenvectors (their scale and "
            "phase are LAPACK's choice).", where_called(2),
            fix="Differentiate a function of the eigenvalues (np.linalg.eigvals), or use "
                "np.linalg.eigh for a symmetric matrix.")
