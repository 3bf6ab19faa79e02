"""The user's values as generated code sees them: which objects, methods and classes
are the user's (their methods inlined, their attributes read when the code runs), which
modules' constants are written into the code, and what `super()` in a method is."""
from __future__ import annotations

import ast
import inspect
import sys
import types

import numpy as np

MISSING = object()      # what a name that denotes nothing resolves to


def user_object(obj) -> bool:
    """An object of the user's whose attributes the code reads (`self.W`), not a module,
    class, array or number."""
    return obj is not MISSING and not isinstance(
        obj, (types.ModuleType, type, np.ndarray, np.generic, np.ufunc, int, float, complex,
              str, list, tuple, dict)) and obj is not None \
        and type(obj).__module__.partition(".")[0] not in ("numpy", "scipy", "astgrad")


def library_home(home) -> bool:
    """A module or class of NumPy, SciPy, astgrad or the standard library, whose
    constants (`np.pi`, `math.e`, `np.newaxis`) are written into the code; those of the
    user's modules and classes (`config.LR`, `Model.reg`) may change, and are read when
    the code runs."""
    name = home.__name__ if isinstance(home, types.ModuleType) \
        else getattr(home, "__module__", None)
    root = (name or "").partition(".")[0]
    return root in ("numpy", "scipy", "astgrad") \
        or root in getattr(sys, "stdlib_module_names", ("builtins", "math", "cmath", "sys"))


def user_method(obj) -> bool:
    """A method bound to an object (or class) of the user's, written in Python:
    inlined like the user's functions (`self.helper(w)`, `Model.create(w)`)."""
    if not (inspect.ismethod(obj) and isinstance(obj.__func__, types.FunctionType)):
        return False
    owner = obj.__self__ if isinstance(obj.__self__, type) else type(obj.__self__)
    return owner.__module__.partition(".")[0] not in ("numpy", "scipy", "astgrad")


def call_method(obj):
    """`obj.__call__` for an object whose class defines `__call__` in Python, else None."""
    call = getattr(type(obj), "__call__", None)
    if isinstance(call, types.FunctionType) and not isinstance(obj, type) \
            and user_method(obj.__call__):
        return obj.__call__
    return None


def super_object(call: ast.Call, scope, static):
    """`super()` (or `super(Cls, self)`) in a method of the user's: the object it makes
    now, whose methods are the base classes' (inlined as `self.helper` is); MISSING
    where that cannot be known. `scope` is the method's `UserScope`, `static(node)` what
    a name denotes."""
    if call.keywords or len(call.args) not in (0, 2) or scope.get("super") is not super:
        return MISSING
    cls, obj = [static(a) for a in call.args] if call.args else \
        (scope.get("__class__"), scope.owner)
    if not isinstance(cls, type) or obj is MISSING or not (
            isinstance(obj, cls) or isinstance(obj, type) and issubclass(obj, cls)):
        return MISSING
    return super(cls, obj)


def held_functions(obj) -> bool:
    """A non-empty list or tuple of functions (or callable objects of the user's), which
    generated code has written into it item by item (see `depends`)."""
    return isinstance(obj, (list, tuple)) and len(obj) > 0 and all(
        callable(item) and not isinstance(item, type) for item in obj)


def function_table(obj) -> bool:
    """A non-empty dict of functions (or callable objects of the user's): an item the
    code reads at a constant key (`ACTS["relu"](x)`) is written in (see `depends`)."""
    return isinstance(obj, dict) and len(obj) > 0 and all(
        isinstance(key, str) and callable(item) and not isinstance(item, type)
        for key, item in obj.items())
