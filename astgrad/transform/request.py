"""What a caller asks the compiler for: which parameters, and which transform.

A neutral module: the API builds a `Request`, and every pass that shapes the
generated function (reverse, forward, saving, shell) reads it.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass

import numpy as np

# Forward mode: "jvp" returns `(value, tangent)`; "tangent" (what `ag.hvp` and
# `ag.hessian` call) returns the tangent alone, so nothing computes the value only
# to be thrown away.
FORWARD = frozenset({"jvp", "tangent"})


@dataclass(frozen=True)
class Request:
    """Which parameters to differentiate, and the transform that is wanted."""

    wrt: tuple[str, ...]
    mode: str                  # "grad", "value_and_grad", "vjp", "jvp" or "tangent"
    as_tuple: bool             # return a tuple of gradients even for one parameter
    name: str                  # the generated function's name
    inline_all: bool = False   # inline every user function (code to differentiate again)
    functions: tuple = ()      # (parameter, function) for each argument that is a function:
    #                            the code is made for that function (`def loss(w, act=np.tanh)`)


def given_function(value) -> bool:
    """Is `value`, an argument, a function the code calls (`np.tanh`, a function of the
    user's, a bound method)? The code is made for that function."""
    return inspect.isfunction(value) or inspect.isbuiltin(value) or inspect.ismethod(value) \
        or isinstance(value, np.ufunc)


def hashable(v):
    """`v`, or its `id` where it has no hash (a bound method of an unhashable object)."""
    try:
        hash(v)
        return v
    except TypeError:
        return id(v)


def functions_given(names, values, wrt) -> tuple:
    """(parameter, function) for each argument that is a function (`given_function`)."""
    return tuple((n, v) for n, v in zip(names, values) if n not in wrt and given_function(v))
