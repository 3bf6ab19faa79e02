"""Legal points where naive formulas fail: each a call, its arguments and the gradient that
is right there (the limit where there is one; NumPy-based peers' value where not)."""
import warnings
from typing import NamedTuple

import numpy as np

import astgrad as ag

from . import run

INF = np.inf
Z2, Z3 = np.zeros(2), np.zeros(3)


class Special(NamedTuple):
    name: str
    expr: str           # summed: the gradient of np.sum(expr) is checked
    args: tuple
    wrt: tuple
    want: tuple         # the gradient w.r.t. each of wrt
    order: int = 1      # 2: want is the second derivative (one float argument)


S = Special
SPECIALS = [
    # zeros of powers: 0 ** y and x ** 0, at Python floats and arrays
    S("0 ** y wrt y", "a ** b", (0.0, 0.5), (1,), (0.0,)),
    S("0 ** y wrt y, y = 2", "a ** b", (0.0, 2.0), (0, 1), (0.0, 0.0)),
    S("np.power(0, y) wrt y", "np.power(a, b)", (Z2, np.array([0.5, 2.0])), (1,), (Z2,)),
    S("x ** 0 at 0", "a ** 0.0", (0.0,), (0,), (0.0,)),
    S("x ** 0 at 0, int exponent", "a ** 0", (0.0,), (0,), (0.0,)),
    S("np.power(x, 0) at 0", "np.power(a, 0.0)", (Z2,), (0,), (Z2,)),
    S("x ** y at 0, y = 0", "a ** b", (Z2, Z2), (0, 1), (Z2, Z2)),
    S("x ** 0.5 at 0.0", "a ** 0.5", (0.0,), (0,), (INF,)),
    S("np.power(x, 0.5) at 0", "np.power(a, 0.5)", (Z2,), (0,), (np.full(2, INF),)),
    S("np.power(x, 0.5) at 0.0", "np.power(a, 0.5)", (0.0,), (0,), (INF,)),
    S("pow(x, 0.5) at 0.0", "pow(a, 0.5)", (0.0,), (0,), (INF,)),
    S("math.pow(x, 0.5) at 0.0", "math.pow(a, 0.5)", (0.0,), (0,), (INF,)),
    S("x ** 1 at 0", "a ** 1.0", (0.0,), (0,), (1.0,)),
    S("x ** 2 at 0", "a ** 2", (0.0,), (0,), (0.0,)),
    S("x ** 3 at 0, second order", "a ** 3", (0.0,), (0,), (0.0,), 2),
    S("x ** 2.0 at 0, second order", "a ** 2.0", (0.0,), (0,), (2.0,), 2),
    S("sqrt at 0", "np.sqrt(a)", (np.array([0.0, 4.0]),), (0,), (np.array([INF, 0.25]),)),
    S("sqrt masked at 0 (double where)",
      "np.where(a > 0, np.sqrt(np.where(a > 0, a, 1.0)), 0.0)",
      (np.array([0.0, 1.0, 4.0]),), (0,), (np.array([0.0, 0.5, 0.25]),)),
    S("sqrt masked at 0 (one where)", "np.where(a > 0, np.sqrt(a), 0.0)",
      (np.array([0.0, 1.0, 4.0]),), (0,), (np.array([0.0, 0.5, 0.25]),)),
    S("sqrt masked at 0 (the other branch)", "np.where(a <= 0, 0.0, np.sqrt(a) * 2.0)",
      (np.array([0.0, 1.0, 4.0]),), (0,), (np.array([0.0, 1.0, 0.5]),)),
    S("log masked at 0, read twice", "np.where(a > 0, np.log(a) * a, 0.0)",
      (np.array([0.0, 1.0, np.e]),), (0,), (np.array([0.0, 1.0, 2.0]),)),
    S("sqrt masked at 0.0, a float", "np.where(a > 0, np.sqrt(a), 0.0)", (0.0,), (0,), (0.0,)),
    S("sqrt beside its mask at 0", "np.where(a > 0, np.sqrt(a), 0.0) + np.sqrt(a)",
      (np.array([0.0, 4.0]),), (0,), (np.array([INF, 0.5]),)),
    # no limit: the value NumPy-based peers give
    S("abs at 0", "np.abs(a)", (np.array([0.0, 1.0, -2.0]),), (0,), (np.array([0, 1, -1.0]),)),
    S("builtin abs at 0.0", "abs(a)", (0.0,), (0,), (0.0,)),
    S("math.fabs at 0.0", "math.fabs(a)", (0.0,), (0,), (0.0,)),
    S("abs at 0, second order", "abs(a)", (0.0,), (0,), (0.0,), 2),
    # ties share the derivative equally (as central differences see it)
    S("max ties", "np.max(a)", (np.array([1.0, 3.0, 3.0]),), (0,), (np.array([0, .5, .5]),)),
    S("min ties", "np.min(a)", (np.array([1.0, 1.0, 3.0]),), (0,), (np.array([.5, .5, 0]),)),
    S("amax ties on an axis", "np.amax(a, axis=1)", (np.array([[2.0, 2.0], [1.0, 0.0]]),),
      (0,), (np.array([[.5, .5], [1, 0]]),)),
    S("maximum ties", "np.maximum(a, b)", (np.array([1.0, 2.0]), np.array([1.0, 0.0])),
      (0, 1), (np.array([.5, 1]), np.array([.5, 0]))),
    S("minimum ties", "np.minimum(a, b)", (np.array([1.0, 2.0]), np.array([1.0, 0.0])),
      (0, 1), (np.array([.5, 0]), np.array([.5, 1]))),
    S("maximum(x, 0) at 0", "np.maximum(a, 0.0)", (np.array([0.0, 1.0]),), (0,),
      (np.array([.5, 1]),)),
    S("builtin max tie", "max(a, b)", (1.5, 1.5), (0, 1), (0.5, 0.5)),
    S("norm at 0", "np.linalg.norm(a)", (Z3,), (0,), (Z3,)),
    S("norm at 0, ord=2", "np.linalg.norm(a, 2)", (Z3,), (0,), (Z3,)),
    S("norm at 0, ord=3", "np.linalg.norm(a, 3)", (Z3,), (0,), (Z3,)),
    S("norm of a zero row", "np.linalg.norm(a, axis=1)", (np.array([[0.0, 0.0], [3.0, 4.0]]),),
      (0,), (np.array([[0.0, 0.0], [0.6, 0.8]]),)),
    S("Frobenius norm at 0", "np.linalg.norm(a, 'fro')", (np.zeros((2, 2)),), (0,),
      (np.zeros((2, 2)),)),
    S("vector_norm at 0", "np.linalg.vector_norm(a, axis=(0, 1))", (np.zeros((2, 2)),), (0,),
      (np.zeros((2, 2)),)),
    S("matrix_norm at 0", "np.linalg.matrix_norm(a)", (np.zeros((2, 2)),), (0,),
      (np.zeros((2, 2)),)),
    S("norm at 0.0, second order", "np.linalg.norm(np.array([a, 0.0]))", (0.0,), (0,), (0.0,), 2),
    S("hypot at 0", "np.hypot(a, b)", (Z2, Z2), (0, 1), (Z2, Z2)),
    S("ptp ties", "np.ptp(a)", (np.array([1.0, 3.0, 3.0, 1.0]),), (0,),
      (np.array([-.5, .5, .5, -.5]),)),
    S("sort with ties", "np.sort(a) * np.array([1.0, 2.0, 3.0])", (np.array([2.0, 1.0, 2.0]),),
      (0,), (np.array([2.5, 1.0, 2.5]),)),
    # np.clip with a_min > a_max is a_max (NumPy's order of the two)
    S("clip with a_min > a_max", "np.clip(a, b, c)", (np.array([0.0, 2.0]), np.array([
        1.0, 1.0]), np.array([0.5, 0.5])), (0, 1, 2), (Z2, Z2, np.ones(2))),
    # zero variance
    S("std over a length-1 axis", "np.std(a, axis=0)", (np.ones((1, 3)),), (0,),
      (np.zeros((1, 3)),)),
    S("std of a 0-d array", "np.std(a)", (np.array(2.0),), (0,), (np.array(0.0),)),
    S("std of a Python float", "np.std(a)", (2.0,), (0,), (0.0,)),
    S("std of constant data", "np.std(a)", (np.full(3, 0.5),), (0,), (Z3,)),
    S("var of constant data", "np.var(a, axis=1)", (np.ones((2, 3)),), (0,),
      (np.zeros((2, 3)),)),
    S("nanstd of constant data", "np.nanstd(a)", (np.full(3, 0.5),), (0,), (Z3,)),
    # products with zeros
    S("prod with one zero", "np.prod(a)", (np.array([0.0, 2.0, 3.0]),), (0,),
      (np.array([6.0, 0, 0]),)),
    S("prod with two zeros", "np.prod(a)", (np.array([0.0, 2.0, 0.0]),), (0,), (Z3,)),
    S("cumprod with a zero", "np.cumprod(a)", (np.array([2.0, 0.0, 3.0]),), (0,),
      (np.array([1.0, 8.0, 0.0]),)),
    # repeated indices accumulate
    S("fancy index with repeats", "a[[0, 2, 2, 2]] * np.array([1.0, 2.0, 3.0, 4.0])",
      (np.array([0.3, 0.4, 0.5]),), (0,), (np.array([1.0, 0.0, 9.0]),)),
    S("take with repeats", "np.take(a, [1, 1, 0])", (np.array([0.3, 0.4]),), (0,),
      (np.array([1.0, 2.0]),)),
    S("repeated rows", "a[np.array([1, 1]), :]", (np.ones((2, 2)),), (0,),
      (np.array([[0.0, 0], [2, 2]]),)),
]


