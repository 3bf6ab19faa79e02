"""The functions `bench_grad.py` differentiates, their hand-written derivatives and inputs.

Each differentiated function is made by a factory (`make_*`), so that a call gives a new
function object: astgrad caches generated code per function object, so a fresh one is a
fresh build. The functions call NumPy as `np`; `rebound(numpy_like)` is a copy of this
module whose `np` is another library's (`autograd.numpy`, `jax.numpy`), so autograd and JAX
differentiate the very same source. PyTorch's spelling differs, so its few functions are
written out at the end.

The hand-written derivatives are what an expert writes: shared subexpressions computed
once, no generality the inputs do not need (`seed_log_grad` is plain `math` on a float).
"""
from __future__ import annotations

import importlib
import importlib.util
import math

import numpy as np


def optional(name: str):
    """The module `name`, or None when it cannot be imported (for any reason)."""
    try:
        return importlib.import_module(name)
    except Exception:
        return None


def rebound(numpy_like):
    """A fresh copy of this module whose functions call `numpy_like` wherever they say `np`."""
    spec = importlib.util.spec_from_file_location(f"workloads_{numpy_like.__name__}", __file__)
    copy = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(copy)
    copy.np = numpy_like
    return copy


# -- scalar code ------------------------------------------------------------------------------

def make_poly():
    def poly(x, a, b, c):
        return a * x ** 2 + b * x + c
    return poly


def poly_grad(x, a, b, c):
    return 2 * a * x + b


def make_seed_log():
    def seed_log(x):
        return (np.sin(x) + x ** 2) / np.log(x)
    return seed_log


def seed_log_grad(x):
    lx = math.log(x)
    return ((math.cos(x) + 2 * x) * lx - (math.sin(x) + x * x) / x) / (lx * lx)


def make_seed_mean():
    def seed_mean(x):
        return np.mean(3 * (x + 2) * (x + 2))
    return seed_mean


def seed_mean_grad(x):
    return 6.0 / x.size * (x + 2)


def seed_mean_grad2(x):
    """d2/dx2 of mean(3 (x + 2)^2) for a float x: the constant a person writes down."""
    return 6.0


# -- elementwise code on 1e6 numbers ----------------------------------------------------------

def make_chain():
    def chain(x):
        return np.sum(np.tanh(np.sin(x) * x + np.exp(-x ** 2)))
    return chain


def chain_grad(x):
    s = np.sin(x)
    e = np.exp(-x * x)
    t = np.tanh(s * x + e)
    return (1 - t * t) * (np.cos(x) * x + s - 2 * x * e)


def make_elementwise():
    def elementwise(x):
        return np.sum(np.sin(x) * np.exp(-x ** 2) + x * np.cos(x))
    return elementwise


def elementwise_grad(x):
    c = np.cos(x)
    xs = x * np.sin(x)
    return np.exp(-x * x) * (c - 2 * xs) + c - xs


# -- models -----------------------------------------------------------------------------------

def make_logreg():
    def loss(w, X, y):
        return np.mean(np.log(1 + np.exp(-y * (X @ w))))
    return loss


def logreg_grad(w, X, y):
    z = X @ w
    e = np.exp(-y * z)
    return X.T @ (-y * e / (1 + e)) / len(y)


def logreg_hvp(w, X, y, v):
    s = 1 / (1 + np.exp(-y * (X @ w)))
    return X.T @ (s * (1 - s) * (X @ v)) / len(y)


def make_logreg_xent():
    def xent(w, X, y):
        p = 1 / (1 + np.exp(-X @ w))
        return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    return xent


def logreg_xent_grad(w, X, y):
    p = 1 / (1 + np.exp(-X @ w))
    return X.T @ (p - y) / len(y)


def make_mlp():
    def mlp(W1, b1, W2, b2, X, Y):
        h = np.tanh(X @ W1 + b1)
        z = h @ W2 + b2
        logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
        return -np.mean(np.sum(Y * logp, axis=1))
    return mlp


def mlp_grad(W1, b1, W2, b2, X, Y):
    """Backpropagation by hand; the rows of Y are one-hot, so dz is (softmax - Y) / n."""
    h = np.tanh(X @ W1 + b1)
    e = np.exp(h @ W2 + b2)
    dz = (e / np.sum(e, axis=1, keepdims=True) - Y) / X.shape[0]
    dh = (dz @ W2.T) * (1 - h * h)
    return X.T @ dh, np.sum(dh, axis=0), h.T @ dz, np.sum(dz, axis=0)


def make_rnn():
    def rnn(W, U, b, h0, X):
        h = h0
        for t in range(X.shape[0]):
            h = np.tanh(W @ h + U @ X[t] + b)
        return np.sum(h ** 2)
    return rnn


def rnn_grad(W, U, b, h0, X):
    """Backpropagation through time, by hand: keep every state, then walk back."""
    hs = [h0]
    h = h0
    for t in range(X.shape[0]):
        h = np.tanh(W @ h + U @ X[t] + b)
        hs.append(h)
    dW = np.zeros_like(W)
    dU = np.zeros_like(U)
    db = np.zeros_like(b)
    dh = 2 * h
    for t in range(X.shape[0] - 1, -1, -1):
        dz = dh * (1 - hs[t + 1] ** 2)
        dW += np.outer(dz, hs[t])
        dU += np.outer(dz, X[t])
        db += dz
        dh = W.T @ dz
    return dW, dU, db, dh


