"""Initializers: Keras 3's seeded values bit for bit, fans, statistics, identifiers."""

import json
import math
import pathlib

import numpy as np
import pytest

from deconv1d import initializers as I

DATA = pathlib.Path(__file__).parents[1] / "data" / "keras3_initializers.npz"


def _recorded():
    with np.load(DATA) as data:
        index = json.loads(str(data["cases"]))
        return [(case, data[case["key"]]) for case in index]


RECORDED = _recorded()


def test_recorded_file_covers_every_random_family():
    names = {case["class_name"] for case, _ in RECORDED}
    assert names == {"GlorotUniform", "GlorotNormal", "HeUniform", "HeNormal",
                     "LecunUniform", "LecunNormal", "VarianceScaling", "RandomNormal",
                     "RandomUniform", "TruncatedNormal", "Orthogonal"}
    assert len(RECORDED) > 400


@pytest.mark.parametrize("case,want", RECORDED,
                         ids=[f"{c['class_name']}-{c['shape']}-{c['config'].get('seed')}-"
                              f"{c['dtype']}-{c['key']}" for c, _ in RECORDED])
def test_seeded_values_equal_keras3_bit_for_bit(case, want):
    init = getattr(I, case["class_name"])(**case["config"])
    got = init(tuple(case["shape"]), dtype=case["dtype"])
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def test_orthogonal_float64_is_computed_in_float64():
    # Keras 3 returns float32 for dtype="float64"; here the QR runs in float64.
    q = I.Orthogonal(seed=3)((3, 4, 5), dtype="float64")
    assert q.dtype == np.float64
    flat = q.reshape(12, 5)
    np.testing.assert_allclose(flat.T @ flat, np.eye(5), atol=1e-14)


def test_int_seed_repeats_and_generator_advances():
    a = I.GlorotUniform(seed=5)((3, 2, 2))
    np.testing.assert_array_equal(a, I.GlorotUniform(seed=5)((3, 2, 2)))
    init = I.GlorotUniform(seed=5)
    np.testing.assert_array_equal(init((3, 2, 2)), init((3, 2, 2)))   # like Keras 3
    gen = I.GlorotUniform(seed=np.random.default_rng(0))
    assert not np.array_equal(gen((3, 2, 2)), gen((3, 2, 2)))
    unseeded = I.GlorotUniform()
    assert not np.array_equal(unseeded((50,)), unseeded((50,)))


@pytest.mark.parametrize("shape,fans", [((3, 4, 5), (12, 15)), ((1, 1, 1), (1, 1)),
                                        ((2, 3), (2, 3)), ((7,), (7, 7)), ((), (1, 1)),
                                        ((2, 3, 4, 5), (24, 30))])
def test_compute_fans(shape, fans):
    assert I.compute_fans(shape) == fans


def test_fans_explicit_axes():
    assert I.compute_fans((3, 4, 5), input_axes=[0, 2], output_axes=[1]) == (15, 4)


# (name, expected std as a function of (fan_in, fan_out), uniform?)
FAMILY = {
    "glorot_uniform": (lambda i, o: math.sqrt(2 / (i + o)), True),
    "glorot_normal": (lambda i, o: math.sqrt(2 / (i + o)), False),
    "he_uniform": (lambda i, o: math.sqrt(2 / i), True),
    "he_normal": (lambda i, o: math.sqrt(2 / i), False),
    "lecun_uniform": (lambda i, o: math.sqrt(1 / i), True),
    "lecun_normal": (lambda i, o: math.sqrt(1 / i), False),
}


@pytest.mark.parametrize("name", sorted(FAMILY))
@pytest.mark.parametrize("shape", [(3, 64, 128), (5, 200, 20), (1, 300, 400)])
def test_variance_scaling_statistics(name, shape):
    """Bounds exactly, standard deviation within sampling error, for (K, F, C_in)."""
    K, F, C = shape
    fan_in, fan_out = K * F, K * C
    std_fn, uniform = FAMILY[name]
    std = std_fn(fan_in, fan_out)
    w = I.get(name).__class__(seed=11)(shape, dtype="float64")
    n = w.size
    if uniform:
        limit = math.sqrt(3) * std
        assert np.abs(w).max() <= limit
        assert np.abs(w).max() > 0.99 * limit
    else:
        # truncated at two standard deviations of the *untruncated* normal
        cut = 2 * std / I.TRUNCATED_STDDEV
        assert np.abs(w).max() <= cut
        assert np.abs(w).max() > 0.97 * cut
    # std error of the sample std is about std / sqrt(2n); allow 6 of them
    assert abs(w.std() - std) < 6 * std / math.sqrt(2 * n)
    assert abs(w.mean()) < 6 * std / math.sqrt(n)


def test_simple_random_statistics():
    w = I.RandomNormal(mean=1.0, stddev=2.0, seed=0)((200, 100), dtype="float64")
    assert abs(w.mean() - 1.0) < 0.05 and abs(w.std() - 2.0) < 0.05
    u = I.RandomUniform(-3.0, 5.0, seed=0)((20000,), dtype="float64")
    assert u.min() >= -3.0 and u.max() < 5.0 and abs(u.mean() - 1.0) < 0.1
    t = I.TruncatedNormal(mean=0.5, stddev=0.1, seed=0)((20000,), dtype="float64")
    assert t.min() >= 0.3 and t.max() <= 0.7


