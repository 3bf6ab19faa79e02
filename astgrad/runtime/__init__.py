"""The few helpers generated code calls at run time.

Generated code imports only NumPy and this module. Nothing here imports the
compiler (`astgrad.transform`), and every helper that carries a derivative
has its own rule, so generated code can be differentiated again.
"""
from __future__ import annotations

import numpy as np

from ..errors import AstgradError, InternalError, NonScalarOutputError, SeedShapeError  # noqa: F401
from .numpy_helpers import (einsum_adjoints, einsum_tangent, kron_adjoint, restack_like,
                            singular_outer, tensordot_adjoint, undiagonal, undiff, unpad,
                            unrepeat, unstack_like, untake, untake_along_axis, untile)
from .located import where_called
from .indexing import unshared, written_once  # noqa: F401  (in generated code)
from .complexes import real_if_real
from . import numpy_more
from .numpy_more import *  # noqa: F401,F403  (issue 11's NumPy rules' helpers)
from . import spectral
from .spectral import *  # noqa: F401,F403  (the decompositions' adjoints)
from . import spectral_complex
from .spectral_complex import *  # noqa: F401,F403  (their complex forms)
from . import fourier
from .fourier import *  # noqa: F401,F403  (np.fft's rules' helpers)
from . import moments
from .moments import *  # noqa: F401,F403  (np.cov's and np.corrcoef's)
from . import arrays
from .arrays import *  # noqa: F401,F403  (np.pad's, np.block's, np.meshgrid's)
from . import sequences
from .sequences import *  # noqa: F401,F403  (builtin `sorted`'s)
from . import scipy_lstsq
from .scipy_lstsq import *  # noqa: F401,F403  (scipy.linalg.lstsq's residues)
from .methods import (astype, cast_like, check_size_one, item, item_adjoint, stop_gradient,
                      sum_adjoint, sum_of)
from .trees import (check_tree, dict_like, dict_of, dict_values, is_float_leaf, is_record,
                    is_tree, items_adjoint, items_like, items_of, key_adjoint, keys_of,
                    old_item, put_back, record_items, record_of, tangent_like, tree_adjoint,
                    tree_like, values_of)
from ..errors import NoRuleError
from .tries import EVERY, caught, done, keep, tangents, tried, which  # noqa: F401  (`try` blocks)

__all__ = ["unbroadcast", "unshared", "sum_to", "matmul_adjoint", "unsupported", "check_scalar", "check_seed", "zeros_like", "add_each", "own", "shaped_like", "split_like",
           "spread_to",
           "unpack_like", "pack_like", "join_like",
           "broadcast_like", "check_tangent",
           # the NumPy rules' helpers (numpy_helpers.py)
           "untake", "untake_along_axis", "undiagonal", "unrepeat", "untile", "unpad", "undiff",
           "unstack_like", "restack_like", "einsum_adjoints", "tensordot_adjoint", "kron_adjoint",
           "singular_outer", "einsum_tangent",
           # containers of parameters (trees.py), builtins and methods (methods.py)
           "tree_like", "tree_adjoint", "check_tree", "dict_of", "dict_values", "values_of",
           "keys_of", "items_of", "old_item", "put_back", "key_adjoint", "dict_like", "items_adjoint",
           "items_like", "tangent_like",
           "item",
           "item_adjoint", "astype",
           "cast_like", "sum_adjoint", "sum_of", "stop_gradient", "check_size_one"]
__all__ += spectral.__all__
__all__ += spectral_complex.__all__
__all__ += numpy_more.__all__
__all__ += fourier.__all__
__all__ += moments.__all__
__all__ += arrays.__all__
__all__ += sequences.__all__

__all__ += ["record_of"]              # records the code builds (trees.py)
__all__ += ["real_if_real"]          # complex numbers (complexes.py)
__all__ += ["EVERY", "tried", "caught", "keep", "done", "which", "tangents"]   # `try` blocks (tries.py)

