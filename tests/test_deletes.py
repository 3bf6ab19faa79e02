"""`del name` where nothing reads the name after it (notebook code frees big temporaries so):
taken, values against central differences, reverse, forward and second order; a `del`
after which the name may be read again is refused, naming its line."""
import numpy as np
import pytest

import astgrad as ag
from astgrad import errors

X = np.array([0.4, -1.3, 0.9])


def freed_at_the_top(x):
    tmp = np.exp(x)
    s = np.sum(tmp * x)
    del tmp
    return s * 2.0


def freed_in_a_loop(x):
    s = 0.0
    for i in range(3):
        t = np.sin(x * (i + 1))
        s = s + np.sum(t ** 2)
        del t
    return s


def freed_two_in_a_branch(x):
    a = x ** 2
    b = np.cos(x)
    y = np.sum(a * b)
    if y > 0.0:
        del a, b
    return y


def _helper(v):
    w = v * 3.0
    out = np.tanh(w)
    del w
    return out


def freed_in_a_helper(x):
    return np.sum(_helper(x) ** 2)


@pytest.mark.parametrize("f, grad", [
    (freed_at_the_top, lambda x: 2.0 * np.exp(x) * (1 + x)),
    (freed_in_a_loop, lambda x: sum(2 * np.sin(k * x) * np.cos(k * x) * k for k in (1, 2, 3))),
    (freed_two_in_a_branch, lambda x: 2 * x * np.cos(x) - x ** 2 * np.sin(x)),
    (freed_in_a_helper, lambda x: 2 * np.tanh(3 * x) * (1 - np.tanh(3 * x) ** 2) * 3)])
def test_a_del_nothing_reads_after_is_taken(f, grad):
    np.testing.assert_allclose(ag.grad(f)(X), grad(X), rtol=1e-12)
    ag.check_grads(f, (X,), order=2)                   # reverse, forward, second order
    _, tangent = ag.jvp(f)(X, np.ones(3))
    np.testing.assert_allclose(tangent, np.sum(grad(X)), rtol=1e-12)


def test_the_generated_code_has_no_del():
    def g(x):
        big = np.outer(x, x)
        total = np.sum(big ** 2)
        del big
        return total

    df = ag.grad(g)
    np.testing.assert_allclose(df(X), 4 * X * np.sum(X ** 2), rtol=1e-12)
    assert "del " not in "\n".join(line for line in ag.source(df).splitlines()
                                   if not line.lstrip().startswith("#"))


def read_after_del(x):
    t = x * 2.0
    del t
    return np.sum(t)  # noqa: F821  (a NameError when f itself runs)


def read_by_the_next_pass(x):
    s = 0.0
    t = x
    for i in range(3):
        s = s + np.sum(t)
        t = x * i
        del t                     # the next pass reads `t` first
    return s


def read_by_a_nested_function(x):
    t = x * 2.0

    def later():
        return t

    del t
    return np.sum(x)


@pytest.mark.parametrize("f", [read_after_del, read_by_the_next_pass, read_by_a_nested_function])
def test_a_del_the_name_may_be_read_after_is_refused(f):
    with pytest.raises(errors.UnsupportedSyntaxError) as info:
        ag.grad(f)(X)
    message = str(info.value)
    assert "del" in message and "drop the `del`" in message
    assert f"{__file__}:" in message
