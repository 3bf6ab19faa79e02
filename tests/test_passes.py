"""Each pass on its own: a short source in, the expected short source out, and
the rewritten function still computes the same values."""
import ast
import textwrap

import numpy as np
import pytest

from astgrad.errors import InPlaceError
from astgrad.transform import (desugar, hoist, normalize, optimize, resolve, restructure, source,
                               syntax, tries, writes)
from astgrad.transform.kinds import Kind, infer
from astgrad.transform.shapes import Shapes
from astgrad.transform.naming import Namer, names_in
from astgrad.transform.nodes import Comment
from astgrad.transform.optimize import (analyses, comments, copies, dead, fresh, inline_temps,
                                        simplify, zeros)


def _front(fn):
    src = source.read(fn)
    tree = src.tree
    scope = resolve.UserScope(fn)
    namer = Namer(names_in(tree))
    syntax.check_syntax(tree, src.where)
    tree, ns = resolve.resolve(tree, scope, src.where)
    tree = restructure.restructure(tree, namer.fresh, src.where)
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


def test_restructure_writes_the_rest_into_the_branch_that_falls_through():
    def f(a, b):
        if a > b:
            return a
        c = a * b
        return c
    src = source.read(f)
    tree = restructure.restructure(src.tree, Namer(names_in(src.tree)).fresh, src.where)
    assert body_text(tree) == ["if a > b:\n    out = a\nelse:\n    c = a * b\n    out = c",
                               "return out"]


def test_desugar_loops_over_zip_by_index():
    def f(xs, ys):
        s = 0.0
        for u, v in zip(xs, ys):
            s = s + u * v
        return s
    tree, ns, _ = _front(f)
    assert body_text(tree)[:5] == ["s = 0.0", "_1 = len(xs)", "_2 = len(ys)", "_3 = min(_1, _2)",
                                   "for i in range(_3):\n    u = xs[i]\n    v = ys[i]\n"
                                   "    _4 = u * v\n    _5 = s + _4\n    s = _5"]
    assert run(tree, ns, [1.0, 2.0], [3.0, 4.0, 5.0]) == f([1.0, 2.0], [3.0, 4.0, 5.0])


def test_desugar_computes_a_while_test_each_time_round():
    def f(a):
        while a * a < 10.0:
            a = a + 1.0
        return a
    tree, ns, _ = _front(f)
    assert body_text(tree)[0] == ("while True:\n    _1 = a * a\n    _2 = _1 < 10.0\n"
                                  "    if _2:\n        _3 = a + 1.0\n        a = _3\n"
                                  "    else:\n        break")
    assert run(tree, ns, 0.5) == f(0.5)


def test_desugar_computes_only_the_branch_a_conditional_expression_takes():
    def f(a, b):
        return a if a > b else b * 2.0
    tree, ns, _ = _front(f)
    assert body_text(tree) == ["_2 = a > b", "if _2:\n    _1 = a\nelse:\n    _3 = b * 2.0\n"
                               "    _1 = _3", "out = _1", "return out"]
    assert run(tree, ns, 1.0, 2.0) == f(1.0, 2.0) and run(tree, ns, 3.0, 2.0) == f(3.0, 2.0)


def test_inline_writes_each_call_out_with_fresh_names():
    def f(a, b):
        def scale(u, k):
            v = u * k
            return v
        return scale(a, b) + scale(b, k=3.0)
    tree, ns, _ = _front(f)
    # a parameter the callee only reads, given a name, is that name: no copy, no second adjoint
    assert body_text(tree) == ["v_1 = a * b", "scale_out_1 = v_1",
                               "k_1 = 3.0", "v_2 = b * k_1", "scale_out_2_1 = v_2",
                               "out = scale_out_1 + scale_out_2_1", "return out"]
    assert run(tree, ns, 2.0, 5.0) == f(2.0, 5.0)


def test_aliases_refuse_an_in_place_write_another_name_sees():
    def f(x):
        y = x
        x += 1.0
        return y * x

    def g(x):
        y = x
        x = x + 1.0
        return y * x
    with pytest.raises(InPlaceError, match="`x \\+= ...` changes an array in place that `y`"):
        _front(f)
    tree, ns, _ = _front(g)
    assert run(tree, ns, 2.0) == g(2.0)


