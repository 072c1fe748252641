"""Record Keras 3's seeded initializer values, for tests/test_initializers.py.

Run with Keras 3 installed (any environment; the backend is forced to NumPy,
whose seeded draws deconv1d.initializers reproduces bit for bit):

    python tools/make_keras_initializer_values.py

Writes tests/data/keras3_initializers.npz: one float array per case, keyed
"case<i>", plus "cases" (a JSON list of {key, class_name, config, shape, dtype})
and "keras_version".  Rerunning with the same Keras gives the same file.
"""

import json
import os
import pathlib

os.environ["KERAS_BACKEND"] = "numpy"

import keras  # noqa: E402
import numpy as np  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parents[1] / "tests" / "data" / "keras3_initializers.npz"

# (K, F, C_in) kernels, a bias, and a 2-D shape.
SHAPES = [(3, 4, 5), (1, 1, 1), (7, 2, 3), (2, 16, 8), (5,), (6, 4)]
SEEDS = [0, 1, 1234, 2 ** 32 - 1]
NAMED = ["GlorotUniform", "GlorotNormal", "HeUniform", "HeNormal", "LecunUniform",
         "LecunNormal"]
CONFIGURED = [
    ("VarianceScaling", {"scale": 0.3, "mode": "fan_out", "distribution": "untruncated_normal"}),
    ("VarianceScaling", {"scale": 3.0, "mode": "fan_avg", "distribution": "truncated_normal"}),
    ("VarianceScaling", {"scale": 1.7, "mode": "fan_in", "distribution": "uniform"}),
    ("RandomNormal", {"mean": 0.25, "stddev": 2.0}),
    ("RandomUniform", {"minval": -1.5, "maxval": 0.75}),
    ("TruncatedNormal", {"mean": -0.1, "stddev": 0.5}),
    ("Orthogonal", {"gain": 1.5}),
]


def cases():
    for name in NAMED:
        for shape in SHAPES:
            for seed in SEEDS:
                for dtype in ("float32", "float64"):
                    yield name, {"seed": seed}, shape, dtype
    for name, config in CONFIGURED:
        for shape in SHAPES:
            if name == "Orthogonal" and len(shape) < 2:
                continue
            for seed in (0, 99):
                # Keras 3's Orthogonal returns float32 even when asked for float64.
                for dtype in (("float32",) if name == "Orthogonal" else ("float32", "float64")):
                    yield name, {**config, "seed": seed}, shape, dtype


def main():
    arrays, index = {}, []
    for i, (name, config, shape, dtype) in enumerate(cases()):
        value = np.asarray(getattr(keras.initializers, name)(**config)(shape, dtype=dtype))
        assert value.dtype == dtype, (name, value.dtype, dtype)
        key = f"case{i}"
        arrays[key] = value
        index.append({"key": key, "class_name": name, "config": config,
                      "shape": list(shape), "dtype": dtype})
    np.savez_compressed(OUT, cases=np.array(json.dumps(index)),
                        keras_version=np.array(keras.__version__), **arrays)
    print(f"wrote {len(index)} cases from Keras {keras.__version__} to {OUT}")


if __name__ == "__main__":
    main()
