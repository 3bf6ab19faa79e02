"""What batched jvp code calls: the tangent rules that reduce, reshape or multiply
matrices, for tangents carrying a batch of `k` directions on a trailing axis (the
tangent of a value of shape `s` has shape `s + (k,)`; of a Python number, `(k,)`).

Elementwise rules need none of these: a primal operand gets a trailing axis
(`ex(p)`) and broadcasting does the rest. A statement with no batched form runs
once per direction (`col`, then `stack`)."""
from __future__ import annotations

import numpy as np

from . import sum_to as _sum_to


def ex(p):
    """A primal operand of an elementwise product with a batched tangent: arrays get
    a trailing axis; numbers broadcast as they are."""
    return p[..., None] if isinstance(p, np.ndarray) else p


def zeros_like(p, k: int):
    """A zero tangent of `p` for `k` directions (of each item, for a list or tuple)."""
    if isinstance(p, (list, tuple)):
        return [zeros_like(v, k) for v in p]
    if p is None or isinstance(p, (int, float)):
        return np.zeros(k)
    if isinstance(p, np.ndarray):        # np.result_type(p, 0.0), without its cost
        return np.zeros(p.shape + (k,), p.dtype if p.dtype.kind in "fc" else np.float64)
    return np.zeros(np.shape(p) + (k,), dtype=np.result_type(p, 0.0))


def zeros(shape, k: int, dtype=float):
    return np.zeros(tuple(np.atleast_1d(shape).tolist()) + (k,), dtype=dtype)


def broadcast_like(t, z, k: int):
    """A batched tangent `t` spread to the shape of the value `z` it belongs to."""
    shape = np.shape(z) + (k,)
    return t if np.shape(t) == shape else np.broadcast_to(t, shape)


def shaped_like(t, x):
    """`rt.shaped_like` of a batched tangent: `t`, or zeros shaped like `x` plus `t`
    when `t` is still the zero of a number it started as (a list's: as it is)."""
    if isinstance(x, (list, tuple, dict)):
        return t
    t = np.asarray(t)
    shape = np.shape(x) + t.shape[-1:]
    return t if t.shape == shape else np.zeros(shape, np.result_type(x, t)) + t


def unbroadcast(t, z):
    return _sum_to(t, np.shape(z) + np.shape(t)[-1:])


def sum_to(t, shape):
    return _sum_to(t, tuple(shape) + np.shape(t)[-1:])


def _axes(axis, ndim: int):
    """`axis` of a value of `ndim` dimensions, for its batched tangent (`ndim + 1`)."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (tuple, list)):
        return tuple(int(a) % ndim if ndim else int(a) for a in axis)
    return int(axis) % ndim if ndim else int(axis)


def sum(t, axis=None, keepdims=False, **kwargs):   # noqa: A001 (np.sum's batched form)
    t = np.asarray(t)
    return np.sum(t, axis=_axes(axis, t.ndim - 1), keepdims=keepdims, **kwargs)


def mean(t, axis=None, keepdims=False, **kwargs):
    t = np.asarray(t)
    return np.mean(t, axis=_axes(axis, t.ndim - 1), keepdims=keepdims, **kwargs)


def reshape(t, shape, order="C"):
    t = np.asarray(t)
    shape = tuple(np.atleast_1d(shape).tolist()) if np.ndim(shape) else (int(shape),)
    if order != "C":
        raise ValueError("batched reshape is C order only")
    return np.reshape(t, shape + t.shape[-1:])


def transpose(t, axes=None):
    t = np.asarray(t)
    n = t.ndim - 1
    axes = tuple(reversed(range(n))) if axes is None else _axes(tuple(axes), n)
    return np.transpose(t, tuple(axes) + (n,))


def _seq_axis(seq, axis: int, extra: int = 0) -> int:
    n = np.ndim(seq[0]) - 1 + extra
    return int(axis) % n if n else int(axis)


def concatenate(seq, axis=0, **kwargs):
    if axis is None:
        k = np.shape(seq[0])[-1]
        return np.concatenate([np.reshape(s, (-1, k)) for s in seq], axis=0, **kwargs)
    return np.concatenate(seq, axis=_seq_axis(seq, axis), **kwargs)


def stack_axis(seq, axis=0, **kwargs):
    """`np.stack(seq, axis)` of batched tangents."""
    return np.stack(seq, axis=_seq_axis(seq, axis, 1), **kwargs)


def expand_dims(t, axis):
    t = np.asarray(t)
    n = t.ndim - 1 + (len(axis) if isinstance(axis, (tuple, list)) else 1)
    return np.expand_dims(t, _axes(axis, n))   # n: the result's primal rank


def squeeze(t, axis=None):
    t = np.asarray(t)
    if axis is None:
        axis = tuple(i for i, s in enumerate(t.shape[:-1]) if s == 1)
    return np.squeeze(t, axis=_axes(axis, t.ndim - 1))


def _front(t, pad: int):
    """The batch axis moved first, `pad` size-1 axes after it (to line up with the
    other operand's stacked dimensions)."""
    b = np.moveaxis(t, -1, 0)
    return b.reshape(b.shape[:1] + (1,) * pad + b.shape[1:])


def matmul(t, p):
    """`t @ p`, `t` a batched tangent."""
    t, p = np.asarray(t), np.asarray(p)
    n = t.ndim - 1
    if n == 1:
        r = np.moveaxis(t, -1, 0) @ p          # (k, m) as a matrix: row j is t_j @ p
        return np.moveaxis(r, -2, -1) if p.ndim >= 2 else r
    return np.moveaxis(_front(t, max(0, p.ndim - n)) @ p, 0, -1)


def rmatmul(p, t):
    """`p @ t`, `t` a batched tangent."""
    t, p = np.asarray(t), np.asarray(p)
    n = t.ndim - 1
    if n == 1:
        return p @ t                           # (n, k) as a matrix: column j is p @ t_j
    return np.moveaxis(p @ _front(t, max(0, p.ndim - n)), 0, -1)


def col(t, j: int):
    """Direction `j` of a batched tangent (of each item of a list or tuple)."""
    if isinstance(t, (list, tuple)):
        return type(t)(col(v, j) for v in t)
    if isinstance(t, dict):
        return {key: col(v, j) for key, v in t.items()}
    if isinstance(t, (int, float)):
        return t
    return t[..., j]


def stack(columns: list):
    """The batched tangent of one tangent per direction (item by item for lists)."""
    first = columns[0]
    if isinstance(first, (list, tuple)):
        return type(first)(stack([c[i] for c in columns]) for i in range(len(first)))
    if isinstance(first, dict):
        return {key: stack([c[key] for c in columns]) for key in first}
    return np.stack([np.asarray(c) for c in columns], axis=-1)


def broadcast_to(t, shape, k: int):
    """`np.broadcast_to(t, shape)` of a batched adjoint."""
    shape = tuple(np.atleast_1d(shape).tolist()) if np.ndim(shape) else (int(shape),)
    return np.broadcast_to(t, shape + (k,))
