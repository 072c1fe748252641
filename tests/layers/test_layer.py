"""Conv1DTranspose: Keras's layer, checked against the functional core and real Keras."""

import json
import pathlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import deconv1d
from deconv1d.frameworks.tf import tensorflow_refusal
from deconv1d import Conv1DTranspose, Convolution1DTranspose, activations, conv1d_transpose
from deconv1d import constraints, initializers, regularizers
from keras_golden import GOLDEN

DATA = pathlib.Path(__file__).parents[1] / "data" / "keras_layer_cases.npz"


def _recorded():
    with np.load(DATA) as data:
        index = json.loads(str(data["index"]))
        return [(case, {name: data[f"{case['key']}/{name}"]
                        for name in ("kernel", "bias", "x", "y", "losses")})
                for case in index]


RECORDED = _recorded()
IDS = [f"{c['key']}-{c['framework']}" for c, _ in RECORDED]


# --------------------------------------------------------------------------- #
# Recorded real Keras layers (no Keras needed).                               #
# --------------------------------------------------------------------------- #
def test_recorded_cases_cover_both_kerases():
    assert {c["framework"] for c, _ in RECORDED} == {"tf_keras", "keras"}


@pytest.mark.parametrize("case,arrays", RECORDED, ids=IDS)
def test_from_keras_config_and_weights_gives_kerass_output(case, arrays):
    layer = Conv1DTranspose.from_config(case["config"])
    weights = [arrays["kernel"]] + ([arrays["bias"]] if layer.use_bias else [])
    layer.set_weights(weights)
    y = layer(arrays["x"])
    want = arrays["y"]
    assert y.shape == want.shape and y.dtype == want.dtype == np.float32
    # float32 both sides; Keras sums in another order (and TF's erf/exp differ by
    # an ulp), so compare to a few float32 roundings of the output scale.
    scale = max(1.0, float(np.abs(want).max()))
    np.testing.assert_allclose(y, want, rtol=1e-5, atol=1e-5 * scale)
    assert layer.compute_output_shape(arrays["x"].shape) == want.shape
    assert len(layer.losses) == len(arrays["losses"])
    np.testing.assert_allclose([float(v) for v in layer.losses], arrays["losses"], rtol=1e-5)


@pytest.mark.parametrize("case,arrays", RECORDED, ids=IDS)
def test_float64_layer_from_keras_config_is_close_to_keras(case, arrays):
    config = dict(case["config"], dtype="float64")
    layer = Conv1DTranspose.from_config(config)
    layer.set_weights([arrays["kernel"]] + ([arrays["bias"]] if layer.use_bias else []))
    y = layer(arrays["x"])
    assert y.dtype == np.float64
    scale = max(1.0, float(np.abs(arrays["y"]).max()))
    np.testing.assert_allclose(y, arrays["y"], rtol=1e-5, atol=1e-5 * scale)


@pytest.mark.parametrize("case,arrays",
                         [r for r in RECORDED if r[0]["framework"] == "tf_keras"],
                         ids=[i for i, r in zip(IDS, RECORDED) if r[0]["framework"] == "tf_keras"])
def test_get_config_has_every_tf_keras_entry_with_the_same_values(case, arrays):
    keras_config = case["config"]
    ours = json.loads(json.dumps(Conv1DTranspose.from_config(keras_config).get_config()))
    assert set(ours) == set(keras_config)
    for key in ("name", "trainable", "dtype", "filters", "kernel_size", "strides",
                "padding", "output_padding", "data_format", "dilation_rate", "groups",
                "activation", "use_bias", "batch_input_shape"):
        assert ours.get(key) == keras_config.get(key), key
    for key in ("kernel_initializer", "bias_initializer", "kernel_regularizer",
                "bias_regularizer", "activity_regularizer", "kernel_constraint",
                "bias_constraint"):
        theirs = keras_config[key]
        if theirs is None:
            assert ours[key] is None
            continue
        assert ours[key]["class_name"] == theirs["class_name"]
        for name, value in theirs["config"].items():
            # Keras stores float32 factors; a seed or an axis must match exactly.
            # (pytest >= 9.1 refuses approx(None, rel=...), so compare those plainly.)
            expected = pytest.approx(value, rel=1e-7) if isinstance(value, float) else value
            assert ours[key]["config"][name] == expected, (key, name)


