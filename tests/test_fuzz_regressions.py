"""Minimal repros of the bugs the differential fuzzer found (issue 9, issue 14),
shrunk from generated programs. Each is a strict xfail naming the bug: a fix
flips it to XPASS, which fails until the mark is removed, so a fixed bug turns
into a plain regression test."""
from __future__ import annotations

import numpy as np
import pytest

import astgrad as ag
from astgrad.errors import InPlaceError


def xfail(reason: str):
    return pytest.mark.xfail(strict=True, reason=reason)


# ---- tuple assignment -------------------------------------------------------------------

def swap_in_a_loop(A, B):
    for i in range(2):
        A, B = B, A
    return A


def test_swap_in_a_loop():
    A, B = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    value, pullback = ag.vjp(swap_in_a_loop, wrt=(0, 1))(A.copy(), B.copy())
    assert np.array_equal(value, A)
    gA, gB = pullback(np.ones(2))
    assert np.array_equal(gA, [1.0, 1.0]) and np.array_equal(gB, [0.0, 0.0])


# ---- in-place updates ---------------------------------------------------------------------

def scale_in_place(p):
    p *= 2.0
    return p[0]


def calls_a_helper_that_updates_its_argument(x):
    a = scale_in_place(x)
    return a + np.sum(x)


def test_helper_updating_its_parameter_in_place():
    # `p *= 2.0` changes the caller's x, read after the call (once a silently wrong value
    # 2.2 instead of 3.4 and gradient [3, 1] instead of [4, 2]; then refused; now `x` is
    # made again from the helper's `p` after the write)
    x = np.array([0.5, 0.7])
    value, pullback = ag.vjp(calls_a_helper_that_updates_its_argument)(x)
    assert value == pytest.approx(3.4)
    assert np.allclose(pullback(1.0), [4.0, 2.0])
    assert np.array_equal(x, [0.5, 0.7])
    ag.check_grads(calls_a_helper_that_updates_its_argument, (x,), order=2)


def write_into_argument(x):
    x[1] = x[0]
    return np.sum(x ** 2)


def test_pullback_after_a_write_into_an_argument_twice():
    value, pullback = ag.vjp(write_into_argument)(np.array([0.5, 0.7, 0.9]))
    first, second = pullback(1.0), pullback(1.0)
    assert np.allclose(first, [2.0, 0.0, 1.8])
    assert np.allclose(second, first)  # astgrad gives [2.4, 0, 1.8]


def write_in_a_branch(x, a):
    if a > 0.0:
        c = np.sin(x)
        c[1] = a
    return np.sum(x) * a


def test_write_into_an_array_made_in_a_branch_not_taken():
    value, pullback = ag.vjp(write_in_a_branch, wrt=(0, 1))(np.array([0.5, 0.7]), -0.5)
    gx, ga = pullback(1.0)
    assert np.allclose(gx, [-0.5, -0.5]) and ga == pytest.approx(1.2)


# ---- indexing --------------------------------------------------------------------------------

def rows_then_all_columns(A):
    return np.sum(np.sin(A[[0, 0], :]))


def test_list_index_with_a_slice():
    A = np.array([[0.1, 0.2], [0.3, 0.4]])
    ag.check_grads(rows_then_all_columns, (A,), order=2)


# ---- forward mode --------------------------------------------------------------------------

def write_item_forward(x):
    x[0] -= np.tanh(x[1])
    return np.sum(x)


def test_jvp_of_a_write_into_an_argument():
    tangent = np.array([0.0, 1.0, 0.0])
    _, derivative = ag.jvp(write_item_forward)(np.array([0.5, 0.7, -0.4]), tangent)
    assert derivative == pytest.approx(np.tanh(0.7) ** 2)
    assert np.array_equal(tangent, [0.0, 1.0, 0.0])


def fill_then_write(a, x):
    y = np.zeros(3) + a
    y[1] += 1.0
    return np.sum(y * x)


def test_jvp_of_a_write_into_a_broadcast_float():
    x = np.array([0.5, 0.7, 0.2])
    _, derivative = ag.jvp(fill_then_write, wrt=(0, 1))(0.3, x, (1.0, np.zeros(3)))
    assert derivative == pytest.approx(np.sum(x))


# ---- branches ------------------------------------------------------------------------------

def early_return_of_an_index_of_an_index(x, a):
    if a < -0.99:
        return x[1:][:1]
    return x[:1]


def test_early_return_of_an_index_of_an_index():
    ag.check_grads(early_return_of_an_index_of_an_index, (np.array([0.5, 0.7, -0.4]), 0.5),
                   wrt=(0, 1))


def pick(p, q):
    if q[0] > -5.0:
        return q
    return p


def branches_of_different_shapes(u, x):
    return pick(u[:, None] * x, u)


def test_branches_of_different_shapes():
    # the return not taken left p's adjoint at 0.0: rt.unbroadcast of (2, 1) zeros to (3,)
    # raised IndexError; zeros that cannot be summed to a shape are now zeros of it
    u, x = np.array([0.5, 0.7]), np.array([0.1, 0.2, 0.3])
    ag.check_grads(branches_of_different_shapes, (u, x), wrt=(0, 1), order=2)
    ag.check_grads(branches_of_different_shapes, (u - 6.0, x), wrt=(0, 1), order=2)


def reassigned_in_a_branch(a, b):
    if b > 0.0:
        a = np.sin(a)
    return b * 2.0


def test_gradient_of_an_unused_float_reassigned_in_a_branch():
    ga, gb = ag.grad(reassigned_in_a_branch, wrt=(0, 1))(0.3, 0.5)
    assert type(ga) is float and ga == 0.0 and gb == 2.0


# ---- lists ---------------------------------------------------------------------------------

def list_under_a_second_name(x):
    xs = [x, 2.0 * x]
    ys = xs
    total = 0.0
    for t in ys:
        total = total + np.sum(np.sin(t))
    return total


def test_list_under_a_second_name():
    ag.check_grads(list_under_a_second_name, (np.array([0.5, 0.7]),), order=2)


# ---- second order --------------------------------------------------------------------------

def column_in_a_loop(x, u):
    for i in range(1):
        x = np.stack([u, u, u])[:, i]
    return np.outer(x, u)


def test_second_order_of_a_column_read_in_a_loop():
    ag.check_grads(column_in_a_loop, (np.array([0.5, 0.7, 0.2]), np.array([0.3, -0.4])),
                   wrt=(0, 1), order=2)


def pick_in_a_loop(x, b):
    q = x * 1.0
    for i in range(2):
        a = q * 2.0
        c = q[0] if b > 0.0 else a[1]
        q = np.sin(q) - c
    return np.sum(q)


def test_second_order_of_a_choice_in_a_loop():
    x = np.array([0.5, 0.7, 0.2])
    _, pullback = ag.vjp(ag.grad(pick_in_a_loop, wrt=(0, 1)), wrt=(0, 1))(x, 0.3)
    hx, hb = pullback((np.ones(3), 1.0))
    assert hx.dtype == np.float64
    ag.check_grads(pick_in_a_loop, (x, 0.3), wrt=(0, 1), order=2)


# ---- refused wrongly (issue 9: "Refused wrongly (must work)") --------------------------------

def write_after_a_fancy_copy(x):
    c = x[[0, 0, 1]]
    x[1] -= c[2]
    return np.sum(x) * np.sum(c)


def test_write_after_a_fancy_index_copy():
    ag.check_grads(write_after_a_fancy_copy, (np.array([0.5, 0.7, 0.2]),), order=2)


def item_of_a_loop_matrix(x):
    q = np.outer(x, x)
    for i in range(2):
        q = np.sin(q) - q[0, 1]
    return np.sum(q)


