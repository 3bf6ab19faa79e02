"""Fields read by name (`p.W`, see `records`), once kinds are known: placed by position
for the passes, spelled by name in the generated code.

`place` (after kinds) makes each `v[Field("W")]` a read of the item at the field's
position, `v[FieldAt(0, "W")]`, which every later pass reads as `v[0]`: the adjoint
of a record is a list of its fields' adjoints, in order, as a tuple's is. A value
not known to be a namedtuple or dataclass instance with that field is refused here.
`spell` (before codegen) writes each such read of a value back as `v.W`; an
adjoint's or a tangent's (a list) stays `bv[0]`.
"""
from __future__ import annotations

import ast

from ..errors import UnsupportedSyntaxError
from .kinds import expr_kind
from .records import Field, FieldAt, names_of
from .trees import walk

__all__ = ["place", "spell"]


def place(tree: ast.AST, kinds: dict, ns, where) -> None:
    """In place: every `v[Field(name)]` is `v[FieldAt(position, name)]`, the position
    that of `name` among the fields of the record `v` holds (by `kinds`); a `v` of
    another kind, or with no such field, is refused where the code reads it."""
    for node in walk(tree):
        if not (isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant)
                and type(node.slice.value) is Field):
            continue
        name = node.slice.value
        kind = expr_kind(node.value, kinds, ns)
        names = names_of(kind)
        if names is None or name not in names:
            raise _refusal(name, names, kind.dtype is None, name.where or where(node))
        node.slice = ast.copy_location(ast.Constant(FieldAt(names.index(name), str(name))),
                                       node.slice)


def _refusal(name: Field, names, unknown: bool, where) -> UnsupportedSyntaxError:
    base = name.text.rpartition(".")[0]
    if unknown:
        return UnsupportedSyntaxError(
            f"`{name.text}`: what `{base}` holds is not known where the code reads it, so "
            f"neither is the position of its field `{name}`.", where,
            fix="Call the derivative first: its code is made for the arguments it is given "
                "(`ag.source` then shows that code); or read the field from an argument, or "
                "an item of one.")
    if names is not None:
        return UnsupportedSyntaxError(
            f"`{name.text}`: the record `{base}` has no field `{name}` (its fields: "
            f"{', '.join(names)}).", where, fix="Read one of its fields.")
    return UnsupportedSyntaxError(
        f"attribute `.{name}` of `{base}` is not supported: only the fields of a namedtuple "
        f"or a dataclass instance (an argument, an item of one, or a name given one) are "
        f"read by name.", where,
        fix=f"Pass `{name.text}` as an argument of its own, hold it in a dict "
            f"(`{base}[\"{name}\"]`), pass a namedtuple or dataclass instance, or make the "
            f"function a method (`self.{name}` is read when the derivative runs).")


def spell(tree: ast.AST, derivatives: set[str]) -> ast.AST:
    """`tree` with every `v[FieldAt(i, name)]` of a value `v` written `v.name` (the
    read of a derivative, a list, stays `bv[i]`); in place."""
    return _Spell(derivatives).visit(tree)


class _Spell(ast.NodeTransformer):
    def __init__(self, derivatives):
        self.derivatives = derivatives

    def visit_Subscript(self, node):
        node = self.generic_visit(node)
        key = node.slice.value if isinstance(node.slice, ast.Constant) else None
        if type(key) is not FieldAt:
            return node
        root = node.value
        while isinstance(root, (ast.Subscript, ast.Attribute)):
            root = root.value
        if isinstance(root, ast.Name) and root.id not in self.derivatives:
            return ast.copy_location(ast.Attribute(node.value, key.name, node.ctx), node)
        return node
