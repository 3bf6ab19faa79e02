"""Statement rules for Python lists (and tuples) of values: how `append`, `pop`, an
item or a slice written (a slice store may change the list's length: `insert`, `pop(i)`,
`del` and `clear` are written as one, see `list_methods`) or read, and `+` between
lists are differentiated.

The adjoint of a list is a list of adjoints, one per element, and it follows
the list step by step: its length and each element's shape are those of the
value it belongs to at that point of the reverse sweep. Adjoints of lists are
combined element by element (`rt.add_each`), never by list `+`, and an
element's adjoint is replaced by a sum, never added into in place (another
adjoint may hold the same array). The reverse sweep also sees each list as it
was: a reversed `append` pops the item off the list again, a reversed `pop`
puts it back (`saving` drops these where nothing reads the list afterwards).
"""
from __future__ import annotations

import ast
import copy

from ..build import assign, call, load, method
from ..lattice import UNKNOWN
from .. import trees
from . import statements
from .statements import Sweep, Tangents


def undoes(stmt: ast.stmt) -> str | None:
    """The list `stmt` puts back as it was, if it is a reversed `append` or `pop`
    (`xs.pop()`, `xs.append(v)` as statements of the reverse sweep)."""
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) \
            and isinstance(stmt.value.func, ast.Attribute) \
            and stmt.value.func.attr in ("append", "pop") \
            and isinstance(stmt.value.func.value, ast.Name):
        return stmt.value.func.value.id
    return None


def sharing(body: list[ast.stmt]) -> dict[str, set[str]]:
    """For each list an `append` or `pop` changes, the names that may hold that same
    list when it changes: the names copied from or to it (`ys = xs`) since it was last
    made anew in an enclosing block (`xs = []`), or, when it was not, anywhere."""
    everywhere = _closure(_copies(body))
    out: dict[str, set[str]] = {}

    def visit(block, outer):
        for i, stmt in enumerate(block):
            path = outer + [(block, i)]
            name = _changed_list(stmt)
            if name is not None:
                found = _since_made(name, path)
                group = everywhere.get(name, {name}) if found is None \
                    else _closure(found).get(name, {name})
                out[name] = out.get(name, set()) | group
            for field in ("body", "orelse"):
                if isinstance(stmt, (ast.For, ast.While, ast.If)):
                    visit(getattr(stmt, field), path)

    visit(body, [])
    return out


def _changed_list(stmt) -> str | None:
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) \
            and isinstance(stmt.value.func, ast.Attribute) and stmt.value.func.attr == "append" \
            and isinstance(stmt.value.func.value, ast.Name):
        return stmt.value.func.value.id
    if isinstance(stmt, ast.Assign) and _is_pop(stmt.value):
        return stmt.value.func.value.id
    return None


def _is_pop(value) -> bool:
    return isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) \
        and value.func.attr == "pop" and isinstance(value.func.value, ast.Name)


def _since_made(name, path) -> list | None:
    """The copies that may run between `name` being made anew and the statement at the
    end of `path` (`(block, index)` pairs, outermost first); None if it is not made anew
    in a block around it, before it."""
    for depth in range(len(path) - 1, -1, -1):
        block, i = path[depth]
        for c in range(i - 1, -1, -1):
            stmt = block[c]
            if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name) \
                    and stmt.targets[0].id == name:
                fresh = not isinstance(stmt.value, (ast.Name, ast.Subscript)) \
                    and not _is_pop(stmt.value)
                return _copies(block[c + 1:i + 1]) if fresh else None
            if any(isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store) and n.id == name
                   for n in ast.walk(stmt)):
                return None                      # made on some paths only
    return None


def _copies(stmts) -> list[tuple[str, str]]:
    return [(n.targets[0].id, n.value.id) for s in stmts for n in trees.statements(s)
            if isinstance(n, ast.Assign) and isinstance(n.targets[0], ast.Name)
            and isinstance(n.value, ast.Name)]


