"""The GradBench tasks as plain NumPy objectives, with their inputs: what `gradbench.py` times.

Each module holds objectives written the way a NumPy user writes them, an input generator
drawing what GradBench's (or ADBench's) generator draws, and a `HAND` table of hand-written
gradients keyed by the objective's name (`"<name> hvp"` for a Hessian-vector product).
`tasks(quick)` lists the benchmark's rows with their sizes.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

import numpy as np

from . import cmpad, det, gmm, kmeans, lstm, nested


@dataclass
class Task:
    """One row: differentiate `module.<function>` at `args` with respect to `wrt`.

    `mode` is "grad" (the gradient), "hvp" (a Hessian-vector product with a vector of ones,
    which `args` does not include) or "nested" (`module.<function>(grad)` builds the objective
    with the tool's own gradient operator inside). `check_args`: a second, small instance on
    which the gradient is also checked (where the timed one makes a poor check). `solve`: the
    name of the whole GradBench computation for a nested task, `module.<solve>(grad, args[0])`,
    compared with `answer`.
    """
    name: str
    size: str
    module: ModuleType
    function: str
    args: tuple
    wrt: int | tuple[int, ...] = 0
    mode: str = "grad"
    check_args: tuple | None = None
    solve: str | None = None
    answer: float | None = None


def tasks(quick: bool = False) -> list[Task]:
    """Every row; `quick` gives tiny sizes (a smoke run), else small GradBench sizes."""
    gd, gk, gn = (3, 4, 20) if quick else (10, 25, 1000)
    layers, chars = (1, 8) if quick else (2, 1024)
    lse_n = 100 if quick else 100_000
    llsq_n, llsq_m = (16, 8) if quick else (1024, 128)
    ode_n, ode_s = (10, 2) if quick else (1000, 10)
    ell = 3 if quick else 7
    kn, kk, kd = (30, 3, 2) if quick else (1000, 10, 8)
    gmm_args = gmm.generate(gd, gk, gn)
    constant = gmm.log_normalizer(gn, gd, gk, gmm_args[5], gmm_args[6])
    points, centroids = kmeans.generate(kn, kk, kd)
    start = np.array([1.0, 1.0])
    return [
        Task("gmm", f"d={gd} k={gk} n={gn}", gmm, "objective", gmm_args, (0, 1, 2, 3)),
        Task("gmm log_posterior", "same; constant given", gmm, "log_posterior",
             gmm_args + (constant,), (0, 1, 2, 3)),
        Task("lstm", f"l={layers} c={chars}", lstm, "objective", lstm.generate(layers, chars),
             (0, 1)),
        Task("lse", f"n={lse_n}", cmpad, "lse", (cmpad.uniform(lse_n),)),
        Task("llsq", f"n={llsq_n} m={llsq_m}", cmpad, "llsq", (cmpad.uniform(llsq_m), llsq_n)),
        Task("ode", f"n={ode_n} s={ode_s}", cmpad, "ode", (cmpad.uniform(ode_n), ode_s),
             check_args=(cmpad.uniform(12), 3)),
        Task("det", f"ell={ell}", det, "det_by_minors", (det.generate(ell),)),
        Task("kmeans", f"n={kn} k={kk} d={kd}", kmeans, "cost", (points, centroids), 1),
        Task("kmeans hessian diag", "same; H @ ones", kmeans, "cost", (points, centroids), 1,
             mode="hvp"),
        Task("saddle", "start=(1, 1)", nested, "saddle_functions", (start, start),
             mode="nested", solve="saddle", answer=nested.SADDLE_ANSWER),
        Task("particle", "w=0", nested, "particle_functions", (0.0, 0.0),
             mode="nested", solve="particle", answer=nested.PARTICLE_ANSWER),
    ]
