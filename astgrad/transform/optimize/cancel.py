"""Factors cancelled: an adjoint's arithmetic (`+ - * /`, whole powers), read together with
the values it reads that are such arithmetic too, as one exact rational function of what
they are made from, cancelled, and written again where that takes fewer operations on
arrays.

    before (logistic regression's cross-entropy)        after
    _3 = np.exp(-X @ w)                                 _3 = np.exp(-X @ w)
    _4 = 1 + _3                                         _4 = 1 + _3
    p = 1 / _4                                          p = 1 / _4
    bp = -1.0 / y.size * (y / p - (1 - y) / (1 - p))
    bw = bp * _3 / _4 ** 2 @ X                          bw = (p - y) / y.size @ X

Read as functions of `y`, `y.size` and `e = _3`: `p = 1 / (1 + e)`, `1 - p = e / (1 + e)`,
and `bp * e / (1 + e) ** 2` is `(p - y) / y.size`; the factors cancelled, `e` and `1 + e`,
are values of `np.exp` and sums of them with positive numbers.

Sound for every input: a factor is cancelled only where it is positive for every real input
(`rational`), so the two expressions are the same function; `y / y` stays as it is. They
round differently, and differ where the first overflows or divides by a 0 that rounding
made (`p` rounded to exactly 1 above, or `_4 ** 2` overflowing where `X @ w < -355`, which
made the first nan where the loss is finite). So only adjoints' values are rewritten, as
`coefficients` does. A rewrite must keep every atom (array or number) the expression read,
so its result has the shape and dtype it had; the atoms are floating, Python ints, or of a
dtype not known (a vjp's seed) where the value has no product of two of those. An atom
moved from a value read through that stays computed is a name (or `y.size`): a call is
not computed twice (such a value is read as its name, an atom, instead).

Terms that cancel over a common denominator count too, where every sum in the value
was over the denominator of one of its two sides (so no product of factors is made that
the expression did not have, to overflow). That is the quotient rule's tangent of
`e / (1 + e)`: `-t e / d ** 2 * e + t / d * e` is `t e / d ** 2`, `d = 1 + e`. In mode
"tangent" (`ag.hvp`, `ag.hessian`) tangents are derivatives as adjoints are, and the
value returned is one too.
"""
from __future__ import annotations

import ast

import numpy as np

from ..trees import copy_tree, dump_key, walk
from .analyses import Facts, Survey, counts, names, pure, single_target, survey, top_blocks
from .quotients import Unwritten, Writer
from .rational import Field, TooBig

_ARITH = (ast.Add, ast.Sub, ast.Mult, ast.Div)
# The nodes `ast.walk` gives for one node of `trees.walk`: with its context or operator
# (a `Compare` has one per comparison, added where met), as `_hopeful`'s bound counts them.
_WALKED = dict.fromkeys((ast.Name, ast.Attribute, ast.Subscript, ast.Starred, ast.List,
                         ast.Tuple, ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.AugAssign), 2)
_MAX_POWER, _MAX_NODES = 4, 40


class _NotRational(Exception):
    """An atom the rewrite may not move or reorder: the expression stays as it is."""


