"""Own gradients: no array a generated function returns is an argument, or a view of
one (`y`, `np.transpose(A)`), nor (from a pullback) a value its function kept, so a
caller writing into what it got back changes neither its own arrays nor what a second
call of the pullback reads: such an array is returned as a copy.

    before                                  after
    return (y, np.transpose(A))             return (np.copy(y), np.copy(np.transpose(A)))

An array is followed through the names holding it (see `aliasing.shared`): a sum or a
ufunc makes a new one, a subscript or a view does not.
"""
from __future__ import annotations

import ast

import numpy as np

from .aliasing import numpy_kind, shared
from ..trees import walk
from .analyses import Facts, single_target, top_blocks


def own_gradients(fn: ast.FunctionDef, facts: Facts) -> None:
    """Copy, in place, each returned array of `fn` that may be one of the caller's."""
    outer = {a.arg for a in fn.args.args + fn.args.kwonlyargs}
    pullbacks = [s for s in fn.body if isinstance(s, ast.FunctionDef)]
    kept = {t for s in fn.body for t in _bound(s)} | outer
    values = _values(fn)
    for block, given in [(fn.body, outer)] * (not pullbacks) + \
            [(p.body, kept | {a.arg for a in p.args.args}) for p in pullbacks]:
        ret = block[-1] if block else None
        if not isinstance(ret, ast.Return) or ret.value is None:
            continue
        for parent, field, index, item in list(_items(ret, "value")):
            if numpy_kind(facts.kind(item)) and _shares(item, given, values, facts, set()):
                copied = ast.Call(facts.ns.ref(np.copy), [item], [])
                if index is None:
                    setattr(parent, field, copied)
                else:
                    getattr(parent, field)[index] = copied


def _items(parent, field, index=None):
    """`(parent, field, index, item)` for each value a return gives, tuples opened."""
    node = getattr(parent, field) if index is None else getattr(parent, field)[index]
    if isinstance(node, ast.Tuple):
        for i in range(len(node.elts)):
            yield from _items(node, "elts", i)
    else:
        yield parent, field, index, node


def _bound(stmt) -> set[str]:
    return {n.id for n in walk(stmt) if isinstance(n, ast.Name)
            and isinstance(n.ctx, ast.Store)} if not isinstance(stmt, ast.FunctionDef) else set()


def _values(fn) -> dict[str, list]:
    """Each name's values: the value of each assignment to it (the last of a run of
    assignments at the top of a top block), or what a loop or an unpacking draws from."""
    out: dict[str, list] = {}
    for block in top_blocks(fn):
        for stmt in block:
            name = single_target(stmt)
            if name is not None:
                out[name] = [stmt.value]          # the last at the top wins
    at_top = {id(s) for block in top_blocks(fn) for s in block}
    for node in walk(fn):
        if isinstance(node, (ast.Assign, ast.For)):
            source = node.value if isinstance(node, ast.Assign) else node.iter
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target]):
                for n in ast.walk(target):
                    if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store) \
                            and not _at_top(node, n.id, at_top):
                        out.setdefault(n.id, []).append(source)
    return out


def _at_top(stmt, name, at_top: set[int]) -> bool:
    """Is `stmt` a `name = value` at the top of a top block (counted once, as the last)?
    (`at_top`: the ids of the statements at the top of a top block.)"""
    return single_target(stmt) == name and id(stmt) in at_top


def _shares(node, given: set[str], values: dict, facts: Facts, seen: set[str]) -> bool:
    """May the array `node` is be (part of) one named in `given`?"""
    for name in shared(node, facts):
        if name in given:
            return True
        if name not in seen:
            seen.add(name)
            if any(_shares(v, given, values, facts, seen) for v in values.get(name, ())):
                return True
    return False
