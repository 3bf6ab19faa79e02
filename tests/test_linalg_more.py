"""np.linalg.norm at every ord / axis / keepdims NumPy accepts, and matrix_power,
multi_dot, tensorsolve and tensorinv, against central finite differences in reverse and
forward mode and at second order (multi_dot: first order; its second order is refused).
"""
import numpy as np
import pytest

import astgrad as ag
from astgrad.errors import NoRuleError, NotDifferentiableError

_r = np.random.default_rng(20261125)


def _away_from_zero(*shape):
    """Entries of size 0.4 to 1.5, either sign: fractional and negative orders stay smooth."""
    return _r.choice([-1.0, 1.0], shape) * _r.uniform(0.4, 1.5, shape)


x = _away_from_zero(5)
A = _away_from_zero(3, 4)
T = _away_from_zero(2, 3, 4)
T4 = _away_from_zero(2, 3, 2, 4)

INF = np.inf
VECTOR_ORDS = [None, 1, 2, INF, -INF, 3, 0.5, -1.5]
MATRIX_ORDS = [None, "fro", "nuc", 1, -1, 2, -2, INF, -INF]


# ---- norm: vector norms of a vector, along one axis, with keepdims ---------------------------
def _vector_cases():
    for o in VECTOR_ORDS:
        yield f"vector-{o}", (lambda x, o=o: np.linalg.norm(x, o)), x
        yield f"axis1-{o}", (lambda A, o=o: np.sum(np.linalg.norm(A, o, axis=1) ** 2)), A
    for o in (None, 1, INF, 0.5):
        yield f"axis0-keepdims-{o}", (lambda A, o=o: np.sum(
            np.sin(np.linalg.norm(A, o, axis=0, keepdims=True) * A))), A
    yield "axis-tuple-1", (lambda T: np.sum(np.linalg.norm(T, 3, axis=(2,)) ** 2)), T
    yield "count-0", (lambda x: np.linalg.norm(x, 0) * np.sum(x)), x


# ---- norm: matrix norms of a matrix and over an axis pair of a stack --------------------------
def _matrix_cases():
    for o in MATRIX_ORDS:
        yield f"matrix-{o}", (lambda A, o=o: np.linalg.norm(A, o)), A
        yield f"stack-{o}", (lambda T, o=o: np.sum(np.linalg.norm(T, o, axis=(1, 2)) ** 2)), T
    for o in ("fro", "nuc", -1, 2):
        yield f"keepdims-{o}", (lambda A, o=o: np.sum(np.linalg.norm(A, o, keepdims=True) * A)), A
    for o in ("nuc", 2, -INF):
        yield f"pair-3-0-keepdims-{o}", (lambda T4, o=o: np.sum(np.sin(
            np.linalg.norm(T4, o, axis=(3, 0), keepdims=True) * T4))), T4


NORMS = list(_vector_cases()) + list(_matrix_cases())


@pytest.mark.parametrize("f, arg", [c[1:] for c in NORMS], ids=[c[0] for c in NORMS])
def test_norm(f, arg):
    ag.check_grads(f, (arg,), order=2, forward=True)


def test_norm_slopes_are_known_values():
    M = np.array([[3.0, -1.0], [1.0, 2.0]])
    U, s, Vt = np.linalg.svd(M)
    np.testing.assert_allclose(ag.grad(lambda M: np.linalg.norm(M, 2))(M),
                               np.outer(U[:, 0], Vt[0]), atol=1e-12)
    np.testing.assert_allclose(ag.grad(lambda M: np.linalg.norm(M, "nuc"))(M), U @ Vt,
                               atol=1e-12)
    # column sums of |M| are 4 and 3: ord 1 is the first column's
    np.testing.assert_allclose(ag.grad(lambda M: np.linalg.norm(M, 1))(M), [[1, 0], [1, 0]])
    # row sums are 4 and 3: ord -inf is the second row's
    np.testing.assert_allclose(ag.grad(lambda M: np.linalg.norm(M, -INF))(M), [[0, 0], [1, 1]])


def test_norm_ties_split_the_slope():
    M = np.array([[1.0, -2.0], [2.0, 1.0]])                 # both column sums are 3
    np.testing.assert_allclose(ag.grad(lambda M: np.linalg.norm(M, 1))(M),
                               [[0.5, -0.5], [0.5, 0.5]])


def test_second_order_of_the_2_norm_at_repeated_singular_values_is_refused():
    def f(M):
        return np.linalg.norm(M, 2)
    with pytest.raises(NotDifferentiableError, match="repeated"):
        ag.hessian(f)(np.eye(3))


# ---- matrix_power -------------------------------------------------------------------------
S = 0.3 * _r.normal(size=(3, 3)) + np.eye(3)
SB = 0.3 * _r.normal(size=(2, 3, 3)) + np.eye(3)


def _power(n):
    def power(M):
        return np.sum(np.sin(np.linalg.matrix_power(M, n)))
    return power


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, -1, -2, -3])
def test_matrix_power(n):
    ag.check_grads(_power(n), (S,), order=2, forward=True)


@pytest.mark.parametrize("n", [3, -2])
def test_matrix_power_of_a_stack(n):
    ag.check_grads(_power(n), (SB,), order=2, forward=True)


def test_matrix_power_zero_has_a_zero_gradient():
    np.testing.assert_array_equal(ag.grad(_power(0))(S), np.zeros((3, 3)))