def test_keras3_hard_sigmoid_config_keeps_keras3_formula_through_a_round_trip():
    case, arrays = next(r for r in RECORDED if r[0]["framework"] == "keras"
                        and r[0]["config"]["activation"] == "hard_sigmoid")
    layer = Conv1DTranspose.from_config(case["config"])
    assert layer.activation is activations.hard_sigmoid_keras3
    again = Conv1DTranspose.from_config(layer.get_config())
    assert again.activation is activations.hard_sigmoid_keras3
    tf_case = next(r[0] for r in RECORDED if r[0]["framework"] == "tf_keras"
                   and r[0]["config"]["activation"] == "hard_sigmoid")
    assert Conv1DTranspose.from_config(tf_case["config"]).activation is activations.hard_sigmoid
    assert Conv1DTranspose.from_config(case["config"], keras_version=2).activation \
        is activations.hard_sigmoid


# --------------------------------------------------------------------------- #
# The layer is the functional core plus bias and activation.                  #
# --------------------------------------------------------------------------- #
@st.composite
def layer_cases(draw):
    kernel_size = draw(st.integers(1, 5))
    strides = draw(st.integers(1, 4))
    dilation = 1 if strides > 1 else draw(st.integers(1, 3))
    padding = draw(st.sampled_from(["valid", "same", "VALID", "Same"]))
    output_padding = draw(st.one_of(st.none(), st.integers(0, strides - 1)))
    groups = draw(st.sampled_from([1, 2]))
    filters = groups * draw(st.integers(1, 3))
    c_in = groups * draw(st.integers(1, 3))
    data_format = draw(st.sampled_from(["channels_last", "channels_first", None]))
    activation = draw(st.sampled_from([None, "relu", "tanh", "gelu", "hard_sigmoid",
                                       "softmax", "selu"]))
    use_bias = draw(st.booleans())
    n, length = draw(st.integers(1, 3)), draw(st.integers(1, 7))
    kwargs = dict(filters=filters, kernel_size=kernel_size, strides=strides,
                  padding=padding, output_padding=output_padding, data_format=data_format,
                  dilation_rate=dilation, activation=activation, use_bias=use_bias,
                  groups=groups, dtype="float64",
                  kernel_initializer=initializers.RandomNormal(stddev=1.0, seed=1),
                  bias_initializer=initializers.RandomNormal(stddev=1.0, seed=2))
    seed = draw(st.integers(0, 2 ** 16))
    return kwargs, (n, length, c_in), seed


