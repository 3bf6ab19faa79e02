"""Compare two outputs of `guard_sources.py`: which sections differ byte for byte, and
which of those are still the same up to a renaming of the compiler's temporaries.

    python scripts/guard_compare.py before.txt after.txt

Temporaries are `_N`, `b_N`-style adjoints of temporaries and versioned names
`name_N`; each is renumbered in order of first appearance within its section,
so a pass that allocates names in another order shows as "renamed only".
Exit status 0 when every section is identical or renamed only.
"""
from __future__ import annotations

import re
import sys

_NUMBERED = re.compile(r"\b(\w*?)_(\d+)\b")
_COUNTER = re.compile(r"<astgrad-\d+")


def sections(path: str) -> dict[str, str]:
    out, label, lines = {}, None, []
    for line in open(path):
        if line.startswith("===== "):
            if label is not None:
                out[label] = "".join(lines)
            label, lines = line[6:].strip(), []
        else:
            lines.append(line)
    if label is not None:
        out[label] = "".join(lines)
    return out


def canonical(text: str) -> str:
    text = _COUNTER.sub("<astgrad-N", text)
    seen: dict[str, str] = {}

    def rename(m):
        name = m.group(0)
        if name not in seen:
            seen[name] = f"{m.group(1)}_#{len(seen)}"
        return seen[name]
    return _NUMBERED.sub(rename, text)


def main(before: str, after: str) -> int:
    a, b = sections(before), sections(after)
    renamed, changed = [], []
    for label in sorted(set(a) | set(b)):
        x, y = a.get(label), b.get(label)
        if x == y:
            continue
        if x is not None and y is not None and canonical(x) == canonical(y):
            renamed.append(label)
        else:
            changed.append(label)
    print(f"{len(a)} sections; {len(renamed)} renamed only; {len(changed)} changed")
    for label in changed:
        print("CHANGED", label)
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
