"""The kinds of assigned values, kept across the optimizer's rounds: a value no rewrite
has changed, over names whose kinds are the ones it was worked out over, has the kind it
had, so `kinds.infer` need not work it out again (it takes most of the time of the
inference each round makes of the whole function, where most values stay as they were).

A value is the same where every node of it has the fields it had (each node's own
`__dict__`, and the items of each list in it): a rewrite changes a value only by giving
one of its nodes other fields or other items.
"""
from __future__ import annotations

import ast

from ..kinds import Kind, expr_kind
from ..trees import walk

_NONE = object()       # (a name with no kind in the environment)


class ValueKinds:
    """`expr_kind` for `kinds.infer`'s assigned values (`infer(..., values=...)`), each
    value's kind kept with what it was worked out from, for the rounds of one function."""

    def __init__(self):
        self._kept: dict[int, tuple] = {}    # id(value) -> (value, its nodes, lists, reads, kind)

    def __call__(self, value: ast.expr, env: dict, ns) -> Kind:
        found = self._kept.get(id(value))
        if found is not None and _same_reads(found[3], env) and _same_nodes(found[1], found[2]):
            return found[4]
        kind = expr_kind(value, env, ns)
        nodes, lists, names = [], [], set()
        for node in walk(value):
            fields = node.__dict__
            nodes.append((node, fields.copy()))
            for part in fields.values():
                if part.__class__ is list:
                    lists.append((part, part[:]))
            if node.__class__ is ast.Name:
                names.add(node.id)
        reads = tuple((name, env.get(name, _NONE)) for name in names)
        self._kept[id(value)] = (value, nodes, lists, reads, kind)   # (the value kept alive:
        return kind                                                # its id stays its)


def _same_reads(reads: tuple, env: dict) -> bool:
    """Does `env` give each name the kind it gave (or none, as it did)?"""
    for name, kind in reads:
        now = env.get(name, _NONE)
        if now is not kind and now != kind:
            return False
    return True


def _same_nodes(nodes: list, lists: list) -> bool:
    """Has every node the fields it had, and every list in them the items it had?"""
    try:
        for node, fields in nodes:
            if node.__dict__ != fields:
                return False
        for items, had in lists:
            if items != had:
                return False
    except Exception:          # a constant that does not compare (an array): not the same
        return False
    return True
