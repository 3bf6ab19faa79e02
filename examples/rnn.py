"""A recurrent network: the gradient of its loss through a loop of 20 steps.

An Elman RNN reads a sequence of T = 20 inputs x[t] (3 numbers each) into a
hidden state of 8 numbers,

    h = tanh(W @ h + U @ x[t] + b)

and a linear readout V @ h predicts, at every step, two numbers: the running
mean of the first input channel and that of the second. The loss is the mean
squared error over all steps and outputs.

PyTorch equivalent:

    h = h0
    total = 0.0
    for t in range(T):
        h = torch.tanh(W @ h + U @ X[t] + b)
        total = total + torch.sum((V @ h - Y[t]) ** 2)
    loss = total / Y.numel()
    loss.backward()                      # W.grad, U.grad, b.grad, V.grad

astgrad reads `loss` below and writes a gradient function with two loops: the
forward loop runs the network and pushes the hidden state that the reverse
sweep needs onto a list (`saved_h.append(h)`); the reverse loop walks the steps
backwards (`reversed(range(...))`), pops each state and accumulates the
parameter adjoints with `np.outer` (backpropagation through time, written out).
The generated code is printed at the end. Run from the repository root:

    python examples/rnn.py
"""
import numpy as np

import astgrad as ag

HIDDEN, INPUTS, OUTPUTS, T = 8, 3, 2, 20


def loss(W, U, b, V, h0, X, Y):
    h = h0
    total = 0.0
    for t in range(X.shape[0]):
        h = np.tanh(W @ h + U @ X[t] + b)
        total = total + np.sum((V @ h - Y[t]) ** 2)
    return total / Y.size


# The data: a random input sequence, and as target the running mean of its first
# two channels (the network has to remember what it has seen).
rng = np.random.default_rng(0)
X = rng.standard_normal((T, INPUTS))
Y = np.cumsum(X[:, :OUTPUTS], axis=0) / np.arange(1, T + 1)[:, None]
h0 = np.zeros(HIDDEN)

# The parameters, small random values.
W = 0.3 * rng.standard_normal((HIDDEN, HIDDEN))
U = 0.5 * rng.standard_normal((HIDDEN, INPUTS))
b = np.zeros(HIDDEN)
V = 0.5 * rng.standard_normal((OUTPUTS, HIDDEN))

# The gradient with respect to the four parameters (by name; wrt=(0, 1, 2, 3) is the same).
grad_fn = ag.grad(loss, wrt=("W", "U", "b", "V"))
grads = grad_fn(W, U, b, V, h0, X, Y)
print(f"loss = {loss(W, U, b, V, h0, X, Y):.6f}")


# Check each gradient against central finite differences, one entry at a time:
# d loss / d p[i] ~ (loss(p[i] + eps) - loss(p[i] - eps)) / (2 * eps).
def finite_difference(params, k, eps=1e-6):
    p = params[k]
    fd = np.zeros_like(p)
    for i in np.ndindex(p.shape):
        old = p[i]
        p[i] = old + eps
        up = loss(*params, h0, X, Y)
        p[i] = old - eps
        down = loss(*params, h0, X, Y)
        p[i] = old
        fd[i] = (up - down) / (2 * eps)
    return fd


print("\nastgrad against central finite differences (eps = 1e-6):")
params = [W, U, b, V]
for k, name in enumerate(("W", "U", "b", "V")):
    fd = finite_difference(params, k)
    print(f"d loss / d {name}: shape {grads[k].shape}, max |gradient| = "
          f"{np.max(np.abs(grads[k])):.4f}, max |astgrad - finite difference| = "
          f"{np.max(np.abs(grads[k] - fd)):.2e}")

# A few steps of gradient descent: the loss goes down.
print("\ngradient descent, learning rate 0.5:")
lr = 0.5
print(f"step  0: loss = {loss(W, U, b, V, h0, X, Y):.6f}")
for step in range(1, 31):
    gW, gU, gb, gV = grad_fn(W, U, b, V, h0, X, Y)
    W, U, b, V = W - lr * gW, U - lr * gU, b - lr * gb, V - lr * gV
    if step % 5 == 0:
        print(f"step {step:2d}: loss = {loss(W, U, b, V, h0, X, Y):.6f}")

print("\nGenerated code for grad_fn = ag.grad(loss, wrt=('W', 'U', 'b', 'V')):")
print(ag.source(grad_fn))
