"""np.linalg and SciPy: their signatures for the sweep (SciPy's only when it is installed)."""
from .fixed import F
from .signatures import Sig, _unary

S3, SB, R = (3, 3), (2, 3, 3), (3,)
SQ = ((S3,), ((1, 1),), (SB,))

LINALG = [
    F("np.linalg.det", "np.linalg.det(a)", "s", *SQ),
    F("np.linalg.slogdet", "np.linalg.slogdet(a)[1]", "s", *SQ),
    F("np.linalg.inv", "np.linalg.inv(a)", "s", *SQ),
    F("np.linalg.solve", "np.linalg.solve(a, b)", "sr", (S3, R), (S3, (3, 2)), (SB, (2, 3, 1))),
    F("np.linalg.cholesky", "np.linalg.cholesky(a)", "d", (S3,), ((1, 1),), (SB,)),
    F("np.linalg.eigh", "np.linalg.eigh(a)[0]", "d", (S3,), (SB,)),
    F("np.linalg.eigh", "np.linalg.eigh(a)[1] ** 2", "d", (S3,)),
    F("np.linalg.eigvalsh", "np.linalg.eigvalsh(a)", "d", (S3,), (SB,)),
    F("np.linalg.svd", "np.linalg.svd(a, compute_uv=False)", "r", ((2, 3),), ((3, 2),),
      ((2, 3, 2),)),
    F("np.linalg.svd", "np.linalg.svd(a, full_matrices=False)[0] ** 2", "r", ((3, 2),)),
    F("np.linalg.svdvals", "np.linalg.svdvals(a)", "r", ((2, 3),), ((2, 2, 3),)),
    F("np.linalg.pinv", "np.linalg.pinv(a)", "r", ((2, 3),), ((3, 2),), (S3,)),
    F("np.linalg.qr", "np.linalg.qr(a)[1]", "r", ((3, 2),), (S3,)),
    F("np.linalg.qr", "np.linalg.qr(a)[0]", "r", ((3, 2),)),
    F("np.linalg.lstsq", "np.linalg.lstsq(a, b, rcond=None)[0]", "rr", ((4, 3), (4,)),
      ((4, 2), (4, 2))),
    F("np.linalg.matrix_power", "np.linalg.matrix_power(a, 3)", "s", (S3,), (SB,)),
    F("np.linalg.matrix_power", "np.linalg.matrix_power(a, -2)", "s", (S3,)),
    F("np.linalg.multi_dot", "np.linalg.multi_dot([a, b, c])", "rrr",
      ((2, 3), (3, 4), (4, 2)), ((3,), (3, 4), (4,)), no_second=True),
    F("np.linalg.tensorsolve", "np.linalg.tensorsolve(a, b)", "sr", (S3, R)),
    F("np.linalg.tensorinv", "np.linalg.tensorinv(a, ind=1)", "s", (S3,)),
    F("np.linalg.norm", "np.linalg.norm(a, 1)", "r", ((4,),), ((2, 3),)),
    F("np.linalg.norm", "np.linalg.norm(a, np.inf)", "r", ((4,),), ((2, 3),)),
    F("np.linalg.norm", "np.linalg.norm(a, 3)", "r", ((4,),)),
    F("np.linalg.norm", "np.linalg.norm(a, 'fro')", "r", ((2, 3),)),
    F("np.linalg.norm", "np.linalg.norm(a, 'nuc')", "r", ((2, 3),)),
    F("np.linalg.norm", "np.linalg.norm(a, 2)", "r", ((2, 3),)),
    F("np.linalg.norm", "np.linalg.norm(a, -2)", "r", ((3, 2),)),
    F("np.linalg.norm", "np.linalg.norm(a, np.inf, axis=1)", "r", ((2, 3),)),
    F("np.linalg.norm", "np.linalg.norm(a, 1, axis=(1, 2))", "r", ((2, 3, 2),)),
    F("np.linalg.vector_norm", "np.linalg.vector_norm(a)", "r", ((4,),), ((2, 3),)),
    F("np.linalg.vector_norm", "np.linalg.vector_norm(a, ord=3, axis=0, keepdims=True)", "r",
      ((2, 3),)),
    F("np.linalg.matrix_norm", "np.linalg.matrix_norm(a)", "r", ((2, 3),), ((2, 2, 3),)),
    F("np.linalg.matrix_norm", "np.linalg.matrix_norm(a, ord='nuc')", "r", ((2, 3),)),
    F("np.linalg.eigvals", "np.real(np.linalg.eigvals(a))", "d", (S3,), (SB,)),
    F("np.linalg.eig", "np.real(np.linalg.eig(a)[0])", "d", (S3,)),
]

_SP = "scipy.special."
SPECIAL = (
    _unary("expit erf erfc ndtr log_ndtr i0 i1 j0 j1 log_softmax softmax", prefix=_SP)
    + _unary("gammaln gamma digamma y0 y1 entr", "p", _SP)
    + _unary("logit ndtri", "q", _SP) + _unary("erfinv", "u", _SP)
    + [Sig(_SP + "erfcinv", _SP + "erfcinv(a + 1.0)", "u", "unary"),
       Sig(_SP + "polygamma", _SP + "polygamma(1, a)", "p", "unary"),
       Sig(_SP + "zeta", _SP + "zeta(2.5, a)", "p", "unary"),
       Sig(_SP + "multigammaln", _SP + "multigammaln(a + 2.0, 3)", "p", "unary",
           floats_only=True),
       Sig(_SP + "iv", _SP + "iv(1.5, a)", "p", "unary"),
       Sig(_SP + "ive", _SP + "ive(0.5, a)", "p", "unary"),
       Sig(_SP + "jv", _SP + "jv(2.0, a)", "r", "unary"),
       Sig(_SP + "yn", _SP + "yn(1, a)", "p", "unary")]
    + [Sig(_SP + n, f"{_SP}{n}(a, b)", d, "binary") for n, d in (
        ("beta", "pp"), ("betaln", "pp"), ("xlogy", "rp"), ("xlog1py", "rp"),
        ("rel_entr", "pp"), ("gammainc", "Pp"), ("gammaincc", "Pp"))]
)

