"""Run the test suite on every supported Python with the oldest and the newest NumPy.

    python scripts/version_matrix.py                  # 3.10 to 3.13, two NumPys each
    python scripts/version_matrix.py --python 3.12 --numpy oldest --no-fuzz
    python scripts/version_matrix.py --setup-only     # build the environments, run nothing

For each Python (found on PATH as `python3.X`, or under pyenv's versions) it makes
one virtual environment per NumPy, outside the repository (`--venvs`, default
`~/.cache/astgrad-matrix`), with:
* NumPy: the oldest release within `numpy>=1.24` (the project's requirement) that
  has a wheel for that Python, and the newest that does (never built from source);
* pytest and pytest-xdist (the suite runs `-n auto`), and the optional libraries the tests exercise (SciPy, Dask, cloudpickle,
  joblib, matplotlib, IPython), each with the NumPy pinned; one that has no release
  for that Python and NumPy is left out, and the tests that need it skip themselves
  (the matrix says which were left out).

Then it runs `python -m pytest` from the checkout (`--tree`, default this one, put
on PYTHONPATH rather than installed) in each environment, under `nice`, one cell at a time, and prints the matrix: Python,
NumPy, passed, failed (failures and errors), skipped, the libraries left out, and
the time. `--no-fuzz` deselects tests/test_fuzz.py (a batch of random programs
whose known failures depend on the fuzzer's table, not on the versions). The exit
status is 1 if any cell failed. `--log DIR` keeps each cell's pytest output.
"""
from __future__ import annotations

import argparse
import os
import pathlib
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field

ROOT = pathlib.Path(__file__).resolve().parent.parent
PYTHONS = ("3.10", "3.11", "3.12", "3.13")
NUMPY_FLOOR = (1, 24)                 # pyproject.toml: numpy>=1.24
EXTRAS = ("scipy", "dask[array,distributed]", "cloudpickle", "joblib", "matplotlib", "ipython")


@dataclass
class Cell:
    python: str
    numpy: str = "?"
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    xfailed: int = 0
    missing: list[str] = field(default_factory=list)
    seconds: float = 0.0
    note: str = ""

    @property
    def ok(self) -> bool:
        return not self.note and self.failed == 0 and self.passed > 0


# -- interpreters and environments ---------------------------------------------------------
def find_python(version: str) -> str | None:
    """An interpreter for `version` ("3.12"): python3.12 on PATH, else pyenv's newest."""
    found = shutil.which(f"python{version}")
    if found and not found.endswith("/shims/python" + version):
        return found
    versions = pathlib.Path(os.environ.get("PYENV_ROOT", pathlib.Path.home() / ".pyenv"),
                            "versions")
    matches = sorted((p for p in versions.glob(f"{version}.*") if p.name[len(version) + 1:]
                      .isdigit()), key=lambda p: int(p.name.rsplit(".", 1)[1]))
    for p in reversed(matches):
        exe = p / "bin" / f"python{version}"
        if exe.exists():
            return str(exe)
    return found


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def pip(venv: pathlib.Path, *args: str) -> subprocess.CompletedProcess:
    return run([str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check",
                *args])


def make_venv(base: str, where: pathlib.Path) -> pathlib.Path:
    if not (where / "bin" / "python").exists():
        subprocess.run([base, "-m", "venv", str(where)], check=True)
    return where


def numpy_versions(venv: pathlib.Path) -> list[str]:
    """NumPy's releases within the floor that this Python's pip sees, oldest first."""
    out = pip(venv, "index", "versions", "numpy").stdout
    match = re.search(r"Available versions: (.*)", out)
    if not match:
        raise RuntimeError(f"pip index versions numpy printed no versions:\n{out}")
    versions = [v.strip() for v in match[1].split(",")]
    plain = [v for v in versions if re.fullmatch(r"\d+\.\d+\.\d+", v)]
    key = lambda v: tuple(int(p) for p in v.split("."))           # noqa: E731
    return sorted((v for v in plain if key(v)[:2] >= NUMPY_FLOOR), key=key)


def has_wheel(venv: pathlib.Path, version: str, cache: pathlib.Path) -> bool:
    result = pip(venv, "download", "--quiet", "--no-deps", "--only-binary=:all:",
                 "-d", str(cache), f"numpy=={version}")
    return result.returncode == 0


def pick_numpy(venv: pathlib.Path, which: str, cache: pathlib.Path) -> str:
    """The oldest or newest NumPy with a wheel for the venv's Python."""
    versions = numpy_versions(venv)
    for version in (versions if which == "oldest" else reversed(versions)):
        if has_wheel(venv, version, cache):
            return version
    raise RuntimeError(f"no NumPy release >= {'.'.join(map(str, NUMPY_FLOOR))} has a "
                       f"wheel for {venv}")


