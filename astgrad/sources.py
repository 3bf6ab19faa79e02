"""Source text that no file holds: notebook cells run by a cell magic, the plain
REPL, `python -c`, `python - < file`, strings passed to `exec`, and the sources a
pickled transform carries to another process.

`recover(code)` finds a text that defines `code` and proves it: the text is
compiled and one of its code objects must equal `code` (the same bytecode,
constants and names). A text that merely mentions the function's name is never
taken for its source, so a wrong source cannot give a wrong derivative.
`label(filename)` names a notebook cell the way the notebook does: `In [3]`.
"""
from __future__ import annotations

import __future__
import os
import re
import stat
import sys
import types
from typing import Iterator

_shipped: dict[str, list[tuple[str, str | None]]] = {}   # file name -> [(text, label)]
_labels: dict[str, str] = {}                              # file name -> label
_FLAGS = (0, __future__.annotations.compiler_flag)
_MAX_TEXT = 2_000_000
_CLOUDPICKLED = "<dynamic-code>"     # the file name cloudpickle gives code it ships by value


# -- what other processes sent -----------------------------------------------------------
def remember(filename: str, text: str, label: str | None = None) -> None:
    """Keep `text`, sent with a pickled transform, as a candidate source for the
    functions whose code says they come from `filename`."""
    entries = _shipped.setdefault(filename, [])
    if (text, label) not in entries:
        entries.append((text, label))
    if label:
        _labels.setdefault(filename, label)


# -- notebook cells ----------------------------------------------------------------------
def _ipython():
    """The running IPython shell, if any (IPython is never imported here)."""
    module = sys.modules.get("IPython")
    get = getattr(module, "get_ipython", None)
    return get() if get else None


def label(filename: str) -> str | None:
    """`In [3]` for a file name IPython gave a cell; None for anything else."""
    if filename in _labels:
        return _labels[filename]
    match = re.fullmatch(r"<ipython-input-(\d+)-[0-9a-f]+>", filename)
    if match:
        return f"In [{match[1]}]"
    shell = _ipython()
    number = getattr(getattr(shell, "compile", None), "_filename_map", {}).get(filename)
    return f"In [{number}]" if isinstance(number, int) else None


def _cells(shell) -> Iterator[tuple[str, str | None]]:
    """Each cell of the input history, and the body of each cell run by a cell magic
    (`%%time` compiles its body under a name of its own and keeps no text of it)."""
    history = getattr(getattr(shell, "history_manager", None), "input_hist_raw", None) or []
    for number in range(len(history) - 1, 0, -1):
        cell, name = history[number], f"In [{number}]"
        yield cell, name
        if cell.startswith("%%") and "\n" in cell:
            body = cell.split("\n", 1)[1]
            yield body, name
            try:
                yield shell.transform_cell(body), name
            except Exception:      # noqa: BLE001 - a cell IPython itself cannot read
                pass


# -- the REPL, python -c, python - -------------------------------------------------------
def _history() -> Iterator[tuple[str, None]]:
    """Statements typed at the plain prompt, rebuilt from readline's history: a line
    starting a definition, with the indented lines that follow it."""
    readline = sys.modules.get("readline")
    if readline is None or not hasattr(readline, "get_current_history_length"):
        return
    lines = [readline.get_history_item(i) or ""
             for i in range(1, readline.get_current_history_length() + 1)]
    for i in range(len(lines) - 1, -1, -1):
        block = [lines[i]]
        for line in lines[i + 1:]:
            if not (line[:1].isspace() or block[-1].startswith("@")):
                break
            block.append(line)
        yield "\n".join(block) + "\n", None


def _command_line() -> Iterator[tuple[str, None]]:
    """`python -c CODE`'s CODE, and a script read from a redirected standard input."""
    if sys.argv[:1] == ["-c"]:
        for arg in getattr(sys, "orig_argv", []):
            yield arg, None
    if sys.argv[:1] == ["-"]:
        try:
            if stat.S_ISREG(os.fstat(0).st_mode):
                size = os.fstat(0).st_size
                if size <= _MAX_TEXT:
                    yield os.pread(0, size, 0).decode(), None
        except (OSError, UnicodeDecodeError):
            pass


def _constants(code: types.CodeType) -> Iterator[object]:
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _constants(const)
        else:
            yield const


def _frame_strings(name: str) -> Iterator[tuple[str, None]]:
    """Strings held by the calling frames that might be what `exec` ran: their
    variables and the constants of their code (and of the code nested in it)."""
    frame = sys._getframe(1)
    seen: set[int] = set()
    while frame is not None:
        pools = (frame.f_locals.values(), frame.f_globals.values(), _constants(frame.f_code))
        for pool in pools:
            for value in list(pool):
                if (isinstance(value, str) and id(value) not in seen and name in value
                        and len(value) <= _MAX_TEXT):
                    seen.add(id(value))
                    yield value, None
        frame = frame.f_back


