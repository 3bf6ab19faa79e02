"""Rules for NumPy's elementwise functions (ufuncs, `np.clip`, `np.where`).

Every rule gives the full-shape adjoint; the compiler sums it back to each
argument's shape, since these functions broadcast."""
import numpy as np

from ..lattice import broadcast
from ..registry import defjvp, defvjp
from ..template import rule_helper
from .complex import abs_adjoint, abs_tangent, real_of


def _elementwise(k, s):
    out = broadcast(*(v for name, v in k.items() if name in ("x", "x1", "x2")), floating=True,
                    numpy=True)
    return out.with_ndim(out.ndim)


def _same_dtype(k, s):
    out = broadcast(*(v for name, v in k.items() if name in ("x", "x1", "x2")), numpy=True)
    return out.with_ndim(out.ndim)


def _modulus(k, s):
    return real_of(_elementwise(k, s))


def unary(fn, rule, kind=_elementwise):
    defvjp(fn, rule, elementwise=True, kind=kind)


def binary(fn, rule_x, rule_y, kind=_elementwise):
    defvjp(fn, rule_x, rule_y, elementwise=True, kind=kind)


# ---- trigonometric and hyperbolic -----------------------------------------------------
unary(np.sin, lambda g, ans, x: g * np.cos(x))
unary(np.cos, lambda g, ans, x: -g * np.sin(x))
unary(np.tan, lambda g, ans, x: g / np.cos(x) ** 2)
unary(np.arcsin, lambda g, ans, x: g / np.sqrt(1 - x ** 2))
unary(np.arccos, lambda g, ans, x: -g / np.sqrt(1 - x ** 2))
unary(np.arctan, lambda g, ans, x: g / (1 + x ** 2))
unary(np.sinh, lambda g, ans, x: g * np.cosh(x))
unary(np.cosh, lambda g, ans, x: g * np.sinh(x))
unary(np.tanh, lambda g, ans, x: g * (1 - ans ** 2))
unary(np.arcsinh, lambda g, ans, x: g / np.sqrt(x ** 2 + 1))
# for a complex x, sqrt(x - 1) sqrt(x + 1): sqrt(x ** 2 - 1) has the other sign off the real line
unary(np.arccosh, lambda g, ans, x: g / np.sqrt(x ** 2 - 1) if np.isrealobj(x) else
      g / (np.sqrt(x - 1) * np.sqrt(x + 1)))
unary(np.arctanh, lambda g, ans, x: g / (1 - x ** 2))
unary(np.deg2rad, lambda g, ans, x: g * (np.pi / 180))
unary(np.radians, lambda g, ans, x: g * (np.pi / 180))
unary(np.rad2deg, lambda g, ans, x: g * (180 / np.pi))
unary(np.degrees, lambda g, ans, x: g * (180 / np.pi))
# sinc(x) = sin(pi x) / (pi x), whose slope at 0 is 0 (the numerator is 0 there too)
unary(np.sinc, lambda g, ans, x: g * (np.cos(np.pi * x) - ans) / np.where(x == 0, 1.0, x))
binary(np.arctan2,
       lambda g, ans, x1, x2: g * x2 / (x1 ** 2 + x2 ** 2),
       lambda g, ans, x1, x2: -g * x1 / (x1 ** 2 + x2 ** 2))
binary(np.hypot,   # at (0, 0), where it has no slope, 0 (as np.abs at 0)
       lambda g, ans, x1, x2: g * x1 / np.where(ans == 0, 1.0, ans),
       lambda g, ans, x1, x2: g * x2 / np.where(ans == 0, 1.0, ans))

