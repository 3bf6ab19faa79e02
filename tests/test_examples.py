"""Run every script in examples/ and check the numbers it prints.

Each example runs as a subprocess from the repository root, as a user would
run it (`python examples/NAME.py`). The checks parse the printed values and
compare them with independently computed answers.
"""
import ast
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
FLOAT = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


def run(name):
    proc = subprocess.run([sys.executable, f"examples/{name}.py"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, f"{name}.py failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def line_after(out, label):
    """The rest of the one line that starts with `label`."""
    lines = [ln for ln in out.splitlines() if ln.startswith(label)]
    assert len(lines) == 1, f"expected one line starting with {label!r} in:\n{out}"
    return lines[0][len(label):].strip()


def number(out, label):
    text = line_after(out, label)
    assert re.fullmatch(FLOAT, text), f"{label!r} is followed by {text!r}, not a number"
    return float(text)


def literal(out, label):
    return ast.literal_eval(line_after(out, label))


def test_quickstart():
    out = run("quickstart")
    assert number(out, "df/dx at (x, a, b, c) = (0.0, 1.0, -2.0, 1.0):") == pytest.approx(-2.0)
    assert literal(out, "gradient wrt (x, a):") == pytest.approx((-2.0, 0.0))
    m = re.fullmatch(rf"value = ({FLOAT}) gradient = ({FLOAT})", line_after(out, "value_and_grad:"))
    assert m, out
    assert (float(m[1]), float(m[2])) == pytest.approx((1.0, -2.0))

    # The printed generated code is valid Python and computes the derivative.
    code = out.split("Generated code for df = ag.grad(f):\n", 1)[1]
    namespace = {}
    exec(compile(code, "<printed source>", "exec"), namespace)
    funcs = [v for k, v in namespace.items() if k.startswith("df") and callable(v)]
    assert len(funcs) == 1, code
    for x, a, b, c in [(0.0, 1.0, -2.0, 1.0), (3.0, 0.5, 1.5, -1.0)]:
        assert funcs[0](x, a, b, c) == pytest.approx(2 * a * x + b)


def test_backward_seed():
    out = run("backward_seed")
    x = np.array([[0.0, 0.0], [1.0, 2.0]])
    dydx = 2 * x - 2                                   # a=1, b=-2: 2*a*x + b
    v = np.array([[0.1, 1.0], [0.0001, -1.0]])
    np.testing.assert_allclose(literal(out, "y ="), x ** 2 - 2 * x + 1)
    np.testing.assert_allclose(literal(out, "pullback(ones) ="), [[-2, -2], [0, 2]])
    np.testing.assert_allclose(literal(out, "grad of sum(y * ones) ="), dydx)
    np.testing.assert_allclose(literal(out, "pullback(v) ="), v * dydx)
    np.testing.assert_allclose(literal(out, "grad of sum(y * v) ="), v * dydx)
    assert re.findall(r"^equal: (\w+)$", out, re.M) == ["True", "True"]


def test_multiple_outputs():
    out = run("multiple_outputs")
    assert literal(out, "grad of y1 wrt (x1, x2):") == pytest.approx((2.0, 1.0))
    assert literal(out, "outputs (y1, y2):") == pytest.approx((2.0, 3.0))
    summed = literal(out, "summed grads of (y1, y2) wrt (x1, x2), seeds (1.0, 1.0):")
    assert summed == pytest.approx((3.0, 2.0))


def test_sin_log():
    out = run("sin_log")
    x = 2.0
    u, v = math.sin(x) + x ** 2, math.log(x)
    exact = ((math.cos(x) + 2 * x) * v - u / x) / v ** 2
    assert exact == pytest.approx(0.0613775, abs=5e-8)

    text = line_after(out, "astgrad df/dx(2.0) =")
    digits = re.sub(r"^0\.0*", "", text)
    assert len(digits) == 7 and digits.isdigit(), f"not 7 significant digits: {text!r}"
    assert float(text) == pytest.approx(exact, rel=1e-6)

    fd = re.match(FLOAT, line_after(out, "finite difference  ="))
    assert fd and float(fd[0]) == pytest.approx(exact, rel=1e-6)
    assert number(out, "quotient rule      =") == pytest.approx(exact, rel=1e-6)
    assert number(out, "f(2.0)             =") == pytest.approx(u / v, rel=1e-6)
    assert "1.4236" in out and "0.0613775" in out


def test_mean_square():
    out = run("mean_square")
    assert number(out, "out =") == pytest.approx(27.0)
    np.testing.assert_allclose(literal(out, "d out / dx ="), np.full((2, 2), 4.5))
    np.testing.assert_allclose(literal(out, "1.5 * (x + 2) ="), np.full((2, 2), 4.5))
    assert line_after(out, "equal:") == "True"


def test_sgd():
    out = run("sgd")
    m = re.fullmatch(rf"x = ({FLOAT}), y = ({FLOAT}), f = ({FLOAT})",
                     line_after(out, "after 500 steps:"))
    assert m, out
    x_exact = 1 - 0.98 ** 500
    assert m[1] == f"{x_exact:.4f}" == "1.0000"
    assert m[2] in ("0.0000", "-0.0000")
    assert float(m[3]) == pytest.approx((x_exact - 1) ** 2, rel=1e-2)
    assert line_after(out, "exact x after 500 steps, 1 - 0.98**500 =") == "1.0000"
