"""Pass 4, activity: which values need an adjoint.

A value is *varied* when it depends, through differentiable operations, on an
argument being differentiated, and *useful* when the output depends on it;
only values that are both are *active* and get adjoints.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field

from ..errors import UnsupportedSyntaxError
from . import registry
from .resolve import Namespace


@dataclass
class Activity:
    active: set[str] = field(default_factory=set)
    varied: set[str] = field(default_factory=set)


def reads(node: ast.AST) -> list[str]:
    return [n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)]


def differentiable_reads(value: ast.expr, ns: Namespace) -> list[str]:
    """The names whose derivative flows into `value`'s result."""
    if isinstance(value, (ast.Compare, ast.Attribute, ast.JoinedStr)):
        return []
    if isinstance(value, ast.Call):
        prim = registry.lookup(ns.value(value.func))
        if prim is None or prim.nondiff:
            return []
    return reads(value)


def analyze(tree: ast.FunctionDef, wrt: list[str], ns: Namespace, where) -> Activity:
    varied = set(wrt)
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign):
            sources = differentiable_reads(stmt.value, ns)
            if any(s in varied for s in sources):
                if isinstance(stmt.value, ast.Subscript):
                    raise UnsupportedSyntaxError(
                        "indexing a value being differentiated is not supported yet.",
                        where(stmt), fix="Use whole-array operations (np.sum, reshapes, "
                                         "products with a mask array).")
                if isinstance(stmt.value, ast.BoolOp):
                    raise UnsupportedSyntaxError(
                        "`and`/`or` on a value being differentiated is not supported.",
                        where(stmt), fix="Use np.where, np.maximum or np.minimum.")
                varied.add(stmt.targets[0].id)
    useful = set()
    for stmt in reversed(tree.body):
        if isinstance(stmt, ast.Return):
            useful |= set(reads(stmt.value))
        elif isinstance(stmt, ast.Assign) and stmt.targets[0].id in useful:
            useful |= set(differentiable_reads(stmt.value, ns))
    return Activity(active=varied & useful, varied=varied)
