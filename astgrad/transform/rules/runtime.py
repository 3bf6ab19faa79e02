"""Rules for the runtime helpers generated code calls, so it can be
differentiated again."""
import numpy as np

from ..lattice import OPAQUE, UNKNOWN, Kind
from ..registry import defjvp, deflinear, defnondiff, defvjp, primitive
from ... import runtime as rt

# `rt.sum_to` (and `rt.unbroadcast`, its form for a value's shape) sums `g` down to a shape,
# or fills it with a number `g` (an adjoint still 0.0); `rt.spread_to` is its transpose
defvjp(rt.unbroadcast, lambda b, ans, g, x: rt.spread_to(b, np.shape(g)), None,
       kind=lambda k, s: k["g"].with_ndim(k["x"].ndim))
defnondiff(rt.unsupported, rt.check_scalar, rt.check_seed, rt.zeros_like, rt.check_tangent,
           rt.written_once, rt.unshared)
# `try` blocks between the passes (see `transform.tries`)
defnondiff(rt.tried, kind=lambda k, s: Kind(0, "b", False))
defnondiff(rt.which, kind=lambda k, s: Kind(0, "i", True))
defnondiff(rt.caught, rt.keep, rt.done, kind=lambda k, s: OPAQUE)
defvjp(rt.broadcast_like, lambda b, ans, t, z: rt.sum_to(b, np.shape(t)), None)
deflinear(rt.broadcast_like, "t")
defvjp(rt.sum_to, lambda b, ans, g, shape: rt.spread_to(b, np.shape(g)), None,
       kind=lambda k, s: UNKNOWN)
defvjp(rt.spread_to, lambda b, ans, g, shape: rt.sum_to(b, np.shape(g)), None,
       kind=lambda k, s: UNKNOWN)
defvjp(rt.shaped_like, lambda b, ans, g, x: rt.sum_to(b, np.shape(g)), None,
       kind=lambda k, s: k["x"])

# ---- lists of adjoints (a list argument's rule gives a list) ------------------------
defvjp(rt.add_each, lambda b, ans, adjoints, parts: b, lambda b, ans, adjoints, parts: b)
defvjp(rt.own, lambda b, ans, x: b, kind=lambda k, s: k["x"])
defvjp(rt.unpack_like, lambda b, ans, g, obj: rt.pack_like(b, g), None)
defvjp(rt.pack_like, lambda b, ans, parts, like: rt.unpack_like(b, like), None)
defvjp(rt.split_like, lambda b, ans, g, arrays, axis=0: rt.join_like(b, arrays, axis), None)
defvjp(rt.join_like, lambda b, ans, parts, arrays, axis=0: rt.split_like(b, arrays, axis),
       None)
defvjp(list, lambda b, ans, iterable: rt.pack_like(b, iterable), kind=lambda k, s: OPAQUE)
defvjp(tuple, lambda b, ans, iterable: rt.pack_like(b, iterable), kind=lambda k, s: OPAQUE)

# ---- linear in these arguments: forward mode applies them to the tangent ------------
deflinear(rt.unbroadcast, "g")
deflinear(rt.sum_to, "g")
deflinear(rt.spread_to, "g")
deflinear(rt.shaped_like, "g")
defjvp(rt.add_each,                         # a sum: each list's tangent adds in
       lambda t, ans, adjoints, parts: t, lambda t, ans, adjoints, parts: t)
deflinear(rt.own, "x")
deflinear(rt.unpack_like, "g")
deflinear(rt.pack_like, "parts")
deflinear(rt.split_like, "g")
deflinear(rt.join_like, "parts")
deflinear(list, "iterable")
deflinear(tuple, "iterable")


# ---- the NumPy rules' helpers: each is the transpose of a function that picks
# elements, so its own adjoint is that function again --------------------------------------
def _like_a(k, s):
    return k["g"].with_ndim(k["a"].ndim)


defvjp(rt.untake,
       lambda b, ans, g, a, indices, axis=None, mode="raise": np.take(b, indices, axis,
                                                                      mode=mode),
       None, None, None, None, kind=_like_a)
defvjp(rt.untake_along_axis,
       lambda b, ans, g, arr, indices, axis=-1: np.take_along_axis(b, indices, axis),
       None, None, None, kind=lambda k, s: k["g"].with_ndim(k["arr"].ndim))
defvjp(rt.undiagonal,
       lambda b, ans, g, a, offset=0, axis1=0, axis2=1: np.diagonal(b, offset, axis1, axis2),
       None, None, None, None, kind=_like_a)
