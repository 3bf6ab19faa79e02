"""Regressions for the control-flow and in-place bugs of issue 9: each repro checked in
reverse, forward and second order against finite differences, or refused cleanly."""
from __future__ import annotations

import numpy as np
import pytest

import astgrad as ag


# ---- `a and b`, `a or b` inside loops ---------------------------------------------------------
# `c = a or b` became `c = a; if c: ...; c = b`: the branch reassigned its own test, so the
# reverse sweep took the branch by the value after it and popped the stacks out of order.

def and_of_items_in_a_loop(x, a):
    s = a
    for i in range(3):
        if x[i] > 0.0 and x[i] < 0.5:
            s = s + np.sin(x[i]) * s
        else:
            s = s * x[i]
    return s


def or_in_a_loop(x):
    s = 0.0
    for i in range(3):
        s = s + (np.min(x) if (np.sum(x) > 0.5) or (x[i] > 0.1) else x[i] - x[0])
        x = x * np.cos(x[i])
    return s


def test_and_of_items_in_a_loop():
    ag.check_grads(and_of_items_in_a_loop, (np.array([-0.2, 0.7, 0.3]), 1.5), wrt=(0, 1),
                   order=2)


def test_or_in_a_loop():
    ag.check_grads(or_in_a_loop, (np.array([0.12, -0.9, 0.35]),), order=2)


def while_loops_with_branches(x, y):
    """Issue 9, crashes: `IndexError: pop from empty list` in the reverse sweep."""
    i = 0
    while i < 4:
        i += 1
        if x < 0.51:
            x /= 4.0
        elif not (x >= -0.35):
            for j in range(2):
                x += np.tanh(y[1] - x)
                x -= np.tanh(x + (x + x))
                x *= np.tanh(np.sum(x - y))
        else:
            d = np.tanh(np.dot(y * y, y * y) * (x * (x - 0.1)))
            d = np.cos(np.dot(y, y) / (1.5 + np.sin(x ** 2.0)))  # noqa: F841
    k = 0
    while k < 2:
        n = 0
        while n < 2 and (k < y[k]):
            x *= np.tanh(np.cos(y[n]) + np.dot(y, y[::-1]))
            r = np.cos(y)
            r = np.sin(x * np.log(3.0 + np.tanh(r)))
            n += 1
        y = -y
        k += 1
    return (x * x) / 1000.0


def test_while_loops_with_branches():
    ag.check_grads(while_loops_with_branches, (1.185, np.array([1.08, 0.935, 0.978, 0.272])),
                   wrt=(0, 1), order=2)


def nan_from_a_branch_not_taken(x, y):
    """Issue 9 item 11: the gradient was all nan (np.min's rule at a saved value of
    another iteration: 0 / 0)."""
    for i in range(3):
        x = np.abs(x)
        c = np.cos((np.min(x) if (np.sum(x) > 0.27) or (x[-1] > 0.06) else x[i] - x[-3]))
        x *= np.cos(c + x[i])
    a, g = np.log(2.0 + np.cos(np.exp(np.tanh(x)) ** (-1.0))), x
    for j in range(5):
        a += np.cos(x)
        a += np.sin(a)
    return np.cos(np.exp(1.0 * (g[1] - g[-4])) * 1.3
                  / np.exp(np.tanh(((a[1] - x[2]) * (a[2] * y[1])) / 100.0)))


def test_nan_from_a_branch_not_taken():
    args = (np.array([0.121, -0.93, -0.349, 1.246]), np.array([0.879, 0.489, 0.242, 1.187]))
    with np.errstate(all="raise"):
        gradient = ag.grad(nan_from_a_branch_not_taken)(*args)
    assert np.allclose(gradient, [-0.0538, -0.0496, -0.0035, 0.0], atol=1e-4)
    ag.check_grads(nan_from_a_branch_not_taken, args, wrt=(0, 1), order=2)


# ---- a pullback or a jvp never changes what the caller holds (issue 9 item 5) ----------------
# The reverse sweep put back the items an index write overwrote into the array itself: the
# caller's argument, or the value the vjp returned, changed when the pullback ran, and a
# second pullback call started from the restored array. Now a restore nothing reads is not
# made at all, and one that is read writes into the reverse sweep's own copy.

def write_and_return(A, b):
    A[1] = b
    return A


