"""Dict literals inside the function (part of the resolve pass): `{"a": x, "b": y}`
becomes `rt.dict_of(("a", "b"), [x, y])`, whose values are a list, so their
adjoints and tangents follow them as a list's do; the dict itself is then read
and differentiated like a dict argument (`d["a"]`, `bd["a"]`). A loop over a dict
(`for k in d:`) loops over `rt.keys_of(d)`, its keys in insertion order. `{**d, "a": x}`
is `rt.dict_of(rt.keys_of(d) + ["a"], rt.values_of(d) + [x])`, and `sorted(d)`,
`list(d)`, `max(d)` read its keys (`rt.keys_of(d)`), and `d.copy()` and `dict(d, a=x)` of such a dict are `{**d}` and
`{**d, "a": x}` (`np.copy`, the array method's meaning, would make an array of it)."""
from __future__ import annotations

import ast
import copy

import numpy as np

from .. import runtime
from ..errors import UnsupportedSyntaxError
from .trees import statements, walk


def lower(tree: ast.FunctionDef, ns, where, dict_params=frozenset()) -> None:
    """Rewrite every dict literal of `tree` in place, and every loop over a dict: one
    made in the function, or a parameter in `dict_params` (a dict argument)."""
    if any(n.__class__ is ast.Dict for n in walk(tree)):    # (most functions make none)
        _Literals(ns, where).visit(tree)
    params = set(dict_params) & {a.arg for a in tree.args.args}
    dicts = _made_dicts(tree, params, ns)
    if not dicts:                     # no dict: no copy of one, no loop over one
        return
    while _copies_as_dicts(tree, dicts, ns, where):    # `e = d.copy()`, then `e.copy()` of it
        dicts = _made_dicts(tree, params, ns)
    for node in walk(tree):
        _refuse_slice_store(node, dicts, where)
        if isinstance(node, ast.For):
            node.iter = _keys_of(node.iter, dicts, ns)
        elif isinstance(node, ast.Call) and node.args and ns.value(node.func) in _OF_KEYS:
            node.args[0] = _keys_of(node.args[0], dicts, ns)   # `sorted(d)`: its keys


def _refuse_slice_store(node: ast.AST, dicts: set, where) -> None:
    """`d[a:b] = v` of a dict: what `list_methods` makes of `del d[k]`, `d.pop(k)` and
    `d.clear()`, which take the list's items out by position, not a dict's by key."""
    if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Subscript) \
            and isinstance(node.targets[0].slice, ast.Slice) \
            and isinstance(node.targets[0].value, ast.Name) and node.targets[0].value.id in dicts:
        d = node.targets[0].value.id
        raise UnsupportedSyntaxError(
            f"taking items out of the dict `{d}` (`del {d}[k]`, `{d}.pop(k)`, `{d}.clear()`) "
            f"is not supported.", where(node),
            fix=f"Build the dict again without them: `{d} = {{k: v for k, v in {d}.items() "
                f"if k != key}}`.")


def _made_dicts(tree: ast.FunctionDef, params: set, ns) -> set[str]:
    """The names every assignment of which makes a dict (`rt.dict_of(...)`), and the
    dict parameters never assigned."""
    made: dict[str, bool] = {p: True for p in params}
    for node in walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.For)) else []
        for target in targets:
            for name in (n for n in ast.walk(target)
                         if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)):
                is_dict = isinstance(node, ast.Assign) and target is name \
                    and isinstance(node.value, ast.Call) \
                    and (ns.value(node.value.func) is runtime.dict_of
                         or _gradient_of(node.value, ns) in params)
                made[name.id] = made.get(name.id, name.id not in params) and is_dict
    return {name for name, ok in made.items() if ok}


def _gradient_of(value: ast.Call, ns) -> str | None:
    """The name `value`, a call of `ag.grad(f)` (one argument differentiated), passes as
    that argument: its gradient has that argument's structure (a dict's keys)."""
    made = getattr(ns.value(value.func), "_astgrad", None)
    if made is None or made.mode != "grad" or made.as_tuple or len(made.wrt) != 1 \
            or value.keywords:
        return None
    params = list(made.signature.parameters)
    at = params.index(made.wrt[0]) if made.wrt[0] in params else len(value.args)
    arg = value.args[at] if at < len(value.args) else None
    return arg.id if isinstance(arg, ast.Name) else None


# Builtins that read a dict as the sequence of its keys (`sorted(d)`, `list(d)`, `max(d)`).
_OF_KEYS = (sorted, list, tuple, max, min, set, frozenset)


