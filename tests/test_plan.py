"""The adjoint plan and the differentiating passes' dispatch.

The plan decides, before any code is written, which contribution assigns an
adjoint and which adds into it; the reverse pass only renders what it says,
so the order in which the pass emits statements cannot change the math. Both
differentiating passes handle or refuse, by name, every node class of the
running Python."""
import ast

import numpy as np
import pytest

import astgrad as ag
from astgrad.errors import InternalError
from astgrad.transform import dispatch, forward, reverse
from astgrad.transform.nodes import Comment
from astgrad.transform.plan import plan


class _Stop(Exception):
    pass


def _inputs(monkeypatch, fn, args, wrt=0, mode="grad"):
    """What the driver hands the reverse pass for `fn`: normalized tree, activity, ..."""
    seen = {}

    def spy(tree, source, activity, kinds, ns, namer, request, callee_vjp=None,
            param_kinds=None):
        seen.update(tree=tree, source=source, activity=activity, kinds=kinds, ns=ns,
                    namer=namer, request=request, callee_vjp=callee_vjp,
                    param_kinds=param_kinds)
        raise _Stop

    monkeypatch.setattr(reverse, "reverse", spy)
    with pytest.raises(_Stop):
        getattr(ag, mode)(fn, wrt=wrt)(*args)
    monkeypatch.undo()
    return seen


def _plan(inputs):
    keys = ("tree", "source", "activity", "kinds", "ns", "namer", "request")
    return plan(*(inputs[k] for k in keys))


def _statements(tree):
    return {ast.unparse(s): s for s in tree.body}


# ---- the plan --------------------------------------------------------------------------------


def test_the_first_contribution_in_reverse_order_assigns_later_ones_add(monkeypatch):
    def f(x, a):
        y = x * a
        z = y * x
        return z
    inputs = _inputs(monkeypatch, f, (0.5, 2.0))
    p = _plan(inputs)
    by_text = _statements(inputs["tree"])
    assert list(p.names.items()) == [("out", "bout"), ("z", "bz"), ("y", "by"), ("x", "bx")]
    assert p.zeroed == frozenset()
    last, first = by_text["z = y * x"], by_text["y = x * a"]
    assert p.assigns(last, "y", "x") and p.assigns(last, "x", "y")
    assert not p.assigns(first, "x", "x")                          # `bx = bx + ...`
    assert p.assigns(by_text["return out"], "out", 0)              # grad's seed: `bout = 1.0`
    assert p.assigns(by_text["out = z"], "z", "value")


def test_a_vjp_seed_is_the_adjoint_of_its_output(monkeypatch):
    def f(x):
        y = np.sin(x)
        return y
    inputs = _inputs(monkeypatch, f, (0.5,), mode="vjp")
    p = _plan(inputs)
    assert p.seeds == ("bout",) and p.names["out"] == "bout"
    ret = inputs["tree"].body[-1]
    assert not any(key[0] == id(ret) for key in p.contributions)   # no `bout = ... + seed`


def test_what_a_loop_touches_starts_at_zero_and_never_assigns(monkeypatch):
    def f(x, n):
        s = 0.0
        for i in range(n):
            s = s + x * x
        return s
    inputs = _inputs(monkeypatch, f, (0.5, 3))
    p = _plan(inputs)
    assert {"s", "x"} <= p.zeroed
    loop = next(s for s in inputs["tree"].body if isinstance(s, ast.For))
    inside = {id(s) for s in ast.walk(loop)}
    # only a value made and used up within one pass through the body (`_1 = x * x`,
    # read once right after) has its adjoint assigned there, afresh each pass
    local = {key[1] for key in p.assigning if key[0] in inside}
    assert local and not local & {"s", "x"}
    assert not local & p.zeroed


def test_arrays_written_by_index_are_owned_and_lists_are_sequences(monkeypatch):
    def f(x):
        y = np.zeros(3)
        y[0] = x
        ys = []
        ys.append(x * 2.0)
        return y[0] + ys[0]
    p = _plan(_inputs(monkeypatch, f, (0.5,)))
    assert "y" in p.owned and "y" in p.zeroed
    assert "ys" in p.sequences and "ys" in p.zeroed


def test_emission_order_cannot_change_which_contribution_assigns(monkeypatch):
    def f(x, a):
        y = x * a
        z = y * x + a
        w = z * y
        return w
    inputs = _inputs(monkeypatch, f, (0.5, 2.0), wrt=(0, 1))
    p = _plan(inputs)
    keys = ("tree", "source", "plan", "activity", "kinds", "ns", "namer", "request")
    body = inputs["tree"].body[:-1]

    def backward(stmts):
        sweep = reverse._Reverse(*(p if k == "plan" else inputs[k] for k in keys), None, {})
        return sorted(ast.unparse(s) for s in sweep.block(stmts, depth=1)[1])

    assert backward(body) == backward(list(reversed(body)))


# ---- exhaustive dispatch ---------------------------------------------------------------------


def _all_subclasses(cls):
    out = set()
    for sub in cls.__subclasses__():
        out.add(sub)
        out |= _all_subclasses(sub)
    return out


def _classes(base):
    return sorted((c for c in _all_subclasses(base) if c.__module__ == "ast" or c is Comment),
                  key=lambda c: c.__name__)


@pytest.mark.parametrize("pass_module", [reverse, forward], ids=["reverse", "forward"])
@pytest.mark.parametrize("base", [ast.stmt, ast.expr], ids=["statements", "values"])
def test_every_node_class_is_handled_or_refused_by_name(pass_module, base):
    table = pass_module.STATEMENT_RULES if base is ast.stmt else pass_module.VALUE_RULES
    name = pass_module.__name__.rpartition(".")[2]
    unclassified = []
    for cls in _classes(base):
        if issubclass(cls, tuple(table)):
            continue
        with pytest.raises(InternalError, match=f"`{cls.__name__}`"):
            dispatch.rule_for(table, cls(), name)
        if cls not in dispatch.NOT_HERE:
            unclassified.append(cls.__name__)
    assert not unclassified, "neither handled nor refused by name"


def test_a_statement_the_passes_never_expect_is_an_internal_error(monkeypatch):
    def f(x):
        y = x * 2.0
        return y
    for run in (reverse.reverse, forward.forward):
        inputs = _inputs(monkeypatch, f, (0.5,))
        tree = inputs["tree"]
        tree.body.insert(0, ast.AugAssign(ast.Name("y", ast.Store()), ast.Add(),
                                          ast.Constant(1.0), lineno=tree.body[0].lineno))
        keys = ("tree", "source", "activity", "kinds", "ns", "namer", "request")
        with pytest.raises(InternalError, match="`AugAssign`.*normalize expands"):
            run(*(inputs[k] for k in keys))


def test_a_value_the_passes_never_expect_is_an_internal_error(monkeypatch):
    def f(x):
        y = x * 2.0
        return y
    for run in (reverse.reverse, forward.forward):
        inputs = _inputs(monkeypatch, f, (0.5,))
        stmt = inputs["tree"].body[0]
        stmt.value = ast.BoolOp(ast.Or(), [ast.Name("x", ast.Load()), ast.Constant(1.0)])
        keys = ("tree", "source", "activity", "kinds", "ns", "namer", "request")
        with pytest.raises(InternalError, match="`BoolOp` .`x or 1.0`.*normalize lowers"):
            run(*(inputs[k] for k in keys))
