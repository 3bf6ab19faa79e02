"""Rules for NumPy's elementwise functions (ufuncs and `np.where`)."""
import numpy as np

from ..kinds import broadcast
from ..registry import defvjp


def _elementwise(k, s):
    out = broadcast(*(v for name, v in k.items() if name in ("x", "x1", "x2")), floating=True)
    return out.with_ndim(out.ndim)


def unary(fn, rule):
    defvjp(fn, rule, elementwise=True, kind=_elementwise)


def binary(fn, rule_x, rule_y):
    defvjp(fn, rule_x, rule_y, elementwise=True, kind=_elementwise)


# ---- trigonometric and hyperbolic -----------------------------------------------------
unary(np.sin, lambda g, ans, x: g * np.cos(x))
unary(np.cos, lambda g, ans, x: -g * np.sin(x))
unary(np.tan, lambda g, ans, x: g / np.cos(x) ** 2)
unary(np.tanh, lambda g, ans, x: g * (1 - ans ** 2))

# ---- exponents and logarithms -------------------------------------------------
unary(np.exp, lambda g, ans, x: g * ans)
unary(np.log, lambda g, ans, x: g / x)
unary(np.sqrt, lambda g, ans, x: g / (2 * ans))
unary(np.square, lambda g, ans, x: g * 2 * x)
binary(np.power,
       lambda g, ans, x1, x2: g * x2 * x1 ** (x2 - 1),
       lambda g, ans, x1, x2: g * ans * np.log(x1))

# ---- absolute value and extremes: ties split the adjoint evenly -----------------------
unary(np.abs, lambda g, ans, x: g * np.sign(x))
binary(np.maximum,
       lambda g, ans, x1, x2: g * ((x1 > x2) + 0.5 * (x1 == x2)),
       lambda g, ans, x1, x2: g * ((x2 > x1) + 0.5 * (x1 == x2)))
binary(np.minimum,
       lambda g, ans, x1, x2: g * ((x1 < x2) + 0.5 * (x1 == x2)),
       lambda g, ans, x1, x2: g * ((x2 < x1) + 0.5 * (x1 == x2)))


# ---- selection ---------------------------------------------------------------------
def _where_kind(k, s):
    out = broadcast(k["condition"], k["x"], k["y"])
    return broadcast(k["x"], k["y"]).with_ndim(out.ndim)


defvjp(np.where,
       None,
       lambda g, ans, condition, x, y: np.where(condition, g, 0),
       lambda g, ans, condition, x, y: np.where(condition, 0, g),
       elementwise=True, kind=_where_kind)
