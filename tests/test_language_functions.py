"""Functions as values and recursion (issue 10, part B): lambdas and nested defs
passed to helpers, functions in defaults and assigned to names, a helper that
calls itself with a data-dependent depth (called through its own generated
vjp). Checked against finite differences in reverse, forward and second order,
or refused by name at transform time.
"""
from __future__ import annotations

import functools

import numpy as np
import pytest

import astgrad as ag
from astgrad.errors import UnsupportedSyntaxError

X = np.array([0.5, 0.9, 0.7])
W = np.random.RandomState(1).randn(3, 3)


def layer(x, W, nonlinearity=np.tanh):
    return nonlinearity(W @ x)


def relu(z):
    return np.maximum(z, 0.0)


def twice(fn, x):
    return fn(x) * 2.0


def passes_on(fn, x):
    return twice(fn, x) + fn(x * 0.5)


def default_passed_and_module_function(x, W):
    return np.sum(layer(x, W)) + np.sum(layer(x, W, relu)) + np.sum(layer(x, W, np.sin))


def lambdas_passed(x, W):
    sq = lambda z: z ** 2 * W[0, 0]   # noqa: E731
    return np.sum(twice(sq, x)) + np.sum(twice(lambda z: np.exp(z), x))


def nested_def_passed(x):
    def soft(z):
        return np.log1p(np.exp(z)) * x[0]
    return np.sum(passes_on(soft, x))


def function_assigned_to_a_name(x):
    act = np.sin
    other = relu
    return np.sum(act(x) * other(x - 0.6))


@pytest.mark.parametrize("fn, args", [
    (default_passed_and_module_function, (X, W)),
    (lambdas_passed, (X, W)),
    (nested_def_passed, (X,)),
    (function_assigned_to_a_name, (X,)),
])
def test_functions_as_values(fn, args):
    ag.check_grads(fn, args, order=2)


def test_function_value_gradient():
    g = ag.grad(function_assigned_to_a_name)(X)
    z = np.maximum(X - 0.6, 0.0)
    np.testing.assert_allclose(g, np.cos(X) * z + np.sin(X) * (X > 0.6))


def calls_its_argument(x, act):
    return np.sum(act(x))


def test_calling_a_function_given_as_an_argument():
    np.testing.assert_allclose(ag.grad(calls_its_argument)(X, np.sin), np.cos(X), rtol=1e-12)


@pytest.mark.parametrize("fn, args, name", [
    (calls_its_argument, (X, functools.partial(np.sin)), "`act`"),
])
def test_calling_an_unknown_value_is_refused(fn, args, name):
    with pytest.raises(UnsupportedSyntaxError, match="test_language_functions.py") as err:
        ag.grad(fn)(*args)
    assert f"calling {name}" in str(err.value)


# ---- recursion ---------------------------------------------------------------------------------

def continued_fraction(x, n):
    if n == 0:
        return x
    return x + 1.0 / continued_fraction(x, n - 1)


def fraction_to(x, tol):
    """Recursion whose depth depends on the value of x."""
    if x > tol:
        return x
    return fraction_to(x * 1.5, tol) * x


def product_by_halves(x, lo, hi):
    if hi - lo == 1:
        return x[lo] ** 2
    mid = (lo + hi) // 2
    return product_by_halves(x, lo, mid) * product_by_halves(x, mid, hi)


def binary_split(x):
    return product_by_halves(x, 0, len(x))


def cf5(x):
    return continued_fraction(x, 5)


def cf_deep(x):
    return continued_fraction(x, 150)


def data_depth(x):
    return fraction_to(x, 10.0)


@pytest.mark.parametrize("fn, args", [(cf5, (1.3,)), (cf_deep, (1.3,)), (binary_split, (X,)),
                                      (data_depth, (0.7,))])
def test_recursion_first_order(fn, args):
    ag.check_grads(fn, args, order=1)


def test_recursion_values():
    # x**(k) * 1.5**(...) : fraction_to(0.7, 10) multiplies x at each of 7 levels
    value, g = ag.value_and_grad(data_depth)(0.7)
    levels = 0
    while 0.7 * 1.5 ** levels <= 10.0:
        levels += 1
    assert value == pytest.approx(0.7 ** (levels + 1) * 1.5 ** (levels * (levels + 1) / 2))
    assert g == pytest.approx((levels + 1) * value / 0.7)
    np.testing.assert_allclose(ag.grad(binary_split)(X), 2 * np.prod(X ** 2) / X)
    _, tangent = ag.jvp(cf5)(1.3, 1.0)
    assert tangent == pytest.approx(ag.grad(cf5)(1.3))


