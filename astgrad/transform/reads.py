"""Which of the user's names are read after each statement (what an in-place write
there may be seen by): `reads_after`, for `aliases`."""
from __future__ import annotations

import ast

from .trees import walk


# Calls that read only the shape of their arguments (as generated code spells them; each
# argument by position, None: all): `bx = np.zeros_like(x)` does not see what `x` holds.
_SHAPE_ONLY = {"np.shape": None, "np.zeros_like": None, "np.ones_like": None, "len": None,
               "rt.unbroadcast": (1,), "rt.sum_to": (), "rt.shaped_like": (1,),
               "rt.check_seed": (1,)}


def _reads(stmt: ast.stmt) -> set[str]:
    """The names `stmt` reads the elements of (not those it reads only the shape of)."""
    skip = set()
    for node in walk(stmt):
        if isinstance(node, ast.Attribute) and node.attr in ("shape", "ndim", "size", "dtype"):
            skip.add(id(node.value))
        elif isinstance(node, ast.Call) and _dotted(node.func) in _SHAPE_ONLY:
            positions = _SHAPE_ONLY[_dotted(node.func)]
            skip |= {id(a) for i, a in enumerate(node.args) if positions is None
                     or i in positions}
    return {n.id for n in walk(stmt) if isinstance(n, ast.Name)
            and isinstance(n.ctx, ast.Load) and id(n) not in skip}


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return f"{node.value.id}.{node.attr}"
    return None


def reads_after(tree: ast.FunctionDef) -> dict[int, set[str]]:
    """For each statement (by `id`), the user's names read after it before being
    assigned again (those live after it); in a loop body, also the names the loop's
    header reads and those the body reads before assigning them (the next iteration
    reads them after)."""
    out: dict[int, set[str]] = {}
    _live(tree.body, set(), out)
    return out


def _live(stmts: list[ast.stmt], later: set[str], out: dict | None) -> set[str]:
    """The names live before `stmts` when `later` are live after them, recording (in
    `out`, when given) those live after each statement."""
    seen = set(later)
    for stmt in reversed(stmts):
        if out is not None:
            out[id(stmt)] = set(seen)
        if isinstance(stmt, (ast.For, ast.While)):
            # The next iteration reads the body again, and the header: `while` tests
            # again, and `for t in a` reads the next item of `a` as it is then.
            header = stmt.iter if isinstance(stmt, ast.For) else stmt.test
            again = _reads(header) | _live(stmt.body, set(), None) - _assigned(stmt)
            if out is not None:
                _live(stmt.body, seen | again, out)
            seen |= again | set().union(*(_reads(s) for s in stmt.orelse))
        elif isinstance(stmt, ast.If):
            seen = _reads(stmt.test) | _live(stmt.body, seen, out) | \
                _live(stmt.orelse, seen, out)
        else:
            seen = (seen - _assigned(stmt)) | _reads(stmt)   # read after: the new value
    return seen


def _assigned(stmt: ast.stmt) -> set[str]:
    """The names a plain assignment surely binds, or a `for` loop at the top of each
    iteration (none for any other statement)."""
    targets = stmt.targets if isinstance(stmt, ast.Assign) else \
        [stmt.target] if isinstance(stmt, ast.For) else []
    return {n.id for t in targets for n in walk(t)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
