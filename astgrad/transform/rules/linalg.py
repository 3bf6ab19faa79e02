"""Rules for products and linear algebra. The ndim tests fold away when the
argument kinds are known, leaving one line; they stay in the code only where
kinds are not known."""
import operator

import numpy as np

from .. import lattice
from ..registry import defjvp, deflinear, defsizes, defvjp
from ..template import rule_helper
from .complex import conj_like, slogdet_seed, slogdet_tangent
from ... import runtime as rt


def _matmul_kind(k, s):
    x, y = list(k.values())[:2]                # the factors, whatever the rule calls them
    out = lattice.broadcast(x, y)
    if x.ndim is None or y.ndim is None:
        return out.with_ndim(None)
    if x.ndim == 0 or y.ndim == 0:
        return out.with_ndim(max(x.ndim, y.ndim))
    if x.ndim == 1 or y.ndim == 1:
        return out.with_ndim(x.ndim + y.ndim - 2)
    return out.with_ndim(max(x.ndim, y.ndim))


def _product_sizes(dot):
    """Which axes of `x @ y` (`np.dot(x, y)` with `dot`) have length 1: each comes from
    an axis of a factor that is not summed over (stacks of matrices broadcast)."""
    def sizes(k, s):
        x, y = list(k.values())[:2]
        if not x.ndim or not y.ndim:
            return None
        a, b = x.ones or (None,) * x.ndim, y.ones or (None,) * y.ndim
        if y.ndim == 1:
            return a[:-1]
        if x.ndim == 1 or dot:
            return a[:-1] + b[:-2] + b[-1:]
        stack = lattice.broadcast_ones(a[:-2], b[:-2], ndim=max(x.ndim, y.ndim) - 2)
        return None if stack is None else stack + (a[-2], b[-1])
    return sizes


def _pair_kind(ndim):
    return lambda k, s: lattice.broadcast(k["a"], k["b"], floating=True).with_ndim(ndim(k, s))


def _square_kind(drop):
    def kind(k, s):
        a = k["a"]
        return lattice.broadcast(a, floating=True).with_ndim(
            None if a.ndim is None else a.ndim - drop)
    return kind


@rule_helper
def _mT(m):
    """Each matrix of a stack transposed (NumPy's `m.mT`)."""
    return np.swapaxes(m, -1, -2)


# ---- matrix products -------------------------------------------------------------------
@rule_helper
def _product_x(g, x, y, beyond):
    """The adjoint of `x` in `x @ y` for vectors and matrices; `beyond` for stacks."""
    return (g * y if np.ndim(x) == 1 and np.ndim(y) == 1 else
            np.outer(g, y) if np.ndim(x) == 2 and np.ndim(y) == 1 else
            y @ g if np.ndim(x) == 1 and np.ndim(y) == 2 else
            g @ np.transpose(y) if np.ndim(x) == 2 and np.ndim(y) == 2 else
            beyond)


@rule_helper
def _product_y(g, x, y, beyond):
    """The adjoint of `y` in `x @ y` for vectors and matrices; `beyond` for stacks."""
    return (g * x if np.ndim(x) == 1 and np.ndim(y) == 1 else
            g @ x if np.ndim(x) == 2 and np.ndim(y) == 1 else
            np.outer(x, g) if np.ndim(x) == 1 and np.ndim(y) == 2 else
            np.transpose(x) @ g if np.ndim(x) == 2 and np.ndim(y) == 2 else
            beyond)


def matmul_x(g, ans, x, y):
    return _product_x(g, x, y, rt.matmul_adjoint(g, x, y, 0))


def matmul_y(g, ans, x, y):
    return _product_y(g, x, y, rt.matmul_adjoint(g, x, y, 1))


defvjp(operator.matmul, matmul_x, matmul_y, kind=_matmul_kind)
defvjp(np.matmul, matmul_x, matmul_y, kind=_matmul_kind)
defsizes(operator.matmul, _product_sizes(dot=False))
defsizes(np.matmul, _product_sizes(dot=False))


# np.dot is matmul up to 2 dimensions, and multiplication when a side is 0-d.
def dot_a(g, ans, a, b):
    return (rt.unbroadcast(g * b, a) if np.ndim(a) == 0 or np.ndim(b) == 0 else
            _product_x(g, a, b, rt.unsupported(
                "np.dot of arrays with more than 2 dimensions; use np.matmul")))


