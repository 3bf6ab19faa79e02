"""Builtins and container methods people write in plain Python: `sorted` and
`list.sort()`, `math.fsum`, `math.prod`, `statistics.mean`, `dict(...)`, the dict
methods `get`/`update`/`setdefault`/`copy`, and `list.reverse()`/`extend()`: each
against finite differences in reverse, forward and second order, also at ties and
zeros; and what stays refused, with its fix."""
import math
import statistics

import numpy as np
import pytest

import astgrad as ag
from astgrad import errors

X = np.array([0.3, -1.2, 0.7])
T = np.array([0.1, -0.2, 0.3])
W = np.array([1.0, 2.0, 3.0])


def weighted(ys):
    return ys[0] * 1.0 + ys[1] * 2.0 + ys[2] * 3.0


# ---- sorted and .sort(): a permutation, ties in their first order ------------------------
def sorted_list(x):
    return weighted(sorted([x[0] * 2.0, x[1], x[2] ** 2]))


def sorted_reversed(x):
    return weighted(sorted([x[0] * 2.0, x[1], x[2] ** 2], reverse=True))


def sorted_array(x):
    return weighted(sorted(np.sin(x)))


def magnitude(v):
    return v * v


def sorted_by_key(x):
    return weighted(sorted([x[0], x[1], x[2]], key=abs)) \
        + weighted(sorted([x[0], x[1], x[2]], key=magnitude, reverse=True))


def sorted_items(x):
    d = {"b": x[0], "a": x[1] * 2.0, "c": x[2]}
    total = 0.0
    for i, (k, v) in enumerate(sorted(d.items())):
        total = total + (i + 1.0) * v
    return total


def list_sort(x):
    ys = [x[0] * 2.0, x[1], x[2] ** 2]
    ys.sort(reverse=True)
    return weighted(ys)


def array_sort(x):
    y = np.tanh(x)
    y.sort()
    return np.sum(y * W)


def sorted_in_a_loop(x):
    ys = []
    total = 0.0
    for i in range(3):
        ys.append(x[i] * (i + 1.0))
        total = total + sorted(ys)[0] * (i + 1.0)
    return total


def pair(a, b):
    lo, hi = sorted([a * 2.0, b])
    return lo * 3.0 + hi


@pytest.mark.parametrize("f", [sorted_list, sorted_reversed, sorted_array, sorted_by_key,
                               sorted_items, list_sort, array_sort, sorted_in_a_loop])
def test_sorting_against_finite_differences(f):
    ag.check_grads(f, (X,), order=2)
    _, t = ag.jvp(f)(X, T)
    assert t == pytest.approx(ag.grad(f)(X) @ T, rel=1e-12)


def test_sorting_values_closed_form():
    # [0.6, -1.2, 0.49] sorted: -1.2 (x1), 0.49 (x2 ** 2), 0.6 (2 x0)
    np.testing.assert_allclose(ag.grad(sorted_list)(X), [3 * 2.0, 1.0, 2 * 2 * 0.7])
    np.testing.assert_allclose(ag.grad(sorted_reversed)(X), [1 * 2.0, 3.0, 2 * 2 * 0.7])
    np.testing.assert_allclose(ag.grad(sorted_items)(X), [2.0, 2.0, 3.0])
    c = np.cos(X)                                   # sin(X) sorted: x1, x0, x2
    np.testing.assert_allclose(ag.grad(sorted_array)(X), [2 * c[0], 1 * c[1], 3 * c[2]])
    g = ag.grad(array_sort)(X)
    assert type(g) is np.ndarray and g.shape == (3,)


def test_a_tie_takes_the_derivative_of_the_first_being_the_smaller():
    # at 2a == b, sorted keeps [2a, b]: lo = 2a; the one-sided derivatives where 2a < b
    h = 1e-7
    ga, gb = ag.grad(pair, wrt=(0, 1))(0.5, 1.0)
    assert (ga, gb) == (6.0, 1.0)
    assert ga == pytest.approx((pair(0.5, 1.0) - pair(0.5 - h, 1.0)) / h, rel=1e-6)
    assert gb == pytest.approx((pair(0.5, 1.0 + h) - pair(0.5, 1.0)) / h, rel=1e-6)
    assert type(ga) is float
    _, t = ag.jvp(pair, wrt=(0, 1))(0.5, 1.0, (1.0, 0.0))
    assert t == 6.0
    # reverse=True keeps ties in their order too: there the first is the larger
    ties = np.array([0.5, 0.5, -0.25])
    np.testing.assert_allclose(ag.grad(sorted_reversed)(np.array([0.25, 0.5, 0.1])),
                               [2.0, 2.0, 3 * 0.2])
    np.testing.assert_allclose(ag.grad(lambda x: weighted(sorted(x)))(ties), [2.0, 3.0, 1.0])


