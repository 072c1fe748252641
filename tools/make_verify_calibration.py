"""Record correct and deliberately wrong outputs of the real frameworks, to calibrate verify.

Run with an environment holding the frameworks (none is a dependency of deconv1d)::

    python tools/make_verify_calibration.py [--out DIR] [--subset DIR]

Three kinds of record, all deterministic (fixed seeds):

- **correct outputs** (``correct_<source>.npz`` in ``--out``, default
  ``/tmp/deconv1d-calibration``): PyTorch ``nn.functional.conv_transpose1d``,
  TensorFlow ``tf.nn.conv1d_transpose``, Keras 3 ``Conv1DTranspose`` on the JAX and
  on the torch backend, tf-keras, JAX ``lax.conv_transpose`` and onnxruntime (a
  ``ConvTranspose`` model built with ``onnx.helper``; its CPU provider has no
  float64 ConvTranspose, so float32 only), float32 and float64, 1 to
  512 channels, kernels up to 16, strides up to 8.  Every one must get the verdict
  MATCH from ``deconv1d.verify.check(entry, y, x, w, b, **kwargs)``.
- **perturbed trials** (``perturbed_<source>.npz``): the framework's output with
  one weight entry scaled by ``factor`` (1.001 on the 512 -> 256, K=16, s=8 layer,
  1.0001 on layers up to 64 channels; the 64-channel layers with inputs of 8 to 1024
  samples, see ``PERTURBED``), checked against the *unperturbed* weight;
  ``index`` is the entry in the framework's weight layout, ``kernel_index`` the
  same entry as ``(k, out, in)`` of the Keras kernel.
- **diagnosis scenarios** (``verify_diagnoses.npz``, written to ``--subset``,
  e.g. ``tests/data``): real outputs of known wrong ports, with every array
  stored, for the tests of the diagnoses and of the port check.

Inputs of the first two kinds are not stored: case ``c`` regenerates them with
:func:`inputs` (``numpy.random.default_rng(c["seed"])``, standard normal, drawn
as x, then w, then b).  ``--subset DIR`` also writes ``verify_calibration.npz``,
a small representative part of the cache with its inputs stored.

Each npz holds ``meta`` (a JSON string: ``{"source", "versions", "cases": [...]}``)
and ``y{i}`` for case ``i``; a case is ``{"id", "source", "entry", "kwargs",
"dtype", "seed", "x_shape", "w_shape", "b_shape", "kind"}`` plus, when perturbed,
``"perturb": {"index", "kernel_index", "factor"}``.  ``entry`` and ``kwargs`` are
the ``deconv1d.interop`` entry point and its arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys
import warnings

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
warnings.filterwarnings("ignore")

import numpy as np  # noqa: E402

DEFAULT_OUT = pathlib.Path("/tmp/deconv1d-calibration")
DTYPES = ("float32", "float64")
SOURCES = ("torch", "tf", "tf_keras", "keras3_jax", "keras3_torch", "jax", "onnxruntime")
#: Weight layout of each entry point, as the letters of (K, out, in).
_LAYOUT = {"torch": "ioK", "onnx": "ioK", "keras": "Koi", "tf": "Koi", "jax": "Koi"}


# --------------------------------------------------------------------------- #
# Inputs and the cache format (also read by benchmarks/verify_calibration.py) #
# --------------------------------------------------------------------------- #
def inputs(case: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """``(x, w, b)`` of a case, regenerated from its seed (unperturbed)."""
    rng = np.random.default_rng(case["seed"])
    x = rng.standard_normal(case["x_shape"]).astype(case["dtype"])
    w = rng.standard_normal(case["w_shape"]).astype(case["dtype"])
    b = None if case["b_shape"] is None else \
        rng.standard_normal(case["b_shape"]).astype(case["dtype"])
    return x, w, b


def perturbed(case: dict, w: np.ndarray) -> np.ndarray:
    """``w`` with the case's entry scaled by its factor (in ``w``'s dtype)."""
    w = w.copy()
    p = case["perturb"]
    w[tuple(p["index"])] = (w[tuple(p["index"])].astype(np.float64)
                            * p["factor"]).astype(w.dtype)
    return w


def load(path: pathlib.Path) -> tuple[dict, list[np.ndarray]]:
    """``(meta, outputs)`` of one cache file."""
    with np.load(path, allow_pickle=False) as f:
        meta = json.loads(str(f["meta"]))
        return meta, [f[f"y{i}"] for i in range(len(meta["cases"]))]


def versions() -> dict:
    found = {}
    for name in ("torch", "tensorflow", "tf_keras", "keras", "jax", "onnx", "onnxruntime",
                 "numpy"):
        try:
            found[name] = __import__(name).__version__
        except Exception:  # pragma: no cover - reporting only
            found[name] = None
    return found


def save(path: pathlib.Path, source: str, cases: list, outputs: list) -> None:
    meta = {"source": source, "versions": versions(), "cases": cases}
    np.savez_compressed(path, meta=np.array(json.dumps(meta)),
                        **{f"y{i}": y for i, y in enumerate(outputs)})
    print(f"{path}: {len(cases)} cases, {path.stat().st_size} bytes", flush=True)


# --------------------------------------------------------------------------- #
# The layers                                                                  #
# --------------------------------------------------------------------------- #
SMALL_CHANNELS = (1, 1, 2, 3, 4, 8, 16, 32, 64)
#: (C_in, C_out, K, stride, L): the few wide layers, kept short.
BIG = ((512, 256, 16, 8, 8), (256, 128, 16, 8, 8), (512, 512, 3, 1, 6), (128, 64, 4, 2, 16))


def layers(seed: int, count: int = 80):
    """``count`` random small layers then the wide ones: dicts of sizes (deterministic)."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        yield {"cin": int(rng.choice(SMALL_CHANNELS)), "cout": int(rng.choice(SMALL_CHANNELS)),
               "K": int(rng.integers(1, 17)), "s": int(rng.integers(1, 9)),
               "L": int(rng.integers(1, 13)), "N": int(rng.integers(1, 3)),
               "bias": bool(rng.integers(2)), "pick": int(rng.integers(1 << 30))}
    for cin, cout, K, s, L in BIG:
        yield {"cin": cin, "cout": cout, "K": K, "s": s, "L": L, "N": 1, "bias": True,
               "pick": 0}


