"""Every function a transform returns pickles, with `pickle` (by name: made again
from the user's function on load) and with cloudpickle (also for functions defined
in `__main__`, shipped by value with their source), and so goes to process pools:
multiprocessing (fork and spawn), concurrent.futures, joblib."""
import concurrent.futures
import multiprocessing
import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import astgrad as ag

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RNG = np.random.default_rng(0)
W, X = RNG.standard_normal(3), RNG.standard_normal((8, 3))
Y = (RNG.random(8) > 0.5).astype(float)


def loss(w, X, y):
    """Logistic regression's mean negative log-likelihood."""
    z = X @ w
    return np.mean(np.logaddexp(0.0, z) - y * z)


def loss_grad_by_hand(w, X, y):
    return X.T @ (1 / (1 + np.exp(-(X @ w))) - y) / len(y)


def cubic(x, a=2.0, *, b=1.0):
    return a * x ** 3 + b * np.sum(x)


def scalar(x):
    return np.sin(x) * x ** 2


TRANSFORMS = {
    "grad": (lambda: ag.grad(loss), (W, X, Y)),
    "grad wrt tuple": (lambda: ag.grad(loss, wrt=(0, "X")), (W, X, Y)),
    "value_and_grad": (lambda: ag.value_and_grad(loss), (W, X, Y)),
    "jvp": (lambda: ag.jvp(loss), (W, X, Y, np.ones(3))),
    "jvp binding defaults": (lambda: ag.jvp(cubic), (np.ones(2), np.ones(2))),
    "jacobian": (lambda: ag.jacobian(cubic), (np.arange(3.0),)),
    "hessian": (lambda: ag.hessian(loss), (W, X, Y)),
    "hvp": (lambda: ag.hvp(loss), (W, X, Y, np.ones(3))),
    "elementwise_grad": (lambda: ag.elementwise_grad(np.tanh), (np.linspace(-1, 1, 5),)),
    "grad of grad": (lambda: ag.grad(ag.grad(scalar)), (0.7,)),
    "jvp of grad": (lambda: ag.jvp(ag.grad(scalar)), (0.7, 1.0)),
}


