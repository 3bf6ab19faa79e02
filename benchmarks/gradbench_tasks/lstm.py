"""GradBench `lstm`: the loss of ADBench's LSTM (diagonal weights) predicting a text bit by bit.

`main_params` (2 l, 4 b) holds, for each of l layers, a row of weights and a row of biases for
the forget, input, output gates and the cell change (b = bits per character, each block of b);
`extra_params` (3, b) the input weights, output weights and output biases; `state` (2 l, b) the
initial hidden and cell state of each layer; `sequence` (c, b) the characters as bits. The loss
is the mean negative log-likelihood of each next character under a softmax whose normaliser has
ADBench's extra `+ 2`. The gradient is taken with respect to (main_params, extra_params).
Inputs as ADBench's generator makes them: parameters and state uniform on [0, 1), the sequence
the bits of a text (here random printable characters).
"""
import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def lstm_model(weight, bias, hidden, cell, inputs):
    """One layer, one step: the new (hidden, cell) of the layer."""
    b = hidden.shape[0]
    forget = sigmoid(inputs * weight[:b] + bias[:b])
    ingate = sigmoid(hidden * weight[b:2 * b] + bias[b:2 * b])
    outgate = sigmoid(inputs * weight[2 * b:3 * b] + bias[2 * b:3 * b])
    change = np.tanh(hidden * weight[3 * b:] + bias[3 * b:])
    cell = cell * forget + ingate * change
    hidden = outgate * np.tanh(cell)
    return hidden, cell


def lstm_predict(main_params, extra_params, hiddens, cells, inputs):
    """Run every layer on `inputs` (updating `hiddens` and `cells`); the output layer's values."""
    x = inputs * extra_params[0]
    for i in range(len(hiddens)):
        hiddens[i], cells[i] = lstm_model(main_params[2 * i], main_params[2 * i + 1],
                                          hiddens[i], cells[i], x)
        x = hiddens[i]
    return x * extra_params[1] + extra_params[2]


def objective(main_params, extra_params, state, sequence):
    hiddens = []
    cells = []
    for i in range(state.shape[0] // 2):
        hiddens.append(state[2 * i])
        cells.append(state[2 * i + 1])
    total = 0.0
    for t in range(sequence.shape[0] - 1):
        ypred = lstm_predict(main_params, extra_params, hiddens, cells, sequence[t])
        ynorm = ypred - np.log(np.sum(np.exp(ypred)) + 2.0)
        total = total + np.sum(sequence[t + 1] * ynorm)
    return -total / ((sequence.shape[0] - 1) * sequence.shape[1])


def text_bits(text):
    """(len(text), bits) array of the characters' code points in binary, most significant first."""
    codes = np.array([ord(ch) for ch in text])
    bits = int(np.ceil(np.log2(codes.max())))
    return ((codes[:, None] >> np.arange(bits - 1, -1, -1)) & 1).astype(np.float64)


def generate(layers, chars, seed=31337):
    """(main_params, extra_params, state, sequence) for `layers` layers and `chars` characters."""
    rng = np.random.default_rng(seed)
    text = "".join(chr(c) for c in rng.integers(32, 127, chars))
    sequence = text_bits(text)
    b = sequence.shape[1]
    main_params = rng.random((2 * layers, 4 * b))
    extra_params = rng.random((3, b))
    state = rng.random((2 * layers, b))
    return main_params, extra_params, state, sequence


HAND = {}
