"""Kind analyses: what is known of each value before the code runs (see
`lattice` for the kinds themselves), and which values share a shape.

Generated code is specialized on the kinds of the arguments, so scalar code
differentiates to plain arithmetic and array code calls `unbroadcast` only
where shapes can differ.
"""
from __future__ import annotations

import ast
from dataclasses import replace

from ..errors import InternalError
from . import registry
from .lattice import OPAQUE, UNKNOWN, Kind, broadcast, join, of_value, sequence_of
from .nodes import Comment
from .scope import MISSING
from .trees import walk

# The lattice is re-exported: the passes read kinds and their analyses from here.
__all__ = ["Kind", "UNKNOWN", "OPAQUE", "of_value", "broadcast", "join", "sequence_of",
           "static_value", "expr_kind", "infer", "Shapes"]

_INT = Kind(0, "i", True)
_NOT_LITERAL = (ast.Name, ast.Attribute, ast.Subscript, ast.Compare, ast.IfExp)


def static_value(node, default=None):
    """The value of a constant expression node, else `default`."""
    cls = node.__class__                       # the common cases, without an exception:
    if cls is ast.Constant:
        return node.value
    if cls in _NOT_LITERAL or cls is ast.BinOp and not (
            isinstance(node.op, (ast.Add, ast.Sub)) and node.right.__class__ is ast.Constant) \
            or cls is ast.Call and not (isinstance(node.func, ast.Name) and node.func.id == "set"):
        return default              # of BinOps and calls, literal_eval takes `1 + 2j`, `set()`
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return default


# ---- the kind of an expression -------------------------------------------------------------
def expr_kind(node, env: dict, ns) -> Kind:
    """The kind of an expression over names whose kinds `env` holds.

    Expressions without a rule below (subscripts among them: `infer` follows a
    subscript only where it is assigned) are UNKNOWN, which is always a safe answer."""
    rule = _EXPRESSION_RULES.get(type(node))
    return rule(node, env, ns) if rule is not None else UNKNOWN


def _name_kind(node, env, ns) -> Kind:
    if node.id in env:
        return env[node.id]
    return ns.live.get(node.id, UNKNOWN) if ns is not None else UNKNOWN


def _constant_kind(node, env, ns) -> Kind:
    return of_value(node.value)


def _sequence_kind(node, env, ns) -> Kind:
    return sequence_of([expr_kind(e, env, ns) for e in node.elts])


def _unary_kind(node, env, ns) -> Kind:
    if isinstance(node.op, ast.Not):
        return Kind(0, "b", True)
    inner = expr_kind(node.operand, env, ns)
    return inner if type(node.op) in registry.UNARYOPS else UNKNOWN


def _binary_kind(node, env, ns) -> Kind:
    prim = registry.lookup(registry.BINOPS.get(type(node.op)))
    if prim is None:
        return UNKNOWN
    kinds = {"x": expr_kind(node.left, env, ns), "y": expr_kind(node.right, env, ns)}
    return prim.out_kind(kinds, {"x": static_value(node.left), "y": static_value(node.right)})


def _compare_kind(node, env, ns) -> Kind:
    parts = [expr_kind(n, env, ns) for n in [node.left, *node.comparators]]
    return Kind(broadcast(*parts, py_result=True).ndim, "b", all(p.py for p in parts))


def _call_kind(node, env, ns) -> Kind:
    prim = registry.lookup(ns.value(node.func)) if ns is not None else None
    if prim is None:
        return UNKNOWN
    if prim.signature is None:
        return prim.kind({}, {}) if prim.kind is not None else UNKNOWN
    try:
        bound = prim.bind(node.args, {k.arg: k.value for k in node.keywords})
    except TypeError:
        return UNKNOWN
    kinds = {p: expr_kind(v, env, ns) if v is not None else OPAQUE for p, v in bound.items()}
    static = {p: static_value(v) if v is not None else None for p, v in bound.items()}
    return prim.out_kind(kinds, static)


def _ifexp_kind(node, env, ns) -> Kind:
    a, b = expr_kind(node.body, env, ns), expr_kind(node.orelse, env, ns)
    return a if a == b else UNKNOWN


