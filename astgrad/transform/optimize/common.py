"""Common subexpressions: no pure expression over stable names (see `aliasing`) is
computed twice where one name can hold it. A value a name already holds (one the
forward sweep kept) is read from that name; any other repeated value is computed
once, into a new name, right before the first statement that computes it on every
run of its block.

    before                                   after
    _1 = np.sin(x)                           sin_x = np.sin(x)
    bx = np.cos(x)                           cos_x = np.cos(x)
    bx = bx - x * np.sin(x)                  bx = cos_x
    bx = bx + _1 * np.cos(x)                 bx = bx - x * sin_x
                                             bx = bx + sin_x * cos_x

Pure: arithmetic on numbers and arrays and the NumPy functions that write into
nothing and draw nothing at random (`aliasing.pure_callee`), with subscripts and
`.shape`-like attributes inside. A name made here, or a made-up name holding such a
value, is named after it where it is one call of one name (`sin_x`), else `_N`.

Where a value may be computed: an expression evaluated on only some runs of its
statement (a branch of `a if c else b`, the right of `and`/`or`, the body of a loop
or an `if`) may read a name that holds it, but never makes a new one. A pullback
(a `def` at the top of the function) runs after the function has returned, so it
may read a name its function holds. A new name may stand for a whole assigned value
(`y = sin_x`) only where `y` is never written into nor escapes (`aliasing.stable`),
so no write through `y` can change `sin_x`.
"""
from __future__ import annotations

import ast
import copy
from dataclasses import dataclass
from typing import NamedTuple

from ..naming import RESERVED, names_in
from ..nodes import Comment
from ..resolve import Namespace
from .aliasing import fresh, numpy_kind, pure_callee, stable
from ..trees import parts as node_parts, walk
from .analyses import Facts, Survey, single_target, top_blocks

_ATTRIBUTES = frozenset({"shape", "size", "ndim", "T", "real", "imag", "dtype"})
_NAMED = "{}_{}"         # the name of `np.sin(x)` is `sin_x`


@dataclass(eq=False)
class _Occurrence:
    node: ast.expr
    key: int
    size: int
    worth: bool              # a call, array work, or more than one operation on numbers
    place: tuple             # (parent, field, index or None): where it is written
    top: ast.stmt            # the statement of the top block it is in
    block: int               # which top block (0: the function's own body)
    pos: int                 # the top statement's place among all top blocks, in run order
    every_run: bool          # evaluated on every run of its top statement
    may_hold: bool           # may be replaced by a name (see the module docstring)
    whole: str | None        # `y` if it is the value of `y = ...`, `y` stable
    escapes: bool            # the value of `y = ...`, `y` returned (see `_choices`)


def share_common(fn: ast.FunctionDef, facts: Facts, ns: Namespace, temps: set[str],
                 shapes: dict[str, str], known: Survey | None = None,
                 shared: list | None = None, renamed: dict | None = None) -> bool:
    """Share repeated values of `fn` in place; True if any was shared (run to a fixed
    point: a statement shares one value a run). A new name is added to `temps` (it may be
    inlined if it ends up read once); a made-up name renamed after its value keeps its
    entry in `shapes`. `shared`/`renamed` (if given) receive what `_Shared` says."""
    facts = facts.unchanging()             # nothing changes until every value is found
    sharing = stable(fn, facts, known)
    scan = _Scan(facts, sharing)
    blocks = top_blocks(fn)
    for i, block in enumerate(blocks):
        scan.block(block, i)
    choices = _choices(scan.found(), sharing.returned)
    if not choices:
        return False
    # never a forward value's name: its value may be gone, not its kind (`Facts.forward`)
    forward = facts.forward if facts.forward is not None else facts.kinds
    taken = names_in(fn) | set(forward) | set(ns.bound) | set(ns.live) | set(ns.taken) \
        | set(RESERVED)
    touched, renames, changed = set(), {}, False
    for first, later in choices:
        tops = {id(first.top)} | {id(o.top) for o in later}
        if tops & touched:
            continue                        # shared by another choice: next time
        touched |= tops
        changed = True
        if first.whole is not None:
            holder = first.whole
            readable = _readable(first.node)
            if holder in temps and holder.startswith("_") and readable:
                renames[holder] = _unique(readable, taken)
        else:
            holder = _unique(_readable(first.node) or "_", taken)
            temps.add(holder)
            block = blocks[first.block]
            index = next(i for i, s in enumerate(block) if s is first.top)
            block.insert(index, ast.copy_location(
                ast.Assign([ast.Name(holder, ast.Store())], copy.deepcopy(first.node)),
                first.top))
            _replace(first, holder)
        for o in later:
            _replace(o, holder)
        if shared is not None:
            shared.append(_Shared(holder, first.node, [o.node for o in later], not first.whole))
    if renames:
        _rename(fn, renames, temps, shapes)
    if renamed is not None:
        renamed.update(renames)
    return changed


class _Shared(NamedTuple):
    """A value shared (`share_common`'s `shared`): the name holding it, the value as first
    met, the values now read from the name, and whether the name is new (`renamed`: the
    names renamed after their values)."""
    holder: str
    value: ast.expr
    later: list
    new: bool


