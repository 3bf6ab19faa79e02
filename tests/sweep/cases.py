"""The case generator: signatures crossed with shapes, broadcasting, axes and dtypes."""
import importlib.util
import itertools
from typing import NamedTuple

import numpy as np

from . import more
from .fixed import FIXED
from .signatures import BINARY, REDUCE, UNARY, Sig

UNARY_SHAPES = (None, (), (1,), (4,), (3, 1), (2, 3), (2, 1, 3))
BINARY_SHAPES = ((None, None), (None, (3,)), ((3,), None), ((), (2, 3)), ((3,), (3,)),
                 ((1,), (3,)), ((2, 3), (3,)), ((3, 1), (1, 4)), ((2, 1, 3), (4, 1)),
                 ((2, 3), (2, 3)), ((1, 1), ()))
REDUCE_SHAPES = ((), (1,), (4,), (3, 1), (2, 3), (2, 1, 3))
DTYPES = (np.float64, np.float32)


class Case(NamedTuple):
    sig: Sig
    expr: str           # the call, axis and keepdims filled in
    shapes: tuple       # one per operand
    dtype: type

    @property
    def id(self) -> str:
        shapes = ",".join("f" if s is None else "x".join(map(str, s)) or "0d"
                          for s in self.shapes)
        return f"{self.sig.name}[{self.expr}|{shapes}|{np.dtype(self.dtype).name}]"


def _axes(ndim: int, tuple_axes: bool):
    out = [None] + list(range(ndim)) + ([-1] if ndim else [])
    if tuple_axes and ndim >= 2:
        out += [(0, ndim - 1)]
    if tuple_axes and ndim == 0:
        out += [()]
    return out


def _reductions(sig: Sig):
    for shape in REDUCE_SHAPES:
        for axis in _axes(len(shape), sig.tuple_axes):
            for keep in ((False, True) if sig.keepdims else (False,)):
                opts = ("" if axis is None else f", axis={axis!r}") + (
                    ", keepdims=True" if keep else "")
                yield sig.call.format(opts=opts), (shape,)


def _calls(sig: Sig):
    if sig.family == "unary":
        shapes = (None,) if sig.floats_only else UNARY_SHAPES
        return [(sig.call, (s,)) for s in shapes]
    if sig.family == "binary":
        shapes = ((None, None),) if sig.floats_only else BINARY_SHAPES
        return [(sig.call, s) for s in shapes]
    if sig.family == "reduce":
        return list(_reductions(sig))
    return [(sig.call, s) for s in sig.shapes]


def all_signatures() -> list:
    signatures = UNARY + BINARY + REDUCE + FIXED + more.LINALG + (
        more.SPECIAL + more.STATS + more.SCIPY_LINALG if _has_scipy() else [])
    return [s for s in signatures if _in_numpy(s.name)]


def _in_numpy(name: str) -> bool:
    """Has the installed NumPy this function? (NumPy 2.0 added np.linalg.matrix_norm,
    np.matrix_transpose, np.vecdot..., 2.2 np.matvec and np.vecmat; astgrad registers
    their rules where they exist.)"""
    head, _, path = name.partition(".")
    obj = np if head == "np" else None
    for part in path.split(".") if obj is not None else ():
        obj = getattr(obj, part, None)
        if obj is None:
            return False
    return True


def _has_scipy() -> bool:
    return importlib.util.find_spec("scipy") is not None


def all_cases(signatures=None) -> list:
    out = []
    for sig in signatures or all_signatures():
        for expr, shapes in _calls(sig):
            floats = all(s is None for s in shapes) or "W" in sig.domains  # a simplex: f64
            for dtype in DTYPES[:1] if floats else DTYPES:
                out.append(Case(sig, expr, shapes, dtype))
    return out


def sample(cases: list, n: int, seed: int) -> list:
    """A deterministic sample of about `n` cases: one of each function first (float64, its
    largest shapes), then a seeded draw from the rest."""
    first = {}
    for c in cases:
        if c.dtype is np.float64:
            first.setdefault(c.sig.name, c)
    chosen = set(map(id, first.values()))
    rest = [c for c in cases if id(c) not in chosen]
    rng = np.random.default_rng(seed)
    extra = rng.choice(len(rest), size=max(0, min(len(rest), n - len(first))), replace=False)
    picked = list(first.values()) + [rest[i] for i in sorted(extra)]
    return sorted(picked, key=lambda c: cases.index(c))


def values(domain: str, shape, dtype, rng):
    """An operand in its domain: None is a Python float."""
    size = () if shape is None else shape
    domain = domain.lower()     # an upper-case domain: a constant operand, not differentiated
    if domain == "p":
        v = 0.5 + 1.5 * _spread(size, rng)
    elif domain == "g":
        v = 1.2 + 1.8 * _spread(size, rng)
    elif domain == "q":
        v = 0.1 + 0.8 * _spread(size, rng)
    elif domain == "w":
        v = rng.uniform(0.5, 1.5, size)
        v = v / np.sum(v, -1, keepdims=True)
    elif domain in "ru":
        v = (0.2 + 0.7 * _spread(size, rng)) * rng.choice([-1.0, 1.0], size)
    elif domain == "s":
        v = rng.uniform(-1, 1, size) + 2.5 * np.eye(size[-1])
    elif domain == "d":
        L = np.tril(rng.uniform(0.2, 1.0, size)) + np.eye(size[-1])
        v = L @ np.swapaxes(L, -1, -2)
    else:
        raise ValueError(f"unknown domain {domain!r}")
    return float(v) if shape is None else np.asarray(v, dtype=dtype)


def _spread(size, rng):
    """Values in (0, 1) at least 0.4 / n apart: no ties, and none near enough for a finite
    difference step to cross (which would make a max or a sort look wrong)."""
    n = int(np.prod(size))
    v = (rng.permutation(n) + 0.5 + rng.uniform(-0.3, 0.3, n)) / n
    return v.reshape(size)


def arguments(case: Case, seed: int = 0) -> tuple:
    rng = np.random.default_rng([seed, *map(ord, case.id[:40])])
    return tuple(values(d, s, case.dtype, rng) for d, s in zip(case.sig.domains, case.shapes))


def pairs(cases):
    """(function name, its cases) in table order."""
    return [(k, list(g)) for k, g in itertools.groupby(cases, key=lambda c: c.sig.name)]