# ---- exponents and logarithms -------------------------------------------------
# log(2) and log(10) as Python floats: np.log(2) is a float64 that turns float32 into float64
unary(np.exp, lambda g, ans, x: g * ans)
unary(np.exp2, lambda g, ans, x: g * ans * 0.6931471805599453)
unary(np.expm1, lambda g, ans, x: g * (ans + 1))
unary(np.log, lambda g, ans, x: g / x)
unary(np.log2, lambda g, ans, x: g / (x * 0.6931471805599453))
unary(np.log10, lambda g, ans, x: g / (x * 2.302585092994046))
unary(np.log1p, lambda g, ans, x: g / (1 + x))
unary(np.sqrt, lambda g, ans, x: g / (2 * ans))
unary(np.cbrt, lambda g, ans, x: g / (3 * ans ** 2))
unary(np.square, lambda g, ans, x: g * 2 * x)
unary(np.reciprocal, lambda g, ans, x: -g * ans ** 2)


# x ** y: where x and y are both 0, the base's slope y * x ** (y - 1) is 0 (x ** 0 is 1 for
# every x), not 0 * inf; where x is 0, the exponent's slope x ** y * log(x) is 0 (0 ** y is 0
# for y > 0), not 0 * -inf. The tests on the kinds, and on a constant y, fold away.
@rule_helper
def power_exponent(x, y):
    """The exponent of the base's slope: `y - 1`, but 1 where both x and y are 0."""
    return (y - 1 if np.ndim(y) == 0 and (y != 0 or np.ndim(x) == 0 and x != 0) else
            1.0 if np.ndim(x) == 0 and np.ndim(y) == 0 else
            np.where((x == 0) & (y == 0), 1.0, y - 1))


@rule_helper
def slope_base(x, y):
    """The base of the slope x ** (y - 1): a Python float x that is 0 (with y < 1) as a NumPy
    scalar, so a negative power gives inf, the slope's limit, as NumPy does, where Python
    raises ZeroDivisionError (the derivative of x ** 0.5 at 0.0)."""
    return x if np.ndim(x) or x != 0 or np.ndim(y) == 0 and y >= 1 else np.asarray(x)


@rule_helper
def log_base(x):
    """`np.log(x)`, but 0 where x is 0."""
    return np.log((x if x != 0 else 1.0) if np.ndim(x) == 0 else np.where(x == 0, 1.0, x))


binary(np.power,
       lambda g, ans, x1, x2: g * x2 * slope_base(x1, x2) ** power_exponent(x1, x2),
       lambda g, ans, x1, x2: g * ans * log_base(x1))
binary(np.float_power,
       lambda g, ans, x1, x2: g * x2 * np.float_power(x1, power_exponent(x1, x2)),
       lambda g, ans, x1, x2: g * ans * log_base(x1))
binary(np.logaddexp,
       lambda g, ans, x1, x2: g * np.exp(x1 - ans),
       lambda g, ans, x1, x2: g * np.exp(x2 - ans))
binary(np.logaddexp2,
       lambda g, ans, x1, x2: g * 2 ** (x1 - ans),
       lambda g, ans, x1, x2: g * 2 ** (x2 - ans))

# ---- arithmetic as functions ------------------------------------------------------------
binary(np.add, lambda g, ans, x1, x2: g, lambda g, ans, x1, x2: g, kind=_same_dtype)
binary(np.subtract, lambda g, ans, x1, x2: g, lambda g, ans, x1, x2: -g, kind=_same_dtype)
binary(np.multiply,
       lambda g, ans, x1, x2: g * x2,
       lambda g, ans, x1, x2: x1 * g,
       kind=_same_dtype)
binary(np.true_divide,
       lambda g, ans, x1, x2: g / x2,
       lambda g, ans, x1, x2: -g * x1 / x2 ** 2)
unary(np.negative, lambda g, ans, x: -g, kind=_same_dtype)
unary(np.positive, lambda g, ans, x: g, kind=_same_dtype)
unary(np.conjugate, lambda g, ans, x: np.conjugate(g), kind=_same_dtype)
# remainders: smooth between the jumps, where x1 - ans is a whole multiple of x2
binary(np.remainder,
       lambda g, ans, x1, x2: g,
       lambda g, ans, x1, x2: -g * np.floor(x1 / x2))
binary(np.fmod,
       lambda g, ans, x1, x2: g,
       lambda g, ans, x1, x2: -g * np.trunc(x1 / x2))
