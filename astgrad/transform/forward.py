"""Pass 5 for `jvp`, forward: carry a tangent beside each value that varies.

Input: a normalized function (see `normalize`). Output: the same function, taking
the tangent(s) of the differentiated parameters as its last argument, where each
statement making a varying value is followed by the one making its tangent (`tz =
tx * np.cos(x)`), and which returns `(value, tangent)`. Loops and branches keep
their shape and nothing is saved: forward mode needs no reverse sweep.

Each statement class, and each class of value an assignment holds, has a rule
here or in `rules.statements`, or is refused by name (`dispatch`).
"""
from __future__ import annotations

import ast
import copy

import numpy as np

from .. import runtime
from ..errors import NoRuleError
from . import folded_rules, registry, trees
from .activity import Activity
from .build import (assign, call, calls_user_function, commented, is_add_at, is_append,
                    is_method_call, load, located, parameters, plain_args)
from .dicts import dict_names
from .dispatch import rule_for
from .kinds import UNKNOWN, Kind, expr_kind
from .shapes import Shapes
from .naming import Namer
from .request import Request
from .resolve import Namespace
from .sequences import joins_lists, refuse_iterator, sequences_in
from .rules import lists, statements
from .tangent_dtypes import narrowed_output
from .tangent_owned import copy_of, owned_needed, set_to_none, sharing_written, written_into


def forward(tree: ast.FunctionDef, source, activity: Activity, kinds: dict[str, Kind],
            ns: Namespace, namer: Namer, request: Request,
            callee_jvp=None) -> tuple[ast.FunctionDef, dict]:
    """The generated function, and which forward names share a shape (see `Shapes`).

    `callee_jvp(fn, wrt)` gives the jvp of a user function called, not inlined."""
    fwd = _Forward(tree, source, activity, kinds, ns, namer, request, callee_jvp)
    return fwd.run(), fwd.shapes.rep


