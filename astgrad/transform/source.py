"""Pass 1, source: a function object in, its parsed `FunctionDef` out.

The tree's line numbers are the user's file lines, decorators are dropped,
and a lambda becomes `def <name>(...): return <body>`. Functions made by
astgrad are read back from astgrad's own registry of generated source, and a
recursive nested `def` made a function of its own (`lifting`) from what it keeps.
A function no file holds (a notebook cell run by a cell magic, the REPL,
`python -c`, `exec`, another process) is read from the text `astgrad.sources`
recovers, or refused with what to do in that setting.
"""
from __future__ import annotations

import ast
import inspect
import io
import re
import tokenize
import textwrap
from dataclasses import dataclass

from .. import sources
from ..errors import SourceError


@dataclass(frozen=True)
class Source:
    """A parsed function and where it came from."""

    tree: ast.FunctionDef
    filename: str
    lines: tuple[str, ...]     # the file's lines, for comments and messages
    label: str | None = None   # the notebook cell, `In [3]`, when it came from one

    def where(self, node: ast.AST | None) -> str:
        line = getattr(node, "lineno", None) or self.tree.lineno
        return f"{self.label}, line {line}" if self.label else f"{self.filename}:{line}"

    def users_where(self, where: str) -> str:
        """`where` (`file:line` in this source), for generated code also the user's line
        it came from (what an error about a derivative differentiated again says)."""
        name, _, line = where.rpartition(":")
        if name != self.filename or not line.isdigit() or not name.startswith("<astgrad-"):
            return where
        user = _user_line(self.lines, int(line))
        return where if user is None else \
            f"{user} (the derivative's code differentiated again: {where})"

    def line_text(self, lineno: int) -> str:
        """The user's line, without its own trailing comment."""
        if not 1 <= lineno <= len(self.lines):
            return ""
        line = self.lines[lineno - 1].strip()
        if "#" not in line:                  # no comment: nothing to tokenize
            return line
        try:
            tokens = list(tokenize.generate_tokens(io.StringIO(line).readline))
        except (tokenize.TokenError, SyntaxError):
            return line
        comment = next((t for t in tokens if t.type == tokenize.COMMENT), None)
        return line[:comment.start[1]].rstrip() if comment else line


_HEADER = re.compile(r"^# \w+ of `[^`]*` \((.+):(\d+)\)")
_LINE = re.compile(r"^\s*# line (\d+)(, reverse)?:")


def _user_line(lines, line: int) -> str | None:
    """For generated code (its lines `lines`), the user's `file:line` that `line` came
    from: the `# line N:` comment above it, in the file its header names."""
    header = next((m for text in lines[:8] if (m := _HEADER.match(text))), None)
    found = next((m for text in reversed(lines[:line]) if (m := _LINE.match(text))), None)
    if header is None or found is None:
        return None
    return f"{header.group(1)}:{found.group(1)}"


def read(fn) -> Source:
    """Parse `fn`'s source into a `Source`."""
    lifted = getattr(fn, "_astgrad_lifted", None)
    if lifted is not None:              # a nested `def` made a function (see `lifting`)
        return lifted.read()
    code = getattr(fn, "__code__", None)
    if code is None:
        raise SourceError(
            f"{fn!r} is not a Python function, so its source cannot be read.",
            fix="Pass a function defined with `def` (or a lambda) in a file or notebook.")
    filename = code.co_filename
    lines, first, label = text_of(fn)
    if code.co_name == "<lambda>":
        tree = _lambda_def(lines, code, filename, first)
    else:
        tree = _function_def(_block(lines, first, filename), fn, filename, first)
    tree.decorator_list = []
    if inspect.ismethod(fn) and tree.args.posonlyargs + tree.args.args:
        # A bound method (or classmethod): `self` is the object it is bound to, which
        # the code reads as a closure value (see `scope.UserScope`), not a parameter.
        (tree.args.posonlyargs if tree.args.posonlyargs else tree.args.args).pop(0)
    return Source(tree, filename, tuple(lines), label)


def text_of(fn) -> tuple[list[str], int, str | None]:
    """The lines of the file, cell or string that defines `fn`, the line its
    definition starts on, and the cell's label; a `SourceError` saying what to do
    when there is none."""
    code = fn.__code__
    label = sources.label(code.co_filename)
    try:
        lines, index = inspect.findsource(fn)
        # `<string>` names every string `exec` ran; since Python 3.13 `linecache` also
        # keeps `python -c`'s command under it, which need not be the string that
        # defined `fn` (a pytest-xdist worker's bootstrap line): take it only if it does.
        if code.co_filename != "<string>" or sources.defines("".join(lines), code):
            return lines, index + 1, label
    except (OSError, TypeError):
        pass
    found = sources.recover(code)
    if found is None:
        what, fix = sources.setting(code)
        raise SourceError(f"cannot read the source of `{fn.__qualname__}`: {what}.",
                          where=f"{label}, line {code.co_firstlineno}" if label
                          else f"{code.co_filename}:{code.co_firstlineno}",
                          fix=fix)
    text, cell = found
    return text.splitlines(keepends=True), code.co_firstlineno, cell or label


