"""Copy propagation: no `a = b` (or `a = constant`) is left where both names are
defined once at the top of a top block and neither is changed in place.

    before              after
    y = np.sin(x)       y = np.sin(x)
    z = y               return y
    return z
"""
from __future__ import annotations

import ast

from .analyses import constant, counts, mutated, single_target, substitute, top_blocks, \
    top_defined


def propagate_copies(fn: ast.FunctionDef) -> bool:
    """Propagate one copy in `fn`; True if one was found (run to a fixed point)."""
    defs, _ = counts(fn)
    once = top_defined(fn) - mutated(fn)
    for block in top_blocks(fn):
        for i, stmt in enumerate(block):
            name = single_target(stmt)
            if name is None or defs.get(name) != 1 or name not in once:
                continue
            if _copyable(stmt.value, defs, once):
                del block[i]
                substitute(fn, name, stmt.value)
                return True
    return False


def _copyable(value, defs, once) -> bool:
    """A literal, or a name defined at most once and never changed (or never defined
    here: a global)."""
    ok, _ = constant(value)
    return ok or isinstance(value, ast.Name) and defs.get(value.id, 0) <= 1 \
        and (value.id in once or defs.get(value.id, 0) == 0)