def _copies_as_dicts(tree: ast.FunctionDef, dicts: set, ns, where) -> bool:
    """`d.copy()` (resolved to `np.copy(d)`) and `dict(d, a=x)` of a dict `d`: `{**d}` and
    `{**d, "a": x}`, as `_Literals` writes them. Did any change?"""
    def is_copy(value):
        return isinstance(value, ast.Call) and ns.value(value.func) in (np.copy, dict) \
            and len(value.args) == 1 and isinstance(value.args[0], ast.Name) \
            and value.args[0].id in dicts and all(k.arg is not None for k in value.keywords) \
            and (not value.keywords or ns.value(value.func) is dict)

    def merged(call):
        literal = ast.Dict([None] + [ast.Constant(k.arg) for k in call.keywords],
                           [call.args[0]] + [k.value for k in call.keywords])
        return ast.copy_location(_Literals(ns, where).visit_Dict(literal), call)
    changed = False
    for node in walk(tree):
        for field, value in ast.iter_fields(node):
            if is_copy(value):
                setattr(node, field, merged(value))
                changed = True
            elif isinstance(value, list) and any(is_copy(v) for v in value):
                setattr(node, field, [merged(v) if is_copy(v) else v for v in value])
                changed = True
    return changed


def _keys_of(iterable: ast.expr, dicts: set, ns) -> ast.expr:
    """`d` -> `rt.keys_of(d)`, also as an argument of `enumerate`, `zip`, `reversed`."""
    if isinstance(iterable, ast.Name) and iterable.id in dicts:
        return ast.copy_location(ast.Call(ns.ref(runtime.keys_of), [iterable], []), iterable)
    if isinstance(iterable, ast.Call) and ns.value(iterable.func) in (enumerate, zip, reversed):
        iterable.args = [_keys_of(a, dicts, ns) for a in iterable.args]
    return iterable


class _Literals(ast.NodeTransformer):
    def __init__(self, ns, where):
        self.ns, self.where = ns, where

    def visit_Dict(self, node: ast.Dict):
        self.generic_visit(node)
        if all(k is not None for k in node.keys):
            keys, values = ast.Tuple(node.keys, ast.Load()), ast.List(node.values, ast.Load())
        else:
            keys, values = self._merged(node)
        call = ast.Call(self.ns.ref(runtime.dict_of), [keys, values], [])
        return ast.copy_location(call, node)

    def _merged(self, node: ast.Dict) -> tuple[ast.expr, ast.expr]:
        """`{**d, "W": w}`: the keys `rt.keys_of(d) + ["W"]` and the values
        `rt.values_of(d) + [w]` (a later key replaces an earlier one, see `rt.dict_values`)."""
        keys: list[ast.expr] = []
        values: list[ast.expr] = []
        for k, v in zip(node.keys, node.values):
            if k is not None:
                if keys and isinstance(keys[-1], ast.List):
                    keys[-1].elts.append(k)
                    values[-1].elts.append(v)
                else:
                    keys.append(ast.List([k], ast.Load()))
                    values.append(ast.List([v], ast.Load()))
                continue
            if not isinstance(v, ast.Name):
                raise UnsupportedSyntaxError(
                    "`**` of an expression in a dict literal is not supported.",
                    self.where(v), fix="Name the dict first: `d = ...` then `{**d, ...}`.")
            keys.append(ast.Call(self.ns.ref(runtime.keys_of), [v], []))
            values.append(ast.Call(self.ns.ref(runtime.values_of), [copy.deepcopy(v)], []))
        return _joined(keys), _joined(values)


def _joined(parts: list[ast.expr]) -> ast.expr:
    out = parts[0]
    for part in parts[1:]:
        out = ast.BinOp(out, ast.Add(), part)
    return out


# The runtime helpers that return a dict, and those that return one when their first
# argument is one (an adjoint made or updated from a dict's).
_MAKE_DICT = ("rt.dict_of", "rt.dict_like", "rt.items_adjoint")
_KEEP_DICT = ("rt.zeros_like", "rt.add_each")


def dict_names(body: list, kinds: dict | None = None) -> set[str]:
    """Names of a normalized function that hold dicts made in it (a literal, or the
    adjoint of one) or, by `kinds`, passed to it (and those made from them): the saving
    pass copies and puts back their items as a dict's."""
    out: set[str] = {n for n, k in (kinds or {}).items() if is_dict_kind(k)}
    grown = True
    while grown:
        grown = False
        for node in (n for s in body for n in statements(s)):
            if not isinstance(node, ast.Assign) or not isinstance(node.targets[0], ast.Name) \
                    or node.targets[0].id in out:
                continue
            value = node.value
            func = _rt_name(value)
            if func in _MAKE_DICT or func in _KEEP_DICT and value.args \
                    and isinstance(value.args[0], ast.Name) and value.args[0].id in out \
                    or isinstance(value, ast.Name) and value.id in out:
                out.add(node.targets[0].id)
                grown = True
    return out


def _rt_name(value) -> str | None:
    """`"rt.f"` if `value` calls `rt.f` (what `ast.unparse` writes of its function)."""
    func = value.func if isinstance(value, ast.Call) else None
    return f"rt.{func.attr}" if isinstance(func, ast.Attribute) \
        and isinstance(func.value, ast.Name) and func.value.id == "rt" else None


def is_dict_kind(kind) -> bool:
    """Is this the kind of a dict argument? (A tuple's fields are also keyed from the
    end, by negative positions.)"""
    return bool(kind.fields) and not any(isinstance(key, int) and key < 0
                                         for key, _ in kind.fields)
