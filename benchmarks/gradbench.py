"""GradBench's tasks in plain NumPy: objective time, gradient time and their ratio, per tool.

GradBench (github.com/gradbench/gradbench, the successor of Microsoft's ADBench) defines
each task by a description and an input generator; `gradbench_tasks/` writes the objectives
from those descriptions as a NumPy user would (loops where the reference loops, lists of
arrays for the determinant's minors) and draws inputs the way the generators do, at small
sizes. Tasks: gmm, lstm, lse, llsq, ode, det, kmeans (gradient and Hessian diagonal), saddle
and particle (nested: the objective runs the tool's own gradient, and is differentiated).

Tools: astgrad (`ag.grad`, `ag.hvp`), hand-written NumPy gradients where one is reasonable,
autograd (the `bench` extra) and JAX when importable (each left out, with a note, when not).
Before anything is timed, every gradient is checked against the hand-written one, or against
central differences along random directions where there is none; a tool that refuses a task,
crashes on it or gets it wrong is shown so in the table (`refused: ...`, `crash: ...`,
`WRONG ...`) and the run goes on. For a nested task the whole GradBench computation is also
run once with astgrad and compared with GradBench's published answer (full runs only).

The cheap-gradient principle says a gradient costs a small constant times its objective:
`grad/obj` is that ratio, per tool, against the tool's own objective (the same NumPy code for
astgrad and hand-written gradients, except in nested tasks); rows of astgrad above 5x are
listed below the table. Timing follows bench_grad.py: timeit loops autoranged to >= 0.2 s,
best of 5 repeats interleaved between all contenders of a task, BLAS on one thread.

    python benchmarks/gradbench.py               # a few minutes on 2 cores
    python benchmarks/gradbench.py --quick       # smoke run, seconds
    python benchmarks/gradbench.py --tasks gmm,det
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time

_BLAS_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
if __name__ == "__main__":                     # one BLAS thread, set before NumPy loads
    for _var in _BLAS_VARS:
        os.environ.setdefault(_var, "1")

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [_HERE, os.path.dirname(_HERE)]     # the tasks, and this checkout's astgrad
import numpy as np  # noqa: E402

import astgrad as ag  # noqa: E402
from bench_grad import fmt_ratio, fmt_time, per_call, timer  # noqa: E402
from gradbench_tasks import Task, tasks  # noqa: E402
from gradbench_tasks.tools import Hand, Tool, Unavailable, available  # noqa: E402

CHEAP = 5.0                  # the cheap-gradient bound on grad/obj
HERE = os.path.dirname(os.path.abspath(__file__)) + os.sep
HAND = Hand()                # the reference wherever there is a hand-written derivative


# -- building each tool's objective and gradient -------------------------------------------

def objective_of(task: Task, tool: Tool):
    """(f, objective to time, arguments) of `task` as `tool` runs it; f is what is
    differentiated (for JAX, the objective is f jitted)."""
    if task.mode == "nested" and not tool.nested:
        raise Unavailable("nested tasks not run with this tool")
    module = tool.module(task.module)
    f = getattr(module, task.function)
    if task.mode == "nested":
        f = f(tool.grad)
    return f, getattr(tool, "objective", lambda g: g)(f), tool.prepare(task.args)


def derivative_of(task: Task, tool: Tool, f, args: tuple):
    """(derivative, its arguments): the gradient, or the Hessian times a vector of ones."""
    if task.mode == "hvp":
        return tool.hvp(f, task.wrt), args + tool.prepare((np.ones_like(task.args[task.wrt]),))
    return tool.grad(f, task.wrt), args


def build(task: Task, tool: Tool):
    """(objective, derivative, arguments of the derivative) of `task` as `tool` runs it."""
    f, objective, args = objective_of(task, tool)
    return (objective, *derivative_of(task, tool, f, args))


def describe(error: BaseException) -> str:
    """'refused: Class: first line' for astgrad's own errors, 'crash: ...' for any other."""
    first = (str(error).strip().splitlines() or [""])[0].replace(HERE, "")
    kind = "refused" if isinstance(error, ag.AstgradError) else "crash"
    return f"{kind}: {type(error).__name__}: {first}"