def cancel_factors(fn: ast.FunctionDef, facts: Facts, ns, adjoints: set[str],
                   known: Survey | None = None, returned: bool = False) -> bool:
    """Rewrite, in place, the adjoints' values the module docstring describes; True if any.
    With `returned`, the value `fn` returns is a derivative too (mode "tangent").

    A value read through is that of a name bound once (`Survey.once`), or of an adjoint
    bound only at the top of the block, with its contributions added up
    (`bp = a; bp = bp + c` reads as `a + c` after them)."""
    known = known or survey(fn)
    once, uses, changed = known.once, known.uses, False
    summed = {n for n in adjoints & known.top - known.mutated if n not in once}
    outer: dict[str, ast.expr] = {}
    for block in top_blocks(fn):             # the body, then a pullback's (run after it)
        defs = dict(outer)
        own: dict[str, int] = {}              # an adjoint's reads in its own contributions
        for stmt in block:
            name = single_target(stmt)     # (the atoms it may move are checked pure)
            if returned and isinstance(stmt, ast.Return) and stmt.value is not None \
                    and block is fn.body:
                new = _Rewrite(defs, facts, ns, once, uses, own, summed).visit(stmt.value)
                if new is not None:
                    stmt.value, changed = new, True
            if name is None:
                continue
            if name in adjoints:
                new = _Rewrite(defs, facts, ns, once, uses, own, summed - {name}) \
                    .visit(stmt.value)
                if new is not None:
                    stmt.value, changed, uses = new, True, counts(fn)[1]
            if name in summed:
                own[name] = own.get(name, 0) + sum(
                    1 for n in walk(stmt.value) if n.__class__ is ast.Name and n.id == name)
            if name in once or name in summed:
                value = _as_of_now(stmt.value, defs, summed)
                if value is None:
                    defs.pop(name, None)       # (a name bound once is then an atom)
                else:
                    defs[name] = value
        if block is fn.body:
            outer = defs
    return changed


def _as_of_now(value: ast.expr, defs: dict, summed: set[str]) -> ast.expr | None:
    """`value` with each added-up adjoint it reads written as its value now (later
    contributions must not change what a name bound now reads), or None if one's is
    not known."""
    read = {n.id for n in walk(value) if n.__class__ is ast.Name and n.id in summed}
    if not read:
        return value
    if read - set(defs):
        return None

    class _Put(ast.NodeTransformer):
        def visit_Name(self, node):
            return copy_tree(defs[node.id]) if node.id in read else node
    return _Put().visit(copy_tree(value))


def _arith(node) -> bool:
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, _ARITH):
            return True
        return isinstance(node.op, ast.Pow) and _whole(node.right) is not None
    return isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd))


def _whole(node) -> int | None:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        k = _whole(node.operand)
        return None if k is None else -k
    if isinstance(node, ast.Constant) and type(node.value) is int \
            and abs(node.value) <= _MAX_POWER:
        return node.value
    return None


def _hopeful(node, rewrite: "_Rewrite") -> bool:
    """Could a factor cancel in `node`? Only if it, or a value it may read through,
    divides, and reads a value of `np.exp` (the only positive atoms)."""
    found, seen, todo, walked = set(), set(), [node], 0
    while todo and len(found) < 2 and walked < 5 * _MAX_NODES:     # (contexts counted)
        for n in walk(todo.pop()):
            walked += _WALKED.get(n.__class__, 1) if n.__class__ is not ast.Compare \
                else 1 + len(n.ops)
            if isinstance(n, ast.BinOp) and (isinstance(n.op, ast.Div) or isinstance(
                    n.op, ast.Pow) and (_whole(n.right) or 0) < 0):
                found.add("/")
            elif isinstance(n, ast.Call) and rewrite.ns.value(n.func) is np.exp:
                found.add("exp")
            elif isinstance(n, ast.Name) and n.id in rewrite.defs and n.id not in seen \
                    and (n.id not in rewrite.summed or rewrite.once_read(n.id)):
                seen.add(n.id)
                todo.append(rewrite.defs[n.id])
    return len(found) == 2


class _Cost:
    """What an expression costs: an operation on arrays (or on values not known to be
    numbers) a thousand, one on numbers one."""

    def __init__(self, facts: Facts):
        self.facts, self.leaves = facts, {}

    def __call__(self, node) -> int:
        return self._count(node)[1]

    def _count(self, node) -> tuple[bool, int]:
        if _arith(node):
            parts = [self._count(n) for n in ((node.left, node.right)
                                              if isinstance(node, ast.BinOp) else (node.operand,))]
            array = any(a for a, _ in parts)
            return array, sum(c for _, c in parts) + (1000 if array else 1)
        if isinstance(node, ast.Constant):
            return False, 0
        key = dump_key(node)
        if key not in self.leaves:
            self.leaves[key] = self.facts.kind(node).ndim != 0
        return self.leaves[key], 0


