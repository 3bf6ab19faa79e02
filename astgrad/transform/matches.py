"""`match` statements written as `if`/`elif` chains, before `syntax.check_syntax`
(run on the user's function and on every callee). Each `case` becomes one test,
keeping the line of its pattern, and the names it captures are assigned first
in its body:

    match mode:                       if mode == "l2":
        case "l2":                        r = x @ x
            r = x @ x             ->  elif mode == Norm.ONE or mode == 1:
        case Norm.ONE | 1:                r = np.sum(np.abs(x))
            r = np.sum(np.abs(x))     else:
        case [p, q] if p > 0:             ...
            ...

Handled patterns: literals and dotted names (`==`), `None`/`True`/`False` (`is`),
`_`, captures, `|` (when its alternatives capture nothing, or the same values),
`as`, sequences (`[a, *rest, b]`, tested as a list or tuple of that length),
mappings with constant keys, and classes without arguments (`float()`, an
`isinstance` test). A guard reads the captured values themselves. Any other
pattern is refused at its line.
"""
from __future__ import annotations

import ast
import copy
from typing import Callable

from ..errors import UnsupportedSyntaxError
from .trees import statements


def lower(tree: ast.FunctionDef, fresh: Callable[[str], str], where) -> ast.FunctionDef:
    """Rewrite every `match` of `tree` (and of its nested defs) in place."""
    if any(s.__class__ is ast.Match for s in statements(tree)):   # (no walk of expressions)
        _Lowering(fresh, where).visit(tree)
    return tree


class _Lowering(ast.NodeTransformer):
    def __init__(self, fresh, where):
        self.fresh, self.where = fresh, where

    def visit_Match(self, node: ast.Match):
        self.generic_visit(node)                   # a `match` inside a case first
        subject, before = self._subject(node)
        chain: list[ast.stmt] = []
        for case in reversed(node.cases):
            test, binds = self._pattern(case.pattern, subject)
            if case.guard is not None:
                guard = _substituted(case.guard, dict(binds), self, case)
                test = guard if test is None else _and([test, guard])
            body = [_at(ast.Assign([ast.Name(n, ast.Store())], copy.deepcopy(v)), case.pattern)
                    for n, v in binds] + case.body
            chain = body if test is None else [_at(ast.If(test, body, chain), case.pattern)]
        return before + (chain or [_at(ast.Pass(), node)])

    def _subject(self, node: ast.Match) -> tuple[ast.expr, list[ast.stmt]]:
        """The subject as the tests read it: its name, or a fresh one assigned first
        (where it is an expression, or a name a case captures or a guard assigns)."""
        value = node.subject
        bound = {n.id for case in node.cases for n in ast.walk(case.guard or ast.Pass())
                 if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)} | \
            {p.name for case in node.cases for p in ast.walk(case.pattern)
             if isinstance(p, (ast.MatchAs, ast.MatchStar)) and p.name}
        if isinstance(value, ast.Name) and value.id not in bound:
            return value, []
        name = self.fresh("subject")
        return ast.Name(name, ast.Load()), [_at(ast.Assign([ast.Name(name, ast.Store())],
                                                          value), node)]

    def _pattern(self, p: ast.pattern, s: ast.expr) -> tuple[ast.expr | None, list]:
        """`(test, [(name, value), ...])` for `p` matched against `s`; test None: always."""
        if isinstance(p, ast.MatchValue):
            return _compare(s, ast.Eq(), p.value), []
        if isinstance(p, ast.MatchSingleton):
            return _compare(s, ast.Is(), ast.Constant(p.value)), []
        if isinstance(p, ast.MatchAs):
            test, binds = (None, []) if p.pattern is None else self._pattern(p.pattern, s)
            return test, binds + ([(p.name, s)] if p.name else [])
        if isinstance(p, ast.MatchOr):
            return self._alternatives(p, s)
        if isinstance(p, ast.MatchSequence):
            return self._sequence(p, s)
        if isinstance(p, ast.MatchMapping) and p.rest is None \
                and all(isinstance(k, ast.Constant) for k in p.keys):
            tests = [_isinstance(s, ["dict"])] + \
                [_compare(copy.deepcopy(k), ast.In(), s) for k in p.keys]
            return self._parts(tests, p.patterns, [_item(s, k.value) for k in p.keys])
        if isinstance(p, ast.MatchClass) and not p.patterns and not p.kwd_patterns:
            return ast.Call(ast.Name("isinstance", ast.Load()),
                            [copy.deepcopy(s), copy.deepcopy(p.cls)], []), []
        raise UnsupportedSyntaxError(
            "this `case` pattern is not supported.", self.where(p),
            fix="Match literals, names, sequences or dicts of them, or write an `if` "
                "(`isinstance(v, C) and v.a == 1`).")

    def _alternatives(self, p: ast.MatchOr, s) -> tuple[ast.expr | None, list]:
        tests, captured = [], None
        for alternative in p.patterns:
            test, binds = self._pattern(alternative, s)
            these = sorted((n, ast.dump(v)) for n, v in binds)
            if captured is not None and these != captured:
                raise UnsupportedSyntaxError(
                    "an `|` pattern whose alternatives capture different values is not "
                    "supported.", self.where(p), fix="Write one `case` per alternative.")
            captured = these
            if test is None:
                return None, binds
            tests.append(test)
        return ast.BoolOp(ast.Or(), tests), binds

    def _sequence(self, p: ast.MatchSequence, s) -> tuple[ast.expr, list]:
        """`[a, *rest, b]`: a list or tuple of at least 2 items; `rest` a list."""
        star = next((i for i, q in enumerate(p.patterns) if isinstance(q, ast.MatchStar)),
                    None)
        n = len(p.patterns) - (star is not None)
        length = ast.Call(ast.Name("len", ast.Load()), [copy.deepcopy(s)], [])
        tests = [_isinstance(s, ["list", "tuple"]),
                 _compare(length, ast.Eq() if star is None else ast.GtE(), ast.Constant(n))]
        patterns, items = [], []
        for i, q in enumerate(p.patterns):
            if isinstance(q, ast.MatchStar):
                if q.name:                               # `*rest`: `list(s[i:-after])`
                    after = len(p.patterns) - i - 1
                    end = ast.Constant(-after) if after else None
                    rest = ast.Subscript(copy.deepcopy(s), ast.Slice(ast.Constant(i), end),
                                         ast.Load())
                    patterns.append(ast.MatchAs(None, q.name))
                    items.append(ast.Call(ast.Name("list", ast.Load()), [rest], []))
                continue
            patterns.append(q)
            items.append(_item(s, i if star is None or i < star else i - len(p.patterns)))
        return self._parts(tests, patterns, items)

    def _parts(self, tests: list, patterns: list, items: list) -> tuple[ast.expr, list]:
        """The tests of a container's items, after those of the container (`tests`)."""
        binds = []
        for q, item in zip(patterns, items):
            test, these = self._pattern(q, item)
            tests += [test] if test is not None else []
            binds += these
        return _and(tests), binds


