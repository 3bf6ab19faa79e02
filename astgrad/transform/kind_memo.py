"""The kinds `kinds.infer` found for the values of assignments, kept for the next time it
is asked of an equal value over names of equal kinds: the optimizer infers the kinds of
one function again after each of its rewrites, most of whose statements it left as they
were.

A value's key is the whole of it, written out (`_written_out`), with the kinds its names
have where it is read: a value equal to it node for node, over names of those kinds, has
the kind found for it (a value's kind is a function of its tree, the kinds of its names
and the namespace, which stays one for the life of a memo). Nothing is kept by a node's
identity, so a tree changed in place cannot be read as it was.
"""
from __future__ import annotations

import ast

_CHILD = object()      # where a node's part is a node (written out after it)
_ABSENT = object()     # a name without a kind of its own (the namespace's, if any)


class KindMemo:
    """For one namespace: `memo(value, env, ns, rule)` is `rule(value, env, ns)`, found
    once for each value written out alike over names of equal kinds."""

    def __init__(self):
        self._kinds: dict = {}

    def __call__(self, value: ast.expr, env: dict, ns, rule):
        names: list[str] = []
        key = (rule, _written_out(value, names), tuple([env.get(n, _ABSENT) for n in names]))
        try:
            found = self._kinds.get(key)
        except TypeError:                # a constant that is not hashable: not kept
            return rule(value, env, ns)
        if found is None:
            found = self._kinds[key] = rule(value, env, ns)
        return found


def _written_out(node: ast.AST, names: list[str]) -> tuple:
    """Every node under `node` (itself first), each as its class and its fields: a name as
    its `id`, a constant as its value (with its type: `1`, `1.0` and `True` are equal in
    Python; a zero with its `repr`: `-0.0` is `0.0`), an operator as its class, another
    node as `_CHILD` (written out after), a list as its length and items, anything else
    as it is; expression contexts left out (a value only loads). Names met go to `names`."""
    out, stack, AST = [], [node], ast.AST
    append, push = out.append, stack.append
    while stack:
        item = stack.pop()
        cls = item.__class__
        append(cls)
        if cls is ast.Name or cls is ast.Constant:
            _leaf(item, cls, append, names)
            continue
        plan = _PLANS.get(cls)
        if plan is None:
            plan = _PLANS[cls] = _plan(cls)
        for field, operator in plan:
            value = getattr(item, field, None)
            if operator:
                append(value.__class__ if value.__class__ is not list
                       else tuple([o.__class__ for o in value]))
                continue
            if value.__class__ is list:
                append(len(value))      # (before its items: a list's end is known)
            for part in value if value.__class__ is list else (value,):
                if not isinstance(part, AST):
                    append(part)
                elif part.__class__ is ast.Name or part.__class__ is ast.Constant:
                    append(part.__class__)
                    _leaf(part, part.__class__, append, names)
                else:
                    append(_CHILD)
                    push(part)
    return tuple(out)


def _leaf(node, cls, append, names: list[str]) -> None:
    if cls is ast.Name:
        append(node.id)
        names.append(node.id)
    else:
        value = node.value
        append(value.__class__)
        append(repr(value) if value.__class__ in (float, complex) and value == 0 else value)


_PLANS: dict[type, tuple] = {}


def _plan(cls) -> tuple:
    """`(field, is an operator or operators)` for each field of `cls` but its context."""
    return tuple((f, f in ("op", "ops")) for f in cls._fields if f != "ctx")