def test_writes_after_follows_loops_and_stops_at_rebinding():
    tree = ast.parse(textwrap.dedent("""
        def f(x, y):
            xs = [x]
            for i in range(2):
                xs.append(y)
                y[0] = 1.0
                x = x * 2.0
                x += 1.0
            return xs
        """)).body[0]
    after = writes.writes_after(tree)
    made, loop = tree.body[0], tree.body[1]
    append, write, rebind, grow = loop.body
    assert set(after[id(made)]) == {"y"}       # the loop rebinds `x` before `x += 1.0`
    assert after[id(append)] == {"y": write}
    assert after[id(write)] == {"y": write}    # the next iteration writes `y[0]` again
    assert after[id(rebind)] == {"x": grow, "y": write}
    assert after[id(grow)] == {"y": write}
    assert after[id(loop)] == {}


def _classes(base):
    """`base`'s node classes, without the deprecated aliases (`ast.Num`, ...): they
    subclass `ast.Constant`, and building one builds a `Constant`."""
    return {c for c in _all_subclasses(base) if c.__module__ == "ast"
            and not (c is not ast.Constant and issubclass(c, ast.Constant))}


@pytest.mark.parametrize("base", [ast.stmt, ast.expr])
def test_normalize_lowers_or_refuses_every_node_class_by_name(base):
    if base is ast.stmt:
        handled, refused = set(normalize._STATEMENTS), set(syntax.REFUSED_STMTS)
    else:
        handled = set(normalize._EXPRESSIONS) | set(normalize._ONLY_AS_INDEX)
        refused = set(syntax.REFUSED_EXPRS)
    handled |= {c for c in hoist.HOISTED if issubclass(c, base)}   # never reach normalize
    handled |= {c for c in resolve.LOWERED + tries.LOWERED if issubclass(c, base)}  # nor these
    assert not {c.__name__ for c in _classes(base) - handled - refused}
    assert not handled & refused


def test_restructure_classifies_every_statement_class_by_name():
    handled, refused = set(restructure._CONTROL), set(syntax.REFUSED_STMTS)
    hoisted = {c for c in hoist.HOISTED + resolve.LOWERED + tries.LOWERED
               if issubclass(c, ast.stmt)}
    assert not {c.__name__ for c in _classes(ast.stmt) - handled - refused - hoisted}
    assert handled == set(normalize._STATEMENTS)     # both take what check_syntax lets through


def test_desugar_takes_exactly_the_sugar_normalize_hands_it():
    handed = {c for c, lower in {**normalize._STATEMENTS, **normalize._EXPRESSIONS}.items()
              if lower is normalize._Normalizer._sugar}
    handed |= {ast.IfExp, ast.BoolOp, ast.NamedExpr, ast.Assign}  # via `_op` and `_assign`
    assert handed == set(desugar.SUGAR)


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


