"""Pass 5c, saving: what the forward sweep saves for the reverse sweep, kept to
what is read.

Input: the `Sweeps` of the reverse pass, which push every value an in-place
assignment overwrites. Output, the same sweeps where:
* a variable whose restored values nothing in the reverse sweep reads is not
  saved at all (a liveness analysis of the reverse sweep), and one read only
  for its shape saves only its shape; memory grows with what the reverse
  sweep needs per iteration, not with every temporary;
* each stack starts empty, and a saved variable that may be pushed before it
  has a value starts as `None`;
* for `vjp`, whose reverse sweep becomes a pullback that may run twice, the
  reverse sweep works on its own copies of what it pops or restores.
"""
from __future__ import annotations

import ast
import math
import copy
from dataclasses import replace

import numpy as np

from .. import runtime
from .build import assign, load, located, parameters, reads
from .liveness import liveness
from .naming import Namer
from .request import Request
from . import restores
from .reverse import Sweeps
from .rules.lists import sharing, undoes
from .trees import loads, named, named_each, walk

__all__ = ["save", "liveness"]     # `liveness` too: the optimizer reads it from here


def save(sweeps: Sweeps, ns, namer: Namer, request: Request) -> Sweeps:
    """`sweeps` with only the saves the reverse sweep needs; see the module docstring."""
    stacks = dict(sweeps.stacks)
    backward = _prune_undos(sweeps.function, sweeps.backward, sweeps.gradients)
    forward, backward = _prune(sweeps.function, sweeps.forward, backward, sweeps.gradients,
                               stacks, ns, sweeps.shapes)
    initial = _initial_values(stacks, _defined_first(sweeps.function))
    forward = [assign(stack, ast.List([], ast.Load())) for stack in stacks.values()] + forward
    checks, gradients = sweeps.checks, sweeps.gradients
    checks, backward = restores.put_back(checks, backward, sweeps, namer, _walk,
                                         pullback=request.mode == "vjp", ns=ns)
    if request.mode == "vjp":
        checks, backward, gradients = _private_copies(checks, backward, gradients, forward,
                                                      stacks, namer)
    # A name only a branch or a loop assigns may have no value where the reverse sweep
    # reads it unconditionally (a zero adjoint of its shape, a pullback's copy): None.
    forward = initial + [assign(v, ast.Constant(None)) for v in _maybe_unbound(
        sweeps.function, checks + backward, gradients, initial, stacks)] + forward
    located(forward + checks + backward, sweeps.function.body[-1])   # the new statements
    return replace(sweeps, forward=forward, checks=checks, backward=backward,
                   gradients=gradients, stacks=stacks)


# -- dropping what nothing reads --------------------------------------------------------------
def _pop_of(stmt):
    """`(variable, stack)` if `stmt` is `v = stack.pop()`."""
    if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name) \
            and isinstance(stmt.value, ast.Call) and isinstance(stmt.value.func, ast.Attribute) \
            and stmt.value.func.attr == "pop" and isinstance(stmt.value.func.value, ast.Name):
        return stmt.targets[0].id, stmt.value.func.value.id
    return None


def _push_to(stmt):
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) \
            and isinstance(stmt.value.func, ast.Attribute) and stmt.value.func.attr == "append" \
            and isinstance(stmt.value.func.value, ast.Name):
        return stmt.value.func.value.id
    return None


def _prune(function, forward, backward, results, stacks: dict[str, str], ns,
           shapes: dict[str, str]):
    """Drop the saves whose restored values the reverse sweep never reads, and save
    only the shape of a value the reverse sweep reads only for its shape (none where
    every value of it has the shape of a name the reverse sweep can read: `shapes`)."""
    results = set().union(*(set(reads(r)) for r in results))
    items = restores.prune(function, backward, results, stacks, ns, _walk)
    keep = lambda s: not ((restores.item_pop_of(s) or (None, None))[1] in items  # noqa: E731
                          or _push_to(s) in items)
    if items:                         # (else every statement is kept)
        forward, backward = _filter(forward, keep), _filter(backward, keep)
    live = liveness(backward, results)
    needed = set()
    for stmt in _walk(backward):
        pop = _pop_of(stmt)
        if pop and pop[0] in live.get(id(stmt), set()):
            needed.add(pop[1])
    dropped = {s for v, s in stacks.items() if not v.endswith("[]") and s not in needed}
    for var in [v for v, s in stacks.items() if s in dropped]:
        del stacks[var]
    keep = lambda s: not ((_pop_of(s) or (None, None))[1] in dropped  # noqa: E731
                          or _push_to(s) in dropped)
    if dropped:
        forward, backward = _filter(forward, keep), _filter(backward, keep)
    known = _known_shapes(backward, stacks, ns, shapes)
    if known:
        keep = lambda s: not ((_pop_of(s) or (None, None))[1] in known  # noqa: E731
                              or _push_to(s) in known)
        forward, backward = _filter(forward, keep), _filter(backward, keep)
    return forward, _shapes_only(forward, backward, stacks, ns)


