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


def fd_checks(out, pattern):
    """The (name, max |gradient|, max |astgrad - finite difference|) lines `pattern` matches."""
    found = [(m["name"], float(m["grad"]), float(m["diff"]))
             for m in re.finditer(pattern, out, re.M)]
    for name, grad, diff in found:
        assert diff < 1e-6, f"{name}: astgrad and finite differences differ by {diff}:\n{out}"
        # A gradient of (almost) zero would make the comparison say nothing.
        assert grad > 1e-3, f"{name}: max |gradient| = {grad}, too small to test:\n{out}"
    return found


def printed_function(out, marker, prefix):
    """exec the generated code printed after `marker`; the one function named prefix..."""
    code = out.split(marker, 1)[1]
    namespace = {}
    exec(compile(code, "<printed source>", "exec"), namespace)
    funcs = [v for k, v in namespace.items() if k.startswith(prefix) and callable(v)]
    assert len(funcs) == 1, code
    return funcs[0], code


def rnn_grads_by_hand(W, U, b, V, h0, X, Y):
    """Backpropagation through time for examples/rnn.py's loss, written out."""
    hs = [h0]
    for t in range(len(X)):
        hs.append(np.tanh(W @ hs[-1] + U @ X[t] + b))
    gW, gU, gb, gV = (np.zeros_like(p) for p in (W, U, b, V))
    dh = np.zeros_like(h0)
    for t in reversed(range(len(X))):
        e = 2 * (V @ hs[t + 1] - Y[t]) / Y.size
        gV += np.outer(e, hs[t + 1])
        dz = (dh + V.T @ e) * (1 - hs[t + 1] ** 2)
        gW += np.outer(dz, hs[t])
        gU += np.outer(dz, X[t])
        gb += dz
        dh = W.T @ dz
    return gW, gU, gb, gV


def test_rnn():
    out = run("rnn")
    found = fd_checks(out, rf"^d loss / d (?P<name>\w+): shape \(.*?\), "
                           rf"max \|gradient\| = (?P<grad>{FLOAT}), "
                           rf"max \|astgrad - finite difference\| = (?P<diff>{FLOAT})$")
    assert [name for name, _, _ in found] == ["W", "U", "b", "V"], out
    shapes = re.findall(r"^d loss / d \w+: shape (\(.*?\)),", out, re.M)
    assert [ast.literal_eval(s) for s in shapes] == [(8, 8), (8, 3), (8,), (2, 8)]

    # Gradient descent lowers the loss at every printed step, by a lot overall.
    steps = [(int(s), float(v)) for s, v in
             re.findall(rf"^step +(\d+): loss = ({FLOAT})$", out, re.M)]
    assert [s for s, _ in steps] == [0, 5, 10, 15, 20, 25, 30], out
    losses = [v for _, v in steps]
    assert number(out, "loss =") == pytest.approx(losses[0], rel=1e-5)
    assert all(b < a for a, b in zip(losses, losses[1:])), losses
    assert losses[-1] < losses[0] / 10, losses

    # The printed code pushes states in a forward loop and pops them in a reverse one,
    # and it computes the gradient: compare it with BPTT by hand on other data.
    grad_fn, code = printed_function(
        out, "Generated code for grad_fn = ag.grad(loss, wrt=('W', 'U', 'b', 'V')):\n", "dloss")
    statements = [ln.strip() for ln in code.splitlines() if not ln.strip().startswith("#")]
    order = ["for t in range(", "saved_h.append(h)", "for t in reversed(range(",
             "h = saved_h.pop()"]
    where = [[i for i, st in enumerate(statements) if st.startswith(text)] for text in order]
    assert all(len(w) == 1 for w in where), code
    assert where == sorted(where), code
    rng = np.random.default_rng(42)
    args = (rng.standard_normal((8, 8)) / 3, rng.standard_normal((8, 3)), rng.standard_normal(8),
            rng.standard_normal((2, 8)), rng.standard_normal(8), rng.standard_normal((7, 3)),
            rng.standard_normal((7, 2)))
    got = grad_fn(*args)
    want = rnn_grads_by_hand(*args)
    assert len(got) == 4
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)


def test_helpers():
    out = run("helpers")
    found = fd_checks(out, rf"^  (?P<name>\w+ d/d \w+): max \|gradient\| = (?P<grad>{FLOAT}), "
                           rf"max \|astgrad - finite difference\| = (?P<diff>{FLOAT})$")
    assert [name for name, _, _ in found] == [f"{f} d/d {p}" for f in ("loss", "loss_softplus")
                                              for p in ("W1", "b1", "W2", "b2")], out
    # The two activations give two different losses (the keyword reached the helper).
    loss_tanh = float(re.search(rf"^loss = ({FLOAT});", out, re.M)[1])
    loss_softplus = float(re.search(rf"^loss_softplus = ({FLOAT});", out, re.M)[1])
    assert abs(loss_tanh - loss_softplus) > 1e-3, out

    # The printed code is self-contained (the helpers inlined) and is the tanh MLP's gradient.
    grad_fn, code = printed_function(
        out, "Generated code for ag.grad(loss, wrt=(0, 1, 2, 3)): the helpers inlined\n", "dloss")
    rng = np.random.default_rng(7)
    W1, b1, W2, b2 = (rng.standard_normal(s) for s in ((3, 6), (6,), (6, 2), (2,)))
    X, Y = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    h = np.tanh(X @ W1 + b1)
    e = 2 * (h @ W2 + b2 - Y) / Y.size
    dz = (e @ W2.T) * (1 - h ** 2)
    want = (X.T @ dz, dz.sum(0), h.T @ e, e.sum(0))
    got = grad_fn(W1, b1, W2, b2, X, Y)
    assert len(got) == 4
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)


