"""A model written as a class, differentiated through its `loss` method.

`ag.grad(model.loss)` differentiates the bound method with respect to its own
parameters (`self` is the model, read when the derivative runs): here a small
two-layer network whose weights are attributes, whose nonlinearity is an
attribute holding a function, and whose `loss` calls another method.

    loss(w) = mean((self.readout(tanh(self.W1 @ X.T)).T * w - Y) ** 2) + self.decay * |w|^2

A few steps of gradient descent on `w` (the output weights) follow, the model's
attributes changed between steps (the derivative reads them afresh). Run from
the repository root:

    python examples/model_class.py
"""
import numpy as np

import astgrad as ag


class TwoLayer:
    def __init__(self, W1, V, decay):
        self.W1 = W1
        self.V = V
        self.decay = decay
        self.act = np.tanh

    def features(self, X):
        return self.act(self.W1 @ X.T)

    def readout(self, H, w):
        return (self.V @ H) * w

    def loss(self, w, X, Y):
        pred = self.readout(self.features(X), w)
        return np.mean((pred - Y) ** 2) + self.decay * np.sum(w ** 2)

    @staticmethod
    def target(X):
        return np.sin(X[:, 0]) + 0.5 * X[:, 1]


rng = np.random.default_rng(0)
X = rng.standard_normal((20, 2))
model = TwoLayer(rng.standard_normal((5, 2)), rng.standard_normal((1, 5)), 0.01)
Y = TwoLayer.target(X)[None, :]
w = np.ones(1)

# The gradient by astgrad, against central differences.
g = ag.grad(model.loss)(w, X, Y)
eps = 1e-6
fd = (model.loss(w + eps, X, Y) - model.loss(w - eps, X, Y)) / (2 * eps)
print("gradient:", float(g[0]))
print("finite differences:", fd)
# The closed form: d/dw mean((a w - y)^2) + decay w^2 = mean(2 a (a w - y)) + 2 decay w.
a = model.V @ np.tanh(model.W1 @ X.T)
print("closed form:", float(np.mean(2 * a * (a * w - Y)) + 2 * model.decay * w[0]))

df = ag.grad(model.loss)
losses = []
for step in range(5):
    losses.append(model.loss(w, X, Y))
    w = w - 0.1 * df(w, X, Y)
print("losses:", [round(float(v), 6) for v in losses])

model.decay = 1.0                       # an attribute changed: the same df reads it
print("gradient with decay 1:", float(df(w, X, Y)[0]))
print("closed form with decay 1:", float(np.mean(2 * a * (a * w - Y)) + 2 * 1.0 * w[0]))
ag.check_grads(model.loss, (w, X, Y), order=2)
print("check_grads order 2: ok")
