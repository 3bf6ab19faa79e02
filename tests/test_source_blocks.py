"""`source.read` finds a `def`'s lines by their indentation: each layout below gives the
tree `inspect.getblock` (the tokenizer) gives, with the file's line numbers, and the
derivative is that of the function as written."""
import ast
import importlib.util
import inspect
import textwrap

import numpy as np
import pytest

import astgrad as ag
from astgrad.transform import source

MODULE = '''
import functools
import numpy as np


def plain(x):
    return np.sin(x) * x


def dedented_docstring(x):
    """A docstring whose lines
go back to the first column."""
    return x ** 3


def dedented_string(x):
    s = """
text at column 0
"""
    return x * len(s)


def continued(x):
    y = np.exp(x) + \\
1.0
    return y * x


def bracket_below(x):
    return (x
* 2.0 + np.cos(x)
)


def comments_between(x):
    y = x * x
# a comment at the first column
    # and one indented
    return y + x
# a comment after the body


@functools.lru_cache(maxsize=None)
def decorated_cached(n):
    return n


def decorated_helper(f):
    return f


@decorated_helper
@decorated_helper
def decorated(x):
    return np.tanh(x) * x


def signature_below(x,
y=2.0):
    return x * y + x


def one_line(x): return x * np.exp(x)
def after_one_line(x):
    return x ** 2


class Holder:
    def method(self, x):
        return x * 3.0 + np.sin(x)

    @staticmethod
    def static(x):
        return x ** 4

last = 1.0
'''


@pytest.fixture(scope="module")
def module(tmp_path_factory):
    path = tmp_path_factory.mktemp("blocks") / "source_blocks_module.py"
    path.write_text(MODULE)
    spec = importlib.util.spec_from_file_location("source_blocks_module", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _by_tokenizer(fn) -> ast.FunctionDef:
    """What `source.read` gave before: the tokenizer's block, its lines moved down."""
    lines, index = inspect.findsource(fn)
    module = ast.parse(textwrap.dedent("".join(inspect.getblock(lines[index:]))))
    ast.increment_lineno(module, index)
    return next(n for n in module.body if isinstance(n, ast.FunctionDef)
                and n.name == fn.__code__.co_name)


NAMES = ["plain", "dedented_docstring", "dedented_string", "continued", "bracket_below",
         "comments_between", "decorated", "signature_below", "one_line", "after_one_line"]


@pytest.mark.parametrize("name", NAMES)
def test_the_tree_is_the_tokenizers(module, name):
    fn = getattr(module, name)
    expected = _by_tokenizer(fn)
    expected.decorator_list = []
    got = source.read(fn).tree
    assert ast.dump(got, include_attributes=True) == ast.dump(expected, include_attributes=True)


@pytest.mark.parametrize("name", ["plain", "comments_between", "decorated", "one_line",
                                  "after_one_line"])
def test_most_layouts_need_no_tokenizer(module, name, monkeypatch):
    """The cut by indentation parses (a cut inside a string or brackets would not, and the
    tokenizer would be asked): the same tree, without tokenizing the rest of the file."""
    expected = source.read(getattr(module, name)).tree

    def refuse(lines):
        raise AssertionError("the tokenizer was asked")
    monkeypatch.setattr(source.inspect, "getblock", refuse)
    got = source.read(getattr(module, name)).tree
    assert ast.dump(got, include_attributes=True) == ast.dump(expected, include_attributes=True)


@pytest.mark.parametrize("name", ["dedented_docstring", "dedented_string", "continued",
                                  "bracket_below", "signature_below"])
def test_a_cut_inside_a_string_or_brackets_asks_the_tokenizer(module, name, monkeypatch):
    asked = []
    getblock = inspect.getblock
    monkeypatch.setattr(source.inspect, "getblock", lambda lines: asked.append(1) or
                        getblock(lines))
    source.read(getattr(module, name))
    assert asked == [1]


@pytest.mark.parametrize("name", ["method", "static"])
def test_methods_in_a_class(module, name):
    fn = getattr(module.Holder, name)
    expected = _by_tokenizer(fn)
    expected.decorator_list = []
    got = source.read(fn).tree
    assert ast.dump(got, include_attributes=True) == ast.dump(expected, include_attributes=True)


def test_derivatives_of_the_layouts(module):
    x = 0.7
    assert ag.grad(module.plain)(x) == pytest.approx(np.cos(x) * x + np.sin(x), rel=1e-12)
    assert ag.grad(module.dedented_docstring)(x) == pytest.approx(3 * x ** 2, rel=1e-12)
    assert ag.grad(module.dedented_string)(x) == pytest.approx(len("\ntext at column 0\n"))
    assert ag.grad(module.continued)(x) == pytest.approx(
        np.exp(x) * x + np.exp(x) + 1.0, rel=1e-12)
    assert ag.grad(module.bracket_below)(x) == pytest.approx(2.0 - np.sin(x), rel=1e-12)
    assert ag.grad(module.comments_between)(x) == pytest.approx(2 * x + 1, rel=1e-12)
    assert ag.grad(module.decorated)(x) == pytest.approx(
        np.tanh(x) + x * (1 - np.tanh(x) ** 2), rel=1e-12)
    assert ag.grad(module.signature_below)(x) == pytest.approx(3.0, rel=1e-12)
    assert ag.grad(module.one_line)(x) == pytest.approx(np.exp(x) * (1 + x), rel=1e-12)
    assert ag.grad(module.after_one_line)(x) == pytest.approx(2 * x, rel=1e-12)
    assert ag.grad(module.Holder().method)(x) == pytest.approx(3.0 + np.cos(x), rel=1e-12)
    assert ag.grad(module.Holder.static)(x) == pytest.approx(4 * x ** 3, rel=1e-12)
