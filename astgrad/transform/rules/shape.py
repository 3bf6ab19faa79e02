"""Rules for functions that move, copy or pick elements without changing them:
each adjoint moves the output's adjoint back, summing where elements were copied."""
import ast
import inspect

import numpy as np

from ...errors import NoRuleError
from ..lattice import UNKNOWN, Kind, shape_length
from ..registry import defjvp, deflinear, defnondiff, defsizes, defvjp
from ..template import rule_helper
from .reductions import constant, flat_unless_axis
from ... import runtime as rt


def _same(k, s):
    a = next(k[name] for name in ("a", "array", "m", "ary", "arr", "A") if name in k)
    return a.with_ndim(a.ndim)


def _same_sizes(k, s):
    """Which axes have length 1, for a result of its argument's shape."""
    return next(k[name].ones for name in ("a", "m") if name in k)


def _transposed_sizes(k, s):
    """Which axes of `np.transpose(a, axes)` have length 1: `a`'s, permuted."""
    a, (known, axes) = k["a"], constant(k, s, "axes")
    if a.ones is None or not known:
        return None
    order = range(a.ndim - 1, -1, -1) if axes is None else axes
    if not isinstance(order, (range, tuple, list)) or not all(isinstance(i, int) for i in order) \
            or sorted(order) != list(range(a.ndim)):
        return None
    return tuple(a.ones[i] for i in order)


# np.reshape's second parameter is `shape` from NumPy 2.1, `newshape` before.
_NEWSHAPE = "shape" if "shape" in inspect.signature(np.reshape).parameters else "newshape"


def _reshaped(k, s):
    shape = s.get(_NEWSHAPE)
    if isinstance(shape, int):
        return k["a"].with_ndim(1)
    if isinstance(shape, tuple):
        return k["a"].with_ndim(len(shape))
    return k["a"].with_ndim(shape_length(k[_NEWSHAPE]))


def _shaped_sizes(param):
    def sizes(k, s):
        """Which axes have length 1, for a result of the shape `param` (a constant, or
        `np.shape(v)` of a `v` whose lengths of 1 are known)."""
        shape = s.get(param)
        if isinstance(shape, tuple) and all(isinstance(n, int) for n in shape):
            return tuple(None if n < 0 else n == 1 for n in shape)   # -1: reshape's guess
        return k[param].ones if shape_length(k[param]) is not None else None
    return sizes


def _expanded(k, s):
    a, axis = k["a"], s.get("axis")
    if a.ndim is None or axis is None:
        return a.with_ndim(None)
    return a.with_ndim(a.ndim + (len(axis) if isinstance(axis, tuple) else 1))


# ---- shapes ------------------------------------------------------------------------
if _NEWSHAPE == "shape":
    defvjp(np.reshape, lambda g, ans, a, shape: np.reshape(g, np.shape(a)), kind=_reshaped)
else:
    defvjp(np.reshape, lambda g, ans, a, newshape: np.reshape(g, np.shape(a)), kind=_reshaped)
defvjp(np.ravel, lambda g, ans, a: np.reshape(g, np.shape(a)),
       kind=lambda k, s: k["a"].with_ndim(1))
defvjp(np.expand_dims, lambda g, ans, a, axis: np.reshape(g, np.shape(a)), kind=_expanded)
defvjp(np.squeeze, lambda g, ans, a, axis=None: np.reshape(g, np.shape(a)),
       kind=lambda k, s: UNKNOWN)
defvjp(np.broadcast_to, lambda g, ans, array, shape: rt.unbroadcast(g, array),
       kind=lambda k, s: k["array"].with_ndim(
           len(s["shape"]) if isinstance(s.get("shape"), tuple) else shape_length(k["shape"])))
defvjp(np.copy, lambda g, ans, a: g, kind=_same)
defvjp(np.full_like, None, lambda g, ans, a, fill_value: rt.unbroadcast(g, fill_value),
       kind=lambda k, s: k["a"].with_ndim(k["a"].ndim))
defvjp(np.full, None, lambda g, ans, shape, fill_value, dtype=None: rt.unbroadcast(g, fill_value),
       kind=lambda k, s: Kind(len(s["shape"]) if isinstance(s.get("shape"), tuple) else
                              1 if isinstance(s.get("shape"), int) else None,
                              k["fill_value"].dtype))

