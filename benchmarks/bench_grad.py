"""Time astgrad's derivatives against hand-written NumPy ones (and autograd, JAX, PyTorch).

What is measured, per row (one function, its inputs and one transform):

* hand-written: an expert NumPy derivative of the same function, called directly
  (`workloads.py` holds the functions, these derivatives and the inputs);
* astgrad: ``df = ag.grad(f)`` (or ``ag.hvp``, ``ag.hessian``, ``ag.jacobian``, or
  ``ag.grad(ag.grad(f))`` for a row marked ``''``) made once, then ``df(...)``: the whole
  call a user makes, astgrad's dispatcher included;
* autograd (HIPS), and ``jax.jit(jax.grad(f))`` / ``torch.autograd.grad`` when those are
  importable (each skipped silently when not), on rows whose transform they share;
* build: the first call ``ag.grad(f)(...)`` on a fresh function object (astgrad caches
  per function object, so each build uses a new one from a factory). "1st call" is that
  whole call; "build" is it less one steady-state call, i.e. the time spent generating
  code (median over several fresh functions).

Per-call times use ``timeit`` with a compiled ``fn(arg, ...)`` statement, a loop count
chosen autorange-style (1, 2, 5, 10, 20, ... until one run takes at least 0.2 s), and the
best of several repeats, interleaved between the contenders of a row so that a slow spell
of the machine does not skew their ratio. Before anything is timed, every derivative is
checked against the hand-written one with ``np.allclose``; a wrong one stops the script
with an AssertionError.

Ratios: ``astgrad/hand`` (1.00x means as fast as hand-written code; lower is better),
``target`` issue 13's bound on it, and ``autograd/astgrad`` (how many times faster astgrad
is). Rows over their target are listed below the table.

The rows: scalar code (``poly``; ``seed_log float``, ``(sin x + x**2) / log x`` against
plain ``math``; ``seed_mean``, ``mean(3 (x + 2) (x + 2))`` on a 2x2 array and, at second
order, on a float), logistic regression in two forms and its Hessian-vector product, an
MLP 784-128-10 (batch 64, tanh, softmax cross-entropy, gradient w.r.t. W1, b1, W2, b2),
two elementwise chains on 1e6 numbers, an RNN over T steps (``h = tanh(W @ h + U @ X[t] +
b)``, hidden and input size 16, loss ``sum(h_T ** 2)``; the hand-written gradient is
backpropagation through time), and two whole matrices: ``rosenbrock hessian n=30``
(``ag.hessian`` against the closed form) and ``tridiagonal jacobian n=200`` (``ag.jacobian``
of a discretised reaction-diffusion residual), both forward mode with a batch of tangents.

For every row with array arguments a second table gives the peak memory of one call,
measured with ``tracemalloc`` (started just before the call, peak read just after it):
what the forward sweep keeps for the reverse sweep, the temporaries and the result
(issue 13's bound: 1.3x hand-written). A third gives the first call of a realistic
20-line function (``workloads.make_fit_loss``), i.e. transform and compile time (bound:
20 ms), checked against central differences.

Run it from the repository root (it imports this checkout's astgrad)::

    python benchmarks/bench_grad.py            # a few minutes on 2 cores
    python benchmarks/bench_grad.py --quick    # smoke run, seconds
    python benchmarks/bench_grad.py --source   # also print astgrad's generated code
    python benchmarks/bench_grad.py --rows mlp,seed   # rows whose names start so
    python benchmarks/bench_grad.py --blas-threads 0  # BLAS's own thread count

BLAS runs on one thread unless ``--blas-threads`` says otherwise: on a 2-core machine a
multithreaded matrix-vector product slows down 10-50x at random as soon as another
process takes a core. Rows whose temporaries are tens of KB (logreg 10000x100, the
Hessian and Jacobian rows) can also shift by ~30% (the Jacobian 2-4x) from one process to
the next when glibc's malloc hands memory back to the OS and takes page faults on every
call; ``MALLOC_TRIM_THRESHOLD_=100000000`` in the environment removes that effect.
"""
from __future__ import annotations

