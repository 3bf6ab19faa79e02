"""Second-order and Jacobian code without waste: `ag.hvp` and `ag.hessian` run the jvp
of the gradient in mode "tangent" (the gradient itself is never computed), dead code
drops an array only written into, and `ag.jacobian` builds its matrix in chunks bounded
by memory. Values against closed forms and central differences."""
import ast
import re
import textwrap
import tracemalloc
import weakref

import numpy as np
import pytest

import astgrad as ag
from astgrad import batched
from astgrad.transform.optimize import dead


def logistic(w, X, y):
    return np.mean(np.log(1 + np.exp(-y * (X @ w))))


def logistic_hvp(w, X, y, v):
    s = 1 / (1 + np.exp(-y * (X @ w)))
    return X.T @ (s * (1 - s) * (X @ v)) / len(y)


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosenbrock_hessian(x):
    n = x.shape[0]
    H = np.zeros((n, n))
    d = np.zeros(n)
    d[:-1] = 1200.0 * x[:-1] ** 2 - 400.0 * x[1:] + 2.0
    d[1:] += 200.0
    H[np.arange(n), np.arange(n)] = d
    off = -400.0 * x[:-1]
    H[np.arange(n - 1), np.arange(1, n)] = H[np.arange(1, n), np.arange(n - 1)] = off
    return H


def residual(u):
    h = 1.0 / (u.shape[0] + 1)
    padded = np.concatenate([np.zeros(1), u, np.zeros(1)])
    return (padded[:-2] - 2.0 * u + padded[2:]) / h ** 2 + u * (1.0 - u)


def residual_jacobian(u):
    n = u.shape[0]
    c = (n + 1.0) ** 2
    J = np.diag(-2.0 * c + 1.0 - 2.0 * u)
    J[np.arange(n - 1), np.arange(1, n)] = J[np.arange(1, n), np.arange(n - 1)] = c
    return J


def gradient_differences(f, x, *rest, h=1e-6, wrt=0):
    g = ag.grad(f, wrt=wrt)
    cols = []
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = h
        e = e.reshape(x.shape)
        cols.append((g(x + e, *rest) - g(x - e, *rest)) / (2 * h))
    return np.stack(cols, axis=-1)


