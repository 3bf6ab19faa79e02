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


class Derivations:
    """Generated name -> the assignment's value it surely holds (a name, or an item
    or slice of a name), where that is known."""

    def __init__(self):
        self._made: dict[str, ast.expr] = {}
        self._blocks: list[dict[str, ast.expr | None]] = []   # per block: what it changed

    def enter(self) -> None:
        self._blocks.append({})

    def leave(self) -> None:
        """A block ends: what it made anew holds after it only if made as before it."""
        changed = self._blocks.pop()
        for name, before in changed.items():
            now = self._made.get(name)
            if before is None and now is None:
                continue
            if before is None or now is None or ast.dump(before) != ast.dump(now):
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

    def _note(self, name: str) -> None:
        """Keep what `name` held before each block around that has not changed it yet."""
        for block in self._blocks:
            block.setdefault(name, self._made.get(name))

    def _drop(self, name: str) -> None:
        if name in self._made:
            self._note(name)
            del self._made[name]
