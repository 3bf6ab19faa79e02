"""Derivative-only logs: NumPy's log of a Python float written with `math` (~50 ns where
NumPy takes ~300-1000 ns, and the arithmetic after it on Python floats, not NumPy's
scalars), where only derivatives read it.

    before (grad, x a float)            after
    _4 = np.log(x)                      _4 = math.log(x) if x > 0.0 and x != 1.0 else np.log(x)
    b3 = 1.0 / _4                       b3 = 1.0 / _4
    bx = -_3 / _4 ** 2 / x              bx = -_3 / (_4 * _4) / x
    return float(bx + b3 * 2 * x)       return float(bx + b3 * 2 * x)

`math.log` may differ from NumPy's by 1 ulp (`scalar_math.ROUNDED`), so unlike
`fast_scalars` this changes values by rounding; it is done only where that rounding reaches
derivatives alone. There, too, the log's square is a product: `_4 ** 2` of a float is
libm's `pow`, which is off by 1 ulp for ~0.1% of arguments (NumPy's scalar `**` likewise)
where `_4 * _4` is correctly rounded, and three times as fast; on NumPy's side of the
guard (nan, -inf, 0.0) the two are the same, with no warning, and a log is never large
enough for either to overflow. Output guarantees:

* every top-level statement that reads the log, or a Python float made from it, assigns an
  adjoint or returns (the function's value, branch tests, indices and shapes never see it;
  a nested function reading one, such as a vjp's pullback, leaves the log NumPy's);
* the guard sends x <= 0, nan and x = 1 to NumPy: nan, -inf and 0.0 with NumPy's warnings
  and arithmetic, as before. Elsewhere the log is finite or inf and never 0, so Python's
  arithmetic on what is made from it raises nothing NumPy would not: a `/` divides by the
  log, a power of it, its argument (> 0 where the log is `math`'s) or a nonzero constant;
  `**` is the log to a power 1..4; the rest is `+`, `-`, `*`, unary minus and `float`.
  Where an operand is a NumPy number, NumPy computes as before.

What it gives up: NumPy's overflow and invalid-value warnings in that `+ - *` arithmetic on
derivatives (the values, inf and nan, are the same).
"""
from __future__ import annotations

import ast
import copy

from ..kinds import Kind, expr_kind
from ..resolve import Namespace
from ..scalar_math import ROUNDED, spell

# The classes of an expression: untouched by the logs; made from them but computed by
# NumPy (a float64, as before up to rounding); a Python float made from them; a Python
# float that is never 0 (the log, a power of it).
_BEFORE, _NUMPY, _PYTHON, _NONZERO = "before", "numpy", "python", "nonzero"
_MADE = (_PYTHON, _NONZERO)
_FLOAT64 = Kind(0, "f", False, 8)


def use_math_log(fn: ast.FunctionDef, ns: Namespace, kinds: dict[str, Kind],
                 adjoints: set[str]) -> bool:
    """Rewrite, in place, each `L = np.log(x)` the module docstring allows; True if any.
    The logs are taken in order, each kept only if it and those taken before pass."""
    taken: dict[str, str] = {}
    for stmt in fn.body:
        site = _site(stmt, ns, kinds)
        if site is None or set(taken.values()) - {site[1]}:
            continue                        # one argument: the guard every `/ x` leans on
        if _derivative_only(fn, {**taken, site[0]: site[1]}, ns, kinds, adjoints):
            taken[site[0]] = site[1]
    for stmt in fn.body:
        if isinstance(stmt, ast.Assign) and _target(stmt) in taken:
            stmt.value = spell(stmt.value, ns)
        elif taken:
            _Squares(set(taken)).visit(stmt)
    return bool(taken)


class _Squares(ast.NodeTransformer):
    """`L ** 2` -> `L * L` for each log `L` taken (read by derivatives alone)."""

    def __init__(self, logs: set[str]):
        self.logs = logs

    def visit_BinOp(self, node: ast.BinOp) -> ast.BinOp:
        self.generic_visit(node)
        if isinstance(node.op, ast.Pow) and isinstance(node.left, ast.Name) \
                and node.left.id in self.logs and isinstance(node.right, ast.Constant) \
                and type(node.right.value) is int and node.right.value == 2:
            return ast.BinOp(node.left, ast.Mult(), ast.Name(node.left.id, ast.Load()))
        return node


def _site(stmt, ns, kinds) -> tuple[str, str] | None:
    """(L, x) for `L = np.log(x)`, x a name of kind Python float."""
    if not (isinstance(stmt, ast.Assign) and _target(stmt) is not None):
        return None
    call = stmt.value
    if not (isinstance(call, ast.Call) and len(call.args) == 1 and not call.keywords
            and isinstance(call.args[0], ast.Name) and ns.value(call.func) in ROUNDED):
        return None
    kind = kinds.get(call.args[0].id)
    if kind is None or not (kind.py and kind.dtype == "f" and kind.ndim == 0):
        return None
    return _target(stmt), call.args[0].id


def _target(stmt) -> str | None:
    if len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
        return stmt.targets[0].id
    return None


