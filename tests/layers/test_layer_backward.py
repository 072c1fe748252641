"""Conv1DTranspose.backward and apply_gradients: finite differences, SGD, constraints."""

import numpy as np
import pytest

from deconv1d import Conv1DTranspose, conv1d_transpose_vjp
from deconv1d.constraints import MaxNorm, NonNeg
from deconv1d.initializers import GlorotUniform
from deconv1d.layers.optimizers import constrain, sgd

LAYERS = [
    dict(filters=3, kernel_size=3, strides=2, padding="same", activation="tanh",
         kernel_regularizer="l1_l2", bias_regularizer="l2", activity_regularizer="l2"),
    dict(filters=4, kernel_size=2, strides=3, padding="valid", output_padding=1,
         activation="gelu", kernel_regularizer="l1", groups=2),
    dict(filters=2, kernel_size=4, dilation_rate=2, padding="same", activation="softmax",
         data_format="channels_first", activity_regularizer="l1"),
    dict(filters=2, kernel_size=3, strides=2, padding="same", output_padding=0,
         activation="relu", use_bias=False, kernel_regularizer="l2"),
    dict(filters=2, kernel_size=3, activation="selu", bias_regularizer="l1"),
]


def _setup(config, seed=0):
    layer = Conv1DTranspose(dtype="float64", kernel_initializer=GlorotUniform(seed=seed),
                            bias_initializer="random_normal", **config)
    rng = np.random.default_rng(seed)
    c_in = 4
    shape = (2, 5, c_in) if config.get("data_format") != "channels_first" else (2, c_in, 5)
    x = rng.standard_normal(shape)
    r = rng.standard_normal(layer(x).shape)
    return layer, x, r


def _total_loss(layer, x, r):
    """<layer(x), r> + sum(layer.losses): what a Keras training step differentiates."""
    return np.vdot(layer(x), r) + sum(float(v) for v in layer.losses)


def _numeric(array, loss, step=1e-6):
    grad = np.zeros_like(array)
    for j in np.ndindex(array.shape):
        saved = array[j]
        array[j] = saved + step
        plus = loss()
        array[j] = saved - step
        minus = loss()
        array[j] = saved
        grad[j] = (plus - minus) / (2 * step)
    return grad


@pytest.mark.parametrize("config", LAYERS, ids=lambda c: c["activation"])
def test_backward_matches_central_differences(config):
    layer, x, r = _setup(config)
    layer(x)
    grads = layer.backward(r)
    assert grads["inputs"].shape == x.shape
    np.testing.assert_allclose(grads["kernel"],
                               _numeric(layer.kernel, lambda: _total_loss(layer, x, r)),
                               rtol=1e-6, atol=1e-8)
    if layer.bias is not None:
        np.testing.assert_allclose(grads["bias"],
                                   _numeric(layer.bias, lambda: _total_loss(layer, x, r)),
                                   rtol=1e-6, atol=1e-8)
    else:
        assert grads["bias"] is None
    x_var = x.copy()
    np.testing.assert_allclose(grads["inputs"],
                               _numeric(x_var, lambda: _total_loss(layer, x_var, r)),
                               rtol=1e-6, atol=1e-8)


