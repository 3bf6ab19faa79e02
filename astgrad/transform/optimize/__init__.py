"""Pass 6, optimize: small rewrites that make generated code short and fast.

Each rewrite keeps every value the function returns; each is a module with
one public function and its before/after source in its docstring:

    simplify.simplify               constant folding, identities for the value's
                                    kind (`1.0 * x` is `x` only for a float `x`),
                                    static tests on kinds (`np.ndim(x) == 2`),
                                    numbers broadcast, branches decided
    splits.cut_splits               the adjoint of `np.concatenate((a, b))` cut by two
                                    slices, not a call (first, once)
    copies.propagate_copies         `a = b`: uses of `a` read `b`
    block_copies.propagate_block_copies   the same inside loops and branches
    zeros.known_zeros               `b = 0.0 ... b = b + e` -> `b = e` (and for the
                                    adjoints of lists, `rt.add_each`)
    dead.eliminate_dead             assignments nothing reads, dropped
    seeds.scalar_seeds              a number broadcast only to meet arrays of
                                    that shape stays a number (once the above settle)
    common.share_common             a pure value computed twice is computed once,
                                    into a name (then the above settle again)
    inline_temps.inline_temps       single-use made-up names written where used
    coefficients.gather_numbers     an adjoint's numbers multiplied together before
                                    they meet its arrays
    cancel.cancel_factors           an adjoint's arithmetic read as one rational function,
                                    factors positive for every input cancelled
    products.factor_products        a product two adjoint terms compute (in any order)
                                    computed once; two terms of an adjoint's sum with
                                    an array factor in common added before they meet it
    fast_scalars.use_math           sin, cos and sqrt of a Python float with `math`,
                                    where nothing can tell the difference
    derivative_math.use_math_log    log of a Python float with `math` (1 ulp), where
                                    only derivatives read it
    scalar_guards.share_finite_tests   one `math.isfinite(x)` for the spellings of x
    fresh.fresh_gradients           no returned gradient is a read-only view
    owned.own_gradients             nor one of the caller's arrays, nor a view of one
    comments.drop_orphan_comments   no comment that heads nothing

`analyses` holds what they read (definitions and uses, names assigned once,
names changed in place, kinds); `terms`, an adjoint's terms as `products` reads
them. Output guarantees: no assignment whose value is never read, no
`name = other_name` copy of a single-definition name.
"""
from __future__ import annotations

import ast

from ..kinds import Kind, expr_kind, static_value
from ..resolve import Namespace
from . import analyses, block_copies, cancel, coefficients, comments, common, copies, dead, derivative_math, fast_scalars, \
    fresh, inline_temps, owned, products, scalar_guards, seeds, simplify, splits, zeros

_ROUNDS = 20    # a safety bound on the rounds to a fixed point