def _known_shapes(backward, stacks: dict[str, str], ns, shapes: dict[str, str]) -> set[str]:
    """The stacks of the values read only for their shapes where each value has the shape
    of a name bound once (`_3` made in a loop from a parameter `w`): their reads read that
    name's shape instead, and they are no longer kept (removed from `stacks`)."""
    known = set()
    for var, stack in list(stacks.items()):
        same = shapes.get(var, var)
        if same == var or var.endswith("[]"):
            continue
        uses = _shape_reads(backward, var, ns)
        if not uses:
            continue
        for node in uses:
            if isinstance(node, ast.Attribute):
                node.value = load(same)
            elif len(node.args) == 2:                 # rt.unbroadcast(g, var)
                node.args[1] = load(same)
            else:
                node.args[0] = load(same)
        known.add(stack)
        del stacks[var]
    return known


def _prune_undos(function, backward, results):
    """Drop the reversed appends and pops that put a list back as it was (`xs.pop()`,
    `xs.append(v)`, see `rules.lists`) where the reverse sweep reads afterwards neither
    the list nor a name that may hold the same list (`ys = xs`)."""
    if not any(undoes(s) is not None for s in _walk(backward)):
        return _without(backward, lambda s: False)    # (no undo: no liveness to ask)
    shared = sharing(function.body[:-1])
    undo = lambda s: undoes(s) if undoes(s) in shared else None  # noqa: E731
    # liveness with each of them a `pass` standing in: they change lists, they need none
    stand_ins: dict[int, ast.stmt] = {}

    def without_undos(stmts):
        out = []
        for stmt in stmts:
            if undo(stmt) is not None:
                stmt = stand_ins.setdefault(id(stmt), ast.Pass())
            elif isinstance(stmt, (ast.For, ast.While, ast.If)):
                stmt = copy.copy(stmt)
                stmt.body, stmt.orelse = without_undos(stmt.body), without_undos(stmt.orelse)
            out.append(stmt)
        return out

    live = liveness(without_undos(backward), set().union(*(set(reads(r)) for r in results)))
    return _without(backward, lambda s: undo(s) is not None and not shared[undo(s)]
                    & live.get(id(stand_ins[id(s)]), set()))


def _without(stmts, drop):
    """`stmts` without those `drop` picks, nor the loops and branches left empty."""
    out = []
    for stmt in stmts:
        if drop(stmt):
            continue
        if isinstance(stmt, (ast.For, ast.If)):
            body, orelse = _without(stmt.body, drop), _without(stmt.orelse, drop)
            if not body and not orelse:
                continue
            stmt.body, stmt.orelse = body or [ast.Pass()], orelse
        out.append(stmt)
    return out


def _shape_reads(backward, name, ns, named_there=None):
    """The nodes reading `name` in the reverse sweep, if each reads only its shape
    (`named_there`: its nodes there with their parents, if found already)."""
    found, other = [], False
    if named_there is None:
        named_there = named(ast.Module(body=backward, type_ignores=[]), name)
    for node, parent in named_there:
        if not isinstance(node.ctx, ast.Load):
            continue
        if isinstance(parent, ast.Attribute) and parent.attr == "shape":
            found.append(parent)
        elif isinstance(parent, ast.Call) and ns.value(parent.func) in (np.shape, np.size) \
                and len(parent.args) == 1 and not parent.keywords:
            found.append(parent)
        elif isinstance(parent, ast.Call) and ns.value(parent.func) is runtime.unbroadcast \
                and len(parent.args) == 2 and parent.args[1] is node:
            found.append(parent)
        elif _pop_of(parent) is None:
            other = True
    return None if other else found


def _np_shape(value: ast.expr) -> ast.Call:
    return ast.Call(ast.Attribute(ast.Name("np", ast.Load()), "shape", ast.Load()), [value], [])


def _in_try_bodies(forward, ns) -> set[str]:
    """The stacks pushed in a `try` body (a branch reaching `rt.done`, see `tries`): a body
    that raised has its saves put back by value (`catch`), so those keep values."""
    return {_push_to(s) for stmt in _walk(forward) if isinstance(stmt, ast.If)
            and any(isinstance(n, ast.Call) and ns.value(n.func) is runtime.done
                    for b in stmt.body for n in walk(b))
            for s in _walk(stmt.body) if _push_to(s)}


