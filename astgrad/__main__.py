"""`python -m astgrad`: print generated code, or list the functions with rules.

    python -m astgrad show path/to/file.py:function [--wrt 0,1] [--kinds float,2d]
    python -m astgrad rules [--markdown]
"""
from __future__ import annotations

import argparse
import importlib.util
import inspect
import os
import sys

import numpy as np

from . import api
from .errors import AstgradError
from .transform import registry

_KINDS = {"float": 1.0, "int": 1, "bool": True}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m astgrad", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    show = sub.add_parser("show", help="print the generated gradient code of a function")
    show.add_argument("target", help="path/to/file.py:function")
    show.add_argument("--wrt", default="0", help="arguments to differentiate: 0,1 or x,y")
    show.add_argument("--mode", default="grad", choices=["grad", "value_and_grad", "vjp"])
    show.add_argument("--order", type=int, default=1,
                      help="1, or 2 for the code of Hessian-vector products")
    show.add_argument("--kinds", default=None,
                      help="argument kinds to specialize for: float, int, or Nd for an "
                           "N-dimensional float array, e.g. float,2d,1d")
    rules = sub.add_parser("rules", help="list every function astgrad can differentiate")
    rules.add_argument("--markdown", action="store_true",
                       help="print the page docs/rules.md (generated, never edited by hand)")
    args = parser.parse_args(argv)
    try:
        if args.command == "rules":
            print(rules_markdown() if args.markdown else rules_table())
        else:
            print(show_source(args), end="")
    except AstgradError as exc:
        print(f"astgrad: {exc}", file=sys.stderr)
        return 2
    return 0


def show_source(args) -> str:
    fn = _load(args.target)
    if args.order not in (1, 2):
        raise AstgradError(f"--order {args.order}: show prints first or second derivatives.")
    wrt = tuple(int(w) if w.lstrip("-").isdigit() else w for w in args.wrt.split(","))
    wrt = wrt if len(wrt) > 1 else wrt[0]
    df = getattr(api, args.mode)(fn, wrt=wrt)
    if args.order == 2:
        # The second derivative's code: the gradient's code differentiated again, in
        # forward mode (Hessian-vector products; `ag.hessian` and `ag.hvp` run it).
        df = api.jvp(api.grad(fn, wrt=wrt), wrt=wrt)
    if args.kinds:
        df._astgrad.specialize(*_examples(args.kinds, fn))
    return api.source(df)


