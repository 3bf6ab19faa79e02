"""Check one repro file again, and optionally shrink it to a smaller program
that fails the same way."""
from __future__ import annotations

import argparse
import tempfile

from .oracle import FIRST, check
from .repro import read_repro, repro_text
from .shrink import shrink


def replay_main(argv) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz replay")
    parser.add_argument("file")
    parser.add_argument("--order", type=int, choices=(1, 2), default=2)
    parser.add_argument("--shrink", action="store_true", help="write FILE_shrunk.py")
    parser.add_argument("--budget", type=float, default=300.0, help="seconds for shrinking")
    args = parser.parse_args(argv)
    program = read_repro(args.file)
    folder = tempfile.mkdtemp(prefix="astgrad-replay-")
    outcome = check(program, folder, order=args.order, timeout=120)
    print(outcome.signature())
    print(outcome.message)
    if args.shrink and outcome.kind not in ("right", "nonsmooth"):
        first = outcome.stage in FIRST
        order, modes = (1, (outcome.stage,)) if first else (args.order, FIRST)
        counter = iter(range(10**9))

        def fails(candidate) -> bool:
            candidate.attempt = 1000 + next(counter)  # a fresh module name per trial
            return check(candidate, folder, order, 60, modes).signature() == \
                outcome.signature()
        small = shrink(program, fails, args.budget)
        small.attempt = program.attempt
        target = args.file[:-3] + "_shrunk.py"
        with open(target, "w") as handle:
            handle.write(repro_text(small, outcome))
        print(f"--- shrunk to {len(small.source.splitlines())} lines: {target}")
        print(small.source)
    return 0 if outcome.kind in ("right", "nonsmooth", "refused") else 1