def _attribute_kind(node, env, ns) -> Kind:
    if node.attr in ("size", "ndim") and (ns is None or ns.value(node.value) is MISSING):
        return _INT                              # x.size, x.ndim of a value
    if ns is None:
        return UNKNOWN
    value = ns.value(node)                       # a constant such as np.pi
    return of_value(value) if value is not None else UNKNOWN


_EXPRESSION_RULES = {
    ast.Name: _name_kind, ast.Constant: _constant_kind, ast.Tuple: _sequence_kind,
    ast.List: _sequence_kind, ast.UnaryOp: _unary_kind, ast.BinOp: _binary_kind,
    ast.Compare: _compare_kind, ast.Call: _call_kind, ast.IfExp: _ifexp_kind,
    ast.Attribute: _attribute_kind,
}


def _subscript_kind(node, env, ns) -> Kind:
    base = expr_kind(node.value, env, ns)
    if base.dtype == "O" and base.item is not None:
        if base.fields and isinstance(node.slice, ast.Constant):   # params["W"]: its own
            return dict(base.fields).get(node.slice.value, base.item)
        # an item of a list, or a slice of it: a list of the same items
        return base if isinstance(node.slice, ast.Slice) else base.item
    if base.ndim is None or base.dtype == "O":
        return UNKNOWN
    parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
    drop = 0
    for part in parts:
        if isinstance(part, ast.Slice):
            continue
        k = expr_kind(part, env, ns)
        if k.ndim == 0 and k.dtype in ("i", "u"):
            drop += 1
        else:
            return base.with_ndim(None)
    return base.with_ndim(base.ndim - drop) if base.ndim >= drop else UNKNOWN


# ---- the kinds of every name a body assigns --------------------------------------------------
def infer(body, env: dict, ns, fixed=frozenset(), join_all=False) -> dict:
    """Kinds of every name a body assigns, given its inputs' kinds; a name that
    takes different kinds on different paths or iterations gets what they share.
    Names in `fixed` keep the kind `env` gives them; `v = stack.pop()` restores
    a value of the kind `v` already has. With `join_all`, a name's kind holds
    for all its assignments, so it is true anywhere in the body."""
    if any(v.fields for v in env.values()):      # only a kind with fields asks
        written = {n.value.id for s in body for n in walk(s) if isinstance(n, ast.Subscript)
                   and isinstance(n.ctx, ast.Store) and isinstance(n.value, ast.Name)}
        env = {k: replace(v, fields=None) if v.fields and k in written else v  # items change
               for k, v in env.items()}
    flow = _KindFlow(env, ns, fixed, join_all)
    flow.block(body)
    return flow.env


# Statements that give no name a new kind: returns, jumps, checks, comments; nested
# defs (their callers infer a nested body on its own); and augmented assignments,
# which are taken to keep their target's kind.
_NO_NEW_KIND = (ast.Return, ast.Pass, ast.Break, ast.Continue, ast.Assert, ast.FunctionDef,
                ast.AugAssign, Comment, ast.Raise)


