"""The public transforms: `grad`, `value_and_grad`, `vjp`, `jvp` and `source`.

Each returns a *dispatcher*: a small generated function with the user's
signature that picks the derivative code generated for the kinds of the
arguments it is called with (Python number, or array of a given ndim and
dtype kind), generating it on first use (see `specialize` and `dispatcher`).
Transforms are cached per function, so a second `ag.grad(f)` is a lookup.
"""
from __future__ import annotations

import threading
import weakref
from typing import Callable

from . import callables, pickling, starred
from .errors import AstgradError
from .runtime import stop_gradient  # noqa: F401  (ag.stop_gradient: a constant to every transform)
from .seeded import seeded
from .specialize import Transform, as_function

_cache: "weakref.WeakKeyDictionary[Callable, dict]" = weakref.WeakKeyDictionary()
_cache_lock = threading.RLock()   # `derived` holds it while making grad and jvp


def _transform(fn, mode: str, wrt) -> Callable:
    """The cached dispatcher of one transform; also what the compiler calls for a
    helper that a differentiated function calls through its own vjp or jvp (and, in
    code to be differentiated again, a recursive helper's `"vjp_at"`: see `seeded`)."""
    dispatcher = _made(fn, mode, wrt)     # the common case first (`ag.grad(f)(x)` in a loop)
    if dispatcher is not None:
        return dispatcher
    if mode == "vjp_at":
        with _cache_lock:                 # one `seeded` function per helper
            fn = seeded(fn)
        return _transform(fn, "grad", tuple(wrt))
    if callables.is_partial(fn):
        return callables.partial_transform(fn, mode, wrt, _transform)
    if starred.has_star(fn):
        return starred.StarTransform(fn, mode, wrt, _transform)
    target = callables.target(fn)         # a callable object: its `__call__` method
    dispatcher = _made(target, mode, wrt) if target is not fn else None
    if dispatcher is not None:
        return dispatcher
    fn = target
    function = as_function(fn)
    with _cache_lock:
        per_fn = _cache.get(function)
        if per_fn is None:
            per_fn = _cache[function] = {}
        key = (mode, tuple(wrt) if isinstance(wrt, list) else wrt)
        dispatcher = per_fn.get(key)
        if dispatcher is None:
            dispatcher = per_fn[key] = Transform(fn, mode, key[1], _transform).dispatcher
    return dispatcher


def _made(fn, mode: str, wrt) -> Callable | None:
    """The dispatcher made before for `fn` itself, without the lock; None if there is none
    (only a function whose transform is its own is kept under it: not a partial, nor one
    taking `*args`, nor a callable object, whose `__call__` is kept)."""
    try:
        dispatcher = _cache[fn][mode, wrt]
    except (KeyError, TypeError):
        return None
    if not dispatcher._astgrad.fresh():
        dispatcher._astgrad.dependencies()        # e.g. its code replaced: see `depends`
    return dispatcher


def derived(fn, key: tuple, make) -> Callable:
    """A transform built from the ones here (`hvp`, `hessian`, ...), cached like them;
    `key` is `(mode, wrt)`, and the function `make(fn)` returns pickles by that name."""
    if starred.has_star(fn) or callables.is_partial(fn):
        raise AstgradError(f"ag.{key[0]} of a functools.partial or of a function taking "
                           f"`*args` or `**kwargs` is not supported.",
                           fix="Use ag.grad, ag.jvp or ag.vjp (they take it), or a lambda "
                               "naming the arguments (`lambda w: f(w, X, y)`).")
    function = as_function(fn)
    mode, wrt = key[0], tuple(key[1]) if isinstance(key[1], list) else key[1]
    with _cache_lock:
        per_fn = _cache.get(function)
        if per_fn is None:
            per_fn = _cache[function] = {}
        if (mode, wrt) not in per_fn:
            made = make(function)
            made.__module__, made.__qualname__ = pickling.reference(mode, fn, wrt)
            per_fn[mode, wrt] = made
        return per_fn[mode, wrt]


def _decorator(mode):
    def transform(f: Callable | None = None, wrt=0) -> Callable:
        if f is None:
            return lambda g: _transform(g, mode, wrt)
        if not callable(f):
            raise AstgradError(f"ag.{mode} takes a function; got {f!r}.")
        return _transform(f, mode, wrt)
    transform._astgrad_maker = True      # the same arguments make the same transform (`scope`)
    return transform


jvp = _decorator("jvp")
jvp.__doc__ = """`jvp(f, wrt=0)`: `(*args, tangent) -> (value, directional derivative)`, in
forward mode: generated code carrying a tangent beside each value. For a tuple
`wrt`, `tangent` is a tuple. Every argument is passed by position."""

grad = _decorator("grad")
grad.__doc__ = """`grad(f, wrt=0)`: a function returning the gradient of scalar-valued `f`.

`wrt` is an argument's position or name, or a tuple of them (then a tuple
of gradients comes back). Each gradient has its argument's type and shape.
"""
value_and_grad = _decorator("value_and_grad")
value_and_grad.__doc__ = """`value_and_grad(f, wrt=0)`: like `grad`, returning `(f(...), gradient)`."""
vjp = _decorator("vjp")
vjp.__doc__ = """`vjp(f, wrt=0)`: `(*args) -> (value, pullback)`; `pullback(seed)` is the gradient
of `sum(value * seed)` (for a tuple output, a tuple of seeds, their gradients summed)."""


def source(df: Callable) -> str:
    """The generated Python source behind a function made by an astgrad transform."""
    transform = getattr(df, "_astgrad", None)
    if transform is None:
        raise AstgradError(f"{df!r} was not made by an astgrad transform.",
                           fix="Pass what ag.grad, ag.vjp, ... returned.")
    return transform.generic().source
