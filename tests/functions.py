"""The shared catalogue of user functions, run through every transform.

Plain Python + NumPy as a user writes it. Arguments follow the naming
convention of `conftest.py`. Each is checked against finite differences.
"""
import numpy
import numpy as np
from numpy import cos, exp, sin

# ---- arithmetic on Python numbers -------------------------------------------------


def poly(x, a, b, c):
    return a * x ** 2 + b * x + c


def add_sub(a, b):
    return a + b - 2.5 * a


def div(a, b):
    return a / b + 1 / b


def power_of_arg(s, a):
    return s ** a


def neg_pos(a, b):
    return -a * +b


def reassign(a, b):
    a = a * b
    a = a + b
    return a * a


def augmented(a, b):
    a += b
    a *= b
    a -= 1.5
    a /= b
    return a


def tuple_pack(a, b):
    t = (a * b, a + b)
    p, q = t
    return p * q


def swap(a, b):
    a, b = b, a
    return a - 2 * b


def unused(a, b):
    return a * 3.0


def constant_out(a):
    return 4.0


def builtin_abs(a, b):
    return abs(a - b) * b


def shared_use(a):
    y = a * a
    return y * y + y


# ---- NumPy on numbers and arrays ---------------------------------------------------------------


def sin_log(s):
    return (np.sin(s) + s ** 2) / np.log(s)


def trig(a):
    return np.sin(a) * np.cos(a) + np.tan(a)


def exps(x):
    return np.sum(np.exp(x) + np.tanh(x))


def logs(p):
    return np.sum(np.log(p) * np.sqrt(p))


def squares(x):
    return np.sum(np.square(x) + np.abs(x))


def pow_np(p, s):
    return np.sum(np.power(p, s))


def maxmin(x, y):
    return np.sum(np.maximum(x, y) * 2 + np.minimum(x, y))


def where_select(x, y):
    return np.sum(np.where(x > y, x * y, y ** 2))


def from_import(a):
    return sin(a) * exp(cos(a))


def numpy_full_name(x):
    return numpy.sum(numpy.sin(x))


def mean_square(x):
    return np.mean(3 * (x + 2) * (x + 2))


def zero_d(u, x):
    return np.sum(u * x) * u


# ---- reductions, shapes, methods ------------------------------------------------------------


def sum_axis(A):
    return np.sum(np.sum(A, axis=0) ** 2)


def sum_keepdims(A):
    return np.sum(A / np.sum(A ** 2, axis=1, keepdims=True))


def mean_axis(A):
    return np.sum(np.mean(A, axis=1) * np.mean(A, 0).size)


def methods(A):
    return (A.T * 2).sum() + (A ** 2).mean()


def method_axis(A):
    return np.sum(A.sum(axis=1) ** 2) + A.mean(axis=0).sum()


def reshape_fn(A):
    return np.sum(np.reshape(A, (4, 3)) * np.arange(12).reshape(4, 3))


def reshape_method(A):
    return np.sum(A.reshape(2, 6) ** 3) + np.sum(A.reshape(-1) * 2)


def transpose_fn(A, B):
    return np.sum(np.transpose(A) * B)


def shape_use(A, x):
    n = A.shape[0] + np.shape(A)[1]
    return np.sum(A @ x) / n + len(x) * np.sum(x)


# ---- products and broadcasting -------------------------------------------------------------


def matvec(A, x):
    return np.sum(np.tanh(A @ x))


def vecmat(y, B):
    return np.sum((y @ B) ** 2)


def matmat(A, B):
    return np.sum(np.sin(A @ B))


def vecvec(x, y):
    return x @ y


def dot_fn(A, x, y):
    return np.dot(np.dot(A, x), np.dot(A, y))


def matmul_fn(A, B):
    return np.sum(np.matmul(B, A) ** 2)


def dot_method(x, y):
    return x.dot(y) ** 2


def broadcast_row(A, x):
    return np.sum((A * x + x) ** 2)


def broadcast_column(A, C):
    return np.sum(np.exp(A - C) * C)


def broadcast_outer(C, x):
    return np.sum((C + x) ** 3)


def scalar_array(a, x):
    return np.sum(a * x + a / (x ** 2 + 1)) * a


def logistic(x, A, C):
    return np.mean(np.log(1 + np.exp(-np.reshape(C, 3) * (A @ x))))


def mlp(x, A, B):
    h = np.tanh(A @ x)
    out = B @ h
    return np.sum(out ** 2) / 2


def softmax_ce(x, y):
    e = np.exp(x - 1.0)
    return -np.sum(y * np.log(e / np.sum(e)))


