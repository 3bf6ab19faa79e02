"""Calls in the code being normalized: the user's own functions written out in
place, so one generated function differentiates through them.

Output guarantees, for the call `inline_call` is given (its arguments already
lowered to atoms):
* a call to a user function (defined at module level, or a nested `def`)
  becomes the callee's body, restructured (see `restructure`) and then
  normalized by the same walk, after one assignment per parameter; the
  callee's parameters get fresh names, and so do its locals inside an
  `if`/`for`/`while` of the caller (at the top level they are versioned like
  the caller's own); the call's value is an atom: the callee's result name,
  or a tuple of names;
* unless every callee is to be inlined, a callee of more than `INLINE_LIMIT`
  statements stays a call, and so does a module-level function met again inside
  its own body (recursion, of any depth): the reverse pass calls its generated vjp
  (or, in code to be differentiated again, its value and its vjp at a seed);
* a function an astgrad transform made stays a call;
* a call kept as a call has every argument by position, each an atom that is
  not a tuple or list written in place (those are named first);
* any other call (a primitive, a non-differentiable function) is kept as is;
* a nested `def` met again inside its own body is made a function of its own (see
  `lifting`) and stays a call there, given first the values of the names it reads
  from the functions around it: it is differentiated through its own derivative.
"""
from __future__ import annotations

import ast
import copy
import functools
import inspect
import types
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator

from ..errors import UnsupportedSyntaxError
from . import argument_writes, binding, library_calls, lifting, registry, restructure
from .build import parameters
from .reads import reads_after
from .lowering import Context, Lowerer, Scope, assigned_names, is_constant
from .opaque import is_library_function
from .scope import MISSING
from .user_values import user_method
from .writes import writes_after

# A callee of more statements than this is called through its own generated
# vjp (forward values kept in its pullback) instead of being inlined: the
# caller's code stays short, and the callee is compiled once for all callers.
# Callees that return tuples are always inlined.
INLINE_LIMIT = 12


def inline_call(node: ast.Call, args: list[ast.expr], keywords: dict[str, ast.expr],
                low: Lowerer) -> ast.expr:
    """The lowered form of the call `node`, given its lowered `args` and `keywords`:
    the atom naming an inlined callee's value, or a call (see the module docstring)."""
    ctx, scope = low.ctx, low.scope
    if isinstance(node.func, ast.Subscript):    # `fs[0](x)`, `fs` a list of functions
        return _call_function_value(node, function_value(node.func, low), args, keywords, low)
    if isinstance(node.func, ast.Name) and node.func.id in scope.local_fns:
        return _call_function_value(node, scope.local_fns[node.func.id], args, keywords, low)
    fn = ctx.ns.value(node.func) if ctx.ns is not None else None
    if getattr(fn, "_astgrad", None) is not None:
        # A function an astgrad transform made: called, and differentiated through
        # its own generated code (the reverse pass asks for its vjp).
        return ast.Call(node.func, _named(args + list(keywords.values()), low), [])
    if _is_python_function(fn) and registry.lookup(fn) is None:
        tree, where, foreign = ctx.expand(fn)
        starred = tree.args.vararg or tree.args.kwarg
        if fn in ctx.inlining:
            _refuse_recursion_with(fn, starred, args, keywords, node, low)
        bound = None if starred else binding.bind_call(
            parameters(tree), args, keywords, _defaults(fn, ctx.ns), tree.name, scope.where(node))
        # Large, or calling itself (recursion of any depth): called through its vjp. One
        # changing an argument in place is inlined (`sync` makes the caller's names again).
        if fn in ctx.inlining or not (ctx.inline_all or starred or _passes_functions(
                args, keywords, low) or _writes_arguments(tree, bound, low, record=False)) \
                and _large(tree, INLINE_LIMIT):
            _writes_arguments(tree, bound, low, call=node)
            return ast.Call(node.func, _named(bound, low), [])   # the reverse pass calls its vjp
        callee = _Callee(fn, fn.__name__, tree, where, _defaults(fn, ctx.ns), {}, fn, foreign)
        return _inline(callee, args, keywords, node, low)
    if isinstance(node.func, ast.Name) and fn is MISSING and node.func.id.endswith("_pullback"):
        raise UnsupportedSyntaxError(
            f"`{node.func.id}` is the pullback of a function called through its own "
            f"derivative (one an astgrad transform made, or a helper calling itself at third "
            f"order), which cannot be differentiated again.", scope.where(node),
            fix="Call your function, not its derivative, in code you differentiate twice; "
                "for third derivatives through recursion, use forward mode (ag.jvp of "
                "ag.jvp of ag.grad) or write the recursion as a loop.")
    if isinstance(node.func, ast.Name) and fn is MISSING:
        raise UnsupportedSyntaxError(
            f"calling `{node.func.id}`, a value computed inside the function or passed to it, "
            f"is not supported.", scope.where(node),
            fix="Call functions by the name they are defined or imported as, or pass them to "
                "a helper of yours (`helper(x, np.tanh)`), a lambda or a nested `def`; for a "
                "function given to the function you differentiate (`loss(w, act)`), close "
                "over it instead (`def make_loss(act):` defining and returning `loss`, then "
                "`ag.grad(make_loss(np.tanh))`).")
    return library_calls.lower(node, fn, args, keywords, low)


