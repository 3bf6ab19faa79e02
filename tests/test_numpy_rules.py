"""Issue 11's NumPy rules against finite differences, at first and second order in
reverse and forward mode (`check_grads(..., order=2, forward=True)`): over 0-d..3-d
shapes, axes, keepdims, broadcasting, float32 and float64, and at the special points
(ties for sort/partition/median/quantile, zeros for prod/cumprod/nanprod)."""
import warnings

import numpy as np
import pytest

import astgrad as ag
from astgrad.transform import registry

# NumPy 2 deprecates np.cross of 2-vectors, which it still computes (and we differentiate)
pytestmark = pytest.mark.filterwarnings("ignore:Arrays of 2-dimensional vectors")

_r = np.random.default_rng(11)


def _u(*shape):
    return _r.uniform(-1, 1, shape)


x, y = _u(5), _u(5)
v3, w3 = _u(3), _u(3)
V2 = _u(4, 2)
A, B = _u(3, 4), _u(4, 3)
M3 = _u(4, 3)
T = _u(2, 3, 4)
T3 = _u(2, 3, 3)
p = np.array([0.7, -1.2, 0.4, 2.0])           # polynomial coefficients
u0 = np.array(0.35)
xnan = np.array([0.3, np.nan, -0.7, 0.9, np.nan, 0.2])
Anan = np.array([[0.3, np.nan, -0.7], [0.9, 0.5, np.nan]])
tie = np.array([0.4, 1.3, 1.3, -0.2, 0.9])    # a pair of ties in the middle
xp = np.array([-1.0, -0.3, 0.2, 0.9, 1.4])
fp = np.array([0.5, -0.2, 0.8, 1.1, -0.4])
xs = np.array([-1.3, -0.8, 0.05, 0.55, 1.2, 1.7])  # inside and outside xp, off its nodes
zero1 = np.array([0.7, 0.0, -1.3, 0.5])
zero2 = np.array([0.7, 0.0, -1.3, 0.0])
Z = np.array([[0.7, 0.0, -1.3], [0.5, 1.1, 0.9], [0.0, 0.0, 0.4]])
sig, ker = _u(7), _u(3)


