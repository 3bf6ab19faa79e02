"""Which names hold a value that stays the same wherever it is read, and which
calls are pure: what `common` needs to know before two equal expressions may be
computed once.

A name is *stable* when it is assigned once, at the top of a top block (or is a
parameter), and nothing may change its object in place: not a write into it
(`x[i] = v`, `x += v`), not a call that may write into its arguments (`xs.append`,
`np.add.at`, a user function), not a write through another name that may share
its memory (`v = x[1:]; v[0] = 1`), and it is not returned (a caller may write into
what it gets back). Sharing memory is followed through every expression that may
give back (part of) an operand: a subscript, a view, a container, an unknown call;
arithmetic on numbers and arrays and a ufunc give a new value.
"""
from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass

import numpy as np

from ... import runtime
from ..scope import MISSING
from ..trees import parts, statements, walk
from .analyses import Facts, Survey, survey

# NumPy functions that write into an argument (ufuncs' `.at` are methods, caught by name).
_NUMPY_WRITERS = frozenset(getattr(np, n) for n in (
    "copyto", "put", "place", "putmask", "fill_diagonal", "put_along_axis")
    if hasattr(np, n))
# NumPy functions that always give a new array (or number).
_NUMPY_FRESH = frozenset(getattr(np, n) for n in (
    "array", "concatenate", "copy", "cumprod", "cumsum", "dot", "full", "full_like", "inner",
    "kron", "mean", "ndim", "ones", "ones_like", "outer", "prod", "repeat", "shape", "size",
    "stack", "sum", "tensordot", "tile", "where", "zeros", "zeros_like") if hasattr(np, n)) \
    | {runtime.windows_added, runtime.unpad_copies}      # (adjoints added into new arrays)
# NumPy functions whose result is not a function of their arguments alone.
_NUMPY_IMPURE = frozenset(getattr(np, n) for n in ("empty", "empty_like") if hasattr(np, n))
# Functions that give back their first argument, a view of it or a new array, never
# another argument (the others give a shape, axes).
_GIVE_FIRST = frozenset({runtime.unbroadcast, runtime.sum_to, runtime.shaped_like,
                         runtime.broadcast_like} | {getattr(np, n) for n in (
                             "asarray", "asanyarray", "broadcast_to", "diagonal",
                             "expand_dims", "flip", "moveaxis", "ravel", "real", "imag",
                             "reshape", "squeeze", "swapaxes", "transpose") if hasattr(np, n)})
# Builtins and methods that never write into their arguments or their object.
_SAFE_BUILTINS = frozenset(getattr(builtins, n) for n in (
    "abs", "bool", "complex", "dict", "enumerate", "float", "int", "isinstance", "len",
    "list", "max", "min", "pow", "range", "reversed", "round", "sorted", "sum", "tuple",
    "zip"))
# Methods that change a list or a dict, not the items it holds.
_CONTAINER_METHODS = frozenset({"append", "extend", "insert", "pop", "popitem", "remove",
                                "clear", "setdefault", "update"})
_SAFE_METHODS = frozenset({
    "all", "any", "astype", "conj", "conjugate", "copy", "count", "cumprod", "cumsum",
    "diagonal", "dot", "flatten", "get", "index", "item", "items", "keys", "max", "mean",
    "min", "prod", "ravel", "repeat", "reshape", "squeeze", "std", "sum", "swapaxes", "take",
    "tolist", "trace", "transpose", "values", "var"})


def pure_callee(call: ast.Call, facts: Facts) -> bool:
    """Is `call` a NumPy function or ufunc whose result depends on its arguments alone
    and that writes into nothing (no `out=`, nothing random, nothing uninitialized)?"""
    if any(k.arg in ("out", None) for k in call.keywords):
        return False
    fn = facts.ns.value(call.func)
    if isinstance(fn, np.ufunc):
        return True
    module = _module(fn)
    return (module == "numpy" or module.startswith("numpy.")) \
        and not module.startswith("numpy.random") and callable(fn) \
        and not _among(fn, _NUMPY_WRITERS | _NUMPY_IMPURE)


def _module(fn) -> str:
    module = getattr(fn, "__module__", None)
    return module if isinstance(module, str) else ""


def _among(fn, group: frozenset) -> bool:
    """`fn in group`, for a callable that may not be hashable (then it is in none)."""
    try:
        return fn in group
    except TypeError:
        return False


def fresh(node, facts: Facts) -> bool:
    """Does `node` always make a new value, sharing memory with none of its operands?"""
    if isinstance(node, (ast.BinOp, ast.UnaryOp)):    # `xs + ys` of lists shares their items
        operands = [node.operand] if isinstance(node, ast.UnaryOp) else [node.left, node.right]
        return facts.kind(node).number or any(numpy_kind(facts.kind(o)) for o in operands)
    if isinstance(node, ast.Compare):
        return True
    if not isinstance(node, ast.Call) or any(k.arg in ("out", None) for k in node.keywords):
        return False
    fn = facts.ns.value(node.func)
    return isinstance(fn, np.ufunc) or _among(fn, _NUMPY_FRESH)


def numpy_kind(kind) -> bool:
    """A NumPy number or array: any arithmetic with it makes a NumPy value."""
    return kind.number and kind.py is False and kind.ndim is not None


def shared(node, facts: Facts) -> set[str]:
    """The names whose objects the value of `node` may be, or hold, or view."""
    if isinstance(node, ast.Name):
        return {node.id}
    if fresh(node, facts):
        return set()
    if isinstance(node, ast.Call) and node.args and not node.keywords \
            and _among(facts.ns.value(node.func), _GIVE_FIRST):
        return shared(node.args[0], facts)    # the others give only a shape
    out = set()
    for child in _children(node):
        out |= shared(child, facts)
    return out


