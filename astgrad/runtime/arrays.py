"""Run-time helpers for issue 10's rules of np.pad's copying modes, np.block and
np.meshgrid (`transform/rules/arrays.py`): each is linear in its first argument and
its transpose is the NumPy function it undoes, or another helper here."""
from __future__ import annotations

import numpy as np

__all__ = ["unpad_copies", "trapezoid_weights", "trapezoid_adjoint", "trapezoid_x_adjoint",
           "trapezoid_x_tangent", "trapezoid_means", "unmesh",
           "remesh", "unblock", "reblock", "windows_added"]


def unpad_copies(g, a, pad_width, mode):
    """The adjoint of `a` in `np.pad(a, pad_width, mode)` for a mode that copies entries
    ('edge', 'reflect', 'symmetric', 'wrap'): each entry's adjoint is the seed summed
    over its copies, found by padding the entries' own indices in the same mode."""
    source = np.pad(np.reshape(np.arange(np.size(a)), np.shape(a)), pad_width, mode)
    out = np.zeros(np.size(a), np.asarray(g).dtype)
    np.add.at(out, np.ravel(source), np.ravel(g))
    return np.reshape(out, np.shape(a))


# ---- the trapezoid rule, along `axis` moved last: sum_i d_i (y_i + y_(i+1)) / 2 ---------------
# (written in the subset astgrad reads: at higher order the compiler differentiates them)
def trapezoid_weights(y, x, dx, axis):
    """The weights w of y's entries (its axis last) in np.trapezoid(y, x, dx, axis):
    each entry's share of the steps on its either side, (d_(i-1) + d_i) / 2."""
    n = np.shape(y)[axis]
    if x is None:
        d = dx * np.ones(max(n - 1, 0))
    elif np.ndim(x) == 1:
        d = np.diff(x)
    else:
        d = np.diff(np.moveaxis(x, axis, -1))
    zero = np.zeros_like(np.sum(d, -1, keepdims=True))
    w = (np.concatenate((zero, d), -1) + np.concatenate((d, zero), -1)) / 2
    return w[..., :n]                     # (no entries, no weights)


def trapezoid_adjoint(g, y, x=None, dx=1.0, axis=-1):
    """The adjoint of `y` in `g`'s np.trapezoid(y, x, dx, axis)."""
    return np.moveaxis(np.expand_dims(g, -1) * trapezoid_weights(y, x, dx, axis), -1, axis)


def trapezoid_means(y, axis):
    """The means of neighbouring entries of `y` along `axis`, that axis last."""
    v = np.moveaxis(y, axis, -1)
    return (v[..., 1:] + v[..., :-1]) / 2


def trapezoid_x_adjoint(g, y, x, axis):
    """The adjoint of the sample points `x` in `g`'s np.trapezoid(y, x, axis=axis): of the
    steps d = diff(x), `g` times the means; of x, each step's adjoint less the next's."""
    bd = np.expand_dims(g, -1) * trapezoid_means(y, axis)
    if np.ndim(x) == 1:
        bd = np.sum(bd, tuple(range(np.ndim(bd) - 1)))
    zero = np.zeros_like(np.sum(bd, -1, keepdims=True))
    bx = np.concatenate((zero, bd), -1) - np.concatenate((bd, zero), -1)
    return bx if np.ndim(x) == 1 else np.moveaxis(bx, -1, axis)


def trapezoid_x_tangent(t, y, x, axis):
    """The tangent of np.trapezoid(y, x, axis=axis) along a tangent `t` of `x`."""
    d = np.diff(t) if np.ndim(x) == 1 else np.diff(np.moveaxis(t, axis, -1))
    return np.sum(d * trapezoid_means(y, axis), -1)


# ---- np.meshgrid: output j is input j spread along the other inputs' axes --------------------
def unmesh(g, grid, x, j, indexing="xy"):
    """The adjoint of input `x`, the `j`th of np.meshgrid's, in `g` (the adjoint of the
    `j`th output, `grid`): `g` summed over every axis but x's own (with 'xy' indexing the
    first two inputs take the second and first axes)."""
    g = np.broadcast_to(g, np.shape(grid))
    own = _own_axis(grid, j, indexing)
    return np.reshape(np.sum(g, tuple(i for i in range(np.ndim(g)) if i != own)), np.shape(x))


def _own_axis(grid, j, indexing):
    """The axis of the grid along which its `j`th input runs."""
    return (1 - j if j < 2 else j) if indexing == "xy" and np.ndim(grid) > 1 else j


def remesh(b, grid, j, indexing="xy"):
    """The transpose of `unmesh(., grid, b, j, indexing)`: `b` (an input's adjoint) laid
    along its own axis and spread over the shape of `grid`."""
    shape = [1] * np.ndim(grid)
    shape[_own_axis(grid, j, indexing)] = -1
    return np.broadcast_to(np.reshape(b, shape), np.shape(grid))


# ---- np.block: each output entry comes from one block, found by blocking the blocks' numbers -
def _numbered(arrays, start):
    """`arrays` (np.block's nested lists) with each block replaced by an array of its
    number, in the block's shape; and the next number."""
    if not isinstance(arrays, list):
        return np.full(np.shape(arrays), start), start + 1
    out = []
    for a in arrays:
        numbered, start = _numbered(a, start)
        out.append(numbered)
    return out, start


def _cut(g, owner, arrays, start):
    """The entries of `g` each block of `arrays` owns, in its shape, nested as `arrays`."""
    if not isinstance(arrays, list):
        return np.reshape(g[owner == start], np.shape(arrays)), start + 1
    out = []
    for a in arrays:
        piece, start = _cut(g, owner, a, start)
        out.append(piece)
    return out, start


def unblock(g, arrays):
    """The adjoint of np.block(arrays) in `g`: each block's part of `g` (a block's entries
    keep their order in the result), nested as `arrays`."""
    owner = np.block(_numbered(arrays, 0)[0])
    return _cut(np.broadcast_to(g, np.shape(owner)), owner, arrays, 0)[0]


def _filled(b, arrays):
    if not isinstance(arrays, list):
        return np.broadcast_to(b, np.shape(arrays))
    return [_filled(p, a) for p, a in zip(b, arrays)]


def reblock(b, arrays):
    """The transpose of `unblock(., arrays)`: np.block of the parts `b` (a part still the
    number 0.0 filled to its block's shape)."""
    return np.block(_filled(b, arrays))


def windows_added(g, x, window_shape, axis=None):
    """The adjoint of `x` in `sliding_window_view(x, window_shape, axis)`: each window's
    entries (the last axes of `g`, one per window axis) added back where they were read,
    the window's offset along each of its axes added to the start of the slice there."""
    shape = np.shape(x)
    sizes = (window_shape,) if np.ndim(window_shape) == 0 else tuple(window_shape)
    axes = tuple(range(len(shape))) if axis is None else \
        (axis,) if np.ndim(axis) == 0 else tuple(axis)
    axes = tuple(a % len(shape) for a in axes)
    g = np.asarray(g)
    out = np.zeros(shape, np.result_type(g.dtype, np.float16))
    views = g.shape[:len(shape)]             # how many windows along each axis
    for offsets in np.ndindex(*sizes):
        start = [0] * len(shape)
        for a, o in zip(axes, offsets):
            start[a] += o
        out[tuple(slice(b, b + n) for b, n in zip(start, views))] += g[(...,) + offsets]
    return out
