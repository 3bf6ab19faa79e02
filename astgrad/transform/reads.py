"""Which of the user's names are read after each statement (what an in-place write
there may be seen by): `reads_after`, for `aliases`."""
from __future__ import annotations

import ast

from .liveness import liveness
from .trees import walk


# Calls that read only the shape of their arguments (as generated code spells them; each
# argument by position, None: all): `bx = np.zeros_like(x)` does not see what `x` holds.
_SHAPE_ONLY = {"np.shape": None, "np.zeros_like": None, "np.ones_like": None, "len": None,
               "rt.unbroadcast": (1,), "rt.sum_to": (), "rt.shaped_like": (1,),
               "rt.check_seed": (1,)}


def _reads(stmt: ast.stmt) -> set[str]:
    """The names `stmt` reads the elements of (not those it reads only the shape of)."""
    skip = set()
    for node in walk(stmt):
        if isinstance(node, ast.Attribute) and node.attr in ("shape", "ndim", "size", "dtype"):
            skip.add(id(node.value))
        elif isinstance(node, ast.Call) and _dotted(node.func) in _SHAPE_ONLY:
            positions = _SHAPE_ONLY[_dotted(node.func)]
            skip |= {id(a) for i, a in enumerate(node.args) if positions is None
                     or i in positions}
    return {n.id for n in walk(stmt) if isinstance(n, ast.Name)
            and isinstance(n.ctx, ast.Load) and id(n) not in skip}


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return f"{node.value.id}.{node.attr}"
    return None


def reads_after(tree: ast.FunctionDef) -> dict[int, set[str]]:
    """For each statement (by `id`), the user's names read after it before being
    assigned again: in a loop body, also those the next iteration (and the loop's
    header) reads before assigning them."""
    return liveness(tree.body, set(), uses=_reads)
