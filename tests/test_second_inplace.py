"""Second order through in-place writes (`view_copies`): the first derivative's reverse
sweep puts back what the user's `A[i] = v`, `A -= v` overwrote while a view of `A`
is still read (or kept on a stack) afterwards; the code made to be differentiated
again makes that view as a copy, so a second transform follows it instead of
refusing; a view the reverse loop would make again (overlapping what it puts back)
is saved instead. Programs shrunk from fuzz campaign seeds 140456, 140548, 140580,
140872, and 140716 as generated."""
from __future__ import annotations

import numpy as np
import pytest

import astgrad as ag
from astgrad.errors import InPlaceError


def branch_view(A):
    """Seed 140456: a branch's view `v` of `A`, read by the rule of `np.sum(v ** 2)`
    after the reverse sweep put back the item the branch wrote."""
    if A[0, 0] > 0.0:
        A = A * 2.0
    else:
        v = A[:, -1]
        A[1, 0] = np.sum(v ** 2)
    return np.sum(A ** 3)


def rows_in_while(A, B):
    """Seed 140548: a view `A[i - 1]` kept on a stack in a `while` loop that also
    writes `A` (`A -= ...`, then a column)."""
    i = 0
    while i < 2 and A[0, 0] < 0.44:
        i += 1
        A -= np.dot(np.outer(A[-2], A[i - 1]), np.mean(np.stack([B[i - 1], B[i - 1]]), axis=0))
    A[:, -1] = B[:, 1]
    return np.mean(np.cos(A))


def grow(q):
    for i in range(2):
        q += q[0:3] / 3.0
    return np.sum(q)


def helper_view(A):
    """Seed 140580: a helper's `q += ...` of the row `A[0]` it was given, in a loop:
    the first derivative keeps the row (a view of `A`) on a stack and writes it back."""
    grow(A[0])
    return np.sum(np.cos(A))


def helper_view_scaled(A, a):
    b = grow(A[0] * a)
    c = grow(A[0])
    return b * np.sum(np.cos(A)) + c


def alias_in_branch(x, a):
    """Seed 140872: `_20 = x` (the branch not taken by the fancy index) read by the rule
    of `np.square` after the reverse sweep put back what `x /= ...` overwrote."""
    x[2] += np.tanh(x[-1])
    x /= 1.0 + np.square(x[[0, 2, 3, 0]] if a < 0.16 else x)
    return x[-4] / (3.0 - np.sin(x[-4])) * a


def fuzz_140716(A, B, x):
    """Seed 140716 as generated (shrinking it lost the refusal): the view `B[:, -3]`,
    which the reverse loop made again, overlaps the column `B[:, i + 1]` it puts back."""
    for i in range(3):
        B[:, i + 1] += np.cos(B[:, -3])
        a = x[i - 1] * B
    for j in range(0, 8, 2):
        b = A - B
    if -0.04 >= -0.43:
        A, B = B, A
        c = x[0] / (1.5 + np.cos(0.01))
    elif np.sum(x) >= 0.57:
        for k in range(4):
            B = 0.5 * B + B[:, ::-1]
        if B[1, -2] <= 0.9:
            return np.expm1(np.tanh(x[3])) + np.mean(np.cos(B))
        for m, t in enumerate(B):
            if t[m + 1] > -1.42:
                continue
            A[-1, 1:] -= t[[3, 0, 3]] + x[m - 1]
            A = np.sin(A) - (A[m - 1, 0] * B)
    return -1.42 + np.mean(np.cos(A)) + np.mean(np.cos(x))


RNG = np.random.default_rng(7)
SQUARE = np.array([[-0.4, 0.3, 0.5], [0.2, -0.7, 1.1], [0.6, 0.1, -0.3]])
WIDE = np.array([[-0.224, -0.302, 1.034, -1.072, 0.902],
                 [0.468, 0.127, -0.798, 0.548, 1.085]])
WIDE_B = np.array([[0.066, -0.71, 1.483, 0.397, 1.254],
                   [0.181, 1.367, 1.484, -0.706, 0.405]])

CASES = [
    ("branch_view", branch_view, (SQUARE,)),
    ("branch_view zero column", branch_view, (np.where(np.arange(3) == 2, 0.0, SQUARE),)),
    ("branch_view ties", branch_view, (np.full((3, 3), -0.5),)),
    ("branch_view other branch", branch_view, (-SQUARE,)),
    ("rows_in_while", rows_in_while, (WIDE, WIDE_B)),
    ("rows_in_while zeros", rows_in_while, (np.zeros((2, 5)), WIDE_B)),
    ("rows_in_while ties", rows_in_while, (np.full((2, 5), 0.25), np.full((2, 5), 0.25))),
    ("helper_view", helper_view, (SQUARE,)),
    ("helper_view zeros", helper_view, (np.zeros((3, 3)),)),
    ("helper_view_scaled", helper_view_scaled, (SQUARE, 1.3)),
    ("alias_in_branch", alias_in_branch, (np.array([-1.385, 0.399, -0.037, -0.688]), 0.7)),
    ("alias_in_branch zeros", alias_in_branch, (np.zeros(4), 0.7)),
    ("alias_in_branch ties", alias_in_branch, (np.full(4, 0.3), 0.7)),
    ("fuzz_140716", fuzz_140716, (
        np.array([[-0.008, 0.117, -1.241, 1.447], [-0.276, 1.043, 1.238, -0.838]]),
        np.array([[0.35, -0.977, -1.016, -1.199], [1.458, 1.083, 0.366, -1.33]]),
        np.array([-0.845, 1.04, 0.88, -0.768]))),
    ("fuzz_140716 zeros", fuzz_140716, (np.zeros((2, 4)), np.zeros((2, 4)), np.zeros(4))),
    ("helper_view_scaled zeros", helper_view_scaled, (np.zeros((3, 3)), 1.0)),
    ("helper_view_scaled zero scale", helper_view_scaled, (SQUARE, 0.0)),
]


