"""Python lists (and tuples) of values: issue 14 and the list bugs of issue 9.

The adjoint of a list is a list of adjoints, combined element by element and
following the list's length and each element's shape at every point of the
reverse sweep. Each case is checked against finite differences in reverse,
forward and second order (`ag.check_grads(..., order=2)`), or is refused by name.
"""
from __future__ import annotations

import numpy as np
import pytest

import astgrad as ag
from astgrad.errors import InPlaceError, NoRuleError, SeedShapeError, UnsupportedSyntaxError

X = np.array([0.3, -0.5, 0.8, 1.1])


def _det_closed_form(A):
    return np.linalg.det(A) * np.linalg.inv(A).T


# ---- issue 14 case 1: a list rebuilt in a loop, `xs = nxt` -----------------------------

def doubling_tree(x):
    xs = [x]
    for _ in range(2):
        nxt = []
        for v in xs:
            nxt.append(v * 2.0)
            nxt.append(v * 3.0)
        xs = nxt
    total = 0.0
    for v in xs:
        total = total + np.sum(v)
    return total


def test_a_list_rebuilt_in_a_loop():
    gradient = ag.grad(doubling_tree)(np.arange(1.0, 4.0))
    assert isinstance(gradient, np.ndarray)
    np.testing.assert_allclose(gradient, [25.0, 25.0, 25.0])
    ag.check_grads(doubling_tree, (np.arange(1.0, 4.0),), order=2)


def rebuilt_with_sines(x):
    xs = [x]
    for _ in range(2):
        nxt = []
        for v in xs:
            nxt.append(v * 2.0)
            nxt.append(np.sin(v))
        xs = nxt
    total = 0.0
    for v in xs:
        total = total + np.sum(v * v)
    return total


def test_a_list_rebuilt_in_a_loop_second_order():
    ag.check_grads(rebuilt_with_sines, (X,), order=2)


def test_adjoint_lists_are_added_element_by_element():
    df = ag.grad(doubling_tree)
    df(np.arange(1.0, 4.0))
    text = ag.source(df)
    assert "bnxt = rt.add_each(bnxt, bxs)" in text     # (`bv`, added into `bxs`, may be
    #                                       the number 0.0 as far as the compiler knows)
    assert "bnxt + bxs" not in text and "[0.0] * len" not in text


# ---- issue 14 case 2: the determinant by expansion by minors ---------------------------

def det_of_pairs(M):
    terms = [(1.0, M)]
    for _ in range(len(M) - 1):
        nxt = []
        for sgn, mat in terms:
            for j in range(len(mat)):
                nxt.append((sgn * (-1.0) ** j * mat[0, j],
                            np.concatenate([mat[1:, :j], mat[1:, j + 1:]], axis=1)))
        terms = nxt
    total = 0.0
    for sgn, mat in terms:
        total = total + sgn * mat[0, 0]
    return total


def det_of_two_lists(A):
    """The form of benchmarks/gradbench_tasks/det.py: minors and factors side by side."""
    minors = [A]
    factors = [1.0]
    for level in range(A.shape[0] - 1):
        next_minors = []
        next_factors = []
        for i in range(len(minors)):
            M = minors[i]
            sign = 1.0
            for j in range(M.shape[1]):
                next_minors.append(np.concatenate((M[1:, :j], M[1:, j + 1:]), axis=1))
                next_factors.append(factors[i] * sign * M[0, j])
                sign = -sign
        minors = next_minors
        factors = next_factors
    total = 0.0
    for i in range(len(minors)):
        total = total + factors[i] * minors[i][0, 0]
    return total


