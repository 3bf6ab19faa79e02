"""What a call binds to the parameters of a user's function being inlined: its
arguments by position and keyword, each default, a tuple for `*args`, and the
keywords `**kwargs` holds.

Output guarantee of `bind_call`: one value per named parameter, in order, or an
`UnsupportedSyntaxError` naming the call. `starred` rewrites the callee's reads
`kwargs["k"]`, `kwargs.get("k", d)` and `"k" in kwargs` into parameters of their own
or constants (the callee is a copy, ours to rewrite). `nested_defaults` gives a nested
`def`'s defaults, and `Partial` is a `functools.partial` made in the function.
"""
from __future__ import annotations

import ast
import copy
from dataclasses import dataclass

from ..errors import UnsupportedSyntaxError
from .build import parameters


@dataclass
class Partial:
    """`functools.partial(fn, *args, **keywords)` bound to a name in the function: a
    call of the name calls `fn` (a nested `def`, a name for a function, another
    `Partial`) with these atoms first, then the call's own arguments."""

    fn: object
    args: list
    keywords: dict

    def lowered(self, atom) -> "Partial":
        """This partial with its arguments lowered by `atom`, as they are where it is made."""
        return Partial(self.fn, [atom(a) for a in self.args],
                       {k: atom(v) for k, v in self.keywords.items()})

    def call(self, args: list, keywords: dict) -> tuple[list, dict]:
        return self.args + list(args), {**self.keywords, **keywords}


class Keywords(ast.Dict):
    """The keywords a `**kwargs` parameter holds, known where the call is written."""

    def __init__(self, keywords: dict):
        super().__init__(keys=[], values=[])
        self.keywords = keywords


def bind_call(params, args, keywords, defaults, name, where) -> list[ast.expr]:
    """The value of each parameter, in order: by position, by keyword, or its default."""
    if len(args) > len(params):
        raise UnsupportedSyntaxError(f"`{name}` takes {len(params)} arguments, "
                                     f"{len(args)} given.", where)
    values = dict(zip(params, args))
    for key, value in keywords.items():
        if key not in params or key in values:
            raise UnsupportedSyntaxError(f"`{name}` got an unexpected or repeated argument "
                                         f"`{key}`.", where)
        values[key] = value
    out = []
    for p in params:
        if p in values:
            out.append(values[p])
        elif defaults.get(p) is not None:
            out.append(copy.deepcopy(defaults[p]))
        else:
            raise UnsupportedSyntaxError(
                f"the call to `{name}` gives no value for `{p}` (or its default is not a "
                f"number, string, tuple or None).", where)
    return out


def nested_defaults(fn: ast.FunctionDef) -> dict:
    """Each default of a nested `def` (or lambda): its node, which `syntax` checked
    means the same where the call is as where the `def` is (a constant, a function
    named at module level, `np.tanh`)."""
    spec = fn.args
    positional = spec.posonlyargs + spec.args
    out = {a.arg: d for a, d in zip(positional[len(positional) - len(spec.defaults):],
                                    spec.defaults)}
    out.update({a.arg: d for a, d in zip(spec.kwonlyargs, spec.kw_defaults) if d is not None})
    return out


def starred(tree: ast.FunctionDef, args: list, keywords: dict, where):
    """A call's arguments for a callee taking `*args` or `**kwargs`: the arguments its
    named parameters take, then `*args` as a parameter bound to the tuple of the rest.
    `**kwargs` is known by its keywords (`ctx.keywords`): the callee may pass it on with
    `f(**kwargs)`, read `kwargs["k"]` or `kwargs.get("k", d)` with a constant key, each
    then a parameter bound to the keyword's value, and test `"k" in kwargs`."""
    spec, star_params, star_values = tree.args, [], []
    if spec.vararg:
        positional = len(spec.posonlyargs + spec.args)
        star_params.append(spec.vararg.arg)
        star_values.append(ast.Tuple(list(args[positional:]), ast.Load()))
        args = args[:positional]
    if spec.kwarg:
        name, named = spec.kwarg.arg, set(parameters(tree))
        rest = {k: v for k, v in keywords.items() if k not in named}
        reads = _KeywordReads(name, rest, _names(tree))
        reads.visit(tree)
        passed_on = {id(k.value) for k in ast.walk(tree) if isinstance(k, ast.keyword)
                     and k.arg is None and isinstance(k.value, ast.Name) and k.value.id == name}
        other = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == name
                 and id(n) not in passed_on]
        if other:
            raise UnsupportedSyntaxError(
                f"`**{name}` is used other than passed on with `f(**{name})` or read with "
                f"`{name}[\"k\"]` or `{name}.get(\"k\", default)`, with a key the call "
                f"gives.", where(other[0]), fix="Name the keyword arguments the helper reads.")
        star_params += list(reads.params.values())
        star_values += [rest[k] for k in reads.params]
        star_params.append(name)
        star_values.append(Keywords(rest))
        keywords = {k: v for k, v in keywords.items() if k in named}
    return args, keywords, star_params, star_values


class _KeywordReads(ast.NodeTransformer):
    """`kwargs["k"]` -> a parameter `kwargs_k` for each key `k` the call gives;
    `kwargs.get("k", d)` -> that parameter, or `d` when the call gives no `k`; `"k" in
    kwargs` -> whether it does."""

    def __init__(self, name: str, given: dict, taken: set):
        self.name, self.given, self.taken, self.params = name, given, taken, {}

    def _param(self, key: str) -> ast.Name:
        if key not in self.params:
            stem = f"{self.name}_{key}" if key.isidentifier() else f"{self.name}_item"
            param, k = stem, 1
            while param in self.taken:
                param, k = f"{stem}_{k}", k + 1
            self.taken.add(param)
            self.params[key] = param
        return ast.Name(self.params[key], ast.Load())

    def visit_Subscript(self, node):
        key = _constant_key(node.slice)
        if _is_name(node.value, self.name) and isinstance(node.ctx, ast.Load) \
                and key in self.given:
            return ast.copy_location(self._param(key), node)
        return self.generic_visit(node)

    def visit_Compare(self, node):
        """`"k" in kwargs`, `"k" not in kwargs`: known where the call is written."""
        key = _constant_key(node.left)
        if key is not None and len(node.ops) == 1 and _is_name(node.comparators[0], self.name) \
                and isinstance(node.ops[0], (ast.In, ast.NotIn)):
            return ast.copy_location(
                ast.Constant((key in self.given) == isinstance(node.ops[0], ast.In)), node)
        return self.generic_visit(node)

    def visit_IfExp(self, node):
        """`kwargs["k"] if "k" in kwargs else d`, as `container_forms` writes `.get`: the
        branch the call takes."""
        test = self.visit(node.test)
        if isinstance(test, ast.Constant) and isinstance(test.value, bool):
            return self.visit(node.body if test.value else node.orelse)
        node.test = test
        node.body, node.orelse = self.visit(node.body), self.visit(node.orelse)
        return node

    def visit_Call(self, node):
        f = node.func
        if isinstance(f, ast.Attribute) and f.attr == "get" and _is_name(f.value, self.name) \
                and 1 <= len(node.args) <= 2 and not node.keywords \
                and isinstance(key := _constant_key(node.args[0]), str):
            if key in self.given:
                return ast.copy_location(self._param(key), node)
            default = node.args[1] if len(node.args) == 2 else ast.Constant(None)
            return ast.copy_location(self.visit(default), node)
        return self.generic_visit(node)


def _constant_key(node):
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) \
        else None


def _is_name(node, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _names(tree) -> set[str]:
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | set(parameters(tree))
