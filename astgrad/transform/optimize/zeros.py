"""Known zeros: no `b = b + e` (or `b = b - e`) is left where `b` is surely still the
`0` (or `0.0`) it was last assigned, on every path (loops and branches included);
where it is surely another number literal `c`, the sum reads `c` instead of `b`.

    before              after
    b = 0.0             b = 0.0
    b = b + g           b = g
    b = 3.0             b = 3.0
    b = b + 3.0         b = 3.0 + 3.0

(dead-code elimination then drops `b = 0.0`, the simplifier folds `3.0 + 3.0`).
"""
from __future__ import annotations

import ast
import copy

from ..nodes import Comment
from .analyses import constant, is_number, names, single_target, targets, top_blocks

# Statements that run straight through: their only effect on zeros is what they assign.
_STRAIGHT = (ast.Assign, ast.AugAssign, ast.Expr, ast.Pass, ast.Assert, ast.Return,
             ast.Break, ast.Continue, Comment, ast.Raise)


def known_zeros(fn: ast.FunctionDef) -> bool:
    """Rewrite every sum with a known number in `fn`; True if any changed."""
    flow = _ZeroFlow()
    for block in top_blocks(fn):
        flow.block(block, {}, rewrite=True)
    return flow.changed


class _ZeroFlow:
    """A forward must-analysis: the names surely holding a number literal before each
    statement, with the literal (`zeros` maps each to its value)."""

    def __init__(self):
        self.changed = False

    def block(self, stmts, zeros: dict, rewrite: bool) -> dict:
        """The names surely holding a literal after `stmts`; rewrites additions if
        `rewrite`."""
        for stmt in stmts:
            if isinstance(stmt, ast.If):
                zeros = _meet(self.block(stmt.body, dict(zeros), rewrite),
                              self.block(stmt.orelse, dict(zeros), rewrite))
            elif isinstance(stmt, (ast.For, ast.While)):
                zeros = self._loop(stmt, zeros, rewrite)
            elif isinstance(stmt, ast.FunctionDef):
                continue                   # a top block of its own
            elif isinstance(stmt, _STRAIGHT):
                zeros = self._statement(stmt, zeros, rewrite)
            else:
                raise AssertionError(f"known_zeros: no rule for `{type(stmt).__name__}`")
        return zeros

    def _loop(self, stmt, zeros, rewrite):
        head = dict(zeros)
        for _ in range(20):
            after = _meet(head, self.block(stmt.body, dict(head), False))
            if after == head:
                break
            head = after
        self.block(stmt.body, dict(head), rewrite)
        return {k: v for k, v in head.items() if k not in targets(stmt)}

    def _statement(self, stmt, zeros, rewrite):
        name = single_target(stmt)
        value = getattr(stmt, "value", None)
        if rewrite and name in zeros and isinstance(value, ast.BinOp) \
                and isinstance(value.op, (ast.Add, ast.Sub)) and isinstance(value.left, ast.Name) \
                and value.left.id == name and name not in names(value.right):
            literal, added = zeros[name][1], isinstance(value.op, ast.Add)
            stmt.value = (value.right if added else _negative(value.right)) \
                if is_number(literal, 0) else ast.BinOp(copy.deepcopy(literal), value.op,
                                                        value.right)
            self.changed = True
        zeros = {k: v for k, v in zeros.items() if k not in targets(stmt)}
        if name is not None and _literal(stmt.value):
            zeros[name] = (repr(stmt.value.value) if isinstance(stmt.value, ast.Constant)
                           else ast.dump(stmt.value), stmt.value)
        return zeros


def _negative(node) -> ast.expr:
    """`-e`, the sign on the first factor of a product (`-a * b`, exact as `-(a * b)`)."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Div)):
        return ast.BinOp(_negative(node.left), node.op, node.right)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return node.operand
    return ast.UnaryOp(ast.USub(), node)


def _literal(node) -> bool:
    """A number literal (`-2.0` too), not a bool."""
    ok, value = constant(node)
    return ok and type(value) in (int, float, complex)


def _meet(a: dict, b: dict) -> dict:
    """What surely holds on both paths: the same literal, spelt the same."""
    return {k: v for k, v in a.items() if k in b and b[k][0] == v[0]}
