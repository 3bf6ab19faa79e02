"""BLAS's thread count for the benchmarks, set through the environment before NumPy loads.

On a small machine, multithreaded BLAS competing with any other process for the cores
makes a matrix-vector product 10-50x slower at random; one thread gives stable times,
and the ratios compare the same BLAS calls either way. This module imports nothing that
imports NumPy, so a script can call `set_threads` before anything else.
"""
import os
import sys

VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def set_threads(argv: list[str]) -> None:
    """Apply --blas-threads N (default 1; 0 leaves the library's default) from `argv`."""
    if "numpy" in sys.modules:
        raise RuntimeError("set the BLAS threads before NumPy is imported")
    value = "1"
    for i, arg in enumerate(argv):
        if arg == "--blas-threads" and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--blas-threads="):
            value = arg.partition("=")[2]
    if value != "0":
        for var in VARS:
            os.environ[var] = value
