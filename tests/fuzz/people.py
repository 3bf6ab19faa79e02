"""More of the Python people write (issue 10), in the feature `language`: parameters in
dicts and in lists of pairs, local helpers taking a dict, `*args`, `**kwargs` and
`functools.partial` (also made inside `if` and loops, and passed to a helper), a
module-level helper calling itself (`generator.RECURSIVE`) and a nested `def` calling
itself (reading an array of the function around it), noise from a seeded Generator (a call
needing no rule), `math` and builtins on floats with `import` inside the function,
`with np.errstate(...)`, `assert` and `raise` kept in the forward sweep, and, with
`nonsmooth`, the `%` and `//` operators."""
from __future__ import annotations

from .scope import Scope

_TERMS = ("np.tanh({})", "np.sin({}) * 0.5", "{} * {} * 0.3", "np.cos({}) + {}")


def people_statement(scope: Scope) -> list:
    scalars = bool(scope.of_shape(()))
    production = scope.weighted([
        (1.5, params_dict), (1, pairs_loop), (1, dict_helper), (1, star_helper),
        (1, recursive_helper), (1, nested_recursion), (1, noise), (1.5 * scalars, math_scalars), (0.7, errstate),
        (0.7, checked), (1 * ("nonsmooth" in scope.features), floor_mod),
    ])
    return production(scope)


def _values(scope: Scope, count: int = 2):
    shape = scope.pick([s for s in scope.shapes() if scope.of_shape(s)] or [()])
    names = scope.of_shape(shape) or ["1.5"]
    return shape, [scope.pick(names) for _ in range(count)]


def _term(scope: Scope, var: str) -> str:
    return scope.pick(_TERMS).format(var, var)


def _fn(scope: Scope) -> str:
    return scope.names.fresh(pool=(), stem="g")


def _var(scope: Scope) -> str:
    return scope.names.fresh(pool=(), stem="p")


def params_dict(scope: Scope) -> list:
    """`params = {"w": a, "c": b}` read by key, by a dict comprehension, or by `.items()`."""
    shape, (a, b) = _values(scope)
    d, name, k, v = scope.names.fresh(), scope.names.fresh(), _var(scope), _var(scope)
    lines = [f'{d} = {{"w": {a}, "c": {b}}}']
    form = scope.pick(("key", "comprehension", "items"))
    if form == "key":
        key = d + '["w"]'
        value = f'{_term(scope, key)} + {d}["c"] * 0.5'
        lines.append(f"{name} = {value}")
    elif form == "comprehension":
        e = scope.names.fresh()
        lines += [f"{e} = {{{k}: {_term(scope, v)} for {k}, {v} in {d}.items()}}",
                  f'{name} = {e}["w"] * {e}["c"]']
    else:
        lines += [f"{name} = {a} * 0.0", f"for {k}, {v} in {d}.items():",
                  f"    {name} = {name} + {_term(scope, v)} * (0.5 if {k} == 'w' else 1.0)"]
    scope.assigned(name, shape)
    return lines


def pairs_loop(scope: Scope) -> list:
    """A list of `(value, weight)` pairs, or `zip` of two lists, unpacked in a `for`."""
    shape, (a, b, c) = _values(scope, 3)
    name, v, w = scope.names.fresh(), _var(scope), _var(scope)
    if scope.chance(0.5):
        pairs = f"[({a}, {scope.const()}), ({b}, {scope.const()})]"
    else:
        pairs = f"zip([{a}, {b}], [{c}, {b}])"
    lines = [f"{name} = {c} * 0.5", f"for {v}, {w} in {pairs}:",
             f"    {name} = {name} + {_term(scope, v)} * {w}"]
    scope.assigned(name, shape)
    return lines


def dict_helper(scope: Scope) -> list:
    """A local helper taking a dict of parameters and a keyword with a default."""
    shape, (a, b) = _values(scope)
    g, params, scale, name = _fn(scope), _var(scope), _var(scope), scope.names.fresh()
    key = "['w']"
    call = f'{g}({{"w": {a}, "c": {b}}})' if scope.chance(0.5) else \
        f'{g}(dict(w={a}, c={b}), {scale}=0.3)'
    lines = [f"def {g}({params}, {scale}=0.5):",
             f"    return {_term(scope, params + key)} * {scale} + {params}['c']",
             f"{name} = {call}"]
    scope.assigned(name, shape)
    return lines


