"""Pass 5 for `jvp`, forward: carry a tangent beside each value that varies.

Input: a normalized function (see `normalize`). Output: the same function,
taking the tangent(s) of the differentiated parameters as its last argument,
where each statement that makes a varying value is followed by the statement
making its tangent (`tz = tx * np.cos(x)`), and which returns `(value,
tangent)`. Loops and branches keep their shape and nothing is saved: forward
mode needs no reverse sweep.
"""
from __future__ import annotations

import ast
import copy
import inspect
import types

from ..errors import NoRuleError
from . import registry
from .activity import Activity
from .build import assign as _assign
from .build import call as _call
from .build import commented as _commented
from .build import is_add_at
from .build import is_append as _is_append
from .build import is_method_call as _is_method_call
from .build import load as _load
from .build import located as _located
from .build import plain_args as _plain_args
from .kinds import UNKNOWN, Kind, Shapes, expr_kind
from .naming import Namer
from .request import Request
from .resolve import Namespace


def forward(tree: ast.FunctionDef, source, activity: Activity, kinds: dict[str, Kind],
            ns: Namespace, namer: Namer, request: Request,
            callee_jvp=None) -> tuple[ast.FunctionDef, dict]:
    """The generated function, and which forward names share a shape (see `Shapes`).

    `callee_jvp(fn, wrt)` gives the jvp of a user function called, not inlined."""
    fwd = _Forward(tree, source, activity, kinds, ns, namer, request, callee_jvp)
    return fwd.run(), fwd.shapes.rep


