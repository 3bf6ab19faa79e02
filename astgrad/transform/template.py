"""Derivative rules as templates: a lambda whose parameters are placeholders.

`lambda g, ans, x: g * np.cos(x)` is parsed and checked when the rule is
registered, and its names are resolved once, when it is first emitted: `np.cos`
is looked up where the rule is written, and a call to a function marked
`@rule_helper` is replaced by the helper's own expression. Emitting the rule
for one call then names those objects in the generated code's namespace and
puts the call's own names in place of `g`, `ans` and `x`, so the rule text is
the generated line. (The passes emit a rule through `folded_rules`, which first
decides the tests in it that its call's kinds and literals decide.)
"""
from __future__ import annotations

import ast
import copy
import inspect
import linecache
import types
from dataclasses import dataclass
from typing import Callable

from ..errors import AstgradError, RuleError
from .scope import MISSING, UserScope, resolve_names
from .trees import instantiate

_parsed_files: dict[str, tuple[list[ast.Lambda], list[ast.FunctionDef]]] = {}
_helpers: dict[int, tuple[Callable, "Template"]] = {}    # id(fn) -> (fn, its template)
_SPECIALIZED_LIMIT = 256     # specializations kept per rule (past it, made at each emit)


def rule_helper(fn: Callable) -> Callable:
    """Mark `fn`, a function returning one expression, as a piece of rules.

    A rule that calls it gets its expression in place of the call, with the
    call's arguments in place of its parameters, so the generated code shows
    the math, not a call: with
    `def _expand(g, axis, keepdims): return g if keepdims or axis is None else
    np.expand_dims(g, axis)`, the rule `lambda g, ans, a, axis=None, keepdims=False:
    _expand(g, axis, keepdims)` is the rule with that expression written out.
    Define a helper above the rules that call it."""
    spread = [p for p in inspect.signature(fn).parameters.values()
              if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    if spread:
        raise RuleError(f"the rule helper {fn.__name__} takes *{spread[0].name}; a rule "
                        f"helper names each of its parameters.", where=_where(fn))
    _helpers[id(fn)] = (fn, Template(fn, "helper"))
    return fn


def _helper(obj) -> "Template | None":
    """The template of a rule helper, if `obj` is one."""
    entry = _helpers.get(id(obj))
    return entry[1] if entry is not None and entry[0] is obj else None


class Template:
    """One rule: placeholders, and its expression with every other name resolved."""

    def __init__(self, fn, role: str, owner: str = ""):
        if not callable(fn) or getattr(fn, "__code__", None) is None:
            raise RuleError(f"a {role} rule must be a lambda or a def returning one expression; "
                            f"got {fn!r}.")
        self.fn = fn
        self.role = role
        self.owner = owner or getattr(fn, "__name__", "?")
        self.where = _where(fn)
        self.signature = inspect.signature(fn)
        self.params = list(self.signature.parameters)
        if role != "helper" and len(self.params) < 2:
            raise RuleError(f"a {role} rule takes the seed and the output first, then the "
                            f"function's arguments: `lambda g, ans, x: ...`; got {self.params}.",
                            where=self.where)
        self._source = _expression_of(fn)
        self._check_names()
        self._resolved: tuple[ast.expr, list] | None = None
        self._specialized: dict = {}

    def describe(self) -> str:
        if self.role == "helper":
            return f"the rule helper {self.owner}"
        return f"the {self.role} rule for {self.owner}"

    def emit(self, seed: ast.expr, ans: ast.expr, args: dict, ns, where: str,
             resolved: tuple[ast.expr, list] | None = None) -> ast.expr:
        """The rule's expression for one call: its names bound in `ns`, the seed (adjoint
        or tangent), the output and the call's arguments put in place. `resolved`: the
        expression and its names to emit in place of `resolved()`'s (the rule folded for
        its arguments, `folded_rules`)."""
        values = self.placeholders(seed, ans, args)
        body, names = resolved or self.resolved()
        for marker, name in names:
            values[marker] = name.node(ns, where)
        return instantiate(body, values)

    def placeholders(self, seed: ast.expr, ans: ast.expr, args: dict) -> dict:
        """{parameter: the expression in its place} for one call (None for an argument
        not given)."""
        values = {self.params[0]: seed, self.params[1]: ans}
        for param in self.params[2:]:
            values[param] = args.get(param) if args.get(param) is not None \
                else ast.Constant(None)
        return values

    def specialized(self, key, make) -> tuple[ast.expr, list]:
        """`make(self.resolved())`, made once for each `key` (what it depends on) and kept
        with the rule, as `resolved()` is (`folded_rules`: the rule folded for the kinds
        and the literals of a call's arguments)."""
        found = self._specialized.get(key)
        if found is None:
            found = make(self.resolved())
            if len(self._specialized) < _SPECIALIZED_LIMIT:
                self._specialized[key] = found
        return found

    # -- checked when registered, resolved once when first emitted ---------------------------
    def _check_names(self):
        """Every name the expression reads is a placeholder or is defined where the rule
        is, and every rule helper it names is called with arguments that fit."""
        scope = UserScope(self.fn)
        called = {id(n.func) for n in ast.walk(self._source) if isinstance(n, ast.Call)}
        for node in ast.walk(self._source):
            if isinstance(node, ast.Lambda):
                raise RuleError(f"{self.describe()} contains a lambda; a rule's expression "
                                f"may not.", where=self.where)
            if isinstance(node, ast.Name) and node.id not in self.params \
                    and scope.get(node.id) is MISSING:
                raise RuleError(
                    f"{self.describe()} reads `{node.id}`, which is neither one of its "
                    f"parameters ({', '.join(self.params)}) nor defined where it is written.",
                    where=self.where,
                    fix=f"Define `{node.id}` above the rule, or, if it is an argument of the "
                        f"function, name it among the rule's parameters.")
            helper = _helper(_static(node, scope, self.params))
            if helper is not None and id(node) not in called:
                raise RuleError(f"{self.describe()} uses the rule helper {helper.owner} "
                                f"without calling it.", where=self.where,
                                fix="A rule helper stands for its expression: call it.")
            if isinstance(node, ast.Call):
                helper = _helper(_static(node.func, scope, self.params))
                if helper is not None:
                    _helper_arguments(self, helper, node)

    def resolved(self) -> tuple[ast.expr, list]:
        """The expression with each free name a marker, and what each marker stands for
        (computed once; emitting binds the markers and copies the expression)."""
        if self._resolved is None:
            self._resolved = self._resolve(copy.deepcopy(self._source))
        return self._resolved

    def _resolve(self, body: ast.expr):
        recorder = _Recorder()
        try:
            body = resolve_names(body, UserScope(self.fn), recorder, set(self.params),
                                 lambda node: self.where)
        except AstgradError as exc:
            raise RuleError(f"{self.describe()}: {exc.what}", where=self.where,
                            fix=exc.fix or "A rule reads its parameters, and names defined "
                            "where it is written before it is registered.") from None
        inliner = _Inliner(self, recorder.names)
        body = inliner.visit(body)
        return body, inliner.names()


# ---- names a rule reads, bound when it is emitted ----------------------------------------------
MARKER = "\0"       # the first character of a marker: a name no identifier clashes with


@dataclass(frozen=True, eq=False)
class _Ref:
    """A function or module, spelled as the namespace spells it (`np.cos`)."""
    obj: object

    def node(self, ns, where):
        return ns.ref(self.obj)

    def denotes(self):
        return self.obj


@dataclass(frozen=True, eq=False)
class _Bound:
    """A module other than NumPy's or the runtime's, bound under its own name."""
    obj: object
    preferred: str

    def node(self, ns, where):
        return ast.Name(ns.bind(self.obj, self.preferred), ast.Load())

    def denotes(self):
        return self.obj


@dataclass(frozen=True, eq=False)
class _Live:
    """A value of the rule's module, read when the generated code runs."""
    name: str
    scope: UserScope
    obj: object

    def node(self, ns, where):
        return ast.Name(ns.read_live(self.name, self.scope, self.obj, where), ast.Load())

    def denotes(self):
        return MISSING           # (read when the code runs: not known now, as `ns.value` has it)


def reference(obj) -> _Ref:
    """What a marker naming `obj` (a function or a module) stands for: `ns.ref(obj)`."""
    return _Ref(obj)


class _Recorder:
    """Stands in for the generated code's namespace while a rule is resolved: each name
    the rule reads becomes a marker (not an identifier, so it clashes with none), and
    what it stands for is kept, to be bound in the real namespace at each emit."""

    def __init__(self):
        self.names: list[tuple[str, object]] = []

    def _marker(self, name) -> str:
        marker = f"{MARKER}{len(self.names)}"
        self.names.append((marker, name))
        return marker

    def ref(self, obj) -> ast.expr:
        return ast.Name(self._marker(_Ref(obj)), ast.Load())

    def bind(self, obj, preferred: str) -> str:
        return self._marker(_Bound(obj, preferred))

    def read_live(self, name: str, scope, obj, where) -> str:
        return self._marker(_Live(name, scope, obj))


class _Inliner(ast.NodeTransformer):
    """Replaces each call to a rule helper by the helper's expression, its parameters
    the call's arguments and its markers renamed into the calling rule's."""

    def __init__(self, template: Template, names):
        self.template = template
        self.refs = {marker: name for marker, name in names}
        self.order = [marker for marker, _ in names]
        self.inlined: dict[str, list] = {}      # a helper call's marker -> the helper's names

    def names(self) -> list:
        out = []
        for marker in self.order:
            out += self.inlined.get(marker, [(marker, self.refs[marker])])
        return out

    def visit_Call(self, node):
        self.generic_visit(node)                # helper calls in the arguments first
        marker = node.func.id if isinstance(node.func, ast.Name) else None
        name = self.refs.get(marker)
        helper = _helper(name.obj) if isinstance(name, _Ref) else None
        if helper is None:
            return node
        values = _helper_arguments(self.template, helper, node)
        self.inlined[marker] = []
        helper_body, helper_names = helper.resolved()
        for inner, inner_name in helper_names:
            renamed = marker + inner            # unique: a marker and one of the helper's
            values[inner] = ast.Name(renamed, ast.Load())
            self.inlined[marker].append((renamed, inner_name))
        return instantiate(helper_body, values)


def _helper_arguments(template: Template, helper: Template, call: ast.Call) -> dict:
    """{helper parameter: argument node} for a call to a rule helper, defaults filled in."""
    text = f"{helper.owner}(...)"
    if any(isinstance(a, ast.Starred) for a in call.args) or \
            any(k.arg is None for k in call.keywords):
        raise RuleError(f"{template.describe()} calls {text} with * or **; name a rule "
                        f"helper's arguments one by one.", where=template.where)
    try:
        bound = helper.signature.bind(*call.args, **{k.arg: k.value for k in call.keywords})
    except TypeError as exc:
        raise RuleError(f"{template.describe()} calls {text}: {exc}.", where=template.where,
                        fix=f"Call it as it is defined: {helper.owner}{helper.signature}.") \
            from None
    bound.apply_defaults()
    return {p: v if isinstance(v, ast.AST) else constant_node(v)
            for p, v in bound.arguments.items()}


def _static(node: ast.expr, scope: UserScope, params):
    """What a dotted name (not a placeholder) denotes where the rule is written."""
    if isinstance(node, ast.Name):
        return MISSING if node.id in params else scope.get(node.id)
    if isinstance(node, ast.Attribute):
        base = _static(node.value, scope, params)
        return getattr(base, node.attr, MISSING) if isinstance(base, types.ModuleType) \
            else MISSING
    return MISSING


def constant_node(value) -> ast.expr:
    """The expression for a Python constant (a rule's default argument)."""
    if isinstance(value, tuple):
        return ast.Tuple(elts=[constant_node(v) for v in value], ctx=ast.Load())
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
        return ast.UnaryOp(op=ast.USub(), operand=ast.Constant(-value))
    return ast.Constant(value)


# ---- a rule's source --------------------------------------------------------------------
def _where(fn) -> str:
    code = fn.__code__
    return f"{code.co_filename}:{code.co_firstlineno}"


def _expression_of(fn) -> ast.expr:
    """The single expression a rule returns, from its source file."""
    code = fn.__code__
    node = _find_lambda(fn) if code.co_name == "<lambda>" else _find_def(fn)
    if node is None:
        raise RuleError("cannot read this rule's source.", where=_where(fn),
                        fix="Define rules in a .py file, one lambda or def per rule.")
    if isinstance(node, ast.Lambda):
        return node.body
    stmts = [s for s in node.body if not (isinstance(s, ast.Expr)
                                           and isinstance(s.value, ast.Constant))]
    if len(stmts) != 1 or not isinstance(stmts[0], ast.Return) or stmts[0].value is None:
        raise RuleError("a rule written with def must be a single `return <expression>`.",
                        where=_where(fn))
    return stmts[0].value


def _file_functions(filename: str) -> tuple[list[ast.Lambda], list[ast.FunctionDef]]:
    """The lambdas and defs of a source file, parsed once."""
    if filename not in _parsed_files:
        text = "".join(linecache.getlines(filename))
        try:
            nodes = list(ast.walk(ast.parse(text)))
        except SyntaxError:
            nodes = []
        _parsed_files[filename] = ([n for n in nodes if isinstance(n, ast.Lambda)],
                                   [n for n in nodes if isinstance(n, ast.FunctionDef)])
    return _parsed_files[filename]


def _find_lambda(fn) -> ast.Lambda | None:
    code = fn.__code__
    names = list(code.co_varnames[:code.co_argcount])
    candidates = [n for n in _file_functions(code.co_filename)[0]
                  if n.lineno == code.co_firstlineno and [a.arg for a in n.args.args] == names]
    if len(candidates) > 1:   # several lambdas on one line: the one the code comes from
        candidates = [n for n in candidates if _compiled_from(n, code)] or candidates[:1]
    return candidates[0] if candidates else None


def _compiled_from(node: ast.Lambda, code) -> bool:
    if hasattr(code, "co_positions"):       # Python 3.11: where each instruction comes from
        start, end = (node.lineno, node.col_offset), (node.end_lineno, node.end_col_offset)
        spans = [((line, col), (end_line, end_col))
                 for line, end_line, col, end_col in code.co_positions()
                 if line is not None and col is not None and (end_line, end_col) > (line, col)]
        return bool(spans) and all(start <= a and b <= end for a, b in spans)
    expr = ast.Expression(body=copy.deepcopy(node))
    ast.fix_missing_locations(expr)
    compiled = compile(expr, code.co_filename, "eval")
    inner = next(c for c in compiled.co_consts if hasattr(c, "co_code"))
    return inner.co_code == code.co_code and inner.co_names == code.co_names \
        and inner.co_consts == code.co_consts


def _find_def(fn) -> ast.FunctionDef | None:
    code = fn.__code__
    for node in _file_functions(code.co_filename)[1]:
        first = min([node.lineno] + [d.lineno for d in node.decorator_list])
        if node.name == code.co_name and first == code.co_firstlineno:
            return node
    return None
