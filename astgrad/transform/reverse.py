"""Pass 5, reverse: write the forward sweep and the reverse sweep.

Input: a normalized function (see `normalize`). Output: a function whose body
is the forward sweep (the primal statements, plus saving what loops and
branches overwrite), then the reverse sweep: each active statement's vjp
rules instantiated in reverse order, adjoints accumulated.

* Straight-line code at the top level is in SSA form, so nothing is saved:
  the first contribution to an adjoint assigns it (`bx = ...`), later ones add.
* A name assigned inside `if`/`for`/`while` is assigned in place. Before the
  assignment the forward sweep pushes the old value (`saved_h.append(h)`); the
  reverse sweep, after the statement's adjoint, pops it back (`h =
  saved_h.pop()`), so every statement's rule sees the values it saw going
  forward. Its adjoint starts at zero and, once the statement is reversed, is
  zero again (the old value is a different value). Pushes whose popped value
  nothing reads are removed afterwards (`saving.prune`).
* A branch's test is a name kept for the reverse sweep; a `for` over `range`
  is reversed over `reversed(range(...))` (cut to the iterations that ran when
  the body can `break`); a `while` counts its iterations.
* `x[i]` accumulates into its adjoint in place (`bx[i] += g`, or `np.add.at`
  where indices may repeat); `x[i] = v` saves what it overwrites; lists made
  by `[...]` and `.append` have lists of adjoints.

How the result is returned depends on the transform: `grad` returns the
gradients, `value_and_grad` the value and the gradients, `vjp` the value and
a nested `pullback(seed)` that holds the reverse sweep.
"""
from __future__ import annotations

import ast
import copy
import types

from ..errors import NoRuleError, NonScalarOutputError
from . import registry, saving
from .activity import Activity
from .build import arguments as _args
from .build import assign as _assign
from .build import call as _call
from .build import commented as _commented
from .build import is_add_at, reads
from .build import is_append as _is_append
from .build import is_method_call as _is_method_call
from .build import load as _load
from .build import located as _located
from .build import plain_args as _plain_args
from .build import target_name as _target_name
from .kinds import UNKNOWN, Kind, Shapes, expr_kind
from .naming import Namer
from .request import Request
from .resolve import Namespace


def reverse(tree: ast.FunctionDef, source, activity: Activity, kinds: dict[str, Kind],
            ns: Namespace, namer: Namer, request: Request,
            callee_vjp=None) -> tuple[ast.FunctionDef, dict]:
    """The generated function, and which forward names share a shape (see `Shapes`).

    `callee_vjp(fn, wrt)` gives the vjp of a user function the caller calls
    rather than inlines (see `normalize.INLINE_LIMIT`)."""
    rev = _Reverse(tree, source, activity, kinds, ns, namer, request)
    rev.callee_vjp = callee_vjp
    return rev.run(), rev.shapes.rep


def _assigned_inside(stmts) -> set[str]:
    """Names assigned within compound statements: these are assigned in place."""
    out = set()
    for stmt in stmts:
        if isinstance(stmt, (ast.If, ast.For, ast.While)):
            for node in ast.walk(stmt):
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    out.add(node.id)
    return out


