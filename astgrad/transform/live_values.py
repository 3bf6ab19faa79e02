"""Which names hold a value read live, or made from one (`kinds.from_live`): their kinds
are those of the values when the code was made, which may since have changed."""
from __future__ import annotations

import ast

from .trees import walk


def from_live(body, ns) -> set[str]:
    """The names holding a value read live (from the caller's module or closure when the
    code runs), or made from one: their kinds are those of the values there when the
    code was made, which may since be rebound to arrays of another ndim (a number is
    taken to stay a number, as elsewhere in the compiler)."""
    live = {n for n, k in ns.live.items() if k.ndim != 0} if ns is not None else set()
    flows = []                               # each statement's names read, names bound
    for stmt in ast.walk(ast.Module(list(body), [])) if live else ():
        s, t = (stmt.iter, stmt.target) if isinstance(stmt, ast.For) else \
            (stmt.value, stmt.targets[0]) if isinstance(stmt, ast.Assign) else \
            (stmt.value, stmt.target) if isinstance(stmt, ast.AugAssign) else \
            (stmt.value, stmt.value) if isinstance(stmt, ast.Expr) else (None, None)  # xs.append(v)
        if s is not None:
            flows.append([{n.id for n in walk(e) if isinstance(n, ast.Name)} for e in (s, t)])
    out, size = set(live), -1
    while len(out) > size:                   # to a fixed point
        size = len(out)
        for reads, binds in flows:
            out.update(binds if not reads.isdisjoint(out) else ())
    return out
