"""The rule sweep's seeded sample (tests/sweep): every swept function at least once, then a
fixed draw from the cross product of shapes, broadcasting, axes and dtypes; first order on
every case (reverse and forward against finite differences; float32 against float64 at
float32's tolerance, float32 gradients), second order on every 6th. The legal points where
naive formulas fail (zeros of powers, ties, zero variance, repeated indices) all run.
`python -m tests.sweep --all` runs the whole cross product and prints a table."""
import warnings

import numpy as np
import pytest

from astgrad.transform import registry
from tests.sweep import cases, run, special

SAMPLE = cases.sample(cases.all_cases(), 500, seed=20261126)
SECOND_EVERY = 6

_F32_0D = "a 0-d float32 argument gets a float64 gradient"
# Known gaps: a case id (or special name) and why; each must fail (strict xfail).
KNOWN = {
    "sqrt masked at 0 (one where)": "np.sqrt's adjoint g / (2 * sqrt(x)) is 0 / 0 = nan where "
                                    "a where masks sqrt(0) (the double-where form is right)",
    "norm at 0": "np.linalg.norm's adjoint x / norm is 0 / 0 = nan at the zero vector "
                 "(rules/norms.py, H-linalg)",
    "hypot at 0": "np.hypot's adjoint x / hypot is 0 / 0 = nan at (0, 0)",
    "np.max[np.max(a)|0d|float32]": _F32_0D,
    "np.amin[np.amin(a)|0d|float32]": _F32_0D,
    "np.amin[np.amin(a, axis=())|0d|float32]": _F32_0D,
    "np.nanmean[np.nanmean(a, axis=(), keepdims=True)|0d|float32]": _F32_0D,
    "np.nanmin[np.nanmin(a, axis=())|0d|float32]": _F32_0D,
    "np.nanvar[np.nanvar(a, axis=())|0d|float32]": _F32_0D,
    "np.float_power[np.float_power(a, b)|0d,2x3|float32]": "float_power computes in float64: "
                                                           "its gradient of a float32 a too",
    "scipy.special.logsumexp[scipy.special.logsumexp(a, axis=())|0d|float64]":
        "logsumexp over axis=() of a 0-d array: gradient of shape (1,), not () (H-scipy)",
    "np.piecewise[np.piecewise(a, [a < 0, a >= 0], [lambda t: -t, lambda t: t * t])|4|float64]":
        "second order through np.piecewise with lambdas: NameError `fn` in generated code",
    "np.interp[np.interp(a, [-1.0, 0.0, 1.0], b)|4,3|float64]":
        "np.interp w.r.t. the sample values b with a vector a: TypeError in the adjoint",
}
# Forward mode gives a float64 tangent for a float32 output: the tie or slope factor is
# float64 (0.5 * (x == y), np.log(2), a float64 count). Checked apart, in test_float32_tangent.
F32_TANGENT = ("np.exp2 np.maximum np.minimum np.fmax np.fmin np.power np.float_power np.max "
               "np.min np.amax np.amin np.nanmean np.nanmax np.nanmin np.ptp np.nanstd "
               "np.nanvar np.polyval").split()


def _param(c, i):
    reason = KNOWN.get(c.id)
    marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
    return pytest.param(c, 2 if i % SECOND_EVERY == 0 and not c.sig.no_second else 1,
                        marks=marks, id=f"{c.id}-o{2 if i % SECOND_EVERY == 0 else 1}")


@pytest.mark.parametrize("case, order", [_param(c, i) for i, c in enumerate(SAMPLE)])
def test_sweep_sample(case, order):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        outcome, detail = run.check(case, order, case.sig.name not in F32_TANGENT)
    assert outcome in ("ok", "invalid"), f"{outcome}: {detail}"


@pytest.mark.xfail(reason="a float32 output's tangent is float64", strict=True)
@pytest.mark.parametrize("name", F32_TANGENT)
def test_float32_tangent(name):
    shapes = {"np.power": (None, (3,)), "np.float_power": ((), (2, 3))}.get(name)
    c = next(c for c in cases.all_cases() if c.sig.name == name and c.dtype is np.float32
             and (c.shapes == shapes if shapes else all(s for s in c.shapes)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert run.check(c) == ("ok", "")


def _special(s):
    reason = KNOWN.get(s.name)
    marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
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
    assert not unknown, f"signatures naming no registry function: {sorted(unknown)}"


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
