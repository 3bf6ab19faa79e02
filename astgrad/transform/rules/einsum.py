"""np.einsum: each operand's adjoint and the output's tangent are einsums again.

Where the subscripts are written in the call (letters with `...`, implicit output,
or the operand-list form with lists of ints), the rules are unrolled when the call
is compiled into one `np.einsum` per operand, with the subscripts worked out:

    z = np.einsum('ij,jk->ik', a, b)     ba = rt.fit(np.einsum('ik,jk->ij', bz, b), a)
                                          bb = rt.fit(np.einsum('ik,ij->jk', bz, a), b)

so differentiating the generated code again needs only this rule. An index summed
within one operand alone comes back with ones, a repeated index (a diagonal) with
an identity matrix, and axes broadcast between operands (`...`, or NumPy's length-1
axes) are summed back.
Subscripts known only at run time go through the runtime helpers (first order).
"""
import ast
import copy
import string

import numpy as np

from .. import lattice
from ..registry import defjvp, deflinear, defvjp, lookup
from ... import runtime as rt

_LETTERS = string.ascii_uppercase + string.ascii_lowercase   # NumPy's order for ints
_ELL = "."                                                 # `...`, one character here


# ---- the subscripts, when the call spells them out ------------------------------------------
def _sublist(node) -> str | None:
    """`[0, 1, Ellipsis]` as letters ('AB.'), or None if it is not a written-out list."""
    if not isinstance(node, (ast.List, ast.Tuple)):
        return None
    out = ""
    for e in node.elts:
        value = e.value if isinstance(e, ast.Constant) else \
            Ellipsis if isinstance(e, ast.Name) and e.id == "Ellipsis" else None
        if value is Ellipsis:
            out += _ELL
        elif isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 52:
            out += _LETTERS[value]
        else:
            return None
    return out


def _implicit(subs: list[str]) -> str:
    """NumPy's output when none is given: `...`, then the letters seen once, in order."""
    letters = "".join(subs).replace(_ELL, "")
    once = sorted(c for c in set(letters) if letters.count(c) == 1)
    return (_ELL if any(_ELL in s for s in subs) else "") + "".join(once)


def parse(subscripts, operands) -> tuple[list[str], str, list] | None:
    """(one subscript per operand, the output's, the operand nodes) for a call whose
    subscripts are written in it; `...` is one character, `.`. None otherwise."""
    if isinstance(subscripts, ast.Constant) and isinstance(subscripts.value, str):
        text = subscripts.value.replace(" ", "").replace("...", _ELL)
        inputs, arrow, out = text.partition("->")
        subs = inputs.split(",")
        if len(subs) != len(operands) or any(c not in _LETTERS + _ELL for c in text
                                             if c not in ",->"):
            return None
        return subs, out if arrow else _implicit(subs), list(operands)
    items = [subscripts] + list(operands)
    ops, subs = items[0:len(items) - len(items) % 2:2], \
        [_sublist(n) for n in items[1:len(items) - len(items) % 2:2]]
    out = _sublist(items[-1]) if len(items) % 2 else _implicit(subs) \
        if None not in subs else None
    if None in subs or out is None:
        return None
    return subs, out, ops


def _text(subs, out) -> str:
    return (",".join(subs) + "->" + out).replace(_ELL, "...")


# ---- the generated expressions ------------------------------------------------------------------
def _call(ns, fn, *args, **keywords) -> ast.Call:
    """`fn(*args, **keywords)`, each node a copy (a node is in one place of a tree)."""
    return ast.Call(ns.ref(fn), [copy.deepcopy(a) for a in args],
                    [ast.keyword(k, copy.deepcopy(v)) for k, v in keywords.items()])


def _einsum(ns, subs, out, args, optimize) -> ast.expr:
    keywords = {} if optimize is None or isinstance(optimize, ast.Constant) \
        and optimize.value is False else {"optimize": optimize}
    return _call(ns, np.einsum, ast.Constant(_text(subs, out)), *args, **keywords)


