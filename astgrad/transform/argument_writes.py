"""An array argument the function changes in place both by items and whole stays one array
(run by the normalize pass before it lowers the body).

`x[i] = v` changes the caller's array. `x op= v` is lowered to a new value (`x_1 = x op
v`): NumPy's meaning for a number, and for an array the same values, but the caller's
array would then hold the item writes alone, which is neither what it held nor what the
function leaves in it. So for an array argument the function writes items of and augments,
and never assigns, each `x op= v` becomes `x[...] op= v`, an item write like the others:
the derivative leaves the caller's array as the function does.

Output guarantee: only those `x op= v` statements change; nested functions and every other
statement are left as they were.
"""
from __future__ import annotations

import ast

from .writes import passed


def whole_writes_in_place(tree: ast.FunctionDef, param_kinds: dict, ns) -> None:
    """Rewrite `tree` in place as the module docstring states; `param_kinds` are the kinds
    the function is specialized for, `ns` resolves its calls (a helper of the user's that
    writes items of its parameter writes those of the array passed)."""
    statements = list(_statements(tree.body))
    items, whole, assigned, callees = set(), set(), set(), {}
    for stmt in statements:
        items |= passed(stmt, ns, callees)
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
    arrays = {name for name, kind in param_kinds.items() if kind.ndim is not None
              and not kind.py and kind.dtype not in (None, "O") and kind.item is None}
    for stmt in statements:
        if isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name) \
                and stmt.target.id in (items & whole & arrays) - assigned:
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
