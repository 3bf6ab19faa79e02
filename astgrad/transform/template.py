"""Derivative rules as templates: a lambda whose parameters are placeholders.

`lambda g, ans, x: g * np.cos(x)` is parsed once; instantiating it puts the
call's own names in place of `g`, `ans` and `x`, so the rule text is the
generated line.
"""
from __future__ import annotations

import ast
import copy
import inspect
import linecache
import textwrap

from ..errors import RuleError

_parsed_files: dict[str, list[ast.Lambda]] = {}


class Template:
    """One rule: placeholders, an expression over them, and where its free names live."""

    def __init__(self, fn, role: str):
        if not callable(fn) or getattr(fn, "__code__", None) is None:
            raise RuleError(f"a {role} rule must be a lambda or a def returning one expression; "
                            f"got {fn!r}.")
        self.fn = fn
        self.role = role
        self.signature = inspect.signature(fn)
        self.params = list(self.signature.parameters)
        if len(self.params) < 2:
            raise RuleError(f"a {role} rule takes the seed and the output first, then the "
                            f"function's arguments: `lambda g, ans, x: ...`; got {self.params}.",
                            where=_where(fn))
        self._body: ast.expr | None = None

    @property
    def body(self) -> ast.expr:
        if self._body is None:
            self._body = _expression_of(self.fn)
        return self._body

    @property
    def globals(self) -> dict:
        return self.fn.__globals__

    def instantiate(self, values: dict[str, ast.expr]) -> ast.expr:
        """The body with each placeholder replaced by a copy of `values[name]`."""
        return _Substitute(values).visit(copy.deepcopy(self.body))

    def emit(self, seed: ast.expr, ans: ast.expr, args: dict, ns, where: str) -> ast.expr:
        """The rule's expression for one call: its free names resolved into `ns`, the
        seed (adjoint or tangent), the output and the call's arguments put in place."""
        from .resolve import UserScope, resolve
        wrapper = ast.FunctionDef(name="_rule", args=ast.arguments(
            posonlyargs=[], args=[], vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None,
            defaults=[]), body=[ast.Return(copy.deepcopy(self.body))], decorator_list=[],
            lineno=1, col_offset=0)
        ast.fix_missing_locations(wrapper)
        resolve(wrapper, UserScope(self.fn), lambda n: where, ns, set(self.params), check=False)
        values = {self.params[0]: seed, self.params[1]: ans}
        for param in self.params[2:]:
            values[param] = args.get(param) if args.get(param) is not None \
                else ast.Constant(None)
        return _Substitute(values).visit(wrapper.body[0].value)

    def uses(self, name: str) -> bool:
        return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(self.body))


class _Substitute(ast.NodeTransformer):
    def __init__(self, values):
        self.values = values

    def visit_Name(self, node):
        if node.id in self.values:
            return ast.copy_location(copy.deepcopy(self.values[node.id]), node)
        return node

    def visit_Lambda(self, node):
        raise RuleError("a rule's expression may not contain a lambda.")


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
        body = node.body
    else:
        stmts = [s for s in node.body if not (isinstance(s, ast.Expr)
                                               and isinstance(s.value, ast.Constant))]
        if len(stmts) != 1 or not isinstance(stmts[0], ast.Return) or stmts[0].value is None:
            raise RuleError("a rule written with def must be a single `return <expression>`.",
                            where=_where(fn))
        body = stmts[0].value
    return body


def _file_lambdas(filename: str) -> list[ast.Lambda]:
    if filename not in _parsed_files:
        text = "".join(linecache.getlines(filename))
        try:
            tree = ast.parse(text)
        except SyntaxError:
            tree = ast.Module(body=[], type_ignores=[])
        _parsed_files[filename] = [n for n in ast.walk(tree) if isinstance(n, ast.Lambda)]
    return _parsed_files[filename]


def _find_lambda(fn) -> ast.Lambda | None:
    code = fn.__code__
    names = list(code.co_varnames[:code.co_argcount])
    candidates = [n for n in _file_lambdas(code.co_filename)
                  if n.lineno == code.co_firstlineno and [a.arg for a in n.args.args] == names]
    if len(candidates) > 1:   # several lambdas on one line: compare what they compile to
        candidates = [n for n in candidates if _same_code(n, code)] or candidates[:1]
    return candidates[0] if candidates else None


def _same_code(node: ast.Lambda, code) -> bool:
    expr = ast.Expression(body=copy.deepcopy(node))
    ast.fix_missing_locations(expr)
    compiled = compile(expr, code.co_filename, "eval")
    inner = next(c for c in compiled.co_consts if hasattr(c, "co_code"))
    return inner.co_code == code.co_code and inner.co_names == code.co_names \
        and inner.co_consts == code.co_consts


def _find_def(fn) -> ast.FunctionDef | None:
    try:
        lines, first = inspect.getsourcelines(fn)
    except (OSError, TypeError):
        return None
    tree = ast.parse(textwrap.dedent("".join(lines)))
    return next((n for n in tree.body if isinstance(n, ast.FunctionDef)), None)