defvjp(rt.unrepeat,
       lambda b, ans, g, a, repeats, axis=None: np.repeat(b, repeats, axis),
       None, None, None, kind=_like_a)
defvjp(rt.untile, lambda b, ans, g, a, reps: np.tile(b, reps), None, None, kind=_like_a)
defvjp(rt.unpad, lambda b, ans, g, pad_width: np.pad(b, pad_width), None,
       kind=lambda k, s: k["g"].with_ndim(k["g"].ndim))
defvjp(rt.undiff, lambda b, ans, g, a, n=1, axis=-1: np.diff(b, n, axis), None, None, None,
       kind=_like_a)
defvjp(rt.unstack_like, lambda b, ans, g, arrays, how: rt.restack_like(b, arrays, how),
       None, None)
defvjp(rt.restack_like, lambda b, ans, parts, arrays, how: rt.unstack_like(b, arrays, how),
       None, None)


# The adjoints of products are bilinear in the seed and the other factor: the seed's
# adjoint is the product again, the factor's the adjoint of the other argument.
defvjp(rt.tensordot_adjoint,
       lambda c, ans, g, a, b, axes, argnum:
       np.tensordot(c, b, axes) if argnum == 0 else np.tensordot(a, c, axes),
       lambda c, ans, g, a, b, axes, argnum:
       rt.tensordot_adjoint(g, a, c, axes, 0) if argnum == 1 else np.zeros_like(a),
       lambda c, ans, g, a, b, axes, argnum:
       rt.tensordot_adjoint(g, c, b, axes, 1) if argnum == 0 else np.zeros_like(b),
       None, None)
defvjp(rt.kron_adjoint,
       lambda c, ans, g, a, b, argnum: np.kron(c, b) if argnum == 0 else np.kron(a, c),
       lambda c, ans, g, a, b, argnum:
       rt.kron_adjoint(g, a, c, 0) if argnum == 1 else np.zeros_like(a),
       lambda c, ans, g, a, b, argnum:
       rt.kron_adjoint(g, c, b, 1) if argnum == 0 else np.zeros_like(b),
       None)
# first derivatives only: their own derivatives are refused, not approximated
primitive(rt.einsum_adjoints)
# (a rule that refuses at run time, so code holding an untaken branch with it still compiles)
defvjp(rt.singular_outer,
       lambda g, ans, x, which: rt.unsupported("second derivatives of matrix 2-norms"), None)
defjvp(rt.singular_outer,
       lambda t, ans, x, which: rt.unsupported("second derivatives of matrix 2-norms"), None)


# ---- forward mode: the helpers are linear in the adjoint they move ------------------------
for _fn in (rt.untake, rt.untake_along_axis, rt.undiagonal, rt.unrepeat, rt.untile, rt.unpad,
            rt.undiff, rt.unstack_like):
    deflinear(_fn, "g")
deflinear(rt.restack_like, "parts")
deflinear(rt.einsum_tangent, "tangents")
# bilinear in the seed and the other factor; the own factor's values are not read
defjvp(rt.tensordot_adjoint,
       lambda t, ans, g, a, b, axes, argnum: rt.tensordot_adjoint(t, a, b, axes, argnum),
       lambda t, ans, g, a, b, axes, argnum:
       rt.tensordot_adjoint(g, t, b, axes, 1) if argnum == 1 else 0.0 * ans,
       lambda t, ans, g, a, b, axes, argnum:
       rt.tensordot_adjoint(g, a, t, axes, 0) if argnum == 0 else 0.0 * ans,
       None, None)
defjvp(rt.kron_adjoint,
       lambda t, ans, g, a, b, argnum: rt.kron_adjoint(t, a, b, argnum),
       lambda t, ans, g, a, b, argnum:
       rt.kron_adjoint(g, t, b, 1) if argnum == 1 else 0.0 * ans,
       lambda t, ans, g, a, b, argnum:
       rt.kron_adjoint(g, a, t, 0) if argnum == 0 else 0.0 * ans,
       None)

# u v^T + v u^T is bilinear: with G + G^T = H, the adjoint of u is H v, of v is H u
defvjp(rt.symmetric_outer,
       lambda b, ans, u, v: (b + np.swapaxes(b, -1, -2)) @ v,
       lambda b, ans, u, v: (b + np.swapaxes(b, -1, -2)) @ u)
deflinear(rt.symmetric_outer, "u", "v")
