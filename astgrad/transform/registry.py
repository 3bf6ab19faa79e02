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
import sys
import types
from typing import Callable

import numpy as np

from ..errors import RuleError
from . import optional, rule_parameters
from .lattice import UNKNOWN, Kind, broadcast, elementwise_ones, with_ones
from .template import Template, constant_node

# Python operators and their primitives: `a * b` is `operator.mul(a, b)` to the rules.
BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
          ast.Div: operator.truediv, ast.Pow: operator.pow, ast.MatMult: operator.matmul,
          ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod}
UNARYOPS = {ast.USub: operator.neg, ast.UAdd: operator.pos}


_OUT_KINDS: dict[tuple, Kind] = {}    # (rules, argument kinds, constants) -> `out_kind`
_OUT_KINDS_KEPT = 20000
_LITERALS = (type(None), bool, int, float, complex, str, bytes, type(...))


def _literal(value) -> bool:
    """Is `value` a constant whose `repr` tells it from every other (a tuple of such)?"""
    return value.__class__ in _LITERALS or value.__class__ is tuple and all(map(_literal, value))


class Primitive:
    """A function with rules; `name` is how generated code calls it."""

    def __init__(self, fn: Callable, name: str):
        self.fn = fn
        self.name = name
        self.params: list[str] | None = None      # the arguments, as the rules name them
        self.signature: inspect.Signature | None = None
        self._bindings: dict = {}     # (arguments, keywords) -> how a call binds (`bind`)
        self.vjps: tuple[Template | None, ...] = ()
        self.jvps: tuple[Template | None, ...] = ()
        self.elementwise = False
        self.linear: tuple[str, ...] = ()       # parameters the function is linear in
        self.kind: Callable | None = None
        self.sizes: Callable | None = None        # (kinds, static) -> the result's `ones`
        self.nondiff = False
        self.refusal: tuple[str, str] | None = None   # (why, what to do): calls are refused

    def __repr__(self):
        return f"<primitive {self.name}>"

    def adopt_signature(self, template: Template):
        params = list(template.signature.parameters.values())[2:]
        sig = inspect.Signature(params)
        if self.signature is None:
            self.signature, self.params = sig, [p.name for p in params]
            self._bindings = {}
        elif [p.name for p in params] != self.params:
            raise RuleError(f"{template.describe()} names its arguments "
                            f"{[p.name for p in params]}, and an earlier rule {self.params}.",
                            where=template.where, fix="Name them alike in every rule.")

    def bind(self, args: list[ast.expr], keywords: dict[str, ast.expr]) -> dict[str, ast.expr]:
        """Match a call's argument nodes to the rule's parameter names, defaults filled in.

        Raises TypeError when they do not match. How a call binds depends only on how
        many arguments it passes and which keywords, so that is worked out once."""
        key = (len(args), tuple(keywords))
        plan = self._bindings.get(key)
        if plan is None:
            plan = self._bindings[key] = _binding(self.signature, *key)
        if isinstance(plan, TypeError):
            raise TypeError(*plan.args)
        out = {}
        for name, how, where in plan:
            if how == "arg":
                out[name] = args[where]
            elif how == "keyword":
                out[name] = keywords[where]
            elif how == "*args":
                out[name] = ast.Tuple(elts=list(args[where:]), ctx=ast.Load())
            elif how == "**kwargs":
                out[name] = {k: keywords[k] for k in where}
            else:
                out[name] = None if how is None else constant_node(where)
        return out

    def out_kind(self, kinds: dict[str, Kind], static: dict) -> Kind:
        """The result's kind; which of its axes have length 1 is known from a `defsizes`
        rule, or from the arguments of an elementwise function. The rules are functions
        of the kinds and the constants alone, so each answer is kept (the optimizer asks
        the same questions round after round); a constant's `repr` tells `1` from `1.0`
        (where there is none, the parameters' names stand for them: no `repr` made)."""
        if self.kind is None and not self.elementwise:
            return UNKNOWN
        if all(v is None for v in static.values()):
            constants = tuple(static)         # (most often: no constants, no `repr`)
        elif all(_literal(v) for v in static.values()):
            constants = repr(static)
        else:
            return self._out_kind(kinds, static)
        key = (self.kind, self.sizes, self.elementwise, tuple(kinds.items()), constants)
        out = _OUT_KINDS.get(key)
        if out is None:
            if len(_OUT_KINDS) >= _OUT_KINDS_KEPT:
                _OUT_KINDS.clear()
            out = _OUT_KINDS[key] = self._out_kind(kinds, static)
        return out

    def _out_kind(self, kinds: dict[str, Kind], static: dict) -> Kind:
        out = self.kind(kinds, static) if self.kind is not None else \
            broadcast(*(k for k in kinds.values() if k.number or k.dtype is None))
        ones = self.sizes(kinds, static) if self.sizes is not None else \
            elementwise_ones(kinds, static, out.ndim) if self.elementwise else None
        return with_ones(out, ones)