def docstring_and_print(a):
    """A docstring, a pass and an assert are fine."""
    pass
    assert a == a
    return a * 2.0


def deep_chain(s):
    return np.exp(np.sin(np.log(np.sqrt(s * s + 1.0)) * 2.0) / 3.0)


def many_uses(x, a):
    y = np.sin(x) * a
    return np.sum(y * y * y + y / a + np.exp(-y))


def zero_d_result(u):
    return np.sin(u) * u


def int_constants(x):
    return np.sum(2 * x ** 3 - 4 * x + 1)


# ==== control flow: branches ==========================================================

from .helpers import affine, layer, long_helper, squash, triple  # noqa: E402


def if_else(x, a):
    if a > 0:
        y = x * a
    else:
        y = x / a
    return np.sum(y * y)


def if_elif_else(a, b):
    if a > 1.0:
        r = a * b
    elif a > 0.0:
        r = a + b * b
    else:
        r = -a
    return r * 2.0


def if_without_else(x, a):
    y = x * 2.0
    if np.sum(x) > 0.0:
        y = y * a
    return np.sum(y)


def return_in_branch(a, b):
    if a < b:
        return a * b
    c = a - b
    return c * c


def nested_if(x, a, b):
    y = x
    if a > 0:
        if b > 0:
            y = y * b
        else:
            y = y + b
    return np.sum(y * a)


def conditional_expression(a, b):
    c = a * a if a > b else b * 3.0
    return c + (a if b < 0 else b)


def branch_on_data(x):
    s = np.sum(x)
    y = np.sin(x) if s > 0 else np.cos(x)
    return np.sum(y * x)


def and_or(a, b):
    c = a > 0 and b < 0
    d = a * 2.0 if c or a > b else b
    return d * a


# ==== loops ===========================================================================


def for_range(x, n):
    y = x
    for i in range(n):
        y = y * 0.9 + np.sin(y)
    return np.sum(y)


def for_range_computed(x):
    s = 0.0
    for i in range(1, len(x) * 2 - 1, 2):
        s = s + np.sum(x ** (i % 3 + 1))
    return s


def for_rows(A):
    s = 0.0
    for row in A:
        s = s + np.sum(np.tanh(row) * row)
    return s


def for_list(a, b, c):
    total = 0.0
    for v in [a, b, c]:
        total = total + v * v
    return total


def for_tuple(a, b):
    total = 1.0
    for v in (a, b, a * b):
        total = total * v
    return total


def for_enumerate(x):
    s = 0.0
    for i, v in enumerate(x):
        s = s + v * (i + 1)
    return s


def for_zip(x, y):
    s = 0.0
    for u, v in zip(x, y):
        s = s + u * np.exp(v)
    return s


def for_reversed(x):
    s = 0.0
    for v in reversed(x):
        s = s * 0.5 + v
    return s


def while_loop(a):
    y = a
    k = 0
    while k < 4:
        y = y * a + 0.1
        k = k + 1
    return y


def while_data_dependent(a):
    y = a
    while y < 10.0:
        y = y * 1.7 + a
    return y


def break_on_data(x):
    s = 0.0
    for i in range(100):
        s = s + np.sum(x * x) * (i + 1)
        if s > 20.0:
            break
    return s


def continue_skip(x):
    s = 0.0
    for i in range(len(x)):
        if i % 2 == 1:
            continue
        s = s + np.sin(x[i]) * x[i]
    return s


def while_break(a):
    y = a
    while True:
        y = y * 1.5
        if y > 5.0:
            break
        y = y + a
    return y


def nested_loops(A):
    s = 0.0
    for i in range(3):
        for j in range(4):
            s = s + A[i, j] * (i + 1) * np.cos(A[i, j] * j)
    return s


def nested_loop_carried(x, n):
    y = x
    for i in range(n):
        z = y
        for j in range(2):
            z = np.tanh(z) + x * 0.1
        y = y + z
    return np.sum(y)


def loop_with_branch(x):
    y = x
    for i in range(4):
        if i % 2 == 0:
            y = np.sin(y) * 1.5
        else:
            y = y * y
    return np.sum(y)


def newton_sqrt(s):
    # Newton on a value that is not differentiated, then used in a smooth formula.
    r = 1.0
    err = 1.0
    while err > 1e-12:
        r_new = 0.5 * (r + 2.0 / r)
        err = abs(r_new - r)
        r = r_new
    return s * r


def newton_differentiated(s):
    # Newton's iterations on a differentiated value: the derivative follows the iterations.
    r = s
    for i in range(30):
        r = 0.5 * (r + s / r)
    return r


