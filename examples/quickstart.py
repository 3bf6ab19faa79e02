"""Quick start: the gradient of a quadratic, and the code astgrad writes for it.

PyTorch equivalent (from its autograd tutorials):

    x = torch.tensor(0.0, requires_grad=True)
    y = a * x**2 + b * x + c
    y.backward()
    x.grad                                   # tensor(-2.)

astgrad does not record a tape at run time. `ag.grad(f)` reads the source of
`f` and writes a new Python function that computes the derivative with plain
arithmetic. Run from the repository root:

    python examples/quickstart.py
"""
import astgrad as ag


def f(x, a, b, c):
    return a * x ** 2 + b * x + c


# d/dx. By default the gradient is taken with respect to the first argument.
df = ag.grad(f)
print("df/dx at (x, a, b, c) = (0.0, 1.0, -2.0, 1.0):", df(0.0, 1.0, -2.0, 1.0))  # 2*a*x + b = -2.0

# Several arguments at once: a tuple for wrt gives a tuple of gradients.
# (Argument names work too: wrt=("x", "a").)
df_dxa = ag.grad(f, wrt=(0, 1))
print("gradient wrt (x, a):", df_dxa(0.0, 1.0, -2.0, 1.0))  # (2*a*x + b, x**2) = (-2.0, 0.0)

# The value and the gradient together, from one forward and one reverse sweep.
value, grad_x = ag.value_and_grad(f)(0.0, 1.0, -2.0, 1.0)
print("value_and_grad: value =", value, "gradient =", grad_x)  # 1.0 and -2.0

# The generated code is ordinary Python. `bx` is the adjoint of `x`.
print()
print("Generated code for df = ag.grad(f):")
print(ag.source(df))
