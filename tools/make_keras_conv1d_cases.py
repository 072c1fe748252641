"""Record Keras 3 ``Conv1D`` outputs, for tests/test_adjoint.py (``deconv1d.conv1d``).

Run with Keras 3 and JAX installed (the backend is forced to JAX with x64 enabled,
so float64 layers convolve in float64; Keras's "numpy" backend rounds to float32)::

    python tools/make_keras_conv1d_cases.py

Writes tests/data/keras3_conv1d.npz: for case ``i`` the arrays ``c{i}_y`` (input,
channels_last), ``c{i}_w`` (Keras Conv1D kernel ``(K, C // groups, filters)``),
``c{i}_b`` and ``c{i}_out`` (Keras's output), and ``meta``, a JSON list of
``{"padding", "strides", "dilation_rate", "groups"}``, plus ``keras_version``.
Fixed seed: rerunning with the same Keras gives the same file.
"""

import itertools
import json
import os
import pathlib

os.environ["KERAS_BACKEND"] = "jax"
os.environ["JAX_ENABLE_X64"] = "1"         # float64 convolutions in JAX

import keras  # noqa: E402
import numpy as np  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parents[1] / "tests" / "data" / "keras3_conv1d.npz"


def main():
    rng = np.random.default_rng(20260)
    arrays, meta = {}, []
    grid = itertools.product(["valid", "same", "causal"], [1, 2, 3], [1, 2],
                             [1, 2, 3, 4], [1, 5, 8])
    for padding, stride, dilation, kernel_size, length in grid:
        if stride > 1 and dilation > 1:        # Keras Conv1D refuses both > 1
            continue
        dk = (kernel_size - 1) * dilation + 1
        if padding == "valid" and length < dk:
            continue
        groups = 2 if (kernel_size + length) % 3 == 0 else 1
        channels, filters = 2 * groups, (3 if groups == 1 else 4)
        layer = keras.layers.Conv1D(filters, kernel_size, strides=stride, padding=padding,
                                    dilation_rate=dilation, groups=groups, dtype="float64")
        layer.build((None, None, channels))
        w = rng.standard_normal((kernel_size, channels // groups, filters))
        b = rng.standard_normal(filters)
        layer.set_weights([w, b])
        y = rng.standard_normal((2, length, channels))
        i = len(meta)
        arrays.update({f"c{i}_y": y, f"c{i}_w": w, f"c{i}_b": b,
                       f"c{i}_out": np.asarray(layer(y), dtype=np.float64)})
        meta.append({"padding": padding, "strides": stride, "dilation_rate": dilation,
                     "groups": groups})
    np.savez_compressed(OUT, meta=json.dumps(meta), keras_version=keras.__version__,
                        **arrays)
    print(f"wrote {len(meta)} cases to {OUT}")


if __name__ == "__main__":
    main()