CASES = {
    # ---- x % y and its function forms, broadcast
    "mod-op": (lambda A, v3: A.T % (1.5 + v3 ** 2), (A, v3)),
    "mod-op-number": (lambda a, b: a % b, (2.7, 0.8)),
    "np.mod": (lambda A, v3: np.mod(A.T, 1.5 + v3 ** 2), (A, v3)),
    "np.remainder": (lambda T, x: np.remainder(T, 1.5 + x[:4] ** 2), (T, x)),
    "np.fmod": (lambda A, v3: np.fmod(A.T * 3.0, 0.7 + v3 ** 2), (A, v3)),
    # ---- axes and shapes
    "rollaxis": (lambda T: np.rollaxis(T, 2), (T,)),
    "rollaxis-start": (lambda T: np.rollaxis(T, 0, 3), (T,)),
    "rollaxis-neg": (lambda T: np.rollaxis(T, -1, 1), (T,)),
    "atleast_1d": (lambda u0: np.atleast_1d(u0) * 2.0, (u0,)),
    "atleast_2d": (lambda x: np.atleast_2d(x) ** 2, (x,)),
    "atleast_3d": (lambda A: np.atleast_3d(A) ** 2, (A,)),
    "atleast_2d-two": (lambda x, A: np.sum(np.atleast_2d(x, A)[0] ** 2)
                       + np.sum(np.atleast_2d(x, A)[1] ** 3), (x, A)),
    # ---- products along the last axis
    "cross": (lambda v3, w3: np.cross(v3, w3), (v3, w3)),
    "cross-broadcast": (lambda M3, w3: np.cross(M3, w3), (M3, w3)),
    "cross-axes": (lambda A, B: np.cross(A, B, axisa=0, axisb=1, axisc=0), (A, B)),
    "cross-axis": (lambda A, B: np.cross(A, B.T, axis=0), (A, B)),
    "cross-2d": (lambda V2: np.cross(V2, V2[::-1] ** 2), (V2,)),
    "cross-2-3": (lambda V2, M3: np.cross(V2, M3), (V2, M3)),
    # ---- polynomials and signals
    "polyval": (lambda p, x: np.polyval(p, x), (p, x)),
    "polyval-number": (lambda p, a: np.polyval(p, a), (p, 0.4)),
    "polyval-matrix": (lambda p, A: np.polyval(p, A), (p, A)),
    "convolve-full": (lambda sig, ker: np.convolve(sig, ker), (sig, ker)),
    "convolve-same": (lambda sig, ker: np.convolve(sig, ker, "same"), (sig, ker)),
    "convolve-valid": (lambda sig, ker: np.convolve(ker, sig, "valid"), (sig, ker)),
    "correlate-valid": (lambda sig, ker: np.correlate(sig, ker), (sig, ker)),
    "correlate-full": (lambda sig, ker: np.correlate(ker, sig, "full"), (sig, ker)),
    "correlate-same": (lambda sig, ker: np.correlate(sig, ker, mode="same"), (sig, ker)),
    "unwrap": (lambda x: np.unwrap(np.cumsum(x) * 4.0), (x,)),
    "unwrap-axis": (lambda A: np.unwrap(A * 5.0, axis=0), (A,)),
    "gradient": (lambda x: np.gradient(x ** 2), (x,)),
    "gradient-spacing": (lambda x: np.gradient(x ** 2, 0.3, edge_order=2), (x,)),
    "gradient-coords": (lambda x: np.gradient(x ** 2, np.array([0., .5, 1.2, 1.3, 2.])), (x,)),
    "gradient-axis": (lambda A: np.gradient(A, axis=1), (A,)),
    "gradient-2d": (lambda A: np.sum(np.gradient(A)[0] * np.gradient(A)[1]), (A,)),
    "interp": (lambda xs, fp: np.interp(xs, xp, fp), (xs, fp)),
    "interp-left-right": (lambda xs, fp: np.interp(xs, xp, fp, left=0.1, right=-2.0), (xs, fp)),
    "interp-number": (lambda a, fp: np.interp(a, xp, fp), (0.35, fp)),
    # ---- NaN-skipping
    "nancumsum": (lambda xnan: np.nancumsum(xnan), (xnan,)),
    "nancumsum-axis": (lambda Anan: np.nancumsum(Anan, axis=1), (Anan,)),
    "nanprod": (lambda xnan: np.nanprod(xnan), (xnan,)),
    "nanprod-axis": (lambda Anan: np.nanprod(Anan, axis=0, keepdims=True), (Anan,)),
    "nanvar": (lambda xnan: np.nanvar(xnan), (xnan,)),
    "nanvar-axis-ddof": (lambda Anan: np.nanvar(Anan + 0.0, axis=1, ddof=1), (Anan,)),
    "nanstd": (lambda xnan: np.nanstd(xnan, keepdims=True), (xnan,)),
    "nanstd-axis": (lambda Anan: np.nanstd(Anan, axis=0), (Anan,)),
    # ---- order statistics
    "sort": (lambda x: np.sort(x), (x,)),
    "sort-axis0": (lambda T: np.sort(T, axis=0), (T,)),
    "sort-axis1": (lambda T: np.sort(T, axis=1), (T,)),
    "sort-none": (lambda A: np.sort(A, axis=None), (A,)),
    "partition": (lambda x: np.partition(x, 2), (x,)),
    "partition-axis": (lambda T: np.partition(T, 1, axis=1), (T,)),
    "partition-none": (lambda A: np.partition(A, 5, axis=None), (A,)),
    "median": (lambda x: np.median(x), (x,)),
    "median-even": (lambda A: np.median(A), (A,)),
    "median-axis": (lambda T: np.median(T, axis=1, keepdims=True), (T,)),
    "median-axes": (lambda T: np.median(T, axis=(0, 2)), (T,)),
    "quantile": (lambda A: np.quantile(A, 0.3), (A,)),
    "quantile-axis": (lambda T: np.quantile(T, 0.7, axis=2), (T,)),
    "quantile-qs": (lambda A: np.quantile(A, np.array([0.1, 0.5, 0.95]), axis=0), (A,)),
    "quantile-keepdims": (lambda T: np.quantile(T, 0.25, axis=-1, keepdims=True), (T,)),
    "percentile": (lambda x: np.percentile(x, 40.0), (x,)),
    "percentile-axis": (lambda A: np.percentile(A, [20.0, 65.0], axis=1), (A,)),
    # ---- products at zeros
    "prod": (lambda x: np.prod(x), (x,)),
    "prod-axis": (lambda T: np.prod(T, axis=1, keepdims=True), (T,)),
    "prod-one-zero": (lambda zero1: np.prod(zero1), (zero1,)),
    "prod-two-zeros": (lambda zero2: np.prod(zero2), (zero2,)),
    "prod-zeros-axis": (lambda Z: np.prod(Z, axis=1), (Z,)),
    "prod-zeros-axis0": (lambda Z: np.prod(Z, axis=0, keepdims=True), (Z,)),
    "cumprod": (lambda x: np.cumprod(x), (x,)),
    "cumprod-one-zero": (lambda zero1: np.cumprod(zero1), (zero1,)),
    "cumprod-two-zeros": (lambda zero2: np.cumprod(zero2), (zero2,)),
    "cumprod-zeros-axis": (lambda Z: np.cumprod(Z, axis=0), (Z,)),
    "cumprod-zeros-flat": (lambda Z: np.cumprod(Z), (Z,)),
    # ---- select and piecewise
    "select": (lambda x, y: np.select([x < 0, x > 0.5], [x ** 2, y * 3.0], 0.5), (x, y)),
    "select-default": (lambda x, y: np.select([x < 0], [y], x * 2.0), (x, y)),
    "piecewise": (lambda x, y: np.piecewise(x, [x < 0, x >= 0], [-1.0, 2.0]) * y, (x, y)),
    # ---- 0-d arrays and Python numbers
    "prod-0d": (lambda u0: np.prod(u0), (u0,)),
    "prod-number": (lambda a: np.prod(a), (0.8,)),
    "cumprod-0d": (lambda u0: np.cumprod(u0), (u0,)),
    "median-0d": (lambda u0: np.median(u0), (u0,)),
    "quantile-0d": (lambda u0: np.quantile(u0, 0.4), (u0,)),
    "nancumsum-0d": (lambda u0: np.nancumsum(u0), (u0,)),
    "mod-0d": (lambda u0, x: np.mod(x, 0.4 + u0 ** 2), (u0, x)),
    "interp-0d": (lambda u0, fp: np.interp(u0, xp, fp), (u0, fp)),
    "polyval-0d": (lambda p, u0: np.polyval(p, u0), (p, u0)),
    # ---- more axes
    "gradient-axes": (lambda T: np.sum(np.gradient(T, 0.5, axis=(0, 2))[1] ** 2), (T,)),
    "gradient-3d": (lambda T: np.gradient(T, axis=-1, edge_order=2), (T,)),
    "cumprod-zeros-3d": (lambda T: np.cumprod(T * (T > -0.3), axis=2), (T,)),
    "prod-zeros-3d": (lambda T: np.prod(T * (T > -0.3), axis=1), (T,)),
    "prod-two-axes": (lambda T: np.prod(T + 2.0, axis=(0, 2)), (T,)),
    "nanvar-3d": (lambda T: np.nanvar(np.where(T > 0.8, np.nan, T), axis=(0, 2)), (T,)),
    "select-number": (lambda x, a: np.select([x < 0, x > 0.5], [a, x], 0.0), (x, 0.6)),
    "select-broadcast": (lambda A, v3: np.select([A.T > 0], [v3], A.T), (A, v3)),
    "cross-3d-axis": (lambda T3, v3: np.cross(T3, v3, axisa=1), (T3, v3)),
    "atleast_3d-vector": (lambda x: np.atleast_3d(x) * x[0], (x,)),
    "atleast_1d-number": (lambda a: np.atleast_1d(a) * 3.0, (0.4,)),
}
# NumPy 2's: registered where the installed NumPy has them
if hasattr(np, "matrix_transpose"):
    CASES["matrix_transpose"] = (lambda T: np.matrix_transpose(T) * 2.0, (T,))
    CASES["linalg.matrix_transpose"] = (lambda A: np.linalg.matrix_transpose(A) ** 2, (A,))
