"""More programs as people write them (issue 10), in areas `test_user_programs.py` leaves
out: notebook-style globals changed between calls, class hierarchies and layer objects,
`scipy.special`/`stats`/`linalg`, `np.linalg`, einsum spellings, array idioms (sort,
take, pad, roll, tile, cumsum, diff), hand-written numerics (Newton with a tolerance,
fixed points, bisection polished by Newton, Horner, stable softmax and sigmoid, Huber,
hinge) and the API at its edges (float32, 0-d, empty arrays). Each is checked against
central differences in float64 with `test_user_programs.check` (which also checks the
caller's arguments are left alone)."""
import numpy as np
import pytest

import astgrad as ag

pytest.importorskip("scipy")
from scipy.linalg import cho_factor, cho_solve, solve_triangular  # noqa: E402
from scipy.special import erf, expit, gammaln, log_softmax, logsumexp, softmax, xlogy  # noqa: E402
from scipy.stats import norm, t as student_t  # noqa: E402

from tests.test_user_programs import check  # noqa: E402

RNG = np.random.default_rng(11)
X = RNG.normal(size=(6, 4))
Y = RNG.normal(size=6)
T = (RNG.random(6) > 0.5).astype(float)
A = RNG.normal(size=(4, 4))
S = A @ A.T + 4 * np.eye(4)
V4 = np.array([0.3, -0.7, 1.1, 0.2])
V6 = RNG.normal(size=6)


