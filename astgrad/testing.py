"""`check_grads`: compare astgrad's derivatives with central finite differences."""
from __future__ import annotations

import dataclasses

import numpy as np

from . import pytree
from .api import grad, jvp, vjp
from .errors import AstgradError, NoRuleError


def check_grads(f, args, wrt=0, order: int = 1, rtol: float = 1e-6, atol: float = 1e-8,
                seed: int = 0, forward: bool | None = None) -> None:
    """Check `f`'s reverse-mode derivatives at `args` against finite differences.

    The output is projected on a random direction `v`; each gradient element of
    `<v, f(args)>` from `ag.vjp` (and `ag.grad` when the output is a scalar) is
    compared with a Richardson-extrapolated central difference. Raises
    `AssertionError` naming the argument, the index and both values.
    """
    if order not in (1, 2):
        raise AstgradError("check_grads checks order 1 or 2.")
    args = tuple(args) if isinstance(args, (tuple, list)) else (args,)   # `check_grads(f, x)`
    wrt_tuple = tuple(wrt) if isinstance(wrt, (tuple, list)) else (wrt,)
    rng = np.random.default_rng(seed)
    transform = vjp(f, wrt=wrt_tuple)
    value, pullback = transform(*_fresh(args))   # first: a `*args` function's is made per call
    names = transform._astgrad.wrt
    positions = [list(transform._astgrad.signature.parameters).index(n) for n in names]
    v = _seed(value, rng)
    grads = pullback(v)
    if _is_scalar(value):
        _agree_with_grad(f, args, wrt_tuple, v, grads, names)
    for name, pos, g in zip(names, positions, grads):
        for label, x, gx, moved in _targets(name, args, pos, g):
            _check_type(label, x, gx)
            for index, d in _points(x, rng):
                numeric = _central(f, moved, x, index, v, d)
                analytic = float(np.real(np.asarray(gx)[index] * d))
                if not abs(analytic - numeric) <= atol + rtol * max(abs(analytic),
                                                                    abs(numeric)):
                    raise AssertionError(
                        f"d/d{label}{[int(i) for i in index] if index else ''}{_part(d)} of "
                        f"{getattr(f, '__name__', f)}: astgrad gives {analytic!r}, finite "
                        f"differences give {numeric!r} (difference "
                        f"{abs(analytic - numeric):.3g}).")
    if forward or forward is None:
        try:
            _check_jvp(f, args, positions, wrt_tuple, rng, rtol, atol)
        except NoRuleError as exc:
            if forward or "forward-mode" not in str(exc):
                raise
    if order == 2:
        # The gradient's own derivatives (reverse over reverse): the Hessian, or for an
        # array output the Hessian of <v, f>, against differences of the gradient.
        scalar = f if _is_scalar(value) else _projected(f, v)
        check_grads(grad(scalar, wrt=wrt_tuple), args, wrt=wrt_tuple, order=1,
                    rtol=rtol, atol=atol, seed=seed + 1, forward=forward)


def _fresh(args) -> tuple:
    """Copies of the arrays in `args` (inside containers too): a function that writes
    into its argument changes the caller's array, and every evaluation starts afresh."""
    def copied(a):
        if isinstance(a, np.ndarray):
            return a.copy()
        if isinstance(a, (list, tuple)):
            items = [copied(e) for e in a]
            return type(a)(*items) if hasattr(a, "_fields") else type(a)(items)
        if isinstance(a, dict):
            return {k: copied(e) for k, e in a.items()}
        if pytree.is_record(a):
            return pytree.map_leaves(copied, a)
        return a
    return tuple(copied(a) for a in args)


def _targets(name, args, pos, g):
    """`(label, x, gradient, moved)` for argument `pos`, or for each float leaf of a
    container; `moved(y)` is the arguments with that leaf (or argument) replaced by `y`."""
    x = args[pos]
    if not pytree.is_tree(x):
        yield name, x, g, lambda y: args[:pos] + (y,) + args[pos + 1:]
        return
    _check_structure(name, x, g)
    for j, (path, leaf) in enumerate(_leaf_paths(x)):
        if pytree.is_float_leaf(leaf):
            def moved(y, j=j):
                values = pytree.leaves(x)
                values[j] = y
                return args[:pos] + (pytree.unflatten(x, values),) + args[pos + 1:]
            yield f"{name}{path}", leaf, pytree.leaves(g)[j], moved


def _leaf_paths(v, prefix=""):
    if isinstance(v, dict):
        return [p for k, item in v.items() for p in _leaf_paths(item, f"{prefix}[{k!r}]")]
    if isinstance(v, (list, tuple)):
        return [p for i, item in enumerate(v) for p in _leaf_paths(item, f"{prefix}[{i}]")]
    if pytree.is_record(v):
        return [p for name in pytree.field_names(v)
                for p in _leaf_paths(getattr(v, name), f"{prefix}.{name}")]
    return [(prefix, v)]


