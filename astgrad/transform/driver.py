"""The table of contents of the compiler: the passes, in order.

`generate` turns a function and a request into a compiled derivative
function and its source. Each pass takes the `Program` (the tree, its
source, the namespace the generated code runs in, the name allocator, and
the results of the analyses run so far) and sets what it produces on it.
`PASSES` lists them in the order they run; set `ASTGRAD_DEBUG=1` to print
the code (or, for an analysis, its result) after each one.
"""
from __future__ import annotations

import ast
import copy
import gc
import os
import sys
import types
from dataclasses import dataclass, field, replace
from typing import Callable

from . import rules  # noqa: F401  (registers the library's rules)
from . import (activity, argument_writes, catch, codegen, forward, hoist, kinds, normalize,
               optimize, resolve, restructure, reverse, saving, settle, shell, source, syntax,
               tries)
from . import bound_in_blocks, complexes, declarations, deletes, container_forms, fields, freeing, \
    functional, list_methods, masked, matches, record_calls, records, view_copies
from .aliases import Aliases
from .dicts import is_dict_kind
from ..errors import AstgradError, InPlaceError, UnsupportedSyntaxError
from .lattice import Kind
from .naming import Namer, names_in
from .request import FORWARD, Request
from .trees import copy_tree, statements


@dataclass(frozen=True)
class Generated:
    """A compiled derivative: the function, its text, and the file name it runs under."""

    fn: Callable
    source: str
    filename: str


@dataclass
class Program:
    """What the passes hand on to each other, filled in as they run."""

    fn: Callable                      # the user's function
    src: source.Source                # its parsed source, for `file:line` in errors
    request: Request                  # which transform, with respect to what
    param_kinds: dict[str, Kind]      # the kinds this specialization is for
    transform_of: Callable | None     # (fn, mode, wrt) -> the public transform of a callee
    tree: ast.FunctionDef
    scope: resolve.UserScope
    namer: Namer
    ns: resolve.Namespace | None = None      # resolve: names in generated code -> objects
    aliases: Aliases = field(default_factory=Aliases)   # normalize: in-place writes to settle
    kinds: dict | None = None                # kinds: the kind of every name
    activity: activity.Activity | None = None
    sweeps: reverse.Sweeps | None = None     # reverse mode, before the shell is built
    shapes: dict | None = None               # which names share a shape (optimize reads it)
    text: str | None = None                  # codegen: the module text
    compiled: Generated | None = None


# -- the passes: each returns what ASTGRAD_DEBUG prints (or makes it), or None if not run
def _check_syntax(p: Program):
    """First drops `global`/`nonlocal` declarations that only read (`declarations`),
    writes `match` as `if`/`elif` (`matches`), drops a `del` of names nothing reads
    after (`deletes`) and writes a list's `insert`, `pop(i)`, `del` and
    `clear` as slice stores (`list_methods`); also writes comprehensions, lambdas and
    `with` blocks as plain statements (`hoist`), `map`/`functools.reduce` as nested
    functions (`functional`), `dict(...)` and dict methods as literals and item
    writes (`container_forms`), and a `functools.partial` or a tuple spread with `*`
    bound inside an `if` or a loop as the calls they make (`bound_in_blocks`)."""
    declarations.drop(p.tree, p.src.where)
    matches.lower(p.tree, p.namer.fresh, p.src.where)
    deletes.drop_deletes(p.tree)                      # `del name` that nothing reads after
    list_methods.rewrite(p.tree, p.namer.fresh)       # insert, pop(i), del, clear: slices
    syntax.check_syntax(p.tree, p.src.where)
    functional.rewrite(p.tree, p.fn, p.namer.fresh)   # map, functools.reduce: nested defs
    container_forms.rewrite(p.tree, p.fn, p.namer.fresh)   # dict(...), d.get, d.update, ...
    if getattr(p.fn, "_astgrad_star", None):          # `*args`, `**kwargs`: see `starred`
        hoist.spread(p.tree, p.fn._astgrad_star, p.src.where)
    hoist.expand(p.tree, p.namer.fresh, p.src.where)
    bound_in_blocks.rewrite(p.tree, p.fn, p.namer.fresh, p.src.where)   # partials, `*parts` in if/loops
    records.lower(p.tree, p.param_kinds, p.src.where)   # `p.W`: `p[Field("W")]`; `f(*p)`
    return p.tree