def test_pullback_leaves_the_returned_value():
    value, pullback = ag.vjp(write_and_return, wrt=(0, 1))(np.ones(5), 3.0)
    gA, gb = pullback(np.arange(5.0))
    assert np.array_equal(value, [1.0, 3.0, 1.0, 1.0, 1.0])
    assert np.array_equal(gA, [0.0, 0.0, 2.0, 3.0, 4.0]) and gb == 1.0


def read_then_write(A, b):
    c = np.sin(A)
    A[1] = b * c[0]
    return A * c


def test_pullback_with_a_restore_it_reads():
    """The reverse of `c = np.sin(A)` reads A as it was before the write."""
    A = np.array([0.3, 0.5, 0.7])
    value, pullback = ag.vjp(read_then_write, wrt=(0, 1))(A, 3.0)
    after, held = A.copy(), value.copy()
    first, second = pullback(np.ones(3)), pullback(np.ones(3))
    assert np.array_equal(A, after) and np.array_equal(value, held)
    for g, s in zip(first, second):
        assert np.array_equal(g, s)
    ag.check_grads(read_then_write_on_a_copy, (np.array([0.3, 0.5, 0.7]), 3.0), wrt=(0, 1),
                   order=2)


def read_then_write_on_a_copy(A, b):
    return read_then_write(np.copy(A), b)


def sum_after_a_write(A, b):
    return np.sum(read_then_write(A, b))


def test_grad_leaves_the_argument_as_the_function_does():
    A, B = np.array([0.3, 0.5, 0.7]), np.array([0.3, 0.5, 0.7])
    sum_after_a_write(B, 3.0)
    ag.grad(sum_after_a_write, wrt=(0, 1))(A, 3.0)
    assert np.array_equal(A, B)


# ---- an argument changed by items and whole (`x[0] = b` and `x *= k`) ----------------------
# `x *= k` was lowered to a new array, so grad left the caller's array holding the item
# writes only (campaign 15's "grad changes its arguments other than f does").

def items_then_whole(x, b):
    x[0] = b
    x *= 2.0 * b
    return np.sum(x * x)


def whole_then_items(x, b):
    x *= b
    x[1] = np.sin(b)
    return np.sum(x * x)


def both_in_a_branch(x, b):
    if b > 0.0:
        x[2] = b * x[0]
    x += b
    return np.sum(np.tanh(x) * x)


def _lower_second(p, scale=0.2):
    p[1] -= scale


def items_by_a_helper_then_whole(x, b):              # seed 126332, shrunk
    _lower_second(x, b)
    x -= 0.5 * x
    return np.sum(x * x)


def _halve(p, by=2.0):
    p /= by


def items_then_a_helper_augments(x, b):             # seed 131338, shrunk
    x[0] *= np.cos(b)
    _halve(x, b + 1.0)
    return np.sum(x * x) * b


def rebound_to_itself(x, b):                         # seed 134247, shrunk
    x[0] += x[0] * b
    x -= 0.5 * x
    x = x
    return x[1] * b


def _bump_first(p):
    p[0] += 1.0


def a_helper_writes_a_slice_then_whole(x, b):       # seed 135643, shrunk
    _bump_first(x[1:])
    x += b
    return np.sum(x * x)


def zero_d_argument(x, b):
    x[...] = x * b
    x += b * b
    return x * np.sin(x)


@pytest.mark.parametrize("f, x", [(items_then_whole, np.array([0.3, -0.2, 0.5])),
                                  (whole_then_items, np.array([0.3, -0.2, 0.5])),
                                  (both_in_a_branch, np.array([[0.3, -0.2, 0.1], [0.5, 0.9, 1.1]])[0]),
                                  (both_in_a_branch, np.array([0.3, -0.2, 0.5])),
                                  (items_by_a_helper_then_whole, np.array([0.3, -0.2, 0.5])),
                                  (items_then_a_helper_augments, np.array([0.3, -0.2, 0.5])),
                                  (rebound_to_itself, np.array([0.3, -0.2, 0.5])),
                                  (a_helper_writes_a_slice_then_whole, np.array([0.3, -0.2, 0.5])),
                                  (zero_d_argument, np.array(0.4))])
