"""Rules for np.fft: the complex transforms (fft, ifft and their 2-d and n-d forms), the
real ones (rfft, irfft and theirs) and the shifts.

A DFT matrix is symmetric, so under the convention for complex adjoints (docs/complex.md)
each complex transform's adjoint is the same transform of the seed, then cropped or
padded back where `n=`/`s=` padded or cropped the input (`rt.resized`). rfft keeps half
of a real input's spectrum: its adjoint pads the seed to the whole spectrum first. irfft
reads each entry of a half spectrum for itself and its mirror image: its adjoint weights
them by that count (`rt.irfftn_adjoint`). All are linear, so forward mode applies the
transform to the tangent. `out=` is refused (the rules do not take it).
"""
import numpy as np

from ..lattice import Kind
from ..registry import deflinear, defvjp
from ..template import rule_helper
from ... import runtime as rt


def _complex(k, s):
    a = next(iter(k.values()))
    return Kind(a.ndim, "c", False, None)


def _real(k, s):
    a = next(iter(k.values()))
    return Kind(a.ndim, "f", False, None)


@rule_helper
def _transform_axes(s, axes):
    """The axes of an n-d transform given `s` and `axes`: NumPy's default for `s` alone is
    the last len(s) axes, which a transform of the seed (of shape s there) must be told."""
    return axes if s is None or axes is not None else tuple(range(-len(s), 0))


@rule_helper
def _real_if_real(v, a):
    """`v`, an adjoint of a half spectrum `a`, made real where `a` is: irfft's output is
    real, so nothing else tells the compiler that this adjoint must be."""
    return np.real(v) if np.isrealobj(a) else v


@rule_helper
def _one(n):
    """`n=` of a 1-d transform as `s=` of an n-d one."""
    return None if n is None else (n,)


# ---- complex transforms: each its own transpose --------------------------------------------
defvjp(np.fft.fft, lambda g, ans, a, n=None, axis=-1, norm=None:
       rt.resized(np.fft.fft(g, None, axis, norm), a), kind=_complex)
defvjp(np.fft.ifft, lambda g, ans, a, n=None, axis=-1, norm=None:
       rt.resized(np.fft.ifft(g, None, axis, norm), a), kind=_complex)
defvjp(np.fft.fft2, lambda g, ans, a, s=None, axes=(-2, -1), norm=None:
       rt.resized(np.fft.fft2(g, None, axes, norm), a), kind=_complex)
defvjp(np.fft.ifft2, lambda g, ans, a, s=None, axes=(-2, -1), norm=None:
       rt.resized(np.fft.ifft2(g, None, axes, norm), a), kind=_complex)
defvjp(np.fft.fftn, lambda g, ans, a, s=None, axes=None, norm=None:
       rt.resized(np.fft.fftn(g, None, _transform_axes(s, axes), norm), a),
       kind=_complex)
defvjp(np.fft.ifftn, lambda g, ans, a, s=None, axes=None, norm=None:
       rt.resized(np.fft.ifftn(g, None, _transform_axes(s, axes), norm), a),
       kind=_complex)

# ---- real transforms: half a spectrum ----------------------------------------------------
defvjp(np.fft.rfft, lambda g, ans, a, n=None, axis=-1, norm=None:
       rt.rfftn_adjoint(g, a, _one(n), (axis,), norm), kind=_complex)
defvjp(np.fft.irfft, lambda g, ans, a, n=None, axis=-1, norm=None:
       _real_if_real(rt.irfftn_adjoint(g, a, None, (axis,), norm), a), kind=_real)
defvjp(np.fft.rfft2, lambda g, ans, a, s=None, axes=(-2, -1), norm=None:
       rt.rfftn_adjoint(g, a, s, axes, norm), kind=_complex)
defvjp(np.fft.irfft2, lambda g, ans, a, s=None, axes=(-2, -1), norm=None:
       _real_if_real(rt.irfftn_adjoint(g, a, s, axes, norm), a), kind=_real)
defvjp(np.fft.rfftn, lambda g, ans, a, s=None, axes=None, norm=None:
       rt.rfftn_adjoint(g, a, s, axes, norm), kind=_complex)
defvjp(np.fft.irfftn, lambda g, ans, a, s=None, axes=None, norm=None:
       _real_if_real(rt.irfftn_adjoint(g, a, s, axes, norm), a), kind=_real)

for _fn in (np.fft.fft, np.fft.ifft, np.fft.fft2, np.fft.ifft2, np.fft.fftn, np.fft.ifftn,
            np.fft.rfft, np.fft.irfft, np.fft.rfft2, np.fft.irfft2, np.fft.rfftn,
            np.fft.irfftn):
    deflinear(_fn, "a")

# ---- shifts: rolls by half, each the other's inverse and so its transpose -------------------
defvjp(np.fft.fftshift, lambda g, ans, x, axes=None: np.fft.ifftshift(g, axes))
defvjp(np.fft.ifftshift, lambda g, ans, x, axes=None: np.fft.fftshift(g, axes))
deflinear(np.fft.fftshift, "x")
deflinear(np.fft.ifftshift, "x")

# ---- the helpers' own rules, for higher order: each is linear in its first argument --------
defvjp(rt.resized, lambda b, ans, v, x: rt.resized(b, v), None,
       kind=lambda k, s: k["v"].with_ndim(k["v"].ndim))
defvjp(rt.rfftn_adjoint,
       lambda b, ans, g, a, s=None, axes=None, norm=None: np.fft.rfftn(b, s, axes, norm),
       None, None, None, None, kind=lambda k, s: _real({"a": k["a"]}, s))
defvjp(rt.irfftn_adjoint,
       lambda b, ans, g, y, s=None, axes=None, norm=None: rt.irfftn_to(b, g, s, axes, norm),
       None, None, None, None, kind=lambda k, s: _complex({"y": k["y"]}, s))
defvjp(rt.irfftn_to,
       lambda c, ans, b, like, s=None, axes=None, norm=None:
       rt.irfftn_adjoint(c, b, s, axes, norm),
       None, None, None, None, kind=lambda k, s: _real({"like": k["like"]}, s))
deflinear(rt.resized, "v")
deflinear(rt.rfftn_adjoint, "g")
deflinear(rt.irfftn_adjoint, "g")
deflinear(rt.irfftn_to, "b")
