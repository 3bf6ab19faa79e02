"""Time astgrad gradients against hand-written NumPy gradients (and autograd).

What is measured, per row (one function and its inputs):

* hand-written: an expert NumPy gradient of the same function, called directly;
* astgrad: ``df = ag.grad(f)`` made once, then ``df(...)``: the whole call a user
  makes, astgrad's dispatcher included;
* autograd (HIPS), and ``jax.jit(jax.grad(f))`` / ``torch.autograd.grad`` when
  those are importable (each skipped silently when not);
* build: the first call ``ag.grad(f)(...)`` on a fresh function object (astgrad
  caches per function object, so each build uses a new one from a factory).
  "1st call" is that whole call; "build" is it less one steady-state call, i.e.
  the time spent generating code (median over several fresh functions).

Per-call times use ``timeit`` with a compiled ``fn(arg, ...)`` statement, a loop
count chosen autorange-style (1, 2, 5, 10, 20, ... until one run takes at least
0.2 s), and the best of several repeats, interleaved between the contenders of a
row so that a slow spell of the machine does not skew their ratio. Before anything
is timed, every gradient is checked against the hand-written one with
``np.allclose``; a wrong gradient stops the script with an AssertionError.

Ratios: ``astgrad/hand`` (1.00x means as fast as hand-written code; lower is
better) and ``autograd/astgrad`` (how many times faster astgrad is).

The ``rnn T=...`` rows differentiate a loop: ``h = tanh(W @ h + U @ X[t] + b)`` over
T steps (hidden and input size 16), loss ``sum(h_T ** 2)``, gradient with respect to
(W, U, b, h0); the hand-written gradient is backpropagation through time (the states
kept in a list, a backward loop accumulating ``np.outer`` products). For these rows a
second table gives the peak memory of one gradient call, measured with ``tracemalloc``
(started just before the call, peak read just after it): what the forward sweep keeps
for the reverse sweep, the temporaries and the result.

Two rows time a whole matrix instead of a gradient: ``rosenbrock hessian n=30``
(``ag.hessian`` of the 30-input Rosenbrock function against its closed-form Hessian)
and ``tridiagonal jacobian n=200`` (``ag.jacobian`` of a discretised 1-D
reaction-diffusion residual, ``-u'' = u (1 - u)``, whose Jacobian is tridiagonal,
against a hand-written dense one). Both run forward mode with a batch of tangents:
one call of the jvp's batched code per chunk of directions (``astgrad/batched.py``).
Their temporaries are tens of KB each, so glibc's trimming (below) moves them most:
the Jacobian row runs 2-4x faster with ``MALLOC_TRIM_THRESHOLD_=100000000``.

Run it from the repository root::

    python benchmarks/bench_grad.py            # about 40 s on 2 cores
    python benchmarks/bench_grad.py --quick    # smoke run, a few seconds
    python benchmarks/bench_grad.py --source   # also print astgrad's generated code
    python benchmarks/bench_grad.py --blas-threads 0   # BLAS's own thread count

BLAS runs on one thread unless ``--blas-threads`` says otherwise: on a 2-core
machine a multithreaded matrix-vector product slows down 10-50x at random as
soon as another process takes a core. Rows whose temporaries are tens of KB
(logreg 10000x100) can also shift by ~30% from one process to the next when
glibc's malloc hands memory back to the OS and takes page faults on every call;
``MALLOC_TRIM_THRESHOLD_=100000000`` in the environment removes that effect.

A row where astgrad is more than 3x slower than hand-written code is flagged
below the table, with the generated source that explains it.
"""
from __future__ import annotations

import argparse
import importlib
import os
import platform
import statistics
import sys
import time
import timeit
import tracemalloc
from dataclasses import dataclass
from typing import Callable

