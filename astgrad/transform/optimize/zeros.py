"""Known zeros: no `b = b + e` (or `b = b - e`) is left where `b` is surely still the
`0` (or `0.0`) it was last assigned, on every path (loops and branches included);
where it is surely another number literal `c`, the sum reads `c` instead of `b`. The
same for the adjoints of a list of arrays or numbers: no `b = rt.add_each(b, e)` where
`b` is surely still the list of zeros `rt.zeros_like(xs)` made (nothing has read or
changed it since) and `e` surely a list; `b` is then a list of `e`'s items, as
`rt.add_each` makes of the zero `0.0`; nor `b[i] = b[i] + e` where `b[i]` is surely
still such a zero (once in each pass of a loop over `range`, `b` a list of zeros when
the loop starts).

    before              after
    b = 0.0             b = 0.0
    b = b + g           b = g
    b = 3.0             b = 3.0
    b = b + 3.0         b = 3.0 + 3.0
    bs = rt.zeros_like(xs)          bs = rt.zeros_like(xs)
    bys = rt.zeros_like(ys)         bys = rt.zeros_like(ys)
    bs = rt.add_each(bs, bys)       bs = list(bys)
    for i in range(n):              for i in range(n):
        bys[i] = bys[i] + g             bys[i] = g

(dead-code elimination then drops `b = 0.0`, the simplifier folds `3.0 + 3.0`).
"""
from __future__ import annotations

import ast
import copy
from typing import Callable

import numpy as np

from ... import runtime
from .. import saving
from ..build import call
from ..nodes import Comment
from ..trees import statements, walk
from .analyses import Facts, constant, is_number, names, single_target, targets, top_blocks

# Statements that run straight through: their only effect on zeros is what they assign.
_STRAIGHT = (ast.Assign, ast.AugAssign, ast.Expr, ast.Pass, ast.Assert, ast.Return,
             ast.Break, ast.Continue, Comment, ast.Raise)


# What a name surely holds besides a number literal, keyed by its text as in `_meet`: a
# list of zeros `rt.zeros_like` made of a list (`_ZEROS`), untouched since but for the
# items of the int literals in `written`; or a list (`_LIST`); `ndim` says how many
# dimensions each item surely has, where that is known (see `_list_fact`).
_ZEROS, _LIST = "[zeros]", "[list]"


def _list_fact(ndim: int | None, written: frozenset | None = None) -> tuple:
    """The fact of a list (`written` None) or a list of zeros (`written`: the items no
    longer zero)."""
    if written is None:
        return f"{_LIST}{ndim}", (ndim, None)
    return f"{_ZEROS}{ndim}{sorted(written)}", (ndim, written)


def _zeros(fact) -> bool:
    return fact is not None and fact[0].startswith(_ZEROS)


def _listed(fact) -> bool:
    return fact is not None and fact[0].startswith("[")


def known_zeros(fn: ast.FunctionDef, facts: Facts | Callable[[], Facts] | None = None,
                ns=None) -> bool:
    """Rewrite every sum with a known zero in `fn`; True if any changed. The lists'
    zeros are known from the kinds in `facts` (without them, only numbers); not in a
    function that writes a dict, whose kind is that of the list of its values. `facts`
    may be the function that makes them, with their namespace `ns`: called only where
    a rewrite may apply (`_may_rewrite`)."""
    if callable(facts) and not _may_rewrite(fn, ns):
        return False
    facts = facts() if callable(facts) else facts
    if facts is not None and any(facts.ns.value(node.func) is runtime.dict_of for node in (
            facts.calls if facts.calls is not None else walk(fn)) if node.__class__ is ast.Call):
        facts = None
    flow = _ZeroFlow(fn, facts)
    for block in top_blocks(fn):
        flow.block(block, {}, rewrite=True)
    return flow.changed


def _may_rewrite(fn: ast.FunctionDef, ns=None) -> bool:
    """May `known_zeros` rewrite anything in `fn` (given facts, with the namespace `ns`)?
    A number's fact comes only from `b = literal`, used only by `b = b + e` or `b = b - e`;
    a list of zeros' only from `b = rt.zeros_like(xs)` (with facts). With neither, the
    flow would change nothing."""
    literals, sums = set(), set()
    for stmt in statements(fn):
        name = single_target(stmt)
        value = stmt.value if name is not None else None
        if value is not None and _literal(value):
            literals.add(name)
        elif isinstance(value, ast.BinOp) and isinstance(value.op, (ast.Add, ast.Sub)) \
                and isinstance(value.left, ast.Name) and value.left.id == name:
            sums.add(name)
        elif ns is not None and isinstance(value, ast.Call) \
                and ns.value(value.func) is runtime.zeros_like:
            return True
    return not literals.isdisjoint(sums)


