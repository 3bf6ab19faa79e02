"""How each registry function is called, for the sweep's case generator.

Operands are named a, b, c in a call's text; each has a domain:
  r  real, |v| in [0.2, 0.9], random signs (no zeros, no ties)
  u  in (-1, 1) (the same values as r: named for arcsin and friends)
  p  positive in [0.5, 2]         g  greater than 1, in [1.2, 3]
  s  square matrices (diagonally dominant: well conditioned)
  d  symmetric positive definite  w  probabilities summing to 1 on the last axis
  q  in [0.1, 0.9]
Shapes: None is a Python float, () a 0-d array.
"""
from typing import NamedTuple


class Sig(NamedTuple):
    name: str                 # the registry name
    call: str                 # the call, a/b/c the operands; {opts} where axis/keepdims go
    domains: str              # one letter per operand
    family: str               # "unary", "binary", "reduce", "fixed"
    keepdims: bool = False    # a reduction that takes keepdims
    tuple_axes: bool = True   # a reduction that takes a tuple of axes
    shapes: tuple = ()        # "fixed": a tuple of shape tuples, one per call
    floats_only: bool = False  # math.*: Python floats only
    no_second: bool = False    # first order only (documented in the rule)


def _unary(names, domain="r", prefix="np."):
    return [Sig(prefix + n, f"{prefix}{n}(a)", domain, "unary",
                floats_only=prefix == "math.") for n in names.split()]


UNARY = (
    _unary("sin cos tan arctan sinh cosh tanh arcsinh deg2rad rad2deg degrees radians "
           "sinc exp exp2 expm1 cbrt square reciprocal negative positive conjugate absolute "
           "fabs real imag angle real_if_close nan_to_num copy asarray array")
    + _unary("arcsin arccos arctanh log1p", "u") + _unary("arccosh", "g")
    + _unary("log log2 log10 sqrt", "p")
    + _unary("atan sin cos tan sinh cosh tanh asinh degrees radians erf erfc exp expm1 fabs",
             prefix="math.")
    + _unary("asin acos atanh log1p", "u", "math.") + _unary("acosh", "g", "math.")
    + _unary("log log2 log10 sqrt", "p", "math.")
    + [Sig("abs", "abs(a)", "r", "unary"), Sig("float", "float(a)", "r", "unary",
                                                floats_only=True),
       Sig("np.clip", "np.clip(a, -0.5, 0.5)", "r", "unary"),
       Sig("np.linalg.norm", "np.linalg.norm(a)", "r", "unary"),
       Sig("np.ravel", "np.ravel(a)", "r", "unary"),
       Sig("np.atleast_1d", "np.atleast_1d(a)", "r", "unary"),
       Sig("np.atleast_2d", "np.atleast_2d(a)", "r", "unary"),
       Sig("np.atleast_3d", "np.atleast_3d(a)", "r", "unary"),
       Sig("np.full_like", "np.full_like(a, 2.0) * a", "r", "unary"),
       Sig("operator.neg", "-a", "r", "unary"), Sig("operator.pos", "+a", "r", "unary")]
)


def _binary(names, domains="rr", prefix="np."):
    return [Sig(prefix + n, f"{prefix}{n}(a, b)", domains, "binary",
                floats_only=prefix == "math.") for n in names.split()]


BINARY = (
    _binary("add subtract multiply arctan2 hypot logaddexp logaddexp2 maximum minimum fmax "
            "fmin copysign")
    + _binary("divide", "rp") + _binary("power float_power", "pr")
    + _binary("atan2 hypot", prefix="math.") + _binary("pow", "pr", "math.")
    + [Sig("np.remainder", "np.remainder(a, b + 1.0)", "rp", "binary"),
       Sig("np.fmod", "np.fmod(a, b + 1.0)", "rp", "binary"),
       Sig("operator.add", "a + b", "rr", "binary"),
       Sig("operator.sub", "a - b", "rr", "binary"),
       Sig("operator.mul", "a * b", "rr", "binary"),
       Sig("operator.truediv", "a / b", "rp", "binary"),
       Sig("operator.pow", "a ** b", "pr", "binary"),
       Sig("operator.mod", "a % (b + 1.0)", "rp", "binary"),
       Sig("pow", "pow(a, b)", "pr", "binary"),
       Sig("max", "max(a, b)", "rr", "binary", floats_only=True),
       Sig("min", "min(a, b)", "rr", "binary", floats_only=True),
       Sig("np.where", "np.where(a > b, a * 2.0, b)", "rr", "binary"),
       Sig("np.clip", "np.clip(a, b, 0.6)", "rr", "binary"),
       Sig("np.broadcast_to", "np.broadcast_to(a, np.shape(a + b)) * b", "rr", "binary")]
)


def _reduce(names, keepdims=True, domain="r", call=None, tuple_axes=True):
    return [Sig("np." + n, call.format(n=n) if call else f"np.{n}(a{{opts}})", domain,
                "reduce", keepdims, tuple_axes) for n in names.split()]


REDUCE = (
    _reduce("sum mean max min amax amin nansum nanmean nanmax nanmin ptp std var nanstd "
            "nanvar median")
    + _reduce("prod nanprod", domain="p")
    + _reduce("quantile", call="np.quantile(a, 0.3{{opts}})")
    + _reduce("percentile", call="np.percentile(a, 70.0{{opts}})")
    + _reduce("average", call="np.average(a{{opts}})")
    + _reduce("cumsum cumprod nancumsum sort flip", keepdims=False, tuple_axes=False)
    + _reduce("diff", keepdims=False, tuple_axes=False, call="np.diff(a{{opts}})")
    + _reduce("partition", keepdims=False, tuple_axes=False,
              call="np.partition(a, 0{{opts}})")
    + _reduce("gradient", keepdims=False, tuple_axes=False, call="np.gradient(a{{opts}})")
    + _reduce("unwrap", keepdims=False, tuple_axes=False, call="np.unwrap(3.0 * a{{opts}})")
    + [Sig("np.linalg.norm", "np.linalg.norm(a{opts})", "r", "reduce", True, False)]
    + [Sig("scipy.special." + n, f"scipy.special.{n}(a{{opts}})", "r", "reduce",
           n == "logsumexp", n == "logsumexp") for n in ("logsumexp", "softmax", "log_softmax")]
)
