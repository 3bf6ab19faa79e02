"""The hand-written derivatives `benchmarks/bench_grad.py` times astgrad against are right:
each is compared with central differences of its function, at small sizes (the formulas
do not depend on the size). The benchmark checks astgrad against them before timing."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest

PATH = Path(__file__).resolve().parent.parent / "benchmarks" / "workloads.py"
_spec = importlib.util.spec_from_file_location("bench_workloads", PATH)
wl = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(wl)

H = 1e-5


def along(f, args, i, v, h=H):
    """Central difference of f along v in argument i."""
    def moved(s):
        out = list(args)
        out[i] = args[i] + s * v
        return f(*out)
    return (moved(h) - moved(-h)) / (2 * h)


def assert_gradient(f, grad, args, wrt=(0,), seed=0):
    """<grad, v> against central differences for 3 random v, per argument in `wrt`."""
    got = grad(*args)
    got = got if isinstance(got, tuple) else (got,)
    assert len(got) == len(wrt)
    rng = np.random.default_rng(seed)
    for i, g in zip(wrt, got):
        assert np.shape(g) == np.shape(args[i])
        for _ in range(3):
            v = rng.standard_normal(np.shape(args[i]))
            fd = along(f, args, i, v)
            np.testing.assert_allclose(np.sum(g * v), fd, rtol=1e-6, atol=1e-9)


CASES = {
    "poly": (wl.make_poly, wl.poly_grad, (0.5, 1.0, -2.0, 1.0), (0,)),
    "seed_log": (wl.make_seed_log, wl.seed_log_grad, (2.5,), (0,)),
    "seed_mean": (wl.make_seed_mean, wl.seed_mean_grad,
                  (np.array([[0.5, -1.0], [2.0, 0.25]]),), (0,)),
    "logreg": (wl.make_logreg, wl.logreg_grad, wl.logreg_data(30, 4, 1), (0,)),
    "logreg xent": (wl.make_logreg_xent, wl.logreg_xent_grad,
                    wl.logreg_data(30, 4, 6, labels=(0.0, 1.0)), (0,)),
    "mlp": (wl.make_mlp, wl.mlp_grad, wl.mlp_data(6, (7, 5, 3), 8), (0, 1, 2, 3)),
    "chain": (wl.make_chain, wl.chain_grad,
              (np.random.default_rng(3).standard_normal(50),), (0,)),
    "elementwise": (wl.make_elementwise, wl.elementwise_grad,
                    (np.random.default_rng(3).standard_normal(50),), (0,)),
    "rnn": (wl.make_rnn, wl.rnn_grad, wl.rnn_data(6, 4, 3, 4), (0, 1, 2, 3)),
}


@pytest.mark.parametrize("name", CASES)
def test_hand_gradient_agrees_with_central_differences(name):
    make, grad, args, wrt = CASES[name]
    assert_gradient(make(), grad, args, wrt)


def test_seed_mean_second_derivative_is_six():
    f = wl.make_seed_mean()
    for x in (0.7, -2.0, 3.5):
        second = (f(x + 1e-3) - 2 * f(x) + f(x - 1e-3)) / 1e-6
        assert second == pytest.approx(wl.seed_mean_grad2(x), rel=1e-6)
        assert wl.seed_mean_grad2(x) == 6.0


def test_logistic_hvp_is_the_difference_of_gradients():
    w, X, y, v = wl.hvp_data(40, 5, 7)
    fd = along(lambda w: wl.logreg_grad(w, X, y), (w,), 0, v)
    np.testing.assert_allclose(wl.logreg_hvp(w, X, y, v), fd, rtol=1e-6, atol=1e-10)


def test_rosenbrock_hessian_is_the_difference_of_gradients():
    f = wl.make_rosenbrock()
    x = np.linspace(-1.2, 1.4, 7)
    n = x.size

    def grad(x):
        return np.array([along(f, (x,), 0, e, h=1e-4) for e in np.eye(n)])
    H = np.array([along(grad, (x,), 0, e, h=1e-4) for e in np.eye(n)])
    np.testing.assert_allclose(wl.rosenbrock_hessian(x), H, rtol=1e-5, atol=1e-4)
    assert wl.rosenbrock_hessian(x)[0, 0] == pytest.approx(1200 * x[0] ** 2 - 400 * x[1] + 2)


def test_reaction_diffusion_jacobian_is_the_difference_of_residuals():
    f = wl.make_reaction_diffusion()
    u = np.sin(np.linspace(0.0, np.pi, 9)[1:-1])
    J = np.stack([along(f, (u,), 0, e) for e in np.eye(u.size)], axis=1)
    np.testing.assert_allclose(wl.reaction_diffusion_jacobian(u), J, rtol=1e-6, atol=1e-4)


def test_rebound_module_calls_the_other_numpy():
    class Tagged:
        """A NumPy stand-in that records the calls made through it."""
        __name__ = "tagged"
        calls = []

        def __getattr__(self, name):
            self.calls.append(name)
            return getattr(np, name)
    copy = wl.rebound(Tagged())
    x = np.array([0.5, 1.5])
    assert copy.make_elementwise()(x) == pytest.approx(wl.make_elementwise()(x))
    assert {"sin", "exp", "cos", "sum"} <= set(Tagged.calls)
