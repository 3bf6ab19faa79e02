"""The public transforms: `grad`, `value_and_grad`, `vjp` and `source`.

Each returns a *dispatcher*: a small generated function with the user's
signature that picks the derivative code generated for the kinds of the
arguments it is called with (Python number, or array of a given ndim and
dtype kind), generating it on first use.
"""
from __future__ import annotations

import inspect
import linecache
import threading
import weakref
from typing import Callable

import numpy as np

from . import runtime
from .errors import AstgradError, SourceError, WrtError
from .transform import driver, registry
from .transform.kinds import Kind, of_value
from .transform.reverse import Request

_cache: "weakref.WeakKeyDictionary[Callable, dict]" = weakref.WeakKeyDictionary()
_cache_lock = threading.RLock()   # _derived holds it while making grad and jvp
_DIFFERENTIABLE = ("f",)


_wrappers: dict[int, Callable] = {}


def _as_function(fn) -> Callable:
    """`fn` itself, or for a primitive such as `np.sin` a one-line Python function calling it."""
    if getattr(fn, "__code__", None) is not None or getattr(fn, "_astgrad", None) is not None:
        return fn
    prim = registry.lookup(fn)
    if prim is None or prim.signature is None:
        raise SourceError(f"{fn!r} is not a Python function, so its source cannot be read.",
                          fix="Pass a function defined with `def` (or a lambda).")
    if id(fn) not in _wrappers:
        name = prim.name.rpartition(".")[2]
        params = [p.replace(default=p.empty) if p.default is p.empty else p
                  for p in prim.signature.parameters.values()]
        text = (f"def {name}{inspect.Signature(params)}:\n"
                f"    return {prim.name}({', '.join(prim.params)})\n")
        filename = f"<astgrad: {prim.name}>"
        linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
        namespace = {"np": np, "rt": runtime}
        exec(compile(text, filename, "exec"), namespace)
        _wrappers[id(fn)] = namespace[name]
    return _wrappers[id(fn)]