def dot_b(g, ans, a, b):
    return (rt.unbroadcast(g * a, b) if np.ndim(a) == 0 or np.ndim(b) == 0 else
            _product_y(g, a, b, rt.unsupported(
                "np.dot of arrays with more than 2 dimensions; use np.matmul")))


defvjp(np.dot, dot_a, dot_b, kind=_matmul_kind)
defsizes(np.dot, _product_sizes(dot=True))


# np.inner contracts the last axes of both: a @ b.T for matrices
def inner_a(g, ans, a, b):
    return (rt.unbroadcast(g * b, a) if np.ndim(a) == 0 or np.ndim(b) == 0 else
            g * b if np.ndim(a) == 1 and np.ndim(b) == 1 else
            np.outer(g, b) if np.ndim(a) == 2 and np.ndim(b) == 1 else
            g @ b if np.ndim(b) == 2 else
            rt.unsupported("np.inner of arrays with more than 2 dimensions; use np.einsum"))


def inner_b(g, ans, a, b):
    return (rt.unbroadcast(g * a, b) if np.ndim(a) == 0 or np.ndim(b) == 0 else
            g * a if np.ndim(a) == 1 and np.ndim(b) == 1 else
            g @ a if np.ndim(a) == 2 and np.ndim(b) == 1 else
            np.outer(g, a) if np.ndim(a) == 1 and np.ndim(b) == 2 else
            np.transpose(g) @ a if np.ndim(a) == 2 and np.ndim(b) == 2 else
            rt.unsupported("np.inner of arrays with more than 2 dimensions; use np.einsum"))


defvjp(np.inner, inner_a, inner_b, kind=_pair_kind(      # with a 0-d side, a product
    lambda k, s: None if k["a"].ndim is None or k["b"].ndim is None else
    max(k["a"].ndim, k["b"].ndim) if min(k["a"].ndim, k["b"].ndim) == 0 else
    k["a"].ndim + k["b"].ndim - 2))


# np.outer flattens both: each adjoint comes back in its operand's shape (a float's is 0-d)
@rule_helper
def _unflat(v, x):
    return v if np.ndim(x) == 1 else np.reshape(v, np.shape(x))


defvjp(np.outer,
       lambda g, ans, a, b: _unflat(g @ np.ravel(b), a),
       lambda g, ans, a, b: _unflat(np.ravel(a) @ g, b),
       kind=lambda k, s: lattice.broadcast(k["a"], k["b"]).with_ndim(2))
# np.vdot flattens both, and conjugates a complex `a`
defvjp(np.vdot,
       lambda g, ans, a, b: np.reshape(conj_like(g * np.ravel(b), a), np.shape(a)),
       lambda g, ans, a, b: np.reshape(g * np.ravel(np.conj(a)), np.shape(b)),
       kind=_pair_kind(lambda k, s: 0))

# np.tensordot with an int `axes` contracts the last axes of `a` with the first of `b`:
# the free axes of `g` contract back against the other side's free axes
defvjp(np.tensordot,
       lambda g, ans, a, b, axes=2:
       np.tensordot(g, b, (np.arange(np.ndim(a) - axes, np.ndim(g)), np.arange(axes, np.ndim(b))))
       if np.ndim(axes) == 0 else rt.tensordot_adjoint(g, a, b, axes, 0),
       lambda g, ans, a, b, axes=2:
       np.tensordot(a, g, (np.arange(np.ndim(a) - axes), np.arange(np.ndim(a) - axes)))
       if np.ndim(axes) == 0 else rt.tensordot_adjoint(g, a, b, axes, 1),
       kind=_pair_kind(lambda k, s: None))
defvjp(np.kron,
       lambda g, ans, a, b: rt.kron_adjoint(g, a, b, 0),
       lambda g, ans, a, b: rt.kron_adjoint(g, a, b, 1),
       kind=_pair_kind(lambda k, s: None if k["a"].ndim is None or k["b"].ndim is None else
                       max(k["a"].ndim, k["b"].ndim)))


# ---- inverses and determinants (stacks of matrices too: the last two axes) ------------------
def inv_a(g, ans, a):
    return -_mT(ans) @ g @ _mT(ans)


def det_a(g, ans, a):
    return (g * ans * np.transpose(np.linalg.inv(a)) if np.ndim(a) == 2 else
            np.expand_dims(g * ans, (-2, -1)) * _mT(np.linalg.inv(a)))


