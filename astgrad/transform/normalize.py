"""Pass 3b, normalize: one operation per statement, one definition per name
where control flow allows it.

Input: a restructured function (see `restructure`). Output guarantees:
* every simple statement is `name = op(atoms)`, `name[index] = atom`, `name.append(atom)`,
  an expression-statement call, or an `assert`; an atom is a name or a constant
  expression (`2`, `-1`, `(3, 4)`), or a tuple or list of atoms;
* compound statements are `if name:`, `for name in range(atoms):` and
  `while test:` (a test over atoms), with `break` only last in a block;
* at the top level no name is assigned twice: a redefinition of `x` becomes
  `x_1`, `x_2`, ... (parameters keep their names). Inside `if`/`for`/`while`
  names are assigned in place, with one name per variable across the whole
  statement; the reverse pass saves what such assignments overwrite;
* loops, conditional expressions, augmented and tuple assignment are written
  in those forms (see `desugar`);
* calls to the user's own functions are inlined, except large ones, which
  stay calls with every argument given by position (see `inline`);
* an in-place write that another name of the same array would see is refused
  (see `aliases`);
* every statement keeps the line number of the user's statement it came from.
This module is the walk: it lowers expressions to atoms and renames, and hands each
construct in `desugar.SUGAR` to `desugar` and each call to `inline` as it meets them,
so fresh names are allocated in source order.
"""
from __future__ import annotations

import ast
import copy

from .. import runtime
from ..errors import UnsupportedSyntaxError
from . import call_arguments, desugar, inline, library_calls, reads, settle, sync, writes
from .aliases import Aliases
from .lowering import Context, Emitter, Scope, is_atom, is_constant, item
from .naming import Namer
from .syntax import OPAQUE_EXPRS


def normalize(tree: ast.FunctionDef, namer: Namer, where, ns=None, expand=None, inline_all:
              bool = True, aliases: Aliases | None = None, in_place=None,
              fn=None) -> ast.FunctionDef:
    """Rewrite the body of the restructured `tree` in place into the form the module
    docstring states. `expand(fn)` gives a user function's resolved tree; with
    `inline_all` False a large callee is called, not inlined. The in-place writes
    other names may see are recorded in `aliases`, for the caller to settle once the
    kinds of values are known (`settle`, `Aliases.refuse`); without it, now, every kind
    unknown. `in_place`: see `argument_writes.in_helper`; `fn`: the function whose code
    `tree` is (a nested `def` of it calling itself is made a function: see `lifting`)."""
    args = tree.args
    if args.vararg or args.kwarg:
        raise UnsupportedSyntaxError("`*args` and `**kwargs` parameters are not supported.",
                                     where(tree), fix="Name each argument.")
    params = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
    ctx = Context(namer, ns, expand, inline_all, in_place=in_place)
    ctx.aliases = aliases if aliases is not None else ctx.aliases
    scope = Scope(namer, where, {p: p for p in params}, reads.reads_after(tree),
                  writes_after=writes.writes_after(tree, ns), fn=fn)
    out = Emitter(tree, namer, ctx.aliases)
    with out.collect(deeper=False) as body:
        _Normalizer(ctx, scope, out).statements(tree.body)
    tree.body = body
    if aliases is None:
        settle.settle(ctx.aliases, tree, {})
        ctx.aliases.refuse({})
    return tree


