"""Run-time checks of index writes the generated code makes."""
from __future__ import annotations

import numpy as np

from ..errors import NoRuleError
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
