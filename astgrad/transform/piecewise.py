"""Part of the normalize pass (called by `library_calls` for a call of np.piecewise): a
np.piecewise given lambdas or nested `def`s, written out as the `np.where`s it equals.

NumPy calls each function on the entries its condition picks; astgrad writes nested
functions out where they are called, so no function object exists to pass. Where each
function is elementwise (its one parameter goes only through arithmetic and elementwise
NumPy functions, with numbers), calling it on the whole array and keeping the picked
entries gives the same values, so

    np.piecewise(x, [c1, c2], [f, g, h])

is written as (a later condition wins where two hold, as in NumPy; `h` where none does;
the result in x's dtype, as NumPy makes it)

    np.asarray(np.where(c2, g(x), np.where(c1, f(x), h(x))), dtype=np.result_type(x))

and `f(x)`, `g(x)`, `h(x)` are written out as any call of a nested function is. A branch
`np.where` masks out contributes 0 to the derivative (`masked.py`), also where its slope is
infinite. Any other use of nested functions in np.piecewise is refused by name.
"""
from __future__ import annotations

import ast
import copy

import numpy as np

from ..errors import UnsupportedSyntaxError
from . import registry
from .lowering import Lowerer


def lower(call: ast.Call, args: list[ast.expr], keywords: dict[str, ast.expr],
          low: Lowerer) -> ast.expr | None:
    """The atom `np.piecewise(x, condlist, funclist)` is written as, where `funclist`
    holds nested functions; None where it holds none (an ordinary call)."""
    named = dict(zip(("x", "condlist", "funclist"), args)) | keywords
    funclist = named.get("funclist")
    items = funclist.elts if isinstance(funclist, (ast.List, ast.Tuple)) else []
    if not any(_nested(item, low) is not None for item in items):
        return None
    conds = named.get("condlist")
    if len(args) > 3 or set(named) - {"x", "condlist", "funclist"} \
            or not isinstance(conds, (ast.List, ast.Tuple)) \
            or len(items) not in (len(conds.elts), len(conds.elts) + 1):
        _refuse(call, low, "with arguments for the functions, or conditions not written as a "
                           "list of as many conditions as functions (or one fewer)")
    x = named["x"]
    values = [_value(item, x, call, low) for item in items]
    result = values[-1] if len(items) > len(conds.elts) else ast.Constant(0)
    for cond, value in zip(conds.elts, values):
        result = ast.Call(low.ctx.ns.ref(np.where), [copy.deepcopy(cond), value, result], [])
    dtype = ast.Call(low.ctx.ns.ref(np.result_type), [copy.deepcopy(x)], [])
    return low.atom(ast.Call(low.ctx.ns.ref(np.asarray), [result],
                             [ast.keyword("dtype", dtype)]))


def _nested(node: ast.expr, low: Lowerer) -> ast.FunctionDef | None:
    held = low.scope.local_fns.get(node.id) if isinstance(node, ast.Name) else None
    return held if isinstance(held, ast.FunctionDef) else None


def _value(item: ast.expr, x: ast.expr, call: ast.Call, low: Lowerer) -> ast.expr:
    """What `item` of funclist gives on the whole of `x`: a number, or an elementwise
    NumPy function or nested function called on x."""
    if isinstance(item, ast.Constant) and isinstance(item.value, (int, float, complex)):
        return item
    prim = registry.lookup(low.ctx.ns.value(item))
    if prim is not None and prim.elementwise:            # np.tanh itself
        return ast.Call(copy.deepcopy(item), [copy.deepcopy(x)], [])
    fn = _nested(item, low)
    if fn is None or not _elementwise_function(fn, low):
        _refuse(call, low, f"with `{ast.unparse(item)}` in funclist, which is not a number, an "
                           f"elementwise NumPy function, or a lambda or nested `def` of one "
                           f"parameter that is elementwise (arithmetic and elementwise NumPy "
                           f"functions of it and numbers)")
    return ast.Call(ast.Name(item.id, ast.Load()), [copy.deepcopy(x)], [])


def _elementwise_function(fn: ast.FunctionDef, low: Lowerer) -> bool:
    a = fn.args
    if len(a.args) != 1 or a.posonlyargs or a.vararg or a.kwonlyargs or a.kwarg or a.defaults \
            or len(fn.body) != 1 or not isinstance(fn.body[0], ast.Return) \
            or fn.body[0].value is None:
        return False
    return _elementwise(fn.body[0].value, a.args[0].arg, low)


def _elementwise(e: ast.expr, param: str, low: Lowerer) -> bool:
    """Is `e` computed entry by entry from `param` and numbers?"""
    if isinstance(e, ast.Name):
        return e.id == param
    if isinstance(e, ast.Constant):
        return isinstance(e.value, (int, float, complex, bool))
    if isinstance(e, ast.UnaryOp):
        return _elementwise(e.operand, param, low)
    if isinstance(e, ast.BinOp):
        return not isinstance(e.op, ast.MatMult) and _elementwise(e.left, param, low) \
            and _elementwise(e.right, param, low)
    if isinstance(e, ast.Call):
        prim = registry.lookup(low.ctx.ns.value(e.func))
        return prim is not None and bool(prim.elementwise) and not e.keywords \
            and all(_elementwise(arg, param, low) for arg in e.args)
    return False


def _refuse(call: ast.Call, low: Lowerer, what: str):
    raise UnsupportedSyntaxError(
        f"`np.piecewise` {what} is not supported: astgrad writes nested functions out where "
        f"they are called.", low.scope.where(call),
        fix="Call the functions yourself and pick the values, e.g. `np.select(conds, "
            "[f(x), g(x)])`, or pass elementwise lambdas and a list of conditions.")