if hasattr(np, "vecdot"):
    CASES["vecdot"] = (lambda M3, w3: np.vecdot(M3, w3), (M3, w3))
    CASES["vecdot-broadcast"] = (lambda T, A: np.vecdot(T, A), (T, A))
if hasattr(np, "matvec"):
    CASES["matvec"] = (lambda A, x: np.matvec(A, x[:4]), (A, x))
    CASES["matvec-stack"] = (lambda T3, v3: np.matvec(T3, v3), (T3, v3))
    CASES["vecmat"] = (lambda v3, A: np.vecmat(v3, A), (v3, A))
    CASES["vecmat-stack"] = (lambda M3, T: np.vecmat(M3[:2], T), (M3, T))

# the functions these cases cover (tests/test_rules.py counts them as tested)
FUNCTIONS = [np.remainder, np.fmod, np.rollaxis, np.atleast_1d, np.atleast_2d, np.atleast_3d,
             np.cross, np.polyval, np.convolve, np.correlate, np.unwrap, np.gradient, np.interp,
             np.nancumsum, np.nanprod, np.nanvar, np.nanstd, np.sort, np.partition, np.median,
             np.quantile, np.percentile, np.prod, np.cumprod, np.select, np.piecewise] + [
    fn for module, name in ((np, "matrix_transpose"), (np.linalg, "matrix_transpose"),
                            (np, "vecdot"), (np, "matvec"), (np, "vecmat"))
    for fn in [getattr(module, name, None)] if fn is not None]


