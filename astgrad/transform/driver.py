"""The table of contents of the compiler: the passes, in order.

`generate` turns a function and a request into a compiled derivative
function and its source. Set `ASTGRAD_DEBUG=1` to print the code after
every pass.
"""
from __future__ import annotations

import ast
import copy
import os
import sys
from dataclasses import dataclass
from typing import Callable

from . import rules  # noqa: F401  (registers the library's rules)
from . import (activity, codegen, forward, normalize, optimize, resolve, restructure, reverse,
               source, syntax)
from . import saving, shell  # reverse mode: the steps after the sweeps
from .kinds import Kind, infer
from .naming import Namer, names_in


@dataclass(frozen=True)
class Generated:
    """A compiled derivative: the function, its text, and the file name it runs under."""

    fn: Callable
    source: str
    filename: str


def _dump(title: str, tree) -> None:
    if os.environ.get("ASTGRAD_DEBUG"):
        print(f"--- after {title} ---\n{ast.unparse(tree)}\n", file=sys.stderr)


def parse(fn) -> source.Source:
    """Pass 1 alone: the function's tree, cached on nothing (cheap to redo)."""
    return source.read(fn)


def generate(fn, param_kinds: dict[str, Kind], request: reverse.Request,
             parsed: source.Source | None = None, transform_of: Callable | None = None) -> Generated:
    """Compile `request` for `fn` specialized to `param_kinds`.

    `transform_of(fn, mode, wrt)` is the public transform (`"vjp"` or `"jvp"`) of a
    user function that this one calls rather than inlines; the caller (`api`)
    passes it, so the compiler never imports the API above it."""
    src = parsed or source.read(fn)
    tree = copy.deepcopy(src.tree)
    scope = resolve.UserScope(fn)
    namer = Namer(names_in(tree) | set(scope.cells))
    syntax.check_syntax(tree, src.where)
    tree, ns = resolve.resolve(tree, scope, src.where)
    _dump("resolve", tree)

    def expand(fn):
        """A user function called from this one: parsed and resolved, to be inlined."""
        callee = source.read(fn)
        tree = copy.deepcopy(callee.tree)
        syntax.check_syntax(tree, callee.where)
        namer.taken |= names_in(tree)
        resolve.resolve(tree, resolve.UserScope(fn), callee.where, ns)
        return tree, callee.where

    tree = restructure.restructure(tree, namer.fresh, src.where)
    _dump("restructure", tree)
    tree = normalize.normalize(tree, namer, src.where, ns, expand,
                               inline_all=request.inline_all)  # desugars, inlines, checks aliases
    _dump("normalize", tree)
    kinds = infer(tree.body, param_kinds, ns)
    act = activity.analyze(tree, list(request.wrt), ns, src.where)
    if request.mode == "jvp":
        tree, shapes = forward.forward(tree, src, act, kinds, ns, namer, request, _mode(transform_of, "jvp"))
        _dump("forward", tree)
    else:
        sweeps = reverse.reverse(tree, src, act, kinds, ns, namer, request, _mode(transform_of, "vjp"))
        _dump("reverse", sweeps.as_module())
        sweeps = saving.save(sweeps, ns, namer, request)
        _dump("saving", sweeps.as_module())
        tree, shapes = shell.assemble(sweeps, request), sweeps.shapes
        _dump("shell", tree)
    tree = optimize.optimize(tree, ns, namer.temps, kinds, shapes)
    _dump("optimize", tree)
    note = _note(request, param_kinds, src)
    text = codegen.to_source(tree, ns, note)
    compiled, filename = codegen.compile_function(
        text, tree.name, ns, scope, f"{request.mode} of {src.tree.name}")
    return Generated(compiled, text, filename)


def _mode(transform_of, mode):
    """`transform_of` for one mode, as the differentiating passes call it: `(fn, wrt)`."""
    return None if transform_of is None else (lambda fn, wrt: transform_of(fn, mode, wrt))


def _note(request, param_kinds, src) -> str:
    kinds = ", ".join(f"{p}: {k.describe()}" for p, k in param_kinds.items())
    return (f"{request.mode} of `{src.tree.name}` ({src.where(src.tree)}) with respect to "
            f"{', '.join(request.wrt)}; for arguments {kinds}")
