"""Time astgrad's second derivatives against hand-written NumPy and autograd (and JAX),
and the generation of nested `ag.grad` up to order 6.

Rows of the first table:

* ``hvp logreg D=100``: the Hessian-vector product of the logistic-regression
  loss ``mean(log(1 + exp(-y * (X @ w))))`` with X of shape (1000, 100), by
  ``ag.hvp`` (forward over reverse, H never formed); hand-written
  ``X.T @ (s * (1 - s) * (X @ v)) / n``; autograd's ``hessian_vector_product``.
* ``hessian 10 inputs``: the full Hessian of ``sum(tanh(A @ x) ** 2)`` for a
  10-vector x, by ``ag.hessian``; hand-written ``A.T @ diag(...) @ A``;
  autograd's ``hessian``.

Each contender is checked against the hand-written result before it is timed.

The second table is the generation of ``ag.grad(ag.grad(...(f)))`` for a scalar ``f``:
``tanh``, ``np.tanh(x)``, and ``tanh(tanh)``, ``np.tanh(np.tanh(x))``, with x a float. Each
order is made from a fresh function, its first call timed level by level (each level
differentiates the generated code of the one below): ``build`` is order k's own generation
and compilation, ``orders 1..k`` all of them, ``lines`` the lines of ``ag.source`` at
order k. Each value is checked: tanh's against its closed form (the k-th derivative is a
polynomial in tanh), tanh(tanh)'s against central differences of the order below. Issue
13's bound: order 6 under 2 s and under 300 lines. ``--quick`` stops at order 4; order 6
runs once, in full runs only.

Run from the repository root: ``python benchmarks/bench_higher.py [--quick]``.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import blas  # noqa: E402

if __name__ == "__main__":
    blas.set_threads(sys.argv[1:])             # before NumPy is imported

import numpy as np  # noqa: E402

from bench_grad import _optional, fmt_ratio, fmt_time, per_call, table, timer  # noqa: E402

import astgrad as ag  # noqa: E402


from workloads import logreg_hvp as logloss_hvp  # noqa: E402
from workloads import make_logreg  # noqa: E402

logloss = make_logreg()


def energy(x, A):
    return np.sum(np.tanh(A @ x) ** 2)


def energy_hessian(x, A):
    t = np.tanh(A @ x)
    d = 2 * (1 - t ** 2) ** 2 - 4 * t ** 2 * (1 - t ** 2)
    return A.T @ (d[:, None] * A)


def data(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(1000, 100))
    y = np.sign(rng.normal(size=1000))
    w, v = rng.normal(size=100) * 0.05, rng.normal(size=100)
    x, A = rng.normal(size=10) * 0.3, rng.normal(size=(10, 10)) * 0.5
    return (w, X, y, v), (x, A)


# -- nested ag.grad of a scalar function -----------------------------------------------------

def make_tanh():
    def tanh(x):
        return np.tanh(x)
    return tanh


def make_tanh_tanh():
    def tanh_tanh(x):
        return np.tanh(np.tanh(x))
    return tanh_tanh


def tanh_derivative(k: int, x: float) -> float:
    """The k-th derivative of tanh at x: P_k(tanh x), P_0(t) = t, P_k+1 = P_k' (1 - t^2)."""
    p = np.polynomial.Polynomial([0.0, 1.0])
    for _ in range(k):
        p = p.deriv() * np.polynomial.Polynomial([1.0, 0.0, -1.0])
    return p(np.tanh(x))


def nested(make, orders: tuple[int, ...], x: float) -> list[list[str]]:
    """Rows of the generation table: nested ag.grad of a fresh `make()`, level by level."""
    out, d, total = [], make(), 0.0
    for k in range(1, max(orders) + 1):
        below, d = d, ag.grad(d)
        t0 = time.perf_counter()
        got = d(x)
        build = time.perf_counter() - t0
        total += build
        if make is make_tanh:
            want = tanh_derivative(k, x)
        else:
            want = (below(x + 1e-5) - below(x - 1e-5)) / 2e-5
        assert np.isclose(got, want, rtol=1e-6, atol=1e-9), \
            f"order {k} of {make.__name__}: {got}, want {want}"
        if k in orders:
            label = "tanh" if make is make_tanh else "tanh(tanh)"
            out.append([f"{label} order {k}", fmt_time(build), fmt_time(total),
                        str(len(ag.source(d).splitlines()))])
    return out


