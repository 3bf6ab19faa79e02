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
            d = np.cos(np.dot(y, y) / (1.5 + np.sin(x ** 2.0)))
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
