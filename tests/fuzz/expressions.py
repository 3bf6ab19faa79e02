"""Random expressions of a given shape, built only from variables in scope, so
every expression the generator writes runs and has the shape it was asked for.

Elementwise functions are smooth with safe domains (`np.log(2.0 + np.cos(.))`,
`np.exp(np.tanh(.))`, ...) so finite differences are meaningful; the kinked
ones (abs, max, where, masks) come only with the "nonsmooth" feature.
"""
from __future__ import annotations

from dataclasses import dataclass

from .scope import Scope


@dataclass
class E:
    """An expression's text; `atom` when it needs no parentheses as an operand."""
    text: str
    atom: bool = True

    def p(self) -> str:
        return self.text if self.atom else f"({self.text})"


SMOOTH = (
    "np.sin({})", "np.cos({})", "np.tanh({})", "np.exp(np.tanh({}))",
    "np.log(2.0 + np.cos({}))", "np.arctan({})", "np.sqrt(1.0 + np.square({}))",
    "np.log1p(np.square({}))", "np.square({})", "1.0 / (1.5 + np.sin({}))",
    "np.exp(-np.square({}))", "np.expm1(np.tanh({}))", "np.power(2.0 + np.sin({}), 1.5)",
    "np.sinh(np.tanh({}))", "np.logaddexp(0.0, np.tanh({}))",
)
POWERS = ("{} ** 2", "{} ** 3", "{} ** 2.0")
DENOMINATORS = ("1.5 + np.cos({})", "2.0 + np.tanh({})", "1.0 + np.square({})",
                "np.exp(np.tanh({}))", "3.0 - np.sin({})")
KINKED = ("np.abs({})", "np.clip({}, -0.5, 0.5)", "np.maximum({}, {c})", "np.minimum({}, {c})",
          "np.fmax({}, {c})")


def expr(scope: Scope, shape, depth: int = 2) -> E:
    """An expression of shape `shape` (`()` is a float)."""
    if depth <= 0:
        return leaf(scope, shape)
    has = scope.features.__contains__
    production = scope.weighted([
        (4, leaf), (4, unary), (6, binary), (1, power), (3, reduce_into), (3, index_into),
        (1, construct), (1.5 * has("branches"), ifexp), (2 * has("calls"), call),
        (2 * has("nonsmooth"), kinked),
    ])
    return production(scope, shape, depth) or leaf(scope, shape)


def small(scope: Scope, shape) -> E:
    """A shallow expression, for conditions and indices of a write."""
    return expr(scope, shape, scope.pick((0, 1, 1)))


# ---- leaves ----------------------------------------------------------------------------

def leaf(scope: Scope, shape, depth: int = 0) -> E:
    """A variable of the shape if there is one, else a value read from variables of
    other shapes; constants only now and then, so most of a program is live."""
    names = scope.of_shape(shape)
    if names and scope.chance(0.8):
        return E(scope.pick(names))
    if shape == ():
        return _scalar_leaf(scope)
    if len(shape) == 1:
        return _vector_leaf(scope, shape[0])
    return _matrix_leaf(scope, shape)


def _number(scope: Scope) -> E:
    return E(scope.const())


def _scalar_leaf(scope: Scope) -> E:
    arrays = [(n, s) for n, s in scope.vars.items() if s]
    form = scope.weighted([(4 * bool(arrays), "item"), (1.5 * bool(arrays), "sum"),
                           (1 * bool(scope.ints), "int"), (1.5, "number")])
    if form == "item":
        name, shape = scope.pick(arrays)
        return E(f"{name}[{', '.join(scope.pick(scope.index_texts(k)) for k in shape)}]")
    if form == "sum":
        name, _ = scope.pick(arrays)
        return E(scope.pick(("np.sum({})", "np.mean({})", "{}.sum()")).format(name))
    if form == "int":
        return E(f"0.1 * {scope.pick(scope.ints)}", atom=False)
    return _number(scope)


def _vector_leaf(scope: Scope, length: int) -> E:
    vectors = [(n, s[0]) for n, s in scope.vars.items() if len(s) == 1]
    rows = [(n, s) for n, s in scope.vars.items() if len(s) == 2 and length in s]
    choice = scope.weighted([(4 * bool(vectors), "fancy"), (3 * bool(rows), "matrix"),
                             (0.5, "linspace"), (1.5 * bool(scope.of_shape(())), "scaled")])
    if choice == "fancy":
        name, n = scope.pick(vectors)
        if n >= length and scope.chance(0.5):
            start = scope.rng.randrange(n - length + 1)
            return E(f"{name}[{start}:{start + length}]")
        picks = [str(scope.rng.randrange(n)) for _ in range(length)]
        return E(f"{name}[[{', '.join(picks)}]]")
    if choice == "matrix":
        name, (r, c) = scope.pick(rows)
        if c == length:
            return E(f"{name}[{scope.pick(scope.index_texts(r))}]")
        return E(f"{name}[:, {scope.pick(scope.index_texts(c))}]")
    if choice == "scaled":
        return E(f"{scope.pick(scope.of_shape(()))} * np.linspace(0.5, 1.5, {length})",
                 atom=False)
    lo, hi = sorted((float(scope.const()), float(scope.const())))
    return E(f"np.linspace({lo!r}, {round(hi + 0.5, 2)!r}, {length})")


