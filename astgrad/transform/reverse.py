"""Pass 5b, reverse: write the forward sweep and the reverse sweep.

Input: a normalized function (see `normalize`). Output, `Sweeps`: the forward
sweep (the primal statements, plus pushing what loops overwrite), and the
reverse sweep: each active statement's vjp rules instantiated in reverse
order, every adjoint assigned or accumulated as the adjoint plan (`plan`,
made first) decided, then the gradient of each differentiated parameter.
`saving` then keeps only the pushes the reverse sweep reads, and `shell`
wraps the sweeps into the function the transform returns.

* Straight-line code at the top level is in SSA form, so nothing is saved:
  the first contribution to an adjoint assigns it (`bx = ...`), later ones add.
* A name assigned inside `if`/`for`/`while` is assigned in place; its old
  value is pushed before and popped back after its adjoint (see `stacks`). Its
  adjoint starts at zero and, once the statement is reversed, is zero again
  (the old value is a different value).
* A branch's test is a name kept for the reverse sweep; a `for` over `range`
  is reversed over `reversed(range(...))` (cut to the iterations that ran when
  the body can `break`); a `while` counts its iterations.
* `x[i]` accumulates into its adjoint in place (`bx[i] += g`, or `np.add.at`
  where indices may repeat); `x[i] = v` saves what it overwrites; lists made
  by `[...]` and `.append` have lists of adjoints.

Each statement class, and each class of value an assignment holds, has a rule
here or in `rules.statements`, or is refused by name (`dispatch`).
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

from ..errors import InternalError, NonScalarOutputError
from . import folded_rules
from .activity import Activity
from .adjoint_zeros import Zeros
from .build import assign, call, commented, is_add_at, is_append, is_method_call, load
from .build import calls_user_function, located, parameters, reads
from .complexes import real_part
from .dicts import dict_names
from .dispatch import rule_for
from .kinds import UNKNOWN, Kind, expr_kind
from .shapes import Shapes
from .naming import Namer
from .plan import plan as adjoint_plan
from .request import Request
from .resolve import Namespace
from .sequences import joins_lists
from .rules import lists, statements
from .seed_guards import SeedGuards
from .stacks import Stacks
from .sum_back import SumBack


@dataclass(frozen=True)
class Sweeps:
    """The two sweeps of one function, before saving is pruned and the shell is made.
    Every statement has a line number: the user's line it came from, or the `return`'s."""

    function: ast.FunctionDef      # the normalized function: name, parameters, `return`
    forward: list[ast.stmt]        # the primal statements, with pushes
    checks: list[ast.stmt]         # of the seeds (vjp) or of a scalar output (grad)
    backward: list[ast.stmt]       # zeroed adjoints, seeds, each statement's adjoint
    gradients: list[ast.expr]      # one per differentiated parameter
    seeds: list[str]               # the pullback's parameters (vjp)
    stacks: dict[str, str]         # saved variable (`"x[]"`: x's items) -> its stack
    shapes: dict[str, str]         # forward names sharing a shape (see `Shapes`)
    sequences: frozenset[str] = frozenset()   # names holding Python lists or tuples
    kinds: dict | None = None                 # the kind of every forward name

    def as_module(self) -> ast.Module:
        """The sweeps one after the other, to print between passes (`ASTGRAD_DEBUG`)."""
        return ast.Module(self.forward + self.checks + self.backward, type_ignores=[])


def reverse(tree: ast.FunctionDef, source, activity: Activity, kinds: dict[str, Kind],
            ns: Namespace, namer: Namer, request: Request, callee_vjp=None,
            param_kinds: dict[str, Kind] | None = None) -> Sweeps:
    """The forward and reverse sweeps of `tree`.

    `callee_vjp(fn, wrt)` gives the vjp of a user function the caller calls
    rather than inlines (see `normalize.INLINE_LIMIT`); `param_kinds`, the kinds of
    the arguments, are those of the gradients (a parameter reassigned in a branch may
    hold another kind by the end)."""
    # A wrong output is refused before anything else is looked at.
    scalar = _scalar_output(tree.body[-1], source, kinds, ns) if request.mode != "vjp" else []
    plan = adjoint_plan(tree, source, activity, kinds, ns, namer, request)
    return _Reverse(tree, source, plan, activity, kinds, ns, namer, request,
                    callee_vjp, param_kinds or {}).run(scalar)


def _scalar_output(ret: ast.Return, source, kinds, ns) -> list[ast.stmt]:
    """`grad` needs a scalar output: refuse any other now, check an unknown one at run time."""
    where, value = source.where(ret), ret.value
    if isinstance(value, ast.Tuple) or isinstance(value, ast.Constant) and value.value is None:
        what = "a tuple" if isinstance(value, ast.Tuple) else "None"
        raise NonScalarOutputError(
            f"`grad` needs a function that returns a scalar; this one returns {what}.",
            where, fix="Use ag.vjp(f) for several outputs, or return one number.")
    kind = expr_kind(value, kinds, ns)
    if kind.ndim is not None and kind.ndim > 0:     # an array of size 1 works as a scalar
        return [ast.Expr(call(ns, "rt.check_size_one", [value, ast.Constant(where)]))]
    if kind.ndim is None:
        return [ast.Expr(call(ns, "rt.check_scalar", [value, ast.Constant(where)]))]
    return []


class _Reverse:
    """The reverse visitor: dispatches each statement to its rule and renders what the
    plan decided. Rules reach it through the `statements.Sweep` protocol."""

    def __init__(self, fn, source, plan, activity, kinds, ns, namer, request, callee_vjp,
                 param_kinds):
        self.fn, self.source, self.plan, self.activity = fn, source, plan, activity
        self.kinds, self.ns, self.namer, self.request = kinds, ns, namer, request
        self.callee_vjp, self.param_kinds = callee_vjp, param_kinds
        self.zeros = Zeros(fn, plan, kinds, ns, request.wrt)
        self.stacks = Stacks(fn, namer, ns, kinds, request.inline_all)
        # (by the arguments' kinds only: a list's kind may carry the fields of a dict's)
        self.dicts = frozenset(dict_names(fn.body, param_kinds))
        self.shapes = Shapes(fn.body[:-1], kinds, ns, parameters(fn))
        self.sum_back = SumBack(fn, plan, self.zeros, activity, kinds, ns, self.shapes,
                                source.where)
        self.guards = SeedGuards(plan, kinds, ns)

    def run(self, scalar_checks: list[ast.stmt]) -> Sweeps:
        *body, ret = self.fn.body
        checks = self._seed_checks(ret) if self.request.mode == "vjp" else scalar_checks
        seeding = self._seeding(ret)
        forward, backward = self.block(body, depth=0)
        zeros = [self._zero_init(n) for n in sorted(self.plan.zeroed)]
        self._reset = _copied({self.adjoint(n) for n in self.plan.zeroed}, backward)
        gradients = [self._gradient(p) for p in self.request.wrt]
        backward = self.guards.needed(zeros + seeding + backward, seeding)
        located(checks + backward, ret)           # what no user line made: the `return`'s
        return Sweeps(self.fn, forward, checks, backward, gradients, list(self.plan.seeds),
                      self.stacks.names, self.shapes.rep, self.plan.sequences, self.kinds)

    def block(self, stmts, depth) -> tuple[list, list]:
        forward, backward = [], []
        for stmt in reversed(stmts):          # adjoints are made in reverse order
            fwd, bwd = rule_for(STATEMENT_RULES, stmt, "reverse")(stmt, depth, self)
            forward[:0] = located(fwd, stmt)
            backward.extend(located(bwd, stmt))
        if depth == 0:
            forward = commented(forward, self.source, "")
            backward = commented(backward, self.source, ", reverse")
        return forward, backward

    # -- the ends of the reverse sweep: seeds and gradients ----------------------------------
    def _seed_checks(self, ret) -> list[ast.stmt]:
        """Unpack the seeds of a tuple output; check each seed against its output."""
        outputs = _outputs(ret)
        seed, names, where = self.plan.seeds[0], self.plan.seed_names, self.source.where(ret)
        unpack = [ast.Assign([ast.Tuple([ast.Name(n, ast.Store()) for n in names],
                                        ast.Store())], load(seed))] \
            if isinstance(ret.value, ast.Tuple) else []
        return unpack + [ast.Expr(call(self.ns, "rt.check_seed",
                                       [load(n), out, ast.Constant(where)]))
                         for n, out in zip(names, outputs)]

    def _seeding(self, ret) -> list[ast.stmt]:
        """Each output's seed into its adjoint, unless the seed is that adjoint."""
        outputs = _outputs(ret)
        if self.request.mode != "vjp":
            out = outputs[0]
            if not self.active(out):
                return []
            return [self.accumulate(ret, 0, out.id, _one(expr_kind(out, self.kinds, self.ns),
                                                         self.ns, out))]
        return [self.accumulate(ret, i, out.id, load(name))
                for i, (name, out) in enumerate(zip(self.plan.seed_names, outputs))
                if self.active(out) and self.plan.names[out.id] != name]

    def _gradient(self, param: str) -> ast.expr:
        kind = self.param_kinds.get(param) or self.kinds.get(param, UNKNOWN)
        if kind.dtype == "O" and kind.item is not None:   # a container: its structure back
            b = load(self.plan.names[param]) if param in self.plan.names else ast.Constant(0.0)
            return call(self.ns, "rt.tree_like", [b, load(param)])
        if param not in self.plan.names:
            if kind.py:
                return ast.Constant(0j if kind.dtype == "c" else 0.0)
            name = "np.zeros_like" if kind.ndim is not None else "rt.zeros_like"
            return call(self.ns, name, [load(param)])
        b = load(self.plan.names[param])
        if kind.py:
            return call(self.ns, "complex" if kind.dtype == "c" else "float", [b])  # folded
        if self.plan.names[param] in self._reset or kind.ndim == 0 and not kind.narrow:
            # reassigned in a loop or branch, its adjoint may be the 0.0 it was reset to;
            # a 0-d array's gradient is a 0-d array (NumPy gives a scalar for `x + x`)
            b = call(self.ns, "rt.shaped_like", [b, load(param)])
        if kind.narrow:   # a float64 seed or constant met on the way does not make it
            # float64 (and np.asarray makes a 0-d array's gradient 0-d, as shaped_like does)
            return call(self.ns, "np.asarray", [b, ast.Attribute(load(param), "dtype",
                                                                 ast.Load())])
        return ast.BinOp(b, ast.Add(), ast.Constant(0j)) if kind.dtype == "c" else b

    # -- an assignment to a name -----------------------------------------------------------
    def assign_name(self, stmt: ast.Assign, depth: int):
        """`v = value`: the adjoint of `v` flows into the names `value` reads."""
        target = stmt.targets[0].id
        save, restore = self.stacks.save(target) if depth > 0 else ([], [])
        forward = save + [stmt]
        if id(stmt) not in self.plan.reached:   # nothing flowed back into it: zero adjoint
            if isinstance(stmt.value, ast.Call) and is_method_call(stmt.value, "pop"):
                return forward, lists.reverse_unread_pop(stmt, self) + restore
            return forward, restore
        g = load(self.adjoint(target))
        guard = self.guards.before(stmt, target, self.adjoint(target))
        if target not in self.plan.zeroed:
            return forward, guard + self._contributions(stmt, g) + restore
        # The adjoint of the value `v` had before is zero once this is reversed, made once
        # that value is restored: a list's length and an array's shape can change from one
        # iteration to the next (a read the loop computes again is zeroed when it is, in
        # `reverse_for`; the first value has no earlier one).
        zero = [] if self.stacks.recomputed(target) and self.shaped_zero(target) \
            or id(stmt) in self.plan.opening else [self.reset(target)]
        if target in reads(stmt.value):
            # `h = [h, ...]`: hold the new value's adjoint, zero the old one's, add into it.
            held = self.namer.fresh(f"g{target.lstrip('_')}")
            return forward, guard + [assign(held, g)] + restore + zero + \
                self._contributions(stmt, load(held))
        return forward, guard + self._contributions(stmt, g) + restore + zero

    def shaped_zero(self, name: str) -> bool:
        """Is the zero adjoint of `name` made from its value (not the scalar 0.0)?"""
        return name in self.plan.sequences or name in self.plan.owned

    def _contributions(self, stmt, g) -> list[ast.stmt]:
        return rule_for(VALUE_RULES, stmt.value, "reverse")(stmt, g, self)

    def apply(self, stmt, g) -> list[ast.stmt]:
        """The vjp rules of the primitive `stmt` applies, one per argument that receives."""
        operation = self.plan.operations.get(id(stmt))
        if operation is None:
            return []                            # a primitive with no derivative
        prim, args, target = operation.prim, operation.args, stmt.targets[0].id
        out = []
        for i, param, node in operation.receivers:
            expr = folded_rules.emit(prim.vjps[i], g, load(target), args, self.ns,
                                     self.source.where(stmt), self.kinds)
            if isinstance(node, (ast.Tuple, ast.List)) or node.id in self.plan.sequences:
                out += self._spread(stmt, param, node, expr)
                continue
            if prim.elementwise:
                expr = self.sum_back(expr, stmt, node, args, target)
            out.append(self.accumulate(stmt, param, node.id, expr))
        return out

    def _spread(self, stmt, param, node, expr) -> list[ast.stmt]:
        """A rule for a list argument gives a list: one adjoint per element."""
        if isinstance(node, ast.Name):
            return [self.accumulate(stmt, param, node.id, expr)]
        written = isinstance(expr, ast.List) and len(expr.elts) == len(node.elts)
        parts = None if written else self.namer.temp()   # (a list written out: its items)
        out = [] if written else [assign(parts, expr)]
        for k, e in enumerate(node.elts):
            if self.active(e):
                part = expr.elts[k] if written else \
                    ast.Subscript(load(parts), ast.Constant(k), ast.Load())
                out.append(self.accumulate(stmt, (param, k), e.id, part))
        return out

    # -- adjoints, as the plan has them ---------------------------------------------------------
    def active(self, node) -> bool:
        return isinstance(node, ast.Name) and node.id in self.activity.active

    def adjoint(self, name: str) -> str:
        if name not in self.plan.names:
            raise InternalError(f"the reverse pass asked for the adjoint of `{name}`, which "
                                "the adjoint plan does not have.")
        return self.plan.names[name]

    def accumulate(self, stmt, slot, name: str, expr: ast.expr) -> ast.stmt:
        """`bx = expr` or `bx = bx + expr`, as the plan decided for this contribution."""
        b, expr = self.adjoint(name), real_part(self, stmt, name, expr)   # real stays real
        if not self.plan.assigns(stmt, name, slot):
            expr = self.add(load(b), expr, name in self.plan.joined_each)
        return assign(b, expr)

    def add(self, b: ast.expr, expr: ast.expr, listed: bool) -> ast.expr:
        """`b + expr`; for the adjoints of a list, element by element (never list `+`)."""
        if listed:
            return call(self.ns, "rt.add_each", [b, expr])
        return ast.BinOp(b, ast.Add(), expr)

    def array(self, name: str) -> bool:
        """Is `name` known to hold an array or a number (not a list)?"""
        return self.kinds.get(name, UNKNOWN).dtype not in (None, "O")

    def _zero_init(self, name: str) -> ast.stmt:
        return assign(self.adjoint(name), self.zeros.initial(name))

    def reset(self, name: str) -> ast.stmt:
        return assign(self.adjoint(name), self.zeros.of(name))


