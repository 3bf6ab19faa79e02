"""Which of the user's names may share an array at the top of a loop's body, in any
iteration: the state `aliases` must check the body's in-place writes against.

The normalize walk lowers a loop's body once, knowing the sharing before the loop.
A later iteration starts where the last one ended: after `q = r` at the end of a
body, `q += 1.0` at its start changes `r`'s array the next time round. `carried`
follows the user's assignments through the body (`x = y`, `x = y[i]`, `p, r = r,
p`: `x` leaves what it shared and shares `y`'s array; any other value is new) until
the sharing at the top no longer grows, and returns the pairs it adds. An item or a
slice of a list is not the list (`aliases` follows what a list holds); a name made
by a call (a view `np.reshape` gives, an inlined function returning its argument)
is taken to be new here, as `aliases` takes it.
"""
from __future__ import annotations

import ast
import itertools

_fresh = itertools.count()
_LISTS = ""                                       # the state's key of the names of lists


def carried(loop: ast.For | ast.While, before: dict[str, object],
            lists: set[str]) -> list[tuple[str, str]]:
    """The pairs of the user's names that may share an array at the top of `loop`'s
    body in some iteration but do not before it; `before` maps each name to its group
    (names with equal values may share), `lists` are the names of lists before it."""
    state = dict(before)
    state[_LISTS] = frozenset(lists)
    head = _loop_head(loop, state)
    out = []
    for a, b in itertools.combinations(sorted(n for n in before if n in head), 2):
        if head[a] == head[b] and before[a] != before[b]:
            out.append((a, b))
    return out


def _loop_head(loop: ast.For | ast.While, state: dict) -> dict:
    """The sharing at the top of the body, joined over every iteration."""
    head = dict(state)
    if isinstance(loop, ast.For):
        _assign_target(loop.target, ast.Subscript(loop.iter, ast.Constant(0)), head)
    jumps = any(isinstance(n, (ast.Break, ast.Continue)) for n in ast.walk(loop))
    while True:
        seen: list[dict] = []
        end = _block(loop.body, dict(head), seen if jumps else None)
        new = _join([head, end] + seen)
        if _partition(new) == _partition(head):
            return head
        head = new


def _block(stmts: list[ast.stmt], state: dict, seen: list | None) -> dict:
    for stmt in stmts:
        state = _statement(stmt, state)
        if seen is not None:
            seen.append(dict(state))      # a `continue` may start the next iteration here
    return state


def _statement(stmt: ast.stmt, state: dict) -> dict:
    if isinstance(stmt, ast.Assign):
        for target in stmt.targets:
            _assign_target(target, stmt.value, state)
    elif isinstance(stmt, ast.If):
        return _join([_block(stmt.body, dict(state), None),
                      _block(stmt.orelse, dict(state), None)])
    elif isinstance(stmt, (ast.For, ast.While)):
        return _join([state, _block(stmt.body, _loop_head(stmt, dict(state)), None)])
    elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
        _assign_target(stmt.target, stmt.value, state)
    return state


def _assign_target(target: ast.expr, value: ast.expr, state: dict) -> None:
    """`target = value`, all the value's parts read before any name is assigned."""
    if isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List)) \
            and len(target.elts) == len(value.elts):
        made = [(_group(v, state), _is_list(v, state)) for v in value.elts]
        for t, (group, is_list) in zip(target.elts, made):
            _bind(t, group, is_list, state)
        return
    if isinstance(target, ast.Name):
        _bind(target, _group(value, state), _is_list(value, state), state)
        return
    for node in ast.walk(target):                 # unpacked from one value: new names
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            _bind(node, None, False, state)


def _group(value: ast.expr, state: dict):
    """The group of the array `value` names (a name, an item or a slice of one, either
    value of a conditional expression), or None for a new value."""
    if isinstance(value, ast.Subscript):
        if isinstance(value.value, ast.Name) and value.value.id in state[_LISTS]:
            return None                            # an item, or a new list
        value = value.value
    if isinstance(value, ast.Name):
        return state.setdefault(value.id, next(_fresh))
    if isinstance(value, ast.IfExp):
        a, b = _group(value.body, state), _group(value.orelse, state)
        if a is not None and b is not None and a != b:
            for name, g in state.items():          # either: both groups may share it
                if g == b:
                    state[name] = a
        return a if a is not None else b
    return None


def _is_list(value: ast.expr, state: dict) -> bool:
    return isinstance(value, (ast.List, ast.ListComp)) or isinstance(value, ast.Name) \
        and value.id in state[_LISTS]


def _bind(target: ast.expr, group, is_list: bool, state: dict) -> None:
    if isinstance(target, ast.Name):
        state[target.id] = next(_fresh) if group is None else group
        lists = state[_LISTS] - {target.id}
        state[_LISTS] = lists | {target.id} if is_list else lists


def _join(states: list[dict]) -> dict:
    """Two names share after the join if they share in any of `states` (and so on
    through a third name)."""
    parent: dict = {}
    lists = frozenset.intersection(*(s[_LISTS] for s in states))   # surely lists

    def find(x):
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x
    for state in states:
        first: dict = {}
        for name, g in state.items():
            if name == _LISTS:
                continue
            find(name)
            if g in first:
                parent[find(name)] = find(first[g])
            else:
                first[g] = name
    return {**{name: find(name) for name in parent}, _LISTS: lists}


def _partition(state: dict) -> frozenset:
    groups: dict = {}
    for name, g in state.items():
        if name == _LISTS:
            continue
        groups.setdefault(g, set()).add(name)
    return frozenset(frozenset(m) for m in groups.values() if len(m) > 1)
