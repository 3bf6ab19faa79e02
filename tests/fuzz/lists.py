"""Lists built with `append` inside loops, rebound each iteration and iterated
later (issue 14): accumulations, trees of values doubled per level, items that
shrink per level (like minors), lists of pairs unpacked in a layer loop, and a
second list of slices of the first."""
from __future__ import annotations

from .expressions import expr, small
from .scope import ListInfo, Scope
from .statements import block, indent

# Expressions of an item `{v}` whose shape changes from level to level: only
# elementwise functions, scalars and the slices below.
SAME = ("np.tanh({v})", "{v} * {s}", "np.sin({v}) + {s}", "{v} * np.cos({s})",
        "{v} / (1.5 + np.cos({v}))", "0.5 * {v}")
SAME_VECTOR = SAME + ("np.cumsum({v})", "{v}[::-1]", "{v} - np.mean({v})")
SHRINK = ("{v}[1:]", "{v}[:-1] * {s}", "np.diff({v})", "np.tanh({v}[1:]) + {v}[:-1]")


def list_statement(scope: Scope) -> list:
    return scope.weighted([
        (3, accumulate), (3, tree), (2, shrinking), (2, pairs), (1, slices_of_items),
        (1, minors), (2 * bool(scope.lists), consume),
    ])(scope)


def _item(scope: Scope, shape, depth: int) -> str:
    """A list item; an item that may be a view of a named array makes that array a view."""
    text = expr(scope, shape, depth).text
    scope.shares(text)
    return text


def _scalar(scope: Scope) -> str:
    return small(scope, ()).p()


def _new_list(scope: Scope, item, nonempty: bool) -> str:
    name = scope.names.fresh(("xs", "ys", "items", "terms", "layers"), "xs")
    scope.lists[name] = ListInfo(item, nonempty)
    return name


def _accumulator(scope: Scope) -> tuple[str, list]:
    """A float to sum into: an existing one, or a new `total = 0.0`."""
    floats = [n for n in scope.of_shape(()) if n not in scope.frozen]
    if floats and scope.chance(0.5):
        return scope.pick(floats), []
    name = scope.names.fresh(("total", "acc"), "total")
    scope.assigned(name, ())
    return name, [f"{name} = 0.0"]


def accumulate(scope: Scope) -> list:
    shape = scope.pick(scope.shapes())
    i, k = scope.names.index(), scope.pick((2, 3, 4))
    inner = scope.child(loop=True)
    inner.ints[i] = (0, k - 1)
    name = _new_list(scope, shape, nonempty=True)
    body = block(inner, scope.pick((0, 1))) if scope.chance(0.4) else []
    body = [line for line in body if line != "pass"]
    lines = [f"{name} = []", f"for {i} in range({k}):"]
    lines += indent(body + [f"{name}.append({_item(inner, shape, 2)})"])
    return lines + _iterate(scope, name)


def tree(scope: Scope) -> list:
    """`xs = [seed]`; each level a new list gets one or two children of each item."""
    shape = scope.pick(scope.shapes())
    name = _new_list(scope, shape, nonempty=True)
    lines = [f"{name} = [{_item(scope, shape, 1)}]"]
    level, nxt = scope.pick(("_", scope.names.index())), scope.names.fresh(("nxt", "children"),
                                                                        "nxt")
    lines += [f"for {level} in range({scope.pick((1, 2, 3))}):", f"    {nxt} = []"]
    inner = scope.child(loop=True)
    v = inner.names.fresh(("node", "item"), "node")
    inner.vars[v] = shape
    inner.frozen.add(v)
    children = [f"{nxt}.append({_child(inner, v, shape)})"
                for _ in range(scope.pick((1, 2, 2)))]
    lines += indent([f"for {v} in {name}:"] + indent(children) + [f"{name} = {nxt}"])
    return lines + _iterate(scope, name)


def _child(scope: Scope, v: str, shape) -> str:
    if scope.chance(0.5):
        return scope.pick(SAME_VECTOR if len(shape) == 1 else SAME).format(v=v, s=_scalar(scope))
    other = expr(scope, shape, 1)
    return f"{v} * {scope.pick(('2.0', '0.5', '-1.5'))} + {other.p()}"


def shrinking(scope: Scope) -> list:
    """Items lose one entry per level, as minors lose a row and a column."""
    n, m = scope.dims
    length = scope.pick((n, m))
    levels = scope.pick(range(1, length))
    name = _new_list(scope, (length - levels,), nonempty=True)
    lines = [f"{name} = [{_item(scope, (length,), 1)}]"]
    nxt = scope.names.fresh(("nxt", "minors"), "nxt")
    inner = scope.child(loop=True)
    v = inner.names.fresh(("node", "item"), "node")
    children = []
    for _ in range(scope.pick((1, 2))):
        text = scope.pick(SHRINK).format(v=v, s=_scalar(inner))
        if scope.chance(0.5):
            text = scope.pick(SAME_VECTOR).format(v=f"({text})", s=_scalar(inner))
        children.append(f"{nxt}.append({text})")
    lines += [f"for _ in range({levels}):", f"    {nxt} = []", f"    for {v} in {name}:"]
    lines += indent(indent(children)) + [f"    {name} = {nxt}"]
    return lines + _iterate(scope, name)


