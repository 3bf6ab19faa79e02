"""Differential check of one generated program: astgrad's reverse mode
(`vjp`, `grad`), forward mode (`jvp`) and second order (`vjp` and `jvp` of
`grad`) against Richardson-extrapolated central differences along random
directions. A point where differences at two step sizes disagree is not
smooth there: it is skipped, not failed."""
from __future__ import annotations

import importlib.util
import pathlib
import signal
import warnings

import numpy as np

import astgrad as ag

from .generator import Program, copies
from .outcome import Outcome, crash_label, refusal_label

STEP = 1e-3        # central differences at STEP and STEP / 8, each Richardson-extrapolated
RTOL, ATOL = 1e-5, 1e-7
SMOOTH_TOL = 1e-6  # two estimates further apart than this: a kink or a jump nearby


class Stop(Exception):
    def __init__(self, outcome: Outcome):
        self.outcome = outcome


class Timeout(Exception):
    pass


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


def load_file(source: str, folder, name: str, entry: str = "f"):
    """Write `source` to `folder/name.py`, import it from there, return its `entry`."""
    path = pathlib.Path(folder) / f"{name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, entry)


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


def call(stage: str, fn, *args):
    """Run one astgrad step; an AstgradError is a refusal, anything else a crash."""
    try:
        return fn(*args)
    except (Stop, Timeout):
        raise
    except ag.AstgradError as exc:
        raise Stop(Outcome("refused", stage, refusal_label(exc), str(exc))) from exc
    except Exception as exc:  # noqa: BLE001 - every other exception is a crash to report
        raise Stop(Outcome("crash", stage, crash_label(exc), f"{type(exc).__name__}: {exc}")) \
            from exc


def wrong(stage: str, check_name: str, message: str):
    raise Stop(Outcome("wrong", stage, check_name, message))


class _Checker:
    def __init__(self, program: Program, f, folder):
        self.program, self.f, self.folder = program, f, folder
        self.args, self.wrt = program.args, program.wrt
        self.names = program.arg_names()
        rng = np.random.default_rng([program.seed, 7])
        self.value = f(*copies(self.args))
        self.v = _like(self.value, rng)
        self.u = [_like(self.args[k], rng) for k in self.wrt]
        self.rng = rng

    def run(self, order: int, modes):
        from .finite import first_order, second_order
        first_order(self, modes)
        if order == 2:
            second_order(self)

    def moved(self, k: int, t: float) -> tuple:
        """The arguments with argument wrt[k] moved by t along direction u[k]."""
        out = list(copies(self.args))
        pos = self.wrt[k]
        out[pos] = np.asarray(out[pos], dtype=np.float64) + t * self.u[k] \
            if isinstance(out[pos], np.ndarray) else float(out[pos]) + t * self.u[k]
        return tuple(out)


def _like(value, rng):
    if isinstance(value, tuple):
        return tuple(_like(v, rng) for v in value)
    if np.ndim(value) == 0:
        return float(rng.uniform(0.5, 1.5))
    return rng.uniform(-1.0, 1.0, size=np.shape(value))


def dot(a, b) -> float:
    if isinstance(a, tuple):
        return sum(dot(x, y) for x, y in zip(a, b))
    return float(np.sum(np.asarray(a, dtype=np.float64) * np.asarray(b, dtype=np.float64)))