def optimize(fn: ast.FunctionDef, ns: Namespace, temps: set[str],
             kinds: dict[str, Kind], shapes: dict[str, str],
             adjoints: set[str] = frozenset(), returned: bool = False) -> ast.FunctionDef:
    """`kinds` are the forward values' kinds; `shapes` maps a forward name to an
    earlier one of the same shape, so a value kept only for its shape need not be
    computed; `temps` are the names the compiler made up, which may be inlined;
    `adjoints` the names that hold derivatives (their values may be reassociated), and
    `returned` says the value returned is one too."""
    shapes = dict(shapes)            # `common` renames some names
    rounds = _Rounds(fn, lambda known, env: analyses.facts(fn, ns, kinds, shapes, known, env))
    rounds.changed(splits.cut_splits(fn, ns, rounds.known()))
    steps = [
        lambda r: simplify.simplify(fn, r.facts()),
        lambda r: _propagate_copies(fn, r, ns),
        lambda r: block_copies.propagate_block_copies(fn, r.known),   # (asked if needed)
        lambda r: zeros.known_zeros(fn, r.facts, ns),     # facts made if it may rewrite
        lambda r: _eliminate_dead(fn, r, ns, kinds)]
    settled = rounds.run(steps)
    for _ in range(_ROUNDS):         # numbers, then shared values, once the rest has settled
        if not settled:
            break
        facts, known = rounds.facts(), rounds.known()
        if not rounds.changed(seeds.scalar_seeds(fn, facts, known)
                              or _share_common(fn, rounds, ns, temps, shapes)):
            break
        settled = rounds.run(steps)
    inlined = rounds.changed(_inline_temps(fn, rounds, ns, temps, kinds))
    if rounds.changed(coefficients.gather_numbers(fn, rounds.facts(), adjoints,
                                                  rounds.known())):
        inlined = True               # gathered numbers may show a value computed twice
        for _ in range(_ROUNDS):
            settled = rounds.run(steps)
            if not rounds.changed(_share_common(fn, rounds, ns, temps, shapes)):
                break
        rounds.changed(_inline_temps(fn, rounds, ns, temps, kinds))   # read once now
    if rounds.changed(cancel.cancel_factors(fn, rounds.facts(), ns, adjoints, rounds.known(),
                                                returned)):
        rounds.run([lambda r: dead.eliminate_dead(fn, ns)])   # what it read through alone
    rounds.changed(products.factor_products(fn, rounds.facts, adjoints, temps))
    if inlined or not settled:
        rounds.changed(simplify.simplify(fn, rounds.facts()))   # what it brought together
    rounds.changed(fast_scalars.use_math(fn, ns, kinds))   # last: it reads where values go
    rounds.changed(derivative_math.use_math_log(fn, ns, kinds, adjoints))
    rounds.changed(scalar_guards.share_finite_tests(
        fn, ns, set(kinds) | set(ns.bound) | set(ns.live) | set(ns.taken)))
    rounds.changed(fresh.fresh_gradients(fn, ns, rounds.known()))
    owned.own_gradients(fn, rounds.facts())
    comments.drop_orphan_comments(fn)
    return fn


def _propagate_copies(fn, rounds: "_Rounds", ns) -> bool:
    """`copies.propagate_copies`, carrying the facts' kinds over where each copied name's
    kind is that of the value its reads now read (a fixed forward kind may not be): then
    every statement's value has the kind it had, and so every name."""
    propagated: dict[str, ast.expr] = {}
    known, dropped = rounds.known(), []
    if not copies.propagate_copies(fn, known, propagated, dropped):
        return False
    before = rounds.made_facts()
    if before is not None and all(
            before.kinds.get(name) == expr_kind(value, before.kinds, ns)
            for name, value in propagated.items()):
        rounds.carry_kinds(before.kinds)
    rounds.carry_survey(analyses.after_copies(known, propagated, dropped))
    return True


def _eliminate_dead(fn, rounds: "_Rounds", ns, kinds: dict) -> bool:
    """`dead.eliminate_dead`, carrying the facts' kinds over where every name it took an
    assignment of is gone (neither bound nor read, nor a forward value's) and no branch
    was rewritten: the assignments left are the ones there were, over names of the kinds
    they had."""
    before, known, tidied = rounds.made_facts(), rounds.made_known(), []
    if not dead.eliminate_dead(fn, ns, tidied):
        return False
    if before is not None and known is not None and not tidied:
        after = analyses.survey(fn)
        gone = {name for name, count in known.defs.items() if after.defs.get(name) != count}
        if not any(n in after.defs or n in after.uses or n in kinds for n in gone):
            rounds.carry_kinds({name: kind for name, kind in before.kinds.items()
                                if name not in gone})
        rounds.carry_survey(after)
    return True


def _share_common(fn, rounds: "_Rounds", ns, temps: set[str], shapes: dict) -> bool:
    """`common.share_common`, carrying the facts' kinds over where each value read from a
    name has that name's kind (a new name takes its value's), and no value is a literal
    and no name was renamed: a value is shared only over names bound once, at the top of
    a top block (`aliasing.stable`), so it has one kind wherever it is read; each
    statement's value has the kind it had."""
    facts, shared, renamed = rounds.facts(), [], {}
    if not common.share_common(fn, facts, ns, temps, shapes, rounds.known(), shared, renamed):
        return False
    env = dict(facts.kinds)
    for holder, value, later, new in shared:
        kind = expr_kind(value, facts.kinds, ns)
        if renamed or (not new and env.get(holder) != kind) or any(
                static_value(node) is not None or expr_kind(node, facts.kinds, ns) != kind
                for node in (value, *later)):
            return True
        if new:
            env[holder] = kind
    rounds.carry_kinds(env)
    return True


