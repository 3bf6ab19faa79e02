"""A differentiated function with `*args` or `**kwargs`: one transform per way it is
called (how many extra positional arguments, which extra keywords).

For each, a copy of the function (same code, globals and closure) gets a signature
with those arguments named (`args_0`, `args_1`, ... and each extra keyword), and
`transform.hoist.spread` writes its tree the same way: `args = (args_0, args_1)` at
the top (a tuple known by its elements, so `f(*args)` spreads), `f(**kwargs)` as
`f(k=k, ...)`. `wrt` counts positions as the call does: a position past the named
parameters is an item of `*args`.
"""
from __future__ import annotations

import inspect
import types
from typing import Callable

from .errors import AstgradError

_STAR = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
_STAR_FLAGS = inspect.CO_VARARGS | inspect.CO_VARKEYWORDS


def has_star(fn) -> bool:
    if isinstance(fn, StarTransform):
        return True
    if not isinstance(fn, types.FunctionType) or getattr(fn, "_astgrad", None) is not None:
        return False
    if str(getattr(fn, "__module__", None)).partition(".")[0] == "numpy":
        return False          # before NumPy 1.25 `np.sum` is a `*args` wrapper: see as_function
    if "__signature__" not in fn.__dict__:    # its code says (`ag.grad(f)(x)` in a loop asks)
        return bool(fn.__code__.co_flags & _STAR_FLAGS)
    try:
        params = inspect.signature(fn, follow_wrapped=False).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.kind in _STAR for p in params)


class StarTransform:
    """The transform `mode` of `fn`, made for each way it is called."""

    def __init__(self, fn, mode: str, wrt, transform: Callable):
        self.base = fn if isinstance(fn, StarTransform) else None   # a transform of one
        fn = fn.fn if self.base else fn
        self.fn, self.mode, self.wrt, self.transform = fn, mode, wrt, transform
        params = list(inspect.signature(fn, follow_wrapped=False).parameters.values())
        self.named = [p for p in params if p.kind not in _STAR]
        self.positional = [p.name for p in params
                           if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        self.vararg = next((p.name for p in params if p.kind == p.VAR_POSITIONAL), None)
        self.kwarg = next((p.name for p in params if p.kind == p.VAR_KEYWORD), None)
        self.made: dict = {}
        self.__name__ = getattr(fn, "__name__", "f")
        self.__qualname__ = getattr(fn, "__qualname__", self.__name__)

    def __call__(self, *args, **kwargs):
        values = args[:-1] if self.mode == "jvp" else args
        n = max(0, len(values) - len(self.positional)) if self.vararg else 0
        extra = tuple(sorted(k for k in kwargs if k not in {p.name for p in self.named}))
        return self.for_call(n, extra)(*args, **kwargs)

    def for_call(self, n: int, extra: tuple) -> Callable:
        """The transform for calls with `n` items in `*args` and keywords `extra`."""
        if (n, extra) not in self.made:
            fn = self.base.for_call(n, extra) if self.base else self._copy(n, extra)
            self.made[n, extra] = self.transform(fn, self.mode, self._wrt(n))
        return self.made[n, extra]

    @property
    def _astgrad(self):
        """The record of the transform made for the last way it was called (what
        `ag.source` reads)."""
        if not self.made:
            raise AttributeError("_astgrad: not called yet")
        return next(reversed(self.made.values()))._astgrad

    def _wrt(self, n: int):
        items = list(self.wrt) if isinstance(self.wrt, (tuple, list)) else [self.wrt]
        names = []
        for item in items:
            if isinstance(item, int) and not isinstance(item, bool):
                position = item if item >= 0 else len(self.positional) + n + item
                if position < len(self.positional):
                    names.append(self.positional[position])
                elif position < len(self.positional) + n:
                    names.append(f"{self.vararg}_{position - len(self.positional)}")
                else:
                    raise AstgradError(f"wrt={item!r}: `{self.__name__}` was called with "
                                       f"{len(self.positional) + n} positional arguments.")
            elif item == self.vararg or item == self.kwarg:
                raise AstgradError(f"wrt={item!r} names `*{self.vararg}` or `**{self.kwarg}` "
                                   f"as a whole.", fix="Give the positions of its items.")
            else:
                names.append(item)
        return tuple(names) if isinstance(self.wrt, (tuple, list)) else names[0]

    def _copy(self, n: int, extra: tuple):
        fn = self.fn
        copy = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__,
                                  fn.__closure__)
        copy.__kwdefaults__, copy.__qualname__ = fn.__kwdefaults__, fn.__qualname__
        copy.__module__, copy.__doc__ = fn.__module__, fn.__doc__
        P = inspect.Parameter
        named = [p for p in self.named if p.kind != P.KEYWORD_ONLY]
        if self.vararg:     # named after *args: parameters with defaults lose them here
            named = [p.replace(kind=P.POSITIONAL_OR_KEYWORD) if p.kind == P.POSITIONAL_ONLY
                     else p for p in named]
            named += [P(f"{self.vararg}_{i}", P.POSITIONAL_OR_KEYWORD) for i in range(n)]
            if any(p.default is not p.empty for p in named[:len(self.positional)]) and n:
                named = [p.replace(default=P.empty) for p in named]
        keyword = [p for p in self.named if p.kind == P.KEYWORD_ONLY]
        keyword += [P(k, P.KEYWORD_ONLY) for k in extra]
        copy.__signature__ = inspect.Signature(named + keyword)
        copy._astgrad_star = (self.vararg, n, self.kwarg, extra)
        return copy
