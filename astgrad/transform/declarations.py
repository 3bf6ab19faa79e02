"""`global` and `nonlocal` declarations, before `syntax.check_syntax` (run on the
user's function and on every callee): a declared name the function only reads
is a module constant or a closure value like any other, so the declaration
goes; a write to one (which would change a module or closure variable) is
refused at the write. Type annotations declare nothing that runs either:
`total: float = 0.0` is `total = 0.0`, and `n: int` alone goes; so do the
annotations of parameters and returns and the type parameters of `def f[T]`
(Python 3.12+), which may name what only a type checker sees (`NDArray` imported
under `if TYPE_CHECKING:` with `from __future__ import annotations`).

    C = 2.0                           C = 2.0
    def f(x):                         def f(x):
        global C              ->          total = 0.0
        total: float = 0.0                return C * x + total
        return C * x + total
"""
from __future__ import annotations

import ast

from ..errors import UnsupportedSyntaxError
from .trees import statements

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
_DECLARATIONS = frozenset({ast.Global, ast.Nonlocal})


def drop(tree: ast.FunctionDef, where) -> ast.FunctionDef:
    """Remove every `global`/`nonlocal` statement of `tree` and its nested defs, in
    place, after checking that no name they declare is written in their scope; and
    write every annotated assignment as a plain one."""
    if any(isinstance(s, ast.AnnAssign) for s in statements(tree)):
        _unannotated(tree)
    for fn in statements(tree):
        if isinstance(fn, ast.FunctionDef):
            _drop_signature_types(fn)
    if not any(s.__class__ in _DECLARATIONS for s in statements(tree)):
        return tree                   # (most often: no walk of every scope's nodes)
    for scope in [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]:
        declared = {name: stmt for stmt in _own(scope) if isinstance(stmt, (ast.Global,
                                                                            ast.Nonlocal))
                    for name in stmt.names}
        if not declared:
            continue
        for node, name in _writes(scope):
            if name in declared:
                stmt = declared[name]
                kind = "global" if isinstance(stmt, ast.Global) else "nonlocal"
                raise UnsupportedSyntaxError(
                    f"assigning `{name}`, declared `{kind}` (line {stmt.lineno}), changes a "
                    f"{'module' if kind == 'global' else 'closure'} variable, which is not "
                    f"supported.", where(node),
                    fix=f"Return the new value of `{name}` and assign it outside the "
                        f"function you differentiate.")
        enclosing = {name for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)
                     and f is not scope and any(n is scope for n in ast.walk(f))
                     for _, name in _writes(f)}
        for name, stmt in declared.items():
            if isinstance(stmt, ast.Global) and name in enclosing:   # the read would then
                raise UnsupportedSyntaxError(                        # see the outer name
                    f"`global {name}` in a nested function whose enclosing function "
                    f"assigns `{name}` is not supported.", where(stmt),
                    fix=f"Rename the enclosing function's `{name}`.")
        _remove(scope)
    return tree


def _own(scope):
    """The nodes of `scope` outside the defs and lambdas nested in it."""
    todo = list(ast.iter_child_nodes(scope))
    while todo:
        node = todo.pop()
        yield node
        if not isinstance(node, _SCOPES):
            todo.extend(ast.iter_child_nodes(node))


def _writes(scope):
    """`(node, name)` for each name `scope` binds: assignment targets, loop and `with`
    targets, `:=`, `del`, imports, nested defs."""
    for node in _own(scope):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            yield node, node.id
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield node, node.name
        elif isinstance(node, ast.alias):
            yield node, (node.asname or node.name).split(".")[0]


def _remove(scope) -> None:
    """Drop the declarations from every block of `scope` (a block left empty: `pass`)."""
    for node in [scope, *_own(scope)]:
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if isinstance(block, list) and any(isinstance(s, (ast.Global, ast.Nonlocal))
                                               for s in block):
                kept = [s for s in block if not isinstance(s, (ast.Global, ast.Nonlocal))]
                setattr(node, field, kept or [ast.copy_location(ast.Pass(), block[0])])


def _drop_signature_types(fn: ast.FunctionDef) -> None:
    """`def f[T](x: T, *a: int) -> T:` as `def f(x, *a):`."""
    fn.returns = None
    if getattr(fn, "type_params", None):
        fn.type_params = []
    args = fn.args
    for arg in (*args.posonlyargs, *args.args, args.vararg, *args.kwonlyargs, args.kwarg):
        if arg is not None:
            arg.annotation = None


def _unannotated(tree) -> None:
    """`x: T = v` as `x = v`; `x: T` (which binds nothing) dropped."""
    for node in ast.walk(tree):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if isinstance(block, list) and any(isinstance(s, ast.AnnAssign) for s in block):
                kept = [ast.copy_location(ast.Assign([s.target], s.value), s)
                        if isinstance(s, ast.AnnAssign) else s for s in block
                        if not (isinstance(s, ast.AnnAssign) and s.value is None)]
                setattr(node, field, kept or [ast.copy_location(ast.Pass(), block[0])])
