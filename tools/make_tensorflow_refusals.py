"""Record which ``Conv1DTranspose`` settings TensorFlow (on CPU) refuses to run.

``deconv1d explain`` suggests Keras calls; where TensorFlow cannot run the
suggestion it must say so.  This script builds the real layer over a grid of
settings, runs it once on ones, and records whether it raised, with the message's
first line.  Run with an environment holding the frameworks::

    python -m venv /tmp/fwvenv
    /tmp/fwvenv/bin/pip install tensorflow-cpu tf-keras keras numpy
    /tmp/fwvenv/bin/python tools/make_tensorflow_refusals.py

Writes ``tests/data/tensorflow_refusals.json``::

    {"versions": {...}, "columns": [...], "errors": ["message", ...],
     "cases": [[source, onednn, L, K, s, padding, output_padding, d,
                output_length or null, index into errors or null], ...]}

``source`` is ``"tf_keras"`` or ``"keras3_tensorflow"``; ``onednn`` says which
CPU kernels ran.

Both of TensorFlow's CPU kernels are recorded: oneDNN's (the default on x86
Linux) and TensorFlow's own (``TF_ENABLE_ONEDNN_OPTS=0``); they refuse different
settings.

The grid includes settings Keras itself refuses at construction
(``output_padding >= strides``; ``strides > 1`` with ``dilation_rate > 1``), so
that those refusals are recorded too.
No case is edited by hand: rerun the script to regenerate (deterministic).
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import sys
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
warnings.filterwarnings("ignore")

import numpy as np  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data"


def grid():
    """Every ``(L, K, s, padding, output_padding, d)`` of the recorded grid."""
    for length in range(1, 6):
        for kernel_size in range(1, 6):
            for strides in range(1, 4):
                for dilation in ((1, 2, 3) if strides < 3 else (1,)):
                    for padding in ("valid", "same"):
                        for op in (None, *range(strides + 1)):
                            yield length, kernel_size, strides, padding, op, dilation


def message(error):
    """The framework's own reason: the op's message when Keras wraps it, else line 1."""
    text = str(error)
    inner = re.search(r"\}\} (.*?) \[Op:", text, re.S)
    lines = text.strip().splitlines()
    reason = inner.group(1) if inner else (lines[0] if lines else "")
    return f"{type(error).__name__}: {' '.join(reason.split())}"[:300]


def record(source, layers):
    cases = []
    for L, K, s, padding, op, d in grid():
        case = {"source": source, "length": L, "kernel_size": K, "strides": s,
                "padding": padding, "output_padding": op, "dilation_rate": d}
        try:
            layer = layers.Conv1DTranspose(1, K, strides=s, padding=padding,
                                           output_padding=op, dilation_rate=d)
            y = np.asarray(layer(np.ones((1, L, 1), dtype=np.float32)))
            case["error"] = None
            case["output_length"] = int(y.shape[1])
        except Exception as error:  # the framework refused: record its message
            case["error"] = message(error)
        cases.append(case)
    return cases


def run_grid():
    """Print the cases of this process's TensorFlow (its oneDNN setting) as JSON."""
    import tensorflow as tf

    tf.config.set_visible_devices([], "GPU")
    import tf_keras

    os.environ["KERAS_BACKEND"] = "tensorflow"
    import keras

    assert keras.backend.backend() == "tensorflow"
    onednn = os.environ["TF_ENABLE_ONEDNN_OPTS"] == "1"
    cases = record("tf_keras", tf_keras.layers) + record("keras3_tensorflow", keras.layers)
    for case in cases:
        case["onednn"] = onednn
    versions = {"tensorflow": tf.__version__, "tf_keras": tf_keras.__version__,
                "keras": keras.__version__, "numpy": np.__version__}
    print(json.dumps({"versions": versions, "cases": cases}))


def main():
    """Run the grid with TensorFlow's oneDNN kernels on (the x86 default) and off."""
    cases, versions = [], {}
    for onednn in ("1", "0"):
        env = dict(os.environ, TF_ENABLE_ONEDNN_OPTS=onednn)
        out = subprocess.run([sys.executable, __file__, "--grid"], env=env, check=True,
                             capture_output=True, text=True).stdout
        result = json.loads(out.strip().splitlines()[-1])
        cases += result["cases"]
        versions = result["versions"]
    columns = ["source", "onednn", "length", "kernel_size", "strides", "padding",
               "output_padding", "dilation_rate", "output_length", "error"]
    errors = sorted({c["error"] for c in cases if c["error"] is not None})
    rows = [[c.get(name) for name in columns] for c in cases]
    for row in rows:
        row[-1] = None if row[-1] is None else errors.index(row[-1])
    path = OUT / "tensorflow_refusals.json"
    lines = [json.dumps(row) for row in rows]
    path.write_text('{"versions": ' + json.dumps(versions, sort_keys=True) + ',\n"columns": '
                    + json.dumps(columns) + ',\n"errors": ' + json.dumps(errors, indent=0)
                    + ',\n"cases": [\n' + ",\n".join(lines) + "\n]}\n")
    refused = sum(c["error"] is not None for c in cases)
    print(f"wrote {path}: {len(cases)} cases, {refused} refused")


if __name__ == "__main__":
    run_grid() if sys.argv[1:] == ["--grid"] else main()
