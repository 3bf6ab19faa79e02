"""The items an index write overwrote, as the reverse sweep writes them back (a part
of the saving pass).

`x[i] = v` saves the items it overwrites, and the reverse sweep writes them back
into the same array (`x[i] = saved_x_items.pop()`): every value it reads
afterwards, a view of `x` taken going forward included, is then what it was going
forward. Decided on the whole reverse sweep:
* `prune`: a write-back whose items nothing reads afterwards is not made, nor the
  save it pops;
* `put_back`: the arrays the remaining write-backs change end the reverse sweep as
  the forward sweep left them. An array the function assigns once (an argument, a
  value the vjp returned) is copied first and written back last; for a pullback,
  whose array of a loop may be any of the ones its stacks hold, each write-back
  first logs what it overwrites, and the log is undone last. So a pullback never
  changes a value its caller holds, and running it twice gives the same result.
"""
from __future__ import annotations

import ast
import copy

import numpy as np

from .. import runtime
from . import registry
from .build import assign, call, load, made_once, method, parameters, reads
from .dicts import dict_names
from .lattice import UNKNOWN, Kind
from .liveness import liveness
from .scope import MISSING
from .trees import walk


def item_pop_of(stmt):
    """`(base, stack)` if `stmt` is `base[index] = stack.pop()`, a write-back."""
    if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Subscript) \
            and isinstance(stmt.targets[0].value, ast.Name) \
            and isinstance(stmt.value, ast.Call) and not stmt.value.args \
            and isinstance(stmt.value.func, ast.Attribute) and stmt.value.func.attr == "pop" \
            and isinstance(stmt.value.func.value, ast.Name):
        return stmt.targets[0].value.id, stmt.value.func.value.id
    return None


# -- write-backs nothing reads ----------------------------------------------------------------
def prune(function, backward, results: set[str], stacks: dict[str, str], ns,
          walk) -> set[str]:
    """The stacks of overwritten items that no write-back needs (the elements of the
    array, or of a view of it, are not read again in the reverse sweep), taken out of
    `stacks`; `walk` is the saving pass's walk of nested statements."""
    items = {s for v, s in stacks.items() if v.endswith("[]")}
    if not items:                     # no write-back: nothing to drop, no liveness to ask
        return set()
    targets = {id(s.targets[0]) for s in walk(backward)
               if (item_pop_of(s) or (0, 0))[1] in items}
    live = liveness(backward, results, _content_reads(targets, ns))
    views = _views(function, ns)

    def sharing(array: str) -> set[str]:
        """The names that may show `array`'s elements, and the stacks keeping their old
        values (a view pushed there and popped later shows the items restored here)."""
        group = views.get(array, {array})
        return group | {stacks[v] for v in group if v in stacks}
    dropped = items - {pop[1] for stmt in walk(backward) if (pop := item_pop_of(stmt))
                       and sharing(pop[0]) & live.get(id(stmt), set())}
    for var in [v for v, s in stacks.items() if s in dropped]:
        del stacks[var]
    return dropped


# Calls that make a new array (besides the elementwise ones): not a view of an argument.
_NEW = {np.copy, np.array, np.zeros_like, np.ones_like, np.sum, np.mean, np.dot, np.outer,
        np.matmul, np.stack, np.concatenate, len, runtime.keys_of}


def _views(function: ast.FunctionDef, ns) -> dict[str, set[str]]:
    """For each name, the names that may share its elements (itself included): a name
    assigned a name, an item, a slice, an attribute of it or a call on it, except
    arithmetic and calls known to make new arrays."""
    edges: dict[str, set[str]] = {}
    for node in walk(function):
        if not (isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)):
            continue
        value = node.value
        if isinstance(value, (ast.BinOp, ast.UnaryOp, ast.Compare, ast.BoolOp)) or \
                isinstance(value, ast.Call) and _new_array(value, ns):
            continue
        for name in reads(value):
            if ns.value(ast.Name(name, ast.Load())) is not MISSING:
                continue                         # `np`, `rt`, `len`: no array of the function's
            edges.setdefault(name, set()).add(node.targets[0].id)
            edges.setdefault(node.targets[0].id, set()).add(name)
    out = {}
    for start in edges:
        seen, todo = {start}, [start]
        while todo:
            for m in edges.get(todo.pop(), ()):
                if m not in seen:
                    seen.add(m)
                    todo.append(m)
        out[start] = seen
    return out


def _new_array(value: ast.Call, ns) -> bool:
    try:
        fn = ns.value(value.func)
        prim = registry.lookup(fn)
    except TypeError:
        return False
    return fn in _NEW or prim is not None and prim.elementwise


