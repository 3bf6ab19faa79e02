"""Gradient descent: minimize f(x, y) = (x - 1)**2 + y**2 from (0, 0).

PyTorch equivalent:

    x = torch.tensor(0.0, requires_grad=True)
    y = torch.tensor(0.0, requires_grad=True)
    opt = torch.optim.SGD([x, y], lr=0.01)
    for _ in range(500):
        opt.zero_grad()
        loss = (x - 1)**2 + y**2
        loss.backward()
        opt.step()

The loop runs outside the differentiated function, in ordinary Python. The
gradient code is generated on the first call and reused after that.
Each step multiplies x - 1 by (1 - 2 * lr) = 0.98, so after 500 steps
x = 1 - 0.98**500 exactly.
"""
import astgrad as ag


def f(x, y):
    return (x - 1) ** 2 + y ** 2


df = ag.grad(f, wrt=(0, 1))   # (df/dx, df/dy) = (2 * (x - 1), 2 * y)

x, y = 0.0, 0.0
lr = 0.01
for step in range(500):
    gx, gy = df(x, y)
    x -= lr * gx
    y -= lr * gy

print(f"after 500 steps: x = {x:.4f}, y = {y:.4f}, f = {f(x, y):.3g}")
print(f"exact x after 500 steps, 1 - 0.98**500 = {1 - 0.98 ** 500:.4f}")
print("minimum: x = 1.0000, y = 0.0000")
