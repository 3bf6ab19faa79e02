"""Programs as people already write them (ports of autograd's examples, of PyTorch
tutorials, optimisation, physics and statistics code), not adapted to astgrad. Each
is differentiated with the transform its author would call (`ag.grad`,
`ag.value_and_grad`, `ag.jvp`, `ag.hessian`, with `wrt=` as they would write it)
and checked against central differences in float64 along a random direction of
every differentiated argument; the caller's arguments must be left as they were.
What examples/ already shows (an RNN, a char-LSTM, a GP by Cholesky, BBVI, an
MLP of `(W, b)` tuples, an RK4 integrator returning early) is not repeated here.
"""
import copy
import functools
import logging
import math

import numpy as np
import pytest

import astgrad as ag

scipy_special = pytest.importorskip("scipy.special")
from scipy.special import gammaln, logsumexp  # noqa: E402
from scipy.stats import multivariate_normal as mvn  # noqa: E402

logger = logging.getLogger("astgrad.tests.user_programs")
RNG = np.random.default_rng(2024)


# ---- checking ------------------------------------------------------------------------------
def _leaves(tree):
    if isinstance(tree, dict):
        return [v for k in tree for v in _leaves(tree[k])]
    if isinstance(tree, (list, tuple)):
        return [v for item in tree for v in _leaves(item)]
    return [tree]


