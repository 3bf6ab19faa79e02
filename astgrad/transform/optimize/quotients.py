"""Expressions for the rational values `cancel` reads (`rational`): the numerator as a
sum of terms over the numbers they share, the factors of the denominator by the names
whose values they are, or are the inverse of, where the expression read one.

    value                                  written (p = 1 / _4, _4 = 1 + _3, e = _3)
    -(y e + y - 1) / (y.size (1 + e))      (p - y) / y.size

Which of the ways it can be written is cheapest is `cancel`'s choice.
"""
from __future__ import annotations

import ast
from fractions import Fraction
from math import gcd, lcm

from .rational import divmod_poly, mul, quotient, scale


class Unwritten(Exception):
    """A value this module does not write (0): the expression stays as it was."""


class Writer:
    """Expressions for a rational value: its numerator, with each factor of its
    denominator written by a name whose value it is (or a term over it) where one was
    read, else as its polynomial; and, for a factor `f` with a name `v = t / f`, the
    numerator divided by `f`, the remainder written with `v`."""

    def __init__(self, reading):
        self.reading, self.field = reading, reading.field
        self.inverse: dict[tuple, tuple[str, dict]] = {}   # factor -> (v, t): v = t / f
        self.direct: dict[tuple, tuple[str, Fraction]] = {}    # factor -> (v, c): v = c * f
        for name, (n, d) in reading.named.items():
            if name in reading.dying:
                continue
            if d and len(n) == 1 and list(d.values()) == [1]:       # a term over a factor
                self.inverse.setdefault(next(iter(d)), (name, n))
            elif n and not d:
                c, own = self.field.factor(n)
                if list(own.values()) == [1]:
                    self.direct.setdefault(next(iter(own)), (name, c))

    def candidates(self, value):
        """The value written as it is, and as `q + s * v` for each factor `f` read as
        `v = t / f` (`t` a term); each also as `q + r / f` where one factor `f` is left."""
        n, d = value
        for split in (False, True):
            yield self._write(n, d, {}, split)
        for k, e in d.items():
            if e == 1 and k in self.inverse:
                v, t = self.inverse[k]
                n_ = self._through(n, self.field.factors[k], t, len(self.reading.atoms))
                for split in (False, True) if n_ is not None else ():
                    yield self._write(n_, {j: x for j, x in d.items() if j != k},
                                      {len(self.reading.atoms): v}, split)

    @staticmethod
    def _through(n: dict, f: dict, t: dict, i: int) -> dict | None:
        """`n / f` as a polynomial in atom `i` = `t / f` too, or None: `n = q f + r` is
        `q + (r / t) * v` where `t` divides `r`, or, where `f = t + c` for a number `c`,
        `q + r / c - (r / c) * v` (as `1 / f = (1 - v) / c`)."""
        q, r = divmod_poly(n, f)
        v = {((i, 1),): 1}
        s, rest = divmod_poly(r, t) if r else ({}, {})
        if not rest:
            return add_poly(q, mul(s, v))
        c = add_poly(f, scale(t, -1))
        if list(c) != [()]:
            return None
        s = scale(r, quotient(1, c[()]))
        return add_poly(add_poly(q, s), mul(s, {((i, 1),): -1}))

    def _write(self, n: dict, d: dict, pseudo: dict, split: bool) -> ast.expr:
        pseudo, dens = dict(pseudo), []
        for k, e in d.items():
            v, t = self.inverse.get(k, (None, None))
            q, rest = divmod_poly(n, self.field.power_poly(t, e)) if v else (None, True)
            if not rest:
                i = len(self.reading.atoms) + len(pseudo)
                pseudo[i] = v
                n = mul(q, {((i, e),): 1})
            elif k in self.direct:
                v, c = self.direct[k]
                n = scale(n, c ** e)
                dens.append((ast.Name(v, ast.Load()), scale(self.field.factors[k], c), e))
            else:
                f = self.field.factors[k]
                dens.append((self._poly(f, pseudo, signed=True), f, e))
        if split and len(dens) == 1 and dens[0][2] == 1:
            q, r = divmod_poly(n, dens[0][1])
            if q and r:
                (top, negative), (rest, minus) = self._poly(q, pseudo), self._poly(r, pseudo)
                top = ast.UnaryOp(ast.USub(), top) if negative else top
                return ast.BinOp(top, ast.Sub() if minus else ast.Add(),
                                 ast.BinOp(rest, ast.Div(), dens[0][0]))
        out, negative = self._poly(n, pseudo)
        for den, _, e in dens:
            out = ast.BinOp(out, ast.Div(), _power(den, e))
        return ast.UnaryOp(ast.USub(), out) if negative else out

    def _poly(self, p: dict, pseudo: dict, signed: bool = False):
        """`p` written as `(expression, negative)`: its value is the expression, negated
        where `negative`; with `signed`, the expression of its value."""
        if not p:
            raise Unwritten                  # a zero adjoint: left to the other rewrites
        common = dict(min(p, key=len)) if len(p) > 1 else {}
        for m in p:
            common = {a: min(e, dict(m).get(a, 0)) for a, e in common.items() if a in dict(m)}
        content = tuple(sorted((a, e) for a, e in common.items() if e))
        g = _content(p)
        terms = sorted(((m, quotient(c, g)) for m, c in p.items()),
                       key=lambda t: (t[1] < 0, _rank(t[0])))
        total = None
        for m, c in terms:
            rest = tuple((a, e - common.get(a, 0)) for a, e in m if e - common.get(a, 0))
            term = self._term(rest, abs(c), pseudo)
            if total is None:
                total = term if c > 0 else ast.UnaryOp(ast.USub(), term)
            else:
                total = ast.BinOp(total, ast.Add() if c > 0 else ast.Sub(), term)
        factors = self._factors(content, pseudo)
        out = total if not factors else _product(factors + [total])
        if abs(g) != 1:
            out = ast.BinOp(_number(abs(g)), ast.Mult(), out)
        if signed:
            return ast.UnaryOp(ast.USub(), out) if g < 0 else out
        return out, g < 0

    def _term(self, m: tuple, c: Fraction, pseudo: dict) -> ast.expr:
        factors = self._factors(m, pseudo)
        if c != 1 or not factors:
            factors.insert(0, _number(c))
        return _product(factors)

    def _factors(self, m: tuple, pseudo: dict) -> list[ast.expr]:
        out = []
        for a, e in m:
            atom = ast.Name(pseudo[a], ast.Load()) if a in pseudo else self.reading.atoms[a]
            out.append(_power(atom, e))
        return out