class _ZeroFlow:
    """A forward must-analysis: the names surely holding a number literal before each
    statement, with the literal (`zeros` maps each to its value), and the names surely
    holding a list of zeros, or a list."""

    def __init__(self, fn, facts: Facts):
        self.changed, self.facts = False, facts
        self.lists = _Lists(fn, facts) if facts is not None else None

    def block(self, stmts, zeros: dict, rewrite: bool) -> dict:
        """The names surely holding a literal after `stmts`; rewrites additions if
        `rewrite`."""
        for stmt in stmts:
            if isinstance(stmt, (ast.If, ast.For, ast.While)):     # `for b in bs`: read
                zeros = _untouched(zeros, stmt.iter if isinstance(stmt, ast.For) else stmt.test)
            if isinstance(stmt, ast.If):
                zeros = _meet(self.block(stmt.body, dict(zeros), rewrite),
                              self.block(stmt.orelse, dict(zeros), rewrite))
            elif isinstance(stmt, (ast.For, ast.While)):
                zeros = self._loop(stmt, zeros, rewrite)
            elif isinstance(stmt, ast.FunctionDef):
                continue                   # a top block of its own
            elif isinstance(stmt, _STRAIGHT):
                zeros = self._statement(stmt, zeros, rewrite)
            else:
                raise AssertionError(f"known_zeros: no rule for `{type(stmt).__name__}`")
        return zeros

    def _loop(self, stmt, zeros, rewrite):
        if rewrite:
            self._items(stmt, zeros)
        head = dict(zeros)
        for _ in range(20):
            after = _meet(head, self.block(stmt.body, dict(head), False))
            if after == head:
                break
            head = after
        self.block(stmt.body, dict(head), rewrite)
        return {k: v for k, v in head.items() if k not in targets(stmt)}

    def _statement(self, stmt, zeros, rewrite):
        name = single_target(stmt)
        value = getattr(stmt, "value", None)
        if rewrite and name in zeros and not _listed(zeros[name]) \
                and isinstance(value, ast.BinOp) \
                and isinstance(value.op, (ast.Add, ast.Sub)) and isinstance(value.left, ast.Name) \
                and value.left.id == name and name not in names(value.right):
            literal, added = zeros[name][1], isinstance(value.op, ast.Add)
            stmt.value = (value.right if added else _negative(value.right)) \
                if is_number(literal, 0) else ast.BinOp(copy.deepcopy(literal), value.op,
                                                        value.right)
            self.changed = True
        elif rewrite and self._adds_list(value, name, zeros):
            stmt.value = call(self.facts.ns, "list", [value.args[1]])
            self.changed = True
        item, fact = _item_sum(stmt, None), None      # `b[0] = b[0] + e`, `b[0]` still zero
        if self.lists is not None and _zeros(zeros.get(item)) \
                and self.lists.shaped(stmt.value.right, zeros[item]) \
                and self.lists.fresh(stmt.value.right, stmt):
            ndim, written = zeros[item][1]
            if stmt.targets[0].slice.value not in written:
                fact = _list_fact(ndim, written | {stmt.targets[0].slice.value})
                if rewrite:
                    stmt.value = stmt.value.right
                    self.changed = True
        changed = self._items_written(stmt, zeros)
        bound = targets(stmt)
        zeros = {k: v for k, v in _untouched(zeros, stmt).items() if k not in bound}
        zeros.update(changed)
        if fact is not None:                           # the other items are still zeros
            zeros[item] = fact
        if name is not None and _literal(stmt.value):
            zeros[name] = (repr(stmt.value.value) if isinstance(stmt.value, ast.Constant)
                           else ast.dump(stmt.value), stmt.value)
        elif name is not None and self.lists is not None \
                and self.lists.zeros_of_list(stmt.value) is not None:
            zeros[name] = _list_fact(self.lists.zeros_of_list(stmt.value), frozenset())
        elif name is not None and (isinstance(stmt.value, ast.List) or isinstance(
                stmt.value, ast.Call) and self.facts is not None
                and self.facts.ns.value(stmt.value.func) is list):
            zeros[name] = _list_fact(None)
        return zeros

    def _items_written(self, stmt, zeros: dict) -> dict:
        """The lists `stmt` writes an item of (`b[i] = v`, `b[i] = b[i] + v`) or appends to,
        as lists whose items still surely have their ndim, and are held by nothing else,
        if `v` has it and is a sum made here or `_fresh`."""
        out = {}
        summed = False
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 \
                and isinstance(stmt.targets[0], ast.Subscript) \
                and isinstance(stmt.targets[0].value, ast.Name):
            base, value = stmt.targets[0].value.id, stmt.value
            summed = isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add) \
                and ast.dump(value.left) == ast.dump(ast.Subscript(
                    stmt.targets[0].value, stmt.targets[0].slice, ast.Load())) \
                and base not in names(value.right)
            value = value.right if summed else value
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) \
                and isinstance(stmt.value.func, ast.Attribute) \
                and isinstance(stmt.value.func.value, ast.Name) and stmt.value.args:
            base, value = stmt.value.func.value.id, stmt.value.args[0]
        else:
            return out
        if _listed(zeros.get(base)):          # an item not made here may be shared
            keep = self.lists is not None and self.lists.shaped(value, zeros[base]) \
                and (summed or self.lists.fresh(value, stmt))
            out[base] = _list_fact(zeros[base][1][0] if keep else None)
        return out

    def _items(self, loop, zeros: dict) -> None:
        """`b[i] = b[i] + e` -> `b[i] = e`, once in the body of `for i in range(...)` (or
        `reversed(range(...))`) that mentions `b` nowhere else, where `b` is a list of
        zeros as the loop starts: each pass adds into an item no other pass touched."""
        if self.facts is None or not isinstance(loop, ast.For) \
                or not isinstance(loop.target, ast.Name) or not self.lists.distinct(loop.iter) \
                or loop.target.id in {n for s in walk(loop) if isinstance(s, ast.stmt)
                                      for n in targets(s) if s is not loop}:
            return
        i = loop.target.id
        for stmt in loop.body:
            name = _item_sum(stmt, i)
            if name is not None and _zeros(zeros.get(name)) and not zeros[name][1][1] \
                    and self.lists.shaped(stmt.value.right, zeros[name]) \
                    and self.lists.fresh(stmt.value.right, stmt) and sum(
                    n.id == name for n in walk(loop) if isinstance(n, ast.Name)) == 2:
                stmt.value = stmt.value.right
                self.changed = True

    def _adds_list(self, value, name: str, zeros: dict) -> bool:
        """`rt.add_each(name, e)`, `name` a list of zeros, `e` another name surely holding
        a list whose items have their ndim."""
        fact = zeros.get(name)
        if not (_zeros(fact) and not fact[1][1] and isinstance(value, ast.Call)
                and len(value.args) == 2 and not value.keywords
                and self.facts.ns.value(value.func) is runtime.add_each):
            return False
        first, added = value.args
        return isinstance(first, ast.Name) and first.id == name \
            and isinstance(added, ast.Name) and added.id != name \
            and _listed(zeros.get(added.id)) and fact[1][0] is not None \
            and zeros[added.id][1][0] == fact[1][0]


