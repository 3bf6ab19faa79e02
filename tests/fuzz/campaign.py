"""Fuzzing campaigns: check many programs in worker processes, print a table by
level and outcome, the refusals by construct and the failures by signature,
and write every failing program as a standalone repro file."""
from __future__ import annotations

import argparse
import collections
import json
import multiprocessing
import os
import pathlib
import re
import sys
import tempfile
import time

from .features import FEATURES, LEVEL_NAMES, features_of, level_of_seed
from .generator import generate
from .oracle import check
from .outcome import KINDS, Outcome, generic
from .repro import write_repro


def run_one(job) -> tuple:
    """Generate and check one program (in a worker): (seed, level, outcome, seconds, program)."""
    seed, level, order, timeout, small, folder, extra = job
    start = time.process_time()  # CPU time: the machine may be shared
    try:
        features = features_of(level if level is not None else level_of_seed(seed)) | extra
        program = generate(seed, level, features if extra else None, small=small)
    except RuntimeError as exc:
        return seed, LEVEL_NAMES[level_of_seed(seed)] if level is None else level, \
            Outcome("crash", "generate", "the generator found no valid program", str(exc)), 0.0, None
    try:
        outcome = check(program, folder, order=order, timeout=timeout)
    except Exception as exc:  # noqa: BLE001 - a bug of the fuzzer must not end a campaign
        outcome = Outcome("crash", "fuzzer", f"the fuzzer itself: {type(exc).__name__}", repr(exc))
    return seed, program.level, outcome, time.process_time() - start, \
        program if outcome.kind not in ("right", "nonsmooth") else None


def campaign(seeds, level=None, order=2, timeout=60.0, small=False, jobs=2, out=None,
             progress=True, extra=frozenset(), log=None) -> list:
    """Check every seed; returns [(seed, level, outcome, seconds)], writing failing
    and refused programs under `out` when given. `order` may be a function of the seed."""
    work = tempfile.mkdtemp(prefix="astgrad-fuzz-")
    jobs_list = [(s, level, order(s) if callable(order) else order, timeout, small, work,
                  frozenset(extra)) for s in seeds]
    results, started = [], time.perf_counter()
    context = multiprocessing.get_context("fork")
    with context.Pool(jobs, maxtasksperchild=40) as pool:
        for i, (seed, lvl, outcome, seconds, program) in enumerate(
                pool.imap_unordered(run_one, jobs_list, chunksize=1)):
            results.append((seed, lvl, outcome, seconds))
            if log is not None:  # one line per program, so a stopped campaign still counts
                with open(log, "a") as handle:
                    handle.write(json.dumps({"seed": seed, "level": lvl, "seconds": round(
                        seconds, 3), **outcome.__dict__}) + "\n")
            if out is not None and program is not None:
                write_repro(pathlib.Path(out), program, outcome)
            if progress and (i + 1) % 100 == 0:
                print(f"  {i + 1}/{len(jobs_list)} programs, "
                      f"{time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    return sorted(results, key=lambda r: r[0])


def order_of(seed: int) -> int:
    """The mixed order: second order for every fourth program, first order for the rest."""
    return 2 if seed % 4 == 0 else 1


def table(results, wall: float) -> str:
    """Programs by level and outcome, then refusals by construct, then failures."""
    by_level = collections.defaultdict(collections.Counter)
    seconds = collections.Counter()
    for _, level, outcome, s in results:
        by_level[level][outcome.kind] += 1
        seconds[level] += s
    head = ["level", "programs"] + list(KINDS) + ["cpu s"]
    rows = []
    for level in [lv for lv in LEVEL_NAMES if lv in by_level]:
        c = by_level[level]
        rows.append([level, sum(c.values())] + [c[k] for k in KINDS] + [f"{seconds[level]:.0f}"])
    total = collections.Counter()
    for c in by_level.values():
        total.update(c)
    rows.append(["all", sum(total.values())] + [total[k] for k in KINDS] +
                [f"{sum(seconds.values()):.0f}"])
    lines = [_format([head] + rows), f"wall time {wall:.0f} s", ""]
    lines += _grouped(results, "refused", "refused, by construct (stage | error: construct)")
    lines += _grouped(results, ("wrong", "crash", "timeout"),
                      "failures, by signature (kind | stage | what)")
    return "\n".join(lines)


def _grouped(results, kinds, title) -> list:
    kinds = (kinds,) if isinstance(kinds, str) else kinds
    groups = collections.defaultdict(list)
    for seed, _, outcome, _ in results:
        if outcome.kind in kinds:
            key = outcome.signature() if len(kinds) > 1 else f"{outcome.stage} | {outcome.label}"
            groups[key].append(seed)
    if not groups:
        return [f"{title}: none", ""]
    lines = [title + ":"]
    for key, seeds in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        lines.append(f"  {len(seeds):5d}  {key}   (seeds {', '.join(map(str, seeds[:4]))}"
                     f"{', ...' if len(seeds) > 4 else ''})")
    return lines + [""]


def _format(rows) -> str:
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(str(c).rjust(w) if j else str(c).ljust(w)
                               for j, (c, w) in enumerate(zip(r, widths))) for r in rows)