def test_second_order_of_an_item_read_in_a_loop():
    # the first-order code writes `b1 = bq; ...; bq = np.zeros_like(q); bq[0, 1] += b2`:
    # `bq` names a new array when it is written, which `b1` does not see
    ag.check_grads(item_of_a_loop_matrix, (np.array([0.5, 0.7, 0.2]),), order=2)


def einsum_dot(a, b):
    return np.einsum('i,i->', a, b)


def test_second_order_of_einsum():
    ag.check_grads(einsum_dot, (np.array([0.5, 0.7]), np.array([1.5, -0.2])), wrt=(0, 1),
                   order=2)


def determinant_by_minors(M):
    terms = [(1.0, M)]
    for _ in range(2):
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


def test_determinant_by_minors():
    M = np.array([[2.0, 0.5, -0.3], [0.1, 1.5, 0.4], [-0.7, 0.2, 1.2]])
    assert determinant_by_minors(M) == pytest.approx(np.linalg.det(M))
    gradient = ag.grad(determinant_by_minors)(M)
    assert np.allclose(gradient, np.linalg.det(M) * np.linalg.inv(M).T)


# ---- and/or in loops -----------------------------------------------------------------------

def and_in_a_loop(a):
    for j in range(2):
        if j < 5 and a > 0.36:
            a = a * 3.0
    return a


def test_and_in_a_loop():
    assert and_in_a_loop(-0.7) == -0.7
    assert ag.grad(and_in_a_loop)(-0.7) == 1.0


def list_summed_in_a_loop(a, x):
    xs = []
    for i in range(2):
        xs.append(np.sum(x) ** 2.0)
    for j in range(2):
        total = 0.0
        for t in xs:
            total += t
    return total * a


def test_second_order_of_a_list_summed_in_a_loop():
    ag.check_grads(list_summed_in_a_loop, (0.3, np.array([0.5, 0.7])), wrt=(0, 1), order=2)


# ---- values whose shape changes from one iteration to the next (issue 14) -------------------

def shrinking_in_a_loop(x):
    v = x
    for _ in range(2):
        v = np.tanh(v[1:]) + v[:-1]
    return np.sum(v)


def test_value_shrinking_in_a_loop():
    ag.check_grads(shrinking_in_a_loop, (np.array([0.5, 0.7, -0.3, 0.2]),), order=2)


def shrinking_list_items(x):
    xs = [x]
    for _ in range(2):
        nxt = []
        for node in xs:
            nxt.append(np.tanh(node[1:]) + node[:-1])
        xs = nxt
    total = 0.0
    for v in xs:
        total = total + np.sum(v)
    return total


def test_list_items_shrinking_per_level():
    ag.check_grads(shrinking_list_items, (np.array([0.5, 0.7, -0.3, 0.2]),), order=2)


def vector_or_float(A, a):
    b = A[:, 1] @ A
    c = b if np.mean(b) > 1.46 else a
    return A + c


def test_conditional_of_a_vector_and_a_float():
    # the branch not taken left b's adjoint at 0.0, which reached the matmul rule
    # (ValueError): an adjoint a non-elementwise rule reads starts shaped
    A = np.array([[0.5, 0.7, -0.3], [0.2, -0.1, 0.4]])
    assert np.mean(A[:, 1] @ A) <= 1.46
    ag.check_grads(vector_or_float, (A, 0.3), wrt=(0, 1), order=2)
    assert np.mean((3 * A)[:, 1] @ (3 * A)) > 1.46
    ag.check_grads(vector_or_float, (3 * A, 0.3), wrt=(0, 1), order=2)


def first_of_two_sums(x):
    xs = []
    for i in range(2):
        xs.append(np.sum(np.outer(x, x), axis=1))
    return np.sum(xs[0])


def test_unread_list_item_reduced_along_an_axis():
    x = np.array([0.5, 0.7])
    assert np.allclose(ag.grad(first_of_two_sums)(x), 2 * np.sum(x))


def slice_from_itself(u):
    u[0:2] = u
    return np.sum(np.tanh(u))


def test_slice_written_from_itself():
    # was silently [0, 0]: the part for the value written was zeroed with the items
    u = np.array([0.5, 0.7])
    assert np.allclose(ag.grad(slice_from_itself)(u.copy()), 1 - np.tanh(u) ** 2)
    ag.check_grads(slice_from_itself, (u,), order=2)


def update_in_branches(p, q):
    if p < 5.0:
        q *= p
    else:
        q += p
    return q


def test_jvp_of_an_update_of_a_parameter_not_differentiated():
    assert ag.jvp(update_in_branches, wrt=0)(0.4, 0.73, 1.0) == pytest.approx((0.292, 0.73))


def early_return_then_fancy_read(u):
    if u[0] > 5.0:
        return u
    u = u[[1, 0, 0]][:][0]
    return u


def test_second_order_write_backs_in_a_branch_not_taken():
    # fuzz seed 36: the pullback of grad kept and restored adjoints written back only in
    # the branch not taken, where they were floats: TypeError in generated code
    x = np.array([-0.958, -0.305, 1.181, -0.29])
    _, pullback = ag.vjp(ag.grad(early_return_then_fancy_read))(x)
    np.testing.assert_array_equal(pullback(np.ones(4)), np.zeros(4))
    ag.check_grads(early_return_then_fancy_read, (x,), order=2)
    ag.check_grads(early_return_then_fancy_read, (x + 6.0,), order=2)


def write_with_a_repeated_index(x, A):
    x[[1, 1]] = A[:, 0]
    return x


def write_with_an_index_argument(x, v, idx):
    y = x * 1.0
    y[idx] = v
    return np.sum(y ** 2)


def test_a_write_naming_one_element_twice_is_refused():
    # fuzz seed 132: `x[[1, 1]] = A[:, 0]` keeps one of the two values (NumPy's choice);
    # both got the adjoint of x[1], a silently wrong derivative
    A = np.array([[0.115, 1.322], [1.402, -0.88]])
    with pytest.raises(ag.AstgradError, match="names one element twice"):
        ag.vjp(write_with_a_repeated_index, wrt=(0, 1))(np.ones(5), A)
    with pytest.raises(ag.AstgradError, match="names one element twice"):
        ag.vjp(write_with_an_index_argument, wrt=(0, 1))(np.ones(4), np.array([0.3, 0.5]),
                                                        np.array([1, -3]))


def test_a_write_with_distinct_indices_is_differentiated():
    args = (np.array([0.5, -1.0, 2.0, 0.3]), np.array([0.3, 0.5]), np.array([0, -2]))
    ag.check_grads(write_with_an_index_argument, args, wrt=(0, 1), order=2)


# ---- a conditional expression is one of its branches, not a copy (seeds 20051, 20177) ----

def _shift_in_place(p):
    p -= p[0]
    return np.mean(np.cos(p))


def passes_a_conditional_to_a_helper_that_writes(a):
    c = a * np.linspace(0.5, 1.5, 4)
    d = _shift_in_place(c if a < c[3] else c)      # the helper changes `c` itself
    return np.sin(d) + np.sum(np.tanh(c))


def _either(p, q):
    return q if np.sum(p) > 100.0 else q


def loops_over_a_conditional_it_changes(u):
    a = _either(u, u)                               # `a` is `u`
    s = 0.0
    for t in a:
        u *= 1.5                                    # the next items of `a` see this
        s = s + t
    return s


def first_true_of_or(x, y):
    z = x or y                                      # `x` itself
    z *= 2.0
    return np.sum(x)