# Calls that read only the shape of an array (arguments by position; None: all of them).
_SHAPE_READS = {np.shape: None, np.zeros_like: None, np.ones_like: None, len: None,
                runtime.unbroadcast: (1,), runtime.shaped_like: (1,), runtime.check_seed: (1,),
                runtime.broadcast_like: (1,)}


def _content_reads(targets: set[int], ns):
    """`uses` for `liveness`: the names whose elements a node reads. The array a
    write-back in `targets` writes into, and an array read only for its shape
    (`np.zeros_like(x)`, `x.shape`), are not."""
    def uses(node) -> set[str]:
        if id(node) in targets:
            return set(reads(node.slice))
        skip, nodes = set(), walk(node)
        for n in nodes:
            if isinstance(n, ast.Attribute) and n.attr in ("shape", "ndim", "size", "dtype"):
                skip.add(id(n.value))
            elif isinstance(n, ast.Call) and (positions := _shape_call(n, ns)) is not False:
                skip |= {id(a) for i, a in enumerate(n.args) if positions is None
                         or i in positions}
        return {n.id for n in nodes if isinstance(n, ast.Name)
                and isinstance(n.ctx, ast.Load) and id(n) not in skip}
    return uses


def _shape_call(node: ast.Call, ns):
    """The positions of the arguments `node` reads only the shape of (None: all), or
    False."""
    try:
        return _SHAPE_READS.get(ns.value(node.func), False)
    except TypeError:                            # an unhashable callee
        return False


# -- arrays left as the forward sweep left them -----------------------------------------------
def put_back(checks, backward, sweeps, namer, walk, pullback: bool,
             ns) -> tuple[list, list]:
    """`(checks, backward)` with what leaves every array a write-back changes as the
    forward sweep left it (see the module docstring)."""
    restored = sorted({pop[0] for s in walk(backward) if (pop := item_pop_of(s))})
    if not restored:                  # no write-back: nothing to keep, nothing to log
        return list(checks), list(backward)
    # a name written back only inside a branch or loop may not be an array when the
    # branch is not taken: its writes are logged as they happen instead
    nested = {pop[0] for s in walk(backward) if (pop := item_pop_of(s))} - \
        {pop[0] for s in backward if (pop := item_pop_of(s))}
    once = _assigned_once(sweeps.function) - nested
    lists = {n for n in restored if n in sweeps.sequences or _kind(n, sweeps).dtype == "O"}
    first, last = [], []
    dicts = dict_names(sweeps.function.body, sweeps.kinds)
    made = dict_names(sweeps.function.body)
    maybe_dicts = set(parameters(sweeps.function)) | _keyed(sweeps.function, backward, walk)
    # a dict of the function's own, which no caller sees after `grad`: neither kept nor logged
    own = {n for n in restored if not pullback and n in made and _unseen(n, sweeps.function)}
    for name in (n for n in restored if n in once and n not in own):
        kept = namer.fresh(f"{name}_kept")
        if name in dicts:                  # a dict: copied, and its items put back
            first.append(assign(kept, ast.Call(ast.Name("dict", ast.Load()), [load(name)], [])))
            last.append(ast.Expr(ast.Call(ast.Attribute(load(name), "update", ast.Load()),
                                          [load(kept)], [])))
            continue
        if name in lists and name in maybe_dicts:   # a list or a dict: kinds may not say
            first.append(assign(kept, method(name, "copy", [])))
            last.append(ast.Expr(call(ns, "rt.put_back", [load(name), load(kept)])))
            continue
        first.append(assign(kept, _copied(load(name), name, lists, sweeps)))
        whole = ast.Constant(Ellipsis) if _kind(name, sweeps).ndim is not None \
            and name not in lists else ast.Slice(None, None, None)
        last.append(ast.Assign([ast.Subscript(load(name), whole, ast.Store())], load(kept)))
    # a grad's write-backs undo the forward sweep's writes into the caller's arrays; where
    # an array is also kept (and put back), another name written back may share it: logged
    logged = [n for n in restored if n not in once | own] if pullback or first else []
    if logged:
        undo = namer.fresh("undo")
        backward = _logging(backward, set(logged), undo, lists, sweeps)
        first.append(assign(undo, ast.List([], ast.Load())))
        # first: a logged name may be a view of a kept one (`p = u[0:2]`), whose copy
        # holds what the view's items were before the pullback
        last.insert(0, _undoing(undo, namer))
    return checks + first, backward + last


