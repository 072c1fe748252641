"""The sentences explain prints, checked against the numbers they talk about.

Also: the student's own numbers (``x=``/``w=``, ``--x``/``--w``, with channels),
stacked layers against resize-then-convolve, the TensorFlow caveats against
what TensorFlow did (tests/data/tensorflow_refusals.json, written by
tools/make_tensorflow_refusals.py), and the notebook HTML of every view.
"""

import html
import json
import pathlib

import numpy as np
import pytest
import strategies
from hypothesis import given, settings
from hypothesis import strategies as st

from deconv1d import conv1d, conv1d_transpose, explain, reference, shapes
from deconv1d.cli import main
from deconv1d.frameworks.keras import keras_refusal
from deconv1d.frameworks.tf import tensorflow_refusal

DATA = pathlib.Path(__file__).parents[1] / "data"
SETTINGS = settings(max_examples=100, deadline=None)


def words(text):
    return " ".join(text.split())


# --------------------------------------------------------------------------- #
# 1. Uneven overlap is geometry; the ripple is decided by the weight sums     #
# --------------------------------------------------------------------------- #
@SETTINGS
@given(strategies.geometry_args(max_length=12, max_kernel=6, max_stride=4), st.integers(0, 2**31 - 1),
       st.floats(-3, 3).filter(lambda c: abs(c) > 0.1))
def test_ripple_predicted_from_residue_sums_is_conv1d_transpose_of_a_constant(args, seed, c):
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(args[1])
    view = explain.connectivity(*args, w=w)
    g = view.geometry
    y = conv1d_transpose(np.full((1, g.length, 1), c), w.reshape(-1, 1, 1), g.stride,
                         g.padding, g.output_padding, dilation=g.dilation)[0, :, 0]
    for o in view.interior:
        predicted = c * view.residue_sums[(o + g.crop_left) % g.stride, 0]
        assert y[o] == pytest.approx(predicted, rel=1e-12, abs=1e-12)
    # The sums are the per-class sums of w.
    for r in range(g.stride):
        on_r = [k for k in range(g.kernel_size) if (k * g.dilation) % g.stride == r]
        assert view.residue_sums[r, 0] == pytest.approx(w[on_r].sum(), abs=1e-12)


@pytest.mark.parametrize("w, uneven, ripples", [
    ([0.5, 1, 0.5], True, False),      # uneven overlap, flat interior (Distill)
    ([1, 1, 1], True, True),
    ([1, 0, 0, 0], False, True),       # even overlap, 1 0 1 0 (Distill)
    ([1, 1, 1, 1], False, False),
])
def test_the_sentence_follows_the_weights_not_the_counts(w, uneven, ripples):
    view = explain.connectivity(8, len(w), stride=2, w=w)
    assert view.uneven_overlap == view.checkerboard == uneven
    assert view.ripples == ripples
    y = conv1d_transpose(np.ones((1, 8, 1)), np.reshape(w, (-1, 1, 1)), 2)[0, :, 0]
    interior = y[view.interior.start:view.interior.stop]
    assert (len(set(np.round(interior, 12))) > 1) == ripples
    text = words(str(view))
    assert ("Uneven overlap: YES" in text) == uneven
    assert ("unequal, so a constant input ripples" in text) == ripples
    assert ("equal, so a constant input gives a flat interior" in text) == (not ripples)
    sums = " ".join(f"{v:g}" for v in view.residue_sums[:, 0])
    assert f"Weight sums per residue r = 0..1: [{sums}]" in text
    assert "even a constant input gives a periodic ripple" not in text


def test_without_weights_the_text_says_the_weights_decide():
    text = words(str(explain.connectivity(5, 3, stride=2)))
    assert "the sum of the weights on each residue class does" in text
    assert "With equal weights the sums follow the counts, so the output ripples" in text
    assert explain.connectivity(5, 3, stride=2).ripples is None


