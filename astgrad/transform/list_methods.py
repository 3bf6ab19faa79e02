"""The statements that take items out of a list or put one in at a position, written as
the one form the compiler differentiates for them all, a store into a slice of the
list (part of the syntax pass, run before the syntax check, which refuses `del`):

* `xs.insert(i, v)` becomes `xs[i:i] = [v]` (Python's own definition of `insert`);
* `del xs[a:b]` becomes `xs[a:b] = []`; `del xs[i]` `xs[i:i + 1] = []` (`xs[-1:]` for
  `i` the constant -1, `xs[i:i + 1 or None]` for an `i` not known: -1 ends the list);
* `v = xs.pop(i)` (also the statement `xs.pop(i)`, and `return xs.pop(i)`, popped into
  a name first) becomes `v = xs[i]`, then `del xs[i]` written as above; `xs.pop(-1)` is
  `xs.pop()`;
* `xs.clear()` becomes `xs[:] = []`.

The list stays the same object, so another name holding it sees the change, as it
would. A position that is an expression is computed once, into a name of its own.
Each rewrite applies to a name of the function's own (a parameter or a local) only;
every other form is left as it was, to be refused by name later: `del` of a name or
of a step slice, `del d["key"]` (a dict), `xs.remove(v)` (which compares values)."""
from __future__ import annotations

import ast
import copy
from typing import Callable

from .scope import local_names
from .trees import rewrite_blocks, walk

_METHODS = ("insert", "pop", "clear")


def rewrite(tree: ast.FunctionDef, fresh: Callable[[str], str]) -> None:
    """Rewrite `tree`'s (and its nested defs') list insertions and removals in place."""
    nodes = walk(tree)
    if not any(isinstance(n, ast.Delete) or isinstance(n, ast.Attribute)
               and n.attr in _METHODS for n in nodes):
        return
    local = local_names(tree)
    rewrite_blocks(tree.body, _Rewrite(local, fresh).statement)


class _Rewrite:
    def __init__(self, local: set, fresh):
        self.local, self.fresh = local, fresh

    def statement(self, stmt: ast.stmt) -> list[ast.stmt] | None:
        if isinstance(stmt, ast.Delete):
            return self._delete(stmt)
        call = stmt.value if isinstance(stmt, (ast.Expr, ast.Assign, ast.Return)) else None
        if isinstance(stmt, ast.Return) and self._method(call) == "pop" and call.args \
                and not _is_int(call.args[0], -1):    # `return xs.pop(i)`: popped first
            name = self.fresh("popped")
            made = self.statement(ast.Assign([ast.Name(name, ast.Store())], call))
            return None if made is None else made + [ast.Return(ast.Name(name, ast.Load()))]
        if isinstance(stmt, ast.Assign) and not (len(stmt.targets) == 1
                                                 and isinstance(stmt.targets[0], ast.Name)):
            return None
        name = self._method(call)
        if name == "insert" and isinstance(stmt, ast.Expr) and len(call.args) == 2:
            before, at = self._once(call.args[0])
            return before + [_store(call.func.value.id, ast.Slice(at, copy.deepcopy(at)),
                                    ast.List([call.args[1]], ast.Load()))]
        if name == "pop" and len(call.args) == 1 and not _is_int(call.args[0], -1) \
                and _removable(call.args[0]) and not isinstance(call.args[0], ast.Slice):
            before, at = self._once(call.args[0])
            xs = call.func.value.id
            read = [ast.Assign(stmt.targets, ast.Subscript(ast.Name(xs, ast.Load()),
                                                           copy.deepcopy(at), ast.Load()))] \
                if isinstance(stmt, ast.Assign) else []
            return before + read + [_store(xs, _item_slice(at), ast.List([], ast.Load()))]
        if name == "pop" and len(call.args) == 1 and _is_int(call.args[0], -1):
            call.args = []                       # `xs.pop(-1)`: `xs.pop()`
            return [stmt]
        if name == "clear" and isinstance(stmt, ast.Expr) and not call.args:
            return [_store(call.func.value.id, ast.Slice(), ast.List([], ast.Load()))]
        return None

    def _method(self, call) -> str | None:
        """The method `call` calls on a local name with positional arguments only."""
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) \
                and call.func.attr in _METHODS and isinstance(call.func.value, ast.Name) \
                and call.func.value.id in self.local and not call.keywords \
                and not any(isinstance(a, ast.Starred) for a in call.args):
            return call.func.attr
        return None

    def _delete(self, stmt: ast.Delete) -> list[ast.stmt] | None:
        if not all(isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name)
                   and t.value.id in self.local and _removable(t.slice) for t in stmt.targets):
            return None
        out: list[ast.stmt] = []
        for target in stmt.targets:
            index = target.slice
            if not isinstance(index, ast.Slice):
                before, at = self._once(index)
                out += before
                index = _item_slice(at)
            out.append(_store(target.value.id, index, ast.List([], ast.Load())))
        return out

    def _once(self, index: ast.expr) -> tuple[list[ast.stmt], ast.expr]:
        """`index` as a constant or a name (read twice), with the assignment it needs."""
        if isinstance(index, (ast.Constant, ast.Name)):
            return [], index
        name = self.fresh("at")
        return [ast.Assign([ast.Name(name, ast.Store())], index)], ast.Name(name, ast.Load())


def _removable(index: ast.expr) -> bool:
    """An index `del` may remove by a slice store: a slice without a step, or a position
    (not a string constant, a dict's key, nor a tuple, an array's)."""
    if isinstance(index, ast.Slice):
        return index.step is None
    return not isinstance(index, ast.Tuple) \
        and not (isinstance(index, ast.Constant) and not isinstance(index.value, int))


def _item_slice(at: ast.expr) -> ast.Slice:
    """The slice of the one item at `at`: `at:at + 1`, which -1 ends with the list."""
    if isinstance(at, ast.Constant):
        return ast.Slice(at, None if at.value == -1 else ast.Constant(at.value + 1))
    after = ast.BinOp(copy.deepcopy(at), ast.Add(), ast.Constant(1))
    return ast.Slice(at, ast.BoolOp(ast.Or(), [after, ast.Constant(None)]))


def _is_int(node: ast.expr, value: int) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is int and node.value == value


def _store(xs: str, index: ast.Slice, value: ast.expr) -> ast.Assign:
    return ast.Assign([ast.Subscript(ast.Name(xs, ast.Load()), index, ast.Store())], value)
