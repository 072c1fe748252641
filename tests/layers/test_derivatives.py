"""Each activation's ``vjp`` and each regularizer's ``gradient``: exact derivatives.

Checked against central differences, and through the dispatchers
:func:`deconv1d.activations.activation_vjp` and
:func:`deconv1d.regularizers.regularizer_gradient`.
"""

import functools

import numpy as np
import pytest

from deconv1d import activations, regularizers
from deconv1d.activations import activation_vjp
from deconv1d.regularizers import regularizer_gradient

#: Where the piecewise activations have kinks: finite differences stay clear of them.
KINKS = np.array([0.0, 0.3, -0.3, 0.5, -0.5, 1.0, -1.0, 2.5, -2.5, 3.0, -3.0, 6.0])

ACTIVATION_CASES = dict(activations.ACTIVATIONS)
ACTIVATION_CASES.pop("threshold")                    # needs arguments: below
ACTIVATION_CASES.update({
    "hard_sigmoid_keras3": activations.hard_sigmoid_keras3,
    "relu(alpha=0.1)": functools.partial(activations.relu, alpha=0.1),
    "relu(max_value=3)": functools.partial(activations.relu, max_value=3.0),
    "relu(max_value=6, alpha=0.1)": functools.partial(activations.relu, max_value=6.0,
                                                      alpha=0.1),
    "relu(threshold=0.3)": functools.partial(activations.relu, threshold=0.3),
    "relu(threshold=-0.3, max_value=3)": functools.partial(activations.relu,
                                                           threshold=-0.3, max_value=3.0),
    "relu(threshold=0.3, alpha=0.2)": functools.partial(activations.relu, threshold=0.3,
                                                        alpha=0.2),
    "leaky_relu(0.3)": functools.partial(activations.leaky_relu, alpha=0.3),
    "elu(0.5)": functools.partial(activations.elu, alpha=0.5),
    "gelu(approximate)": functools.partial(activations.gelu, approximate=True),
    "celu(2)": functools.partial(activations.celu, alpha=2.0),
    "squareplus(1)": functools.partial(activations.squareplus, b=1.0),
    "soft_shrink(1)": functools.partial(activations.soft_shrink, threshold=1.0),
    "threshold(1, -1)": functools.partial(activations.threshold, threshold=1.0,
                                          default_value=-1.0),
    "softmax(axis=1)": functools.partial(activations.softmax, axis=1),
    "log_softmax(axis=1)": functools.partial(activations.log_softmax, axis=1),
    "glu(axis=1)": functools.partial(activations.glu, axis=1),
    "sparsemax(axis=1)": functools.partial(activations.sparsemax, axis=1),
    "get('relu', Keras 2 config)": activations.get(
        {"class_name": "relu", "config": {"alpha": 0.1}}),
})


def _away_from_kinks(x):
    near = np.min(np.abs(x[..., None] - KINKS), axis=-1) < 1e-3
    return np.where(near, x + 0.01, x)


def _numeric_vjp(f, x, dy, step=1e-6):
    grad = np.zeros_like(x)
    for j in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[j] += step
        minus[j] -= step
        # Difference first: only the outputs that move contribute rounding.
        grad[j] = np.vdot(np.asarray(f(plus)) - np.asarray(f(minus)), dy) / (2 * step)
    return grad


@pytest.mark.parametrize("name", sorted(ACTIVATION_CASES))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_activation_derivatives_against_central_differences(name, seed):
    f = ACTIVATION_CASES[name]
    rng = np.random.default_rng(seed)
    x = _away_from_kinks(rng.uniform(-7, 7, size=(2, 4, 6)))
    dy = rng.standard_normal(np.shape(f(x)))
    analytic = activation_vjp(f, x, dy)
    assert analytic.shape == x.shape and analytic.dtype == np.float64
    np.testing.assert_allclose(analytic, _numeric_vjp(f, x, dy), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", sorted(
    n for n in ACTIVATION_CASES
    if not any(word in n for word in ("softmax", "glu", "sparsemax"))))
