"""Every NumPy rule against central finite differences: one table of one-line cases.

Each case is (the function, a user function calling it, its arguments). Inputs
sit inside each function's domain, away from kinks, ties and singular matrices,
and come in several shapes (Python float, 0-d, vector, matrix, broadcasting)
with the `axis`/`keepdims` variants of reductions. A rule without a case fails
`test_every_rule_has_a_case`.
"""
import math
import statistics
from typing import NamedTuple

import numpy as np
import pytest

import astgrad as ag
from astgrad.transform import registry

from tests import test_numpy_rules, test_numpy_rules_more

_r = np.random.default_rng(20261122)


def _u(lo, hi, *shape):
    return _r.uniform(lo, hi, shape)


a = 0.7                                   # a Python float
u = np.array(0.6)                         # a 0-d array
x = np.array([0.31, -0.72, 0.55, -0.18])  # in (-1, 1), no zeros, no ties
y = np.array([-0.44, 0.27, -0.63, 0.86])
p = np.array([0.45, 1.3, 2.2, 0.8])       # positive
q = np.array([1.7, 0.6, 1.1, 2.4])        # positive
big = p + 1.2                             # greater than 1
A = _u(-1, 1, 3, 4)                       # 3x4, no ties
B = _u(-1, 1, 4, 2)
C = _u(-1, 1, 3, 1)                       # broadcasts against x and A
P = _u(0.5, 2.0, 3, 4)                    # positive matrix
T = _u(-1, 1, 2, 3, 4)                    # 3-d
S = _u(-1, 1, 3, 3) + 2.5 * np.diag([1.0, -1.2, 1.4])   # square, well conditioned
S2 = _u(-1, 1, 3, 3) + 2.5 * np.diag([-1.1, 1.0, 1.3])
SB = _u(-1, 1, 2, 3, 3) + 2.5 * np.eye(3)               # a stack of square matrices
_L = np.tril(_u(0.2, 1.0, 3, 3)) + np.diag([1.0, 0.7, 1.3])
SPD = _L @ _L.T                                          # symmetric positive definite
v3 = np.array([0.4, -1.1, 0.7])
w3 = np.array([1.3, 0.2, -0.5])
xnan = np.array([0.31, np.nan, 0.55, -0.18])
xinf = np.array([0.31, np.inf, -np.inf, -0.18])
idx = np.array([2, 0, 2, 3])              # repeats
n = 1                                     # an axis known only at run time
_W = _u(0.5, 1.5, 4)                      # weights to make a vector output scalar


class Case(NamedTuple):
    fn: object            # the function whose rule is checked
    f: object             # a user function that calls it
    args: tuple
    xfail: str | None     # a known gap, at first order and so at second
    xfail2: str | None    # a known gap at second order only


def case(fn, f, *args, xfail=None, xfail2=None):
    return Case(fn, f, args, xfail, xfail2 or xfail)


