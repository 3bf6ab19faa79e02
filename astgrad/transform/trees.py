"""Fast forms of what the passes do to trees most often: `walk` (`ast.walk`'s order,
as a list, without the expression contexts `Load` and `Store` and the operators, which
hold no names),
`loads` (the names it reads, as a set; `mentions`: every name, and the calls),
`outline` and `statements` (the same, not entering expressions), `named` (the nodes
of a name, with their parents; `named_each`, of several), `fix_locations` (`ast.fix_missing_locations`),
`copy_tree` (`copy.deepcopy` for trees) and `substitute` (an `ast.NodeTransformer`
that replaces names). Each gives what the standard one gives, a few times faster.
And `stored`: the targets of the statements, without a walk of their expressions
(`written_into`: the names written into through a subscript);
`instantiate`: `copy_tree` and `substitute` in one walk.
"""
from __future__ import annotations

import ast
import copy

_FIELDS: dict[type, tuple[str, ...]] = {}
# Fields that never hold a node: names, flags, constants (and `ctx`, see above).
_LEAVES = frozenset({"ctx", "id", "attr", "name", "arg", "asname", "module", "level", "kind",
                     "type_comment", "conversion", "is_async", "simple", "tag", "text"})
_LEAF_FIELDS = {ast.Constant: {"value"}, ast.MatchSingleton: {"value"},
                ast.MatchMapping: {"rest"}}


def fields(node: ast.AST) -> tuple[str, ...]:
    """The fields of `node` that may hold nodes, in order (its context left out)."""
    out = _FIELDS.get(node.__class__)
    if out is None:
        out = _FIELDS[node.__class__] = _node_fields(node.__class__)
    return out


def _node_fields(cls) -> tuple[str, ...]:
    leaves = _LEAVES.union(*(f for c, f in _LEAF_FIELDS.items() if issubclass(cls, c)))
    return tuple(f for f in cls._fields if f not in leaves)


_PARTS: dict[type, tuple[str, ...]] = {}
PARTS = _PARTS      # `parts` of each node class met so far (a walk's own loop reads it)
_OPERATORS = frozenset({"op", "ops"})    # `+`, `not`, `==`...: nodes that hold nothing


def parts(node: ast.AST) -> tuple[str, ...]:
    """`fields`, without those of the operators (`BinOp.op`, `Compare.ops`...): for a
    walk that looks for names, calls and statements, which no operator holds."""
    out = _PARTS.get(node.__class__)
    if out is None:
        out = _PARTS[node.__class__] = tuple(f for f in fields(node) if f not in _OPERATORS)
    return out


def walk(node: ast.AST) -> list[ast.AST]:
    """`node` and every node under it, as `ast.walk` gives them, contexts and operators
    (`+`, `==`, `not`: see `parts`) left out.

    The list is made before it is returned: a caller that changes the tree while
    looping over it sees the tree as it was."""
    out, AST = [node], ast.AST
    append = out.append
    for item in out:                      # the list grows as it is read: breadth first
        names = _PARTS.get(item.__class__)
        if names is None:
            names = parts(item)
        for field in names:
            value = getattr(item, field, None)
            if value.__class__ is list:
                for part in value:
                    if isinstance(part, AST):
                        append(part)
            elif isinstance(value, AST):
                append(value)
    return out


def loads(node: ast.AST) -> set[str]:
    """The names read in `node`: the `Name`s of `walk(node)` that load."""
    Name, Load = ast.Name, ast.Load
    return {item.id for item in walk(node)
            if item.__class__ is Name and item.ctx.__class__ is Load}


def mentions(node: ast.AST) -> tuple[set[str], list[ast.Call]]:
    """The names `node` mentions (read or written) and its calls, in `walk`'s order."""
    out, calls, Name, Call = set(), [], ast.Name, ast.Call
    for item in walk(node):
        cls = item.__class__
        if cls is Name:
            out.add(item.id)
        elif cls is Call:
            calls.append(item)
    return out, calls


def outline(node: ast.AST) -> list[ast.AST]:
    """`walk`, not entering expressions (which hold no statements): the statements and
    their other parts (arguments, handlers...), in `walk`'s order."""
    out, AST, expr = [node], ast.AST, ast.expr
    append = out.append
    for item in out:
        names = _PARTS.get(item.__class__)
        for field in names if names is not None else parts(item):
            value = getattr(item, field, None)
            if value.__class__ is list:
                for part in value:
                    if isinstance(part, AST) and not isinstance(part, expr):
                        append(part)
            elif isinstance(value, AST) and not isinstance(value, expr):
                append(value)
    return out


def statements(node: ast.AST) -> list[ast.stmt]:
    """Every statement in `node` (itself too, if it is one), in `walk`'s order."""
    if node.__class__ in _SIMPLE:
        return [node]                     # (most often: no statement in it)
    return [n for n in outline(node) if isinstance(n, ast.stmt)]


