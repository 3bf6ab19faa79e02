"""Vector forward mode: one call of a jvp's batched code (see `transform.batch`)
gives the derivatives along a chunk of basis directions; `ag.jacobian` and
`ag.hessian` build their matrices from them (`jvp_columns`)."""
from __future__ import annotations

import ast
import copy
import itertools
import linecache

import numpy as np

from .errors import AstgradError
from .runtime import batched as bt_runtime
from .transform.batch import Refused, batched as rewrite

_files = itertools.count(1)
_BUDGET = 2 ** 22        # elements of one batched tangent at most: 32 MB of float64
_CACHE = 2 ** 13         # ... and fewer when that many directions are at least _MIN:
_MIN = 8                 # temporaries of 64 KB stay on the heap; at 100 KB and more, glibc
                         # hands them back and takes page faults (20x slower per direction)
_SHARE = 4               # a chunk's tangents take at most this share of the whole result
                         # (an eighth: 20% slower on a 200x200 Jacobian, 0.5x less memory)
_SMALL = 2 ** 11         # ... unless they are this small (16 KB of float64) anyway


# -- making and calling the batched code ---------------------------------------------------
def unchanged(values) -> list:
    """Copies of the arrays among `values`: a function that writes into its argument
    (`A -= v`) changes the caller's array on every call, and each chunk of a Jacobian's
    or a Hessian's columns must start from the values the caller gave."""
    return [v.copy() if isinstance(v, np.ndarray) else v for v in values]


def batched(fn, pullback: bool = False):
    """The batched form of the generated jvp `fn` (its tangent `x.shape + (k,)`, its
    result's tangent `out.shape + (k,)`), or of the vjp `fn` (its pullback's seed
    `out.shape + (k,)`, the adjoint `x.shape + (k,)`), or None; made once."""
    attr = "_astgrad_batched_pullback" if pullback else "_astgrad_batched"
    made = fn.__dict__.get(attr, False)
    if made is not False:
        return made
    made = None
    if getattr(fn, "__module__", None) == "astgrad.generated":
        try:
            made = _compiled(fn, pullback)
        except Refused:
            made = None
    setattr(fn, attr, made)
    return made


def _compiled(fn, pullback: bool):
    lines = linecache.getlines(fn.__code__.co_filename)
    if not lines:
        raise Refused
    tree = ast.parse("".join(lines))
    taken = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | set(fn.__globals__)
    bt = rewrite(tree, fn.__name__, taken, pullback, alone=_alone(fn))
    text = ast.unparse(tree) + "\n"
    filename = f"<astgrad batched {next(_files)}: {fn.__name__}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    namespace = copy.copy(fn.__globals__)   # its class too: globals read when called
    namespace[bt] = bt_runtime
    exec(compile(text, filename, "exec"), namespace)
    out = namespace[fn.__name__]
    out._astgrad_checked = False
    return out


def _alone(fn) -> bool:
    """Does the generated jvp `fn` return its tangent alone (mode "tangent")?"""
    made = getattr(fn, "_astgrad_made_by", None)
    return getattr(made, "mode", None) == "tangent"


def _directions(x, start: int, stop: int) -> np.ndarray:
    """Basis vectors `start..stop-1` of `x`'s space, as one batched tangent."""
    size, k = int(np.size(x)), stop - start
    t = np.zeros((size, k), dtype=x.dtype if x.dtype.kind == "f" else float)
    t.reshape(-1)[start * k:(start + k) * k:k + 1] = 1.0     # t[start + j, j] for each j
    return t.reshape(np.shape(x) + (k,))


def _moved(unit: tuple, start: int) -> np.ndarray:
    """The last chunk's tangents (`unit`: where it started, and them) as the basis
    vectors from `start` on: their ones moved, no new array."""
    begun, tangents = unit
    k = tangents.shape[-1]
    flat = tangents.reshape(-1)
    flat[begun * k::k + 1][:k] = 0.0
    flat[start * k::k + 1][:k] = 1.0
    return tangents


def _agrees(fn, values, position, batch, tangents, column: int) -> bool:
    """Does direction `column` of the batched result match the one-direction jvp?"""
    x = values[position]
    one = tangents[..., column] if np.ndim(x) else float(tangents[column])
    if _alone(fn):
        return _close(np.asarray(batch[1])[..., column],
                      np.asarray(fn(*unchanged(values), one)))
    value, expected = fn(*unchanged(values), one)
    return np.shape(value) == np.shape(batch[0]) \
        and _close(np.asarray(batch[1])[..., column], np.asarray(expected))


def _close(got, expected) -> bool:
    if expected.shape != got.shape:
        return False
    tol = 1e-4 if got.dtype == np.float32 or expected.dtype == np.float32 else 1e-9
    scale = float(np.max(np.abs(expected), initial=0.0, where=np.isfinite(expected)))
    return bool(np.allclose(got, expected, rtol=tol, atol=tol * scale, equal_nan=True))


