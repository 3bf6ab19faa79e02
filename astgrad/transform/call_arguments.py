"""A call's arguments as the normalize walk lowers them, and names bound to functions.

`lower` gives a call's arguments as atoms: `f(*xs)` and `f(**kw)` spread where the
items are known, and a `functools.partial(g, ...)` written as an argument of a call
of the user's own function bound to a name of its own (as `bind_function` binds
`h = functools.partial(g, ...)`), which the callee, inlined, then calls.
`bind_function` binds a name to a function value (`act = np.tanh`, a list of
functions, a partial): calls of the name call that function.
"""
from __future__ import annotations

import ast
import types

from ..errors import UnsupportedSyntaxError
from . import binding, inline, registry
from .lowering import Lowerer
from .user_values import user_method


def lower(low: Lowerer, call: ast.Call) -> tuple[list, dict]:
    """A call's arguments lowered to atoms; `f(*xs)` and `f(**kw)` spread when the
    elements of `xs` (a tuple or list written in the code, or `*args`) or the keywords
    of `kw` (an inlined helper's `**kwargs`) are known where the call is written."""
    args, keywords = [], {}
    for arg in call.args:
        if not isinstance(arg, ast.Starred):
            args.append(_argument(low, call, arg))
            continue
        value = low.atom(arg.value)
        elements = value.elts if isinstance(value, (ast.Tuple, ast.List)) \
            else low.ctx.tuples.elements(value)
        if elements is None:
            raise UnsupportedSyntaxError(
                "`*` unpacking of a value whose length is not known where the call is "
                "written is not supported.", low.scope.where(arg),
                fix="Pass the items by position, or a tuple written in the code.")
        args.extend(elements)
    for k in call.keywords:
        if k.arg is not None:
            keywords[k.arg] = _argument(low, call, k.value)
            continue
        value = low.atom(k.value)
        known = low.ctx.keywords.get(value.id) if isinstance(value, ast.Name) else None
        if known is None:
            raise UnsupportedSyntaxError("`**` unpacking is only supported for a helper's "
                                         "`**kwargs` passed on.", low.scope.where(call),
                                         fix="Pass the keyword arguments by name.")
        keywords.update(known)
    return args, keywords


def bind_function(low: Lowerer, name: str, value: ast.expr) -> None:
    """`act = np.tanh`, `fs = [np.sin, relu]`, `h = functools.partial(g, k=v)`: calls of
    `act`, `fs[0]`, `h` call that function (inlined); the value is kept too (`len(fs)`)
    unless it holds a nested def or a partial, which exist only where they are inlined."""
    called = inline.function_value(value, low)
    if isinstance(called, binding.Partial):          # its arguments, as they are now
        called = called.lowered(low.atom)
    low.scope.local_fns[name] = called
    if not any(isinstance(f, (ast.FunctionDef, binding.Partial))
               for f in (called if isinstance(called, list) else [called])):
        low.bind(name, value)


def _argument(low: Lowerer, call: ast.Call, arg: ast.expr) -> ast.expr:
    """`arg` as an atom; a partial passed to the user's own function: a name bound to it."""
    if isinstance(arg, ast.Call) and _calls_users_function(low, call) \
            and isinstance(inline.function_value(arg, low), binding.Partial):
        name = low.ctx.namer.temp()
        bind_function(low, name, arg)
        return ast.Name(name, ast.Load())
    return low.atom(arg)


def _calls_users_function(low: Lowerer, call: ast.Call) -> bool:
    """Is `call` of a function the walk inlines (a nested `def`, a function value, or a
    Python function of the user's)?"""
    if isinstance(call.func, ast.Name) and call.func.id in low.scope.local_fns:
        return True
    fn = low.ctx.ns.value(call.func) if low.ctx.ns is not None else None
    return (isinstance(fn, types.FunctionType) and getattr(fn, "_astgrad", None) is None
            or user_method(fn)) and registry.lookup(fn) is None
