"""Differential check of one generated program: astgrad's reverse mode
(`vjp`, `grad`), forward mode (`jvp`) and second order (`vjp` and `jvp` of
`grad`) against Richardson-extrapolated central differences along random
directions. A point where differences at two step sizes disagree is not
smooth there: it is skipped, not failed."""
from __future__ import annotations

import signal
import warnings

import numpy as np

from .finite import first_order, second_order
from .generator import Program, copies
from .outcome import Outcome
from .steps import Stop, Timeout, like, load_file

FIRST = ("reverse", "grad", "forward")


def check(program: Program, folder, order: int = 2, timeout: float | None = None,
          modes=FIRST) -> Outcome:
    """Classify `program`: right, refused, wrong, crash, nonsmooth or timeout.
    `modes` narrows the first-order checks (the shrinker reruns only the failing one)."""
    f = load_file(program.source, folder, f"fuzz_{program.seed}_{program.attempt}")
    previous = _alarm(timeout)
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            _Checker(program, f, folder).run(order, modes)
        return Outcome("right")
    except Stop as stop:
        return stop.outcome
    except Timeout:
        return Outcome("timeout", message=f"more than {timeout} CPU seconds")
    finally:
        _alarm(None, previous)


def _alarm(seconds, previous=None):
    """A timeout in CPU seconds of this process (ITIMER_PROF), so a busy machine
    does not turn slow programs into timeouts."""
    if seconds is None:
        signal.setitimer(signal.ITIMER_PROF, 0)
        if previous is not None:
            signal.signal(signal.SIGPROF, previous)
        return None

    def expire(signum, frame):
        raise Timeout()
    old = signal.signal(signal.SIGPROF, expire)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    return old


class _Checker:
    def __init__(self, program: Program, f, folder):
        self.program, self.f, self.folder = program, f, folder
        self.args, self.wrt = program.args, program.wrt
        self.names = program.arg_names()
        rng = np.random.default_rng([program.seed, 7])
        self.value = f(*copies(self.args))
        self.v = like(self.value, rng)
        self.u = [like(self.args[k], rng) for k in self.wrt]
        self.rng = rng

    def run(self, order: int, modes):
        first_order(self, modes)
        if order == 2:
            second_order(self)

    def moved(self, k: int, t: float, wide: bool = False) -> tuple:
        """The arguments with argument wrt[k] moved by t along direction u[k]; `wide`:
        every float argument in np.longdouble (to tell a rounding artifact, see `finite`)."""
        out = list(copies(self.args))
        pos = self.wrt[k]
        out[pos] = np.asarray(out[pos], dtype=np.float64) + t * self.u[k] \
            if isinstance(out[pos], np.ndarray) else float(out[pos]) + t * self.u[k]
        if wide:
            out = [a.astype(np.longdouble) if isinstance(a, np.ndarray)
                   and a.dtype.kind == "f" else np.longdouble(a) if isinstance(a, float)
                   else a for a in out]
        return tuple(out)
