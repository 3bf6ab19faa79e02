"""`for` loops over `enumerate` and `zip` as people write them: nested
(`for i, (a, b) in enumerate(zip(xs, ys)):`), `enumerate(xs, start=1)`, and
`zip(*t)` of a tuple the code writes out (`zip(*unpack(params))`), each against
finite differences in reverse, forward and second order."""
import numpy as np
import pytest

import astgrad as ag
from astgrad.errors import UnsupportedSyntaxError

RNG = np.random.default_rng(31)


def weighted(ws, xs, ys):
    total = 0.0
    for i, (w, x, y) in enumerate(zip(ws, xs, ys)):
        total += (i + 1) * (w * x - y) ** 2
    return total


def counted_from_one(x, A):
    s = 0.0
    for k, row in enumerate(A, start=1):
        s = s + k * np.sum(np.sin(row * x[0]))
    for k, (a, row) in enumerate(zip(x, A), 2):
        s = s + k * a * row[0]
    return s


def zipped_pairs(x, A):
    s = 0.0
    for (i, a), (b, row) in zip(enumerate(x), zip(x[::-1], A)):
        s = s + i * a * b + np.sum(row) * a
    return s


def unpack(params):
    return params["m"], params["s"]


def star_zip(params, X):
    out = 0.0
    for m, s in zip(*unpack(params)):
        out = out + np.sum((X - m) ** 2 / s)
    return out


def star_zip_of_a_name_assigned_again(x):
    a = x * 2
    t = (a, x)
    a = x * 3                       # `t` holds the first `a`
    s = 0.0
    for u, v in zip(*t):
        s += u * v + a[0]
    return s


PARAMS = {"m": RNG.normal(size=(3, 2)), "s": 1.0 + RNG.random((3, 2))}
CASES = [
    (weighted, ([0.5, -1.0, 2.0], [1.0, 2.0, 3.0], [0.3, 0.1, 0.2]), (0, 1, 2)),
    (weighted, (RNG.normal(size=3), RNG.normal(size=3), RNG.normal(size=3)), (0, 1, 2)),
    (counted_from_one, (RNG.normal(size=3), RNG.normal(size=(3, 2))), (0, 1)),
    (zipped_pairs, (RNG.normal(size=3), RNG.normal(size=(3, 2))), (0, 1)),
    (star_zip, (PARAMS, RNG.normal(size=(4, 2))), (0, 1)),
    (star_zip_of_a_name_assigned_again, (np.array([1.0, 2.0, 3.0]),), 0),
]


@pytest.mark.parametrize("f, args, wrt", CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_against_finite_differences(f, args, wrt):
    ag.check_grads(f, args, wrt=wrt, order=2)


def test_values():
    ws, xs, ys = [0.5, -1.0, 2.0], [1.0, 2.0, 3.0], [0.3, 0.1, 0.2]
    g = ag.grad(weighted)(ws, xs, ys)
    assert g == pytest.approx([2 * (i + 1) * (w * x - y) * x
                               for i, (w, x, y) in enumerate(zip(ws, xs, ys))])
    x = np.array([1.0, 2.0, 3.0])
    value, g = ag.value_and_grad(star_zip_of_a_name_assigned_again)(x)
    assert value == pytest.approx(2 * x @ x + 9.0)
    np.testing.assert_allclose(g, 4 * x + [9.0, 0.0, 0.0])


def star_zip_of_an_argument(t):
    s = 0.0
    for a, b in zip(*t):
        s = s + a * b
    return s


def star_zip_too_few_names(params):
    s = 0.0
    for m, in zip(*unpack(params)):
        s = s + np.sum(m)
    return s


def test_refusals_name_the_line_and_the_fix():
    # a tuple argument's items are known by its kind (test_records.py); a list's are not
    with pytest.raises(UnsupportedSyntaxError, match=r"test_loop_items.py:\d+: `zip\(\*t\)`.*"
                                                     r"\n.*zip\(t\[0\], t\[1\]\)"):
        ag.grad(star_zip_of_an_argument)([np.ones(2), np.ones(2)])
    with pytest.raises(UnsupportedSyntaxError, match="one name per sequence zipped"):
        ag.grad(star_zip_too_few_names)(PARAMS)