import argparse
import inspect
import os
import platform
import statistics
import sys
import time
import timeit
import tracemalloc
from dataclasses import dataclass
from typing import Callable

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.dirname(HERE)]     # workloads, and this checkout's astgrad

import blas  # noqa: E402

if __name__ == "__main__":
    blas.set_threads(sys.argv[1:])

import numpy as np  # noqa: E402  (after the BLAS thread count is set)

import astgrad as ag  # noqa: E402
import workloads as wl  # noqa: E402
from workloads import optional as _optional  # noqa: E402

autograd = _optional("autograd")
jax = _optional("jax")
torch = _optional("torch")
if jax is not None:
    jax.config.update("jax_enable_x64", True)      # compare in float64, like NumPy
# The workloads again, calling each framework's NumPy (see `workloads.rebound`).
AUTOGRAD_WL = wl.rebound(_optional("autograd.numpy")) if autograd else None
JAX_WL = wl.rebound(_optional("jax.numpy")) if jax else None
TORCH_FNS = wl.torch_functions(torch) if torch else {}

SLOW = 3.0              # astgrad/hand ratio above which the generated code is printed
MEMORY_TARGET = 1.3     # issue 13: peak memory of a gradient call, astgrad/hand
BUILD_TARGET = 0.020    # issue 13: seconds for the first call of a 20-line function
ALL = ("autograd", "jax", "torch")


# -- the rows ---------------------------------------------------------------------------------

@dataclass
class Row:
    name: str
    make: Callable[[], Callable]           # factory of the function astgrad differentiates
    hand: Callable                         # hand-written derivative wrt the `wrt` argument(s)
    names: tuple[str, ...]                 # argument names, for the timed statement
    args: tuple
    wrt: int | tuple[int, ...] = 0         # a tuple gives a tuple of gradients
    transform: str = "grad"                # grad, grad2 (grad of grad), hvp, hessian, jacobian
    others: tuple[str, ...] = ("autograd",)    # frameworks timed beside it, when importable
    target: float | None = None            # issue 13's bound on astgrad/hand

    @property
    def arrays(self) -> bool:
        return any(isinstance(a, np.ndarray) for a in self.args)


def rows() -> list[Row]:
    x6 = np.random.default_rng(3).standard_normal(1_000_000)
    lr, rnn = ("w", "X", "y"), ("W", "U", "b", "h0", "X")
    return [
        Row("poly", wl.make_poly, wl.poly_grad, ("x", "a", "b", "c"), (0.5, 1.0, -2.0, 1.0),
            others=ALL, target=2.5),
        Row("seed_log float", wl.make_seed_log, wl.seed_log_grad, ("x",), (2.5,), target=2.0),
        Row("seed_mean 2x2", wl.make_seed_mean, wl.seed_mean_grad, ("x",),
            (np.array([[0.5, -1.0], [2.0, 0.25]]),), target=2.5),
        Row("seed_mean'' float", wl.make_seed_mean, wl.seed_mean_grad2, ("x",), (0.7,),
            transform="grad2", target=2.5),
        Row("logreg 100x10", wl.make_logreg, wl.logreg_grad, lr, wl.logreg_data(100, 10, 1),
            others=ALL, target=1.1),
        Row("logreg 10000x100", wl.make_logreg, wl.logreg_grad, lr,
            wl.logreg_data(10_000, 100, 2), others=ALL, target=1.1),
        Row("logreg xent 100x10", wl.make_logreg_xent, wl.logreg_xent_grad, lr,
            wl.logreg_data(100, 10, 6, labels=(0.0, 1.0)), others=ALL, target=1.1),
        Row("logistic hvp 1000x100", wl.make_logreg, wl.logreg_hvp, (*lr, "v"),
            wl.hvp_data(1000, 100, 7), transform="hvp", target=1.2),
        Row("mlp 784-128-10", wl.make_mlp, wl.mlp_grad, ("W1", "b1", "W2", "b2", "X", "Y"),
            wl.mlp_data(64, (784, 128, 10), 8), wrt=(0, 1, 2, 3), target=1.1),
        Row("chain 1e6", wl.make_chain, wl.chain_grad, ("x",), (x6,), others=ALL, target=1.1),
        Row("elementwise 1e6", wl.make_elementwise, wl.elementwise_grad, ("x",), (x6,),
            others=ALL, target=1.1),
        Row("rnn T=50", wl.make_rnn, wl.rnn_grad, rnn, wl.rnn_data(50, 16, 16, 4),
            wrt=(0, 1, 2, 3), target=1.1),
        Row("rnn T=1000", wl.make_rnn, wl.rnn_grad, rnn, wl.rnn_data(1000, 16, 16, 5),
            wrt=(0, 1, 2, 3), target=1.1),
        Row("rosenbrock hessian n=30", wl.make_rosenbrock, wl.rosenbrock_hessian, ("x",),
            (np.linspace(-1.2, 1.4, 30),), transform="hessian", others=(), target=10.0),
        Row("tridiagonal jacobian n=200", wl.make_reaction_diffusion,
            wl.reaction_diffusion_jacobian, ("u",),
            (np.sin(np.linspace(0.0, np.pi, 202)[1:-1]),), transform="jacobian", others=(),
            target=30.0),
    ]


