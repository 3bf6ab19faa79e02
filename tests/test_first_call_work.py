"""The first call's shortcuts do less work and change nothing: a rewrite skipped where it
could not apply would have changed nothing, a kind not asked would not have been read,
the survey's calls are every call, and the collector is left as it was found."""
import ast
import gc
import types

import numpy as np
import pytest

import astgrad as ag
from astgrad.transform import driver
from astgrad.transform.optimize import analyses, common, zeros
from astgrad.transform.trees import walk

from . import functions
from .conftest import args_for
from .test_first_call import _data, _fresh, fit_loss
from .test_grads import float_params

_CATALOGUE = [fit_loss] + [fn for name, fn in vars(functions).items()
                           if isinstance(fn, types.FunctionType)
                           and fn.__module__ == functions.__name__ and not name.startswith("_")]


def _differentiate(fns, order=1):
    for fn in fns:
        args = _data() if fn is fit_loss else args_for(fn)
        wrt = float_params(fn, args)
        if not wrt:
            continue
        try:
            df = ag.grad(_fresh(fn), wrt=wrt)
            if order == 2 and len(wrt) == 1 and np.ndim(args[wrt[0]]) == 0:
                df = ag.grad(df, wrt=wrt)
            df(*args)
        except (ag.AstgradError, TypeError, ValueError):
            pass                              # a refusal: whatever ran before it was checked


@pytest.mark.parametrize("part", range(3))
def test_known_zeros_is_skipped_only_where_it_would_change_nothing(monkeypatch, part):
    """The optimizer's `known_zeros` makes its facts and follows its flow only where
    `_may_rewrite` says it may rewrite: where it says not, the flow (followed here
    anyway) leaves the tree as it is."""
    real_may, real, seen = zeros._may_rewrite, zeros.known_zeros, []

    def checked(fn, facts=None, ns=None):
        may = real_may(fn, ns)
        before = ast.dump(fn)
        changed = real(fn, facts() if callable(facts) else facts)
        assert may or not changed and ast.dump(fn) == before
        seen.append((may, changed))
        return changed
    monkeypatch.setattr(zeros, "known_zeros", checked)
    _differentiate(_CATALOGUE[part::3], order=2)
    assert any(may for may, _ in seen) and any(not may for may, _ in seen)
    assert any(changed for _, changed in seen)


def test_known_zeros_may_rewrite_only_sums_into_a_literal_and_lists_of_zeros():
    def tree(text):
        return ast.parse(text).body[0]
    assert zeros._may_rewrite(tree("def f(g):\n    b = 0.0\n    b = b + g\n    return b"), None)
    assert not zeros._may_rewrite(tree("def f(g, b):\n    b = b + g\n    return b"), None)
    assert not zeros._may_rewrite(tree("def f(g):\n    b = 0.0\n    c = b + g\n    return c"),
                                 None)
    fn = tree("def f(g):\n    b = 0.0\n    b = b + g\n    return b")
    assert zeros.known_zeros(fn) and ast.unparse(fn).splitlines()[2] == "    b = g"


@pytest.mark.parametrize("part", range(2))
def test_share_common_asks_no_kind_it_would_not_read(monkeypatch, part):
    """Values met once are dropped before their kinds are asked: the choices are those
    made from every value with its kind asked."""
    real, checked = common._Scan.found, []

    def found(self):
        lazy = real(self)
        counts, self._counts = self._counts, {k: 2 for k in self._counts}
        try:
            eager = real(self)                       # every value's kind asked
        finally:
            self._counts = counts
        for returned in (set(), self.sharing.returned):
            assert _picked(common._choices(lazy, returned)) == \
                _picked(common._choices(eager, returned))
        checked.append(len(eager) - len(lazy))
        return lazy
    monkeypatch.setattr(common._Scan, "found", found)
    _differentiate(_CATALOGUE[part::2])
    assert checked and max(checked) > 0


def _picked(choices):
    return [(id(first.node), [id(o.node) for o in later]) for first, later in choices]


def test_the_survey_keeps_every_call_in_walk_order():
    df = ag.grad(_fresh(fit_loss))
    df(*_data())
    fns = [n for n in ast.walk(ast.parse(ag.source(df))) if isinstance(n, ast.FunctionDef)]
    fns += [n for n in ast.walk(ast.parse(open(common.__file__).read()))
            if isinstance(n, ast.FunctionDef)]
    for fn in fns:
        assert analyses.survey(fn).calls == [n for n in ast.walk(fn) if isinstance(n, ast.Call)]
    assert sum(len(analyses.survey(fn).calls) for fn in fns) > 100
    assert [id(n) for n in walk(fns[0])] == [id(n) for n in ast.walk(fns[0]) if not isinstance(
        n, (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop))]


def test_generation_leaves_the_collector_as_it_found_it(monkeypatch):
    during = []
    monkeypatch.setattr(driver, "PASSES", [("probe", lambda p: during.append(gc.isenabled()))]
                        + list(driver.PASSES))
    assert gc.isenabled()
    ag.grad(_fresh(fit_loss))(*_data())
    assert during == [False] and gc.isenabled()      # no collector pause while passes run
    with pytest.raises(ag.AstgradError):             # a refusal: enabled again too
        ag.grad(_yields)(1.0)
    assert during[-1] is False and gc.isenabled()
    gc.disable()
    try:
        ag.grad(_fresh(fit_loss))(*_data())
        assert not gc.isenabled()                    # the caller's choice kept
    finally:
        gc.enable()


def _yields(a):
    while a > 0:
        yield a


def test_a_branch_joins_only_the_names_it_gives_a_kind():
    """`infer` joins, after an `if`, the names either branch gives a kind (the join of a
    kind with itself is that kind): those given one in one branch, in both, for the first
    time (`u = None` then a number), or in a nested branch; the rest keep theirs."""
    from astgrad.transform.kinds import infer
    from astgrad.transform.lattice import Kind, join
    number, vector, flag = Kind(0, "f", True), Kind(1, "f", False, 8), Kind(0, "b", True)
    body = ast.parse("a = 1.0\nu = None\nif c:\n    b = x * 2.0\n    u = 1.0\n"
                     "    if c:\n        e = a\nelse:\n    b = 2.0\n    d = x\n").body
    for join_all in (False, True):
        env = infer(body, {"x": vector, "c": flag}, None, join_all=join_all)
        assert env == {"x": vector, "c": flag, "a": number, "u": number,
                       "b": join(vector, number), "d": vector, "e": number}
        assert env["b"] == Kind(None, "f") and join(number, number) is number