def test_a_recursive_function_itself():
    # its generated function's name is not the name its own vjp or jvp is called by
    value, pullback = ag.vjp(continued_fraction)(1.3, 5)
    assert pullback(1.0) == pytest.approx(ag.grad(cf5)(1.3))
    assert ag.jvp(continued_fraction)(1.3, 5, 2.0)[1] == pytest.approx(2 * ag.grad(cf5)(1.3))
    ag.check_grads(continued_fraction, (1.3, 5), order=2)


# ---- second order through recursion: code to differentiate again calls the helper for its
# value and, in its reverse sweep, the helper's vjp at a seed (`astgrad.seeded`) -----------------

@pytest.mark.parametrize("fn, args", [(cf5, (1.3,)), (cf_deep, (1.3,)), (binary_split, (X,)),
                                      (data_depth, (0.7,))])
def test_recursion_second_order(fn, args):
    ag.check_grads(fn, args, order=2)


def fraction_derivatives(x, n):
    """c_0 = x, c_k = x + 1/c_(k-1), and its first three derivatives by their recurrences."""
    c, d1, d2, d3 = x, 1.0, 0.0, 0.0
    for _ in range(n):
        c, d1, d2, d3 = (x + 1 / c, 1 - d1 / c ** 2, -d2 / c ** 2 + 2 * d1 ** 2 / c ** 3,
                         -d3 / c ** 2 + 6 * d1 * d2 / c ** 3 - 6 * d1 ** 3 / c ** 4)
    return c, d1, d2, d3


@pytest.mark.parametrize("fn, depth", [(cf5, 5), (cf_deep, 150)])
def test_recursion_second_derivative_values(fn, depth):
    _, d1, d2, d3 = fraction_derivatives(1.3, depth)
    assert ag.grad(ag.grad(fn))(1.3) == pytest.approx(d2, rel=1e-12)
    assert ag.hessian(fn)(1.3) == pytest.approx(d2, rel=1e-12)
    assert ag.hvp(fn)(1.3, -2.0) == pytest.approx(-2 * d2, rel=1e-12)
    (_, hv), (_, third) = ag.jvp(ag.jvp(ag.grad(fn)))(1.3, 1.0, 1.0)   # forward over forward
    assert (hv, third) == pytest.approx((d2, d3), rel=1e-10)


def test_recursion_hessians_in_closed_form():
    f = np.prod(X ** 2)                         # binary_split: the product, split in halves
    H = 4 * f * np.outer(1 / X, 1 / X) - np.diag(2 * f / X ** 2)
    np.testing.assert_allclose(ag.hessian(binary_split)(X), H, rtol=1e-12)
    v = np.array([0.3, -1.0, 2.0])
    np.testing.assert_allclose(ag.hvp(binary_split)(X, v), H @ v, rtol=1e-12)
    levels = 0                                  # data_depth: x**(levels + 1) * 1.5**(...)
    while 0.7 * 1.5 ** levels <= 10.0:
        levels += 1
    f = data_depth(0.7)
    assert ag.grad(ag.grad(data_depth))(0.7) == pytest.approx((levels + 1) * levels * f / 0.49)
    assert ag.hessian(data_depth)(0.7) == pytest.approx((levels + 1) * levels * f / 0.49)


def test_recursion_code_at_first_and_second_order():
    first, second = ag.grad(cf5), ag.grad(ag.grad(cf5))
    first(1.3), second(1.3)
    # first order keeps the pullback (the forward sweep runs once: depth d costs O(d))
    # (Python 3.10's ast.unparse writes the target as `(_3, _3_pullback) = `)
    assert "_pullback = continued_fraction_vjp(x, 4)" in ag.source(first).replace(") = ", " = ")
    # second order differentiates the helper's vjp at a seed, which runs the helper's
    # forward sweep again at every level (O(d^2))
    assert "dcontinued_fraction_seeded_dx_vjp(x, 4, " in ag.source(second)


