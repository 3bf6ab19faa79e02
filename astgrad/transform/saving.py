"""What the forward sweep saves for the reverse sweep, kept to what is read.

The reverse pass saves every value an in-place assignment overwrites; here
a liveness analysis of the reverse sweep drops each variable whose restored
values nothing reads, with its pushes. Memory then grows with what the
reverse sweep needs per iteration, not with every temporary.
"""
from __future__ import annotations

import ast

from .build import reads


def _pop_of(stmt):
    """`(variable, stack)` if `stmt` is `v = stack.pop()`."""
    if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name) \
            and isinstance(stmt.value, ast.Call) and isinstance(stmt.value.func, ast.Attribute) \
            and stmt.value.func.attr == "pop" and isinstance(stmt.value.func.value, ast.Name):
        return stmt.targets[0].id, stmt.value.func.value.id
    return None


def _push_to(stmt):
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) \
            and isinstance(stmt.value.func, ast.Attribute) and stmt.value.func.attr == "append" \
            and isinstance(stmt.value.func.value, ast.Name):
        return stmt.value.func.value.id
    return None


def _uses(node) -> set[str]:
    return set(reads(node)) if node is not None else set()


def liveness(stmts, live_after: set[str]) -> dict[int, set[str]]:
    """For each statement (by id), the names whose value may be read after it."""
    record: dict[int, set[str]] = {}

    def block(stmts, live):
        for stmt in reversed(stmts):
            record[id(stmt)] = set(live)
            live = transfer(stmt, live)
        return live

    def transfer(stmt, live):
        if isinstance(stmt, ast.If):
            return block(stmt.body, live) | block(stmt.orelse, live) | _uses(stmt.test)
        if isinstance(stmt, (ast.For, ast.While)):
            head = _uses(stmt.iter if isinstance(stmt, ast.For) else stmt.test)
            at_head = set(live) | head
            for _ in range(20):
                new = set(live) | head | block(stmt.body, at_head)
                if new == at_head:
                    break
                at_head = new
            return at_head
        if isinstance(stmt, ast.Assign):
            defs = {t.id for t in stmt.targets if isinstance(t, ast.Name)}
            stores = set().union(*(_uses(t) for t in stmt.targets
                                   if not isinstance(t, ast.Name)))
            return (live - defs) | _uses(stmt.value) | stores
        return live | _uses(stmt)

    block(stmts, set(live_after))
    return record


def prune(forward, backward, results, stacks: dict[str, str], ns=None):
    """Drop the saves whose restored values the reverse sweep never reads, and save
    only the shape of a value the reverse sweep reads only for its shape."""
    live = liveness(backward, set().union(*(_uses(r) for r in results)))
    needed = set()
    for stmt in _walk(backward):
        pop = _pop_of(stmt)
        if pop and pop[0] in live.get(id(stmt), set()):
            needed.add(pop[1])
    dropped = {s for v, s in stacks.items() if not v.endswith("[]") and s not in needed}
    for var in [v for v, s in stacks.items() if s in dropped]:
        del stacks[var]
    keep = lambda s: not ((_pop_of(s) or (None, None))[1] in dropped  # noqa: E731
                          or _push_to(s) in dropped)
    forward, backward = _filter(forward, keep), _filter(backward, keep)
    if ns is not None:
        backward = _shapes_only(forward, backward, stacks, ns)
    return forward, backward


def _shape_reads(backward, name, ns):
    """The nodes reading `name` in the reverse sweep, if each reads only its shape."""
    import numpy as np

    from .. import runtime
    found, other = [], False
    parents = {}
    for node in ast.walk(ast.Module(body=backward, type_ignores=[])):
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
    for node in ast.walk(ast.Module(body=backward, type_ignores=[])):
        if not (isinstance(node, ast.Name) and node.id == name
                and isinstance(node.ctx, ast.Load)):
            continue
        parent = parents.get(id(node))
        if isinstance(parent, ast.Attribute) and parent.attr == "shape":
            found.append(parent)
        elif isinstance(parent, ast.Call) and ns.value(parent.func) is np.shape:
            found.append(parent)
        elif isinstance(parent, ast.Call) and ns.value(parent.func) is runtime.unbroadcast \
                and len(parent.args) == 2 and parent.args[1] is node:
            found.append(parent)
        elif _pop_of(parent) is None:
            other = True
    return None if other else found


