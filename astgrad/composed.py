"""Transforms composed of the basic ones: `hvp`, `hessian`, `jacobian` and
`elementwise_grad`."""
from __future__ import annotations

import inspect
import itertools
import linecache
from typing import Callable

import numpy as np

from . import pytree
from .api import _transform, derived, grad, vjp
from .batched import jvp_columns, pullback_rows, unchanged
from .dispatcher import signature_and_call
from .errors import AstgradError, WrtError

_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)

_wrappers = itertools.count(1)
_FEW = 8     # outputs per input below which ag.jacobian pulls back rows, not batched columns


def _name(fn) -> str:
    return getattr(fn, "__name__", type(fn).__name__)


def _values(signature: inspect.Signature, args, kwargs) -> list:
    """All the arguments of a function of `signature` by position (jvp takes them so,
    with the tangent last): `args` themselves when they are all its parameters."""
    if not kwargs and len(args) == len(signature.parameters) and all(
            p.kind in _POSITIONAL for p in signature.parameters.values()):
        return list(args)
    bound = signature.bind(*args, **kwargs)
    bound.apply_defaults()
    return list(bound.arguments.values())


def _along(jvp_fn, values, args, kwargs, tangent):
    """The derivative `jvp_fn` gives along `tangent`, passed last: after every argument
    by position, or, where the jvp binds its arguments as the function does
    (defaults, keyword-only parameters), after the caller's own arguments. A jvp
    made in mode "tangent" returns the derivative alone."""
    alone = jvp_fn._astgrad.mode == "tangent"
    if jvp_fn._astgrad._dispatcher.binding:
        out = jvp_fn(*unchanged(args), tangent, **kwargs)
    else:
        out = jvp_fn(*unchanged(values), tangent)
    return out if alone else out[1]


def _hessian_vector(fn, wrt) -> Callable:
    """The forward-mode derivative of `fn`'s generated gradient, made to return the
    tangent alone: the gradient itself is never computed (mode "tangent")."""
    return _transform(grad(fn, wrt=wrt), "tangent", wrt)


def _basis(shape: tuple, dtype=np.float64):
    """One unit array of `shape` per element, in C order (the float 1.0 for shape ())."""
    if not shape:
        yield 1.0
        return
    size = int(np.prod(shape))
    for i in range(size):
        e = np.zeros(size, dtype=dtype)
        e[i] = 1.0
        yield e.reshape(shape)


def _not_a_container(x, what: str):
    """`x`, unless it is a container of parameters: no one matrix is its Jacobian."""
    if pytree.is_tree(x):
        raise WrtError(f"ag.{what} of a {type(x).__name__} of parameters is not one matrix.",
                       fix=f"Use ag.hvp / ag.jvp / ag.vjp, which take containers, or take the "
                           f"{what} with respect to one array of it.")
    return x


def _real_argument(x, what: str) -> None:
    """A complex argument has no n-by-n Jacobian or Hessian (unless the function is
    holomorphic, which cannot be told from its values): refused."""
    if np.iscomplexobj(x):
        raise WrtError(f"ag.{what} of a complex argument is not defined: a function of "
                       f"complex z is one of its real and imaginary parts, whose {what} is "
                       f"twice the size.", fix="Differentiate f(x + 1j * y) with respect to "
                       "the real x and y, or use ag.jvp / ag.vjp (see docs/complex.md).")


def hvp(f: Callable, wrt=0) -> Callable:
    """`hvp(f, wrt=0)`: `(*args, v) -> H @ v` for scalar `f`, without forming `H`:
    the forward-mode derivative of the generated gradient along `v`.

    The vector comes last, after every argument of `f`: `ag.hvp(f)(x, a, v)`.
    SciPy calls `hessp(x, p, *args)`, with the vector second; pass
    `astgrad.scipy.hessp(f)` there, or `lambda x, p, *args: ag.hvp(f)(x, *args, p)`."""
    def make(fn):
        inner = _hessian_vector(fn, wrt)

        def hvp_fn(*args):
            return inner(*args)
        hvp_fn._astgrad = inner._astgrad
        hvp_fn.__name__ = f"hvp_of_{_name(fn)}"
        hvp_fn.__doc__ = hvp.__doc__
        return hvp_fn
    return derived(f, ("hvp", wrt), make)


def hessian(f: Callable, wrt=0) -> Callable:
    """`hessian(f, wrt=0)`: `H` of shape `arg.shape + arg.shape` for scalar `f`, one
    forward-over-reverse product `H @ e_i` per element of the argument."""
    if isinstance(wrt, (tuple, list)):
        raise WrtError("ag.hessian takes one argument in `wrt`; use ag.hvp for several.")

    def make(fn):
        inner, signature = _hessian_vector(fn, wrt), inspect.signature(fn)
        position = inner._astgrad.params.index(
            next(p for p in inner._astgrad.params if p.name == inner._astgrad.wrt[0]))

        def hessian_fn(*args, **kwargs):
            values = _values(signature, args, kwargs)
            x = _not_a_container(values[position], "hessian")
            _real_argument(x, "hessian")
            if not isinstance(x, np.ndarray):
                return _along(inner, values, args, kwargs, 1.0)
            done = jvp_columns(inner._astgrad.lookup(*values), values, position, x.shape)
            if done is not None:                # one call per chunk of directions
                return done[1]
            columns = (_along(inner, values, args, kwargs, e) for e in _basis(x.shape, x.dtype))
            return _stacked(columns, x.size, -1).reshape(x.shape + x.shape)
        hessian_fn._astgrad = inner._astgrad
        hessian_fn.__name__ = f"hessian_of_{_name(fn)}"
        hessian_fn.__doc__ = hessian.__doc__
        return hessian_fn
    return derived(f, ("hessian", wrt), make)