def unbroadcast(g, x):
    """Sum `g` down to the shape of `x`, undoing NumPy broadcasting."""
    return sum_to(g, x.shape if type(x) is np.ndarray else np.shape(x))


def sum_to(g, shape):
    """Sum `g` down to `shape`, undoing NumPy broadcasting."""
    if (g.shape if type(g) is np.ndarray else np.shape(g)) == shape:    # most often
        return g
    g = np.asarray(g)
    lead = g.ndim - len(shape)
    if lead > 0:
        g = g.sum(axis=tuple(range(lead)))
    if g.ndim == len(shape):
        axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
        if axes:
            g = g.sum(axis=axes, keepdims=True)
    if g.shape != tuple(shape):
        g = _fill(g, tuple(shape))
    return g[()] if not shape else g


def spread_to(g, shape):
    """The transpose of `sum_to`: `g` (the adjoint of `sum_to(x, np.shape(g))`) broadcast
    back to `shape`, or summed to the shape `()` of a number `x` that filled it. A `g`
    that does not broadcast to `shape` is the adjoint of zeros `sum_to` made of another
    shape (`_fill`), which do not depend on `x`: its transpose is zeros."""
    shape = tuple(shape)
    if np.shape(g) == shape:
        return g
    if not shape:
        return sum_to(g, ())
    try:
        return np.broadcast_to(g, shape)
    except ValueError:
        return np.zeros(shape, np.result_type(g, 0.0))


def _fill(g, shape):
    """`g`, which does not sum down to `shape`: a number stands for an adjoint equal at
    every element (the 0.0 of an adjoint no rule has reached yet, the seed of a
    reduction); zeros of another shape are the zeros of `shape`. Anything else is a
    bug of astgrad's, never passed on as a gradient."""
    if g.ndim == 0 or not np.any(g):
        return np.full(shape, g if g.ndim == 0 else 0, dtype=np.result_type(g, 0.0))
    raise InternalError(f"astgrad summed an adjoint of shape {g.shape} down to {shape}.")


def matmul_adjoint(g, x, y, argnum):
    """The adjoint of `x @ y` with respect to argument `argnum`, for any ndim."""
    x, y, g = np.asarray(x), np.asarray(y), np.asarray(g)
    xm = x[None, :] if x.ndim == 1 else x
    ym = y[:, None] if y.ndim == 1 else y
    gm = g
    if y.ndim == 1:                  # the axis `y` lost first: `g` of vector @ vector is 0-d
        gm = np.expand_dims(gm, -1)
    if x.ndim == 1:
        gm = np.expand_dims(gm, -2)
    if argnum == 0:
        out = unbroadcast(gm @ np.swapaxes(ym, -1, -2), xm)
        return out[0] if x.ndim == 1 else out
    out = unbroadcast(np.swapaxes(xm, -1, -2) @ gm, ym)
    return out[:, 0] if y.ndim == 1 else out


def unsupported(what):
    """Refuse, at run time, a call whose arguments select a variant with no rule."""
    raise NoRuleError(f"astgrad cannot differentiate {what}.", where_called(2),
                      fix="Rewrite the call with a variant astgrad differentiates, or give "
                          "the function your own rule with ag.defvjp.")


def check_scalar(value, where):
    """Refuse, at run time, a `grad` whose function returned a non-scalar."""
    if np.ndim(value) != 0 or isinstance(value, (tuple, list, dict, str, bytes)) \
            or value is None or callable(value):
        raise NonScalarOutputError(
            f"`grad` needs a function that returns a scalar; this one returned "
            f"{_describe(value)}.", where,
            fix="Use ag.vjp(f) for non-scalar outputs, or reduce the output (np.sum, np.mean).")