def _binding(signature: inspect.Signature, args: int, keywords: tuple[str, ...]):
    """For each parameter, where its value comes from when `args` arguments and
    `keywords` are passed: `(name, how, where)`; or the TypeError binding raises."""
    try:
        bound = signature.bind(*range(args), **dict.fromkeys(keywords)).arguments
    except TypeError as exc:
        return exc
    plan = []
    for name, param in signature.parameters.items():
        if name not in bound:
            plan.append((name, "default", param.default) if param.default is not param.empty
                        else (name, None, None))
        elif param.kind is param.VAR_POSITIONAL:
            plan.append((name, "*args", bound[name][0] if bound[name] else args))
        elif param.kind is param.VAR_KEYWORD:
            plan.append((name, "**kwargs", tuple(bound[name])))
        elif bound[name] is None:                # passed by keyword (its value here: None)
            plan.append((name, "keyword", name))
        else:
            plan.append((name, "arg", bound[name]))
    return plan


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


_registry: dict = {}


def _key(fn):
    """A method of an object (`stats.norm.logpdf`) is a new object at each access: its
    rules belong to the object and the function."""
    if isinstance(fn, types.MethodType):
        return id(fn.__self__), id(fn.__func__)
    return id(fn)


def _find(fn) -> Primitive | None:
    prim = _registry.get(_key(fn))
    if prim is None or prim.fn is fn or isinstance(fn, types.MethodType) and \
            prim.fn.__self__ is fn.__self__ and prim.fn.__func__ is fn.__func__:
        return prim
    return None


def lookup(fn) -> Primitive | None:
    prim = _find(fn)
    if prim is None and optional.pending:
        optional.load()
        prim = _find(fn)
    if prim is None and isinstance(fn, types.MethodType) and _refused_classes:
        refusal = next((_refused_classes[c] for c in type(fn.__self__).__mro__
                        if c in _refused_classes), None)
        if refusal is not None:                  # a method of any such object: refused
            prim = Primitive(fn, fn.__name__)
            prim.refusal = refusal
    if prim is None and isinstance(fn, types.MethodType):
        cls = next((c for c in type(fn.__self__).__mro__ if c in _constant_classes), None)
        if cls is not None:                      # a method of a logger: no derivative
            prim = Primitive(fn, fn.__name__)
            prim.nondiff, prim.kind = True, _constant_classes[cls]
    return prim


def _primitive(fn, name: str | None) -> Primitive:
    prim = _find(fn)
    if prim is None:
        prim = Primitive(fn, name or canonical_name(fn))
        _registry[_key(fn)] = prim
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
    templates = _templates(prim, rules, "vjp")
    if len(templates) > len(prim.params or ()):
        raise RuleError(f"{prim.name} has {len(prim.params or ())} arguments but "
                        f"{len(templates)} vjp rules.",
                        fix="Give one rule (or None) per argument, in order.")
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
    prim.jvps = _templates(prim, rules, "jvp")
    _options(prim, elementwise, kind)
    return fn


def deflinear(fn: Callable, *params: str) -> Callable:
    """Say `fn` is linear in `params`: its forward-mode rule for each of them is `fn`
    itself applied to the tangent (`np.sum(t, axis)` for `np.sum`), so it is not
    written twice."""
    prim = _primitive(fn, None)
    known = prim.params if prim.params is not None else _parameter_names(fn)
    unknown = [p for p in params if known is not None and p not in known]
    if unknown:
        raise RuleError(f"deflinear({prim.name}, ...) names {unknown}, which are not among "
                        f"its parameters {known}.",
                        fix="Name the parameters as its rules (or the function) do.")
    prim.linear = tuple(params)
    return fn