def test_sort_changes_the_list_another_name_sees_or_is_refused():
    def shared(x):
        ys = [x[0], x[1], x[2]]
        zs = ys
        ys.sort()
        return weighted(zs)
    with pytest.raises(errors.InPlaceError, match="zs"):
        ag.grad(shared)(X)


def test_sort_of_an_argument_changes_it_as_the_function_does():
    def sorts_its_argument(x):
        x.sort()
        return np.sum(x * W)
    x = X.copy()
    g = ag.grad(sorts_its_argument)(x)
    np.testing.assert_allclose(x, np.sort(X))          # as `sorts_its_argument(x)` leaves it
    np.testing.assert_allclose(g, [2.0, 1.0, 3.0])      # W put back in X's order


def test_sorting_a_matrix_by_rows_is_refused_with_the_numpy_fix():
    def rows(A):
        B = A * 2.0
        B.sort()
        return np.sum(B)
    with pytest.raises(errors.UnsupportedSyntaxError, match=r"(?s)2-d array.*np\.sort"):
        ag.grad(rows)(np.ones((2, 2)))


# ---- math.fsum, math.prod, statistics.mean ----------------------------------------------
def sums(x):
    return math.fsum([x[0], x[1] * 2.0, x[2] ** 2]) + math.fsum(v ** 3 for v in x)


def products(x):
    return math.prod([x[0], x[1] * 2.0, x[2] ** 2]) + math.prod(x, start=0.5) \
        + math.prod(v + 1.0 for v in x)


def means(x):
    return statistics.mean([x[0], x[1] * 2.0, x[2] ** 2]) + statistics.fmean(x) \
        + statistics.mean(x ** 2)


@pytest.mark.parametrize("f", [sums, products, means])
@pytest.mark.parametrize("x", [X, np.array([0.0, -1.2, 0.0])])
def test_sums_products_means_against_finite_differences(f, x):
    ag.check_grads(f, (x,), order=2)
    value, g = ag.value_and_grad(f)(x)
    assert value == f(x)                                # the user's value, to the last bit


def test_products_at_zeros_and_closed_forms():
    z = np.array([0.0, -1.2, 0.7])
    np.testing.assert_allclose(ag.grad(lambda x: math.prod(x))(z), [-1.2 * 0.7, 0.0, 0.0])
    np.testing.assert_allclose(ag.grad(sums)(X), [1 + 3 * X[0] ** 2, 2 + 3 * X[1] ** 2,
                                                  2 * X[2] + 3 * X[2] ** 2])
    np.testing.assert_allclose(ag.grad(means)(X), [1 / 3 + 1 / 3 + 2 * X[0] / 3,
                                                   2 / 3 + 1 / 3 + 2 * X[1] / 3,
                                                   2 * X[2] / 3 + 1 / 3 + 2 * X[2] / 3])
    assert ag.grad(lambda a, b: math.prod([a, b, a]), wrt=(0, 1))(0.0, 2.0) == (0.0, 0.0)
    assert ag.grad(lambda a: math.fsum([a, a, 1.0]))(0.3) == 2.0


def test_hypot_of_more_than_two_values_is_refused():
    with pytest.raises(errors.NoRuleError, match="too many positional arguments"):
        ag.grad(lambda x: math.hypot(x[0], x[1], x[2]))(X)


# ---- dict(...) and dict methods ----------------------------------------------------------
def dict_calls(x):
    d = dict(a=x[0], b=x[1] * 2.0)
    e = dict(zip(["p", "q"], [x[2], x[0] ** 2]))
    f = dict([("u", x[1]), ("v", x[2])])
    g = dict(d, c=x[2] * 3.0)
    h = dict(e.items())
    return d["a"] * d["b"] + e["p"] * e["q"] + f["u"] * f["v"] + g["c"] * g["a"] + h["q"]