def generation(quick: bool) -> str:
    orders = (4,) if quick else (4, 6)
    body = nested(make_tanh, orders, 0.3)
    if not quick:
        body += nested(make_tanh_tanh, orders, 0.3)
    return table(["nested ag.grad", "build", "orders 1..k", "lines"], body)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--blas-threads", type=int, default=1)
    args = parser.parse_args(argv)
    target, repeats = (0.02, 2) if args.quick else (0.2, 5)
    (w, X, y, v), (x, A) = data()
    autograd = _optional("autograd")
    jax = _optional("jax")

    contenders = {
        "hvp logreg D=100": {
            "hand": (logloss_hvp, (w, X, y, v)),
            "astgrad": (ag.hvp(logloss), (w, X, y, v)),
        },
        "hessian 10 inputs": {
            "hand": (energy_hessian, (x, A)),
            "astgrad": (ag.hessian(energy), (x, A)),
        },
    }
    if autograd is not None:
        import autograd.numpy as anp
        from autograd import hessian as a_hessian
        from autograd import hessian_vector_product

        def a_logloss(w, X, y):
            return anp.mean(anp.log(1 + anp.exp(-y * anp.dot(X, w))))

        def a_energy(x, A):
            return anp.sum(anp.tanh(anp.dot(A, x)) ** 2)
        contenders["hvp logreg D=100"]["autograd"] = (hessian_vector_product(a_logloss),
                                                      (w, X, y, v))
        contenders["hessian 10 inputs"]["autograd"] = (a_hessian(a_energy), (x, A))
    if jax is not None:
        import jax.numpy as jnp
        jax.config.update("jax_enable_x64", True)

        def j_logloss(w, X, y):
            return jnp.mean(jnp.log(1 + jnp.exp(-y * (X @ w))))

        def j_energy(x, A):
            return jnp.sum(jnp.tanh(A @ x) ** 2)
        j_hvp = jax.jit(lambda w, X, y, v: jax.jvp(jax.grad(j_logloss), (w, X, y),
                                                   (v, jnp.zeros_like(X),
                                                    jnp.zeros_like(y)))[1])
        contenders["hvp logreg D=100"]["jax"] = (j_hvp, (w, X, y, v))
        contenders["hessian 10 inputs"]["jax"] = (jax.jit(jax.hessian(j_energy)), (x, A))

    names = ["hand", "astgrad", "autograd", "jax"]
    body = []
    for row, fns in contenders.items():
        want = fns["hand"][0](*fns["hand"][1])
        for who, (fn, call_args) in fns.items():
            got = np.asarray(fn(*call_args))
            assert np.allclose(got, want, rtol=1e-7, atol=1e-10), f"{row}: {who} is wrong"
        labels = tuple(f"a{i}" for i in range(len(fns["hand"][1])))
        timers = {who: timer(fn, labels, call_args) for who, (fn, call_args) in fns.items()}
        t = per_call(timers, target, repeats)
        body.append([row] + [fmt_time(t.get(n)) for n in names]
                    + [fmt_ratio(t["astgrad"] / t["hand"]),
                       fmt_ratio(t["autograd"] / t["astgrad"]) if "autograd" in t else "-",
                       fmt_ratio(t["jax"] / t["astgrad"]) if "jax" in t else "-"])
    print(table(["row", "hand-written", "astgrad", "autograd", "jax", "astgrad/hand",
                 "autograd/astgrad", "jax/astgrad"], body))
    print("\ngeneration of nested derivatives of a float function (target at order 6: "
          "under 2 s and 300 lines):")
    print(generation(args.quick))
    return 0


if __name__ == "__main__":
    sys.exit(main())
