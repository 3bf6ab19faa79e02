"""Comprehensions, generator expressions, lambdas and `with` blocks, written in
plain statements before the rest of the compiler sees them (run on the user's
function and on every callee, right after `syntax.check_syntax`, before names
are resolved).

Output guarantees:
* `f = lambda z: e` becomes `def f(z): return e`; a lambda anywhere else
  becomes a nested `def` of a fresh name (`fn`, `fn_1`, ...) just before the
  statement, which then reads that name (nested defs are inlined where they
  are called, see `inline`);
* `with np.errstate(...):` and `with warnings.catch_warnings():` blocks become
  their bodies (they change which warnings are shown, not values); any other
  `with`, or `np.errstate` asking to raise, is refused;
* `[e for x in xs if c]` (and a generator expression anywhere but directly in
  `sum(...)`) becomes, just before the statement that holds it, `_l = []`
  followed by the nested `for`/`if` statements of its clauses and `_l.append(e)`;
  the statement then reads `_l`;
* `sum(e for x in xs if c)` and `sum([e for ...])` become `_s = 0` and
  `_s = _s + e` in the loops: no list is built;
* `{k: v for ...}` becomes `_d = {}` and `_d[k] = v`, where dict literals are
  supported (`syntax.HANDLED_EXPRS`), and is refused otherwise;
* the comprehension's own variables get fresh names, so they never clash with
  the function's (Python gives a comprehension a scope of its own);
* a comprehension whose evaluation depends on control flow inside the
  statement (in a `while` test, a branch of `a if c else b`, an operand of
  `and`/`or` after the first, a lambda's body) or a set comprehension is
  refused with the line and a fix.
A function with no comprehension is left exactly as it was.
"""
from __future__ import annotations

import ast
from typing import Callable

from ..errors import UnsupportedSyntaxError
from .trees import walk

COMPREHENSIONS = (ast.ListComp, ast.GeneratorExp, ast.DictComp, ast.SetComp)
# The node classes `check_syntax` lets through that no later pass sees: written here
# as other statements (or refused here, by name).
HOISTED = (ast.With, ast.ListComp, ast.GeneratorExp, ast.DictComp, ast.Lambda)


def spread(tree: ast.FunctionDef, star, where) -> ast.FunctionDef:
    """The differentiated function's `*args` and `**kwargs` as the call gives them
    (`star`: see `astgrad.starred`): `args_0, ..., args_{n-1}` and `args = (args_0, ...)`
    first in the body; each extra keyword a keyword-only parameter, `f(**kwargs)`
    written `f(k=k, ...)` (any other use of `kwargs` is refused)."""
    vararg, n, kwarg, extra = star
    spec = tree.args
    if vararg:
        names = [f"{vararg}_{i}" for i in range(n)]
        spec.args = spec.posonlyargs + spec.args + [_at_def(ast.arg(a), tree) for a in names]
        spec.posonlyargs, spec.vararg = [], None
        spec.defaults = spec.defaults if not n else []
        packed = ast.Tuple([_name(a, ast.Load()) for a in names], ast.Load())
        tree.body.insert(0, _at(ast.Assign([_name(vararg, ast.Store())], packed), tree))
    if kwarg:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                node.keywords = [k for kw in node.keywords for k in _spread_keyword(kw, kwarg,
                                                                                    extra)]
        left = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == kwarg]
        if left:
            raise UnsupportedSyntaxError(
                f"`**{kwarg}` is used other than passed on with `f(**{kwarg})`.",
                where(left[0]), fix="Name the keyword arguments the function reads.")
        spec.kwonlyargs += [_at_def(ast.arg(k), tree) for k in extra]
        spec.kw_defaults += [None] * len(extra)
        spec.kwarg = None
    return tree


def _spread_keyword(kw: ast.keyword, kwarg: str, extra) -> list[ast.keyword]:
    if kw.arg is None and isinstance(kw.value, ast.Name) and kw.value.id == kwarg:
        return [ast.keyword(k, _name(k, ast.Load())) for k in extra]
    return [kw]


def _at_def(node, tree):
    node.lineno, node.col_offset = tree.lineno, 0
    node.end_lineno, node.end_col_offset = tree.lineno, 0
    return node


def expand(tree: ast.FunctionDef, fresh: Callable[[str], str], where) -> ast.FunctionDef:
    """Rewrite every comprehension, lambda and `with` in `tree` (and its nested defs)
    as the docstring says, in place."""
    if any(isinstance(n, COMPREHENSIONS + (ast.Lambda, ast.With)) for n in walk(tree)):
        expander = _Expander(fresh, where)
        expander.kept = _names_outside_comprehensions(tree)
        tree.body = expander.block(tree.body)
    return tree


