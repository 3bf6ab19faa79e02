"""The first call of a function (transform and compile) does each analysis once per tree:
the optimizer's facts are kept while no rewrite changes the tree, a primitive's result
kind is kept per question. What is kept must be what would be made again: the code is
the same with nothing kept, and the derivatives match central differences."""
import ast
import operator
import pathlib
import types

import numpy as np
import pytest

import astgrad as ag
from astgrad.transform import kinds as kinds_module
from astgrad.transform import optimize, registry
from astgrad.transform.liveness import liveness
from astgrad.transform.lattice import OPAQUE, UNKNOWN, Kind, with_ones
from astgrad.transform.optimize import analyses, simplify
from astgrad.transform.trees import walk

from . import functions
from .conftest import args_for
from .test_bench_workloads import wl
from .test_grads import float_params

F = Kind(0, "f", True)
INT = Kind(0, "i", True)
F1 = Kind(1, "f", False, 8)

# the benchmark's 20-line function (`benchmarks/workloads.make_fit_loss`)
fit_loss = wl.make_fit_loss()


def _data(d=4, n=9):
    rng = np.random.default_rng(3)
    return (0.3 * rng.standard_normal(d), rng.standard_normal((n, d)),
            (rng.random(n) < 0.5).astype(float), 0.2)


def _fresh(fn):
    """A new function object of `fn`'s code: transforms generate its code anew."""
    return types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__,
                              fn.__closure__)


def test_the_20_line_function_differentiates_right_at_first_and_second_order():
    args = _data()
    ag.check_grads(_fresh(fit_loss), args, wrt=0)
    ag.check_grads(_fresh(fit_loss), args, wrt=0, order=2, forward=False)
    w, X, y, _ = args
    ag.check_grads(_fresh(fit_loss), (w, X, y, 0.05), wrt=(0, 3))   # the other branch
    # w = 0: every z ties, sd is sqrt(1e-8), and the slopes are ~1e3 over a scale of 1e-4,
    # finer than `check_grads`'s step: a central difference of step 1e-9 instead
    g, eye, h = ag.grad(_fresh(fit_loss))(np.zeros(4), X, y, 0.2), np.eye(4), 1e-9
    fd = [(fit_loss(h * e, X, y, 0.2) - fit_loss(-h * e, X, y, 0.2)) / (2 * h) for e in eye]
    np.testing.assert_allclose(g, fd, rtol=1e-6)
    assert abs(g[0]) > 100


def test_the_optimizer_makes_its_facts_once_for_each_tree(monkeypatch):
    made, real = [], analyses.facts

    def facts(fn, *rest):
        made.append(ast.dump(fn))
        return real(fn, *rest)
    monkeypatch.setattr(analyses, "facts", facts)
    ag.grad(_fresh(fit_loss))(*_data())
    assert len(made) >= 3
    assert all(a != b for a, b in zip(made, made[1:])), "facts made twice for one tree"


def _sources(fns):
    out = []
    for fn in fns:
        args = _data() if fn is fit_loss else args_for(fn)
        wrt = float_params(fn, args)
        if not wrt:
            continue
        for transform in (ag.grad, ag.jvp):
            try:
                df = transform(_fresh(fn), wrt=wrt)
                if transform is ag.grad:
                    df(*args)
                else:
                    df(*args, tuple(np.ones_like(args[i]) for i in wrt) if len(wrt) > 1
                       else np.ones_like(args[wrt[0]]))
                out.append(ag.source(df))
            except (ag.AstgradError, TypeError, ValueError) as exc:   # refusals are output too
                out.append(f"{type(exc).__name__}: {exc}")
    return out


class _Forgetful(dict):
    def get(self, key, default=None):
        return default


@pytest.mark.parametrize("part", range(4))
def test_kept_analyses_give_the_code_made_with_none_kept(monkeypatch, part):
    catalogue = [fit_loss] + [fn for name, fn in vars(functions).items()
                              if isinstance(fn, types.FunctionType)
                              and fn.__module__ == functions.__name__
                              and not name.startswith("_")]
    fns = catalogue[part::4]
    kept = _sources(fns)

    def forget_always(self, changed):
        self._known = self._facts = None
        return changed
    monkeypatch.setattr(optimize._Rounds, "changed", forget_always)
    monkeypatch.setattr(registry, "_OUT_KINDS", _Forgetful())   # nothing kept: each asked anew
    assert _sources(fns) == kept