def _resolve(p: Program):
    dict_params = {name for name, k in p.param_kinds.items() if is_dict_kind(k)}
    p.tree, p.ns = resolve.resolve(p.tree, p.scope, p.src.where, dict_params=dict_params,
                                   locals_=_given_functions(p))
    record_calls.lower(p.tree, p.ns)            # `P(W=a, b=c)`: rt.record_of(P, ...)
    tries.desugar(p.tree, p.namer.fresh, p.src.where)     # `try`: a flag and branches
    p.ns.taken.add(p.request.name)     # a callee's transform bound later is named otherwise
    return p.tree


def _given_functions(p: Program) -> set[str] | None:
    """The local names, but a parameter given a function (`Request.functions`) that the
    body never assigns: its reads are that function, as a closure's would be."""
    if not p.request.functions:
        return None
    local = resolve.local_names(p.tree)
    stored = {n.id for n in ast.walk(p.tree) if isinstance(n, ast.Name)
              and not isinstance(n.ctx, ast.Load)}
    for name, fn in p.request.functions:
        if name not in stored:
            p.scope.cells[name] = types.CellType(fn)
            local.discard(name)
    return local


def _restructure(p: Program):
    _refuse_returned_functions(p)
    p.tree = restructure.restructure(p.tree, p.namer.fresh, p.src.where)
    return p.tree


def _normalize(p: Program):
    """Also desugars, inlines the user's functions and checks aliases as it goes
    (see `normalize`: one walk keeps the names it allocates in source order)."""
    in_place = argument_writes.whole_writes_in_place(p.tree, p.param_kinds, p.ns)
    p.tree = normalize.normalize(p.tree, p.namer, p.src.where, p.ns, _expander(p),
                                 inline_all=p.request.inline_all, aliases=p.aliases,
                                 in_place=in_place, fn=p.fn)
    return p.tree


def _kinds(p: Program):
    try:
        p.kinds = kinds.infer(p.tree.body, p.param_kinds, p.ns)
    except AstgradError as exc:                 # a rule refusing its constant arguments
        if exc.where is not None or getattr(exc, "node", None) is None:
            raise
        raise type(exc)(exc.what, p.src.where(exc.node), exc.fix) from None
    return lambda: "\n".join(f"{name}: {k.describe()}" for name, k in p.kinds.items())


def _fields(p: Program):
    """`p.W` of a namedtuple or dataclass instance: read by the field's position."""
    fields.place(p.tree, p.kinds, p.ns, p.src.where)
    return p.tree


def _aliases(p: Program):
    """Also undoes what `sync` made again where names do not share (kinds then again)."""
    if settle.settle(p.aliases, p.tree, p.kinds):
        p.kinds = kinds.infer(p.tree.body, p.param_kinds, p.ns)
    p.aliases.refuse(p.kinds, p.ns, p.tree)
    return f"in-place writes checked: {len(p.aliases.writes)}"


def _activity(p: Program):
    p.activity = activity.analyze(p.tree, list(p.request.wrt), p.ns, p.src.where)
    complexes.refuse_unsupported(p.tree, p.activity, p.kinds, p.ns, p.src.where)
    return "active: " + ", ".join(sorted(p.activity.active))


def _forward(p: Program):
    if p.request.mode not in FORWARD:
        return None
    p.tree, p.shapes = forward.forward(p.tree, p.src, p.activity, p.kinds, p.ns, p.namer,
                                       p.request, _mode(p.transform_of, "jvp"))
    return p.tree


def _reverse(p: Program):
    if p.request.mode in FORWARD:
        return None
    """Also masks the products of masked adjoints (`masked`: a zero seed contributes zero)."""
    p.sweeps = reverse.reverse(p.tree, p.src, p.activity, p.kinds, p.ns, p.namer, p.request,
                               _vjp(p.transform_of), p.param_kinds)
    masked.mask_products(p.sweeps.forward, p.sweeps.backward, p.sweeps.gradients, p.ns)
    return p.sweeps.as_module()


def _view_copies(p: Program):
    if p.sweeps is None:
        return None
    if not p.request.inline_all:
        return "views kept: this code is not to be differentiated again"
    sweeps = p.sweeps
    forward = view_copies.copy_views(sweeps.function, sweeps.forward, sweeps.backward,
                                     p.kinds, p.ns)
    p.sweeps = replace(sweeps, forward=forward)
    return p.sweeps.as_module()


def _saving(p: Program):
    if p.sweeps is None:
        return None
    p.sweeps = saving.save(p.sweeps, p.ns, p.namer, p.request)
    return p.sweeps.as_module()


