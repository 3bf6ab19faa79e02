"""The checks themselves: each transform's value, types and shapes, then its
derivative along a random direction per argument against central differences."""
from __future__ import annotations

import numpy as np

import astgrad as ag

from .generator import copies
from .steps import ATOL, RTOL, SMOOTH_TOL, STEP, Stop, call, dot, like, load_file, wrong
from .outcome import Outcome


def first_order(c, modes=("reverse", "grad", "forward")) -> None:
    """vjp (value, types, a pullback that leaves the value alone and repeats itself),
    grad for a scalar output, jvp per argument; then all against differences."""
    n = len(c.wrt)
    grads = _reverse(c) if "reverse" in modes or "grad" in modes else None
    if "grad" in modes and not isinstance(c.value, tuple) and np.ndim(c.value) == 0:
        given, after = copies(c.args), copies(c.args)
        c.f(*after)                       # grad may run `f`'s writes into an argument,
        direct = call("grad", lambda: ag.grad(c.f, wrt=c.wrt)(*given))   # or none: no other
        if not all(_equal(g, a) or _equal(g, b) for g, a, b in zip(given, c.args, after)):
            wrong("grad", "grad changes its arguments other than f does", f"{given!r}")
        _types("grad", direct, c)
        # against the pullback of seed 1, not `grads / v`: scaling by `v` rounds terms that
        # cancel (a derivative that is zero in exact arithmetic) otherwise (seed 79454)
        ones = call("grad", lambda: ag.vjp(c.f, wrt=c.wrt)(*copies(c.args))[1](1.0))
        for k in range(n):
            if not np.allclose(np.asarray(direct[k]), ones[k], rtol=1e-9, atol=1e-12):
                wrong("grad", "grad and vjp disagree", f"{direct[k]!r} vs {ones[k]!r}")
    forward = _forward(c) if "forward" in modes else None
    numeric = [difference(lambda t, k=k: dot(c.v, c.f(*c.moved(k, t)))) for k in range(n)]

    def wide(k):                # the same difference, every float argument in longdouble
        return difference(lambda t: dot(c.v, c.f(*c.moved(k, t, wide=True))))

    if grads is not None:
        _compare("reverse", c, [dot(grads[k], c.u[k]) for k in range(n)], numeric, wide)
    if forward is not None:
        _compare("forward", c, forward, numeric, wide)


def _reverse(c) -> tuple:
    given = copies(c.args)
    value, pullback = call("reverse", lambda: ag.vjp(c.f, wrt=c.wrt)(*given))
    _same_value("reverse", value, c.value)
    held, seed, called = _copy(value), _copy(c.v), _copy(given)  # vjp runs `f`, which may
    grads = call("reverse", pullback, seed)                          # write into them
    if not _equal(given, called):
        wrong("reverse", "the pullback changes the arguments vjp was given",
              f"{called!r} -> {given!r}")
    if not _equal(value, held):
        wrong("reverse", "the pullback changes the value it returned", f"{held!r} -> {value!r}")
    if not _equal(seed, c.v):
        wrong("reverse", "the pullback changes the seed it was given", f"{c.v!r} -> {seed!r}")
    _types("reverse", grads, c)
    first = _copy(grads)
    again = call("reverse", pullback, _copy(c.v))
    if not _equal(grads, first):
        wrong("reverse", "a pullback call changes the gradients an earlier call returned",
              f"{first!r} -> {grads!r}")
    if not _equal(again, first, rtol=1e-12):
        wrong("reverse", "a second pullback call differs", f"{first!r} then {again!r}")
    return grads


def _forward(c) -> list:
    out = []
    for k in range(len(c.wrt)):
        given = _tangents(c, k)
        value, derivative = call("forward", lambda: ag.jvp(c.f, wrt=c.wrt)(
            *copies(c.args), given))
        if not _equal(given, _tangents(c, k)):
            wrong("forward", "jvp changes the tangent it was given",
                  f"{_tangents(c, k)!r} -> {given!r}")
        _same_value("forward", value, c.value)
        _shapes("forward", derivative, c.value)
        out.append(dot(c.v, derivative))
    return out


def second_order(c) -> None:
    """vjp and jvp of g = grad(<v, f>), against differences of g along each direction."""
    F = c.f if not isinstance(c.value, tuple) and np.ndim(c.value) == 0 else _projection(c)
    G = ag.grad(F, wrt=c.wrt)
    slope = call("second-reverse", lambda: G(*copies(c.args)))
    w = like(tuple(slope), c.rng)
    _, pullback = call("second-reverse", lambda: ag.vjp(G, wrt=c.wrt)(*copies(c.args)))
    hw = call("second-reverse", pullback, _copy(w))
    _types("second-reverse", hw, c)
    forward = []
    for k in range(len(c.wrt)):
        _, derivative = call("second-forward", lambda: ag.jvp(G, wrt=c.wrt)(
            *copies(c.args), _tangents(c, k)))
        _shapes("second-forward", derivative, tuple(slope))
        forward.append(dot(w, derivative))
    numeric = [difference(lambda t, k=k: dot(w, tuple(G(*c.moved(k, t)))))
               for k in range(len(c.wrt))]
    _compare("second-reverse", c, [dot(hw[k], c.u[k]) for k in range(len(c.wrt))], numeric)
    _compare("second-forward", c, forward, numeric)