# ranges: each element is start + i * step, so a float start or step carries a gradient
# (the stop only sets the length); called with one argument, that argument is the stop.
# With an integer dtype the values are whole numbers, flat between jumps: slope 0, as
# np.floor's (docs/rules.md, "Piecewise-constant functions").
@rule_helper
def _whole(dtype):
    return dtype is not None and not np.issubdtype(dtype, np.inexact)


defnondiff(np.issubdtype)      # a question about a dtype (read at second order in `_whole`)


defvjp(np.arange,
       lambda g, ans, start, stop=None, step=1, dtype=None:
       0.0 if stop is None or _whole(dtype) else np.sum(g),
       None,
       lambda g, ans, start, stop=None, step=1, dtype=None:
       0.0 if _whole(dtype) else np.sum(g * np.arange(np.size(ans))),
       kind=lambda k, s: Kind(1, k["start"].dtype))
defvjp(np.linspace,
       lambda g, ans, start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0:
       0.0 * start if _whole(dtype) else
       np.sum(g * (1 - np.linspace(0.0, 1.0, num, endpoint, dtype=ans.dtype)))
       if np.ndim(start) == 0 and np.ndim(stop) == 0 and not retstep else
       rt.unsupported("np.linspace with array ends or retstep=True"),
       lambda g, ans, start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0:
       0.0 * stop if _whole(dtype) else
       np.sum(g * np.linspace(0.0, 1.0, num, endpoint, dtype=ans.dtype))
       if np.ndim(start) == 0 and np.ndim(stop) == 0 and not retstep else
       rt.unsupported("np.linspace with array ends or retstep=True"),
       kind=lambda k, s: Kind(1, "f"))

# ---- axes ----------------------------------------------------------------------------
defvjp(np.transpose,
       lambda g, ans, a, axes=None: np.transpose(g) if axes is None else
       np.transpose(g, np.argsort(axes)),
       kind=_same)
defvjp(np.swapaxes,
       lambda g, ans, a, axis1, axis2: np.swapaxes(g, axis1, axis2), kind=_same)
defvjp(np.moveaxis,
       lambda g, ans, a, source, destination: np.moveaxis(g, destination, source), kind=_same)
defvjp(np.flip, lambda g, ans, m, axis=None: np.flip(g, axis), kind=_same)
defvjp(np.fliplr, lambda g, ans, m: np.fliplr(g), kind=_same)
defvjp(np.flipud, lambda g, ans, m: np.flipud(g), kind=_same)
defvjp(np.roll, lambda g, ans, a, shift, axis=None: np.roll(g, np.negative(shift), axis),
       kind=_same)
defvjp(np.rot90, lambda g, ans, m, k=1, axes=(0, 1): np.rot90(g, -k, axes), kind=_same)

defsizes(np.transpose, _transposed_sizes)
defsizes(np.broadcast_to, _shaped_sizes("shape"))
defsizes(np.reshape, _shaped_sizes(_NEWSHAPE))
for _fn in (np.copy, np.flip, np.roll):
    defsizes(_fn, _same_sizes)

# ---- triangles and diagonals ------------------------------------------------------------
defvjp(np.triu, lambda g, ans, m, k=0: np.triu(g, k), kind=_same)
defvjp(np.tril, lambda g, ans, m, k=0: np.tril(g, k), kind=_same)
defvjp(np.diagonal,
       lambda g, ans, a, offset=0, axis1=0, axis2=1: rt.undiagonal(g, a, offset, axis1, axis2),
       kind=lambda k, s: k["a"].with_ndim(None if k["a"].ndim is None else k["a"].ndim - 1))
defvjp(np.diag,
       lambda g, ans, v, k=0: np.diagonal(g, k) if np.ndim(v) == 1 else
       rt.undiagonal(g, v, k, 0, 1),
       kind=lambda k, s: k["v"].with_ndim(None if k["v"].ndim is None else 3 - k["v"].ndim))

# ---- copies: the copies' adjoints are summed -----------------------------------------------
defvjp(np.repeat,
       lambda g, ans, a, repeats, axis=None: rt.unrepeat(g, a, repeats, axis),
       kind=flat_unless_axis)