# ---- multi_dot ----------------------------------------------------------------------------
P, Q, R = _r.normal(size=(2, 3)), _r.normal(size=(3, 4)), _r.normal(size=(4, 2))
u, v = _r.normal(size=2), _r.normal(size=2)


def multi_dot_two(P, Q):
    return np.sum(np.linalg.multi_dot([P, Q]) ** 2)


def multi_dot_three(P, Q, R):
    return np.sum(np.sin(np.linalg.multi_dot([P, Q, R])))


def multi_dot_vectors(u, P, Q, R, v):
    return np.linalg.multi_dot([u, P, Q, R, v])


def multi_dot_constant(P, Q):
    return np.sum(np.linalg.multi_dot([P, Q, np.ones((4, 3))]) ** 2)


@pytest.mark.parametrize("f, args", [(multi_dot_two, (P, Q)), (multi_dot_three, (P, Q, R)),
                                     (multi_dot_vectors, (u, P, Q, R, v)),
                                     (multi_dot_constant, (P, Q))],
                         ids=["two", "three", "vectors", "constant"])
def test_multi_dot(f, args):
    ag.check_grads(f, args, wrt=tuple(range(len(args))), forward=True)
    with pytest.raises(NoRuleError, match="second derivatives of np.linalg.multi_dot"):
        ag.check_grads(f, args, wrt=tuple(range(len(args))), order=2)


# ---- tensorsolve and tensorinv ------------------------------------------------------------
T22 = _r.normal(size=(2, 3, 2, 3)) + 3 * np.eye(6).reshape(2, 3, 2, 3)
B23 = _r.normal(size=(2, 3))
T6 = _r.normal(size=(6, 2, 3)) + 3 * np.eye(6).reshape(6, 2, 3)


def tensorsolve_sum(T22, B23):
    return np.sum(np.sin(np.linalg.tensorsolve(T22, B23)))


def tensorsolve_axes(T22, B23):
    return np.sum(np.sin(np.linalg.tensorsolve(np.moveaxis(T22, (2, 3), (1, 3)), B23,
                                               axes=(1, 3))))


def tensorinv_sum(T22):
    return np.sum(np.sin(np.linalg.tensorinv(T22)))


def tensorinv_ind1(T6):
    return np.sum(np.sin(np.linalg.tensorinv(T6, ind=1)))


@pytest.mark.parametrize("f, args", [(tensorsolve_sum, (T22, B23)), (tensorsolve_axes, (T22, B23)),
                                     (tensorinv_sum, (T22,)), (tensorinv_ind1, (T6,))],
                         ids=["tensorsolve", "tensorsolve-axes", "tensorinv", "tensorinv-ind1"])
def test_tensor_inverses(f, args):
    ag.check_grads(f, args, wrt=tuple(range(len(args))), order=2, forward=True)


# ---- complex matrices: these functions are holomorphic, so their rules hold as written ------
Z = S + 0.3j * _r.normal(size=(3, 3))


def complex_power(Z):
    return np.sum(np.abs(np.linalg.matrix_power(Z, -2)) ** 2)


def complex_tensorinv(Z):
    return np.real(np.sum(np.linalg.tensorinv(Z, ind=1) ** 2))


def complex_tensorsolve(Z):
    return np.sum(np.abs(np.linalg.tensorsolve(Z, np.arange(3.0))) ** 2)


def complex_multi_dot(Z):
    return np.sum(np.abs(np.linalg.multi_dot([Z, Z, Z])) ** 2)


@pytest.mark.parametrize("f", [complex_power, complex_tensorinv, complex_tensorsolve,
                               complex_multi_dot])
def test_complex_matrices(f):
    ag.check_grads(f, (Z,), order=1 if f is complex_multi_dot else 2, forward=True)


# ---- NumPy 2's matrix_norm and vector_norm ------------------------------------------------
def _numpy2_cases():
    for o in ("fro", "nuc", -1, 2, INF):
        yield f"matrix_norm-{o}", (lambda T, o=o: np.sum(np.linalg.matrix_norm(T, ord=o) ** 2)), T
    yield "matrix_norm-keepdims", (lambda A: np.sum(
        np.linalg.matrix_norm(A, ord=-2, keepdims=True) * A)), A
    for o in (2, 1, -INF, 0.5):
        yield f"vector_norm-all-{o}", (lambda T, o=o: np.linalg.vector_norm(T, ord=o)), T
        yield f"vector_norm-axis-keepdims-{o}", (lambda T, o=o: np.sum(np.sin(
            np.linalg.vector_norm(T, axis=-1, keepdims=True, ord=o) * T))), T
    yield "vector_norm-axes", (lambda T: np.sum(np.linalg.vector_norm(T, axis=(0, 2)) ** 3)), T


NUMPY2 = list(_numpy2_cases()) if hasattr(np.linalg, "vector_norm") else []


@pytest.mark.parametrize("f, arg", [c[1:] for c in NUMPY2], ids=[c[0] for c in NUMPY2])
def test_matrix_norm_and_vector_norm(f, arg):
    ag.check_grads(f, (arg,), order=2, forward=True)


@pytest.mark.skipif(not hasattr(np.linalg, "vector_norm"), reason="NumPy 2's vector_norm")
def test_vector_norm_of_another_ord_over_several_axes_is_refused():
    with pytest.raises(NoRuleError, match="vector_norm of ord other than 2"):
        ag.grad(lambda T: np.sum(np.linalg.vector_norm(T, axis=(0, 2), ord=3)))(T)
