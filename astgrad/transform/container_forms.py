"""`dict(...)`, the dict methods that change or read a dict, and the list methods that
reorder or grow a list, written in the forms the compiler differentiates (part of the
syntax pass, run before `hoist`, so the comprehensions made here are written out with
the user's):

* `dict(a=x, b=y)` becomes `{"a": x, "b": y}`; `dict({...}, a=x)` `{**{...}, "a": x}`;
  `dict([("a", x), ("b", y)])` `{"a": x, "b": y}`; `dict(pairs)` of a call or a
  comprehension (`zip(keys, values)`, `d.items()`, ...) `{k: v for k, v in pairs}`
  (`dict(d)` of a name, which may be a dict or a list of pairs, is left to `dicts`, which
  knows the dicts);
* `f(**{"a": x})` becomes `f(a=x)`;
* on a local name `d`: `d.get(k, default)` (`k` a constant or a name) becomes
  `d[k] if k in d else default`; the statement `d.update(e)` (a dict literal, keywords,
  or a name) the item writes `d["a"] = x` (for a name, a loop over its items); and
  `d.setdefault(k, v)`, a statement or assigned (`w = d.setdefault(k, v)`),
  `if k not in d: d[k] = v` (then `w = d[k]`);
* on a local name `xs`, as statements: `xs.sort(key=f, reverse=r)` becomes
  `xs[:] = sorted(xs, key=f, reverse=r)` (a list, or a 1-d array, changed in place as
  `sort` changes it, so another name holding it sees it sorted); `xs.reverse()`
  `xs[:] = xs[::-1]`; `xs.extend(ys)` an `xs.append` of each item (written out for a
  list literal, else a loop over `ys`).

Every other call is left exactly as it was: `d.get` with a computed key, an
`update` with `**` or of an expression, are refused later by name, as before. A
`default` is evaluated only where the key is missing (Python evaluates it always; it
is a value, so only a side effect in it could tell)."""
from __future__ import annotations

import ast
import builtins
import copy
from typing import Callable

from .scope import local_names
from .trees import rewrite_blocks, walk


def rewrite(tree: ast.FunctionDef, fn, fresh: Callable[[str], str]) -> None:
    """Rewrite `tree`'s (and its nested defs') `dict(...)` calls and dict methods in
    place, `fn` the function `tree` is the source of (its globals say what `dict` is)."""
    nodes = walk(tree)
    if not any(isinstance(n, ast.Attribute) and n.attr in _METHODS
               or isinstance(n, ast.Name) and n.id == "dict"
               or isinstance(n, ast.keyword) and isinstance(n.value, ast.Dict) for n in nodes):
        return
    local = local_names(tree)
    builtin = _is_builtin("dict", fn, local)
    _Calls(lambda node: builtin and isinstance(node, ast.Name) and node.id == "dict",
           local).visit(tree)
    how = _Statements(local, fresh, _is_builtin("sorted", fn, local))
    rewrite_blocks(tree.body, how.rewrite)


_METHODS = ("get", "update", "setdefault", "sort", "reverse", "extend")


def _is_builtin(name: str, fn, local: set) -> bool:
    """Does `name` mean the builtin of that name in `fn`'s code?"""
    code = getattr(fn, "__code__", None)
    return name not in local and name not in (code.co_freevars if code else ()) \
        and getattr(fn, "__globals__", {}).get(name, getattr(builtins, name)) \
        is getattr(builtins, name)


class _Calls(ast.NodeTransformer):
    """`dict(...)` and `d.get(...)` in expressions."""

    def __init__(self, is_dict: Callable, local: set):
        self.is_dict, self.local = is_dict, local

    def visit_Call(self, node: ast.Call):
        self.generic_visit(node)
        node.keywords = [k for kw in node.keywords for k in _spread(kw)]
        if self.is_dict(node.func):
            made = _dict_call(node)
        elif _method_of_local(node, "get", self.local) and 1 <= len(node.args) <= 2 \
                and not node.keywords and _repeatable(node.args[0]):
            d, key = node.func.value, node.args[0]
            default = node.args[1] if len(node.args) == 2 else ast.Constant(None)
            made = ast.IfExp(ast.Compare(copy.deepcopy(key), [ast.In()], [copy.deepcopy(d)]),
                             ast.Subscript(d, key, ast.Load()), default)
        else:
            return node
        return node if made is None else ast.fix_missing_locations(
            ast.copy_location(made, node))


