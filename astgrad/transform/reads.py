"""Which of the user's names are read after each statement (what an in-place write
there may be seen by): `reads_after`, for `aliases`; and, for a call inside a statement
that may change an array in place, those the rest of the statement reads:
`reads_later_in`."""
from __future__ import annotations

import ast

from .trees import walk


# Calls that read only the shape of their arguments (as generated code spells them; each
# argument by position, None: all): `bx = np.zeros_like(x)` does not see what `x` holds.
_SHAPE_ONLY = {"np.shape": None, "np.zeros_like": None, "np.ones_like": None, "len": None,
               "rt.unbroadcast": (1,), "rt.sum_to": (), "rt.shaped_like": (1,),
               "rt.check_seed": (1,)}


def _reads(stmt: ast.AST) -> set[str]:
    """The names `stmt` reads the elements of (not those it reads only the shape of)."""
    return {n.id for n in _read_nodes(stmt)}


def _read_nodes(stmt: ast.AST) -> list[ast.Name]:
    """The `Name` nodes in `stmt` that read the elements of what they name."""
    skip = set()
    for node in walk(stmt):
        if isinstance(node, ast.Attribute) and node.attr in ("shape", "ndim", "size", "dtype"):
            skip.add(id(node.value))
        elif isinstance(node, ast.Call) and _dotted(node.func) in _SHAPE_ONLY:
            positions = _SHAPE_ONLY[_dotted(node.func)]
            skip |= {id(a) for i, a in enumerate(node.args) if positions is None
                     or i in positions}
    return [n for n in walk(stmt) if isinstance(n, ast.Name)
            and isinstance(n.ctx, ast.Load) and id(n) not in skip]


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


def reads_later_in(stmt: ast.stmt, node: ast.expr) -> set[str]:
    """The user's names `stmt` reads after evaluating `node`, an expression in it (a call
    that may change an array in place): the operands Python evaluates after it (the rest
    of a conditional expression, an assignment's target, `x` of `x op= ...`) and, when
    `node` is in the header of an `if`/`for`/`while`, those its blocks read before
    assigning them (and a `while` test, evaluated again). `reads_after` gives the rest."""
    order = [n for part in _parts(stmt) for n in _evaluated(part)]
    at = next((i for i, n in enumerate(order) if n is node), None)
    if at is None:                        # a copy of the call: found by where it is written
        at = next((i for i, n in enumerate(order) if _same_place(n, node)), -1)
    elements = {id(n) for n in _read_nodes(stmt)}
    out = {n.id for n in order[at + 1:] if id(n) in elements}
    if isinstance(stmt, ast.AugAssign):   # `x op= v` reads `x` after `v`
        out |= {n.id for n in walk(stmt.target) if isinstance(n, ast.Name)}
    return out | _blocks_read(stmt)


def _parts(stmt: ast.stmt) -> list[ast.expr]:
    """The expressions of `stmt` in the order Python evaluates them (the blocks of an
    `if`/`for`/`while` left out)."""
    if isinstance(stmt, ast.Assign):
        return [stmt.value, *stmt.targets]
    if isinstance(stmt, ast.AugAssign):
        return [stmt.target, stmt.value]
    if isinstance(stmt, ast.If | ast.While):
        return [stmt.test]
    if isinstance(stmt, ast.For):
        return [stmt.iter, stmt.target]
    return [c for c in ast.iter_child_nodes(stmt) if isinstance(c, ast.expr)]


def _evaluated(node: ast.AST) -> list[ast.AST]:
    """`node` and the nodes under it, each after those Python evaluates before it."""
    if isinstance(node, ast.Dict):
        children = [c for k, v in zip(node.keys, node.values) for c in (k, v) if c is not None]
    else:
        children = [c for c in ast.iter_child_nodes(node)
                    if isinstance(c, ast.expr | ast.keyword)]
    return [n for c in children for n in _evaluated(c)] + [node]


def _same_place(a: ast.AST, b: ast.AST) -> bool:
    where = ("lineno", "col_offset", "end_lineno", "end_col_offset")
    return type(a) is type(b) and hasattr(b, "lineno") and \
        all(getattr(a, w, None) == getattr(b, w, None) for w in where)


def _blocks_read(stmt: ast.stmt) -> set[str]:
    """The names the blocks of an `if`/`for`/`while` read before assigning them, and the
    test of a `while` (run after its header)."""
    if isinstance(stmt, ast.If):
        return _live(stmt.body, set(), None) | _live(stmt.orelse, set(), None)
    if isinstance(stmt, ast.While):
        return _live(stmt.body, _reads(stmt.test), None) | _live(stmt.orelse, set(), None)
    if isinstance(stmt, ast.For):
        return (_live(stmt.body, set(), None) - _assigned(stmt)) | _live(stmt.orelse, set(),
                                                                           None)
    return set()