_BLAS_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _set_blas_threads(argv: list[str]) -> None:
    """Apply --blas-threads (default 1) through the environment: before NumPy is imported.

    On a small machine, multithreaded BLAS competing with any other process for the
    cores makes a matrix-vector product 10-50x slower at random; one thread gives
    stable times, and the ratios compare the same BLAS calls either way.
    """
    value = "1"
    for i, arg in enumerate(argv):
        if arg == "--blas-threads" and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--blas-threads="):
            value = arg.partition("=")[2]
    if value != "0":
        for var in _BLAS_VARS:
            os.environ[var] = value


if __name__ == "__main__":
    _set_blas_threads(sys.argv[1:])

import numpy as np  # noqa: E402  (after the BLAS thread count is set)

import astgrad as ag  # noqa: E402


def _optional(name: str):
    """The module `name`, or None when it cannot be imported (for any reason)."""
    try:
        return importlib.import_module(name)
    except Exception:
        return None


autograd = _optional("autograd")
anp = _optional("autograd.numpy") if autograd else None
jax = _optional("jax")
jnp = _optional("jax.numpy") if jax else None
torch = _optional("torch")
if jax is not None:
    jax.config.update("jax_enable_x64", True)      # compare in float64, like NumPy

SLOW = 3.0     # astgrad/hand ratio above which a row is reported as a problem


# -- the functions ------------------------------------------------------------------------
# Each differentiated function is made by a factory, so that a call gives a new function
# object (astgrad caches generated code per function object: a fresh one is a fresh build).

def make_poly():
    def poly(x, a, b, c):
        return a * x ** 2 + b * x + c
    return poly


def poly_grad(x, a, b, c):
    return 2 * a * x + b


def make_logreg():
    def loss(w, X, y):
        return np.mean(np.log(1 + np.exp(-y * (X @ w))))
    return loss


def logreg_grad(w, X, y):
    z = X @ w
    e = np.exp(-y * z)
    return X.T @ (-y * e / (1 + e)) / len(y)


def make_chain():
    def chain(x):
        return np.sum(np.tanh(np.sin(x) * x + np.exp(-x ** 2)))
    return chain


def chain_grad(x):
    s = np.sin(x)
    e = np.exp(-x * x)
    t = np.tanh(s * x + e)
    return (1 - t * t) * (np.cos(x) * x + s - 2 * x * e)


def make_rnn():
    def rnn(W, U, b, h0, X):
        h = h0
        for t in range(X.shape[0]):
            h = np.tanh(W @ h + U @ X[t] + b)
        return np.sum(h ** 2)
    return rnn


def rnn_grad(W, U, b, h0, X):
    """Backpropagation through time, by hand: keep every state, then walk back."""
    hs = [h0]
    h = h0
    for t in range(X.shape[0]):
        h = np.tanh(W @ h + U @ X[t] + b)
        hs.append(h)
    dW = np.zeros_like(W)
    dU = np.zeros_like(U)
    db = np.zeros_like(b)
    dh = 2 * h
    for t in range(X.shape[0] - 1, -1, -1):
        dz = dh * (1 - hs[t + 1] ** 2)
        dW += np.outer(dz, hs[t])
        dU += np.outer(dz, X[t])
        db += dz
        dh = W.T @ dz
    return dW, dU, db, dh


def make_rosenbrock():
    def rosenbrock(x):
        return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
    return rosenbrock


def rosenbrock_hessian(x):
    """The closed-form Hessian: tridiagonal, written into a dense matrix."""
    n = x.shape[0]
    i = np.arange(n)
    H = np.zeros((n, n))
    d = np.zeros(n)
    d[:-1] = 1200.0 * x[:-1] ** 2 - 400.0 * x[1:] + 2.0
    d[1:] += 200.0
    H[i, i] = d
    H[i[:-1], i[1:]] = H[i[1:], i[:-1]] = -400.0 * x[:-1]
    return H