def _check_structure(name, x, g):
    same = type(g) is type(x) and (list(g) == list(x) if isinstance(x, dict)
                                   else pytree.is_record(x) or len(g) == len(x))
    if not same:
        raise AssertionError(f"the gradient of `{name}` is {type(g).__name__} "
                             f"{_show(g)}, its argument {type(x).__name__} {_show(x)}.")
    for a, b in zip(_items(g), _items(x)):
        if pytree.is_tree(b):
            _check_structure(name, b, a)
        elif not pytree.is_float_leaf(b) and a is not None:
            raise AssertionError(f"the gradient of constant leaf {b!r} of `{name}` is {a!r}, "
                                 f"not None.")


def _items(v) -> list:
    """A container's items, in order (a dataclass instance's fields')."""
    if isinstance(v, dict):
        return list(v.values())
    return [getattr(v, n) for n in pytree.field_names(v)] if pytree.is_record(v) else list(v)


def _show(v):
    return list(v) if isinstance(v, dict) else len(v) if isinstance(v, (list, tuple)) else ""


def _moved_by(x, t, u):
    """`x + t * u`, leaf by leaf for a container (its constant leaves kept)."""
    if pytree.is_tree(x):
        values = [_moved_by(a, t, b) if pytree.is_float_leaf(a) else a
                  for a, b in zip(pytree.leaves(x), pytree.leaves(u))]
        return pytree.unflatten(x, values)
    return _inexact(x) + t * u


def _check_jvp(f, args, positions, wrt, rng, rtol, atol):
    tangents = tuple(_like(args[p], rng) for p in positions)
    value, derivative = jvp(f, wrt=wrt)(*_fresh(args), tangents)

    def moved(t):
        out = list(args)
        for p, u in zip(positions, tangents):
            out[p] = _moved_by(args[p], t, u)
        return f(*_fresh(out))

    def diff(h):
        return _minus(moved(h), moved(-h), 2 * h)

    numeric = _combine(diff(1e-3 / 2), diff(1e-3))
    for index, a, n in _pairs(derivative, numeric):
        if not abs(a - n) <= atol + rtol * max(abs(a), abs(n)):
            raise AssertionError(
                f"jvp of {getattr(f, '__name__', f)} along a random direction, output "
                f"{index}: astgrad gives {a!r}, finite differences give {n!r} "
                f"(difference {abs(a - n):.3g}).")


def _minus(a, b, h):
    if a is None and b is None:          # a constant leaf's gradient
        return None
    if isinstance(a, dict):
        return tuple(_minus(a[k], b[k], h) for k in a)
    if pytree.is_record(a):              # its constant fields' tangents: None
        return tuple(_minus(x, y, h) if pytree.is_tree(x) or pytree.is_float_leaf(x) else None
                     for x, y in zip(_items(a), _items(b)))
    if isinstance(a, (tuple, list)):
        return tuple(_minus(x, y, h) for x, y in zip(a, b))
    return (_inexact(np.asarray(a)) - _inexact(np.asarray(b))) / h


def _combine(half, full):
    if half is None:
        return None
    if isinstance(half, tuple):
        return tuple(_combine(x, y) for x, y in zip(half, full))
    return (4 * half - full) / 3


def _pairs(analytic, numeric, prefix=()):
    if numeric is None and analytic is None:
        return
    if isinstance(analytic, dict) or pytree.is_record(analytic):
        analytic = tuple(_items(analytic))
    if isinstance(numeric, tuple):
        if not isinstance(analytic, (tuple, list)) or len(analytic) != len(numeric):
            raise AssertionError(f"the jvp is {type(analytic).__name__}, the output a "
                                 f"sequence of {len(numeric)}.")
        for i, (a, n) in enumerate(zip(analytic, numeric)):
            yield from _pairs(a, n, prefix + (i,))
        return
    a, n = _inexact(np.asarray(analytic)), np.asarray(numeric)
    if a.shape != n.shape:
        raise AssertionError(f"the jvp has shape {a.shape}, the output {n.shape}.")
    for index in np.ndindex(n.shape):
        yield prefix + tuple(int(i) for i in index), a[index].item(), n[index].item()


def _is_scalar(value) -> bool:
    return not pytree.is_tree(value) and np.ndim(value) == 0


def _projected(f, v):
    """`<v, f(...)>` as a Python function of f's arguments (with source, so it is
    differentiable like any other user function)."""
    import inspect
    import linecache
    params = ", ".join(inspect.signature(f).parameters)
    parts = [f"np.sum(out{path} * v{path})" for path in _paths(v)]
    text = (f"def projected({params}):\n    out = f({params})\n"
            f"    return {' + '.join(parts) or '0.0'}\n")   # an empty output: 0
    filename = f"<astgrad check_grads: projection of {getattr(f, '__name__', 'f')}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    namespace = {"np": np, "f": f, "v": v}
    exec(compile(text, filename, "exec"), namespace)
    return namespace["projected"]


