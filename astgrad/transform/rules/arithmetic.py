"""Rules for Python's arithmetic operators and numeric builtins."""
import operator
from dataclasses import replace


from ..lattice import Kind, broadcast
from ..registry import defjvp, deflinear, defvjp
from .complex import abs_adjoint, abs_tangent, real_of
from .ufuncs import log_base, power_exponent, slope_base


def _arith(floating=False):
    return lambda k, s: broadcast(k["x"], k["y"], py_result=True, floating=floating)


def _unary(k, s):
    return k["x"]


def _abs_kind(k, s):
    return real_of(k["x"])


def _one_of(k, s):
    """`max(x, y)` is x or y: of a Python number and a NumPy value, either."""
    out = broadcast(k["x"], k["y"], py_result=True)
    return out if k["x"].py == k["y"].py or out.ndim != 0 else replace(out, py=None,
                                                                       itemsize=None)


# ---- binary operators --------------------------------------------------------
defvjp(operator.add,
       lambda g, ans, x, y: g,
       lambda g, ans, x, y: g,
       elementwise=True, kind=_arith())
defvjp(operator.sub,
       lambda g, ans, x, y: g,
       lambda g, ans, x, y: -g,
       elementwise=True, kind=_arith())
defvjp(operator.mul,
       lambda g, ans, x, y: g * y,
       lambda g, ans, x, y: x * g,
       elementwise=True, kind=_arith())
defvjp(operator.truediv,
       lambda g, ans, x, y: g / y,
       lambda g, ans, x, y: -g * x / y ** 2,
       elementwise=True, kind=_arith(floating=True))
defvjp(operator.pow,
       lambda g, ans, x, y: g * y * slope_base(x, y) ** power_exponent(x, y),
       lambda g, ans, x, y: g * ans * log_base(x),
       elementwise=True, kind=_arith())

# ---- unary operators ---------------------------------------------------------------
defvjp(operator.neg, lambda g, ans, x: -g, kind=_unary)
defvjp(operator.pos, lambda g, ans, x: g, kind=_unary)

# ---- builtins ------------------------------------------------------------------------
defvjp(abs, lambda g, ans, x: abs_adjoint(g, ans, x), kind=_abs_kind)
defvjp(float, lambda g, ans, x: g, kind=lambda k, s: Kind(0, "f", True))
defvjp(max,
       lambda g, ans, x, y: g * ((x > y) + 0.5 * (x == y)),
       lambda g, ans, x, y: g * ((y > x) + 0.5 * (x == y)),
       kind=_one_of)
defvjp(min,
       lambda g, ans, x, y: g * ((x < y) + 0.5 * (x == y)),
       lambda g, ans, x, y: g * ((y < x) + 0.5 * (x == y)),
       kind=_one_of)


# ---- forward mode: linear ones apply to the tangent; the rest get jvp rules ----------
deflinear(operator.neg, "x")
deflinear(operator.pos, "x")
deflinear(float, "x")
defjvp(abs, lambda t, ans, x: abs_tangent(t, ans, x))
defjvp(max,
       lambda t, ans, x, y: t * ((x > y) + 0.5 * (x == y)),
       lambda t, ans, x, y: t * ((y > x) + 0.5 * (x == y)))
defjvp(min,
       lambda t, ans, x, y: t * ((x < y) + 0.5 * (x == y)),
       lambda t, ans, x, y: t * ((y < x) + 0.5 * (x == y)))