def make_reaction_diffusion():
    def residual(u):
        """-u'' = u (1 - u) on (0, 1), u = 0 at both ends, by central differences."""
        h = 1.0 / (u.shape[0] + 1)
        padded = np.concatenate([np.zeros(1), u, np.zeros(1)])
        return (padded[:-2] - 2.0 * u + padded[2:]) / h ** 2 + u * (1.0 - u)
    return residual


def reaction_diffusion_jacobian(u):
    """The residual's Jacobian by hand: tridiagonal, written into a dense matrix."""
    n = u.shape[0]
    i = np.arange(n)
    c = (n + 1.0) ** 2
    J = np.zeros((n, n))
    J[i, i] = -2.0 * c + 1.0 - 2.0 * u
    J[i[:-1], i[1:]] = J[i[1:], i[:-1]] = c
    return J


# The same functions written for the other frameworks (each with its own numpy module).

def poly_any(x, a, b, c):                  # plain arithmetic works for all of them
    return a * x ** 2 + b * x + c


def logreg_autograd(w, X, y):
    return anp.mean(anp.log(1 + anp.exp(-y * (X @ w))))


def chain_autograd(x):
    return anp.sum(anp.tanh(anp.sin(x) * x + anp.exp(-x ** 2)))


def rnn_autograd(W, U, b, h0, X):
    h = h0
    for t in range(X.shape[0]):
        h = anp.tanh(W @ h + U @ X[t] + b)
    return anp.sum(h ** 2)


def logreg_jax(w, X, y):
    return jnp.mean(jnp.log(1 + jnp.exp(-y * (X @ w))))


def chain_jax(x):
    return jnp.sum(jnp.tanh(jnp.sin(x) * x + jnp.exp(-x ** 2)))


def logreg_torch(w, X, y):
    return torch.mean(torch.log(1 + torch.exp(-y * (X @ w))))


def chain_torch(x):
    return torch.sum(torch.tanh(torch.sin(x) * x + torch.exp(-x ** 2)))


# -- the rows -----------------------------------------------------------------------------

@dataclass
class Row:
    name: str
    make: Callable[[], Callable]           # factory of the function astgrad differentiates
    hand: Callable                         # hand-written gradient wrt the `wrt` argument(s)
    names: tuple[str, ...]                 # argument names, for the timed statement
    args: tuple
    autograd_f: Callable | None = None
    jax_f: Callable | None = None          # jax and torch: gradient wrt the first argument
    torch_f: Callable | None = None        # (rows with a tuple `wrt` leave them out)
    wrt: int | tuple[int, ...] = 0         # ag.grad(f, wrt=...): a tuple gives a tuple
    memory: bool = False                   # also measure the peak memory of one call
    transform: str = "grad"                # ag.grad, or ag.hessian / ag.jacobian


def logreg_data(n: int, d: int, seed: int):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    w = 0.1 * rng.standard_normal(d)
    return w, X, y


def rnn_data(T: int, hidden: int, inputs: int, seed: int):
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((hidden, hidden)) / np.sqrt(hidden)
    U = rng.standard_normal((hidden, inputs)) / np.sqrt(inputs)
    b = 0.1 * rng.standard_normal(hidden)
    h0 = 0.5 * rng.standard_normal(hidden)
    X = rng.standard_normal((T, inputs))
    return W, U, b, h0, X


