"""Functions whose outputs carry no derivative: sizes, shapes, comparisons,
integer results and constants. Their values flow through generated code as
constants."""
import builtins
import logging

import numpy as np

from ..lattice import OPAQUE, UNKNOWN, Kind, shape_of
from ..registry import defnondiff, defnondiff_methods

_INT = Kind(0, "i", True)
_BOOL = Kind(0, "b", False)

# ---- sizes and shapes ----------------------------------------------------------------
defnondiff(np.shape, kind=lambda k, s: shape_of(k.get(0, UNKNOWN)))
defnondiff(np.ndim, np.size, builtins.len, builtins.int, kind=lambda k, s: _INT)
defnondiff(builtins.range, builtins.print, builtins.isinstance, builtins.bool,
           builtins.enumerate, builtins.zip, builtins.reversed, kind=lambda k, s: OPAQUE)

# ---- logging: a message about the values, not a value ------------------------------------
defnondiff_methods(logging.Logger, logging.LoggerAdapter, kind=lambda k, s: OPAQUE)
defnondiff(logging.debug, logging.info, logging.warning, logging.error, logging.critical,
           logging.exception, logging.log, kind=lambda k, s: OPAQUE)

# ---- piecewise-constant functions: zero slope wherever they have one ----------------------
defnondiff(np.sign, np.floor, np.ceil, np.round, np.around, np.rint, np.trunc, np.fix,
           np.floor_divide, np.heaviside, np.signbit, builtins.round)

# ---- tests and comparisons --------------------------------------------------------------
defnondiff(np.isnan, np.isinf, np.isfinite, np.isposinf, np.isneginf, np.isreal,
           np.iscomplex, np.greater, np.greater_equal, np.less, np.less_equal, np.equal,
           np.not_equal, np.logical_and, np.logical_or, np.logical_not, np.logical_xor,
           np.isclose, np.any, np.all)
defnondiff(np.allclose, np.array_equal, np.isscalar, kind=lambda k, s: _BOOL)
# (np.piecewise of lambdas is written with it: piecewise.py)
defnondiff(np.result_type, kind=lambda k, s: OPAQUE)

# ---- indices and counts --------------------------------------------------------------------
defnondiff(np.argmax, np.argmin, np.argsort, np.argpartition, np.nonzero, np.argwhere,
           np.flatnonzero, np.searchsorted, np.digitize, np.count_nonzero, np.unravel_index,
           np.ravel_multi_index, np.diag_indices, np.tril_indices, np.triu_indices, np.indices)

# ---- constants --------------------------------------------------------------------------
# (np.arange and np.linspace have rules in shape.py: their ends may carry a gradient)
defnondiff(np.zeros_like, np.ones_like, np.empty_like, np.zeros, np.ones, np.empty,
           np.eye, np.identity, np.tri)
