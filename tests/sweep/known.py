"""Known float32 gaps the sweep found, each with the first case that shows it (generated
from a full run; tests/test_rule_sweep.py checks each still fails, strictly)."""

# Forward mode gives a float64 tangent for a float32 output: a float64 factor in the
# rule (a tie share 0.5 * (x == y), a count, a float64 constant), or a Python float's
# tangent times a bool mask (np.maximum(a, b) with a float a and a float32 b).
FLOAT32_TANGENT = {
    'np.amax': 'np.amax[np.amax(a)|0d|float32]',
    'np.amin': 'np.amin[np.amin(a)|0d|float32]',
    'np.clip': 'np.clip[np.clip(a, b, 0.6)|3,f|float32]',
    'np.copysign': 'np.copysign[np.copysign(a, b)|f,3|float32]',
    'np.fmax': 'np.fmax[np.fmax(a, b)|f,3|float32]',
    'np.fmin': 'np.fmin[np.fmin(a, b)|f,3|float32]',
    'np.linalg.cholesky': 'np.linalg.cholesky[np.linalg.cholesky(a)|3x3|float32]',
    'np.linalg.eigh': 'np.linalg.eigh[np.linalg.eigh(a)[1] ** 2|3x3|float32]',
    'np.linalg.matrix_power': 'np.linalg.matrix_power[np.linalg.matrix_power(a, 3)|3x3|float32]',
    'np.linalg.matrix_norm':
        "np.linalg.matrix_norm[np.linalg.matrix_norm(a, ord='nuc')|2x3|float32]",
    'np.linalg.norm': 'np.linalg.norm[np.linalg.norm(a, 1)|2x3|float32]',
    'np.linalg.svd': 'np.linalg.svd[np.linalg.svd(a, full_matrices=False)[0] ** 2|3x2|float32]',
    'np.linspace': 'np.linspace[np.linspace(a, b, 5)|0d,0d|float32]',
    'np.max': 'np.max[np.max(a)|0d|float32]',
    'np.maximum': 'np.maximum[np.maximum(a, b)|f,3|float32]',
    'np.min': 'np.min[np.min(a)|0d|float32]',
    'np.minimum': 'np.minimum[np.minimum(a, b)|f,3|float32]',
    'np.nanmax': 'np.nanmax[np.nanmax(a)|0d|float32]',
    'np.nanmean': 'np.nanmean[np.nanmean(a)|0d|float32]',
    'np.nanmin': 'np.nanmin[np.nanmin(a)|0d|float32]',
    'np.nanstd': 'np.nanstd[np.nanstd(a)|0d|float32]',
    'np.nanvar': 'np.nanvar[np.nanvar(a)|0d|float32]',
    'np.polyval': 'np.polyval[np.polyval(a, b)|3,4|float32]',
    'np.power': 'np.power[np.power(a, b)|f,3|float32]',
    'np.ptp': 'np.ptp[np.ptp(a)|0d|float32]',
    'np.where': 'np.where[np.where(a > b, a * 2.0, b)|f,3|float32]',
    'operator.pow': 'operator.pow[a ** b|f,3|float32]',
    'pow': 'pow[pow(a, b)|f,3|float32]',
    'scipy.linalg.cholesky': 'scipy.linalg.cholesky[scipy.linalg.cholesky(a)|3x3|float32]',
    'scipy.special.digamma': 'scipy.special.digamma[scipy.special.digamma(a)|0d|float32]',
    'scipy.special.erf': 'scipy.special.erf[scipy.special.erf(a)|0d|float32]',
    'scipy.special.erfc': 'scipy.special.erfc[scipy.special.erfc(a)|0d|float32]',
    'scipy.special.erfcinv': 'scipy.special.erfcinv[scipy.special.erfcinv(a + 1.0)|0d|float32]',
    'scipy.special.erfinv': 'scipy.special.erfinv[scipy.special.erfinv(a)|0d|float32]',
    'scipy.special.log_ndtr': 'scipy.special.log_ndtr[scipy.special.log_ndtr(a)|0d|float32]',
    'scipy.special.ndtr': 'scipy.special.ndtr[scipy.special.ndtr(a)|0d|float32]',
    'scipy.special.ndtri': 'scipy.special.ndtri[scipy.special.ndtri(a)|0d|float32]',
    'scipy.special.y1': 'scipy.special.y1[scipy.special.y1(a)|0d|float32]',
}

