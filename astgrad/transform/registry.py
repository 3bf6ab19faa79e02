"""The one registry of derivative rules, behind the public `defvjp`/`defjvp`.

A primitive is a function the compiler does not look inside: calls to it are
kept as calls, and its rules say how adjoints (reverse mode) and tangents
(forward mode) flow through it. The library's NumPy rules and a user's own
rules are registered the same way.
"""
from __future__ import annotations

import ast
import inspect
import operator
from typing import Callable

import numpy as np

from ..errors import RuleError
from .lattice import UNKNOWN, Kind, broadcast
from .template import Template, constant_node

# Python operators and their primitives: `a * b` is `operator.mul(a, b)` to the rules.
BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
          ast.Div: operator.truediv, ast.Pow: operator.pow, ast.MatMult: operator.matmul,
          ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod}
UNARYOPS = {ast.USub: operator.neg, ast.UAdd: operator.pos}


class Primitive:
    """A function with rules; `name` is how generated code calls it."""

    def __init__(self, fn: Callable, name: str):
        self.fn = fn
        self.name = name
        self.params: list[str] | None = None      # the arguments, as the rules name them
        self.signature: inspect.Signature | None = None
        self.vjps: tuple[Template | None, ...] = ()
        self.jvps: tuple[Template | None, ...] = ()
        self.elementwise = False
        self.linear: tuple[str, ...] = ()       # parameters the function is linear in
        self.kind: Callable | None = None
        self.nondiff = False

    def __repr__(self):
        return f"<primitive {self.name}>"

    def adopt_signature(self, template: Template):
        params = list(template.signature.parameters.values())[2:]
        sig = inspect.Signature(params)
        if self.signature is None:
            self.signature, self.params = sig, [p.name for p in params]
        elif [p.name for p in params] != self.params:
            raise RuleError(f"the rules of {self.name} name its arguments differently: "
                            f"{self.params} and {[p.name for p in params]}.")

    def bind(self, args: list[ast.expr], keywords: dict[str, ast.expr]) -> dict[str, ast.expr]:
        """Match a call's argument nodes to the rule's parameter names, defaults filled in.

        Raises TypeError when they do not match."""
        bound = self.signature.bind(*args, **keywords)
        out = {}
        for name, param in self.signature.parameters.items():
            if name in bound.arguments:
                value = bound.arguments[name]
                if param.kind is param.VAR_POSITIONAL:
                    value = ast.Tuple(elts=list(value), ctx=ast.Load())
                out[name] = value
            elif param.default is not param.empty:
                out[name] = constant_node(param.default)
            else:
                out[name] = None
        return out

    def out_kind(self, kinds: dict[str, Kind], static: dict) -> Kind:
        if self.kind is not None:
            return self.kind(kinds, static)
        if self.elementwise:
            return broadcast(*(k for k in kinds.values() if k.number or k.dtype is None))
        return UNKNOWN


def operation(value: ast.expr, ns):
    """`(primitive, {parameter: argument node})` for one normalized operation (`x * y`,
    `-x`, `np.sum(x, axis=0)`), or `(None, {})`. Raises TypeError when a call's
    arguments do not fit the rule's parameters."""
    if isinstance(value, ast.BinOp):
        return lookup(BINOPS.get(type(value.op))), {"x": value.left, "y": value.right}
    if isinstance(value, ast.UnaryOp):
        return lookup(UNARYOPS.get(type(value.op))), {"x": value.operand}
    if isinstance(value, ast.Call):
        prim = lookup(ns.value(value.func))
        if prim is None or prim.nondiff or prim.signature is None:
            return prim, {}
        return prim, prim.bind(value.args, {k.arg: k.value for k in value.keywords})
    return None, {}


_registry: dict[int, Primitive] = {}


def lookup(fn) -> Primitive | None:
    prim = _registry.get(id(fn))
    return prim if prim is not None and prim.fn is fn else None


def _primitive(fn, name: str | None) -> Primitive:
    prim = lookup(fn)
    if prim is None:
        prim = Primitive(fn, name or canonical_name(fn))
        _registry[id(fn)] = prim
    elif name:
        prim.name = name
    return prim


