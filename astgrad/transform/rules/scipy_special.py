"""Rules for `scipy.special`, registered once the user's code imports it.

Each rule calls functions that have rules of their own (`gammaln` -> `digamma` ->
`zeta`, `iv` -> `iv`), so the generated derivative is differentiated again.
A derivative with no closed form (with respect to the order of a Bessel function,
or the `a` of `gammainc`) is refused when the code runs, never taken as zero."""
import math

import numpy as np
from scipy import special

from ..lattice import Kind, broadcast
from ..registry import defjvp, defvjp
from ..template import rule_helper
from ... import runtime as rt
from .reductions import _expand, _reduced



def _floats(k, s):
    """SciPy's functions take a Python float as float64 (NumPy's keep a float32 array's
    dtype): `special.xlogy(x, 0.5)` is float64."""
    out = broadcast(*k.values(), floating=True)
    wide = any(v.py and v.dtype in ("f", "c") for v in k.values())
    return Kind(out.ndim, out.dtype, False, None) if wide else out.with_ndim(out.ndim)


def _like_first(k, s):
    first = next(iter(k.values()))
    return broadcast(first, floating=True).with_ndim(first.ndim)


def unary(fn, rule, name):
    defvjp(fn, rule, elementwise=True, kind=_floats, name=f"scipy.special.{name}")


def binary(fn, rule_x, rule_y, name):
    defvjp(fn, rule_x, rule_y, elementwise=True, kind=_floats, name=f"scipy.special.{name}")


def _order(name):
    return f"scipy.special.{name} with respect to its order (no closed form); pass the order " \
           f"as a constant"


# ---- logistic --------------------------------------------------------------------------
unary(special.expit, lambda g, ans, x: g * ans * (1 - ans), "expit")
unary(special.logit, lambda g, ans, x: g / (x * (1 - x)), "logit")

# ---- gamma and beta functions --------------------------------------------------------
unary(special.gammaln, lambda g, ans, x: g * special.digamma(x), "gammaln")
unary(special.gamma, lambda g, ans, x: g * ans * special.digamma(x), "gamma")
# digamma's slope, trigamma, is zeta(2, x), which keeps a float32 x float32 (polygamma(1, x),
# the same values, is float64)
unary(special.digamma, lambda g, ans, x: g * special.zeta(2, x), "digamma")
binary(special.polygamma,
       lambda g, ans, n, x: rt.unsupported("scipy.special.polygamma with respect to its "
                                           "order n, an integer"),
       lambda g, ans, n, x: g * special.polygamma(n + 1, x), "polygamma")
# Hurwitz's zeta(s, q), the sum over k >= 0 of (k + q)^-s; Riemann's, zeta(s), has q None
binary(special.zeta,
       lambda g, ans, x, q=None: rt.unsupported("scipy.special.zeta with respect to s (no "
                                                "closed form)"),
       lambda g, ans, x, q=None: -g * x * special.zeta(x + 1, q), "zeta")
# log Gamma_d(a) = sum over j < d of gammaln(a - j / 2), and a constant
defvjp(special.multigammaln,
       lambda g, ans, a, d: g * np.sum(special.digamma(np.expand_dims(a, -1)
                                                       - np.arange(d) / 2), -1),
       None, elementwise=True, kind=_like_first, name="scipy.special.multigammaln")
binary(special.beta,
       lambda g, ans, a, b: g * ans * (special.digamma(a) - special.digamma(a + b)),
       lambda g, ans, a, b: g * ans * (special.digamma(b) - special.digamma(a + b)), "beta")
binary(special.betaln,
       lambda g, ans, a, b: g * (special.digamma(a) - special.digamma(a + b)),
       lambda g, ans, a, b: g * (special.digamma(b) - special.digamma(a + b)), "betaln")


# the regularized incomplete gamma functions: d/dx P(a, x) = x^(a-1) e^-x / Gamma(a), written
# with xlogy so that x = 0 with a = 1 gives 1, not nan
@rule_helper
def _gamma_density(a, x):
    return np.exp(special.xlogy(a - 1, x) - x - special.gammaln(a))