@pytest.mark.parametrize("f, args", [
    (passes_a_conditional_to_a_helper_that_writes, (-0.618,)),    # c[3] < a
    (passes_a_conditional_to_a_helper_that_writes, (0.9,)),       # a < c[3]
    (loops_over_a_conditional_it_changes, (np.array([1.0, 2.0, 3.0]),)),
    (loops_over_a_conditional_it_changes, (np.array([100.0, 200.0, 3.0]),)),
], ids=["ifexp-into-helper-else", "ifexp-into-helper-if", "ifexp-loop-else", "ifexp-loop-if"])
def test_a_conditional_of_one_name_is_that_name(f, args):
    # `c if t else c` is `c` on both paths: the helper's write is made again into `c`
    # (these were refused; before that, silently wrong)
    ag.check_grads(f, args, order=2)


def test_a_conditional_of_two_values_shares_the_array_on_one_path():
    with pytest.raises(InPlaceError) as err:      # `z` is `x` or `y`: refused
        ag.grad(first_true_of_or)(np.array([2.0]), np.array([3.0]))
    assert "also names" in str(err.value)


def test_a_conditional_of_a_float_is_rebound_not_shared():
    def f(x, y):
        c = x if x > y else y
        c *= 3.0                                    # a float: rebinds `c` alone
        return c + x
    assert ag.grad(f, wrt=(0, 1))(2.0, 1.0) == (4.0, 0.0)       # 3 * max(x, y) + x
    assert ag.grad(f, wrt=(0, 1))(1.0, 2.0) == (1.0, 3.0)
    assert ag.grad(ag.grad(f))(2.0, 1.0) == 0.0
    with pytest.raises(InPlaceError):          # a 0-d array is changed in place: `x` too
        ag.grad(f)(np.array(2.0), np.array(1.0))


def loops_over_an_array_it_changes(u):
    a = u
    s = 0.0
    for t in a:
        u *= 1.5
        s = s + t
    return s


def while_tests_an_array_it_changes(u):
    a = u
    s = 0.0
    while a[0] < 10.0:
        u *= 2.0
        s = s + np.sum(u)
    return s


@pytest.mark.parametrize("f, expected", [
    (loops_over_an_array_it_changes, 1.0 + 2.0 * 1.5 + 3.0 * 1.5 ** 2),
    (while_tests_an_array_it_changes, 12.0 + 24.0 + 48.0 + 96.0),   # u doubles 4 times
])
def test_a_loop_header_reads_the_array_each_iteration(f, expected):
    # `a` is `u`: the header reads the items `u *= ...` changed (`a` is made again
    # from `u` after each write)
    assert f(np.array([1.0, 2.0, 3.0])) == pytest.approx(expected)
    assert ag.vjp(f)(np.array([1.0, 2.0, 3.0]))[0] == pytest.approx(expected)
    ag.check_grads(f, (np.array([1.0, 2.0, 3.0]),), order=2)
    ag.check_grads(f, (np.array([0.3, -0.2, 0.9]),), order=2)


def new_array_in_a_branch(x, c):
    y = x * 1.0
    z = y
    if c > 0.0:
        y = np.zeros_like(x)
    y[0] += 1.0                                     # `z` sees this when c <= 0
    return np.sum(z * x)


def new_array_in_a_loop(x, n):
    y = x * 1.0
    z = y
    for i in range(n):
        y = np.zeros_like(x)
    y[0] += 1.0                                     # `z` sees this when n == 0
    return np.sum(z * x)


@pytest.mark.parametrize("f", [new_array_in_a_branch, new_array_in_a_loop])
def test_a_new_array_made_in_a_block_may_not_have_been_made(f):
    with pytest.raises(InPlaceError):
        ag.grad(f)(np.array([1.0, 2.0]), 0)


def new_array_then_written(x):
    y = x * 1.0
    z = y
    for i in range(2):
        y = np.zeros_like(x)
        y[0] += z[1]                                # a new array: `z` is not changed
        z = z * y[0] + x
    return np.sum(z)


def test_a_new_array_written_in_its_block():
    ag.check_grads(new_array_then_written, (np.array([0.5, -1.5]),))


# ---- an adjoint only one branch sets, read by `@` after the `if` (seed 59) ----------------

def reassigned_after_an_early_return(a, u):
    c = np.dot(np.outer(u, u), u)
    if a > 0.0:
        return np.sum(np.tanh(u))
    c = np.dot(np.outer(c, c), c)
    return np.sum(np.cos(c))


@pytest.mark.parametrize("a", [1.0, -1.0])
def test_an_adjoint_set_in_one_branch_reaches_matmul(a):
    u = np.array([0.3, -0.2, 0.5])
    ag.check_grads(reassigned_after_an_early_return, (a, u), wrt=(0, 1), order=2)
    if a > 0.0:
        assert np.allclose(ag.grad(reassigned_after_an_early_return, wrt=1)(a, u),
                           1.0 - np.tanh(u) ** 2, rtol=1e-12)


def _same_or_squared(p, t):
    return p if t > 0 else p * p[[1, 1, 1, 1, 1]]


def value_bound_in_one_branch(u, t):
    return _same_or_squared(u, t)


@pytest.mark.parametrize("t", [1.0, -1.0])
def test_second_order_of_a_value_bound_in_one_branch(t):
    ag.check_grads(value_bound_in_one_branch, (np.array([0.3, -0.2, 0.5, 0.1, 0.7]), t),
                   order=2)


# ---- a parameter rebound to a new array in a branch, then written (seed 30005) ------------

def _rebinds_then_writes(p, r):
    p = np.tanh(p + r)                              # a new array: the caller's is untouched
    for i in range(2):
        p[-1] = p[0] * r[1]
    return np.sum(p * p)


def rebinds_in_a_branch(x, t):
    if t > 0.0:
        s = _rebinds_then_writes(x if t > 1.0 else x * 2.0, x)
    else:
        s = np.sum(x)
    return s + np.sum(x * x)                        # reads the caller's `x` afterwards


@pytest.mark.parametrize("t", [2.0, 0.5, -1.0])
def test_a_parameter_rebound_to_a_new_array_is_not_the_callers(t):
    x = np.array([0.3, -0.6, 0.9])
    ag.check_grads(rebinds_in_a_branch, (x, t))


# ---- an adjoint one branch sets inside a loop, of a value of unknown kind (seed 40296) ------

def _sin_of_one(p, q, r):
    q = np.sin(q if p > -0.27 else np.outer(r, r[[2, 0, 1]]))
    return p + np.mean(np.cos(q))


def branch_in_a_loop_then_matmul(a):
    s = 0.0
    for i in range(2):
        q = np.outer(a * np.array([0.5, 1.0, 1.5]), a * np.array([1.5, 1.0, 0.5]))
        s = s + _sin_of_one(-0.45 if i == 1 else a, q @ q, a * np.array([1.0, -1.0, 2.0]))
    return s


def constant_unless_false(p, q):
    return 0.34 if p else q


def unknown_kind_then_outer(a):
    xs = []
    for j in xs:                                    # `a` may be rebound: its kind is unknown
        a = j
    return constant_unless_false(a, np.outer(a, a))


@pytest.mark.parametrize("a", [0.9, -0.5])
def test_an_adjoint_set_in_one_branch_inside_a_loop_reaches_matmul(a):
    ag.check_grads(branch_in_a_loop_then_matmul, (a,), order=2)


def test_an_adjoint_of_unknown_kind_set_in_one_branch_reaches_outer():
    assert ag.grad(unknown_kind_then_outer)(0.9) == 0.0      # the constant branch ran
    ag.check_grads(unknown_kind_then_outer, (0.9,), order=2)


# ---- a norm that is 0: of a difference that is identically 0 (seeds 50627, 51983) -------

def norm_of_no_difference(x):
    e = np.exp(-np.square(x))
    e *= np.tanh(e)
    return np.linalg.norm(e - e[0:4]) + np.mean(np.cos(x))


def norms_of_no_difference(A):
    D = np.log1p(np.square(A - A[0:2]))
    return (np.sum(np.linalg.norm(D, axis=0)) + np.linalg.norm(np.ravel(D), ord=3)
            + np.linalg.norm(D) + np.sum(np.sin(A)))


