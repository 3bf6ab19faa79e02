"""Liveness of names over statements with loops and branches: an analysis the
saving pass and the optimizer share.

`liveness(stmts, live_after)` gives, for each statement (by id), the names
whose value may still be read after it runs.
"""
from __future__ import annotations

import ast

from .trees import loads

_FIXED_POINT_ROUNDS = 20     # a bound on the rounds of a loop head's fixed point
_reads = loads               # every name a node reads


def liveness(stmts, live_after: set[str], uses=_reads) -> dict[int, set[str]]:
    """For each statement (by id), the names whose value may be read after it (sets to
    read, not to change: statements may share one).

    `uses(node)` gives the names an expression (or an item target: `x[i] = v` reads
    `x` and `i`, the rest of `x` being kept) reads; by default, every name in it."""
    record: dict[int, set[str]] = {}
    asked: dict[int, set[str]] = {}      # what each node reads: a loop's body is read again

    def _uses(node) -> set[str]:
        if node is None:
            return set()
        found = asked.get(id(node))      # (the tree stays as it is, so an id stays its node's)
        if found is None:
            found = asked[id(node)] = uses(node)
        return found

    def block(stmts, live):
        for stmt in reversed(stmts):
            record[id(stmt)] = live      # (never changed: each step makes a new set)
            live = transfer(stmt, live)
        return live

    def transfer(stmt, live):
        if isinstance(stmt, ast.If):
            return block(stmt.body, live) | block(stmt.orelse, live) | _uses(stmt.test)
        if isinstance(stmt, (ast.For, ast.While)):
            head = _uses(stmt.iter if isinstance(stmt, ast.For) else stmt.test)
            at_head = set(live) | head
            for _ in range(_FIXED_POINT_ROUNDS):
                new = set(live) | head | block(stmt.body, at_head)
                if new == at_head:
                    break
                at_head = new
            return at_head
        if stmt.__class__ is ast.Assign:
            targets = stmt.targets
            if len(targets) == 1 and targets[0].__class__ is ast.Name:    # most often
                out = live - {targets[0].id}
                out |= _uses(stmt.value)     # (a new set, changed in place: no third one)
                return out
            out = live - {t.id for t in targets if isinstance(t, ast.Name)}
            out |= _uses(stmt.value)
            for t in targets:
                if not isinstance(t, ast.Name):
                    out |= _uses(t)
            return out
        return live | _uses(stmt)

    block(stmts, set(live_after))
    return record
