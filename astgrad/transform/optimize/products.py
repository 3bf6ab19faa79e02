"""Products of an adjoint's terms shared and factored: a product of arrays that two terms
compute, up to the order of its factors, is computed once, into a name; two terms of one
accumulation chain with an array factor in common are added before they meet it.

    before (sin_x, _4, cos_x, x arrays)       after
    bx = cos_x                                bx = cos_x
    bx = bx - x * sin_x                       x_sin_x = x * sin_x
    bx = bx - 2 * (sin_x * _4 * x)            bx = bx - x_sin_x
    bx = bx + _4 * cos_x                      bx = bx + _4 * (cos_x - 2 * x_sin_x)

A term is the value of `b = term` or the `term` of `b = b + term` (or `- term`), `b` an
adjoint, `term` a product (`*`, unary `-`) of atoms. An operation on arrays is a pass over
them and a new array; one on numbers costs nothing to speak of. The values are the same
products and sums rounded in another order, so only adjoints' terms are rewritten (as
`coefficients` does), only where every atom's kind is known: arrays floating or complex,
of one precision where known (the result's dtype is the same in any order: promotion is
a join), numbers 0-d floating or complex, or Python ints (never NumPy integers, whose
products could wrap where a float met them first). `F * (A + C)` has the shape of
`F * A + F * C` (broadcasting is associative). Terms are brought together only over
statements that rebind none of their names, nor read the adjoint between two terms of
its chain; an atom reads no name changed in place (nor through a view), calls only pure
NumPy (`aliasing.pure_callee`), and holds no `@`. A rewrite is made only where it leaves
fewer operations on arrays.
"""
from __future__ import annotations

import ast
from collections import Counter
from typing import Callable

from ..naming import RESERVED, names_in
from ..trees import copy_tree, dump_key, walk
from .aliasing import pure_callee
from .analyses import Facts, blocks, survey, top_blocks
from .terms import Term, alike, array_cost, factors_of, hold, place, product, put_back, \
    read_terms, share_an_atom, still, times, without

_NAMED_MOST = 3          # a shared product of more atoms is named `_N`, not after them
_NEAREST = 8             # the terms of its chain before a term it may be merged with
_JOINED_MOST = 72        # characters of a chain written as one statement, at most
_BUDGET = 300            # pairs of terms weighed in a block, at most (the first call's time)


def factor_products(fn: ast.FunctionDef, facts: Facts | Callable[[], Facts],
                    adjoints: set[str], temps: set[str]) -> bool:
    """Rewrite, in place, the adjoints' terms the module docstring describes; True if any.
    Output: no product of arrays (of two factors or more) that one term is, another term
    of its block holds too, up to order, where kinds allow (but the same product twice in
    one chain, which merging writes `2 * (...)`); no two terms of one chain,
    among each one's nearest, with an array factor in common whose merging would leave
    fewer operations on arrays (weighing at most `_BUDGET` pairs a block). `facts` may be
    the function that makes them: called only where two terms of a block share an atom.
    A name made here is added to `temps`."""
    found = [(block, terms) for block in blocks(fn)
             for terms in [read_terms(block, adjoints)] if share_an_atom(terms)]
    if not found:
        return False
    facts = facts() if callable(facts) else facts
    rewrite, changed = _Rewrite(fn, facts, temps), False
    top = {id(block) for block in top_blocks(fn)}
    for block, terms in found:
        terms = [t for t in (rewrite.typed(t) for t in terms) if t is not None]
        touched = rewrite.share(block, terms) | rewrite.factor(block, terms, id(block) in top)
        if touched and id(block) in top:
            _join(block, terms, touched, rewrite.cost)
        changed |= bool(touched)
    return changed


