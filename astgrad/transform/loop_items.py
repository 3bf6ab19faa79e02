"""The items a `for` loop reads, for `desugar`'s loop over an index: which sequences
it indexes and which target each item goes to, through `enumerate` (also with
`start`), `zip` (also `zip(*t)` of a tuple the code writes out), `reversed`, and
`enumerate` and `zip` nested (`for i, (a, b) in enumerate(zip(xs, ys)):`)."""
from __future__ import annotations

import ast

from ..errors import UnsupportedSyntaxError
from .lowering import Lowerer, assigned_names


class Count:
    """What `enumerate` counts: the loop's index, plus `start` (an atom) unless None."""

    def __init__(self, start: ast.expr | None):
        self.start = start


def items(iterable, target, stmt, low: Lowerer):
    """The sequences a `for` reads and the target each item goes to (a `Count`: the
    index); `enumerate` and `zip` nest (`for i, (a, b) in enumerate(zip(xs, ys)):`)."""
    if is_call_to(iterable, enumerate, low):
        start = [k.value for k in iterable.keywords if k.arg == "start"] + iterable.args[1:]
        if not (isinstance(target, ast.Tuple) and len(target.elts) == 2) \
                or not 1 <= len(iterable.args) <= 2 or len(start) > 1 \
                or any(k.arg != "start" for k in iterable.keywords):
            raise UnsupportedSyntaxError("use `for i, x in enumerate(seq):`.",
                                         low.scope.where(stmt))
        count = Count(loop_invariant(low.atom(start[0]), stmt, low) if start else None)
        seqs, targets = _nested(iterable.args[0], target.elts[1], stmt, low)
        return seqs + [count], targets + [target.elts[0]]
    if is_call_to(iterable, zip, low):
        args, lowered = _zip_arguments(iterable, target, stmt, low)
        seqs, targets = [], []
        for arg, elt in zip(args, target.elts):
            more = ([loop_invariant(arg, stmt, low)], [elt]) if lowered \
                else _nested(arg, elt, stmt, low)
            seqs, targets = seqs + more[0], targets + more[1]
        return seqs, targets
    if is_call_to(iterable, reversed, low) and len(iterable.args) == 1:
        seq = low.atom(iterable.args[0])
        flipped = low.out.temp(ast.Subscript(seq, ast.Slice(None, None, ast.Constant(-1)),
                                         ast.Load()))
        return [flipped], [target]
    seq = loop_invariant(low.atom(iterable), stmt, low)
    if not isinstance(seq, ast.Name):
        seq = low.out.temp(seq)                  # a literal: name it, so items have adjoints
    return [seq], [target]


def _nested(iterable, target, stmt, low: Lowerer):
    """An `enumerate` or `zip` argument: its items, each to its part of `target`."""
    if isinstance(target, ast.Tuple) and (is_call_to(iterable, enumerate, low)
                                          or is_call_to(iterable, zip, low)):
        return items(iterable, target, stmt, low)
    return [loop_invariant(low.atom(iterable), stmt, low)], [target]


def _zip_arguments(iterable: ast.Call, target, stmt, low: Lowerer):
    """`zip`'s arguments, one per name of `target`, and whether they are lowered already:
    `zip(*t)` of a tuple written in the code (`t = (a, b)`, or returned so by a helper)
    zips its elements, atoms naming the values they had when `t` was made."""
    args, lowered = iterable.args, False
    if len(args) == 1 and isinstance(args[0], ast.Starred) and not iterable.keywords \
            and isinstance(target, ast.Tuple):
        atom = low.atom(args[0].value)
        args = atom.elts if isinstance(atom, (ast.Tuple, ast.List)) \
            else low.ctx.tuples.elements(atom)
        lowered = True
        if args is None or any(isinstance(a, ast.Starred) for a in args):
            raise UnsupportedSyntaxError(
                "`zip(*t)` over a tuple the code does not write out is not supported.",
                low.scope.where(stmt),
                fix="Zip its items by name: `for a, b in zip(t[0], t[1]):`.")
    if not (isinstance(target, ast.Tuple) and len(target.elts) == len(args)) \
            or iterable.keywords or any(isinstance(a, ast.Starred) for a in args):
        raise UnsupportedSyntaxError("use `for a, b in zip(xs, ys):` with one name per "
                                     "sequence zipped.", low.scope.where(stmt))
    return list(args), lowered


def loop_invariant(atom: ast.expr, loop: ast.For, low: Lowerer) -> ast.expr:
    """`atom`, or a copy of it if the loop reassigns it (the reverse sweep rereads it), or
    if it is also a user's name meaning another value here: the item reads are lowered
    again (an inlined `def g(xs): for x in xs:` called as `g(x)` reads the caller's `x`)."""
    current = low.scope.current
    if isinstance(atom, ast.Name) and (
            atom.id in {current.get(n) for n in assigned_names([loop])}
            or current.get(atom.id, atom.id) != atom.id):
        return low.out.temp(atom)
    return atom


def is_call_to(node: ast.expr, fn, low: Lowerer) -> bool:
    ns = low.ctx.ns
    return isinstance(node, ast.Call) and ns is not None and ns.value(node.func) is fn