def _params(cases, order=1):
    def marks(c):
        reason = c.xfail if order == 1 else c.xfail2
        return [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
    return [pytest.param(c.fn, c.f, c.args, marks=marks(c), id=f"{_id(c.fn)}-{i}")
            for i, c in enumerate(cases)]


def _id(fn):
    prim = registry.lookup(fn)
    return prim.name if prim is not None else getattr(fn, "__name__", "?")


def _split_sum(x):
    first, second = np.split(x, 2)
    return np.sum(first * 2.0 + second ** 2)


def _split_uneven(x):
    first, rest = np.split(x, [1])
    return np.sum(first * 2.0) + np.sum(rest ** 2)


def _array_split(M):
    first, second = np.array_split(M, 2, axis=1)
    return np.sum(first * second) + np.sum(second ** 2)


def _hsplit(M):
    left, right = np.hsplit(M, 2)
    return np.sum(left * right)


def _vsplit(M):
    top, bottom = np.vsplit(M, 2)
    return np.sum(top * 3.0 - bottom ** 2)


def _dsplit(M):
    front, back = np.dsplit(M, 2)
    return np.sum(front * back)


def _rows(M):
    rows = list(M)
    return np.sum(rows[0] * rows[2]) + np.stack(rows, axis=1) ** 2


def _slogdet(M):
    sign, logdet = np.linalg.slogdet(M)
    return sign * logdet


CASES = [
    # ---- trigonometric and hyperbolic
    case(np.sin, lambda x: np.sin(x), x),
    case(np.sin, lambda a: np.sin(a), a),
    case(np.cos, lambda x: np.cos(x), x),
    case(np.cos, lambda u: np.cos(u), u),
    case(np.tan, lambda x: np.tan(x), x),
    case(np.arcsin, lambda x: np.arcsin(x), x),
    case(np.arcsin, lambda a: np.arcsin(a), a),
    case(np.arccos, lambda x: np.arccos(x), x),
    case(np.arctan, lambda A: np.arctan(A), A),
    case(np.sinh, lambda x: np.sinh(x), x),
    case(np.cosh, lambda A: np.cosh(A), A),
    case(np.tanh, lambda x: np.tanh(x), x),
    case(np.arcsinh, lambda x: np.arcsinh(x), x),
    case(np.arccosh, lambda big: np.arccosh(big), big),
    case(np.arctanh, lambda x: np.arctanh(x), x),
    case(np.deg2rad, lambda x: np.deg2rad(x), x),
    case(np.radians, lambda a: np.radians(a), a),
    case(np.rad2deg, lambda x: np.rad2deg(x), x),
    case(np.degrees, lambda u: np.degrees(u), u),
    case(np.sinc, lambda x: np.sinc(x), x),
    case(np.sinc, lambda x: np.sinc(x * np.array([1.0, 0.0, 1.0, 1.0])), x),
    case(np.arctan2, lambda x, y: np.arctan2(x, y), x, y),
    case(np.arctan2, lambda C, x: np.arctan2(C, x), C, x),
    case(np.hypot, lambda x, y: np.hypot(x, y), x, y),
    case(np.hypot, lambda a, A: np.hypot(a, A), a, A),
    # ---- exponents and logarithms
    case(np.exp, lambda x: np.exp(x), x),
    case(np.exp, lambda a: np.exp(a), a),
    case(np.exp2, lambda x: np.exp2(x), x),
    case(np.expm1, lambda A: np.expm1(A), A),
    case(np.log, lambda p: np.log(p), p),
    case(np.log, lambda P: np.log(P), P),
    case(np.log2, lambda p: np.log2(p), p),
    case(np.log10, lambda u: np.log10(u), u),
    case(np.log1p, lambda x: np.log1p(x), x),
    case(np.sqrt, lambda p: np.sqrt(p), p),
    case(np.sqrt, lambda a: np.sqrt(a), a),
    case(np.cbrt, lambda x: np.cbrt(x), x),
    case(np.square, lambda A: np.square(A), A),
    case(np.reciprocal, lambda x: np.reciprocal(x), x),
    case(np.power, lambda p, x: np.power(p, x), p, x),
    case(np.power, lambda P, a: np.power(P, a), P, a),
    case(np.power, lambda p, C: np.power(p, C), p, C),
    case(np.float_power, lambda p, y: np.float_power(p, y), p, y),
    case(np.logaddexp, lambda x, y: np.logaddexp(x, y), x, y),
    case(np.logaddexp, lambda C, x: np.logaddexp(C, x), C, x),
    case(np.logaddexp2, lambda x, a: np.logaddexp2(x, a), x, a),
    # ---- arithmetic as functions
    case(np.add, lambda x, y: np.add(x, y), x, y),
    case(np.add, lambda C, x: np.add(C, x), C, x),
    case(np.subtract, lambda x, A: np.subtract(x, A), x, A),
    case(np.multiply, lambda x, y: np.multiply(x, y), x, y),
    case(np.multiply, lambda u, A: np.multiply(u, A), u, A),
    case(np.true_divide, lambda x, q: np.true_divide(x, q), x, q),
    case(np.true_divide, lambda a, C: np.divide(a, C), a, C),
    case(np.negative, lambda x: np.negative(x), x),
    case(np.positive, lambda A: np.positive(A), A),
    case(np.conjugate, lambda x: np.conj(x), x),
    case(np.remainder, lambda p, q: np.mod(p * 3.1, q), p, q),
    case(np.remainder, lambda x, a: np.remainder(x, a), x, a),
    case(np.fmod, lambda x, q: np.fmod(x * 3.1, q), x, q),
    case(np.copysign, lambda x, y: np.copysign(x, y), x, y),
    # ---- absolute value and extremes
    case(np.abs, lambda x: np.abs(x), x),
    case(np.abs, lambda a: np.absolute(-a), a),
    case(np.fabs, lambda A: np.fabs(A), A),
    case(np.maximum, lambda x, y: np.maximum(x, y), x, y),
    case(np.maximum, lambda C, x: np.maximum(C, x), C, x),
    case(np.minimum, lambda x, y: np.minimum(x, y), x, y),
    case(np.minimum, lambda A, a: np.minimum(A, a * 0.1), A, a),
    case(np.fmax, lambda x, y: np.fmax(x, y), x, y),
    case(np.fmin, lambda x, C: np.fmin(x, C), x, C),
    case(np.clip, lambda x: np.clip(x, -0.5, 0.5), x),
    case(np.clip, lambda A: np.clip(A, None, 0.2), A),
    case(np.clip, lambda A: A.clip(-0.3, 0.4), A),
    case(np.clip, lambda x, y, q: np.clip(x, y, q), x, y, q),
    case(np.clip, lambda A, C, a: np.clip(A, C, a), A, C, a),
    case(np.nan_to_num, lambda x: np.nan_to_num(x), x),
    case(np.nan_to_num, lambda xnan, a: np.nan_to_num(xnan, nan=a), xnan, a),
    case(np.nan_to_num, lambda a: np.nan_to_num(xinf, posinf=a, neginf=-2.0 * a), a),
    case(np.where, lambda x, y: np.where(x > 0, x, y), x, y),
    case(np.where, lambda A, a: np.where(A > 0, A ** 2, a), A, a),
    # ---- Python builtins
    case(abs, lambda x: abs(x), x),
    case(abs, lambda a: abs(-a) * 2.0, a),
    case(float, lambda u: float(u) * 3.0, u),
    case(max, lambda a: max(a, 0.2) * max(0.1, a), a),
    case(min, lambda a: min(a, 0.9) * min(0.95, a), a),
    case(list, _rows, A),
    case(tuple, lambda A: np.sum(tuple(A)[1] * tuple(A)[0] ** 2), A),
    # ---- sums and means
    case(np.sum, lambda A: np.sum(A), A),
    case(np.sum, lambda A: np.sum(A, axis=0), A),
    case(np.sum, lambda A: np.sum(A, 1, keepdims=True), A),
    case(np.sum, lambda T: np.sum(T, axis=(0, 2)), T),
    case(np.sum, lambda T: T.sum(axis=-1), T),
    case(np.sum, lambda u: np.sum(u), u),
    case(np.sum, lambda A, n: np.sum(A, axis=n) * np.sum(A, n, keepdims=True), A, n),
    case(np.mean, lambda A: np.mean(A), A),
    case(np.mean, lambda A: np.mean(A, axis=1), A),
    case(np.mean, lambda T: np.mean(T, axis=(1, 2), keepdims=True), T),
    case(np.mean, lambda x: x.mean(), x),
    case(np.mean, lambda T, n: np.mean(T, n), T, n),
    case(np.nansum, lambda xnan: np.nansum(xnan), xnan),
    case(np.nansum, lambda A: np.nansum(A, axis=0, keepdims=True), A),
    case(np.nanmean, lambda xnan: np.nanmean(xnan), xnan),
    case(np.nanmean, lambda A: np.nanmean(A, axis=1), A),
    case(np.average, lambda A: np.average(A), A),
    case(np.average, lambda A: np.average(A, axis=0), A),
    case(np.average, lambda x, p: np.average(x, weights=p), x, p),
    case(np.average, lambda A, P: np.average(A, axis=1, weights=P), A, P),
    case(np.average, lambda A, P: np.average(A, 0, P, keepdims=True), A, P),
    # ---- products, running sums, differences
    case(np.prod, lambda x: np.prod(x), x),
    case(np.prod, lambda A: np.prod(A, axis=0), A),
    case(np.prod, lambda T: np.prod(T, axis=2, keepdims=True), T),
    case(np.prod, lambda A: A.prod(1), A),
    case(np.cumsum, lambda x: np.cumsum(x), x),
    case(np.cumsum, lambda A: np.cumsum(A), A),
    case(np.cumsum, lambda A: np.cumsum(A, axis=1), A),
    case(np.cumsum, lambda T: T.cumsum(0), T),
    case(np.cumsum, lambda A, n: np.cumsum(A, n), A, n),
    case(np.cumprod, lambda x: np.cumprod(x), x),
    case(np.cumprod, lambda A: np.cumprod(A, axis=0), A),
    case(np.cumprod, lambda A: np.cumprod(A), A),
    case(np.diff, lambda x: np.diff(x), x),
    case(np.diff, lambda A: np.diff(A, axis=0), A),
    case(np.diff, lambda T: np.diff(T, 2), T),
    # ---- extremes (no ties: see test_ties_split_the_adjoint)
    case(np.max, lambda x: np.max(x), x),
    case(np.max, lambda A: np.max(A, axis=0), A),
    case(np.max, lambda A: A.max(axis=1, keepdims=True), A),
    case(np.max, lambda T: np.max(T, axis=(0, 2)), T),
    case(np.max, lambda u: np.max(u), u),
    case(np.max, lambda A, n: np.max(A, n) ** 2, A, n),
    case(np.min, lambda x: np.min(x), x),
    case(np.min, lambda A: A.min(0), A),
    case(np.min, lambda A: np.min(A, keepdims=True), A),
    case(np.amax, lambda A: np.amax(A, 1), A),
    case(np.amin, lambda A: np.amin(A), A),
    case(np.nanmax, lambda xnan: np.nanmax(xnan), xnan),
    case(np.nanmax, lambda A: np.nanmax(A, axis=0), A),
    case(np.nanmin, lambda A: np.nanmin(A, axis=1), A),
    case(np.ptp, lambda x: np.ptp(x), x),
    case(np.ptp, lambda A: np.ptp(A, axis=1, keepdims=True), A),
    # ---- spread
    case(np.var, lambda x: np.var(x), x),
    case(np.var, lambda A: np.var(A, axis=0), A),
    case(np.var, lambda A: np.var(A, axis=1, ddof=1, keepdims=True), A),
    case(np.var, lambda T: T.var(axis=(0, 1)), T),
    case(np.var, lambda A, n: np.var(A, n, ddof=n), A, n),
    case(np.std, lambda x: np.std(x), x),
    case(np.std, lambda A: np.std(A, axis=1, ddof=1), A),
    case(np.std, lambda A: A.std(0, keepdims=True), A),
    case(np.std, lambda T: np.std(T), T),
    # ---- norms
    case(np.linalg.norm, lambda x: np.linalg.norm(x), x),
    case(np.linalg.norm, lambda x: np.linalg.norm(x, 1), x),
    case(np.linalg.norm, lambda x: np.linalg.norm(x, 2), x),
    case(np.linalg.norm, lambda x: np.linalg.norm(x, np.inf), x),
    case(np.linalg.norm, lambda x: np.linalg.norm(x, -np.inf), x),
    case(np.linalg.norm, lambda x: np.linalg.norm(x, 3), x),
    case(np.linalg.norm, lambda x: np.linalg.norm(x, 0.5), x),
    case(np.linalg.norm, lambda x: np.linalg.norm(x, 0), x),
    case(np.linalg.norm, lambda A: np.linalg.norm(A), A),
    case(np.linalg.norm, lambda A: np.linalg.norm(A, "fro"), A),
    case(np.linalg.norm, lambda A: np.linalg.norm(A, 1), A),
    case(np.linalg.norm, lambda A: np.linalg.norm(A, -1), A),
    case(np.linalg.norm, lambda A: np.linalg.norm(A, np.inf), A),
    case(np.linalg.norm, lambda A: np.linalg.norm(A, -np.inf), A),
    case(np.linalg.norm, lambda A: np.linalg.norm(A, 2), A),
    case(np.linalg.norm, lambda A: np.linalg.norm(A, -2), A),
    case(np.linalg.norm, lambda A: np.linalg.norm(A, "nuc"), A),
    case(np.linalg.norm, lambda A: np.linalg.norm(A, 2, keepdims=True), A),
    case(np.linalg.norm, lambda A: np.linalg.norm(A, axis=1), A),
    case(np.linalg.norm, lambda A: np.linalg.norm(A, 1, axis=0, keepdims=True), A),
    case(np.linalg.norm, lambda A: np.linalg.norm(A, np.inf, axis=1), A),
    case(np.linalg.norm, lambda T: np.linalg.norm(T, axis=(0, 2)), T),
    case(np.linalg.norm, lambda T: np.linalg.norm(T), T),
    case(np.linalg.norm, lambda A, n: np.linalg.norm(A, axis=n), A, n),
    case(np.linalg.norm, lambda T: np.linalg.norm(T, 2, axis=(1, 2)), T),
    case(np.linalg.norm, lambda T: np.linalg.norm(T, 1, axis=(0, 1)), T),
    *([case(np.linalg.matrix_norm, lambda T: np.linalg.matrix_norm(T, ord="nuc"), T),
       case(np.linalg.vector_norm, lambda T: np.linalg.vector_norm(T, axis=1, ord=3), T)]
      if hasattr(np.linalg, "vector_norm") else []),
    # ---- traces
    case(np.trace, lambda A: np.trace(A), A),
    case(np.trace, lambda A: np.trace(A, 1), A),
    case(np.trace, lambda S: S.trace(), S),
    case(np.trace, lambda T: np.trace(T, 0, 1, 2), T),
    # ---- shapes and axes
    case(np.reshape, lambda A: np.reshape(A, (2, 6)), A),
    case(np.reshape, lambda A: A.reshape(4, 3), A),
    case(np.ravel, lambda A: np.ravel(A), A),
    case(np.expand_dims, lambda x: np.expand_dims(x, 0), x),
    case(np.squeeze, lambda C: np.squeeze(C), C),
    case(np.broadcast_to, lambda C: np.broadcast_to(C, (2, 3, 4)), C),
    case(np.broadcast_to, lambda a: np.broadcast_to(a, (3,)), a),
    case(np.copy, lambda A: np.copy(A) * A, A),
    case(np.full_like, lambda A, a: np.full_like(A, a), A, a),
    case(np.full, lambda a: np.full((2, 3), a), a),
    case(np.full, lambda x: np.full((3, 4), x), x),
    case(np.arange, lambda x: x * np.arange(4), x),
    case(np.arange, lambda a: np.arange(a, 4.0) ** 2, a),
    case(np.arange, lambda a: np.arange(-1.0, 2.2, a) ** 2, a),
    case(np.linspace, lambda x: x * np.linspace(0.0, 1.0, 4), x),
    case(np.linspace, lambda a: np.linspace(a, 2.0, 5) ** 2, a),
    case(np.linspace, lambda a, u: np.linspace(a, u, 4, endpoint=False) ** 2, a, u),
    case(np.transpose, lambda A: np.transpose(A), A),
    case(np.transpose, lambda T: np.transpose(T, (2, 0, 1)), T),
    case(np.transpose, lambda A: A.T, A),
    case(np.swapaxes, lambda T: np.swapaxes(T, 0, 2), T),
    case(np.moveaxis, lambda T: np.moveaxis(T, 0, -1), T),
    case(np.moveaxis, lambda T: np.moveaxis(T, (0, 1), (2, 0)), T),
    case(np.flip, lambda x: np.flip(x), x),
    case(np.flip, lambda T: np.flip(T, axis=(0, 2)), T),
    case(np.fliplr, lambda A: np.fliplr(A), A),
    case(np.flipud, lambda A: np.flipud(A), A),
    case(np.roll, lambda x: np.roll(x, 1), x),
    case(np.roll, lambda A: np.roll(A, -2, axis=1), A),
    case(np.roll, lambda T: np.roll(T, (1, 2), axis=(0, 2)), T),
    case(np.rot90, lambda A: np.rot90(A), A),
    case(np.rot90, lambda T: np.rot90(T, 3, axes=(1, 2)), T),
    # ---- triangles and diagonals
    case(np.triu, lambda S: np.triu(S), S),
    case(np.triu, lambda A: np.triu(A, 1), A),
    case(np.tril, lambda A: np.tril(A, -1), A),
    case(np.tril, lambda SB: np.tril(SB), SB),
    case(np.diagonal, lambda A: np.diagonal(A), A),
    case(np.diagonal, lambda T: np.diagonal(T, 1, 1, 2), T),
    case(np.diagonal, lambda S: S.diagonal(-1), S),
    case(np.diag, lambda x: np.diag(x), x),
    case(np.diag, lambda x: np.diag(x, -1), x),
    case(np.diag, lambda A: np.diag(A, 1), A),
    # ---- copies and picks
    case(np.repeat, lambda x: np.repeat(x, 2), x),
    case(np.repeat, lambda A: np.repeat(A, 3, axis=1), A),
    case(np.repeat, lambda A: np.repeat(A, [1, 0, 2], axis=0), A),
    case(np.repeat, lambda A: A.repeat(2), A),
    case(np.repeat, lambda A, n: np.repeat(A, 2, n), A, n),
    case(np.tile, lambda x: np.tile(x, 3), x),
    case(np.tile, lambda A: np.tile(A, (2, 1, 2)), A),
    case(np.pad, lambda x: np.pad(x, 2), x),
    case(np.pad, lambda A: np.pad(A, ((1, 0), (2, 3))), A),
    case(np.pad, lambda A, a: np.pad(A, 1, constant_values=a), A, a),
    case(np.take, lambda x: np.take(x, idx), x),
    case(np.take, lambda A: np.take(A, idx, axis=1), A),
    case(np.take, lambda A: A.take([5, 5, 0]), A),
    case(np.take, lambda x: np.take(x, 2), x),
    case(np.take_along_axis, lambda A: np.take_along_axis(A, np.argsort(A, axis=1), 1), A),
    case(np.take_along_axis, lambda A: np.take_along_axis(A, np.array([[0, 0, 2, 1]]), 0), A),
    case(np.sort, lambda x: np.sort(x) * _W, x),
    case(np.sort, lambda A: np.sort(A, axis=0), A),
    case(np.sort, lambda A: np.sort(A, axis=None), A),
    case(np.sort, lambda T: np.sort(T), T),
    case(np.sort, lambda A, n: np.sort(A, n - 1), A, n),
    # ---- lists of arrays in and out
    case(np.stack, lambda x, y: np.stack([x, y]), x, y),
    case(np.stack, lambda x, y: np.stack([x, y * 2.0, x], axis=1), x, y),
    case(np.concatenate, lambda x, y: np.concatenate([x, y]), x, y),
    case(np.concatenate, lambda A, C: np.concatenate((A, C), axis=1), A, C),
    case(np.vstack, lambda x, A: np.vstack([x, A]), x, A),
    case(np.hstack, lambda x, y: np.hstack([x, y, x]), x, y),
    case(np.hstack, lambda A, C: np.hstack([C, A]), A, C),
    case(np.dstack, lambda A, C: np.dstack([A, A * C]), A, C),
    case(np.column_stack, lambda x, y: np.column_stack([x, y]), x, y),
    case(np.column_stack, lambda x, B: np.column_stack([B, x]), x, B),
    case(np.append, lambda x, a: np.append(x, a), x, a),
    case(np.append, lambda A, x: np.append(A, x[None, :], axis=0), A, x),
    case(np.array, lambda a, x: np.array([a, x[0] * 2.0]), a, x),
    case(np.asarray, lambda x: np.asarray(x) * x, x),
    case(np.split, _split_sum, x),
    case(np.split, _split_uneven, x),
    case(np.array_split, _array_split, A),
    case(np.hsplit, _hsplit, A),
    case(np.vsplit, _vsplit, T[0, :2]),
    case(np.dsplit, _dsplit, T),
    # ---- products
    case(np.matmul, lambda A, B: np.matmul(A, B), A, B),
    case(np.matmul, lambda A, x: np.matmul(A, x), A, x),
    case(np.matmul, lambda SB, S: np.matmul(SB, S), SB, S),
    case(np.dot, lambda x, y: np.dot(x, y), x, y),
    case(np.dot, lambda A, B: A.dot(B), A, B),
    case(np.dot, lambda a, A: np.dot(a, A), a, A),
    case(np.inner, lambda x, y: np.inner(x, y), x, y),
    case(np.inner, lambda A, x: np.inner(A, x), A, x),
    case(np.inner, lambda x, A: np.inner(x, A), x, A),
    case(np.inner, lambda A, P: np.inner(A, P), A, P),
    case(np.outer, lambda x, v3: np.outer(x, v3), x, v3),
    case(np.vdot, lambda x, y: np.vdot(x, y), x, y),
    case(np.vdot, lambda A, P: np.vdot(A, P), A, P),
    case(np.cross, lambda v3, w3: np.cross(v3, w3), v3, w3),
    case(np.tensordot, lambda A, P: np.tensordot(A, P), A, P),
    case(np.tensordot, lambda T, B: np.tensordot(T, B, 1), T, B),
    case(np.tensordot, lambda x, y: np.tensordot(x, y, 0), x, y),
    case(np.tensordot, lambda T, A: np.tensordot(T, A, ([1, 2], [0, 1])), T, A),
    case(np.tensordot, lambda T, B: np.tensordot(T, B, ([2], [0])), T, B),
    case(np.tensordot, lambda T, P: np.tensordot(T, P, ((2, 1), (1, 0))), T, P),
    case(np.einsum, lambda A, B: np.einsum("ij,jk->ik", A, B), A, B),
    case(np.einsum, lambda x, y: np.einsum("i,i->", x, y), x, y),
    case(np.einsum, lambda A, x: np.einsum("ij,j->i", A, x), A, x),
    case(np.einsum, lambda A: np.einsum("ij->ji", A), A),
    case(np.einsum, lambda A: np.einsum("ij->", A), A),
    case(np.einsum, lambda S: np.einsum("ii->", S), S),
    case(np.einsum, lambda S: np.einsum("ii->i", S), S),
    case(np.einsum, lambda T, A, x: np.einsum("bij,ij,j->b", T, A, x), T, A, x),
    case(np.einsum, lambda A, B: np.einsum("ij,jk", A, B), A, B),
    case(np.kron, lambda x, v3: np.kron(x, v3), x, v3),
    case(np.kron, lambda A, S: np.kron(A, S), A, S),
    case(np.kron, lambda a, x: np.kron(a, x), a, x),
    # ---- linear algebra
    case(np.linalg.inv, lambda S: np.linalg.inv(S), S),
    case(np.linalg.inv, lambda SB: np.linalg.inv(SB), SB),
    case(np.linalg.det, lambda S: np.linalg.det(S), S),
    case(np.linalg.det, lambda SB: np.linalg.det(SB), SB),
    case(np.linalg.slogdet, lambda S: np.linalg.slogdet(S)[1], S),
    case(np.linalg.slogdet, _slogdet, S2),
    case(np.linalg.slogdet, lambda SB: np.linalg.slogdet(SB)[1], SB),
    case(np.linalg.solve, lambda S, v3: np.linalg.solve(S, v3), S, v3),
    case(np.linalg.solve, lambda S, A: np.linalg.solve(S, A), S, A),
    case(np.linalg.solve, lambda SB, S: np.linalg.solve(SB, SB @ S), SB, S),
    # a 1-d `b` is one vector for a whole stack from NumPy 2.0; before, `b` is a stack of
    # vectors where b.ndim == a.ndim - 1 (rules/linalg.py): each NumPy's meaning is tested
    *([case(np.linalg.solve, lambda SB, v3: np.linalg.solve(SB, v3), SB, v3),
       case(np.linalg.solve, lambda SB, A: np.linalg.solve(SB, A), SB, A)]
      if np.lib.NumpyVersion(np.__version__) >= "2.0.0" else
      [case(np.linalg.solve, lambda SB, B: np.linalg.solve(SB, B), SB, A[:2, :3]),
       case(np.linalg.solve, lambda SB, B: np.linalg.solve(SB[:1], B), SB, A[:2, :3])]),
    case(np.linalg.solve, lambda S, SB: np.linalg.solve(S, SB), S, SB),
    case(np.linalg.cholesky, lambda SPD: np.linalg.cholesky(SPD), SPD),
    case(np.linalg.cholesky, lambda S: np.linalg.cholesky(S @ S.T + 0.5 * np.eye(3)), S),
    # decompositions (tests/test_linalg_rules.py checks them on many shapes); S, A and
    # SPD have distinct singular values and eigenvalues
    case(np.linalg.svd, lambda A: np.linalg.svd(A, full_matrices=False)[1] ** 2, A),
    case(np.linalg.eigh, lambda SPD: np.linalg.eigh(SPD)[0], SPD),
    case(np.linalg.eigvalsh, lambda S: np.linalg.eigvalsh(S), S),
    case(np.linalg.eigvals, lambda S: np.real(np.linalg.eigvals(S)), S),
    case(np.linalg.eig, lambda S: np.real(np.linalg.eig(S)[0]), S,
         xfail="np.linalg.eig in forward mode is refused (its eigenvectors); eigvals has it"),
    case(np.linalg.qr, lambda A: np.linalg.qr(A)[1], A),
    case(np.linalg.pinv, lambda A: np.linalg.pinv(A), A),
    *([case(np.linalg.svdvals, lambda A: np.linalg.svdvals(A), A)]
      if hasattr(np.linalg, "svdvals") else []),
    case(np.linalg.lstsq, lambda S, v3: np.linalg.lstsq(S, v3)[0], S, v3),
    case(np.linalg.matrix_power, lambda S: np.linalg.matrix_power(S, 3), S),
    case(np.linalg.matrix_power, lambda S: np.linalg.matrix_power(S, -2), S),
    case(np.linalg.multi_dot, lambda A, B, v3: np.linalg.multi_dot([v3, A, B]), A, B, v3,
         xfail2="np.linalg.multi_dot is first order only: its second order is refused"),
    case(np.linalg.tensorsolve, lambda S, v3: np.linalg.tensorsolve(S, v3), S, v3),
    case(np.linalg.tensorinv,
         lambda S, S2: np.linalg.tensorinv(np.reshape(np.kron(S, S2), (3, 3, 3, 3))), S, S2),
    # complex values in between real arguments and outputs (tests/test_complex.py has the rest)
    case(np.real, lambda x, y: np.real((x + 1j * y) ** 2), x, y),
    case(np.float64, lambda x: np.float64(x) * x, x),
    case(np.imag, lambda x, y: np.imag((x + 1j * y) ** 2), x, y),
    case(np.angle, lambda p, y: np.angle(p + 1j * y), p, y),
    case(np.real_if_close, lambda x: np.real_if_close(np.exp(x) * (1.0 + 0j)), x),
    case(complex, lambda a: np.real(complex(a, 2.0) ** 2), a),
    # builtins
    case(pow, lambda a: pow(a, 2.5) + pow(2.0, a), a),
    case(sum, lambda A: sum(A) * 2.0, A),
    case(sum, lambda x: sum(np.sin(x), 1.5), x),
    case(sorted, lambda x: np.sum(np.array(sorted(x)) * _W), x),
    case(sorted, lambda a, u: np.sum(np.array(sorted([a * 2.0, u, a ** 2], reverse=True)) * _W[:3]),
         a, u),
    case(sorted, lambda A: np.sum(sorted(A[0], key=abs)[1] * A), A),
    case(math.fsum, lambda x, a: math.fsum([np.sum(x), a, a * x[0]]) * math.fsum(x), x, a),
    case(statistics.mean, lambda x, a: statistics.mean([x[0], a, x[2] * a]) * statistics.mean(x),
         x, a),
    case(statistics.fmean, lambda x: statistics.fmean(np.sin(x)) ** 2, x),
]


def _is_float(v):
    return isinstance(v, float) or isinstance(v, np.ndarray) and v.dtype.kind == "f"


def _floats(args):
    return tuple(i for i, v in enumerate(args) if _is_float(v))


@pytest.mark.parametrize("fn, f, args", _params(CASES))
def test_rule_matches_finite_differences(fn, f, args):
    assert registry.lookup(fn) is not None, "the case names a function without rules"
    ag.check_grads(f, args, wrt=_floats(args), forward=True)


@pytest.mark.parametrize("fn, f, args", _params(CASES, order=2))
def test_rule_can_be_differentiated_again(fn, f, args):
    ag.check_grads(f, args, wrt=_floats(args), order=2)


def _with_rules():
    """NumPy's functions and Python's builtins with rules (not the runtime helpers, not
    operators, not functions other tests make primitive)."""
    return [p for p in registry.all_primitives() if p.vjps and not p.nondiff
            and (p.name.startswith("np.") or getattr(p.fn, "__module__", "") == "builtins")]


def test_every_rule_has_a_case():
    tested = {id(c.fn) for c in CASES} | {id(fn) for fn in test_numpy_rules.FUNCTIONS} \
        | {id(fn) for fn in test_numpy_rules_more.FUNCTIONS}
    missing = [p.name for p in _with_rules() if id(p.fn) not in tested]
    assert not missing, f"rules without a case in tests/test_rules.py: {missing}"
    assert len(_with_rules()) >= 120


def test_ties_split_the_adjoint():
    np.testing.assert_allclose(ag.grad(np.max)(np.array([1.0, 3.0, 3.0])), [0, 0.5, 0.5])
    np.testing.assert_allclose(
        ag.grad(lambda A: np.sum(np.min(A, axis=0)))(np.array([[1.0, 2.0], [1.0, 0.5]])),
        [[0.5, 0.0], [0.5, 1.0]])
    np.testing.assert_allclose(ag.grad(lambda x: np.linalg.norm(x, np.inf))(
        np.array([-2.0, 1.0, 2.0])), [-0.5, 0.0, 0.5])


# Variants NumPy computes and the rules refuse, at run time, with `rt.unsupported`'s
# message (so a function whose source cannot be read does not pass for refused).
def _pad_mean(x):
    return np.pad(x, 1, mode="mean")


def _average_returned(x):
    return np.average(x, weights=q, returned=True)[0]


@pytest.mark.parametrize("f, arg", [(_pad_mean, x)])
def test_unsupported_variants_are_refused(f, arg):
    with pytest.raises(ag.AstgradError, match="astgrad cannot differentiate"):
        ag.vjp(f)(arg)[1](np.ones_like(f(arg)))


# ---- functions without derivatives: constants inside differentiated code ------------------
# Each case multiplies a differentiable value by a constant computed by the function;
# the finite differences see that constant's slope as zero (inputs are away from the
# jumps), so astgrad agrees only if no adjoint flows through the function.
NONDIFF = [
    case(np.shape, lambda A: A * np.shape(A)[1], A),
    case(np.ndim, lambda A: A * np.ndim(A), A),
    case(np.size, lambda A: A * np.size(A), A),
    case(np.sign, lambda x: x * np.sign(x), x),
    case(np.floor, lambda x: x * np.floor(x * 3.0), x),
    case(np.ceil, lambda x: x * np.ceil(x * 3.0), x),
    case(np.round, lambda x: x * np.round(x * 3.0), x),
    case(np.around, lambda x: x * np.around(x * 3.0), x),
    case(np.rint, lambda x: x * np.rint(x * 3.0), x),
    case(np.trunc, lambda x: x * np.trunc(x * 3.0), x),
    case(np.fix, lambda x: x * np.fix(x * 3.0), x),
    case(np.floor_divide, lambda x, q: x * np.floor_divide(x * 5.3, q), x, q),
    case(np.heaviside, lambda x: x * np.heaviside(x, 0.5), x),
    case(np.signbit, lambda x: x * np.signbit(x), x),
    case(np.isnan, lambda xnan: np.nan_to_num(xnan) * np.isnan(xnan), xnan),
    case(np.isinf, lambda x: x * np.isinf(x), x),
    case(np.isfinite, lambda x: x * np.isfinite(x), x),
    case(np.isposinf, lambda x: x * np.isposinf(x), x),
    case(np.isneginf, lambda x: x * np.isneginf(x), x),
    case(np.isreal, lambda x: x * np.isreal(x), x),
    case(np.iscomplex, lambda x: x * np.iscomplex(x), x),
    case(np.issubdtype, lambda x: x * np.issubdtype(x.dtype, np.floating), x),
    case(np.iscomplexobj, lambda x: x * (1.0 + np.iscomplexobj(x)), x),
    case(np.isrealobj, lambda x: x * np.isrealobj(x), x),
    case(np.result_type, lambda x: x * np.ones(4, np.result_type(x, np.float32)), x),
    case(np.greater, lambda x, y: x * np.greater(x, y), x, y),
    case(np.greater_equal, lambda x, y: x * np.greater_equal(x, y), x, y),
    case(np.less, lambda x, y: y * np.less(x, y), x, y),
    case(np.less_equal, lambda x, y: y * np.less_equal(x, y), x, y),
    case(np.equal, lambda x, y: x * np.equal(x, y), x, y),
    case(np.not_equal, lambda x, y: x * np.not_equal(x, y), x, y),
    case(np.logical_and, lambda x, y: x * np.logical_and(x > 0, y > 0), x, y),
    case(np.logical_or, lambda x, y: x * np.logical_or(x > 0, y > 0), x, y),
    case(np.logical_not, lambda x: x * np.logical_not(x > 0), x),
    case(np.logical_xor, lambda x, y: x * np.logical_xor(x > 0, y > 0), x, y),
    case(np.isclose, lambda x, y: x * np.isclose(x, y), x, y),
    case(np.allclose, lambda x, y: x * np.allclose(x, y), x, y),
    case(np.array_equal, lambda x, y: x * np.array_equal(x, y), x, y),
    case(np.isscalar, lambda a: a * np.isscalar(a), a),
    case(np.any, lambda x: x * np.any(x > 0.5), x),
    case(np.all, lambda x: x * np.all(x > -0.5), x),
    case(np.argmax, lambda x: x[np.argmax(x)] * 2.0, x),
    case(np.argmin, lambda A: A * np.argmin(A), A),
    case(np.argsort, lambda x: x[np.argsort(x)] * _W, x),
    case(np.argpartition, lambda x: x[np.argpartition(x, 1)] * _W, x),
    case(np.nonzero, lambda x: x[np.nonzero(x > 0)] * 2.0, x),
    case(np.argwhere, lambda x: x * np.sum(np.argwhere(x > 0)), x),
    case(np.flatnonzero, lambda x: x[np.flatnonzero(x > 0)] * 2.0, x),
    case(np.searchsorted, lambda x: x * np.searchsorted(np.array([-0.5, 0.0, 0.5]), x), x),
    case(np.digitize, lambda x: x * np.digitize(x, np.array([-0.5, 0.0, 0.5])), x),
    case(np.count_nonzero, lambda x: x * np.count_nonzero(x > 0), x),
    case(np.unravel_index, lambda A: A * np.unravel_index(np.argmax(A), np.shape(A))[0], A),
    case(np.ravel_multi_index, lambda A: A * np.ravel_multi_index((1, 2), np.shape(A)), A),
    case(np.diag_indices, lambda S: S[np.diag_indices(3)] * 2.0, S),
    case(np.tril_indices, lambda S: S[np.tril_indices(3)] * 2.0, S),
    case(np.triu_indices, lambda S: S[np.triu_indices(3, 1)] * 2.0, S),
    case(np.indices, lambda A: A * np.indices(np.shape(A))[0], A),
    case(np.zeros_like, lambda x: x * 2.0 + np.zeros_like(x), x),
    case(np.ones_like, lambda x: x * np.ones_like(x), x),
    case(np.empty_like, lambda x: x * np.size(np.empty_like(x)), x),
    case(np.zeros, lambda x: x + np.zeros(4), x),
    case(np.ones, lambda x: x * np.ones((2, 4)), x),
    case(np.empty, lambda x: x * np.size(np.empty(3)), x),
    case(np.eye, lambda S: S * np.eye(3), S),
    case(np.identity, lambda S: S @ np.identity(3), S),
    case(np.tri, lambda S: S * np.tri(3), S),
]


@pytest.mark.parametrize("fn, f, args", _params(NONDIFF))
def test_constants_carry_no_adjoint(fn, f, args):
    assert registry.lookup(fn).nondiff
    ag.check_grads(f, args, wrt=_floats(args))


def test_every_numpy_constant_has_a_case():
    tested = {id(c.fn) for c in NONDIFF}
    missing = [p.name for p in registry.all_primitives()
               if p.nondiff and p.name.startswith("np.") and id(p.fn) not in tested]
    assert not missing, f"non-differentiable functions without a case: {missing}"


def test_a_constant_alone_has_a_zero_gradient():
    def f(x):
        return np.sum(np.floor(x * 3.0) + np.argsort(x) + np.greater(x, 0.0)) * 1.0
    np.testing.assert_array_equal(ag.grad(f)(x), np.zeros_like(x))


# ---- forward mode: every rule has one ----------------------------------------------------
def _library_rules():
    """Every function the library gives rules: NumPy's, the builtins, the operators and the
    runtime helpers generated code calls (forward over reverse reaches those too)."""
    return [p for p in registry.all_primitives() if p.vjps and not p.nondiff
            and (p.name.startswith(("np.", "rt.", "operator."))
                 or getattr(p.fn, "__module__", "") == "builtins")]


def test_every_reverse_rule_has_a_forward_rule():
    missing = [f"{p.name}({p.params[i]})" for p in _library_rules()
               for i, rule in enumerate(p.vjps)
               if rule is not None and registry.forward_rule(p, i) is None]
    assert not missing, f"parameters with a vjp rule but no forward rule: {missing}"
    assert len(_library_rules()) >= 140


def test_forward_ties_split_the_tangent():
    _, t = ag.jvp(lambda x: np.max(x))(np.array([1.0, 3.0, 3.0]), np.array([5.0, 1.0, 2.0]))
    assert t == 1.5
    _, t = ag.jvp(lambda x: np.ptp(x))(np.array([1.0, 3.0, 3.0, 1.0]),
                                       np.array([4.0, 1.0, 2.0, 0.0]))
    assert t == 1.5 - 2.0


def test_forward_tuple_output():
    sign, logdet = np.linalg.slogdet(S)
    (s_value, l_value), (s_tangent, l_tangent) = ag.jvp(np.linalg.slogdet)(S, S2)
    assert (s_value, l_value) == (sign, logdet) and s_tangent == 0.0
    np.testing.assert_allclose(l_tangent, np.trace(np.linalg.solve(S, S2)))


@pytest.mark.parametrize("f, arg", [(_pad_mean, x), (_average_returned, x)])
def test_forward_unsupported_variants_are_refused(f, arg):
    with pytest.raises(ag.AstgradError, match="astgrad cannot differentiate"):
        ag.jvp(f)(arg, np.ones_like(arg))
