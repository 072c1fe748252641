"""Regularizers: pinned values, Keras defaults, identifiers and errors."""

import numpy as np
import pytest

from deconv1d import regularizers as R

W = np.array([[1.0, -2.0], [0.5, 0.0]])   # sum|w| = 3.5, sum w^2 = 5.25


def test_pinned_values():
    assert float(R.L1(0.1)(W)) == pytest.approx(0.35, rel=1e-15)
    assert float(R.L2(0.1)(W)) == pytest.approx(0.525, rel=1e-15)
    assert float(R.L1L2(0.1, 0.2)(W)) == pytest.approx(0.35 + 1.05, rel=1e-15)
    assert float(R.L1L2()(W)) == 0.0


def test_keras_defaults():
    assert R.L1().l1 == 0.01 and R.L2().l2 == 0.01
    assert (R.L1L2().l1, R.L1L2().l2) == (0.0, 0.0)                 # the class
    assert R.get("l1_l2").get_config() == {"l1": 0.01, "l2": 0.01}  # Keras 2 name
    assert R.get("l1l2").get_config() == {"l1": 0.0, "l2": 0.0}     # Keras 3 quirk
    assert R.get("l1").get_config() == {"l1": 0.01}
    assert R.get("L2").get_config() == {"l2": 0.01}
    assert R.L1(l=0.3).l1 == 0.3                                    # Keras 2's old name


def test_float32_weights_give_float32_penalty_with_float32_factor():
    w = np.array([1.0, 2.0], dtype=np.float32)
    got = R.L2()(w)
    assert got.dtype == np.float32
    assert got == np.float32(0.01) * np.float32(5.0)


def test_input_not_mutated():
    w = W.copy()
    R.L1L2(0.1, 0.1)(w)
    np.testing.assert_array_equal(w, W)


def test_get_identifier_forms():
    keras2 = R.get({"class_name": "L1L2", "config": {"l1": 0.5, "l2": 0.25}})
    assert keras2.get_config() == {"l1": 0.5, "l2": 0.25}
    keras3 = R.get({"module": "keras.regularizers", "class_name": "L2",
                    "config": {"l2": 0.03}, "registered_name": None})
    assert keras3.get_config() == {"l2": 0.03}

    def custom(w):
        return 0.0
    assert R.get(custom) is custom
    assert R.get(None) is None


def test_errors():
    with pytest.raises(ValueError, match=r"kernel_regularizer='l3'"):
        R.get("l3", argument="kernel_regularizer")
    with pytest.raises(TypeError, match=r"regularizer=0\.1"):
        R.get(0.1)
    with pytest.raises(ValueError, match=r"l1=-1"):
        R.L1(-1)
    with pytest.raises(ValueError, match=r"l2=nan"):
        R.L2(float("nan"))
    with pytest.raises(ValueError, match="Bad config"):
        R.get({"class_name": "L1", "config": {"l2": 0.1}})


@pytest.mark.parametrize("reg", [R.L1(0.2), R.L2(0.3), R.L1L2(0.1, 0.4)])
def test_serialize_round_trip(reg):
    again = R.get(R.serialize(reg))
    assert type(again) is type(reg) and again.get_config() == reg.get_config()
    assert float(again(W)) == float(reg(W))


def test_live_against_tf_keras():
    k = pytest.importorskip("tf_keras")
    w = np.random.default_rng(0).normal(size=(3, 4, 5)).astype(np.float32)
    for name in ["l1", "l2", "l1_l2"]:
        want = float(k.regularizers.get(name)(k.backend.constant(w)))
        assert float(R.get(name)(w)) == pytest.approx(want, rel=1e-6)