def _direction(tree, rng):
    """A random tree of `tree`'s structure: floats and float arrays get random
    values, anything else (ints, strings) stays."""
    if isinstance(tree, dict):
        return {k: _direction(v, rng) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        items = [_direction(v, rng) for v in tree]
        return type(tree)(*items) if hasattr(tree, "_fields") else type(tree)(items)
    if isinstance(tree, float):
        return float(rng.normal())
    if isinstance(tree, np.ndarray) and tree.dtype.kind == "f":
        return rng.normal(size=tree.shape)
    return None


def _moved(tree, d, t):
    if isinstance(tree, dict):
        return {k: _moved(v, d[k], t) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        items = [_moved(v, e, t) for v, e in zip(tree, d)]
        return type(tree)(*items) if hasattr(tree, "_fields") else type(tree)(items)
    return tree if d is None else tree + t * d


def _dot(g, d):
    return sum(float(np.sum(np.asarray(a) * b)) for a, b in zip(_leaves(g), _leaves(d))
               if b is not None)


def fd_slope(f, args, positions, dirs, h=1e-6):
    """d/dt f(args + t dirs) at 0 by a central difference."""
    def at(t):
        moved = list(copy.deepcopy(args))
        for p, d in zip(positions, dirs):
            moved[p] = _moved(args[p], d, t)
        return f(*moved)
    return (at(h) - at(-h)) / (2 * h)


def _positions(f, wrt):
    import inspect
    names = list(inspect.signature(f).parameters)
    items = wrt if isinstance(wrt, tuple) else (wrt,)
    return [names.index(w) if isinstance(w, str) else w for w in items]


def check(f, args, wrt=0, how="grad", seed=0, rtol=1e-6, atol=1e-8):
    """Differentiate `f` as `how` says, compare with central differences, and check
    the caller's arguments are left as they were."""
    rng = np.random.default_rng(seed)
    positions = _positions(f, wrt)
    dirs = [_direction(args[p], rng) for p in positions]
    before = copy.deepcopy(args)
    numeric = fd_slope(f, args, positions, dirs)
    if how == "jvp":
        value, slope = ag.jvp(f, wrt=wrt)(*args, tuple(dirs) if isinstance(wrt, tuple)
                                          else dirs[0])
    else:
        if how == "value_and_grad":
            value, g = ag.value_and_grad(f, wrt=wrt)(*args)
        else:
            value, g = f(*args), ag.grad(f, wrt=wrt)(*args)
        gs = g if isinstance(wrt, tuple) else (g,)
        for arg, gi in zip((args[p] for p in positions), gs):   # the argument's own type
            assert type(gi) is type(arg) or isinstance(arg, float) and isinstance(gi, float)
        slope = sum(_dot(gi, d) for gi, d in zip(gs, dirs))
    np.testing.assert_allclose(value, f(*args), rtol=1e-12)
    assert abs(slope - numeric) <= atol + rtol * max(abs(slope), abs(numeric)), \
        f"{getattr(f, '__name__', f)}: astgrad {slope!r}, finite differences {numeric!r}"
    for a, b in zip(_leaves(args), _leaves(before)):
        if isinstance(a, np.ndarray):
            assert np.array_equal(a, b), "an argument was changed"


# ---- machine learning --------------------------------------------------------------------
def mlp_dropout_loss(params, X, y, p=0.2, seed=0):
    """A ReLU MLP with dropout noise drawn from a seeded generator inside."""
    rng = np.random.default_rng(seed)
    h = X
    for i, (W, b) in enumerate(params):
        h = h @ W + b
        if i < len(params) - 1:
            h = np.maximum(0, h)
            mask = rng.random(h.shape) > p
            h = h * mask / (1 - p)
    return np.mean((h.reshape(-1) - y) ** 2)


def neural_net_predict(params, inputs):
    """autograd's examples/neural_net.py."""
    for W, b in params:
        outputs = np.dot(inputs, W) + b
        inputs = np.tanh(outputs)
    return outputs - logsumexp(outputs, axis=1, keepdims=True)


def log_posterior(params, inputs, targets, L2_reg):
    log_prior = -L2_reg * sum(np.sum(W ** 2) + np.sum(b ** 2) for W, b in params)
    return log_prior + np.sum(neural_net_predict(params, inputs) * targets)


def unpack_gmm_params(params):
    normalized = params["log proportions"] - logsumexp(params["log proportions"])
    return normalized, params["means"], params["lower triangles"]


def mog_log_likelihood(params, data):
    """autograd's examples/gmm.py."""
    cluster_lls = []
    for log_proportion, mean, cov_sqrt in zip(*unpack_gmm_params(params)):
        cov = np.dot(cov_sqrt.T, cov_sqrt)
        cluster_lls.append(log_proportion + mvn.logpdf(data, mean, cov))
    return np.sum(logsumexp(np.vstack(cluster_lls), axis=0))


def hmm_log_partition(natural_params, data):
    """The forward algorithm of autograd's examples/hmm_em.py."""
    log_pi, log_A, log_B = natural_params
    log_alpha = log_pi
    for y in data:
        log_alpha = logsumexp(log_alpha[:, None] + log_A, axis=0) + log_B[:, y]
    return logsumexp(log_alpha)


def sine_loss(params, x, y):
    A, w, phi = params
    return np.mean((A * np.sin(w * x + phi) - y) ** 2)


def poly_loss(coeffs, x, y):
    """PyTorch's 'fit sin with a cubic' tutorial, in NumPy."""
    a, b, c, d = coeffs
    y_pred = a + b * x + c * x ** 2 + d * x ** 3
    loss = np.square(y_pred - y).sum()
    return loss


def two_layer_loss(w1, w2, x, y):
    """PyTorch's 'warm-up: numpy' two-layer net."""
    h = x.dot(w1)
    h_relu = np.maximum(h, 0)
    y_pred = h_relu.dot(w2)
    return np.square(y_pred - y).sum()


def logreg_loss(w, X, y, cfg):
    z = X @ w[:-1] + w[-1]
    p = 1.0 / (1.0 + np.exp(-z))
    p = np.clip(p, cfg["eps"], 1 - cfg["eps"])
    nll = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    if cfg["penalty"] == "l2":
        nll = nll + cfg["l2"] * np.sum(w[:-1] ** 2)
    elif cfg["penalty"] == "l1":
        nll = nll + cfg["l2"] * np.sum(np.abs(w[:-1]))
    return nll


def log_softmax_ce(logits, labels):
    logits = logits - logits.max(axis=-1, keepdims=True)
    logp = logits - np.log(np.sum(np.exp(logits), axis=-1, keepdims=True))
    return -logp[np.arange(len(labels)), labels].mean()


def softmax_regression(W, X, y):
    Y = np.eye(W.shape[1])[y]
    logits = X @ W
    logits -= logits.max(axis=1, keepdims=True)
    P = np.exp(logits)
    P /= P.sum(axis=1, keepdims=True)
    return -np.sum(Y * np.log(P)) / len(y)


def attention_loss(Q, K, V, target):
    scores = np.einsum("id,jd->ij", Q, K) / np.sqrt(Q.shape[-1])
    scores = scores - scores.max(axis=1, keepdims=True)
    w = np.exp(scores)
    w /= w.sum(axis=1, keepdims=True)
    return np.sum((np.einsum("ij,jd->id", w, V) - target) ** 2)


def batchnorm_loss(x, gamma, beta, eps=1e-5):
    xhat = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps)
    return np.sum((gamma * xhat + beta) ** 3) + x.std(axis=0).sum()


class Regressor:
    def __init__(self, n_features, alpha=0.1):
        self.n_features, self.alpha = n_features, alpha

    @property
    def n_params(self):
        return self.n_features + 1

    @staticmethod
    def activation(z):
        return np.tanh(z)

    def predict(self, w, X):
        return self.activation(X @ w[:-1] + w[-1])

    def loss(self, w, X, y):
        assert w.shape == (self.n_params,)
        return np.mean((self.predict(w, X) - y) ** 2) + self.alpha * np.sum(w[:-1] ** 2)


def ridge(w, X, y, lam):
    return np.sum((X @ w - y) ** 2) + lam * w @ w


def make_loss(X, y, lam=0.1):
    def loss(w):
        return ridge(w, X, y, lam)
    return loss


def logged_loss(w, X, y, verbose=False):
    err = X @ w - y
    loss = float(np.mean(err ** 2))
    logger.debug(f"loss={loss:.4f} |w|={np.linalg.norm(w):.3f}")
    if verbose:
        print(f"loss {loss}")
    return loss


def comprehension_loss(params, X):
    feats = [np.tanh(X @ params[name]) for name in sorted(params)]
    norms = {name: np.sum(p ** 2) for name, p in params.items()}
    return sum(f.sum() for f in feats) + 0.1 * sum(norms.values())


def layers_from_cfg(params, x, cfg):
    for i, size in enumerate(cfg["sizes"][1:]):
        W = params[f"W{i}"]
        x = np.tanh(x @ W) if i < len(cfg["sizes"]) - 2 else x @ W
    return float(np.sum(x ** 2))


def elastic_net(w, X, y, *, alpha=0.1, l1_ratio=0.5):
    r = y - X @ w
    return (0.5 * r @ r / len(y) + alpha * l1_ratio * np.abs(w).sum()
            + 0.5 * alpha * (1 - l1_ratio) * w @ w)


X12 = RNG.normal(size=(12, 3))
T12 = (RNG.random(12) > 0.5).astype(float)
X20 = np.linspace(-np.pi, np.pi, 20)
W3 = np.array([0.1, 0.2, -0.3])

ML = [
    (mlp_dropout_loss, ([(RNG.normal(size=(3, 5)), 0.1 * RNG.normal(size=5)),
                         (RNG.normal(size=(5, 1)), np.zeros(1))],
                        RNG.normal(size=(7, 3)), RNG.normal(size=7)), 0, "grad"),
    (log_posterior, ([(0.5 * RNG.normal(size=(4, 5)), 0.5 * RNG.normal(size=5)),
                      (0.5 * RNG.normal(size=(5, 3)), 0.5 * RNG.normal(size=3))],
                     RNG.normal(size=(6, 4)), np.eye(3)[[0, 2, 1, 1, 0, 2]], 0.1), 0, "grad"),
    (mog_log_likelihood, ({"log proportions": RNG.normal(size=3),
                           "means": RNG.normal(size=(3, 2)),
                           "lower triangles": np.eye(2) + 0.1 * RNG.normal(size=(3, 2, 2))},
                          RNG.normal(size=(10, 2))), 0, "grad"),
    (hmm_log_partition, ((RNG.normal(size=3), RNG.normal(size=(3, 3)), RNG.normal(size=(3, 4))),
                         np.array([0, 2, 1, 3, 3, 0])), 0, "grad"),
    (sine_loss, ((1.2, 0.9, 0.1), X20, 2.0 * np.sin(X20 + 0.5)), 0, "value_and_grad"),
    (poly_loss, (np.array([0.1, 0.9, -0.1, -0.15]), X20, np.sin(X20)), 0, "grad"),
    (two_layer_loss, (RNG.normal(size=(5, 6)), RNG.normal(size=(6, 2)), RNG.normal(size=(4, 5)),
                      RNG.normal(size=(4, 2))), (0, 1), "grad"),
    (logreg_loss, (np.array([0.2, -0.3, 0.1, 0.05]), X12, T12,
                   {"lr": 0.05, "eps": 1e-7, "penalty": "l2", "l2": 1e-2}), 0, "grad"),
    (log_softmax_ce, (RNG.normal(size=(4, 3)), np.array([0, 2, 1, 2])), 0, "grad"),
    (softmax_regression, (RNG.normal(size=(3, 4)), X12, RNG.integers(0, 4, size=12)), 0,
     "grad"),
    (attention_loss, tuple(RNG.normal(size=(3, 2)) for _ in range(4)), (0, 1, 2), "grad"),
    (batchnorm_loss, (X12[:5], np.array([1.0, 0.5, 2.0]), np.zeros(3)), (0, 1, 2), "grad"),
    (Regressor(3).loss, (np.array([0.1, 0.2, -0.3, 0.05]), X12, T12), "w", "grad"),
    (functools.partial(ridge, X=X12, y=T12, lam=0.3), (W3,), 0, "jvp"),
    (make_loss(X12, T12), (W3,), 0, "grad"),
    (lambda w: ridge(w, X12, T12, 0.3), (W3,), 0, "value_and_grad"),
    (logged_loss, (W3, X12, T12), 0, "grad"),
    (comprehension_loss, ({"a": W3, "b": -W3}, X12[:4]), 0, "grad"),
    (layers_from_cfg, ({"W0": RNG.normal(size=(3, 4)), "W1": RNG.normal(size=(4, 2))}, X12,
                       {"sizes": [3, 4, 2]}), 0, "grad"),
    (elastic_net, (W3, X12, T12), "w", "jvp"),
]


# ---- statistics ---------------------------------------------------------------------------
def bce_where(logits, y, eps=1e-12):
    p = 1 / (1 + np.exp(-logits))
    p = np.clip(p, eps, 1 - eps)
    return -np.mean(np.where(y == 1, np.log(p), np.log(1 - p)))


def poisson_nll(log_rate, counts):
    return np.sum(np.exp(log_rate) - counts * log_rate + gammaln(counts + 1))


def student_t_nll(params, x):
    mu, log_sigma, log_nu = params
    nu = np.exp(log_nu)
    z = (x - mu) / np.exp(log_sigma)
    logp = (gammaln((nu + 1) / 2) - gammaln(nu / 2) - 0.5 * np.log(nu * np.pi) - log_sigma
            - (nu + 1) / 2 * np.log1p(z ** 2 / nu))
    return -np.sum(logp)


def softplus_three_ways(x):
    a = np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0)
    b = np.logaddexp(0, x)
    c = np.where(x > 20, x, np.log(1 + np.exp(np.minimum(x, 20))))
    return np.sum(a + 2 * b + 3 * c)


