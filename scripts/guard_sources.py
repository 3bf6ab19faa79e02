"""Write `ag.source` of every catalogue function under grad, vjp, jvp and grad-of-grad.

A refactoring guard: run it before a change and after, and compare the two
files (`diff`). The same compiler must give byte-identical output.

    python scripts/guard_sources.py > before.txt
    ... change the compiler ...
    python scripts/guard_sources.py > after.txt && diff before.txt after.txt
"""
from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import astgrad as ag  # noqa: E402
from astgrad.testing import _like, _projected  # noqa: E402
from tests import functions  # noqa: E402
from tests.conftest import args_for  # noqa: E402
from tests.test_grads import CATALOGUE, float_params  # noqa: E402


def _record(label, make):
    try:
        text = make()
    except Exception as exc:                  # the refusal is behaviour too
        text = f"!! {type(exc).__name__}: {exc}\n"
    print(f"===== {label}")
    print(text, end="" if text.endswith("\n") else "\n")


def main() -> None:
    assert functions.__name__
    for fn in CATALOGUE:
        args = args_for(fn)
        wrt = float_params(fn, args)
        name = fn.__name__
        rng = np.random.default_rng(0)

        def vjp():
            t = ag.vjp(fn, wrt=wrt)
            t(*args)
            return ag.source(t)

        def grad():
            t = ag.grad(fn, wrt=wrt)
            t(*args)
            return ag.source(t)

        def jvp():
            t = ag.jvp(fn, wrt=wrt)
            tangents = tuple(_like(args[i], rng) for i in wrt)
            t(*args, tangents)
            return ag.source(t)

        def grad_of_grad():
            value = fn(*args)
            scalar = fn if np.ndim(value) == 0 and not isinstance(value, tuple) else \
                _projected(fn, _like(value, np.random.default_rng(1)))
            t = ag.vjp(ag.grad(scalar, wrt=wrt), wrt=wrt)   # as check_grads(order=2)
            t(*args)
            return ag.source(t)

        for label, make in (("vjp", vjp), ("grad", grad), ("jvp", jvp),
                            ("grad-of-grad", grad_of_grad)):
            _record(f"{name} {label}", make)


if __name__ == "__main__":
    main()
