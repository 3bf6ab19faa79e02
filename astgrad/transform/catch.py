"""Pass 13b, catch: write back the `try` statements that `tries` wrote as branches.

    ok = rt.tried("ok", LinAlgError)       try:
    if ok:                                     L = np.linalg.cholesky(K)
        L = np.linalg.cholesky(K)              ok = True
        rt.done("ok", L)           ->      except LinAlgError:
        <rest>                                 ok = False
    else:                                      <handler>
        <handler>                          else:
                                               <rest>

Output guarantees: no `rt.tried`, `rt.caught`, `rt.keep` or `rt.done` is left. The body
runs in the `try` up to where it completed (`rt.done`), and nothing else does: the code
`restructure` moved after it runs in the `else` clause, or under `if ok:` where the body
ends in several branches. The flag is kept only where code reads it. A body that saves,
inside a loop, values the reverse sweep reads has its saves taken back when it raised
(`if len(saved_h) > n_saved_h: h = saved_h.pop()`), so the stacks and those values hold
what they held before the body: the handler's reverse sweep pops what the handler pushed.
"""
from __future__ import annotations

import ast
import copy

from ..errors import InternalError, UnsupportedSyntaxError
from . import tries
from .naming import NUMPY, RUNTIME
from .trees import walk


def write_tries(tree: ast.FunctionDef, fresh, where, tangents=frozenset()) -> ast.FunctionDef:
    """Rewrite, in place, every `ok = rt.tried(...)` and the `if ok:` after it (an outer
    `try` before the `try` blocks inside it). `tangents`: the tangent names (forward mode),
    whose code in a body runs under `with rt.tangents():`."""

    def visit(node, inside):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                here = inside or isinstance(node, ast.Try) and field == "body"
                setattr(node, field, _block(block, tree, fresh, where, here, tangents))
                for s in getattr(node, field):
                    visit(s, here)
        for handler in getattr(node, "handlers", None) or []:
            visit(handler, True)
    visit(tree, False)
    left = [n for n in walk(tree) if n.__class__ is ast.Call
            and _helper(n) in ("tried", "caught", "done")]
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


def _block(block, tree, fresh, where, inside, tangents) -> list[ast.stmt]:
    out: list[ast.stmt] = []
    copies: set[int] = set()          # `c = ok`: `normalize` names a test its branch assigns
    for i, stmt in enumerate(block):
        if id(stmt) in copies:
            continue
        if isinstance(stmt, ast.Assign) and _helper(stmt.value) == "tried":
            names, branch = {stmt.targets[0].id}, None
            for s in block[i + 1:]:
                if isinstance(s, ast.Assign) and isinstance(s.value, ast.Name) \
                        and s.value.id in names and len(s.targets) == 1:
                    names.add(s.targets[0].id)
                    copies.add(id(s))
                elif isinstance(s, ast.If) and isinstance(s.test, ast.Name) \
                        and s.test.id in names:
                    branch = s
                    break
            if branch is None:
                raise InternalError(f"the branch on a `try` block's flag is missing at line "
                                    f"{stmt.lineno}.", fix="Please report this bug in astgrad.")
            stmt.targets = [ast.Name(branch.test.id, ast.Store())]
            branch.test = stmt        # marks it for the rewrite below, where it is met
            continue
        if isinstance(stmt, ast.If) and isinstance(stmt.test, ast.Assign):
            out += _try(stmt, stmt.test, tree, fresh, where, inside, tangents)
            continue
        out.append(stmt)
    return out


