"""Which of the function's array arguments each name may hold before each statement (read
by `argument_writes`).

`a = x`, `a, x = x, a` and `a = x if c else x` hand the caller's array on under another
name; `a op= v` and `a[i] = v` then change the caller's array. The walk follows the code
forward: an `if` joins its branches, a loop repeats until nothing new is held (a `break`
or `continue` may leave from any statement of its body), a `try` may leave its body at any
statement.
"""
from __future__ import annotations

import ast

from .views import base_name

OTHER = ""                  # a value that is not (a view of) one of the arguments' arrays
VIEW = "["                  # suffix: `p[`, (an item or) a view of the array of parameter p
BRANCH = "?"                # bound in a branch, loop or `try`, or by `x if c else y`

State = dict                # name -> frozenset of what it may hold; not listed: OTHER only


def held(tree: ast.FunctionDef, arrays: set[str]) -> dict[int, State]:
    """For each statement of `tree`'s body (by `id`; nested blocks too, nested functions
    not), the names that may hold one of `arrays` (parameter names) or a view of one
    before it, each with what it may hold: parameter names, `p[` for a view of (or an item
    of) parameter p's array, `OTHER` for any other value."""
    out: dict[int, State] = {}
    _block(tree.body, {p: frozenset({p}) for p in arrays}, out, None, top=True)
    return out


def arrays_in(holds) -> set[str]:
    """The parameters whose array (or a view of it) `holds` (a State's value) may be."""
    return {h.rstrip(VIEW) for h in holds if h not in (OTHER, BRANCH)}


def _block(stmts: list[ast.stmt], state: State, out: dict, seen: list | None,
           top: bool = False) -> State:
    for stmt in stmts:
        out[id(stmt)] = _join(out[id(stmt)], state) if id(stmt) in out else state
        after = _statement(stmt, _kill(state, _walrus(stmt)), out, seen)
        if not top:     # (the second order of an array changed through such a name is
            after = {n: h | _BRANCH if h != state.get(n) and h != _NONE else h  # not yet right)
                     for n, h in after.items()}
        state = after
        if seen is not None:
            seen.append(state)
    return state


def _statement(stmt: ast.stmt, state: State, out: dict, seen: list | None) -> State:
    if isinstance(stmt, ast.Assign):
        value = value_holds(stmt.value, state)
        for target in stmt.targets:
            state = _bind(target, stmt.value, value, state)
        return state
    if isinstance(stmt, ast.AnnAssign):
        return state if stmt.value is None else \
            _bind(stmt.target, stmt.value, value_holds(stmt.value, state), state)
    if isinstance(stmt, ast.If):
        return _join(_block(stmt.body, state, out, seen), _block(stmt.orelse, state, out, seen))
    if isinstance(stmt, (ast.For, ast.AsyncFor, ast.While)):
        return _block(stmt.orelse, _loop(stmt, state, out, seen), out, seen)
    if isinstance(stmt, _TRIES):
        return _try(stmt, state, out, seen)
    if isinstance(stmt, (ast.With, ast.AsyncWith)):
        state = _kill(state, {n for item in stmt.items if item.optional_vars is not None
                              for n in _stored(item.optional_vars)})
        return _block(stmt.body, state, out, seen)
    if isinstance(stmt, ast.Match):
        return _join(state, *(_block(case.body, _kill(state, _captures(case.pattern)), out,
                                     seen) for case in stmt.cases))
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return _kill(state, {stmt.name})
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return _kill(state, {(a.asname or a.name).split(".")[0] for a in stmt.names})
    if isinstance(stmt, ast.Delete):
        return _kill(state, {n for t in stmt.targets for n in _stored(t)})
    return state    # `x op= v` keeps x's array (or rebinds a number); the rest bind nothing


