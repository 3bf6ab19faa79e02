"""The library's derivative rules, one module a family, registered through
the same public `defvjp`/`defjvp` users have. Importing this package
registers them all; SciPy's are registered once the user's code has imported
the SciPy module they are for."""
from . import arithmetic, builtins, containers, einsum, linalg, numpy_more, products, signals, statistics, nondiff, reductions, runtime, shape, ufuncs  # noqa: F401
from . import decompositions, linalg_more, norms  # noqa: F401  (np.linalg, issue 11)
from . import arrays, fourier, moments  # noqa: F401  (issue 10)
from . import sequences  # noqa: F401  (sorted, math.fsum, statistics.mean)
from ..optional import rules_when_imported

for _module in ("special", "stats", "linalg", "signal"):
    rules_when_imported(f"scipy.{_module}", f"{__name__}.scipy_{_module}")
