"""Run-time helpers for the rules of np.cov and np.corrcoef (`transform/rules/moments.py`),
and of np.mean with `where=`.

Written in the subset astgrad reads, calling nothing private: generated code calls them
at first order, and the compiler reads and differentiates their source at higher order.
Real values only (the rules refuse complex ones). `which` says whose adjoint or tangent
is wanted: 0 for `m` (or `x`), 1 for `y`.
"""
from __future__ import annotations

import numpy as np

__all__ = ["observations", "rows_of", "observation_weights", "cov_divisor", "centred",
           "cov_adjoint", "cov_tangent", "correlations", "corrcoef_adjoint",
           "corrcoef_tangent", "masked_mean_adjoint"]


def observations(m, y, rowvar):
    """np.cov's matrix of observations: one variable a row, `y`'s rows after `m`'s."""
    x = np.atleast_2d(m)
    if not rowvar and np.shape(x)[0] != 1:
        x = np.transpose(x)
    if y is None:
        return x
    v = np.atleast_2d(y)
    if not rowvar and np.shape(v)[0] != 1:
        v = np.transpose(v)
    return np.concatenate((x, v), 0)


def rows_of(bx, m, y, rowvar, which):
    """The rows of `bx` (an adjoint of the observations) that came from `m` (which=0) or
    `y` (which=1), in the shape of that argument."""
    k = np.shape(observations(m, None, rowvar))[0]
    a = m if which == 0 else y
    part = bx[:k] if which == 0 else bx[k:]
    if not rowvar and np.shape(np.atleast_2d(a))[0] != 1:
        part = np.transpose(part)
    return np.reshape(part, np.shape(a))


def observation_weights(x, fweights, aweights):
    """Each observation's weight: its frequency times its reliability (1 without them)."""
    w = np.ones(np.shape(x)[1], dtype=x.dtype)
    if fweights is not None:
        w = w * fweights
    if aweights is not None:
        w = w * aweights
    return w


def cov_divisor(w, bias, ddof, aweights):
    """What np.cov divides the weighted sum of products by."""
    if ddof is None:
        ddof = 0 if bias else 1
    if aweights is None:
        return np.sum(w) - ddof
    return np.sum(w) - ddof * np.sum(w * aweights) / np.sum(w)


def centred(x, w):
    return x - np.sum(x * w, 1, keepdims=True) / np.sum(w)


def cov_adjoint(g, m, y, rowvar, bias, ddof, fweights, aweights, which):
    """The adjoint of `m` (which=0) or `y` (1) in `g`'s np.cov(m, y, ...): C = Xc W Xc^T / f
    gives (G + G^T) Xc W / f (the weighted mean's share is 0: Xc's rows sum to 0)."""
    x = observations(m, y, rowvar)
    w = observation_weights(x, fweights, aweights)
    k = np.shape(x)[0]
    gg = np.reshape(g, (k, k))
    bx = (gg + np.transpose(gg)) @ (centred(x, w) * w) / cov_divisor(w, bias, ddof, aweights)
    return rows_of(bx, m, y, rowvar, which)


def cov_tangent(t, m, y, rowvar, bias, ddof, fweights, aweights, which):
    """The tangent of np.cov(m, y, ...) along a tangent `t` of `m` (which=0) or `y` (1)."""
    x = observations(m, y, rowvar)
    w = observation_weights(x, fweights, aweights)
    if which == 0:
        tx = observations(t, None if y is None else np.zeros(np.shape(y)), rowvar)
    else:
        tx = observations(np.zeros(np.shape(m)), t, rowvar)
    c = (centred(tx, w) * w) @ np.transpose(centred(x, w)) / cov_divisor(w, bias, ddof,
                                                                        aweights)
    return np.squeeze(c + np.transpose(c))


def correlations(m, y, rowvar):
    """The covariance matrix (2-d) and the standard deviations of the variables."""
    c = np.atleast_2d(np.cov(m, y, rowvar))
    return c, np.sqrt(np.diagonal(c))


def corrcoef_adjoint(g, x, y, rowvar, which):
    """The adjoint of `x` (which=0) or `y` (1) in `g`'s np.corrcoef(x, y, rowvar): with
    R = C / (d d^T), d = sqrt(diag C), the adjoint of C is G / (d d^T) less, on the
    diagonal, (rows + columns of G * R) / (2 d^2)."""
    c, d = correlations(x, y, rowvar)
    outer = d[:, None] * d[None, :]
    gg = np.reshape(g, np.shape(c))
    gr = gg * c / outer
    bc = gg / outer - np.diag((np.sum(gr, 1) + np.sum(gr, 0)) / (2 * d * d))
    return cov_adjoint(bc, x, y, rowvar, False, None, None, None, which)


def corrcoef_tangent(t, x, y, rowvar, which):
    """The tangent of np.corrcoef(x, y, rowvar) along a tangent `t` of `x` (which=0) or
    `y` (1): dR = dC / (d d^T) - R (u_i + u_j), u = diag(dC) / (2 d^2)."""
    c, d = correlations(x, y, rowvar)
    tc = np.atleast_2d(cov_tangent(t, x, y, rowvar, False, None, None, None, which))
    outer = d[:, None] * d[None, :]
    u = np.diagonal(tc) / (2 * d * d)
    return np.squeeze(tc / outer - c / outer * (u[:, None] + u[None, :]))


def masked_mean_adjoint(g, where, shape, axis=None, keepdims=False):
    """The adjoint of `a` (of `shape`) in `g`'s np.mean(a, axis, keepdims=keepdims,
    where=where): `g` over the count of the entries picked, at those entries; 0 elsewhere.
    The count is in g's dtype (an integer one would make a float32 adjoint float64)."""
    mask = np.broadcast_to(where, shape)
    g = np.asarray(g)
    if not keepdims and axis is not None:
        g = np.expand_dims(g, axis)
    count = np.sum(mask, axis, keepdims=True, dtype=g.dtype)
    return np.where(mask, g / count, np.zeros((), g.dtype))
