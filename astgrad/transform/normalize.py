"""Pass 3, normalize: one operation per statement, one definition per name
where control flow allows it.

Input: a restructured function (see `restructure`). Output guarantees:
* every simple statement is `name = op(atoms)`, `name[index] = atom`,
  `name.append(atom)`, an expression-statement call, or an `assert`; an atom
  is a name or a constant expression (`2`, `-1`, `(3, 4)`), or a tuple or list
  of atoms;
* compound statements are `if name:`, `for name in range(atoms):` and
  `while test:` (a test over atoms), with `break` only last in a block;
* at the top level no name is assigned twice: a redefinition of `x` becomes
  `x_1`, `x_2`, ... (parameters keep their names). Inside `if`/`for`/`while`
  names are assigned in place, with one name per variable across the whole
  statement; the reverse pass saves what such assignments overwrite;
* `a if c else b`, `and`/`or` become `if` statements; iterating over a
  sequence, `enumerate` and `zip` become index loops over `range`;
* calls to the user's own functions are inlined, except large ones (see
  `INLINE_LIMIT`), which stay calls with every argument given by position;
* every statement keeps the line number of the user's statement it came from.
"""
from __future__ import annotations

import ast
import types
from dataclasses import dataclass, field

from ..errors import InPlaceError, UnsupportedSyntaxError
from . import registry, restructure as restructure_pass
from .naming import Namer
from .syntax import OPAQUE_EXPRS


