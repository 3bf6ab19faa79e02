"""Each pass on its own: a short source in, the expected short source out, and
the rewritten function still computes the same values."""
import ast
import textwrap

import numpy as np
import pytest

from astgrad.transform import normalize, optimize, resolve, source, syntax
from astgrad.transform.kinds import Kind, Shapes, infer
from astgrad.transform.naming import Namer, names_in
from astgrad.transform.nodes import Comment


def _front(fn):
    src = source.read(fn)
    tree = src.tree
    scope = resolve.UserScope(fn)
    namer = Namer(names_in(tree))
    syntax.check_syntax(tree, src.where)
    tree, ns = resolve.resolve(tree, scope, src.where)
    return normalize.normalize(tree, namer, src.where, ns), ns, namer


def body_text(tree):
    return [ast.unparse(s) for s in tree.body if not isinstance(s, Comment)]


def run(tree, ns, *args):
    namespace = dict(ns.bound)
    exec(compile(ast.fix_missing_locations(ast.Module([tree], [])), "<test>", "exec"), namespace)
    return namespace[tree.name](*args)


# ---- resolve ---------------------------------------------------------------------


def test_resolve_spells_every_callee_canonically():
    from numpy import sin as s

    def f(x):
        return s(x) + numpy_alias.cos(x) + x.sum() + x.T.sum() + np.shape(x)[0]

    tree, ns = resolve.resolve(source.read(f).tree, resolve.UserScope(f), lambda n: "")
    assert ast.unparse(tree.body[0].value) == (
        "np.sin(x) + np.cos(x) + np.sum(x) + np.sum(np.transpose(x)) + np.shape(x)[0]")


import numpy as numpy_alias  # noqa: E402


# ---- normalize --------------------------------------------------------------------------


def test_normalize_one_operation_per_statement():
    def f(x, a):
        y = a * np.sin(x) ** 2
        return y + a
    tree, ns, _ = _front(f)
    assert body_text(tree) == ["_1 = np.sin(x)", "_2 = _1 ** 2", "y = a * _2", "out = y + a",
                               "return out"]
    assert run(tree, ns, 0.3, 2.0) == f(0.3, 2.0)


def test_normalize_renames_redefinitions_and_expands_augmented_assignment():
    def f(a, b):
        a = a * b
        a += b
        b, a = a, b
        return a - b
    tree, ns, _ = _front(f)
    assert body_text(tree) == ["a_1 = a * b", "a_2 = a_1 + b", "b_1 = a_2", "a_3 = b",
                               "out = a_3 - b_1", "return out"]
    assert run(tree, ns, 1.5, 2.5) == f(1.5, 2.5)


def test_normalize_unpacks_tuples_written_in_the_function():
    def f(a, b):
        t = (a * b, b)
        p, q = t
        return p, q
    tree, ns, _ = _front(f)
    assert body_text(tree)[-1] == "return (p, q)"
    assert run(tree, ns, 2.0, 3.0) == f(2.0, 3.0)


def test_normalize_drops_docstrings_and_code_after_return():
    def f(a):
        """Doc."""
        return a
        a = a + 1  # noqa
    tree, _, _ = _front(f)
    assert body_text(tree) == ["out = a", "return out"]


# ---- the exhaustive classification of Python's syntax ---------------------------------------


def _all_subclasses(cls):
    out = set()
    for sub in cls.__subclasses__():
        out.add(sub)
        out |= _all_subclasses(sub)
    return out


@pytest.mark.parametrize("base", [ast.stmt, ast.expr])
def test_every_node_class_of_this_python_is_handled_or_refused(base):
    handled = syntax.HANDLED_STMTS if base is ast.stmt else syntax.HANDLED_EXPRS
    refused = syntax.REFUSED_STMTS if base is ast.stmt else syntax.REFUSED_EXPRS
    ours = {Comment}
    unclassified = {c.__name__ for c in _all_subclasses(base)
                    if c not in ours and not issubclass(c, handled) and c not in refused
                    and c.__module__ == "ast"}
    assert not unclassified


# ---- kinds and shapes -------------------------------------------------------------------


def test_kinds_follow_numpy_and_python_rules():
    def f(x, A, a):
        y = A @ x
        s = np.sum(y, axis=0)
        t = a * 2
        u = np.sin(a)
        return s + t + u
    tree, ns, _ = _front(f)
    kinds = infer(tree.body, {"x": Kind(1, "f", False, 8), "A": Kind(2, "f", False, 8),
                              "a": Kind(0, "f", True)}, ns)
    assert kinds["y"].ndim == 1 and kinds["s"].ndim == 0
    assert kinds["t"].py and not kinds["u"].py


def test_same_shapes_tracks_elementwise_results():
    def f(x, y):
        a = np.sin(x) * 2.0
        b = a + x
        c = b * y
        return np.sum(c)
    tree, ns, _ = _front(f)
    kinds = infer(tree.body, {"x": Kind(1, "f", False, 8), "y": Kind(1, "f", False, 8)}, ns)
    shapes = Shapes(tree.body, kinds, ns, ["x", "y"]).rep
    assert shapes["a"] == "x" and shapes["b"] == "x" and shapes["c"] == "c"


# ---- optimize ------------------------------------------------------------------------------


def _optimized(text, kinds):
    fn = ast.parse(textwrap.dedent(text)).body[0]
    ns = resolve.Namespace(None, set())
    return ast.unparse(optimize.optimize(fn, ns, set(), kinds, {})), fn, ns


@pytest.mark.parametrize("text, expected", [
    ("def f(x):\n    b = 1.0\n    return b * x", "return x"),
    ("def f(x):\n    return x ** (2 - 1) * 3", "return x * 3"),
    ("def f(x):\n    return -(-x) + 0.0", "return x"),
    ("def f(x):\n    return x if np.ndim(x) == 1 and True else 2.0 * x", "return x"),
    ("def f(x):\n    y = np.sin(x)\n    z = y\n    return z", "return y"),
])
def test_optimize_folds_for_float_kinds(text, expected):
    kinds = {"x": Kind(1, "f", False, 8)}
    out, fn, ns = _optimized(text, kinds)
    assert out.strip().splitlines()[-1].strip() == expected
    x = np.array([0.5, -1.5])
    namespace = {"np": np}
    exec(text, namespace)
    exec(out, {"np": np}, result := {})
    np.testing.assert_allclose(result["f"](x), namespace["f"](x))


def test_optimize_keeps_int_values_int():
    out, _, _ = _optimized("def f(n):\n    return 1.0 * n", {"n": Kind(0, "i", True)})
    assert "1.0 * n" in out


def test_optimize_removes_dead_code_but_keeps_calls_with_effects():
    text = "def f(x):\n    y = x * 2\n    print(x)\n    return x"
    out, _, _ = _optimized(text, {"x": Kind(0, "f", True)})
    assert "y =" not in out and "print(x)" in out
