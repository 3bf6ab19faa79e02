"""Vector forward mode: a jvp's generated code rewritten to carry a batch of `k`
tangents, so one call gives the derivatives along `k` directions. `ag.jacobian`
and `ag.hessian` call it with chunks of basis vectors (see `jvp_columns`).

The batch is the *last* axis of every tangent (`tx` of shape `x.shape + (k,)`):
an elementwise rule then only gives its primal operand a trailing axis
(`tb = tx * bt.ex(c)`), whatever the ranks broadcast to; `tx[1:]`, `tx[i]`, index
writes, `W @ tx` of a vector, list tangents and `rt.add_each` stay as written;
what reads axes (reductions, reshape, transpose, matmul, concatenate) calls
its batched form in `astgrad.runtime.batched` (`bt`). A statement with no batched
form runs once per direction: `bt.stack([<it, on bt.col(t, j)> for j in range(k)])`,
so any jvp can be batched; code where a tangent steers control flow, or is bound
by a tuple assignment, is not rewritten (the caller loops over directions).

`batched(tree, fn_name, taken)` rewrites the function `fn_name` of a generated
module in place and returns the name it gives `astgrad.runtime.batched`."""
from __future__ import annotations

import ast
import copy
import itertools

from .freeing import free_after_last_use, take_deletes
from .optimize.inline_temps import inline_temps

_ZEROS = frozenset({"np.zeros_like", "rt.zeros_like"})
_BATCHED = {"rt.broadcast_like": "broadcast_like", "rt.unbroadcast": "unbroadcast",
            "rt.sum_to": "sum_to", "np.sum": "sum", "np.mean": "mean",
            "np.reshape": "reshape", "np.transpose": "transpose",
            "np.concatenate": "concatenate", "np.stack": "stack_axis",
            "np.expand_dims": "expand_dims", "np.squeeze": "squeeze",
            "np.broadcast_to": "broadcast_to", "rt.shaped_like": "shaped_like"}
_CHECKS = frozenset({"rt.check_tangent", "rt.check_seed"})
_SEQUENCES = frozenset({"np.concatenate", "np.stack"})
_AS_IS = frozenset({"np.copy", "list", "rt.add_each", "rt.own", "np.negative", "np.array",
                    "np.asarray", "np.conj", "np.real"})
_METHODS = frozenset({"append", "extend", "insert", "pop", "update", "setdefault"})


class Refused(Exception):
    """The function is not rewritten: its caller loops over directions."""


def _dotted(node) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def _load(name: str) -> ast.Name:
    return ast.Name(name, ast.Load())


def _call(func: str, args: list, keywords=()) -> ast.Call:
    parts = func.split(".")
    node = _load(parts[0])
    for attr in parts[1:]:
        node = ast.Attribute(node, attr, ast.Load())
    return ast.Call(node, list(args), list(keywords))


def _mentions(node, names: set) -> bool:
    return any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(node))


def _is_zero(node) -> bool:
    if isinstance(node, ast.Constant):
        return type(node.value) in (int, float) and node.value == 0
    return isinstance(node, ast.Call) and _dotted(node.func) in _ZEROS \
        and len(node.args) == 1 and not node.keywords


