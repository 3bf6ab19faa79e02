"""The simplifier's rules for arithmetic and logic: constant folding, and the
identities that hold for a value's kind.

Each rule takes an expression whose parts are already simplified and the
`Facts`, and returns its replacement, or None where the rule does not apply.
`1.0 * x` is `x` only for a floating `x`: for an int it is a float, so the
identities ask the kind first.
"""
from __future__ import annotations

import ast
import operator

import numpy as np

from .analyses import Facts, constant, is_number, number

_FOLD = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
         ast.Div: operator.truediv, ast.Pow: operator.pow, ast.FloorDiv: operator.floordiv,
         ast.Mod: operator.mod}
_CMP = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
        ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Is: operator.is_,
        ast.IsNot: operator.is_not}


# -- BinOp ----------------------------------------------------------------------------------
def fold(node: ast.BinOp, facts: Facts) -> ast.expr | None:
    """`x ** (2 - 1)` -> `x ** 1`: arithmetic on two number literals.

    An operation that fails (`1 / 0`) stays as written; no later BinOp rule
    applies to two number literals either."""
    (lok, lv), (rok, rv) = constant(node.left), constant(node.right)
    op = type(node.op)
    if lok and rok and op in _FOLD and all(type(v) in (int, float) for v in (lv, rv)):
        try:
            return number(_FOLD[op](lv, rv))
        except (ArithmeticError, ValueError):
            return None
    return None


def identity(node: ast.BinOp, facts: Facts) -> ast.expr | None:
    """`1.0 * x`, `x * -1`, `0.0 + x`, `x - 0`, `x / 1`, `x ** 1` for a floating `x`
    -> `x` or `-x` (`x ** 1` -> `x` for any `x`)."""
    op, left, right = type(node.op), node.left, node.right
    if op is ast.Mult:
        for one, other in ((left, right), (right, left)):
            if is_number(one, 1) and facts.floating(other):
                return other
            if is_number(one, -1) and facts.floating(other):
                return ast.UnaryOp(ast.USub(), other)
    if op is ast.Add:
        for zero, other in ((left, right), (right, left)):
            if is_number(zero, 0) and facts.floating(other):
                return other
    if op is ast.Sub and is_number(right, 0) and facts.floating(left):
        return left
    if op is ast.Div and is_number(right, 1) and facts.floating(left):
        return left
    if op is ast.Pow and is_number(right, 1):
        return left
    return None


def negated_term(node: ast.BinOp, facts: Facts) -> ast.expr | None:
    """`a + -b` -> `a - b`, `a - -b` -> `a + b`, and the same where `-b` heads a product or
    a quotient (`a + -b * c` -> `a - b * c`): exact in floating point, one negation fewer."""
    if not isinstance(node.op, (ast.Add, ast.Sub)):
        return None
    positive = _without_sign(node.right)
    if positive is None:
        return None
    return ast.BinOp(node.left, ast.Sub() if isinstance(node.op, ast.Add) else ast.Add(),
                     positive)


