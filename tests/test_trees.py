"""`transform.trees`: the fast walk, statements, names with their parents, copy and
substitution (and the targets, `stored`) give what `ast.walk`, `ast.iter_child_nodes`, `copy.deepcopy` and an
`ast.NodeTransformer` give, on the compiler's own sources and on a generated function."""
import ast
import copy
import pathlib

import numpy as np
import pytest

import astgrad as ag
from astgrad.transform import trees

_SOURCES = sorted(pathlib.Path(ag.__file__).parent.glob("transform/*.py"))


def _generated() -> ast.Module:
    def f(x, a):
        y = np.sin(x) * a
        for i in range(3):
            y = y + np.tanh(x[i]) ** 2
        return np.sum(y)
    df = ag.grad(f)
    df(np.array([0.5, -1.0, 2.0]), 1.5)
    return ast.parse(ag.source(df))


@pytest.fixture(scope="module")
def modules():
    return [ast.parse(p.read_text()) for p in _SOURCES[:12]] + [_generated()]


_OPERATORS = (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)


def test_walk_is_ast_walk_without_contexts_and_operators(modules):
    for tree in modules:
        want = [n for n in ast.walk(tree) if not isinstance(n, _OPERATORS)]
        assert [id(n) for n in trees.walk(tree)] == [id(n) for n in want]
        assert trees.loads(tree) == {n.id for n in want if isinstance(n, ast.Name)
                                     and isinstance(n.ctx, ast.Load)}


def test_named_gives_each_node_of_a_name_with_its_parent(modules):
    for tree in modules:
        parents = {id(c): p for p in ast.walk(tree) for c in ast.iter_child_nodes(p)}
        for name in ("x", "node", "ast", "self"):
            want = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == name]
            got = trees.named(tree, name)
            assert [id(n) for n, _ in got] == [id(n) for n in want]
            assert all(p is parents[id(n)] for n, p in got)
        each = trees.named_each(tree, {"x", "node", "ast", "self", "no such name"})
        assert {name: [(id(n), id(p)) for n, p in found] for name, found in each.items()} == {
            name: [(id(n), id(p)) for n, p in trees.named(tree, name)]
            for name in ("x", "node", "ast", "self") if trees.named(tree, name)}


def test_statements_are_the_statements_ast_walk_meets(modules):
    for tree in modules:
        want = [id(n) for n in ast.walk(tree) if isinstance(n, ast.stmt)]
        assert [id(n) for n in trees.statements(tree)] == want
        queue = [tree]                   # ast.walk, not entering expressions
        for node in queue:
            queue.extend(c for c in ast.iter_child_nodes(node)
                         if not isinstance(c, (ast.expr, *_OPERATORS)))
        assert [id(n) for n in trees.outline(tree)] == [id(n) for n in queue]


def test_stored_holds_every_store_but_a_comprehensions(modules):
    """What `kinds.infer` reads to find the items written: every node stored into (and
    only those) outside a comprehension's or a `:=`'s own target, in the compiler's
    sources too (which hold `x[i] = v`, `a.b = v`, `for k, v in`, `with ... as f`)."""
    subscripts = 0
    for tree in modules:
        own = {id(n) for c in ast.walk(tree) if isinstance(c, (ast.comprehension, ast.NamedExpr))
               for n in ast.walk(c.target)}
        want = {id(n) for n in ast.walk(tree)
                if isinstance(getattr(n, "ctx", None), ast.Store) and id(n) not in own}
        got = [n for n in trees.stored(tree) if isinstance(getattr(n, "ctx", None), ast.Store)]
        assert {id(n) for n in got} == want
        subscripts += sum(isinstance(n, ast.Subscript) for n in got)
    assert subscripts > 10


def test_written_into_is_the_named_subscripts_stored_into(modules):
    """`kinds.infer`'s question (which names are written into through a subscript), on
    each function's statements and on statements that are each kind of target."""
    extra = ast.parse("x[0] = 1\nu, w[1:] = v\n(p[0], (q[i], r)) = t\ns[0][1] = 2\n"
                      "a.b[0] = 3\nc[0] += 1\nfor d[0] in e: f[1] = 2\n"
                      "if g: h[0] = 1\nelse: k.m = 2\nreturn n[0]\n").body
    bodies = [extra] + [n.body for tree in modules for n in ast.walk(tree)
                        if isinstance(n, ast.FunctionDef)]
    for body in bodies:
        want = {n.value.id for s in body for n in trees.stored(s) if isinstance(
            n, ast.Subscript) and isinstance(n.ctx, ast.Store) and isinstance(n.value, ast.Name)}
        assert trees.written_into(body) == want
    assert trees.written_into(extra) == {"x", "w", "p", "q", "c", "d", "f", "h"}
    assert sum(bool(trees.written_into(b)) for b in bodies) > 5