defvjp(np.tile, lambda g, ans, A, reps: rt.untile(g, A, reps),
       kind=lambda k, s: k["A"].with_ndim(None))
@rule_helper
def _copies(mode):
    """Does np.pad's `mode` fill the padding with copies of entries (its adjoint sums
    the seed over them: `rt.unpad_copies`)? reflect_type='odd' is refused by name."""
    return mode == "edge" or mode == "reflect" or mode == "symmetric" or mode == "wrap"


defvjp(np.pad,
       lambda g, ans, array, pad_width, mode="constant", constant_values=0:
       rt.unpad(g, pad_width) if mode == "constant" else
       rt.unpad_copies(g, array, pad_width, mode) if _copies(mode) else
       rt.unsupported("np.pad with a mode other than 'constant', 'edge', 'reflect', "
                      "'symmetric' or 'wrap'"),
       None,
       None,
       lambda g, ans, array, pad_width, mode="constant", constant_values=0:
       np.sum(g) - np.sum(rt.unpad(g, pad_width)) if np.ndim(constant_values) == 0 else
       rt.unsupported("np.pad with per-axis constant_values"),
       kind=_same)

# ---- picking elements: the adjoint goes back where each element came from ------------------
defvjp(np.take,
       lambda g, ans, a, indices, axis=None, out=None, mode="raise":
       rt.untake(g, a, indices, axis, mode),
       kind=lambda k, s: UNKNOWN)
defvjp(np.take_along_axis,
       lambda g, ans, arr, indices, axis=-1: rt.untake_along_axis(g, arr, indices, axis),
       kind=_same)
# sorting is a permutation: its inverse is the argsort of the argsort; at ties the adjoint
# is split evenly among the equal entries (rt.tie_mean), as np.max's is
defvjp(np.sort,
       lambda g, ans, a, axis=-1, kind=None:
       np.take_along_axis(rt.tie_mean(g, ans, axis), np.argsort(np.argsort(a, axis, kind), axis),
                          axis)
       if axis is not None else
       np.reshape(np.take(rt.tie_mean(g, ans, None), np.argsort(np.argsort(a, None, kind))),
                  np.shape(a)),
       kind=flat_unless_axis)


# ---- building arrays from lists: the adjoint of a list is a list ----------------------
def _joined(ndim):
    """The kind of an array joined from a list of arrays that share a number of
    dimensions and a dtype: `ndim(item ndim, static arguments)` dimensions."""
    def kind(k, s):
        seq = k.get("arrays", k.get("tup", UNKNOWN))
        item = seq.item if seq.dtype == "O" else None
        if item is None or item.ndim is None or item.dtype in (None, "O") or item.fields:
            return UNKNOWN
        n = ndim(item.ndim, s)
        return UNKNOWN if n is None else \
            Kind(n, item.dtype, False, 8 if item.py else item.itemsize)
    return kind


defvjp(np.stack,
       lambda g, ans, arrays, axis=0: list(g) if axis == 0 else list(np.moveaxis(g, axis, 0)),
       kind=_joined(lambda n, s: n + 1))
defvjp(np.concatenate,
       lambda g, ans, arrays, axis=0: rt.split_like(g, arrays, axis),
       kind=_joined(lambda n, s: n if n > 0 and isinstance(s.get("axis"), int) else None))
defvjp(np.vstack, lambda g, ans, tup: rt.unstack_like(g, tup, "vstack"),
       kind=_joined(lambda n, s: max(n, 2)))
defvjp(np.hstack, lambda g, ans, tup: rt.unstack_like(g, tup, "hstack"),
       kind=_joined(lambda n, s: max(n, 1)))
defvjp(np.dstack, lambda g, ans, tup: rt.unstack_like(g, tup, "dstack"),
       kind=_joined(lambda n, s: max(n, 3)))
defvjp(np.column_stack, lambda g, ans, tup: rt.unstack_like(g, tup, "column_stack"),
       kind=_joined(lambda n, s: max(n, 2) if n > 0 else None))