def _length(ns, x, axis) -> ast.expr:
    shape = _call(ns, np.shape, x)
    return ast.Subscript(shape, ast.Constant(axis) if axis >= 0 else
                         ast.UnaryOp(ast.USub(), ast.Constant(-axis)), ast.Load())


def adjoint(ns, i, subs, out, ops, g, optimize) -> ast.expr:
    """The adjoint of operand `i`: `g` contracted with the other operands. A letter of
    that operand's found nowhere else comes back with ones (of its length and dtype),
    a letter repeated in it with an identity matrix."""
    sub, x = subs[i], ops[i]
    terms = [(out, g)] + [(s, op) for j, (s, op) in enumerate(zip(subs, ops)) if j != i]
    seen = set("".join(s for s, _ in terms))
    spare = (c for c in _LETTERS if c not in "".join(subs) + out)
    target, dots = "", sub.find(_ELL)
    for axis, c in enumerate(sub):
        n = _length(ns, x, axis if dots < 0 or axis < dots else axis - len(sub))
        if c == _ELL:
            target += c
        elif c in target:                 # a diagonal: the identity puts it back
            new = next(spare)
            dtype = ast.Attribute(copy.deepcopy(x), "dtype", ast.Load())
            terms.append((c + new, _call(ns, np.eye, n, dtype=dtype)))
            target += new
        else:
            if c not in seen and sub.count(c) == 1:     # summed in this operand alone
                terms.append((c, _call(ns, np.ones_like, x, shape=n)))
            seen.add(c)
            target += c
    if len(terms) == 1 and terms[0][0] == target:
        return g
    broadcast = dots >= 0 and any(_ELL in s for j, s in enumerate(subs) if j != i)
    if dots < 0 and any(_ELL in s for s, _ in terms):
        # `...` in the others but not here: its dimensions are summed away
        whole = _einsum(ns, [s for s, _ in terms], _ELL + target, [t for _, t in terms],
                        optimize)
        return _call(ns, rt.fit, whole, x)
    if not broadcast:
        whole = _einsum(ns, [s for s, _ in terms], target, [t for _, t in terms], optimize)
        # NumPy broadcasts a length-1 axis of one operand against the others': summed back
        return whole if len(ops) == 1 else _call(ns, rt.fit, whole, x)
    # `...` broadcast between operands: summed back to this operand's, with the letters
    # before `...` moved behind it while it is
    front = target[:dots]
    moved = target[dots:dots + 1] + front + target[dots + 1:]
    whole = _einsum(ns, [s for s, _ in terms], moved, [t for _, t in terms], optimize)
    if not front:
        return _call(ns, rt.fit, whole, x)
    back = len(target) - dots - 1
    src = ast.Tuple([ast.Constant(k) for k in range(len(front))], ast.Load())
    dst = ast.Tuple([ast.Constant(k - len(front) - back) for k in range(len(front))],
                    ast.Load())
    like = _call(ns, np.moveaxis, x, src, dst)
    return _call(ns, np.moveaxis, _call(ns, rt.fit, whole, like), dst, src)


def _zero(node, ns) -> bool:
    """Is this the tangent of an operand that does not vary (a zero the forward pass
    wrote for it, or a list of ints' zeros)?"""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, (ast.List, ast.Tuple)):
        return all(_zero(e, ns) for e in node.elts)
    return isinstance(node, ast.Call) and ns.value(node.func) in (np.zeros_like, rt.zeros_like)