def _keyed(function: ast.FunctionDef, backward: list, walk) -> set[str]:
    """The names written at a string key (`d["W"] = v`) somewhere: dicts, whatever their
    kinds say (a dict argument not differentiated is an "object"; adding a key to one
    loses its keys' kinds; `rt.zeros_like` of such a dict is one too)."""
    return {t.value.id for s in walk(function.body + backward) if isinstance(s, ast.Assign)
            for t in s.targets if isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name)
            and isinstance(t.slice, ast.Constant) and isinstance(t.slice.value, str)}


# The calls that read a dict's items or keys, not the dict object itself.
_DICT_READS = ("rt.values_of", "rt.keys_of", "rt.items_of", "rt.zeros_like", "len")


def _unseen(name: str, function: ast.FunctionDef) -> bool:
    """Is the dict `name` read only by its items and keys (`d[k]`, `rt.values_of(d)`,
    `len(d)`), never held elsewhere (`e = d`, `xs.append(d)`, returned)?"""
    held = {id(n.value) for n in walk(function) if isinstance(n, ast.Subscript)} | \
        {id(a) for n in walk(function) if isinstance(n, ast.Call)
         and ast.unparse(n.func) in _DICT_READS for a in n.args}
    return all(id(n) in held for n in walk(function)
               if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load))


def _kind(name: str, sweeps) -> Kind:
    return (sweeps.kinds or {}).get(name, UNKNOWN)


def _copied(value: ast.expr, name: str, lists: set[str], sweeps) -> ast.expr:
    """A copy of `value`, which `name` holds: a list's is a list (of the same items)."""
    if name in lists:
        return _list(value)
    if _kind(name, sweeps).ndim is not None:
        return _np_copy(value)
    test = ast.Call(ast.Name("isinstance", ast.Load()),
                    [copy.deepcopy(value), ast.Name("list", ast.Load())], [])
    return ast.IfExp(test, _list(copy.deepcopy(value)), _np_copy(value))


def _assigned_once(function: ast.FunctionDef) -> set[str]:
    """The names that hold one value all through the function: parameters it never
    assigns, and names assigned once, outside any loop or branch."""
    stored = {n.id for n in walk(function)
              if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    return {p for p in parameters(function) if p not in stored} | made_once(function)


def _logging(stmts, logged: set[str], undo: str, lists: set[str], sweeps) -> list[ast.stmt]:
    """`stmts` where each write-back into a name in `logged` first logs the array, the
    index and a copy of the items it overwrites."""
    out = []
    for stmt in stmts:
        pop = item_pop_of(stmt)
        if pop and pop[0] in logged:
            target = stmt.targets[0]
            index = target.slice
            if pop[0] in lists and isinstance(index, ast.Slice) and index.step is None:
                index = ast.Slice()              # may change the list's length: all of it
            items = ast.Subscript(load(pop[0]), copy.deepcopy(index), ast.Load())
            if pop[0] not in lists:
                items = _np_copy(items)          # an item of a list is replaced, not changed
            entry = ast.Tuple([load(pop[0]), _index_value(index), items], ast.Load())
            out.append(ast.Expr(ast.Call(ast.Attribute(load(undo), "append", ast.Load()),
                                         [entry], [])))
        for field in ("body", "orelse"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                setattr(stmt, field, _logging(inner, logged, undo, lists, sweeps))
        out.append(stmt)
    return out


def _undoing(undo: str, namer) -> ast.While:
    """`while undo: array, index, items = undo.pop(); array[index] = items`."""
    array, index, items = (namer.fresh(n) for n in ("array", "index", "items"))
    target = ast.Tuple([ast.Name(n, ast.Store()) for n in (array, index, items)], ast.Store())
    take = ast.Assign([target], ast.Call(ast.Attribute(load(undo), "pop", ast.Load()), [], []))
    write = ast.Assign([ast.Subscript(load(array), load(index), ast.Store())], load(items))
    return ast.While(load(undo), [take, write], [])


def _index_value(index: ast.expr) -> ast.expr:
    """An expression whose value is the index `index` spells (`1:3` is `slice(1, 3)`)."""
    if isinstance(index, ast.Slice):
        return ast.Call(ast.Name("slice", ast.Load()),
                        [copy.deepcopy(p) if p is not None else ast.Constant(None)
                         for p in (index.lower, index.upper, index.step)], [])
    if isinstance(index, ast.Tuple):
        return ast.Tuple([_index_value(e) for e in index.elts], ast.Load())
    return copy.deepcopy(index)


def _np_copy(value: ast.expr) -> ast.Call:
    return ast.Call(ast.Attribute(ast.Name("np", ast.Load()), "copy", ast.Load()), [value], [])


def _list(value: ast.expr) -> ast.Call:
    return ast.Call(ast.Name("list", ast.Load()), [value], [])