def _closure(pairs) -> dict[str, set[str]]:
    groups: dict[str, set[str]] = {}
    for a, b in pairs:
        group = groups.get(a, {a}) | groups.get(b, {b})
        for n in group:
            groups[n] = group
    return groups


# ---- reverse mode ---------------------------------------------------------------------------
def reverse_write_item(stmt: ast.Assign, depth: int, sweep: Sweep):
    """`x[i] = v`: by the rule for a list or a dict, or for an array (`statements`)."""
    if stmt.targets[0].value.id in sweep.plan.sequences or stmt.targets[0].value.id in sweep.dicts:
        return reverse_store_item(stmt, depth, sweep)
    return statements.reverse_store_item(stmt, depth, sweep)


def reverse_take_item(stmt: ast.Assign, g: ast.expr, sweep: Sweep) -> list[ast.stmt]:
    """`v = x[i]`: by the rule for a list, also for a dict or what may be a list (not
    known to be an array, `i` naming one item), or for an array (`statements`)."""
    base = stmt.value.value
    if not sweep.active(base):
        return []
    if base.id in sweep.plan.sequences or base.id in sweep.dicts \
            or not sweep.array(base.id) and not statements.repeatable(stmt.value.slice, sweep):
        return reverse_read_item(stmt, g, sweep)
    return statements.reverse_read_item(stmt, g, sweep)


def reverse_append(stmt: ast.Expr, depth: int, sweep: Sweep):
    """`xs.append(v)`: the reverse sweep pops `bv` off `bxs` (a discarded pop when `v`
    carries no derivative, so `bxs` stays in step with `xs`), and `v` off `xs`."""
    lst, item = stmt.value.func.value, stmt.value.args[0]
    undo = [ast.Expr(method(lst.id, "pop", []))]
    if not sweep.active(lst):
        return [stmt], undo
    pop = method(sweep.adjoint(lst.id), "pop", [])
    if not sweep.active(item):
        return [stmt], [ast.Expr(pop)] + undo
    return [stmt], [sweep.accumulate(stmt, "value", item.id, pop)] + undo


def reverse_pop(stmt: ast.Assign, g: ast.expr, sweep: Sweep) -> list[ast.stmt]:
    """`v = xs.pop()`: `bv` (here `g`; a zero shaped like `v` when nothing flowed into
    it) goes back on `bxs`, and `v` back on `xs`."""
    lst = stmt.value.func.value
    undo = [ast.Expr(method(lst.id, "append", [load(stmt.targets[0].id)]))]
    if not sweep.active(lst):
        return undo
    return [ast.Expr(method(sweep.adjoint(lst.id), "append", [g]))] + undo


def reverse_unread_pop(stmt: ast.Assign, sweep: Sweep) -> list[ast.stmt]:
    """`v = xs.pop()` whose `v` nothing differentiates: the item still goes back."""
    return reverse_pop(stmt, call(sweep.ns, "rt.zeros_like", [load(stmt.targets[0].id)]),
                       sweep)


def reverse_store_item(stmt: ast.Assign, depth: int, sweep: Sweep):
    """`xs[i] = v` on a list: `bv` gets `bxs[i]` (its own copy where `xs` may be an array:
    a slice is a view); then the old item is put back, and its adjoint is a zero of its
    shape. On a dict (`d[k] = v`), whose key may be new, the
    item's adjoint is 0.0, and the old item (`rt.NEW_KEY` for a new key) is saved only
    where it is read again."""
    target = stmt.targets[0]
    base, index = target.value.id, target.slice
    keyed = base in sweep.dicts or _string_key(index)
    if _splices(index, keyed):
        return reverse_splice(stmt, depth, sweep)
    push, restore = sweep.stacks.save_items(base, index, listed=True, keyed=keyed)
    if not sweep.active(target.value):
        return [push, stmt], [restore]
    b = load(sweep.adjoint(base))
    backward = []
    if sweep.active(stmt.value):
        part = ast.Subscript(b, copy.deepcopy(index), ast.Load())
        if not keyed and sweep.kinds.get(base, UNKNOWN).dtype != "O" \
                and sweep.plan.assigns(stmt, stmt.value.id, "value"):
            part = call(sweep.ns, "rt.own", [part])   # may be an array's view, zeroed next
        backward.append(sweep.accumulate(stmt, "value", stmt.value.id, part))
    old = ast.Subscript(load(base), copy.deepcopy(index), ast.Load())
    zero = ast.Assign([ast.Subscript(copy.deepcopy(b), copy.deepcopy(index), ast.Store())],
                      call(sweep.ns, "rt.zeros_like", [old]) if not keyed
                      else ast.Constant(0.0))
    return [push, stmt], backward + ([restore, zero] if not keyed else [zero, restore])


