"""Records built in the user's code: `P(W=a, b=c)` of a namedtuple class or a dataclass.

After names are resolved, `lower` writes such a call as `rt.record_of(P, ("W", "b"),
[a, c])`: its values a list, in the order of the fields, so that their adjoints are
a list, as a record argument's are, and the kind of the record (`fields.place` reads
`q.W` of it by position) is known from the field names.

    q = P(W=a, b=c)    ->    q = rt.record_of(P, ('W', 'b'), [a, c])
"""
from __future__ import annotations

import ast
import dataclasses

from .. import runtime
from .trees import walk

__all__ = ["lower"]

_NO_DEFAULT = object()


def lower(tree: ast.AST, ns) -> None:
    """In place: every call of a namedtuple class or a dataclass (by name, its arguments
    by position and keyword, defaults filled in) is `rt.record_of(cls, names, values)`;
    a call it cannot write so (`*args`, `**kwargs`, a `default_factory`) is left as it is
    (and refused where a derivative flows through it)."""
    for node in walk(tree):
        for field, value in ast.iter_fields(node):
            if isinstance(value, list):
                value[:] = [_record(v, ns) or v for v in value]
            elif isinstance(value, ast.Call):
                new = _record(value, ns)
                if new is not None:
                    setattr(node, field, new)


def _record(node, ns) -> ast.Call | None:
    if not isinstance(node, ast.Call):
        return None
    cls = ns.value(node.func)
    names, defaults = _fields(cls)
    if names is None or any(isinstance(a, ast.Starred) for a in node.args) \
            or any(k.arg is None for k in node.keywords) or len(node.args) > len(names):
        return None
    given = dict(zip(names, node.args)) | {k.arg: k.value for k in node.keywords}
    if any(n not in names for n in given) or len(given) != len(node.args) + len(node.keywords):
        return None
    values = [given.get(n, defaults.get(n, _NO_DEFAULT)) for n in names]
    if any(v is _NO_DEFAULT for v in values):
        return None
    values = [v if isinstance(v, ast.AST) else ast.Constant(v) for v in values]
    if any(isinstance(v, ast.Constant) and not _literal(v.value) for v in values):
        return None
    ns.opaque.pop(id(node), None)
    keys = ast.Tuple([ast.Constant(n) for n in names], ast.Load())
    call = ast.Call(ns.ref(runtime.record_of), [node.func, keys, ast.List(values, ast.Load())],
                    [])
    return ast.copy_location(call, node)


def _literal(v) -> bool:
    return v is None or isinstance(v, (bool, int, float, complex, str))


def _fields(cls) -> tuple[list[str] | None, dict]:
    """A record class's field names, in order, and their defaults; None for another."""
    if not isinstance(cls, type):
        return None, {}
    if issubclass(cls, tuple) and hasattr(cls, "_fields"):
        return list(cls._fields), dict(getattr(cls, "_field_defaults", {}))
    if not dataclasses.is_dataclass(cls):
        return None, {}
    fields = [f for f in dataclasses.fields(cls) if f.init]
    if any(f.default_factory is not dataclasses.MISSING for f in fields):
        return None, {}
    return [f.name for f in fields], {f.name: f.default for f in fields
                                      if f.default is not dataclasses.MISSING}
