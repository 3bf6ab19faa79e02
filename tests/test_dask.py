"""Arrays that follow NumPy's protocols (dask arrays here) flow through generated
code, as the data and as the differentiated argument: the gradient comes back
lazy and `.compute()` gives the NumPy gradient; a line dask cannot run is named."""
import warnings

import numpy as np
import pytest

da = pytest.importorskip("dask.array")

import astgrad as ag  # noqa: E402

RNG = np.random.default_rng(1)
XN, YN = RNG.standard_normal((200, 4)), (RNG.random(200) > 0.5).astype(float)
WN, HN = RNG.standard_normal(4), RNG.standard_normal((4, 3))
X, Y = da.from_array(XN, chunks=50), da.from_array(YN, chunks=50)


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():       # dask's notes on NumPy functions it lacks
        warnings.simplefilter("ignore", FutureWarning)
        yield


def loss(w, X, y):
    z = X @ w
    return np.mean(np.logaddexp(0.0, z) - y * z)


def mlp(W, v, X, y):
    h = np.tanh(X @ W)
    return np.sum((h @ v - y) ** 2) / len(y)


def test_dask_data_gives_a_lazy_gradient():
    g = ag.grad(loss)(WN, X, Y)
    assert isinstance(g, da.Array)
    np.testing.assert_allclose(g.compute(), ag.grad(loss)(WN, XN, YN), rtol=1e-12)


def test_a_dask_array_as_the_differentiated_argument():
    w = da.from_array(WN, chunks=2)
    value, g = ag.value_and_grad(loss)(w, X, Y)
    assert isinstance(g, da.Array) and g.shape == (4,) and g.dtype == np.float64
    np.testing.assert_allclose(g.compute(), ag.grad(loss)(WN, XN, YN), rtol=1e-12)
    assert float(value) == pytest.approx(loss(WN, XN, YN))


def test_several_dask_arguments_of_an_mlp():
    W, v = da.from_array(HN, chunks=2), da.from_array(WN[:3], chunks=3)
    gW, gv = ag.grad(mlp, wrt=(0, 1))(W, v, X, Y)
    want = ag.grad(mlp, wrt=(0, 1))(HN, WN[:3], XN, YN)
    assert isinstance(gW, da.Array) and isinstance(gv, da.Array)
    np.testing.assert_allclose(gW.compute(), want[0], rtol=1e-12)
    np.testing.assert_allclose(gv.compute(), want[1], rtol=1e-12)


def test_an_integer_dask_array_is_refused_like_an_integer_array():
    with pytest.raises(ag.AstgradError, match="integer"):
        ag.grad(loss)(da.from_array(np.arange(4), chunks=2), X, Y)


def picks(x):
    return np.sum(x[[0, 0, 1, 3]] ** 2)


def test_a_line_dask_cannot_run_is_named():
    """The adjoint of indexing with repeated indices is `np.add.at`, which dask lacks."""
    x = da.from_array(np.arange(1.0, 5.0), chunks=2)
    with pytest.raises(ag.AstgradError) as info:
        ag.grad(picks)(x)
    message = str(info.value)
    assert "np.add.at(" in message and "cannot run on dask.array.core.Array" in message
    assert "return np.sum(x[[0, 0, 1, 3]] ** 2)" in message      # the user's line
    assert "`.compute()` them first" in message
