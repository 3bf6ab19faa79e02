"""Name the bug behind a failing outcome, from its signature (and, where one
signature covers several bugs, the program's source): the catalogue of what
the fuzzer has found, each with its issue and its regression test in
tests/test_fuzz_regressions.py. `python -m tests.fuzz known` prints the in-suite
batch's KNOWN table for the astgrad it imports."""
from __future__ import annotations

import ast
import re
import textwrap


def _swap_in_loop(source: str) -> bool:
    """`a, b = b, a` somewhere inside a loop."""
    for loop in ast.walk(ast.parse(source)):
        if isinstance(loop, (ast.For, ast.While)):
            for node in ast.walk(loop):
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Tuple) and \
                        isinstance(node.targets[0], ast.Tuple) and \
                        ast.dump(node.targets[0]).replace("Store", "Load") == \
                        ast.dump(ast.Tuple(node.value.elts[::-1], ast.Load())):
                    return True
    return False

# (name, signature pattern, source test or None, reason). The first match wins.
BUGS = [
    ("pullback twice", r"a second pullback call differs|pullback call changes the gradients",
     None, "issue 9 (fuzzer): after a write into an argument (`x[i] = ...`) the pullback "
     "restores x[i] into the captured x itself, so a second pullback call is wrong "
     "(test_pullback_after_a_write_into_an_argument_twice)"),
    ("pullback changes value", r"the pullback changes the value it returned", None,
     "issue 9 item 5: a function that writes into its argument and returns it; the pullback "
     "changes the returned value back"),
    ("jvp changes tangent", r"jvp changes the tangent it was given", None,
     "issue 9 (fuzzer): jvp of a write into an argument writes the tangent into the caller's "
     "tangent array (test_jvp_of_a_write_into_an_argument)"),
    ("read-only tangent", r"assignment destination is read-only", None,
     "issue 9 (fuzzer): jvp: a tangent made by broadcasting is a read-only view, and an index "
     "write into its value writes into it (test_jvp_of_a_write_into_a_broadcast_float)"),
    ("branch not taken", r"NameError in generated code: cannot access free variable", None,
     "issue 9 (fuzzer): the pullback reads a name bound only in a branch that did not run: "
     "NameError (test_write_into_an_array_made_in_a_branch_not_taken, "
     "test_early_return_of_an_index_of_an_index)"),
    ("list index with a slice", r"crash \| reverse \| SyntaxError in astgrad/transform/codegen",
     None, "issue 9: an index mixing a list and a slice (`A[[0, 0], :]`) writes "
     "`np.add.at(bA, ([0, 0], :), ...)`: SyntaxError (test_list_index_with_a_slice)"),
    ("second order slice", r"crash \| second-\w+ \| SyntaxError in astgrad/transform/codegen",
     None, "issue 9 (fuzzer): second order of a read `M[:, i]` inside a loop writes a slice "
     "into np.add.at: SyntaxError (test_second_order_of_a_column_read_in_a_loop)"),
    ("second order object array", r"dtype\('O'\)|object$|\) object|sum_to: 'v' object is not "
     r"subscriptable", None,
     "issue 9 (fuzzer): second order of a choice between items inside a loop makes object "
     "arrays (test_second_order_of_a_choice_in_a_loop)"),
    ("swap in a loop", r"wrong \| reverse \| value", _swap_in_loop,
     "issue 9 (fuzzer): `A, B = B, A` inside a loop is sequentialized: wrong value and "
     "gradient (test_swap_in_a_loop)"),
    ("helper writes its argument", r"wrong \| reverse \| value", None,
     "issue 9 (fuzzer): a helper that updates its array parameter in place changes the "
     "caller's array; astgrad ignores it (test_helper_updating_its_parameter_in_place)"),
    ("float gradient 0-d", r"gradient of float|\) is float \(\)", None,
     "issue 9 item 12 (fuzzer): an argument reassigned in a branch, the output not depending "
     "on it: its zero gradient has the wrong type (array(0.) for a float; at second order "
     "0.0 for an array) (test_gradient_of_an_unused_float_reassigned_in_a_branch)"),
    ("unread list item (matmul)", r"matmul: Input operand N (does not have enough|has a "
     r"mismatch)", r"\b(xs|ys|items|terms|layers)\w*\[",
     "issue 9 (fuzzer): list items never read keep the adjoint 0.0, which reaches the "
     "np.outer / matmul rules: ValueError from matmul "
     "(test_unread_list_item_reduced_along_an_axis is the same bug through np.sum)"),
    ("branches of different shapes", r"IndexError in astgrad/runtime/__init__.py:<genexpr>"
     r"|matmul: Input operand N does not have enough dimensions", None, "issue 9 (fuzzer): branches (or a helper's returns) of different shapes: the "
     "branch not taken gets a 0.0 adjoint that unbroadcast cannot shape: IndexError "
     "(test_branches_of_different_shapes, test_conditional_of_a_vector_and_a_float)"),
    ("slice from itself", r"wrong \| \S+ \| derivative", r"\b(\w+)\[[^\]\n]*\] = \1\n",
     "issue 9 (fuzzer): `u[0:2] = u`, a slice written from the array itself: the gradient "
     "through it is silently zero (test_slice_written_from_itself)"),
    ("tangent of a parameter not differentiated", r"forward \| UnboundLocalError", None,
     "issue 9 (fuzzer): jvp with respect to some parameters of code that updates another "
     "parameter in place in branches: its tangent is read before it is set, "
     "UnboundLocalError (test_jvp_of_an_update_of_a_parameter_not_differentiated)"),
    ("unread list item", r"AxisError in generated code: axis N is out of bounds", None,
     "issue 9 (fuzzer): a list item never read keeps the adjoint 0.0, and an axis rule "
     "calls np.expand_dims(0.0, axis): AxisError "
     "(test_unread_list_item_reduced_along_an_axis)"),
    ("list of tuples", r"for \+=: 'v' and 'v'", r"for \w+, \w+ in ",
     "issue 9: a list of tuples built with append and unpacked in `for W, b in xs:`: "
     "TypeError 'float' and 'list'"),
    ("and/or in a loop", r"pop from empty list|'NoneType'|0-dimensional, but",
     r"\b(and|or)\b",
     "issue 9 (fuzzer; also issue 9's `while ... and ...` crash): an and/or condition inside "
     "a loop restores its short-circuit flag in the wrong order: pop from empty list, or a "
     "gradient through a branch that never ran (test_and_in_a_loop)"),
    ("second order list in a loop", r"second-\w+ \| IndexError in generated code: list "
     r"assignment index", None,
     "issue 9 (fuzzer): second order of a list built by append and iterated inside another "
     "loop: IndexError (test_second_order_of_a_list_summed_in_a_loop)"),
    ("shape changes per iteration", r"non-broadcastable output operand|operands could not "
     r"be broadcast|is out of bounds for axis", r"\[1:\]|\[:-1\]|np\.diff\(",
     "issue 14 item 2 (fuzzer): a value whose shape changes from one iteration to the next "
     "(a slice of itself, or list items shrinking per level): its adjoint keeps one shape "
     "(test_value_shrinking_in_a_loop, test_list_items_shrinking_per_level)"),
    ("list rebound", r".", r"\n\s+\w+ = (nxt|children|minors)\b|\n\s+\w+ = xs\b",
     "issue 14 item 1: a list rebound to another list (`xs = nxt`, `ys = xs`) joins the "
     "adjoint lists with `+` (test_list_under_a_second_name)"),
]
REASON = {name: reason for name, _, _, reason in BUGS}


