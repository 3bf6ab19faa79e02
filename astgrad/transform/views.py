"""Which assignments make a name that sees the elements of the array it reads (a view),
and which make a copy, once the kinds of values are known: `shares_through`, for
`aliases` (moved out of it as it grew); and which calls return a view of their first
argument (`view_of`); and which make a new array (`_new_array`, `_operation`)."""
from __future__ import annotations

import ast

from . import registry
from .lattice import UNKNOWN, Kind
from .reads import _dotted

# Calls that return a view of their first argument, an array (`np.transpose(A)`, as
# normalize spells `A.T`): a later in-place write into either is seen by the other.
VIEWS = {"np.transpose", "np.swapaxes", "np.moveaxis", "np.squeeze", "np.expand_dims",
         "np.atleast_1d", "np.atleast_2d", "np.atleast_3d", "np.real", "np.diagonal",
         "np.broadcast_to"}
# Calls that return a view, or a copy when the array's layout asks for one.
MAYBE_VIEWS = {"np.reshape", "np.ravel", "np.asarray", "np.asanyarray",
               "np.ascontiguousarray", "np.asfortranarray"}


def _kind(name: str, kinds: dict) -> Kind:
    return kinds.get(name, UNKNOWN)


def view_of(rhs: ast.expr) -> tuple[str, bool] | None:
    """For a call that returns a view of its first argument, a name: that name, and
    whether the result is surely a view (else it may be a copy)."""
    if isinstance(rhs, ast.Call) and rhs.args and isinstance(rhs.args[0], ast.Name):
        func = _dotted(rhs.func)
        if func in VIEWS or func in MAYBE_VIEWS:
            return rhs.args[0].id, func in VIEWS
    return None


def shares_through(how: ast.expr, kinds: dict) -> bool:
    """Does the assignment of `how` (a name, an item or a slice of one, a call `view_of`
    knows) make a name that shares the elements it reads? Not when it reads a Python
    number, nor when it reads one element of an array, or picks elements with an array
    of indices."""
    if isinstance(how, ast.Name):
        return not _kind(how.id, kinds).py
    if isinstance(how, ast.Call):
        return not _kind(how.args[0].id, kinds).py
    base = _kind(how.value.id, kinds)
    parts = how.slice.elts if isinstance(how.slice, ast.Tuple) else [how.slice]
    if base.py or any(_fancy(part, kinds) for part in parts):
        return False                              # a number, or a copy whatever the base
    if base.ndim is None or base.dtype == "O":
        return True
    integers = 0
    for part in parts:
        if _integer(part):
            integers += 1
        elif isinstance(part, ast.Name):
            kind = _kind(part.id, kinds)
            if kind.ndim == 0 and kind.dtype in ("i", "u"):
                integers += 1
            else:
                return True
        elif not isinstance(part, ast.Slice):
            return True                           # None, ..., or an expression
    return integers != base.ndim or len(parts) != integers


def _fancy(part: ast.expr, kinds: dict) -> bool:
    """Does this part of an index pick elements with a list or an array of indices or a
    mask (NumPy then copies, whatever the array)?"""
    if isinstance(part, (ast.List, ast.Tuple)):
        return True
    kind = _kind(part.id, kinds) if isinstance(part, ast.Name) else UNKNOWN
    return kind.ndim is not None and kind.ndim > 0 and kind.dtype in ("i", "u", "b")


def _integer(node: ast.expr) -> bool:
    """An integer written in the code: `1`, `-1`."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    return isinstance(node, ast.Constant) and type(node.value) is int


# Calls that always return a new array (never a view of an argument).
_NEW_ARRAYS = {"np.zeros_like", "np.ones_like", "np.empty_like", "np.full_like", "np.zeros",
               "np.ones", "np.empty", "np.full", "np.copy", "rt.zeros_like"}


def _new_array(rhs: ast.expr, ns=None) -> bool:
    """Is `rhs` a new array (an operator's result, a ufunc's, a zeros array), never a view?"""
    if isinstance(rhs, (ast.BinOp, ast.UnaryOp)):
        return True
    if not isinstance(rhs, ast.Call):
        return False
    if _dotted(rhs.func) in _NEW_ARRAYS:
        return True
    try:
        prim = registry.lookup(ns.value(rhs.func)) if ns is not None else None
    except TypeError:                            # an unhashable callee
        return False
    return prim is not None and prim.elementwise


# Reductions: of 0-d result, a NumPy scalar (not a 0-d array, as `np.squeeze` may give).
_REDUCTIONS = {"np.sum", "np.mean", "np.prod", "np.max", "np.min", "np.amax", "np.amin",
               "np.dot", "np.vdot", "np.inner", "np.trace", "np.std", "np.var",
               "np.linalg.norm", "np.linalg.det"}


def _operation(rhs: ast.expr, ns) -> bool:
    """Is `rhs` an operator's, a ufunc's or a reduction's result (a NumPy scalar, if 0-d)?"""
    if isinstance(rhs, ast.Call) and isinstance(rhs.func, ast.Attribute) \
            and ast.unparse(rhs.func) in _REDUCTIONS:
        return True
    return isinstance(rhs, (ast.BinOp, ast.UnaryOp)) or _new_array(rhs, ns) \
        and _dotted(rhs.func) not in _NEW_ARRAYS


def base_name(value: ast.expr) -> str | None:
    """The name whose object `value` is, or may be a view of (`s`, `s[1:]`, `s.T`,
    `np.reshape(s, n)`, `s.ravel()`): not a call that makes a new array."""
    while True:
        if value.__class__ is ast.Name:
            return value.id
        if value.__class__ is ast.Subscript or value.__class__ is ast.Attribute \
                and value.attr in ("T", "real", "imag", "mT"):
            value = value.value
        elif value.__class__ is ast.Call and view_of(value) is not None:
            return view_of(value)[0]
        elif value.__class__ is ast.Call and isinstance(value.func, ast.Attribute) \
                and value.func.attr in _VIEW_METHODS:
            value = value.func.value
        else:
            return None


_VIEW_METHODS = {"reshape", "ravel", "view", "transpose", "squeeze", "swapaxes"}