def _choices(found: list[_Occurrence], returned: set[str]):
    """For each repeated value, largest first: its first occurrence that may become a
    name on every run, and the later ones that may read that name. Of the names that
    are returned, one at most becomes the shared value: two returned gradients must
    not be one array."""
    groups: dict[int, list[_Occurrence]] = {}
    for o in found:
        groups.setdefault(o.key, []).append(o)
    out = []
    for occurrences in groups.values():
        if len(occurrences) < 2 or not occurrences[0].worth:
            continue
        first = next((o for o in occurrences if o.every_run and (o.may_hold or o.whole)),
                     None)
        if first is None:
            continue
        after = (lambda o: o.pos > first.pos) if first.whole else (lambda o: o.pos >= first.pos)
        later = [o for o in occurrences if o is not first and o.may_hold and after(o)
                 and (o.block == first.block or first.block == 0)]
        escaped = first.escapes or first.whole in returned
        for o in [o for o in later if o.escapes]:
            if escaped:
                later.remove(o)
            escaped = True
        if later:
            out.append((first, later))
    out.sort(key=lambda c: (-c[0].size, c[0].pos))
    return out


class _Scan:
    """Every pure value in the top blocks, with its key (equal keys, equal values)."""

    def __init__(self, facts: Facts, sharing):
        self.facts, self.sharing, self.names = facts, sharing, sharing.stable
        self._seen: list[tuple] = []          # each candidate value, its kind not yet asked
        self._counts: dict[int, int] = {}     # key -> how many candidates have it
        self.pos = 0
        self._keys: dict[int, tuple] = {}
        self._ids: dict[tuple, int] = {}
        self.values: dict[str, ast.expr] = {}      # a stable name -> the value it holds

    def block(self, stmts: list[ast.stmt], index: int) -> None:
        for stmt in stmts:
            if single_target(stmt) in self.names:
                self.values[single_target(stmt)] = stmt.value
            if not isinstance(stmt, (ast.FunctionDef, Comment)):
                self.where = (stmt, index, self.pos)
                self.statement(stmt, top=True)
            self.pos += 1

    def statement(self, stmt: ast.stmt, top: bool) -> None:
        if isinstance(stmt, ast.Assign):
            names = set(t.id for t in stmt.targets if isinstance(t, ast.Name))
            whole = single_target(stmt) if top and single_target(stmt) in self.names else None
            safe = len(names) == len(stmt.targets) and not names & self.sharing.changed \
                and not (self.sharing.after and names & self.sharing.returned)
            escapes = safe and bool(names & self.sharing.returned)
            self.expr(stmt.value, (stmt, "value", None), top, not safe, whole, escapes)
        elif isinstance(stmt, ast.AugAssign):
            self.expr(stmt.value, (stmt, "value", None), top, False)
        elif isinstance(stmt, (ast.Expr, ast.Return)) and stmt.value is not None:
            self.expr(stmt.value, (stmt, "value", None), top, True)
        elif isinstance(stmt, (ast.If, ast.While)):
            self.expr(stmt.test, (stmt, "test", None), top, True)
        elif isinstance(stmt, ast.For):
            self.expr(stmt.iter, (stmt, "iter", None), top, True)
        if isinstance(stmt, (ast.If, ast.For, ast.While)):
            for inner in stmt.body + stmt.orelse:
                if not isinstance(inner, (ast.FunctionDef, Comment)):
                    self.statement(inner, top=False)

    def expr(self, node, place, every_run: bool, aliasing: bool, whole: str | None = None,
             escapes: bool = False) -> None:
        """Record `node` if it is a value to share, then look inside it. `aliasing`: its
        value may be what its statement stores, so only a fresh value may replace it."""
        value = self.key(node)
        if value.key is not None and isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Call)):
            self._seen.append((node, value, place, self.where, every_run, aliasing, whole,
                               escapes))
            self._counts[value.key] = self._counts.get(value.key, 0) + 1
        if isinstance(node, (ast.Lambda, ast.GeneratorExp, ast.ListComp, ast.SetComp,
                             ast.DictComp)):
            return
        aliasing = aliasing and not fresh(node, self.facts)
        for field in node_parts(node):           # (contexts, names, operators: no expression)
            value = getattr(node, field, None)
            items = value if isinstance(value, list) else [value]
            for i, item in enumerate(items):
                if isinstance(item, ast.keyword):
                    item, where = item.value, (item, "value", None)
                else:
                    where = (node, field, i if isinstance(value, list) else None)
                if isinstance(item, ast.expr) and not isinstance(getattr(item, "ctx", None),
                                                                 ast.Store):
                    runs = every_run and not (
                        isinstance(node, ast.IfExp) and field != "test"
                        or isinstance(node, ast.BoolOp) and i > 0)
                    self.expr(item, where, runs, aliasing)

    def found(self) -> list[_Occurrence]:
        """The values of numbers or made by NumPy, in the order met. A value met once is
        shared with nothing (`_choices` takes values met twice): its kind is not asked."""
        out = []
        for node, value, place, (stmt, block, pos), every_run, aliasing, whole, escapes \
                in self._seen:
            if self._counts[value.key] < 2:
                continue
            kind = self.facts.kind(node)
            if kind.number or value.numpy:
                worth = value.calls > 0 or kind.ndim != 0 or value.ops > 1
                out.append(_Occurrence(node, value.key, value.size, worth, place, stmt, block,
                                       pos, every_run, not aliasing, whole, escapes))
        return out

    def key(self, node) -> "_Value":
        """What is known of `node`'s value; its key is None unless `node` is pure and
        reads only stable names."""
        found = self._keys.get(id(node))
        if found is None:
            found = self._keys[id(node)] = self._key(node)
        return found

    def _key(self, node) -> "_Value":
        if node is None:
            return _Value(self._intern(("-",)), 0, 0, 0, False)
        if isinstance(node, ast.Name):                # a name is the value it holds
            if node.id in self.values and self.key(self.values[node.id]).key is not None:
                return self.key(self.values[node.id])
            key = self._intern(("n", node.id)) if node.id in self.names else None
            return _Value(key, 1, 0, 0, numpy_kind(self.facts.kind(node)))
        if isinstance(node, ast.Constant):
            return _Value(self._intern(("c", type(node.value).__name__, repr(node.value))),
                          1, 0, 0, False)
        numpy = False                                 # made by NumPy, whatever its parts
        if isinstance(node, ast.Attribute):
            head, parts = (("a", node.attr), [node.value]) if node.attr in _ATTRIBUTES \
                else (None, [])
        elif isinstance(node, ast.Subscript):
            head, parts = ("s",), [node.value, node.slice]
        elif isinstance(node, ast.Slice):
            head, parts = ("sl",), [node.lower, node.upper, node.step]
        elif isinstance(node, ast.Tuple):
            head, parts = ("t",), node.elts
        elif isinstance(node, ast.BinOp):
            head, parts = ("b", type(node.op).__name__), [node.left, node.right]
        elif isinstance(node, ast.UnaryOp):
            head, parts = ("u", type(node.op).__name__), [node.operand]
        elif isinstance(node, ast.Call) and pure_callee(node, self.facts) \
                and not any(isinstance(a, ast.Starred) for a in node.args):
            fn = self.facts.ns.value(node.func)
            head, numpy = ("f", id(fn), tuple(k.arg for k in node.keywords)), True
            parts = [*node.args, *(k.value for k in node.keywords)]
        else:
            head, parts = None, []
        if head is None:
            return _Value(None, 1, 0, 0, False)
        keys, size, calls, ops = [], 1, int(head[0] == "f"), int(head[0] in ("b", "u"))
        for part in parts:
            value = self.key(part)
            if value.key is None:
                return _Value(None, 1, 0, 0, False)
            keys.append(value.key)
            size, calls, ops = size + value.size, calls + value.calls, ops + value.ops
            # arithmetic with a NumPy value, and a part of one, is NumPy's
            numpy = numpy or value.numpy and head[0] in ("b", "u", "s") \
                or value.numpy and head == ("a", "T") and part is parts[0]
        return _Value(self._intern(head + tuple(keys)), size, calls, ops, numpy)

    def _intern(self, key: tuple) -> int:
        """A number per key: equal values share it, and comparing keys costs nothing however
        deep the values they stand for (`y = x * x` nested in `z = y * y`...)."""
        return self._ids.setdefault(key, len(self._ids))


