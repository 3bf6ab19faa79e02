"""Where in the user's code a refusal raised by generated code at run time belongs.

The code generator registers, for each generated file, the user's line of every
generated line (`register`); `where_called()` walks the running frames to the
innermost generated one and names the user's file and line (or notebook cell),
so a run-time refusal reads like a compile-time one.
"""
from __future__ import annotations

import re
import sys

_lines: dict[str, tuple[str, dict[int, int]]] = {}   # generated file -> (user's file, lines)
_PLACE = re.compile(r"(?P<file>.*?)(?::|, line )(?P<line>\d+)$")


def register(filename: str, where: str, lines: dict[int, int]) -> None:
    """`filename`'s generated line `n` came from the user's line `lines[n]` of the
    function defined at `where` ("file:line", or "In [3], line 5")."""
    _lines[filename] = (where, lines)


def where_called(depth: int = 1) -> str | None:
    """The user's place of the innermost generated code on the stack, or None."""
    frame = sys._getframe(depth)
    while frame is not None:
        found = _lines.get(frame.f_code.co_filename)
        if found is not None:
            return _place(found[0], found[1].get(frame.f_lineno))
        frame = frame.f_back
    return None


def _place(where: str, line: int | None) -> str:
    match = _PLACE.match(where)
    if line is None or match is None:
        return where
    sep = ":" if where[match.end("file")] == ":" else ", line "
    return f"{match['file']}{sep}{line}"
