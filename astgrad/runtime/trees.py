"""Containers of parameters (dicts, lists, tuples, namedtuples, dataclass
instances, nested) at run time.

Inside generated code the adjoint (or tangent) of a container is a dict for a
dict and a list for a list, tuple or dataclass instance (its fields in order),
one entry per element, a plain 0.0 standing for zeros. `tree_like` turns it back
into the caller's structure: tuples as tuples, namedtuples as namedtuples, a
dataclass instance as one of its class (`dataclasses.replace`), each float leaf
with its argument's type and shape, and None for a leaf that is not a float (ints,
strings, None are constants).
"""
from __future__ import annotations

import dataclasses

import numpy as np

from ..errors import SeedShapeError


def is_tree(x) -> bool:
    """A container whose elements may carry derivatives."""
    return isinstance(x, (list, tuple, dict)) or is_record(x)


def is_record(x) -> bool:
    """An instance of a dataclass (not the class itself)."""
    return dataclasses.is_dataclass(x) and not isinstance(x, type)


def record_fields(x) -> list[str]:
    """The names of a dataclass instance's fields its class's `__init__` takes, in order:
    the items of its structure (a field made by `__post_init__` follows from them)."""
    return [f.name for f in dataclasses.fields(x) if f.init]


def record_items(x) -> list:
    """A dataclass instance's items (see `record_fields`), as a list."""
    return [getattr(x, name) for name in record_fields(x)]


def record_of(cls, names, values):
    """`cls(**dict(zip(names, values)))`: a namedtuple or dataclass instance the code
    builds (`P(W=a, b=c)`), its values a list (so are their adjoints)."""
    return cls(**dict(zip(names, values)))


def _sequence(x):
    """`x`'s items if it is a list, tuple or dataclass instance, else None."""
    if isinstance(x, (list, tuple)):
        return x
    return record_items(x) if is_record(x) else None


def is_float_leaf(x) -> bool:
    """A leaf with a gradient: a float or complex number, or an array of them."""
    if isinstance(x, (bool, int, str)) or x is None:
        return False
    if isinstance(x, (float, complex)):
        return True
    dtype = getattr(x, "dtype", None)
    return dtype is not None and np.dtype(dtype).kind in "fc"


def tree_like(g, x):
    """The gradient of container `x` from its adjoint `g` (see the module docstring)."""
    zero = type(g) is float and g == 0.0
    if isinstance(x, dict):
        return {k: tree_like(0.0 if zero else g[k], v) for k, v in x.items()}
    if is_record(x):
        names, values = record_fields(x), record_items(x)
        g = record_items(g) if is_record(g) else g         # a tangent made one already
        items = [tree_like(0.0 if zero else part, v)
                 for part, v in zip(g if not zero else values, values)]
        return dataclasses.replace(x, **dict(zip(names, items)))
    if isinstance(x, (list, tuple)):
        items = [tree_like(0.0 if zero else part, v) for part, v in zip(g if not zero else x, x)]
        if isinstance(x, list):
            return items
        return type(x)(*items) if hasattr(type(x), "_fields") else tuple(items)
    if not is_float_leaf(x):
        return None
    if isinstance(x, np.generic):                 # np.float32(...): its type
        return type(x)(g)
    if isinstance(x, (float, complex)):
        return float(g) if isinstance(x, float) else complex(g)
    if np.shape(g) != np.shape(x):                 # still the zero it started as
        g = np.zeros_like(x) + g
    dtype = getattr(x, "dtype", None)
    return np.asarray(g, dtype) if getattr(g, "dtype", dtype) != dtype else g


def tree_adjoint(b):
    """The adjoint `tree_like` takes from a gradient shaped like its argument: tuples
    as lists, None as 0.0 (the rule by which generated code is differentiated again)."""
    if isinstance(b, dict):
        return {k: tree_adjoint(v) for k, v in b.items()}
    if isinstance(b, (list, tuple)) or is_record(b):
        return [tree_adjoint(v) for v in _sequence(b)]
    return 0.0 if b is None else b


def check_tree(seed, value, where, what="pullback seed"):
    """Refuse a seed or tangent whose structure is not the value's (a plain 0.0 stands
    for zeros); leaves are checked by shape, non-float leaves not at all."""
    if type(seed) is float and seed == 0.0 or not is_tree(value) and not is_float_leaf(value):
        return
    if isinstance(value, dict):
        if not isinstance(seed, dict) or list(seed) != list(value):
            raise SeedShapeError(f"the {what} is {_describe(seed)} but its value is "
                                 f"{_describe(value)}.", where,
                                 fix="Pass a dict with the same keys, in the same order.")
        for k in value:
            check_tree(seed[k], value[k], where, what)
        return
    if is_record(value) or is_record(seed):
        if type(seed) is not type(value):
            raise SeedShapeError(f"the {what} is {_describe(seed)} but its value is "
                                 f"{_describe(value)}.", where,
                                 fix=f"Pass a {type(value).__name__} of the same fields.")
        for s, v in zip(record_items(seed), record_items(value)):
            check_tree(s, v, where, what)
        return
    if isinstance(value, (list, tuple)):
        if not isinstance(seed, (list, tuple)) or len(seed) != len(value):
            raise SeedShapeError(f"the {what} is {_describe(seed)} but its value is "
                                 f"{_describe(value)}.", where,
                                 fix="Pass a container with one entry per element.")
        for s, v in zip(seed, value):
            check_tree(s, v, where, what)
        return
    if np.shape(seed) != np.shape(value):
        raise SeedShapeError(f"the {what} has shape {np.shape(seed)} but its value has "
                             f"shape {np.shape(value)}.", where,
                             fix="Pass one with the value's shape.")


