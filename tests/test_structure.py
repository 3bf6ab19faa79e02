"""The compiler's shape as issue 8 states it: no import cycles (function-level
imports included), small modules, classes and functions, and a driver that
lists every pass in the order it runs them."""
from __future__ import annotations

import ast
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent / "astgrad"
MODULE_LINES, CLASS_LINES, FUNCTION_LINES = 400, 200, 50


def _modules() -> dict[str, pathlib.Path]:
    out = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _absolute(module: str, path: pathlib.Path, level: int, name: str | None) -> str:
    if level == 0:
        return name or ""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for _ in range(level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{name}" if name else package


def _imports(module: str, path: pathlib.Path, known) -> set[str]:
    """Every astgrad module `module` imports, at the top or inside a function."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(module, path, node.level, node.module)
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base
                     for a in node.names]
        else:
            continue
        out |= {n for n in names if n in known and n != module}
    return out


def _cycle(graph) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m):
        state[m] = 1
        stack.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                return stack[stack.index(n):] + [n]
            if n not in state:
                found = visit(n)
                if found:
                    return found
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(graph):
        if m not in state:
            found = visit(m)
            if found:
                return found
    return None


def test_no_import_cycles_among_astgrad_modules():
    modules = _modules()
    graph = {m: _imports(m, p, modules) for m, p in modules.items()}
    cycle = _cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_runtime_never_imports_the_compiler():
    modules = _modules()
    for m, p in modules.items():
        if m.startswith("astgrad.runtime"):
            assert not any(d.startswith("astgrad.transform") for d in _imports(m, p, modules)), m


def _sizes():
    for path in sorted(ROOT.rglob("*.py")):
        text = path.read_text()
        yield path, "module", path.stem, len(text.splitlines())
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                kind = "class" if isinstance(node, ast.ClassDef) else "function"
                yield path, kind, node.name, node.end_lineno - node.lineno + 1


def test_modules_classes_and_functions_stay_small():
    limit = {"module": MODULE_LINES, "class": CLASS_LINES, "function": FUNCTION_LINES}
    big = [f"{p.relative_to(ROOT.parent)}: {kind} {name} has {n} lines (limit {limit[kind]})"
           for p, kind, name, n in _sizes() if n > limit[kind]]
    assert not big, "\n".join(big)


def test_debug_prints_the_code_after_every_pass_the_driver_lists(tmp_path):
    from astgrad.transform import driver
    script = tmp_path / "user.py"
    script.write_text("import numpy as np, astgrad as ag\n"
            "def f(x):\n    return np.sin(x) * x\n"
            "print(ag.grad(f)(0.5))\n")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         env={**os.environ, "ASTGRAD_DEBUG": "1"}, cwd=ROOT.parent)
    assert out.returncode == 0, out.stderr
    titles = [line[len("--- after "):-len(" ---")] for line in out.stderr.splitlines()
              if line.startswith("--- after ")]
    only = {"forward", "free"}    # forward mode; hvp, hessian and jacobian's code
    assert titles == [name for name, _ in driver.PASSES if name not in only]  # grad: reverse
    assert len(titles) >= 10

    assert len(titles) == len(set(titles))