# The fields of a statement (or its part) that hold what it stores into.
_TARGETS = {ast.Assign: ("targets",), ast.AugAssign: ("target",), ast.AnnAssign: ("target",),
            ast.For: ("target",), ast.AsyncFor: ("target",), ast.withitem: ("optional_vars",)}


def stored(node: ast.AST) -> list[ast.AST]:
    """Every node of the targets of the statements in `node` (what they store into and
    the parts of it: `x[i] = v` gives `x[i]`, `x` and `i`). A comprehension's target is
    not among them: by the time the passes ask, `hoist` has written comprehensions as
    loops (and the comprehensions the compiler writes itself store into names)."""
    out = []
    for part in outline(node):
        for field in _TARGETS.get(part.__class__, ()):
            value = getattr(part, field, None)
            for target in value if value.__class__ is list else (value,):
                if target is not None:
                    out.extend(walk(target))
    return out


def written_into(stmts: list[ast.stmt]) -> set[str]:
    """The names `x` of every `x[...] = v` and `x[...] += v` in `stmts`: the `Subscript`s
    of `stored` whose base is a name, without an outline of each simple statement."""
    out = set()
    for stmt in stmts:
        for part in (stmt,) if stmt.__class__ in _SIMPLE else outline(stmt):
            for field in _TARGETS.get(part.__class__, ()):
                value = getattr(part, field, None)
                for target in value if value.__class__ is list else (value,):
                    if target is None or target.__class__ is ast.Name:
                        continue             # (a name has no subscript in it)
                    out.update(n.value.id for n in walk(target) if isinstance(n, ast.Subscript)
                               and isinstance(n.ctx, ast.Store)
                               and isinstance(n.value, ast.Name))
    return out


_SIMPLE = frozenset({ast.Assign, ast.Expr, ast.Return})   # `outline` gives them alone


def named(node: ast.AST, name: str) -> list[tuple[ast.Name, ast.AST]]:
    """Every `Name` node `name` under `node`, in `walk`'s order, with its parent (a node
    met twice, with the last parent it is met under), in one walk."""
    return named_each(node, (name,)).get(name, [])


def named_each(node: ast.AST, names) -> dict[str, list[tuple[ast.Name, ast.AST]]]:
    """`named` for each of `names` met under `node`, in one walk."""
    out, parents, AST = {}, {}, ast.AST
    queue = [node]
    append = queue.append
    for item in queue:
        for field in parts(item):
            value = getattr(item, field, None)
            for child in value if value.__class__ is list else (value,):
                if isinstance(child, AST):
                    append(child)
                    if child.__class__ is ast.Name and child.id in names:
                        parents[id(child)] = item
                        out.setdefault(child.id, []).append(child)
    return {k: [(n, parents[id(n)]) for n in v] for k, v in out.items()}


def fix_locations(node: ast.AST) -> ast.AST:
    """`ast.fix_missing_locations`: each node without a position takes its parent's, in
    the same order (depth first), without the standard one's per-node generators."""
    stack, AST = [(node, 1, 0, 1, 0)], ast.AST
    append = stack.append
    while stack:
        item, lineno, col, end_lineno, end_col = stack.pop()
        attributes = item._attributes
        if attributes is _EXPR_POSITIONS or attributes is _STMT_POSITIONS:   # most often:
            found = item.__dict__        # (a node's positions are in its `__dict__`, the
            if "lineno" in found:        # end ones None on its class where not set)
                lineno = found["lineno"]
            else:
                item.lineno = lineno
            if found.get("end_lineno") is None:
                item.end_lineno = end_lineno
            else:
                end_lineno = found["end_lineno"]
            if "col_offset" in found:
                col = found["col_offset"]
            else:
                item.col_offset = col
            if found.get("end_col_offset") is None:
                item.end_col_offset = end_col
            else:
                end_col = found["end_col_offset"]
        elif attributes:
            lineno, col, end_lineno, end_col = _fix_positions(
                item, attributes, lineno, col, end_lineno, end_col)
        names = _PARTS.get(item.__class__) or parts(item)
        for field in reversed(names):     # pushed last first: popped in their order
            value = getattr(item, field, None)
            if value.__class__ is list:
                for v in reversed(value):
                    if isinstance(v, AST):
                        append((v, lineno, col, end_lineno, end_col))
            elif isinstance(value, AST):
                append((value, lineno, col, end_lineno, end_col))
    return node


_EXPR_POSITIONS, _STMT_POSITIONS = ast.expr._attributes, ast.stmt._attributes


def _fix_positions(item, attributes, lineno, col, end_lineno, end_col) -> tuple:
    """`fix_locations` for one node of other attributes (`arg`, `keyword`, ...): each
    position it lacks is its parent's; the positions it has pass to its children."""
    given = [lineno, col, end_lineno, end_col]
    for k, name in enumerate(("lineno", "col_offset", "end_lineno", "end_col_offset")):
        if name in attributes:
            have = getattr(item, name, None)
            if have is None:
                setattr(item, name, given[k])
            else:
                given[k] = have
    return tuple(given)


