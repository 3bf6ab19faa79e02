"""`benchmarks/bench_grad.py --quick` and `bench_higher.py --quick` run to the end and print
every row."""
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROWS = ("poly", "seed_log float", "seed_mean 2x2", "seed_mean'' float", "logreg 100x10",
        "logreg 10000x100", "logreg xent 100x10", "logistic hvp 1000x100", "mlp 784-128-10",
        "chain 1e6", "elementwise 1e6", "rnn T=50", "rnn T=1000", "rosenbrock hessian n=30",
        "tridiagonal jacobian n=200")
TIME = re.compile(r"\d \w?s\b")                   # 1.3 ms, 313 ns, 2 s
RATIO = re.compile(r"\d\.\d+x\b")                 # 1.24x
SCALAR_ROWS = ("poly", "seed_log float", "seed_mean'' float")
MEMORY_ROWS = tuple(r for r in ROWS if r not in SCALAR_ROWS)   # every row with arrays


def test_bench_grad_quick_runs_and_prints_every_row():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_grad.py"), "--quick"],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    timing, sep, rest = out.stdout.partition("peak memory of one gradient call")
    assert sep, f"no memory table in:\n{out.stdout}"
    assert "astgrad/hand" in timing
    for row in ROWS:      # a time for hand-written code and for astgrad, and their ratio
        line = [ln for ln in timing.splitlines() if ln.startswith(row + " ")]
        assert len(line) == 1 and len(TIME.findall(line[0])) >= 2 and RATIO.search(line[0]), \
            f"{row!r} in:\n{timing}"
    # The second table: peak memory of one gradient call, for every row with arrays.
    memory, sep, generation = rest.partition("first call (generation")
    assert sep, f"no generation table in:\n{out.stdout}"
    for row in MEMORY_ROWS:
        line = [ln for ln in memory.splitlines() if ln.startswith(row + " ")]
        assert len(line) == 1 and line[0].count("KiB") >= 2, f"{row!r} in:\n{memory}"
    for row in SCALAR_ROWS:
        assert not [ln for ln in memory.splitlines() if ln.startswith(row + " ")], memory
    # The third: the first call of a fresh 20-line function, in milliseconds.
    line = [ln for ln in generation.splitlines() if ln.startswith("first call 20 lines ")]
    assert len(line) == 1 and line[0].split()[4] == "20" and TIME.search(line[0]), generation


def test_bench_higher_quick_runs_and_checks_every_row():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_higher.py"),
                          "--quick"], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    for row in ("hvp logreg D=100", "hessian 10 inputs"):
        assert row in out.stdout, f"row {row!r} missing from:\n{out.stdout}"
    # Nested ag.grad of tanh: order 4 only in a quick run (order 6 takes seconds).
    line = [ln for ln in out.stdout.splitlines() if ln.startswith("tanh order ")]
    assert len(line) == 1 and line[0].startswith("tanh order 4 "), out.stdout
    assert len(TIME.findall(line[0])) == 2 and int(line[0].split()[-1]) > 0, line[0]


def test_line_times_prints_every_statement_with_its_share():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "line_times.py"),
                          "logreg 100x10", "--seconds", "0.1"],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.startswith("logreg 100x10: hand-written "), out.stdout
    shares = re.findall(r"^ *[\d.]+ \w?s +([\d.]+)%  (.*)$", out.stdout, re.M)
    assert "return bw" in [text for _, text in shares], out.stdout
    assert abs(sum(float(p) for p, _ in shares) - 100.0) < 1.0, out.stdout
