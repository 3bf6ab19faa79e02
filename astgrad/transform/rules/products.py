"""Rules for products and running products (np.prod, np.cumprod, np.nanprod), exact
at zeros: each entry's adjoint is the product of the other entries, formed directly
(one row of the others per entry) when an entry is zero and so `ans / a` cannot be
used. Only reductions over one axis, or over all, reach that case."""
import numpy as np

from ..registry import defjvp, defvjp
from ..template import rule_helper
from .reductions import _expand, _reduced, flat_unless_axis
from ... import runtime as rt

_AXES = "np.prod over several axes of an array holding zeros; reduce one axis at a time"


@rule_helper
def _others(a, axis):
    """For each entry of `a`, the product of the other entries (along `axis`, or all)."""
    return (np.reshape(np.prod(np.where(np.eye(np.size(a), dtype=bool), 1.0, np.ravel(a)), -1),
                       np.shape(a)) if axis is None else
            np.moveaxis(np.prod(np.where(np.eye(np.shape(a)[axis], dtype=bool), 1.0,
                                         np.expand_dims(np.moveaxis(a, axis, -1), -2)), -1),
                        -1, axis) if np.ndim(axis) == 0 else rt.unsupported(_AXES))


@rule_helper
def _slope(a, ans, axis, keepdims):
    """d prod(a) / d a: `ans / a` unless an entry is zero."""
    return _expand(ans, axis, keepdims) / a if np.all(a != 0) else _others(a, axis)


# (entries `where=` leaves out count as ones and get no adjoint; `initial=` is refused)
defvjp(np.prod,
       lambda g, ans, a, axis=None, dtype=None, out=None, keepdims=False, *, where=True:
       _expand(g, axis, keepdims) * _slope(a, ans, axis, keepdims) if where is True else
       np.where(np.broadcast_to(where, np.shape(a)), _expand(g, axis, keepdims)
                * _slope(np.where(where, a, 1.0), ans, axis, keepdims), 0.0),
       kind=_reduced)
defjvp(np.prod,
       lambda t, ans, a, axis=None, dtype=None, out=None, keepdims=False, *, where=True:
       np.sum(t * _slope(a, ans, axis, keepdims), axis, keepdims=keepdims) if where is True
       else np.sum(np.where(where, t, 0.0) * _slope(np.where(where, a, 1.0), ans, axis,
                                                     keepdims), axis, keepdims=keepdims))
# NaN entries count as ones and get no adjoint
defvjp(np.nanprod,
       lambda g, ans, a, axis=None, dtype=None, out=None, keepdims=False:
       np.where(np.isnan(a), 0.0, _expand(g, axis, keepdims)
                * _slope(np.where(np.isnan(a), 1.0, a), ans, axis, keepdims)),
       kind=_reduced)
defjvp(np.nanprod,
       lambda t, ans, a, axis=None, dtype=None, out=None, keepdims=False:
       np.sum(np.where(np.isnan(a), 0.0, t)
              * _slope(np.where(np.isnan(a), 1.0, a), ans, axis, keepdims), axis,
              keepdims=keepdims))


# ---- running products: ans_i = prod_{k<=i} a_k. With zeros, C[j, i] = prod_{k<=i, k!=j} a_k
# (a running product of `a` with a one in place j), so d ans_i / d a_j = C[j, i] for j <= i
# (the seed spread to the output's shape first: it may still be a scalar zero)
@rule_helper
def _partial(a):
    """C[..., j, i] along the last axis of `a` (no zeros needed)."""
    return np.triu(np.cumprod(np.where(np.eye(np.shape(a)[-1], dtype=bool), 1.0,
                                       np.expand_dims(a, -2)), -1))


def cumprod_a(g, ans, a, axis=None, dtype=None, out=None):
    return (np.flip(np.cumsum(np.flip(g * ans, axis), axis), axis) / a if axis is not None else
            np.reshape(np.flip(np.cumsum(np.flip(g * ans))), np.shape(a)) / a) \
        if np.all(a != 0) else (
            np.moveaxis(np.sum(_partial(np.moveaxis(a, axis, -1))
                               * np.expand_dims(np.moveaxis(np.broadcast_to(g, np.shape(ans)),
                                                            axis, -1), -2), -1), -1, axis)
            if axis is not None else
            np.reshape(np.sum(_partial(np.ravel(a)) * g, -1), np.shape(a)))


def cumprod_t(t, ans, a, axis=None, dtype=None, out=None):
    return ans * np.cumsum(t / a, axis) if np.all(a != 0) else (
        np.moveaxis(np.sum(_partial(np.moveaxis(a, axis, -1))
                           * np.expand_dims(np.moveaxis(np.broadcast_to(t, np.shape(ans)),
                                                        axis, -1), -1), -2), -1, axis)
        if axis is not None else
        np.sum(_partial(np.ravel(a)) * np.expand_dims(np.ravel(t), -1), -2))


defvjp(np.cumprod, cumprod_a, kind=flat_unless_axis)
defjvp(np.cumprod, cumprod_t)
