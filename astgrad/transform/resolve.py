"""Pass 2, resolve: find what every name the function reads means.

Output guarantees: every call's function is a dotted name rooted in the
`Namespace` (`np.sin`, `rt.unbroadcast`, `softplus`) and is a registered
primitive, or a non-differentiable function; method calls and array
attributes are spelled as NumPy calls (`x.sum()` is `np.sum(x)`, `x.T` is
`np.transpose(x)`); a name that is neither local nor bound here is read live
from the user's globals or closure when the generated code runs.
"""
from __future__ import annotations

import ast
import builtins
import math
import types

import numpy as np

from .. import runtime
from ..errors import NoRuleError, UndefinedNameError, UnsupportedSyntaxError
from . import registry
from .lattice import Kind, of_value
from .naming import NUMPY, RUNTIME

MISSING = object()

# Array methods and the NumPy function each one is. `shape` methods take
# their dimensions either as one tuple or spread out.
_METHODS = {name: getattr(np, name) for name in (
    "sum", "mean", "prod", "max", "min", "std", "var", "cumsum", "cumprod", "dot",
    "ravel", "squeeze", "clip", "trace", "diagonal", "copy", "conj", "round",
    "argmax", "argmin", "argsort", "any", "all", "nonzero", "repeat", "take", "swapaxes",
    "conjugate", "argpartition", "searchsorted")}
_SHAPE_METHODS = {"reshape": np.reshape, "transpose": np.transpose}
_ATTRIBUTES = {"T": np.transpose, "shape": np.shape, "ndim": np.ndim, "size": np.size}


class Namespace:
    """The names generated code reads that are not its own locals."""

    def __init__(self, user, taken=()):
        self.user = user                  # the user's scope, for names read live
        self.taken = set(taken)
        self.bound: dict[str, object] = {NUMPY: np, RUNTIME: runtime}
        self.live: dict[str, Kind] = {}   # read from the user's scope at run time
        self.sources: dict[str, tuple] = {}  # live name -> (scope, name there)

    def bind(self, obj, preferred: str) -> str:
        for name, value in self.bound.items():
            if value is obj:
                return name
        name = preferred
        while name in self.bound or name in self.taken or name in self.live:
            name += "_"
        self.bound[name] = obj
        return name

    def read_live(self, name: str, scope, obj) -> str:
        """The name generated code uses to read `name` from `scope` when it runs."""
        emitted = name
        while emitted in self.sources and self.sources[emitted][0].globals is not scope.globals:
            emitted += "_"
        self.live[emitted] = of_value(obj)
        self.sources[emitted] = (scope, name)
        return emitted

    def ref(self, obj) -> ast.expr:
        """An expression naming `obj` (a primitive or a module) in generated code."""
        prim = registry.lookup(obj)
        dotted = prim.name if prim is not None else registry.canonical_name(obj)
        root, _, rest = dotted.partition(".")
        if root == NUMPY:
            node: ast.expr = ast.Name(NUMPY, ast.Load())
        elif root == RUNTIME:
            node = ast.Name(RUNTIME, ast.Load())
        elif root == "operator":
            import operator
            node = ast.Name(self.bind(operator, "operator"), ast.Load())
        elif rest == "" and getattr(builtins, root, None) is obj and root not in self.taken \
                and root not in self.live:
            return ast.Name(root, ast.Load())
        elif rest == "":
            return ast.Name(self.bind(obj, root), ast.Load())
        else:
            node = ast.Name(self.bind(obj, root), ast.Load())
            rest = ""
        for part in filter(None, rest.split(".")):
            node = ast.Attribute(node, part, ast.Load())
        return node

    def value(self, node: ast.expr):
        """What a dotted name rooted here refers to, or MISSING."""
        if isinstance(node, ast.Name):
            if node.id in self.bound:
                return self.bound[node.id]
            if node.id in self.taken or node.id in self.live:
                return MISSING
            return getattr(builtins, node.id, MISSING)
        if isinstance(node, ast.Attribute):
            base = self.value(node.value)
            return MISSING if base is MISSING else getattr(base, node.attr, MISSING)
        return MISSING


class UserScope:
    """The user function's closure, globals and builtins, looked up in that order."""

    def __init__(self, fn):
        code = fn.__code__
        self.cells = dict(zip(code.co_freevars, fn.__closure__ or ()))
        self.globals = fn.__globals__

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
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.FunctionDef) and node is not tree:
            names.add(node.name)
    return names


def resolve(tree: ast.FunctionDef, scope: UserScope, where, ns: Namespace | None = None,
            locals_: set[str] | None = None, check: bool = True) -> tuple[ast.FunctionDef, Namespace]:
    """Resolve every name in `tree`; `where(node)` gives a node's `file:line`.

    With `check`, every callee must have rules (rule templates skip it: a
    helper they call is checked only if generated code is differentiated again)."""
    locals_ = local_names(tree) if locals_ is None else locals_
    for name in (NUMPY, RUNTIME):
        if name in locals_:
            raise UnsupportedSyntaxError(
                f"a local variable named `{name}` would hide NumPy or astgrad's runtime "
                f"in the generated code.", where(tree), fix=f"Rename `{name}`.")
    ns = ns or Namespace(scope, locals_)
    local_defs = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n is not tree}
    _Resolver(scope, ns, locals_, where, check, local_defs).visit(tree)
    return tree, ns


