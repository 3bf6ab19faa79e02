"""Run-time helpers for the rules of np.fft's transforms (`transform/rules/fourier.py`).

A discrete Fourier transform's matrix is symmetric, so with the convention for complex
adjoints (docs/complex.md) the adjoint of fft is fft again, and of ifft ifft; these
helpers do the rest: undo the cropping or zero-padding that `n=`/`s=` make, and the
halving that the real transforms (rfft, irfft) make of the spectrum. Each is linear in
its first argument and has its transpose among them or in np.fft (rules in
`transform/rules/fourier.py`).
"""
from __future__ import annotations

import numpy as np

__all__ = ["resized", "rfftn_adjoint", "irfftn_adjoint", "irfftn_to"]


def resized(v, x):
    """`v` cropped, or padded with zeros at the end, to the shape of `x` (of v's ndim).
    Its transpose is `resized(b, v)`."""
    shape, v = np.shape(x), np.asarray(v)
    if v.shape == shape:
        return v
    v = v[tuple(slice(0, n) for n in shape)]
    return np.pad(v, [(0, n - m) for n, m in zip(shape, v.shape)])


def _axes(ndim, s, axes):
    """The axes an n-d transform works on, as NumPy picks them: all, or the last len(s)."""
    if axes is not None:
        return [a % ndim for a in axes]
    return list(range(ndim - (ndim if s is None else len(s)), ndim))


def rfftn_adjoint(g, a, s=None, axes=None, norm=None):
    """The adjoint of the real `a` in `g`'s `np.fft.rfftn(a, s, axes, norm)`: the half
    spectrum `g` padded with zeros to the whole, transformed again, its real part."""
    axes = _axes(np.ndim(a), s, axes)
    last = axes[-1]
    n = np.shape(a)[last] if s is None else s[-1]
    widths = [(0, 0)] * np.ndim(g)
    widths[last] = (0, n - np.shape(g)[last])
    return resized(np.real(np.fft.fftn(np.pad(g, widths), axes=axes, norm=norm)), a)


def _weights(n, dtype):
    """How often each entry of a half spectrum of `n` points counts in the whole: twice,
    but once for the mean and (for an even n) the Nyquist entry, which have no mirror."""
    w = np.full(n // 2 + 1, 2.0, dtype)
    w[0] = 1.0
    if n % 2 == 0:
        w[-1] = 1.0
    return w


def irfftn_adjoint(g, y, s=None, axes=None, norm=None):
    """The adjoint of the half spectrum `y` in `g`'s `np.fft.irfftn(y, s, axes, norm)`:
    `g` transformed back, cut to a half spectrum and weighted by how often each of its
    entries counts in the whole."""
    axes = _axes(np.ndim(g), s, axes)
    last = axes[-1]
    n = np.shape(g)[last]
    half = np.fft.ifftn(g, axes=axes, norm=norm)
    half = np.take(half, np.arange(n // 2 + 1), last)
    w = np.reshape(_weights(n, np.real(half).dtype),
                   [-1 if i == last else 1 for i in range(np.ndim(g))])
    return resized(half * w, y)


def irfftn_to(b, like, s=None, axes=None, norm=None):
    """The transpose of `irfftn_adjoint(., b, s, axes, norm)`: `np.fft.irfftn` of the half
    spectrum `b` to the shape of `like` along the axes."""
    axes = _axes(np.ndim(like), s, axes)
    return np.fft.irfftn(b, [np.shape(like)[i] for i in axes], axes, norm)
