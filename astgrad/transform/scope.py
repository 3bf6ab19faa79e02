"""What the names a function reads denote, and their spelling in generated code.

`resolve_names` rewrites every name a tree reads that is not one of its locals:
a module, a function or a constant of the function's closure, globals or
builtins is spelled as the namespace `ns` says (`ns.ref(np.sin)` is `np.sin`),
a value of the user's is read live, and array methods and attributes become
NumPy calls (`x.sum()` is `np.sum(x)`, `x.T` is `np.transpose(x)`).

It knows nothing of derivative rules: the resolve pass passes a check that
every callee has rules, and rule templates resolve their own names with it
when they are registered.
"""
from __future__ import annotations

import ast
import builtins
import inspect
import math
import types
from typing import Callable

import numpy as np

from .. import runtime
from ..errors import UndefinedNameError, UnsupportedSyntaxError
from .trees import walk

MISSING = object()      # what a name that denotes nothing resolves to

# Array methods and the NumPy function each one is. `shape` methods take
# their dimensions either as one tuple or spread out.
_METHODS = {name: getattr(np, name) for name in (
    "sum", "mean", "prod", "max", "min", "std", "var", "cumsum", "cumprod", "dot",
    "ravel", "squeeze", "clip", "trace", "diagonal", "copy", "conj", "round",
    "argmax", "argmin", "argsort", "any", "all", "nonzero", "repeat", "take", "swapaxes",
    "conjugate", "argpartition", "searchsorted")}
_SHAPE_METHODS = {"reshape": np.reshape, "transpose": np.transpose}
_ATTRIBUTES = {"T": np.transpose, "shape": np.shape, "ndim": np.ndim, "size": np.size,
               "real": np.real, "imag": np.imag}
# Methods spelled as another call, with how many arguments they take.
_OWN_METHODS = {"item": (runtime.item, 0), "astype": (runtime.astype, 1),
                "flatten": (np.ravel, 0), "items": (runtime.items_of, 0),
                "values": (runtime.values_of, 0), "keys": (runtime.keys_of, 0)}

# What to write instead of a list method that changes a list in ways not differentiated.
_LIST_FIXES = {
    "remove": "`xs.remove(v)` finds its item by comparing values: take it out by position "
              "(`del xs[i]`, `xs.pop(i)`), or build the list again (`xs = [u for u in xs "
              "if ...]`).",
    "insert": "Call `xs.insert(i, v)` as a statement of its own, on a list the function "
              "made or was passed.",
    "clear": "Call `xs.clear()` as a statement of its own, on a list the function made or "
             "was passed, or write `xs = []`."}


def per_element(obj) -> bool:
    """`np.vectorize(f)`, `np.frompyfunc(f, ...)`: a Python function called once per
    element, which NumPy runs and astgrad does not read."""
    return obj in (np.vectorize, np.frompyfunc, np.apply_along_axis) \
        or isinstance(obj, np.vectorize) \
        or isinstance(obj, np.ufunc) and obj.__name__.endswith("(vectorized)")


# What to write instead of a function NumPy calls once per element or row.
PER_ELEMENT_FIX = (
    "Write the function with NumPy operations on the whole array (`np.where(c, a, b)` for "
    "an `if`), or loop over the elements or rows: `np.array([f(v) for v in x])` for "
    "`np.vectorize(f)(x)` of a 1-d `x`, `np.array([f(row) for row in A])` for "
    "`np.apply_along_axis(f, 1, A)` (`A.T` for axis 0).")


def _computed_call_fix(func: ast.expr, static: Callable) -> str:
    """What to write instead of calling a value made in the function (`np.vectorize(f)(x)`)."""
    if isinstance(func, ast.Call) and per_element(static(func.func)):
        return PER_ELEMENT_FIX
    return "Call functions by the name they are defined or imported as."


_CONTAINER_METHODS = {
    "update": 'Build a new dict: `q = {**q, "b": v}` (or `{**q, **other}`).',
    "get": "Read it with a test: `d[k] if k in d else default`.",
    "setdefault": "Read it with a test: `d[k] if k in d else default`.",
    "extend": "Build a new list: `xs = xs + ys`.",
    "insert": "Build a new list: `xs = xs[:i] + [v] + xs[i:]`.",
    "remove": "Build a new list without the item."}


def method_fix(name: str) -> str:
    """What to write instead of a call to the method `.name()`, which has no rule."""
    if name in _LIST_FIXES:
        return _LIST_FIXES[name]
    if name in _CONTAINER_METHODS:
        return _CONTAINER_METHODS[name]
    if name.startswith("_") or not callable(getattr(np, name, None)):
        return "Write it with operators, indexing and NumPy functions."
    return f"Call the NumPy function instead (np.{name}(x, ...)) if it is the same."


