"""Records in the user's code: the fields of a namedtuple or a dataclass instance read
by name (`p.W`), and a tuple's items spread into a call (`f(*p)`).

Before names are resolved, `lower` writes `v.W` as an item read, `v[Field("W")]`, for
every value `v` of the function's own (a name, an item, what a call returns) that no
array attribute explains, and `f(*p)` of a parameter whose number of items the
argument's kind gives as `f(p[0], p[1])`. What `v` holds is known only once kinds are
(`fields.place` then reads the field by its position, or refuses a value that has no
such field); `fields.spell` writes it back as `v.W` in the generated code.

    def f(p, x):                          def f(p, x):
        return np.sum(p.W @ x + p.b)  ->      return np.sum(p[Field('W')] @ x + p[Field('b')])
"""
from __future__ import annotations

import ast

import numpy as np

from ..errors import UnsupportedSyntaxError
from .scope import local_names
from .trees import walk


class Field(str):
    """The key of a field read by name, `p.W`: a str, so the passes before kinds read it
    as a dict's key; `text` and `where` are the read as written and its `file:line`, for
    a refusal."""

    def __new__(cls, name: str, text: str = "", where: str | None = None):
        out = super().__new__(cls, name)
        out.text, out.where = text or name, where
        return out

    def __deepcopy__(self, memo):
        return self            # immutable

    def __reduce__(self):
        return Field, (str(self), self.text, self.where)


class FieldAt(int):
    """A field read by name, placed (see `fields.place`): its position, an int the passes
    read as a tuple's index, and its `name`, which the generated code is spelled with."""

    def __new__(cls, position: int, name: str):
        out = super().__new__(cls, position)
        out.name = name
        return out

    def __deepcopy__(self, memo):
        return self

    def __reduce__(self):
        return FieldAt, (int(self), self.name)


def lower(tree: ast.FunctionDef, param_kinds: dict | None, where) -> None:
    """In place: every `v.name` read, `v` a value of the function's (a local name, an item
    of one, what a call returns) and `name` no attribute of arrays (or a field of the
    parameter `v`'s record), is `v[Field("name")]`; `f(*p)`, `p` a parameter never
    assigned whose kind knows its items (a tuple, namedtuple or dataclass instance), is
    `f(p[0], ..., p[n - 1])`. Writing a field (`v.name = ...`) is refused."""
    local = local_names(tree)
    params = {a.arg for a in tree.args.posonlyargs + tree.args.args + tree.args.kwonlyargs}
    stored = {n.id for n in walk(tree) if isinstance(n, ast.Name)
              and not isinstance(n.ctx, ast.Load)}
    kinds = {p: k for p, k in (param_kinds or {}).items() if p in params and p not in stored}
    lowering = _Lower(local, kinds, where)
    # (most functions read no field and spread no record: then nothing changes, and the
    # tree is not visited; a field's base is a field only where that base is one)
    if any(n.__class__ is ast.Starred or n.__class__ is ast.Attribute and lowering._field(n)
           for n in walk(tree)):
        lowering.visit(tree)


def names_of(kind) -> list[str] | None:
    """The field names of a record's kind (a namedtuple's, a dataclass instance's) in
    order, or None for another kind."""
    fields = kind.fields if kind is not None else None
    if not fields or not any(type(k) is int and k < 0 for k, _ in fields):
        return None
    names = [k for k, _ in fields if isinstance(k, str)]
    return names or None


def _length(kind) -> int | None:
    """How many items a tuple's (or record's) kind says it holds."""
    fields = kind.fields if kind is not None else None
    if not fields or not any(type(k) is int and k < 0 for k, _ in fields):
        return None
    return sum(1 for k, _ in fields if type(k) is int and k >= 0)


class _Lower(ast.NodeTransformer):
    def __init__(self, local, kinds, where):
        self.local, self.kinds, self.where = local, kinds, where

    def _value(self, node: ast.expr) -> bool:
        """Is `node` a value of the function's (a local name, an item of one, what a call
        returns), not a dotted name outside it (`np.linalg`, `self.cfg`)?"""
        while isinstance(node, ast.Subscript):
            node = node.value
        if isinstance(node, ast.Name):
            return node.id in self.local
        return not isinstance(node, ast.Attribute)

    def _field(self, node: ast.Attribute) -> bool:
        if not self._value(node.value):
            return False
        if isinstance(node.value, ast.Name) and node.value.id in self.kinds:
            names = names_of(self.kinds[node.value.id])
            if names is not None:
                return node.attr in names or not hasattr(np.ndarray, node.attr)
        return not hasattr(np.ndarray, node.attr)

    def visit_Call(self, node):
        if isinstance(node.func, ast.Attribute):       # a method: not a field
            node.func.value = self.visit(node.func.value)
        else:
            node.func = self.visit(node.func)
        node.args = [a for arg in node.args for a in self._spread(self.visit(arg))]
        node.keywords = [self.visit(k) for k in node.keywords]
        return node

    def _spread(self, arg: ast.expr) -> list[ast.expr]:
        if not (isinstance(arg, ast.Starred) and isinstance(arg.value, ast.Name)):
            return [arg]
        name = arg.value.id
        n = _length(self.kinds.get(name))
        if n is None:
            return [arg]
        names = names_of(self.kinds[name])
        return [ast.copy_location(ast.Subscript(ast.Name(name, ast.Load()), ast.Constant(
            FieldAt(i, names[i]) if names else i), ast.Load()), arg) for i in range(n)]

    def visit_Attribute(self, node):
        text = ast.unparse(node)              # as written, for a refusal
        node.value = self.visit(node.value)
        if not self._field(node):
            return node
        if not isinstance(node.ctx, ast.Load):
            raise UnsupportedSyntaxError(
                f"writing the field `{text}` is not supported.", self.where(node),
                fix=f"Keep the new value in a name of its own (`{node.attr} = ...`) and read "
                    f"that name where the code reads `{text}`.")
        key = ast.copy_location(ast.Constant(Field(node.attr, text, self.where(node))), node)
        return ast.copy_location(ast.Subscript(node.value, key, ast.Load()), node)
