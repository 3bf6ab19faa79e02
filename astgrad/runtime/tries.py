"""The helpers a `try` block leaves in generated code (see `transform.tries`).

Only `which` survives into the code that runs: the compiler writes the others
back into a real `try` statement (`transform.catch`); they stand, between the
passes, for what the `try` statement does."""
from __future__ import annotations

from ..errors import AstgradError, NotDifferentiableError
from .located import where_called

EVERY = BaseException        # the types a bare `except:` catches


def tried(*types) -> bool:
    """Did the `try` body complete? (a `try` body, between the passes)."""
    return True


def caught():
    """The exception a handler caught (its `as` name, between the passes)."""
    return None


def keep(*values) -> None:
    """Reads what a block of a `try` body made, so that no pass drops a statement whose
    exception would choose the handler."""
    return None


def done(*values) -> None:
    """Where a `try` body completed (`keep` of its outermost block)."""
    return None


def which(error, *types) -> int:
    """The index of the first `except` clause whose types match `error`."""
    for i, kinds in enumerate(types):
        if isinstance(error, kinds):
            return i
    return len(types)


class tangents:
    """`with rt.tangents():` around the tangent code in a `try` body: an exception that code
    raises (a division by zero the function's own code does not make) is the derivative's
    failure, raised as one of astgrad's, which no handler of the function's takes."""

    def __enter__(self):
        return None

    def __exit__(self, kind, error, traceback):
        if error is None or isinstance(error, AstgradError):
            return False
        raise NotDifferentiableError(
            f"the derivative's code raised {kind.__name__} ({error}) inside a `try` body, "
            f"where the function's own code did not raise.", where_called(2),
            fix="The derivative does not exist here; move the point, or the code out of the "
                "`try` block.") from error
