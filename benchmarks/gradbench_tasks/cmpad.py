"""GradBench's small array tasks (`lse`, `llsq`, `ode`; the last two come from cmpad).

* `lse`: log-sum-exp of a vector, written with the max shift; x uniform on [0, 1).
* `llsq`: 1/2 sum_i (s_i - sum_j x_j t_i^j)^2 with t_i evenly spaced on [-1, 1] and
  s_i = sign(t_i); x (m,) uniform on [0, 1), n points.
* `ode`: y' = f(y) with f(y)_0 = x_0 and f(y)_i = x_i y_(i-1), y(0) = 0, solved on [0, 2] by
  `s` steps of the classical Runge-Kutta method; the objective is the last element of y(2).
  x (n,) uniform on [0, 1).
"""
import numpy as np


# -- lse -------------------------------------------------------------------------------------

def lse(x):
    top = np.max(x)
    return top + np.log(np.sum(np.exp(x - top)))


def lse_gradient(x):
    e = np.exp(x - np.max(x))
    return e / np.sum(e)


# -- llsq ------------------------------------------------------------------------------------

def llsq(x, n):
    t = np.linspace(-1.0, 1.0, n)
    powers = t[:, None] ** np.arange(x.shape[0])          # (n, m): t_i ** j
    residual = np.sign(t) - powers @ x
    return 0.5 * np.sum(residual ** 2)


def llsq_gradient(x, n):
    t = np.linspace(-1.0, 1.0, n)
    powers = t[:, None] ** np.arange(x.shape[0])
    return -(powers.T @ (np.sign(t) - powers @ x))


# -- ode -------------------------------------------------------------------------------------

def ode_fun(x, y):
    return np.concatenate((x[:1], x[1:] * y[:-1]))


def runge_kutta(x, s):
    """y(2) from y(0) = 0 in `s` classical Runge-Kutta steps."""
    h = 2.0 / s
    y = np.zeros(x.shape[0])
    for _ in range(s):
        k1 = ode_fun(x, y)
        k2 = ode_fun(x, y + h / 2 * k1)
        k3 = ode_fun(x, y + h / 2 * k2)
        k4 = ode_fun(x, y + h * k3)
        y = y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return y


def ode(x, s):
    return runge_kutta(x, s)[-1]


def ode_fun_adjoint(x, y, g):
    """The adjoints (of x, of y) of ode_fun(x, y) given its output's adjoint `g`."""
    bx = g * np.concatenate(([1.0], y[:-1]))
    by = np.concatenate((x[1:] * g[1:], [0.0]))
    return bx, by


def runge_kutta_step(x, y, h):
    k1 = ode_fun(x, y)
    k2 = ode_fun(x, y + h / 2 * k1)
    k3 = ode_fun(x, y + h / 2 * k2)
    k4 = ode_fun(x, y + h * k3)
    return y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)


def ode_gradient(x, s):
    """Reverse sweep of the Runge-Kutta steps by hand: keep each step's y, then walk back."""
    h = 2.0 / s
    ys = [np.zeros(x.shape[0])]
    for _ in range(s - 1):
        ys.append(runge_kutta_step(x, ys[-1], h))
    bx = np.zeros_like(x)
    by = np.zeros_like(x)
    by[-1] = 1.0
    for y in reversed(ys):
        z2 = y + h / 2 * ode_fun(x, y)               # the stages' arguments
        z3 = y + h / 2 * ode_fun(x, z2)
        z4 = y + h * ode_fun(x, z3)
        bx4, bz4 = ode_fun_adjoint(x, z4, h / 6 * by)
        bx3, bz3 = ode_fun_adjoint(x, z3, h / 3 * by + h * bz4)
        bx2, bz2 = ode_fun_adjoint(x, z2, h / 3 * by + h / 2 * bz3)
        bx1, bz1 = ode_fun_adjoint(x, y, h / 6 * by + h / 2 * bz2)
        bx += bx1 + bx2 + bx3 + bx4
        by = by + bz1 + bz2 + bz3 + bz4
    return bx


# -- input generators (GradBench draws all three vectors uniformly on [0, 1)) ----------------

def uniform(n, seed=31337):
    return np.random.default_rng(seed).random(n)


HAND = {"lse": lse_gradient, "llsq": llsq_gradient, "ode": ode_gradient}