def _substituted(guard: ast.expr, binds: dict, low: _Lowering, case) -> ast.expr:
    """`guard` reading each captured name's value where it reads the name."""
    if any(isinstance(n, ast.Name) and n.id in binds and not isinstance(n.ctx, ast.Load)
           or isinstance(n, (ast.Lambda, ast.ListComp, ast.GeneratorExp, ast.DictComp,
                             ast.SetComp)) for n in ast.walk(guard)):
        raise UnsupportedSyntaxError(
            "a `case` guard with a lambda, a comprehension or `:=` is not supported.",
            low.where(case.guard), fix="Compute the value before the `match`.")

    class _Put(ast.NodeTransformer):
        def visit_Name(self, node):
            return copy.deepcopy(binds[node.id]) if node.id in binds else node
    return _Put().visit(copy.deepcopy(guard))


def _compare(left, op, right) -> ast.Compare:
    return ast.Compare(copy.deepcopy(left), [op], [copy.deepcopy(right)])


def _isinstance(s, types: list[str]) -> ast.Call:
    classes = ast.Tuple([ast.Name(t, ast.Load()) for t in types], ast.Load()) \
        if len(types) > 1 else ast.Name(types[0], ast.Load())
    return ast.Call(ast.Name("isinstance", ast.Load()), [copy.deepcopy(s), classes], [])


def _item(s, key) -> ast.Subscript:
    return ast.Subscript(copy.deepcopy(s), ast.Constant(key), ast.Load())


def _and(tests: list) -> ast.expr:
    return tests[0] if len(tests) == 1 else ast.BoolOp(ast.And(), tests)


def _at(stmt: ast.stmt, node) -> ast.stmt:
    """`stmt` at `node`'s line, all through (generated nodes included)."""
    for n in ast.walk(stmt):
        if "lineno" in n._attributes and not hasattr(n, "lineno"):
            ast.copy_location(n, node)
    return stmt