# ---- the rules: unrolled when the subscripts are known, else the runtime helpers --------------
class _Unrolled:
    """A rule of `np.einsum` for one parameter (`subscripts`, which is the first operand
    in the operand-list form, or `operands`): emits one einsum per operand."""

    def __init__(self, fallback, slot: int, role: str):
        self.fallback, self.slot, self.role = fallback, slot, role

    def __getattr__(self, name):
        return getattr(self.fallback, name)

    def emit(self, seed, ans, args, ns, where):
        operands = args.get("operands")
        elts = operands.elts if isinstance(operands, (ast.Tuple, ast.List)) else None
        parsed = parse(args["subscripts"], elts) if elts is not None else None
        if parsed is None or any(isinstance(e, ast.Starred) for e in elts):
            return self.fallback.emit(seed, ans, args, ns, where)
        subs, out, ops = parsed
        optimize = args.get("optimize")
        if self.role == "vjp":
            if self.slot == 0:
                return adjoint(ns, 0, subs, out, ops, seed, optimize)
            # one adjoint per element of `operands` (the lists of ints get none)
            return ast.List([ast.Constant(None) if k is None else
                             adjoint(ns, k, subs, out, ops, seed, optimize)
                             for k in (_position(ops, e) for e in elts)], ast.Load())
        tangents = [seed] if self.slot == 0 else seed.elts
        nodes = [args["subscripts"]] if self.slot == 0 else elts
        total = None
        for t, node in zip(tangents, nodes):
            k = _position(ops, node)
            if k is None or self.slot != 0 and _zero(t, ns):
                continue
            term = _einsum(ns, subs, out, ops[:k] + [t] + ops[k + 1:], optimize)
            total = term if total is None else ast.BinOp(total, ast.Add(), term)
        return total if total is not None else ast.Constant(0.0)


def _position(ops, node):
    return next((k for k, op in enumerate(ops) if op is node), None)


def _einsum_kind(k, s):
    text = s.get("subscripts")
    items = [v for name, v in k.items() if name != "subscripts"]
    dtype = lattice.broadcast(*(v.item or v for v in items), floating=True) \
        if items else lattice.UNKNOWN
    if isinstance(text, str) and "." not in text:
        inputs, arrow, out = text.replace(" ", "").partition("->")
        return dtype.with_ndim(len(out if arrow else _implicit(inputs.split(","))))
    return dtype.with_ndim(None)


defvjp(np.einsum,
       lambda g, ans, subscripts, *operands, optimize=False:
       rt.unsupported("np.einsum in the operand-list form with lists not written out"),
       lambda g, ans, subscripts, *operands, optimize=False:
       rt.einsum_adjoints(g, subscripts, operands),
       kind=_einsum_kind)
defjvp(np.einsum,
       lambda t, ans, subscripts, *operands, optimize=False:
       rt.unsupported("np.einsum in the operand-list form with lists not written out"),
       lambda t, ans, subscripts, *operands, optimize=False:
       rt.einsum_tangent(t, subscripts, operands))
_prim = lookup(np.einsum)
_prim.vjps = tuple(_Unrolled(t, i, "vjp") for i, t in enumerate(_prim.vjps))
_prim.jvps = tuple(_Unrolled(t, i, "jvp") for i, t in enumerate(_prim.jvps))

defvjp(rt.fit, lambda b, ans, g, x: rt.fit(b, g), None,
       kind=lambda k, s: k["g"].with_ndim(k["x"].ndim))
deflinear(rt.fit, "g")

# the runtime helpers, for subscripts known only at run time: first derivatives only
_DYNAMIC = ("second derivatives of np.einsum whose subscripts are not written in the call; "
            "write them there: np.einsum('ij,jk->ik', a, b)")
defvjp(rt.einsum_adjoints, lambda b, ans, g, subscripts, operands: rt.unsupported(_DYNAMIC),
       None, lambda b, ans, g, subscripts, operands: rt.unsupported(_DYNAMIC))
defjvp(rt.einsum_adjoints, lambda t, ans, g, subscripts, operands: rt.unsupported(_DYNAMIC),
       None, lambda t, ans, g, subscripts, operands: rt.unsupported(_DYNAMIC))
# (linear in the tangents, whose transpose is the adjoints)
defvjp(rt.einsum_tangent,
       lambda b, ans, tangents, subscripts, operands: rt.einsum_adjoints(b, subscripts, operands),
       None, lambda b, ans, tangents, subscripts, operands: rt.unsupported(_DYNAMIC))
defjvp(rt.einsum_tangent, None, None,
       lambda t, ans, tangents, subscripts, operands: rt.unsupported(_DYNAMIC))
