"""Which values share a shape, from the kinds of values (`kinds`): where an elementwise
operand surely has the result's shape, the reverse sweep needs no `unbroadcast`."""
from __future__ import annotations

import ast

from . import registry
from .kinds import UNKNOWN, expr_kind
from .live_values import from_live


class Shapes:
    """Which values are known to have the same shape.

    `rep` maps a name assigned once at the top level to the first such name (or
    parameter) of its shape; `equal` holds `(statement id, operand)` for each
    operand of an elementwise statement known to have the result's shape, on
    every iteration of any loop around it: by the shapes of the values it was
    made from, or, in `sized` (a subset), because no axis of the operand has
    length 1 and it has the result's ndim (NumPy stretches only a length 1).
    `live` holds the names whose kinds may not hold (see `from_live`)."""

    def __init__(self, body, kinds: dict, ns, params):
        self.kinds, self.ns = kinds, ns
        self.rep: dict[str, str] = {p: p for p in params}
        self.params = set(params)
        self.equal, self.sized = set(), set()     # of (statement id, operand name)
        self._inplace: set[str] = set()
        self._nested: dict[str, object] = {}   # a name bound in a block -> its shape class
        self._slices: dict[tuple, str] = {}     # (sliced class, items dropped) -> first name
        self.live = from_live(body, ns)
        self._walk(body, dict(self.rep), top=True)
        self.rep = {n: r for n, r in self.rep.items()
                    if isinstance(r, str) and n not in self._inplace and r not in self._inplace}
        self._add_nested(body)

    def _add_nested(self, body) -> None:
        """A name bound by one statement alone, inside a loop or a branch, to a value of a
        shape class held by a parameter or a name of the top level: every value it holds
        has that shape (`_3 = _2 * w` in `for k in range(3)`: `w`'s)."""
        if not self._nested:
            return
        stores: dict[str, int] = {}
        for stmt in body:
            for node in ast.walk(stmt):
                if node.__class__ is ast.Name and node.ctx.__class__ is ast.Store:
                    stores[node.id] = stores.get(node.id, 0) + 1
        for name, cls in self._nested.items():
            if stores.get(name) == 1 and cls.__class__ is str and cls in self.rep \
                    and name not in self.rep:
                self.rep[name] = self.rep[cls]

    def _operands(self, value):
        if isinstance(value, ast.Name):
            return [value]
        if isinstance(value, ast.UnaryOp) and type(value.op) in registry.UNARYOPS:
            return [value.operand]
        if isinstance(value, ast.BinOp) and type(value.op) is not ast.MatMult:
            return [value.left, value.right]
        if isinstance(value, ast.Call):
            prim = registry.lookup(self.ns.value(value.func))
            if prim is not None and prim.elementwise and not value.keywords:
                return list(value.args)
        return None

    def _shape_class(self, operands, rep):
        """The one shape class of the array operands, and their names; None if unknown."""
        found, arrays = set(), []
        for node in operands:
            if isinstance(node, ast.Constant) or expr_kind(node, self.kinds, self.ns).ndim == 0:
                continue
            if not isinstance(node, ast.Name):
                sliced = self._slices.get(self._slice_key(node, rep))   # `x[:-1]` in `1 - x[:-1]`
                if sliced is None:
                    return None, []
                found.add(rep.get(sliced, ("?", sliced)))
                continue
            arrays.append(node.id)
            found.add(rep.get(node.id, ("?", node.id)))
        return (found.pop(), arrays) if len(found) == 1 else (None, [])

    def _slice_class(self, value, target: str, rep) -> str | None:
        """For `x[1:]`, `x[:-1]`, `x[2:-3, :]`... (a name sliced by literal starts and
        negative stops, no steps): the first name bound to a slice of `x`'s shape class
        that drops as many items from each axis (`x[1:]` and `x[:-1]` share a shape
        whatever `x`'s length); else None."""
        key = self._slice_key(value, rep)
        return None if key is None else self._slices.setdefault(key, target)

    def _slice_key(self, value, rep) -> tuple | None:
        """`(x's shape class, items dropped from each axis)` for such a slice."""
        if value.__class__ is not ast.Subscript or value.value.__class__ is not ast.Name:
            return None
        ndim = expr_kind(value.value, self.kinds, self.ns).ndim
        index = value.slice.elts if value.slice.__class__ is ast.Tuple else [value.slice]
        if not ndim or len(index) > ndim:
            return None
        dropped = []
        for item in index:
            if item.__class__ is not ast.Slice or item.step is not None:
                return None
            start, stop = _literal(item.lower, 0), _literal(item.upper, 0)
            if start is None or stop is None or start < 0 or stop > 0 \
                    or stop == 0 and item.upper is not None:     # `x[:0]`, `x[:-0]`: empty
                return None
            dropped.append(start - stop)
        return (rep.get(value.value.id, ("?", value.value.id)),
                tuple(dropped) + (0,) * (ndim - len(index)))

    def _sized(self, operands, target: str) -> list[str]:
        """The operands of the result's ndim with no axis of length 1 (not of values made
        from a value read live, whose ndim the code was not made for)."""
        ndim = self.kinds.get(target, UNKNOWN).ndim
        if not ndim or target in self.live or any(isinstance(n, ast.Name) and n.id in self.live
                                                   for n in operands):
            return []
        return [n.id for n in operands if isinstance(n, ast.Name)
                and (k := expr_kind(n, self.kinds, self.ns)).full and k.ndim == ndim]

    def _walk(self, stmts, rep, top):
        for stmt in stmts:
            if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name):
                target = stmt.targets[0].id
                operands = self._operands(stmt.value) or []
                cls, arrays = self._shape_class(operands, rep) if operands else (None, [])
                if not operands:
                    cls = self._slice_class(stmt.value, target, rep)
                sized = self._sized(operands, target)
                if cls is None and sized:      # a parameter's shape, where one has it
                    classes = [rep.get(n, ("?", n)) for n in sized]
                    cls = next((c for c in classes if c in self.params), classes[0])
                rep[target] = cls if cls is not None else target
                self.equal.update((id(stmt), a) for a in arrays + sized)
                self.sized.update((id(stmt), a) for a in sized if a not in arrays)
                if top:
                    self.rep[target] = rep[target]
                else:
                    self._nested[target] = rep[target] if target not in self._nested else None
                continue
            if not isinstance(stmt, (ast.If, ast.For, ast.While)):
                continue
            inside = {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name)
                      and isinstance(n.ctx, ast.Store)}
            self._inplace |= inside
            for name in inside:
                rep.pop(name, None)
            self._walk(stmt.body, dict(rep), False)
            if isinstance(stmt, ast.If):
                self._walk(stmt.orelse, dict(rep), False)


def _literal(node, absent: int) -> int | None:
    """The int a slice bound is (`absent` where there is none), or None."""
    if node is None:
        return absent
    if node.__class__ is ast.Constant and node.value.__class__ is int:
        return node.value
    if node.__class__ is ast.UnaryOp and isinstance(node.op, ast.USub) \
            and node.operand.__class__ is ast.Constant and node.operand.value.__class__ is int:
        return -node.operand.value
    return None