def _join(block: list, terms: list[Term], touched: set[str], cost) -> None:
    """Each chain of an adjoint in `touched`, from a first term (`b = term`) on, with no
    statement between its own that reads `b` or rebinds a name a term moved reads: one
    statement, its costliest terms first, the positive before the negative (as by hand:
    `bx = _4 * (c - 2 * s) + c - s`), where that takes no more passes and reads as one
    line. It holds fewer arrays at once: no `b` beside the next term's temporaries."""
    for target in sorted(touched):
        chain = [t for t in terms if t.target == target]
        starts = [k for k, t in enumerate(chain) if t.init] + [len(chain)]
        for start, end in zip(starts, starts[1:]):
            segment = chain[start:end]
            ours, last = {id(t.stmt) for t in segment}, place(block, segment[-1].stmt)
            if len(segment) < 2 or not all(t.arrays for t in segment) or not all(
                    still(block, place(block, t.stmt), last, t.reads(), target, ours)
                    for t in segment[:-1]):
                continue
            value = None
            for t in sorted(segment, key=lambda t: (t.negative,
                                                    -cost(product(t.numbers, t.arrays)))):
                term = product(t.numbers, t.arrays)
                value = (ast.UnaryOp(ast.USub(), term) if t.negative else term) \
                    if value is None else \
                    ast.BinOp(value, ast.Sub() if t.negative else ast.Add(), term)
            if cost(value) <= sum(cost(t.stmt.value) for t in segment) \
                    and len(ast.unparse(value)) <= _JOINED_MOST:
                segment[-1].stmt.value = value
                block[:] = [stmt for stmt in block if id(stmt) not in ours - {id(segment[-1].stmt)}]


