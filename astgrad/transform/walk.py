"""`walk(node)`: the nodes of a tree in `ast.walk`'s order (breadth first, fields in
order), as a list, without the expression contexts (`Load`, `Store`), which hold no
names. The passes walk small trees very often; this is a few times faster.
"""
from __future__ import annotations

import ast

_FIELDS: dict[type, tuple[str, ...]] = {}


def fields(node: ast.AST) -> tuple[str, ...]:
    """The fields of `node` that may hold nodes, in order (its context left out)."""
    out = _FIELDS.get(node.__class__)
    if out is None:
        out = _FIELDS[node.__class__] = tuple(f for f in node._fields if f != "ctx")
    return out


def walk(node: ast.AST) -> list[ast.AST]:
    """`node` and every node under it, as `ast.walk` gives them, contexts left out.

    The list is made before it is returned: a caller that changes the tree while
    looping over it sees the tree as it was."""
    out, AST = [node], ast.AST
    append = out.append
    for item in out:                      # the list grows as it is read: breadth first
        fields = _FIELDS.get(item.__class__)
        if fields is None:
            fields = _FIELDS[item.__class__] = tuple(f for f in item._fields if f != "ctx")
        for field in fields:
            value = getattr(item, field, None)
            if value.__class__ is list:
                for part in value:
                    if isinstance(part, AST):
                        append(part)
            elif isinstance(value, AST):
                append(value)
    return out


def parents_of(node: ast.AST) -> dict[int, ast.AST]:
    """The parent of every node under `node` (contexts left out), by the child's `id`."""
    out, AST = {}, ast.AST
    for item in walk(node):
        for field in fields(item):
            value = getattr(item, field, None)
            if value.__class__ is list:
                for part in value:
                    if isinstance(part, AST):
                        out[id(part)] = item
            elif isinstance(value, AST):
                out[id(value)] = item
    return out
