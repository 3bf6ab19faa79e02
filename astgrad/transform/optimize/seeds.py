"""Scalar seeds: no name holds a number broadcast to an array's shape (the adjoint
of a sum or a mean, `np.broadcast_to(s, x.shape)`) when every read of it meets, in
`+ - * /`, an operand that has that shape already: the name holds the number.

    before                                   after
    b8 = np.broadcast_to(1.0, x.shape)       b8 = 1.0
    bx = b8 * np.cos(x)                      bx = b8 * np.cos(x)
    bx = bx + -(x * b8) * np.sin(x)          bx = bx + -(x * b8) * np.sin(x)

(copy propagation then writes `1.0` where `b8` is read, and the simplifier drops
`1.0 *`). A name returned, written into, bound twice or read anywhere else keeps its
array. In a loop too: the operand a read meets has the broadcast's shape as the two
meet, whichever pass of the loop made either (two arrays of one ndim with no axis of
length 1, or values of one shape class, which `facts.shapes` has only for names
bound once).
"""
from __future__ import annotations

import ast

import numpy as np

from ..trees import statements, walk
from .analyses import Facts, Survey, blocks, names, single_target, survey
from .broadcasts import meets_shape

_ARITHMETIC = (ast.Add, ast.Sub, ast.Mult, ast.Div)


def scalar_seeds(fn: ast.FunctionDef, facts: Facts, known: Survey | None = None) -> bool:
    """Make every such broadcast its number in `fn`; True if any changed. `known`: the
    survey of `fn`, if one was made since it last changed."""
    known = known or survey(fn)
    defs, uses = known.defs, known.uses
    changed, sums = False, None
    for block in blocks(fn):     # in a loop too: a read meets the shape when it is made
        for stmt in block:
            name = single_target(stmt)
            if name is None or defs.get(name) != 1 or name in facts.mutated \
                    or not uses.get(name):
                continue
            if not _broadcast_number(stmt.value, facts):
                continue
            if sums is None:             # the tree's arithmetic (a count: in any order)
                sums = _arithmetic(fn)
                scaled = _scaled_copies(fn, facts, known)
            if _all_met(sums, scaled, name, stmt.value, facts, uses, fn):
                gone = {id(node) for node in walk(stmt.value.args[1])}    # the shape's
                stmt.value = stmt.value.args[0]
                changed, sums = True, [node for node in sums if id(node) not in gone]
    return changed


def _all_met(sums, scaled: dict, name: str, broadcast, facts: Facts, uses: dict, fn,
             depth: int = 0) -> bool:
    """Does every read of `name` meet the shape `broadcast` makes (`_met_by_shape`), or
    make a name holding it times numbers (`b5 = 100.0 * b10`) whose reads all do?"""
    copies = scaled.get(name, [])
    if depth > 8 or any(c == name for c in copies):
        return False
    met = _met_by_shape(sums, name, broadcast, facts, {name})
    if met + len(copies) != uses.get(name, 0) or \
            _met_by_shape(sums, name, broadcast, facts, _derived(fn, name)) != met:
        return False
    return all(_all_met(sums, scaled, c, broadcast, facts, uses, fn, depth + 1) for c in copies)


def _scaled_copies(fn, facts: Facts, known: Survey) -> dict[str, list[str]]:
    """name -> the names bound once, never changed in place, to it times or over numbers."""
    out: dict[str, list[str]] = {}
    for stmt in statements(fn):
        target = single_target(stmt)
        if target is None or known.defs.get(target) != 1 or target in facts.mutated:
            continue
        read = _scaled_name(stmt.value, facts)
        if read is not None:
            out.setdefault(read, []).append(target)
    return out


def _scaled_name(node, facts: Facts) -> str | None:
    """`b` if `node` is `b` times, over or negated by numbers (`-(2.0 * b) / n`)."""
    while True:
        if node.__class__ is ast.Name:
            return node.id
        if node.__class__ is ast.UnaryOp and isinstance(node.op, ast.USub):
            node = node.operand
        elif node.__class__ is ast.BinOp and isinstance(node.op, ast.Mult) \
                and facts.kind(node.left).ndim == 0 and node.right.__class__ is not ast.Constant:
            node = node.right
        elif node.__class__ is ast.BinOp and isinstance(node.op, (ast.Mult, ast.Div)) \
                and facts.kind(node.right).ndim == 0:
            node = node.left
        else:
            return None


def _broadcast_number(value, facts: Facts) -> bool:
    """Is `value` `np.broadcast_to(s, shape)` of a 0-d `s`?"""
    return isinstance(value, ast.Call) and facts.ns.value(value.func) is np.broadcast_to \
        and len(value.args) == 2 and not value.keywords and facts.kind(value.args[0]).ndim == 0


def _arithmetic(fn) -> list[ast.BinOp]:
    """Every `+ - * /` in `fn`, in walk order."""
    return [node for node in walk(fn)
            if node.__class__ is ast.BinOp and isinstance(node.op, _ARITHMETIC)]


def _met_by_shape(sums: list[ast.BinOp], name: str, broadcast: ast.Call, facts: Facts,
                  derived: set[str]) -> int:
    """How many reads of `name` are an operand of one of `sums` (`+ - * /`), alone or
    times numbers (`b * 2` in `b * 2 * x`, `_scaled_name`), whose other operand is known
    to have the shape `broadcast` makes, and reads no value made from `name` (`b + b`,
    `b + 2 * b` have that shape only through `name` itself)."""
    met = 0
    for node in sums:
        for side, other in ((node.left, node.right), (node.right, node.left)):
            if _scaled_name(side, facts) == name and meets_shape(broadcast, other, facts) \
                    and not any(n.__class__ is ast.Name and n.id in derived
                                for n in walk(other)):
                met += 1
    return met


def _derived(fn: ast.FunctionDef, name: str) -> set[str]:
    """`name` and the names whose values are made from it, in `fn`."""
    made = []                            # (target, the names its value mentions), walk order
    for node in statements(fn):
        target = single_target(node)
        if target is not None:
            made.append((target, names(node.value)))
    out, grew = {name}, True
    while grew:
        grew = False
        for target, read in made:
            if target not in out and not read.isdisjoint(out):
                out.add(target)
                grew = True
    return out