def install(venv: pathlib.Path, numpy: str, cache: pathlib.Path) -> list[str]:
    """NumPy, pytest and what extras install with that NumPy; the extras left out."""
    pins = venv / "numpy-pin.txt"
    pins.write_text(f"numpy=={numpy}\n")
    common = ("install", "--quiet", "--only-binary=numpy", "--find-links", str(cache),
              "-c", str(pins))
    base = pip(venv, *common, f"numpy=={numpy}", "pytest", "pytest-xdist")
    if base.returncode != 0:
        raise RuntimeError(f"cannot install numpy=={numpy}, pytest and pytest-xdist:\n{base.stderr[-2000:]}")
    if pip(venv, *common, *EXTRAS).returncode == 0:
        return []
    return [extra for extra in EXTRAS
            if pip(venv, *common, "--prefer-binary", extra).returncode != 0]


def installed_numpy(venv: pathlib.Path) -> str:
    out = run([str(venv / "bin" / "python"), "-c", "import numpy; print(numpy.__version__)"])
    return out.stdout.strip() or "?"


# -- running the suite ------------------------------------------------------------------------
_COUNTS = re.compile(r"(\d+) (passed|failed|skipped|xfailed|xpassed|errors?|deselected)")


def run_suite(venv: pathlib.Path, tree: pathlib.Path, cell: Cell, no_fuzz: bool,
              log: pathlib.Path | None) -> None:
    cmd = ["nice", str(venv / "bin" / "python"), "-m", "pytest", "-q", "-p",
           "no:cacheprovider"]
    if no_fuzz:
        cmd += ["--deselect", "tests/test_fuzz.py"]
    # The checkout is found by the tests' own subprocesses (examples, benchmarks) too.
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", PYTHONPATH=str(tree.resolve()))
    start = time.monotonic()
    result = run(cmd, cwd=tree, env=env)
    cell.seconds = time.monotonic() - start
    output = result.stdout + result.stderr
    if log is not None:
        log.mkdir(parents=True, exist_ok=True)
        (log / f"py{cell.python}-numpy{cell.numpy}.txt").write_text(output)
    tail = output.strip().splitlines()[-1] if output.strip() else ""
    for n, what in _COUNTS.findall(tail):
        if what in ("passed", "xpassed"):
            cell.passed += int(n)
        elif what in ("failed", "error", "errors"):
            cell.failed += int(n)
        elif what == "skipped":
            cell.skipped += int(n)
        elif what == "xfailed":
            cell.xfailed += int(n)
    if result.returncode not in (0, 1):
        cell.note = f"pytest exited {result.returncode}: {tail[:80]}"


def table(cells: list[Cell]) -> str:
    header = ["python", "numpy", "passed", "failed", "skipped", "xfailed", "left out",
              "time", "result"]
    rows = [[c.python, c.numpy, str(c.passed), str(c.failed), str(c.skipped), str(c.xfailed),
             ", ".join(c.missing) or "-", f"{c.seconds / 60:.1f} min",
             "ok" if c.ok else (c.note or "FAILED")] for c in cells]
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths)) for r in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--python", action="append", help="3.X (repeatable; default all)")
    parser.add_argument("--numpy", choices=("oldest", "newest", "both"), default="both")
    parser.add_argument("--venvs", type=pathlib.Path,
                        default=pathlib.Path.home() / ".cache" / "astgrad-matrix")
    parser.add_argument("--tree", type=pathlib.Path, default=ROOT)
    parser.add_argument("--no-fuzz", action="store_true")
    parser.add_argument("--setup-only", action="store_true")
    parser.add_argument("--log", type=pathlib.Path)
    args = parser.parse_args(argv)
    which = ("oldest", "newest") if args.numpy == "both" else (args.numpy,)
    cache = args.venvs / "wheels"
    cache.mkdir(parents=True, exist_ok=True)
    cells = []
    for version in args.python or PYTHONS:
        base = find_python(version)
        for pick in which:
            cell = Cell(version)
            cells.append(cell)
            if base is None:
                cell.note = f"no python{version} found"
                continue
            try:
                venv = make_venv(base, args.venvs / f"py{version}-{pick}")
                wanted = pick_numpy(venv, pick, cache)
                cell.missing = install(venv, wanted, cache)
                cell.numpy = installed_numpy(venv)
            except (RuntimeError, subprocess.CalledProcessError) as exc:
                cell.note = f"setup failed: {str(exc).splitlines()[0][:60]}"
                print(f"python {version}, {pick} numpy: {exc}", file=sys.stderr)
                continue
            print(f"python {version}: numpy {cell.numpy} ready"
                  + (f" (left out: {', '.join(cell.missing)})" if cell.missing else ""),
                  file=sys.stderr, flush=True)
            if not args.setup_only:
                run_suite(venv, args.tree, cell, args.no_fuzz, args.log)
                print(f"python {version}, numpy {cell.numpy}: {cell.passed} passed, "
                      f"{cell.failed} failed ({cell.seconds / 60:.1f} min)",
                      file=sys.stderr, flush=True)
    print(table(cells))
    if args.no_fuzz:
        print("tests/test_fuzz.py deselected in every cell (--no-fuzz).")
    return 0 if args.setup_only or all(c.ok for c in cells) else 1


if __name__ == "__main__":
    sys.exit(main())
