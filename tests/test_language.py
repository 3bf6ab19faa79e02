"""The Python people write (issue 10, part B): comprehensions and generator
expressions, lambdas and functions as values, `with` blocks for warnings,
`return` inside loops, recursion. Each case is checked against finite
differences in reverse, forward and second order (`ag.check_grads(...,
order=2)`), or refused by name at transform time.
"""
from __future__ import annotations

import functools
import warnings
from functools import reduce

import numpy as np
import pytest

import astgrad as ag
from astgrad.errors import UnsupportedSyntaxError

RS = np.random.RandomState(0)
X = np.array([0.3, -0.5, 0.8, 1.1])
WS = [RS.randn(4, 4) * 0.5 for _ in range(3)]


# ---- comprehensions and generator expressions --------------------------------------------

def stacked_layers(x, Ws):
    return np.sum(np.stack([np.tanh(W @ x) for W in Ws]) ** 2)


def summed_generator(x, Ws):
    return sum(np.sum((W @ x) ** 2) for W in Ws)


def filtered_and_nested(x):
    return sum(np.sum(a * b) for a in [x, x ** 2, np.sin(x)] if a.shape[0] > 1
               for b in [np.cos(x), x] if b is not a)


def comprehension_of_comprehensions(x):
    rows = [[x[i] * x[j] for j in range(i + 1)] for i in range(len(x))]
    return sum(sum(v for v in row) for row in rows)


def comprehension_in_a_loop(x):
    total = 0.0
    for k in range(3):
        total = total + np.sum(np.array([x[i] ** (k + 1) for i in range(2)]))
    return total


def comprehension_variable_does_not_leak(x):
    W = x * 2.0
    ys = [W * 3.0 for W in [x, x ** 2]]
    return np.sum(W * ys[1])


def summed_list_comprehension(x):
    return sum([np.exp(x[i]) * x[i + 1] for i in range(len(x) - 1) if i % 2 == 0])


@pytest.mark.parametrize("fn, args", [
    (stacked_layers, (X, WS)),
    (summed_generator, (X, WS)),
    (filtered_and_nested, (X,)),
    (comprehension_of_comprehensions, (X,)),
    (comprehension_in_a_loop, (X,)),
    (comprehension_variable_does_not_leak, (X,)),
    (summed_list_comprehension, (X,)),
])
def test_comprehensions(fn, args):
    ag.check_grads(fn, args, order=2)


def test_comprehension_values():
    g = ag.grad(comprehension_variable_does_not_leak)(X)
    np.testing.assert_allclose(g, 2.0 * 3.0 * X ** 2 + 2.0 * X * 6.0 * X)
    g = ag.grad(comprehension_of_comprehensions)(X)
    # sum over i >= j of x_i x_j: d/dx_k = sum(x) + x_k
    np.testing.assert_allclose(g, np.sum(X) + X)


def dict_comprehension(params):
    scaled = {k: v * 2.0 for k, v in params.items()}
    return np.sum(scaled["W"] ** 2) + scaled["b"] * 3.0


def dict_comprehension_filtered(x):
    d = {k: x * i for i, k in enumerate(["a", "b", "c"]) if k != "c"}
    return np.sum(d["a"] + d["b"] ** 2) + len(d)


def test_dict_comprehensions():
    params = {"W": np.array([0.3, 0.5]), "b": 0.7}
    g = ag.grad(dict_comprehension)(params)
    np.testing.assert_allclose(g["W"], 8 * params["W"])
    assert g["b"] == pytest.approx(6.0)
    ag.check_grads(dict_comprehension, (params,), order=2)
    np.testing.assert_allclose(ag.grad(dict_comprehension_filtered)(X), 2 * X)
    ag.check_grads(dict_comprehension_filtered, (X,), order=2)


def set_comprehension(x):
    return np.sum(np.array(sorted({v for v in x})))


def comprehension_in_while_test(x):
    while sum([v for v in x]) > 10.0:
        x = x / 2.0
    return np.sum(x)


def comprehension_in_a_branch(x):
    return np.sum(x) if x[0] > 0 else sum([v for v in x])


