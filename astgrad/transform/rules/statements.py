"""Statement rules: how each statement shape of a normalized function is
differentiated, one named function a shape.

A reverse rule takes the statement, its depth inside loops and branches, and
the reverse pass (`sweep`, see `Sweep`), and returns the pair (forward sweep,
reverse sweep) that replaces it. A tangent rule takes the statement and the
forward pass (`tangents`, see `Tangents`) and returns the statements that
replace it. The rules for one operation (`z = np.sin(x)`) are the
primitives' templates in the other modules of this package; these are the
rules for control flow, in-place writes and calls through a vjp (lists have
theirs in `lists`).
"""
from __future__ import annotations

import ast
import copy
import inspect
from typing import Protocol

import numpy as np

from ...errors import InternalError
from ..adjoint_zeros import bound_before, shaped_in_branch
from ..build import assign, call, load, reads
from ..kinds import expr_kind
from ..plan import AdjointPlan
from .shape import refuse_active_index
from ..stacks import Stacks


class Sweep(Protocol):
    """What the reverse pass gives a reverse rule."""

    fn: ast.FunctionDef      # the normalized function
    plan: AdjointPlan
    stacks: Stacks           # where overwritten values are saved
    namer: object
    ns: object
    kinds: dict
    dicts: frozenset         # the names that hold dicts (`dicts.dict_names`)
    source: object           # the user's source, for `file:line` in errors
    request: object          # its `inline_all`: the code is to be differentiated again

    def block(self, stmts, depth) -> tuple[list, list]: ...
    def active(self, node) -> bool: ...
    def adjoint(self, name) -> str: ...
    def accumulate(self, stmt, slot, name, expr) -> ast.stmt: ...
    def add(self, b, expr, listed) -> ast.expr: ...
    def reset(self, name) -> ast.stmt: ...
    def shaped_zero(self, name) -> bool: ...
    def array(self, name) -> bool: ...
    def callee_vjp(self, fn, wrt, at=False): ...


class Tangents(Protocol):
    """What the forward pass gives a tangent rule."""

    ns: object

    def block(self, stmts) -> list[ast.stmt]: ...
    def varies(self, node) -> bool: ...
    def tangent(self, name) -> str: ...
    def tangent_of(self, node) -> ast.expr: ...
    def zero(self, node) -> ast.expr: ...
    def callee_jvp(self, fn, wrt): ...


def _no_else(loop: ast.For | ast.While) -> None:
    if loop.orelse:                     # the syntax check refuses `else` after a loop
        raise InternalError(f"a loop with `else` reached line {loop.lineno} of a "
                            "differentiating pass.", fix="Please report this bug in astgrad.")


def _breaks(stmts) -> bool:
    """Can this loop body leave the loop early (a `break`, maybe inside an `if`)?"""
    for stmt in stmts:
        if isinstance(stmt, ast.Break):
            return True
        if isinstance(stmt, ast.If) and (_breaks(stmt.body) or _breaks(stmt.orelse)):
            return True
    return False


def _count(name: str) -> ast.Assign:
    """`n = n + 1`."""
    return assign(name, ast.BinOp(load(name), ast.Add(), ast.Constant(1)))


# ---- control flow ---------------------------------------------------------------------------
def reverse_if(stmt: ast.If, depth: int, sweep: Sweep):
    """The reverse sweep takes the branch the forward sweep took: the test is a name
    whose value the reverse sweep sees (restored, inside a loop); the reads computed
    again rather than saved (see `Stacks.recomputable`) come first in each branch."""
    body_f, body_b = sweep.block(stmt.body, depth + 1)
    else_f, else_b = sweep.block(stmt.orelse, depth + 1)
    if body_b or else_b:
        outside = bound_before(sweep.fn, stmt)
        body_b, else_b = body_b + shaped_in_branch(else_b, body_b, outside, sweep), \
            else_b + shaped_in_branch(body_b, else_b, outside, sweep)
        body_b, else_b = _recomputed_first(stmt.body, body_b, sweep), \
            _recomputed_first(stmt.orelse, else_b, sweep)
    forward = [ast.If(stmt.test, body_f, else_f)]
    backward = [ast.If(copy.deepcopy(stmt.test), body_b, else_b)] if body_b or else_b else []
    return forward, backward


