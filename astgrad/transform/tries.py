"""Pass 2b, tries: write each `try` block as a flag and branches the passes know.

    try:                                   ok = rt.tried("ok", LinAlgError)
        L = np.linalg.cholesky(K)          if ok:
    except LinAlgError:            ->          L = np.linalg.cholesky(K)
        L = np.linalg.cholesky(K + J)          rt.done("ok", L)
                                           else:
                                               L = np.linalg.cholesky(K + J)

Output guarantees: no `ast.Try` is left. The branch on the flag is the path the call
took: the body (then the `else` clause) when it completed, the handler when it raised;
`finally` follows. With several handlers, `k = rt.which(err, T1, T2)` picks one. The
body ends in `rt.done(tag, ...)`, where it completed, and each block nested in it in
`rt.keep(...)`, each reading what its block assigned, so that no later pass drops a
statement that may raise. `catch.write_tries`, after the optimizer, writes the real
`try` statement back around the body's code.

The derivative of a body that raised is that of the handler alone, so what the body
did before it raised must be invisible on that path: the body writes into no array or
list, and each name it assigns that is read after it is assigned again by every
handler before the handler reads it (or the handler raises). Anything else is refused
here, naming the line. A `return`, `break` or `continue` leaving the body is refused;
`finally` holds assignments only (it runs after the handler; an exception that no
handler takes, or that a handler raises, leaves without it, which only a call with an
effect, refused there, could show).
"""
from __future__ import annotations

import ast
import copy
from typing import Callable

from ..errors import UnsupportedSyntaxError
from .naming import RUNTIME
from .trees import statements

LOWERED = (ast.Try,)          # no later pass sees it

_JUMPS = (ast.Return, ast.Break, ast.Continue)
_LOOPS = (ast.For, ast.While)
# methods and NumPy functions that write into an object another name may hold
WRITERS = {"append", "extend", "insert", "pop", "remove", "clear", "update", "setdefault",
            "popitem", "sort", "reverse", "fill", "resize", "put", "itemset", "setflags",
            "copyto", "place", "putmask", "at", "__setitem__"}


def desugar(tree: ast.FunctionDef, fresh: Callable[[str], str], where) -> ast.FunctionDef:
    """Rewrite every `try` in `tree` (a resolved function, nested defs included) in place."""
    if not any(s.__class__ is ast.Try for s in statements(tree)):
        return tree                   # (most often: no block written again)
    for node in list(ast.walk(tree)):
        if isinstance(node, ast.FunctionDef):
            node.body = _block(node.body, node, fresh, where)
    return tree


def _block(stmts, fn, fresh, where, inside=False) -> list[ast.stmt]:
    """`inside`: the block is in a `try` block (which may catch what an inner one lets by)."""
    out = []
    for stmt in stmts:
        if isinstance(stmt, ast.Try):
            out += _desugar(stmt, fn, fresh, where, inside, out[-1] if out else None)
            continue
        if isinstance(stmt, (ast.If, *_LOOPS)):
            stmt.body = _block(stmt.body, fn, fresh, where, inside)
            stmt.orelse = _block(stmt.orelse, fn, fresh, where, inside)
        out.append(stmt)
    return out


def _rt(name: str) -> ast.expr:
    return ast.Attribute(ast.Name(RUNTIME, ast.Load()), name, ast.Load())


def _call(name: str, args) -> ast.Call:
    return ast.Call(_rt(name), list(args), [])


def _assign(name: str, value: ast.expr) -> ast.Assign:
    return ast.Assign([ast.Name(name, ast.Store())], value)


def _desugar(stmt: ast.Try, fn, fresh, where, inside, prev) -> list[ast.stmt]:
    _check(stmt, fn, where, _flags(stmt, fn, prev, inside))
    body = _block(stmt.body, fn, fresh, where, True)
    handlers = [(h.type or _rt("EVERY"), h.name, _block(h.body, fn, fresh, where, True))
                for h in stmt.handlers]
    if not handlers:                                   # try/finally: nothing is caught
        return body + _block(stmt.finalbody, fn, fresh, where, inside)
    ok = fresh("ok")
    flag = _assign(ok, _call("tried", [ast.Constant(ok)]     # the tag `catch` knows it by
                             + [copy.deepcopy(t) for t, _, _ in handlers]))
    orelse = _handlers(handlers, fresh, stmt)
    branch = ast.If(ast.Name(ok, ast.Load()), _kept(body, ok) + _block(stmt.orelse, fn,
                                                                           fresh, where, inside),
                    orelse)
    out = [_located(flag, stmt), _located(branch, stmt)]
    return out + _block(stmt.finalbody, fn, fresh, where, inside)


