"""Record real outputs of the real frameworks as golden vectors under tests/data/.

Run with an environment holding the frameworks (none of them is a dependency of
deconv1d)::

    python -m venv /tmp/fwvenv
    /tmp/fwvenv/bin/pip install torch==2.13.0 numpy
    /tmp/fwvenv/bin/pip install tensorflow-cpu tf-keras keras jax jaxlib onnx onnxruntime
    /tmp/fwvenv/bin/python tools/make_golden_vectors.py

Writes one ``tests/data/golden_<source>.npz`` per source (torch, tf, tf_keras,
keras3, jax, onnx_reference, onnxruntime).  Each file holds, for case ``i``, the
arrays ``c{i}_x``, ``c{i}_w``, optionally ``c{i}_b``, and ``c{i}_y`` (the
framework's own output, absent when it raised), all in that framework's own
layouts; and ``meta``, a JSON string listing the cases::

    {"id": ..., "entry": "torch" | "onnx" | "tf" | "jax" | "keras",
     "kwargs": {...the framework's own argument names...},
     "dtype": "float32" | "float64", "error": null | "message"}

``entry`` names the ``deconv1d.interop`` entry point taking those arguments
(``interop.plan(entry, x, w, [b,] **kwargs)``).  No case is edited by hand:
rerun this script to regenerate them (fixed seeds, deterministic).
"""

from __future__ import annotations

import json
import os
import pathlib
import sys
import traceback
import warnings

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
warnings.filterwarnings("ignore")

import numpy as np  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data"
DTYPES = ("float32", "float64")


def versions():
    found = {}
    for name in ("torch", "tensorflow", "tf_keras", "keras", "jax", "jaxlib", "onnx",
                 "onnxruntime", "numpy"):
        try:
            found[name] = __import__(name).__version__
        except Exception:  # pragma: no cover - reporting only
            found[name] = None
    return found


class Recorder:
    """Collects the cases of one source and writes its npz."""

    def __init__(self, source):
        self.source = source
        self.meta = []
        self.arrays = {}

    def add(self, case_id, entry, kwargs, dtype, x, w, b, run):
        i = len(self.meta)
        self.arrays[f"c{i}_x"] = np.asarray(x)
        self.arrays[f"c{i}_w"] = np.asarray(w)
        if b is not None:
            self.arrays[f"c{i}_b"] = np.asarray(b)
        error = None
        try:
            y = np.asarray(run())
            self.arrays[f"c{i}_y"] = y
        except Exception as exc:  # the framework refused: record its message
            text = " ".join(str(exc).split())
            error = f"{type(exc).__name__}: {text[:400]}"
        self.meta.append({"id": case_id, "entry": entry, "kwargs": kwargs,
                          "dtype": dtype, "error": error})

    def save(self, info):
        path = OUT / f"golden_{self.source}.npz"
        meta = {"source": self.source, "versions": info, "cases": self.meta}
        np.savez_compressed(path, meta=np.array(json.dumps(meta)), **self.arrays)
        ok = sum(c["error"] is None for c in self.meta)
        print(f"{path.name}: {len(self.meta)} cases ({ok} ran, "
              f"{len(self.meta) - ok} raised), {path.stat().st_size} bytes")


def data(rng, shape, dtype):
    return rng.standard_normal(shape).astype(dtype)


def grid(rng, count, **choices):
    """``count`` random combinations of the given choices (deterministic)."""
    keys = list(choices)
    for _ in range(count):
        yield {k: choices[k][rng.integers(len(choices[k]))] for k in keys}


