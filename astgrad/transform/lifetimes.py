"""How long a value's adjoint lives, read off a normalized function's blocks: an
analysis the adjoint plan asks (see `plan`).

* `opening`: the top-level assignments `v = ...` that give `v` its first
  value. Once one is reversed, no earlier value of `v` has an adjoint to reset.
* `block_local`: the names assigned once, inside a loop or branch, and read only
  by the simple statements after it in the same block, with no jump between.
  Every contribution to such a value's adjoint is made in the same pass through
  the block, right before its assignment is reversed: the adjoint is made
  there, not kept at zero across passes. (A list made in a loop and then named
  again, `_t = rt.add_each(xs, g); xs = _t`, is one: zeroing its adjoint would
  read the list back after a later `xs.pop()` changed it.)
"""
from __future__ import annotations

import ast

from .trees import stored, walk


def opening(body: list[ast.stmt]) -> frozenset[int]:
    """The top-level assignments (by id) that give their name its first value."""
    assigned, out = set(), set()
    for stmt in body:
        if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name) \
                and stmt.targets[0].id not in assigned:
            out.add(id(stmt))
        assigned |= _stores(stmt)
    return frozenset(out)


def block_local(body: list[ast.stmt], parameters=()) -> frozenset[str]:
    """The names whose adjoint lives within one pass through a block (see above). A
    parameter has a value before the block (campaign seed 92536: `a = np.exp(x)` after an
    early return left `ba`, the gradient of the parameter `a`, holding the new value's)."""
    counts: dict[str, int] = dict.fromkeys(parameters, 1)
    reads: dict[str, int] = {}           # how often each name is read in `body`
    for node in (n for s in body for n in walk(s)):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            counts[node.id] = counts.get(node.id, 0) + 1
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            reads[node.id] = reads.get(node.id, 0) + 1
    out = set()

    def visit(block, depth):
        for i, stmt in enumerate(block):
            if isinstance(stmt, (ast.If, ast.For, ast.While)):
                visit(stmt.body, depth + 1)
                visit(stmt.orelse, depth + 1)
            elif depth > 0 and isinstance(stmt, ast.Assign) \
                    and isinstance(stmt.targets[0], ast.Name) \
                    and counts.get(stmt.targets[0].id) == 1 \
                    and _used_up(stmt.targets[0].id, block[i + 1:], reads):
                out.add(stmt.targets[0].id)

    visit(body, 0)
    return frozenset(out)


def _used_up(name: str, after: list[ast.stmt], reads: dict[str, int]) -> bool:
    """Is every read of `name` in the body (`reads`: how often each name is read there) a
    plain read by a simple statement of `after`, none past a statement that can jump or a
    compound statement reading it?"""
    inside = 0
    for stmt in after:
        if not isinstance(stmt, (ast.Assign, ast.Expr)):
            if name in _loads(stmt) or any(isinstance(n, (ast.Break, ast.Continue))
                                           for n in walk(stmt)):
                break
            continue
        nodes = walk(stmt)
        if any(isinstance(n, ast.Subscript) and isinstance(n.value, ast.Name)
               and n.value.id == name for n in nodes) \
                or isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) \
                and isinstance(stmt.value.func, ast.Attribute) \
                and isinstance(stmt.value.func.value, ast.Name) \
                and stmt.value.func.value.id == name:
            return False                     # indexed or changed in place: kept at zero
        inside += sum(1 for n in nodes if isinstance(n, ast.Name)
                      and isinstance(n.ctx, ast.Load) and n.id == name)
    return inside > 0 and inside == reads.get(name, 0)


def _loads(stmt) -> set[str]:
    return {n.id for n in walk(stmt) if isinstance(n, ast.Name)
            and isinstance(n.ctx, ast.Load)}


def _stores(stmt) -> set[str]:
    """The names `stmt` binds: those its targets store into (in a normalized function
    no expression binds one: `desugar` wrote `(n := v)` as `n = v`)."""
    return {n.id for n in stored(stmt) if n.__class__ is ast.Name
            and n.ctx.__class__ is ast.Store}
