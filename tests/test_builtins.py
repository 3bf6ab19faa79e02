"""Builtins, `math` functions and array methods people type: each against finite
differences in reverse, forward and second order, also at points where a naive
formula fails."""
import math

import numpy as np
import pytest

import astgrad as ag
from astgrad import errors

X = np.array([0.3, -1.2, 0.7])
A = np.array([[0.5, -0.4], [1.1, 0.2]])


def builtin_sum_of_array(x):
    return np.sum(sum(x * x))


def builtin_sum_of_rows(A):
    return np.sum(sum(A) ** 2)


def builtin_sum_of_list(x):
    return sum([x[0] * x[1], x[2], 2.0], 1.0)


def builtin_sum_with_start(a, x):
    return np.sum(sum([x, x ** 2], a))


def builtin_pow(a, b):
    return pow(a, b) + pow(b, 2)


def builtin_abs_max_min(a, b):
    return abs(a - b) * max(a, b) + min(a * b, 1.0)


def modulo(a, b):
    return a % b + (a // b) * a


def modulo_arrays(x):
    return np.sum(x % 0.5 * x)


def math_one(a):
    return (math.sin(a) + math.cos(a) + math.tan(a) + math.exp(a) + math.expm1(a)
            + math.sinh(a) + math.cosh(a) + math.tanh(a) + math.atan(a) + math.asinh(a))


def math_positive(a):
    return (math.log(a) + math.log1p(a) + math.log2(a) + math.log10(a) + math.sqrt(a)
            + math.acosh(a + 1.0) + math.degrees(a) + math.radians(a) + math.fabs(a)
            + math.erf(a) + math.erfc(a))


def math_unit(a):
    return math.asin(a) + math.acos(a) + math.atanh(a)


def math_two(a, b):
    return math.pow(a, b) + math.atan2(a, b) + math.hypot(a, b)


def methods(x):
    y = x.flatten()
    return float(x[0].item()) * np.sum(y.astype(np.float64) ** 2)


def method_item_of_size_one(x):
    return x[:1].item() * 3.0


def method_item_at(A):
    return A.item(1) * A.item(0, 1) ** 2 + np.sin(A.item(-1))


def method_item_at_of_a_vector(x):
    return x.item(0) * x.item(2) + x.item(1) ** 3


def astype_to_int_is_flat(x):
    return np.sum(x.astype(np.int64) * x)


@pytest.mark.parametrize("f, args", [
    (builtin_sum_of_array, (X,)),
    (builtin_sum_of_rows, (A,)),
    (builtin_sum_of_list, (X,)),
    (builtin_sum_with_start, (0.5, X)),
    (builtin_pow, (1.3, 2.1)),
    (builtin_abs_max_min, (1.3, -0.4)),
    (modulo, (2.3, 0.7)),
    (modulo, (-2.3, 0.7)),
    (modulo_arrays, (X,)),
    (math_one, (0.4,)),
    (math_positive, (1.7,)),
    (math_unit, (0.3,)),
    (math_two, (1.4, 0.6)),
    (methods, (X,)),
    (method_item_of_size_one, (X,)),
    (method_item_at, (A,)),
    (method_item_at_of_a_vector, (X,)),
])
def test_against_finite_differences_all_orders(f, args):
    ag.check_grads(f, args, wrt=tuple(range(len(args))), order=2)


def test_values_closed_form():
    assert ag.grad(math_one)(0.0) == pytest.approx(1 + 0 + 1 + 1 + 1 + 1 + 0 + 1 + 1 + 1)
    assert ag.grad(modulo, wrt=(0, 1))(2.3, 0.7) == pytest.approx((1 + 3.0, -3.0))
    np.testing.assert_allclose(ag.grad(astype_to_int_is_flat)(X), X.astype(np.int64))


def test_math_keeps_python_floats_and_code_readable():
    df = ag.grad(math_two, wrt=(0, 1))
    ga, gb = df(1.4, 0.6)
    assert type(ga) is float and type(gb) is float
    assert "math.atan2" in ag.source(df) or "x ** 2 + y ** 2" in ag.source(df)
    d = ag.grad(lambda a: math.sin(a))
    d(0.3)
    assert "math.cos(a)" in ag.source(d)


def test_item_at_an_index_closed_form():
    a, b, c, d = A.ravel()
    np.testing.assert_allclose(ag.grad(method_item_at)(A),
                               [[0.0, b ** 2 + 2 * b * b], [0.0, np.cos(d)]])
    value, tangent = ag.jvp(method_item_at)(A, np.ones_like(A))
    assert tangent == pytest.approx(b ** 2 + 2 * b * b + np.cos(d))
    assert type(ag.grad(method_item_at_of_a_vector)(X)) is np.ndarray


def test_pow_at_zero_base():
    assert ag.grad(builtin_pow, wrt=(0, 1))(0.0, 2.0) == pytest.approx((0.0, 4.0))


def test_floordiv_has_zero_derivative():
    assert ag.grad(lambda a: (a // 0.5) * 2.0 + a)(1.3) == 1.0


def test_a_method_with_arguments_it_does_not_take_is_refused():
    def f(x):
        return np.sum(x.flatten("F"))
    with pytest.raises(errors.UnsupportedSyntaxError, match="flatten"):
        ag.grad(f)(A)


# ---- ag.stop_gradient ----------------------------------------------------------------------
def stopped(x):
    return np.sum(x * ag.stop_gradient(x ** 2))


def stopped_in_a_loop(a, x):
    for i in range(3):
        x = np.tanh(a * x) + ag.stop_gradient(x) * 0.5
    return np.sum(x)


def test_stop_gradient_is_a_constant_to_every_transform():
    np.testing.assert_allclose(ag.grad(stopped)(X), X ** 2)
    _, t = ag.jvp(stopped)(X, np.ones(3))
    assert t == pytest.approx(np.sum(X ** 2))
    np.testing.assert_allclose(ag.hessian(stopped)(X), np.zeros((3, 3)))
    assert ag.stop_gradient(X) is X


def test_stop_gradient_in_a_loop_against_its_hand_derivative():
    a, x, dx = 0.7, X.copy(), np.zeros(3)       # dx: d x / d a, the stopped term adds none
    for i in range(3):
        s = 1 - np.tanh(a * x) ** 2
        x, dx = np.tanh(a * x) + x * 0.5, s * (x + a * dx)
    assert ag.grad(stopped_in_a_loop)(0.7, X) == pytest.approx(np.sum(dx))
    _, t = ag.jvp(stopped_in_a_loop)(0.7, X, 1.0)
    assert t == pytest.approx(np.sum(dx))


# ---- outputs of size 1 ----------------------------------------------------------------------
def size_one(x):
    return x[:1] * x[1:2] * 2.0


def size_one_by_one(A, x):
    return np.reshape(np.sum(A @ x), (1, 1))


def test_an_output_of_size_one_is_differentiated_as_a_scalar():
    np.testing.assert_allclose(ag.grad(size_one)(X), [2 * X[1], 2 * X[0], 0.0])
    ag.check_grads(size_one, (X,), order=2)
    g = ag.grad(size_one_by_one, wrt=(0, 1))(A, X[:2])
    np.testing.assert_allclose(g[0], np.outer(np.ones(2), X[:2]))
    ag.check_grads(size_one_by_one, (A, X[:2]), wrt=(0, 1), order=2)
    value, _ = ag.value_and_grad(size_one)(X)
    assert value.shape == (1,)


def test_a_larger_output_keeps_its_error():
    with pytest.raises(errors.NonScalarOutputError, match="shape \\(3,\\)") as info:
        ag.grad(lambda x: x * 2.0)(X)
    assert "ag.vjp" in str(info.value)


# ---- calls that need no rule: nothing flows through them ------------------------------------
def noisy(x):
    eps = np.random.normal(size=x.shape)
    return np.sum(x * eps) * 0.0 + np.sum(x ** 2)


def seeded(x, seed=0):
    rng = np.random.default_rng(seed)
    eps = rng.standard_normal(x.shape)
    return np.sum(np.sin(x) * eps)


def legacy_state(x):
    rs = np.random.RandomState(1)
    return np.sum(x * rs.randn(3))


def side_effects(x, plot=False):
    import logging
    import time
    t0 = time.perf_counter()
    logging.debug("x = %s", x)
    if plot:
        logging.warning("plotting %s after %s s", x, time.perf_counter() - t0)
    X, Y = np.meshgrid(np.arange(3.0), np.arange(2.0))
    return np.sum(x * X[0] + Y[1])


def test_calls_whose_result_does_not_vary_run_as_they_are():
    np.testing.assert_allclose(ag.grad(noisy)(X), 2 * X)
    eps = np.random.default_rng(0).standard_normal(3)
    np.testing.assert_allclose(ag.grad(seeded)(X), np.cos(X) * eps)
    ag.check_grads(seeded, (X,), order=2)
    np.testing.assert_allclose(ag.grad(legacy_state)(X), np.random.RandomState(1).randn(3))
    ag.check_grads(legacy_state, (X,), order=2)
    np.testing.assert_allclose(ag.grad(side_effects)(X), [0.0, 1.0, 2.0])
    ag.check_grads(side_effects, (X,), order=2)
    source = ag.source(ag.grad(seeded))
    assert "np.random.default_rng(seed)" in source and "rng.standard_normal(" in source


def test_a_call_with_no_rule_that_a_derivative_would_flow_through_is_refused():
    def through(x):
        return np.sum(np.random.normal(x))

    def method(x):
        y = x * 2.0
        return np.sum(y.tolist())

    def writes(x):
        y = x * 2.0
        np.random.shuffle(y)
        return np.sum(y ** 2)

    def sorts(x):
        y = x * 2.0
        y.partition(1)
        return np.sum(y * X)
    with pytest.raises(errors.NoRuleError, match="`np.random.normal` draws random numbers"):
        ag.grad(through)(X)
    with pytest.raises(errors.UnsupportedSyntaxError, match=r"method `\.tolist\(\)`"):
        ag.grad(method)(X)
    with pytest.raises(errors.NoRuleError, match="np.random.shuffle"):
        ag.grad(writes)(X)
    with pytest.raises(errors.UnsupportedSyntaxError, match=r"method `\.partition\(\)`"):
        ag.grad(sorts)(X)


# ---- a draw whose distribution varies: refused, never a silent zero ------------------------
# `rng.normal(loc=x, scale=0.5)` lost its keywords when lowered (a method of a local name):
# the value drawn was N(0, 1), its gradient zero.

def draw_by_keywords(x):
    rng = np.random.default_rng(0)
    return np.sum(rng.normal(loc=x, scale=0.5) ** 2)


def draw_by_position(x):
    rng = np.random.default_rng(0)
    return np.sum(rng.normal(x, 0.5) ** 2)


def draw_scaled_by_x(x):
    rs = np.random.RandomState(0)
    return np.sum(rs.uniform(low=-1.0, high=np.exp(x)))


def draw_from_the_module(x):
    return np.sum(np.random.laplace(scale=np.abs(x) + 1.0) * x)


@pytest.mark.parametrize("f", [draw_by_keywords, draw_by_position, draw_scaled_by_x,
                               draw_from_the_module])
def test_a_draw_from_a_distribution_that_varies_is_refused(f):
    with pytest.raises(errors.NoRuleError, match=r"(?s)draws random numbers.*rng.standard_normal"):
        ag.grad(f)(X)


def draw_with_keywords(x):
    rng = np.random.default_rng(3)
    noise = rng.normal(loc=2.0, scale=0.1, size=x.shape)
    picks = rng.integers(low=0, high=3, size=2)
    return np.sum(x * noise) + np.sum(x[picks] ** 2)


def test_a_method_keeps_its_keywords():
    value, g = ag.value_and_grad(draw_with_keywords)(X)
    rng = np.random.default_rng(3)
    noise = rng.normal(loc=2.0, scale=0.1, size=X.shape)
    picks = rng.integers(low=0, high=3, size=2)
    assert value == draw_with_keywords(X)
    expected = noise.copy()
    np.add.at(expected, picks, 2 * X[picks])
    np.testing.assert_allclose(g, expected, rtol=1e-14)
    ag.check_grads(draw_with_keywords, (X,), order=2)


def test_imports_inside_the_function():
    def f(a):
        import numpy
        import numpy.linalg
        from math import pi, sin
        return sin(a) * pi + numpy.linalg.norm(numpy.ones(2) * a)
    assert ag.grad(f)(0.3) == pytest.approx(math.cos(0.3) * math.pi + math.sqrt(2))
    ag.check_grads(f, (0.3,), order=2)

    def relative(a):
        from . import helpers  # noqa: F401
        return a
    with pytest.raises(errors.UnsupportedSyntaxError, match="relative"):
        ag.grad(relative)(0.3)


# ---- max and min of more than two values -----------------------------------------------------
def extremes(a, b):
    xs = [a * 2.0, b, a + b]
    return max(xs) + min(a, b, 1.0) + max([a, b]) * min(b, a)


def extreme_of_an_array(x):
    return max(x) * min(x)


def test_max_and_min_of_several_values():
    ag.check_grads(extremes, (0.4, 0.9), wrt=(0, 1), order=2)
    assert ag.grad(extremes, wrt=(0, 1))(0.4, 0.9) == pytest.approx((1 + 1 + 0.9, 1 + 0.4))
    ag.check_grads(extreme_of_an_array, (X,), order=2)
    assert ag.grad(lambda a, b: max(a, b, a), wrt=(0, 1))(0.4, 0.1) == (1.0, 0.0)


def test_np_float64_called_on_a_value_is_a_cast():
    def f(x):
        return np.float64(x[0]) ** 2 + np.sum(np.float64(x) * x)
    x = np.array([0.3, -0.7])
    np.testing.assert_allclose(ag.grad(f)(x), [2 * 0.3 + 2 * 0.3, -1.4], rtol=1e-15)
    ag.check_grads(f, (x,), order=2)
    assert ag.grad(f)(x.astype(np.float32)).dtype == np.float32
    assert ag.grad(lambda a: np.float64(a) * a)(0.5) == 1.0


# ---- logging inside differentiated code: a message, no derivative ------------------------
import logging  # noqa: E402

LOGGER = logging.getLogger("astgrad.tests.user")


def logs_its_loss(w, A):
    r = A @ w
    loss = float(np.sum(r ** 2))
    LOGGER.debug(f"loss={loss:.4f} |w|={np.linalg.norm(w):.3f}")
    LOGGER.info("loss %.4f", loss)
    logging.debug("r = %s", r)
    return loss * np.sum(np.sin(w))


def test_logging_calls_run_and_carry_no_derivative(caplog):
    # Logger methods were read as user functions and refused inside logging/__init__.py.
    w = np.array([0.4, -0.3])
    ag.check_grads(logs_its_loss, (w, A), wrt=(0, 1), order=2)
    with caplog.at_level(logging.INFO, logger="astgrad.tests.user"):
        value, g = ag.value_and_grad(logs_its_loss)(w, A)
    assert f"loss {np.sum((A @ w) ** 2):.4f}" in caplog.text
    r = A @ w
    want = 2 * A.T @ r * np.sum(np.sin(w)) + r @ r * np.cos(w)
    np.testing.assert_allclose(g, want, rtol=1e-12)
