"""The analyses the rewrites read: constants, definitions and uses, statement
blocks, names assigned once, names changed in place, effects, and the
simplifier's `Facts`. Each is recomputed by the rewrite that needs it, right
before it rewrites, so none can be stale.
"""
from __future__ import annotations

import ast
import copy
from dataclasses import dataclass

from ..kinds import Kind, expr_kind, from_live, infer
from ..nodes import Comment
from ..resolve import Namespace

# Calls that change something or are read for their effect: never dropped, never moved.
EFFECTS = {"pop", "append", "check_scalar", "check_seed", "print", "at"}


# -- constants ------------------------------------------------------------------------------
def constant(node) -> tuple[bool, object]:
    """`(True, value)` if `node` is a literal (a negated number, a tuple of literals)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, complex, bool,
                                                                  type(None), str)):
        return True, node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        ok, v = constant(node.operand)
        if ok and isinstance(v, (int, float)) and not isinstance(v, bool):
            return True, -v
    if isinstance(node, ast.Tuple):
        parts = [constant(e) for e in node.elts]
        if all(ok for ok, _ in parts):
            return True, tuple(v for _, v in parts)
    return False, None


def number(value) -> ast.expr:
    """The literal for `value`, a negative number written `-v` as Python parses it."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
        return ast.UnaryOp(ast.USub(), ast.Constant(-value))
    return ast.Constant(value)


def is_number(node, value) -> bool:
    """Is `node` the int or float literal `value` (not a bool)?"""
    ok, v = constant(node)
    return ok and type(v) in (int, float) and v == value


# -- names ----------------------------------------------------------------------------------
def counts(fn) -> tuple[dict[str, int], dict[str, int]]:
    """How often each name is defined (arguments included) and read in `fn`."""
    defs, uses = {}, {}
    for node in ast.walk(fn):
        if isinstance(node, ast.Name):
            table = uses if isinstance(node.ctx, ast.Load) else defs
            table[node.id] = table.get(node.id, 0) + 1
        elif isinstance(node, ast.arg):
            defs[node.arg] = defs.get(node.arg, 0) + 1
    return defs, uses


def names(node) -> set[str]:
    """Every name `node` mentions, read or written."""
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def targets(stmt) -> list[str]:
    """The names `stmt` itself binds (an assignment's or a `for` loop's targets)."""
    if isinstance(stmt, ast.Assign):
        return [n.id for t in stmt.targets for n in ast.walk(t)
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)]
    if isinstance(stmt, (ast.For, ast.AugAssign)):
        return [n.id for n in ast.walk(stmt.target) if isinstance(n, ast.Name)
                and isinstance(n.ctx, ast.Store)]
    return []


def single_target(stmt) -> str | None:
    """`name` if `stmt` is `name = value`."""
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 \
            and isinstance(stmt.targets[0], ast.Name):
        return stmt.targets[0].id
    return None


def substitute(tree, name: str, value: ast.expr) -> None:
    """Every read of `name` in `tree` becomes a copy of `value`."""
    _Substitute(name, value).visit(tree)


class _Substitute(ast.NodeTransformer):
    def __init__(self, name, value):
        self.name, self.value = name, value

    def visit_Name(self, node):
        if node.id == self.name and isinstance(node.ctx, ast.Load):
            return ast.copy_location(copy.deepcopy(self.value), node)
        return node


# -- blocks ---------------------------------------------------------------------------------
def blocks(fn) -> list[list[ast.stmt]]:
    """Every statement list in `fn`, the function's own body first."""
    out = []
    for node in ast.walk(fn):
        for field in ("body", "orelse"):
            block = getattr(node, field, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                out.append(block)
    return out


def top_blocks(fn) -> list[list[ast.stmt]]:
    """The function's body, and the body of a `pullback` defined in it."""
    return [fn.body] + [s.body for s in fn.body if isinstance(s, ast.FunctionDef)]


def top_defined(fn) -> set[str]:
    """Names assigned only by statements at the top of a top block: each runs once."""
    top = {id(s) for block in top_blocks(fn) for s in block}
    out, elsewhere = set(), set()
    for node in ast.walk(fn):
        if isinstance(node, ast.stmt):
            for target in targets(node):
                (out if id(node) in top else elsewhere).add(target)
    args = {a.arg for a in ast.walk(fn) if isinstance(a, ast.arg)}
    return (out | args) - elsewhere


# -- effects --------------------------------------------------------------------------------
def mutated(fn) -> set[str]:
    """Names whose object is changed in place (`x[i] = v`, `x[i] += v`, `xs.append(v)`)."""
    out = set()
    for node in ast.walk(fn):
        stores = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, ast.AugAssign) else []
        for t in stores:
            if isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name):
                out.add(t.value.id)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in EFFECTS and isinstance(node.func.value, ast.Name):
            out.add(node.func.value.id)
        if isinstance(node, ast.Call) and _name_of(node.func) == "at" and node.args \
                and isinstance(node.args[0], ast.Name):
            out.add(node.args[0].id)
    return out


def _name_of(func):
    return func.attr if isinstance(func, ast.Attribute) else \
        func.id if isinstance(func, ast.Name) else None


def pure(value) -> bool:
    """Does evaluating `value` call nothing in `EFFECTS`?"""
    return not any(isinstance(node, ast.Call) and _name_of(node.func) in EFFECTS
                   for node in ast.walk(value))


def pure_statement(stmt) -> bool:
    """Does `stmt` only bind names (no in-place change, no effect)?"""
    if isinstance(stmt, ast.Assign):
        return all(isinstance(t, ast.Name) for t in stmt.targets) and pure(stmt.value)
    return isinstance(stmt, Comment)


# -- what the simplifier knows ----------------------------------------------------------------
@dataclass(frozen=True)
class Facts:
    """What holds for the values of one generated function while it is simplified.

    `kinds`: every name's kind wherever it is read; `shapes`: a forward name to an
    earlier one of the same shape; `once`: names assigned once, at the top of a top
    block (never None when read); `mutated`: names changed in place; `live`: names
    made from a value read live, whose lengths of 1 are not known (`kinds.from_live`)."""

    ns: Namespace
    kinds: dict[str, Kind]
    shapes: dict[str, str]
    once: set[str]
    mutated: set[str]
    live: set[str] = frozenset()

    def kind(self, node) -> Kind:
        return expr_kind(node, self.kinds, self.ns)

    def floating(self, node) -> bool:
        return self.kind(node).dtype in ("f", "c")

    def earlier(self, node) -> ast.Name | None:
        """An earlier name with `node`'s shape, if `node` is a name that has one."""
        if isinstance(node, ast.Name) and self.shapes.get(node.id, node.id) != node.id:
            return ast.Name(self.shapes[node.id], ast.Load())
        return None


def facts(fn, ns: Namespace, kinds: dict[str, Kind], shapes: dict[str, str]) -> Facts:
    """The `Facts` of `fn` as it is now; `kinds` are the forward values' kinds."""
    return Facts(ns, _kinds(fn, ns, kinds), shapes, top_defined(fn), mutated(fn),
                 from_live(fn.body, ns))


def _kinds(fn, ns, kinds) -> dict[str, Kind]:
    """Kinds true wherever a name is read: an adjoint assigned twice gets what both share."""
    env = infer(fn.body, kinds, ns, fixed=set(kinds), join_all=True)
    for inner in fn.body:
        if isinstance(inner, ast.FunctionDef):
            env = infer(inner.body, env, ns, fixed=set(kinds), join_all=True)
    return env
