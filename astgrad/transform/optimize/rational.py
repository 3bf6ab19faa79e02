"""Exact rational functions of opaque atoms, for `cancel`: polynomials with rational
coefficients (ints where whole, else `Fraction`s) over numbered atoms, and quotients of
them whose denominator is kept as a product of factors, so that a factor met twice is one
factor, and cancels where it may.

A factor is cancelled only where it is *positive* in exact arithmetic for every input: a
polynomial with positive coefficients in positive atoms (`cancel` says which atoms are:
values of `np.exp`). Such a factor is never 0 nor infinite for real inputs, so cancelling
it leaves the same function of the inputs. Nothing else is cancelled: `y / y` stays, since
`y` may be 0. (Terms of a sum put over a common denominator cancel as in any sum; `combined`
and `mixed` tell `cancel` whether any did, and whether a denominator neither side of a
sum had was made.)

Sizes are bounded (terms, degree, the terms handled in all); past them `TooBig` is raised.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache

_TERMS, _DEGREE, _WORK = 24, 8, 600


class TooBig(Exception):
    """A polynomial past the bounds: the caller leaves the expression as it is."""


# A monomial: ((atom, exponent), ...) by atom; a polynomial: {monomial: coefficient}.
def _mono_mul(a: tuple, b: tuple) -> tuple:
    out = dict(a)
    for atom, k in b:
        out[atom] = out.get(atom, 0) + k
    return tuple(sorted(out.items()))


def _mono_div(a: tuple, b: tuple) -> tuple | None:
    """`a / b` where `b` divides `a`, else None."""
    out = dict(a)
    for atom, k in b:
        if out.get(atom, 0) < k:
            return None
        out[atom] -= k
    return tuple(sorted((x, k) for x, k in out.items() if k))


def mul(p: dict, q: dict) -> dict:
    out: dict = {}
    for m, c in p.items():
        for n, d in q.items():
            key = _mono_mul(m, n)
            out[key] = out.get(key, 0) + c * d
    return _checked({m: c for m, c in out.items() if c})


def add(p: dict, q: dict, sign: int = 1) -> dict:
    out = dict(p)
    for m, c in q.items():
        out[m] = out.get(m, 0) + sign * c
    return _checked({m: c for m, c in out.items() if c})


def scale(p: dict, c) -> dict:
    return {m: v * c for m, v in p.items()} if c else {}


def over(p: dict, c) -> dict:
    """`p / c`, for a number `c` other than 0."""
    return {m: quotient(v, c) for m, v in p.items()}


def quotient(a, b):
    """`a / b` exactly: an int where it is whole."""
    if type(a) is int and type(b) is int and a % b == 0:
        return a // b
    q = Fraction(a) / b
    return q.numerator if q.denominator == 1 else q


def _checked(p: dict) -> dict:
    if len(p) > _TERMS or any(sum(k for _, k in m) > _DEGREE for m in p):
        raise TooBig
    return p


@lru_cache(maxsize=4096)
def _order(m: tuple) -> tuple:
    """Lexicographic order on monomials, atoms by number: the larger, the more leading."""
    return tuple((-atom, k) for atom, k in m)


def lead(p: dict) -> tuple:
    return max(p, key=_order)


def divmod_poly(p: dict, f: dict) -> tuple[dict, dict]:
    """`(q, r)` with `p = q * f + r` and no term of `r` divisible by `f`'s leading term
    (one divisor: `r` is 0 exactly where `f` divides `p`)."""
    lf = lead(f)
    q: dict = {}
    r: dict = {}
    p = dict(p)
    while p:
        m = lead(p)
        t = _mono_div(m, lf)
        if t is None:
            r[m] = p.pop(m)
            continue
        c = quotient(p[m], f[lf])
        q[t] = c
        p = add(p, mul({t: c}, f), -1)
    return q, r


def key(p: dict) -> tuple:
    return tuple(sorted(p.items()))


@dataclass
class Field:
    """Quotients `(n, d)`: a polynomial `n` over the product of `factors[k] ** e` for
    `k, e` in `d`. The factors are monic and numbered in the order first met (the same
    input gives the same numbering)."""

    positive_atoms: set = field(default_factory=set)
    factors: dict = field(default_factory=dict)        # key -> polynomial
    cancelled: bool = False                            # has a factor been cancelled?
    combined: bool = False                             # ... or terms, over a denominator?
    mixed: bool = False                                # a sum over a new denominator?
    work: int = 0                                      # terms handled, up to _WORK

    def atom(self, i: int) -> tuple:
        return {((i, 1),): 1}, {}

    @staticmethod
    def const(v) -> tuple:
        return ({(): quotient(Fraction(v), 1)} if v else {}), {}

    def mul(self, a: tuple, b: tuple) -> tuple:
        d = dict(a[1])
        for k, e in b[1].items():
            d[k] = d.get(k, 0) + e
        return self._reduced(mul(a[0], b[0]), d)

    def add(self, a: tuple, b: tuple, sign: int = 1) -> tuple:
        d = {k: max(a[1].get(k, 0), b[1].get(k, 0)) for k in {**a[1], **b[1]}}
        left, right = self._times(a[0], d, a[1]), self._times(b[0], d, b[1])
        n = add(left, right, sign)
        if d not in (a[1], b[1]):
            self.mixed = True                # a denominator neither side had
        elif len(n) < len(left.keys() | right.keys()):
            self.combined = True             # terms cancelled over one side's denominator
        return self._reduced(n, d)

    def inverse(self, a: tuple) -> tuple:
        if not a[0]:
            raise ZeroDivisionError
        n = {(): 1}
        for k, e in a[1].items():
            n = mul(n, self.power_poly(self.factors[k], e))
        c, d = self.factor(a[0])
        return self._reduced(over(n, c), d)

    def power(self, a: tuple, k: int) -> tuple:
        if k < 0:
            a, k = self.inverse(a), -k
        out = self.const(1)
        for _ in range(k):
            out = self.mul(out, a)
        return out

    def factor(self, p: dict) -> tuple:
        """`(c, d)`: `p` is `c` times the product of the factors `d`, taken out known
        factors first, then its atoms; what is left is a new factor."""
        c = p[lead(p)]
        p, d = over(p, c), {}
        for k, f in list(self.factors.items()):
            while p != {(): 1}:
                q, r = divmod_poly(p, f)
                if r:
                    break
                p, d[k] = q, d.get(k, 0) + 1
        common = dict(min(p, key=len))
        for m in p:
            common = {a: min(e, dict(m).get(a, 0)) for a, e in common.items()}
        for atom, e in common.items():
            if e:
                d[self._known({((atom, 1),): 1})] = e
                p = {_mono_div(m, ((atom, e),)): v for m, v in p.items()}
        if p != {(): 1}:
            k = self._known(p)
            d[k] = d.get(k, 0) + 1
        return c, d

    def positive(self, k: tuple) -> bool:
        f = self.factors[k]
        return all(c > 0 and all(a in self.positive_atoms for a, _ in m) for m, c in f.items())

    def _known(self, p: dict) -> tuple:
        k = key(p)
        self.factors.setdefault(k, p)
        return k

    @staticmethod
    def power_poly(p: dict, e: int) -> dict:
        out = {(): 1}
        for _ in range(e):
            out = mul(out, p)
        return out

    def _times(self, n: dict, d: dict, had: dict) -> dict:
        for k, e in d.items():
            n = mul(n, self.power_poly(self.factors[k], e - had.get(k, 0)))
        return n

    def _reduced(self, n: dict, d: dict) -> tuple:
        self.work += len(n) * (1 + len(d))
        if self.work > _WORK:
            raise TooBig
        d = {k: e for k, e in d.items() if e}
        for k in list(d):
            while d[k] and n and self.positive(k):
                q, r = divmod_poly(n, self.factors[k])
                if r:
                    break
                n, d[k], self.cancelled = q, d[k] - 1, True
        return n, {k: e for k, e in d.items() if e}
