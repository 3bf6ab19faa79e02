"""Rules for `scipy.signal.convolve` and `correlate` (every mode, any number of
dimensions), registered once the user's code imports `scipy.signal`.

Each mode's output is the full output cropped about its centre, so an adjoint is
first padded back to the full shape with zeros; then, as for any convolution, one
input's adjoint is the padded adjoint correlated with the other input ('valid'
mode), and for `correlate` the second input's is that flipped. Both are linear in
each input, so forward mode applies them to the tangent."""
import numpy as np
from scipy import signal

from ..lattice import broadcast
from ..registry import deflinear, defvjp
from ..template import rule_helper


def _signal_kind(k, s):
    out = broadcast(k["in1"], k["in2"], floating=True)
    return out.with_ndim(out.ndim)


@rule_helper
def _full(g, in1, in2, mode):
    """The adjoint of the cropped output, padded to the full output's shape."""
    return g if mode == "full" else np.pad(g, np.stack([
        (np.add(np.shape(in1), np.shape(in2)) - 1 - np.shape(g)) // 2,
        np.add(np.shape(in1), np.shape(in2)) - 1 - np.shape(g)
        - (np.add(np.shape(in1), np.shape(in2)) - 1 - np.shape(g)) // 2], -1))


defvjp(signal.convolve,
       lambda g, ans, in1, in2, mode="full", method="auto":
       signal.correlate(_full(g, in1, in2, mode), in2, "valid", method),
       lambda g, ans, in1, in2, mode="full", method="auto":
       signal.correlate(_full(g, in1, in2, mode), in1, "valid", method),
       kind=_signal_kind, name="scipy.signal.convolve")
defvjp(signal.correlate,
       lambda g, ans, in1, in2, mode="full", method="auto":
       signal.convolve(_full(g, in1, in2, mode), in2, "valid", method),
       lambda g, ans, in1, in2, mode="full", method="auto":
       np.flip(signal.correlate(_full(g, in1, in2, mode), in1, "valid", method)),
       kind=_signal_kind, name="scipy.signal.correlate")
deflinear(signal.convolve, "in1", "in2")
deflinear(signal.correlate, "in1", "in2")
