"""Cut in two by slices: the adjoint of `np.concatenate((a, b), axis)` split without a call.

`rt.split_like(g, (a, b), axis)` returns the two views of `g` either side of `a`'s length
along `axis`; where its result is only read by those two items, in the statements of its
block after it, and `g` is not changed before they are, the two slices are written where
they are read, about the length that is all the call needed `a` for:

    before                                  after
    _22 = rt.split_like(g, (_7, _9), 1)     _22 = np.shape(_7)[1]
    b7 = _22[0]                             b7 = g[:, :_22]
    b9 = _22[1]                             b9 = g[:, _22:]

(copy propagation and dead-code elimination do the rest). The axis must be a literal
that is not negative (a negative one needs `g`'s number of dimensions), and there must
be two pieces: more would need a running sum of lengths, a call's worth of code.
"""
from __future__ import annotations

import ast

from ... import runtime
from ..build import call, load
from ..trees import walk
from .analyses import Survey, blocks, single_target, targets


def cut_splits(fn: ast.FunctionDef, ns, known: Survey) -> bool:
    """Write every such split in `fn` as two slices; True if any was."""
    changed = False
    for block in blocks(fn):
        for k, stmt in enumerate(block):
            split = _split(stmt, ns, known)
            if split is None:
                continue
            name, g, first, axis = split
            reads = _items_read(block[k + 1:], name, g.id)
            if reads is None or len(reads) != known.uses.get(name, 0):
                continue
            stmt.value = ast.Subscript(call(ns, "np.shape", [first]), ast.Constant(axis),
                                       ast.Load())
            for read in reads:
                cut = ast.Slice(None, load(name)) if read.slice.value == 0 \
                    else ast.Slice(load(name), None)
                index = ast.Tuple([ast.Slice() for _ in range(axis)] + [cut], ast.Load()) if axis else cut
                read.value, read.slice = load(g.id), index
            changed = True
    return changed


def _split(stmt, ns, known: Survey):
    """(name, g, first piece, axis) of `name = rt.split_like(g, (a, b), axis)`, with `name`
    bound only here and `g` a name nothing changes in place; else None."""
    name = single_target(stmt)
    value = stmt.value if name is not None else None
    if not (isinstance(value, ast.Call) and ns.value(value.func) is runtime.split_like
            and not value.keywords and len(value.args) in (2, 3)
            and known.defs.get(name) == 1 and name not in known.mutated):
        return None
    g, pieces = value.args[:2]
    axis = value.args[2] if len(value.args) == 3 else ast.Constant(0)
    if not (isinstance(g, ast.Name) and g.id not in known.mutated
            and isinstance(pieces, (ast.Tuple, ast.List)) and len(pieces.elts) == 2
            and isinstance(pieces.elts[0], ast.Name)
            and isinstance(axis, ast.Constant) and type(axis.value) is int and axis.value >= 0):
        return None
    return name, g, pieces.elts[0], axis.value


def _items_read(stmts, name: str, g: str) -> list[ast.Subscript] | None:
    """The reads `name[0]` and `name[1]` in `stmts` up to the first that binds `g` or
    `name` again (a plain assignment reads them before it binds); None where one is read
    inside a block that may bind `g` or `name` before it."""
    found: list[ast.Subscript] = []
    for stmt in stmts:
        items = [n for n in walk(stmt) if isinstance(n, ast.Subscript)
                 and isinstance(n.value, ast.Name) and n.value.id == name
                 and isinstance(n.ctx, ast.Load) and isinstance(n.slice, ast.Constant)
                 and type(n.slice.value) is int and n.slice.value in (0, 1)]
        compound = isinstance(stmt, (ast.If, ast.For, ast.While, ast.FunctionDef))
        bound = {n for s in walk(stmt) if isinstance(s, ast.stmt) for n in targets(s)} \
            if compound else set(targets(stmt))
        if bound & {name, g}:
            return None if compound and items else found + items
        found += items
    return found
