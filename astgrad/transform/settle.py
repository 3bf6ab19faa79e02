"""What `sync` made again after an in-place write, settled once kinds are known.

`sync` makes a name again from an array written in place (`c_1 = v_1` after
`v *= k`) wherever the two names are sure to hold one object. Whether that object
is changed in place, and whether an item of it is a view, depends on the kinds of
values: a Python number is rebound by `v *= k` (so `c` keeps its value), an item
of a vector is a copy. `settle` keeps what is right for the kinds, undoes the rest
(`c_1 = c`, or no statement). A 0-d value may be a 0-d array, changed in
place, or a NumPy scalar, rebound: what is made again from one is undone, and the
write is refused unless an operation made the value (a NumPy scalar, then).
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

from .views import _integer, _kind
from .trees import walk


@dataclass(eq=False)
class Sync:
    """A name `sync` made again from an array written in place: the statement doing it
    (None: the name was passed through, unnamed)."""

    stmt: ast.stmt | None                # `c_1 = v_1`, `w_1 = v_1[1:]`, or `A[1] = v_1`
    how: ast.expr                        # the assignment that made the two share
    old: str                             # the name made again, as it was before the write
    parent: "Sync | None"                # the sync it was made again from (None: the write)
    written: str                         # the name written into
    augmented: bool                      # by `v op= x` (a number is rebound instead)
    batch: list                          # the syncs of the same write, in order


def settle(aliases, tree: ast.FunctionDef, kinds: dict) -> bool:
    """Keep, undo or test at run time each of `aliases.syncs` (see the module docstring);
    the writes they follow keep those that stay. Return whether the code changed."""
    undone: set[int] = set()
    for batch in {id(s.batch): s.batch for s in aliases.syncs}.values():
        for sync in batch:
            if id(sync.parent) in undone or _view(sync.how, kinds) is not True \
                    or sync.augmented and _kind(sync.written, kinds).ndim in (0, None):
                undone.add(id(sync))
    undo = [s for s in aliases.syncs if id(s) in undone]
    dropped = {id(s.stmt) for s in undo if s.stmt is not None and not _renames(s)}
    for sync in undo:
        if _renames(sync):
            sync.stmt.value = ast.Name(sync.old, ast.Load())   # `c_1 = c`: keeps its value
    _drop(tree, dropped)
    for write in aliases.writes:
        write.syncs[:] = [s for s in write.syncs if id(s) not in undone]
    aliases.syncs = [s for s in aliases.syncs if id(s) not in undone]
    return bool(undone)


def _renames(sync: Sync) -> bool:
    return sync.stmt is not None and isinstance(sync.stmt.targets[0], ast.Name) \
        and sync.stmt.targets[0].id != sync.old


def _drop(tree: ast.FunctionDef, dropped: set[int]) -> None:
    if not dropped:
        return
    for node in walk(tree):
        for attr in ("body", "orelse"):
            block = getattr(node, attr, None)
            if isinstance(block, list) and any(id(st) in dropped for st in block):
                setattr(node, attr, [st for st in block if id(st) not in dropped])


def _view(how: ast.expr, kinds: dict) -> bool | None:
    """Does the assignment of `how` (a name, an item or a slice of one, a call of
    `views.VIEWS`) surely make a name sharing the array it reads (True), surely not
    (False), or is that not known?"""
    base = _kind(how.id if isinstance(how, ast.Name) else how.args[0].id
                 if isinstance(how, ast.Call) else how.value.id, kinds)
    if base.py:
        return False
    if base.ndim is None or base.ndim == 0 or base.dtype in (None, "O"):
        return None
    if isinstance(how, (ast.Name, ast.Call)):
        return True                               # a call `views.view_of` is sure of
    parts = how.slice.elts if isinstance(how.slice, ast.Tuple) else [how.slice]
    integers, axes = 0, False
    for part in parts:
        kind = _kind(part.id, kinds) if isinstance(part, ast.Name) else None
        if isinstance(part, (ast.List, ast.Tuple)) or kind is not None and kind.ndim \
                and kind.dtype in ("i", "u", "b"):
            return False                          # fancy indexing or a mask: a copy
        if _integer(part) or kind is not None and kind.ndim == 0 and kind.dtype in ("i", "u"):
            integers += 1
        elif _axis(part):
            axes = True                           # `x[:, None]`, `x[0, ...]`: never an item
        elif not isinstance(part, ast.Slice):
            return None
    return axes or integers < base.ndim


def _axis(node: ast.expr) -> bool:
    """`None` (a new axis) or `...` in an index: basic indexing, which gives a view."""
    return isinstance(node, ast.Constant) and (node.value is None or node.value is Ellipsis)