class Transform:
    """One transform of one function: its specializations and its dispatcher."""

    def __init__(self, fn: Callable, mode: str, wrt):
        fn = _as_function(fn)
        self.fn = fn
        self.mode = mode
        self.inner: Transform | None = getattr(fn, "_astgrad", None)
        self.signature = inspect.signature(fn)
        self.params = self._params()
        self.wrt, self.as_tuple = self._wrt(wrt)
        self.by_key: dict[tuple, Callable] = {}       # argument types (and array ndim, dtype)
        self.by_kind: dict[tuple, driver.Generated] = {}
        self.by_kind_inlined: dict[tuple, driver.Generated] = {}
        self.guards: list[str] = []
        self._guard_keys: dict[str, Callable] = {}
        self.last: driver.Generated | None = None
        self.lock = threading.RLock()
        self.parsed = None
        self.dispatcher = self._make_dispatcher()

    # -- the user's parameters --------------------------------------------------------
    def _params(self) -> list[inspect.Parameter]:
        params = list(self.signature.parameters.values())
        for p in params:
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                raise AstgradError(f"cannot differentiate `{_name(self.fn)}`: `*{p.name}` "
                                   f"parameters are not supported.", fix="Name each argument.")
        return params

    def _wrt(self, wrt) -> tuple[tuple[str, ...], bool]:
        as_tuple = isinstance(wrt, (tuple, list))
        items = list(wrt) if as_tuple else [wrt]
        names = [p.name for p in self.params]
        out = []
        for item in items:
            if isinstance(item, bool) or not isinstance(item, (int, str)):
                raise WrtError(f"wrt={item!r}: give an argument's position (an int) or its "
                               f"name (a str).")
            if isinstance(item, int):
                if not -len(names) <= item < len(names):
                    raise WrtError(f"wrt={item} is out of range: `{_name(self.fn)}` takes "
                                   f"{len(names)} argument(s) ({', '.join(names)}).")
                out.append(names[item])
            elif item not in names:
                raise WrtError(f"wrt={item!r} is not an argument of `{_name(self.fn)}`; its "
                               f"arguments are {', '.join(names)}.")
            else:
                out.append(item)
        if len(set(out)) != len(out):
            raise WrtError(f"wrt={wrt!r} names an argument twice.")
        if not out:
            raise WrtError("wrt names no argument.")
        return tuple(out), as_tuple

    # -- specializations --------------------------------------------------------------
    def specialize(self, *args, **kwargs) -> Callable:
        """The generated function for these arguments' kinds (made once per kinds)."""
        bound = self.signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return self._lookup(*(bound.arguments[p.name] for p in self.params))

    def _lookup(self, *values) -> Callable:
        """The specialization for `values` (all parameters, in order); the dispatcher's slow path."""
        key = tuple(_key(v) for v in values)
        fn = self.by_key.get(key)
        if fn is None:
            with self.lock:
                fn = self.by_key.get(key)
                if fn is None:
                    kinds = tuple(of_value(v) for v in values)
                    gen = self.by_kind.get(kinds) or self._generate(kinds, values)
                    self.by_kind[kinds] = gen
                    fn = self.by_key[key] = gen.fn
                    self.last = gen
                    self.dispatcher.__wrapped__ = fn
                    self._add_guard(values, fn)
        return fn

    def _generate(self, kinds: tuple[Kind, ...], values, inline_all=False) -> driver.Generated:
        names = [p.name for p in self.params]
        for name, kind, value in zip(names, kinds, values):
            if name in self.wrt:
                _check_differentiable(self.fn, name, kind, value)
        target = self.inner.inlined(*values) if self.inner else self.fn
        parsed = driver.parse(target) if self.inner else self._parsed()
        request = Request(self.wrt, self.mode, self.as_tuple, self._name(), inline_all)
        return driver.generate(target, dict(zip(names, kinds)), request, parsed)

    def _parsed(self):
        if self.parsed is None:
            self.parsed = driver.parse(self.fn)
        return self.parsed

    def inlined(self, *values) -> Callable:
        """The code for these arguments with every user function inlined: what a
        transform of this transform reads (a call through a helper's pullback
        closure cannot be differentiated again)."""
        kinds = tuple(of_value(v) for v in values)
        with self.lock:
            gen = self.by_kind_inlined.get(kinds)
            if gen is None:
                gen = self.by_kind_inlined[kinds] = self._generate(kinds, values, True)
        return gen.fn

    def generic(self) -> driver.Generated:
        """Code for arguments of any kind (what `ag.source` shows before any call)."""
        if self.last is not None:
            return self.last
        kinds = {p.name: Kind() for p in self.params}
        target = self.inner.generic().fn if self.inner else self.fn
        request = Request(self.wrt, self.mode, self.as_tuple, self._name(), bool(self.inner))
        return driver.generate(target, kinds, request)

    def _name(self) -> str:
        base = _name(self.fn).replace(".", "_").replace("<", "").replace(">", "")
        wrt = "_".join(self.wrt)
        if self.mode == "grad":
            return f"d{base}_d{wrt}"
        if self.mode == "value_and_grad":
            return f"{base}_and_d{base}_d{wrt}"
        return f"{base}_{self.mode}"

    def _extra_name(self) -> str:
        names = {p.name for p in self.params}
        extra = "tangent"
        while extra in names:
            extra += "_"
        return extra

    # -- the dispatcher ----------------------------------------------------------------
    # The dispatcher is generated code with the user's signature. Its first lines
    # test the argument types of the latest specializations inline (a guard costs
    # tens of nanoseconds, where a dictionary lookup on a tuple of types costs a
    # hundred); other arguments take the `_lookup` path.
    _GUARDS = 4

    def _make_dispatcher(self) -> Callable:
        self.namespace = {"_lookup": self._lookup, "_ndarray": np.ndarray}
        if self.mode == "jvp" and any(p.default is not p.empty or p.kind != p.POSITIONAL_OR_KEYWORD
                                      for p in self.params):
            return self._binding_dispatcher()
        dispatcher = self._compile_dispatcher()
        if self.mode == "jvp":
            params = [p.replace(kind=p.POSITIONAL_OR_KEYWORD, default=p.empty)
                      for p in self.params]
            dispatcher.__signature__ = inspect.Signature(
                params + [inspect.Parameter(self._extra_name(), inspect.Parameter.
                                            POSITIONAL_OR_KEYWORD)])
        else:
            dispatcher.__defaults__ = getattr(self.fn, "__defaults__", None)
            dispatcher.__kwdefaults__ = getattr(self.fn, "__kwdefaults__", None)
            dispatcher.__signature__ = self.signature
        dispatcher.__doc__ = f"The {self.mode} of {_name(self.fn)} with respect to " \
                             f"{', '.join(self.wrt)}, generated by astgrad."
        dispatcher._astgrad = self
        return dispatcher

    def _binding_dispatcher(self) -> Callable:
        """For jvp of a function with defaults or keyword-only parameters: the tangent
        comes last by position, the other arguments bind as the function's own do."""
        def dispatcher(*args, **kwargs):
            *values, tangent = args
            bound = self.signature.bind(*values, **kwargs)
            bound.apply_defaults()
            every = [bound.arguments[p.name] for p in self.params]
            return self._lookup(*every)(*every, tangent)
        dispatcher.__name__ = self._name()
        dispatcher.__doc__ = f"The jvp of {_name(self.fn)} with respect to {', '.join(self.wrt)}."
        dispatcher._astgrad = self
        self._add_guard = lambda values, fn: None     # no inline guards on this path
        return dispatcher

    def _compile_dispatcher(self) -> Callable:
        positional = [p.name for p in self.params if p.kind != p.KEYWORD_ONLY]
        keyword = [p.name for p in self.params if p.kind == p.KEYWORD_ONLY]
        posonly = [p.name for p in self.params if p.kind == p.POSITIONAL_ONLY]
        sig = ", ".join(positional[:len(posonly)] + (["/"] if posonly else [])
                        + positional[len(posonly):] + (["*"] + keyword if keyword else []))
        call = ", ".join(positional + [f"{k}={k}" for k in keyword])
        every = ", ".join(p.name for p in self.params)
        if self.mode == "jvp":               # then the tangent, by position, after them all
            extra = self._extra_name()
            sig = ", ".join(positional + keyword + [extra])
            call = ", ".join(positional + keyword + [extra])
        name = self._name()
        lines = [f"def {name}({sig}):"]
        for i, guard in enumerate(self.guards):
            lines += [f"    if {guard}:", f"        return _s{i}({call})"]
        lines += [f"    return _lookup({every})({call})"]
        text = "\n".join(lines) + "\n"
        filename = f"<astgrad dispatcher of {_name(self.fn)} {id(self):x}>"
        linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
        exec(compile(text, filename, "exec"), self.namespace)
        return self.namespace[name]

    def _add_guard(self, values, fn) -> None:
        tests = []
        for p, v in zip(self.params, values):
            t = type(v)
            if t is np.ndarray:
                self.namespace.setdefault(f"_d{v.dtype.num}", v.dtype)
                tests.append(f"type({p.name}) is _ndarray and {p.name}.ndim == {v.ndim} "
                             f"and {p.name}.dtype is _d{v.dtype.num}")
            elif isinstance(v, np.ndarray):
                return                       # a subclass: leave it to _lookup
            else:
                tname = next((k for k, o in self.namespace.items() if o is t),
                             f"_t{len(self.namespace)}")
                self.namespace[tname] = t
                tests.append(f"type({p.name}) is {tname}")
        guard = " and ".join(tests) or "True"
        self.guards = ([guard] + self.guards)[:self._GUARDS]
        self._guard_keys[guard] = fn
        for i, g in enumerate(self.guards):
            self.namespace[f"_s{i}"] = self._guard_keys[g]
        self.dispatcher.__code__ = self._compile_dispatcher().__code__


