"""The analyses the rewrites read: constants, definitions and uses (`survey`, one
walk for all of them), statement blocks, names assigned once, names changed in
place, effects, and the simplifier's `Facts`. Each is made from the tree as it is;
a rewrite is handed a survey only if nothing has changed the tree since it was made.
"""
from __future__ import annotations

import ast
import dataclasses
from collections import Counter
from dataclasses import dataclass

from .. import trees
from ..kinds import Kind, expr_kind, from_live, infer
from ..nodes import Comment
from ..resolve import Namespace
from ..trees import walk
from ..views import base_name

# Calls that change something or are read for their effect: never dropped, never moved.
EFFECTS = {"pop", "append", "check_scalar", "check_seed", "print", "at"}


# -- constants ------------------------------------------------------------------------------
def constant(node) -> tuple[bool, object]:
    """`(True, value)` if `node` is a literal (a negated number, a tuple of literals)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, complex, bool,
                                                                  type(None), str)):
        return True, node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        ok, v = constant(node.operand)
        if ok and isinstance(v, (int, float)) and not isinstance(v, bool):
            return True, -v
    if isinstance(node, ast.Tuple):
        parts = [constant(e) for e in node.elts]
        if all(ok for ok, _ in parts):
            return True, tuple(v for _, v in parts)
    return False, None


def number(value) -> ast.expr:
    """The literal for `value`, a negative number written `-v` as Python parses it."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
        return ast.UnaryOp(ast.USub(), ast.Constant(-value))
    return ast.Constant(value)


def is_number(node, value) -> bool:
    """Is `node` the int or float literal `value` (not a bool)?"""
    ok, v = constant(node)
    return ok and type(v) in (int, float) and v == value


# -- names ---------------------------------------------------------------------------------
@dataclass
class Survey:
    """Definitions and uses of a function's names, from one walk of its tree.

    `defs`/`uses`: how often each name is bound (arguments included) and read;
    `top`: names assigned only by statements at the top of a top block (each runs
    once), arguments included; `mutated`: names whose object is changed in place;
    `calls`: every call, in walk order."""

    defs: dict[str, int]
    uses: dict[str, int]
    top: set[str]
    mutated: set[str]
    shown: set[str]          # `mutated`, and the names sharing their arrays (`_through`)
    calls: list[ast.Call] = dataclasses.field(default_factory=list)

    @property
    def once(self) -> set[str]:
        """Names bound once, at the top of a top block, and never changed in place, nor
        their array through another name (a name bound twice there is not: `b = a * c;
        a = 0.0; x += b` must not read the new `a`; nor `w` in `w = x; x[0] = v`)."""
        return {n for n in self.top - self.shown if self.defs.get(n, 0) == 1}


def survey(fn) -> Survey:
    """The `Survey` of `fn` as it is now."""
    loads, stores, mutated, elsewhere, top, args = [], [], set(), set(), set(), set()
    made, calls = [], []
    at_top = {id(s) for block in top_blocks(fn) for s in block}
    load, store = loads.append, stores.append
    Name, Load, Call, stmt = ast.Name, ast.Load, ast.Call, ast.stmt
    for node in trees.walk(fn):
        cls = node.__class__
        if cls is Name:                  # (nothing under it but its context)
            (load if node.ctx.__class__ is Load else store)(node.id)
            continue
        if cls is Call:
            func = node.func             # (most calls change nothing: no call to find out)
            called = func.attr if func.__class__ is ast.Attribute else \
                func.id if func.__class__ is Name else None
            if node.keywords or called in _CHANGING:
                _mutates_call(node, mutated)
            calls.append(node)
        elif cls is ast.arg:
            store(node.arg)
            args.add(node.arg)
        elif isinstance(node, stmt):
            bound = targets(node)
            if bound:
                (top if id(node) in at_top else elsewhere).update(bound)
            if cls is ast.Assign or cls is ast.AugAssign:
                _mutates_store(node, mutated)
            if cls is ast.Assign and len(node.targets) == 1 and \
                    node.targets[0].__class__ is ast.Name and base_name(node.value) is not None:
                made.append((node.targets[0].id, base_name(node.value)))
    return Survey(dict(Counter(stores)), dict(Counter(loads)), (top | args) - elsewhere,
                  mutated, _through(made, mutated), calls)   # (counted in the order first met)


