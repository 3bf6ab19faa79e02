"""The `scipy.special` rules against finite differences, in reverse, forward and
second order (`check_grads(order=2)`), over shapes and broadcasting and at the
points naive formulas get wrong; the ways user code names SciPy's functions;
derivatives with no closed form refused; the rules loaded only with SciPy."""
import pickle
import subprocess
import sys

import numpy as np
import pytest

sc = pytest.importorskip("scipy.special")

import scipy  # noqa: E402
import scipy.special  # noqa: E402
from scipy import special, stats  # noqa: E402
from scipy.special import expit, gammaln, logsumexp, xlogy  # noqa: E402
from scipy.stats import norm  # noqa: E402

import astgrad as ag  # noqa: E402
from astgrad.errors import NoRuleError  # noqa: E402

_r = np.random.default_rng(20261126)
x = np.array([0.31, -0.72, 0.55, -0.18])       # in (-1, 1)
p = np.array([0.45, 1.3, 2.2, 0.8])            # positive
q = np.array([1.7, 0.6, 1.1, 2.4])
u = np.array([0.15, 0.4, 0.62, 0.9])           # in (0, 1)
P = _r.uniform(0.5, 2.0, (3, 4))
A = _r.uniform(-1, 1, (3, 4))
C = _r.uniform(0.5, 2.0, (3, 1))               # broadcasts against P
_W = _r.uniform(0.5, 1.5, 4)


# ---- one line a rule: elementwise functions on a vector, a matrix, a float --------------------
UNARY = [(special.expit, x), (special.logit, u), (special.gammaln, p), (special.gamma, p),
         (special.digamma, p), (special.psi, q), (special.erf, x), (special.erfc, x),
         (special.erfinv, x), (special.erfcinv, u + 0.3), (special.ndtr, x),
         (special.log_ndtr, x), (special.ndtri, u), (special.entr, p), (special.i0, x),
         (special.i1, x), (special.j0, p), (special.j1, p), (special.y0, p), (special.y1, p)]


def _unary_f(fn):
    def f(z):
        return np.sum(_W * fn(z))
    return f


@pytest.mark.parametrize("fn, arg", UNARY, ids=[f.__name__ for f, _ in UNARY])
def test_unary_rules(fn, arg):
    """A vector and a Python float (the rules are shape-blind; broadcasting is checked
    with the two-argument functions)."""
    ag.check_grads(_unary_f(fn), (arg,), order=2)
    ag.check_grads(lambda z: fn(z) ** 2, (float(arg[1]),), order=2)


def test_expit_of_a_float():
    ag.check_grads(lambda a: expit(a) * gammaln(a + 2.0), (0.7,), order=2)


def _binary_cases():
    """(name, f, args, wrt): the two-argument functions, broadcasting a column."""
    return [
        ("beta", lambda a, b: np.sum(special.beta(a, b)), (P, C), (0, 1)),
        ("betaln", lambda a, b: np.sum(special.betaln(a, b) ** 2), (P, C), (0, 1)),
        ("xlogy", lambda a, b: np.sum(special.xlogy(a, b) ** 2), (A, P), (0, 1)),
        ("xlog1py", lambda a, b: np.sum(special.xlog1py(a, b) ** 2), (A, P), (0, 1)),
        ("rel_entr", lambda a, b: np.sum(special.rel_entr(a, b) ** 2), (P, C), (0, 1)),
        ("polygamma", lambda b: np.sum(special.polygamma(2, b)), (P,), (0,)),
        ("polygamma-n", lambda b: np.sum(special.polygamma(np.array([0, 1, 3, 2]), b)),
         (P,), (0,)),
        ("iv", lambda b: np.sum(special.iv(1.5, b) ** 2), (P,), (0,)),
        ("ive", lambda b: np.sum(special.ive(2.0, b) + special.ive(0.5, b + 1.5)), (A,), (0,)),
        ("jv", lambda b: np.sum(special.jv(0.5, b)), (P,), (0,)),
        ("jn", lambda b: np.sum(special.jn(2, b)), (P,), (0,)),
        ("yn", lambda b: np.sum(special.yn(2, b)), (P + 0.5,), (0,)),
        ("gammainc", lambda b: np.sum(special.gammainc(2.5, b)), (P,), (0,)),
        ("gammaincc", lambda b: np.sum(special.gammaincc(C, b)), (P,), (0,)),
        ("multigammaln", lambda a: np.sum(special.multigammaln(a, 3)), (P + 1.5,), (0,)),
    ]