class _Lists:
    """What `_ZeroFlow` asks about the lists of zeros and what is put into them, from
    the kinds of `facts` and a survey of `fn` made when first asked."""

    def __init__(self, fn, facts: Facts):
        self.fn, self.facts, self._zeroed, self._owned = fn, facts, None, None

    def shaped(self, value, fact) -> bool:
        """Is `value` surely of the ndim of the items of the list of `fact`, so that adding
        it to a zero item is it: never a number (an adjoint's zero) where the items are
        arrays? Known from its kind, or from its being made by `np.zeros_like(x)`
        wherever it is (an owned adjoint, written into). Items that are numbers have
        numbers for adjoints."""
        ndim = fact[1][0]
        if ndim is None:
            return False
        kind = self.facts.kind(value)
        if ndim == 0 or kind.ndim == ndim:
            return ndim != 0 or kind.ndim in (0, None)
        return isinstance(value, ast.Name) and self._made_zero().get(value.id) == ndim

    def fresh(self, value, stmt) -> bool:
        """Is `value`, put into an item of a list by `stmt` in place of a new sum, an object
        nothing else holds or changes: a literal, or a name only ever bound to an array
        of zeros the function makes and writes into, read only as an operand, and read
        or written by nothing after `stmt`? (A forward value, say, may be restored in
        place later in the reverse sweep; an operation's result may be simplified into
        one of its operands afterwards: `_4 * 1.0` is `_4`.)"""
        if isinstance(value, ast.Constant):
            return True
        if not isinstance(value, ast.Name) or not self._survey()[0].get(value.id):
            return False
        return value.id not in self._survey()[1].get(id(stmt), ())

    def _survey(self) -> tuple[dict, dict]:
        """(name -> is it such a name, statement id -> the names live after it)."""
        if self._owned is None:
            ok: dict = {}
            parents = {id(c): n for n in walk(self.fn) for c in ast.iter_child_nodes(n)}
            for node in walk(self.fn):
                if isinstance(node, ast.stmt):
                    for name in targets(node):
                        value = node.value if isinstance(node, ast.Assign) else None
                        ok[name] = ok.get(name, True) and isinstance(value, ast.Call) \
                            and self.facts.ns.value(value.func) is np.zeros_like
                elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                    parent = parents.get(id(node))
                    ok[node.id] = ok.get(node.id, True) and (
                        isinstance(parent, (ast.BinOp, ast.UnaryOp))
                        or isinstance(parent, ast.Subscript) and parent.value is node
                        and isinstance(parent.ctx, ast.Store))
            live = {k: v for block in top_blocks(self.fn)
                    for k, v in saving.liveness(block, set()).items()}
            self._owned = (ok, live)
        return self._owned

    def _made_zero(self) -> dict:
        """The names every assignment of which is `np.zeros_like(x)`, with `x`'s ndim."""
        if self._zeroed is None:
            made: dict = {}
            for node in walk(self.fn):
                for name in targets(node) if isinstance(node, ast.stmt) else ():
                    value = getattr(node, "value", None) if isinstance(node, ast.Assign) \
                        else None
                    ok = isinstance(value, ast.Call) and len(value.args) == 1 \
                        and self.facts.ns.value(value.func) is np.zeros_like
                    ndim = self.facts.kind(value.args[0]).ndim if ok else None
                    made[name] = ndim if made.get(name, ndim) == ndim else None
            self._zeroed = made
        return self._zeroed

    def distinct(self, node) -> bool:
        """Is `node` `range(...)` or `reversed(range(...))`, a different int each pass?"""
        if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords \
                and self.facts.ns.value(node.func) is reversed:
            node = node.args[0]
        return isinstance(node, ast.Call) and self.facts.ns.value(node.func) is range

    def zeros_of_list(self, value) -> int | None:
        """The ndim of the items if `value` is `rt.zeros_like(xs)` of a list `xs` of
        numbers or arrays of one ndim: a list of zeros, each shaped like its item."""
        if not (isinstance(value, ast.Call) and len(value.args) == 1 and not value.keywords
                and isinstance(value.args[0], ast.Name)
                and self.facts.ns.value(value.func) is runtime.zeros_like):
            return None
        kind = self.facts.kind(value.args[0])
        ok = kind.dtype == "O" and kind.item is not None and kind.fields is None \
            and kind.item.dtype not in (None, "O")
        return kind.item.ndim if ok else None