# -- whole matrices ---------------------------------------------------------------------------

def make_rosenbrock():
    def rosenbrock(x):
        return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
    return rosenbrock


def rosenbrock_hessian(x):
    """The closed-form Hessian: tridiagonal, written into a dense matrix."""
    n = x.shape[0]
    i = np.arange(n)
    H = np.zeros((n, n))
    d = np.zeros(n)
    d[:-1] = 1200.0 * x[:-1] ** 2 - 400.0 * x[1:] + 2.0
    d[1:] += 200.0
    H[i, i] = d
    H[i[:-1], i[1:]] = H[i[1:], i[:-1]] = -400.0 * x[:-1]
    return H


def make_reaction_diffusion():
    def residual(u):
        """-u'' = u (1 - u) on (0, 1), u = 0 at both ends, by central differences."""
        h = 1.0 / (u.shape[0] + 1)
        padded = np.concatenate([np.zeros(1), u, np.zeros(1)])
        return (padded[:-2] - 2.0 * u + padded[2:]) / h ** 2 + u * (1.0 - u)
    return residual


def reaction_diffusion_jacobian(u):
    """The residual's Jacobian by hand: tridiagonal, written into a dense matrix."""
    n = u.shape[0]
    i = np.arange(n)
    c = (n + 1.0) ** 2
    J = np.zeros((n, n))
    J[i, i] = -2.0 * c + 1.0 - 2.0 * u
    J[i[:-1], i[1:]] = J[i[1:], i[:-1]] = c
    return J


# -- a realistic 20-line function, for the time of a first call -------------------------------

def make_fit_loss():
    def fit_loss(w, X, y, lam):
        """Standardized logistic model, squared softplus hinge, L2 and smooth L1, a penalty."""
        n = X.shape[0]
        z = X @ w
        mu = np.mean(z)
        sd = np.sqrt(np.mean((z - mu) ** 2) + 1e-8)
        zn = (z - mu) / sd
        p = 1.0 / (1.0 + np.exp(-zn))
        nll = -np.sum(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)) / n
        margin = 1.0 - (2.0 * y - 1.0) * zn
        hinge = np.mean(np.log1p(np.exp(margin)) ** 2)
        l2 = 0.5 * lam * np.sum(w ** 2)
        smooth_l1 = lam * np.sum(np.sqrt(w ** 2 + 0.01))
        penalty = 0.0
        for k in range(3):
            penalty = penalty + np.sum(np.tanh((k + 1.0) * w) ** 2)
        if lam > 0.1:
            penalty = 2.0 * penalty
        total = nll + 0.1 * hinge + l2 + 0.01 * smooth_l1
        return total + 1e-3 * penalty
    return fit_loss


# -- inputs -----------------------------------------------------------------------------------

def logreg_data(n: int, d: int, seed: int, labels=(-1.0, 1.0)):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = np.where(rng.random(n) < 0.5, *labels)
    w = 0.1 * rng.standard_normal(d)
    return w, X, y


def hvp_data(n: int, d: int, seed: int):
    w, X, y = logreg_data(n, d, seed)
    return w, X, y, np.random.default_rng(seed + 1).standard_normal(d)


def mlp_data(batch: int, sizes: tuple[int, int, int], seed: int):
    rng = np.random.default_rng(seed)
    n_in, n_hidden, n_out = sizes
    W1 = rng.standard_normal((n_in, n_hidden)) / np.sqrt(n_in)
    b1 = 0.1 * rng.standard_normal(n_hidden)
    W2 = rng.standard_normal((n_hidden, n_out)) / np.sqrt(n_hidden)
    b2 = 0.1 * rng.standard_normal(n_out)
    X = rng.random((batch, n_in))
    Y = np.eye(n_out)[rng.integers(0, n_out, batch)]
    return W1, b1, W2, b2, X, Y


def rnn_data(T: int, hidden: int, inputs: int, seed: int):
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((hidden, hidden)) / np.sqrt(hidden)
    U = rng.standard_normal((hidden, inputs)) / np.sqrt(inputs)
    b = 0.1 * rng.standard_normal(hidden)
    h0 = 0.5 * rng.standard_normal(hidden)
    X = rng.standard_normal((T, inputs))
    return W, U, b, h0, X


def fit_loss_data(seed: int):
    w, X, y = logreg_data(200, 20, seed, labels=(0.0, 1.0))
    return w, X, y, 0.3


# -- PyTorch's spelling of the single-argument rows -------------------------------------------

def torch_functions(torch) -> dict:
    """Row factory name -> the same function written with `torch`."""
    def poly(x, a, b, c):
        return a * x ** 2 + b * x + c

    def logreg(w, X, y):
        return torch.mean(torch.log(1 + torch.exp(-y * (X @ w))))

    def xent(w, X, y):
        p = 1 / (1 + torch.exp(-X @ w))
        return -torch.mean(y * torch.log(p) + (1 - y) * torch.log(1 - p))

    def chain(x):
        return torch.sum(torch.tanh(torch.sin(x) * x + torch.exp(-x ** 2)))

    def elementwise(x):
        return torch.sum(torch.sin(x) * torch.exp(-x ** 2) + x * torch.cos(x))
    return {"make_poly": poly, "make_logreg": logreg, "make_logreg_xent": xent,
            "make_chain": chain, "make_elementwise": elementwise}