def _inline_temps(fn, rounds: "_Rounds", ns, temps: set[str], kinds: dict) -> bool:
    """`inline_temps.inline_temps`, carrying the facts' kinds over where each inlined
    name's kind is that of its value, and its value is no literal (a literal read where
    a name was may give a rule a constant: `x ** 2`): each value moves, within its top
    block, to the simple statement that reads it, past no binding of a name it reads
    (`inline_temps`), so it has there the kind it had where it was, and each statement's
    value the kind it had. The inlined names are bound no more (but a forward value's,
    whose kind stays)."""
    known, inlined = rounds.known(), {}
    if not inline_temps.inline_temps(fn, temps, known, inlined):
        return False
    before = rounds.made_facts()
    if before is not None and all(
            static_value(value) is None
            and before.kinds.get(name) == expr_kind(value, before.kinds, ns)
            for name, value in inlined.items()):
        rounds.carry_kinds({name: kind for name, kind in before.kinds.items()
                            if name not in inlined or name in kinds})
    return True


class _Rounds:
    """The rewrites run in turn, round after round, to a fixed point: a round in which
    none changes the tree. A rewrite that changed nothing, on a tree nothing has changed
    since, is not run again (it would change nothing again); the survey of the names
    (`analyses.survey`) and the simplifier's facts (`analyses.facts`, whose kinds take a
    walk of the whole function) are made once for each tree the rewrites see, and the
    kinds are not made again for a tree a rewrite changed without changing one
    (`carry_kinds`: copies, inlined temporaries, dropped dead code), nor the survey where
    the rewrite knows it (`carry_survey`: copies, dead code)."""

    def __init__(self, fn: ast.FunctionDef, make_facts):
        self.fn, self._make_facts = fn, make_facts
        self._known: analyses.Survey | None = None
        self._facts: analyses.Facts | None = None
        self._kinds: dict | None = None        # kinds true of the tree as it is, if known
        self._carried: dict | None = None      # kinds the next change keeps
        self._carried_known: analyses.Survey | None = None     # its survey, if known

    def known(self) -> analyses.Survey:
        if self._known is None:
            self._known = analyses.survey(self.fn)
        return self._known

    def made_known(self) -> analyses.Survey | None:
        """The survey of the tree as it is, if it was made (never made here)."""
        return self._known

    def facts(self) -> analyses.Facts:
        if self._facts is None:
            self._facts = self._make_facts(self.known(), self._kinds)
        return self._facts

    def made_facts(self) -> analyses.Facts | None:
        """The facts of the tree as it is, if they were made (never made here). Their
        kinds, if carried over, may hold names a rewrite took out (read by nothing:
        `Facts.forward` says which names a new one must not take)."""
        return self._facts

    def carry_kinds(self, kinds: dict) -> None:
        """The tree the next change makes gives every name it binds or reads the kind
        `kinds` gives it: its facts take them, not inferred again."""
        self._carried = kinds

    def carry_survey(self, known: analyses.Survey) -> None:
        """`known` is the survey of the tree the next change makes: not made again."""
        self._carried_known = known

    def changed(self, changed: bool) -> bool:
        """Say whether a rewrite changed the tree (if it did, its analyses are made
        again when next asked for); returns `changed`."""
        if changed:
            self._known, self._facts = self._carried_known, None
            self._kinds, self._carried = self._carried, None
        self._carried_known = None
        return changed

    def run(self, steps) -> bool:
        """`steps`: each takes this object (for the survey and the facts) and says
        whether it changed the tree. True if they reached their fixed point within the
        bound."""
        clean: set[int] = set()          # steps that would change nothing now
        for _ in range(_ROUNDS):
            progress = False
            for i, step in enumerate(steps):
                if i in clean:
                    continue
                if self.changed(step(self)):
                    progress, clean = True, set()
                else:
                    clean.add(i)
            if not progress:
                return True
        return False
