"""What can be known of a value before the code runs, as a lattice of kinds: a
Python number, or an array of a given ndim and dtype kind (and which of its axes
have length 1), down to `UNKNOWN`.

Pure data and the operations on it (the kind of a value, of a broadcast, of a
join of two paths); the analyses that use it are in `kinds`.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

_PY_DTYPE = {bool: "b", int: "i", float: "f", complex: "c"}
_ORDER = "biufc"
_PY_ITEMSIZE = {"f": 8, "c": 16}   # NumPy makes a Python float float64, a complex complex128


@dataclass(frozen=True)
class Kind:
    ndim: int | None = None      # None: not known before run time
    dtype: str | None = None     # NumPy dtype kind ('f', 'i', ...); 'O' for non-numbers
    py: bool | None = False      # a Python number rather than a NumPy value; None: a 0-d
    #                              number that may be either (a join of the two)
    itemsize: int | None = None  # bytes per element of a NumPy value, when known
    item: "Kind | None" = None   # for a list or tuple: what all its elements share
    fields: tuple | None = None  # for a dict or tuple argument: ((key, kind), ...) by key
    ones: tuple | None = None    # per axis of an array: True where its length is 1,
    #                              False where it is not, None where not known

    @property
    def full(self) -> bool:
        """No axis of length 1: two full values of one ndim that broadcast have one shape
        (NumPy refuses `(3, 4) + (2, 4)`; only a length 1 stretches)."""
        return self.ndim == 0 or self.ndim is not None and self.ones is not None \
            and all(o is False for o in self.ones)

    @property
    def known(self) -> bool:
        return self.ndim is not None

    @property
    def scalar(self) -> bool:
        return self.ndim == 0

    @property
    def number(self) -> bool:
        return self.dtype is not None and self.dtype in _ORDER

    @property
    def narrow(self) -> bool:
        """A NumPy float narrower than float64 (float32, float16): one a float64 factor
        met on the way would widen, where NumPy keeps the value's precision."""
        return self.dtype == "f" and not self.py and self.itemsize in (2, 4)

    def with_ndim(self, ndim: int | None) -> "Kind":
        """A NumPy value of this dtype with `ndim` dimensions."""
        return Kind(ndim, self.dtype, False, self.itemsize)

    def describe(self, full: bool = True) -> str:
        """`2-d float64 array (axis 0 of length 1)`; `full`: say `(no axis of length 1)`."""
        if self.py or self.py is None and self.ndim == 0:
            name = {"b": "bool", "i": "int", "f": "float", "c": "complex"}[self.dtype]
            return name if self.py else f"{name} or 0-d {name} array"
        if self.dtype == "O":
            return "object"
        if self.ndim is None:
            return "any"
        names = {"f": "float", "i": "int", "u": "uint", "b": "bool", "c": "complex"}
        dtype = names.get(self.dtype, "?") + (str(8 * self.itemsize) if self.itemsize else "")
        return f"{self.ndim}-d {dtype} array{_describe_ones(self.ones, full) if self.ndim else ''}"


def _describe_ones(ones, full: bool) -> str:
    axes = [str(i) for i, o in enumerate(ones or ()) if o]
    if axes:
        return f" (ax{'es' if len(axes) > 1 else 'is'} {', '.join(axes)} of length 1)"
    return " (no axis of length 1)" if full and ones and all(o is False for o in ones) else ""


UNKNOWN = Kind()
OPAQUE = Kind(dtype="O")
_PY_KINDS = {t: Kind(0, code, True) for t, code in _PY_DTYPE.items()}


def of_value(v) -> Kind:
    t = type(v)
    if t in _PY_KINDS:                     # a Python number: one kind (immutable) per type
        return _PY_KINDS[t]
    if isinstance(v, (np.ndarray, np.generic)):
        return Kind(v.ndim, v.dtype.kind, False, v.dtype.itemsize)
    for base, code in _PY_DTYPE.items():   # subclasses such as bool of int come first
        if isinstance(v, base) and t is not bool:
            return Kind(0, code, True)
    return OPAQUE


def sized(kind: Kind, shape: tuple) -> Kind:
    """`kind` of an array argument of this shape: which axes have length 1 is known."""
    return with_ones(kind, tuple(n == 1 for n in shape)) if kind.ndim == len(shape) else kind


def with_ones(kind: Kind, ones) -> Kind:
    """`kind` with `ones` (None, or one entry per axis), and no length known inside it."""
    known = ones is not None and kind.ndim == len(ones) and any(o is not None for o in ones)
    if not known and kind.ones is None and kind.item is None and kind.fields is None:
        return kind                          # the most common case: nothing to change
    item = with_ones(kind.item, None) if kind.item is not None else None
    fields = tuple((k, with_ones(f, None)) for k, f in kind.fields) if kind.fields else None
    return replace(kind, ones=tuple(ones) if known else None, item=item, fields=fields)


def shape_of(kind: Kind) -> Kind:
    """The kind of `np.shape(v)` for a `v` of `kind`: a tuple of ints by position, and
    which of them are 1 in `ones` (a tuple has no ndim: it is never `full`)."""
    if kind.ndim is None or kind.dtype in (None, "O"):
        return OPAQUE
    return Kind(dtype="O", fields=tuple((i, Kind(0, "i", True)) for i in range(kind.ndim)),
                ones=kind.ones)