def _matrix_leaf(scope: Scope, shape) -> E:
    r, c = shape
    flipped = scope.of_shape((c, r))
    if flipped and scope.chance(0.6):
        name = scope.pick(flipped)
        return E(f"{name}.T" if scope.chance(0.7) else f"np.transpose({name})")
    u, v = leaf(scope, (r,)), leaf(scope, (c,))
    if scope.chance(0.7):
        return E(f"np.outer({u.text}, {v.text})")
    return E(f"{u.p()}[:, None] * {v.p()}", atom=False)


# ---- elementwise -----------------------------------------------------------------------

def unary(scope: Scope, shape, depth: int) -> E:
    inner = expr(scope, shape, depth - 1)
    if scope.chance(0.08):
        return E(f"-{inner.p()}", atom=False)
    return E(scope.pick(SMOOTH).format(inner.text))


def power(scope: Scope, shape, depth: int) -> E:
    inner = expr(scope, shape, depth - 1)
    if scope.chance(0.3):
        return E(f"np.exp(np.tanh({inner.text})) ** {scope.pick(('0.75', '1.5', '-1.0'))}",
                 atom=False)
    base = f"({inner.text})" if inner.text.startswith("-") else inner.p()
    return E(scope.pick(POWERS).format(base), atom=False)


def binary(scope: Scope, shape, depth: int) -> E:
    op = scope.weighted([(3, "+"), (2, "-"), (3, "*"), (1.2, "/")])
    left_shape, right_shape = shape, shape
    form = scope.weighted([(4, "same"), (2, "scalar right"), (1.5, "scalar left"),
                           (1.5 * (len(shape) == 2), "row"), (1.5 * (len(shape) == 2), "column")])
    if form == "scalar right":
        right_shape = ()
    elif form == "scalar left":
        left_shape = ()
    elif form == "row":
        right_shape = shape[1:]
    left = expr(scope, left_shape, depth - 1)
    if form == "column":
        right = column(scope, shape[0], depth - 1)
    elif op == "/":
        right = denominator(scope, right_shape, depth - 1)
    else:
        right = expr(scope, right_shape, depth - 1)
    if form == "scalar left" and op == "/":
        left, right = expr(scope, shape, depth - 1), denominator(scope, (), depth - 1)
    return E(f"{left.p()} {op} {right.p()}", atom=False)


def denominator(scope: Scope, shape, depth: int) -> E:
    if shape == () and scope.chance(0.3):
        return E(scope.pick(("2.0", "3.0", "0.5", "4.0")))
    return E(scope.pick(DENOMINATORS).format(expr(scope, shape, depth).text), atom=False)


def column(scope: Scope, rows: int, depth: int) -> E:
    """An expression of shape (rows, 1), to broadcast against a matrix."""
    n, m = scope.dims
    form = scope.pick(("none", "keepdims", "reshape", "expand"))
    if form == "keepdims":
        other = scope.pick((n, m))
        inner = expr(scope, (rows, other), depth)
        fn = scope.pick(("np.sum", "np.mean"))
        return E(f"{fn}({inner.text}, axis={scope.pick(('1', '-1'))}, keepdims=True)")
    v = expr(scope, (rows,), depth)
    if form == "reshape":
        return E(f"{v.p()}.reshape({scope.pick(('-1', str(rows)))}, 1)")
    if form == "expand":
        return E(f"np.expand_dims({v.text}, 1)")
    return E(f"{v.p()}[:, None]")


# ---- shape-changing ----------------------------------------------------------------------

