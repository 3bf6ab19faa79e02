"""A character-level LSTM: predict each next character of a short text.

At each step t the LSTM reads the one-hot character x (V numbers) and its
hidden state h and cell c (H numbers each); its four gates are built with a
list comprehension over the stacked weights:

    i, f, o, g = [Wx[k] @ x + Wh[k] @ h + b[k] for k in range(4)]
    c = sigmoid(f) * c + sigmoid(i) * tanh(g)
    h = sigmoid(o) * tanh(c)

and a softmax over Wy @ h predicts the next character. The loss is the
negative log-likelihood averaged over the sequence. astgrad differentiates it
with respect to the four weight arrays (backpropagation through time, written
out as loops); the gradient is checked against central differences, and a few
steps of gradient descent follow. Run from the repository root:

    python examples/char_lstm.py
"""
import numpy as np

import astgrad as ag

TEXT = "hello world, hello lstm"
CHARS = sorted(set(TEXT))
V, H = len(CHARS), 8
IDS = [CHARS.index(ch) for ch in TEXT]
ONE_HOT = np.eye(V)


def sigmoid(z):
    return 0.5 * (np.tanh(0.5 * z) + 1.0)


def log_softmax_at(logits, k):
    m = np.max(logits)
    return logits[k] - m - np.log(np.sum(np.exp(logits - m)))


def lstm_loss(Wx, Wh, b, Wy, inputs, targets):
    h = np.zeros(H)
    c = np.zeros(H)
    total = 0.0
    for t in range(len(targets)):
        x = inputs[t]
        i, f, o, g = [Wx[k] @ x + Wh[k] @ h + b[k] for k in range(4)]
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
        total = total - log_softmax_at(Wy @ h, targets[t])
    return total / len(targets)


rng = np.random.default_rng(0)
params = [0.3 * rng.standard_normal((4, H, V)), 0.3 * rng.standard_normal((4, H, H)),
          np.zeros((4, H)), 0.3 * rng.standard_normal((V, H))]
inputs = ONE_HOT[IDS[:-1]]
targets = IDS[1:]

grad = ag.grad(lstm_loss, wrt=(0, 1, 2, 3))
grads = grad(*params, inputs, targets)

# Central differences on a few entries of each weight array.
worst = 0.0
eps = 1e-5
for p, g in zip(params, grads):
    for index in [(0,) * p.ndim, tuple(s - 1 for s in p.shape), tuple(s // 2 for s in p.shape)]:
        old = p[index]
        p[index] = old + eps
        up = lstm_loss(*params, inputs, targets)
        p[index] = old - eps
        down = lstm_loss(*params, inputs, targets)
        p[index] = old
        fd = (up - down) / (2 * eps)
        worst = max(worst, abs(fd - g[index]) / (abs(fd) + 1e-3))
print("largest difference from finite differences (relative, +1e-3):", worst)

losses = []
for step in range(10):
    losses.append(lstm_loss(*params, inputs, targets))
    grads = grad(*params, inputs, targets)
    params = [p - 1.0 * g for p, g in zip(params, grads)]
print("loss before training:", losses[0])
print("loss after 10 steps:", lstm_loss(*params, inputs, targets))