@pytest.mark.parametrize("det", [det_of_pairs, det_of_two_lists])
@pytest.mark.parametrize("n", [4, 5, 6, 7])
def test_determinant_by_minors(det, n):
    A = np.random.default_rng(n).random((n, n))
    assert det(A) == pytest.approx(np.linalg.det(A))
    np.testing.assert_allclose(ag.grad(det)(A), _det_closed_form(A), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("det", [det_of_pairs, det_of_two_lists])
def test_determinant_by_minors_all_orders(det):
    A = np.random.default_rng(3).random((3, 3)) + np.eye(3)
    ag.check_grads(det, (A,), order=2)


# ---- issue 14 case 3: a slice of each item, kept across two loops -----------------------

def slices_kept(x):
    xs = [x, x * 2.0]
    ys = []
    for m in xs:
        ys.append(m[1:])
    zs = []
    for m in ys:
        zs.append(m[1:] * 2.0)
    total = 0.0
    for m in zs:
        total = total + np.sum(m * m)
    return total


def test_a_slice_of_each_item_kept_across_two_loops():
    ag.check_grads(slices_kept, (X,), order=2)


def shrinking_items(x):
    xs = [x, np.cos(x)]
    for _ in range(2):
        nxt = []
        for v in xs:
            nxt.append(np.tanh(v[1:]) + v[:-1])
        xs = nxt
    return np.sum(xs[0] * xs[1])


def test_items_whose_shape_shrinks_each_level():
    ag.check_grads(shrinking_items, (X,), order=2)


# ---- a list item overwritten in a loop ----------------------------------------------------

def item_overwritten(x):
    hs = [x]
    for t in range(2):
        hs[0] = np.sin(hs[0])
    return hs[0]


def items_overwritten(x):
    xs = [x, x * 2.0]
    for k in range(2):
        xs[k] = xs[k] * (k + 2.0) + np.sin(xs[1 - k])
    return np.sum(xs[0] * xs[1])


def test_a_list_item_overwritten_in_a_loop():
    assert ag.grad(item_overwritten)(0.7) == pytest.approx(np.cos(np.sin(0.7)) * np.cos(0.7))
    ag.check_grads(item_overwritten, (0.7,), order=2)
    ag.check_grads(items_overwritten, (X,), order=2)


def array_item_overwritten(x):
    h = x * 1.0
    for t in range(2):
        h[0] = np.sin(h[0])
    return np.sum(h)


def test_an_array_item_overwritten_in_a_loop():
    # the read `h[0]` is not computed again at the top of each reverse iteration:
    # the loop changes `h`
    ag.check_grads(array_item_overwritten, (X,), forward=True)


def test_an_array_item_overwritten_in_a_loop_second_order():
    ag.check_grads(array_item_overwritten, (X,), order=2)


def write_item_slice(x):
    xs = [x, x, x]
    xs[1:] = [x * 2.0, x * 3.0]
    return np.sum(xs[1] * xs[2])


def test_a_slice_of_a_list_written():
    ag.check_grads(write_item_slice, (X,), order=2)


# ---- append and pop -------------------------------------------------------------------------

def pop_dropped(x):
    ys = [x, x * 2.0]
    ys.pop()
    return np.sum(ys[0] * ys[0])


def pop_unused(x):
    ys = [x, x * 2.0]
    v = ys.pop()  # noqa: F841  (a popped value nothing reads)
    return np.sum(ys[0] * ys[0])


def pop_in_a_loop(x):
    xs = [x, x * 2.0, x * 3.0]
    total = 0.0
    for k in range(2):
        v = xs.pop()
        total = total + np.sum(v * xs[-1])
        xs.append(v * 0.5)
    return total + np.sum(xs[-1])


def constants_between(x):
    xs = []
    for k in range(3):
        xs.append(1.0)
        xs.append(x * (k + 1.0))
    total = 0.0
    for v in xs:
        total = total * 0.5 + np.sum(v)
    return total


def last_two(x):
    xs = [np.sum(x), 1.0]
    for k in range(2):
        xs.append(xs[-1] * xs[-2])
    return xs[-1]


@pytest.mark.parametrize("f", [pop_dropped, pop_unused, pop_in_a_loop, constants_between,
                               last_two])
def test_append_and_pop(f):
    ag.check_grads(f, (X,), order=2)


def pop_at(x):
    xs = [x, x * 2.0]
    v = xs.pop(0)
    return np.sum(v + xs[0])


def test_pop_with_an_index():
    # (refused before issue 10's list mutations; tests/test_list_mutations.py has more)
    ag.check_grads(pop_at, (X,), order=2)
    np.testing.assert_allclose(ag.grad(pop_at)(X), np.full(X.shape, 3.0))


def appended_through_another_name(x):
    xs = [x]
    ys = xs
    ys.append(x * 2.0)
    return np.sum(xs[1])


def test_a_list_changed_through_another_name_is_refused():
    with pytest.raises(InPlaceError, match="changes a list in place that `xs`"):
        ag.grad(appended_through_another_name)(X)


# ---- issue 9: lists of tuples, nested lists --------------------------------------------------

def layers(x):
    params = []
    for k in range(2):
        params.append((x * (k + 1.0), x + k))
    out = 1.0
    for a, b in params:
        out = np.tanh(a * out + b)
    return out


def nested(x):
    xs = [[x, x * 2.0], [x * 3.0]]
    return np.sum(xs[0][1] * xs[1][0])


def tuple_of_lists(x):
    t = ([x], [x * 2.0])
    return np.sum(t[0][0] * t[1][0])


def test_a_layer_loop_over_a_list_of_tuples():
    ag.check_grads(layers, (0.3,), order=2)


@pytest.mark.parametrize("f", [nested, tuple_of_lists])
def test_lists_inside_lists(f):
    ag.check_grads(f, (X,), order=2)


# ---- `+` between lists, slices, copies ---------------------------------------------------------

def joined(x):
    xs = [x]
    ys = xs + [x * 2.0]
    return np.sum(ys[0] + 3.0 * ys[1])


def joined_in_place(x):
    xs = [x]
    xs += [x * 2.0]
    return np.sum(xs[0] * xs[1])


def joined_in_a_loop(x):
    xs = []
    for k in range(3):
        xs = xs + [np.sin(x) * k]
    return np.sum(xs[1] * xs[2])


def sliced(x):
    xs = [x, x * 2.0, x * 3.0]
    ys = xs[1:]
    zs = xs[::-1]
    return np.sum(ys[0] + 5.0 * ys[1] * zs[0])


def second_name(x):
    xs = [x, 2.0 * x]
    ys = xs
    total = 0.0
    for t in ys:
        total = total + np.sum(np.sin(t))
    return total


@pytest.mark.parametrize("f", [joined, joined_in_place, joined_in_a_loop, sliced, second_name])
def test_lists_joined_sliced_and_renamed(f):
    ag.check_grads(f, (X,), order=2)


def repeated(x):
    xs = [x] * 2
    return np.sum(xs[0] * xs[1])


def reversed_outside_a_loop(x):
    xs = [x, 2.0 * x]
    return np.sum(list(reversed(xs))[0])


def test_what_lists_cannot_do_is_refused_by_name():
    with pytest.raises(NoRuleError, match="repeats a list"):
        ag.grad(repeated)(X)
    with pytest.raises(NoRuleError, match="only as the iterable of a `for` loop"):
        ag.grad(reversed_outside_a_loop)(X)


# ---- issue 9 item 4: a list output, a list seed ------------------------------------------------

def split_even(x):
    return np.split(x, 2)


def split_ragged(x):
    return np.split(x, [1, 2])


def array_split(x):
    return np.array_split(x, 3)


def vsplit(A):
    return np.vsplit(A, 2)


def hsplit(A):
    return np.hsplit(A, 3)


def dsplit(T):
    return np.dsplit(T, 2)


def list_out(x):
    return [x, 2.0 * x]


def list_in_a_tuple(x):
    return (x, [2.0 * x, x])


_T = np.arange(24.0).reshape(2, 3, 4) / 10.0
_A = np.arange(12.0).reshape(4, 3) / 10.0


@pytest.mark.parametrize("f, x", [(split_even, X), (split_ragged, X), (array_split, X),
                                  (vsplit, _A), (hsplit, _A), (dsplit, _T), (list_out, X)])
def test_a_list_output(f, x):
    value, pullback = ag.vjp(f)(x)
    seed = [np.ones_like(v) for v in value]
    expected = 3.0 if f is list_out else 1.0
    np.testing.assert_allclose(pullback(seed), np.full_like(x, expected))
    np.testing.assert_allclose(pullback(tuple(seed)), np.full_like(x, expected))
    ag.check_grads(f, (x,), order=2)


def test_a_list_inside_a_tuple_output():
    _, pullback = ag.vjp(list_in_a_tuple)(X)
    np.testing.assert_allclose(pullback((np.ones(4), [np.ones(4), np.ones(4)])), 4.0)
    ag.check_grads(list_in_a_tuple, (X,), order=2)


def test_a_seed_that_does_not_fit_a_list_output_is_refused():
    _, pullback = ag.vjp(split_ragged)(X)
    with pytest.raises(SeedShapeError, match="a list of 2 values but the output is a list "
                                                "of 3 values"):
        pullback([np.ones(1), np.ones(2)])
    with pytest.raises(SeedShapeError, match="shape"):
        pullback([np.ones(1), np.ones(1), np.ones(1)])


# ---- an array and a list written out, in arithmetic: NumPy's elementwise operation --------
# `x * [1.0, 0.0]` was differentiated as list repetition: silently wrong gradients (found by
# the rules10 helper session), an empty one for `[1.0, 0.5] * x`.

def times_a_list(x):
    return np.sum(np.sin(x * [1.0, 0.0]))


def a_list_times(x):
    return np.sum(np.sin([1.0, 0.5] * x))


def plus_a_list(x):
    return np.sum(np.sin(x + [1.0, 0.5]) * x)


def times_a_list_of_values(x):
    return np.sum(x * [x[1], 2.0])


def joined_lists(x):
    return sum([x[0], x[1]] + [x[0] ** 2])


@pytest.mark.parametrize("f, expected", [
    (times_a_list, lambda x: np.cos(x * [1.0, 0.0]) * [1.0, 0.0]),
    (a_list_times, lambda x: np.cos(x * [1.0, 0.5]) * [1.0, 0.5]),
    (plus_a_list, lambda x: np.cos(x + [1.0, 0.5]) * x + np.sin(x + [1.0, 0.5])),
    (times_a_list_of_values, lambda x: np.array([x[1], 2.0 + x[0]])),
    (joined_lists, lambda x: np.array([1.0 + 2 * x[0], 1.0]))])
def test_an_array_and_a_list_in_arithmetic(f, expected):
    x = np.array([0.7, 2.0])
    np.testing.assert_allclose(ag.grad(f)(x), expected(x), rtol=1e-14)
    ag.check_grads(f, (x,), order=2)
