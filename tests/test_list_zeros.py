"""The adjoints of lists rebuilt in a loop: no list of zeros made only to be added to.

`optimize.zeros.known_zeros` drops `b = rt.add_each(b, e)` where `b` is surely still the
list of zeros `rt.zeros_like(xs)` made (the reverse of `xs = ys` once `ys` was given a
fresh list: the determinant by minors of GradBench), writing `b = list(e)`; then the
resets to zeros nothing reads are dead. Checked as a pass (the rewrite, and where it must
not happen) and end to end against finite differences, at loops of 0, 1 and more
iterations, zeros, and one array appended twice.
"""
from __future__ import annotations

import ast
import textwrap

import numpy as np
import pytest

import astgrad as ag
from astgrad.transform import resolve
from tests.test_fuzz_regressions import changed_before_append
from tests.test_lists import det_of_two_lists as det_by_minors   # GradBench det's form
from astgrad.transform.kinds import Kind
from astgrad.transform.optimize import analyses, zeros

_ITEMS = Kind(None, "O", False, item=Kind(1, "f", False, 8))       # a list of 1-d arrays
_NESTED = Kind(None, "O", False, item=_ITEMS)                       # a list of such lists
_VECTOR = Kind(1, "f", False, 8)


def _known_zeros(text: str, kinds: dict) -> list[str]:
    fn = ast.parse(textwrap.dedent(text)).body[0]
    ns = resolve.Namespace(None, set())
    zeros.known_zeros(fn, analyses.facts(fn, ns, kinds, {}))
    return [ast.unparse(s) for s in fn.body]


_LOOP = """
def f(xs, ys, g, n):
    bys = rt.zeros_like(ys)
    bxs = rt.zeros_like(xs)
    for k in range(n):
        bys = rt.add_each(bys, bxs)
        bxs = rt.zeros_like(xs)
        for i in range(len(xs)):
            bxs[i] = bxs[i] + g
        bys = rt.zeros_like(ys)
    return bxs
"""


def test_an_addition_to_a_list_of_zeros_is_a_copy_of_the_list_added():
    lines = _known_zeros(_LOOP, {"xs": _ITEMS, "ys": _ITEMS, "g": _VECTOR})
    assert lines[2].splitlines()[1].strip() == "bys = list(bxs)"
    # items that may be numbers (an adjoint's zero 0.0) where the zeros are arrays:
    lines = _known_zeros(_LOOP, {"xs": _ITEMS, "ys": _ITEMS, "g": Kind()})
    assert "rt.add_each(bys, bxs)" in lines[2]


@pytest.mark.parametrize("kinds, why", [
    ({"xs": _ITEMS, "ys": Kind(1, "f", False, 8)}, "ys an array: its zeros are an array"),
    ({"xs": _ITEMS, "ys": _NESTED}, "ys a list of lists: zeros nested, kept as they are"),
    ({"xs": _ITEMS, "ys": Kind()}, "ys of unknown kind"),
])
def test_no_rewrite_where_the_zeros_may_not_be_a_list_of_arrays(kinds, why):
    kinds = {**kinds, "g": _VECTOR}
    assert "rt.add_each(bys, bxs)" in _known_zeros(_LOOP, kinds)[2], why


@pytest.mark.parametrize("between", [
    "g = bys[0]",                     # an item taken, which may be changed in place
    "bys.append(g)",                  # the list changed
    "bys[0] = g",
])
def test_no_rewrite_once_the_zeros_are_touched(between):
    text = f"""
    def f(xs, ys, g):
        bys = rt.zeros_like(ys)
        bxs = list(xs)
        {between}
        bys = rt.add_each(bys, bxs)
        return bys
    """
    assert _known_zeros(text, {"xs": _ITEMS, "ys": _ITEMS})[3] == "bys = rt.add_each(bys, bxs)"


def test_no_rewrite_where_what_is_added_may_not_be_a_list():
    text = """
    def f(xs, ys, g):
        bys = rt.zeros_like(ys)
        bys = rt.add_each(bys, g)
        return bys
    """
    assert _known_zeros(text, {"xs": _ITEMS, "ys": _ITEMS})[1] == "bys = rt.add_each(bys, g)"


def test_no_rewrite_where_one_path_added_already():
    text = """
    def f(xs, ys, c):
        bys = rt.zeros_like(ys)
        bxs = rt.zeros_like(xs)
        if c:
            bys = rt.add_each(bys, bxs)
        bys = rt.add_each(bys, bxs)
        return bys
    """
    lines = _known_zeros(text, {"xs": _ITEMS, "ys": _ITEMS})
    assert lines[2].splitlines()[1].strip() == "bys = list(bxs)"
    assert lines[3] == "bys = rt.add_each(bys, bxs)"