def test_dask_data_parallel():
    pytest.importorskip("dask.distributed")
    out = run("dask_data_parallel")
    assert line_after(out, "workers:") == "2"
    assert line_after(out, "per-shard gradients summed = one-process gradient:") == "True"
    assert number(out, "relative difference:") < 1e-12
    losses = [float(v) for v in re.findall(rf"^step \d: loss = ({FLOAT})$", out, re.M)]
    assert len(losses) == 6 and losses[0] == pytest.approx(np.log(2))
    assert all(b < a for a, b in zip(losses, losses[1:])), losses
    assert line_after(out, "lazy gradient: a") == "dask.array.core.Array of 1 partition(s)"
    assert line_after(out, "lazy gradient computed on the cluster equals NumPy's:") == "True"


def test_plot_derivatives(tmp_path):
    pytest.importorskip("matplotlib")
    out_png = tmp_path / "derivatives.png"
    proc = subprocess.run([sys.executable, "examples/plot_derivatives.py", str(out_png)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    for x in (0.0, 0.5, 1.0):
        t = math.tanh(x)
        exact = [t, 1 - t * t, -2 * t * (1 - t * t), (1 - t * t) * (6 * t * t - 2)]
        printed = line_after(proc.stdout, f"at x = {x}: f, f', f'', f''' =").split(", ")
        assert [float(v) for v in printed] == pytest.approx(exact, abs=1e-6)
    data = out_png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (770, 440)


def test_second_derivative():
    out = run("second_derivative")
    assert number(out, "d/dx (a*x**2 + b*x + c) at x = 0:") == pytest.approx(-2.0)
    assert number(out, "d2/dx2 (a*x**2 + b*x + c) at x = 0:") == pytest.approx(2.0)
    value = number(out, "d2/dx2 (sin x + x**2) / log x at x = 2:")
    numeric = number(out, "central difference of d/dx:")
    x = 2.0
    # the exact second derivative of (sin x + x^2)/log x, written out by hand
    u, du, d2u = math.sin(x) + x * x, math.cos(x) + 2 * x, -math.sin(x) + 2
    v, dv, d2v = math.log(x), 1 / x, -1 / x ** 2
    exact = (d2u * v - u * d2v) / v ** 2 - 2 * dv * (du * v - u * dv) / v ** 3
    assert value == pytest.approx(exact, abs=1e-6) and numeric == pytest.approx(exact, abs=1e-5)
    assert round(value, 4) == 4.0395


def test_recursion_and_ode():
    out = run("recursion_and_ode")
    assert number(out, "continued fraction derivative:") == pytest.approx(
        number(out, "closed form derivative:"), rel=1e-9)
    assert number(out, "continued fraction second derivative:") == pytest.approx(
        number(out, "closed form second derivative:"), rel=1e-9)
    closed = number(out, "rk4 closed form derivative:")
    assert number(out, "rk4 steps taken:") == 18
    assert number(out, "rk4 derivative:") == pytest.approx(closed, rel=1e-9)
    assert number(out, "rk4 forward mode:") == pytest.approx(closed, rel=1e-9)
    assert number(out, "rk4 second derivative:") == pytest.approx(
        number(out, "rk4 closed form second derivative:"), rel=1e-9)


def test_model_class():
    out = run("model_class")
    assert number(out, "gradient:") == pytest.approx(number(out, "closed form:"), rel=1e-9)
    assert number(out, "gradient:") == pytest.approx(number(out, "finite differences:"),
                                                     rel=1e-6)
    losses = literal(out, "losses:")
    assert all(a > b for a, b in zip(losses, losses[1:]))
    assert number(out, "gradient with decay 1:") == pytest.approx(
        number(out, "closed form with decay 1:"), rel=1e-9)
    assert "check_grads order 2: ok" in out


def test_char_lstm():
    out = run("char_lstm")
    assert number(out, "largest difference from finite differences (relative, +1e-3):") < 1e-6
    assert number(out, "loss after 10 steps:") < number(out, "loss before training:")


# ---- containers of parameters, noise inside the objective (issue 10) -----------------------
def test_mlp_tuples():
    out = run("mlp_tuples")
    assert literal(out, "gradient structure:") == [((2, 8), (8,)), ((8, 1), (1,))]
    assert number(out, "dloss/dW1[1, 3] astgrad:") == pytest.approx(
        number(out, "dloss/dW1[1, 3] finite differences:"), abs=1e-8)
    # the same training, with the backward pass written by hand
    rng = np.random.default_rng(0)
    X = rng.normal(size=(32, 2))
    y = np.sin(X[:, 0]) + 0.5 * X[:, 1]
    W1, b1 = 0.5 * rng.normal(size=(2, 8)), np.zeros(8)
    W2, b2 = 0.5 * rng.normal(size=(8, 1)), np.zeros(1)

    def forward():
        h = np.tanh(X @ W1 + b1)
        return h, (h @ W2 + b2)[:, 0] - y
    assert number(out, "loss before:") == pytest.approx(np.mean(forward()[1] ** 2), rel=1e-9)
    for _ in range(20):
        h, r = forward()
        gout = 2 * r[:, None] / len(y)
        gh = gout @ W2.T * (1 - h ** 2)
        W1, b1, W2, b2 = (W1 - 0.1 * X.T @ gh, b1 - 0.1 * gh.sum(0),
                          W2 - 0.1 * h.T @ gout, b2 - 0.1 * gout.sum(0))
    assert number(out, "loss after 20 steps:") == pytest.approx(np.mean(forward()[1] ** 2),
                                                                rel=1e-8)


def test_logistic_dict():
    out = run("logistic_dict")
    assert literal(out, "gradient keys:") == ["w", "b"]
    rng = np.random.default_rng(1)
    X = rng.normal(size=(50, 3))
    t = np.where(X @ np.array([1.5, -2.0, 0.5]) + 0.3 > 0, 1.0, -1.0)
    w, b = np.zeros(3), 0.0

    def gradient(w, b):              # d/dz log(1 + exp(-t z)) = -t / (1 + exp(t z))
        s = -t / (1 + np.exp(t * (X @ w + b))) / len(t)
        return X.T @ s + 0.02 * w, np.sum(s)
    gw, gb = gradient(w, b)
    assert literal(out, "gradient at zero, w:") == pytest.approx(list(gw), abs=1e-9)
    assert number(out, "gradient at zero, b:") == pytest.approx(gb, abs=1e-9)
    for _ in range(200):
        gw, gb = gradient(w, b)
        w, b = w - 0.5 * gw, b - 0.5 * gb
    z = X @ w + b
    loss = np.mean(np.logaddexp(0.0, -t * z)) + 0.01 * np.sum(w ** 2)
    assert number(out, "loss after 200 steps:") == pytest.approx(loss, rel=1e-8)
    assert "bparams['w']" in out and "rt.tree_like(bparams, params)" in out


def test_gaussian_process():
    out = run("gaussian_process")
    rng = np.random.default_rng(2)
    x = np.linspace(0.0, 5.0, 12)
    y = np.sin(x) + 0.1 * rng.normal(size=12)
    ell, sf, sn = 1.0, 1.0, math.exp(-1.0)
    d2 = (x[:, None] - x[None, :]) ** 2
    E = np.exp(-0.5 * d2 / ell ** 2)
    K = sf ** 2 * E + sn ** 2 * np.eye(12)
    Kinv = np.linalg.inv(K)
    alpha = Kinv @ y
    lml = -0.5 * y @ alpha - 0.5 * np.linalg.slogdet(K)[1] - 6 * math.log(2 * math.pi)
    assert number(out, "log marginal likelihood:") == pytest.approx(lml, rel=1e-9)
    # d lml / d theta = tr((alpha alpha^T - K^-1) dK/dtheta) / 2 (Rasmussen & Williams 5.9)
    A = np.outer(alpha, alpha) - Kinv
    dK = {"log_ell": sf ** 2 * E * d2 / ell ** 2, "log_sf": 2 * sf ** 2 * E,
          "log_sn": 2 * sn ** 2 * np.eye(12)}
    for name, D in dK.items():
        assert number(out, f"d/d{name}:") == pytest.approx(0.5 * np.sum(A * D), rel=1e-8)
    assert number(out, "after 50 steps of gradient ascent:") > lml


def test_bbvi():
    out = run("bbvi")
    m, s = np.array([1.0, -2.0]), np.array([0.5, 2.0])
    eps = np.random.default_rng(0).standard_normal((64, 2))
    # at mu = 0, sigma = 1: z = eps; d/dmu mean(log p) = mean(-(z - m) / s^2),
    # d/dlog_sigma = mean(-(z - m) / s^2 * eps) + 1
    r = -(eps - m) / s ** 2
    assert literal(out, "gradient at the start, mu:") == pytest.approx(list(r.mean(0)), abs=1e-9)
    assert literal(out, "gradient at the start, log_sigma:") == pytest.approx(
        list((r * eps).mean(0) + 1), abs=1e-9)
    assert literal(out, "fitted mu:") == pytest.approx([1.0, -2.0], abs=0.15)
    assert literal(out, "fitted sigma:") == pytest.approx([0.5, 2.0], abs=0.15)
