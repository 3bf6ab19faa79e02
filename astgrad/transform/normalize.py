"""Pass 3, normalize: one operation per statement, one definition per name.

Output guarantees, for the function body:
* every statement is `name = op(atoms)`, an expression-statement call, an
  `assert`, or the final `return atom` / `return (atom, ...)`;
* an atom is a name or a constant expression (`2`, `-1`, `(3, 4)`), or a
  tuple or list of atoms;
* no name is assigned twice: a redefinition of `x` becomes `x_1`, `x_2`, ...
  (parameters keep their names), so the reverse sweep can read any forward
  value without saving it;
* augmented assignment and tuple unpacking are expanded;
* every statement keeps the line number of the user's statement it came from.
"""
from __future__ import annotations

import ast

from ..errors import InPlaceError, UnsupportedSyntaxError
from .naming import Namer

_REFUSED_STMTS = {
    ast.With: "`with` blocks", ast.AsyncWith: "`async with` blocks", ast.Try: "`try` blocks",
    ast.Raise: "`raise`", ast.Global: "`global`", ast.Nonlocal: "`nonlocal`",
    ast.FunctionDef: "nested `def`", ast.AsyncFunctionDef: "nested `async def`",
    ast.ClassDef: "`class` definitions", ast.Import: "`import` inside the function",
    ast.ImportFrom: "`import` inside the function", ast.Delete: "`del`",
    ast.AsyncFor: "`async for`", ast.If: "`if` statements", ast.For: "`for` loops",
    ast.While: "`while` loops", ast.Break: "`break`", ast.Continue: "`continue`",
    ast.AnnAssign: "annotated assignment",
}
if hasattr(ast, "Match"):
    _REFUSED_STMTS[ast.Match] = "`match` statements"
if hasattr(ast, "TryStar"):
    _REFUSED_STMTS[ast.TryStar] = "`try`/`except*` blocks"
if hasattr(ast, "TypeAlias"):
    _REFUSED_STMTS[ast.TypeAlias] = "`type` aliases"

_REFUSED_EXPRS = {
    ast.Lambda: "lambda expressions", ast.ListComp: "list comprehensions",
    ast.SetComp: "set comprehensions", ast.DictComp: "dict comprehensions",
    ast.GeneratorExp: "generator expressions", ast.Await: "`await`",
    ast.Yield: "`yield`", ast.YieldFrom: "`yield from`", ast.NamedExpr: "`:=`",
    ast.Starred: "`*` unpacking in calls", ast.IfExp: "conditional expressions (`a if c else b`)",
    ast.Set: "set literals", ast.Dict: "dict literals", ast.Slice: "slices outside `[]`",
}
# Expressions kept whole: they make no differentiable value.
_OPAQUE_EXPRS = (ast.JoinedStr, ast.FormattedValue)


HANDLED_STMTS = (ast.Assign, ast.AugAssign, ast.Expr, ast.Pass, ast.Assert, ast.Return)
HANDLED_EXPRS = (ast.Name, ast.Constant, ast.BinOp, ast.UnaryOp, ast.Compare, ast.BoolOp,
                 ast.Call, ast.Tuple, ast.List, ast.Attribute, ast.Subscript, ast.Slice,
                 *_OPAQUE_EXPRS)


def check_syntax(tree: ast.FunctionDef, where) -> None:
    """Refuse, before anything else looks at it, any construct this compiler does not handle."""
    for node in ast.walk(tree):
        if node is tree:
            continue
        if isinstance(node, ast.stmt) and not isinstance(node, HANDLED_STMTS):
            what = _REFUSED_STMTS.get(type(node), f"`{type(node).__name__}` statements")
            raise UnsupportedSyntaxError(f"{what} are not supported.", where(node),
                                         fix=_fix_for(node))
        if isinstance(node, ast.expr) and not isinstance(node, HANDLED_EXPRS):
            what = _REFUSED_EXPRS.get(type(node), f"`{type(node).__name__}` expressions")
            raise UnsupportedSyntaxError(f"{what} are not supported.", where(node),
                                         fix=_fix_for(node))


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


