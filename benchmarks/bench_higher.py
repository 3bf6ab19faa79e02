"""Time astgrad's second derivatives against hand-written NumPy and autograd (and JAX).

Rows:

* ``hvp logreg D=100``: the Hessian-vector product of the logistic-regression
  loss ``mean(log(1 + exp(-y * (X @ w))))`` with X of shape (1000, 100), by
  ``ag.hvp`` (forward over reverse, H never formed); hand-written
  ``X.T @ (s * (1 - s) * (X @ v)) / n``; autograd's ``hessian_vector_product``.
* ``hessian 10 inputs``: the full Hessian of ``sum(tanh(A @ x) ** 2)`` for a
  10-vector x, by ``ag.hessian``; hand-written ``A.T @ diag(...) @ A``;
  autograd's ``hessian``.

Each contender is checked against the hand-written result before it is timed.
Run from the repository root: ``python benchmarks/bench_higher.py [--quick]``.
"""
from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_grad import (_optional, _set_blas_threads, fmt_ratio, fmt_time,  # noqa: E402
                        per_call, table, timer)

_set_blas_threads(sys.argv[1:])
import numpy as np  # noqa: E402

import astgrad as ag  # noqa: E402


def logloss(w, X, y):
    return np.mean(np.log(1 + np.exp(-y * (X @ w))))


def logloss_hvp(w, X, y, v):
    s = 1 / (1 + np.exp(-y * (X @ w)))
    return X.T @ (s * (1 - s) * (X @ v)) / len(y)


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
    return 0


if __name__ == "__main__":
    sys.exit(main())