def _copied(names: set[str], stmts: list[ast.stmt]) -> set[str]:
    """`names` and the names the top level of `stmts` copies them to (`bx = bx_1`)."""
    out = set(names)
    for s in stmts:
        if isinstance(s, ast.Assign) and isinstance(s.value, ast.Name) \
                and s.value.id in out and isinstance(s.targets[0], ast.Name):
            out.add(s.targets[0].id)
    return out


def _outputs(ret: ast.Return) -> list[ast.expr]:
    return ret.value.elts if isinstance(ret.value, ast.Tuple) else [ret.value]


def _one(kind: Kind, ns, out=None) -> ast.expr:
    """The seed 1 in the output's precision: a float32 result keeps float32 adjoints
    (ones of its shape for an array of size 1)."""
    if kind.ndim is not None and kind.ndim > 0 and isinstance(out, ast.Name):
        return call(ns, "np.ones_like", [load(out.id)])
    if not kind.narrow:
        return ast.Constant(1.0)
    return call(ns, f"np.float{8 * kind.itemsize}", [ast.Constant(1.0)])


# -- statements: each class handled or refused by name (see `dispatch`) -----------------------
def _kept(stmt, depth, sweep):
    """`pass`, `break`, `continue`, `assert`, a call for its effect: forward sweep only."""
    return [stmt], []


