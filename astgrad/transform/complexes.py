"""Complex values in the reverse sweep: a real value's adjoint stays real.

In the convention astgrad follows (autograd's and JAX's, docs/complex.md) an
adjoint pairs with a tangent as `Re(g * t)`. A real value `x` that flows into a
complex result (`z = x * w`) gets the real part of what the rule sends back:
the adjoint of `x` in the real-linear sense. Code with no complex value in it,
as far as the kinds know, is left as it is.
"""
from __future__ import annotations

import ast

import numpy as np

from ..errors import NoRuleError
from .build import call
from .kinds import UNKNOWN
from .trees import statements, walk

_REAL = ("b", "i", "u", "f")


# functions that may return complex values for real arguments
_COMPLEX_FROM_REAL = (np.linalg.eig, np.linalg.eigvals)


def mentions_complex(fn: ast.FunctionDef, kinds: dict, ns=None) -> bool:
    """Does any value of `fn` (by its kind) or literal (`1j`) hold a complex number, or
    does `fn` call a function that makes complex values of real ones (`np.linalg.eigvals`)?"""
    return any(k is not None and k.dtype == "c" for k in kinds.values()) or any(
        isinstance(n, ast.Constant) and isinstance(n.value, complex)
        or ns is not None and isinstance(n, ast.Call)
        and any(ns.value(n.func) is f for f in _COMPLEX_FROM_REAL) for n in walk(fn))


def real_part(sweep, stmt, name: str, expr: ast.expr) -> ast.expr:
    """`np.real(expr)` where `expr`, the adjoint `stmt` sends to the real value `name`,
    may be complex: `stmt`'s result is complex, or of a dtype not known (or a tuple) in
    a function that holds complex values somewhere. `sweep` is the reverse pass (its
    `fn`, `kinds` and `ns`)."""
    kinds, own = sweep.kinds, sweep.kinds.get(name, UNKNOWN).dtype
    if own not in (*_REAL, None) or not isinstance(stmt, ast.Assign):
        return expr
    if own is None:               # not known to be real or complex: decided at run time
        return call(sweep.ns, "rt.real_if_real", [expr, ast.Name(name, ast.Load())]) \
            if _anywhere(sweep) else expr
    target = stmt.targets[0]
    while isinstance(target, ast.Subscript):      # `x[i] = v`: the array written
        target = target.value
    if not isinstance(target, ast.Name) or target.id == name:
        return expr
    dtype = kinds.get(target.id, UNKNOWN).dtype
    if dtype == "c" or dtype in (None, "O") and _anywhere(sweep):    # "O": np.linalg.eig's pair
        return call(sweep.ns, "np.real", [expr])
    return expr


def _anywhere(sweep) -> bool:
    """`mentions_complex` of the sweep's function, found once per sweep."""
    if getattr(sweep, "complex_values", None) is None:
        sweep.complex_values = mentions_complex(sweep.fn, sweep.kinds, sweep.ns)
    return sweep.complex_values


def refuse_unsupported(tree: ast.FunctionDef, activity, kinds: dict, ns, where) -> None:
    """Refuse, where a derivative of a complex value would flow through it, `np.sign` (on
    real numbers piecewise constant, on complex ones `z / |z|`) and `np.interp` of complex
    points (the branch a rule takes for real values only, `if np.isrealobj(x)`, excepted)."""
    anywhere = None                      # (asked only of a function that calls either)
    tests = {s.targets[0].id for s in statements(tree) if isinstance(s, ast.Assign)
             and isinstance(s.targets[0], ast.Name) and _is_call(s.value, np.isrealobj, ns)}
    for node in _unguarded(tree.body, tests, ns):
        fn = ns.value(node.func) if isinstance(node, ast.Call) else None
        if fn is not np.sign and fn is not np.interp:
            continue
        if anywhere is None:
            anywhere = mentions_complex(tree, kinds, ns)
        given = [*node.args[:1 if fn is np.sign else 2],
                 *(k.value for k in node.keywords if k.arg in ("x", "xp"))]
        args = [a for a in given if isinstance(a, ast.Name) and a.id in activity.varied
                and (kinds.get(a.id, UNKNOWN).dtype == "c"
                     or kinds.get(a.id, UNKNOWN).dtype is None and anywhere)]
        if not args:
            continue
        name = args[0].id
        if fn is np.sign:
            raise NoRuleError(f"`np.sign({name})` of a complex value is {name} / |{name}|, "
                              f"which is not constant: astgrad does not differentiate it.",
                              where(node), fix=f"Write `{name} / np.abs({name})`.")
        raise NoRuleError(f"`np.interp` at the complex points `{name}`: x and xp are "
                          f"positions on the real line, so complex ones have no derivative "
                          f"(NumPy refuses them too).", where(node),
                          fix="Interpolate at real points; complex sample values fp are "
                              "differentiated.")


def _unguarded(stmts, tests, ns):
    """Every node of `stmts` but those under `if np.isrealobj(...)` (or a name holding it)."""
    for stmt in stmts:
        if isinstance(stmt, ast.If):
            test = stmt.test
            guarded = isinstance(test, ast.Name) and test.id in tests \
                or _is_call(test, np.isrealobj, ns)
            yield from walk(test)
            if not guarded:
                yield from _unguarded(stmt.body, tests, ns)
            yield from _unguarded(stmt.orelse, tests, ns)
        elif isinstance(stmt, (ast.For, ast.While)):
            yield from walk(stmt.iter if isinstance(stmt, ast.For) else stmt.test)
            yield from _unguarded(stmt.body, tests, ns)
            yield from _unguarded(stmt.orelse, tests, ns)
        else:
            yield from walk(stmt)


def _is_call(node, fn, ns) -> bool:
    return isinstance(node, ast.Call) and ns.value(node.func) is fn
