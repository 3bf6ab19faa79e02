"""A rule's parameters against the function's (part of `registry`): after `g, ans`, a
rule names the function's parameters, in its order, with its defaults, as far as the
function's signature (or a NumPy ufunc's `nin`) tells; `check` raises `RuleError`
naming the first difference."""
from __future__ import annotations

import inspect

from ..errors import RuleError

_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
_STARS = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)


def check(prim, template) -> None:
    """After `g, ans`, a rule names the function's parameters, in its order, with its
    defaults: as far as the function's signature (or a NumPy ufunc's `nin`) tells."""
    rule = list(template.signature.parameters.values())[2:]
    try:
        params = list(inspect.signature(prim.fn).parameters.values())
        if hasattr(prim.fn, "nin") and all(p.kind in _STARS for p in params):
            raise ValueError                    # NumPy 2.0-2.1's ufuncs: (*args, **kwargs)
    except (TypeError, ValueError):             # a builtin that keeps no signature
        nin = getattr(prim.fn, "nin", None)
        problem = f"{prim.name} takes {nin} inputs" \
            if isinstance(nin, int) and len(rule) != nin else None
        shown = f"{nin} inputs"
    else:
        problem = next(filter(None, (_parameter_problem(r, i, params, prim.name)
                                     for i, r in enumerate(rule))), None) \
            or _missing_parameter(rule, params, prim.name)
        shown = str(inspect.signature(prim.fn))
    if problem:
        raise RuleError(
            f"{template.describe()} takes ({', '.join(template.params)}), but {problem}.",
            where=template.where,
            fix=f"After `{', '.join(template.params[:2])}`, name {prim.name}'s parameters as it "
                f"does, in its order and with its defaults: {shown}.")


def _parameter_problem(r, i, params, name) -> str | None:
    if any(p.kind is p.VAR_POSITIONAL for p in params[:i + 1]) and r.kind in _POSITIONAL:
        return None                             # it takes any positional arguments here
    if r.kind in (r.VAR_POSITIONAL, r.VAR_KEYWORD):
        spread = [p for p in params if p.kind is r.kind]
        return None if spread else f"{name} takes no {'*' if r.kind is r.VAR_POSITIONAL else '**'}"
    if r.kind in _POSITIONAL and i < len(params) and params[i].kind in _POSITIONAL:
        p = params[i]
        if p.kind is p.POSITIONAL_OR_KEYWORD and p.name != r.name:
            return f"{name} calls its argument {i + 1} `{p.name}`, not `{r.name}`"
    else:                                       # a keyword, or past the positional ones
        p = next((q for q in params if q.name == r.name and q.kind is not q.POSITIONAL_ONLY),
                 None)
        if p is None:
            has_kwargs = any(q.kind is q.VAR_KEYWORD for q in params)
            return None if has_kwargs else f"{name} has no parameter `{r.name}`"
    if r.default is r.empty or p.default is p.empty or not _plain(p.default) \
            or _same_default(r.default, p.default):
        return None
    return f"`{r.name}` defaults to {p.default!r} in {name}, not {r.default!r}"


def _missing_parameter(rule, params, name) -> str | None:
    """The first parameter the function needs that the rule does not name."""
    named = {r.name for r in rule}
    positional = sum(r.kind in _POSITIONAL for r in rule)
    spread = any(r.kind is r.VAR_POSITIONAL for r in rule)
    for i, p in enumerate(params):
        if p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if p.kind in _POSITIONAL and (i < positional or spread) or p.name in named:
            continue
        return f"{name} also takes `{p.name}`, which the rule does not name"
    return None


def _plain(value) -> bool:
    if isinstance(value, tuple):
        return all(map(_plain, value))
    return value is None or isinstance(value, (bool, int, float, complex, str))


def _same_default(a, b) -> bool:
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(map(_same_default, a, b))
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float, complex)) and isinstance(b, (int, float, complex)):
        return a == b or (a != a and b != b)    # NaN is its own default
    return type(a) is type(b) and a == b
