"""An array argument the function changes in place both by items and whole stays one array
(run by the normalize pass before it lowers the body).

`x[i] = v` changes the caller's array. `x op= v` is lowered to a new value (`x_1 = x op
v`): NumPy's meaning for a number, and for an array the same values, but the caller's
array would then hold the item writes alone, which is neither what it held nor what the
function leaves in it. So for an array argument the function writes items of and augments,
and never assigns, each `x op= v` becomes `x[...] op= v`, an item write like the others:
the derivative leaves the caller's array as the function does.

`in_helper` does the same, in a helper being inlined, to `p op= v` of a parameter bound to
such an argument (`def h(p): p /= 2.0` called as `h(x)`).

Output guarantee: only those `x op= v` statements change; nested functions and every other
statement are left as they were.
"""
from __future__ import annotations

import ast

from .writes import passed


def whole_writes_in_place(tree: ast.FunctionDef, param_kinds: dict, ns) -> frozenset[str]:
    """Rewrite `tree` in place as the module docstring states; `param_kinds` are the kinds
    the function is specialized for, `ns` resolves its calls (a helper of the user's that
    writes items of its parameter writes those of the array passed). Returns the array
    arguments written in place and never assigned, for `in_helper`."""
    statements = list(_statements(tree.body))
    items, callees = set(), {}
    for stmt in statements:
        items |= passed(stmt, ns, callees, items=True)
    whole, written, assigned = _writes(statements)
    arrays = {name for name, kind in param_kinds.items() if kind.ndim is not None
              and not kind.py and kind.dtype not in (None, "O") and kind.item is None}
    _in_place(statements, (items | written) & whole & arrays - assigned)
    return frozenset((items | written) & arrays - assigned)


def in_helper(tree: ast.FunctionDef, params: list[str], bound: list, arrays: frozenset) -> None:
    """In a helper about to be inlined, `p op= v` of a parameter bound to one of `arrays`
    (see `whole_writes_in_place`) and never assigned becomes `p[...] op= v`: NumPy changes
    the caller's array there, which the function writes items of too."""
    names = {p for p, v in zip(params, bound) if isinstance(v, ast.Name) and v.id in arrays}
    if names:
        statements = list(_statements(tree.body))
        _in_place(statements, names - _writes(statements)[2])


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