class _Resolver(ast.NodeTransformer):
    def __init__(self, scope, ns, locals_, where, check, local_defs=()):
        self.scope, self.ns, self.locals, self.where = scope, ns, locals_, where
        self.check = check
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
            if base is MISSING or not isinstance(base, (types.ModuleType, type)):
                return MISSING
            return getattr(base, node.attr, MISSING)
        return MISSING

    def visit_Name(self, node):
        if not isinstance(node.ctx, ast.Load) or node.id in self.locals:
            return node
        obj = self.scope.get(node.id)
        if obj is MISSING:
            raise UndefinedNameError(f"name `{node.id}` is not defined.", self.where(node))
        if isinstance(obj, types.ModuleType):
            return ast.copy_location(self.ns.ref(obj) if obj in (np, runtime)
                                     else ast.Name(self.ns.bind(obj, node.id), ast.Load()), node)
        if callable(obj) and not isinstance(obj, (np.ndarray, np.generic)):
            return ast.copy_location(self._callee_ref(obj, node), node)
        if node.id in self.ns.bound and self.ns.bound[node.id] is not obj:
            raise UnsupportedSyntaxError(
                f"`{node.id}` names a value of yours and something astgrad's generated code "
                f"needs.", self.where(node), fix=f"Rename `{node.id}`.")
        return ast.copy_location(ast.Name(self.ns.read_live(node.id, self.scope, obj),
                                          ast.Load()), node)

    def visit_Attribute(self, node):
        obj = self._static(node)
        if obj is not MISSING:
            if callable(obj) and not isinstance(obj, type):
                return ast.copy_location(self._callee_ref(obj, node), node)
            if isinstance(obj, (int, bool)) or obj is None or \
                    isinstance(obj, float) and math.isfinite(obj):
                return ast.copy_location(ast.Constant(obj), node)   # np.inf stays np.inf
            node.value = self.visit(node.value)
            return node
        node.value = self.visit(node.value)
        if isinstance(node.ctx, ast.Load) and node.attr in _ATTRIBUTES:
            func = _ATTRIBUTES[node.attr]
            call = ast.Call(self.ns.ref(func), [node.value], [])
            return ast.copy_location(call, node)
        if node.attr == "dtype":
            return node
        raise UnsupportedSyntaxError(
            f"attribute `.{node.attr}` of a value is not supported.", self.where(node),
            fix="Pass arrays and numbers as arguments, or use `.T`, `.shape`, `.ndim`, "
                "`.size` or `.dtype`.")

    def visit_Call(self, node):
        node.args = [self.visit(a) for a in node.args]
        node.keywords = [self.visit(k) for k in node.keywords]
        func = node.func
        if isinstance(func, ast.Name) and func.id in self.local_defs:
            return node                          # a nested def: inlined by normalize
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
                self.where(node), fix="Call functions by the name they are defined or imported as.")
        node.func = ast.copy_location(self._callee_ref(obj, func), func)
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
        elif name == "flatten":
            raise UnsupportedSyntaxError(
                "`.flatten()` is not supported.", self.where(node),
                fix="Use np.ravel(x) (add .copy() only if you then write into it).")
        else:
            raise UnsupportedSyntaxError(
                f"method `.{name}()` is not supported.", self.where(node),
                fix=f"Call the NumPy function instead (np.{name}(x, ...)) if there is one.")
        self._check_callee(_SHAPE_METHODS.get(name) or _METHODS[name], node)
        return ast.copy_location(call, node)

    def _callee_ref(self, obj, node) -> ast.expr:
        self._check_callee(obj, node)
        return self.ns.ref(obj)

    def _check_callee(self, obj, node):
        prim = registry.lookup(obj)
        if not self.check:
            return
        if prim is not None and (prim.nondiff or prim.vjps or prim.jvps):
            return
        name = ast.unparse(node.func if isinstance(node, ast.Call) else node)
        if prim is None and isinstance(obj, types.FunctionType):
            return                               # the user's own function: inlined
        if prim is not None:
            raise NoRuleError(
                f"`{name}` is marked ag.primitive but has no derivative rule.", self.where(node),
                fix=f"Give it one with ag.defvjp({name}, lambda g, ans, x: ...).")
        raise NoRuleError(
            f"`{name}` has no derivative rule.", self.where(node),
            fix=f"Give it one with ag.defvjp({name}, lambda g, ans, x: ...), or use a "
                f"function astgrad knows (`python -m astgrad rules` lists them).")
