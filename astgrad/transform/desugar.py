"""Loops, conditional expressions, augmented and tuple assignment, written in
the core forms as the normalize walk meets them.

Output guarantees, for the statements `desugar` emits:
* every `for` is `for name in range(atoms):`; a loop over a sequence, over
  `enumerate`, `zip` or `reversed` becomes a loop over an index that reads
  each item by it (`x = xs[i]`) at the top of the body; a sequence or a
  `range` bound that the loop reassigns is copied before the loop;
* every `while` test is names, constants and comparisons, evaluated each time
  round; a test that computes becomes `while True:` computing it, then
  `if test: body else: break`;
* `a if c else b`, `a and b`, `a or b` become an `if` statement assigning one
  temporary, which names the value: only the branch taken is computed;
* `x op= v` becomes `x = x op v` once `aliases` has checked that no other name
  sees the array change; `x[i] op= v` reads the item into a temporary,
  computes, and writes it back;
* tuple and chained assignment become one assignment per name; a tuple known
  from the code (see `lowering.KnownTuples`) is unpacked by its elements,
  any other by indexing.

These rewrites run inside the walk, not as a pass before it: each needs its
operands lowered first, and fresh names are allocated in the order the walk
meets the code, which keeps generated names stable.
"""
from __future__ import annotations

import ast
import copy

from ..errors import UnsupportedSyntaxError
from . import inline, sync
from .carried import carried
from .loop_items import Count, is_call_to, items, loop_invariant
from .lowering import Lowerer, assigned_names
from .trees import walk


def desugar(node: ast.stmt | ast.expr, low: Lowerer) -> ast.Name | None:
    """Lower `node`, one of the constructs in `SUGAR`, through the walk `low`;
    for a conditional expression or `:=`, return the name that holds its value."""
    return SUGAR[type(node)](node, low)


# -- loops ------------------------------------------------------------------------------------
def _for(stmt: ast.For, low: Lowerer):
    if isinstance(stmt.target, ast.Name) and isinstance(inline.function_value(stmt.iter, low),
                                                        list):
        _unrolled(stmt, inline.function_value(stmt.iter, low), low=low)
        return
    counted = _enumerated_functions(stmt, low)
    if counted is not None:
        _unrolled(stmt, *counted, low=low)
        return
    _enter_loop(stmt, low)
    if isinstance(stmt.target, ast.Name) and is_call_to(stmt.iter, range, low):
        _range_loop(stmt, low)
    else:
        _index_loop(stmt, low)


def _enter_loop(stmt: ast.For | ast.While, low: Lowerer):
    """Fix the names the loop assigns; what they were made from before it is unknown in
    its body (the next iteration sees the last one's). A name changed only by `v op= x`
    keeps its array (see `sync`). Names an iteration may leave sharing an array
    share it from the start of the body (see `carried`)."""
    low.ctx.tuples.forget(low.scope.enter(stmt))
    nodes = walk(stmt)
    augmented = {id(n.target) for n in nodes if isinstance(n, ast.AugAssign)}
    rebound = {n.id for n in nodes if isinstance(n, ast.Name)
               and isinstance(n.ctx, ast.Store) and id(n) not in augmented}
    low.ctx.aliases.derived.forget({low.scope.current[n] for n in rebound
                                    if n in low.scope.current})
    current, aliases = low.scope.current, low.ctx.aliases
    lists = {u for u, g in current.items() if aliases.is_list(g)}
    for a, b in carried(stmt, {u: aliases.group(g) for u, g in current.items()}, lists):
        aliases.join(current[a], current[b])     # as the next iteration starts


def _enumerated_functions(stmt: ast.For, low: Lowerer):
    """`for i, f in enumerate(fs[, start]):` of a list of functions: (the functions,
    `i`'s name, start), else None."""
    it, target = stmt.iter, stmt.target
    if not (isinstance(target, ast.Tuple) and len(target.elts) == 2
            and all(isinstance(e, ast.Name) for e in target.elts)
            and is_call_to(it, enumerate, low) and not it.keywords and 1 <= len(it.args) <= 2
            and (len(it.args) == 1 or isinstance(it.args[1], ast.Constant))):
        return None
    functions = inline.function_value(it.args[0], low)
    if not isinstance(functions, list):
        return None
    start = it.args[1].value if len(it.args) == 2 else 0
    return functions, target.elts[0].id, start


