"""A derivative follows what its code was made under besides the user's functions: a
name holding a library function (`act = np.tanh`, later `act = np.sin`), a primitive,
a callable object, a class, an object whose methods are inlined, the functions its
attributes hold (`self.act`), and a constant of the user's module or class
(`config.LR`, `Model.reg`), read when the code runs. Each was silently the old value."""
import linecache
import sys
import types

import numpy as np
import pytest
from scipy import special

import astgrad as ag

X = np.array([0.3, 0.1, -0.2])


def cell(text: str, name: str) -> dict:
    """Run `text` as a notebook cell (its own globals), as the user would."""
    filename = f"<made-under-{name}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    namespace = {"np": np, "ag": ag, "special": special, "__name__": "__main__"}
    exec(compile(text, filename, "exec"), namespace)
    return namespace


def test_a_name_rebound_to_another_numpy_function():
    ns = cell("act = np.tanh\n\ndef f(x):\n    return np.sum(act(x))\n", "act")
    df, jvp, d2 = ag.grad(ns["f"]), ag.jvp(ns["f"]), ag.hessian(ns["f"])
    np.testing.assert_allclose(df(X), 1 - np.tanh(X) ** 2)
    d2(X)
    ns["act"] = np.sin
    np.testing.assert_allclose(df(X), np.cos(X))                   # the derivative held
    np.testing.assert_allclose(ag.grad(ns["f"])(X), np.cos(X))      # and a fresh one
    np.testing.assert_allclose(jvp(X, np.ones(3))[1], np.sum(np.cos(X)))
    np.testing.assert_allclose(d2(X), np.diag(-np.sin(X)))
    ag.check_grads(ns["f"], (X,), order=2)


def test_a_name_rebound_to_a_scipy_function_or_a_primitive():
    ns = cell("sp = special.expit\n\ndef f(x):\n    return np.sum(sp(x))\n", "special")
    df = ag.grad(ns["f"])
    df(X)
    ns["sp"] = special.erf
    np.testing.assert_allclose(df(X), 2 / np.sqrt(np.pi) * np.exp(-X ** 2))

    @ag.primitive
    def cube(x):
        return x ** 3
    ag.defvjp(cube, lambda g, ans, x: 3 * g * x ** 2)
    ns["sp"] = cube
    np.testing.assert_allclose(df(X), 3 * X ** 2)


def test_an_attribute_holding_a_function_and_a_global_object_rebound():
    ns = cell("class Model:\n    def __init__(self, act):\n        self.act = act\n"
              "    def loss(self, x):\n        return np.sum(self.act(x))\n\n"
              "model = Model(np.tanh)\n\ndef f(x):\n    return model.loss(x)\n", "model")
    m = ns["Model"](np.tanh)
    dm, df = ag.grad(m.loss), ag.grad(ns["f"])
    dm(X), df(X)
    m.act = np.sin
    np.testing.assert_allclose(dm(X), np.cos(X))
    ns["model"] = ns["Model"](np.cos)
    np.testing.assert_allclose(df(X), -np.sin(X))
    ns["model"].act = np.exp                       # the new object's attribute, too
    np.testing.assert_allclose(df(X), np.exp(X))


def test_a_callable_object_rebound():
    ns = cell("class Scale:\n    def __init__(self, k):\n        self.k = k\n"
              "    def __call__(self, x):\n        return self.k * x\n\n"
              "layer = Scale(2.0)\n\ndef f(x):\n    return np.sum(np.sin(layer(x)))\n", "call")
    df = ag.grad(ns["f"])
    np.testing.assert_allclose(df(X), 2 * np.cos(2 * X))
    ns["layer"] = ns["Scale"](3.0)
    np.testing.assert_allclose(df(X), 3 * np.cos(3 * X))
    ns["layer"].k = 0.5                            # a number: read when the code runs
    np.testing.assert_allclose(df(X), 0.5 * np.cos(0.5 * X))


def test_constants_of_the_users_class_and_module_are_read_when_run():
    config = types.ModuleType("made_under_config")
    config.LR = 0.5
    sys.modules["made_under_config"] = config
    try:
        ns = cell("import made_under_config as config\n\nclass Cfg:\n    lam = 0.1\n\n"
                  "def f(w):\n    return Cfg.lam * np.sum(w ** 2) + config.LR * np.sum(w)\n",
                  "constants")
        df, jvp = ag.grad(ns["f"]), ag.jvp(ns["f"])
        np.testing.assert_allclose(df(X), 0.2 * X + 0.5)
        ns["Cfg"].lam, config.LR = 1.0, 2.0
        np.testing.assert_allclose(df(X), 2 * X + 2.0)
        np.testing.assert_allclose(jvp(X, np.ones(3))[1], np.sum(2 * X + 2.0))
        np.testing.assert_allclose(ag.hessian(ns["f"])(X), 2 * np.eye(3))
        assert "Cfg.lam" in ag.source(df) and "config.LR" in ag.source(df)
    finally:
        del sys.modules["made_under_config"]


def test_numpy_and_math_constants_are_still_written_in():
    def f(x):
        return np.pi * x + np.e * x ** 2
    df = ag.grad(f)
    assert df(1.0) == np.pi + 2 * np.e
    assert "np.pi" not in "".join(line for line in ag.source(df).splitlines()
                                  if not line.lstrip().startswith("#"))


def test_a_number_or_an_array_read_when_run_costs_no_new_code():
    ns = cell("scale = 2.0\nW = np.eye(3)\n\ndef f(x):\n    return scale * np.sum(np.tanh(W @ x))\n",
              "numbers")
    df = ag.grad(ns["f"])
    df(X)
    code = df._astgrad.by_kind.copy()
    ns["scale"], ns["W"] = 3.0, 2 * np.eye(3)
    np.testing.assert_allclose(df(X), 6 * (1 - np.tanh(2 * X) ** 2))
    assert df._astgrad.by_kind == code


def test_a_number_rebound_to_an_array_gets_code_for_an_array():
    # the code for a float `scale` adds no sum back to a float `x`: it returned an array
    ns = cell("scale = 2.0\n\ndef f(x):\n    return np.sum(scale * x)\n\n"
              "def g(x):\n    return scale * x\n", "kinds")
    df, dg = ag.grad(ns["f"]), ag.grad(ns["g"])
    assert df(0.5) == 2.0 and dg(0.5) == 2.0
    ns["scale"] = np.array([1.0, 2.0, 3.0])
    assert df(0.5) == 6.0 and type(df(0.5)) is float
    with pytest.raises(ag.AstgradError, match="returns a 1-d float64 array"):
        dg(0.5)                                          # no longer a scalar function
    ns["scale"] = 3.0
    assert df(0.5) == 3.0 and dg(0.5) == 3.0


def test_the_standard_library_and_tables_keyed_by_types_are_not_followed():
    # `copy` (a module of the standard library, named by `x.copy()` too) was walked into
    # `copy._copy_dispatch`, a dict keyed by classes: its check did not compile
    ns = cell("import copy\nHANDLERS = {int: np.sin, float: np.cos}\n\n"
              "def f(x):\n    y = x.copy()\n    z = x.copy() if copy else x\n"
              "    return np.sum(y * z) + len(HANDLERS)\n", "stdlib")
    np.testing.assert_allclose(ag.grad(ns["f"])(X), 2 * X)
    deps = ag.grad(ns["f"])._astgrad.dependencies()
    assert len(deps) < 10, deps
