"""Copies inside loops and branches: `a = b` (or `a = literal`) in a nested block, where
`a` is bound by that statement alone and read only by the statements after it in the
same block, and `b` is bound again by none of them before the last reads `a`: those
reads read `b`, and the copy goes. A name assigned to itself goes too.

    before                                   after
    for k in reversed(range(n)):             for k in reversed(range(n)):
        b6 = bpenalty                            b3 = bpenalty * 2 * _3
        bpenalty = b6
        b5 = b6
        b3 = b5 * 2 * _3

(`bpenalty = b6` reads `bpenalty` itself once `b6` is propagated, and goes; then so does
`b5 = b6`). `copies.propagate_copies` does the same for the top blocks, on other terms
(names bound once there, read anywhere after). Neither name may be changed in place nor
share an array with one that is (`Survey.shown`), and no statement between the copy and
its last read may define a function (a `pullback` reads its names later, when called).
"""
from __future__ import annotations

import ast

from ..trees import walk
from .analyses import constant, single_target, substitute_each, survey, targets, \
    top_blocks, blocks


def propagate_block_copies(fn: ast.FunctionDef, known=None) -> bool:
    """Propagate the copies the module docstring describes in `fn`, in place; True if any
    (`known()`: the survey of `fn`, asked only if it has a loop or a branch)."""
    top = {id(block) for block in top_blocks(fn)}
    nested = [block for block in blocks(fn) if id(block) not in top]
    if not nested:
        return False
    known = known() if known is not None else survey(fn)
    defs, uses, changed = dict(known.defs), dict(known.uses), False
    for block in nested:
        i = 0
        while i < len(block):
            if _propagated(block, i, defs, uses, known.shown):
                del block[i]
                changed = True
            else:
                i += 1
    return changed


def _propagated(block: list, i: int, defs: dict, uses: dict, shown: set) -> bool:
    """Propagate `block[i]` if it is such a copy (the counts kept up to date)."""
    stmt = block[i]
    name = single_target(stmt)
    if name is None or name in shown:
        return False
    value = stmt.value
    if value.__class__ is ast.Name and value.id == name:          # `b = b`
        defs[name] -= 1
        uses[name] -= 1
        return True
    if defs.get(name) != 1 or not (value.__class__ is ast.Name and value.id not in shown
                                   or constant(value)[0]):
        return False
    _drop_copy_back(block, i, name, value, defs, uses)
    last = _last_read(block, i, name, uses.get(name, 0))
    if last is None or not _unbound_until(block, i, last, value):
        return False
    substitute_each(ast.Module(body=block[i + 1:last + 1], type_ignores=[]), {name: value})
    if value.__class__ is ast.Name:
        uses[value.id] = uses.get(value.id, 0) + uses.get(name, 0) - 1
    defs[name], uses[name] = 0, 0
    return True


def _drop_copy_back(block: list, i: int, name: str, value: ast.expr, defs: dict,
                    uses: dict) -> None:
    """`b = a` after `a = b` with nothing binding `b` between: it binds `b` to the value
    it has (the reverse sweep's `b6 = bpenalty; bpenalty = b6`), and goes."""
    if value.__class__ is not ast.Name:
        return
    for k in range(i + 1, len(block)):
        stmt = block[k]
        if single_target(stmt) == value.id and stmt.value.__class__ is ast.Name \
                and stmt.value.id == name:
            del block[k]
            defs[value.id] -= 1
            uses[name] -= 1
            return
        if any(n.__class__ is ast.Name and n.id == value.id and n.ctx.__class__ is ast.Store
               for n in walk(stmt)) or any(n.__class__ in _DEFINING for n in walk(stmt)):
            return


_DEFINING = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


def _last_read(block: list, i: int, name: str, reads: int) -> int | None:
    """The index of the last statement after `block[i]` reading `name`, if those
    statements hold all `reads` reads of it (and define no function); else None."""
    found, last = 0, None
    for j in range(i + 1, len(block)):
        here = 0
        for node in walk(block[j]):
            cls = node.__class__
            if cls in _DEFINING:
                return None
            if cls is ast.Name and node.id == name and node.ctx.__class__ is ast.Load:
                here += 1
        if here:
            found, last = found + here, j
            if found == reads:
                return last
    return None


def _unbound_until(block: list, i: int, last: int, value: ast.expr) -> bool:
    """Is the name `value` reads (if it is one) bound by no statement after `block[i]`
    before `block[last]`, nor in `block[last]` before it reads (a statement holding a
    block may bind it anywhere in it)?"""
    if value.__class__ is not ast.Name:
        return True
    source = value.id
    for stmt in block[i + 1:last + 1]:
        simple = stmt is block[last] and stmt.__class__ in (ast.Assign, ast.AugAssign,
                                                            ast.Expr, ast.Return)
        if simple:
            return True                  # its value is read before its targets are bound
        if source in targets(stmt) or any(
                n.__class__ is ast.Name and n.id == source and n.ctx.__class__ is ast.Store
                for n in walk(stmt)):
            return False
    return True