def _without_sign(node) -> ast.expr | None:
    """`b` for `-b`, `b * c` for `-b * c` (and `-b / c`, `-b * c * d`...), else None."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return node.operand
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Div)):
        left = _without_sign(node.left)
        if left is not None:
            return ast.BinOp(left, node.op, node.right)
    return None


# -- UnaryOp, BoolOp, Compare ---------------------------------------------------------------
def negation(node: ast.UnaryOp, facts: Facts) -> ast.expr | None:
    """`-(-x)` -> `x`; `-c` for a negative literal `c` (`Constant(-2.0)`) -> `2.0`."""
    if not isinstance(node.op, ast.USub):
        return None
    inner = node.operand
    if isinstance(inner, ast.UnaryOp) and isinstance(inner.op, ast.USub):
        return inner.operand
    if isinstance(inner, ast.Constant) and isinstance(inner.value, (int, float)) \
            and not isinstance(inner.value, bool) and inner.value < 0:
        return ast.Constant(-inner.value)
    return None


def logical_not(node: ast.UnaryOp, facts: Facts) -> ast.expr | None:
    """`not True` -> `False`."""
    if isinstance(node.op, ast.Not):
        ok, v = constant(node.operand)
        if ok:
            return ast.Constant(not v)
    return None


def short_circuit(node: ast.BoolOp, facts: Facts) -> ast.expr | None:
    """`True and x` -> `x`; `x or True` -> `True`; `a and True and b` -> `a and b`."""
    is_and = isinstance(node.op, ast.And)
    values = []
    for value in node.values:
        ok, v = constant(value)
        if ok and bool(v) == is_and:
            continue                      # `True and x` / `False or x`: skip the constant
        if ok:
            return ast.Constant(v)        # short-circuits here
        values.append(value)
    if len(values) == len(node.values):
        return None
    if not values:
        return ast.Constant(is_and)
    if len(values) == 1:
        return values[0]
    return ast.BoolOp(node.op, values)


def compare(node: ast.Compare, facts: Facts) -> ast.expr | None:
    """`1 == 1 < 2` -> `True`: comparisons of literals."""
    parts = [constant(n) for n in [node.left, *node.comparators]]
    if all(ok for ok, _ in parts) and all(type(op) in _CMP for op in node.ops):
        values = [v for _, v in parts]
        return ast.Constant(all(_CMP[type(op)](a, b)
                                for op, a, b in zip(node.ops, values, values[1:])))
    return None


# -- calls that are the identity for the argument's kind ------------------------------------
def float_of_float(node: ast.Call, facts: Facts) -> ast.expr | None:
    """`float(b)` -> `b` for a Python float `b`."""
    if _one_argument(node) and facts.ns.value(node.func) is float:
        kind = facts.kind(node.args[0])
        if kind.py and kind.dtype == "f":
            return node.args[0]
    return None


def sum_of_number(node: ast.Call, facts: Facts) -> ast.expr | None:
    """`np.sum(s)` -> `s` for a 0-d `s`."""
    if _one_argument(node) and facts.ns.value(node.func) is np.sum \
            and facts.kind(node.args[0]).ndim == 0:
        return node.args[0]
    return None


# -- complex numbers: conjugates and tests that a real kind decides ---------------------------
_REAL = ("b", "i", "u", "f")


def real_identity(node: ast.Call, facts: Facts) -> ast.expr | None:
    """`np.conj(x)`, `np.real(x)` -> `x` for a real `x`; `complex(z)` -> `z` for a Python
    complex `z`: the complex rules' pieces, gone from code for real values."""
    if not _one_argument(node):
        return None
    fn, kind = facts.ns.value(node.func), facts.kind(node.args[0])
    if fn in (np.conjugate, np.real) and kind.dtype in _REAL \
            or fn is complex and kind.py and kind.dtype == "c":
        return node.args[0]
    return None


def complex_test(node: ast.Call, facts: Facts) -> ast.expr | None:
    """`np.isrealobj(x)` -> `True` (`np.iscomplexobj(x)` -> `False`) for a real `x`, and the
    other way round for a complex one."""
    fn = facts.ns.value(node.func) if _one_argument(node) else None
    if fn is np.isrealobj or fn is np.iscomplexobj:
        dtype = facts.kind(node.args[0]).dtype
        if dtype == "c" or dtype in _REAL:
            return ast.Constant((dtype == "c") == (fn is np.iscomplexobj))
    return None


def complex_zero(node: ast.BinOp, facts: Facts) -> ast.expr | None:
    """`z + 0j` -> `z` for a complex `z` (a gradient made complex only where it may not be)."""
    ok, v = constant(node.right)
    if isinstance(node.op, ast.Add) and ok and type(v) is complex and v == 0 \
            and facts.kind(node.left).dtype == "c":
        return node.left
    return None


def tuple_item(node: ast.Subscript, facts: Facts) -> ast.expr | None:
    """`(a, b)[0]` -> `a` for a tuple of names and constants (a rule's `pair[0]` where the
    user wrote `f((c, low), ...)`)."""
    ok, i = constant(node.slice)
    items = node.value.elts if isinstance(node.value, ast.Tuple) else None
    if items is None or not ok or type(i) is not int or not -len(items) <= i < len(items) \
            or not isinstance(node.ctx, ast.Load) \
            or not all(isinstance(e, (ast.Name, ast.Constant)) for e in items):
        return None
    return items[i]


def _one_argument(node: ast.Call) -> bool:
    return len(node.args) == 1 and not node.keywords
