"""Copy propagation: no `a = b` (or `a = constant`) is left where both names are
defined once at the top of a top block and neither is changed in place.

    before              after
    y = np.sin(x)       y = np.sin(x)
    z = y               return y
    return z
"""
from __future__ import annotations

import ast

from .analyses import Survey, constant, single_target, substitute_each, survey, top_blocks


def propagate_copies(fn: ast.FunctionDef, known: Survey | None = None,
                     propagated: dict[str, ast.expr] | None = None,
                     dropped: list | None = None) -> bool:
    """Propagate every copy in `fn`; True if one was found.

    One walk finds them all, in block order, and one more writes them: propagating a
    copy never makes another one a copy or stops it being one (it only removes its
    own name, and `c = a` after `a = b` turns into `c = b`, a copy on the same terms),
    so this is the same as propagating the first copy found until none is left.
    `known`: the survey of `fn`, if one was made since it last changed; `propagated`, if
    given, receives each copied name and the value its reads now read; `dropped`, each
    copy dropped, as its name and the value it copied (before the copy was propagated)."""
    known = known or survey(fn)
    defs, once = known.defs, known.once
    values: dict[str, ast.expr] = {}       # name -> what its reads become
    pointing: dict[str, list[str]] = {}    # name -> the copied names whose value it is
    for block in top_blocks(fn):
        kept = []
        for stmt in block:
            name = single_target(stmt)
            if name is None or defs.get(name) != 1 or name not in once \
                    or not _copyable(stmt.value, defs, once):
                kept.append(stmt)
                continue
            value = stmt.value
            if dropped is not None:
                dropped.append((name, value))
            if isinstance(value, ast.Name) and value.id in values:
                value = values[value.id]           # an earlier copy, already propagated
            for earlier in pointing.pop(name, ()):
                _point(values, pointing, earlier, value)
            _point(values, pointing, name, value)
        block[:] = kept
    if values:
        substitute_each(fn, values)
    if propagated is not None:
        propagated.update(values)
    return bool(values)


def _point(values, pointing, name, value) -> None:
    values[name] = value
    if isinstance(value, ast.Name):
        pointing.setdefault(value.id, []).append(name)


def _copyable(value, defs, once) -> bool:
    """A literal, or a name defined at most once and never changed (or never defined
    here: a global)."""
    ok, _ = constant(value)
    return ok or isinstance(value, ast.Name) and defs.get(value.id, 0) <= 1 \
        and (value.id in once or defs.get(value.id, 0) == 0)
