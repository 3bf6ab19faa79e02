"""The library's derivative rules, one module a family, registered through
the same public `defvjp`/`defjvp` users have. Importing this package
registers them all."""
from . import arithmetic, containers, einsum, linalg, nondiff, reductions, runtime, shape, ufuncs  # noqa: F401