def _negative(node) -> ast.expr:
    """`-e`, the sign on the first factor of a product (`-a * b`, exact as `-(a * b)`)."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Div)):
        return ast.BinOp(_negative(node.left), node.op, node.right)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return node.operand
    return ast.UnaryOp(ast.USub(), node)


def _literal(node) -> bool:
    """A number literal (`-2.0` too), not a bool."""
    ok, value = constant(node)
    return ok and type(value) in (int, float, complex)


def _item_sum(stmt, i: str | None) -> str | None:
    """`b` if `stmt` is `b[i] = b[i] + e` (`i` None: `b[k] = b[k] + e` for an int literal
    `k`), `e` not mentioning `b`."""
    if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1):
        return None
    target, value = stmt.targets[0], stmt.value
    if not (isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name)
            and _index(target.slice, i) and isinstance(value, ast.BinOp)
            and isinstance(value.op, ast.Add) and isinstance(value.left, ast.Subscript)
            and isinstance(value.left.value, ast.Name)
            and value.left.value.id == target.value.id
            and ast.dump(value.left.slice) == ast.dump(target.slice)):
        return None
    name = target.value.id
    return None if name in names(value.right) else name


def _index(node, i: str | None) -> bool:
    """Is `node` the name `i`, or, `i` None, an int literal?"""
    if i is None:
        return isinstance(node, ast.Constant) and type(node.value) is int
    return isinstance(node, ast.Name) and node.id == i


def _untouched(zeros: dict, node) -> dict:
    """`zeros` where the lists of zeros `node` mentions are only lists (it may change
    them, or take an item to change in place)."""
    listed = [k for k, v in zeros.items() if _zeros(v)]
    if not listed:                     # (most often: no walk of `node`, `zeros` as it is)
        return zeros
    mentioned = names(node)
    return {k: _list_fact(v[1][0]) if _zeros(v) and k in mentioned else v
            for k, v in zeros.items()}


def _meet(a: dict, b: dict) -> dict:
    """What surely holds on both paths: the same literal, spelt the same; a list (of
    zeros on one path, or both), its items of one ndim where they are on both."""
    out = {k: v for k, v in a.items() if k in b and b[k][0] == v[0]}
    out.update((k, _list_fact(v[1][0] if v[1][0] == b[k][1][0] else None))
               for k, v in a.items() if k not in out and _listed(v) and _listed(b.get(k)))
    return out
