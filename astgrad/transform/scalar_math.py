"""NumPy functions of a Python float spelled with `math`, where `math` gives NumPy's
value bit for bit, and read back as NumPy's when generated code is differentiated again.

    NumPy        math spelling (x a float)
    np.sin(x)    math.sin(x) if math.isfinite(x) else np.sin(x)
    np.cos(x)    math.cos(x) if math.isfinite(x) else np.cos(x)
    np.sqrt(x)   math.sqrt(x) if x >= 0.0 else np.sqrt(x)
    np.log(x)    math.log(x) if x > 0.0 and x != 1.0 else np.log(x)    (ROUNDED: 1 ulp)

The test sends what `math` refuses (`math.sin(inf)` and `math.sqrt(-1.0)` raise
ValueError) to NumPy, which gives nan and its RuntimeWarning as before; nan takes the
NumPy side too. `optimize.fast_scalars` decides where the spelling is used: only where
the Python float it gives, in place of NumPy's float64, changes nothing.

Why these three: on a million random doubles of each of several ranges and on random bit
patterns (`tests/test_scalar_math.py` checks a sample of them, and the special values),
NumPy 2.4 on x86-64 with AVX-512 gives libm's value for sin, cos and sqrt. It does not
for exp (4.6% of arguments in [-10, 10] differ, by 1 ulp), log (0.35% in (0, 2), 1 ulp),
tanh (25-47%, up to 2 ulp), arctan, tan, log1p, expm1, sinh, cosh, the inverse
functions, log2 and log10: NumPy's own SIMD loops round differently from libm, so those
keep NumPy.
"""
from __future__ import annotations

import ast
import copy
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .trees import walk


@dataclass(frozen=True)
class Spelling:
    """How one NumPy function of a float is written with `math`."""

    math_fn: Callable
    test: str          # where `math` gives NumPy's value: "finite" or "not negative"
    bounded: bool      # |value| <= 1, and never inf, where `math` is used


SPELLINGS: dict[Callable, Spelling] = {np.sqrt: Spelling(math.sqrt, "not negative", False)}
# NumPy before 1.25 computes float64 sin and cos with its own AVX-512 loops where the CPU
# has them (1.24: 60% of arguments in [-10, 10] differ from libm by 1 ulp); 1.25 uses libm's.
if np.lib.NumpyVersion(np.__version__) >= "1.25.0":
    SPELLINGS.update({np.sin: Spelling(math.sin, "finite", True),
                      np.cos: Spelling(math.cos, "finite", True)})
# `math` within rounding of NumPy (1 ulp), for values only derivatives read
# (`optimize.derivative_math`): there the log is never 0 (x = 1 takes NumPy).
ROUNDED: dict[Callable, Spelling] = {np.log: Spelling(math.log, "positive, not one", False)}


def spell(call: ast.Call, ns) -> ast.IfExp:
    """`np.sin(x)` (for a name `x`) -> `math.sin(x) if math.isfinite(x) else np.sin(x)`."""
    fn = ns.value(call.func)
    spelling, arg = SPELLINGS.get(fn) or ROUNDED[fn], call.args[0]
    return ast.IfExp(_test(spelling, arg, ns),
                     ast.Call(ns.ref(spelling.math_fn), [copy.deepcopy(arg)], []), call)


def _test(spelling: Spelling, arg: ast.expr, ns) -> ast.expr:
    if spelling.test == "finite":
        return ast.Call(ns.ref(math.isfinite), [copy.deepcopy(arg)], [])
    if spelling.test == "not negative":
        return ast.Compare(copy.deepcopy(arg), [ast.GtE()], [ast.Constant(0.0)])
    return ast.BoolOp(ast.And(), [ast.Compare(copy.deepcopy(arg), [ast.Gt()], [ast.Constant(0.0)]),
                                  ast.Compare(copy.deepcopy(arg), [ast.NotEq()],
                                              [ast.Constant(1.0)])])


def read_back(tree: ast.AST, ns) -> None:
    """Every spelling `spell` writes becomes the NumPy call it stands for, in place, so
    generated code differentiated again is differentiated as NumPy code; so does one whose
    finiteness test is read from a name (`optimize.scalar_guards`), whose assignment goes
    once nothing reads it, and a spelled log's square written `L * L`
    (`optimize.derivative_math`) is `L ** 2` again."""
    if any(n.__class__ is ast.IfExp for n in walk(tree)):    # (a spelling is one)
        back = _ReadBack(ns, tree)
        back.visit(tree)
        if back.tests:
            _Unread(back.tests, tree).visit(tree)