def _refuse_recursion_with(fn, starred, args, keywords, node: ast.Call, low: Lowerer) -> None:
    """A helper calling itself is called through its own derivative: it takes named
    arguments, and none of them a function (which the inlined caller holds by name)."""
    if starred:
        raise UnsupportedSyntaxError(f"`{fn.__name__}` takes `*args` or `**kwargs` and "
                                     f"calls itself.", low.scope.where(node),
                                     fix="Name each argument of a recursive function.")
    local = [a.id for a in [*args, *keywords.values()]
             if isinstance(a, ast.Name) and a.id in low.scope.local_fns]
    if local:
        raise UnsupportedSyntaxError(
            f"`{fn.__name__}` calls itself and is passed the function `{local[0]}`: a helper "
            f"calling itself is called through its own derivative, which takes arrays and "
            f"numbers, not functions.", low.scope.where(node),
            fix=f"Call the function in `{fn.__name__}` by the name it is defined or imported "
                f"as (not as an argument), or write the recursion as a loop.")


def _named(args: list[ast.expr], low: Lowerer) -> list[ast.expr]:
    """The arguments of a call kept as a call, a tuple or list written in it named: a
    derivative then flows through it as through any other argument (the callee's
    derivative takes it as a container)."""
    return [low.out.temp(a) if isinstance(a, (ast.Tuple, ast.List)) else a for a in args]


def _call_function_value(node: ast.Call, called, args, keywords, low: Lowerer) -> ast.expr:
    """A call of a name or list item bound to a function: a name for one (`np.tanh`), or
    a nested `def` (inlined; met again inside itself, a call of it made a function)."""
    scope = low.scope
    if called is None or isinstance(called, list):
        raise UnsupportedSyntaxError(
            f"calling `{ast.unparse(node.func)}` is not supported: only an item of a list of "
            f"functions written in the code, at a constant index, can be called.",
            scope.where(node), fix="Index with a number, or loop over the list "
                                   "(`for f in fs:`), which is then written out.")
    if isinstance(called, binding.Partial):
        args, keywords = called.call(args, keywords)
        node = ast.copy_location(ast.Call(
            node.func, list(args), [ast.keyword(k, v) for k, v in keywords.items()]), node)
        return _call_function_value(node, called.fn, args, keywords, low)
    if isinstance(called, ast.expr):
        return inline_call(ast.copy_location(ast.Call(called, node.args, node.keywords), node),
                           args, keywords, low)
    home = low.ctx.homes.get(id(called), scope)    # Python's closures are lexical: `x` in
    callee = _Callee(called, called.name, copy.deepcopy(called), scope.where,  # the def is
                     binding.nested_defaults(called), dict(home.current), home.fn)  # where
    if called in low.ctx.inlining:                  # a nested `def` calling itself
        return _call_lifted(callee, args, keywords, node, low)
    return _inline(callee, args, keywords, node, low)   # written, not the caller's


