"""The list mutations people write (issue 10): `insert`, `pop(i)`, `del xs[i]`,
`del xs[a:b]`, `clear`, and a slice store that changes the list's length, which
`list_methods` writes as that slice store (`xs[i:i] = [v]`, `xs[i:i + 1] = []`).

Each is checked against finite differences in reverse and forward mode and at second
order (`ag.check_grads(..., order=2)`), at a generic point and where items are zero;
what is still refused is refused by name (`xs.remove(v)`, list repetition of
differentiated items, taking items out of a dict).
"""
from __future__ import annotations

import numpy as np
import pytest

import astgrad as ag
from astgrad import errors

X = np.array([0.3, -0.5, 0.8, 1.1])
ZEROS = np.array([0.0, -0.5, 0.0, 1.1])


# ---- insert ------------------------------------------------------------------------------
def insert_in_the_middle(x):
    xs = [x[0], x[1]]
    xs.insert(1, x[2] * x[3])
    return xs[0] * xs[1] + xs[2] ** 2


def insert_at_the_front_in_a_loop(x):
    xs = []
    for i in range(4):
        xs.insert(0, x[i] * (i + 1.0))
    return xs[0] * xs[1] + xs[3] * xs[2] ** 2


def insert_at_negative_and_far_positions(x):
    xs = [x[0], x[1], x[2]]
    xs.insert(-1, np.sin(x[3]))           # before the last item
    xs.insert(10, x[0] * x[1])            # past the end: appended
    xs.insert(-10, x[2] ** 2)             # before the start: at 0
    return xs[0] * xs[1] + xs[3] * xs[4] + xs[5] * xs[2] + len(xs)


def insert_at_a_computed_position(x):
    xs = [x[0], x[1], x[2]]
    s = 0.0
    for i in range(3):
        xs.insert(len(xs) - i - 1, xs[i] * x[3])
        s = s + xs[i] * xs[-1]
    return s


def insert_arrays(x):
    rows = [x[:2], x[2:]]
    rows.insert(1, np.tanh(x[1:3]))
    return np.sum(rows[0] * rows[1]) + np.sum(rows[2] ** 2) * np.sum(rows[1])


# ---- pop(i) ------------------------------------------------------------------------------
def pop_the_first(x):
    xs = [x[0], x[1], x[2]]
    v = xs.pop(0)
    return v * xs[0] + xs[1] ** 2


def pop_a_negative_position(x):
    xs = [x[0], x[1], x[2], x[3]]
    v = xs.pop(-2)
    w = xs.pop(-1)
    return v * w + xs[0] * xs[-1]


def pop_as_a_queue(x):
    xs = [np.sin(x[i]) for i in range(4)]
    s = 0.0
    while len(xs) > 1:
        v = xs.pop(0)
        s = s + v * xs[0]
    return s + xs[0]


def pop_a_variable_position(x):
    xs = [x[0], x[1], x[2], x[3]]
    s = 0.0
    for i in range(-1, 2):
        v = xs.pop(i)
        s = s + v * xs[0]
    return s


def pop_discarded(x):
    xs = [x[0] * x[1], x[2], x[3]]
    xs.pop(1)
    return xs[0] * xs[1]


# ---- del ---------------------------------------------------------------------------------
def del_an_item(x):
    xs = [x[0], x[1], x[2]]
    del xs[1]
    return xs[0] * xs[1]


def del_the_last_and_a_slice(x):
    xs = [x[0], x[1], x[2], x[3], x[0] * x[3]]
    del xs[-1]
    del xs[1:3]
    return xs[0] * xs[1] + len(xs)


def del_in_a_loop(x):
    xs = [x[0], x[1], x[2], x[3]]
    s = 0.0
    for i in range(3):
        s = s + xs[0] * xs[-1]
        del xs[0]
    return s


def del_at_a_variable_position(x):
    xs = [x[0], x[1], x[2], x[3]]
    s = 0.0
    for i in [2, -1, 0]:
        del xs[i]
        s = s + np.sum(np.array(xs) * x[:len(xs)])
    return s


# ---- clear, and what `len` says afterwards -------------------------------------------------
def clear_then_refill(x):
    xs = [x[0], x[1]]
    s = xs[0] * xs[1]
    xs.clear()
    xs.append(x[2])
    return s + xs[0] * len(xs)


