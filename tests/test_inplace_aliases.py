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


# ---- generated code differentiated again: the views its reverse sweep reads -----------------
# The gradient's reverse sweep writes back what a write overwrote (`x[2:4] =
# saved_x_items.pop()`) and reads views of `x` taken going forward; second order (issue 10's
# commonest refusal) differentiates that code again. These write into their arguments:
# `check_grads` gives each call its own copies.

def scale_slice_in_while(x, u):
    i = 0
    while i < 2:
        i += 1
        x[2:4] *= np.cos(u)
    return np.sum(x ** 2)


def scale_slice_in_for(x, u):
    for i in range(2):
        x[2:4] *= np.cos(u)
    return np.sum(x ** 2)


def scale_row_in_a_tested_while(x, u):
    i = 0
    while i < 3 and np.mean(x) < 5.0:          # the body is a branch of `while True`
        i += 1
        x[2:4] *= np.cos(u)
    return np.sum(x ** 2)


@pytest.mark.parametrize("f, times", [(scale_slice_in_while, 2), (scale_slice_in_for, 2),
                                      (scale_row_in_a_tested_while, 3)])
@pytest.mark.parametrize("u", [[0.9, -0.5], [0.0, 0.0], [0.4, 0.4]])
def test_a_view_the_reverse_sweep_writes_back_into(f, times, u):
    # refused at second order once (seeds 60000, 30004): `_2 = x[2:4]` was saved and read
    # after `x[2:4] = saved_x_items.pop()`; it is now taken again in each reverse iteration
    x, u = np.array([0.2, -0.2, -0.4, 0.0, 1.4]), np.array(u)
    ag.check_grads(f, (x, u), wrt=(0, 1), order=2)
    c = np.cos(u) ** (2 * times)
    assert np.allclose(ag.hessian(f)(x.copy(), u), np.diag([2.0, 2.0, *(2 * c), 2.0]))


def column_view_then_write(a, A):
    b = np.sum(A[:, -1][:, None] * A[:, 1])
    A[0, :] = a * A[2]
    return np.mean(A) * A[0, -1] ** 3 + np.sin(b)


@pytest.mark.parametrize("a", [-0.2, 0.0])
def test_a_new_axis_makes_a_view(a):
    # refused at second order once (seed 60112): `_1[:, None]` was not known to be a view
    # of `A`, whose row 0 the gradient's reverse sweep writes back
    A = np.array([[-0.3, -1.2, -0.9], [1.2, -1.2, 0.5], [-0.7, -1.2, 0.9], [-0.1, 1.0, -1.2]])
    ag.check_grads(column_view_then_write, (a, A), wrt=(0, 1), order=2)


def rebound_before_read(A, B):
    for i in range(3):
        if i % 2 == 0:
            A = A / (1.5 + np.cos(A))
        else:
            A[:, 0] += B[:, 1]
    return np.sum(np.cos(A))


def test_a_name_the_next_iteration_assigns_before_reading_is_not_read_after():
    # refused at second order once (seed 60132): the gradient's `_5 = A / _4; A = _5` in a
    # loop that also writes `A[:, 0] = ...` counted `_5` as read after the write
    A, B = np.array([[-0.2, -0.3, 0.7], [0.4, 0.6, 0.1]]), np.array([[0.6, -0.3, 1.1],
                                                                     [0.9, 0.3, -1.1]])
    ag.check_grads(rebound_before_read, (A, B), wrt=(0, 1), order=2)


def read_after_the_inner_loop(x):
    s = 0.0
    for m in range(2):
        for t in range(3):
            v = x[t]
            s = s + np.sin(v)
        s = s + v * v * (m + 1)
    return s


@pytest.mark.parametrize("x", [[0.3, -0.5, 0.9], [0.0, 0.0, 0.0]])
def test_a_read_computed_again_in_an_inner_loop_and_read_after_it(x):
    # silently wrong at first order once: `v = x[t]` was computed again in each reverse
    # iteration of the inner loop, and the read after it saw the last one made, x[0]
    x = np.array(x)
    slope = 2 * np.cos(x)
    slope[2] += 6 * x[2]
    assert np.allclose(ag.grad(read_after_the_inner_loop)(x), slope)
    _check(read_after_the_inner_loop, (x,))


def view_in_a_branch(u, b):
    if b > 0.0:
        c = np.outer(u, u[[0, 2, 2]])
    else:
        c = np.outer(u, u[0:3])
    u[1:3] *= b
    return np.sum(c[3] * u[1:4])


