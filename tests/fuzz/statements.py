"""Random statements: assignments, in-place updates, branches, loops, early
returns. Each returns its source lines and updates the scope it was given."""
from __future__ import annotations

from .expressions import E, condition, denominator, expr, small
from .scope import Scope


def indent(lines: list) -> list:
    return ["    " + line for line in lines]


def block(scope: Scope, count: int) -> list:
    lines = []
    for _ in range(count):
        lines += statement(scope)
    return lines or ["pass"]


def statement(scope: Scope) -> list:
    from .language import language_statement  # build on statements
    from .lists import list_statement  # lists build on statements
    from .tries import try_statement  # `try` blocks too
    has = scope.features.__contains__
    shallow = scope.depth < 2
    production = scope.weighted([
        (4, assign_new), (4, reassign), (2.5 * has("inplace"), augassign),
        (1.5 * has("inplace"), index_write), (0.8, tuple_assign),
        (2 * has("branches") * shallow, if_stmt), (2 * has("loops") * shallow, for_range),
        (0.8 * has("loops") * shallow, for_items), (1 * has("loops") * shallow, while_stmt),
        (1.2 * has("loops") * (scope.loop_depth > 0), break_continue),
        (0.8 * has("returns") * (scope.loop_depth == 0), early_return),
        (2 * has("lists") * shallow, list_statement),
        (2 * has("calls") * bool(scope.helpers), call_stmt),
        (2.5 * has("language"), language_statement),
        (2 * has("tries") * shallow, try_statement),
    ])
    return production(scope)


def body_size(scope: Scope) -> int:
    return scope.sized((1, 2, 2, 3, 3, 4), (1, 1, 2, 2, 3))


# ---- assignments -----------------------------------------------------------------------

def assign_new(scope: Scope) -> list:
    shape = scope.pick(scope.shapes())
    value = expr(scope, shape, scope.sized((1, 2, 2, 3), (1, 1, 2)))
    name = scope.names.fresh()
    scope.assigned(name, shape, value.text)
    return [f"{name} = {value.text}"]


def call_stmt(scope: Scope) -> list:
    """`name = helper(...)`: a helper's result kept in a variable."""
    from .expressions import call
    helper = scope.pick(scope.helpers)
    value = call(scope, helper.ret, scope.pick((1, 2)))
    name = _target(scope, inplace=False) if scope.chance(0.3) else None
    if name is None or scope.vars[name] != helper.ret:
        name = scope.names.fresh()
    scope.assigned(name, helper.ret, value.text)
    return [f"{name} = {value.text}"]


def _target(scope: Scope, arrays_only: bool = False, inplace: bool = True):
    names = [n for n, s in scope.vars.items() if (s or not arrays_only)
             and (scope.writable(n) if inplace else n not in scope.frozen)]
    return scope.pick(names) if names else None


def reassign(scope: Scope) -> list:
    name = _target(scope, inplace=False)
    if name is None:
        return assign_new(scope)
    shape = scope.vars[name]
    other = expr(scope, scope.pick((shape, ())), scope.pick((1, 2)))
    form = scope.pick(("0.5 * {v} + {o}", "np.tanh({v} + {o})", "{v} * np.cos({o})",
                       "np.sin({v}) - {o}", "{e}"))
    value = form.format(v=name, o=other.p(), e=expr(scope, shape, 2).text)
    scope.assigned(name, shape, value)
    return [f"{name} = {value}"]


def augassign(scope: Scope) -> list:
    name = _target(scope)
    if name is None:
        return assign_new(scope)
    shape = scope.vars[name]
    rhs_shape = scope.pick((shape, shape, ()) + ((shape[1:],) if len(shape) == 2 else ()))
    op = scope.weighted([(3, "+="), (2, "-="), (2, "*="), (1, "/=")])
    if op == "*=":
        inner = expr(scope, rhs_shape, scope.pick((0, 1, 2)))
        rhs = E(scope.pick(("np.cos({})", "np.tanh({})", "np.exp(np.tanh({}))")).format(inner.text))
    elif op == "/=":
        rhs = denominator(scope, rhs_shape, scope.pick((0, 1)))
    else:
        rhs = expr(scope, rhs_shape, scope.pick((0, 1, 2)))
    return [f"{name} {op} {rhs.text}"]


