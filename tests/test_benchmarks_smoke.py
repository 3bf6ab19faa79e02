"""`benchmarks/bench_grad.py --quick` runs to the end and prints every row."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROWS = ("poly", "logreg 100x10", "logreg 10000x100", "chain 1e6")


def test_bench_grad_quick_runs_and_prints_every_row():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_grad.py"), "--quick"],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    for row in ROWS:
        assert row in out.stdout, f"row {row!r} missing from:\n{out.stdout}"
    assert "astgrad/hand" in out.stdout
