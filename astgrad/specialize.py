"""One transform of one function: its specializations by argument kinds.

The code generated for a call depends on the kinds of its arguments (Python
number, or array of a given ndim and dtype); `Transform.lookup` finds or
generates the specialization for a call, and its `Dispatcher` (see
`dispatcher`) is the function the user holds.
"""
from __future__ import annotations

import dataclasses
import inspect
import linecache
import sys
import threading
from typing import Callable

import numpy as np

from . import depends, pickling, pytree, runtime
from .dispatcher import Dispatcher
from .errors import AstgradError, NonScalarOutputError, SourceError, WrtError
from .transform import driver, registry
from .arraylike import is_array_like, kind_of, running
from .transform.kinds import Kind
from .transform.request import FORWARD, Request, functions_given, given_function, hashable

_DIFFERENTIABLE = ("f", "c")   # floats, and complex numbers (see docs/complex.md)
_wrappers: dict[int, Callable] = {}


class Transform:
    """One transform (`mode`) of `fn` with respect to `wrt`.

    `transform_of(fn, mode, wrt)` gives the public transform of another user
    function (a helper called through its own vjp or jvp)."""

    def __init__(self, fn: Callable, mode: str, wrt, transform_of: Callable):
        self.original, self.wrt_arg = fn, wrt      # what `ag.<mode>` was given: the recipe
        fn = as_function(fn)
        self.fn, self.mode, self.transform_of = fn, mode, transform_of
        self.fn_name = _name(fn)
        self.inner: Transform | None = depends.made_by(fn)
        self.code = None if self.inner else fn.__code__
        self._read_signature()
        self.lock = threading.RLock()
        self._clear()
        self.deps: list[depends.Dependency] | None = None   # what the code was made under
        self.fresh: Callable[[], bool] = depends.checker([])
        # Read the source now, so a function whose source cannot be found is refused
        # at `ag.grad(f)`, where the message can say what to do, not at its first call.
        self.parsed = None if self.inner else driver.parse(fn)
        self._dispatcher = Dispatcher(self)
        self.dispatcher = self._dispatcher.fn

    def _read_signature(self) -> None:
        self.signature = inspect.signature(self.fn, follow_wrapped=False)
        self.params = _parameters(self.fn, self.fn_name, self.inner)
        self.names = [p.name for p in self.params]
        self.wrt, self.as_tuple = _wrt_names(self.wrt_arg, self.names, self.fn_name)

    def _clear(self) -> None:
        self.by_key: dict[tuple, Callable] = {}       # argument types (and array ndim, dtype)
        self.by_kind: dict[tuple, driver.Generated] = {}
        self.by_kind_inlined: dict[tuple, driver.Generated] = {}
        self.last: driver.Generated | None = None
        self._any_kind: driver.Generated | None = None

    # -- what the code was made under (see `depends`) -----------------------------------
    def dependencies(self) -> list[depends.Dependency]:
        """The dependencies of this transform's code, brought up to date first."""
        with self.lock:
            if self.deps is None or not self.fresh():
                self._sync()
            return self.deps

    def _sync(self) -> None:
        """Before generating code: take the dependencies as they are now, and if
        they are not those the code so far was made under, forget that code."""
        refresh = getattr(self.fn, "_astgrad_refresh", None)    # see `composed._summed`
        if refresh is not None:
            refresh()
        deps = self.inner.dependencies() if self.inner else depends.collect(self.fn)
        if self.deps is not None and [d.key for d in deps] == [d.key for d in self.deps]:
            return
        if self.code is not None and self.fn.__code__ is not self.code:
            self.code = self.fn.__code__        # its own code replaced: read it again
            self.parsed = driver.parse(self.fn)
            self._read_signature()
        self._clear()
        self.deps, self.fresh = deps, depends.checker(deps)
        self._dispatcher.reset(deps)

    # -- specializations --------------------------------------------------------------
    def specialize(self, *args, **kwargs) -> Callable:
        """The generated function for these arguments' kinds (made once per kinds)."""
        return self.lookup(*_every(self.signature, self.params, args, kwargs))

    def lookup(self, *values) -> Callable:
        """The specialization for `values` (all parameters, in order); the dispatcher's
        slow path."""
        if not self.fresh():
            params = _shape(self.params)      # a dependency changed: forget the code
            self.dependencies()
            if _shape(self.params) != params:
                return self._rebound     # its code replaced by one of other parameters
        key = tuple(_key(v, n in self.wrt) for n, v in zip(self.names, values))
        fn = self.by_key.get(key)
        if fn is None:
            with self.lock:
                self._sync()
                fn = self.by_key.get(key)
                if fn is None:
                    kinds = _kinds(values, self.names, self.wrt)
                    made = _code_key(kinds, self.names, values, self.wrt)
                    gen = self.by_kind.get(made) or self._generate(kinds, values)
                    self.by_kind[made] = gen
                    fn = gen.fn
                    if any(is_array_like(v) for v in values):
                        fn = running(gen, values)       # errors named for dask & co.
                    self.by_key[key] = fn
                    self.last = gen
                    self._dispatcher.add_guard(values, fn)
        return fn

    def _rebound(self, *args, **kwargs):
        """A call begun under the function's former parameters: its arguments bound
        again as the new ones take them (a TypeError if they do not fit)."""
        tangent = args[-1:] if self.mode in FORWARD else ()
        every = _every(self.signature, self.params, args[:len(args) - len(tangent)], kwargs)
        return self.lookup(*every)(*every, *tangent)

    @property
    def __wrapped__(self) -> Callable:
        """The latest generated code: where `inspect` (which follows `__wrapped__`
        from the dispatcher) finds the source and signature to show."""
        return self.generic().fn

    def call_bound(self, args: tuple, kwargs: dict):
        """The jvp of a function with defaults or keyword-only parameters: the tangent
        comes last by position, the other arguments bind as the function's own do."""
        *values, tangent = args
        every = _every(self.signature, self.params, values, kwargs)
        return self.lookup(*every)(*every, tangent)

    def with_pullback(self, result: tuple, args: tuple, kwargs: dict | None) -> tuple:
        """A vjp's `(value, pullback)`, its pullback able to pickle (see `pickling`)."""
        value, pullback = result
        count = len(value) if type(value) is tuple else None
        return value, pickling.Pullback(pullback, self.dispatcher, args, kwargs, count)

    def __reduce__(self):
        """Pickled by value (cloudpickle): the recipe, with the sources it needs."""
        return pickling.transform, (self.mode, self.original, self.wrt_arg,
                                    pickling.sources_of(self.original))

    def __repr__(self) -> str:
        return f"<astgrad {self.mode} of {self.fn_name} with respect to {', '.join(self.wrt)}>"

    def _generate(self, kinds: tuple[Kind, ...], values, inline_all=False) -> driver.Generated:
        names = [p.name for p in self.params]
        for name, kind, value in zip(names, kinds, values):
            if name in self.wrt:
                _check_differentiable(self.fn, name, kind, value)
        target = self.inner.inlined(*values) if self.inner else self.fn
        parsed = driver.parse(target) if self.inner else self._parsed()
        request = Request(self.wrt, self.mode, self.as_tuple, self.name(), inline_all,
                          functions_given(names, values, self.wrt))
        try:
            return self._made(target, dict(zip(names, kinds)), request, parsed)
        except NonScalarOutputError as exc:
            raise _with_array_fix(exc) from None

    def _parsed(self):
        if self.parsed is None:
            self.parsed = driver.parse(self.fn)
        return self.parsed

    def inlined(self, *values) -> Callable:
        """The code for these arguments with every user function inlined: what a
        transform of this transform reads (a call through a helper's pullback
        closure cannot be differentiated again)."""
        kinds = _kinds(values, self.names, self.wrt)
        made = _code_key(kinds, self.names, values, self.wrt)
        with self.lock:
            self.dependencies()
            gen = self.by_kind_inlined.get(made)
            if gen is None:
                gen = self.by_kind_inlined[made] = self._generate(kinds, values, True)
        return gen.fn

    def generic(self) -> driver.Generated:
        """The latest code generated, else code for arguments of any kind (what
        `ag.source` shows before any call)."""
        with self.lock:
            self.dependencies()
            return self.last if self.last is not None else self.any_kind()

    def any_kind(self) -> driver.Generated:
        """Code for arguments of any kind, made once: it runs on every kind, so other
        code can call it and be differentiated through it (`elementwise_grad`)."""
        with self.lock:
            self.dependencies()
            if self._any_kind is None:
                kinds = {p.name: Kind() for p in self.params}
                target = self.inner.any_kind().fn if self.inner else self.fn
                request = Request(self.wrt, self.mode, self.as_tuple, self.name(), bool(
                    self.inner), functions_given(self.names, _defaults(self.params), self.wrt))
                self._any_kind = self._made(target, kinds, request, self.parsed)
            return self._any_kind

    def _made(self, target, kinds, request, parsed) -> driver.Generated:
        gen = driver.generate(target, *_as_named(target, kinds, request, parsed), self.transform_of)
        gen.fn._astgrad_made_by = self     # code that calls it depends on what this does
        return gen

    # -- names ------------------------------------------------------------------------
    def name(self) -> str:
        """The generated function's name: `df_dx`, `f_and_df_dx`, `f_vjp`, `f_jvp`."""
        return _generated_name(self.fn_name, self.mode, self.wrt)

    def extra_name(self) -> str:
        """The jvp's tangent parameter: `tangent`, unless the function has one."""
        names, extra = {p.name for p in self.params}, "tangent"
        while extra in names:
            extra += "_"
        return extra