def check_seed(seed, value, where):
    """Refuse a pullback seed whose shape is not the output's (a plain 0.0 stands for
    the zero seed of an output nothing depends on). The seed of a list or tuple output
    is a list or tuple of seeds, one per element, each checked against its element."""
    if type(seed) is float and (seed == 0.0 or type(value) in (float, np.float64)):
        return                                   # the zero seed; a number's: as below
    if isinstance(value, dict) or is_record(value):   # a dict's seed: a dict of seeds
        return check_tree(seed, value, where)
    if isinstance(value, (list, tuple)):
        if not isinstance(seed, (list, tuple)) or len(seed) != len(value):
            raise SeedShapeError(
                f"the pullback seed is {_describe(seed)} but the output is "
                f"{_describe(value)}.", where,
                fix="Pass a list with one seed per element of the output.")
        for s, v in zip(seed, value):
            check_seed(s, v, where)
        return
    if np.shape(seed) != np.shape(value):
        raise SeedShapeError(
            f"the pullback seed has shape {np.shape(seed)} but the output has shape "
            f"{np.shape(value)}.", where, fix="Pass a seed with the output's shape.")
    _real_like(seed, value, where, "pullback seed", "output")


def add_each(adjoints, parts):
    """The adjoints of a list plus those of another list of the same length, element by
    element (an element that is itself a list is added element by element in turn), as
    a new list: never list concatenation. A plain 0.0 stands for a list of zeros; an
    array (the adjoint `np.stack(xs)` and its kin give a list) adds by its rows. The
    adjoints of a dict are a dict, added key by key; a dataclass instance (a seed) adds
    as the list of its fields."""
    if type(adjoints) in _PLAIN and type(parts) in _PLAIN:    # the most common, first
        return adjoints + parts
    if is_record(parts):                        # a dataclass's seed: its fields' list
        parts = [v if is_tree(v) or is_float_leaf(v) else None for v in record_items(parts)]
    if isinstance(adjoints, dict) or isinstance(parts, dict):
        if _is_zero(parts):
            return dict(adjoints)
        if _is_zero(adjoints):
            return dict(parts)
        return {k: add_each(adjoints[k], parts[k]) if k in parts else adjoints[k]
                for k in adjoints}
    if not isinstance(adjoints, (list, tuple)):
        if not isinstance(parts, (list, tuple)):
            if parts is None or adjoints is None:      # a constant leaf's seed: None
                return adjoints if parts is None else parts
            return adjoints + parts
        if _is_zero(adjoints):
            return list(parts)
        raise InternalError(f"astgrad added a list of adjoints to {_describe(adjoints)}.")
    if _is_zero(parts):
        return list(adjoints)
    if not isinstance(parts, (list, tuple)) and np.ndim(parts) == 0:
        raise InternalError(f"astgrad added {_describe(parts)} to the adjoints of a list.")
    if len(adjoints) != len(parts):             # parts: a list, or an array by its rows
        raise InternalError(f"astgrad added the adjoints of lists of different lengths "
                            f"({len(adjoints)} and {len(parts)}).")
    plain = _PLAIN                               # the common elements added in line
    return [a + p if type(a) in plain and type(p) in plain else add_each(a, p)
            for a, p in zip(adjoints, parts)]


_PLAIN = (np.ndarray, float)      # adjoints `add_each` adds as they are


def own(x):
    """`x` in memory of its own: an array is copied (a slice of an adjoint that may be an
    array or a list is a view of it, and that adjoint is zeroed next); a list's item or
    slice, a number, as it is."""
    return x.copy() if isinstance(x, np.ndarray) else x


def _is_zero(x) -> bool:
    return type(x) is float and x == 0.0


def shaped_like(g, x):
    """`g`, or zeros shaped like `x` when `g` is still the scalar zero it started as (a
    list's adjoint is a list already: `g` as it is)."""
    if isinstance(x, (list, tuple)) or is_record(x) or np.shape(g) == np.shape(x):
        return np.asarray(g) if type(x) is np.ndarray and type(g) is not np.ndarray else g
    return np.zeros_like(x) + g


def split_like(g, arrays, axis=0):
    """The adjoint of `np.concatenate(arrays, axis)`: `g` cut back into the pieces."""
    if type(g) is not np.ndarray:
        g = np.asarray(g)
    cut = (slice(None),) * (axis % g.ndim)       # the axes before `axis`, whole
    pieces, start = [], 0
    for a in arrays:
        stop = start + (a.shape if type(a) is np.ndarray else np.shape(a))[axis]
        pieces.append(g[(*cut, slice(start, stop))])     # a view, as `np.split` gives
        start = stop
    return pieces