def _stored(target) -> list[str]:
    """The names an assignment to `target` binds or writes into."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Subscript, ast.Attribute, ast.Starred)):
        return _stored(target.value)
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for e in target.elts for n in _stored(e)]
    return []


def _writes(fdef) -> list[tuple[str, ast.expr]]:
    """(name, value) for every binding or write into a name, its return's tangent
    as a write to "<return>"."""
    out = []
    for node in ast.walk(fdef):
        if isinstance(node, ast.Assign):
            out += [(n, node.value) for t in node.targets for n in _stored(t)]
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)) and node.value is not None:
            out += [(n, node.value) for n in _stored(node.target)]
        elif isinstance(node, ast.For):
            out += [(n, node.iter) for n in _stored(node.target)]
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            func = node.value.func           # x.append(v), np.add.at(x, i, v)
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
                    and func.attr in _METHODS:
                out.append((func.value.id, node.value))
            elif node.value.args and _dotted(func) not in _CHECKS:
                out += [(n, node.value) for n in _stored(node.value.args[0])]
        elif isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple):
            out.append(("<return>", node.value.elts[-1]))
    return out


def _tangent_names(fdef, tangent: str) -> set:
    """The names holding tangents: those computed from the tangent parameter, and
    the zeros (`np.zeros_like(v)`, `0.0`) that tangents are added to or returned,
    when nothing else reads them."""
    writes = _writes(fdef)
    names = {tangent}
    by_name: dict[str, list] = {}
    for name, value in writes:
        by_name.setdefault(name, []).append(value)
    zeros = {n for n, vs in by_name.items() if all(_is_zero(v) for v in vs)}
    while True:
        grown = {n for n, v in writes if n not in names and _mentions(v, names)}
        if not grown:
            candidates = zeros - names
            with_tangents = {c for n, v in writes if n in names or n == "<return>"
                             for c in candidates if _mentions(v, {c})}
            grown = {c for c in with_tangents if _loads(fdef, c) == sum(
                _loads(v, c) for n, v in writes if n in names or n == "<return>")}
        if not grown:
            return names | {"<return>"}
        names |= grown


def _loads(node, name: str) -> int:
    """How many times `node` reads `name`."""
    return sum(isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)
               for n in ast.walk(node))


class _Batcher:
    """Rewrites one generated jvp; `run` gives the batched function (or raises
    `Refused`)."""

    def __init__(self, fdef: ast.FunctionDef, taken: set, pullback: bool = False,
                 alone: bool = False):
        self.fdef, self.pullback = fdef, pullback     # a pullback returns only adjoints
        self.alone = pullback or alone                # ... and a "tangent" jvp, its tangent
        self.tparam = fdef.args.args[-1].arg
        fresh = (n + "_" * i for i in itertools.count() for n in ("_k",))
        self.k = next(n for n in fresh if n not in taken)
        self.j = next(n for n in ("_j" + "_" * i for i in itertools.count()) if n not in taken)
        self.bt = next(n for n in ("bt" + "_" * i for i in itertools.count()) if n not in taken)
        self.tangents = _tangent_names(fdef, self.tparam)

    def run(self) -> ast.FunctionDef:
        size = ast.Subscript(_call("np.shape", [_load(self.tparam)]),
                             ast.UnaryOp(ast.USub(), ast.Constant(1)), ast.Load())
        self.fdef.body = [ast.Assign([ast.Name(self.k, ast.Store())], size)] \
            + self.block(self.fdef.body)
        return ast.fix_missing_locations(self.fdef)

    def varies(self, node) -> bool:
        return _mentions(node, self.tangents)

    # -- statements --------------------------------------------------------------------
    def block(self, stmts) -> list[ast.stmt]:
        return [out for s in stmts for out in self.stmt(s)]

    def stmt(self, s) -> list[ast.stmt]:
        if isinstance(s, ast.Assign) and len(s.targets) == 1:
            return [self.assign(s, s.targets[0])]
        if isinstance(s, ast.AugAssign):
            return [self.assign(s, s.target)]
        if isinstance(s, ast.Expr) and self.varies(s):
            return self.expression(s)
        if isinstance(s, (ast.For, ast.While, ast.If)):
            if self.varies(s.iter if isinstance(s, ast.For) else s.test):
                raise Refused
            s.body, s.orelse = self.block(s.body), self.block(s.orelse)
            return [s]
        if isinstance(s, ast.Return) and self.alone and s.value is not None:
            s.value = self.tangent_value(s.value)
            return [s]
        if isinstance(s, ast.Return) and isinstance(s.value, ast.Tuple) \
                and len(s.value.elts) == 2 and not self.varies(s.value.elts[0]):
            s.value.elts[1] = self.tangent_value(s.value.elts[1])
            return [s]
        if self.varies(s):
            raise Refused
        return [s]

    def assign(self, s, target) -> ast.stmt:
        stored = _stored(target)
        if not any(n in self.tangents for n in stored):
            if self.varies(s.value):
                raise Refused
            return s
        if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            if self.varies(target.slice):
                raise Refused
            target.slice = _index(target.slice)
        elif not isinstance(target, ast.Name):
            raise Refused                      # a, tb = ...: not rewritten
        s.value = self.tangent_value(s.value)
        return s

    def expression(self, s: ast.Expr) -> list[ast.stmt]:
        call = s.value
        if isinstance(call, ast.Call) and _dotted(call.func) in _CHECKS:
            return []                           # the tangents are made by jvp_columns
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) \
                and isinstance(call.func.value, ast.Name) and call.func.attr == "append" \
                and len(call.args) == 1:
            call.args[0] = self.tangent_value(call.args[0])
            return [s]
        if isinstance(call, ast.Call) and _dotted(call.func) in ("np.add.at", "np.subtract.at") \
                and len(call.args) == 3 and not call.keywords \
                and isinstance(call.args[0], ast.Name) and call.args[0].id in self.tangents \
                and not self.varies(call.args[1]):     # the batch axis is not indexed
            call.args[1:] = [_index(call.args[1]), self.tangent_value(call.args[2])]
            return [s]
        raise Refused

    # -- expressions -------------------------------------------------------------------
    def tangent_value(self, e) -> ast.expr:
        """`e`, a tangent, for the batch: rewritten, or evaluated per direction."""
        if _is_zero(e):
            return self.zeros(e)
        if isinstance(e, (ast.List, ast.Tuple, ast.Dict)) \
                and not (e.keys if isinstance(e, ast.Dict) else e.elts):
            return e                            # a list that tangents are appended to
        done = self.expr(e)
        if done is not None and done[1]:
            return done[0]
        return self.per_direction(e)

    def zeros(self, e) -> ast.expr:
        if isinstance(e, ast.Constant):
            return _call("np.zeros", [_load(self.k)])
        return _call(f"{self.bt}.zeros_like", [e.args[0], _load(self.k)])

    def per_direction(self, e) -> ast.expr:
        return _per_direction(e, self.tangents, self.bt, self.j, self.k)

    def expr(self, e):
        """(`e` for the batch, whether it is a tangent), or None: no batched form."""
        if isinstance(e, ast.Name):
            return e, e.id in self.tangents
        if not self.varies(e):
            if isinstance(e, ast.Call) and _is_zero(e):
                return self.zeros(e), True
            return e, False
        if isinstance(e, ast.BinOp):
            return self.binop(e)
        if isinstance(e, ast.UnaryOp) and isinstance(e.op, (ast.USub, ast.UAdd)):
            inner = self.expr(e.operand)
            return None if inner is None else (ast.UnaryOp(e.op, inner[0]), inner[1])
        if isinstance(e, ast.Subscript):
            return self.subscript(e)
        if isinstance(e, (ast.List, ast.Tuple)):
            elts = [self.expr(x) for x in e.elts]
            if any(x is None for x in elts):
                return None
            return type(e)([x[0] for x in elts], ast.Load()), any(x[1] for x in elts)
        if isinstance(e, ast.IfExp) and not self.varies(e.test):
            body, orelse = self.expr(e.body), self.expr(e.orelse)
            if body is None or orelse is None:
                return None
            return ast.IfExp(e.test, body[0], orelse[0]), True
        if isinstance(e, ast.Attribute) and e.attr == "T":
            inner = self.expr(e.value)
            if inner is not None and inner[1]:
                return _call(f"{self.bt}.transpose", [inner[0]]), True
            return None
        if isinstance(e, ast.Call) and isinstance(e.func, ast.Attribute) \
                and e.func.attr == "pop" and isinstance(e.func.value, ast.Name) \
                and e.func.value.id in self.tangents and not self.varies(ast.List(e.args)):
            return e, True                      # a tangent saved in a list
        if isinstance(e, ast.Call):
            return self.call(e)
        return None

    def binop(self, e: ast.BinOp):
        left, right = self.expr(e.left), self.expr(e.right)
        if left is None or right is None:
            return None
        (a, ta), (b, tb), op = left, right, e.op
        if isinstance(op, (ast.Add, ast.Sub)) and ta and tb:
            return ast.BinOp(a, op, b), True
        if isinstance(op, ast.Mult) and ta != tb:
            return ast.BinOp(a if ta else self.ex(a), op, b if tb else self.ex(b)), True
        if isinstance(op, ast.Div) and ta and not tb:
            return ast.BinOp(a, op, self.ex(b)), True
        if isinstance(op, ast.MatMult) and ta != tb:
            return _call(f"{self.bt}.{'matmul' if ta else 'rmatmul'}", [a, b]), True
        return None

    def ex(self, p) -> ast.expr:
        return _ex(p, self.bt)

    def subscript(self, e: ast.Subscript):
        inner = self.expr(e.value)
        if inner is None or not inner[1] or self.varies(e.slice):
            return None
        return ast.Subscript(inner[0], _index(e.slice), ast.Load()), True

    def call(self, e: ast.Call):
        name = _dotted(e.func)
        if any(self.varies(k.value) for k in e.keywords) or name is None:
            return None
        args = [self.expr(a) for a in e.args]
        if not args or any(a is None for a in args) or any(t for _, t in args[1:]) \
                and name not in ("np.where", "rt.add_each"):
            return None
        first, tangent = args[0]
        if name == "np.where" and len(args) == 3 and not tangent:
            return _call("np.where", [self.ex(first), args[1][0], args[2][0]],
                         e.keywords), True
        if name in _SEQUENCES:
            elts = e.args[0].elts if isinstance(e.args[0], (ast.List, ast.Tuple)) \
                else [e.args[0]]
            if not all(self.expr(x) is not None and self.expr(x)[1] for x in elts):
                return None
        elif not tangent:
            return None
        new = [a for a, _ in args]
        if name in _AS_IS:
            return ast.Call(e.func, new, e.keywords), True
        if name in _BATCHED:
            if name in ("rt.broadcast_like", "np.broadcast_to"):
                new.append(_load(self.k))
            return _call(f"{self.bt}.{_BATCHED[name]}", new, e.keywords), True
        return None


def _per_direction(e, names: set, bt: str, j: str, k: str) -> ast.expr:
    """`bt.stack([<e on bt.col(t, j) for each tangent t> for j in range(k)])`."""
    if any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
           and _mentions(n.func.value, names) for n in ast.walk(e)):
        raise Refused                      # t.pop(): once, not once per direction

    class Columns(ast.NodeTransformer):
        def visit_Name(self, node):
            if node.id in names and isinstance(node.ctx, ast.Load):
                return _call(f"{bt}.col", [node, _load(j)])
            return node
    body = Columns().visit(copy.deepcopy(e))
    loop = ast.comprehension(ast.Name(j, ast.Store()), _call("range", [_load(k)]), [], 0)
    return _call(f"{bt}.stack", [ast.ListComp(body, [loop])])


def _ex(p, bt: str) -> ast.expr:
    """A primal operand of a batched elementwise product: with a trailing axis."""
    if isinstance(p, ast.Constant) or isinstance(p, ast.UnaryOp) \
            and isinstance(p.operand, ast.Constant):
        return p
    return _call(f"{bt}.ex", [p])


def _index(index) -> ast.expr:
    """An index into a tangent: as written, with the batch axis kept after `...`."""
    items = index.elts if isinstance(index, ast.Tuple) else [index]
    if any(isinstance(i, ast.Constant) and i.value is Ellipsis for i in items):
        return ast.Tuple(list(items) + [ast.Slice()], ast.Load())
    return index


def batched(tree: ast.Module, fn_name: str, taken: set, pullback: bool = False,
            alone: bool = False) -> str:
    """Rewrite the jvp `fn_name` of the generated module `tree` to take and return
    batched tangents (or, with `pullback`, the pullback that the vjp `fn_name`
    returns to take batched seeds and return batched adjoints; with `alone`, a jvp
    that returns its tangent alone); the name the code gives
    `astgrad.runtime.batched` comes back. Raises `Refused` when it cannot."""
    found = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == fn_name]
    if len(found) != 1:
        raise Refused
    fdef = found[0]
    if pullback:
        ret = fdef.body[-1]
        if not (isinstance(ret, ast.Return) and isinstance(ret.value, ast.Tuple)
                and isinstance(ret.value.elts[-1], ast.Name)):
            raise Refused
        inner = [n for n in fdef.body if isinstance(n, ast.FunctionDef)
                 and n.name == ret.value.elts[-1].id]
        fdef = inner[0] if len(inner) == 1 else None
    if fdef is None or not fdef.args.args or fdef.args.vararg \
            or pullback and (len(fdef.args.args) != 1 or fdef.args.kwonlyargs):
        raise Refused
    freed = take_deletes(fdef)       # freed again below, after the rewrite
    batcher = _Batcher(fdef, taken, pullback, alone)
    batcher.run()
    # A tangent read once is written where it is read, so a batch of temporaries is
    # freed as soon as it is used (not into a comprehension, which runs per direction).
    looped = {n.id for c in ast.walk(fdef) if isinstance(c, (ast.ListComp, ast.Lambda))
              for n in ast.walk(c) if isinstance(n, ast.Name)}
    inline_temps(fdef, batcher.tangents - looped - {a.arg for a in fdef.args.args})
    free_after_last_use(fdef, batcher.tangents | freed)
    return batcher.bt