_ATOMS = frozenset({str, int, float, complex, bool, type(None), bytes, type(Ellipsis)})


def copy_tree(node, memo: dict | None = None):
    """`copy.deepcopy(node)` for a tree: a new node of each class with its attributes
    copied, a node met twice copied once, constants shared (they are immutable)."""
    return _copy(node, {} if memo is None else memo)


def _copy(value, memo):
    cls = value.__class__
    if cls in _ATOMS:
        return value
    done = memo.get(id(value))
    if done is not None:
        return done
    if cls is list:
        new = memo[id(value)] = []
        new.extend([v if v.__class__ in _ATOMS else _copy(v, memo) for v in value])
        return new
    if isinstance(value, ast.AST):
        new = memo[id(value)] = cls.__new__(cls)
        new.__dict__.update({k: v if v.__class__ in _ATOMS else _copy(v, memo)
                             for k, v in value.__dict__.items()})
        return new
    return copy.deepcopy(value, memo)


def instantiate(node, values: dict):
    """`substitute(copy_tree(node), values, reads_only=False)` in one walk: a copy of
    `node` with every name of `values` (read or written) a copy of its value, located where
    the name was (what a rule's template becomes for one call)."""
    return _instance(node, values, {})


def _instance(value, values, memo):
    cls = value.__class__
    if cls in _ATOMS:
        return value
    if cls is ast.Name and value.id in values:
        return ast.copy_location(copy_tree(values[value.id]), value)
    done = memo.get(id(value))
    if done is not None:
        return done
    if cls is list:
        new = memo[id(value)] = []
        new.extend([_instance(v, values, memo) for v in value])
        return new
    if isinstance(value, ast.AST):
        new = memo[id(value)] = cls.__new__(cls)
        new.__dict__.update({k: v if v.__class__ in _ATOMS else _instance(v, values, memo)
                             for k, v in value.__dict__.items()})
        return new
    return copy.deepcopy(value, memo)


def substitute(tree, values: dict, reads_only: bool = True):
    """`tree` with every name of `values` (read, or also written unless `reads_only`)
    replaced by a copy of its value, located where the name was, in place; the copies
    are not searched again. Returns `tree`, or its replacement if it is such a name."""
    if _replaced(tree, values, reads_only):
        return ast.copy_location(copy_tree(values[tree.id]), tree)
    stack, AST = [tree], ast.AST
    while stack:
        node = stack.pop()
        for field in parts(node):             # (no name under an operator)
            item = getattr(node, field, None)
            if item.__class__ is list:
                for i, part in enumerate(item):
                    if _replaced(part, values, reads_only):
                        item[i] = ast.copy_location(copy_tree(values[part.id]), part)
                    elif isinstance(part, AST):
                        stack.append(part)
            elif _replaced(item, values, reads_only):
                setattr(node, field, ast.copy_location(copy_tree(values[item.id]), item))
            elif isinstance(item, AST):
                stack.append(item)
    return tree


def _replaced(node, values, reads_only) -> bool:
    return node.__class__ is ast.Name and node.id in values \
        and (not reads_only or node.ctx.__class__ is ast.Load)


def rewrite_blocks(stmts: list[ast.stmt], rewrite) -> None:
    """Replace, in every block (inner blocks first), each statement `rewrite(stmt)`
    gives a list of statements for; the new ones take its position in the source."""
    i = 0
    while i < len(stmts):
        stmt = stmts[i]
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                rewrite_blocks(inner, rewrite)
        for handler in getattr(stmt, "handlers", []):
            rewrite_blocks(handler.body, rewrite)
        made = rewrite(stmt)
        if made is not None:
            for node in made:
                for child in ast.walk(node):
                    if hasattr(child, "lineno") or isinstance(child, (ast.stmt, ast.expr)):
                        ast.copy_location(child, stmt)
            stmts[i:i + 1] = made
            i += len(made) - 1
        i += 1


def dump_key(node) -> tuple:
    """A key two trees share exactly when `ast.dump` prints them alike (their classes,
    fields and literals; not their positions), made without `ast.dump`'s closure, which
    leaves one reference cycle per call for the collector."""
    cls = node.__class__
    if cls is ast.Name:
        return (cls, node.id, node.ctx.__class__)
    if cls is ast.Constant:
        value = node.value
        return (cls, value.__class__, repr(value))
    out = [cls]
    for field in cls._fields:
        value = getattr(node, field, None)
        if value.__class__ is list:
            out.append(tuple(dump_key(v) if isinstance(v, ast.AST) else v for v in value))
        elif isinstance(value, ast.AST):
            out.append(dump_key(value))
        else:
            out.append(value)
    return tuple(out)
