"""Rules for `scipy.stats` distributions called with their parameters
(`stats.norm.logpdf(x, loc, scale)`, `stats.t.cdf(x, df=3)`), registered once the
user's code imports `scipy.stats`; a distribution's methods are found through it.

With z = (x - loc) / scale and s the slope of the standard log density at z,
log pdf has slopes s / scale in x, -s / scale in loc and -(s z + 1) / scale in
scale; pdf is that times pdf; cdf has slopes pdf, -pdf and -pdf z, and log cdf
those over cdf. A cdf's slope in a shape parameter (`df`, `a`, `b`) has no
closed form: it is refused when the code runs. Frozen distributions
(`stats.norm(0, 1).pdf(x)`) are refused by name."""
import numpy as np
from scipy import special, stats

from ..lattice import broadcast
from ..registry import defrefusal, defvjp
from ..template import rule_helper
from ... import runtime as rt
from . import scipy_special  # noqa: F401  (the rules' own rules: digamma, xlogy, ...)
from . import scipy_stats_multivariate  # noqa: F401


def _floats(k, s):
    out = broadcast(*k.values(), floating=True)
    return out.with_ndim(out.ndim)


def rules(method, *vjps):
    defvjp(method, *vjps, elementwise=True, kind=_floats,
           name=f"scipy.stats.{method.__self__.name}.{method.__name__}")


@rule_helper
def _z(x, loc, scale):
    return (x - loc) / scale


def _shape(name, param):
    return rt.unsupported(f"scipy.stats.{name}'s cdf with respect to {param} (no closed form)")


# ---- normal: s = -z --------------------------------------------------------------------------
rules(stats.norm.logpdf,
      lambda g, ans, x, loc=0, scale=1: -g * _z(x, loc, scale) / scale,
      lambda g, ans, x, loc=0, scale=1: g * _z(x, loc, scale) / scale,
      lambda g, ans, x, loc=0, scale=1: g * (_z(x, loc, scale) ** 2 - 1) / scale)
rules(stats.norm.pdf,
      lambda g, ans, x, loc=0, scale=1: -g * ans * _z(x, loc, scale) / scale,
      lambda g, ans, x, loc=0, scale=1: g * ans * _z(x, loc, scale) / scale,
      lambda g, ans, x, loc=0, scale=1: g * ans * (_z(x, loc, scale) ** 2 - 1) / scale)
rules(stats.norm.cdf,
      lambda g, ans, x, loc=0, scale=1: g * stats.norm.pdf(x, loc, scale),
      lambda g, ans, x, loc=0, scale=1: -g * stats.norm.pdf(x, loc, scale),
      lambda g, ans, x, loc=0, scale=1: -g * stats.norm.pdf(x, loc, scale) * _z(x, loc, scale))
rules(stats.norm.logcdf,
      lambda g, ans, x, loc=0, scale=1: g * np.exp(stats.norm.logpdf(x, loc, scale) - ans),
      lambda g, ans, x, loc=0, scale=1: -g * np.exp(stats.norm.logpdf(x, loc, scale) - ans),
      lambda g, ans, x, loc=0, scale=1:
      -g * np.exp(stats.norm.logpdf(x, loc, scale) - ans) * _z(x, loc, scale))


# ---- Student's t: s = -(df + 1) z / (df + z^2) ------------------------------------------------
@rule_helper
def _t_score(z, df):
    return -(df + 1) * z / (df + z ** 2)


@rule_helper
def _t_df(z, df):
    """The slope of log pdf in df."""
    return (special.digamma((df + 1) / 2) - special.digamma(df / 2) - 1 / df
            - np.log1p(z ** 2 / df) + (df + 1) * z ** 2 / (df * (df + z ** 2))) / 2