def _shapes_only(forward, backward, stacks, ns):
    starts = []
    saved = {var for var in stacks if not var.endswith("[]")}
    # each saved name's reads found in one walk, unless one is another's `_shape`: that
    # one's reads grow as the other's are rewritten below
    found = None if any(f"{var}_shape" in saved for var in saved) else \
        named_each(ast.Module(body=backward, type_ignores=[]), saved)
    tried = _in_try_bodies(forward, ns)
    for var, stack in list(stacks.items()):
        if var.endswith("[]") or stack in tried:
            continue
        uses = _shape_reads(backward, var, ns, None if found is None else found.get(var, []))
        if not uses:
            continue
        shape = f"{var}_shape"
        for node in uses:                       # read the saved shape instead
            if isinstance(node, ast.Call) and len(node.args) == 2:
                node.func = ns.ref(runtime.sum_to)
                node.args[1] = load(shape)
            elif isinstance(node, ast.Call) and ns.value(node.func) is np.size:
                node.func, node.args = ns.ref(math.prod), [load(shape)]
            else:
                node.__class__ = ast.Name
                node.__dict__.clear()
                node.id, node.ctx = shape, ast.Load()
        for stmt in _walk(forward):
            if _push_to(stmt) == stack:
                stmt.value.args = [_np_shape(copy.deepcopy(stmt.value.args[0]))]
        for stmt in _walk(backward):
            if _pop_of(stmt) and _pop_of(stmt)[1] == stack:
                stmt.targets[0].id = shape
        starts.append(assign(shape, _np_shape(load(var))))
    return starts + backward


def _walk(stmts):
    for stmt in stmts:
        yield stmt
        for field in ("body", "orelse"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list):
                yield from _walk(inner)


def _filter(stmts, keep):
    out = []
    for stmt in stmts:
        if not keep(stmt):
            continue
        for field in ("body", "orelse"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list) and (not inner or isinstance(inner[0], ast.stmt)):
                setattr(stmt, field, _filter(inner, keep))
        out.append(stmt)
    return out


# -- starting values --------------------------------------------------------------------------
def _defined_first(fn: ast.FunctionDef) -> set[str]:
    """Names with a value before any loop or branch assigns them."""
    out = set(parameters(fn))
    for stmt in fn.body[:-1]:
        if isinstance(stmt, (ast.If, ast.For, ast.While)):
            break
        if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name):
            out.add(stmt.targets[0].id)
    return out


def _maybe_unbound(fn: ast.FunctionDef, reverse, gradients, initial, stacks) -> list[str]:
    """The forward names the `reverse` sweep reads outside its loops and branches that
    only a loop or a branch of `fn` assigns, and that start with no value yet."""
    always = set(parameters(fn)) | {s.targets[0].id for s in fn.body[:-1]
                                    if isinstance(s, ast.Assign)
                                    and isinstance(s.targets[0], ast.Name)}
    always |= {a.targets[0].id for a in initial} | set(stacks.values())
    assigned = {n.id for n in walk(fn) if isinstance(n, ast.Name)
                and isinstance(n.ctx, ast.Store)}
    read = set().union(*(loads(
        s.test if isinstance(s, (ast.If, ast.While)) else s.iter if isinstance(s, ast.For)
        else s) for s in reverse), *(loads(g) for g in gradients))
    return sorted({n for n in read if n in assigned and n not in always})


def _initial_values(stacks: dict[str, str], defined: set[str]) -> list[ast.stmt]:
    """`v = None` for a saved variable that may be pushed before it has a value."""
    return [assign(v, ast.Constant(None)) for v in stacks
            if not v.endswith("[]") and v not in defined]


# -- a pullback that may run twice ------------------------------------------------------------
def _private_copies(checks, backward, gradients, forward, stacks, namer):
    """`(checks, backward, gradients)` of a pullback working on its own copies of what
    it pops or assigns; the copies are made first, with the checks."""
    body = checks + backward + [ast.Return(ast.Tuple(list(gradients), ast.Load()))]
    private = _private_names(body, forward, stacks)
    if not private:
        return checks, backward, gradients
    names = {p: namer.fresh(f"{p}_") for p in private}

    class Rename(ast.NodeTransformer):
        def visit_Name(self, node):
            return ast.Name(names.get(node.id, node.id), node.ctx)

    body = [Rename().visit(s) for s in body]
    popped = set(stacks.values())
    copies = [assign(new, ast.Call(ast.Name("list", ast.Load()), [load(old)], [])
                     if old in popped else load(old)) for old, new in names.items()]
    n = len(checks)
    return copies + body[:n], body[n:-1], body[-1].value.elts


def _private_names(body, forward, stacks) -> list[str]:
    """The names the pullback `body` pops from or assigns that the forward sweep has."""
    forward_names = {n.id for s in forward for n in walk(s) if isinstance(n, ast.Name)}
    # A name only a reverse loop assigns is set before it is read; any other name the
    # pullback assigns may be read first, so it starts as a copy of the forward value.
    loop_only = {n.target.id for s in body for n in walk(s)
                 if isinstance(n, ast.For) and isinstance(n.target, ast.Name)}
    assigned = set()
    for node in (n for s in body for n in walk(s)):
        for target in node.targets if isinstance(node, ast.Assign) else []:
            # the names an assignment binds: `x[i] = v` binds none (it writes into x)
            assigned |= {n.id for n in walk(target) if isinstance(n, ast.Name)
                         and isinstance(n.ctx, ast.Store)}
    loop_only -= assigned
    assigned |= {n.id for s in body for n in walk(s)
                 if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)} - loop_only
    popped = set(stacks.values()) & {n.id for s in body for n in walk(s)
                                     if isinstance(n, ast.Name)}
    return sorted((assigned & forward_names) | popped)
