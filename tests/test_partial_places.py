"""`functools.partial` and `*parts` where they are made (issue 10): a partial made
inside an `if`/`else` or a loop, a partial passed to a helper, a tuple spread with `*`
bound inside an `if` or a loop (see `transform.bound_in_blocks` and
`transform.call_arguments`). Checked against finite differences in reverse, forward
and second order; what stays refused is refused by name.
"""
from __future__ import annotations

import functools
from functools import partial

import numpy as np
import pytest

import astgrad as ag
from astgrad.errors import UnsupportedSyntaxError

X = np.array([1.3, 0.4, -0.6])
W = np.array([[0.5, 0.1, -0.3], [0.2, 0.3, 0.4], [-0.1, 0.25, 0.2]])


def layer(x, a, scale=1.0):
    return np.tanh(a @ x) * scale


def apply(g, x):
    return g(x)


def apply_twice(g, x):
    return g(g(x) + x)


def in_branches(x):
    if x[0] > 0:
        g = partial(layer, a=W)
    else:
        g = partial(layer, a=W * 2.0, scale=0.5)     # another keyword: refused below
    return g(x).sum()


def in_both_branches(x):
    if x[0] > 0:
        g = partial(layer, a=W * x[1])
    else:
        g = partial(layer, a=W.T)
    return np.sum(g(x) ** 2)


def in_a_loop(x):
    s = 0.0
    for i in range(3):
        g = functools.partial(layer, a=W * (i + 1.0), scale=x[2])
        s = s + np.sum(g(x * x[i]))
    return s


def imported_inside(x):
    s = 0.0
    for i in range(2):
        import functools as ft
        from functools import partial as bind
        g = ft.partial(layer, a=W * (i + 1.0))
        h = bind(layer, scale=x[0])
        s = s + np.sum(g(x)) + np.sum(h(x, W))
    return s


def positional_in_a_loop(x):
    s = x * 0.0
    for i in range(2):
        g = partial(layer, x * (i + 0.5))       # `x` bound by position
        s = s + g(W, scale=1.5)                 # a keyword of the call's own
    return np.sum(s ** 2)


def before_and_in_a_branch(x):
    g = partial(layer, a=W)
    if x[1] > 0:
        g = partial(layer, a=W * x[0])
    return np.sum(g(x))


def nested_def_in_a_branch(x):
    if x[0] > 0:
        def act(v, w, scale=1.0):
            return (np.sin(v) + w) * scale
        h = functools.partial(act, scale=0.5)
        y = h(x, x * 2.0)
    else:
        y = x
    return np.sum(y ** 2)


def passed_to_a_helper(x):
    return np.sum(apply(partial(layer, a=W), x))


def passed_twice(x):
    return np.sum(apply_twice(partial(layer, a=W * x[0], scale=0.7), x))


def made_in_a_branch_and_passed(x):
    if x[0] > 0:
        g = partial(layer, a=W)
    else:
        g = partial(layer, a=-W)
    return np.sum(apply(g, x) * x)


def passed_as_a_keyword(x):
    return np.sum(apply(x=x, g=partial(layer, a=W)))


def total(*vs):
    t = 0.0
    for v in vs:
        t = t + np.sum(v ** 2)
    return t * 0.5


def spread_in_a_branch(x):
    if x[0] > 0:
        parts = (x, np.sin(x))
    else:
        parts = (x * 2.0, x)
    return total(*parts, x[1])


def spread_in_a_loop(x):
    s = 0.0
    for i in range(3):
        parts = (x * i, W @ x)
        s = s + total(*parts)
    return s


def spread_into_a_layer(x):
    s = 0.0
    for i in range(2):
        parts = (x + i, W)
        s = s + np.sum(layer(*parts))
    return s


CASES = [in_both_branches, in_a_loop, imported_inside, positional_in_a_loop, before_and_in_a_branch,
         nested_def_in_a_branch, passed_to_a_helper, passed_twice,
         made_in_a_branch_and_passed, passed_as_a_keyword, spread_in_a_branch,
         spread_in_a_loop, spread_into_a_layer]
POINTS = [X, np.array([-0.8, -0.5, 0.9])]      # each branch taken


@pytest.mark.parametrize("fn", CASES)
@pytest.mark.parametrize("point", range(len(POINTS)))
def test_first_order(fn, point):
    ag.check_grads(fn, (POINTS[point],), order=1)


@pytest.mark.parametrize("fn", CASES)
def test_second_order(fn):
    for x in POINTS:
        ag.check_grads(fn, (x,), order=2)


def test_values():
    x = X.copy()
    assert ag.grad(passed_to_a_helper)(x) == pytest.approx(
        W.T @ (1 - np.tanh(W @ X) ** 2))
    assert np.array_equal(x, X)
    # the branch taken decides which partial is called
    for x in POINTS:
        a = W * x[1] if x[0] > 0 else W.T
        expected = 2 * a.T @ (np.tanh(a @ x) * (1 - np.tanh(a @ x) ** 2))
        if x[0] > 0:
            t = np.tanh(a @ x)
            expected = expected + 2 * np.sum(t * (1 - t ** 2) * (W @ x)) * np.eye(3)[1]
        np.testing.assert_allclose(ag.grad(in_both_branches)(x), expected, rtol=1e-12)


def test_code_outside_if_and_loops_is_as_before():
    # outside `if`/loops a partial is known by what it holds: no names for its values
    def at_the_top(x):
        g = partial(layer, a=W)
        return np.sum(g(x))
    df = ag.grad(at_the_top)
    df(X)
    assert "g_a" not in ag.source(df)
    df = ag.grad(in_a_loop)
    df(X)
    assert "g_a = " in ag.source(df)


# ---- what stays refused ------------------------------------------------------------------

def different_functions(x):
    if x[0] > 0:
        g = partial(layer, a=W)
    else:
        g = partial(apply, layer)
    return np.sum(g(x))


def partial_read_otherwise(x):
    s = 0.0
    for i in range(2):
        g = partial(layer, a=W)
        s = s + np.sum(g.keywords["a"] @ x)
    return s


def unknown_length(x, n):
    s = 0.0
    for i in range(n):
        parts = (x,) if i == 0 else (x, x)
        s = s + total(*parts)
    return s


def repeat(g, x, n):
    if n == 0:
        return x
    return repeat(g, g(x), n - 1)


def to_a_recursive_helper(x):
    return np.sum(repeat(partial(layer, a=W), x, 3))


@pytest.mark.parametrize("fn, args, match", [
    (to_a_recursive_helper, (X,), "`repeat` calls itself and is passed the function `g`"),
    (in_branches, (X,), "`g` is bound inside an `if` or a loop to `functools.partial` "
                        "objects of different functions, or with different arguments"),
    (different_functions, (X,), "objects of different functions"),
    (partial_read_otherwise, (X,), "keywords"),
    (unknown_length, (X, 2), "`\\*` unpacking of a value whose length is not known"),
])
def test_refused_by_name(fn, args, match):
    with pytest.raises(ag.AstgradError, match=match) as info:
        ag.grad(fn)(*args)
    assert "test_partial_places.py:" in str(info.value)
    assert isinstance(info.value, (UnsupportedSyntaxError, ag.AstgradError))