def pair_down(p, n):
    a, b = p
    if n == 0:
        return a * b
    return pair_down((a * 0.5 + b, b * a), n - 1)


def pairs(x):
    return pair_down((x, x * 2.0), 3)


def long_helper(p, s):                  # more statements than inline.INLINE_LIMIT: a call
    a, b = p
    t = a * s
    t = t + b
    t = t * b
    t = t - a
    t = t * 0.5
    t = t + a * b
    t = t * t
    t = t - b
    t = t * a
    t = t + 1.0
    t = t * s
    return t * b


def calls_long_helper(x):
    return long_helper((x, x * 2.0), 3.0)


def test_a_tuple_written_in_a_call_through_a_vjp():
    # once a silent zero: the tuple was no argument the callee's vjp was asked for
    for fn in (pairs, calls_long_helper):
        h = 1e-5
        slope = (fn(0.7 + h) - fn(0.7 - h)) / (2 * h)
        assert ag.grad(fn)(0.7) == pytest.approx(slope, rel=1e-8)
        ag.check_grads(fn, (0.7,), order=2)


_cf5_jvp = ag.jvp(cf5)


def slope_along_itself(x):
    return _cf5_jvp(x, x)[1]


def test_grad_of_a_jvp_through_recursion():
    _, d1, d2, _ = fraction_derivatives(1.3, 5)
    assert ag.grad(slope_along_itself)(1.3) == pytest.approx(d2 * 1.3 + d1, rel=1e-12)
    ag.check_grads(slope_along_itself, (1.3,), order=1)


def test_third_order_in_reverse_mode_through_recursion_is_refused():
    with pytest.raises(UnsupportedSyntaxError, match="third order"):
        ag.grad(ag.grad(ag.grad(cf5)))(1.3)


def local_recursion(x):
    def down(v, n):
        if n == 0:
            return v
        return down(v * 0.5, n - 1)
    return down(x, 3)


def test_nested_def_recursion():
    # made a function of its own (see `transform.lifting` and test_nested_recursion)
    assert ag.grad(local_recursion)(1.0) == pytest.approx(0.125)
    ag.check_grads(local_recursion, (1.0,), order=2)


# ---- `*args` and `**kwargs` in helpers, starred calls ------------------------------------------

def total(*xs, scale=1.0):
    t = 0.0
    for v in xs:
        t = t + np.sum(v ** 2)
    return t * scale


def inner(a, b, power=2.0):
    return np.sum(a * b ** power)


def passes(*args, **kwargs):
    return inner(*args, **kwargs) * 2.0


def star_helpers(x, y):
    pair = (x, y)
    return (total(x, y, np.sin(x), scale=0.5) + passes(x, y, power=3.0) + inner(*pair)
            + passes(*[y, x]) + total())


def test_star_args_in_helpers():
    y = np.array([1.0, 2.0, -1.0])
    ag.check_grads(star_helpers, (X, y), wrt=(0, 1), order=2)
    gx = ag.grad(lambda x: total(x, 2.0 * x))(X)
    np.testing.assert_allclose(gx, 2 * X + 8 * X)


def reads_kwargs(**kwargs):
    return sum(kwargs.values())


def uses_kwargs(x):
    return reads_kwargs(a=x)


def spreads_unknown(x, xs):
    return inner(*xs)


@pytest.mark.parametrize("fn, args, what", [
    (uses_kwargs, (1.0,), "`**kwargs` is used other than passed on"),
    (spreads_unknown, (X, [X, X]), "`*` unpacking of a value whose length is not known"),
])
def test_star_refused(fn, args, what):
    with pytest.raises(UnsupportedSyntaxError, match="test_language_functions.py") as err:
        ag.grad(fn)(*args)
    assert what in str(err.value)


# ---- once refused (tests/test_errors.py), now differentiated -----------------------------------

def halve_until_small(x):
    return halve_until_small(x * 0.5) if x > 1 else x


def test_recursion_in_a_conditional_expression():
    assert ag.grad(halve_until_small)(0.5) == pytest.approx(1.0)
    assert ag.grad(halve_until_small)(5.0) == pytest.approx(0.125)   # 5 -> 2.5 -> 1.25 -> 0.625
    ag.check_grads(halve_until_small, (5.0,), order=1)


