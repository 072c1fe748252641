"""False alarms on correct Keras 3 models whose deeper layers see repeated input rows.

``python benchmarks/verify_keras_chains.py [--seed 1] [--models 60]`` (with Keras 3
installed; any backend, JAX by default) builds models of three ``Conv1DTranspose``
layers (4-32 filters, K 2-8, strides 1-3, ``same`` or ``valid``, linear, ReLU, tanh or
leaky ReLU, biases of scale 0.05 or 1) on inputs of mean 0, 0.5 or 2, runs
``deconv1d.verify.keras_model`` on each, and prints every layer that is not a MATCH
(the target is none).  A layer of stride ``s > 1`` passes on samples that no product
reaches between its taps (the bias alone): the next layer sees the same input row
again and again, and identical operations make identical rounding errors.
"""

from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import keras  # noqa: E402
import numpy as np  # noqa: E402

from deconv1d import verify  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--models", type=int, default=60)
    args = parser.parse_args(argv)
    keras.utils.set_random_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    layers = alarms = 0
    for t in range(args.models):
        length, c_in = int(rng.choice([64, 512])), int(rng.choice([4, 16, 64]))
        inputs = keras.Input((length, c_in))
        h = inputs
        for _ in range(3):
            h = keras.layers.Conv1DTranspose(
                int(rng.choice([4, 16, 32])), int(rng.integers(2, 9)),
                strides=int(rng.integers(1, 4)), padding=str(rng.choice(["same", "valid"])),
                activation=str(rng.choice(["linear", "relu", "tanh", "leaky_relu"])),
                bias_initializer=keras.initializers.RandomNormal(
                    stddev=float(rng.choice([0.05, 1]))))(h)
        model = keras.Model(inputs, h)
        x = (float(rng.choice([0, 0.5, 2]))
             + rng.standard_normal((1, length, c_in))).astype(np.float32)
        report = verify.keras_model(model, x)
        for layer in report.layers:
            layers += 1
            if layer.verdict != "MATCH":
                alarms += 1
                print(f"  model {t} {layer.name}: {layer.verdict} {','.join(layer.codes)} "
                      f"{layer.diagnosis[:120]}")
    print(f"keras {keras.__version__} ({keras.backend.backend()}), seed {args.seed}: "
          f"{alarms} of {layers} correct layers not a MATCH")
    return 0


if __name__ == "__main__":
    sys.exit(main())