binary(special.gammainc,
       lambda g, ans, a, x: rt.unsupported("scipy.special.gammainc with respect to a "
                                           "(no closed form)"),
       lambda g, ans, a, x: g * _gamma_density(a, x), "gammainc")
binary(special.gammaincc,
       lambda g, ans, a, x: rt.unsupported("scipy.special.gammaincc with respect to a "
                                           "(no closed form)"),
       lambda g, ans, a, x: -g * _gamma_density(a, x), "gammaincc")

# ---- error functions and the normal distribution -----------------------------------------
# the constants as Python floats (math.sqrt, not np.sqrt: a float64 that would make a float32
# adjoint or tangent float64)
unary(special.erf, lambda g, ans, x: g * (2 / math.sqrt(math.pi)) * np.exp(-x ** 2), "erf")
unary(special.erfc, lambda g, ans, x: -g * (2 / math.sqrt(math.pi)) * np.exp(-x ** 2), "erfc")
unary(special.erfinv, lambda g, ans, x: g * (math.sqrt(math.pi) / 2) * np.exp(ans ** 2),
      "erfinv")
unary(special.erfcinv, lambda g, ans, x: -g * (math.sqrt(math.pi) / 2) * np.exp(ans ** 2),
      "erfcinv")
unary(special.ndtr, lambda g, ans, x: g * np.exp(-x ** 2 / 2) / math.sqrt(2 * math.pi), "ndtr")
# the density over the probability, in logs: stable far in the left tail
unary(special.log_ndtr,
      lambda g, ans, x: g * np.exp(-x ** 2 / 2 - ans) / math.sqrt(2 * math.pi), "log_ndtr")
unary(special.ndtri, lambda g, ans, x: g * math.sqrt(2 * math.pi) * np.exp(ans ** 2 / 2), "ndtri")

# ---- x log y and entropies: 0 log 0 is 0, and so is its slope in y -------------------------
binary(special.xlogy,
       lambda g, ans, x, y: g * np.log(y),
       lambda g, ans, x, y: g * x / np.where(x == 0, 1.0, y), "xlogy")
binary(special.xlog1py,
       lambda g, ans, x, y: g * np.log1p(y),
       lambda g, ans, x, y: g * x / np.where(x == 0, 1.0, 1 + y), "xlog1py")
unary(special.entr, lambda g, ans, x: -g * (np.log(x) + 1), "entr")
binary(special.rel_entr,
       lambda g, ans, x, y: g * (np.log(x / y) + 1),
       lambda g, ans, x, y: -g * x / y, "rel_entr")

# ---- Bessel functions: each derivative is a sum of neighbouring orders ----------------------
unary(special.i0, lambda g, ans, x: g * special.i1(x), "i0")
unary(special.i1, lambda g, ans, x: g * (special.i0(x) + special.iv(2, x)) / 2, "i1")
binary(special.iv,
       lambda g, ans, v, x: rt.unsupported(_order("iv")),
       lambda g, ans, v, x: g * (special.iv(v - 1, x) + special.iv(v + 1, x)) / 2, "iv")
# ive(v, x) = iv(v, x) exp(-|x|)
binary(special.ive,
       lambda g, ans, v, x: rt.unsupported(_order("ive")),
       lambda g, ans, v, x: g * ((special.ive(v - 1, x) + special.ive(v + 1, x)) / 2
                                 - np.sign(x) * ans), "ive")
unary(special.j0, lambda g, ans, x: -g * special.j1(x), "j0")
unary(special.j1, lambda g, ans, x: g * (special.j0(x) - special.jv(2, x)) / 2, "j1")
# scipy.special.jn is jv
binary(special.jv,
       lambda g, ans, v, x: rt.unsupported(_order("jv")),
       lambda g, ans, v, x: g * (special.jv(v - 1, x) - special.jv(v + 1, x)) / 2, "jv")