def reduce_into(scope: Scope, shape, depth: int) -> E | None:
    n, m = scope.dims
    sub = depth - 1
    if shape == ():
        length = scope.pick((n, m))
        form = scope.weighted([(4, "sum"), (2, "mean"), (1, "method"), (2, "dot"), (1, "matmul"),
                               (1, "norm"), (1, "var"), (1, "matrix"), (0.5, "einsum")])
        if form in ("dot", "matmul", "einsum"):
            a, b = expr(scope, (length,), sub), expr(scope, (length,), sub)
            return E({"dot": f"np.dot({a.text}, {b.text})", "matmul": f"{a.p()} @ {b.p()}",
                      "einsum": f"np.einsum('i,i->', {a.text}, {b.text})"}[form],
                     atom=form != "matmul")
        source = expr(scope, (m, n) if form == "matrix" else (length,), sub)
        template = {"sum": "np.sum({})", "mean": "np.mean({})", "method": "{p}.sum()",
                    "norm": "np.linalg.norm({})", "var": scope.pick(("np.var({})", "np.std({})")),
                    "matrix": scope.pick(("np.sum({})", "np.mean({})", "{p}.mean()"))}[form]
        return E(template.format(source.text, p=source.p()))
    if len(shape) == 1:
        return _vector_from_matrix(scope, shape[0], sub)
    r, c = shape
    inner = scope.pick((n, m))
    if scope.chance(0.6):
        return E(f"{expr(scope, (r, inner), sub).p()} @ {expr(scope, (inner, c), sub).p()}",
                 atom=False)
    return E(f"np.outer({expr(scope, (r,), sub).text}, {expr(scope, (c,), sub).text})")


def _vector_from_matrix(scope: Scope, length: int, sub: int) -> E:
    n, m = scope.dims
    other = scope.pick((n, m))
    form = scope.weighted([(3, "axis"), (2, "matvec"), (1, "vecmat"), (1, "cumsum"), (1, "diff")])
    if form == "axis":
        fn = scope.pick(("np.sum", "np.mean", "np.sum"))
        if scope.chance(0.5):
            source = expr(scope, (other, length), sub)
            return E(f"{fn}({source.text}, axis=0)")
        source = expr(scope, (length, other), sub)
        return E(f"{fn}({source.text}, axis={scope.pick(('1', '-1'))})")
    if form == "matvec":
        a, v = expr(scope, (length, other), sub), expr(scope, (other,), sub)
        return E(f"np.dot({a.text}, {v.text})") if scope.chance(0.3) else \
            E(f"{a.p()} @ {v.p()}", atom=False)
    if form == "vecmat":
        v, a = expr(scope, (other,), sub), expr(scope, (other, length), sub)
        return E(f"{v.p()} @ {a.p()}", atom=False)
    if form == "cumsum":
        return E(f"np.cumsum({expr(scope, (length,), sub).text})")
    return E(f"np.diff({expr(scope, (length + 1,), sub).text})")


def index_into(scope: Scope, shape, depth: int) -> E | None:
    n, m = scope.dims
    if shape == ():
        source_shape = scope.pick([(n,), (m,), (m, n)])
        source = _indexable(scope, source_shape, depth)
        idx = [scope.pick(scope.index_texts(k)) for k in source_shape]
        if len(idx) == 2 and scope.chance(0.3):
            return E(f"{source.p()}[{idx[0]}][{idx[1]}]")
        return E(f"{source.p()}[{', '.join(idx)}]")
    if len(shape) == 1:
        return _vector_index(scope, shape[0], depth)
    source = _indexable(scope, shape, depth)
    r, c = shape
    form = scope.pick(("[::-1]", "[:, ::-1]", "rows", "rows, :"))
    if form.startswith("rows"):
        rows = ", ".join(str(scope.rng.randrange(r)) for _ in range(r))
        return E(f"{source.p()}[[{rows}]{', :' if form == 'rows, :' else ''}]")
    return E(f"{source.p()}{form}")


def _indexable(scope: Scope, shape, depth: int) -> E:
    names = scope.of_shape(shape)
    if names and scope.chance(0.7):
        return E(scope.pick(names))
    return expr(scope, shape, depth - 1)


def _vector_index(scope: Scope, length: int, depth: int) -> E:
    n, m = scope.dims
    longer = [k for k in (n, m, n + 1) if k > length]
    form = scope.weighted([(2, "reverse"), (2 * bool(longer), "slice"), (2, "fancy"),
                           (2, "row"), (1.5, "column"), (0.5 * (length * 2 - 1 <= 6), "step")])
    if form == "slice":
        k = scope.pick(longer)
        source, start = _indexable(scope, (k,), depth), scope.rng.randrange(k - length + 1)
        text = scope.pick((f"{start}:{start + length}", f"{start - k}:{start - k + length or ''}"))
        return E(f"{source.p()}[{text}]")
    if form == "fancy":
        k = scope.pick((n, m))
        source = _indexable(scope, (k,), depth)
        picks = ", ".join(str(scope.rng.randrange(-k, k)) for _ in range(length))
        return E(f"{source.p()}[[{picks}]]")
    if form == "row":
        r = scope.pick((n, m))
        source = _indexable(scope, (r, length), depth)
        i = scope.pick(scope.index_texts(r))
        return E(f"{source.p()}[{i}]" if scope.chance(0.6) else f"{source.p()}[{i}, :]")
    if form == "column":
        c = scope.pick((n, m))
        source = _indexable(scope, (length, c), depth)
        return E(f"{source.p()}[:, {scope.pick(scope.index_texts(c))}]")
    if form == "step":
        source = _indexable(scope, (2 * length - 1,), depth)
        return E(f"{source.p()}[::2]")
    return E(f"{_indexable(scope, (length,), depth).p()}[::-1]")