def _unrolled(stmt: ast.For, functions: list, counter: str | None = None, start: int = 0,
              low: Lowerer = None):
    """`for f in [np.sin, relu]:` written out once per function, `f` calling it (and
    `for i, f in enumerate(fs):`, `i` the function's place)."""
    if any(isinstance(n, (ast.Break, ast.Continue)) for n in ast.walk(stmt)):
        raise UnsupportedSyntaxError("`break`/`continue` in a loop over functions is not "
                                     "supported.", low.scope.where(stmt),
                                     fix="Use a flag in the loop body.")
    name = stmt.target.id if counter is None else stmt.target.elts[1].id
    for k, fn in enumerate(functions, start):
        low.scope.local_fns[name] = fn
        count = [] if counter is None else [ast.copy_location(ast.Assign(
            [ast.Name(counter, ast.Store())], ast.Constant(k)), stmt)]
        low.statements(count + copy.deepcopy(stmt.body))


def _range_loop(stmt: ast.For, low: Lowerer):
    iterable = stmt.iter
    args = [loop_invariant(low.atom(a), stmt, low) for a in iterable.args]
    if iterable.keywords:
        raise UnsupportedSyntaxError("range() takes no keywords.", low.scope.where(stmt))
    index = low.scope.current[stmt.target.id]
    body = low.nested(stmt.body)
    low.out.emit(ast.For(ast.Name(index, ast.Store()), ast.Call(iterable.func, args, []),
                         body, []))


def _index_loop(stmt: ast.For, low: Lowerer):
    """Any other iterable: loop over an index and read the items by it."""
    ns = low.ctx.ns
    sequences, targets = items(stmt.iter, stmt.target, stmt, low)
    lengths = [low.out.temp(ast.Call(ns.ref(len), [s], [])) for s in sequences
               if not isinstance(s, Count)]
    n = lengths[0] if len(lengths) == 1 else low.out.temp(ast.Call(ns.ref(min), lengths, []))
    index = low.ctx.namer.fresh("i")
    reads = []
    for seq, target in zip(sequences, targets):
        if isinstance(seq, Count):
            item = ast.Name(index, ast.Load()) if seq.start is None else \
                ast.BinOp(ast.Name(index, ast.Load()), ast.Add(), seq.start)
        else:
            item = ast.Subscript(seq, ast.Name(index, ast.Load()), ast.Load())
        reads.append(ast.copy_location(ast.Assign([target], item), stmt))
    body = low.nested(reads + stmt.body)
    low.out.emit(ast.For(ast.Name(index, ast.Store()), ast.Call(ns.ref(range), [n], []),
                         body, []))


def _while(stmt: ast.While, low: Lowerer):
    _enter_loop(stmt, low)
    if _simple(stmt.test):
        test = low.scope.rename(copy.deepcopy(stmt.test))     # evaluated every time
        body = low.nested(stmt.body)
        low.out.emit(ast.While(test, body, []))
        return
    # A test that computes: `while True:` computing it, then `if test: body else: break`.
    with low.out.collect() as body:
        test = low.out.snapshot(low.atom(stmt.test))
        inner = low.nested(stmt.body)
        low.out.emit(ast.If(test, inner, [ast.copy_location(ast.Break(), stmt)]))
    low.out.emit(ast.While(ast.Constant(True), body, []))


def _simple(test: ast.expr) -> bool:
    """A loop test that needs no statement of its own: names, constants, comparisons."""
    return all(isinstance(n, (ast.Name, ast.Constant, ast.Compare, ast.UnaryOp, ast.Load,
                              ast.cmpop, ast.unaryop)) for n in ast.walk(test))


# -- conditional expressions ----------------------------------------------------------------------
def _conditional(node: ast.IfExp | ast.BoolOp, low: Lowerer) -> ast.Name:
    """`a if c else b`, `a and b`, `a or b` as an `if` statement assigning one temp."""
    result = low.ctx.namer.temp()
    if isinstance(node, ast.IfExp):
        test, branches = low.out.snapshot(low.atom(node.test)), (node.body, node.orelse)
    else:
        first, *rest = node.values
        value = rest[0] if len(rest) == 1 else ast.BoolOp(node.op, rest)
        # The test is the first value, not `result`: the branch reassigns `result`, and
        # the reverse sweep must take the branch the forward sweep took.
        atom = low.atom(first)
        test = low.out.snapshot(atom)
        if test is not atom:
            low.ctx.aliases.bind(test.id, atom)
        low.ctx.aliases.bind(result, test)      # `x or y` is `x` itself when `x` is true
        low.out.emit(ast.Assign([ast.Name(result, ast.Store())], test))
        branches = (value, None) if isinstance(node.op, ast.And) else (None, value)
    with low.ctx.aliases.derived.branches():
        body, orelse = (_branch(result, branch, low) for branch in branches)
    low.out.emit(ast.If(test, body, orelse))
    low.out.pending[result] = node
    return ast.Name(result, ast.Load())


