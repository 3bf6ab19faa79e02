"""Known float32 gaps the sweep found, each with the first case that shows it (generated
from a full run; tests/test_rule_sweep.py checks each still fails, strictly)."""

# Forward mode gives a float64 tangent for a float32 output.
FLOAT32_TANGENT = {}

# A 0-d float32 argument gets a float64 gradient.
FLOAT32_ZERO_D = {}