def shape_length(kind: Kind) -> int | None:
    """How many ints a tuple of kind `shape_of(...)` holds, if it is one."""
    return len(kind.fields) if kind.dtype == "O" and kind.item is None \
        and kind.fields is not None else None


def shape_item(kind: Kind, index) -> Kind | None:
    """The kind of item `index` (an int) of a tuple of kind `shape_of(...)`, if it is one."""
    n = shape_length(kind)
    if n is None or type(index) is not int or not -n <= index < n \
            or [k for k, _ in kind.fields] != list(range(n)):
        return None
    return kind.fields[index][1]


def ones_of(kind: Kind):
    """The `ones` of a value: `()` for a number, None for each axis whose length is not
    known (so that another operand's axis not of length 1 still tells the broadcast's),
    None where not even the axes are."""
    if kind.ndim == 0:
        return ()
    return kind.ones if kind.ones is not None or kind.ndim is None else (None,) * kind.ndim


def broadcast_ones(*ones, ndim: int | None):
    """The `ones` of a broadcast of `ndim` axes, from its operands' (see `ones_of`). An
    axis has length 1 where every operand having it does, and not where any one does
    not (NumPy refuses the rest)."""
    if ndim is None or any(o is None for o in ones) or max(map(len, ones), default=0) != ndim:
        return None
    out = []
    for axis in range(ndim):
        seen = [o[len(o) - ndim + axis] for o in ones if len(o) - ndim + axis >= 0]
        out.append(False if False in seen else True if all(seen) else None)
    return tuple(out)


def elementwise_ones(kinds: dict, static: dict, ndim: int | None):
    """The `ones` of an elementwise function's result: its arguments' broadcast. An
    argument that is not a number (`None`, a dtype) takes no part; a list might, so
    then none is known."""
    if any(k.dtype == "O" and (k.item is not None or isinstance(static.get(p), (list, tuple)))
           for p, k in kinds.items()):
        return None
    return broadcast_ones(*(ones_of(k) for k in kinds.values() if k.number or k.dtype is None),
                          ndim=ndim)


def promote(*codes) -> str | None:
    if any(c is None for c in codes):
        return None
    codes = [c for c in codes if c in _ORDER] or ["O"]
    return max(codes, key=lambda c: _ORDER.find(c)) if codes != ["O"] else "O"


def broadcast(*kinds: Kind, py_result: bool = False, floating: bool = False,
              numpy: bool = False) -> Kind:
    """The kind of an elementwise result; `py_result` when Python numbers stay Python numbers,
    `numpy` for NumPy's own functions, which make Python floats float64."""
    dtype = promote(*(k.dtype for k in kinds))
    if floating and dtype in ("b", "i", "u"):
        dtype = "f"
    if py_result and all(k.py is not False for k in kinds) and kinds:
        # Python numbers stay Python numbers; with one that may be either, so may the result
        return Kind(0, dtype, True) if all(k.py for k in kinds) else Kind(0, dtype, None)
    # Python numbers are weak: they do not widen a NumPy value's precision; nor do bools
    # (a float32 array times a mask is float32).
    sizes = {k.itemsize * 2 if dtype == "c" != k.dtype and k.itemsize else k.itemsize
             for k in kinds if not k.py and k.dtype != "b"}   # float64 made complex: complex128
    if numpy and not sizes and kinds:         # NumPy's result of Python numbers alone
        sizes = {_PY_ITEMSIZE.get(dtype)}
    itemsize = sizes.pop() if len(sizes) == 1 and dtype in ("f", "c") else None
    if any(k.ndim is None for k in kinds):
        return Kind(None, dtype, False, itemsize)
    return Kind(max((k.ndim for k in kinds), default=0), dtype, False, itemsize)


def sequence_of(items) -> Kind:
    """A list or tuple whose elements have these kinds."""
    item = None
    for k in items:
        item = k if item is None else join(item, k)
    return Kind(dtype="O", item=item)


def join(a: Kind, b: Kind) -> Kind:
    """What is known of a value that is `a` on one path and `b` on another."""
    if a == b:
        return a
    if a.dtype == "O" and b.dtype == "O":
        if a.fields and b.fields and [k for k, _ in a.fields] == [k for k, _ in b.fields]:
            fields = tuple((k, join(x, y)) for (k, x), (_, y) in zip(a.fields, b.fields))
            return replace(join(replace(a, fields=None), replace(b, fields=None)),
                           fields=fields)          # records of one structure: field by field
        items = [k for k in (a.item, b.item) if k is not None]
        return sequence_of(items) if items else OPAQUE
    if a.ndim == b.ndim and a.dtype == b.dtype:
        ones = None if a.ones is None or b.ones is None else \
            tuple(x if x == y else None for x, y in zip(a.ones, b.ones))
        py = a.py if a.py == b.py else None          # a Python number on one path only
        return with_ones(Kind(a.ndim, a.dtype, py, a.itemsize if a.itemsize == b.itemsize
                              and py is not None else None), ones)
    return Kind(None, a.dtype if a.dtype == b.dtype else None)


def list_as_array(kind: Kind, other: Kind) -> Kind:
    """`kind`, or, a list of numbers or arrays meeting a NumPy value (`other`) in
    arithmetic (`x * [1.0, 0.0]`), the array NumPy makes of it."""
    item = kind.item
    if kind.dtype == "O" and item is not None and item.dtype not in (None, "O") \
            and item.ndim is not None and other.py is False and other.dtype not in (None, "O"):
        return Kind(item.ndim + 1, item.dtype, False)
    return kind