def _handlers(handlers, fresh, at) -> list[ast.stmt]:
    """The `else` branch: the one handler, or `rt.which` choosing among them."""
    if len(handlers) == 1:
        _, name, body = handlers[0]
        start = [_located(_assign(name, _call("caught", [])), at)] if name else []
        return start + body
    err, k = fresh("err"), fresh("k")
    out = [_located(_assign(err, _call("caught", [])), at),
           _located(_assign(k, _call("which", [ast.Name(err, ast.Load())]
                                     + [copy.deepcopy(t) for t, _, _ in handlers])), at)]
    chain: list[ast.stmt] = []
    for i in reversed(range(len(handlers))):
        _, name, body = handlers[i]
        body = ([_located(_assign(name, ast.Name(err, ast.Load())), at)] if name else []) + body
        if i == len(handlers) - 1:
            chain = body
        else:
            test = ast.Compare(ast.Name(k, ast.Load()), [ast.Eq()], [ast.Constant(i)])
            chain = [_located(ast.If(test, body, chain), at)]
    return out + chain


def _kept(block: list[ast.stmt], tag: str | None = None) -> list[ast.stmt]:
    """`block` with `rt.keep(...)` of the names it assigns at its end (before a jump), and
    likewise in each block nested in it; the outermost has `rt.done(tag, ...)`, which marks
    where the body completed."""
    out = []
    for stmt in block:
        if isinstance(stmt, (ast.If, *_LOOPS)):
            stmt.body = _kept(stmt.body)
            stmt.orelse = _kept(stmt.orelse) if stmt.orelse else []
        out.append(stmt)
    jump = out.pop() if out and isinstance(out[-1], (*_JUMPS, ast.Raise)) else None
    tag = None if isinstance(jump, ast.Raise) else tag     # it never completes
    names = sorted({t.id for s in block if isinstance(s, (ast.Assign, ast.For))
                    for t in ast.walk(s.targets[0] if isinstance(s, ast.Assign) else s.target)
                    if isinstance(t, ast.Name)})
    keep = ast.Expr(_call("done", [ast.Constant(tag)] + [ast.Name(n, ast.Load()) for n in names])
                    if tag else _call("keep", [ast.Name(n, ast.Load()) for n in names]))
    at = out[-1] if out else (jump or block[0] if block else None)
    if at is not None and (names or tag):
        out.append(_located(keep, at))
    return out + ([jump] if jump else [])


def _located(node: ast.stmt, at: ast.AST) -> ast.stmt:
    for sub in ast.walk(node):
        if isinstance(sub, (ast.stmt, ast.expr)) and not hasattr(sub, "lineno"):
            ast.copy_location(sub, at)
    return node


# -- what is refused: a body whose partial run the handler's path could see ---------------
def _check(stmt: ast.Try, fn, where, flags: set[str]) -> None:
    _refuse_jumps(stmt.body, where, "leaving a `try` body")
    if stmt.finalbody:
        for block in [stmt.orelse] + [h.body for h in stmt.handlers]:
            _refuse_jumps(block, where, "leaving a `try` block that has `finally`")
        _refuse_jumps(stmt.finalbody, where, "in `finally`")
        for node in (n for s in stmt.finalbody for n in ast.walk(s)):
            if isinstance(node, (ast.Expr, ast.Raise)):
                raise UnsupportedSyntaxError(
                    "a call or `raise` in `finally` is not supported (it would not run when an "
                    "exception leaves the block).", where(node),
                    fix="Move it after the `try` block, or into the body and each handler.")
    made = {s.targets[0].id for s in ast.walk(ast.Module(stmt.body, []))
            if isinstance(s, ast.Assign) and isinstance(s.targets[0], ast.Name)
            and isinstance(s.value, ast.List)}           # lists the body makes, to fill
    # the body's last simple statement (`out += np.log(v)`) has run only if the body did:
    # a handler never sees what it wrote (a statement that raises writes nothing)
    partial = stmt.body[:-1] if isinstance(stmt.body[-1], _SIMPLE) else stmt.body
    for node in (n for s in partial for n in ast.walk(s)):
        _refuse_write(node, made, where)
    assigned = _assigned(partial)
    read_after = _read_outside(fn, stmt, flags)
    for h in stmt.handlers:
        seen = _assigned_first(h.body, assigned & read_after)
        for name in sorted(assigned & read_after - seen - {h.name}):
            if where(stmt).startswith("<astgrad-"):   # a grad's names: what the user
                _refuse_second(stmt, where)           # wrote is a `try` in a loop
            raise UnsupportedSyntaxError(
                f"`{name}` is assigned in the `try` body and read after it, but the handler "
                f"does not assign it first: when the body raises part-way, what it did to "
                f"`{name}` has no derivative here.", where(h),
                fix=f"Assign `{name}` at the start of the handler (or `raise` in it), or "
                f"assign it only after the `try` block.")


