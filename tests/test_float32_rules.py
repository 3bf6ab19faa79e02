"""Regressions for issue 11. float32 stays float32 through the rules: a tangent has its
value's dtype where NumPy keeps float32 for the value, and a float32 argument's gradient is
float32, also a 0-d one's (SciPy's functions that give float64 for float32, as
scipy.stats.norm.pdf, have float64 tangents). And the rule sweep's other gaps: np.inner
with a 0-d side, np.outer of a matrix or a float, logsumexp of a 0-d array, einsum's
`...` at second order, `x.dtype` passed as `dtype=`, lambdas given to np.piecewise."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.special
import scipy.stats

import astgrad as ag
from tests.sweep import cases, run

# The first case of each function a full sweep found with a float64 tangent for a float32
# value, or a float64 gradient for a 0-d float32 argument, before issue 11.
WIDENED = [
    'np.amax[np.amax(a)|0d|float32]',
    'np.amin[np.amin(a)|0d|float32]',
    'np.clip[np.clip(a, b, 0.6)|3,f|float32]',
    'np.copysign[np.copysign(a, b)|f,3|float32]',
    'np.float_power[np.float_power(a, b)|0d,2x3|float32]',
    'np.fmax[np.fmax(a, b)|f,3|float32]',
    'np.fmin[np.fmin(a, b)|f,3|float32]',
    'np.linalg.cholesky[np.linalg.cholesky(a)|3x3|float32]',
    'np.linalg.eigh[np.linalg.eigh(a)[1] ** 2|3x3|float32]',
    "np.linalg.matrix_norm[np.linalg.matrix_norm(a, ord='nuc')|2x3|float32]",
    'np.linalg.matrix_power[np.linalg.matrix_power(a, 3)|3x3|float32]',
    'np.linalg.norm[np.linalg.norm(a, 1)|2x3|float32]',
    'np.linalg.svd[np.linalg.svd(a, full_matrices=False)[0] ** 2|3x2|float32]',
    'np.linspace[np.linspace(a, b, 5)|0d,0d|float32]',
    'np.max[np.max(a)|0d|float32]',
    'np.maximum[np.maximum(a, b)|f,3|float32]',
    'np.min[np.min(a)|0d|float32]',
    'np.minimum[np.minimum(a, b)|f,3|float32]',
    'np.nanmax[np.nanmax(a)|0d|float32]',
    'np.nanmean[np.nanmean(a)|0d|float32]',
    'np.nanmin[np.nanmin(a)|0d|float32]',
    'np.nanstd[np.nanstd(a)|0d|float32]',
    'np.nanvar[np.nanvar(a)|0d|float32]',
    'np.polyval[np.polyval(a, b)|3,4|float32]',
    'np.power[np.power(a, b)|f,3|float32]',
    'np.ptp[np.ptp(a)|0d|float32]',
    'np.where[np.where(a > b, a * 2.0, b)|f,3|float32]',
    'operator.pow[a ** b|f,3|float32]',
    'pow[pow(a, b)|f,3|float32]',
    'scipy.linalg.cholesky[scipy.linalg.cholesky(a)|3x3|float32]',
    'scipy.special.digamma[scipy.special.digamma(a)|0d|float32]',
    'scipy.special.erf[scipy.special.erf(a)|0d|float32]',
    'scipy.special.erfc[scipy.special.erfc(a)|0d|float32]',
    'scipy.special.erfcinv[scipy.special.erfcinv(a + 1.0)|0d|float32]',
    'scipy.special.erfinv[scipy.special.erfinv(a)|0d|float32]',
    'scipy.special.log_ndtr[scipy.special.log_ndtr(a)|0d|float32]',
    'scipy.special.ndtr[scipy.special.ndtr(a)|0d|float32]',
    'scipy.special.ndtri[scipy.special.ndtri(a)|0d|float32]',
    'scipy.special.polygamma[scipy.special.polygamma(1, a)|0d|float32]',
    'scipy.special.y1[scipy.special.y1(a)|0d|float32]',
    'scipy.special.yn[scipy.special.yn(1, a)|0d|float32]',
    'scipy.stats.beta.logpdf[scipy.stats.beta.logpdf(a, b, c)|4,4,0d|float32]',
    'scipy.stats.beta.pdf[scipy.stats.beta.pdf(a, b, c)|4,4,0d|float32]',
    'scipy.stats.chi2.logpdf[scipy.stats.chi2.logpdf(a, b)|4,0d|float32]',
    'scipy.stats.chi2.pdf[scipy.stats.chi2.pdf(a, b)|4,0d|float32]',
    'scipy.stats.gamma.cdf[scipy.stats.gamma.cdf(a, b, scale=c)|4,4,0d|float32]',
    'scipy.stats.gamma.logcdf[scipy.stats.gamma.logcdf(a, b, scale=c)|4,4,0d|float32]',
    'scipy.stats.gamma.logpdf[scipy.stats.gamma.logpdf(a, b, scale=c)|4,4,0d|float32]',
    'scipy.stats.gamma.pdf[scipy.stats.gamma.pdf(a, b, scale=c)|4,4,0d|float32]',
    'scipy.stats.norm.cdf[scipy.stats.norm.cdf(a, b, c)|4,0d,4|float32]',
    'scipy.stats.norm.logcdf[scipy.stats.norm.logcdf(a, b, c)|4,0d,4|float32]',
    'scipy.stats.norm.logpdf[scipy.stats.norm.logpdf(a, b, c)|4,0d,4|float32]',
    'scipy.stats.norm.pdf[scipy.stats.norm.pdf(a, b, c)|4,0d,4|float32]',
    'scipy.stats.t.logpdf[scipy.stats.t.logpdf(a, b + 2.0, 0.1, c)|4,0d,4|float32]',
    'scipy.stats.t.pdf[scipy.stats.t.pdf(a, b + 2.0, 0.1, c)|4,0d,4|float32]',
    # SciPy 1.18 keeps a Python float weak in its special functions (float32 values), but a
    # rule's `special.gammaln(a)` or `special.digamma(a)` of that float is a float64 scalar
    'scipy.special.beta[scipy.special.beta(a, b)|f,3|float32]',
    'scipy.special.beta[scipy.special.beta(a, b)|3,f|float32]',
    'scipy.special.betaln[scipy.special.betaln(a, b)|f,3|float32]',
    'scipy.special.betaln[scipy.special.betaln(a, b)|3,f|float32]',
    'scipy.special.xlogy[scipy.special.xlogy(a, b)|3,f|float32]',
    'scipy.special.xlog1py[scipy.special.xlog1py(a, b)|3,f|float32]',
    'scipy.special.gammainc[scipy.special.gammainc(a, b)|f,3|float32]',
    'scipy.special.gammaincc[scipy.special.gammaincc(a, b)|f,3|float32]',
]
_BY_ID = {c.id: c for c in cases.all_cases()}


@pytest.mark.parametrize("case_id", [
    pytest.param(c, marks=pytest.mark.skipif(
        c not in _BY_ID and np.lib.NumpyVersion(np.__version__) < "2.0.0",
        reason="a function NumPy 2.0 added")) for c in WIDENED])
def test_float32_stays_float32(case_id):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert run.check(_BY_ID[case_id]) == ("ok", "")


x32 = np.array([0.31, -0.72, 0.55, 0.18], dtype=np.float32)


def maximum_of_float(a, x):
    return np.maximum(a, x)


def where_of_float(a, x):
    return np.where(x > 0.2, a * 2.0, x)


def two_to_the(x):
    return 2.0 ** x


@pytest.mark.parametrize("f, args", [(maximum_of_float, (0.3, x32)),
                                     (where_of_float, (0.3, x32)), (two_to_the, (x32,))])
def test_a_python_float_meeting_float32_keeps_float32(f, args):
    """NumPy takes the float in float32; so is its tangent (it was float64 times a mask)."""
    wide = tuple(np.asarray(a, np.float64) if isinstance(a, np.ndarray) else a for a in args)
    ones = tuple(np.ones_like(a) if isinstance(a, np.ndarray) else 1.0 for a in args)
    wrt = tuple(range(len(args)))
    value, t = ag.jvp(f, wrt=wrt)(*args, ones)
    _, t64 = ag.jvp(f, wrt=wrt)(*wide, ones)
    assert value.dtype == t.dtype == np.float32
    np.testing.assert_allclose(t, t64, rtol=1e-6)


def gammainc_of_float(a, x):
    return scipy.special.gammainc(a, x)


def test_a_float32_output_tangent_has_the_output_dtype():
    """The tangent is cast to the value's dtype: with SciPy 1.18 the value is float32 and the
    rule's `special.gammaln(a)` of the Python float `a` a float64 scalar (the tangent was
    float64); with older SciPy both are float64. Values against float64."""
    jf = ag.jvp(gammainc_of_float, wrt=(1,))
    value, t = jf(1.7, x32 + 1.0, (np.full_like(x32, 0.7),))
    assert "np.asarray(tout, out.dtype)" in ag.source(jf)     # (the latest made: float32)
    _, t64 = ag.jvp(gammainc_of_float, wrt=(1,))(1.7, (x32 + 1.0).astype(np.float64),
                                                   (np.full(4, 0.7),))
    assert t.dtype == value.dtype
    np.testing.assert_allclose(t, t64, rtol=2e-6)
    np.testing.assert_allclose(t64, 0.7 * np.exp(-(x32 + 1.0)) * (x32 + 1.0) ** 0.7
                               / scipy.special.gamma(1.7), rtol=1e-5)


def norm_pdf(x, loc, scale):
    return scipy.stats.norm.pdf(x, loc, scale)


def test_scipy_float64_value_float32_gradients():
    """SciPy gives float64 here for float32 arguments: the tangent is float64 as the value,
    each gradient its argument's float32, the 0-d one's too."""
    loc = np.array(0.2, np.float32)
    value, pullback = ag.vjp(norm_pdf, wrt=(0, 1, 2))(x32, loc, x32 * 0 + 1.5)
    grads = pullback(np.ones_like(value))
    assert value.dtype == np.float64 and [g.dtype for g in grads] == [np.float32] * 3
    assert np.shape(grads[1]) == ()
    expected = np.sum(value * (x32.astype(np.float64) - 0.2) / 1.5 ** 2)
    np.testing.assert_allclose(grads[1], expected, rtol=1e-6)


# ---- the sweep's other gaps (float64, second order against finite differences) -----------
_v = np.array([-0.7, 0.2, 0.5, -0.9])
_m = np.array([[0.3, -1.1, 0.6], [0.9, 0.4, -0.2]])


def inner_of_float_squared(a, b):
    return np.sum(np.inner(a, b) ** 2)          # np.inner(float, vector) is a vector


def outer_of_matrix(a, b):
    return np.sum(np.sin(np.outer(a, b)))       # np.outer flattens a


def einsum_ellipsis(a, b):
    return np.sum(np.einsum("...j,j", a, b) ** 2)


def powers_in_dtype(x):
    return np.sum(x ** np.arange(1, 4, dtype=x.dtype))   # the exponents carry no derivative


def hurwitz_zeta(x):
    return np.sum(scipy.special.zeta(2.5, x))


def digamma_sum(x):
    return np.sum(scipy.special.digamma(x) * x)


def y1_sum(x):
    return np.sum(scipy.special.y1(x))


@pytest.mark.parametrize("f, args", [
    (inner_of_float_squared, (0.3, _v)), (outer_of_matrix, (_m, _v)),
    (outer_of_matrix, (0.3, _v)),
    (einsum_ellipsis, (np.reshape(np.arange(6.0), (2, 1, 3)), _v[:3])),
    (powers_in_dtype, (_v[:3],)), (hurwitz_zeta, (np.abs(_v) + 0.5,)),
    (digamma_sum, (np.abs(_v) + 0.5,)), (y1_sum, (np.abs(_v) + 0.5,)),
])
def test_second_order(f, args):
    ag.check_grads(f, args, wrt=tuple(range(len(args))), order=2)


def test_inner_of_a_float_second_derivative():
    h = ag.hessian(inner_of_float_squared)(0.3, _v)
    np.testing.assert_allclose(h, 2 * np.sum(_v ** 2))


def test_outer_gradients_have_their_operands_shapes():
    ga, gb = ag.grad(outer_of_matrix, wrt=(0, 1))(_m, _v)
    assert ga.shape == (2, 3) and gb.shape == (4,)
    np.testing.assert_allclose(ga, np.reshape(np.cos(np.outer(_m, _v)) @ _v, (2, 3)))
    assert isinstance(ag.grad(outer_of_matrix)(0.3, _v), float)


def lse_keepdims(a):
    return np.sum(scipy.special.logsumexp(a, keepdims=True))


def lse_no_axes(a):
    return scipy.special.logsumexp(a, axis=())


@pytest.mark.parametrize("f", [lse_keepdims, lse_no_axes])
def test_logsumexp_of_a_0d_array(f):
    """SciPy (some versions) gives shape (1,) here, not NumPy's (): the gradient keeps the
    argument's ()."""
    a = np.array(0.4)
    g = ag.grad(f)(a) if f is lse_keepdims else ag.vjp(f)(a)[1](np.ones(np.shape(f(a))))
    assert np.shape(g) == () and g == 1.0
    _, t = ag.jvp(f)(a, np.array(0.5))
    np.testing.assert_allclose(t, 0.5)
    ag.check_grads(f, (a,), order=2)


def test_zeta_with_respect_to_s_is_refused():
    with pytest.raises(ag.AstgradError, match="zeta with respect to s"):
        ag.grad(lambda s: scipy.special.zeta(s))(2.5)


def piecewise_of_lambdas(a):
    return np.sum(np.piecewise(a, [a < 0, a >= 0], [lambda t: -t, lambda t: t * t]))


def test_lambdas_given_to_np_piecewise_keep_float32():
    grad = ag.grad(piecewise_of_lambdas)(_v.astype(np.float32))
    assert grad.dtype == np.float32
    np.testing.assert_allclose(grad, ag.grad(piecewise_of_lambdas)(_v), rtol=1e-6)