def dict_methods(x):
    d = {"a": x[0]}
    d.update({"b": x[1] * 2.0})
    d.update(c=x[2], a=d["b"], b=d["a"])                # values read before any is written
    v = d.setdefault("e", x[0] ** 2)
    w = d.setdefault("a", 10.0)
    e = d.copy()
    e["a"] = x[2]
    return d.get("a", 1.0) * d.get("z", x[2]) + d["b"] * v + w * e["a"] + d["c"]


def counts(x):
    seen = {}
    for i in range(3):
        seen.setdefault("s", 0.0)
        seen["s"] = seen["s"] + x[i] ** 2
    more = {"t": x[0]}
    more.update(seen)
    return more["s"] * more["t"]


@pytest.mark.parametrize("f", [dict_calls, dict_methods, counts])
def test_dicts_against_finite_differences(f):
    ag.check_grads(f, (X,), order=2)
    _, t = ag.jvp(f)(X, T)
    assert t == pytest.approx(ag.grad(f)(X) @ T, rel=1e-12)


def test_dict_methods_closed_form():
    # d ends {a: 2 x1, b: x0, c: x2, e: x0 ** 2}, w = 2 x1, e["a"] = x2:
    # f = 2 x1 x2 + x0 ** 3 + 2 x1 x2 + x2
    a, b, c = X
    np.testing.assert_allclose(ag.grad(dict_methods)(X), [3 * a ** 2, 4 * c, 4 * b + 1.0])


def test_a_dict_argument_read_with_get_and_copied_is_left_as_it_was():
    def f(params, x):
        local = params.copy()
        local["w"] = local["w"] * x
        return local["w"] * params.get("w") + params.get("bias", 0.5) * x
    params = {"w": 0.7}
    g = ag.grad(f, wrt=(0, 1))(params, 2.0)
    assert params == {"w": 0.7}
    assert g[0] == {"w": pytest.approx(2 * 0.7 * 2.0)}
    assert g[1] == pytest.approx(0.7 ** 2 + 0.5)
    ag.check_grads(f, ({"w": 0.7}, 2.0), wrt=(0, 1), order=2)


# ---- list.reverse(), list.extend() ---------------------------------------------------------
def reorders(x):
    ys = [x[0] * 2.0, x[1]]
    ys.extend([x[2] ** 2])
    zs = [x[0]]
    zs.extend(ys)
    ys.reverse()
    return weighted(ys) + weighted(zs)


def test_list_methods_against_finite_differences():
    ag.check_grads(reorders, (X,))
    _, t = ag.jvp(reorders)(X, T)
    assert t == pytest.approx(ag.grad(reorders)(X) @ T, rel=1e-12)
    # ys = [x2 ** 2, x1, 2 x0], zs = [x0, 2 x0, x1, x2 ** 2] (its first three weighted)
    np.testing.assert_allclose(ag.grad(reorders)(X), [3 * 2.0 + 1 + 2 * 2.0, 2.0 + 3.0,
                                                      2 * X[2]])


def inserts(x):
    ys = [x[0], x[1]]
    ys.insert(0, x[2])
    return ys[0] * 2.0


def deletes(x):
    ys = [x[0], x[1]]
    del ys[0]
    return ys[0] * 2.0


def removes(x):
    ys = [x[0], x[1]]
    ys.remove(ys[0])
    return ys[0] * 2.0


def test_insert_and_del_of_a_list_are_differentiated():
    # (they were refused; tests/test_list_mutations.py has the rest)
    np.testing.assert_allclose(ag.grad(inserts)(X), [0.0, 0.0, 2.0])
    np.testing.assert_allclose(ag.grad(deletes)(X), [0.0, 2.0, 0.0])


def test_remove_is_refused_saying_how_to_take_the_item_out_by_position():
    with pytest.raises(errors.UnsupportedSyntaxError,
                       match=r"(?s)\.remove\(\).*comparing values.*del xs\[i\]"):
        ag.grad(removes)(X)


# ---- a Python function NumPy calls per element or row: refused, with the loop to write ---
def bump(v):
    return v * np.sin(v) if v > 0 else v ** 2


BUMP = np.vectorize(bump)


def vectorized_lambda(x):
    return np.sum(np.vectorize(lambda v: v * 2.0)(x))


def vectorized_named(x):
    f = np.vectorize(lambda v: v * 2.0)
    return np.sum(f(x))


