"""Inputs by argument name, so every corpus function gets fitting values.

a, b, c: floats; s: a positive float; x, y: vectors of 4; p: a positive
vector of 4; A: a 3x4 matrix; B: a 4x3 matrix; M: a 4x4 matrix; C: a 3x1
column; u: a 0-d array. None is zero, one, an identity or a tie.
"""
import numpy as np

_rng = np.random.default_rng(20261121)


def _make():
    r = np.random.default_rng(7)
    return {
        "a": 0.7, "b": -1.3, "c": 1.9, "s": 1.6,
        "x": r.uniform(-1.5, 1.5, 4) + 0.05,
        "y": r.uniform(-1.5, 1.5, 4) - 0.05,
        "p": r.uniform(0.5, 2.0, 4),
        "A": r.uniform(-1, 1, (3, 4)),
        "B": r.uniform(-1, 1, (4, 3)),
        "M": r.uniform(-1, 1, (4, 4)) + 0.3,
        "C": r.uniform(-1, 1, (3, 1)),
        "u": np.array(0.8),
    }


VALUES = _make()


def args_for(fn):
    import inspect
    return tuple(np.copy(VALUES[p]) if isinstance(VALUES[p], np.ndarray) else VALUES[p]
                 for p in inspect.signature(fn).parameters)
