"""GradBench `det` (cmpad's `det_by_minor`): the determinant by expansion by minors.

The expansion along the first row, level by level: each level replaces every minor in the list
by the minors of its first row's elements, and carries the signed product of the elements
crossed out so far; an ell x ell matrix ends in ell! 1 x 1 minors. A is uniform on [0, 1).
The hand-written gradient is det(A) inv(A)^T.
"""
import numpy as np


def det_by_minors(A):
    minors = [A]
    factors = [1.0]
    for level in range(A.shape[0] - 1):
        next_minors = []
        next_factors = []
        for i in range(len(minors)):
            M = minors[i]
            sign = 1.0
            for j in range(M.shape[1]):
                next_minors.append(np.concatenate((M[1:, :j], M[1:, j + 1:]), axis=1))
                next_factors.append(factors[i] * sign * M[0, j])
                sign = -sign
        minors = next_minors
        factors = next_factors
    total = 0.0
    for i in range(len(minors)):
        total = total + factors[i] * minors[i][0, 0]
    return total


def det_gradient(A):
    return np.linalg.det(A) * np.linalg.inv(A).T


def generate(ell, seed=31337):
    return np.random.default_rng(seed).random((ell, ell))


HAND = {"det_by_minors": det_gradient}
