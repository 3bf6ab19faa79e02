"""Functions whose outputs carry no derivative: sizes, shapes, comparisons,
integer results and constants. Their values flow through generated code as
constants."""
import builtins

import numpy as np

from ..kinds import OPAQUE, Kind
from ..registry import defnondiff

_INT = Kind(0, "i", True)

defnondiff(np.shape, kind=lambda k, s: OPAQUE)
defnondiff(np.ndim, np.size, builtins.len, builtins.int, kind=lambda k, s: _INT)
defnondiff(builtins.range, builtins.print, builtins.isinstance, builtins.bool,
           builtins.enumerate, builtins.zip, builtins.reversed, kind=lambda k, s: OPAQUE)
defnondiff(np.sign, np.floor, np.ceil, np.round, np.rint, np.trunc,
           np.isnan, np.isinf, np.isfinite, np.argmax, np.argmin, np.argsort,
           np.any, np.all, np.nonzero, np.zeros_like, np.ones_like, np.zeros, np.ones,
           np.empty_like, np.arange, np.linspace, np.eye, np.identity)
