"""Every catalogue function, every argument, against central finite differences."""
import inspect

import numpy as np
import pytest

import astgrad as ag

from . import functions
from .conftest import args_for

CATALOGUE = [fn for name, fn in vars(functions).items()
             if inspect.isfunction(fn) and fn.__module__ == functions.__name__
             and not name.startswith("_")]


def float_params(fn, args):
    return tuple(i for i, v in enumerate(args)
                 if isinstance(v, float) or (isinstance(v, np.ndarray) and v.dtype.kind == "f"))


@pytest.mark.parametrize("fn", CATALOGUE, ids=lambda f: f.__name__)
def test_reverse_mode_matches_finite_differences(fn):
    args = args_for(fn)
    ag.check_grads(fn, args, wrt=float_params(fn, args), forward=False)


@pytest.mark.parametrize("fn", CATALOGUE, ids=lambda f: f.__name__)
def test_forward_mode_matches_finite_differences(fn):
    args = args_for(fn)
    ag.check_grads(fn, args, wrt=float_params(fn, args), forward=True)


@pytest.mark.parametrize("fn", CATALOGUE, ids=lambda f: f.__name__)
def test_value_is_the_functions_value(fn):
    args = args_for(fn)
    value, _ = ag.vjp(fn, wrt=float_params(fn, args))(*args)
    np.testing.assert_allclose(value, fn(*args), rtol=1e-13)


def test_catalogue_is_large_enough():
    assert len(CATALOGUE) >= 50


@pytest.mark.parametrize("fn", CATALOGUE, ids=lambda f: f.__name__)
def test_second_order_matches_finite_differences_of_the_gradient(fn):
    args = args_for(fn)
    ag.check_grads(fn, args, wrt=float_params(fn, args), order=2, forward=False)
