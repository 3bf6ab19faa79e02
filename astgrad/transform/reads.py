"""Which of the user's names are read after each statement (what an in-place write
there may be seen by): `reads_after`, for `aliases`."""
from __future__ import annotations

import ast

from .trees import walk


# Calls that read only the shape of their arguments (as generated code spells them; each
# argument by position, None: all): `bx = np.zeros_like(x)` does not see what `x` holds.
_SHAPE_ONLY = {"np.shape": None, "np.size": None, "np.ndim": None, "np.zeros_like": None, "np.ones_like": None, "len": None,
               "rt.unbroadcast": (1,), "rt.sum_to": (), "rt.shaped_like": (1,),
               "rt.check_seed": (1,)}


def _reads_of(stmt: ast.stmt) -> set[str]:
    """The names `stmt` reads the elements of (not those it reads only the shape of)."""
    skip, nodes = set(), walk(stmt)
    for node in nodes:
        if isinstance(node, ast.Attribute) and node.attr in ("shape", "ndim", "size", "dtype"):
            skip.add(id(node.value))
        elif isinstance(node, ast.Call) and (dotted := _dotted(node.func)) in _SHAPE_ONLY:
            positions = _SHAPE_ONLY[dotted]
            skip |= {id(a) for i, a in enumerate(node.args) if positions is None
                     or i in positions}
    augmented = {stmt.target.id} if isinstance(stmt, ast.AugAssign) \
        and isinstance(stmt.target, ast.Name) else set()        # `q *= 2.0` reads `q`
    return augmented | {n.id for n in nodes if isinstance(n, ast.Name)
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
    _live(tree.body, set(), out, {})
    return out


def _live(stmts: list[ast.stmt], later: set[str], out: dict | None, known: dict) -> set[str]:
    """The names live before `stmts` when `later` are live after them, recording (in
    `out`, when given) those live after each statement; `known`: the names each node
    (by id) reads, found once (a loop's body is asked twice; the tree stays as it is)."""
    seen = set(later)
    for stmt in reversed(stmts):
        if out is not None:
            out[id(stmt)] = set(seen)
        if isinstance(stmt, (ast.For, ast.While)):
            # The next iteration reads the body again, and the header: `while` tests
            # again, and `for t in a` reads the next item of `a` as it is then.
            header = stmt.iter if isinstance(stmt, ast.For) else stmt.test
            again = _known(header, known) | _live(stmt.body, set(), None, known) - _assigned(stmt)
            if out is not None:
                _live(stmt.body, seen | again, out, known)
            seen |= again | set().union(*(_known(s, known) for s in stmt.orelse))
        elif isinstance(stmt, ast.If):
            seen = _known(stmt.test, known) | _live(stmt.body, seen, out, known) | \
                _live(stmt.orelse, seen, out, known)
        else:
            seen = (seen - _assigned(stmt)) | _known(stmt, known)   # read after: the new value
    return seen


def _known(node: ast.AST, known: dict) -> set[str]:
    """`_reads_of(node)`, found once (a set to read, not to change)."""
    found = known.get(id(node))
    if found is None:
        found = known[id(node)] = _reads_of(node)
    return found


def _assigned(stmt: ast.stmt) -> set[str]:
    """The names a plain assignment surely binds, or a `for` loop at the top of each
    iteration (none for any other statement)."""
    targets = stmt.targets if isinstance(stmt, ast.Assign) else \
        [stmt.target] if isinstance(stmt, ast.For) else []
    return {n.id for t in targets for n in walk(t)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def around_call(stmt: ast.stmt, call: ast.expr) -> tuple[set[str], set[str]]:
    """The user's names `stmt` reads around its call `call` (found by identity), which an
    in-place write by the call may reach: (those evaluated before the call whose object
    the statement still holds when it runs, `A` in `A * h(A[1])`; those evaluated after
    it, `A` in `(h(A[1]), A)`, or read by the blocks of a compound `stmt`). A name read
    into an operation done before the call (`np.sum(A) + h(A)`) is in neither. When
    `call` is not in `stmt`, every name it reads is in both."""
    path = _path(stmt, call)
    if path is None:
        names = _reads_of(stmt)
        return names, set(names)
    held: set[str] = set()
    after: set[str] = set()
    for node, child in zip(path, path[1:]):
        parts = _in_order(node)
        at = next(i for i, part in enumerate(parts) if part is child)
        for part in parts[:at]:
            held |= _held(part)
        if isinstance(node, ast.AugAssign) and child is node.value:   # `t += h(A)`: `t`,
            held |= {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}  # first
        for part in parts[at + 1:]:
            after |= _reads_of(part)
    return held, after


def _path(node: ast.AST, target: ast.AST) -> list[ast.AST] | None:
    """The nodes from `node` down to `target`, both included, or None."""
    if node is target:
        return [node]
    for child in ast.iter_child_nodes(node):
        found = _path(child, target)
        if found is not None:
            return [node, *found]
    return None


def _in_order(node: ast.AST) -> list[ast.AST]:
    """The children of `node` in the order Python evaluates them (an assignment's value
    before its targets; a compound statement's header before its blocks)."""
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return [node.value, *targets]
    if isinstance(node, (ast.If, ast.While)):
        return [node.test, *node.body, *node.orelse]
    if isinstance(node, ast.For):
        return [node.iter, node.target, *node.body, *node.orelse]
    return list(ast.iter_child_nodes(node))


def _held(node: ast.AST) -> set[str]:
    """The names whose objects the value of `node`, evaluated, holds (not a copy of
    their elements): a name, or names in a tuple, a list, a conditional expression."""
    if isinstance(node, ast.Name):
        return {node.id} if isinstance(node.ctx, ast.Load) else set()
    parts = node.elts if isinstance(node, (ast.Tuple, ast.List, ast.Set)) else \
        [node.value] if isinstance(node, (ast.Starred, ast.NamedExpr, ast.keyword)) else \
        [node.body, node.orelse] if isinstance(node, ast.IfExp) else \
        node.values if isinstance(node, ast.BoolOp) else []
    return set().union(*(_held(p) for p in parts))
