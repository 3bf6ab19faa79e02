"""`benchmarks/bench_grad.py --quick` runs to the end and prints every row."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROWS = ("poly", "logreg 100x10", "logreg 10000x100", "chain 1e6", "rnn T=50", "rnn T=1000",
        "rosenbrock hessian n=30", "tridiagonal jacobian n=200")
MEMORY_ROWS = ("rnn T=50", "rnn T=1000")


def test_bench_grad_quick_runs_and_prints_every_row():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_grad.py"), "--quick"],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    for row in ROWS:
        assert row in out.stdout, f"row {row!r} missing from:\n{out.stdout}"
    assert "astgrad/hand" in out.stdout
    # The second table: peak memory of one gradient call, for the rnn rows.
    timing, sep, memory = out.stdout.partition("peak memory of one gradient call")
    assert sep, f"no memory table in:\n{out.stdout}"
    for row in MEMORY_ROWS:
        line = [ln for ln in memory.splitlines() if ln.startswith(row + " ")]
        assert len(line) == 1 and line[0].count("KiB") >= 2, f"{row!r} in:\n{memory}"


def test_bench_higher_quick_runs_and_checks_every_row():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_higher.py"),
                          "--quick"], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    for row in ("hvp logreg D=100", "hessian 10 inputs"):
        assert row in out.stdout, f"row {row!r} missing from:\n{out.stdout}"
