"""`python -m astgrad` from a shell, as a user runs it."""
import subprocess
import sys
import textwrap

import pytest


def run(*args):
    return subprocess.run([sys.executable, "-m", "astgrad", *args], capture_output=True,
                          text=True, timeout=60)


@pytest.fixture
def user_file(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(textwrap.dedent("""\
        import numpy as np

        def f(x, a, b, c):
            return a * x ** 2 + b * x + c

        def loss(w, X):
            return np.sum(np.tanh(X @ w))
        """))
    return path


def test_show_prints_the_generated_code(user_file):
    out = run("show", f"{user_file}:f", "--wrt", "0,1", "--kinds", "float,float,float,float")
    assert out.returncode == 0, out.stderr
    assert "def df_dx_a(x, a, b, c):" in out.stdout
    assert "bx = bx + a * 2 * x" in out.stdout and "return (bx, x ** 2)" in out.stdout


def test_show_without_kinds_gives_code_for_any_arguments(user_file):
    out = run("show", f"{user_file}:loss", "--wrt", "w")
    assert out.returncode == 0, out.stderr
    assert "def dloss_dw(w, X):" in out.stdout and "for arguments w: any" in out.stdout
    namespace = {}
    exec(out.stdout, namespace)
    import numpy as np
    w, X = np.array([0.1, -0.2]), np.array([[1.0, 2.0], [0.5, -1.0]])
    np.testing.assert_allclose(namespace["dloss_dw"](w, X),
                               X.T @ (1 - np.tanh(X @ w) ** 2))


def test_show_names_a_missing_file_or_function(user_file, tmp_path):
    out = run("show", f"{tmp_path}/nope.py:f")
    assert out.returncode == 2 and "no such file" in out.stderr
    out = run("show", f"{user_file}:g")
    assert out.returncode == 2 and "has no function `g`" in out.stderr and "f, loss" in out.stderr
    out = run("show", f"{user_file}")
    assert out.returncode == 2 and "path/to/file.py:function" in out.stderr


def test_rules_lists_functions_and_modes():
    out = run("rules")
    assert out.returncode == 0
    lines = out.stdout.splitlines()
    assert any(line.split()[:2] == ["np.sin", "yes"] for line in lines)
    assert any(line.split()[:2] == ["np.argmax", "constant"] for line in lines)


def test_show_order_two_prints_second_derivative_code(user_file):
    out = run("show", f"{user_file}:loss", "--wrt", "w", "--order", "2", "--kinds", "1d,2d")
    assert out.returncode == 0, out.stderr
    assert "def dloss_dw_jvp(w, X, tw):" in out.stdout
    namespace = {}
    exec(out.stdout, namespace)
    import numpy as np
    w, X, v = np.array([0.1, -0.2]), np.array([[1.0, 2.0], [0.5, -1.0]]), np.array([1.0, 0.5])
    t = np.tanh(X @ w)
    hessian = X.T @ np.diag(-2 * t * (1 - t ** 2)) @ X
    np.testing.assert_allclose(namespace["dloss_dw_jvp"](w, X, v)[1], hessian @ v, rtol=1e-12)
