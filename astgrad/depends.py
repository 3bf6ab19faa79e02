"""What a generated derivative depends on besides its arguments, checked on every call.

Generated code has the user's functions written into it (inlined) or calls them
through their own generated vjp, as they were when it was made. A `Dependency`
is one fact it was made under: the global `helper` is this function, the closure
cell holds this function, this function's `__code__` (or defaults) is this one.
The code also has written into it what the names it calls were when it was made
(`act = np.tanh` read as `np.tanh`, a class, a callable object, an object whose
methods it inlines and the functions held in that object's attributes, `self.act`),
so a name holding one of those is a dependency too; numbers and arrays are read
when the code runs, and are not.
`collect(fn)` finds them for `fn` and every user function it reaches through
its globals, closure, objects and modules (by the names its code objects mention, a few
more than it calls: a spare check costs a few nanoseconds, a missing one a wrong
derivative). `expression` writes them as one `and` of identity tests, which the
dispatcher runs before its type guards (about 20 ns a test); `checker` compiles
the same test as a function for the slow path, where it also tests the
differentiated function's own code (see `collect`).

A function an astgrad transform made (a dispatcher, or code generated for
another transform) is not walked: its own transform checks what it depends on,
and `collect` takes that transform's dependencies as they are.
"""
from __future__ import annotations

import inspect
import sys
import types
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .transform import registry
from .transform.opaque import LIBRARIES, is_library_function
from .transform.user_values import function_table, held_functions, user_object

_MISSING = object()
_MODULE_DEPTH = 3          # `pkg.sub.helper(x)`: modules are followed this deep
# Modules whose functions are primitives or astgrad's own: not followed (a name the
# code mentions as an attribute, `x.size`, would find their Python functions).
_LIBRARIES = frozenset({"numpy", "scipy", "astgrad", "math", "cmath", "builtins", "operator",
                        "functools", "itertools", "typing"})


@dataclass(frozen=True, eq=False)
class Dependency:
    """`getattr(owner, attr) is value` (`owner[attr]` for a dict or a list); with
    `test="type"`, `type(getattr(owner, attr)) is value` (a number the code was made
    for); with `test="len"`, `len(owner) == value` (a list, tested before its items)."""

    owner: object          # a globals dict, a closure cell, a function, a list
    attr: str | int | None  # the name in the dict, "cell_contents", "__code__", an index...
    value: object
    every_call: bool = True   # tested by the dispatcher (else on its slow path only)
    test: str = "is"

    def holds(self) -> bool:
        if self.test == "len":
            return len(self.owner) == self.value
        try:
            held = self.owner[self.attr] if isinstance(self.owner, (dict, list)) \
                else getattr(self.owner, self.attr)
        except (KeyError, IndexError, AttributeError, ValueError):
            return False
        return (type(held) if self.test == "type" else held) is self.value

    @property
    def key(self) -> tuple:
        return id(self.owner), self.attr, self.test, \
            self.value if self.test == "len" else id(self.value)


# Values read when the code runs, whose type the code was made for: a float rebound to
# an array needs other code (its adjoint summed back to a number), not a stale one.
_TYPED = (int, float, complex, bool, np.ndarray)


def user_function(obj) -> bool:
    """A Python function astgrad reads the source of (what `inline` inlines)."""
    return isinstance(obj, types.FunctionType) and registry.lookup(obj) is None


def _made_with(obj) -> bool:
    """Is `obj` written into generated code when it is made (rather than read when
    it runs)? Functions of any kind, classes, callable objects, and objects of the
    user's (their methods are inlined); not modules, numbers, arrays or containers."""
    if isinstance(obj, types.ModuleType):
        return False
    return callable(obj) or user_object(obj)


def made_by(fn):
    """The transform that made `fn` (its dispatcher, a copy of it pickled by value, or
    code generated for it), else None. A wrapper made with `functools.wraps` copies
    the `_astgrad` attribute of the function it wraps, but its `__wrapped__` is that
    function, not the transform: it is read as the user's."""
    made = getattr(fn, "_astgrad", None)
    if made is not None and getattr(fn, "__wrapped__", None) is made:
        return made
    return getattr(fn, "_astgrad_made_by", None)


def collect(fn) -> list[Dependency]:
    """The dependencies of a derivative of `fn`, `fn`'s own code first.

    That code and `fn`'s defaults are not tested on every call (about 25 ns each,
    0.4 times a hand-written gradient of a small scalar function): a new `ag.grad(fn)`,
    a call with arguments of new kinds, and any other dependency that changes see
    them; a derivative already made and called with the same kinds does not."""
    out: dict[tuple, Dependency] = {}
    seen: set[int] = set()
    stack = [fn]
    while stack:
        f = stack.pop()
        if id(f) in seen:
            continue
        seen.add(id(f))
        made = made_by(f)
        if made is not None:
            out.update((d.key, d) for d in made.dependencies())
            continue
        if f is not fn and is_library_function(f):
            continue                  # the standard library's `copy.copy`: not the user's
        for found in _own(f, every_call=f is not fn):
            out.setdefault(found.key, found)
            if found.attr not in ("__code__", "__defaults__", "__kwdefaults__") \
                    and user_function(found.value):
                stack.append(found.value)
    return list(out.values())


