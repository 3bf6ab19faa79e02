"""Copy propagation and the inlining of temporaries work in one walk each; this checks
them against the rewrite they replace, one copy (one temporary) at a time until none is
left, on random programs with chains, effects, in-place writes, branches, loops and a
nested `pullback`."""
import ast
import copy
import random

import pytest

from astgrad.transform.optimize import copies, inline_temps
from astgrad.transform.optimize.analyses import constant, pure, pure_statement, \
    single_target, targets, top_blocks


# -- the rewrites one at a time, on analyses written with ast.walk --------------------------
def _counts(fn):
    defs, uses = {}, {}
    for node in ast.walk(fn):
        if isinstance(node, ast.Name):
            table = uses if isinstance(node.ctx, ast.Load) else defs
            table[node.id] = table.get(node.id, 0) + 1
        elif isinstance(node, ast.arg):
            defs[node.arg] = defs.get(node.arg, 0) + 1
    return defs, uses


def _once(fn, sharing=True):
    top = {id(s) for block in top_blocks(fn) for s in block}
    out, elsewhere, changed = set(), set(), set()
    for node in ast.walk(fn):
        bound = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, (ast.For, ast.AugAssign)) else []
        for target in bound:
            for n in ast.walk(target):
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                    (out if id(node) in top else elsewhere).add(n.id)
            if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) \
                    and not isinstance(node, ast.For):
                changed.add(target.value.id)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in ("append", "pop") and isinstance(node.func.value, ast.Name):
            changed.add(node.func.value.id)
    args = {a.arg for a in ast.walk(fn) if isinstance(a, ast.arg)}
    # copies: nor a name sharing an array with one changed (`w = x; x[0] = v`), whose copy
    # read later would see the write; a temporary is inlined only across statements with
    # no effect, so a name changed elsewhere is all that counts there
    return (out | args) - elsewhere - (_sharing(fn, changed) if sharing else changed)


def _sharing(fn, changed):
    """`changed` and the names that are, or are items or views of, one of them, or that
    one of them is (`t = y` or `t = y[1:]`): a write into one shows in the others."""
    made = []
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name):
            base = node.value
            while isinstance(base, ast.Subscript):
                base = base.value
            if isinstance(base, ast.Name):
                made.append((node.targets[0].id, base.id))
    out, grew = set(changed), True
    while grew:
        grew = False
        for target, source in made:
            if (target in out) != (source in out):
                out |= {target, source}
                grew = True
    return out


def _names(node):
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


class _Put(ast.NodeTransformer):
    def __init__(self, name, value):
        self.name, self.value = name, value

    def visit_Name(self, node):
        if node.id == self.name and isinstance(node.ctx, ast.Load):
            return ast.copy_location(copy.deepcopy(self.value), node)
        return node


def _copy_once(fn):
    defs, _ = _counts(fn)
    once = _once(fn)
    for block in top_blocks(fn):
        for i, stmt in enumerate(block):
            name = single_target(stmt)
            if name is None or defs.get(name) != 1 or name not in once:
                continue
            value = stmt.value
            if constant(value)[0] or isinstance(value, ast.Name) \
                    and defs.get(value.id, 0) <= 1 \
                    and (value.id in once or defs.get(value.id, 0) == 0):
                del block[i]
                _Put(name, value).visit(fn)
                return True
    return False


def _inline_once(fn, temps):
    defs, uses = _counts(fn)
    once = _once(fn, sharing=False)
    for block in top_blocks(fn):
        for i, stmt in enumerate(block):
            name = single_target(stmt)
            if name not in temps or defs.get(name) != 1 or uses.get(name) != 1:
                continue
            if not pure(stmt.value) or any(r not in once for r in _names(stmt.value)
                                           if defs.get(r, 0) > 0):
                continue
            read = _names(stmt.value)
            for later in block[i + 1:]:
                if read & set(targets(later)):       # it would read a new value of one
                    break
                if name in _names(later):
                    if not isinstance(later, (ast.FunctionDef, ast.If, ast.For, ast.While)):
                        del block[i]
                        _Put(name, stmt.value).visit(later)
                        return True
                    break
                if not pure_statement(later):
                    break
    return False


# -- random programs ------------------------------------------------------------------------
def _program(rng: random.Random) -> tuple[str, set[str]]:
    temps, lines = set(), []

    def block(indent, known, count, top):
        for _ in range(count):
            pick = rng.random()
            a, b = rng.choice(known), rng.choice(known)
            t = f"t{len(temps)}"
            if rng.random() < 0.08:              # read before written (a later temporary)
                a = f"t{len(temps) + rng.randint(1, 3)}"
            if pick < 0.06:                      # a copy written into: `x[0] = b` once inlined
                temps.add(t)
                lines.extend([f"{indent}{t} = {a}", f"{indent}{t}[0] = {b}"])
                continue
            if pick < 0.35:
                stmt = f"{t} = np.sin({a}) * {b}"
            elif pick < 0.5:
                stmt = f"{t} = {a}"
            elif pick < 0.58:
                stmt = f"{t} = {rng.choice(['2.0', '-1.5', '(1, 2)'])}"
            elif pick < 0.66:
                lines.append(f"{indent}print({a})")
                continue
            elif pick < 0.72:
                lines.append(f"{indent}{a}[0] = {b}")
                continue
            elif pick < 0.76:
                lines.append(f"{indent}{a}.append({b})")
                continue
            elif pick < 0.84 and top:
                lines.append(f"{indent}if {a}:")
                block(indent + "    ", list(known), rng.randint(1, 3), False)
                continue
            elif pick < 0.9 and top:
                lines.append(f"{indent}for i in range(2):")
                block(indent + "    ", list(known), rng.randint(1, 3), False)
                continue
            else:
                stmt = f"{t} = {a} + {b} + {rng.choice(known)}"
            temps.add(t)
            lines.append(indent + stmt)
            known.append(t)

    lines.append("def f(x, y):")
    known = ["x", "y"]
    block("    ", known, rng.randint(4, 14), True)
    lines.append("    def pullback(g):")
    inner = known + ["g"]
    block("        ", inner, rng.randint(3, 10), True)
    lines.append(f"        return {' + '.join(rng.sample(inner, 3))}")
    lines.append(f"    return {' + '.join(rng.sample(known, min(3, len(known))))}, pullback")
    return "\n".join(lines), temps


@pytest.mark.parametrize("seed", range(200))
def test_one_walk_does_what_one_at_a_time_does(seed):
    rng = random.Random(seed)
    text, temps = _program(rng)
    temps = {t for t in sorted(temps) if rng.random() < 0.8}   # not in hash order
    one_walk, reference = (ast.parse(text).body[0] for _ in range(2))
    assert copies.propagate_copies(one_walk) == _copy_once(reference)
    while _copy_once(reference):
        pass
    assert ast.unparse(one_walk) == ast.unparse(reference), text
    assert inline_temps.inline_temps(one_walk, temps) == _inline_once(reference, temps)
    while _inline_once(reference, temps):
        pass
    assert ast.unparse(one_walk) == ast.unparse(reference), text