# --------------------------------------------------------------------------- #
# PyTorch                                                                     #
# --------------------------------------------------------------------------- #
def torch_cases(info):
    import torch
    import torch.nn.functional as F

    rec = Recorder("torch")
    rng = np.random.default_rng(1)
    # PyTorch's own sample inputs (sample_inputs_conv_transpose1d in
    # torch/testing/_internal/common_methods_invocations.py), then a random grid.
    samples = [((1, 3, 4), (3, 3, 3), True, dict(stride=2, padding=2, output_padding=1)),
               ((2, 2, 4), (2, 2, 4), True, dict(stride=3, padding=1, output_padding=2,
                                                 groups=2, dilation=4)),
               ((1, 1, 4), (1, 1, 4), True, dict(stride=2, padding=1, output_padding=1,
                                                 dilation=2)),
               ((1, 1, 4), (1, 2, 3), False, dict(stride=2, padding=1, output_padding=1)),
               ((1, 4, 5), (4, 8, 3), False, {})]
    specs = []
    for xs, ws, has_b, kw in samples:
        specs.append((xs, ws, has_b, kw))
    for g in grid(rng, 90, K=[1, 2, 3, 4, 5], s=[1, 2, 3], d=[1, 1, 2, 3], p=[0, 0, 1, 2],
                  groups=[1, 1, 2], N=[1, 2], L=[1, 3, 4], cin_g=[1, 2], cout_g=[1, 2, 3],
                  bias=[True, False], op_mode=["zero", "max", "rand", "bad"]):
        limit = max(g["s"], g["d"])
        op = {"zero": 0, "max": limit - 1, "rand": int(rng.integers(limit)),
              "bad": limit}[g["op_mode"]]
        cin = g["cin_g"] * g["groups"]
        kw = dict(stride=g["s"], padding=g["p"], output_padding=op, groups=g["groups"],
                  dilation=g["d"])
        specs.append(((g["N"], cin, g["L"]), (cin, g["cout_g"], g["K"]), g["bias"], kw))
    # Known disagreement with Keras 'same' (K=3, s=2): padding=1, output_padding=1.
    specs.append(((1, 2, 4), (2, 3, 3), False, dict(stride=2, padding=1, output_padding=1)))
    specs.append(((1, 2, 4), (2, 3, 3), True, dict(stride=2, padding=1, output_padding=1)))
    for n, (xs, ws, has_b, kw) in enumerate(specs):
        for dtype in DTYPES:
            x, w = data(rng, xs, dtype), data(rng, ws, dtype)
            b = data(rng, (ws[1] * kw.get("groups", 1),), dtype) if has_b else None
            tt = lambda a: None if a is None else torch.from_numpy(a)  # noqa: E731
            rec.add(f"torch-{n}-{dtype}", "torch", kw, dtype, x, w, b,
                    lambda: F.conv_transpose1d(tt(x), tt(w), tt(b), **kw).numpy())
    # Unbatched input and ConvTranspose1d.forward(output_size=...).
    for n, (L, K, s, p, extra) in enumerate([(3, 3, 2, 1, 0), (3, 3, 2, 1, 1), (4, 2, 3, 0, 2),
                                            (4, 2, 3, 0, 3), (2, 5, 2, 2, 1)]):
        layer = torch.nn.ConvTranspose1d(2, 3, K, stride=s, padding=p, bias=True,
                                         dtype=torch.float64)
        x = data(rng, (1, 2, L), "float64")
        smallest = (L - 1) * s - 2 * p + K
        kw = dict(stride=s, padding=p, output_size=[smallest + extra])
        w = layer.weight.detach().numpy().copy()
        b = layer.bias.detach().numpy().copy()
        rec.add(f"torch-output_size-{n}", "torch", kw, "float64", x, w, b,
                lambda: layer(torch.from_numpy(x), output_size=kw["output_size"]).detach().numpy())
    x = data(rng, (2, 5), "float64")
    w = data(rng, (2, 3, 3), "float64")
    rec.add("torch-unbatched", "torch", dict(stride=2, padding=1), "float64", x, w, None,
            lambda: F.conv_transpose1d(torch.from_numpy(x), torch.from_numpy(w), stride=2,
                                       padding=1).numpy())
    rec.save(info)