def rows() -> list[Row]:
    chain_x = np.random.default_rng(3).standard_normal(1_000_000)
    rnn_names = ("W", "U", "b", "h0", "X")
    return [
        Row("poly", make_poly, poly_grad, ("x", "a", "b", "c"), (0.5, 1.0, -2.0, 1.0),
            poly_any, poly_any, poly_any),
        Row("logreg 100x10", make_logreg, logreg_grad, ("w", "X", "y"),
            logreg_data(100, 10, 1), logreg_autograd, logreg_jax, logreg_torch),
        Row("logreg 10000x100", make_logreg, logreg_grad, ("w", "X", "y"),
            logreg_data(10_000, 100, 2), logreg_autograd, logreg_jax, logreg_torch),
        Row("chain 1e6", make_chain, chain_grad, ("x",), (chain_x,),
            chain_autograd, chain_jax, chain_torch),
        Row("rnn T=50", make_rnn, rnn_grad, rnn_names, rnn_data(50, 16, 16, 4),
            rnn_autograd, wrt=(0, 1, 2, 3), memory=True),
        Row("rnn T=1000", make_rnn, rnn_grad, rnn_names, rnn_data(1000, 16, 16, 5),
            rnn_autograd, wrt=(0, 1, 2, 3), memory=True),
        Row("rosenbrock hessian n=30", make_rosenbrock, rosenbrock_hessian, ("x",),
            (np.linspace(-1.2, 1.4, 30),), transform="hessian"),
        Row("tridiagonal jacobian n=200", make_reaction_diffusion,
            reaction_diffusion_jacobian, ("u",),
            (np.sin(np.linspace(0.0, np.pi, 202)[1:-1]),), transform="jacobian"),
    ]


# -- the other frameworks' gradient calls --------------------------------------------------

def autograd_call(row: Row):
    """`autograd.grad(f)` made once, called on the NumPy arguments."""
    if autograd is None or row.autograd_f is None:
        return None
    if isinstance(row.wrt, int):
        return autograd.grad(row.autograd_f, row.wrt), row.args
    # Several arguments: autograd differentiates one argument, so pass them as a tuple.
    f, wrt = row.autograd_f, row.wrt

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
    if jax is None or row.jax_f is None or not isinstance(row.wrt, int):
        return None
    jitted = jax.jit(jax.grad(row.jax_f))

    def call(*args):
        return jitted(*args).block_until_ready()
    args = tuple(jnp.asarray(a) if isinstance(a, np.ndarray) else a for a in row.args)
    return call, args


def torch_call(row: Row):
    """`torch.autograd.grad(f(x, ...), x)` with x a float64 tensor requiring grad."""
    if torch is None or row.torch_f is None or not isinstance(row.wrt, int):
        return None
    f = row.torch_f

    def call(x, *rest):
        return torch.autograd.grad(f(x, *rest), x)[0]
    first = torch.tensor(np.asarray(row.args[0], dtype=np.float64), requires_grad=True)
    rest = tuple(torch.from_numpy(a) if isinstance(a, np.ndarray) else a for a in row.args[1:])
    return call, (first, *rest)


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


def first_call(row: Row) -> float:
    """Seconds for `ag.grad(f)(...)` on a brand-new function object: generation included."""
    f = row.make()
    t0 = time.perf_counter()
    g = getattr(ag, row.transform)(f, wrt=row.wrt)(*row.args)
    elapsed = time.perf_counter() - t0
    check(row.name, "astgrad (fresh build)", g, row.hand(*row.args))
    return elapsed


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


