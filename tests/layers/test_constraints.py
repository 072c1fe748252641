"""Constraints: pinned projections, Keras axis convention, identifiers and errors."""

import numpy as np
import pytest

from deconv1d import constraints as C

EPS = 1e-7


def test_max_norm_pinned():
    w = np.array([[3.0, 0.3], [4.0, 0.4]])         # column norms 5 and 0.5
    got = C.MaxNorm(2.0)(w)
    np.testing.assert_allclose(got, [[3 * 2 / (5 + EPS), 0.3 * 0.5 / (0.5 + EPS)],
                                     [4 * 2 / (5 + EPS), 0.4 * 0.5 / (0.5 + EPS)]],
                               rtol=1e-15)


def test_unit_norm_and_min_max_norm_pinned():
    w = np.array([[3.0, 0.3], [4.0, 0.4]])
    np.testing.assert_allclose(C.UnitNorm()(w), w / (np.array([5.0, 0.5]) + EPS), rtol=1e-15)
    got = C.MinMaxNorm(1.0, 2.0, rate=0.5)(w)
    desired = 0.5 * np.array([2.0, 1.0]) + 0.5 * np.array([5.0, 0.5])
    np.testing.assert_allclose(got, w * desired / (np.array([5.0, 0.5]) + EPS), rtol=1e-15)


def test_non_neg():
    np.testing.assert_array_equal(C.NonNeg()(np.array([-1.0, 0.0, 2.0])), [0.0, 0.0, 2.0])


def test_axis_on_a_kernel():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(3, 4, 5)) * 10                  # (K, F, C_in)
    per_tap_column = np.sqrt((C.MaxNorm(1.0)(w) ** 2).sum(axis=0))
    assert per_tap_column.shape == (4, 5) and (per_tap_column <= 1.0).all()
    per_filter = np.sqrt((C.UnitNorm(axis=[0, 2])(w) ** 2).sum(axis=(0, 2)))
    np.testing.assert_allclose(per_filter, 1.0, rtol=1e-6)


def test_zero_stays_zero_and_input_not_mutated():
    w = np.zeros((2, 3))
    for c in [C.MaxNorm(), C.UnitNorm(), C.MinMaxNorm(), C.NonNeg()]:
        out = c(w)
        np.testing.assert_array_equal(out, 0.0)
        assert not np.shares_memory(out, w)
    x = np.array([[-1.0, 5.0]])
    before = x.copy()
    C.MaxNorm(1.0)(x)
    C.NonNeg()(x)
    np.testing.assert_array_equal(x, before)


def test_float32_kept():
    w = np.ones((2, 2), np.float32) * 3
    for c in [C.MaxNorm(), C.UnitNorm(), C.MinMaxNorm(), C.NonNeg()]:
        assert c(w).dtype == np.float32


def test_get_identifier_forms():
    assert isinstance(C.get("max_norm"), C.MaxNorm)
    assert isinstance(C.get("maxnorm"), C.MaxNorm)
    assert isinstance(C.get("non_neg"), C.NonNeg) and isinstance(C.get("nonneg"), C.NonNeg)
    assert isinstance(C.get("unit_norm"), C.UnitNorm)
    assert isinstance(C.get("MinMaxNorm"), C.MinMaxNorm)
    k3 = C.get({"module": "keras.constraints", "class_name": "MaxNorm",
                "config": {"max_value": 3, "axis": 0}, "registered_name": None})
    assert k3.get_config() == {"max_value": 3, "axis": 0}
    fn = np.tanh
    assert C.get(fn) is fn and C.get(None) is None


def test_errors():
    with pytest.raises(ValueError, match=r"kernel_constraint='max'"):
        C.get("max", argument="kernel_constraint")
    with pytest.raises(TypeError, match=r"constraint=5"):
        C.get(5)
    with pytest.raises(ValueError, match=r"max_value=-1"):
        C.MaxNorm(-1)
    with pytest.raises(ValueError, match=r"min_value=2"):
        C.MinMaxNorm(2.0, 1.0)


@pytest.mark.parametrize("c", [C.MaxNorm(1.5, axis=[0, 1]), C.MinMaxNorm(0.1, 0.9, 0.3, 1),
                               C.NonNeg(), C.UnitNorm(2)])
def test_serialize_round_trip(c):
    again = C.get(C.serialize(c))
    assert type(again) is type(c) and again.get_config() == c.get_config()


def test_live_against_tf_keras():
    k = pytest.importorskip("tf_keras")
    w = np.random.default_rng(0).normal(size=(3, 4, 5)).astype(np.float32) * 3
    for name in ["max_norm", "min_max_norm", "non_neg", "unit_norm"]:
        want = np.asarray(k.constraints.get(name)(k.backend.constant(w)))
        np.testing.assert_allclose(C.get(name)(w), want, rtol=2e-6, atol=1e-7, err_msg=name)
