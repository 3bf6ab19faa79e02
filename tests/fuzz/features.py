"""Which constructs a generated program may use: named feature flags, and the
levels that switch them on cumulatively."""
from __future__ import annotations

# Each feature is one family of constructs; the generator asks `"loops" in features`.
FEATURES = {
    "straight": "assignments, smooth NumPy ufuncs, broadcasting scalars/vectors/matrices, "
                "reductions with axis, indexing, slicing, fancy indexing",
    "inplace": "augmented assignment of floats and arrays, writes x[i] = ..., x[a:b] += ...",
    "branches": "if/elif/else, conditional expressions, and/or/not",
    "returns": "early returns from branches (outside loops)",
    "loops": "for over range/arrays/enumerate/zip, while, break/continue, nested loops",
    "calls": "helper functions calling each other with positional and keyword arguments",
    "lists": "lists built with append in loops, rebound each iteration, iterated later",
    "tuples": "tuple outputs (a tuple seed for vjp)",
    "nonsmooth": "abs, max/min, maximum/minimum, where, clip, masks (checked where smooth)",
    "views": "in-place writes into arrays that share memory with another name (x[1:], A.T, "
             "a row of a loop); in no level, add it with --features views",
    "language": "comprehensions, generator expressions, lambdas, loops over functions, "
                "return inside loops; in no level, add it with --features language",
    "tries": "try/except/else/finally, raising under a data condition, handlers assigning "
             "again what the body assigned; in no level, add it with --features tries",
}

LEVELS = (
    ("straight", frozenset({"straight", "inplace"})),
    ("branches", frozenset({"straight", "inplace", "branches", "returns"})),
    ("loops", frozenset({"straight", "inplace", "branches", "returns", "loops"})),
    ("calls", frozenset({"straight", "inplace", "branches", "returns", "loops", "calls"})),
    ("lists", frozenset({"straight", "inplace", "branches", "loops", "calls", "lists"})),
    ("mixed", frozenset(FEATURES) - {"nonsmooth", "views", "tries"}),
    ("nonsmooth", frozenset(FEATURES) - {"views", "tries"}),
)
LEVEL_NAMES = tuple(name for name, _ in LEVELS)


def features_of(level: int | str) -> frozenset:
    """The feature set of a level, given by index or name."""
    if isinstance(level, str):
        level = LEVEL_NAMES.index(level)
    return LEVELS[level][1]


def level_of_seed(seed: int) -> int:
    """The level a campaign gives program `seed` when no level is forced: round robin."""
    return seed % len(LEVELS)