def _describe(value) -> str:
    if is_record(value):
        return f"a {type(value).__name__}"
    if isinstance(value, dict):
        return f"a dict with keys {list(value)}"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)} values"
    return f"an array of shape {np.shape(value)}"


# ---- dicts written in the function: `{"a": x, "b": y}`, `d.items()`, `d.values()` -----------
def dict_of(keys, values) -> dict:
    """`{keys[0]: values[0], ...}`: a dict literal, its values a list (so their adjoints are)."""
    return dict(zip(keys, values))


class _NewKey:
    """What `old_item` saves for a key the write adds: putting it back marks the key
    as not there yet (a reverse sweep reads a dict by the keys it had, so the mark is
    read only by whole-dict helpers, which skip it)."""

    def __repr__(self) -> str:
        return "rt.NEW_KEY"

    def __reduce__(self):
        return "NEW_KEY"


NEW_KEY = _NewKey()


def old_item(d, key):
    """`d[key]`, the item a write to a dict overwrites, which the reverse sweep puts
    back; `NEW_KEY` where the write adds the key."""
    return d.get(key, NEW_KEY)


def put_back(container, kept) -> None:
    """Leave `container`, a list or a dict the caller passed and the function wrote into,
    holding what `kept` (its copy, made when the forward sweep ended) holds: after the
    reverse sweep wrote its old items back, the caller sees what the function left."""
    if isinstance(container, dict):
        container.clear()
        container.update(kept)
    else:
        container[:] = kept


def _present(d) -> list:
    """`d`'s keys, but those a reverse sweep has marked as not added yet (`NEW_KEY`)."""
    return [k for k, v in d.items() if v is not NEW_KEY]


def key_adjoint(g, d, key) -> dict:
    """The adjoint of `old_item(d, key)`: `g` at `key`, zeros at `d`'s other keys."""
    return {k: g if k == key else 0.0 for k in _present(d)}


def dict_values(g, keys) -> list:
    """The adjoint of `dict_of`'s values: the adjoint dict's entries, in `keys`' order;
    0.0 for a value a later one of the same key replaced (`{**d, "a": x}`)."""
    if type(g) is float and g == 0.0:
        return [0.0] * len(keys)
    last = {k: i for i, k in enumerate(keys)}
    return [g[k] if last[k] == i else 0.0 for i, k in enumerate(keys)]


def values_of(d) -> list:
    """`list(d.values())`."""
    return [d[k] for k in _present(d)]


def keys_of(d) -> list:
    """`list(d)`: `d.keys()`."""
    return _present(d)


def items_of(d) -> list:
    """`list(d.items())`, each item a `(key, value)` tuple."""
    return [(k, d[k]) for k in _present(d)]


def dict_like(parts, d) -> dict:
    """The adjoint of `values_of(d)`: the values' adjoints under `d`'s keys."""
    if type(parts) is float and parts == 0.0:
        return {k: 0.0 for k in _present(d)}
    return dict(zip(_present(d), parts))


def items_adjoint(parts, d) -> dict:
    """The adjoint of `items_of(d)`: each `(key, value)` item's value adjoint, by key."""
    if type(parts) is float and parts == 0.0:
        return {k: 0.0 for k in _present(d)}
    return {k: 0.0 if type(p) is float and p == 0.0 else p[1]
            for k, p in zip(_present(d), parts)}


def items_like(g, d) -> list:
    """The adjoint of `items_adjoint`: `[0.0, g[k]]` per key of `d` (keys carry none)."""
    if type(g) is float and g == 0.0:
        return [0.0] * len(_present(d))
    return [[0.0, g[k]] for k in _present(d)]


def tangent_like(t, x, where):
    """A container's tangent `t`, checked against `x` (see `check_tree`), with 0.0 for
    each leaf of `x` that is a constant (an int, a string, None)."""
    check_tree(t, x, where, "tangent")
    if type(t) is float and t == 0.0:
        return t
    if isinstance(x, dict):
        return {k: tangent_like(t[k], v, where) for k, v in x.items()}
    if isinstance(x, (list, tuple)) or is_record(x):
        return [tangent_like(a, v, where) for a, v in zip(_sequence(t), _sequence(x))]
    return t if is_float_leaf(x) else 0.0