# -- proof: the text compiles to this code --------------------------------------------------
def same_code(a: types.CodeType, b: types.CodeType) -> bool:
    """The same bytecode, names, constants and first line (nested code compared alike)."""
    return _same(a, b)


def _same(a: types.CodeType, b: types.CodeType) -> bool:
    if (a.co_name, a.co_firstlineno, a.co_code, a.co_names, a.co_varnames) != \
            (b.co_name, b.co_firstlineno, b.co_code, b.co_names, b.co_varnames):
        return False
    if len(a.co_consts) != len(b.co_consts):
        return False
    for x, y in zip(a.co_consts, b.co_consts):
        if type(x) is not type(y):
            return False
        if isinstance(x, types.CodeType):
            if not _same(x, y):
                return False
        elif x != y if isinstance(x, frozenset) else repr(x) != repr(y):
            return False
    return True


def defines(text: str, code: types.CodeType) -> bool:
    """Does compiling `text` (as `code`'s file) make `code`, somewhere inside?"""
    for flags in _FLAGS:
        try:
            module = compile(text, code.co_filename, "exec", flags, dont_inherit=True)
        except (SyntaxError, ValueError):
            return False
        stack = [module]
        while stack:
            c = stack.pop()
            if _same(c, code):
                return True
            stack.extend(k for k in c.co_consts if isinstance(k, types.CodeType))
    return False


def _candidates(code: types.CodeType) -> Iterator[tuple[str, str | None]]:
    yield from _shipped.get(code.co_filename, ())
    if code.co_filename == _CLOUDPICKLED:      # its file's name did not come with it
        for filename, texts in list(_shipped.items()):
            yield from ((text, where or filename) for text, where in texts)
    shell = _ipython()
    if shell is not None:
        yield from _cells(shell)
    if code.co_filename == "<stdin>":
        yield from _command_line()
        yield from _history()
    elif code.co_filename == "<string>":
        yield from _command_line()
        yield from _frame_strings(code.co_name if code.co_name != "<lambda>" else "lambda")


def recover(code: types.CodeType) -> tuple[str, str | None] | None:
    """A text that defines `code`, and the cell it came from, or None."""
    name = code.co_name if code.co_name != "<lambda>" else "lambda"
    for text, where in _candidates(code):
        if name in text and defines(text, code):
            return text, where
    return None


def setting(code: types.CodeType) -> tuple[str, str]:
    """Where a function whose source cannot be found was defined, and what to do."""
    filename = code.co_filename
    if filename == "<stdin>" and sys.argv[:1] == ["-"]:
        return ("it was read from standard input (`python -`), whose text Python does not "
                "keep", "Save the script to a file and run `python file.py`, or redirect a "
                "file rather than a pipe (`python - < file.py`), which astgrad reads back.")
    if filename == "<stdin>":
        return ("it was typed at the interactive prompt, and this Python's prompt keeps no "
                "text (astgrad reads readline's history where there is one)",
                "Put the function in a file and import it, or use IPython or Jupyter, "
                "whose cells keep their text (so does the prompt of Python 3.13+).")
    if filename == "<string>":
        return ("it was made by `exec` or `compile` of a string that is no longer to be found "
                "(astgrad looks in `python -c`'s command and in the calling frames)",
                "Compile the string under a file name of your own that `linecache` knows, as "
                "IPython and doctest do: `linecache.cache[name] = (len(text), None, "
                "text.splitlines(True), name)`, then `exec(compile(text, name, 'exec'), "
                "namespace)`.")
    if _ipython() is not None and filename.startswith("<"):
        return ("it was defined in a cell run by a cell magic (such as `%%timeit`) that keeps "
                "no text of it, and no cell of the input history defines it",
                "Define the function in a cell of its own, without a cell magic.")
    if not os.path.exists(filename):
        return (f"its file `{filename}` does not exist here" if filename != _CLOUDPICKLED
                else "it was sent from another process by value (cloudpickle, as Dask and "
                "joblib's loky do) and its source did not come with it",
                "Send the derivative instead (`client.map(ag.grad(f), ...)`): a pickled "
                "transform carries its function's source. Or define the function in a module "
                "the other process can import.")
    return (f"its file `{filename}` does not hold it (was the file changed since?)",
            "Reload the module, or define the function in a .py file or a notebook cell.")
