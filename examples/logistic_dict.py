"""Logistic regression whose parameters are a dict, fitted by gradient descent.

The gradient is a dict with the same keys: `{"w": dloss/dw, "b": dloss/db}`, and
the generated code reads `params["w"]` and writes `bparams["w"]` as you would.
"""
import numpy as np

import astgrad as ag


def loss(params, X, t):
    """Mean negative log-likelihood of labels t in {-1, 1}, plus a small L2 penalty."""
    z = X @ params["w"] + params["b"]
    return np.mean(np.logaddexp(0.0, -t * z)) + 0.01 * np.sum(params["w"] ** 2)


rng = np.random.default_rng(1)
X = rng.normal(size=(50, 3))
t = np.where(X @ np.array([1.5, -2.0, 0.5]) + 0.3 > 0, 1.0, -1.0)
params = {"w": np.zeros(3), "b": 0.0}

dloss = ag.grad(loss)
g = dloss(params, X, t)
print("gradient keys:", list(g))
print("gradient at zero, w:", np.array2string(g["w"], precision=10, separator=", "))
print("gradient at zero, b:", f"{g['b']:.10f}")

for step in range(200):
    g = dloss(params, X, t)
    params = {k: params[k] - 0.5 * g[k] for k in params}
print("loss after 200 steps:", f"{loss(params, X, t):.10f}")
print("training accuracy:", np.mean(np.sign(X @ params["w"] + params["b"]) == t))
print(ag.source(dloss))
