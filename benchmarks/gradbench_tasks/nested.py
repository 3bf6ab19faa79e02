"""GradBench's nested-AD tasks, `saddle` and `particle` (Pearlmutter and Siskind's examples).

Both minimise, by gradient descent, a function that itself runs a gradient: `grad` below is
the gradient operator of the tool under test (`ag.grad`, `autograd.grad`, ...), applied to the
inner function and again to the outer one (GradBench's `rr` variant).

* `saddle`: f(x, y) = (x0^2 + x1^2) - (y0^2 + y1^2); find x minimising max_y f(x, y), then y
  maximising f(x, y), each search starting from `start` = (1, 1). GradBench's answer: every
  coordinate 8.246324826140356e-06.
* `particle`: a unit charge starts at (0, 8) with velocity (0.75, 0) in the field of unit
  charges at (10, 10 - w) and (10, 0); naive Euler steps of 0.1 (the acceleration is minus the
  gradient of the potential) until it crosses the x axis, where the crossing is interpolated
  linearly; find w minimising the square of the crossing's x. From w = 0 GradBench's answer
  is 0.2071918746486116.

The solver is GradBench's: step `eta` from 1e-5, doubled after 10 accepted steps, halved when
a step does not decrease f; stop when the gradient or the step is shorter than 1e-5.
"""
import numpy as np


def norm(v):
    return np.sqrt(np.sum(v * v))


def argmin(fun, dfun, x, arg):
    """Gradient descent on fun(., arg) from x, dfun its gradient."""
    eta = 1e-5
    i = 0
    fx = fun(x, arg)
    gx = dfun(x, arg)
    while norm(gx) > 1e-5:
        if i == 10:
            eta = 2.0 * eta
            i = 0
        else:
            x_new = x - eta * gx
            if norm(x - x_new) <= 1e-5:
                break
            fx_new = fun(x_new, arg)
            if fx_new < fx:
                x = x_new
                fx = fx_new
                gx = dfun(x, arg)
                i = i + 1
            else:
                eta = eta / 2.0
                i = 0
    return x


# -- saddle ----------------------------------------------------------------------------------

def saddle_f(x, y):
    return (x[0] ** 2 + x[1] ** 2) - (y[0] ** 2 + y[1] ** 2)


def saddle_neg_f(y, x):
    return -saddle_f(x, y)


def saddle_functions(grad):
    """max_y f(x, y), found from `start`, as a function of (x, start), for the operator `grad`."""
    d_neg_f = grad(saddle_neg_f)

    def saddle_max(x, start):
        y = argmin(saddle_neg_f, d_neg_f, start, x)
        return saddle_f(x, y)
    return saddle_max


def saddle(grad, start):
    """GradBench's output: the saddle point (x, y) found from `start`, concatenated."""
    saddle_max = saddle_functions(grad)
    x = argmin(saddle_max, grad(saddle_max), start, start)
    y = argmin(saddle_neg_f, grad(saddle_neg_f), start, x)
    return np.concatenate((x, y))


# -- particle --------------------------------------------------------------------------------

def potential(x, w):
    return (1.0 / norm(x - np.array([10.0, 10.0 - w]))
            + 1.0 / norm(x - np.array([10.0, 0.0])))


def particle_functions(grad):
    """The squared x of the particle's crossing as a function of w, for the operator `grad`."""
    d_potential = grad(potential)

    def crossing(w, unused):          # `argmin` passes its functions one more argument
        x = np.array([0.0, 8.0])
        xdot = np.array([0.75, 0.0])
        dt = 0.1
        while True:
            xddot = -d_potential(x, w)
            x_new = x + dt * xdot
            if x_new[1] <= 0.0:
                break
            x = x_new
            xdot = xdot + dt * xddot
        dt_final = -x[1] / xdot[1]
        return (x[0] + dt_final * xdot[0]) ** 2
    return crossing


def particle(grad, w0):
    """GradBench's output: the w found from `w0`."""
    crossing = particle_functions(grad)
    return argmin(crossing, grad(crossing), w0, 0.0)


# -- hand-written gradients of the inner functions --------------------------------------------

def saddle_neg_f_gradient(y, x):
    return 2.0 * y


def potential_gradient(x, w):
    a = x - np.array([10.0, 10.0 - w])
    b = x - np.array([10.0, 0.0])
    return -a / norm(a) ** 3 - b / norm(b) ** 3


HAND = {"saddle_neg_f": saddle_neg_f_gradient, "potential": potential_gradient}
SADDLE_ANSWER = 8.246324826140356e-06
PARTICLE_ANSWER = 0.2071918746486116
