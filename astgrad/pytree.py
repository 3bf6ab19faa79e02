"""Containers of parameters (pytrees) on the API side: dicts, lists, tuples,
namedtuples and dataclass instances of floats and arrays, nested to any depth.

Generated code reads a container as the user wrote it (`params["W"]`); these
give the kind the compiler specializes on, the key a specialization is found
by (the structure and every leaf's kind), and the flat view `check_grads` moves
one number at a time. Leaves that are not floats (ints, strings, None) are
constants: their gradient is None.
"""
from __future__ import annotations

import dataclasses
from dataclasses import replace
from typing import Callable

import numpy as np

from .runtime.trees import is_float_leaf, is_record, is_tree, record_fields, record_items
from .transform.lattice import sequence_of

__all__ = ["is_tree", "is_record", "field_names", "structured", "is_float_leaf", "kind", "key",
           "leaves", "flatten", "unflatten",
           "has_float_leaf", "map_leaves"]


def kind(v, leaf_kind: Callable):
    """What the compiler knows of `v`: for a container, a sequence whose items share
    the join of its elements' kinds (a dict is read like one, by key); a dict's and a
    tuple's items are known one by one too (`params["W"]`: a 2-d float array)."""
    if isinstance(v, dict):
        fields = tuple((k, kind(x, leaf_kind)) for k, x in v.items())
        return replace(sequence_of([f for _, f in fields]), fields=fields)
    if isinstance(v, tuple) or is_record(v):   # its items by position, from either end,
        items = record_items(v) if is_record(v) else v       # and a record's by name
        kinds = [kind(x, leaf_kind) for x in items]
        fields = tuple(enumerate(kinds)) + tuple((i - len(kinds), k) for i, k in enumerate(kinds))
        fields += tuple(zip(field_names(v) or (), kinds))
        return replace(sequence_of(kinds), fields=fields)
    if isinstance(v, list):
        return sequence_of([kind(x, leaf_kind) for x in v])
    return leaf_kind(v)


def key(v, leaf_key: Callable):
    """The structure of `v` and each leaf's key: two values with the same key take the
    same generated code."""
    if isinstance(v, dict):
        return (dict, tuple((k, key(x, leaf_key)) for k, x in v.items()))
    if isinstance(v, (list, tuple)):
        return (type(v), tuple(key(x, leaf_key) for x in v))
    if is_record(v):
        return (type(v), tuple(key(x, leaf_key) for x in record_items(v)))
    return leaf_key(v)


def field_names(v) -> tuple[str, ...] | None:
    """The names a record's items are read by (`p.W`): a namedtuple's fields, or the
    fields a dataclass's `__init__` takes; None for other values."""
    if isinstance(v, tuple) and hasattr(type(v), "_fields"):
        return tuple(type(v)._fields)
    return tuple(record_fields(v)) if is_record(v) else None


def leaves(v) -> list:
    """Every leaf of `v`, depth first, in the container's own order."""
    if isinstance(v, dict):
        return [leaf for x in v.values() for leaf in leaves(x)]
    if isinstance(v, (list, tuple)) or is_record(v):
        return [leaf for x in (record_items(v) if is_record(v) else v) for leaf in leaves(x)]
    return [v]


def has_float_leaf(v) -> bool:
    return any(is_float_leaf(leaf) for leaf in leaves(v))


def flatten(v) -> tuple[list, object]:
    """`(leaves, like)`: `unflatten(like, leaves)` rebuilds `v`."""
    return leaves(v), v


def unflatten(like, values) -> object:
    """A container shaped like `like` holding `values` (depth first) as its leaves."""
    it = iter(values)
    out = map_leaves(lambda _: next(it), like)
    return out


def map_leaves(fn: Callable, v):
    """`v` with `fn` applied to every leaf, its structure kept."""
    if isinstance(v, dict):
        return {k: map_leaves(fn, x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        items = [map_leaves(fn, x) for x in v]
        if isinstance(v, list):
            return items
        return type(v)(*items) if hasattr(type(v), "_fields") else tuple(items)
    if is_record(v):
        return dataclasses.replace(v, **{n: map_leaves(fn, x) for n, x
                                         in zip(record_fields(v), record_items(v))})
    return fn(v)


def structured(v) -> bool:
    """Is `v`, an argument held constant, known by its items as a differentiated one
    is (its structure then part of the key a specialization is found by)? A namedtuple
    or dataclass instance (its fields read by name, `p.W`), a list, tuple or dict holding
    one (`for layer in layers: layer.W`), or a tuple holding a float (its length known,
    `f(*p)`), of numbers, arrays, strings and None."""
    if not (type(v) is tuple and has_float_leaf(v) or _holds_record(v)):
        return False
    return all(x is None or isinstance(x, (int, float, complex, str, np.ndarray, np.generic))
               for x in leaves(v))


def _holds_record(v) -> bool:
    if field_names(v) is not None:
        return True
    items = v.values() if type(v) is dict else v if type(v) in (list, tuple) else ()
    return any(_holds_record(x) for x in items)
