"""In-place writes the alias analysis cannot decide, checked when the code runs.

`aliases` refuses a write into an array when another name read afterwards may hold
that array too. Often the two only may share: one name was given either of two
arrays in a branch (`h = A[-1] if c else x`), or a new array in a loop the analysis
cannot prove runs (`for W in layers: h = np.tanh(W @ h)`). Whether they share is
known when the code runs, so `checked` puts

    rt.unshared(x, h, 'x += ...', 'h')

before the write: the generated code refuses it then, with the error the analysis
would give, on a call where the two do share memory, and otherwise goes on as for
two arrays that never share (the derivative of a write no other name sees).
"""
from __future__ import annotations

import ast

from .trees import walk


def checked(tree: ast.FunctionDef, write: ast.stmt | None, name: str,
            pairs: list[tuple[str, str]], text: str) -> bool:
    """Put before `write` (the statement writing into the generated name `name`, in
    `tree`; `text`, the user's write: `x += ...`) a run-time check of each (user's name,
    generated name) of `pairs`; False,
    changing nothing, where that cannot be: the write was not found, a name of `pairs`
    is `name` itself (they surely share), or is not surely bound at the write."""
    if write is None or any(other == name for _, other in pairs):
        return False
    found = _bound_at(tree.body, write, _parameters(tree))
    if found is None:
        return False
    bound, block = found
    if any(other not in bound for _, other in pairs):
        return False
    at = next(i for i, stmt in enumerate(block) if stmt is write)
    checks = [ast.copy_location(ast.Expr(ast.Call(
        ast.Attribute(ast.Name("rt", ast.Load()), "unshared", ast.Load()),
        [ast.Name(name, ast.Load()), ast.Name(other, ast.Load()),
         ast.Constant(text), ast.Constant(shown)], [])), write)
        for shown, other in pairs]
    block[at:at] = checks
    return True


def _parameters(fn: ast.FunctionDef) -> set[str]:
    args = fn.args
    names = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
    names += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
    return set(names)


def _bound_at(stmts: list[ast.stmt], target: ast.stmt,
              bound: set[str]) -> tuple[set[str], list[ast.stmt]] | None:
    """The names surely bound when `target`, in `stmts` or a block inside them, runs, and
    the block holding it; None if it is not there."""
    bound = set(bound)
    for stmt in stmts:
        if stmt is target:
            return bound, stmts
        for block, more in _blocks(stmt):
            found = _bound_at(block, target, bound | more)
            if found is not None:
                return found
        bound |= _surely(stmt)
    return None


def _blocks(stmt: ast.stmt) -> list[tuple[list[ast.stmt], set[str]]]:
    """The blocks of a compound statement, each with the names bound on entering it."""
    if isinstance(stmt, ast.For):
        return [(stmt.body, _names(stmt.target)), (stmt.orelse, set())]
    if isinstance(stmt, (ast.If, ast.While)):
        return [(stmt.body, set()), (stmt.orelse, set())]
    if isinstance(stmt, ast.With):
        return [(stmt.body, set().union(*(_names(i.optional_vars) for i in stmt.items
                                          if i.optional_vars is not None)))]
    return []


def _surely(stmt: ast.stmt) -> set[str]:
    """The names `stmt` binds on every path through it (a loop's body may not run)."""
    if isinstance(stmt, ast.Assign):
        return set().union(*(_names(t) for t in stmt.targets))
    if isinstance(stmt, (ast.AugAssign, ast.AnnAssign)):
        return _names(stmt.target) if getattr(stmt, "value", None) is not None else set()
    if isinstance(stmt, (ast.FunctionDef, ast.ClassDef)):
        return {stmt.name}
    if isinstance(stmt, ast.If):
        body, orelse = _all(stmt.body), _all(stmt.orelse)
        return (orelse if body is None else body if orelse is None else body & orelse) or set()
    if isinstance(stmt, ast.With):
        return _all(stmt.body) or set()
    return set()


def _all(block: list[ast.stmt]) -> set[str] | None:
    """The names a block binds on every path that goes on after it; None if none does
    (it returns, raises, or leaves the loop iteration)."""
    out = set()
    for stmt in block:
        if isinstance(stmt, (ast.Return, ast.Raise, ast.Break, ast.Continue)):
            return None
        out |= _surely(stmt)
    return out


def _names(target: ast.expr) -> set[str]:
    return {n.id for n in walk(target) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
