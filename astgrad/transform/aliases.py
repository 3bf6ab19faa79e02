"""In-place writes the compiler cannot reverse: one array under two names.

`x[i] = v` and `x += v` change the array `x` names. When another name shares
that array (`y = x`, `y = x[1:]`) and is read afterwards, the user's code
reads the changed array through it; generated code that rewrote `x += v` as
`x_1 = x + v`, or whose reverse sweep replays the write, would not. Such a
write is refused with an `InPlaceError` naming the other name and the fix.

`Aliases` records, as the normalize walk binds names, which generated names
may share an array, and each in-place write another name read afterwards may
see; `reads_after` is the analysis it checks against (computed on the
restructured user code). Whether two names really share is settled once the
kinds of values are known (`refuse`, after the kinds pass): a Python number is
never changed in place (`c = x; x /= 2.0` rebinds `x`), and an item of an
array (`x[0]` of a vector) or a fancy index (`x[[0, 1]]`) is a copy, not a view.
"""
from __future__ import annotations

import ast
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterator

from .. import runtime
from ..errors import InPlaceError
from . import unshared
from .derivations import Derivations
from .alias_messages import refuse_nested, refuse_write
from .views import _kind, _new_array, _operation, shares_through, view_of


@dataclass(eq=False)
class _Write:
    """An in-place write that names read afterwards may see, to be settled by kinds."""

    name: str                            # the generated name written into
    augmented: bool                      # `x op= v`: a Python number is rebound instead
    others: tuple[tuple[str, str], ...]  # (user's name, generated name) read afterwards
    user: str                            # the user's name written into, or the parameter
    what: str
    where: str
    callee: str | None = None            # the function called through its vjp that writes
    computed: bool = False               # the array is surely an operation's result: if
    #                                      0-d, a NumPy scalar, which `x op= v` rebinds
    syncs: list = field(default_factory=list)   # what `sync` made again after it
    held: str | None = None              # where the array was put into the list `others` names
    item: str | None = None              # the name it was put in under
    stmt: ast.stmt | None = None         # the write itself, as `sync` emitted it
    detached: bool = False               # `name` may stand for an array sync writes back


class _Groups:
    """Groups of generated names that may name one array (conservatively: a name
    assigned a name or an item or slice of a name joins that name's group), through
    nested blocks and branches; `Aliases` records the assignments and writes."""

    def __init__(self):
        self._groups: dict[str, set[str]] = {}
        self._lists: set[str] = set()           # names bound to a list made in the code
        self._dicts: set[str] = set()           # those of them bound to a dict literal
        self._items: dict[str, str] = {}         # a name of an item -> its list's name
        self._holders: dict[str, set[str]] = {}  # a name put into lists -> those lists
        self._links: dict[str, list[tuple[str, ast.expr]]] = {}   # name -> (name, how)
        self._made_from: dict[str, list[tuple[str, ast.expr]]] = {}   # the same, one way
        self._blocks: list[list[tuple[str, set[str]]]] = []   # per nested block: (name, group)
        self.derived = Derivations()             # which of those surely share, and how
        self.detached: set[str] = set()          # values standing for an array sync writes
        self._detached_at: list[set[str]] = []   # back (see `sync`), and as blocks began

    def enter(self) -> None:
        """A nested block (a loop body, a branch) starts."""
        self._blocks.append([])
        self._detached_at.append(set(self.detached))
        self.derived.enter()

    def leave(self) -> None:
        """It ends: a name given a new array inside it may still name what it named
        before (the block may not have run), so it joins its old group again."""
        for name, old in self._blocks.pop():
            group = old | self._groups.get(name, {name})
            for member in group:
                self._groups[member] = group
        self.detached |= self._detached_at.pop()
        self.derived.leave()

    @contextmanager
    def branches(self) -> Iterator[Callable[[], None]]:
        """An `if` and its `else`: call what this yields between them, so the `else` starts
        from the groups before the `if`; after both, names share if they do after either."""
        before, ends = _partition(self._groups), []

        def otherwise() -> None:
            ends.append(_partition(self._groups))
            self._groups = {name: set(group) for group in before for name in group}
        with self.derived.branches():
            yield otherwise
        for group in (g for end in ends for g in end):
            for member in sorted(group):
                self.join(min(group), member)

    def group(self, name: str) -> int:
        """A key of the group `name` is in: names with equal keys may share an array."""
        return id(self._groups.get(name, name))

    def join(self, a: str, b: str) -> None:
        """`a` and `b` may share an array from here on (as a loop's next iteration sees)."""
        group = self._groups.setdefault(a, {a}) | self._groups.setdefault(b, {b})
        for member in group:
            self._groups[member] = group

    def _link(self, target: str, source: str, rhs: ast.expr, either: bool = False) -> None:
        group = self._groups.setdefault(source, {source})
        old = self._groups.get(target)
        if old is not None and old is not group and not either:
            old.discard(target)                      # it no longer names the old array,
            if self._blocks:                         # unless the block does not run
                self._blocks[-1].append((target, old))
        if either and target in self._groups and self._groups[target] is not group:
            group |= self._groups[target]
            for name in group:
                self._groups[name] = group
        group.add(target)
        self._groups[target] = group
        for a, b in ((target, source), (source, target)):
            self._links.setdefault(a, []).append((b, rhs))
        self._made_from.setdefault(target, []).append((source, rhs))
        if source in self._lists:
            self._lists.add(target)
        if source in self._dicts:
            self._dicts.add(target)

    def _fresh(self, target: str) -> None:
        """`target` now names a new array: writes into it are seen by no other name,
        after this statement and in its block (see `leave`)."""
        old = self._groups.get(target)
        if old is None or old == {target}:
            return
        old.discard(target)
        self._groups[target] = {target}
        if self._blocks:
            self._blocks[-1].append((target, old))

    def _sharing(self, name: str) -> set[str]:
        """The names that see a write into `name`: its group, and the lists holding it
        (when it is not a list: a list put into a list is not followed here)."""
        out, todo = set(), [name]
        while todo:
            n = todo.pop()
            held = self._holders.get(n, set()) if name not in self._lists else set()
            lst = self._items.get(n)             # an item of a list: any array it holds
            items = {lst} | {m for m, lists in self._holders.items() if lst in lists} \
                if lst is not None else set()
            for m in self._groups.get(n, {n}) | held | items:
                if m not in out:
                    out.add(m)
                    todo.append(m)
        return out - {name}

    def is_list(self, name: str) -> bool:
        return name in self._lists