def mixed_changes(x):
    xs = [x[0], x[1], x[2]]
    xs.pop()
    del xs[0]
    xs.insert(0, x[3])
    xs.append(xs[0] * xs[1])
    return len(xs) * xs[0] * xs[1] + xs[-1]


# ---- slice stores that change the length -------------------------------------------------
def slice_store_shorter(x):
    xs = [x[0], x[1], x[2]]
    xs[0:2] = [x[0] * x[1]]
    return sum(xs)


def slice_store_longer_at_negative_positions(x):
    xs = [x[0], x[1], x[2], x[3]]
    xs[-3:-1] = [x[0] * x[1], x[2] ** 2, x[3]]
    return xs[0] * xs[1] + xs[2] * xs[3] + xs[4] ** 2


def slice_store_past_the_end(x):
    xs = [x[0], x[1]]
    xs[5:7] = [x[2] * x[3]]               # Python puts it at the end
    return xs[0] * xs[2] + xs[1]


def slice_store_in_a_loop(x):
    xs = [x[0], x[1], x[2], x[3]]
    s = 0.0
    for i in range(2):
        xs[i:i + 2] = [xs[i] * xs[i + 1]]
        s = s + xs[i] * x[i]
    return s + xs[-1]


def slice_store_of_a_name(x):
    xs = [x[0], x[1], x[2]]
    ys = [np.cos(x[3]), x[0] * x[3], x[1]]
    xs[1:2] = ys
    return xs[0] * xs[1] + xs[2] * xs[3] + xs[4]


# ---- joined, reversed, indexed from the end: these worked, kept working -------------------
def joined_reversed_and_from_the_end(x):
    xs = [x[0], x[1]]
    ys = [x[2] * x[3]]
    zs = xs + ys
    rs = zs[::-1]
    s = 0.0
    for v in zs[1:]:
        s = s + v * rs[0]
    return s + zs[-1] * rs[-1]


# ---- in a helper, inlined: the caller's list changes ---------------------------------------
def moves_to_the_front(xs, v):
    xs.insert(0, v)
    return xs.pop(2)


def calls_a_helper_that_changes_the_list(x):
    xs = [x[0], x[1], x[2]]
    w = moves_to_the_front(xs, x[3] ** 2)
    return w * xs[0] + xs[-1] * xs[1]


DIFFERENTIATED = [
    insert_in_the_middle, insert_at_the_front_in_a_loop, insert_at_negative_and_far_positions,
    insert_at_a_computed_position, insert_arrays, pop_the_first, pop_a_negative_position,
    pop_as_a_queue, pop_a_variable_position, pop_discarded, del_an_item,
    del_the_last_and_a_slice, del_in_a_loop, del_at_a_variable_position, clear_then_refill,
    mixed_changes, slice_store_shorter, slice_store_longer_at_negative_positions,
    slice_store_past_the_end, slice_store_in_a_loop, slice_store_of_a_name,
    joined_reversed_and_from_the_end, calls_a_helper_that_changes_the_list]


@pytest.mark.parametrize("f", DIFFERENTIATED, ids=lambda f: f.__name__)
@pytest.mark.parametrize("x", [X, ZEROS], ids=["generic", "zeros"])
def test_against_finite_differences_all_orders(f, x):
    ag.check_grads(f, (x,), order=2)


def test_the_gradient_of_an_insert_and_a_pop_in_closed_form():
    # insert_in_the_middle: x0 * x2 x3 + x1 ** 2
    np.testing.assert_allclose(ag.grad(insert_in_the_middle)(X),
                               [X[2] * X[3], 2 * X[1], X[0] * X[3], X[0] * X[2]])
    # pop_the_first: x0 * x1 + x2 ** 2
    np.testing.assert_allclose(ag.grad(pop_the_first)(X), [X[1], X[0], 2 * X[2], 0.0])
    # slice_store_shorter: x0 x1 + x2
    np.testing.assert_allclose(ag.grad(slice_store_shorter)(X), [X[1], X[0], 1.0, 0.0])


@pytest.mark.parametrize("f", [insert_at_the_front_in_a_loop, pop_a_variable_position,
                               del_at_a_variable_position, slice_store_in_a_loop],
                         ids=lambda f: f.__name__)