def difference(phi) -> float:
    """d/dt phi(t) at 0 by Richardson-extrapolated central differences, at two step
    sizes; when they disagree the point is not smooth and the program is skipped. So is
    a kink at 0 itself (a branch taken on one side only), which central differences
    average over without noticing: there the one-sided slopes disagree."""
    values = {}

    def at(t):
        if t not in values:
            values[t] = phi(t)
        return values[t]

    def richardson(h):
        def central(s):
            return (at(s) - at(-s)) / (2 * s)
        return (4 * central(h / 2) - central(h)) / 3

    def one_sided(h):                    # from the right for h > 0, from the left for h < 0
        def slope(s):
            return (at(s) - at(0.0)) / s
        return 2 * slope(h / 2) - slope(h)

    coarse, fine = richardson(STEP), richardson(STEP / 8)
    right, left = one_sided(STEP / 8), one_sided(-STEP / 8)
    noise = 1e-9 * max(1.0, abs(at(0.0)))
    if not (np.isfinite(coarse) and np.isfinite(fine)) or \
            abs(coarse - fine) > SMOOTH_TOL * max(abs(coarse), abs(fine)) + noise:
        raise Stop(Outcome("nonsmooth", message=f"differences {coarse!r} and {fine!r}"))
    if not abs(right - left) <= RTOL * max(abs(right), abs(left)) + noise / STEP:
        raise Stop(Outcome("nonsmooth", message=f"one-sided differences {left!r} (left) "
                                                f"and {right!r} (right)"))
    return coarse


def _close(a, n) -> bool:
    return abs(a - n) <= RTOL * max(abs(a), abs(n)) + ATOL * max(1.0, abs(n))


def _compare(stage, c, analytic, numeric, wide=None):
    """Each derivative against its difference; before a mismatch is called wrong, `wide(k)`
    (when given) takes the difference again in np.longdouble (see `_rounding`)."""
    for k, (a, n) in enumerate(zip(analytic, numeric)):
        if not _close(a, n):
            if wide is not None:
                _rounding(n, lambda: wide(k))
            name = c.names[c.wrt[k]]
            wrong(stage, "derivative", f"along a random direction in `{name}`: astgrad gives "
                  f"{a!r}, finite differences give {n!r}")


def _rounding(numeric: float, again) -> None:
    """Stop as "nonsmooth" (not judged) if the difference changes when `again()` takes it
    in np.longdouble, where there is one wider than float64: it measures rounding, not the
    function (seed 92727: `u * np.cos(np.arctan(u))` at u = -1.25e15 is float rounding of
    pi / 2 times u)."""
    if np.finfo(np.longdouble).eps >= np.finfo(np.float64).eps:
        return
    try:
        wide = float(again())
        if _close(wide, numeric):
            return
    except Stop as stop:                 # not smooth there in longdouble: not judged either
        wide = stop.outcome.message
    except Exception:                    # noqa: BLE001 - the program takes no longdouble
        return
    raise Stop(Outcome("nonsmooth", message=f"ill-conditioned: differences {numeric!r} in "
                                            f"float64 and {wide!r} in longdouble"))


def _tangents(c, k) -> tuple:
    """Fresh tangents: direction u[k] for argument k, zeros for the others."""
    return tuple(_copy(c.u[j]) if j == k else np.zeros_like(c.u[j])
                 if isinstance(c.u[j], np.ndarray) else 0.0 for j in range(len(c.wrt)))


def _projection(c):
    params = ", ".join(c.names)
    total = " + ".join(f"np.sum(out[{i}] * V[{i}])" for i in range(len(c.value))) \
        if isinstance(c.value, tuple) else "np.sum(out * V)"
    source = f"import numpy as np\n\n\ndef F({params}):\n    out = f({params})\n" \
             f"    return {total}\n"
    F = load_file(source, c.folder, f"fuzz_{c.program.seed}_{c.program.attempt}_projected", "F")
    F.__globals__.update(f=c.f, V=c.v)
    return F


def _types(stage, grads, c):
    if not isinstance(grads, tuple) or len(grads) != len(c.wrt):
        wrong(stage, "type", f"a tuple of {len(c.wrt)} gradients expected, got {grads!r}")
    for k, g in zip(c.wrt, grads):
        x, name = c.args[k], c.names[k]
        if isinstance(x, np.ndarray):
            if not isinstance(g, np.ndarray) or g.shape != x.shape or g.dtype != x.dtype:
                wrong(stage, "type", f"gradient of `{name}` (array {x.shape} {x.dtype}) is "
                      f"{type(g).__name__} {np.shape(g)} {getattr(g, 'dtype', '')}")
        elif not isinstance(g, float):
            wrong(stage, "type", f"gradient of float `{name}` is a {type(g).__name__} "
                  f"of shape {np.shape(g)}")


def _shapes(stage, derivative, value):
    if isinstance(value, tuple):
        if not isinstance(derivative, tuple) or len(derivative) != len(value):
            wrong(stage, "shape", f"a tuple of {len(value)} expected, got {derivative!r}")
        for d, v in zip(derivative, value):
            _shapes(stage, d, v)
    elif np.shape(derivative) != np.shape(value):
        wrong(stage, "shape", f"derivative of shape {np.shape(derivative)} for a value of "
              f"shape {np.shape(value)}")


def _same_value(stage, got, expected):
    if not _equal(got, expected, rtol=1e-9):
        wrong(stage, "value", f"the transform's value {got!r} differs from f's {expected!r}")


def _equal(a, b, rtol=0.0) -> bool:
    if isinstance(a, tuple) or isinstance(b, tuple):
        return isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b) and \
            all(_equal(x, y, rtol) for x, y in zip(a, b))
    # nan equals nan here: a nan gradient is the derivative check's to report, not this one's
    return np.shape(a) == np.shape(b) and bool(np.allclose(a, b, rtol=rtol, atol=1e-12 * bool(rtol),
                                                           equal_nan=True))


def _copy(value):
    if isinstance(value, tuple):
        return tuple(_copy(v) for v in value)
    return np.array(value) if isinstance(value, np.ndarray) else value