class _Expander:
    def __init__(self, fresh, where):
        self.fresh, self.where = fresh, where
        self.kept: set[str] = set()     # names a comprehension's variable must not take

    def variable(self, name: str) -> str:
        """A comprehension variable's name in the loop: its own, unless the function or
        another comprehension uses it."""
        if name in self.kept:
            return self.fresh(name)
        self.kept.add(name)
        return name

    def block(self, stmts: list[ast.stmt]) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for stmt in stmts:
            if isinstance(stmt, ast.With):
                out.extend(self.block(_with_body(stmt, self.where)))
                continue
            if isinstance(stmt, ast.FunctionDef):
                stmt.body = self.block(stmt.body)
                out.append(stmt)
                continue
            if _is_named_lambda(stmt):
                stmt = _def(stmt.targets[0].id, stmt.value, stmt)
            for field in ("body", "orelse"):
                inner = getattr(stmt, field, None)
                if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                    setattr(stmt, field, self.block(inner))
            before: list[ast.stmt] = []
            target = _built_in_place(stmt)
            if target is not None:              # `ys = [...]`: the loops build `ys` itself
                summed = _is_sum_of_comprehension(stmt.value)
                comp = stmt.value.args[0] if summed else stmt.value
                self._loops(comp, stmt, before, summed, into=target)
                out.extend(self.block(before))
                continue
            for field, value in ast.iter_fields(stmt):
                if field in ("body", "orelse", "decorator_list", "args"):
                    continue
                if isinstance(stmt, ast.While) and field == "test":
                    self._refuse_in(value, "in a `while` test",
                                    "Compute it in the loop body and test a name.")
                    continue
                setattr(stmt, field, self._hoist(value, stmt, before))
            out.extend(self.block(before) if before else [])
            out.append(stmt)
        return out

    def _refuse_in(self, node, what: str, fix: str) -> None:
        if not isinstance(node, ast.AST):
            return
        for sub in ast.walk(node):
            if isinstance(sub, COMPREHENSIONS):
                raise UnsupportedSyntaxError(f"a comprehension {what} is not supported.",
                                             self.where(sub), fix=fix)

    def _hoist(self, node, stmt: ast.stmt, before: list[ast.stmt]):
        """`node` with its comprehensions replaced by names the statements put in
        `before` compute."""
        if isinstance(node, list):
            return [self._hoist(n, stmt, before) for n in node]
        if not isinstance(node, ast.AST):
            return node
        if isinstance(node, ast.Lambda):
            name = self.fresh("fn")
            before.append(_def(name, node, stmt))
            return _name(name, ast.Load())
        if isinstance(node, ast.IfExp):
            node.test = self._hoist(node.test, stmt, before)
            for branch in (node.body, node.orelse):
                self._refuse_in(branch, "in a branch of `a if c else b`",
                                "Write an `if` statement.")
            return node
        if isinstance(node, ast.BoolOp):
            node.values[0] = self._hoist(node.values[0], stmt, before)
            for value in node.values[1:]:
                self._refuse_in(value, "after `and`/`or`", "Write an `if` statement.")
            return node
        if _is_sum_of_comprehension(node):
            return self._loops(node.args[0], stmt, before, summed=True)
        if isinstance(node, COMPREHENSIONS):
            return self._loops(node, stmt, before, summed=False)
        for field, value in ast.iter_fields(node):
            setattr(node, field, self._hoist(value, stmt, before))
        return node

    def _loops(self, comp, stmt, before, summed: bool, into: str | None = None) -> ast.Name:
        if isinstance(comp, ast.SetComp):
            raise UnsupportedSyntaxError("set comprehensions are not supported.",
                                         self.where(comp), fix="Build a list.")
        if any(g.is_async for g in comp.generators):
            raise UnsupportedSyntaxError("`async for` in a comprehension is not supported.",
                                         self.where(comp))
        _rename_targets(comp, self.variable)
        if isinstance(comp, ast.DictComp):
            # Keys and values in two lists, then the dict of them (see `dicts`).
            lists = (self.fresh("_keys"), self.fresh("_values"))
            collect = [_append(lists[0], comp.key), _append(lists[1], comp.value)]
        else:
            lists = (into or self.fresh("_total" if summed else "_items"),)
            collect = [_running_sum(lists[0], comp.elt) if summed else
                       _append(lists[0], comp.elt)]
        for name in lists:
            start = ast.Constant(0) if summed else ast.List([], ast.Load())
            before.append(_at(ast.Assign([_name(name, ast.Store())], start), stmt))
        before.append(self._clauses(comp.generators, [_at(s, stmt) for s in collect], stmt))
        if not isinstance(comp, ast.DictComp):
            return _name(lists[0], ast.Load())
        made = ast.Call(_name("dict", ast.Load()), [_name(n, ast.Load()) for n in lists], [])
        made.astgrad_dict_of = True             # resolved as `rt.dict_of` (see `scope`)
        result = into or self.fresh("_dict")
        before.append(_at(ast.Assign([_name(result, ast.Store())], made), stmt))
        return _name(result, ast.Load())

    def _clauses(self, generators, body: list[ast.stmt], stmt) -> ast.stmt:
        first, *rest = generators
        inner = [self._clauses(rest, body, stmt)] if rest else body
        for test in reversed(first.ifs):
            inner = [_at(ast.If(test, inner, []), stmt)]
        return _at(ast.For(first.target, first.iter, inner, []), stmt)


