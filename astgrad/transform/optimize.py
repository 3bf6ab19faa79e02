"""Pass 6, optimize: small rewrites that make generated code short and fast.

Each rewrite keeps every value the function returns: constant folding and
algebraic identities that hold for the value's kind (`1.0 * x` is `x` only
for a float `x`), static tests on kinds folded (`np.ndim(x) == 2`), copy
propagation, dead-code elimination, and inlining of single-use intermediates
the compiler made up. Output guarantees: no assignment whose value is never
read, no `name = other_name` copy of a single-definition name.
"""
from __future__ import annotations

import ast
import operator

import numpy as np

from .. import runtime
from . import registry
from .kinds import Kind, expr_kind, infer
from .nodes import Comment
from .resolve import Namespace

_FOLD = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
         ast.Div: operator.truediv, ast.Pow: operator.pow, ast.FloorDiv: operator.floordiv,
         ast.Mod: operator.mod}
_CMP = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
        ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Is: operator.is_,
        ast.IsNot: operator.is_not}


def optimize(fn: ast.FunctionDef, ns: Namespace, temps: set[str],
             kinds: dict[str, Kind], shapes: dict[str, str]) -> ast.FunctionDef:
    """`kinds` are the forward values' kinds; `shapes` maps a forward name to an
    earlier one of the same shape, so a value kept only for its shape need not be
    computed."""
    for _ in range(20):
        env = _kinds(fn, ns, kinds)
        changed = _Simplify(env, ns, shapes).run(fn)
        changed |= _propagate_copies(fn)
        changed |= _known_zeros(fn)
        changed |= _eliminate_dead(fn)
        if not changed:
            break
    while _inline_once(fn, temps):
        pass
    _Simplify(_kinds(fn, ns, kinds), ns, shapes).run(fn)   # what inlining brought together
    _fresh_gradients(fn, ns)
    _drop_orphan_comments(fn)
    return fn


# -- kinds of everything the generated function assigns ---------------------------
def _kinds(fn, ns, kinds) -> dict[str, Kind]:
    """Kinds true wherever a name is read: an adjoint assigned twice gets what both share."""
    env = infer(fn.body, kinds, ns, fixed=set(kinds), join_all=True)
    for inner in fn.body:
        if isinstance(inner, ast.FunctionDef):
            env = infer(inner.body, env, ns, fixed=set(kinds), join_all=True)
    return env


# -- folding and identities ---------------------------------------------------------
def _const(node):
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, complex, bool,
                                                                  type(None), str)):
        return True, node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        ok, v = _const(node.operand)
        if ok and isinstance(v, (int, float)) and not isinstance(v, bool):
            return True, -v
    if isinstance(node, ast.Tuple):
        parts = [_const(e) for e in node.elts]
        if all(ok for ok, _ in parts):
            return True, tuple(v for _, v in parts)
    return False, None


def _number(value) -> ast.expr:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
        return ast.UnaryOp(ast.USub(), ast.Constant(-value))
    return ast.Constant(value)


def _is(node, value) -> bool:
    ok, v = _const(node)
    return ok and type(v) in (int, float) and v == value