def _chunk(width: int, directions: int | None = None, result: int = 0) -> int:
    """How many directions one call takes, for tangents of `width` elements, building
    a result of `result` elements: the few batched temporaries alive at once during a
    call stay small beside the result (peak memory near a hand-written matrix's)."""
    most = max(1, _BUDGET // width)
    k = min(directions or width, most, max(_MIN, _CACHE // width))
    if result:
        k = min(k, max(_SMALL // width, result // (_SHARE * width)))
    return max(1, k)


def jvp_columns(fn, values: list, position: int, shape: tuple | None = None):
    """(value, J) with `J` of shape `value.shape + x.shape`: the generated jvp `fn`
    along every basis vector of `x = values[position]`, a chunk of them per call of
    its batched form; None when there is none (then loop over directions). The
    first call of a batched form is checked against `fn` on three directions. A jvp
    in mode "tangent" returns no value: then `shape` is the value's, and the value
    given back is None."""
    x = values[position]
    if not (type(x) is np.ndarray and x.dtype.kind == "f") or x.size == 0:
        return None
    fast = batched(fn)
    if fast is None:
        return None
    alone = _alone(fn)
    out = int(np.prod(shape)) if alone else 0
    size, start, jac, unit = x.size, 0, None, None
    chunk = _chunk(max(size, out), size, size * out)
    while start < size:
        stop = min(size, start + chunk)
        if unit is not None and stop - start != unit[1].shape[-1]:
            tangents = unit = None              # freed before the new ones are made
        tangents = _moved(unit, start) if unit else _directions(x, start, stop)
        try:
            value, part = (None, fast(*unchanged(values), tangents)) if alone \
                else fast(*unchanged(values), tangents)
        except AstgradError:       # the loop raises it again, naming the user's line,
            return None            # if it is not the batched code's own
        except Exception:                       # noqa: BLE001 (then one direction a call)
            fn._astgrad_batched = None
            return None
        if not fast._astgrad_checked:
            if not all(_agrees(fn, values, position, (value, part), tangents, c)
                       for c in {0, (stop - start) // 2, stop - start - 1}):
                fn._astgrad_batched = None
                return None
            fast._astgrad_checked = True
        part = np.asarray(part)
        if jac is None:
            jac = part if stop == size else np.empty(part.shape[:-1] + (size,), part.dtype)
        if part.shape != jac.shape[:-1] + (stop - start,) or part.dtype != jac.dtype:
            fn._astgrad_batched = None          # not the first chunk's kind: never
            return None                         # broadcast into the matrix
        if jac is not part:
            jac[..., start:stop] = part         # a copy: the batched code may return
            unit = start, tangents              # the tangents it was given
        part = None                             # freed before the next chunk's call
        start = stop
        out = out or int(np.size(value))
        chunk = _chunk(max(size, out), size, size * out)
    return value, jac.reshape((tuple(shape) if alone else np.shape(value)) + np.shape(x))


def pullback_rows(transform, values: list, position: int, pullback):
    """(value, J) with `J` of shape `value.shape + x.shape`, `x = values[position]`:
    the batched pullback of the generated vjp pulling back a chunk of unit seeds per
    call; None when there is none (then one pullback per row). Its first call is
    checked against `pullback`, the one-seed pullback at the same arguments."""
    x = values[position]
    if not (type(x) is np.ndarray and x.dtype.kind == "f") \
            or any(p.kind == p.KEYWORD_ONLY for p in transform.params):
        return None
    fn = transform.lookup(*values)
    fast = batched(fn, pullback=True)
    try:
        if fast is None:
            return None
        value, pull = fast(*unchanged(values))
        size, start, jac = int(np.size(value)), 0, None
        chunk = _chunk(max(size, x.size), size)
        while start < size:
            stop = min(size, start + chunk)
            seeds = _directions(np.asarray(value), start, stop)
            part = np.asarray(pull(seeds))
            if not fast._astgrad_checked:
                if not all(_close(part[..., c], np.asarray(pullback(seeds[..., c])))
                           for c in {0, (stop - start) // 2, stop - start - 1}):
                    fn._astgrad_batched_pullback = None
                    return None
                fast._astgrad_checked = True
            if jac is None:                     # one row per seed, filled in place
                jac = np.empty((size,) + x.shape, part.dtype)
            if part.shape != x.shape + (stop - start,) or part.dtype != jac.dtype:
                raise ValueError("not an adjoint of x per seed")   # then one seed a call
            jac[start:stop] = np.moveaxis(part, -1, 0)
            seeds = part = None                 # freed before the next chunk's call
            start = stop
    except AstgradError:           # the loop raises it again, naming the user's line,
        return None                # if it is not the batched code's own
    except Exception:                           # noqa: BLE001 (then one seed a call)
        fn._astgrad_batched_pullback = None
        return None
    return value, jac.reshape(np.shape(value) + x.shape)
