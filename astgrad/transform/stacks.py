"""The stacks through which the reverse sweep sees the values loops overwrote.

A name assigned inside `if`/`for`/`while` is assigned in place: before the
assignment the forward sweep pushes the old value (`saved_h.append(h)`), and
the reverse sweep, after that statement's adjoint, pops it back (`h =
saved_h.pop()`), so every statement's rule sees the values it saw going
forward. `x[i] = v` saves the items it overwrites (`saved_x_items`). A loop
body's `v = X[t]`, with `X` and `t` unchanged by the iteration, is computed
again at the top of each reverse iteration instead of being saved, and so is
arithmetic of Python ints the iteration does not change (`k = 2 * i + 1`); so is a view
`v = X[1:]` of an array the iteration changes in place (and, outside loops, a
branch's view of an array written into): the view saved would be the same one,
showing what the reverse sweep writes back into `X`, and a view made again is
one that differentiating this code again can follow.

Which pushes are really needed is decided afterwards, on the whole reverse
sweep (`saving`).
"""
from __future__ import annotations

import ast
import copy
from collections import Counter

from .build import assign, call, load, method, reads
from .settle import _view
from .trees import statements, stored, walk


class Stacks:
    """The stacks one reverse pass pushes to and pops from, by the variable they save
    (`"h"`, or `"x[]"` for the items of `x`), in the order they were first needed."""

    def __init__(self, fn: ast.FunctionDef, namer, ns, kinds: dict, again: bool = False):
        body = fn.body[:-1]
        self.names: dict[str, str] = {}
        self._fn, self._namer, self._ns, self._kinds = fn, namer, ns, kinds
        # code to be differentiated again saves a view of an array changed in place, as
        # a copy (`view_copies`), rather than make it again: read after the reverse
        # sweep put back what was written, the view made again overlaps that write
        self._again_views = not again
        self._inplace = _assigned_inside(body)
        self._written = _changed_in_place(fn)
        regions = _loops(body) + [s for s in body if isinstance(s, ast.If)]
        self._names = None               # the function's names: `_named`, while it stays
        again = [a for region in regions for a in self.recomputable(region)]
        self._names = None
        self._again = {id(a) for a in again}
        self._recomputed = {a.targets[0].id for a in again}

    def _stack(self, key: str, base: str) -> str:
        # A fresh name on every request, kept only on the first: the names generated
        # code has always had (a later stack of the same base takes the next version).
        return self.names.setdefault(key, self._namer.fresh(base))

    def save(self, name: str, made_here: bool = False) -> tuple[list, list]:
        """`([push], [pop])` for a variable assigned in place; `([], [])` for any other.
        `made_here`: a loop counter or a pullback this pass made, always in place."""
        if made_here:
            self._inplace.add(name)
        if name not in self._inplace or name in self._recomputed:
            return [], []
        stack = self._stack(name, f"saved_{name.lstrip('_')}")
        return [ast.Expr(method(stack, "append", [load(name)]))], \
            [assign(name, method(stack, "pop", []))]

    def save_items(self, base: str, index: ast.expr, listed: bool = False,
                   keyed: bool = False) -> tuple[ast.stmt, ast.stmt]:
        """`(push, restore)` of the items `base[index]` an in-place write overwrites: a
        copy of an array's, a list's items themselves (`listed`: writing into the list
        replaces them, it does not change them), a dict's item by `rt.old_item` (`keyed`;
        `rt.NEW_KEY` where the write adds the key)."""
        stack = self._stack(f"{base}[]", f"saved_{base}_items")
        item = ast.Subscript(load(base), copy.deepcopy(index), ast.Load())
        kept = item if listed else call(self._ns, "np.copy", [item])
        if keyed:
            kept = call(self._ns, "rt.old_item", [load(base), copy.deepcopy(index)])
        push = ast.Expr(method(stack, "append", [kept]))
        restore = ast.Assign([ast.Subscript(load(base), copy.deepcopy(index), ast.Store())],
                             method(stack, "pop", []))
        return push, restore

    def recomputable(self, region: ast.For | ast.While | ast.If) -> list[ast.Assign]:
        """`v = X[t]` in a loop body (or in a branch of it), `X` and `t` unchanged by the
        iteration (`X` may be changed in place if `v` is surely a view of it; `v` may be
        changed in place only then, a copy would be made again unchanged): cheaper to
        compute again at the top of each reverse iteration (branch) than to save. Not
        after a `break` or `continue` that may skip it, nor if `v` is read before it in
        the iteration, or outside its branch or the loop: the reverse sweep would reach
        that read after another iteration's `v` was made, or zero at the top of the
        reverse loop an adjoint the code after it gave `v`. In a branch outside loops
        (`region` an `if`), only a view of an array the function writes into."""
        loop = not isinstance(region, ast.If)
        target = {region.target.id} if isinstance(region, ast.For) else set()
        assigned = {n.id for n in walk(region) if isinstance(n, ast.Name)
                    and isinstance(n.ctx, ast.Store)} - target
        in_place = _changed_in_place(region)
        read_before, out, settled = set(), [], set()

        def scan(block: list, within: list | None) -> bool:
            """Scan `block` (`within`: the branch it is, None for the loop body); return
            whether it may jump out of the iteration."""
            for stmt in block:
                if isinstance(stmt, ast.If):
                    read_before.update(reads(stmt.test))
                    jumps = [scan(branch, branch) for branch in (stmt.body, stmt.orelse)]
                    if any(jumps):
                        return True
                    continue
                # what holds this iteration's value at the top of its reverse: made again
                # before this, or bound once before this at the top of the body
                fixed = assigned - {a.targets[0].id for a in out} - settled
                if self._cheap(stmt, fixed, fixed | in_place - target, in_place, loop) \
                        and stmt.targets[0].id not in read_before \
                        and self._assigned_once(stmt.targets[0].id) \
                        and not self._read_outside(stmt.targets[0].id, within or [region]):
                    out.append(stmt)
                    if isinstance(stmt.value, ast.Subscript) and isinstance(
                            stmt.value.value, ast.Name) and stmt.value.value.id in in_place:
                        in_place.add(stmt.targets[0].id)   # a view: what it shows changes
                elif loop and within is None and isinstance(stmt, ast.Assign) \
                        and isinstance(stmt.targets[0], ast.Name) \
                        and stmt.targets[0].id not in in_place \
                        and self._assigned_once(stmt.targets[0].id):
                    settled.add(stmt.targets[0].id)     # saved, restored after its reverse
                read_before.update(reads(stmt))
                if any(isinstance(n, (ast.Break, ast.Continue)) for n in walk(stmt)):
                    return True
            return False

        scan(region.body if loop else [region], None)
        return out

    def _cheap(self, stmt, assigned: set[str], changed: set[str], in_place: set[str],
               loop: bool) -> bool:
        """Is `stmt` a read `v = X[t]` or int arithmetic that `recomputable` may make again,
        as far as what it reads goes (`assigned`, `changed`: what may differ)?"""
        if not (isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name)):
            return False
        if isinstance(stmt.value, ast.Subscript):
            return self._unchanged(stmt.value, assigned, changed) \
                and (stmt.targets[0].id not in in_place or _view(stmt.value, self._kinds) is True) \
                and (loop or self._written_view(stmt.value))
        return loop and self._int_arithmetic(stmt, changed)

    def _int_arithmetic(self, stmt: ast.Assign, changed: set[str]) -> bool:
        """Is `stmt` `v = a + 1`, `v = 2 * a`, ... of Python ints not in `changed` (a loop
        counter, a length): cheaper to compute again than to push and pop?"""
        value, ok = stmt.value, (ast.Add, ast.Sub, ast.Mult, ast.FloorDiv, ast.Mod)
        parts = [value.left, value.right] if isinstance(value, ast.BinOp) \
            and isinstance(value.op, ok) else [value.operand] if isinstance(
            value, ast.UnaryOp) and isinstance(value.op, ast.USub) else None
        return parts is not None and self._int(stmt.targets[0]) and all(
            isinstance(p, ast.Constant) and type(p.value) is int
            or isinstance(p, ast.Name) and p.id not in changed and self._int(p) for p in parts)

    def _int(self, name: ast.Name) -> bool:
        kind = self._kinds.get(name.id)
        return kind is not None and kind.dtype == "i" and kind.py is True

    def again(self, block: list) -> list[ast.Assign]:
        """The statements of `block` (a loop body, a branch) computed again at the top of
        its reverse (see `recomputable`)."""
        return [s for s in block if isinstance(s, ast.Assign) and isinstance(
            s.targets[0], ast.Name) and id(s) in self._again]

    def _unchanged(self, value: ast.Subscript, assigned: set[str], changed: set[str]) -> bool:
        """Does `value`, `X[...]`, read the same elements in every iteration of a loop
        that assigns `assigned` and changes `changed` (in place too)? Or is it surely a
        view of `X`, its index unchanged, which shows `X` as it is when read?"""
        if not set(reads(value)) & changed:
            return True
        return self._again_views and isinstance(value.value, ast.Name) \
            and value.value.id not in assigned and not set(reads(value.slice)) & changed \
            and _view(value, self._kinds) is True

    def _written_view(self, value: ast.Subscript) -> bool:
        """Is `value`, `X[...]`, surely a view of an array `X` the function writes into?"""
        return self._again_views and isinstance(value.value, ast.Name) \
            and value.value.id in self._written and _view(value, self._kinds) is True

    def recomputed(self, name: str) -> bool:
        """Is `name` a loop body's read computed again at the top of each reverse
        iteration (see `recomputable`), never saved?"""
        return name in self._recomputed

    def _read_outside(self, name: str, stmts: list | None) -> bool:
        """Is `name` read outside `stmts` (None: anywhere is fine)?"""
        if stmts is None:
            return False
        inside = {id(n) for s in stmts for n in walk(s)}
        return any(n.id == name and id(n) not in inside for n in self._named()[0])

    def _assigned_once(self, name: str) -> bool:
        return self._named()[1][name] == 1

    def _named(self) -> tuple[list[ast.Name], Counter]:
        """The names the function reads (each node), and how often each is stored into:
        found once while `__init__` asks (the function does not change meanwhile)."""
        if self._names is None:
            nodes = [n for n in walk(self._fn) if isinstance(n, ast.Name)]
            self._names = ([n for n in nodes if isinstance(n.ctx, ast.Load)],
                           Counter(n.id for n in nodes if isinstance(n.ctx, ast.Store)))
        return self._names


def _assigned_inside(stmts) -> set[str]:
    """Names assigned within compound statements: these are assigned in place."""
    out = set()
    for stmt in stmts:       # (their targets: in a normalized function no expression binds)
        if isinstance(stmt, (ast.If, ast.For, ast.While)):
            for node in stored(stmt):
                if node.__class__ is ast.Name and node.ctx.__class__ is ast.Store:
                    out.add(node.id)
    return out


def _changed_in_place(loop: ast.stmt) -> set[str]:
    """The names whose value `loop` changes without assigning them: `x[i] = v`,
    `xs.append(v)`, `xs.pop()`, `np.add.at(x, i, v)`."""
    out = set()
    for node in walk(loop):
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store) \
                and isinstance(node.value, ast.Name):
            out.add(node.value.id)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if isinstance(node.func.value, ast.Name):
                out.add(node.func.value.id)          # a method may change its object
            if node.func.attr == "at" and node.args and isinstance(node.args[0], ast.Name):
                out.add(node.args[0].id)
    return out


def _loops(stmts):
    """Every loop in `stmts`, at any depth."""
    return [n for s in stmts for n in statements(s) if isinstance(n, (ast.For, ast.While))]