def test_fix_locations_is_fix_missing_locations(modules):
    for tree in modules:
        a, b = copy.deepcopy(tree), copy.deepcopy(tree)
        for t in (a, b):                 # drop positions here and there, shared nodes too
            for k, n in enumerate(ast.walk(t)):
                for attr in ("lineno", "col_offset", "end_lineno", "end_col_offset")[k % 5:]:
                    if k % 3 and attr in n.__dict__:
                        delattr(n, attr)
        for t in (a, b):                 # a node met twice, first under a located parent
            shared = ast.Name("s", ast.Load())
            inner = ast.BinOp(shared, ast.Add(), ast.Constant(1))
            t.body.append(ast.Expr(ast.BinOp(shared, ast.Mult(), inner, lineno=7,
                                             col_offset=2)))
        ast.fix_missing_locations(a)
        trees.fix_locations(b)
        assert ast.dump(a, include_attributes=True) == ast.dump(b, include_attributes=True)


def test_copy_tree_is_deepcopy(modules):
    shared = ast.Name("s", ast.Load())
    twice = ast.BinOp(shared, ast.Add(), shared)        # a node met twice stays one node
    for tree in modules + [twice]:
        a, b = copy.deepcopy(tree), trees.copy_tree(tree)
        assert ast.dump(a, include_attributes=True) == ast.dump(b, include_attributes=True)
        assert all(type(x) is type(y) and x.__dict__.keys() == y.__dict__.keys()
                   for x, y in zip(ast.walk(a), ast.walk(b)))
        assert not {id(n) for n in ast.walk(b)} & {id(n) for n in ast.walk(tree)
                                                   if not isinstance(n, ast.expr_context)}
    copied = trees.copy_tree(twice)
    assert copied.left is copied.right and copied.left is not shared


class _Replace(ast.NodeTransformer):
    def __init__(self, values, reads_only):
        self.values, self.reads_only = values, reads_only

    def visit_Name(self, node):
        if node.id in self.values and (not self.reads_only or isinstance(node.ctx, ast.Load)):
            return ast.copy_location(copy.deepcopy(self.values[node.id]), node)
        return node


@pytest.mark.parametrize("reads_only", [True, False])
def test_substitute_is_a_name_replacing_transformer(modules, reads_only):
    values = {"node": ast.parse("a.b[c] + 1", mode="eval").body,
              "name": ast.Name("renamed", ast.Load()), "x": ast.Constant(2.0)}
    for tree in modules:
        want = _Replace(values, reads_only).visit(copy.deepcopy(tree))
        got = trees.substitute(copy.deepcopy(tree), values, reads_only)
        assert ast.dump(got, include_attributes=True) == ast.dump(want, include_attributes=True)
    root = ast.Name("x", ast.Load())
    assert isinstance(trees.substitute(root, values), ast.Constant)


def test_instantiate_is_substitute_of_a_copy(modules):
    """What a rule's template becomes for one call: the same nodes, located alike, as a
    copy given to `substitute` (names written into replaced too), sharing no node with the
    template nor with the values, and a template that is a placeholder alone replaced."""
    values = {"node": ast.parse("a.b[c] + 1", mode="eval").body,
              "name": ast.Name("renamed", ast.Load()), "x": ast.Constant(2.0)}
    for tree in modules:
        want = trees.substitute(copy.deepcopy(tree), values, reads_only=False)
        got = trees.instantiate(tree, values)
        assert ast.dump(got, include_attributes=True) == ast.dump(want, include_attributes=True)
        mine = {id(n) for n in ast.walk(got) if not isinstance(n, (ast.expr_context, ast.operator))}
        theirs = {id(n) for v in [tree, *values.values()] for n in ast.walk(v)}
        assert not mine & theirs
    root = ast.Name("x", ast.Store())
    assert ast.dump(trees.instantiate(root, values)) == "Constant(value=2.0)"
