"""Outcomes of checking one program, and the labels that group them: a
refusal by the construct its message names, a crash by exception and place."""
from __future__ import annotations

import keyword
import re
import traceback
from dataclasses import dataclass

KEEP = {"np", "rt", "ag", "range", "enumerate", "zip", "reversed", "len", "float", "list",
        "tuple", "sum", "max", "min", "abs", "append"}
KINDS = ("right", "refused", "wrong", "crash", "nonsmooth", "timeout")


@dataclass
class Outcome:
    kind: str          # one of KINDS
    stage: str = ""    # reverse, grad, forward, second-reverse, second-forward
    label: str = ""    # the construct refused, the exception and place, or the check failed
    message: str = ""  # the full text: error message, or both numbers

    def signature(self) -> str:
        return f"{self.kind} | {self.stage} | {self.label}"

    @property
    def failed(self) -> bool:
        return self.kind in ("wrong", "crash", "timeout")


def generic(text: str) -> str:
    """`text` with the user's names and the numbers taken out, so two refusals of
    one construct in different programs read the same."""
    def inside(match):
        # keep keywords, builtins and dotted library names (`np.r_`, `rt.einsum_adjoints`):
        # they are the construct; a user's names are not
        words = re.sub(r"(?<![.\w])[A-Za-z_]\w*(?!\w)",
                       lambda w: w.group() if keyword.iskeyword(w.group())
                       or w.group() in KEEP else "v", match.group(1))
        return "`" + re.sub(r"\b\d+(\.\d+)?\b", "N", words) + "`"

    text = re.sub(r"`([^`]*)`", inside, text)
    text = re.sub(r"'[^' ]*'", "'v'", text)
    text = re.sub(r"\b\d+(\.\d+)?(e-?\d+)?\b", "N", text)
    return re.sub(r"\s+", " ", text).strip()


def refusal_label(exc: Exception) -> str:
    what = getattr(exc, "what", None) or str(exc).split("\n")[0]
    return f"{type(exc).__name__}: {generic(what)}"[:120]


def crash_label(exc: BaseException) -> str:
    """The exception type, its generic message, and the innermost frame that is not
    NumPy: an astgrad module and function, generated code, or the program."""
    place = "?"
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        name = frame.filename.replace("\\", "/")
        if "/numpy/" in name:
            continue
        if "/astgrad/" in name:
            place = "astgrad/" + name.split("/astgrad/")[-1] + ":" + frame.name
        elif "/fuzz/" in name and "/tests/" in name:
            continue
        elif "fuzz_" in name.rsplit("/", 1)[-1]:
            place = "the program"
        else:
            place = "generated code"
        break
    first = str(exc).split("\n")[0]
    return f"{type(exc).__name__} in {place}: {generic(first)}"[:140]
