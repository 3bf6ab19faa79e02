"""The differential fuzzer in the suite (issue 9, issue 14): a fixed batch of
small generated programs over every level, each run through vjp, grad and jvp
(every fourth also through second order) and compared with finite differences.
Every program must be right, cleanly refused, or skipped at a non-smooth point:
no wrong derivative, no crash, no timeout.

Known failures are listed per seed with their issue, as strict xfails: a fix
flips the case to XPASS, which fails until the seed leaves the list.
Reproduce one with `python scripts/fuzz_campaign.py --small --programs 1 --seed S`
(its repro file lands in fuzz-failures/), shrink it with
`python -m tests.fuzz replay FILE --shrink`.
"""
from __future__ import annotations

import re

import numpy as np
import pytest

import astgrad as ag
from tests.fuzz import LEVEL_NAMES, check, generate
from tests.fuzz.campaign import campaign, order_of
from tests.fuzz.features import features_of
from tests.fuzz.generator import Program, runs
from tests.fuzz.steps import load_file

BATCH = range(0, 200)
TIMEOUT = 30.0


# seed -> why it fails today: each reason names a distinct bug (tests/fuzz/triage.py) with a
# minimal repro in tests/test_fuzz_regressions.py. `python -m tests.fuzz known` prints this
# table again for the astgrad it imports.
KNOWN: dict[int, str] = {}


@pytest.fixture(scope="module")
def outcomes():
    results = campaign(BATCH, order=order_of, timeout=TIMEOUT, small=True, jobs=2,
                       progress=False)
    return {seed: outcome for seed, _, outcome, _ in results}


def _case(seed):
    if seed in KNOWN:
        return pytest.param(seed, marks=pytest.mark.xfail(strict=True, reason=KNOWN[seed]))
    return seed


@pytest.mark.parametrize("seed", [_case(s) for s in BATCH])
def test_generated_program(seed, outcomes):
    outcome = outcomes[seed]
    assert not outcome.failed, (
        f"program {seed}: {outcome.signature()}\n{outcome.message}\n"
        f"{generate(seed, small=True).source}\n"
        f"reproduce: python scripts/fuzz_campaign.py --small --programs 1 --seed {seed}")


def test_known_seeds_are_in_the_batch():
    assert set(KNOWN) <= set(BATCH)


# ---- the generator -----------------------------------------------------------------------

def test_the_generator_is_deterministic():
    for seed in (0, 5, 11):
        a, b = generate(seed, small=True), generate(seed, small=True)
        assert a.source == b.source and a.level == b.level
        assert all(np.array_equal(x, y) for x, y in zip(a.args, b.args))


@pytest.mark.parametrize("level", LEVEL_NAMES)
def test_every_level_writes_programs_that_run(level):
    for seed in range(12):
        assert runs(generate(seed, level))


CONSTRUCTS = {
    "if/elif/else": r"\n\s*elif .*:\n[\s\S]*\n\s*else:",
    "conditional expression": r" if .* else ",
    "and/or/not": r"\) (and|or) \(|not \(",
    "for over range": r"for \w+ in range\(",
    "for over an array, enumerate, zip": r"for \w+(, \w+)? in (enumerate|zip)\(",
    "while": r"while \w+ < \d",
    "break": r"\bbreak\b",
    "continue": r"\bcontinue\b",
    "nested loops": r"\n(\s*)(for|while) .*:\n(\1\s+.*\n)*\1\s+(for|while) ",
    "helper calls": r"def h\d\(",
    "helper calling a helper": r"def h[2-9]\([\s\S]*?\bh1\(",
    "keyword arguments": r"h\d\([^)]*\b\w+=",
    "early return": r"\n\s+if .*:\n\s+return ",
    "in-place update": r" [+\-*/]= ",
    "write into an array": r"\w\[[^\]]+\] [+\-*]?= ",
    "slicing": r"\[-?\d*:-?\d*\]",
    "fancy indexing": r"\[\[-?\d",
    "reduction with axis": r"axis=",
    "broadcasting a column": r"\[:, None\]|keepdims=True|reshape\(",
    "matrix product": r" @ ",
    "list built with append in a loop": r"for .*:\n\s+.*\.append\(",
    "list rebound each iteration": r"\n\s+(\w+) = (nxt|children|minors)\b",
    "list of pairs unpacked": r"for \w+, \w+ in (layers|xs|ys|items|terms)\b",
    "list iterated later": r"for \w+ in (xs|ys|items|terms|layers)\w*:",
    "non-smooth functions": r"np\.(abs|maximum|minimum|where|clip|max|min)\(",
    "tuple output": r"return [^\n]*, np\.",
}


def test_the_batch_uses_every_construct():
    sources = "\n".join(generate(seed, small=True).source for seed in BATCH)
    missing = [name for name, pattern in CONSTRUCTS.items() if not re.search(pattern, sources)]
    assert not missing, f"no program of the batch has: {missing}"


# ---- the oracle ----------------------------------------------------------------------------

def _program(source: str, args, seed: int = 1) -> Program:
    return Program(seed, "oracle test", frozenset(), source, tuple(args),
                   tuple(range(len(args))))


WRONG_RULE = """import numpy as np
import astgrad as ag


@ag.primitive
def bad_sin(x):
    return np.sin(x)


ag.defvjp(bad_sin, lambda g, ans, x: g * np.sin(x))
ag.defjvp(bad_sin, lambda t, ans, x: t * np.cos(x))


def f(x, a):
    return np.sum(bad_sin(x) * a)
"""


def test_the_oracle_finds_a_wrong_derivative(tmp_path):
    outcome = check(_program(WRONG_RULE, (np.array([0.3, -0.8]), 1.2)), tmp_path, order=1)
    assert (outcome.kind, outcome.stage, outcome.label) == ("wrong", "reverse", "derivative")