def _spread(kw: ast.keyword) -> list[ast.keyword]:
    """`**{"a": x, "b": y}` in a call: the keywords `a=x, b=y` (keys written as strings)."""
    if kw.arg is None and isinstance(kw.value, ast.Dict) and all(
            isinstance(k, ast.Constant) and isinstance(k.value, str) and k.value.isidentifier()
            for k in kw.value.keys):
        return [ast.copy_location(ast.keyword(k.value, v), kw)
                for k, v in zip(kw.value.keys, kw.value.values)]
    return [kw]


def _dict_call(node: ast.Call) -> ast.expr | None:
    if any(isinstance(a, ast.Starred) for a in node.args) or len(node.args) > 1:
        return None
    named = [(ast.Constant(k.arg) if k.arg is not None else None, k.value)
             for k in node.keywords]
    if not node.args:
        pass
    elif isinstance(node.args[0], ast.Dict):
        named.insert(0, (None, node.args[0]))
    elif _literal_pairs(node.args[0]):
        named[:0] = [tuple(e.elts) for e in node.args[0].elts]
    elif isinstance(node.args[0], (ast.Call, ast.ListComp, ast.GeneratorExp)):
        pairs = _pairs(node.args[0])
        if not named:
            return pairs
        named.insert(0, (None, pairs))
    else:
        return None
    return ast.Dict([k for k, _ in named], [v for _, v in named])


def _literal_pairs(node: ast.expr) -> bool:
    return isinstance(node, (ast.List, ast.Tuple)) and all(
        isinstance(e, (ast.Tuple, ast.List)) and len(e.elts) == 2
        and not any(isinstance(x, ast.Starred) for x in e.elts) for e in node.elts)


def _pairs(iterable: ast.expr) -> ast.DictComp:
    """`{k: v for k, v in pairs}` (its variables renamed by `hoist`, as a user's are)."""
    target = ast.Tuple([ast.Name("k", ast.Store()), ast.Name("v", ast.Store())], ast.Store())
    return ast.DictComp(ast.Name("k", ast.Load()), ast.Name("v", ast.Load()),
                        [ast.comprehension(target, iterable, [], 0)])


def _method_of_local(node, name: str, local: set) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
        and node.func.attr == name and isinstance(node.func.value, ast.Name) \
        and node.func.value.id in local


def _repeatable(node: ast.expr) -> bool:
    """A key that may be evaluated twice: a constant or a name."""
    return isinstance(node, (ast.Constant, ast.Name))


class _Statements:
    """What the statement rewrites need: the local names, fresh names, and whether
    `sorted` is the builtin."""

    def __init__(self, local: set, fresh, sorted_is_builtin: bool):
        self.local, self.fresh, self.sorted_is_builtin = local, fresh, sorted_is_builtin

    def rewrite(self, stmt: ast.stmt) -> list[ast.stmt] | None:
        return _update(stmt, self.local, self.fresh) or _setdefault(stmt, self.local) \
            or _reordered(stmt, self.local, self.sorted_is_builtin) \
            or _extend(stmt, self.local, self.fresh)


