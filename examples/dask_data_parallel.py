"""More data than one process holds: data-parallel gradients on a Dask cluster.

A logistic regression's data is split into shards; each worker computes the
gradient of the loss on its shards with `client.map(df, ...)`, and the sum of the
per-shard gradients is the gradient on all the data (the loss is a sum over
rows). `df = ag.grad(loss)` is sent to the workers as it is: `loss` is defined
here, in `__main__`, so the gradient travels by value with its source and each
worker generates its own code. Then a few steps of gradient descent, and the
same gradient with dask arrays as the data and the weights, computed lazily.

Run: python examples/dask_data_parallel.py   (needs `pip install 'dask[distributed]'`)
"""
import warnings

import numpy as np

import astgrad as ag


def loss(w, X, y):
    """The negative log-likelihood of labels `y` in {0, 1}, summed over the rows."""
    z = X @ w
    return np.sum(np.logaddexp(0.0, z) - y * z)


def make_data(rows=40_000, features=10, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((rows, features))
    w_true = rng.standard_normal(features)
    y = (X @ w_true + 0.5 * rng.standard_normal(rows) > 0).astype(float)
    return X, y


def main():
    from dask.distributed import Client, LocalCluster
    import dask.array as da

    X, y = make_data()
    n_shards = 8
    shards = list(zip(np.array_split(X, n_shards), np.array_split(y, n_shards)))
    df = ag.grad(loss)
    w = np.zeros(X.shape[1])

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        print(f"workers: {len(client.scheduler_info()['workers'])}")
        print(f"shards: {n_shards} of {len(shards[0][1])} rows")
        X_parts = client.scatter([Xs for Xs, _ in shards])     # the data stays on the workers
        y_parts = client.scatter([ys for _, ys in shards])

        def distributed_gradient(w):
            futures = client.map(df, [w] * n_shards, X_parts, y_parts, pure=False)
            return sum(client.gather(futures))

        here = df(w, X, y)
        there = distributed_gradient(w)
        print(f"per-shard gradients summed = one-process gradient: {np.allclose(there, here)}")
        print(f"relative difference: {np.max(np.abs(there - here)) / np.max(np.abs(here)):.1e}")

        rate = 4.0 / len(y)                 # gradient descent on the mean loss
        print(f"step 0: loss = {loss(w, X, y) / len(y):.6f}")
        for step in range(1, 6):
            w = w - rate * distributed_gradient(w)
            print(f"step {step}: loss = {loss(w, X, y) / len(y):.6f}")

        with warnings.catch_warnings():   # dask's notes on NumPy functions it lacks
            warnings.simplefilter("ignore", FutureWarning)
            Xd, yd = da.from_array(X, chunks=5_000), da.from_array(y, chunks=5_000)
            lazy = ag.grad(loss)(da.from_array(w, chunks=-1), Xd, yd)
            print(f"lazy gradient: a {type(lazy).__module__}.{type(lazy).__name__} "
                  f"of {lazy.npartitions} partition(s)")
            print(f"lazy gradient computed on the cluster equals NumPy's: "
                  f"{np.allclose(lazy.compute(), df(w, X, y))}")


if __name__ == "__main__":
    main()