def _key(v):
    """What picks a specialization: the type, and for arrays also ndim and dtype."""
    t = type(v)
    if t is np.ndarray:
        return (v.ndim, v.dtype.char)
    if isinstance(v, np.ndarray):
        return (t, v.ndim, v.dtype.char)
    return t


def _name(fn) -> str:
    return getattr(fn, "__name__", type(fn).__name__)


def _check_differentiable(fn, name, kind: Kind, value) -> None:
    if kind.dtype in _DIFFERENTIABLE:
        return
    if kind.dtype in ("i", "u", "b"):
        example = "" if kind.dtype == "b" else " (pass 2.0, not 2)" if kind.py \
            else " (use .astype(float))"
        raise WrtError(f"cannot differentiate `{_name(fn)}` with respect to `{name}`: it is "
                       f"{'an integer' if kind.dtype != 'b' else 'a boolean'}{example}.",
                       fix="Pass a floating-point value.")
    if kind.dtype == "c":
        raise WrtError(f"cannot differentiate `{_name(fn)}` with respect to complex `{name}`: "
                       f"complex derivatives are not supported.")
    raise WrtError(f"cannot differentiate `{_name(fn)}` with respect to `{name}`, a "
                   f"{type(value).__name__}: only floats and float arrays have gradients.")