def is_constant(node: ast.expr) -> bool:
    """A constant expression: no names, no calls (`2`, `-1.5`, `(3, -1)`, `None`)."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return is_constant(node.operand)
    if isinstance(node, (ast.Tuple, ast.List)):
        return all(is_constant(e) for e in node.elts)
    return False


def is_atom(node: ast.expr) -> bool:
    if isinstance(node, (ast.Tuple, ast.List)):
        return all(is_atom(e) for e in node.elts)
    return isinstance(node, ast.Name) or is_constant(node)


@dataclass
class Context:
    """What the normalizers of a function and of the functions inlined into it share."""

    namer: Namer
    ns: object                                    # the resolve pass's Namespace
    expand: object                                # fn -> (resolved FunctionDef, where)
    inlining: list = field(default_factory=list)  # the user functions being inlined
    tuples: dict = field(default_factory=dict)    # names bound to tuple literals
    aliases: dict = field(default_factory=dict)   # names that may share one array
    limit: int | None = None                      # see INLINE_LIMIT


def normalize(tree: ast.FunctionDef, namer: Namer, where, ns=None, expand=None,
              context: Context | None = None, inline_limit=None) -> ast.FunctionDef:
    """Rewrite `tree`'s body in place into the form the module docstring states.
    A user function of more than `inline_limit` statements is called, not
    inlined (None: inline them all)."""
    ctx = context or Context(namer, ns, expand, limit=inline_limit)
    args = tree.args
    if args.vararg or args.kwarg:
        raise UnsupportedSyntaxError("`*args` and `**kwargs` parameters are not supported.",
                                     where(tree), fix="Name each argument.")
    params = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
    restructure_pass.restructure(tree, namer.fresh, where, base="out")
    norm = _Normalizer(ctx, where, {p: p for p in params}, tree)
    tree.body = norm.block(tree.body, top=True)
    return tree


class _Normalizer:
    def __init__(self, ctx: Context, where, current: dict, tree, inlined: bool = False):
        self.ctx, self.namer, self.where = ctx, ctx.namer, where
        self.current = current          # the user's name -> the name in generated code
        self.inlined = inlined          # names of an inlined callee all get fresh names
        self.depth = 0                  # how many if/for/while we are inside
        self.out: list[ast.stmt] = []
        self.stmt: ast.stmt = tree
        self.local_fns: dict[str, ast.FunctionDef] = {}
        self.reads_after = _reads_after(tree)

    # -- blocks and statements --------------------------------------------------------
    def block(self, stmts, top=False) -> list[ast.stmt]:
        saved, self.out = self.out, []
        for stmt in stmts:
            self.stmt = stmt
            getattr(self, "_" + type(stmt).__name__)(stmt)
        block, self.out = self.out, saved
        return block

    def _emit(self, stmt: ast.stmt) -> ast.stmt:
        ast.copy_location(stmt, self.stmt)
        stmt.end_lineno = getattr(self.stmt, "end_lineno", stmt.lineno)
        self.out.append(stmt)
        return stmt

    def _Pass(self, stmt):
        pass

    def _Break(self, stmt):
        self._emit(ast.Break())

    def _Continue(self, stmt):
        self._emit(ast.Continue())

    def _Return(self, stmt):
        value = self.atom(stmt.value)
        if isinstance(value, ast.Name) and value.id in self.ctx.tuples:
            value = ast.Tuple(list(self.ctx.tuples[value.id]), ast.Load())
        self._emit(ast.Return(value))

    def _FunctionDef(self, stmt):
        self.local_fns[stmt.name] = stmt

    def _Expr(self, stmt):
        value = stmt.value
        if isinstance(value, ast.Constant):
            return                                  # a docstring or a bare constant
        if isinstance(value, ast.Call) and _is_append(value):
            self._append(value)
        elif isinstance(value, ast.Call):
            op = self._op(value)
            if isinstance(op, ast.Call):
                self._emit(ast.Expr(op))
        else:
            self.atom(value)

    def _Assert(self, stmt):
        msg = self.atom(stmt.msg) if stmt.msg is not None else None
        self._emit(ast.Assert(self.atom(stmt.test), msg))

    def _Assign(self, stmt):
        targets = stmt.targets
        if len(targets) == 1 and isinstance(targets[0], ast.Name):
            self._bind(targets[0].id, stmt.value)
        elif len(targets) == 1 and isinstance(targets[0], ast.Subscript):
            self._store_item(targets[0], self.atom(stmt.value))
        else:
            atom = self.atom(stmt.value)
            for target in targets:
                self._assign_target(target, atom)

    def _AugAssign(self, stmt):
        target = stmt.target
        if isinstance(target, ast.Subscript):
            base = self.atom(target.value)
            index = self._index(target.slice)
            old = self._temp(ast.Subscript(base, index, ast.Load()))
            new = self._temp(ast.BinOp(old, stmt.op, self.atom(stmt.value)))
            self._store_item(ast.Subscript(base, index, ast.Store()), new, lowered=True)
            return
        if not isinstance(target, ast.Name):
            raise UnsupportedSyntaxError("augmented assignment to an attribute is not "
                                         "supported.", self.where(stmt))
        self._check_alias(target.id, stmt, _OP_TEXT.get(type(stmt.op), "?=") + " ...")
        value = ast.BinOp(ast.Name(target.id, ast.Load()), stmt.op, stmt.value)
        self._bind(target.id, value)

    # -- compound statements ----------------------------------------------------------------
    def _enter(self, stmt) -> None:
        """Fix one name for each variable the statement assigns, before lowering it."""
        for name in _assigned(stmt):
            if name not in self.current:
                self.current[name] = self._new_name(name)

    def _nested(self, stmts) -> list[ast.stmt]:
        self.depth += 1
        try:
            body = self.block(stmts)
        finally:
            self.depth -= 1
        return body

    def _If(self, stmt):
        self._enter(stmt)
        test = self._snapshot(self.atom(stmt.test))
        here = self.stmt
        body, orelse = self._nested(stmt.body), self._nested(stmt.orelse)
        self.stmt = here
        if isinstance(test, ast.Constant):
            self.out.extend(body if test.value else orelse)
            return
        self._emit(ast.If(test, body, orelse))

    def _While(self, stmt):
        self._enter(stmt)
        here = self.stmt
        if _simple(stmt.test):
            test = _Rename(self.current).visit(_copy_def(stmt.test))   # evaluated every time
            body = self._nested(stmt.body)
            self.stmt = here
            self._emit(ast.While(test, body, []))
            return
        # A test that computes: `while True:` computing it, then `if test: body else: break`.
        self.depth += 1
        saved, self.out = self.out, []
        test = self._snapshot(self.atom(stmt.test))
        inner = self._nested(stmt.body)
        self.stmt = here
        self._emit(ast.If(test, inner, [ast.copy_location(ast.Break(), here)]))
        body, self.out = self.out, saved
        self.depth -= 1
        self._emit(ast.While(ast.Constant(True), body, []))

    def _For(self, stmt):
        self._enter(stmt)
        target = stmt.target
        iterable = stmt.iter
        here = self.stmt
        if isinstance(target, ast.Name) and _is_call_to(iterable, range, self.ctx.ns):
            args = [self._loop_invariant(self.atom(a), stmt) for a in iterable.args]
            if iterable.keywords:
                raise UnsupportedSyntaxError("range() takes no keywords.", self.where(stmt))
            index = self.current[target.id]
            body = self._nested(stmt.body)
            self.stmt = here
            self._emit(ast.For(ast.Name(index, ast.Store()),
                               ast.Call(iterable.func, args, []), body, []))
            return
        # Any other iterable: loop over an index and read the items by it.
        sequences, targets = self._items(iterable, target, stmt)
        lengths = [self._temp(ast.Call(self.ctx.ns.ref(len), [s], []))
                   for s in sequences if s is not None]
        n = lengths[0] if len(lengths) == 1 else \
            self._temp(ast.Call(self.ctx.ns.ref(min), lengths, []))
        index = self.namer.fresh("i")
        reads = []
        for seq, tgt in zip(sequences, targets):
            if seq is None:
                reads.append(ast.Assign([tgt], ast.Name(index, ast.Load())))
            else:
                reads.append(ast.Assign([tgt], ast.Subscript(seq, ast.Name(index, ast.Load()),
                                                             ast.Load())))
        for r in reads:
            ast.copy_location(r, stmt)
        body = self._nested(reads + stmt.body)
        self.stmt = here
        self._emit(ast.For(ast.Name(index, ast.Store()),
                           ast.Call(self.ctx.ns.ref(range), [n], []), body, []))

    def _items(self, iterable, target, stmt):
        """The sequences a `for` reads and the target each item goes to (None: the index)."""
        ns = self.ctx.ns
        if _is_call_to(iterable, enumerate, ns):
            if not (isinstance(target, ast.Tuple) and len(target.elts) == 2) \
                    or len(iterable.args) != 1 or iterable.keywords:
                raise UnsupportedSyntaxError("use `for i, x in enumerate(seq):`.",
                                             self.where(stmt))
            seq = self._loop_invariant(self.atom(iterable.args[0]), stmt)
            return [seq, None], [target.elts[1], target.elts[0]]
        if _is_call_to(iterable, zip, ns):
            if not (isinstance(target, ast.Tuple) and len(target.elts) == len(iterable.args)):
                raise UnsupportedSyntaxError("use `for a, b in zip(xs, ys):`.", self.where(stmt))
            seqs = [self._loop_invariant(self.atom(a), stmt) for a in iterable.args]
            return seqs, list(target.elts)
        if _is_call_to(iterable, reversed, ns) and len(iterable.args) == 1:
            seq = self.atom(iterable.args[0])
            flipped = self._temp(ast.Subscript(seq, ast.Slice(None, None, ast.Constant(-1)),
                                               ast.Load()))
            return [flipped], [target]
        seq = self._loop_invariant(self.atom(iterable), stmt)
        if not isinstance(seq, ast.Name):
            seq = self._temp(seq)                # a literal: name it, so items have adjoints
        return [seq], [target]

    def _loop_invariant(self, atom, loop) -> ast.expr:
        """`atom`, or a copy of it if the loop reassigns it (the reverse sweep rereads it)."""
        if isinstance(atom, ast.Name) and atom.id in {self.current.get(n) for n in _assigned(loop)}:
            return self._temp(atom)
        return atom

    def _snapshot(self, atom) -> ast.expr:
        if isinstance(atom, ast.Name) and atom.id not in self.namer.temps:
            return self._temp(atom)
        return atom

    # -- binding names ------------------------------------------------------------------------
    def _bind(self, name: str, value: ast.expr) -> None:
        if isinstance(value, (ast.Tuple, ast.List)):
            elts = [self.atom(e) for e in value.elts]
            node = type(value)(elts, ast.Load())
            target = self._target(name)
            if isinstance(value, ast.Tuple) and self.depth == 0:
                self.ctx.tuples[target] = elts
            self._emit(ast.Assign([ast.Name(target, ast.Store())], node))
            return
        rhs = self._op(value) if _is_op(value) else self.atom(value)
        target = self._target(name)
        if self.depth > 0 and not is_atom(rhs) and target in _names(rhs):
            # `y = y * a` in place: the reverse sweep needs both values of `y`, so the new
            # one is made under a name of its own first.
            rhs = self._temp(rhs)
        self._alias(target, rhs)
        self._emit(ast.Assign([ast.Name(target, ast.Store())], rhs))

    def _assign_target(self, target: ast.expr, atom: ast.expr) -> None:
        """Assign an atom that is already lowered (its names already renamed)."""
        if isinstance(target, ast.Name):
            name = self._target(target.id)
            self._alias(name, atom)
            if isinstance(atom, ast.Name) and atom.id in self.ctx.tuples and self.depth == 0:
                self.ctx.tuples[name] = self.ctx.tuples[atom.id]
            elif isinstance(atom, ast.Tuple) and self.depth == 0:
                self.ctx.tuples[name] = list(atom.elts)
            self._emit(ast.Assign([ast.Name(name, ast.Store())], atom))
        elif isinstance(target, (ast.Tuple, ast.List)):
            for sub, part in zip(target.elts, self._unpack(atom, len(target.elts), target)):
                self._assign_target(sub, part)
        elif isinstance(target, ast.Subscript):
            self._store_item(target, atom)
        else:
            raise UnsupportedSyntaxError("assignment to an attribute is not supported.",
                                         self.where(target))

    def _unpack(self, atom, n, target) -> list[ast.expr]:
        if isinstance(atom, (ast.Tuple, ast.List)):
            elts = atom.elts
        elif isinstance(atom, ast.Name) and atom.id in self.ctx.tuples:
            elts = self.ctx.tuples[atom.id]
        else:
            elts = [self._temp(ast.Subscript(atom, ast.Constant(i), ast.Load()))
                    for i in range(n)]
        if len(elts) != n:
            raise UnsupportedSyntaxError(f"cannot unpack {len(elts)} values into {n} names.",
                                         self.where(target))
        return list(elts)

    def _store_item(self, target: ast.Subscript, atom, lowered=False) -> None:
        base = target.value if lowered else self.atom(target.value)
        if not isinstance(base, ast.Name):
            raise UnsupportedSyntaxError("assignment into an element of an expression is not "
                                         "supported.", self.where(target))
        user = next((u for u, g in self.current.items() if g == base.id), base.id)
        self._check_alias(user, self.stmt, "[...] = ...")
        index = target.slice if lowered else self._index(target.slice)
        self._emit(ast.Assign([ast.Subscript(base, index, ast.Store())], atom))

    def _append(self, call) -> None:
        lst = self.atom(call.func.value)
        if len(call.args) != 1 or call.keywords:
            raise UnsupportedSyntaxError("`.append` takes one value.", self.where(call))
        item = self.atom(call.args[0])
        self._emit(ast.Expr(ast.Call(ast.Attribute(lst, "append", ast.Load()), [item], [])))

    def _new_name(self, name: str) -> str:
        if self.inlined:
            return self.namer.fresh(name)
        return self.namer.reserve(name)

    def _target(self, name: str) -> str:
        """The generated name an assignment to the user's `name` writes."""
        if self.depth > 0:
            return self.current[name]           # fixed by `_enter`: assigned in place
        new = self.namer.version(name) if name in self.current else self._new_name(name)
        self.current[name] = new
        return new

    def _temp(self, value: ast.expr) -> ast.Name:
        name = self.namer.temp()
        self._emit(ast.Assign([ast.Name(name, ast.Store())], value))
        return ast.Name(name, ast.Load())

    # -- aliases: two names for one array make in-place writes unsafe to reverse -------------
    def _alias(self, target: str, rhs) -> None:
        source = rhs.id if isinstance(rhs, ast.Name) else \
            rhs.value.id if isinstance(rhs, ast.Subscript) and isinstance(rhs.value, ast.Name) \
            else None
        if source is None:
            return
        group = self.ctx.aliases.setdefault(source, {source})
        group.add(target)
        self.ctx.aliases[target] = group

    def _check_alias(self, user: str, stmt, what: str) -> None:
        name = self.current.get(user)
        others = self.ctx.aliases.get(name, set()) - {name}
        users = {u for u, g in self.current.items() if g in others and u != user}
        shared = sorted(users & self.reads_after.get(id(stmt), set()))
        if shared:
            raise InPlaceError(
                f"`{user} {what}` changes an array in place that `{shared[0]}` also names, "
                f"and `{shared[0]}` is read afterwards.", self.where(stmt),
                fix=f"Make a new value (`{user} = {user} + ...`), or copy first: "
                    f"`{shared[0]} = {user}.copy()`.")

    # -- expressions ---------------------------------------------------------------------------
    def atom(self, node: ast.expr) -> ast.expr:
        """Lower `node` to an atom, emitting statements for what it computes."""
        if isinstance(node, ast.Name):
            if node.id not in self.current:
                return node                         # read live from the user's scope
            return ast.Name(self.current[node.id], ast.Load())
        if is_constant(node):
            return node
        if isinstance(node, (ast.Tuple, ast.List)):
            return type(node)([self.atom(e) for e in node.elts], ast.Load())
        if _is_op(node):
            value = self._op(node)
            return value if is_atom(value) else self._temp(value)
        if isinstance(node, (ast.Attribute, *OPAQUE_EXPRS)):
            return _Rename(self.current).visit(node)
        raise UnsupportedSyntaxError(f"`{type(node).__name__}` is not supported here.",
                                     self.where(node))

    def _op(self, node: ast.expr) -> ast.expr:
        """One operation over atoms (or, for control flow and inlined calls, an atom)."""
        if isinstance(node, ast.BinOp):
            return ast.BinOp(self.atom(node.left), node.op, self.atom(node.right))
        if isinstance(node, ast.UnaryOp):
            return ast.UnaryOp(node.op, self.atom(node.operand))
        if isinstance(node, ast.Compare):
            return ast.Compare(self.atom(node.left), node.ops,
                               [self.atom(c) for c in node.comparators])
        if isinstance(node, ast.Subscript):
            return ast.Subscript(self.atom(node.value), self._index(node.slice), ast.Load())
        if isinstance(node, (ast.BoolOp, ast.IfExp)):
            return self._branching(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        raise AssertionError(node)

    def _branching(self, node) -> ast.Name:
        """`a if c else b`, `a and b`, `a or b` as an `if` statement assigning one temp."""
        result = self.namer.temp()
        if isinstance(node, ast.IfExp):
            test, branches = self._snapshot(self.atom(node.test)), (node.body, node.orelse)
            first = None
        else:
            first, *rest = node.values
            value = rest[0] if len(rest) == 1 else ast.BoolOp(node.op, rest)
            test = ast.Name(result, ast.Load())
            self._emit(ast.Assign([ast.Name(result, ast.Store())], self.atom(first)))
            branches = (value, None) if isinstance(node.op, ast.And) else (None, value)
        blocks = []
        self.depth += 1
        for branch in branches:
            saved, self.out = self.out, []
            if branch is not None:
                self._emit(ast.Assign([ast.Name(result, ast.Store())], self.atom(branch)))
            blocks.append(self.out)
            self.out = saved
        self.depth -= 1
        self._emit(ast.If(test, blocks[0], blocks[1]))
        return ast.Name(result, ast.Load())

    def _call(self, node: ast.Call) -> ast.expr:
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise UnsupportedSyntaxError("`*` unpacking in calls is not supported.",
                                             self.where(arg))
        if any(k.arg is None for k in node.keywords):
            raise UnsupportedSyntaxError("`**` unpacking in calls is not supported.",
                                         self.where(node))
        args = [self.atom(a) for a in node.args]
        keywords = {k.arg: self.atom(k.value) for k in node.keywords}
        if isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) \
                and node.func.value.id in self.current:          # xs.pop(): a local list
            return ast.Call(ast.Attribute(self.atom(node.func.value), node.func.attr,
                                          ast.Load()), args, [])
        if isinstance(node.func, ast.Name) and node.func.id in self.local_fns:
            return self._inline(self.local_fns[node.func.id], None, args, keywords, node)
        fn = self.ctx.ns.value(node.func) if self.ctx.ns is not None else None
        if getattr(fn, "_astgrad", None) is not None:
            # A function an astgrad transform made: called, and differentiated through
            # its own generated code (the reverse pass asks for its vjp).
            return ast.Call(node.func, args + [v for v in keywords.values()], [])
        if isinstance(fn, types.FunctionType) and registry.lookup(fn) is None:
            tree, where = self.ctx.expand(fn)
            if self.ctx.limit is not None and _large(tree, self.ctx.limit):
                params = [a.arg for a in tree.args.posonlyargs + tree.args.args
                          + tree.args.kwonlyargs]
                bound = _bind_call(params, args, keywords, _defaults(fn), tree.name,
                                   self.where(node))
                return ast.Call(node.func, bound, [])   # the reverse pass calls its vjp
            return self._inline(None, fn, args, keywords, node)
        return ast.Call(node.func, args, [ast.keyword(k, v) for k, v in keywords.items()])

    def _inline(self, local: ast.FunctionDef | None, fn, args, keywords, call) -> ast.expr:
        """Write the callee's body here, its names made fresh; its result is an atom."""
        key = local if local is not None else fn
        if key in self.ctx.inlining:
            name = local.name if local is not None else fn.__name__
            raise UnsupportedSyntaxError(f"`{name}` calls itself; recursion is not supported.",
                                         self.where(call), fix="Write it as a loop.")
        if local is not None:
            tree, where, defaults = _copy_def(local), self.where, {}
            current = dict(self.current)        # a nested def sees the caller's names
        else:
            tree, where = self.ctx.expand(fn)
            defaults = _defaults(fn)
            current = {}
        params = [a.arg for a in tree.args.posonlyargs + tree.args.args + tree.args.kwonlyargs]
        bound = _bind_call(params, args, keywords, defaults, tree.name, self.where(call))
        results = restructure_pass.restructure(tree, self.namer.fresh, where,
                                               base=f"{tree.name}_out")
        inner = _Normalizer(self.ctx, where, current, tree, inlined=True)
        inner.depth, inner.stmt, inner.local_fns = self.depth, self.stmt, dict(self.local_fns)
        for param, value in zip(params, bound):
            name = self.namer.fresh(param)
            inner.current[param] = name
            self._emit(ast.Assign([ast.Name(name, ast.Store())], value))
        for name in _assigned_in(tree.body):     # the callee's own locals: fresh names
            if name not in params:
                inner.current.pop(name, None)
                if self.depth > 0:
                    inner.current[name] = self.namer.fresh(name)
        self.ctx.inlining.append(key)
        try:
            body = inner.block(tree.body[:-1])
        finally:
            self.ctx.inlining.pop()
        for stmt in body:
            for node in ast.walk(stmt):
                if not hasattr(node, "lineno") and isinstance(node, ast.stmt):
                    ast.copy_location(node, self.stmt)
        self.out.extend(body)
        if isinstance(results, tuple):
            return ast.Tuple([ast.Name(inner.current.get(r, r), ast.Load()) for r in results],
                             ast.Load())
        value = ast.Name(inner.current.get(results, results), ast.Load())
        if value.id in self.ctx.tuples:
            return ast.Tuple(list(self.ctx.tuples[value.id]), ast.Load())
        return value

    def _index(self, node: ast.expr) -> ast.expr:
        if isinstance(node, ast.Slice):
            parts = [None if p is None else self.atom(p) for p in (node.lower, node.upper,
                                                                     node.step)]
            return ast.Slice(*parts)
        if isinstance(node, ast.Tuple):
            return ast.Tuple([self._index(e) for e in node.elts], ast.Load())
        return self.atom(node)