# ---- end to end: lists rebuilt level by level ----------------------------------------

@pytest.mark.parametrize("n", [1, 2, 3, 4])       # the level loop runs n - 1 times
def test_determinant_by_minors_at_every_depth(n):
    A = np.random.default_rng(n).random((n, n)) + np.eye(n)
    want = np.linalg.det(A) * np.linalg.inv(A).T
    np.testing.assert_allclose(ag.grad(det_by_minors)(A), want, rtol=1e-10, atol=1e-12)
    ag.check_grads(det_by_minors, (A,), order=2)


def test_determinant_by_minors_adds_no_list_of_zeros():
    A = np.eye(4)
    df = ag.grad(det_by_minors)
    np.testing.assert_allclose(df(A), np.eye(4), atol=1e-15)        # det(I) inv(I)^T
    text = ag.source(df)
    assert "rt.add_each" not in text and "list(bminors)" in text
    assert text.count("rt.zeros_like(next_minors)") == 0             # the resets: dead


def test_a_singular_matrix_and_zeros():
    A = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.5, 0.0, 1.0]])
    cofactors = np.array([[4.0, 1.0, -2.0], [-2.0, -0.5, 1.0], [0.0, 0.0, 0.0]])
    np.testing.assert_allclose(ag.grad(det_by_minors)(A), cofactors, atol=1e-14)
    ag.check_grads(det_by_minors, (A,), order=2)
    np.testing.assert_array_equal(ag.grad(det_by_minors)(np.zeros((3, 3))), np.zeros((3, 3)))


def doubled(x, n):
    """Each level appends one array twice (the same object), so adjoints of one item
    add up from two places of the next list."""
    xs = [x]
    for _ in range(n):
        nxt = []
        for v in xs:
            nxt.append(v * 1.5)
            nxt.append(v * 1.5)
        xs = nxt
    total = 0.0
    for v in xs:
        total = total + np.sum(np.sin(v))
    return total


@pytest.mark.parametrize("n", [0, 1, 3])
def test_one_item_appended_twice(n):
    x = np.array([0.3, -0.2, 0.0])
    want = 2 ** n * 1.5 ** n * np.cos(1.5 ** n * x)
    np.testing.assert_allclose(ag.grad(doubled)(x, n), want, rtol=1e-13)
    ag.check_grads(doubled, (x, n), order=2)


def test_no_rewrite_in_a_function_that_writes_a_dict():
    """A dict written in the function (`rt.dict_of`) has the kind of the list of its
    values: its zeros are a dict, which `rt.add_each` adds key by key."""
    text = """
    def f(xs, ys):
        d = rt.dict_of(('a', 'b'), xs)
        bd = rt.zeros_like(d)
        bys = rt.zeros_like(ys)
        bys = rt.add_each(bys, bd)
        return bys
    """
    lines = _known_zeros(text, {"xs": _ITEMS, "ys": _ITEMS, "d": _ITEMS})
    assert lines[3] == "bys = rt.add_each(bys, bd)"


# ---- items: `b[i] = b[i] + e` once per pass of a loop over a range --------------------------

def _items(body: str, before: str = "", kind: Kind = _VECTOR) -> list[str]:
    text = f"""
    def f(xs, g, n):
        b = rt.zeros_like(xs)
        {before}
        for i in reversed(range(n)):
            {body}
        return b
    """
    lines = _known_zeros(text, {"xs": _ITEMS, "g": kind})
    return [line.strip() for line in lines[-2].splitlines()[1:]]


def test_an_item_each_pass_adds_into_is_still_zero():
    made = "h = np.zeros_like(g)\n            h[0] += 1.0\n            b[i] = b[i] + h"
    assert _items(made)[-1] == "b[i] = h"
    assert _items(made, kind=Kind())[-1] == "b[i] = b[i] + h"      # g's ndim not known
    assert _items("b[i] = b[i] + g * i") == ["b[i] = b[i] + g * i"]    # may become g
    later = made + "\n            h[1] += 1.0"                       # h changed after
    assert _items(later)[2] == "b[i] = b[i] + h"
    shared = made + "\n            k = h * 2.0\n            c = h"       # h held elsewhere
    assert _items(shared)[2] == "b[i] = b[i] + h"
    text = """
    def f(xs, g, n):
        b = rt.zeros_like(xs)
        for i in reversed(range(n)):
            h = np.zeros_like(g)
            h[0] += 1.0
            b[i] = b[i] + h
        return b
    """
    assert "b[i] = h" in _known_zeros(text, {"xs": _ITEMS, "g": _VECTOR})[1]


