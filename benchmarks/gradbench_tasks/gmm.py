"""GradBench `gmm`: log-posterior of a Gaussian mixture with a Wishart prior on the precisions.

Parameters (GradBench's input): `alpha` (k,) unnormalised log weights, `mu` (k, d) means, `q`
(k, d) logs of the diagonals of the precision factors, `lower` (k, d(d-1)/2) their strictly
lower triangles column by column (GradBench's `l`); data `x` (n, d); Wishart `gamma` and `m`.
Component k's precision is Q_k^T Q_k with Q_k = diag(exp(q_k)) + L_k. The gradient is taken
with respect to (alpha, mu, q, lower). Inputs are drawn as ADBench's generator draws them:
alpha, q, lower, x standard normal, mu uniform on [0, 1), gamma = 1, m = 0.
"""
import math

import numpy as np


def logsumexp(a, axis=None):
    """log(sum(exp(a))) along `axis`, shifted by the maximum so that exp cannot overflow."""
    top = np.max(a, axis=axis, keepdims=True)
    return np.log(np.sum(np.exp(a - top), axis=axis)) + np.squeeze(top, axis=axis)


def lower_triangles(lower, d):
    """The (k, d, d) strictly lower-triangular factors whose columns are stored in `lower`."""
    k = lower.shape[0]
    columns = []
    start = 0
    for i in range(d):
        stop = start + d - i - 1
        columns.append(np.concatenate((np.zeros((k, i + 1)), lower[:, start:stop]), axis=1))
        start = stop
    return np.stack(columns, axis=2)


def log_gamma_distrib(a, p):
    """Log of the multivariate gamma function Gamma_p(a)."""
    out = 0.25 * p * (p - 1) * math.log(math.pi)
    for j in range(1, p + 1):
        out = out + math.lgamma(a + 0.5 * (1 - j))
    return out


def log_normalizer(n, d, k, gamma, m):
    """The terms free of parameters: the Gaussians' and the k Wishart normalising constants."""
    wishart_n = d + m + 1
    c = (wishart_n * d * (math.log(gamma) - 0.5 * math.log(2))
         - log_gamma_distrib(0.5 * wishart_n, d))
    return -n * d * 0.5 * math.log(2 * math.pi) + k * c


def log_posterior(alpha, mu, q, lower, x, gamma, m, constant):
    """The objective, given its parameter-free part `constant` (see `log_normalizer`)."""
    n, d = x.shape
    xc = x[:, None, :] - mu[None, :, :]                       # (n, k, d)
    qxc = np.exp(q) * xc + np.einsum("kij,nkj->nki", lower_triangles(lower, d), xc)
    main = alpha + np.sum(q, axis=1) - 0.5 * np.sum(qxc ** 2, axis=2)
    frobenius = np.sum(np.exp(q) ** 2, axis=1) + np.sum(lower ** 2, axis=1)
    prior = np.sum(0.5 * gamma * gamma * frobenius - m * np.sum(q, axis=1))
    return constant + np.sum(logsumexp(main, axis=1)) - n * logsumexp(alpha) - prior


def objective(alpha, mu, q, lower, x, gamma, m):
    n, d = x.shape
    constant = log_normalizer(n, d, alpha.shape[0], gamma, m)
    return log_posterior(alpha, mu, q, lower, x, gamma, m, constant)


def gradient(alpha, mu, q, lower, x, gamma, m, constant=None):
    """Hand-written gradient with respect to (alpha, mu, q, lower)."""
    n, d = x.shape
    qdiag = np.exp(q)
    L = lower_triangles(lower, d)
    xc = x[:, None, :] - mu[None, :, :]
    qxc = qdiag * xc + np.einsum("kij,nkj->nki", L, xc)
    main = alpha + np.sum(q, axis=1) - 0.5 * np.sum(qxc ** 2, axis=2)
    resp = np.exp(main - logsumexp(main, axis=1)[:, None])       # (n, k) responsibilities
    weights = np.exp(alpha - logsumexp(alpha))
    g = -resp[:, :, None] * qxc                                   # adjoint of qxc
    d_alpha = np.sum(resp, axis=0) - n * weights
    d_mu = -np.sum(qdiag * g + np.einsum("kij,nki->nkj", L, g), axis=0)
    d_q = (np.sum(resp, axis=0)[:, None] + qdiag * np.sum(g * xc, axis=0)
           - gamma * gamma * qdiag ** 2 + m)
    d_L = np.einsum("nki,nkj->kij", g, xc)
    cols, rows = np.triu_indices(d, 1)            # column-by-column order of `lower`
    d_l = d_L[:, rows, cols] - gamma * gamma * lower
    return d_alpha, d_mu, d_q, d_l


def generate(d, k, n, seed=31337):
    """(alpha, mu, q, lower, x, gamma, m), drawn like ADBench's GMM generator."""
    rng = np.random.default_rng(seed)
    alpha = rng.standard_normal(k)
    mu = rng.random((k, d))
    q = rng.standard_normal((k, d))
    lower = rng.standard_normal((k, d * (d - 1) // 2))
    x = rng.standard_normal((n, d))
    return alpha, mu, q, lower, x, 1.0, 0


HAND = {"objective": gradient, "log_posterior": gradient}