def test_a_norm_of_zero_has_slope_zero():
    x = np.array([0.3, -0.2, 0.5, 1.1])
    assert np.allclose(ag.grad(norm_of_no_difference)(x), -np.sin(x) / 4, rtol=1e-14)
    ag.check_grads(norm_of_no_difference, (x,), order=2)
    A = np.array([[0.3, -0.2, 0.5], [1.1, -0.7, 0.0]])
    assert np.allclose(ag.grad(norms_of_no_difference)(A), np.cos(A), rtol=1e-14)
    if hasattr(np.linalg, "vector_norm"):                      # NumPy 2
        def vector_norm_of_no_difference(A):
            return np.linalg.vector_norm(np.log1p(np.square(A - A[0:2])), axis=(0, 1))
        assert np.all(ag.grad(vector_norm_of_no_difference)(A) == 0.0)
    ag.check_grads(norms_of_no_difference, (A,), order=2)


def test_a_norm_of_zero_away_from_zero_is_unchanged():
    x = np.array([0.3, -0.2, 0.5, 1.1])
    assert np.allclose(ag.grad(np.linalg.norm)(x), x / np.linalg.norm(x), rtol=1e-14)
    ag.check_grads(lambda x: np.linalg.norm(x[1:] - x[:-1]), (x,), order=2)


# ---- an array put into a list, then changed in place (seed 51028) -------------------------
# NumPy's list holds the array itself, so it sees the change; the reverse sweep took the
# item's adjoint as that of the array when it was put in. Refused, naming both lines.

def changed_after_append_in_a_loop(x, b):           # the shrunk program of seed 51028
    xs = []
    for i in range(2):
        x[1] *= b
        xs.append(x)
    return np.sum(xs[0])


def changed_after_list_made(x, b):
    xs = [x]
    x[1] *= b
    return np.sum(xs[0])


def view_changed_after_append(x, b):
    xs = []
    xs.append(x[1:][::-1])
    x[2] = b
    return np.sum(xs[0])


def changed_through_another_name(x, b):
    xs = [x]
    y = x
    y[0] = b
    return np.sum(xs[0])


def grown_after_append_in_a_loop(x, b):
    xs = []
    for i in range(2):
        xs.append(x)
        x += b                                     # NumPy adds in place: xs[0] grows too
    return np.sum(xs[0])


def changed_in_a_tuple(x, b):
    t = (x, b)
    x[1] *= b
    return np.sum(t[0])


def _h1(p, q, r):
    r[[1, 0, 2]] += q
    return q


def view_in_a_tuple_a_helper_changes(u, b):         # the shrunk program of seed 123379
    xs = []
    for i in range(2):
        xs.append((np.outer, _h1(u, u[1:4], u)))   # a tuple holding a view of `u`, which
    W, bias = xs[0]                                 # the next iteration's call changes
    return np.sum(bias * b)


def _scale_first(v, b):
    v[0] *= b


def held_then_changed_by_a_helper(x, b):
    xs = [x[1:]]
    _scale_first(x, b)
    return np.sum(xs[0])


def tuple_of_views_appended(x, b):
    xs = []
    xs.append((x[:2], b))
    x[1] = b * b
    return np.sum(xs[0][0])


@pytest.mark.parametrize("f", [changed_after_append_in_a_loop, changed_after_list_made,
                               view_changed_after_append, changed_through_another_name,
                               grown_after_append_in_a_loop, changed_in_a_tuple,
                               view_in_a_tuple_a_helper_changes, held_then_changed_by_a_helper,
                               tuple_of_views_appended])
def test_an_array_changed_after_a_list_took_it_is_refused(f):
    x = np.array([0.3, -0.2, 0.5, 1.1, 0.2])
    with pytest.raises(InPlaceError, match="xs|`t`"):
        ag.grad(f, wrt=(0, 1))(x.copy(), 0.7)


def held_then_a_helper_changes_another(x, b):
    xs = [x[1:]]
    y = x * 2.0
    _scale_first(y, b)
    return np.sum(xs[0]) + np.sum(y)


def test_a_helper_changing_another_array_leaves_the_list_alone():
    x = np.array([0.3, -0.2, 0.5, 1.1, 0.2])
    ag.check_grads(held_then_a_helper_changes_another, (x.copy(), 0.7), wrt=(0, 1), order=2)


def changed_before_append(x, b):
    xs = []
    for i in range(2):
        x = x * b
        x[1] *= b
        xs.append(x)
    s = np.sum(xs[0] * xs[1])
    x[0] = b                                         # after the list's last read
    return s + np.sum(x)


def layer_loop(x, b):
    hs = []
    h = x
    for i in range(3):
        h = np.tanh(h * 1.5)
        h += b
        hs.append(h)
    return np.sum(hs[0] * hs[2])


def appended_item_copied(x, b):
    xs = []
    x[1] *= b
    xs.append(np.copy(x))
    x[1] *= b
    return np.sum(xs[0]) + np.sum(x * x)


# second order of `changed_before_append` is refused by the older check of writes into
# an array another name shares (its generated loop reads `_1 = x * b` after `x[1] = ...`)
@pytest.mark.parametrize("f, order", [(changed_before_append, 1), (layer_loop, 2),
                                      (appended_item_copied, 2)])
@pytest.mark.parametrize("b", [0.7, -1.3])
def test_an_array_changed_before_a_list_took_it_is_differentiated(f, order, b):
    x = np.array([0.3, -0.2, 0.5])
    ag.check_grads(f, (x, b), wrt=(0, 1), order=order)


# ---- a Python float on one path, a NumPy float64 on another (seeds 60478, 60758) ----------
# The join of the two was taken for a NumPy value, and the reverse sweep read `.shape` of
# what was, at run time, a Python float. Now it is "either" (`Kind.py is None`).

def list_of_float_and_numpy_float(a):
    xs = [a - a]
    for _ in range(1):
        nxt = []
        for node in xs:
            nxt.append(node * 2.0 + a)                 # a Python float
            nxt.append(node / (1.5 + np.cos(node)))    # a NumPy float64
        xs = nxt
    a = a + np.sum(xs[0])
    return np.sin(a) + np.sum(np.tanh(a * np.linspace(0.5, 1.5, 4)))


def float_or_numpy_float_in_branches(a, y):
    ys = []
    for i in range(2):
        ys.append(a * 2.0 if np.sum(y) > i else np.tanh(a))
    return np.sum(ys[0]) * np.sum(ys[1] * y)


def test_a_value_python_float_on_one_path_and_numpy_on_another():
    a = -0.334
    # xs[0] = 2 (a - a) + a = a: the function is sin(2a) + sum(tanh(2a w))
    w = np.linspace(0.5, 1.5, 4)
    assert np.isclose(ag.grad(list_of_float_and_numpy_float)(a),
                      2 * np.cos(2 * a) + np.sum(2 * w * (1 - np.tanh(2 * a * w) ** 2)), rtol=1e-13)
    ag.check_grads(list_of_float_and_numpy_float, (a,), order=2)
    y = np.array([0.4, -0.2, 0.9])
    ag.check_grads(float_or_numpy_float_in_branches, (0.7, y), wrt=(0, 1), order=2)
    ag.check_grads(float_or_numpy_float_in_branches, (0.7, -y), wrt=(0, 1), order=2)


# ---- arrays that share after a swap, or from one loop iteration to the next (seed 31103) ----

def _swap_then_add(p, r):
    for i in range(2):
        p, r = r, p                                  # both name the caller's `r` array
        p += 1.0
    return np.sum(p)