def test_no_item_rewrite_where_a_number_may_meet_an_array_item():
    """An adjoint may be the number 0.0 standing for zeros; the item of a list of
    arrays must stay an array of zeros, not become that number."""
    assert _items("b[i] = b[i] + g", kind=Kind()) == ["b[i] = b[i] + g"]
    assert _items("b[i] = b[i] + g", kind=Kind(0, "f", True)) == ["b[i] = b[i] + g"]
    text = """
    def f(xs, g):
        b = rt.zeros_like(xs)
        h = np.zeros_like(g)
        h[0] += 1.0
        b[0] = b[0] + h
        b[1] = b[1] + g
        return b
    """
    assert _known_zeros(text, {"xs": _ITEMS, "g": _VECTOR})[3:5] == ["b[0] = h",
                                                                    "b[1] = b[1] + g"]
    assert _known_zeros(text, {"xs": _ITEMS, "g": Kind()})[3] == "b[0] = b[0] + h"


def test_no_item_rewrite_of_a_value_the_reverse_sweep_changes_later():
    """(fuzz: `bxs[1] = bxs[1] + _4 * 1.0` became `bxs[1] = _4`, the forward array that
    the reverse sweep then restored in place)."""
    ag.check_grads(changed_before_append, (np.array([0.3, -0.2, 0.5]), 0.7), wrt=(0, 1))


@pytest.mark.parametrize("body, before, why", [
    ("b[i] = b[i] + g\n            b[i] = b[i] + g", "", "two additions in one pass"),
    ("for j in range(2):\n                b[i] = b[i] + g", "", "an inner loop: i repeats"),
    ("b[i] = b[i] + g\n            i = 0", "", "i bound in the body"),
    ("k = i // 2\n            b[k] = b[k] + g", "", "another index"),
    ("b[i] = b[i] + g\n            h = b[0]", "", "b read otherwise"),
    ("b[i] = b[i] + b[0]", "", "what is added reads b"),
    ("b[i] = b[i] + g", "b[0] = g", "b no longer all zeros"),
])
def test_no_item_rewrite(body, before, why):
    assert not any(line.startswith("b[i] = g") or line == "b[i] = b[0]"
                   for line in _items(body, before)), why


def test_no_item_rewrite_over_a_list():
    text = """
    def f(xs, g):
        b = rt.zeros_like(xs)
        for i in [0, 0]:
            b[i] = b[i] + g
        return b
    """
    assert "b[i] = b[i] + g" in _known_zeros(text, {"xs": _ITEMS})[1]


def halves(x, n):
    """Two lists' items added at the loop index and at a computed one (i % 2)."""
    parts = [x * 1.0, x * 2.0]
    total = 0.0
    for i in range(n):
        total = total + np.sum(np.sin(parts[i % 2]) * (i + 1))
    scaled = [p * 3.0 for p in parts]
    for i in range(2):
        total = total + np.sum(scaled[i] ** 2)
    return total


@pytest.mark.parametrize("n", [0, 1, 2, 5])
def test_items_added_at_the_loop_index_and_at_a_computed_one(n):
    x = np.array([0.2, -0.4, 0.0])
    want = 18.0 * x + 72.0 * x
    for i in range(n):
        c = 1.0 + i % 2
        want = want + np.cos(c * x) * c * (i + 1)
    np.testing.assert_allclose(ag.grad(halves)(x, n), want, rtol=1e-13)
    ag.check_grads(halves, (x, n), order=2)


def picky(xs, c):
    """Items the loop reads but only a branch uses: their adjoints are zeros."""
    total = 0.0
    for i in range(len(xs)):
        v = xs[i]
        if c > i:
            total = total + np.sum(v ** 2)
    return total


@pytest.mark.parametrize("c", [0, 1, 3])
def test_the_gradient_of_a_list_keeps_arrays_where_it_is_zero(c):
    xs = [np.array([0.5, -1.0]), np.array([2.0, 0.0]), np.array([0.25, 1.5])]
    g = ag.grad(picky)(xs, c)
    assert isinstance(g, list) and len(g) == 3
    for k, (gk, xk) in enumerate(zip(g, xs)):
        assert isinstance(gk, np.ndarray) and gk.shape == xk.shape
        np.testing.assert_array_equal(gk, 2 * xk if c > k else np.zeros(2))
    ag.check_grads(picky, (xs, c), order=2)
