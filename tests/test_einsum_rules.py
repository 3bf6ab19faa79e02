"""np.einsum against finite differences at first and second order, reverse and forward:
letters, `...` (broadcast too), implicit output, the operand-list form, any number of
operands, diagonals and traces, indices summed within one operand; float32 keeps its
dtype; the adjoints in generated code are einsums, so third order works too."""
import numpy as np
import pytest

import astgrad as ag

_r = np.random.default_rng(7)


def _u(*shape):
    return _r.uniform(-1, 1, shape)


A, B, C = _u(3, 4), _u(4, 2), _u(2, 3)
S = _u(3, 3)
T = _u(2, 3, 4)
T2 = _u(2, 4, 5)
x, y = _u(4), _u(4)
v3 = _u(3)
E1 = _u(5, 1, 3)          # `...` of (5, 1) broadcasting against (2,)
E2 = _u(2, 3)
R = _u(3, 2, 3)

CASES = [
    (lambda A, B: np.einsum("ij,jk->ik", A, B), (A, B)),
    (lambda A, B: np.einsum("ij,jk", A, B), (A, B)),                  # implicit output
    (lambda A: np.einsum("ij", A), (A,)),
    (lambda A: np.einsum("ji", A), (A,)),                             # implicit: transposed
    (lambda x, y: np.einsum("i,i->", x, y), (x, y)),
    (lambda x, y: np.einsum("i,j->ij", x, y), (x, y)),
    (lambda A, x: np.einsum("ij,j->i", A, x), (A, x)),
    (lambda A: np.einsum("ij->", A), (A,)),
    (lambda A: np.einsum("ij->j", A), (A,)),
    (lambda A, v3: np.einsum("ij,i->j", A, v3), (A, v3)),
    (lambda A, x: np.einsum("ij,k->ik", A, x), (A, x)),               # j summed within A
    (lambda S: np.einsum("ii->", S), (S,)),                           # trace
    (lambda S: np.einsum("ii", S), (S,)),
    (lambda S: np.einsum("ii->i", S), (S,)),                          # diagonal
    (lambda S, v3: np.einsum("ii,i->i", S, v3), (S, v3)),
    (lambda R: np.einsum("iji->j", R), (R,)),                         # a diagonal across
    (lambda R: np.einsum("iji", R), (R,)),
    (lambda A, B, C: np.einsum("ij,jk,kl->il", A, B, C), (A, B, C)),  # three operands
    (lambda A, B, C, S: np.einsum("ij,jk,kl,lm->im", A, B, C, S), (A, B, C, S)),
    (lambda T, A, x: np.einsum("bij,ij,j->b", T, A, x), (T, A, x)),
    (lambda T, T2: np.einsum("...ij,...jk->...ik", T, T2), (T, T2)),  # batched matmul
    (lambda T, A: np.einsum("...ij,jk", T, A.T), (T, A)),
    (lambda T: np.einsum("...i->...", T), (T,)),
    (lambda T: np.einsum("i...->...", T), (T,)),
    (lambda T, x: np.einsum("i...j,j->i...", T, x), (T, x)),
    (lambda E1, E2: np.einsum("...i,...i->...", E1, E2), (E1, E2)),   # `...` broadcast
    (lambda E1, E2: np.einsum("...i,...i", E1, E2), (E1, E2)),
    (lambda E2, E1: np.einsum("i...,...->i...", E2[0], E1[:, 0, :]), (E2, E1)),
    (lambda A, B: np.einsum(A, [0, 1], B, [1, 2], [0, 2]), (A, B)),   # operand lists
    (lambda A, B: np.einsum(A, [0, 1], B, [1, 2]), (A, B)),
    (lambda S: np.einsum(S, [0, 0]), (S,)),
    (lambda T, T2: np.einsum(T, [Ellipsis, 0, 1], T2, [Ellipsis, 1, 2], [Ellipsis, 0, 2]),
     (T, T2)),
    (lambda A, B: np.einsum("ij,jk->ik", A, B, optimize=True), (A, B)),
    (lambda A, B, C: np.einsum("ij,jk,kl->il", A, B, C, optimize="greedy"), (A, B, C)),
    (lambda u, x: np.einsum(",i->i", u, x), (np.array(0.7), x)),
    # NumPy broadcasts a length-1 axis against another operand's
    (lambda r, A: np.einsum("ij,ij->ij", r, A), (_u(1, 4), A)),
    (lambda c, B: np.einsum("ij,jk->ik", c, B), (_u(3, 1), B)),
    (lambda s, x: np.einsum("i,i->", s, x), (_u(1), x)),
]


@pytest.mark.parametrize("f, args", CASES, ids=[f"case{i}" for i in range(len(CASES))])
def test_einsum_first_and_second_order(f, args):
    ag.check_grads(f, args, wrt=tuple(range(len(args))), order=2, forward=True)


def _three(A, B, C):
    return np.einsum("ij,jk,kl->il", A, B, C)


def test_one_operand_of_several():
    for k in range(3):
        ag.check_grads(_three, (A, B, C), wrt=k, order=2, forward=True)


def test_generated_code_is_einsums():
    def f(A, B):
        return np.sum(np.einsum("ij,jk->ik", A, B) ** 2)
    text = ag.source(ag.grad(f, wrt=(0, 1)))
    assert "np.einsum('ik,jk->ij'" in text and "np.einsum('ik,ij->jk'" in text
    only_b = ag.source(ag.grad(f, wrt=1))
    assert "'ik,jk->ij'" not in only_b           # no adjoint made for an operand not asked


def _cubic(t):
    return np.einsum("i,i,i->", t * x, t * x, t * x)


def test_third_and_fourth_order():
    # t^3 sum(x^3): the third derivative is 6 sum(x^3), the fourth 0
    d3 = ag.grad(ag.grad(ag.grad(_cubic)))
    np.testing.assert_allclose(d3(0.3), 6 * np.sum(x ** 3))
    np.testing.assert_allclose(ag.grad(d3)(0.3), 0.0, atol=1e-12)


def test_float32_keeps_its_dtype():
    a, b = A.astype(np.float32), B.astype(np.float32)
    s = S.astype(np.float32)
    ga, gb = ag.grad(lambda a, b: np.sum(np.einsum("ij,jk->ik", a, b)), wrt=(0, 1))(a, b)
    assert ga.dtype == gb.dtype == np.float32
    gs = ag.grad(lambda s: np.einsum("ii->", s))(s)
    assert gs.dtype == np.float32
    np.testing.assert_allclose(gs, np.eye(3))
    gr = ag.grad(lambda a: np.sum(np.einsum("ij->i", a)))(a)
    assert gr.dtype == np.float32


def test_the_sublist_form_first_operand_is_differentiated():
    # the first operand of the operand-list form sits where the subscripts are
    g = ag.grad(lambda A, B: np.sum(np.einsum(A, [0, 1], B, [1, 2])), wrt=0)(A, B)
    np.testing.assert_allclose(g, np.broadcast_to(B.sum(1), A.shape))


SPEC = "ij,jk->ik"


def _named_spec(A, B):
    return np.sum(np.einsum(SPEC, A, B) ** 2)


def test_subscripts_not_in_the_call_first_order_only():
    ag.check_grads(_named_spec, (A, B), wrt=(0, 1), forward=True)
    with pytest.raises(ag.AstgradError, match="subscripts are not written in the call"):
        ag.hessian(_named_spec)(A, B)