rules(stats.t.logpdf,
      lambda g, ans, x, df, loc=0, scale=1: g * _t_score(_z(x, loc, scale), df) / scale,
      lambda g, ans, x, df, loc=0, scale=1: g * _t_df(_z(x, loc, scale), df),
      lambda g, ans, x, df, loc=0, scale=1: -g * _t_score(_z(x, loc, scale), df) / scale,
      lambda g, ans, x, df, loc=0, scale=1:
      -g * (_t_score(_z(x, loc, scale), df) * _z(x, loc, scale) + 1) / scale)
rules(stats.t.pdf,
      lambda g, ans, x, df, loc=0, scale=1: g * ans * _t_score(_z(x, loc, scale), df) / scale,
      lambda g, ans, x, df, loc=0, scale=1: g * ans * _t_df(_z(x, loc, scale), df),
      lambda g, ans, x, df, loc=0, scale=1: -g * ans * _t_score(_z(x, loc, scale), df) / scale,
      lambda g, ans, x, df, loc=0, scale=1:
      -g * ans * (_t_score(_z(x, loc, scale), df) * _z(x, loc, scale) + 1) / scale)
rules(stats.t.cdf,
      lambda g, ans, x, df, loc=0, scale=1: g * stats.t.pdf(x, df, loc, scale),
      lambda g, ans, x, df, loc=0, scale=1: _shape("t", "df"),
      lambda g, ans, x, df, loc=0, scale=1: -g * stats.t.pdf(x, df, loc, scale),
      lambda g, ans, x, df, loc=0, scale=1:
      -g * stats.t.pdf(x, df, loc, scale) * _z(x, loc, scale))
rules(stats.t.logcdf,
      lambda g, ans, x, df, loc=0, scale=1: g * np.exp(stats.t.logpdf(x, df, loc, scale) - ans),
      lambda g, ans, x, df, loc=0, scale=1: _shape("t", "df"),
      lambda g, ans, x, df, loc=0, scale=1:
      -g * np.exp(stats.t.logpdf(x, df, loc, scale) - ans),
      lambda g, ans, x, df, loc=0, scale=1:
      -g * np.exp(stats.t.logpdf(x, df, loc, scale) - ans) * _z(x, loc, scale))


# ---- gamma: s = (a - 1) / z - 1; chi2(df) is gamma(df / 2) with scale 2 -------------------------
@rule_helper
def _gamma_score(z, a):
    return (a - 1) / z - 1


rules(stats.gamma.logpdf,
      lambda g, ans, x, a, loc=0, scale=1: g * _gamma_score(_z(x, loc, scale), a) / scale,
      lambda g, ans, x, a, loc=0, scale=1: g * (np.log(_z(x, loc, scale)) - special.digamma(a)),
      lambda g, ans, x, a, loc=0, scale=1: -g * _gamma_score(_z(x, loc, scale), a) / scale,
      lambda g, ans, x, a, loc=0, scale=1: -g * (a - _z(x, loc, scale)) / scale)
rules(stats.gamma.pdf,
      lambda g, ans, x, a, loc=0, scale=1: g * ans * _gamma_score(_z(x, loc, scale), a) / scale,
      lambda g, ans, x, a, loc=0, scale=1:
      g * ans * (np.log(_z(x, loc, scale)) - special.digamma(a)),
      lambda g, ans, x, a, loc=0, scale=1:
      -g * ans * _gamma_score(_z(x, loc, scale), a) / scale,
      lambda g, ans, x, a, loc=0, scale=1: -g * ans * (a - _z(x, loc, scale)) / scale)
rules(stats.gamma.cdf,
      lambda g, ans, x, a, loc=0, scale=1: g * stats.gamma.pdf(x, a, loc, scale),
      lambda g, ans, x, a, loc=0, scale=1: _shape("gamma", "a"),
      lambda g, ans, x, a, loc=0, scale=1: -g * stats.gamma.pdf(x, a, loc, scale),
      lambda g, ans, x, a, loc=0, scale=1:
      -g * stats.gamma.pdf(x, a, loc, scale) * _z(x, loc, scale))
