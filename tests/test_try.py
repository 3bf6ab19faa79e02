"""`try` blocks (issue 10): the derivative of the path the call took, the body when it
completed, the handler when the body raised; each form in reverse, forward and second
order against finite differences, at inputs taking each path; and what is refused."""
from __future__ import annotations

import numpy as np
import pytest

import astgrad as ag
from astgrad.errors import UnsupportedSyntaxError


def _kernel(x):
    return np.outer(x, x) + np.diag(x)


def cholesky_or_jitter(x):
    K = _kernel(x)
    try:
        L = np.linalg.cholesky(K)
    except np.linalg.LinAlgError:
        L = np.linalg.cholesky(K + 10.0 * np.eye(3))
    return np.sum(np.log(np.diagonal(L))) + np.sum(L * L)


POSITIVE, INDEFINITE = np.array([0.7, 1.3, 0.4]), np.array([0.7, -1.3, 0.4])


@pytest.mark.parametrize("x", [POSITIVE, INDEFINITE], ids=["body", "handler"])
def test_cholesky_or_jitter(x):
    ag.check_grads(cholesky_or_jitter, (x,), order=2)


def test_cholesky_values():
    """trace(L L^T) = trace(K): the gradient is 2x + 1 on either path."""
    g = ag.grad(lambda x: np.sum(_chol(x) ** 2))
    for x in (POSITIVE, INDEFINITE):
        assert np.allclose(g(x), 2 * x + 1)


def _chol(x):
    K = _kernel(x)
    try:
        L = np.linalg.cholesky(K)
    except np.linalg.LinAlgError:
        L = np.linalg.cholesky(K + 10.0 * np.eye(3))
    return L


def root_or_cube(a):
    try:
        if a < 0.0:
            raise ValueError("negative")
        y = np.exp(a) * a
    except ValueError:
        y = -a ** 3
    return 2.0 * y


@pytest.mark.parametrize("a", [1.7, -0.8, 0.0], ids=["body", "handler", "zero"])
def test_explicit_raise(a):
    """At 0 the body runs (the paths meet there, so finite differences would straddle)."""
    if a != 0.0:
        ag.check_grads(root_or_cube, (a,), order=2)
    expected = 2.0 * np.exp(a) * (1.0 + a) if a >= 0 else -6.0 * a ** 2
    assert np.isclose(ag.grad(root_or_cube)(a), expected)
    assert np.isclose(ag.jvp(root_or_cube)(a, 1.0)[1], expected)


class Negative(Exception):
    pass


def _checked(a):
    """A helper with a `try` of its own (inlined)."""
    try:
        if a < 0.0:
            raise Negative()
        r = np.sqrt(a)
    except Negative:
        r = np.exp(a) - 1.0
    return r


def full_form(x, c):
    """`try/except (A, B) as e/else/finally`: `else` runs when the body completed."""
    t = 0.0
    try:
        s = np.sum(x * c)
        if s > 2.0:
            raise OverflowError("too large")
        if s < -2.0:
            raise ValueError("too small")
        u = np.tanh(s) * c
    except (OverflowError, ValueError) as e:
        u = c * c * len(str(e))
    else:
        t = np.sin(u)
    finally:
        v = u + t
    return v * x[0]


@pytest.mark.parametrize("x", [[0.3, 0.2], [1.5, 1.0], [-1.5, -1.0]],
                         ids=["body", "overflow", "value"])
def test_full_form(x):
    ag.check_grads(full_form, (np.array(x), 0.9), wrt=(0, 1), order=2)


def several_handlers(x):
    try:
        if x[0] > 1.0:
            raise KeyError("big")
        if x[1] > 1.0:
            raise IndexError("big")
        y = np.sum(np.sin(x))
    except KeyError:
        y = np.sum(x ** 2)
    except IndexError:
        y = np.prod(x)
    except:  # noqa: E722  (a bare `except`)
        y = 0.0
    return y * x[1]


@pytest.mark.parametrize("x", [[0.3, 0.2], [1.5, 0.4], [0.5, 1.4]],
                         ids=["body", "first", "second"])
def test_several_handlers(x):
    ag.check_grads(several_handlers, (np.array(x),), order=2)


