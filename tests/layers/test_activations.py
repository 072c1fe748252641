"""Every activation against its formula, written out element by element."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from deconv1d import activations as A

X = np.array([-7.0, -3.0, -2.5, -1.0, -0.5, -0.1, 0.0, 0.1, 0.5, 1.0, 2.5, 3.0, 6.5, 20.0])


def sig(v):
    return 1.0 / (1.0 + math.exp(-v))


def softplus(v):
    return math.log1p(math.exp(v)) if v < 30 else v


# name -> scalar formula (Keras 2.9 definitions; Keras 3 ones for the additions).
SCALAR = {
    "linear": lambda v: v,
    "relu": lambda v: max(v, 0.0),
    "elu": lambda v: v if v > 0 else math.expm1(v),
    "selu": lambda v: 1.0507009873554805 * (v if v > 0 else 1.6732632423543772 * math.expm1(v)),
    "softplus": softplus,
    "softsign": lambda v: v / (1 + abs(v)),
    "swish": lambda v: v * sig(v),
    "silu": lambda v: v * sig(v),
    "gelu": lambda v: 0.5 * v * (1 + math.erf(v / math.sqrt(2))),
    "tanh": math.tanh,
    "sigmoid": sig,
    "exponential": math.exp,
    "hard_sigmoid": lambda v: min(max(0.2 * v + 0.5, 0.0), 1.0),
    "leaky_relu": lambda v: v if v > 0 else 0.2 * v,
    "relu6": lambda v: min(max(v, 0.0), 6.0),
    "mish": lambda v: v * math.tanh(softplus(v)),
    "celu": lambda v: max(v, 0.0) + math.expm1(min(v, 0.0)),
    "squareplus": lambda v: (v + math.sqrt(v * v + 4)) / 2,
    "soft_shrink": lambda v: v - 0.5 if v > 0.5 else (v + 0.5 if v < -0.5 else 0.0),
    "hard_shrink": lambda v: v if abs(v) > 0.5 else 0.0,
    "sparse_plus": lambda v: 0.0 if v <= -1 else ((v + 1) ** 2 / 4 if v < 1 else v),
    "sparse_sigmoid": lambda v: 0.0 if v <= -1 else (1.0 if v >= 1 else (v + 1) / 2),
    "tanh_shrink": lambda v: v - math.tanh(v),
    "hard_tanh": lambda v: min(max(v, -1.0), 1.0),
    "hard_silu": lambda v: v * min(max(v / 6 + 0.5, 0.0), 1.0),
    "hard_swish": lambda v: v * min(max(v / 6 + 0.5, 0.0), 1.0),
    "log_sigmoid": lambda v: -softplus(-v),
}


@pytest.mark.parametrize("name", sorted(SCALAR))
def test_elementwise_formula(name):
    fn = A.get(name)
    got = fn(X)
    want = np.array([SCALAR[name](v) for v in X])
    assert got.dtype == np.float64 and got.shape == X.shape
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-15)


def test_every_elementwise_name_is_covered():
    rowwise = {"softmax", "log_softmax", "glu", "sparsemax", "threshold"}
    assert set(A.ACTIVATIONS) == set(SCALAR) | rowwise


def test_hard_sigmoid_keras2_and_keras3_differ_as_documented():
    x = np.array([-3.0, -2.5, 1.0, 2.5, 3.0])
    np.testing.assert_array_equal(A.get("hard_sigmoid")(x), [0.0, 0.0, 0.7, 1.0, 1.0])
    np.testing.assert_allclose(A.get("hard_sigmoid", keras_version=3)(x),
                               [0.0, 1 / 12, 2 / 3, 11 / 12, 1.0], rtol=1e-15)


def test_gelu_approximate_tanh_form():
    want = [0.5 * v * (1 + math.tanh(math.sqrt(2 / math.pi) * (v + 0.044715 * v ** 3)))
            for v in X]
    np.testing.assert_allclose(A.gelu(X, approximate=True), want, rtol=1e-14, atol=1e-15)
    # The exact form is the default, and the two differ.
    assert np.abs(A.gelu(X) - A.gelu(X, approximate=True)).max() > 1e-4


def test_relu_keras_arguments():
    x = np.array([-3.0, -1.0, 0.5, 1.5, 4.0, 8.0])
    # threshold: x where x > threshold, else alpha * (x - threshold)
    np.testing.assert_allclose(A.relu(x, alpha=0.5, threshold=1.0),
                               [-2.0, -1.0, -0.25, 1.5, 4.0, 8.0])
    np.testing.assert_allclose(A.relu(x, max_value=3.0), [0, 0, 0.5, 1.5, 3.0, 3.0])
    np.testing.assert_allclose(A.relu(x, max_value=6), [0, 0, 0.5, 1.5, 4.0, 6.0])
    np.testing.assert_allclose(A.relu(x, alpha=0.1, max_value=5.0),
                               [-0.3, -0.1, 0.5, 1.5, 4.0, 5.0])
    np.testing.assert_allclose(A.relu(x, negative_slope=0.1), A.relu(x, alpha=0.1))


def test_softmax_and_log_softmax_rows():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 4, 5)) * 30
    for axis in (-1, 1, 0):
        want = np.exp(x - x.max(axis=axis, keepdims=True))
        want /= want.sum(axis=axis, keepdims=True)
        np.testing.assert_allclose(A.softmax(x, axis=axis), want, rtol=1e-13)
        np.testing.assert_allclose(np.exp(A.log_softmax(x, axis=axis)), want, rtol=1e-12)
    big = np.array([[1000.0, 1000.0]])
    np.testing.assert_array_equal(A.softmax(big), [[0.5, 0.5]])


def test_glu_sparsemax_threshold():
    x = np.array([[1.0, 2.0, 0.0, -1.0]])
    np.testing.assert_allclose(A.glu(x), [[1.0 * sig(0.0), 2.0 * sig(-1.0)]])
    with pytest.raises(ValueError, match="even"):
        A.glu(np.ones((1, 3)))
    p = A.sparsemax(np.array([[0.1, 1.5, 0.2], [3.0, 3.0, -9.0]]))
    np.testing.assert_allclose(p, [[0.0, 1.0, 0.0], [0.5, 0.5, 0.0]], atol=1e-15)
    np.testing.assert_array_equal(A.threshold(np.array([0.0, 2.0]), 1.0, 7.0), [7.0, 2.0])


@settings(max_examples=60, deadline=None)
@given(x=hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=3, max_side=5),
                    elements=st.floats(-50, 50)))
def test_sparsemax_is_on_simplex(x):
    p = A.sparsemax(x)
    assert (p >= 0).all()
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-12)


@pytest.mark.parametrize("name", sorted(set(A.ACTIVATIONS) - {"threshold"}))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_kept_and_input_not_mutated(name, dtype):
    x = np.linspace(-4, 4, 24, dtype=dtype).reshape(2, 3, 4)
    before = x.copy()
    y = A.get(name)(x)
    assert y.dtype == dtype
    np.testing.assert_array_equal(x, before)
    assert not np.shares_memory(x, y)


def test_float32_matches_float64_to_float32_precision():
    x = np.linspace(-6, 6, 101)
    for name in sorted(set(SCALAR)):
        f = A.get(name)
        np.testing.assert_allclose(f(x.astype(np.float32)), f(x), rtol=2e-6, atol=2e-6,
                                   err_msg=name)


def test_integers_promote_to_float64():
    assert A.relu(np.array([-1, 2])).dtype == np.float64


def test_get_accepts_every_identifier_form():
    assert A.get("relu") is A.relu
    assert A.get("Relu") is A.relu            # class-name spelling
    assert A.get(None) is A.linear
    assert A.get({"class_name": "tanh", "config": {}}) is A.tanh
    keras3 = {"module": "builtins", "class_name": "function", "config": "gelu",
              "registered_name": "function"}
    assert A.get(keras3) is A.gelu
    custom = lambda v: v * 2  # noqa: E731
    assert A.get(custom) is custom
    leaky = A.get({"class_name": "leaky_relu", "config": {"alpha": 0.5}})
    np.testing.assert_array_equal(leaky(np.array([-2.0])), [-1.0])


def test_get_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"activation='relux'"):
        A.get("relux")
    with pytest.raises(TypeError, match=r"activation=3"):
        A.get(3)
    with pytest.raises(ValueError, match="class_name"):
        A.get({"config": {}})


def test_serialize_round_trip():
    for name, fn in A.ACTIVATIONS.items():
        assert A.get(A.serialize(fn)) is fn or A.serialize(fn) in A.ACTIVATIONS
    assert A.serialize(None) == "linear"
    assert A.serialize(A.silu) == "swish"     # Keras 2 writes silu as swish
    assert A.serialize(A.hard_sigmoid_keras3) == "hard_sigmoid"

    def my_act(v):
        return v
    assert A.serialize(my_act) == "my_act"


def test_live_against_tf_keras():
    k = pytest.importorskip("tf_keras")
    x = np.linspace(-5, 5, 41).astype(np.float32).reshape(1, -1)
    for name in ["relu", "elu", "selu", "softplus", "softsign", "swish", "gelu", "tanh",
                 "sigmoid", "exponential", "hard_sigmoid", "linear", "softmax", "mish"]:
        want = np.asarray(k.activations.get(name)(k.backend.constant(x)))
        np.testing.assert_allclose(A.get(name)(x), want, rtol=2e-6, atol=2e-7, err_msg=name)


def test_live_against_keras3():
    keras = pytest.importorskip("keras")
    if not keras.__version__.startswith("3"):
        pytest.skip("needs Keras 3")
    x = np.linspace(-5, 5, 42).astype(np.float32).reshape(1, -1)
    for name in A.ACTIVATIONS:
        if name in ("threshold", "sparsemax"):   # sparsemax: Keras 3.15 is wrong, see below
            continue
        want = np.asarray(keras.activations.get(name)(x))
        got = A.get(name, keras_version=3)(x)
        np.testing.assert_allclose(got, want, rtol=2e-6, atol=2e-7, err_msg=name)


def test_sparsemax_pins_the_paper_not_keras_3_15():
    # Keras 3.15 (all backends) returns [[0, 0]] here: it sums the cumulative sums
    # over the support.  The projection onto the simplex is [[0.5, 0.5]].
    np.testing.assert_array_equal(A.sparsemax(np.array([[1.0, 1.0]])), [[0.5, 0.5]])
    x = np.array([[0.5, 0.2, 0.1, -3.0]])
    # support {0, 1, 2}: tau = (0.8 - 1) / 3
    np.testing.assert_allclose(A.sparsemax(x), [[0.5 + 0.2 / 3, 0.2 + 0.2 / 3,
                                                 0.1 + 0.2 / 3, 0.0]], rtol=1e-14)
