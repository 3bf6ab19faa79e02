"""Items written into lists: the kind of what a list holds follows each write
(`xs[i] = v` may hold a matrix where a vector was), and a write into a list or an
array that another list holds (`xs[1][0] = v`) is refused rather than lost: each of
these gave a silently wrong gradient before."""
import numpy as np
import pytest

import astgrad as ag
from astgrad import errors

X = np.array([0.3, 0.5, 0.7])
A = np.ones((2, 3)) * 0.5 + np.arange(6).reshape(2, 3) * 0.1


def item_becomes_a_matrix(x, A):
    xs = []
    for i in range(2):
        xs.append(x * (i + 1))
    for i in range(2):
        xs[i] = xs[i] * A
    return np.sum(xs[0] + xs[1] * x)


def augmented_items_of_numbers(x, A):
    ys = [0.0, 0.0]
    for i in range(2):
        ys[i] += x * (i + 1.0) * A
    return np.sum(ys[0] + ys[1] * x)


def number_item_becomes_a_vector(x, A):
    xs = [0.0, 1.0]
    xs[0] = x * 2
    return np.sum(xs[0] * xs[1] + xs[0] * A)


def dict_item_becomes_a_matrix(x, A):
    d = {"a": x, "b": x * 2}
    d["a"] = d["a"] * A
    return np.sum(d["a"] + d["b"] * x)


def inner_list_built_again(x, A):
    xs = [[x, x * 2], [x * 3, x]]
    row = list(xs[1])
    row[0] = xs[1][0] * A
    xs[1] = row
    return np.sum(xs[1][0] + xs[0][1] * x)


def array_of_a_list_copied_and_put_back(x, A):
    xs = [x * 1.0, x * 2.0]
    v = xs[1].copy()
    v[0] = xs[0][2] * 3.0
    xs[1] = v
    return np.sum(xs[1] * x)


def differences(f, x, A, h=1e-6):
    return np.array([(f(x + h * e, A) - f(x - h * e, A)) / (2 * h) for e in np.eye(x.size)])


@pytest.mark.parametrize("f", [item_becomes_a_matrix, augmented_items_of_numbers,
                               number_item_becomes_a_vector, dict_item_becomes_a_matrix,
                               inner_list_built_again, array_of_a_list_copied_and_put_back])
def test_against_finite_differences(f):
    g = ag.grad(f)(X, A)
    assert g.shape == X.shape
    np.testing.assert_allclose(g, differences(f, X, A), rtol=1e-7, atol=1e-8)
    if f is not inner_list_built_again:   # (second order: `row = list(...)` written into
        ag.check_grads(f, (X, A), wrt=(0, 1), order=2)   # is refused, see test below)
    _, tangent = ag.jvp(f)(X, A, np.array([1.0, -2.0, 0.5]))
    assert tangent == pytest.approx(differences(f, X, A) @ np.array([1.0, -2.0, 0.5]))


def test_item_becomes_a_matrix_closed_form():
    # sum(x * A + 2 x * A * x): d/dx = sum_rows(A) + 4 x sum_rows(A)
    np.testing.assert_allclose(ag.grad(item_becomes_a_matrix)(X, A),
                               A.sum(0) + 4 * X * A.sum(0), rtol=1e-12)


def write_into_a_list_of_lists(x, A):
    xs = [[x, x * 2], [x * 3, x]]
    xs[1][0] = xs[1][0] * x
    return np.sum(xs[1][0] + xs[0][1] * x)


def write_into_a_list_another_list_holds(x, A):
    a = [x, x]
    xs = [a, [x]]
    xs[0][1] = 3 * x * x
    return np.sum(a[1] * 2)


def write_into_rows_of_a_list_of_lists(x, A):
    xs = [[x, x * 2], [x * 3, x]]
    for r in xs:
        r[0] = r[0] * 2
    return np.sum(xs[1][0] + xs[0][0] * x)


@pytest.mark.parametrize("f, shown", [(write_into_a_list_of_lists, "xs[1][...]"),
                                      (write_into_a_list_another_list_holds, "xs[0][...]"),
                                      (write_into_rows_of_a_list_of_lists, "r[...]")])
def test_a_write_into_a_list_a_list_holds_is_refused(f, shown):
    with pytest.raises(errors.InPlaceError, match="a list that another list holds") as info:
        ag.grad(f)(X, A)
    assert shown in str(info.value) and "test_list_item_kinds.py" in str(info.value)
    assert "row = list(xs[i])" in str(info.value)


def write_into_an_array_a_list_holds(x, A):
    xs = [x * 1.0, x * 2.0]
    xs[1][0] = xs[0][2] * 3.0
    return np.sum(xs[1] * x)


def write_through_a_list_into_an_array_named_outside(x, A):
    a = x * 2.0
    xs = [x * 1.0, a]
    xs[1][0] = xs[0][2] * 3.0
    return np.sum(a * x)


@pytest.mark.parametrize("f", [write_into_an_array_a_list_holds,
                               write_through_a_list_into_an_array_named_outside])
def test_a_write_into_an_array_a_list_holds_is_refused(f):
    with pytest.raises(errors.InPlaceError, match="an array a list holds") as info:
        ag.grad(f)(X, A)
    assert "`xs[1][...] = ...`" in str(info.value) and "v = xs[1].copy()" in str(info.value)


def test_second_order_through_a_list_copy_written_into_is_refused():
    # The second transform refuses the restore of `row[0]` (an in-place write into a list
    # its saved items share); refused, not wrong.
    with pytest.raises(errors.InPlaceError):
        ag.check_grads(inner_list_built_again, (X, A), wrt=(0, 1), order=2)