def logsumexp_three_ways(x, X):
    m = x.max()
    a = m + np.log(np.sum(np.exp(x - m)))
    M = np.max(X, axis=1, keepdims=True)
    b = np.sum(M[:, 0] + np.log(np.exp(X - M).sum(axis=1)))
    return a + 2 * b + 3 * logsumexp(X, axis=0).sum()


def mvn_nll_slogdet(mu, S, X):
    n, d = X.shape
    sign, logdet = np.linalg.slogdet(S)
    R = X - mu
    quad = np.sum(R * np.linalg.solve(S, R.T).T)
    return 0.5 * (n * logdet + quad + n * d * np.log(2 * np.pi))


def mvn_nll_chol(params, X):
    mu, L_raw = params["mu"], params["L"]
    L = np.tril(L_raw)
    L[np.diag_indices_from(L)] = np.exp(np.diag(L_raw))
    C = np.linalg.cholesky(L @ L.T)
    Z = np.linalg.solve(C, (X - mu).T)
    return 0.5 * np.sum(Z ** 2) + X.shape[0] * np.sum(np.log(np.diag(C)))


def logistic_nll(w, X, t):
    z = X @ w
    return np.sum(np.logaddexp(0.0, z) - t * z)


A3 = RNG.normal(size=(3, 3))
STATS = [
    (bce_where, (RNG.normal(size=8), (RNG.random(8) > 0.5).astype(int)), 0, "grad"),
    (poisson_nll, (RNG.normal(size=6), np.array([0, 1, 3, 2, 0, 5])), 0, "grad"),
    (student_t_nll, (np.array([0.1, -0.2, 1.0]), RNG.standard_t(3, size=10)), 0, "grad"),
    (softplus_three_ways, (np.array([-3.0, -0.5, 0.3, 2.0, 25.0]),), 0, "jvp"),
    (logsumexp_three_ways, (RNG.normal(size=5), RNG.normal(size=(3, 4))), (0, 1), "grad"),
    (mvn_nll_slogdet, (RNG.normal(size=3), A3 @ A3.T + 3 * np.eye(3), RNG.normal(size=(7, 3))),
     (0, 1), "grad"),
    (mvn_nll_chol, ({"mu": RNG.normal(size=3), "L": 0.3 * RNG.normal(size=(3, 3))},
                    RNG.normal(size=(7, 3))), 0, "grad"),
    (logistic_nll, (RNG.normal(size=3), X12, T12), 0, "grad"),
]


