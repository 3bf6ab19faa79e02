"""Known zeros: no `b = b + e` is left where `b` is surely still the `0` (or
`0.0`) it was last assigned, on every path (loops and branches included).

    before              after
    b = 0.0             b = 0.0
    b = b + g           b = g

(dead-code elimination then drops `b = 0.0`).
"""
from __future__ import annotations

import ast

from ..nodes import Comment
from .analyses import is_number, names, single_target, targets, top_blocks

# Statements that run straight through: their only effect on zeros is what they assign.
_STRAIGHT = (ast.Assign, ast.AugAssign, ast.Expr, ast.Pass, ast.Assert, ast.Return,
             ast.Break, ast.Continue, Comment, ast.Raise)


def known_zeros(fn: ast.FunctionDef) -> bool:
    """Rewrite every addition to a known zero in `fn`; True if any changed."""
    flow = _ZeroFlow()
    for block in top_blocks(fn):
        flow.block(block, set(), rewrite=True)
    return flow.changed


class _ZeroFlow:
    """A forward must-analysis: the names surely zero before each statement."""

    def __init__(self):
        self.changed = False

    def block(self, stmts, zeros: set[str], rewrite: bool) -> set[str]:
        """The names surely zero after `stmts`; rewrites additions if `rewrite`."""
        for stmt in stmts:
            if isinstance(stmt, ast.If):
                zeros = self.block(stmt.body, set(zeros), rewrite) & \
                    self.block(stmt.orelse, set(zeros), rewrite)
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
        head = set(zeros)
        for _ in range(20):
            after = self.block(stmt.body, set(head), False)
            if head <= after:
                break
            head &= after
        self.block(stmt.body, set(head), rewrite)
        return head - set(targets(stmt))

    def _statement(self, stmt, zeros, rewrite):
        name = single_target(stmt)
        value = getattr(stmt, "value", None)
        if rewrite and name in zeros and isinstance(value, ast.BinOp) \
                and isinstance(value.op, ast.Add) and isinstance(value.left, ast.Name) \
                and value.left.id == name and name not in names(value.right):
            stmt.value = value.right
            self.changed = True
        zeros = zeros - set(targets(stmt))
        if name is not None and is_number(stmt.value, 0) and isinstance(stmt.value, ast.Constant):
            zeros.add(name)
        return zeros
