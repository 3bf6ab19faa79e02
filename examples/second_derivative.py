"""Second derivatives: PyTorch's `create_graph=True`, in astgrad.

In PyTorch a second derivative needs `torch.autograd.grad(y, x, create_graph=True)`
so the first derivative is itself recorded and can be differentiated. astgrad's
first derivative is plain Python code, so differentiating it again is just
`ag.grad(ag.grad(f))`: the compiler reads the generated code and transforms it.

    x = torch.tensor(0.0, requires_grad=True)
    y = a * x ** 2 + b * x + c
    dy, = torch.autograd.grad(y, x, create_graph=True)   # -2
    d2y, = torch.autograd.grad(dy, x)                     # 2
"""
import numpy as np

import astgrad as ag


def f(x, a, b, c):
    return a * x ** 2 + b * x + c


def g(x):
    return (np.sin(x) + x ** 2) / np.log(x)


df = ag.grad(f)
d2f = ag.grad(df)
print("d/dx (a*x**2 + b*x + c) at x = 0:", df(0.0, 1.0, -2.0, 1.0))
print("d2/dx2 (a*x**2 + b*x + c) at x = 0:", d2f(0.0, 1.0, -2.0, 1.0))

x = 2.0
d2g = ag.grad(ag.grad(g))(x)
h = 1e-4
dg = ag.grad(g)
numeric = (dg(x + h) - dg(x - h)) / (2 * h)          # differences of the first derivative
print(f"d2/dx2 (sin x + x**2) / log x at x = 2: {d2g:.6f}")
print(f"central difference of d/dx:             {numeric:.6f}")

print("\nThe second-derivative code astgrad generated from the first-derivative code:")
print(ag.source(ag.grad(ag.grad(g))))
