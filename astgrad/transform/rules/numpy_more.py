"""More NumPy rules: the `%` operator, axes and shapes (np.rollaxis, np.atleast_*d,
np.matrix_transpose), vector products (np.vecdot, np.matvec, np.vecmat, np.cross with
its axis keywords), polynomials and 1-d signals (np.polyval, np.convolve, np.correlate,
np.unwrap) and the NaN-skipping running sums, products and spreads."""
import ast
import copy
import operator

import numpy as np

from ..lattice import UNKNOWN, broadcast
from ..registry import defjvp, deflinear, defvjp, lookup
from ..template import rule_helper
from .complex import real_like, real_of
from .reductions import _count, _expand, _mean_kind, flat_unless_axis
from ... import runtime as rt


def _same(k, s):
    a = next(iter(k.values()))
    return a.with_ndim(a.ndim)


# ---- x % y: NumPy's remainder (Python's for numbers), smooth between its jumps ----------------
defvjp(operator.mod,
       lambda g, ans, x, y: g,
       lambda g, ans, x, y: -g * np.floor(x / y),
       elementwise=True, kind=lambda k, s: broadcast(k["x"], k["y"], py_result=True))

# ---- axes ---------------------------------------------------------------------------------------


@rule_helper
def _rolled_to(axis, start, n):
    """Where np.rollaxis(a, axis, start) puts `axis`, for an `a` of `n` dimensions."""
    return start + n * (start < 0) - (axis % n < start + n * (start < 0))


defvjp(np.rollaxis,
       lambda g, ans, a, axis, start=0:
       np.moveaxis(g, _rolled_to(axis, start, np.ndim(a)), axis), kind=_same)
deflinear(np.rollaxis, "a")

for _name in ("matrix_transpose",):            # NumPy 2: the last two axes swapped
    for _module in (np, np.linalg):
        if hasattr(_module, _name):
            defvjp(getattr(_module, _name), lambda g, ans, x: np.swapaxes(g, -1, -2),
                   kind=_same)
            deflinear(getattr(_module, _name), "x")


class _EachArray:
    """A rule of np.atleast_1d/2d/3d, whose arrays are one variadic parameter: one array
    gives one array, several a list. Written out per array when compiled."""

    def __init__(self, fallback, fn, role):
        self.fallback, self.fn, self.role = fallback, fn, role

    def __getattr__(self, name):
        return getattr(self.fallback, name)

    def emit(self, seed, ans, args, ns, where):
        items = args["arys"].elts
        one = len(items) == 1
        parts = [seed] if one else [ast.Subscript(seed, ast.Constant(k), ast.Load())
                                    for k in range(len(items))]
        if self.role == "jvp":
            parts = seed.elts
            made = [ast.Call(ns.ref(self.fn), [copy.deepcopy(t)], []) for t in parts]
            return made[0] if one else ast.List(made, ast.Load())
        return ast.List([ast.Call(ns.ref(np.reshape), [copy.deepcopy(p), ast.Call(
            ns.ref(np.shape), [copy.deepcopy(x)], [])], []) for p, x in zip(parts, items)],
            ast.Load())


for _fn in (np.atleast_1d, np.atleast_2d, np.atleast_3d):
    defvjp(_fn, lambda g, ans, *arys: rt.unsupported("np.atleast_*d here"))
    defjvp(_fn, lambda t, ans, *arys: rt.unsupported("np.atleast_*d here"))
    _prim = lookup(_fn)
    _prim.vjps = (_EachArray(_prim.vjps[0], _fn, "vjp"),)
    _prim.jvps = (_EachArray(_prim.jvps[0], _fn, "jvp"),)
    _prim.kind = lambda k, s: UNKNOWN       # one array in: an array; several: a list

# ---- vector products (NumPy 2's gufuncs: along the last axis, broadcast before it) ------------
if hasattr(np, "vecdot"):
    # sum(conj(x1) * x2): conjugate-linear in x1
    defvjp(np.vecdot,
           lambda g, ans, x1, x2: rt.unbroadcast(np.conj(np.expand_dims(g, -1) * x2), x1),
           lambda g, ans, x1, x2: rt.unbroadcast(np.expand_dims(g, -1) * np.conj(x1), x2),
           kind=lambda k, s: broadcast(k["x1"], k["x2"]).with_ndim(
               None if k["x1"].ndim is None or k["x2"].ndim is None else
               max(k["x1"].ndim, k["x2"].ndim) - 1))
    deflinear(np.vecdot, "x1", "x2")
if hasattr(np, "matvec"):
    # matvec(m, v)_i = sum_j m_ij v_j; vecmat(v, m)_j = sum_i v_i m_ij
    defvjp(np.matvec,
           lambda g, ans, x1, x2:
           rt.unbroadcast(np.expand_dims(g, -1) * np.expand_dims(x2, -2), x1),
           lambda g, ans, x1, x2: rt.unbroadcast(np.vecmat(g, x1), x2))
    defvjp(np.vecmat,
           lambda g, ans, x1, x2: rt.unbroadcast(np.matvec(x2, g), x1),
           lambda g, ans, x1, x2:
           rt.unbroadcast(np.expand_dims(x1, -1) * np.expand_dims(g, -2), x2))
    deflinear(np.matvec, "x1", "x2")
    deflinear(np.vecmat, "x1", "x2")

