"""`astgrad.scipy`: SciPy's calling conventions, checked on SciPy's own test
problem (the Rosenbrock function, against `rosen_der`, `rosen_hess` and
`rosen_hess_prod`) and on a logistic regression whose data comes by `args=`."""
import pickle

import numpy as np
import pytest

scipy_optimize = pytest.importorskip("scipy.optimize")

import astgrad as ag  # noqa: E402
from astgrad import scipy as ags  # noqa: E402

X0 = np.array([1.3, 0.7, 0.8, 1.9, 1.2])


def rosen(x):
    """SciPy's Rosenbrock function as its docstring writes it (SciPy's own code goes
    through the array API's dispatch, which astgrad does not read)."""
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2.0) ** 2.0 + (1 - x[:-1]) ** 2.0)


def test_the_rosenbrock_derivatives_are_scipys():
    assert rosen(X0) == pytest.approx(scipy_optimize.rosen(X0), rel=1e-14)
    np.testing.assert_allclose(ags.jac(rosen)(X0), scipy_optimize.rosen_der(X0), rtol=1e-12)
    value, gradient = ags.fun_and_jac(rosen)(X0)
    assert value == pytest.approx(scipy_optimize.rosen(X0), rel=1e-14)
    np.testing.assert_allclose(gradient, scipy_optimize.rosen_der(X0), rtol=1e-12)
    np.testing.assert_allclose(ags.hess(rosen)(X0), scipy_optimize.rosen_hess(X0),
                               rtol=1e-12, atol=1e-12)
    p = np.array([0.5, -1.0, 2.0, 0.25, 1.5])
    np.testing.assert_allclose(ags.hessp(rosen)(X0, p), scipy_optimize.rosen_hess_prod(X0, p),
                               rtol=1e-12)


@pytest.mark.parametrize("method", ["BFGS", "L-BFGS-B", "CG", "Newton-CG", "trust-ncg",
                                    "trust-krylov", "trust-exact", "dogleg", "trust-constr",
                                    "Nelder-Mead"])
def test_minimize_wires_the_derivatives_each_method_uses(method):
    options = {"options": {"maxiter": 4000}} if method == "Nelder-Mead" else {}
    start = np.array([1.3, 0.7, 0.8, 1.1, 1.2])
    if method == "dogleg":           # it needs a positive definite Hessian all the way
        start = np.array([0.9, 0.81, 0.66, 0.43, 0.19])
    result = ags.minimize(rosen, start, method=method, **options)
    np.testing.assert_allclose(result.x, np.ones(5), atol=1e-3)
    if method in ("Newton-CG", "trust-ncg", "trust-exact", "dogleg"):
        assert result.nhev > 0            # the second derivatives were used


# -- a logistic regression, its data passed by args= -------------------------------------------
RNG = np.random.default_rng(3)
DATA = RNG.standard_normal((60, 3))
LABELS = (DATA @ np.array([1.0, -2.0, 0.5]) + 0.3 * RNG.standard_normal(60) > 0).astype(float)


def nll(w, X, y, alpha):
    z = X @ w
    return np.sum(np.logaddexp(0.0, z) - y * z) + 0.5 * alpha * np.sum(w * w)


def nll_grad(w, X, y, alpha):
    return X.T @ (1 / (1 + np.exp(-(X @ w))) - y) + alpha * w


def nll_hessp(w, p, X, y, alpha):
    s = 1 / (1 + np.exp(-(X @ w)))
    return X.T @ (s * (1 - s) * (X @ p)) + alpha * p


def test_logistic_regression_with_args():
    args = (DATA, LABELS, 0.1)
    want = scipy_optimize.minimize(nll, np.zeros(3), args=args, jac=nll_grad,
                                   hessp=nll_hessp, method="Newton-CG", tol=1e-10)
    got = ags.minimize(nll, np.zeros(3), args=args, method="Newton-CG", tol=1e-10)
    assert got.success and want.success
    np.testing.assert_allclose(got.x, want.x, rtol=1e-7)
    w, p = np.array([0.3, -0.2, 0.1]), np.array([1.0, 2.0, -1.0])
    np.testing.assert_allclose(ags.hessp(nll)(w, p, *args), nll_hessp(w, p, *args), rtol=1e-12)
    np.testing.assert_allclose(ags.jac(nll)(w, *args), nll_grad(w, *args), rtol=1e-12)


def cubes(x, c):
    return np.sum(c * x ** 3)


def test_hessp_takes_the_vector_second_even_when_an_extra_argument_has_its_shape():
    """The issue's case: `ag.hvp(f)` takes `(x, *args, v)`; SciPy calls `hessp(x, p,
    *args)`. With `c` and `p` of one shape, swapping them is silently wrong."""
    x, p, c = np.array([1.0, 2.0, -1.0]), np.array([0.5, 0.0, 2.0]), np.array([1.0, -2.0, 1.0])
    want = 6 * c * x * p                                      # H = diag(6 c x)
    np.testing.assert_allclose(ags.hessp(cubes)(x, p, c), want)
    np.testing.assert_allclose(ag.hvp(cubes)(x, c, p), want)  # astgrad's own order
    result = ags.minimize(lambda x, c: np.sum(c * (x - 1.0) ** 4), np.zeros(3), args=(c ** 2,),
                          method="Newton-CG")
    np.testing.assert_allclose(result.x, np.ones(3), atol=0.05)


def residuals(x, t, y):
    return x[0] * np.exp(x[1] * t) - y


def test_least_squares_and_root_take_the_jacobian():
    t = np.linspace(0, 1, 20)
    y = 2.0 * np.exp(-1.5 * t)
    fit = scipy_optimize.least_squares(residuals, [1.0, 0.0], jac=ags.jac(residuals), args=(t, y))
    np.testing.assert_allclose(fit.x, [2.0, -1.5], rtol=1e-8)
    J = ags.jac(residuals)(np.array([2.0, -1.5]), t, y)
    assert J.shape == (20, 2)
    np.testing.assert_allclose(J[:, 0], np.exp(-1.5 * t))

    def equations(v, a):
        return np.array([v[0] ** 2 + v[1] ** 2 - a, v[0] - v[1]])
    found = scipy_optimize.root(equations, [1.0, 0.5], jac=ags.jac(equations), args=(2.0,))
    assert found.success
    np.testing.assert_allclose(found.x, [1.0, 1.0], rtol=1e-10)


def test_the_helpers_pickle():
    for make in (ags.fun_and_jac, ags.jac, ags.hess, ags.hessp):
        again = pickle.loads(pickle.dumps(make(rosen)))
        np.testing.assert_allclose(np.asarray(again(X0, X0) if make is ags.hessp else
                                              again(X0)[1] if make is ags.fun_and_jac else
                                              again(X0)),
                                   np.asarray(make(rosen)(X0, X0) if make is ags.hessp else
                                              make(rosen)(X0)[1] if make is ags.fun_and_jac
                                              else make(rosen)(X0)))