def _branch(result: str, value: ast.expr | None, low: Lowerer) -> list[ast.stmt]:
    """The block computing `value` into `result` (None: `result` already holds it)."""
    with low.out.collect() as block:
        if value is not None:
            atom = low.atom(value)
            low.ctx.aliases.bind(result, atom, either=True)  # `c if t else d` is `c` itself
            low.out.emit(ast.Assign([ast.Name(result, ast.Store())], atom))
    return block


# -- augmented assignment -----------------------------------------------------------------------
_OP_TEXT = {ast.Add: "+=", ast.Sub: "-=", ast.Mult: "*=", ast.Div: "/=", ast.Pow: "**=",
            ast.MatMult: "@="}


def _augmented(stmt: ast.AugAssign, low: Lowerer):
    target = stmt.target
    if isinstance(target, ast.Subscript):
        base = low.atom(target.value)
        index = low.index(target.slice)
        old = low.out.temp(ast.Subscript(base, index, ast.Load()))
        new = low.out.temp(ast.BinOp(old, stmt.op, low.atom(stmt.value)))
        low.store_item(ast.Subscript(base, index, ast.Store()), new, lowered=True)
        return
    if not isinstance(target, ast.Name):
        raise UnsupportedSyntaxError("augmented assignment to an attribute is not "
                                     "supported.", low.scope.where(stmt))
    recorded = low.check_write(target.id, _OP_TEXT.get(type(stmt.op), "?=") + " ...")

    def write():
        low.bind(target.id, ast.BinOp(ast.Name(target.id, ast.Load()), stmt.op, stmt.value))
        return ast.Name(low.scope.current[target.id], ast.Load())
    old = low.scope.current.get(target.id)
    if old is None:
        write()
        return
    sync.after_write(low, old, write, True, recorded)


# -- tuple and chained assignment ---------------------------------------------------------------
def _unpacking(stmt: ast.Assign, low: Lowerer):
    """An assignment to a tuple or list of targets, or to several targets."""
    atom = low.atom(stmt.value)
    if low.out.depth > 0:
        # Targets are assigned in place, one after the other: `a, b = b, a` reads the
        # values the targets had before into temporaries first.
        atom = _before(atom, {low.scope.current[n] for n in assigned_names([stmt])}, low)
    for target in stmt.targets:
        _assign_target(target, atom, low)


def _before(atom: ast.expr, targets: set[str], low: Lowerer) -> ast.expr:
    """`atom`, its elements that name one of `targets` copied to temporaries."""
    if isinstance(atom, (ast.Tuple, ast.List)):
        return type(atom)([_before(e, targets, low) for e in atom.elts], ast.Load())
    if isinstance(atom, ast.Name) and atom.id in targets:
        return low.out.temp(atom)
    return atom


def _assign_target(target: ast.expr, atom: ast.expr, low: Lowerer):
    """Assign an atom that is already lowered (its names already renamed)."""
    if isinstance(target, ast.Name):
        name = low.scope.target(target.id, low.out.depth)
        low.ctx.aliases.bind(name, atom)
        top = low.out.depth == 0
        if low.ctx.tuples.elements(atom) is not None and top:
            low.ctx.tuples.record(name, low.ctx.tuples.elements(atom))
        elif isinstance(atom, ast.Tuple) and top:
            low.ctx.tuples.record(name, list(atom.elts))
        low.out.emit(ast.Assign([ast.Name(name, ast.Store())], atom))
    elif isinstance(target, (ast.Tuple, ast.List)):
        for sub, part in zip(target.elts, _unpack(atom, target, low)):
            _assign_target(sub.value if isinstance(sub, ast.Starred) else sub, part, low)
    elif isinstance(target, ast.Subscript):
        low.store_item(target, atom)
    else:
        raise UnsupportedSyntaxError("assignment to an attribute is not supported.",
                                     low.scope.where(target))