# np.cross: <g, a x b> = <a, b x g> = <b, g x a>, along the axes the keywords name (2-vectors
# are 3-vectors with a zero third component); the helper sums broadcast axes back
defvjp(np.cross,
       lambda g, ans, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None:
       rt.cross_adjoint(g, a, b, axisa, axisb, axisc, axis, 0),
       lambda g, ans, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None:
       rt.cross_adjoint(g, a, b, axisa, axisb, axisc, axis, 1),
       kind=lambda k, s: broadcast(k["a"], k["b"], floating=True).with_ndim(None))
deflinear(np.cross, "a", "b")

# ---- polynomials: p holds the coefficients, the highest power first (the powers in the
# value's dtype: integers would make a float32 adjoint or tangent float64) --------------------
@rule_helper
def _powers(p, last, ans):
    """The powers of p's terms, the highest first, down to `last`."""
    return np.arange(np.size(p) - 1, last - 1, -1, dtype=ans.dtype)


defvjp(np.polyval,
       lambda g, ans, p, x:
       np.tensordot(g, np.expand_dims(x, -1) ** _powers(p, 0, ans), np.ndim(x)),
       lambda g, ans, p, x: g * np.polyval(p[:-1] * _powers(p, 1, ans), x),
       kind=lambda k, s: broadcast(k["p"], k["x"], floating=True).with_ndim(k["x"].ndim))
deflinear(np.polyval, "p")
defjvp(np.polyval, None, lambda t, ans, p, x: t * np.polyval(p[:-1] * _powers(p, 1, ans), x))


# ---- 1-d convolution and correlation: the adjoints correlate the seed, first padded
# with zeros back to the full output (each mode keeps a centred part of it) -------------------
@rule_helper
def _full(g, a, v):
    return np.pad(g, ((np.size(a) + np.size(v) - 1 - np.size(g)) // 2,
                      (np.size(a) + np.size(v) - np.size(g)) // 2))


def _signal_kind(k, s):
    return broadcast(k["a"], k["v"], floating=True).with_ndim(1)


# (np.correlate conjugates its second argument: for complex values the rules conjugate it
# back, so a convolution's adjoint is its transpose; correlate is conjugate-linear in v)
defvjp(np.convolve,
       lambda g, ans, a, v, mode="full": np.correlate(_full(g, a, v), np.conj(v), "valid"),
       lambda g, ans, a, v, mode="full": np.correlate(_full(g, a, v), np.conj(a), "valid"),
       kind=_signal_kind)
# correlate(a, v) is convolve(a, conj(v) reversed)
defvjp(np.correlate,
       lambda g, ans, a, v, mode="valid": np.correlate(_full(g, a, v), np.flip(v), "valid"),
       lambda g, ans, a, v, mode="valid":
       np.conj(np.flip(np.correlate(_full(g, a, v), np.conj(a), "valid"))),
       kind=_signal_kind)
deflinear(np.convolve, "a", "v")
deflinear(np.correlate, "a", "v")

# np.unwrap adds whole periods where the steps jump: piecewise constant, so a slope of 1
defvjp(np.unwrap, lambda g, ans, p, discont=None, axis=-1, *, period=2 * np.pi: g,
       kind=lambda k, s: broadcast(k["p"], floating=True))
defjvp(np.unwrap, lambda t, ans, p, discont=None, axis=-1, *, period=2 * np.pi: t)

# ---- NaN-skipping running sums, products and spreads: NaN entries get no adjoint ------------
defvjp(np.nancumsum,
       lambda g, ans, a, axis=None, dtype=None, out=None: np.where(
           np.isnan(a), 0.0,
           np.flip(np.cumsum(np.flip(g, axis), axis), axis) if axis is not None else
           np.reshape(np.flip(np.cumsum(np.flip(g))), np.shape(a))),
       kind=flat_unless_axis)
defjvp(np.nancumsum,
       lambda t, ans, a, axis=None, dtype=None, out=None:
       np.cumsum(np.where(np.isnan(a), 0.0, t), axis))
@rule_helper
def _centred(a, axis):
    """`a` less its mean over the entries that are not NaN; 0 at NaN."""
    return np.where(np.isnan(a), 0.0, a - np.nanmean(a, axis, keepdims=True))


@rule_helper
def _entries(a, axis, keepdims, ddof, ans):
    """How many entries are not NaN, less `ddof`, in the dtype of `ans`."""
    return _count(np.logical_not(np.isnan(a)), axis, keepdims, ans) - ddof


# for a complex `a`, the spread of |a - mean|: the adjoint has the conjugate (as np.var's)
defvjp(np.nanvar,
       lambda g, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False:
       _expand(g, axis, keepdims) * 2 * np.conj(_centred(a, axis))
       / _entries(a, axis, True, ddof, ans),
       kind=lambda k, s: real_of(_mean_kind(k, s)))
defjvp(np.nanvar,
       lambda t, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False:
       real_like(np.sum(2 * t * np.conj(_centred(a, axis)), axis, keepdims=keepdims), a)
       / _entries(a, axis, keepdims, ddof, ans))
# (0 where the spread is 0, as np.std's rule)
defvjp(np.nanstd,
       lambda g, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False:
       _expand(g, axis, keepdims) * np.conj(_centred(a, axis))
       / (_entries(a, axis, True, ddof, ans)
          * _expand(np.where(ans == 0, 1.0, ans), axis, keepdims)),
       kind=lambda k, s: real_of(_mean_kind(k, s)))
defjvp(np.nanstd,
       lambda t, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False:
       real_like(np.sum(t * np.conj(_centred(a, axis)), axis, keepdims=keepdims), a)
       / (_entries(a, axis, keepdims, ddof, ans) * np.where(ans == 0, 1.0, ans)))