@dataclass
class _Callee:
    """A function about to be inlined."""

    key: object                     # what identifies it on the stack of callees being inlined
    name: str                       # its name, for errors
    tree: ast.FunctionDef           # a copy of its definition, ours to rewrite
    where: Callable                 # node -> "file:line" in its source
    defaults: dict                  # parameter -> the default's node (None: not a constant)
    current: dict                   # the names it sees from its caller (a nested def's)
    fn: object = None               # the function whose code holds it
    foreign: bool = False           # written in another file (or cell) than the function


def _call_lifted(callee: _Callee, args, keywords, call: ast.Call, low: Lowerer) -> ast.Call:
    """A nested `def` calling itself: a call of it made a function of its own, given
    first the values the names it reads from the functions around it have now."""
    where, scope = low.scope.where, low.scope
    lifted = lifting.lift(callee.fn, callee.key, where)
    captured = []
    for name in lifted.captured:
        if name in scope.local_fns or name not in scope.current:
            made = name in scope.local_fns
            what = "a function made in the function around it" if made \
                else "which the function around it has not bound where it calls it"
            raise UnsupportedSyntaxError(
                f"the nested `def` `{callee.name}` calls itself and reads `{name}`, {what}.",
                where(call), fix=f"Define `{callee.name}` and `{name}` at module level." if made
                else f"Pass `{name}` to `{callee.name}` as an argument.")
        captured.append(ast.Name(scope.current[name], ast.Load()))
    bound = captured + binding.bind_call(parameters(callee.tree), args, keywords,
                                         callee.defaults, callee.name, where(call))
    _writes_arguments(lifted.read().tree, bound, low, call=call)
    func = ast.Name(low.ctx.ns.bind(lifted.fn, callee.name), ast.Load())
    return ast.copy_location(ast.Call(func, _named(bound, low), []), call)


def _inline(callee: _Callee, args, keywords, call: ast.Call, low: Lowerer) -> ast.expr:
    """Write the callee's body here, its names made fresh; its result is an atom."""
    ctx, tree = low.ctx, callee.tree
    where = low.scope.where
    args, keywords, star_params, star_values = binding.starred(tree, args, keywords, where)
    params = parameters(tree)
    bound = binding.bind_call(params, args, keywords, callee.defaults, tree.name, where(call))
    params, bound = params + star_params, bound + star_values
    argument_writes.in_helper(tree, params, bound, ctx.in_place, call)  # `p /= 2.0`: the caller's
    restructure.restructure(tree, ctx.namer.fresh, callee.where, base=f"{tree.name}_out")
    scope = Scope(ctx.namer, callee.where, callee.current, reads_after(tree), inlined=True,
                  local_fns=dict(low.scope.local_fns), outer=low.out.later(low.scope, bound, call),
                  parent=low.scope, writes_after=writes_after(tree, ctx.ns), fn=callee.fn)
    shared = _shared_arguments(tree, params, bound) | _read_only_arguments(tree, params, bound)
    for param, value in zip(params, bound):
        if isinstance(value, binding.Keywords):  # `**kwargs`: spliced where passed on
            scope.current[param] = ctx.namer.fresh(param)
            ctx.keywords[scope.current[param]] = value.keywords
            continue
        function = function_value(value, low)
        if function is not None:                # called by the callee: inlined there
            scope.local_fns[param] = function
            continue
        if param in shared:                     # the caller's own object (written into, or read)
            scope.current[param] = value.id
            continue
        name = ctx.namer.fresh(param)
        scope.current[param] = name
        if isinstance(value, ast.Tuple):        # `*args`: a tuple known by its elements
            ctx.aliases.made_list(name)
            if low.out.depth == 0:
                ctx.tuples.record(name, value.elts)
        else:
            ctx.aliases.bind(name, value)       # the caller's array, under the callee's name
        low.out.emit(ast.Assign([ast.Name(name, ast.Store())], value))
    for name in assigned_names(tree.body):       # the callee's own locals: fresh names
        if name not in params:
            scope.current.pop(name, None)
            if low.out.depth > 0:
                scope.current[name] = ctx.namer.fresh(name)
    held = low.out.around(low.scope, call)[0]
    with _expanding(ctx, callee.key), low.out.holding(held), \
            low.out.collect(deeper=False) as body:
        low.for_callee(scope).statements(tree.body[:-1])   # all but `return <result>`
    low.out.block.extend(_located(body, low.out.stmt, callee.foreign))
    for value in bound:         # temporaries made for the arguments: the call read them,
        if isinstance(value, ast.Name):          # even those of parameters it never reads
            low.out.pending.pop(value.id, None)
    return _result(tree.body[-1], scope, ctx)