# --------------------------------------------------------------------------- #
# 2. C^T is not C's inverse                                                   #
# --------------------------------------------------------------------------- #
@SETTINGS
@given(strategies.geometry_args(max_length=8, max_kernel=5), st.integers(0, 2**31 - 1))
def test_round_trip_is_c_times_ct_x_and_the_sentence_says_so(args, seed):
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(args[0]), rng.standard_normal(args[1])
    m = explain.matrices(*args, x=x, w=w)
    np.testing.assert_allclose(m.round_trip, m.transpose.T @ (m.transpose @ x),
                               rtol=1e-12, atol=1e-12)
    g = m.geometry
    if min(g.crop_left, g.crop_right) >= 0:   # conv1d takes the crops as zero pads
        forward = conv1d(m.y_fast.reshape(1, -1, 1), w.reshape(-1, 1, 1), g.stride,
                         padding=(g.crop_left, g.crop_right), dilation=g.dilation)[0, :, 0]
        np.testing.assert_allclose(m.round_trip, forward, rtol=1e-9, atol=1e-9)
    text = words(str(m))
    assert "C^T is C's transpose, not its inverse" in text
    assert ("happens to give x back" in text) == bool(np.allclose(m.round_trip, x))


def test_the_guide_check_speaks_of_lengths_not_values():
    text = words(str(explain.shape(3, 3, stride=2, padding=1, output_padding=1)))
    assert "maps a length o' = 6 back to" in text and "lengths, not values" in text
    assert "not its inverse" in text
    m = explain.matrices(3, 1, stride=1, w=[1.0])        # C = I: the rare inverse
    assert m.inverse and "happens to give x back" in words(str(m))


# --------------------------------------------------------------------------- #
# 3. The guide's vocabulary                                                   #
# --------------------------------------------------------------------------- #
@SETTINGS
@given(strategies.geometry_args())
def test_p_prime_and_a_are_the_direct_pads(args):
    shape, dc = explain.shape(*args), explain.direct(*args)
    r, g = shape.relationship, shape.geometry
    text, dtext = words(str(shape)), words(str(dc))
    if r.number is None:
        assert "p' =" not in dtext and "no p' to name" in dtext
        return
    k, p, a = g.effective_kernel, r.p, r.a
    assert dc.pad_left == k - p - 1 and dc.pad_right == k - p - 1 + a
    assert f"p' = k - p - 1 = {k} - {p} - 1 = {k - p - 1}" in text
    section = "4.5-4.6" if g.stride > 1 else "4.3-4.4"
    assert f"sec. {section}" in dtext and f"sec. {section}" in text
    assert ("4.5-4.6" in dtext) == (g.stride > 1)
    if a:
        assert f"p' + a = {k - p - 1 + a} at the end" in text
        assert f"p' + a = {dc.pad_right} at the end" in dtext
    if g.dilation > 1:
        assert f"k = dk = {k}" in dtext


def test_guide_words():
    dc = words(str(explain.direct(3, 3, stride=2, padding=1, output_padding=1)))
    assert "The guide's k' = k: same size, taps reversed" in dc
    assert "a: PyTorch's output_padding = 1" in dc
    rel = words(str(explain.shape(3, 3, stride=2, padding=1, output_padding=1)))
    assert "a = crop_left - crop_right = 1 (PyTorch's and ONNX's output_padding)" in rel
    outside = words(str(explain.shape(3, 3, stride=2, padding="same")))
    assert "they crop p at the start and p - a at the end with 0 <= a < s" in outside
    assert "plus a < s at the end" not in outside


# --------------------------------------------------------------------------- #
# 4. Stride 1 with a short input                                              #
# --------------------------------------------------------------------------- #
@SETTINGS
@given(strategies.geometry_args(max_length=8, max_kernel=6, max_stride=1))
def test_stride_one_sentence_matches_the_counts(args):
    c = explain.connectivity(*args)
    text = words(str(c))
    K = c.geometry.kernel_size
    if len(c.interior):
        assert "each get all K" in text
        assert set(c.counts[c.interior.start:c.interior.stop].tolist()) == {K}
    else:
        assert "no output is away from both edges" in text and "away from the edges (" not in text
        assert c.counts.max(initial=0) < K


# --------------------------------------------------------------------------- #
# 5. Keras suggestions and what TensorFlow did with them                      #
# --------------------------------------------------------------------------- #
def _recorded():
    data = json.loads((DATA / "tensorflow_refusals.json").read_text())
    return [dict(zip(data["columns"], row)) for row in data["cases"]]


def test_recorded_refusals_are_the_documented_conditions():
    cases = _recorded()
    assert len(cases) > 1000
    for case in cases:
        args = (case["kernel_size"], case["strides"], case["padding"],
                case["output_padding"], case["dilation_rate"])
        predicted = (keras_refusal(*args)
                     or tensorflow_refusal(case["length"], *args,
                                                     onednn=case["onednn"]))
        assert (predicted is not None) == (case["error"] is not None), case


def _keras_call(args):
    return explain.shape(*args).framework("Keras")


