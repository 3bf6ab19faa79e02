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
from .fixes import attribute_refusal, computed_call_fix, method_fix
from .trees import walk
from .user_values import (MISSING, call_method, function_table, held_functions, library_home,
                          super_object, user_object)


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

class UserScope:
    """The user function's closure, globals and builtins, looked up in that order."""

    def __init__(self, fn):
        code = fn.__code__
        self.cells = dict(zip(code.co_freevars, fn.__closure__ or ()))
        self.globals = fn.__globals__
        self.owner = MISSING          # a method's object (or class), for `super()`
        self.owner_name = None
        if inspect.ismethod(fn) and code.co_argcount:     # `self` (or `cls`): the object
            self.owner_name = code.co_varnames[0]
            self.cells[self.owner_name] = types.CellType(fn.__self__)
            self.owner = fn.__self__

    def holder(self, name: str):
        """Where `name` is read from: its closure cell, the method's object for `self`,
        else the globals. Two names of one holder are one value."""
        if name == self.owner_name:
            return self.owner
        return self.cells[name] if name in self.cells else self.globals

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


def _made(node: ast.Call, static: Callable, where: Callable):
    """`ag.grad(loss, wrt=1)` of a function and constants the code names: the transform,
    made now (the same each time), so `ag.grad(loss)(w)` is a call of it; `static(node)`
    is what a name denotes."""
    maker = static(node.func)
    if not getattr(maker, "_astgrad_maker", False):
        return MISSING
    values = [_constant(a, static) for a in node.args + [k.value for k in node.keywords]]
    if any(v is MISSING for v in values) or any(k.arg is None for k in node.keywords):
        raise UnsupportedSyntaxError(
            f"`{ast.unparse(node)}` makes a transform of a value computed inside the "
            f"function.", where(node), fix="Name the function and `wrt` as "
            "constants (`ag.grad(loss, wrt=0)`), or make the transform outside.")
    return maker(*values[:len(node.args)],
                 **dict(zip((k.arg for k in node.keywords), values[len(node.args):])))


def _constant(node: ast.expr, static: Callable):
    if isinstance(node, ast.Starred):
        return MISSING
    try:
        return ast.literal_eval(node)
    except ValueError:
        return static(node)


