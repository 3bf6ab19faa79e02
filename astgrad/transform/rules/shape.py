"""Rules for functions that move elements without changing them."""
import numpy as np

from ..kinds import UNKNOWN
from ..registry import defvjp
from ... import runtime as rt


def _same(k, s):
    a = k["a"] if "a" in k else k["array"]
    return a.with_ndim(a.ndim)


def _reshaped(k, s):
    shape = s.get("shape")
    if isinstance(shape, int):
        return k["a"].with_ndim(1)
    if isinstance(shape, tuple):
        return k["a"].with_ndim(len(shape))
    return k["a"].with_ndim(None)


def _expanded(k, s):
    a, axis = k["a"], s.get("axis")
    if a.ndim is None or axis is None:
        return a.with_ndim(None)
    return a.with_ndim(a.ndim + (len(axis) if isinstance(axis, tuple) else 1))


defvjp(np.reshape, lambda g, ans, a, shape: np.reshape(g, np.shape(a)), kind=_reshaped)
defvjp(np.ravel, lambda g, ans, a: np.reshape(g, np.shape(a)),
       kind=lambda k, s: k["a"].with_ndim(1))
defvjp(np.transpose,
       lambda g, ans, a, axes=None: np.transpose(g) if axes is None else
       np.transpose(g, np.argsort(axes)),
       kind=_same)
defvjp(np.swapaxes,
       lambda g, ans, a, axis1, axis2: np.swapaxes(g, axis1, axis2), kind=_same)
defvjp(np.expand_dims, lambda g, ans, a, axis: np.reshape(g, np.shape(a)), kind=_expanded)
defvjp(np.squeeze, lambda g, ans, a, axis=None: np.reshape(g, np.shape(a)),
       kind=lambda k, s: UNKNOWN)
defvjp(np.broadcast_to, lambda g, ans, array, shape: rt.unbroadcast(g, array),
       kind=lambda k, s: k["array"].with_ndim(
           len(s["shape"]) if isinstance(s.get("shape"), tuple) else None))
defvjp(np.copy, lambda g, ans, a: g, kind=_same)
defvjp(np.full_like, None, lambda g, ans, a, fill_value: rt.unbroadcast(g, fill_value),
       kind=lambda k, s: k["a"].with_ndim(k["a"].ndim))


# ---- building arrays from lists: the adjoint of a list is a list ----------------------
defvjp(np.stack,
       lambda g, ans, arrays, axis=0: list(g) if axis == 0 else list(np.moveaxis(g, axis, 0)),
       kind=lambda k, s: UNKNOWN)
defvjp(np.concatenate,
       lambda g, ans, arrays, axis=0: rt.split_like(g, arrays, axis),
       kind=lambda k, s: UNKNOWN)
defvjp(np.array, lambda g, ans, object, dtype=None: rt.unpack_like(g, object),
       kind=lambda k, s: UNKNOWN)
defvjp(np.asarray, lambda g, ans, a, dtype=None: rt.unpack_like(g, a),
       kind=lambda k, s: k["a"] if k["a"].dtype != "O" else UNKNOWN)
