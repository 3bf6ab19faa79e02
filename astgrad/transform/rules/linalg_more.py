"""Rules for np.linalg's products and tensor inverses: matrix_power, multi_dot,
tensorsolve and tensorinv. matrix_power's sums over powers are loops, in
`astgrad/runtime/spectral.py`; the rest reshape to matrices and use solve and inv."""
import numpy as np

from ..registry import deflinear, defjvp, defvjp
from ..template import rule_helper
from ... import runtime as rt

defvjp(np.linalg.matrix_power, lambda g, ans, a, n: rt.matrix_power_adjoint(g, a, n), None)
defjvp(np.linalg.matrix_power, lambda t, ans, a, n: rt.matrix_power_tangent(t, a, n), None)


# ---- tensorsolve: with `axes`, those axes of `a` move to the end first; then `a` is the
# square matrix of shape (b.size, x.size) and x = solve(a, b) --------------------------------
@rule_helper
def _moved(a, axes):
    return a if axes is None else np.moveaxis(a, axes, np.arange(np.ndim(a) - len(axes),
                                                                   np.ndim(a)))


@rule_helper
def _unmoved(m, axes):
    return m if axes is None else np.moveaxis(m, np.arange(np.ndim(m) - len(axes), np.ndim(m)),
                                              axes)


@rule_helper
def _solve_transposed(g, a, b, axes):
    """The adjoint of `b`, flat: solve(A^T, g) for A the square matrix of `a`."""
    return np.linalg.solve(np.transpose(np.reshape(_moved(a, axes), (np.size(b), -1))),
                           np.ravel(g))


defvjp(np.linalg.tensorsolve,
       lambda g, ans, a, b, axes=None:
       _unmoved(-np.reshape(np.outer(_solve_transposed(g, a, b, axes), np.ravel(ans)),
                            np.shape(_moved(a, axes))), axes),
       lambda g, ans, a, b, axes=None:
       np.reshape(_solve_transposed(g, a, b, axes), np.shape(b)))
deflinear(np.linalg.tensorsolve, "b")
# d x = -A^-1 dA x
defjvp(np.linalg.tensorsolve,
       lambda t, ans, a, b, axes=None:
       -np.linalg.tensorsolve(a, np.tensordot(_moved(t, axes), ans, np.ndim(ans)), axes))


# ---- tensorinv: inv of `a` as the square matrix of shape (prod(a.shape[:ind]), -1) -----------
@rule_helper
def _square(m, a, ind):
    """`m` (the inverse, or an adjoint or tangent) as a square matrix."""
    return np.reshape(m, (np.prod(np.shape(a)[ind:]), -1))


defvjp(np.linalg.tensorinv,
       lambda g, ans, a, ind=2:
       np.reshape(-np.transpose(_square(ans, a, ind)) @ _square(g, a, ind)
                  @ np.transpose(_square(ans, a, ind)), np.shape(a)), None)
defjvp(np.linalg.tensorinv,
       lambda t, ans, a, ind=2:
       np.reshape(-_square(ans, a, ind) @ _square(t, a, ind) @ _square(ans, a, ind),
                  np.shape(ans)), None)

# ---- multi_dot: `arrays` is a list, so is its adjoint; its tangents arrive together ----------
defvjp(np.linalg.multi_dot, lambda g, ans, arrays, *, out=None: rt.multi_dot_adjoint(g, arrays))
defjvp(np.linalg.multi_dot,
       lambda t, ans, arrays, *, out=None: rt.multi_dot_tangent(t, arrays))
# First order only: differentiated again, the lists of adjoints these helpers build and
# take came out wrong (the compiler's lists of adjoints at second order), so their own
# derivatives are refused, not approximated, with respect to every argument.
@rule_helper
def _refuse_second_order():
    return rt.unsupported("second derivatives of np.linalg.multi_dot; write the product with @")


defvjp(rt.multi_dot_adjoint, lambda b, ans, g, arrays: _refuse_second_order(),
       lambda b, ans, g, arrays: _refuse_second_order())
defjvp(rt.multi_dot_adjoint, lambda t, ans, g, arrays: _refuse_second_order(),
       lambda t, ans, g, arrays: _refuse_second_order())
defvjp(rt.multi_dot_tangent, lambda b, ans, tangents, arrays: _refuse_second_order(),
       lambda b, ans, tangents, arrays: _refuse_second_order())
defjvp(rt.multi_dot_tangent, lambda t, ans, tangents, arrays: _refuse_second_order(),
       lambda t, ans, tangents, arrays: _refuse_second_order())
