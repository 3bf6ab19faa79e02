"""Where a generated derivative spends its time: per-statement times of a bench_grad row.

For one row of `bench_grad.py` this prints three per-call times (the hand-written
derivative, astgrad's generated function called directly, and the same through astgrad's
dispatcher, i.e. what a user calls), then the generated source with each statement's
share of a call. The times per statement come from a copy of `ag.source(df)` (which runs
on its own with `np` and `rt` imported) with a clock read around every simple statement,
so they include ~0.1 us of clock per statement: read them for the rows whose calls take
tens of microseconds or more; for faster rows, compare whole calls of hand-edited copies.

    python benchmarks/line_times.py "elementwise 1e6"
    python benchmarks/line_times.py mlp --seconds 2
"""
from __future__ import annotations

import argparse
import ast
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import blas  # noqa: E402

if __name__ == "__main__":
    blas.set_threads(sys.argv[1:])             # before NumPy is imported

import numpy as np  # noqa: E402

import astgrad as ag  # noqa: E402
from astgrad import runtime as rt  # noqa: E402
from bench_grad import astgrad_of, check, fmt_time, per_call, rows, timer  # noqa: E402

_COMPOUND = (ast.If, ast.For, ast.While, ast.With, ast.Try, ast.FunctionDef)


class _Clocked(ast.NodeTransformer):
    """Every simple statement `s` becomes `_c = _clock(); s; _acc[i] += _clock() - _c`."""

    def __init__(self):
        self.statements: list[ast.stmt] = []

    def _timed(self, body: list[ast.stmt]) -> list[ast.stmt]:
        out = []
        for stmt in body:
            if isinstance(stmt, _COMPOUND):
                for field in ("body", "orelse", "finalbody"):
                    if getattr(stmt, field, None):
                        setattr(stmt, field, self._timed(getattr(stmt, field)))
                out.append(stmt)
                continue
            i = len(self.statements)
            self.statements.append(stmt)
            stop = ast.parse(f"_acc[{i}] += _clock() - _c").body
            if isinstance(stmt, ast.Return) and stmt.value is not None:
                value = ast.Assign([ast.Name("_r", ast.Store())], stmt.value, lineno=0)
                out += [*ast.parse("_c = _clock()").body, value, *stop,
                        ast.Return(ast.Name("_r", ast.Load()))]
            else:
                out += [*ast.parse("_c = _clock()").body, stmt, *stop]
        return out

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        node.body = self._timed(node.body)
        return node


def generated(source: str, name: str, clocked: bool):
    """The function `name` of `source`, compiled on its own (clocked: with the clocks,
    and the list of its statements). `math` is given too: generated code calls it where
    the user's code does, and its source names it in a comment, not an import."""
    tree = ast.parse(source)
    clock = _Clocked()
    fn_node = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name)
    if clocked:
        clock.visit(fn_node)
    ast.fix_missing_locations(tree)
    ns = {"np": np, "rt": rt, "math": math, "_clock": time.perf_counter,
          "_acc": [0.0] * len(clock.statements)}
    exec(compile(tree, f"<timed {name}>", "exec"), ns)
    return ns[name], ns["_acc"], clock.statements


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("row", help="a bench_grad row, or the start of its name")
    parser.add_argument("--seconds", type=float, default=1.0,
                        help="time spent calling the clocked copy (and a fifth of it per "
                             "timing loop of the whole calls)")
    parser.add_argument("--blas-threads", type=int, default=1)
    opts = parser.parse_args(argv)
    row = next(r for r in rows() if r.name.startswith(opts.row))
    df = astgrad_of(row, row.make())
    want = row.hand(*row.args)
    check(row.name, "astgrad", df(*row.args), want)
    source = ag.source(df)
    name = next(n.name for n in ast.parse(source).body if isinstance(n, ast.FunctionDef))
    plain, _, _ = generated(source, name, clocked=False)
    check(row.name, "its generated source", plain(*row.args), want)
    t = per_call({"hand": timer(row.hand, row.names, row.args),
                  "generated": timer(plain, row.names, row.args),
                  "dispatcher": timer(df, row.names, row.args)}, opts.seconds / 5, 5)
    print(f"{row.name}: hand-written {fmt_time(t['hand'])}, generated function "
          f"{fmt_time(t['generated'])}, through the dispatcher {fmt_time(t['dispatcher'])}")
    fn, acc, statements = generated(source, name, clocked=True)
    calls, start = 0, time.perf_counter()
    while time.perf_counter() - start < opts.seconds:
        fn(*row.args)
        calls += 1
    total = sum(acc)
    print(f"per statement, mean of {calls} calls (clocks included: {fmt_time(total / calls)} "
          f"per call):\n")
    for stmt, spent in zip(statements, acc):
        text = ast.unparse(stmt).replace("\n", "; ")
        print(f"{fmt_time(spent / calls):>9} {100 * spent / total:5.1f}%  {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
