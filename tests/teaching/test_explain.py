"""Tests for deconv1d.explain (and deconv1d.teaching.plot, and the `explain` command).

Every number the teaching views print is checked against deconv1d.shapes and the
oracles in deconv1d.reference; the drawings are pinned by golden text files in
tests/data/explain (regenerate with DECONV1D_REGENERATE_GOLDEN=1 after checking
the new drawing by eye).
"""

import math
import os
import pathlib
import struct

import numpy as np
import pytest
import strategies
from hypothesis import given, settings
from hypothesis import strategies as st

from deconv1d import conv1d_transpose, explain, interop, reference, shapes
from deconv1d.cli import main

DATA = pathlib.Path(__file__).parents[1] / "data" / "explain"
SETTINGS = settings(max_examples=120, deadline=None)




def _one_channel(args, x, w):
    _, _, stride, padding, output_padding, dilation = args
    return {"x": np.asarray(x, float).reshape(1, -1, 1),
            "w": np.asarray(w, float).reshape(-1, 1, 1), "stride": stride,
            "padding": padding, "output_padding": output_padding, "dilation": dilation}


# --------------------------------------------------------------------------- #
# 1. Shape walkthrough                                                        #
# --------------------------------------------------------------------------- #
@SETTINGS
@given(strategies.geometry_args())
def test_walkthrough_numbers_match_shapes_and_oracles(args):
    g = shapes.geometry(*args)
    w = explain.shape(*args)
    assert w.geometry == g
    assert w.step("effective kernel").value == g.effective_kernel == shapes.effective_kernel_size(
        args[1], args[5])
    assert w.step("full length").value == g.full_length
    assert w.step("output length").value == g.output_length == shapes.output_length(*args)
    assert (w.step("left crop").value, w.step("right crop").value) == shapes.crops(*args)
    # The output length is what every oracle actually returns.
    kw = _one_channel(args, np.ones(args[0]), np.ones(args[1]))
    for oracle in reference.ORACLES.values():
        assert oracle(**kw).shape == (1, g.output_length, 1)
    assert reference.window(*args) == (g.crop_left, g.output_length)


@SETTINGS
@given(strategies.geometry_args())
def test_walkthrough_numbers_put_in_evaluate_to_the_values_shown(args):
    w = explain.shape(*args)
    env = {"max": max, "ceil": math.ceil, "__builtins__": {}}
    for step in w.steps:
        if step.numbers.strip().lstrip("-").isdigit():
            assert int(step.numbers) == step.value
        else:
            assert eval(step.numbers, env) == step.value, step
        assert str(step.value) in str(step)
    r = w.relationship
    assert r.value == w.geometry.output_length
    assert eval(r.numbers, env) == r.value
    if r.number is not None:
        assert r.value == explain.eval_relationship(r.number, args[0], w.geometry.effective_kernel,
                                                    args[2], r.p, r.a)
        # The guide's form: crops (p, p - a) with 0 <= a < s.
        assert (r.p, r.p - r.a) == shapes.crops(*args) and 0 <= r.a < args[2]
        # And the forward convolution with that padding maps o' back to L.
        o, k, s = w.geometry.output_length, w.geometry.effective_kernel, args[2]
        assert (o + 2 * r.p - k) // s + 1 == args[0]


@pytest.mark.parametrize("args, number", [
    ((4, 3, 1, "valid", None, 1), 8),
    ((4, 3, 1, 2, None, 1), 11),
    ((4, 3, 1, "same", None, 1), 10),
    ((4, 5, 1, 1, None, 1), 9),
    ((4, 3, 2, "valid", 0, 1), 12),
    ((4, 4, 2, "same", None, 1), 13),
    ((4, 3, 2, 1, 1, 1), 14),
    ((4, 3, 2, "same", None, 1), None),   # crops (0, 1): TensorFlow-style SAME
])
def test_relationship_numbers(args, number):
    assert explain.shape(*args).relationship.number == number


def _pytorch_pairs(g):
    limit = max(g.stride, g.dilation)
    return [(p, q) for p in range(0, g.full_length + 2) for q in range(limit)
            if (p, p - q) == (g.crop_left, g.crop_right)]


