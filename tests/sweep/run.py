"""Run one sweep case and say how it went: ok, refused, wrong, crash (or invalid: NumPy itself
rejects the call, so there is nothing to differentiate)."""
import hashlib
import importlib.util
import pathlib
import tempfile
import warnings

import numpy as np

import astgrad as ag

from .cases import Case, arguments

_FOLDER = None
_LOADED = {}
HEADER = "import math\n\nimport numpy as np\n"
SCIPY = "import scipy.linalg\nimport scipy.signal\nimport scipy.special\nimport scipy.stats\n"
NAMES = "abc"
F32 = {"rtol": 2e-3, "atol": 2e-4}


def function(expr: str, arity: int):
    """`def f(a, ...): return <expr>` as a real file, so astgrad reads its source."""
    global _FOLDER
    key = (expr, arity)
    if key not in _LOADED:
        _FOLDER = _FOLDER or tempfile.mkdtemp(prefix="astgrad_sweep_")
        name = "sweep_" + hashlib.sha1(repr(key).encode()).hexdigest()[:12]
        path = pathlib.Path(_FOLDER) / f"{name}.py"
        params = ", ".join(NAMES[:arity])
        header = HEADER + (SCIPY if "scipy." in expr else "")
        path.write_text(f"{header}\n\ndef f({params}):\n    return {expr}\n")
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _LOADED[key] = module.f
    return _LOADED[key]


def _valid(f, args) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            out = f(*args)
        except Exception:
            return False
    leaves = out if isinstance(out, (list, tuple)) else [out]
    return all(np.all(np.isfinite(v)) for v in leaves)


def check(case: Case, order: int = 1) -> tuple[str, str]:
    """(outcome, detail) for one case."""
    f = function(case.expr, len(case.shapes))
    args = arguments(case)
    if not _valid(f, args):
        return "invalid", "NumPy rejects the call"
    wrt = tuple(i for i, d in enumerate(case.sig.domains) if d.islower())
    try:
        if case.dtype is np.float32:
            _check_float32(f, args, wrt)
        else:
            ag.check_grads(f, args, wrt=wrt, order=order, rtol=1e-5, atol=1e-7)
    except ag.AstgradError as exc:
        return "refused", _first_line(exc)
    except AssertionError as exc:
        return "wrong", _first_line(exc)
    except Exception as exc:            # a bug: our internals or generated code raised
        return "crash", f"{type(exc).__name__}: {_first_line(exc)}"
    return "ok", ""


def _first_line(exc) -> str:
    return (str(exc).strip().splitlines() or [""])[0][:200]


def _check_float32(f, args, wrt):
    """Reverse and forward on float32 operands: the float64 answer at float32's tolerance,
    float32 gradients and tangents."""
    wide = tuple(a if isinstance(a, float) else a.astype(np.float64) for a in args)
    value, pullback = ag.vjp(f, wrt=wrt)(*args)
    value64, pullback64 = ag.vjp(f, wrt=wrt)(*wide)
    seed = _seed_like(value64)
    grads = pullback(_seed_like(value, seed))
    grads64 = pullback64(seed)
    for i, a, g, g64 in zip(wrt, [args[i] for i in wrt], grads, grads64):
        if np.shape(g) != np.shape(a):
            raise AssertionError(f"the gradient of {NAMES[i]} has shape {np.shape(g)}, not "
                                 f"{np.shape(a)}")
        _close(f"gradient of {NAMES[i]}", g, g64)
        if isinstance(a, np.ndarray) and np.asarray(g).dtype != np.float32:
            raise AssertionError(f"the gradient of float32 {NAMES[i]} is {np.asarray(g).dtype}")
    tangents = tuple(np.full_like(args[i], 0.7) if isinstance(args[i], np.ndarray) else 0.7
                     for i in wrt)       # (NumPy 1.x: `ones_like(0-d float32) * 0.7` is float64)
    _, t = ag.jvp(f, wrt=wrt)(*args, tangents)
    _, t64 = ag.jvp(f, wrt=wrt)(*wide, tuple(np.asarray(u, np.float64) for u in tangents))
    _close("tangent", t, t64)
    for out, tan in zip(_leaves(value), _leaves(t)):
        if np.asarray(out).dtype == np.float32 and np.asarray(tan).dtype != np.float32:
            raise AssertionError(f"a float32 output's tangent is {np.asarray(tan).dtype}")


def _leaves(v):
    return list(v) if isinstance(v, (list, tuple)) else [v]


def _seed_like(value, like=None):
    if isinstance(value, (list, tuple)):
        return type(value)(_seed_like(v, s)
                           for v, s in zip(value, [None] * len(value) if like is None else like))
    if like is not None:
        return np.asarray(like).astype(np.asarray(value).dtype) if np.ndim(value) else \
            type(value)(like) if isinstance(value, float) else np.asarray(like, np.asarray(
                value).dtype)
    r = np.random.default_rng(1).uniform(0.5, 1.5, np.shape(value))
    return float(r) if isinstance(value, float) else r.astype(np.asarray(value).dtype)


def _close(what, got, want):
    for g, w in zip(_leaves(got), _leaves(want)):
        scale = max(1.0, float(np.max(np.abs(w))) if np.size(w) else 1.0)
        if np.shape(g) != np.shape(w) or not np.allclose(
                np.asarray(g, np.float64), w, rtol=F32["rtol"], atol=F32["atol"] * scale):
            raise AssertionError(f"float32 {what}: {np.asarray(g)!r} but float64 gives "
                                 f"{np.asarray(w)!r}")