def test_several_handlers_values():
    g = ag.grad(several_handlers)
    assert np.allclose(g(np.array([0.3, 0.2])),
                       [np.cos(0.3) * 0.2, np.cos(0.2) * 0.2 + np.sin(0.3) + np.sin(0.2)])
    assert np.allclose(g(np.array([1.5, 0.4])), [2 * 1.5 * 0.4, 2 * 0.4 * 0.4 + 1.5 ** 2 + 0.4 ** 2])
    assert np.allclose(g(np.array([0.5, 1.4])), [1.4 * 1.4, 2 * 0.5 * 1.4])


def bare_except(x):
    try:
        y = np.linalg.inv(x)
    except:  # noqa: E722
        y = x * 2.0
    return np.sum(y * y)


@pytest.mark.parametrize("x", [[[2.0, 1.0], [0.5, 3.0]], [[1.0, 2.0], [1.0, 2.0]]],
                         ids=["body", "singular"])
def test_bare_except(x):
    x = np.array(x)
    if np.linalg.matrix_rank(x) < 2:        # the path holds only at x: check the value
        assert np.allclose(ag.grad(bare_except)(x), 8.0 * x)
        return
    ag.check_grads(bare_except, (x,), order=2)


def reraises(a):
    try:
        if a > 1.0:
            raise ValueError("a > 1")
        y = a ** 3
    except ValueError:
        print("giving up")
        raise
    return y


def test_raise_in_handler():
    ag.check_grads(reraises, (0.5,), order=2)
    with pytest.raises(ValueError, match="a > 1"):
        ag.grad(reraises)(1.5)
    with pytest.raises(ValueError, match="a > 1"):
        ag.jvp(reraises)(1.5, 1.0)


def escapes(a):
    try:
        if a > 1.0:
            raise KeyError("a > 1")
        y = a ** 3
    except ValueError:
        y = a
    return y


def test_unmatched_exception_escapes():
    assert np.isclose(ag.grad(escapes)(0.5), 0.75)
    with pytest.raises(KeyError, match="a > 1"):
        ag.grad(escapes)(1.5)
    with pytest.raises(KeyError, match="a > 1"):
        ag.grad(ag.grad(escapes))(1.5)


def through_helper(a, b):
    return _checked(a) * b + _checked(b * a)


@pytest.mark.parametrize("a,b", [(0.8, 1.3), (-0.8, 1.3), (0.8, -1.3), (-0.8, -1.3)])
def test_inlined_helper(a, b):
    ag.check_grads(through_helper, (a, b), wrt=(0, 1), order=2)


def nested(a):
    try:
        try:
            if a > 1.0:
                raise ValueError("inner")
            y = a * a
        except ValueError:
            if a > 2.0:
                raise KeyError("outer")
            y = np.sin(a)
    except KeyError:
        y = np.cos(a) * a
    return y


@pytest.mark.parametrize("a", [0.5, 1.5, 2.5])
def test_nested(a):
    ag.check_grads(nested, (a,), order=2)


def try_finally(a):
    try:
        y = np.exp(a)
    finally:
        z = a * 2.0
    return y * z


def test_try_finally():
    ag.check_grads(try_finally, (0.7,), order=2)


def loop_paths(x):
    """The path differs between iterations; the body's saves are taken back when it raised."""
    s = 0.5
    for i in range(4):
        try:
            if x[i] < 0.0:
                raise ValueError("negative")
            t = np.sqrt(x[i]) * s + x[i]
        except ValueError:
            t = np.sin(x[i]) * s
        s = s + t * s
    return s


def cholesky_in_a_loop(x):
    total = 0.0
    for k in range(3):
        K = np.outer(x, x) * (1.0 - k) + np.diag(x)
        try:
            L = np.linalg.cholesky(K)
        except np.linalg.LinAlgError:
            L = np.linalg.cholesky(K + 10.0 * np.eye(3))
        total = total + np.sum(L * L) * np.sum(L)
    return total


@pytest.mark.parametrize("x", [[0.3, 0.7, 0.2, 1.1], [0.3, -0.7, 0.2, -1.1],
                               [-0.3, -0.7, -0.2, -1.1]], ids=["body", "mixed", "handler"])