class _Value(NamedTuple):
    key: int | None          # equal for equal values; None: not a value to share
    size: int                # nodes, through the names it reads
    calls: int               # NumPy calls among them
    ops: int                 # arithmetic operations among them
    numpy: bool              # surely a NumPy array or number (not a list, not an object)


def _replace(o: _Occurrence, name: str) -> None:
    parent, field, index = o.place
    new = ast.copy_location(ast.Name(name, ast.Load()), o.node)
    if index is None:
        setattr(parent, field, new)
    else:
        getattr(parent, field)[index] = new


def _readable(node) -> str | None:
    """`sin_x` for `np.sin(x)`: one call of one name the user may have written."""
    if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords \
            and isinstance(node.args[0], ast.Name) and not node.args[0].id.startswith("_"):
        func = node.func
        called = func.attr if isinstance(func, ast.Attribute) else \
            func.id if isinstance(func, ast.Name) else None
        if called:
            return _NAMED.format(called, node.args[0].id)
    return None


def _unique(base: str, taken: set[str]) -> str:
    """`base` if free, else `base_1`, `base_2`...; `_` alone gives `_1`, `_2`..."""
    n, name = 0, base if base != "_" else None
    while name is None or name in taken:
        n += 1
        name = f"_{n}" if base == "_" else _NAMED.format(base, n)
    taken.add(name)
    return name


def _rename(fn, renames: dict[str, str], temps: set[str], shapes: dict[str, str]) -> None:
    for node in walk(fn):
        if isinstance(node, ast.Name) and node.id in renames:
            node.id = renames[node.id]
    temps.update(renames.values())
    for name, earlier in list(shapes.items()):
        shapes[renames.get(name, name)] = renames.get(earlier, earlier)
