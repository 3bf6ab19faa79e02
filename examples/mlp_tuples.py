"""A two-layer network whose parameters are a list of `(W, b)` tuples, trained with
a few steps of SGD on a small synthetic regression problem.

`ag.grad(loss)` returns a gradient with the parameters' own structure: a list of
`(dW, db)` tuples, so the SGD step is one line over `zip(params, grads)`.

PyTorch equivalent: `nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))`
and `torch.optim.SGD(model.parameters(), lr=0.1)`.
"""
import numpy as np

import astgrad as ag


def predict(params, X):
    h = X
    for W, b in params[:-1]:
        h = np.tanh(h @ W + b)
    W, b = params[-1]
    return h @ W + b


def loss(params, X, y):
    return np.mean((predict(params, X)[:, 0] - y) ** 2)


rng = np.random.default_rng(0)
X = rng.normal(size=(32, 2))
y = np.sin(X[:, 0]) + 0.5 * X[:, 1]
params = [(0.5 * rng.normal(size=(2, 8)), np.zeros(8)),
          (0.5 * rng.normal(size=(8, 1)), np.zeros(1))]

dloss = ag.grad(loss)
grads = dloss(params, X, y)
print("gradient structure:", [tuple(g.shape for g in layer) for layer in grads])

# the gradient against central differences, one parameter entry
h = 1e-6
W0 = params[0][0].copy()
W0[1, 3] += h
up = loss([(W0, params[0][1]), params[1]], X, y)
W0[1, 3] -= 2 * h
down = loss([(W0, params[0][1]), params[1]], X, y)
print("dloss/dW1[1, 3] astgrad:", f"{grads[0][0][1, 3]:.10f}")
print("dloss/dW1[1, 3] finite differences:", f"{(up - down) / (2 * h):.10f}")

lr = 0.1
print("loss before:", f"{loss(params, X, y):.10f}")
for step in range(20):
    grads = dloss(params, X, y)
    params = [(W - lr * gW, b - lr * gb) for (W, b), (gW, gb) in zip(params, grads)]
print("loss after 20 steps:", f"{loss(params, X, y):.10f}")