defvjp(np.linalg.inv, inv_a, kind=_square_kind(0))
defvjp(np.linalg.det, det_a, kind=_square_kind(2))
# slogdet returns (sign, log|det|); the sign is piecewise constant for a real `a`; for a
# complex one, with h = tr(a^-1 da): d log|det| = Re h, d sign = sign * 1j * Im h
defvjp(np.linalg.slogdet,
       lambda g, ans, a: slogdet_seed(g, ans, a) * np.transpose(np.linalg.inv(a))
       if np.ndim(a) == 2 else
       np.expand_dims(slogdet_seed(g, ans, a), (-2, -1)) * _mT(np.linalg.inv(a)))


# x = solve(a, b): bb = solve(a^T, g), ba = -bb x^T. A 1-d `b` is one vector for every
# matrix of a stack; a stack broadcast against a single matrix is summed back.
def solve_a(g, ans, a, b):
    return (-np.outer(np.linalg.solve(np.transpose(a), g), ans)
            if np.ndim(a) == 2 and np.ndim(b) == 1 else
            -np.linalg.solve(np.transpose(a), g) @ np.transpose(ans)
            if np.ndim(a) == 2 and np.ndim(b) == 2 else
            -np.linalg.solve(_mT(a), np.expand_dims(g, -1)) * np.expand_dims(ans, -2)
            if np.ndim(b) == 1 else
            rt.unbroadcast(-np.linalg.solve(_mT(a), g) @ _mT(ans), a))


def solve_b(g, ans, a, b):
    return (np.linalg.solve(np.transpose(a), g) if np.ndim(a) == 2 and np.ndim(b) <= 2 else
            rt.unbroadcast(np.squeeze(np.linalg.solve(_mT(a), np.expand_dims(g, -1)), -1), b)
            if np.ndim(b) == 1 else
            rt.unbroadcast(np.linalg.solve(_mT(a), g), b))


# Before NumPy 2.0, `b` is a vector (a stack of them) wherever b.ndim == a.ndim - 1, not
# only where it is 1-d: there these rules, the tangent's and the kind say so instead.
def solve_a_1x(g, ans, a, b):
    return (-np.outer(np.linalg.solve(np.transpose(a), g), ans)
            if np.ndim(a) == 2 and np.ndim(b) == 1 else
            -np.linalg.solve(np.transpose(a), g) @ np.transpose(ans)
            if np.ndim(a) == 2 and np.ndim(b) == 2 else
            rt.unbroadcast(-np.linalg.solve(_mT(a), np.expand_dims(g, -1))
                           * np.expand_dims(ans, -2), a)
            if np.ndim(b) == np.ndim(a) - 1 else
            rt.unbroadcast(-np.linalg.solve(_mT(a), g) @ _mT(ans), a))


def solve_b_1x(g, ans, a, b):
    return (np.linalg.solve(np.transpose(a), g) if np.ndim(a) == 2 and np.ndim(b) <= 2 else
            rt.unbroadcast(np.squeeze(np.linalg.solve(_mT(a), np.expand_dims(g, -1)), -1), b)
            if np.ndim(b) == np.ndim(a) - 1 else
            rt.unbroadcast(np.linalg.solve(_mT(a), g), b))


_SOLVE_1X = np.lib.NumpyVersion(np.__version__) < "2.0.0"
defvjp(np.linalg.solve, *((solve_a_1x, solve_b_1x) if _SOLVE_1X else (solve_a, solve_b)),
       kind=lambda k, s: lattice.broadcast(k["a"], k["b"], floating=True).with_ndim(
           None if k["a"].ndim is None or k["b"].ndim is None else
           k["a"].ndim - 1 if k["b"].ndim == (k["a"].ndim - 1 if _SOLVE_1X else 1)
           else max(k["a"].ndim, k["b"].ndim)))


# L = cholesky(a) reads the lower triangle of `a` only. With P = tril(L^T g) halved on
# the diagonal, the symmetric adjoint is S = L^-T (P + P^T) L^-1 / 2 (Murray 2016,
# arXiv:1602.07527); the lower triangle is what `a` gets: 2 S below the diagonal, S on it.
@rule_helper
def _halved(m, n, ans):
    """`m` (n by n, or a stack) with its diagonal halved; the identity in the dtype of the
    factor `ans` (a float64 one would make a float32 adjoint or tangent float64)."""
    return m * (1 - 0.5 * np.eye(n, dtype=ans.dtype))


