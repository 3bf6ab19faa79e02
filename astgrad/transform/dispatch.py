"""Exhaustive dispatch for the differentiating passes (reverse and forward).

A differentiating pass looks up each statement, and each value a statement
assigns, by its class: in the pass's own table of handled classes, or in
`NOT_HERE`, the classes no normalized function contains, each with the
reason. Anything else is a class this compiler has never heard of. Both of
the last two raise `InternalError` naming the construct: silence is how wrong
derivatives happen. A test walks every node class of the running Python
through both passes' tables.
"""
from __future__ import annotations

import ast

from ..errors import InternalError
from .nodes import Comment
from .syntax import REFUSED_EXPRS, REFUSED_STMTS

_NORMALIZED_AWAY = {
    ast.Return: "restructure leaves one `return`, the function's last statement",
    ast.AugAssign: "normalize expands augmented assignment",
    ast.FunctionDef: "normalize inlines nested functions",
    ast.BoolOp: "normalize lowers `and`/`or` to `if` statements",
    ast.IfExp: "normalize lowers `a if c else b` to an `if` statement",
    ast.Slice: "a slice is only ever an index",
    ast.FormattedValue: "a formatted value is only ever part of an f-string",
    Comment: "comments are written by the passes after this one",
    ast.Import: "resolve binds what an import inside the function names, and drops it",
    ast.ImportFrom: "resolve binds what an import inside the function names, and drops it",
    ast.With: "hoist writes an `np.errstate`/`warnings` block as its body",
    ast.Lambda: "hoist writes a lambda as a nested `def`",
    ast.ListComp: "hoist writes a comprehension as a loop",
    ast.DictComp: "hoist writes a comprehension as a loop",
    ast.GeneratorExp: "hoist writes a generator expression as a loop",
    ast.Dict: "resolve writes a dict literal as `rt.dict_of(keys, [values])`",
    ast.NamedExpr: "desugar writes `(n := v)` as `n = v` before the expression",
    ast.Try: "tries writes a `try` block as a flag and branches (catch writes it back last)",
}

# The classes no differentiating pass ever sees, each with the reason.
NOT_HERE: dict[type, str] = {
    **{cls: f"the syntax check refuses {what}" for cls, what in REFUSED_STMTS.items()},
    **{cls: f"the syntax check refuses {what}" for cls, what in REFUSED_EXPRS.items()},
    **_NORMALIZED_AWAY,
}


def rule_for(table: dict, node: ast.AST, pass_name: str):
    """`table`'s entry for `node`'s class (or a base class), or an `InternalError`."""
    for cls in type(node).__mro__:
        if cls in table:
            return table[cls]
    why = NOT_HERE.get(type(node), "no rule of this pass knows this class")
    raise InternalError(
        f"the {pass_name} pass met `{type(node).__name__}`{_quoted(node)}, which it never "
        f"expects: {why}.", fix="Please report this: it is a bug in astgrad, not in your code.")


def _quoted(node: ast.AST) -> str:
    """` (`first line of its source`)`, when the node can be written back as source."""
    try:
        text = ast.unparse(node).splitlines()
    except Exception:                   # a node built without its fields: the class says enough
        return ""
    return f" (`{text[0]}`)" if text else ""