def swapped_view_changed_in_a_loop(a):
    """Seed 31103, shrunk: `_swap_then_add` adds into the caller's `r` through a view."""
    r = a * np.linspace(0.5, 1.5, 4)
    _swap_then_add(r[::-1], r)
    return np.sum(np.cos(r))


def swapped_names_of_one_array(a):
    r = a * np.ones(2)
    p = r
    for i in range(2):
        p, r = r, p
        p += 1.0
    return np.sum(r)


def swapped_view_written(a):
    r = a * np.ones(2)
    p = r[::-1]
    for i in range(2):
        p, r = r, p
        p[0] = 1.0                                   # main: value right, gradient wrong
    return np.sum(r)


def shared_from_the_next_iteration(a):
    r = a * np.ones(2)
    q = a * np.ones(2)
    for i in range(2):
        q += 1.0                                     # the second time, `q` is `r`
        q = r
    return np.sum(r)


def rotated(a):
    x = a * np.ones(2)
    y = 2.0 * a * np.ones(2)
    z = x
    for i in range(3):
        y += 1.0                                     # the second time, `y` is `z`
        x, y, z = y, z, x
    return np.sum(x * y) + np.sum(z)


@pytest.mark.parametrize("f, line", [
    (swapped_view_changed_in_a_loop, "p += ..."), (swapped_names_of_one_array, "p += ..."),
    (swapped_view_written, "p [...] = ..."), (shared_from_the_next_iteration, "q += ..."),
    (rotated, "y += ...")])
def test_an_array_changed_where_a_swap_or_an_earlier_iteration_shares_it_is_refused(f, line):
    """Each was silently wrong (`rotated`: value 11.56 for 18.36)."""
    with pytest.raises(InPlaceError, match=r"test_fuzz_regressions\.py:\d+: `" +
                       line.replace(".", r"\.").replace("[", r"\[").replace("+", r"\+")):
        ag.grad(f)(0.7)


def swapped_new_arrays_changed(a):
    r = a * np.ones(2)
    p = r * 1.0                                      # a new array: the swap shares nothing
    for i in range(3):
        p, r = r, p
        p += 1.0
    return np.sum(np.cos(r) * p)


@pytest.mark.parametrize("a", [0.7, -1.0, 0.0])
def test_swapped_arrays_that_share_nothing_are_differentiated(a):
    assert np.isclose(ag.grad(swapped_new_arrays_changed)(a),
                      2.0 * (np.cos(a + 1.0) - np.sin(a + 1.0) * (a + 2.0)), rtol=1e-12)
    ag.check_grads(swapped_new_arrays_changed, (a,), order=2)


def swapped_in_one_branch_written_in_another(x, a):
    """Seed 30022, shrunk: the `else` writes into a new `b`, whatever the `if` swapped."""
    for i in range(2):
        b = x * x
        if a > 0.0:
            b, x = x, b
        else:
            b[0] *= a
    return np.sum(x * b)


def read_only_after_assigned_again(A, c):
    """Seed 31001, shrunk: `g` names `A`'s array when `A[0] = c` writes it again, but is
    assigned before it is read."""
    for i in range(2):
        A[0] = c
        if c > 0.0:
            g = A
            A, g = g, A
    return np.sum(A * A)


# (second order of both is refused, on main too: astgrad's own generated code writes in
# place into an array a saved list holds)
@pytest.mark.parametrize("a", [0.7, -0.7])
def test_names_sharing_only_on_another_path_are_differentiated(a):
    x = np.array([0.3, -0.5, 0.8])
    gx, ga = ag.grad(swapped_in_one_branch_written_in_another, wrt=(0, 1))(x.copy(), a)
    expect = (6.0 * x ** 5, 0.0) if a > 0 else (3.0 * x ** 2 * [a, 1.0, 1.0], x[0] ** 3)
    assert np.allclose(gx, expect[0], rtol=1e-12) and np.isclose(ga, expect[1], rtol=1e-12)
    gA, gc = ag.grad(read_only_after_assigned_again, wrt=(0, 1))(x.copy(), a)
    assert np.allclose(gA, [0.0, 2.0 * x[1], 2.0 * x[2]], rtol=1e-12) and np.isclose(gc, 2 * a)
    for f in (swapped_in_one_branch_written_in_another, read_only_after_assigned_again):
        ag.check_grads(f, (x.copy(), a), wrt=(0, 1), order=1)


def row_of_an_array_swapped_away(A):
    """Seed 30046, shrunk: the last iteration's row `t` may name what `A` names (the inner
    loop may not run), but the `for` assigns `t` before reading it."""
    for i in range(2):
        j = 0
        while j < 2:
            j += 1
            B = A * 1.5
            A, B = B, A
        A -= 0.5 * A
        for t in A:
            c = np.sum(t * A[0])
    return np.sum(A * A) + c


def test_a_loop_target_is_not_read_before_the_loop_assigns_it():
    A = np.array([[0.3, -0.5], [0.8, 0.1]])
    k2 = (2.25 * 0.5) ** 4                          # A ends as 1.125 ** 2 * A
    assert np.allclose(ag.grad(row_of_an_array_swapped_away)(A.copy()),
                       k2 * (2.0 * A + A[::-1]), rtol=1e-12)
    ag.check_grads(row_of_an_array_swapped_away, (A,), order=1)


# ---- an operand evaluated before a call that changes its array in place (seed 60360) ------
# `(A[1], h(A))`: the tuple's first item is a view of `A` taken before `h` writes into `A`,
# so Python returns the changed row. Refused; a copy taken before the call is not affected.

def _zero_row_one(p):
    p[1] = 0.0
    return 1.5


def view_before_a_writing_call(A):
    return A[1], _zero_row_one(A)


def either_view_before_a_writing_call(A):
    return (A if A[0, 0] < 5.0 else A[::-1]), _zero_row_one(A)


def copy_before_a_writing_call(A):
    return np.sum(A[1] ** 2) + A[1, 2] * _zero_row_one(A) + np.sum(A)


@pytest.mark.parametrize("f", [view_before_a_writing_call, either_view_before_a_writing_call])
def test_a_view_taken_before_a_call_writing_its_array_is_refused(f):
    A = np.arange(1.0, 7.0).reshape(3, 2) / 4
    with pytest.raises(InPlaceError, match=r"A\[1\]|A\[::-1\]"):
        ag.vjp(f)(A.copy())


def test_a_copy_taken_before_a_call_writing_its_array_is_differentiated():
    A = np.array([[0.3, -0.2, 0.5], [1.1, 0.4, -0.7]])
    # sum(A[1]**2) + 1.5 A[1, 2] + sum(A with row 1 set to 0)
    expected = np.array([[1.0, 1.0, 1.0], [2 * 1.1, 2 * 0.4, 2 * -0.7 + 1.5]])
    assert np.allclose(ag.grad(copy_before_a_writing_call)(A.copy()), expected, rtol=1e-14)
    ag.check_grads(copy_before_a_writing_call, (A,), order=2)


# ---- a loop's read made again in the reverse sweep, also read after the loop (seed 71703) --
# `A = B[[0, 1], :]` in a loop, `A` read after it: the reverse loop made `A` again and zeroed
# its adjoint at the top, wiping what the code after the loop gave it (silently wrong).

def read_again_and_after_the_loop(A, B, a):
    B[1] += A[:, 0] @ B
    a = a + np.sum(A)
    if a > 1.01:
        for t in B:
            A = B[[0, 1], :]
    return a * a + np.sum(np.tanh(A))


