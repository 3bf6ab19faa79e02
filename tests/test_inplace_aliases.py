"""In-place writes into an array another name holds (issue 10's fuzzer refusals).

After `v *= k` or `v[i] = x`, every name surely holding the same array (`c = v`,
`w = v[1:]`, a helper's parameter, `q if t else q`) is made again from the new value,
and an array a view was taken from gets the view's new values back; where the names
only may share (through a branch, a list), the write is still refused. Each case is
checked against finite differences (reverse, forward, second order), and the caller's
arrays are left as they were."""
import numpy as np
import pytest

import astgrad as ag
from astgrad.errors import InPlaceError

RNG = np.random.default_rng(10)


def _check(f, args, wrt=0, order=2):
    before = [np.copy(a) for a in args]
    ag.check_grads(f, args, wrt=wrt, order=order)
    ag.grad(f, wrt=wrt)(*args)
    assert all(np.array_equal(a, b) for a, b in zip(args, before))   # left as they were
    value, pullback = ag.vjp(f, wrt=wrt)(*args)   # runs `f`, which may write into them
    called = [np.copy(a) for a in args]
    pullback(np.ones_like(value))
    pullback(np.ones_like(value))
    assert all(np.array_equal(a, b) for a, b in zip(args, called))   # the pullback: too
    return value


# ---- a second name of the array -----------------------------------------------------------

def name_then_scale(x):
    c = x * 1.0
    v = c
    v *= 2.0                                    # `c` too
    return np.sum(c * x)


def view_then_scale_base(x):
    y = x * 1.0
    w = y[1:]
    y *= 3.0                                    # `w` sees it
    return np.sum(w * w)


def scale_view_then_read_base(x):
    y = x * 1.0
    w = y[1:]
    w *= 3.0                                    # `y[1:]` too
    return np.sum(y * y)


def row_then_write_row(A):
    B = A * 1.0
    r = B[1]
    B[1] = r * 2.0                              # `r` is the row: it sees the new values
    return np.sum(r * B)


def item_then_write_item(x):
    y = x * 1.0
    a = y[0]                                    # an item is a copy
    y[0] = 3.0 * y[1]
    return a * np.sum(y)


@pytest.mark.parametrize("f, x, expected", [
    (name_then_scale, np.array([1.0, 2.0]), 10.0),
    (view_then_scale_base, np.array([1.0, 2.0, 3.0]), 9.0 * 13.0),
    (scale_view_then_read_base, np.array([1.0, 2.0, 3.0]), 1.0 + 9.0 * 13.0),
    (row_then_write_row, np.array([[1.0, 2.0], [3.0, 4.0]]), 6.0 + 16.0 + 36.0 + 64.0),
    (item_then_write_item, np.array([1.0, 2.0]), 8.0),
], ids=["name", "view-of-written", "written-view", "row", "item-copy"])
def test_another_name_of_the_array_sees_the_write(f, x, expected):
    assert f(np.copy(x)) == pytest.approx(expected)
    assert _check(f, (x,)) == pytest.approx(expected)
    _check(f, (RNG.normal(size=x.shape),))


def written_in_one_branch(x, c):
    y = x * 1.0
    z = y
    if c > 0.0:
        y *= 2.0                                # `z` is still `y`: both change
    return np.sum(z * x)


@pytest.mark.parametrize("c", [1.0, -1.0])
def test_a_write_in_a_branch(c):
    _check(written_in_one_branch, (np.array([1.0, 2.0]), c), wrt=(0, 1))


# ---- helpers --------------------------------------------------------------------------------

def _double(p):
    p *= 2.0
    return p[0]


def through_a_helper(x):
    y = x * 1.0
    a = _double(y)                              # changes `y`
    return a + np.sum(y * y)


def _long_update(p, q):
    # long enough to be called through its own derivative, were it not for the write
    s = np.sum(q)
    t = np.tanh(s)
    u = np.sin(t) + s
    w = u * 0.5
    v = w + t
    k = v * 0.1
    m = k + 1.0
    n = m * 2.0
    o = n - 1.0
    r = o * 0.5
    p += np.cos(q) * r
    return np.sum(p)


def through_a_long_helper(x, y):
    z = x * 1.0
    a = _long_update(z, y)
    return a * np.sum(z ** 2)


def test_a_helper_changing_its_argument():
    x = np.array([0.5, 0.7])
    assert through_a_helper(np.copy(x)) == pytest.approx(1.0 + 1.0 + 1.4 ** 2)
    _check(through_a_helper, (x,))


def test_a_long_helper_changing_its_argument_is_inlined():
    _check(through_a_long_helper, (np.array([0.3, -0.4, 0.8]), np.array([0.1, 0.2, -0.5])),
           wrt=(0, 1))


def _shift(p, q):
    q -= p[0]
    return np.sum(q)


def passes_a_conditional_of_one_name(x, a):
    y = x * a
    s = _shift(x, y if a > 0.0 else y)          # `y` on both paths
    return s + np.sum(np.sin(y))


@pytest.mark.parametrize("a", [0.7, -0.7])
def test_a_conditional_of_one_name_into_a_helper(a):
    _check(passes_a_conditional_of_one_name, (np.array([0.3, -0.2, 0.5]), a), wrt=(0, 1))