def _data(n=40, d=6, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    return 0.3 * rng.standard_normal(d), X, y, rng.standard_normal(d)


# -- hvp: the tangent alone ---------------------------------------------------------------
@pytest.mark.parametrize("w_scale", [1.0, 0.0])          # an ordinary point, and w = 0
def test_logistic_hvp_is_its_closed_form_and_differences(w_scale):
    w, X, y, v = _data()
    w = w * w_scale
    got = ag.hvp(logistic)(w, X, y, v)
    np.testing.assert_allclose(got, logistic_hvp(w, X, y, v), rtol=1e-12, atol=1e-15)
    H = gradient_differences(logistic, w, X, y)
    np.testing.assert_allclose(got, H @ v, rtol=1e-6, atol=1e-9)


def test_hvp_code_computes_no_gradient():
    w, X, y, v = _data()
    hvp = ag.hvp(logistic)
    hvp(w, X, y, v)
    src = ag.source(hvp)
    assert re.search(r"def d\w+_dw_tangent\(w, X, y, tw\):", src)
    assert not re.search(r"^\s+bw = ", src, re.M)            # the primal gradient: gone
    code = "\n".join(line for line in src.splitlines() if not line.strip().startswith("#"))
    assert code.count("@ X") == 1         # one product through X: the tangent's, not bw's
    body = ast.parse(src).body[-1].body
    assert isinstance(body[-1], ast.Return) and not isinstance(body[-1].value, ast.Tuple)


def test_hvp_of_a_float_and_of_two_arguments():
    def f(a, b):
        return a ** 3 * b + np.sin(a * b)

    a, b = 0.7, -1.3
    haa = 6 * a * b - b * b * np.sin(a * b)
    hab = 3 * a ** 2 + np.cos(a * b) - a * b * np.sin(a * b)
    hbb = -a * a * np.sin(a * b)
    assert ag.hvp(f)(a, b, 2.0) == pytest.approx(2.0 * haa, rel=1e-13)
    got = ag.hvp(f, wrt=(0, 1))(a, b, (1.0, -0.5))
    assert got[0] == pytest.approx(haa - 0.5 * hab, rel=1e-13)
    assert got[1] == pytest.approx(hab - 0.5 * hbb, rel=1e-13)


# -- hessian: batched tangents, no gradient beside them ----------------------------------
@pytest.mark.parametrize("x", [np.linspace(-1.2, 1.4, 30), np.zeros(7), np.ones(7),
                               np.array([0.5, 0.5, 0.5, -0.5, -0.5])])   # min, ties
def test_rosenbrock_hessian_is_its_closed_form(x):
    H = ag.hessian(rosenbrock)(x)
    np.testing.assert_allclose(H, rosenbrock_hessian(x), rtol=1e-13, atol=1e-12)
    np.testing.assert_allclose(H, gradient_differences(rosenbrock, x), rtol=1e-6, atol=1e-5)


def test_hessian_code_keeps_no_gradient_array():
    x = np.linspace(-1.2, 1.4, 9)
    H = ag.hessian(rosenbrock)
    H(x)
    src = ag.source(H)
    assert not re.search(r"^\s+bx\b", src, re.M)        # `bx = np.zeros_like(x)`, its writes
    assert "tbx = np.zeros_like(x)" in src
    assert re.search(r"^\s+return tout$", src, re.M) or src.rstrip().endswith("return tout")


def test_hessian_whose_gradient_starts_as_a_number():
    def f(x, c):
        return np.sum(c * c)          # x does not reach the output: its gradient is zeros

    H = ag.hessian(f)(np.array([0.5, -1.0, 2.0]), np.array([1.0, 2.0, 3.0]))
    assert H.shape == (3, 3) and not H.any()


# -- the dead-array rule --------------------------------------------------------------------
class _Numpy:
    def value(self, node):
        return getattr(np, node.attr) if isinstance(node, ast.Attribute) \
            and ast.unparse(node.value) == "np" else None


def _dead(text: str) -> str:
    fn = ast.parse(textwrap.dedent(text)).body[0]
    dead.eliminate_dead(fn, _Numpy())
    return ast.unparse(fn)


def test_an_array_only_written_into_is_dropped_with_its_views():
    assert _dead("""
        def f(x, tx):
            bx = np.zeros_like(x)
            tbx = np.zeros_like(x)
            b1 = bx[:-1]
            t1 = tbx[:-1]
            bx[:-1] = b1 - x[1:]
            tbx[:-1] = t1 + tx[1:]
            bx[1:] += x[:-1]
            return tbx
        """) == textwrap.dedent("""\
        def f(x, tx):
            tbx = np.zeros_like(x)
            t1 = tbx[:-1]
            tbx[:-1] = t1 + tx[1:]
            return tbx""")


@pytest.mark.parametrize("text", [
    # a view of a parameter: writing into it writes into the caller's array
    """
    def f(x):
        v = x[1:]
        v[0] = 2.0
        return x
    """,
    # read by a view that is returned
    """
    def f(x):
        b = np.zeros_like(x)
        v = b[1:]
        b[1:] = x[:-1]
        return v
    """,
    # read in a loop's test
    """
    def f(x):
        b = np.zeros_like(x)
        b[0] = 1.0
        while b[0] < 3.0:
            x = x + 1.0
        return x
    """,
    # a write whose value has an effect
    """
    def f(x, s):
        b = np.zeros_like(x)
        b[0] = s.pop()
        return x
    """,
    # a write whose index has an effect (`dead` looks for effects in one walk of each
    # assignment, its target's index included)
    """
    def f(x, s):
        b = np.zeros_like(x)
        b[s.pop()] = 1.0
        return x
    """,
    """
    def f(x, s):
        b = np.zeros_like(x)
        b[s.pop()] += x[0]
        return x
    """])
def test_an_array_read_or_not_its_own_is_kept(text):
    src = ast.unparse(ast.parse(textwrap.dedent(text)))
    assert _dead(text) == src


def test_a_call_with_an_effect_stays_when_the_array_it_fills_goes():
    assert _dead("""
        def f(x, s):
            b = np.zeros_like(x)
            c = s.pop()
            b[0] = c
            return x
        """) == "def f(x, s):\n    c = s.pop()\n    return x"


# -- jacobian: chunks bounded by memory ---------------------------------------------------
def test_tridiagonal_jacobian_in_chunks_bounded_by_memory():
    u = np.sin(np.linspace(0.0, np.pi, 202)[1:-1])
    J = ag.jacobian(residual)(u)
    np.testing.assert_allclose(J, residual_jacobian(u), rtol=1e-13, atol=1e-9)
    assert batched._chunk(202, 200, 200 * 200) <= 40       # of 200 directions
    tracemalloc.start()
    try:
        ag.jacobian(residual)(u)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2.6 * J.nbytes        # the matrix, and one chunk's temporaries


def jacobian_differences(f, x, h=1e-6):
    """Central differences, one column per element of `x`: `out.shape + x.shape`."""
    cols = []
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = h
        e = e.reshape(x.shape)
        cols.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * h))
    return np.stack(cols, axis=-1).reshape(np.shape(f(x)) + x.shape)