class _Simplify(ast.NodeTransformer):
    def __init__(self, kinds, ns, shapes):
        self.kinds, self.ns, self.shapes = kinds, ns, shapes
        self.changed = False
        self.mutated: set[str] = set()

    def run(self, fn) -> bool:
        self.mutated = _mutated(fn)
        self.once = _top_defined(fn)          # saved values may still be None: not these
        self.visit(fn)
        return self.changed

    def visit_Assign(self, node):
        import copy
        value, changed = copy.deepcopy(node.value), self.changed
        new = self.visit(node.value)
        if any(isinstance(t, ast.Name) and t.id in self.mutated for t in node.targets) \
                and isinstance(new, ast.Name) and not isinstance(value, ast.Name):
            # `y = x * 1.0` makes a new array that is later changed in place: keep it new.
            node.value, self.changed = value, changed
            return node
        node.value = new
        for t in node.targets:
            self.visit(t)
        return node

    def _kind(self, node) -> Kind:
        return expr_kind(node, self.kinds, self.ns)

    def _floating(self, node) -> bool:
        return self._kind(node).dtype in ("f", "c")

    def _done(self, node):
        self.changed = True
        return node

    def _earlier(self, node):
        """An earlier name with `node`'s shape, if `node` is a name that has one."""
        if isinstance(node, ast.Name) and self.shapes.get(node.id, node.id) != node.id:
            return ast.Name(self.shapes[node.id], ast.Load())
        return None

    def visit_Attribute(self, node):
        self.generic_visit(node)
        if node.attr in ("shape", "size") and self._earlier(node.value) is not None:
            return self._done(ast.Attribute(self._earlier(node.value), node.attr, ast.Load()))
        return node

    def visit_BinOp(self, node):
        self.generic_visit(node)
        (lok, lv), (rok, rv) = _const(node.left), _const(node.right)
        op = type(node.op)
        if lok and rok and op in _FOLD and all(type(v) in (int, float) for v in (lv, rv)):
            try:
                return self._done(_number(_FOLD[op](lv, rv)))
            except (ArithmeticError, ValueError):
                return node
        left, right = node.left, node.right
        if op is ast.Mult:
            for one, other in ((left, right), (right, left)):
                if _is(one, 1) and self._floating(other):
                    return self._done(other)
                if _is(one, -1) and self._floating(other):
                    return self._done(ast.UnaryOp(ast.USub(), other))
        if op is ast.Add:
            for zero, other in ((left, right), (right, left)):
                if _is(zero, 0) and self._floating(other):
                    return self._done(other)
        if op is ast.Sub and _is(right, 0) and self._floating(left):
            return self._done(left)
        if op is ast.Div and _is(right, 1) and self._floating(left):
            return self._done(left)
        if op is ast.Pow and _is(right, 1):
            return self._done(left)
        if op in (ast.Mult, ast.Div, ast.Add, ast.Sub):
            return self._unbroadcast_scalar(node)
        return node

    # -- `np.broadcast_to(s, A.shape) * E`: when E has A's shape, `s * E` is the same -----
    def _broadcast(self, node):
        """`(s, shape node)` if `node` is `np.broadcast_to(s, shape)` of a number `s`."""
        if isinstance(node, ast.Call) and self.ns.value(node.func) is np.broadcast_to \
                and len(node.args) == 2 and not node.keywords \
                and self._kind(node.args[0]).ndim == 0:
            return node.args[0], node.args[1]
        return None

    def _class_of_shape(self, shape):
        base = shape.value if isinstance(shape, ast.Attribute) and shape.attr == "shape" else \
            shape.args[0] if isinstance(shape, ast.Call) and \
            self.ns.value(shape.func) is np.shape and len(shape.args) == 1 else None
        return self._class(base) if base is not None else None

    def _class(self, node):
        """Which top-level value `node`'s shape is known equal to ("scalar" for numbers)."""
        if self._kind(node).ndim == 0:
            return "scalar"
        if isinstance(node, ast.Name):
            return self.shapes.get(node.id)
        parts = None
        if isinstance(node, ast.UnaryOp):
            parts = [node.operand]
        elif isinstance(node, ast.BinOp) and not isinstance(node.op, ast.MatMult):
            parts = [node.left, node.right]
        elif isinstance(node, ast.Call) and not node.keywords:
            prim = registry.lookup(self.ns.value(node.func))
            if prim is not None and prim.elementwise:
                parts = node.args
        if not parts:
            return None
        classes = {self._class(p) for p in parts} - {"scalar"}
        return classes.pop() if len(classes) == 1 else None

    def _unbroadcast_scalar(self, node):
        for side, other in (("left", "right"), ("right", "left")):
            found = self._broadcast(getattr(node, side))
            if found is None:
                continue
            value, shape = found
            partner = getattr(node, other)
            if self._kind(partner).ndim == 0:     # a number: do it before broadcasting
                inner = ast.BinOp(value, node.op, partner) if side == "left" else \
                    ast.BinOp(partner, node.op, value)
                return self._done(ast.Call(getattr(node, side).func, [inner, shape], []))
            cls = self._class_of_shape(shape)
            if cls is not None and cls != "scalar" and self._class(partner) == cls:
                setattr(node, side, value)        # the other side has the shape already
                return self._done(node)
        return node

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.USub):
            inner = node.operand
            if isinstance(inner, ast.UnaryOp) and isinstance(inner.op, ast.USub):
                return self._done(inner.operand)
            if isinstance(inner, ast.Constant) and isinstance(inner.value, (int, float)) \
                    and not isinstance(inner.value, bool) and inner.value < 0:
                return self._done(ast.Constant(-inner.value))
        if isinstance(node.op, ast.Not):
            ok, v = _const(node.operand)
            if ok:
                return self._done(ast.Constant(not v))
        return node

    def visit_BoolOp(self, node):
        self.generic_visit(node)
        is_and = isinstance(node.op, ast.And)
        values = []
        for value in node.values:
            ok, v = _const(value)
            if ok and bool(v) == is_and:
                continue                      # `True and x` / `False or x`: skip the constant
            if ok:
                return self._done(ast.Constant(v))   # short-circuits here
            values.append(value)
        if len(values) == len(node.values):
            return node
        if not values:
            return self._done(ast.Constant(is_and))
        if len(values) == 1:
            return self._done(values[0])
        return self._done(ast.BoolOp(node.op, values))

    def visit_Compare(self, node):
        self.generic_visit(node)
        parts = [_const(n) for n in [node.left, *node.comparators]]
        if all(ok for ok, _ in parts) and all(type(op) in _CMP for op in node.ops):
            values = [v for _, v in parts]
            result = all(_CMP[type(op)](a, b) for op, a, b in zip(node.ops, values, values[1:]))
            return self._done(ast.Constant(result))
        return node

    def visit_If(self, node):
        node.test = self.visit(node.test)
        ok, v = _const(node.test)
        if ok:                                   # a branch decided when the code was made
            self.changed = True
            return [self.visit(s) for s in (node.body if v else node.orelse)] or \
                [ast.copy_location(ast.Pass(), node)]
        node.body = _flatten(self.visit(s) for s in node.body)
        node.orelse = _flatten(self.visit(s) for s in node.orelse)
        return node

    def visit_IfExp(self, node):
        node.test = self.visit(node.test)
        ok, v = _const(node.test)
        if ok:
            return self._done(self.visit(node.body if v else node.orelse))
        self.generic_visit(node)
        return node

    def visit_Call(self, node):
        self.generic_visit(node)
        fn = self.ns.value(node.func)
        args = node.args
        if len(args) == 1 and not node.keywords:
            kind = self._kind(args[0])
            if fn is np.ndim and kind.ndim is not None:
                return self._done(ast.Constant(kind.ndim))
            if fn in (np.shape, np.size) and kind.ndim is not None and not kind.py \
                    and kind.number and isinstance(args[0], ast.Name) \
                    and args[0].id in self.once:
                return self._done(ast.Attribute(args[0], fn.__name__, ast.Load()))
            if fn in (np.shape, np.size) and self._earlier(args[0]) is not None:
                return self._done(ast.Call(node.func, [self._earlier(args[0])], []))
            if fn is float and kind.py and kind.dtype == "f":
                return self._done(args[0])
            if fn is np.sum and kind.ndim == 0:
                return self._done(args[0])
        if len(args) == 2 and not node.keywords:
            k0, k1 = self._kind(args[0]), self._kind(args[1])
            if fn is runtime.unbroadcast and k0.ndim == 0 and k1.ndim == 0:
                return self._done(args[0])
            if fn is np.broadcast_to and k0.ndim == 0 and _shape_of_scalar(args[1], self):
                return self._done(args[0])
        return node


