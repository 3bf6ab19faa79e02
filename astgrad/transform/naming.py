"""Names in generated code: the formats, and a deterministic allocator.

The same input always gives the same names, so generated source is
byte-identical from run to run.
"""
from __future__ import annotations

import ast

from .trees import walk

ADJOINT = "b{}"          # bx is the adjoint of x
TANGENT = "t{}"          # tx is the tangent of x
VERSION = "{}_{}"        # x_1 is the second value a name holds
TEMP = "_{}"             # _1 is an intermediate of one expression
NUMPY = "np"
RUNTIME = "rt"
RESERVED = frozenset({NUMPY, RUNTIME})


class Namer:
    """Hands out fresh names that clash with nothing already in use."""

    def __init__(self, taken=()):
        self.taken = set(taken) | set(RESERVED)
        self.counters: dict[str, int] = {}
        self.temps: set[str] = set()     # names the compiler made up: free to inline
        self.adjoints: set[str] = set()  # adjoint names: what they hold is a derivative
        self.tangents: set[str] = set()  # tangent names, likewise

    def reserve(self, name: str) -> str:
        self.taken.add(name)
        return name

    def fresh(self, base: str) -> str:
        if base not in self.taken:
            return self.reserve(base)
        return self.version(base)

    def version(self, base: str) -> str:
        n = self.counters.get(base, 0)
        while True:
            n += 1
            name = VERSION.format(base, n)
            if name not in self.taken:
                self.counters[base] = n
                return self.reserve(name)

    def temp(self) -> str:
        n = self.counters.get("", 0)
        while True:
            n += 1
            name = TEMP.format(n)
            if name not in self.taken:
                self.counters[""] = n
                self.temps.add(name)
                return self.reserve(name)

    def adjoint(self, name: str) -> str:
        new = self.fresh(ADJOINT.format(name.lstrip("_")))
        self.adjoints.add(new)
        if name in self.temps:
            self.temps.add(new)
        return new

    def tangent(self, name: str) -> str:
        new = self.fresh(TANGENT.format(name.lstrip("_") if name.startswith("_") else name))
        self.tangents.add(new)
        return new


def names_in(tree: ast.AST) -> set[str]:
    """Every identifier a tree mentions, as a name or an argument."""
    out = set()
    for node in walk(tree):
        if isinstance(node, ast.Name):
            out.add(node.id)
        elif isinstance(node, ast.arg):
            out.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.Lambda)) and hasattr(node, "name"):
            out.add(node.name)
    return out