def after_copies(known: Survey, propagated: dict[str, ast.expr],
                 dropped: list[tuple[str, ast.expr]]) -> Survey:
    """The survey of a function whose survey was `known`, once `copies.propagate_copies`
    dropped the copies `dropped` (each name and the name or literal it copied), every read
    of a copied name now reading `propagated`'s value for it. No copied name is changed in
    place, nor shares an array with one, nor is bound but by its copy, which calls nothing
    (`Survey.once`, `copies._copyable`): the calls, the names changed in place and those
    sharing their arrays stay; the copied names are bound no more, and their reads are
    the reads of the names they now read."""
    gone = {name for name, _ in dropped}
    uses = dict(known.uses)
    for _, value in dropped:                      # the reads of the copies themselves
        if value.__class__ is ast.Name:
            uses[value.id] -= 1
    for name in gone:
        left, value = uses.pop(name, 0), propagated[name]
        if left and value.__class__ is ast.Name:
            uses[value.id] = uses.get(value.id, 0) + left
    return Survey({n: k for n, k in known.defs.items() if n not in gone},
                  {n: k for n, k in uses.items() if k}, known.top - gone, set(known.mutated),
                  set(known.shown), list(known.calls))


def _through(made: list[tuple[str, str]], mutated: set[str]) -> set[str]:
    """`mutated` and the names whose object one of them is, or is a view of (`y = t` or
    `y = t[1:]` for a `y` changed in place: `t = x * 1.0` must stay a new array), or
    that are one of them or a view of one (`w = x` for an `x` changed in place: `w`
    shows the change)."""
    out, grew = set(mutated), True
    while grew:
        grew = False
        for target, source in made:
            if (target in out) != (source in out):
                out.update((target, source))
                grew = True
    return out


def counts(fn) -> tuple[dict[str, int], dict[str, int]]:
    """How often each name is defined (arguments included) and read in `fn`."""
    s = survey(fn)
    return s.defs, s.uses


def names(node) -> set[str]:
    """Every name `node` mentions, read or written."""
    return trees.mentions(node)[0]


def targets(stmt) -> list[str]:
    """The names `stmt` itself binds (an assignment's or a `for` loop's targets)."""
    cls = stmt.__class__
    if cls is ast.Assign:
        if len(stmt.targets) == 1 and stmt.targets[0].__class__ is ast.Name:   # most often
            target = stmt.targets[0]
            return [target.id] if target.ctx.__class__ is ast.Store else []
        return [n.id for t in stmt.targets for n in walk(t)
                if n.__class__ is ast.Name and n.ctx.__class__ is ast.Store]
    if cls is ast.For or cls is ast.AugAssign:
        return [n.id for n in walk(stmt.target) if n.__class__ is ast.Name
                and n.ctx.__class__ is ast.Store]
    return []


def single_target(stmt) -> str | None:
    """`name` if `stmt` is `name = value`."""
    if stmt.__class__ is ast.Assign:
        targets = stmt.targets
        if len(targets) == 1 and targets[0].__class__ is ast.Name:
            return targets[0].id
    return None


def substitute(tree, name: str, value: ast.expr) -> None:
    """Every read of `name` in `tree` becomes a copy of `value`."""
    substitute_each(tree, {name: value})


def substitute_each(tree, values: dict[str, ast.expr]) -> None:
    """Every read of a name of `values` in `tree` becomes a copy of its value (the copies
    themselves are not searched again), in one walk."""
    trees.substitute(tree, values)


# -- blocks ---------------------------------------------------------------------------------
def blocks(fn) -> list[list[ast.stmt]]:
    """Every statement list in `fn`, the function's own body first (in `trees.outline`'s
    order, of the nodes that hold statements: the others hold no list of them)."""
    out, queue = [], [fn]
    for node in queue:
        for field in _HOLDING.get(node.__class__, ()):
            block = getattr(node, field, None)
            if not block:
                continue
            if field in ("body", "orelse") and isinstance(block[0], ast.stmt):
                out.append(block)
            queue.extend(part for part in block if part.__class__ in _HOLDING)
    return out


# The nodes that hold statements, and the fields (in their order) that hold them.
_HOLDING = {cls: tuple(f for f in cls._fields
                       if f in ("body", "orelse", "handlers", "finalbody", "cases"))
            for cls in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.If, ast.For,
                        ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try,
                        ast.ExceptHandler, getattr(ast, "TryStar", ast.Try),
                        getattr(ast, "Match", ast.If), getattr(ast, "match_case", ast.If))}


def top_blocks(fn) -> list[list[ast.stmt]]:
    """The function's body, and the body of a `pullback` defined in it."""
    return [fn.body] + [s.body for s in fn.body if isinstance(s, ast.FunctionDef)]


# -- effects --------------------------------------------------------------------------------
def mutated(tree) -> set[str]:
    """Names whose object `tree` changes in place (`x[i] = v`, `x[i] += v`, `xs.append(v)`)."""
    out = set()
    for node in walk(tree):
        if node.__class__ is ast.Call:
            _mutates_call(node, out)
        elif node.__class__ is ast.Assign or node.__class__ is ast.AugAssign:
            _mutates_store(node, out)
    return out


def _mutates_store(stmt, out: set[str]) -> None:
    """`x[i] = v` and `x[i] += v` change `x` in place."""
    stores = stmt.targets if stmt.__class__ is ast.Assign else [stmt.target]
    for t in stores:
        if isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name):
            out.add(t.value.id)