# ---- physics and numerics ----------------------------------------------------------------
def double_pendulum_energy(theta, omega, m1=1.0, m2=1.0, l1=1.0, l2=1.0, g=9.81):
    t1, t2 = theta
    w1, w2 = omega
    T = (0.5 * (m1 + m2) * l1 ** 2 * w1 ** 2 + 0.5 * m2 * l2 ** 2 * w2 ** 2
         + m2 * l1 * l2 * w1 * w2 * np.cos(t1 - t2))
    V = -(m1 + m2) * g * l1 * np.cos(t1) - m2 * g * l2 * np.cos(t2)
    return T + V


def hamiltonian(state, m=1.0, k=2.0):
    q, p = state[:2], state[2:]
    return 0.5 * p @ p / m + 0.5 * k * q @ q


def nbody_potential(pos, masses, G=1.0, soft=1e-3):
    n = len(masses)
    U = 0.0
    for i in range(n):
        for j in range(i + 1, n):
            r = np.linalg.norm(pos[i] - pos[j])
            U -= G * masses[i] * masses[j] / np.sqrt(r ** 2 + soft ** 2)
    return U


def poisson_residual(u_flat, f, h):
    n = int(np.sqrt(u_flat.size))
    u = np.pad(u_flat.reshape(n, n), 1)
    lap = (u[2:, 1:-1] + u[:-2, 1:-1] + u[1:-1, 2:] + u[1:-1, :-2] - 4 * u[1:-1, 1:-1]) / h ** 2
    return 0.5 * np.sum((lap + f) ** 2)


