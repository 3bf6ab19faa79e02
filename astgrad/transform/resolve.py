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
import operator
import sys
import types

import numpy as np

from .. import runtime
from ..errors import NoRuleError, UnsupportedSyntaxError
from . import builtin_calls, dicts, imports, registry, scalar_math
from .lattice import Kind, of_value
from .naming import NUMPY, RUNTIME
from .opaque import is_library_function
from .fixes import per_element
from .scope import MISSING, UserScope, local_names, resolve_names
from .user_values import user_method

# Syntax this pass rewrites, so no later pass sees it (see `imports` and `dicts`).
LOWERED = (ast.Import, ast.ImportFrom, ast.Dict)

# What a name denotes is `scope`'s business; the passes know it from here.
__all__ = ["resolve", "Namespace", "UserScope", "MISSING", "local_names"]


class Namespace:
    """The names generated code reads that are not its own locals."""

    def __init__(self, user, taken=()):
        self.user = user                  # the user's scope, for names read live
        self.taken = set(taken)
        self.bound: dict[str, object] = {NUMPY: np, RUNTIME: runtime}
        self.live: dict[str, Kind] = {}   # read from the user's scope at run time
        self.sources: dict[str, tuple] = {}  # live name -> (scope, name there)
        self.opaque: dict[int, tuple] = {}   # id of a call with no rule -> (the call,
        #   (what, its name)): the call kept, so that a node made later with the id of one
        #   freed (a helper's tree read to be inlined) is not taken for it (`opaque.noted`)

    def bind(self, obj, preferred: str) -> str:
        for name, value in self.bound.items():
            if value is obj:
                return name
        name = preferred
        while name in self.bound or name in self.taken or name in self.live:
            name += "_"
        self.bound[name] = obj
        return name

    def read_live(self, name: str, scope, obj, where: str | None = None) -> str:
        """The name generated code uses to read `name` from `scope` when it runs."""
        if name in self.bound and self.bound[name] is not obj:
            raise UnsupportedSyntaxError(
                f"`{name}` names a value of yours and something astgrad's generated code "
                f"needs.", where, fix=f"Rename `{name}`.")
        emitted = name
        while emitted in self.sources and (self.sources[emitted][1] != name or self.sources[
                emitted][0].holder(name) is not scope.holder(name)):
            emitted += "_"          # another object's `self`, another closure's cell
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
            node = ast.Name(self.bind(operator, "operator"), ast.Load())
        elif root == "math" and rest:
            node = ast.Name(self.bind(math, "math"), ast.Load())
        elif rest == "" and getattr(builtins, root, None) is obj and root not in self.taken \
                and root not in self.live:
            return ast.Name(root, ast.Load())
        elif rest == "":
            return ast.Name(self.bind(obj, root), ast.Load())
        else:
            home, preferred, rest = _home(dotted, obj)
            node = ast.Name(self.bind(home, preferred), ast.Load())
        for part in filter(None, rest.split(".")):
            node = ast.Attribute(node, part, ast.Load())
        return node

    def is_primitive(self, obj) -> bool:
        """Does `obj` have derivative rules (rather than code of the user's to inline)?"""
        return registry.lookup(obj) is not None

    def value(self, node: ast.expr):
        """What a dotted name rooted here refers to, or MISSING."""
        cls = node.__class__
        if cls is ast.Name:
            found = self.bound.get(node.id, _UNBOUND)
            if found is not _UNBOUND:
                return found
            if node.id in self.taken or node.id in self.live:
                return MISSING
            return getattr(builtins, node.id, MISSING)
        if cls is ast.Attribute:
            base = self.value(node.value)
            return MISSING if base is MISSING else getattr(base, node.attr, MISSING)
        return MISSING


_UNBOUND = object()     # (`value`: a name not bound here)


def _home(dotted: str, obj):
    """(what to bind, its name, the rest) for a dotted name: `scipy.special.gammaln` is
    `special.gammaln`, the module bound as `special`, where that reaches `obj`."""
    parts = dotted.split(".")
    for i in range(len(parts) - 1, 0, -1):
        value = sys.modules.get(".".join(parts[:i]), MISSING)
        for part in parts[i:]:
            value = getattr(value, part, MISSING)
        if value is obj or isinstance(obj, types.MethodType) and value == obj:
            return sys.modules[".".join(parts[:i])], parts[i - 1], ".".join(parts[i:])
    return obj, parts[0], ""


def resolve(tree: ast.FunctionDef, scope: UserScope, where, ns: Namespace | None = None,
            locals_: set[str] | None = None, check: bool = True,
            dict_params=frozenset()) -> tuple[ast.FunctionDef, Namespace]:
    """Resolve every name in `tree`; `where(node)` gives a node's `file:line`.

    With `check`, every callee must have rules; `dict_params`: the parameters that
    hold dicts (a loop over one loops over its keys)."""
    locals_ = local_names(tree) if locals_ is None else locals_
    for name in (NUMPY, RUNTIME):
        if name in locals_:
            raise UnsupportedSyntaxError(
                f"a local variable named `{name}` would hide NumPy or astgrad's runtime "
                f"in the generated code.", where(tree), fix=f"Rename `{name}`.")
    ns = ns or Namespace(scope, locals_)
    imports.lift(tree, scope, where)           # `import numpy as np` inside the function

    def check_callee(obj, node):
        _check_callee(obj, node, where, ns.opaque)

    resolve_names(tree, scope, ns, locals_, where, check_callee if check else None)
    dicts.lower(tree, ns, where, dict_params)  # `{"a": x}`: rt.dict_of(("a",), [x])
    builtin_calls.lower(tree, ns)              # max(a, b, c): max(max(a, b), c)
    scalar_math.read_back(tree, ns)            # generated code's `math` spellings: NumPy's
    return tree, ns


def _check_callee(obj, node, where, opaque=None):
    """Every function the user's code calls has rules, or is the user's own (inlined);
    a call with neither is noted in `opaque`, and refused by `activity` only where a
    derivative would flow through it."""
    prim = registry.lookup(obj)
    if prim is not None and (prim.nondiff or prim.vjps or prim.jvps):
        return
    if isinstance(obj, type) and not isinstance(node, ast.Call):
        return                               # a class named, not called: `isinstance(v, C)`
    name = ast.unparse(node.func if isinstance(node, ast.Call) else node)
    if opaque is not None and isinstance(node, ast.Call) and per_element(obj):
        opaque[id(node)] = (node, ("per element", name))   # runs as is where nothing varies
        return
    if opaque is not None and isinstance(node, ast.Call) and is_library_function(obj) \
            and (prim is None or prim.refusal is None):
        registry.primitive(obj)              # a library's function: run as is, never inlined
        opaque[id(node)] = (node, ("call", name))
        return
    if prim is not None and prim.refusal is not None:
        raise NoRuleError(f"`{name}`: {prim.refusal[0]}", where(node), fix=prim.refusal[1])
    if prim is None and (isinstance(obj, types.FunctionType) or user_method(obj)):
        return                               # the user's own function or method: inlined
    if prim is not None:
        raise NoRuleError(
            f"`{name}` is marked ag.primitive but has no derivative rule.", where(node),
            fix=f"Give it one with ag.defvjp({name}, lambda g, ans, x: ...).")
    if opaque is not None and isinstance(node, ast.Call):
        opaque[id(node)] = (node, ("call", name))     # runs as is where nothing varies
        return
    raise NoRuleError(
        f"`{name}` has no derivative rule.", where(node),
        fix=f"Give it one with ag.defvjp({name}, lambda g, ans, x: ...), or use a "
            f"function astgrad knows (`python -m astgrad rules` lists them).")