class _Normalizer:
    """Lowers one function body (the user's, or an inlined callee's) into `out`."""

    def __init__(self, ctx: Context, scope: Scope, out: Emitter):
        self.ctx, self.scope, self.out = ctx, scope, out

    # -- blocks ------------------------------------------------------------------------------
    def statements(self, stmts: list[ast.stmt]) -> None:
        for stmt in stmts:
            self.out.stmt = stmt
            lower = _STATEMENTS.get(type(stmt))
            if lower is None:
                raise AssertionError(f"normalize: no rule for `{type(stmt).__name__}` "
                                     f"statements (check_syntax should have refused it)")
            lower(self, stmt)

    def nested(self, stmts: list[ast.stmt]) -> list[ast.stmt]:
        with self.out.collect() as block:
            self.statements(stmts)
        return block

    def for_callee(self, scope: Scope) -> _Normalizer:
        return _Normalizer(self.ctx, scope, self.out)

    # -- statements --------------------------------------------------------------------------
    def _jump(self, stmt):
        self.out.emit(type(stmt)())                 # `break` or `continue`

    def _return(self, stmt):
        value = self.ctx.tuples.spelled_out(self.atom(stmt.value))
        if isinstance(value, ast.Tuple):
            value = ast.Tuple([_named(e, self.out) for e in value.elts], ast.Load())
        self.out.emit(ast.Return(value))

    def _function_def(self, stmt):
        self.scope.local_fns[stmt.name] = stmt      # inlined where it is called, its free
        self.ctx.homes[id(stmt)] = self.scope       # names read from this scope (not the caller's)

    def _expr(self, stmt):
        value = stmt.value
        if isinstance(value, ast.Constant):
            return                                  # a docstring or a bare constant
        if isinstance(value, ast.Call) and _is_append(value):
            _append(self, value)
        elif isinstance(value, ast.Call):
            op = self._op(value)
            if isinstance(op, ast.Call) and _is_pop(op):
                self.out.temp(op)           # the reverse sweep puts the item back: named
            elif isinstance(op, ast.Call):
                self.out.emit(ast.Expr(op))
        else:
            self.atom(value)

    def _assert(self, stmt):
        msg = self.atom(stmt.msg) if stmt.msg is not None else None
        self.out.emit(ast.Assert(self.atom(stmt.test), msg))

    def _assign(self, stmt):
        targets = stmt.targets
        if len(targets) == 1 and isinstance(targets[0], ast.Name) and self.out.depth == 0 \
                and inline.function_value(stmt.value, self) is not None:
            call_arguments.bind_function(self, targets[0].id, stmt.value)
        elif len(targets) == 1 and isinstance(targets[0], ast.Name):
            self.bind(targets[0].id, stmt.value)
        elif len(targets) == 1 and isinstance(targets[0], ast.Subscript):
            self.store_item(targets[0], _named(self.atom(stmt.value), self.out))
        else:
            desugar.desugar(stmt, self)             # tuple or chained assignment

    def _if(self, stmt):
        self.ctx.tuples.forget(self.scope.enter(stmt))
        test = self.out.snapshot(self.atom(stmt.test))
        with self.ctx.aliases.branches() as otherwise:
            body = self.nested(stmt.body)
            otherwise()
            orelse = self.nested(stmt.orelse)
        if isinstance(test, ast.Constant):
            self.out.block.extend(body if test.value else orelse)
            return
        self.out.emit(ast.If(test, body, orelse))

    def _sugar(self, node):
        return desugar.desugar(node, self)

    # -- assignments -------------------------------------------------------------------------
    def bind(self, name: str, value: ast.expr) -> None:
        if isinstance(value, (ast.Tuple, ast.List)):
            value = desugar.spread(value, self, _named)   # atoms; `a + b` where `*` joined
        if isinstance(value, (ast.Tuple, ast.List)):
            target = self.scope.target(name, self.out.depth)
            if isinstance(value, ast.Tuple) and self.out.depth == 0:
                self.ctx.tuples.record(target, value.elts)
            self.ctx.aliases.made_list(target, (value.elts, self.scope, self.out.stmt))
            self.out.emit(ast.Assign([ast.Name(target, ast.Store())], value))
            return
        rhs = self._op(value) if _is_op(value) else self.atom(value)
        target = self.scope.target(name, self.out.depth)
        if self.out.depth > 0 and not is_atom(rhs) and target in _names(rhs):
            # `y = y * a` in place: the reverse sweep needs both values of `y`, so the new
            # one is made under a name of its own first.
            rhs = self.out.temp(rhs)
        if _new_list(rhs, self.ctx):
            self.ctx.aliases.made_list(target)
        else:
            self.ctx.aliases.bind(target, rhs, ns=self.ctx.ns)
        self.out.emit(ast.Assign([ast.Name(target, ast.Store())], rhs))

    def store_item(self, target: ast.Subscript, atom: ast.expr, lowered: bool = False) -> None:
        base = target.value if lowered else self.atom(target.value)
        if not isinstance(base, ast.Name):
            raise UnsupportedSyntaxError("assignment into an element of an expression is not "
                                         "supported.", self.scope.where(target))
        user = next((u for u, g in self.scope.current.items() if g == base.id), None)
        recorded = self.check_write(user or base.id, "[...] = ...", None if user or lowered
                                    else ast.unparse(target.value))       # `xs[1][0] = v`
        index = target.slice if lowered else self.index(target.slice)
        sync.after_write(self, base.id, ast.Assign([ast.Subscript(base, index, ast.Store())],
                                                   atom), False, recorded)

    def check_write(self, user: str, what: str, shown: str | None = None):
        stmt, scope = self.out.stmt, self.scope
        return self.ctx.aliases.check_write(user, scope.current, scope.reads_after.get(
            id(stmt), set()), what, scope.where(stmt), scope.outer, shown)

    # -- expressions -------------------------------------------------------------------------
    def atom(self, node: ast.expr) -> ast.expr:
        """Lower `node` to an atom, emitting statements for what it computes."""
        if is_constant(node):
            return node                             # `2`, `-1.5`, `(3, -1)`
        lower = _EXPRESSIONS.get(type(node))
        if lower is not None:
            return lower(self, node)
        if isinstance(node, _ONLY_AS_INDEX):
            raise UnsupportedSyntaxError(f"`{type(node).__name__}` is not supported here.",
                                         self.scope.where(node))
        raise AssertionError(f"normalize: no rule for `{type(node).__name__}` expressions "
                             f"(check_syntax should have refused it)")

    def _constant(self, node: ast.Constant) -> ast.expr:
        return node

    def _name(self, node: ast.Name) -> ast.expr:
        if node.id not in self.scope.current:
            return node                             # read live from the user's scope
        return ast.Name(self.scope.current[node.id], ast.Load())

    def _elements(self, node: ast.Tuple | ast.List) -> ast.expr:
        joined = desugar.spread(node, self, _named)     # `[*xs, y]` too: see `desugar`
        return joined if isinstance(joined, type(node)) else self.out.temp(joined)

    def _operation(self, node: ast.expr) -> ast.expr:
        value = self._op(node)
        if is_atom(value):
            return value
        return self.out.temp(value)     # a view's temporary joins its array's group

    def _opaque(self, node: ast.expr) -> ast.expr:
        return self.scope.rename(node)              # makes no differentiable value

    def _op(self, node: ast.expr) -> ast.expr:
        """One operation over atoms (or, for control flow and inlined calls, an atom)."""
        if isinstance(node, ast.BinOp):
            left, right = self.atom(node.left), self.atom(node.right)
            if isinstance(node.op, ast.MatMult):    # `A @ [x, y]`: NumPy makes it an array
                left, right = (library_calls.array_operand(a, self) for a in (left, right))
            return ast.BinOp(left, node.op, right)
        if isinstance(node, ast.UnaryOp):
            return ast.UnaryOp(node.op, self.atom(node.operand))
        if isinstance(node, ast.Compare):
            return ast.Compare(self.atom(node.left), node.ops,
                               [self.atom(c) for c in node.comparators])
        if isinstance(node, ast.Subscript):
            return item(node, self)
        if isinstance(node, (ast.BoolOp, ast.IfExp, ast.NamedExpr)):
            return self._sugar(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        raise AssertionError(f"normalize: `{type(node).__name__}` is not an operation")

    def _call(self, node: ast.Call) -> ast.expr:
        args, keywords = call_arguments.lower(self, node)
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and \
                func.value.id in self.scope.current:   # xs.pop(), rng.normal(...): a local's
            _pop_without_index(node, self.scope.where)
            self.check_write(func.value.id, f".{func.attr}()")
            keys = [ast.keyword(k, v) for k, v in keywords.items()]     # `rng.normal(loc=x)`
            return ast.Call(ast.Attribute(self.atom(func.value), func.attr, ast.Load()), args, keys)
        return inline.inline_call(node, args, keywords, self)

    def index(self, node: ast.expr) -> ast.expr:
        if isinstance(node, ast.Slice):
            parts = [None if p is None else self.atom(p) for p in (node.lower, node.upper,
                                                                     node.step)]
            return ast.Slice(*parts)
        if isinstance(node, ast.Tuple):
            return ast.Tuple([self.index(e) for e in node.elts], ast.Load())
        return self.atom(node)


# How the walk lowers each statement class `syntax.check_syntax` lets through;
# every other class was refused there (`syntax.REFUSED_STMTS`).
_STATEMENTS = {
    ast.Pass: lambda low, stmt: None, ast.Break: _Normalizer._jump,
    ast.Continue: _Normalizer._jump, ast.Return: _Normalizer._return,
    ast.FunctionDef: _Normalizer._function_def, ast.Expr: _Normalizer._expr,
    ast.Assert: _Normalizer._assert, ast.Assign: _Normalizer._assign,
    ast.Raise: lambda low, stmt: _raise(low, stmt),
    ast.If: _Normalizer._if, ast.For: _Normalizer._sugar, ast.While: _Normalizer._sugar,
    ast.AugAssign: _Normalizer._sugar,
}

# How `atom` lowers each expression class. `Slice` is lowered only as an index
# (see `index`); every other class was refused by `syntax.check_syntax`
# (`syntax.REFUSED_EXPRS`).
_EXPRESSIONS = {
    ast.Constant: _Normalizer._constant, ast.Name: _Normalizer._name,
    ast.Tuple: _Normalizer._elements, ast.List: _Normalizer._elements,
    **dict.fromkeys((ast.BinOp, ast.UnaryOp, ast.Compare, ast.Subscript, ast.Call, ast.BoolOp,
                     ast.IfExp, ast.NamedExpr), _Normalizer._operation),
    **dict.fromkeys((ast.Attribute, *OPAQUE_EXPRS), _Normalizer._opaque),
}
_ONLY_AS_INDEX = (ast.Slice,)


def _is_op(node: ast.expr) -> bool:
    return isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Compare, ast.BoolOp, ast.Call,
                             ast.Subscript, ast.IfExp)) and not is_constant(node)


