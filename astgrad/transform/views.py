"""Which assignments make a name that sees the elements of the array it reads (a view),
and which make a copy, once the kinds of values are known: `shares_through`, for
`aliases` (moved out of it as it grew); and which calls return a view of their first
argument (`view_of`)."""
from __future__ import annotations

import ast

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
    if base.py:
        return False
    if base.ndim is None or base.dtype == "O":
        return True
    parts = how.slice.elts if isinstance(how.slice, ast.Tuple) else [how.slice]
    integers = 0
    for part in parts:
        if isinstance(part, (ast.List, ast.Tuple)):
            return False                          # fancy indexing: a copy
        if _integer(part):
            integers += 1
        elif isinstance(part, ast.Name):
            kind = _kind(part.id, kinds)
            if kind.ndim is not None and kind.ndim > 0 and kind.dtype in ("i", "u", "b"):
                return False                      # an array of indices or a mask: a copy
            if kind.ndim == 0 and kind.dtype in ("i", "u"):
                integers += 1
            else:
                return True
        elif not isinstance(part, ast.Slice):
            return True                           # None, ..., or an expression
    return integers != base.ndim or len(parts) != integers


def _integer(node: ast.expr) -> bool:
    """An integer written in the code: `1`, `-1`."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    return isinstance(node, ast.Constant) and type(node.value) is int