_SIMPLE = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr)


def _refuse_second(node, where) -> None:
    raise UnsupportedSyntaxError(
        "a second derivative of a `try` block whose first derivative saves values in its "
        "body (in a loop, or a name the function assigns again) is not supported.",
        where(node), fix="Move the `try` block out of the loop, assign its names once, or "
        "take the second derivative by finite differences of the gradient.")


def _refuse_jumps(block, where, what: str) -> None:
    for s in block:
        for node in _walk_out(s):
            if isinstance(node, _JUMPS):
                raise UnsupportedSyntaxError(
                    f"`{type(node).__name__.lower()}` {what} is not supported.", where(node),
                    fix="Set a flag in the block and act on it after the `try` block.")


def _walk_out(stmt):
    """The statements of `stmt` whose jump would leave it (not those of a nested loop, for
    `break`/`continue`, nor of a nested def)."""
    yield stmt
    if isinstance(stmt, ast.FunctionDef):
        return
    for field in ("body", "orelse", "finalbody"):
        for s in getattr(stmt, field, []) or []:
            for node in _walk_out(s):
                if not (isinstance(stmt, _LOOPS) and isinstance(node, (ast.Break, ast.Continue))):
                    yield node
    for h in getattr(stmt, "handlers", []) or []:
        for s in h.body:
            yield from _walk_out(s)


def _refuse_write(node, made, where) -> None:
    target = None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
            and node.func.attr in ("append", "extend") \
            and isinstance(node.func.value, ast.Name) and node.func.value.id in made:
        return
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
            and node.func.attr == "append" and isinstance(node.func.value, ast.Name) \
            and node.func.value.id.startswith("saved_"):     # a stack of `stacks`: code made
        _refuse_second(node, where)                          # for a `try` in a loop
    if isinstance(node, ast.AugAssign):
        target = "augmented assignment"
    elif isinstance(node, (ast.Subscript, ast.Attribute)) and isinstance(node.ctx, ast.Store):
        target = "a write into an array, list or object"
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
            and node.func.attr in WRITERS or isinstance(node, ast.Call) \
            and any(k.arg == "out" for k in node.keywords):
        target = f"`{ast.unparse(node.func)}`, which writes into an object"
    if target:
        raise UnsupportedSyntaxError(
            f"{target} in a `try` body is not supported: if the body raised after it, the "
            f"handler would see the write.", where(node),
            fix="Compute new values in the body (`y = x + v`, `np.concatenate`), and write "
            "them after the `try` block.")


def _assigned(block) -> set[str]:
    return {n.id for s in block for n in ast.walk(s)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)} \
        | {n.name for s in block for n in ast.walk(s)
           if isinstance(n, ast.ExceptHandler) and n.name}