# -- lists ------------------------------------------------------------------------------------
def _named(atom: ast.expr, out: Emitter) -> ast.expr:
    """An element of a list or tuple being made: a name or a constant. A list or tuple
    of names inside it is named first, so the element's adjoint (a list of adjoints) has
    one name to go to."""
    if isinstance(atom, (ast.Tuple, ast.List)) and not is_constant(atom):
        return out.temp(atom)
    return atom


def _new_list(rhs: ast.expr, ctx: Context) -> bool:
    """Does `rhs` make a new list out of lists: `xs + ys`, `list(xs)`, `tuple(xs)`, and
    in code astgrad generated, `rt.zeros_like(xs)`, `rt.add_each(bxs, g)`?"""
    listed = [isinstance(a, (ast.List, ast.Tuple))
              or isinstance(a, ast.Name) and ctx.aliases.is_list(a.id)
              for a in (rhs.args if isinstance(rhs, ast.Call) else
                        [rhs.left, rhs.right] if isinstance(rhs, ast.BinOp) else [])]
    if isinstance(rhs, ast.BinOp):
        return isinstance(rhs.op, ast.Add) and any(listed)
    return bool(listed) and listed[0] and ctx.ns is not None \
        and ctx.ns.value(rhs.func) in (list, tuple, runtime.zeros_like, runtime.add_each)


