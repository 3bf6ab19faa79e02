"""The module named by the functions astgrad makes from a function that another
process cannot import by name (one defined in `__main__`, a notebook or a
closure). Plain `pickle` finds them here by name; cloudpickle, which asks for the
name before it decides, is told to ship them by value (see `pickling`)."""
import sys

from . import pickling


def __getattr__(name: str):
    pickling.register_by_value(sys.modules[__name__])
    return pickling.by_name(name)