class _Forward:
    def __init__(self, tree, source, activity, kinds, ns, namer, request, callee_jvp):
        self.tree, self.source, self.varied = tree, source, activity.varied
        self.kinds, self.ns, self.namer, self.request = kinds, ns, namer, request
        self.callee_jvp = callee_jvp
        params = [a.arg for a in tree.args.posonlyargs + tree.args.args + tree.args.kwonlyargs]
        self.shapes = Shapes(tree.body[:-1], kinds, ns, params)
        self.tangent: dict[str, str] = {}

    def run(self) -> ast.FunctionDef:
        *body, ret = self.tree.body
        where = self.source.where(ret)
        wrt = self.request.wrt
        names = [self._tangent_name(p) for p in wrt]
        if len(wrt) == 1 and not self.request.as_tuple:
            params, unpack = names, []
        else:
            params = [self.namer.fresh("tangents")]
            unpack = [ast.Assign([ast.Tuple([ast.Name(n, ast.Store()) for n in names],
                                            ast.Store())], _load(params[0]))]
        checks = [ast.Expr(_call(self.ns, "rt.check_tangent",
                                 [_load(t), _load(p), ast.Constant(where)]))
                  for t, p in zip(names, wrt)]
        stmts = _commented(self._block(body), self.source, "")
        outputs = ret.value.elts if isinstance(ret.value, ast.Tuple) else [ret.value]
        tangents = [self._tangent_of(o) for o in outputs]
        tangent = tangents[0] if not isinstance(ret.value, ast.Tuple) \
            else ast.Tuple(tangents, ast.Load())
        fn = self.tree
        fn.name = self.request.name
        fn.args = _plain_args(fn.args)
        fn.args.args += [ast.arg(p) for p in params]
        if fn.args.kwonlyargs:                     # the tangent comes last, by position
            fn.args.args += [ast.arg(a.arg) for a in fn.args.kwonlyargs]
            fn.args.kwonlyargs, fn.args.kw_defaults = [], []
            fn.args.args = [a for a in fn.args.args if a.arg not in params] + \
                [ast.arg(p) for p in params]
        fn.body = unpack + checks + stmts + [ast.Return(ast.Tuple([ret.value, tangent],
                                                                  ast.Load()))]
        for stmt in ast.walk(fn):
            if isinstance(stmt, ast.stmt) and not hasattr(stmt, "lineno"):
                ast.copy_location(stmt, ret)
        return ast.fix_missing_locations(fn)

    # -- names ---------------------------------------------------------------------------
    def _tangent_name(self, name: str) -> str:
        if name not in self.tangent:
            self.tangent[name] = self.namer.tangent(name)
        return self.tangent[name]

    def _varies(self, node) -> bool:
        return isinstance(node, ast.Name) and node.id in self.varied

    def _tangent_of(self, node) -> ast.expr:
        """The tangent of an atom, or a zero of its kind."""
        if self._varies(node):
            return _load(self._tangent_name(node.id))
        return self._zero(node)

    def _zero(self, node) -> ast.expr:
        """A zero tangent for the value `node`."""
        kind = expr_kind(node, self.kinds, self.ns)
        if kind.py or kind.ndim == 0 and isinstance(node, ast.Constant):
            return ast.Constant(0.0)
        if isinstance(node, (ast.Tuple, ast.List)):
            return type(node)([self._tangent_of(e) for e in node.elts], ast.Load())
        name = "np.zeros_like" if kind.ndim is not None and kind.dtype != "O" else "rt.zeros_like"
        return _call(self.ns, name, [copy.deepcopy(node)])

    # -- blocks ----------------------------------------------------------------------------
    def _block(self, stmts) -> list[ast.stmt]:
        out = []
        for stmt in stmts:
            out.extend(_located(self._statement(stmt), stmt))
        return out

    def _statement(self, stmt) -> list[ast.stmt]:
        if isinstance(stmt, ast.If):
            return [ast.If(stmt.test, self._block(stmt.body), self._block(stmt.orelse))]
        if isinstance(stmt, ast.For):
            return [ast.For(stmt.target, stmt.iter, self._block(stmt.body), [])]
        if isinstance(stmt, ast.While):
            return [ast.While(stmt.test, self._block(stmt.body), [])]
        if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Subscript):
            return self._store_item(stmt)
        if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name):
            return self._assign(stmt)
        if isinstance(stmt, ast.Expr) and _is_append(stmt.value):
            lst, item = stmt.value.func.value, stmt.value.args[0]
            if not self._varies(lst):
                return [stmt]
            t = _load(self._tangent_name(lst.id))
            return [stmt, ast.Expr(ast.Call(ast.Attribute(t, "append", ast.Load()),
                                            [self._tangent_of(item)], []))]
        if isinstance(stmt, ast.Expr) and is_add_at(stmt.value, self.ns):
            base, index, value = stmt.value.args
            if not self._varies(base):
                return [stmt]
            add_at = copy.deepcopy(stmt.value)
            add_at.args = [_load(self._tangent_name(base.id)), copy.deepcopy(index),
                           self._tangent_of(value)]
            return [stmt, ast.Expr(add_at)]
        return [stmt]

    def _store_item(self, stmt) -> list[ast.stmt]:
        target = stmt.targets[0]
        if not self._varies(target.value):
            return [stmt]
        t = _load(self._tangent_name(target.value.id))
        write = ast.Assign([ast.Subscript(t, copy.deepcopy(target.slice), ast.Store())],
                           self._tangent_of(stmt.value))
        return [stmt, write]

    def _assign(self, stmt) -> list[ast.stmt]:
        target, value = stmt.targets[0].id, stmt.value
        if target not in self.varied:
            return [stmt]
        t = self._tangent_name(target)
        if isinstance(value, ast.Call) and self._user_function(value):
            return self._call_user(stmt)
        expr = self._tangent_expr(stmt, target, value)
        return [stmt, _assign(t, expr)]

    def _tangent_expr(self, stmt, target, value) -> ast.expr:
        if isinstance(value, (ast.Name, ast.Constant, ast.Tuple, ast.List)):
            return self._tangent_of(value)
        if isinstance(value, ast.Subscript):
            if not self._varies(value.value):
                return self._zero(_load(target))
            return ast.Subscript(_load(self._tangent_name(value.value.id)),
                                 copy.deepcopy(value.slice), ast.Load())
        if isinstance(value, ast.Call) and _is_method_call(value, "pop"):
            lst = value.func.value
            if not self._varies(lst):
                return self._zero(_load(target))
            return ast.Call(ast.Attribute(_load(self._tangent_name(lst.id)), "pop",
                                          ast.Load()), [], [])
        if not isinstance(value, (ast.BinOp, ast.UnaryOp, ast.Call)):
            return self._zero(_load(target))
        try:
            prim, args = registry.operation(value, self.ns)
        except TypeError as exc:
            raise NoRuleError(f"`{ast.unparse(value)}`: {exc}.",
                              self.source.where(stmt)) from None
        if prim is None and not isinstance(value, ast.Call):
            raise NoRuleError(f"`{ast.unparse(value)}` has no derivative rule.",
                              self.source.where(stmt))
        if prim is None or prim.nondiff:
            return self._zero(_load(target))
        return self._apply(prim, args, target, stmt, value)

    def _apply(self, prim, args, target, stmt, value) -> ast.expr:
        terms, shaped = [], False
        for i, param in enumerate(prim.params or ()):
            node = args.get(param)
            elements = node.elts if isinstance(node, (ast.Tuple, ast.List)) else [node]
            if node is None or not any(self._varies(e) for e in elements):
                continue
            rule = registry.forward_rule(prim, i)
            if rule == "zero":
                continue
            if rule is None:
                raise NoRuleError(
                    f"{prim.name} has no forward-mode rule for its argument `{param}`.",
                    self.source.where(stmt),
                    fix=f"Give it one with ag.defjvp({prim.name}, lambda t, ans, ...: ...).")
            tangent = self._tangent_of(node)
            if rule == "linear":
                term = _with_argument(value, param, node, tangent)
            else:
                term = rule.emit(tangent, _load(target), args, self.ns,
                                 self.source.where(stmt))
            terms.append(term)
            if isinstance(node, ast.Name) and (id(stmt), node.id) in self.shapes.equal:
                shaped = True
        if not terms:
            return self._zero(_load(target))
        expr = terms[0]
        listed = self.kinds.get(target, UNKNOWN).dtype == "O"   # a list: add element by element
        for term in terms[1:]:
            expr = _call(self.ns, "rt.add_each", [expr, term]) if listed \
                else ast.BinOp(expr, ast.Add(), term)
        if prim.elementwise and not shaped and not self._all_scalar(args, target):
            expr = _call(self.ns, "rt.broadcast_like", [expr, _load(target)])
        return expr

    def _all_scalar(self, args, target) -> bool:
        kinds = [expr_kind(v, self.kinds, self.ns) for v in args.values() if v is not None]
        return all(k.ndim == 0 for k in kinds) and self.kinds.get(target, UNKNOWN).ndim == 0

    # -- the user's large functions: their own jvp ----------------------------------------------
    def _user_function(self, call) -> bool:
        fn = self.ns.value(call.func)
        return isinstance(fn, types.FunctionType) and registry.lookup(fn) is None

    def _call_user(self, stmt) -> list[ast.stmt]:
        target, call = stmt.targets[0].id, stmt.value
        fn = self.ns.value(call.func)
        params = list(inspect.signature(fn).parameters)
        active = [(p, a) for p, a in zip(params, call.args) if self._varies(a)]
        jvp = self.callee_jvp(fn, tuple(p for p, _ in active))
        tangents = [self._tangent_of(a) for _, a in active]
        seed = ast.Tuple(tangents, ast.Load())        # wrt is a tuple: so is the tangent
        return [ast.Assign(
            [ast.Tuple([ast.Name(target, ast.Store()),
                        ast.Name(self._tangent_name(target), ast.Store())], ast.Store())],
            ast.Call(ast.Name(self.ns.bind(jvp, f"{fn.__name__}_jvp"), ast.Load()),
                     list(call.args) + [seed], []))]


def _with_argument(value: ast.expr, param: str, old: ast.expr, new: ast.expr) -> ast.expr:
    """A copy of a linear function's own call with the tangent where `old` was."""
    if isinstance(value, ast.BinOp):
        return ast.BinOp(new if param == "x" else value.left, value.op,
                         new if param == "y" else value.right)
    if isinstance(value, ast.UnaryOp):
        return ast.UnaryOp(value.op, new)
    return ast.Call(value.func, [new if a is old else a for a in value.args],
                    [ast.keyword(k.arg, new if k.value is old else k.value)
                     for k in value.keywords])