def _flatten(items) -> list:
    out = []
    for item in items:
        out.extend(item if isinstance(item, list) else [item])
    return out


def _shape_of_scalar(node, simplify) -> bool:
    """Is `node` `np.shape(v)` or `v.shape` for a 0-d `v`?"""
    if isinstance(node, ast.Attribute) and node.attr == "shape":
        return simplify._kind(node.value).ndim == 0
    if isinstance(node, ast.Call) and simplify.ns.value(node.func) is np.shape and node.args:
        return simplify._kind(node.args[0]).ndim == 0
    return False


# -- copies, dead code, inlining -------------------------------------------------------
def _counts(fn):
    defs, uses = {}, {}
    for node in ast.walk(fn):
        if isinstance(node, ast.Name):
            table = uses if isinstance(node.ctx, ast.Load) else defs
            table[node.id] = table.get(node.id, 0) + 1
        elif isinstance(node, ast.arg):
            defs[node.arg] = defs.get(node.arg, 0) + 1
    return defs, uses


def _blocks(fn):
    """Every statement list in `fn`, the function's own body first."""
    out = []
    for node in ast.walk(fn):
        for field in ("body", "orelse"):
            block = getattr(node, field, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                out.append(block)
    return out


class _Replace(ast.NodeTransformer):
    def __init__(self, name, value):
        self.name, self.value = name, value

    def visit_Name(self, node):
        if node.id == self.name and isinstance(node.ctx, ast.Load):
            import copy
            return ast.copy_location(copy.deepcopy(self.value), node)
        return node


def _single_target(stmt):
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 \
            and isinstance(stmt.targets[0], ast.Name):
        return stmt.targets[0].id
    return None


def _top_blocks(fn):
    """The function's body, and the body of a `pullback` defined in it."""
    return [fn.body] + [s.body for s in fn.body if isinstance(s, ast.FunctionDef)]


def _top_defined(fn) -> set[str]:
    """Names assigned only by statements at the top of a top block: each runs once."""
    top = {id(s) for block in _top_blocks(fn) for s in block}
    out, elsewhere = set(), set()
    for node in ast.walk(fn):
        if isinstance(node, ast.stmt):
            for target in _targets(node):
                (out if id(node) in top else elsewhere).add(target)
    args = {a.arg for a in ast.walk(fn) if isinstance(a, ast.arg)}
    return (out | args) - elsewhere


def _targets(stmt):
    if isinstance(stmt, ast.Assign):
        return [n.id for t in stmt.targets for n in ast.walk(t)
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)]
    if isinstance(stmt, (ast.For, ast.AugAssign)):
        return [n.id for n in ast.walk(stmt.target) if isinstance(n, ast.Name)
                and isinstance(n.ctx, ast.Store)]
    return []


