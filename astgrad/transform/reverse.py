"""Pass 5, reverse: write the forward sweep and the reverse sweep.

Input: a normalized function (see `normalize`). Output: a function whose body
is the forward sweep (the primal statements), then the reverse sweep, in
which each active statement's vjp rules are instantiated in reverse order and
adjoints are accumulated (`bx = ...` first, `bx = bx + ...` after). How the
result is returned depends on the transform: `grad` returns the gradients,
`value_and_grad` the value and the gradients, `vjp` the value and a nested
`pullback(seed)` that holds the reverse sweep.
"""
from __future__ import annotations

import ast
import copy
from dataclasses import dataclass

from ..errors import NoRuleError, NonScalarOutputError, UnsupportedSyntaxError
from . import registry
from .activity import Activity
from .kinds import Kind, UNKNOWN, expr_kind, same_shapes
from .naming import Namer
from .nodes import Comment
from .resolve import Namespace, UserScope, resolve


@dataclass(frozen=True)
class Request:
    """What the caller wants: which parameters, and which transform."""

    wrt: tuple[str, ...]
    mode: str                  # "grad", "value_and_grad" or "vjp"
    as_tuple: bool             # return a tuple of gradients even for one parameter
    name: str                  # the generated function's name


def reverse(tree: ast.FunctionDef, source, activity: Activity, kinds: dict[str, Kind],
            ns: Namespace, namer: Namer, request: Request) -> tuple[ast.FunctionDef, dict]:
    """The generated function, and which forward names share a shape (see `same_shapes`)."""
    rev = _Reverse(tree, source, activity, kinds, ns, namer, request)
    return rev.run(), rev.shapes


