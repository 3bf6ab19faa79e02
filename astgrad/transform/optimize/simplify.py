"""Algebraic simplification: every expression the rules know is rewritten to a
simpler one with the same value, and every branch whose test is known when the
code is made is replaced by the branch taken.

    before                                   after
    b = 1.0 * g            (g a float)       b = g
    n = np.ndim(x)         (x a vector)      n = 1
    c = (a, flag)[0]                         c = a
    if np.ndim(x) == 1:                      y = x
        y = x
    else:
        y = x.T
    z = np.broadcast_to(s, x.shape) * x      z = s * x

The rules live in `algebra` (numbers and logic), `shapes` (shapes known from
kinds) and `broadcasts` (numbers broadcast and summed back); `_RULES` lists,
for each node class, the rules tried in order, the first that applies wins.
This pass only simplifies: it does not differentiate, so a node class with no
rules (a `Name`, a `For`...) has nothing to simplify in itself
and passes through with its parts simplified.
"""
from __future__ import annotations

import ast

import numpy as np

from ... import runtime
from ..trees import parts
from . import algebra, broadcasts, shapes
from .analyses import Facts, constant

_RULES = {
    ast.BinOp: (algebra.fold, algebra.identity, algebra.complex_zero,
                broadcasts.number_operand, algebra.negated_term),
    ast.UnaryOp: (algebra.negation, algebra.logical_not),
    ast.BoolOp: (algebra.short_circuit,),
    ast.Compare: (algebra.compare,),
    ast.Attribute: (shapes.earlier_shape_attribute,),
    ast.Subscript: (algebra.tuple_item,),
    ast.Call: (shapes.static_ndim, shapes.static_size, shapes.shape_attribute,
               shapes.earlier_shape_call,
               algebra.float_of_float, algebra.sum_of_number, algebra.real_identity,
               algebra.complex_test,
               broadcasts.unbroadcast_number, broadcasts.spread_to_array,
               broadcasts.broadcast_to_number),
}
# The functions whose calls each call rule rewrites (its first test, written again here
# so that a call is tried only against the rules for its function).
_CALLEES = {
    shapes.static_ndim: (np.ndim,), shapes.static_size: (np.size,),
    shapes.shape_attribute: (np.shape, np.size), shapes.earlier_shape_call: (np.shape, np.size),
    algebra.float_of_float: (float,), algebra.sum_of_number: (np.sum,),
    algebra.real_identity: (np.conjugate, np.real, complex),
    algebra.complex_test: (np.isrealobj, np.iscomplexobj),
    broadcasts.unbroadcast_number: (runtime.unbroadcast,),
    broadcasts.spread_to_array: (runtime.spread_to,),
    broadcasts.broadcast_to_number: (np.broadcast_to,)}
_BY_CALLEE: dict = {}
for _rule in _RULES[ast.Call]:                     # in `_RULES`' order
    for _fn in _CALLEES[_rule]:
        _BY_CALLEE[_fn] = _BY_CALLEE.get(_fn, ()) + (_rule,)


_LEAVES = frozenset({ast.Name, ast.Constant})    # `generic_visit` goes past: see `visit_Name`
_AGAIN = 4            # rewrites of one node in a row, at most (each rule makes it simpler)


def simplify(fn: ast.FunctionDef, facts: Facts) -> bool:
    """Simplify `fn` in place; True if anything changed."""
    simplifier = _Simplify(facts)
    simplifier.visit(fn)
    return simplifier.changed


