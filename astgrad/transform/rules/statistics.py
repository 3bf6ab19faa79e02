"""Rules for order statistics: np.partition, np.median, np.quantile and np.percentile
(linear interpolation). Each output entry is one entry of the input, or two
interpolated, so the adjoint goes back to where those came from; at ties it is split
evenly among the equal entries (`rt.tie_mean`), as np.max's and np.sort's are.
Also the rules of the runtime helpers these and np.cross, np.gradient use."""
import numpy as np

from ..registry import defjvp, deflinear, defvjp
from ..template import rule_helper
from .reductions import _mean_kind, flat_unless_axis
from ... import runtime as rt


# ---- np.partition: a permutation, found from the values (partition's own order of the
# entries it does not place is not argpartition's) -------------------------------------------
@rule_helper
def _source(a, ans, axis):
    """Where each entry of `ans`, a rearrangement of `a` along `axis`, came from."""
    return np.take_along_axis(np.argsort(a, axis), np.argsort(np.argsort(ans, axis), axis), axis)


defvjp(np.partition,
       lambda g, ans, a, kth, axis=-1, kind="introselect", order=None:
       rt.untake_along_axis(rt.tie_mean(g, ans, axis), a, _source(a, ans, axis), axis)
       if axis is not None else
       np.reshape(rt.untake_along_axis(rt.tie_mean(g, ans, None), np.ravel(a),
                                       _source(np.ravel(a), ans, 0), 0), np.shape(a)),
       kind=flat_unless_axis)
defjvp(np.partition,
       lambda t, ans, a, kth, axis=-1, kind="introselect", order=None:
       rt.tie_mean(np.take_along_axis(t, _source(a, ans, axis), axis), ans, axis)
       if axis is not None else
       rt.tie_mean(np.take(t, _source(np.ravel(a), ans, 0)), ans, None))

# ---- quantiles: with respect to the data; q is a constant -----------------------------------
_METHOD = "np.quantile with a method other than 'linear', or with overwrite_input=True"
_Q = "np.quantile/np.percentile with respect to q; make q a constant"


def quantile_a(g, ans, a, q, axis=None, out=None, overwrite_input=False, method="linear",
               keepdims=False):
    return rt.quantile_adjoint(g, a, q, axis, keepdims) \
        if method == "linear" and not overwrite_input else rt.unsupported(_METHOD)


def quantile_q(g, ans, a, q, axis=None, out=None, overwrite_input=False, method="linear",
               keepdims=False):
    return rt.unsupported(_Q)


def percentile_a(g, ans, a, q, axis=None, out=None, overwrite_input=False, method="linear",
                 keepdims=False):
    return rt.quantile_adjoint(g, a, np.true_divide(q, 100), axis, keepdims) \
        if method == "linear" and not overwrite_input else rt.unsupported(_METHOD)


def _quantile_kind(k, s):
    out = _mean_kind(k, s)
    q = k["q"]
    return out.with_ndim(None if out.ndim is None or q.ndim is None else out.ndim + q.ndim)


defvjp(np.quantile, quantile_a, quantile_q, kind=_quantile_kind)
defvjp(np.percentile, percentile_a, quantile_q, kind=_quantile_kind)
defvjp(np.median,
       lambda g, ans, a, axis=None, out=None, overwrite_input=False, keepdims=False:
       rt.quantile_adjoint(g, a, 0.5, axis, keepdims) if not overwrite_input else
       rt.unsupported(_METHOD),
       kind=_mean_kind)
defjvp(np.quantile,
       lambda t, ans, a, q, axis=None, out=None, overwrite_input=False, method="linear",
       keepdims=False:
       rt.quantile_apply(t, a, q, axis, keepdims) if method == "linear" and not overwrite_input
       else rt.unsupported(_METHOD),
       lambda t, ans, a, q, axis=None, out=None, overwrite_input=False, method="linear",
       keepdims=False: rt.unsupported(_Q))
defjvp(np.percentile,
       lambda t, ans, a, q, axis=None, out=None, overwrite_input=False, method="linear",
       keepdims=False:
       rt.quantile_apply(t, a, np.true_divide(q, 100), axis, keepdims)
       if method == "linear" and not overwrite_input else rt.unsupported(_METHOD),
       lambda t, ans, a, q, axis=None, out=None, overwrite_input=False, method="linear",
       keepdims=False: rt.unsupported(_Q))
defjvp(np.median,
       lambda t, ans, a, axis=None, out=None, overwrite_input=False, keepdims=False:
       rt.quantile_apply(t, a, 0.5, axis, keepdims) if not overwrite_input else
       rt.unsupported(_METHOD))


# ---- the helpers' own rules: each is linear in its first argument, and the order of the
# data (a permutation, constant between ties) carries no derivative ------------------------------
defvjp(rt.tie_mean, lambda b, ans, g, s, axis=-1: rt.tie_mean(b, s, axis), None, None,
       kind=lambda k, s: k["s"].with_ndim(k["s"].ndim))
defvjp(rt.quantile_adjoint,
       lambda b, ans, g, a, q, axis=None, keepdims=False:
       rt.quantile_apply(b, a, q, axis, keepdims),
       None, None, None, None, kind=lambda k, s: k["a"].with_ndim(k["a"].ndim))
defvjp(rt.quantile_apply,
       lambda b, ans, c, a, q, axis=None, keepdims=False:
       rt.quantile_adjoint(b, a, q, axis, keepdims),
       None, None, None, None)
deflinear(rt.tie_mean, "g")
deflinear(rt.quantile_adjoint, "g")
deflinear(rt.quantile_apply, "c")

# np.gradient is linear in f; its adjoint's adjoint is np.gradient again
defvjp(rt.ungradient,
       lambda b, ans, g, f, varargs=(), axis=None, edge_order=1:
       rt.gradient_of(b, varargs, axis, edge_order),
       None, None, None, None, kind=lambda k, s: k["f"].with_ndim(k["f"].ndim))
defvjp(rt.gradient_of,
       lambda b, ans, c, varargs=(), axis=None, edge_order=1:
       rt.ungradient(b, c, varargs, axis, edge_order), None, None, None)
deflinear(rt.ungradient, "g")
deflinear(rt.gradient_of, "c")

# the adjoint of np.cross is bilinear in the seed and the other factor
defvjp(rt.cross_adjoint,
       lambda c, ans, g, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None, argnum=0:
       np.cross(c, b, axisa, axisb, axisc, axis) if argnum == 0 else
       np.cross(a, c, axisa, axisb, axisc, axis),
       lambda c, ans, g, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None, argnum=0:
       rt.cross_adjoint(g, a, c, axisa, axisb, axisc, axis, 0) if argnum == 1 else
       np.zeros_like(a),
       lambda c, ans, g, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None, argnum=0:
       rt.cross_adjoint(g, c, b, axisa, axisb, axisc, axis, 1) if argnum == 0 else
       np.zeros_like(b),
       None, None, None, None, None)
defjvp(rt.cross_adjoint,
       lambda t, ans, g, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None, argnum=0:
       rt.cross_adjoint(t, a, b, axisa, axisb, axisc, axis, argnum),
       lambda t, ans, g, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None, argnum=0:
       rt.cross_adjoint(g, t, b, axisa, axisb, axisc, axis, 1) if argnum == 1 else 0.0 * ans,
       lambda t, ans, g, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None, argnum=0:
       rt.cross_adjoint(g, a, t, axisa, axisb, axisc, axis, 0) if argnum == 0 else 0.0 * ans,
       None, None, None, None, None)