def from_log(path) -> list:
    """The results of a campaign from its --log file (it may have been stopped), with
    refusals grouped again by today's construct labels."""
    results = []
    for line in pathlib.Path(path).read_text().splitlines():
        row = json.loads(line)
        outcome = Outcome(row["kind"], row["stage"], row["label"], row["message"])
        if outcome.kind == "refused":
            what = re.sub(r"^(<[^>]*>|\S+):\d+: ", "", outcome.message.split("\n")[0])
            outcome.label = f"{outcome.label.split(':')[0]}: {generic(what)}"[:120]
        results.append((row["seed"], row["level"], outcome, row["seconds"]))
    return sorted(results, key=lambda r: r[0])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--programs", "--n", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0, help="the first program's seed")
    parser.add_argument("--jobs", type=int, default=max(1, (os.cpu_count() or 2)))
    parser.add_argument("--level", choices=LEVEL_NAMES, help="one level for every program "
                        "(default: round robin over all levels)")
    parser.add_argument("--order", choices=("1", "2", "mixed"), default="2", help="mixed: "
                        "second order for every fourth seed, as the in-suite batch")
    parser.add_argument("--timeout", type=float, default=60.0, help="CPU seconds per program")
    parser.add_argument("--small", action="store_true", help="the in-suite program size")
    parser.add_argument("--features", default="", help="comma-separated features to add to "
                        "every level (" + ", ".join(FEATURES) + ")")
    parser.add_argument("--out", default="fuzz-failures", help="folder for repro files")
    parser.add_argument("--json", help="also write every outcome to this file")
    parser.add_argument("--log", help="append each outcome to this file as it comes (JSON lines)")
    parser.add_argument("--table", metavar="LOG", help="print the table of a --log file and stop")
    args = parser.parse_args(argv)
    if args.table:
        print(table(from_log(args.table), 0.0))
        return 0
    start = time.perf_counter()
    seeds = range(args.seed, args.seed + args.programs)
    extra = frozenset(filter(None, args.features.split(",")))
    if extra - set(FEATURES):
        parser.error(f"unknown features: {sorted(extra - set(FEATURES))}")
    order = order_of if args.order == "mixed" else int(args.order)
    results = campaign(seeds, args.level, order, args.timeout, args.small, args.jobs,
                       args.out, extra=extra, log=args.log)
    print(table(results, time.perf_counter() - start))
    print(f"repro files: {args.out}/")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(
            [{"seed": s, "level": lv, "seconds": round(t, 3), **o.__dict__}
             for s, lv, o, t in results], indent=0))
    return 0 if not any(o.failed for _, _, o, _ in results) else 1
