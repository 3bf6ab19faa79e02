"""Fast scalar paths: NumPy's sin, cos and sqrt of a Python float written with `math`
(see `scalar_math`: ~50 ns a call where NumPy takes ~150-1000 ns), where nothing can
tell the difference.

    before (x a float)                 after
    _4 = np.log(x)                     _4 = np.log(x)
    b3 = 1.0 / _4                      b3 = 1.0 / _4
    bx = b3 * np.cos(x)                bx = b3 * (math.cos(x) if math.isfinite(x) else np.cos(x))

Output guarantee: the function returns the same values, bit for bit and of the same
types, and raises and warns where it did. `math` gives NumPy's value on its side of the
test, and NumPy takes the rest; what is left is that the value is a Python float where
it was NumPy's float64, and Python's arithmetic on two floats is not NumPy's (`1.0 / 0.0`
raises where NumPy gives inf and a warning). So a call is rewritten only where its value
(and what is made from it) is used in one of these ways:

* as the argument of a NumPy function of one argument, of a `math` function, of `float`;
* as an operand of arithmetic whose other operand is a NumPy value of float64,
  complex128, integers or bools: NumPy computes it as before;
* for sin and cos (|value| <= 1, never inf): added to or subtracted from a Python float.
  The sum is IEEE's, as NumPy's, and can neither overflow nor be inf - inf, so NumPy had
  nothing to warn of; the sum, a Python float, is held to these rules in turn;
* assigned to a name every read of which is one of these.

So `1.0 / _4` keeps `_4 = np.log(x)` NumPy's, and `np.sqrt(x)` whose adjoint divides by
it stays NumPy's (at 0.0 NumPy's inf, where Python would raise). Only calls of a name of
kind Python float are candidates (`Kind.py`: not a 0-d array, not a NumPy scalar).
"""
from __future__ import annotations

import ast
import copy
from dataclasses import dataclass

import numpy as np

from ..kinds import Kind, expr_kind, infer
from ..resolve import Namespace
from ..scalar_math import SPELLINGS, spell
from ..trees import fields, walk

_ARITHMETIC = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow)
_NUMPY_SIZES = {"f": (8,), "c": (16,), "i": (1, 2, 4, 8), "u": (1, 2, 4, 8), "b": (1,)}
# Verdicts: not seen; seen only through an operand another rewrite makes a Python float
# (giving that one back may settle it); seen whatever else is given back.
_UNSEEN, _MAYBE, _ALWAYS = 0, 1, 2


@dataclass
class _Site:
    numpy: ast.Call           # the call as NumPy's
    fast: ast.Call            # the same as `math`'s
    bounded: bool
    place: tuple              # (the node holding it, its field, the index in a list field)
    chosen: bool = False
    refused: bool = False


def use_math(fn: ast.FunctionDef, ns: Namespace, kinds: dict[str, Kind]) -> bool:
    """Rewrite, in place, every call the module docstring allows; True if any.

    Every candidate whose argument is a Python float is taken; then those whose value
    would be seen whatever else is given back are given back to NumPy, or else the
    first seen only because another rewrite made an operand a Python float, until
    none is seen (giving one back can only make another's operands NumPy's, or its
    argument, so the rest are checked again)."""
    sites = _sites(fn, ns, kinds)
    if not sites:
        return False
    params = {a.arg for a in ast.walk(fn) if isinstance(a, ast.arg)}
    start = {name: kind for name, kind in kinds.items() if name in params}
    uses = _Uses(fn, ns, _kinds(fn, ns, start))      # the kinds with nothing rewritten
    while True:
        uses.env = _kinds(fn, ns, start)
        grown = [s for s in sites if not s.chosen and not s.refused
                 and _python_float(expr_kind(s.numpy.args[0], uses.env, ns))]
        for site in grown:
            uses.put(site, site.fast)
        if grown:
            continue
        verdicts = {id(s): _ALWAYS if not _python_float(expr_kind(s.fast.args[0], uses.env, ns))
                    else uses.seen(s.fast, s.bounded) for s in sites if s.chosen}
        worst = max(verdicts.values(), default=_UNSEEN)
        if worst == _UNSEEN:
            break
        for site in sites:
            if site.chosen and verdicts[id(site)] == worst:
                uses.put(site, site.numpy)
                site.refused = True
                if worst == _MAYBE:
                    break
    chosen = [s for s in sites if s.chosen]
    for site in chosen:
        uses.put(site, spell(site.numpy, ns))
    return bool(chosen)


def _sites(fn, ns, kinds) -> list[_Site]:
    """NumPy's sin, cos and sqrt of a name that may be a Python float: one the forward
    values' kinds say is, or one they do not know (an adjoint)."""
    out = []
    for node in walk(fn):
        for field in fields(node):                # (no other field holds a call)
            value = getattr(node, field, None)
            for index, item in enumerate(value) if isinstance(value, list) else [(None, value)]:
                if _candidate(item, ns, kinds):
                    spelling = SPELLINGS[ns.value(item.func)]
                    fast = ast.Call(ns.ref(spelling.math_fn), item.args, [])
                    out.append(_Site(item, fast, spelling.bounded, (node, field, index)))
    return out


def _candidate(node, ns, kinds) -> bool:
    if not (isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords
            and isinstance(node.args[0], ast.Name) and ns.value(node.func) in SPELLINGS):
        return False
    kind = kinds.get(node.args[0].id)
    return kind is None or _python_float(kind)