@settings(max_examples=250, deadline=None)
@given(layer_cases())
def test_layer_is_activation_of_functional_plus_bias(case):
    kwargs, (n, length, c_in), seed = case
    layer = Conv1DTranspose(**kwargs)
    channels_first = kwargs["data_format"] == "channels_first"
    shape = (n, c_in, length) if channels_first else (n, length, c_in)
    x = np.random.default_rng(seed).normal(size=shape)
    try:
        want_pre = conv1d_transpose(x, np.zeros((kwargs["kernel_size"],
                                                 kwargs["filters"] // kwargs["groups"], c_in)),
                                    kwargs["strides"], kwargs["padding"].lower(),
                                    kwargs["output_padding"], dilation=kwargs["dilation_rate"],
                                    groups=kwargs["groups"],
                                    data_format=kwargs["data_format"] or "channels_last")
    except ValueError:       # empty output (e.g. same + op=0 + short input)
        with pytest.raises(ValueError):
            layer(x)
        return
    y = layer(x)
    pre = conv1d_transpose(x, layer.kernel, kwargs["strides"], kwargs["padding"].lower(),
                           kwargs["output_padding"], dilation=kwargs["dilation_rate"],
                           groups=kwargs["groups"],
                           data_format=kwargs["data_format"] or "channels_last",
                           bias=layer.bias)
    want = activations.get(kwargs["activation"])(pre)
    np.testing.assert_array_equal(y, want)
    assert y.shape == want_pre.shape == layer.compute_output_shape(x.shape)
    np.testing.assert_array_equal(layer._last_pre_activation, pre)
    np.testing.assert_array_equal(layer._last_inputs, x)
    np.testing.assert_array_equal(layer.convolution_op(x, layer.kernel),
                                  pre if layer.bias is None else
                                  conv1d_transpose(x, layer.kernel, kwargs["strides"],
                                                   kwargs["padding"].lower(),
                                                   kwargs["output_padding"],
                                                   dilation=kwargs["dilation_rate"],
                                                   groups=kwargs["groups"],
                                                   data_format=kwargs["data_format"]
                                                   or "channels_last"))




@pytest.mark.parametrize("k,s,padding,op,want", GOLDEN)
def test_golden_values(k, s, padding, op, want):
    layer = Conv1DTranspose(1, k, strides=s, padding=padding, output_padding=op,
                            use_bias=False, kernel_initializer=initializers.Constant(
                                np.arange(1.0, k + 1).reshape(k, 1, 1)))
    y = layer(np.ones((1, 3, 1)))
    np.testing.assert_array_equal(y[0, :, 0], want)


def test_alias_and_package_exports():
    assert Convolution1DTranspose is Conv1DTranspose is deconv1d.Conv1DTranspose
    for module in (activations, initializers, regularizers, constraints):
        assert getattr(deconv1d, module.__name__.split(".")[-1]) is module


# --------------------------------------------------------------------------- #
# Building, shapes, dtypes.                                                   #
# --------------------------------------------------------------------------- #
def test_lazy_build_and_input_shape_build():
    layer = Conv1DTranspose(4, 3)
    assert not layer.built and layer.weights == [] and layer.kernel is None
    layer(np.zeros((2, 5, 6)))
    assert layer.built and layer.kernel.shape == (3, 4, 6) and layer.bias.shape == (4,)
    eager = Conv1DTranspose(4, 3, input_shape=(128, 3))
    assert eager.built and eager.kernel.shape == (3, 4, 3)
    assert eager.get_config()["batch_input_shape"] == (None, 128, 3)
    first = Conv1DTranspose(2, 3, data_format="channels_first", input_shape=(5, None))
    assert first.kernel.shape == (3, 2, 5)
    no_bias = Conv1DTranspose(2, 3, use_bias=False, input_shape=(None, 1))
    assert no_bias.bias is None and len(no_bias.weights) == 1


def test_compute_output_shape():
    layer = Conv1DTranspose(8, 3, strides=2, output_padding=1)
    assert layer.compute_output_shape((4, 7, 2)) == (4, 16, 8)
    assert layer.compute_output_shape((None, None, 2)) == (None, None, 8)
    assert layer.compute_output_shape([None, 7, 2]) == (None, 16, 8)
    first = Conv1DTranspose(8, 3, strides=2, padding="same", data_format="channels_first")
    assert first.compute_output_shape((1, 2, 5)) == (1, 8, 10)
    with pytest.raises(ValueError, match="rank 3"):
        layer.compute_output_shape((4, 7))


def test_default_dtype_is_float32_and_inputs_are_cast():
    layer = Conv1DTranspose(2, 3)
    x = np.ones((1, 4, 2), dtype=np.float64)
    y = layer(x)
    assert y.dtype == np.float32 and layer.kernel.dtype == np.float32
    assert layer(np.ones((1, 4, 2), dtype=np.int64)).dtype == np.float32
    exact = Conv1DTranspose(2, 3, dtype="float64")
    assert exact(x).dtype == np.float64 and exact.kernel.dtype == np.float64
    half = Conv1DTranspose(2, 3, dtype="float16")
    assert half(x).dtype == np.float16
    mixed = Conv1DTranspose(2, 3, dtype="mixed_float16")
    assert mixed(x).dtype == np.float16 and mixed.kernel.dtype == np.float32
    assert mixed.get_config()["dtype"] == {"class_name": "Policy",
                                           "config": {"name": "mixed_float16"}}
    assert Conv1DTranspose.from_config(mixed.get_config()).compute_dtype == "float16"


def test_channels_first_is_channels_last_transposed():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 5, 3))
    last = Conv1DTranspose(4, 3, strides=2, padding="same", dtype="float64",
                           kernel_initializer=initializers.GlorotUniform(seed=1))
    first = Conv1DTranspose(4, 3, strides=2, padding="same", dtype="float64",
                            data_format="channels_first",
                            kernel_initializer=initializers.GlorotUniform(seed=1))
    np.testing.assert_array_equal(first(x.transpose(0, 2, 1)), last(x).transpose(0, 2, 1))


