"""Orphan comments: no comment line is left that heads nothing, that is, one
followed by another comment or by the end of its block (the statements it
described were optimized away).

    before                              after
    # line 3: t = x * 2                 # line 4: y = np.sin(x)
    # line 4: y = np.sin(x)             y = np.sin(x)
    y = np.sin(x)
"""
from __future__ import annotations

import ast

from ..nodes import Comment
from .analyses import blocks


def drop_orphan_comments(fn: ast.FunctionDef) -> None:
    """Drop, in place, every comment in `fn` that heads nothing."""
    for block in blocks(fn):
        block[:] = [stmt for i, stmt in enumerate(block)
                    if not (isinstance(stmt, Comment) and _heads_nothing(block, i))]


def _heads_nothing(block, i) -> bool:
    following = block[i + 1] if i + 1 < len(block) else None
    return following is None or isinstance(following, Comment)
