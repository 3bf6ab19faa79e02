"""Pass 13b, catch: write the `try` statements back that `tries` wrote as branches.

    ok = rt.tried(LinAlgError)             ok = True
    if ok:                                 try:
        L = np.linalg.cholesky(K)              L = np.linalg.cholesky(K)
        rt.keep(L)                 ->      except LinAlgError:
        <rest>                                 ok = False
    else:                                      <handler>
        <handler>                          else:
                                               <rest>

Output guarantees: no `rt.tried`, `rt.caught`, `rt.keep` or `rt.done` is left. The flag is kept
only where the reverse sweep reads it. A body that saves, inside a loop, values the
reverse sweep reads had its saves taken back when it raised (`while len(saved) > n:
v = saved.pop()`), so the stacks and the values hold what they held before the body:
the handler's reverse sweep then pops exactly what the handler pushed.
"""
from __future__ import annotations

import ast

from ..errors import InternalError, UnsupportedSyntaxError
from .naming import RUNTIME


def write_tries(tree: ast.FunctionDef, fresh, where) -> ast.FunctionDef:
    """Rewrite, in place, every `ok = rt.tried(...)` and the `if ok:` after it."""
    reads = _reads(tree)
    pops = {s.value.func.value.id: s.targets[0] for s in ast.walk(tree) if _is_pop(s)}
    for node in reversed(list(ast.walk(tree))):      # an inner `try` before the outer
        for field in ("body", "orelse"):
            block = getattr(node, field, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                setattr(node, field, _block(block, reads, pops, fresh, where))
    left = [n for n in ast.walk(tree) if _helper(n) in ("tried", "caught")]
    if left:
        raise InternalError(f"a `try` block's flag was left at line {left[0].lineno}.",
                            fix="Please report this bug in astgrad.")
    return tree


def _helper(node) -> str | None:
    """`keep` for `rt.keep(...)`, and so on."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
            and isinstance(node.func.value, ast.Name) and node.func.value.id == RUNTIME:
        return node.func.attr
    return None


def _block(block, reads, pops, fresh, where) -> list[ast.stmt]:
    out: list[ast.stmt] = []
    for i, stmt in enumerate(block):
        if isinstance(stmt, ast.Assign) and _helper(stmt.value) == "tried":
            ok = stmt.targets[0].id
            branch = next((s for s in block[i + 1:] if isinstance(s, ast.If)
                           and isinstance(s.test, ast.Name) and s.test.id == ok), None)
            if branch is None:
                raise InternalError(f"the branch on a `try` block's flag is missing at line "
                                    f"{stmt.lineno}.", fix="Please report this bug in astgrad.")
            branch.test = stmt        # marks it for the rewrite below, where it is met
            continue
        if isinstance(stmt, ast.If) and isinstance(stmt.test, ast.Assign):
            out += _try(stmt, stmt.test, reads, pops, fresh, where)
            continue
        out.append(stmt)
    return out


def _try(branch: ast.If, flag: ast.Assign, reads, pops, fresh, where) -> list[ast.stmt]:
    """The body runs in the `try`, the handler in its `except`. Where code after the body
    (the `else` clause, or what follows the block) was moved into the branch, an exception
    from it is raised on unchanged: the flag says the body had completed."""
    ok = flag.targets[0].id
    body, after = _marked(branch.body, ok)
    handler, name = branch.orelse, None
    if handler and isinstance(handler[0], ast.Assign) and _helper(handler[0].value) == "caught":
        name, handler = handler[0].targets[0].id, handler[1:]
    types = flag.value.args
    kinds = types[0] if len(types) == 1 else ast.Tuple(list(types), ast.Load())
    before, undo = _rollback(body, pops, fresh, where, flag)
    if not after and reads.get(ok, 0) <= 1:     # the flag read by `if ok:` alone
        body = _marked(body, None)[0]
        first = []
    else:
        first = [_at(ast.Assign([ast.Name(ok, ast.Store())], ast.Constant(False)), flag)]
    reraise = [_at(ast.If(ast.Name(ok, ast.Load()), [ast.Raise()], []), flag)] if after else []
    caught = reraise + undo + handler
    node = ast.Try(body or [ast.Pass()], [ast.ExceptHandler(kinds, name, caught or [ast.Pass()])],
                   [], [])
    return first + before + [_at(node, flag)]


def _marked(block, ok: str | None) -> tuple[list[ast.stmt], bool]:
    """`block` with each `rt.done(...)` written `ok = True` (dropped with no `ok`) and
    each `rt.keep(...)` dropped; and whether a statement follows an `rt.done`."""
    out, after = [], False
    for s in block:
        helper = _helper(s.value) if isinstance(s, ast.Expr) else None
        if helper in ("keep", "done"):
            out += [ast.Expr(a) for a in s.value.args if not isinstance(a, ast.Name)]
            if helper == "done" and ok is not None:
                out.append(_at(ast.Assign([ast.Name(ok, ast.Store())], ast.Constant(True)), s))
            after = after or (helper == "done" and s is not block[-1])
            continue
        for field in ("body", "orelse"):
            inner = getattr(s, field, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                inner, later = _marked(inner, ok)
                setattr(s, field, inner or [ast.Pass()])
                after = after or later
        out.append(s)
    return out, after


def _rollback(body, pops, fresh, where, flag):
    """For each stack the body pushes on: its depth before the body, and the statements
    that, when the body raised, pop what it pushed back into the names it came from."""
    before, undo = [], []
    for stack in dict.fromkeys(s.value.func.value.id for s in _walk(body) if _is_push(s)):
        push = next(s for s in _walk(body) if _is_push(s) and s.value.func.value.id == stack)
        saved, target = push.value.args[0], pops.get(stack)
        if not (isinstance(saved, ast.Name) and isinstance(target, ast.Name)
                and saved.id == target.id):
            raise UnsupportedSyntaxError(
                "a `try` body in a loop that saves only a shape for the reverse sweep is not "
                "supported.", where(flag),
                fix="Move the `try` block out of the loop, or compute in it only what the "
                "handler computes too.")
        depth = fresh(f"n_{stack}")
        before.append(_at(ast.Assign([ast.Name(depth, ast.Store())], _len(stack)), flag))
        test = ast.Compare(_len(stack), [ast.Gt()], [ast.Name(depth, ast.Load())])
        pop = ast.Call(ast.Attribute(ast.Name(stack, ast.Load()), "pop", ast.Load()), [], [])
        undo.append(_at(ast.While(test, [ast.Assign([ast.Name(target.id, ast.Store())], pop)],
                                  []), flag))
    return before, undo


def _len(stack: str) -> ast.Call:
    return ast.Call(ast.Name("len", ast.Load()), [ast.Name(stack, ast.Load())], [])


def _walk(block):
    for s in block:
        yield from ast.walk(s)


def _is_push(node) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) \
        and isinstance(node.value.func, ast.Attribute) and node.value.func.attr == "append" \
        and isinstance(node.value.func.value, ast.Name) and len(node.value.args) == 1


def _is_pop(node) -> bool:
    return isinstance(node, ast.Assign) and len(node.targets) == 1 \
        and isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Attribute) \
        and node.value.func.attr == "pop" and isinstance(node.value.func.value, ast.Name) \
        and not node.value.args


def _reads(tree) -> dict[str, int]:
    counts: dict[str, int] = {}
    for n in ast.walk(tree):
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load):
            counts[n.id] = counts.get(n.id, 0) + 1
    return counts


def _at(node, at):
    for sub in ast.walk(node):
        if isinstance(sub, (ast.stmt, ast.expr)) and not hasattr(sub, "lineno"):
            ast.copy_location(sub, at)
    return node
