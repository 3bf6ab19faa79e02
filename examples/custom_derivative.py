"""A custom derivative: a numerically stable `logsumexp` with its own rules.

`np.log(np.sum(np.exp(x)))` overflows once an element of `x` passes ~709: the
value is inf and its gradient `exp(x) / sum(exp(x))` is inf / inf = nan. The
stable form subtracts the maximum first. Marking it `@ag.primitive` makes the
compiler call it as it is, and `ag.defvjp` / `ag.defjvp` say how derivatives
flow through it: the gradient of logsumexp is softmax(x) = exp(x - logsumexp(x)),
which never overflows either.

Because the rules are themselves plain NumPy the compiler can read, the
generated gradient can be differentiated again: second derivatives work.
"""
import numpy as np

import astgrad as ag


@ag.primitive
def logsumexp(x):
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


# reverse mode: the adjoint of x is g * softmax(x); forward mode: the tangent is <t, softmax(x)>
ag.defvjp(logsumexp, lambda g, ans, x: g * np.exp(x - ans))
ag.defjvp(logsumexp, lambda t, ans, x: np.sum(t * np.exp(x - ans)))


def naive(x):
    return np.log(np.sum(np.exp(x)))


def stable(x):
    return logsumexp(x)


def scaled(a):
    """logsumexp along a line, for a scalar second derivative."""
    return logsumexp(a * np.array([1.0, 2.0, 3.0]))


def central_difference(f, x, h=1e-5):
    out = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        out[i] = (f(x + e) - f(x - e)) / (2 * h)
    return out


big = np.array([1000.0, 1001.0, 1002.0])
with np.errstate(over="ignore", invalid="ignore"):
    print("naive value on [1000, 1001, 1002]:", naive(big))
    print("naive gradient:", ag.grad(naive)(big))
print("stable value on [1000, 1001, 1002]:", stable(big))
print("stable gradient:", ag.grad(stable)(big))
print("gradient sum:", np.sum(ag.grad(stable)(big)))

# the custom rule against central differences, at small inputs where both forms agree
x = np.array([0.3, -1.2, 0.8, 2.0])
rule = ag.grad(stable)(x)
print("largest |rule - finite differences|:",
      np.max(np.abs(rule - central_difference(stable, x))))
_, tangent = ag.jvp(stable)(x, np.array([1.0, 0.0, 0.0, 0.0]))
print("forward-mode derivative along e0:", tangent)
print("reverse-mode derivative along e0:", rule[0])
ag.check_grads(stable, (x,), order=2, forward=True)
print("check_grads (first and second order, both modes): ok")

print("the generated gradient calls the rule as written:")
print(ag.source(ag.grad(stable)))

# the second derivative goes through the custom vjp rule, itself differentiated
a = 1.5
p = np.exp(a * np.array([1.0, 2.0, 3.0]) - scaled(a))       # softmax along the line
print("second derivative through the rule:", ag.grad(ag.grad(scaled))(a))
print("second derivative by formula:", np.sum(p * np.array([1.0, 4.0, 9.0]))
      - np.sum(p * np.array([1.0, 2.0, 3.0])) ** 2)