def reverse_for(stmt: ast.For, depth: int, sweep: Sweep):
    """`for t in range(...)`: the reverse sweep runs `reversed(range(...))`, cut to the
    iterations that ran when the body can `break`; reads recomputable per iteration
    come first in each reverse iteration."""
    _no_else(stmt)
    body_f, body_b = sweep.block(stmt.body, depth + 1)
    body_b = _recomputed_first(stmt.body, body_b, sweep)
    target, span = stmt.target.id, copy.deepcopy(stmt.iter)
    # Each request for a save names its stack afresh (see Stacks): push and pop are
    # asked for separately, where they go.
    forward, backward, restore = sweep.stacks.save(target)[0], [], []
    if _breaks(stmt.body):
        count = sweep.namer.fresh("n")
        forward += [assign(count, ast.Constant(0))]
        body_f = [_count(count)] + body_f
        span = ast.Subscript(span, ast.Slice(None, load(count), None), ast.Load())
        forward = sweep.stacks.save(count, made_here=True)[0] + forward
        restore = sweep.stacks.save(count)[1]
    forward.append(ast.For(stmt.target, stmt.iter, body_f, []))
    if body_b:
        reversed_span = ast.Call(ast.Name("reversed", ast.Load()), [span], [])
        backward.append(ast.For(ast.Name(target, ast.Store()), reversed_span, body_b, []))
    return forward, backward + sweep.stacks.save(target)[1] + restore


def _recomputed_first(block: list, body_b: list, sweep: Sweep) -> list:
    """The reverse of `block` (a loop body, a branch), after the reads computed again
    rather than saved (see `Stacks.recomputable`) that it reads, each such read's zero
    adjoint made from this iteration's value."""
    if not body_b:
        return body_b
    again = sweep.stacks.again(block)
    zeros = [sweep.reset(a.targets[0].id) for a in again
             if a.targets[0].id in sweep.plan.zeroed and sweep.shaped_zero(a.targets[0].id)]
    read = {n for stmt in zeros + body_b for n in reads(stmt)}
    needed = []
    for a in reversed(again):           # and what those read that is made again (`k = 2 * i`)
        if a.targets[0].id in read:
            needed.append(a)
            read.update(reads(a.value))
    return [copy.deepcopy(a) for a in reversed(needed)] + zeros + body_b


def reverse_while(stmt: ast.While, depth: int, sweep: Sweep):
    """`while test:` counts its iterations; the reverse sweep runs the body that often,
    reads recomputable per iteration first."""
    _no_else(stmt)
    body_f, body_b = sweep.block(stmt.body, depth + 1)
    body_b = _recomputed_first(stmt.body, body_b, sweep)
    count = sweep.namer.fresh("n")
    save, restore = sweep.stacks.save(count, made_here=True)
    forward = save + [assign(count, ast.Constant(0)),
                      ast.While(stmt.test, [_count(count)] + body_f, [])]
    backward = []
    if body_b:
        step = sweep.namer.fresh("_")
        backward.append(ast.For(ast.Name(step, ast.Store()), ast.Call(
            ast.Name("range", ast.Load()), [load(count)], []), body_b, []))
    return forward, backward + restore