@pytest.mark.parametrize("name, f, args, wrt", _binary_cases(),
                         ids=[c[0] for c in _binary_cases()])
def test_binary_rules(name, f, args, wrt):
    ag.check_grads(f, args, wrt=wrt, order=2)


# ---- reductions over an axis -------------------------------------------------------------------
def _lse_rows(A):
    return np.sum(_W[:3] * logsumexp(A, axis=1))


def _lse_keep(A):
    return np.sum(logsumexp(A, axis=0, keepdims=True) ** 2)


def _lse_weighted(A, b):
    return np.sum(logsumexp(A, axis=1, b=b) ** 2)


def _lse_all(A):
    return logsumexp(A) ** 2


def _softmax(A):
    return np.sum(P * special.softmax(A, axis=1) ** 2)


def _softmax_flat(z):
    return np.sum(_W * special.softmax(z))


def _log_softmax(A):
    return np.sum(P * special.log_softmax(A, axis=0) ** 2)


@pytest.mark.parametrize("f, args, wrt", [
    (_lse_rows, (A,), 0), (_lse_keep, (A,), 0), (_lse_weighted, (A, P), (0, 1)),
    (_lse_weighted, (A, C), (0, 1)), (_lse_all, (A,), 0), (_lse_all, (x,), 0),
    (_softmax, (A,), 0), (_softmax_flat, (x,), 0), (_log_softmax, (A,), 0)])
def test_axis_rules(f, args, wrt):
    ag.check_grads(f, args, wrt=wrt, order=2)


# ---- where naive formulas fail -----------------------------------------------------------------
def test_logsumexp_with_minus_infinity_and_ties():
    z = np.array([0.5, -np.inf, 0.5, 1.0])
    grad = ag.grad(lambda z: logsumexp(z))(z)
    np.testing.assert_allclose(grad, special.softmax(z))
    assert grad[1] == 0.0 and grad[0] == grad[2]
    hessian = ag.hessian(lambda z: logsumexp(z))(z)
    s = special.softmax(z)
    np.testing.assert_allclose(hessian, np.diag(s) - np.outer(s, s), atol=1e-15)
    ag.check_grads(lambda z: logsumexp(z * 2.0), (np.array([0.3, 0.3, 0.3]),), order=2)


@pytest.mark.filterwarnings("ignore:divide by zero")
def test_xlogy_at_zero():
    """xlogy(0, y) is 0 for every y: no slope in y, log y in x; 0 * log 0 is 0."""
    df = ag.grad(lambda a, b: np.sum(xlogy(a, b)), wrt=(0, 1))
    da, db = df(np.array([0.0, 0.0, 2.0]), np.array([0.5, 0.0, 0.5]))
    np.testing.assert_allclose(da, [np.log(0.5), -np.inf, np.log(0.5)])
    np.testing.assert_array_equal(db, [0.0, 0.0, 4.0])
    ag.check_grads(lambda b: np.sum(xlogy(np.array([0.0, 1.5]), b)),
                   (np.array([0.7, 1.2]),), order=2)
    _, tangent = ag.jvp(lambda b: np.sum(special.xlog1py(0.0, b)))(np.array([-1.0]),
                                                                    np.array([1.0]))
    assert tangent == 0.0


@pytest.mark.filterwarnings("ignore:divide by zero")
def test_entr_at_zero_is_an_infinite_slope_and_nan_nowhere():
    grad = ag.grad(lambda z: np.sum(special.entr(z)))(np.array([0.0, 1.0, np.e]))
    np.testing.assert_allclose(grad, [np.inf, -1.0, -2.0])


def test_bessel_i1_and_gammainc_at_zero():
    np.testing.assert_allclose(ag.grad(lambda z: np.sum(special.i1(z)))(np.array([0.0])),
                               [0.5])
    assert ag.grad(lambda b: special.gammainc(1.0, b))(0.0) == 1.0
    ag.check_grads(lambda z: np.sum(special.i1(z) * z), (np.array([1e-3, 0.5]),), order=2)


def test_log_ndtr_far_in_the_left_tail():
    grad = ag.grad(lambda z: np.sum(special.log_ndtr(z)))(np.array([-30.0, -10.0]))
    np.testing.assert_allclose(grad, [30.03323, 10.09809], rtol=1e-5)  # about -x - 1/x


