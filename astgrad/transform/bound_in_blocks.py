"""`functools.partial` objects and tuples spread with `*`, bound inside an `if` or a
loop, written as the calls they make (part of the syntax pass, after `hoist`):
`normalize` knows a partial, and a tuple's items, by what they hold only where they
are bound outside any `if` or loop.

For a local name `g` bound inside an `if`/`for`/`while` to `functools.partial(F, a,
k=v)`, where every binding of `g` in the function is such a partial of the same `F` (a
name the function does not rebind) with as many positional arguments and the same
keywords, and `g` is read only as `g(...)` or passed to a call:
* each binding becomes `g_0 = a` and `g_k = v`, fresh names, one per value it holds;
* each call `g(b, j=w)` becomes `F(g_0, b, k=g_k, j=w)` (a keyword the call gives
  replaces the partial's, as `functools.partial` does);
* `g` passed to a call becomes `functools.partial(F, g_0, k=g_k)`, written there.
Partials of different functions, or with other keywords, bound to one `g` inside an
`if` or a loop are refused by name; any other `g` is left as it was (refused later
by name, as before).

For a local name `parts` bound inside an `if`/`for`/`while` to a tuple written in the
code, every binding of it a tuple of the same length `n` without `*`: `f(*parts)`
becomes `f(parts[0], ..., parts[n - 1])`.

Outside `if` and loops nothing changes: `normalize` knows those values by what they hold.
"""
from __future__ import annotations

import ast
import copy
import functools
from typing import Callable

from ..errors import UnsupportedSyntaxError
from .scope import UserScope
from .trees import walk

_BLOCKS = (ast.If, ast.For, ast.While, ast.Try, ast.With)


def rewrite(tree: ast.FunctionDef, fn, fresh: Callable[[str], str], where) -> None:
    """Rewrite `tree` (and each nested `def`, a scope of its own) in place as the module
    docstring says; `fn` is the function `tree` is the source of (its globals and
    closure say what `partial` and `functools` are); `where(node)` gives `file:line`."""
    nodes = walk(tree)
    if not any(isinstance(n, ast.Starred) or isinstance(n, ast.Call) and (
            getattr(n.func, "id", None) == "partial" or getattr(n.func, "attr", None)
            == "partial") for n in nodes):
        return
    defs = [n for n in nodes if isinstance(n, ast.FunctionDef)]
    user = UserScope(fn) if getattr(fn, "__code__", None) is not None else None
    for scope in defs:
        _rewrite_scope(scope, user, fresh, defs, where)


def _rewrite_scope(scope: ast.FunctionDef, user, fresh, defs, where) -> None:
    bindings = _bindings(scope.body)           # name -> [(Assign, inside a block)]
    params = {a.arg for a in ast.walk(scope.args) if isinstance(a, ast.arg)}
    loads = [n for n in _own(scope.body) if isinstance(n, ast.Name)
             and isinstance(n.ctx, ast.Load)]
    inner = {n.id for d in defs if d is not scope and _inside(d, scope)
             for n in ast.walk(d) if isinstance(n, ast.Name)}
    calls = [n for n in _own(scope.body) if isinstance(n, ast.Call)]
    partials, spreads = {}, {}
    for name, found in bindings.items():
        if name in params or name in inner or not any(deep for _, deep in found):
            continue
        values = [a.value for a, _ in found]
        if _read_as_function(name, loads, calls) and _partials(values, scope, user, bindings,
                                                               where(found[-1][0]), name):
            partials[name] = _slots(name, values[0], fresh)
        elif _same_tuples(values):
            spreads[name] = len(values[0].elts)
    if partials or spreads:
        _Rewrite(partials, spreads).visit(scope)


def _own(stmts: list[ast.stmt]):
    """The nodes of `stmts`, not those of the `def`s inside them."""
    stack = list(stmts)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.Lambda, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(node))


def _inside(node: ast.FunctionDef, scope: ast.FunctionDef) -> bool:
    return any(n is node for n in ast.walk(scope)) and node is not scope