def _paths(v, prefix=""):
    """The index paths (`"[1][0]"`) of the arrays and numbers in a nest of sequences."""
    if isinstance(v, dict):
        return [p for k, item in v.items() for p in _paths(item, f"{prefix}[{k!r}]")]
    if isinstance(v, (tuple, list)):
        return [p for i, item in enumerate(v) for p in _paths(item, f"{prefix}[{i}]")]
    if pytree.is_record(v):            # (a constant field's seed is None)
        return [p for n in pytree.field_names(v) if getattr(v, n) is not None
                for p in _paths(getattr(v, n), f"{prefix}.{n}")]
    return [prefix]


def _agree_with_grad(f, args, wrt, v, grads, names):
    direct = grad(f, wrt=wrt)(*_fresh(args))
    for name, a, b in zip(names, direct, grads):
        pairs = zip(_floats(a), _floats(b)) if pytree.is_tree(a) else [(a, b)]
        if not all(np.allclose(np.asarray(p) * v, q, rtol=1e-12, atol=1e-14)
                   for p, q in pairs):
            raise AssertionError(f"ag.grad and ag.vjp disagree on d/d{name}: {a!r} vs {b!r}.")


def _floats(tree) -> list:
    return [_inexact(np.asarray(leaf)) for leaf in pytree.leaves(tree)
            if leaf is not None]


def _like(value, rng):
    if pytree.is_record(value):        # a record's: its constant fields' None
        return dataclasses.replace(value, **{
            n: _like(x, rng) if pytree.is_tree(x) or pytree.is_float_leaf(x) else None
            for n, x in zip(pytree.field_names(value), _items(value))})
    if pytree.is_tree(value):          # a container's seed or tangent: a container
        return pytree.map_leaves(lambda v: _like(v, rng) if pytree.is_float_leaf(v)
                                 else 0.0, value)      # a constant leaf's is 0.0
    if np.iscomplexobj(value):         # a complex one: random in both parts
        return _like(np.real(value), rng) + 1j * _like(np.real(value), rng)
    if np.ndim(value) == 0:
        return float(rng.uniform(0.5, 1.5))
    return rng.uniform(0.5, 1.5, size=np.shape(value))


def _seed(value, rng):
    """A seed for `value`; a scalar's is real (it scales grad's seed 1)."""
    v = _like(value, rng)
    return float(np.real(v)) if _is_scalar(value) else v


def _check_type(name, x, g):
    if isinstance(x, np.ndarray):
        if not isinstance(g, np.ndarray) and np.ndim(x) > 0:
            raise AssertionError(f"the gradient of array `{name}` is a {type(g).__name__}.")
    elif isinstance(x, float) and not isinstance(g, float):
        raise AssertionError(f"the gradient of float `{name}` is a {type(g).__name__}.")
    elif isinstance(x, complex) and not isinstance(g, complex):
        raise AssertionError(f"the gradient of complex `{name}` is a {type(g).__name__}.")
    if np.iscomplexobj(x) != np.iscomplexobj(g):
        raise AssertionError(f"the gradient of {'complex' if np.iscomplexobj(x) else 'real'} "
                             f"`{name}` is {np.asarray(g).dtype}.")
    if np.shape(g) != np.shape(x):
        raise AssertionError(f"the gradient of `{name}` has shape {np.shape(g)}, "
                             f"not {np.shape(x)}.")


def _indices(shape, rng, most=64):
    size = int(np.prod(shape))
    flat = range(size) if size <= most else rng.choice(size, most, replace=False)
    return [np.unravel_index(i, shape) if shape else () for i in flat]


def _points(x, rng):
    """`(index, direction)` to check: each index along 1, and along 1j for a complex `x`."""
    directions = (1.0, 1j) if np.iscomplexobj(x) else (1.0,)
    return [(i, d) for i in _indices(np.shape(x), rng) for d in directions]


def _part(d) -> str:
    return " (imaginary direction)" if d == 1j else ""


def _inexact(x):
    """`x` as float64 (complex128 if complex): a copy for an array, a number otherwise."""
    if isinstance(x, np.ndarray):
        return np.array(x, dtype=np.result_type(x, np.float64))
    return complex(x) if np.iscomplexobj(x) else float(x)


def _central(f, moved, x, index, v, d=1.0):
    """The derivative of `<v, f>` along `d` (1, or 1j for a complex `x`) at `x[index]`,
    where `<v, out>` is `Re(sum(v * out))`."""
    scale = max(1.0, abs(np.asarray(x)[index]))

    def phi(t):
        if isinstance(x, np.ndarray):
            y = _inexact(x)
            y[index] += t * d
        else:
            y = _inexact(x) + t * d
        return _dot(v, f(*_fresh(moved(y))))

    def diff(h):
        return (phi(h) - phi(-h)) / (2 * h)

    h = 1e-3 * scale
    return (4 * diff(h / 2) - diff(h)) / 3


def _dot(v, out):
    if out is None or v is None or isinstance(out, str):    # a constant leaf's gradient
        return 0.0
    if isinstance(out, dict):
        return sum(_dot(v[k], out[k]) for k in out)
    if isinstance(out, (tuple, list)) or pytree.is_record(out):
        return sum(_dot(a, b) for a, b in zip(_items(v), _items(out)))
    return float(np.real(np.sum(np.asarray(v) * _inexact(np.asarray(out)))))
