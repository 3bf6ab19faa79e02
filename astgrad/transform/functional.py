"""`map`, `functools.reduce` and `math.prod` written as nested functions with a loop (part of the
syntax pass, run before `hoist`), so that the function they apply, a lambda, a nested
`def`, the user's own or a NumPy function, is inlined where it is called like any other.

Output guarantees:
* `map(f, xs, ...)`, where `map` is the builtin, becomes `mapped(f, xs, ...)` with, just
  before the statement, `def mapped(f, xs, ...)` building and returning the list of
  `f(x, ...)` over `zip(xs, ...)` (a list where Python gives an iterator: every use of
  the result that loops over it, `list`, `sum`, `np.array`, `for`, sees the same items);
* `functools.reduce(f, xs)` (also spelled `reduce(...)` after `from functools import
  reduce`) becomes `reduced(f, xs)`, `def reduced(f, xs)` starting from `xs[0]` and
  folding in `xs[1:]`; with an initial value, from it over all of `xs`;
* `math.prod(xs)` (`start=s` too) becomes `product(xs, s)`, `def product(xs, acc)`
  multiplying the items in from the left as `math.prod` does (so the value is its value
  to the last bit, and a zero item gives the others' product as its derivative);
* every other call, and a function with neither, is left exactly as it was.
"""
from __future__ import annotations

import ast
import builtins
import functools
import math
from typing import Callable

from .trees import walk


def rewrite(tree: ast.FunctionDef, fn, fresh: Callable[[str], str]) -> ast.FunctionDef:
    """Rewrite `tree`'s (and its nested defs') calls of `map`, `functools.reduce` and
    `math.prod` in
    place, `fn` the function `tree` is the source of (its globals say what names mean)."""
    nodes = walk(tree)
    local = {n.id for n in nodes if isinstance(n, ast.Name)
             and isinstance(n.ctx, ast.Store)} | {a.arg for a in nodes if isinstance(a, ast.arg)}
    calls = [n for n in nodes if isinstance(n, ast.Call)
             and _meaning(n.func, fn, local) in _REWRITTEN]
    if calls:
        _Writer(fn, local, fresh).block(tree.body)
    return tree


def _meaning(node: ast.expr, fn, local: set[str]):
    """What a name or a dotted name means in `fn`'s module, or None (a local name, or
    one that cannot be looked up without running code)."""
    if isinstance(node, ast.Attribute):
        base = _meaning(node.value, fn, local)
        return getattr(base, node.attr, None) if base is not None else None
    if not isinstance(node, ast.Name) or node.id in local:
        return None
    code = getattr(fn, "__code__", None)
    if code is not None and node.id in code.co_freevars:
        cell = fn.__closure__[code.co_freevars.index(node.id)]
        try:
            return cell.cell_contents
        except ValueError:                      # a cell not filled yet
            return None
    scope = getattr(fn, "__globals__", {})
    return scope[node.id] if node.id in scope else getattr(builtins, node.id, None)


class _Writer:
    def __init__(self, fn, local, fresh):
        self.fn, self.local, self.fresh = fn, local, fresh

    def block(self, stmts: list[ast.stmt]) -> None:
        i = 0
        while i < len(stmts):
            stmt = stmts[i]
            for field in ("body", "orelse"):
                inner = getattr(stmt, field, None)
                if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                    self.block(inner)
            defs: list[ast.stmt] = []
            for node in _own_calls(stmt):
                made = self._call(node, stmt)
                if made is not None:
                    defs.append(made)
            stmts[i:i] = defs
            i += len(defs) + 1

    def _call(self, call: ast.Call, stmt: ast.stmt) -> ast.FunctionDef | None:
        what = _meaning(call.func, self.fn, self.local)
        if what is math.prod:
            return self._product(call, stmt)
        if what not in (builtins.map, functools.reduce) or call.keywords \
                or any(isinstance(a, ast.Starred) for a in call.args) or len(call.args) < 2:
            return None
        if what is builtins.map:
            name, text = self.fresh("mapped"), _map_text(len(call.args) - 1)
        elif len(call.args) <= 3:
            name, text = self.fresh("reduced"), _REDUCE_TEXT[len(call.args)]
        else:
            return None
        return self._define(call, stmt, name, text)

    def _product(self, call: ast.Call, stmt: ast.stmt) -> ast.FunctionDef | None:
        """`math.prod(xs, start=s)`: `product(xs, s)` (see the module docstring)."""
        start = [k.value for k in call.keywords if k.arg == "start"]
        if len(call.args) != 1 or isinstance(call.args[0], ast.Starred) \
                or len(start) != len(call.keywords):
            return None                         # as Python would, refused by resolve
        call.args.append(start[0] if start else ast.Constant(1))
        call.keywords = []
        return self._define(call, stmt, self.fresh("product"), _PRODUCT_TEXT)

    @staticmethod
    def _define(call: ast.Call, stmt: ast.stmt, name: str, text: str) -> ast.FunctionDef:
        made = ast.parse(text.format(name=name)).body[0]
        for node in ast.walk(made):
            if hasattr(node, "lineno"):
                ast.copy_location(node, stmt)
        call.func = ast.copy_location(ast.Name(name, ast.Load()), call.func)
        return made


def _own_calls(stmt: ast.stmt) -> list[ast.Call]:
    """The calls in `stmt` outside its blocks and nested defs, innermost first (so that
    `reduce(f, map(g, xs))` defines `mapped` before `reduced`)."""
    found: list[ast.Call] = []

    def visit(node):
        for field, value in ast.iter_fields(node):
            if field in ("body", "orelse", "decorator_list") and isinstance(node, ast.stmt):
                continue
            for child in value if isinstance(value, list) else [value]:
                if isinstance(child, ast.AST) and not isinstance(child, ast.Lambda):
                    visit(child)
        if isinstance(node, ast.Call):
            found.append(node)
    visit(stmt)
    return found


def _map_text(n: int) -> str:
    seqs = ", ".join(f"xs{i}" if n > 1 else "xs" for i in range(n))
    items = ", ".join(f"x{i}" if n > 1 else "x" for i in range(n))
    loop = f"zip({seqs})" if n > 1 else "xs"
    return (f"def {{name}}(f, {seqs}):\n    out = []\n    for {items} in {loop}:\n"
            f"        out.append(f({items}))\n    return out\n")


_REWRITTEN = (builtins.map, functools.reduce, math.prod)
_PRODUCT_TEXT = "def {name}(xs, acc):\n    for x in xs:\n        acc = acc * x\n    return acc\n"
_REDUCE_TEXT = {
    2: "def {name}(f, xs):\n    acc = xs[0]\n    for x in xs[1:]:\n        acc = f(acc, x)\n"
       "    return acc\n",
    3: "def {name}(f, xs, acc):\n    for x in xs:\n        acc = f(acc, x)\n    return acc\n",
}
