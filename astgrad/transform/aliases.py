"""In-place writes the compiler cannot reverse: one array under two names.

`x[i] = v` and `x += v` change the array `x` names. When another name shares
that array (`y = x`, `y = x[1:]`) and is read afterwards, the user's code
reads the changed array through it; generated code that rewrote `x += v` as
`x_1 = x + v`, or whose reverse sweep replays the write, would not. Such a
write is refused with an `InPlaceError` naming the other name and the fix.

`Aliases` records, as the normalize walk binds names, which generated names
may share an array, and checks each in-place write; `reads_after` is the
analysis it checks against (computed on the restructured user code).
"""
from __future__ import annotations

import ast

from ..errors import InPlaceError


class Aliases:
    """Groups of generated names that may name one array (conservatively: a name
    assigned a name or an item or slice of a name joins that name's group)."""

    def __init__(self):
        self._groups: dict[str, set[str]] = {}

    def bind(self, target: str, rhs: ast.expr) -> None:
        """Record the lowered assignment `target = rhs`."""
        source = rhs.id if isinstance(rhs, ast.Name) else \
            rhs.value.id if isinstance(rhs, ast.Subscript) and isinstance(rhs.value, ast.Name) \
            else None
        if source is None:
            return
        group = self._groups.setdefault(source, {source})
        group.add(target)
        self._groups[target] = group

    def check_write(self, user: str, current: dict[str, str], later: set[str], what: str,
                    where: str) -> None:
        """Refuse the in-place write `{user} {what}` if a user's name that may share
        the array is among `later`, the names read after the write."""
        name = current.get(user)
        others = self._groups.get(name, set()) - {name}
        users = {u for u, g in current.items() if g in others and u != user}
        shared = sorted(users & later)
        if shared:
            raise InPlaceError(
                f"`{user} {what}` changes an array in place that `{shared[0]}` also names, "
                f"and `{shared[0]}` is read afterwards.", where,
                fix=f"Make a new value (`{user} = {user} + ...`), or copy first: "
                    f"`{shared[0]} = {user}.copy()`.")


def _reads(stmt: ast.stmt) -> set[str]:
    return {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name)
            and isinstance(n.ctx, ast.Load)}


def reads_after(tree: ast.FunctionDef) -> dict[int, set[str]]:
    """For each statement (by `id`), the user's names read after it; in a loop body,
    also every name the body reads (the next iteration reads it after)."""
    out: dict[int, set[str]] = {}

    def walk(stmts, later: set[str]):
        seen = set(later)
        for stmt in reversed(stmts):
            out[id(stmt)] = set(seen)
            if isinstance(stmt, (ast.For, ast.While)):
                loop = set().union(*(_reads(s) for s in stmt.body)) if stmt.body else set()
                walk(stmt.body, seen | loop)
            elif isinstance(stmt, ast.If):
                walk(stmt.body, seen)
                walk(stmt.orelse, seen)
            seen |= _reads(stmt)

    walk(tree.body, set())
    return out
