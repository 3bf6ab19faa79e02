"""Rules for products. The ndim tests fold away when the argument kinds are
known, leaving one line; they stay in the code only where kinds are not known."""
import operator

import numpy as np

from .. import kinds
from ..registry import defvjp
from ... import runtime as rt


def _matmul_kind(k, s):
    x, y = k["x"], k["y"]
    out = kinds.broadcast(x, y)
    if x.ndim is None or y.ndim is None:
        return out.with_ndim(None)
    if x.ndim == 0 or y.ndim == 0:
        return out.with_ndim(max(x.ndim, y.ndim))
    if x.ndim == 1 or y.ndim == 1:
        return out.with_ndim(x.ndim + y.ndim - 2)
    return out.with_ndim(max(x.ndim, y.ndim))


def matmul_x(g, ans, x, y):
    return (g * y if np.ndim(x) == 1 and np.ndim(y) == 1 else
            np.outer(g, y) if np.ndim(x) == 2 and np.ndim(y) == 1 else
            y @ g if np.ndim(x) == 1 and np.ndim(y) == 2 else
            g @ np.transpose(y) if np.ndim(x) == 2 and np.ndim(y) == 2 else
            rt.matmul_adjoint(g, x, y, 0))


def matmul_y(g, ans, x, y):
    return (g * x if np.ndim(x) == 1 and np.ndim(y) == 1 else
            g @ x if np.ndim(x) == 2 and np.ndim(y) == 1 else
            np.outer(x, g) if np.ndim(x) == 1 and np.ndim(y) == 2 else
            np.transpose(x) @ g if np.ndim(x) == 2 and np.ndim(y) == 2 else
            rt.matmul_adjoint(g, x, y, 1))


defvjp(operator.matmul, matmul_x, matmul_y, kind=_matmul_kind)


defvjp(np.matmul, matmul_x, matmul_y, kind=_matmul_kind)


# np.dot is matmul up to 2 dimensions, and multiplication when a side is 0-d.
def dot_x(g, ans, x, y):
    return (rt.unbroadcast(g * y, x) if np.ndim(x) == 0 or np.ndim(y) == 0 else
            g * y if np.ndim(x) == 1 and np.ndim(y) == 1 else
            np.outer(g, y) if np.ndim(x) == 2 and np.ndim(y) == 1 else
            y @ g if np.ndim(x) == 1 and np.ndim(y) == 2 else
            g @ np.transpose(y) if np.ndim(x) == 2 and np.ndim(y) == 2 else
            rt.unsupported("np.dot of arrays with more than 2 dimensions; use np.matmul"))


def dot_y(g, ans, x, y):
    return (rt.unbroadcast(g * x, y) if np.ndim(x) == 0 or np.ndim(y) == 0 else
            g * x if np.ndim(x) == 1 and np.ndim(y) == 1 else
            g @ x if np.ndim(x) == 2 and np.ndim(y) == 1 else
            np.outer(x, g) if np.ndim(x) == 1 and np.ndim(y) == 2 else
            np.transpose(x) @ g if np.ndim(x) == 2 and np.ndim(y) == 2 else
            rt.unsupported("np.dot of arrays with more than 2 dimensions; use np.matmul"))


defvjp(np.dot, dot_x, dot_y, kind=_matmul_kind)
defvjp(np.outer,
       lambda g, ans, a, b: g @ np.ravel(b),
       lambda g, ans, a, b: np.ravel(a) @ g,
       kind=lambda k, s: kinds.broadcast(k["a"], k["b"]).with_ndim(2))
