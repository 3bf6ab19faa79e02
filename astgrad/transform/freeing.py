"""Batched code lets go of each batch of tangents after the last statement that reads
it: a forward-over-reverse sweep names many tangents that would otherwise live to
its return, and each holds a chunk's worth of directions (see `batch`). Code in mode
"tangent" (`ag.hvp`, `ag.hessian`, `ag.jacobian`), run rather than read, lets go of
every value so (the driver's pass "free"); `batch` takes those `del`s out before it
rewrites such code and puts its own in after.

    before                                  after
    t4 = tx[1:] - t2 * 2 * bt.ex(_2)        t4 = tx[1:] - t2 * 2 * bt.ex(_2)
    tb4 = 200.0 * bt.ex(b6) * t4            tb4 = 200.0 * bt.ex(b6) * t4
    tbx[:-1] = t19 + tb4                    del t4
    return tbx                              tbx[:-1] = t19 + tb4
                                            return tbx
"""
from __future__ import annotations

import ast

from .build import made_once, parameters


def free_after_last_use(fn: ast.FunctionDef, names: set[str]) -> None:
    """After the last top-level statement of `fn` that mentions one of `names`, `del` it
    (in `fn`, in place), where that is sure to be right: the name is assigned once, at
    the top level (so it is bound there, and no later value is), it is not a parameter,
    no nested function or lambda reads it (one may run later), it is not declared
    `global` or `nonlocal`, and a statement other than the return follows."""
    held = set(parameters(fn))
    for node in ast.walk(fn):
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            held.update(node.names)
        elif isinstance(node, (ast.FunctionDef, ast.Lambda)) and node is not fn:
            held.update(n.id for n in ast.walk(node) if isinstance(n, ast.Name))
    free = (names & made_once(fn)) - held
    last: dict[str, int] = {}
    for i, stmt in enumerate(fn.body):
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and node.id in free:
                last[node.id] = i
    after: dict[int, list[str]] = {}
    for name, i in last.items():
        if i + 1 < len(fn.body) and not isinstance(fn.body[i + 1], ast.Return):
            after.setdefault(i, []).append(name)
    body = []
    for i, stmt in enumerate(fn.body):
        body.append(stmt)
        if i in after:
            body.append(ast.Delete([ast.Name(n, ast.Del()) for n in sorted(after[i])]))
    fn.body = body


def take_deletes(fn: ast.FunctionDef) -> set[str]:
    """Drop `fn`'s top-level `del` statements (in place) and return the names they let
    go: code that rewrites `fn` (see `batch`) frees them again where it reads them last."""
    dels = [s for s in fn.body if isinstance(s, ast.Delete)]
    fn.body = [s for s in fn.body if not isinstance(s, ast.Delete)]
    return {t.id for s in dels for t in s.targets if isinstance(t, ast.Name)}
