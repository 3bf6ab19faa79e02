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