rules(stats.gamma.logcdf,
      lambda g, ans, x, a, loc=0, scale=1:
      g * np.exp(stats.gamma.logpdf(x, a, loc, scale) - ans),
      lambda g, ans, x, a, loc=0, scale=1: _shape("gamma", "a"),
      lambda g, ans, x, a, loc=0, scale=1:
      -g * np.exp(stats.gamma.logpdf(x, a, loc, scale) - ans),
      lambda g, ans, x, a, loc=0, scale=1:
      -g * np.exp(stats.gamma.logpdf(x, a, loc, scale) - ans) * _z(x, loc, scale))


@rule_helper
def _chi2_df(z, df):
    """The slope of chi2's log pdf in df."""
    return (np.log(z / 2) - special.digamma(df / 2)) / 2


rules(stats.chi2.logpdf,
      lambda g, ans, x, df, loc=0, scale=1: g * _gamma_score(_z(x, loc, scale) / 2, df / 2)
      / (2 * scale),
      lambda g, ans, x, df, loc=0, scale=1: g * _chi2_df(_z(x, loc, scale), df),
      lambda g, ans, x, df, loc=0, scale=1: -g * _gamma_score(_z(x, loc, scale) / 2, df / 2)
      / (2 * scale),
      lambda g, ans, x, df, loc=0, scale=1: -g * (df / 2 - _z(x, loc, scale) / 2) / scale)
rules(stats.chi2.pdf,
      lambda g, ans, x, df, loc=0, scale=1:
      g * ans * _gamma_score(_z(x, loc, scale) / 2, df / 2) / (2 * scale),
      lambda g, ans, x, df, loc=0, scale=1: g * ans * _chi2_df(_z(x, loc, scale), df),
      lambda g, ans, x, df, loc=0, scale=1:
      -g * ans * _gamma_score(_z(x, loc, scale) / 2, df / 2) / (2 * scale),
      lambda g, ans, x, df, loc=0, scale=1: -g * ans * (df / 2 - _z(x, loc, scale) / 2) / scale)
rules(stats.chi2.cdf,
      lambda g, ans, x, df, loc=0, scale=1: g * stats.chi2.pdf(x, df, loc, scale),
      lambda g, ans, x, df, loc=0, scale=1: _shape("chi2", "df"),
      lambda g, ans, x, df, loc=0, scale=1: -g * stats.chi2.pdf(x, df, loc, scale),
      lambda g, ans, x, df, loc=0, scale=1:
      -g * stats.chi2.pdf(x, df, loc, scale) * _z(x, loc, scale))
rules(stats.chi2.logcdf,
      lambda g, ans, x, df, loc=0, scale=1:
      g * np.exp(stats.chi2.logpdf(x, df, loc, scale) - ans),
      lambda g, ans, x, df, loc=0, scale=1: _shape("chi2", "df"),
      lambda g, ans, x, df, loc=0, scale=1:
      -g * np.exp(stats.chi2.logpdf(x, df, loc, scale) - ans),
      lambda g, ans, x, df, loc=0, scale=1:
      -g * np.exp(stats.chi2.logpdf(x, df, loc, scale) - ans) * _z(x, loc, scale))


# ---- beta: s = (a - 1) / z - (b - 1) / (1 - z) ---------------------------------------------------
@rule_helper
def _beta_score(z, a, b):
    return (a - 1) / z - (b - 1) / (1 - z)


@rule_helper
def _beta_shape(z, a, b, first):
    """The slope of log pdf in a (`first`) or in b."""
    return (np.log(z) - special.digamma(a) if first else
            np.log1p(-z) - special.digamma(b)) + special.digamma(a + b)


rules(stats.beta.logpdf,
      lambda g, ans, x, a, b, loc=0, scale=1: g * _beta_score(_z(x, loc, scale), a, b) / scale,
      lambda g, ans, x, a, b, loc=0, scale=1: g * _beta_shape(_z(x, loc, scale), a, b, True),
      lambda g, ans, x, a, b, loc=0, scale=1: g * _beta_shape(_z(x, loc, scale), a, b, False),
      lambda g, ans, x, a, b, loc=0, scale=1: -g * _beta_score(_z(x, loc, scale), a, b) / scale,
      lambda g, ans, x, a, b, loc=0, scale=1:
      -g * (_beta_score(_z(x, loc, scale), a, b) * _z(x, loc, scale) + 1) / scale)