def unpack_like(g, obj):
    """The adjoint of `np.array(obj)`: one adjoint per element when `obj` is a list."""
    if isinstance(obj, (list, tuple)):
        return [unpack_like(part, item) for part, item in zip(g, obj)]
    return g


def pack_like(parts, like):
    """The adjoint of `list(g)`/`unpack_like(g, ...)`: a list of adjoints back into an
    array shaped like `like` (a part that is still the scalar zero fills with zeros), or
    into a list where `like` is one."""
    if not isinstance(parts, (list, tuple)):
        return parts
    if isinstance(like, (list, tuple)):         # `list(xs)` of a list: item for item
        return list(parts)
    if not len(parts):                          # `list(x[1:])` of a length-1 `x`: empty
        return np.zeros(np.shape(like), np.result_type(np.asarray(like).dtype, np.float16))
    return np.stack([np.broadcast_to(p, np.shape(q)) for p, q in zip(parts, like)])


def join_like(parts, arrays, axis=0):
    """The adjoint of `split_like`: the pieces' adjoints concatenated back."""
    return np.concatenate([np.broadcast_to(p, np.shape(a)) for p, a in zip(parts, arrays)],
                          axis)


def broadcast_like(t, z):
    """A tangent `t` spread to the shape of the value `z` it belongs to."""
    if np.shape(t) == np.shape(z):
        return t
    return np.broadcast_to(t, np.shape(z))


def check_tangent(tangent, value, where):
    """Refuse a tangent whose shape is not its argument's."""
    if type(tangent) is float and type(value) is float:
        return                                   # a number's: as below, without NumPy
    if isinstance(value, (list, tuple, dict)) or is_record(value):
        return check_tree(tangent, value, where, "tangent")
    if np.shape(tangent) != np.shape(value):
        raise SeedShapeError(
            f"the tangent has shape {np.shape(tangent)} but its argument has shape "
            f"{np.shape(value)}.", where, fix="Pass a tangent with the argument's shape.")
    _real_like(tangent, value, where, "tangent", "argument")


def _real_like(given, value, where, what, of):
    """A real value's seed or tangent is real (see docs/complex.md): refuse a complex one."""
    if np.iscomplexobj(given) and not np.iscomplexobj(value):
        raise SeedShapeError(f"the {what} is complex but its {of} is real.", where,
                             fix=f"Pass a real {what} (np.real of it: for a real {of} "
                                 f"only its real part counts).")


def zeros_like(x):
    """A zero gradient of `x`'s type: 0.0 for a Python number (or for the `None` a
    variable holds before it has a value), an array for an array. For a list or tuple,
    a list of adjoints: one zero per element, each shaped like its element."""
    if type(x) is np.ndarray:                    # the most common, first (and faster
        return np.zeros(x.shape, x.dtype)        # than np.zeros_like's copy of the layout)
    if x is None or isinstance(x, (int, float)):
        return 0.0
    if isinstance(x, (list, tuple)):
        return [np.zeros(v.shape, v.dtype) if type(v) is np.ndarray    # the common ones
                else 0.0 if type(v) is float else zeros_like(v) for v in x]
    if isinstance(x, dict):
        return {k: zeros_like(v) for k, v in x.items()}
    if is_record(x):                             # a dataclass instance: its fields' list
        return [zeros_like(v) for v in record_items(x)]
    if isinstance(x, str):
        return 0.0
    return np.zeros_like(x)


def _describe(value):
    if is_record(value):
        return f"a {type(value).__name__}"
    if isinstance(value, dict):
        return f"a dict with keys {list(value)}"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)} values"
    if isinstance(value, (str, bytes)) or value is None or callable(value):
        return f"{type(value).__name__} {value!r}"[:80]
    return f"an array of shape {np.shape(value)}"
