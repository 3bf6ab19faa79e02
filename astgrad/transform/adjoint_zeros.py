"""Part of pass 5b, reverse: the zero each adjoint starts at, and is reset to.

A zero is the number 0.0 where every rule that reads the adjoint broadcasts it, and
an array (or a list of zeros, one per element) where a rule needs the value's shape:
the adjoints of lists, of arrays written by index, and of an array assigned once at
the top level whose adjoint only a branch taken sets (a rule of `@` or a broadcasting
rule then reads a zero of the value's shape)."""
from __future__ import annotations

import ast

from .build import call, load, made_once
from .kinds import UNKNOWN


class Zeros:
    """The zeros of one function's adjoints (see the module docstring)."""

    def __init__(self, fn: ast.FunctionDef, plan, kinds: dict, ns, wrt) -> None:
        self.plan, self.kinds, self.ns, self.wrt = plan, kinds, ns, wrt
        self.once = made_once(fn)

    def of(self, name: str) -> ast.expr:
        """The zero the adjoint of `name` is reset to."""
        kind = self.kinds.get(name, UNKNOWN)
        array = kind.dtype not in (None, "O")              # an array or a number, not a list
        if name in self.plan.sequences or name in self.plan.owned and not array:
            # one zero per element, of its shape (for what may be a list)
            return call(self.ns, "rt.zeros_like", [load(name)])
        if name in self.plan.owned:
            return call(self.ns, "np.zeros_like", [load(name)])
        if name in self.once and kind.ndim != 0 and not kind.py and array:
            return call(self.ns, "rt.zeros_like" if kind.ndim is None else "np.zeros_like",
                        [load(name)])
        return ast.Constant(0.0)

    def initial(self, name: str) -> ast.expr:
        """The zero the adjoint of `name` starts at (a differentiated array's is shaped)."""
        kind = self.kinds.get(name, UNKNOWN)
        value = self.of(name)
        if isinstance(value, ast.Constant) and not kind.py and kind.ndim not in (None, 0) \
                and name in self.wrt:
            value = call(self.ns, "np.zeros_like", [load(name)])
        return value

