"""Run-time helpers for the NumPy rules whose adjoints plain NumPy cannot say in one line.

Most are the transpose of a function that only picks elements (`np.take`,
`np.repeat`, `np.diagonal`, ...): each picked element's adjoint is added back
where it came from. Those are linear, and their own rules (in
`transform/rules/runtime.py`) are the picking functions again.
"""
from __future__ import annotations

import string

import numpy as np

from ..errors import NoRuleError
from .located import where_called

__all__ = ["untake", "untake_along_axis", "undiagonal", "unrepeat", "untile", "unpad",
           "undiff", "unstack_like", "restack_like", "einsum_adjoints", "tensordot_adjoint",
           "kron_adjoint", "singular_outer", "einsum_tangent"]


# ---- transposes of functions that pick elements ----------------------------------------
def _ungather(g, shape, gather):
    """The adjoint of `gather(x)` for `x` of `shape`, when `gather` only picks elements
    of `x`: each element of `g` is added to the element it was picked from."""
    size = int(np.prod(shape, dtype=np.int64))
    source = np.ravel(gather(np.arange(size).reshape(shape)))
    g = np.asarray(g)
    if g.dtype.kind == "c":        # bincount weighs with real numbers: each part on its own
        return _ungather(g.real, shape, gather) + 1j * _ungather(g.imag, shape, gather)
    out = np.bincount(source, weights=np.ravel(g), minlength=size)
    return out.astype(g.dtype if g.dtype.kind == "f" else np.float64, copy=False).reshape(shape)


def untake(g, a, indices, axis=None, mode="raise"):
    """The adjoint of `np.take(a, indices, axis, mode=mode)`."""
    return _ungather(g, np.shape(a), lambda i: np.take(i, indices, axis, mode=mode))


def untake_along_axis(g, arr, indices, axis=-1):
    """The adjoint of `np.take_along_axis(arr, indices, axis)`."""
    return _ungather(g, np.shape(arr), lambda i: np.take_along_axis(i, indices, axis))


def undiagonal(g, a, offset=0, axis1=0, axis2=1):
    """The adjoint of `np.diagonal(a, offset, axis1, axis2)`: `g` on that diagonal."""
    return _ungather(g, np.shape(a), lambda i: np.diagonal(i, offset, axis1, axis2))


def unrepeat(g, a, repeats, axis=None):
    """The adjoint of `np.repeat(a, repeats, axis)`: the copies summed."""
    return _ungather(g, np.shape(a), lambda i: np.repeat(i, repeats, axis))


def untile(g, a, reps):
    """The adjoint of `np.tile(a, reps)`: the tiles summed."""
    return _ungather(g, np.shape(a), lambda i: np.tile(i, reps))


def unpad(g, pad_width):
    """The adjoint of `np.pad(a, pad_width)` (constant mode): the padding cut off."""
    g = np.asarray(g)
    widths = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (g.ndim, 2))
    return g[tuple(slice(lo, n - hi) for (lo, hi), n in zip(widths, g.shape))]


def undiff(g, a, n=1, axis=-1):
    """The adjoint of `np.diff(a, n, axis)`: n times, minus the difference of `g` padded
    with a zero at each end."""
    for _ in range(n):
        g = -np.diff(g, 1, axis, prepend=0.0, append=0.0)
    return g


# ---- lists of arrays ---------------------------------------------------------------------
_STACKS = {"vstack": (np.atleast_2d, 0), "dstack": (np.atleast_3d, 2),
           "column_stack": (lambda x: np.reshape(x, (-1, 1)) if np.ndim(x) < 2 else x, 1)}


def _stacking(arrays, how):
    """How `np.<how>(arrays)` stacks: each array's shape there, and the axis."""
    if how == "hstack":
        promote = np.atleast_1d
        axis = 0 if np.ndim(promote(arrays[0])) == 1 else 1
    else:
        promote, axis = _STACKS[how]
    return [np.shape(promote(x)) for x in arrays], axis


def unstack_like(g, arrays, how):
    """The adjoint of `np.vstack(arrays)` (or `hstack`, `dstack`, `column_stack`): `g`
    cut into one piece per array, each in its array's shape."""
    shapes, axis = _stacking(arrays, how)
    parts = np.split(g, np.cumsum([s[axis] for s in shapes])[:-1], axis)
    return [np.reshape(p, np.shape(x)) for p, x in zip(parts, arrays)]


def restack_like(parts, arrays, how):
    """The adjoint of `unstack_like`: the pieces' adjoints stacked back as `np.<how>`
    stacks `arrays` (a piece that is still the scalar zero fills with zeros)."""
    shapes, axis = _stacking(arrays, how)
    return np.concatenate([np.reshape(np.broadcast_to(p, np.shape(x)), s)
                           for p, x, s in zip(parts, arrays, shapes)], axis)


