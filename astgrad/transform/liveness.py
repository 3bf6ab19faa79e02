"""Liveness of names over statements with loops and branches: an analysis the
saving pass and the optimizer share.

`liveness(stmts, live_after)` gives, for each statement (by id), the names
whose value may still be read after it runs.
"""
from __future__ import annotations

import ast
from collections.abc import Mapping, Set

from .trees import loads

_FIXED_POINT_ROUNDS = 20     # a bound on the rounds of a loop head's fixed point
_reads = loads               # every name a node reads


def liveness(stmts, live_after: set[str], uses=_reads,
             droppable=None) -> Mapping[int, Set[str]]:
    """For each statement (by id), the names whose value may be read after it (sets to
    read, not to change).

    `uses(node)` gives the names an expression (or an item target: `x[i] = v` reads
    `x` and `i`, the rest of `x` being kept) reads; by default, every name in it. The
    sets are bits of one integer each (a name, a bit), so that a step through an
    assignment takes two operations on integers, not two copies of a set.
    `droppable(stmt)`, if given, says of a `name = value` that it goes when `name` is not
    live after it: then its value's reads do not make names live (a value a loop makes
    only to make it again, `s = s + e` with `s` never read otherwise, is live nowhere)."""
    flow = _Flow(uses, droppable)
    flow.block(stmts, flow.mask(live_after))
    return _Live(flow.record, list(flow.bits))


class _Flow:
    """One run of `liveness`: each statement's live names, as bits."""

    def __init__(self, uses, droppable=None):
        self.uses, self.droppable = uses, droppable
        self.dropped: dict[int, bool] = {}       # droppable's answers, by statement id
        self.record: dict[int, int] = {}
        self.bits: dict[str, int] = {}           # name -> its bit
        self.asked: dict[int, int] = {}          # what each node reads: a loop body's again

    def bit(self, name: str) -> int:
        found = self.bits.get(name)
        if found is None:
            found = self.bits[name] = 1 << len(self.bits)
        return found

    def mask(self, names) -> int:
        out = 0
        for name in names:
            out |= self.bit(name)
        return out

    def reads(self, node) -> int:
        if node is None:
            return 0
        found = self.asked.get(id(node))  # (the tree stays as it is: an id stays its node's)
        if found is None:
            found = self.asked[id(node)] = self.mask(self.uses(node))
        return found

    def _loop_targets(self, stmt) -> int:
        """The names a `for` binds itself (a `while`: none), as bits."""
        if stmt.__class__ is not ast.For:
            return 0
        target = stmt.target
        if target.__class__ is ast.Name:
            return self.bit(target.id)
        if target.__class__ is ast.Tuple and all(e.__class__ is ast.Name for e in target.elts):
            return self.mask(e.id for e in target.elts)
        return 0                           # `for x[i] in ...` reads x, binds none

    def _droppable(self, stmt) -> bool:
        found = self.dropped.get(id(stmt))
        if found is None:
            found = self.dropped[id(stmt)] = bool(self.droppable(stmt))
        return found

    def block(self, stmts, live):
        for stmt in reversed(stmts):
            self.record[id(stmt)] = live
            live = self.transfer(stmt, live)
        return live

    def transfer(self, stmt, live):
        if stmt.__class__ is ast.Assign and len(stmt.targets) == 1 \
                and stmt.targets[0].__class__ is ast.Name:                # most often
            bit = self.bit(stmt.targets[0].id)
            if self.droppable is not None and not live & bit and self._droppable(stmt):
                return live
            return live & ~bit | self.reads(stmt.value)
        if isinstance(stmt, ast.If):
            return self.block(stmt.body, live) | self.block(stmt.orelse, live) \
                | self.reads(stmt.test)
        if isinstance(stmt, (ast.For, ast.While)):
            head = self.reads(stmt.iter if isinstance(stmt, ast.For) else stmt.test)
            bound = self._loop_targets(stmt)       # bound before each pass of the body
            at_head = live | head
            for _ in range(_FIXED_POINT_ROUNDS):
                new = live | head | self.block(stmt.body, at_head) & ~bound
                if new == at_head:
                    break
                at_head = new
            return at_head
        if isinstance(stmt, ast.Assign):
            out = live & ~self.mask(t.id for t in stmt.targets if isinstance(t, ast.Name))
            out |= self.reads(stmt.value)
            for t in stmt.targets:
                if not isinstance(t, ast.Name):
                    out |= self.reads(t)
            return out
        return live | self.reads(stmt)


class _Live(Mapping):
    """Statement id -> the names live after it, each set read from its integer when asked."""

    def __init__(self, record: dict[int, int], names: list[str]):
        self._record, self._names = record, names
        self._bits = {name: 1 << i for i, name in enumerate(names)}

    def __getitem__(self, key: int) -> "_Names":
        return _Names(self._record[key], self)

    def get(self, key, default=None):
        found = self._record.get(key)
        return default if found is None else _Names(found, self)

    def __iter__(self):
        return iter(self._record)

    def __len__(self) -> int:
        return len(self._record)


class _Names(Set):
    """The names of the bits of one integer (a set to read: `in`, `&`, iterated)."""

    __slots__ = ("_value", "_live")

    def __init__(self, value: int, live: _Live):
        self._value, self._live = value, live

    def __contains__(self, name) -> bool:
        bit = self._live._bits.get(name)
        return bit is not None and bool(self._value & bit)

    def __iter__(self):
        value, names, i = self._value, self._live._names, 0
        while value:
            if value & 1:
                yield names[i]
            value >>= 1
            i += 1

    def __len__(self) -> int:
        return bin(self._value).count("1")

    @classmethod
    def _from_iterable(cls, it) -> set:
        return set(it)           # what `&`, `|`, `-` with another set make: a plain set