rules(stats.beta.pdf,
      lambda g, ans, x, a, b, loc=0, scale=1:
      g * ans * _beta_score(_z(x, loc, scale), a, b) / scale,
      lambda g, ans, x, a, b, loc=0, scale=1:
      g * ans * _beta_shape(_z(x, loc, scale), a, b, True),
      lambda g, ans, x, a, b, loc=0, scale=1:
      g * ans * _beta_shape(_z(x, loc, scale), a, b, False),
      lambda g, ans, x, a, b, loc=0, scale=1:
      -g * ans * _beta_score(_z(x, loc, scale), a, b) / scale,
      lambda g, ans, x, a, b, loc=0, scale=1:
      -g * ans * (_beta_score(_z(x, loc, scale), a, b) * _z(x, loc, scale) + 1) / scale)
rules(stats.beta.cdf,
      lambda g, ans, x, a, b, loc=0, scale=1: g * stats.beta.pdf(x, a, b, loc, scale),
      lambda g, ans, x, a, b, loc=0, scale=1: _shape("beta", "a"),
      lambda g, ans, x, a, b, loc=0, scale=1: _shape("beta", "b"),
      lambda g, ans, x, a, b, loc=0, scale=1: -g * stats.beta.pdf(x, a, b, loc, scale),
      lambda g, ans, x, a, b, loc=0, scale=1:
      -g * stats.beta.pdf(x, a, b, loc, scale) * _z(x, loc, scale))
rules(stats.beta.logcdf,
      lambda g, ans, x, a, b, loc=0, scale=1:
      g * np.exp(stats.beta.logpdf(x, a, b, loc, scale) - ans),
      lambda g, ans, x, a, b, loc=0, scale=1: _shape("beta", "a"),
      lambda g, ans, x, a, b, loc=0, scale=1: _shape("beta", "b"),
      lambda g, ans, x, a, b, loc=0, scale=1:
      -g * np.exp(stats.beta.logpdf(x, a, b, loc, scale) - ans),
      lambda g, ans, x, a, b, loc=0, scale=1:
      -g * np.exp(stats.beta.logpdf(x, a, b, loc, scale) - ans) * _z(x, loc, scale))

# ---- Poisson: the count k (and loc) is piecewise constant; cdf(k) = Q(floor(k) + 1, mu) -------
rules(stats.poisson.logpmf,
      None, lambda g, ans, k, mu, loc=0: g * ((k - loc) / mu - 1), None)
rules(stats.poisson.pmf,
      None, lambda g, ans, k, mu, loc=0: g * ans * ((k - loc) / mu - 1), None)
rules(stats.poisson.cdf,
      None, lambda g, ans, k, mu, loc=0: -g * stats.poisson.pmf(np.floor(k), mu, loc), None)
rules(stats.poisson.logcdf,
      None,
      lambda g, ans, k, mu, loc=0: -g * np.exp(stats.poisson.logpmf(np.floor(k), mu, loc) - ans),
      None)

# a frozen distribution made in the function, or before it (then its methods, through the
# frozen classes: rv_frozen, multi_rv_frozen and theirs)
_FROZEN = {c for d in (stats.norm(), stats.poisson(1.0), stats.multivariate_normal())
           for c in type(d).__mro__ if c.__name__.endswith("_frozen")}
for _dist in (stats.norm, stats.t, stats.gamma, stats.chi2, stats.beta, stats.poisson,
              stats.multivariate_normal, stats.dirichlet, *_FROZEN):
    defrefusal(_dist, "a frozen distribution (a distribution called with its parameters) "
               "is not differentiated.",
               "Call the distribution's method with the parameters instead: "
               "stats.norm.logpdf(x, loc, scale), not stats.norm(loc, scale).logpdf(x).")
