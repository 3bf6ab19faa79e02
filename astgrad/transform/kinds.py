"""Kind analyses: what is known of each value before the code runs (see `lattice` for the
kinds themselves; `shapes` says which values share a shape). Generated code is specialized on the kinds
of the arguments, so scalar code differentiates to plain arithmetic and array code calls
`unbroadcast` only where shapes can differ.
"""
from __future__ import annotations

import ast
from dataclasses import replace

from ..errors import AstgradError, InternalError
from . import registry
from .lattice import (OPAQUE, UNKNOWN, Kind, broadcast, join, list_as_array, of_value,
                      sequence_of, shape_item, shape_of, with_ones)
from .nodes import Comment
from .scope import MISSING
from .trees import walk, written_into
from .live_values import from_live

__all__ = ["Kind", "UNKNOWN", "OPAQUE", "of_value", "broadcast", "join", "sequence_of",
           "static_value", "expr_kind", "infer", "from_live"]

_INT = Kind(0, "i", True)
_NOT_LITERAL = (ast.Name, ast.Attribute, ast.Subscript, ast.Compare, ast.IfExp)


def static_value(node, default=None):
    """The value of a constant expression node, else `default`."""
    cls = node.__class__                       # the common cases, without an exception:
    if cls is ast.Constant:
        return node.value
    if cls in _NOT_LITERAL or cls is ast.BinOp and not (
            isinstance(node.op, (ast.Add, ast.Sub)) and node.right.__class__ is ast.Constant) \
            or cls is ast.Call and not (isinstance(node.func, ast.Name) and node.func.id == "set"):
        return default              # of BinOps and calls, literal_eval takes `1 + 2j`, `set()`
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return default


# ---- the kind of an expression -------------------------------------------------------------
def expr_kind(node, env: dict, ns) -> Kind:
    """The kind of an expression over names whose kinds `env` holds.

    Expressions without a rule below (subscripts among them: `infer` follows a
    subscript only where it is assigned) are UNKNOWN, which is always a safe answer."""
    rule = _EXPRESSION_RULES.get(type(node))
    return rule(node, env, ns) if rule is not None else UNKNOWN


def _name_kind(node, env, ns) -> Kind:
    if node.id in env:
        return env[node.id]
    return ns.live.get(node.id, UNKNOWN) if ns is not None else UNKNOWN


def _constant_kind(node, env, ns) -> Kind:
    return of_value(node.value)


def _sequence_kind(node, env, ns) -> Kind:
    return sequence_of([expr_kind(e, env, ns) for e in node.elts])


def _unary_kind(node, env, ns) -> Kind:
    if isinstance(node.op, ast.Not):
        return Kind(0, "b", True)
    inner = expr_kind(node.operand, env, ns)
    return inner if type(node.op) in registry.UNARYOPS else UNKNOWN


def _binary_kind(node, env, ns) -> Kind:
    prim = registry.lookup(registry.BINOPS.get(type(node.op)))
    if isinstance(node.op, (ast.BitAnd, ast.BitOr, ast.BitXor)):     # masks: `(a > 0) & m`
        parts = [expr_kind(node.left, env, ns), expr_kind(node.right, env, ns)]
        if all(p.dtype == "b" for p in parts):
            return Kind(broadcast(*parts, py_result=True).ndim, "b", all(p.py for p in parts))
    if prim is None:
        return UNKNOWN
    x, y = expr_kind(node.left, env, ns), expr_kind(node.right, env, ns)
    kinds = {"x": list_as_array(x, y), "y": list_as_array(y, x)}   # `x * [1.0, 0.0]`: NumPy's
    return prim.out_kind(kinds, {"x": static_value(node.left), "y": static_value(node.right)})



def _compare_kind(node, env, ns) -> Kind:
    parts = [expr_kind(n, env, ns) for n in [node.left, *node.comparators]]
    return Kind(broadcast(*parts, py_result=True).ndim, "b", all(p.py for p in parts))