def _load(target: str):
    path, sep, name = target.rpartition(":")
    if not sep or not path or not name:
        raise AstgradError(f"'{target}' is not of the form path/to/file.py:function.")
    if not os.path.isfile(path):
        raise AstgradError(f"no such file: {path}")
    spec = importlib.util.spec_from_file_location(
        os.path.splitext(os.path.basename(path))[0], path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.pop(0)
    fn = getattr(module, name, None)
    if not inspect.isfunction(fn):
        defined = sorted(n for n, v in vars(module).items()
                         if inspect.isfunction(v) and v.__module__ == module.__name__)
        raise AstgradError(f"{path} has no function `{name}`; it defines: "
                           f"{', '.join(defined) or 'no functions'}.")
    return fn


def _examples(text: str, fn) -> list:
    out = []
    for word in text.split(","):
        word = word.strip().lower()
        if word in _KINDS:
            out.append(_KINDS[word])
        elif word.endswith("d") and word[:-1].isdigit():
            out.append(np.ones((2,) * int(word[:-1])))
        else:
            raise AstgradError(f"--kinds: '{word}' is not float, int, bool or Nd (e.g. 2d).")
    n = len(inspect.signature(fn).parameters)
    if len(out) != n:
        raise AstgradError(f"--kinds gives {len(out)} kinds for {n} arguments.")
    return out


def rules_table() -> str:
    rows = [("function", "reverse", "forward")]
    for prim in registry.all_primitives():
        if prim.name.startswith("operator.") or prim.name.startswith("rt."):
            continue
        if prim.nondiff:
            rows.append((prim.name, "constant", "constant"))
        elif prim.vjps or prim.jvps or prim.linear:
            forward = prim.params and any(registry.forward_rule(prim, i) not in (None, "zero")
                                          for i in range(len(prim.params)))
            rows.append((prim.name, "yes" if prim.vjps else "-", "yes" if forward else "-"))
    width = max(len(r[0]) for r in rows)
    return "\n".join(f"{a:<{width}}  {b:<8}  {c}" for a, b, c in rows)


def rules_markdown() -> str:
    """docs/rules.md: every function with rules and how each mode treats it, from the registry."""
    lines = ["# Supported functions", "",
             "<!-- Generated from the rule registry: regenerate with",
             "     python -m astgrad rules --markdown > docs/rules.md -->", "",
             "Calls to these functions can be differentiated. *reverse*: `grad`, `vjp` and",
             "the other reverse transforms; *forward*: `jvp` (and `hvp`, forward over",
             "reverse). For each mode, the arguments that carry a derivative; *constant*:",
             "the output carries no derivative; *-*: no rule (refused, never approximated).",
             "Some variants (an `ord`, a `mode`) are refused at run time with a message.",
             "", "| function | reverse | forward |", "|---|---|---|"]
    counts = {"reverse": 0, "forward": 0, "constant": 0}
    for prim in registry.all_primitives():
        if (not prim.name.startswith(("np.", "operator.", "math.", "scipy.", "statistics."))
                and getattr(prim.fn, "__module__", "") != "builtins"):
            continue
        if prim.nondiff:
            counts["constant"] += 1
            lines.append(f"| `{prim.name}` | constant | constant |")
            continue
        back = [p for p, r in zip(prim.params or (), prim.vjps) if r is not None]
        ahead = [p for i, p in enumerate(prim.params or ())
                 if registry.forward_rule(prim, i) not in (None, "zero")]
        if not back and not ahead:
            continue
        counts["reverse"] += bool(back)
        counts["forward"] += bool(ahead)
        lines.append(f"| `{prim.name}` | {', '.join(back) or '-'} | {', '.join(ahead) or '-'} |")
    lines += ["", f"{counts['reverse']} functions with reverse rules, {counts['forward']} with "
              f"forward rules, {counts['constant']} constants.", "", *_NOTES]
    return "\n".join(lines)


_NOTES = """## Piecewise-constant functions

A function whose values are whole numbers or flags, flat between jumps, has slope 0
wherever it has a slope, and astgrad gives 0 (at a jump, where there is none, 0 as
well): `np.floor`, `np.ceil`, `np.round`, `np.rint`, `np.trunc`, `np.fix`, `//`,
`np.sign` of real values, comparisons, and every cast to an integer or boolean type:
`x.astype(int)`, `np.asarray(x, dtype=int)`, `np.array(x, dtype=np.int32)`, `int(x)`,
`round(x)`, and `np.arange`/`np.linspace` with an integer `dtype` (with respect to
their ends and step). This 0 is the derivative, not a dropped one: `np.floor(x) * x`
has the slope `np.floor(x)`. A value you mean to differentiate must stay a float; a
float cast (`astype(np.float32)`) keeps the slope.

## Complex values

Every function above that NumPy computes for complex values takes them, in the
convention of docs/complex.md: the linear-algebra functions (norms, `svd`, `svdvals`,
`eigh`, `eigvalsh`, `qr`, `cholesky`, `pinv`, `lstsq`, `eigvals`, ...) conjugate where
their complex forms do. A function of singular vectors or eigenvectors that depends on
their phases (which LAPACK chooses) is refused; so are repeated singular values or
eigenvalues, where the vectors have no derivative. `np.interp` takes complex sample
values `fp`; complex points `x`, `xp` are refused (they are positions on the real line).
`np.fft`'s transforms take complex values; `np.cov` and `np.corrcoef` refuse them.

## Special points

docs/edge_points.md lists the legal points where a textbook formula fails and what
astgrad gives there: `np.linalg.norm` of a zero vector has slope 0 (as `np.abs` at 0),
and a branch `np.where` masks out contributes 0 where it is masked, also where its own
slope is infinite (`np.where(x > 0, np.sqrt(x), 0.0)` at `x = 0`).""".splitlines()


if __name__ == "__main__":
    sys.exit(main())