def spelled(node: ast.AST, ns, tests: dict[str, str] | None = None) -> ast.Call | None:
    """The NumPy call `node` spells, if it is a spelling `spell` writes, or one whose
    finiteness test is a name that `tests` maps to the dump of the argument it tests."""
    if node.__class__ is not ast.IfExp:
        return None
    call = node.orelse
    fn = ns.value(call.func) if _one_argument(call) else None
    spelling = SPELLINGS.get(fn) or ROUNDED.get(fn) if fn is not None else None
    if spelling is None:
        return None
    arg = ast.dump(call.args[0])
    fast = node.body
    if not (_one_argument(fast) and ns.value(fast.func) is spelling.math_fn
            and ast.dump(fast.args[0]) == arg):
        return None
    if spelling.test == "finite" and isinstance(node.test, ast.Name) and tests \
            and tests.get(node.test.id) == arg:
        return call
    return call if _guards(node.test, spelling.test, arg, ns) else None


def finiteness_test(stmt: ast.stmt, ns) -> tuple[str, str] | None:
    """(t, x) for `t = math.isfinite(x)`, x a name."""
    if not (stmt.__class__ is ast.Assign and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name) and _one_argument(stmt.value)
            and isinstance(stmt.value.args[0], ast.Name)
            and ns.value(stmt.value.func) is math.isfinite):
        return None
    return stmt.targets[0].id, stmt.value.args[0].id


class _ReadBack(ast.NodeTransformer):
    def __init__(self, ns, tree):
        self.ns = ns
        once = _bound_once(tree)
        self.tests: dict[str, str] = {}     # t -> x dumped, for `t = math.isfinite(x)`
        self.logs: set[str] = set()         # L, for `L = <a log's spelling>`
        for node in walk(tree):
            test = finiteness_test(node, ns) if node.__class__ is ast.Assign else None
            if test is not None and test[0] in once and test[1] in once:
                self.tests[test[0]] = ast.dump(ast.Name(test[1], ast.Load()))
            elif node.__class__ is ast.Assign and len(node.targets) == 1 \
                    and isinstance(node.targets[0], ast.Name) and node.targets[0].id in once:
                call = spelled(node.value, ns)
                if call is not None and ns.value(call.func) in ROUNDED:
                    self.logs.add(node.targets[0].id)

    def visit_IfExp(self, node):
        self.generic_visit(node)
        return spelled(node, self.ns, self.tests) or node

    def visit_BinOp(self, node):
        self.generic_visit(node)
        if node.op.__class__ is ast.Mult and isinstance(node.left, ast.Name) \
                and isinstance(node.right, ast.Name) and node.left.id == node.right.id \
                and node.left.id in self.logs:
            return ast.BinOp(node.left, ast.Pow(), ast.Constant(2))
        return node


class _Unread(ast.NodeTransformer):
    """Drops `t = math.isfinite(x)` for each `t` of `tests` nothing reads any more."""

    def __init__(self, tests: dict[str, str], tree):
        read = {n.id for n in walk(tree) if n.__class__ is ast.Name
                and n.ctx.__class__ is ast.Load}
        self.unread = set(tests) - read

    def visit_Assign(self, node):
        target = node.targets[0] if len(node.targets) == 1 else None
        return None if isinstance(target, ast.Name) and target.id in self.unread else node


def bindings(tree) -> dict[str, int]:
    """How many times each name is bound anywhere in `tree` (parameters, stores, `del`)."""
    counts: dict[str, int] = {}
    for node in walk(tree):
        name = node.arg if node.__class__ is ast.arg else \
            node.id if node.__class__ is ast.Name and node.ctx.__class__ is not ast.Load \
            else None
        if name is not None:
            counts[name] = counts.get(name, 0) + 1
    return counts


def _bound_once(tree) -> set[str]:
    """The names `tree` binds (a parameter, an assignment, a `del`) exactly once."""
    return {name for name, count in bindings(tree).items() if count == 1}


def _guards(test, kind: str, arg: str, ns) -> bool:
    """Is `test` the guard `spell` writes for `kind` on the argument dumped as `arg`?"""
    if kind == "finite":
        return _one_argument(test) and ns.value(test.func) is math.isfinite \
            and ast.dump(test.args[0]) == arg
    if kind == "not negative":
        return _compares(test, arg, ast.GtE, 0.0)
    return isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And) \
        and len(test.values) == 2 and _compares(test.values[0], arg, ast.Gt, 0.0) \
        and _compares(test.values[1], arg, ast.NotEq, 1.0)


def _compares(test, arg: str, op, value: float) -> bool:
    """Is `test` the comparison `<arg> <op> <value>`?"""
    return isinstance(test, ast.Compare) and len(test.ops) == 1 \
        and isinstance(test.ops[0], op) and ast.dump(test.left) == arg \
        and isinstance(test.comparators[0], ast.Constant) \
        and type(test.comparators[0].value) is float and test.comparators[0].value == value


def _one_argument(node) -> bool:
    return isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords \
        and not isinstance(node.args[0], ast.Starred)