def add_poly(p: dict, q: dict) -> dict:
    out = dict(p)
    for m, c in q.items():
        out[m] = out.get(m, 0) + c
    return {m: c for m, c in out.items() if c}


def _rank(m: tuple) -> list[int]:
    """Terms written in the order their atoms were met; names of values last."""
    return [x for a, e in m for x in (a, -e)]


def _content(p: dict) -> Fraction:
    """The number the terms share, signed so that no more terms are negative than not
    (`p - y`, not `-(y - p)`)."""
    nums = [abs(c.numerator) for c in p.values()]
    dens = [c.denominator for c in p.values()]
    g = quotient(gcd(*nums), lcm(*dens))
    negative = sum(c < 0 for c in p.values())
    if 2 * negative > len(p):
        g = -g
    return g


def _product(items: list) -> ast.expr:
    out = items[0]
    for item in items[1:]:
        out = ast.BinOp(out, ast.Mult(), item)
    return out


def _power(node, e: int) -> ast.expr:
    return node if e == 1 else ast.BinOp(node, ast.Pow(), ast.Constant(e))


def _number(c: Fraction) -> ast.expr:
    if c.denominator == 1:
        return ast.Constant(int(c))
    if Fraction(float(c)) == c:
        return ast.Constant(float(c))
    return ast.BinOp(ast.Constant(c.numerator), ast.Div(), ast.Constant(c.denominator))