def heat_residual(u, dt, dx, kappa=0.1):
    lap = (np.roll(u, -1, axis=1) - 2 * u + np.roll(u, 1, axis=1)) / dx ** 2
    return np.mean(((u[1:] - u[:-1]) / dt - kappa * lap[1:]) ** 2)


def rosen(x):
    """The Rosenbrock function, as scipy.optimize's tutorial writes it."""
    return sum(100.0 * (x[1:] - x[:-1] ** 2.0) ** 2.0 + (1 - x[:-1]) ** 2.0)


def newton_sqrt(a, tol=1e-12, max_iter=50):
    x = a if a > 1 else 1.0
    it = 0
    while True:
        x_new = 0.5 * (x + a / x)
        it += 1
        if abs(x_new - x) < tol or it >= max_iter:
            break
        x = x_new
    return x_new


def bilevel_while(theta, tol=1e-8):
    x, g, n = 0.0, 1.0, 0
    while abs(g) > tol and n < 500:
        g = 2 * (x - theta) + x ** 3
        x -= 0.1 * g
        n += 1
    return x


def scalar_math(a, b):
    c = max(0.0, a) + abs(b)
    return c * (math.exp(-a * a) + math.log1p(b * b)) + min(a, b) ** 2


PHYSICS = [
    (double_pendulum_energy, (np.array([0.3, -0.5]), np.array([0.7, 0.2])), (0, 1), "grad"),
    (hamiltonian, (np.array([0.3, -0.2, 0.5, 1.0]),), 0, "jvp"),
    (nbody_potential, (RNG.normal(size=(4, 3)), np.array([1.0, 2.0, 0.5, 1.5])), 0, "grad"),
    (poisson_residual, (RNG.normal(size=16), np.ones((4, 4)), 0.25), 0, "grad"),
    (heat_residual, (RNG.normal(size=(4, 6)), 0.1, 0.2), (0, 1), "grad"),
    (rosen, (np.array([1.3, 0.7, 0.8, 1.9, 1.2]),), 0, "grad"),
    (newton_sqrt, (2.0,), 0, "grad"),
    (bilevel_while, (0.8,), 0, "value_and_grad"),
    (scalar_math, (0.7, -0.4), (0, 1), "grad"),
]