def _mutated(fn) -> set[str]:
    """Names whose object is changed in place (`x[i] = v`, `x[i] += v`, `xs.append(v)`)."""
    out = set()
    for node in ast.walk(fn):
        targets = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, ast.AugAssign) else []
        for t in targets:
            if isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name):
                out.add(t.value.id)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in _EFFECTS and isinstance(node.func.value, ast.Name):
            out.add(node.func.value.id)
        if isinstance(node, ast.Call) and _name_of(node.func) == "at" and node.args \
                and isinstance(node.args[0], ast.Name):
            out.add(node.args[0].id)
    return out


def _name_of(func):
    return func.attr if isinstance(func, ast.Attribute) else \
        func.id if isinstance(func, ast.Name) else None


def _propagate_copies(fn) -> bool:
    """`a = b` (or a constant), both defined once at the top and neither changed in
    place: uses of `a` read `b`."""
    defs, _ = _counts(fn)
    once = _top_defined(fn) - _mutated(fn)
    for block in _top_blocks(fn):
        for i, stmt in enumerate(block):
            name = _single_target(stmt)
            if name is None or defs.get(name) != 1 or name not in once:
                continue
            value = stmt.value
            ok, _v = _const(value)
            if ok or isinstance(value, ast.Name) and defs.get(value.id, 0) <= 1 \
                    and (value.id in once or defs.get(value.id, 0) == 0):
                del block[i]
                _Replace(name, value).visit(fn)
                return True
    return False


_EFFECTS = {"pop", "append", "check_scalar", "check_seed", "print", "at"}


def _pure(value) -> bool:
    for node in ast.walk(value):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else \
                func.id if isinstance(func, ast.Name) else None
            if name in _EFFECTS:
                return False
    return True


def _pure_statement(stmt) -> bool:
    """Does `stmt` only bind names (no in-place change, no effect)?"""
    if isinstance(stmt, ast.Assign):
        return all(isinstance(t, ast.Name) for t in stmt.targets) and _pure(stmt.value)
    return isinstance(stmt, Comment)


def _eliminate_dead(fn) -> bool:
    """Drop assignments whose value nothing reads afterwards (loops and branches included)."""
    from .saving import liveness
    changed = False
    for block in _top_blocks(fn):
        live = liveness(block, set())
        for parent in _walk_blocks(block):
            keep = [s for s in parent if not (_single_target(s) is not None and _pure(s.value)
                                              and _single_target(s) not in live.get(id(s), ()))]
            if len(keep) != len(parent):
                parent[:] = keep
                changed = True
    return changed