def _watched(fast, returned, alive):
    """`fast`, noting whether any result it gave before is still alive when called."""
    def call(*args):
        alive.append(sum(r() is not None for r in returned))
        out = fast(*args)
        parts = out[1] if isinstance(out, tuple) else out
        returned.append(weakref.ref(parts))
        return out
    call._astgrad_checked = True
    return call


def test_a_chunk_of_columns_is_freed_before_the_next_is_made(monkeypatch):
    """Each chunk's columns are copied into the matrix and dropped: the next chunk's
    call never runs beside them (one batch of temporaries fewer at the peak)."""
    u = np.sin(np.linspace(0.0, np.pi, 42)[1:-1])
    monkeypatch.setattr(batched, "_BUDGET", 7 * u.size)        # chunks of 7 directions
    jac = ag.jacobian(residual)
    first = jac(u)
    fn = jac._astgrad.lookup(u)
    returned, alive = [], []
    fn._astgrad_batched = _watched(batched.batched(fn), returned, alive)
    J = jac(u)
    assert len(returned) == 6 and alive == [0] * 6              # 40 = 5 * 7 + 5
    np.testing.assert_array_equal(J, first)
    np.testing.assert_allclose(J, residual_jacobian(u), rtol=1e-13, atol=1e-9)
    np.testing.assert_allclose(J, jacobian_differences(residual, u), rtol=1e-6, atol=1e-3)


V = np.linspace(-1.0, 1.0, 7 * 60).reshape(7, 60) / 8.0


def few_outputs(X):
    """7 outputs of a 5 x 12 matrix: a Jacobian by rows."""
    return np.tanh(V @ X.reshape(-1)) * X[0, :7] + np.sum(X ** 2)