@SETTINGS
@given(strategies.geometry_args())
def test_framework_translations_give_the_same_window(args):
    w = explain.shape(*args)
    g = w.geometry
    keras = w.framework("Keras")
    if keras.expressible:
        kw = keras.kwargs
        assert kw["output_padding"] is None or kw["output_padding"] < kw["strides"]
        h = shapes.geometry(g.length, kw["kernel_size"], kw["strides"], kw["padding"],
                            kw["output_padding"], kw["dilation_rate"])
        assert (h.crop_left, h.output_length) == (g.crop_left, g.output_length)
    else:
        with pytest.raises(interop.InexpressibleError):
            interop.arguments_for("keras", g.length, g.kernel_size, g.crop_left, g.crop_right,
                                  stride=g.stride, dilation=g.dilation)
    torch_call = w.framework("PyTorch")
    if torch_call.expressible:
        kw = torch_call.kwargs
        assert (kw["padding"], kw["padding"] - kw["output_padding"]) == (g.crop_left, g.crop_right)
        assert 0 <= kw["output_padding"] < max(g.stride, g.dilation)
    else:
        assert _pytorch_pairs(g) == []
    onnx_call = w.framework("ONNX")
    if onnx_call.expressible:
        kw = onnx_call.kwargs
        assert min(kw["pads"]) >= 0 and 0 <= kw["output_padding"][0] < g.stride
        assert (kw["pads"][0], kw["pads"][1] - kw["output_padding"][0]) == (
            g.crop_left, g.crop_right)
    else:
        assert -g.crop_right >= g.stride


@SETTINGS
@given(strategies.geometry_args())
def test_translations_agree_with_interop(args):
    """explain shows the arguments and the workaround deconv1d.interop gives."""
    w = explain.shape(*args)
    g = w.geometry
    where = dict(stride=g.stride, dilation=g.dilation)
    for name, key in (("Keras", "keras"), ("PyTorch", "torch")):
        call = w.framework(name)
        try:
            theirs = interop.arguments_for(key, g.length, g.kernel_size, g.crop_left,
                                           g.crop_right, **where)
        except interop.InexpressibleError:
            theirs = None
        if call.expressible:
            ours = {"padding": call.kwargs["padding"],
                    "output_padding": call.kwargs["output_padding"]}
            assert interop.crops_from(key, g.length, g.kernel_size, **where, **ours) == (
                g.crop_left, g.crop_right)
            assert ours == theirs or key == "keras"   # Keras: the spelling asked for
        else:
            with pytest.raises(interop.InexpressibleError) as info:
                interop.arguments_for(key, g.length, g.kernel_size, g.crop_left,
                                      g.crop_right, **where)
            assert call.workaround == info.value.workaround
            assert info.value.reason in " ".join(str(call).split())
        assert call.expressible == (theirs is not None), (name, theirs)
    onnx_call = w.framework("ONNX")
    if onnx_call.expressible:
        kw = onnx_call.kwargs
        assert interop.crops_from("onnx", g.length, g.kernel_size, **where, pads=kw["pads"],
                                  output_padding=kw["output_padding"][0]) == (
            g.crop_left, g.crop_right)


def test_explain_and_interop_give_one_workaround():
    """L=6, K=4, s=2 with crops (3, 1): one answer, from explain and from interop."""
    call = explain.shape(6, 4, stride=2, padding=(3, 1)).framework("PyTorch")
    assert not call.expressible
    assert "Workaround: padding=1, output_padding=0, then y[..., 2:12]." in str(call)
    with pytest.raises(interop.InexpressibleError,
                       match=r"use padding=1, output_padding=0 and slice \[2:12\] yourself"):
        interop.arguments_for("torch", 6, 4, 3, 1, stride=2)


def test_keras_same_k3_s2_is_not_pytorch_and_says_why():
    w = explain.shape(3, 3, stride=2, padding="same")
    pt = w.framework("PyTorch")
    assert not pt.expressible
    text = " ".join(str(pt).split())   # undo the wrapping
    assert "crop 0 at the start and crop 1 at the end (full length 7)" in text
    assert "padding=1, output_padding=1 gives the same length 6" in text
    assert "y[..., 0:6]" in text
    assert "pads=[0, 1]" in w.framework("ONNX").call
    assert explain.shape(3, 4, stride=2, padding="same").framework("PyTorch").kwargs == {
        "kernel_size": 4, "stride": 2, "padding": 1, "output_padding": 0, "dilation": 1}


