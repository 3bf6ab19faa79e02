"""The messages of `aliases`' refusals: in-place writes another name would see."""
from __future__ import annotations

from ..errors import InPlaceError


def refuse_write(write, other: str) -> None:
    """An `aliases._Write` another name, `other`, really sees."""
    user, what, callee = write.user, write.what, write.callee
    if write.held is not None:
        raise InPlaceError(
            f"`{user}` is changed in place after it was put into `{other}` ({write.held}), "
            f"and `{other}` is read afterwards: `{other}` holds the changed array.", write.where,
            fix=f"Put a copy into `{other}` (`{user}.copy()`), or make a new value instead of "
                f"changing `{user}` in place (`{user} = {user} + ...`).")
    if callee is not None:
        raise InPlaceError(
            f"`{callee}` changes its argument `{user}` in place, and `{other}`, which "
            f"names the same array, is read after the call.", write.where,
            fix=f"Pass a copy (`np.copy({other})`), or have `{callee}` return a new value "
                f"instead.")
    raise InPlaceError.shared(user, what, other, write.where)


def refuse_nested(user: str, what: str, where: str) -> None:
    """`xs[1][0] = v`: a write into a list another list holds."""
    raise InPlaceError(f"`{user}{what}` changes in place a list that another list holds.",
                       where, fix="Build the inner list again and put it back: "
                                  "`row = list(xs[i]); row[j] = v; xs[i] = row`.")
