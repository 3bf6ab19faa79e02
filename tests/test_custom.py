"""Custom derivatives, dtypes, and the generated list of supported functions.

The example `examples/custom_derivative.py` runs as a user runs it and its
printed numbers are checked; float32 stays float32 through both modes;
arguments that cannot be differentiated are refused; docs/rules.md is the
registry's own output, so a rule added without regenerating it fails here.
"""
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import astgrad as ag
from astgrad.__main__ import rules_markdown
from astgrad.errors import WrtError
from .test_examples import line_after

ROOT = Path(__file__).resolve().parent.parent
FLOAT = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|nan|inf"


# ---- the example: a stable logsumexp with its own rules ------------------------------------
@pytest.fixture(scope="module")
def example():
    proc = subprocess.run([sys.executable, "examples/custom_derivative.py"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, f"custom_derivative.py failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def _numbers(out, label):
    return np.array([float(v) for v in re.findall(FLOAT, line_after(out, label))])


def test_naive_code_overflows(example):
    assert _numbers(example, "naive value on [1000, 1001, 1002]:")[-1] == np.inf
    assert np.all(np.isnan(_numbers(example, "naive gradient:")))


def test_stable_primitive_is_finite_and_correct(example):
    big = np.array([1000.0, 1001.0, 1002.0])
    softmax = np.exp(big - big.max()) / np.sum(np.exp(big - big.max()))
    value = _numbers(example, "stable value on [1000, 1001, 1002]:")[-1]
    np.testing.assert_allclose(value, 1002 + np.log(np.sum(np.exp(big - 1002))), rtol=1e-12)
    np.testing.assert_allclose(_numbers(example, "stable gradient:"), softmax, rtol=1e-6)


def test_rule_agrees_with_finite_differences(example):
    assert _numbers(example, "largest |rule - finite differences|:")[-1] < 1e-8
    forward = _numbers(example, "forward-mode derivative along e0:")[-1]
    reverse = _numbers(example, "reverse-mode derivative along e0:")[-1]
    x = np.array([0.3, -1.2, 0.8, 2.0])
    np.testing.assert_allclose([forward, reverse], np.exp(x[0]) / np.sum(np.exp(x)), rtol=1e-12)
    assert "check_grads (first and second order, both modes): ok" in example


def test_generated_code_shows_the_rule(example):
    source = example.split("calls the rule as written:")[1]
    assert "logsumexp(x)" in source and "np.exp(x - out)" in source


def test_second_derivative_goes_through_the_rule(example):
    through = _numbers(example, "second derivative through the rule:")[-1]
    formula = _numbers(example, "second derivative by formula:")[-1]
    assert 0.1 < through < 1.0
    np.testing.assert_allclose(through, formula, rtol=1e-10)


# ---- dtypes: float32 in, float32 out; integers, booleans and complex refused -----------------
x32 = np.array([0.31, 0.72, 0.55, 0.18], dtype=np.float32)
M32 = (np.array([[2.0, 0.3, -0.1], [0.2, 1.5, 0.4], [-0.3, 0.1, 1.8]])).astype(np.float32)
FLOAT32 = [
    lambda x: np.sum(np.sin(x) * x),
    lambda x: np.sum(np.exp(x) / (1 + x)),
    lambda x: np.sum(np.log(x) + np.sqrt(x)),
    lambda x: np.sum(np.tanh(x) ** 2),
    lambda x: np.sum(np.arctan(x) * np.cosh(x)),
    lambda x: np.mean(x * x),
    lambda x: np.prod(x),
    lambda x: np.max(x),
    lambda x: np.std(x),
    lambda x: np.var(x),
    lambda x: np.linalg.norm(x),
    lambda x: np.sum(np.cumsum(x) * x),
    lambda x: np.sum(np.sort(x) * x),
    lambda x: np.dot(x, x),
    lambda x: np.sum(np.maximum(x, 0.5)),
    lambda x: np.sum(np.where(x > 0.4, x, -x)),
    lambda x: np.sum(np.clip(x, 0.2, 0.6) * x),
    lambda x: np.sum(np.reshape(x, (2, 2)) @ np.reshape(x, (2, 2))),
    lambda x: np.sum(np.concatenate([x, x * 2.0])),
    lambda x: np.logaddexp(x[0], x[1]),
]
MATRIX32 = [
    lambda M: np.sum(np.linalg.inv(M)),
    lambda M: np.linalg.det(M),
    lambda M: np.sum(M @ M.T),
    lambda M: np.trace(M),
]


def _with(cases, arg):
    return [pytest.param(c.values[0], arg, marks=c.marks) if hasattr(c, "marks") else (c, arg)
            for c in cases]


@pytest.mark.parametrize("f, arg", _with(FLOAT32, x32) + _with(MATRIX32, M32))
def test_float32_stays_float32(f, arg):
    g = ag.grad(f)(arg)
    assert g.dtype == np.float32, f"grad gave {g.dtype}"
    _, t = ag.jvp(f)(arg, np.ones_like(arg))
    assert np.asarray(t).dtype == np.float32, f"jvp gave {np.asarray(t).dtype}"


def _sum_sin(x):
    return np.sum(np.sin(x))


@pytest.mark.parametrize("arg, says", [(np.arange(4), "integer"), (3, "integer"),
                                       (np.array([True, False]), "boolean"),
                                       (True, "boolean")])
def test_integer_and_boolean_arguments_are_refused(arg, says):
    for run in (lambda: ag.grad(_sum_sin)(arg), lambda: ag.jvp(_sum_sin)(arg, arg)):
        with pytest.raises(WrtError, match=says) as info:
            run()
        assert isinstance(info.value, ag.AstgradError) and "x" in str(info.value)
        assert "float" in str(info.value)


@pytest.mark.parametrize("arg", [np.ones(3, dtype=complex), 1j])
def test_complex_arguments_are_differentiated(arg):
    # holomorphic: the gradient is the derivative (tests/test_complex.py has the rest)
    np.testing.assert_allclose(ag.grad(_sum_sin)(arg), np.cos(arg))
    np.testing.assert_allclose(ag.jvp(_sum_sin)(arg, arg)[1], np.sum(np.cos(arg) * arg))


# ---- docs/rules.md is generated ------------------------------------------------------------
@pytest.mark.skipif(not hasattr(np, "matvec") or hasattr(np, "trapz"),
                    reason="docs/rules.md is written with NumPy >= 2.4, which has every "
                    "function astgrad has rules for and no longer the alias np.trapz")
def test_rules_page_is_generated_from_the_registry():
    page = (ROOT / "docs" / "rules.md").read_text()
    assert page == rules_markdown() + "\n", (
        "docs/rules.md is out of date: python -m astgrad rules --markdown > docs/rules.md")


def test_rules_page_lists_both_modes():
    page = rules_markdown()
    assert "| `np.linalg.det` | a | a |" in page
    assert "| `np.einsum` | subscripts, operands | subscripts, operands |" in page
    assert "| `np.argmax` | constant | constant |" in page
    assert "python -m astgrad rules --markdown" in page.splitlines()[3]


def test_markdown_option_prints_the_page():
    proc = subprocess.run([sys.executable, "-m", "astgrad", "rules", "--markdown"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout == rules_markdown() + "\n"


class _Sine:
    """A callable object given its own rule."""

    def __call__(self, x):
        return np.sin(x)


_sine = _Sine()
ag.defvjp(_sine, lambda g, ans, x: g * np.cos(x))


def test_the_transform_of_an_object_with_rules_uses_them():
    assert ag.grad(_sine)(1.0) == pytest.approx(np.cos(1.0), rel=1e-15)
    x = np.array([0.2, -0.7])
    value, pullback = ag.vjp(_sine)(x)
    assert np.array_equal(value, np.sin(x))
    assert np.allclose(pullback(np.ones(2)), np.cos(x), rtol=1e-15)


@ag.primitive
def _sine_and_cosine(x):
    return (np.sin(x), np.cos(x))


def _sine_and_cosine_adjoint(g, ans):
    s, c = ans
    gs, gc = g
    return gs * c - gc * s


ag.defvjp(_sine_and_cosine, lambda g, ans, x: _sine_and_cosine_adjoint(g, ans))


def uses_a_tuple_primitive(x):
    s, c = _sine_and_cosine(x)
    return np.sum(s * c ** 2)


def test_second_order_through_a_primitive_returning_a_tuple():
    # the rule's helper reads the output tuple: at second order, its adjoint joins the
    # output's adjoint element by element, not by list concatenation
    x = np.array([0.3, -0.5, 0.7])
    ag.check_grads(uses_a_tuple_primitive, (x,), order=2, forward=False)
    # d/dx sin x cos^2 x = cos^3 x - 2 sin^2 x cos x
    assert np.allclose(ag.grad(uses_a_tuple_primitive)(x),
                       np.cos(x) ** 3 - 2 * np.sin(x) ** 2 * np.cos(x), rtol=1e-12)
