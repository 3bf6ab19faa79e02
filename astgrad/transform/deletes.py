"""`del name`, before `syntax.check_syntax` (run on the user's function and on every
callee): unbinding a name that nothing reads afterwards changes no value, so the
statement goes (the generated code lets go of values itself). A `del` after which the
name may still be read (which raises `NameError` in the function itself) is left for
`syntax` to refuse; `del xs[i]` is `list_methods`'.

    def f(x):                          def f(x):
        tmp = np.exp(x)                    tmp = np.exp(x)
        s = np.sum(tmp)           ->       s = np.sum(tmp)
        del tmp                            return s * 2
        return s * 2

Inside a loop, the name must be bound earlier in the same block, and read only between
that binding and the `del`, so that every pass binds it before reading it.
"""
from __future__ import annotations

import ast

from .trees import walk

_LOOPS = (ast.For, ast.While)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


def drop_deletes(tree: ast.FunctionDef) -> None:
    """Remove, in place, every `del` of plain names of `tree` (not of its nested defs)
    that nothing can read after; leave the others."""
    if not any(isinstance(n, ast.Delete) for n in walk(tree)):
        return                        # (most often: no `del` at all)
    reads = _reads(tree)

    def visit(block: list[ast.stmt], loop: bool) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for i, stmt in enumerate(block):
            if isinstance(stmt, ast.Delete) and _unread_after(stmt, block[:i], loop, reads):
                continue
            for field in ("body", "orelse", "finalbody"):
                inner = getattr(stmt, field, None)
                if isinstance(inner, list) and inner and not isinstance(stmt, _SCOPES):
                    kept = visit(inner, loop or isinstance(stmt, _LOOPS))
                    setattr(stmt, field, kept or [ast.copy_location(ast.Pass(), inner[0])])
            for handler in getattr(stmt, "handlers", ()):
                handler.body = visit(handler.body, loop) or [
                    ast.copy_location(ast.Pass(), handler.body[0])]
            out.append(stmt)
        return out

    tree.body = visit(tree.body, False) or [ast.copy_location(ast.Pass(), tree.body[0])]


def _reads(tree: ast.FunctionDef) -> dict[str, list[tuple[int, int]]]:
    """Where each name is read: its positions, and (as `(-1, -1)`) a read from a nested
    function, which may run at any time."""
    out: dict[str, list[tuple[int, int]]] = {}
    for node in walk(tree):
        if isinstance(node, _SCOPES) and node is not tree:
            for inner in walk(node):
                if isinstance(inner, ast.Name) and isinstance(inner.ctx, ast.Load):
                    out.setdefault(inner.id, []).append((-1, -1))
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            out.setdefault(node.id, []).append((node.lineno, node.col_offset))
    return out


def _unread_after(stmt: ast.Delete, before: list[ast.stmt], loop: bool,
                  reads: dict[str, list[tuple[int, int]]]) -> bool:
    """Every target of `stmt` is a name that no statement reads after it: outside a loop,
    no read of it comes later in the function; inside one, it is bound by an earlier
    statement of the same block and read only between that binding and the `del`."""
    if not all(isinstance(t, ast.Name) for t in stmt.targets):
        return False
    at = (stmt.lineno, stmt.col_offset)
    for target in stmt.targets:
        places = reads.get(target.id, [])
        if (-1, -1) in places or any(p > at for p in places):
            return False
        if loop:
            bound = next((s for s in before if isinstance(s, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == target.id for t in s.targets)), None)
            if bound is None or any(p < (bound.lineno, bound.col_offset) for p in places):
                return False
    return True
