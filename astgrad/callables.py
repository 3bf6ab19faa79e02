"""Callables that are not plain functions, as the transforms take them.

* a callable object of a class of the user's is its bound `__call__` method (the
  compiler reads a bound method's `self` as the object, see
  `transform.scope.UserScope`);
* a `functools.partial` is the transform of the function it wraps, with respect
  to the parameters the partial leaves open (`wrt` counts those), called with the
  partial's own arguments: `ag.grad(partial(loss, X=X, y=y))(w)` is
  `ag.grad(loss, wrt="w")(w, X=X, y=y)`.
"""
from __future__ import annotations

import functools
import inspect
import types
from typing import Callable

from .errors import AstgradError
from .transform import registry
from .transform.request import FORWARD


def target(fn):
    """The function to transform in place of `fn` (see the module docstring)."""
    if isinstance(getattr(type(fn), "__call__", None), types.FunctionType) \
            and not hasattr(fn, "__code__") and not isinstance(fn, type) and not is_partial(fn) \
            and registry.lookup(fn) is None:      # an object with rules: differentiated by them
        return fn.__call__
    return fn


def is_partial(fn) -> bool:
    return isinstance(fn, (functools.partial, Partial))


def partial_transform(fn, mode: str, wrt, transform: Callable) -> Callable:
    """The transform `mode` of the partial `fn` (a `functools.partial`, or a transform of
    one): `transform(<its function>, mode, names)`, bound to the partial's arguments."""
    if isinstance(fn, Partial):
        func, args, keywords, signature = fn.inner, fn.args, fn.keywords, fn._astgrad.signature
    else:
        func, args, keywords, signature = fn.func, fn.args, fn.keywords, inspect.signature(fn)
    open_params = list(signature.parameters)
    items = list(wrt) if isinstance(wrt, (tuple, list)) else [wrt]
    names = []
    for item in items:
        if isinstance(item, int) and not isinstance(item, bool) \
                and -len(open_params) <= item < len(open_params):
            names.append(open_params[item])
        elif isinstance(item, str) and item in open_params:
            names.append(item)
        else:
            raise AstgradError(f"wrt={item!r} names no parameter the partial leaves open "
                               f"({', '.join(open_params)}).",
                               fix="Count positions among the parameters the partial does "
                                   "not fix, or name one.")
    inner = transform(func, mode, tuple(names) if isinstance(wrt, (tuple, list)) else names[0])
    return Partial(inner, args, keywords, signature,
                   inspect.signature(func) if mode in FORWARD else None)


class Partial:
    """A transform of a `functools.partial`: the transform of its function, called with
    the partial's arguments first. Its `_astgrad` is the inner transform's, seen with the
    partial's signature (what `check_grads` and `ag.source` read). A jvp's tangent comes
    last by position, after every argument of the function: `full` is the function's
    signature, which binds the partial's keywords (`X=X`) to their places before it."""

    def __init__(self, inner: Callable, args: tuple, keywords: dict, signature, full=None):
        self.inner, self.args, self.keywords = inner, tuple(args), dict(keywords)
        self.full = full
        self._astgrad = _Signed(inner._astgrad, signature)
        self.__name__ = getattr(inner, "__name__", "partial")
        self.__qualname__ = getattr(inner, "__qualname__", self.__name__)

    def __call__(self, *args, **kwargs):
        if self.full is None:
            return self.inner(*self.args, *args, **{**self.keywords, **kwargs})
        *values, tangent = args
        bound = self.full.bind(*self.args, *values, **{**self.keywords, **kwargs})
        bound.apply_defaults()
        return self.inner(*bound.args, tangent, **bound.kwargs)

    def __reduce__(self):
        return Partial, (self.inner, self.args, self.keywords, self._astgrad.signature,
                         self.full)


class _Signed:
    """A transform's record, seen with another signature."""

    def __init__(self, record, signature):
        self._record, self.signature = record, signature

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self._record, name)
