"""Run-time helpers for issue 11's NumPy rules: np.cross along any axes, ties of sorts
and order statistics (np.sort, np.partition, np.median, np.quantile), np.gradient's
transpose, np.select, np.piecewise and np.interp. Each that carries a derivative has
its rules in `transform/rules/statistics.py` or `signals.py`.
"""
from __future__ import annotations

import numpy as np

from ..errors import NoRuleError
from .located import where_called

__all__ = ["cross_adjoint", "tie_mean", "quantile_adjoint", "quantile_apply", "ungradient",
           "gradient_of", "select_adjoints", "select_rest", "piecewise_constant",
           "interp_cell", "uninterp", "fit", "symmetric_outer"]


# ---- np.cross along any axes ------------------------------------------------------------------
def _summed_to(g, shape):
    """`g` summed down to `shape`, undoing broadcasting."""
    g = np.asarray(g)
    lead = g.ndim - len(shape)
    if lead > 0:
        g = g.sum(axis=tuple(range(lead)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    return g.sum(axis=axes, keepdims=True) if axes else g


def _vector3(v, axis):
    """`v` with its vectors along the last axis, a 2-vector given a zero third component."""
    v = np.moveaxis(np.asarray(v), axis, -1)
    return np.concatenate([v, np.zeros_like(v[..., :1])], -1) if v.shape[-1] == 2 else v


def cross_adjoint(g, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None, argnum=0):
    """The adjoint of `np.cross(a, b, axisa, axisb, axisc, axis)` with respect to `a` (0)
    or `b` (1): `<g, a x b> = <a, b x g> = <b, g x a>`, summed back where it broadcast."""
    if axis is not None:
        axisa = axisb = axisc = axis
    if np.shape(a)[axisa] == 2 and np.shape(b)[axisb] == 2:    # the output is z alone
        g3 = np.stack([np.zeros_like(g), np.zeros_like(g), g], -1)
    else:
        g3 = np.moveaxis(np.asarray(g), axisc, -1)
    x, ax = (a, axisa) if argnum == 0 else (b, axisb)
    full = np.cross(_vector3(b, axisb), g3) if argnum == 0 else np.cross(g3, _vector3(a, axisa))
    part = _summed_to(full[..., :np.shape(x)[ax]], np.shape(np.moveaxis(np.asarray(x), ax, -1)))
    return np.moveaxis(part, -1, ax)


# ---- ties of sorts and order statistics -------------------------------------------------------
def _rows(x, axis):
    """`x` as rows along `axis` (all of it for None), and how to put such rows back."""
    x = np.asarray(x)
    if axis is None:
        return x.reshape(1, -1), lambda r: r.reshape(x.shape)
    moved = np.moveaxis(x, axis, -1)
    return moved.reshape(-1, moved.shape[-1]), \
        lambda r: np.moveaxis(r.reshape(moved.shape), -1, axis)


def tie_mean(g, s, axis=-1):
    """`g` averaged over the entries where `s` holds equal values (along `axis`; all of
    `s` for None): how the adjoint of a sort or an order statistic is split at ties,
    evenly, as np.max's is. Linear in `g`, and its own transpose."""
    s = np.asarray(s)
    g = np.broadcast_to(g, s.shape)
    if s.ndim == 0 or s.size == 0:
        return g
    rows, back = _rows(s, axis)
    order = np.argsort(rows, -1, kind="stable")
    ordered = np.take_along_axis(rows, order, -1)
    new = np.ones(ordered.shape, bool)
    new[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    if new.all():
        return g
    run = np.cumsum(new).reshape(new.shape) - 1           # one id per run, rows apart
    grows = np.take_along_axis(_rows(g, axis)[0], order, -1)
    means = np.bincount(run.ravel(), grows.ravel()) / np.bincount(run.ravel())
    out = np.empty(rows.shape, np.result_type(g, 1.0))
    np.put_along_axis(out, order, means[run], -1)
    return back(out)


def _order_statistics(a, q, axis):
    """For `np.quantile(a, q, axis)`: `a` as rows over the reduced axes, the order of
    each row, the sorted rows, each quantile's weights on the sorted positions, the
    kept shape, the reduced axes, and how to put rows back."""
    a = np.asarray(a)
    axes = tuple(range(a.ndim)) if axis is None else \
        tuple(int(k) % a.ndim for k in np.atleast_1d(axis))
    moved = np.moveaxis(a, axes, tuple(range(-len(axes), 0)))
    kept = moved.shape[:a.ndim - len(axes)]
    rows = moved.reshape(kept + (-1,))
    order = np.argsort(rows, -1)
    n = rows.shape[-1]
    pos = np.asarray(q, dtype=np.float64) * (n - 1)
    lo = np.floor(pos)
    hi = np.minimum(lo + 1, n - 1)
    k = np.arange(n)
    weights = (k == lo[..., None]) * (1 - (pos - lo))[..., None] \
        + (k == hi[..., None]) * (pos - lo)[..., None]
    return rows, order, np.take_along_axis(rows, order, -1), weights, kept, axes, moved.shape


def quantile_adjoint(g, a, q, axis=None, keepdims=False):
    """The adjoint of `np.quantile(a, q, axis, keepdims=keepdims)` (linear method): `g`
    to the two sorted entries each quantile interpolates (split evenly among ties),
    put back where they came from. Linear in `g`; `quantile_apply` is its transpose."""
    rows, order, ordered, weights, kept, axes, moved = _order_statistics(a, q, axis)
    g = np.reshape(g, (-1,) + kept)
    spread = np.einsum("q...,qn->...n", g, weights.reshape(-1, weights.shape[-1]))
    spread = tie_mean(spread, ordered, -1)
    out = np.empty(spread.shape, np.result_type(a, g))
    np.put_along_axis(out, order, spread, -1)
    return np.moveaxis(out.reshape(moved), tuple(range(-len(axes), 0)), axes)


def quantile_apply(c, a, q, axis=None, keepdims=False):
    """The tangent of `np.quantile(a, q, axis, keepdims=keepdims)` for a tangent `c` of `a`:
    the quantiles' weights applied to `c` in `a`'s sorted order (ties averaged)."""
    rows, order, ordered, weights, kept, axes, moved = _order_statistics(a, q, axis)
    c = np.moveaxis(np.broadcast_to(c, np.shape(a)), axes, tuple(range(-len(axes), 0)))
    picked = tie_mean(np.take_along_axis(c.reshape(rows.shape), order, -1), ordered, -1)
    out = np.einsum("...n,qn->q...", picked, weights.reshape(-1, weights.shape[-1]))
    shape = np.shape(q) + (tuple(1 if i in axes else n for i, n in enumerate(np.shape(a)))
                           if keepdims else kept)
    return out.reshape(shape).astype(np.result_type(a, c), copy=False)


# ---- np.gradient's transpose ------------------------------------------------------------------
def _spacings(f, varargs, axes):
    """One spacing (a number or coordinates) per axis of `axes`, as np.gradient reads them."""
    if not varargs:
        return [1.0] * len(axes)
    if len(varargs) == 1 and np.ndim(varargs[0]) == 0:
        return [varargs[0]] * len(axes)
    return list(varargs)


def ungradient(g, f, varargs=(), axis=None, edge_order=1):
    """The adjoint of `np.gradient(f, *varargs, axis=axis, edge_order=edge_order)`: for
    each axis, the transpose of its difference matrix applied to that axis's part of
    `g` (a list of parts for several axes; a part still the scalar 0 adds nothing)."""
    f = np.asarray(f)
    axes = list(range(f.ndim)) if axis is None else \
        [int(k) % f.ndim for k in np.atleast_1d(axis)]
    parts = [g] if len(axes) == 1 else list(g)
    out = np.zeros(f.shape, np.result_type(f, 1.0))
    for ax, part, h in zip(axes, parts, _spacings(f, varargs, axes)):
        if np.ndim(part) == 0 and part == 0:
            continue
        n = f.shape[ax]
        d = np.gradient(np.eye(n), h, axis=0, edge_order=edge_order)   # column j: of e_j
        out += np.moveaxis(np.tensordot(d.T, np.moveaxis(part, ax, 0), 1), 0, ax)
    return out


# ---- np.select and np.piecewise ------------------------------------------------------------


def _chosen(condlist):
    """For each condition, where it is the first that holds."""
    taken = False
    out = []
    for cond in condlist:
        out.append(np.logical_and(cond, np.logical_not(taken)))
        taken = np.logical_or(taken, cond)
    return out


def select_adjoints(g, condlist, choicelist):
    """The adjoints of the choices of `np.select(condlist, choicelist, default)`: `g`
    where each is the one chosen, summed back to its shape. Linear in `g`."""
    return [_summed_to(np.where(mask, g, 0.0), np.shape(choice))
            for mask, choice in zip(_chosen(condlist), choicelist)]


def select_rest(condlist):
    """Where no condition of `np.select`'s holds, so the default is chosen."""
    return np.logical_not(np.any(np.broadcast_arrays(*condlist), axis=0))


def piecewise_constant(g, funclist):
    """The derivative of `np.piecewise(x, condlist, funclist)` with numbers for functions:
    zero, the output being piecewise constant. A callable is refused: its derivative
    would need its source."""
    if any(callable(f) for f in funclist):
        raise NoRuleError("astgrad differentiates np.piecewise only with numbers in "
                          "funclist (its output is then piecewise constant).", where_called(2),
                          fix="Write the pieces with np.select([conds], [f1(x), f2(x)]) or "
                              "np.where, which astgrad differentiates.")
    return np.zeros_like(g)


# ---- np.interp ------------------------------------------------------------------------------


def interp_cell(x, xp):
    """The interval of the sample points `xp` each `x` falls in (the first or the last
    one for an `x` outside them)."""
    return np.clip(np.searchsorted(xp, x, "right") - 1, 0, np.size(xp) - 2)


def uninterp(g, x, xp, left=None, right=None):
    """The adjoint of `np.interp(x, xp, fp, left, right)` with respect to `fp`: each
    `g` shared between the two samples its `x` lies between (all of it to the end
    sample beyond the ends, none where `left`/`right` give the value there)."""
    if np.iscomplexobj(g):                   # complex samples fp: np.bincount weighs by reals
        return uninterp(np.real(g), x, xp, left, right) + 1j * uninterp(
            np.imag(g), x, xp, left, right)
    x, xp, g = np.asarray(x), np.asarray(xp), np.broadcast_to(g, np.shape(x))
    cell = interp_cell(x, xp)
    at = np.clip((x - xp[cell]) / (xp[cell + 1] - xp[cell]), 0, 1)
    keep = np.ones(x.shape)
    if left is not None:
        keep = keep * (x >= xp[0])
    if right is not None:
        keep = keep * (x <= xp[-1])
    n = np.size(xp)
    out = np.bincount(np.ravel(cell), np.ravel(g * keep * (1 - at)), n) \
        + np.bincount(np.ravel(cell + 1), np.ravel(g * keep * at), n)
    return out.astype(np.result_type(g, 1.0), copy=False)


def gradient_of(c, varargs=(), axis=None, edge_order=1):
    """`np.gradient(c, *varargs, axis=axis, edge_order=edge_order)`, the spacings as one
    argument (None for none): the transpose of `ungradient`."""
    return np.gradient(c, *(varargs or ()), axis=axis, edge_order=edge_order)


# ---- np.einsum's broadcasting ---------------------------------------------------------------
def fit(g, x):
    """`g` fitted to the shape of `x`: summed over its leading axes and over the axes where
    `x` has length 1, spread along those where `g` has length 1 or none (np.einsum
    broadcasts a length-1 axis of one operand against another's, contracted or not).
    Linear in `g`; `fit(b, g)` is its transpose."""
    shape, g = np.shape(x), np.asarray(g)
    if g.shape == shape:
        return g
    if g.ndim > len(shape):
        g = g.sum(axis=tuple(range(g.ndim - len(shape))))
    elif g.ndim < len(shape):                  # the transpose of that sum: spread along them
        g = np.reshape(g, (1,) * (len(shape) - g.ndim) + g.shape)
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return np.broadcast_to(g, shape)


# ---- u v^T + v u^T (scipy.linalg.cho_solve's adjoint in its factor) ---------------------------
def symmetric_outer(u, v):
    """u v^T + v u^T, for vectors or matrices of columns: each argument computed once."""
    if np.ndim(u) == 1:
        return np.outer(u, v) + np.outer(v, u)
    return u @ np.swapaxes(v, -1, -2) + v @ np.swapaxes(u, -1, -2)