def _attribute_refusal(node: ast.Attribute, where) -> UnsupportedSyntaxError:
    """The error for `v.attr`, an attribute astgrad does not read."""
    if isinstance(node.value, ast.Name) and not hasattr(np.ndarray, node.attr):
        # `cfg.lr`, `params.W`: an attribute no array has, of a config or a namedtuple
        name, attr = node.value.id, node.attr
        return UnsupportedSyntaxError(
            f"attribute `.{attr}` of `{name}` (a config object's or a namedtuple's field: "
            f"no array has it) is not supported.", where,
            fix=f"Pass `{name}.{attr}` as an argument of its own, hold it in a dict "
                f"(`{name}[\"{attr}\"]`), unpack or index a namedtuple (`W, b = params`, "
                f"`params[0]`), or make the function a method (`self.{attr}` is read when "
                f"the derivative runs).")
    return UnsupportedSyntaxError(
        f"attribute `.{node.attr}` of a value is not supported.", where,
        fix="Pass arrays and numbers as arguments, or use `.T`, `.shape`, `.ndim`, "
            "`.size` or `.dtype`.")


def _is_user_object(obj) -> bool:
    """An object of the user's whose attributes the code reads (`self.W`), not a module,
    class, array or number."""
    return obj is not MISSING and not isinstance(
        obj, (types.ModuleType, type, np.ndarray, np.generic, np.ufunc, int, float, complex,
              str, list, tuple, dict)) and obj is not None \
        and type(obj).__module__.partition(".")[0] not in ("numpy", "scipy", "astgrad")


def user_method(obj) -> bool:
    """A method bound to an object (or class) of the user's, written in Python:
    inlined like the user's functions (`self.helper(w)`, `Model.create(w)`)."""
    if not (inspect.ismethod(obj) and isinstance(obj.__func__, types.FunctionType)):
        return False
    owner = obj.__self__ if isinstance(obj.__self__, type) else type(obj.__self__)
    return owner.__module__.partition(".")[0] not in ("numpy", "scipy", "astgrad")


def _call_method(obj):
    """`obj.__call__` for an object whose class defines `__call__` in Python, else None."""
    call = getattr(type(obj), "__call__", None)
    if isinstance(call, types.FunctionType) and not isinstance(obj, type) \
            and user_method(obj.__call__):
        return obj.__call__
    return None


class UserScope:
    """The user function's closure, globals and builtins, looked up in that order."""

    def __init__(self, fn):
        code = fn.__code__
        self.cells = dict(zip(code.co_freevars, fn.__closure__ or ()))
        self.globals = fn.__globals__
        if inspect.ismethod(fn) and code.co_argcount:     # `self` (or `cls`): the object
            self.cells[code.co_varnames[0]] = types.CellType(fn.__self__)

    def get(self, name: str):
        if name in self.cells:
            try:
                return self.cells[name].cell_contents
            except ValueError:
                return MISSING
        try:
            return self.globals[name]       # generated code's globals read on, live
        except KeyError:
            return getattr(builtins, name, MISSING)


def local_names(tree: ast.FunctionDef) -> set[str]:
    """Parameters, assigned names and nested defs, of the function and its nested defs."""
    names = set()
    for node in walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.FunctionDef) and node is not tree:
            names.add(node.name)
    return names


def resolve_names(tree: ast.AST, scope: UserScope, ns, locals_: set[str], where: Callable,
                  check_callee: Callable | None = None) -> ast.AST:
    """`tree` with every name it reads outside `locals_` spelled by `ns`.

    `ns` gives `ref(obj)` (an expression naming a function or module),
    `bind(obj, preferred)` and `read_live(name, scope, obj, where)` (the name
    generated code uses); `where(node)` gives a node's `file:line`; and
    `check_callee(obj, node)`, if given, is called with every function called."""
    local_defs = {n.name for n in walk(tree) if isinstance(n, ast.FunctionDef) and n is not tree}
    return _Resolver(scope, ns, locals_, where, check_callee, local_defs).visit(tree)