def defvjp(fn: Callable, *rules, name: str | None = None, elementwise: bool | None = None,
           kind: Callable | None = None) -> Callable:
    """Give `fn` reverse-mode rules, one per argument: `lambda g, ans, x, y: ...`.

    `g` is the adjoint of the output, `ans` the output, then `fn`'s arguments by
    name; the expression is the adjoint of that argument. `None` means the
    argument gets no gradient. `elementwise=True` says `fn` broadcasts its
    arguments, so their adjoints are summed back to each argument's shape.
    """
    prim = _primitive(fn, name)
    templates = tuple(None if r is None else Template(r, "vjp", prim.name) for r in rules)
    for t in templates:
        if t is not None:
            prim.adopt_signature(t)
    if len(templates) > len(prim.params or ()):
        raise RuleError(f"{prim.name} has {len(prim.params or ())} arguments but "
                        f"{len(templates)} vjp rules.")
    prim.vjps = templates
    _options(prim, elementwise, kind)
    return fn


def defjvp(fn: Callable, *rules, name: str | None = None, elementwise: bool | None = None,
           kind: Callable | None = None) -> Callable:
    """Give `fn` forward-mode rules, one per argument: `lambda t, ans, x, y: ...`.

    `t` is the tangent of that argument; the expression is its contribution to
    the output's tangent. `None` means the argument contributes nothing.
    """
    prim = _primitive(fn, name)
    templates = tuple(None if r is None else Template(r, "jvp", prim.name) for r in rules)
    for t in templates:
        if t is not None:
            prim.adopt_signature(t)
    prim.jvps = templates
    _options(prim, elementwise, kind)
    return fn


def deflinear(fn: Callable, *params: str) -> Callable:
    """Say `fn` is linear in `params`: its forward-mode rule for each of them is `fn`
    itself applied to the tangent (`np.sum(t, axis)` for `np.sum`), so it is not
    written twice."""
    prim = _primitive(fn, None)
    prim.linear = tuple(params)
    return fn


def forward_rule(prim: Primitive, i: int):
    """How forward mode treats parameter `i`: a jvp template, "linear", "zero", or None.

    An explicit `defjvp` rule wins; a linear parameter is the function itself
    on the tangent; an elementwise function's vjp rule is its jvp rule too (its
    Jacobian is diagonal), with the tangent in place of the adjoint."""
    if i < len(prim.jvps) and prim.jvps[i] is not None:
        return prim.jvps[i]
    if prim.params and prim.params[i] in prim.linear:
        return "linear"
    if i < len(prim.vjps) and prim.vjps[i] is None:
        return "zero"                     # declared: no derivative flows through it
    if prim.elementwise and i < len(prim.vjps):
        return prim.vjps[i]
    return None


def _options(prim, elementwise, kind):
    if elementwise is not None:
        prim.elementwise = elementwise
    if kind is not None:
        prim.kind = kind


def defnondiff(*fns, kind: Callable | None = None) -> None:
    """Mark functions whose outputs carry no derivative (shapes, comparisons, integer results)."""
    for fn in fns:
        prim = _primitive(fn, None)
        prim.nondiff = True
        if kind is not None:
            prim.kind = kind


def primitive(fn: Callable) -> Callable:
    """Mark `fn` as opaque: the compiler calls it as it is and uses its `defvjp` rules."""
    _primitive(fn, None)
    return fn


def all_primitives() -> list[Primitive]:
    return sorted(_registry.values(), key=lambda p: p.name)


def canonical_name(fn) -> str:
    """How generated code spells `fn`: `np.sin`, `np.linalg.inv`, `rt.unbroadcast`, `abs`."""
    for prefix, module in (("np", np), ("np.linalg", np.linalg)):
        for attr in (getattr(fn, "__name__", None),):
            if attr and getattr(module, attr, None) is fn:
                return f"{prefix}.{attr}"
    module = getattr(fn, "__module__", None) or ""
    if module == "astgrad.runtime" or module.startswith("astgrad.runtime."):
        return f"rt.{fn.__name__}"
    if module == "builtins":
        return fn.__name__
    if module == "_operator" or module == "operator":
        return f"operator.{fn.__name__}"
    for attr, value in vars(np).items():   # aliases such as np.absolute / np.abs
        if value is fn and not attr.startswith("_"):
            return f"np.{attr}"
    return getattr(fn, "__name__", "fn")
