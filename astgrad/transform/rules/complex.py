"""Rules for complex numbers: the parts of a complex value, its angle, `complex(...)`,
and the pieces other rules use where a complex value needs a conjugate.

The convention is autograd's and JAX's (see docs/complex.md): an adjoint `g` pairs
with a tangent `t` as `Re(g * t)`, so the rule of a holomorphic function is the
rule it has for real numbers (`g * f'(x)`), and only functions that are not
holomorphic (the real and imaginary parts, the conjugate, the modulus, the
angle) have rules of their own. Each rule tests `np.isrealobj(x)`, which the
optimizer decides from the kinds, so code for real values is what it was.
"""
import numpy as np

from ..lattice import Kind
from ..registry import defjvp, deflinear, defnondiff, defvjp
from ..template import rule_helper
from ... import runtime as rt

_REAL = ("b", "i", "u", "f")


def real_of(kind: Kind) -> Kind:
    """The kind of the real part (or modulus) of a value of kind `kind`: a complex128
    array's is a float64 array, a Python complex's a float; a real kind is itself."""
    if kind.dtype != "c":
        return kind
    return Kind(kind.ndim, "f", kind.py, kind.itemsize // 2 if kind.itemsize else None)


def _real_kind(k, s):
    value = k["val"]
    return real_of(value) if value.dtype in ("c", *_REAL) else Kind(value.ndim, None)


def _float_kind(k, s):
    """A NumPy float, whatever the argument (`np.angle` of a Python number too)."""
    value = real_of(k["z"])
    return Kind(value.ndim, "f", False, None if value.py else value.itemsize)


def _if_close_kind(k, s):
    """Real for a real argument; for a complex one it depends on the values."""
    value = k["a"]
    return value if value.dtype in _REAL else Kind(value.ndim, None)


# ---- pieces of rules ----------------------------------------------------------------------
@rule_helper
def inverse_or_zero(z):
    """`1 / z`, but 0 where z is 0 (where the modulus and the angle have no slope)."""
    return ((1 / z if z != 0 else 0 * z) if np.ndim(z) == 0 else
            np.where(z == 0, 0, 1 / np.where(z == 0, 1, z)))


@rule_helper
def abs_adjoint(g, ans, x):
    """The adjoint of |x|: `g sign(x)`, for a complex x `g conj(x) / |x|` (0 at 0)."""
    return g * np.sign(x) if np.isrealobj(x) else g * np.conj(x) * inverse_or_zero(ans)


@rule_helper
def abs_tangent(t, ans, x):
    """The tangent of |x|: `t sign(x)`, for a complex x `Re(t conj(x)) / |x|` (0 at 0)."""
    return t * np.sign(x) if np.isrealobj(x) else np.real(t * np.conj(x)) * inverse_or_zero(ans)


@rule_helper
def conj_like(v, x):
    """`np.conj(v)` where `x` is complex; `v` where `x` is real."""
    return v if np.isrealobj(x) else np.conj(v)


@rule_helper
def real_like(v, x):
    """`np.real(v)` where `x` is complex (a real result's tangent); `v` where `x` is real."""
    return v if np.isrealobj(x) else np.real(v)


@rule_helper
def slogdet_seed(g, ans, a):
    """What multiplies a^-T in slogdet's adjoint: the adjoint of log|det|, and for a
    complex `a` the sign's share, `1j * Im(g_sign * sign)`."""
    return g[1] if np.isrealobj(a) else g[1] + 1j * np.imag(g[0] * ans[0])


@rule_helper
def slogdet_tangent(ans, h):
    """slogdet's tangent for a complex `a`, with h = tr(a^-1 da): (sign * 1j Im h, Re h)."""
    return (ans[0] * 1j * np.imag(h), np.real(h))


@rule_helper
def degrees(deg):
    """The angle's unit: 1 for radians, 180 / pi for degrees."""
    return 180 / np.pi if deg else 1.0


# ---- the parts of a complex value -----------------------------------------------------------
# For a real x, np.real(x) is x and np.imag(x) is 0. (A real part's adjoint goes back as
# it is: a complex argument's gradient is made complex at the end, `reverse._gradient`.)
defvjp(np.real, lambda g, ans, val: g, kind=_real_kind)
defvjp(np.imag, lambda g, ans, val: 0.0 * g if np.isrealobj(val) else -1j * g,
       kind=_real_kind)
deflinear(np.real, "val")
deflinear(np.imag, "val")

# angle(z) = atan2(Im z, Re z): d angle = Im(dz / z); piecewise constant for a real z
defvjp(np.angle,
       lambda g, ans, z, deg=False: (
           0.0 * g if np.isrealobj(z) else -1j * g * degrees(deg) * inverse_or_zero(z)),
       None, kind=_float_kind)
defjvp(np.angle,
       lambda t, ans, z, deg=False: (
           0.0 * t if np.isrealobj(z) else np.imag(t * inverse_or_zero(z)) * degrees(deg)),
       None)

# real_if_close drops imaginary parts (all within tol of 0) or keeps the value as it is
defvjp(np.real_if_close,
       lambda g, ans, a, tol=100: (
           g if np.iscomplexobj(ans) or np.isrealobj(a) else np.real(g)),
       None, kind=_if_close_kind)
defjvp(np.real_if_close,
       lambda t, ans, a, tol=100: t if np.iscomplexobj(ans) else np.real(t),
       None)

# ---- complex(re, im) = re + 1j * im ------------------------------------------------------------
defvjp(complex,
       lambda g, ans, real=0, imag=0: g,
       lambda g, ans, real=0, imag=0: 1j * g,
       kind=lambda k, s: Kind(0, "c", True))
defjvp(complex,
       lambda t, ans, real=0, imag=0: t + 0j,
       lambda t, ans, real=0, imag=0: 1j * t)

# ---- the real part of an adjoint, where the kinds do not tell whether a value is real ----------
defvjp(rt.real_if_real, lambda g, ans, a, like: rt.real_if_real(g, like), None)
deflinear(rt.real_if_real, "a")

# ---- tests on the dtype: decided when the code is made, where the kinds say -------------------
defnondiff(np.isrealobj, np.iscomplexobj, kind=lambda k, s: Kind(0, "b", True))