class _KindFlow:
    """One run of `infer`: the kinds so far, and the names some loop assigns."""

    def __init__(self, env, ns, fixed, join_all):
        self.env, self.ns, self.fixed, self.join_all = dict(env), ns, fixed, join_all
        self.looped: set[str] = set()

    def block(self, stmts):
        for stmt in stmts:
            visit = getattr(self, f"_{type(stmt).__name__}", None)
            if visit is not None:
                visit(stmt)
            elif not isinstance(stmt, _NO_NEW_KIND):
                raise InternalError(f"kind inference has no rule for a "
                                    f"`{type(stmt).__name__}` statement "
                                    f"(line {getattr(stmt, 'lineno', '?')}).")

    def _assign(self, name, kind):
        if name in self.fixed:
            return
        again = name in self.env and (self.join_all or name in self.looped)
        self.env[name] = join(self.env[name], kind) if again else kind

    def _Assign(self, stmt):
        # Only a name's kind is followed: a subscript target keeps its array's kind,
        # and tuple targets are not followed.
        if not isinstance(stmt.targets[0], ast.Name):
            return
        value = stmt.value
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) \
                and value.func.attr == "pop" and not value.args:
            return                               # restores a value of the kind it had
        kind = _subscript_kind(value, self.env, self.ns) if isinstance(value, ast.Subscript) \
            else expr_kind(value, self.env, self.ns)
        self._assign(stmt.targets[0].id, kind)

    def _Expr(self, stmt):
        call = stmt.value                        # otherwise a call made for its effect
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                and call.func.attr == "append" and isinstance(call.func.value, ast.Name)):
            return
        name, env = call.func.value.id, self.env
        items = [expr_kind(call.args[0], env, self.ns)]
        if name in env and env[name].item is not None:
            items.append(env[name].item)
        elif name in env and env[name] != sequence_of([]):
            items.append(UNKNOWN)
        if name not in self.fixed:
            env[name] = sequence_of(items)

    def _If(self, stmt):
        before = dict(self.env)
        self.block(stmt.body)
        after_body = self.env
        self.env = before
        self.block(stmt.orelse)
        env = self.env
        for name in set(after_body) | set(env):
            if name in after_body and name in env:
                env[name] = join(after_body[name], env[name])
            else:
                env[name] = after_body.get(name, env.get(name))

    def _For(self, stmt):
        self.env[stmt.target.id] = _INT
        self._While(stmt)

    def _While(self, stmt):
        if not self.join_all:                    # (with it, every name is joined anyway)
            self.looped.update(n.id for s in stmt.body for n in walk(s)
                               if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store))
        for _ in range(3):                       # to a fixed point, or what three passes know
            before = dict(self.env)
            self.block(stmt.body)
            if self.env == before:
                break


# ---- which values share a shape ------------------------------------------------------------
class Shapes:
    """Which values are known to have the same shape.

    `rep` maps a name assigned once at the top level to the first such name (or
    parameter) of its shape; `equal` holds `(statement id, operand)` for each
    operand of an elementwise statement known to have the result's shape, on
    every iteration of any loop around it."""

    def __init__(self, body, kinds: dict, ns, params):
        self.kinds, self.ns = kinds, ns
        self.rep: dict[str, str] = {p: p for p in params}
        self.equal: set[tuple[int, str]] = set()
        self._inplace: set[str] = set()
        self._walk(body, dict(self.rep), top=True)
        self.rep = {n: r for n, r in self.rep.items()
                    if isinstance(r, str) and n not in self._inplace and r not in self._inplace}

    def _operands(self, value):
        if isinstance(value, ast.Name):
            return [value]
        if isinstance(value, ast.UnaryOp) and type(value.op) in registry.UNARYOPS:
            return [value.operand]
        if isinstance(value, ast.BinOp) and type(value.op) is not ast.MatMult:
            return [value.left, value.right]
        if isinstance(value, ast.Call):
            prim = registry.lookup(self.ns.value(value.func))
            if prim is not None and prim.elementwise and not value.keywords:
                return list(value.args)
        return None

    def _shape_class(self, operands, rep):
        """The one shape class of the array operands, and their names; None if unknown."""
        found, arrays = set(), []
        for node in operands:
            if isinstance(node, ast.Constant) or expr_kind(node, self.kinds, self.ns).ndim == 0:
                continue
            if not isinstance(node, ast.Name):
                return None, []
            arrays.append(node.id)
            found.add(rep.get(node.id, ("?", node.id)))
        return (found.pop(), arrays) if len(found) == 1 else (None, [])

    def _walk(self, stmts, rep, top):
        for stmt in stmts:
            if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name):
                target = stmt.targets[0].id
                operands = self._operands(stmt.value)
                cls, arrays = self._shape_class(operands, rep) if operands else (None, [])
                rep[target] = cls if cls is not None else target
                self.equal.update((id(stmt), a) for a in arrays)
                if top:
                    self.rep[target] = rep[target]
                continue
            if not isinstance(stmt, (ast.If, ast.For, ast.While)):
                continue
            inside = {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name)
                      and isinstance(n.ctx, ast.Store)}
            self._inplace |= inside
            for name in inside:
                rep.pop(name, None)
            self._walk(stmt.body, dict(rep), False)
            if isinstance(stmt, ast.If):
                self._walk(stmt.orelse, dict(rep), False)
