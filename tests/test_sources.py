"""Source from anywhere a function is defined: notebook cells (also run by a cell
magic), `python -c`, `python -` (stdin), the plain REPL, `exec` of a string,
lambdas on continuation lines, and sources sent from another process; where the
source cannot be had, the refusal comes at `ag.grad(f)` and says what to do."""
import linecache
import os
import pty
import select
import subprocess
import sys
import textwrap
import time
import types

import numpy as np
import pytest

import astgrad as ag
from astgrad import errors, sources

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def python(*args, stdin=None, home=None):
    """Run a fresh interpreter from the repository root; its stdout and stderr."""
    env = dict(os.environ, HOME=home or os.environ.get("HOME", "/tmp"), PYTHONSTARTUP="")
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, input=stdin, capture_output=True,
                          text=True, timeout=60, env=env)
    return proc.stdout, proc.stderr


# -- exec ---------------------------------------------------------------------------------
def test_exec_of_a_string_in_a_variable():
    text = "def f(x):\n    return x ** 3\n"
    namespace = {}
    exec(text, namespace)
    assert ag.grad(namespace["f"])(2.0) == 12.0


def test_exec_of_a_literal_and_a_lambda_compiled_in_a_helper():
    def make():
        namespace = {}
        exec(compile("k = lambda x: x ** 5", "<string>", "exec"), namespace)
        return namespace["k"]
    assert ag.grad(make())(1.0) == 5.0


def test_a_string_that_is_gone_is_refused_at_grad_time_with_what_to_do():
    namespace = {}
    text = "".join(["def gone(x):\n", "    return x * 2\n"])
    exec(text, namespace)
    del text
    with pytest.raises(errors.SourceError) as info:
        ag.grad(namespace["gone"])             # no call: refused here
    message = str(info.value)
    assert "cannot read the source of `gone`" in message and "exec" in message
    assert "linecache.cache[name]" in message


def test_a_lookalike_string_is_never_taken_for_the_source():
    """Another text defining a function of the same name and shape, with another
    constant, does not compile to the same code, so it is not used."""
    namespace = {}
    exec("".join(["def twin(x):\n", "    return x ** 3\n"]), namespace)
    decoy = "def twin(x):\n    return x ** 2\n"     # noqa: F841 (a frame holds it)
    with pytest.raises(errors.SourceError):
        ag.grad(namespace["twin"])


def test_exec_under_a_registered_name_is_the_documented_way():
    text = "def cube(x):\n    return x ** 3\n"
    name = "<my generated code 1>"
    linecache.cache[name] = (len(text), None, text.splitlines(True), name)
    namespace = {}
    exec(compile(text, name, "exec"), namespace)
    assert ag.grad(namespace["cube"])(1.0) == 3.0


# -- lambdas --------------------------------------------------------------------------------
def _pair(*fns):
    return fns


LAMBDAS = _pair(
    lambda x: x * 2, lambda x: x ** 3,
    lambda x, y: x * y)


def test_lambdas_on_continuation_lines_of_a_call():
    double, cube, product = LAMBDAS
    assert ag.grad(double)(1.0) == 2.0
    assert ag.grad(cube)(2.0) == 12.0            # the second lambda on its line
    assert ag.grad(product, wrt=(0, 1))(2.0, 3.0) == (3.0, 2.0)


# -- python -c, python -, the REPL --------------------------------------------------------
SCRIPT = textwrap.dedent("""\
    import astgrad as ag
    def f(x):
        return x ** 3
    print("df", ag.grad(f)(2.0))
    print("dg", ag.grad(lambda x: 2 * x * x)(1.0))
""")


def test_python_dash_c():
    out, err = python("-c", SCRIPT)
    assert "df 12.0" in out and "dg 4.0" in out, err


def test_python_dash_reading_a_redirected_file(tmp_path):
    path = tmp_path / "script.py"
    path.write_text(SCRIPT)
    with open(path) as stdin:
        proc = subprocess.run([sys.executable, "-"], cwd=ROOT, stdin=stdin, text=True,
                              capture_output=True, timeout=60)
    assert "df 12.0" in proc.stdout and "dg 4.0" in proc.stdout, proc.stderr


def test_python_dash_reading_a_pipe_is_refused_at_grad_time():
    script = SCRIPT.replace('print("df", ag.grad(f)(2.0))', 'df = ag.grad(f)\nprint("made")')
    out, err = python("-", stdin=script)
    assert "made" not in out
    assert "cannot read the source of `f`: it was read from standard input" in err
    assert "python - < file.py" in err


def _repl(lines, home, timeout=30):
    """Type `lines` at a real interactive prompt (a pseudo-terminal, so readline runs)."""
    master, slave = pty.openpty()
    env = dict(os.environ, HOME=str(home), PYTHONSTARTUP="", TERM="dumb")
    proc = subprocess.Popen([sys.executable, "-q", "-i"], cwd=ROOT, stdin=slave, stdout=slave,
                            stderr=slave, env=env, close_fds=True)
    os.close(slave)
    for line in lines + ["exit()"]:
        os.write(master, line.encode() + b"\n")
        time.sleep(0.2)
    out, end = b"", time.time() + timeout
    while time.time() < end:
        ready, _, _ = select.select([master], [], [], 0.5)
        try:
            chunk = os.read(master, 4096) if ready else b""
        except OSError:
            break
        out += chunk
        if not ready and proc.poll() is not None:
            break
    proc.wait(timeout=10)
    os.close(master)
    return out.decode(errors="replace")