def astgrad_of(row: Row, f: Callable) -> Callable:
    """The astgrad transform of `f` that `row` times."""
    if row.transform == "grad2":
        return ag.grad(ag.grad(f, wrt=row.wrt), wrt=row.wrt)
    return getattr(ag, row.transform)(f, wrt=row.wrt)


# -- the other frameworks' calls: (call, its arguments), or None ---------------------------

def autograd_call(row: Row):
    """autograd's `grad` (of `grad`) or `hessian_vector_product`, made once."""
    f = getattr(AUTOGRAD_WL, row.make.__name__)()
    if row.transform == "grad2":
        return autograd.grad(autograd.grad(f, row.wrt), row.wrt), row.args
    if row.transform == "hvp":
        return autograd.hessian_vector_product(f, row.wrt), row.args
    if row.transform != "grad":
        return None
    if isinstance(row.wrt, int):
        return autograd.grad(f, row.wrt), row.args
    # Several arguments: autograd differentiates one argument, so pass them as a tuple.
    wrt = row.wrt

    def packed(params, *rest):
        args = list(rest)
        for i, p in zip(wrt, params):
            args.insert(i, p)
        return f(*args)
    grad_packed = autograd.grad(packed)

    def call(*args):
        return tuple(grad_packed(tuple(args[i] for i in wrt),
                                 *(a for i, a in enumerate(args) if i not in wrt)))
    return call, row.args


def jax_call(row: Row):
    """`jax.jit(jax.grad(f))` (compiled before timing), waiting for the result each call."""
    if row.transform != "grad" or not isinstance(row.wrt, int):
        return None
    jitted = jax.jit(jax.grad(getattr(JAX_WL, row.make.__name__)(), row.wrt))

    def call(*args):
        return jitted(*args).block_until_ready()
    args = tuple(jax.numpy.asarray(a) if isinstance(a, np.ndarray) else a for a in row.args)
    return call, args


def torch_call(row: Row):
    """`torch.autograd.grad(f(x, ...), x)` with x a float64 tensor requiring grad."""
    f = TORCH_FNS.get(row.make.__name__)
    if f is None or row.transform != "grad" or row.wrt != 0:
        return None

    def call(x, *rest):
        return torch.autograd.grad(f(x, *rest), x)[0]
    first = torch.tensor(np.asarray(row.args[0], dtype=np.float64), requires_grad=True)
    rest = tuple(torch.from_numpy(a) if isinstance(a, np.ndarray) else a for a in row.args[1:])
    return call, (first, *rest)


FRAMEWORKS = {"autograd": (autograd, autograd_call), "jax": (jax, jax_call),
              "torch": (torch, torch_call)}


def to_numpy(g):
    if hasattr(g, "detach"):                      # torch
        return g.detach().numpy()
    return np.asarray(g)


# -- timing -------------------------------------------------------------------------------