def _call_kind(node, env, ns) -> Kind:
    if ns is not None and (fn := ns.value(node.func)) is range:
        return sequence_of([_INT])              # `for i in reversed(range(n))` reads ints
    prim = registry.lookup(fn) if ns is not None else None
    if prim is None:
        return _gradient_kind(fn, node, env, ns) if ns is not None else UNKNOWN
    if prim.signature is None:                   # kinds by position: `np.shape(x)`'s
        kinds = {i: expr_kind(a, env, ns) for i, a in enumerate(node.args)}
        return prim.kind(kinds, {}) if prim.kind is not None else UNKNOWN
    try:
        bound = prim.bind(node.args, {k.arg: k.value for k in node.keywords})
    except TypeError:
        return UNKNOWN
    kinds = {p: expr_kind(v, env, ns) if v is not None else OPAQUE for p, v in bound.items()}
    static = {p: static_value(v) if v is not None else None for p, v in bound.items()}
    return prim.out_kind(kinds, static)


def _gradient_kind(fn, node, env, ns) -> Kind:
    """`ag.grad(f)(p)` of a dict or tuple `p` of floats and float arrays: a container of
    the same keys and kinds (read by key, its adjoint is added by key)."""
    made = getattr(fn, "_astgrad", None)
    if getattr(made, "mode", None) != "grad" or len(made.wrt) != 1 or made.as_tuple \
            or node.keywords or made.wrt[0] not in made.names[:len(node.args)]:
        return UNKNOWN
    kind = expr_kind(node.args[made.names.index(made.wrt[0])], env, ns)
    floats = kind.fields and all(k.dtype == "f" for _, k in kind.fields)
    return kind if kind.dtype == "O" and floats else UNKNOWN


def _ifexp_kind(node, env, ns) -> Kind:
    a, b = expr_kind(node.body, env, ns), expr_kind(node.orelse, env, ns)
    return a if a == b else join(a, b) if with_ones(a, None) == with_ones(b, None) else UNKNOWN


def _attribute_kind(node, env, ns) -> Kind:
    if node.attr in ("size", "ndim", "shape") and (ns is None or ns.value(node.value) is MISSING):
        return _INT if node.attr != "shape" else shape_of(expr_kind(node.value, env, ns))
    if ns is None:
        return UNKNOWN
    value = ns.value(node)                       # a constant such as np.pi
    return of_value(value) if value is not None else UNKNOWN


_EXPRESSION_RULES = {
    ast.Name: _name_kind, ast.Constant: _constant_kind, ast.Tuple: _sequence_kind,
    ast.List: _sequence_kind, ast.UnaryOp: _unary_kind, ast.BinOp: _binary_kind,
    ast.Compare: _compare_kind, ast.Call: _call_kind, ast.IfExp: _ifexp_kind,
    ast.Attribute: _attribute_kind,
}


def _subscript_kind(node, env, ns) -> Kind:
    base = expr_kind(node.value, env, ns)
    if (item := shape_item(base, static_value(node.slice))) is not None:
        return item                                     # `np.shape(x)[0]`: an int
    if base.dtype == "O" and base.item is not None:
        if base.fields and isinstance(node.slice, ast.Constant):   # params["W"]: its own
            return dict(base.fields).get(node.slice.value, base.item)
        # an item of a list, or a slice of it: a list of the same items
        return base if isinstance(node.slice, ast.Slice) else base.item
    if base.ndim is None or base.dtype == "O":
        return UNKNOWN
    parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
    sliced, added, fancy = 0, 0, []     # dimensions sliced, made by `None`; index ndims
    ones, plain = [], True               # the lengths: `:` keeps an axis's, an int drops it
    for part in parts:
        if isinstance(part, ast.Slice) or isinstance(part, ast.Constant) and part.value is ...:
            if isinstance(part, ast.Slice):
                bare = part.lower is None and part.upper is None and part.step is None
                ones.append(len(ones) + len(fancy) if bare else None)
                sliced += 1
            plain = plain and isinstance(part, ast.Slice)
            continue
        if isinstance(part, ast.Constant) and part.value is None:
            added, plain = added + 1, False
            continue
        k = expr_kind(part, env, ns)
        if k.dtype == "O" and k.item is not None and k.item.ndim == 0 \
                and k.item.dtype in ("i", "u"):
            k = Kind(1, "i")                            # `x[[0, 2, 1]]`: a list of ints
        if k.ndim is None or k.dtype not in ("i", "u"):
            return base.with_ndim(None)                 # a mask, or not known
        fancy.append(k.ndim)
        plain = plain and k.ndim == 0
    if sliced + len(fancy) > base.ndim:
        return UNKNOWN
    # integers and index arrays broadcast together into one block of dimensions
    out = base.with_ndim(base.ndim - len(fancy) + added + (max(fancy) if fancy else 0))
    if not plain or base.ones is None:
        return out                                      # which lengths are 1: not known
    kept = [None if axis is None else base.ones[axis] for axis in ones]
    return with_ones(out, kept + list(base.ones[len(parts):]))