# -- helpers ------------------------------------------------------------------------------------
def _is_op(node) -> bool:
    return isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Compare, ast.BoolOp, ast.Call,
                             ast.Subscript, ast.IfExp)) and not is_constant(node)


def _names(node) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


# A callee of more statements than this is called through its own generated
# vjp (forward values kept in its pullback) instead of being inlined: the
# caller's code stays short, and the callee is compiled once for all callers.
# Callees that return tuples are always inlined.
INLINE_LIMIT = 12


def _large(tree: ast.FunctionDef, limit: int) -> bool:
    statements = sum(isinstance(n, ast.stmt) for n in ast.walk(tree)) - 1
    returns_tuple = any(isinstance(n, ast.Return) and isinstance(n.value, ast.Tuple)
                        for n in ast.walk(tree))
    return statements > limit and not returns_tuple


def _simple(test) -> bool:
    """A loop test that needs no statement of its own: names, constants, comparisons."""
    return all(isinstance(n, (ast.Name, ast.Constant, ast.Compare, ast.UnaryOp, ast.Load,
                              ast.cmpop, ast.unaryop)) for n in ast.walk(test))


def _is_append(call: ast.Call) -> bool:
    return isinstance(call.func, ast.Attribute) and call.func.attr == "append" \
        and isinstance(call.func.value, ast.Name)