def construct(scope: Scope, shape, depth: int) -> E | None:
    sub = depth - 1
    if shape == ():
        return E(f"float({expr(scope, (), sub).text})")
    if len(shape) == 1:
        length = shape[0]
        form = scope.pick(("concatenate", "array", "stack"))
        if form == "concatenate" and length >= 2:
            cut = scope.rng.randrange(1, length)
            a, b = expr(scope, (cut,), sub), expr(scope, (length - cut,), sub)
            return E(f"np.concatenate([{a.text}, {b.text}])")
        if form == "array" and length <= 5:
            items = ", ".join(expr(scope, (), sub).text for _ in range(length))
            return E(f"np.array([{items}])")
        items = ", ".join(expr(scope, shape, sub).text for _ in range(scope.pick((2, 3))))
        return E(f"np.{scope.pick(('sum', 'mean'))}(np.stack([{items}]), axis=0)")
    r, c = shape
    if r > 3:
        return None
    rows = ", ".join(expr(scope, (c,), sub).text for _ in range(r))
    return E(f"np.{scope.pick(('stack', 'vstack', 'array'))}([{rows}])")


# ---- control and calls -----------------------------------------------------------------

def ifexp(scope: Scope, shape, depth: int) -> E:
    a, b = expr(scope, shape, depth - 1), expr(scope, shape, depth - 1)
    return E(f"{a.p()} if {condition(scope)} else {b.p()}", atom=False)


def call(scope: Scope, shape, depth: int) -> E | None:
    helpers = [h for h in scope.helpers if h.ret == shape]
    if not helpers:
        return None
    h = scope.pick(helpers)
    by_name = scope.chance(0.25)
    args = [(f"{p}=" if by_name else "") + expr(scope, s, depth - 1).text for p, s in h.params]
    for name, _ in h.keywords:
        if scope.chance(0.5):
            args.append(f"{name}={expr(scope, (), depth - 2).text}")
    return E(f"{h.name}({', '.join(args)})")


def condition(scope: Scope, depth: int = 1) -> str:
    """A boolean test: comparisons of floats, of loop indices, and/or/not."""
    form = scope.weighted([(6, "compare"), (2 * bool(scope.ints), "int"),
                           (2 * (depth > 0), "and/or"), (1 * (depth > 0), "not")])
    if form == "int":
        i = scope.pick(scope.ints)
        lo, hi = scope.ints[i]
        return scope.pick((f"{i} % 2 == 0", f"{i} > {lo}", f"{i} == {hi}", f"{i} < {hi}"))
    if form == "and/or":
        a, b = condition(scope, depth - 1), condition(scope, depth - 1)
        return f"({a}) {scope.pick(('and', 'or'))} ({b})"
    if form == "not":
        return f"not ({condition(scope, depth - 1)})"
    left = small(scope, ())
    op = scope.pick((">", "<", ">=", "<="))
    right = small(scope, ()) if scope.chance(0.3) else _number(scope)
    return f"{left.p()} {op} {right.p()}"


def kinked(scope: Scope, shape, depth: int) -> E:
    sub = depth - 1
    if shape == () and scope.chance(0.4):
        n, m = scope.dims
        k = scope.pick((n, m))
        source = expr(scope, (k,), sub)
        return E(scope.pick((f"np.max({source.text})", f"np.min({source.text})",
                             f"np.sum({source.p()}[{source.p()} > {scope.const(-0.5, 0.5)}])",
                             f"max({expr(scope, (), sub).text}, {expr(scope, (), sub).text})",
                             f"abs({expr(scope, (), sub).text})")))
    if scope.chance(0.3):
        test = expr(scope, shape, sub)
        a, b = expr(scope, shape, sub), expr(scope, shape, sub)
        return E(f"np.where({test.p()} > {scope.const(-0.5, 0.5)}, {a.text}, {b.text})")
    inner = expr(scope, shape, sub)
    return E(scope.pick(KINKED).format(inner.text, c=scope.const(-0.5, 0.5)))