_ST = "scipy.stats."
STATS = [
    F(_ST + "norm." + m, f"{_ST}norm.{m}(a, b, c)", "rrp", ((4,), (), (4,)), (None, None, None),
      ((2, 3), (3,), ()))
    for m in ("logpdf", "pdf", "cdf", "logcdf")
] + [
    F(_ST + "t." + m, f"{_ST}t.{m}(a, b + 2.0, 0.1, c)", "rpp" if "pdf" in m else "rPp",
      ((4,), (), (4,)))
    for m in ("logpdf", "pdf", "cdf", "logcdf")
] + [
    F(_ST + "gamma." + m, f"{_ST}gamma.{m}(a, b, scale=c)", "ppp" if "pdf" in m else "pPp", ((4,), (4,), ()))
    for m in ("logpdf", "pdf", "cdf", "logcdf")
] + [
    F(_ST + "beta." + m, f"{_ST}beta.{m}(a, b, c)", "qpp" if "pdf" in m else "qPP",
      ((4,), (4,), ()))
    for m in ("logpdf", "pdf", "cdf", "logcdf")
] + [
    F(_ST + "chi2." + m, f"{_ST}chi2.{m}(a, b)", "pp" if "pdf" in m else "pP", ((4,), ()), ((2, 2), (2,)))
    for m in ("logpdf", "pdf", "cdf", "logcdf")
] + [
    F(_ST + "poisson." + m, f"{_ST}poisson.{m}(3, a)", "p", ((4,),), (None,))
    for m in ("logpmf", "pmf", "cdf", "logcdf")
] + [
    F(_ST + "dirichlet.logpdf", _ST + "dirichlet.logpdf(a, b)", "Wp", ((3,), (3,))),
    F(_ST + "dirichlet.pdf", _ST + "dirichlet.pdf(a, b)", "Wp", ((3,), (3,))),
    F(_ST + "multivariate_normal.logpdf", _ST + "multivariate_normal.logpdf(a, b, c)", "rrd",
      ((3,), (3,), (3, 3)), ((4, 3), (3,), (3, 3))),
    F(_ST + "multivariate_normal.pdf", _ST + "multivariate_normal.pdf(a, b, c)", "rrd",
      ((3,), (3,), (3, 3))),
]

_LA = "scipy.linalg."
SCIPY_LINALG = [
    F(_LA + "solve_triangular", _LA + "solve_triangular(np.tril(a), b, lower=True)", "sr",
      (S3, R), (S3, (3, 2))),
    F(_LA + "cholesky", _LA + "cholesky(a)", "d", (S3,)),
    F(_LA + "cho_factor", _LA + "cho_solve(" + _LA + "cho_factor(a), b)", "Dr", (S3, R)),
    F(_LA + "cho_solve", _LA + "cho_solve((np.linalg.cholesky(a), True), b)", "Dr", (S3, R)),
    F(_LA + "lu_factor", _LA + "lu_solve(" + _LA + "lu_factor(a), b)", "Sr", (S3, R)),
    F(_LA + "lu_solve", _LA + "lu_solve(" + _LA + "lu_factor(a), b)", "Sr", (S3, (3, 2))),
    F(_LA + "expm", _LA + "expm(0.3 * a)", "r", (S3,), ((1, 1),)),
    F(_LA + "sqrtm", _LA + "sqrtm(a)", "d", (S3,)),
    F(_LA + "solve_sylvester", _LA + "solve_sylvester(a, b, c)", "ssr", (S3, S3, S3)),
    F("scipy.signal.convolve", "scipy.signal.convolve(a, b)", "rr", ((4,), (2,)),
      ((2, 3), (2, 2))),
    F("scipy.signal.correlate", "scipy.signal.correlate(a, b, mode='same')", "rr",
      ((4,), (3,))),
]
# scipy.linalg's counterparts of np.linalg: rules only with SciPy's signatures of 1.17
# (rules/scipy_linalg.py; with an older SciPy they are refused, and not swept)
try:
    from astgrad.transform.rules import scipy_linalg as _linalg_rules
except ImportError:                  # no SciPy
    _linalg_rules = None
if _linalg_rules is not None and _linalg_rules._signatures_as_written():
    SCIPY_LINALG += [
        F(_LA + "solve", _LA + "solve(a, b)", "sr", (S3, R), (S3, (3, 2)), (SB, (2, 3, 1))),
        F(_LA + "inv", _LA + "inv(a)", "s", *SQ),
        F(_LA + "det", _LA + "det(a)", "s", *SQ),
        F(_LA + "eigh", _LA + "eigh(a)[0]", "d", (S3,), (SB,)),
        F(_LA + "eigvalsh", _LA + "eigvalsh(a)", "d", (S3,)),
        F(_LA + "norm", _LA + "norm(a, 1)", "r", ((4,),), ((2, 3),)),
        F(_LA + "svd", _LA + "svd(a, compute_uv=False)", "r", ((2, 3),), ((3, 2),)),
        F(_LA + "svdvals", _LA + "svdvals(a)", "r", ((2, 3),)),
        F(_LA + "pinv", _LA + "pinv(a)", "r", ((2, 3),), ((3, 2),)),
        F(_LA + "lstsq", _LA + "lstsq(a, b)[0]", "rr", ((4, 3), (4,)), ((4, 2), (4, 2))),
    ]