@pytest.mark.parametrize("fn, what", [
    (set_comprehension, "set comprehensions"),
    (comprehension_in_while_test, "`while` test"),
    (comprehension_in_a_branch, "a if c else b"),
])
def test_comprehensions_refused(fn, what):
    with pytest.raises(UnsupportedSyntaxError, match="test_language.py") as err:
        ag.grad(fn)(X)
    assert what in str(err.value)


# ---- lambdas and local functions as values -------------------------------------------------

def named_lambda(x):
    act = lambda z: np.maximum(z, 0.1) * x[0]   # noqa: E731
    return np.sum(act(x) ** 2)


def lambda_called_twice(x):
    sq = lambda z: z * z   # noqa: E731
    return np.sum(sq(sq(x)) + sq(np.sin(x)))


@pytest.mark.parametrize("fn", [named_lambda, lambda_called_twice])
def test_lambdas(fn):
    ag.check_grads(fn, (X,), order=2)


# ---- with blocks -----------------------------------------------------------------------------

def errstate_block(x):
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.log(x * x)
    return np.sum(y * x)


def catch_warnings_block(x):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = np.sqrt(x)
    return np.sum(y)


def test_with_blocks():
    ag.check_grads(errstate_block, (X,), order=2)
    ag.check_grads(catch_warnings_block, (np.abs(X) + 0.1,), order=2)


def errstate_raise(x):
    with np.errstate(divide="raise"):
        y = np.log(x)
    return np.sum(y)


def open_file(x):
    with open("f") as fh:
        fh.read()
    return np.sum(x)


@pytest.mark.parametrize("fn, what", [(errstate_raise, "asks for errors"),
                                      (open_file, "only `np.errstate`")])
def test_with_blocks_refused(fn, what):
    with pytest.raises(UnsupportedSyntaxError, match="test_language.py") as err:
        ag.grad(fn)(X)
    assert what in str(err.value)


# ---- `return` inside loops ---------------------------------------------------------------------

def return_in_for(x):
    y = x
    for _ in range(10):
        y = np.sin(y) * 1.5
        if np.sum(y) > 2.0:
            return np.sum(y * x)
    return np.sum(y)


def return_in_nested_for(x):
    t = 0.0
    for i in range(3):
        for j in range(3):
            t = t + x[i] * x[j]
            if t > 1.2:
                return t * 2.0
    return t


def return_in_while(x):
    s = x[0]
    while True:
        s = s * 1.3
        if s > 4.0:
            return s * x[1]


def first_above(x, level):
    for i in range(len(x)):
        if x[i] > level:
            return x[i] ** 2
    return np.sum(x)


def return_in_inlined_helper(x):
    return first_above(x, 0.6) + first_above(x * 0.5, 0.1) * first_above(x, 5.0)


def return_never_taken(x):
    for i in range(3):
        if x[i] > 100.0:
            return x[i]
    return np.sum(x ** 3)


@pytest.mark.parametrize("fn", [return_in_for, return_in_nested_for, return_in_while,
                                return_in_inlined_helper, return_never_taken])
def test_return_inside_loops(fn):
    x = np.array([0.5, 0.9, 0.7])
    ag.check_grads(fn, (x,), order=2)


def test_return_inside_loops_values():
    x = np.array([0.5, 0.9, 0.7])
    # t passes 1.2 at (i, j) = (1, 0): t = x0^2 + 2 x0 x1 ... stops at x0*x0+x0*x1+x0*x2+x1*x0
    np.testing.assert_allclose(ag.grad(return_in_nested_for)(x),
                               2.0 * np.array([2 * x[0] + x[2] + 2 * x[1], 2 * x[0], x[0]]))
    np.testing.assert_allclose(ag.grad(return_never_taken)(x), 3 * x ** 2)
    value, _ = ag.value_and_grad(return_in_while)(x)
    assert value == pytest.approx(0.5 * 1.3 ** 8 * 0.9)


# ---- `raise` and `assert` in branches: kept in the forward sweep -----------------------------

class TooBig(ValueError):
    pass


def checks_and_raises(x):
    if np.any(x < 0):
        raise ValueError(f"negative input {x[0]}")
    y = np.sqrt(x)
    assert y.shape == x.shape, "shape"
    for i in range(2):
        if y[i] > 100:
            raise TooBig("too big")
        y = y * 1.5
    return np.sum(y)


def raises_in_else(x):
    if x > 0:
        return x * 2
    else:
        raise ValueError("x must be positive")