def _python_float(kind: Kind) -> bool:
    return kind.py and kind.dtype == "f"


def _numpy_number(kind: Kind) -> bool:
    """A NumPy value that meets a Python float as it meets a float64: it keeps NumPy
    computing, and its dtype is not one a float64 would widen (float32 would)."""
    return kind.py is False and kind.itemsize in _NUMPY_SIZES.get(kind.dtype, ())


def _kinds(fn, ns, start) -> dict[str, Kind]:
    """Every name's kind wherever it is read, from the code as it is now (not the kinds
    the forward values had: a value rewritten here is a Python float)."""
    env = infer(fn.body, start, ns, join_all=True)
    for inner in fn.body:
        if isinstance(inner, ast.FunctionDef):
            env = infer(inner.body, env, ns, join_all=True)
    return env


class _Uses:
    """Where each value of the function goes (parents, the reads of each name), and
    the kinds: `env` as the code is now, `before` as it was with nothing rewritten."""

    def __init__(self, fn, ns, before):
        self.ns, self.before, self.env = ns, before, before
        self.parent: dict[int, ast.AST] = {}
        self.reads: dict[str, list[ast.Name]] = {}
        self.writes: dict[str, int] = {}
        for node in ast.walk(fn):
            for child in ast.iter_child_nodes(node):
                self.parent[id(child)] = node
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                self.reads.setdefault(node.id, []).append(node)
            elif isinstance(node, ast.Name):
                self.writes[node.id] = self.writes.get(node.id, 0) + 1
            elif isinstance(node, ast.arg):
                self.writes[node.arg] = self.writes.get(node.arg, 0) + 1
            if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
                self.reads.setdefault(node.target.id, []).append(node.target)  # read too
        self.checking: dict[str, bool] = {}
        self.numpy_of: dict[int, ast.Call] = {}     # a chosen site's `math` call -> NumPy's

    def put(self, site: _Site, new: ast.expr) -> None:
        """`new` where the site's call is (its NumPy call, its `math` call, the spelling)."""
        node, field, index = site.place
        if index is None:
            setattr(node, field, new)
        else:
            getattr(node, field)[index] = new
        self.parent[id(new)] = node
        site.chosen = new is site.fast
        if site.chosen:
            self.numpy_of[id(site.fast)] = site.numpy
        else:
            self.numpy_of.pop(id(site.fast), None)

    def seen(self, node: ast.expr, bounded: bool) -> int:
        """Would the Python float at `node`, in place of a float64, be seen (a verdict)?"""
        self.checking = {}
        return self._seen(node, bounded, False)

    def _seen(self, node, bounded, through) -> int:
        parent = self.parent.get(id(node))
        if isinstance(parent, ast.Call):
            absorbed = any(a is node for a in parent.args) and self._absorbs(parent)
            return _UNSEEN if absorbed else self._verdict(through)
        if isinstance(parent, ast.UnaryOp) and isinstance(parent.op, (ast.USub, ast.UAdd)):
            return self._seen(parent, bounded, through)
        if isinstance(parent, ast.BinOp) and isinstance(parent.op, _ARITHMETIC):
            other = parent.right if parent.left is node else parent.left
            kind = expr_kind(other, self.env, self.ns)
            if _numpy_number(kind):
                return _UNSEEN
            was = _numpy_number(expr_kind(self._before(other), self.before, self.ns))
            if bounded and isinstance(parent.op, (ast.Add, ast.Sub)) and _python_float(kind):
                return self._seen(parent, False, through or was)
            return self._verdict(through or was)
        if isinstance(parent, ast.IfExp) and parent.test is not node:
            return self._seen(parent, bounded, through)
        if isinstance(parent, ast.Assign) and parent.value is node and len(parent.targets) == 1 \
                and isinstance(parent.targets[0], ast.Name):
            return self._name_seen(parent.targets[0].id, bounded, through)
        return self._verdict(through)

    def _before(self, node: ast.expr) -> ast.expr:
        """`node` as it was with nothing rewritten (a copy where it differs)."""
        if id(node) in self.numpy_of:
            return self.numpy_of[id(node)]
        if not any(id(n) in self.numpy_of for n in ast.walk(node)):
            return node
        new = copy.copy(node)
        for field, value in ast.iter_fields(node):
            if isinstance(value, ast.AST):
                setattr(new, field, self._before(value))
            elif isinstance(value, list):
                setattr(new, field, [self._before(v) if isinstance(v, ast.AST) else v
                                     for v in value])
        return new

    @staticmethod
    def _verdict(through: bool) -> int:
        return _MAYBE if through else _ALWAYS

    def _absorbs(self, call: ast.Call) -> bool:
        """Does `call` treat a Python float argument as it treats a float64?"""
        fn = self.ns.value(call.func)
        if fn is float or getattr(fn, "__module__", None) == "math":
            return True
        return isinstance(fn, np.ufunc) and fn.nin == 1 and len(call.args) == 1 \
            and not call.keywords

    def _name_seen(self, name: str, bounded: bool, through: bool) -> int:
        bounded = bounded and self.writes.get(name) == 1
        if name in self.checking and self.checking[name] <= bounded:
            return _UNSEEN   # its reads are checked where it was first met, as strictly
        self.checking[name] = bounded
        worst = _UNSEEN
        for read in self.reads.get(name, ()):
            worst = max(worst, self._seen(read, bounded, through))
            if worst == _ALWAYS:
                break
        return worst
