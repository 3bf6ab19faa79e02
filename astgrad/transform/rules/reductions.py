"""Rules for reductions: the adjoint of a reduced axis is broadcast back along it.

`_expand(g, axis, keepdims)` puts the reduced axes back as length-1 axes. It is
a rule helper, so the generated line shows its expression, whose test folds
away when `axis` and `keepdims` are constants."""
import numpy as np

from ..lattice import OPAQUE, Kind
from ..registry import defjvp, deflinear, defsizes, defvjp
from ..template import rule_helper
from .complex import real_like, real_of
from ... import runtime as rt


def constant(k, s, name):
    """(True, value) when argument `name` is a constant, else (False, None): `s` holds
    None both for `axis=None` and for an axis only known at run time."""
    if s.get(name) is not None or k.get(name) == OPAQUE:
        return True, s.get(name)
    return False, None


def _reduced(k, s):
    a = k["a"] if "a" in k else k["x"]
    (known_axis, axis), (known_keep, keepdims) = constant(k, s, "axis"), constant(k, s, "keepdims")
    if a.ndim is None or not known_axis or not known_keep:
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


def _reduced_sizes(k, s):
    """Which axes of the result have length 1: a kept axis has its length; a reduced
    one is gone, or of length 1 with `keepdims`."""
    a = k["a"] if "a" in k else k["x"]
    (known_axis, axis), (known_keep, keepdims) = constant(k, s, "axis"), constant(k, s, "keepdims")
    axes = range(a.ndim or 0) if axis is None else (axis,) if isinstance(axis, int) else axis
    if a.ndim is None or not known_axis or not known_keep or not isinstance(axes, (range, tuple)) \
            or not all(isinstance(i, int) and -a.ndim <= i < a.ndim for i in axes):
        return None
    axes = {i % a.ndim for i in axes}
    ones = a.ones or (None,) * a.ndim
    if keepdims:
        return tuple(True if i in axes else o for i, o in enumerate(ones))
    return tuple(o for i, o in enumerate(ones) if i not in axes)


def flat_unless_axis(k, s):
    known, axis = constant(k, s, "axis")
    return k["a"].with_ndim(None if not known else 1 if axis is None else k["a"].ndim)


def _mean_kind(k, s):
    out = _reduced(k, s)
    if out.dtype in ("b", "i", "u"):
        return Kind(out.ndim, "f", False, 8)
    return out


@rule_helper
def _expand(g, axis, keepdims):
    """`g` (an adjoint, or the output) with the reduced axes back, as length-1 axes."""
    return g if keepdims or axis is None else np.expand_dims(g, axis)


@rule_helper
def _count(mask, axis, keepdims, ans):
    """How many entries of `mask` are true along `axis`, in the dtype of `ans`: an integer
    count would make a float32 adjoint or tangent float64."""
    return np.sum(mask, axis, keepdims=keepdims, dtype=ans.dtype)


# ---- sums and means ---------------------------------------------------------------------
# (`where=` leaves entries out: they get no adjoint, and a mean counts only the others;
# `initial=` is refused, since forward mode applies np.sum itself to the tangent)
defvjp(np.sum,
       lambda g, ans, a, axis=None, dtype=None, out=None, keepdims=False, *, where=True:
       np.broadcast_to(_expand(g, axis, keepdims), np.shape(a)) if where is True else
       np.where(np.broadcast_to(where, np.shape(a)), _expand(g, axis, keepdims), 0.0),
       kind=_reduced)
