"""Inlining of single-use temporaries: no name the compiler made up (in `temps`)
is left assigned once at the top of a block and read once by a later statement
of the same block, unless a statement in between may change in place something
its value reads, or the reader is a compound statement (`if`, `for`, `while`,
`def`), whose test or body may run more than once or not at all.

    before              after
    t1 = np.sin(x)      y = np.sin(x) * 2.0
    y = t1 * 2.0
"""
from __future__ import annotations

import ast
from bisect import bisect_right, insort

from .analyses import Survey, mutated, names, pure, pure_statement, single_target, \
    substitute, survey, targets, top_blocks

_COMPOUND = (ast.FunctionDef, ast.If, ast.For, ast.While)


def inline_temps(fn: ast.FunctionDef, temps: set[str], known: Survey | None = None,
                 inlined: dict | None = None) -> bool:
    """Inline every temporary in `fn` that can be; True if one was.

    One walk of each top block, in order, does what inlining the first temporary
    found, again and again, would do: inlining one never lets an earlier statement
    be inlined (it removes a statement with no effect and moves a value later), so
    each statement is looked at once, with the definitions and uses of the whole
    function counted once (inlining moves reads, it does not add or drop any).
    `known`: the survey of `fn`, if one was made since it last changed; `inlined`, if
    given, receives each inlined name and its value."""
    known = known or survey(fn)
    once = known.top - known.mutated     # bound at the top only: checked between def and use
    changed = False
    for block in top_blocks(fn):
        changed |= _Block(block, known.defs, known.uses, once).inline(temps, inlined)
    return changed


class _Block:
    """One top block, with where each name is mentioned and where the effects are, by
    position, kept up to date as values move."""

    def __init__(self, block, defs, uses, once):
        self.block, self.defs, self.uses, self.once = block, defs, uses, once
        self.where: dict[str, list[int]] = {}      # name -> positions mentioning it, sorted
        for i, stmt in enumerate(block):
            for name in names(stmt):
                self.where.setdefault(name, []).append(i)
        self.effects = [i for i, stmt in enumerate(block) if not pure_statement(stmt)]

    def inline(self, temps, inlined: dict | None) -> bool:
        dropped = set()
        for i, stmt in enumerate(self.block):
            name = single_target(stmt)
            if name not in temps or self.defs.get(name) != 1 or self.uses.get(name) != 1:
                continue
            read = names(stmt.value)
            if not pure(stmt.value) or any(r not in self.once for r in read
                                           if self.defs.get(r, 0) > 0):
                continue
            reader = self._reader(i, name)
            if reader is None or any(self._bound_between(r, i, reader) for r in read):
                continue
            dropped.add(i)
            if inlined is not None:
                inlined[name] = stmt.value
            substitute(self.block[reader], name, stmt.value)
            for r in read:
                insort(self.where[r], reader)
            if isinstance(stmt.value, ast.Name):      # `t[i] = v` became `x[i] = v`
                self.once -= mutated(self.block[reader])
        if dropped:
            self.block[:] = [s for i, s in enumerate(self.block) if i not in dropped]
        return bool(dropped)

    def _bound_between(self, name: str, i: int, reader: int) -> bool:
        """Is `name` bound again after `i`, before `reader` (which would then read the
        new value: `b = a * c; a = 0.0; x += b`)?"""
        return any(i < k < reader and name in targets(self.block[k])
                   for k in self.where.get(name, ()))

    def _reader(self, i: int, name: str) -> int | None:
        """The position of the statement after `i` that reads `name`, if nothing between
        has an effect and it is a simple statement."""
        where = self.where.get(name, [])
        k = bisect_right(where, i)
        if k == len(where):
            return None
        reader = where[k]
        e = bisect_right(self.effects, i)
        if e < len(self.effects) and self.effects[e] < reader:
            return None
        return None if isinstance(self.block[reader], _COMPOUND) else reader