# --------------------------------------------------------------------------- #
# TensorFlow tf.nn and tf-keras                                               #
# --------------------------------------------------------------------------- #
def tf_cases(info):
    import tensorflow as tf

    rec = Recorder("tf")
    rng = np.random.default_rng(2)
    for n, g in enumerate(grid(rng, 50, K=[1, 2, 3, 4, 5], s=[1, 2, 3], d=[1, 1, 1, 2],
                                 pad=["SAME", "VALID"], N=[1, 2], L=[1, 3, 4], cin=[1, 2, 3],
                                 cout=[1, 2], fmt=["NWC", "NWC", "NWC", "NCW"],
                                 pick=["low", "high", "rand", "bad"])):
        dk = (g["K"] - 1) * g["d"] + 1
        L, s = g["L"], g["s"]
        lo, hi = ((L - 1) * s + 1, L * s) if g["pad"] == "SAME" else \
            ((L - 1) * s + dk, (L - 1) * s + dk + s - 1)
        l_out = {"low": lo, "high": hi, "rand": int(rng.integers(lo, hi + 1)),
                 "bad": hi + 1}[g["pick"]]
        for dtype in DTYPES:
            first = g["fmt"] == "NCW"
            xs = (g["N"], g["cin"], L) if first else (g["N"], L, g["cin"])
            x, w = data(rng, xs, dtype), data(rng, (g["K"], g["cout"], g["cin"]), dtype)
            out = [g["N"], g["cout"], l_out] if first else [g["N"], l_out, g["cout"]]
            kw = dict(output_shape=out, strides=s, padding=g["pad"], data_format=g["fmt"],
                      dilations=g["d"])
            rec.add(f"tf-{n}-{dtype}", "tf", kw, dtype, x, w, None,
                    lambda: tf.nn.conv1d_transpose(x, w, **kw).numpy())
    rec.save(info)

    import tf_keras

    rec = Recorder("tf_keras")
    keras_layer_cases(rec, tf_keras, rng=np.random.default_rng(3))
    rec.save(info)


def keras_layer_cases(rec, keras_module, rng):
    """Conv1DTranspose layers: every padding / output_padding form, golden table first."""
    specs = []
    # The golden table of tests/keras_golden.py: x = ones((1, 3, 1)), kernel arange(1, K + 1).
    for K, s, pad, op in [(3, 1, "valid", None), (3, 1, "same", None), (3, 2, "valid", None),
                          (3, 2, "same", None), (3, 2, "same", 0), (3, 2, "same", 1),
                          (3, 2, "valid", 1), (2, 2, "same", None), (2, 2, "same", 1),
                          (4, 3, "same", None), (4, 3, "same", 2), (1, 3, "valid", None),
                          (2, 1, "same", None), (5, 2, "same", 1), (2, 2, "same", 0),
                          (2, 1, "same", 0), (4, 1, "same", 0)]:
        specs.append(("table", 1, 3, 1, 1, K, s, 1, pad, op, False, "channels_last"))
    for g in grid(rng, 45, K=[1, 2, 3, 4, 5], s=[1, 2, 3], d=[1, 1, 1, 2], pad=["valid", "same"],
                  op=["none", "none", "rand"], N=[1, 2], L=[1, 3, 4], cin=[1, 2], cout=[1, 2, 3],
                  bias=[True, False], fmt=["channels_last"] * 3 + ["channels_first"]):
        s = 1 if g["d"] > 1 else g["s"]           # Keras forbids stride > 1 with dilation > 1
        op = None if g["op"] == "none" else int(rng.integers(s))
        specs.append(("grid", g["N"], g["L"], g["cin"], g["cout"], g["K"], s, g["d"],
                      g["pad"], op, g["bias"], g["fmt"]))
    for n, (kind, N, L, cin, cout, K, s, d, pad, op, bias, fmt) in enumerate(specs):
        for dtype in DTYPES:
            first = fmt == "channels_first"
            if kind == "table":
                x = np.ones((N, L, cin), dtype)
                w = np.arange(1, K + 1, dtype=dtype).reshape(K, 1, 1)
            else:
                x = data(rng, (N, cin, L) if first else (N, L, cin), dtype)
                w = data(rng, (K, cout, cin), dtype)
            b = data(rng, (cout,), dtype) if bias else None
            kw = dict(strides=s, padding=pad, output_padding=op, data_format=fmt,
                      dilation_rate=d)

            def run(x=x, w=w, b=b, kw=kw, cout=cout, K=K, dtype=dtype):
                layer = keras_module.layers.Conv1DTranspose(
                    cout, K, strides=kw["strides"], padding=kw["padding"],
                    output_padding=kw["output_padding"], data_format=kw["data_format"],
                    dilation_rate=kw["dilation_rate"], use_bias=b is not None, dtype=dtype)
                layer.build(x.shape)
                layer.set_weights([w] if b is None else [w, b])
                return np.asarray(layer(x))

            rec.add(f"{rec.source}-{kind}-{n}-{dtype}", "keras", kw, dtype, x, w, b, run)