# ---- arrays written and read by index -------------------------------------------------------
def reverse_store_item(stmt: ast.Assign, depth: int, sweep: Sweep):
    """`x[i] = v`: save what is overwritten; `bv` gets `bx[i]`, which is then zero."""
    target = stmt.targets[0]
    base = target.value.id
    push, restore = sweep.stacks.save_items(base, target.slice)
    # a repeated index keeps one of the values written there, which one is NumPy's choice
    checks = [ast.Expr(call(sweep.ns, "rt.written_once", [load(base), _as_value(
        copy.deepcopy(target.slice), sweep.ns)]))] \
        if repeatable(target.slice, sweep) and sweep.active(stmt.value) else []
    backward = []
    same = isinstance(stmt.value, ast.Name) and stmt.value.id == base and \
        sweep.active(stmt.value)
    if sweep.active(target.value):
        b = load(sweep.adjoint(base))
        part = copy.deepcopy(b) if _whole_of_0d(target, sweep) is not False else \
            ast.Subscript(b, copy.deepcopy(target.slice), ast.Load())
        if sweep.active(stmt.value):
            kind_v = expr_kind(stmt.value, sweep.kinds, sweep.ns)
            # a copy: `bx[i]` is a view, and it is zeroed next
            contribution = call(sweep.ns, "np.sum", [part]) if kind_v.ndim == 0 else \
                call(sweep.ns, "rt.unbroadcast", [call(sweep.ns, "np.copy", [part]),
                                                  stmt.value])
            if same:                            # `x[i] = x`: take the part before zeroing
                held = sweep.namer.temp()
                backward.append(ast.Assign([ast.Name(held, ast.Store())], contribution))
                contribution = load(held)
            backward.append(sweep.accumulate(stmt, "value", stmt.value.id, contribution))
        # (the adjoint of a 0-d array may be a NumPy number, which takes no item write)
        whole = _whole_of_0d(target, sweep)
        zero = ast.Assign([ast.Name(b.id, ast.Store())], ast.Constant(0.0) if whole else call(
            sweep.ns, "np.zeros_like", [copy.deepcopy(b)])) if whole is not False else \
            ast.Assign([ast.Subscript(b, copy.deepcopy(target.slice), ast.Store())],
                       ast.Constant(0.0))
        backward.insert(len(backward) - 1 if same else len(backward), zero)
    return checks + [push, stmt], backward + [restore]


def reverse_add_at(stmt: ast.Expr, depth: int, sweep: Sweep):
    """`np.add.at(x, i, v)`: `bv` gathers `bx` at `i`; `x` is restored afterwards."""
    base, index, value = stmt.value.args
    push, restore = sweep.stacks.save_items(base.id, index)
    backward = []
    if sweep.active(base) and sweep.active(value):
        part = ast.Subscript(load(sweep.adjoint(base.id)), copy.deepcopy(index), ast.Load())
        backward.append(sweep.accumulate(stmt, "value", value.id,
                                         call(sweep.ns, "rt.unbroadcast", [part, value])))
    return [push, stmt], backward + [restore]


def reverse_read_item(stmt: ast.Assign, g: ast.expr, sweep: Sweep) -> list[ast.stmt]:
    """`v = x[i]`: add `g` (the adjoint of `v`) into `bx` at `i`, in place (`np.add.at`
    where `i` may name one element twice)."""
    value = stmt.value
    base = value.value
    if not sweep.active(base):
        return []
    b = load(sweep.adjoint(base.id))
    index = copy.deepcopy(value.slice)
    if repeatable(index, sweep):
        add_at = ast.Attribute(ast.Attribute(sweep.ns.ref(np), "add", ast.Load()), "at",
                               ast.Load())
        return [ast.Expr(ast.Call(add_at, [b, _as_value(index, sweep.ns), g], []))]
    if _whole_of_0d(value, sweep) is not False:
        return [ast.Assign([ast.Name(b.id, ast.Store())], ast.BinOp(b, ast.Add(), g))]
    return [ast.AugAssign(ast.Subscript(b, index, ast.Store()), ast.Add(), g)]


def _whole_of_0d(node: ast.Subscript, sweep: Sweep) -> bool | None:
    """Is `node` `x[...]` or `x[()]` (all of `x`) of a 0-d array `x`, whose adjoint may be a
    NumPy number? None: `x` may be one (its kind is not known)."""
    index = node.slice
    if not (isinstance(index, ast.Constant) and index.value is Ellipsis
            or isinstance(index, ast.Tuple) and not index.elts):
        return False
    ndim = expr_kind(node.value, sweep.kinds, sweep.ns).ndim
    return True if ndim == 0 else None if ndim is None else False