def return_early(x):
    for i in range(3):
        if x > i:
            return x
    return x * 2


def comprehension_sum(x):
    return sum([x * i for i in range(3)])


def lambda_called(x):
    f = lambda y: y * 2  # noqa: E731
    return f(x)


@pytest.mark.parametrize("fn, x, slope", [(return_early, 0.5, 1.0), (return_early, -0.5, 2.0),
                                          (comprehension_sum, 0.5, 3.0),
                                          (lambda_called, 0.5, 2.0)])
def test_once_refused(fn, x, slope):
    assert ag.grad(fn)(x) == pytest.approx(slope)
    ag.check_grads(fn, (x,), order=2)


# ---- containers of functions -----------------------------------------------------------------

def loops_over_a_list_of_functions(x):
    fs = [np.sin, relu, lambda z: z ** 3]
    t = 0.0
    for h in fs:
        t = t + np.sum(h(x))
    return t + np.sum(fs[0](x) * fs[-1](x))


def generator_over_functions(x):
    return sum(np.sum(act(x) ** 2) for act in (np.tanh, np.cos))


def apply_all(fns, x):
    out = []
    for fn in fns:
        out.append(fn(x))
    return out


def list_of_functions_passed(x):
    ys = apply_all([np.exp, np.sin], x)
    return np.sum(ys[0] * ys[1])


@pytest.mark.parametrize("fn", [loops_over_a_list_of_functions, generator_over_functions,
                                list_of_functions_passed])
def test_containers_of_functions(fn):
    ag.check_grads(fn, (X,), order=2)


def test_container_of_functions_values():
    np.testing.assert_allclose(ag.grad(list_of_functions_passed)(X),
                               np.exp(X) * (np.sin(X) + np.cos(X)))


def calls_an_item_at_a_varying_index(x):
    fs = [np.sin, np.cos]
    t = 0.0
    for i in range(2):
        t = t + np.sum(fs[i](x))
    return t


def test_item_at_a_varying_index_is_refused():
    with pytest.raises(UnsupportedSyntaxError, match="constant index"):
        ag.grad(calls_an_item_at_a_varying_index)(X)


# ---- `*args` and `**kwargs` in the differentiated function; plain wrappers ----------------------

def squares_of_all(*xs):
    return sum(np.sum(v ** 2) for v in xs)


def scaled_sum(x, *rest, scale=2.0):
    t = np.sum(x) * scale
    for r in rest:
        t = t + np.sum(r * x)
    return t


def logged(fn):
    def wrapper(*args, **kwargs):
        return fn(*args, **kwargs)
    return wrapper


def doubled(fn):
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return fn(*args, **kwargs) * 2.0
    return wrapper


logged_inner = logged(inner)
doubled_inner = doubled(inner)
A = np.array([0.3, 0.5])
B = np.array([1.0, -2.0])


def test_star_args_in_the_differentiated_function():
    np.testing.assert_allclose(ag.grad(squares_of_all, wrt=1)(A, B), 2 * B)
    ga, gc = ag.grad(squares_of_all, wrt=(0, 2))(A, B, 3 * A)
    np.testing.assert_allclose(ga, 2 * A)
    np.testing.assert_allclose(gc, 6 * A)
    gx, gr = ag.grad(scaled_sum, wrt=(0, 1))(A, B, scale=3.0)
    np.testing.assert_allclose(gx, 3.0 + B)
    np.testing.assert_allclose(gr, A)
    assert ag.grad(scaled_sum)(A) == pytest.approx(np.full(2, 2.0))     # no items in *rest
    _, tangent = ag.jvp(squares_of_all, wrt=1)(A, B, B)
    assert tangent == pytest.approx(2 * np.sum(B * B))
    _, pullback = ag.vjp(squares_of_all, wrt=(0, 1))(A, B)
    np.testing.assert_allclose(pullback(1.0)[1], 2 * B)
    assert ag.grad(ag.grad(squares_of_all, wrt=1), wrt=1)(0.3, 1.5) == pytest.approx(2.0)
    assert ag.grad(ag.grad(scaled_sum, wrt=0), wrt=1)(1.5, 2.0, 0.5) == pytest.approx(1.0)


