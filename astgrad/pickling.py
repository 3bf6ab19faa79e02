"""How the functions astgrad makes travel to other processes.

A function a transform returns is a plain Python function (the fastest thing to
call, and what the compiler knows how to call from differentiated code), and
`pickle` saves a function only as a reference, module and name. So each one is
named after what it is: `ag.grad(f, wrt=0)` for `f` in module `pkg.mod` is
`astgrad.pickling.grad[0](pkg:mod/f)` (dots spelled `:`). Looking that name up,
in this process or another, calls `ag.grad(pkg.mod.f, wrt=0)` again: the same
cached function here, a freshly generated one there.

For a function no other process can import by name (defined in `__main__`, a
notebook, a closure), the name lives in `astgrad._by_value` instead. Plain
pickle still finds it by name, which works wherever `__main__` is the same
(multiprocessing's fork and spawn start methods); cloudpickle (Dask, joblib's
loky) is told to ship it by value, and what it ships is the transform's recipe
(`Transform.__reduce__`: the mode, the user's function, `wrt`, and the source
text of the functions it calls, see `sources_of`), rebuilt by `transform`.

A vjp's pullback is a closure over the forward sweep's values; it pickles as the
vjp and the arguments, and is made again on load by running the forward sweep.
"""
from __future__ import annotations

import ast
import importlib
import os
import re
import sys
import types
from typing import Callable

import numpy as np
from . import sources
from .errors import AstgradError, SeedShapeError
from .transform import source

BY_VALUE = "astgrad._by_value"
_NAME = re.compile(r"(\w+)\[(.*?)\]\((.*)\)")


# -- names ----------------------------------------------------------------------------------
def reference(mode: str, fn: Callable, wrt) -> tuple[str, str]:
    """The module and name under which the function `mode(fn, wrt)` pickles."""
    module = BY_VALUE if _dynamic(fn) else __name__
    return module, f"{mode}[{wrt!r}]({_target(fn)})"


_MAIN = {"__main__", "__mp_main__"}    # a spawned child runs the parent's main as __mp_main__


def _target(fn) -> str:
    # A function with no module (exec'd in a bare dict) gets a module no import finds;
    # a NumPy ufunc has none before NumPy 2.
    module = getattr(fn, "__module__", None) or (
        "numpy" if isinstance(fn, np.ufunc) else "<no module>")
    module = "__main__" if module in _MAIN else module
    qualname = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) \
        or f"<{type(fn).__qualname__} object>"          # a callable object
    if module in (__name__, BY_VALUE):
        return f"{module.replace('.', ':')}/{qualname}"
    return f"{module.replace('.', ':')}/{qualname.replace('.', ':')}"


def _dynamic(fn) -> bool:
    """Can another process not import `fn` by its module and name?"""
    if getattr(fn, "_astgrad", None) is not None:
        return getattr(fn, "__module__", None) == BY_VALUE
    qualname = getattr(fn, "__qualname__", "")
    return getattr(fn, "__module__", None) in _MAIN | {None} or "<" in qualname


def _resolve(target: str):
    module_name, _, qualname = target.partition("/")
    module_name = module_name.replace(":", ".")
    obj = importlib.import_module(module_name)
    if module_name in (__name__, BY_VALUE):
        return getattr(obj, qualname)
    for part in qualname.split(":"):
        obj = getattr(obj, part)
    return obj


def by_name(name: str) -> Callable:
    """The function named `name` by `reference`, made again if need be."""
    match = _NAME.fullmatch(name)
    if match is None:
        raise AttributeError(name)
    mode, wrt, target = match[1], match[2], match[3]
    try:
        fn = _resolve(target)
        if getattr(fn, "__qualname__", None) == name and hasattr(fn, "_astgrad"):
            return fn                  # `@ag.grad def f`: the module's `f` is the gradient
        made = _public(mode)(fn, wrt=ast.literal_eval(wrt))
    except (ImportError, AttributeError, ValueError, SyntaxError, AstgradError) as exc:
        raise AttributeError(f"{name}: {exc}") from exc
    if getattr(made, "__qualname__", None) != name:
        raise AttributeError(f"{name}: `{target}` is now something else")
    return made


__getattr__ = by_name


def register_by_value(module: types.ModuleType) -> None:
    """Have every cloudpickle loaded ship `module`'s functions by value."""
    for name, loaded in list(sys.modules.items()):
        if name.endswith("cloudpickle") and hasattr(loaded, "register_pickle_by_value"):
            if module.__name__ not in loaded.list_registry_pickle_by_value():
                loaded.register_pickle_by_value(module)


# -- transforms shipped by value ----------------------------------------------------------
def transform(mode: str, fn: Callable, wrt, shipped: dict):
    """A transform rebuilt from its recipe (see `Transform.__reduce__`); `shipped`
    holds the source texts of `fn` and the functions it calls, by file name."""
    for filename, texts in shipped.items():
        for text, label in texts:
            sources.remember(filename, text, label)
    return _public(mode)(fn, wrt=wrt)._astgrad


