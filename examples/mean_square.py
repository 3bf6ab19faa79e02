"""The classic autograd tutorial: out = mean(3 * (x + 2)**2) at x = ones((2, 2)).

PyTorch equivalent:

    x = torch.ones(2, 2, requires_grad=True)
    y = x + 2
    z = y * y * 3
    out = z.mean()                            # tensor(27.)
    out.backward()
    x.grad                                    # 4.5 everywhere

By hand: out = (1/4) * sum(3 * (x + 2)**2), so d out / dx = 1.5 * (x + 2),
which is 4.5 at x = 1.
"""
import numpy as np

import astgrad as ag


def out(x):
    y = x + 2
    z = y * y * 3
    return z.mean()


x = np.ones((2, 2))
value, grad = ag.value_and_grad(out)(x)
expected = 1.5 * (x + 2)

print("out =", value)                            # 27.0
print("d out / dx =", grad.tolist())             # [[4.5, 4.5], [4.5, 4.5]]
print("1.5 * (x + 2) =", expected.tolist())
print("equal:", np.allclose(grad, expected))