def test_a_loop_read_also_read_after_the_loop():
    A = np.array([[1.342, 0.015, -1.047], [0.875, -0.835, 0.356]])
    B = np.array([[0.781, -0.825, -1.261], [-0.592, 0.663, 0.79]])
    # the branch runs: A is B (after B[1] += A[:, 0] @ B), and d/dA[0, 0] of a * a is 2a
    # plus d/dA[0, 0] of sum(tanh(B')) through B'[1] = B[1] + A[:, 0] @ B
    a = 0.865 + np.sum(A)
    B1 = B.copy()
    B1[1] += A[:, 0] @ B
    expected = 2 * a + np.sum((1 - np.tanh(B1[1]) ** 2) * B[0])
    assert np.isclose(ag.grad(read_again_and_after_the_loop)(A, B.copy(), 0.865)[0, 0],
                      expected, rtol=1e-13)
    ag.check_grads(read_again_and_after_the_loop, (A, B, 0.865), wrt=(0, 1, 2), order=2)


# ---- a temporary passed to a callee that changes it in place (campaign seed 70486) --------
# The argument is the callee's own: the refusal of operands read after the call must not
# count it (it was refused as "`p *= ...` changes an array that `np.sum(x)` also names").

def _shrink_in_place(p):
    for i in range(2):
        p *= 0.9
    return p * 1.5


def temp_argument_written_by_callee(x):
    return _shrink_in_place(np.sum(x)) + _shrink_in_place(x * x)[0]


def test_a_temporary_argument_written_by_the_callee_is_differentiated():
    x = np.array([0.3, -0.2, 0.5])
    expected = 0.81 * 1.5 * (1.0 + np.array([2 * 0.3, 0.0, 0.0]))
    assert np.allclose(ag.grad(temp_argument_written_by_callee)(x), expected, rtol=1e-14)
    ag.check_grads(temp_argument_written_by_callee, (x,), order=2)


# ---- a slice of an adjoint that may be an array or a list (fuzz seed 77348) --------------
# `bx[0:3] = rt.add_each(bx[0:3], b1)` in first-order code (`x`, of unknown kind, is read at
# `x[0]`, so its adjoint is joined as a tuple's may be): grad-of-grad took the list rule for
# that write, and the adjoint of the value written was `bbx[0:3]`, a view of the array
# `bbx`, which the rule zeroes next: the second derivative was silently 0.

def outer_of_a_listed_tuple(x):
    xs = []
    for i in range(1):
        xs.append((np.outer(x, x[0:3]), x))
    W, bias = xs[0]
    A = x[0] <= W  # noqa: F841  (unused: its read `x[0]` is what matters)
    for j in range(1):
        x = x + W[2]
    return np.sum(W[1])


def test_the_slice_of_an_adjoint_that_may_be_an_array_is_its_own():
    x = np.array([0.214, -1.149, 0.821])
    # f = x1 * (x0 + x1 + x2)
    hessian = np.array([[0.0, 1.0, 0.0], [1.0, 2.0, 1.0], [0.0, 1.0, 0.0]])
    value, pullback = ag.vjp(ag.grad(outer_of_a_listed_tuple))(x)
    assert np.allclose(value, [x[1], x[0] + 2 * x[1] + x[2], x[1]], rtol=1e-14)
    for row in range(3):
        assert np.allclose(pullback(np.eye(3)[row]), hessian[row], rtol=1e-14)
    ag.check_grads(outer_of_a_listed_tuple, (x,), order=2)


def test_own_copies_an_array_only():
    from astgrad import runtime as rt
    a = np.arange(6.0).reshape(2, 3)
    part = rt.own(a[0:1])
    a[0:1] = 0.0
    assert np.array_equal(part, [[0.0, 1.0, 2.0]])
    items = [np.ones(2), 2.0]
    assert rt.own(items) is items and rt.own(2.0) == 2.0


# ---- `rt.add_each` of arrays is an array (fuzz seeds 60996, 71216) ------------------------
# First-order code adds into `bx` with `rt.add_each` where `x` may be a list; grad-of-grad
# took every `rt.add_each` for a list, so `by = by + bx` became a list join, and its
# reverse cut `bby` as lists are cut: an empty slice (a crash), or with `tanh` gone, a
# wrong jvp of the gradient.

def swap_in_a_branch_not_taken(x, y):
    if y[1] >= 5.0:
        if x[1] >= 1.27:
            x = np.array([y[1], y[1], y[1]])
        else:
            x, y = y, x
    if y[0] > 0.0:
        return np.sum(np.tanh(y))
    return np.sum(x)


def swap_in_a_branch_not_taken_sum(x, y):
    if y[1] >= 5.0:
        if x[1] >= 1.27:
            x = np.sin(x) - np.array([x[2], y[1], x[0]])
        else:
            x, y = y, x
    total = np.mean(y ** 2)
    if total > -1.22:
        return np.sum(y)
    return np.sum(y * x)


@pytest.mark.parametrize("f", [swap_in_a_branch_not_taken, swap_in_a_branch_not_taken_sum])
def test_add_each_of_arrays_is_not_a_list(f):
    x, y = np.array([1.032, 0.646, 1.113]), np.array([1.287, 1.2, 0.485])
    t = np.tanh(y) if f is swap_in_a_branch_not_taken else None
    hyy = np.diag(-2 * t * (1 - t ** 2)) if t is not None else np.zeros((3, 3))
    value, pullback = ag.vjp(ag.grad(f, wrt=(0, 1)), wrt=(0, 1))(x.copy(), y.copy())
    assert np.allclose(value[1], 1 - t ** 2 if t is not None else np.ones(3), rtol=1e-14)
    for row in range(3):
        gx, gy = pullback((np.zeros(3), np.eye(3)[row]))
        assert np.array_equal(gx, np.zeros(3)) and np.allclose(gy, hyy[row], rtol=1e-13)
    ag.check_grads(f, (x, y), wrt=(0, 1), order=2)


# ---- the adjoint of a fill is a sum (fuzz seed 77228) -------------------------------------
# Inlined, `B` is a local not read after the second loop: its adjoint starts as 0.0, and
# first-order code fills shapes with it (`rt.sum_to(0.0, shape)`, `rt.unbroadcast(0.0, x)`);
# grad-of-grad broadcast the fill's adjoint back to the number's shape `()`: a crash.

def _rows_loop(A, B):
    for j in range(1):
        A = A + B
    for t in A:
        B = B + np.sqrt(1.0 + np.square(A))
    return A


def rows_loop_after_sum(A, B):
    return np.sum(_rows_loop(A, B) ** 2)


def test_the_adjoint_of_a_filled_zero_is_summed():
    A = np.array([[-0.09, 1.414, 0.803], [-0.448, 0.4, -1.121]])
    B = np.array([[-0.183, 1.103, -0.088], [-0.018, -0.293, -1.308]])
    # f = sum((A + B) ** 2): the gradient is 2 (A + B) for both, the Hessian 2 [[I, I], [I, I]]
    value, pullback = ag.vjp(ag.grad(rows_loop_after_sum, wrt=(0, 1)), wrt=(0, 1))(A, B)
    assert np.allclose(value[0], 2 * (A + B), rtol=1e-14)
    assert np.allclose(value[1], 2 * (A + B), rtol=1e-14)
    u = np.arange(6.0).reshape(2, 3)
    for got in pullback((u, np.zeros_like(u))):
        assert np.allclose(got, 2 * u, rtol=1e-14)
    ag.check_grads(rows_loop_after_sum, (A, B), wrt=(0, 1), order=2)


def test_spread_to_is_the_transpose_of_sum_to():
    from astgrad import runtime as rt
    rng = np.random.default_rng(0)
    for x_shape, shape in [((2, 3), (3,)), ((2, 3), (2, 1)), ((2, 3), (2, 3)), ((), (2, 3)),
                           ((2, 3), ())]:
        x = rng.standard_normal(x_shape) if x_shape else 0.7
        b = rng.standard_normal(shape) if shape else 1.3
        # <sum_to(x, shape), b> == <x, spread_to(b, x's shape)>
        assert np.isclose(np.sum(rt.sum_to(x, shape) * b),
                          np.sum(x * rt.spread_to(b, np.shape(x))), rtol=1e-14)