def test_hvp_and_hessian_against_differences_of_the_gradient(f):
    v = np.array([0.2, -1.0, 0.5, 0.3])
    h = 1e-6
    expected = (ag.grad(f)(X + h * v) - ag.grad(f)(X - h * v)) / (2 * h)
    np.testing.assert_allclose(ag.hvp(f)(X, v), expected, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ag.hessian(f)(X) @ v, expected, rtol=1e-6, atol=1e-8)


def test_values_and_jvp_agree_with_the_function():
    for f in DIFFERENTIATED:
        value, derivative = ag.jvp(f)(X, np.ones(4))
        assert value == pytest.approx(f(X), rel=1e-14)
        assert derivative == pytest.approx(float(np.sum(ag.grad(f)(X))), rel=1e-10)


def test_the_generated_code_writes_the_slice_and_reads_the_new_items_back():
    df = ag.grad(insert_in_the_middle)
    df(X)
    text = ag.source(df)
    # where the new item is, `len(xs[:1])`: 1, or fewer were the list shorter
    assert "xs_at = len(xs[:1])" in text and "xs[1:1] = " in text
    df = ag.grad(slice_store_in_a_loop)
    df(X)
    text = ag.source(df)
    assert "xs_at = len(xs[:i])" in text and "xs[xs_at:xs_end] = saved_xs_items.pop()" in text


# ---- a list argument changed in place: the caller sees what `f` does ----------------------
def takes_from_the_argument(ps):
    v = ps.pop(0)
    ps.insert(1, v * 2.0)
    return np.sum(ps[0] * ps[1]) + np.sum(ps[2])


def test_a_list_argument_changed_as_the_function_changes_it():
    ps = [np.array([0.5, -1.0]), np.array([2.0, 0.25]), np.array([1.5, 3.0])]
    expected = list(ps)
    takes_from_the_argument(expected)
    mine = list(ps)
    gradient = ag.grad(takes_from_the_argument)(mine)
    assert len(mine) == len(expected)
    for a, b in zip(mine, expected):
        np.testing.assert_array_equal(a, b)
    # f = <p1, 2 p0> + sum(p2), the list [p1, 2 p0, p2]
    np.testing.assert_allclose(gradient[0], 2 * ps[1])
    np.testing.assert_allclose(gradient[1], 2 * ps[0])
    np.testing.assert_allclose(gradient[2], [1.0, 1.0])


# ---- refused, by name ----------------------------------------------------------------------
def deletes_from_a_list_another_name_reads(x):
    xs = [x[0], x[1], x[2]]
    ys = xs
    del xs[0]
    return ys[0] * ys[1]


def test_a_change_another_name_of_the_list_would_see_is_refused_naming_it():
    with pytest.raises(errors.InPlaceError, match=r"changes a list in place that `ys`"):
        ag.grad(deletes_from_a_list_another_name_reads)(X)


def removes_by_value(x):
    xs = [x[0], x[1], x[2]]
    xs.remove(xs[1])
    return xs[0] * xs[1]


def repeats_a_list_name(x):
    xs = [x[0], x[1]]
    zs = xs * 2
    return zs[0] * zs[3]


def deletes_from_a_dict(x):
    d = {"a": x[0], "b": x[1]}
    k = "a"
    del d[k]
    return d["b"] * 2.0


def clears_a_dict(x):
    d = {"a": x[0], "b": x[1]}
    d.clear()
    return x[2]


def pops_a_dict_key(x):
    d = {"a": x[0], "b": x[1]}
    v = d.pop("a")
    return v * d["b"]


@pytest.mark.parametrize("f, error, match", [
    (removes_by_value, errors.UnsupportedSyntaxError, r"(?s)\.remove\(\).*comparing values"),
    (repeats_a_list_name, errors.NoRuleError, r"`xs \* 2` repeats a list"),
    (deletes_from_a_dict, errors.UnsupportedSyntaxError, r"taking items out of the dict `d`"),
    (clears_a_dict, errors.UnsupportedSyntaxError, r"taking items out of the dict `d`"),
    (pops_a_dict_key, errors.UnsupportedSyntaxError, r"`\.pop\(i\)` with an argument"),
])
def test_refused_by_name_with_the_line(f, error, match):
    with pytest.raises(error, match=match) as info:
        ag.grad(f)(X)
    assert "test_list_mutations.py:" in str(info.value)