def test_the_oracle_finds_a_pullback_that_changes_the_arguments(tmp_path):
    # a rule writing into its argument, as a reverse sweep restoring an array may
    source = WRONG_RULE.replace("g * np.sin(x))", "g * np.cos(x) + _clear(x))").replace(
        "@ag.primitive", "def _clear(x):\n    x.fill(0.0)\n    return 0.0\n\n\n@ag.primitive")
    outcome = check(_program(source, (np.array([0.3, -0.8]), 1.2)), tmp_path, order=1)
    assert (outcome.kind, outcome.stage, outcome.label) == \
        ("wrong", "reverse", "the pullback changes the arguments vjp was given")


def test_the_oracle_skips_a_point_next_to_a_kink(tmp_path):
    source = "import numpy as np\n\n\ndef f(a):\n    return abs(a - 0.3) + np.sin(a)\n"
    outcome = check(_program(source, (0.3 + 2e-4,)), tmp_path)
    assert outcome.kind == "nonsmooth"


def test_the_oracle_counts_a_refusal_by_construct(tmp_path):
    # (`return` inside a loop, the example here before, is differentiated now)
    # (and `try` blocks, the one after, and `del` of a name read no more, the next)
    source = ("import numpy as np\n\n\ndef f(a):\n    b = len({1.0, 2.0})\n"
              "    return a * b\n")
    outcome = check(_program(source, (0.4,)), tmp_path)
    assert outcome.kind == "refused" and "set literals" in outcome.label


def test_the_oracle_calls_any_other_exception_a_crash(tmp_path):
    source = WRONG_RULE.replace("g * np.sin(x))", "g * np.sin(x)[7])")
    outcome = check(_program(source, (np.array([0.3, -0.8]), 1.2)), tmp_path, order=1)
    assert outcome.kind == "crash" and outcome.label.startswith("IndexError")


def test_a_kink_at_the_point_itself_is_nonsmooth_not_a_derivative():
    """Central differences average the two one-sided slopes of a kink at 0 (seed 50775:
    a `while` test that flips at the point), and agree at both step sizes; the one-sided
    slopes tell it apart. A smooth function still gets its derivative."""
    from tests.fuzz.finite import difference
    from tests.fuzz.steps import Stop
    with pytest.raises(Stop) as stop:
        difference(lambda t: abs(t) + 2.0 * t)
    assert stop.value.args[0].kind == "nonsmooth"
    assert difference(lambda t: np.exp(3.0 * t) * np.sin(t + 0.4)) == \
        pytest.approx(3.0 * np.sin(0.4) + np.cos(0.4), rel=1e-9)


ZERO_DETERMINANT = """import numpy as np


def f(x, a):
    m = (a * np.linspace(0.5, 1.5, 2))[:, None] * x
    total = m[0, 0] * m[1, 1] - m[0, 1] * m[1, 0]
    return np.sum(np.tanh(x)) + 1e4 * total
"""


def test_grad_is_checked_against_the_pullback_of_seed_one(tmp_path):
    # seed 79454, shrunk by hand: `total` is zero for every x and a (m has rank one), so
    # its derivative's terms cancel exactly in exact arithmetic only; they leave rounding
    # of ~1e-12, which scaling by a random seed rounds otherwise: `grad * v` and
    # `vjp(v)` differed by more than atol=1e-12 while `grad` equals the pullback of 1
    x, a = np.array([7.0, -6.5]), 1.103
    dx, da = ag.grad(load_file(ZERO_DETERMINANT, tmp_path, "zero_det"), wrt=(0, 1))(x, a)
    # (the cancelling terms are ~1e5: float64 leaves ~1e-10 of them)
    np.testing.assert_allclose(dx, 1.0 - np.tanh(x) ** 2, rtol=0, atol=1e-9)
    assert abs(da) < 1e-9
    outcome = check(_program(ZERO_DETERMINANT, (x, a)), tmp_path, order=1)
    assert outcome.kind != "wrong", outcome    # the differences are noisy: "nonsmooth"


ROUNDING = """import numpy as np


def f(x):
    u = 1e15 * x ** 3
    return u * np.cos(np.arctan(u))
"""


@pytest.mark.skipif(np.finfo(np.longdouble).eps >= np.finfo(np.float64).eps,
                    reason="no floating type wider than float64 here to tell rounding apart")
def test_differences_that_measure_rounding_are_not_judged(tmp_path):
    # campaign seed 92727, by hand: cos(arctan(u)) at |u| ~ 1e15 is mostly the rounding of
    # pi / 2 (6e-17), times u; its differences in float64 are steady (-0.39) and measure
    # that, not the function (astgrad gives its derivative, 0.0017). In longdouble they
    # change, so the program is "nonsmooth", not "wrong".
    outcome = check(_program(ROUNDING, (np.array([-1.0777, 1.3]),)), tmp_path, order=1)
    assert outcome.kind == "nonsmooth" and outcome.message.startswith("ill-conditioned")
    # a wrong rule still is wrong: its differences do not depend on the precision
    outcome = check(_program(WRONG_RULE, (np.array([0.3, -0.8]), 1.2), seed=2), tmp_path,
                    order=1)
    assert outcome.kind == "wrong"


def test_the_tries_feature_writes_try_blocks_that_run():
    features = features_of("branches") | {"tries"}
    programs = [generate(seed, "branches", features=features) for seed in range(12)]
    assert all(runs(p) for p in programs)
    assert sum("try:" in p.source for p in programs) >= 4
    assert any("except:" in p.source for p in programs)
