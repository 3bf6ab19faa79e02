"""A nested `def` that calls itself, made a function of its own (lambda lifting), so
that it is differentiated through its own derivative as a module-level one is.

`lift(root, node, where)` gives, for the nested `def` `node` written in the code of
the user's function `root`, a `Lifted`: a Python function whose parameters are,
first, the names the `def` reads from the functions around it (`captured`: the
caller passes their values where it calls it, as Python's closures read the value a
name has when the call runs), then the `def`'s own; its calls of itself pass those
names on. The names it reads from `root`'s own closure stay closure cells (shared
with `root`), and its globals are `root`'s. `source.read` of the function gives
its tree, which keeps the user's lines, so errors name them.

What stays refused, at the `def`'s line: a recursive `def` taking `*args`,
`**kwargs` or keyword-only parameters, one naming itself other than to call itself,
and (where it is called) one reading a function made in the function around it.
"""
from __future__ import annotations

import ast
import copy
import inspect
import types
import weakref
from dataclasses import dataclass, replace

from ..errors import UnsupportedSyntaxError
from . import source


@dataclass(frozen=True)
class Lifted:
    """A nested `def` made a function of its own."""

    fn: types.FunctionType
    captured: tuple[str, ...]      # its first parameters: names of the functions around it
    source: source.Source          # its definition (with those parameters), the user's lines

    def read(self) -> source.Source:
        """Its source, with a tree of its own to rewrite."""
        return replace(self.source, tree=copy.deepcopy(self.source.tree))


_made: "weakref.WeakKeyDictionary[types.FunctionType, dict]" = weakref.WeakKeyDictionary()


def lift(root, node: ast.FunctionDef, where) -> Lifted:
    """The nested `def` `node` of `root`'s code as a function of its own (made once per
    function and `def`, and for a bound method each time its code is made; see the
    module docstring)."""
    func = getattr(root, "__func__", root)
    code = _code_of(func.__code__, node) if isinstance(func, types.FunctionType) else None
    if code is None:
        raise UnsupportedSyntaxError(
            f"`{node.name}` calls itself, and it is not a `def` written in the function "
            f"(a lambda, or a function made by another).", where(node),
            fix=f"Write `{node.name}` as a `def`, inside the function or at module level.")
    if getattr(root, "__self__", None) is not None:
        return _make(root, func, code, where)     # a method's: its object in a cell
    per_function = _made.setdefault(func, {})
    if code not in per_function:
        per_function[code] = _make(root, func, code, where)
    return per_function[code]


def _code_of(code: types.CodeType, node: ast.FunctionDef):
    """The code object compiled from the nested `def` `node`, found by name and line."""
    first = min([node.lineno] + [d.lineno for d in node.decorator_list])
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            if const.co_name == node.name and const.co_firstlineno == first:
                return const
            found = _code_of(const, node)
            if found is not None:
                return found
    return None


def _make(root, func: types.FunctionType, code: types.CodeType, where) -> Lifted:
    cells = dict(zip(func.__code__.co_freevars, func.__closure__ or ()))
    if inspect.ismethod(root) and func.__code__.co_argcount:    # `self`: the object
        cells[func.__code__.co_varnames[0]] = types.CellType(root.__self__)
    name = code.co_name
    captured = tuple(v for v in code.co_freevars if v != name and v not in cells)
    empty = tuple(types.CellType() for _ in code.co_freevars)
    read = source.read(types.FunctionType(code, func.__globals__, name, None, empty))
    tree = read.tree
    _refuse(tree, where)
    _pass_on(tree, captured, where)
    fn = _compile(tree, func, cells, read.filename)
    fn.__qualname__ = f"{func.__qualname__}.<locals>.{name}"
    fn.__module__ = func.__module__
    lifted = Lifted(fn, captured, replace(read, tree=copy.deepcopy(tree)))
    fn._astgrad_lifted = lifted
    return lifted


def _refuse(tree: ast.FunctionDef, where) -> None:
    spec = tree.args
    if spec.vararg or spec.kwarg or spec.kwonlyargs:     # (`syntax` refused decorators)
        raise UnsupportedSyntaxError(
            f"the nested `def` `{tree.name}` calls itself and takes `*args`, `**kwargs` or "
            f"keyword-only parameters.", where(tree),
            fix="Name each parameter of a recursive function, before any `*`.")


def _pass_on(tree: ast.FunctionDef, captured: tuple[str, ...], where) -> None:
    """`captured` as the first parameters, and passed first by each call of itself."""
    calls = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)
             and isinstance(n.func, ast.Name) and n.func.id == tree.name}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == tree.name and id(node) not in calls:
            raise UnsupportedSyntaxError(
                f"the nested `def` `{tree.name}` calls itself and names itself other than "
                f"in a call (`{tree.name}` as a value).", where(node),
                fix=f"Call `{tree.name}` by its name, or define it at module level.")
        if isinstance(node, ast.Call) and id(node.func) in calls:
            node.args[0:0] = [ast.copy_location(ast.Name(c, ast.Load()), node.func)
                              for c in captured]
    spec = tree.args
    first = [ast.copy_location(ast.arg(c), tree) for c in captured]
    if spec.posonlyargs:
        spec.posonlyargs[0:0] = first
    else:
        spec.args[0:0] = first


def _compile(tree: ast.FunctionDef, func: types.FunctionType, cells: dict,
             filename: str) -> types.FunctionType:
    """The function `tree` defines, compiled under the user's file name and lines, its
    free names read from `cells` (`root`'s closure) and its own name from itself."""
    outer = sorted(set(cells) | {tree.name})
    factory = ast.parse(f"def _lift({', '.join(outer)}):\n    return {tree.name}\n").body[0]
    factory.body.insert(0, tree)
    module = ast.fix_missing_locations(ast.Module([factory], type_ignores=[]))
    made = compile(module, filename, "exec")
    factory_code = next(c for c in made.co_consts if isinstance(c, types.CodeType))
    code = next(c for c in factory_code.co_consts
                if isinstance(c, types.CodeType) and c.co_name == tree.name)
    values = [_content(cells[v]) if v in cells else None for v in outer]
    template = types.FunctionType(factory_code, func.__globals__, "_lift")(*values)
    own = types.CellType()
    closure = tuple(own if v == tree.name else cells[v] for v in code.co_freevars)
    fn = types.FunctionType(code, func.__globals__, tree.name, template.__defaults__, closure)
    fn.__kwdefaults__ = template.__kwdefaults__
    own.cell_contents = fn
    return fn


def _content(cell):
    try:
        return cell.cell_contents
    except ValueError:          # a name of the closure not bound yet
        return None
