"""Run a differential fuzzing campaign against astgrad (issue 9).

    python scripts/fuzz_campaign.py --programs 10000 --seed 0 --jobs 2

prints programs by level and outcome (right, refused, wrong, crash, nonsmooth,
timeout) with CPU time, the refusals by construct and the failures by
signature, and writes each failing or refused program as a standalone repro
file under --out (replay one with `python -m tests.fuzz replay FILE --shrink`).
`--astgrad DIR` checks the astgrad package found in DIR instead of this checkout's.

"nonsmooth" means finite differences cannot judge the program at its point: two step
sizes disagree, the one-sided slopes do (a kink at the point), or the differences
change when taken again in np.longdouble (they measure float64 rounding).
"""
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent

if __name__ == "__main__":
    argv = sys.argv[1:]
    if "--astgrad" in argv:
        i = argv.index("--astgrad")
        sys.path.insert(0, argv[i + 1])
        del argv[i:i + 2]
    sys.path.insert(1 if sys.path[0] != str(ROOT) else 0, str(ROOT))
    sys.path[:] = [p for p in sys.path if p != str(ROOT / "scripts")]
    from tests.fuzz.campaign import main
    sys.exit(main(argv))
