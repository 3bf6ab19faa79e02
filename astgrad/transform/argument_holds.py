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
import inspect

from ..errors import AstgradError
from .views import base_name

OTHER = ""                  # a value that is not (a view of) one of the arguments' arrays
VIEW = "["                  # suffix: `p[`, (an item or) a view of the array of parameter p

State = dict                # name -> frozenset of what it may hold; not listed: OTHER only


class _Out(dict):
    """The state before each statement (by `id`), and what the walk needs to read calls."""

    ns = None
    returns: dict                               # a user's function -> see `_returns`


def held(tree: ast.FunctionDef, arrays: set[str], ns=None, returns=None) -> dict[int, State]:
    """For each statement of `tree`'s body (by `id`; nested blocks too, nested functions
    not), the names that may hold one of `arrays` (parameter names) or a view of one
    before it, each with what it may hold: parameter names, `p[` for a view of (or an item
    of) parameter p's array, `OTHER` for any other value. `ns` resolves calls: a user's
    function may return (a view of) an array passed to it (`returns`: those read so far)."""
    out = _Out()
    out.ns, out.returns = ns, {} if returns is None else returns
    _block(tree.body, {p: frozenset({p}) for p in arrays}, out, None)
    return out


def arrays_in(holds) -> set[str]:
    """The parameters whose array (or a view of it) `holds` (a State's value) may be."""
    return {h.rstrip(VIEW) for h in holds if h != OTHER}


def _block(stmts: list[ast.stmt], state: State, out: dict, seen: list | None) -> State:
    for stmt in stmts:
        out[id(stmt)] = _join(out[id(stmt)], state) if id(stmt) in out else state
        state = _statement(stmt, _kill(state, _walrus(stmt)), out, seen)
        if seen is not None:
            seen.append(state)
    return state


def _statement(stmt: ast.stmt, state: State, out: dict, seen: list | None) -> State:
    if isinstance(stmt, ast.Assign):
        value = value_holds(stmt.value, state, out)
        for target in stmt.targets:
            state = _bind(target, stmt.value, value, state, out)
        return state
    if isinstance(stmt, ast.AnnAssign):
        return state if stmt.value is None else \
            _bind(stmt.target, stmt.value, value_holds(stmt.value, state, out), state, out)
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


def value_holds(value: ast.expr, state: State, out=None) -> frozenset[str]:
    """What the value of `value` may be (`out`: the walk's, to read the user's functions it
    calls)."""
    if isinstance(value, ast.Name):
        return state.get(value.id, _NONE)
    if isinstance(value, ast.IfExp):
        return value_holds(value.body, state, out) | value_holds(value.orelse, state, out)
    if isinstance(value, ast.NamedExpr):
        return value_holds(value.value, state, out)
    if isinstance(value, ast.Call) and getattr(out, "ns", None) is not None:
        returned = _returned(value, state, out)
        if returned is not None:
            return returned
    base = base_name(value)
    if base is None or base not in state:
        return _NONE
    return _NONE | {h.rstrip(VIEW) + VIEW for h in state[base] if h != OTHER}


def _returned(call: ast.Call, state: State, out, position: int | None = None
              ) -> frozenset[str] | None:
    """What a call of a user's function may return (`position`: the item of the tuple it
    returns), of what it is passed (`return p`); None for a call of anything else."""
    fn = out.ns.value(call.func)
    if not inspect.isfunction(fn) or getattr(fn, "_astgrad", None) is not None:
        return None
    passed = frozenset().union(*(value_holds(a.value if isinstance(a, ast.Starred) else a,
                                             state, out) for a in call.args),
                               *(value_holds(k.value, state, out) for k in call.keywords))
    if passed == _NONE:
        return _NONE
    if fn not in out.returns:
        out.returns[fn] = _returns(fn, out)
    found = out.returns[fn]
    if found is None or any(isinstance(a, ast.Starred) for a in call.args):
        return passed | _NONE                   # (calling itself: anything it is passed)
    params, whole, items = found
    returns = whole if position is None or items is None or position >= len(items) \
        else items[position]
    given = dict(zip(params, call.args)) | {k.arg: k.value for k in call.keywords if k.arg}
    result = frozenset()
    for h in returns:
        p = h.rstrip(VIEW)
        mine = value_holds(given[p], state, out) if p in given else _NONE
        result |= {OTHER} if h == OTHER else mine if h == p else _NONE | {
            m.rstrip(VIEW) + VIEW for m in mine if m != OTHER}
    return result


def _returns(fn, out):
    """`fn`'s parameters, what it may return of them (its own `held`), and that by item
    when every `return` gives a tuple of one length (else None); None when not known (no
    source, `*args`, or a call of itself)."""
    from .source import read                    # (a user's function: read when called)
    out.returns[fn] = None                      # while it is read: a call of itself
    try:
        tree = read(fn).tree
    except AstgradError:
        return None
    args = tree.args
    if args.vararg or args.kwarg:
        return None
    params = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
    inner = held(tree, set(params), out.ns, out.returns)
    rets = [n for n in ast.walk(tree) if isinstance(n, ast.Return) and n.value is not None]
    ends = tree.body[-1] if tree.body else None           # else it may fall off, giving None
    whole = frozenset() if isinstance(ends, (ast.Return, ast.Raise)) else _NONE
    tuples = [[value_holds(v, inner.get(id(r), {}), inner) for v in r.value.elts]
              for r in rets if isinstance(r.value, ast.Tuple)]
    for r in rets:
        whole = whole.union(*(value_holds(v, inner.get(id(r), {}), inner) for v in (
            r.value.elts if isinstance(r.value, ast.Tuple) else [r.value])))
    items = [frozenset().union(*parts) | (whole & _NONE) for parts in zip(*tuples)] \
        if tuples and len(tuples) == len(rets) and len({len(t) for t in tuples}) == 1 else None
    return params, whole, items


def _bind(target: ast.expr, value: ast.expr, sources: frozenset[str], state: State,
          out=None) -> State:
    """`state` after `target = value`, `value` read in the state before the statement."""
    if isinstance(target, ast.Name):
        return _set(state, target.id, sources)
    if isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, ast.Call):
        known = getattr(out, "ns", None) is not None and not any(
            isinstance(e, ast.Starred) for e in target.elts)
        items = [_returned(value, state, out, i) if known else None   # all read before any
                 for i in range(len(target.elts))]                    # is bound
        for t, item in zip(target.elts, items):    # `a, b = h(x)`: its items, if h is known
            for name in _stored(t):
                state = _set(state, name, sources | _NONE if item is None else item)
        return state
    if isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List)) \
            and len(target.elts) == len(value.elts) and not any(
                isinstance(e, ast.Starred) for e in target.elts + value.elts):
        parts = [value_holds(e, state, out) for e in value.elts]  # all read before any bound
        for t, v, s in zip(target.elts, value.elts, parts):
            state = _bind(t, v, s, state, out)
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
_TRIES = tuple(getattr(ast, n) for n in ("Try", "TryStar") if hasattr(ast, n))
_BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")