def _transform(fn, mode: str, wrt) -> Callable:
    try:                                  # the common case, without the lock
        return _cache[fn][mode, wrt]
    except (KeyError, TypeError):
        pass
    fn = _as_function(fn)
    with _cache_lock:
        per_fn = _cache.get(fn)
        if per_fn is None:
            per_fn = _cache[fn] = {}
        key = (mode, tuple(wrt) if isinstance(wrt, list) else wrt)
        dispatcher = per_fn.get(key)
        if dispatcher is None:
            dispatcher = per_fn[key] = Transform(fn, mode, wrt).dispatcher
    return dispatcher


def _decorator(mode):
    def transform(f: Callable | None = None, wrt=0) -> Callable:
        if f is None:
            return lambda g: _transform(g, mode, wrt)
        if not callable(f):
            raise AstgradError(f"ag.{mode} takes a function; got {f!r}.")
        return _transform(f, mode, wrt)
    return transform


jvp = _decorator("jvp")
jvp.__doc__ = """`jvp(f, wrt=0)`: `(*args, tangent) -> (value, directional derivative)`, in
forward mode: generated code carrying a tangent beside each value. For a tuple
`wrt`, `tangent` is a tuple. Every argument is passed by position."""

grad = _decorator("grad")
grad.__doc__ = """`grad(f, wrt=0)`: a function returning the gradient of scalar-valued `f`.

`wrt` is an argument's position or name, or a tuple of them (then a tuple
of gradients comes back). Each gradient has its argument's type and shape.
"""
value_and_grad = _decorator("value_and_grad")
value_and_grad.__doc__ = """`value_and_grad(f, wrt=0)`: like `grad`, returning `(f(...), gradient)`."""
vjp = _decorator("vjp")
vjp.__doc__ = """`vjp(f, wrt=0)`: `(*args) -> (value, pullback)`; `pullback(seed)` is the gradient
of `sum(value * seed)` (for a tuple output, a tuple of seeds, their gradients summed)."""


def source(df: Callable) -> str:
    """The generated Python source behind a function made by an astgrad transform."""
    transform = getattr(df, "_astgrad", None)
    if transform is None:
        raise AstgradError(f"{df!r} was not made by an astgrad transform.",
                           fix="Pass what ag.grad, ag.vjp, ... returned.")
    return transform.generic().source


# -- transforms built from the ones above ---------------------------------------------------
def _values(fn, args, kwargs) -> list:
    """All of `fn`'s arguments by position (jvp takes them so, with the tangent last)."""
    bound = inspect.signature(fn).bind(*args, **kwargs)
    bound.apply_defaults()
    return list(bound.arguments.values())


