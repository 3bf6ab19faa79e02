"""Typed code: annotations are read by type checkers, never by the derivative. With
`from __future__ import annotations` (this module) a parameter's annotation may name what
exists only under `if TYPE_CHECKING:`; `def f[T](x: T)` (Python 3.12+) names a type
parameter. Neither is refused as an undefined name; values against central differences,
first and second order."""
from __future__ import annotations

import importlib.util
import sys
from typing import TYPE_CHECKING

import numpy as np
import pytest

import astgrad as ag

if TYPE_CHECKING:                       # never imported when the tests run
    from numpy.typing import NDArray

    from some_typing_only_module import Params

X = np.array([[0.3, -0.8], [1.1, 0.4], [-0.5, 0.9]])
W = np.array([0.7, -0.2])


def squash(v: NDArray[np.float64]) -> NDArray:
    return np.tanh(v)


def typed_loss(w: NDArray[np.float64], X: NDArray, *rest: Params, scale: float = 2.0,
               **options: Params) -> float:
    z: NDArray = X @ w

    def inner(v: NDArray) -> NDArray:
        return v * squash(v)

    return scale * np.sum(inner(z) ** 2)


def typed_loss_by_hand(w, X, scale=2.0):
    z = X @ w
    t = np.tanh(z)
    u = z * t
    du = t + z * (1 - t ** 2)
    return scale * 2 * (u * du) @ X


def test_annotations_naming_type_checking_imports_are_not_read():
    np.testing.assert_allclose(ag.grad(typed_loss)(W, X), typed_loss_by_hand(W, X),
                               rtol=1e-12)
    ag.check_grads(typed_loss, (W, X), order=2)
    np.testing.assert_allclose(ag.grad(typed_loss)(W, X, scale=0.5),
                               typed_loss_by_hand(W, X, 0.5), rtol=1e-12)


def test_the_generated_code_has_no_annotation():
    def scaled(w: NDArray, c: float) -> float:
        y: NDArray = w * c
        return np.sum(y ** 3)

    df = ag.grad(scaled)
    np.testing.assert_allclose(df(W, 1.5), 3 * 1.5 ** 3 * W ** 2, rtol=1e-12)
    code = [line for line in ag.source(df).splitlines()   # (comments quote the user's lines)
            if not line.lstrip().startswith("#")]
    assert not [line for line in code if "NDArray" in line or "->" in line]
    assert "    y = w * c" in code


GENERIC = '''
import numpy as np

def generic[T](x: T, k: int) -> T:
    y: T = np.sin(x) * k
    return np.sum(y ** 2)

def signature_only[T](x: T) -> T:
    return np.sum(np.tanh(x))

type Vector = np.ndarray

def aliased(x: Vector) -> float:
    return np.sum(np.exp(x))
'''


@pytest.mark.skipif(sys.version_info < (3, 12), reason="type parameter syntax is Python 3.12+")
def test_type_parameters_and_aliases(tmp_path):
    path = tmp_path / "generic_module.py"
    path.write_text(GENERIC)
    spec = importlib.util.spec_from_file_location("generic_module", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    x = np.array([0.4, -1.2, 0.8])
    np.testing.assert_allclose(ag.grad(module.generic)(x, 3),
                               2 * 9 * np.sin(x) * np.cos(x), rtol=1e-12)
    ag.check_grads(module.generic, (x, 3), wrt=0, order=2)
    np.testing.assert_allclose(ag.grad(module.signature_only)(x), 1 - np.tanh(x) ** 2,
                               rtol=1e-12)
    np.testing.assert_allclose(ag.grad(module.aliased)(x), np.exp(x), rtol=1e-12)
