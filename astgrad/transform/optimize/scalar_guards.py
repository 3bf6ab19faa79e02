"""One finiteness test per value: where two or more `scalar_math` spellings of the same
value test `math.isfinite` of it, the test is made once, into a name, which they read.

    before (x a float)
    b3 = 1.0 / _4
    bx = (math.sin(x) if math.isfinite(x) else np.sin(x)) / x
    bx = bx + b3 * (math.cos(x) if math.isfinite(x) else np.cos(x))

    after
    b3 = 1.0 / _4
    finite_x = math.isfinite(x)
    bx = (math.sin(x) if finite_x else np.sin(x)) / x
    bx = bx + b3 * (math.cos(x) if finite_x else np.cos(x))

Output guarantee: every spelling takes the side it took, so the function returns, raises
and warns as it did: the name holds the value of the test it replaces, made just before
the top-level statement of the first spelling, where `x` is bound, once (a parameter, or
one plain assignment before that statement, and no other binding anywhere), and
`math.isfinite` of a number raises nothing. `scalar_math.read_back` reads such spellings
back as NumPy's calls and drops the name.

Why only this test: calling `math.isfinite` costs ~15 ns (the global, the attribute, the
call) where reading a name costs ~1; the tests `x >= 0.0` and `x > 0.0 and x != 1.0` in a
conditional expression cost about what reading the name would (CPython 3.11 specializes a
float comparison followed by a jump; stored into a name, the comparison is not specialized
and makes a bool, and sharing them measured slower). Spellings inside a nested function
(a vjp's pullback) keep their own tests.
"""
from __future__ import annotations

import ast
import math

from ..naming import RESERVED, names_in
from ..nodes import Comment
from ..resolve import Namespace
from ..scalar_math import SPELLINGS, bindings, spelled

_NAME = "finite_{}"
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def share_finite_tests(fn: ast.FunctionDef, ns: Namespace, taken: set[str]) -> bool:
    """Rewrite, in place, as the module docstring says; True if anything changed.
    `taken`: names the new ones must not take (beyond those `fn` mentions)."""
    sites = _sites(fn, ns)
    counts = bindings(fn)
    params = {a.arg for a in (*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs)}
    taken = names_in(fn) | set(taken) | set(RESERVED)
    inserts = []
    for x, found in sites.items():
        first = min(index for index, _ in found)
        if len(found) < 2 or counts.get(x, 0) != 1 or not (
                x in params or _assigned_before(fn.body[:first], x)):
            continue
        name = _unique(_NAME.format(x), taken)
        for _, node in found:
            node.test = ast.Name(name, ast.Load())
        test = ast.Call(ns.ref(math.isfinite), [ast.Name(x, ast.Load())], [])
        assign = ast.Assign([ast.Name(name, ast.Store())], test)
        inserts.append((first, ast.copy_location(assign, fn.body[first])))
    for first, stmt in reversed(sorted(inserts, key=lambda pair: pair[0])):
        fn.body.insert(first, stmt)      # (from the last: the indices before stay right)
    return bool(inserts)


def _sites(fn, ns) -> dict[str, list[tuple[int, ast.IfExp]]]:
    """x -> (top-level index, spelling) of each spelling whose test is `math.isfinite(x)`,
    outside nested scopes, in the order of the code."""
    out: dict[str, list] = {}
    for index, stmt in enumerate(fn.body):
        if isinstance(stmt, (*_SCOPES, Comment)):
            continue
        for node in _outside_scopes(stmt):
            call = spelled(node, ns)
            if call is not None and SPELLINGS.get(ns.value(call.func)) is not None \
                    and SPELLINGS[ns.value(call.func)].test == "finite" \
                    and isinstance(call.args[0], ast.Name):
                out.setdefault(call.args[0].id, []).append((index, node))
    return out


def _outside_scopes(stmt: ast.stmt) -> list[ast.AST]:
    """The nodes of `stmt` that are not inside a nested function, lambda or class."""
    out, queue = [], [stmt]
    for node in queue:
        out.append(node)
        queue.extend(c for c in ast.iter_child_nodes(node) if not isinstance(c, _SCOPES))
    return out




def _assigned_before(body: list[ast.stmt], x: str) -> bool:
    """Does a plain top-level assignment in `body` bind `x`?"""
    return any(isinstance(s, ast.Assign) and any(isinstance(t, ast.Name) and t.id == x
                                                 for t in s.targets) for s in body)


def _unique(base: str, taken: set[str]) -> str:
    name, n = base, 0
    while name in taken:
        n += 1
        name = f"{base}_{n}"
    taken.add(name)
    return name
