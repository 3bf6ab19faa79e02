"""Rules for the runtime helpers generated code calls, so it can be
differentiated again."""
import numpy as np

from ..kinds import OPAQUE, UNKNOWN
from ..registry import defnondiff, defvjp
from ... import runtime as rt

defvjp(rt.unbroadcast, lambda b, ans, g, x: np.broadcast_to(b, np.shape(g)), None,
       kind=lambda k, s: k["g"].with_ndim(k["x"].ndim))
defnondiff(rt.unsupported, rt.check_scalar, rt.check_seed, rt.zeros_like)
defvjp(rt.sum_to, lambda b, ans, g, shape: np.broadcast_to(b, np.shape(g)), None,
       kind=lambda k, s: UNKNOWN)
defvjp(rt.shaped_like, lambda b, ans, g, x: rt.sum_to(b, np.shape(g)), None,
       kind=lambda k, s: k["x"])

# ---- lists of adjoints (a list argument's rule gives a list) ------------------------
defvjp(rt.add_each, lambda b, ans, adjoints, parts: b, lambda b, ans, adjoints, parts: b)
defvjp(rt.unpack_like, lambda b, ans, g, obj: rt.pack_like(b, g), None)
defvjp(rt.pack_like, lambda b, ans, parts, like: rt.unpack_like(b, like), None)
defvjp(rt.split_like, lambda b, ans, g, arrays, axis=0: rt.join_like(b, arrays, axis), None)
defvjp(rt.join_like, lambda b, ans, parts, arrays, axis=0: rt.split_like(b, arrays, axis),
       None)
defvjp(list, lambda b, ans, iterable: rt.pack_like(b, iterable), kind=lambda k, s: OPAQUE)
