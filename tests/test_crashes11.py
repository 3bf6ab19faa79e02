"""Crashes from astgrad's internals that session 11 found (issue 10), each now a
derivative checked against finite differences.

1. The gradient of a container, taken inside a function differentiated again, read by
   a key held in a name of the module (`ag.grad(hh)(p)[k]`): the reverse sweep added
   into the dict's adjoint with `np.add.at` ("first operand must be array"); by a key
   held in a local name likewise, and a loop over its keys read `g[0]`.
2. A slice store that changes a list's length (`xs[0:2] = [x[0] * x[1]]`): the reverse
   sweep read the adjoints of the old slice's length ("astgrad added the adjoints of
   lists of different lengths").
3. List repetition of a list held in a name (`xs * 2`): taken for a product, it crashed
   the same way; it is refused by name, as `[v] * 2` was.
"""
from __future__ import annotations

import numpy as np
import pytest

import astgrad as ag
from astgrad import errors

P = {"a": np.array([0.3, 0.7]), "b": np.array([1.1, -0.4])}
LEAVES = [np.array([0.3, 0.7]), np.array([1.1, -0.4])]
KEY = "a"
OTHER = "b"
POSITION = 1


def halves(p):
    return {"a": p["a"] * 2, "b": np.sin(p["b"])}


def energy(p):
    return np.sum(halves(p)["a"] * p["b"]) + np.sum(np.cos(p["a"]) * p["b"] ** 2)


def by_a_module_key(p):
    return np.sum(ag.grad(energy)(p)[KEY] * p["a"])


def by_two_module_keys(p):
    g = ag.grad(energy)(p)
    return np.sum(g[KEY] * g[OTHER]) + np.sum(g[OTHER] * p[KEY])


def by_a_constant_key(p):
    return np.sum(ag.grad(energy)(p)["a"] * p["a"])


def by_items(p):
    return sum(np.sum(v * p[k]) for k, v in ag.grad(energy)(p).items())


def by_values(p):
    return sum(np.sum(v ** 2) for v in ag.grad(energy)(p).values())


def by_a_local_key(p):
    k = "b"
    return np.sum(ag.grad(energy)(p)[k] * p["a"])


def by_a_loop_over_its_keys(p):
    g = ag.grad(energy)(p)
    s = 0.0
    for k in g:                          # (it read `g[0]`: a dict taken for a list)
        s = s + np.sum(g[k] * p[k])
    return s


@pytest.mark.parametrize("f", [by_a_module_key, by_two_module_keys, by_a_constant_key,
                               by_items, by_values, by_a_local_key, by_a_loop_over_its_keys],
                         ids=lambda f: f.__name__)
def test_the_gradient_of_a_dict_read_inside_a_function_differentiated_again(f):
    ag.check_grads(f, (P,))


def by_a_key_given(p, k):
    return np.sum(ag.grad(energy)(p)[k] * p["a"])


@pytest.mark.parametrize("k", ["a", "b"])
def test_the_gradient_of_a_dict_read_by_a_key_given_as_an_argument(k):
    # (a string argument's kind is no more than "an object": the gradient's own kind,
    # a dict of P's keys, tells the reverse sweep to add by key)
    ag.check_grads(by_a_key_given, (P, k), wrt=0)
    g = ag.grad(by_a_key_given)(P, "a")
    np.testing.assert_allclose(g["a"], ag.grad(by_a_module_key)(P)["a"], rtol=1e-12)


def test_the_dict_read_by_a_module_key_in_closed_form():
    # energy's gradient at "a": 2 b - sin(a) b ** 2; f = sum(that * a)
    a, b = P["a"], P["b"]
    gradient = ag.grad(by_a_module_key)(P)
    np.testing.assert_allclose(gradient["a"], 2 * b - np.sin(a) * b ** 2
                               - np.cos(a) * b ** 2 * a, rtol=1e-12)
    np.testing.assert_allclose(gradient["b"], 2 * a - 2 * np.sin(a) * b * a, rtol=1e-12)


def pair_energy(ps):
    return np.sum(np.sin(ps[0]) * ps[1] ** 2)


def list_by_a_module_position(ps):
    return np.sum(ag.grad(pair_energy)(ps)[POSITION] * ps[0])


def list_unpacked(ps):
    g0, g1 = ag.grad(pair_energy)(ps)
    return np.sum(g0 * g1)


@pytest.mark.parametrize("f", [list_by_a_module_position, list_unpacked],
                         ids=lambda f: f.__name__)
@pytest.mark.parametrize("container", [list, tuple])
def test_the_gradient_of_a_list_or_tuple_read_inside(f, container):
    ag.check_grads(f, (container(LEAVES),))


def slice_store_shorter(x):
    xs = [x[0], x[1], x[2]]
    xs[0:2] = [x[0] * x[1]]
    return sum(xs)


def test_a_slice_store_that_shortens_a_list():
    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(ag.grad(slice_store_shorter)(x), [2.0, 1.0, 1.0])
    ag.check_grads(slice_store_shorter, (x,), order=2)


def repeats(x):
    xs = [x[0], x[1]]
    zs = xs * 2
    return zs[0] * zs[3] + zs[2]


def test_list_repetition_of_a_name_is_refused_by_name():
    with pytest.raises(errors.NoRuleError, match=r"`xs \* 2` repeats a list") as info:
        ag.grad(repeats)(np.array([1.0, 2.0]))
    assert "test_crashes11.py:" in str(info.value)


def dict_of_its_own_in_a_loop_then_an_argument_written(a, B):
    b = {}
    for k in range(2):
        b[k] = a * (k + 1.0)
        b[0] = b[0] * 0.5
    B[1] += a * b[1]
    return a * np.sum(B)


def test_a_dict_of_its_own_is_not_logged_for_put_back():
    # campaign seed 220104: the grad logged the dict's write-backs in its undo list
    # beside the argument's, and the grad's jvp crashed on that log (`tarray[index] =
    # titems`: "too many indices for array"); the dict is the function's own, no caller
    # sees it after `grad`.
    B = np.array([[-0.702, -0.001], [-1.236, -0.696]])
    ag.check_grads(dict_of_its_own_in_a_loop_then_an_argument_written, (1.367, B),
                   wrt=(0, 1), order=2)
    assert "undo" not in ag.source(ag.grad(dict_of_its_own_in_a_loop_then_an_argument_written,
                                           wrt=(0, 1)))
