"""Helpers for the builtins and array methods generated code calls: `x.item()`,
`x.astype(dtype)` and builtin `sum`, with their adjoints; and `stop_gradient`."""
from __future__ import annotations

import numpy as np

from ..errors import NonScalarOutputError


def stop_gradient(x):
    """`x` itself; inside differentiated code a constant for every transform (as JAX's
    `lax.stop_gradient` and PyTorch's `detach`)."""
    return x


def item(a):
    """`a.item()`: the one number an array of size 1 holds, as a Python number."""
    return a.item() if hasattr(a, "item") else a


def item_adjoint(g, a):
    """The adjoint of `a.item()`: `g` shaped like `a`."""
    return np.reshape(g, np.shape(a)) if np.ndim(a) else g


def astype(a, dtype):
    """`a.astype(dtype)`."""
    return a.astype(dtype) if hasattr(a, "astype") else np.asarray(a).astype(dtype)


def cast_like(g, like, dtype):
    """The adjoint (or tangent) of `astype(..., dtype)` in `like`'s precision: zero
    when `dtype` is not a float or complex type (an integer cast is flat)."""
    if np.dtype(dtype).kind in "fc":
        return np.asarray(g).astype(np.result_type(like)) if np.ndim(like) else \
            type(like)(g) if isinstance(like, float) else np.result_type(like).type(g)
    return np.zeros(np.shape(like))


def sum_adjoint(g, iterable):
    """The adjoint of builtin `sum(iterable)`: one per element, summed back to its
    shape (a list), or `g` spread along the first axis (an array)."""
    if isinstance(iterable, (list, tuple)):
        return [_sum_to(g, np.shape(v)) for v in iterable]
    return np.broadcast_to(g, np.shape(iterable))


def sum_of(parts, like):
    """The adjoint of `sum_adjoint`: what it spread, summed back."""
    if isinstance(like, (list, tuple)):
        return sum(parts)
    return np.sum(parts, axis=0)


def _sum_to(g, shape):
    if np.shape(g) == shape:
        return g
    g = np.asarray(g)
    lead = g.ndim - len(shape)
    g = g.sum(axis=tuple(range(lead))) if lead > 0 else g
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    g = g.sum(axis=axes, keepdims=True) if axes else g
    return g[()] if not shape else g


def check_size_one(value, where):
    """Refuse, at run time, a `grad` whose function returned an array of more than one
    number (an array of size 1 is differentiated as the number it holds)."""
    if np.size(value) != 1:
        raise NonScalarOutputError(
            f"`grad` needs a function that returns a scalar; this one returns a "
            f"{np.ndim(value)}-d {np.result_type(value)} array of shape {np.shape(value)}.",
            where, fix="For the derivative of an elementwise function at every point of an "
            "array, use ag.elementwise_grad(f); for other array outputs, ag.vjp(f) or "
            "ag.jacobian(f); or reduce the output (np.sum, np.mean).")
