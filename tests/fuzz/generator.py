"""The seeded generator: `generate(seed, level)` writes a random Python + NumPy
program (module-level helpers and an entry function `f`), picks its arguments,
and checks that it runs and returns finite values. Same seed, same program."""
from __future__ import annotations

import random
from dataclasses import dataclass, field

import numpy as np

from .features import LEVEL_NAMES, features_of, level_of_seed
from .scope import Helper, Names, Scope
from .statements import block, indent, returned

ARG_NAMES = {(): ("a", "b"), "N": ("x", "y"), "M": ("u",), "MN": ("A", "B")}
# a module-level function calling itself, as many times as an int says
RECURSIVE_NAME = "rec"
RECURSIVE = ["def rec(p, depth):", "    if depth <= 0:", "        return p",
             "    return rec(np.tanh(p) * 0.8 + 0.1 * p, depth - 1)"]


@dataclass
class Program:
    seed: int
    level: str
    features: frozenset
    source: str
    args: tuple
    wrt: tuple
    attempt: int = 0
    small: bool = False
    entry: str = "f"
    notes: list = field(default_factory=list)

    def arg_names(self) -> list:
        header = next(line for line in self.source.splitlines()
                      if line.startswith(f"def {self.entry}("))
        return [a.strip() for a in header[len(self.entry) + 5:-2].split(",")]


def generate(seed: int, level: int | str | None = None, features=None,
             small: bool = False) -> Program:
    """Program number `seed`; its level is `seed`'s round-robin level unless given.
    `small` programs have shorter blocks and shallower expressions."""
    if level is None:
        level = level_of_seed(seed)
    if isinstance(level, int):
        level = LEVEL_NAMES[level]
    features = frozenset(features) if features is not None else features_of(level)
    for attempt in range(50):
        rng = random.Random(f"astgrad-fuzz:{seed}:{attempt}")
        program = _write(seed, level, features, rng, attempt, small)
        if runs(program):
            return program
    raise RuntimeError(f"no valid program for seed {seed} after 50 attempts")


def _write(seed, level, features, rng, attempt, small) -> Program:
    n = rng.choice((3, 4, 5))
    m = rng.choice([k for k in (2, 3, 4) if k != n])
    names = Names()
    helpers, lines = [], ["import numpy as np", ""]
    if "calls" in features:
        for k in range(rng.choice((1, 1, 2) if small else (1, 2, 2, 3))):
            helper, text = _helper(rng, features, (n, m), helpers, f"h{k + 1}", small)
            names.taken.add(helper.name)
            helpers.append(helper)
            lines += text + ["", ""]
    if "language" in features:        # for `people.recursive_helper`
        names.taken.add(RECURSIVE_NAME)
        lines += RECURSIVE + ["", ""]
    params = _params(rng, n, m)
    names.taken |= {p for p, _ in params}
    scope = Scope(rng, features, (n, m), names, helpers, vars=dict(params),
                  recent=[p for p, _ in params], small=small)
    scope.ret = _outputs(scope)
    body = _signature(scope, level) + block(
        scope, rng.randint(*((1, 3) if small else (2, 5) if level == "straight" else (2, 4))))
    lines += [f"def f({', '.join(p for p, _ in params)}):"] + indent(body + [returned(scope)])
    args = _arguments(seed, attempt, params)
    return Program(seed, level, features, "\n".join(lines) + "\n", args,
                   tuple(range(len(params))), attempt, small)


def _signature(scope: Scope, level: str) -> list:
    """The construct a level is about, once at the top of `f`, so that no program of
    the level goes without it; the rest of the body is drawn as usual."""
    from .lists import list_statement
    from .statements import call_stmt, for_range, if_stmt, while_stmt
    productions = {"branches": [if_stmt], "loops": [for_range, while_stmt],
                   "calls": [call_stmt] * bool(scope.helpers), "lists": [list_statement],
                   "mixed": [if_stmt, for_range, while_stmt, list_statement]}.get(level, [])
    return scope.pick(productions)(scope) if productions else []


def _params(rng, n, m) -> list:
    kinds = rng.sample([(), (), "N", "N", "M", "MN", "MN"], rng.choice((1, 2, 2, 3, 3)))
    shapes = {(): (), "N": (n,), "M": (m,), "MN": (m, n)}
    out, used = [], set()
    for kind in kinds:
        name = next(c for c in ARG_NAMES[kind] if c not in used) if \
            any(c not in used for c in ARG_NAMES[kind]) else None
        if name:
            used.add(name)
            out.append((name, shapes[kind]))
    return out


def _outputs(scope: Scope) -> tuple:
    """The shapes `f` returns: mostly a float, sometimes an array, rarely a pair."""
    if "tuples" in scope.features and scope.chance(0.15):
        return (scope.pick(scope.shapes()), scope.pick(scope.shapes()))
    return (() if scope.chance(0.75) else scope.pick(scope.shapes()[1:]),)


def _helper(rng, features, dims, earlier, name, small):
    n, m = dims
    names = Names({h.name for h in earlier} | {name})
    count = rng.choice((1, 2, 2, 3))
    params = [(names.fresh(("p", "q", "r")), rng.choice([(), (n,), (m,), (m, n)]))
              for _ in range(count)]
    keywords = [(names.fresh(("scale", "shift")), repr(round(rng.uniform(-1, 1), 1)))
                for _ in range(rng.choice((0, 0, 1, 2)))]
    inner = features - {"lists", "tuples"}
    scope = Scope(rng, inner, dims, names, list(earlier), vars=dict(params), small=small)
    for kw, _ in keywords:
        scope.vars[kw] = ()
    scope.ret = (rng.choice([(), (), (n,), (m,)]),)
    scope.depth = 1  # keep helpers shallow
    body = block(scope, rng.choice((0, 1, 1, 2) if small else (0, 1, 2, 3)))
    body = [line for line in body if line != "pass"]
    signature = ", ".join([p for p, _ in params] + [f"{k}={v}" for k, v in keywords])
    text = [f"def {name}({signature}):"] + indent(body + [returned(scope)])
    return Helper(name, params, keywords, scope.ret[0]), text


def _arguments(seed, attempt, params) -> tuple:
    rng = np.random.default_rng([seed, attempt])
    out = []
    for _, shape in params:
        value = np.round(rng.uniform(-1.5, 1.5, size=shape), 3)
        out.append(float(value) if shape == () else value)
    return tuple(out)


def load(source: str, name: str = "fuzz_program") -> dict:
    namespace = {"__name__": name}
    exec(compile(source, f"<{name}>", "exec"), namespace)
    return namespace


def copies(args) -> tuple:
    return tuple(np.array(a) if isinstance(a, np.ndarray) else a for a in args)


def runs(program: Program) -> bool:
    """The program runs at its arguments without NumPy warnings and returns finite,
    moderate values of the shapes it promised."""
    try:
        f = load(program.source)["f"]
        with np.errstate(all="raise"):
            out = f(*copies(program.args))
    except Exception:  # noqa: BLE001 - any failure means: write another program
        return False
    parts = out if isinstance(out, tuple) else (out,)
    for part in parts:
        if not isinstance(part, (float, np.floating, np.ndarray)):
            return False
        a = np.asarray(part, dtype=np.float64) if np.isrealobj(part) else None
        if a is None or not np.all(np.isfinite(a)) or np.max(np.abs(a), initial=0) > 1e6:
            return False
    return True


def sample(count: int, start: int = 0, level=None, small: bool = False) -> list:
    return [generate(seed, level, small=small) for seed in range(start, start + count)]