unary(special.y0, lambda g, ans, x: -g * special.y1(x), "y0")
# y1' = (y0 - y2) / 2 = y0 - y1 / x (yn is float64 for a float32 x)
unary(special.y1, lambda g, ans, x: g * (special.y0(x) - ans / x), "y1")
binary(special.yn,
       lambda g, ans, n, x: rt.unsupported(_order("yn")),
       lambda g, ans, n, x: g * (special.yn(n - 1, x) - special.yn(n + 1, x)) / 2, "yn")


# ---- log-sum-exp and softmax ---------------------------------------------------------------
def _lse_kind(k, s):
    out = _reduced(k, s)
    if k["a"].ndim == 0 and (s.get("keepdims") or s.get("axis") == ()):
        out = out.with_ndim(1)                   # SciPy's shape (1,) (see logsumexp_a)
    b = k["b"]
    if b.dtype is not None and (b.ndim is None or out.ndim is None or b.ndim > k["a"].ndim):
        return broadcast(out, b, floating=True).with_ndim(None)   # b broadcasts a
    return broadcast(out, b, floating=True).with_ndim(out.ndim)


@rule_helper
def _weights(a, b, ans, axis, keepdims):
    """exp(a - logsumexp) times b: what each entry adds to the sum, over the sum."""
    return (np.exp(a - _expand(ans, axis, keepdims)) if b is None else
            b * np.exp(a - _expand(ans, axis, keepdims)))


# of a 0-d `a` over axis=() or with keepdims, SciPy gives shape (1,), not NumPy's (): the
# adjoint is summed back to a's shape, the tangent given the output's
def logsumexp_a(g, ans, a, axis=None, b=None, keepdims=False, return_sign=False):
    return (rt.unsupported("scipy.special.logsumexp(..., return_sign=True)") if return_sign
            else _expand(g, axis, keepdims) * _weights(a, b, ans, axis, keepdims)
            if b is None and np.ndim(a) != 0
            else rt.unbroadcast(_expand(g, axis, keepdims) * _weights(a, b, ans, axis, keepdims),
                                a))


def logsumexp_b(g, ans, a, axis=None, b=None, keepdims=False, return_sign=False):
    return (rt.unsupported("scipy.special.logsumexp(..., return_sign=True)") if return_sign
            else rt.unbroadcast(_expand(g, axis, keepdims)
                                * np.exp(a - _expand(ans, axis, keepdims)), b))


@rule_helper
def _shaped(t, a, ans):
    return t if np.ndim(a) != 0 else np.reshape(t, np.shape(ans))


def logsumexp_ta(t, ans, a, axis=None, b=None, keepdims=False, return_sign=False):
    return (rt.unsupported("scipy.special.logsumexp(..., return_sign=True)") if return_sign
            else _shaped(np.sum(t * _weights(a, b, ans, axis, keepdims), axis,
                                keepdims=keepdims), a, ans))


def logsumexp_tb(t, ans, a, axis=None, b=None, keepdims=False, return_sign=False):
    return (rt.unsupported("scipy.special.logsumexp(..., return_sign=True)") if return_sign
            else _shaped(np.sum(t * np.exp(a - _expand(ans, axis, keepdims)), axis,
                                keepdims=keepdims), a, ans))


defvjp(special.logsumexp, logsumexp_a, None, logsumexp_b, kind=_lse_kind,
       name="scipy.special.logsumexp")
defjvp(special.logsumexp, logsumexp_ta, None, logsumexp_tb)

# softmax: s * (g - sum(g s)); log_softmax: g - softmax * sum(g), over the axis
defvjp(special.softmax,
       lambda g, ans, x, axis=None: ans * (g - np.sum(g * ans, axis, keepdims=True)),
       kind=_like_first, name="scipy.special.softmax")
defjvp(special.softmax,
       lambda t, ans, x, axis=None: ans * (t - np.sum(t * ans, axis, keepdims=True)))
defvjp(special.log_softmax,
       lambda g, ans, x, axis=None: g - np.exp(ans) * np.sum(g, axis, keepdims=True),
       kind=_like_first, name="scipy.special.log_softmax")
defjvp(special.log_softmax,
       lambda t, ans, x, axis=None: t - np.sum(np.exp(ans) * t, axis, keepdims=True))
