"""Several outputs, several inputs: `torch.autograd.grad(outputs=[y1, y2], inputs=[x1, x2])`.

PyTorch equivalent:

    x1 = torch.tensor(1.0, requires_grad=True)
    x2 = torch.tensor(2.0, requires_grad=True)
    y1 = x1 * x2
    y2 = x1 + x2
    torch.autograd.grad(y1, [x1, x2])                    # (2., 1.)
    torch.autograd.grad([y1, y2], [x1, x2],
                        grad_outputs=[torch.tensor(1.), torch.tensor(1.)])   # (3., 2.)

With several outputs, PyTorch sums the gradients of all outputs, each
weighted by its grad_output. astgrad's `vjp` does the same when the function
returns a tuple and the pullback is given a tuple of seeds.
"""
import astgrad as ag


def y1(x1, x2):
    return x1 * x2


def both(x1, x2):
    return x1 * x2, x1 + x2


# One output, two inputs: wrt=(0, 1) gives (dy1/dx1, dy1/dx2) = (x2, x1).
print("grad of y1 wrt (x1, x2):", ag.grad(y1, wrt=(0, 1))(1.0, 2.0))  # (2.0, 1.0)

# Two outputs, two inputs: one seed per output; gradients are summed.
(v1, v2), pullback = ag.vjp(both, wrt=(0, 1))(1.0, 2.0)
print("outputs (y1, y2):", (v1, v2))
print("summed grads of (y1, y2) wrt (x1, x2), seeds (1.0, 1.0):", pullback((1.0, 1.0)))  # (3.0, 2.0)
