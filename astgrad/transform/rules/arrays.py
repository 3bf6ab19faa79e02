"""Issue 10's rules for making and integrating arrays: np.pad's copying modes (the
helper's own rules; np.pad's are in shape.py), np.block, np.meshgrid and the trapezoid
rule (np.trapezoid, and np.trapz where NumPy still has it)."""
import numpy as np

from ..lattice import broadcast
from ..registry import defjvp, deflinear, defvjp
from ... import runtime as rt

# ---- np.pad's copying modes: the helper's transpose pads again -----------------------------
defvjp(rt.unpad_copies, lambda b, ans, g, a, pad_width, mode: np.pad(b, pad_width, mode),
       None, None, None, kind=lambda k, s: k["g"].with_ndim(k["a"].ndim))
deflinear(rt.unpad_copies, "g")


# ---- the trapezoid rule: linear in y; in the sample points x (or the step dx) through the
# steps, which multiply the means of neighbouring entries -------------------------------------
def _integral_kind(k, s):
    y = k["y"]
    return broadcast(y, floating=True).with_ndim(None if y.ndim is None else max(y.ndim - 1, 0))


for _fn in (getattr(np, "trapezoid", None), getattr(np, "trapz", None)):
    if _fn is None:                       # np.trapz is gone in NumPy 2.4, np.trapezoid new in 2.0
        continue
    defvjp(_fn,
           lambda g, ans, y, x=None, dx=1.0, axis=-1:
           rt.unbroadcast(rt.trapezoid_adjoint(g, y, x, dx, axis), y),
           lambda g, ans, y, x=None, dx=1.0, axis=-1:
           rt.unbroadcast(rt.trapezoid_x_adjoint(g, y, x, axis), x),
           lambda g, ans, y, x=None, dx=1.0, axis=-1:
           np.sum(g * np.sum(rt.trapezoid_means(y, axis), -1)) * (x is None)
           if np.ndim(dx) == 0 else rt.unsupported("np.trapezoid with an array dx"),
           None, kind=_integral_kind)
    defjvp(_fn,
           None,
           lambda t, ans, y, x=None, dx=1.0, axis=-1: rt.trapezoid_x_tangent(t, y, x, axis),
           lambda t, ans, y, x=None, dx=1.0, axis=-1:
           t * np.sum(rt.trapezoid_means(y, axis), -1) * (x is None)
           if np.ndim(dx) == 0 else rt.unsupported("np.trapezoid with an array dx"),
           None)
    deflinear(_fn, "y")
