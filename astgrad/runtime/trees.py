"""Containers of parameters (dicts, lists, tuples, namedtuples, nested) at run time.

Inside generated code the adjoint (or tangent) of a container is a dict for a
dict and a list for a list or tuple, one entry per element, a plain 0.0 standing
for zeros. `tree_like` turns it back into the caller's structure: tuples as
tuples, namedtuples as namedtuples, each float leaf with its argument's type and
shape, and None for a leaf that is not a float (ints, strings, None are constants).
"""
from __future__ import annotations

import numpy as np

from ..errors import SeedShapeError


def is_tree(x) -> bool:
    """A container whose elements may carry derivatives."""
    return isinstance(x, (list, tuple, dict))


def is_float_leaf(x) -> bool:
    if isinstance(x, (bool, int, str)) or x is None:
        return False
    if isinstance(x, float):
        return True
    dtype = getattr(x, "dtype", None)
    return dtype is not None and np.dtype(dtype).kind == "f"


def tree_like(g, x):
    """The gradient of container `x` from its adjoint `g` (see the module docstring)."""
    zero = type(g) is float and g == 0.0
    if isinstance(x, dict):
        return {k: tree_like(0.0 if zero else g[k], v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        items = [tree_like(0.0 if zero else part, v) for part, v in zip(g if not zero else x, x)]
        if isinstance(x, list):
            return items
        return type(x)(*items) if hasattr(type(x), "_fields") else tuple(items)
    if not is_float_leaf(x):
        return None
    if isinstance(x, float):
        return float(g)
    if np.shape(g) == np.shape(x):
        return g
    return np.zeros_like(x) + g


def tree_adjoint(b):
    """The adjoint `tree_like` takes from a gradient shaped like its argument: tuples
    as lists, None as 0.0 (the rule by which generated code is differentiated again)."""
    if isinstance(b, dict):
        return {k: tree_adjoint(v) for k, v in b.items()}
    if isinstance(b, (list, tuple)):
        return [tree_adjoint(v) for v in b]
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
    if isinstance(value, dict):
        return f"a dict with keys {list(value)}"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)} values"
    return f"an array of shape {np.shape(value)}"
