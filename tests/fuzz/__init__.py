"""A differential fuzzer for astgrad (issue 9): a seeded generator of random
Python + NumPy programs, and an oracle that checks astgrad's derivatives of
each against finite differences. `python -m tests.fuzz --help` runs campaigns."""
from .features import FEATURES, LEVEL_NAMES, LEVELS, features_of
from .generator import Program, generate
from .oracle import check
from .outcome import KINDS, Outcome

__all__ = ["FEATURES", "LEVELS", "LEVEL_NAMES", "features_of", "Program", "generate", "check",
           "KINDS", "Outcome"]
