"""Code in mode "tangent" (`ag.hvp`, `ag.hessian`, `ag.jacobian`) holds fewer arrays:
its tangents' arithmetic is cancelled like adjoints' (`cancel`, the returned value too),
and each value is let go after the statement that reads it last (`freeing`). Values
against closed forms and central differences, at ordinary and special points; the peak
memory itself is measured by benchmarks/bench_grad.py."""
import ast
import re

import numpy as np
import pytest

import astgrad as ag
from astgrad import batched


def logistic(w, X, y):
    return np.mean(np.log(1 + np.exp(-y * (X @ w))))


def logistic_hvp(w, X, y, v):
    s = 1 / (1 + np.exp(-y * (X @ w)))
    return X.T @ (s * (1 - s) * (X @ v)) / len(y)


def softplus(x):
    return np.sum(np.log(1 + np.exp(x)))


def sigmoid_times(x):
    return np.sum(1 / (1 + np.exp(-x)) * x)


def bump(x):
    return np.sum(np.exp(x) / (1 + np.exp(x)) ** 2)


def ratio(x):
    return np.sum(x * np.exp(x) / (2 + np.exp(x)) + x ** 2)


def looped(x):
    s = x * 1.0
    for _ in range(2):
        s = np.exp(s) / (1 + np.exp(s)) + 0.5 * s
    return np.sum(s * x)


def logistic_of(x):
    return logistic(x, np.linspace(-1.0, 1.0, 27).reshape(3, 9), np.array([1.0, -1.0, 1.0]))


def _differences(f, x, h=1e-6):
    g = ag.grad(f)
    return np.stack([(g(x + h * e) - g(x - h * e)) / (2 * h) for e in np.eye(x.size)], -1)


def _data(n=40, d=6, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    return 0.3 * rng.standard_normal(d), X, y, rng.standard_normal(d)


def _code(src: str) -> str:
    return "\n".join(line for line in src.splitlines() if not line.strip().startswith("#"))


@pytest.mark.parametrize("w_scale", [1.0, 0.0, 8.0])     # ordinary, w = 0, large margins
def test_logistic_hvp_cancelled_to_one_term(w_scale):
    w, X, y, v = _data()
    w = w * w_scale
    hvp = ag.hvp(logistic)
    got = hvp(w, X, y, v)
    np.testing.assert_allclose(got, logistic_hvp(w, X, y, v), rtol=1e-12, atol=1e-15)
    H = np.stack([(ag.grad(logistic)(w + 1e-6 * e, X, y) - ag.grad(logistic)(w - 1e-6 * e,
                   X, y)) / 2e-6 for e in np.eye(w.size)], -1)
    np.testing.assert_allclose(got, H @ v, rtol=1e-6, atol=1e-9)
    code = _code(ag.source(hvp))
    ret = ast.parse(code).body[-1].body[-1]
    assert isinstance(ret, ast.Return)
    assert ast.unparse(ret).count("t4") == 1            # e t' / (1 + e)^2: one term
    assert re.search(r"^\s+del ", code, re.M)          # values let go when done


@pytest.mark.parametrize("f", [softplus, sigmoid_times, bump, ratio, looped])
@pytest.mark.parametrize("x", [np.linspace(-1.5, 2.0, 7), np.zeros(7),
                               np.array([0.5, 0.5, -0.5, -0.5, 0.0, 0.0, 0.5])])  # ties
def test_hvp_and_hessian_of_quotients_of_exp(f, x):
    H = _differences(f, x)
    v = np.linspace(-1.0, 1.0, x.size)
    np.testing.assert_allclose(ag.hvp(f)(x, v), H @ v, rtol=1e-6, atol=1e-7)
    got = ag.hessian(f)(x)
    np.testing.assert_allclose(got, H, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(got, got.T, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ag.jacobian(ag.grad(f))(x), got, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("f", [logistic_of, bump, looped])
def test_hessian_runs_batched_with_its_values_freed(f):
    x = np.linspace(-1.0, 1.0, 9)
    hess = ag.hessian(f)
    hess(x)
    assert batched.batched(hess._astgrad.lookup(x)) is not None   # `del` read, not refused
    compile(ag.source(hess), "<hessian>", "exec")


def test_a_value_a_loop_rebinds_is_not_freed():
    hvp = ag.hvp(looped)
    x, v = np.linspace(-0.5, 0.5, 5), np.ones(5)
    hvp(x, v)
    fn = ast.parse(ag.source(hvp)).body[-1]
    freed = {t.id for s in fn.body if isinstance(s, ast.Delete) for t in s.targets}
    stores: dict = {}
    for node in ast.walk(fn):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            stores[node.id] = stores.get(node.id, 0) + 1
    assert all(stores.get(n) == 1 for n in freed)
    assert not freed & {a.arg for a in fn.args.args}            # nor a parameter


def test_a_grad_and_a_jvp_free_nothing():
    w, X, y, v = _data()
    g, j = ag.grad(logistic), ag.jvp(logistic)
    g(w, X, y)
    j(w, X, y, v)
    assert "del " not in ag.source(g) and "del " not in ag.source(j)