def _try(branch: ast.If, flag: ast.Assign, tree, fresh, where, inside, tangents):
    """The body runs in the `try`, the handler in its `except`. What follows the body's
    end (the `else` clause, and what `restructure` moved into the branch) runs after the
    `try`: in its `else` clause, or, where the body ends in several branches, under `if ok:`
    in the same branches."""
    ok, tag, types = flag.targets[0].id, flag.value.args[0].value, flag.value.args[1:]
    body, rest, ends = _split(copy.deepcopy(branch.body), ok, tag)
    handler, name = branch.orelse, None
    if handler and isinstance(handler[0], ast.Assign) and _helper(handler[0].value) == "caught":
        name, handler = handler[0].targets[0].id, handler[1:]
    kinds = types[0] if len(types) == 1 else ast.Tuple(list(types), ast.Load())
    nested = ends == "nested" and not _empty(rest)
    if not nested and not _reads(tree).get(ok):    # (`if ok:` itself is marked: not a read)
        body, rest, ends = _split(branch.body, None, tag)
        failed = []
    else:
        body, rest, ends = _split(branch.body, ok, tag)
        failed = [_at(ast.Assign([ast.Name(ok, ast.Store())], ast.Constant(False)), flag)]
    before, undo = _rollback(body, fresh, where, flag)
    if failed and inside:       # an outer `try` may catch what this one lets by: no stale flag
        before = [_at(ast.Assign([ast.Name(ok, ast.Store())], ast.Constant(False)), flag)] \
            + before
    caught = failed + undo + [s for s in _strip(handler) if not isinstance(s, ast.Pass)]
    body = _guarded(body, _derived(body, tangents)) if tangents else body
    own = [ast.ExceptHandler(ast.Attribute(ast.Name(RUNTIME, ast.Load()), "AstgradError",
                                           ast.Load()), None, [ast.Raise()])] \
        if _calls_out(body) else []
    node = _at(ast.Try(body or [ast.Pass()], own + [ast.ExceptHandler(
        kinds, name, caught or [ast.Pass()])], rest if ends == "top" else [], []), flag)
    after = [_at(ast.If(ast.Name(ok, ast.Load()), rest, []), flag)] if nested else []
    return before + [node] + after


def _split(block, ok: str | None, tag: str):
    """`(body, rest, ends)`: `block` up to each `rt.done(tag, ...)` (written `ok = True`, or
    dropped with no `ok`), `rt.keep` dropped; what follows the `rt.done`, in the branches
    that lead to it; and whether it was found at the top level ("top") or in a branch."""
    out = []
    for i, s in enumerate(block):
        if isinstance(s, ast.Expr) and _helper(s.value) == "done" \
                and s.value.args[0].value == tag:
            out += [ast.Expr(a) for a in s.value.args[1:] if not isinstance(a, ast.Name)]
            if ok is not None:
                out.append(_at(ast.Assign([ast.Name(ok, ast.Store())], ast.Constant(True)), s))
            return out, _strip(block[i + 1:]), "top"
        if isinstance(s, ast.If):
            body, rest_b, end_b = _split(s.body, ok, tag)
            orelse, rest_e, end_e = _split(s.orelse, ok, tag)
            s.body, s.orelse = body or [ast.Pass()], orelse
            if end_b or end_e:             # the body's end is in this branch: `restructure`
                out.append(s)             # left nothing after it
                return out, [_at(_branch(s.test, rest_b, rest_e), s)], "nested"
            out.append(s)
            continue
        out += _strip([s])
    return out, [], None


