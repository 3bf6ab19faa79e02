"""Random `try` blocks (issue 10), in the feature `tries` (in no level: `--features
tries`): a body that raises under a data condition, part-way or first; one handler,
a tuple of types with `as e`, a bare `except:`, or several handlers; `else` and
`finally` sometimes. Each handler assigns again what the body assigned, so the
programs are inside what the compiler takes (a refusal is a finding)."""
from __future__ import annotations

import ast
from dataclasses import replace

from .expressions import condition, expr
from .scope import Scope

_ERRORS = ("ValueError", "KeyError", "ArithmeticError")


def try_statement(scope: Scope) -> list:
    from .statements import block, indent
    inner = replace(scope.child(), features=scope.features & {"straight", "branches"})
    lines = block(inner, scope.pick((1, 2, 3)))
    stored = {n.id for n in ast.walk(ast.parse("\n".join(lines)))
              if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    made = {n: inner.vars.get(n, scope.vars.get(n)) for n in sorted(stored)
            if n in inner.vars or n in scope.vars}
    raised = [scope.pick(_ERRORS) for _ in range(scope.pick((1, 1, 2)))]
    for error in raised:                       # raised first, between, or last
        at = scope.rng.randrange(len(lines) + 1)
        while at < len(lines) and lines[at].startswith(" "):
            at += 1                            # not inside a nested block
        lines[at:at] = [f"if {condition(scope)}:", f"    raise {error}('{error.lower()}')"]
    out = ["try:"] + indent(lines) + _handlers(scope, raised, made)
    if scope.chance(0.3):
        other = scope.child()
        out += ["else:"] + indent(block(replace(other, features=other.features
                                                 & {"straight", "branches"}), 1))
    if scope.chance(0.3) and scope.vars:
        name = scope.pick(scope.vars)
        out += ["finally:", f"    {name} = 0.5 * {name} + {expr(scope, scope.vars[name], 1).p()}"]
    for name, shape in made.items():           # bound on every path that goes on
        scope.assigned(name, shape)
    return out


def _handlers(scope: Scope, raised, made) -> list:
    from .statements import indent
    form = scope.pick(("one", "tuple", "bare", "several"))
    if form == "several" and len(set(raised)) > 1:
        clauses = [f"except {error}:" for error in dict.fromkeys(raised)]
    elif form == "tuple":
        error = scope.names.fresh(pool=(), stem="err")
        clauses = [f"except ({', '.join(dict.fromkeys(raised + ['OverflowError']))}) as {error}:"]
    elif form == "bare":
        clauses = ["except:  # noqa: E722"]
    else:
        clauses = [f"except {'Exception' if len(set(raised)) > 1 else raised[0]}:"]
    out = []
    fresh = scope.child()             # a handler reads nothing the body may have half-made
    fresh.vars = {n: s for n, s in fresh.vars.items() if n not in made}
    for clause in clauses:
        body = [f"{name} = {expr(fresh, shape, scope.pick((1, 2))).text}"
                for name, shape in made.items()]
        body = body or ["pass"]
        if scope.chance(0.1):
            body = ["raise"]
        out += [clause] + indent(body)
    return out
