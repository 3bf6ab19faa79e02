"""A function and its first three derivatives, each by differentiating the code
astgrad generated for the one before: `ag.grad(ag.grad(ag.grad(f)))`.

Run: python examples/plot_derivatives.py [out.png]   (needs matplotlib; writes
docs/derivatives.png by default)
"""
import sys
from pathlib import Path

import numpy as np

import astgrad as ag


def f(x):
    return np.tanh(x)


def main(out: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")                  # no screen needed
    import matplotlib.pyplot as plt

    derivatives = [f]
    for _ in range(3):
        derivatives.append(ag.grad(derivatives[-1]))     # code of code of code
    names = ["tanh(x)", "first derivative", "second derivative", "third derivative"]

    for x in (0.0, 0.5, 1.0):
        values = ", ".join(f"{d(x):+.6f}" for d in derivatives)
        print(f"at x = {x}: f, f', f'', f''' = {values}")

    xs = np.linspace(-4, 4, 401)
    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    for d, name in zip(derivatives, names):
        ax.plot(xs, [d(float(x)) for x in xs], label=name, linewidth=2)
    ax.axhline(0, color="0.8", linewidth=0.8, zorder=0)
    ax.set_xlabel("x")
    ax.set_title("tanh and its derivatives: ag.grad(f), ag.grad(ag.grad(f)), ...")
    ax.legend(frameon=False)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, metadata={"Software": None})
    print(f"wrote {out}")


if __name__ == "__main__":
    default = Path(__file__).resolve().parent.parent / "docs" / "derivatives.png"
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else default)