def jacobian(f: Callable, wrt=0) -> Callable:
    """`jacobian(f, wrt=0)`: `J` of shape `out.shape + arg.shape`.

    Built from whichever mode needs fewer passes: reverse mode (one pullback per
    output element) when the output has fewer elements than the argument, else
    forward mode (one tangent per argument element)."""
    if isinstance(wrt, (tuple, list)):
        raise WrtError("ag.jacobian takes one argument in `wrt`.")

    def make(fn):
        # The value comes from the vjp; the forward mode needs the tangent alone.
        backward, onward = vjp(fn, wrt=wrt), _transform(fn, "tangent", wrt)
        signature = inspect.signature(fn)
        position = [p.name for p in onward._astgrad.params].index(onward._astgrad.wrt[0])

        def jacobian_fn(*args, **kwargs):
            values = _values(signature, args, kwargs)
            x = _not_a_container(values[position], "jacobian")
            _real_argument(x, "jacobian")
            value, pullback = backward(*unchanged(args), **kwargs)
            if isinstance(value, tuple):
                raise AstgradError("ag.jacobian needs a function with one output, not a "
                                   "tuple; take the jacobian of each output.")
            xshape, yshape = np.shape(x), np.shape(value)
            n_in, n_out = int(np.prod(xshape)), int(np.prod(yshape))
            real = not np.iscomplexobj(value)         # a pullback: real parts only
            if n_out * _FEW <= n_in and real or n_out == 1 and real:
                return _rows(backward, values, position, pullback, yshape, xshape)
            done = jvp_columns(onward._astgrad.lookup(*values), values, position, yshape)
            if done is not None:                # one call per chunk of directions
                return done[1]
            if n_out <= n_in and real:
                return _rows(backward, values, position, pullback, yshape, xshape)
            columns = (_along(onward, values, args, kwargs, e) for e in _basis(xshape))
            return _stacked(columns, n_in, -1).reshape(yshape + xshape)
        jacobian_fn._astgrad = onward._astgrad
        jacobian_fn.__name__ = f"jacobian_of_{_name(fn)}"
        jacobian_fn.__doc__ = jacobian.__doc__
        return jacobian_fn
    return derived(f, ("jacobian", wrt), make)


def _rows(backward, values, position, pullback, yshape: tuple, xshape: tuple) -> np.ndarray:
    """The Jacobian by rows: a chunk of seeds per call of the vjp's batched pullback,
    else one pullback per element of the output."""
    if int(np.prod(yshape)) > 2:
        done = pullback_rows(backward._astgrad, values, position, pullback)
        if done is not None:
            return done[1]
    rows = (pullback(e) for e in _basis(yshape))
    return _stacked(rows, int(np.prod(yshape)), 0).reshape(yshape + xshape)


def _stacked(arrays, count: int, axis: int) -> np.ndarray:
    """`np.stack(list(arrays), axis)` for `axis` 0 or -1, each array written into the
    result as it comes: one of them alive beside it, not all of them and then it."""
    out = None
    for i, a in enumerate(arrays):
        a = np.asarray(a)
        if out is None:
            out = np.empty(a.shape + (count,) if axis else (count,) + a.shape, a.dtype)
        elif a.shape != (out.shape[:-1] if axis else out.shape[1:]):
            raise ValueError("all input arrays must have the same shape")    # as np.stack
        elif a.dtype != out.dtype:
            out = out.astype(np.result_type(out, a), copy=False)
        out[(..., i) if axis else i] = a
    return np.stack([], axis) if out is None else out


def elementwise_grad(f: Callable | None = None, wrt=0) -> Callable:
    """`elementwise_grad(f, wrt=0)`: the derivative of an elementwise `f` at every
    point of its argument: `df(x)[i] = f'(x[i])`, for `np.sin`, `np.tanh` or your
    own elementwise function. It is a vjp with a seed of ones, that is the gradient
    of `np.sum(f(...))`, and it is made as that gradient, so it can be
    differentiated again: `elementwise_grad(elementwise_grad(np.tanh))`."""
    if f is None:
        return lambda g: elementwise_grad(g, wrt)
    return derived(f, ("elementwise_grad", wrt), lambda fn: grad(_summed(fn), wrt=wrt))


def _summed(fn) -> Callable:
    """`def sum_of_f(<f's parameters>): return np.sum(f(<them>))`, compiled with its
    text kept where astgrad (and `inspect`) read sources."""
    params = list(inspect.signature(fn).parameters.values())
    sig, call = signature_and_call(params, None)
    name = f"sum_of_{_name(fn)}".replace("<", "").replace(">", "")
    text = f"def {name}({sig}):\n    return np.sum(_f({call}))\n"
    filename = f"<astgrad {next(_wrappers)}: elementwise_grad of {_name(fn)}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    callee, made = fn, getattr(fn, "_astgrad", None)
    if made is not None and made.mode == "grad":
        # The gradient's code for any kind, which the compiler reads and inlines like
        # a function of the user's: so elementwise_grad nests to any depth.
        callee = made.any_kind().fn
    namespace = {"np": np, "_f": callee, "__name__": None}
    exec(compile(text, filename, "exec"), namespace)
    summed = namespace[name]
    summed.__defaults__ = getattr(fn, "__defaults__", None)
    summed.__kwdefaults__ = getattr(fn, "__kwdefaults__", None)
    summed.__qualname__ = f"elementwise_grad.<locals>.{name}"
    if callee is not fn:
        # That code is made again when what it depends on changes: the transform of
        # `summed` takes the latest before it looks at what it depends on.
        summed._astgrad_refresh = lambda: namespace.update(_f=made.any_kind().fn)
    return summed
