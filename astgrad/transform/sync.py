"""After an in-place write, the names that share the array are made again from it.

NumPy changes an array in place and every name sharing it sees the change; the
differentiating passes follow values, not objects. So after `v *= k` (written
`v_1 = v * k`) or `v[i] = x`, each name surely made from `v`'s array (`c = v`,
`w = v[1:]`: see `derivations`) that is read afterwards is assigned again from the
new value (`c_1 = v_1`, `w_1 = v_1[1:]`), and an array `v` was made from gets the
new values written back (`A[1] = v_1` for `v = A[1]`), and so on outwards, into
the callers of an inlined function too. The program then computes what NumPy
computes, as values the existing rules differentiate. Whether two names really
share is known only with the kinds of values: `Aliases.settle` undoes what is
made here where they do not (a Python number is rebound, an item is a copy).
"""
from __future__ import annotations

import ast
import copy
from typing import Callable

from .aliases import _Write
from .lowering import Lowerer
from .settle import Sync


def after_write(low: Lowerer, name: str, write: Callable[[], ast.Name] | ast.stmt,
                augmented: bool, recorded: _Write | None) -> None:
    """Emit `write`, the in-place write into the generated name `name`: a statement
    (`name[i] = x`), or a function emitting it and returning the name of the new value;
    then make again each name sharing the array that is read afterwards (recorded, for
    `settle`, on `recorded`: the write `check_write` kept)."""
    if isinstance(write, ast.stmt):
        stmt, write = write, lambda: low.out.emit(stmt) and ast.Name(name, ast.Load())
    aliases = low.ctx.aliases
    if aliases.is_list(name):
        write()
        return
    plan = _plan(low, name, None, {name})     # before the write: it may rebind `name`
    new = write()
    if recorded is not None:
        recorded.stmt = low.out.block[-1]
    syncs: list[Sync] = []
    _emit(low, plan, new, None, lambda stmt, how, old, parent: syncs.append(
        Sync(stmt, how, old, parent, name, augmented, syncs)) or syncs[-1])
    aliases.syncs.extend(syncs)
    if syncs and isinstance(new, ast.Name) and new.id != name:   # `p_1 = p * k` for `p *=
        aliases.detached.add(new.id)    # k`: an array of its own standing for the one written
        #                                 back: no run-time check can tell what it shares
    if recorded is not None:
        recorded.syncs.extend(syncs)


def _plan(low: Lowerer, name: str, came: str | None, seen: set[str]) -> list:
    """The names to make again from `name`'s new value: (other, how, made from `name`,
    what to make again from `other`), for those read afterwards or leading to one."""
    out = []
    for other, how, down in low.ctx.aliases.sure(name):
        if other == came or other in seen or other in low.out.held and (
                down or isinstance(how, ast.Name)) or isinstance(how, ast.Call) and not down:
            continue        # held by the expression around the call, or a view of `other`
            #                 (`np.transpose`): not made again, refused if it shares
        seen.add(other)
        after = _plan(low, other, name, seen)
        if after or other in low.scope.later(low.out.stmt) and other not in low.out.pending:
            # (a temporary not read yet, an operand lowered before the call writing, cannot
            # be made again: the write is refused by `Aliases.refuse` instead)
            out.append((other, how, down, after))
    return out


def _emit(low: Lowerer, plan: list, value: ast.Name, parent: Sync | None, record) -> None:
    for other, how, down, after in plan:
        if down or isinstance(how, ast.Name):     # `other = v`, `other = v[i]`, `v = other`,
            #                                       `other = np.transpose(v)`
            made = value if isinstance(how, ast.Name) or not down else \
                ast.Call(copy.deepcopy(how.func), [value, *copy.deepcopy(how.args[1:])],
                         copy.deepcopy(how.keywords)) if isinstance(how, ast.Call) else \
                ast.Subscript(value, copy.deepcopy(how.slice), ast.Load())
            name, stmt = _assign(low, other, made, bool(after))
        else:                                     # `v = other[i]`: the values written back
            index = copy.deepcopy(how.slice)
            stmt = low.out.emit(ast.Assign([ast.Subscript(ast.Name(other, ast.Load()), index,
                                                          ast.Store())], value))
            low.ctx.aliases.remade(value.id, ast.Subscript(ast.Name(other, ast.Load()),
                                                           copy.deepcopy(how.slice), ast.Load()))
            name = ast.Name(other, ast.Load())
        sync = record(stmt, how, other, parent)
        _emit(low, after, name, sync, record)


def _assign(low: Lowerer, old: str, value: ast.expr, named: bool):
    """Make the generated name `old` again as `value`: under the user's name it stands
    for (a new version at the top level), or, for a temporary, under a new one when
    more is made from it (else `value` itself is passed on)."""
    owners = [(s, u) for s in _scopes(low.scope) for u, g in s.current.items() if g == old]
    if not owners and (isinstance(value, ast.Name) or not named):
        return value, None
    if owners:
        scope, user = owners[0]
        target = scope.target(user, low.out.depth)
        for other_scope, other_user in owners[1:]:
            other_scope.current[other_user] = target
        for inner in _scopes(low.scope):          # the callers' names read after the call
            if old in inner.outer:
                inner.outer[target] = inner.outer.pop(old)
    else:
        target = low.ctx.namer.temp()
    stmt = low.out.emit(ast.Assign([ast.Name(target, ast.Store())], value))
    low.ctx.aliases.bind(target, value)
    return ast.Name(target, ast.Load()), stmt


def _scopes(scope):
    while scope is not None:
        yield scope
        scope = scope.parent