def _shell(p: Program):
    if p.sweeps is None:
        return None
    p.tree, p.shapes = shell.assemble(p.sweeps, p.request), p.sweeps.shapes
    return p.tree


def _optimize(p: Program):
    alone = p.request.mode == "tangent"     # code returning a derivative alone
    derivatives = p.namer.adjoints | (p.namer.tangents if alone else set())
    p.tree = optimize.optimize(p.tree, p.ns, _inlinable(p), p.kinds, p.shapes,
                               derivatives, alone)
    return p.tree


def _catch(p: Program):
    p.tree = catch.write_tries(p.tree, p.namer.fresh, p.src.where, p.namer.tangents)
    return p.tree


def _free(p: Program):
    """Mode "tangent" (`ag.hvp`, `ag.hessian`, `ag.jacobian`: code run rather than read)
    lets go of each value after the statement that reads it last, so that no array the
    rest of the call does not read stays alive beside its temporaries."""
    if p.request.mode != "tangent":
        return None
    freeing.free_after_last_use(p.tree, names_in(p.tree))
    return p.tree


def _refuse_returned_functions(p: Program) -> None:
    """A function that returns a function (a nested `def` or a lambda, which `hoist` made
    a nested `def`) has no derivative of its own: the function it returns has."""
    nested = {s.name for s in p.tree.body if isinstance(s, ast.FunctionDef)}
    for node in (n for s in p.tree.body if not isinstance(s, ast.FunctionDef)
                 for n in statements(s)):
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Name) \
                and node.value.id in nested:
            name = p.src.tree.name
            raise UnsupportedSyntaxError(
                f"`{name}` returns a function, which has no derivative itself.",
                p.src.where(node), fix=f"Differentiate the function it returns: "
                f"ag.grad({name}(...)), e.g. ag.grad({name}(1.0)).")


def _inlinable(p: Program) -> set[str]:
    """The names `optimize` may write where they are read once: those the compiler made
    up; in mode "tangent" (`ag.hvp`, `ag.hessian`: code made from generated code, run
    rather than read), every name but the parameters, so that each array is freed as
    soon as the expression reading it is done."""
    if p.request.mode != "tangent":
        return p.namer.temps
    return p.namer.temps | (names_in(p.tree) - {a.arg for a in p.tree.args.args})


def _codegen(p: Program):
    fields.spell(p.tree, p.namer.adjoints | p.namer.tangents)    # `p.W` written back
    p.text = codegen.to_source(p.tree, p.ns, _note(p))
    fn, filename = codegen.compile_function(p.text, p.tree.name, p.ns, p.scope,
                                            f"{p.request.mode} of {p.src.tree.name}")
    p.compiled = Generated(fn, p.text, filename)
    return p.text


PASSES: list[tuple[str, Callable[[Program], object]]] = [
    ("syntax", _check_syntax),        # refuse what the compiler does not handle
    ("resolve", _resolve),            # every name -> the object it means
    ("restructure", _restructure),    # jumps last in their blocks, one return
    ("normalize", _normalize),        # one operation per statement; desugar, inline, aliases
    ("kinds", _kinds),                # the kind (number, array ndim/dtype) of every name
    ("fields", _fields),              # `p.W` of a record: its field's position
    ("aliases", _aliases),            # refuse in-place writes another name would see
    ("activity", _activity),          # which names carry a derivative
    ("forward", _forward),            # jvp: tangents beside values
    ("reverse", _reverse),            # adjoint plan, then forward and reverse sweeps
    ("views", _view_copies),          # code to differentiate again: views read later, copied
    ("saving", _saving),              # what loops overwrite, kept to what is read
    ("shell", _shell),                # grad / value_and_grad / vjp around the sweeps
    ("optimize", _optimize),          # algebra, copies, dead code, known zeros
    ("catch", _catch),                # `try` blocks written back around their bodies
    ("free", _free),                  # hvp, hessian, jacobian: values let go when done
    ("codegen", _codegen),            # text with comments, compiled
]


def parse(fn) -> source.Source:
    """The function's source and tree alone (what `generate` starts from)."""
    return source.read(fn)


