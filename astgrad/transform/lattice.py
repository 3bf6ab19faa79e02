"""What can be known of a value before the code runs, as a lattice of kinds: a
Python number, or an array of a given ndim and dtype kind, down to `UNKNOWN`.

Pure data and the operations on it (the kind of a value, of a broadcast, of a
join of two paths); the analyses that use it are in `kinds`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_PY_DTYPE = {bool: "b", int: "i", float: "f", complex: "c"}
_ORDER = "biufc"
_PY_ITEMSIZE = {"f": 8, "c": 16}   # NumPy makes a Python float float64, a complex complex128


@dataclass(frozen=True)
class Kind:
    ndim: int | None = None      # None: not known before run time
    dtype: str | None = None     # NumPy dtype kind ('f', 'i', ...); 'O' for non-numbers
    py: bool = False             # a Python number rather than a NumPy value
    itemsize: int | None = None  # bytes per element of a NumPy value, when known
    item: "Kind | None" = None   # for a list or tuple: what all its elements share
    fields: tuple | None = None  # for a dict or tuple argument: ((key, kind), ...) by key

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

    def describe(self) -> str:
        if self.py:
            return {"b": "bool", "i": "int", "f": "float", "c": "complex"}[self.dtype]
        if self.dtype == "O":
            return "object"
        if self.ndim is None:
            return "any"
        names = {"f": "float", "i": "int", "u": "uint", "b": "bool", "c": "complex"}
        dtype = names.get(self.dtype, "?") + (str(8 * self.itemsize) if self.itemsize else "")
        return f"{self.ndim}-d {dtype} array"


UNKNOWN = Kind()
OPAQUE = Kind(dtype="O")


def of_value(v) -> Kind:
    t = type(v)
    if t in _PY_DTYPE:
        return Kind(0, _PY_DTYPE[t], True)
    if isinstance(v, (np.ndarray, np.generic)):
        return Kind(v.ndim, v.dtype.kind, False, v.dtype.itemsize)
    for base, code in _PY_DTYPE.items():   # subclasses such as bool of int come first
        if isinstance(v, base) and t is not bool:
            return Kind(0, code, True)
    return OPAQUE


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
    if py_result and all(k.py for k in kinds):
        return Kind(0, dtype, True)
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
        items = [k for k in (a.item, b.item) if k is not None]
        return sequence_of(items) if items else OPAQUE
    if a.ndim == b.ndim and a.dtype == b.dtype:
        return Kind(a.ndim, a.dtype, False, a.itemsize if a.itemsize == b.itemsize else None)
    return Kind(None, a.dtype if a.dtype == b.dtype else None)
