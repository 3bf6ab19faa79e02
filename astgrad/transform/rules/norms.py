"""Rules for np.linalg.norm: vector norms (a 1-d array, or along one axis), matrix norms
(a 2-d array, or over an axis pair of a stack), and the Frobenius norm over any axes.

One rule helper, `_slope`, is the norm's gradient with a unit seed; the adjoint is the
seed (its reduced axes put back) times it, the tangent its product with `t` summed over
the reduced axes. Its tests on `ord`, `axis` and the ndim fold away when they are
constants. A matrix norm moves its axis pair last, so one expression serves a matrix and
a stack: ord 1 / -1 is the largest / smallest column sum of |x|, inf / -inf that of a
row (ties split the slope evenly); 2 / -2 / "nuc" are the largest / smallest / sum of
the singular values, whose slopes U diag(e) V^T come from `rt.singular_values_adjoint`,
which the compiler differentiates again (second order refuses repeated singular values).
A complex `x` gets |x| and conj(x) where a real one has x and sign(x) (docs/complex.md).
At the zero vector, where x / norm is 0 / 0, the slope is 0, as |x|'s at 0
(docs/edge_points.md).
"""
import numpy as np

from ..registry import defjvp, defvjp
from ..template import rule_helper
from .complex import inverse_or_zero, real_like, real_of
from .reductions import _count, _expand, _reduced
from ... import runtime as rt


@rule_helper
def _vector(x, axis):
    """The norm is a vector norm: of a 1-d array, or along one axis."""
    return axis is None and np.ndim(x) == 1 or axis is not None and np.size(axis) == 1


@rule_helper
def _either(ord, p):
    return ord == p or ord == -p


@rule_helper
def _sign(x):
    """The slope of |x|: np.sign(x), for a complex x conj(x) / |x| (0 at 0)."""
    return np.sign(x) if np.isrealobj(x) else np.conj(x) * inverse_or_zero(np.abs(x))


@rule_helper
def _over(x, norm):
    """The slope of the 2-norm: conj(x) / norm, 0 where the norm is 0 (as |x| at 0)."""
    return np.conj(x) * inverse_or_zero(norm)


@rule_helper
def _ties(x, ans, axis, keepdims):
    """The sign of `x` where |x| is the norm (its largest or smallest entry), split evenly
    among ties."""
    return (_sign(x) * (np.abs(x) == _expand(ans, axis, keepdims))
            / _count(np.abs(x) == _expand(ans, axis, keepdims), axis, True, ans))


# ---- matrix norms, the axis pair last ---------------------------------------------------
@rule_helper
def _moved(x, axis):
    return x if axis is None else np.moveaxis(x, axis, (-2, -1))


@rule_helper
def _unmoved(m, axis):
    return m if axis is None else np.moveaxis(m, (-2, -1), axis)


@rule_helper
def _norms(ans, axis, keepdims):
    """One norm per matrix of the stack, with the stack's shape."""
    return np.expand_dims(np.squeeze(ans, axis) if keepdims else ans, (-2, -1))


@rule_helper
def _sum_ties(m, ans, axis, keepdims, along):
    """The sign of `m` in the columns (`along` -2) or rows (-1) whose sum of |m| is the
    norm, split evenly among ties."""
    return (_sign(m) * (np.sum(np.abs(m), along, keepdims=True) == _norms(ans, axis, keepdims))
            / _count(np.sum(np.abs(m), along, keepdims=True) == _norms(ans, axis, keepdims),
                     (-2, -1), True, ans))


@rule_helper
def _picked(m, ord, ans):
    """Which singular values the norm is: the largest, the smallest, or all."""
    return (np.ones(np.min(np.shape(m)[-2:]), ans.dtype) if ord == "nuc" else
            np.eye(np.min(np.shape(m)[-2:]), dtype=ans.dtype)[0 if ord == 2 else -1])


@rule_helper
def _matrix_slope(m, ans, ord, axis, keepdims):
    return (_sum_ties(m, ans, axis, keepdims, -2) if _either(ord, 1) else
            _sum_ties(m, ans, axis, keepdims, -1) if _either(ord, np.inf) else
            rt.singular_values_adjoint(_picked(m, ord, ans), m) if _either(ord, 2) or ord == "nuc"
            else rt.unsupported("np.linalg.norm of a matrix with this ord"))


# ---- the slope of every norm ------------------------------------------------------------
@rule_helper
def _slope(x, ans, ord, axis, keepdims):
    """d norm / d x for a unit seed."""
    return (_over(x, _expand(ans, axis, keepdims))
            if ord is None or ord == "fro" or ord == 2 and _vector(x, axis) else
            _sign(x) if ord == 1 and _vector(x, axis) else
            _ties(x, ans, axis, keepdims) if _either(ord, np.inf) and _vector(x, axis) else
            0.0 * x if ord == 0 and _vector(x, axis) else
            _sign(x) * (np.abs(x) * inverse_or_zero(_expand(ans, axis, keepdims))) ** (ord - 1)
            if _vector(x, axis) else
            _unmoved(_matrix_slope(_moved(x, axis), ans, ord, axis, keepdims), axis))


def norm_x(g, ans, x, ord=None, axis=None, keepdims=False):
    return _expand(g, axis, keepdims) * _slope(x, ans, ord, axis, keepdims)


def norm_t(t, ans, x, ord=None, axis=None, keepdims=False):
    return real_like(np.sum(t * _slope(x, ans, ord, axis, keepdims), axis, keepdims=keepdims), x)


defvjp(np.linalg.norm, norm_x, kind=lambda k, s: real_of(_reduced(k, s)))  # |x|: real for complex x
defjvp(np.linalg.norm, norm_t)


# ---- NumPy 2's matrix_norm (over the last two axes) and vector_norm (over any axes, all
# of them flattened when axis is None: a vector norm of any ord, not a matrix norm) ---------
@rule_helper
def _flat_slope(x, ans, ord, axis):
    """vector_norm's slope: norm's, of the flattened array when axis is None; over several
    axes only the 2-norm (a Frobenius norm), the others refused."""
    return (np.reshape(_slope(np.ravel(x), np.reshape(ans, ()), ord, None, False), np.shape(x))
            if axis is None else
            _slope(x, ans, ord, axis, True) if np.size(axis) == 1 else
            _over(x, ans) if ord == 2 else
            rt.unsupported("np.linalg.vector_norm of ord other than 2 over several axes"))


if hasattr(np.linalg, "matrix_norm"):
    defvjp(np.linalg.matrix_norm,
           lambda g, ans, x, *, keepdims=False, ord="fro":
           _expand(g, (-2, -1), keepdims) * _slope(x, ans, ord, (-2, -1), keepdims))
    defjvp(np.linalg.matrix_norm,
           lambda t, ans, x, *, keepdims=False, ord="fro":
           real_like(np.sum(t * _slope(x, ans, ord, (-2, -1), keepdims), (-2, -1),
                            keepdims=keepdims), x))
    defvjp(np.linalg.vector_norm,
           lambda g, ans, x, *, axis=None, keepdims=False, ord=2:
           _expand(g, axis, keepdims) * _flat_slope(x, _expand(ans, axis, keepdims), ord, axis))
    defjvp(np.linalg.vector_norm,
           lambda t, ans, x, *, axis=None, keepdims=False, ord=2:
           real_like(np.sum(t * _flat_slope(x, _expand(ans, axis, keepdims), ord, axis), axis,
                            keepdims=keepdims), x))
