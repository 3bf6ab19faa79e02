"""Non-scalar outputs: PyTorch's `y.backward(gradient=seed)` is a vector-Jacobian product.

PyTorch equivalent:

    x = torch.tensor([[0., 0.], [1., 2.]], requires_grad=True)
    y = a * x**2 + b * x + c                  # a 2x2 output
    y.backward(gradient=torch.ones_like(y))
    x.grad                                    # [[-2., -2.], [0., 2.]]

In astgrad, `ag.vjp(f)(*args)` returns the value and a `pullback`;
`pullback(seed)` gives seed^T J, the same thing `backward(gradient=seed)`
puts in `x.grad`. It equals the gradient of the scalar `sum(y * seed)`.
"""
import numpy as np

import astgrad as ag


def f(x, a, b, c):
    return a * x ** 2 + b * x + c


def weighted_sum(x, a, b, c, seed):
    # sum(f(x, a, b, c) * seed), with f written out: astgrad does not yet
    # differentiate calls to your own helper functions.
    return np.sum((a * x ** 2 + b * x + c) * seed)


x = np.array([[0.0, 0.0], [1.0, 2.0]])
a, b, c = 1.0, -2.0, 1.0

y, pullback = ag.vjp(f)(x, a, b, c)
print("y =", y.tolist())

# With a seed of ones, the pullback is the elementwise derivative 2*a*x + b.
ones = np.ones_like(y)
g_vjp = pullback(ones)
print("pullback(ones) =", g_vjp.tolist())  # [[-2, -2], [0, 2]]

# The same numbers as the gradient of the scalar sum(y * seed).
g_sum = ag.grad(weighted_sum)(x, a, b, c, ones)
print("grad of sum(y * ones) =", g_sum.tolist())
print("equal:", np.allclose(g_vjp, g_sum))

# Any seed works: it weights each output's gradient, like backward(gradient=v).
v = np.array([[0.1, 1.0], [0.0001, -1.0]])
g_vjp_v = pullback(v)
g_sum_v = ag.grad(weighted_sum)(x, a, b, c, v)
print("pullback(v) =", g_vjp_v.tolist())  # v * (2*a*x + b) = [[-0.2, -2], [0, -2]]
print("grad of sum(y * v) =", g_sum_v.tolist())
print("equal:", np.allclose(g_vjp_v, g_sum_v))
