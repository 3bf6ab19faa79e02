"""Part of pass 5b, reverse: where the adjoint an elementwise operation gives an
operand is summed back to the operand's shape (`rt.unbroadcast`), and where not.

Not where the operand has the result's shape (`shapes.Shapes.equal`): known from the
values both were made from, or from the operand's kind, the result's ndim with no
axis of length 1 (`Shapes.sized`; the code is specialized on which axes of the
arguments have length 1). Such a kind does not say what the adjoint holds, though:
a loop's or a branch's adjoint may be the number 0.0 standing for an array of
zeros (`adjoint_zeros`), which `rt.unbroadcast` turns into zeros of the operand's
shape, as a rule reading that operand's adjoint may need (`@` does). So where the
result's adjoint may hold such a number (`loose`), the operand's kind is not
enough. `loose` follows the number back through the rules that could pass it on:
every one but those making an array of the operand's shape out of it.
"""
from __future__ import annotations

import ast

import numpy as np

from .. import runtime
from . import folded_rules
from .build import call, load
from .kinds import UNKNOWN, Kind, expr_kind
from .trees import statements

_NUMBER = "0.0"      # stands for the adjoint being the number 0.0, where kinds are asked


class SumBack:
    """For one function: `sum_back(expr, stmt, node, args, target)` is `expr`, the
    adjoint of operand `node` of the elementwise `target = ...` statement `stmt`,
    summed back to the operand's shape where that is needed."""

    def __init__(self, fn, plan, zeros, activity, kinds, ns, shapes, where):
        self.plan, self.kinds, self.ns, self.shapes = plan, kinds, ns, shapes
        self.loose = {n for n in plan.zeroed if self._array(n) and (
            isinstance(zeros.of(n), ast.Constant) or isinstance(zeros.initial(n), ast.Constant))}
        self._number_kinds = {**kinds, _NUMBER: Kind(0, "f", True)}
        assigns = [s for s in statements(fn) if isinstance(s, ast.Assign)
                   and isinstance(s.targets[0], ast.Name)]
        grown = True
        while grown:                     # to a fixed point: `loose` only grows
            size = len(self.loose)
            for stmt in assigns:
                if stmt.targets[0].id in self.loose:
                    self.loose |= self._passed_on(stmt, activity, where)
            grown = len(self.loose) > size

    def __call__(self, expr, stmt, node, args, target) -> ast.expr:
        key = (id(stmt), node.id)
        if key in self.shapes.equal and (key not in self.shapes.sized
                                         or target not in self.loose):
            return expr
        kx = expr_kind(node, self.kinds, self.ns)
        kz = self.kinds.get(target, UNKNOWN)
        others = [expr_kind(v, self.kinds, self.ns) for v in args.values()
                  if v is not None and v is not node]
        if kx.ndim is not None and kz.ndim is not None:
            if kx.ndim == 0 and kz.ndim == 0:
                return expr
            if kx.ndim == 0:
                return call(self.ns, "np.sum", [expr])
            if kx.ndim == kz.ndim and all(o.ndim == 0 for o in others):
                return expr
        axes, keep = self._summed_axes(node.id, kx, target, kz)
        if axes:
            axis = ast.Constant(axes[0]) if len(axes) == 1 else \
                ast.Tuple([ast.Constant(a) for a in axes], ast.Load())
            return ast.Call(self.ns.ref(np.sum), [expr], [ast.keyword("axis", axis)] + (
                [ast.keyword("keepdims", ast.Constant(True))] if keep else []))
        return call(self.ns, "rt.unbroadcast", [expr, load(node.id)])

    def _summed_axes(self, name, kx, target, kz) -> tuple[tuple, bool]:
        """The axes of the result an operand's adjoint sums over, and whether they are
        kept, where the kinds say (an adjoint of the result's shape, so not `loose`):
        the leading axes the operand lacks, or its axes of length 1."""
        if target in self.loose or target in self.shapes.live or name in self.shapes.live \
                or kx.ones is None or None in kx.ones or kz.ndim is None:
            return (), False
        lead = kz.ndim - kx.ndim
        ones = tuple(lead + i for i, o in enumerate(kx.ones) if o)
        if lead > 0 and not ones:
            return tuple(range(lead)), False
        return (ones, True) if lead == 0 else ((), False)

    def _array(self, name: str) -> bool:
        """May `name` hold an array (so that the number 0.0 stands for its zeros)?"""
        kind = self.kinds.get(name, UNKNOWN)
        return kind.ndim != 0 and not kind.py

    def _passed_on(self, stmt, activity, where) -> set[str]:
        """The names whose adjoints `stmt`'s rules may give the number its target's
        adjoint holds."""
        operation = self.plan.operations.get(id(stmt))
        if operation is None:            # a copy, an item, a helper's pullback: any
            return {n.id for n in ast.walk(stmt.value) if isinstance(n, ast.Name)
                    and n.id in activity.active and self._array(n.id)}
        out, target = set(), stmt.targets[0].id
        for i, _, node in operation.receivers:
            names = [e.id for e in (node.elts if isinstance(node, (ast.Tuple, ast.List))
                                    else [node]) if isinstance(e, ast.Name)]
            if not isinstance(node, ast.Name) or self._array(node.id) and not self._shaped(
                    operation, i, stmt, node, target, where(stmt)):
                out.update(n for n in names if self._array(n))
        return out

    def _shaped(self, operation, i, stmt, node, target, where) -> bool:
        """Is operand `node`'s adjoint an array of its shape even when the result's is
        the number 0.0: summed back, or made with values of that shape?"""
        rule = operation.prim.vjps[i] if i < len(operation.prim.vjps) else None
        if rule is None:
            return True
        expr = folded_rules.emit(rule, load(_NUMBER), load(target), operation.args, self.ns,
                                 where, self._number_kinds)
        if operation.prim.elementwise:
            expr = self(expr, stmt, node, operation.args, target)
            if isinstance(expr, ast.Call) and self.ns.value(expr.func) is runtime.unbroadcast:
                return True
        kind, own = expr_kind(expr, self._number_kinds, self.ns), self.kinds.get(node.id, UNKNOWN)
        return kind.full and own.full and kind.ndim == own.ndim and kind.ndim != 0
