"""Part of pass 5b, reverse: the zero each adjoint starts at, and is reset to.

A zero is the number 0.0 where every rule that reads the adjoint broadcasts it, and
an array (or a list of zeros, one per element) where a rule needs the value's shape:
the adjoints of lists, of arrays written by index, and of an array assigned once at
the top level whose adjoint only a branch taken sets (a rule of `@` or a broadcasting
rule then reads a zero of the value's shape); and, in the branch of a reverse `if` that
does not set it, an array's adjoint still the number 0.0 made its value's shape."""
from __future__ import annotations

import ast
import collections

from .build import assign, call, load, made_once
from .kinds import UNKNOWN
from .trees import outline, walk


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


def _stored(node: ast.AST) -> collections.Counter:
    return collections.Counter(n.id for n in walk(node)
                               if n.__class__ is ast.Name and n.ctx.__class__ is ast.Store)


_parents: tuple = (None, {})     # (the tree the reverse pass is walking, each block's holder)


def _blocks(node: ast.AST):
    for field in ("body", "orelse", "finalbody"):
        block = getattr(node, field, None)
        if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
            yield block


def bound_before(fn: ast.FunctionDef, stmt: ast.stmt) -> set[str]:
    """The names bound on every path to `stmt`: `fn`'s parameters, and in each block
    that holds `stmt` (the function's, then a branch's or a loop body's, down to its
    own), the names the plain assignments before the statement holding it bind, and a
    `for` loop's target names for its body."""
    global _parents
    cached = _parents         # each statement's (block, index, holder), for this tree
    if cached[0] is not fn:
        where = {}
        for node in outline(fn):                    # (no block is inside an expression)
            if isinstance(node, ast.stmt) or node is fn:
                for block in _blocks(node):
                    for i, s in enumerate(block):
                        where[id(s)] = (block, i, node)
        cached = _parents = (fn, where)
    where = cached[1]
    out = {a.arg for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs}
    node = stmt
    while id(node) in where:
        block, i, holder = where[id(node)]
        for s in block[:i]:
            if isinstance(s, ast.Assign):
                out |= {t.id for t in s.targets if isinstance(t, ast.Name)}
        if isinstance(holder, ast.For) and block is holder.body:
            out |= {n.id for n in ast.walk(holder.target) if isinstance(n, ast.Name)}
        node = holder
    return out


def shaped_in_branch(one: list[ast.stmt], other: list[ast.stmt], outside: set[str],
            sweep) -> list[ast.stmt]:
    """For the branch `other` of a reverse `if`: the adjoints that start as the number
    0.0, of arrays bound before the `if` (`outside`), which only branch `one` sets,
    made arrays of their values' shapes (`bc = rt.shaped_like(bc, c)`; a value of unknown
    kind may be a number or a list, which `rt.shaped_like` leaves alone): after the `if`,
    a rule such as `@`'s needs the shape whichever branch ran (in branch `other`, `c` is
    the value the `if` started with)."""
    only, out = None, []
    for name in sorted(sweep.plan.zeroed & outside):
        b, kind = sweep.adjoint(name), sweep.kinds.get(name)
        if kind is None or kind.ndim == 0 or kind.py or kind.dtype == "O":
            continue
        if only is None:         # (the branches walked only where an array's adjoint may be)
            only = _stored(ast.Module(one, [])) - _stored(ast.Module(other, []))
        if b in only and not sweep.shaped_zero(name):
            out.append(assign(b, call(sweep.ns, "rt.shaped_like", [load(b), load(name)])))
    return out
