"""Helpers that change their arguments in place (issue 9 "helper updating its parameter
in place", issue 14's LSTM): Python passes the object, so a helper's `p[i] = v` is the
caller's write; a helper's `p op= v` on a view of the caller's array is refused when the
caller reads that array afterwards, never silently dropped."""
from __future__ import annotations

import numpy as np
import pytest

import astgrad as ag


def step(hiddens, cells, x):
    """One step of a two-layer recurrent cell, updating the caller's lists."""
    for i in range(len(hiddens)):
        hiddens[i], cells[i] = np.tanh(hiddens[i] * x), cells[i] + hiddens[i]
        x = hiddens[i]
    return x


def layered(x, state):
    hiddens = [state[0], state[1]]
    cells = [state[2], state[3]]
    total = 0.0
    for t in range(3):
        y = step(hiddens, cells, x)
        total = total + np.sum(y * cells[1])
    return total


def test_a_helper_updating_the_callers_lists():
    x = np.array([0.3, -0.2, 0.5])
    state = np.random.default_rng(0).random((4, 3))
    ag.check_grads(layered, (x, state), wrt=(0, 1), order=2)


def set_row(A, v):
    A[1] = v * 2.0
    return np.sum(A)


def through_set_row(x, v):
    B = x * 1.0
    a = set_row(B, v)
    return a + np.sum(B ** 2)


def test_a_helper_writing_a_row_of_the_callers_array():
    x = np.random.default_rng(1).random((3, 3))
    v = np.array([0.1, 0.4, -0.3])
    expected = x * 1.0
    expected[1] = 2.0 * v
    assert through_set_row(x, v) == pytest.approx(np.sum(expected) + np.sum(expected ** 2))
    ag.check_grads(through_set_row, (x, v), wrt=(0, 1), order=2)


def grow(r):
    r += np.sin(r)
    return np.sum(r)


def grows_a_row(B):
    B = B * 1.0
    b = grow(B[-1])
    return b + np.sum(B ** 2)


def test_a_helper_adding_into_a_view_of_the_callers_array():
    # `r += ...` changes the row of B that `r` is a view of, and B is read after the
    # call: the new row is written back into B (once refused)
    B = np.random.default_rng(4).random((2, 3))
    expected = B.copy()
    expected[-1] += np.sin(expected[-1])
    assert grows_a_row(B) == pytest.approx(np.sum(expected[-1]) + np.sum(expected ** 2))
    ag.check_grads(grows_a_row, (B,), order=2)


def grows_a_copy(B):
    B = B * 1.0
    b = grow(B[-1] * 1.0)
    return b + np.sum(B ** 2)


def test_a_helper_adding_into_its_own_array_is_fine():
    ag.check_grads(grows_a_copy, (np.random.default_rng(2).random((2, 3)),), order=2)


# ---- a helper writing into an array the rest of its statement reads (seeds 75456, 79351) ----
# `h(d[0:3])` changes `d` through the view; an arm of a conditional expression, an operand
# evaluated after the call, or the block of the `if`/`while` whose test calls `h` reads `d`
# as it is then. The names read later in the same statement were not made again (silently
# wrong values).

def halve(q):
    q *= 0.5
    return 1.0


def zero(q):
    q -= q
    return 1.0


_W = np.linspace(0.5, 1.5, 5)
_HALVED = np.concatenate([_W[:3] * 0.5, _W[3:]])
_ZEROED = np.concatenate([np.zeros(3), _W[3:]])


def arm_after_halving(a):
    d = a * np.linspace(0.5, 1.5, 5)
    return np.sum(d ** 2) if not halve(d[0:3]) <= 0.43 else 0.0


def arm_after_zeroing(a):
    d = a * np.linspace(0.5, 1.5, 5)
    return 0.0 if zero(d[0:3]) <= 0.43 else d @ np.outer(d, d[1:4])


def operand_after_halving(a):
    d = a * np.linspace(0.5, 1.5, 5)
    return halve(d[0:3]) * np.sum(d ** 2)


def if_block_after_halving(a):
    d = a * np.linspace(0.5, 1.5, 5)
    if halve(d[0:3]) > 0:
        return np.sum(d ** 2)
    return 0.0