@pytest.mark.parametrize("b", [-0.7, 0.7])
@pytest.mark.parametrize("u", [[0.3, -0.5, 0.9, 1.1], [0.5, 0.5, 0.5, 0.0]])
def test_a_view_a_branch_takes_of_an_array_written_afterwards(u, b):
    # refused at second order once (seed 30060): the gradient's `_3 = u[0:3]` in a branch
    # was read after `u[1:3] = saved_u_items.pop()`; it is now taken again in the branch
    u = np.array(u)
    ag.check_grads(view_in_a_branch, (u, b), wrt=(0, 1), order=2)
    c = np.outer(u, u[[0, 2, 2]] if b > 0.0 else u[0:3])[3]
    assert np.isclose(ag.grad(view_in_a_branch, wrt=1)(u.copy(), b), c[0] * u[1] + c[1] * u[2])


def row_held_by_an_inactive_loop(a, B):
    s = 0.0
    for i in range(3):
        C = B * a
        r = C[-1]
        t = (r, r)
        m = 0.0
        for j in range(len(t)):
            u = t[j]
            m = m + np.sum(u)
        if m > 100.0:                               # `m` carries no derivative
            s = s + 1.0
        C[0] = 2.0 * a
        s = s + np.sum(C * C)
    return s


@pytest.mark.parametrize("a", [0.7, 0.0])
def test_a_read_no_adjoint_needs_is_not_computed_again(a):
    # refused at second order once (seed 30056): the gradient's reverse inner loop made
    # `u = t[j]` again though nothing read it, which kept `t` (holding a row of `C`) saved
    # across the write `C[0] = ...`
    B = np.array([[0.3, -0.5, 0.9], [1.1, 0.2, -0.4]])
    ag.check_grads(row_held_by_an_inactive_loop, (a, B), wrt=(0, 1), order=2)
    slope = 3 * (24 * a + 2 * a * np.sum(B[1] ** 2))
    assert np.isclose(ag.grad(row_held_by_an_inactive_loop)(a, B.copy()), slope)


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


# ---- views made by a call (`A.T`, `np.swapaxes`): fuzz seed 74611 ------------------------------

def fill_column(q, v):
    q[:, 1] = v * 2.0


def seen_through_a_transpose(A, v):
    B = A * 1.0
    xs = B.T                                    # a view: sees the helper's write into B
    fill_column(B, v)
    return np.sum(xs ** 3)


def seen_through_swapaxes(A, v):
    B = A * 1.0
    xs = np.swapaxes(B, 0, 1)
    B[:, 1] = v * 2.0
    return np.sum(xs ** 3)


@pytest.mark.parametrize("f", [seen_through_a_transpose, seen_through_swapaxes])
@pytest.mark.parametrize("v", [0.7, 0.0])
def test_a_view_a_call_makes_sees_a_later_write(f, v):
    # `xs` was the transpose as it was before the write: the gradient of the
    # overwritten column was 3 A**2, not zero (silently wrong)
    A = np.array([[0.4, -1.2, 0.9], [1.1, 0.3, -0.5]])
    after = A.copy()
    after[:, 1] = 2.0 * v
    assert f(A, v) == pytest.approx(np.sum(after ** 3))
    dA, dv = ag.grad(f, wrt=(0, 1))(A, v)
    expected = 3.0 * after ** 2
    expected[:, 1] = 0.0
    np.testing.assert_allclose(dA, expected, rtol=1e-12)
    assert dv == pytest.approx(2 * 3.0 * (2.0 * v) ** 2 * 2.0)
    _check(f, (A, v), wrt=(0, 1))


def written_through_a_transpose(A):
    B = A * 1.0
    xs = B.T
    xs[0] = 0.5                                 # changes B's first column
    return np.sum(B ** 2)


def reshaped_then_written(A):
    B = A * 1.0
    r = B.reshape(-1)                           # a view here, a copy for other layouts
    B[0] = 0.5
    return np.sum(r ** 2)


@pytest.mark.parametrize("f, name", [(written_through_a_transpose, "B"),
                                     (reshaped_then_written, "r")])
def test_a_write_a_view_of_a_call_may_show_is_refused(f, name):
    with pytest.raises(InPlaceError, match=f"`{name}`"):
        ag.grad(f)(np.array([[0.4, -1.2, 0.9], [1.1, 0.3, -0.5]]))


# ---- names made from one of two arrays (campaign seeds 111098, 111196, 111532) --------------

def either_then_write_other(x, y, a):
    t = y if a > 0.0 else x[0:2]                # `t` is `y` or a view of `x`: `x` and `y`
    s = np.sum(t ** 2)                          # do not share for that
    x *= 2.0
    return np.sum(y * y) + np.sum(x) + s + a


