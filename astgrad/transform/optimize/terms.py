"""An adjoint's terms (`products`' reading of them): the value of `b = term`, or the `term`
of `b = b + term` (`- term`), read as a sign, numbers and arrays multiplied together, and
written back; what an expression of them costs; where they may be brought together."""
from __future__ import annotations

import ast
from collections import Counter
from dataclasses import dataclass

from ..trees import dump_key, walk
from .analyses import single_target


@dataclass(eq=False)
class Term:
    """`b = term` (`init`) or `b = b + term` / `b = b - term` (`stmt`, `b` its `target`):
    the term is `(-1) ** negative * prod(numbers) * prod(arrays)`; `precision`: the bytes
    of a real number in its NumPy values, where known."""

    stmt: ast.Assign
    target: str
    init: bool
    negative: bool
    numbers: list
    arrays: list
    keys: list               # `dump_key` of each of `arrays`
    precision: int | None = None
    _reads: set | None = None
    _count: Counter | None = None

    def count(self) -> Counter:
        """How often each of `keys` is met."""
        if self._count is None:
            self._count = Counter(self.keys)
        return self._count

    def reads(self) -> set[str]:
        """The names the term reads."""
        if self._reads is None:
            self._reads = {n.id for a in self.numbers + self.arrays for n in walk(a)
                           if n.__class__ is ast.Name}
        return self._reads


# -- terms, by their structure --------------------------------------------------------------
def read_terms(block: list, adjoints: set[str]) -> list[tuple]:
    """(statement, target, init, term, subtracted) for each adjoint's term in `block`."""
    out = []
    for stmt in block:
        name = single_target(stmt)
        if name is None or name not in adjoints:
            continue
        value = stmt.value
        if value.__class__ is ast.BinOp and value.op.__class__ in (ast.Add, ast.Sub) \
                and value.left.__class__ is ast.Name and value.left.id == name:
            out.append((stmt, name, False, value.right, value.op.__class__ is ast.Sub))
        else:
            out.append((stmt, name, True, value, False))
    return out


def share_an_atom(terms: list[tuple]) -> bool:
    """Do two of `terms` share an atom that is no literal (a cheap test, before kinds)?"""
    if len(terms) < 2:
        return False
    seen = set()
    for _, _, _, term, _ in terms:
        for key in {dump_key(a) for a in factors_of(term) if a.__class__ is not ast.Constant}:
            if key in seen:
                return True
            seen.add(key)
    return False


def factors_of(node, signs: list | None = None) -> list:
    """The factors of a product of `*` and unary `-`, left to right (each `-` met is put
    in `signs`)."""
    cls = node.__class__
    if cls is ast.UnaryOp and node.op.__class__ is ast.USub:
        if signs is not None:
            signs.append(node)
        return factors_of(node.operand, signs)
    if cls is ast.BinOp and node.op.__class__ is ast.Mult:
        return factors_of(node.left, signs) + factors_of(node.right, signs)
    return [node]


# -- writing --------------------------------------------------------------------------------
def times(items: list) -> ast.expr:
    """`a * b * c`."""
    out = items[0]
    for item in items[1:]:
        out = ast.BinOp(out, ast.Mult(), item)
    return out


def product(numbers: list, arrays: list) -> ast.expr:
    """`2 * a * (x * y)`: the numbers, then the arrays; `1` for neither."""
    if not numbers and not arrays:
        return ast.Constant(1)
    if not numbers or not arrays:
        return times(numbers or arrays)
    return ast.BinOp(times(numbers), ast.Mult(), times(arrays))


def put_back(term: Term) -> None:
    """Put `term` back into its statement."""
    value = product(term.numbers, term.arrays)
    if term.init:
        term.stmt.value = ast.UnaryOp(ast.USub(), value) if term.negative else value
    else:
        op = ast.Sub() if term.negative else ast.Add()
        term.stmt.value = ast.BinOp(ast.Name(term.target, ast.Load()), op, value)


def without(items: list, keys: list, common: Counter) -> tuple[list, list]:
    """`items` (with their `keys`) less one of each of `common`."""
    left, out, out_keys = Counter(common), [], []
    for item, key in zip(items, keys):
        if left[key] > 0:
            left[key] -= 1
        else:
            out.append(item)
            out_keys.append(key)
    return out, out_keys


def array_cost(node, array, memo: dict) -> tuple[bool, int]:
    """(is `node` an array, its operations on arrays or on values not known to be numbers),
    `array` telling of each atom; `memo` keeps each node's answer (no node changes)."""
    found = memo.get(id(node))
    if found is not None:
        return found[1]
    cls = node.__class__
    if cls is ast.BinOp and node.op.__class__ in (ast.Add, ast.Sub, ast.Mult) \
            or cls is ast.UnaryOp and node.op.__class__ is ast.USub:
        parts = [array_cost(n, array, memo)
                 for n in ((node.left, node.right) if cls is ast.BinOp else (node.operand,))]
        made = any(a for a, _ in parts)
        answer = made, sum(c for _, c in parts) + made
    else:
        answer = array(node), 0
    memo[id(node)] = node, answer
    return answer


def alike(one: Term, two: Term) -> bool:
    """Are the precisions of the two terms' NumPy values, where known, one?"""
    return one.precision is None or two.precision is None or one.precision == two.precision


def place(block: list, stmt) -> int:
    """The place of `stmt` in `block`."""
    return next(i for i, s in enumerate(block) if s is stmt)


def still(block: list, first: int, last: int, read: set[str], target: str | None = None,
           chain: frozenset = frozenset()) -> bool:
    """Do the statements of `block` from `first` up to `last` leave the names in `read` as
    they are (bind none of them), and (with `target`) read nor bind `target` but in the
    statements of its chain or merged away (ids in `chain`)?"""
    for stmt in block[first + 1:last] if target is not None else block[first:last]:
        if target is not None and id(stmt) in chain:
            continue
        for node in walk(stmt):
            if node.__class__ is ast.Name and (
                    node.id == target or node.id in read and node.ctx.__class__ is not ast.Load):
                return False
    return True


def hold(term: Term, wanted: Counter, name: str) -> None:
    """`term`'s arrays with one of each of `wanted` read from `name`, where the first was."""
    left, arrays, keys, placed = Counter(wanted), [], [], False
    for atom, key in zip(term.arrays, term.keys):
        if left[key] > 0:
            left[key] -= 1
            if not placed:
                arrays.append(ast.Name(name, ast.Load()))
                keys.append(dump_key(arrays[-1]))
                placed = True
        else:
            arrays.append(atom)
            keys.append(key)
    term.arrays, term.keys, term._count, term._reads = arrays, keys, None, None