def autorange(timer: timeit.Timer, target: float) -> int:
    """timeit's autorange with a chosen target: loops 1, 2, 5, 10, ... until >= target s."""
    i = 1
    while True:
        for j in (1, 2, 5):
            number = i * j
            if timer.timeit(number) >= target:
                return number
        i *= 10


def timer(fn: Callable | None, names: tuple[str, ...], args: tuple, callee: str = "_fn",
          namespace: dict | None = None) -> timeit.Timer:
    """A timer of `fn(arg, ...)` with the call compiled into timeit's loop (no wrapper).

    `callee` is the expression called (`_fn`, i.e. `fn`, unless given), evaluated in
    `namespace` plus the arguments by name.
    """
    namespace = {"_fn": fn, **(namespace or {}), **dict(zip(names, args))}
    return timeit.Timer(f"{callee}({', '.join(names)})", globals=namespace)


def per_call(timers: dict[str, timeit.Timer], target: float, repeats: int) -> dict[str, float]:
    """Best-of-`repeats` seconds per call for each timer, the repeats interleaved.

    Each round runs every timer once, so a slow spell of the machine (another process,
    BLAS threads competing for the two cores) hits all contenders alike instead of
    skewing the ratio between them.
    """
    numbers = {k: autorange(t, target) for k, t in timers.items()}
    best = dict.fromkeys(timers, float("inf"))
    for _ in range(repeats):
        for k, t in timers.items():
            best[k] = min(best[k], t.timeit(numbers[k]) / numbers[k])
    return best


def first_call(row: Row) -> tuple[float, Callable]:
    """Seconds for `ag.grad(f)(...)` on a brand-new function object (generation included),
    and the transform it made, its result checked."""
    f = row.make()
    t0 = time.perf_counter()
    df = astgrad_of(row, f)
    g = df(*row.args)
    elapsed = time.perf_counter() - t0
    check(row.name, "astgrad (fresh build)", g, row.hand(*row.args))
    return elapsed, df


def check(row: str, what: str, got, want) -> None:
    if isinstance(want, tuple):                   # several arguments: one gradient each
        assert isinstance(got, tuple) and len(got) == len(want), \
            f"{row}: {what} gives {type(got).__name__} of {len(got)}, not {len(want)} gradients"
        for k, (g, w) in enumerate(zip(got, want)):
            check(row, f"{what} [{k}]", g, w)
        return
    got = to_numpy(got)
    assert np.shape(got) == np.shape(want), \
        f"{row}: {what} gradient has shape {np.shape(got)}, hand-written {np.shape(want)}"
    assert np.allclose(got, want, rtol=1e-7, atol=1e-12), \
        f"{row}: {what} gradient disagrees with the hand-written one " \
        f"(max abs difference {np.max(np.abs(got - want)):.3g})"


def peak_memory(fn: Callable, args: tuple) -> int:
    """Peak bytes allocated during one call `fn(*args)`, as traced by tracemalloc."""
    tracemalloc.start()
    try:
        fn(*args)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# -- reporting ----------------------------------------------------------------------------

def fmt_time(t: float | None) -> str:
    if t is None:
        return "-"
    for unit, scale in (("ns", 1e-9), ("us", 1e-6), ("ms", 1e-3), ("s", 1.0)):
        v = t / scale
        if v < 999.5 or unit == "s":
            return f"{v:.3g} {unit}" if v < 100 else f"{v:.0f} {unit}"
    raise AssertionError


def fmt_ratio(r: float | None) -> str:
    return "-" if r is None else (f"{r:.2f}x" if r < 10 else f"{r:.1f}x" if r < 100
                                  else f"{r:.0f}x")


def fmt_kib(n: int) -> str:
    return f"{n / 1024:.1f} KiB"


def table(header: list[str], body: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in body)) for i, h in enumerate(header)]

    def line(cells):
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths)))
    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in body)])


# -- one row ----------------------------------------------------------------------------------

@dataclass
class Measured:
    cells: list[str]                       # its line of the main table
    memory: list[str] | None               # its line of the memory table (array rows)
    df: Callable                           # astgrad's transform, for --source and warnings
    ratio: float                           # astgrad/hand


