"""A write into `a[1]` beside a view `p = a[0]` taken before `a` was given another view of
the same array (`a = a[::-1]`): `p` may then be the very row the write changes, so the
write is refused, not let through as one that misses `p`.

(83f6d4c let writes through beside views their index surely misses, `views.disjoint`;
these programs then gave silently wrong gradients, 2.27 where 4.55 is right, because the
name the view was taken from had been rebound, in a loop or a branch, to a reversed view.
It was reverted the same session; a precise version must ask what the view surely holds at
the write, as `derivations` tracks.)"""
import numpy as np
import pytest

import astgrad as ag
from astgrad.errors import InPlaceError

X = np.array([[0.5, 1.0, -0.3], [2.0, 0.7, 1.1]])


def reversed_in_a_loop(x):
    a = x * 1.0
    s = 0.0
    for i in range(2):
        p = a[0]
        a = a[::-1]
        a[1] = a[1] * 2.0                      # on the first pass, the row `p` shows
        s = s + np.sum(p * p)
    return s


def reversed_in_a_branch(x):
    a = x * 1.0
    p = a[0]
    if x[0, 0] > 0:
        a = a[::-1]
    a[1] = a[1] * 2.0
    return np.sum(p * p)


@pytest.mark.parametrize("f, line", [(reversed_in_a_loop, 6), (reversed_in_a_branch, 5)])
def test_a_write_beside_a_view_of_a_rebound_name_is_refused(f, line):
    assert f(X.copy()) == pytest.approx(28.16 if f is reversed_in_a_loop else 5.36)
    with pytest.raises(InPlaceError, match="changes an array in place that `p` also names") \
            as info:
        ag.grad(f)(X.copy())
    assert f"{__file__}:{f.__code__.co_firstlineno + line}" in str(info.value)


def column_from_column(x, A, a):
    if a:
        A[:, 1] += A[:, 0] * a
        A = A
    return A


def test_a_column_written_from_another():
    # first order is right, and so is second order: astgrad's own first-order code writes
    # A[:, 1] back while a view A[:, 0] it reads later is held, which the code made to be
    # differentiated again makes as a copy (`view_copies`; it was refused): seed 91176
    A = np.array([[0.553, -0.79, -1.295], [-1.137, 0.586, 0.343]])
    x = np.array([0.3, -1.2, 0.7])
    ag.check_grads(column_from_column, (x, A.copy(), -0.996), wrt=(1, 2), order=1)
    ag.check_grads(column_from_column, (x, A.copy(), -0.996), wrt=(1, 2), order=2)