class _Forward:
    """The forward visitor: dispatches each statement to its rule. Rules reach it
    through the `statements.Tangents` protocol."""

    def __init__(self, tree, source, activity, kinds, ns, namer, request, callee_jvp):
        self.tree, self.source, self.varied = tree, source, activity.varied
        self.kinds, self.ns, self.namer, self.request = kinds, ns, namer, request
        self.callee_jvp, self._tangents = callee_jvp, {}
        self.shapes = Shapes(tree.body[:-1], kinds, ns, parameters(tree))
        self.sequences = sequences_in(tree.body[:-1], kinds, ns)
        self.dicts = dict_names(tree.body, kinds)
        self.written, self.maybe_none = written_into(tree.body, ns), set_to_none(tree.body)
        self.sharing = sharing_written(tree.body, self.written)

    def run(self) -> ast.FunctionDef:
        *body, ret = self.tree.body
        where = self.source.where(ret)
        wrt = self.request.wrt
        names = [self.tangent(p) for p in wrt]
        if len(wrt) == 1 and not self.request.as_tuple:
            params, unpack = names, []
        else:
            params = [self.namer.fresh("tangents")]
            unpack = [ast.Assign([ast.Tuple([ast.Name(n, ast.Store()) for n in names],
                                            ast.Store())], load(params[0]))]
        checks = [ast.Expr(call(self.ns, "rt.check_tangent",
                                [load(t), load(p), ast.Constant(where)]))
                  if getattr(self.kinds.get(p), "item", None) is None else   # a container's:
                  assign(t, call(self.ns, "rt.tangent_like",                 # 0.0 for its
                                 [load(t), load(p), ast.Constant(where)]))  # constants
                  for t, p in zip(names, wrt)]
        stmts = commented(self.block(body), self.source, "")
        stmts = self._owned_tangents(wrt) + stmts
        outputs = ret.value.elts if isinstance(ret.value, ast.Tuple) else [ret.value]
        tangents = [narrowed_output(self, self.tangent_of(o), o) for o in outputs]
        tangent = ast.Tuple(tangents, ast.Load()) if isinstance(ret.value, ast.Tuple) else tangents[0]
        fn = self.tree
        fn.name = self.request.name
        fn.args = _with_tangents_last(plain_args(fn.args), params)
        out = tangent if self.request.mode == "tangent" else ast.Tuple([ret.value, tangent],
                                                                        ast.Load())
        fn.body = unpack + checks + stmts + [ast.Return(out)]
        for stmt in trees.statements(fn):       # (the statements' lines alone: see `shell`)
            if not hasattr(stmt, "lineno"):
                ast.copy_location(stmt, ret)
        return fn

    def _owned_tangents(self, wrt) -> list[ast.stmt]:
        """The tangents of the parameters the function writes into, its own to write
        into: a copy of the caller's, or a zero when the parameter is not differentiated
        yet varies (a varying value is written into it)."""
        out = []
        for p in parameters(self.tree):
            if p in self.written and p in self.varied:
                value = self.owned(load(self.tangent(p)), p) if p in wrt \
                    else self.zero(load(p))
                out.append(assign(self.tangent(p), value))
            elif p in self.varied and p not in wrt:   # rebound in a loop to what varies
                out.append(assign(self.tangent(p), self.zero(load(p))))
        return out

    # -- tangents ------------------------------------------------------------------------------
    def tangent(self, name: str) -> str:
        """The tangent variable of `name`, allocated at its first mention."""
        if name not in self._tangents:
            self._tangents[name] = self.namer.tangent(name)
        return self._tangents[name]

    def listed(self, node) -> bool:
        """Is `node` a list: written out, or a name holding one?"""
        return isinstance(node, (ast.List, ast.Tuple)) \
            or isinstance(node, ast.Name) and node.id in self.sequences

    def varies(self, node) -> bool:
        return isinstance(node, ast.Name) and node.id in self.varied

    def tangent_of(self, node) -> ast.expr:
        """The tangent of an atom, or a zero of its kind."""
        if self.varies(node):
            return load(self.tangent(node.id))
        return self.zero(node)

    def zero(self, node) -> ast.expr:
        """A zero tangent for the value `node`."""
        kind = expr_kind(node, self.kinds, self.ns)
        if kind.py or kind.ndim == 0 and isinstance(node, ast.Constant):
            return ast.Constant(0.0)
        if isinstance(node, (ast.Tuple, ast.List)):
            return type(node)([self.tangent_of(e) for e in node.elts], ast.Load())
        name = "np.zeros_like" if kind.ndim is not None and kind.dtype != "O" else "rt.zeros_like"
        return call(self.ns, name, [copy.deepcopy(node)])

    # -- statements ----------------------------------------------------------------------------
    def block(self, stmts) -> list[ast.stmt]:
        out = []
        for stmt in stmts:
            out.extend(located(rule_for(STATEMENT_RULES, stmt, "forward")(stmt, self), stmt))
        return out

    def assign_name(self, stmt: ast.Assign) -> list[ast.stmt]:
        """`v = value`, then `tv = ...` when `v` varies."""
        target = stmt.targets[0].id
        if target not in self.varied:
            return [stmt]
        t = self.tangent(target)
        if calls_user_function(stmt.value, self.ns):
            out = statements.tangent_call_user(stmt, self)
            return out + [assign(t, self.owned(load(t), target))] \
                if target in self.written else out
        tangent = rule_for(VALUE_RULES, stmt.value, "forward")(stmt, self)
        if not owned_needed(target, stmt.value, tangent, self._tangents, self.written, self.ns,
                            self.sharing):
            return [stmt, assign(t, tangent)]
        if self.kinds.get(target, UNKNOWN).ndim is None:     # `owned` reads it twice
            return [stmt, assign(t, tangent), assign(t, self.owned(load(t), target))]
        return [stmt, assign(t, self.owned(tangent, target))]

    def owned(self, tangent: ast.expr, name: str) -> ast.expr:
        """A copy of `tangent`, the tangent of `name` (see `tangent_owned.copy_of`)."""
        return copy_of(tangent, self.kinds.get(name, UNKNOWN), name in self.dicts,
                       name in self.maybe_none, self.ns)

    def apply(self, stmt) -> ast.expr:
        """The tangent of a primitive's result: its rules' terms, summed."""
        target, value, where = stmt.targets[0].id, stmt.value, self.source.where(stmt)
        try:
            prim, args = registry.operation(value, self.ns)
        except TypeError as exc:
            raise NoRuleError(f"`{ast.unparse(value)}`: {exc}.", where) from None
        if prim is None and not isinstance(value, ast.Call):
            raise NoRuleError(f"`{ast.unparse(value)}` has no derivative rule.", where)
        if prim is not None and prim.nondiff:
            refuse_iterator(value, prim, self.varies, where)
        if prim is not None and prim.nondiff and self._made_zeros(value):
            return copy.deepcopy(value)   # zeros like the value, not read from it
        if prim is None or prim.nondiff:
            return self.zero(load(target))
        terms, shaped = self._terms(prim, args, stmt)
        if not terms:
            return self.zero(load(target))
        expr = terms[0]
        listed = target in self.sequences or target in self.dicts    # element by element
        for term in terms[1:]:
            expr = _added(expr, term) if _both_tuples(expr, term) else \
                call(self.ns, "rt.add_each", [expr, term]) if listed or _a_tuple(expr, term) \
                else ast.BinOp(expr, ast.Add(), term)
        expr = _narrowed(self, expr, prim, value, args, target)
        if prim.elementwise and not shaped and not self._all_scalar(args, target):
            expr = call(self.ns, "rt.broadcast_like", [expr, load(target)])
        return expr

    def _terms(self, prim, args, stmt) -> tuple[list[ast.expr], bool]:
        """One term per varying argument, and whether the terms have the result's shape:
        one does, or every operand that is not a number varies and has a term (each
        term has its operand's shape at least, so together they broadcast to the
        result's)."""
        target, value, where = stmt.targets[0].id, stmt.value, self.source.where(stmt)
        terms, shaped, covered = [], False, True
        for i, param in enumerate(prim.params or ()):
            node = args.get(param)
            elements = node.elts if isinstance(node, (ast.Tuple, ast.List)) else [node]
            if node is None or not any(self.varies(e) for e in elements):
                covered = covered and (node is None or self._number(node))
                continue
            rule = registry.forward_rule(prim, i)
            covered = covered and rule != "zero" and isinstance(node, ast.Name)
            if rule == "zero":
                continue
            if rule is None:
                raise NoRuleError(
                    f"{prim.name} has no forward-mode rule for its argument `{param}`.", where,
                    fix=f"Give it one with ag.defjvp({prim.name}, lambda t, ans, ...: ...).")
            tangent = self.tangent_of(node)
            if rule == "linear":
                terms.append(_with_argument(value, param, node, tangent))
            else:
                terms.append(folded_rules.emit(rule, tangent, load(target), args, self.ns,
                                               where, self.kinds))
            if isinstance(node, ast.Name) and (id(stmt), node.id) in self.shapes.equal:
                shaped = True
        return terms, shaped or covered and bool(terms)

    def _made_zeros(self, value) -> bool:
        """Is `value` a call making a new array of zeros (its own zero tangent)?"""
        return isinstance(value, ast.Call) and any(
            self.ns.value(value.func) is f for f in (np.zeros_like, np.zeros, runtime.zeros_like))

    def _number(self, node) -> bool:
        return isinstance(node, ast.Constant) or expr_kind(node, self.kinds, self.ns).ndim == 0

    def _all_scalar(self, args, target) -> bool:
        kinds = [expr_kind(v, self.kinds, self.ns) for v in args.values() if v is not None]
        return all(k.ndim == 0 for k in kinds) and self.kinds.get(target, UNKNOWN).ndim == 0


