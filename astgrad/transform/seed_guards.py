"""Part of pass 5b, reverse: the guards a rule that needs its seed's shape keeps.

An adjoint starts as the number 0.0 and is reset to it (`adjoint_zeros`): a broadcasting
rule reads that number as zeros of any shape. A rule that needs its seed's shape (`@`, a
reshape, an outer product, a reduction's axis: every rule but an elementwise one's) cannot;
on a path where no contribution reached the adjoint (a branch not taken, a loop's first
reverse iteration, a value computed and never read), the number would reach it. Before such
a rule the sweep puts `bt = rt.shaped_like(bt, t)` (`SeedGuards.before`); `needed` keeps
the guards whose adjoint may hold a bare number there: a forward data flow over the reverse
sweep whose facts are the names that may.
"""
from __future__ import annotations

import ast

from .build import assign, call, load
from .kinds import UNKNOWN

# Calls whose result is an array of a known shape, whatever their arguments.
_SHAPED = frozenset({"np.zeros_like", "np.ones_like", "np.broadcast_to", "np.full_like",
                     "np.zeros", "np.ones", "np.full", "np.outer", "rt.shaped_like",
                     "rt.zeros_like", "np.array", "np.asarray", "np.copy"})


class SeedGuards:
    """The guards of one reverse sweep: made by `before`, kept by `needed`."""

    def __init__(self, plan, kinds: dict, ns) -> None:
        self.plan, self.kinds, self.ns = plan, kinds, ns
        self.made: set[int] = set()

    def before(self, stmt: ast.Assign, target: str, b: str) -> list[ast.stmt]:
        """Before the rule of `stmt` (which assigns `target`, whose adjoint is `b`): if the
        rule needs its seed's shape (it is not elementwise) and `target` may be an array,
        `b = rt.shaped_like(b, target)`."""
        operation = self.plan.operations.get(id(stmt))
        kind = self.kinds.get(target, UNKNOWN)
        if operation is None or operation.prim.elementwise or kind.py or kind.ndim == 0 \
                or kind.dtype == "O" or target in self.plan.sequences:
            return []
        guard = assign(b, call(self.ns, "rt.shaped_like", [load(b), load(target)]))
        self.made.add(id(guard))
        return [guard]

    def needed(self, stmts: list[ast.stmt], seeding: list[ast.stmt]) -> list[ast.stmt]:
        """`stmts`, the whole reverse sweep, without the guards whose adjoint holds an
        array on every path reaching them. The `seeding` statements give the output's
        seed (`bout = 1.0` for a scalar output, checked to be one), of the right shape."""
        flow = _Flow(self.made, {id(s) for s in seeding}, self._number)
        flow.block(stmts, frozenset())
        return _dropped(stmts, self.made - flow.kept)

    def _number(self, name: str) -> bool | None:
        """May the forward value or seed `name` be a number (by its kind)? None: an
        adjoint or a temporary of the reverse sweep, which the flow follows itself."""
        if name in self.plan.seeds or name in self.plan.seed_names:
            return False                   # checked against its output's shape
        kind = self.kinds.get(name)
        if kind is None:
            return None
        return not (kind.ndim or kind.dtype == "O" or name in self.plan.sequences)


class _Flow:
    def __init__(self, guards, seeding, number):
        self.guards, self.seeding, self.number = guards, seeding, number
        self.kept: set[int] = set()

    def block(self, stmts, state: frozenset) -> frozenset:
        for s in stmts:
            state = self.stmt(s, state)
        return state

    def stmt(self, s: ast.stmt, state: frozenset) -> frozenset:
        if isinstance(s, ast.Assign):
            if id(s) in self.guards and s.targets[0].id in state:
                self.kept.add(id(s))
            target = s.targets[0]
            if len(s.targets) == 1 and target.__class__ is ast.Name:     # (most often)
                names = {target.id} if target.ctx.__class__ is ast.Store else set()
            else:
                names = {n.id for t in s.targets for n in ast.walk(t)
                         if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
            bare = len(s.targets) == 1 and isinstance(s.targets[0], ast.Name) \
                and id(s) not in self.guards and id(s) not in self.seeding \
                and self.bare(s.value, state)
            return (state - names) | (names if bare else set())
        if isinstance(s, ast.If):
            return self.block(s.body, state) | self.block(s.orelse, state)
        if isinstance(s, (ast.For, ast.While)):
            jumps = _jumps(s.body)
            entry = state                # the state at the loop's test, to a fixed point
            while True:
                end, inner = self._run(s.body, entry)
                again = entry | (inner if ast.Continue in jumps else end)
                if again == entry:
                    break
                entry = again
            return self.block(s.orelse, entry | (inner if ast.Break in jumps else entry))
        return state                     # an expression statement, `pass`, `break`, ...

    def _run(self, body, state) -> tuple[frozenset, frozenset]:
        """The state at the end of `body`, and the union of the states within it."""
        every = state
        for s in body:
            state = self.stmt(s, state)
            every = every | state
        return state, every

    def bare(self, e: ast.expr, state: frozenset) -> bool:
        """May `e` be a bare number where an adjoint should be an array?"""
        if isinstance(e, ast.Constant):
            return isinstance(e.value, (int, float, complex))
        if isinstance(e, ast.Name):
            by_kind = self.number(e.id)
            return e.id in state if by_kind is None else by_kind
        if isinstance(e, ast.UnaryOp):
            return self.bare(e.operand, state)
        if isinstance(e, ast.BinOp):
            return not isinstance(e.op, ast.MatMult) and self.bare(e.left, state) \
                and self.bare(e.right, state)
        if isinstance(e, ast.IfExp):
            return self.bare(e.body, state) or self.bare(e.orelse, state)
        if isinstance(e, ast.Call):
            if _dotted(e.func) in _SHAPED:
                return False
            # `rt.unbroadcast(g, x)`, `rt.sum_to(g, shape)`, `np.real(g)`: what the first
            # argument is (the rest are shapes, axes and masks)
            return bool(e.args) and not isinstance(e.args[0], ast.Starred) \
                and self.bare(e.args[0], state)
        return False                     # an item, an attribute, a list: not an adjoint's 0.0


def _jumps(body: list[ast.stmt]) -> set[type]:
    """`ast.Break`/`ast.Continue` if `body` has one for its own loop."""
    out = set()
    for s in body:
        if isinstance(s, (ast.Break, ast.Continue)):
            out.add(type(s))
        elif isinstance(s, ast.If):
            out |= _jumps(s.body) | _jumps(s.orelse)
        elif isinstance(s, (ast.With, ast.Try)):
            out |= _jumps(s.body)
    return out


def _dotted(f: ast.expr) -> str:
    if isinstance(f, ast.Attribute):
        return f"{_dotted(f.value)}.{f.attr}"
    return f.id if isinstance(f, ast.Name) else ""


def _dropped(stmts: list[ast.stmt], drop: set[int]) -> list[ast.stmt]:
    out = []
    for s in stmts:
        if id(s) in drop:
            continue
        for field in ("body", "orelse"):
            block = getattr(s, field, None)
            if isinstance(block, list) and block:
                setattr(s, field, _dropped(block, drop) or [ast.Pass()])
        out.append(s)
    return out
