"""Small AST builders and queries the differentiating passes share.

A library, not a pass: each function makes or recognizes one small piece of
a normalized or generated tree (`load("x")`, `assign("bx", value)`,
`call(ns, "np.sum", [x])`, `is_append(call)`), so the passes read as what
they generate.
"""
from __future__ import annotations

import ast
import builtins
import types

import numpy as np

from .. import runtime
from . import registry
from .nodes import Comment
from .trees import statements, walk

_ROOTS = {"np": np, "rt": runtime}


# -- builders -----------------------------------------------------------------------------
def load(name: str) -> ast.Name:
    return ast.Name(name, ast.Load())


def assign(name: str, value: ast.expr) -> ast.Assign:
    return ast.Assign([ast.Name(name, ast.Store())], value)


def call(ns, dotted: str, args) -> ast.Call:
    """`np.sum(x)`, `rt.unbroadcast(g, x)`, `float(b)`: a call to a NumPy, runtime or
    builtin function, spelled as the namespace `ns` of the generated code names it."""
    root, _, rest = dotted.partition(".")
    obj = _ROOTS.get(root) or getattr(builtins, root)
    for part in filter(None, rest.split(".")):
        obj = getattr(obj, part)
    return ast.Call(ns.ref(obj), list(args), [])


def method(name: str, attr: str, args) -> ast.Call:
    """`name.attr(*args)`, e.g. `saved_h.append(h)` or `saved_h.pop()`."""
    return ast.Call(ast.Attribute(load(name), attr, ast.Load()), list(args), [])


def arguments(names) -> ast.arguments:
    """Positional parameters `names`, nothing else."""
    return ast.arguments(posonlyargs=[], args=[ast.arg(n) for n in names], vararg=None,
                         kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])


def plain_args(args: ast.arguments) -> ast.arguments:
    """The same parameters without defaults or annotations (the dispatcher applies defaults)."""
    strip = lambda a: ast.arg(a.arg)  # noqa: E731
    return ast.arguments(posonlyargs=[strip(a) for a in args.posonlyargs],
                         args=[strip(a) for a in args.args], vararg=None,
                         kwonlyargs=[strip(a) for a in args.kwonlyargs],
                         kw_defaults=[None] * len(args.kwonlyargs), kwarg=None, defaults=[])


def located(stmts: list[ast.stmt], origin: ast.AST) -> list[ast.stmt]:
    """`stmts`, each statement without a line number given `origin`'s."""
    for stmt in stmts:
        for node in statements(stmt):
            if not hasattr(node, "lineno"):
                ast.copy_location(node, origin)
    return stmts


def commented(stmts: list[ast.stmt], source, suffix: str) -> list[ast.stmt]:
    """`stmts` with a `# line N: <user's line>` comment before each run from one line."""
    out, last = [], None
    for stmt in stmts:
        if stmt.lineno != last:
            last = stmt.lineno
            out.append(Comment(f"line {last}{suffix}: {source.line_text(last)}"))
        out.append(stmt)
    return out


# -- queries ------------------------------------------------------------------------------
def reads(node: ast.AST) -> list[str]:
    """Every name `node` reads, in walk order, with repeats."""
    return [n.id for n in walk(node) if n.__class__ is ast.Name and n.ctx.__class__ is ast.Load]


def parameters(fn: ast.FunctionDef) -> list[str]:
    """The names of `fn`'s parameters: positional-only, then positional, then keyword-only."""
    args = fn.args
    return [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]


def made_once(fn: ast.FunctionDef) -> set[str]:
    """The names `fn` assigns exactly once, at its top level (outside every loop and
    branch): each holds one value from its assignment on."""
    stores: dict[str, int] = {}
    for node in walk(fn):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            stores[node.id] = stores.get(node.id, 0) + 1
    return {s.targets[0].id for s in fn.body if isinstance(s, ast.Assign)
            and isinstance(s.targets[0], ast.Name) and stores[s.targets[0].id] == 1}


def target_name(stmt: ast.stmt) -> str | None:
    """The variable an assignment writes: `x` in `x = ...` and in `x[i] = ...`."""
    if isinstance(stmt, ast.Assign):
        t = stmt.targets[0]
        if isinstance(t, ast.Name):
            return t.id
        if isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name):
            return t.value.id
    return None


def is_method_call(call: ast.Call, name: str) -> bool:
    """`x.name(...)` with `x` a plain name."""
    return isinstance(call.func, ast.Attribute) and call.func.attr == name \
        and isinstance(call.func.value, ast.Name)


def is_append(node: ast.expr) -> bool:
    """`xs.append(v)` with `xs` a plain name."""
    return isinstance(node, ast.Call) and is_method_call(node, "append")


def is_add_at(node: ast.expr, ns) -> bool:
    """`np.add.at(x, index, v)` with `x` a name."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
        and node.func.attr == "at" and ns.value(node.func.value) is np.add \
        and len(node.args) == 3 and isinstance(node.args[0], ast.Name)


def calls_user_function(node: ast.expr, ns) -> bool:
    """A call to one of the user's own functions (no derivative rule of its own)."""
    if not isinstance(node, ast.Call):
        return False
    fn = ns.value(node.func)
    return isinstance(fn, types.FunctionType) and registry.lookup(fn) is None
