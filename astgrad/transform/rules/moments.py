"""Rules for np.cov and np.corrcoef with respect to the observations (`m`/`x` and `y`).

Both are written with the helpers in `runtime/moments.py`, which the compiler reads
and differentiates at higher order. Weights are constants: a derivative with respect
to `fweights` or `aweights` is refused, and so are complex values.
"""
import numpy as np

from ..lattice import broadcast
from ..registry import defjvp, defvjp
from ... import runtime as rt

_WEIGHTS = "np.cov with respect to fweights or aweights; make the weights constants"


def _matrix_kind(k, s):
    """A 2-d matrix, or a number for one variable: the ndim is not known."""
    return broadcast(k["m"] if "m" in k else k["x"], floating=True).with_ndim(None)


defvjp(np.cov,
       lambda g, ans, m, y=None, rowvar=True, bias=False, ddof=None, fweights=None,
       aweights=None, *, dtype=None:
       rt.cov_adjoint(g, m, y, rowvar, bias, ddof, fweights, aweights, 0)
       if np.isrealobj(ans) else rt.unsupported("np.cov or np.corrcoef of complex values"),
       lambda g, ans, m, y=None, rowvar=True, bias=False, ddof=None, fweights=None,
       aweights=None, *, dtype=None:
       rt.cov_adjoint(g, m, y, rowvar, bias, ddof, fweights, aweights, 1)
       if np.isrealobj(ans) else rt.unsupported("np.cov or np.corrcoef of complex values"),
       None, None, None,
       lambda g, ans, m, y=None, rowvar=True, bias=False, ddof=None, fweights=None,
       aweights=None, *, dtype=None: rt.unsupported(_WEIGHTS),
       lambda g, ans, m, y=None, rowvar=True, bias=False, ddof=None, fweights=None,
       aweights=None, *, dtype=None: rt.unsupported(_WEIGHTS),
       kind=_matrix_kind)
defjvp(np.cov,
       lambda t, ans, m, y=None, rowvar=True, bias=False, ddof=None, fweights=None,
       aweights=None, *, dtype=None:
       rt.cov_tangent(t, m, y, rowvar, bias, ddof, fweights, aweights, 0)
       if np.isrealobj(ans) else rt.unsupported("np.cov or np.corrcoef of complex values"),
       lambda t, ans, m, y=None, rowvar=True, bias=False, ddof=None, fweights=None,
       aweights=None, *, dtype=None:
       rt.cov_tangent(t, m, y, rowvar, bias, ddof, fweights, aweights, 1)
       if np.isrealobj(ans) else rt.unsupported("np.cov or np.corrcoef of complex values"),
       None, None, None,
       lambda t, ans, m, y=None, rowvar=True, bias=False, ddof=None, fweights=None,
       aweights=None, *, dtype=None: rt.unsupported(_WEIGHTS),
       lambda t, ans, m, y=None, rowvar=True, bias=False, ddof=None, fweights=None,
       aweights=None, *, dtype=None: rt.unsupported(_WEIGHTS))

# (NumPy before 2.0 also takes the ignored `bias` and `ddof`, which the rules refuse)
defvjp(np.corrcoef,
       lambda g, ans, x, y=None, rowvar=True, *, dtype=None:
       rt.corrcoef_adjoint(g, x, y, rowvar, 0) if np.isrealobj(ans) else
       rt.unsupported("np.cov or np.corrcoef of complex values"),
       lambda g, ans, x, y=None, rowvar=True, *, dtype=None:
       rt.corrcoef_adjoint(g, x, y, rowvar, 1) if np.isrealobj(ans) else
       rt.unsupported("np.cov or np.corrcoef of complex values"),
       kind=_matrix_kind)
defjvp(np.corrcoef,
       lambda t, ans, x, y=None, rowvar=True, *, dtype=None:
       rt.corrcoef_tangent(t, x, y, rowvar, 0) if np.isrealobj(ans) else
       rt.unsupported("np.cov or np.corrcoef of complex values"),
       lambda t, ans, x, y=None, rowvar=True, *, dtype=None:
       rt.corrcoef_tangent(t, x, y, rowvar, 1) if np.isrealobj(ans) else
       rt.unsupported("np.cov or np.corrcoef of complex values"))