def test_plain_star_wrappers():
    np.testing.assert_allclose(ag.grad(logged_inner)(A, B), B ** 2)
    np.testing.assert_allclose(ag.grad(logged_inner, wrt=1)(A, B, power=3.0), 3 * A * B ** 2)
    np.testing.assert_allclose(ag.grad(doubled_inner, wrt=1)(A, B, power=3.0), 6 * A * B ** 2)
    np.testing.assert_allclose(ag.grad(ag.grad(lambda x: doubled_inner(x, x)))(1.5),
                               2 * 6 * 1.5)
    df = ag.grad(doubled_inner)
    df(A, B)
    assert "args_0" in ag.source(df)


def reads_kwargs_at_the_top(x, **options):
    return x * options["scale"]


def test_star_refused_at_the_top():
    with pytest.raises(UnsupportedSyntaxError, match="`\\*\\*options` is used other than"):
        ag.grad(reads_kwargs_at_the_top)(1.0, scale=2.0)
    with pytest.raises(ag.AstgradError, match="as a whole"):
        ag.grad(squares_of_all, wrt="xs")(A)


def test_composed_transforms_of_a_star_function_are_refused_clearly():
    for transform in (ag.hessian, ag.jacobian, ag.elementwise_grad, ag.hvp):
        with pytest.raises(ag.AstgradError, match="`\\*args`"):
            transform(squares_of_all)


def test_check_grads_of_star_functions():
    ag.check_grads(squares_of_all, (A, B, 2 * A), wrt=(0, 2), order=2)
    ag.check_grads(scaled_sum, (A, B, A), wrt=(0, 1, 2), order=2)
    ag.check_grads(doubled_inner, (A, B), wrt=1, order=2)


def list_of_functions_read_as_a_value(x):
    fs = [np.sin, np.cos]
    act = np.tanh
    return np.sum(fs[0](x) + act(x)) * len(fs)


def test_a_list_of_functions_is_a_value_too():
    ag.check_grads(list_of_functions_read_as_a_value, (X,), order=2)
    np.testing.assert_allclose(ag.grad(list_of_functions_read_as_a_value)(X),
                               2 * (np.cos(X) + 1 - np.tanh(X) ** 2))
    assert "act = " not in ag.source(ag.grad(list_of_functions_read_as_a_value))


# ---- a large helper given functions: inlined whatever its size ------------------------------

def _descend(fun, dfun, x, arg):
    """Gradient descent on fun(., arg) from x (longer than the inlining limit)."""
    eta = 0.1
    i = 0
    fx = fun(x, arg)
    while i < 20:
        gx = dfun(x, arg)
        x_new = x - eta * gx
        f_new = fun(x_new, arg)
        if f_new < fx:
            x = x_new
            fx = f_new
        else:
            eta = eta / 2.0
        i += 1
    return x


def _bowl(y, x):
    return np.sum((y - x) ** 2) + 0.1 * np.sum(y ** 4)


_d_bowl = ag.grad(_bowl)


def descended_value(x):
    y = _descend(_bowl, _d_bowl, np.zeros(2), x)
    return np.sum(y * x)


def test_a_large_helper_called_with_functions_is_inlined():
    x = np.array([0.7, -0.4])
    ag.check_grads(descended_value, (x,))
    assert ag.grad(descended_value)(x).shape == (2,)


# ---- a nested function's free names are the ones where it is written ----------------------

def _closure_over_a_name_the_caller_rebinds(x, W):
    act = lambda z: np.tanh(z + x)          # `x`: this function's argument
    def layer(h):
        x = W @ h                            # layer's own `x`, which `act` does not see
        return act(x)
    return np.sum(layer(x))


def _helper_calling(f, xs):
    x = 2.0 * xs                             # a module-level helper's `x`
    return f(x)


def _closure_passed_to_a_helper(x):
    shift = lambda z: np.sin(z) * x          # `x` is the caller's, not the helper's
    return np.sum(_helper_calling(shift, x))