# A 0-d float32 argument gets a float64 gradient.
FLOAT32_ZERO_D = {
    'np.amax': 'np.amax[np.amax(a)|0d|float32]',
    'np.amin': 'np.amin[np.amin(a)|0d|float32]',
    'np.float_power': 'np.float_power[np.float_power(a, b)|0d,2x3|float32]',
    'np.linspace': 'np.linspace[np.linspace(a, b, 5)|0d,0d|float32]',
    'np.max': 'np.max[np.max(a)|0d|float32]',
    'np.min': 'np.min[np.min(a)|0d|float32]',
    'np.nanmax': 'np.nanmax[np.nanmax(a)|0d|float32]',
    'np.nanmean': 'np.nanmean[np.nanmean(a)|0d|float32]',
    'np.nanmin': 'np.nanmin[np.nanmin(a)|0d|float32]',
    'np.nanstd': 'np.nanstd[np.nanstd(a)|0d|float32]',
    'np.nanvar': 'np.nanvar[np.nanvar(a)|0d|float32]',
    'np.ptp': 'np.ptp[np.ptp(a)|0d|float32]',
    'scipy.special.digamma': 'scipy.special.digamma[scipy.special.digamma(a)|0d|float32]',
    'scipy.special.erf': 'scipy.special.erf[scipy.special.erf(a)|0d|float32]',
    'scipy.special.erfc': 'scipy.special.erfc[scipy.special.erfc(a)|0d|float32]',
    'scipy.special.erfcinv': 'scipy.special.erfcinv[scipy.special.erfcinv(a + 1.0)|0d|float32]',
    'scipy.special.erfinv': 'scipy.special.erfinv[scipy.special.erfinv(a)|0d|float32]',
    'scipy.special.log_ndtr': 'scipy.special.log_ndtr[scipy.special.log_ndtr(a)|0d|float32]',
    'scipy.special.ndtr': 'scipy.special.ndtr[scipy.special.ndtr(a)|0d|float32]',
    'scipy.special.ndtri': 'scipy.special.ndtri[scipy.special.ndtri(a)|0d|float32]',
    'scipy.special.polygamma': 'scipy.special.polygamma[scipy.special.polygamma(1, a)|0d|float32]',
    'scipy.special.y1': 'scipy.special.y1[scipy.special.y1(a)|0d|float32]',
    'scipy.special.yn': 'scipy.special.yn[scipy.special.yn(1, a)|0d|float32]',
    'scipy.stats.beta.logpdf':
        'scipy.stats.beta.logpdf[scipy.stats.beta.logpdf(a, b, c)|4,4,0d|float32]',
    'scipy.stats.beta.pdf': 'scipy.stats.beta.pdf[scipy.stats.beta.pdf(a, b, c)|4,4,0d|float32]',
    'scipy.stats.chi2.logpdf':
        'scipy.stats.chi2.logpdf[scipy.stats.chi2.logpdf(a, b)|4,0d|float32]',
    'scipy.stats.chi2.pdf': 'scipy.stats.chi2.pdf[scipy.stats.chi2.pdf(a, b)|4,0d|float32]',
    'scipy.stats.gamma.cdf':
        'scipy.stats.gamma.cdf[scipy.stats.gamma.cdf(a, b, scale=c)|4,4,0d|float32]',
    'scipy.stats.gamma.logcdf':
        'scipy.stats.gamma.logcdf[scipy.stats.gamma.logcdf(a, b, scale=c)|4,4,0d|float32]',
    'scipy.stats.gamma.logpdf':
        'scipy.stats.gamma.logpdf[scipy.stats.gamma.logpdf(a, b, scale=c)|4,4,0d|float32]',
    'scipy.stats.gamma.pdf':
        'scipy.stats.gamma.pdf[scipy.stats.gamma.pdf(a, b, scale=c)|4,4,0d|float32]',
    'scipy.stats.norm.cdf': 'scipy.stats.norm.cdf[scipy.stats.norm.cdf(a, b, c)|4,0d,4|float32]',
    'scipy.stats.norm.logcdf':
        'scipy.stats.norm.logcdf[scipy.stats.norm.logcdf(a, b, c)|4,0d,4|float32]',
    'scipy.stats.norm.logpdf':
        'scipy.stats.norm.logpdf[scipy.stats.norm.logpdf(a, b, c)|4,0d,4|float32]',
    'scipy.stats.norm.pdf': 'scipy.stats.norm.pdf[scipy.stats.norm.pdf(a, b, c)|4,0d,4|float32]',
    'scipy.stats.t.logpdf':
        'scipy.stats.t.logpdf[scipy.stats.t.logpdf(a, b + 2.0, 0.1, c)|4,0d,4|float32]',
    'scipy.stats.t.pdf': 'scipy.stats.t.pdf[scipy.stats.t.pdf(a, b + 2.0, 0.1, c)|4,0d,4|float32]',
}
