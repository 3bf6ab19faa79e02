"""Which of the user's names are changed in place after each statement.

`x[i] = v`, `x[i] op= v` and `x op= v` change the array `x` names; `x = ...` binds `x` to
another value, after which a change to `x` no longer reaches the array it named before.
`Aliases.hold` reads this to find an array put into a list and changed afterwards. A call
of a user's function changes the names it passes for parameters the callee changes so.
"""
from __future__ import annotations

import ast
import inspect

from ..errors import AstgradError
from .trees import PARTS, parts
from .views import base_name


def writes_after(tree: ast.FunctionDef, ns=None) -> dict[int, dict[str, ast.stmt]]:
    """For each statement (by `id`), the user's names changed in place after it (`x[i] =
    v`, `x op= v`, or passed to a user's function that does so to its parameter, `ns`
    resolving the call) before being rebound, each with a statement that changes it; in a
    loop body, also those the next iterations change."""
    out: dict[int, dict[str, ast.stmt]] = {}
    callees: dict = {}                               # function -> parameters it changes

    def walk(stmts, after: dict[str, ast.stmt]) -> dict[str, ast.stmt]:
        state = dict(after)
        for stmt in reversed(stmts):
            out[id(stmt)] = dict(state)
            if isinstance(stmt, (ast.For, ast.While)):
                bound = _bound(stmt.target) if isinstance(stmt, ast.For) else set()
                header = dict(state)
                while True:                          # until the next iteration adds nothing
                    entry = walk(stmt.body, header)
                    more = {n: s for n, s in entry.items() if n not in bound and n not in header}
                    if not more:
                        break
                    header.update(more)
                state = header
            elif isinstance(stmt, ast.If):
                state = {**walk(stmt.orelse, state), **walk(stmt.body, state)}
            else:
                for name in _rebinds(stmt):
                    state.pop(name, None)
                state.update(dict.fromkeys(_changes(stmt) | passed(stmt, ns, callees), stmt))
        return state

    walk(tree.body, {})
    return out


def _changes(stmt: ast.stmt) -> set[str]:
    """The names `stmt` changes in place: `x[i] = v`, `x[i] op= v`, `x op= v`."""
    targets = stmt.targets if isinstance(stmt, ast.Assign) else \
        [stmt.target] if isinstance(stmt, ast.AugAssign) else []
    out = set()
    for target in targets:
        if isinstance(stmt, ast.AugAssign) and isinstance(target, ast.Name):
            out.add(target.id)
        while isinstance(target, (ast.Subscript, ast.Attribute)):
            target = target.value
            if isinstance(target, ast.Name):
                out.add(target.id)
    return out


def passed(stmt: ast.stmt, ns, callees: dict, items: bool = False) -> set[str]:
    """The names `stmt` passes to a user's function for a parameter it changes in place
    (`items`: by writing items of it, or by `p op= v` of a view passed; `callees`: what is
    known of each function, filled as they are met)."""
    out: set[str] = set()
    todo = [stmt]
    while todo and ns is not None:
        node = todo.pop()
        if isinstance(node, (ast.Lambda, ast.FunctionDef)):
            continue
        _push_children(node, todo)
        if not isinstance(node, ast.Call):
            continue
        fn = ns.value(node.func)
        if inspect.isfunction(fn) and getattr(fn, "_astgrad", None) is None:
            params, changed, whole = callees[fn] if fn in callees else callees.setdefault(
                fn, _changed_parameters(fn))
            given = dict(zip(params, node.args)) | {k.arg: k.value for k in node.keywords}
            for p, v in given.items():          # `h(x)`, `h(x[1:])`, `h(x.T)`, `h(x if c else y)`
                if p in changed:
                    out |= _bases(v, views=items and p in whole)
    return out


def _push_children(node, todo: list) -> None:
    """`todo += ast.iter_child_nodes(node)`, contexts and operators left out (they hold
    no call)."""
    names = PARTS.get(node.__class__)
    for field in names if names is not None else parts(node):
        value = getattr(node, field, None)
        if value.__class__ is list:
            todo.extend(v for v in value if isinstance(v, ast.AST))
        elif isinstance(value, ast.AST):
            todo.append(value)


def _bases(value: ast.expr, views: bool) -> set[str]:
    """The names whose objects `value` may be, or be a view of (`views`: only those it may
    be a view of: `p op= v` changes the items of a view, and rebinds `p` otherwise)."""
    if isinstance(value, ast.IfExp):
        return _bases(value.body, views) | _bases(value.orelse, views)
    base = None if views and isinstance(value, ast.Name) else base_name(value)
    return set() if base is None else {base}


def _changed_parameters(fn, seen: frozenset = frozenset()) -> tuple[list[str], set[str],
                                                                      set[str]]:
    """`fn`'s parameters, those its body changes in place (`p[i] = v`, `p op= v`, or
    passing `p` on to a function of the user's that changes it so), and those it changes
    only by `p op= v`."""
    from .source import read                        # (a user's function: read when called)
    try:
        tree = read(fn).tree
    except AstgradError:                             # no source: inlining it is refused
        return [], set(), set()
    args = tree.args
    names = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
    stmts = [s for s in ast.walk(tree) if isinstance(s, ast.stmt)]
    whole = {s.target.id for s in stmts if isinstance(s, ast.AugAssign)
             and isinstance(s.target, ast.Name)}
    items = set().union(*(_changes(s) for s in stmts if not (
        isinstance(s, ast.AugAssign) and isinstance(s.target, ast.Name))))
    for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
        callee = _callee(fn, call.func)
        if callee is None or callee in seen or callee is fn:
            continue
        params, changed, only_whole = _changed_parameters(callee, seen | {fn})
        given = dict(zip(params, call.args)) | {k.arg: k.value for k in call.keywords}
        for q, v in given.items():                  # `h(p)` for an `h` changing its `q`
            if q in changed:
                bases = _bases(v, views=False)
                (whole if q in only_whole and isinstance(v, ast.Name) else items).update(bases)
    changed = (whole | items) & set(names)
    return names, changed, changed & whole - items


def _callee(fn, func: ast.expr):
    """The user's plain function `func` names in `fn`'s body (a global or a closure's
    cell), or None."""
    if not isinstance(func, ast.Name):
        return None
    cells = dict(zip(fn.__code__.co_freevars, fn.__closure__ or ()))
    if func.id in cells:
        try:
            value = cells[func.id].cell_contents
        except ValueError:                           # an empty cell
            return None
    else:
        value = fn.__globals__.get(func.id)
    return value if inspect.isfunction(value) and getattr(value, "_astgrad", None) is None \
        else None


def _rebinds(stmt: ast.stmt) -> set[str]:
    """The names `stmt` binds to a new value (`x = ...`, `a, b = ...`)."""
    targets = stmt.targets if isinstance(stmt, ast.Assign) else []
    return set().union(*(_bound(t) for t in targets))


def _bound(target: ast.expr) -> set[str]:
    if isinstance(target, ast.Name):
        return {target.id}
    if isinstance(target, (ast.Tuple, ast.List)):
        return set().union(*(_bound(e) for e in target.elts))
    if isinstance(target, ast.Starred):
        return _bound(target.value)
    return set()
