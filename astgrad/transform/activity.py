"""Pass 4, activity: which values need an adjoint.

A value is *varied* when it depends, through differentiable operations, on an
argument being differentiated, and *useful* when the output depends on it;
only values that are both are *active* and get adjoints. The result,
`Activity`, guarantees: every name a derivative can flow into from a
differentiated parameter is in `varied`; `active` is the part of it the
returned value depends on.
"""
from __future__ import annotations

import ast
import types
from dataclasses import dataclass

import numpy as np

from .. import runtime
from ..errors import NoRuleError
from . import registry
from .build import is_add_at, is_method_call, reads
from .dicts import dict_names
from .opaque import refuse_where_varied
from .resolve import Namespace
from .trees import statements

SPECIAL_INDEXING = ("r_", "c_", "s_", "index_exp", "mgrid", "ogrid")


@dataclass(frozen=True)
class Activity:
    active: frozenset[str]     # varied and useful: these get adjoints
    varied: frozenset[str]     # depend on a differentiated parameter: these get tangents


def _differentiable_reads(value: ast.expr, ns: Namespace, opaque: bool = False) -> list[str]:
    """The names whose derivative flows into `value`'s result; with `opaque`, also those
    a call with no rule reads (it runs as is: its result depends on them all the same)."""
    if isinstance(value, (ast.Compare, ast.Attribute, ast.JoinedStr, ast.BoolOp)) \
            or isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.Not):
        return []
    if isinstance(value, ast.Subscript):      # np.r_[x, c]: refused by the passes, by name
        special = any(ns.value(value.value) is getattr(np, k) for k in SPECIAL_INDEXING)
        return reads(value) if special else reads(value.value)
    if isinstance(value, ast.Call) and is_method_call(value, "pop"):
        return [value.func.value.id]
    if isinstance(value, ast.Call):
        fn = ns.value(value.func)
        prim = registry.lookup(fn)
        if prim is not None and fn in (zip, enumerate, reversed):
            return reads(value)            # refused where a derivative would flow through
        if prim and prim.nondiff:
            return []
        if prim is None and not isinstance(fn, types.FunctionType) \
                or prim and not (prim.vjps or prim.jvps):   # no rule: runs as is (`opaque`)
            return reads(value) if opaque else []
        if prim is not None and prim.vjps and prim.signature is not None:
            return _with_rules(prim, value, ns)
    return reads(value)


def _with_rules(prim, call, ns) -> list[str]:
    """Names in the arguments whose parameters have a derivative rule (`x.dtype` passed
    as `dtype=` carries none)."""
    try:
        bound = prim.bind(call.args, {k.arg: k.value for k in call.keywords})
    except TypeError:
        return reads(call)                 # the reverse pass reports the bad call
    out = []
    for i, param in enumerate(prim.params):
        if bound.get(param) is not None and (i >= len(prim.vjps) or prim.vjps[i] is not None):
            out += _differentiable_reads(bound[param], ns)
    return out


def _keys(stmts, ns) -> set[str]:
    """The names every assignment of which reads the key of a `(key, value)` pair of
    `rt.items_of(d)` (`for k, v in d.items():`): a dict's key carries no derivative."""
    values: dict[str, list] = {}
    for node in (n for s in stmts for n in statements(s)):
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            values.setdefault(node.targets[0].id, []).append(node.value)

    def all_are(name, test) -> bool:
        return all(test(v) for v in values.get(name, [None]))

    def items(v) -> bool:
        return isinstance(v, ast.Call) and ns.value(v.func) is runtime.items_of

    def pair(v) -> bool:                 # `_3 = _1[i]` of `_1 = rt.items_of(d)`
        return isinstance(v, ast.Subscript) and isinstance(v.value, ast.Name) \
            and all_are(v.value.id, items)

    def key(v) -> bool:                  # `_4 = _3[0]`
        return isinstance(v, ast.Subscript) and isinstance(v.value, ast.Name) \
            and isinstance(v.slice, ast.Constant) and v.slice.value == 0 \
            and all_are(v.value.id, pair)
    return {name for name in values if all_are(name, key)}


def _edges(stmts, ns, keys=frozenset(), opaque=False):
    """(target, sources) for each way a value flows into a name, anywhere in `stmts`
    (with `opaque`, through calls with no rule too)."""
    for stmt in stmts:
        if isinstance(stmt, ast.Assign):
            target = stmt.targets[0]
            if isinstance(target, ast.Name):
                yield target.id, [] if target.id in keys else _differentiable_reads(
                    stmt.value, ns, opaque)
            elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
                yield target.value.id, reads(stmt.value)       # x[i] = v: x holds v
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) \
                and is_method_call(stmt.value, "append"):
            yield stmt.value.func.value.id, reads(stmt.value.args[0])
        elif isinstance(stmt, ast.Expr) and is_add_at(stmt.value, ns):
            yield stmt.value.args[0].id, reads(stmt.value.args[2])
        elif isinstance(stmt, (ast.If, ast.For, ast.While)):
            yield from _edges(stmt.body, ns, keys, opaque)
            yield from _edges(stmt.orelse, ns, keys, opaque)


def analyze(tree: ast.FunctionDef, wrt: list[str], ns: Namespace, where) -> Activity:
    """Flow-insensitive, so loops and branches need no special care: a name that
    may carry a derivative anywhere is treated as carrying one everywhere."""
    *body, ret = tree.body
    keys = _keys(body, ns)
    flows = list(_edges(body, ns, keys))
    varied = set(wrt)
    changed = True
    while changed:
        changed = False
        for target, sources in flows:
            if target not in varied and any(s in varied for s in sources):
                varied.add(target)
                changed = True
    useful = _useful(flows, ret)
    # a call with no rule is refused where a derivative would flow through it into the
    # output, also through other calls with no rule (`np.array(json.loads(json.dumps(
    # x.tolist())))`): there the first one is
    refuse_where_varied(body, varied, _useful(list(_edges(body, ns, keys, True)), ret),
                        ns, where)
    _refuse_varied_keys(body, varied, useful, ns, where)
    return Activity(active=frozenset(varied & useful), varied=frozenset(varied))


def _useful(flows, ret: ast.Return) -> set[str]:
    """The names the returned value depends on through `flows`."""
    useful = set(reads(ret.value))
    changed = True
    while changed:
        changed = False
        for target, sources in flows:
            if target in useful:
                new = set(sources) - useful
                if new:
                    useful |= new
                    changed = True
    return useful


def _refuse_varied_keys(body, varied: set, useful: set, ns, where) -> None:
    """`{x: v}`, `d[x] = v` with `x` differentiated: a dict's keys carry no derivative
    (`rt.dict_of` has no rule for them), so such a key is refused rather than taken as a
    constant."""
    dicts = dict_names(body)
    for node in (n for s in body for n in statements(s)):
        if not isinstance(node, ast.Assign):
            continue
        target, value = node.targets[0], node.value
        keys = value.args[0] if isinstance(target, ast.Name) and target.id in useful \
            and isinstance(value, ast.Call) and ns.value(value.func) is runtime.dict_of \
            else target.slice if isinstance(target, ast.Subscript) \
            and isinstance(target.value, ast.Name) and target.value.id in dicts & useful \
            else None
        if keys is not None and any(n in varied for n in reads(keys)):
            raise NoRuleError("a dict key that depends on the differentiated arguments has "
                              "no derivative.", where(node),
                              fix="Keep the value among the dict's values, or make the key "
                                  "a constant with ag.stop_gradient(...).")
