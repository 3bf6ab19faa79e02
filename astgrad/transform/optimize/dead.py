"""Dead-code elimination: no `name = value` is left whose value nothing reads
afterwards (loops and branches included), unless computing `value` has an
effect (`stack.pop()`, `print(...)`); and no array the function made itself
(`np.zeros_like(x)`, ...) that is only written into and read to be written into
again (the gradient that a Hessian's tangent code computes beside its tangent).

    before              after
    y = x * 2           print(x)
    print(x)            return x
    b = np.zeros_like(x)
    b[1:] = b[1:] + x
    return x
"""
from __future__ import annotations

import ast

import numpy as np

from ... import runtime
from .. import saving
from .. import trees
from ..trees import statements, walk
from .analyses import calls_effect, pure, single_target, top_blocks

_FRESH = (np.zeros_like, np.zeros, np.ones_like, np.ones, np.empty_like, np.empty, np.copy,
          runtime.zeros_like)    # each returns a new array (or number) no one else holds


def eliminate_dead(fn: ast.FunctionDef, ns=None, tidied: list | None = None) -> bool:
    """Drop every dead assignment in `fn` (and, given the namespace `ns`, every array
    only written into); True if any was dropped. `tidied`, if given, has an item
    appended if a branch was rewritten (`_tidy_branches`), not only dropped from."""
    reads: dict[int, tuple] = {}         # id(value) -> (the value, the names it reads)

    def uses(node):                      # (`liveness` asks each node once a run)
        found = reads.get(id(node))      # (the value is kept: its id is not another's)
        return found[1] if found is not None and found[0] is node else trees.loads(node)
    changed = ns is not None and _drop_unread_arrays(fn, ns, reads)
    lives = [(block, saving.liveness(block, set(), uses, _goes_when_dead))
             for block in top_blocks(fn)]
    if _drop_unread_saves(fn, {k: v for _, live in lives for k, v in live.items()}):
        changed = True
        lives = [(block, saving.liveness(block, set(), uses, _goes_when_dead))
                 for block in top_blocks(fn)]
    for block, live in lives:
        for parent in _walk_blocks(block):
            keep = [s for s in parent if not _dead(s, live)]
            if len(keep) != len(parent):
                parent[:] = keep
                changed = True
            if _tidy_branches(parent):
                changed = True
                if tidied is not None:
                    tidied.append(parent)
            if _drop_empty_loops(parent, live, ns):
                changed = True
                if tidied is not None:
                    tidied.append(parent)
    return changed


def _drop_empty_loops(block: list[ast.stmt], live, ns) -> bool:
    """`for i in range(...): pass` goes (what it computed was dead), where nothing reads
    `i` after it; a `while` stays (its test may never turn false)."""
    keep = [s for s in block if not (
        s.__class__ is ast.For and not s.orelse and all(b.__class__ is ast.Pass for b in s.body)
        and s.target.__class__ is ast.Name and s.target.id not in live.get(id(s), ())
        and s.iter.__class__ is ast.Call and ns is not None and ns.value(s.iter.func) is range
        and all(a.__class__ in (ast.Name, ast.Constant) for a in s.iter.args))]
    if len(keep) == len(block):
        return False
    block[:] = keep or [ast.Pass()]
    return True


def _tidy_branches(block: list[ast.stmt]) -> bool:
    """`if c: pass` goes; `if c: pass else: body` becomes `if not c: body`."""
    changed = False
    for i in reversed(range(len(block))):
        stmt = block[i]
        if not isinstance(stmt, ast.If) or not all(isinstance(s, ast.Pass) for s in stmt.body):
            continue
        if not stmt.orelse and isinstance(stmt.test, ast.Name):
            del block[i]
        elif stmt.orelse:
            stmt.test = ast.UnaryOp(ast.Not(), stmt.test)
            stmt.body, stmt.orelse = stmt.orelse, []
        else:
            continue
        changed = True
    if not block:
        block.append(ast.Pass())
    return changed


def _dead(stmt, live: dict[int, set[str]]) -> bool:
    name = single_target(stmt)
    return name is not None and name not in live.get(id(stmt), ()) and pure(stmt.value)


def _goes_when_dead(stmt) -> bool:
    """Does `stmt`, a `name = value`, go when `name` is dead after it (`_dead`)? Then the
    names its value reads are not live for it (liveness's `droppable`)."""
    return pure(stmt.value)


