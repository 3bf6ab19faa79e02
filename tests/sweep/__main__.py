"""`python -m tests.sweep --all [--order 2] [--only NAME]` runs the whole cross product and
prints a table: function, cases, ok, refused, wrong, crash; then each non-ok case."""
import argparse
import collections
import sys
import warnings

from . import cases, run, special

OUTCOMES = ("ok", "refused", "wrong", "crash")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.sweep")
    p.add_argument("--all", action="store_true", help="every case (else a sample of 400)")
    p.add_argument("--order", type=int, default=1, choices=(1, 2))
    p.add_argument("--only", help="functions whose name contains this")
    a = p.parse_args(argv)
    warnings.simplefilter("ignore")
    todo = cases.all_cases()
    if a.only:
        todo = [c for c in todo if a.only in c.sig.name]
    if not a.all:
        todo = cases.sample(todo, 400, seed=0)
    table = collections.defaultdict(collections.Counter)
    problems = []
    for c in todo:
        outcome, detail = run.check(c, a.order)
        table[c.sig.name][outcome] += 1
        if outcome not in ("ok", "invalid"):
            problems.append(f"{outcome:8} {c.id}: {detail}")
    for name, outcome, detail in special.run_all():
        table["special: " + name][outcome] += 1
        if outcome != "ok":
            problems.append(f"{outcome:8} special {name}: {detail}")
    _print(table)
    print("\n".join(problems))
    return 1 if any(p.startswith(("wrong", "crash")) for p in problems) else 0


def _print(table):
    print(f"{'function':44} {'cases':>6} " + " ".join(f"{o:>7}" for o in OUTCOMES))
    total = collections.Counter()
    for name, counts in table.items():
        total.update(counts)
        n = sum(counts[o] for o in OUTCOMES)
        print(f"{name:44} {n:6} " + " ".join(f"{counts[o]:7}" for o in OUTCOMES))
    n = sum(total[o] for o in OUTCOMES)
    print(f"{'total':44} {n:6} " + " ".join(f"{total[o]:7}" for o in OUTCOMES)
          + f"   (and {total['invalid']} NumPy rejects)")


if __name__ == "__main__":
    sys.exit(main())