def _is_call_to(node, fn, ns) -> bool:
    return isinstance(node, ast.Call) and ns is not None and ns.value(node.func) is fn


def _assigned(stmt) -> list[str]:
    """The user's names a compound statement assigns anywhere inside it, in order."""
    return _assigned_in([stmt])


def _assigned_in(stmts) -> list[str]:
    out = []
    for stmt in stmts:
        for node in ast.walk(stmt):
            if isinstance(node, ast.FunctionDef):
                continue
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) \
                    and node.id not in out:
                out.append(node.id)
    return out


def _copy_def(node: ast.FunctionDef) -> ast.FunctionDef:
    import copy
    return copy.deepcopy(node)


def _defaults(fn) -> dict:
    import inspect
    out = {}
    for p in inspect.signature(fn).parameters.values():
        if p.default is not p.empty:
            out[p.name] = registry.constant_node(p.default) \
                if isinstance(p.default, (int, float, bool, str, tuple, type(None))) else None
    return out


def _bind_call(params, args, keywords, defaults, name, where) -> list[ast.expr]:
    if len(args) > len(params):
        raise UnsupportedSyntaxError(f"`{name}` takes {len(params)} arguments, "
                                     f"{len(args)} given.", where)
    values = dict(zip(params, args))
    for key, value in keywords.items():
        if key not in params or key in values:
            raise UnsupportedSyntaxError(f"`{name}` got an unexpected or repeated argument "
                                         f"`{key}`.", where)
        values[key] = value
    out = []
    for p in params:
        if p in values:
            out.append(values[p])
        elif defaults.get(p) is not None:
            out.append(defaults[p])
        else:
            raise UnsupportedSyntaxError(
                f"the call to `{name}` gives no value for `{p}` (or its default is not a "
                f"number, string, tuple or None).", where)
    return out


class _Rename(ast.NodeTransformer):
    def __init__(self, current):
        self.current = current

    def visit_Name(self, node):
        return ast.Name(self.current.get(node.id, node.id), node.ctx)


def _reads_after(tree) -> dict[int, set[str]]:
    """For each statement, the names read after it (in a loop, anywhere in the loop too)."""
    out: dict[int, set[str]] = {}

    def reads(stmt):
        return {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name)
                and isinstance(n.ctx, ast.Load)}

    def walk(stmts, later: set[str]):
        seen = set(later)
        for stmt in reversed(stmts):
            out[id(stmt)] = set(seen)
            if isinstance(stmt, (ast.For, ast.While)):
                loop = set().union(*(reads(s) for s in stmt.body)) if stmt.body else set()
                walk(stmt.body, seen | loop)
            elif isinstance(stmt, ast.If):
                walk(stmt.body, seen)
                walk(stmt.orelse, seen)
            seen |= reads(stmt)

    walk(tree.body, set())
    return out


_OP_TEXT = {ast.Add: "+=", ast.Sub: "-=", ast.Mult: "*=", ast.Div: "/=", ast.Pow: "**=",
            ast.MatMult: "@="}