# ---- a copy changed in place is not made again in the reverse loop (seed 82981) ------------

def _fills_second(p, q):
    q[1] = 1.0                          # q: a copy made by fancy indexing, changed in place
    return np.outer(p, q)


def copy_changed_in_a_loop(u):
    for i in range(2):
        t = _fills_second(u, u[[0, 1, 1, 0]])
    return np.sum(t * np.arange(12.0).reshape(3, 4))


def test_a_copy_changed_in_place_is_saved_not_made_again():
    u = np.array([-0.162, 0.381, -0.449])
    W = np.arange(12.0).reshape(3, 4)
    q = u[[0, 1, 1, 0]]
    q[1] = 1.0
    want = W @ q                        # d/du of sum(W * outer(u, q)) through p ...
    want += np.bincount([0, 1, 1, 0], weights=(u @ W) * [1.0, 0.0, 1.0, 1.0], minlength=3)
    assert ag.grad(copy_changed_in_a_loop)(u) == pytest.approx(want)   # ... and through q
    ag.check_grads(copy_changed_in_a_loop, (u,))


# ---- a saved value that is a view of an array written later (seed 83492) -------------------

def _squares_in_place(r):
    r *= r
    return r


def view_saved_then_written(u):
    a = _squares_in_place(u)             # `a` is `u`, squared in place
    for i in range(1):
        c = _squares_in_place(a[0:1])    # the view's old value is kept for the reverse sweep,
    return np.sum(u * np.arange(1.0, 4.0))   # then the write-back through `a` changes it


def test_a_saved_view_is_kept_as_it_was():
    # the items of `a` the write-back overwrites were not restored: the reverse sweep
    # reads them only through the view popped from `r`'s stack
    u = np.array([-0.336, 0.945, 0.463])
    # f = 1 * u0**4 + 2 * u1**2 + 3 * u2**2
    want = np.array([4.0 * u[0] ** 3, 4.0 * u[1], 6.0 * u[2]])
    assert ag.grad(view_saved_then_written)(u.copy()) == pytest.approx(want)
    ag.check_grads(view_saved_then_written, (u,))


# ---- a branch decided when the code is made, its adjoint zeroed (seed 87125) ----------------

def branch_decided_by_constants(x, B):
    a = x
    if -1.38 >= 0.75:
        pass
    else:
        a = np.sin(x[1])
    d, e = (B, a)
    return e


def test_a_temporary_is_not_moved_past_a_new_value_of_what_it_reads():
    # the optimizer moved `b2 = ba * np.cos(_2)` past `ba = 0.0` once the branch was
    # folded: a silent zero gradient
    x, B = np.array([0.3, 0.7]), np.ones(2)
    assert ag.grad(branch_decided_by_constants)(x, B) == pytest.approx([0.0, np.cos(0.7)])
    ag.check_grads(branch_decided_by_constants, (x, B), order=2)


def swap_in_a_branch_decided_by_constants(A, B):
    if 0.96 > -0.37:                    # seed 89328: the jvp's value was wrong (same cause)
        B = B * np.cos((B[-2, 0] + B[0, -2]))
        A = (B @ np.outer(B[0], np.linspace(-1.39, 1.02, 3))) \
            if (np.mean(A) + B[-1, -1]) >= -0.42 else (B + A)
        A, B = B, A
    else:
        A[0] += np.square(B[-2])
    b = np.cos(B[:, 0])[::-1]
    return b[[1, 0, 0]][-3] + np.mean(np.cos(A)) + np.mean(np.cos(B))


def test_a_folded_branch_with_a_swap_keeps_its_values_in_forward_mode():
    A = np.array([[0.706, -0.377, -0.995], [0.731, 1.011, -1.126]])
    B = np.array([[0.052, -0.238, -1.276], [-0.356, 0.423, -0.978]])
    want = swap_in_a_branch_decided_by_constants(A.copy(), B.copy())
    value, _ = ag.jvp(swap_in_a_branch_decided_by_constants, wrt=(0, 1))(
        A.copy(), B.copy(), (np.ones_like(A), np.ones_like(B)))
    assert value == pytest.approx(want)
    ag.check_grads(swap_in_a_branch_decided_by_constants, (A, B), wrt=(0, 1), forward=True)


# ---- rows of an array held in a list, the array then changed in place (seed 83613) ---------

def _divides_in_place(p, q, shift=0.6):
    if shift:
        p /= q
    return p


def rows_from_a_list_then_divided(A):
    xs = []
    xs.append(A)
    j, v = xs[0]
    total = np.sum(v)
    A -= 1
    total = _divides_in_place(A[:], total, shift=A.sum())
    return A


def test_rows_unpacked_from_a_list_before_an_in_place_division():
    A = np.array([[1.369, 0.991, -0.636, 1.327], [0.6, 0.065, 0.921, 1.303]])
    s = np.sum(A[1])
    want = (A - 1.0) / s
    value, pullback = ag.vjp(rows_from_a_list_then_divided)(A.copy())
    assert value == pytest.approx(want)
    seed = np.arange(8.0).reshape(2, 4)
    grad = pullback(seed)
    # d/dA of sum(seed * (A - 1) / s), s = sum(A[1])
    expect = seed / s
    expect[1] -= np.sum(seed * (A - 1.0)) / s ** 2
    assert grad == pytest.approx(expect)
    ag.check_grads(rows_from_a_list_then_divided, (A,))


# ---- a parameter given a new value after an early return (campaign seed 92536) ------------

def parameter_rebound_after_an_early_return(A, a):
    if A[0, 0] > 0:
        return np.sum(A)
    a = np.exp(A[0, 0])
    return np.sin(a)


def parameter_rebound_in_a_loop(x, a):
    for i in range(2):
        a = np.tanh(x[i])
        x = x * a
    return np.sum(x)


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_a_parameter_given_a_new_value_after_an_early_return(sign):
    # The new value of `a` was taken for one living only in its branch, so `ba` held
    # its adjoint and came back as the gradient of the parameter `a` (silently wrong:
    # 0.82 where `f` does not depend on `a`), or was never made (UnboundLocalError).
    A = sign * np.array([[0.5, 1.0], [2.0, 3.0]])
    gA, ga = ag.grad(parameter_rebound_after_an_early_return, wrt=(0, 1))(A, 1.5)
    assert ga == 0.0 and type(ga) is float
    expect = np.ones_like(A) if sign > 0 else np.zeros_like(A)
    if sign < 0:
        expect[0, 0] = np.cos(np.exp(A[0, 0])) * np.exp(A[0, 0])
    assert gA == pytest.approx(expect)
    ag.check_grads(parameter_rebound_after_an_early_return, (A, 1.5), wrt=(0, 1), order=2)


def test_a_parameter_given_a_new_value_in_a_loop():
    x = np.array([0.3, -0.7, 1.1])
    assert ag.grad(parameter_rebound_in_a_loop, wrt=1)(x, 2.0) == 0.0
    ag.check_grads(parameter_rebound_in_a_loop, (x, 2.0), wrt=(0, 1), order=2)


def vector_at_alias(u):
    b = u
    u += np.array(0.85)
    return np.clip(u, 0.5, 1.5) @ b