def _block(lines: list[str], first: int, filename: str) -> ast.Module:
    """The `def` that starts on line `first`, parsed: `inspect.getblock`'s lines, found
    without tokenizing the rest of the file where it can be. The block is cut before the
    first line below the header that is neither blank nor a comment and not indented past
    it; a cut inside a string or brackets does not parse, and then the tokenizer finds
    the end."""
    start = first - 1
    indent = len(lines[start]) - len(lines[start].lstrip())
    while start + 1 < len(lines) and lines[start].lstrip().startswith("@"):
        start += 1                    # (decorators: the block goes on to the `def`)
    end = start + 1
    while end < len(lines):
        line = lines[end]
        stripped = line.lstrip()
        if stripped and stripped[0] != "#" and len(line) - len(stripped) <= indent:
            break
        end += 1
    try:
        return ast.parse("\n" * (first - 1) + textwrap.dedent("".join(lines[first - 1:end])))
    except (SyntaxError, ValueError):
        text = textwrap.dedent("".join(inspect.getblock(lines[first - 1:])))
        return _parse(text, filename, first)


def _parse(text: str, filename: str, first: int) -> ast.Module:
    """`text` parsed, its line numbers those of the file (`text` starts on line `first`):
    the blank lines before it give them, as they would be in the file."""
    try:
        return ast.parse("\n" * (first - 1) + text)
    except SyntaxError:
        pass
    # A lambda in the middle of an expression: its lines alone may not parse.
    try:
        module = ast.parse("(\n" + text + "\n)")
        ast.increment_lineno(module, -1)
    except SyntaxError as exc:
        raise SourceError(f"cannot parse the source ({exc.msg}).",
                          where=f"{filename}:{first}") from None
    ast.increment_lineno(module, first - 1)
    return module


def _function_def(module, fn, filename, first) -> ast.FunctionDef:
    """The `def` of `fn`'s code (`module`, its block parsed): by the code's name, not
    `fn.__name__`, which a `functools.wraps` wrapper takes from the function it wraps."""
    name = fn.__code__.co_name
    for node in module.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return node
        if isinstance(node, ast.AsyncFunctionDef):
            raise SourceError("async functions cannot be differentiated.",
                              where=f"{filename}:{node.lineno}")
    raise SourceError(f"cannot find `def {name}` in its source.",
                      where=f"{filename}:{first}")


def _lambda_def(lines, code, filename, first) -> ast.FunctionDef:
    """The lambda `code` was compiled from. The whole file is parsed, so a lambda on
    a continuation line of a call is found; among several on its line, the one whose
    body spans the positions of its code (Python 3.11+) is taken."""
    params = list(code.co_varnames[:code.co_argcount])

    def lambdas(module):
        return [n for n in ast.walk(module) if isinstance(n, ast.Lambda)
                and n.lineno == code.co_firstlineno and [a.arg for a in n.args.args] == params]
    try:
        found = lambdas(ast.parse("".join(lines)))
    except SyntaxError:
        found = []
    if not found:                # a file that no longer parses whole: its block alone
        block = textwrap.dedent("".join(inspect.getblock(lines[first - 1:])))
        found = lambdas(_parse(block, filename, first))
    if len(found) > 1:
        found = _by_position(found, code)
    if len(found) > 1:
        found = [n for n in found if _compiles_to(n, code, filename)] or found
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


def _compiles_to(lam: ast.Lambda, code, filename: str) -> bool:
    """Does the lambda `lam`, compiled alone, make `code` (its bytecode, constants and
    names)? What tells apart lambdas on one line where code has no positions (3.10)."""
    try:
        module = compile(ast.Expression(lam), filename, "eval")
    except (SyntaxError, ValueError, TypeError):
        return False
    made = next((c for c in module.co_consts if isinstance(c, type(code))), None)
    return made is not None and sources.same_code(made, code)


def _by_position(lambdas: list[ast.Lambda], code) -> list[ast.Lambda]:
    """The innermost of `lambdas` whose body covers every position of `code`."""
    if not hasattr(code, "co_positions"):
        return lambdas
    spans = [(line, col, end_line, end_col) for line, end_line, col, end_col
             in code.co_positions() if None not in (line, end_line, col, end_col)
             and (line, col) != (end_line, end_col)]
    if not spans:
        return lambdas
    low = min((s[0], s[1]) for s in spans)
    high = max((s[2], s[3]) for s in spans)
    inside = [n for n in lambdas
              if (n.body.lineno, n.body.col_offset) <= low
              and high <= (n.body.end_lineno, n.body.end_col_offset)]
    inside.sort(key=lambda n: (n.body.end_lineno - n.body.lineno,
                               n.body.end_col_offset - n.body.col_offset))
    return inside[:1]
