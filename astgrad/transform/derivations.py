"""Which names surely hold an array made from another name's: `c = v`, `w = v[1:]`.

The alias groups of `aliases` say which names *may* share an array. This says
which surely do, as the normalize walk goes: a name assigned a name or an item of
one holds what that assignment made until either name, or a name its index reads,
is assigned again. A name assigned inside a block (a branch, a loop body) holds it
after the block only if the block made it the same way as before it; a loop's
body starts knowing nothing of the names the loop assigns (the next iteration
sees what the last one made). `sync` follows these to make the names again after
an in-place write.
"""
from __future__ import annotations

import ast
from contextlib import contextmanager
from typing import Iterator


class Derivations:
    """Generated name -> the assignment's value it surely holds (a name, or an item
    or slice of a name), where that is known."""

    def __init__(self):
        self._made: dict[str, ast.expr] = {}
        self._blocks: list[dict[str, ast.expr | None]] = []   # per block: what it changed
        # per `branches`: its depth, what the names changed held before, and after each
        self._branches: list[tuple[int, dict, list[dict]]] = []

    def enter(self) -> None:
        self._blocks.append({})

    def leave(self) -> None:
        """A block ends: what it made anew holds after it only if made as before it.
        A branch of `branches` is settled with the others, which start as it did."""
        changed = self._blocks.pop()
        if self._branches and self._branches[-1][0] == len(self._blocks):
            _, before, after = self._branches[-1]
            after.append({name: self._made.get(name) for name in changed})
            for name, old in changed.items():
                before.setdefault(name, old)
                self._made.pop(name, None)
                if old is not None:
                    self._made[name] = old
            return
        for name, old in changed.items():
            if not _same(old, self._made.get(name)):
                self._drop(name)

    @contextmanager
    def branches(self) -> Iterator[None]:
        """The blocks entered inside are alternatives (an `if` and its `else`): each starts
        from what holds before them, and after them holds what held in every one."""
        self._branches.append((len(self._blocks), {}, []))
        try:
            yield
        finally:
            _, before, after = self._branches.pop()
            for name, old in before.items():
                ends = [branch.get(name, old) for branch in after]
                if ends and ends[0] is not None and all(_same(ends[0], e) for e in ends):
                    if not _same(old, ends[0]):
                        self._note(name)
                        self._made[name] = ends[0]
                else:
                    self._drop(name)

    def made(self, name: str, how: ast.expr) -> None:
        """`name = how` (a name, or an item or slice of a name) was just assigned."""
        self.rebound(name)
        self.remade(name, how)

    def remade(self, name: str, how: ast.expr) -> None:
        """`name` holds `how` again, while what was made from `name` still holds."""
        self._note(name)
        self._made[name] = how

    def rebound(self, name: str) -> None:
        """`name` now holds another value: neither it nor what was made from it, or
        indexed by it, is known to hold what it held."""
        self._drop(name)
        for other, how in list(self._made.items()):
            if any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(how)):
                self._drop(other)

    def forget(self, names: set[str]) -> None:
        """A loop that assigns `names` starts: its body may see any iteration's values."""
        for name in names:
            self.rebound(name)

    def source(self, name: str) -> ast.expr | None:
        return self._made.get(name)

    def root(self, name: str) -> str:
        """The name whose array `name` surely is, by plain assignments (`c = b`, `b = a`)."""
        seen = {name}
        while isinstance(self._made.get(name), ast.Name) and self._made[name].id not in seen:
            name = self._made[name].id
            seen.add(name)
        return name

    def _note(self, name: str) -> None:
        """Keep what `name` held before each block around that has not changed it yet."""
        for block in self._blocks:
            block.setdefault(name, self._made.get(name))

    def _drop(self, name: str) -> None:
        if name in self._made:
            self._note(name)
            del self._made[name]


def _same(a: ast.expr | None, b: ast.expr | None) -> bool:
    return a is b or a is not None and b is not None and ast.dump(a) == ast.dump(b)
