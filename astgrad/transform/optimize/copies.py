"""Copy propagation: no `a = b` (or `a = constant`) is left where both names are
defined once at the top of a top block and neither is changed in place.

    before              after
    y = np.sin(x)       y = np.sin(x)
    z = y               return y
    return z
"""
from __future__ import annotations

import ast

from .analyses import constant, counts, mutated, single_target, substitute_all, \
    top_blocks, top_defined


def propagate_copies(fn: ast.FunctionDef) -> bool:
    """Propagate every copy in `fn`; True if one was found. Removing `a = b` and reading
    `b` for `a` leaves the analyses true of every other name, so one pass does all."""
    defs, _ = counts(fn)
    once = top_defined(fn) - mutated(fn)
    copied: dict[str, ast.expr] = {}          # a copy's name -> what it reads, resolved
    for block in top_blocks(fn):
        i = 0
        while i < len(block):
            stmt = block[i]
            name = single_target(stmt)
            if name is not None and defs.get(name) == 1 and name in once \
                    and _copyable(stmt.value, defs, once):
                del block[i]
                value = stmt.value
                copied[name] = copied.get(value.id, value) if isinstance(value, ast.Name) \
                    else value
                continue
            i += 1
    if copied:
        substitute_all(fn, copied)
    return bool(copied)


def _copyable(value, defs, once) -> bool:
    """A literal, or a name defined at most once and never changed (or never defined
    here: a global)."""
    ok, _ = constant(value)
    return ok or isinstance(value, ast.Name) and defs.get(value.id, 0) <= 1 \
        and (value.id in once or defs.get(value.id, 0) == 0)