def rnn(H, V, X, x):
    h = x
    for t in range(X.shape[0]):
        h = np.tanh(H @ h + V @ X[t])
    return np.sum(h ** 2)


def rnn_mean_state(H, V, S, x):
    h = x
    total = 0.0
    for t in range(len(S)):
        h = np.tanh(H @ h + V @ S[t])
        total = total + np.mean(h)
    return total


# ==== calls to user functions ======================================================


def _local_square(v):
    return v * v


def calls_module_helper(a, b):
    return _local_square(a) + _local_square(b * a)


def calls_imported(A, x):
    return np.sum(squash(affine(A, x)))


def calls_chain(A, x):
    return np.sum(layer(A, x) ** 2)


def calls_keywords(A, x):
    return np.sum(affine(W=A, x=x, b=-1.0) * squash(A @ x, scale=0.5))


def calls_closure(a):
    return triple(a) * a


def calls_in_loop(x, n):
    y = x
    for i in range(n):
        y = squash(y, scale=1.1) + _local_square(x) * 0.1
    return np.sum(y)


def nested_def(x, a):
    def inner(v):
        return np.sin(v) * a
    return np.sum(inner(x) + inner(x * 2.0))


def calls_long_helper(x, a):
    return np.sum(long_helper(x, a))


def _returns_pair(a, b):
    return a * b, a + b


def tuple_from_helper(a, b):
    p, q = _returns_pair(a, b)
    return p * q


def _branching_helper(v):
    if v > 0:
        return v * 2.0
    return -v


def helper_with_branch(a, b):
    return _branching_helper(a) + _branching_helper(b)


# ==== indexing reads ==============================================================


def index_int(x):
    return x[0] * x[1] + x[-1] ** 2


def index_slice_step(x):
    return np.sum(x[1:] * 2.0) + np.sum(x[::2] ** 2) + np.sum(x[::-1] * x)


def index_2d(A):
    return np.sum(A[:, 0] * A[1, :3]) + np.sum(A[1:, ::2] ** 2) + A[-1, -1]


def index_int_array(x, idx):
    return np.sum(x[idx] ** 2)


def index_repeated_constant(x):
    return np.sum(x[[0, 0, 1, 3, 3, 3]] * np.arange(6))


def index_mask(x, mask):
    return np.sum(np.exp(x[mask]))


def index_mask_computed(x):
    return np.sum(x[x > 0.0] ** 3)


def index_in_loop(x):
    s = 0.0
    for i in range(len(x) - 1):
        s = s + x[i] * x[i + 1]
    return s


# ==== building arrays ==========================================================================


def stack_scalars(a, b, c):
    v = np.array([a, b * a, c])
    return np.sum(v ** 2 * np.arange(1, 4))


def stack_arrays(x, y):
    M = np.stack([x, y * 2.0, x * y])
    return np.sum(M ** 2)


def stack_axis1(x, y):
    M = np.stack([x, y], axis=1)
    return np.sum(M * np.array([[1.0, 2.0]]))


def concatenate_arrays(x, y):
    z = np.concatenate([x, y[:2], x * y])
    return np.sum(np.sin(z))


def list_append_stack(x, n):
    parts = []
    y = x
    for i in range(n):
        y = np.tanh(y * 1.3)
        parts.append(y)
    return np.sum(np.stack(parts) ** 2)


def list_append_concatenate(x):
    parts = []
    for i in range(3):
        parts.append(x * (i + 1))
    return np.sum(np.concatenate(parts) ** 2)


def list_literal_index(a, b):
    vals = [a * b, a + b, b]
    return vals[0] * vals[1] + vals[2]


# ==== writes into arrays ==========================================================================


def write_element(x, a):
    y = np.zeros(4)
    y[0] = a
    y[1] = x[1] * a
    y[3] = np.sum(x)
    return np.sum(y * y * np.arange(1.0, 5.0))


def write_slice(x):
    y = x * 1.0
    y[1:3] = np.sin(x[:2])
    return np.sum(y ** 2)


def write_in_loop(x):
    y = np.zeros(4)
    for i in range(4):
        y[i] = x[i] * (i + 1.0)
    return np.sum(y ** 2)


def write_overwrites(x):
    y = x * 2.0
    y[0] = y[1] * 3.0
    y[1] = y[0] + x[2]
    return np.sum(y * x)


def augmented_write(x, a):
    y = x * 1.0
    y[2] += a * x[0]
    y[1:] *= 2.0
    return np.sum(y ** 2)


def calls_long_helper_in_loop(x, a):
    y = x
    for i in range(3):
        y = long_helper(x * y, a) * 0.1 + x
    return np.sum(y)