# -- main ---------------------------------------------------------------------------------

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: two short repeats per timing, one build per row")
    parser.add_argument("--blas-threads", type=int, default=1, metavar="N",
                        help="BLAS threads (default 1, for stable times; 0: the library's "
                             "default)")
    parser.add_argument("--source", action="store_true",
                        help="print astgrad's generated code for every row")
    opts = parser.parse_args(argv)
    repeats, target, builds = (2, 0.02, 1) if opts.quick else (5, 0.2, 5)
    start = time.perf_counter()

    frameworks = [("autograd", autograd_call)]
    frameworks += [(name, fn) for name, mod, fn in (("jax", jax, jax_call),
                                                   ("torch", torch, torch_call)) if mod]
    extras = "".join(f", {m.__name__}" for m in (jax, torch) if m)
    print(f"astgrad {ag.__version__} ({os.path.dirname(ag.__file__)}), numpy "
          f"{np.__version__}, Python {platform.python_version()}; autograd "
          f"{'yes' if autograd else 'not installed'}{extras}")
    blas = os.environ.get("OPENBLAS_NUM_THREADS", "library default")
    print(f"per-call time: best of {repeats} interleaved repeat(s), autoranged loops of "
          f">= {target} s; build: median of {builds} fresh function(s); BLAS threads: "
          f"{blas}\n")

    header = ["row", "hand-written", "astgrad", "astgrad/hand"]
    for name, _ in frameworks:
        header += [name, f"{name}/astgrad"]
    header += ["1st call", "build"]
    body, slow, notes, memory = [], [], [], []
    for row in rows():
        f = row.make()
        df = getattr(ag, row.transform)(f, wrt=row.wrt)
        want = row.hand(*row.args)
        check(row.name, "astgrad", df(*row.args), want)
        others = {}
        for name, make_call in frameworks:
            made = make_call(row)
            if made is not None:
                call, args = made
                check(row.name, name, call(*args), want)     # also warms up (jax compiles)
                others[name] = (call, args)

        timers = {"hand": timer(row.hand, row.names, row.args),
                  "astgrad": timer(df, row.names, row.args)}
        if row.name == "poly":
            timers["lookup"] = timer(None, row.names, row.args, callee="ag.grad(f)",
                                     namespace={"ag": ag, "f": f})
        for name, (call, args) in others.items():
            timers[name] = timer(call, row.names, args)
        t = per_call(timers, target, repeats)
        t_hand, t_ag = t["hand"], t["astgrad"]

        cells = [row.name, fmt_time(t_hand), fmt_time(t_ag), fmt_ratio(t_ag / t_hand)]
        for name, _ in frameworks:
            if name in t:
                cells += [fmt_time(t[name]), fmt_ratio(t[name] / t_ag)]
            else:
                cells += ["-", "-"]
        t_first = statistics.median(first_call(row) for _ in range(builds))
        cells += [fmt_time(t_first), fmt_time(max(t_first - t_ag, 0.0))]
        body.append(cells)
        if "lookup" in t:
            notes.append(f"poly: ag.grad(f)(x, a, b, c), the gradient looked up on every "
                         f"call: {fmt_time(t['lookup'])} per call "
                         f"({fmt_ratio(t['lookup'] / t_hand)} hand-written, "
                         f"{fmt_ratio(t['lookup'] / t_ag)} df(x, a, b, c))")
        if row.memory:
            peaks = {"hand": peak_memory(row.hand, row.args),
                     "astgrad": peak_memory(df, row.args)}
            for name, (call, args) in others.items():
                peaks[name] = peak_memory(call, args)
            mem_cells = [row.name, fmt_kib(peaks["hand"]), fmt_kib(peaks["astgrad"]),
                         fmt_ratio(peaks["astgrad"] / peaks["hand"])]
            for name, _ in frameworks:
                mem_cells += ([fmt_kib(peaks[name]), fmt_ratio(peaks[name] / peaks["astgrad"])]
                              if name in peaks else ["-", "-"])
            memory.append(mem_cells)
        if t_ag / t_hand > SLOW:
            slow.append((row, df, t_ag / t_hand))
        if opts.source:
            notes.append(f"\n--- generated code for {row.name} ---\n{ag.source(df)}")

    print(table(header, body))
    print()
    if memory:
        mem_header = ["row", "hand-written", "astgrad", "astgrad/hand"]
        for name, _ in frameworks:
            mem_header += [name, f"{name}/astgrad"]
        print("peak memory of one gradient call (tracemalloc):")
        print(table(mem_header, memory))
        print()
    for note in notes:
        print(note)
    for row, df, ratio in slow:
        print(f"\nWARNING: {row.name}: astgrad is {ratio:.1f}x slower than the hand-written "
              f"gradient (threshold {SLOW}x). Generated code:\n{ag.source(df)}")
    print(f"\ntotal benchmark time: {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
