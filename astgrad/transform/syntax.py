"""The subset of Python the compiler takes: every AST node class is handled
or refused here, by name, with the fix to suggest (a test walks every node
class of the running Python and checks it is classified)."""
from __future__ import annotations

import ast

from ..errors import UnsupportedSyntaxError
from .trees import walk

HANDLED_STMTS = (ast.Assign, ast.AugAssign, ast.Expr, ast.Pass, ast.Assert, ast.Return,
                 ast.If, ast.For, ast.While, ast.Break, ast.Continue, ast.FunctionDef,
                 ast.With,            # `with`: see `hoist` (warnings blocks become their body)
                 ast.Raise,           # kept in the forward sweep
                 ast.Try,             # see `tries` (a flag and branches)
                 ast.Import, ast.ImportFrom)   # lifted by resolve (see `imports`)

REFUSED_STMTS = {
    ast.AsyncWith: "`async with` blocks",
    ast.Global: "`global`", ast.Nonlocal: "`nonlocal`",   # but `declarations` drops them
    ast.AsyncFunctionDef: "nested `async def`",
    ast.ClassDef: "`class` definitions", ast.Delete: "`del`",
    ast.AsyncFor: "`async for`", ast.AnnAssign: "annotated assignment",
}
for _name, _what in (("Match", "`match` statements"),   # written as `if` by `matches` first
                     ("TryStar", "`try`/`except*` blocks"),
                     ("TypeAlias", "`type` aliases")):
    if hasattr(ast, _name):
        REFUSED_STMTS[getattr(ast, _name)] = _what

# Expressions kept whole: they make no differentiable value.
OPAQUE_EXPRS = (ast.JoinedStr, ast.FormattedValue)
HANDLED_EXPRS = (ast.Name, ast.Constant, ast.BinOp, ast.UnaryOp, ast.Compare, ast.BoolOp,
                 ast.Call, ast.Tuple, ast.List, ast.Attribute, ast.Subscript, ast.Slice,
                 ast.IfExp, *OPAQUE_EXPRS,
                 ast.ListComp, ast.GeneratorExp, ast.DictComp, ast.Lambda,   # see `hoist`
                 ast.Dict,                                                   # see `dicts`
                 ast.NamedExpr)                                              # see `desugar`

REFUSED_EXPRS = {
    ast.SetComp: "set comprehensions", ast.Await: "`await`",
    ast.Yield: "`yield`", ast.YieldFrom: "`yield from`",
    ast.Starred: "`*` unpacking",     # but in calls, lists, tuples and assignment targets
    ast.Set: "set literals",
}


def check_syntax(tree: ast.FunctionDef, where) -> None:
    """Refuse, before anything else looks at it, any construct this compiler does not handle."""
    spread: set[int] = set()           # `*xs` in calls, lists and tuples (walked after them)
    index: set[int] = set()
    local = None
    for node in walk(tree):              # (`ast.walk`'s order)
        if node is tree:
            continue
        if isinstance(node, (ast.FunctionDef, ast.Lambda)):
            local = _local_names(tree) if local is None else local
            _check_nested(node, local, where)
        if isinstance(node, ast.stmt) and not isinstance(node, HANDLED_STMTS):
            what = REFUSED_STMTS.get(type(node), f"`{type(node).__name__}` statements")
            raise UnsupportedSyntaxError(_not_supported(what), where(node),
                                         fix=fix_for(node))
        if isinstance(node, ast.Call):
            spread.update(id(a) for a in node.args if isinstance(a, ast.Starred))
        if isinstance(node, ast.Subscript):
            index.update(id(n) for n in ast.walk(node.slice))    # `A[*idx]`: refused
        if isinstance(node, (ast.Tuple, ast.List)) and id(node) not in index:
            spread.update(id(e) for e in node.elts if isinstance(e, ast.Starred))
        if isinstance(node, ast.Starred) and id(node) in spread:
            continue            # `f(*xs)`: see `normalize`; `a, *b = v`, `[*a, b]`: `desugar`
        if isinstance(node, ast.expr) and not isinstance(node, HANDLED_EXPRS):
            what = REFUSED_EXPRS.get(type(node), f"`{type(node).__name__}` expressions")
            raise UnsupportedSyntaxError(_not_supported(what), where(node),
                                         fix=fix_for(node))


def _not_supported(what: str) -> str:
    """`set literals are not supported.`, `` `:=` is not supported.``"""
    return f"{what} {'are' if what.endswith('s') else 'is'} not supported."


def _check_nested(node, local: set[str], where) -> None:
    """A nested `def` or lambda: no decorators; defaults that mean the same wherever they
    are read (`inline` binds them at the call): constants, and functions or modules
    named by names the function does not bind (`np.tanh`, `relu`)."""
    bad = next((d for d in node.args.defaults + node.args.kw_defaults
                if d is not None and not _static(d, local)), None)
    if getattr(node, "decorator_list", None) or bad is not None:
        what = "decorators" if bad is None else f"the default `{ast.unparse(bad)}`"
        raise UnsupportedSyntaxError(
            f"a nested `def` or lambda with {what} is not supported (a default must be a "
            f"constant or a function named outside the function).", where(node),
            fix="Define the helper at module level, or pass the value as an argument.")


def _static(node, local: set[str]) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return _static(node.operand, local)
    if isinstance(node, ast.Tuple):
        return all(_static(e, local) for e in node.elts)
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name) and node.id not in local


def _local_names(tree: ast.FunctionDef) -> set[str]:
    """The names `tree` binds anywhere (its nested functions' parameters too)."""
    out = {n.id for n in walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    for fn in walk(tree):
        if isinstance(fn, (ast.FunctionDef, ast.Lambda)):
            spec = fn.args
            out |= {a.arg for a in spec.posonlyargs + spec.args + spec.kwonlyargs}
            out |= {a.arg for a in (spec.vararg, spec.kwarg) if a is not None}
    return out


def fix_for(node) -> str | None:
    if isinstance(node, (ast.With, ast.Try)):
        return "Move the block outside the function you differentiate."
    if isinstance(node, (ast.Global, ast.Nonlocal)):
        return "Pass the value as an argument and return the new value."
    if isinstance(node, (ast.ListComp, ast.GeneratorExp, ast.Lambda, ast.SetComp,
                         ast.DictComp)):
        return "Write it as a `for` loop, or with NumPy operations on whole arrays."
    if isinstance(node, ast.Raise):
        return "Check inputs before calling the derivative."
    if isinstance(node, ast.Starred):
        return "Write the items out (`A[i, j]`), or index with a tuple (`A[tuple(idx)]`)."
    if isinstance(node, (ast.Yield, ast.YieldFrom)):
        return "Collect the values in a list (`out.append(v)`) and return or loop over it."
    if isinstance(node, ast.Set):
        return "Use a list or a tuple."
    if isinstance(node, ast.Delete) and all(isinstance(t, ast.Name) for t in node.targets):
        return "A `del` of a name is taken where nothing can read the name after it (in a " \
            "loop: where it is bound earlier in the same block and read only in between); " \
            "drop the `del`, or give the later value a new name."
    if isinstance(node, ast.Delete):
        return "Build the list or dict again without the item: `xs = xs[:i] + xs[i + 1:]`, " \
            "`d = {k: v for k, v in d.items() if k != key}`."
    return None
