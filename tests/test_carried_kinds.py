"""Kinds the optimizer carries over a rewrite (not inferred again) are the ones inference
gives the new tree: over a value shared (`_share_common`) and over temporaries inlined
(`_inline_temps`) whatever the names their values read, and a name made for a shared value
is no forward value's even where the kinds carried hold names the function binds no more."""
import ast
import sys
import types

from astgrad.transform import optimize
from astgrad.transform.optimize import analyses, common
from astgrad.transform.trees import walk

from . import functions
from .test_first_call import _sources, fit_loss

_CATALOGUE = [fit_loss] + [fn for name, fn in vars(functions).items()
                           if isinstance(fn, types.FunctionType)
                           and fn.__module__ == functions.__name__ and not name.startswith("_")]


def _checking(monkeypatch):
    """Check every facts made from carried kinds against a fresh inference; return the
    list of the rewrites each carry followed."""
    real, carried, last = optimize._Rounds.facts, [], []

    def facts(self):
        kept = self._facts is None and self._kinds is not None
        out = real(self)
        if kept:
            again = analyses.facts(self.fn, out.ns, out.forward, out.shapes)
            names = {n.id for n in walk(self.fn) if isinstance(n, ast.Name)}
            assert {n: out.kinds.get(n) for n in names} == \
                {n: again.kinds.get(n) for n in names}
            carried.append(last[-1] if last else None)
        return out

    def carry(self, kinds):
        last.append(_caller())
        real_carry(self, kinds)
    real_carry = optimize._Rounds.carry_kinds
    monkeypatch.setattr(optimize._Rounds, "facts", facts)
    monkeypatch.setattr(optimize._Rounds, "carry_kinds", carry)
    return carried


def _caller() -> str:
    """The name of the function that carried the kinds (`_share_common`...)."""
    return sys._getframe(2).f_code.co_name


def test_kinds_carried_over_shared_values_and_inlined_temps_are_inferred_again(monkeypatch):
    carried = _checking(monkeypatch)
    _sources(_CATALOGUE[::2])
    assert carried.count("_share_common") >= 3 and carried.count("_inline_temps") >= 3


def test_a_shared_value_takes_no_forward_name(monkeypatch):
    """A name made for a shared value is never a forward value's (its kind is known, the
    value may be gone), read from `Facts.forward`, not from the kinds (which, carried over,
    may hold names the function binds no more)."""
    real, taken = common.share_common, []

    def share(fn, facts, ns, temps, shapes, known=None, shared=None, renamed=None):
        made = [] if shared is None else shared
        changed = real(fn, facts, ns, temps, shapes, known, made, renamed)
        for holder, _, _, new in made:
            if new:
                assert holder not in facts.forward
                taken.append(holder)
        return changed
    monkeypatch.setattr(common, "share_common", share)
    _sources(_CATALOGUE[::2])
    assert taken
