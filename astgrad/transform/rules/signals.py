"""Rules for np.gradient, np.interp, np.select and np.piecewise: functions that pick
or difference samples, whose adjoints put values back where samples came from."""
import numpy as np

from ..lattice import OPAQUE, UNKNOWN, Kind, broadcast
from ..registry import defjvp, deflinear, defnondiff, defvjp
from ..template import rule_helper
from ... import runtime as rt


# ---- np.gradient: linear in f (spacings are constants); one array per axis -----------------
def _gradient_kind(k, s):
    f = k["f"]
    one = isinstance(s.get("axis"), int) or f.ndim == 1
    return f.with_ndim(f.ndim) if one else OPAQUE if f.ndim is None else \
        Kind(dtype="O", item=broadcast(f, floating=True))


defvjp(np.gradient,
       lambda g, ans, f, *varargs, axis=None, edge_order=1:
       rt.ungradient(g, f, varargs, axis, edge_order),
       kind=_gradient_kind)
deflinear(np.gradient, "f")


# ---- np.interp: with respect to the points x and the sample values fp ----------------------
_PERIOD = "np.interp with period=; unwrap x first"
_XP = "np.interp with respect to xp; make the sample points constants"


@rule_helper
def _slope(x, xp, fp):
    """The slope of the interpolant at x: 0 outside xp, where it is constant."""
    return np.where(np.logical_or(x < xp[0], x > xp[-1]), 0.0,
                    (np.diff(fp) / np.diff(xp))[rt.interp_cell(x, xp)])


@rule_helper
def _per_step(s, x, xp):
    """`s` over the width of the interval of xp each x is in (0 outside xp)."""
    return s * np.where(np.logical_or(x < xp[0], x > xp[-1]), 0.0,
                        1 / np.diff(xp)[rt.interp_cell(x, xp)])


defnondiff(rt.interp_cell, kind=lambda k, s: UNKNOWN)
defvjp(np.interp,
       lambda g, ans, x, xp, fp, left=None, right=None, period=None:
       g * _slope(x, xp, fp) if period is None else rt.unsupported(_PERIOD),
       lambda g, ans, x, xp, fp, left=None, right=None, period=None: rt.unsupported(_XP),
       lambda g, ans, x, xp, fp, left=None, right=None, period=None:
       rt.uninterp(g, x, xp, left, right) if period is None else rt.unsupported(_PERIOD),
       kind=lambda k, s: broadcast(k["x"], k["fp"], floating=True).with_ndim(k["x"].ndim))
defjvp(np.interp,
       lambda t, ans, x, xp, fp, left=None, right=None, period=None:
       t * _slope(x, xp, fp) if period is None else rt.unsupported(_PERIOD),
       lambda t, ans, x, xp, fp, left=None, right=None, period=None: rt.unsupported(_XP),
       lambda t, ans, x, xp, fp, left=None, right=None, period=None:
       np.interp(x, xp, t, None if left is None else 0.0, None if right is None else 0.0)
       if period is None else rt.unsupported(_PERIOD))
# uninterp is linear in g, its transpose np.interp's map from fp; in x it moves with the slope
defvjp(rt.uninterp,
       lambda b, ans, g, x, xp, left=None, right=None:
       np.interp(x, xp, b, None if left is None else 0.0, None if right is None else 0.0),
       lambda b, ans, g, x, xp, left=None, right=None: g * _slope(x, xp, b),
       lambda b, ans, g, x, xp, left=None, right=None: rt.unsupported(_XP),
       None, None, kind=lambda k, s: broadcast(k["xp"], k["g"], floating=True).with_ndim(1))
deflinear(rt.uninterp, "g")
defjvp(rt.uninterp, None,
       lambda t, ans, g, x, xp, left=None, right=None:
       rt.untake(_per_step(g * t, x, xp), xp, rt.interp_cell(x, xp) + 1)
       - rt.untake(_per_step(g * t, x, xp), xp, rt.interp_cell(x, xp)),
       lambda t, ans, g, x, xp, left=None, right=None: rt.unsupported(_XP))

# ---- np.select: each choice's adjoint is the seed where it is the one chosen ------------------
defnondiff(rt.select_rest, kind=lambda k, s: UNKNOWN)
defvjp(np.select,
       None,
       lambda g, ans, condlist, choicelist, default=0:
       rt.select_adjoints(g, condlist, choicelist),
       lambda g, ans, condlist, choicelist, default=0:
       rt.unbroadcast(np.where(rt.select_rest(condlist), g, 0.0), default))
defjvp(np.select,
       None,
       lambda t, ans, condlist, choicelist, default=0: np.select(condlist, t, 0.0),
       lambda t, ans, condlist, choicelist, default=0:
       np.where(rt.select_rest(condlist), t, 0.0))
defvjp(rt.select_adjoints,
       lambda b, ans, g, condlist, choicelist:
       np.broadcast_to(np.select(condlist, b, 0.0), np.shape(g)),
       None, None)
deflinear(rt.select_adjoints, "g")

# ---- np.piecewise with numbers for functions: piecewise constant -----------------------------
defnondiff(rt.piecewise_constant, kind=lambda k, s: UNKNOWN)
defvjp(np.piecewise,
       lambda g, ans, x, condlist, funclist, *args, **kw: rt.piecewise_constant(g, funclist),
       None,
       lambda g, ans, x, condlist, funclist, *args, **kw:
       rt.unsupported("np.piecewise with respect to the values in funclist; use np.select"),
       kind=lambda k, s: k["x"].with_ndim(k["x"].ndim))
defjvp(np.piecewise,
       lambda t, ans, x, condlist, funclist, *args, **kw: rt.piecewise_constant(t, funclist),
       None,
       lambda t, ans, x, condlist, funclist, *args, **kw:
       rt.unsupported("np.piecewise with respect to the values in funclist; use np.select"))
