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

    @property
    def known(self) -> bool:
        return self.ndim is not None

    @property
    def scalar(self) -> bool:
        return self.ndim == 0

    @property
    def number(self) -> bool:
        return self.dtype is not None and self.dtype in _ORDER

    def describe(self) -> str:
        if self.py:
            return {"b": "bool", "i": "int", "f": "float", "c": "complex"}[self.dtype]
        if self.dtype == "O":
            return "object"
        if self.ndim is None:
            return "any"
        return f"{self.ndim}-d {self.dtype or '?'} array"


UNKNOWN = Kind()
OPAQUE = Kind(dtype="O")


def of_value(v) -> Kind:
    t = type(v)
    if t in _PY_DTYPE:
        return Kind(0, _PY_DTYPE[t], True)
    if isinstance(v, (np.ndarray, np.generic)):
        return Kind(v.ndim, v.dtype.kind)
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
    if any(k.ndim is None for k in kinds):
        return Kind(None, dtype)
    return Kind(max((k.ndim for k in kinds), default=0), dtype)


def same(kind: Kind) -> Kind:
    """An array result of the same ndim and dtype (NumPy turns Python numbers into NumPy ones)."""
    return Kind(kind.ndim, kind.dtype)


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
        return OPAQUE
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
    if isinstance(node, ast.Attribute) and ns is not None:
        value = ns.value(node)
        return of_value(value) if value is not None and hasattr(value, "__class__") else UNKNOWN
    return UNKNOWN


def infer(body, env: dict, ns) -> dict:
    """Kinds of every name a straight-line body assigns, given its inputs' kinds."""
    import ast
    env = dict(env)
    for stmt in body:
        if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name):
            env[stmt.targets[0].id] = expr_kind(stmt.value, env, ns)
    return env
