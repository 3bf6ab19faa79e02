"""`max` and `min` of more than two values (part of the resolve pass): their rules
take two, so `max(a, b, c)` and `max([a, b, c])` become `max(max(a, b), c)`, and
`max(x)` of one array becomes `np.max(x)`."""
from __future__ import annotations

import ast
import builtins
import copy

import numpy as np

from .. import runtime
from .trees import walk


def lower(tree: ast.FunctionDef, ns) -> None:
    """Rewrite `tree`'s calls of builtin `max` and `min` in place."""
    if any(n.__class__ is ast.Call and ns.value(n.func) in (builtins.max, builtins.min)
           for n in walk(tree)):          # (most functions call neither)
        _Extremes(ns).visit(tree)


class _Extremes(ast.NodeTransformer):
    def __init__(self, ns):
        self.ns = ns

    def visit_Call(self, node: ast.Call):
        self.generic_visit(node)
        fn = self.ns.value(node.func)
        if fn not in (builtins.max, builtins.min) or node.keywords:
            return node
        args = node.args
        if len(args) == 1 and isinstance(args[0], (ast.List, ast.Tuple)) and args[0].elts:
            args = args[0].elts
        elif len(args) == 1 and isinstance(args[0], ast.Call) \
                and self.ns.value(args[0].func) is runtime.keys_of:
            return node                          # `max(d)` of a dict: its largest key
        elif len(args) == 1:                     # one array: its largest element
            call = ast.Call(self.ns.ref(np.max if fn is builtins.max else np.min), args, [])
            return ast.copy_location(call, node)
        if len(args) < 2:
            return node
        out = args[0]
        for arg in args[1:]:
            out = ast.copy_location(ast.Call(copy.deepcopy(node.func), [out, arg], []), node)
        return out