def _running_sum(name: str, value: ast.expr) -> ast.stmt:
    return ast.Assign([_name(name, ast.Store())],
                      ast.BinOp(_name(name, ast.Load()), ast.Add(), value))


def _append(name: str, value: ast.expr) -> ast.stmt:
    return ast.Expr(ast.Call(ast.Attribute(_name(name, ast.Load()), "append", ast.Load()),
                             [value], []))


def _built_in_place(stmt: ast.stmt) -> str | None:
    """The name `stmt` assigns a comprehension (or `sum` of one) to, when the loops
    can build it under that name: it is not read inside the comprehension."""
    if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)):
        return None
    value, name = stmt.value, stmt.targets[0].id
    if not (_is_sum_of_comprehension(value) or isinstance(value, COMPREHENSIONS)):
        return None
    if any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(value)):
        return None
    return name


def _is_sum_of_comprehension(node) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
        and node.func.id == "sum" and len(node.args) == 1 and not node.keywords \
        and isinstance(node.args[0], (ast.GeneratorExp, ast.ListComp))


def _names_outside_comprehensions(tree: ast.FunctionDef) -> set[str]:
    inside = {id(n) for c in ast.walk(tree) if isinstance(c, COMPREHENSIONS)
              for n in ast.walk(c)}
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in inside} \
        | {a.arg for a in ast.walk(tree) if isinstance(a, ast.arg)}


def _rename_targets(comp, fresh) -> None:
    """Give the comprehension's variables fresh names in everything that reads them
    (not the first iterable, which Python evaluates in the enclosing scope)."""
    names = {n.id for g in comp.generators for n in ast.walk(g.target)
             if isinstance(n, ast.Name)}
    mapping = {name: fresh(name) for name in sorted(names)}
    renamer = _Rename(mapping)
    for i, g in enumerate(comp.generators):
        for node in [g.target, *g.ifs] + ([g.iter] if i else []):
            renamer.visit(node)
    for node in (comp.key, comp.value) if isinstance(comp, ast.DictComp) else (comp.elt,):
        renamer.visit(node)


class _Rename(ast.NodeVisitor):
    def __init__(self, mapping):
        self.mapping = mapping

    def visit_Name(self, node):
        node.id = self.mapping.get(node.id, node.id)

    def visit_Lambda(self, node):
        shadowed = {a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)}
        _Rename({k: v for k, v in self.mapping.items() if k not in shadowed}).visit(node.body)


def _name(name: str, ctx) -> ast.Name:
    return ast.Name(name, ctx)


def _at(node: ast.stmt, stmt: ast.stmt) -> ast.stmt:
    ast.copy_location(node, stmt)
    return ast.fix_missing_locations(node)


def _is_named_lambda(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 \
        and isinstance(stmt.targets[0], ast.Name) and isinstance(stmt.value, ast.Lambda)


def _def(name: str, fn: ast.Lambda, stmt: ast.stmt) -> ast.FunctionDef:
    """The lambda `fn` as `def name(...): return ...` (its body hoisted later, as a block)."""
    body = [_at(ast.Return(fn.body), stmt)]
    node = ast.FunctionDef(name, fn.args, body, [], None)
    if "type_params" in ast.FunctionDef._fields:
        node.type_params = []
    return _at(node, stmt)


# `with` blocks whose manager only changes which warnings are shown: the body alone.
_WARNING_MANAGERS = ("np.errstate", "numpy.errstate", "warnings.catch_warnings",
                     "warnings.simplefilter")
_RAISING = ("raise", "call", "log")


def _with_body(stmt: ast.With, where) -> list[ast.stmt]:
    for item in stmt.items:
        call = item.context_expr
        name = ast.unparse(call.func) if isinstance(call, ast.Call) else ""
        if item.optional_vars is not None:
            name = ""
        if name not in _WARNING_MANAGERS:
            raise UnsupportedSyntaxError(
                f"`with {ast.unparse(call)}:` is not supported (only `np.errstate` and "
                f"`warnings.catch_warnings` blocks are).", where(stmt),
                fix="Move the block outside the function you differentiate.")
        modes = [k.value.value for k in call.keywords if isinstance(k.value, ast.Constant)]
        if any(m in _RAISING for m in modes) or len(modes) < len(call.keywords) \
                or (name.endswith("errstate") and call.args):
            raise UnsupportedSyntaxError(
                f"`with {ast.unparse(call)}:` asks for errors, not warnings: the derivative "
                f"cannot keep that.", where(stmt),
                fix="Check the values yourself and `raise` in a branch.")
    # `warnings.simplefilter(...)` and the like only hold inside the block: dropped with it.
    body = [s for s in stmt.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Call)
                                         and ast.unparse(s.value.func).startswith("warnings."))]
    return body or [_at(ast.Pass(), stmt)]
