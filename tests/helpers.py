"""User helper functions in a module of their own, imported by the catalogue."""
import numpy as np


def affine(W, x, b=0.5):
    return W @ x + b


def squash(z, scale=1.0):
    return np.tanh(z) * scale


def layer(W, x):
    return squash(affine(W, x), scale=2.0)


def make_scaled(k):
    def scaled(x):
        return k * x
    return scaled


triple = make_scaled(3.0)


def long_helper(x, a):
    """More than the inlining threshold of statements: called, not inlined."""
    y = x * a
    y = y + np.sin(y)
    y = y * np.cos(x)
    y = y - 0.5 * x
    y = y * y + a
    y = np.tanh(y)
    y = y + x * 0.25
    y = y * 1.5
    y = y - np.sin(a * x)
    y = y + np.exp(-x * x)
    y = y * 0.75 + a * a
    y = y + np.cos(y)
    y = np.sqrt(y * y + 1.0)
    y = y * x
    y = y + a
    return y
