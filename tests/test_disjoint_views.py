"""A write into `x[i]` is not seen through a view of `x` it surely misses.

`A[:, 1] += A[:, 0] * a` reads the view `A[:, 0]` after writing column 1. In the user's
code `sync` makes such a view again after the write; in astgrad's own first-order code
(differentiated again for second order) the view is a temporary the reverse sweep reads,
and the write was refused as if it changed what the view shows (campaign seed 91176:
`A [...] = ...` changes an array in place that `_4` also names). `views.disjoint` says
when two basic indexes written in the code pick no element in common."""
import ast

import numpy as np
import pytest

import astgrad as ag
from astgrad.transform.views import disjoint


def _slice(text):
    return ast.parse(f"x[{text}]", mode="eval").body.slice


@pytest.mark.parametrize("a, b, apart", [
    (":, 0", ":, 1", True), (":, 1", ":, 1", False), (":2", "2:", True), (":2", "1:", False),
    ("-1", "-2", True), ("-3", "-2:", True), ("0", "1:", True), ("0:1", "1:2", True),
    ("0, i", "1, j", True),
    # an index from the end may be one from the start, on an axis of unknown length
    ("-1", "2", False), ("-1", ":-1", False), ("-1", "-2:", False),
    # not aligned, or not known
    ("0", ":, 0", False), ("..., 0", "..., 1", False), ("None, 0", "None, 1", False),
    ("i", "j", False), ("i, 0", "j, 1", False), ("::2", "1", False), ("1", "1:", False),
])
def test_disjoint(a, b, apart):
    assert disjoint(_slice(a), _slice(b)) is apart
    assert disjoint(_slice(b), _slice(a)) is apart


A = np.array([[0.553, -0.79, -1.295], [-1.137, 0.586, 0.343]])


def column_from_column(x, A, a):              # the campaign's program, shrunk
    if a:
        A[:, 1] += A[:, 0] * a
        A = A
    return A


def two_columns_then_sin(x, A, a):
    if a:
        A[:, 1] += A[:, 0] * a
        A[:, 2] -= A[:, 0]
        A = np.sin(A) - a
    return A * x


def head_and_tail(x, a):
    x[1:] = x[1:] * a
    x[0] = x[0] * a
    return x * x[1]


@pytest.mark.parametrize("f", [column_from_column, two_columns_then_sin])
def test_second_order_of_a_write_beside_a_view(f):
    before = A.copy()
    ag.check_grads(f, (np.array([0.3, -1.2, 0.7]), A.copy(), -0.996), wrt=(1, 2), order=2)
    ag.check_grads(f, (np.array([0.3, -1.2, 0.7]), A.copy(), -0.996), wrt=(1, 2), order=1,
                   forward=True)
    assert np.array_equal(A, before)


def test_closed_form_second_derivative():
    # out = A with column 1 += a * column 0: d/da of sum(out * w) = sum(A[:, 0] * w[:, 1]),
    # and its derivative w.r.t. A[:, 0] is w[:, 1].
    w = np.arange(6.0).reshape(2, 3)

    def loss(A, a):
        return np.sum(column_from_column(None, A, a) * w)

    dloss = ag.grad(loss, wrt=1)

    def da(A, a):
        return dloss(A, a)

    assert da(A.copy(), 0.5) == pytest.approx(np.sum(A[:, 0] * w[:, 1]))
    H = ag.grad(da, wrt=0)(A.copy(), 0.5)
    expected = np.zeros_like(A)
    expected[:, 0] = w[:, 1]
    np.testing.assert_allclose(H, expected, rtol=0, atol=1e-12)


def test_head_and_tail():
    ag.check_grads(head_and_tail, (np.array([0.5, 1.5, 2.0]), 1.3), wrt=(0, 1), order=2)