def either_then_write_it(x, y, a):
    t = y if a > 0.0 else x[0:2]
    x *= 2.0                                    # `t` may see it: refused
    return np.sum(t * t)


def list_of_either(x, y, a):
    xs = [x if a > 0.0 else y, y]               # a list holding `x` or `y`, and `y`
    x += 1.0                                    # `y` is not `x`
    return np.sum(y ** 2) + np.sum(x ** 2) + float(len(xs))


@pytest.mark.parametrize("a", [0.5, -0.5])
@pytest.mark.parametrize("f", [either_then_write_other, list_of_either])
def test_two_names_made_from_one_name_do_not_make_their_sources_share(f, a):
    x, y = np.array([0.3, -1.1, 0.7]), np.array([0.9, -0.4])
    if f is list_of_either:
        y = np.array([0.9, -0.4, 0.2])
        expected_x, expected_y = 2 * (x + 1.0), 2 * y
    else:
        expected_x, expected_y = np.full(3, 2.0), 2 * y + (2 * y if a > 0 else 0.0)
        expected_x[:2] += 0.0 if a > 0 else 2 * x[:2]
    dx, dy = ag.grad(f, wrt=(0, 1))(x, y, a)
    np.testing.assert_allclose(dx, expected_x, rtol=1e-12)
    np.testing.assert_allclose(dy, expected_y, rtol=1e-12)
    _check(f, (x, y, a), wrt=(0, 1))


def test_a_name_made_from_either_is_checked_when_the_code_runs():
    """`t` shares `x`'s array on one path only: the write is refused on a call taking it
    (at run time, with the same error), and differentiated on a call that does not."""
    x, y = np.array([0.3, -1.1, 0.7]), np.array([0.9, -0.4])
    with pytest.raises(InPlaceError, match=r"`x \*= \.\.\.` .* `t` also names \(on this call\)"):
        ag.grad(either_then_write_it)(x, y, -0.5)
    dx, dy = ag.grad(either_then_write_it, wrt=(0, 1))(x, y, 0.5)
    np.testing.assert_array_equal(dx, np.zeros(3))
    np.testing.assert_allclose(dy, 2 * y, rtol=1e-12)
    _check(either_then_write_it, (x, y, 0.5), wrt=(0, 1))
    assert "rt.unshared(x, t, 'x *= ...', 't')" in ag.source(ag.grad(either_then_write_it))


def size_read_after_write(x):
    y = x * 1.0
    w = y[0:2]
    n = np.size(w)                              # reads only the size of `w`
    y[0] = 3.0 * y[1]
    return np.sum(y ** 2) / n + float(np.ndim(w))


@pytest.mark.parametrize("x", [[0.3, -1.1, 0.7], [0.0, 0.0, 0.0]])
def test_a_size_read_after_a_write_does_not_see_it(x):
    x = np.array(x)
    expected = np.array([0.0, 9.0 * x[1] + x[1], x[2]])
    np.testing.assert_allclose(ag.grad(size_read_after_write)(x), expected, rtol=1e-12)
    _check(size_read_after_write, (x,))


def fancy_of_unknown_then_write(x, a):
    y = x[[1, 2, 2, 2]][-3:] if a < 0.0 else x * 1.0
    p = y[[1, 0]]                               # a copy, whatever `y` is
    y[1:2] += a
    return np.sum(np.tanh(y)) + np.sum(p ** 2)


@pytest.mark.parametrize("a", [0.4, -0.4])
def test_a_fancy_index_is_a_copy_at_second_order(a):
    _check(fancy_of_unknown_then_write, (np.array([0.3, -1.1, 0.7, 0.2]), a), wrt=(0, 1))


def scaled_copy_in_a_branch_then_written(x, a):
    y = x * 1.0 if a > 0.0 else x[::-1] * 2.0   # a new array on either path
    y[1:2] += a
    return np.sum(np.tanh(y))


@pytest.mark.parametrize("a", [0.4, -0.4])
def test_a_copy_by_one_in_a_conditional_stays_a_copy(a):
    # Found while writing the tests above: simplification made `x * 1.0` into `x` when
    # the name written in place was not the one assigned (`_5 = x * 1.0; y = _5`), and
    # the write then changed the caller's `x`.
    x = np.array([0.3, -1.1, 0.7, 0.2])
    y = x * 1.0 if a > 0.0 else x[::-1] * 2.0
    y[1:2] += a
    scale = 1.0 if a > 0.0 else 2.0
    expected = scale * (1 - np.tanh(y) ** 2)
    expected = expected if a > 0.0 else expected[::-1]
    np.testing.assert_allclose(ag.grad(scaled_copy_in_a_branch_then_written)(x, a), expected,
                               rtol=1e-12)
    np.testing.assert_array_equal(x, [0.3, -1.1, 0.7, 0.2])
    _check(scaled_copy_in_a_branch_then_written, (x, a), wrt=(0, 1))


