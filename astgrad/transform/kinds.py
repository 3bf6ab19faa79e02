"""What is known of a value before the code runs: a Python number, or an
array of a given ndim and dtype kind.

Generated code is specialized on the kinds of the arguments, so scalar code
differentiates to plain arithmetic and array code calls `unbroadcast` only
where shapes can differ.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_PY_DTYPE = {bool: "b", int: "i", float: "f", complex: "c"}
_ORDER = "biufc"


@dataclass(frozen=True)
class Kind:
    ndim: int | None = None      # None: not known before run time
    dtype: str | None = None     # NumPy dtype kind ('f', 'i', ...); 'O' for non-numbers
    py: bool = False             # a Python number rather than a NumPy value
    itemsize: int | None = None  # bytes per element of a NumPy value, when known
    item: "Kind | None" = None   # for a list or tuple: what all its elements share

    @property
    def known(self) -> bool:
        return self.ndim is not None

    @property
    def scalar(self) -> bool:
        return self.ndim == 0

    @property
    def number(self) -> bool:
        return self.dtype is not None and self.dtype in _ORDER

    def with_ndim(self, ndim: int | None) -> "Kind":
        """A NumPy value of this dtype with `ndim` dimensions."""
        return Kind(ndim, self.dtype, False, self.itemsize)

    def describe(self) -> str:
        if self.py:
            return {"b": "bool", "i": "int", "f": "float", "c": "complex"}[self.dtype]
        if self.dtype == "O":
            return "object"
        if self.ndim is None:
            return "any"
        names = {"f": "float", "i": "int", "u": "uint", "b": "bool", "c": "complex"}
        dtype = names.get(self.dtype, "?") + (str(8 * self.itemsize) if self.itemsize else "")
        return f"{self.ndim}-d {dtype} array"


UNKNOWN = Kind()
OPAQUE = Kind(dtype="O")


def of_value(v) -> Kind:
    t = type(v)
    if t in _PY_DTYPE:
        return Kind(0, _PY_DTYPE[t], True)
    if isinstance(v, (np.ndarray, np.generic)):
        return Kind(v.ndim, v.dtype.kind, False, v.dtype.itemsize)
    for base, code in _PY_DTYPE.items():   # subclasses such as bool of int come first
        if isinstance(v, base) and t is not bool:
            return Kind(0, code, True)
    return OPAQUE


def promote(*codes) -> str | None:
    if any(c is None for c in codes):
        return None
    codes = [c for c in codes if c in _ORDER] or ["O"]
    return max(codes, key=lambda c: _ORDER.find(c)) if codes != ["O"] else "O"


def broadcast(*kinds: Kind, py_result: bool = False, floating: bool = False) -> Kind:
    """The kind of an elementwise result; `py_result` when Python numbers stay Python numbers."""
    dtype = promote(*(k.dtype for k in kinds))
    if floating and dtype in ("b", "i", "u"):
        dtype = "f"
    if py_result and all(k.py for k in kinds):
        return Kind(0, dtype, True)
    # Python numbers are weak: they do not widen a NumPy value's precision.
    sizes = {k.itemsize for k in kinds if not k.py}
    itemsize = sizes.pop() if len(sizes) == 1 and dtype in ("f", "c") else None
    if any(k.ndim is None for k in kinds):
        return Kind(None, dtype, False, itemsize)
    return Kind(max((k.ndim for k in kinds), default=0), dtype, False, itemsize)


def static_value(node, default=None):
    """The value of a constant expression node, else `default`."""
    import ast
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return default


def expr_kind(node, env: dict, ns) -> Kind:
    """The kind of an expression over names whose kinds `env` holds."""
    import ast

    from . import registry
    if isinstance(node, ast.Name):
        if node.id in env:
            return env[node.id]
        return ns.live.get(node.id, UNKNOWN) if ns is not None else UNKNOWN
    if isinstance(node, ast.Constant):
        return of_value(node.value)
    if isinstance(node, (ast.Tuple, ast.List)):
        return sequence_of([expr_kind(e, env, ns) for e in node.elts])
    if isinstance(node, ast.UnaryOp):
        if isinstance(node.op, ast.Not):
            return Kind(0, "b", True)
        inner = expr_kind(node.operand, env, ns)
        return inner if node.op.__class__ in registry.UNARYOPS else UNKNOWN
    if isinstance(node, ast.BinOp):
        prim = registry.lookup(registry.BINOPS.get(type(node.op)))
        if prim is None:
            return UNKNOWN
        kinds = {"x": expr_kind(node.left, env, ns), "y": expr_kind(node.right, env, ns)}
        return prim.out_kind(kinds, {"x": static_value(node.left), "y": static_value(node.right)})
    if isinstance(node, ast.Compare):
        parts = [expr_kind(n, env, ns) for n in [node.left, *node.comparators]]
        return Kind(broadcast(*parts, py_result=True).ndim, "b", all(p.py for p in parts))
    if isinstance(node, ast.Call) and ns is not None:
        prim = registry.lookup(ns.value(node.func))
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
    if isinstance(node, ast.IfExp):
        a, b = expr_kind(node.body, env, ns), expr_kind(node.orelse, env, ns)
        return a if a == b else UNKNOWN
    if isinstance(node, ast.Attribute) and node.attr in ("size", "ndim") \
            and not (ns is not None and ns.value(node.value) is not _missing(ns)):
        return Kind(0, "i", True)               # x.size, x.ndim of a value
    if isinstance(node, ast.Attribute) and ns is not None:
        value = ns.value(node)
        return of_value(value) if value is not None and hasattr(value, "__class__") else UNKNOWN
    return UNKNOWN


def sequence_of(items) -> Kind:
    """A list or tuple whose elements have these kinds."""
    item = None
    for k in items:
        item = k if item is None else join(item, k)
    return Kind(dtype="O", item=item)


def join(a: Kind, b: Kind) -> Kind:
    """What is known of a value that is `a` on one path and `b` on another."""
    if a == b:
        return a
    if a.dtype == "O" and b.dtype == "O":
        items = [k for k in (a.item, b.item) if k is not None]
        return sequence_of(items) if items else OPAQUE
    if a.ndim == b.ndim and a.dtype == b.dtype:
        return Kind(a.ndim, a.dtype, False, a.itemsize if a.itemsize == b.itemsize else None)
    return Kind(None, a.dtype if a.dtype == b.dtype else None)


def _subscript_kind(node, env, ns) -> Kind:
    import ast
    base = expr_kind(node.value, env, ns)
    if base.dtype == "O" and base.item is not None and not isinstance(node.slice, ast.Slice):
        return base.item
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


def _missing(ns):
    from .resolve import _MISSING
    return _MISSING


def infer(body, env: dict, ns, fixed=frozenset(), join_all=False) -> dict:
    """Kinds of every name a body assigns, given its inputs' kinds; a name that
    takes different kinds on different paths or iterations gets what they share.
    Names in `fixed` keep the kind `env` gives them; `v = stack.pop()` restores
    a value of the kind `v` already has. With `join_all`, a name's kind holds
    for all its assignments, so it is true anywhere in the body."""
    import ast
    env = dict(env)

    def assign(name, kind):
        if name in fixed:
            return
        again = name in env and (join_all or name in looped)
        env[name] = join(env[name], kind) if again else kind

    looped: set[str] = set()

    def walk(stmts):
        for stmt in stmts:
            if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name):
                value = stmt.value
                if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) \
                        and value.func.attr == "pop" and not value.args:
                    continue
                kind = _subscript_kind(value, env, ns) if isinstance(value, ast.Subscript) \
                    else expr_kind(value, env, ns)
                assign(stmt.targets[0].id, kind)
            elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) \
                    and isinstance(stmt.value.func, ast.Attribute) \
                    and stmt.value.func.attr == "append" \
                    and isinstance(stmt.value.func.value, ast.Name):
                name = stmt.value.func.value.id
                items = [expr_kind(stmt.value.args[0], env, ns)]
                if name in env and env[name].item is not None:
                    items.append(env[name].item)
                elif name in env and env[name] != sequence_of([]):
                    items.append(UNKNOWN)
                if name not in fixed:
                    env[name] = sequence_of(items)
            elif isinstance(stmt, ast.If):
                before = dict(env)
                walk(stmt.body)
                after_body = dict(env)
                env.clear()
                env.update(before)
                walk(stmt.orelse)
                for name in set(after_body) | set(env):
                    if name in after_body and name in env:
                        env[name] = join(after_body[name], env[name])
                    else:
                        env[name] = after_body.get(name, env.get(name))
            elif isinstance(stmt, (ast.For, ast.While)):
                if isinstance(stmt, ast.For):
                    env[stmt.target.id] = Kind(0, "i", True)
                inner = {n.id for s in stmt.body for n in ast.walk(s)
                         if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
                looped.update(inner)
                for _ in range(3):
                    before = dict(env)
                    walk(stmt.body)
                    if env == before:
                        break

    walk(body)
    return env


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
        import ast

        from . import registry
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

    def _walk(self, stmts, rep, top):
        import ast
        for stmt in stmts:
            if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name):
                target = stmt.targets[0].id
                operands = self._operands(stmt.value)
                found, arrays = set(), []
                for node in operands or []:
                    if isinstance(node, ast.Constant) or \
                            expr_kind(node, self.kinds, self.ns).ndim == 0:
                        continue
                    if not isinstance(node, ast.Name):
                        found = None
                        break
                    arrays.append(node.id)
                    found.add(rep.get(node.id, ("?", node.id)))
                if operands and found is not None and len(found) == 1:
                    cls = found.pop()
                    rep[target] = cls
                    self.equal.update((id(stmt), a) for a in arrays)
                else:
                    rep[target] = target
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
            if isinstance(stmt, ast.If):
                self._walk(stmt.body, dict(rep), False)
                self._walk(stmt.orelse, dict(rep), False)
            else:
                self._walk(stmt.body, dict(rep), False)