defvjp(np.append,
       lambda g, ans, arr, values, axis=None:
       np.reshape(g[:np.size(arr)], np.shape(arr)) if axis is None else
       rt.split_like(g, [arr, values], axis)[0],
       lambda g, ans, arr, values, axis=None:
       np.reshape(g[np.size(arr):], np.shape(values)) if axis is None else
       rt.split_like(g, [arr, values], axis)[1],
       kind=lambda k, s: UNKNOWN)
def _array_of_floats(k, s):
    """`np.array([x, y])`, `np.array([[x, 1.0], [y, x]])` of Python floats: float64, one
    dimension per level of lists (anything else: not known before run time)."""
    depth, item = 0, k["object"]
    while item.dtype == "O" and item.item is not None and item.fields is None:
        depth, item = depth + 1, item.item
    if depth == 0 or s.get("dtype") is not None or item != Kind(0, "f", True):
        return UNKNOWN
    return Kind(depth, "f", False, 8)


# an integer or boolean dtype makes whole numbers: flat between jumps, slope 0 (as astype's)
# (`copy=` and `order=` change where the values are, not what they are)
defvjp(np.array, lambda g, ans, object, dtype=None, copy=True, order="K":
       rt.unpack_like(0.0 * g if _whole(dtype) else g, object), kind=_array_of_floats)
defvjp(np.asarray, lambda g, ans, a, dtype=None, order=None, copy=None:
       rt.unpack_like(0.0 * g if _whole(dtype) else g, a),
       kind=lambda k, s: k["a"] if k["a"].dtype != "O" else UNKNOWN)
defjvp(np.array, lambda t, ans, object, dtype=None, copy=True, order="K":
       np.array(t) if dtype is None else
       np.zeros(np.shape(ans)) if _whole(dtype) else np.array(t, dtype))
defjvp(np.asarray, lambda t, ans, a, dtype=None, order=None, copy=None:
       np.asarray(t) if dtype is None else
       np.zeros(np.shape(ans)) if _whole(dtype) else np.asarray(t, dtype))


# ---- splitting an array into a list: the pieces' adjoints are joined ---------------------------
def _pieces(k, s):
    a = _same(k, s)
    return Kind(dtype="O", item=a.with_ndim(a.ndim))


defvjp(np.split,
       lambda g, ans, ary, indices_or_sections, axis=0: rt.join_like(g, ans, axis), kind=_pieces)
defvjp(np.array_split,
       lambda g, ans, ary, indices_or_sections, axis=0: rt.join_like(g, ans, axis), kind=_pieces)
defvjp(np.hsplit,
       lambda g, ans, ary, indices_or_sections: rt.join_like(
           g, ans, 1 if np.ndim(ary) > 1 else 0),
       kind=_pieces)
defvjp(np.vsplit, lambda g, ans, ary, indices_or_sections: rt.join_like(g, ans, 0), kind=_pieces)
defvjp(np.dsplit, lambda g, ans, ary, indices_or_sections: rt.join_like(g, ans, 2), kind=_pieces)


# ---- forward mode: moving elements around is linear -------------------------------------
deflinear(np.reshape, "a")
deflinear(np.ravel, "a")
deflinear(np.transpose, "a")
deflinear(np.expand_dims, "a")
deflinear(np.squeeze, "a")
deflinear(np.broadcast_to, "array")
deflinear(np.copy, "a")
deflinear(np.stack, "arrays")
deflinear(np.concatenate, "arrays")
for _fn, _param in ((np.swapaxes, "a"), (np.moveaxis, "a"), (np.flip, "m"), (np.fliplr, "m"),
                    (np.flipud, "m"), (np.roll, "a"), (np.rot90, "m"), (np.triu, "m"),
                    (np.tril, "m"), (np.diagonal, "a"), (np.diag, "v"), (np.repeat, "a"),
                    (np.tile, "A"), (np.take, "a"), (np.take_along_axis, "arr"),
                    (np.full, "fill_value")):
    deflinear(_fn, _param)
# lists in, lists out: the tangent of a list is a list
for _fn, _param in ((np.vstack, "tup"), (np.hstack, "tup"), (np.dstack, "tup"),
                    (np.column_stack, "tup"), (np.split, "ary"), (np.array_split, "ary"),
                    (np.hsplit, "ary"), (np.vsplit, "ary"), (np.dsplit, "ary")):
    deflinear(_fn, _param)
