"""The reference against real framework outputs recorded by tools/make_golden_vectors.py.

No framework is needed here: the files hold each framework's own inputs,
arguments and outputs.  Every recorded output must agree with the reference
within the round-off bound of deconv1d.verify, except the known disagreements
recognised by known_disagreement below, which must be *diagnosed* as such.  Every recorded refusal must be
a documented limitation (or an argument we refuse too).
"""

import json
import pathlib

import numpy as np
import pytest

from deconv1d.frameworks import registry
from deconv1d import interop, verify

DATA = pathlib.Path(__file__).parents[1] / "data"
SOURCES = ["torch", "tf", "tf_keras", "keras3", "jax", "onnx_reference", "onnxruntime"]


def load(source):
    z = np.load(DATA / f"golden_{source}.npz", allow_pickle=False)
    return z, json.loads(str(z["meta"]))


def arrays(z, i):
    b = z[f"c{i}_b"] if f"c{i}_b" in z.files else None
    y = z[f"c{i}_y"] if f"c{i}_y" in z.files else None
    return z[f"c{i}_x"], z[f"c{i}_w"], b, y


def one(v, default):
    return default if v is None else int(np.ravel(v)[0])


def known_disagreement(source, case, x, w, b):
    """The diagnosis predicted for this recorded case (a known disagreement), or None."""
    kw = case["kwargs"]
    if source not in ("onnx_reference", "onnxruntime"):
        return None
    s, d = one(kw.get("strides"), 1), one(kw.get("dilations"), 1)
    q = one(kw.get("output_padding"), 0)
    dk = (w.shape[2] - 1) * d + 1
    L = x.shape[2]
    auto = kw.get("auto_pad", "NOTSET")
    out = one(kw.get("output_shape"), L * s)
    negative_same = auto in ("SAME_UPPER", "SAME_LOWER") and (L - 1) * s + q + dk - out < 0
    if source == "onnx_reference":
        if kw.get("group", 1) > 1 and b is not None:
            return "offset"            # adds the wrong bias with group > 1
        if negative_same:
            return "zeros_wrong_end"   # prepends the zeros
    if source == "onnxruntime" and negative_same:
        return "window"                # drops them: length L*s - 1
    return None


def documented_refusal(source, case, x, w):
    """Why a framework may refuse a call the reference computes (its documented limits)."""
    kw = case["kwargs"]
    if source == "tf":
        return kw["data_format"] == "NCW" or one(kw.get("dilations"), 1) > 1
    if source == "tf_keras":
        d = kw["dilation_rate"]
        dk = (w.shape[0] - 1) * d + 1
        same_op0_even = kw["padding"] == "same" and kw["output_padding"] == 0 and dk % 2 == 0
        return kw["data_format"] == "channels_first" or d > 1 or same_op0_even
    if source == "onnxruntime":
        return case["dtype"] == "float64" or one(kw.get("output_padding"), 0) >= one(
            kw.get("strides"), 1)
    if source == "onnx_reference":
        return kw.get("group", 1) > 1 or one(kw.get("output_padding"), 0) >= one(
            kw.get("strides"), 1)
    return False


def positional(entry, x, w, b):
    return (x, w, b) if registry.get(entry).takes_bias else (x, w)


@pytest.mark.parametrize("source", SOURCES)
def test_reference_agrees_with_each_framework(source):
    z, meta = load(source)
    problems, counts = [], {"match": 0, "known": 0, "refused": 0, "empty": 0}
    for i, case in enumerate(meta["cases"]):
        x, w, b, y = arrays(z, i)
        args = positional(case["entry"], x, w, b)
        if case["error"] is not None:
            try:
                interop.plan(case["entry"], *args, **case["kwargs"]).run()
            except ValueError:
                counts["refused"] += 1          # we refuse it too
                continue
            if not documented_refusal(source, case, x, w):
                problems.append(f"{case['id']}: {source} raised {case['error'][:120]!r} "
                                "but the reference computes it, and no documented "
                                "limitation explains why")
            counts["refused"] += 1
            continue
        if y.size == 0:
            # The framework returned an empty output; the reference refuses those.
            with pytest.raises(ValueError, match="length"):
                interop.plan(case["entry"], *args, **case["kwargs"]).run()
            counts["empty"] += 1
            continue
        report = verify.check(case["entry"], y, *args[:2], b if len(args) == 3 else None,
                              **case["kwargs"])
        known = known_disagreement(source, case, x, w, b)
        if known is None and not report.ok:
            problems.append(f"{case['id']} {case['kwargs']}:\n{report}")
        elif known is not None:
            if report.ok or known not in report.codes:
                problems.append(f"{case['id']}: expected the known disagreement "
                                f"{known!r}, got ok={report.ok} codes={report.codes}")
            counts["known"] += 1
        else:
            counts["match"] += 1
    assert not problems, "\n".join(problems[:10])
    assert counts["match"] >= 50, counts     # the files really hold cases


