"""Rules for builtins over a sequence of values: `sorted` (a permutation: the derivative
follows each value to its place), `math.fsum` (a sum) and `statistics.mean` and
`fmean` (a sum over a count).

These run as the user wrote them, so the value is theirs to the last bit (`fsum` and
`mean` round once, where a running sum rounds at every step)."""
import builtins
import math
import statistics

from ...errors import UnsupportedSyntaxError
from ..lattice import OPAQUE, UNKNOWN, Kind, sequence_of
from ..registry import defjvp, deflinear, defnondiff, defvjp
from ... import runtime as rt


def _items(kind: Kind) -> Kind:
    """A list of what iterating over a value of `kind` gives: its items, or an array's
    rows."""
    if kind.dtype == "O":
        return sequence_of([kind.item or UNKNOWN])
    if kind.ndim:
        return sequence_of([kind.with_ndim(kind.ndim - 1)])
    return OPAQUE


def _sorted_items(k, s) -> Kind:
    """`sorted`'s kind; of an array of 2 or more dimensions it would compare rows, which
    Python cannot (it raises), so that is refused when the transform sees it."""
    if k["iterable"].dtype != "O" and (k["iterable"].ndim or 0) >= 2:
        raise UnsupportedSyntaxError(
            f"`sorted` of a {k['iterable'].ndim}-d array (also `y.sort()`, written as "
            f"`y[:] = sorted(y)`) compares whole rows, which Python refuses",
            fix="Sort along an axis with NumPy: `y[...] = np.sort(y, axis=-1)` (in place, "
                "as `y.sort()` sorts), or `y = np.sort(y, axis=-1)`.")
    return _items(k["iterable"])


def _number(kind: Kind) -> Kind:
    item = kind.item if kind.dtype == "O" else kind.with_ndim(None) if kind.ndim else None
    return Kind(0, "f", True) if item is not None and item.ndim == 0 and item.py \
        else Kind(0, "f", None)


# ---- sorted: a permutation of the items, ties kept in their order ---------------------------
defvjp(builtins.sorted,
       lambda g, ans, iterable, key=None, reverse=False: rt.unsort(g, iterable, key, reverse),
       None, None, kind=_sorted_items)
defjvp(builtins.sorted,
       lambda t, ans, iterable, key=None, reverse=False:
           rt.permuted(t, iterable, key, reverse))
defvjp(rt.unsort, lambda b, ans, g, xs, key=None, reverse=False: rt.permuted(b, xs, key, reverse),
       None, None, None, kind=lambda k, s: k["xs"])
deflinear(rt.unsort, "g")
defvjp(rt.permuted, lambda b, ans, t, xs, key=None, reverse=False: rt.unsort(b, xs, key, reverse),
       None, None, None, kind=lambda k, s: _items(k["xs"]))
deflinear(rt.permuted, "t")
defnondiff(rt.sort_order, kind=lambda k, s: OPAQUE)

# ---- sums and means of a sequence -----------------------------------------------------------
defvjp(math.fsum, lambda g, ans, seq: rt.sum_adjoint(g, seq), kind=lambda k, s: Kind(0, "f", True))
defjvp(math.fsum, lambda t, ans, seq: math.fsum(t))
defvjp(statistics.mean, lambda g, ans, data: rt.sum_adjoint(g / len(data), data),
       name="statistics.mean", kind=lambda k, s: _number(k["data"]))
deflinear(statistics.mean, "data")
defvjp(statistics.fmean, lambda g, ans, data: rt.sum_adjoint(g / len(data), data),
       name="statistics.fmean", kind=lambda k, s: Kind(0, "f", True))
deflinear(statistics.fmean, "data")
