"""Run-time checks of index and in-place writes the generated code makes."""
from __future__ import annotations

import numpy as np

from ..errors import InPlaceError, NoRuleError
from .located import where_called


def written_once(x, index) -> None:
    """Refuse `x[index] = v` where the index names one element twice: which of the
    values NumPy keeps there is its choice, so the derivative is not defined."""
    parts = index if isinstance(index, tuple) else (index,)
    if any(p is Ellipsis or p is None for p in parts):
        return                               # axes not one-to-one with parts: not checked
    arrays = []
    for axis, part in enumerate(parts):
        a = np.asarray(part) if not isinstance(part, slice) else None
        if a is not None and a.ndim > 0 and a.dtype.kind in "iu":
            arrays.append(np.where(a < 0, a + np.shape(x)[axis], a))
    if not arrays:
        return
    keys = np.stack([a.ravel() for a in np.broadcast_arrays(*arrays)], axis=1)
    if len(np.unique(keys, axis=0)) < len(keys):
        raise NoRuleError("an index write names one element twice (a repeated index): which "
                          "value NumPy keeps there is its choice, so it has no derivative.",
                          where_called(2),
                          fix="Write each element once (np.unique the indices), or add the "
                              "values with np.add.at(x, i, v) if that is what you mean.")


def unshared(x, other, write: str, name: str) -> None:
    """Refuse the in-place write `write` into `x` on a call where `other` (the user's
    `name`, read after it) shares memory with `x`: the compiler could not tell whether
    it would (see `astgrad.transform.unshared`), and the derivative of a write another
    name sees is not made."""
    if isinstance(x, np.ndarray) and _shares(x, other):
        user, _, text = write.partition(" ")
        raise InPlaceError.shared(user, text, name, where_called(2), " (on this call)")


def _shares(x: np.ndarray, other) -> bool:
    if isinstance(other, np.ndarray):
        return np.may_share_memory(x, other)
    if isinstance(other, (list, tuple)):
        return any(_shares(x, item) for item in other)
    if isinstance(other, dict):
        return any(_shares(x, item) for item in other.values())
    return False