class _Reverse:
    def __init__(self, tree, source, activity, kinds, ns, namer, request):
        self.tree, self.source, self.activity = tree, source, activity
        self.kinds, self.ns, self.namer, self.request = kinds, ns, namer, request
        self.adjoint: dict[str, str] = {}
        self.shapes = same_shapes(tree.body, kinds, ns)

    # -- the whole function ------------------------------------------------------
    def run(self) -> ast.FunctionDef:
        *body, ret = self.tree.body
        outputs = ret.value.elts if isinstance(ret.value, ast.Tuple) else [ret.value]
        forward = _commented(body, self.source, "")
        seeds, seed_stmts, checks = self._seeds(ret, outputs)
        reverse_stmts = []
        for stmt in reversed(body):
            for adjoint in self._adjoint_of(stmt):
                reverse_stmts.append(ast.copy_location(adjoint, stmt))
        sweep = seed_stmts + _commented(reverse_stmts, self.source, ", reverse")
        grads = [self._gradient(p) for p in self.request.wrt]
        grad_value = grads[0] if len(grads) == 1 and not self.request.as_tuple \
            else ast.Tuple(grads, ast.Load())
        fn = self.tree
        fn.name = self.request.name
        fn.args = _plain_args(fn.args)
        value = ret.value
        if self.request.mode == "grad":
            fn.body = forward + checks + sweep + [ast.Return(grad_value)]
        elif self.request.mode == "value_and_grad":
            fn.body = forward + checks + sweep + [
                ast.Return(ast.Tuple([value, grad_value], ast.Load()))]
        else:
            pullback = ast.FunctionDef(
                name="pullback", args=_args([s for s in seeds]), body=checks + sweep
                + [ast.Return(grad_value)], decorator_list=[], returns=None, type_comment=None)
            if hasattr(ast, "TypeAlias"):
                pullback.type_params = []
            fn.body = forward + [pullback, ast.Return(
                ast.Tuple([value, ast.Name("pullback", ast.Load())], ast.Load()))]
        for stmt in ast.walk(fn):
            if isinstance(stmt, ast.stmt) and not hasattr(stmt, "lineno"):
                ast.copy_location(stmt, ret)
        return ast.fix_missing_locations(fn)

    # -- seeds ---------------------------------------------------------------------
    def _seeds(self, ret, outputs):
        where = self.source.where(ret)
        mode = self.request.mode
        if mode != "vjp":
            if isinstance(ret.value, ast.Tuple) or (isinstance(ret.value, ast.Constant)
                                                    and ret.value.value is None):
                what = "a tuple" if isinstance(ret.value, ast.Tuple) else "None"
                raise NonScalarOutputError(
                    f"`grad` needs a function that returns a scalar; this one returns {what}.",
                    where, fix="Use ag.vjp(f) for several outputs, or return one number.")
            out = outputs[0]
            kind = expr_kind(out, self.kinds, self.ns)
            checks = []
            if kind.ndim is not None and kind.ndim > 0:
                raise NonScalarOutputError(
                    f"`grad` needs a function that returns a scalar; this one returns a "
                    f"{kind.describe()}.", where,
                    fix="Use ag.vjp(f) for non-scalar outputs, or reduce the output "
                        "(np.sum, np.mean).")
            if kind.ndim is None:
                checks.append(ast.Expr(_call(self.ns, "rt.check_scalar",
                                             [out, ast.Constant(where)])))
            if not self._active(out):
                return [], [], checks
            stmt = self._accumulate(out.id, self._one(kind))
            return [], [stmt], checks
        unpack = []
        if isinstance(ret.value, ast.Tuple):
            seed = self.namer.fresh("seeds")
            names = [self.namer.fresh(f"b{i}") for i in range(len(outputs))]
            unpack = [ast.Assign([ast.Tuple([ast.Name(n, ast.Store()) for n in names],
                                            ast.Store())], ast.Name(seed, ast.Load()))]
        else:
            names = [self.namer.adjoint(outputs[0].id) if isinstance(outputs[0], ast.Name)
                     else self.namer.fresh("seed")]
            seed = names[0]
        checks = unpack + [
            ast.Expr(_call(self.ns, "rt.check_seed", [ast.Name(n, ast.Load()), out,
                                                      ast.Constant(where)]))
            for n, out in zip(names, outputs)]
        stmts = []
        for name, out in zip(names, outputs):
            if self._active(out):
                if out.id not in self.adjoint and len(names) == 1:
                    self.adjoint[out.id] = name
                else:
                    stmts.append(self._accumulate(out.id, ast.Name(name, ast.Load())))
        return [seed], stmts, checks

    def _one(self, kind: Kind) -> ast.expr:
        """The seed 1 in the output's precision: a float32 result keeps float32 adjoints."""
        if kind.py or kind.itemsize in (None, 8) or kind.dtype != "f":
            return ast.Constant(1.0)
        return _call(self.ns, f"np.float{8 * kind.itemsize}", [ast.Constant(1.0)])

    # -- one statement's adjoint -------------------------------------------------------
    def _active(self, node) -> bool:
        return isinstance(node, ast.Name) and node.id in self.activity.active

    def _adjoint_of(self, stmt) -> list[ast.stmt]:
        if not isinstance(stmt, ast.Assign):
            return []
        target = stmt.targets[0].id
        if target not in self.adjoint:
            return []
        g = ast.Name(self.adjoint[target], ast.Load())
        value = stmt.value
        if isinstance(value, ast.Name):
            return [self._accumulate(value.id, g)] if self._active(value) else []
        if isinstance(value, ast.BinOp):
            prim = registry.lookup(registry.BINOPS.get(type(value.op)))
            args = {"x": value.left, "y": value.right}
        elif isinstance(value, ast.UnaryOp):
            prim = registry.lookup(registry.UNARYOPS.get(type(value.op)))
            args = {"x": value.operand}
        elif isinstance(value, ast.Call):
            prim = registry.lookup(self.ns.value(value.func))
            args = self._bind(prim, value, stmt)
        else:
            return []
        if prim is None:
            raise NoRuleError(f"`{ast.unparse(value)}` has no derivative rule.",
                              self.source.where(stmt))
        return self._apply(prim, args, target, g, stmt)

    def _bind(self, prim, call, stmt):
        try:
            return prim.bind(call.args, {k.arg: k.value for k in call.keywords})
        except TypeError as exc:
            raise NoRuleError(f"`{ast.unparse(call)}`: {exc}; its derivative rule takes "
                              f"({', '.join(prim.params)}).", self.source.where(stmt)) from None

    def _apply(self, prim, args, target, g, stmt) -> list[ast.stmt]:
        out = []
        where = self.source.where(stmt)
        for i, param in enumerate(prim.params):
            node = args.get(param)
            if node is None:
                continue
            if isinstance(node, (ast.Tuple, ast.List)):
                if any(self._active(e) for e in node.elts):
                    raise UnsupportedSyntaxError(
                        f"differentiable values inside a list or tuple passed to "
                        f"{prim.name} are not supported yet.", where)
                continue
            if not self._active(node):
                continue
            rule = prim.vjps[i] if i < len(prim.vjps) else None
            if rule is None:
                if i < len(prim.vjps):
                    continue             # declared: no derivative flows into this argument
                raise NoRuleError(f"{prim.name} has no derivative rule for its argument "
                                  f"`{param}`.", where,
                                  fix=f"Add one with ag.defvjp({prim.name}, ...).")
            expr = self._instantiate(rule, g, target, args, where)
            if prim.elementwise:
                expr = self._unbroadcast(expr, node, args, target)
            out.append(self._accumulate(node.id, expr))
        return out

    def _instantiate(self, rule, g, target, args, where) -> ast.expr:
        body = ast.Expression(copy.deepcopy(rule.body))
        ast.copy_location(body.body, ast.Name("_", ast.Load(), lineno=1, col_offset=0))
        ast.fix_missing_locations(body)
        placeholders = set(rule.params)
        wrapper = ast.FunctionDef(name="_rule", args=_args([]), body=[ast.Return(body.body)],
                                  decorator_list=[], lineno=1, col_offset=0)
        resolve(wrapper, UserScope(rule.fn), lambda n: where, self.ns, placeholders, check=False)
        values = {rule.params[0]: g, rule.params[1]: ast.Name(target, ast.Load())}
        for param in rule.params[2:]:
            values[param] = args.get(param) if args.get(param) is not None else ast.Constant(None)
        template_body = wrapper.body[0].value
        from .template import _Substitute
        return _Substitute(values).visit(template_body)

    def _unbroadcast(self, expr, node, args, target) -> ast.expr:
        if self.shapes.get(node.id, node.id) == self.shapes.get(target, target):
            return expr
        kx = expr_kind(node, self.kinds, self.ns)
        kz = self.kinds.get(target, UNKNOWN)
        others = [expr_kind(v, self.kinds, self.ns) for v in args.values()
                  if v is not None and v is not node]
        if kx.ndim is not None and kz.ndim is not None:
            if kx.ndim == 0 and kz.ndim == 0:
                return expr
            if kx.ndim == 0:
                return _call(self.ns, "np.sum", [expr])
            if kx.ndim == kz.ndim and all(o.ndim == 0 for o in others):
                return expr
        return _call(self.ns, "rt.unbroadcast", [expr, ast.Name(node.id, ast.Load())])

    def _accumulate(self, name: str, expr: ast.expr) -> ast.stmt:
        if name in self.adjoint:
            b = self.adjoint[name]
            expr = ast.BinOp(ast.Name(b, ast.Load()), ast.Add(), expr)
        else:
            b = self.adjoint[name] = self.namer.adjoint(name)
        return ast.Assign([ast.Name(b, ast.Store())], expr)

    # -- the gradients returned ---------------------------------------------------------
    def _gradient(self, param: str) -> ast.expr:
        kind = self.kinds.get(param, UNKNOWN)
        if param not in self.adjoint:
            if kind.py:
                return ast.Constant(0.0)
            name = "np.zeros_like" if kind.ndim is not None else "rt.zeros_like"
            return _call(self.ns, name, [ast.Name(param, ast.Load())])
        b = ast.Name(self.adjoint[param], ast.Load())
        if kind.py:
            return _call(self.ns, "float", [b])   # dropped by optimize where b is a float
        return b