def test_grad_leaves_an_argument_changed_by_items_and_whole_as_the_function_does(f, x):
    left = x.copy()
    value = f(left, 0.7)
    got = x.copy()
    g = ag.grad(f, wrt=(0, 1))(got, 0.7)
    assert np.array_equal(got, left)
    v, pullback = ag.vjp(f, wrt=(0, 1))(x.copy(), 0.7)
    assert np.allclose(v, value, rtol=1e-15)
    first, second = pullback(1.0), pullback(1.0)
    assert all(np.array_equal(a, b) and np.allclose(a, c, rtol=1e-14)
               for a, b, c in zip(first, second, g))
    ag.check_grads(lambda x, b: f(np.copy(x), b), (x.copy(), 0.7), wrt=(0, 1), order=2)


# ---- an adjoint that was the argument's array itself -------------------------------------
# `np.sum(x * z)`'s adjoint of `z` is `x` times a seed of 1, simplified to `bz = x`; the
# reverse sweep then wrote back into `x` what `x[0] = b` overwrote, changing `bz` too. grad
# was silently wrong (vjp, whose seed is not known to be 1, was right).

def adjoint_is_the_written_argument(x, b):
    z = x * b
    x[0] = b
    return np.sum(x * z)


def adjoint_is_the_augmented_argument(x, b):
    z = np.sin(x) * b
    x[...] += z
    return np.sum(x * z)


def adjoint_is_an_alias_of_the_written_argument(x, b):
    z = x * b
    x[0] = b
    w = x                                           # copy propagation read `w` after the
    return np.sum(w * z)                            # write-back into `x`


def tangent_is_a_written_array(x, b):
    y = x * 2.0
    z = y * b
    y[0] = b
    # grad's code has `bz = 1.0 + y`; its jvp had `tbz = ty`, which the write-back of
    # `y[0]` then changed: the mixed second derivative in `b` was wrong
    return np.sum(y * z) + np.sum(z)


@pytest.mark.parametrize("f", [adjoint_is_the_written_argument,
                               adjoint_is_the_augmented_argument,
                               adjoint_is_an_alias_of_the_written_argument,
                               tangent_is_a_written_array])
def test_an_adjoint_that_is_an_array_the_reverse_sweep_writes_back_into(f):
    x, b = np.array([0.4, 0.3, -0.5]), 0.7
    v, pullback = ag.vjp(f, wrt=(0, 1))(x.copy(), b)
    by_vjp = pullback(1.0)
    by_grad = ag.grad(f, wrt=(0, 1))(x.copy(), b)
    assert all(np.allclose(g, h, rtol=1e-14) for g, h in zip(by_grad, by_vjp))
    if f in (adjoint_is_the_written_argument, adjoint_is_an_alias_of_the_written_argument):
        assert np.allclose(by_grad[0], [b * b, 2 * b * x[1], 2 * b * x[2]], rtol=1e-14)
    ag.check_grads(lambda x, b: f(np.copy(x), b), (x, b), wrt=(0, 1), order=2)
    if f is tangent_is_a_written_array:                 # d/db of the gradient, closed form
        g = ag.grad(f, wrt=(0, 1))
        _, (dx_db, db_db) = ag.jvp(g, wrt=(1,))(x, b, (1.0,))
        assert np.allclose(dx_db, [4 * b + 2, 8 * x[1] + 2, 8 * x[2] + 2], rtol=1e-14)
        assert np.isclose(db_db, 4 * x[0], rtol=1e-14)


# ---- a 0-d array written and read by index (`x[...]`, `x[()]`) -----------------------------
# The adjoint of a 0-d array may be a NumPy number, which takes no item write: the
# reverse sweep raised a bare TypeError.

def zero_d_written(x, b):
    x[...] = x * b
    return x * np.sin(x)


def zero_d_read_and_augmented(x, b):
    z = x[()] * b
    x[...] += z
    return np.sum(x * z)


def zero_d_local_in_a_loop(x, b):
    y = np.zeros(())
    for i in range(3):
        y[()] += np.sin(x[...] * b) * y[...] + x
        y[...] = y * b
    return y * x


@pytest.mark.parametrize("f", [zero_d_written, zero_d_read_and_augmented,
                               zero_d_local_in_a_loop])
def test_a_0d_array_written_and_read_by_index(f):
    # (second order of the loop is refused: its first-order code pushes a view of `y`,
    # `y[...]`, then changes `y` in place)
    order = 1 if f is zero_d_local_in_a_loop else 2
    ag.check_grads(lambda x, b: f(np.copy(x), b), (np.array(0.4), 0.7), wrt=(0, 1), order=order)
    x = np.array(0.4)
    left = x.copy()
    f(left, 0.7)
    ag.grad(f, wrt=(0, 1))(x, 0.7)
    assert np.array_equal(x, left)