def _as_named(target, kinds: dict, request: Request, parsed) -> tuple:
    """`kinds` and `request.wrt` under the names `target`'s code gives its parameters,
    matched by position (a jvp's code names its tangent `tx`, or `tangents`, where its
    dispatcher, whose names a transform of it takes, says `tangent`), and its parsed
    source."""
    parsed = parsed or driver.parse(target)
    spec = parsed.tree.args
    params = [a.arg for a in spec.posonlyargs + spec.args + spec.kwonlyargs]
    if params == list(kinds) or len(params) != len(kinds):
        return kinds, request, parsed
    named = dict(zip(kinds, params))
    return ({named[n]: k for n, k in kinds.items()},
            dataclasses.replace(request, wrt=tuple(named[n] for n in request.wrt)), parsed)


def as_function(fn) -> Callable:
    """`fn` itself, or for a primitive such as `np.sin` a one-line Python function calling it
    (NumPy's own Python functions too: before NumPy 1.25 `np.sum` is a `*args` wrapper
    with no source)."""
    if getattr(fn, "_astgrad", None) is not None or getattr(fn, "__code__", None) is not None \
            and not str(getattr(fn, "__module__", None)).startswith("numpy"):
        return fn
    prim = registry.lookup(fn)
    if prim is None or prim.signature is None:
        raise SourceError(f"{fn!r} is not a Python function, so its source cannot be read.",
                          fix="Pass a function defined with `def` (or a lambda).")
    if id(fn) not in _wrappers:
        name, root = prim.name.rpartition(".")[2], prim.name.partition(".")[0]
        params = list(prim.signature.parameters.values())
        # (a user's object with rules, called by its name, would be the wrapper calling itself)
        module = {"np": np}.get(root) or sys.modules.get(root)
        callee = prim.name if "." in prim.name and module is not None else "primitive"
        passed = [f"{p.name}={p.name}" if p.kind is p.KEYWORD_ONLY else p.name for p in params]
        text = (f"def {name}{inspect.Signature(params)}:\n"
                f"    return {callee}({', '.join(passed)})\n")
        filename = f"<astgrad: {prim.name}>"
        linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
        namespace = {"np": np, "rt": runtime, "primitive": fn, root: module}
        exec(compile(text, filename, "exec"), namespace)
        _wrappers[id(fn)] = namespace[name]
    return _wrappers[id(fn)]