class Aliases(_Groups):
    """The in-place writes that names sharing an array may see, recorded as the normalize
    walk binds names (see `_Groups`), refused once kinds are known (`refuse`).

    A list made where it is written (`xs = [a, b]`, `xs = []`) is a new object, and an
    item read from it (`v = xs[i]`) names that item, not the list: writing
    `xs[i] = w` leaves `v` as it was, while writing into `v` changes what `xs` holds."""

    def __init__(self):
        super().__init__()
        self.writes: list[_Write] = []
        self._appended: dict[str, set[str]] = {}  # a list -> the names appended to it
        self._computed: set[str] = set()         # names bound to an operation's result
        self.syncs: list = []                    # what `sync` made again (see `settle`)
        self.nested: list = []                   # writes into an item read from a list

    def made_list(self, target: str, holds: tuple = ()) -> None:
        """Record `target = [...]`: a new list, which no other name shares yet (`holds`:
        `hold`'s `items, scope, stmt` for a list written out)."""
        self._dicts.discard(target)
        self._groups.pop(target, {target}).discard(target)
        self._items.pop(target, None)
        self._lists.add(target)
        self.derived.rebound(target)
        self._holders.pop(target, None)
        if holds:
            self.hold(target, *holds)

    def hold(self, lst: str, items: list[ast.expr], scope, stmt: ast.stmt,
             appended: bool = False) -> None:
        """Record `lst = [...items]` or (`appended`) `lst.append(item)`, the lowered `stmt`
        of `scope`: the list holds the arrays `items` name, and shows a later in-place
        write into them; an appended item read back (`xs[i]`, `xs.pop()`) may be that
        array. Each user's name sharing such an array that is changed in place after
        `stmt` before being rebound (`writes.writes_after`: in a loop, also in the next
        iterations) by a write after which `lst` is read is a write to settle once kinds
        are known."""
        user = None if scope is None else \
            next((u for u, g in scope.current.items() if g == lst), None)
        for item in items:
            if isinstance(item, ast.Name):
                self._holders.setdefault(item.id, set()).add(lst)
                if appended:
                    self._appended.setdefault(lst, set()).add(item.id)
                if user is not None:
                    _held_writes(self, item.id, user, lst, scope, stmt)

    def bind(self, target: str, rhs: ast.expr, either: bool = False, ns=None) -> None:
        """Record the lowered assignment `target = rhs` (`either`: one of the values a
        conditional expression's temporary may take, so it keeps those it had)."""
        self.detached.discard(target)
        source = rhs.id if isinstance(rhs, ast.Name) else \
            rhs.value.id if isinstance(rhs, ast.Subscript) and isinstance(rhs.value, ast.Name) \
            else None
        view = view_of(rhs) if source is None else None       # `np.transpose(A)`
        if view is not None and view[0] not in self._lists:
            source = view[0]
        if _operation(rhs, ns):
            self._computed.add(target)
        else:
            self._computed.discard(target)
        if source is None or source in self._lists or view is not None and not view[1]:
            self.derived.rebound(target)                      # (a view, or maybe a copy)
        else:
            self.derived.made(target, rhs)
        popped = rhs.func.value.id if isinstance(rhs, ast.Call) and isinstance(
            rhs.func, ast.Attribute) and rhs.func.attr == "pop" and isinstance(
            rhs.func.value, ast.Name) else source if source in self._lists else None
        for item in sorted(self._appended.get(popped, ())):
            self._link(target, item, ast.Name(item, ast.Load()), either=True)
        if not either:
            # A new value no list holds yet. Were it rebound in a block that may not run,
            # the old array is still held: `writes.writes_after` sees a later write into
            # it through this name (see `hold`), even though this forgets the lists.
            self._holders.pop(target, None)
        if source is None:
            if isinstance(rhs, (ast.List, ast.Tuple)) and not either \
                    or _makes_dict(rhs, ns):     # a dict's items are replaced as a list's
                self.made_list(target)           # `a, b = [], []` binds through here
                if _makes_dict(rhs, ns):
                    self._dicts.add(target)
            elif _new_array(rhs, ns):
                self._fresh(target)
            return
        if isinstance(rhs, ast.Subscript) and source in self._lists \
                and not isinstance(rhs.slice, ast.Slice):
            self._items[target] = source
            return
        if isinstance(rhs, ast.Subscript) and source in self._lists - self._dicts and not either:
            self.made_list(target)               # a slice of a list is a new list
            return
        self._link(target, source, rhs, either)

    def remade(self, target: str, rhs: ast.expr) -> None:
        """`target` surely holds `rhs` (an item or slice of a name) again, as after
        `A[1] = v_1` for a `v` made as `A[1]`: a write into either is seen by the other."""
        self._link(target, rhs.value.id, rhs)
        self.derived.remade(target, rhs)

    def sure(self, name: str) -> list[tuple[str, ast.expr, bool]]:
        """The names surely sharing `name`'s array by one assignment: (other, how, True)
        for `other = name` or `other = name[...]`, (other, how, False) for `name = other`
        or `name = other[...]`."""
        out = []
        for other, how in self._links.get(name, ()):
            if self.derived.source(other) is how:
                out.append((other, how, True))
            elif self.derived.source(name) is how:
                out.append((other, how, False))
        return out

    def check_write(self, user: str, current: dict[str, str], later: set[str], what: str,
                    where: str, outer: dict[str, str] | None = None,
                    shown: str | None = None) -> _Write | None:
        """Refuse the in-place write `{user} {what}` if a user's name that may share
        the array (or list) is among `later`, the names read after the write, or among
        `outer` (generated name -> user's name), those a caller of the function being
        inlined reads after the call. Unless it writes into a list, the refusal waits
        for the kinds of values (see `refuse`). `shown`: what the user wrote for a made-up
        name written into (`xs[1]` of `_1`, for `xs[1][0] = v`)."""
        name = current.get(user, user)
        user = shown or user
        others = self._sharing(name)
        pairs = {(u, g) for u, g in current.items() if g in others and u != user and u in later}
        pairs |= {(u, g) for g, u in (outer or {}).items() if g in others}
        shared = sorted(u for u, _ in pairs)
        augmented = what.endswith("= ...") and not what.startswith("[")
        if name in self._items and name not in self._lists:   # a list of lists' item?
            self.nested.append((name, user, what, where))
        if shared and name not in self._lists:
            self.writes.append(_Write(name, augmented, tuple(sorted(pairs)), user, what, where,
                                      computed=self.derived.root(name) in self._computed,
                                      detached=name in self.detached))
            return self.writes[-1]
        if shared and name in self._lists:
            kind = "dict" if name in self._dicts else "list"
            raise InPlaceError(
                f"`{user}{what}` changes a {kind} in place that `{shared[0]}` also names, "
                f"and `{shared[0]}` is read afterwards.", where,
                fix=f"Build a new dict: `{user} = {{**{user}, key: value}}`." if kind == "dict"
                else f"Copy the list first: `{user} = list({user})`.")

    def write_call(self, name: str, callee: str, param: str, augmented: bool,
                   current: dict[str, str], later: set[str], where: str,
                   outer: dict[str, str] | None = None) -> None:
        """Record `callee(..., name, ...)`, a call that changes its parameter `param` in
        place (`augmented`: only by `param op= v`): the caller's names that may share
        `name` and are read afterwards would see the change."""
        others = self._sharing(name) | {name}
        pairs = {(u, g) for u, g in current.items() if g in others and u in later}
        pairs |= {(u, g) for g, u in (outer or {}).items() if g in others}
        if pairs:
            self.writes.append(_Write(name, augmented, tuple(sorted(pairs)), param, "", where,
                                      callee))

    def refuse(self, kinds: dict, ns=None, tree: ast.FunctionDef | None = None) -> None:
        """Raise `InPlaceError` for the first recorded write another name read afterwards
        really sees and `sync` did not make again, now that `kinds` are known; where the
        two only may share, check that in `tree` at run time (`unshared`) if it can."""
        _settle(self, kinds, tree)