def _known_items(kind: Kind) -> Kind:
    """`kind`, where an object whose items are not known (a list `list(...)` made, or
    an empty one) says so: joined with a list of arrays it is not that list."""
    return Kind(dtype="O", item=UNKNOWN) if kind == OPAQUE else kind


# ---- the kinds of every name a body assigns --------------------------------------------------
def infer(body, env: dict, ns, fixed=frozenset(), join_all=False) -> dict:
    """Kinds of every name a body assigns, given its inputs' kinds; a name that takes
    different kinds on different paths or iterations gets what they share. Names in `fixed`
    keep the kind `env` gives them; `v = stack.pop()` restores a value of the kind `v`
    already has. With `join_all`, a name's kind holds for all its assignments, so it is true
    anywhere in the body. A rule's refusal raised here carries the statement (`exc.node`)."""
    if any(v.fields for v in env.values()):      # only a kind with fields asks
        written = written_into(body)
        env = {k: replace(with_ones(v, v.ones), fields=None) if v.fields and k in written
               else v for k, v in env.items()}                              # items change
    flow = _KindFlow(env, ns, fixed, join_all)
    flow.block(body)
    return flow.env


# Statements that give no name a new kind: returns, jumps, checks, comments; nested defs (their
# callers infer a nested body on its own); augmented assignments, which keep their target's.
_NO_NEW_KIND = (ast.Return, ast.Pass, ast.Break, ast.Continue, ast.Assert, ast.FunctionDef,
                ast.AugAssign, Comment, ast.Raise)


_VISITS: dict = {}       # statement class -> `_KindFlow`'s method for it, or None
_UNSEEN = object()