def _update(stmt: ast.stmt, local: set, fresh) -> list[ast.stmt] | None:
    if not (isinstance(stmt, ast.Expr) and _method_of_local(stmt.value, "update", local)):
        return None
    call, d = stmt.value, stmt.value.func.value.id
    if len(call.args) > 1 or any(k.arg is None for k in call.keywords):
        return None
    items = [(ast.Constant(k.arg), k.value) for k in call.keywords]
    out: list[ast.stmt] = []
    arg = call.args[0] if call.args else None
    if isinstance(arg, ast.Dict) and all(k is not None for k in arg.keys):
        items[:0] = list(zip(arg.keys, arg.values))
    elif isinstance(arg, ast.Name):
        k, v = fresh("k"), fresh("v")
        out.append(ast.For(
            ast.Tuple([ast.Name(k, ast.Store()), ast.Name(v, ast.Store())], ast.Store()),
            ast.Call(ast.Attribute(arg, "items", ast.Load()), [], []),
            [_write(d, ast.Name(k, ast.Load()), ast.Name(v, ast.Load()))], []))
    elif arg is not None:
        return None
    if any(isinstance(n, ast.Name) and n.id == d for item in items for part in item
           for n in ast.walk(part)):            # `d.update(a=d["b"], b=d["a"])`: read first
        names = [fresh("v") for _ in items]
        out += [ast.Assign([ast.Name(n, ast.Store())], v) for n, (_, v) in zip(names, items)]
        items = [(k, ast.Name(n, ast.Load())) for n, (k, _) in zip(names, items)]
    return out + [_write(d, k, v) for k, v in items] or [ast.Pass()]


def _setdefault(stmt: ast.stmt, local: set) -> list[ast.stmt] | None:
    value = stmt.value if isinstance(stmt, (ast.Expr, ast.Assign)) else None
    if not _method_of_local(value, "setdefault", local) or len(value.args) != 2 \
            or value.keywords or not _repeatable(value.args[0]) \
            or isinstance(stmt, ast.Assign) and not (
                len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)):
        return None
    d, (key, default) = value.func.value.id, value.args
    missing = ast.Compare(copy.deepcopy(key), [ast.NotIn()], [ast.Name(d, ast.Load())])
    out: list[ast.stmt] = [ast.If(missing, [_write(d, copy.deepcopy(key), default)], [])]
    if isinstance(stmt, ast.Assign):
        out.append(ast.Assign(stmt.targets, ast.Subscript(ast.Name(d, ast.Load()), key,
                                                          ast.Load())))
    return out


def _reordered(stmt: ast.stmt, local: set, sorted_is_builtin: bool) -> list[ast.stmt] | None:
    """`xs.sort(key=f, reverse=r)`, `xs.reverse()`: `xs[:] = ...` (see the docstring)."""
    call = stmt.value if isinstance(stmt, ast.Expr) else None
    if _method_of_local(call, "sort", local) and sorted_is_builtin and not call.args \
            and all(k.arg in ("key", "reverse") for k in call.keywords):
        xs = call.func.value
        value: ast.expr = ast.Call(ast.Name("sorted", ast.Load()), [copy.deepcopy(xs)],
                                   call.keywords)
    elif _method_of_local(call, "reverse", local) and not call.args and not call.keywords:
        xs = call.func.value
        value = ast.Subscript(copy.deepcopy(xs), ast.Slice(None, None, ast.Constant(-1)),
                              ast.Load())
    else:
        return None
    return [ast.Assign([ast.Subscript(ast.Name(xs.id, ast.Load()), ast.Slice(), ast.Store())],
                       value)]


def _extend(stmt: ast.stmt, local: set, fresh) -> list[ast.stmt] | None:
    """`xs.extend(ys)`: `xs.append(y)` for each item (see the docstring)."""
    call = stmt.value if isinstance(stmt, ast.Expr) else None
    if not _method_of_local(call, "extend", local) or len(call.args) != 1 or call.keywords:
        return None
    xs, ys = call.func.value.id, call.args[0]
    if any(isinstance(n, ast.Name) and n.id == xs for n in ast.walk(ys)):
        return None                             # `xs.extend(xs)`: left to be refused

    def append(item):
        return ast.Expr(ast.Call(ast.Attribute(ast.Name(xs, ast.Load()), "append", ast.Load()),
                                 [item], []))
    if isinstance(ys, (ast.List, ast.Tuple)) \
            and not any(isinstance(e, ast.Starred) for e in ys.elts):
        return [append(e) for e in ys.elts] or [ast.Pass()]
    item = fresh("item")
    return [ast.For(ast.Name(item, ast.Store()), ys, [append(ast.Name(item, ast.Load()))], [])]


def _write(d: str, key: ast.expr, value: ast.expr) -> ast.Assign:
    return ast.Assign([ast.Subscript(ast.Name(d, ast.Load()), key, ast.Store())], value)