def test_the_functions_have_rules_in_both_modes():
    for fn in FUNCTIONS:
        prim = registry.lookup(fn)
        assert prim is not None and prim.vjps, fn
        assert all(registry.forward_rule(prim, i) is not None
                   for i, rule in enumerate(prim.vjps) if rule is not None), fn


def _cross_of_2_vectors_computes() -> bool:
    """NumPy 2.0 deprecated np.cross of 2-vectors, and a later NumPy refuses it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            np.cross(np.ones(2), np.ones(2))
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("name", [
    n if not n.startswith(("cross-2d", "cross-2-3")) or _cross_of_2_vectors_computes() else
    pytest.param(n, marks=pytest.mark.skip(reason="this NumPy refuses np.cross of 2-vectors"))
    for n in CASES])
def test_rule_at_first_and_second_order(name):
    f, args = CASES[name]
    wrt = tuple(i for i, v in enumerate(args) if isinstance(v, float)
                or np.asarray(v).dtype.kind == "f")
    ag.check_grads(f, args, wrt=wrt, order=2, forward=True)


# at ties the gradient jumps (the split changes), so differences of it are meaningless: the
# ties are checked at first order, where the even split is what central differences see
TIES = {
    "sort": lambda tie: np.sort(tie),
    "partition": lambda tie: np.partition(tie, 2),
    "partition-kth-tied": lambda tie: np.partition(tie, 3),
    "median": lambda tie: np.median(tie),
    "quantile": lambda tie: np.quantile(tie, 0.6),
}


# NumPy before 2.0 leaves tied entries past `kth` in their input order, so there
# partition(tie, 2) is locally a fixed permutation and the even split is not its derivative
_KEPT_ORDER = pytest.mark.xfail(np.lib.NumpyVersion(np.__version__) < "2.0.0", strict=True,
                                reason="NumPy < 2.0: partition keeps tied entries in order")


@pytest.mark.parametrize("name", [pytest.param(n, marks=_KEPT_ORDER) if n == "partition" else n
                                  for n in TIES])
def test_ties_split_evenly(name):
    ag.check_grads(TIES[name], (tie,), order=1, forward=True)


def test_median_tie_values():
    np.testing.assert_allclose(ag.grad(np.median)(tie), [0, 0, 0, 0, 1])
    np.testing.assert_allclose(ag.grad(np.median)(np.array([1.0, 3.0, 3.0])), [0, 0.5, 0.5])


# ---- float32 in, float32 gradients out, as float64 gives them ------------------------------
FLOAT32 = ["np.mod", "rollaxis", "atleast_2d", "cross-axes", "polyval", "convolve-same",
           "correlate-full", "unwrap", "gradient-spacing", "interp", "nancumsum", "nanprod",
           "nanstd", "sort-axis1", "partition", "median-axis", "quantile-qs", "percentile",
           "prod-zeros-axis", "cumprod-zeros-axis", "select"]


@pytest.mark.parametrize("name", FLOAT32)
def test_float32(name):
    f, args = CASES[name]
    single = tuple(np.float32(a) if isinstance(a, float) else
                   np.asarray(a, np.float32) for a in args)
    for k in range(len(args)):
        g64 = _pulled_back(f, args, k)
        g32 = _pulled_back(f, single, k)
        assert np.asarray(g32).dtype == np.float32, (name, k, np.asarray(g32).dtype)
        np.testing.assert_allclose(g32, g64, rtol=2e-4, atol=2e-4)


def _pulled_back(f, args, k):
    value, pullback = ag.vjp(f, wrt=k)(*args)
    return pullback(np.ones_like(value))[0]


# ---- refused, by name ---------------------------------------------------------------------------
def _square(v):
    return v ** 2


REFUSED = {
    "quantile wrt q": (lambda a, q: np.quantile(a, q), (x, 0.3), 1, "with respect to q"),
    "quantile method": (lambda a: np.quantile(a, 0.3, method="nearest"), (x,), 0, "method"),
    "median overwrite_input": (lambda a: np.median(a * 1.0, overwrite_input=True), (x,), 0,
                               "overwrite_input"),
    "interp wrt xp": (lambda xs, xp: np.interp(xs, xp, fp), (xs, xp), 1, "xp"),
    "interp period": (lambda xs: np.interp(xs, xp, fp, period=3.0), (xs,), 0, "period"),
    "piecewise of functions": (lambda x: np.piecewise(x, [x < 0], [_square, 1.0]),
                               (x,), 0, "np.piecewise"),
    "prod over two axes at zeros": (lambda T: np.prod(T * (T > 0), axis=(0, 2)), (T,), 0,
                                    "several axes"),
}
# (np.linspace and np.arange with an integer dtype: slope 0, tests/test_piecewise_constant.py)


@pytest.mark.parametrize("name", list(REFUSED))
def test_refused(name):
    f, args, wrt, words = REFUSED[name]
    with pytest.raises(ag.AstgradError, match=words):
        _pulled_back(f, args, wrt)


# ---- third order, through the rules' own generated code -------------------------------------
_z = np.array([0.3, -1.2, 0.8, 0.0, 2.0])     # a zero, for the products
THIRD = {
    "sort": lambda t: np.sum(np.sort(t * _z) ** 3 * np.arange(5.0)),
    "median": lambda t: np.median((t * _z) ** 3),
    "cross": lambda t: np.sum(np.cross(t * _z[:3], _z[2:] * t ** 2)),
    "cumprod-zero": lambda t: np.sum(np.cumprod(t * _z) * np.arange(5.0)),
    "prod-zero": lambda t: np.sum(np.prod(np.reshape(t * _z + 1.0, (5, 1)) * _z, axis=0)),
    "polyval": lambda t: np.polyval(t * p, t),
    "interp": lambda t: np.sum(np.interp(t * xs, xp, fp * t ** 2)),
}


@pytest.mark.parametrize("name", list(THIRD))
def test_third_order(name):
    f, h = THIRD[name], 1e-4
    d2, d3 = ag.grad(ag.grad(f)), ag.grad(ag.grad(ag.grad(f)))
    np.testing.assert_allclose(d3(0.7), (d2(0.7 + h) - d2(0.7 - h)) / (2 * h),
                               rtol=1e-5, atol=1e-6)
