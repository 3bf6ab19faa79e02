"""Which names hold Python lists or tuples of values, read off a normalized
function: an analysis the adjoint plan and forward mode share, and the two
questions about list operations they both ask.

A name holds a list when kind inference says so, when it is assigned a list
written out (`[a, b]`), a list-making call (`list(g)`, `rt.split_like`) or a
tuple a transform returns, when it is appended to or popped from, or when it
is a copy, a slice, a zero (`rt.zeros_like`), or a `+`/`*`/`rt.add_each` of a
name that holds one (`rt.add_each` of arrays is an array). Its adjoint (or
tangent) is then a list, combined element by element.
"""
from __future__ import annotations

import ast

from .. import runtime as rt
from ..errors import NoRuleError
from .build import is_append, is_method_call
from .kinds import UNKNOWN, expr_kind
from .trees import walk


def sequences_in(body, kinds, ns) -> set[str]:
    """Names that hold Python lists or tuples of values (forward mode asks it too)."""
    out = {n for n, k in kinds.items() if k.dtype == "O" and k.item is not None}
    made_of = []        # (name, its names or the value naming them: a list if one of them is)
    written: dict[str, list] = {}                # a list written out: its elements, each time
    for node in (n for s in body for n in walk(s)):
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            value = node.value
            if isinstance(value, (ast.List, ast.Tuple)) or _makes_list(value, kinds, ns) \
                    or isinstance(value, ast.Call) and _returns_tuple(ns.value(value.func)):
                out.add(node.targets[0].id)
                if isinstance(value, (ast.List, ast.Tuple)):
                    written.setdefault(node.targets[0].id, []).append(value.elts)
            elif _items_of(value, written):      # `a = xs[0]` of `xs = [ys, 2.0]`: ys's
                made_of.append((node.targets[0].id, _items_of(value, written)))
            else:                                # (its names found below, if asked)
                made_of.append((node.targets[0].id, value))
        elif isinstance(node, ast.Call) and is_method_call(node, "pop"):
            out.add(node.func.value.id)
        elif isinstance(node, ast.Expr) and is_append(node.value):
            out.add(node.value.func.value.id)
    if not out:                                  # no list: none made of one
        return out
    made_of = [(target, sources if isinstance(sources, list) else _made_of(sources, kinds, ns))
               for target, sources in made_of]
    grown = True
    while grown:                                 # a copy of a list is a list
        grown = False
        for target, sources in made_of:
            if target not in out and any(s in out for s in sources):
                out.add(target)
                grown = True
    return out


def maybe_sequences(body, kinds, ns) -> set[str]:
    """Names of unknown kind that are read by constant index (`_1[0]`), or made by
    `rt.add_each` (a list where one of its arguments is, an array where they are): a
    tuple a user's primitive returns may be among the first, a list not known as one
    among the second, so their adjoints are joined with `rt.add_each` (which adds arrays
    as `+` does, and lists element by element)."""
    out = set()
    for node in (n for s in body for n in walk(s)):
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) \
                and isinstance(node.slice, ast.Constant) and type(node.slice.value) is int:
            out.add(node.value.id)
        elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) \
                and isinstance(node.value, ast.Call) and ns.value(node.value.func) is rt.add_each:
            out.add(node.targets[0].id)
    return {n for n in out if kinds.get(n, UNKNOWN).dtype is None}


def _items_of(value, written) -> list[str]:
    """The names `xs[k]` may read when `xs` was written out (`xs = [ys, 2.0]`) and `k` is
    a constant: what may be a list among items of other kinds, which kinds cannot tell."""
    if not (isinstance(value, ast.Subscript) and isinstance(value.value, ast.Name)
            and isinstance(value.slice, ast.Constant) and type(value.slice.value) is int):
        return []
    k = value.slice.value
    return [elts[k].id for elts in written.get(value.value.id, ())
            if -len(elts) <= k < len(elts) and isinstance(elts[k], ast.Name)]


