"""The systematic sweep of every derivative rule (issue 9).

`signatures.py` says, for each function in the registry, how it is called: how
many array operands and in which domain, whether it takes `axis`/`keepdims`, or
a list of fixed calls for functions with their own shapes. `cases.py` crosses
that with shapes (0-d to 3-d, size-1 axes), broadcasting between operands,
every axis and keepdims value and both float dtypes. `run.py` checks a case:
reverse and forward against finite differences (second order when asked), a
float32 case against the float64 gradient at float32's tolerance, and the
gradient's dtype. `special.py` holds the legal points where naive formulas
fail. `python -m tests.sweep --all` runs everything and prints a table;
tests/test_rule_sweep.py runs a seeded sample.
"""