@pytest.mark.parametrize("static", [1, 1.0, True, -1, 0.5, 2, 2.0, -0.0, None, (1, 2), (1.0, 2)])
@pytest.mark.parametrize("x", [F, INT, F1, Kind(2, "f", False, 4, ones=(True, False)), UNKNOWN])
def test_a_kept_result_kind_is_the_one_the_rules_give(x, static):
    for fn in (operator.pow, operator.truediv, operator.mul, operator.floordiv, np.sum):
        prim = registry.lookup(fn)
        if prim is None or prim.kind is None and not prim.elementwise:
            continue
        names = prim.params[:2] if prim.params else ["x", "y"]
        kinds = {names[0]: x, names[1]: Kind(0, type(static).__name__[0], True)
                 if isinstance(static, (int, float)) else OPAQUE}
        statics = {names[0]: None, names[1]: static}
        try:
            want = prim._out_kind(kinds, statics)
        except Exception:                       # a question the rule does not take
            continue
        assert prim.out_kind(kinds, statics) == want
        assert prim.out_kind(kinds, statics) == want       # asked again: the kept answer


def test_a_kept_answer_is_told_apart_by_the_constants_type():
    prim = registry.lookup(operator.pow)
    assert registry._literal((1, 2.0, None, "a")) and not registry._literal([1])
    kinds = {"x": INT, "y": INT}
    for static in (2, 2.0, True, -1):
        assert prim.out_kind(kinds, {"x": None, "y": static}) == \
            prim._out_kind(kinds, {"x": None, "y": static})
    listed = {"x": None, "y": [2]}                 # not a kept question: answered anew
    assert prim.out_kind(kinds, listed) == prim._out_kind(kinds, listed)


def test_with_ones_returns_a_kind_with_nothing_to_change_as_it_is():
    for kind in (F, F1, UNKNOWN, OPAQUE, Kind(2, "f", False, 8)):
        assert with_ones(kind, None) is kind
    assert with_ones(Kind(dtype="O", fields=()), None) == Kind(dtype="O", fields=None)
    assert with_ones(Kind(1, "f", False, 8, ones=(True,)), None) == F1
    assert with_ones(F1, (False,)) == Kind(1, "f", False, 8, ones=(False,))


def _from_live_by_walks(body, live):
    """`from_live` as first written: every statement walked again each round."""
    stmts = [s for s in ast.walk(ast.Module(list(body), [])) if isinstance(s, ast.stmt)]
    out, grown = set(live), bool(live)
    while grown:
        size = len(out)
        for s in stmts:
            source, target = (s.iter, s.target) if isinstance(s, ast.For) else \
                (s.value, s.targets[0]) if isinstance(s, ast.Assign) else \
                (s.value, s.target) if isinstance(s, ast.AugAssign) else \
                (s.value, s.value) if isinstance(s, ast.Expr) else (None, None)
            if source is not None and any(isinstance(n, ast.Name) and n.id in out
                                          for n in walk(source)):
                out |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
        grown = len(out) > size
    return out


@pytest.mark.parametrize("live", [{}, {"g": UNKNOWN}, {"g": F1, "c": F}, {"h": F1}])
def test_from_live_follows_values_read_live_through_every_statement(live):
    body = ast.parse(
        "a = g * x\n"
        "for i in range(3):\n"
        "    b = a + 1\n"
        "    if i:\n"
        "        c2 = c + b\n"
        "d = x\n"
        "d += b\n"
        "xs.append(d)\n"
        "e, f = (d, 1)\n").body
    ns = types.SimpleNamespace(live=live)
    got = kinds_module.from_live(body, ns)
    assert got == _from_live_by_walks(body, {n for n, k in live.items() if k.ndim != 0})
    if "g" in live:
        assert {"a", "b", "c2", "d", "xs", "e", "f"} <= got and "x" not in got
    assert kinds_module.from_live(body, None) == set()


def test_unchanging_facts_keep_the_kinds_fresh_facts_give():
    fresh = analyses.Facts(None, {"x": F1, "a": F, "n": INT}, {}, set(), set())
    kept = fresh.unchanging()
    tree = ast.parse("y = (x * a + 2.0) ** n - -a / (n + 1) if a > 0 else x[0] * 2")
    nodes = [n for n in walk(tree) if isinstance(n, ast.expr)]
    want = [fresh.kind(n) for n in nodes]
    assert [kept.kind(n) for n in nodes] == want == [kept.kind(n) for n in nodes]
    assert len(kept.kept) == len(nodes) and fresh.kept is None      # the fresh ones keep none
    assert {k.ndim for k in want} >= {0, 1, None} and kept == fresh     # arrays, numbers, unknown