def shapes_for(entry: str, g: dict, groups: int = 1) -> tuple[list, list]:
    """Input and weight shapes in the entry point's layouts."""
    N, L, cin, cout, K = g["N"], g["L"], g["cin"], g["cout"], g["K"]
    if entry in ("torch", "onnx"):
        return [N, cin, L], [cin, cout // groups, K]
    return [N, L, cin], [K, cout, cin]


def kernel_index(entry: str, index: list) -> list:
    """A weight index as ``(k, out, in)`` of the Keras kernel."""
    letters = _LAYOUT[entry]
    return [index[letters.index(c)] for c in "Koi"]


def window_kwargs(entry: str, g: dict, rng: np.random.Generator) -> tuple[dict, int]:
    """The entry point's window arguments for layer ``g`` (valid ones), and its groups."""
    K, s, L = g["K"], g["s"], g["L"]
    groups = 2 if entry in ("torch", "onnx") and g["cin"] % 2 == 0 and g["cout"] % 2 == 0 \
        and rng.integers(4) == 0 else 1
    if entry == "torch":
        p = int(rng.integers(0, (K - 1) // 2 + 1))
        q = int(rng.integers(0, s))
        if (L - 1) * s + K - 2 * p + q < 1:
            p = 0
        return {"stride": s, "padding": p, "output_padding": q, "groups": groups}, groups
    if entry == "onnx":
        b, e = int(rng.integers(0, K)), int(rng.integers(0, K))
        if (L - 1) * s + K - b - e < 1:
            b = e = 0
        return {"strides": [s], "pads": [b, e], "group": groups}, groups
    if entry == "keras":
        pad = ("valid", "same")[int(rng.integers(2))]
        op = None if rng.integers(2) else int(rng.integers(0, s))
        return {"strides": s, "padding": pad, "output_padding": op}, 1
    if entry == "tf":
        pad = ("SAME", "VALID")[int(rng.integers(2))]
        length = L * s if pad == "SAME" else (L - 1) * s + K
        return {"output_shape": [g["N"], length, g["cout"]], "strides": s, "padding": pad}, 1
    tk = bool(rng.integers(2))
    return {"strides": [s], "padding": ("SAME", "VALID")[int(rng.integers(2))],
            "transpose_kernel": tk, "dimension_numbers": ["NHC", "HIO", "NHC"]}, 1


ENTRY = {"torch": "torch", "tf": "tf", "tf_keras": "keras", "keras3_jax": "keras",
         "keras3_torch": "keras", "jax": "jax", "onnxruntime": "onnx"}


def correct_cases(source: str) -> list[dict]:
    """The correct-output cases of one source (inputs by seed)."""
    entry = ENTRY[source]
    base = 1000 * (1 + SOURCES.index(source))
    cases = []
    for n, g in enumerate(layers(base)):
        rng = np.random.default_rng(g["pick"])
        kwargs, groups = window_kwargs(entry, g, rng)
        xs, ws = shapes_for(entry, g, groups)
        if entry == "jax" and not kwargs["transpose_kernel"]:
            ws = [g["K"], g["cin"], g["cout"]]
        has_bias = g["bias"] and entry not in ("tf", "jax")
        for d, dtype in enumerate(DTYPES):
            cases.append({"id": f"{source}-{n}-{dtype}", "source": source, "entry": entry,
                          "kwargs": kwargs, "dtype": dtype, "seed": base * 10 + 2 * n + d,
                          "x_shape": xs, "w_shape": ws,
                          "b_shape": [g["cout"]] if has_bias else None, "kind": "correct"})
    return cases


#: Perturbed layers: (name, sources, C_in, C_out, K, stride, padding, L, factor, trials).
#: The input length ``L`` matters: a weight's change reaches about ``L`` outputs, so the
#: pooled evidence grows as ``sqrt(L)`` (times ``|w|``: a weight near zero is scaled by
#: almost nothing).  With 8 to 64 samples the 64-channel layers miss the weights within
#: about 0.2 rms of zero; layers of the kind people port (vocoder upsampling) see hundreds
#: to thousands of samples, so those two layers are also tried at L=256 and L=1024, with
#: 100 trials (a 95% rate from 40 trials has a standard error of about 3.5 points).  New
#: rows go at the end: a row's trial seeds depend on its position.
PERTURBED = (
    ("512->256 K16 s8 L16", ("torch",), 512, 256, 16, 8, 4, 16, 1.001, 40),
    ("1->1 K3 s2 L8", ("torch", "keras3_jax"), 1, 1, 3, 2, 1, 8, 1.0001, 40),
    ("4->8 K5 s2 L8", ("torch", "onnxruntime"), 4, 8, 5, 2, 2, 8, 1.0001, 40),
    ("16->16 K7 s3 L8", ("torch", "tf"), 16, 16, 7, 3, 0, 8, 1.0001, 40),
    ("64->32 K7 s1 L16", ("torch", "keras3_jax"), 64, 32, 7, 1, 3, 16, 1.0001, 40),
    ("64->64 K16 s8 L8", ("torch", "jax"), 64, 64, 16, 8, 4, 8, 1.0001, 40),
    ("64->32 K7 s1 L64", ("torch", "keras3_jax"), 64, 32, 7, 1, 3, 64, 1.0001, 40),
    ("64->64 K16 s8 L64", ("torch", "jax"), 64, 64, 16, 8, 4, 64, 1.0001, 40),
    ("64->32 K7 s1 L256", ("torch", "keras3_jax"), 64, 32, 7, 1, 3, 256, 1.0001, 100),
    ("64->64 K16 s8 L256", ("torch", "jax"), 64, 64, 16, 8, 4, 256, 1.0001, 100),
    ("64->32 K7 s1 L1024", ("torch", "keras3_jax"), 64, 32, 7, 1, 3, 1024, 1.0001, 100),
    ("64->64 K16 s8 L1024", ("torch", "jax"), 64, 64, 16, 8, 4, 1024, 1.0001, 100),
)


def perturbed_cases(source: str) -> list[dict]:
    """The perturbed trials of one source (float32; the index drawn per trial)."""
    entry = ENTRY[source]
    cases = []
    for m, (name, sources, cin, cout, K, s, p, L, factor, trials) in enumerate(PERTURBED):
        if source not in sources:
            continue
        g = {"N": 1, "L": L, "cin": cin, "cout": cout, "K": K}
        xs, ws = shapes_for(entry, g)
        if entry == "torch":
            kwargs = {"stride": s, "padding": p}
        elif entry == "onnx":
            kwargs = {"strides": [s], "pads": [p, p]}
        elif entry == "keras":
            kwargs = {"strides": s, "padding": "same" if p else "valid"}
        elif entry == "tf":
            kwargs = {"output_shape": [1, (L - 1) * s + K, cout], "strides": s,
                      "padding": "VALID"}
        else:
            kwargs = {"strides": [s], "padding": "SAME", "transpose_kernel": True,
                      "dimension_numbers": ["NHC", "HIO", "NHC"]}
        for t in range(trials):
            seed = 900_000 + 10_000 * m + 100 * SOURCES.index(source) + t
            index = [int(np.random.default_rng(seed + 7_000_000).integers(n)) for n in ws]
            cases.append({"id": f"{source}-perturbed-{m}-{t}", "source": source,
                          "entry": entry, "kwargs": kwargs, "dtype": "float32", "seed": seed,
                          "x_shape": xs, "w_shape": ws, "b_shape": None, "kind": name,
                          "perturb": {"index": index,
                                      "kernel_index": kernel_index(entry, index),
                                      "factor": factor}})
    return cases


# --------------------------------------------------------------------------- #
# Running a case on its framework                                             #
# --------------------------------------------------------------------------- #
def runner(source: str):
    """A function ``run(case, x, w, b) -> y`` calling the real framework."""
    if source == "torch":
        import torch
        import torch.nn.functional as F

        torch.use_deterministic_algorithms(True)

        def run(case, x, w, b):
            def t(a):
                return (None if a is None else torch.from_numpy(a))
            return F.conv_transpose1d(t(x), t(w), t(b), **case["kwargs"]).numpy()
        return run
    if source == "tf":
        import tensorflow as tf

        def run(case, x, w, b):
            return tf.nn.conv1d_transpose(x, w, **case["kwargs"]).numpy()
        return run
    if source in ("tf_keras", "keras3_jax", "keras3_torch"):
        if source == "tf_keras":
            import tf_keras as keras_module
        else:
            import keras as keras_module

            want = source.split("_")[1]
            assert keras_module.backend.backend() == want, keras_module.backend.backend()
            if want == "jax":
                import jax
                jax.config.update("jax_enable_x64", True)

        def run(case, x, w, b):
            kw = case["kwargs"]
            layer = keras_module.layers.Conv1DTranspose(
                w.shape[1], w.shape[0], strides=kw["strides"], padding=kw["padding"],
                output_padding=kw.get("output_padding"), use_bias=b is not None,
                dtype=case["dtype"])
            layer.build(x.shape)
            layer.set_weights([w] if b is None else [w, b])
            y = layer(x)
            return np.asarray(y.detach().cpu() if hasattr(y, "detach") else y)
        return run
    if source == "jax":
        import jax

        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
        from jax import lax

        def run(case, x, w, b):
            kw = case["kwargs"]
            return np.asarray(lax.conv_transpose(
                jnp.asarray(x), jnp.asarray(w), kw["strides"], kw["padding"],
                dimension_numbers=tuple(kw["dimension_numbers"]),
                transpose_kernel=kw["transpose_kernel"], precision=lax.Precision.HIGHEST))
        return run
    if source == "onnxruntime":
        import onnxruntime as ort
        from onnx import TensorProto, helper

        def run(case, x, w, b):
            elem = TensorProto.FLOAT if case["dtype"] == "float32" else TensorProto.DOUBLE
            names = ["X", "W"] + ([] if b is None else ["B"])
            node = helper.make_node("ConvTranspose", names, ["Y"], **case["kwargs"])
            graph = helper.make_graph(
                [node], "g", [helper.make_tensor_value_info(n, elem, None) for n in names],
                [helper.make_tensor_value_info("Y", elem, None)])
            model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                                      ir_version=8)
            session = ort.InferenceSession(model.SerializeToString(),
                                           providers=["CPUExecutionProvider"])
            return session.run(None, {"X": x, "W": w} | ({} if b is None else {"B": b}))[0]
        return run
    raise ValueError(f"unknown source {source!r}")


def record(source: str, out: pathlib.Path) -> None:
    run = runner(source)
    for kind, cases in (("correct", correct_cases(source)),
                        ("perturbed", perturbed_cases(source))):
        if not cases:
            continue
        kept, outputs, refused = [], [], []
        for case in cases:
            x, w, b = inputs(case)
            if "perturb" in case:
                w = perturbed(case, w)
            try:
                outputs.append(np.asarray(run(case, x, w, b)))
            except Exception as error:  # the framework refused: not a case
                refused.append(f"{case['id']}: {type(error).__name__}")
                continue
            kept.append(case)
        if refused:
            print(f"{source}: {len(refused)} refused by the framework: {refused}", flush=True)
        save(out / f"{kind}_{source}.npz", source, kept, outputs)


# --------------------------------------------------------------------------- #
# Diagnosis scenarios: real outputs of known wrong ports, every array stored  #
# --------------------------------------------------------------------------- #
def diagnosis_scenarios(subset: pathlib.Path) -> None:
    """Write ``verify_diagnoses.npz``: ``s{i}_{x,w,b,y,...}`` and ``meta``.

    Each scenario names the framework that produced ``y`` (``port``, its entry
    point and ``port_kwargs``), the arrays in its layouts, and what it was meant
    to be (``original`` and ``original_kwargs``, or ``check_kwargs``: the
    arguments a user checks it with), and ``expect``, the diagnosis code.
    """
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import keras
    import onnxruntime as ort
    import torch
    import torch.nn.functional as F
    from jax import lax
    from onnx import TensorProto, helper

    assert keras.backend.backend() == "jax"
    rng = np.random.default_rng(11)
    meta, arrays = [], {}

    def add(name, expect, arrays_of, **info):
        i = len(meta)
        for key, value in arrays_of.items():
            if value is not None:
                arrays[f"s{i}_{key}"] = np.asarray(value)
        meta.append({"name": name, "expect": expect, **info})

    def torch_run(x, w, b=None, **kw):
        def t(a):
            return (None if a is None else torch.from_numpy(a))
        return F.conv_transpose1d(t(x), t(w), t(b), **kw).numpy()

    def keras_run(x, k, b=None, **kw):
        layer = keras.layers.Conv1DTranspose(k.shape[1], k.shape[0], use_bias=b is not None,
                                             dtype=str(x.dtype), **kw)
        layer.build(x.shape)
        layer.set_weights([k] if b is None else [k, b])
        return np.asarray(layer(x))

    def f32(shape):
        return (rng.standard_normal(shape).astype("float32"))

    # 1. The README's port: PyTorch padding=1, output_padding=1 for Keras 'same', K=3, s=2.
    x, w = f32((1, 2, 5)), f32((2, 4, 3))
    y = torch_run(x, w, stride=2, padding=1, output_padding=1)
    y_keras = keras_run(x.transpose(0, 2, 1).copy(), w.transpose(2, 1, 0).copy(),
                        strides=2, padding="same")
    add("torch_same_k3_s2", "shifted", {"x": x, "w": w, "y": y, "y_original": y_keras},
        port="torch", port_kwargs={"stride": 2, "padding": 1, "output_padding": 1},
        original="keras", original_kwargs={"padding": "same"})
    # 2. A JAX port of Keras 'same' with K=7, s=4 whose explicit pads are swapped.
    x, k = f32((1, 6, 3)), f32((7, 2, 3))
    y = np.asarray(lax.conv_transpose(jnp.asarray(x), jnp.asarray(k), [4], [(4, 5)],
                                      dimension_numbers=("NHC", "HIO", "NHC"),
                                      transpose_kernel=True, precision=lax.Precision.HIGHEST))
    add("jax_same_k7_s4", "shifted", {"x": x, "w": k, "y": y},
        port="jax", port_kwargs={"strides": [4], "padding": [[4, 5]], "transpose_kernel": True},
        original="keras", original_kwargs={"padding": "same"})
    # 3. An onnxruntime port of Keras 'same', K=5, s=2, with pads [0, 4]: shifted and shorter.
    x, w = f32((1, 2, 6)), f32((2, 3, 5))
    names = ["X", "W"]
    node = helper.make_node("ConvTranspose", names, ["Y"], strides=[2], pads=[0, 4])
    graph = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in names],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    y = ort.InferenceSession(model.SerializeToString(),
                             providers=["CPUExecutionProvider"]).run(None, {"X": x, "W": w})[0]
    add("onnx_pads_vs_same_k5_s2", "window", {"x": x, "w": w, "y": y},
        port="onnx", port_kwargs={"strides": [2], "pads": [0, 4]},
        original="keras", original_kwargs={"padding": "same"})
    # 4. Output channels permuted in the weight, bias in place (PyTorch).
    x, w, b = f32((2, 3, 6)), f32((3, 4, 3)), f32((4,))
    perm = [2, 0, 3, 1]
    y = torch_run(x, w[:, perm].copy(), b, stride=2)
    add("torch_channels_permuted_bias", "channels_permuted",
        {"x": x, "w": w, "b": b, "y": y, "permutation": np.array(perm)},
        port="torch", port_kwargs={"stride": 2}, check_kwargs={"stride": 2})
    # 5. A PyTorch (N, C, L) output compared, untransposed, with Keras 'same' (N, L, C).
    x, w = f32((1, 4, 5)), f32((4, 5, 3))
    y = torch_run(x, w, stride=2, padding=1, output_padding=1)
    y_keras = keras_run(x.transpose(0, 2, 1).copy(), w.transpose(2, 1, 0).copy(),
                        strides=2, padding="same")
    add("torch_ncl_vs_keras_same", "layout_transposed", {"x": x, "w": w, "y": y,
                                                          "y_original": y_keras},
        port="torch", port_kwargs={"stride": 2, "padding": 1, "output_padding": 1})
    # 6. A grouped PyTorch layer (groups=2) checked without groups, with and without bias.
    x, w, b = f32((1, 4, 5)), f32((4, 3, 3)), f32((6,))
    for with_bias in (True, False):
        bb = b if with_bias else None
        y = torch_run(x, w, bb, stride=2, groups=2)
        add(f"torch_groups_forgotten_{'bias' if with_bias else 'nobias'}", "groups",
            {"x": x, "w": w, "b": bb, "y": y},
            port="torch", port_kwargs={"stride": 2, "groups": 2}, check_kwargs={"stride": 2})
    # 7. A Keras 3 layer given a PyTorch weight reshaped instead of transposed.
    x, w_torch = f32((1, 5, 2)), f32((2, 3, 4))
    y = keras_run(x, w_torch.reshape(4, 3, 2).copy(), strides=2, padding="valid")
    add("keras_kernel_reshaped", "kernel_reshaped",
        {"x": x, "w": w_torch.transpose(2, 1, 0).copy(), "y": y, "w_torch": w_torch},
        port="keras", port_kwargs={"strides": 2, "padding": "valid"},
        check_kwargs={"strides": 2, "padding": "valid"})
    path = subset / "verify_diagnoses.npz"
    np.savez_compressed(path, meta=np.array(json.dumps({"versions": versions(),
                                                        "scenarios": meta})), **arrays)
    print(f"{path}: {len(meta)} scenarios, {path.stat().st_size} bytes", flush=True)


def write_subset(out: pathlib.Path, subset: pathlib.Path) -> None:
    """``verify_calibration.npz``: per source, dtype and layer kind the first 3 cases
    with at most 2048 values in each array, their inputs stored."""
    cases, arrays = [], {}
    for path in sorted(out.glob("*.npz")):
        meta, outputs = load(path)
        taken: dict = {}
        for case, y in zip(meta["cases"], outputs):
            key = (case["dtype"], case["kind"])
            x, w, b = inputs(case)
            if taken.get(key, 0) >= 3 or max(y.size, x.size, w.size) > 2048:
                continue
            taken[key] = taken.get(key, 0) + 1
            i = len(cases)
            arrays |= {f"c{i}_x": x, f"c{i}_w": w, f"c{i}_y": y}
            if b is not None:
                arrays[f"c{i}_b"] = b
            cases.append(case)
    path = subset / "verify_calibration.npz"
    np.savez_compressed(path, meta=np.array(json.dumps({"versions": versions(),
                                                        "cases": cases})), **arrays)
    print(f"{path}: {len(cases)} cases, {path.stat().st_size} bytes", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=pathlib.Path, default=DEFAULT_OUT,
                        help=f"cache directory (default {DEFAULT_OUT})")
    parser.add_argument("--subset", type=pathlib.Path,
                        help="also write the committed subset and the diagnosis scenarios here "
                             "(e.g. tests/data)")
    parser.add_argument("--only", choices=SOURCES, action="append",
                        help="record only these sources (repeatable)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for source in args.only or SOURCES:
        if source == "keras3_torch" and os.environ["KERAS_BACKEND"] != "torch":
            # Keras picks its backend once, at import: a process of its own.
            subprocess.run([sys.executable, __file__, "--out", str(args.out), "--only",
                            source], check=True, env=os.environ | {"KERAS_BACKEND": "torch"})
            continue
        record(source, args.out)
    if args.subset:
        diagnosis_scenarios(args.subset)
        write_subset(args.out, args.subset)


if __name__ == "__main__":
    main()