def sources_of(fn: Callable) -> dict[str, list[tuple[str, str | None]]]:
    """The source texts another process needs to differentiate `fn`: those of `fn`
    and of the functions it reaches through its globals and closure that it could
    not import by name."""
    out: dict[str, list[tuple[str, str | None]]] = {}
    for f in _reachable(fn):
        try:
            lines, _, label = source.text_of(f)
        except AstgradError:
            continue
        entry = ("".join(lines), label)
        if entry not in out.setdefault(f.__code__.co_filename, []):
            out[f.__code__.co_filename].append(entry)
    return out


def _reachable(fn) -> list[types.FunctionType]:
    seen: dict[int, types.FunctionType] = {}
    stack = [fn]
    while stack:
        f = stack.pop()
        if not isinstance(f, types.FunctionType) or id(f) in seen or hasattr(f, "_astgrad"):
            continue
        if not (_dynamic(f) or not os.path.exists(f.__code__.co_filename)):
            continue
        seen[id(f)] = f
        stack += [f.__globals__.get(n) for n in _names(f.__code__)]
        stack += [c.cell_contents for c in f.__closure__ or () if _filled(c)]
    return list(seen.values())


def _names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names(const)
    return names


def _filled(cell) -> bool:
    try:
        cell.cell_contents
    except ValueError:
        return False
    return True


# -- pullbacks --------------------------------------------------------------------------------
class Pullback:
    """A vjp's pullback: the generated closure holding the forward sweep's values,
    and what makes it again elsewhere (the vjp and the arguments it was called with).
    For a function returning a tuple of `count` values, the seed is a tuple (or list)
    of `count` seeds, one per value: anything else is refused here, by name."""

    __slots__ = ("fn", "vjp", "args", "kwargs", "count")

    def __init__(self, fn: Callable, vjp: Callable, args: tuple, kwargs: dict | None,
                 count: int | None = None):
        self.fn, self.vjp, self.args, self.kwargs = fn, vjp, args, kwargs
        self.count = count

    def __call__(self, *seeds):
        if len(seeds) != 1:
            raise self._refuse(f"{len(seeds)} arguments")
        seed = seeds[0]
        if self.count is not None and not (type(seed) is float and seed == 0.0) and (
                not isinstance(seed, (tuple, list, np.ndarray))
                or isinstance(seed, np.ndarray) and seed.ndim == 0 or len(seed) != self.count):
            raise self._refuse(_describe(seed))
        return self.fn(seed)

    def _refuse(self, got: str) -> SeedShapeError:
        made = getattr(self.vjp, "_astgrad", None)
        name = made.fn_name if made is not None else "the function"
        code = getattr(getattr(made, "fn", None), "__code__", None)
        where = f"{code.co_filename}:{code.co_firstlineno}" if code is not None else None
        if self.count is None:
            return SeedShapeError(f"the pullback of `{name}` takes one seed, shaped like its "
                                  f"output; it was given {got}.", where,
                                  fix="Call pullback(seed).")
        return SeedShapeError(
            f"`{name}` returns {self.count} values, so its pullback takes one tuple of "
            f"{self.count} seeds, one per value (each shaped like its value); it was given "
            f"{got}.", where, fix=f"Call pullback(({', '.join(f's{i}' for i in range(self.count))})); "
            f"a seed of 0.0 stands for a value you do not differentiate.")

    def __reduce__(self):
        return _pullback, (self.vjp, self.args, self.kwargs)

    @property
    def __wrapped__(self) -> Callable:          # inspect.getsource shows the generated code
        return self.fn

    def __repr__(self) -> str:
        return f"<pullback of {self.vjp.__qualname__}>"


def _describe(seed) -> str:
    if isinstance(seed, (tuple, list)):
        return f"a {type(seed).__name__} of {len(seed)} seed{'s' if len(seed) != 1 else ''}"
    if isinstance(seed, np.ndarray):
        return f"an array of shape {seed.shape}"
    return f"a {type(seed).__name__}"


def _pullback(vjp: Callable, args: tuple, kwargs: dict | None) -> Pullback:
    return vjp(*args, **(kwargs or {}))[1]


def _public(mode: str) -> Callable:
    """The public transform named `mode` (`ag.grad`, `ag.hessian`, ...), looked up by
    name in the package as pickle looks up any function: this module is imported by
    the package, so it does not import the package itself. Mode "tangent" (the jvp
    returning its tangent alone, inside `ag.hvp`, `ag.hessian`, `ag.jacobian`) is
    made as they make it."""
    if mode == "tangent":
        transform = importlib.import_module("astgrad.api")._transform
        return lambda fn, wrt: transform(fn, "tangent", wrt)
    return getattr(importlib.import_module("astgrad"), mode)