def test_softmax_with_ties_and_one_entry():
    ag.check_grads(lambda z: np.sum(_W[:3] * special.softmax(z)), (np.zeros(3),), order=2)
    grad = ag.grad(lambda z: np.sum(special.log_softmax(z, axis=0)))(np.array([[2.0]]))
    np.testing.assert_array_equal(grad, [[0.0]])


# ---- refused: no closed form, or an integer order ---------------------------------------------
def _iv_order(v):
    return special.iv(v, 1.3)


def _gammainc_a(a):
    return special.gammainc(a, 0.8)


def _polygamma_n(n):
    return special.polygamma(n, 1.3)


def _lse_sign(z):
    value, sign = logsumexp(z, return_sign=True)
    return value


@pytest.mark.parametrize("f, arg, what", [
    (_iv_order, 1.5, "iv with respect to its order"),
    (_gammainc_a, 1.5, "gammainc with respect to a"),
    (_polygamma_n, 1.0, "polygamma with respect to its order n"),
    (_lse_sign, x, r"return_sign=True")])
def test_derivatives_without_a_closed_form_are_refused(f, arg, what):
    with pytest.raises(NoRuleError, match=what):
        ag.grad(f)(arg)
    with pytest.raises(NoRuleError, match=what):
        ag.jvp(f)(arg, np.ones_like(arg))


def test_second_order_is_refused_where_the_first_needs_the_order():
    """d/dx iv(v, x) is fine at any order; its slope in v is refused, not zero."""
    def f(v, b):
        return special.iv(v, b)
    ag.check_grads(f, (1.5, 0.8), wrt=1, order=2)
    with pytest.raises(NoRuleError, match="order"):
        ag.grad(ag.grad(f, wrt=1), wrt=0)(1.5, 0.8)


# ---- how user code names them -------------------------------------------------------------
def _dotted(z):
    return np.sum(scipy.special.gammaln(z) + sc.expit(z) + special.erf(z) + gammaln(z))


def test_every_way_of_naming_a_function_and_the_generated_code():
    ag.check_grads(_dotted, (p,), order=2)
    code = ag.source(ag.grad(_dotted))
    assert "special.digamma(z)" in code and "special.gammaln(z)" in code
    body = [line for line in code.split("def ")[1].splitlines()[1:]
            if not line.strip().startswith("#")]
    assert body and not any("scipy.special" in line for line in body)


def _imported_distribution(z, s):
    return np.sum(norm.logpdf(z, scale=s) + stats.t.logpdf(z, df=s + 2.0))


def test_a_distribution_imported_by_name():
    ag.check_grads(_imported_distribution, (x, 1.4), wrt=(0, 1), order=2)
    assert "stats.norm.logpdf(z, scale=s)" in ag.source(ag.grad(_imported_distribution))


def _frozen(z):
    return np.sum(stats.norm(0.0, 1.0).logpdf(z))


def test_a_frozen_distribution_is_refused_by_name():
    with pytest.raises(NoRuleError, match="frozen distribution") as info:
        ag.grad(_frozen)(x)
    assert "stats.norm.logpdf(x, loc, scale)" in info.value.fix
    assert f"{__file__}:" in str(info.value)


_NORMAL = stats.norm(0.0, 2.0)


def _frozen_before(z):
    return np.sum(_NORMAL.logpdf(z))


def test_a_distribution_frozen_before_the_function_is_refused_by_name():
    with pytest.raises(NoRuleError, match="`_NORMAL.logpdf`: a frozen distribution"):
        ag.grad(_frozen_before)(x)


def test_a_method_without_a_rule_is_refused_by_name():
    with pytest.raises(NoRuleError, match=r"`(scipy\.)?stats\.norm\.ppf` has no derivative rule"):
        ag.grad(lambda z: np.sum(stats.norm.ppf(z)))(u)


def test_a_derivative_of_scipy_code_pickles():
    df = ag.grad(_dotted)
    again = pickle.loads(pickle.dumps(df))
    np.testing.assert_allclose(again(p), df(p))


def test_importing_astgrad_imports_no_scipy():
    code = ("import sys, astgrad, numpy as np; ag = astgrad\n"
            "ag.grad(lambda x: np.sum(np.sin(x)))(np.ones(2))\n"
            "print(sorted(m for m in sys.modules if m.startswith('scipy')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