# ---- numbers --------------------------------------------------------------------------------

def sum_then_halve(x):
    t = np.sum(x)                               # a NumPy scalar: `t /= 2` rebinds `t`
    a = t
    t /= 2.0
    return a * t


def product_then_add(x, y):
    s = x * 1.0                                 # 0-d times a float: a NumPy scalar
    a = s
    s += y
    return a * s


def test_a_numpy_scalar_is_rebound():
    assert sum_then_halve(np.array([1.0, 2.0])) == pytest.approx(4.5)
    _check(sum_then_halve, (np.array([1.0, 2.0]),))
    assert product_then_add(np.array(1.5), 0.5) == pytest.approx(3.0)
    _check(product_then_add, (np.array(1.5), 0.5), wrt=(0, 1))


def zero_d_argument(x):
    c = x                                       # a 0-d array (changed in place) or a
    c *= 3.0                                    # NumPy scalar (rebound): not known here
    return c + x


def test_a_zero_d_argument_changed_in_place_is_refused():
    with pytest.raises(InPlaceError, match="`x`"):
        ag.grad(zero_d_argument)(np.array(2.0))


# ---- names that only may share: still refused -----------------------------------------------

def rebound_in_a_branch(A, D, c):
    B = A * 1.0
    w = B[:2]
    if c > 0.0:
        B = D                                   # `w` is a view of `B` only if c <= 0
    B[1] = 5.0 * B[0]
    return np.sum(w * w) + np.sum(B)


def read_back_from_a_list(A):
    B = A * 1.0
    xs = []
    xs.append(B)
    v = xs[0]                                   # `B` itself
    v[0] = 5.0 * v[1]
    return np.sum(B * B)


def test_names_that_may_share_are_refused():
    # both were silently wrong before (the first where the branch is not taken)
    with pytest.raises(InPlaceError, match="`w`"):
        ag.grad(rebound_in_a_branch)(np.ones(3), np.ones(3), -1.0)
    with pytest.raises(InPlaceError, match="`B`"):
        ag.grad(read_back_from_a_list)(np.array([0.3, 0.5, 0.7]))


# ---- second order: astgrad's own first-order code --------------------------------------------

def item_update_in_a_loop(u):
    for i in range(3):
        u[-1] += u[1]                           # generated `_1 = u[-1]`: an item, a copy
    return np.sum(np.tanh(u))


def item_update_by_a_reversed_index(x, a):
    y = x * 1.0
    for i in reversed(range(3)):
        y[i] *= np.cos(a * y[i - 1])            # `i` from `reversed(range(3))`: an int
    return np.sum(y ** 2)


def rebound_in_a_loop_then_written(x):
    y = x * 1.0
    for i in range(2):
        y = y * np.cos(y[1])                    # saved with `_k = None` first: its kind
        y *= np.exp(np.tanh(y))
    y[1] += y[-1] - y[0]
    return np.mean(np.cos(y))


@pytest.mark.parametrize("f, args, wrt", [
    (item_update_in_a_loop, (np.array([1.17, 0.27]),), 0),
    (item_update_by_a_reversed_index, (np.array([0.5, -0.3, 0.8]), 0.7), (0, 1)),
    (rebound_in_a_loop_then_written, (np.array([-0.99, 0.528, 0.47]),), 0),
], ids=["item-in-loop", "reversed-index", "loop-then-item"])
def test_second_order_through_generated_writes(f, args, wrt):
    _check(f, args, wrt=wrt)


# ---- `carried`: the sharing a loop's next iteration starts with --------------------------

def _carried(code: str, groups: dict, lists=()):
    import ast
    from astgrad.transform.carried import carried
    return carried(ast.parse(code).body[0], groups, set(lists))


@pytest.mark.parametrize("code, groups, lists, pairs", [
    ("for i in range(2):\n q += 1.0\n q = r", {"q": 1, "r": 2}, (), [("q", "r")]),
    ("for i in range(2):\n p, r = r, p\n p += 1.0", {"p": 1, "r": 2}, (), []),
    ("for i in range(2):\n p, r = r, p", {"p": 1, "r": 1}, (), []),
    ("for i in range(3):\n y += 1.0\n x, y, z = y, z, x", {"x": 1, "y": 2, "z": 1}, (),
     [("x", "y"), ("y", "z")]),
    ("while t:\n v = xs[0]\n v *= 2.0", {"v": 1, "xs": 2, "t": 3}, (), [("v", "xs")]),
    ("while t:\n v = xs[0]\n v *= 2.0", {"v": 1, "xs": 2, "t": 3}, ("xs",), []),
    ("for row in A:\n row += 1.0", {"row": 1, "A": 2}, (), [("A", "row")]),
    ("for i in range(2):\n q = r\n q = q * 2.0", {"q": 1, "r": 2}, (), []),
    ("for i in range(2):\n if t:\n  q = r\n else:\n  q = s", {"q": 1, "r": 2, "s": 3, "t": 4}, (),
     [("q", "r"), ("q", "s"), ("r", "s")]),
])
def test_carried_joins_what_an_iteration_leaves_sharing(code, groups, lists, pairs):
    assert _carried(code, groups, lists) == pairs
