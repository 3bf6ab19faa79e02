"""Numbers gathered: in the value of an adjoint, the numbers a product of arrays is
multiplied or divided by (a seed `1.0 / n`, a literal, a sign) are multiplied together
first, and meet the arrays once; two adjacent contributions to one adjoint with the same
numbers (up to sign) are added before they meet them.

    before                                   after (_1, y, p arrays; b4, b11 floats)
    bx = 3 * _1 * b4                         bx = 6 * b4 * _1
    bx = bx + 3 * (b4 * _1)
    bp = -((1 - y) * b11 / (1 - p))          bp = b11 * (y / p - (1 - y) / (1 - p))
    bp = bp + y * b11 / p
    ba = np.sum(-b8 * y / a ** 2)            ba = np.sum(b8 * y / -a ** 2)
    bw = lam / (2 * _3) * 2 * w              bw = lam * (w / _3)

(whole-number literals are multiplied out, cancelled above and below the line, and a 1
dropped; `a` is a float there).

Each product of arrays costs a pass over them and a new array; a product of numbers
costs nothing to speak of. The value is the same product, rounded in another order, so
only the value of an adjoint is rewritten (a derivative, never a value the function
returns or tests), and only where every factor's kind is known: the arrays floating, the
numbers 0-d and floating or Python ints (a product of NumPy integers could wrap where
each met a float before), and nothing called that has an effect.
A rewrite is made only where it leaves fewer operations on arrays.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field

from ..trees import dump_key, parts
from .analyses import Facts, Survey, blocks, constant, counts, names, number, pure, \
    pure_statement, single_target, survey, targets


@dataclass
class _Product:
    """`sign * prod(numbers) * prod(arrays) / (prod(number_den) * prod(array_den))`."""

    negative: bool = False
    numbers: list = field(default_factory=list)
    number_den: list = field(default_factory=list)
    arrays: list = field(default_factory=list)
    array_den: list = field(default_factory=list)
    array_ops: int = 0             # operations on arrays in the expression as written

    def coefficient_key(self) -> tuple:
        return (tuple(map(dump_key, self.numbers)), tuple(map(dump_key, self.number_den)))

    def arrays_key(self) -> tuple:
        return (tuple(map(dump_key, self.arrays)), tuple(map(dump_key, self.array_den)))


def gather_numbers(fn: ast.FunctionDef, facts: Facts, adjoints: set[str],
                   known: Survey | None = None) -> bool:
    """Rewrite, in place, the adjoints' values the module docstring describes; True if any
    (`known`: the survey of `fn` as it is, if made since it last changed)."""
    changed = False
    known = known or survey(fn)
    negated = _negated_names(fn, facts, known.defs)
    for block in blocks(fn):
        for stmt in block:
            if single_target(stmt) in adjoints and pure(stmt.value):
                changed |= _unnegate_products(stmt.value, negated, facts)
                new = _gathered(stmt.value, facts)
                if new is not None:
                    stmt.value, changed = new, True
        changed |= _merge_adjacent(block, facts, adjoints)
    defs, uses = counts(fn) if changed else (known.defs, known.uses)
    for block in blocks(fn):
        changed |= _fold_read_once(block, facts, adjoints, defs, uses)
    return changed


# -- one product --------------------------------------------------------------------------
def _flatten(node, facts: Facts) -> _Product | None:
    """The factors of a product of `*`, `/` and unary `-`; None where a factor's kind is not
    one the rewrite may reorder."""
    out = _Product()
    if not _walk(node, facts, out, False):
        return None
    return out


def _walk(node, facts, out: _Product, below: bool) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        out.negative = not out.negative
        out.array_ops += _is_array(node, facts)
        return _walk(node.operand, facts, out, below)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Div)):
        out.array_ops += _is_array(node, facts)
        if not _walk(node.left, facts, out, below):
            return False
        return _walk(node.right, facts, out, below != isinstance(node.op, ast.Div))
    kind = facts.kind(node)
    if kind.ndim == 0 and (kind.dtype in ("f", "c") or kind.py and kind.dtype == "i"):
        (out.number_den if below else out.numbers).append(node)
        return True
    if kind.ndim is not None and kind.ndim > 0 and kind.dtype in ("f", "c"):
        (out.array_den if below else out.arrays).append(node)
        return True
    return False


def _is_array(node, facts) -> bool:
    kind = facts.kind(node)
    return kind.ndim is None or kind.ndim > 0


def _ops_after(p: _Product) -> int:
    """Operations on arrays in the product written with its numbers gathered."""
    arrays = len(p.arrays) + len(p.array_den)
    coefficient = bool(p.numbers or p.number_den or p.negative)
    return arrays - 1 + coefficient if p.arrays else arrays


def _gathered(node, facts: Facts) -> ast.expr | None:
    """`node` (and the products inside it) with numbers gathered, or None if unchanged."""
    p = _flatten(node, facts) if isinstance(node, (ast.BinOp, ast.UnaryOp)) else None
    if p is not None and (p.arrays or p.array_den) and _ops_after(p) < p.array_ops \
            and _ops_after(p) > 0:
        return _write(p)
    changed = False
    for name in parts(node):                  # (no expression under a context or operator)
        value = getattr(node, name, None)
        if isinstance(value, list):
            for i, item in enumerate(value):
                new = _gathered(item, facts) if isinstance(item, ast.expr) else None
                if new is not None:
                    value[i], changed = new, True
        elif isinstance(value, ast.expr):
            new = _gathered(value, facts)
            if new is not None:
                setattr(node, name, new)
                changed = True
    return node if changed else None


def _chain(items: list, op) -> ast.expr:
    out = items[0]
    for item in items[1:]:
        out = ast.BinOp(out, op, item)
    return out


def _coefficient(p: _Product, negative: bool) -> ast.expr | None:
    """The numbers as one: `-(a * b) / c`; None for 1."""
    _reduce(p)
    if not p.numbers and not p.number_den and not negative:
        return None
    top = _chain(p.numbers, ast.Mult()) if p.numbers else ast.Constant(1.0)
    if negative:
        top = ast.UnaryOp(ast.USub(), top)
    return ast.BinOp(top, ast.Div(), _chain(p.number_den, ast.Mult())) if p.number_den \
        else top


def _reduce(p: _Product) -> None:
    """Literal factors worked out where that is exact: each int literal the numerator and
    the denominator both have is cancelled, the int literals of each are multiplied into
    one, and a literal 1 goes (the arrays are floating, so the product is a float without
    it): `lam * 2 / 2 * e` is `lam * e`, `1.0 * 2 * 3 * e` is `6 * e`."""
    if not p.arrays and not p.array_den:
        return
    numbers, den = _literal_ints(p.numbers), _literal_ints(p.number_den)
    for k in list(numbers):
        while k in numbers and k in den:
            numbers.remove(k)
            den.remove(k)
    p.numbers = _with_product(p.numbers, numbers)
    p.number_den = _with_product(p.number_den, den)


def _literal_ints(nodes: list) -> list[int]:
    return [v for v in map(_literal_int, nodes) if v is not None]


def _literal_int(node) -> int | None:
    """The value of a literal that is a whole number (`2`, `2.0`, `1.0`), else None."""
    ok, v = constant(node)
    if ok and type(v) in (int, float) and v == v and abs(v) < 2 ** 31 and v == int(v):
        return int(v)
    return None


def _with_product(nodes: list, ints: list[int]) -> list:
    """`nodes` less its whole-number literals, with their product `ints` in front (none
    for 1)."""
    rest, whole = [], []
    for n in nodes:
        (rest if _literal_int(n) is None else whole).append(n)
    product = 1
    for k in ints:
        product *= k
    if any(v.__class__ is float and abs(v) != 1 for v in (constant(n)[1] for n in whole)):
        product = float(product)    # written as the literals were (a seed's 1.0 aside)
    return rest if product == 1 else [number(product)] + rest


def _array_part(p: _Product) -> ast.expr:
    out = _chain(p.arrays, ast.Mult())
    for den in p.array_den:
        out = ast.BinOp(out, ast.Div(), den)
    return out


def _write(p: _Product, negative: bool | None = None) -> ast.expr:
    negative = p.negative if negative is None else negative
    coefficient = _coefficient(p, negative)
    if not p.arrays:                             # numbers over arrays: `c / (a * b)`
        top = coefficient if coefficient is not None else ast.Constant(1.0)
        return ast.BinOp(top, ast.Div(), _chain(p.array_den, ast.Mult()))
    arrays = _array_part(p)
    if not p.numbers and p.number_den:           # `a * b / -c`: a division stays one
        den = _chain(p.number_den, ast.Mult())
        return ast.BinOp(arrays, ast.Div(), ast.UnaryOp(ast.USub(), den) if negative else den)
    return arrays if coefficient is None else ast.BinOp(coefficient, ast.Mult(), arrays)


# -- two contributions in a row -------------------------------------------------------------
def _merge_adjacent(block: list, facts: Facts, adjoints: set[str]) -> bool:
    """`b = e1` followed by `b = b + e2` (or `- e2`) where e1 and e2 share their numbers
    or their arrays: one statement."""
    changed, i = False, 0
    while i + 1 < len(block):
        new = _merged(block[i], block[i + 1], facts, adjoints)
        if new is not None:
            block[i + 1].value = new
            del block[i]
            changed = True
        else:
            i += 1
    return changed


def _merged(first, second, facts: Facts, adjoints: set[str]) -> ast.expr | None:
    name = single_target(first)
    if name not in adjoints or single_target(second) != name or not pure(first.value) \
            or not pure(second.value):
        return None
    value = second.value
    if not (isinstance(value, ast.BinOp) and isinstance(value.op, (ast.Add, ast.Sub))
            and isinstance(value.left, ast.Name) and value.left.id == name):
        return None
    if any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(first.value)) \
            or any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(value.right)):
        return None
    one, two = _flatten(first.value, facts), _flatten(value.right, facts)
    if one is None or two is None or not one.arrays or not two.arrays \
            or not facts.floating(first.value):
        return None
    subtract = isinstance(value.op, ast.Sub)
    two_negative = two.negative != subtract
    if one.arrays_key() == two.arrays_key() and one.coefficient_key() == two.coefficient_key():
        if one.negative != two_negative:
            return None                          # `e - e`: left as written
        one.numbers.insert(0, ast.Constant(2))
        return _write(one)
    if one.coefficient_key() != two.coefficient_key() or not (one.numbers or one.number_den):
        return None
    a, b = _array_part(one), _array_part(two)
    if one.negative == two_negative:             # c * (a + b), or -c * (a + b)
        sum_ = ast.BinOp(a, ast.Add(), b)
        negative = one.negative
    elif not one.negative:                       # c * (a - b)
        sum_, negative = ast.BinOp(a, ast.Sub(), b), False
    else:                                        # -c*a + c*b = c * (b - a)
        sum_, negative = ast.BinOp(b, ast.Sub(), a), False
    return ast.BinOp(_coefficient(one, negative), ast.Mult(), sum_)


# -- an adjoint read once, by a product ------------------------------------------------------
def _fold_read_once(block: list, facts: Facts, adjoints: set[str], defs, uses) -> bool:
    """`b = c * e` read once, later in the block, as a factor of another adjoint's product
    (`bw = -b / d * f`): written there, where its number meets the other's
    (`bw = -c * (e / d * f)`), if that leaves fewer operations on arrays."""
    changed, i = False, 0
    while i < len(block):
        name = single_target(block[i])
        if name in adjoints and defs.get(name) == 1 and uses.get(name) == 1 \
                and pure(block[i].value) and _fold(block, i, name, facts, adjoints):
            del block[i]
            changed = True
        else:
            i += 1
    return changed


def _fold(block, i, name, facts, adjoints) -> bool:
    value, read = block[i].value, names(block[i].value)
    one = _flatten(value, facts)
    if one is None or not one.arrays or not (one.numbers or one.number_den or one.negative):
        return False
    for later in block[i + 1:]:
        if name in names(later):
            break
        if not pure_statement(later) or set(targets(later)) & read:
            return False
    else:
        return False
    if single_target(later) not in adjoints or not pure(later.value):
        return False
    parent, field, product = _product_around(later, name)
    two = _flatten(product, facts) if product is not None else None
    if two is None:
        return False
    for node in ast.walk(product):
        for f, child in ast.iter_fields(node):
            if isinstance(child, ast.Name) and child.id == name:
                setattr(node, f, value)
    both = _flatten(product, facts)
    if both is None or _ops_after(both) >= one.array_ops + two.array_ops:
        for node in ast.walk(product):          # put the name back
            for f, child in ast.iter_fields(node):
                if child is value:
                    setattr(node, f, ast.Name(name, ast.Load()))
        return False
    _put(parent, field, _write(both))
    return True


def _product_around(stmt, name):
    """(parent, where in it, the largest product of `*`, `/`, `-` holding the read of
    `name` as a factor), or None for the last two. `where` is a field, or (field, index)."""
    parents = {}
    for node in ast.walk(stmt):
        for f, child in ast.iter_fields(node):
            for k, item in enumerate(child) if isinstance(child, list) else [(None, child)]:
                if isinstance(item, ast.AST):
                    parents[id(item)] = (node, f if k is None else (f, k))
    node = next(n for n in ast.walk(stmt.value) if isinstance(n, ast.Name) and n.id == name)
    top = None
    while id(node) in parents:
        parent = parents[id(node)][0]
        if not (isinstance(parent, ast.BinOp) and isinstance(parent.op, (ast.Mult, ast.Div))
                or isinstance(parent, ast.UnaryOp) and isinstance(parent.op, ast.USub)):
            break
        node = top = parent
    if top is None:
        return None, None, None
    parent, where = parents[id(top)]
    return parent, where, top


def _put(parent, where, new) -> None:
    if isinstance(where, tuple):
        getattr(parent, where[0])[where[1]] = new
    else:
        setattr(parent, where, new)


# -- a negated operand of `@` ------------------------------------------------------------------
def _negated_names(fn, facts: Facts, defs: dict[str, int]) -> dict[str, str]:
    """`{n: m}` for every `n = -m` at the top of the function (both assigned once, `m` a
    floating array), so `g @ n` in an adjoint may read `-(g @ m)` and `n` need not be kept
    (`defs`: how often each name is bound)."""
    out = {}
    for stmt in fn.body:
        name, value = single_target(stmt), getattr(stmt, "value", None)
        if name is not None and defs.get(name) == 1 and isinstance(value, ast.UnaryOp) \
                and isinstance(value.op, ast.USub) and isinstance(value.operand, ast.Name) \
                and value.operand.id in facts.once and name in facts.once \
                and facts.kind(value.operand).dtype in ("f", "c") \
                and (facts.kind(value.operand).ndim or 0) >= 1:
            out[name] = value.operand.id
    return out


def _unnegate_products(value, negated: dict[str, str], facts: Facts) -> bool:
    """`g @ n` (`n = -m`) -> `-g @ m`, the sign gathered with `g`'s numbers: exact."""
    changed = False
    for node in ast.walk(value):
        if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult)):
            continue
        for side, other in (("right", "left"), ("left", "right")):
            operand = getattr(node, side)
            if isinstance(operand, ast.Name) and operand.id in negated:
                setattr(node, side, ast.Name(negated[operand.id], ast.Load()))
                setattr(node, other, _minus(getattr(node, other), facts))
                changed = True
    return changed


def _minus(node, facts: Facts) -> ast.expr:
    p = _flatten(node, facts) if isinstance(node, (ast.BinOp, ast.UnaryOp)) else None
    if p is not None and (p.arrays or p.array_den):
        return _write(p, not p.negative)
    return ast.UnaryOp(ast.USub(), node)
