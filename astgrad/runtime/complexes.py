"""Complex numbers at run time: where the kinds did not tell, when the code was
made, whether a value is real."""
from __future__ import annotations

import numpy as np


def real_if_real(a, like):
    """`a`, the adjoint sent to the value `like`, or its real part where `like` is real:
    the adjoint of a real value is real (see docs/complex.md). Containers (whose items
    are seen to one by one) pass as they are."""
    if isinstance(a, (list, tuple, dict)) or isinstance(like, (list, tuple, dict)):
        return a
    return np.real(a) if np.isrealobj(like) and np.iscomplexobj(a) else a