def contenders(row: Row, df: Callable, frameworks: list[str]) -> dict[str, tuple]:
    """name -> (call, arguments): hand-written, astgrad and the other frameworks, each
    checked against the hand-written derivative first (which also compiles JAX's)."""
    want = row.hand(*row.args)
    check(row.name, "astgrad", df(*row.args), want)
    calls = {"hand": (row.hand, row.args), "astgrad": (df, row.args)}
    for name in frameworks:
        made = FRAMEWORKS[name][1](row) if name in row.others else None
        if made is not None:
            check(row.name, name, made[0](*made[1]), want)
            calls[name] = made
    return calls


def measure(row: Row, frameworks: list[str], target: float, repeats: int,
            builds: int) -> Measured:
    t_first, df = first_call(row)
    firsts = [t_first] + [first_call(row)[0] for _ in range(builds - 1)]
    calls = contenders(row, df, frameworks)
    t = per_call({k: timer(fn, row.names, args) for k, (fn, args) in calls.items()},
                 target, repeats)
    ratio = t["astgrad"] / t["hand"]
    cells = [row.name, fmt_time(t["hand"]), fmt_time(t["astgrad"]), fmt_ratio(ratio),
             fmt_ratio(row.target)]
    for name in frameworks:
        cells += [fmt_time(t[name]), fmt_ratio(t[name] / t["astgrad"])] if name in t \
            else ["-", "-"]
    t_first = statistics.median(firsts)
    cells += [fmt_time(t_first), fmt_time(max(t_first - t["astgrad"], 0.0))]
    memory = None
    if row.arrays:
        peaks = {k: peak_memory(fn, args) for k, (fn, args) in calls.items()}
        memory = [row.name, fmt_kib(peaks["hand"]), fmt_kib(peaks["astgrad"]),
                  fmt_ratio(peaks["astgrad"] / peaks["hand"])]
        for name in frameworks:
            memory += [fmt_kib(peaks[name]), fmt_ratio(peaks[name] / peaks["astgrad"])] \
                if name in peaks else ["-", "-"]
    return Measured(cells, memory, df, ratio)


def lookup_note(target: float, repeats: int) -> str:
    """poly's gradient looked up on every call, `ag.grad(f)(...)`, against `df(...)`."""
    row = rows()[0]
    f = row.make()
    df = ag.grad(f)
    df(*row.args)                                 # generated before anything is timed
    timers = {"hand": timer(row.hand, row.names, row.args),
              "astgrad": timer(df, row.names, row.args),
              "lookup": timer(None, row.names, row.args, callee="ag.grad(f)",
                              namespace={"ag": ag, "f": f})}
    t = per_call(timers, target, repeats)
    return (f"poly: ag.grad(f)(x, a, b, c), the gradient looked up on every call: "
            f"{fmt_time(t['lookup'])} per call ({fmt_ratio(t['lookup'] / t['hand'])} "
            f"hand-written, {fmt_ratio(t['lookup'] / t['astgrad'])} df(x, a, b, c))")


# -- the first call of a 20-line function -----------------------------------------------------

def differences_check(f: Callable, args: tuple, g: np.ndarray) -> None:
    """<g, v> against a central difference of f along 3 random directions v."""
    rng = np.random.default_rng(0)
    for _ in range(3):
        v = rng.standard_normal(np.shape(args[0]))
        h = 1e-6
        fd = (f(args[0] + h * v, *args[1:]) - f(args[0] - h * v, *args[1:])) / (2 * h)
        assert abs(fd - g @ v) <= 1e-6 * max(1.0, abs(fd)), \
            f"first call 20 lines: gradient {g @ v} along v, central differences {fd}"


def build_row(builds: int, target: float, repeats: int) -> tuple[list[str], str]:
    """The generation table's row for `workloads.make_fit_loss`, and its generated code."""
    args = wl.fit_loss_data(9)
    firsts = []
    for _ in range(builds):
        f = wl.make_fit_loss()
        t0 = time.perf_counter()
        g = ag.grad(f)(*args)
        firsts.append(time.perf_counter() - t0)
        differences_check(f, args, g)
    df = ag.grad(f)
    steady = per_call({"astgrad": timer(df, ("w", "X", "y", "lam"), args)}, target,
                      repeats)["astgrad"]
    t_first = statistics.median(firsts)
    user_lines = len(inspect.getsource(f).splitlines())
    source = ag.source(df)
    return ["first call 20 lines", str(user_lines), str(len(source.splitlines())),
            fmt_time(t_first), fmt_time(max(t_first - steady, 0.0)),
            fmt_time(BUILD_TARGET), fmt_time(steady)], source


