"""The rule sweep's seeded sample (tests/sweep): every swept function at least once, then a
fixed draw from the cross product of shapes, broadcasting, axes and dtypes; first order on
every case (reverse and forward against finite differences; float32 against float64 at
float32's tolerance, float32 gradients), second order on every 6th. The legal points where
naive formulas fail (zeros of powers, ties, zero variance, repeated indices) all run.
`python -m tests.sweep --all` runs the whole cross product and prints a table."""
import warnings

import numpy as np
import pytest

from astgrad.transform import optional, registry
from tests.sweep import cases, run, special

SAMPLE = cases.sample(cases.all_cases(), 500, seed=20261126)
SECOND_EVERY = 6

# Documented refusals the sweep reaches (the outcome must stay "refused").
REFUSED = {"np.dot[np.dot(a, b)|2x1x3,3x2", "np.inner[np.inner(a, b)|2x1x3,3",
           "np.linalg.eig[np.real(np.linalg.eig(a)[0])|3x3"}   # forward mode: eigvals does it
# Known gaps: a case id (or special name) and why; each must fail (strict xfail).
KNOWN = {}


# Known gaps at second order only (python -m tests.sweep --all --order 2).
KNOWN2 = {}


def _param(c, i):
    order = 2 if i % SECOND_EVERY == 0 and not c.sig.no_second else 1
    reason = KNOWN.get(c.id) or (KNOWN2.get(c.id) if order == 2 else None)
    marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
    return pytest.param(c, order, marks=marks, id=f"{c.id}-o{order}")


@pytest.mark.parametrize("case, order", [_param(c, i) for i, c in enumerate(SAMPLE)])
def test_sweep_sample(case, order):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        outcome, detail = run.check(case, order)
    want = ("refused",) if case.id.rsplit("|", 1)[0] in REFUSED else ("ok", "invalid")
    assert outcome in want, f"{outcome}: {detail}"


_BY_ID = {c.id: c for c in cases.all_cases()}


@pytest.mark.parametrize("order, case_id, reason", [
    pytest.param(order, k, v, id=k, marks=pytest.mark.xfail(reason=v, strict=True))
    for order, known_gaps in ((1, KNOWN), (2, KNOWN2)) for k, v in known_gaps.items()
    if k in _BY_ID])
def test_known_gaps(order, case_id, reason):
    """Every recorded gap still shows, whether or not the sample drew it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert run.check(_BY_ID[case_id], order) == ("ok", "")


def _special(s):
    reason = KNOWN.get(s.name)
    marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
    missing = [f for f in ("matrix_norm", "vector_norm", "svdvals")
               if f"np.linalg.{f}" in s.expr and not hasattr(np.linalg, f)]
    if missing:
        marks.append(pytest.mark.skip(reason=f"np.linalg.{missing[0]} is new in NumPy 2"))
    return pytest.param(s, marks=marks, id=s.name)


@pytest.mark.parametrize("s", [_special(s) for s in special.SPECIALS])
def test_special_points(s):
    outcome, detail = special.check(s)
    assert outcome == "ok", f"{outcome}: {detail}"


def test_the_sample_is_deterministic_and_covers_every_swept_function():
    again = cases.sample(cases.all_cases(), 500, seed=20261126)
    assert [c.id for c in again] == [c.id for c in SAMPLE]
    assert {c.sig.name for c in SAMPLE} == {s.name for s in cases.all_signatures()}
    assert 450 <= len(SAMPLE) <= 520 and len(cases.all_cases()) > 3000


def test_swept_names_are_registry_functions():
    names = {p.name for p in registry.all_primitives()}
    unknown = {s.name for s in cases.all_signatures()} - names
    # before NumPy 2.0, np.max is np.amax (and np.min np.amin), registered by that name
    unknown = {n for n in unknown if not (n in ("np.max", "np.min")
                                          and registry.lookup(getattr(np, n[3:])) is not None)}
    assert not unknown, f"signatures naming no registry function: {sorted(unknown)}"


def test_every_differentiable_function_is_swept():
    """Each library function with a derivative rule has a signature (the runtime helpers,
    rt.*, are reached by second order through the rules that call them)."""
    optional.load(everything=True)
    swept = {s.name for s in cases.all_signatures()}
    # (`p.vjps or p.jvps`: before NumPy 1.25 a NumPy function a test called with no rule,
    # np.polyfit, is a Python function, registered to run as it is: resolve.py)
    missing = sorted({p.name for p in registry.all_primitives() if not p.nondiff
                      and (p.vjps or p.jvps)
                      and (p.name.startswith(("np.", "math.", "scipy.", "operator."))
                           or getattr(p.fn, "__module__", "") == "builtins")} - swept)
    assert not missing, f"functions with rules but no sweep signature: {missing}"


def test_constants_carry_no_adjoint():
    """Every function with no differentiable input is marked so and has no rule to run."""
    constants = [p for p in registry.all_primitives() if p.nondiff]
    assert len(constants) > 60
    for p in constants:
        assert not any(p.vjps), p.name
        assert all(registry.forward_rule(p, i) is None for i in range(len(p.vjps))), p.name


def test_float32_case_checks_the_gradient_dtype():
    c = next(c for c in cases.all_cases() if c.sig.name == "np.sin" and c.dtype is np.float32
             and c.shapes == ((2, 3),))
    assert run.check(c) == ("ok", "")