def test_the_adjoint_of_vector_at_vector_with_a_zero_d_seed():
    """Seed 122730, shrunk: the adjoint of `v @ w` for two vectors, reached through
    rt.matmul_adjoint (the kinds unknown there), got a 0-d seed and added the axis of `v`
    before that of `w`: AxisError. Now its seed takes `w`'s axis first."""
    from astgrad import runtime as rt
    x, y = np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0])
    np.testing.assert_array_equal(rt.matmul_adjoint(np.float64(2.0), x, y, 0), 2.0 * y)
    np.testing.assert_array_equal(rt.matmul_adjoint(np.float64(2.0), x, y, 1), 2.0 * x)
    u = np.array([0.1, -0.3, 0.2, 0.05])
    shifted = u + 0.85
    expected = np.where((shifted > 0.5) & (shifted < 1.5), 2 * shifted, 2 * np.clip(shifted, 0.5, 1.5))
    np.testing.assert_allclose(ag.grad(vector_at_alias)(u.copy()), expected, rtol=1e-12)
    ag.check_grads(vector_at_alias, (u.copy(),), order=1)


# ---- a dead loop whose name changes ndim, at second order (campaign 18, seed 134868) ------
# The first derivative sums a zero adjoint "down" to a larger shape (`rt.sum_to` fills zeros
# of that shape); the transpose of that, `rt.spread_to`, tried to broadcast back and raised.

def _aliased_three_times(p, q, r):
    q -= r
    for i in range(1):
        q = p[None] * p
    return r


def zeros_of_another_shape(A):
    _aliased_three_times(A, A, A)
    return A


def test_the_transpose_of_zeros_of_another_shape_is_zeros():
    A = np.array([[0.3, -0.2], [0.5, 0.9]])
    f = lambda A: np.sum(zeros_of_another_shape(np.copy(A)) ** 2)   # noqa: E731
    assert np.array_equal(ag.grad(f)(A), np.zeros((2, 2)))
    ag.check_grads(f, (A,), order=2)
    from astgrad import runtime as rt
    np.testing.assert_array_equal(rt.spread_to(np.ones((1, 2, 2)), (2, 2)), np.zeros((2, 2)))
    np.testing.assert_array_equal(rt.spread_to(np.ones(2), (3, 2)), np.ones((3, 2)))


def doubled_sum_ratio(x, u):
    u += u
    a = u.sum() / (3.0 - np.sin(np.sum(x)))
    return a * a


def test_a_seed_read_twice_keeps_its_shape_in_a_grads_vjp():
    """Campaign seed 180964, shrunk: the grad returns `bu = bu_1 + bu_1` for `bu_1 =
    np.broadcast_to(s, u.shape)`; scalar seeds took `bu_1 + bu_1` as meeting the shape,
    so the vjp of the grad made `bu` a number (the value's shape was wrong, and the
    pullback refused its seed)."""
    x, u = np.array([1.122, 0.841]), np.array([1.313, -0.731])
    df = ag.grad(doubled_sum_ratio, wrt=(0, 1))
    value, pullback = ag.vjp(df, wrt=(0, 1))(x, u.copy())
    expected = df(x, u.copy())
    for got, want in zip(value, expected):
        assert np.shape(got) == np.shape(want) == (2,)
        np.testing.assert_allclose(got, want, rtol=1e-14)
    seeds = (np.array([0.3, -0.5]), np.array([0.7, 1.1]))
    got = np.concatenate(pullback(seeds))

    def projected(z):
        gx, gu = df(z[:2], z[2:].copy())
        return np.sum(gx * seeds[0]) + np.sum(gu * seeds[1])
    z, h = np.concatenate([x, u]), 1e-5
    want = [(projected(z + h * e) - projected(z - h * e)) / (2 * h) for e in np.eye(4)]
    np.testing.assert_allclose(got, want, rtol=1e-7)


def _plus_square(p, q, r):
    return r + (r * r)


def functions_looped_then_branches_with_loops(x):
    a = x * 0.5
    for f1 in (np.tanh, np.tanh):
        a = a + f1(x) * 0.3
    b = a * 0.5
    for f2 in (np.cos, np.tanh):
        b = b + f2(a) * 0.3
    if (b[-3] < -1.38) and (-1.02 < 0.35):
        for i in range(3):
            x = np.sin(x) - np.sum(x)
            c = np.outer(b[[0, 2, 0, 0]], x)[i - 1, :]
        d = np.linalg.norm(a[[0, 2, 1, 0]])
    elif ((-0.89 + x[1]) < np.outer(np.linspace(-1.04, 0.46, 4), b)[-3, -1]) \
            and ((x[2] * b[0]) <= -0.43):
        b = 0.5 * b + ((b ** 3) * (x * a))
        for j in range(1, 3):
            b = 0.5 * b + ((x * a) if (x[-1 - j] > -0.81) or (j < 2) else np.maximum(x, -0.05))
            x = 0.5 * x + ((0.1 * j) if np.cos(a[j - 1]) >= 0.04 else np.sum(a))
    elif np.exp(np.tanh(b[-3])) >= 1.25:
        b = np.exp(np.tanh(np.sin(x))) ** -1.0
    else:
        r = _plus_square(a, x[2] + (x[[2, 1, 0, 2]][:, None] * b), np.sin(x[[1, 1, 1, 0]]))
    return np.tanh(float(b[-2])) + np.mean(np.cos(x))


def test_a_name_a_loop_binds_but_gives_no_kind_is_joined_after_a_branch():
    """Campaign seed 241487: a name a loop in a branch binds without a kind (its
    `for` target written out) was given the kind None after the `if`, and kind
    inference crashed joining it (AttributeError in lattice.join)."""
    ag.check_grads(functions_looped_then_branches_with_loops,
                   (np.array([0.575, -0.038, -0.478]),), order=2)


def test_a_call_is_not_taken_for_a_freed_one_of_the_same_id():
    """Campaign seed 350350 (session 12): `resolve` notes a rule-less call
    (`np.random.default_rng(60)`) in a helper's tree read to decide on inlining, by the
    call's id; the tree is then freed, and a later call node with that id
    (`d = h1(a, -0.4)`, the helper called) was refused as `np.random.default_rng`. The
    note keeps its node, and is read only for that node."""
    import ast
    from astgrad.transform import opaque

    def helper(p):
        return p

    class Names:
        def __init__(self, notes):
            self.opaque = notes

        def value(self, node):
            return helper

    call = ast.parse("h1(a)").body[0].value
    freed = ast.parse("np.random.default_rng(60)").body[0].value
    names = Names({id(call): (freed, ("call", "np.random.default_rng"))})
    assert opaque._opaque(call, names) is None            # the helper's call: inlined
    names.opaque[id(call)] = (call, ("call", "np.random.default_rng"))
    assert opaque._opaque(call, names) == ("call", "np.random.default_rng")


def _clip_of_unknown_kind(A):
    h = np.mean([A[1], A[1]], axis=0)          # a list's mean: its kind is not inferred
    return np.clip(h, 0.5, 0.5) + np.mean(A)


def _clip_of_unknown_kind_scaled(A):
    h = np.mean([A[1], 2.0 * A[0]], axis=0)
    return np.clip(h, -0.2, 0.4) * np.mean(A)


def test_clip_of_a_value_of_unknown_kind_is_not_a_number():
    """Campaign seed 380586 (session 12, predates it): `np.clip(h, 0.5, 0.5)` of an `h` of
    unknown kind was given the bounds' kind, a number, so `out = clip + np.mean(A)` was a
    number too and `np.mean(A)`'s adjoint was the vector seed itself, not its sum: every
    entry of the vjp was a third of what it is (silently)."""
    A = np.array([[1.197, 1.425, 0.875], [-0.683, -0.928, 0.494],
                  [0.891, 0.308, -0.852], [-1.299, -1.276, 0.498]])
    v = np.array([0.3, -1.1, 2.0])
    _, pullback = ag.vjp(_clip_of_unknown_kind)(A)
    np.testing.assert_allclose(pullback(v), np.full(A.shape, v.sum() / A.size), rtol=1e-14)
    ag.check_grads(_clip_of_unknown_kind, (A,), order=2)
    ag.check_grads(_clip_of_unknown_kind_scaled, (A,), order=2)