def _narrowed(fwd: _Forward, tangent: ast.expr, prim, value: ast.expr, args: dict,
              target: str) -> ast.expr:
    """The tangent in its value's dtype where that is float32 (or float16) and the call is
    given a Python float that varies, or one of an elementwise function (which NumPy takes
    in that dtype): the float's tangent times a bool mask (np.maximum, np.where), or
    NumPy's float64 of it (np.sign(a), np.log(a)), would be float64. Not where the kinds
    show the tangent keeps the dtype (the float's tangent times a float32 array)."""
    out = fwd.kinds.get(target, UNKNOWN)
    if not out.narrow or not _given_python_float(fwd, prim, value):
        return tangent
    env = dict(fwd.kinds)
    for node in args.values():
        if fwd.varies(node):
            env[fwd.tangent(node.id)] = fwd.kinds.get(node.id, UNKNOWN)
    made = expr_kind(tangent, env, fwd.ns)
    if made.dtype == "f" and made.itemsize == out.itemsize:
        return tangent
    return call(fwd.ns, "np.asarray", [tangent, ast.Attribute(load(target), "dtype",
                                                              ast.Load())])


def _given_python_float(fwd: _Forward, prim, value: ast.expr) -> bool:
    """Is an operand written in the call (not a default filled in) a Python float that
    varies, or any Python float where the function is elementwise?"""
    given = value.args + [k.value for k in value.keywords] if isinstance(value, ast.Call) \
        else [n for n in ast.iter_child_nodes(value) if isinstance(n, ast.expr)]
    for node in given:
        kind = expr_kind(node, fwd.kinds, fwd.ns)
        if kind.py and kind.dtype == "f" and (prim.elementwise or fwd.varies(node)):
            return True
    return False