def _located(body: list[ast.stmt], call: ast.stmt, foreign: bool) -> list[ast.stmt]:
    """`body`, each statement without a line given the line of the `call`; every node
    of a `foreign` callee's, whose line numbers are of another file: the comments of
    generated code and errors after this pass name the function's own lines."""
    for stmt in body:
        for node in ast.walk(stmt):
            if (foreign and hasattr(node, "lineno")) or (
                    not hasattr(node, "lineno") and isinstance(node, ast.stmt)):
                ast.copy_location(node, call)
    return body


def _shared_arguments(tree: ast.FunctionDef, params: list[str], bound: list[ast.expr]) -> set:
    """The parameters the callee writes items of (`p[i] = v`) but never rebinds, bound
    to a name of the caller's: the callee's writes are the caller's (Python passes the
    object), so its body uses the caller's name and no alias is made."""
    rebound = set(assigned_names(tree.body))
    written = {n.value.id for n in ast.walk(tree) if isinstance(n, ast.Subscript)
               and isinstance(n.ctx, ast.Store) and isinstance(n.value, ast.Name)}
    return {p for p, v in zip(params, bound)
            if isinstance(v, ast.Name) and p in written and p not in rebound}


def _read_only_arguments(tree: ast.FunctionDef, params: list[str], bound: list[ast.expr]) -> set:
    """The parameters the callee only reads (never rebinds, never writes items of), bound
    to a name of the caller's: nothing the callee does can tell the two names apart, so
    its body reads the caller's name and no copy is made (one adjoint, not one per call)."""
    rebound = set(assigned_names(tree.body))
    written = {n.value.id for n in ast.walk(tree) if isinstance(n, (ast.Subscript, ast.Attribute))
               and isinstance(n.ctx, ast.Store) and isinstance(n.value, ast.Name)}
    return {p for p, v in zip(params, bound)
            if isinstance(v, ast.Name) and p not in written and p not in rebound}


@contextmanager
def _expanding(ctx: Context, key) -> Iterator[None]:
    ctx.inlining.append(key)
    try:
        yield
    finally:
        ctx.inlining.pop()


def _result(ret: ast.Return, scope: Scope, ctx: Context) -> ast.expr:
    """The value of the call: the restructured callee's result names, renamed."""
    if isinstance(ret.value, ast.Tuple):
        return ast.Tuple([ast.Name(scope.current.get(r.id, r.id), ast.Load())
                          for r in ret.value.elts], ast.Load())
    value = ast.Name(scope.current.get(ret.value.id, ret.value.id), ast.Load())
    return ctx.tuples.spelled_out(value)