def flat(result) -> np.ndarray:
    parts = result if isinstance(result, (tuple, list)) else (result,)
    return np.concatenate([np.ravel(np.asarray(p, dtype=np.float64)) for p in parts])


# -- checking ---------------------------------------------------------------------------------

def reference(task: Task, args: tuple):
    """The hand-written derivative at `args`, or None when the task has none."""
    try:
        _, derivative, dargs = build(dataclasses.replace(task, args=args), HAND)
        return derivative(*dargs)
    except Unavailable:
        return None


def central_differences(task: Task, args: tuple, got, seed: int = 0) -> float:
    """Largest relative error of <gradient, v> against central differences, over 3 random v."""
    objective = objective_of(dataclasses.replace(task, args=args), HAND)[1]
    wrt = task.wrt if isinstance(task.wrt, tuple) else (task.wrt,)
    got = flat(got)
    rng = np.random.default_rng(seed)
    worst = 0.0
    for _ in range(3):
        vs = [rng.standard_normal(np.shape(args[i])) for i in wrt]
        eps = 1e-6 * max(1.0, max(np.max(np.abs(args[i])) for i in wrt))

        def at(s):
            moved = list(args)
            for i, v in zip(wrt, vs):
                moved[i] = args[i] + s * v
            return objective(*moved)
        fd = (at(eps) - at(-eps)) / (2 * eps)
        ad = float(got @ flat(tuple(vs)))
        worst = max(worst, abs(ad - fd) / max(abs(fd), abs(ad), 1e-300))
    return worst


def check(task: Task, tool: Tool, derivative, dargs: tuple, args: tuple) -> str:
    """'ok ...' or 'WRONG ...' for the derivative at `dargs` (the task's `args` as the tool has
    them); raises what the derivative raises."""
    got = tool.ready(derivative(*dargs))
    want = reference(task, args)
    if want is not None:
        got, want = flat(got), flat(want)
        if got.shape != want.shape:
            return f"WRONG: {got.size} numbers where the hand-written gradient has {want.size}"
        err = np.max(np.abs(got - want)) / max(np.max(np.abs(want)), 1e-300)
        if not err <= 1e-6:
            return f"WRONG: max error {err:.2g} relative to the hand-written gradient"
        return f"ok (hand-written: {err:.0e})"
    err = central_differences(task, args, got)
    if not err <= 1e-5:
        return f"WRONG: relative error {err:.2g} against central differences"
    return f"ok (central differences: {err:.0e})"


def check_all(task: Task, tool: Tool, derivative, dargs: tuple) -> str:
    status = check(task, tool, derivative, dargs, task.args)
    if task.check_args is not None and status.startswith("ok"):
        _, small, small_dargs = build(dataclasses.replace(task, args=task.check_args), tool)
        status = check(task, tool, small, small_dargs, task.check_args)
    return status


def solve_check(task: Task, tool: Tool) -> str:
    """The whole nested computation, once, against GradBench's answer."""
    start = time.perf_counter()
    result = getattr(task.module, task.solve)(tool.grad, task.args[0])
    elapsed = time.perf_counter() - start
    err = np.max(np.abs(np.asarray(result) - task.answer)) / abs(task.answer)
    verdict = "= GradBench's" if err <= 1e-6 else f"WRONG, GradBench: {task.answer:.6g}"
    return f"; {task.solve}: {np.ravel(result)[0]:.6g} {verdict} ({elapsed:.1f} s)"


# -- one task ---------------------------------------------------------------------------------

def try_tool(task: Task, tool: Tool, solve: bool):
    """(objective or None, derivative or None, arguments, status) of one tool on one task."""
    try:
        f, objective, args = objective_of(task, tool)
        tool.ready(objective(*args))
    except Unavailable as error:
        return None, None, (), f"- ({error})"
    except Exception as error:                        # reported in the table, never hidden
        return None, None, (), "objective " + describe(error)
    try:
        derivative, dargs = derivative_of(task, tool, f, args)
        status = check_all(task, tool, derivative, dargs)
        if tool.name == "astgrad" and solve and task.solve and status.startswith("ok"):
            status += solve_check(task, tool)
    except Unavailable as error:
        return objective, None, args, f"- ({error})"
    except Exception as error:
        return objective, None, args, describe(error)
    return objective, derivative if status.startswith("ok") else None, dargs, status


