"""Pass 5a, the adjoint plan: every decision about adjoints, made before any code is.

Input: a normalized function (see `normalize`), its activity and kinds.
Output: an `AdjointPlan`, which the reverse pass asks and never second-guesses:

* `zeroed`: the adjoints that start at zero before the reverse sweep and only
  ever accumulate: those of names a loop or branch reads or assigns, of lists,
  and of arrays written or read by index; except a name assigned once in a
  loop or branch and used up by the statements after it in its block, whose
  adjoint is made afresh in each pass (`lifetimes.block_local`);
* `owned`: zeroed adjoints that are arrays (or lists) of their own, updated in
  place (`bx[i] += g`);
* `sequences`: names holding Python lists or tuples; their adjoints are lists,
  combined element by element (`rt.add_each`); `joined_each` adds the names of
  unknown kind read by constant index (a tuple a user's primitive returns may be
  among them), whose adjoints are joined with `rt.add_each` too;
* each *contribution*, a statement adding into the adjoint of one name
  through one slot (`(statement, name, slot)`), either assigns (`bx = g`) or
  accumulates (`bx = bx + g`). A contribution assigns when it is the first
  mention of its adjoint in reverse program order, the order in which the
  reverse sweep runs, and that adjoint is not zeroed. Inside a loop or branch
  only block-local names assign;
* `names`: the adjoint variable of every name that has one (`bx` for `x`);
* `opening`: the top-level assignments that give their name its first value:
  once one is reversed, no earlier value's adjoint is needed, so none is reset;
* `reached`: the assignments `v = ...` whose `bv` something later in the
  program adds into; the others get no reverse statements at all;
* `operations` and `parts`: per statement, the primitive and the arguments
  its rules add into, or the outputs of a called helper's pullback.

Names are allocated in one fixed order, so the output is byte-identical from
run to run: the pullback's seeds; then the statements last to first (an `if`'s
body, then its `else`, each last to first), within a statement the target's
adjoint, then the names its rule adds into, in the order of the rule's
parameters; last the zeroed adjoints nothing mentioned, sorted.
"""
from __future__ import annotations

import ast
import inspect
from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

from ..errors import InternalError, NoRuleError
from . import registry
from .activity import Activity
from .rules.shape import refuse_active_index
from .build import (calls_user_function, is_add_at, is_append, is_method_call, parameters,
                    reads, target_name)
from .dicts import dict_names
from .kinds import Kind
from .lifetimes import block_local, opening
from .sequences import joins_lists, maybe_sequences, refuse_iterator, sequences_in
from .naming import Namer
from .request import Request


@dataclass(frozen=True)
class Operation:
    """One statement's primitive, its arguments by parameter, and the arguments a
    derivative flows into: `(index, parameter, argument node)`, in parameter order."""

    prim: object
    args: Mapping[str, ast.expr]
    receivers: tuple[tuple[int, str, ast.expr], ...]


@dataclass(frozen=True)
class AdjointPlan:
    names: Mapping[str, str]                 # variable -> its adjoint variable
    zeroed: frozenset[str]
    owned: frozenset[str]
    sequences: frozenset[str]
    assigning: frozenset[tuple]              # the contributions that assign
    contributions: frozenset[tuple]          # every contribution, (id(stmt), name, slot)
    reached: frozenset[int]                  # assignments whose target's adjoint is added into
    operations: Mapping[int, Operation]      # per statement applying a primitive's rules
    parts: Mapping[int, tuple[str, ...]]     # per call through a vjp: its pullback's outputs
    seeds: tuple[str, ...]                   # the pullback's parameters
    seed_names: tuple[str, ...]              # the seed of each output (vjp)
    opening: frozenset[int] = frozenset()    # top-level first assignments of their name
    joined_each: frozenset[str] = frozenset()

    def assigns(self, stmt: ast.AST, name: str, slot) -> bool:
        """Does this contribution assign the adjoint (rather than add into it)?"""
        key = (id(stmt), name, slot)
        if key not in self.contributions:
            raise InternalError(f"the reverse pass wrote a contribution to the adjoint of "
                                f"`{name}` that the adjoint plan does not have.")
        return key in self.assigning


def plan(fn: ast.FunctionDef, source, activity: Activity, kinds: dict[str, Kind], ns,
         namer: Namer, request: Request) -> AdjointPlan:
    """Decide every adjoint of `fn`'s reverse sweep; see the module docstring."""
    *body, ret = fn.body
    sequences = sequences_in(body, kinds, ns)
    zeroed, owned = _starting_at_zero(body, activity.active, sequences,
                                      block_local(fn.body, parameters(fn)))
    walk = _Walk(source, activity.active, zeroed, sequences, ns, namer)
    seeds, seed_names = walk.seeds(ret, request.mode)
    walk.block(body)
    for name in sorted(zeroed):
        walk.mention(name)
    return AdjointPlan(
        names=MappingProxyType(walk.names), zeroed=frozenset(zeroed), owned=frozenset(owned),
        sequences=frozenset(sequences), assigning=frozenset(walk.assigning),
        contributions=frozenset(walk.contributions), reached=frozenset(walk.reached),
        operations=MappingProxyType(walk.operations), parts=MappingProxyType(walk.parts),
        seeds=tuple(seeds), seed_names=tuple(seed_names), opening=opening(body),
        joined_each=frozenset(sequences | maybe_sequences(body, kinds, ns)
                              | dict_names(body, kinds)))