def _settle(aliases: Aliases, kinds: dict, tree: ast.FunctionDef | None) -> None:
    """`Aliases.refuse`."""
    for name, user, what, where in aliases.nested:
        if _kind(name, kinds).dtype == "O":      # a list (or dict) another list holds
            refuse_nested(user, what, where)
    for write in aliases.writes:
        kind = _kind(write.name, kinds)
        if write.augmented and (kind.py or kind.ndim == 0 and write.computed):
            continue                         # a number: `x op= v` rebinds x
        if write.item is not None:           # the list holds what `item` named then
            if not _kind(write.item, kinds).py and (
                    write.item == write.name or _shares(aliases, write.name, write.item, kinds)):
                refuse_write(write, write.others[0][0])
            continue
        covered = {s.old for s in write.syncs}
        pairs = [(user, other) for user, other in write.others
                 if other not in covered and not _kind(other, kinds).py   # made again, or
                 and (other == write.name or _shares(aliases, write.name, other, kinds))]
        if pairs and (write.callee is not None or tree is None or write.detached
                      # (its own array there, not the one it stands for: no check can tell)
                      or not unshared.checked(tree, write.stmt, write.name, pairs,
                                                f"{write.user} {write.what}")):
            refuse_write(write, pairs[0][0])          # (a Python number: rebound by `op=`)


