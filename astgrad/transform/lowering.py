"""The vocabulary of the normalize walk, shared with the modules it hands work
to: `desugar` (loops, conditionals, augmented and tuple assignment), `inline`
(calls to the user's functions) and `aliases` (in-place writes).

The walk's state lives in three objects, each with one lifetime, so nothing is
saved and restored by hand:
* `Context`: one per compiled function, shared with every function inlined
  into it (the name allocator, the namespace, the tuples known by their
  elements, the alias groups, the callees being inlined);
* `Scope`: one per function body being lowered (the user's names, the names
  they have in generated code and how new ones are chosen, the nested `def`s
  it may call);
* `Emitter`: where lowered statements go, and the temporaries they assign;
  `with out.collect():` writes a nested block and then puts back the outer
  block, the statement whose line the output carries, and the nesting depth.
`Lowerer` is what `desugar` and `inline` may ask of the walk.
"""
from __future__ import annotations

import ast
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterator, Protocol

from .aliases import Aliases
from .naming import Namer
from .reads import around_call
from .trees import loads, walk
from .views import view_of


def is_constant(node: ast.expr) -> bool:
    """A constant expression: no names, no calls (`2`, `-1.5`, `(3, -1)`, `None`)."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return is_constant(node.operand)
    if isinstance(node, (ast.Tuple, ast.List)):
        return all(is_constant(e) for e in node.elts)
    return False


def is_atom(node: ast.expr) -> bool:
    """A name or a constant expression, or a tuple or list of atoms."""
    if isinstance(node, (ast.Tuple, ast.List)):
        return all(is_atom(e) for e in node.elts)
    return isinstance(node, ast.Name) or is_constant(node)


def assigned_names(stmts: list[ast.stmt]) -> list[str]:
    """The user's names `stmts` assign anywhere inside them, in order of appearance
    (a nested `def` assigns its own locals, not these)."""
    out: list[str] = []
    for stmt in stmts:
        for node in walk(stmt):
            if isinstance(node, ast.FunctionDef):
                continue
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) \
                    and node.id not in out:
                out.append(node.id)
    return out


class KnownTuples:
    """Names bound, outside any `if`/`for`/`while`, to a tuple written in the code:
    unpacking or returning one uses its elements instead of indexing it.

    The element lists are kept as given (not copied): generated code shares
    the element nodes with the statement that built the tuple."""

    def __init__(self):
        self._elements: dict[str, list[ast.expr]] = {}

    def record(self, name: str, elements: list[ast.expr]) -> None:
        self._elements[name] = elements

    def forget(self, names: set[str]) -> None:
        """`names` are about to be assigned in place (inside an `if`/`for`/`while`): a
        tuple they name, or that holds one of them, is known by its elements no more
        (the elements' names would then read the new values)."""
        for name in [n for n, elements in self._elements.items() if n in names
                     or any(isinstance(e, ast.Name) and e.id in names
                            for element in elements for e in ast.walk(element))]:
            del self._elements[name]

    def elements(self, atom: ast.expr) -> list[ast.expr] | None:
        """The elements of the tuple `atom` names, if it names a known one."""
        if isinstance(atom, ast.Name):
            return self._elements.get(atom.id)
        return None

    def spelled_out(self, atom: ast.expr) -> ast.expr:
        """`atom`, or the tuple of elements it is known to name."""
        elements = self.elements(atom)
        return atom if elements is None else ast.Tuple(list(elements), ast.Load())


@dataclass
class Context:
    """What the walks of a function and of the functions inlined into it share."""

    namer: Namer
    ns: object                                  # the resolve pass's Namespace
    expand: Callable | None                     # fn -> (its resolved FunctionDef, where)
    inline_all: bool = True                     # False: large callees stay calls
    tuples: KnownTuples = field(default_factory=KnownTuples)
    aliases: Aliases = field(default_factory=Aliases)
    inlining: list = field(default_factory=list)   # the callees being inlined, outermost first
    keywords: dict = field(default_factory=dict)   # an inlined `**kwargs` -> its keywords
    homes: dict = field(default_factory=dict)      # id of a nested def -> the Scope it is in
    in_place: object = None                        # see `argument_writes.in_helper`


class _Rename(ast.NodeTransformer):
    def __init__(self, current: dict[str, str]):
        self.current = current

    def visit_Name(self, node):
        return ast.Name(self.current.get(node.id, node.id), node.ctx)


@dataclass
class Scope:
    """One function body being lowered (the user's function, or an inlined callee),
    and how its names are renamed: at the top level each assignment makes a new
    version (`x`, `x_1`, ...); inside `if`/`for`/`while` a variable keeps the one
    name `enter` fixed for the whole statement; an inlined callee's names are all
    fresh."""

    namer: Namer
    where: Callable[[ast.AST], str]             # node -> "file:line" in the body's source
    current: dict[str, str]                     # the user's name -> its name in generated code
    reads_after: dict[int, set[str]]            # see `aliases.reads_after`
    inlined: bool = False
    local_fns: dict[str, ast.FunctionDef] = field(default_factory=dict)
    # an inlined callee's callers' names read after the call: generated name -> user's name
    outer: dict[str, str] = field(default_factory=dict)
    parent: Scope | None = None                 # an inlined callee's caller
    writes_after: dict[int, dict[str, ast.stmt]] = field(default_factory=dict)  # `aliases`
    fn: object = None           # the user's function whose code this is (a nested def's too)

    def later(self, stmt: ast.stmt) -> dict[str, str]:
        """The names read after `stmt` here or, for an inlined callee, in its callers:
        generated name -> user's name."""
        here = {self.current[u]: u for u in self.reads_after.get(id(stmt), set())
                if u in self.current}
        return {**self.outer, **here}

    def rename(self, node: ast.expr) -> ast.expr:
        """`node` as generated code spells it (a name not assigned here is read live)."""
        return _Rename(self.current).visit(node)

    def enter(self, stmt: ast.stmt) -> set[str]:
        """Fix one name for each variable compound `stmt` assigns, before lowering it;
        return those names."""
        names = assigned_names([stmt])
        for name in names:
            if name not in self.current:
                self.current[name] = self._new_name(name)
        return {self.current[name] for name in names}

    def target(self, name: str, depth: int) -> str:
        """The generated name an assignment to the user's `name` writes, `depth`
        compound statements deep."""
        if depth > 0:
            return self.current[name]               # fixed by `enter`: assigned in place
        new = self.namer.version(name) if name in self.current else self._new_name(name)
        self.current[name] = new
        return new

    def _new_name(self, name: str) -> str:
        return self.namer.fresh(name) if self.inlined else self.namer.reserve(name)


class Emitter:
    """Where lowered statements go: the block being written, the user statement
    whose line they carry, and how many `if`/`for`/`while` they are inside; like
    an IR builder, it also makes the temporaries it assigns."""

    def __init__(self, stmt: ast.AST, namer: Namer, aliases: Aliases | None = None):
        self.block: list[ast.stmt] = []
        self.stmt = stmt
        self.depth = 0
        self.namer = namer
        self.aliases = aliases          # told when a nested block starts and ends
        # temporaries made and not yet read: operands of the expression being lowered,
        # which a call lowered after them (that may change an array in place) precedes
        self.pending: dict[str, ast.expr] = {}
        # names an expression being lowered holds across the call being inlined (`A` in
        # `A * h(A[1])`): it reads them after the call, as they were lowered before it
        self.held: set[str] = set()

    def emit(self, stmt: ast.stmt) -> ast.stmt:
        ast.copy_location(stmt, self.stmt)
        stmt.end_lineno = getattr(self.stmt, "end_lineno", stmt.lineno)
        self.block.append(stmt)
        if self.pending:
            for name in loads(stmt):
                self.pending.pop(name, None)
        return stmt

    def temp(self, value: ast.expr) -> ast.Name:
        """Assign `value` to a fresh temporary, and name it. A name or an item or slice
        of one may share its array: `aliases` is told, so a user's name later bound to
        the temporary (`p, r = r, p` swaps through two) joins that array's group; a tuple
        or list holds the arrays its items name."""
        name = self.namer.temp()
        self.emit(ast.Assign([ast.Name(name, ast.Store())], value))
        if self.aliases is not None and (isinstance(value, (ast.Name, ast.Subscript))
                                         or view_of(value) is not None):
            self.aliases.bind(name, value)
        elif self.aliases is not None and isinstance(value, (ast.Tuple, ast.List)):
            self.aliases.made_list(name, (value.elts, None, None))    # holds its items
        self.pending[name] = value
        return ast.Name(name, ast.Load())

    def later(self, scope: Scope, passed: list | tuple = (),
              call: ast.expr | None = None) -> dict[str, str]:
        """`scope.later` of this statement, the names it reads around `call` (see
        `around`), and the temporaries not read yet (each shown as the expression it
        holds) but those `passed` to the call: the names a call lowered now must leave
        as they were or make again."""
        given = {a.id for a in passed if isinstance(a, ast.Name)}
        held, after = self.around(scope, call)
        return {**{g: u for g, u in sorted({**held, **after}.items())}, **scope.later(self.stmt),
                **{t: ast.unparse(v) for t, v in self.pending.items() if t not in given}}

    def around(self, scope: Scope, call: ast.expr | None) -> tuple[dict, dict]:
        """`reads.around_call` of this statement, as generated name -> user's name."""
        if call is None:
            return {}, {}
        return tuple({scope.current[u]: u for u in sorted(names) if u in scope.current}
                     for names in around_call(self.stmt, call))

    @contextmanager
    def holding(self, names) -> Iterator[None]:
        """Lower a call while the expression around it holds `names` (see `held`)."""
        saved = self.held
        self.held = saved | set(names)
        try:
            yield
        finally:
            self.held = saved

    def snapshot(self, atom: ast.expr) -> ast.expr:
        """`atom`, copied to a temporary if it is a variable (which may change later)."""
        if isinstance(atom, ast.Name) and atom.id not in self.namer.temps:
            return self.temp(atom)
        return atom

    @contextmanager
    def collect(self, deeper: bool = True) -> Iterator[list[ast.stmt]]:
        """Write into a new block (inside one more compound statement if `deeper`),
        then restore the outer block, statement and depth."""
        saved = self.block, self.stmt, self.depth
        self.block, self.depth = [], self.depth + deeper
        if deeper and self.aliases is not None:
            self.aliases.enter()
        try:
            yield self.block
        finally:
            self.block, self.stmt, self.depth = saved
            if deeper and self.aliases is not None:
                self.aliases.leave()


class Lowerer(Protocol):
    """What `desugar` and `inline` may ask of the walk (`normalize` implements it)."""

    ctx: Context
    scope: Scope
    out: Emitter

    def statements(self, stmts: list[ast.stmt]) -> None:
        """Lower `stmts` into `out`."""

    def nested(self, stmts: list[ast.stmt]) -> list[ast.stmt]:
        """Lower `stmts` into a new block one level deeper, and return it."""

    def for_callee(self, scope: Scope) -> Lowerer:
        """A walk of an inlined callee's body, writing into the same `out`."""

    def atom(self, node: ast.expr) -> ast.expr:
        """Lower `node` to an atom, emitting statements for what it computes."""

    def index(self, node: ast.expr) -> ast.expr:
        """Lower a subscript's index: atoms, slices of atoms, tuples of those."""

    def bind(self, name: str, value: ast.expr) -> None:
        """Lower the assignment `name = value`."""

    def store_item(self, target: ast.Subscript, atom: ast.expr, lowered: bool = False) -> None:
        """Lower `base[index] = atom` (`lowered`: base and index are already atoms)."""

    def check_write(self, user: str, what: str):
        """Record an in-place write to the user's `user` that another name may see (to
        refuse, unless `sync` makes that name again); return the record, if any."""


def item(node: ast.Subscript, low) -> ast.expr:
    """`v[i]` over atoms. An item of a tuple or list written in place (`(a, b)[0]`) is
    that element; such a tuple or list indexed otherwise gets a name first, so the
    adjoints of its elements are those of a named sequence."""
    value = low.atom(node.value)
    if isinstance(value, (ast.Tuple, ast.List)):
        i = node.slice.value if isinstance(node.slice, ast.Constant) else None
        if type(i) is int and -len(value.elts) <= i < len(value.elts):
            return value.elts[i]
        value = low.out.temp(value)
    return ast.Subscript(value, low.index(node.slice), ast.Load())
