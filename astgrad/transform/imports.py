"""`import numpy as np` (and `from math import sin`, ...) inside the function: part
of the resolve pass. The statement goes, and the name it binds means the module or
object it imports, as a name of the function's closure would."""
from __future__ import annotations

import ast
import importlib
import types

from ..errors import UnsupportedSyntaxError
from .trees import outline


def lift(tree: ast.FunctionDef, scope, where) -> None:
    """Remove the `import` statements of `tree`, binding their names in `scope`."""
    for node in outline(tree):           # (the tree as it was: blocks change below)
        for field in ("body", "orelse"):
            block = getattr(node, field, None)
            if isinstance(block, list) and any(isinstance(s, (ast.Import, ast.ImportFrom))
                                               for s in block):
                kept = [s for s in block if not _bound(s, scope, where)]
                setattr(node, field, kept or [ast.copy_location(ast.Pass(), block[0])])


def _bound(stmt, scope, where) -> bool:
    """Bind what `stmt` imports in `scope`; False if it is not an import."""
    if isinstance(stmt, ast.Import):
        for alias in stmt.names:
            module = _module(alias.name, stmt, where)
            if alias.asname is None:           # `import numpy.linalg` binds `numpy`
                module = _module(alias.name.partition(".")[0], stmt, where)
            scope.cells[alias.asname or alias.name.partition(".")[0]] = types.CellType(module)
        return True
    if isinstance(stmt, ast.ImportFrom):
        if stmt.level or any(a.name == "*" for a in stmt.names):
            raise UnsupportedSyntaxError(
                "a relative or `*` import inside the function is not supported.", where(stmt),
                fix="Import by absolute name (`from numpy import linalg`), or at the top of "
                    "the module.")
        module = _module(stmt.module, stmt, where)
        for alias in stmt.names:
            try:
                value = getattr(module, alias.name)
            except AttributeError:
                value = _module(f"{stmt.module}.{alias.name}", stmt, where)
            scope.cells[alias.asname or alias.name] = types.CellType(value)
        return True
    return False


def _module(name: str, stmt, where):
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise UnsupportedSyntaxError(f"`{ast.unparse(stmt)}` fails: {exc}.", where(stmt),
                                     fix="Install the module, or correct its name.") from None