class _KindFlow:
    """One run of `infer`: the kinds so far, and the names some loop assigns."""

    def __init__(self, env, ns, fixed, join_all):
        self.env, self.ns, self.fixed, self.join_all = dict(env), ns, fixed, join_all
        self.looped: set[str] = set()
        self.unset: set[str] = set()  # names holding only `v = None`: see `_Assign`
        self.written: set[str] = set()   # names given a kind (see `_If`)

    def block(self, stmts):
        for stmt in stmts:
            visit = _VISITS.get(stmt.__class__, _UNSEEN)     # (each class's looked up once)
            if visit is _UNSEEN:
                visit = _VISITS[stmt.__class__] = getattr(
                    _KindFlow, f"_{stmt.__class__.__name__}", None)
            if visit is None:
                if not isinstance(stmt, _NO_NEW_KIND):
                    raise InternalError(f"kind inference has no rule for a "
                                        f"`{type(stmt).__name__}` statement "
                                        f"(line {getattr(stmt, 'lineno', '?')}).")
                continue
            try:
                visit(self, stmt)
            except AstgradError as exc:   # a rule refusing its constant arguments: the
                exc.node = getattr(exc, "node", stmt)    # innermost statement, for `driver`
                raise

    def _assign(self, name, kind):
        if name in self.fixed:
            return
        again = name in self.env and (self.join_all or name in self.looped) \
            and name not in self.unset
        self.unset.discard(name)
        self.env[name] = join(self.env[name], kind) if again else kind
        self.written.add(name)

    def _Assign(self, stmt):
        # Only a name's kind is followed (a fixed one keeps its own, not asked for again): a
        # subscript target keeps its array's kind, and tuple targets are not followed.
        target = stmt.targets[0]
        if isinstance(target, ast.Subscript):
            return self._item_written(target, stmt.value)
        if not isinstance(target, ast.Name) or target.id in self.fixed and target.id in self.env:
            return
        value = stmt.value
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) \
                and value.func.attr == "pop" and not value.args:
            return                               # restores a value of the kind it had
        kind = _subscript_kind(value, self.env, self.ns) if isinstance(value, ast.Subscript) \
            else expr_kind(value, self.env, self.ns)
        name = target.id
        if isinstance(value, ast.Constant) and value.value is None and name not in self.env:
            self.unset.add(name)      # a loop's saving gives a name pushed before it is made
            self.env[name] = kind     # `v = None`: its first value is its kind (None is
            self.written.add(name)    # pushed, never computed with)
            return
        self._assign(name, kind)

    def _item_written(self, target: ast.Subscript, value: ast.expr) -> None:
        """`xs[i] = v` into a list (or a dict): its items are now `v`'s kind or what
        they were; `xs[i][j] = v` into a list of lists, likewise the lists it holds.
        Into an array, its kind stays."""
        self._holds(target.value, _known_items(expr_kind(value, self.env, self.ns)))

    def _holds(self, container: ast.expr, kind: Kind) -> None:
        """`container` (a name, or an item of one) now also holds an item of `kind`."""
        if isinstance(container, ast.Name) and container.id in self.fixed:
            return
        known = expr_kind(container, self.env, self.ns) \
            if isinstance(container, (ast.Name, ast.Subscript)) else None
        if known is None or known.dtype != "O":
            return
        kind = sequence_of([_known_items(known).item, kind])
        if isinstance(container, ast.Name):
            self.env[container.id] = kind
            self.written.add(container.id)
        else:
            self._holds(container.value, kind)

    def _Expr(self, stmt):
        call = stmt.value                        # otherwise a call made for its effect
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                and call.func.attr == "append" and isinstance(call.func.value, ast.Name)):
            return
        name, env = call.func.value.id, self.env
        items = [expr_kind(call.args[0], env, self.ns)]
        if name in env and env[name].item is not None:
            items.append(env[name].item)
        elif name in env and env[name] != sequence_of([]):
            items.append(UNKNOWN)
        if name not in self.fixed:
            env[name] = sequence_of(items)
            self.written.add(name)

    def _If(self, stmt):
        """A name neither branch gives a kind keeps its own (the join of a kind with
        itself): only those given one are joined."""
        before, unset, written = dict(self.env), set(self.unset), self.written
        self.written = set()
        self.block(stmt.body)
        after_body, unset_body, touched = self.env, self.unset, self.written
        self.env, self.unset, self.written = before, set(unset), set()
        self.block(stmt.orelse)
        env, touched = self.env, touched | self.written
        self.written = written | touched
        for name in touched:
            if name in self.unset and name not in unset_body and name in after_body:
                env[name] = after_body[name]          # one branch gave it its first value
            elif name in unset_body and name not in self.unset:
                continue
            elif after_body.get(name) is not None and env.get(name) is not None:
                env[name] = join(after_body[name], env[name])
            elif after_body.get(name, env.get(name)) is not None:
                env[name] = after_body.get(name, env.get(name))
        self.unset &= unset_body

    def _For(self, stmt):
        self.env[stmt.target.id] = _INT
        self.written.add(stmt.target.id)
        self._While(stmt)

    def _While(self, stmt):
        if not self.join_all:                    # (with it, every name is joined anyway)
            self.looped.update(n.id for s in stmt.body for n in walk(s)
                               if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store))
        for _ in range(3):                       # to a fixed point, or what three passes know
            before = dict(self.env)
            self.block(stmt.body)
            if self.env == before:
                break
        else:                                    # no lengths, then, of what the loop assigns
            self.env.update((n, with_ones(k, None)) for n, k in self.env.items()
                            if n in self.looped)
            self.written |= self.looped