# ---- array idioms ------------------------------------------------------------------------
def batched_energy(x, W):
    if x.ndim == 1:
        x = x[None]
    assert x.shape[1] == W.shape[0], f"bad shape {x.shape}"
    e = np.sum((x @ W) ** 2, axis=1)
    if e.size == 1:
        return e[0]
    return e.sum()


def weighted_sum_losses(ws, xs, ys):
    total = 0.0
    for i, (w, x, y) in enumerate(zip(ws, xs, ys)):
        total += (i + 1) * (w * x - y) ** 2
    for k in range(len(ws)):
        total = total + 0.01 * ws[k] ** 2
    return total


def masked_relu_loss(x, W):
    h = np.maximum(0, W @ x)
    y = x.copy()
    y[y < 0] *= 0.1
    y[0] = y[0] ** 2
    return h[h > 0].sum() + (y ** 2).sum() + (W.T @ h).reshape(-1).sum()


def safe_log_loss(x):
    out = np.zeros_like(x)
    mask = x > 0
    out[mask] = np.log(x[mask])
    out[~mask] = x[~mask]
    return out.sum()


def diff_in_place(x):
    y = x.copy()
    y[1:] -= y[:-1]
    return np.sum(y ** 2)


def outer_update(x):
    M = np.outer(x, x)
    M[np.diag_indices_from(M)] += 1.0
    M[np.triu_indices(len(x), 1)] = 0.0
    return np.sum(M ** 2)


def stack_features(x):
    feats = []
    for p in range(1, 4):
        feats.append(x ** p)
    F = np.stack(feats, axis=1)
    return np.sum(F @ np.ones(3)) + np.sum(np.column_stack([x, np.sin(x)]) ** 2)


ARRAYS = [
    (batched_energy, (RNG.normal(size=3), RNG.normal(size=(3, 2))), (0, 1), "grad"),
    (weighted_sum_losses, ([0.5, -1.0, 2.0], [1.0, 2.0, 3.0], [0.3, 0.1, 0.2]), (0, 1, 2),
     "grad"),
    (masked_relu_loss, (np.array([0.5, -1.2, 0.8]), RNG.normal(size=(4, 3))), (0, 1), "grad"),
    (safe_log_loss, (np.array([0.5, -1.0, 2.0, -0.3]),), 0, "grad"),
    (diff_in_place, (np.array([0.5, -1.0, 2.0, -0.3]),), 0, "jvp"),
    (outer_update, (W3,), 0, "grad"),
    (stack_features, (W3,), 0, "grad"),
]


def _id(case):
    f = case[0]
    return getattr(f, "__name__", None) or getattr(getattr(f, "func", None), "__name__", "f")


@pytest.mark.parametrize("f, args, wrt, how", ML + STATS + PHYSICS + ARRAYS,
                         ids=[_id(c) for c in ML + STATS + PHYSICS + ARRAYS])
def test_against_finite_differences(f, args, wrt, how):
    check(f, args, wrt, how)


def test_hessians_people_ask_for():
    # the mass matrix of a double pendulum, and the Fisher matrix of a logistic model
    H = ag.hessian(double_pendulum_energy, wrt="omega")(np.array([0.3, -0.5]),
                                                        np.array([0.7, 0.2]))
    c = np.cos(0.8)
    np.testing.assert_allclose(H, [[2.0, c], [c, 1.0]], rtol=1e-12)
    w = np.array([0.3, -0.1, 0.2])
    F = ag.hessian(logistic_nll)(w, X12, T12)
    p = 1 / (1 + np.exp(-X12 @ w))
    np.testing.assert_allclose(F, X12.T @ (X12 * (p * (1 - p))[:, None]), rtol=1e-10)
