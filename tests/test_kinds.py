"""The kinds lattice and the kind analyses on their own."""
import ast
import textwrap

import numpy as np
import pytest

from astgrad.errors import InternalError
from astgrad.transform.kinds import infer
from astgrad.transform.lattice import OPAQUE, UNKNOWN, Kind, broadcast, join, of_value

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