def _as_value(index: ast.expr, ns) -> ast.expr:
    """An index as a value (an argument): `(i, :)` is `i`, `(:, i)` is `(slice(None, None,
    None), i)`."""
    if not isinstance(index, ast.Tuple):
        return index
    parts = list(index.elts)
    while parts and isinstance(parts[-1], ast.Slice) \
            and parts[-1].lower is parts[-1].upper is parts[-1].step is None:
        parts.pop()
    parts = [call(ns, "slice", [p or ast.Constant(None) for p in (e.lower, e.upper, e.step)])
             if isinstance(e, ast.Slice) else e for e in parts]
    return parts[0] if len(parts) == 1 else ast.Tuple(parts, ast.Load())


def repeatable(index: ast.expr, sweep: Sweep) -> bool:
    """Might this index name one element twice (an integer array, a list)?"""
    parts = index.elts if isinstance(index, ast.Tuple) else [index]
    for part in parts:
        if isinstance(part, ast.Slice) or isinstance(part, ast.Constant):
            continue
        kind = expr_kind(part, sweep.kinds, sweep.ns)
        if not (kind.ndim == 0 and kind.dtype in ("i", "u")):
            if kind.dtype == "b" and kind.ndim is not None and kind.ndim > 0:
                continue                     # a boolean mask names each element once
            return True
    return False


# ---- calls to the user's large functions, through their vjp ---------------------------------
def reverse_call_user(stmt: ast.Assign, depth: int, sweep: Sweep):
    """`z = helper(x, a)`: call the helper's vjp; its pullback holds its forward
    values, and the reverse sweep calls the pullback."""
    target, value = stmt.targets[0].id, stmt.value
    fn = sweep.ns.value(value.func)
    params = list(inspect.signature(fn).parameters)
    _no_varying_containers(value, sweep.active, sweep.source.where(stmt))
    active = [(p, a) for p, a in zip(params, value.args) if sweep.active(a)]
    if not sweep.active(stmt.targets[0]) or not active:
        save, restore = sweep.stacks.save(target) if depth > 0 else ([], [])
        return save + [stmt], restore
    if sweep.request.inline_all and getattr(fn, "_astgrad", None) is None:
        return _reverse_call_at(stmt, depth, sweep, fn, active)
    vjp = sweep.callee_vjp(fn, tuple(p for p, _ in active))
    pullback = sweep.namer.fresh(f"{target}_pullback")
    saves = [sweep.stacks.save(n, made_here=n == pullback) if depth > 0 else ([], [])
             for n in (target, pullback)]
    forward = saves[0][0] + saves[1][0] + [ast.Assign(
        [ast.Tuple([ast.Name(target, ast.Store()), ast.Name(pullback, ast.Store())],
                   ast.Store())],
        ast.Call(ast.Name(sweep.ns.bind(vjp, f"{fn.__name__}_vjp"), ast.Load()),
                 value.args, []))]
    backward = _pulled_back(stmt, load(pullback), [load(sweep.adjoint(target))], active, sweep)
    return forward, backward + saves[1][1] + saves[0][1]


def _reverse_call_at(stmt: ast.Assign, depth: int, sweep: Sweep, fn, active):
    """In code to be differentiated again, `z = helper(x, a)` (a helper calling itself)
    stays the call, and the reverse sweep calls `helper_vjp_at(x, a, bz)`, the vjp at
    a seed (see `astgrad.seeded`): no pullback closure is held, so the code can be
    differentiated again."""
    target = stmt.targets[0].id
    vjp_at = sweep.callee_vjp(fn, tuple(p for p, _ in active), at=True)
    save, restore = sweep.stacks.save(target) if depth > 0 else ([], [])
    backward = _pulled_back(stmt, load(sweep.ns.bind(vjp_at, f"{fn.__name__}_vjp_at")),
                            list(stmt.value.args) + [load(sweep.adjoint(target))], active, sweep)
    return save + [stmt], backward + restore


def _pulled_back(stmt: ast.Assign, fn: ast.expr, args: list, active, sweep: Sweep) -> list:
    """`bx_, ba_ = fn(*args)`, each part added into its argument's adjoint; then the
    call's own adjoint zeroed, where the plan says so."""
    parts, target = sweep.plan.parts[id(stmt)], stmt.targets[0].id
    backward = [ast.Assign([ast.Tuple([ast.Name(p, ast.Store()) for p in parts], ast.Store())],
                           ast.Call(fn, args, []))]
    backward += [sweep.accumulate(stmt, p, a.id, load(part))
                 for part, (p, a) in zip(parts, active)]
    if target in sweep.plan.zeroed:
        backward.append(sweep.reset(target))
    return backward