def test_input_is_not_mutated_or_aliased():
    x = np.random.default_rng(1).normal(size=(2, 4, 3))
    before = x.copy()
    layer = Conv1DTranspose(2, 3, dtype="float64", activation="linear")
    y = layer(x)
    np.testing.assert_array_equal(x, before)
    assert not np.shares_memory(y, x) and not np.shares_memory(layer._last_inputs, x)


def test_seeded_initializers_make_the_same_kernel():
    a = Conv1DTranspose(3, 4, kernel_initializer=initializers.GlorotUniform(seed=9),
                        input_shape=(None, 2))
    np.testing.assert_array_equal(a.kernel, initializers.GlorotUniform(seed=9)((4, 3, 2)))
    limit = np.sqrt(6 / (4 * 3 + 4 * 2))           # fan_in = K*F, fan_out = K*C_in
    assert np.abs(a.kernel).max() <= limit


# --------------------------------------------------------------------------- #
# Weights, losses, constraints.                                               #
# --------------------------------------------------------------------------- #
def test_get_and_set_weights():
    layer = Conv1DTranspose(2, 3, input_shape=(None, 4))
    kernel, bias = layer.get_weights()
    kernel[...] = 5.0                              # a copy: the layer is untouched
    assert not (layer.kernel == 5.0).all()
    new = [np.full((3, 2, 4), 0.5), np.array([1.0, -1.0])]
    layer.set_weights(new)
    np.testing.assert_array_equal(layer.kernel, 0.5)
    assert layer.kernel.dtype == np.float32
    new[0][...] = 9.0                              # set_weights copied
    np.testing.assert_array_equal(layer.kernel, 0.5)
    assert layer.weights[0] is layer.kernel and layer.trainable_weights == layer.weights
    layer.trainable = False
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 2
    assert layer.count_params() == 3 * 2 * 4 + 2
    with pytest.raises(ValueError, match=r"\(3, 2, 4\).*\(3, 2, 5\)"):
        layer.set_weights([np.zeros((3, 2, 5)), np.zeros(2)])
    with pytest.raises(ValueError, match="expects 2 weights"):
        layer.set_weights([np.zeros((3, 2, 4))])


def test_set_weights_builds_an_unbuilt_layer():
    layer = Conv1DTranspose(2, 3, data_format="channels_first")
    layer.set_weights([np.ones((3, 2, 5)), np.zeros(2)])
    assert layer.built and layer(np.ones((1, 5, 4))).shape == (1, 2, 4 + 3 - 1)


def test_losses_pinned():
    layer = Conv1DTranspose(1, 2, kernel_initializer="ones", bias_initializer="ones",
                            kernel_regularizer=regularizers.L1(0.5),
                            bias_regularizer=regularizers.L2(0.25),
                            activity_regularizer=regularizers.L1(0.1), dtype="float64",
                            input_shape=(None, 3))
    assert [float(v) for v in layer.losses] == [0.5 * 6, 0.25 * 1]   # before a call
    y = layer(np.ones((4, 2, 3)))                 # y = [4, 7, 4] per sample
    np.testing.assert_array_equal(y[0, :, 0], [4, 7, 4])
    activity = 0.1 * np.abs(y).sum() / 4          # Keras divides by the batch size
    assert [float(v) for v in layer.losses] == [activity, 3.0, 0.25]
    layer(np.ones((1, 2, 3)))                     # the activity loss is the last call's
    assert float(layer.losses[0]) == pytest.approx(0.1 * 15)


def test_apply_constraints():
    layer = Conv1DTranspose(1, 2, kernel_constraint="unit_norm",
                            bias_constraint=constraints.NonNeg(), input_shape=(None, 1))
    layer.set_weights([np.array([3.0, 4.0]).reshape(2, 1, 1), np.array([-2.0])])
    layer.apply_constraints()
    np.testing.assert_allclose(layer.kernel.ravel(), [0.6, 0.8], rtol=1e-6)
    assert layer.bias[0] == 0 and layer.kernel.dtype == np.float32
    Conv1DTranspose(1, 2, kernel_constraint="max_norm").apply_constraints()   # unbuilt: no-op