def _read_outside(fn, stmt: ast.Try, flags: set[str]) -> set[str]:
    """Names read in `fn` outside `stmt`'s body and `else` clause, and outside `if F:` for a
    flag F of `_flags` (which all run only when the body completed). In a loop, the body
    and `else` clause of a later run read what an earlier run left where they read a
    name before assigning it: those reads count too."""
    looped = any(stmt in ast.walk(n) for n in ast.walk(fn) if isinstance(n, _LOOPS))
    completed = stmt.body + stmt.orelse \
        + [s for n in ast.walk(fn) if isinstance(n, ast.If) and isinstance(n.test, ast.Name)
           and n.test.id in flags for s in n.body]
    inside = {id(n) for s in completed for n in ast.walk(s)}
    later = set()                     # what a later run reads before it assigns it again
    if looped:
        block = stmt.body + stmt.orelse
        read = {n for s in block for n in _loads(s)}
        later = read - _assigned_first(block, read)
    return later | {n.id for n in ast.walk(fn) if isinstance(n, ast.Name)
                    and isinstance(n.ctx, ast.Load) and id(n) not in inside}


def _flags(stmt: ast.Try, fn, prev, inside: bool) -> set[str]:
    """The names F that are True only when the body's last run completed (the code `catch`
    writes, differentiated again): each handler starts with `F = False`, F is assigned
    nowhere else but `F = True` in the body, and `F = False` right before the `try`.
    The last may be missing where no outer `try` may catch what this one lets by; where
    one may, the body sets F last, so a run that raised cannot have set it."""
    def is_set(s, value, name=None):
        return isinstance(s, ast.Assign) and len(s.targets) == 1 \
            and isinstance(s.targets[0], ast.Name) and isinstance(s.value, ast.Constant) \
            and s.value.value is value and name in (None, s.targets[0].id)
    firsts = [h.body[0] for h in stmt.handlers            # (`except rt.AstgradError: raise`
              if not isinstance(h.body[0], ast.Raise)]    # is on the way, see `catch`)
    if not firsts or not all(is_set(s, False) for s in firsts):
        return set()
    flag = firsts[0].targets[0].id
    sets = [s for b in stmt.body for s in ast.walk(b) if is_set(s, True, flag)]
    before = int(is_set(prev, False, flag))
    stores = [n for n in ast.walk(fn) if isinstance(n, ast.Name) and n.id == flag
              and isinstance(n.ctx, ast.Store)]
    if not all(is_set(s, False, flag) for s in firsts) \
            or len(stores) != len(firsts) + len(sets) + before:
        return set()
    if inside and not (before and len(_tails(stmt.body, flag)) == len(sets)):
        return set()
    return {flag}


def _tails(block, flag) -> list[ast.stmt]:
    """The `flag = True` statements after which nothing in `block` can raise (only
    branches on names and constants assigned follow)."""
    def quiet(s):
        return isinstance(s, ast.Pass) or isinstance(s, ast.Assign) \
            and isinstance(s.value, ast.Constant) or isinstance(s, ast.If) \
            and isinstance(s.test, ast.Name) and all(map(quiet, s.body + s.orelse))
    last = len(block)
    while last and quiet(block[last - 1]):
        last -= 1
    found = [n for s in block[last:] for n in ast.walk(s) if isinstance(n, ast.Assign)
             and isinstance(n.targets[0], ast.Name) and n.targets[0].id == flag]
    if last:
        s = block[last - 1]
        for inner in [getattr(s, "body", None), getattr(s, "orelse", None)] \
                + [h.body for h in getattr(s, "handlers", [])]:
            if isinstance(inner, list) and not isinstance(s, (ast.For, ast.While)):
                found += _tails(inner, flag)
    return found


def _assigned_first(block, names: set[str]) -> set[str]:
    """Those of `names` that every path through `block` assigns before reading them (a
    path that raises or returns assigns them all, but what `return` reads)."""
    done: set[str] = set()
    read: set[str] = set()
    for s in block:
        if isinstance(s, (ast.Raise, ast.Return)):     # the function goes no further
            return set(names) - read - (_loads(s) if isinstance(s, ast.Return) else set())
        if isinstance(s, ast.If):
            read |= _loads(s.test) - done
            both = _assigned_first(s.body, names - done - read) \
                & _assigned_first(s.orelse, names - done - read)
            read |= {n for b in s.body + s.orelse for n in _loads(b)} - done - both
            done |= both
            continue
        read |= _loads(s) - done
        if isinstance(s, ast.Assign):
            done |= {n.id for t in s.targets for n in ast.walk(t)
                     if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)} - read
    return done & names


def _loads(node) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)
            and isinstance(n.ctx, ast.Load)}