def _no_varying_containers(call: ast.Call, varies, where: str) -> None:
    """A tuple or list written in a call through the callee's own derivative would be
    no argument that derivative is taken with respect to (a silent zero); `inline`
    names each such argument."""
    for arg in call.args:
        if isinstance(arg, (ast.Tuple, ast.List)) and any(varies(e) for e in arg.elts):
            raise InternalError(f"`{ast.unparse(call)}` at {where} passes `{ast.unparse(arg)}`"
                                f", which varies, written in the call.",
                                fix="Please report this bug in astgrad.")


# ---- forward mode: loops and branches keep their shape, nothing is saved --------------------
def tangent_if(stmt: ast.If, tangents: Tangents) -> list[ast.stmt]:
    return [ast.If(stmt.test, tangents.block(stmt.body), tangents.block(stmt.orelse))]


def tangent_for(stmt: ast.For, tangents: Tangents) -> list[ast.stmt]:
    _no_else(stmt)
    return [ast.For(stmt.target, stmt.iter, tangents.block(stmt.body), [])]


def tangent_while(stmt: ast.While, tangents: Tangents) -> list[ast.stmt]:
    _no_else(stmt)
    return [ast.While(stmt.test, tangents.block(stmt.body), [])]


def tangent_store_item(stmt: ast.Assign, tangents: Tangents) -> list[ast.stmt]:
    """`x[i] = v`, then `tx[i] = tv`."""
    target = stmt.targets[0]
    if not tangents.varies(target.value):
        return [stmt]
    t = load(tangents.tangent(target.value.id))
    write = ast.Assign([ast.Subscript(t, copy.deepcopy(target.slice), ast.Store())],
                       tangents.tangent_of(stmt.value))
    return [stmt, write]


def tangent_add_at(stmt: ast.Expr, tangents: Tangents) -> list[ast.stmt]:
    """`np.add.at(x, i, v)`, then `np.add.at(tx, i, tv)`."""
    base, index, value = stmt.value.args
    if not tangents.varies(base):
        return [stmt]
    add_at = copy.deepcopy(stmt.value)
    add_at.args = [load(tangents.tangent(base.id)), copy.deepcopy(index),
                   tangents.tangent_of(value)]
    return [stmt, ast.Expr(add_at)]


def tangent_read_item(stmt: ast.Assign, tangents: Tangents) -> ast.expr:
    """`v = x[i]`: `tv = tx[i]`."""
    value = stmt.value
    refuse_active_index(value, tangents.varies, tangents.ns, tangents.source.where(stmt))
    if not tangents.varies(value.value):
        return tangents.zero(load(stmt.targets[0].id))
    return ast.Subscript(load(tangents.tangent(value.value.id)), copy.deepcopy(value.slice),
                         ast.Load())


def tangent_call_user(stmt: ast.Assign, tangents: Tangents) -> list[ast.stmt]:
    """`z = helper(x, a)` becomes `z, tz = helper_jvp(x, a, (tx, ta))`."""
    target, value = stmt.targets[0].id, stmt.value
    fn = tangents.ns.value(value.func)
    params = list(inspect.signature(fn).parameters)
    _no_varying_containers(value, tangents.varies, tangents.source.where(stmt))
    active = [(p, a) for p, a in zip(params, value.args) if tangents.varies(a)]
    jvp = tangents.callee_jvp(fn, tuple(p for p, _ in active))
    # wrt is a tuple: so is the tangent
    seed = ast.Tuple([tangents.tangent_of(a) for _, a in active], ast.Load())
    return [ast.Assign(
        [ast.Tuple([ast.Name(target, ast.Store()),
                    ast.Name(tangents.tangent(target), ast.Store())], ast.Store())],
        ast.Call(ast.Name(tangents.ns.bind(jvp, f"{fn.__name__}_jvp"), ast.Load()),
                 list(value.args) + [seed], []))]
