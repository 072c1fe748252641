"""deconv1d.interop: layouts, parameter translation, and the framework entry points."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from deconv1d import interop, reference, shapes
from strategies import torch_calls, windows

FRAMEWORKS = ["keras", "torch", "onnx", "tf", "jax"]


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["keras", "tf", "torch", "onnx", "jax", "flax"]), st.booleans(),
       st.sampled_from(["HIO", "OIH", "IOH", "HOI"]), st.integers(1, 4), st.integers(1, 3),
       st.integers(1, 3))
def test_weight_layouts_round_trip(framework, transpose_kernel, spec, K, co, ci):
    k = np.random.default_rng(K * 100 + co * 10 + ci).standard_normal((K, co, ci))
    there = interop.kernel_for(framework, k, transpose_kernel=transpose_kernel, rhs_spec=spec)
    back = interop.keras_kernel_from(framework, there, transpose_kernel=transpose_kernel,
                                     rhs_spec=spec)
    np.testing.assert_array_equal(back, k)
    assert not np.shares_memory(back, there) and not np.shares_memory(there, k)


def test_weight_layout_table():
    k = np.arange(24.0).reshape(2, 3, 4)          # (K, C_out, C_in)
    np.testing.assert_array_equal(interop.kernel_for("torch", k), k.transpose(2, 1, 0))
    np.testing.assert_array_equal(interop.kernel_for("jax", k), k.transpose(0, 2, 1)[::-1])
    np.testing.assert_array_equal(interop.kernel_for("jax", k, transpose_kernel=True), k)
    np.testing.assert_array_equal(interop.kernel_for("tf", k), k)


# Keras 'same' (op None, d=1) -> crops, PyTorch, ONNX.
TABLE = [(2, 1, (0, 1), None, [0, 1], 0), (3, 1, (1, 1), (1, 0), [1, 1], 0),
         (3, 2, (0, 1), None, [0, 1], 0), (4, 2, (1, 1), (1, 0), [1, 1], 0),
         (5, 2, (1, 2), None, [1, 2], 0), (1, 2, (0, -1), (0, 1), [0, 0], 1),
         (4, 3, (0, 1), None, [0, 1], 0)]


@pytest.mark.parametrize("K,s,crop,torch,pads,op", TABLE)
def test_frameworks_md_table(K, s, crop, torch, pads, op):
    L = 4
    assert interop.crops_from("keras", L, K, stride=s, padding="same") == crop
    assert interop.translate("keras", "onnx", L, K, stride=s, padding="same") == \
        {"pads": pads, "output_padding": op}
    if torch is None:
        with pytest.raises(interop.InexpressibleError, match="PyTorch cannot.*Instead use"):
            interop.translate("keras", "torch", L, K, stride=s, padding="same")
    else:
        assert interop.translate("keras", "torch", L, K, stride=s, padding="same") == \
            {"padding": torch[0], "output_padding": torch[1]}


def test_issue_example_message():
    with pytest.raises(interop.InexpressibleError) as info:
        interop.translate("keras", "torch", 3, 3, stride=2, padding="same")
    assert "crop 0 at the start and crop 1 at the end" in str(info.value)
    assert "use padding=0, output_padding=0 and slice [0:6] yourself" in str(info.value)


@settings(max_examples=300, deadline=None)
@given(windows(), st.sampled_from(FRAMEWORKS))
def test_arguments_round_trip_through_crops(window, framework):
    """arguments_for then crops_from gives the window back, or says why it cannot."""
    L, K, s, d, cl, cr = window
    try:
        args = interop.arguments_for(framework, L, K, cl, cr, stride=s, dilation=d)
    except interop.InexpressibleError as error:
        assert "Instead" in str(error) or "instead" in str(error)
        if framework == "torch":
            assert cl < 0 or not 0 <= cl - cr < max(s, d)
        if framework == "onnx":
            assert cl < 0 or -cr >= s
        assert framework != "jax"
        return
    assert interop.crops_from(framework, L, K, stride=s, dilation=d, **args) == (cl, cr)


@settings(max_examples=200, deadline=None)
@given(windows())
def test_inexpressible_advice_works(window):
    """Following the PyTorch advice (wider window, then slice) gives the wanted output."""
    L, K, s, d, cl, cr = window
    try:
        interop.arguments_for("torch", L, K, cl, cr, stride=s, dilation=d)
        return
    except interop.InexpressibleError as error:
        text = str(error)
    if "slice [" not in text or cl < 0:
        return
    import re
    p, q, a, b = map(int, re.search(r"padding=(\d+), output_padding=(\d+) and slice "
                                     r"\[(\d+):(\d+)\]", text).groups())
    rng = np.random.default_rng(L * 7 + K)
    x, w = rng.standard_normal((1, 1, L)), rng.standard_normal((1, 1, K))
    wide = interop.torch_conv_transpose1d(x, w, stride=s, padding=p, output_padding=q,
                                          dilation=d)
    kept = interop.jax_conv_transpose(x.transpose(0, 2, 1), w.transpose(2, 1, 0), [s],
                                      [((K - 1) * d - cl, (K - 1) * d - cr)],
                                      rhs_dilation=[d], transpose_kernel=True)
    np.testing.assert_allclose(wide[..., a:b], kept.transpose(0, 2, 1), rtol=1e-12,
                               atol=1e-12)


@settings(max_examples=200, deadline=None)
@given(torch_calls(max_channels=2, max_groups=2, max_kernel=4, max_stride=3, max_length=5,
                   max_padding=2),
       st.sampled_from(sorted(reference.ORACLES)))
def test_torch_entry_point_matches_oracles(call, oracle):
    x, w, b, kw = call
    y = interop.torch_conv_transpose1d(x, w, b, **kw)
    expected = reference.ORACLES[oracle](
        x, w.transpose(2, 1, 0), kw["stride"], kw["padding"], kw["output_padding"],
        dilation=kw["dilation"], groups=kw["groups"], data_format="channels_first", bias=b)
    np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-12)
    # The same call through ONNX attributes, and through JAX explicit pads.
    p, q = kw["padding"], kw["output_padding"]
    onnx = interop.onnx_conv_transpose(x, w, b, pads=[p, p], output_padding=[q],
                                       strides=[kw["stride"]], dilations=[kw["dilation"]],
                                       group=kw["groups"])
    np.testing.assert_allclose(onnx, y, rtol=1e-12, atol=1e-12)
    if kw["groups"] == 1:
        dk = (w.shape[2] - 1) * kw["dilation"] + 1
        jax = interop.jax_conv_transpose(x.transpose(0, 2, 1), interop.kernel_for(
            "jax", w.transpose(2, 1, 0)), [kw["stride"]], [(dk - 1 - p, dk - 1 - p + q)],
            rhs_dilation=[kw["dilation"]])
        y0 = interop.torch_conv_transpose1d(x, w, None, **kw)
        np.testing.assert_allclose(jax.transpose(0, 2, 1), y0, rtol=1e-12, atol=1e-12)


def test_entry_points_do_not_mutate_or_alias():
    x = np.random.default_rng(1).standard_normal((1, 2, 3))
    w = np.random.default_rng(2).standard_normal((2, 2, 3))
    x0, w0 = x.copy(), w.copy()
    y = interop.torch_conv_transpose1d(x, w, stride=2)
    assert (x == x0).all() and (w == w0).all() and not np.shares_memory(y, x)


def test_torch_output_size_and_unbatched():
    x = np.random.default_rng(3).standard_normal((2, 4))
    w = np.random.default_rng(4).standard_normal((2, 3, 3))
    y = interop.torch_conv_transpose1d(x, w, stride=3, padding=1, output_size=[11])
    assert y.shape == (3, 11)
    np.testing.assert_allclose(y, interop.torch_conv_transpose1d(
        x[None], w, stride=3, padding=1, output_padding=1)[0])
    with pytest.raises(ValueError, match="output_size.*\\[10, 12\\]"):
        interop.torch_conv_transpose1d(x, w, stride=3, padding=1, output_size=13)


def test_onnx_auto_pad_rules():
    # total = s(L-1) + q + dk - L*s; UPPER: odd one at the end, LOWER: at the start.
    assert interop.crops_from("onnx", 3, 4, stride=1, auto_pad="SAME_UPPER") == (1, 2)
    assert interop.crops_from("onnx", 3, 4, stride=1, auto_pad="SAME_LOWER") == (2, 1)
    assert interop.crops_from("onnx", 3, 4, stride=1, output_shape=[4]) == (1, 1)
    assert interop.crops_from("onnx", 3, 4, stride=1, output_shape=[5]) == (1, 0)
    assert interop.crops_from("onnx", 3, 2, stride=2, pads=[1, 0], output_padding=1) == (1, -1)
    with pytest.raises(ValueError, match="auto_pad"):
        interop.crops_from("onnx", 3, 2, auto_pad="SAME")


def test_tf_rules_and_refusals():
    assert interop.crops_from("tf", 3, 3, stride=2, output_shape=6, padding="SAME") == (0, 1)
    assert interop.crops_from("tf", 3, 3, stride=2, output_shape=5, padding="SAME") == (1, 1)
    assert interop.crops_from("tf", 3, 1, stride=3, output_shape=9, padding="VALID") == (0, -2)
    with pytest.raises(ValueError, match="round-trip|forward convolution"):
        interop.crops_from("tf", 3, 3, stride=2, output_shape=7, padding="SAME")
    x = np.ones((1, 2, 3))
    y = interop.tf_conv1d_transpose(x, np.ones((3, 1, 2)), [1, 1, 6], 2, "SAME",
                                    data_format="NCW", dilations=2)
    assert y.shape == (1, 1, 6)


def test_jax_string_and_explicit_pads():
    # jax#32267: explicit pads are not PyTorch's padding unless K = 3.
    assert interop.crops_from("jax", 4, 3, stride=2, padding=[(1, 1)]) == (1, 1)
    assert interop.crops_from("jax", 4, 4, stride=2, padding=[(1, 1)]) == (2, 2)
    assert interop.crops_from("jax", 4, 4, stride=2, padding=[(1, 1)],
                              use_consistent_padding=True) == (1, 1)
    for K in range(1, 6):
        for s in range(1, 4):
            for word in ("same", "valid"):
                assert interop.crops_from("jax", 4, K, stride=s, padding=word.upper()) == \
                    shapes.crops(4, K, s, word)
    # Pads beyond dk - 1 prepend zeros: a negative crop.
    y = interop.jax_conv_transpose(np.ones((1, 2, 1)), np.ones((1, 1, 1)), [1], [(2, 0)])
    assert y[0, :, 0].tolist() == [0, 0, 1, 1]


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="framework"):
        interop.crops_from("caffe", 3, 3)
    with pytest.raises(TypeError, match="framework"):
        interop.crops_from(3, 3, 3)
    with pytest.raises(ValueError, match="PyTorch ConvTranspose1d has no string padding"):
        interop.crops_from("torch", 3, 3, padding="same")
    with pytest.raises(ValueError, match="Keras `padding`"):
        interop.crops_from("keras", 3, 3, padding=1)
    with pytest.raises(ValueError, match="rank 3"):
        interop.keras_kernel_from("torch", np.ones((2, 2)))
    with pytest.raises(ValueError, match="input channels"):
        interop.jax_conv_transpose(np.ones((1, 3, 2)), np.ones((3, 4, 2)), [1], "SAME")
    with pytest.raises(ValueError, match="empty"):
        interop.arguments_for("jax", 2, 1, 1, 1)
    with pytest.raises(ValueError, match="output_padding"):
        interop.torch_conv_transpose1d(np.ones((1, 1, 3)), np.ones((1, 1, 3)), stride=2,
                                       output_padding=2)
