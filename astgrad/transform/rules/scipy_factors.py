"""Rules for scipy.linalg factor-and-solve pairs (to come)."""
