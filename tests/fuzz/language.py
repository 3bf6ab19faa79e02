"""Random statements for the Python people write (issue 10, part B), in the feature
`language` (in no level: `--features language`): comprehensions and generator
expressions over values of one shape, lambdas assigned and called, a function
passed to a lambda's caller, `return` inside loops, `*` in list literals and a
dict filled in a loop (issue 10 of the syntax round), and `people`'s constructs."""
from __future__ import annotations

from .expressions import condition
from .people import people_statement
from .scope import Scope

_TERMS = ("np.tanh({})", "np.sin({}) * 0.5", "{} * {} * 0.3", "np.cos({}) + {}")
_FUNCTIONS = ("np.tanh", "np.sin", "np.cos")


def language_statement(scope: Scope) -> list:
    production = scope.weighted([
        (2, comprehension), (1.5, lambda_call), (1, functions_loop),
        (1.5 * (scope.loop_depth > 0), return_in_loop), (1.5, spread), (1.5, dict_in_loop),
        (4, people_statement),
    ])
    return production(scope)


def _values(scope: Scope):
    """A shape, and two to three names of it (repeats allowed when there are few)."""
    shape = scope.pick([s for s in scope.shapes() if scope.of_shape(s)] or [()])
    names = scope.of_shape(shape) or ["1.5"]
    return shape, [scope.pick(names) for _ in range(scope.pick((2, 2, 3)))]


def _term(scope: Scope, var: str) -> str:
    return scope.pick(_TERMS).format(var, var)


def comprehension(scope: Scope) -> list:
    shape, names = _values(scope)
    name, var = scope.names.fresh(), scope.names.fresh()
    items = ", ".join(names)
    term = _term(scope, var)
    kept = f" if {var} is not None" if scope.chance(0.3) else ""
    value = scope.pick((f"sum({term} for {var} in ({items},){kept})",
                        f"np.sum(np.stack([{term} for {var} in [{items}]{kept}]), axis=0)"))
    scope.assigned(name, shape, value)
    return [f"{name} = {value}"]


def lambda_call(scope: Scope) -> list:
    shape, names = _values(scope)
    fn = scope.names.fresh(pool=(), stem="f")
    var, name = scope.names.fresh(), scope.names.fresh()
    value = f"{fn}({names[0]})"
    scope.assigned(name, shape, value)
    return [f"{fn} = lambda {var}: {_term(scope, var)}", f"{name} = {value}"]


def functions_loop(scope: Scope) -> list:
    shape, names = _values(scope)
    name, fn = scope.names.fresh(), scope.names.fresh(pool=(), stem="f")
    chosen = ", ".join(scope.pick(_FUNCTIONS) for _ in range(2))
    lines = [f"{name} = {names[0]} * 0.5", f"for {fn} in ({chosen}):",
             f"    {name} = {name} + {fn}({names[-1]}) * 0.3"]
    scope.assigned(name, shape, f"{names[0]} * 0.5")
    return lines


def return_in_loop(scope: Scope) -> list:
    from .statements import indent, returned
    return [f"if {condition(scope)}:"] + indent([returned(scope)])


def spread(scope: Scope) -> list:
    """`parts = (a, b)` then `sum([*parts, c])`: the items spelled out at the top level,
    `list(parts) + [c]` inside a loop; sometimes a `**` copy of a dict too."""
    shape, names = _values(scope)
    parts, name = scope.names.fresh(), scope.names.fresh()
    value = f"sum([*{parts}, {_term(scope, names[-1])}]) * 0.5"
    scope.assigned(name, shape, value)
    return [f"{parts} = ({', '.join(names[:-1])},)", f"{name} = {value}"]


def dict_in_loop(scope: Scope) -> list:
    """`d = {}` filled by key in a loop (a key written again sometimes), then read."""
    shape, names = _values(scope)
    d, name, i = scope.names.fresh(), scope.names.fresh(), scope.names.index()
    k = len(names)
    key = scope.pick((f"{i}", f"{i} % 2" if k > 2 else f"{i}"))
    term = _term(scope, scope.pick(names))
    lines = [f"{d} = {{}}", f"for {i} in range({k}):",
             f"    {d}[{key}] = {term} * (1.0 + 0.5 * {i})"]
    if scope.chance(0.4):
        lines.append(f"    {d}[0] = {d}[0] * 0.5 + {names[0]}")
    value = f"{d}[0] + {d}[{k - 1 if key == i else 1}]"
    scope.assigned(name, shape, value)
    return lines + [f"{name} = {value}"]