@SETTINGS
@given(strategies.geometry_args())
def test_every_keras_suggestion_carries_its_tensorflow_caveat(args):
    call = _keras_call(args)
    if not call.expressible:
        return
    kw = call.kwargs
    g = shapes.geometry(*args)
    if keras_refusal(kw["kernel_size"], kw["strides"], kw["padding"],
                               kw["output_padding"], kw["dilation_rate"]) is not None:
        assert "raise for strides > 1 with dilation_rate > 1" in words(call.note)
        return
    why = tensorflow_refusal(g.length, kw["kernel_size"], kw["strides"],
                                       kw["padding"], kw["output_padding"], kw["dilation_rate"])
    assert (why is not None) == (why is not None and why in words(call.note))
    if why is not None:   # the alternative named runs there and keeps the window
        note = words(call.note)
        if "keeps the window and runs there" in note:
            word = "same" if "padding='same', output_padding=" in note.split(why)[1] else "valid"
            op_text = note.split(f"padding='{word}', output_padding=")[-1].split(" ")[0]
            op = None if op_text == "None" else int(op_text)
            assert tensorflow_refusal(g.length, g.kernel_size, g.stride, word, op,
                                                g.dilation) is None
            h = shapes.geometry(g.length, g.kernel_size, g.stride, word, op, g.dilation)
            assert (h.crop_left, h.crop_right) == (g.crop_left, g.crop_right)
    if kw["dilation_rate"] > 1:
        assert "TF_ENABLE_ONEDNN_OPTS=0" in words(call.note)


def test_same_op0_even_kernel_caveat_and_its_slice():
    args = (3, 4, 2, "same", 0, 1)
    note = words(_keras_call(args).note)
    assert "TensorFlow raises for padding='same', output_padding=0 with an even dk = 4" in note
    x, w = np.arange(1.0, 4.0).reshape(1, 3, 1), np.arange(1.0, 5.0).reshape(4, 1, 1)
    want = conv1d_transpose(x, w, 2, "same", 0)
    wider = reference.scatter_loops(x, w, 2, "valid", None)
    sl = note.split("then y[:, ")[1].split("]")[0] if "then y[:, " in note else None
    if sl is not None:
        lo, hi = map(int, sl.split(":"))
        np.testing.assert_array_equal(wider[:, lo:hi], want)


def test_keras_refuses_same_with_output_padding_not_below_strides():
    text = words(str(explain.shape(3, 3, 1, "same", 1, 2)))
    assert "Keras refuses this request: its layer needs output_padding < strides" in text
    assert "Keras refuses" not in words(str(explain.shape(3, 3, 2, "same", 1, 1)))


# --------------------------------------------------------------------------- #
# Your own numbers                                                            #
# --------------------------------------------------------------------------- #
@SETTINGS
@given(strategies.geometry_args(max_length=6, max_kernel=4), st.integers(1, 2), st.integers(1, 3),
       st.integers(1, 2), st.integers(0, 2**31 - 1))