def fresh(args):
    return tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)


@pytest.mark.parametrize("name,f,args", CASES, ids=[c[0] for c in CASES])
def test_second_order_against_differences_of_the_gradient(name, f, args):
    # reverse over reverse and forward over reverse, each against differences of grad
    ag.check_grads(f, fresh(args), wrt=tuple(range(len(args))), order=2)


def _hessian_by_differences(f, args, k=0, h=1e-4):
    """Central differences of grad along argument `k`, Richardson-extrapolated (steps
    h and h / 2)."""
    g = ag.grad(f, wrt=k)
    X = args[k]

    def central(index, step):
        up, down = list(fresh(args)), list(fresh(args))
        up[k][index] += step
        down[k][index] -= step
        return (g(*up) - g(*down)) / (2 * step)

    H = np.zeros(X.shape + X.shape)
    for index in np.ndindex(X.shape):
        H[(Ellipsis,) + index] = (4 * central(index, h / 2) - central(index, h)) / 3
    return H


HESSIAN_OF = {"fuzz_140716": 1}     # (the output does not depend on its A)


@pytest.mark.parametrize("name,f,args", CASES, ids=[c[0] for c in CASES])
def test_hessian_against_differences_of_grad(name, f, args):
    k = HESSIAN_OF.get(name.split()[0], 0)
    H = ag.hessian(f, wrt=k)(*fresh(args))
    assert H.shape == args[k].shape + args[k].shape
    expected = _hessian_by_differences(f, args, k)
    np.testing.assert_allclose(H, expected, rtol=1e-6, atol=1e-7)
    assert np.any(expected != 0.0) or "zero" in name   # (b = 0 there: H is 0, rightly)


def rows_in_for(A, B):
    for i in range(2):
        A -= np.dot(np.outer(A[-2], A[i]), B[i])
    return np.mean(np.cos(A))


def test_hessian_starts_each_chunk_from_the_callers_arguments():
    # the gradient writes into A as f does; each chunk of Hessian columns (and the
    # check of the batched code against the one-direction code) used to get the A the
    # previous call had changed: NaN here
    A, B = WIDE.copy(), WIDE_B.copy()
    H = ag.hessian(rows_in_for, wrt=0)(A, B)
    np.testing.assert_allclose(H, _hessian_by_differences(rows_in_for, (WIDE, WIDE_B)),
                               rtol=1e-6, atol=1e-7)
    assert np.array_equal(A, WIDE) and np.array_equal(B, WIDE_B)


def test_the_first_derivative_keeps_its_views():
    # only code made to be differentiated again copies the view; grad's own code reads it
    g = ag.grad(branch_view)
    g(-SQUARE)
    text = ag.source(g)
    assert "v = A[:, -1]" in text and "np.copy(A[:, -1])" not in text


def test_the_second_derivative_reads_the_view_as_it_was():
    # the value of d/dA of <w, grad(A)> at a point where the branch writes A[1, 0],
    # against a hand-written gradient of the first derivative's formula
    A, w = -SQUARE, RNG.normal(size=(3, 3))
    hw = ag.grad(lambda A: np.sum(ag.grad(branch_view)(A) * w))(A.copy())
    numeric = np.zeros_like(A)
    g = ag.grad(branch_view)
    for index in np.ndindex(A.shape):
        up, down = A.copy(), A.copy()
        up[index] += 1e-6
        down[index] -= 1e-6
        numeric[index] = np.sum((g(up) - g(down)) * w) / 2e-6
    np.testing.assert_allclose(hw, numeric, rtol=1e-6, atol=1e-7)


# -- a refusal inside the first derivative's code names the user's line ------------------
def _writes_a_row_in_a_loop(A, a, x):
    i = 0
    while i < 4:
        i += 1
        x[i - 1] = -1.32
    A[0] = x ** 3
    return a ** 2.0 + np.sum(np.tanh(x)) + np.mean(np.cos(A))


def test_a_second_reverse_refusal_names_the_users_line_and_what_to_do():
    A = np.array([[1.489, -0.913, -0.501, 1.453], [1.392, 0.578, 1.126, -0.28]])
    x = np.array([-0.514, -0.712, -0.84, -0.166])
    with pytest.raises(InPlaceError) as info:
        ag.check_grads(_writes_a_row_in_a_loop, (A, 0.988, x), wrt=(0, 1, 2), order=2)
    text = str(info.value)
    first = _writes_a_row_in_a_loop.__code__.co_firstlineno
    # the loop's line or the write's: the first derivative's put-back is the loop's
    assert any(text.startswith(f"{__file__}:{first + k} (the derivative's code differentiated "
                               f"again") for k in (2, 4))
    assert "ag.hvp(f)" in text and "second derivative in reverse mode" in text
