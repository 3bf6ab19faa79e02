"""The derivative of f(x) = (sin x + x**2) / log x at x = 2.

PyTorch equivalent:

    x = torch.tensor(2.0, requires_grad=True)
    y = (torch.sin(x) + x**2) / torch.log(x)
    y.backward()
    x.grad                                    # tensor(0.0614)

A PyTorch tutorial prints 1.4236 for this example. That number is not the
derivative of this function at x = 2: the quotient rule, a finite difference
and astgrad all give 0.0613775. This script prints the correct value and
checks it two independent ways.
"""
import numpy as np

import astgrad as ag


def f(x):
    return (np.sin(x) + x ** 2) / np.log(x)


x = 2.0
df = ag.grad(f)
d_ag = df(x)

# Check 1: central finite difference, (f(x + h) - f(x - h)) / 2h.
h = 1e-5
d_fd = (f(x + h) - f(x - h)) / (2 * h)

# Check 2: the quotient rule by hand, (u'v - uv') / v**2.
u, du = np.sin(x) + x ** 2, np.cos(x) + 2 * x
v, dv = np.log(x), 1 / x
d_hand = (du * v - u * dv) / v ** 2

print(f"f(2.0)             = {f(x):.7g}")
print(f"astgrad df/dx(2.0) = {d_ag:.7g}")
print(f"finite difference  = {d_fd:.7g}   (central, h = {h:g})")
print(f"quotient rule      = {d_hand:.7g}")
print("Note: a PyTorch tutorial prints 1.4236 for this example; that does not match its own")
print("      function. The derivative of (sin x + x**2) / log x at x = 2 is 0.0613775, as the")
print("      finite-difference check above confirms.")