class _Rewrite:
    def __init__(self, defs, facts: Facts, ns, once: set[str], uses: dict[str, int],
                 own: dict[str, int], summed: set[str]):
        """`summed`: the added-up adjoints this statement may read through (not its own
        target: `b = b + e` keeps `b`), each only where nothing else reads it."""
        self.defs, self.facts, self.ns, self.once = defs, facts, ns, once
        self.uses, self.own, self.summed = uses, own, summed
        self.cost = _Cost(facts)

    def once_read(self, name: str) -> bool:
        """Is this the one read of `name` outside its own contributions?"""
        return self.uses.get(name, 0) - self.own.get(name, 0) == 1

    def visit(self, node) -> ast.expr | None:
        """`node` with its largest arithmetic parts rewritten, or None if unchanged."""
        if _arith(node):
            return self._rewritten(node)
        changed = False
        for name, value in ast.iter_fields(node):
            items = value if isinstance(value, list) else [value]
            for i, item in enumerate(items):
                new = self.visit(item) if isinstance(item, ast.expr) else None
                if new is None:
                    continue
                changed = True
                if isinstance(value, list):
                    value[i] = new
                else:
                    setattr(node, name, new)
        return node if changed else None

    def _rewritten(self, node) -> ast.expr | None:
        if not _hopeful(node, self):
            return None
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
            parts = self._parts(node)         # `b + e`: `e`'s factors may cancel (and
            if parts is not None:             # reading `b` too costs time for little)
                return parts
        return self._whole(node)

    def _parts(self, node: ast.BinOp) -> ast.expr | None:
        left, right = self.visit(node.left), self.visit(node.right)
        if left is None and right is None:
            return None
        node.left, node.right = left or node.left, right or node.right
        return node

    def _whole(self, node) -> ast.expr | None:
        reading = _Reading(self)
        try:
            value = reading.value(node)
            field = reading.field     # terms cancelled over a denominator one of them
            if not (field.cancelled or field.combined and not field.mixed):   # had: no new
                return None                                      # product to overflow
            candidates = list(Writer(reading).candidates(value))
        except (TooBig, ZeroDivisionError, _NotRational, Unwritten):
            return None
        if reading.atom_ids(value) != set(range(len(reading.atoms))) \
                or not reading.linear(value):
            return None                     # an atom cancelled: its shape or dtype might go
        before = self.cost(node) + sum(self.cost(self.defs[n]) for n in reading.dying)
        best = min(candidates, key=self.cost)
        return copy_tree(best) if self.cost(best) < before else None


