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

from ... import runtime
from ..build import call
from ..nodes import Comment
from ..trees import walk
from .analyses import Facts, constant, is_number, names, single_target, targets, top_blocks

# Statements that run straight through: their only effect on zeros is what they assign.
_STRAIGHT = (ast.Assign, ast.AugAssign, ast.Expr, ast.Pass, ast.Assert, ast.Return,
             ast.Break, ast.Continue, Comment, ast.Raise)


# What a name surely holds, besides a number literal (keyed by its text, as in `_meet`):
_ZEROS = "[zeros]"    # the list of zeros `rt.zeros_like` made of a list, untouched since
_LIST = "[list]"      # a list


def known_zeros(fn: ast.FunctionDef, facts: Facts | None = None) -> bool:
    """Rewrite every sum with a known zero in `fn`; True if any changed. The lists'
    zeros are known from the kinds in `facts` (without them, only numbers); not in a
    function that writes a dict, whose kind is that of the list of its values."""
    if facts is not None and any(isinstance(node, ast.Call) and facts.ns.value(node.func)
                                 is runtime.dict_of for node in ast.walk(fn)):
        facts = None
    flow = _ZeroFlow(facts)
    for block in top_blocks(fn):
        flow.block(block, {}, rewrite=True)
    return flow.changed


class _ZeroFlow:
    """A forward must-analysis: the names surely holding a number literal before each
    statement, with the literal (`zeros` maps each to its value), and the names surely
    holding a list of zeros, or a list."""

    def __init__(self, facts: Facts):
        self.changed, self.facts = False, facts

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
        if rewrite and name in zeros and isinstance(value, ast.BinOp) \
                and isinstance(value.op, (ast.Add, ast.Sub)) and isinstance(value.left, ast.Name) \
                and value.left.id == name and name not in names(value.right):
            literal, added = zeros[name][1], isinstance(value.op, ast.Add)
            stmt.value = (value.right if added else _negative(value.right)) \
                if is_number(literal, 0) else ast.BinOp(copy.deepcopy(literal), value.op,
                                                        value.right)
            self.changed = True
        elif rewrite and zeros.get(name, ("",))[0] == _ZEROS and self._adds_list(value, name, zeros):
            stmt.value = call(self.facts.ns, "list", [value.args[1]])
            self.changed = True
        bound = targets(stmt)
        zeros = {k: v for k, v in _untouched(zeros, stmt).items() if k not in bound}
        if name is not None and _literal(stmt.value):
            zeros[name] = (repr(stmt.value.value) if isinstance(stmt.value, ast.Constant)
                           else ast.dump(stmt.value), stmt.value)
        elif name is not None and self._zeros_of_list(stmt.value):
            zeros[name] = (_ZEROS, None)
        elif name is not None and (isinstance(stmt.value, ast.List) or isinstance(
                stmt.value, ast.Call) and self.facts is not None
                and self.facts.ns.value(stmt.value.func) is list):
            zeros[name] = (_LIST, None)
        return zeros

    def _items(self, loop, zeros: dict) -> None:
        """`b[i] = b[i] + e` -> `b[i] = e`, once in the body of `for i in range(...)` (or
        `reversed(range(...))`) that mentions `b` nowhere else, where `b` is a list of
        zeros as the loop starts: each pass adds into an item no other pass touched."""
        if self.facts is None or not isinstance(loop, ast.For) \
                or not isinstance(loop.target, ast.Name) or not self._distinct(loop.iter) \
                or loop.target.id in {n for s in walk(loop) if isinstance(s, ast.stmt)
                                      for n in targets(s) if s is not loop}:
            return
        i = loop.target.id
        for stmt in loop.body:
            name = _item_sum(stmt, i)
            if name is not None and zeros.get(name, ("",))[0] == _ZEROS and sum(
                    n.id == name for n in walk(loop) if isinstance(n, ast.Name)) == 2:
                stmt.value = stmt.value.right
                self.changed = True

    def _distinct(self, node) -> bool:
        """Is `node` `range(...)` or `reversed(range(...))`, a different int each pass?"""
        if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords \
                and self.facts.ns.value(node.func) is reversed:
            node = node.args[0]
        return isinstance(node, ast.Call) and self.facts.ns.value(node.func) is range

    def _zeros_of_list(self, value) -> bool:
        """`rt.zeros_like(xs)` of a list `xs` of numbers or arrays: a list of zeros."""
        if self.facts is None or not (isinstance(value, ast.Call) and len(value.args) == 1 and not value.keywords
                and isinstance(value.args[0], ast.Name)
                and self.facts.ns.value(value.func) is runtime.zeros_like):
            return False
        kind = self.facts.kind(value.args[0])
        return kind.dtype == "O" and kind.item is not None and kind.fields is None \
            and kind.item.dtype not in (None, "O")

    def _adds_list(self, value, name: str, zeros: dict) -> bool:
        """`rt.add_each(name, e)` with `e` another name surely holding a list."""
        return self.facts is not None and isinstance(value, ast.Call) and len(value.args) == 2 and not value.keywords \
            and self.facts.ns.value(value.func) is runtime.add_each \
            and isinstance(value.args[0], ast.Name) and value.args[0].id == name \
            and isinstance(value.args[1], ast.Name) and value.args[1].id != name \
            and zeros.get(value.args[1].id, ("",))[0] in (_ZEROS, _LIST)


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


def _item_sum(stmt, i: str) -> str | None:
    """`b` if `stmt` is `b[i] = b[i] + e`, `e` not mentioning `b`."""
    if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1):
        return None
    target, value = stmt.targets[0], stmt.value
    if not (isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name)
            and isinstance(target.slice, ast.Name) and target.slice.id == i
            and isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add)
            and isinstance(value.left, ast.Subscript) and isinstance(value.left.value, ast.Name)
            and value.left.value.id == target.value.id and isinstance(value.left.slice, ast.Name)
            and value.left.slice.id == i):
        return None
    name = target.value.id
    return None if name in names(value.right) else name


def _untouched(zeros: dict, node) -> dict:
    """`zeros` where the lists of zeros `node` mentions are only lists (it may change
    them, or take an item to change in place)."""
    mentioned = names(node)
    return {k: (_LIST, None) if v[0] == _ZEROS and k in mentioned else v
            for k, v in zeros.items()}


def _meet(a: dict, b: dict) -> dict:
    """What surely holds on both paths: the same literal, spelt the same; a list (of
    zeros on one path, or both)."""
    out = {k: v for k, v in a.items() if k in b and b[k][0] == v[0]}
    out.update((k, (_LIST, None)) for k, v in a.items()
               if k not in out and k in b and {v[0], b[k][0]} <= {_ZEROS, _LIST})
    return out
