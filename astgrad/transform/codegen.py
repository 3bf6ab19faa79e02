"""Pass 7, codegen: AST to source text, compiled into a live function.

The text is registered in `linecache` under a synthetic file name, so
tracebacks, `inspect.getsource` and `pdb` show the generated lines.
"""
from __future__ import annotations

import ast
import itertools
import linecache
import re
import threading
import types

from ..runtime import located
from .nodes import Comment
from .resolve import MISSING as _MISSING, Namespace, UserScope
from .trees import walk

_INDENT = "    "
_counter = itertools.count(1)
_counter_lock = threading.Lock()
# The user's place of each generated text: the function's `where` (read from the note
# `to_source` writes) and the user's line of each generated line, handed from
# `to_source` to `compile_function`, which registers it under the file name.
_origins: dict[str, tuple[str, dict[int, int]]] = {}
_PLACE = re.compile(r"`[^`]*` \((.+?)\) with respect to")


def to_source(fn: ast.FunctionDef, ns: Namespace, note: str = "") -> str:
    """The module text: imports, then the function with its comments."""
    lines = ["import numpy as np", "from astgrad import runtime as rt"]
    used = {n.id for n in walk(fn) if isinstance(n, ast.Name)}
    for name, obj in ns.bound.items():
        if name not in ("np", "rt") and name in used:
            if isinstance(obj, types.ModuleType):          # `math`, `operator`, `special`
                lines.append(_import(obj.__name__, name))
                continue
            made = getattr(obj, "_astgrad", None)
            if made is not None:
                lines.append(f"# {name}: ag.{made.mode}({made.fn.__name__}, "
                             f"wrt={made.wrt!r}), whose code `ag.source({name})` shows")
                continue
            where = getattr(obj, "__module__", None)
            qual = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", name)
            lines.append(f"# {name}: {where}.{qual}" if where else f"# {name}: {obj!r}")
    for name in sorted(set(ns.live) & used):
        lines.append(f"# {name}: read from the caller's module or closure when called")
    lines += ["", ""]
    if note:
        lines.append(f"# {note}")
    origins: dict[int, int] = {}
    _write(fn, 0, lines, origins)
    text = "\n".join(lines) + "\n"
    place = _PLACE.search(note)
    if place:
        _origins[text] = (place[1], origins)
    return text


def _import(module: str, name: str) -> str:
    """The import line that binds `module` to `name`."""
    if module == name:
        return f"import {module}"
    package, _, last = module.rpartition(".")
    return f"from {package} import {last}" if last == name and package else \
        f"import {module} as {name}"


def _write(stmt: ast.stmt, depth: int, out: list[str], origins: dict[int, int]) -> None:
    """Append `stmt`'s lines to `out`; `origins[n]` is the user's line of line `n`."""
    pad = _INDENT * depth
    line = None if isinstance(stmt, Comment) else getattr(stmt, "lineno", None)
    if line:
        origins[len(out) + 1] = line       # a simple statement's lines, a block's header
    if isinstance(stmt, Comment):
        out.append(f"{pad}# {stmt.text}")
    elif isinstance(stmt, ast.FunctionDef):
        out.append(f"{pad}def {stmt.name}({ast.unparse(stmt.args)}):")
        _block(stmt.body, depth + 1, out, origins)
    elif isinstance(stmt, ast.If):
        out.append(f"{pad}if {ast.unparse(stmt.test)}:")
        _block(stmt.body, depth + 1, out, origins)
        if stmt.orelse:
            out.append(f"{pad}else:")
            _block(stmt.orelse, depth + 1, out, origins)
    elif isinstance(stmt, ast.For):
        out.append(f"{pad}for {ast.unparse(stmt.target)} in {ast.unparse(stmt.iter)}:")
        _block(stmt.body, depth + 1, out, origins)
    elif isinstance(stmt, ast.While):
        out.append(f"{pad}while {ast.unparse(stmt.test)}:")
        _block(stmt.body, depth + 1, out, origins)
    else:
        for text in ast.unparse(stmt).splitlines():
            out.append(pad + text)
            if line:
                origins[len(out)] = line


def _block(stmts, depth, out, origins):
    if not any(not isinstance(s, Comment) for s in stmts):
        out.append(_INDENT * depth + "pass")
    for stmt in stmts:
        _write(stmt, depth, out, origins)


class _LiveGlobals(dict):
    """Generated code's globals: its own bindings first, then what the user's
    function would see at this moment (closure cells, module globals, builtins),
    so a value the user rebinds between calls is read afresh."""

    def __init__(self, bound, sources: dict):
        super().__init__(bound)
        self.sources = sources

    def __missing__(self, name):
        if name not in self.sources:
            raise KeyError(name)
        scope, original = self.sources[name]
        value = scope.get(original)
        if value is _MISSING:
            raise KeyError(name)
        return value


def compile_function(text: str, name: str, ns: Namespace, scope: UserScope, label: str):
    """Compile `text` and return its function `name`, its globals bound from `ns`."""
    with _counter_lock:
        filename = f"<astgrad-{next(_counter)}: {label}>"
    lines = text.splitlines(keepends=True)
    linecache.cache[filename] = (len(text), None, lines, filename)
    origin = _origins.pop(text, None)
    if origin is not None:
        located.register(filename, *origin)
    code = compile(text, filename, "exec")
    bound = dict(ns.bound)
    bound["__name__"] = "astgrad.generated"
    namespace = _LiveGlobals(bound, ns.sources) if ns.live else bound
    exec(code, namespace)
    return namespace[name], filename
