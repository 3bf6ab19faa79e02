"""`benchmarks/gradbench.py --quick` runs to the end and prints a row for every task and tool."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TASKS = ("gmm", "gmm log_posterior", "lstm", "lse", "llsq", "ode", "det", "kmeans",
         "kmeans hessian diag", "saddle", "particle")


def test_gradbench_quick_prints_every_task():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "gradbench.py"), "--quick"],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.splitlines()
    header = [i for i, line in enumerate(lines) if line.startswith("task ")]
    assert len(header) == 1, out.stdout
    rows = lines[header[0] + 2:]
    for task in TASKS:
        first = [i for i, line in enumerate(rows) if line.split("  ")[0] == task]
        assert len(first) == 1, f"no row for {task!r} in:\n{out.stdout}"
        # Its astgrad and hand rows, each with a time or a reason (never an empty check).
        tools = [rows[first[0]], rows[first[0] + 1]]
        assert " astgrad " in tools[0] and " hand " in tools[1], out.stdout
        assert all(line.rstrip().split("  ")[-1].strip() for line in tools), out.stdout
