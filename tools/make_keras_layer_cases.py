"""Record real Keras Conv1DTranspose layers, for tests/test_layer.py.

Needs tf-keras (Keras 2) and Keras 3 (run with the JAX backend, which unlike
TensorFlow on CPU supports dilation and channels_first):

    python tools/make_keras_layer_cases.py

For each case it builds the Keras layer, sets seeded random weights, calls it on
a seeded random input and stores: the layer's own get_config() (as JSON: tuples
become lists, as in a saved Keras model), kernel, bias, input, output and
layer.losses.  Writes tests/data/keras_layer_cases.npz: "index" (JSON list of
{key, framework, version, config}) and arrays "<key>/kernel" etc.
"""

import json
import os
import pathlib

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parents[1] / "tests" / "data" / "keras_layer_cases.npz"

# (framework, constructor kwargs, input shape (N, L, C) in the layer's data format)
CASES = [
    ("tf_keras", dict(filters=3, kernel_size=3, strides=2, padding="same", activation="relu",
                      kernel_regularizer="l1_l2", bias_regularizer="l1",
                      activity_regularizer="l2"), (2, 5, 4)),
    ("tf_keras", dict(filters=2, kernel_size=4, strides=3, padding="valid", output_padding=2,
                      activation="tanh"), (3, 4, 2)),
    ("tf_keras", dict(filters=4, kernel_size=2, strides=2, padding="SAME", output_padding=1,
                      activation="hard_sigmoid", kernel_constraint="max_norm"), (1, 6, 3)),
    ("tf_keras", dict(filters=2, kernel_size=5, padding="same", activation="gelu",
                      input_shape=(7, 3), name="first"), (2, 7, 3)),
    ("tf_keras", dict(filters=1, kernel_size=1, strides=3, activation="sigmoid",
                      use_bias=True), (2, 3, 2)),
    ("tf_keras", dict(filters=3, kernel_size=3, strides=2, padding="same", output_padding=0,
                      activation="selu", use_bias=False,
                      kernel_initializer="he_normal"), (2, 4, 2)),
    ("keras", dict(filters=3, kernel_size=3, strides=2, padding="same", output_padding=1,
                   activation="hard_sigmoid", kernel_regularizer="l2",
                   activity_regularizer="l1"), (2, 5, 4)),
    ("keras", dict(filters=2, kernel_size=3, dilation_rate=2, padding="same",
                   activation="elu"), (2, 6, 3)),
    ("keras", dict(filters=2, kernel_size=4, strides=2, padding="valid",
                   data_format="channels_first", activation="swish"), (2, 3, 5)),
    ("keras", dict(filters=2, kernel_size=2, strides=2, padding="same", output_padding=0,
                   activation="softplus"), (1, 4, 2)),
    ("keras", dict(filters=2, kernel_size=3, dilation_rate=3, padding="valid",
                   data_format="channels_first", activation="mish",
                   bias_initializer="ones"), (1, 2, 6)),
]


def _jsonable(value):
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    return value


def main():
    import keras
    import tf_keras

    modules = {"tf_keras": tf_keras, "keras": keras}
    rng = np.random.default_rng(20240601)
    arrays, index = {}, []
    for i, (framework, kwargs, in_shape) in enumerate(CASES):
        module = modules[framework]
        layer = module.layers.Conv1DTranspose(**kwargs)
        x = rng.normal(size=in_shape).astype(np.float32)
        if not layer.built:
            layer.build(in_shape)
        weights = [rng.normal(size=w.shape).astype(np.float32) for w in layer.get_weights()]
        layer.set_weights(weights)
        y = np.asarray(layer(x))
        losses = np.array([float(v) for v in layer.losses], dtype=np.float64)
        key = f"case{i}"
        config = _jsonable(layer.get_config())
        index.append({"key": key, "framework": framework, "version": module.__version__,
                      "backend": os.environ["KERAS_BACKEND"] if framework == "keras"
                      else "tensorflow", "config": config})
        arrays[f"{key}/kernel"] = weights[0]
        arrays[f"{key}/bias"] = weights[1] if len(weights) > 1 else np.zeros(0, np.float32)
        arrays[f"{key}/x"] = x
        arrays[f"{key}/y"] = y
        arrays[f"{key}/losses"] = losses
        print(key, framework, kwargs, "->", y.shape, "losses", losses)
    np.savez_compressed(OUT, index=np.array(json.dumps(index)), **arrays)
    print(f"wrote {len(index)} cases to {OUT}")


if __name__ == "__main__":
    main()