@settings(max_examples=60, deadline=None)
@given(strategies.geometry_args(), st.integers(0, 2**31 - 1))
def test_pytorch_call_and_workaround_reproduce_the_output(args, seed):
    torch = pytest.importorskip("torch")
    g = shapes.geometry(*args)
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal((1, g.length, 2)), rng.standard_normal((g.kernel_size, 3, 2))
    want = conv1d_transpose(x, w, args[2], args[3], args[4], dilation=args[5])
    xt = torch.from_numpy(x.transpose(0, 2, 1).copy())
    wt = torch.from_numpy(w.transpose(2, 1, 0).copy())
    call = explain.shape(*args).framework("PyTorch")
    if call.expressible:
        kw = call.kwargs
        got = torch.nn.functional.conv_transpose1d(
            xt, wt, stride=kw["stride"], padding=kw["padding"],
            output_padding=kw["output_padding"], dilation=kw["dilation"])
        got = got.numpy().transpose(0, 2, 1)
    else:  # the workaround the text gives: a wider call, then slice (and zero-extend)
        kw = call.workaround.arguments
        wider = torch.nn.functional.conv_transpose1d(
            xt, wt, stride=g.stride, padding=kw["padding"],
            output_padding=kw["output_padding"], dilation=g.dilation)
        got = call.workaround.apply(wider.numpy()).transpose(0, 2, 1)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 40), st.integers(1, 6), st.integers(1, 30), st.integers(0, 5))
def test_every_rule_of_the_keras_length_table_prints_what_it_evaluates(L, s, dk, op):
    """The formulas the walkthrough prints are the ones geometry evaluates ("full" too)."""
    env = {"max": max, "ceil": math.ceil, "__builtins__": {}}
    values = {"L": L, "s": s, "dk": dk, "op": op, "full": (L - 1) * s + dk}
    for rule in shapes.KERAS_LENGTHS.values():
        for formula in rule:
            assert eval(formula.expression, env, values) == formula.evaluate(L, s, dk, op)


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("output_padding", [None, 1])
def test_walkthrough_prints_the_keras_length_table(padding, output_padding):
    rule = shapes.KERAS_LENGTHS[padding, output_padding is not None]
    w = explain.shape(5, 3, stride=2, padding=padding, output_padding=output_padding)
    assert w.step("output length").formula == rule.output_length.text
    assert w.step("left crop").formula == rule.crop_left.text


def test_walkthrough_text():
    text = str(explain.shape(3, 3, stride=2, padding="same"))
    assert "full length      full = (L - 1)*s + dk = (3 - 1)*2 + 3 = 7" in text
    assert "output length    L*s (same) = 3*2 = 6" in text
    assert "right crop       full - left crop - output length = 7 - 0 - 6 = 1" in text
    assert "Conv1DTranspose(filters, 3, strides=2, padding='same')" in text
    text = str(explain.shape(4, 1, stride=3))
    assert "(negative: 2 zeros appended at the end)" in text
    assert "Relationship 14" in text


# --------------------------------------------------------------------------- #
# 2. Connectivity                                                             #
# --------------------------------------------------------------------------- #
@SETTINGS
@given(strategies.geometry_args(max_length=5, max_kernel=4))
def test_connectivity_matches_gather_oracle_one_hot(args):
    c = explain.connectivity(*args)
    g = c.geometry
    for i in range(g.length):
        for k in range(g.kernel_size):
            x, w = np.eye(g.length)[i], np.eye(g.kernel_size)[k]
            y = reference.gather_loops(**_one_channel(args, x, w))[0, :, 0]
            reached = [o for o in range(g.output_length) if (i, k) in c.pairs[o]]
            assert np.flatnonzero(y).tolist() == reached
    ones = reference.gather_loops(**_one_channel(args, np.ones(g.length),
                                                 np.ones(g.kernel_size)))[0, :, 0]
    np.testing.assert_array_equal(c.counts, ones)


@SETTINGS
@given(st.integers(1, 6), st.integers(1, 4), st.integers(1, 3))
def test_checkerboard_is_uneven_interior_counts(kernel_size, stride, dilation):
    length = 2 * shapes.effective_kernel_size(kernel_size, dilation) + 2  # a full period inside
    c = explain.connectivity(length, kernel_size, stride, "valid", None, dilation)
    interior = c.counts[c.interior.start:c.interior.stop]
    assert len(interior) >= stride
    assert c.checkerboard == (len(set(interior.tolist())) > 1)
    assert sum(c.residue_counts) == kernel_size
    if dilation == 1:
        assert c.checkerboard == (kernel_size % stride != 0)


def test_connectivity_text_and_checkerboard_call_out():
    c = explain.connectivity(3, 3, stride=2, padding="same")
    text = str(c)
    assert "y2      x0*w2 + x1*w0  2" in text
    assert "Overlap counts: [1 1 2 1 2 1]" in text
    assert "Uneven overlap: YES, K = 3 is not a multiple of s = 2." in text
    assert "Uneven overlap: no" in str(explain.connectivity(5, 4, stride=2))


