"""Rules for reductions: the adjoint of a reduced axis is broadcast back along it."""
import numpy as np

from ..kinds import Kind
from ..registry import defvjp


def _reduced(k, s):
    a = k["a"]
    axis, keepdims = s.get("axis"), s.get("keepdims")
    if a.ndim is None:
        return a.with_ndim(None)
    if keepdims:
        return a.with_ndim(a.ndim)
    if axis is None:
        return a.with_ndim(0)
    if isinstance(axis, int):
        return a.with_ndim(a.ndim - 1)
    if isinstance(axis, tuple):
        return a.with_ndim(a.ndim - len(axis))
    return a.with_ndim(None)


def _mean_kind(k, s):
    out = _reduced(k, s)
    if out.dtype in ("b", "i", "u"):
        return Kind(out.ndim, "f", False, 8)
    return out


defvjp(np.sum,
       lambda g, ans, a, axis=None, dtype=None, out=None, keepdims=False: np.broadcast_to(
           g if keepdims or axis is None else np.expand_dims(g, axis), np.shape(a)),
       kind=_reduced)
defvjp(np.mean,
       lambda g, ans, a, axis=None, dtype=None, out=None, keepdims=False: np.broadcast_to(
           (g if keepdims or axis is None else np.expand_dims(g, axis))
           / (np.size(a) if axis is None else np.size(a) // np.size(ans)), np.shape(a)),
       kind=_mean_kind)