# --------------------------------------------------------------------------- #
# Config.                                                                     #
# --------------------------------------------------------------------------- #
KERAS2_CONFIG = {
    "name": "deconv", "trainable": True, "dtype": "float32", "filters": 4,
    "kernel_size": (3,), "strides": (2,), "padding": "same", "output_padding": (1,),
    "data_format": "channels_last", "dilation_rate": (1,), "groups": 1,
    "activation": "relu", "use_bias": True,
    "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
    "bias_initializer": {"class_name": "Zeros", "config": {}},
    "kernel_regularizer": {"class_name": "L1L2",
                           "config": {"l1": 0.0, "l2": 0.009999999776482582}},
    "bias_regularizer": None, "activity_regularizer": None,
    "kernel_constraint": {"class_name": "MaxNorm", "config": {"max_value": 2, "axis": 0}},
    "bias_constraint": None,
}

KERAS3_CONFIG = {
    "name": "conv1d_transpose", "trainable": True,
    "dtype": {"module": "keras", "class_name": "DTypePolicy",
              "config": {"name": "float32"}, "registered_name": None},
    "filters": 2, "kernel_size": (3,), "strides": (2,), "padding": "same",
    "output_padding": (1,), "data_format": "channels_last", "dilation_rate": (1,),
    "activation": "hard_sigmoid", "use_bias": True,
    "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform",
                           "config": {"seed": 3, "input_axes": None, "output_axes": None},
                           "registered_name": None},
    "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros",
                         "config": {}, "registered_name": None},
    "kernel_regularizer": {"module": "keras.regularizers", "class_name": "L2",
                           "config": {"l2": 0.01}, "registered_name": None},
    "bias_regularizer": None,
    "activity_regularizer": {"module": "keras.regularizers", "class_name": "L1",
                             "config": {"l1": 0.01}, "registered_name": None},
    "kernel_constraint": None, "bias_constraint": None,
}


def test_get_config_entries_and_round_trip():
    layer = Conv1DTranspose(4, 3, strides=2, padding="same", output_padding=1,
                            activation="relu", name="deconv", kernel_regularizer="l2",
                            kernel_constraint="max_norm")
    config = layer.get_config()
    assert list(config) == ["name", "trainable", "dtype", "filters", "kernel_size",
                            "strides", "padding", "output_padding", "data_format",
                            "dilation_rate", "groups", "activation", "use_bias",
                            "kernel_initializer", "bias_initializer", "kernel_regularizer",
                            "bias_regularizer", "activity_regularizer", "kernel_constraint",
                            "bias_constraint"]
    assert config["kernel_size"] == (3,) and config["output_padding"] == (1,)
    assert Conv1DTranspose(2, 3).get_config()["output_padding"] is None
    assert Conv1DTranspose(2, 3).get_config()["activation"] == "linear"
    again = Conv1DTranspose.from_config(config)
    assert again.get_config() == config
    assert json.loads(json.dumps(config))        # JSON-serialisable


def test_from_hand_written_keras2_config():
    layer = Conv1DTranspose.from_config(KERAS2_CONFIG)
    assert (layer.filters, layer.kernel_size, layer.strides, layer.padding,
            layer.output_padding) == (4, 3, 2, "same", 1)
    assert layer.activation is activations.relu
    assert isinstance(layer.kernel_initializer, initializers.GlorotUniform)
    assert isinstance(layer.kernel_constraint, constraints.MaxNorm)
    assert layer.get_config() == KERAS2_CONFIG
    lists = json.loads(json.dumps(KERAS2_CONFIG))      # a config read back from JSON
    assert Conv1DTranspose.from_config(lists).get_config() == KERAS2_CONFIG


def test_private_keras_version_is_not_a_constructor_argument():
    """Bug fixed: the constructor accepted `_keras_version`, meant only for from_config."""
    with pytest.raises(TypeError, match="'_keras_version'"):
        Conv1DTranspose(1, 2, activation="hard_sigmoid", _keras_version=3)
    config = Conv1DTranspose(1, 2, activation="hard_sigmoid").get_config()
    with pytest.raises(TypeError, match="'_keras_version'"):
        Conv1DTranspose.from_config({**config, "_keras_version": 3})
    assert Conv1DTranspose.from_config(config, keras_version=3).activation \
        is activations.hard_sigmoid_keras3
    assert Conv1DTranspose.from_config(config).activation is activations.hard_sigmoid


