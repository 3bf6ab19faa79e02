"""The `scipy.stats` rules against finite differences in reverse, forward and
second order: every method with respect to the data and to each parameter,
positional and by keyword, with broadcasting; a cdf's slope in a shape parameter
refused; multivariate_normal (its cov read from the lower triangle) and dirichlet
(x kept on the simplex)."""
import numpy as np
import pytest

stats = pytest.importorskip("scipy.stats")

import astgrad as ag  # noqa: E402
from astgrad.errors import NoRuleError  # noqa: E402

_r = np.random.default_rng(20261127)
x = np.array([0.3, -1.2, 0.8, 0.05])
xp = np.array([0.3, 1.2, 2.8, 0.9])            # positive
xb = np.array([0.3, 0.45, 0.8, 0.12])          # in (0, 1)
col = np.array([[0.7], [1.3], [0.9]])          # a column: broadcasts against the data


# ---- each distribution, each method: one user function a case, the data a vector -------------
def norm_logpdf(x, loc, scale):
    return np.sum(stats.norm.logpdf(x, loc, scale))


def norm_pdf(x, loc, scale):
    return np.sum(stats.norm.pdf(x, loc=loc, scale=scale))


def norm_cdf(x, loc, scale):
    return np.sum(stats.norm.cdf(x, loc, scale=scale))


def norm_logcdf(x, loc, scale):
    return np.sum(stats.norm.logcdf(x, loc, scale))


def t_logpdf(x, df, loc, scale):
    return np.sum(stats.t.logpdf(x, df, loc, scale))


def t_pdf(x, df, loc, scale):
    return np.sum(stats.t.pdf(x, df=df, loc=loc, scale=scale))


def t_cdf(x, df, loc, scale):
    return np.sum(stats.t.cdf(x, df, loc, scale))


def t_logcdf(x, df, loc, scale):
    return np.sum(stats.t.logcdf(x, df, loc=loc, scale=scale))


def gamma_logpdf(x, a, loc, scale):
    return np.sum(stats.gamma.logpdf(x, a, loc, scale))


def gamma_pdf(x, a, loc, scale):
    return np.sum(stats.gamma.pdf(x, a=a, loc=loc, scale=scale))


def gamma_cdf(x, a, loc, scale):
    return np.sum(stats.gamma.cdf(x, a, loc, scale))


def gamma_logcdf(x, a, loc, scale):
    return np.sum(stats.gamma.logcdf(x, a, loc, scale))


def chi2_logpdf(x, df, loc, scale):
    return np.sum(stats.chi2.logpdf(x, df, loc=loc, scale=scale))


def chi2_pdf(x, df, loc, scale):
    return np.sum(stats.chi2.pdf(x, df, loc, scale))


def chi2_cdf(x, df, loc, scale):
    return np.sum(stats.chi2.cdf(x, df=df, loc=loc, scale=scale))


def chi2_logcdf(x, df, loc, scale):
    return np.sum(stats.chi2.logcdf(x, df, loc, scale))


def beta_logpdf(x, a, b, loc, scale):
    return np.sum(stats.beta.logpdf(x, a, b, loc, scale))


def beta_pdf(x, a, b, loc, scale):
    return np.sum(stats.beta.pdf(x, a=a, b=b, loc=loc, scale=scale))


def beta_cdf(x, a, b, loc, scale):
    return np.sum(stats.beta.cdf(x, a, b, loc, scale))


def beta_logcdf(x, a, b, loc, scale):
    return np.sum(stats.beta.logcdf(x, a, b, loc, scale))


LOC_SCALE = (0.1, 1.3)
CASES = [
    (norm_logpdf, (x, 0.4, 1.3), (0, 1, 2)), (norm_pdf, (x, 0.4, 1.3), (0, 1, 2)),
    (norm_cdf, (x, 0.4, 1.3), (0, 1, 2)), (norm_logcdf, (x, 0.4, 1.3), (0, 1, 2)),
    (t_logpdf, (x, 3.5, 0.4, 1.3), (0, 1, 2, 3)), (t_pdf, (x, 3.5, 0.4, 1.3), (0, 1, 2, 3)),
    (t_cdf, (x, 3.5, 0.4, 1.3), (0, 2, 3)), (t_logcdf, (x, 3.5, 0.4, 1.3), (0, 2, 3)),
    (gamma_logpdf, (xp, 2.5, *LOC_SCALE), (0, 1, 2, 3)),
    (gamma_pdf, (xp, 2.5, *LOC_SCALE), (0, 1, 2, 3)),
    (gamma_cdf, (xp, 2.5, *LOC_SCALE), (0, 2, 3)),
    (gamma_logcdf, (xp, 2.5, *LOC_SCALE), (0, 2, 3)),
    (chi2_logpdf, (xp, 3.5, *LOC_SCALE), (0, 1, 2, 3)),
    (chi2_pdf, (xp, 3.5, *LOC_SCALE), (0, 1, 2, 3)),
    (chi2_cdf, (xp, 3.5, *LOC_SCALE), (0, 2, 3)),
    (chi2_logcdf, (xp, 3.5, *LOC_SCALE), (0, 2, 3)),
    (beta_logpdf, (xb, 2.5, 1.7, -0.1, 1.2), (0, 1, 2, 3, 4)),
    (beta_pdf, (xb, 2.5, 1.7, -0.1, 1.2), (0, 1, 2, 3, 4)),
    (beta_cdf, (xb, 2.5, 1.7, -0.1, 1.2), (0, 3, 4)),
    (beta_logcdf, (xb, 2.5, 1.7, -0.1, 1.2), (0, 3, 4)),
]


@pytest.mark.parametrize("f, args, wrt", CASES, ids=[c[0].__name__ for c in CASES])
def test_univariate_rules(f, args, wrt):
    ag.check_grads(f, args, wrt=wrt, order=2)