def _assignment(stmt: ast.Assign, depth: int, sweep: _Reverse):
    return rule_for(_TARGETS, stmt.targets[0], "reverse")(stmt, depth, sweep)


def _to_name(stmt, depth, sweep):
    if calls_user_function(stmt.value, sweep.ns):
        return statements.reverse_call_user(stmt, depth, sweep)
    return sweep.assign_name(stmt, depth)


def _expression(stmt: ast.Expr, depth: int, sweep: _Reverse):
    return rule_for(_CALL_STATEMENTS, stmt.value, "reverse")(stmt, depth, sweep)


def _call_statement(stmt, depth, sweep):
    if is_append(stmt.value):
        return lists.reverse_append(stmt, depth, sweep)
    if is_add_at(stmt.value, sweep.ns):
        return statements.reverse_add_at(stmt, depth, sweep)
    return _kept(stmt, depth, sweep)             # print(...), rt.check_scalar(...)


# The statement classes this pass handles, (stmt, depth, sweep) -> (forward, reverse); `dispatch.NOT_HERE`
# names the rest, and a test walks every class of the running Python through both.
STATEMENT_RULES = {
    ast.Assign: _assignment, ast.Expr: _expression,
    ast.If: statements.reverse_if, ast.For: statements.reverse_for,
    ast.While: statements.reverse_while,
    ast.Pass: _kept, ast.Break: _kept, ast.Continue: _kept, ast.Assert: _kept, ast.Raise: _kept,
}
_TARGETS = {ast.Name: _to_name, ast.Subscript: lists.reverse_write_item}
_CALL_STATEMENTS = {ast.Call: _call_statement}


