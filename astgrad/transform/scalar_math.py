"""NumPy functions of a Python float spelled with `math`, where `math` gives NumPy's
value bit for bit, and read back as NumPy's when generated code is differentiated again.

    NumPy        math spelling (x a float)
    np.sin(x)    math.sin(x) if math.isfinite(x) else np.sin(x)
    np.cos(x)    math.cos(x) if math.isfinite(x) else np.cos(x)
    np.sqrt(x)   math.sqrt(x) if x >= 0.0 else np.sqrt(x)

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


def spell(call: ast.Call, ns) -> ast.IfExp:
    """`np.sin(x)` (for a name `x`) -> `math.sin(x) if math.isfinite(x) else np.sin(x)`."""
    spelling, arg = SPELLINGS[ns.value(call.func)], call.args[0]
    if spelling.test == "finite":
        test = ast.Call(ns.ref(math.isfinite), [copy.deepcopy(arg)], [])
    else:
        test = ast.Compare(copy.deepcopy(arg), [ast.GtE()], [ast.Constant(0.0)])
    return ast.IfExp(test, ast.Call(ns.ref(spelling.math_fn), [copy.deepcopy(arg)], []), call)


def read_back(tree: ast.AST, ns) -> None:
    """Every spelling `spell` writes becomes the NumPy call it stands for, in place, so
    generated code differentiated again is differentiated as NumPy code."""
    _ReadBack(ns).visit(tree)


class _ReadBack(ast.NodeTransformer):
    def __init__(self, ns):
        self.ns = ns

    def visit_IfExp(self, node):
        self.generic_visit(node)
        call = node.orelse
        spelling = SPELLINGS.get(self.ns.value(call.func)) if _one_argument(call) else None
        if spelling is None:
            return node
        arg = ast.dump(call.args[0])
        fast, test = node.body, node.test
        if not (_one_argument(fast) and self.ns.value(fast.func) is spelling.math_fn
                and ast.dump(fast.args[0]) == arg):
            return node
        if spelling.test == "finite":
            ok = _one_argument(test) and self.ns.value(test.func) is math.isfinite \
                and ast.dump(test.args[0]) == arg
        else:
            ok = isinstance(test, ast.Compare) and len(test.ops) == 1 \
                and isinstance(test.ops[0], ast.GtE) and ast.dump(test.left) == arg \
                and isinstance(test.comparators[0], ast.Constant) \
                and test.comparators[0].value == 0.0
        return call if ok else node


def _one_argument(node) -> bool:
    return isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords \
        and not isinstance(node.args[0], ast.Starred)