def explain(outcome, source: str) -> str:
    """The name of the bug in BUGS behind `outcome`, or "untriaged: <signature>"."""
    text = outcome.signature() + " | " + outcome.message
    for name, pattern, in_source, _ in BUGS:
        if not re.search(pattern, text):
            continue
        if in_source is None or (in_source(source) if callable(in_source)
                                 else re.search(in_source, source)):
            return name
    return f"untriaged: {outcome.signature()}"


def known_table(results) -> str:
    """The KNOWN dict of tests/test_fuzz.py for these batch results."""
    from .generator import generate
    names = {}
    for seed, _, outcome, _ in sorted(results, key=lambda r: r[0]):
        if outcome.failed:
            names.setdefault(explain(outcome, generate(seed, small=True).source), []).append(seed)
    lines = ["KNOWN: dict[int, str] = {"]
    for name, seeds in sorted(names.items(), key=lambda kv: -len(kv[1])):
        text = f"REASON[{name!r}]" if name in REASON else repr(name)
        listed = textwrap.wrap(", ".join(map(str, seeds)), 80, initial_indent=" " * 8,
                               subsequent_indent=" " * 8)
        lines += ["    **dict.fromkeys(["] + listed + [f"    ], {text}),"] if len(seeds) > 8 \
            else [f"    **dict.fromkeys({seeds}, {text}),"]
    return "\n".join(lines + ["}"])


def known_main(argv) -> int:
    """`python -m tests.fuzz known`: run the in-suite batch, print its KNOWN table."""
    import argparse

    from tests.test_fuzz import BATCH, TIMEOUT

    from .campaign import campaign, order_of
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz known")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    results = campaign(BATCH, order=order_of, timeout=TIMEOUT, small=True, jobs=args.jobs,
                       progress=False)
    print(known_table(results))
    return 0