# -- small AST helpers ----------------------------------------------------------------
def _call(ns: Namespace, dotted: str, args) -> ast.Call:
    import builtins

    import numpy as np

    from .. import runtime
    root, _, rest = dotted.partition(".")
    obj = {"np": np, "rt": runtime}.get(root) or getattr(builtins, root)
    for part in filter(None, rest.split(".")):
        obj = getattr(obj, part)
    return ast.Call(ns.ref(obj), list(args), [])


def _args(names) -> ast.arguments:
    return ast.arguments(posonlyargs=[], args=[ast.arg(n) for n in names], vararg=None,
                         kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])


def _plain_args(args: ast.arguments) -> ast.arguments:
    """The same parameters without defaults or annotations (the dispatcher applies defaults)."""
    strip = lambda a: ast.arg(a.arg)  # noqa: E731
    return ast.arguments(posonlyargs=[strip(a) for a in args.posonlyargs],
                         args=[strip(a) for a in args.args], vararg=None,
                         kwonlyargs=[strip(a) for a in args.kwonlyargs],
                         kw_defaults=[None] * len(args.kwonlyargs), kwarg=None, defaults=[])


def _commented(stmts, source, suffix) -> list[ast.stmt]:
    """`stmts` with a `# line N: <user's line>` comment before each run from one line."""
    out, last = [], None
    for stmt in stmts:
        if stmt.lineno != last:
            last = stmt.lineno
            out.append(Comment(f"line {last}{suffix}: {source.line_text(last)}"))
        out.append(stmt)
    return out