def _wrt_names(wrt, names: list[str], fn_name: str) -> tuple[tuple[str, ...], bool]:
    """The parameter names `wrt` designates, and whether gradients come as a tuple."""
    as_tuple = isinstance(wrt, (tuple, list))
    out = []
    for item in list(wrt) if as_tuple else [wrt]:
        if isinstance(item, bool) or not isinstance(item, (int, str)):
            raise WrtError(f"wrt={item!r}: give an argument's position (an int) or its "
                           f"name (a str).")
        if isinstance(item, int):
            if not -len(names) <= item < len(names):
                raise WrtError(f"wrt={item} is out of range: `{fn_name}` takes "
                               f"{len(names)} argument(s) ({', '.join(names)}).")
            out.append(names[item])
        elif item not in names:
            raise WrtError(f"wrt={item!r} is not an argument of `{fn_name}`; its "
                           f"arguments are {', '.join(names)}.")
        else:
            out.append(item)
    if len(set(out)) != len(out):
        raise WrtError(f"wrt={wrt!r} names an argument twice.")
    if not out:
        raise WrtError("wrt names no argument.")
    return tuple(out), as_tuple


def _kinds(values, names, wrt) -> tuple[Kind, ...]:
    """The kind of each argument; a container differentiated is known by its items, and
    so is a record or tuple of parameters held constant (see `pytree.structured`)."""
    return tuple(pytree.kind(v, kind_of) if n in wrt or pytree.structured(v) else kind_of(v)
                 for n, v in zip(names, values))


