"""What a caller asks the compiler for: which parameters, and which transform.

A neutral module: the API builds a `Request`, and every pass that shapes the
generated function (reverse, forward, saving, shell) reads it.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Request:
    """Which parameters to differentiate, and the transform that is wanted."""

    wrt: tuple[str, ...]
    mode: str                  # "grad", "value_and_grad", "vjp" or "jvp"
    as_tuple: bool             # return a tuple of gradients even for one parameter
    name: str                  # the generated function's name
    inline_all: bool = False   # inline every user function (code to differentiate again)
