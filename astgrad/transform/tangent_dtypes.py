"""Part of pass 5a, forward: an output's tangent in the output's dtype on NumPy 1.x, and
a record output's (a namedtuple or dataclass instance) as one of its class.

NumPy before 2.0 (NEP 50) promotes by value (`np.float32(1.0) * 2.0` is float64, a float32
array times a float64 scalar float32), not as the kinds do. From 2.0 a Python float is weak
but a NumPy float64 scalar is not, and a rule may make one of a Python float that the
function itself only passed to a ufunc with a float32 array (`special.gammaln(a)` in the
tangent of `special.gammainc(a, x)`: SciPy 1.18 gives float32 for the value, the tangent
would be float64). So a function given float32 casts its outputs' tangents to the outputs'
dtypes, as a gradient is cast to its argument's.
"""
from __future__ import annotations

import ast

import numpy as np

from .build import call, load, parameters
from .kinds import UNKNOWN
from .records import names_of

_VALUE_BASED = np.lib.NumpyVersion(np.__version__) < "2.0.0"


def narrowed_output(sweep, tangent: ast.expr, out: ast.expr) -> ast.expr:
    """`tangent`, the tangent of the output `out` in the forward sweep `sweep`, cast to
    `out`'s dtype where NumPy may give another (a float array output that varies, of a
    function given float32); of a record, a record of its class (`rt.tree_like`)."""
    kinds = sweep.kinds
    kind = kinds.get(out.id, UNKNOWN) if isinstance(out, ast.Name) else UNKNOWN
    if names_of(kind) is not None and sweep.varies(out):   # a list inside: the class outside
        return call(sweep.ns, "rt.tree_like", [tangent, load(out.id)])
    if not (kind.dtype == "f" and kind.py is False and kind.ndim is not None
            and sweep.varies(out)
            and any(kinds.get(p, UNKNOWN).narrow for p in parameters(sweep.tree))):
        return tangent
    dtype = ast.Attribute(load(out.id), "dtype", ast.Load())
    if kind.ndim == 0 and not _VALUE_BASED:      # a NumPy scalar stays one
        return ast.Call(ast.Attribute(dtype, "type", ast.Load()), [tangent], [])
    return call(sweep.ns, "np.asarray", [tangent, dtype])
