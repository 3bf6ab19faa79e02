"""Inputs by argument name, so every corpus function gets fitting values.

a, b, c: floats; s: a positive float; x, y: vectors of 4; p: a positive
vector of 4; A: a 3x4 matrix; B: a 4x3 matrix; M: a 4x4 matrix; C: a 3x1
column; u: a 0-d array; n: an int; H: a 4x4 recurrent matrix; V: 4x3 input
weights; X: a sequence of 50 steps of 3; S: a short sequence of 5 steps;
idx: integer indices with repeats; mask: a boolean mask for a vector of 4.
None is zero, one, an identity or a tie.
"""
import zlib

import numpy as np
import pytest

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
        "n": 3,
        "H": r.uniform(-0.5, 0.5, (4, 4)),
        "V": r.uniform(-1, 1, (4, 3)),
        "X": r.uniform(-1, 1, (50, 3)),
        "S": r.uniform(-1, 1, (5, 3)),
        "idx": np.array([0, 2, 2, 1, 3, 2]),
        "mask": np.array([True, False, True, True]),
    }


VALUES = _make()


@pytest.fixture(autouse=True)
def _draws_of_its_own(request):
    """A test module's shared `RNG` restarts for each test from the test's name.

    xdist deals tests out to its workers differently from run to run: a generator shared by a
    module otherwise gives a test the draws left by whichever tests its worker ran before.
    """
    module = request.module
    if isinstance(getattr(module, "RNG", None), np.random.Generator):
        module.RNG = np.random.default_rng(zlib.crc32(request.node.nodeid.encode()))


def args_for(fn):
    import inspect
    return tuple(np.copy(VALUES[p]) if isinstance(VALUES[p], np.ndarray) else VALUES[p]
                 for p in inspect.signature(fn).parameters)