def _shapes_only(forward, backward, stacks, ns):
    import copy
    starts = []
    for var, stack in list(stacks.items()):
        if var.endswith("[]"):
            continue
        uses = _shape_reads(backward, var, ns)
        if not uses:
            continue
        shape = f"{var}_shape"
        for node in uses:                       # read the saved shape instead
            if isinstance(node, ast.Call) and len(node.args) == 2:
                node.func = ns.ref(__import__("astgrad.runtime", fromlist=["sum_to"]).sum_to)
                node.args[1] = ast.Name(shape, ast.Load())
            else:
                node.__class__ = ast.Name
                node.__dict__.clear()
                node.id, node.ctx = shape, ast.Load()
        for stmt in _walk(forward):
            if _push_to(stmt) == stack:
                stmt.value.args = [ast.Call(ast.Attribute(ast.Name("np", ast.Load()), "shape",
                                                          ast.Load()),
                                            [copy.deepcopy(stmt.value.args[0])], [])]
        for stmt in _walk(backward):
            if _pop_of(stmt) and _pop_of(stmt)[1] == stack:
                stmt.targets[0].id = shape
        starts.append(ast.Assign([ast.Name(shape, ast.Store())],
                                 ast.Call(ast.Attribute(ast.Name("np", ast.Load()), "shape",
                                                        ast.Load()),
                                          [ast.Name(var, ast.Load())], [])))
    return starts + backward


def initial_values(stacks: dict[str, str], defined: set[str]) -> list[ast.stmt]:
    """`v = None` for a saved variable that may be pushed before it has a value."""
    return [ast.Assign([ast.Name(v, ast.Store())], ast.Constant(None))
            for v in stacks if not v.endswith("[]") and v not in defined]


def private_copies(body, forward, stacks, namer) -> list[ast.stmt]:
    """A pullback may run twice: give it its own copies of what it pops or restores."""
    forward_names = {n.id for s in forward for n in ast.walk(s) if isinstance(n, ast.Name)}
    # A name only a reverse loop assigns is set before it is read; any other name the
    # pullback assigns may be read first, so it starts as a copy of the forward value.
    loop_only = {n.target.id for s in body for n in ast.walk(s)
                 if isinstance(n, ast.For) and isinstance(n.target, ast.Name)}
    assigned = set()
    for node in (n for s in body for n in ast.walk(s)):
        for target in node.targets if isinstance(node, ast.Assign) else []:
            assigned |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    loop_only -= assigned
    assigned |= {n.id for s in body for n in ast.walk(s)
                 if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)} - loop_only
    popped = set(stacks.values()) & {n.id for s in body for n in ast.walk(s)
                                     if isinstance(n, ast.Name)}
    private = sorted((assigned & forward_names) | popped)
    if not private:
        return body
    names = {p: namer.fresh(f"{p}_") for p in private}

    class Rename(ast.NodeTransformer):
        def visit_Name(self, node):
            return ast.Name(names.get(node.id, node.id), node.ctx)

    body = [Rename().visit(s) for s in body]
    copies = []
    for old, new in names.items():
        value = ast.Call(ast.Name("list", ast.Load()), [ast.Name(old, ast.Load())], []) \
            if old in popped else ast.Name(old, ast.Load())
        copies.append(ast.Assign([ast.Name(new, ast.Store())], value))
    return copies + body


def _walk(stmts):
    for stmt in stmts:
        yield stmt
        for field in ("body", "orelse"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list):
                yield from _walk(inner)


def _filter(stmts, keep):
    out = []
    for stmt in stmts:
        if not keep(stmt):
            continue
        for field in ("body", "orelse"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list) and (not inner or isinstance(inner[0], ast.stmt)):
                setattr(stmt, field, _filter(inner, keep))
        out.append(stmt)
    return out
