"""An array argument the function changes in place both by items and whole stays one array
(run by the normalize pass before it lowers the body).

`x[i] = v` changes the caller's array. `x op= v` is lowered to a new value (`x_1 = x op
v`): NumPy's meaning for a number, and for an array the same values, but the caller's
array would then hold the item writes alone, which is neither what it held nor what the
function leaves in it. So for an array argument the function writes items of (under any
name: `argument_holds` follows `a, x = x, a`, `b = x`, `h(x)` returning `x`), each `a op=
v` where `a` can hold only such an argument's array becomes `a[...] op= v`, an item write
like the others: the derivative leaves the caller's array as the function does. Where `a`
may hold that array on one path and another value on another, it is left as it is.

`in_helper` does the same, in a helper being inlined, to `p op= v` of a parameter bound to
such an argument (`def h(p): p /= 2.0` called as `h(x)`, `h(b)`, `h(x if c else x)`).

Output guarantee: only those `x op= v` statements change; nested functions and every other
statement are left as they were.
"""
from __future__ import annotations

import ast
import inspect
from dataclasses import dataclass, field

from . import registry
from .argument_holds import OTHER, VIEW, arrays_in, held, value_holds
from .opaque import is_library_function
from .writes import passed


@dataclass(frozen=True)
class InPlace:
    """What `whole_writes_in_place` found, for `in_helper`."""

    arrays: frozenset = frozenset()     # arguments written in place and never assigned
    calls: dict = field(default_factory=dict)   # id of a call -> parameters bound to such


def whole_writes_in_place(tree: ast.FunctionDef, param_kinds: dict, ns) -> InPlace:
    """Rewrite `tree` in place as the module docstring states; `param_kinds` are the kinds
    the function is specialized for, `ns` resolves its calls (a helper of the user's that
    writes items of its parameter writes those of the array passed). An argument's array
    may be augmented, or have its items written, under another name (`a, x = x, a`, `b =
    x`, `h(x if c else x)`): `held` follows it."""
    statements = list(_statements(tree.body))
    arrays = {name for name, kind in param_kinds.items() if kind.ndim is not None
              and not kind.py and kind.dtype not in (None, "O") and kind.item is None}
    callees: dict = {}
    # the names each statement writes items of, itself or through a user's function
    into = {id(stmt): _writes([stmt])[1] | passed(stmt, ns, callees, items=True)
            for stmt in statements}
    if not any(into.values()):        # no item written: no `x op= v` to change (most often)
        return InPlace()
    holds, assigned = held(tree, arrays, ns), _writes(statements)[2]
    changed = set().union(*(arrays_in(holds[id(stmt)].get(name, ())) for stmt in statements
                            for name in into[id(stmt)]))
    for stmt in statements:
        if isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
            _augmented(stmt, holds[id(stmt)].get(stmt.target.id, _OTHER), changed)
    calls = {id(call): params for stmt in statements for call, params in _calls(
        stmt, holds[id(stmt)], changed, ns)}
    return InPlace(frozenset(set().union(*into.values()) & arrays - assigned), calls)


def in_helper(tree: ast.FunctionDef, params: list[str], bound: list, in_place: InPlace | None,
              call: ast.Call) -> None:
    """In a helper about to be inlined for `call`, `p op= v` of a parameter bound to one of
    the arrays `whole_writes_in_place` found, and never assigned, becomes `p[...] op= v`:
    NumPy changes the caller's array there, which the function writes items of too."""
    if in_place is None:
        return
    names = {p for p, v in zip(params, bound) if isinstance(v, ast.Name)
             and v.id in in_place.arrays} | in_place.calls.get(id(call), set())
    if names:
        statements = list(_statements(tree.body))
        _in_place(statements, names - _writes(statements)[2])


def _augmented(stmt: ast.AugAssign, holds: frozenset, changed: set[str]) -> None:
    """`x op= v` where `x` holds an argument's array whose items the function writes: made
    `x[...] op= v` when `x` holds nothing else; left as it is when it may hold another
    value (say a number, which `x[...] op= v` cannot change)."""
    if not arrays_in(holds) & changed or any(h.endswith(VIEW) for h in holds):
        return
    if OTHER in holds:      # left a new value: `grad` may then put back the caller's
        return              # array as given (which it may), rather than refuse the code
    _in_place([stmt], {stmt.target.id})


def _calls(stmt: ast.stmt, holds: dict, changed: set[str], ns):
    """Each call of a user's function in `stmt` with the parameters it binds to an
    argument's array whose items the function writes (`h(b)`, `h(x if c else x)`)."""
    for node in _expressions(stmt):
        fn = ns.value(node.func) if isinstance(node, ast.Call) and ns is not None else None
        if not inspect.isfunction(fn) or getattr(fn, "_astgrad", None) is not None \
                or registry.lookup(fn) is not None or is_library_function(fn):
            continue                # (NumPy 1.x's `np.where` is a Python function too)
        if any(isinstance(a, ast.Starred) for a in node.args):
            continue
        params = list(inspect.signature(fn, follow_wrapped=False).parameters)
        given = dict(zip(params, node.args)) | {k.arg: k.value for k in node.keywords if k.arg}
        mine = {p for p, v in given.items() if OTHER not in (s := value_holds(v, holds))
                and not any(h.endswith(VIEW) for h in s)
                and arrays_in(s) & changed}
        if mine:
            yield node, frozenset(mine)


def _expressions(stmt: ast.stmt):
    """The nodes of `stmt`'s own expressions (not of its nested blocks, nor of lambdas)."""
    todo = [v for f, v in ast.iter_fields(stmt) if f not in _BLOCKS]
    while todo:
        node = todo.pop()
        if isinstance(node, list):
            todo += node
        elif isinstance(node, ast.AST) and not isinstance(node, (ast.Lambda, ast.stmt)):
            yield node
            todo += list(ast.iter_child_nodes(node))


def _writes(statements) -> tuple[set[str], set[str], set[str]]:
    """The names `statements` augment whole (`x op= v`), write items of, and assign."""
    whole, items, assigned = set(), set(), set()
    for stmt in statements:
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Name) and all(
                isinstance(t, ast.Name) and t.id == stmt.value.id for t in stmt.targets):
            continue                                 # `x = x` binds nothing new
        targets = stmt.targets if isinstance(stmt, ast.Assign) else \
            [stmt.target] if isinstance(stmt, (ast.AugAssign, ast.AnnAssign, ast.For)) else []
        for target in targets:
            if isinstance(stmt, ast.AugAssign) and isinstance(target, ast.Name):
                whole.add(target.id)
                continue
            base = target
            while isinstance(base, ast.Subscript):
                base = base.value
            if isinstance(base, ast.Name) and base is not target:
                items.add(base.id)
            assigned |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)
                         and isinstance(n.ctx, ast.Store)}
    return whole, items, assigned


def _in_place(statements, names: set[str]) -> None:
    for stmt in statements:
        if isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name) \
                and stmt.target.id in names:
            stmt.target = ast.copy_location(ast.Subscript(
                ast.Name(stmt.target.id, ast.Load()), ast.Constant(Ellipsis), ast.Store()),
                stmt.target)


def _statements(body: list[ast.stmt]):
    """Every statement of `body`, in nested blocks too, but not in nested functions."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list):
                yield from _statements([s for s in inner if isinstance(s, ast.stmt)] + [
                    s for h in inner if not isinstance(h, ast.stmt) for s in h.body])


_OTHER = frozenset({OTHER})
_BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")
