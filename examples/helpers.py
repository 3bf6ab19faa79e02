"""Gradients through your own helper functions: a two-layer perceptron.

The loss below is written the way one writes a model: out of small functions,
`dense` (an affine layer), `activation` (chosen by a string keyword), `mlp`
(the network, passing its keyword arguments on) and `mse` (the error). astgrad
follows the calls: it reads each helper's source too, binds the arguments, fills
in defaults, and inlines small helpers into one gradient function. The string
`kind` is a constant, so `if kind == "tanh":` is decided when the code is
generated (it prints as `if True:`) and the derivative follows the branch taken.

PyTorch equivalent:

    loss = mse(mlp(X, W1, b1, W2, b2), Y)        # the same helpers, torch ops
    loss.backward()                              # W1.grad, b1.grad, W2.grad, b2.grad

Run from the repository root:

    python examples/helpers.py
"""
import numpy as np

import astgrad as ag


def dense(x, W, b=0.0):
    return x @ W + b


def activation(z, kind="tanh"):
    if kind == "tanh":
        return np.tanh(z)
    if kind == "softplus":
        return np.log(1.0 + np.exp(z))
    return z


def mlp(x, W1, b1, W2, b2, kind="tanh"):
    h = activation(dense(x, W1, b1), kind=kind)
    return dense(h, W2, b=b2)


def mse(pred, target):
    return np.mean((pred - target) ** 2)


def loss(W1, b1, W2, b2, X, Y):
    return mse(mlp(X, W1, b1, W2, b2), Y)         # kind: the default, "tanh"


def loss_softplus(W1, b1, W2, b2, X, Y):
    return mse(mlp(X, W1, b1, W2, b2, kind="softplus"), Y)


# A regression problem: 32 points in 3-d, two targets; 3 -> 6 hidden -> 2.
rng = np.random.default_rng(1)
X = rng.standard_normal((32, 3))
Y = np.stack([np.sin(X[:, 0]), X[:, 1] * X[:, 2]], axis=1)
W1 = 0.5 * rng.standard_normal((3, 6))
b1 = 0.1 * rng.standard_normal(6)
W2 = 0.5 * rng.standard_normal((6, 2))
b2 = np.zeros(2)
NAMES = ("W1", "b1", "W2", "b2")


def finite_difference(f, params, k, eps=1e-6):
    """Central differences of f with respect to params[k], one entry at a time."""
    p = params[k]
    fd = np.zeros_like(p)
    for i in np.ndindex(p.shape):
        old = p[i]
        p[i] = old + eps
        up = f(*params, X, Y)
        p[i] = old - eps
        down = f(*params, X, Y)
        p[i] = old
        fd[i] = (up - down) / (2 * eps)
    return fd


grad_fns = {}
for f in (loss, loss_softplus):
    grad_fn = ag.grad(f, wrt=(0, 1, 2, 3))        # W1, b1, W2, b2
    grads = grad_fn(W1, b1, W2, b2, X, Y)
    grad_fns[f.__name__] = grad_fn
    print(f"{f.__name__} = {f(W1, b1, W2, b2, X, Y):.6f}; astgrad against central "
          f"finite differences (eps = 1e-6):")
    params = [W1, b1, W2, b2]
    for k, name in enumerate(NAMES):
        fd = finite_difference(f, params, k)
        print(f"  {f.__name__} d/d {name}: max |gradient| = {np.max(np.abs(grads[k])):.4f}, "
              f"max |astgrad - finite difference| = {np.max(np.abs(grads[k] - fd)):.2e}")

print("\nGenerated code for ag.grad(loss, wrt=(0, 1, 2, 3)): the helpers inlined")
print(ag.source(grad_fns["loss"]))