def _bindings(stmts: list[ast.stmt], deep: bool = False, out=None) -> dict:
    """Each name some statement of `stmts` stores: the statements `name = value` binding
    it, each with whether it is inside an `if`, loop, `try` or `with`; a name stored
    any other way (a loop target, `x += 1`, unpacking, an import) maps to None."""
    out = {} if out is None else out
    for stmt in stmts:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 \
                and isinstance(stmt.targets[0], ast.Name):
            found = out.setdefault(stmt.targets[0].id, [])
            if found is not None:
                found.append((stmt, deep))
            stored = [n for n in ast.walk(stmt.value) if isinstance(n, ast.Name)
                      and isinstance(n.ctx, ast.Store)]       # `(y := ...)` in the value
        elif isinstance(stmt, (ast.FunctionDef, ast.ClassDef)):
            out[stmt.name] = None
            continue
        elif isinstance(stmt, _BLOCKS):         # what its header binds; its blocks below
            heads = [getattr(stmt, "target", None)] + [
                w.optional_vars for w in getattr(stmt, "items", [])]
            stored = [n for h in heads if h is not None for n in ast.walk(h)
                      if isinstance(n, ast.Name)]
            stored += [ast.Name(h.name) for h in getattr(stmt, "handlers", []) if h.name]
            stored += [n for n in ast.walk(getattr(stmt, "test", ast.Pass()))
                       if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)]
        else:
            stored = [n for n in _own([stmt]) if isinstance(n, ast.Name)
                      and isinstance(n.ctx, ast.Store)]
            stored += [ast.Name((a.asname or a.name).partition(".")[0]) for n in _own([stmt])
                       if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names]
        for name in stored:
            out[name.id] = None
        if isinstance(stmt, _BLOCKS):
            for field in ("body", "orelse", "finalbody"):
                _bindings(getattr(stmt, field, []), True, out)
            for handler in getattr(stmt, "handlers", []):
                _bindings(handler.body, True, out)
    return {k: v for k, v in out.items() if v}


def _partials(values, scope, user, bindings, where: str, name: str) -> bool:
    """Is every value a partial of one function with the same arguments? Partials that
    are not are refused."""
    if _same_partials(values, scope, user, bindings):
        return True
    if all(isinstance(v, ast.Call) and _means_partial(v.func, scope, user) for v in values):
        raise UnsupportedSyntaxError(
            f"`{name}` is bound inside an `if` or a loop to `functools.partial` objects of "
            f"different functions, or with different arguments.", where,
            fix=f"Give each partial bound to `{name}` the same function and the same "
                f"keywords (`partial(f, a=v1)`, `partial(f, a=v2)`), a function the code "
                f"does not rebind.")
    return False


def _same_partials(values, scope, user, bindings) -> bool:
    """Is every value `functools.partial(F, ...)` of one `F` the function does not
    rebind, with as many positional arguments and the same keywords?"""
    first = values[0]
    if not all(isinstance(v, ast.Call) and _means_partial(v.func, scope, user)
               and v.args and not any(isinstance(a, ast.Starred) for a in v.args)
               and all(k.arg is not None for k in v.keywords) for v in values):
        return False
    function = first.args[0]
    root = function
    while isinstance(root, ast.Attribute):
        root = root.value
    if not isinstance(root, ast.Name) or root.id in bindings or _stored(root.id, scope):
        return False
    shape = (ast.dump(function), len(first.args), [k.arg for k in first.keywords])
    return all((ast.dump(v.args[0]), len(v.args), [k.arg for k in v.keywords]) == shape
               for v in values)


def _stored(name: str, scope: ast.FunctionDef) -> bool:
    """Is `name` a parameter of `scope`, or stored in it other than by a `def`?"""
    return any(isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store)
               or isinstance(n, ast.arg) and n.arg == name for n in ast.walk(scope))


def _means_partial(func: ast.expr, scope: ast.FunctionDef, user) -> bool:
    """Does `func` (`partial`, `functools.partial`) name `functools.partial` here: by an
    import in the function, or in its globals or closure?"""
    imported = {(a.asname or a.name): (getattr(n, "module", None), a.name)
                for n in ast.walk(scope) if isinstance(n, (ast.Import, ast.ImportFrom))
                for a in n.names}
    if isinstance(func, ast.Name):
        if func.id in imported:
            return imported[func.id] == ("functools", "partial")
        return user is not None and not _stored(func.id, scope) \
            and user.get(func.id) is functools.partial
    if isinstance(func, ast.Attribute) and func.attr == "partial" \
            and isinstance(func.value, ast.Name):
        module = func.value.id
        if module in imported:
            return imported[module] == (None, "functools")
        return user is not None and not _stored(module, scope) \
            and user.get(module) is functools
    return False