defvjp(np.mean,
       lambda g, ans, a, axis=None, dtype=None, out=None, keepdims=False, *, where=True:
       np.broadcast_to(
           _expand(g, axis, keepdims)
           / (np.size(a) if axis is None else np.size(a) // np.size(ans)), np.shape(a))
       if where is True else
       rt.masked_mean_adjoint(g, where, np.shape(a), axis, keepdims),
       kind=_mean_kind)
# NaN entries are left out of the sum, so they get no adjoint
defvjp(np.nansum,
       lambda g, ans, a, axis=None, dtype=None, out=None, keepdims=False:
       np.where(np.isnan(a), 0.0, _expand(g, axis, keepdims)),
       kind=_reduced)
defvjp(np.nanmean,
       lambda g, ans, a, axis=None, dtype=None, out=None, keepdims=False: np.where(
           np.isnan(a), 0.0,
           _expand(g, axis, keepdims) / _count(np.logical_not(np.isnan(a)), axis, True, ans)),
       kind=_mean_kind)


def average_a(g, ans, a, axis=None, weights=None, returned=False, keepdims=False):
    return (rt.unsupported("np.average(..., returned=True); compute the sum of weights apart")
            if returned else
            np.broadcast_to(_expand(g, axis, keepdims) / (np.size(a) // np.size(ans)),
                            np.shape(a)) if weights is None else
            _expand(g, axis, keepdims) * weights / np.sum(weights, axis, keepdims=True)
            if np.ndim(weights) == np.ndim(a) else
            rt.unsupported("np.average with 1-d weights along one axis; give the weights "
                           "the shape of the array"))


def average_weights(g, ans, a, axis=None, weights=None, returned=False, keepdims=False):
    return (_expand(g, axis, keepdims) * (a - _expand(ans, axis, keepdims))
            / np.sum(weights, axis, keepdims=True)
            if np.ndim(weights) == np.ndim(a) and not returned else
            rt.unsupported("np.average with returned=True or 1-d weights along one axis"))


defvjp(np.average, average_a, None, average_weights, kind=_mean_kind)

# (its transpose is the masked mean again; it reads only the shape of `a`)
defvjp(rt.masked_mean_adjoint,
       lambda b, ans, g, where, shape, axis=None, keepdims=False:
       np.mean(b, axis, keepdims=keepdims, where=where),
       None, None, None, None, kind=lambda k, s: k["g"].with_ndim(None))
deflinear(rt.masked_mean_adjoint, "g")

# ---- running sums: the adjoint runs backwards (products: products.py) ----------------------
defvjp(np.cumsum,
       lambda g, ans, a, axis=None, dtype=None, out=None:
       np.flip(np.cumsum(np.flip(g, axis), axis), axis) if axis is not None else
       np.reshape(np.flip(np.cumsum(np.flip(g))), np.shape(a)),
       kind=flat_unless_axis)
defvjp(np.diff, lambda g, ans, a, n=1, axis=-1: rt.undiff(g, a, n, axis),
       kind=lambda k, s: k["a"].with_ndim(k["a"].ndim))


# ---- extremes: ties split the adjoint evenly among the extreme elements --------------------
# (with `where=` only the entries it picks take part, and with `initial=` that constant
# too: an entry tied with it gets its share, and none gets any where it alone is the extreme)
@rule_helper
def _share(a, ans, axis, keepdims, initial, where):
    """Each entry's share of an extreme's adjoint under `where=` and `initial=`."""
    return (np.logical_and(a == _expand(ans, axis, keepdims), where)
            / np.maximum(_count(np.logical_and(a == _expand(ans, axis, keepdims), where), axis,
                                True, ans)
                         + (0 if initial is None else _expand(ans == initial, axis, keepdims)),
                         1))


def extreme_a(g, ans, a, axis=None, out=None, keepdims=False, initial=None, where=True):
    return (_expand(g, axis, keepdims) * (a == _expand(ans, axis, keepdims))
            / _count(a == _expand(ans, axis, keepdims), axis, True, ans)
            if initial is None and where is True else
            _expand(g, axis, keepdims) * _share(a, ans, axis, keepdims, initial, where))


for _fn in (np.max, np.min, np.amax, np.amin, np.nanmax, np.nanmin):
    defvjp(_fn, extreme_a, kind=_reduced)


def ptp_a(g, ans, a, axis=None, out=None, keepdims=False):
    return (_expand(g, axis, keepdims)
            * ((a == np.max(a, axis, keepdims=True))
               / _count(a == np.max(a, axis, keepdims=True), axis, True, ans)
               - (a == np.min(a, axis, keepdims=True))
               / _count(a == np.min(a, axis, keepdims=True), axis, True, ans)))


defvjp(np.ptp, ptp_a, kind=_reduced)


# ---- spread ------------------------------------------------------------------------------
# for a complex `a`, the spread of |a - mean|: its adjoint has the conjugate
def var_a(g, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    return (_expand(g, axis, keepdims) * 2 * np.conj(a - np.mean(a, axis, keepdims=True))
            / (np.size(a) // np.size(ans) - ddof))


@rule_helper
def _deviation(a, axis):
    """`a - mean` along `axis`, exactly 0 where the entries there are all equal: their mean
    is rounded, and `a - mean` would be noise the size of eps * |a| (that std divides by
    itself: a slope of 1 for `np.std(x[[2, 2, 2]])`, where 0 is right)."""
    return np.where(np.max(a, axis, keepdims=True) == np.min(a, axis, keepdims=True), 0.0,
                    a - np.mean(a, axis, keepdims=True))


# where the spread is zero, every `a - mean` is zero too: the slope is 0 there (the limit
# along a reduced axis of length 1, where std is constant; peers' choice elsewhere, as for abs)
def std_a(g, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    return (_expand(g, axis, keepdims) * np.conj(_deviation(a, axis))
            / ((np.size(a) // np.size(ans) - ddof)
               * _expand(np.where(ans == 0, 1.0, ans), axis, keepdims)))


defvjp(np.var, var_a, kind=lambda k, s: real_of(_mean_kind(k, s)))
defvjp(np.std, std_a, kind=lambda k, s: real_of(_mean_kind(k, s)))

for _fn in (np.sum, np.mean, np.prod, np.nansum, np.nanmean, np.nanprod, np.max, np.min,
            np.amax, np.amin, np.nanmax, np.nanmin, np.ptp, np.var, np.std):
    defsizes(_fn, _reduced_sizes)


# ---- traces ------------------------------------------------------------------------------
defvjp(np.trace,
       lambda g, ans, a, offset=0, axis1=0, axis2=1, dtype=None, out=None:
       g * np.eye(np.shape(a)[0], np.shape(a)[1], offset) if np.ndim(a) == 2 else
       rt.undiagonal(np.broadcast_to(np.expand_dims(g, -1),
                                     np.shape(np.diagonal(a, offset, axis1, axis2))),
                     a, offset, axis1, axis2),
       kind=lambda k, s: k["a"].with_ndim(None if k["a"].ndim is None else k["a"].ndim - 2))


# ---- forward mode: linear reductions apply to the tangent ------------------------------
deflinear(np.sum, "a")
deflinear(np.mean, "a")
deflinear(np.cumsum, "a")
deflinear(np.diff, "a")
deflinear(np.trace, "a")

# NaN entries are left out, so their tangents are too
defjvp(np.nansum,
       lambda t, ans, a, axis=None, dtype=None, out=None, keepdims=False:
       np.sum(np.where(np.isnan(a), 0.0, t), axis, keepdims=keepdims))
defjvp(np.nanmean,
       lambda t, ans, a, axis=None, dtype=None, out=None, keepdims=False:
       np.sum(np.where(np.isnan(a), 0.0, t), axis, keepdims=keepdims)
       / _count(np.logical_not(np.isnan(a)), axis, keepdims, ans))


# np.average is linear in `a`; in the weights, d(sum(w a) / sum(w)) = sum(dw (a - ans)) / sum(w)
def average_a_t(t, ans, a, axis=None, weights=None, returned=False, keepdims=False):
    return (rt.unsupported("np.average(..., returned=True); compute the sum of weights apart")
            if returned else np.average(t, axis, weights, keepdims=keepdims))


def average_weights_t(t, ans, a, axis=None, weights=None, returned=False, keepdims=False):
    return (np.sum(t * (a - _expand(ans, axis, keepdims)), axis, keepdims=keepdims)
            / np.sum(weights, axis, keepdims=keepdims)
            if np.ndim(weights) == np.ndim(a) and not returned else
            rt.unsupported("np.average with returned=True or 1-d weights along one axis"))


defjvp(np.average, average_a_t, None, average_weights_t)


# the tangent is the mean of the tangents at the extreme elements (ties split evenly)
def extreme_t(t, ans, a, axis=None, out=None, keepdims=False, initial=None, where=True):
    return (np.sum(t * (a == _expand(ans, axis, keepdims)), axis, keepdims=keepdims)
            / _count(a == _expand(ans, axis, keepdims), axis, keepdims, ans)
            if initial is None and where is True else
            np.sum(t * _share(a, ans, axis, keepdims, initial, where), axis, keepdims=keepdims))


for _fn in (np.max, np.min, np.amax, np.amin, np.nanmax, np.nanmin):
    defjvp(_fn, extreme_t)


def ptp_t(t, ans, a, axis=None, out=None, keepdims=False):
    return (np.sum(t * (a == np.max(a, axis, keepdims=True)), axis, keepdims=keepdims)
            / _count(a == np.max(a, axis, keepdims=True), axis, keepdims, ans)
            - np.sum(t * (a == np.min(a, axis, keepdims=True)), axis, keepdims=keepdims)
            / _count(a == np.min(a, axis, keepdims=True), axis, keepdims, ans))


defjvp(np.ptp, ptp_t)


def var_t(t, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    return (2 * real_like(np.sum(t * np.conj(a - np.mean(a, axis, keepdims=True)), axis,
                                 keepdims=keepdims), a)
            / (np.size(a) // np.size(ans) - ddof))


def std_t(t, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    return (real_like(np.sum(t * np.conj(_deviation(a, axis)), axis,
                          keepdims=keepdims), a)
            / ((np.size(a) // np.size(ans) - ddof) * np.where(ans == 0, 1.0, ans)))


defjvp(np.var, var_t)
defjvp(np.std, std_t)