# ---- a list made in a branch of a loop, its items written in an inner loop ----------------
# The grad's code starts `s` at None and puts None back in its reverse loop; the jvp of it
# copied the tangent of `s` with `list(ts)`, a zero there (found by the syntax10 session).

def list_filled_in_a_branch_of_a_loop(a, b):
    t = 0.0
    for i in range(2):
        if i == 1:
            g = a * b
            s = [0.0, 0.0]
            for j in range(2):
                s[j] = np.cos(g) + g * j
            t = s[0] + s[1]
    return np.sin(a) * b + t


def test_a_list_the_grad_starts_at_none_at_second_order():
    ag.check_grads(list_filled_in_a_branch_of_a_loop, (1.39, 0.667), wrt=(0, 1), order=2)
    a, b = 1.39, 0.667
    g = a * b
    expected = [b * np.cos(a) + b * (1 - 2 * np.sin(g)), np.sin(a) + a * (1 - 2 * np.sin(g))]
    np.testing.assert_allclose(ag.grad(list_filled_in_a_branch_of_a_loop, wrt=(0, 1))(a, b),
                               expected, rtol=1e-14)


def recurrence_in_place(x):
    y = x * 1.0
    z = np.sin(y)
    for i in range(1, 3):
        y[i] = np.sin(y[i - 1]) + x[i]
    return y * z


def test_pullback_of_a_recurrence_twice():
    x = np.array([0.3, 0.5, 0.9])
    value, pullback = ag.vjp(recurrence_in_place)(x)
    held = value.copy()
    first, second = pullback(np.ones(3)), pullback(np.ones(3))
    assert np.array_equal(first, second) and np.array_equal(value, held)
    ag.check_grads(recurrence_in_place, (x,))


def write_in_a_branch(x, a):
    if a > 0.0:
        c = np.sin(x)
        d = np.sin(c)
        c[1] = a
        e = np.sum(d * c)
    else:
        e = np.sum(x)
    return e * a


@pytest.mark.parametrize("a", [-0.5, 0.5])
def test_write_read_back_in_a_branch(a):
    ag.check_grads(write_in_a_branch, (np.array([0.5, 0.7]), a), wrt=(0, 1), order=2)


def write_a_float_into(x, a):
    x[0] = a
    return np.sum(x * x)


def test_jvp_of_a_write_into_an_argument_not_differentiated():
    """The tangent of `x` starts at zero: `tx[0] = ta` used to raise NameError."""
    x = np.array([0.5, 0.7])
    value, tangent = ag.jvp(write_a_float_into, wrt=1)(x, 0.3, 1.0)
    assert value == pytest.approx(0.58) and tangent == pytest.approx(0.6)
    assert ag.grad(write_a_float_into, wrt=1)(np.array([0.5, 0.7]), 0.3) == pytest.approx(0.6)


def test_jvp_leaves_the_tangent_it_was_given():
    tangent = np.array([0.5, 0.25])
    ag.jvp(write_a_float_into, wrt=(0, 1))(np.array([0.5, 0.7]), 0.3, (tangent, 1.0))
    assert np.array_equal(tangent, [0.5, 0.25])


# ---- tuple assignment inside loops --------------------------------------------------------------
# Inside a loop, names are assigned in place: `A, B = B, A` became `A = B; B = A`, and a tuple
# known by its elements (`t = (a, b)`) was unpacked after a loop had changed `a`.

def swap_in_a_loop(A, B, c):
    for i in range(3):
        A, B = B * c, A
    return np.sum(A * np.arange(1.0, 3.0))


def test_swap_in_a_loop():
    A, B = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    assert swap_in_a_loop(A, B, 2.0) == pytest.approx(44.0)
    value, gradient = ag.value_and_grad(swap_in_a_loop, wrt=(0, 1, 2))(A, B, 2.0)
    assert value == pytest.approx(44.0)
    ag.check_grads(swap_in_a_loop, (A, B, 2.0), wrt=(0, 1, 2), order=2)


def tuple_read_after_a_loop(a, b):
    t = (a, b)
    for i in range(2):
        a = a * 2.0
    x, y = t
    return x * y + a


def test_tuple_read_after_a_loop():
    assert ag.value_and_grad(tuple_read_after_a_loop, wrt=(0, 1))(1.5, 2.0) == \
        (pytest.approx(9.0), (pytest.approx(6.0), pytest.approx(1.5)))
    ag.check_grads(tuple_read_after_a_loop, (1.5, 2.0), wrt=(0, 1), order=2)


