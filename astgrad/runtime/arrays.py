"""Run-time helpers for issue 10's rules of np.pad's copying modes, np.block and
np.meshgrid (`transform/rules/arrays.py`): each is linear in its first argument and
its transpose is the NumPy function it undoes, or another helper here."""
from __future__ import annotations

import numpy as np

__all__ = ["unpad_copies"]


def unpad_copies(g, a, pad_width, mode):
    """The adjoint of `a` in `np.pad(a, pad_width, mode)` for a mode that copies entries
    ('edge', 'reflect', 'symmetric', 'wrap'): each entry's adjoint is the seed summed
    over its copies, found by padding the entries' own indices in the same mode."""
    source = np.pad(np.reshape(np.arange(np.size(a)), np.shape(a)), pad_width, mode)
    out = np.zeros(np.size(a), np.asarray(g).dtype)
    np.add.at(out, np.ravel(source), np.ravel(g))
    return np.reshape(out, np.shape(a))
