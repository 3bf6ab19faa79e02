"""Black-box variational inference: fit a diagonal Gaussian q(z) = N(mu, sigma^2) to a
target density by stochastic gradient ascent on the ELBO, with the
reparameterization z = mu + sigma * eps.

The noise eps is drawn inside the objective with `np.random.default_rng(seed)`:
the draw depends on no parameter, so it runs as it is (no derivative rule
needed) and the seed fixes it, which makes each step's gradient reproducible.
"""
import numpy as np

import astgrad as ag

TARGET_MEAN = np.array([1.0, -2.0])
TARGET_STD = np.array([0.5, 2.0])


def log_target(z):
    return -0.5 * np.sum(((z - TARGET_MEAN) / TARGET_STD) ** 2, axis=1)


def elbo(params, seed, samples=64):
    rng = np.random.default_rng(seed)
    eps = rng.standard_normal((samples, 2))
    sigma = np.exp(params["log_sigma"])
    z = params["mu"] + sigma * eps
    return np.mean(log_target(z)) + np.sum(params["log_sigma"])   # + entropy, up to a constant


params = {"mu": np.zeros(2), "log_sigma": np.zeros(2)}
delbo = ag.grad(elbo)
g = delbo(params, 0)
print("gradient at the start, mu:", np.array2string(g["mu"], precision=10, separator=", "))
print("gradient at the start, log_sigma:",
      np.array2string(g["log_sigma"], precision=10, separator=", "))

for step in range(300):
    g = delbo(params, step)
    params = {k: v + 0.05 * g[k] for k, v in params.items()}
print("fitted mu:", np.array2string(params["mu"], precision=2, separator=", "))
print("fitted sigma:", np.array2string(np.exp(params["log_sigma"]), precision=2, separator=", "))