def _derived(body, tangents) -> set[str]:
    """The names the body computes from tangents (the tangents among them)."""
    out = set(tangents)
    for node in _walk(body):
        if isinstance(node, ast.Assign) and any(isinstance(n, ast.Name) and n.id in out
                                                for n in ast.walk(node.value)):
            out |= {n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return out


def _guarded(block, derived) -> list[ast.stmt]:
    """`block` with each run of statements computing tangents in `with rt.tangents():`."""
    out: list[ast.stmt] = []
    guards: set[int] = set()
    for s in block:
        for field in ("body", "orelse"):
            inner = getattr(s, field, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                setattr(s, field, _guarded(inner, derived))
        if not _computes(s, derived):
            out.append(s)
        elif out and id(out[-1]) in guards:
            out[-1].body.append(s)
        else:
            out.append(_at(ast.With([ast.withitem(ast.Call(ast.Attribute(
                ast.Name(RUNTIME, ast.Load()), "tangents", ast.Load()), [], []))], [s]), s))
            guards.add(id(out[-1]))
    return out


def _computes(stmt, derived) -> bool:
    return not isinstance(stmt, (ast.If, ast.For, ast.While, ast.Try)) and any(
        isinstance(n, ast.Name) and n.id in derived for n in ast.walk(stmt))


def _calls_out(body) -> bool:
    """Does the body call anything but NumPy and `math`, which might raise one of astgrad's
    refusals when it runs (`rt.unshared`, a helper's code)? A handler for `Exception`
    must not take that for the user's exception: it is raised on, first."""
    raising = {id(n) for s in _walk(body) if isinstance(s, ast.Raise) for n in ast.walk(s)}
    for node in _walk(body):
        if isinstance(node, ast.Call) and id(node) not in raising:
            root = node.func
            while isinstance(root, ast.Attribute):
                root = root.value
            if not (isinstance(root, ast.Name) and root.id in (NUMPY, "math")):
                return True
    return False


def _branch(test, body, orelse) -> ast.If:
    """`if test: body else: orelse`, written `if not test: orelse` where `body` is empty."""
    test = copy.deepcopy(test)
    if _empty(body) and not _empty(orelse):
        negated = test.operand if isinstance(test, ast.UnaryOp) \
            and isinstance(test.op, ast.Not) else ast.UnaryOp(ast.Not(), test)
        return ast.If(negated, orelse, [])
    return ast.If(test, body or [ast.Pass()], [] if _empty(orelse) else orelse)


def _empty(block) -> bool:
    return all(isinstance(s, ast.Pass) or isinstance(s, ast.If) and _empty(s.body)
               and _empty(s.orelse) for s in block)


def _strip(block) -> list[ast.stmt]:
    """`block` without `rt.keep(...)` (its arguments that are not names kept)."""
    out = []
    for s in block:
        if isinstance(s, ast.Expr) and _helper(s.value) == "keep":
            out += [ast.Expr(a) for a in s.value.args if not isinstance(a, ast.Name)]
            continue
        for field in ("body", "orelse"):
            inner = getattr(s, field, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                setattr(s, field, _strip(inner) or ([ast.Pass()] if field == "body" else []))
        out.append(s)
    return out


def _rollback(body, fresh, where, flag):
    """For each stack the body pushes on: its depth before the body, and the statements
    that, when the body raised, pop what it pushed back into the names it came from."""
    before, undo = [], []
    made = {n.id for n in _walk(body) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    looped = {id(n) for s in _walk(body) if isinstance(s, (ast.For, ast.While))
              for n in ast.walk(s)}
    pushes = [s for s in _walk(body) if _is_push(s) and s.value.func.value.id not in made]
    _refuse_writes(body, made, {s.value.func.value.id for s in pushes}, where, flag)
    for stack in dict.fromkeys(s.value.func.value.id for s in pushes):
        push = next(s for s in pushes if s.value.func.value.id == stack)
        target = push.value.args[0]         # `saved_h.append(h)`: h's value before the body
        if not isinstance(target, ast.Name):
            raise UnsupportedSyntaxError(
                "a `try` body in a loop that saves only a shape for the reverse sweep is not "
                "supported.", where(flag),
                fix="Move the `try` block out of the loop, or compute in it only what the "
                "handler computes too.")
        depth = fresh(f"n_{stack}")
        before.append(_at(ast.Assign([ast.Name(depth, ast.Store())], _len(stack)), flag))
        test = ast.Compare(_len(stack), [ast.Gt()], [ast.Name(depth, ast.Load())])
        pop = ast.Call(ast.Attribute(ast.Name(stack, ast.Load()), "pop", ast.Load()), [], [])
        again = any(id(s) in looped for s in pushes if s.value.func.value.id == stack)
        undo.append(_at((ast.While if again else ast.If)(   # pushed in a loop: maybe often
            test, [ast.Assign([ast.Name(target.id, ast.Store())], pop)], []), flag))
    return before, undo


def _refuse_writes(body, made, pushed, where, flag) -> None:
    """The body writes into no array or list made before it (a helper written out in it
    may; `tries` saw the user's own writes), but for the stacks of saved values."""
    for node in _walk(body):
        base = node.value if isinstance(node, ast.Subscript) \
            and isinstance(node.ctx, ast.Store) else None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in tries.WRITERS:
            base = node.func.value
            if isinstance(base, ast.Name) and base.id in pushed \
                    and base.id.startswith("saved_"):
                continue                       # a stack of `stacks`
        while isinstance(base, (ast.Subscript, ast.Attribute)):
            base = base.value
        if base is not None and not (isinstance(base, ast.Name) and base.id in made):
            raise UnsupportedSyntaxError(
                "a `try` body that writes into an array or list made before it (here in a "
                "function it calls) is not supported: if the body raised after the write, "
                "the handler would see it.", where(flag),
                fix="Have the function return new values, and write them after the `try` "
                "block.")


def _len(stack: str) -> ast.Call:
    return ast.Call(ast.Name("len", ast.Load()), [ast.Name(stack, ast.Load())], [])


def _walk(block):
    for s in block:
        yield from ast.walk(s)


def _is_push(node) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) \
        and isinstance(node.value.func, ast.Attribute) and node.value.func.attr == "append" \
        and isinstance(node.value.func.value, ast.Name) and len(node.value.args) == 1


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