class _Rewrite:
    """The rewrites of one function, with the kinds of the atoms they meet."""

    def __init__(self, fn: ast.FunctionDef, facts: Facts, temps: set[str]):
        self.fn, self.facts, self.temps = fn, facts.unchanging(), temps
        self.made: dict[str, tuple[bool, int | None]] = {}   # new name -> (array, precision)
        self._taken: set[str] | None = None
        self._once: set[str] | None = None     # names bound once (`Survey.once`), if asked
        self._costs: dict = {}                   # `array_cost`'s answers

    # -- kinds --------------------------------------------------------------------------
    def typed(self, found: tuple) -> Term | None:
        """The `Term` of a structural term, or None where an atom's kind does not let
        it be reordered."""
        stmt, target, init, term, subtracted = found
        numbers, arrays, precisions, signs = [], [], set(), []
        for atom in factors_of(term, signs):
            kind = self._atom(atom, target)
            if kind is None:
                return None
            array, precision = kind
            (arrays if array else numbers).append(atom)
            if precision is not None:
                precisions.add(precision)
        if len(precisions) > 1:
            return None
        return Term(stmt, target, init, len(signs) % 2 != subtracted, numbers, arrays,
                     [dump_key(a) for a in arrays], next(iter(precisions), None))

    def _atom(self, atom, target: str) -> tuple[bool, int | None] | None:
        """(is it an array, its precision in bytes or None for a Python number), or None
        where it may not be reordered."""
        if atom.__class__ is ast.Name and atom.id in self.made:
            return self.made[atom.id]
        if atom.__class__ is ast.Constant:
            return (False, None) if type(atom.value) in (int, float, complex) else None
        if not _movable(atom, target, self.facts):
            return None
        kind = self.facts.kind(atom)
        if kind.ndim is None or kind.dtype not in ("f", "c", "i"):
            return None
        if kind.dtype == "i":                  # a NumPy integer's product could wrap
            return (False, None) if kind.ndim == 0 and kind.py is True else None
        if kind.ndim == 0 and kind.py is not False:
            return False, None                 # a Python number (or perhaps one)
        return kind.ndim > 0, kind.itemsize and kind.itemsize // (1 + (kind.dtype == "c"))

    def cost(self, node) -> int:
        return array_cost(node, self._array, self._costs)[1]

    def _is_array(self, node) -> bool:
        return array_cost(node, self._array, self._costs)[0]

    def _array(self, node) -> bool:
        if node.__class__ is ast.Constant:
            return False
        if node.__class__ is ast.Name and node.id in self.made:
            return self.made[node.id][0]
        return self.facts.kind(node).ndim != 0

    # -- (1) a product two terms compute, computed once -------------------------------------
    def share(self, block: list, terms: list[Term]) -> set[str]:
        """Each product of arrays a term is, that other terms of the block hold too (up to
        order), computed once into a name, right before the first statement computing it
        (or read from the adjoint that is that product, bound once, if it comes first)."""
        touched = set()
        for term in sorted(terms, key=lambda t: -len(t.arrays)):
            if len(term.arrays) < 2:
                continue
            wanted = term.count()
            holders = [t for t in terms if t is not term and alike(t, term)
                       and not wanted - t.count()]
            if all(t.target == term.target and len(t.keys) == len(term.keys)
                   for t in holders):
                continue          # (none, or the same product in its chain: `factor`'s)
            involved = [t for t in terms if t is term or t in holders]   # in block order
            at = [place(block, t.stmt) for t in involved]
            if not still(block, at[0], at[-1], term.reads()) or any(
                    t.init and not t.negative and not t.numbers and t.count() == wanted
                    and t.target in self.facts.mutated for t in involved):
                continue          # (`b = name`, `b` changed in place: the name's array too)
            if involved[0] is term and self._holds(term):
                name = term.target
                involved = involved[1:]
            else:
                name = self._fresh(term.arrays)
                value = times([copy_tree(a) for a in term.arrays])
                block.insert(at[0], ast.copy_location(
                    ast.Assign([ast.Name(name, ast.Store())], value), block[at[0]]))
            self.made[name] = (True, term.precision)
            for t in involved:
                hold(t, wanted, name)
                put_back(t)
                touched.add(t.target)
        return touched

    def _holds(self, term: Term) -> bool:
        """Is `term` the whole value of a name bound once (`b = x * s`), never changed in
        place: that name may be read for its product."""
        if not term.init or term.negative or term.numbers:
            return False
        if self._once is None:        # (`Facts.once` is the names bound at the top only)
            self._once = survey(self.fn).once
        return term.target in self._once

    def _fresh(self, arrays: list) -> str:
        """`x_sin_x` for `x * sin_x` (atoms that are names a person wrote), else `_N`."""
        if self._taken is None:
            f = self.facts
            self._taken = names_in(self.fn) | set(f.kinds if f.forward is None else f.forward) \
                | set(f.ns.bound) | set(f.ns.live) | set(f.ns.taken) | set(RESERVED)
        base = "_".join(a.id for a in arrays) if len(arrays) <= _NAMED_MOST and all(
            a.__class__ is ast.Name and not a.id.startswith("_") for a in arrays) else None
        n, name = 0, base
        while name is None or name in self._taken:
            n += 1
            name = f"_{n}" if base is None else f"{base}_{n}"
        self._taken.add(name)
        self.temps.add(name)
        return name

    # -- (2) two terms of a chain with a factor in common, added first ----------------------
    def factor(self, block: list, terms: list[Term], top: bool) -> set[str]:
        """In each chain of one adjoint's terms, the pair whose factoring saves the most
        operations on arrays (and then has the most factors in common), factored, until
        none saves any. Two terms become one `b = term` only in a top block (`top`): in
        a loop, a transform of the code then keeps the adjoint's old values, not their
        shapes (`loop_with_branch` under grad of grad)."""
        known = {}                       # (one, two) -> `_factored`'s answer
        at, gone, written = {id(stmt): i for i, stmt in enumerate(block)}, set(), set()
        while True:
            best, chains = None, {}
            for two in terms:
                chain = chains.setdefault(two.target, [])
                for one in ([] if two.init else chain[-_NEAREST:]):
                    if one.init and not top:
                        continue
                    key = (one, two)          # (an answer stays: see `_factored`)
                    if key not in known:
                        if len(known) == _BUDGET:
                            break
                        known[key] = self._factored(block, at, gone, terms, one, two)
                    found = known[key]
                    if found is not None and (best is None or found[0] > best[0]):
                        best = (found[0], one, two, found[1])
                chain.append(two)
            if best is None:
                break
            _, one, two, merged = best
            merged.keys = [dump_key(a) if k is None else k for a, k in zip(merged.arrays,
                                                                           merged.keys)]
            gone.add(id(one.stmt))
            terms.remove(one)
            terms[terms.index(two)] = merged
            put_back(merged)
            written.add(id(merged.stmt))
        block[:] = [stmt for stmt in block if id(stmt) not in gone]
        return {t.target for t in terms if id(t.stmt) in written}

    def _factored(self, block, at: dict, gone: set, terms, one: Term,
                  two: Term) -> tuple | None:
        """((operations saved, factors in common), the merged term at `two`'s place), or
        None where the two may not be merged or merging saves nothing (`at`: each
        statement's place in the block; `gone`: the ids of those merged away). The answer
        holds while neither term changes: merging others only takes chain statements from
        between them, or makes a first term of one just after another first term."""
        common = one.count() & two.count()
        if not common or not alike(one, two):
            return None
        i, j = at[id(one.stmt)], at[id(two.stmt)]
        between = [t for t in terms if t.target == one.target and i < at[id(t.stmt)] < j]
        if one.init and between or any(t.init for t in between) \
                or not still(block, i, j, one.reads(), one.target,
                              gone | {id(t.stmt) for t in between}):
            return None
        shared, shared_keys = without(two.arrays, two.keys, two.count() - common)
        rest_one = without(one.arrays, one.keys, common)[0]
        rest_two = without(two.arrays, two.keys, common)[0]
        a, c = product(one.numbers, rest_one), product(two.numbers, rest_two)
        twins = one.count() - common == two.count() - common \
            and Counter(map(dump_key, one.numbers)) == Counter(map(dump_key, two.numbers))
        total = _total(a, c, twins, one.negative, two.negative, self._is_array)
        if total is None:
            return None
        array = any(self._is_array(n) for n in rest_one + rest_two)
        merged = Term(two.stmt, two.target, one.init, one.negative and two.negative,
                       [] if array else [total], shared + ([total] if array else []),
                       shared_keys + ([None] if array else []),     # (made when merged)
                       one.precision if two.precision is None else two.precision)
        before = self.cost(one.stmt.value) + self.cost(two.stmt.value)
        value = two.stmt.value
        put_back(merged)                      # (to count it, then put back)
        after, two.stmt.value = self.cost(merged.stmt.value), value
        return ((before - after, len(shared)), merged) if after < before else None


