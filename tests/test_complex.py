"""Complex numbers (issue 11): complex arguments, intermediates and outputs, in the
convention autograd and JAX document (docs/complex.md), against finite differences
in the real and the imaginary direction of every element (`ag.check_grads`)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import astgrad as ag

RNG = np.random.default_rng(7)
Z = RNG.normal(size=3) + 1j * RNG.normal(size=3)          # a complex vector
W = RNG.normal(size=3) + 1j * RNG.normal(size=3)
M = RNG.normal(size=(3, 3)) + 1j * RNG.normal(size=(3, 3))
X = RNG.normal(size=3)                                    # a real vector
A = RNG.normal(size=(3, 3))
C = 0.8 - 1.3j                                            # a Python complex


# ---- the convention, and gradient descent with it ---------------------------------------------
def test_grad_of_a_real_function_is_du_dx_minus_i_du_dy():
    # |z|^2 = x^2 + y^2: du/dx - i du/dy = 2x - 2iy = 2 conj(z), as autograd and JAX give
    assert ag.grad(lambda z: abs(z) ** 2)(3.0 + 4.0j) == 6.0 - 8.0j
    np.testing.assert_allclose(ag.grad(lambda z: np.sum(np.abs(z) ** 2))(Z), 2 * np.conj(Z))


def fit(z, target):
    """The squared distance of z to the target points (a real function of complex z)."""
    return np.sum(np.abs(z - target) ** 2)


def test_gradient_descent_steps_along_the_conjugate_and_converges():
    # the worked example of docs/complex.md
    target = np.array([1.0 + 2.0j, -0.5 + 0.25j])
    dfit = ag.grad(fit)
    z = np.zeros(2, dtype=complex)
    for _ in range(100):
        z = z - 0.1 * np.conj(dfit(z, target))
    np.testing.assert_allclose(z, target, atol=1e-8)
    assert fit(z, target) < 1e-15
    # without the conjugate the imaginary parts walk away from the minimum
    z = np.zeros(2, dtype=complex)
    for _ in range(100):
        z = z - 0.1 * dfit(z, target)
    assert abs(z.imag - target.imag).max() > 1.0


def test_grad_of_a_holomorphic_function_is_its_derivative():
    for f, df in [(lambda z: z ** 3, lambda z: 3 * z ** 2),
                  (lambda z: np.exp(z) * np.sin(z), lambda z: np.exp(z) * (np.sin(z) + np.cos(z))),
                  (lambda z: np.log(z) / (z + 2), lambda z: (1 / z - np.log(z) / (z + 2)) / (z + 2)),
                  (lambda z: np.sqrt(z) + np.tanh(z), lambda z: 0.5 / np.sqrt(z) + 1 - np.tanh(z) ** 2)]:
        assert np.isclose(ag.grad(f)(C), df(C), rtol=1e-12)


def test_jvp_of_a_holomorphic_function_is_the_derivative_times_the_tangent():
    t = 0.3 + 0.9j
    value, tangent = ag.jvp(lambda z: np.exp(z) * z)(C, t)
    assert np.isclose(value, np.exp(C) * C)
    assert np.isclose(tangent, np.exp(C) * (C + 1) * t, rtol=1e-12)
    _, tangents = ag.jvp(lambda z: z * z)(Z, W)
    np.testing.assert_allclose(tangents, 2 * Z * W, rtol=1e-12)


def test_jvp_of_any_function_is_the_real_linear_directional_derivative():
    f = ag.jvp(lambda z: np.sum(np.abs(z) ** 2))
    _, along_w = f(Z, W)
    assert np.isclose(along_w, 2 * np.sum(np.real(np.conj(Z) * W)))
    _, along_iw = f(Z, 1j * W)                # not 1j times along_w: |z|^2 is not holomorphic
    assert np.isclose(along_iw, 2 * np.sum(np.real(np.conj(Z) * 1j * W)))
    assert not np.isclose(along_iw, 1j * along_w)


def test_vjp_of_a_complex_output_pairs_cotangent_and_tangent_as_re_g_t():
    v = 0.4 - 1.1j
    _, pullback = ag.vjp(lambda z: np.sin(z))(C)
    assert np.isclose(pullback(v), v * np.cos(C), rtol=1e-12)          # holomorphic: v f'(z)
    _, pullback = ag.vjp(lambda z: np.conj(z))(C)
    assert np.isclose(pullback(v), np.conj(v))                         # Re(v conj(t)) = Re(conj(v) t)
    _, pullback = ag.vjp(lambda z: 1j * z * np.conj(z))(C)             # i |z|^2: R-linear only
    t = 0.2 + 0.7j
    _, tangent = ag.jvp(lambda z: 1j * z * np.conj(z))(C, t)
    assert np.isclose(np.real(v * tangent), np.real(pullback(v) * t))


# ---- every rule, against finite differences in both directions, to second order ------------------
def mean_reshape(z):
    return np.abs(np.mean(np.reshape(z, (9,)) ** 2))


def loop(z):
    s = 0j
    for i in range(3):
        s = s + np.abs(z[i]) * (i + 1j)
    return np.real(s * np.conj(s))


def float_then_complex(z):
    s = 0.0                     # a float, then complex: its kind is known only at run time
    for i in range(3):
        s = s + np.abs(z[i]) * (i + 1j)
    return np.real(s * np.conj(s))


def test_a_value_real_on_one_path_and_complex_on_another():
    ag.check_grads(float_then_complex, (Z,), order=2)
    df = ag.grad(float_then_complex)
    df(Z)
    assert "rt.real_if_real(" in ag.source(df)        # decided where the kinds did not


def parts(z):
    return np.sum(z.real * z.imag + np.real(z) ** 3 - np.imag(z * z))


def conjugates(z):
    return np.sum(np.real(np.conj(z) * np.conjugate(z) * z.conj() * z.conjugate()))


def angles(z):
    return np.sum(np.angle(z) ** 2 + np.angle(z * z, deg=True))


ONE_ARGUMENT = [
    (lambda z: np.sum(np.abs(z)), Z), (lambda z: abs(z[0]) * abs(z[1]), Z), (parts, Z),
    (conjugates, Z), (angles, Z), (lambda z: np.real(np.sum(np.exp(z) * np.sin(z) / (z + 2))), Z),
    (lambda z: np.sum(np.abs(np.log(z) + np.sqrt(z) + np.log10(z) + np.log2(z))), Z),
    (lambda z: np.sum(np.imag(np.tanh(z) * np.cos(z) + np.cosh(z) - np.sinh(z) * np.tan(z))), Z),
    (lambda z: np.sum(np.abs(np.square(z) + np.exp2(z) + np.reciprocal(z) + np.expm1(z))), Z),
    (lambda z: np.sum(np.abs(z ** 2.5 + z ** 3 + np.power(z, 1.5) + np.log1p(z))), Z),
    (lambda z: np.sum(np.real(np.arcsin(z / 3) + np.arctan(z / 3) + np.arcsinh(z))), Z),
    (lambda z: np.sum(np.abs(np.arccosh(z) + np.arccos(z / 3) + np.arctanh(z / 3))), Z),
    (lambda z: np.sum(np.abs(z ** (0.5 + 0.5j))), Z), (lambda z: np.abs(z[0] * z[2]), Z),
    (lambda z: np.sum(np.abs(np.cumsum(z))), Z),
    (lambda z: np.max(np.abs(z)), Z), (lambda z: np.var(z) + np.std(z), Z),
    (lambda z: np.real(np.sum(np.real_if_close(z) ** 2)), Z), (loop, Z),
    (lambda m: np.sum(np.abs(np.sum(m, axis=0))), M), (lambda m: np.sum(np.real(m.T * m)), M),
    (mean_reshape, M), (lambda m: np.abs(np.linalg.det(m)) + np.sum(np.abs(np.linalg.inv(m))), M),
    (lambda m: np.var(m, axis=1)[0] + np.std(m, axis=0, ddof=1)[2], M),
    (lambda m: np.linalg.slogdet(m)[1] + np.imag(np.linalg.slogdet(m)[0]), M),
    (lambda m: np.sum(np.abs(np.diag(m)) + np.abs(np.trace(m))), M),
    (lambda z: np.sum(np.abs(np.tile(z, 2) * np.take(z, [0, 0, 2]).sum())), Z),
    (lambda z: abs(z) ** 2 * np.angle(z), C), (lambda z: np.real(z * z) - np.imag(np.exp(z)), C),
    (lambda z: np.abs(np.sin(z) ** 2 / z), np.complex128(0.6 - 0.4j)),   # a NumPy scalar
]


@pytest.mark.parametrize("f, z", ONE_ARGUMENT)
def test_one_complex_argument(f, z):
    ag.check_grads(f, (z,), order=2)


TWO_ARGUMENTS = [
    (lambda m, z: np.sum(np.abs(m @ z) ** 2), (M, Z)),
    (lambda m, z: np.real(np.sum(np.dot(m, z))), (M, Z)),
    (lambda m, z: np.sum(np.abs(np.linalg.solve(m, z))), (M, Z)),
    (lambda z, w: np.real(np.vdot(z, w)) + np.imag(np.vdot(w, z * z)), (Z, W)),
    (lambda z, w: np.sum(np.abs(z / w) + np.real(np.multiply(z, w) * np.conj(z))), (Z, W)),
    (lambda z, w: np.sum(np.abs(np.subtract(z, w) * np.add(z, w) / np.divide(z, w))), (Z, W)),
    # real and complex together: a real argument's gradient is real
    (lambda x, z: np.sum(np.abs(x * z)), (X, Z)), (lambda a, z: np.sum(np.abs(a @ z) ** 2), (A, Z)),
    (lambda x, z: np.sum(np.abs(np.stack([x, z]))), (X, Z)),
    (lambda x, z: np.sum(np.abs(np.where(x > 0, z, x))), (X, Z)),
    (lambda a, b: abs(complex(a, b)) ** 2 + np.angle(complex(b)), (0.3, -1.2)),
]


@pytest.mark.parametrize("f, args", TWO_ARGUMENTS)
def test_two_arguments(f, args):
    ag.check_grads(f, args, wrt=(0, 1), order=2)


@pytest.mark.parametrize("f", [
    lambda x: np.sum(np.real(np.exp(1j * x) * x)),
    lambda x: np.sum(np.abs(x + 2j) ** 2),
    lambda x: np.angle(np.sum(x * (1 + 1j) + 0.5j)),
    lambda x: np.sum(np.imag(x * np.exp(0.3j * x))),
])
def test_a_real_argument_through_complex_intermediates(f):
    ag.check_grads(f, (X,), order=2)
    g = ag.grad(f)(X)
    assert g.dtype == np.float64


# ---- where the naive formulas fail: the modulus and the angle at 0 ------------------------------
def test_modulus_and_angle_at_zero_have_slope_zero_not_nan():
    z = np.array([0j, 1.0 + 1.0j])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        g = ag.grad(lambda z: np.sum(np.abs(z)))(z)
        h = ag.grad(lambda z: np.sum(np.angle(z)))(z)
        _, t = ag.jvp(lambda z: np.sum(np.abs(z) + np.angle(z)))(z, np.array([1 + 1j, 0j]))
        assert ag.grad(lambda z: abs(z))(0j) == 0
    np.testing.assert_allclose(g, [0, np.conj(z[1]) / abs(z[1])])
    np.testing.assert_allclose(h, [0, -1j / z[1]])
    assert t == 0


# ---- types: a complex argument's gradient is complex, of its precision -------------------------
def test_gradient_types():
    assert type(ag.grad(lambda z: np.real(z))(C)) is complex
    assert type(ag.grad(lambda z: abs(z))(C)) is complex
    g = ag.grad(lambda z: np.sum(np.real(z)))(Z)            # every adjoint on the way is real
    assert g.dtype == np.complex128
    np.testing.assert_array_equal(g, np.ones(3))
    assert ag.grad(lambda z: np.sum(np.abs(z)))(Z.astype(np.complex64)).dtype == np.complex64
    assert ag.grad(lambda z: np.sum(z))(Z).dtype == np.complex128     # a complex output


# ---- refused -------------------------------------------------------------------------------------
@pytest.mark.parametrize("value, what", [(np.array([1, 2]), "an integer"),
                                         (np.array([True, False]), "a boolean"),
                                         (3, "an integer")])
def test_integer_and_boolean_arguments_stay_refused(value, what):
    with pytest.raises(ag.AstgradError, match=f"with respect to `z`: it is {what}"):
        ag.grad(lambda z: np.sum(z * 1.0))(value)


def sign_of_complex(z):
    return np.sum(np.abs(np.sign(z) - 1))


def test_sign_of_a_complex_value_is_refused_not_a_silent_zero():
    with pytest.raises(ag.AstgradError, match=r"np.sign\(z\)` of a complex value") as info:
        ag.grad(sign_of_complex)(Z)
    assert "test_complex.py" in str(info.value) and "z / np.abs(z)" in str(info.value)
    ag.check_grads(sign_of_complex, (X,))            # real: piecewise constant, slope 0


@pytest.mark.parametrize("transform", [ag.hessian, ag.jacobian])
def test_hessian_and_jacobian_of_a_complex_argument_are_refused(transform):
    with pytest.raises(ag.AstgradError, match="of a complex argument is not defined"):
        transform(lambda z: np.sum(np.abs(z) ** 2))(Z)


def test_jacobian_of_a_complex_output_of_real_arguments():
    t = np.array([0.3, 0.5])
    np.testing.assert_allclose(ag.jacobian(lambda t: np.exp(1j * t))(t), np.diag(1j * np.exp(1j * t)))
    np.testing.assert_allclose(ag.jacobian(lambda t: np.sum(np.exp(1j * t)))(t), 1j * np.exp(1j * t))


# ---- generated code: real values' code has no trace of complex numbers --------------------------
def test_real_code_folds_the_complex_tests_away():
    df = ag.grad(lambda x: np.sum(np.abs(x)) + abs(x[0]))
    df(X)
    text = ag.source(df)
    assert "np.sign(x)" in text
    assert "conj" not in text and "isrealobj" not in text and "np.real" not in text
    dv = ag.grad(lambda x: np.var(x))
    dv(X)
    assert "conj" not in ag.source(dv)


def test_complex_code_reads_as_the_maths():
    df = ag.grad(lambda z: np.sum(np.abs(z)))
    df(Z)
    text = ag.source(df)
    assert "np.conjugate(z)" in text and "isrealobj" not in text and "np.sign" not in text
    dm = ag.grad(lambda x: np.real(np.exp(1j * x)))
    dm(0.5)
    assert "np.real(" in ag.source(dm)                # the real argument's adjoint: its real part
    assert ag.grad(lambda x: np.real(np.exp(1j * x)))(0.5) == pytest.approx(-np.sin(0.5))


# ---- check_grads itself looks in the imaginary direction --------------------------------------------
@ag.primitive
def wrong_modulus(z):
    return np.abs(z)


ag.defvjp(wrong_modulus, lambda g, ans, z: g * z / ans)           # the conjugate forgotten
ag.defjvp(wrong_modulus, lambda t, ans, z: np.real(t * np.conj(z)) / ans)


def test_check_grads_catches_a_missing_conjugate():
    with pytest.raises(AssertionError, match="imaginary direction"):
        ag.check_grads(lambda z: np.sum(wrong_modulus(z)), (Z,))
    ag.check_grads(lambda x: np.sum(wrong_modulus(x)), (X,))     # right for real values


def test_a_real_values_seed_or_tangent_is_real():
    _, pullback = ag.vjp(lambda x: np.sin(x))(X)
    with pytest.raises(ag.AstgradError, match="seed is complex but its output is real"):
        pullback(X + 1j)
    with pytest.raises(ag.AstgradError, match="tangent is complex but its argument is real"):
        ag.jvp(lambda x: np.sum(np.sin(x)))(X, X + 1j)
    _, pullback = ag.vjp(lambda z: np.sin(z))(Z)
    np.testing.assert_allclose(pullback(X), X * np.cos(Z))       # a real seed of a complex output


def test_functions_once_for_real_values_only_take_complex_ones():
    # their own tests, with the other linear-algebra functions: tests/test_complex_linalg.py
    for f in [lambda z: np.linalg.norm(z), lambda z: np.sum(np.abs(np.convolve(z, z))),
              lambda z: np.nanvar(z)]:
        ag.check_grads(f, (Z,))
    for f in [lambda m: np.sum(np.linalg.svd(m, compute_uv=False)),
              lambda m: np.sum(np.abs(np.linalg.qr(m)[1]))]:
        ag.check_grads(f, (M,))


def test_complex_values_in_containers_of_parameters():
    f = lambda p: np.sum(np.abs(p["a"] * p["b"]) ** 2)          # noqa: E731
    g = ag.grad(f)({"a": Z, "b": X})
    assert g["a"].dtype == np.complex128 and g["b"].dtype == np.float64
    ag.check_grads(f, ({"a": Z, "b": X},), order=2)
    h = lambda p: np.sum(np.abs(p[0]) ** 2) + abs(p[1]) ** 2     # noqa: E731
    assert ag.grad(h)([Z, C])[1] == 2 * np.conj(C)
    ag.check_grads(h, ([Z, C],), order=2)


# ---- every elementwise rule NumPy computes for complex values ----------------------------------
def _elementwise_for_complex():
    from astgrad.transform import registry
    found = []
    for prim in registry.all_primitives():
        nin = getattr(prim.fn, "nin", None) or len(prim.params or ())
        if not prim.elementwise or prim.nondiff or not prim.name.startswith("np.") \
                or nin not in (1, 2):
            continue
        try:
            with np.errstate(all="ignore"):
                prim.fn(*(Z, W)[:nin])
        except (TypeError, ValueError):
            continue                                 # NumPy takes no complex values here
        found.append(pytest.param(prim.fn, nin, id=prim.name))
    return found


def _unary(fn):
    return lambda a: np.sum(np.abs(fn(a)) ** 2)


def _binary(fn):
    return lambda a, b: np.sum(np.abs(fn(a, b)) ** 2)


@pytest.mark.parametrize("fn, nin", _elementwise_for_complex())
def test_every_elementwise_rule_for_complex_values(fn, nin):
    f = _unary(fn) if nin == 1 else _binary(fn)
    ag.check_grads(f, (Z / 2, W / 2)[:nin], wrt=tuple(range(nin)))


def test_a_real_matrix_through_its_complex_eigenvalues_has_a_real_gradient():
    a = np.array([[1.0, 2.0, 0.3], [-1.5, 0.5, 1.0], [0.2, -0.7, 2.0]])   # two complex roots
    f = lambda a: np.sum(np.abs(np.linalg.eigvals(a)) ** 2)               # noqa: E731
    assert ag.grad(f)(a).dtype == np.float64
    ag.check_grads(f, (a,), order=2)
