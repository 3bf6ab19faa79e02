"""The log marginal likelihood of a Gaussian process with a squared-exponential
kernel, through a Cholesky factorization, differentiated with respect to its
kernel hyperparameters, held in a dict (log length scale, log signal and noise
standard deviations), and maximized by gradient ascent.
"""
import numpy as np

import astgrad as ag


def log_marginal_likelihood(hyper, x, y):
    ell, sf, sn = np.exp(hyper["log_ell"]), np.exp(hyper["log_sf"]), np.exp(hyper["log_sn"])
    d = x[:, None] - x[None, :]
    K = sf ** 2 * np.exp(-0.5 * d ** 2 / ell ** 2) + sn ** 2 * np.eye(len(x))
    L = np.linalg.cholesky(K)
    alpha = np.linalg.solve(L.T, np.linalg.solve(L, y))
    return (-0.5 * y @ alpha - np.sum(np.log(np.diag(L)))
            - 0.5 * len(x) * np.log(2 * np.pi))


rng = np.random.default_rng(2)
x = np.linspace(0.0, 5.0, 12)
y = np.sin(x) + 0.1 * rng.normal(size=12)
hyper = {"log_ell": 0.0, "log_sf": 0.0, "log_sn": -1.0}

dlml = ag.grad(log_marginal_likelihood)
g = dlml(hyper, x, y)
print("log marginal likelihood:", f"{log_marginal_likelihood(hyper, x, y):.10f}")
for name in hyper:
    print(f"d/d{name}:", f"{g[name]:.10f}")

for step in range(50):
    g = dlml(hyper, x, y)
    hyper = {k: v + 0.05 * g[k] for k, v in hyper.items()}
print("after 50 steps of gradient ascent:", f"{log_marginal_likelihood(hyper, x, y):.10f}")