def test_elementwise_derivatives_on_a_dense_grid(name):
    """Every 0.01 over [-7, 7], 0.005 clear of the kinks: the pieces end where they should."""
    f = ACTIVATION_CASES[name]
    x = np.arange(-700, 700) * 0.01 + 0.005
    step = 1e-6
    numeric = (f(x + step) - f(x - step)) / (2 * step)
    np.testing.assert_allclose(activation_vjp(f, x, np.ones_like(x)), numeric,
                               rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", ["relu", "sigmoid", "gelu", "softmax", "hard_sigmoid"])
def test_activation_derivatives_keep_float32(name):
    x = np.linspace(-4, 4, 12, dtype=np.float32).reshape(2, 6)
    f = activations.ACTIVATIONS[name]
    assert activation_vjp(f, x, np.ones_like(x)).dtype == np.float32


def test_relu_slope_at_the_kink_is_zero_as_in_tensorflow():
    np.testing.assert_array_equal(
        activation_vjp(activations.relu, np.array([0.0]), np.array([1.0])), [0.0])


def test_unknown_activation_derivative_is_a_type_error():
    with pytest.raises(TypeError, match="activation="):
        activation_vjp(np.sin, np.ones(2), np.ones(2))

    def cube(x):
        return x ** 3
    cube.vjp = lambda x, dy: 3 * x ** 2 * dy
    np.testing.assert_array_equal(activation_vjp(cube, np.array([2.0]), np.ones(1)), [12.0])


@pytest.mark.parametrize("regularizer", [regularizers.L1(0.3), regularizers.L2(0.2),
                                         regularizers.L1L2(0.1, 0.4), regularizers.l1_l2(),
                                         regularizers.get("l2")])
def test_regularizer_gradients_against_central_differences(regularizer):
    rng = np.random.default_rng(4)
    w = _away_from_kinks(rng.standard_normal((3, 2, 2)))
    analytic = regularizer_gradient(regularizer, w)
    np.testing.assert_allclose(analytic, _numeric_vjp(regularizer, w, np.array(1.0)),
                               rtol=1e-6, atol=1e-9)


def test_unknown_regularizer_gradient_is_a_type_error():
    with pytest.raises(TypeError, match="regularizer="):
        regularizer_gradient(lambda w: np.sum(w ** 4), np.ones(2))


# --------------------------------------------------------------------------- #
# The derivative lives on the function; the dispatchers only look it up.      #
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("name", sorted(activations.ACTIVATIONS))
def test_every_activation_carries_its_vjp(name):
    f = activations.ACTIVATIONS[name]
    assert callable(f.vjp)
    x = np.linspace(-3.1, 2.9, 8).reshape(2, 4)
    args = (1.0, -1.0) if name == "threshold" else ()
    dy = np.random.default_rng(3).standard_normal(np.shape(f(x, *args)))
    np.testing.assert_array_equal(f.vjp(x, dy, *args),
                                  activation_vjp(functools.partial(f, *args), x, dy))


def test_vjp_takes_the_functions_own_arguments():
    x = np.array([-2.0, 0.5, 4.0])
    np.testing.assert_array_equal(activations.relu.vjp(x, np.ones(3), max_value=3.0),
                                  [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(activations.relu.vjp(x, np.ones(3), alpha=0.25),
                                  [0.25, 1.0, 1.0])
    np.testing.assert_array_equal(activations.leaky_relu.vjp(x, np.ones(3), negative_slope=0.5),
                                  [0.5, 1.0, 1.0])


def test_vjp_accepts_lists_and_leaves_its_arguments_alone():
    x, dy = np.array([-1.0, 1.0]), np.array([2.0, 3.0])
    before = x.copy(), dy.copy()
    got = activations.sigmoid.vjp([-1.0, 1.0], [2.0, 3.0])
    np.testing.assert_array_equal(got, activations.sigmoid.vjp(x, dy))
    np.testing.assert_array_equal(x, before[0])
    np.testing.assert_array_equal(dy, before[1])


def test_custom_vjp_is_used_on_the_callable_and_through_a_partial():
    def scaled_cube(x, scale=1.0):
        return scale * x ** 3
    scaled_cube.vjp = lambda x, dy, scale=1.0: 3 * scale * x ** 2 * dy
    np.testing.assert_array_equal(
        activation_vjp(scaled_cube, np.array([2.0]), np.ones(1)), [12.0])
    np.testing.assert_array_equal(
        activation_vjp(functools.partial(scaled_cube, scale=2.0), np.array([2.0]), np.ones(1)),
        [24.0])

    own = functools.partial(activations.relu, alpha=0.5)
    own.vjp = lambda x, dy: 7 * dy          # a vjp set on the partial itself wins
    np.testing.assert_array_equal(activation_vjp(own, np.array([-1.0]), np.ones(1)), [7.0])


def test_gelu_and_its_derivative_share_erf():
    """d/dx gelu at 0 is 1/2 exactly, and at 1 it is Phi(1) + phi(1)."""
    slope = activations.gelu.vjp(np.array([0.0, 1.0]), np.ones(2))
    assert slope[0] == 0.5
    phi = np.exp(-0.5) / np.sqrt(2 * np.pi)
    assert slope[1] == pytest.approx(activations.gelu(np.array([1.0]))[0] + phi, rel=1e-15)


@pytest.mark.parametrize("regularizer", [regularizers.L1(0.3), regularizers.L2(0.2),
                                         regularizers.L1L2(0.1, 0.4), regularizers.L1L2()])
def test_built_in_regularizers_have_gradient(regularizer):
    w = np.array([[-1.5, 0.0], [2.0, 0.25]])
    before = w.copy()
    np.testing.assert_array_equal(regularizer.gradient(w), regularizer_gradient(regularizer, w))
    np.testing.assert_array_equal(w, before)


def test_regularizer_gradient_pinned_values():
    w = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_array_equal(regularizers.L1(0.5).gradient(w), [-0.5, 0.0, 0.5])
    np.testing.assert_array_equal(regularizers.L2(0.5).gradient(w), [-2.0, 0.0, 3.0])
    np.testing.assert_array_equal(regularizers.L1L2().gradient(w), [0.0, 0.0, 0.0])


def test_regularizer_gradient_keeps_float32():
    w = np.array([1.0, -2.0], dtype=np.float32)
    assert regularizers.L1L2(0.1, 0.1).gradient(w).dtype == np.float32


def test_regularizer_gradient_of_integer_weights_is_not_truncated():
    """Bug fixed: integer weights gave an integer gradient with the factors cast to 0."""
    w = np.array([1, -2, 0])
    got = regularizer_gradient(regularizers.L1L2(l1=0.5, l2=0.25), w)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, [1.0, -1.5, 0.0])


def test_custom_regularizer_gradient_is_used():
    class Quartic(regularizers.Regularizer):
        def __call__(self, w):
            return np.sum(np.asarray(w) ** 4)

        def gradient(self, w):
            return 4 * np.asarray(w) ** 3
    np.testing.assert_array_equal(regularizer_gradient(Quartic(), np.array([1.0, -2.0])),
                                  [4.0, -32.0])

    class NoGradient(regularizers.Regularizer):
        def __call__(self, w):
            return 0.0
    with pytest.raises(TypeError, match="regularizer=NoGradient"):
        regularizer_gradient(NoGradient(), np.ones(2))
