"""Masked adjoints in the reverse sweep: a zero seed contributes zero.

`np.where(c, x, 0.0)` sends its seed to `x` masked, `bx = np.where(c, g, 0)`. Where `c` is
false the seed is 0, and 0 times a slope is 0, also where the slope is infinite: the
derivative of `np.where(a > 0, np.sqrt(a), 0.0)` at `a = 0` is 0 (docs/edge_points.md,
"Masked branches"), where the plain product `bx / (2 * np.sqrt(a))` would give
0 * inf = nan. So an adjoint computed from a masked one as a product (the masked adjoint
a factor of a chain of `*` and `/`, as every elementwise rule's `g * slope` is) is masked
again:

    before                           after
    b2 = np.where(_1, b3, 0)         ba = np.where(_1, b3 / (2 * _2), 0)
    ba = b2 / (2 * _2)

The mask moves onto the product where the masked adjoint is read once (as above: one
`np.where` either way, so no cost). Where it is read several times, a product that can
be infinite where its arguments are finite (a quotient, a power, a call, or a value the
forward sweep computed so: a slope like `1 / (2 * sqrt(a))`) is masked again, at the
cost of one `np.where`; a product of finite names alone (`b2 * y`) is not, and is itself
zero where the mask is. Copies and sums of adjoints masked alike are masked too. Only
the reverse sweep is rewritten, one block at a time: the user's own `np.where`
computes what NumPy computes.
"""
from __future__ import annotations

import ast
import copy
from functools import cached_property

import numpy as np

from .build import call
from .trees import statements, walk


def mask_products(forward: list[ast.stmt], backward: list[ast.stmt],
                  gradients: list[ast.expr], ns) -> None:
    """Rewrite, in place, every product of a masked adjoint in `backward` as masked
    (`forward`, the forward sweep, tells which values may be infinite)."""
    reads, where = _reads(backward + gradients, ns)
    if not where:                      # a mask is made by `np.where` alone: none, nothing to do
        return
    _block(backward, _Context(reads, forward, ns))


def _reads(roots, ns) -> tuple[dict[str, int], bool]:
    """How many times each name is read under `roots`, and whether any call there is
    to `np.where`."""
    reads: dict[str, int] = {}
    where, Name, Call, Load = False, ast.Name, ast.Call, ast.Load
    for root in roots:
        for item in walk(root):
            cls = item.__class__
            if cls is Name:
                if item.ctx.__class__ is Load:
                    reads[item.id] = reads.get(item.id, 0) + 1
            elif cls is Call and not where:
                where = ns.value(item.func) is np.where
    return reads, where


class _Context:
    def __init__(self, reads, forward, ns):
        self.reads, self.forward, self.ns = reads, forward, ns

    @cached_property
    def risky(self) -> set[str]:
        """The names the forward sweep assigns a value that may be infinite where its
        arguments are finite (asked only of a product of a masked adjoint)."""
        return {t.id for stmt in self.forward for s in statements(stmt)
                if isinstance(s, ast.Assign) for t in s.targets
                if isinstance(t, ast.Name) and _may_blow_up(s.value)}


class _Mask:
    """`name` is `np.where(test, seed, 0)` (or `np.where(test, 0, seed)`: `kept` False)."""

    def __init__(self, test, kept, seed):
        self.test, self.kept, self.seed = test, kept, seed
        self.names = {n.id for n in walk(test) if isinstance(n, ast.Name)}
        self.seed_names = set() if seed is None else {
            n.id for n in walk(seed) if isinstance(n, ast.Name)}

    def same(self, other) -> bool:
        return self.kept == other.kept and ast.dump(self.test) == ast.dump(other.test)

    def wrap(self, expr: ast.expr, ns) -> ast.expr:
        test, zero = copy.deepcopy(self.test), ast.Constant(0)
        return call(ns, "np.where", [test, expr, zero] if self.kept else [test, zero, expr])


def _block(stmts: list[ast.stmt], cx) -> None:
    masks: dict[str, _Mask] = {}
    for stmt in stmts:
        for child in ("body", "orelse"):
            if isinstance(getattr(stmt, child, None), list):
                _block(getattr(stmt, child), cx)
        target = _name_target(stmt)
        new = None
        if target is not None:
            new = _masked_where(stmt.value, cx.ns) or _rewrite(stmt, target, masks, cx) \
                or _sum(stmt.value, masks, cx.ns)
        for name in _writes(stmt):
            masks = {m: k for m, k in masks.items() if name != m and name not in k.names}
            for k in masks.values():
                if name in k.seed_names:
                    k.seed = None
        if new is not None:
            masks[target] = new