def test_raise_in_branches():
    x = np.array([0.3, 0.5, 0.7])
    ag.check_grads(checks_and_raises, (x,), order=2)
    np.testing.assert_allclose(ag.grad(checks_and_raises)(x), 2.25 * 0.5 / np.sqrt(x))
    ag.check_grads(raises_in_else, (0.5,), order=2)
    with pytest.raises(ValueError, match="negative input -0.3"):
        ag.grad(checks_and_raises)(-x)
    with pytest.raises(TooBig):
        ag.jvp(checks_and_raises)(x * 1e6, x)
    with pytest.raises(ValueError, match="must be positive"):
        ag.grad(ag.grad(raises_in_else))(-1.0)
    with pytest.raises(ValueError, match="must be positive"):
        ag.vjp(raises_in_else)(-1.0)


# ---- starred assignment targets ---------------------------------------------------------------

def star_middle(x):
    a, *mid, z = x                     # an array: rows, the middle ones in a list
    return a * z + np.sum(np.array(mid) ** 2)


def star_of_a_tuple(x):
    *head, z = (np.sin(x), x ** 2, 3.0 * x)
    return np.sum(head[0] * head[1] * z)


def star_of_a_grown_list(x):
    ps = []
    for i in range(3):
        ps.append(x * (i + 1.0))
    a, *rest = ps                      # a list whose length the compiler does not see
    total = np.sum(a)
    for r in rest:
        total = total + np.sum(r ** 2)
    return total


def star_empty(x):
    a, b, *rest = x[0], x[1]
    return a * b + len(rest)


def star_of_one_row(x):
    a, *rest = x                       # rest is [] for a length-1 x: its adjoint is empty
    return a * np.sum(np.array(rest)) + a ** 2


def star_nested(W):
    (a, *b), c = W, W[0]
    return np.sum(a * c) + np.sum(np.array(b) ** 3)


def star_in_a_loop(x):
    out = 0.0
    for a, *b in [(x, 2.0 * x, np.cos(x)), (x, x ** 2, x)]:
        out = out + np.sum(a * b[1] * b[0])
    return out


@pytest.mark.parametrize("fn, arg", [
    (star_middle, X), (star_of_a_tuple, X), (star_of_a_grown_list, X), (star_empty, X),
    (star_of_one_row, X[:1]), (star_nested, RS.randn(3, 2)), (star_in_a_loop, X)],
    ids=lambda v: getattr(v, "__name__", ""))
def test_starred_targets(fn, arg):
    ag.check_grads(fn, (arg,), order=2)
    ag.check_grads(fn, (arg,), forward=True)


def test_starred_targets_values():
    a, m1, m2, z = X
    assert ag.grad(star_middle)(X) == pytest.approx([z, 2 * m1, 2 * m2, a])
    assert ag.grad(star_empty)(X) == pytest.approx([X[1], X[0], 0.0, 0.0])
    assert ag.grad(star_of_one_row)(X[:1]) == pytest.approx(2.0 * X[:1])
    with pytest.raises(UnsupportedSyntaxError, match="cannot unpack 2 values into 4 names"):
        ag.grad(_three_starred)(X)


def _three_starred(x):
    a, b, *c, d = x[0], x[1]
    return a * b * d


# ---- assignment expressions (`:=`) -------------------------------------------------------------

def walrus_in_a_test(x):
    if (n := np.sum(x ** 2)) > 1.0:
        return n * x[0]
    return n


def walrus_in_a_while_test(x):
    s = 0.0
    i = 0
    while (v := np.sin(x[i]) * x[i]) < 0.5 and i < 3:
        s = s + v
        i += 1
    return s + v


def walrus_in_a_filter(x):
    ys = [y for t in x if (y := np.cos(t) * t) > -0.4]
    return sum(ys) + y                 # `y` is the function's: the last one made


def walrus_twice(x):
    return (a := x[0] * 2.0) * (a := a + x[1]) * a


def walrus_twice_in_a_loop(x):
    out = 0.0
    for t in x:
        out = out + (u := t * t) * (u := u + t) + u
    return out


def walrus_once_in_a_loop(x):
    out = 0.0
    for t in x:
        out = out + (u := np.sin(t)) * u
    return out


def walrus_in_a_branch(x):
    return x[1] if (m := np.max(x)) > 5 else m * x[0]


