"""Derivative rules emitted folded for the call they are emitted for.

A rule is written for every kind of argument: the power rule asks whether the
base is an array and the exponent a literal, a reduction's whether `axis` is
None, `@`'s adjoint which ndims its operands have. For one call the kinds of
its arguments, and which of them are literals, decide most of those tests.
`emit` emits a rule with them decided: the template's expression, with the
call's literals in place, is simplified by the optimizer's own rules
(`optimize.simplify`), the placeholders of the other arguments holding the
kinds of those arguments (and the seed its own, mostly not known). The result
depends on nothing else, so it is made once per rule and those kinds and
literals, and kept with the rule for the rest of the process (`Template.
specialized`); a build then copies a small expression.

    the power rule, for `_34 ** 2` with `_34` a vector of floats:
    before   g * 2 * (_34 if np.ndim(_34) or _34 != 0 or (np.ndim(2) == 0 and 2 >= 1)
             else np.asarray(_34)) ** (2 - 1 if np.ndim(2) == 0 and (2 != 0 or ...)
             else 1.0 if np.ndim(_34) == 0 and np.ndim(2) == 0 else np.where(...))
    after    g * 2 * _34

A fold uses what holds for every value a name takes in the function: the
kinds are those the optimizer fixes for the forward values, a name of no known
kind (an adjoint, a tangent) decides nothing, and no name is taken to be
assigned once, nor to share a shape with another, nor to have no axis of
length 1 (each is a placeholder, as a name read live is to the optimizer).
"""
from __future__ import annotations

import ast

from .kinds import expr_kind
from .optimize.analyses import Facts, constant
from .optimize.simplify import simplify
from .scope import MISSING
from .template import MARKER, Template, reference
from .trees import instantiate


def emit(rule, seed: ast.expr, ans: ast.expr, args: dict, ns, where: str,
         kinds: dict) -> ast.expr:
    """`rule.emit(seed, ans, args, ns, where)`, with the tests the kinds (`kinds`, of the
    names the arguments read) and the literals among the arguments decide, decided."""
    if not isinstance(rule, Template):        # a rule that writes its own expression
        return rule.emit(seed, ans, args, ns, where)
    values = rule.placeholders(seed, ans, args)
    key = tuple(_key(values[p], kinds, ns) for p in rule.params)
    return rule.emit(seed, ans, args, ns, where,
                     rule.specialized(key, lambda resolved: _fold(rule, key, values, resolved)))


def _key(node: ast.expr, kinds: dict, ns) -> tuple:
    """What a fold may read of an argument: the literal itself, or its kind."""
    if node.__class__ is ast.Constant:
        return ("=", node.value.__class__, repr(node.value), node.kind)   # 1, 1.0, True apart
    if node.__class__ is not ast.Name and constant(node)[0]:
        return ("=", ast.dump(node))
    return ("kind", expr_kind(node, kinds, ns))


def _fold(rule: Template, key: tuple, values: dict, resolved) -> tuple[ast.expr, list]:
    """The rule's resolved expression with the literals of `values` in place and folded
    for the kinds `key` gives the other placeholders; and the markers it still reads."""
    body, names = resolved
    literals = {p: values[p] for p, k in zip(rule.params, key) if k[0] == "="}
    kinds = {p: k[1] for p, k in zip(rule.params, key) if k[0] != "="}
    markers = _Markers(names)
    holder = ast.Expression(instantiate(body, literals))    # (a copy: `resolved` stays)
    simplify(holder, Facts(markers, kinds, {}, set(), set(), live=frozenset(kinds)))
    read = {n.id for n in ast.walk(holder.body)
            if n.__class__ is ast.Name and n.id.startswith(MARKER)}
    return holder.body, [(m, name) for m, name in names + markers.added if m in read]


class _Markers:
    """The namespace a rule's expression is folded in (for `Facts`): a marker names what
    it stands for, as `Namespace.value` would once it is bound (a value read live is not
    known, and has no kind); a function a fold writes (`ns.ref`) is a new marker."""

    def __init__(self, names: list):
        self.names = dict(names)
        self.added: list = []
        self.live: dict = {}

    def value(self, node: ast.expr):
        cls = node.__class__
        if cls is ast.Name:
            name = self.names.get(node.id)
            return MISSING if name is None else name.denotes()
        if cls is ast.Attribute:
            base = self.value(node.value)
            return MISSING if base is MISSING else getattr(base, node.attr, MISSING)
        return MISSING

    def ref(self, obj) -> ast.expr:
        marker = f"{MARKER}folded{len(self.added)}"
        self.added.append((marker, reference(obj)))
        self.names[marker] = self.added[-1][1]
        return ast.Name(marker, ast.Load())