# --------------------------------------------------------------------------- #
# Keras 3 (JAX backend) and JAX                                               #
# --------------------------------------------------------------------------- #
def jax_cases(info):
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    from jax import lax
    import keras

    assert keras.backend.backend() == "jax", keras.backend.backend()
    rec = Recorder("keras3")
    keras_layer_cases(rec, keras, rng=np.random.default_rng(4))
    rec.save(info)

    rec = Recorder("jax")
    rng = np.random.default_rng(5)
    specs = []
    for g in grid(rng, 60, K=[1, 2, 3, 4, 5], s=[1, 2, 3], d=[1, 1, 2],
                  pad=["SAME", "VALID", "explicit", "consistent"], tk=[True, False],
                  dn=["default", "default", "NCH"], N=[1, 2], L=[1, 3, 4], cin=[1, 2],
                  cout=[1, 2, 3]):
        dk = (g["K"] - 1) * g["d"] + 1
        if g["pad"] in ("SAME", "VALID"):
            padding = g["pad"]
        else:
            padding = [[int(rng.integers(0, dk + 1)), int(rng.integers(0, dk + 1))]]
        specs.append((g, padding))
    # jax#32267: explicit pads (1, 1) are not PyTorch's padding=1 unless K=3.
    for K in (3, 4):
        specs.append((dict(K=K, s=2, d=1, pad="explicit", tk=True, dn="default", N=1, L=4,
                           cin=2, cout=2), [[1, 1]]))
    for n, (g, padding) in enumerate(specs):
        for dtype in DTYPES:
            K, cin, cout, L, N = g["K"], g["cin"], g["cout"], g["L"], g["N"]
            dn = ("NHC", "HIO", "NHC") if g["dn"] == "default" else ("NCH", "OIH", "NCH")
            x = data(rng, (N, L, cin), dtype)
            # Kernel in HIO: (K, C_out, C_in) with transpose_kernel, else (K, C_in, C_out).
            w = data(rng, (K, cout, cin) if g["tk"] else (K, cin, cout), dtype)
            if dn[0] == "NCH":
                x, w = x.transpose(0, 2, 1).copy(), w.transpose(2, 1, 0).copy()
            kw = dict(strides=[g["s"]], padding=padding, rhs_dilation=[g["d"]],
                      dimension_numbers=list(dn), transpose_kernel=bool(g["tk"]),
                      use_consistent_padding=g["pad"] == "consistent")

            def run(x=x, w=w, kw=kw):
                pad = kw["padding"] if isinstance(kw["padding"], str) else \
                    [tuple(p) for p in kw["padding"]]
                return np.asarray(lax.conv_transpose(
                    jnp.asarray(x), jnp.asarray(w), kw["strides"], pad,
                    rhs_dilation=kw["rhs_dilation"], dimension_numbers=tuple(kw["dimension_numbers"]),
                    transpose_kernel=kw["transpose_kernel"],
                    use_consistent_padding=kw["use_consistent_padding"],
                    precision=lax.Precision.HIGHEST))

            rec.add(f"jax-{n}-{dtype}", "jax", kw, dtype, x, w, None, run)
    rec.save(info)