def _held_writes(aliases: Aliases, item: str, user: str, lst: str, scope,
                 stmt: ast.stmt) -> None:
    """`Aliases.hold`: the writes into `item`'s array after `stmt` that `lst` shows (or,
    `item` being a list or tuple, into the arrays it holds, at any depth)."""
    group, todo = set(), [item]
    while todo:
        n = todo.pop()
        if n not in group:
            group |= aliases._groups.get(n, set()) | {n}
            todo += [m for m, lists in aliases._holders.items() if n in lists]
    for name, write in sorted(scope.writes_after.get(id(stmt), {}).items()):
        if scope.current.get(name) in group - aliases._lists \
                and user in scope.reads_after.get(id(write), ()):
            augmented = isinstance(write, ast.AugAssign) and isinstance(write.target, ast.Name)
            aliases.writes.append(_Write(scope.current[name], augmented, ((user, lst),), name,
                                         "", scope.where(write), held=scope.where(stmt),
                                         item=item))


def _shares(aliases: Aliases, a: str, b: str, kinds: dict) -> bool:
    """Can a write into `a` be seen through `b`, given the kinds of values? When what
    each is made from (through views, items, and the arrays a list holds) meets: two
    names each made from one of two arrays (`t = x if c else y`) do not make `x` and
    `y` share, as a walk that goes down to `t` and up again would say."""
    return not _origins(aliases, a, kinds).isdisjoint(_origins(aliases, b, kinds))


def _origins(aliases: Aliases, name: str, kinds: dict) -> set[str]:
    """`name`, and the names whose arrays it may show: made from them (`name = x[1:]`),
    an item of a list (`name = xs[i]`), or a list holding them."""
    seen, todo = {name}, [name]
    while todo:
        n = todo.pop()
        steps = [m for m, how in aliases._made_from.get(n, ()) if shares_through(how, kinds)]
        steps += [aliases._items[n]] if n in aliases._items else []
        steps += sorted(m for m, lists in aliases._holders.items()
                        if n in lists and not _kind(m, kinds).py)
        todo += [m for m in steps if m not in seen]
        seen.update(steps)
    return seen


def _partition(groups: dict[str, set[str]]) -> set[frozenset[str]]:
    """The groups of more than one name, as values (a copy)."""
    return {frozenset(g) for g in groups.values() if len(g) > 1}



def _makes_dict(rhs: ast.expr, ns) -> bool:
    """`rt.dict_of(keys, values)`: a dict literal, a new dict."""
    return ns is not None and isinstance(rhs, ast.Call) and ns.value(rhs.func) is runtime.dict_of
