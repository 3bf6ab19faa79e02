"""Standalone repro files: the program as generated, its arguments, its
outcome in a header, and a main block that checks it again."""
from __future__ import annotations

import hashlib
import pathlib
import re
import zlib

import numpy as np

from .generator import Program
from .outcome import Outcome


def literal(value) -> str:
    if isinstance(value, np.ndarray):
        return f"np.array({value.tolist()!r})"
    return repr(value)


def repro_text(program: Program, outcome: Outcome) -> str:
    wrt = ", ".join(map(str, program.wrt)) + ("," if len(program.wrt) == 1 else "")
    comment = "\n".join("# " + line for line in outcome.message.splitlines()[:12])
    return (
        f"# astgrad fuzzer: seed {program.seed}, level {program.level}"
        f"{', small' if program.small else ''}, attempt {program.attempt}\n"
        f"# outcome: {outcome.signature()}\n{comment}\n"
        f"# replay: python -m tests.fuzz replay {{this file}}\n"
        f"{program.source}\n\n"
        f"ARGS = ({', '.join(literal(a) for a in program.args)},)\n"
        f"WRT = ({wrt})\n\n"
        "if __name__ == \"__main__\":\n"
        "    import astgrad as ag\n"
        "    ag.check_grads(f, ARGS, wrt=WRT, order=2)\n"
    )


def signature_tag(outcome: Outcome) -> str:
    return hashlib.sha1(outcome.signature().encode()).hexdigest()[:8]


def write_repro(out: pathlib.Path, program: Program, outcome: Outcome) -> pathlib.Path:
    """out/<kind>/<signature tag>/seed<seed>.py"""
    folder = out / outcome.kind / signature_tag(outcome)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "SIGNATURE.txt").write_text(outcome.signature() + "\n")
    path = folder / f"seed{program.seed}.py"
    path.write_text(repro_text(program, outcome))
    return path


def read_repro(path) -> Program:
    """A Program from a repro file (or any file defining f, ARGS and WRT)."""
    text = pathlib.Path(path).read_text()
    namespace: dict = {}
    exec(compile(text, str(path), "exec"), namespace)
    source = text.split("\nARGS = ")[0]
    source = "\n".join(line for line in source.splitlines() if not line.startswith("# ")) + "\n"
    found = re.search(r"seed (\d+)", text.splitlines()[0])
    seed = int(found.group(1)) if found else zlib.crc32(text.encode())
    return Program(seed, "replay", frozenset(), source.lstrip("\n"), tuple(namespace["ARGS"]),
                   tuple(namespace["WRT"]))