def _read_as_function(name: str, loads, calls) -> bool:
    """Is `name` read only as the function of a call or as an argument of one?"""
    called = {id(c.func) for c in calls}
    passed = {id(a) for c in calls for a in c.args} | {id(k.value) for c in calls
                                                       for k in c.keywords}
    return all(id(n) in called or id(n) in passed for n in loads if n.id == name)


def _same_tuples(values) -> bool:
    return all(isinstance(v, ast.Tuple) and not any(isinstance(e, ast.Starred) for e in v.elts)
               and len(v.elts) == len(values[0].elts) for v in values)


def _slots(name: str, value: ast.Call, fresh) -> tuple:
    """(the function, the names of its positional values, keyword -> name, `partial`)."""
    positional = [fresh(f"{name}_{i}") for i in range(len(value.args) - 1)]
    keywords = {k.arg: fresh(f"{name}_{k.arg}") for k in value.keywords}
    return value.args[0], positional, keywords, value.func


class _Rewrite(ast.NodeTransformer):
    def __init__(self, partials: dict, spreads: dict):
        self.partials, self.spreads, self.entered = partials, spreads, False

    def visit_FunctionDef(self, node):
        if self.entered:
            return node                     # a scope of its own, rewritten on its own
        self.entered = True
        self.generic_visit(node)
        return node

    def visit_Assign(self, node):
        target = node.targets[0] if len(node.targets) == 1 else None
        if not isinstance(target, ast.Name) or target.id not in self.partials:
            return self.generic_visit(node)
        _, positional, keywords, _ = self.partials[target.id]
        values = node.value.args[1:] + [k.value for k in node.value.keywords]
        names = positional + [keywords[k.arg] for k in node.value.keywords]
        made = [ast.copy_location(ast.Assign([ast.Name(n, ast.Store())], self.visit(v)), node)
                for n, v in zip(names, values)]
        return made or ast.copy_location(ast.Pass(), node)

    def visit_Call(self, node):
        self.generic_visit(node)
        node.args = [p for a in node.args for p in self._spread(a)]
        node.args = [self._passed(a) for a in node.args]
        node.keywords = [ast.keyword(k.arg, self._passed(k.value)) for k in node.keywords]
        if isinstance(node.func, ast.Name) and node.func.id in self.partials:
            function, positional, keywords, _ = self.partials[node.func.id]
            given = {k.arg for k in node.keywords}
            node.func = copy.deepcopy(function)
            node.args = [ast.Name(n, ast.Load()) for n in positional] + node.args
            node.keywords = [ast.keyword(k, ast.Name(n, ast.Load()))
                             for k, n in keywords.items() if k not in given] + node.keywords
            ast.fix_missing_locations(ast.copy_location(node, node))
        return node

    def _spread(self, arg: ast.expr) -> list[ast.expr]:
        if isinstance(arg, ast.Starred) and isinstance(arg.value, ast.Name) \
                and arg.value.id in self.spreads:
            return [ast.copy_location(ast.Subscript(ast.Name(arg.value.id, ast.Load()),
                                                    ast.Constant(i), ast.Load()), arg)
                    for i in range(self.spreads[arg.value.id])]
        return [arg]

    def _passed(self, arg: ast.expr) -> ast.expr:
        if not (isinstance(arg, ast.Name) and arg.id in self.partials):
            return arg
        function, positional, keywords, partial = self.partials[arg.id]
        made = ast.Call(copy.deepcopy(partial), [copy.deepcopy(function)] + [
            ast.Name(n, ast.Load()) for n in positional], [
            ast.keyword(k, ast.Name(n, ast.Load())) for k, n in keywords.items()])
        return ast.fix_missing_locations(ast.copy_location(made, arg))