def normalize(tree: ast.FunctionDef, namer: Namer, where) -> ast.FunctionDef:
    """Rewrite `tree`'s body in place into the form the module docstring states."""
    norm = _Normalizer(namer, where, tree)
    body = norm.block(tree.body)
    if not body or not isinstance(body[-1], ast.Return):
        ret = ast.Return(ast.Constant(None))
        ret.lineno = getattr(tree.body[-1], "end_lineno", tree.lineno) if tree.body else tree.lineno
        body.append(ret)
    tree.body = body
    return tree


class _Normalizer:
    def __init__(self, namer: Namer, where, tree):
        self.namer, self.where = namer, where
        args = tree.args
        if args.vararg or args.kwarg:
            raise UnsupportedSyntaxError("`*args` and `**kwargs` parameters are not supported.",
                                         where(tree), fix="Name each argument.")
        self.current = {a.arg: a.arg for a in args.posonlyargs + args.args + args.kwonlyargs}
        self.tuples: dict[str, list[ast.expr]] = {}   # names bound to tuple literals
        self.aliases: dict[str, set[str]] = {}        # SSA names that are copies of each other
        self.out: list[ast.stmt] = []
        self.stmt: ast.stmt | None = None
        self.reads_after: list[set[str]] = []

    # -- statements ----------------------------------------------------------
    def block(self, stmts: list[ast.stmt]) -> list[ast.stmt]:
        self.reads_after = _reads_after(stmts)
        for i, stmt in enumerate(stmts):
            self.index = i
            self.stmt = stmt
            if isinstance(stmt, ast.Return):
                self._return(stmt)
                break                   # what follows a return never runs
            handler = getattr(self, "_" + type(stmt).__name__, None)
            if handler is None:
                what = _REFUSED_STMTS.get(type(stmt), f"`{type(stmt).__name__}` statements")
                raise UnsupportedSyntaxError(f"{what} are not supported.", self.where(stmt),
                                             fix=_fix_for(stmt))
            handler(stmt)
        return self.out

    def _emit(self, stmt: ast.stmt) -> None:
        ast.copy_location(stmt, self.stmt)
        stmt.end_lineno = getattr(self.stmt, "end_lineno", stmt.lineno)
        self.out.append(stmt)

    def _Pass(self, stmt):
        pass

    def _Expr(self, stmt):
        value = stmt.value
        if isinstance(value, ast.Constant):
            return                                  # a docstring or a bare constant
        if isinstance(value, ast.Call):
            self._emit(ast.Expr(self._op(value)))
        else:
            self.atom(value)

    def _Assert(self, stmt):
        msg = self.atom(stmt.msg) if stmt.msg is not None else None
        self._emit(ast.Assert(self.atom(stmt.test), msg))

    def _Assign(self, stmt):
        value = stmt.value
        targets = stmt.targets
        if len(targets) == 1 and isinstance(targets[0], ast.Name):
            self._bind(targets[0], value)
            return
        atom = self.atom(value)
        for target in targets:
            self._assign_target(target, atom)

    def _AugAssign(self, stmt):
        target = stmt.target
        if not isinstance(target, ast.Name):
            raise UnsupportedSyntaxError("augmented assignment to an element or attribute "
                                         "is not supported.", self.where(stmt))
        self._check_alias(target.id, stmt)
        value = ast.BinOp(ast.Name(target.id, ast.Load()), stmt.op, stmt.value)
        self._bind(ast.Name(target.id, ast.Store()), value)

    def _return(self, stmt):
        if stmt.value is None:
            value: ast.expr = ast.Constant(None)
        elif isinstance(stmt.value, ast.Tuple):
            value = ast.Tuple([self.atom(e) for e in stmt.value.elts], ast.Load())
        elif _is_op(stmt.value):
            value = self._op(stmt.value)
            name = self._define("out")
            self._emit(ast.Assign([ast.Name(name, ast.Store())], value))
            value = ast.Name(name, ast.Load())
        else:
            value = self.atom(stmt.value)
            if isinstance(value, ast.Name) and value.id in self.tuples:
                value = ast.Tuple(list(self.tuples[value.id]), ast.Load())
        self._emit(ast.Return(value))

    # -- binding names ------------------------------------------------------------
    def _bind(self, target: ast.Name, value: ast.expr) -> None:
        if isinstance(value, (ast.Tuple, ast.List)) and isinstance(value.ctx, ast.Load):
            elts = [self.atom(e) for e in value.elts]
            name = self._define(target.id)
            node = type(value)(elts, ast.Load())
            if isinstance(value, ast.Tuple):
                self.tuples[name] = elts
            self._emit(ast.Assign([ast.Name(name, ast.Store())], node))
            return
        if is_atom(value) or not _is_op(value):
            rhs = self.atom(value)
        else:
            rhs = self._op(value)
        name = self._define(target.id)
        if isinstance(rhs, ast.Name):
            group = self.aliases.setdefault(rhs.id, {rhs.id})
            group.add(name)
            self.aliases[name] = group
        self._emit(ast.Assign([ast.Name(name, ast.Store())], rhs))

    def _assign_target(self, target: ast.expr, atom: ast.expr) -> None:
        """Assign an atom that is already lowered (its names already renamed)."""
        if isinstance(target, ast.Name):
            name = self._define(target.id)
            if isinstance(atom, ast.Name):
                group = self.aliases.setdefault(atom.id, {atom.id})
                group.add(name)
                self.aliases[name] = group
                if atom.id in self.tuples:
                    self.tuples[name] = self.tuples[atom.id]
            elif isinstance(atom, ast.Tuple):
                self.tuples[name] = list(atom.elts)
            self._emit(ast.Assign([ast.Name(name, ast.Store())], atom))
        elif isinstance(target, (ast.Tuple, ast.List)):
            parts = self._unpack(atom, len(target.elts), target)
            for sub, part in zip(target.elts, parts):
                self._assign_target(sub, part)
        else:
            what = "element" if isinstance(target, ast.Subscript) else "attribute"
            raise UnsupportedSyntaxError(f"assignment to an array {what} is not supported.",
                                         self.where(target),
                                         fix="Build a new array instead (np.where, np.stack).")

    def _unpack(self, atom, n, target) -> list[ast.expr]:
        if isinstance(atom, (ast.Tuple, ast.List)):
            elts = atom.elts
        elif isinstance(atom, ast.Name) and atom.id in self.tuples:
            elts = self.tuples[atom.id]
        else:
            raise UnsupportedSyntaxError(
                "unpacking a value that is not a tuple written in this function is not "
                "supported.", self.where(target), fix="Index the value instead: a = t[0].")
        if len(elts) != n:
            raise UnsupportedSyntaxError(f"cannot unpack {len(elts)} values into {n} names.",
                                         self.where(target))
        return list(elts)

    def _define(self, name: str) -> str:
        # The user's own names are reserved up front, so a first definition keeps its name.
        new = self.namer.version(name) if name in self.current else self.namer.reserve(name)
        self.current[name] = new
        return new

    def _check_alias(self, name: str, stmt) -> None:
        ssa = self.current.get(name)
        others = self.aliases.get(ssa, set()) - {ssa}
        user_names = {n for n, s in self.current.items() if s in others and n != name}
        read_later = self.reads_after[self.index] if self.index < len(self.reads_after) else set()
        shared = sorted(user_names & read_later)
        if shared:
            raise InPlaceError(
                f"`{name} {_OP_TEXT.get(type(stmt.op), '?=')} ...` changes an array in place "
                f"that `{shared[0]}` also names, and `{shared[0]}` is read afterwards.",
                self.where(stmt), fix=f"Write `{name} = {name} ... ` to make a new value, or "
                                      f"copy it first: `{shared[0]} = {name}.copy()`.")

    # -- expressions ------------------------------------------------------------
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
            name = self.namer.temp()
            self._emit(ast.Assign([ast.Name(name, ast.Store())], value))
            return ast.Name(name, ast.Load())
        for kind, what in _REFUSED_EXPRS.items():
            if isinstance(node, kind):
                raise UnsupportedSyntaxError(f"{what} are not supported.", self.where(node),
                                             fix=_fix_for(node))
        if isinstance(node, (ast.Attribute, *_OPAQUE_EXPRS)):
            return _Rename(self.current).visit(node)
        raise UnsupportedSyntaxError(f"`{type(node).__name__}` expressions are not supported.",
                                     self.where(node))

    def _op(self, node: ast.expr) -> ast.expr:
        """One operation over atoms."""
        if isinstance(node, ast.BinOp):
            return ast.BinOp(self.atom(node.left), node.op, self.atom(node.right))
        if isinstance(node, ast.UnaryOp):
            return ast.UnaryOp(node.op, self.atom(node.operand))
        if isinstance(node, ast.Compare):
            return ast.Compare(self.atom(node.left), node.ops,
                               [self.atom(c) for c in node.comparators])
        if isinstance(node, ast.BoolOp):
            return ast.BoolOp(node.op, [self.atom(v) for v in node.values])
        if isinstance(node, ast.Subscript):
            return ast.Subscript(self.atom(node.value), self._index(node.slice), ast.Load())
        if isinstance(node, ast.Call):
            for arg in node.args:
                if isinstance(arg, ast.Starred):
                    raise UnsupportedSyntaxError("`*` unpacking in calls is not supported.",
                                                 self.where(arg))
            if any(k.arg is None for k in node.keywords):
                raise UnsupportedSyntaxError("`**` unpacking in calls is not supported.",
                                             self.where(node))
            return ast.Call(node.func, [self.atom(a) for a in node.args],
                            [ast.keyword(k.arg, self.atom(k.value)) for k in node.keywords])
        raise AssertionError(node)


    def _index(self, node: ast.expr) -> ast.expr:
        if isinstance(node, ast.Slice):
            parts = [None if p is None else self.atom(p) for p in (node.lower, node.upper, node.step)]
            return ast.Slice(*parts)
        if isinstance(node, ast.Tuple):
            return ast.Tuple([self._index(e) for e in node.elts], ast.Load())
        return self.atom(node)


