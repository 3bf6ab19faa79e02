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

import numpy as np

from ..errors import UnsupportedSyntaxError
from .kinds import expr_kind
from .records import Field, FieldAt, names_of
from .trees import walk

__all__ = ["place", "spell"]


def place(tree: ast.AST, kinds: dict, ns, where) -> None:
    """In place: every `v[Field(name)]` is `v[FieldAt(position, name)]`, the position
    that of `name` among the fields of the record `v` holds (by `kinds`); a `v` of
    another kind, or with no such field, is refused where the code reads it."""
    nodes = walk(tree)
    for node in nodes:
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
    _refuse_array_attributes(nodes, kinds, ns, where)   # (only constants replaced above)


# What `v.T`, `v.shape`, ... of a value not known to be a record became (see `scope`).
_ARRAY_ATTRIBUTES = {np.transpose: "T", np.shape: "shape", np.ndim: "ndim", np.size: "size",
                     np.real: "real", np.imag: "imag"}


def _refuse_array_attributes(nodes, kinds, ns, where) -> None:
    """`q.T` of a record with a field `T`, where `q` was not known to be one before kinds
    (a loop's item): it was read as an array's attribute (`np.transpose(q)`), so refuse
    (`nodes`: the function's, as `walk` gives them)."""
    for node in nodes:
        if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords:
            obj = ns.value(node.func)
            attr = next((a for f, a in _ARRAY_ATTRIBUTES.items() if f is obj), None)
            base = node.args[0]
        elif isinstance(node, ast.Attribute) and node.attr == "dtype":
            attr, base = "dtype", node.value
        else:
            continue
        names = names_of(expr_kind(base, kinds, ns)) if attr is not None else None
        if names is not None and attr in names:
            raise UnsupportedSyntaxError(
                f"the field `{attr}` of a record not known to be one where the code reads it "
                f"is read as an array's attribute.", where(node),
                fix=f"Name the field otherwise, or read it by position "
                    f"(`v[{names.index(attr)}]` of a namedtuple).")


def _refusal(name: Field, names, unknown: bool, where) -> UnsupportedSyntaxError:
    base = name.text.rpartition(".")[0]
    if unknown:
        return UnsupportedSyntaxError(
            f"`{name.text}`: what `{base}` holds is not known where the code reads it, so "
            f"neither is the position of its field `{name}` (a record is known as an "
            f"argument, an item or loop item of one, or built by the code: `P(W=..., "
            f"b=...)`).", where,
            fix="Read the field from an argument, or build the record with its class. "
                "(`ag.source` before any call shows code for arguments of any kind, where no "
                "record is known: call the derivative first.)")
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
    for node in walk(tree):
        if node.__class__ is ast.Constant and type(node.value) is FieldAt:
            return _Spell(derivatives).visit(tree)
    return tree                       # (most code reads no record's field)


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