class _Reverse:
    def __init__(self, tree, source, activity, kinds, ns, namer, request):
        self.tree, self.source, self.activity = tree, source, activity
        self.kinds, self.ns, self.namer, self.request = kinds, ns, namer, request
        body = tree.body[:-1]
        self.inplace = _assigned_inside(body)
        params = [a.arg for a in tree.args.posonlyargs + tree.args.args + tree.args.kwonlyargs]
        self.shapes = Shapes(body, kinds, ns, params)
        self.adjoint: dict[str, str] = {}
        self.stacks: dict[str, str] = {}
        self.recomputed: set[str] = set()
        self.sequences = _sequences(body) | {
            n for n, k in kinds.items() if k.dtype == "O" and k.item is not None} | {
            s.targets[0].id for s in (n for b in body for n in ast.walk(b))
            if isinstance(s, ast.Assign) and isinstance(s.targets[0], ast.Name)
            and isinstance(s.value, ast.Call) and _returns_tuple(ns.value(s.value.func))}
        self.owned = set()       # adjoints updated in place: always fresh arrays of their own
        self.dynamic = set()     # adjoints that start at zero and only ever accumulate
        self._classify(body, depth=0)

    # -- which adjoints start at zero ---------------------------------------------------
    def _classify(self, stmts, depth):
        for stmt in stmts:
            if isinstance(stmt, (ast.If, ast.For, ast.While)):
                self._classify(stmt.body, depth + 1)
                self._classify(stmt.orelse, depth + 1)
                continue
            names = [n for n in reads(stmt) if self._active_name(n)]
            target = _target_name(stmt)
            if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Subscript):
                self.owned.add(target)
                self.dynamic.update(names + [target])
            elif isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Subscript):
                base = stmt.value.value.id if isinstance(stmt.value.value, ast.Name) else None
                if base is not None:
                    self.owned.add(base)
                    self.dynamic.add(base)
            if depth > 0:
                self.dynamic.update(names)
                if target is not None:
                    self.dynamic.add(target)
        self.dynamic |= self.sequences & self.activity.active
        self.owned |= self.sequences & self.activity.active
        self.dynamic = {n for n in self.dynamic if self._active_name(n)}

    def _active_name(self, name) -> bool:
        return name in self.activity.active

    def _active(self, node) -> bool:
        return isinstance(node, ast.Name) and node.id in self.activity.active

    # -- the whole function ----------------------------------------------------------------
    def run(self) -> ast.FunctionDef:
        *body, ret = self.tree.body
        outputs = ret.value.elts if isinstance(ret.value, ast.Tuple) else [ret.value]
        seeds, seed_stmts, checks = self._seeds(ret, outputs)
        forward, backward = self._block(body, depth=0)
        zeros = [self._zero_init(n) for n in sorted(self.dynamic)
                 if n not in self.adjoint or n in self.dynamic]
        sweep = zeros + seed_stmts + backward
        for name in self.dynamic:
            self.adjoint.setdefault(name, self._adjoint_name(name))
        grads = [self._gradient(p) for p in self.request.wrt]
        forward, sweep = saving.prune(forward, sweep, grads, self.stacks, self.ns)
        forward = saving.initial_values(self.stacks, self._defined_first(body)) + \
            [s for s in (self._new_stack(v) for v in self.stacks) if s] + forward
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
            inner = saving.private_copies(checks + sweep + [ast.Return(grad_value)],
                                          forward, self.stacks, self.namer)
            pullback = ast.FunctionDef(name="pullback", args=_args(seeds), body=inner,
                                       decorator_list=[], returns=None, type_comment=None)
            if hasattr(ast, "TypeAlias"):
                pullback.type_params = []
            fn.body = forward + [pullback, ast.Return(
                ast.Tuple([value, ast.Name("pullback", ast.Load())], ast.Load()))]
        for stmt in ast.walk(fn):
            if isinstance(stmt, ast.stmt) and not hasattr(stmt, "lineno"):
                ast.copy_location(stmt, ret)
        return ast.fix_missing_locations(fn)

    def _defined_first(self, body) -> set[str]:
        """Names with a value before any loop or branch assigns them."""
        out = {a.arg for a in self.tree.args.args + self.tree.args.posonlyargs
               + self.tree.args.kwonlyargs}
        for stmt in body:
            if isinstance(stmt, (ast.If, ast.For, ast.While)):
                break
            if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name):
                out.add(stmt.targets[0].id)
        return out

    # -- seeds -------------------------------------------------------------------------------
    def _seeds(self, ret, outputs):
        where = self.source.where(ret)
        if self.request.mode != "vjp":
            value = ret.value
            if isinstance(value, ast.Tuple) or (isinstance(value, ast.Constant)
                                                and value.value is None):
                what = "a tuple" if isinstance(value, ast.Tuple) else "None"
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
            return [], [self._accumulate(out.id, self._one(kind))], checks
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
                if out.id not in self.adjoint and len(names) == 1 \
                        and out.id not in self.dynamic:
                    self.adjoint[out.id] = name
                else:
                    stmts.append(self._accumulate(out.id, ast.Name(name, ast.Load())))
        return [seed], stmts, checks

    def _one(self, kind: Kind) -> ast.expr:
        """The seed 1 in the output's precision: a float32 result keeps float32 adjoints."""
        if kind.py or kind.itemsize in (None, 8) or kind.dtype != "f":
            return ast.Constant(1.0)
        return _call(self.ns, f"np.float{8 * kind.itemsize}", [ast.Constant(1.0)])

    # -- blocks ---------------------------------------------------------------------------
    def _block(self, stmts, depth) -> tuple[list, list]:
        forward, backward = [], []
        for stmt in reversed(stmts):          # adjoints are made in reverse order
            fwd, bwd = self._statement(stmt, depth)
            forward[:0] = _located(fwd, stmt)
            backward.extend(_located(bwd, stmt))
        if depth == 0:
            forward = _commented(forward, self.source, "")
            backward = _commented(backward, self.source, ", reverse")
        return forward, backward

    def _statement(self, stmt, depth) -> tuple[list, list]:
        if isinstance(stmt, ast.If):
            return self._if(stmt, depth)
        if isinstance(stmt, ast.For):
            return self._for(stmt, depth)
        if isinstance(stmt, ast.While):
            return self._while(stmt, depth)
        if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Subscript):
            return self._store_item(stmt, depth)
        if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name):
            return self._assign(stmt, depth)
        if isinstance(stmt, ast.Expr) and _is_append(stmt.value):
            return self._append(stmt)
        if isinstance(stmt, ast.Expr) and is_add_at(stmt.value, self.ns):
            return self._add_at(stmt)
        return [stmt], []                       # print(...), assert, break, continue

    # -- compound statements ----------------------------------------------------------------
    def _if(self, stmt, depth):
        body_f, body_b = self._block(stmt.body, depth + 1)
        else_f, else_b = self._block(stmt.orelse, depth + 1)
        forward = [ast.If(stmt.test, body_f, else_f)]
        backward = [ast.If(copy.deepcopy(stmt.test), body_b, else_b)] if body_b or else_b else []
        return forward, backward

    def _for(self, stmt, depth):
        again = self._recomputable(stmt)
        self.recomputed |= {a.targets[0].id for a in again}
        body_f, body_b = self._block(stmt.body, depth + 1)
        if body_b:
            body_b = [copy.deepcopy(a) for a in again] + body_b
        target = stmt.target.id
        span = copy.deepcopy(stmt.iter)
        forward, backward = self._save(target, depth)[0], []
        if _breaks(stmt.body):
            count = self.namer.fresh("n")
            forward += [_assign(count, ast.Constant(0))]
            body_f = [_assign(count, ast.BinOp(_load(count), ast.Add(), ast.Constant(1)))] \
                + body_f
            span = ast.Subscript(span, ast.Slice(None, _load(count), None), ast.Load())
            self.inplace.add(count)
            forward = self._save(count, depth)[0] + forward
            backward_restore = self._save(count, depth)[1]
        else:
            backward_restore = []
        forward.append(ast.For(stmt.target, stmt.iter, body_f, []))
        if body_b:
            reversed_span = ast.Call(ast.Name("reversed", ast.Load()), [span], [])
            backward.append(ast.For(ast.Name(target, ast.Store()), reversed_span, body_b, []))
        backward += self._save(target, depth)[1] + backward_restore
        return forward, backward

    def _while(self, stmt, depth):
        body_f, body_b = self._block(stmt.body, depth + 1)
        count = self.namer.fresh("n")
        self.inplace.add(count)
        save, restore = self._save(count, depth)
        forward = save + [_assign(count, ast.Constant(0)), ast.While(
            stmt.test, [_assign(count, ast.BinOp(_load(count), ast.Add(), ast.Constant(1)))]
            + body_f, [])]
        backward = []
        if body_b:
            step = self.namer.fresh("_")
            backward.append(ast.For(ast.Name(step, ast.Store()), ast.Call(
                ast.Name("range", ast.Load()), [_load(count)], []), body_b, []))
        return forward, backward + restore

    # -- saving what is overwritten ------------------------------------------------------------
    def _recomputable(self, loop) -> list[ast.Assign]:
        """`v = X[t]` in a loop body, `X` and `t` unchanged by the iteration: cheaper to
        compute again at the top of each reverse iteration than to save."""
        changed = {n.id for n in ast.walk(loop) if isinstance(n, ast.Name)
                   and isinstance(n.ctx, ast.Store)} - {loop.target.id}
        read_before, out = set(), []
        for stmt in loop.body:
            if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name) \
                    and isinstance(stmt.value, ast.Subscript) \
                    and not (set(reads(stmt.value)) & changed) \
                    and stmt.targets[0].id not in read_before \
                    and self._assigned_once(stmt.targets[0].id):
                out.append(stmt)
            read_before |= set(reads(stmt))
        return out

    def _assigned_once(self, name) -> bool:
        return sum(isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store) and n.id == name
                   for n in ast.walk(self.tree)) == 1

    def _save(self, name, depth) -> tuple[list, list]:
        """Push the old value before an in-place assignment; pop it after its adjoint."""
        if depth == 0 and name not in self.inplace or name not in self.inplace \
                or name in self.recomputed:
            return [], []
        stack = self.stacks.setdefault(name, self.namer.fresh(f"saved_{name.lstrip('_')}"))
        push = ast.Expr(ast.Call(ast.Attribute(_load(stack), "append", ast.Load()),
                                 [_load(name)], []))
        pop = _assign(name, ast.Call(ast.Attribute(_load(stack), "pop", ast.Load()), [], []))
        return [push], [pop]

    def _new_stack(self, name):
        return _assign(self.stacks[name], ast.List([], ast.Load()))

    # -- simple statements ---------------------------------------------------------------------
    def _assign(self, stmt, depth):
        target = stmt.targets[0].id
        if isinstance(stmt.value, ast.Call) and \
                isinstance(self.ns.value(stmt.value.func), types.FunctionType) and \
                registry.lookup(self.ns.value(stmt.value.func)) is None:
            return self._call_user(stmt, depth)
        save, restore = self._save(target, depth) if depth > 0 else ([], [])
        forward = save + [stmt]
        if target not in self.activity.active or \
                target not in self.adjoint and target not in self.dynamic:
            return forward, restore             # nothing flowed back into it: zero adjoint
        g = _load(self._adjoint_name(target))
        value = stmt.value
        if target in self.dynamic and target in reads(value):
            # `h = f(h)`: hold the new value's adjoint, zero the old one's, then add into it.
            held = self.namer.fresh(f"g{target.lstrip('_')}")
            backward = [_assign(held, g), self._reset(target)]
            backward += self._contributions(stmt, target, _load(held))
        else:
            backward = self._contributions(stmt, target, g)
            if target in self.dynamic:
                backward.append(self._reset(target))
        return forward, backward + restore

    def _contributions(self, stmt, target, g) -> list[ast.stmt]:
        value = stmt.value
        if isinstance(value, ast.Name):
            return [self._accumulate(value.id, g)] if self._active(value) else []
        if isinstance(value, (ast.Tuple, ast.List)):
            return [self._accumulate(e.id, ast.Subscript(g, ast.Constant(i), ast.Load()))
                    for i, e in enumerate(value.elts) if self._active(e)]
        if isinstance(value, ast.Subscript):
            return self._read_item(value, g)
        if isinstance(value, ast.Call) and _is_method_call(value, "pop"):
            lst = value.func.value       # `v = xs.pop()`: its adjoint goes back on the list
            if not self._active(lst):
                return []
            b = _load(self._adjoint_name(lst.id))
            return [ast.Expr(ast.Call(ast.Attribute(b, "append", ast.Load()), [g], []))]
        if not isinstance(value, (ast.BinOp, ast.UnaryOp, ast.Call)):
            return []
        prim, args = self._operation(value, stmt)
        if prim is None:
            raise NoRuleError(f"`{ast.unparse(value)}` has no derivative rule.",
                              self.source.where(stmt))
        if prim.nondiff:
            return []
        return self._apply(prim, args, target, g, stmt)

    def _call_user(self, stmt, depth):
        """`z = helper(x, a)` for a large helper: call its vjp; its pullback holds its
        forward values, and the reverse sweep calls the pullback."""
        target, call = stmt.targets[0].id, stmt.value
        fn = self.ns.value(call.func)
        import inspect
        params = list(inspect.signature(fn).parameters)
        active = [(p, a) for p, a in zip(params, call.args) if self._active(a)]
        if target not in self.activity.active or not active:
            save, restore = self._save(target, depth) if depth > 0 else ([], [])
            return save + [stmt], restore
        vjp = self.callee_vjp(fn, tuple(p for p, _ in active))
        pullback = self.namer.fresh(f"{target}_pullback")
        if depth > 0:
            self.inplace.add(pullback)
        saves = [self._save(n, depth) if depth > 0 else ([], []) for n in (target, pullback)]
        forward = saves[0][0] + saves[1][0] + [ast.Assign(
            [ast.Tuple([ast.Name(target, ast.Store()), ast.Name(pullback, ast.Store())],
                       ast.Store())],
            ast.Call(ast.Name(self.ns.bind(vjp, f"{fn.__name__}_vjp"), ast.Load()),
                     call.args, []))]
        parts = [self.namer.fresh(f"b{a.id.lstrip('_')}_") for _, a in active]
        backward = [ast.Assign([ast.Tuple([ast.Name(p, ast.Store()) for p in parts],
                                          ast.Store())],
                               ast.Call(_load(pullback), [_load(self._adjoint_name(target))],
                                        []))]
        backward += [self._accumulate(a.id, _load(p)) for p, (_, a) in zip(parts, active)]
        if target in self.dynamic:
            backward.append(self._reset(target))
        return forward, backward + saves[1][1] + saves[0][1]

    def _read_item(self, value: ast.Subscript, g) -> list[ast.stmt]:
        """`v = x[i]`: add `g` into `bx` at `i`, in place."""
        base = value.value
        if not self._active(base):
            return []
        b = _load(self._adjoint_name(base.id))
        index = copy.deepcopy(value.slice)
        if self._repeatable(index) and base.id not in self.sequences:
            add_at = ast.Attribute(ast.Attribute(self.ns.ref(__import__("numpy")), "add",
                                                 ast.Load()), "at", ast.Load())
            return [ast.Expr(ast.Call(add_at, [b, index, g], []))]
        return [ast.AugAssign(ast.Subscript(b, index, ast.Store()), ast.Add(), g)]

    def _repeatable(self, index) -> bool:
        """Might this index name one element twice (an integer array, a list)?"""
        parts = index.elts if isinstance(index, ast.Tuple) else [index]
        for part in parts:
            if isinstance(part, ast.Slice) or isinstance(part, ast.Constant):
                continue
            kind = expr_kind(part, self.kinds, self.ns)
            if not (kind.ndim == 0 and kind.dtype in ("i", "u")):
                if kind.dtype == "b" and kind.ndim is not None and kind.ndim > 0:
                    continue                     # a boolean mask names each element once
                return True
        return False

    def _store_item(self, stmt, depth):
        """`x[i] = v`: save what is overwritten; `bv` gets `bx[i]`, which is then zero."""
        target = stmt.targets[0]
        base = target.value.id
        stack = self.stacks.setdefault(f"{base}[]", self.namer.fresh(f"saved_{base}_items"))
        old = ast.Call(self.ns.ref(__import__("numpy").copy),
                       [ast.Subscript(_load(base), copy.deepcopy(target.slice), ast.Load())], [])
        push = ast.Expr(ast.Call(ast.Attribute(_load(stack), "append", ast.Load()), [old], []))
        restore = ast.Assign([ast.Subscript(_load(base), copy.deepcopy(target.slice),
                                            ast.Store())],
                             ast.Call(ast.Attribute(_load(stack), "pop", ast.Load()), [], []))
        backward = []
        if base in self.activity.active:
            b = _load(self._adjoint_name(base))
            part = ast.Subscript(b, copy.deepcopy(target.slice), ast.Load())
            if self._active(stmt.value):
                kind_v = expr_kind(stmt.value, self.kinds, self.ns)
                # a copy: `bx[i]` is a view, and it is zeroed next
                contribution = _call(self.ns, "np.sum", [part]) if kind_v.ndim == 0 else \
                    _call(self.ns, "rt.unbroadcast", [_call(self.ns, "np.copy", [part]),
                                                      stmt.value])
                backward.append(self._accumulate(stmt.value.id, contribution))
            backward.append(ast.Assign([ast.Subscript(b, copy.deepcopy(target.slice),
                                                      ast.Store())], ast.Constant(0.0)))
        return [push, stmt], backward + [restore]

    def _add_at(self, stmt):
        """`np.add.at(x, i, v)`: `bv` gathers `bx` at `i`; `x` is restored afterwards."""
        base, index, value = stmt.value.args
        stack = self.stacks.setdefault(f"{base.id}[]", self.namer.fresh(f"saved_{base.id}_items"))
        item = lambda: ast.Subscript(_load(base.id), copy.deepcopy(index), ast.Load())  # noqa
        push = ast.Expr(ast.Call(ast.Attribute(_load(stack), "append", ast.Load()),
                                 [_call(self.ns, "np.copy", [item()])], []))
        restore = ast.Assign([ast.Subscript(_load(base.id), copy.deepcopy(index), ast.Store())],
                             ast.Call(ast.Attribute(_load(stack), "pop", ast.Load()), [], []))
        backward = []
        if self._active(base) and self._active(value):
            part = ast.Subscript(_load(self._adjoint_name(base.id)), copy.deepcopy(index),
                                 ast.Load())
            backward.append(self._accumulate(value.id, _call(self.ns, "rt.unbroadcast",
                                                             [part, value])))
        return [push, stmt], backward + [restore]

    def _append(self, stmt):
        call = stmt.value
        lst, item = call.func.value, call.args[0]
        if not (self._active(lst) and self._active(item)):
            return [stmt], []
        b = _load(self._adjoint_name(lst.id))
        pop = ast.Call(ast.Attribute(b, "pop", ast.Load()), [], [])
        return [stmt], [self._accumulate(item.id, pop)]

    # -- rules ---------------------------------------------------------------------------------
    def _operation(self, value, stmt):
        try:
            return registry.operation(value, self.ns)
        except TypeError as exc:
            prim = registry.lookup(self.ns.value(value.func))
            raise NoRuleError(f"`{ast.unparse(value)}`: {exc}; its derivative rule takes "
                              f"({', '.join(prim.params)}).", self.source.where(stmt)) from None

    def _apply(self, prim, args, target, g, stmt) -> list[ast.stmt]:
        out = []
        where = self.source.where(stmt)
        for i, param in enumerate(prim.params):
            node = args.get(param)
            if node is None:
                continue
            sequence = isinstance(node, (ast.Tuple, ast.List)) or \
                isinstance(node, ast.Name) and node.id in self.sequences
            elements = node.elts if isinstance(node, (ast.Tuple, ast.List)) else [node]
            if not any(self._active(e) for e in elements):
                continue
            rule = prim.vjps[i] if i < len(prim.vjps) else None
            if rule is None:
                if i < len(prim.vjps):
                    continue             # declared: no derivative flows into this argument
                raise NoRuleError(f"{prim.name} has no derivative rule for its argument "
                                  f"`{param}`.", where,
                                  fix=f"Add one with ag.defvjp({prim.name}, ...).")
            expr = rule.emit(g, _load(target), args, self.ns, where)
            if sequence:
                out += self._spread(node, expr)
                continue
            if prim.elementwise and (id(stmt), node.id) not in self.shapes.equal:
                expr = self._unbroadcast(expr, node, args, target)
            out.append(self._accumulate(node.id, expr))
        return out

    def _spread(self, node, expr) -> list[ast.stmt]:
        """A rule for a list argument gives a list: one adjoint per element."""
        if isinstance(node, ast.Name):
            b = _load(self._adjoint_name(node.id))
            return [_assign(b.id, _call(self.ns, "rt.add_each", [b, expr]))]
        parts = self.namer.temp()
        out = [_assign(parts, expr)]
        for i, e in enumerate(node.elts):
            if self._active(e):
                out.append(self._accumulate(e.id, ast.Subscript(_load(parts), ast.Constant(i),
                                                                ast.Load())))
        return out

    def _unbroadcast(self, expr, node, args, target) -> ast.expr:
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
        return _call(self.ns, "rt.unbroadcast", [expr, _load(node.id)])

    # -- adjoints -----------------------------------------------------------------------------
    def _adjoint_name(self, name: str) -> str:
        if name not in self.adjoint:
            self.adjoint[name] = self.namer.adjoint(name)
        return self.adjoint[name]

    def _accumulate(self, name: str, expr: ast.expr) -> ast.stmt:
        if name in self.adjoint or name in self.dynamic:
            b = self._adjoint_name(name)
            expr = ast.BinOp(_load(b), ast.Add(), expr)
        else:
            b = self._adjoint_name(name)
        return _assign(b, expr)

    def _zero(self, name: str) -> ast.expr:
        if name in self.sequences:
            return ast.BinOp(ast.List([ast.Constant(0.0)], ast.Load()), ast.Mult(),
                             _call(self.ns, "len", [_load(name)]))
        if name in self.owned:
            return _call(self.ns, "np.zeros_like", [_load(name)])
        return ast.Constant(0.0)

    def _zero_init(self, name: str) -> ast.stmt:
        kind = self.kinds.get(name, UNKNOWN)
        value = self._zero(name)
        if isinstance(value, ast.Constant) and not kind.py and kind.ndim not in (None, 0) \
                and name in [a for a in self.request.wrt]:
            value = _call(self.ns, "np.zeros_like", [_load(name)])
        return _assign(self._adjoint_name(name), value)

    def _reset(self, name: str) -> ast.stmt:
        return _assign(self._adjoint_name(name), self._zero(name))

    # -- the gradients returned -----------------------------------------------------------------
    def _gradient(self, param: str) -> ast.expr:
        kind = self.kinds.get(param, UNKNOWN)
        if param not in self.adjoint:
            if kind.py:
                return ast.Constant(0.0)
            name = "np.zeros_like" if kind.ndim is not None else "rt.zeros_like"
            return _call(self.ns, name, [_load(param)])
        b = _load(self.adjoint[param])
        if kind.py:
            return _call(self.ns, "float", [b])   # dropped by optimize where b is a float
        if param in self.dynamic and kind.ndim is None:
            return _call(self.ns, "rt.shaped_like", [b, _load(param)])
        return b