# copysign(x1, x2) = |x1| sign(x2): the sign of x2 is piecewise constant
binary(np.copysign, lambda g, ans, x1, x2: g * np.sign(x1) * np.sign(ans), None)

# ---- absolute value and extremes: ties split the adjoint evenly -----------------------
# for a complex x, |x| is not holomorphic: its adjoint is g conj(x) / |x| (0 at 0)
unary(np.abs, lambda g, ans, x: abs_adjoint(g, ans, x), kind=_modulus)
defjvp(np.abs, lambda t, ans, x: abs_tangent(t, ans, x))
unary(np.fabs, lambda g, ans, x: g * np.sign(x))
binary(np.maximum,
       lambda g, ans, x1, x2: g * (x1 > x2) + 0.5 * g * (x1 == x2),
       lambda g, ans, x1, x2: g * (x2 > x1) + 0.5 * g * (x1 == x2))
binary(np.minimum,
       lambda g, ans, x1, x2: g * (x1 < x2) + 0.5 * g * (x1 == x2),
       lambda g, ans, x1, x2: g * (x2 < x1) + 0.5 * g * (x1 == x2))
# fmax and fmin ignore a NaN: the other argument takes the whole adjoint. (0.5 * g, not
# g * 0.5 * mask: a bool mask times 0.5 is float64, which would make float32 tangents float64)
binary(np.fmax,
       lambda g, ans, x1, x2: g * ((x1 > x2) + np.isnan(x2)) + 0.5 * g * (x1 == x2),
       lambda g, ans, x1, x2: g * ((x2 > x1) + np.isnan(x1)) + 0.5 * g * (x1 == x2))
binary(np.fmin,
       lambda g, ans, x1, x2: g * ((x1 < x2) + np.isnan(x2)) + 0.5 * g * (x1 == x2),
       lambda g, ans, x1, x2: g * ((x2 < x1) + np.isnan(x1)) + 0.5 * g * (x1 == x2))


# ---- clipping and cleaning ------------------------------------------------------------------
def _clip_kind(k, s):
    """The bounds' and `a`'s broadcast (a bound None takes no part; one of unknown kind
    makes the result's ndim unknown, as the elementwise default does)."""
    out = broadcast(*(v for v in (k["a"], k["a_min"], k["a_max"])
                      if v.number or v.dtype is None))
    return out.with_ndim(out.ndim)


defvjp(np.clip,
       lambda g, ans, a, a_min=None, a_max=None: (
           g * (a <= a_max) if a_min is None else
           g * (a >= a_min) if a_max is None else
           g * ((a >= a_min) & (a <= a_max))),
       lambda g, ans, a, a_min=None, a_max=None: g * (
           (a < a_min) if a_max is None else (a < a_min) & (a_min <= a_max)),
       lambda g, ans, a, a_min=None, a_max=None: g * (
           (a > a_max) if a_min is None else (a > a_max) | (a_min > a_max)),
       elementwise=True, kind=_clip_kind)   # a_min > a_max: NumPy gives a_max
# NaN and infinities are replaced by constants: only finite entries pass the adjoint on
defvjp(np.nan_to_num,
       lambda g, ans, x, copy=True, nan=0.0, posinf=None, neginf=None: g * np.isfinite(x),
       None,
       lambda g, ans, x, copy=True, nan=0.0, posinf=None, neginf=None: g * np.isnan(x),
       lambda g, ans, x, copy=True, nan=0.0, posinf=None, neginf=None: g * np.isposinf(x),
       lambda g, ans, x, copy=True, nan=0.0, posinf=None, neginf=None: g * np.isneginf(x),
       elementwise=True, kind=_same_dtype)


# ---- selection ---------------------------------------------------------------------
def _where_kind(k, s):
    out = broadcast(k["condition"], k["x"], k["y"])
    return broadcast(k["x"], k["y"]).with_ndim(out.ndim)


defvjp(np.where,
       None,
       lambda g, ans, condition, x, y: np.where(condition, g, 0),
       lambda g, ans, condition, x, y: np.where(condition, 0, g),
       elementwise=True, kind=_where_kind)