def test_deterministic_initializers():
    np.testing.assert_array_equal(I.get("zeros")((2, 3)), np.zeros((2, 3), np.float32))
    np.testing.assert_array_equal(I.get("ones")((2,), dtype="float64"), [1.0, 1.0])
    np.testing.assert_array_equal(I.Constant(3.0)((2,)), [3.0, 3.0])
    np.testing.assert_array_equal(I.Constant([1.0, 2.0])((2, 2)), [[1, 2], [1, 2]])
    np.testing.assert_array_equal(I.Identity(2.0)((2, 2)), [[2, 0], [0, 2]])
    with pytest.raises(ValueError, match=r"shape=\(3, 2, 2\)"):
        I.Identity()((3, 2, 2))
    with pytest.raises(ValueError, match="rank >= 2"):
        I.Orthogonal()((4,))


def test_get_every_identifier_form():
    assert isinstance(I.get("glorot_uniform"), I.GlorotUniform)
    assert isinstance(I.get("GlorotUniform"), I.GlorotUniform)
    assert isinstance(I.get("normal"), I.RandomNormal)
    assert isinstance(I.get("uniform"), I.RandomUniform)
    assert isinstance(I.get("zero"), I.Zeros) and isinstance(I.get("one"), I.Ones)
    keras2 = I.get({"class_name": "VarianceScaling",
                    "config": {"scale": 2.0, "mode": "fan_out", "distribution": "normal",
                               "seed": 3}})
    assert (keras2.scale, keras2.mode, keras2.distribution, keras2.seed) == \
        (2.0, "fan_out", "truncated_normal", 3)
    keras3 = I.get({"module": "keras.initializers", "class_name": "GlorotUniform",
                    "config": {"seed": None, "input_axes": None, "output_axes": None},
                    "registered_name": None})
    assert isinstance(keras3, I.GlorotUniform) and keras3.seed is None
    assert isinstance(I.get({"module": "keras.initializers",
                             "class_name": "OrthogonalInitializer",
                             "config": {"gain": 1.0, "seed": None},
                             "registered_name": None}), I.Orthogonal)

    def custom(shape, dtype=None):
        return np.full(shape, 7.0, dtype)
    assert I.get(custom) is custom
    assert I.get(None) is None


def test_errors_name_argument_and_value():
    with pytest.raises(ValueError, match=r"kernel_initializer='glorot'"):
        I.get("glorot", argument="kernel_initializer")
    with pytest.raises(TypeError, match=r"initializer=1\.5"):
        I.get(1.5)
    with pytest.raises(ValueError, match=r"scale=0"):
        I.VarianceScaling(scale=0)
    with pytest.raises(ValueError, match=r"mode='fan'"):
        I.VarianceScaling(mode="fan")
    with pytest.raises(ValueError, match=r"distribution='cauchy'"):
        I.VarianceScaling(distribution="cauchy")
    with pytest.raises(ValueError, match=r"seed=-1"):
        I.GlorotUniform(seed=-1)
    with pytest.raises(TypeError, match=r"seed='a'"):
        I.GlorotUniform(seed="a")
    with pytest.raises(ValueError, match="Bad config"):
        I.get({"class_name": "Zeros", "config": {"bogus": 1}})


@pytest.mark.parametrize("init", [I.GlorotUniform(seed=1), I.HeNormal(seed=2),
                                  I.VarianceScaling(0.5, "fan_avg", "uniform", seed=3),
                                  I.RandomNormal(0.1, 0.2, seed=4), I.Constant(2.5),
                                  I.Orthogonal(gain=2.0, seed=5), I.Zeros()])
def test_serialize_round_trip(init):
    config = I.serialize(init)
    assert set(config) == {"class_name", "config"}
    again = I.get(config)
    assert type(again) is type(init) and again.get_config() == init.get_config()
    shape = (3, 2, 4)
    np.testing.assert_array_equal(again(shape), init(shape))


def test_serialize_keras2_format():
    assert I.serialize(I.GlorotUniform()) == {"class_name": "GlorotUniform",
                                             "config": {"seed": None}}
    assert I.serialize(I.Zeros()) == {"class_name": "Zeros", "config": {}}


def test_live_against_keras3_numpy_backend():
    keras = pytest.importorskip("keras")
    if not keras.__version__.startswith("3") or keras.backend.backend() != "numpy":
        pytest.skip("needs Keras 3 with KERAS_BACKEND=numpy")
    for name in ["GlorotUniform", "HeNormal", "LecunNormal", "GlorotNormal"]:
        for seed in (7, 2024):
            want = np.asarray(getattr(keras.initializers, name)(seed=seed)((4, 3, 6)))
            np.testing.assert_array_equal(getattr(I, name)(seed=seed)((4, 3, 6)), want)