# ---- products with index bookkeeping ------------------------------------------------------
def einsum_adjoints(g, subscripts, operands):
    """The adjoints of every operand of `np.einsum(subscripts, *operands)`.

    Each is an einsum of `g` with the other operands. An index summed within one
    operand alone is brought back with ones; a repeated index (a diagonal) with an
    identity matrix."""
    if not isinstance(subscripts, str) or "." in subscripts:
        raise NoRuleError("astgrad differentiates np.einsum with explicit letter subscripts "
                          "only (no '...', no interleaved operand lists).", where_called(2),
                          fix="Write the subscripts as a string of letters: "
                              "np.einsum('ij,jk->ik', a, b).")
    inputs, arrow, output = subscripts.replace(" ", "").partition("->")
    if not arrow:
        letters = inputs.replace(",", "")
        output = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    subs = inputs.split(",")
    spare = iter(c for c in string.ascii_letters if c not in subscripts)
    adjoints = []
    for i, (sub, x) in enumerate(zip(subs, operands)):
        terms = [(output, g)] + [(s, op) for j, (s, op) in enumerate(zip(subs, operands))
                                 if j != i]
        seen = set("".join(s for s, _ in terms))
        target = ""
        for axis, c in enumerate(sub):
            if c in target:
                new = next(spare)
                terms.append((c + new, np.eye(np.shape(x)[axis])))
                c = new
            elif c not in seen:
                terms.append((c, np.ones(np.shape(x)[axis])))
                seen.add(c)
            target += c
        spec = ",".join(s for s, _ in terms) + "->" + target
        adjoints.append(np.einsum(spec, *(t for _, t in terms)))
    return adjoints


def tensordot_adjoint(g, a, b, axes, argnum):
    """The adjoint of `np.tensordot(a, b, axes)` with respect to `a` (0) or `b` (1)."""
    na, nb = np.ndim(a), np.ndim(b)
    if np.ndim(axes) == 0:
        ia, ib = list(range(na - axes, na)), list(range(axes))
    else:
        ia, ib = ([int(k) % n for k in np.atleast_1d(ax)] for ax, n in zip(axes, (na, nb)))
    free_a = [k for k in range(na) if k not in ia]
    free_b = [k for k in range(nb) if k not in ib]
    lead = len(free_a)
    if argnum == 0:
        out = np.tensordot(g, b, (list(range(lead, np.ndim(g))), free_b))
        return np.transpose(out, np.argsort(free_a + [ia[ib.index(k)] for k in sorted(ib)]))
    out = np.tensordot(a, g, (free_a, list(range(lead))))
    return np.transpose(out, np.argsort([ib[ia.index(k)] for k in sorted(ia)] + free_b))


def kron_adjoint(g, a, b, argnum):
    """The adjoint of `np.kron(a, b)` with respect to `a` (0) or `b` (1)."""
    nd = max(np.ndim(a), np.ndim(b))
    sa = (1,) * (nd - np.ndim(a)) + np.shape(a)
    sb = (1,) * (nd - np.ndim(b)) + np.shape(b)
    blocks = np.reshape(g, [n for pair in zip(sa, sb) for n in pair])
    if argnum == 0:
        other = np.reshape(b, [n for m in sb for n in (1, m)])
        return np.reshape(np.sum(blocks * other, axis=tuple(range(1, 2 * nd, 2))), np.shape(a))
    other = np.reshape(a, [n for m in sa for n in (m, 1)])
    return np.reshape(np.sum(blocks * other, axis=tuple(range(0, 2 * nd, 2))), np.shape(b))


def singular_outer(x, which):
    """`u v^T` for the largest (`which=0`) or smallest (`-1`) singular pair of matrix
    `x`, or `U V^T` over all pairs (`which="nuc"`): the gradients of matrix norms."""
    u, _, vt = np.linalg.svd(x, full_matrices=False)
    if which == "nuc":
        return u @ vt
    return np.outer(u[:, which], vt[which])


def einsum_tangent(tangents, subscripts, operands):
    """The tangent of `np.einsum(subscripts, *operands)`: it is linear in each operand,
    so the sum over operands of the einsum with that operand's tangent in its place."""
    if not isinstance(subscripts, str):
        raise NoRuleError("astgrad differentiates np.einsum with string subscripts only "
                          "(no interleaved operand lists).", where_called(2),
                          fix="Write the subscripts as a string of letters: "
                              "np.einsum('ij,jk->ik', a, b).")
    total = 0.0
    for i, t in enumerate(tangents):
        if isinstance(t, float) and t == 0.0:
            continue            # an operand that does not vary
        total = total + np.einsum(subscripts, *operands[:i], t, *operands[i + 1:])
    return total