def _mutates_call(node, out: set[str]) -> None:
    """`xs.append(v)` (a method in `EFFECTS`), `at(x, ...)` and `f(..., out=x)` change
    their object."""
    if isinstance(node.func, ast.Attribute) and node.func.attr in EFFECTS \
            and isinstance(node.func.value, ast.Name):
        out.add(node.func.value.id)
    if _name_of(node.func) == "at" and node.args and isinstance(node.args[0], ast.Name):
        out.add(node.args[0].id)
    for keyword in node.keywords:                # `np.multiply(a, b, out=y)` writes `y`
        if keyword.arg == "out":
            value = keyword.value
            out.update(n.id for n in (value.elts if isinstance(value, ast.Tuple) else [value])
                       if isinstance(n, ast.Name))


_CHANGING = EFFECTS | {"at"}      # the names of the calls `_mutates_call` looks at


def _name_of(func):
    return func.attr if isinstance(func, ast.Attribute) else \
        func.id if isinstance(func, ast.Name) else None


def pure(value) -> bool:
    """Does evaluating `value` call nothing in `EFFECTS`?"""
    return not calls_effect(trees.mentions(value)[1])


def calls_effect(nodes) -> bool:
    """Is one of `nodes` (a walk of a tree, say) a call of something in `EFFECTS`?"""
    return any(node.__class__ is ast.Call and _name_of(node.func) in EFFECTS for node in nodes)


def pure_statement(stmt) -> bool:
    """Does `stmt` only bind names (no in-place change, no effect)?"""
    if isinstance(stmt, ast.Assign):
        return all(isinstance(t, ast.Name) for t in stmt.targets) and pure(stmt.value)
    return isinstance(stmt, Comment)


# -- what the simplifier knows ----------------------------------------------------------------
@dataclass(frozen=True)
class Facts:
    """What holds for the values of one generated function while it is simplified.

    `kinds`: every name's kind wherever it is read; `shapes`: a forward name to an
    earlier one of the same shape; `once`: names assigned once, at the top of a top
    block (never None when read); `mutated`: names changed in place, or whose array (or
    an array they are a view of) is changed through another name; `live`: names
    made from a value read live, whose lengths of 1 are not known (`kinds.from_live`);
    `calls`: every call in the function, if known (from its survey); `forward`: the
    forward values' kinds, if known (`kinds` holds them too, and those of the names the
    function binds; carried over a rewrite, those of names it bound before it too: a new
    name must keep off the forward values' names, not off all those)."""

    ns: Namespace
    kinds: dict[str, Kind]
    shapes: dict[str, str]
    once: set[str]
    mutated: set[str]
    live: set[str] = frozenset()
    kept: dict | None = dataclasses.field(default=None, compare=False)   # `unchanging`
    calls: list | None = dataclasses.field(default=None, compare=False)
    forward: dict | None = dataclasses.field(default=None, compare=False)

    def kind(self, node) -> Kind:
        if self.kept is None:
            return expr_kind(node, self.kinds, self.ns)
        found = self.kept.get(id(node))           # (the node is kept too: its id stays its)
        if found is None:
            found = self.kept[id(node)] = (node, expr_kind(node, self.kinds, self.ns))
        return found[1]

    def unchanging(self) -> "Facts":
        """These facts, keeping the kind of each expression once asked: for a reader that
        does not change the tree while it asks (a node's kind is its parts')."""
        return dataclasses.replace(self, kept={})

    def floating(self, node) -> bool:
        return self.kind(node).dtype in ("f", "c")

    def earlier(self, node) -> ast.Name | None:
        """An earlier name with `node`'s shape, if `node` is a name that has one."""
        if isinstance(node, ast.Name) and self.shapes.get(node.id, node.id) != node.id:
            return ast.Name(self.shapes[node.id], ast.Load())
        return None


def facts(fn, ns: Namespace, kinds: dict[str, Kind], shapes: dict[str, str],
          known: Survey | None = None, env: dict[str, Kind] | None = None) -> Facts:
    """The `Facts` of `fn` as it is now (`known`: its survey, if made since it last
    changed; `env`: the kinds of its names, if known); `kinds` are the forward values'
    kinds."""
    known = known or survey(fn)
    return Facts(ns, _kinds(fn, ns, kinds) if env is None else env, shapes, known.top,
                 known.shown, from_live(fn.body, ns), calls=known.calls, forward=kinds)


def _kinds(fn, ns, kinds) -> dict[str, Kind]:
    """Kinds true wherever a name is read: an adjoint assigned twice gets what both share."""
    env = infer(fn.body, kinds, ns, fixed=set(kinds), join_all=True)
    for inner in fn.body:
        if isinstance(inner, ast.FunctionDef):
            env = infer(inner.body, env, ns, fixed=set(kinds), join_all=True)
    return env
