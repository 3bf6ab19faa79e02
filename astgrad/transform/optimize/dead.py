"""Dead-code elimination: no `name = value` is left whose value nothing reads
afterwards (loops and branches included), unless computing `value` has an
effect (`stack.pop()`, `print(...)`).

    before              after
    y = x * 2           print(x)
    print(x)            return x
    return x
"""
from __future__ import annotations

import ast

from .. import saving
from .analyses import pure, single_target, top_blocks


def eliminate_dead(fn: ast.FunctionDef) -> bool:
    """Drop every dead assignment in `fn`; True if any was dropped."""
    changed = False
    for block in top_blocks(fn):
        live = saving.liveness(block, set())
        for parent in _walk_blocks(block):
            keep = [s for s in parent if not _dead(s, live)]
            if len(keep) != len(parent):
                parent[:] = keep
                changed = True
            changed |= _tidy_branches(parent)
    return changed


def _tidy_branches(block: list[ast.stmt]) -> bool:
    """`if c: pass` goes; `if c: pass else: body` becomes `if not c: body`."""
    changed = False
    for i in reversed(range(len(block))):
        stmt = block[i]
        if not isinstance(stmt, ast.If) or not all(isinstance(s, ast.Pass) for s in stmt.body):
            continue
        if not stmt.orelse and isinstance(stmt.test, ast.Name):
            del block[i]
        elif stmt.orelse:
            stmt.test = ast.UnaryOp(ast.Not(), stmt.test)
            stmt.body, stmt.orelse = stmt.orelse, []
        else:
            continue
        changed = True
    if not block:
        block.append(ast.Pass())
    return changed


def _dead(stmt, live: dict[int, set[str]]) -> bool:
    name = single_target(stmt)
    return name is not None and pure(stmt.value) and name not in live.get(id(stmt), ())


def _walk_blocks(block):
    """`block` and the statement lists nested in it, not entering a `def`."""
    yield block
    for stmt in block:
        if isinstance(stmt, ast.FunctionDef):
            continue
        for field in ("body", "orelse"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                yield from _walk_blocks(inner)