def index_write(scope: Scope) -> list:
    name = _target(scope, arrays_only=True)
    if name is None:
        return augassign(scope)
    shape = scope.vars[name]
    op = scope.weighted([(3, "="), (3, "+="), (1, "-="), (1, "*=")])
    if len(shape) == 1:
        target, value_shape = _vector_target(scope, shape[0])
    else:
        target, value_shape = _matrix_target(scope, shape)
    value = small(scope, value_shape) if op != "*=" else E(f"np.cos({small(scope, value_shape).text})")
    return [f"{name}[{target}] {op} {value.text}"]


def _vector_target(scope: Scope, length: int):
    form = scope.weighted([(4, "item"), (2, "slice"), (1.5, "fancy"),
                           (0.7 * ("nonsmooth" in scope.features), "repeats")])
    if form == "item":
        return scope.pick(scope.index_texts(length)), ()
    if form == "slice" and length >= 2:
        a = scope.rng.randrange(length - 1)
        b = scope.rng.randrange(a + 1, length + 1)
        return f"{a}:{b}", (b - a,)
    if form == "repeats":  # NumPy keeps the last write of a repeated index
        i = scope.rng.randrange(length)
        return f"[{i}, {i}]", (2,)
    picks = scope.rng.sample(range(length), scope.pick((1, 2, min(3, length))))
    return f"[{', '.join(map(str, picks))}]", (len(picks),)


def _matrix_target(scope: Scope, shape):
    r, c = shape
    form = scope.pick(("item", "row", "column", "row slice"))
    i, j = scope.pick(scope.index_texts(r)), scope.pick(scope.index_texts(c))
    if form == "item":
        return f"{i}, {j}", ()
    if form == "row":
        return i, (c,)
    if form == "column":
        return f":, {j}", (r,)
    a = scope.rng.randrange(c)
    return f"{i}, {a}:", (c - a,)


def tuple_assign(scope: Scope) -> list:
    same = [(a, b) for a in scope.vars for b in scope.vars
            if a < b and scope.vars[a] == scope.vars[b] and not {a, b} & scope.frozen]
    if same and scope.chance(0.25):
        a, b = scope.pick(same)
        scope.assigned(a, scope.vars[a])  # a swap rebinds; it makes no new alias
        scope.assigned(b, scope.vars[b])
        return [f"{a}, {b} = {b}, {a}"]
    if scope.vars and scope.chance(0.25):  # a second name for the same value
        source = scope.pick(scope.vars)
        name, first = scope.names.fresh(), scope.pick(scope.shapes())
        value = expr(scope, first, 2)
        other = scope.names.fresh()
        scope.assigned(name, first, value.text)
        scope.assigned(other, scope.vars[source], source)
        return [f"{name}, {other} = {value.text}, {source}"]
    shapes = [scope.pick(scope.shapes()) for _ in range(2)]
    values = [expr(scope, s, 2).text for s in shapes]
    names = [scope.names.fresh() for _ in shapes]
    for name, shape, value in zip(names, shapes, values):
        scope.assigned(name, shape, value)
    return [f"{names[0]}, {names[1]} = {values[0]}, {values[1]}"]


# ---- control flow ----------------------------------------------------------------------

def if_stmt(scope: Scope) -> list:
    lines = [f"if {condition(scope)}:"] + indent(block(scope.child(), body_size(scope)))
    for _ in range(scope.pick((0, 0, 1, 2))):
        lines += [f"elif {condition(scope)}:"] + indent(block(scope.child(), body_size(scope)))
    if scope.chance(0.6):
        lines += ["else:"] + indent(block(scope.child(), body_size(scope)))
    return lines


