"""Fresh gradients: no gradient is returned as `np.broadcast_to(g, x.shape)`, a
read-only view a caller could not update in place; it is `np.full_like(x, g)`,
a fresh array of `x`'s shape and dtype.

    before                                  after
    bx = np.broadcast_to(g, x.shape)        bx = np.full_like(x, g)
    return bx                               return bx
"""
from __future__ import annotations

import ast

import numpy as np

from ..resolve import Namespace
from .analyses import Survey, blocks, single_target, survey


def fresh_gradients(fn: ast.FunctionDef, ns: Namespace, known: Survey | None = None) -> bool:
    """Rewrite, in place, each returned broadcast whose target shape is `x.shape`; True
    if any was. `known`: the survey of `fn`, if one was made since it last changed."""
    defs = (known or survey(fn)).defs
    changed = False
    for block in blocks(fn):
        for item in _returned(block):
            if isinstance(item, ast.Name) and defs.get(item.id) == 1:
                item = next((s.value for s in block if single_target(s) == item.id), None)
            if isinstance(item, ast.Call) and ns.value(item.func) is np.broadcast_to:
                target = _shape_arg(item, ns)
                if target is not None:
                    changed = True
                    item.func = ns.ref(np.full_like)
                    item.args = [target, item.args[0]]
                    if _complex(item.args[1]):      # `x` may be the real part: the dtype of both
                        item.keywords = [ast.keyword("dtype", ast.Call(
                            ns.ref(np.result_type), [target, item.args[1]], []))]
    return changed


def _returned(block) -> list[ast.expr]:
    """The values `block`'s final `return` returns, tuples (and tuples in them) opened."""
    ret = block[-1]
    if not isinstance(ret, ast.Return) or ret.value is None:
        return []
    returned = ret.value.elts if isinstance(ret.value, ast.Tuple) else [ret.value]
    return [e for node in returned for e in (node.elts if isinstance(node, ast.Tuple) else [node])]


def _shape_arg(call, ns):
    """`x` if `call`'s second argument is `x.shape` or `np.shape(x)`."""
    node = call.args[1] if len(call.args) > 1 else None
    if isinstance(node, ast.Attribute) and node.attr == "shape":
        return node.value
    if isinstance(node, ast.Call) and ns.value(node.func) is np.shape:
        return node.args[0]
    return None


def _complex(node) -> bool:
    """Does `node` hold a complex literal (`g + 0j`, the adjoint of a real part)?"""
    return any(isinstance(n, ast.Constant) and isinstance(n.value, complex)
               for n in ast.walk(node))