def _is_op(node) -> bool:
    return isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Compare, ast.BoolOp, ast.Call,
                             ast.Subscript)) and not is_constant(node)


class _Rename(ast.NodeTransformer):
    def __init__(self, current):
        self.current = current

    def visit_Name(self, node):
        return ast.Name(self.current.get(node.id, node.id), node.ctx)


def _reads_after(stmts) -> list[set[str]]:
    """For each statement, the names read by the statements after it."""
    out, seen = [], set()
    for stmt in reversed(stmts):
        out.append(set(seen))
        seen |= {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name)
                 and isinstance(n.ctx, ast.Load)}
    return out[::-1]


_OP_TEXT = {ast.Add: "+=", ast.Sub: "-=", ast.Mult: "*=", ast.Div: "/=", ast.Pow: "**=",
            ast.MatMult: "@="}


def _fix_for(node) -> str | None:
    if isinstance(node, (ast.If, ast.For, ast.While, ast.Break, ast.Continue, ast.IfExp)):
        return "Control flow is not differentiated yet; write the computation without it."
    if isinstance(node, ast.Subscript):
        return "Indexing is not differentiated yet; use np.sum, np.dot or reshapes instead."
    if isinstance(node, (ast.With, ast.Try)):
        return "Move the block outside the function you differentiate."
    if isinstance(node, (ast.Global, ast.Nonlocal)):
        return "Pass the value as an argument and return the new value."
    if isinstance(node, (ast.ListComp, ast.GeneratorExp, ast.Lambda)):
        return "Write it out with NumPy operations on whole arrays."
    return None