def _derivative_only(fn, logs: dict[str, str], ns, kinds, adjoints) -> bool:
    """Do the logs `logs` (name -> argument), as Python floats, reach only adjoints,
    through arithmetic that raises nothing NumPy's would not?"""
    assigned = [n.id for n in ast.walk(fn) if isinstance(n, ast.Name)
                and isinstance(n.ctx, ast.Store)] + [a.arg for a in fn.args.args]
    if any(assigned.count(name) != 1 for name in {*logs, *logs.values()}):
        return False                        # each log, and its argument, has one value
    walk = _Walk(ns, kinds, set(logs.values()))
    for stmt in fn.body:
        if isinstance(stmt, ast.Assign) and _target(stmt) in logs:
            walk.classes[_target(stmt)] = _NONZERO
            continue
        read = {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name)
                and isinstance(n.ctx, ast.Load) and walk.classes.get(n.id) in _MADE}
        if isinstance(stmt, ast.Assign) and _target(stmt) is not None:
            if read and _target(stmt) not in adjoints:
                return False
            made = walk.of(stmt.value) if read else _BEFORE
            if made is None:
                return False
            walk.classes[_target(stmt)] = made
        elif read and not (isinstance(stmt, ast.Return) and read <= adjoints
                           and walk.of(stmt.value) is not None):
            return False
        elif not read and any(isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
                              and walk.classes.get(n.id) in _MADE for n in ast.walk(stmt)):
            return False                    # written otherwise (by index, in a loop)
    return True


class _Walk:
    """The class of each expression, given the classes of the names made so far."""

    def __init__(self, ns, kinds, arguments: set[str]):
        self.ns, self.kinds, self.arguments = ns, kinds, arguments
        self.classes: dict[str, str] = {}

    def of(self, node) -> str | None:
        """The class of `node`, or None where Python's arithmetic might raise."""
        if not any(isinstance(n, ast.Name) and self.classes.get(n.id) in _MADE
                   for n in ast.walk(node)):
            return _NUMPY if any(isinstance(n, ast.Name) and self.classes.get(n.id) == _NUMPY
                                 for n in ast.walk(node)) else _BEFORE
        if isinstance(node, ast.Name):
            return self.classes[node.id]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            return self.of(node.operand)
        if isinstance(node, ast.Call) and self.ns.value(node.func) is float \
                and len(node.args) == 1 and not node.keywords:
            inner = self.of(node.args[0])
            return _PYTHON if inner in _MADE else inner
        if isinstance(node, ast.Tuple):
            parts = [self.of(e) for e in node.elts]
            return None if None in parts else _PYTHON
        if isinstance(node, ast.BinOp):
            return self._binary(node)
        return None

    def _binary(self, node: ast.BinOp) -> str | None:
        left, right = self.of(node.left), self.of(node.right)
        if left is None or right is None:
            return None
        if left not in _MADE and right not in _MADE:
            return _NUMPY                                   # a float64 met a float64
        if left not in _MADE or right not in _MADE:         # a Python float meets `other`
            other, known = (node.right, right) if left in _MADE else (node.left, left)
            kind = expr_kind(_unspelled(other, self.ns), self.kinds, self.ns)
            if known == _NUMPY or kind == _FLOAT64:
                return _NUMPY                               # NumPy computes it, as before
            if not _python_number(kind):
                return None
        if isinstance(node.op, (ast.Add, ast.Sub, ast.Mult)):
            return _PYTHON
        if isinstance(node.op, ast.Div):
            return _PYTHON if self._nonzero(node.right, right) else None
        if isinstance(node.op, ast.Pow) and left == _NONZERO \
                and isinstance(node.right, ast.Constant) and type(node.right.value) is int \
                and 1 <= node.right.value <= 4:
            return _NONZERO
        return None

    def _nonzero(self, divisor, made: str) -> bool:
        """Is `divisor` never 0 where an operand is a Python float made from a log?"""
        if made == _NONZERO:
            return True
        if isinstance(divisor, ast.Name) and divisor.id in self.arguments:
            return True                    # > 0 wherever the log is `math`'s
        return isinstance(divisor, ast.Constant) and type(divisor.value) in (int, float) \
            and divisor.value != 0


def _python_number(kind: Kind) -> bool:
    return bool(kind.py) and kind.ndim == 0 and kind.dtype in ("f", "i", "b")


def _unspelled(node: ast.expr, ns: Namespace) -> ast.expr:
    """`node` with each `scalar_math` spelling (`math.sin(x) if math.isfinite(x) else
    np.sin(x)`) standing as a Python float, which it is where the guard holds (else it is
    NumPy's float64, and NumPy computes)."""
    class Unspell(ast.NodeTransformer):
        def visit_IfExp(self, n):
            spelled = isinstance(n.body, ast.Call) and isinstance(n.orelse, ast.Call) \
                and getattr(ns.value(n.body.func), "__module__", None) == "math"
            return ast.Constant(0.5) if spelled else self.generic_visit(n)
    return Unspell().visit(copy.deepcopy(node))
