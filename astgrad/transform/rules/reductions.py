"""Rules for reductions: the adjoint of a reduced axis is broadcast back along it."""
import numpy as np

from ..kinds import Kind
from ..registry import defvjp


def _reduced(k, s):
    a = k["a"]
    axis, keepdims = s.get("axis"), s.get("keepdims")
    if a.ndim is None:
        return Kind(None, a.dtype)
    if keepdims:
        return Kind(a.ndim, a.dtype)
    if axis is None:
        return Kind(0, a.dtype)
    if isinstance(axis, int):
        return Kind(a.ndim - 1, a.dtype)
    if isinstance(axis, tuple):
        return Kind(a.ndim - len(axis), a.dtype)
    return Kind(None, a.dtype)


def _mean_kind(k, s):
    out = _reduced(k, s)
    return Kind(out.ndim, "f" if out.dtype in ("b", "i", "u") else out.dtype)


defvjp(np.sum,
       lambda g, ans, a, axis=None, dtype=None, out=None, keepdims=False: np.broadcast_to(
           g if keepdims or axis is None else np.expand_dims(g, axis), np.shape(a)),
       kind=_reduced)
defvjp(np.mean,
       lambda g, ans, a, axis=None, dtype=None, out=None, keepdims=False: np.broadcast_to(
           (g if keepdims or axis is None else np.expand_dims(g, axis))
           / (np.size(a) if axis is None else np.size(a) // np.size(ans)), np.shape(a)),
       kind=_mean_kind)