def _drop_unread_saves(fn: ast.FunctionDef, live: dict[int, set[str]]) -> bool:
    """Drop the stacks whose every popped value is dead (`v = s.pop()`, `v` read by
    nothing after it): their `s = []`, pushes and pops. A stack mentioned any other way
    (`list(s)`, for a pullback called twice), or not made here (a parameter), is kept."""
    forms: dict[str, list] = {}                  # stack -> its statements of those forms
    params = {a.arg for a in walk(fn.args) if a.__class__ is ast.arg}   # not ours to drop
    for node in statements(fn):
        stack = _stack_form(node)
        if stack is not None:
            forms.setdefault(stack, []).append(node)
    unread = {}                                  # the stacks whose every pop is dead
    for stack, stmts in forms.items():
        pops = [s for s in stmts if isinstance(s, ast.Assign) and isinstance(s.value, ast.Call)]
        made = any(isinstance(s, ast.Assign) and isinstance(s.value, ast.List) for s in stmts)
        if pops and made and stack not in params and not any(
                s.targets[0].id in live.get(id(s), ()) for s in pops):
            unread[stack] = stmts
    if not unread:
        return False                             # (most often: no walk for the mentions)
    mentions = {}
    for node in walk(fn):
        if node.__class__ is ast.Name and node.id in unread:
            mentions[node.id] = mentions.get(node.id, 0) + 1
    drop = {id(s) for stack, stmts in unread.items() if mentions[stack] == len(stmts)
            for s in stmts}
    if not drop:
        return False
    for block in _every_block(fn.body):
        block[:] = [s for s in block if id(s) not in drop] or [ast.Pass()]
    return True


def _stack_form(stmt) -> str | None:
    """`s` if `stmt` is `s = []`, `s.append(v)` (`v` with no effect) or `v = s.pop()`."""
    if isinstance(stmt, ast.Expr):
        call = stmt.value
        ok = isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) \
            and call.func.attr == "append" and len(call.args) == 1 and not call.keywords \
            and pure(call.args[0])
    elif isinstance(stmt, ast.Assign) and single_target(stmt) is not None:
        call = stmt.value
        if isinstance(call, ast.List) and not call.elts:
            return stmt.targets[0].id
        ok = isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) \
            and call.func.attr == "pop" and not call.args and not call.keywords
    else:
        return None
    return call.func.value.id if ok and isinstance(call.func.value, ast.Name) else None