def test_channels_agree_with_the_fast_path(args, n, c_in, c_out, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, args[0], c_in))
    w = rng.standard_normal((args[1], c_out, c_in))
    want = conv1d_transpose(x, w, args[2], args[3], args[4], dilation=args[5])
    single = n == c_in == c_out == 1
    m, dc = explain.matrices(*args, x=x, w=w), explain.direct(*args, x=x, w=w)
    c = explain.connectivity(*args, x=x, w=w)
    assert m.agree and dc.agree
    got = m.y_fast if not single else m.y_fast.reshape(1, -1, 1)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(c.y, want[0, :, 0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose([sum(v) for v in c.values], want[0, :, 0], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose([v for _, v in dc.steps], want[0, :, 0], rtol=1e-9, atol=1e-9)
    kernel = dc.kernel_values if single else dc.kernel_values[:, 0, :]
    for window, value in dc.steps:
        assert float(np.sum(window * kernel)) == pytest.approx(value, rel=1e-9, abs=1e-9)


def test_numbers_in_the_text():
    e = explain.explain(3, 3, 2, "same", x=[1, 2, 3], w=[1, 0.5, -1])
    text = str(e)
    assert "1*(-1) + 2*1   = 1" in text
    assert "y2 = 1*(-1) + 2*1 = 1" in text
    assert "C^T with your w:" in text and "[ -1   1   0]" in text
    assert "C (C^T x)              = [0.25 0.5 1.75]" in text


def test_cli_numbers_and_files(tmp_path, capsys):
    assert main(["explain", "--x", "1,2,3", "--w", "1,0.5,-1", "--direct"]) == 0
    assert "y2 = 1*(-1) + 2*1 = 1" in capsys.readouterr().out
    np.save(tmp_path / "x.npy", np.ones((2, 4, 3)))
    np.save(tmp_path / "w.npy", np.ones((3, 2, 3)))
    assert main(["explain", "--x", str(tmp_path / "x.npy"), "--w", str(tmp_path / "w.npy"),
                 "--matrix", "--connectivity"]) == 0
    out = capsys.readouterr().out
    assert "your x (2, 4, 3), w (3, 2, 3)" in out and "agree" in out
    assert "L=4, K=3" in out
    assert main(["explain", "--x", "1,2", "--w", str(tmp_path / "w.npy")]) == 2
    assert "`w` has C_in = 3, `x` has 1" in capsys.readouterr().err
    assert main(["explain", "--x", "1,two"]) == 2


# --------------------------------------------------------------------------- #
# Stacked layers                                                              #
# --------------------------------------------------------------------------- #
def _paths(length, layers):
    """Brute force: enumerate every path (input, tap per layer) to its position."""
    positions = {i: 1 for i in range(length)}
    size = length
    for kernel, stride in layers:
        nxt = {}
        for t, n in positions.items():
            for k in range(kernel):
                nxt[t * stride + k] = nxt.get(t * stride + k, 0) + n
        size = (size - 1) * stride + max(kernel, stride)    # Keras 'valid'
        positions = nxt
    return [positions.get(t, 0) for t in range(size)]


def test_distill_three_layer_diagram():
    s = explain.stacked(5, [(3, 2), (3, 2), (3, 1)])
    assert [len(c) for c in s.counts] == [5, 11, 23, 25]
    for n in range(1, 4):
        assert s.counts[n].tolist() == _paths(5, [(3, 2), (3, 2), (3, 1)][:n])
        assert not s.even(n) and s.even(n, resize=True)
    text = words(str(s))
    assert "5 -> 11" in text and "11 -> 23" in text and "23 -> 25" in text


@SETTINGS
@given(st.integers(1, 8), st.lists(st.tuples(st.integers(1, 5), st.integers(1, 3)),
                                   min_size=1, max_size=3))
def test_stacked_counts_are_path_counts_and_resize_is_even(length, layers):
    s = explain.stacked(length, layers)
    assert s.counts[-1].tolist() == _paths(length, layers)
    for n in range(1, len(layers) + 1):
        assert s.even(n, resize=True)
        inside = s.interiors[n]
        if len(inside) >= max(st for _, st in layers[:n]) * 2:
            # uneven overlap in the last layer alone already shows
            kernel, stride = layers[n - 1]
            if n == 1 and kernel % stride:
                assert not s.even(n)


def test_cli_layers(capsys):
    assert main(["explain", "--length", "5", "--layers", "3,2;3,2;3,1"]) == 0
    out = capsys.readouterr().out
    assert "23 -> 25" in out and "Shape walkthrough" not in out
    assert main(["explain", "--layers", "3;2"]) == 2


# --------------------------------------------------------------------------- #
# Notebooks                                                                   #
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("view", [
    lambda: explain.shape(3, 3, 2, "same"), lambda: explain.connectivity(3, 3, 2, "same"),
    lambda: explain.matrices(3, 3, 2, "same"), lambda: explain.direct(3, 3, 2, "same"),
    lambda: explain.draw(3, 3, 2, "same"), lambda: explain.explain(3, 3, 2, "same"),
    lambda: explain.inputs_of(2, 3, 3, 2, "same"),
    lambda: explain.stacked(5, [(3, 2), (3, 1)])])
def test_views_render_as_escaped_html(view):
    v = view()
    out = v._repr_html_()
    assert out.startswith("<pre") and out.endswith("</pre>")
    body = out[out.index(">") + 1:-len("</pre>")]
    assert html.unescape(body) == str(v)
    assert "<" not in body and ">" not in body


@SETTINGS
@given(strategies.geometry_args(max_length=30, max_kernel=10, max_stride=4), st.integers(0, 2**31 - 1))
def test_views_with_numbers_fit_80_columns(args, seed):
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(args[0]), rng.standard_normal(args[1])
    for part in (explain.connectivity(*args, x=x, w=w), explain.matrices(*args, x=x, w=w),
                 explain.direct(*args, x=x, w=w)):
        assert max(len(line) for line in str(part).splitlines()) <= 80, str(part)