def _loop(stmt, state: State, out: dict, seen: list | None) -> State:
    """The state after the loop's last iteration, or a `break` or `continue` in any."""
    bound = {n for n in _stored(stmt.target)} if not isinstance(stmt, ast.While) else set()
    while True:
        inside: list[State] = []
        end = _block(stmt.body, _kill(state, bound), out, inside)
        after = _join(state, end, *inside)
        if seen is not None:
            seen.extend(inside)
        if after == state:
            return state
        state = after


def _try(stmt, state: State, out: dict, seen: list | None) -> State:
    inside: list[State] = []
    body = _block(stmt.body, state, out, inside)
    raised = _join(state, *inside)
    handlers = [_block(h.body, _kill(raised, {h.name} if h.name else set()), out, seen)
                for h in stmt.handlers]
    if seen is not None:
        seen.extend(inside)
    done = _join(raised, _block(stmt.orelse, body, out, seen), *handlers)
    return _block(stmt.finalbody, done, out, seen)


def value_holds(value: ast.expr, state: State) -> frozenset[str]:
    """What the value of `value` may be."""
    if isinstance(value, ast.Name):
        return state.get(value.id, _NONE)
    if isinstance(value, ast.IfExp):
        return value_holds(value.body, state) | value_holds(value.orelse, state) | _BRANCH
    if isinstance(value, ast.NamedExpr):
        return value_holds(value.value, state)
    base = base_name(value)
    if base is None or base not in state:
        return _NONE
    return _NONE | {h.rstrip(VIEW) + VIEW for h in state[base] if h not in (OTHER, BRANCH)}


def _bind(target: ast.expr, value: ast.expr, sources: frozenset[str], state: State) -> State:
    """`state` after `target = value`, `value` read in the state before the statement."""
    if isinstance(target, ast.Name):
        return _set(state, target.id, sources)
    if isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List)) \
            and len(target.elts) == len(value.elts) and not any(
                isinstance(e, ast.Starred) for e in target.elts + value.elts):
        parts = [value_holds(e, state) for e in value.elts]     # all read before any is bound
        for t, v, s in zip(target.elts, value.elts, parts):
            state = _bind(t, v, s, state)
        return state
    return _kill(state, set(_stored(target)))


def _set(state: State, name: str, sources: frozenset[str]) -> State:
    out = {k: v for k, v in state.items() if k != name}
    if sources != _NONE:
        out[name] = sources
    return out


def _kill(state: State, names) -> State:
    return {k: v for k, v in state.items() if k not in names} if names & state.keys() \
        else state


def _join(*states: State) -> State:
    names = set().union(*(s.keys() for s in states))
    return {n: frozenset().union(*(s.get(n, _NONE) for s in states)) for n in names}


def _stored(target: ast.expr):
    """The names `target` binds (not those it writes items or attributes of)."""
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for e in target.elts:
            yield from _stored(e)
    elif isinstance(target, ast.Starred):
        yield from _stored(target.value)


def _walrus(stmt: ast.stmt) -> set[str]:
    """The names `(n := v)` binds in `stmt`'s own expressions (not its nested blocks)."""
    out, todo = set(), [v for f, v in ast.iter_fields(stmt) if f not in _BLOCKS]
    while todo:
        node = todo.pop()
        if isinstance(node, list):
            todo += node
        elif isinstance(node, ast.NamedExpr):
            out.add(node.target.id)
            todo.append(node.value)
        elif isinstance(node, ast.AST) and not isinstance(node, (ast.Lambda, ast.stmt)):
            todo += list(ast.iter_child_nodes(node))
    return out


def _captures(pattern: ast.AST) -> set[str]:
    return {n for node in ast.walk(pattern) for n in (getattr(node, "name", None),
                                                     getattr(node, "rest", None)) if n}


_NONE = frozenset({OTHER})
_BRANCH = frozenset({BRANCH})
_TRIES = tuple(getattr(ast, n) for n in ("Try", "TryStar") if hasattr(ast, n))
_BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")