def vectorized_global(x):
    return np.sum(BUMP(x))


def along_rows(A):
    return np.sum(np.apply_along_axis(lambda r: np.sum(r ** 2), 1, A))


def from_python(x):
    return np.sum(np.frompyfunc(lambda v: v * 2.0, 1, 1)(x).astype(float))


def as_a_loop(x):
    return np.sum(np.array([bump(v) for v in x]))


@pytest.mark.parametrize("f", [vectorized_lambda, vectorized_named, vectorized_global,
                               along_rows, from_python])
def test_per_element_python_functions_are_refused_with_the_loop_to_write(f):
    arg = np.array([[0.3, -1.2], [0.7, 0.1]]) if f is along_rows else X
    with pytest.raises(errors.UnsupportedSyntaxError, match=r"np\.array\(\[f\(v\) for v in x\]\)"):
        ag.grad(f)(arg)


def test_the_loop_the_refusal_suggests_works():
    ag.check_grads(as_a_loop, (X,), order=2)
    assert ag.grad(as_a_loop)(X)[1] == 2 * X[1]


def test_a_vectorized_function_on_constants_runs_as_it_is():
    def f(x):
        return np.sum(x * BUMP(W))
    np.testing.assert_allclose(ag.grad(f)(X), BUMP(W))


def test_a_lambda_key_is_refused_with_a_named_key():
    def f(x):
        return weighted(sorted([x[0], x[1], x[2]], key=lambda v: abs(v)))
    with pytest.raises(errors.UnsupportedSyntaxError, match=r"key=abs"):
        ag.grad(f)(X)


# ---- zip/enumerate of values written out, outside a loop: refused (they were zeros) --------
def zipped(x):
    ps = list(zip([x[0], x[1], x[2]], ["a", "b", "c"]))
    return ps[0][0] * 1.0 + ps[2][0] * 3.0


def enumerated(x):
    ps = list(enumerate([x[0], x[1]]))
    return ps[1][1] * 2.0


def sorted_pairs(x):
    ps = sorted(zip([x[0], x[1], x[2]], ["a", "b", "c"]))
    return ps[0][0] * 1.0


@pytest.mark.parametrize("f", [zipped, enumerated, sorted_pairs])
def test_zip_and_enumerate_of_varying_items_outside_a_loop_are_refused(f):
    with pytest.raises(errors.NoRuleError, match="only as the iterable of a `for` loop"):
        ag.grad(f)(X)
    with pytest.raises(errors.NoRuleError, match="only as the iterable of a `for` loop"):
        ag.jvp(f)(X, T)


# ---- a dict read as its keys: sorted(d), list(d), max(d) ---------------------------------
def dict_keys_read(x):
    d = {"b": x[0], "a": x[1] * 2.0, "c": x[2]}
    total = d[max(d)] * 5.0 + d[min(d)]
    for i, k in enumerate(sorted(d)):
        total = total + (i + 1.0) * d[k]
    for k in list(d):
        total = total + d[k] * 2.0
    return total


def test_a_dict_read_as_its_keys():
    # sorted keys a, b, c: 2 x1 + 2 x0 + 3 x2; max "c", min "a"; list: 2 (x0 + 2 x1 + x2)
    np.testing.assert_allclose(ag.grad(dict_keys_read)(X), [2 + 2, 2 + 2 + 4, 5 + 3 + 2])
    ag.check_grads(dict_keys_read, (X,), order=2)


def test_dict_of_a_dict_argument_copies_it_and_a_named_list_of_pairs_is_refused():
    def copies(params, x):
        local = dict(params, bias=x)
        local["w"] = local["w"] * 2.0
        return local["w"] * local["bias"] + params["w"]
    params = {"w": 0.7}
    g = ag.grad(copies, wrt=(0, 1))(params, 3.0)
    assert params == {"w": 0.7}
    assert g[0]["w"] == pytest.approx(2.0 * 3.0 + 1.0) and g[1] == pytest.approx(1.4)
    ag.check_grads(copies, ({"w": 0.7}, 3.0), wrt=(0, 1), order=2)

    def from_pairs(x):
        pairs = [("a", x[0]), ("b", x[1])]
        d = dict(pairs)
        return d["a"] * d["b"]
    with pytest.raises(errors.NoRuleError, match="`dict` has no derivative rule"):
        ag.grad(from_pairs)(X)