def test_known_disagreements_are_present():
    """The recorded data still contains each known disagreement."""
    seen = set()
    for source in ("onnx_reference", "onnxruntime"):
        z, meta = load(source)
        for i, case in enumerate(meta["cases"]):
            x, w, b, y = arrays(z, i)
            if case["error"] is None:
                seen.add((source, known_disagreement(source, case, x, w, b)))
    assert {("onnx_reference", "offset"), ("onnx_reference", "zeros_wrong_end"),
            ("onnxruntime", "window")} <= seen


def test_onnx_same_upper_with_stride_above_the_kernel():
    """x=[1,2,3], w=[1], s=2, SAME_UPPER: reference evaluator [0,1,0,2,0,3], onnxruntime 5."""
    for source, expected in (("onnx_reference", [0, 1, 0, 2, 0, 3]),
                             ("onnxruntime", None)):
        z, meta = load(source)
        i = next(i for i, c in enumerate(meta["cases"])
                 if "same_upper_s_gt_k" in c["id"] and c["dtype"] == "float32")
        x, w, b, y = arrays(z, i)
        ours = interop.onnx_conv_transpose(x, w, **meta["cases"][i]["kwargs"])
        assert ours[0, 0].tolist() == [1, 0, 2, 0, 3, 0]
        if expected is not None:
            assert y[0, 0].tolist() == expected
        else:
            assert y.shape[-1] == 5


def test_onnx_backend_case():
    z, meta = load("onnx_reference")
    i = next(i for i, c in enumerate(meta["cases"])
             if c["id"].startswith("onnx_reference-backend") and c["dtype"] == "float64")
    x, w, b, y = arrays(z, i)
    assert y.tolist() == [[[0, 1, 3, 3, 2], [0, 1, 3, 3, 2]]]
    np.testing.assert_array_equal(interop.onnx_conv_transpose(x, w), y)


def test_keras_golden_table_cases_ran_in_keras3():
    """The Keras length-table cases (ones input, arange kernel) are real Keras 3 outputs."""
    z, meta = load("keras3")
    table = [(i, c) for i, c in enumerate(meta["cases"]) if "-table-" in c["id"]]
    assert len(table) >= 30
    for i, case in table:
        x, w, b, y = arrays(z, i)
        np.testing.assert_array_equal(interop.keras_conv1d_transpose(x, w, **case["kwargs"]), y)


def test_pairs_known_disagreements_diagnosed():
    """Two real frameworks given calls that 'should' agree: verify names the difference."""
    z = np.load(DATA / "golden_pairs.npz", allow_pickle=False)
    meta = json.loads(str(z["meta"]))
    assert {p["known"] for p in meta["cases"]} >= {
        "shifted", "kernel_flipped", "window", "zeros_wrong_end", "layout_transposed",
        "kernel_io_swapped"}
    for i, pair in enumerate(meta["cases"]):
        a, b = pair["a"], pair["b"]
        assert a["error"] is None and b["error"] is None, pair
        get = lambda k: z[k] if k in z.files else None  # noqa: E731
        bx, bw, bb = get(f"p{i}_b_x"), get(f"p{i}_b_w"), get(f"p{i}_b_b")
        ya = z[f"p{i}_a_y"]
        if pair["a_to_b"] != "none":
            ya = ya.transpose(0, 2, 1)
        # B itself agrees with the reference...
        assert verify.check(b["entry"], z[f"p{i}_b_y"], bx, bw, bb, **b["kwargs"]).ok, pair["id"]
        # ...and A's real output is diagnosed as the documented disagreement.
        report = verify.check(b["entry"], ya, bx, bw, bb, **b["kwargs"])
        assert not report.ok, pair["id"]
        assert report.codes[0] == pair["known"], (pair["id"], str(report))
