"""Pass 3a, restructure: make every jump the last statement of its block.

Output guarantees, for the function body:
* `break`, `continue` and `return` are only ever the last statement of a
  block; the statements that followed a branch that may jump are moved into
  the branches that fall through, so each path through the code is written
  out and the reverse sweep can replay exactly the statements that ran;
* a `continue` at the very end of a loop body is dropped (it does nothing);
* every `return e` becomes `<result> = e`, and the function ends with one
  `return <result>`; when every return gives a tuple of n values, there are n
  results and the function ends with `return (<result_0>, ...)`.

The driver runs it on the user's function; `inline` runs it on each callee
it writes out (with `<callee>_out` as the result's name).
"""
from __future__ import annotations

import ast
import copy
from typing import Callable

from ..errors import UnsupportedSyntaxError
from .trees import statements

_JUMPS = (ast.Return, ast.Break, ast.Continue, ast.Raise)
_LOOPS = (ast.For, ast.While)

# How control leaves each statement class `syntax.check_syntax` lets through;
# every other class was refused there (`syntax.REFUSED_STMTS`).
_CONTROL = {
    ast.Return: "jumps", ast.Break: "jumps", ast.Continue: "jumps", ast.Raise: "jumps",
    ast.If: "branches", ast.For: "loops", ast.While: "loops",
    ast.Assign: "falls through", ast.AugAssign: "falls through", ast.Expr: "falls through",
    ast.Pass: "falls through", ast.Assert: "falls through",
    ast.FunctionDef: "falls through",          # a nested def: restructured when inlined
}


def restructure(tree: ast.FunctionDef, fresh: Callable[[str], str], where,
                base: str = "out") -> ast.FunctionDef:
    """Rewrite `tree` in place into the form the module docstring states; the
    result names are `fresh(base)` (or `fresh(f"{base}_{i}")` for each of n)."""
    tree.body = _returns_out_of_loops(tree.body, fresh)
    _check_loops(tree.body, where)
    body = _block(tree.body)
    if not _ends_in_return(body):
        ret = ast.Return(ast.Constant(None))
        ast.copy_location(ret, body[-1] if body else tree)
        body = _append(body, [ret])
    returns = [n for s in body for n in statements(s) if isinstance(n, ast.Return)]
    sizes = {len(r.value.elts) if isinstance(r.value, ast.Tuple) else -1 for r in returns}
    if len(returns) > 1 and len(sizes) == 1 and sizes != {-1}:
        results = tuple(fresh(f"{base}_{i}") for i in range(sizes.pop()))
    else:
        results = fresh(base)
    tree.body = _single_exit(body, results) + [_exit(results, tree)]
    return tree


# -- `return` inside loops: a flag, a value, `break`, and the `return` after the loop ----------
def _returns_out_of_loops(stmts: list[ast.stmt], fresh) -> list[ast.stmt]:
    """`stmts` with every loop that holds a `return` written as: `flag = False` before
    it, `value = e; flag = True; break` for `return e` (and `if flag: break` after each
    inner loop that may return), then `if flag: return value` after it."""
    out = []
    for stmt in stmts:
        if isinstance(stmt, _LOOPS) and _returns_inside(stmt):
            flag, value = fresh("returned"), fresh("result")
            out.append(_located(_assign(flag, ast.Constant(False)), stmt))
            out.append(_loop_returning(stmt, flag, value))
            done = ast.If(ast.Name(flag, ast.Load()), [ast.Return(ast.Name(value, ast.Load()))],
                          [])
            out.append(_located(done, stmt))
            continue
        if isinstance(stmt, ast.If):
            stmt.body = _returns_out_of_loops(stmt.body, fresh)
            stmt.orelse = _returns_out_of_loops(stmt.orelse, fresh)
        out.append(stmt)
    return out


def _returns_inside(stmt: ast.stmt) -> bool:
    return any(isinstance(n, ast.Return) for n in _walk_code(stmt))


def _walk_code(node):
    """`ast.walk` that does not enter nested defs."""
    yield node
    for child in ast.iter_child_nodes(node):
        if not isinstance(child, (ast.FunctionDef, ast.Lambda)):
            yield from _walk_code(child)


def _loop_returning(loop, flag: str, value: str) -> ast.stmt:
    loop.body = _breaking(loop.body, flag, value)
    return loop


def _breaking(stmts: list[ast.stmt], flag: str, value: str) -> list[ast.stmt]:
    out = []
    for stmt in stmts:
        if isinstance(stmt, ast.Return):
            result = stmt.value if stmt.value is not None else ast.Constant(None)
            out += [_located(s, stmt) for s in (_assign(value, result),
                                                _assign(flag, ast.Constant(True)), ast.Break())]
            return out                       # what follows a return never runs
        if isinstance(stmt, ast.If) and _returns_inside(stmt):
            stmt.body = _breaking(stmt.body, flag, value)
            stmt.orelse = _breaking(stmt.orelse, flag, value)
        elif isinstance(stmt, _LOOPS) and _returns_inside(stmt):
            out.append(_loop_returning(stmt, flag, value))
            stmt = _located(ast.If(ast.Name(flag, ast.Load()), [ast.Break()], []), stmt)
        out.append(stmt)
    return out