@pytest.mark.parametrize("f, args", [
    (norm_logpdf, (x, col, 1.3)), (norm_pdf, (x, 0.4, col)), (gamma_cdf, (xp, 2.5, 0.1, col)),
    (beta_logpdf, (xb, col + 1.0, 1.7, 0.0, 1.0))])
def test_parameters_broadcast_against_the_data(f, args):
    ag.check_grads(f, args, wrt=tuple(range(len(args))) if f is not gamma_cdf else (0, 3),
                   order=2)


def test_a_float_in_a_float_out():
    ag.check_grads(lambda a, m: stats.norm.logpdf(a, m, 2.0) * stats.t.cdf(a, 4.0),
                   (0.3, -0.2), wrt=(0, 1), order=2)


# ---- Poisson: the count is piecewise constant; mu carries the derivative ---------------------
def poisson_logpmf(mu):
    return np.sum(stats.poisson.logpmf(np.array([0.0, 2.0, 5.0]), mu))


def poisson_pmf(mu):
    return np.sum(stats.poisson.pmf(np.array([0.0, 2.0, 5.0]), mu))


def poisson_cdf(mu):
    return np.sum(stats.poisson.cdf(np.array([0.0, 2.5, 5.0]), mu))


def poisson_logcdf(mu):
    return np.sum(stats.poisson.logcdf(np.array([1.0, 2.0, 7.0]), mu=mu))


@pytest.mark.parametrize("f", [poisson_logpmf, poisson_pmf, poisson_cdf, poisson_logcdf])
def test_poisson_rules(f):
    ag.check_grads(f, (2.3,), order=2)
    ag.check_grads(f, (np.array([0.7, 2.3, 4.1]),), order=2)


# ---- refused: a cdf's slope in a shape parameter ---------------------------------------------
def _t_cdf_df(df):
    return stats.t.cdf(0.4, df)


def _beta_cdf_b(b):
    return stats.beta.logcdf(0.4, 2.0, b)


@pytest.mark.parametrize("f", [_t_cdf_df, _beta_cdf_b])
def test_a_cdf_in_its_shape_parameter_is_refused(f):
    with pytest.raises(NoRuleError, match="cdf with respect to"):
        ag.grad(f)(2.5)
    with pytest.raises(NoRuleError, match="cdf with respect to"):
        ag.jvp(f)(2.5, 1.0)


# ---- multivariate normal ------------------------------------------------------------------
_L = np.tril(_r.uniform(0.2, 1.0, (3, 3))) + np.eye(3)
COV = _L @ _L.T
X = _r.standard_normal((4, 3))
MEAN = _r.standard_normal(3)


def mvn_logpdf(X, mean, cov):
    return np.sum(stats.multivariate_normal.logpdf(X, mean, cov))


def mvn_pdf(X, mean, cov):
    return np.sum(stats.multivariate_normal.pdf(X, mean=mean, cov=cov))


def mvn_one(x, mean, cov):
    return stats.multivariate_normal.logpdf(x, mean=mean, cov=cov)


def mvn_no_mean(X, cov):
    return np.sum(stats.multivariate_normal.logpdf(X, cov=cov))


@pytest.mark.parametrize("f, args", [(mvn_logpdf, (X, MEAN, COV)), (mvn_pdf, (X, MEAN, COV)),
                                     (mvn_one, (X[0], MEAN, COV)), (mvn_no_mean, (X, COV))])
def test_multivariate_normal(f, args):
    ag.check_grads(f, args, wrt=tuple(range(len(args))), order=2)


def test_multivariate_normal_reads_the_lower_triangle_of_cov():
    grad = ag.grad(mvn_logpdf, wrt=2)(X, MEAN, COV)
    assert np.all(np.triu(grad, 1) == 0.0) and np.any(np.tril(grad, -1) != 0.0)


def test_a_cov_that_is_not_a_matrix_is_refused():
    with pytest.raises(NoRuleError, match="cov that is not a matrix"):
        ag.grad(mvn_logpdf)(X[:, :1], MEAN[:1], 2.0)
    with pytest.raises(NoRuleError, match="samples of cov's dimension"):   # 4 samples of 1
        ag.grad(mvn_logpdf)(X[:, 0], MEAN[:1], np.eye(1))


# ---- Dirichlet: x on the simplex, its last entry one minus the others -------------------------
ALPHA = np.array([1.5, 2.0, 3.0])


def dirichlet_logpdf(u, alpha):
    return stats.dirichlet.logpdf(np.concatenate([u, 1 - np.sum(u, keepdims=True)]), alpha)


def dirichlet_pdf(U, alpha):
    return np.sum(stats.dirichlet.pdf(np.concatenate([U, 1 - np.sum(U, 0, keepdims=True)], 0),
                                      alpha))


@pytest.mark.parametrize("f, u", [(dirichlet_logpdf, np.array([0.2, 0.3])),
                                  (dirichlet_pdf, np.array([[0.2, 0.3], [0.3, 0.3]]))])
def test_dirichlet(f, u):
    ag.check_grads(f, (u, ALPHA), wrt=(0, 1), order=2)


def _dirichlet_short(alpha):
    return stats.dirichlet.logpdf(np.array([0.2, 0.3]), alpha)


def test_dirichlet_with_the_last_component_left_out_is_refused():
    with pytest.raises(NoRuleError, match="one row fewer than alpha"):
        ag.grad(_dirichlet_short)(ALPHA)


def test_the_generated_code_calls_the_distribution():
    code = ag.source(ag.grad(norm_cdf, wrt=(0, 1, 2)))
    assert "stats.norm.pdf(x, loc, scale)" in code