def _string_key(index: ast.expr) -> bool:
    """Is `index` a string, which only a dict (or another mapping) takes: a container
    argument whose kind does not say it is a dict (one not differentiated, or one a new
    key was written into) is written as a dict there, its key possibly new."""
    return isinstance(index, ast.Constant) and isinstance(index.value, str)


def _splices(index: ast.expr, keyed: bool) -> bool:
    """Is a write to a list at `index` one that may change its length: a slice with no
    step (`xs[1:3] = [v]`, `xs[i:i] = [v]`), other than the whole list (`xs[:] = ys`)?"""
    return not keyed and isinstance(index, ast.Slice) and index.step is None \
        and (index.lower is not None or index.upper is not None)


def reverse_splice(stmt: ast.Assign, depth: int, sweep: Sweep):
    """`xs[a:b] = vs` on a list, which replaces the items `a:b` by those of `vs`, however
    many: the new items are `xs[at:end]`, `at = len(xs[:a])` (where the slice starts
    in the list as it was: Python clamps `a`) and `end = at + len(vs)`. The reverse
    sweep reads `bvs` there, puts the old items back there, and their adjoints (zeros
    of their shapes; none for `xs[i:i]`, an insertion) in `bxs`."""
    target = stmt.targets[0]
    base, index = target.value.id, target.slice
    none = None not in (index.lower, index.upper) \
        and ast.dump(index.lower) == ast.dump(index.upper)      # `xs[i:i]`: no old items
    push, old = sweep.stacks.save_items(base, index, listed=True)
    forward = [push, stmt]
    at, starts, restore = _splice_start(base, index.lower, depth, sweep)
    written = isinstance(stmt.value, (ast.List, ast.Tuple))      # `del xs[i]`: `[]`
    count = ast.Constant(len(stmt.value.elts)) if written \
        else call(sweep.ns, "len", [load(stmt.value.id)])
    end = count if at is None else at if written and not stmt.value.elts \
        else ast.BinOp(copy.deepcopy(at), ast.Add(), count)
    backward: list[ast.stmt] = []
    if not isinstance(end, (ast.Constant, ast.Name)):
        backward.append(assign(sweep.namer.fresh(f"{base}_end"), end))
        end = load(backward[-1].targets[0].id)

    def span():
        return ast.Subscript(load(base), ast.Slice(copy.deepcopy(at), copy.deepcopy(end)),
                             ast.Store())
    if sweep.active(target.value) and not written and sweep.active(stmt.value):
        part = ast.Subscript(load(sweep.adjoint(base)), span().slice, ast.Load())
        backward.append(sweep.accumulate(stmt, "value", stmt.value.id, part))
    backward.append(ast.Assign([span()], old.value))   # (a pop, which `restores` logs)
    if sweep.active(target.value):
        olds = ast.Subscript(load(base), copy.deepcopy(index), ast.Load())
        zeros = ast.List([], ast.Load()) if none else call(sweep.ns, "rt.zeros_like", [olds])
        bspan = span()
        bspan.value = load(sweep.adjoint(base))
        backward.append(ast.Assign([bspan], zeros))
    return starts + forward, backward + restore


