"""GradBench `kmeans`: the k-means cost, its gradient and its Hessian's diagonal.

cost(P, C) = sum_i min_j |C_j - P_i|^2 for n points P (n, d) and k centroids C (k, d). The
Hessian with respect to C is diagonal (2 times the number of points closest to each centroid),
so a Hessian-vector product with a vector of ones gives its diagonal; GradBench's `dir` output
is the gradient divided by it (a Newton step). Points uniform on [0, 1); the centroids are the
last k points, so that no cluster is empty.
"""
import numpy as np


def cost(points, centroids):
    distances = np.sum((points[:, None, :] - centroids[None, :, :]) ** 2, axis=2)   # (n, k)
    return np.sum(np.min(distances, axis=1))


def closest(points, centroids):
    distances = np.sum((points[:, None, :] - centroids[None, :, :]) ** 2, axis=2)
    return np.argmin(distances, axis=1)


def cost_gradient(points, centroids):
    nearest = closest(points, centroids)
    counts = np.bincount(nearest, minlength=centroids.shape[0])
    sums = np.zeros_like(centroids)
    np.add.at(sums, nearest, points)
    return 2 * (counts[:, None] * centroids - sums)


def cost_hessian_diagonal(points, centroids, v):
    """H @ v for the (diagonal) Hessian of `cost` with respect to the centroids."""
    counts = np.bincount(closest(points, centroids), minlength=centroids.shape[0])
    return 2 * counts[:, None] * v


def generate(n, k, d, seed=31337):
    points = np.random.default_rng(seed).random((n, d))
    return points, points[-k:].copy()


HAND = {"cost": cost_gradient, "cost hvp": cost_hessian_diagonal}