def _movable(atom, target: str, facts: Facts) -> bool:
    """May `atom` be moved or shared: it reads no name changed in place nor `target`,
    holds no `@`, and calls only pure NumPy?"""
    for node in walk(atom):
        cls = node.__class__
        if cls is ast.Name and (node.id in facts.mutated or node.id == target) \
                or cls is ast.BinOp and node.op.__class__ is ast.MatMult \
                or cls is ast.Call and not pure_callee(node, facts) \
                or cls in (ast.NamedExpr, ast.Lambda, ast.Await, ast.Yield, ast.YieldFrom,
                           ast.ListComp, ast.GeneratorExp, ast.SetComp, ast.DictComp):
            return False
    return True


def _total(a, c, twins: bool, one: bool, two: bool, array) -> ast.expr | None:
    """What multiplies the factors in common: `a + c`, `a - c` or `c - a` for the rests
    `a` and `c` of terms negative where `one` and `two` say (both negative: `a + c`, to
    be subtracted); `2 * a` for `twins`, equal rests; None for `a - a`, left as written."""
    if twins:                                # as `coefficients` writes it
        if one != two:
            return None
        if a.__class__ is ast.Constant:      # (a product of no factors: 1)
            return ast.Constant(2)
        return product([ast.Constant(2)], [a]) if array(a) \
            else product([ast.Constant(2), a], [])
    if one == two:
        return ast.BinOp(a, ast.Add(), c)
    return ast.BinOp(c, ast.Sub(), a) if one else ast.BinOp(a, ast.Sub(), c)