def test_jacobian_rows_are_written_into_one_matrix_chunk_by_chunk(monkeypatch):
    X = np.linspace(-0.8, 0.9, 60).reshape(5, 12)
    monkeypatch.setattr(batched, "_BUDGET", 3 * X.size)        # chunks of 3 seeds
    monkeypatch.setattr(batched, "_MIN", 1)
    jac = ag.jacobian(few_outputs)
    J = jac(X)
    value, pullback = ag.vjp(few_outputs)(X)
    rows = np.stack([pullback(e) for e in np.eye(value.size)]).reshape(value.shape + X.shape)
    assert J.shape == (7, 5, 12) and J.flags.c_contiguous
    np.testing.assert_allclose(J, rows, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(J, jacobian_differences(few_outputs, X), rtol=1e-7, atol=1e-9)
    fn = ag.vjp(few_outputs)._astgrad.lookup(X)
    fast = batched.batched(fn, pullback=True)
    assert fast is not None and fast._astgrad_checked

    def pulls(*values):                      # the pullback watched, chunk by chunk
        value, pull = fast(*values)
        return value, _watched(pull, returned, alive)
    returned, alive = [], []
    pulls._astgrad_checked = True
    fn._astgrad_batched_pullback = pulls
    np.testing.assert_array_equal(jac(X), J)
    assert len(returned) == 3 and alive == [0] * 3              # 7 = 3 + 3 + 1


def test_jacobian_rows_hold_the_matrix_and_one_chunk():
    V2 = np.linspace(-1.0, 1.0, 40 * 4000).reshape(40, 4000) / 400.0

    def f(x):
        return np.tanh(V2 @ x) * x[:40]

    x = np.linspace(-0.6, 0.7, 4000)
    jac = ag.jacobian(f)
    J = jac(x)
    tracemalloc.start()
    try:
        jac(x)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1.8 * J.nbytes        # was 2.0x: the chunks, then them concatenated


@pytest.mark.parametrize("pullback", [False, True])
def test_a_later_chunk_unlike_the_first_is_never_broadcast_into_the_matrix(monkeypatch,
                                                                           pullback):
    """A batched form whose second chunk comes back with the wrong shape is given up
    (the matrix is then made one direction a call), not broadcast into place."""
    f, x = (few_outputs, np.linspace(-0.8, 0.9, 60).reshape(5, 12)) if pullback \
        else (residual, np.sin(np.linspace(0.0, np.pi, 22)[1:-1]))
    monkeypatch.setattr(batched, "_BUDGET", 3 * x.size)
    monkeypatch.setattr(batched, "_MIN", 1)
    jac = ag.jacobian(f)
    want = jac(x)
    fn = (ag.vjp(f) if pullback else jac)._astgrad.lookup(x)
    fast = batched.batched(fn, pullback)
    calls = []

    def shrunk(part):
        calls.append(1)
        return part[..., :1, :] if len(calls) == 2 else part   # broadcastable, wrong

    if pullback:
        def wrong(*values):
            value, pull = fast(*values)
            return value, lambda seeds: shrunk(pull(seeds))
    else:
        def wrong(*values):
            return shrunk(fast(*values))
    wrong._astgrad_checked = True
    setattr(fn, "_astgrad_batched_pullback" if pullback else "_astgrad_batched", wrong)
    np.testing.assert_allclose(jac(x), want, rtol=1e-14)
    assert len(calls) == 2
    assert getattr(fn, "_astgrad_batched_pullback" if pullback else "_astgrad_batched") \
        is None


@pytest.mark.parametrize("start, stop", [(0, 12), (3, 7), (11, 12), (0, 1)])
def test_basis_directions(start, stop):
    t = batched._directions(np.zeros((3, 4)), start, stop)
    assert t.shape == (3, 4, stop - start)
    np.testing.assert_array_equal(t.reshape(12, -1), np.eye(12)[:, start:stop])


def test_jvp_where_every_array_operand_varies_broadcasts_right():
    def f(x, C):
        return np.sum(np.sin(x + C) * x)           # C does not vary: its shape is kept

    x, C = np.array([0.3, -0.2, 0.9]), np.array([[0.1, 0.2, 0.3], [-1.0, 0.5, 2.0]])
    ag.check_grads(f, (x, C), wrt=0, order=2)

    def g(A, x):
        return np.sum((A + x) ** 3)                # both vary: (2, 3) + (3,)

    A = np.array([[0.1, 0.2, 0.3], [-1.0, 0.5, 2.0]])
    ag.check_grads(g, (A, x), wrt=(0, 1), order=2)
    value, t = ag.jvp(g, wrt=(0, 1))(A, x, (np.ones_like(A), np.ones_like(x)))
    np.testing.assert_allclose(t, np.sum(3 * (A + x) ** 2 * 2), rtol=1e-13)


@pytest.mark.parametrize("n", [5, 37])
def test_chunks_reusing_their_directions_give_the_identity(monkeypatch, n):
    """The tangents of one chunk are the next one's, their ones moved: also where the
    batched code returns the tangents it was given."""
    def same(x):
        return x

    def scaled(x):
        return 2.0 * x

    monkeypatch.setattr(batched, "_BUDGET", 7)            # chunks of one to seven directions
    x = np.linspace(0.0, 1.0, n)
    np.testing.assert_array_equal(ag.jacobian(same)(x), np.eye(n))
    np.testing.assert_array_equal(ag.jacobian(scaled)(x), 2.0 * np.eye(n))