def pairs(scope: Scope) -> list:
    """A list of (weights, bias) pairs, unpacked in a loop that applies each."""
    n, _ = scope.dims
    i, k = scope.names.index(), scope.pick((1, 2, 3))
    inner = scope.child(loop=True)
    inner.ints[i] = (0, k - 1)
    name = _new_list(scope, ((n, n), (n,)), nonempty=True)
    weights = f"{scope.pick(('0.5', '0.3', '-0.4'))} * {expr(inner, (n, n), 1).p()}"
    lines = [f"{name} = []", f"for {i} in range({k}):",
             f"    {name}.append(({weights}, {expr(inner, (n,), 1).text}))"]
    h = scope.names.fresh(("h", "state"), "h")
    lines.append(f"{h} = {expr(scope, (n,), 1).text}")
    w, b = scope.names.fresh(("W", "Wk"), "W"), scope.names.fresh(("bias", "bk"), "b")
    update = scope.pick(("np.tanh({w} @ {h} + {b})", "{h} + np.sin({w} @ {h}) * {b}",
                         "np.tanh({b} - {h} @ {w})"))
    lines += [f"for {w}, {b} in {name}:", "    " + f"{h} = " + update.format(w=w, h=h, b=b)]
    scope.assigned(h, (n,))
    return lines


def minors(scope: Scope) -> list:
    """A determinant by expansion along the first row, as a loop over a list of
    (sign, minor) pairs whose minors shrink by a row and a column per level (issue 14)."""
    n, m = scope.dims
    k = min(3, n, m) if scope.chance(0.7) else 2
    square = expr(scope, (k, k), 1)
    terms, nxt = scope.names.fresh(("terms",), "terms"), scope.names.fresh(("nxt", "minors"), "nxt")
    sign, minor, j = scope.names.fresh(("sgn",), "sgn"), scope.names.fresh(("mat",), "mat"), \
        scope.names.index()
    acc, lines = _accumulator(scope)
    smaller = f"np.concatenate([{minor}[1:, :{j}], {minor}[1:, {j} + 1:]], axis=1)"
    return lines + [
        f"{terms} = [(1.0, {square.text})]",
        f"for _ in range({k - 1}):",
        f"    {nxt} = []",
        f"    for {sign}, {minor} in {terms}:",
        f"        for {j} in range(len({minor})):",
        f"            {nxt}.append(({sign} * (-1.0) ** {j} * {minor}[0, {j}], {smaller}))",
        f"    {terms} = {nxt}",
        f"for {sign}, {minor} in {terms}:",
        f"    {acc} = {acc} + {sign} * {minor}[0, 0]",
    ]


def slices_of_items(scope: Scope) -> list:
    """A second list keeping a slice of each item of a first (issue 14, case 3)."""
    lines = accumulate(scope) if scope.chance(0.5) else tree(scope)
    source = [n for n, info in scope.lists.items() if len(info.item) == 1
              and isinstance(info.item[0], int) and info.item[0] >= 2]
    if not source:
        return lines
    src = source[-1]
    (length,) = scope.lists[src].item
    name = _new_list(scope, (length - 1,), nonempty=True)
    v = scope.names.fresh(("piece", "part"), "piece")
    cut = scope.pick(("[1:]", "[:-1]"))
    return lines + [f"{name} = []", f"for {v} in {src}:", f"    {name}.append({v}{cut})"] + \
        _iterate(scope, name)


def consume(scope: Scope) -> list:
    return _iterate(scope, scope.pick(scope.lists))


def _iterate(scope: Scope, name: str) -> list:
    """Read list `name` later: sum over its items, enumerate it, stack it, or index it."""
    info = scope.lists[name]
    if isinstance(info.item, tuple) and info.item and isinstance(info.item[0], tuple):
        return []  # lists of pairs are read by their own loop
    shape = info.item
    acc, lines = _accumulator(scope)
    inner = scope.child(loop=True)
    inner.frozen.add(acc)
    t = inner.names.fresh(("v", "t", "piece"), "v")
    inner.vars[t] = shape
    inner.frozen.add(t)
    term = _reduce(inner, t, shape)
    form = scope.weighted([(4, "for"), (1.5, "enumerate"), (1 * bool(shape), "stack"),
                           (1 * info.nonempty, "index")])
    if form == "enumerate":
        k = inner.names.index()
        return lines + [f"for {k}, {t} in enumerate({name}):",
                        f"    {acc} = {acc} + (1.0 + 0.1 * {k}) * {term}"]
    if form == "stack":
        return lines + [f"{acc} = {acc} + np.sum(np.tanh(np.stack({name})))"]
    if form == "index":
        return lines + [f"{acc} = {acc} + np.sum({name}[{scope.pick(('0', '-1'))}])"]
    op = scope.pick(("{a} = {a} + {t}", "{a} += {t}", "{a} = {a} * 0.9 + {t}"))
    return lines + [f"for {t} in {name}:", "    " + op.format(a=acc, t=term)]


def _reduce(scope: Scope, t: str, shape) -> str:
    if not shape:
        return scope.pick((f"np.sin({t})", t, f"{t} ** 2"))
    return scope.pick((f"np.sum({t})", f"np.sum(np.tanh({t}))", f"np.mean({t} ** 2)",
                       f"np.sum({t} * {t})"))