def _unpack(atom: ast.expr, target: ast.expr, low: Lowerer) -> list[ast.expr]:
    """One atom per target; a starred target (`a, *rest, z = v`) gets the list of the items
    between the others (`list(v[1:-1])`)."""
    n = len(target.elts)
    star = next((i for i, e in enumerate(target.elts) if isinstance(e, ast.Starred)), None)
    elts = atom.elts if isinstance(atom, (ast.Tuple, ast.List)) else \
        low.ctx.tuples.elements(atom)
    if elts is not None and (len(elts) != n if star is None else len(elts) < n - 1):
        raise UnsupportedSyntaxError(f"cannot unpack {len(elts)} values into {n} names.",
                                     low.scope.where(target))
    if elts is not None:
        elts = list(elts)
        return elts if star is None else \
            [*elts[:star], ast.List(elts[star:len(elts) - n + star + 1], ast.Load()),
             *elts[len(elts) - n + star + 1:]]
    after = n - 1 - star if star is not None else 0
    index = [ast.Constant(i) for i in range(n if star is None else star)]
    if star is not None:
        rest = ast.Slice(ast.Constant(star), ast.Constant(-after) if after else None)
        index += [rest] + [ast.Constant(i - after) for i in range(after)]
    parts = [low.out.temp(ast.Subscript(atom, i, ast.Load())) for i in index]
    if star is not None:
        parts[star] = low.out.temp(ast.Call(low.ctx.ns.ref(list), [parts[star]], []))
    return parts


# -- `*` in a list or tuple written out ----------------------------------------------------------
def spread(node: ast.List | ast.Tuple, low: Lowerer, named) -> ast.expr:
    """A list or tuple written out, its items lowered to atoms (`named`). `[a, *xs, b]`:
    the items of `xs` in place where they are known (a tuple written in the function,
    outside loops and branches), else `[a] + list(xs) + [b]` (`tuple(xs)` and `(a,) + ...`
    for a tuple), which any length joins: the last `+` is returned, not yet named."""
    make = list if isinstance(node, ast.List) else tuple
    parts: list[ast.expr] = []
    run: list[ast.expr] = []
    made: dict[str, ast.expr] = {}               # `(*xs, y, *xs)`: one `tuple(xs)`, unless
    again = not any(isinstance(n, ast.NamedExpr) for n in ast.walk(node))   # `:=` rebinds
    for e in node.elts:
        if not isinstance(e, ast.Starred):
            run.append(named(low.atom(e), low.out))
            continue
        value = low.atom(e.value)
        known = value.elts if isinstance(value, (ast.Tuple, ast.List)) else \
            low.ctx.tuples.elements(value)
        if known is not None:
            run.extend(known)
            continue
        if len(node.elts) == 1:                  # `[*xs]`: a copy, `list(xs)`
            return ast.Call(low.ctx.ns.ref(make), [value], [])
        parts += [type(node)(run, ast.Load())] if run else []
        if ast.dump(value) not in made or not again:
            made[ast.dump(value)] = low.out.temp(ast.Call(low.ctx.ns.ref(make), [value], []))
        parts.append(made[ast.dump(value)])
        run = []
    parts += [type(node)(run, ast.Load())] if run or not parts else []
    joined = parts[0]
    for part in parts[1:-1]:
        joined = low.out.temp(ast.BinOp(joined, ast.Add(), part))
    return joined if len(parts) == 1 else ast.BinOp(joined, ast.Add(), parts[-1])


# -- assignment expressions ----------------------------------------------------------------------
def _walrus(node: ast.NamedExpr, low: Lowerer) -> ast.expr:
    """`(n := v)`: `n = v` where the expression is, then `n`; a copy of it if the statement
    binds `n` again in place (in a loop, where names are not versioned)."""
    low.bind(node.target.id, node.value)
    name = ast.Name(low.scope.current[node.target.id], ast.Load())
    again = sum(isinstance(n, ast.NamedExpr) and n.target.id == node.target.id
                for n in ast.walk(low.out.stmt)) > 1
    return low.out.snapshot(name) if low.out.depth and again else name


# What `desugar` lowers, by node class; the walk hands it nothing else.
SUGAR = {
    ast.For: _for,
    ast.While: _while,
    ast.IfExp: _conditional,
    ast.BoolOp: _conditional,
    ast.NamedExpr: _walrus,
    ast.AugAssign: _augmented,
    ast.Assign: _unpacking,           # only to a tuple, a list or several targets
}