def test_liveness_records_the_names_read_later_through_loops_and_branches():
    """`liveness` keeps each step's set rather than a copy (no step changes a set it was
    given): what each statement has live after it, straight, in a branch and in a loop."""
    body = ast.parse(
        "a = x * 2\n"
        "b = a + 1\n"
        "if c:\n"
        "    d = b\n"
        "else:\n"
        "    d = a\n"
        "for i in range(3):\n"
        "    e = d + i\n"
        "    d = e * b\n"
        "f = d\n").body
    live = liveness(body, {"f"})
    loop = body[3]
    head = {"range"}                   # (a loop's target is bound before each pass)
    want = {body[0]: {"a", "c"}, body[1]: {"a", "b", "c"}, body[2]: {"b", "d"},
            body[2].body[0]: {"b", "d"}, body[2].orelse[0]: {"b", "d"},
            loop.body[0]: {"b", "e"}, loop.body[1]: {"b", "d"}}
    want = {s: v | head for s, v in want.items()} | {loop: {"d"}, body[4]: {"f"}}
    assert {id(s): v for s, v in want.items()} == {k: live[k] for k in map(id, want)}
    assert live == liveness(body, {"f"})          # asked again: the same answer


def test_survey_counts_each_name_in_the_order_first_met():
    """`survey` counts with `Counter`: the same counts, keyed in the same order, as counting
    into dicts as the walk meets each name (some rewrites go through `defs` in order)."""
    df = ag.grad(_fresh(fit_loss))
    df(*_data())
    sources = [ag.source(df)] + [p.read_text() for p in sorted(
        pathlib.Path(ag.__file__).parent.glob("transform/optimize/*.py"))]
    fns = [n for text in sources for n in ast.walk(ast.parse(text))
           if isinstance(n, ast.FunctionDef)]
    for fn in fns:
        defs, uses = {}, {}
        for node in walk(fn):
            if isinstance(node, ast.Name):
                table = uses if isinstance(node.ctx, ast.Load) else defs
                table[node.id] = table.get(node.id, 0) + 1
            elif isinstance(node, ast.arg):
                defs[node.arg] = defs.get(node.arg, 0) + 1
        got = analyses.survey(fn)
        assert list(got.defs.items()) == list(defs.items())
        assert list(got.uses.items()) == list(uses.items())
    assert len(fns) > 100


def test_simplify_goes_past_names_and_leaves_what_stays_as_it_was():
    """`simplify` does not visit a name or a constant, and puts back no list or field
    whose value stays: a tree with nothing to simplify keeps every node where it was; a
    decided branch is still spliced into its block, and `x * 1.0` still becomes `x`."""
    fn = ast.parse("def f(x, a):\n    y = np.sin(x) + a * x\n    z = [y, a]\n"
                   "    return np.sum(y) + z[1]\n").body[0]
    ns = types.SimpleNamespace(live={}, value=lambda node: np.sin if ast.unparse(node) ==
                               "np.sin" else np.sum if ast.unparse(node) == "np.sum" else None)
    kinds = {"x": F1, "a": F, "y": F1, "z": UNKNOWN}
    before = [(id(n), [id(getattr(n, f)) for f in n._fields if hasattr(n, f)]) for n in walk(fn)]
    text = ast.unparse(fn)
    assert not simplify.simplify(fn, analyses.facts(fn, ns, kinds, {}))
    assert ast.unparse(fn) == text
    assert [(id(n), [id(getattr(n, f)) for f in n._fields if hasattr(n, f)])
            for n in walk(fn)] == before
    fn = ast.parse("def f(x, a):\n    if 1 > 0:\n        y = x * 1.0\n        b = y\n"
                   "    else:\n        y = x\n    return y\n").body[0]
    assert simplify.simplify(fn, analyses.facts(fn, ns, kinds, {}))
    assert ast.unparse(fn) == "def f(x, a):\n    y = x\n    b = y\n    return y"


def test_kinds_carried_over_a_copy_propagated_are_those_inferred_again(monkeypatch):
    """Where the optimizer keeps its kinds across a copy propagated, they are the kinds
    inference gives the new tree, for every name it reads or binds."""
    real, carried = optimize._Rounds.facts, []

    def facts(self):
        kept = self._facts is None and self._kinds is not None
        out = real(self)
        if kept:
            again = analyses.facts(self.fn, out.ns, _forward_kinds[-1], out.shapes)
            names = {n.id for n in walk(self.fn) if isinstance(n, ast.Name)}
            assert {n: out.kinds.get(n) for n in names} == \
                {n: again.kinds.get(n) for n in names}
            carried.append(len(names))
        return out
    _forward_kinds = []
    real_optimize = optimize.optimize

    def optimize_(fn, ns, temps, kinds, *rest):
        _forward_kinds.append(kinds)
        return real_optimize(fn, ns, temps, kinds, *rest)
    monkeypatch.setattr(optimize._Rounds, "facts", facts)
    monkeypatch.setattr(optimize, "optimize", optimize_)
    _sources([fit_loss])
    assert carried                    # the 20-line function's kinds are carried over
    catalogue = [fn for name, fn in vars(functions).items()
                 if isinstance(fn, types.FunctionType) and fn.__module__ == functions.__name__
                 and not name.startswith("_")]
    _sources(catalogue[::3])
    assert len(carried) > 10