def _every_block(block):
    """`block` and every statement list nested in it, the bodies of `def`s too."""
    yield block
    for stmt in block:
        for field in ("body", "orelse"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                yield from _every_block(inner)


def _drop_unread_arrays(fn: ast.FunctionDef, ns, reads: dict | None = None) -> bool:
    """Drop the names whose every mention is in a statement that makes them (`n = v`,
    `v` with no effect) or writes into an array they are (`a[i] = v`, `a[i] += v`), where
    each such array is the function's own: made by a call in `_FRESH`, or a view or
    copy of one (`n = a[i]`). The plain rule above drops a name nothing reads; this one
    also drops an array read only to be written into again. `reads`, if given, receives
    each value `v` of an `n = v` and the names it reads (by its id), found on the way."""
    mentions, kept, effects = _assignments(fn, reads)
    made = _made(mentions, kept)
    dead = {n for n in made if len(made[n]) == 1 and single_target(made[n][0]) == n}
    owned = set()
    for n in dead:                       # made by a call in `_FRESH`, or a view of such
        value = made[n][0].value
        if isinstance(value, ast.Call):
            called = ns.value(value.func)         # (looked up once, not once a function)
            if any(called is f for f in _FRESH):
                owned.add(n)
    while True:
        grown = {n for n in dead - owned if isinstance(made[n][0].value, ast.Subscript)
                 and isinstance(made[n][0].value.value, ast.Name)
                 and made[n][0].value.value.id in owned}
        if not grown:
            break
        owned |= grown
    _keep_read(dead, owned, mentions, effects)
    drop = {id(s) for n in dead for s in mentions[n]}
    if not drop:
        return False
    for parent in _walk_blocks(fn.body):
        parent[:] = [s for s in parent if id(s) not in drop] or [ast.Pass()]
    return True


def _assignments(fn: ast.FunctionDef, reads: dict | None) -> tuple[dict, set, set]:
    """For `_drop_unread_arrays`: the assignments mentioning each name, the names kept
    (tested, iterated over, returned, called, read in a `def`, or arguments), and the ids
    of the assignments that call something in `EFFECTS`; `reads` (if given) receives each
    value `v` of an `n = v` and the names it reads."""
    mentions: dict[str, list] = {}
    kept = {a.arg for a in fn.args.args}
    effects: set[int] = set()
    _assignments_in(fn.body, mentions, kept, effects, reads)
    return mentions, kept, effects


def _assignments_in(block, mentions: dict, kept: set, effects: set, reads) -> None:
    """`_assignments` of `block` and the blocks in it, added to the three it fills (a
    function of its own, not a closure calling itself: that would be a reference cycle
    left for the collector on every call)."""
    for stmt in block:
        target = single_target(stmt)
        if target is not None:           # most often: the value's walk tells its reads too
            named, calls, loaded = _mentions(stmt.value)
            named.add(target)
            if reads is not None:
                reads[id(stmt.value)] = (stmt.value, loaded)
        elif stmt.__class__ is ast.Assign or stmt.__class__ is ast.AugAssign:
            named, calls = trees.mentions(stmt)     # one walk: names, and any effect
        elif isinstance(stmt, (ast.If, ast.For, ast.While)):
            kept.update(_names(stmt.test if not isinstance(stmt, ast.For)
                               else ast.Tuple([stmt.target, stmt.iter])))
            _assignments_in(stmt.body, mentions, kept, effects, reads)
            _assignments_in(stmt.orelse, mentions, kept, effects, reads)
            continue
        else:                            # returned, called, read in a `def`: kept
            kept.update(_names(stmt))
            continue
        for n in named:
            mentions.setdefault(n, []).append(stmt)
        if calls_effect(calls):
            effects.add(id(stmt))


def _mentions(node) -> tuple[set[str], list[ast.Call], set[str]]:
    """`trees.mentions(node)` (the names it mentions, its calls), and the names it reads
    (`trees.loads`), from one walk."""
    named, calls, loaded = set(), [], set()
    Name, Load, Call = ast.Name, ast.Load, ast.Call
    for item in trees.walk(node):
        cls = item.__class__
        if cls is Name:
            named.add(item.id)
            if item.ctx.__class__ is Load:
                loaded.add(item.id)
        elif cls is Call:
            calls.append(item)
    return named, calls, loaded


def _keep_read(dead: set[str], owned: set[str], mentions: dict[str, list],
               effects: set[int]) -> None:
    """Take out of `dead` every name a statement mentions that does more than make a name
    of `dead` or write into an array of `dead` the function owns (`_droppable`), until
    none is left; a name taken out may make a statement that mentions another one do more
    (each name is looked at again only then; `effects`: the ids of the statements that
    call something in `EFFECTS`)."""
    only: dict[int, tuple | None] = dict.fromkeys(effects)   # what each one does, when asked
    waiting: dict[str, set[str]] = {}         # a name -> the names kept while it is dead
    out = []
    for n in dead:
        if not all(_droppable(s, only, dead, owned) for s in mentions[n]):
            out.append(n)
            continue
        for s in mentions[n]:                 # each only makes or writes into a dead name
            waiting.setdefault(only[id(s)][0], set()).add(n)
    dead.difference_update(out)
    while out:
        for n in waiting.get(out.pop(), ()):
            if n in dead:
                dead.discard(n)
                out.append(n)


def _made(mentions: dict[str, list], kept: set[str]) -> dict[str, list]:
    """For each name of `mentions` not `kept`, the statements mentioning it that bind it
    (what each statement binds found once)."""
    statements = {id(s): s for stmts in mentions.values() for s in stmts}
    bound = {i: _bound(s) for i, s in statements.items()}
    return {n: [s for s in stmts if n in bound[id(s)]] for n, stmts in mentions.items()
            if n not in kept}


def _names(node) -> set[str]:
    return trees.mentions(node)[0]


def _bound(stmt) -> set[str]:
    """The names `stmt` binds (not those it writes into)."""
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
    if len(targets) == 1 and targets[0].__class__ is ast.Name:     # most often: no walk
        return {targets[0].id} if targets[0].ctx.__class__ is ast.Store else set()
    return {n.id for t in targets for n in walk(t)
            if n.__class__ is ast.Name and n.ctx.__class__ is ast.Store}


def _only(stmt) -> tuple[str, bool] | None:
    """`(name, False)` if `stmt` only makes `name` (`name = v`), `(name, True)` if it only
    writes into `name` (`name[i] = v`, `name[i] += v`), given that it calls nothing in
    `EFFECTS` (`_keep_read` knows those already); else None."""
    target = stmt.targets[0] if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 \
        else stmt.target if isinstance(stmt, ast.AugAssign) else None
    if isinstance(target, ast.Subscript):
        base = target.value
        return (base.id, True) if isinstance(base, ast.Name) else None
    return (target.id, False) if isinstance(target, ast.Name) \
        and isinstance(stmt, ast.Assign) else None


def _droppable(stmt, only: dict, dead: set, owned: set) -> bool:
    """Does `stmt` only make a name of `dead`, or write into an array of `dead` that the
    function owns, with no effect? (`only` keeps what each statement does, see `_only`.)"""
    does = only.get(id(stmt), False)
    if does is False:
        does = only[id(stmt)] = _only(stmt)
    return does is not None and does[0] in dead and (not does[1] or does[0] in owned)


def _walk_blocks(block):
    """`block` and the statement lists nested in it, not entering a `def`."""
    yield block
    for stmt in block:
        if isinstance(stmt, ast.FunctionDef):
            continue
        for field in ("body", "orelse"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                yield from _walk_blocks(inner)
