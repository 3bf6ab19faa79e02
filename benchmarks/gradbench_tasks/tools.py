"""The differentiation tools `gradbench.py` compares, behind one small interface.

A tool gives, for a task module, the module as the tool runs it (`module`: the same module, or
a fresh copy whose `np` is the tool's NumPy, e.g. `autograd.numpy`), and the operators
`grad(f, wrt)` and `hvp(f, wrt)` (a function of `(*args, v)`). `prepare` converts the inputs to
the tool's arrays and `ready` waits for a result (JAX runs asynchronously).
"""
from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

import numpy as np

import astgrad as ag


class Unavailable(Exception):
    """The tool has no version of this computation (e.g. no hand-written gradient)."""


def _optional(name: str):
    try:
        return importlib.import_module(name)
    except Exception:
        return None


def rebound(module: ModuleType, numpy_like: ModuleType, suffix: str) -> ModuleType:
    """A fresh copy of `module` whose functions call `numpy_like` wherever they say `np`."""
    spec = importlib.util.spec_from_file_location(f"{module.__name__}_{suffix}", module.__file__)
    copy = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(copy)
    copy.np = numpy_like
    return copy


class Tool:
    name = "?"
    nested = True                         # can run the nested tasks

    def module(self, module: ModuleType) -> ModuleType:
        return module

    def grad(self, f, wrt=0):
        raise NotImplementedError

    def hvp(self, f, wrt=0):
        raise NotImplementedError

    def prepare(self, args: tuple) -> tuple:
        return args

    def ready(self, result):
        return result


class Astgrad(Tool):
    name = "astgrad"

    def grad(self, f, wrt=0):
        return ag.grad(f, wrt=wrt)

    def hvp(self, f, wrt=0):
        return ag.hvp(f, wrt=wrt)


class Hand(Tool):
    """The hand-written gradients of each task module's `HAND` table."""
    name = "hand"

    def grad(self, f, wrt=0):
        return self._lookup(f, f.__name__)

    def hvp(self, f, wrt=0):
        return self._lookup(f, f.__name__ + " hvp")

    @staticmethod
    def _lookup(f, key):
        table = getattr(importlib.import_module(f.__module__), "HAND", {})
        if key not in table:
            raise Unavailable(f"no hand-written derivative for {key}")
        return table[key]


class Autograd(Tool):
    name = "autograd"

    def __init__(self, autograd, anp):
        self.autograd, self.anp = autograd, anp

    def module(self, module):
        return rebound(module, self.anp, "autograd")

    def grad(self, f, wrt=0):
        if isinstance(wrt, int):
            return self.autograd.grad(f, wrt)
        grad_all = self.autograd.grad(lambda params, *rest: f(*_insert(params, rest, wrt)))

        def grad_tuple(*args):                # autograd differentiates one argument: a tuple
            params = tuple(args[i] for i in wrt)
            return tuple(grad_all(params, *(a for i, a in enumerate(args) if i not in wrt)))
        return grad_tuple

    def hvp(self, f, wrt=0):
        return self.autograd.hessian_vector_product(f, wrt)


def _insert(params, rest, wrt):
    args = list(rest)
    for i, p in zip(wrt, params):
        args.insert(i, p)
    return args


class Jax(Tool):
    """`jax.jit` of `jax.grad` (the first call, which compiles, is not timed). Nested tasks are
    left out: their solvers' Python `while` loops on traced values do not jit."""
    name = "jax"
    nested = False

    def __init__(self, jax, jnp):
        self.jax, self.jnp = jax, jnp
        jax.config.update("jax_enable_x64", True)

    def module(self, module):
        return rebound(module, self.jnp, "jax")

    def grad(self, f, wrt=0):
        return self._jit(self.jax.grad(f, argnums=wrt))

    def hvp(self, f, wrt=0):
        jax = self.jax

        def hvp(*args):
            def g(x):
                return jax.grad(f, argnums=wrt)(*args[:wrt], x, *args[wrt + 1:-1])
            return jax.jvp(g, (args[wrt],), (args[-1],))[1]
        return self._jit(hvp)

    def objective(self, f):
        return self._jit(f)

    def _jit(self, fn):
        """`fn` jitted with its Python int arguments static (loop counts, sizes)."""
        jitted = {}

        def call(*args):
            if "fn" not in jitted:
                static = tuple(i for i, a in enumerate(args) if isinstance(a, int))
                jitted["fn"] = self.jax.jit(fn, static_argnums=static)
            return jitted["fn"](*args)
        return call

    def prepare(self, args):
        return tuple(self.jnp.asarray(a) if isinstance(a, np.ndarray) else a for a in args)

    def ready(self, result):
        return self.jax.block_until_ready(result)


def available() -> tuple[list[Tool], list[str]]:
    """The tools importable here, and a note for each one left out."""
    tools: list[Tool] = [Astgrad(), Hand()]
    notes = []
    autograd = _optional("autograd")
    if autograd is not None:
        tools.append(Autograd(autograd, importlib.import_module("autograd.numpy")))
    else:
        notes.append("autograd: not installed (pip install autograd, or '.[bench]')")
    jax = _optional("jax")
    if jax is not None:
        tools.append(Jax(jax, importlib.import_module("jax.numpy")))
    else:
        notes.append("jax: not installed")
    if _optional("torch") is not None:
        notes.append("torch: installed but not compared: the objectives are NumPy code, and "
                     "torch has no NumPy namespace to run them with")
    else:
        notes.append("torch: not installed")
    return tools, notes