def _sequences(stmts) -> set[str]:
    """Names that hold Python lists or tuples of values."""
    out = set()
    for node in (n for s in stmts for n in ast.walk(s)):
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) \
                and isinstance(node.value, (ast.List, ast.Tuple)):
            out.add(node.targets[0].id)
        elif isinstance(node, ast.Call) and _is_method_call(node, "pop"):
            out.add(node.func.value.id)
        elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) \
                and _makes_list(node.value):
            out.add(node.targets[0].id)
        elif isinstance(node, ast.Expr) and _is_append(node.value):
            out.add(node.value.func.value.id)
    return out


_LIST_MAKERS = ("list", "add_each", "unpack_like", "split_like")


def _returns_tuple(fn) -> bool:
    """Does this astgrad-made function return a tuple (value and derivative, ...)?"""
    made = getattr(fn, "_astgrad", None)
    return made is not None and (made.mode in ("jvp", "value_and_grad")
                                 or made.mode == "grad" and made.as_tuple)


def _makes_list(value) -> bool:
    """`[0.0] * n`, `list(g)`, `rt.add_each(...)`: values that are Python lists."""
    if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Mult):
        return isinstance(value.left, ast.List) or isinstance(value.right, ast.List)
    if isinstance(value, ast.Call):
        func = value.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        return name in _LIST_MAKERS
    return False


def _breaks(stmts) -> bool:
    for stmt in stmts:
        if isinstance(stmt, ast.Break):
            return True
        if isinstance(stmt, ast.If) and (_breaks(stmt.body) or _breaks(stmt.orelse)):
            return True
    return False
