"""The simplifier's rules for shapes known when the code is made: from a value's
kind (`np.ndim(x)` is a number) and from `Facts.shapes` (a value kept only for
its shape can lend the shape of an earlier value instead, and need not be
computed). Each rule returns the replacement, or None where it does not apply.
"""
from __future__ import annotations

import ast

import numpy as np

from .analyses import Facts


def static_ndim(node: ast.Call, facts: Facts) -> ast.expr | None:
    """`np.ndim(x)` -> `1` for an `x` known to be a vector."""
    if _one_argument(node) and facts.ns.value(node.func) is np.ndim:
        kind = facts.kind(node.args[0])
        if kind.ndim is not None:
            return ast.Constant(kind.ndim)
    return None


def static_size(node: ast.Call, facts: Facts) -> ast.expr | None:
    """`np.size(x)` -> `1` for an `x` known to be a number or a 0-d array."""
    if _one_argument(node) and facts.ns.value(node.func) is np.size \
            and facts.kind(node.args[0]).ndim == 0:
        return ast.Constant(1)
    return None


def shape_attribute(node: ast.Call, facts: Facts) -> ast.expr | None:
    """`np.shape(x)` -> `x.shape` (and `np.size`) for a NumPy array `x` assigned once,
    so never None where it is read."""
    fn = facts.ns.value(node.func)
    if _one_argument(node) and fn in (np.shape, np.size):
        arg, kind = node.args[0], facts.kind(node.args[0])
        if kind.ndim is not None and kind.py is False and kind.number \
                and isinstance(arg, ast.Name) and arg.id in facts.once:
            return ast.Attribute(arg, fn.__name__, ast.Load())
    return None


def earlier_shape_call(node: ast.Call, facts: Facts) -> ast.expr | None:
    """`np.shape(t)` -> `np.shape(x)` (and `np.size`) where `t` has `x`'s shape."""
    if _one_argument(node) and facts.ns.value(node.func) in (np.shape, np.size) \
            and facts.earlier(node.args[0]) is not None:
        return ast.Call(node.func, [facts.earlier(node.args[0])], [])
    return None


def earlier_shape_attribute(node: ast.Attribute, facts: Facts) -> ast.expr | None:
    """`t.shape` -> `x.shape` (and `.size`) where `t` has `x`'s shape."""
    if node.attr in ("shape", "size") and facts.earlier(node.value) is not None:
        return ast.Attribute(facts.earlier(node.value), node.attr, ast.Load())
    return None


def _one_argument(node: ast.Call) -> bool:
    return len(node.args) == 1 and not node.keywords
