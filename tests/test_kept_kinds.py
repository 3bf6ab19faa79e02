"""Kinds kept while the tree stays as it is: an assigned value's kind across the
optimizer's rounds (`optimize.kept_kinds`), an expression's and its parts' while a reader
asks (`Facts.unchanging`, `kinds.KeptKinds`). What is kept is what would be worked out
again: the same kind for the same value, a new one once the value or the kinds of the
names it reads change, and the same generated code as with nothing kept."""
import ast
import types

import numpy as np
import pytest

from astgrad.transform import kinds as kinds_module
from astgrad.transform.kinds import KeptKinds, expr_kind
from astgrad.transform.lattice import Kind
from astgrad.transform.optimize import analyses, kept_kinds

from . import functions
from .test_first_call import _sources, fit_loss

F = Kind(0, "f", True)
INT = Kind(0, "i", True)
F1 = Kind(1, "f", False, 8)
F2 = Kind(2, "f", False, 8)


class _Namespace:
    live: dict = {}

    def value(self, node):
        text = ast.unparse(node)
        return {"np.sum": np.sum, "np.exp": np.exp, "np.outer": np.outer}.get(text)


def _counted(monkeypatch):
    asked = []
    real = kept_kinds.expr_kind

    def counted(node, env, ns):
        asked.append(node)
        return real(node, env, ns)
    monkeypatch.setattr(kept_kinds, "expr_kind", counted)
    return asked


def test_a_value_kept_has_its_kind_until_it_or_what_it_reads_changes(monkeypatch):
    ns, values, asked = _Namespace(), kept_kinds.ValueKinds(), _counted(monkeypatch)
    value = ast.parse("np.sum(np.exp(x * a) + [1.0, 2.0][0]) ** n", mode="eval").body
    env = {"x": F1, "a": F, "n": INT}

    def check(env):
        assert values(value, env, ns) == expr_kind(value, env, ns)
    check(env)
    check(dict(env))                         # equal kinds, other objects: kept
    assert len(asked) == 1
    check({**env, "x": F2})                  # a name read has another kind
    check({"x": F1, "a": F})                 # a name read has none
    assert len(asked) == 3
    steps = [lambda v: setattr(v, "op", ast.Mult()),                   # a node's field
             lambda v: setattr(v.left.args[0].left.args[0], "op", ast.Add()),
             lambda v: setattr(v.left.args[0].left.args[0].left, "id", "a"),   # a name
             lambda v: v.left.args[0].right.value.elts.__setitem__(0, ast.Constant(3)),
             lambda v: setattr(v.right, "id", "a"),
             lambda v: v.left.args.append(ast.Name("x", ast.Load()))]    # a list's items
    for i, step in enumerate(steps):
        step(value)
        check(env)
        assert len(asked) == 4 + i
        check(env)                           # and kept again
        assert len(asked) == 4 + i


def test_a_value_that_does_not_compare_is_worked_out_again(monkeypatch):
    ns, values, asked = _Namespace(), kept_kinds.ValueKinds(), _counted(monkeypatch)
    value = ast.BinOp(ast.Name("x", ast.Load()), ast.Add(), ast.Constant(np.ones(3)))
    env = {"x": F1}
    values(value, env, ns)
    value.right.value = np.ones(3)           # another array: `==` gives no truth value
    assert values(value, env, ns) == expr_kind(value, env, ns) and len(asked) == 2


def test_kept_kinds_hold_each_part_asked_once():
    env = KeptKinds({"x": F1, "a": F}, {})
    tree = ast.parse("(x * a + 2.0) ** 2 - np.sum(x)", mode="eval").body
    want = expr_kind(tree, {"x": F1, "a": F}, _Namespace())
    assert expr_kind(tree, env, _Namespace()) == want and env == {"x": F1, "a": F}
    parts = {id(n) for n in ast.walk(tree) if isinstance(n, ast.expr)} - \
        {id(n) for n in ast.walk(tree.right.func)}            # `np.sum` is resolved, not asked
    assert parts <= set(env.kept)          # (and the defaults a call's rule is asked with)
    assert all(expr_kind(node, {"x": F1, "a": F}, _Namespace()) == kind
               for node, kind in env.kept.values())
    env.kept[id(tree)] = (tree, F)                            # kept: not worked out again
    assert expr_kind(tree, env, _Namespace()) == F


_CATALOGUE = [fit_loss] + [fn for name, fn in vars(functions).items()
                           if isinstance(fn, types.FunctionType)
                           and fn.__module__ == functions.__name__ and not name.startswith("_")]


@pytest.mark.parametrize("part", range(3))
def test_kept_kinds_give_the_code_made_with_none_kept(monkeypatch, part):
    fns = _CATALOGUE[part::3]
    kept = _sources(fns)
    monkeypatch.setattr(kept_kinds.ValueKinds, "__call__",
                        lambda self, value, env, ns: expr_kind(value, env, ns))
    monkeypatch.setattr(analyses.Facts, "unchanging", lambda self: self)
    assert _sources(fns) == kept


def test_each_kept_value_kind_is_the_one_worked_out_again(monkeypatch):
    real, seen = kept_kinds.ValueKinds.__call__, []

    def checked(self, value, env, ns):
        found = self._kept.get(id(value))
        kind = real(self, value, env, ns)
        if found is not None and self._kept[id(value)] is found:
            assert kind == kinds_module.expr_kind(value, env, ns)
            seen.append(value)
        return kind
    monkeypatch.setattr(kept_kinds.ValueKinds, "__call__", checked)
    _sources(_CATALOGUE[::4])
    assert len(seen) > 100