def star_helper(scope: Scope) -> list:
    """`def g(*vs)` called with `*parts`, `def g(v, **kw)`, or `functools.partial`,
    called or passed to a helper calling it."""
    shape, (a, b, c) = _values(scope, 3)
    g, vs, name = _fn(scope), _var(scope), scope.names.fresh()
    form = scope.pick(("args", "kwargs", "partial", "passed"))
    if form == "args":
        parts = scope.names.fresh()
        lines = [f"def {g}(*{vs}):", f"    return sum({vs}) * 0.5",
                 f"{parts} = ({a}, {b})", f"{name} = {g}(*{parts}, {c})"]
    elif form == "kwargs":
        v, kw = _var(scope), _var(scope)
        lines = [f"def {g}({v}, **{kw}):",
                 f'    return {_term(scope, v)} * {kw}["k"] + {kw}.get("s", 0.0)',
                 f"{name} = {g}({a}, k={b})" if scope.chance(0.5) else
                 f"{name} = {g}({a}, **{{'k': {b}, 's': {c}}})"]
    else:
        v, w, h = _var(scope), _var(scope), _fn(scope)
        scale = scope.pick(scope.of_shape(()) or ["0.5"]) if scope.chance(0.5) else "0.5"
        lines = ["import functools", f"def {g}({v}, {w}, scale=1.0):",
                 f"    return ({_term(scope, v)} + {w}) * scale"]
        made = f"functools.partial({g}, scale={scale})"
        if form == "partial":
            lines += [f"{h} = {made}", f"{name} = {h}({a}, {b})"]
        else:                   # a helper calling the partial it is given
            k, u = _fn(scope), _var(scope)
            lines += [f"def {k}({h}, {u}):", f"    return {h}({u}, {u} * 0.5)",
                      f"{name} = {k}({made}, {a})"]
    scope.assigned(name, shape)
    return lines


def recursive_helper(scope: Scope) -> list:
    """A call of the program's module-level `rec`, which calls itself as many times as
    an int says (a loop index sometimes)."""
    shape, (a,) = _values(scope, 1)
    name = scope.names.fresh()
    depth = scope.pick([str(d) for d in (1, 2, 3)] + [i for i, (lo, hi) in scope.ints.items()
                                                   if 0 <= lo and hi <= 4])
    scope.assigned(name, shape, a)       # depth 0 returns `a` itself
    return [f"{name} = rec({a}, {depth})"]


def nested_recursion(scope: Scope) -> list:
    """A nested `def` calling itself as many times as an int says, reading an array (or
    number) of the function around it."""
    shape, (a, c) = _values(scope, 2)
    r, p, k, name = _fn(scope), _var(scope), _var(scope), scope.names.fresh()
    depth = scope.pick([str(d) for d in (1, 2, 3)] + [i for i, (lo, hi) in scope.ints.items()
                                                   if 0 <= lo and hi <= 4])
    scope.assigned(name, shape, a)       # depth 0 returns `a` itself
    return [f"def {r}({p}, {k}):", f"    if {k} <= 0:", f"        return {p}",
            f"    return {r}({_term(scope, p)} * 0.8 + 0.1 * {c}, {k} - 1)",
            f"{name} = {r}({a}, {depth})"]


def noise(scope: Scope) -> list:
    """Noise from a Generator seeded in the function: the same on every call."""
    shape, (a,) = _values(scope, 1)
    r, name = scope.names.fresh(), scope.names.fresh()
    size = "" if shape == () else repr(shape)
    draw = scope.pick((f"{r}.standard_normal({size})",
                       f"{r}.normal(0.0, 0.5{', size=' + size if size else ''})",
                       f"{r}.uniform(-1.0, 1.0{', size=' + size if size else ''})"))
    lines = [f"{r} = np.random.default_rng({scope.rng.randint(0, 99)})",
             f"{name} = {a} + 0.1 * {draw}"]
    scope.assigned(name, shape)
    return lines


def math_scalars(scope: Scope) -> list:
    """`math` functions and builtins on floats, `import math` in the function."""
    a, b = scope.pick(scope.of_shape(())), scope.pick(scope.of_shape(()))
    name = scope.names.fresh()
    value = scope.pick((f"math.sin({a}) + math.exp({b} * 0.3)",
                        f"math.tanh({a}) * pow({b}, 2)",
                        f"math.sqrt(1.0 + {a} ** 2) + float({b})",
                        f"math.log(1.0 + math.exp({a})) + math.cos({b})",
                        f"sum([{a}, {b}, 0.5]) * math.atan({a})"))
    scope.assigned(name, ())
    return ["import math", f"{name} = {value}"]


def errstate(scope: Scope) -> list:
    shape, (a, b) = _values(scope)
    name = scope.names.fresh()
    scope.assigned(name, shape)
    return [f"with np.errstate({scope.pick(('all', 'over', 'divide'))}='ignore'):",
            f"    {name} = {_term(scope, a)} * {b}"]


def checked(scope: Scope) -> list:
    """`assert` or a guarded `raise`, which the forward sweep keeps."""
    shape, (a,) = _values(scope, 1)
    if scope.chance(0.5):
        return [f'assert np.all(np.isfinite({a})), "{a} must be finite"']
    return [f"if not np.all(np.isfinite({a})):",
            f'    raise ValueError(f"{a} is not finite: {{{a}}}")']


def floor_mod(scope: Scope) -> list:
    shape, (a, b) = _values(scope)
    name = scope.names.fresh()
    scope.assigned(name, shape)
    return [f"{name} = {a} % 1.3 + ({b} // 0.7) * 0.2 + {a}"]
