"""The kinds lattice and the kind analyses on their own."""
import ast
import textwrap

import numpy as np
import pytest

from astgrad.errors import InternalError
from astgrad.transform.kinds import infer
from astgrad.transform.lattice import OPAQUE, UNKNOWN, Kind, broadcast, join, of_value, shape_of

F1 = Kind(1, "f", False, 8)
F = Kind(0, "f", True)


def _body(text):
    return ast.parse(textwrap.dedent(text)).body


def test_the_lattice():
    assert of_value(1.5) == F and of_value(np.ones(3)) == F1 and of_value("s") == OPAQUE
    assert broadcast(F, F1) == F1                  # a Python float does not widen float64
    assert join(F1, Kind(2, "f", False, 8)) == Kind(None, "f")
    assert join(F1, OPAQUE) == UNKNOWN


def test_a_name_assigned_on_two_paths_gets_what_they_share():
    kinds = infer(_body("""
        if c:
            y = x
        else:
            y = 1.5
        """), {"x": F1, "c": Kind(0, "b", True)}, None)
    assert kinds["y"] == join(F1, F)


def test_a_loop_runs_to_what_its_iterations_share():
    kinds = infer(_body("""
        y = 1.5
        for i in range(3):
            y = y * x
        """), {"x": F1}, None)
    assert kinds["i"] == Kind(0, "i", True) and kinds["y"] == join(F, F1)


def test_appends_make_a_list_of_their_items_kind():
    kinds = infer(_body("""
        out = []
        out.append(x)
        out.append(x)
        """), {"x": F1}, None)
    assert kinds["out"].dtype == "O" and kinds["out"].item == F1


def test_an_unknown_statement_is_refused_by_name():
    with pytest.raises(InternalError, match="no rule for a `Delete` statement"):
        infer(_body("del x"), {"x": F1}, None)


def test_an_item_of_a_shape_is_an_int():
    """`np.shape(u)[0]` (and `[-1]`) is a Python int, so `1.0 / (n + 1)` is a float: a
    tangent divided by it needs no `rt.broadcast_like` to the value's shape."""
    body = _body("""
        n = s[0]
        m = s[-1]
        h = 1.0 / (n + 1)
        k = s[2]
        """)
    kinds = infer(body, {"s": shape_of(Kind(2, "f", False, 8))}, None)
    assert kinds["n"] == kinds["m"] == Kind(0, "i", True) and kinds["h"] == F
    assert kinds["k"] == UNKNOWN                        # out of range: not known


def test_jacobian_of_a_padded_difference_is_its_closed_form():
    import astgrad as ag

    def residual(u):
        h = 1.0 / (u.shape[0] + 1)
        padded = np.concatenate([np.zeros(1), u, np.zeros(1)])
        return (padded[:-2] - 2.0 * u + padded[2:]) / h ** 2 + u * (1.0 - u)
    u = np.sin(np.linspace(0.0, np.pi, 9)[1:-1])
    n = u.shape[0]
    c = (n + 1.0) ** 2
    want = np.diag(-2.0 * c + 1.0 - 2.0 * u) + c * (np.eye(n, k=1) + np.eye(n, k=-1))
    jac = ag.jacobian(residual)
    np.testing.assert_allclose(jac(u), want, rtol=1e-12, atol=1e-9)
    assert "broadcast_like" not in ag.source(jac)
    ag.check_grads(lambda v: np.sum(residual(v) ** 2), (u,), order=2)
