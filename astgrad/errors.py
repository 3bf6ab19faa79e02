"""The catalogue of errors astgrad raises on purpose.

Every error about the user's code names the user's file and line, the
construct, and what to do instead. One small class per situation.
"""
from __future__ import annotations


class AstgradError(Exception):
    """Base class of every error astgrad raises on purpose."""

    def __init__(self, what: str, where: str | None = None, fix: str | None = None):
        self.what, self.where, self.fix = what, where, fix
        text = f"{where}: {what}" if where else what
        if fix:
            text += f"\n  {fix}"
        super().__init__(text)


class SourceError(AstgradError):
    """The function's source cannot be read or parsed."""


class UnsupportedSyntaxError(AstgradError):
    """A construct the compiler does not differentiate."""


class NoRuleError(AstgradError):
    """A call to a function with no derivative rule."""


class UndefinedNameError(AstgradError):
    """A name the function reads is defined nowhere."""


class NonScalarOutputError(AstgradError):
    """`grad` of a function whose output is not a scalar."""


class SeedShapeError(AstgradError):
    """A pullback seed or tangent whose shape does not match."""


class WrtError(AstgradError):
    """`wrt` names no argument, or an argument that cannot be differentiated."""


class RuleError(AstgradError):
    """A derivative rule given to `defvjp`/`defjvp` is malformed."""


class InPlaceError(AstgradError):
    """An in-place write the compiler cannot prove safe."""

    @classmethod
    def shared(cls, user: str, write: str, other: str, where: str | None,
               when: str = "") -> "InPlaceError":
        """`{user} {write}` changes an array `other`, read afterwards, also names (`when`:
        " (on this call)" for the check generated code makes). A `user` such as `xs[1]` is
        an array a list holds."""
        if user.endswith("]"):
            return cls(f"`{user}{write.lstrip()}` changes in place an array a list holds, which "
                       f"`{other}` also names{when}, and `{other}` is read afterwards.", where,
                       fix=f"Make a new array and put it into the list: `v = {user}.copy()`, "
                           f"change `v`, then `{user} = v`.")
        return cls(f"`{user} {write}` changes an array in place that `{other}` also names"
                   f"{when}, and `{other}` is read afterwards.", where,
                   fix=f"Make a new value instead (`{user} = {user} + ...`), or give `{user}` "
                       f"its own copy before changing it: `{user} = {user}.copy()`.")


class InternalError(AstgradError):
    """A construct reached a pass that never expects it: a bug in astgrad, not in your code."""


class NotDifferentiableError(AstgradError):
    """The function has no derivative at these arguments (repeated eigenvalues or
    singular values, a rank-deficient matrix): refused at run time, naming the line."""
