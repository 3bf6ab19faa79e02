"""Inlining of single-use temporaries: no name the compiler made up (in `temps`)
is left assigned once at the top of a block and read once by a later statement
of the same block, unless a statement in between may change in place something
its value reads, or the reader is a compound statement (`if`, `for`, `while`,
`def`), whose test or body may run more than once or not at all.

    before              after
    t1 = np.sin(x)      y = np.sin(x) * 2.0
    y = t1 * 2.0
"""
from __future__ import annotations

import ast

from .analyses import counts, mutated, names, pure, pure_statement, single_target, \
    substitute, top_blocks, top_defined

_COMPOUND = (ast.FunctionDef, ast.If, ast.For, ast.While)


def inline_once(fn: ast.FunctionDef, temps: set[str]) -> bool:
    """Inline the temporaries of `fn`, in order; True if one was inlined (run to a fixed
    point). Moving a value into its one reader leaves every count and set the analyses
    gave true of the other names, so one pass inlines many."""
    defs, uses = counts(fn)
    once = top_defined(fn) - mutated(fn)
    changed = False
    for block in top_blocks(fn):
        i = 0
        while i < len(block):
            stmt = block[i]
            name = single_target(stmt)
            reader = None
            if name in temps and defs.get(name) == 1 and uses.get(name) == 1 \
                    and pure(stmt.value) and all(r in once for r in names(stmt.value)
                                                 if defs.get(r, 0) > 0):
                reader = _reader(block[i + 1:], name)
            if reader is not None:
                del block[i]
                substitute(reader, name, stmt.value)
                changed = True
                continue
            i += 1
    return changed


def _reader(later: list[ast.stmt], name: str) -> ast.stmt | None:
    """The statement of `later` that reads `name`, if nothing before it has an effect
    and it is a simple statement."""
    for stmt in later:
        if name not in names(stmt):
            if not pure_statement(stmt):
                return None
            continue
        return None if isinstance(stmt, _COMPOUND) else stmt
    return None