def fd_gradient(f, x, h=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


# ---- notebook style: module globals read inside, changed between calls ------------------------
config = {"lam": 0.1, "loss": "l2"}
N_STEPS = 3
data = {"X": X, "y": Y}


def nb_loss(w):
    r = data["X"] @ w - data["y"]
    out = np.mean(r ** 2) if config["loss"] == "l2" else np.mean(np.abs(r))
    return out + config["lam"] * np.sum(w ** 2)


def nb_unroll(x):
    for _ in range(N_STEPS):
        x = np.sin(x) + 0.5 * x
    return np.sum(x)


def test_notebook_globals_changed_between_calls():
    global N_STEPS
    dl, du = ag.grad(nb_loss), ag.grad(nb_unroll)
    dl(V4), du(V4)
    config.update(lam=1.0, loss="l1")
    data["X"], data["y"] = X[:4] * 2, Y[:4]          # new arrays of another shape
    N_STEPS = 5
    try:
        np.testing.assert_allclose(dl(V4), fd_gradient(nb_loss, V4), rtol=1e-6)
        np.testing.assert_allclose(du(V4), fd_gradient(nb_unroll, V4), rtol=1e-6)
    finally:
        config.update(lam=0.1, loss="l2")
        data["X"], data["y"] = X, Y
        N_STEPS = 3
    np.testing.assert_allclose(dl(V4), fd_gradient(nb_loss, V4), rtol=1e-6)


# ---- classes ----------------------------------------------------------------------------------
class Model:
    reg = 0.01

    def __init__(self, X, y):
        self.X, self.y = X, y

    @property
    def n(self):
        return self.X.shape[0]

    def predict(self, w):
        return self.X @ w

    def loss(self, w):
        return np.sum((self.predict(w) - self.y) ** 2) / self.n


class Logistic(Model):
    def predict(self, w):
        return expit(super().predict(w))

    def loss(self, w):
        p = self.predict(w)
        nll = -np.sum(xlogy(self.y, p) + xlogy(1 - self.y, 1 - p)) / self.n
        return nll + self.reg * w @ w


class Dense:
    def __init__(self, n_in, n_out, act=np.tanh, seed=0):
        r = np.random.default_rng(seed)
        self.W, self.b, self.act = r.normal(size=(n_in, n_out)) / np.sqrt(n_in), np.zeros(n_out), act
        self.cache = None

    def __call__(self, h):
        return self.act(h @ self.W + self.b)


class MLP:
    def __init__(self, sizes):
        acts = [np.tanh] * (len(sizes) - 2) + [lambda z: z]
        self.layers = [Dense(m, n, a, seed=i)
                       for i, (m, n, a) in enumerate(zip(sizes[:-1], sizes[1:], acts))]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def forward(self, x, y):
        out = self(x)
        return np.mean((out[:, 0] - y) ** 2), out


net = MLP([4, 5, 3, 1])


def net_loss(x, y):
    loss, _ = net.forward(x, y)
    return loss


class Poly:
    def __init__(self, coeffs):
        self.coeffs = coeffs

    def __call__(self, x):
        y = 0.0
        for c in reversed(self.coeffs):
            y = y * x + c
        return y


# ---- scipy -----------------------------------------------------------------------------------
def special_mix(z, t):
    p = expit(z)
    return (np.sum(xlogy(t, p) + xlogy(1 - t, 1 - p)) + logsumexp(z)
            + np.sum(erf(z) * gammaln(np.abs(z) + 1)))


def softmax_ce(W, X, y):
    P = softmax(X @ W, axis=1)
    return -np.mean(np.log(P[np.arange(len(y)), y])) - np.sum(log_softmax(X @ W, axis=-1)[:, 0])


def gauss_nll(params, data):
    mu, log_sigma = params
    return -np.sum(norm.logpdf(data, loc=mu, scale=np.exp(log_sigma)))


def probit_nll(w, X, y):
    p = norm.cdf(X @ w)
    return -np.sum(y * np.log(p) + (1 - y) * np.log1p(-p))


def t_nll(mu, data):
    return -np.sum(student_t.logpdf(data, df=4.0, loc=mu, scale=1.5))


def gp_nll(log_ell, X, y):
    d = X[:, None, :] - X[None, :, :]
    K = np.exp(-0.5 * np.sum(d ** 2, axis=-1) / np.exp(2 * log_ell)) + 0.1 * np.eye(len(y))
    c, low = cho_factor(K, lower=True)
    alpha = cho_solve((c, low), y)
    return 0.5 * y @ alpha + np.sum(np.log(np.diag(c)))


def tri_solve(L, b):
    z = solve_triangular(np.tril(L) + 3 * np.eye(L.shape[0]), b, lower=True)
    return np.sum(z ** 2)


def simpson(a, b, n=20):
    x = np.linspace(0.0, b, n + 1)
    fx = np.exp(-a * x ** 2)
    return b / n / 3 * (fx[0] + 4 * np.sum(fx[1:-1:2]) + 2 * np.sum(fx[2:-1:2]) + fx[-1])


def gauss_legendre(k):
    nodes, weights = np.polynomial.legendre.leggauss(8)
    return np.sum(weights * np.cos(k * nodes))


# ---- np.linalg and einsum -----------------------------------------------------------------------
def linalg_mix(M):
    B = M @ M.T + 4 * np.eye(4)
    sign, ld = np.linalg.slogdet(B)
    return np.trace(np.linalg.inv(B)) + ld + np.linalg.det(M) + np.linalg.norm(M, ord="fro")


def eig_energy(M):
    w, V = np.linalg.eigh(M + M.T)
    return np.sum(w ** 2) + np.sum(V[:, 0] ** 4)


def norms(M):
    return (np.linalg.norm(M, axis=1).sum() + np.linalg.norm(M, ord=1) + np.linalg.norm(M, 2)
            + np.linalg.norm(M[0], ord=3) + np.linalg.norm(M, ord=np.inf)
            + np.linalg.norm(M, axis=0, keepdims=True).sum())


def least_squares(y, X):
    coef, res, rank, sv = np.linalg.lstsq(X, y, rcond=None)
    return np.sum(coef ** 2) + np.sum((np.linalg.pinv(X) @ y) ** 3)


def solves(S, b):
    return (b @ np.linalg.solve(S, b) + np.sum(np.linalg.solve(S, np.eye(4)))
            + np.sum(np.linalg.matrix_power(S / 4, 3)))


def einsums(A, B, x):
    return (np.einsum("ij,jk->ik", A, B).sum() + np.einsum("ii", A) + np.einsum("ij,jk", A, B).sum()
            + np.einsum("i,i->", x, x) + np.einsum("ij->", A)
            + np.einsum("...ij,...jk->...ik", A[None], B).sum()
            + np.einsum("bij,bjk->bik", np.stack([A, B]), np.stack([B, A])).sum()
            + np.einsum("ij,j", A, x).sum() + np.einsum(A, [0, 1], x, [1], [0]).sum()
            + np.einsum("i,j->ij", x, x).sum() + np.einsum("ij,ij->i", A, B).sum()
            + np.einsum("ij,jk,kl->il", A, B, A, optimize=True).sum())


def outer_kron(x, M):
    return (np.sum(np.outer(x, x) * M) + np.sum(np.kron(M, np.eye(2)) ** 2)
            + np.trace(np.kron(x[:2, None], x[None, :2])))


# ---- array idioms --------------------------------------------------------------------------------
def cumulative(x):
    return (np.sum(np.cumsum(x) ** 2) + np.sum(np.cumprod(1 + 0.1 * x)) + np.sum(np.diff(x) ** 2)
            + np.sum(np.diff(x, n=2) ** 2))


def sorted_trapezoid(x, y):
    order = np.argsort(x)
    xs, ys = x[order], y[order]
    return np.sum(np.diff(xs) * (ys[1:] + ys[:-1]) / 2) + np.sum(np.sort(y)[:3])


def takes(x, M):
    i2 = np.argmax(M, axis=1)[:, None]
    return (np.sum(np.take(x, np.array([0, 2, 2, 5])) ** 2)
            + np.sum(np.take_along_axis(M, i2, axis=1)) + np.sum(x.take([1, 1])))


def reshapes(x, M):
    P = np.pad(M, ((1, 1), (0, 2)), mode="constant")
    R = np.roll(x, 2) * x
    T = np.tile(x[:2], 3) + np.repeat(x[:3], 2)
    C = np.concatenate([x, x[:2]]) @ np.hstack([x[:4], x[4:], x[:2]])
    V = np.vstack([M, M[:1]]).sum(axis=0) @ np.column_stack([M[0], M[1]])
    St = np.stack([x[:3], x[3:]], axis=-1)
    E = np.sum(np.pad(x, 2, mode="edge") ** 2) + np.pad(x, (1, 1), mode="reflect")
    return np.sum(P ** 2) + np.sum(R) + np.sum(T ** 3) + C + np.sum(V) + np.sum(St * St[::-1]) \
        + np.sum(E)


def grid_of_params(a, b):
    grid = np.linspace(a, b, 11)
    return np.sum(np.sin(grid)) + np.sum(np.geomspace(1.0, 2.0, 5) * a)


def horner(coeffs, x):
    y = np.zeros_like(x)
    for c in coeffs[::-1]:
        y = y * x + c
    return np.sum(y) + np.sum(np.polyval(coeffs, x) ** 2)


# ---- numerics written by hand ------------------------------------------------------------------
def kepler(M, e, tol=1e-12):
    E = M
    dE = 1.0
    while abs(dE) > tol:
        dE = (E - e * np.sin(E) - M) / (1 - e * np.cos(E))
        E = E - dE
    return E


def fixed_point(a):
    x = 0.5
    for _ in range(200):
        x_new = np.cos(a * x)
        if abs(x_new - x) < 1e-13:
            break
        x = x_new
    return x_new


def cube_root(c):
    lo, hi = 0.0, 2.0
    for _ in range(40):              # bisection: piecewise constant in c ...
        mid = 0.5 * (lo + hi)
        if mid ** 3 - c > 0:
            hi = mid
        else:
            lo = mid
    x = 0.5 * (lo + hi)
    for _ in range(3):               # ... the Newton polish carries the derivative
        x = x - (x ** 3 - c) / (3 * x ** 2)
    return x


def stable_softmax_lse(z):
    m = np.max(z)
    e = np.exp(z - m)
    p = e / e.sum()
    return np.sum(p * np.arange(len(z))) + np.log(np.sum(np.exp(z - m))) + m


def stable_sigmoid(x):
    s = np.where(x >= 0, 1 / (1 + np.exp(-np.abs(x))),
                 np.exp(-np.abs(x)) / (1 + np.exp(-np.abs(x))))
    return np.sum(np.log1p(np.expm1(0.1 * x)) + s)


def huber(r, delta=1.0):
    a = np.abs(r)
    return np.sum(np.where(a <= delta, 0.5 * r ** 2, delta * (a - 0.5 * delta)))


def hinge(w, X, y):
    return np.mean(np.maximum(0, 1 - y * (X @ w))) + 0.01 * w @ w


def smooth_l1(x):
    out = 0.0
    for v in x:
        if abs(v) < 1:
            out += 0.5 * v ** 2
        else:
            out += abs(v) - 0.5
    return out


CASES = [
    (Logistic(X, T).loss, (V4,), 0, "grad"),
    (net_loss, (X, Y), 0, "grad"),
    (Poly([1.0, -2.0, 0.5, 0.25]), (0.7,), 0, "value_and_grad"),
    (special_mix, (V6, T), 0, "grad"),
    (softmax_ce, (RNG.normal(size=(4, 3)), X, np.array([0, 1, 2, 0, 1, 2])), 0, "grad"),
    (gauss_nll, (np.array([0.2, -0.1]), V6), 0, "grad"),
    (probit_nll, (0.3 * V4, X, T), 0, "jvp"),
    (t_nll, (0.3, V6), 0, "grad"),
    (gp_nll, (0.2, X, Y), 0, "grad"),
    (tri_solve, (A, V4), (0, 1), "grad"),
    (simpson, (0.7, 1.3), (0, 1), "grad"),
    (gauss_legendre, (1.1,), 0, "grad"),
    (linalg_mix, (A,), 0, "grad"),
    (eig_energy, (A,), 0, "grad"),
    (norms, (A,), 0, "grad"),
    (least_squares, (Y, X), (0, 1), "grad"),
    (solves, (S, V4), (0, 1), "grad"),
    (einsums, (A, S, V4), (0, 1, 2), "grad"),
    (outer_kron, (V4, A), (0, 1), "jvp"),
    (cumulative, (V6,), 0, "grad"),
    (sorted_trapezoid, (V6, RNG.normal(size=6)), (0, 1), "grad"),
    (takes, (V6, X[:3]), (0, 1), "grad"),
    (reshapes, (V6, X[:3]), (0, 1), "grad"),
    (grid_of_params, (0.3, 1.7), (0, 1), "grad"),
    (horner, (np.array([1.0, -0.5, 0.25, 0.1]), V6), (0, 1), "grad"),
    (kepler, (1.2, 0.3), (0, 1), "grad"),
    (fixed_point, (0.8,), 0, "grad"),
    (cube_root, (2.0,), 0, "value_and_grad"),
    (stable_softmax_lse, (V6,), 0, "grad"),
    (stable_sigmoid, (5 * V6,), 0, "grad"),
    (huber, (2 * V6,), 0, "grad"),
    (hinge, (V4, X, np.sign(Y)), 0, "grad"),
    (smooth_l1, (2 * V6,), 0, "grad"),
]


def _id(case):
    f = case[0]
    return getattr(f, "__name__", None) or type(f).__name__


@pytest.mark.parametrize("f, args, wrt, how", CASES, ids=[_id(c) for c in CASES])
def test_against_finite_differences(f, args, wrt, how):
    check(f, args, wrt, how)


def test_the_api_at_its_edges():
    def f(x):
        return np.sum(np.exp(x) * x)
    x = V4.astype(np.float32)
    g = ag.grad(f)(x)
    assert g.dtype == np.float32                         # the gradient keeps float32
    np.testing.assert_allclose(g, (1 + V4) * np.exp(V4), rtol=1e-6)
    g0 = ag.grad(lambda x: np.sin(x) * x)(np.array(0.5))
    assert isinstance(g0, np.ndarray) and g0.shape == ()
    assert g0 == pytest.approx(np.cos(0.5) * 0.5 + np.sin(0.5), rel=1e-14)
    assert ag.grad(f)(np.zeros((0, 3))).shape == (0, 3)
    with pytest.raises(ag.AstgradError, match=r"integer \(pass 2.0, not 2\)"):
        ag.grad(lambda x: x ** 3)(2)
    with pytest.raises(ag.AstgradError, match=r"integer \(use .astype\(float\)\)"):
        ag.grad(f)(np.arange(3))
    H = ag.hessian(kepler, wrt="e")(1.2, 0.3)
    dE = ag.grad(kepler, wrt="e")
    assert H == pytest.approx((dE(1.2, 0.3 + 1e-6) - dE(1.2, 0.3 - 1e-6)) / 2e-6, rel=1e-6)


def annotated(x: np.ndarray, n: int = 3) -> float:
    total: float = 0.0
    scale: float
    for k in range(1, n + 1):
        term: np.ndarray = np.cos(k * x) / k
        total += np.sum(term)
    if total > 100.0:
        flag: bool
    return total


def test_type_annotations_in_the_body():
    # `total: float = 0.0` was refused ("annotated assignment is not supported")
    check(annotated, (V4,))
    check(annotated, (V4, 2), how="jvp")
    np.testing.assert_allclose(ag.grad(annotated)(V4), -sum(np.sin(k * V4) for k in (1, 2, 3)),
                               rtol=1e-12)
    ag.check_grads(annotated, (V4,), order=2)

