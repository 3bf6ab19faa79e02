"""Pass 1, source: a function object in, its parsed `FunctionDef` out.

The tree's line numbers are the user's file lines, decorators are dropped,
and a lambda becomes `def <name>(...): return <body>`. Functions made by
astgrad are read back from astgrad's own registry of generated source.
"""
from __future__ import annotations

import ast
import inspect
import io
import tokenize
import linecache
import textwrap
from dataclasses import dataclass

from ..errors import SourceError


@dataclass(frozen=True)
class Source:
    """A parsed function and where it came from."""

    tree: ast.FunctionDef
    filename: str
    lines: tuple[str, ...]     # the file's lines, for comments and messages

    def where(self, node: ast.AST | None) -> str:
        line = getattr(node, "lineno", None) or self.tree.lineno
        return f"{self.filename}:{line}"

    def line_text(self, lineno: int) -> str:
        """The user's line, without its own trailing comment."""
        if not 1 <= lineno <= len(self.lines):
            return ""
        line = self.lines[lineno - 1].strip()
        try:
            tokens = list(tokenize.generate_tokens(io.StringIO(line).readline))
        except (tokenize.TokenError, SyntaxError):
            return line
        comment = next((t for t in tokens if t.type == tokenize.COMMENT), None)
        return line[:comment.start[1]].rstrip() if comment else line


def read(fn) -> Source:
    """Parse `fn`'s source into a `Source`."""
    code = getattr(fn, "__code__", None)
    if code is None:
        raise SourceError(
            f"{fn!r} is not a Python function, so its source cannot be read.",
            fix="Pass a function defined with `def` (or a lambda) in a file or notebook.")
    filename = code.co_filename
    try:
        lines, first = inspect.getsourcelines(fn)
    except (OSError, TypeError) as exc:
        raise SourceError(
            f"cannot read the source of `{fn.__qualname__}` ({exc}).",
            where=f"{filename}:{code.co_firstlineno}",
            fix="Define the function in a .py file or a notebook cell; functions typed "
                "at the plain interactive prompt keep no source.") from None
    text = textwrap.dedent("".join(lines))
    file_lines = tuple(linecache.getlines(filename)) or tuple(lines)
    if code.co_name == "<lambda>":
        tree = _lambda_def(text, code, filename, first)
    else:
        tree = _function_def(text, fn, filename, first)
    tree.decorator_list = []
    return Source(tree, filename, file_lines)


def _parse(text: str, filename: str, first: int) -> ast.Module:
    try:
        module = ast.parse(text)
    except SyntaxError:
        # A lambda in the middle of an expression: its lines alone may not parse.
        try:
            module = ast.parse("(\n" + text + "\n)")
            ast.increment_lineno(module, -1)
        except SyntaxError as exc:
            raise SourceError(f"cannot parse the source ({exc.msg}).",
                              where=f"{filename}:{first}") from None
    ast.increment_lineno(module, first - 1)
    return module


def _function_def(text, fn, filename, first) -> ast.FunctionDef:
    module = _parse(text, filename, first)
    for node in module.body:
        if isinstance(node, ast.FunctionDef) and node.name == fn.__name__:
            return node
        if isinstance(node, ast.AsyncFunctionDef):
            raise SourceError("async functions cannot be differentiated.",
                              where=f"{filename}:{node.lineno}")
    raise SourceError(f"cannot find `def {fn.__name__}` in its source.",
                      where=f"{filename}:{first}")


def _lambda_def(text, code, filename, first) -> ast.FunctionDef:
    module = _parse(text, filename, first)
    found = [n for n in ast.walk(module) if isinstance(n, ast.Lambda)
             and n.lineno == code.co_firstlineno
             and [a.arg for a in n.args.args] == list(code.co_varnames[:code.co_argcount])]
    if len(found) != 1:
        raise SourceError(
            "cannot tell which lambda on this line to differentiate.",
            where=f"{filename}:{code.co_firstlineno}",
            fix="Write the function with `def`.")
    lam = found[0]
    ret = ast.Return(lam.body)
    ast.copy_location(ret, lam.body)
    tree = ast.FunctionDef(name="lambda_", args=lam.args, body=[ret], decorator_list=[],
                           returns=None, type_comment=None)
    if hasattr(ast, "TypeAlias"):    # Python 3.12+ expects the field
        tree.type_params = []
    return ast.fix_missing_locations(ast.copy_location(tree, lam))
