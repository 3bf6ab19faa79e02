"""The small steps the oracle is made of: tolerances, running one astgrad call
and sorting what it raises, loading a program from its file, random seeds and
tangents shaped like a value, and the inner product of two such values."""
from __future__ import annotations

import importlib.util
import pathlib

import numpy as np

import astgrad as ag

from .outcome import Outcome, crash_label, refusal_label

STEP = 1e-3        # central differences at STEP and STEP / 8, each Richardson-extrapolated
RTOL, ATOL = 1e-5, 1e-7
SMOOTH_TOL = 1e-6  # two estimates further apart than this: a kink or a jump nearby


class Stop(Exception):
    def __init__(self, outcome: Outcome):
        self.outcome = outcome


class Timeout(Exception):
    pass


def load_file(source: str, folder, name: str, entry: str = "f"):
    """Write `source` to `folder/name.py`, import it from there, return its `entry`."""
    path = pathlib.Path(folder) / f"{name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, entry)


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


def like(value, rng):
    if isinstance(value, tuple):
        return tuple(like(v, rng) for v in value)
    if np.ndim(value) == 0:
        return float(rng.uniform(0.5, 1.5))
    return rng.uniform(-1.0, 1.0, size=np.shape(value))


def dot(a, b) -> float:
    if isinstance(a, tuple):
        return sum(dot(x, y) for x, y in zip(a, b))
    return float(np.sum(np.asarray(a, dtype=np.float64) * np.asarray(b, dtype=np.float64)))
