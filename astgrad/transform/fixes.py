"""What to write instead: the fixes the resolve pass's refusals suggest (a list
method, a computed call, an attribute of a value), and NumPy's per-element callers."""
from __future__ import annotations

import ast
from typing import Callable

import numpy as np

from ..errors import UnsupportedSyntaxError


# What to write instead of a list method that changes a list in ways not differentiated.
_LIST_FIXES = {
    "remove": "`xs.remove(v)` finds its item by comparing values: take it out by position "
              "(`del xs[i]`, `xs.pop(i)`), or build the list again (`xs = [u for u in xs "
              "if ...]`).",
    "insert": "Call `xs.insert(i, v)` as a statement of its own, on a list the function "
              "made or was passed.",
    "clear": "Call `xs.clear()` as a statement of its own, on a list the function made or "
             "was passed, or write `xs = []`."}


# NumPy's functions that write a value into an array in place: what to write instead.
IN_PLACE_FIXES = {
    "np.copyto": "Write the items: `dst[...] = src` (or `dst = np.array(src)` for a new array).",
    "np.put": "Write the items: `a[ind] = v` for a 1-d `a` (`a.reshape(-1)[ind] = v` "
              "writes through a view of a contiguous one).",
    "np.place": "Write the items: `a[mask] = v` (with `v` as many values as `mask` holds "
                "True).",
    "np.putmask": "Write the items: `a[mask] = v[mask]`, or make a new array: "
                  "`a = np.where(mask, v, a)`.",
    "np.fill_diagonal": "Write the items: `i = np.arange(n); A[i, i] = v`, or add a diagonal "
                        "matrix: `A = A + np.diag(v)`."}


def per_element(obj) -> bool:
    """`np.vectorize(f)`, `np.frompyfunc(f, ...)`: a Python function called once per
    element, which NumPy runs and astgrad does not read."""
    return obj in (np.vectorize, np.frompyfunc, np.apply_along_axis) \
        or isinstance(obj, np.vectorize) \
        or isinstance(obj, np.ufunc) and obj.__name__.endswith("(vectorized)")


# What to write instead of a function NumPy calls once per element or row.
PER_ELEMENT_FIX = (
    "Write the function with NumPy operations on the whole array (`np.where(c, a, b)` for "
    "an `if`), or loop over the elements or rows: `np.array([f(v) for v in x])` for "
    "`np.vectorize(f)(x)` of a 1-d `x`, `np.array([f(row) for row in A])` for "
    "`np.apply_along_axis(f, 1, A)` (`A.T` for axis 0).")


def computed_call_fix(func: ast.expr, static: Callable) -> str:
    """What to write instead of calling a value made in the function (`np.vectorize(f)(x)`)."""
    if isinstance(func, ast.Call) and per_element(static(func.func)):
        return PER_ELEMENT_FIX
    if isinstance(func, ast.Subscript) and not isinstance(func.slice, ast.Constant):
        return ("An item of a dict or list of functions is called at a constant key or index "
                "(`acts[\"relu\"](x)`); to choose one by a value, branch (`if name == \"relu\": "
                "h = acts[\"relu\"](x)`), or choose it outside and close over it (`def "
                "make_loss(act):` defining and returning `loss`, then "
                "`ag.grad(make_loss(acts[name]))`).")
    return "Call functions by the name they are defined or imported as."


_CONTAINER_METHODS = {
    "update": 'Build a new dict: `q = {**q, "b": v}` (or `{**q, **other}`).',
    "get": "Read it with a test: `d[k] if k in d else default`.",
    "setdefault": "Read it with a test: `d[k] if k in d else default`.",
    "extend": "Build a new list: `xs = xs + ys`.",
    "insert": "Build a new list: `xs = xs[:i] + [v] + xs[i:]`.",
    "remove": "Build a new list without the item.",
    "fill": "Write the items: `a[...] = v`.",
    "tolist": "Use the array itself, or `list(x)` for the items of a 1-d array."}


def method_fix(name: str) -> str:
    """What to write instead of a call to the method `.name()`, which has no rule."""
    if name in _LIST_FIXES:
        return _LIST_FIXES[name]
    if name in _CONTAINER_METHODS:
        return _CONTAINER_METHODS[name]
    if name.startswith("_") or not callable(getattr(np, name, None)):
        return "Write it with operators, indexing and NumPy functions."
    return f"Call the NumPy function instead (np.{name}(x, ...)) if it is the same."


def attribute_refusal(node: ast.Attribute, where) -> UnsupportedSyntaxError:
    """The error for `v.attr`, an attribute astgrad does not read (or write)."""
    if isinstance(node.ctx, ast.Store):
        owner = f"`{node.value.id}`" if isinstance(node.value, ast.Name) else "a value"
        return UnsupportedSyntaxError(
            f"assigning the attribute `.{node.attr}` of {owner} is not supported: astgrad "
            f"does not follow values through an object's attributes.", where,
            fix=f"Keep the value in a variable of the function (`{node.attr} = ...`) and "
                f"return it if the caller needs it.")
    if isinstance(node.value, ast.Name) and not hasattr(np.ndarray, node.attr):
        # `cfg.lr`, `params.W`: an attribute no array has, of a config or a namedtuple
        name, attr = node.value.id, node.attr
        return UnsupportedSyntaxError(
            f"attribute `.{attr}` of `{name}` (a config object's or a namedtuple's field: "
            f"no array has it) is not supported.", where,
            fix=f"Pass `{name}.{attr}` as an argument of its own, hold it in a dict "
                f"(`{name}[\"{attr}\"]`), unpack or index a namedtuple (`W, b = params`, "
                f"`params[0]`), or make the function a method (`self.{attr}` is read when "
                f"the derivative runs).")
    return UnsupportedSyntaxError(
        f"attribute `.{node.attr}` of a value is not supported.", where,
        fix="Pass arrays and numbers as arguments, or use `.T`, `.shape`, `.ndim`, "
            "`.size` or `.dtype`.")