# --------------------------------------------------------------------------- #
# ONNX: reference evaluator and onnxruntime                                   #
# --------------------------------------------------------------------------- #
def onnx_cases(info):
    import onnxruntime as ort
    from onnx import TensorProto, helper
    from onnx.reference import ReferenceEvaluator

    def model(attrs, has_b, dtype):
        elem = TensorProto.FLOAT if dtype == "float32" else TensorProto.DOUBLE
        inputs = ["X", "W"] + (["B"] if has_b else [])
        node = helper.make_node("ConvTranspose", inputs, ["Y"], **attrs)
        graph = helper.make_graph(
            [node], "g", [helper.make_tensor_value_info(n, elem, None) for n in inputs],
            [helper.make_tensor_value_info("Y", elem, None)])
        return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                                 ir_version=8)

    rng = np.random.default_rng(6)
    specs = []
    # ONNX's backend test test_convtranspose_1d, and SAME_UPPER with s > dk (docs/frameworks.md).
    specs.append(("backend", np.arange(3.0).reshape(1, 1, 3), np.ones((1, 2, 3)), None, {}))
    specs.append(("same_upper_s_gt_k", np.array([[[1.0, 2.0, 3.0]]]), np.ones((1, 1, 1)),
                  None, dict(strides=[2], auto_pad="SAME_UPPER")))
    for g in grid(rng, 70, K=[1, 2, 3, 4], s=[1, 2, 3], d=[1, 1, 2],
                  form=["pads", "pads", "auto", "auto", "valid", "shape", "shape_auto", "none"],
                  auto=["SAME_UPPER", "SAME_LOWER"], group=[1, 1, 2, "dw"], N=[1, 2], L=[1, 3, 4],
                  cin_g=[1, 2], cout_g=[1, 2], bias=[True, False], op=[0, 0, "rand"]):
        dk = (g["K"] - 1) * g["d"] + 1
        s, L = g["s"], g["L"]
        group = 2 if g["group"] == "dw" else g["group"]
        cin_g = 1 if g["group"] == "dw" else g["cin_g"]
        cout_g = 1 if g["group"] == "dw" else g["cout_g"]
        cin = cin_g * group
        op = 0 if g["op"] == 0 else int(rng.integers(max(s, g["d"])))
        attrs = dict(strides=[s], dilations=[g["d"]], group=group)
        if op:
            attrs["output_padding"] = [op]
        if g["form"] == "pads":
            attrs["pads"] = [int(rng.integers(0, dk)), int(rng.integers(0, dk))]
        elif g["form"] == "auto":
            attrs["auto_pad"] = g["auto"]
        elif g["form"] == "valid":
            attrs["auto_pad"] = "VALID"
        elif g["form"] in ("shape", "shape_auto"):
            full = (L - 1) * s + dk + op
            attrs["output_shape"] = [int(rng.integers(max(1, full - dk + 1), full + 1))]
            if g["form"] == "shape_auto":
                attrs["auto_pad"] = g["auto"]
        x = rng.standard_normal((g["N"], cin, L))
        w = rng.standard_normal((cin, cout_g, g["K"]))
        b = rng.standard_normal(cout_g * group) if g["bias"] else None
        specs.append(("grid", x, w, b, attrs))
    for source, runner in (("onnx_reference", "ref"), ("onnxruntime", "ort")):
        rec = Recorder(source)
        for n, (kind, x0, w0, b0, attrs) in enumerate(specs):
            for dtype in DTYPES:
                x, w = x0.astype(dtype), w0.astype(dtype)
                b = None if b0 is None else b0.astype(dtype)
                m = model(attrs, b is not None, dtype)
                feeds = {"X": x, "W": w} | ({} if b is None else {"B": b})

                def run(m=m, feeds=feeds):
                    if runner == "ref":
                        return ReferenceEvaluator(m).run(None, feeds)[0]
                    sess = ort.InferenceSession(m.SerializeToString(),
                                                providers=["CPUExecutionProvider"])
                    return sess.run(None, feeds)[0]

                rec.add(f"{source}-{kind}-{n}-{dtype}", "onnx", attrs, dtype, x, w, b, run)
        rec.save(info)


