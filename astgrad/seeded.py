"""A recursive helper's vjp as a function that holds no closure, for code that is
differentiated again.

First-order code calls a recursive helper `h` through `h`'s vjp and keeps the
pullback it returns, a closure: nothing can differentiate a closure held as a
value. Code made to be differentiated again (`Request.inline_all`) calls `h`
for its value in the forward sweep instead, and in the reverse sweep calls
`h_vjp_at(<h's arguments>, seed)`, the gradient of

    def h_seeded(<h's parameters>, seed):
        return np.sum(h(<them>) * seed)

with respect to `h`'s differentiated parameters: the vjp of `h` at the seed,
recomputing `h`'s forward sweep. It is astgrad-made code, so a transform of the
caller differentiates through its own generated code, which calls `h` and
itself again for the recursive calls (a recursion of depth d costs O(d^2)
forward steps at second order; first-order code keeps the pullback).
"""
from __future__ import annotations

import inspect
import itertools
import linecache
import weakref
from typing import Callable

import numpy as np

_made: "weakref.WeakKeyDictionary[Callable, Callable]" = weakref.WeakKeyDictionary()
_count = itertools.count(1)


def seeded(fn: Callable) -> Callable:
    """`fn_seeded(<fn's parameters>, seed) = np.sum(fn(...) * seed)`, made once per `fn`
    (so the transforms of it are made once too), its text kept where astgrad reads
    sources."""
    made = _made.get(fn)
    if made is None:
        made = _made[fn] = _make(fn)
    return made


def _make(fn: Callable) -> Callable:
    params = list(inspect.signature(fn).parameters.values())
    names = [p.name for p in params]
    callee, seed = _free(fn.__name__, names + ["np"], "_f"), _free("seed", names, "seed")
    call = ", ".join(f"{p.name}={p.name}" if p.kind == p.KEYWORD_ONLY else p.name
                     for p in params)
    name = f"{fn.__name__}_seeded".replace("<", "").replace(">", "")
    text = (f"def {name}({', '.join(names + [seed])}):\n"
            f"    return np.sum({callee}({call}) * {seed})\n")
    filename = f"<astgrad {next(_count)}: the vjp of {fn.__name__} at a seed>"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    namespace = {"np": np, callee: fn, "__name__": None}
    exec(compile(text, filename, "exec"), namespace)
    made = namespace[name]
    made.__qualname__ = f"seeded.<locals>.{name}"
    return made


def _free(preferred: str, taken: list[str], fallback: str) -> str:
    """`preferred` if it is an identifier no parameter uses, else `fallback` made free."""
    name = preferred if preferred.isidentifier() else fallback
    while name in taken:
        name += "_"
    return name
