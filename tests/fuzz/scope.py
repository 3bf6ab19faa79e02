"""What the generator knows at a point of a program: the names in scope with
their shapes, loop indices with their ranges, lists, helpers, and the dice."""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

Shape = tuple  # () for a float, (n,) for a vector, (r, c) for a matrix

_POOL = "a b c d e g r s t u w z".split()


@dataclass
class Helper:
    """A generated module-level function: required array/float parameters,
    keyword parameters with float defaults, and its result's shape."""
    name: str
    params: list  # [(name, shape)]
    keywords: list  # [(name, default text)]
    ret: Shape


@dataclass
class ListInfo:
    """A list of floats/arrays: `item` is a shape, or a tuple of shapes for a
    list of tuples; `nonempty` when an item is certainly there."""
    item: object
    nonempty: bool


class Names:
    """Fresh names for one function: never reused, so no name changes shape."""

    def __init__(self, taken=()):
        self.taken = set(taken) | {"np", "f"}
        self.count = 0

    def fresh(self, pool=_POOL, stem="v") -> str:
        for name in pool:
            if name not in self.taken:
                self.taken.add(name)
                return name
        while True:
            self.count += 1
            name = f"{stem}{self.count}"
            if name not in self.taken:
                self.taken.add(name)
                return name

    def index(self) -> str:
        return self.fresh(("i", "j", "k", "m", "l"), "i")


@dataclass
class Scope:
    rng: random.Random
    features: frozenset
    dims: tuple  # (N, M): vector lengths; matrices are (M, N)
    names: Names
    helpers: list = field(default_factory=list)
    vars: dict = field(default_factory=dict)   # float values: name -> shape
    ints: dict = field(default_factory=dict)   # int values: name -> (lowest, highest)
    lists: dict = field(default_factory=dict)  # name -> ListInfo
    frozen: set = field(default_factory=set)   # iterated here: no append, no write
    views: set = field(default_factory=set)    # may share memory with another name
    recent: list = field(default_factory=list)  # names in the order they were assigned
    loop_depth: int = 0
    depth: int = 0
    ret: tuple = ((),)  # the shapes the function returns
    small: bool = False  # shallower expressions and shorter blocks (the in-suite batch)

    def child(self, loop: bool = False) -> "Scope":
        """The scope of a nested block: names it binds vanish after it."""
        # `views` is shared: a view made in a branch may outlive it under an outer name.
        return Scope(self.rng, self.features, self.dims, self.names, self.helpers,
                     dict(self.vars), dict(self.ints), dict(self.lists), set(self.frozen),
                     self.views, list(self.recent), self.loop_depth + loop, self.depth + 1,
                     self.ret, self.small)

    def assigned(self, name: str, shape, value: str = "") -> None:
        """Record `name = value`; a value that may share memory with a named array
        (`x`, `x[1:]`, `A.T`, `A[0]`) marks both names as views."""
        self.vars[name] = shape
        self.recent.append(name)
        if shape and self.shares(value):
            self.views.add(name)

    def shares(self, value: str) -> bool:
        """Whether `value` may share memory with a named array; if so that array is
        marked as a view (writing into it would change the value too)."""
        base = _viewed(value.strip())
        if base is not None and self.vars.get(base, ()) != ():
            self.views.add(base)
            return True
        return False

    def writable(self, name: str) -> bool:
        """Whether an in-place write into array `name` keeps the program free of
        aliasing (always, when the "views" feature asks for aliasing)."""
        if name in self.frozen:
            return False
        return "views" in self.features or name not in self.views or not self.vars[name]

    # dice
    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick(self, seq):
        return self.rng.choice(list(seq))

    def weighted(self, options):
        """`options` is [(weight, value)]; weights <= 0 are left out."""
        options = [(w, v) for w, v in options if w > 0]
        total = sum(w for w, _ in options)
        x = self.rng.random() * total
        for w, v in options:
            x -= w
            if x < 0:
                return v
        return options[-1][1]

    def sized(self, normal, small):
        """A pick from `normal`, or from `small` for a small program."""
        return self.pick(small if self.small else normal)

    def const(self, lo=-1.5, hi=1.5) -> str:
        value = round(self.rng.uniform(lo, hi), 2)
        return repr(value if value != 0 else 0.5)

    # shapes
    def shapes(self) -> list:
        n, m = self.dims
        return [(), (n,), (m,), (m, n)]

    def of_shape(self, shape) -> list:
        return [name for name, s in self.vars.items() if s == shape]

    def index_texts(self, length: int) -> list:
        """Integer expressions that are valid indices of an axis of `length`."""
        out = [str(k) for k in range(-length, length)]
        for name, (lo, hi) in self.ints.items():
            for text, a, b in ((name, lo, hi), (f"{name} - 1", lo - 1, hi - 1),
                               (f"-1 - {name}", -1 - hi, -1 - lo),
                               (f"{name} + 1", lo + 1, hi + 1)):
                if -length <= a and b < length:
                    out += [text] * 3  # prefer loop indices when they fit
        return out


def _viewed(text: str) -> str | None:
    """The array a value may be a view of, when the value is a name, a transpose
    or a basic index of a name; None for new arrays."""
    match = re.fullmatch(r"(?:np\.transpose\()?([A-Za-z_]\w*)\)?(?:\.T|\[[^\[\]]*\])*", text)
    return match.group(1) if match else None
