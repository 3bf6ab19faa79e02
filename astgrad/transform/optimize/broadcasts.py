"""The simplifier's rules for broadcasting: a number broadcast to an array's
shape stays a number wherever NumPy would broadcast it anyway, and an adjoint
summed back to a number's shape is the number. Each rule returns the
replacement, or None where it does not apply.
"""
from __future__ import annotations

import ast

import numpy as np

from ... import runtime
from .. import registry
from .analyses import Facts

_SCALAR = "scalar"      # the shape class of every 0-d value


def number_operand(node: ast.BinOp, facts: Facts) -> ast.expr | None:
    """`np.broadcast_to(s, A.shape) * c` -> `np.broadcast_to(s * c, A.shape)` for
    numbers `s` and `c`; `np.broadcast_to(v, A.shape) * E` -> `v * E` where `E` has
    `A`'s shape (also for `/`, `+`, `-`, and with the sides swapped)."""
    if not isinstance(node.op, (ast.Mult, ast.Div, ast.Add, ast.Sub)):
        return None
    for side, other in (("left", "right"), ("right", "left")):
        found = _broadcast(getattr(node, side), facts)
        if found is None:
            continue
        value, shape = found
        partner = getattr(node, other)
        if facts.kind(partner).ndim == 0 and facts.kind(value).ndim == 0:
            inner = ast.BinOp(value, node.op, partner) if side == "left" else \
                ast.BinOp(partner, node.op, value)    # numbers: before broadcasting
            return ast.Call(getattr(node, side).func, [inner, shape], [])
        if (_classes_of_shape(shape, facts) & _classes(partner, facts)) - {_SCALAR} \
                or _sized_alike(getattr(node, side), partner, facts):
            setattr(node, side, value)        # the other side has the shape already
            return node
    return None


def _sized_alike(a, b, facts: Facts) -> bool:
    """Are `a` and `b` of one ndim with no axis of length 1 (so of one shape, as they
    meet elementwise), their kinds not made from values read live?"""
    ka, kb = facts.kind(a), facts.kind(b)
    return bool(ka.ndim) and ka.full and kb.full and ka.ndim == kb.ndim and not any(
        isinstance(n, ast.Name) and n.id in facts.live for e in (a, b) for n in ast.walk(e))


def unbroadcast_number(node: ast.Call, facts: Facts) -> ast.expr | None:
    """`rt.unbroadcast(g, s)` -> `g` for 0-d `g` and `s`."""
    if _two_arguments(node) and facts.ns.value(node.func) is runtime.unbroadcast \
            and facts.kind(node.args[0]).ndim == 0 and facts.kind(node.args[1]).ndim == 0:
        return node.args[0]
    return None


def broadcast_to_number(node: ast.Call, facts: Facts) -> ast.expr | None:
    """`np.broadcast_to(s, np.shape(c))` (or `c.shape`) -> `s` for 0-d `s` and `c`."""
    if _two_arguments(node) and facts.ns.value(node.func) is np.broadcast_to \
            and facts.kind(node.args[0]).ndim == 0 and _shape_of_number(node.args[1], facts):
        return node.args[0]
    return None


def spread_to_array(node: ast.Call, facts: Facts) -> ast.expr | None:
    """`rt.spread_to(g, np.shape(x))` (or `x.shape`) -> `np.broadcast_to(g, np.shape(x))`
    for an array `x` (no number `x` filled a shape, to be summed back) and a `g` of no
    more axes (one of more is the adjoint of zeros `rt.sum_to` made of another shape,
    which `rt.spread_to` makes zeros and `np.broadcast_to` refuses), and -> `g` for 0-d
    `g` and `x`."""
    if not (_two_arguments(node) and facts.ns.value(node.func) is runtime.spread_to):
        return None
    shape = node.args[1]
    base = shape.value if isinstance(shape, ast.Attribute) and shape.attr == "shape" else \
        shape.args[0] if isinstance(shape, ast.Call) and len(shape.args) == 1 and \
        facts.ns.value(shape.func) is np.shape else None
    ndim = None if base is None else facts.kind(base).ndim
    spread = facts.kind(node.args[0]).ndim
    if ndim == 0 and spread == 0:
        return node.args[0]
    if ndim and spread is not None and spread <= ndim:
        return ast.Call(facts.ns.ref(np.broadcast_to), node.args, [])
    return None


def _two_arguments(node: ast.Call) -> bool:
    return len(node.args) == 2 and not node.keywords


def _shape_of_number(node, facts: Facts) -> bool:
    """Is `node` `np.shape(v)` or `v.shape` for a 0-d `v`?"""
    if isinstance(node, ast.Attribute) and node.attr == "shape":
        return facts.kind(node.value).ndim == 0
    if isinstance(node, ast.Call) and facts.ns.value(node.func) is np.shape and node.args:
        return facts.kind(node.args[0]).ndim == 0
    return False


def _broadcast(node, facts: Facts):
    """`(v, shape node)` if `node` is `np.broadcast_to(v, shape)`."""
    if isinstance(node, ast.Call) and facts.ns.value(node.func) is np.broadcast_to \
            and len(node.args) == 2 and not node.keywords:
        return node.args[0], node.args[1]
    return None


def _classes_of_shape(shape, facts: Facts) -> set:
    """The shape classes of `v` if `shape` is `v.shape` or `np.shape(v)`."""
    base = shape.value if isinstance(shape, ast.Attribute) and shape.attr == "shape" else \
        shape.args[0] if isinstance(shape, ast.Call) and \
        facts.ns.value(shape.func) is np.shape and len(shape.args) == 1 else None
    return _classes(base, facts) if base is not None else set()


def _classes(node, facts: Facts) -> set:
    """The top-level values `node`'s shape is known equal to (`_SCALAR` for numbers): of
    an elementwise operation, those of its operands when they share them, and those of an
    operand with the result's ndim and no axis of length 1."""
    kind = facts.kind(node)
    if kind.ndim == 0:
        return {_SCALAR}
    if isinstance(node, ast.Name):
        return {facts.shapes[node.id]} if node.id in facts.shapes else set()
    parts = None
    if isinstance(node, ast.UnaryOp):
        parts = [node.operand]
    elif isinstance(node, ast.BinOp) and not isinstance(node.op, ast.MatMult):
        parts = [node.left, node.right]
    elif isinstance(node, ast.Call) and not node.keywords:
        prim = registry.lookup(facts.ns.value(node.func))
        if prim is not None and prim.elementwise:
            parts = node.args
    if not parts:
        return set()
    each = [_classes(p, facts) for p in parts]
    arrays = [c for c in each if c != {_SCALAR}]
    out = set.intersection(*arrays) if arrays else set()
    for part, classes in zip(parts, each):
        k = facts.kind(part)
        if kind.ndim and k.full and k.ndim == kind.ndim and not any(
                isinstance(n, ast.Name) and n.id in facts.live for n in ast.walk(node)):
            out |= classes
    return out


def meets_shape(broadcast: ast.Call, partner, facts: Facts) -> bool:
    """Is `partner` known, when the code is made, to have the shape that `broadcast`
    (`np.broadcast_to(v, shape)`) makes, as `number_operand` asks?"""
    return bool((_classes_of_shape(broadcast.args[1], facts) & _classes(partner, facts))
                - {_SCALAR}) or _sized_alike(broadcast, partner, facts)