def _derived(fn, key, make) -> Callable:
    fn = _as_function(fn)
    with _cache_lock:
        per_fn = _cache.get(fn)
        if per_fn is None:
            per_fn = _cache[fn] = {}
        if key not in per_fn:
            per_fn[key] = make(fn)
        return per_fn[key]


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


def hvp(f: Callable, wrt=0) -> Callable:
    """`hvp(f, wrt=0)`: `(*args, v) -> H @ v` for scalar `f`, without forming `H`:
    the forward-mode derivative of the generated gradient along `v`."""
    def make(fn):
        inner = jvp(grad(fn, wrt=wrt), wrt=wrt)

        def hvp_fn(*args):
            return inner(*args)[1]
        hvp_fn._astgrad = inner._astgrad
        hvp_fn.__name__ = f"hvp_of_{_name(fn)}"
        hvp_fn.__doc__ = hvp.__doc__
        return hvp_fn
    return _derived(f, ("hvp", wrt), make)


def hessian(f: Callable, wrt=0) -> Callable:
    """`hessian(f, wrt=0)`: `H` of shape `arg.shape + arg.shape` for scalar `f`, one
    forward-over-reverse product `H @ e_i` per element of the argument."""
    if isinstance(wrt, (tuple, list)):
        raise WrtError("ag.hessian takes one argument in `wrt`; use ag.hvp for several.")

    def make(fn):
        inner = jvp(grad(fn, wrt=wrt), wrt=wrt)
        position = inner._astgrad.params.index(
            next(p for p in inner._astgrad.params if p.name == inner._astgrad.wrt[0]))

        def hessian_fn(*args, **kwargs):
            values = _values(fn, args, kwargs)
            x = values[position]
            if not isinstance(x, np.ndarray):
                return inner(*values, 1.0)[1]
            columns = [np.asarray(inner(*values, e)[1]) for e in _basis(x.shape, x.dtype)]
            return np.stack(columns, axis=-1).reshape(x.shape + x.shape)
        hessian_fn._astgrad = inner._astgrad
        hessian_fn.__name__ = f"hessian_of_{_name(fn)}"
        hessian_fn.__doc__ = hessian.__doc__
        return hessian_fn
    return _derived(f, ("hessian", wrt), make)


def jacobian(f: Callable, wrt=0) -> Callable:
    """`jacobian(f, wrt=0)`: `J` of shape `out.shape + arg.shape`.

    Built from whichever mode needs fewer passes: reverse mode (one pullback per
    output element) when the output has fewer elements than the argument, else
    forward mode (one tangent per argument element)."""
    if isinstance(wrt, (tuple, list)):
        raise WrtError("ag.jacobian takes one argument in `wrt`.")

    def make(fn):
        backward, onward = vjp(fn, wrt=wrt), jvp(fn, wrt=wrt)
        position = [p.name for p in onward._astgrad.params].index(onward._astgrad.wrt[0])

        def jacobian_fn(*args, **kwargs):
            values = _values(fn, args, kwargs)
            x = values[position]
            value, pullback = backward(*values)
            if isinstance(value, tuple):
                raise AstgradError("ag.jacobian needs a function with one output, not a "
                                   "tuple; take the jacobian of each output.")
            xshape, yshape = np.shape(x), np.shape(value)
            n_in, n_out = int(np.prod(xshape)), int(np.prod(yshape))
            if n_out <= n_in:
                rows = [np.asarray(pullback(e)) for e in _basis(yshape)]
                return np.stack(rows).reshape(yshape + xshape)
            columns = [np.asarray(onward(*values, e)[1]) for e in _basis(xshape)]
            return np.stack(columns, axis=-1).reshape(yshape + xshape)
        jacobian_fn._astgrad = onward._astgrad
        jacobian_fn.__name__ = f"jacobian_of_{_name(fn)}"
        jacobian_fn.__doc__ = jacobian.__doc__
        return jacobian_fn
    return _derived(f, ("jacobian", wrt), make)