@pytest.mark.parametrize("fn", [walrus_in_a_test, walrus_in_a_while_test, walrus_in_a_filter,
                                walrus_twice, walrus_twice_in_a_loop, walrus_once_in_a_loop,
                                walrus_in_a_branch], ids=lambda f: f.__name__)
def test_assignment_expressions(fn):
    assert ag.value_and_grad(fn)(X)[0] == pytest.approx(fn(X))
    ag.check_grads(fn, (X,), order=2)
    ag.check_grads(fn, (X,), forward=True)


def test_assignment_expressions_values():
    a = 2.0 * X[0]
    assert walrus_twice(X) == pytest.approx(a * (a + X[1]) ** 2)
    # d/dx0 of 2 x0 (2 x0 + x1)^2, d/dx1 likewise
    assert ag.grad(walrus_twice)(X) == pytest.approx(
        [2.0 * (a + X[1]) ** 2 + 4.0 * a * (a + X[1]), 2.0 * a * (a + X[1]), 0.0, 0.0])
    assert ag.grad(walrus_once_in_a_loop)(X) == pytest.approx(np.sin(2.0 * X))


# ---- map and functools.reduce ------------------------------------------------------------------

def _square(t):
    return t * t


def map_of_a_lambda(x):
    return sum(map(lambda t: t ** 2 * np.sin(t), x))


def map_of_numpy_and_own(x):
    ys = list(map(np.sin, x)) + list(map(_square, x))
    return ys[0] * ys[1] + ys[5] * ys[2]


def map_over_two(x, y):
    return np.sum(np.array(list(map(lambda a, b: a * np.cos(b), x, y))))


def loop_over_map(Ws, x):
    total = 0.0
    for h in map(lambda W: np.tanh(W @ x), Ws):
        total = total + np.sum(h ** 2)
    return total


def product_by_reduce(x):
    return functools.reduce(lambda a, b: a * b, x)


def chain_by_reduce(Ws, x):
    return np.sum(functools.reduce(np.dot, Ws) @ x)


def reduce_with_start(x):
    return reduce(lambda acc, t: acc + np.exp(-t * acc), x, 0.5)


def reduce_of_map(x):
    return reduce(lambda a, b: a + b, map(_square, x))


def map_shadowed(x):
    map = _square                      # a local `map`: not the builtin, called as it is
    return np.sum(map(x))


@pytest.mark.parametrize("fn, args", [
    (map_of_a_lambda, (X,)), (map_of_numpy_and_own, (X,)), (map_over_two, (X, X[::-1])),
    (loop_over_map, (WS, X)), (product_by_reduce, (X,)), (chain_by_reduce, (WS, X)),
    (reduce_with_start, (X,)), (reduce_of_map, (X,)), (map_shadowed, (X,)),
], ids=lambda v: getattr(v, "__name__", ""))
def test_map_and_reduce(fn, args):
    assert ag.value_and_grad(fn)(*args)[0] == pytest.approx(fn(*args))
    ag.check_grads(fn, args, order=2)
    ag.check_grads(fn, args, forward=True)


def test_map_and_reduce_values():
    assert ag.grad(product_by_reduce)(X) == pytest.approx(np.prod(X) / X)
    assert ag.grad(reduce_of_map)(X) == pytest.approx(2.0 * X)
    assert ag.grad(map_of_a_lambda)(X) == pytest.approx(2 * X * np.sin(X) + X ** 2 * np.cos(X))
    A = WS[0] @ WS[1] @ WS[2]
    assert ag.grad(chain_by_reduce, wrt=1)(WS, X) == pytest.approx(A.T @ np.ones(4))


def _loops_over_its_own_x(xs):
    s = 0.0
    for x in xs:                       # the helper's `x`, not the caller's
        s = s + np.sin(x)
    return s


def test_a_nested_loop_variable_named_as_the_callers_argument():
    def f(x):
        def g(xs):
            s = 0.0
            for x in xs:
                s = s + np.sin(x) * x
            return s
        return g(x) + _loops_over_its_own_x(x)
    # crashed with UnboundLocalError: the loop read its sequence under the loop variable's name
    assert ag.grad(f)(X) == pytest.approx(np.cos(X) * X + np.sin(X) + np.cos(X))
    ag.check_grads(f, (X,), order=2)