def _walk_blocks(block):
    yield block
    for stmt in block:
        if isinstance(stmt, ast.FunctionDef):
            continue
        for field in ("body", "orelse"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                yield from _walk_blocks(inner)


def _known_zeros(fn) -> bool:
    """`b = 0.0 ... b = b + e` where `b` is surely still zero: `b = e`."""
    changed = False

    def flow(stmts, zeros, rewrite):
        nonlocal changed
        for stmt in stmts:
            if isinstance(stmt, ast.If):
                a = flow(stmt.body, set(zeros), rewrite)
                b = flow(stmt.orelse, set(zeros), rewrite)
                zeros = a & b
            elif isinstance(stmt, (ast.For, ast.While)):
                head = set(zeros)
                for _ in range(20):
                    after = flow(stmt.body, set(head), False)
                    if head <= after:
                        break
                    head &= after
                flow(stmt.body, set(head), rewrite)
                zeros = head - set(_targets(stmt))
            elif isinstance(stmt, ast.FunctionDef):
                continue
            else:
                name = _single_target(stmt)
                value = getattr(stmt, "value", None)
                if rewrite and name in zeros and isinstance(value, ast.BinOp) \
                        and isinstance(value.op, ast.Add) and isinstance(value.left, ast.Name) \
                        and value.left.id == name and name not in _names(value.right):
                    stmt.value = value.right
                    changed = True
                zeros = zeros - set(_targets(stmt))
                if name is not None and _is(stmt.value, 0) and isinstance(stmt.value, ast.Constant):
                    zeros.add(name)
        return zeros

    for block in _top_blocks(fn):
        flow(block, set(), True)
    return changed


def _names(node) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _inline_once(fn, temps) -> bool:
    """A made-up name used once, later in the same top block: write its value there,
    unless a statement in between changes in place something the value reads."""
    defs, uses = _counts(fn)
    once = _top_defined(fn) - _mutated(fn)
    for block in _top_blocks(fn):
        for i, stmt in enumerate(block):
            name = _single_target(stmt)
            if name not in temps or defs.get(name) != 1 or uses.get(name) != 1:
                continue
            if not _pure(stmt.value) or any(r not in once for r in _names(stmt.value)
                                            if defs.get(r, 0) > 0):
                continue
            for later in block[i + 1:]:
                if name not in _names(later):
                    if not _pure_statement(later):
                        break
                    continue
                if isinstance(later, (ast.FunctionDef, ast.If, ast.For, ast.While)):
                    break
                del block[i]
                _Replace(name, stmt.value).visit(later)
                return True
    return False


def _fresh_gradients(fn, ns) -> None:
    """A gradient returned straight from `np.broadcast_to` would be a read-only view:
    make it `np.full_like(x, g)`, a fresh array of `x`'s shape and dtype."""
    defs, _ = _counts(fn)
    for block in _blocks(fn):
        ret = block[-1]
        if not isinstance(ret, ast.Return) or ret.value is None:
            continue
        returned = ret.value.elts if isinstance(ret.value, ast.Tuple) else [ret.value]
        for item in [e for node in returned
                     for e in (node.elts if isinstance(node, ast.Tuple) else [node])]:
            if isinstance(item, ast.Name) and defs.get(item.id) == 1:
                item = next((s.value for s in block if _single_target(s) == item.id), None)
            if isinstance(item, ast.Call) and ns.value(item.func) is np.broadcast_to:
                target = _shape_arg(item, ns)
                if target is not None:
                    item.func = ns.ref(np.full_like)
                    item.args = [target, item.args[0]]


def _shape_arg(call, ns):
    node = call.args[1] if len(call.args) > 1 else None
    if isinstance(node, ast.Attribute) and node.attr == "shape":
        return node.value
    if isinstance(node, ast.Call) and ns.value(node.func) is np.shape:
        return node.args[0]
    return None


def _drop_orphan_comments(fn) -> None:
    for block in _blocks(fn):
        keep = []
        for i, stmt in enumerate(block):
            following = block[i + 1] if i + 1 < len(block) else None
            if isinstance(stmt, Comment) and (following is None
                                              or isinstance(following, Comment)):
                continue
            keep.append(stmt)
        block[:] = keep