def _made_of(value, kinds, ns) -> list[str]:
    """The names `value` is a list whenever one of them is: `a`, `a[i:j]`,
    `rt.zeros_like(a)`, `rt.unpack_like(g, a)`, `rt.add_each(a, b)`, `a + b` and `a * n`
    (but not where an operand is known to be an array, or a number other than a Python
    int, which repeats a list)."""
    if isinstance(value, ast.Name):
        return [value.id]
    if isinstance(value, ast.Subscript) and isinstance(value.slice, ast.Slice) \
            and isinstance(value.value, ast.Name):
        return [value.value.id]
    if isinstance(value, ast.Call) and value.args and isinstance(value.args[-1], ast.Name) \
            and ns.value(value.func) in (rt.zeros_like, rt.unpack_like):
        return [value.args[-1].id]
    if isinstance(value, ast.Call) and ns.value(value.func) is rt.add_each:
        return [a.id for a in value.args if isinstance(a, ast.Name)]
    if isinstance(value, ast.BinOp) and isinstance(value.op, (ast.Add, ast.Mult)):
        operands = [expr_kind(n, kinds, ns) for n in (value.left, value.right)]
        if isinstance(value.op, ast.Mult) and any(k.py and k.dtype in ("i", "b")
                                                  for k in operands):
            return [n.id for n in (value.left, value.right) if isinstance(n, ast.Name)]
        if any(k.known and k.dtype != "O" and not isinstance(n, (ast.List, ast.Tuple))
               for k, n in zip(operands, (value.left, value.right))):
            return []
        return [n.id for n in (value.left, value.right) if isinstance(n, ast.Name)]
    return []


def refuse_iterator(value: ast.expr, prim, active, where) -> None:
    """`zip`, `enumerate` and `reversed` are differentiated as a `for` loop's iterable
    only: anywhere else, over values that carry a derivative (also items of a list
    written out: `zip([x[0], x[1]], names)`), they are refused."""
    def carries(node) -> bool:
        return active(node) if not isinstance(node, (ast.List, ast.Tuple)) \
            else any(carries(e) for e in node.elts)
    if prim.fn in (zip, enumerate, reversed) and any(carries(a) for a in value.args):
        raise NoRuleError(f"`{ast.unparse(value)}` is differentiated only as the iterable "
                          f"of a `for` loop.", where,
                          fix="Loop over it directly, or index the list (`xs[::-1]` for "
                              "`reversed(xs)`).")


def joins_lists(stmt: ast.Assign, is_list, sequences) -> bool:
    """Is `stmt`'s value a `+` or `*` of lists (`is_list(node)`), which joins or repeats
    them, its target a list (`sequences`; not `x * [1.0, 0.0]` of an array `x`)?"""
    value = stmt.value
    return isinstance(value, ast.BinOp) and isinstance(value.op, (ast.Add, ast.Mult)) \
        and any(is_list(n) for n in (value.left, value.right)) \
        and isinstance(stmt.targets[0], ast.Name) and stmt.targets[0].id in sequences


def _numpy_value(node, kinds, ns) -> bool:
    """Is `node` known to be a NumPy array or number (which takes a list as an array)?"""
    kind = expr_kind(node, kinds, ns)
    return kind.known and kind.dtype not in (None, "O") and kind.py is False


_LIST_MAKERS = ("list", "tuple", "split_like", "values_of", "keys_of", "items_of",
                "dict_values")


def _makes_list(value, kinds, ns) -> bool:
    """`[0.0] * n`, `[a] + ys`, `list(g)`, `tuple(g)`, `rt.split_like(...)`, a dict's
    `rt.values_of(d)` (`d.values()`, also `keys_of`, `items_of`, `dict_values`), `rt.add_each`
    of a list written out: values that are Python lists or tuples (not `x * [1.0, 0.0]` of an
    array `x`, NumPy's product)."""
    if isinstance(value, ast.BinOp) and isinstance(value.op, (ast.Add, ast.Mult)):
        return any(isinstance(a, (ast.List, ast.Tuple)) and not _numpy_value(b, kinds, ns)
                   for a, b in ((value.left, value.right), (value.right, value.left)))
    if isinstance(value, ast.Call):
        func = value.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        return name in _LIST_MAKERS or name == "add_each" \
            and any(isinstance(a, (ast.List, ast.Tuple)) for a in value.args)
    return False


def _returns_tuple(fn) -> bool:
    """Does this astgrad-made function return a tuple (value and derivative, ...)?"""
    made = getattr(fn, "_astgrad", None)
    return made is not None and (made.mode in ("jvp", "value_and_grad")
                                 or made.mode == "grad" and made.as_tuple)
