"""The whole extension surface: mark a function primitive and give it rules."""
from .transform import rules  # noqa: F401  (the library's own rules, registered the same way)
from .transform.registry import defjvp, deflinear, defvjp, primitive
from .transform.template import rule_helper

__all__ = ["primitive", "defvjp", "defjvp", "deflinear", "rule_helper"]
