"""Part of the normalize pass (called by `inline` for a call it keeps as a call): a
call of a library function, lowered as NumPy would take its arguments.

`lower` gives the call with each list or tuple of values written where a NumPy function
takes an array it differentiates made that array first (`np.dot([x, y], w)` reads
`_1 = np.array([x, y])`), so its rules compute with an array, never a Python list;
`len` of a list of nested functions (known where it is written) as a number; and it
refuses a lambda or nested `def` passed to a library function, which no function
object exists for. `array_operand` does the same for an operand of `@`."""
from __future__ import annotations

import ast

import numpy as np

from ..errors import UnsupportedSyntaxError
from . import piecewise, registry
from .lowering import Lowerer
from .fixes import PER_ELEMENT_FIX, per_element


def lower(node: ast.Call, fn, args: list[ast.expr], keywords: dict[str, ast.expr],
          low: Lowerer) -> ast.expr:
    """The lowered call `node` of the library function `fn` (see the module docstring)."""
    if fn is len and len(node.args) == 1 and isinstance(node.args[0], ast.Name) \
            and isinstance(low.scope.local_fns.get(node.args[0].id), list):
        return ast.Constant(len(low.scope.local_fns[node.args[0].id]))  # a list of functions
    if fn is np.piecewise:                 # elementwise lambdas: np.where of their values
        written = piecewise.lower(node, args, keywords, low)
        if written is not None:
            return written
    _no_nested_functions(node, fn, low)
    args, keywords = _lists_as_arrays(fn, args, keywords, low)
    return ast.Call(node.func, args, [ast.keyword(k, v) for k, v in keywords.items()])


def array_operand(atom: ast.expr, low: Lowerer) -> ast.expr:
    """An operand of `@`: a list written out (`A @ [x, y]`) is the array NumPy makes."""
    if isinstance(atom, (ast.List, ast.Tuple)):
        return low.out.temp(ast.Call(low.ctx.ns.ref(np.array), [atom], []))
    return atom


def _no_nested_functions(call: ast.Call, fn, low: Lowerer) -> None:
    """Refuse a lambda or nested `def` passed to a library function (`np.piecewise(x,
    conds, [lambda v: -v, ...])`): astgrad writes those out where they are called, so
    no function object exists to pass."""
    for arg, keyword in [*((a, None) for a in call.args),
                         *((k.value, k.arg) for k in call.keywords)]:
        for node in arg.elts if isinstance(arg, (ast.List, ast.Tuple)) else [arg]:
            held = low.scope.local_fns.get(node.id) if isinstance(node, ast.Name) else None
            if any(isinstance(f, ast.FunctionDef)
                   for f in (held if isinstance(held, list) else [held])):
                raise UnsupportedSyntaxError(
                    f"passing `{node.id}`, a lambda or nested `def`, to "
                    f"`{ast.unparse(call.func)}` is not supported: astgrad writes such "
                    f"functions out where they are called.", low.scope.where(call),
                    fix=_fix(fn, keyword))


def _fix(fn, keyword: str | None) -> str:
    if per_element(fn):
        return PER_ELEMENT_FIX
    if keyword == "key":                     # sorted, min, max: it only orders the values
        return "Define the key at module level (`def by_size(v): ...`, `key=by_size`) or " \
            "pass a builtin (`key=abs`): a key only orders the values, so it runs as it is."
    return "Call it yourself and pass the values, e.g. `np.select(conds, [f(x), g(x)])` " \
        "for np.piecewise, or define it at module level."


# NumPy's names for the parameters that take a sequence of arrays, kept a sequence.
_SEQUENCE_PARAMS = {"arrays", "tup", "arys", "operands", "condlist", "choicelist", "funclist",
                    "iterable", "object"}


def _lists_as_arrays(fn, args, keywords, low: Lowerer):
    """`np.dot([x, y], w)`: a list or tuple of values written where a library function
    takes an array it differentiates is made the array NumPy makes of it
    (`_1 = np.array([x, y])`), so its rules see an array, not a Python list."""
    prim = registry.lookup(fn)
    numpy = isinstance(fn, np.ufunc) or str(getattr(fn, "__module__", "")).startswith("numpy")
    if prim is None or prim.nondiff or prim.signature is None or fn in (np.asarray, np.array) \
            or not numpy:      # others may take tuples of their own (scipy's `(c, lower)`)
        return args, keywords
    differentiable = {p for p, t in zip(prim.params, prim.vjps) if t is not None}
    positional = prim.params[:len(args)]

    def array(param, value):
        if param not in differentiable or param in _SEQUENCE_PARAMS \
                or not isinstance(value, (ast.List, ast.Tuple)):
            return value
        return array_operand(value, low)
    return ([array(p, a) for p, a in zip(positional, args)] + args[len(positional):],
            {k: array(k, v) for k, v in keywords.items()})