def test_from_config_keeps_activation_arguments_and_names_a_bad_activation():
    config = Conv1DTranspose(1, 2).get_config()
    config["activation"] = {"class_name": "relu", "config": {"alpha": 0.1}}
    layer = Conv1DTranspose.from_config(config, keras_version=3)
    np.testing.assert_array_equal(layer.activation(np.array([-1.0, 2.0])), [-0.1, 2.0])
    # The arguments are written back, so the config round-trips.
    assert layer.get_config()["activation"] == {"class_name": "relu",
                                                "config": {"alpha": 0.1}}
    again = Conv1DTranspose.from_config(layer.get_config(), keras_version=3)
    assert again.get_config() == layer.get_config()
    with pytest.raises(ValueError, match="activation='nope'"):
        Conv1DTranspose.from_config({**config, "activation": "nope"})


def test_from_hand_written_keras3_config():
    layer = Conv1DTranspose.from_config(KERAS3_CONFIG)
    assert layer.dtype == "float32" and layer.activation is activations.hard_sigmoid_keras3
    assert layer.kernel_initializer.seed == 3
    assert isinstance(layer.activity_regularizer, regularizers.L1)
    layer.build((None, None, 2))
    np.testing.assert_array_equal(layer.kernel,
                                  initializers.GlorotUniform(seed=3)((3, 2, 2)))


# --------------------------------------------------------------------------- #
# Validation.                                                                 #
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("kwargs,error,match", [
    (dict(padding="causal"), ValueError, r"padding='causal'"),
    (dict(padding="full"), ValueError, r"padding='full'"),
    (dict(padding=1), ValueError, r"padding=1"),
    (dict(strides=2, output_padding=2), ValueError, r"output_padding=2"),
    (dict(strides=2, output_padding=3), ValueError, r"output_padding=3"),
    (dict(output_padding=-1), ValueError, r"output_padding=-1"),
    (dict(dilation_rate=2, output_padding=1), ValueError, r"output_padding=1"),
    (dict(strides=2, dilation_rate=2), ValueError, r"strides=2 and dilation_rate=2"),
    (dict(strides=(2,), dilation_rate=(3,)), ValueError, r"strides=\(2,\)"),
    (dict(filters=0), ValueError, r"filters=0"),
    (dict(filters=-3), ValueError, r"filters=-3"),
    (dict(filters=2.5), TypeError, r"filters=2.5"),
    (dict(kernel_size=0), ValueError, r"kernel_size=0"),
    (dict(kernel_size=(3, 3)), ValueError, r"kernel_size=\(3, 3\)"),
    (dict(kernel_size="3"), TypeError, r"kernel_size='3'"),
    (dict(strides=0), ValueError, r"strides=0"),
    (dict(dilation_rate=0), ValueError, r"dilation_rate=0"),
    (dict(data_format="NWC"), ValueError, r"data_format='NWC'"),
    (dict(activation="relux"), ValueError, r"activation='relux'"),
    (dict(activation=5), TypeError, r"activation=5"),
    (dict(kernel_initializer="glorot"), ValueError, r"kernel_initializer='glorot'"),
    (dict(bias_initializer="nothing"), ValueError, r"bias_initializer='nothing'"),
    (dict(kernel_regularizer="l3"), ValueError, r"kernel_regularizer='l3'"),
    (dict(activity_regularizer="l0"), ValueError, r"activity_regularizer='l0'"),
    (dict(kernel_constraint="max"), ValueError, r"kernel_constraint='max'"),
    (dict(bias_constraint="positive"), ValueError, r"bias_constraint='positive'"),
    (dict(dtype="int32"), ValueError, r"dtype='int32'"),
    (dict(groups=3), ValueError, r"groups=3"),
    (dict(use_bias="yes"), TypeError, r"use_bias='yes'"),
    (dict(bogus=1), TypeError, r"bogus"),
])
def test_construction_errors_name_argument_and_value(kwargs, error, match):
    args = dict(filters=4, kernel_size=3)
    args.update(kwargs)
    with pytest.raises(error, match=match):
        Conv1DTranspose(**args)