def _own(f: types.FunctionType, every_call: bool) -> list[Dependency]:
    """`f`'s code and defaults, and the user functions (and the modules leading to
    them) its globals and closure give the names its code mentions."""
    out = [Dependency(f, "__code__", f.__code__, every_call)]
    for attr in ("__defaults__", "__kwdefaults__"):
        if getattr(f, attr) is not None:
            out.append(Dependency(f, attr, getattr(f, attr), every_call))
    names = _names(f.__code__)
    if inspect.ismethod(f):                  # `model.loss`: what `self.act` holds
        out += _attributes(f.__self__, names, _MODULE_DEPTH)
    for name, cell in zip(f.__code__.co_freevars, f.__closure__ or ()):
        try:
            value = cell.cell_contents
        except ValueError:
            continue
        out += _through(cell, "cell_contents", value, names, _MODULE_DEPTH)
    for name in sorted(names):
        value = f.__globals__.get(name, _MISSING)
        if value is not _MISSING:
            out += _through(f.__globals__, name, value, names, _MODULE_DEPTH)
    return out


def _through(owner, attr: str, value, names: set[str], depth: int) -> list[Dependency]:
    """The dependency on `owner.attr` if it holds a user function, or, for a module,
    on the user functions the mentioned names find in it (and on the module's name)."""
    if user_function(value):
        return [Dependency(owner, attr, value)]
    if held_functions(value):               # `for f in FUNCS:` written out: each item
        found = [Dependency(owner, attr, value)] + \
            ([Dependency(value, None, len(value), test="len")] if isinstance(value, list)
             else [])
        for i, item in enumerate(value):
            found += _through(value, i, item, names, depth) if isinstance(value, list) \
                else _attributes(item, names, depth) if user_object(item) else []
        return found
    if function_table(value):               # `ACTS["relu"](x)`: its items written in
        found = [Dependency(owner, attr, value)]
        for key, item in value.items():
            found += _through(value, key, item, names, depth)
        return found
    if _made_with(value):
        found = [Dependency(owner, attr, value)]
        return found + _attributes(value, names, depth - 1) if user_object(value) else found
    if type(value) in _TYPED or isinstance(value, np.generic):
        return [Dependency(owner, attr, type(value), test="type")]
    if not isinstance(value, types.ModuleType) or depth == 0 \
            or value.__name__.partition(".")[0] in _LIBRARIES or _library_module(value):
        return []
    inside = []
    for name in sorted(names):
        item = value.__dict__.get(name, _MISSING)
        if item is not _MISSING and item is not value:
            inside += _through(value.__dict__, name, item, names, depth - 1)
    return [Dependency(owner, attr, value)] + inside if inside else []


def _attributes(obj, names: set[str], depth: int) -> list[Dependency]:
    """The dependencies on the attributes of the user's object `obj` the names mention
    (`self.act`, read in its instance dict), and the user functions its class gives
    them (its methods, walked as `collect` walks any user function)."""
    inside, held = [], getattr(obj, "__dict__", None)
    if depth == 0 or not isinstance(held, dict) or _library(type(obj)):
        return inside
    names = _methods_names(type(obj), names)
    for name in sorted(names):
        value = held.get(name, _MISSING)
        if value is not _MISSING:
            inside += _through(held, name, value, names, depth)
        elif user_function(getattr(type(obj), name, None)):
            inside.append(Dependency(type(obj), name, getattr(type(obj), name)))
    return inside


def _library_module(module: types.ModuleType) -> bool:
    root = module.__name__.partition(".")[0]
    return root in LIBRARIES or root in getattr(sys, "stdlib_module_names", ("copy",))


def _library(cls: type) -> bool:
    """A class of the standard library or of a library astgrad does not read (a
    `logging.Logger`): its objects' insides are not the user's code."""
    root = (cls.__module__ or "").partition(".")[0]
    return root in LIBRARIES or root in getattr(sys, "stdlib_module_names", ("logging",))


def _methods_names(cls: type, names: set[str]) -> set[str]:
    """`names` and those the methods of `cls` they name (and `__call__`) mention: what
    `self.attr` may read in the code inlined from them."""
    names, todo = set(names) | {"__call__"}, [*names, "__call__"]
    while todo:
        method = getattr(cls, todo.pop(), None)
        if user_function(method):
            more = _names(method.__code__) - names
            names |= more
            todo += more
    return names


def _names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names(const)
    return names


# -- the check, as code ------------------------------------------------------------------------
def expression(deps: list[Dependency], bind: Callable[[object], str],
               every_call_only: bool = False) -> str:
    """One expression testing every dependency (or those tested on every call);
    `bind(obj)` is the name it reads `obj` by. A dict entry deleted raises KeyError,
    an emptied cell ValueError."""
    tests = []
    for d in deps:
        if not d.every_call and every_call_only:
            continue
        owner, value = bind(d.owner), bind(d.value)
        if d.test == "len":
            tests.append(f"{bind(len)}({owner}) == {d.value!r}")
            continue
        held = f"{owner}[{d.attr!r}]" if isinstance(d.owner, (dict, list)) \
            else f"{owner}.{d.attr}"
        tests.append(f"{bind(type)}({held}) is {value}" if d.test == "type"
                     else f"{held} is {value}")
    return " and ".join(tests) or "True"


def checker(deps: list[Dependency]) -> Callable[[], bool]:
    """A function telling whether every dependency still holds."""
    if not deps:
        return _always
    namespace: dict = {"__builtins__": {"KeyError": KeyError, "ValueError": ValueError}}
    names: dict[int, str] = {}

    def bind(obj) -> str:
        if id(obj) not in names:
            names[id(obj)] = f"_v{len(names)}"
            namespace[names[id(obj)]] = obj
        return names[id(obj)]
    text = (f"def fresh():\n    try:\n        return {expression(deps, bind)}\n"
            f"    except (KeyError, ValueError):\n        return False\n")
    exec(compile(text, "<astgrad dependency check>", "exec"), namespace)
    return namespace["fresh"]


def _always() -> bool:
    return True
