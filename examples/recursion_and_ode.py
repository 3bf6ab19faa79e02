"""Recursion and an ODE integrator that returns early, differentiated as written.

1. A continued fraction, written as a function that calls itself:

       cf(x, n) = x + 1 / cf(x, n - 1),   cf(x, 0) = x

   For large n it converges to the positive root of c = x + 1/c, that is
   c(x) = (x + sqrt(x^2 + 4)) / 2, whose derivative is (1 + x / sqrt(x^2 + 4)) / 2
   and second derivative 2 / (x^2 + 4)^(3/2). astgrad inlines the first level and
   calls the function's own generated vjp for the recursive call, so any depth up
   to Python's recursion limit works. The second derivative differentiates code
   that calls cf for its value and cf's vjp at a seed, which runs cf's forward
   sweep again at each level: depth n costs about n^2 / 2 steps there.

2. An RK4 integrator for dy/dt = -k * y that returns as soon as y falls below a
   threshold (a `return` inside the loop). For this linear equation one RK4 step
   multiplies y by R(z) = 1 + z + z^2/2 + z^3/6 + z^4/24 with z = -k * dt, so after
   n steps y = y0 * R(z)^n, and dy/dk = -dt * n * y0 * R(z)^(n-1) * R'(z)
   (n itself does not change under a small change of k).

Run from the repository root:

    python examples/recursion_and_ode.py
"""
import numpy as np

import astgrad as ag


def cf(x, n):
    if n == 0:
        return x
    return x + 1.0 / cf(x, n - 1)


def deep_fraction(x):
    return cf(x, 60)


def rhs(y, k):
    return -k * y


def rk4_until(k, y0, dt, threshold):
    y = y0
    for step in range(1000):
        k1 = rhs(y, k)
        k2 = rhs(y + 0.5 * dt * k1, k)
        k3 = rhs(y + 0.5 * dt * k2, k)
        k4 = rhs(y + dt * k3, k)
        y = y + dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
        if y < threshold:
            return y                       # the condition is met: stop here
    return y


x = 1.3
closed = (1.0 + x / np.sqrt(x * x + 4.0)) / 2.0
print("continued fraction value:", deep_fraction(x))
print("continued fraction derivative:", ag.grad(deep_fraction)(x))
print("closed form derivative:", closed)
print("continued fraction second derivative:", ag.grad(ag.grad(deep_fraction))(x))
print("closed form second derivative:", 2.0 / (x * x + 4.0) ** 1.5)

k, y0, dt, threshold = 0.8, 1.0, 0.1, 0.25
value, dk = ag.value_and_grad(rk4_until)(k, y0, dt, threshold)
z = -k * dt
R = 1 + z + z ** 2 / 2 + z ** 3 / 6 + z ** 4 / 24
dR = 1 + z + z ** 2 / 2 + z ** 3 / 6
n = int(round(np.log(value / y0) / np.log(R)))
print("rk4 steps taken:", n)
print("rk4 value:", value)
print("rk4 derivative:", dk)
print("rk4 closed form derivative:", -dt * n * y0 * R ** (n - 1) * dR)
_, tangent = ag.jvp(rk4_until)(k, y0, dt, threshold, 1.0)
print("rk4 forward mode:", tangent)
print("rk4 second derivative:", ag.grad(ag.grad(rk4_until))(k, y0, dt, threshold))
print("rk4 closed form second derivative:",
      dt * dt * n * y0 * R ** (n - 2) * ((n - 1) * dR ** 2 + R * (1 + z + z ** 2 / 2)))
print(ag.source(ag.grad(rk4_until)))
