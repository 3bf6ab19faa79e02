"""Calls with no derivative rule (part of the activity pass): `np.random.normal(...)`,
`rng.standard_normal(3)`, `time.perf_counter()`, `logging.info(...)`, plotting.

`resolve` lets them through and notes them; here, once it is known which values
vary with the differentiated arguments and which reach the output, each one runs
as it is wherever no derivative flows through it. Refused, with the message
`resolve` gave before: such a call reading a value that varies whose result
reaches the output, a NumPy function or a method called for its effect on a
value that varies (it may write into it), and a NumPy call given `out=` reading one. A call for its effect of any other
library (`print`, `logging`, `plt.plot`) reads what it is given, never writes it.
"""
from __future__ import annotations

import ast
import sys
import sysconfig
import types

import numpy as np

from ..errors import InPlaceError, NoRuleError, UnsupportedSyntaxError
from . import registry
from .build import is_add_at, reads
from .fixes import IN_PLACE_FIXES, PER_ELEMENT_FIX, method_fix, per_element
from .scope import MISSING


def refuse_where_varied(stmts, varied: set, useful: set, ns, where) -> None:
    """Raise for the first rule-less call in `stmts` a derivative would flow through."""
    for stmt in _walk(stmts):
        value = getattr(stmt, "value", None)
        if not isinstance(stmt, (ast.Assign, ast.Expr)) or not isinstance(value, ast.Call):
            continue
        if any(k.arg == "out" for k in value.keywords) and _from_numpy(ns.value(value.func)) \
                and any(n in varied for n in reads(value)):
            raise InPlaceError("`out=` writes a value that varies into an array in place, "
                               "which astgrad does not differentiate.", where(stmt),
                               fix="Assign the result instead (`y = np.multiply(y, 2.0)`).")
        what = _opaque(value, ns)
        if what is None or not any(n in varied for n in reads(value)):
            continue
        if isinstance(stmt, ast.Assign):
            targets = {n.id for n in ast.walk(stmt.targets[0]) if isinstance(n, ast.Name)}
            if not targets & useful:
                continue
        elif what[0] == "call" and not _from_numpy(ns.value(value.func)):
            continue
        raise _refusal(what, stmt, where)


# Python functions of these libraries (and of the standard library) are never inlined:
# a call to one with no rule runs as it is, like a function written in C.
LIBRARIES = ("matplotlib", "scipy", "numpy", "pandas", "sklearn", "tqdm", "IPython")
_LIST_METHODS = ("append", "pop")      # the compiler's own (see rules/lists.py)
_STDLIB = tuple({sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib")})


def is_library_function(obj) -> bool:
    """A Python function of the standard library or of a library astgrad does not read."""
    if not isinstance(obj, types.FunctionType):
        return False
    module = (getattr(obj, "__module__", None) or "").partition(".")[0]
    if module in LIBRARIES or module in getattr(sys, "stdlib_module_names", ()):
        return True
    filename = obj.__code__.co_filename
    return filename.startswith(_STDLIB) and "site-packages" not in filename


def _walk(stmts):
    for stmt in stmts:
        yield stmt
        for field in ("body", "orelse"):
            if isinstance(stmt, (ast.If, ast.For, ast.While)):
                yield from _walk(getattr(stmt, field))


def _opaque(call: ast.Call, ns):
    """`(what, name)` if `call` has no rule (a method of a value, or a function)."""
    noted = ns.opaque.get(id(call))
    if noted is not None and noted[0] is call:
        return noted[1]
    fn = ns.value(call.func)
    if fn is MISSING:
        if isinstance(call.func, ast.Attribute) and ns.value(call.func.value) is MISSING \
                and call.func.attr not in _LIST_METHODS:
            return ("method", call.func.attr)
        return None
    prim = registry.lookup(fn)
    if prim is not None and (prim.nondiff or prim.vjps or prim.jvps) \
            or prim is None and isinstance(fn, types.FunctionType) or is_add_at(call, ns):
        return None                                  # (np.add.at: see rules/statements.py)
    if per_element(fn):                              # `vf = np.vectorize(h)` called
        return ("per element", ast.unparse(call.func))
    return ("call", registry.canonical_name(fn))      # as the user may have spelled it


def _from_numpy(fn) -> bool:
    # NumPy 1.x's `np.random.shuffle` is a builtin method with no `__module__`: its object's
    # class (RandomState) says where it comes from; its ufuncs have no `__module__` either
    if isinstance(fn, np.ufunc):
        return True
    module = getattr(fn, "__module__", None) or type(getattr(fn, "__self__", None)).__module__
    return str(module or "").startswith("numpy")


# what a random generator draws from (`rng.normal`, `np.random.uniform`), but arrays' methods
_SAMPLERS = {n for t in (np.random.Generator, np.random.RandomState) for n in dir(t)
             if not n.startswith("_")} - set(dir(np.ndarray))


_UFUNC_METHODS = {"reduce", "accumulate", "reduceat", "outer", "at"}


def _refusal(what, stmt, where):
    kind, name = what
    short = name.rpartition(".")[2]
    if short in _SAMPLERS and (kind == "method" or name.startswith("np.random.")):
        return NoRuleError(
            f"{f'`.{name}()`' if kind == 'method' else f'`{name}`'} draws random numbers from a distribution whose parameters vary with "
            f"the arguments being differentiated; astgrad does not differentiate a draw.",
            where(stmt), fix="Draw noise that does not depend on them and transform it (the "
                             "reparameterization trick): `loc + scale * rng.standard_normal("
                             "size)`, `low + (high - low) * rng.random(size)`.")
    if kind == "call" and name.count(".") == 2 and name.startswith("np.") \
            and short in _UFUNC_METHODS:
        return NoRuleError(
            f"`{name}` (a method of the ufunc `{name.rpartition('.')[0]}`) has no derivative "
            f"rule.", where(stmt),
            fix="Write it with functions that have rules: `np.sum(x, axis=0)` for "
                "`np.add.reduce`, `np.prod` for `np.multiply.reduce`, `np.max` for "
                "`np.maximum.reduce`, `np.cumsum` for `np.add.accumulate`, `np.outer` for "
                "`np.multiply.outer`, `scipy.special.logsumexp(x, axis=0)` for "
                "`np.logaddexp.reduce`.")
    if kind == "call" and name in IN_PLACE_FIXES:
        return NoRuleError(
            f"`{name}` writes a value into an array in place, which astgrad does not "
            f"differentiate.", where(stmt), fix=IN_PLACE_FIXES[name])
    if kind == "per element":
        return UnsupportedSyntaxError(
            f"`{name}` calls a Python function once per element (or row), which astgrad "
            f"does not read, so it has no derivative.", where(stmt), fix=PER_ELEMENT_FIX)
    if kind == "method":
        return UnsupportedSyntaxError(
            f"method `.{name}()` is not supported.", where(stmt), fix=method_fix(name))
    return NoRuleError(
        f"`{name}` has no derivative rule.", where(stmt),
        fix=f"Give it one with ag.defvjp({name}, lambda g, ans, x: ...), or use a "
            f"function astgrad knows (`python -m astgrad rules` lists them).")