def test_accepted_spellings():
    layer = Conv1DTranspose((4,), (3,), strides=(2,), padding="SAME", output_padding=(1,),
                            dilation_rate=[1])
    assert (layer.filters, layer.kernel_size, layer.strides, layer.padding,
            layer.output_padding) == (4, 3, 2, "same", 1)
    assert Conv1DTranspose(2, 3, output_padding=0).output_padding == 0
    assert Conv1DTranspose(2, 3, dilation_rate=4).dilation_rate == 4     # no stride: fine


def test_call_errors():
    layer = Conv1DTranspose(2, 3)
    with pytest.raises(ValueError, match=r"rank 3.*\(4, 5\)"):
        layer(np.ones((4, 5)))
    layer(np.ones((1, 5, 3)))
    with pytest.raises(ValueError, match="built for 3 input channels; inputs have 4"):
        layer(np.ones((1, 5, 4)))
    with pytest.raises(ValueError, match="channel dimension"):
        Conv1DTranspose(2, 3).build((None, 5, None))
    with pytest.raises(ValueError, match=r"input_shape=\(None, 5\)"):
        Conv1DTranspose(2, 3).build((None, 5))


# --------------------------------------------------------------------------- #
# Live cross-checks (skipped without the framework).                          #
# --------------------------------------------------------------------------- #
LIVE = [
    dict(filters=3, kernel_size=3, strides=2, padding="same", activation="relu",
         kernel_regularizer="l2", bias_regularizer="l1", activity_regularizer="l1"),
    dict(filters=2, kernel_size=4, strides=3, padding="valid", output_padding=1,
         activation="sigmoid"),
    dict(filters=2, kernel_size=5, strides=2, padding="same", output_padding=1,
         activation="hard_sigmoid"),
    dict(filters=4, kernel_size=2, padding="same", activation="gelu", use_bias=False),
    dict(filters=1, kernel_size=1, strides=4, activation="elu"),
]


def _live(module, kwargs, in_shape, keras_version):
    rng = np.random.default_rng(7)
    theirs = module.layers.Conv1DTranspose(**kwargs)
    x = rng.normal(size=in_shape).astype(np.float32)
    theirs.build(in_shape)
    weights = [rng.normal(size=w.shape).astype(np.float32) for w in theirs.get_weights()]
    theirs.set_weights(weights)
    # ops.convert_to_numpy where the module has it (Keras 3: a torch tensor that
    # requires grad refuses np.asarray); tf-keras returns an eager tensor.
    ops = getattr(module, "ops", None)
    out = theirs(x)
    want = ops.convert_to_numpy(out) if ops is not None else np.asarray(out)
    ours = Conv1DTranspose.from_config(theirs.get_config())
    assert ours.activation is activations.get(kwargs.get("activation"),
                                              keras_version=keras_version)
    ours.set_weights(weights)
    got = ours(x)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5 * max(1, np.abs(want).max()))
    np.testing.assert_allclose([float(v) for v in ours.losses],
                               [float(v) for v in theirs.losses], rtol=1e-5)
    assert ours.compute_output_shape((None, None, in_shape[-1])) == \
        tuple(theirs.compute_output_shape((None, None, in_shape[-1])))


@pytest.mark.parametrize("kwargs", LIVE)
def test_live_against_tf_keras(kwargs):
    tf_keras = pytest.importorskip("tf_keras")
    _live(tf_keras, kwargs, (2, 6, 3), 2)


@pytest.mark.parametrize("kwargs", LIVE + [
    dict(filters=2, kernel_size=3, dilation_rate=2, padding="same", activation="tanh"),
    dict(filters=2, kernel_size=2, strides=2, padding="same", output_padding=0)])
def test_live_against_keras3(kwargs):
    keras = pytest.importorskip("keras")
    if not keras.__version__.startswith("3"):
        pytest.skip("needs Keras 3")
    if keras.backend.backend() == "tensorflow":
        why = tensorflow_refusal(6, kwargs["kernel_size"], kwargs.get("strides", 1),
                                 kwargs.get("padding", "valid"), kwargs.get("output_padding"),
                                 kwargs.get("dilation_rate", 1), onednn=False)
        if why:
            pytest.skip(f"TensorFlow on CPU refuses this layer: {why}")
    _live(keras, kwargs, (2, 6, 3), 3)