def test_loop_paths(x):
    ag.check_grads(loop_paths, (np.array(x),), order=1)


def test_cholesky_in_a_loop():
    ag.check_grads(cholesky_in_a_loop, (np.array([0.7, 1.3, 0.4]),), order=1)


def test_loop_second_order_is_refused():
    with pytest.raises(UnsupportedSyntaxError, match="second derivative of a `try` block whose "
                                                     "first derivative saves values"):
        ag.hessian(loop_paths)(np.array([0.3, -0.7, 0.2, -1.1]))


# ---- what is refused, with the line ----------------------------------------------------------
def reads_partial(a):
    try:
        y = a * 2.0
        z = np.sqrt(y - 1.0)
        if z > 1.0:
            raise ValueError()
    except ValueError:
        z = a
    return y * z


def writes_in_body(x):
    y = np.zeros(2)
    try:
        y[0] = x[0]
        if x[1] < 0.0:
            raise ValueError()
    except ValueError:
        y = x * 2.0
    return np.sum(y)


def augments_in_body(a):
    s = a
    try:
        s += a
        s = s * np.log(a)
    except ValueError:
        s = a
    return s


def augments_last(x):                     # the body's last statement: it ran only if the
    out = 0.0                             # body did, so a handler never sees its write
    for v in x:
        try:
            if v <= 0:
                raise ValueError("not positive")
            out += np.log(v)
        except ValueError:
            out += v
    return out


def test_an_augmented_assignment_last_in_the_body():
    x = np.array([0.5, -0.2, 2.0])
    np.testing.assert_allclose(ag.grad(augments_last)(x), [2.0, 1.0, 0.5], rtol=1e-15)
    ag.check_grads(augments_last, (x,))
    ag.check_grads(augments_last, (np.array([0.5, 2.0]),))


def returns_in_body(a):
    try:
        return a * 2.0
    except ValueError:
        return a


def prints_in_finally(a):
    try:
        y = a * 2.0
    except ValueError:
        y = a
    finally:
        print("done")
    return y


def _line(fn, text):
    import inspect
    lines, first = inspect.getsourcelines(fn)
    return first + next(i for i, line in enumerate(lines) if text in line)


@pytest.mark.parametrize("fn,at,what", [
    (reads_partial, "except ValueError", "`y` is assigned in the `try` body and read after"),
    (writes_in_body, "y[0] = x[0]", "a write into an array"),
    (augments_in_body, "s += a", "augmented assignment in a `try` body"),
    (returns_in_body, "return a * 2.0", "`return` leaving a `try` body"),
    (prints_in_finally, 'print("done")', "a call or `raise` in `finally`"),
])
def test_refused(fn, at, what):
    args = (np.array([0.5, -0.5]),) if fn is writes_in_body else (0.7,)
    with pytest.raises(UnsupportedSyntaxError) as info:
        ag.grad(fn)(*args)
    assert what in str(info.value)
    assert f"test_try.py:{_line(fn, at)}" in str(info.value)


def _writes_first(y, a):
    y[0] = a
    if a > 1.0:
        raise ValueError()
    return a


def helper_writes_in_body(x):
    try:
        b = _writes_first(x, x[1] * 2.0)
    except ValueError:
        b = 1.0
    return np.sum(x) * b


def test_a_helper_writing_into_an_argument_is_refused():
    with pytest.raises(UnsupportedSyntaxError, match="writes into an array or list made "
                                                     "before it") as info:
        ag.grad(helper_writes_in_body)(np.array([0.2, 0.7]))
    assert f"test_try.py:{_line(helper_writes_in_body, 'try:')}" in str(info.value)


def carried(a):
    """A later run of the body reads what a run that raised left in `x`."""
    x = a
    y = 0.0
    for i in range(2):
        try:
            x = x * 2.0
            if i == 0:
                raise ValueError()
            y = x * 1.0
        except ValueError:
            y = 0.0
    return y


def test_a_partial_body_read_by_a_later_run_is_refused():
    with pytest.raises(UnsupportedSyntaxError, match="`x` is assigned in the `try` body and "
                                                     "read after it"):
        ag.grad(carried)(0.5)


