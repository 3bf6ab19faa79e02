"""Pass 5d, shell: the function each reverse-mode transform returns, around its sweeps.

Input: the `Sweeps` of one function, saving done. Output: the generated
function, named as the request says, with the user's parameters (without
defaults: the dispatcher applies them), which
* for `grad` runs the forward sweep, the checks and the reverse sweep, and
  returns the gradients;
* for `value_and_grad` returns the value and the gradients;
* for `vjp` runs the forward sweep and returns the value and a nested
  `pullback(seed)` that holds the checks and the reverse sweep.
Every statement has a line number: the user's line it came from, or the
`return`'s.
"""
from __future__ import annotations

import ast

from .build import arguments, plain_args
from .request import Request
from .reverse import Sweeps
from .trees import statements


def assemble(sweeps: Sweeps, request: Request) -> ast.FunctionDef:
    """The generated function of `request` made of `sweeps`."""
    fn = sweeps.function
    ret = fn.body[-1]
    value, grads = ret.value, sweeps.gradients
    grad_value = grads[0] if len(grads) == 1 and not request.as_tuple \
        else ast.Tuple(grads, ast.Load())
    fn.name = request.name
    fn.args = plain_args(fn.args)
    reverse = sweeps.checks + sweeps.backward
    if request.mode == "grad":
        fn.body = sweeps.forward + reverse + [ast.Return(grad_value)]
    elif request.mode == "value_and_grad":
        fn.body = sweeps.forward + reverse + [
            ast.Return(ast.Tuple([value, grad_value], ast.Load()))]
    else:
        fn.body = sweeps.forward + [_pullback(sweeps.seeds, reverse + [ast.Return(grad_value)]),
                                    ast.Return(ast.Tuple([value, ast.Name("pullback", ast.Load())],
                                                         ast.Load()))]
    # (the statements' lines alone: the code is compiled from its text, which no other
    # position of a node reaches, so the expressions are left as they are)
    for stmt in statements(fn):
        if not hasattr(stmt, "lineno"):
            ast.copy_location(stmt, ret)
    return fn


def _pullback(seeds: list[str], body: list[ast.stmt]) -> ast.FunctionDef:
    pullback = ast.FunctionDef(name="pullback", args=arguments(seeds), body=body,
                               decorator_list=[], returns=None, type_comment=None)
    if hasattr(ast, "TypeAlias"):                # Python 3.12 gave functions type parameters
        pullback.type_params = []
    return pullback