@pytest.mark.parametrize("f, w", [(arm_after_halving, _HALVED), (operand_after_halving, _HALVED),
                                  (if_block_after_halving, _HALVED)])
def test_an_array_read_after_a_call_writing_it_in_the_same_statement(f, w):
    a = 1.3
    value, grad = ag.value_and_grad(f)(a)
    assert value == pytest.approx(a ** 2 * np.sum(w ** 2), rel=1e-14)      # f(a) = a² |w|²
    assert grad == pytest.approx(2 * a * np.sum(w ** 2), rel=1e-14)
    ag.check_grads(f, (a,), order=2)


def test_an_arm_reading_an_array_a_call_in_the_test_zeroed_in_part():
    a = -1.275
    # d @ outer(d, d[1:4]) = (d @ d) d[1:4] = a³ |w'|² w'[1:4], w' with its first 3 zeroed
    value, pullback = ag.vjp(arm_after_zeroing)(a)
    expected = a ** 3 * np.sum(_ZEROED ** 2) * _ZEROED[1:4]
    assert np.allclose(value, expected, rtol=1e-14) and value[-1] != 0.0
    assert pullback(np.ones(3)) == pytest.approx(3 * a ** 2 * np.sum(expected / a ** 3))
    ag.check_grads(arm_after_zeroing, (a,), order=2)


def while_test_halving(a):
    d = a * np.linspace(0.5, 1.5, 5)
    s = 0.0
    while halve(d[0:3]) * s < 2.0:              # halves d[0:3] at each test
        s = s + np.sum(d ** 2)
    return s


def test_a_while_block_reading_an_array_its_test_writes():
    a = 0.9
    d, s = a * _W, 0.0
    while True:
        d[0:3] *= 0.5
        if s >= 2.0:
            break
        s += np.sum(d ** 2)
    assert ag.value_and_grad(while_test_halving)(a)[0] == pytest.approx(s, rel=1e-14)
    ag.check_grads(while_test_halving, (a,), order=2)


def scale_by_tanh(p, q, scale=0.2):
    q *= np.tanh(q @ (q[:, None] * q[0:4]))
    return q[-3] - scale


def arm_reading_a_parameter_the_test_wrote(x):
    a = np.logaddexp(0.0, np.tanh(np.exp(np.tanh(x))))
    return scale_by_tanh(np.mean(x), x if scale_by_tanh(a[3], x, scale=0.28) < 1.34 else a)


def test_an_arm_reading_the_parameter_a_call_in_the_test_wrote():
    x = np.array([0.497, 1.359, -0.861, 0.589])
    expected = arm_reading_a_parameter_the_test_wrote(x.copy())  # x changed twice, then read
    assert ag.value_and_grad(arm_reading_a_parameter_the_test_wrote)(x.copy())[0] == \
        pytest.approx(expected, rel=1e-14)
    ag.check_grads(arm_reading_a_parameter_the_test_wrote, (x,), order=2)


def put(q):
    q[0] = 3.0 * q[1]
    return 2.0


def halves_inside(q):
    return halve(q[0:3]) * np.sum(q)


def and_after_halving(a):
    d = a * np.linspace(0.5, 1.5, 5)
    return halve(d[0:3]) > 0 and np.sum(d ** 2)


def for_block_after_halving(a):
    d = a * np.linspace(0.5, 1.5, 5)
    s = 0.0
    for t in range(int(halve(d[0:3]) + 1)):
        s = s + np.sum(d ** 2)
    return s


def tuple_item_after_halving(a):
    d = a * np.linspace(0.5, 1.5, 5)
    u, v = halve(d[0:3]), np.sum(d ** 2)
    return u * v


def halving_twice(a):
    d = a * np.linspace(0.5, 1.5, 5)
    return halve(d[0:3]) * np.sum(d ** 2) + halve(d[1:4]) * np.sum(d ** 3)


def argument_after_an_item_write(a):
    d = a * np.linspace(0.5, 1.5, 5)
    return np.dot(put(d[1:4]) * d, d)


def operand_after_a_nested_helper(a):
    d = a * np.linspace(0.5, 1.5, 5)
    return halves_inside(d) * np.sum(d ** 2)