def test_without_regularization_it_is_the_bare_vjp():
    layer, x, r = _setup(LAYERS[0])
    y = layer(x)
    grads = layer.backward(r, regularization=False)
    d_pre = r * (1 - y ** 2)                            # tanh
    dx, dw, db = conv1d_transpose_vjp(d_pre, x, layer.kernel, 2, "same")
    np.testing.assert_allclose(grads["inputs"], dx, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(grads["kernel"], dw, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(grads["bias"], db, rtol=1e-12, atol=1e-14)
    with_reg = layer.backward(r)
    assert not np.allclose(with_reg["kernel"], grads["kernel"])


def test_dtypes_follow_the_weights_and_the_compute_dtype():
    x = np.ones((1, 4, 2))
    layer = Conv1DTranspose(2, 3, strides=2)                  # float32 like Keras
    grads = layer.backward(np.ones_like(layer(x)))
    assert grads["kernel"].dtype == grads["bias"].dtype == np.float32
    assert grads["inputs"].dtype == np.float32
    mixed = Conv1DTranspose(2, 3, dtype="mixed_float16")
    grads = mixed.backward(np.ones_like(mixed(x)))
    assert grads["kernel"].dtype == np.float32 and grads["inputs"].dtype == np.float16


def test_backward_leaves_the_layer_and_dy_alone():
    layer, x, r = _setup(LAYERS[0])
    layer(x)
    kernel, r_copy = layer.kernel.copy(), r.copy()
    grads = layer.backward(r)
    np.testing.assert_array_equal(layer.kernel, kernel)
    np.testing.assert_array_equal(r, r_copy)
    assert not np.shares_memory(grads["kernel"], layer.kernel)


def test_sgd_step_then_constraint():
    layer = Conv1DTranspose(1, 2, dtype="float64", kernel_constraint="max_norm",
                            bias_constraint="non_neg")
    layer.build((None, None, 1))
    layer.set_weights([np.array([1.0, 1.0]).reshape(2, 1, 1), np.array([0.5])])
    layer.apply_gradients([np.array([-2.0, -1.0]).reshape(2, 1, 1), np.array([1.0])],
                          learning_rate=1.0)
    # w = [3, 2] then max_norm(2) over axis 0: w * 2 / (|w| + 1e-7); b = -0.5 then non_neg.
    expected = np.array([3.0, 2.0]) * 2 / (np.sqrt(13.0) + 1e-7)
    np.testing.assert_allclose(layer.kernel.ravel(), expected, rtol=1e-15)
    assert layer.bias[0] == 0


def test_sgd_is_a_function_of_the_weights():
    weights = {"kernel": np.array([[1.0, -1.0]]), "bias": np.array([0.5], np.float32)}
    grads = {"kernel": np.array([[2.0, 2.0]]), "bias": [1.0], "inputs": np.zeros(9)}
    before = {k: v.copy() for k, v in weights.items()}
    new = sgd(weights, grads, learning_rate=0.5, constraints={"bias": NonNeg()})
    np.testing.assert_array_equal(new["kernel"], [[0.0, -2.0]])
    assert new["bias"].dtype == np.float32 and new["bias"][0] == 0   # 0.5 - 0.5, then non_neg
    for name in weights:                                             # arguments untouched
        np.testing.assert_array_equal(weights[name], before[name])
    assert sorted(new) == ["bias", "kernel"]                         # "inputs" ignored


def test_sgd_without_gradient_still_applies_the_constraint():
    w = {"kernel": np.array([[3.0], [4.0]])}
    new = sgd(w, {}, constraints={"kernel": MaxNorm(1.0)})
    np.testing.assert_allclose(new["kernel"], [[0.6], [0.8]], rtol=1e-6)
    assert constrain(w)["kernel"] is w["kernel"]


@pytest.mark.parametrize("learning_rate", [-0.1, float("inf"), float("nan"), True, "0.1"])
def test_sgd_refuses_a_bad_learning_rate(learning_rate):
    with pytest.raises(ValueError, match="learning_rate="):
        sgd({"w": np.ones(2)}, {"w": np.ones(2)}, learning_rate)


def test_sgd_refuses_a_gradient_of_the_wrong_shape_before_any_step():
    with pytest.raises(ValueError, match=r"grads\['bias'\] with shape \(2,\)"):
        sgd({"kernel": np.ones(3), "bias": np.ones(1)}, {"kernel": np.ones(3), "bias": np.ones(2)})


def test_frozen_layer_refuses_gradients_of_the_wrong_shape():
    """Bug fixed: a layer with trainable=False accepted any gradient shapes silently."""
    layer = Conv1DTranspose(1, 2, dtype="float64", trainable=False, input_shape=(None, 1))
    with pytest.raises(ValueError, match=r"shape \(3, 1, 1\)"):
        layer.apply_gradients([np.ones((3, 1, 1)), np.ones(1)])


def test_frozen_layer_does_not_move():
    layer = Conv1DTranspose(1, 2, dtype="float64", trainable=False)
    y = layer(np.ones((1, 3, 1)))
    before = layer.get_weights()
    layer.apply_gradients(layer.backward(np.ones_like(y)), learning_rate=0.1)
    for a, b in zip(layer.get_weights(), before):
        np.testing.assert_array_equal(a, b)


def test_sgd_fits_a_kernel_to_a_target():
    """The README example: the loss falls by 10^6 in 60 steps (seeded)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 32, 3))
    teacher = Conv1DTranspose(2, 4, strides=2, padding="same", dtype="float64",
                              kernel_initializer=GlorotUniform(seed=1))
    target = teacher(x)
    layer = Conv1DTranspose(2, 4, strides=2, padding="same", dtype="float64",
                            kernel_initializer=GlorotUniform(seed=2))
    losses = []
    for _ in range(61):
        y = layer(x)
        losses.append(np.mean((y - target) ** 2))
        layer.apply_gradients(layer.backward(2 * (y - target) / y.size), learning_rate=0.5)
    assert losses[-1] < 1e-6 * losses[0]
    assert all(b < a for a, b in zip(losses, losses[1:]))
    np.testing.assert_allclose(layer.kernel, teacher.kernel, atol=1e-5)


@pytest.mark.parametrize("call, error, words", [
    (lambda: Conv1DTranspose(1, 2).backward(np.ones((1, 3, 1))), ValueError, "call the layer"),
    (lambda: _called().backward(np.ones((1, 2, 1))), ValueError, "dy with shape (1, 2, 1)"),
    (lambda: _called().apply_gradients(_called().backward(np.ones((1, 4, 1))), -1.0),
     ValueError, "learning_rate=-1.0"),
    (lambda: _called().apply_gradients([np.ones((2, 1, 1))]), ValueError, "a list of 1"),
    (lambda: _called().apply_gradients([np.ones((3, 1, 1)), np.ones(1)]),
     ValueError, "shape (3, 1, 1)"),
    (lambda: _called(activation=np.sin).backward(np.ones((1, 4, 1))), TypeError,
     "activation="),
])
def test_bad_arguments(call, error, words):
    with pytest.raises(error) as info:
        call()
    assert words in str(info.value)


def _called(**kwargs):
    layer = Conv1DTranspose(1, 2, dtype="float64", **kwargs)
    layer(np.ones((1, 3, 1)))
    return layer