# -- which adjoints start at zero ---------------------------------------------------------
def _starting_at_zero(body, active, sequences, local) -> tuple[set[str], set[str]]:
    """`(zeroed, owned)`; see the module docstring. A `local` name's adjoint is made
    afresh in each pass through its block (see `lifetimes`)."""
    zeroed, owned = set(), set()

    def visit(stmts, depth):
        for stmt in stmts:
            if isinstance(stmt, (ast.If, ast.For, ast.While)):
                visit(stmt.body, depth + 1)
                visit(stmt.orelse, depth + 1)
                continue
            names = [n for n in reads(stmt) if n in active]
            target = target_name(stmt)
            if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Subscript):
                owned.add(target)                    # `x[i] = v`
                zeroed.update(names + [target])
            elif isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Subscript) \
                    and isinstance(stmt.value.value, ast.Name):
                owned.add(stmt.value.value.id)       # `v = x[i]`
                zeroed.add(stmt.value.value.id)
            if depth > 0:
                zeroed.update(names)
                if target is not None:
                    zeroed.add(target)

    visit(body, 0)
    zeroed = (zeroed | sequences & active) - local
    owned = (owned | sequences & active) - local
    return {n for n in zeroed if n in active}, owned


# -- the walk in reverse program order ---------------------------------------------------
class _Walk:
    """Visits the statements in the order the reverse sweep runs them, allocating each
    adjoint at its first mention and recording what each contribution does."""

    def __init__(self, source, active, zeroed, sequences, ns, namer):
        self.source, self.active, self.zeroed = source, active, zeroed
        self.sequences, self.ns, self.namer = sequences, ns, namer
        self.names: dict[str, str] = {}
        self.assigning, self.contributions, self.reached = set(), set(), set()
        self.operations: dict[int, Operation] = {}
        self.parts: dict[int, tuple[str, ...]] = {}

    def mention(self, name: str) -> None:
        if name not in self.names:
            self.names[name] = self.namer.adjoint(name)

    def contribute(self, stmt, name: str, slot) -> None:
        if name not in self.names and name not in self.zeroed:
            self.assigning.add((id(stmt), name, slot))
        self.contributions.add((id(stmt), name, slot))
        self.mention(name)

    def _is_active(self, node) -> bool:
        return isinstance(node, ast.Name) and node.id in self.active

    def seeds(self, ret: ast.Return, mode: str) -> tuple[list[str], list[str]]:
        """The seed parameters of the pullback, and the seed of each output."""
        outputs = ret.value.elts if isinstance(ret.value, ast.Tuple) else [ret.value]
        if mode != "vjp":
            if self._is_active(outputs[0]):
                self.contribute(ret, outputs[0].id, 0)
            return [], []
        if isinstance(ret.value, ast.Tuple):
            seed = self.namer.fresh("seeds")
            names = [self.namer.fresh(f"b{i}") for i in range(len(outputs))]
        else:
            names = [self.namer.adjoint(outputs[0].id) if isinstance(outputs[0], ast.Name)
                     else self.namer.fresh("seed")]
            seed = names[0]
        for i, out in enumerate(outputs):
            if not self._is_active(out):
                continue
            if len(names) == 1 and out.id not in self.zeroed:
                self.names[out.id] = names[0]        # the seed is the output's adjoint
            else:
                self.contribute(ret, out.id, i)
        return [seed], names

    def block(self, stmts) -> None:
        for stmt in reversed(stmts):
            if isinstance(stmt, ast.If):
                self.block(stmt.body)
                self.block(stmt.orelse)
            elif isinstance(stmt, (ast.For, ast.While)):
                self.block(stmt.body)
            elif isinstance(stmt, ast.Assign):
                self._assignment(stmt)
            elif isinstance(stmt, ast.Expr):
                self._expression(stmt)
            # Any other statement adds into no adjoint; a class the reverse pass does not
            # know, it refuses by name (see `dispatch`).

    def _assignment(self, stmt: ast.Assign) -> None:
        target, value = stmt.targets[0], stmt.value
        if isinstance(target, ast.Subscript):        # `x[i] = v`
            if self._is_active(target.value):
                self.mention(target.value.id)
                if self._is_active(value):
                    self.contribute(stmt, value.id, "value")
        elif not isinstance(target, ast.Name):
            return                                   # the reverse pass refuses it
        elif calls_user_function(value, self.ns):
            self._call_user(stmt)
        elif target.id in self.active and (target.id in self.names
                                           or target.id in self.zeroed):
            self.reached.add(id(stmt))
            self.mention(target.id)
            self._value(stmt, value)

    def _expression(self, stmt: ast.Expr) -> None:
        call = stmt.value
        if is_append(call):                          # `xs.append(v)`
            lst, item = call.func.value, call.args[0]
        elif is_add_at(call, self.ns):               # `np.add.at(x, i, v)`
            lst, _, item = call.args
        else:
            return
        if self._is_active(lst) and self._is_active(item):
            self.mention(lst.id)
            self.contribute(stmt, item.id, "value")

    def _value(self, stmt, value) -> None:
        if isinstance(value, ast.Name):
            if self._is_active(value):
                self.contribute(stmt, value.id, "value")
        elif isinstance(value, (ast.Tuple, ast.List)):
            for i, e in enumerate(value.elts):
                if self._is_active(e):
                    self.contribute(stmt, e.id, i)
        elif isinstance(value, ast.Subscript):       # `v = x[i]`: into `bx` in place
            refuse_active_index(value, self._is_active, self.ns, self.source.where(stmt))
            if self._is_active(value.value):
                self.mention(value.value.id)
        elif isinstance(value, ast.Call) and is_method_call(value, "pop"):
            if self._is_active(value.func.value):    # `v = xs.pop()`: back onto `bxs`
                self.mention(value.func.value.id)
        elif joins_lists(stmt, self._is_list, self.sequences):
            self._join(stmt, value)
        elif isinstance(value, (ast.BinOp, ast.UnaryOp, ast.Call)):
            self._operation(stmt, value)

    def _is_list(self, node) -> bool:
        return isinstance(node, (ast.List, ast.Tuple)) \
            or isinstance(node, ast.Name) and node.id in self.sequences

    def _join(self, stmt, value: ast.BinOp) -> None:
        """`xs + ys` on lists: each item's adjoint is its part of the result's.
        `xs * n` holding differentiated values is refused, by name."""
        for param, node in (("x", value.left), ("y", value.right)):
            items = node.elts if isinstance(node, (ast.List, ast.Tuple)) else [node]
            if isinstance(value.op, ast.Mult) and self._is_list(node) \
                    and any(self._is_active(e) for e in items):
                raise NoRuleError(
                    f"`{ast.unparse(value)}` repeats a list of differentiated values; "
                    "astgrad does not differentiate list repetition.", self.source.where(stmt),
                    fix="Build the list with a loop and `.append`, or write each item out "
                        "(`[v, v, v]`).")
            if isinstance(node, ast.Name) and self._is_active(node):
                self.contribute(stmt, node.id, param)
            elif isinstance(node, (ast.List, ast.Tuple)):
                for k, e in enumerate(node.elts):
                    if self._is_active(e):
                        self.contribute(stmt, e.id, (param, k))

    def _operation(self, stmt, value) -> None:
        where = self.source.where(stmt)
        try:
            prim, args = registry.operation(value, self.ns)
        except TypeError as exc:
            prim = registry.lookup(self.ns.value(value.func))
            raise NoRuleError(f"`{ast.unparse(value)}`: {exc}; its derivative rule takes "
                              f"({', '.join(prim.params)}).", where) from None
        if prim is None:
            raise NoRuleError(f"`{ast.unparse(value)}` has no derivative rule.", where)
        if prim.nondiff:
            refuse_iterator(value, prim, self._is_active, where)
            return
        receivers = tuple(self._receivers(prim, args, where))
        self.operations[id(stmt)] = Operation(prim, MappingProxyType(args), receivers)
        for _, param, node in receivers:
            if isinstance(node, (ast.Tuple, ast.List)):
                for k, e in enumerate(node.elts):
                    if self._is_active(e):
                        self.contribute(stmt, e.id, (param, k))
            else:
                self.contribute(stmt, node.id, param)

    def _receivers(self, prim, args, where):
        for i, param in enumerate(prim.params):
            node = args.get(param)
            if node is None:
                continue
            elements = node.elts if isinstance(node, (ast.Tuple, ast.List)) else [node]
            if not any(self._is_active(e) for e in elements):
                continue
            if i < len(prim.vjps) and prim.vjps[i] is None:
                continue                 # declared: no derivative flows into this argument
            if i >= len(prim.vjps):
                raise NoRuleError(f"{prim.name} has no derivative rule for its argument "
                                  f"`{param}`.", where,
                                  fix=f"Add one with ag.defvjp({prim.name}, ...).")
            yield i, param, node

    def _call_user(self, stmt) -> None:
        """`z = helper(x, a)` through the helper's vjp: its pullback gives the parts."""
        target, call = stmt.targets[0].id, stmt.value
        params = list(inspect.signature(self.ns.value(call.func)).parameters)
        active = [(p, a) for p, a in zip(params, call.args) if self._is_active(a)]
        if target not in self.active or not active:
            return
        self.parts[id(stmt)] = tuple(self.namer.fresh(f"b{a.id.lstrip('_')}_")
                                     for _, a in active)
        self.mention(target)
        for p, a in active:
            self.contribute(stmt, a.id, p)