# `b * x` was a new array: folded to `x`, it is returned as a copy (`owned`), not the caller's
@pytest.mark.parametrize("text, expected", [
    ("def f(x):\n    b = 1.0\n    return b * x", "return np.copy(x)"),
    ("def f(x):\n    return x ** (2 - 1) * 3", "return x * 3"),
    ("def f(x):\n    return -(-x) + 0.0", "return np.copy(x)"),
    ("def f(x):\n    return x if np.ndim(x) == 1 and True else 2.0 * x", "return np.copy(x)"),
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


# Each rewrite of optimize on its own: golden source out, same values as the source in.
_A, _S, _V = Kind(0, "f", True), Kind(0, "f", False, 8), Kind(1, "f", False, 8)
_XV = np.array([0.5, -1.5])


def _rewritten(text, rewrite, *args):
    """`rewrite(fn)` applied to `def f` in `text`: its body's lines, after checking
    that the rewritten `f` returns what the original returns for `args`."""
    fn = ast.parse(textwrap.dedent(text)).body[0]
    rewrite(fn)
    ns = resolve.Namespace(None, set())
    before = dict(ns.bound)
    exec(textwrap.dedent(text), before)
    for got, want in zip(np.atleast_1d(run(fn, ns, *args)), np.atleast_1d(before["f"](*args))):
        np.testing.assert_allclose(got, want)
    return body_text(fn)


def _simplify(kinds, shapes=None):
    ns = resolve.Namespace(None, set())
    return lambda fn: simplify.simplify(fn, analyses.facts(fn, ns, kinds, shapes or {}))


@pytest.mark.parametrize("body, kinds, shapes, expected", [
    ("b = 1.0 * a", {"a": _A}, {}, "b = a"),                       # algebra.identity
    ("b = a * -1", {"a": _A}, {}, "b = -a"),
    ("b = 1 * n", {"n": Kind(0, "i", True)}, {}, "b = 1 * n"),     # an int stays an int
    ("b = a ** (3 - 2)", {"a": _A}, {}, "b = a"),                  # algebra.fold
    ("b = -(-a)", {"a": _A}, {}, "b = a"),                         # algebra.negation
    ("b = a if not False and 1 < 2 else 2.0", {"a": _A}, {}, "b = a"),  # logic, compare
    ("b = float(a)", {"a": _A}, {}, "b = a"),                      # algebra.float_of_float
    ("b = np.sum(s)", {"s": _S}, {}, "b = s"),                     # algebra.sum_of_number
    ("b = np.ndim(x)", {"x": _V}, {}, "b = 1"),                    # shapes.static_ndim
    ("b = np.shape(x)", {"x": _V}, {}, "b = x.shape"),             # shapes.shape_attribute
    ("t = x * 2.0\nb = t.size", {"x": _V}, {"x": "x", "t": "x"},   # shapes.earlier_shape_*
     "b = x.size"),
    ("b = rt.unbroadcast(a, s)", {"a": _A, "s": _S}, {}, "b = a"),  # broadcasts.unbroadcast_number
    ("b = np.broadcast_to(a, np.shape(s))", {"a": _A, "s": _S}, {}, "b = a"),
    ("b = np.broadcast_to(a, x.shape) * 2.0", {"a": _A, "x": _V}, {},
     "b = np.broadcast_to(a * 2.0, x.shape)"),                   # broadcasts.number_operand
    ("b = x * np.broadcast_to(a, x.shape)", {"a": _A, "x": _V}, {"x": "x"}, "b = x * a"),
    ("if np.ndim(x) == 2:\n    b = x.T\nelse:\n    b = x", {"x": _V}, {}, "b = x"),
    ("if True:\n    if 1 < 2:\n        b = x", {"x": _V}, {}, "b = x"),  # nested decided ifs
])
def test_simplify_rewrites_each_rule_family(body, kinds, shapes, expected):
    text = "def f(a, n, s, x):\n" + textwrap.indent(body, "    ") + "\n    return b"
    lines = _rewritten(text, _simplify(kinds, shapes), 0.75, 3, np.float64(1.25), _XV)
    assert lines[-2] == expected


def test_simplify_keeps_a_new_array_that_is_changed_in_place():
    text = "def f(x):\n    y = x * 1.0\n    y[0] = 2.0\n    return x"
    assert _rewritten(text, _simplify({"x": _V}), _XV.copy())[0] == "y = np.copy(x)"
    # and where the value it simplifies to is changed in place later
    text = "def f(x):\n    y = np.sin(x)\n    z = y * 1.0\n    y[0] = 2.0\n    return z"
    assert _rewritten(text, _simplify({"x": _V}), _XV.copy())[1] == "z = np.copy(y)"


def test_propagate_copies_reads_the_original_unless_changed_in_place():
    text = "def f(x):\n    y = np.sin(x)\n    z = y\n    return z"
    assert _rewritten(text, copies.propagate_copies, _XV) == ["y = np.sin(x)", "return y"]
    text = "def f(x):\n    y = np.sin(x)\n    z = y\n    y[0] = 2.0\n    return z"
    assert not copies.propagate_copies(ast.parse(text).body[0])


def test_propagate_copies_follows_chains_in_one_call():
    text = "def f(x):\n    a = x\n    b = a\n    c = b\n    return c"
    assert _rewritten(text, copies.propagate_copies, _XV) == ["return x"]
    text = "def f(x):\n    a = 2.0\n    b = a * x\n    c = a\n    return b + c"
    assert _rewritten(text, copies.propagate_copies, _XV) == ["b = 2.0 * x", "return b + 2.0"]


def test_optimize_leaves_no_copy_however_long_the_chain():
    body = "".join(f"    a{k + 1} = a{k}\n" for k in range(30))
    out, _, _ = _optimized(f"def f(x):\n    a0 = np.sin(x)\n{body}    return a30",
                           {"x": Kind(1, "f", False, 8)})
    assert [line.strip() for line in out.splitlines()[1:]] == ["a0 = np.sin(x)", "return a0"]


def test_known_zeros_drop_the_addition_only_where_the_name_is_surely_zero():
    text = "def f(g):\n    b = 0.0\n    b = b + g\n    return b"
    assert _rewritten(text, zeros.known_zeros, 1.5)[1] == "b = g"
    text = "def f(g):\n    b = 0.0\n    for i in range(3):\n        b = b + g\n    return b"
    assert not zeros.known_zeros(ast.parse(text).body[0])


def test_eliminate_dead_keeps_what_a_later_iteration_reads():
    text = ("def f(x):\n    y = x * 2\n    s = 0.0\n    for i in range(3):\n"
            "        s = s + x\n        u = s * 2\n    return s")
    lines = _rewritten(text, dead.eliminate_dead, 1.5)
    assert lines == ["s = 0.0", "for i in range(3):\n    s = s + x", "return s"]


def test_inline_temps_writes_a_temporary_where_it_is_read_unless_blocked():
    text = "def f(x):\n    t1 = np.sin(x)\n    y = t1 * 2.0\n    return y"
    inline = lambda fn: inline_temps.inline_temps(fn, {"t1"})  # noqa: E731
    assert _rewritten(text, inline, _XV)[0] == "y = np.sin(x) * 2.0"
    text = "def f(x):\n    t1 = np.sin(x)\n    print(x)\n    y = t1 * 2.0\n    return y"
    assert not inline(ast.parse(text).body[0])                  # never across an effect
    text = "def f(x):\n    t1 = np.sin(x)\n    if x:\n        x = t1\n    return x"
    assert not inline(ast.parse(text).body[0])                  # never into a branch


def test_inline_temps_inlines_chains_in_one_call_and_stops_at_effects():
    text = ("def f(x):\n    t1 = np.sin(x)\n    t2 = t1 * 2.0\n    t3 = np.cos(t2)\n"
            "    print(x)\n    t4 = t3 + 1.0\n    y = t4 * x\n    return y")
    lines = _rewritten(text, lambda fn: inline_temps.inline_temps(fn, {"t1", "t2", "t3", "t4"}),
                       _XV)
    assert lines == ["t3 = np.cos(np.sin(x) * 2.0)", "print(x)", "y = (t3 + 1.0) * x",
                     "return y"]


def test_inline_temps_sees_a_name_it_made_changed_in_place():
    # `t1[0] = 2.0` becomes `x[0] = 2.0`: `x` is now changed in place, so `t2 = x * 3.0`
    # stays where it is, as inlining one temporary at a time would leave it.
    text = ("def f(x):\n    t1 = x\n    t1[0] = 2.0\n    t2 = x * 3.0\n    y = t2\n"
            "    return y")
    fn = ast.parse(text).body[0]
    assert inline_temps.inline_temps(fn, {"t1", "t2"})
    assert body_text(fn) == ["x[0] = 2.0", "t2 = x * 3.0", "y = t2", "return y"]


def test_fresh_gradients_return_a_writable_array():
    text = "def f(x, g):\n    bx = np.broadcast_to(g, x.shape)\n    return bx"
    ns = resolve.Namespace(None, set())
    lines = _rewritten(text, lambda fn: fresh.fresh_gradients(fn, ns), _XV, 2.0)
    assert lines[0] == "bx = np.full_like(x, g)"


def test_orphan_comments_are_dropped():
    fn = ast.parse("def f(x):\n    y = np.sin(x)\n    return y").body[0]
    fn.body[0:0] = [Comment("line 3: t = x * 2"), Comment("line 4: y = np.sin(x)")]
    fn.body.append(Comment("line 9"))
    comments.drop_orphan_comments(fn)
    assert [getattr(s, "text", None) for s in fn.body] == ["line 4: y = np.sin(x)", None, None]