# -- main ---------------------------------------------------------------------------------

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: short timings, one build per row")
    parser.add_argument("--blas-threads", type=int, default=1, metavar="N",
                        help="BLAS threads (default 1, for stable times; 0: the library's "
                             "default)")
    parser.add_argument("--source", action="store_true",
                        help="print astgrad's generated code for every row")
    parser.add_argument("--rows", default="",
                        help="comma-separated prefixes of the rows to run (default: all)")
    opts = parser.parse_args(argv)
    repeats, target, builds = (2, 0.01, 1) if opts.quick else (5, 0.2, 5)
    start = time.perf_counter()
    frameworks = [name for name, (module, _) in FRAMEWORKS.items() if module is not None]
    print(f"astgrad {ag.__version__} ({os.path.dirname(ag.__file__)}), numpy "
          f"{np.__version__}, Python {platform.python_version()}; other frameworks: "
          f"{', '.join(frameworks) or 'none installed'}")
    print(f"per-call time: best of {repeats} interleaved repeat(s), autoranged loops of "
          f">= {target} s; build: median of {builds} fresh function(s); BLAS threads: "
          f"{os.environ.get('OPENBLAS_NUM_THREADS', 'library default')}\n")
    prefixes = tuple(p for p in opts.rows.split(",") if p)
    chosen = [r for r in rows() if not prefixes or r.name.startswith(prefixes)]
    measured = [measure(r, frameworks, target, repeats, builds) for r in chosen]
    if chosen:                       # `--rows first` runs only the first-call row below
        report(chosen, measured, frameworks, opts.source)
    if not prefixes or "poly".startswith(prefixes) or "first".startswith(prefixes):
        print(lookup_note(target, repeats))
        cells, source = build_row(builds, target, repeats)
        print("\nfirst call (generation, compilation and one call) of a fresh function:")
        print(table(["row", "user lines", "generated lines", "1st call", "build", "target",
                     "later calls"], [cells]))
        if opts.source:
            print(f"\n--- generated code for first call 20 lines ---\n{source}")
    print(f"\ntotal benchmark time: {time.perf_counter() - start:.1f} s")
    return 0


def report(chosen: list[Row], measured: list[Measured], frameworks: list[str],
           source: bool) -> None:
    """The main table, the memory table, the rows over target and any generated code."""
    header = ["row", "hand-written", "astgrad", "astgrad/hand", "target"]
    for name in frameworks:
        header += [name, f"{name}/astgrad"]
    print(table(header + ["1st call", "build"], [m.cells for m in measured]))
    over = [f"{r.name} {fmt_ratio(m.ratio)} (target {fmt_ratio(r.target)})"
            for r, m in zip(chosen, measured) if r.target and m.ratio > r.target]
    print(f"over target: {', '.join(over) or 'none'}\n")
    memory = [m.memory for m in measured if m.memory]
    if memory:
        mem_header = ["row", "hand-written", "astgrad", "astgrad/hand"]
        for name in frameworks:
            mem_header += [name, f"{name}/astgrad"]
        print(f"peak memory of one gradient call (tracemalloc; target astgrad/hand <= "
              f"{fmt_ratio(MEMORY_TARGET)}):")
        print(table(mem_header, memory))
        print()
    for r, m in zip(chosen, measured):
        if source:
            print(f"--- generated code for {r.name} ---\n{ag.source(m.df)}\n")
        elif m.ratio > SLOW:
            print(f"WARNING: {r.name}: astgrad is {m.ratio:.1f}x slower than the hand-written "
                  f"derivative (threshold {SLOW}x). Generated code:\n{ag.source(m.df)}\n")


if __name__ == "__main__":
    sys.exit(main())