def temp_in_a_loop(x):                    # `t` is assigned before each run reads it: what a
    s = 0.0                               # run that raised left in `t` is never read
    for i in range(3):
        try:
            if x[i] <= 0.0:
                raise ValueError("not positive")
            t = np.log(x[i])
            s = s + t * x[i]
        except ValueError:
            s = s + x[i] ** 2
    return s


@pytest.mark.parametrize("x", [[1.5, 2.0, 3.0], [1.5, -2.0, 3.0]], ids=["body", "mixed"])
def test_a_name_each_run_assigns_first_is_not_refused(x):
    x = np.array(x)
    want = np.where(x > 0, np.log(np.abs(x)) + 1.0, 2.0 * x)
    np.testing.assert_allclose(ag.grad(temp_in_a_loop)(x), want, rtol=1e-14)
    ag.check_grads(temp_in_a_loop, (x,), order=1)


def test_a_name_each_run_assigns_first_second_order_is_refused():
    with pytest.raises(UnsupportedSyntaxError, match="second derivative of a `try` block"):
        ag.hessian(temp_in_a_loop)(np.array([1.5, 2.0, 3.0]))


def test_the_generated_code_has_the_try():
    """The forward sweep keeps the user's `try`; the reverse sweep branches on its flag."""
    df = ag.grad(cholesky_or_jitter)
    df(POSITIVE)
    text = ag.source(df)
    body = text[text.index("try:"):text.index("except")]
    assert "np.linalg.cholesky(" in body and "ok = True" in body
    assert "except np.linalg.LinAlgError:\n        ok = False\n" in text
    assert "\n    if ok:\n" in text
    assert text == ag.source(ag.grad(cholesky_or_jitter))     # made once, the same text


def swallows_everything(x):
    try:
        w, v = np.linalg.eig(np.outer(x, x) + np.diag(x))
        y = np.sum(w.real)
    except Exception:
        y = 0.0
    return y + np.sum(x)


def test_astgrads_own_refusal_is_not_taken_for_the_users_exception():
    """Forward mode refuses np.linalg.eig when the code runs (`rt.unsupported`, in the
    body); `except Exception` must not turn that into the handler's path."""
    from astgrad.errors import NoRuleError
    x = np.array([0.5, 0.3, 0.9])
    with pytest.raises(NoRuleError, match="np.linalg.eig in forward mode"):
        ag.jvp(swallows_everything)(x, np.ones(3))
    assert np.allclose(ag.grad(swallows_everything)(x), 2 * x + 2)


@ag.primitive
def _kinked(x):
    return x * 2.0


ag.defvjp(_kinked, lambda g, ans, x: g * 2.0)
ag.defjvp(_kinked, lambda t, ans, x: t / (x - x))      # raises ZeroDivisionError on floats


def kinked_in_a_try(a):
    try:
        y = _kinked(a)
    except ZeroDivisionError:
        y = a * 3.0
    return y


def test_an_exception_of_the_tangent_code_is_not_the_users():
    """Forward mode runs tangent code inside the body: what it raises is the derivative's
    failure (under `with rt.tangents():`), never the handler's path."""
    from astgrad.errors import NotDifferentiableError
    with pytest.raises(NotDifferentiableError, match="ZeroDivisionError"):
        ag.jvp(kinked_in_a_try)(1.0, 1.0)
    assert ag.grad(kinked_in_a_try)(1.0) == 2.0
    assert "with rt.tangents():" in ag.source(ag.jvp(kinked_in_a_try))


def returns_in_handler(a):
    try:
        if a < 0.0:
            raise ValueError()
        y = a ** 3
    except ValueError:
        return np.cos(a) * a
    return y * 2.0


@pytest.mark.parametrize("a", [0.5, -0.5])
def test_return_in_handler(a):
    ag.check_grads(returns_in_handler, (a,), order=2)
    expected = 6.0 * a ** 2 if a >= 0 else np.cos(a) - a * np.sin(a)
    assert np.isclose(ag.grad(returns_in_handler)(a), expected)