def _templates(prim: Primitive, rules, role: str) -> tuple[Template | None, ...]:
    """The rules as templates, each checked against `prim` and the rules before it."""
    templates = tuple(None if r is None else Template(r, role, prim.name) for r in rules)
    for t in templates:
        if t is not None:
            rule_parameters.check(prim, t)
            prim.adopt_signature(t)
    return templates


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


def defsizes(fn: Callable, rule: Callable) -> None:
    """`rule(kinds, static)` gives the `ones` of `fn`'s result (see `lattice.Kind`)."""
    _primitive(fn, None).sizes = rule


def defnondiff(*fns, kind: Callable | None = None) -> None:
    """Mark functions whose outputs carry no derivative (shapes, comparisons, integer results)."""
    for fn in fns:
        prim = _primitive(fn, None)
        prim.nondiff = True
        if kind is not None:
            prim.kind = kind


_refused_classes: dict[type, tuple[str, str]] = {}
_constant_classes: dict[type, Callable | None] = {}


def defnondiff_methods(*classes: type, kind: Callable | None = None) -> None:
    """Mark every method of the instances of `classes` (`logging.Logger`) as `defnondiff`
    marks a function."""
    for cls in classes:
        _constant_classes[cls] = kind


def defrefusal(fn, why: str, fix: str) -> None:
    """Refuse every call to `fn` in differentiated code, saying why and what to do; for a
    class, every call to a method of its instances (scipy.stats' frozen distributions)."""
    if isinstance(fn, type):
        _refused_classes[fn] = (why, fix)
    else:
        _primitive(fn, None).refusal = (why, fix)


def primitive(fn: Callable) -> Callable:
    """Mark `fn` as opaque: the compiler calls it as it is and uses its `defvjp` rules."""
    _primitive(fn, None)
    return fn


def all_primitives() -> list[Primitive]:
    optional.load(everything=True)
    return sorted(_registry.values(), key=lambda p: p.name)


def canonical_name(fn) -> str:
    """How generated code spells `fn`: `np.sin`, `np.linalg.inv`, `rt.unbroadcast`, `abs`."""
    for prefix, module in (("np", np), ("np.linalg", np.linalg), ("np.random", np.random),
                           ("np.fft", np.fft), *_scipy_modules()):
        for attr in (getattr(fn, "__name__", None),):
            # vars, not getattr: NumPy 1.24's `np.bool` (for the builtin) warns of a change
            if attr and vars(module).get(attr) is fn:
                return f"{prefix}.{attr}"
    if isinstance(getattr(fn, "__self__", None), np.ufunc):    # np.logaddexp.reduce
        return f"np.{fn.__self__.__name__}.{fn.__name__}"
    if isinstance(fn, types.MethodType):           # stats.norm.ppf: where its object is public
        owner = _public_name(fn.__self__)
        if owner:
            return f"{owner}.{fn.__name__}"
    module = getattr(fn, "__module__", None) or ""
    if module == "astgrad.runtime" or module.startswith("astgrad.runtime."):
        return f"rt.{fn.__name__}"
    if module == "builtins":
        return fn.__name__
    if module == "_operator" or module == "operator":
        return f"operator.{fn.__name__}"
    if module == "math":
        return f"math.{fn.__name__}"
    for attr, value in vars(np).items():   # aliases such as np.absolute / np.abs
        if value is fn and not attr.startswith("_"):
            return f"np.{attr}"
    return getattr(fn, "__name__", "fn")


def _scipy_modules():
    """SciPy's modules users call into, those already imported (never imported here)."""
    for name in ("special", "linalg", "stats", "signal"):
        module = sys.modules.get(f"scipy.{name}")
        if module is not None:
            yield f"scipy.{name}", module


def _public_name(obj) -> str | None:
    """`scipy.stats.norm` for the object scipy.stats calls `norm`: the first package on the
    way to the module of its class that holds it under a public name."""
    parts = getattr(type(obj), "__module__", "").split(".")
    for i in range(1, len(parts) + 1):
        module = sys.modules.get(".".join(parts[:i]))
        for attr, value in vars(module).items() if module is not None else ():
            if value is obj and not attr.startswith("_"):
                return f"{module.__name__}.{attr}"
    return None


def _parameter_names(fn) -> list[str] | None:
    try:
        return list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return None