def same(a, b):
    if isinstance(a, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return np.allclose(a, b, rtol=1e-12, atol=0)


@pytest.mark.parametrize("name", list(TRANSFORMS))
def test_round_trip_with_pickle(name):
    make, args = TRANSFORMS[name]
    df = make()
    want = df(*args)
    again = pickle.loads(pickle.dumps(df))
    assert again is df                     # by name: the same cached function here
    assert same(again(*args), want)


@pytest.mark.parametrize("name", list(TRANSFORMS))
def test_round_trip_with_cloudpickle(name):
    cloudpickle = pytest.importorskip("cloudpickle")
    make, args = TRANSFORMS[name]
    df = make()
    assert same(cloudpickle.loads(cloudpickle.dumps(df))(*args), df(*args))


def test_the_pickled_name_says_what_it_is():
    df = ag.grad(loss)
    assert df.__qualname__ == "grad[0](tests:test_pickle/loss)"
    assert df.__name__ == "dloss_dw" and df.__module__ == "astgrad.pickling"
    assert b"astgrad.pickling" in pickle.dumps(df)
    assert ag.grad(ag.grad(scalar)).__qualname__ == \
        "grad[0](astgrad:pickling/grad[0](tests:test_pickle/scalar))"


def test_a_pullback_pickles_and_answers_as_before():
    value, pullback = ag.vjp(cubic)(np.arange(3.0))
    seed = np.array([1.0, -2.0, 0.5])
    want = pullback(seed)
    for dumps, loads in [(pickle.dumps, pickle.loads)] + _cloudpickle():
        again = loads(dumps(pullback))
        np.testing.assert_array_equal(again(seed), want)
        np.testing.assert_array_equal(again(seed), want)    # twice, the same


def _cloudpickle():
    try:
        import cloudpickle
    except ImportError:
        return []
    return [(cloudpickle.dumps, cloudpickle.loads)]


def test_a_local_function_is_refused_by_pickle_and_shipped_by_cloudpickle():
    def local(x):
        return x ** 3
    df = ag.grad(local)
    with pytest.raises((pickle.PicklingError, AttributeError)):
        pickle.dumps(df)
    cloudpickle = pytest.importorskip("cloudpickle")
    assert cloudpickle.loads(cloudpickle.dumps(df))(2.0) == 12.0


def test_the_dispatcher_still_guards_after_being_pickled_by_value():
    cloudpickle = pytest.importorskip("cloudpickle")

    def local(x):
        return x ** 3
    df = ag.grad(local)
    assert df(2.0) == 12.0
    copy = cloudpickle.loads(cloudpickle.dumps(df))
    assert copy(2.0) == 12.0 and copy(np.float64(1.0)) == 3.0
    assert "_s0" in df.__code__.co_names          # the original keeps its inline guards


# -- process pools ---------------------------------------------------------------------------
SHARDS = [(W, X[i:i + 2], Y[i:i + 2]) for i in range(0, 8, 2)]


def _shard_grad(shard):
    return ag.grad(loss)(*shard)


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_multiprocessing_pool_map(method):
    df = ag.grad(loss)
    with multiprocessing.get_context(method).Pool(2) as pool:
        grads = pool.starmap(df, SHARDS)
    for g, shard in zip(grads, SHARDS):
        np.testing.assert_allclose(g, loss_grad_by_hand(*shard), rtol=1e-12)


def test_process_pool_executor():
    df = ag.value_and_grad(loss)
    with concurrent.futures.ProcessPoolExecutor(2) as pool:
        results = list(pool.map(df, *zip(*SHARDS)))
    for (value, g), shard in zip(results, SHARDS):
        assert value == pytest.approx(loss(*shard))
        np.testing.assert_allclose(g, loss_grad_by_hand(*shard), rtol=1e-12)


@pytest.mark.parametrize("backend", ["loky", "multiprocessing"])
def test_joblib(backend):
    joblib = pytest.importorskip("joblib")
    df = ag.grad(loss)
    grads = joblib.Parallel(n_jobs=2, backend=backend)(joblib.delayed(df)(*s) for s in SHARDS)
    for g, shard in zip(grads, SHARDS):
        np.testing.assert_allclose(g, loss_grad_by_hand(*shard), rtol=1e-12)


# -- functions defined in __main__ -------------------------------------------------------------
MAIN = textwrap.dedent("""\
    import pickle, sys
    import numpy as np
    import astgrad as ag

    def helper(z):
        return np.logaddexp(0.0, z)

    def loss(w, X, y):
        z = X @ w
        return np.mean(helper(z) - y * z)

    if __name__ == "__main__":
        rng = np.random.default_rng(0)
        w, X, y = rng.standard_normal(3), rng.standard_normal((8, 3)), np.ones(8)
        df = ag.grad(loss)
        print("here", df(w, X, y).round(12).tolist())
""")


def _script(tmp_path, body, name="main.py"):
    path = tmp_path / name
    path.write_text(MAIN + textwrap.indent(textwrap.dedent(body).strip(), " " * 4) + "\n")
    proc = subprocess.run([sys.executable, str(path)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120,
                          env=dict(os.environ, PYTHONPATH=ROOT))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def _printed(out, label):
    return [line.split(" ", 1)[1] for line in out.splitlines() if line.startswith(label + " ")]


def test_a_main_function_sent_by_value_to_a_fresh_process(tmp_path):
    """cloudpickle ships `ag.grad(loss)` with `loss`, `helper` and their source; a
    fresh interpreter with no such file differentiates it."""
    pytest.importorskip("cloudpickle")
    out = _script(tmp_path, """
        import cloudpickle
        others = [ag.hessian(loss), ag.hvp(loss), ag.jacobian(helper),
                  ag.elementwise_grad(helper), ag.grad(ag.grad(helper)), ag.jvp(loss)]
        calls = [(w, X, y), (w, X, y, w), (w,), (w,), (0.3,), (w, X, y, w)]
        print("others", repr([np.round(f(*a), 12).tolist() for f, a in zip(others, calls)]))
        data = cloudpickle.dumps((df, ag.vjp(loss)(w, X, y)[1], (w, X, y), others, calls))
        open("shipped.pkl", "wb").write(data)
    """)
    os.remove(tmp_path / "main.py")           # the other side has no file to read
    load = ("import pickle, numpy as np\n"
            "df, pullback, args, others, calls = pickle.load(open('shipped.pkl', 'rb'))\n"
            "print('there', df(*args).round(12).tolist())\n"
            "print('pullback', pullback(1.0).round(12).tolist())\n"
            "print('others', repr([np.round(f(*a), 12).tolist() for f, a in zip(others, calls)]))\n")
    proc = subprocess.run([sys.executable, "-c", load], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60, env=dict(os.environ, PYTHONPATH=ROOT))
    assert proc.returncode == 0, proc.stderr
    here = _printed(out, "here")
    assert here and _printed(proc.stdout, "there") == here
    assert _printed(proc.stdout, "pullback") == here
    assert _printed(proc.stdout, "others") == _printed(out, "others")


def test_a_main_function_with_spawn_and_loky(tmp_path):
    pytest.importorskip("joblib")
    out = _script(tmp_path, """
        import multiprocessing, joblib
        with multiprocessing.get_context("spawn").Pool(2) as pool:
            print("spawn", pool.starmap(df, [(w, X, y)])[0].round(12).tolist())
        got = joblib.Parallel(n_jobs=2, backend="loky")(
            joblib.delayed(df)(w, X, y) for _ in range(2))
        print("loky", got[0].round(12).tolist())
    """)
    here = _printed(out, "here")
    assert here and _printed(out, "spawn") == here and _printed(out, "loky") == here
