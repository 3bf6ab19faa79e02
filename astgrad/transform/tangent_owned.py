"""Which tangents the forward pass must copy: the names whose items the function writes,
and the tangents that are another name's array rather than a new one.

Read by `forward`: an index write into `x` writes into `tx` too, so `tx` must be an array
no other value's tangent is; and a tangent that is a written name's tangent (`tz = ty` for
`z = 1.0 + y`) is copied unless the value is that name or a view of it, which changes with
it.
"""
from __future__ import annotations

import ast
import copy

import numpy as np

from .. import runtime
from .build import call, is_add_at
from .lattice import Kind
from .views import base_name


def written_into(body, ns) -> set[str]:
    """The names whose items the function writes: `x[i] = v`, `np.add.at(x, i, v)`."""
    out = set()
    for node in (n for s in body for n in ast.walk(s)):
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Subscript) \
                and isinstance(node.targets[0].value, ast.Name):
            out.add(node.targets[0].value.id)
        elif is_add_at(node, ns):
            out.add(node.args[0].id)
    return out


def owned_needed(target: str, value: ast.expr, tangent: ast.expr, tangents: dict[str, str],
                 written: set[str], ns, sharing: set[str] | None = None) -> bool:
    """Must `target = value`'s tangent, `tangent`, be copied into an array of its own? When
    it is not new and `target` is written into, or `value` is a new array (`z = 1.0 + y`)
    and `tangent` is one an index write changes (`tz = ty`; say the reverse sweep's
    write-back of `y[i]`, in a jvp of a grad; `sharing`: see `sharing_written`)."""
    if fresh(tangent, ns):
        return False
    return target in written or shares_written(
        tangent, tangents, written if sharing is None else sharing) and base_name(value) is None


def sharing_written(body, written: set[str]) -> set[str]:
    """`written` and the names that may be (a view of) the array of one (`z = y`, in a
    branch too): the index write changes what they hold, and so their tangents."""
    out, more = set(written), True
    assigns = [node for s in body for node in ast.walk(s) if isinstance(node, ast.Assign)
               and isinstance(node.targets[0], ast.Name)]
    while more:
        more = {a.targets[0].id for a in assigns if base_name(a.value) in out} - out
        out |= more
    return out


def shares_written(tangent: ast.expr, tangents: dict[str, str], written: set[str]) -> bool:
    """Is `tangent` the tangent (`tangents`: name -> its tangent's name) of a name whose
    items the function writes (`written`, and the names sharing their arrays), or a part
    of one (`ty`, `ty[1:]`, `rt.broadcast_like(ty, z)`: `ty` itself where shapes agree)?"""
    while isinstance(tangent, (ast.Subscript, ast.Attribute)) or _broadcast_like(tangent):
        tangent = tangent.args[0] if isinstance(tangent, ast.Call) else tangent.value
    return isinstance(tangent, ast.Name) and any(
        tangents.get(n) == tangent.id for n in written)


def _broadcast_like(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
        and node.func.attr == "broadcast_like" and bool(node.args)


def fresh(tangent: ast.expr, ns) -> bool:
    """Is this tangent a new array nothing else holds (arithmetic, a zero)?"""
    return isinstance(tangent, (ast.BinOp, ast.UnaryOp)) or isinstance(tangent, ast.Call) \
        and ns.value(tangent.func) in (np.zeros_like, np.zeros, runtime.zeros_like)


def copy_of(tangent: ast.expr, kind: Kind, is_dict: bool, maybe_none: bool, ns) -> ast.expr:
    """A copy of `tangent`, the tangent of a value of `kind`, which an index write is about
    to write into: never into a tangent that is also another value's, the caller's, or a
    read-only broadcast. A list's copy is a list, a dict's (`is_dict`) a dict; of a list
    that may be None (`maybe_none`: code astgrad generated starts names at None), whose
    tangent is then a zero, only a list is copied. Of a value of unknown kind, or one that
    may be None, `tangent` must be a name."""
    if kind.dtype == "O" or kind.ndim is None:
        as_list = call(ns, "dict" if is_dict else "list", [tangent])
        if (kind.dtype == "O" or is_dict) and not maybe_none:
            return as_list
        test = call(ns, "isinstance", [copy.deepcopy(tangent), ns.ref(dict if is_dict else list)])
        other = copy.deepcopy(tangent) if kind.dtype == "O" or is_dict else \
            call(ns, "np.copy", [copy.deepcopy(tangent)])
        return ast.IfExp(test, as_list, other)
    return call(ns, "np.copy", [tangent])


def set_to_none(body) -> set[str]:
    """The names `body` sets to None somewhere (`s = None`)."""
    return {node.targets[0].id for s in body for node in ast.walk(s)
            if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Constant) and node.value.value is None}