def for_range(scope: Scope) -> list:
    i, k = scope.names.index(), scope.pick((2, 3, 3, 4))
    form = scope.weighted([(5, (f"range({k})", 0, k - 1)), (1, (f"range(1, {k + 1})", 1, k)),
                           (1, (f"reversed(range({k}))", 0, k - 1)),
                           (0.5, (f"range(0, {2 * k}, 2)", 0, 2 * k - 2))])
    header, lo, hi = form
    inner = scope.child(loop=True)
    inner.ints[i] = (lo, hi)
    return [f"for {i} in {header}:"] + indent(block(inner, body_size(scope)))


def for_items(scope: Scope) -> list:
    arrays = [n for n, s in scope.vars.items() if s]
    if not arrays:
        return for_range(scope)
    source = scope.pick(arrays)
    shape = scope.vars[source]
    inner = scope.child(loop=True)
    inner.frozen.add(source)  # iterating an array while writing into it is another program
    item = inner.names.fresh(("t", "row", "item"), "t")
    inner.assigned(item, shape[1:], f"{source}[0]")  # a row of a matrix is a view
    form = scope.pick(("plain", "enumerate", "zip", "expression"))
    if form == "enumerate":
        k = inner.names.index()
        inner.ints[k] = (0, shape[0] - 1)
        header = f"for {k}, {item} in enumerate({source}):"
    elif form == "zip" and len(scope.of_shape(shape)) > 1:
        partner = scope.pick([n for n in scope.of_shape(shape) if n != source])
        other = inner.names.fresh(("t2", "row2"), "t")
        inner.assigned(other, shape[1:], f"{partner}[0]")
        inner.frozen.add(partner)
        header = f"for {item}, {other} in zip({source}, {partner}):"
    elif form == "expression":
        header = f"for {item} in {scope.pick(('np.tanh', 'np.sin', 'np.cos'))}({source}):"
    else:
        header = f"for {item} in {source}:"
    return [header] + indent(block(inner, body_size(scope)))


def while_stmt(scope: Scope) -> list:
    k, bound = scope.names.index(), scope.pick((2, 3, 4))
    test = f"{k} < {bound}"
    if scope.chance(0.35):
        test += f" and ({condition(scope)})"
    inner = scope.child(loop=True)
    inner.ints[k] = (1, bound)
    # The counter moves first, so `continue` cannot make the loop run forever.
    return [f"{k} = 0", f"while {test}:"] + indent([f"{k} += 1"] + block(inner, body_size(scope)))


def break_continue(scope: Scope) -> list:
    word = scope.pick(("break", "continue"))
    body = block(scope.child(), scope.pick((0, 0, 1))) if scope.chance(0.3) else []
    return [f"if {condition(scope)}:"] + indent([line for line in body if line != "pass"] + [word])


def returned(scope: Scope) -> str:
    """`return` of the function's shapes, reading the latest values so little is dead."""
    return "return " + ", ".join(_output(scope, shape) for shape in scope.ret)


def _output(scope: Scope, shape) -> str:
    value = expr(scope, shape, scope.sized((1, 2, 3), (1, 2))).text
    live = [n for n in dict.fromkeys(reversed(scope.recent))
            if n in scope.vars and n not in value][:4]
    for name in scope.rng.sample(live, min(len(live), scope.pick((0, 1, 2, 2, 3)))):
        if scope.vars[name] == shape or not scope.vars[name]:
            term = scope.pick(("np.tanh({})", "np.sin({})", "0.5 * {}")).format(name)
        else:
            term = scope.pick(("np.sum(np.tanh({}))", "np.mean(np.cos({}))")).format(name)
        value += f" + {term}"
    return value


def early_return(scope: Scope) -> list:
    return [f"if {condition(scope)}:"] + indent([returned(scope)])
