"""Pass 5b+, view copies (after reverse, before saving): in code that is to be
differentiated again, the forward sweep's views of arrays the function writes
into are copies.

A reverse sweep puts back what each in-place write overwrote (`x[i] =
saved_x_items.pop()`), last write first, so a view `v = x[1:]` read by a rule
shows again what it showed when the forward sweep read it. That is right, but a
transform of this code cannot see it: it refuses a write into `x` while `v`,
which names the same array, is read afterwards (or was pushed to a stack). A
view the forward sweep reads only before its array changes (what the aliases
pass guarantees of the user's code) holds the same numbers as a copy made where
the view is made; so where the code is to be differentiated again
(`Request.inline_all`) such a view is made as `v = np.copy(x[1:])`.

Output: the same sweeps, where each forward-sweep assignment `v = X[...]` (or
`v = X`, or of a call `views.view_of` knows) that may give a view of an array sharing memory
with one the function writes into, and whose value the reverse sweep reads or a
stack keeps, is `v = np.copy(X[...])`, unless a write (or a call other than
NumPy's) may go into `v` or a view made from it (that write must reach `X`). An item
(`x[0]` of a vector) and a fancy index are copies already and stay as they are;
the reverse sweep's own reads are untouched.
"""
from __future__ import annotations

import ast

from .build import call
from .lattice import UNKNOWN
from .trees import walk
from .views import shares_through, view_of

__all__ = ["copy_views"]


def copy_views(fn: ast.FunctionDef, forward: list[ast.stmt], backward: list[ast.stmt],
               kinds: dict, ns) -> list:
    """`forward` with the views described in the module docstring made as copies
    (new statements; the nodes the reverse sweep holds are not changed), those that
    `backward` reads or the forward sweep pushes to a stack (under their name or one
    made from them): a view read only going forward is read before its array
    changes, and stays a view."""
    parents = _made_from(fn)
    written, maybe = _written(fn, ns)
    if not written:
        return forward
    groups = _groups(parents)
    touched = {n for n in parents if groups.get(n, {n}) & written}
    children: dict[str, set[str]] = {}
    for child, bases in parents.items():
        for base in bases:
            children.setdefault(base, set()).add(child)
    later = _read_later(forward, backward)
    chosen = {n for n in touched if _below(n, children) & later
              and not _below(n, children) & maybe}
    return _rewrite(forward, chosen, kinds, ns)


def _read_later(forward: list[ast.stmt], backward: list[ast.stmt]) -> set[str]:
    """The names the reverse sweep reads, and those the forward sweep pushes."""
    out = {n.id for s in backward for n in walk(s)
           if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    for node in (n for s in forward for n in walk(s)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr == "append":
            out |= {a.id for a in node.args if isinstance(a, ast.Name)}
    return out


def _made_from(fn: ast.FunctionDef) -> dict[str, set[str]]:
    """For each name assigned a name, an item or slice of a name, or a view call: the
    names it may share memory with."""
    out: dict[str, set[str]] = {}
    for node in walk(fn):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name):
            base = _base(node.value)
            if base is not None:
                out.setdefault(node.targets[0].id, set()).add(base)
    return out


def _base(value: ast.expr) -> str | None:
    if isinstance(value, ast.Name):
        return value.id
    if isinstance(value, ast.Subscript) and isinstance(value.value, ast.Name):
        return value.value.id
    found = view_of(value)
    return found[0] if found else None


def _written(fn: ast.FunctionDef, ns) -> tuple[set[str], set[str]]:
    """The names the function surely writes into (`x[i] = v`, `x.method(...)`,
    `np.add.at(x, ...)`, `np.copyto(x, ...)`), and those with the names any call
    other than a NumPy function's may write into."""
    surely, maybe = set(), set()
    for node in walk(fn):
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store):
            target = node.value
            while isinstance(target, ast.Subscript):
                target = target.value
            if isinstance(target, ast.Name):
                surely.add(target.id)
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
                    and not _numpy(func, ns):
                surely.add(func.value.id)        # a method may change its object
            first = node.args[0] if node.args and isinstance(node.args[0], ast.Name) else None
            if first is not None and isinstance(func, ast.Attribute) and func.attr in _WRITERS:
                surely.add(first.id)
            if not _numpy(func, ns) or isinstance(func, ast.Attribute) and func.attr in _WRITERS:
                maybe |= {a.id for a in node.args if isinstance(a, ast.Name)}
                maybe |= {k.value.id for k in node.keywords if isinstance(k.value, ast.Name)}
    return surely, surely | maybe


# NumPy's functions and ufunc methods that write into their first argument
_WRITERS = frozenset({"at", "copyto", "put", "place", "putmask", "fill_diagonal",
                      "put_along_axis"})


def _numpy(func: ast.expr, ns) -> bool:
    """Is `func` a function of NumPy's (which writes into no argument but `_WRITERS`)?"""
    value = ns.value(func)
    module = getattr(value, "__module__", None) or ""
    return module == "numpy" or module.startswith("numpy.") or type(value).__name__ == "ufunc"


def _groups(parents: dict[str, set[str]]) -> dict[str, set[str]]:
    """Each name linked to another by `_made_from` -> every name of its connected group."""
    groups: dict[str, set[str]] = {}
    for child, bases in parents.items():
        merged = {child} | bases
        for name in list(merged):
            merged |= groups.get(name, set())
        for name in merged:
            groups[name] = merged
    return groups


def _below(name: str, children: dict[str, set[str]]) -> set[str]:
    """`name` and every name made from it, at any depth."""
    seen, todo = set(), [name]
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo.extend(children.get(current, ()))
    return seen


def _rewrite(stmts: list[ast.stmt], chosen: set[str], kinds: dict, ns) -> list[ast.stmt]:
    out = []
    for stmt in stmts:
        if isinstance(stmt, (ast.If, ast.For, ast.While)):
            stmt = _with_blocks(stmt, chosen, kinds, ns)
        elif _copied(stmt, chosen, kinds):
            stmt = ast.copy_location(ast.Assign(stmt.targets, call(ns, "np.copy", [stmt.value])),
                                     stmt)
        out.append(stmt)
    return out


def _with_blocks(stmt, chosen, kinds, ns):
    new = _shallow(stmt)
    new.body = _rewrite(stmt.body, chosen, kinds, ns)
    new.orelse = _rewrite(stmt.orelse, chosen, kinds, ns)
    return new


def _shallow(node: ast.AST) -> ast.AST:
    new = node.__class__(**{f: getattr(node, f) for f in node._fields})
    return ast.copy_location(new, node)


def _copied(stmt: ast.stmt, chosen: set[str], kinds: dict) -> bool:
    """Is `stmt` `v = X[...]` (or `v = X`, or a view call) for a chosen `v` that is an
    array of one or more axes, and may it make a view?"""
    if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name) and stmt.targets[0].id in chosen):
        return False
    value = stmt.value
    subscript = isinstance(value, ast.Subscript) and isinstance(value.value, ast.Name)
    if not (subscript or isinstance(value, ast.Name) or view_of(value)):
        return False
    kind = kinds.get(stmt.targets[0].id, UNKNOWN)
    if kind.py is not False or not kind.ndim or kind.dtype in (None, "O"):
        return False
    return shares_through(value, kinds)