def test_inputs_of():
    src = explain.inputs_of(5, 6, 3, stride=2, padding="same")
    assert src.pairs == ((2, 1),) and src.inputs == (2,)
    src = explain.inputs_of(4, 3, 3, stride=2, padding="same")
    assert src.pairs == ((1, 2), (2, 0))
    assert str(src).splitlines()[0] == "y4 = x1*w2 + x2*w0"
    assert "no input feeds it" in str(explain.inputs_of(1, 4, 1, stride=3))
    with pytest.raises(ValueError, match=r"`output` must be < the output length 6. "
                                         r"Received: output=6"):
        explain.inputs_of(6, 3, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="output"):
        explain.inputs_of(-1, 3, 3, stride=2, padding="same")
    with pytest.raises(TypeError, match="output"):
        explain.inputs_of(1.5, 3, 3, stride=2, padding="same")


# --------------------------------------------------------------------------- #
# 3. Matrices and 4. direct convolution                                       #
# --------------------------------------------------------------------------- #
@SETTINGS
@given(strategies.geometry_args(), st.integers(0, 2**31 - 1))
def test_matrices_agree_with_fast_path_and_oracle(args, seed):
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(args[0]), rng.standard_normal(args[1])
    m = explain.matrices(*args, x=x, w=w)
    assert m.agree
    fast = conv1d_transpose(**_one_channel(args, x, w))[0, :, 0]
    np.testing.assert_allclose(m.transpose @ x, fast, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(m.y_fast, fast)
    # The symbolic taps are the numeric matrix: C^T[o, i] = w[taps[o, i]].
    expected = np.where(m.taps >= 0, w[np.maximum(m.taps, 0)], 0.0)
    np.testing.assert_array_equal(m.transpose, expected)
    symbolic = m.symbolic().splitlines()
    assert len(symbolic) == m.geometry.output_length
    assert [len(row.strip("[]").split()) for row in symbolic] == [args[0]] * len(symbolic)


@SETTINGS
@given(strategies.geometry_args(), st.integers(0, 2**31 - 1))
def test_direct_convolution_agrees_with_fast_path_and_oracle(args, seed):
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(args[0]), rng.standard_normal(args[1])
    dc = explain.direct(*args, x=x, w=w)
    assert dc.agree
    oracle = reference.zero_insertion(**_one_channel(args, x, w))[0, :, 0]
    np.testing.assert_allclose(dc.y_direct, oracle, rtol=1e-12, atol=1e-12)
    g = dc.geometry
    assert len(dc.padded) == len(dc.padded_values) == g.output_length + g.effective_kernel - 1
    assert dc.kernel[0] == f"w{g.kernel_size - 1}" and dc.kernel[-1] == "w0"
    # symbolic and numeric sequences line up
    for symbol, value in zip(dc.padded, dc.padded_values):
        assert value == (0.0 if symbol == "0" else x[int(symbol[1:])])


def test_matrix_and_direct_text():
    m = str(explain.matrices(3, 3, stride=2, padding="same"))
    assert "[w2 w0  0]" in m and "[ 0  0 w0 w1 w2  0]" in m
    assert "max |difference| = 0: agree" in m
    dc = str(explain.direct(3, 3, stride=2, padding="same"))
    assert "[0 0 x0 0 x1 0 x2 0]" in dc and "flip the kernel: [w2 w1 w0]" in dc
    assert "direct, stride 1       = [1 2 5 4 9 6]" in dc


def test_bad_arguments_name_the_argument():
    with pytest.raises(ValueError, match=r"`stride` must be >= 1. Received: stride=0"):
        explain.shape(3, 3, stride=0)
    with pytest.raises(TypeError, match="kernel_size"):
        explain.connectivity(3, 2.0)
    with pytest.raises(ValueError, match="padding"):
        explain.draw(3, 3, padding="causal")
    with pytest.raises(ValueError, match=r"`x` must have 3 samples"):
        explain.matrices(3, 3, x=[1.0, 2.0])
    with pytest.raises(ValueError, match=r"`w` must have 3 taps"):
        explain.direct(3, 3, w=[1.0])


def test_inputs_not_mutated():
    x, w = np.array([1.0, 2.0, 3.0]), np.array([1.0, -1.0])
    m = explain.matrices(3, 2, stride=2, x=x, w=w)
    m.x[0] = 99.0
    assert x[0] == 1.0


# --------------------------------------------------------------------------- #
# 5. Pictures: terminal drawing                                               #
# --------------------------------------------------------------------------- #
GOLDEN = {
    "same_k3_s2": (3, 3, 2, "same", None, 1),
    "valid_k4_s2": (4, 4, 2, "valid", None, 1),
    "valid_k1_s3_zeros_appended": (4, 1, 3, "valid", None, 1),
    "int_padding_dilated": (5, 3, 1, 2, None, 2),
    "same_op0_k5_s2": (4, 5, 2, "same", 0, 1),
    "too_wide_l30": (30, 3, 2, "same", None, 1),
}


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_drawing_golden(name):
    text = str(explain.draw(*GOLDEN[name])) + "\n"
    path = DATA / f"{name}.txt"
    if os.environ.get("DECONV1D_REGENERATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text()


@SETTINGS
@given(strategies.geometry_args(max_length=40, max_kernel=12, max_stride=5))
def test_every_text_view_fits_80_columns(args):
    d = explain.draw(*args)
    for part in (d, explain.shape(*args), explain.connectivity(*args),
                 explain.matrices(*args), explain.direct(*args)):
        assert max(len(line) for line in str(part).splitlines()) <= 80, str(part)
    # The drawing's overlap row is the connectivity's overlap, shifted by crop_left.
    g = d.geometry
    row = next(line for line in d.lines if line.startswith("overlap")).split()[1:]
    counts = explain.connectivity(*args).counts
    lo = min(g.crop_left, d.shown)
    hi = min(g.crop_left + g.output_length, d.shown)
    assert [int(v) for v in row[lo:hi]] == counts[:hi - lo].tolist()


# --------------------------------------------------------------------------- #
# The command                                                                 #
# --------------------------------------------------------------------------- #
def test_cli_all_parts(capsys):
    assert main(["explain", "--length", "3", "--kernel-size", "3", "--stride", "2",
                 "--padding", "same"]) == 0
    out = capsys.readouterr().out
    for heading in ("Shape walkthrough", "Connectivity", "Matrices",
                    "Equivalent direct convolution", "t = i*s+k*d"):
        assert heading in out
    assert out.count("agree") == 2


def test_cli_one_part_and_output(capsys):
    assert main(["explain", "--length", "6", "--padding", "same", "--output", "5"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "y5 = x2*w1"
    assert main(["explain", "--kernel-size", "4", "--shape"]) == 0
    out = capsys.readouterr().out
    assert "padding=1, output_padding=0" in " ".join(out.split())
    assert "Connectivity" not in out
    assert main(["explain", "--padding", "1,0", "--draw", "--output", "2"]) == 0
    out = capsys.readouterr().out
    assert "padding=(1, 0)" in out and "y2 = x1*w1" in out
    assert main(["explain", "--output", "9"]) == 2
    assert "`output` must be < the output length 6" in capsys.readouterr().err


# --------------------------------------------------------------------------- #
# Figures (matplotlib)                                                        #
# --------------------------------------------------------------------------- #
def _png_size(path):
    data = pathlib.Path(path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("args", [(3, 3, 2, "same", None, 1), (12, 3, 2, "same", None, 1),
                                  (4, 1, 3, "valid", None, 1), (6, 3, 3, "valid", None, 2),
                                  (3, 12, 1, (2, 0), None, 1)])
def test_figure_png(tmp_path, args):
    pytest.importorskip("matplotlib")
    from deconv1d.teaching import plot

    path = plot.save(tmp_path / "f.png", *args)
    width, height = _png_size(path)
    assert (width, height) == (round(plot.FIGSIZE[0] * plot.DPI),
                               round(plot.FIGSIZE[1] * plot.DPI)) == (1000, 560)
    assert os.path.getsize(path) > 10_000


def test_figure_svg_and_gif(tmp_path):
    pytest.importorskip("matplotlib")
    PIL = pytest.importorskip("PIL.Image")
    from deconv1d.teaching import plot

    svg = plot.save(str(tmp_path / "f.svg"), 3, 3, 2, "same")
    text = pathlib.Path(svg).read_text()
    assert text.lstrip().startswith("<?xml") and "<svg" in text and "C^T" in text
    gif = plot.save(tmp_path / "a.gif", 4, 3, 2, "same")
    with PIL.open(gif) as image:
        assert image.format == "GIF" and image.n_frames == 4
        assert image.size == (1000, round(plot.FIGSIZE[1] * 0.7 * plot.DPI))


def test_cli_plot(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    path = tmp_path / "out.png"
    assert main(["explain", "--draw", "--plot", str(path)]) == 0
    assert f"wrote {path}" in capsys.readouterr().out
    assert _png_size(path) == (1000, 560)