def run_task(task: Task, tools: list[Tool], target: float, repeats: int,
             solve: bool) -> list[list[str]]:
    """The table rows of one task: one per tool."""
    timers, status, aliases = {}, {}, {}
    names = tuple(f"a{i}" for i in range(len(task.args) + 1))
    n = len(task.args)
    for tool in tools:
        objective, derivative, dargs, status[tool.name] = try_tool(task, tool, solve)
        if objective is None:
            continue
        twin = [k for k, (fn, _) in aliases.items() if fn is objective]
        if twin:                                  # the same NumPy objective: time it once
            aliases[tool.name] = (objective, twin[0])
        else:
            aliases[tool.name] = (objective, tool.name)
            timers[f"{tool.name} obj"] = timer(_ready(objective, tool), names[:n], dargs[:n])
        if derivative is not None:
            timers[f"{tool.name} grad"] = timer(_ready(derivative, tool), names[:len(dargs)],
                                                dargs)
    times = per_call(timers, target, repeats) if timers else {}
    for name, (_, first) in aliases.items():
        times[f"{name} obj"] = times[f"{first} obj"]
    return [row(task, tool.name, times, status[tool.name], first=(i == 0))
            for i, tool in enumerate(tools)]


def _ready(fn, tool: Tool):
    if type(tool).ready is Tool.ready:
        return fn
    return lambda *args: tool.ready(fn(*args))


def row(task: Task, name: str, times: dict, status: str, first: bool) -> list[str]:
    obj, grad = times.get(f"{name} obj"), times.get(f"{name} grad")
    hand = times.get("hand grad")
    return [task.name if first else "", task.size if first else "", name,
            fmt_time(obj), fmt_time(grad),
            fmt_ratio(grad / obj) if grad and obj else "-",
            fmt_ratio(grad / hand) if grad and hand and name != "hand" else "-",
            status]


# -- main -------------------------------------------------------------------------------------

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: tiny sizes, one short repeat per timing")
    parser.add_argument("--tasks", default="", help="comma-separated task names (default: all)")
    opts = parser.parse_args(argv)
    repeats, target = (1, 0.002) if opts.quick else (5, 0.2)
    start = time.perf_counter()
    tools, notes = available()
    chosen = [t for t in tasks(opts.quick)
              if not opts.tasks or t.name.split()[0] in opts.tasks.split(",")]
    print(f"astgrad from {os.path.dirname(ag.__file__)}, numpy {np.__version__}; "
          f"tools: {', '.join(t.name for t in tools)}")
    for note in notes:
        print(f"  {note}")
    print(f"per call: best of {repeats} interleaved repeat(s) of loops >= {target} s; BLAS "
          f"threads: {os.environ.get('OPENBLAS_NUM_THREADS', 'library default')}\n")
    header = ["task", "size", "tool", "objective", "gradient", "grad/obj", "vs hand", "check"]
    body = []
    for task in chosen:
        body += run_task(task, tools, target, repeats, solve=not opts.quick)
    print(table(header, body))
    summarize(body)
    print(f"\ntotal benchmark time: {time.perf_counter() - start:.1f} s")
    return 0


def table(header: list[str], body: list[list[str]], left=(0, 1, 2, 7)) -> str:
    """Columns padded to their widest cell; text columns (`left`) flush left, numbers right."""
    widths = [max(len(h), *(len(r[i]) for r in body)) for i, h in enumerate(header)]

    def line(cells):
        return "  ".join(c.ljust(w) if i in left else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, body)])


def summarize(body: list[list[str]]) -> None:
    """Below the table: astgrad's rows that break the cheap-gradient bound or fail."""
    task = ""
    for cells in body:
        task = cells[0] or task
        if cells[2] != "astgrad":
            continue
        if not cells[7].startswith("ok"):
            print(f"\nastgrad fails {task}: {cells[7]}")
        elif cells[5] != "-" and float(cells[5].rstrip("x")) > CHEAP:
            print(f"\nastgrad breaks the cheap-gradient bound on {task}: grad/obj {cells[5]} "
                  f"> {CHEAP:g}x")


if __name__ == "__main__":
    sys.exit(main())
