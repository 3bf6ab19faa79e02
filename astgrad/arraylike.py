"""Arrays of other libraries that follow NumPy's protocols (`__array_function__`
and `__array_ufunc__`), a dask array say: generated code is plain NumPy calls, which
hand the work to the array's own library, so the derivative comes back as its kind
of array (lazy, for dask). Where a NumPy function the generated code calls is one
the library cannot run, the error names the generated line and the user's line."""
from __future__ import annotations

from typing import Callable

import numpy as np

from .errors import AstgradError
from .transform.kinds import Kind, of_value
from .transform.lattice import sized


def is_array_like(v) -> bool:
    t = type(v)
    return (t is not np.ndarray and hasattr(t, "__array_function__")
            and hasattr(t, "__array_ufunc__") and hasattr(v, "dtype")
            and hasattr(v, "ndim") and hasattr(v, "shape"))


def kind_of(v) -> Kind:
    """`kinds.of_value` of an argument: of a NumPy array, also which axes have length 1
    (see `specialize`); such arrays too, by their ndim and dtype."""
    kind = of_value(v)
    if isinstance(v, np.ndarray):
        return sized(kind, v.shape)
    if kind.dtype == "O" and is_array_like(v):
        dtype = np.dtype(v.dtype)
        return Kind(v.ndim, dtype.kind, False, dtype.itemsize)
    return kind


def running(gen, values) -> Callable:
    """`gen`'s function, its errors on such arrays told as the line that failed."""
    fn, names = gen.fn, sorted({f"{type(v).__module__}.{type(v).__name__}"
                                for v in values if is_array_like(v)})

    def run(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (TypeError, ValueError, NotImplementedError) as exc:
            raise _cannot_run(exc, gen, " and ".join(names)) from exc
    run.__wrapped__ = fn
    return run


def _cannot_run(exc: Exception, gen, names: str) -> AstgradError:
    tb, line = exc.__traceback__, None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == gen.filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    if line is None:
        return AstgradError(f"the derivative cannot run on {names}: {exc}")
    lines = gen.source.splitlines()
    origin = next((text.strip()[2:] for text in reversed(lines[:line - 1])
                   if text.strip().startswith("# line ")), "")
    return AstgradError(
        f"`{lines[line - 1].strip()}` (the code generated for {origin}) cannot run on "
        f"{names}: {exc}", where=f"{gen.filename}:{line}",
        fix=f"Pass NumPy arrays (for dask, `.compute()` them first), or write the line "
            f"with functions {names.split('.')[0]} runs.")