@pytest.mark.parametrize("f", [and_after_halving, for_block_after_halving,
                               tuple_item_after_halving, halving_twice,
                               argument_after_an_item_write, operand_after_a_nested_helper])
def test_more_reads_after_a_call_writing_in_the_same_statement(f):
    a = 1.3
    assert ag.value_and_grad(f)(a)[0] == pytest.approx(f(a), rel=1e-14)
    ag.check_grads(f, (a,), order=2)
# ---- names the calling statement reads around the call: fuzz seed 75773 ------------------------

def set_item(p, q):
    p[1] = 0.3 * q
    return q


def returns_the_array_written(a, A):
    return set_item(A[1], a), A                 # `A` is read after the call: row 1 changed


def reads_the_array_after_the_call(a, A):
    return np.sum(set_item(A[1], a) * A ** 2)


def holds_the_array_across_the_call(a, A):
    return np.sum(A ** 2 * set_item(A[1], a))   # `A ** 2` is done before the call


def holds_the_array_itself(a, A):
    return np.sum(A * set_item(A[1], a))        # `A` is multiplied after the call


def _after(a, A):
    out = A.copy()
    out[1, 1] = 0.3 * a
    return out


@pytest.mark.parametrize("a", [0.7, 0.0])
def test_a_call_writing_an_array_the_statement_reads_after_it(a):
    A = np.array([[0.4, -1.2, 0.9], [1.1, 0.3, -0.5]])
    seeds = (1.3, np.array([[0.2, -0.4, 0.6], [0.9, 1.5, -0.7]]))
    value, pullback = ag.vjp(returns_the_array_written, wrt=(0, 1))(a, A.copy())
    np.testing.assert_array_equal(value[1], _after(a, A))
    da, dA = pullback(seeds)
    expected = seeds[1].copy()
    expected[1, 1] = 0.0                        # overwritten: was 1.5 (silently wrong)
    np.testing.assert_allclose(dA, expected)
    assert da == pytest.approx(1.3 + 0.3 * 1.5)
    after = _after(a, A)
    for f, value in [(reads_the_array_after_the_call, a * np.sum(after ** 2)),
                     (holds_the_array_itself, a * np.sum(after)),
                     (holds_the_array_across_the_call, a * np.sum(A ** 2))]:
        assert f(a, A.copy()) == pytest.approx(value)
        ag.check_grads(f, (a, A.copy()), wrt=(0, 1), order=2)


def holds_a_view_across_the_call(a, A):
    B = A[1]
    return np.sum(B * set_item(A[1], a))        # `B` would have to be made again


def test_a_view_held_across_a_call_writing_its_array_is_refused():
    with pytest.raises(ag.AstgradError, match="`B`"):
        ag.grad(holds_a_view_across_the_call, wrt=(0, 1))(0.7, np.ones((2, 3)))


def halve_and_read(q):
    q /= 2.0                                    # a view of the caller's array: its items
    return q[0]


def augments_after_a_helper_halved_a_row(A):
    a = halve_and_read(A[1])
    A -= a                                      # then the whole array, in place
    return np.sum(A * A)


def test_a_helper_augmenting_a_view_then_the_array_augmented_whole():
    """Campaign seed 140185: the helper's `q /= 2` of the row `A[1]` writes items of `A`, so
    `A -= a` must change the caller's array too; grad left it as the helper had."""
    A = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    by_f, by_grad = A.copy(), A.copy()
    augments_after_a_helper_halved_a_row(by_f)
    g = ag.grad(augments_after_a_helper_halved_a_row)(by_grad)
    np.testing.assert_array_equal(by_grad, by_f)
    np.testing.assert_array_equal(by_f, [[-1.0, 0.0, 1.0], [0.0, 0.5, 1.0]])
    # A'[0] = A[0] - A[1,0]/2, A'[1] = A[1]/2 - A[1,0]/2: d/dA of sum(A' ** 2)
    r0, r1 = by_f
    want = np.array([2 * r0, r1])
    want[1, 0] -= np.sum(r0) + np.sum(r1)
    np.testing.assert_allclose(g, want, rtol=1e-14)
    ag.check_grads(augments_after_a_helper_halved_a_row, (A.copy(),), order=2)
