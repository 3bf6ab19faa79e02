"""Recursion in a nested `def` (issue 10): a local function calling itself with a
data-dependent depth is made a function of its own (`transform.lifting`): the names
it reads from the function around it become its first parameters, and it is
differentiated through its own derivative, as a module-level recursive helper is.
Checked against finite differences in reverse, forward and second order; what stays
refused is refused by name at `ag.grad` time.
"""
from __future__ import annotations

import pickle

import numpy as np
import pytest

import astgrad as ag
from astgrad.errors import UnsupportedSyntaxError

X = np.array([1.3, 0.4, 0.8, 1.1])
W = np.array([[0.5, 0.1, -0.2, 0.3], [0.2, 0.3, 0.1, -0.4],
              [-0.1, 0.2, 0.4, 0.1], [0.3, -0.2, 0.1, 0.2]])


def continued(x):
    def cf(x, n):                   # depth from the value of x
        if n == 0:
            return x
        return x + 1.0 / (1.0 + cf(x, n - 1))
    return cf(x, int(x[0]) + 3).sum()


def split_product(v):
    def tree(v):
        if len(v) == 1:
            return v[0]
        m = len(v) // 2
        return tree(v[:m]) * tree(v[m:])
    return tree(v)


def steps_global(x):
    def step(h, k):                 # reads the module's `W`
        if k == 0:
            return h
        h2 = np.tanh(W @ h + x)     # and the argument `x` of the function around it
        return step(h2, k - 1)
    return step(x * 0.5, 3).sum()


def steps_closure(x, A):
    scale = np.sum(A ** 2)          # a local of the function around it, read by `step`

    def step(h, k):
        if k == 0:
            return h * scale
        return step(np.tanh(A @ h + x), k - 1)
    return step(x, 4).sum()


def until_large(a):
    def grow(v, tol=4.0):           # a default; depth from the value of `a`
        if v > tol:
            return v
        return grow(v * 1.5 + a, tol) * a
    return grow(a)


def in_a_loop(x):
    def down(v, n):
        if n == 0:
            return v
        return down(np.sin(v) * x, n - 1)
    total = 0.0
    for i in range(3):
        total = total + np.sum(down(x + i, i + 1))
    return total


def in_a_branch(x):
    def down(v, n):
        if n <= 0:
            return v
        return down(v * x + 0.5, n - 2)
    if x[0] > 1.0:
        y = down(x, 5)
    else:
        y = down(x * 2.0, 2)
    return np.sum(y ** 2)


def made_in_a_closure():
    offset = np.array([0.1, -0.2, 0.3, 0.05])     # a cell of the differentiated function

    def f(x):
        def walk(v, n):
            if n == 0:
                return v + offset
            return walk(np.cos(v) + offset * x, n - 1)
        return np.sum(walk(x, 3) ** 2)
    return f


def two_calls(x):
    def rec(v, n):
        if n == 0:
            return np.sum(v)
        return rec(v * x, n - 1) + rec(v + 1.0, n - 1) * 0.5
    return rec(x, 3)


def helper_with_recursion(x, k):
    def rec(v, n):
        if n == 0:
            return v
        return rec(np.sin(v) * k + x, n - 1)
    return rec(x, 3)


def in_a_helper(x):
    return np.sum(helper_with_recursion(x, 0.5) ** 2)


def in_a_nested_def(x):
    def outer(y):
        t = y * 2.0                 # read by `rec` from the `def` around it

        def rec(v, n):
            if n == 0:
                return v * t
            return rec(np.cos(v) + y, n - 1)
        return rec(y, 2)
    return np.sum(outer(x))


class Model:
    def __init__(self):
        self.W = W * 0.5

    def loss(self, x):
        def rec(v, n):              # reads `self`
            if n == 0:
                return v
            return rec(np.tanh(self.W @ v + x), n - 1)
        return np.sum(rec(x, 3))


def rebinds_what_it_reads(x):
    s = x * 2.0

    def rec(v, n):
        if n == 0:
            return v
        return rec(v * s, n - 1)
    a = rec(x, 2)
    s = s + 1.0                 # the second call reads the new `s`, as Python's closures do
    b = rec(x, 2)
    t = 0.0
    for i in range(2):
        s = s * 0.9 + x         # and in a loop, the value of each iteration
        t = t + np.sum(rec(x, 2))
    return np.sum(a * b) + t


def writes_its_parameter(x):
    def rec(v, n):
        if n == 0:
            return v
        v = v * 0.5 + x
        v[0] = v[0] * 2.0
        return rec(v, n - 1)
    return np.sum(rec(x * 1.0, 3) ** 2)


CASES = [(continued, (X,)), (split_product, (X,)), (steps_global, (X,)),
         (steps_closure, (X, W)), (until_large, (0.7,)), (in_a_loop, (X,)),
         (in_a_branch, (X,)), (in_a_branch, (X * 0.5,)), (made_in_a_closure(), (X,)),
         (two_calls, (X,)), (in_a_helper, (X,)), (in_a_nested_def, (X,)),
         (Model().loss, (X,)), (rebinds_what_it_reads, (X,)), (writes_its_parameter, (X,))]