def layers_then_write(x, Ws):
    h = x                                       # `h` is `x` until a layer runs
    for W in Ws:
        h = np.tanh(W @ h)
    x += 1.0                                    # seen through `h` if no layer ran
    return np.sum(h ** 2) + np.sum(x ** 3)


def test_a_loop_that_may_not_run_is_checked_when_the_code_runs():
    x = np.array([0.3, -1.1, 0.7])
    Ws = [np.array([[0.5, -0.2, 0.1], [0.3, 0.8, -0.6], [-0.4, 0.2, 0.9]])] * 2
    _check(lambda x: layers_then_write(x, Ws), (x,))
    with pytest.raises(InPlaceError, match=r"`x \+= \.\.\.` .* `h` also names \(on this call\)"):
        ag.grad(layers_then_write)(x, [])
    np.testing.assert_array_equal(x, [0.3, -1.1, 0.7])


def bound_in_a_branch_then_written(x, c):
    if c > 0:
        h = x[1:]
    x *= 2.0
    if c > 0:
        return np.sum(h ** 2)
    return np.sum(x ** 2)


def test_a_name_not_surely_bound_at_the_write_is_refused_when_made():
    # a check at run time would read `h` where it may not be bound: refused as before
    with pytest.raises(InPlaceError, match="`h` also names, and"):
        ag.grad(bound_in_a_branch_then_written)(np.array([0.3, -1.1, 0.7]), -1.0)


def mean_of_a_name_then_write(a, x):
    for i in range(3):
        v = x if a > 0.0 else x                 # another name of `x`, read for its mean
        a = np.sin(a) - np.mean(v)
        for j in range(2):
            x[[0, 2]] = np.linspace(-1.18, 0.21, 2) * a
    return a + np.sum(x ** 2)


@pytest.mark.parametrize("a", [0.4, -0.4])
def test_a_name_the_reverse_sweep_reads_for_its_size_is_saved_as_its_shape(a):
    # campaign seed 109720: the reverse sweep of `np.mean(v)` reads `np.size(v)`; `v` was
    # saved whole, a list holding `x`'s array, which the write then changed: the
    # derivative of that code was refused. Now its shape is saved.
    x = np.array([0.3, -0.5, 0.8, 1.1])
    _check(mean_of_a_name_then_write, (a, x), wrt=(0, 1))
    assert "saved_v.append(np.shape(v))" in ag.source(ag.grad(mean_of_a_name_then_write, wrt=(0, 1)))


# ---- two names of one array, each augmented (campaign 17, seed 131856) ---------------------
# `q *= 2.0` reads `q`, but the walk of what is read after a write did not count an
# augmented assignment's target: after `p /= 1.5`, `q` was not made again from the new
# array, and the value itself was wrong (0.2 where NumPy gives 0.4).

def two_names_augmented(A):
    p = A * 1.0
    q = p
    p /= 1.5
    q *= 2.0
    return p


def two_names_augmented_in_a_loop(A):
    p = A * 1.0
    q = p
    for i in range(3):
        p /= 1.5
        q *= A[0]
    return q * p


def _scale_both(p, q, r):
    for t in r:
        p /= 1.5
        q *= 2.0
    return np.sum(q)


def one_array_passed_three_times(a, A):
    s = _scale_both(A, A, A)
    return A * a + s


@pytest.mark.parametrize("f, args", [(two_names_augmented, (np.array([0.3, -0.2, 0.5]),)),
                                     (two_names_augmented_in_a_loop,
                                      (np.array([0.7, -0.2, 0.5]),)),
                                     (one_array_passed_three_times,
                                      (0.5, np.array([[0.3, -0.2], [0.5, 0.9]])))])
def test_two_names_of_one_array_each_augmented(f, args):
    expected = f(*[np.copy(a) for a in args])
    value, _ = ag.vjp(f, wrt=len(args) - 1)(*[np.copy(a) for a in args])
    np.testing.assert_allclose(value, expected, rtol=1e-15)
    on_copies = (lambda A: f(np.copy(A))) if len(args) == 1 else \
        (lambda a, A: f(a, np.copy(A)))
    ag.check_grads(on_copies, args, wrt=len(args) - 1, order=2)
