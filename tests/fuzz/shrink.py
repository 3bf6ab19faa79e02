"""Delta debugging for a failing program: greedily delete statements, replace
loops and branches by their bodies, expressions by their parts, and loop counts
by smaller ones, keeping each change that still fails the same way."""
from __future__ import annotations

import ast
import copy
import dataclasses
import time

from .generator import Program, runs


def shrink(program: Program, fails, budget: float = 300.0) -> Program:
    """The smallest program found within `budget` seconds for which `fails(program)`
    still holds; `fails` should compare outcome signatures."""
    deadline = time.monotonic() + budget
    best, changed = program, True
    while changed and time.monotonic() < deadline:
        changed = False
        tree = ast.parse(best.source)
        for path, edit in _edits(tree):
            if time.monotonic() > deadline:
                break
            candidate = _apply(tree, path, edit)
            if candidate is None or candidate == best.source:
                continue
            trial = dataclasses.replace(best, source=candidate)
            if runs(trial) and fails(trial):
                best, changed = trial, True
                break
    return best


def _edits(tree):
    """(path, edit) pairs, statements first, outermost first; a path is a list of
    (field, index) steps from the module."""
    statements, expressions = [], []
    for path, node in _walk(tree, []):
        if isinstance(node, ast.stmt):
            if not (isinstance(node, ast.Return) and isinstance(_get(tree, path[:-1]),
                                                                ast.FunctionDef)):
                statements.append((path, "delete"))  # a function keeps its return
            if isinstance(node, (ast.If, ast.For, ast.While)):
                statements.append((path, "inline body"))
                if isinstance(node, ast.If) and node.orelse:
                    statements.append((path, "inline else"))
        elif isinstance(node, ast.expr) and not isinstance(node, ast.Name) and path[-1][0] not in (
                "targets", "target", "func", "ctx"):
            for field, index, child in _children(node):
                if isinstance(child, ast.expr) and not isinstance(node, ast.Attribute):
                    expressions.append((path, ("hoist", field, index)))
            if isinstance(node, ast.Constant) and isinstance(node.value, int) and node.value > 1:
                expressions.append((path, "smaller"))
    return statements + expressions


def _walk(node, path):
    for field, index, child in _children(node):
        here = path + [(field, index)]
        yield here, child
        yield from _walk(child, here)


def _children(node):
    for field, value in ast.iter_fields(node):
        if isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, ast.AST):
                    yield field, i, item
        elif isinstance(value, ast.AST):
            yield field, None, value


def _get(node, path):
    for field, index in path:
        node = getattr(node, field) if index is None else getattr(node, field)[index]
    return node


def _apply(tree, path, edit) -> str | None:
    tree = copy.deepcopy(tree)
    parent, (field, index) = _get(tree, path[:-1]), path[-1]
    node = _get(tree, path)
    if edit == "delete" or edit in ("inline body", "inline else"):
        body = getattr(parent, field)
        if edit == "delete":
            if isinstance(node, ast.FunctionDef) and node.name == "f":
                return None
            replacement = []
        elif edit == "inline else":
            replacement = node.orelse
        else:
            replacement = _unrolled(node)
        body[index:index + 1] = replacement
        if not body and field in ("body", "orelse") and not isinstance(parent, ast.Module):
            body.append(ast.Pass())
    elif edit == "smaller":
        node.value -= 1
    else:
        _, child_field, child_index = edit
        child = getattr(node, child_field)
        child = child if child_index is None else child[child_index]
        _set(parent, field, index, child)
    try:
        text = ast.unparse(ast.fix_missing_locations(tree))
        compile(text, "<shrink>", "exec")
    except (SyntaxError, ValueError, TypeError):
        return None
    return "import numpy as np\n\n" + text.replace("import numpy as np\n", "", 1).lstrip() + "\n"


def _unrolled(node) -> list:
    """A loop's body run once, its target bound to the first item; an `if`'s body."""
    if isinstance(node, ast.If):
        return node.body
    if isinstance(node, ast.For):
        target = copy.deepcopy(node.target)
        body = [s for s in node.body if not isinstance(s, (ast.Break, ast.Continue))]
        return [ast.Assign([target], _first(node.iter))] + body
    return [s for s in node.body if not isinstance(s, (ast.Break, ast.Continue))]


def _first(iterable) -> ast.expr:
    """The first item of a loop's iterable, as plainly as it can be written."""
    if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Name):
        name, args = iterable.func.id, iterable.args
        if name == "range":
            return args[0] if len(args) > 1 else ast.Constant(0)
        if name == "reversed" and isinstance(args[0], ast.Call) and len(args[0].args) == 1:
            return ast.BinOp(args[0].args[0], ast.Sub(), ast.Constant(1))
        if name == "enumerate":
            return ast.Tuple([ast.Constant(0), _first(args[0])], ast.Load())
        if name == "zip":
            return ast.Tuple([_first(a) for a in args], ast.Load())
    return ast.Subscript(iterable, ast.Constant(0), ast.Load())


def _set(parent, field, index, child):
    if index is None:
        setattr(parent, field, child)
    else:
        getattr(parent, field)[index] = child