class _Resolver(ast.NodeTransformer):
    def __init__(self, scope, ns, locals_, where, check_callee, local_defs):
        self.scope, self.ns, self.locals, self.where = scope, ns, locals_, where
        self.check_callee = check_callee
        self.local_defs = set(local_defs)

    # -- what a dotted name means -------------------------------------------
    def _static(self, node: ast.expr):
        """The object a dotted name outside the function's locals stands for."""
        if isinstance(node, ast.Name):
            if node.id in self.locals:
                return MISSING
            return self.scope.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self._static(node.value)
            if base is not MISSING and not isinstance(base, (types.ModuleType, type)) and \
                    isinstance(getattr(type(base), node.attr, None), types.FunctionType):
                return getattr(base, node.attr)     # a method of an object (stats.norm.pdf)
            if _is_user_object(base) and callable(getattr(base, node.attr, None)):
                return getattr(base, node.attr)     # `self.act = np.tanh`: that function
            if base is MISSING or not isinstance(base, (types.ModuleType, type)):
                return MISSING
            return getattr(base, node.attr, MISSING)
        if isinstance(node, ast.Call):
            return self._made(node)
        return MISSING

    def _made(self, node: ast.Call):
        """`ag.grad(loss, wrt=1)` of a function and constants the code names: the
        transform, made now (the same each time), so `ag.grad(loss)(w)` is a call of it."""
        maker = self._static(node.func)
        if not getattr(maker, "_astgrad_maker", False):
            return MISSING
        values = [self._constant(a) for a in node.args + [k.value for k in node.keywords]]
        if any(v is MISSING for v in values) or any(k.arg is None for k in node.keywords):
            raise UnsupportedSyntaxError(
                f"`{ast.unparse(node)}` makes a transform of a value computed inside the "
                f"function.", self.where(node), fix="Name the function and `wrt` as "
                "constants (`ag.grad(loss, wrt=0)`), or make the transform outside.")
        return maker(*values[:len(node.args)],
                     **dict(zip((k.arg for k in node.keywords), values[len(node.args):])))

    def _constant(self, node: ast.expr):
        if isinstance(node, ast.Starred):
            return MISSING
        try:
            return ast.literal_eval(node)
        except ValueError:
            return self._static(node)

    def _call_method(self, obj):
        """A callable object's `__call__`, inlined, unless the object has rules."""
        primitive = getattr(self.ns, "is_primitive", None)
        return None if primitive is not None and primitive(obj) else _call_method(obj)

    def _object(self, node: ast.expr):
        """The object of the user's a dotted name stands for now (`self`, `self.cfg`), to
        tell its kind: generated code reads its attributes when it runs."""
        if isinstance(node, ast.Attribute):
            base = self._object(node.value)
            return getattr(base, node.attr, MISSING) if _is_user_object(base) else MISSING
        return self._static(node)

    def visit_Name(self, node):
        if not isinstance(node.ctx, ast.Load) or node.id in self.locals:
            return node
        obj = self.scope.get(node.id)
        if obj is MISSING:
            raise UndefinedNameError(f"name `{node.id}` is not defined.", self.where(node))
        if isinstance(obj, types.ModuleType):
            return ast.copy_location(self.ns.ref(obj) if obj in (np, runtime)
                                     else ast.Name(self.ns.bind(obj, node.id), ast.Load()), node)
        if callable(obj) and not isinstance(obj, (np.ndarray, np.generic)) \
                and self._call_method(obj) is None:
            return ast.copy_location(self._callee_ref(obj, node), node)
        live = self.ns.read_live(node.id, self.scope, obj, self.where(node))
        return ast.copy_location(ast.Name(live, ast.Load()), node)

    def visit_Attribute(self, node):
        obj = self._static(node)
        if obj is not MISSING:
            if callable(obj) and not isinstance(obj, type):
                return ast.copy_location(self._callee_ref(obj, node), node)
            if isinstance(obj, (int, bool)) or obj is None or \
                    isinstance(obj, float) and math.isfinite(obj):
                return ast.copy_location(ast.Constant(obj), node)   # np.inf stays np.inf
            cls = self._static(node.value)
            node.value = ast.copy_location(ast.Name(self.ns.bind(cls, node.value.id), ast.Load(
                )), node.value) if isinstance(cls, type) and isinstance(node.value, ast.Name) \
                else self.visit(node.value)           # `Color.RED`: the class, not a call
            return node
        if _is_user_object(self._object(node.value)) and isinstance(node.ctx, ast.Load):
            node.value = self.visit(node.value)
            return node                          # `self.W`: read from the object when run
        node.value = self.visit(node.value)
        if isinstance(node.ctx, ast.Load) and node.attr in _ATTRIBUTES:
            func = _ATTRIBUTES[node.attr]
            call = ast.Call(self.ns.ref(func), [node.value], [])
            return ast.copy_location(call, node)
        if node.attr == "dtype":
            return node
        raise _attribute_refusal(node, self.where(node))

    def visit_Raise(self, node, visit=None):
        check, self.check_callee = self.check_callee, None    # the exception: made as is
        try:
            return (visit or self.generic_visit)(node)
        finally:
            self.check_callee = check

    def visit_ExceptHandler(self, node):      # its types: read as `raise` reads its exception
        node.type = node.type and self.visit_Raise(node.type, self.visit)
        node.body = [self.visit(s) for s in node.body]
        return node

    def visit_Call(self, node):
        if getattr(node, "astgrad_dict_of", False):     # a dict comprehension's (`hoist`)
            node.args = [self.visit(a) for a in node.args]
            node.func = ast.copy_location(self.ns.ref(runtime.dict_of), node.func)
            return node
        if self._static(node.func) is runtime.which:        # `try` blocks: exception types
            return self.visit_Raise(node)
        node.args = [self.visit(a) for a in node.args]
        node.keywords = [self.visit(k) for k in node.keywords]
        func = node.func
        if isinstance(func, ast.Name) and (func.id in self.local_defs or func.id in self.locals):
            return node        # a nested def, or a name the walk may bind to a function (inline)
        if isinstance(func, ast.Subscript) and isinstance(func.value, ast.Name) \
                and func.value.id in self.locals:
            func.slice = self.visit(func.slice)
            return node        # `fs[0](x)`: an item of a list of functions (inline)
        obj = self._static(func)
        if obj is MISSING and isinstance(func, ast.Attribute):
            if func.attr in ("append", "pop") and isinstance(func.value, ast.Name) \
                    and func.value.id in self.locals:
                return node                      # list.append/pop, on a list of this function
            owner = self._static(func.value)
            if func.attr == "at" and owner is np.add:
                node.func = ast.Attribute(self.ns.ref(np.add), "at", ast.Load())
                return node                      # np.add.at(x, i, v): x[i] += v, i may repeat
            return self._method(node)
        if obj is MISSING:
            name = ast.unparse(func)
            if isinstance(func, ast.Name) and func.id not in self.locals:
                raise UndefinedNameError(f"name `{name}` is not defined.", self.where(node))
            raise UnsupportedSyntaxError(
                f"calling `{name}`, a value computed inside the function, is not supported.",
                self.where(node), fix=_computed_call_fix(func, self._static))
        if getattr(obj, "_astgrad_maker", False):     # `dl = ag.grad(loss)`: made now
            return ast.copy_location(self.ns.ref(self._made(node)), node)
        if self._call_method(obj) is not None:
            obj = self._call_method(obj)         # a callable object of the user's class
        if self.check_callee is not None:
            self.check_callee(obj, node)         # the call: one with no rule may run as is
        node.func = ast.copy_location(self.ns.ref(obj), func)
        return node

    def _method(self, node):
        func = node.func
        receiver = self.visit(func.value)
        name = func.attr
        if name in _SHAPE_METHODS:
            args = node.args
            if len(args) > 1 or (args and isinstance(args[0], ast.Constant)
                                 and isinstance(args[0].value, int)):
                args = [ast.Tuple(elts=args, ctx=ast.Load())]
            call = ast.Call(self.ns.ref(_SHAPE_METHODS[name]), [receiver] + args, node.keywords)
        elif name in _METHODS:
            args = node.args
            if name == "clip" and len(args) == 1 and not node.keywords:
                args = args + [ast.Constant(None)]      # x.clip(lo): NumPy 2 wants both
            call = ast.Call(self.ns.ref(_METHODS[name]), [receiver] + args, node.keywords)
        elif name in _OWN_METHODS and not node.keywords and len(node.args) == \
                _OWN_METHODS[name][1]:
            fn = _OWN_METHODS[name][0]
            call = ast.Call(self.ns.ref(fn), [receiver] + node.args, [])
            if name == "flatten":                  # a copy, as flatten makes
                call = ast.Call(self.ns.ref(np.copy), [call], [])
            if self.check_callee is not None:
                self.check_callee(fn, node)
            return ast.copy_location(call, node)
        elif self.check_callee is not None and hasattr(self.ns, "opaque"):
            self.ns.opaque[id(node)] = ("method", name)  # refused by activity if it varies
            func.value = receiver
            return node
        else:
            raise UnsupportedSyntaxError(
                f"method `.{name}()` is not supported.", self.where(node), fix=method_fix(name))
        if self.check_callee is not None:
            self.check_callee(_SHAPE_METHODS.get(name) or _METHODS[name], node)
        return ast.copy_location(call, node)

    def _callee_ref(self, obj, node) -> ast.expr:
        if self.check_callee is not None:
            self.check_callee(obj, node)
        return self.ns.ref(obj)