def test_the_plain_repl_reads_readline_history(tmp_path):
    pytest.importorskip("readline")
    out = _repl(["import astgrad as ag", "def f(x):", "    return x ** 3", "",
                 "print('df', ag.grad(f)(2.0))", "g = lambda x: x * x",
                 "print('dg', ag.grad(g)(3.0))"], tmp_path)
    assert "df 12.0" in out and "dg 6.0" in out, out


def test_a_prompt_without_history_is_refused_at_grad_time(tmp_path):
    script = ("import astgrad as ag\ndef f(x):\n    return x ** 3\n\n"
              "try:\n    print('df', ag.grad(f)(2.0))\nexcept ag.AstgradError as e:\n"
              "    print(e)\n\n")
    out, _ = python("-q", "-i", stdin=script, home=str(tmp_path))
    if sys.version_info >= (3, 13):
        # Python 3.13's prompt keeps each statement's text in `linecache`.
        assert "df 12.0" in out, out
        return
    assert "cannot read the source of `f`: it was typed at the interactive prompt" in out
    assert "IPython or Jupyter" in out


# -- notebook cells ------------------------------------------------------------------------
def _cell(number, text, filename=None):
    """Run `text` as IPython runs cell `number`: its text kept in linecache under the
    cell's own file name."""
    filename = filename or f"<ipython-input-{number}-0123456789ab>"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    namespace = {"np": np, "ag": ag}
    exec(compile(text, filename, "exec"), namespace)
    return namespace


def test_errors_and_source_name_the_cell():
    ns = _cell(3, "def f(x):\n    y = np.sin(x)\n    return np.i0(y)\n")
    with pytest.raises(errors.NoRuleError, match=r"^In \[3\], line 3: `np.i0`"):
        ag.grad(ns["f"])(np.ones((2, 2)))
    ns = _cell(4, "def g(x):\n    return np.sin(x) * x\n")
    assert "# grad of `g` (In [4], line 1)" in ag.source(ag.grad(ns["g"]))


class _Kernel:
    """What astgrad reads of ipykernel's shell: its compiler's file name -> cell map."""

    def __init__(self, names):
        self.compile = types.SimpleNamespace(_filename_map=names)
        self.history_manager = types.SimpleNamespace(input_hist_raw=[""])


def test_a_kernel_cell_file_is_named_as_its_cell(monkeypatch):
    filename = "/tmp/ipykernel_4242/1234567890.py"
    kernel = _Kernel({filename: 7})
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: kernel))
    ns = _cell(7, "def h(x):\n    return np.i0(x)\n", filename)
    with pytest.raises(errors.NoRuleError, match=r"^In \[7\], line 2:"):
        ag.grad(ns["h"])(np.ones((2, 2)))


def test_a_cell_magic_body_is_found_in_the_history(monkeypatch):
    """`%%time` compiles its body under `<timed exec>` and keeps no text of it; the
    input history has the cell."""
    kernel = _Kernel({})
    kernel.history_manager.input_hist_raw = ["", "import numpy as np",
                                             "%%time\ndef k(x):\n    return x ** 3\n"]
    kernel.transform_cell = lambda text: text
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: kernel))
    namespace = {}
    exec(compile("def k(x):\n    return x ** 3\n", "<timed exec>", "exec"), namespace)
    assert ag.grad(namespace["k"])(2.0) == 12.0
    exec(compile("def k2(x):\n    return x ** 4\n", "<timed exec>", "exec"), namespace)
    with pytest.raises(errors.SourceError, match="cell magic"):
        ag.grad(namespace["k2"])


IPYTHON_SESSION = textwrap.dedent("""\
    from IPython.core.interactiveshell import InteractiveShell
    shell = InteractiveShell.instance()
    for cell in ["import astgrad as ag\\nimport numpy as np",
                 "def f(x):\\n    return np.sin(x) * x",
                 "print('cell', ag.grad(f)(0.0))",
                 "%%time\\ndef g(x):\\n    return x ** 3",
                 "print('magic', ag.grad(g)(2.0))",
                 "def h(x):\\n    y = x\\n    return np.i0(y)",
                 "try:\\n    ag.grad(h)(np.ones((2, 2)))\\nexcept ag.AstgradError as e:\\n"
                 "    print('error', e)"]:
        shell.run_cell(cell, store_history=True)
""")


def test_a_real_ipython_shell(tmp_path):
    pytest.importorskip("IPython")
    out, err = python("-c", IPYTHON_SESSION, home=str(tmp_path))    # its history file there
    assert "cell 0.0" in out and "magic 12.0" in out, out + err
    assert "error In [6], line 3: `np.i0` has no derivative rule" in out, out + err


# -- sent from another process --------------------------------------------------------------
def test_a_source_sent_with_a_pickle_is_used_when_the_file_is_missing():
    text = "def shipped(x):\n    return x ** 3\n"
    filename = "/nonexistent/astgrad-test/shipped.py"
    namespace = {}
    exec(compile(text, filename, "exec"), namespace)
    with pytest.raises(errors.SourceError, match="does not exist here"):
        ag.grad(namespace["shipped"])
    sources.remember(filename, text, "In [9]")
    namespace = {}
    exec(compile(text, filename, "exec"), namespace)
    assert ag.grad(namespace["shipped"])(2.0) == 12.0
    assert "(In [9], line 1)" in ag.source(ag.grad(namespace["shipped"]))