# jointly linear, not bilinear: each tangent goes in with zeros in the other's place
defjvp(np.append,
       lambda t, ans, arr, values, axis=None: np.append(t, np.zeros_like(values), axis),
       lambda t, ans, arr, values, axis=None: np.append(np.zeros_like(arr), t, axis))
# full_like takes its dtype from `a`, which may be an integer array: spread the tangent
defjvp(np.full_like, None, lambda t, ans, a, fill_value: np.full(np.shape(a), t))
# sorting is a permutation: the tangent is permuted alike (and averaged over ties)
defjvp(np.sort,
       lambda t, ans, a, axis=-1, kind=None:
       rt.tie_mean(np.take_along_axis(t, np.argsort(a, axis, kind), axis), ans, axis)
       if axis is not None else rt.tie_mean(np.take(t, np.argsort(a, None, kind)), ans, None))
# padding with a constant: the array's tangent padded with zeros, and the constant's
# tangent where the padding is
defjvp(np.pad,
       lambda t, ans, array, pad_width, mode="constant", constant_values=0:
       np.pad(t, pad_width) if mode == "constant" else
       np.pad(t, pad_width, mode) if _copies(mode) else
       rt.unsupported("np.pad with a mode other than 'constant', 'edge', 'reflect', "
                      "'symmetric' or 'wrap'"),
       None,
       None,
       lambda t, ans, array, pad_width, mode="constant", constant_values=0:
       np.pad(np.zeros(np.shape(array)), pad_width, constant_values=t)
       if np.ndim(constant_values) == 0 else
       rt.unsupported("np.pad with per-axis constant_values"))
# ranges: element i is start + i * step (called with one argument, that is the stop)
defjvp(np.arange,
       lambda t, ans, start, stop=None, step=1, dtype=None:
       np.zeros(np.shape(ans)) if stop is None or _whole(dtype) else np.full(np.shape(ans), t),
       None,
       lambda t, ans, start, stop=None, step=1, dtype=None:
       np.zeros(np.shape(ans)) if _whole(dtype) else t * np.arange(np.size(ans)))
defjvp(np.linspace,
       lambda t, ans, start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0:
       np.zeros(np.shape(ans)) if _whole(dtype) else
       t * (1 - np.linspace(0.0, 1.0, num, endpoint, dtype=ans.dtype))
       if np.ndim(start) == 0 and np.ndim(stop) == 0 and not retstep else
       rt.unsupported("np.linspace with array ends or retstep=True"),
       lambda t, ans, start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0:
       np.zeros(np.shape(ans)) if _whole(dtype) else
       t * np.linspace(0.0, 1.0, num, endpoint, dtype=ans.dtype)
       if np.ndim(start) == 0 and np.ndim(stop) == 0 and not retstep else
       rt.unsupported("np.linspace with array ends or retstep=True"))


# ---- the special indexing objects: refused where they would carry a derivative ----------------
_SPECIAL = {"r_": "np.concatenate", "c_": "np.column_stack", "s_": "slice(...)",
            "index_exp": "a tuple of slice(...)", "mgrid": "np.meshgrid",
            "ogrid": "np.meshgrid(..., sparse=True)"}


def refuse_active_index(value: ast.Subscript, active, ns, where) -> None:
    """`y = obj[..., v, ...]` with a differentiated `v` in the index (`np.r_[x, c]`): no
    indexing carries a derivative through its index, so refuse it by name rather than give
    `y` a zero derivative."""
    names = [n.id for n in ast.walk(value.slice) if isinstance(n, ast.Name) and active(n)]
    if not names:
        return
    special = next((k for k, v in _SPECIAL.items() if ns.value(value.value) is getattr(np, k)),
                   None)
    if special is not None:
        raise NoRuleError(f"`{ast.unparse(value)}`: astgrad does not differentiate through "
                          f"np.{special}[...].", where,
                          fix=f"Write it with {_SPECIAL[special]} instead.")
    raise NoRuleError(f"`{ast.unparse(value)}` puts the differentiated value `{names[0]}` in "
                      f"an index, through which no derivative flows.", where,
                      fix="Index with integers, slices or integer arrays.")
