"""Rules for optional libraries (SciPy), registered once the user's code has imported
the library's module they are for: importing astgrad imports none of them."""
from __future__ import annotations

import importlib
import sys

pending: dict[str, str] = {}        # a library's module -> the module of its rules


def rules_when_imported(module: str, rules: str) -> None:
    """Import the module `rules` once `module` is imported (by the user's code): an optional
    library's rules cost nothing until then."""
    pending[module] = rules


def load(everything: bool = False) -> None:
    """Register the rules of the optional libraries imported by now (`everything`: of every
    one installed)."""
    for module, rules in list(pending.items()):
        if module in sys.modules or everything and _installed(module):
            del pending[module]
            importlib.import_module(rules)


def _installed(module: str) -> bool:
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True
