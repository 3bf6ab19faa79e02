"""Helpers for builtin `sorted` of a list (or an array's rows): the order it puts the
items in, and the adjoint and tangent that follow the values through that order.

`sorted` is stable, so equal items keep the order they had: at a tie the derivative is
that of the side where the first of them is the smaller (a valid one-sided derivative;
`reverse=True` keeps ties in their order too, so there the first is the larger)."""
from __future__ import annotations

import numpy as np

__all__ = ["sort_order", "unsort", "permuted"]


def sort_order(xs, key=None, reverse=False) -> list:
    """The positions of `xs`'s items in the order `sorted(xs, key=key, reverse=reverse)`
    gives them."""
    items = list(xs)
    by = items.__getitem__ if key is None else (lambda i: key(items[i]))
    return sorted(range(len(items)), key=by, reverse=reverse)


def permuted(t, xs, key=None, reverse=False) -> list:
    """The tangent of `sorted(xs, ...)` from `xs`'s tangent `t`: `t`'s items (its rows
    for an array) in the order the values are put in."""
    return [t[i] for i in sort_order(xs, key, reverse)]


def unsort(g, xs, key=None, reverse=False):
    """The adjoint of `xs` from that of `sorted(xs, ...)` (a list, one per item): each
    item's adjoint back in its own place; a list for a list, an array for an array."""
    order = sort_order(xs, key, reverse)
    if isinstance(xs, (list, tuple)):
        out = [None] * len(order)
        for j, i in enumerate(order):
            out[i] = g[j]
        return out
    out = np.zeros(np.shape(xs), np.result_type(xs, *g) if len(g) else np.result_type(xs))
    for j, i in enumerate(order):
        out[i] = g[j]
    return out