def tuple_rebound_in_a_loop(a, b):
    t = (a, b)
    for i in range(2):
        t = (t[1], t[0] * a)
    x, y = t
    return x * y


def test_tuple_rebound_in_a_loop():
    assert ag.grad(tuple_rebound_in_a_loop)(1.5, 2.0) == pytest.approx(13.5)
    ag.check_grads(tuple_rebound_in_a_loop, (1.5, 2.0), wrt=(0, 1))


def written_then_rebound_in_a_loop(x):
    y = x * 1.0
    for i in range(2):
        z = np.sin(y)
        y[0] = z[1] * 2.0
        y = y * z
    return y


def test_pullback_twice_through_arrays_a_loop_rebinds():
    """The write-backs go into the arrays the stacks hold, each logged and undone last."""
    x = np.array([0.3, 0.5, 0.9])
    value, pullback = ag.vjp(written_then_rebound_in_a_loop)(x)
    held = value.copy()
    first, second = pullback(np.ones(3)), pullback(np.ones(3))
    assert np.array_equal(first, second) and np.array_equal(value, held)
    ag.check_grads(written_then_rebound_in_a_loop, (x,), order=2)


def _add_swapped(p, scale=0.1):
    if scale:
        p[[1, 0]] += p
    return p


def write_through_a_helpers_view(a, u):
    c = _add_swapped(u[0:2])
    u[1] -= 1
    return u


def test_a_pullback_leaves_an_array_a_logged_view_shows():
    # campaign seed 118892, shrunk: the pullback put back `u` whole, then undid its log of
    # writes into `p = u[0:2]`, whose items it had logged after `u` was put back part way:
    # the caller's `u` changed ([0.523, -0.477] -> [0.523, 0.523]) and a second call differed
    u = np.array([0.023, 0.5])
    value, pullback = ag.vjp(write_through_a_helpers_view, wrt=(0, 1))(0.2, u)
    after, held = u.copy(), value.copy()
    first, second = pullback(np.ones(2)), pullback(np.ones(2))
    np.testing.assert_array_equal(u, after)
    np.testing.assert_array_equal(value, held)
    np.testing.assert_array_equal(u, [0.523, -0.477])
    assert first[0] == second[0] == 0.0
    np.testing.assert_array_equal(first[1], [2.0, 2.0])
    np.testing.assert_array_equal(second[1], [2.0, 2.0])


def _set_second(p, q, scale=0.2, shift=0.1):
    p[1] = shift * p[0]
    return shift


def passes_an_unread_slice_then_writes(a, x):
    # campaign seed 170034, shrunk: the temporary made for `q=x[0:1]`, a parameter the
    # helper never reads, stayed "not read yet", so the write of the second call into `x`
    # was refused as changing it
    if a and _set_second(p=x, q=x[0:1], scale=0.39):
        x = x * a
    else:
        c = _set_second(x, x, scale=a, shift=a)
        x = x * c
    return np.sum(np.sin(x)) * a


def not_of_a_float(a, x):
    # the same program's first derivative holds `if not _1:` for `a and ...`: `not` of a
    # float has no derivative, and forward mode asked for its rule (second order refused)
    if not a:
        x = x * 2.0
    c = not a
    return np.sum(x * x) * a + (0.5 if c else a)


@pytest.mark.parametrize("a", [0.5, -0.7])
def test_not_of_a_float_and_an_unread_argument_slice(a):
    x = np.array([0.49, -0.338, 0.2])
    by_f, by_grad = x.copy(), x.copy()
    passes_an_unread_slice_then_writes(a, by_f)
    ag.grad(passes_an_unread_slice_then_writes, wrt=(0, 1))(a, by_grad)
    assert np.array_equal(by_grad, by_f) or np.array_equal(by_grad, x)   # `grad` runs f's
    ag.check_grads(passes_an_unread_slice_then_writes, (a, x.copy()), wrt=(0, 1), order=2)
    ga, gx = ag.grad(not_of_a_float, wrt=(0, 1))(a, x)
    assert ga == pytest.approx(np.sum(x * x) + 1.0, rel=1e-14)
    np.testing.assert_allclose(gx, 2 * a * x, rtol=1e-14)
    ag.check_grads(not_of_a_float, (a, x), wrt=(0, 1), order=2)
