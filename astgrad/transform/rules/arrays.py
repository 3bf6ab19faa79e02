"""Issue 10's rules for making and integrating arrays: np.pad's copying modes (the
helper's own rules; np.pad's are in shape.py), np.block, np.meshgrid and the trapezoid
rule (np.trapezoid, and np.trapz where NumPy still has it); and the windows of
`sliding_window_view` (convolutions written with it)."""
import ast
import copy

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..lattice import UNKNOWN, broadcast
from ..registry import defjvp, deflinear, defvjp, lookup
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


# ---- np.meshgrid: a rule for its inputs together, written out per input when compiled -----
class _Mesh:
    """np.meshgrid's rule: for the adjoint, one `rt.unmesh` per input (each output's
    adjoint summed back to its input); for the tangent, np.meshgrid of the tangents."""

    def __init__(self, fallback, role):
        self.fallback, self.role = fallback, role

    def __getattr__(self, name):
        return getattr(self.fallback, name)

    def emit(self, seed, ans, args, ns, where):
        keywords = [ast.keyword(k, copy.deepcopy(args[k])) for k in ("sparse", "indexing")
                    if k in args]
        if self.role == "jvp":
            return ast.Call(ns.ref(np.meshgrid), [copy.deepcopy(t) for t in seed.elts],
                            keywords)
        indexing = copy.deepcopy(args.get("indexing", ast.Constant("xy")))
        return ast.List([ast.Call(ns.ref(rt.unmesh), [
            ast.Subscript(copy.deepcopy(seed), ast.Constant(j), ast.Load()),
            ast.Subscript(copy.deepcopy(ans), ast.Constant(j), ast.Load()),
            copy.deepcopy(x), ast.Constant(j), copy.deepcopy(indexing)], [])
            for j, x in enumerate(args["xi"].elts)], ast.Load())


defvjp(np.meshgrid, lambda g, ans, *xi, copy=True, sparse=False, indexing="xy":
       rt.unsupported("np.meshgrid here"))
defjvp(np.meshgrid, lambda t, ans, *xi, copy=True, sparse=False, indexing="xy":
       rt.unsupported("np.meshgrid here"))
_prim = lookup(np.meshgrid)
_prim.vjps = (_Mesh(_prim.vjps[0], "vjp"),)
_prim.jvps = (_Mesh(_prim.jvps[0], "jvp"),)
_prim.kind = lambda k, s: UNKNOWN           # a tuple (a list before NumPy 2) of arrays

# unmesh and remesh are linear in their first argument, each the other's transpose
defvjp(rt.unmesh, lambda b, ans, g, grid, x, j, indexing="xy":
       rt.unbroadcast(rt.remesh(b, grid, j, indexing), g),
       None, None, None, None, kind=lambda k, s: k["x"].with_ndim(k["x"].ndim))
defvjp(rt.remesh, lambda c, ans, b, grid, j, indexing="xy":
       rt.unmesh(c, grid, b, j, indexing),
       None, None, None, kind=lambda k, s: k["grid"].with_ndim(k["grid"].ndim))
deflinear(rt.unmesh, "g")
deflinear(rt.remesh, "b")

# ---- np.block: the adjoint cuts the seed back into the blocks ------------------------------
defvjp(np.block, lambda g, ans, arrays: rt.unblock(g, arrays), kind=lambda k, s: UNKNOWN)
deflinear(np.block, "arrays")
defvjp(rt.unblock, lambda b, ans, g, arrays: rt.reblock(b, arrays), None,
       kind=lambda k, s: UNKNOWN)
defvjp(rt.reblock, lambda c, ans, b, arrays: rt.unblock(c, arrays), None,
       kind=lambda k, s: UNKNOWN)
deflinear(rt.unblock, "g")
deflinear(rt.reblock, "b")

# ---- np.polyfit: with the sample points x and weights w constant, a least-squares fit is a
# fixed linear map of y, whose matrix np.polyfit itself gives when fitting the columns of the
# identity (the same scaled Vandermonde matrix and rcond cut-off as the fit of y) ---------------
_FIT = "np.polyfit with full=True or cov=True; call it with neither"
defvjp(np.polyfit,
       lambda g, ans, x, y, deg, rcond=None, full=False, w=None, cov=False:
       rt.unsupported("np.polyfit with respect to x; make the sample points constants"),
       lambda g, ans, x, y, deg, rcond=None, full=False, w=None, cov=False:
       np.transpose(np.polyfit(x, np.eye(np.shape(y)[0]), deg, rcond, False, w)) @ g
       if not full and cov is False else rt.unsupported(_FIT),
       None, None, None,
       lambda g, ans, x, y, deg, rcond=None, full=False, w=None, cov=False:
       rt.unsupported("np.polyfit with respect to w; make the weights constants"),
       kind=lambda k, s: broadcast(k["y"], floating=True).with_ndim(k["y"].ndim))
defjvp(np.polyfit,
       lambda t, ans, x, y, deg, rcond=None, full=False, w=None, cov=False:
       rt.unsupported("np.polyfit with respect to x; make the sample points constants"),
       lambda t, ans, x, y, deg, rcond=None, full=False, w=None, cov=False:
       np.polyfit(x, t, deg, rcond, False, w)
       if not full and cov is False else rt.unsupported(_FIT),
       None, None, None,
       lambda t, ans, x, y, deg, rcond=None, full=False, w=None, cov=False:
       rt.unsupported("np.polyfit with respect to w; make the weights constants"))


# ---- sliding_window_view: linear, a view; its windows' adjoints added back where read -------
def _windows_kind(k, s):
    sizes = s.get("window_shape")
    count = 1 if isinstance(sizes, int) else len(sizes) if isinstance(sizes, tuple) else None
    x = k["x"]
    return broadcast(x).with_ndim(None if x.ndim is None or count is None else x.ndim + count)


defvjp(sliding_window_view,
       lambda g, ans, x, window_shape, axis=None, *, subok=False, writeable=False:
       rt.windows_added(g, x, window_shape, axis), None, None, kind=_windows_kind,
       name="np.lib.stride_tricks.sliding_window_view")
deflinear(sliding_window_view, "x")
defvjp(rt.windows_added, lambda b, ans, g, x, window_shape, axis=None:
       sliding_window_view(b, window_shape, axis), None, None, None,
       kind=lambda k, s: broadcast(k["g"]).with_ndim(k["x"].ndim))
deflinear(rt.windows_added, "g")