def generate(fn, param_kinds: dict[str, Kind], request: Request,
             parsed: source.Source | None = None,
             transform_of: Callable | None = None) -> Generated:
    """Compile `request` for `fn` specialized to `param_kinds`, pass by pass.

    `transform_of(fn, mode, wrt)` is the public transform (`"vjp"` or `"jvp"`) of a
    user function that this one calls rather than inlines; the caller (`api`)
    passes it, so the compiler never imports the API above it."""
    collecting = gc.isenabled()       # the passes make many short-lived nodes and no cycles
    if collecting:                    # worth collecting: no collector pauses while they run
        gc.disable()
    try:
        src = parsed or source.read(fn)
        tree = copy_tree(src.tree)
        scope = resolve.UserScope(fn)
        program = Program(fn, src, request, param_kinds, transform_of, tree, scope,
                          Namer(names_in(tree) | set(scope.cells)))
        for title, run in PASSES:
            _dump(title, run(program))
        return program.compiled
    except AstgradError as exc:
        if not src.filename.startswith("<astgrad-") or not exc.where:
            raise
        raise _again(exc, src.users_where(exc.where)) from None   # a derivative's code
    finally:
        if collecting:
            gc.enable()


def _again(exc: AstgradError, where: str) -> AstgradError:
    """A refusal in a derivative's code being differentiated again, at the user's line
    (`where`) too, and, for an in-place write, said as what the user can change."""
    if not isinstance(exc, InPlaceError):
        again = copy.copy(exc)
        AstgradError.__init__(again, exc.what, where, exc.fix)
        return again
    return InPlaceError(
        f"a second derivative in reverse mode through this line's in-place write is not "
        f"supported: the first derivative's code writes the array in place and puts it "
        f"back in its reverse sweep ({exc.what})", where,
        fix="Write the line without the in-place write (`x = x * v` for `x *= v`, "
            "`x = np.where(mask, v, x)` for `x[mask] = v`), or take the second derivative "
            "in forward mode over reverse: `ag.hvp(f)`, `ag.jvp(ag.grad(f))`.")


def _expander(p: Program) -> Callable:
    def expand(fn):
        """A user function called from this one: parsed and resolved, to be inlined."""
        callee = source.read(fn)      # (read afresh: its tree is ours to rewrite)
        tree = callee.tree
        p.namer.taken |= names_in(tree)
        declarations.drop(tree, callee.where)
        matches.lower(tree, p.namer.fresh, callee.where)
        deletes.drop_deletes(tree)
        list_methods.rewrite(tree, p.namer.fresh)
        syntax.check_syntax(tree, callee.where)
        functional.rewrite(tree, fn, p.namer.fresh)
        container_forms.rewrite(tree, fn, p.namer.fresh)
        hoist.expand(tree, p.namer.fresh, callee.where)
        bound_in_blocks.rewrite(tree, fn, p.namer.fresh, callee.where)
        records.lower(tree, None, callee.where)
        resolve.resolve(tree, resolve.UserScope(fn), callee.where, p.ns)
        record_calls.lower(tree, p.ns)
        tries.desugar(tree, p.namer.fresh, callee.where)
        return tree, callee.where, callee.filename != p.src.filename
    return expand


def _dump(title: str, result) -> None:
    if result is None or not os.environ.get("ASTGRAD_DEBUG"):
        return
    if callable(result):              # (text made only when it is printed)
        result = result()
    text = result if isinstance(result, str) else ast.unparse(result)
    print(f"--- after {title} ---\n{text}\n", file=sys.stderr)


def _mode(transform_of, mode):
    """`transform_of` for one mode, as the differentiating passes call it: `(fn, wrt)`."""
    return None if transform_of is None else (lambda fn, wrt: transform_of(fn, mode, wrt))


def _vjp(transform_of):
    """`transform_of` as the reverse pass calls it: `(fn, wrt)` -> the vjp, `(fn, wrt,
    at=True)` -> the vjp at a seed, which holds no closure (see `astgrad.seeded`)."""
    if transform_of is None:
        return None
    return lambda fn, wrt, at=False: transform_of(fn, "vjp_at" if at else "vjp", wrt)


def _note(p: Program) -> str:
    """`grad of `f` (file:line) with respect to x; for arguments x: 1-d float64 array, ...`,
    and, where the code is for arrays whose axes of length 1 are known, which those are."""
    arrays = [k for k in p.param_kinds.values() if k.ndim and k.dtype not in (None, "O")]
    sized = bool(arrays) and all(k.ones is not None for k in arrays)
    kinds = ", ".join(f"{name}: {k.describe(full=not sized)}"
                      for name, k in p.param_kinds.items())
    if sized:
        other = any(True in k.ones for k in arrays)
        kinds += f"; arrays have no {'other ' if other else ''}axis of length 1"
    return (f"{p.request.mode} of `{p.src.tree.name}` ({p.src.where(p.src.tree)}) with "
            f"respect to {', '.join(p.request.wrt)}; for arguments {kinds}")
