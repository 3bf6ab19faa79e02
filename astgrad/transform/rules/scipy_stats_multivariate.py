"""Rules for `scipy.stats.multivariate_normal` and `scipy.stats.dirichlet`, loaded with
the other `scipy.stats` rules.

multivariate_normal: with r = x - mean (one sample a row) and w = cov^-1 r, log pdf
has slopes -w in x, w in mean, and (w w^T - cov^-1) / 2 in cov, of which SciPy reads
the lower triangle only (it takes the eigenvalues of that triangle): the entries
below the diagonal get twice the symmetric slope, those above it none."""
import numpy as np
from scipy import special, stats

from ..registry import defjvp, defvjp
from ..template import rule_helper
from ... import runtime as rt

_MVN = "scipy.stats.multivariate_normal"


@rule_helper
def _whitened(x, mean, cov):
    """cov^-1 (x - mean), one sample a row; a cov that is not a matrix, or x that is not
    one sample or a row of samples of cov's dimension, is refused."""
    return (rt.unsupported(f"{_MVN} with a cov that is not a matrix, or x that is not "
                           f"samples of cov's dimension, one a row; pass cov as a 2-d array "
                           f"and x with samples as rows")
            if np.ndim(cov) != 2 or not 1 <= np.ndim(x) <= 2
            or np.shape(x)[-1] != np.shape(cov)[0] else
            np.transpose(np.linalg.solve(cov, np.transpose(x if mean is None else x - mean))))


@rule_helper
def _rows(m, cov):
    return np.reshape(m, (-1, np.shape(cov)[0]))


@rule_helper
def _lower(s):
    """The adjoint of a symmetric matrix read from its lower triangle."""
    return np.tril(s) + np.tril(s, -1)


@rule_helper
def _mvn_cov(g, x, mean, cov):
    return _lower((np.transpose(_rows(np.expand_dims(g, -1) * _whitened(x, mean, cov), cov))
                   @ _rows(_whitened(x, mean, cov), cov)
                   - np.sum(g) * np.linalg.inv(cov)) / 2)


@rule_helper
def _mvn_cov_tangent(t, x, mean, cov):
    """The tangent of log pdf along the symmetric matrix SciPy reads from t."""
    return (np.sum((_whitened(x, mean, cov) @ (np.tril(t) + np.transpose(np.tril(t, -1))))
                   * _whitened(x, mean, cov), -1)
            - np.trace(np.linalg.solve(cov, np.tril(t) + np.transpose(np.tril(t, -1))))) / 2


defvjp(stats.multivariate_normal.logpdf,
       lambda g, ans, x, mean=None, cov=1, allow_singular=False:
       -np.expand_dims(g, -1) * _whitened(x, mean, cov),
       lambda g, ans, x, mean=None, cov=1, allow_singular=False:
       rt.unbroadcast(np.expand_dims(g, -1) * _whitened(x, mean, cov), mean),
       lambda g, ans, x, mean=None, cov=1, allow_singular=False: _mvn_cov(g, x, mean, cov),
       None, name=f"{_MVN}.logpdf")
defvjp(stats.multivariate_normal.pdf,
       lambda g, ans, x, mean=None, cov=1, allow_singular=False:
       -np.expand_dims(g * ans, -1) * _whitened(x, mean, cov),
       lambda g, ans, x, mean=None, cov=1, allow_singular=False:
       rt.unbroadcast(np.expand_dims(g * ans, -1) * _whitened(x, mean, cov), mean),
       lambda g, ans, x, mean=None, cov=1, allow_singular=False:
       _mvn_cov(g * ans, x, mean, cov),
       None, name=f"{_MVN}.pdf")
defjvp(stats.multivariate_normal.logpdf,
       lambda t, ans, x, mean=None, cov=1, allow_singular=False:
       np.reshape(-np.sum(t * _whitened(x, mean, cov), -1), np.shape(ans)),
       lambda t, ans, x, mean=None, cov=1, allow_singular=False:
       np.reshape(np.sum(t * _whitened(x, mean, cov), -1), np.shape(ans)),
       lambda t, ans, x, mean=None, cov=1, allow_singular=False:
       np.reshape(_mvn_cov_tangent(t, x, mean, cov), np.shape(ans)),
       None)
defjvp(stats.multivariate_normal.pdf,
       lambda t, ans, x, mean=None, cov=1, allow_singular=False:
       -ans * np.reshape(np.sum(t * _whitened(x, mean, cov), -1), np.shape(ans)),
       lambda t, ans, x, mean=None, cov=1, allow_singular=False:
       ans * np.reshape(np.sum(t * _whitened(x, mean, cov), -1), np.shape(ans)),
       lambda t, ans, x, mean=None, cov=1, allow_singular=False:
       ans * np.reshape(_mvn_cov_tangent(t, x, mean, cov), np.shape(ans)),
       None)


# ---- Dirichlet: x holds one sample a column, alpha one entry a row of x ----------------------
@rule_helper
def _complete(x, alpha, value):
    """`value`, unless x has one row fewer than alpha (SciPy fills in the last): refused."""
    return (rt.unsupported("scipy.stats.dirichlet with x of one row fewer than alpha; pass "
                           "every component")
            if np.shape(x)[0] != np.shape(alpha)[0] else value)


@rule_helper
def _column(alpha, x):
    return np.reshape(alpha, np.shape(alpha) + (1,) * (np.ndim(x) - 1))


@rule_helper
def _alpha_slope(g, x, alpha):
    return (np.reshape(np.log(x), (np.shape(x)[0], -1)) @ np.reshape(g, -1)
            + np.sum(g) * (special.digamma(np.sum(alpha)) - special.digamma(alpha)))


@rule_helper
def _alpha_tangent(t, x, alpha):
    return t @ np.log(x) + np.sum(t * (special.digamma(np.sum(alpha)) - special.digamma(alpha)))


defvjp(stats.dirichlet.logpdf,
       lambda g, ans, x, alpha: _complete(x, alpha, g * (_column(alpha, x) - 1) / x),
       lambda g, ans, x, alpha: _complete(x, alpha, _alpha_slope(g, x, alpha)),
       name="scipy.stats.dirichlet.logpdf")
defvjp(stats.dirichlet.pdf,
       lambda g, ans, x, alpha: _complete(x, alpha, g * ans * (_column(alpha, x) - 1) / x),
       lambda g, ans, x, alpha: _complete(x, alpha, _alpha_slope(g * ans, x, alpha)),
       name="scipy.stats.dirichlet.pdf")
defjvp(stats.dirichlet.logpdf,
       lambda t, ans, x, alpha: _complete(x, alpha, np.sum(t * (_column(alpha, x) - 1) / x, 0)),
       lambda t, ans, x, alpha: _complete(x, alpha, _alpha_tangent(t, x, alpha)))
defjvp(stats.dirichlet.pdf,
       lambda t, ans, x, alpha:
       _complete(x, alpha, ans * np.sum(t * (_column(alpha, x) - 1) / x, 0)),
       lambda t, ans, x, alpha: _complete(x, alpha, ans * _alpha_tangent(t, x, alpha)))