# -- values an assignment holds: `(stmt, g, sweep)` -> the reverse statements ------------------
def _from_name(stmt, g, sweep):
    value = stmt.value
    return [sweep.accumulate(stmt, "value", value.id, g)] if sweep.active(value) else []


def _from_elements(stmt, g, sweep):
    """`t = (a, b)`: element `i` of `bt` flows into the adjoint of element `i`."""
    return [sweep.accumulate(stmt, i, e.id, ast.Subscript(g, ast.Constant(i), ast.Load()))
            for i, e in enumerate(stmt.value.elts) if sweep.active(e)]


def _from_call(stmt, g, sweep):
    if is_method_call(stmt.value, "pop"):
        return lists.reverse_pop(stmt, g, sweep)
    return sweep.apply(stmt, g)


def _from_operation(stmt, g, sweep):
    if joins_lists(stmt, lambda n: isinstance(n, (ast.List, ast.Tuple))
                   or isinstance(n, ast.Name) and n.id in sweep.plan.sequences,
                   sweep.plan.sequences):
        return lists.reverse_join(stmt, g, sweep)
    return sweep.apply(stmt, g)


def _no_derivative(stmt, g, sweep):
    """Constants, comparisons, f-strings, `x.shape`: no derivative flows through them."""
    return []


# The classes of value a normalized assignment holds; likewise exhaustive.
VALUE_RULES = {
    ast.Name: _from_name, ast.Tuple: _from_elements, ast.List: _from_elements,
    ast.Subscript: lists.reverse_take_item, ast.Call: _from_call,
    ast.BinOp: _from_operation, ast.UnaryOp: _from_operation,
    ast.Constant: _no_derivative, ast.Compare: _no_derivative,
    ast.Attribute: _no_derivative, ast.JoinedStr: _no_derivative,
}
