"""Rules for the builtins and `math` functions people type in NumPy code: `sum`,
`pow`, `%`, `//`, `math.sin` and the other `math` functions with a NumPy
counterpart, and the array methods `.item()`, `.flatten()` and `.astype()`.

The `math` rules are written with `math` itself, so a Python float stays a Python
float in generated code (and `math.sqrt(-1.0)` still raises where NumPy would
give nan)."""
import builtins
import inspect
import math
import operator

import numpy as np

from ..lattice import UNKNOWN, Kind, broadcast
from ..registry import defjvp, deflinear, defnondiff, defrefusal, defvjp, lookup
from ... import runtime as rt
from .ufuncs import log_base, power_exponent, slope_base

_FLOAT = Kind(0, "f", True)


def _float(k, s):
    return _FLOAT


def _binary(k, s):
    return broadcast(k["x"], k["y"], py_result=True)


# ---- operators and builtins ----------------------------------------------------------------
defvjp(operator.mod,                      # x % y = x - y * (x // y); x // y is flat
       lambda g, ans, x, y: g,
       lambda g, ans, x, y: -g * (x // y),
       elementwise=True, kind=_binary)
defnondiff(operator.floordiv, kind=_binary)
defvjp(builtins.pow,
       lambda g, ans, base, exp, mod=None:
           g * exp * slope_base(base, exp) ** power_exponent(base, exp),
       lambda g, ans, base, exp, mod=None: g * ans * log_base(base),
       None, elementwise=True,
       kind=lambda k, s: broadcast(k["base"], k["exp"], py_result=True))
defvjp(builtins.sum,
       lambda g, ans, iterable, start=0: rt.sum_adjoint(g, iterable),
       lambda g, ans, iterable, start=0: rt.unbroadcast(g, start))
defjvp(builtins.sum,
       lambda t, ans, iterable, start=0: sum(t),
       lambda t, ans, iterable, start=0: t)

# ---- array methods without a NumPy function of the same meaning ---------------------------
defvjp(rt.item, lambda g, ans, a: rt.item_adjoint(g, a),
       kind=lambda k, s: Kind(0, k["a"].dtype, True))
deflinear(rt.item, "a")
defvjp(rt.item_adjoint, lambda b, ans, g, a: rt.item(b), None)
deflinear(rt.item_adjoint, "g")
defvjp(rt.astype, lambda g, ans, a, dtype: rt.cast_like(g, a, dtype), None,
       kind=lambda k, s: Kind(k["a"].ndim, None))
defjvp(rt.astype, lambda t, ans, a, dtype: rt.cast_like(t, ans, dtype), None)
defvjp(rt.cast_like, lambda b, ans, g, like, dtype: rt.cast_like(b, g, dtype), None, None)
deflinear(rt.cast_like, "g")
defvjp(rt.sum_adjoint, lambda b, ans, g, iterable: rt.sum_of(b, g), None)
deflinear(rt.sum_adjoint, "g")
defvjp(rt.sum_of, lambda b, ans, parts, like: rt.sum_adjoint(b, parts), None)
deflinear(rt.sum_of, "parts")

# ---- ag.stop_gradient: its value, a constant to every transform ---------------------------
defnondiff(rt.check_size_one)
defnondiff(rt.stop_gradient, kind=lambda k, s: k.get("x", UNKNOWN))
lookup(rt.stop_gradient).signature = inspect.signature(rt.stop_gradient)  # its kind is x's
lookup(rt.stop_gradient).params = ["x"]

# ---- math: one variable --------------------------------------------------------------------
defvjp(math.sin, lambda g, ans, x: g * math.cos(x), elementwise=True, kind=_float)
defvjp(math.cos, lambda g, ans, x: -g * math.sin(x), elementwise=True, kind=_float)
defvjp(math.tan, lambda g, ans, x: g * (1 + ans ** 2), elementwise=True, kind=_float)
defvjp(math.asin, lambda g, ans, x: g / math.sqrt(1 - x ** 2), elementwise=True, kind=_float)
defvjp(math.acos, lambda g, ans, x: -g / math.sqrt(1 - x ** 2), elementwise=True, kind=_float)
defvjp(math.atan, lambda g, ans, x: g / (1 + x ** 2), elementwise=True, kind=_float)
defvjp(math.sinh, lambda g, ans, x: g * math.cosh(x), elementwise=True, kind=_float)
defvjp(math.cosh, lambda g, ans, x: g * math.sinh(x), elementwise=True, kind=_float)
defvjp(math.tanh, lambda g, ans, x: g * (1 - ans ** 2), elementwise=True, kind=_float)
defvjp(math.asinh, lambda g, ans, x: g / math.sqrt(x ** 2 + 1), elementwise=True, kind=_float)
defvjp(math.acosh, lambda g, ans, x: g / math.sqrt(x ** 2 - 1), elementwise=True, kind=_float)
defvjp(math.atanh, lambda g, ans, x: g / (1 - x ** 2), elementwise=True, kind=_float)
defvjp(math.exp, lambda g, ans, x: g * ans, elementwise=True, kind=_float)
defvjp(math.expm1, lambda g, ans, x: g * (ans + 1), elementwise=True, kind=_float)
defvjp(math.log, lambda g, ans, x: g / x, elementwise=True, kind=_float)
defvjp(math.log1p, lambda g, ans, x: g / (1 + x), elementwise=True, kind=_float)
defvjp(math.log2, lambda g, ans, x: g / (x * math.log(2.0)), elementwise=True, kind=_float)
defvjp(math.log10, lambda g, ans, x: g / (x * math.log(10.0)), elementwise=True,
       kind=_float)
defvjp(math.sqrt, lambda g, ans, x: g / (2 * ans), elementwise=True, kind=_float)
defvjp(math.fabs, lambda g, ans, x: g * np.sign(x), elementwise=True, kind=_float)
defvjp(math.degrees, lambda g, ans, x: g * (180 / math.pi), elementwise=True, kind=_float)
defvjp(math.radians, lambda g, ans, x: g * (math.pi / 180), elementwise=True, kind=_float)
defvjp(math.erf, lambda g, ans, x: g * 2 / math.sqrt(math.pi) * math.exp(-x ** 2),
       elementwise=True, kind=_float)
defvjp(math.erfc, lambda g, ans, x: -g * 2 / math.sqrt(math.pi) * math.exp(-x ** 2),
       elementwise=True, kind=_float)
defnondiff(math.floor, math.ceil, math.trunc, kind=lambda k, s: Kind(0, "i", True))
defnondiff(math.isnan, math.isinf, math.isfinite, math.isclose,
           kind=lambda k, s: Kind(0, "b", True))

# ---- math: two variables -------------------------------------------------------------------
defvjp(math.pow,
       lambda g, ans, x, y: g * y * slope_base(x, y) ** power_exponent(x, y),
       lambda g, ans, x, y: g * ans * log_base(x),
       elementwise=True, kind=_float)
defvjp(math.atan2,
       lambda g, ans, y, x: g * x / (x ** 2 + y ** 2),
       lambda g, ans, y, x: -g * y / (x ** 2 + y ** 2),
       elementwise=True, kind=_float)
defvjp(math.hypot,
       lambda g, ans, x, y: g * x / ans,
       lambda g, ans, x, y: g * y / ans,
       elementwise=True, kind=_float)

# ---- NumPy's float types called on a value: a cast, as `x.astype(np.float64)` is ------------
defvjp(np.float64, lambda g, ans, x: rt.cast_like(g, x, np.float64),
       kind=lambda k, s: Kind(k["x"].ndim, "f", False))
defjvp(np.float64, lambda t, ans, x: rt.cast_like(t, ans, np.float64))

# ---- code and names the compiler cannot read: what they give would carry no derivative -----
_IN_A_STRING = "runs code written in a string, which astgrad cannot read: a derivative " \
               "through it would be lost"
_BY_NAME = "reads variables by name, which astgrad cannot follow: a derivative through " \
           "them would be lost"
defrefusal(builtins.eval, _IN_A_STRING, "Write the expression itself in the function.")
defrefusal(builtins.exec, _IN_A_STRING, "Write the statements themselves in the function.")
defrefusal(builtins.locals, _BY_NAME,
           "Read the variable itself, or collect the values in a dict: `d = {'x': x}`.")
defrefusal(builtins.setattr, "sets an attribute by name, which astgrad cannot follow: a "
           "derivative through it would be lost", "Keep the value in a variable of the "
           "function, or in a dict: `d[\"w\"] = v`.")
defrefusal(builtins.vars, _BY_NAME, "Read the variable or attribute itself (`obj.W`), or "
                                    "collect the values in a dict: `d = {'x': x}`.")