def test_closures_read_their_own_scope_not_the_callers():
    x = np.array([0.3, -0.5, 0.8])
    W = np.array([[0.6, 0.1, 0.0], [0.2, 0.5, -0.3], [0.1, 0.1, 0.7]])
    f = _closure_over_a_name_the_caller_rebinds
    # was silently wrong (0.760 for 0.723): `act` read layer's `x`
    assert ag.value_and_grad(f)(x, W)[0] == pytest.approx(f(x, W))
    assert ag.grad(f)(x, W) == pytest.approx(
        W.T @ (1.0 - np.tanh(W @ x + x) ** 2) + (1.0 - np.tanh(W @ x + x) ** 2))
    ag.check_grads(f, (x, W), wrt=(0, 1), order=2)
    g = _closure_passed_to_a_helper
    assert ag.value_and_grad(g)(x)[0] == pytest.approx(g(x))
    assert ag.grad(g)(x) == pytest.approx(2.0 * np.cos(2.0 * x) * x + np.sin(2.0 * x))
    ag.check_grads(g, (x,), order=2)


# -- a transform made inside the function (`ag.grad(loss)(w)`, as JAX code writes it) -------

def tanh_loss(w, x):
    return np.sum(np.tanh(w * x) ** 2)


def tanh_loss_grad(w, x):          # by hand: d/dw of sum(tanh(w x)^2)
    t = np.tanh(w * x)
    return 2 * t * (1 - t ** 2) * x


def gradient_norm(w, x):
    return np.sum(ag.grad(tanh_loss)(w, x) ** 2)


def gradient_norm_assigned(w, x):
    dl = ag.grad(tanh_loss, wrt="w")
    g = dl(w, x)
    return np.sum(g ** 2)


def value_plus_slope(w, x):
    value, g = ag.value_and_grad(tanh_loss)(w, x)
    return value + np.sum(g * x)


def hessian_along(w, x, v):
    return ag.grad(tanh_loss, wrt=0)(w, x) @ v


@pytest.mark.parametrize("f", [gradient_norm, gradient_norm_assigned, value_plus_slope])
def test_a_transform_made_inside_the_function(f):
    w, x = np.array([0.3, -0.5]), np.array([1.2, 0.7])
    ag.check_grads(f, (w, x), wrt=(0, 1))
    _, tangent = ag.jvp(f, wrt=0)(w, x, np.array([1.0, -2.0]))
    h = 1e-6
    numeric = (f(w + h * np.array([1.0, -2.0]), x) - f(w - h * np.array([1.0, -2.0]), x)) / (2 * h)
    assert tangent == pytest.approx(numeric, rel=1e-6)


def test_a_transform_made_inside_gives_a_hessian_vector_product():
    w, x, v = np.array([0.3, -0.5]), np.array([1.2, 0.7]), np.array([1.0, 0.5])
    assert ag.grad(gradient_norm)(w, x) == pytest.approx(
        2 * ag.hessian(tanh_loss)(w, x) @ tanh_loss_grad(w, x))
    assert ag.grad(hessian_along)(w, x, v) == pytest.approx(ag.hessian(tanh_loss)(w, x) @ v)


def test_a_transform_of_a_value_computed_inside_is_refused():
    def by_position(w, x, k):
        return np.sum(ag.grad(tanh_loss, wrt=k)(w, x))

    with pytest.raises(UnsupportedSyntaxError, match=r"`ag.grad\(tanh_loss, wrt=k\)` makes a "
                       r"transform of a value computed inside the function") as info:
        ag.grad(by_position)(np.ones(2), np.ones(2), 0)
    assert f"{__file__}:{by_position.__code__.co_firstlineno + 1}" in str(info.value)


def test_a_transform_made_inside_follows_a_redefined_function():
    # a notebook cell run again: the derivative made before uses the new `loss` (issue 9)
    import linecache
    namespace = {"np": np, "ag": ag}

    def run(text, name):                  # as IPython runs a cell: its text in linecache
        linecache.cache[name] = (len(text), None, text.splitlines(True), name)
        exec(compile(text, name, "exec"), namespace)

    run("def loss(w):\n    return np.sum(w ** 2)\n\n\ndef gnorm(w):\n"
        "    return np.sum(ag.grad(loss)(w) ** 2)\n", "<cell-redefined-1>")
    dg, w = ag.grad(namespace["gnorm"]), np.array([1.0, 2.0])
    assert dg(w) == pytest.approx(8 * w)
    run("def loss(w):\n    return np.sum(w ** 3)\n", "<cell-redefined-2>")
    assert dg(w) == pytest.approx(36 * w ** 3)