def _children(node):
    for field in parts(node):
        value = getattr(node, field, None)
        if value.__class__ is list:
            yield from (v for v in value if isinstance(v, ast.AST))
        elif isinstance(value, ast.AST):
            yield value


@dataclass(frozen=True)
class Sharing:
    """What `stable` finds: `stable` names; names whose objects may be `changed` in place
    (written into, or a list refilled); names whose objects may be `returned`; and
    whether a pullback may read values `after` the function has returned."""

    stable: set[str]
    changed: set[str]
    returned: set[str]
    after: bool


# The nodes `stable` reads: `_written`, `_refilled`, `_group` and returns.
_SEEN = frozenset({ast.Assign, ast.AugAssign, ast.Delete, ast.For, ast.Call, ast.Return})


def stable(fn: ast.FunctionDef, facts: Facts, known: Survey | None = None) -> Sharing:
    """The `Sharing` of `fn`. A returned value may be read on the way out; where a
    pullback (a nested `def`) may read it after the function has returned, and its
    caller written into it, it is not stable."""
    written, refilled, returned, groups = set(), set(), set(), []
    nodes = walk(fn) if facts.calls is None else statements(fn) + facts.calls   # (sets:
    for node in nodes:                                                        # any order)
        if node.__class__ not in _SEEN:
            continue                     # (nothing below asks anything of other nodes)
        written |= _written(node, facts)
        refilled |= _refilled(node)
        if isinstance(node, ast.Return) and node.value is not None:
            returned |= shared(node.value, facts)
        group = _group(node, facts)
        if group:
            groups.append(group)
    changed, returned = _close(written, groups) | refilled, _close(returned, groups)
    known = known or survey(fn)
    once = {n for n in known.top if known.defs.get(n) == 1} - changed
    after = any(isinstance(s, ast.FunctionDef) for s in fn.body)
    if after:
        once -= returned
    return Sharing(once, changed, returned, after)


def _close(names: set[str], groups: list[set[str]]) -> set[str]:
    """`names` and every name sharing memory with one of them (sharing is catching)."""
    names, grown = set(names), True
    while grown:
        grown = False
        for group in groups:
            if group & names and not group <= names:
                names |= group
                grown = True
    return names


def _refilled(node) -> set[str]:
    """The list or dict `node` changes without writing into its items (`stack.pop()`)."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
            and node.func.attr in _CONTAINER_METHODS and isinstance(node.func.value, ast.Name):
        return {node.func.value.id}
    return set()


def _written(node, facts: Facts) -> set[str]:
    """The names whose objects `node` itself may write into."""
    if isinstance(node, ast.Assign):
        return {n for t in node.targets for n in _bases(t, False)}
    if isinstance(node, (ast.AugAssign, ast.Delete)):
        targets = [node.target] if isinstance(node, ast.AugAssign) else node.targets
        return {n for t in targets for n in _bases(t, True)}
    if isinstance(node, ast.For):
        return _bases(node.target, False)
    if isinstance(node, ast.Call) and _may_write(node, facts) and not _refilled(node):
        out = set()
        for arg in [*node.args, *(k.value for k in node.keywords)]:
            out |= shared(arg, facts)
        if isinstance(node.func, ast.Attribute):
            out |= shared(node.func.value, facts)
        return out
    return set()


def _bases(target, names_too: bool) -> set[str]:
    """The names a store into `target` writes into: the object under a subscript or an
    attribute (and a bare name itself when `names_too`: `x += v` writes into `x`)."""
    if isinstance(target, (ast.Tuple, ast.List)):
        return {n for e in target.elts for n in _bases(e, names_too)}
    if isinstance(target, ast.Starred):
        return _bases(target.value, names_too)
    if isinstance(target, ast.Name):
        return {target.id} if names_too else set()
    if isinstance(target, (ast.Subscript, ast.Attribute)):
        return {n.id for n in walk(target.value) if n.__class__ is ast.Name}
    return set()


def _may_write(call: ast.Call, facts: Facts) -> bool:
    """May `call` write into its arguments or its object?"""
    if isinstance(call.func, ast.Attribute) and call.func.attr == "at":
        return True                                   # np.add.at(x, i, v)
    fn = facts.ns.value(call.func)
    if any(k.arg == "out" for k in call.keywords):
        return True
    if isinstance(fn, np.ufunc) or _among(fn, _SAFE_BUILTINS):
        return False
    module = _module(fn)
    if module == "numpy" or module.startswith("numpy."):
        return _among(fn, _NUMPY_WRITERS)
    if module.startswith(runtime.__name__):
        return False                                  # the helpers write into nothing given
    # a method of a local value (`ns` does not know it) that reads its object only
    return not (fn is MISSING and isinstance(call.func, ast.Attribute)
                and call.func.attr in _SAFE_METHODS)


def _group(node, facts: Facts) -> set[str]:
    """Names that may share memory after `node`: an assignment's targets with what its
    value shares, a loop's target with what it iterates over."""
    if isinstance(node, ast.Assign):
        names = {n.id for t in node.targets for n in walk(t) if n.__class__ is ast.Name}
        return names | shared(node.value, facts)
    if isinstance(node, ast.For):
        return {n.id for n in walk(node.target) if n.__class__ is ast.Name} \
            | shared(node.iter, facts)
    if isinstance(node, ast.AugAssign):
        return {n.id for n in walk(node.target) if n.__class__ is ast.Name} \
            | shared(node.value, facts)
    return set()
