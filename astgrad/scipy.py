"""What `scipy.optimize` expects from a function `f(x, *args)`, made by astgrad.

    from astgrad import scipy as ags
    result = ags.minimize(f, x0, args=(X, y), method="Newton-CG")

or, wiring it yourself, `minimize(f, x0, args, jac=ags.jac(f), hessp=ags.hessp(f))`.
Each helper takes its arguments in SciPy's order: `x` first, then SciPy's extra
`args`; `hessp(x, p, *args)` puts the vector second, where `ag.hvp(f)` takes it
last. SciPy itself is imported only by `minimize`.
"""
from __future__ import annotations

import functools
from typing import Callable

from .api import value_and_grad
from .composed import hessian, hvp, jacobian

# Methods of scipy.optimize.minimize that use second derivatives: those that take a
# Hessian-vector product get `hessp` (no n-by-n matrix formed); the others, `hess`.
_HESSP = {"newton-cg", "trust-ncg", "trust-krylov", "trust-constr"}
_HESS = {"dogleg", "trust-exact"}
_NO_DERIVATIVES = {"nelder-mead", "powell", "cobyla", "cobyqa"}


def fun_and_jac(f: Callable, wrt=0) -> Callable:
    """`(x, *args) -> (f(x, *args), gradient)`, for `minimize(..., jac=True)`: one
    forward and one reverse sweep give both."""
    return value_and_grad(f, wrt=wrt)


def jac(f: Callable, wrt=0) -> Callable:
    """`(x, *args) -> J`, the Jacobian of shape `out.shape + x.shape`: the gradient
    of a scalar `f` (for `minimize`), the matrix of a vector `f` (for
    `least_squares` and `root`)."""
    return jacobian(f, wrt=wrt)


def hess(f: Callable, wrt=0) -> Callable:
    """`(x, *args) -> H`, the n-by-n Hessian of scalar `f`."""
    return hessian(f, wrt=wrt)


def hessp(f: Callable, wrt=0) -> Callable:
    """`(x, p, *args) -> H @ p` in SciPy's order (`ag.hvp(f)` takes `(x, *args, p)`),
    without forming `H`."""
    return functools.partial(_hessp, hvp(f, wrt=wrt))


def _hessp(product: Callable, x, p, *args):
    return product(x, *args, p)


def minimize(f: Callable, x0, args=(), method: str | None = None, **options):
    """`scipy.optimize.minimize(f, x0, args, method, ...)` given astgrad's
    derivatives: `jac=True` with `fun_and_jac(f)` for every method that uses a
    gradient, and `hessp(f)` or `hess(f)` for the methods that use second
    derivatives (Newton-CG, trust-ncg, trust-krylov, trust-constr; dogleg,
    trust-exact). `options` go to SciPy as they are (`bounds`, `tol`, `callback`,
    `options`, ...); a `jac`, `hess` or `hessp` given there is used instead."""
    import scipy.optimize

    args = args if isinstance(args, tuple) else (args,)
    name = method.lower() if isinstance(method, str) else ""
    fun = f
    if name not in _NO_DERIVATIVES:
        if "jac" not in options:
            fun, options["jac"] = fun_and_jac(f), True
        if name in _HESSP and "hess" not in options and "hessp" not in options:
            options["hessp"] = hessp(f)
        elif name in _HESS and "hess" not in options:
            options["hess"] = hess(f)
    return scipy.optimize.minimize(fun, x0, args=args, method=method, **options)