def _writes_arguments(tree: ast.FunctionDef, bound: list[ast.expr], low: Lowerer,
                      record: bool = True, call: ast.Call | None = None) -> bool:
    """Record, for the aliases check, each argument a callee called through its vjp
    changes in place (`p[i] = v`, `p op= v` of its parameter `p`); return whether it
    changes one (`record` False: only that)."""
    written: dict[str, bool] = {}                # parameter -> changed only by `p op= v`
    for node in ast.walk(tree):
        target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 \
            else node.target if isinstance(node, ast.AugAssign) else None
        if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            written[target.value.id] = False
        elif isinstance(target, ast.Name) and isinstance(node, ast.AugAssign):
            written.setdefault(target.id, True)
    stmt = low.out.stmt
    changed = [(p, v) for p, v in zip(parameters(tree), bound)
               if p in written and isinstance(v, ast.Name)]
    if not record:
        return bool(changed)
    for param, value in changed:
        low.ctx.aliases.write_call(
            value.id, tree.name, param, written[param], low.scope.current,
            low.scope.reads_after.get(id(stmt), set()), low.scope.where(stmt),
            {**low.scope.outer, **low.out.later(low.scope, bound, call)})
    return bool(changed)


def _passes_functions(args, keywords, low: Lowerer) -> bool:
    """Is a function among the arguments (`argmin(f, df, x0)`)? The callee is then
    inlined, whatever its size: it calls what it is given."""
    for a in [*args, *keywords.values()]:
        if isinstance(a, ast.Name) and (a.id in low.scope.local_fns or callable(
                low.ctx.ns.value(a)) and not isinstance(low.ctx.ns.value(a), type)):
            return True
    return False


def _large(tree: ast.FunctionDef, limit: int) -> bool:
    statements = sum(isinstance(n, ast.stmt) for n in ast.walk(tree)) - 1
    returns_tuple = any(isinstance(n, ast.Return) and isinstance(n.value, ast.Tuple)
                        for n in ast.walk(tree))
    return statements > limit and not returns_tuple


def _defaults(fn, ns=None) -> dict:
    """Each default's node: a constant, a function (`nonlinearity=np.tanh`), or None."""
    out = {}
    for p in inspect.signature(fn).parameters.values():
        if p.default is p.empty:
            continue
        if isinstance(p.default, (int, float, bool, str, tuple, type(None))):
            out[p.name] = registry.constant_node(p.default)
        elif ns is not None and _is_function(p.default):
            out[p.name] = ns.ref(p.default)
        else:
            out[p.name] = None
    return out


def _is_function(obj) -> bool:
    return _is_python_function(obj) or registry.lookup(obj) is not None


def _is_python_function(obj) -> bool:
    """A function or a bound method (`self.helper`) of the user's, written in Python (not
    a library's: NumPy 1.x's `np.apply_along_axis` is a Python function too)."""
    return isinstance(obj, types.FunctionType) and not is_library_function(obj) \
        or user_method(obj)


def function_value(value: ast.expr, low: Lowerer):
    """What a callee's parameter bound to `value` calls, if `value` is a function: a
    nested `def` of the caller's, or a name for a function (None: not a function); for
    a list or tuple of functions written in the code, a Python list of those."""
    if isinstance(value, ast.Name) and value.id in low.scope.local_fns:
        return low.scope.local_fns[value.id]
    if isinstance(value, (ast.List, ast.Tuple)) and value.elts:
        functions = [function_value(e, low) for e in value.elts]
        return None if any(f is None or isinstance(f, list) for f in functions) else functions
    if isinstance(value, ast.Subscript) and is_constant(value.slice) \
            and isinstance(function_value(value.value, low), list):
        functions, index = function_value(value.value, low), ast.literal_eval(value.slice)
        if isinstance(index, int) and -len(functions) <= index < len(functions):
            return functions[index]
    ns = low.ctx.ns
    if isinstance(value, ast.Call) and ns is not None and ns.value(value.func) is \
            functools.partial and value.args and not any(isinstance(a, ast.Starred) for a in
                                                         value.args) \
            and all(k.arg is not None for k in value.keywords):
        fn = function_value(value.args[0], low)         # `functools.partial(f, a, k=v)`
        return None if fn is None or isinstance(fn, list) else binding.Partial(
            fn, value.args[1:], {k.arg: k.value for k in value.keywords})
    if ns is None or not isinstance(value, (ast.Name, ast.Attribute)) \
            or isinstance(value, ast.Name) and value.id in low.scope.current.values():
        return None
    return value if _is_function(ns.value(value)) else None
