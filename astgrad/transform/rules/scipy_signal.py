"""Rules for scipy.signal (to come)."""