def _splice_start(base: str, lower, depth: int, sweep: Sweep):
    """`(at, forward, restore)`: where a slice starting at `lower` starts in `base`, as a
    name `{base}_at = len(base[:lower])` made (and saved, in a loop) before the store,
    or None for 0."""
    if lower is None or isinstance(lower, ast.Constant) and type(lower.value) is int \
            and lower.value == 0:
        return None, [], []
    at = sweep.namer.fresh(f"{base}_at")
    prefix = ast.Subscript(load(base), ast.Slice(None, copy.deepcopy(lower), None), ast.Load())
    save, restore = sweep.stacks.save(at, made_here=True) if depth > 0 else ([], [])
    return load(at), save + [assign(at, call(sweep.ns, "len", [prefix]))], restore


def reverse_read_item(stmt: ast.Assign, g: ast.expr, sweep: Sweep) -> list[ast.stmt]:
    """`v = xs[i]`: the adjoint of the item, `bxs[i]`, is replaced by its sum with `g`
    (element by element for a slice, or an item that is, or may be, a list)."""
    base, index = stmt.value.value, stmt.value.slice
    b = load(sweep.adjoint(base.id))
    part = ast.Subscript(b, copy.deepcopy(index), ast.Load())
    target = stmt.targets[0].id
    listed = isinstance(index, ast.Slice) or target in sweep.plan.sequences \
        or not sweep.array(target)
    return [ast.Assign([ast.Subscript(copy.deepcopy(b), copy.deepcopy(index), ast.Store())],
                       sweep.add(part, g, listed))]


def reverse_join(stmt: ast.Assign, g: ast.expr, sweep: Sweep) -> list[ast.stmt]:
    """`zs = xs + ys` on lists: the first `len(xs)` adjoints of `bzs` are those of `xs`'s
    items, the rest those of `ys`'s."""
    left, right = stmt.value.left, stmt.value.right
    cut = ast.Constant(len(left.elts)) if isinstance(left, (ast.List, ast.Tuple)) \
        else call(sweep.ns, "len", [load(left.id)])
    out = []
    for param, node, part in (("x", left, ast.Slice(None, cut, None)),
                              ("y", right, ast.Slice(copy.deepcopy(cut), None, None))):
        if isinstance(node, ast.Name) and sweep.active(node):
            out.append(sweep.accumulate(stmt, param, node.id,
                                        ast.Subscript(copy.deepcopy(g), part, ast.Load())))
        elif isinstance(node, (ast.List, ast.Tuple)):
            # an item of a list written out: its adjoint counted from its end of `bzs`
            m = len(node.elts)
            for k, e in enumerate(node.elts):
                if sweep.active(e):
                    at = ast.Constant(k if param == "x" else k - m)
                    out.append(sweep.accumulate(stmt, (param, k), e.id, ast.Subscript(
                        copy.deepcopy(g), at, ast.Load())))
    return out


# ---- forward mode ---------------------------------------------------------------------------
def tangent_append(stmt: ast.Expr, tangents: Tangents) -> list[ast.stmt]:
    """`xs.append(v)`, then `txs.append(tv)`."""
    lst, item = stmt.value.func.value, stmt.value.args[0]
    if not tangents.varies(lst):
        return [stmt]
    return [stmt, ast.Expr(method(tangents.tangent(lst.id), "append",
                                  [tangents.tangent_of(item)]))]


def tangent_pop(stmt: ast.Assign, tangents: Tangents) -> ast.expr:
    """`v = xs.pop()`: `tv = txs.pop()`."""
    lst = stmt.value.func.value
    if not tangents.varies(lst):
        return tangents.zero(load(stmt.targets[0].id))
    return method(tangents.tangent(lst.id), "pop", [])


def tangent_join(stmt: ast.Assign, tangents: Tangents, is_list) -> ast.expr:
    """`zs = xs + ys` on lists: `tzs = txs + tys` (the tangents joined as the lists
    are); `zs = xs * n`: `tzs = txs * n`."""
    value = stmt.value
    left = tangents.tangent_of(value.left) if is_list(value.left) \
        else copy.deepcopy(value.left)
    right = tangents.tangent_of(value.right) if is_list(value.right) \
        else copy.deepcopy(value.right)
    return ast.BinOp(left, copy.deepcopy(value.op), right)