def _written_in(held, node: ast.expr, ref: Callable) -> ast.expr:
    """A list (tuple) of functions or callable objects the code reads, written in as a
    list written in the code is (`ref(item, node)` names each): `for layer in
    self.layers:` is then written out, `fs[0](x)` inlined."""
    refs = [ref(item, node) for item in held]
    made = ast.List(refs, ast.Load()) if isinstance(held, list) else ast.Tuple(refs, ast.Load())
    return ast.copy_location(made, node)


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
            if user_object(base) and callable(getattr(base, node.attr, None)):
                return getattr(base, node.attr)     # `self.act = np.tanh`: that function
            if base is MISSING or not isinstance(base, (types.ModuleType, type)):
                return MISSING
            return getattr(base, node.attr, MISSING)
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            table = self._static(node.value)       # `ACTS["relu"]`, a dict of functions
            table = self._object(node.value) if table is MISSING else table
            return table.get(node.slice.value, MISSING) if function_table(table) else MISSING
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name) and node.func.id == "super":
                return super_object(node, self.scope, self._static)
            return _made(node, self._static, self.where)
        return MISSING

    def _call_method(self, obj):
        """A callable object's `__call__`, inlined, unless the object has rules."""
        primitive = getattr(self.ns, "is_primitive", None)
        return None if primitive is not None and primitive(obj) else call_method(obj)

    def _object(self, node: ast.expr):
        """The object of the user's a dotted name stands for now (`self`, `self.cfg`), to
        tell its kind: generated code reads its attributes when it runs."""
        if isinstance(node, ast.Attribute):
            base = self._object(node.value)
            return getattr(base, node.attr, MISSING) if user_object(base) else MISSING
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
        if held_functions(obj):
            return _written_in(obj, node, self._item_ref)
        live = self.ns.read_live(node.id, self.scope, obj, self.where(node))
        return ast.copy_location(ast.Name(live, ast.Load()), node)

    def visit_Attribute(self, node):
        if isinstance(node.ctx, ast.Load) and held_functions(self._object(node)):
            return _written_in(self._object(node), node, self._item_ref)  # `self.layers`
        obj = self._static(node)
        if obj is not MISSING:
            if callable(obj) and not isinstance(obj, type):
                return ast.copy_location(self._callee_ref(obj, node), node)
            if (isinstance(obj, (int, bool)) or obj is None or isinstance(obj, float)
                    and math.isfinite(obj)) and library_home(self._static(node.value)):
                return ast.copy_location(ast.Constant(obj), node)   # np.inf stays np.inf
            cls = self._static(node.value)
            node.value = ast.copy_location(ast.Name(self.ns.bind(cls, node.value.id), ast.Load(
                )), node.value) if isinstance(cls, type) and isinstance(node.value, ast.Name) \
                else self.visit(node.value)           # `Color.RED`: the class, not a call
            return node
        if user_object(self._object(node.value)) and isinstance(node.ctx, ast.Load):
            node.value = self.visit(node.value)
            return node                          # `self.W`: read from the object when run
        node.value = self.visit(node.value)
        if isinstance(node.ctx, ast.Load) and node.attr in _ATTRIBUTES:
            func = _ATTRIBUTES[node.attr]
            call = ast.Call(self.ns.ref(func), [node.value], [])
            return ast.copy_location(call, node)
        if node.attr == "dtype":
            return node
        raise attribute_refusal(node, self.where(node))

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
        if isinstance(func, ast.Subscript) and (isinstance(func.value, ast.Name) and
                                                func.value.id in self.locals
                                                or held_functions(self._object(func.value))):
            func.value, func.slice = self.visit(func.value), self.visit(func.slice)
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
            what = "an item at a key the code computes" if isinstance(func, ast.Subscript) \
                else "a value computed inside the function"
            raise UnsupportedSyntaxError(f"calling `{name}`, {what}, is not supported.",
                                         self.where(node), fix=computed_call_fix(func, self._static))
        if getattr(obj, "_astgrad_maker", False):     # `dl = ag.grad(loss)`: made now
            return ast.copy_location(self.ns.ref(_made(node, self._static, self.where)), node)
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
        elif name == "item" and node.args and not node.keywords:
            return _item_at(self, node, receiver)
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
            self.ns.opaque[id(node)] = (node, ("method", name))  # refused if it varies
            func.value = receiver
            return node
        else:
            raise UnsupportedSyntaxError(
                f"method `.{name}()` is not supported.", self.where(node), fix=method_fix(name))
        if self.check_callee is not None:
            self.check_callee(_SHAPE_METHODS.get(name) or _METHODS[name], node)
        return ast.copy_location(call, node)

    def visit_List(self, node):        # `[np.sin, layer]`: a callable object as a function
        node.elts = [self._item_ref(self.scope.get(e.id), e) if isinstance(e, ast.Name) and
                     e.id not in self.locals and user_object(self.scope.get(e.id)) and
                     self._call_method(self.scope.get(e.id)) else self.visit(e) for e in node.elts]
        return node
    visit_Tuple = visit_List

    def _item_ref(self, item, node) -> ast.expr:
        return self._callee_ref(self._call_method(item) or item, node)

    def _callee_ref(self, obj, node) -> ast.expr:
        if self.check_callee is not None:
            self.check_callee(obj, node)
        return self.ns.ref(obj)


def _item_at(resolver, node: ast.Call, receiver: ast.expr) -> ast.expr:
    """`x.item(i)`: the number at flat index `i`, `np.ravel(x)[i].item()`;
    `x.item(i, j)`: the number at `x[i, j]`."""
    ref = resolver.ns.ref
    if len(node.args) == 1:
        receiver, index = ast.Call(ref(np.ravel), [receiver], []), node.args[0]
    else:
        index = ast.Tuple(elts=node.args, ctx=ast.Load())
    if resolver.check_callee is not None:
        resolver.check_callee(runtime.item, node)
    call = ast.Call(ref(runtime.item), [ast.Subscript(receiver, index, ast.Load())], [])
    return ast.copy_location(call, node)