def _with_tangents_last(args: ast.arguments, params: list[str]) -> ast.arguments:
    """The user's parameters, then the tangent parameters, all by position."""
    args.args += [ast.arg(p) for p in params]
    if args.kwonlyargs:                     # the tangent comes last, by position
        args.args += [ast.arg(a.arg) for a in args.kwonlyargs]
        args.kwonlyargs, args.kw_defaults = [], []
        args.args = [a for a in args.args if a.arg not in params] + [ast.arg(p) for p in params]
    return args


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


# -- statements: each class handled or refused by name (see `dispatch`) -----------------------
def _kept(stmt, tangents):
    """`pass`, `break`, `continue`, `assert`, a call for its effect: no tangent."""
    return [stmt]


def _assignment(stmt: ast.Assign, tangents: _Forward):
    return rule_for(_TARGETS, stmt.targets[0], "forward")(stmt, tangents)


def _to_name(stmt, tangents):
    return tangents.assign_name(stmt)


def _expression(stmt: ast.Expr, tangents: _Forward):
    return rule_for(_CALL_STATEMENTS, stmt.value, "forward")(stmt, tangents)


def _call_statement(stmt, tangents):
    if is_append(stmt.value):
        return lists.tangent_append(stmt, tangents)
    if is_add_at(stmt.value, tangents.ns):
        return statements.tangent_add_at(stmt, tangents)
    return _kept(stmt, tangents)                 # print(...), rt.check_scalar(...)


# The statement classes this pass handles, (stmt, tangents) -> statements; `dispatch.NOT_HERE`
# names the rest, and a test walks every class of the running Python through both.
STATEMENT_RULES = {
    ast.Assign: _assignment, ast.Expr: _expression,
    ast.If: statements.tangent_if, ast.For: statements.tangent_for,
    ast.While: statements.tangent_while,
    ast.Pass: _kept, ast.Break: _kept, ast.Continue: _kept, ast.Assert: _kept, ast.Raise: _kept,
}
_TARGETS = {ast.Name: _to_name, ast.Subscript: statements.tangent_store_item}
_CALL_STATEMENTS = {ast.Call: _call_statement}


# -- values an assignment holds: `(stmt, tangents)` -> the tangent of the target ---------------
def _of_atom(stmt, tangents):
    return tangents.tangent_of(stmt.value)


def _of_call(stmt, tangents):
    if is_method_call(stmt.value, "pop"):
        return lists.tangent_pop(stmt, tangents)
    return tangents.apply(stmt)


def _of_operation(stmt, tangents):
    if joins_lists(stmt, tangents.listed, tangents.sequences):
        return lists.tangent_join(stmt, tangents, tangents.listed)
    return tangents.apply(stmt)


def _no_derivative(stmt, tangents):
    """Comparisons, f-strings, `x.shape`: a zero tangent."""
    return tangents.zero(load(stmt.targets[0].id))


# The classes of value a normalized assignment holds; likewise exhaustive.
VALUE_RULES = {
    ast.Name: _of_atom, ast.Constant: _of_atom, ast.Tuple: _of_atom, ast.List: _of_atom,
    ast.Subscript: statements.tangent_read_item, ast.Call: _of_call,
    ast.BinOp: _of_operation, ast.UnaryOp: _of_operation,
    ast.Compare: _no_derivative, ast.Attribute: _no_derivative, ast.JoinedStr: _no_derivative,
}


# The tangents of a result that is a tuple (a primitive returning several values) add
# element by element: never tuple concatenation.
def _both_tuples(a: ast.expr, b: ast.expr) -> bool:
    return isinstance(a, ast.Tuple) and isinstance(b, ast.Tuple) and len(a.elts) == len(b.elts)


def _a_tuple(a: ast.expr, b: ast.expr) -> bool:
    return isinstance(a, (ast.Tuple, ast.List)) or isinstance(b, (ast.Tuple, ast.List))


def _added(a: ast.Tuple, b: ast.Tuple) -> ast.Tuple:
    return ast.Tuple([ast.BinOp(x, ast.Add(), y) for x, y in zip(a.elts, b.elts)], ast.Load())