# --------------------------------------------------------------------------- #
# Pairs: two frameworks given calls that "should" agree (docs/frameworks.md)  #
# --------------------------------------------------------------------------- #
def pair_cases(info):
    """Real outputs of two frameworks on the same data, for each known disagreement.

    Meta per pair: ``known`` (the verify diagnosis code), ``why``, ``a`` and ``b``
    (``source``, ``entry``, ``kwargs``, ``error``), and ``a_to_b``: how the test
    brings A's output to B's layout (``"NCL->NLC"`` or ``"none"``).  Arrays
    ``p{i}_{a,b}_{x,w,b,y}`` in each framework's own layout.
    """
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import keras
    import onnxruntime as ort
    import tf_keras
    import torch
    import torch.nn.functional as F
    from jax import lax
    from onnx import TensorProto, helper
    from onnx.reference import ReferenceEvaluator

    rng = np.random.default_rng(7)
    meta, arrays = [], {}

    def keras_run(module, x, w, b, kw):
        layer = module.layers.Conv1DTranspose(
            w.shape[1], w.shape[0], strides=kw["strides"], padding=kw["padding"],
            output_padding=kw.get("output_padding"), dilation_rate=kw.get("dilation_rate", 1),
            use_bias=b is not None, dtype=str(x.dtype))
        layer.build(x.shape)
        layer.set_weights([w] if b is None else [w, b])
        return np.asarray(layer(x))

    def torch_run(x, w, b, kw):
        tb = None if b is None else torch.from_numpy(b)
        return F.conv_transpose1d(torch.from_numpy(x), torch.from_numpy(w), tb, **kw).numpy()

    def jax_run(x, w, kw):
        pad = kw["padding"] if isinstance(kw["padding"], str) else [tuple(p) for p in kw["padding"]]
        return np.asarray(lax.conv_transpose(jnp.asarray(x), jnp.asarray(w), kw["strides"], pad,
                                             transpose_kernel=kw["transpose_kernel"],
                                             precision=lax.Precision.HIGHEST))

    def onnx_run(kind, x, w, kw):
        node = helper.make_node("ConvTranspose", ["X", "W"], ["Y"], **kw)
        graph = helper.make_graph(
            [node], "g", [helper.make_tensor_value_info(n, TensorProto.FLOAT, None)
                          for n in ("X", "W")],
            [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)])
        m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
        if kind == "onnx_reference":
            return ReferenceEvaluator(m).run(None, {"X": x, "W": w})[0]
        sess = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
        return sess.run(None, {"X": x, "W": w})[0]

    def add(known, why, a, b, a_to_b):
        i = len(meta)
        entry = {"id": f"pair-{i}-{known}", "known": known, "why": why, "a_to_b": a_to_b}
        for side, (source, entry_name, kwargs, x, w, bias, run) in (("a", a), ("b", b)):
            arrays[f"p{i}_{side}_x"], arrays[f"p{i}_{side}_w"] = x, w
            if bias is not None:
                arrays[f"p{i}_{side}_b"] = bias
            error = None
            try:
                arrays[f"p{i}_{side}_y"] = np.asarray(run())
            except Exception as exc:
                error = f"{type(exc).__name__}: {' '.join(str(exc).split())[:400]}"
            entry[side] = {"source": source, "entry": entry_name, "kwargs": kwargs,
                           "error": error}
        meta.append(entry)

    f32 = "float32"
    # 1. PyTorch padding=1, output_padding=1 vs Keras 'same' (K=3, s=2): shifted by one.
    for L, cin, cout, bias in ((4, 2, 3, True), (5, 1, 1, False)):
        xk = data(rng, (1, L, cin), f32)
        wk = data(rng, (3, cout, cin), f32)
        b = data(rng, (cout,), f32) if bias else None
        xt, wt = xk.transpose(0, 2, 1).copy(), wk.transpose(2, 1, 0).copy()
        tkw = dict(stride=2, padding=1, output_padding=1)
        kkw = dict(strides=2, padding="same")
        for module, src in ((keras, "keras3"), (tf_keras, "tf_keras")):
            add("shifted", "PyTorch padding=1, output_padding=1 crops (1, 0); Keras same "
                "crops (0, 1) (Keras fixed this in its torch backend, PR #22876)",
                ("torch", "torch", tkw, xt, wt, b, lambda: torch_run(xt, wt, b, tkw)),
                (src, "keras", kkw, xk, wk, b, lambda m=module: keras_run(m, xk, wk, b, kkw)),
                "NCL->NLC")
    # 2. JAX lax.conv_transpose without transpose_kernel vs Keras: flipped kernel.
    for K, s, pad in ((3, 2, "SAME"), (4, 1, "VALID")):
        xk = data(rng, (2, 4, 2), f32)
        wk = data(rng, (K, 3, 2), f32)
        jkw = dict(strides=[s], padding=pad, transpose_kernel=False)
        jw = wk.transpose(0, 2, 1).copy()      # (K, C_in, C_out), not flipped: the mistake
        kkw = dict(strides=s, padding=pad.lower())
        add("kernel_flipped", "lax.conv_transpose without transpose_kernel=True uses the "
            "kernel flipped relative to Keras/PyTorch (jax#14337)",
            ("jax", "jax", jkw, xk, jw, None, lambda: jax_run(xk, jw, jkw)),
            ("keras3", "keras", kkw, xk, wk, None, lambda: keras_run(keras, xk, wk, None, kkw)),
            "none")
    # 3. JAX explicit pads (1, 1) vs PyTorch padding=1, K=4: a window (jax#32267).
    xk = data(rng, (1, 4, 2), f32)
    wk = data(rng, (4, 2, 2), f32)
    xt, wt = xk.transpose(0, 2, 1).copy(), wk.transpose(2, 1, 0).copy()
    jkw = dict(strides=[2], padding=[[1, 1]], transpose_kernel=True)
    tkw = dict(stride=2, padding=1)
    add("window", "JAX explicit pads pad the dilated input (crop dk-1-lo), PyTorch padding "
        "crops: the same numbers differ unless K=3 (jax#32267)",
        ("jax", "jax", jkw, xk, wk, None, lambda: jax_run(xk, wk, jkw)),
        ("torch", "torch", tkw, xt, wt, None, lambda: torch_run(xt, wt, None, tkw)),
        "NLC->NCL")
    # 4. ONNX SAME_UPPER with stride > kernel vs Keras same: zeros at the wrong end /
    #    onnxruntime's shorter output.
    for xs, K, s in (([[[1.0, 2.0, 3.0]]], 1, 2), (None, 2, 3)):
        xo = np.array(xs, f32) if xs else data(rng, (1, 2, 3), f32)
        wo = np.ones((1, 1, 1), f32) if xs else data(rng, (2, 2, K), f32)
        xk, wk = xo.transpose(0, 2, 1).copy(), wo.transpose(2, 1, 0).copy()
        okw = dict(strides=[s], auto_pad="SAME_UPPER")
        kkw = dict(strides=s, padding="same")
        for kind, known in (("onnx_reference", "zeros_wrong_end"), ("onnxruntime", "window")):
            add(known, f"{kind} with SAME_UPPER and stride > effective kernel",
                (kind, "onnx", okw, xo, wo, None, lambda k=kind: onnx_run(k, xo, wo, okw)),
                ("tf_keras", "keras", kkw, xk, wk, None,
                 lambda: keras_run(tf_keras, xk, wk, None, kkw)),
                "NCL->NLC")
    # 5. Layout: PyTorch's (N, C, L) output compared as if it were Keras's (N, L, C).
    xk = data(rng, (1, 3, 2), f32)
    wk = data(rng, (3, 4, 2), f32)
    xt, wt = xk.transpose(0, 2, 1).copy(), wk.transpose(2, 1, 0).copy()
    tkw = dict(stride=2, padding=0)
    kkw = dict(strides=2, padding="valid")
    add("layout_transposed", "PyTorch is channels-first, Keras channels-last",
        ("torch", "torch", tkw, xt, wt, None, lambda: torch_run(xt, wt, None, tkw)),
        ("keras3", "keras", kkw, xk, wk, None, lambda: keras_run(keras, xk, wk, None, kkw)),
        "none")
    # 6. A PyTorch weight moved into Keras with in/out swapped ((C_in, C_out, K) read as
    #    (C_out, C_in, K)): with C_in == C_out nothing fails, the numbers are wrong.
    xk = data(rng, (1, 4, 3), f32)
    wt = data(rng, (3, 3, 3), f32)
    xt = xk.transpose(0, 2, 1).copy()
    wrong = wt.transpose(2, 0, 1).copy()
    tkw = dict(stride=1, padding=1)
    kkw = dict(strides=1, padding="same")
    add("kernel_io_swapped", "weight.transpose(2, 0, 1) instead of (2, 1, 0)",
        ("keras3", "keras", kkw, xk, wrong, None, lambda: keras_run(keras, xk, wrong, None, kkw)),
        ("torch", "torch", tkw, xt, wt, None, lambda: torch_run(xt, wt, None, tkw)),
        "NLC->NCL")
    path = OUT / "golden_pairs.npz"
    np.savez_compressed(path, meta=np.array(json.dumps({"source": "pairs", "versions": info,
                                                        "cases": meta})), **arrays)
    print(f"{path.name}: {len(meta)} pairs, {path.stat().st_size} bytes")


def main(argv):
    OUT.mkdir(parents=True, exist_ok=True)
    info = versions()
    print("versions:", json.dumps(info))
    wanted = set(argv) or {"torch", "tf", "jax", "onnx", "pairs"}
    for name, fn in (("torch", torch_cases), ("tf", tf_cases), ("jax", jax_cases),
                     ("onnx", onnx_cases), ("pairs", pair_cases)):
        if name in wanted:
            try:
                fn(info)
            except ImportError:
                traceback.print_exc()
                print(f"skipped {name}: not installed", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