def _key(v, tree: bool = False):
    """What picks a specialization: the type, and for arrays also ndim and dtype, and for
    NumPy arrays which axes have length 1 (the code for arrays of no such axis sums no
    adjoint back to an operand's shape: two arrays of one ndim have one shape if they
    broadcast); for a container differentiated (`tree`), or a record or tuple of
    parameters held constant (`pytree.structured`), its structure and the key of every
    leaf."""
    t = type(v)
    if tree and pytree.is_tree(v) or pytree.structured(v):
        return pytree.key(v, _key)
    if given_function(v):                    # `loss(w, act=np.tanh)`: made for that one
        return ("function", hashable(v))
    if t is np.ndarray:
        return (v.ndim, v.dtype.char, tuple(n == 1 for n in v.shape))
    if isinstance(v, np.ndarray):
        return (t, v.ndim, v.dtype.char, tuple(n == 1 for n in v.shape))
    if is_array_like(v):
        return (t, v.ndim, np.dtype(v.dtype).char)
    return t


def _code_key(kinds: tuple, names, values, wrt) -> tuple:
    """What picks generated code: the arguments' kinds, and each function given."""
    return kinds, tuple((n, hashable(f)) for n, f in functions_given(names, values, wrt))


def _every(signature, params, args, kwargs) -> list:
    """Every parameter's value, by position, for a call with `args` and `kwargs`."""
    bound = signature.bind(*args, **kwargs)
    bound.apply_defaults()
    return [bound.arguments[p.name] for p in params]


def _defaults(params) -> list:
    return [p.default for p in params]


def _parameters(fn, fn_name: str, inner) -> list[inspect.Parameter]:
    # Not `__wrapped__`'s: a `functools.wraps` wrapper is what the user calls.
    params = list(inspect.signature(fn, follow_wrapped=False).parameters.values())
    for p in params:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            star = "*" if p.kind == p.VAR_POSITIONAL else "**"
            wrapped = getattr(fn, "__wrapped__", None)
            what = f" (a wrapper of `{_name(wrapped)}`, made with functools.wraps)" \
                if wrapped is not None and not inner else ""
            code = getattr(fn, "__code__", None)
            raise AstgradError(
                f"cannot differentiate `{fn_name}`{what}: `{star}{p.name}` parameters are "
                f"not supported.", code and f"{code.co_filename}:{code.co_firstlineno}",
                fix="Name each argument" + (" in the wrapper (`def wrapper(x): ...`), or "
                                            "differentiate the function it wraps." if what
                                            else "."))
    return params


def _generated_name(fn_name: str, mode: str, wrt) -> str:
    base = fn_name.replace(".", "_").replace("<", "").replace(">", "")
    if mode == "grad":
        return f"d{base}_d{'_'.join(wrt)}"
    if mode == "value_and_grad":
        return f"{base}_and_d{base}_d{'_'.join(wrt)}"
    return f"{base}_{mode}"


def _with_array_fix(exc: NonScalarOutputError) -> NonScalarOutputError:
    if "array" not in exc.what:
        return exc
    return NonScalarOutputError(   # e.g. ag.grad(np.sin)(x) for an array x
        exc.what, exc.where, fix="For the derivative of an elementwise function at every "
        "point of an array, use ag.elementwise_grad(f); for other array outputs, ag.vjp(f) "
        "or ag.jacobian(f); or reduce the output (np.sum, np.mean).")


def _shape(params) -> list[tuple]:
    return [(p.name, p.kind, id(p.default)) for p in params]


def _name(fn) -> str:
    return getattr(fn, "__name__", type(fn).__name__)


def _check_differentiable(fn, name, kind: Kind, value) -> None:
    if kind.dtype in _DIFFERENTIABLE or pytree.is_tree(value) and pytree.has_float_leaf(value):
        return
    if pytree.is_tree(value):
        raise WrtError(f"cannot differentiate `{_name(fn)}` with respect to `{name}`: the "
                       f"{type(value).__name__} holds no float or float array.",
                       fix="Put floats (2.0, not 2) or float arrays in it.")
    if kind.dtype in ("i", "u", "b"):
        example = "" if kind.dtype == "b" else " (pass 2.0, not 2)" if kind.py \
            else " (use .astype(float))"
        raise WrtError(f"cannot differentiate `{_name(fn)}` with respect to `{name}`: it is "
                       f"{'an integer' if kind.dtype != 'b' else 'a boolean'}{example}.",
                       fix="Pass a floating-point value.")
    raise WrtError(f"cannot differentiate `{_name(fn)}` with respect to `{name}`, a "
                   f"{type(value).__name__}: only floats and float arrays have gradients.")
