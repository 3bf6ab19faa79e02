"""Derivative-only logs (issue 13, `optimize/derivative_math.py`): `np.log` of a Python
float written `math.log(x) if x > 0.0 and x != 1.0 else np.log(x)` where only derivatives
read it. Derivatives agree with finite differences and, within rounding, with the code
made without the rewrite; where the guard sends x to NumPy (x <= 0, nan, x = 1) they are
that code's, bit for bit, with its warnings; values the user sees stay NumPy's."""
from __future__ import annotations

import math
import types
import warnings

import numpy as np
import pytest

import astgrad as ag
from astgrad.transform.optimize import derivative_math

GUARD = "math.log(x) if x > 0.0 and x != 1.0 else np.log(x)"


def seed_log(x):
    return (np.sin(x) + x ** 2) / np.log(x)


def log_squared(x):
    return np.log(x) ** 2 * x


def by_other(x, y):
    return np.log(x) ** 2 / y          # d/dy divides by y ** 2: Python could raise


def branched(x):
    if np.log(x) > 0.5:                # a branch test sees the log
        return x * 2.0
    return x * 3.0


def _without_rewrite(f, monkeypatch, transform=ag.grad):
    copy = types.FunctionType(f.__code__, f.__globals__, f.__name__, f.__defaults__)
    with monkeypatch.context() as m:
        m.setattr(derivative_math, "use_math_log", lambda fn, ns, kinds, adjoints: False)
        made = transform(copy)
        made(*(1.5,) * f.__code__.co_argcount)        # generated now, without it
    return made


def _call(fn, *args):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = fn(*args)
        except Exception as exc:                      # noqa: BLE001 (compared)
            value = type(exc)
    return value, sorted((w.category.__name__, str(w.message)) for w in caught)


@pytest.mark.parametrize("f", [seed_log, log_squared], ids=lambda f: f.__name__)
def test_grad_uses_math_log_and_agrees_with_differences(f):
    df = ag.grad(f)
    df(2.5)                                           # the code for a float, made now
    assert GUARD in ag.source(df)
    for x in (2.5, 0.3, 0.05, 0.9, 1.1, 50.0):
        assert type(df(x)) is float
        ag.check_grads(f, (x,))
    ag.check_grads(f, (2.5,), order=2)


def test_seed_log_gradient_at_values_by_hand():
    lx = math.log(2.5)
    want = ((math.cos(2.5) + 5.0) * lx - (math.sin(2.5) + 6.25) / 2.5) / lx ** 2
    assert ag.grad(seed_log)(2.5) == pytest.approx(want, rel=1e-14)


@pytest.mark.parametrize("x", [1.0, 0.0, -0.0, -1.0, -2.5, math.nan, -math.inf, 5e-324, 1.5,
                               0.3, 1.0 + 2 ** -52, 1.0 - 2 ** -53, 1e150])
@pytest.mark.parametrize("f", [seed_log, log_squared], ids=lambda f: f.__name__)
def test_where_numpy_takes_it_the_result_and_warnings_are_numpys(f, x, monkeypatch):
    """x = 1 (the log is 0: NumPy divides by it, inf and a warning, where Python would
    raise), x <= 0 and nan (NumPy's nan or -inf and its warning): the NumPy code's result
    bit for bit; elsewhere the same within rounding, and the same warnings."""
    numpy = _without_rewrite(f, monkeypatch)
    got, got_warned = _call(ag.grad(f), x)
    want, want_warned = _call(numpy, x)
    assert got_warned == want_warned, (x, got_warned, want_warned)
    assert isinstance(got, float) and isinstance(want, float)
    if not (x > 0.0 and x != 1.0) or math.isnan(x):
        assert np.float64(got).tobytes() == np.float64(want).tobytes(), (x, got, want)
    else:
        assert got == pytest.approx(want, rel=1e-13, nan_ok=True), (x, got, want)


@pytest.mark.parametrize("x", [math.inf, 1e300])
@pytest.mark.parametrize("f", [seed_log, log_squared], ids=lambda f: f.__name__)
def test_where_python_arithmetic_overflows_the_values_are_numpys(f, x, monkeypatch):
    """inf, nan and exceptions as NumPy's code gives them (`x ** 2` of a float raises in
    the user's function too); NumPy's overflow warnings in the derivative's own `+ - * /`
    are what the rewrite gives up (module docstring)."""
    got, _ = _call(ag.grad(f), x)
    want, _ = _call(_without_rewrite(f, monkeypatch), x)
    assert got is want if isinstance(want, type) else \
        np.float64(got).tobytes() == np.float64(want).tobytes(), (got, want)


def test_at_one_the_gradient_is_numpys_nan_not_an_exception():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        g = ag.grad(seed_log)(1.0)
    assert math.isnan(g) and any(w.category is RuntimeWarning for w in caught)


@pytest.mark.parametrize("x", [2.5, 0.3, 1.0, -1.0, 0.0, math.nan, 1e300])
def test_value_and_grad_value_is_f_bit_for_bit(x):
    vg = ag.value_and_grad(seed_log)
    got, _ = _call(lambda v: vg(v)[0], x)
    want, _ = _call(seed_log, x)
    assert got is want if isinstance(want, type) else \
        np.float64(got).tobytes() == np.float64(want).tobytes()
    assert "math.log" not in ag.source(vg)            # `out` reads the log: NumPy's


def test_what_is_not_safe_in_python_keeps_numpy(monkeypatch):
    dxy = ag.grad(by_other, wrt=(0, 1))
    gx, gy = dxy(2.0, 3.0)
    assert "math.log" not in ag.source(dxy)
    assert gx == pytest.approx(2 * math.log(2.0) / 2.0 / 3.0, rel=1e-14)
    assert gy == pytest.approx(-math.log(2.0) ** 2 / 9.0, rel=1e-14)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert _call(dxy, 2.0, 0.0)[0] == _call(_without_rewrite(
            by_other, monkeypatch, lambda f: ag.grad(f, wrt=(0, 1))), 2.0, 0.0)[0]
    db = ag.grad(branched)
    assert db(3.0) == 2.0 and db(1.2) == 3.0 and "math.log" not in ag.source(db)


def test_the_pullback_and_second_order_read_numpys_log():
    """A vjp's pullback (a nested function) keeps NumPy's log; grad of grad reads the
    spelling back as np.log and differentiates it (the log is again `math`'s where only
    derivatives read it)."""
    value, pullback = ag.vjp(seed_log)(2.5)
    assert pullback(1.0) == pytest.approx(ag.grad(seed_log)(2.5), rel=1e-14)
    d2 = ag.grad(ag.grad(seed_log))
    h = 1e-4
    fd = (ag.grad(seed_log)(2.5 + h) - ag.grad(seed_log)(2.5 - h)) / (2 * h)
    assert d2(2.5) == pytest.approx(fd, rel=1e-6)