class _Reading:
    """An expression read as a rational function of its atoms, through the values of the
    names it reads that are arithmetic too."""

    def __init__(self, rewrite: _Rewrite):
        self.r, self.field = rewrite, Field()
        self.atoms: list[ast.expr] = []
        self.keys: dict[str, int] = {}
        self.named: dict[str, tuple] = {}      # a name read through -> its value
        self.dying: list[str] = []             # names read through that only this reads
        self.unknown: set[int] = set()         # atoms of a dtype not known (a vjp's seed)
        self.nodes = 0

    def value(self, node, moved=False, dies=True) -> tuple:
        self.nodes += 1
        if self.nodes > _MAX_NODES:
            raise TooBig
        f = self.field
        if isinstance(node, ast.BinOp) and _arith(node):
            a = self.value(node.left, moved=moved, dies=dies)
            if isinstance(node.op, ast.Pow):
                return f.power(a, _whole(node.right))
            if isinstance(node.op, ast.Div) and _arith(node.right) \
                    and isinstance(node.right.op, ast.Pow):    # `a / f ** k`: the factor f
                k = _whole(node.right.right)
                b = self.value(node.right.left, moved=moved, dies=dies)
                return f.mul(a, f.power(b, -k))
            b = self.value(node.right, moved=moved, dies=dies)
            if isinstance(node.op, ast.Div):
                return f.mul(a, f.inverse(b))
            if isinstance(node.op, ast.Mult):
                return f.mul(a, b)
            return f.add(a, b, 1 if isinstance(node.op, ast.Add) else -1)
        if isinstance(node, ast.UnaryOp) and _arith(node):
            a = self.value(node.operand, moved=moved, dies=dies)
            return f.mul(f.const(-1), a) if isinstance(node.op, ast.USub) else a
        if isinstance(node, ast.Constant) and type(node.value) in (int, float) \
                and float(node.value).is_integer():   # (0.1 is an atom: its Fraction is long)
            return f.const(node.value)
        if isinstance(node, ast.Name) and self._through(node.id, dies):
            return self._name(node.id, dies)
        return f.atom(self._atom(node, moved, moved and not dies))

    def _through(self, name: str, dies: bool) -> bool:
        value = self.r.defs.get(name)
        if name in self.r.summed and not (dies and self.r.once_read(name)):
            return False
        return value is not None and \
            (_arith(value) or isinstance(value, (ast.Name, ast.Constant)))

    def _name(self, name: str, dies: bool) -> tuple:
        if name in self.named:
            return self.named[name]
        dies = dies and self.r.once_read(name)
        if dies:
            self.dying.append(name)
        saved = self._saved()
        try:
            self.named[name] = self.value(self.r.defs[name], moved=True, dies=dies)
        except _NotRational:
            if dies:
                raise
            self._restore(saved)       # a value that stays, with a call in it: the name
            return self.field.atom(self._atom(ast.Name(name, ast.Load()), False, False))
        return self.named[name]

    def _saved(self) -> tuple:
        return (len(self.atoms), dict(self.keys), dict(self.named), list(self.dying),
                set(self.unknown), set(self.field.positive_atoms),
                (self.field.cancelled, self.field.combined, self.field.mixed))

    def _restore(self, saved: tuple) -> None:
        count, self.keys, self.named, self.dying, self.unknown, positive, done = saved
        del self.atoms[count:]
        f = self.field
        f.positive_atoms, (f.cancelled, f.combined, f.mixed) = positive, done

    def _atom(self, node, moved: bool, stays: bool) -> int:
        """`moved`: read through a name's value; `stays`: one that stays computed."""
        kind = self.r.facts.kind(node)
        if not (kind.dtype in ("f", None) or kind.ndim == 0 and kind.dtype == "i" and kind.py):
            raise _NotRational
        if stays and not (isinstance(node, ast.Name) or isinstance(node, ast.Attribute)
                          and isinstance(node.value, ast.Name)):
            raise _NotRational                 # (a call in a value that stays: not twice)
        if not pure(node) or moved and names(node) - self.r.once:
            raise _NotRational
        key = dump_key(node)
        if key not in self.keys:
            self.keys[key] = len(self.atoms)
            self.atoms.append(node)
            if self._positive(node):
                self.field.positive_atoms.add(self.keys[key])
            if kind.dtype is None:
                self.unknown.add(self.keys[key])
        return self.keys[key]

    def _positive(self, node) -> bool:
        """A value of `np.exp` of a real: positive, in exact arithmetic."""
        if isinstance(node, ast.Name):
            node = self.r.defs.get(node.id) if node.id in self.r.once else None
        return isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords \
            and self.r.ns.value(node.func) is np.exp \
            and self.r.facts.kind(node).dtype == "f"

    def linear(self, value) -> bool:
        """Is `value` a sum of terms each with at most one atom of unknown dtype, once, and
        never in a denominator? (Then no product of two, ints say, can overflow, and the
        result's dtype is what the expression's was.)"""
        n, d = value
        return all(sum(e for a, e in m if a in self.unknown) <= 1 for m in n) and \
            not any(a in self.unknown for k in d for m in self.field.factors[k] for a, _ in m)

    def atom_ids(self, value) -> set[int]:
        polys = [value[0]] + [self.field.factors[k] for k in value[1]]
        return {a for p in polys for m in p for a, _ in m}