class _Simplify(ast.NodeTransformer):
    def __init__(self, facts: Facts):
        self.facts = facts
        self.changed = False
        self._depth = 0

    # `ast.NodeTransformer`'s own walk, with each class's visit method found once and the
    # expression contexts (`Load`, `Store`: nothing to simplify) not visited.
    def visit(self, node):
        visit = _VISITS.get(node.__class__)
        if visit is None:               # (functions, not methods bound to this simplifier:
            visit = _VISITS[node.__class__] = getattr(   # they would hold it in a cycle)
                _Simplify, "visit_" + node.__class__.__name__, _Simplify.generic_visit)
        return visit(self, node)

    def generic_visit(self, node):
        for field in parts(node):
            old = getattr(node, field, None)
            if old.__class__ is list:
                new, same = [], True
                for item in old:
                    if isinstance(item, ast.AST) and item.__class__ not in _LEAVES:
                        replaced = self.visit(item)
                        same = same and replaced is item
                        if replaced is None:
                            continue
                        if not isinstance(replaced, ast.AST):
                            new.extend(replaced)
                            continue
                        item = replaced
                    new.append(item)
                if not same:                  # (a list whose items all stay is left as it is)
                    old[:] = new
            elif isinstance(old, ast.AST) and old.__class__ not in _LEAVES:
                replaced = self.visit(old)
                if replaced is None:
                    delattr(node, field)
                elif replaced is not old:
                    setattr(node, field, replaced)
        return node

    def _rewrite(self, node):
        """Simplify the parts, then the node by the first of its rules that applies."""
        self.generic_visit(node)
        if node.__class__ is ast.BinOp and node.left.__class__ is ast.Name \
                and node.right.__class__ is ast.Name:
            return node        # each BinOp rule wants a literal, a call or a sign to act on
        for rule in _RULES[type(node)] if node.__class__ is not ast.Call else self._calls(node):
            new = rule(node, self.facts)
            if new is not None:
                self.changed = True
                return self._again(new)
        return node

    def _again(self, new):
        """A rule's result simplified in its turn (`np.broadcast_to(1.0, s) * 2` is
        `1.0 * 2`, which is `2.0`), a few rewrites deep at most."""
        if self._depth >= _AGAIN or new.__class__ in _LEAVES:
            return new
        self._depth += 1
        try:
            return self.visit(new)
        finally:
            self._depth -= 1

    def _calls(self, node: ast.Call) -> tuple:
        """The call rules for the function `node` calls."""
        try:
            return _BY_CALLEE.get(self.facts.ns.value(node.func), ())
        except TypeError:                 # not hashable: none of the functions above
            return ()

    visit_BinOp = visit_UnaryOp = visit_BoolOp = visit_Compare = visit_Attribute = \
        visit_Call = visit_Subscript = _rewrite

    def visit_Name(self, node):
        return node                       # nothing in it to simplify (and no rules)

    visit_Constant = visit_Name

    def visit_Assign(self, node):
        mutated = self.facts.mutated
        fresh = bool(mutated) and not isinstance(node.value, ast.Name)
        new = self.visit(node.value)
        if fresh and isinstance(new, ast.Name) and (new.id in mutated or any(
                isinstance(t, ast.Name) and t.id in mutated for t in node.targets)):
            # `y = x * 1.0` makes a new array: keep it new where either is later changed
            # in place (the reverse sweep writing back what `x[i] = v` overwrote included);
            # a number is made new by `+x` (NumPy's scalar or a 0-d array's value, a
            # Python number itself), twenty times cheaper than `np.copy`'s 0-d array
            kind = self.facts.kind(new)
            node.value = ast.UnaryOp(ast.UAdd(), new) if kind.ndim == 0 and kind.dtype in (
                "f", "c") else ast.Call(self.facts.ns.ref(np.copy), [new], [])
            return node
        node.value = new
        for t in node.targets:
            self.visit(t)
        return node

    def visit_If(self, node):
        node.test = self.visit(node.test)
        ok, v = constant(node.test)
        if ok:                                   # a branch decided when the code was made
            self.changed = True
            return _flatten(self.visit(s) for s in (node.body if v else node.orelse)) or \
                [ast.copy_location(ast.Pass(), node)]
        node.body = _flatten(self.visit(s) for s in node.body)
        node.orelse = _flatten(self.visit(s) for s in node.orelse)
        return node

    def visit_IfExp(self, node):
        node.test = self.visit(node.test)
        ok, v = constant(node.test)
        if ok:
            self.changed = True
            return self.visit(node.body if v else node.orelse)
        self.generic_visit(node)
        return node


_VISITS: dict[type, object] = {}      # node class -> `_Simplify`'s visit function for it


def _flatten(items) -> list:
    """Statements, with the list a decided `if` became spliced in."""
    out = []
    for item in items:
        out.extend(item if isinstance(item, list) else [item])
    return out