def _pop_without_index(call: ast.Call, where) -> None:
    if call.func.attr == "pop" and (call.args or call.keywords):
        raise UnsupportedSyntaxError(
            "`.pop(i)` with an argument is supported for a list, as a statement of its own "
            "(`v = xs.pop(i)`), only.", where(call),
            fix="For a dict, read `d[k]` and build the dict again without it.")


def _is_pop(call: ast.Call) -> bool:
    return isinstance(call.func, ast.Attribute) and call.func.attr == "pop" \
        and isinstance(call.func.value, ast.Name)


def _raise(low: _Normalizer, stmt: ast.Raise) -> None:
    # Kept as written, in the forward sweep: it makes no value to differentiate.
    parts = [None if e is None else low.scope.rename(copy.deepcopy(e))
             for e in (stmt.exc, stmt.cause)]
    low.out.emit(ast.Raise(*parts))


def _append(low: _Normalizer, call: ast.Call) -> None:
    lst = low.atom(call.func.value)
    if len(call.args) != 1 or call.keywords:
        raise UnsupportedSyntaxError("`.append` takes one value.", low.scope.where(call))
    low.check_write(call.func.value.id, ".append(...)")
    item = _named(low.atom(call.args[0]), low.out)
    low.ctx.aliases.hold(lst.id, [item], low.scope, low.out.stmt, appended=True)
    low.out.emit(ast.Expr(ast.Call(ast.Attribute(lst, "append", ast.Load()), [item], [])))


def _is_append(call: ast.Call) -> bool:
    return isinstance(call.func, ast.Attribute) and call.func.attr == "append" \
        and isinstance(call.func.value, ast.Name)


def _names(node: ast.expr) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