# For a complex `a` (Hermitian, its lower triangle read): transposes are conjugate ones, the
# seed conjugated in and the result conjugated out (docs/complex.md's pairing).
@rule_helper
def _mH(m):
    return np.conj(np.swapaxes(m, -1, -2))


def cholesky_a(g, ans, a):
    return (_halved(np.tril(
        np.linalg.solve(_mT(ans), _mT(np.linalg.solve(
            _mT(ans),
            _halved(np.tril(_mT(ans) @ g), np.shape(a)[-1], ans)
            + _mT(_halved(np.tril(_mT(ans) @ g), np.shape(a)[-1], ans)))))),
        np.shape(a)[-1], ans) if np.isrealobj(a) else
        np.conj(_halved(np.tril(
            np.linalg.solve(_mH(ans), _mH(np.linalg.solve(
                _mH(ans),
                _halved(np.tril(_mH(ans) @ np.conj(g)), np.shape(a)[-1], ans)
                + _mH(_halved(np.tril(_mH(ans) @ np.conj(g)), np.shape(a)[-1], ans)))))),
            np.shape(a)[-1], ans)))


defvjp(np.linalg.cholesky, cholesky_a, kind=_square_kind(0))


# ---- forward mode: products are linear in each factor ----------------------------------
deflinear(operator.matmul, "x", "y")
deflinear(np.matmul, "x", "y")
deflinear(np.dot, "a", "b")
deflinear(np.inner, "a", "b")
deflinear(np.outer, "a", "b")
deflinear(np.vdot, "a", "b")
deflinear(np.tensordot, "a", "b")
deflinear(np.kron, "a", "b")

# ---- forward mode: inverses and determinants -----------------------------------------------
def inv_t(t, ans, a):
    return -ans @ t @ ans


# d det(a) = det(a) tr(a^-1 da), for one matrix or a stack
def det_t(t, ans, a):
    return ans * np.trace(np.linalg.solve(a, t), 0, -2, -1)


defjvp(np.linalg.inv, inv_t)
defjvp(np.linalg.det, det_t)
# the output is a tuple, so is its tangent: the sign is piecewise constant (for a real `a`)
defjvp(np.linalg.slogdet,
       lambda t, ans, a: (0.0 * ans[0], np.trace(np.linalg.solve(a, t), 0, -2, -1))
       if np.isrealobj(a) else
       slogdet_tangent(ans, np.trace(np.linalg.solve(a, t), 0, -2, -1)))
# x = solve(a, b) is linear in b; d x = -a^-1 da x (a 1-d `b` a vector, as NumPy 2 and SciPy say)
def solve_t(t, ans, a, b):
    return (-np.linalg.solve(a, t @ ans) if np.ndim(b) > 1 else
            -np.squeeze(np.linalg.solve(a, t @ np.expand_dims(ans, -1)), -1))


deflinear(np.linalg.solve, "b")
if _SOLVE_1X:
    defjvp(np.linalg.solve,
           lambda t, ans, a, b:
           -np.squeeze(np.linalg.solve(a, t @ np.expand_dims(ans, -1)), -1)
           if np.ndim(b) == np.ndim(a) - 1 else -np.linalg.solve(a, t @ ans))
else:
    defjvp(np.linalg.solve, solve_t)


# L = cholesky(a) reads the lower triangle of `a`, so the tangent it sees is the symmetric
# M = tril(t) + tril(t, -1)^T; then dL = L Phi(L^-1 M L^-T), Phi the lower triangle with
# the diagonal halved (Murray 2016, arXiv:1602.07527). L^-1 M L^-T is symmetric.
def cholesky_t(t, ans, a):
    return (ans @ _halved(np.tril(np.linalg.solve(ans, _mT(np.linalg.solve(
        ans, np.tril(t) + _mT(np.tril(t, -1)))))), np.shape(a)[-1], ans) if np.isrealobj(a) else
        ans @ _halved(np.tril(np.linalg.solve(ans, _mH(np.linalg.solve(
            ans, rt.from_hermitian(t, "L"))))), np.shape(a)[-1], ans))


defjvp(np.linalg.cholesky, cholesky_t)