def _name_target(stmt) -> str | None:
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 \
            and isinstance(stmt.targets[0], ast.Name):
        return stmt.targets[0].id
    return None


def _masked_where(value, ns) -> _Mask | None:
    """`np.where(test, g, 0)` or `np.where(test, 0, g)`, the where rule's adjoint."""
    if not (isinstance(value, ast.Call) and not value.keywords and len(value.args) == 3
            and ns.value(value.func) is np.where):
        return None
    test, x, y = value.args
    if not isinstance(test, (ast.Name, ast.Constant)):
        return None
    if _zero(y) and not _zero(x):
        return _Mask(test, True, x)
    if _zero(x) and not _zero(y):
        return _Mask(test, False, y)
    return None


def _zero(node) -> bool:
    return isinstance(node, ast.Constant) and not isinstance(node.value, bool) \
        and node.value == 0


def _rewrite(stmt: ast.Assign, target: str, masks, cx) -> _Mask | None:
    """Mask `stmt`'s product of a masked adjoint; the mask of its target, if it is one (a
    product of finite names is left as it is, and is zero where the mask is)."""
    value = stmt.value
    if isinstance(value, ast.Name) and value.id in masks:        # a copy: masked as well
        mask = masks[value.id]
        return _Mask(mask.test, mask.kept, None)
    accumulate = isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add) and (
        isinstance(value.left, ast.Name) and value.left.id == target)
    product = value.right if accumulate else value
    name = _factor(product, masks)
    if name is None or isinstance(product, ast.Name):
        return None
    mask = masks[name]
    if cx.reads.get(name) == 1 and mask.seed is not None:
        product = _substitute(product, name, mask.seed)
    elif not _may_blow_up(product, cx.risky):
        return None if accumulate else _Mask(mask.test, mask.kept, product)
    wrapped = mask.wrap(product, cx.ns)
    if accumulate:
        value.right = wrapped
        return None
    stmt.value = wrapped
    return _Mask(mask.test, mask.kept, product)


def _sum(value, masks, ns) -> _Mask | None:
    """`a + b` of two adjoints masked alike (an adjoint accumulated from masked
    contributions) is masked as they are."""
    if not (isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add)):
        return None
    left, right = (masks.get(v.id) if isinstance(v, ast.Name) else _masked_where(v, ns)
                   for v in (value.left, value.right))
    return _Mask(left.test, left.kept, None) if left and right and left.same(right) else None


def _factor(expr, masks) -> str | None:
    """The masked name that is a factor of `expr` (a chain of `*`, `/` and `-`)."""
    if isinstance(expr, ast.Name):
        return expr.id if expr.id in masks else None
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub):
        return _factor(expr.operand, masks)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mult):
        return _factor(expr.left, masks) or _factor(expr.right, masks)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Div):
        return _factor(expr.left, masks)
    return None


def _may_blow_up(expr, risky=frozenset()) -> bool:
    """Can `expr` be infinite where the arguments are finite: a quotient, a power, a call,
    or a `risky` name (the forward sweep's value of one)?"""
    return any(isinstance(n, ast.Call) or isinstance(n, ast.BinOp)
               and isinstance(n.op, (ast.Div, ast.Pow))
               or isinstance(n, ast.Name) and n.id in risky for n in walk(expr))


def _substitute(expr, name, seed):
    if isinstance(expr, ast.Name) and expr.id == name:
        return copy.deepcopy(seed)
    for field, child in ast.iter_fields(expr):
        if isinstance(child, ast.expr):
            setattr(expr, field, _substitute(child, name, seed))
    return expr


def _writes(stmt) -> set[str]:
    """The names `stmt` may change: an assignment's target; for any other statement, every
    name in it (a loop, a branch, `np.add.at(bx, i, g)` writing into `bx`)."""
    target = _name_target(stmt)
    if target is not None:
        return {target}
    return {n.id for n in walk(stmt) if isinstance(n, ast.Name)}