def _assign(name: str, value: ast.expr) -> ast.Assign:
    return ast.Assign([ast.Name(name, ast.Store())], value)


def _located(node: ast.stmt, at: ast.stmt) -> ast.stmt:
    for sub in ast.walk(node):
        if isinstance(sub, (ast.stmt, ast.expr)) and not hasattr(sub, "lineno"):
            ast.copy_location(sub, at)
    return node


def _check_loops(stmts, where, in_loop=False):
    for stmt in stmts:
        if isinstance(stmt, _LOOPS) and stmt.orelse:
            raise UnsupportedSyntaxError("`else` after a loop is not supported.", where(stmt),
                                         fix="Use a flag set before `break`.")
        for field in ("body", "orelse"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt) \
                    and not isinstance(stmt, ast.FunctionDef):
                _check_loops(inner, where, in_loop or isinstance(stmt, _LOOPS))


def _always_jumps(block) -> bool:
    if not block:
        return False
    last = block[-1]
    if isinstance(last, _JUMPS):
        return True
    if isinstance(last, ast.If):
        return _always_jumps(last.body) and _always_jumps(last.orelse)
    return False


def _may_jump(stmt) -> bool:
    """Can control leave `stmt` other than by falling through to the next statement?"""
    if isinstance(stmt, _JUMPS):
        return True
    if isinstance(stmt, ast.If):
        return any(_may_jump(s) for s in stmt.body + stmt.orelse)
    if isinstance(stmt, _LOOPS):
        return any(isinstance(n, ast.Return) for s in stmt.body for n in ast.walk(s))
    return False


def _block(stmts: list[ast.stmt]) -> list[ast.stmt]:
    out: list[ast.stmt] = []
    for i, stmt in enumerate(stmts):
        control = _CONTROL.get(type(stmt))
        if control is None:
            raise AssertionError(f"restructure: no rule for `{type(stmt).__name__}` "
                                 f"statements (check_syntax should have refused it)")
        if control == "loops":
            stmt.body = _block(stmt.body)
            if stmt.body and isinstance(stmt.body[-1], ast.Continue):
                stmt.body.pop()
            stmt.body = stmt.body or [ast.copy_location(ast.Pass(), stmt)]
        elif control == "jumps":
            out.append(stmt)
            return out                       # what follows a jump never runs
        elif control == "branches":
            stmt.body = _block(stmt.body)
            stmt.orelse = _block(stmt.orelse)
            rest = stmts[i + 1:]
            if rest and _may_jump(stmt):
                out.append(_append_to_if(stmt, _block(rest)))
                return out
        out.append(stmt)
    return out


def _append(block, rest) -> list[ast.stmt]:
    """`block` followed by `rest` on every path that falls through."""
    if _always_jumps(block):
        return block
    if block and isinstance(block[-1], ast.If) and _may_jump(block[-1]):
        return block[:-1] + [_append_to_if(block[-1], rest)]
    return block + [copy.deepcopy(s) for s in rest]


def _append_to_if(stmt: ast.If, rest) -> ast.If:
    stmt.body = _append(stmt.body, rest)
    stmt.orelse = _append(stmt.orelse, rest)
    return stmt


def _ends_in_return(block) -> bool:
    if not block:
        return False
    last = block[-1]
    if isinstance(last, (ast.Return, ast.Raise)):
        return True
    if isinstance(last, ast.If):
        return _ends_in_return(last.body) and _ends_in_return(last.orelse)
    return False


def _single_exit(block, result) -> list[ast.stmt]:
    out = []
    for stmt in block:
        if isinstance(stmt, ast.Return):
            value = stmt.value if stmt.value is not None else ast.Constant(None)
            if isinstance(result, tuple):
                for name, part in zip(result, value.elts):
                    out.append(ast.copy_location(
                        ast.Assign([ast.Name(name, ast.Store())], part), stmt))
            else:
                out.append(ast.copy_location(
                    ast.Assign([ast.Name(result, ast.Store())], value), stmt))
        elif isinstance(stmt, ast.If):
            stmt.body = _single_exit(stmt.body, result)
            stmt.orelse = _single_exit(stmt.orelse, result)
            out.append(stmt)
        else:
            out.append(stmt)
    return out


def _exit(result, tree) -> ast.Return:
    if isinstance(result, tuple):
        ret = ast.Return(ast.Tuple([ast.Name(r, ast.Load()) for r in result], ast.Load()))
    else:
        ret = ast.Return(ast.Name(result, ast.Load()))
    last = tree.body[-1] if tree.body else tree
    ret.lineno = getattr(last, "end_lineno", None) or last.lineno
    ret.col_offset = 0
    return ret