@pytest.mark.parametrize("fn, args", CASES)
def test_first_order(fn, args):
    ag.check_grads(fn, args, order=1)


@pytest.mark.parametrize("fn, args", CASES)
def test_second_order(fn, args):
    ag.check_grads(fn, args, order=2)


def test_with_respect_to_a_closed_over_argument():
    ag.check_grads(steps_closure, (X, W), wrt=1, order=2)
    gx, gA = ag.grad(steps_closure, wrt=(0, 1))(X, W)
    _, tangent = ag.jvp(steps_closure, wrt=1)(X, W, np.ones_like(W))
    assert tangent == pytest.approx(np.sum(gA))


def test_values_in_closed_form():
    np.testing.assert_allclose(ag.grad(split_product)(X), np.prod(X) / X, rtol=1e-12)
    f = np.prod(X)
    H = np.outer(1 / X, 1 / X) * f - np.diag(f / X ** 2)
    np.testing.assert_allclose(ag.hessian(split_product)(X), H, rtol=1e-12, atol=1e-14)
    v = np.array([0.3, -1.0, 2.0, 0.5])
    np.testing.assert_allclose(ag.hvp(split_product)(X, v), H @ v, rtol=1e-12)


def continued_module(x, n):
    if n == 0:
        return x
    return x + 1.0 / (1.0 + continued_module(x, n - 1))


def test_same_numbers_as_a_module_level_helper():
    def module_level(x):
        return continued_module(x, int(x[0]) + 3).sum()
    np.testing.assert_allclose(ag.grad(continued)(X), ag.grad(module_level)(X), rtol=1e-14)
    np.testing.assert_allclose(ag.hessian(continued)(X), ag.hessian(module_level)(X),
                               rtol=1e-12)


def test_the_arguments_are_left_as_they_were():
    x, A = X.copy(), W.copy()
    ag.grad(steps_closure, wrt=(0, 1))(x, A)
    ag.hessian(steps_closure)(x, A)
    assert np.array_equal(x, X) and np.array_equal(A, W)


def test_generated_code_calls_the_local_function_through_its_vjp():
    df = ag.grad(steps_closure)
    df(X, W)
    text = ag.source(df)
    assert "step_vjp(" in text and "def step" not in text


def test_values_follow_the_closure():
    def by_hand(x):
        s = x * 2.0
        a = x * s * s
        s = s + 1.0
        b = x * s * s
        t = 0.0
        for i in range(2):
            s = s * 0.9 + x
            t = t + np.sum(x * s * s)
        return np.sum(a * b) + t
    assert rebinds_what_it_reads(X) == pytest.approx(by_hand(X))
    np.testing.assert_allclose(ag.grad(rebinds_what_it_reads)(X), ag.grad(by_hand)(X),
                               rtol=1e-12)


def test_pickles():
    df = ag.grad(steps_closure, wrt=(0, 1))
    again = pickle.loads(pickle.dumps(df))
    for a, b in zip(again(X, W), df(X, W)):
        np.testing.assert_array_equal(a, b)


def test_the_function_is_made_once():
    ag.grad(continued)(X)
    first = ag.source(ag.grad(continued))
    ag.grad(continued)(X + 0.01)
    assert ag.source(ag.grad(continued)) == first


# ---- what stays refused ------------------------------------------------------------------

def reads_a_local_function(x):
    def act(v):
        return np.tanh(v)

    def rec(v, n):
        if n == 0:
            return v
        return rec(act(v), n - 1)
    return np.sum(rec(x, 2))


def apply_to(g, v, n):
    return g(v, n)


def passes_itself(x):
    def rec(v, n):
        if n == 0:
            return v
        return apply_to(rec, v * 0.5, n - 1)
    return np.sum(rec(x, 2))


def takes_star_args(x):
    def rec(v, *ns):
        if ns[0] == 0:
            return v
        return rec(v * 0.5, ns[0] - 1)
    return np.sum(rec(x, 2))


def recursive_lambda(x):
    fact = lambda v, n: v if n == 0 else fact(v * x, n - 1)    # noqa: E731
    return np.sum(fact(x, 3))


def mutual(x):
    def a(v, n):
        if n == 0:
            return v
        return b(v * 0.5, n - 1)

    def b(v, n):
        return a(np.sin(v), n)
    return np.sum(a(x, 3))


@pytest.mark.parametrize("fn, match", [
    (mutual, "reads `b`, a function made in the function around it"),
    (reads_a_local_function, "reads `act`, a function made in the function around it"),
    (passes_itself, "names itself other than in a call"),
    (takes_star_args, "`\\*args`"),
    (recursive_lambda, "not a `def` written in the function"),
])
def test_refused_by_name(fn, match):
    with pytest.raises(UnsupportedSyntaxError, match=match) as info:
        ag.grad(fn)(X)
    assert "test_nested_recursion.py:" in str(info.value)