def check(s: Special) -> tuple[str, str]:
    f = run.function(f"np.sum({s.expr})", len(s.args))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = _got(s, f)
    except ag.AstgradError as exc:
        return "refused", run._first_line(exc)
    except Exception as exc:
        return "crash", f"{type(exc).__name__}: {run._first_line(exc)}"
    for label, g, w in got:
        if np.shape(g) != np.shape(w) or not np.allclose(g, w, rtol=1e-7, atol=1e-12):
            return "wrong", f"{label}: astgrad {g!r}, right {w!r}"
    return "ok", ""


def _got(s, f):
    if s.order == 2:
        return [("second derivative", ag.grad(ag.grad(f))(*s.args), s.want[0])]
    grads = ag.grad(f, wrt=s.wrt)(*s.args)
    out = [(f"d/d{run.NAMES[i]}", g, w) for i, g, w in zip(s.wrt, grads, s.want)]
    ones = tuple(np.ones_like(s.args[i]) if np.ndim(s.args[i]) or not isinstance(
        s.args[i], float) else 1.0 for i in s.wrt)
    _, t = ag.jvp(f, wrt=s.wrt)(*s.args, ones)
    want_t = sum(float(np.sum(w)) for w in s.want)
    return out + [("tangent along ones", float(t), want_t)]


def run_all():
    return [(s.name, *check(s)) for s in SPECIALS]
