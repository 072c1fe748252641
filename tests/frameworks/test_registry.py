"""The framework registry: every framework module keeps its promises.

For each registered framework: its weight layout round-trips, its arguments
for a window keep that window, and when it cannot keep one, its workaround
(a wider call, then a slice or zeros) gives exactly that window.
"""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from deconv1d import conv1d_transpose, interop, shapes
from deconv1d.frameworks import registry

NAMES = list(registry.names())


def test_names_aliases_and_errors():
    assert NAMES == ["keras", "torch", "onnx", "tf", "jax"] == list(interop.FRAMEWORKS)
    assert registry.get("PyTorch").name == "torch"
    assert registry.get("flax", weights=True).name == "jax"
    with pytest.raises(ValueError, match="one of keras, torch, onnx, tf, jax. Received"):
        registry.get("flax")
    with pytest.raises(TypeError, match="must be a string"):
        registry.get(3)


def test_entry_points_and_options_belong_to_their_framework():
    for framework in registry.frameworks():
        assert framework.entry.__name__ in interop.__all__
        assert {"stride", "dilation"} <= set(framework.options)
        assert set(framework.option_help) <= set(framework.options)


@st.composite
def windows(draw):
    """(length, kernel_size, stride, dilation, crop_left, crop_right) with a non-empty window."""
    length, kernel_size = draw(st.integers(1, 6)), draw(st.integers(1, 5))
    stride, dilation = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    full = (length - 1) * stride + (kernel_size - 1) * dilation + 1
    crop_left = draw(st.integers(-3, full - 1))
    crop_right = draw(st.integers(-6, full - 1 - crop_left))
    return length, kernel_size, stride, dilation, crop_left, crop_right


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(NAMES), windows(), st.integers(0, 2**31 - 1))
def test_arguments_keep_the_window_or_the_workaround_does(name, window, seed):
    length, kernel_size, stride, dilation, crop_left, crop_right = window
    where = dict(stride=stride, dilation=dilation)
    try:
        arguments = interop.arguments_for(name, length, kernel_size, crop_left, crop_right,
                                          **where)
    except interop.InexpressibleError as error:
        workaround = error.workaround
        assert str(error).startswith(error.reason) and "Instead" in str(error)
    else:
        assert interop.crops_from(name, length, kernel_size, **where, **arguments) == (
            crop_left, crop_right)
        return
    got = interop.crops_from(name, length, kernel_size, **where, **workaround.arguments)
    x = np.random.default_rng(seed).standard_normal((1, length, 2))
    w = np.random.default_rng(seed + 1).standard_normal((kernel_size, 3, 2))
    wider = conv1d_transpose(x, w, stride, shapes.Window(*got), dilation=dilation)
    want = conv1d_transpose(x, w, stride, shapes.Window(crop_left, crop_right),
                            dilation=dilation)
    assert wider.shape[1] == workaround.length
    np.testing.assert_allclose(workaround.apply(wider, axis=1), want, rtol=1e-12, atol=1e-12)


def test_pytorch_workaround_keeps_the_data_before_appended_zeros():
    """Crops (1, -3) at stride 2: PyTorch must not crop the end (padding=1 would)."""
    with pytest.raises(interop.InexpressibleError) as info:
        interop.arguments_for("torch", 3, 2, 1, -3, stride=2)
    assert info.value.workaround.arguments == {"padding": 0, "output_padding": 0}
    assert "keep samples [1:6] and pad 0 zeros at the start and 3 at the end" in str(info.value)


def test_tf_workaround_length_round_trips():
    """Crops (0, -3) at stride 2: the VALID call asked for must be one TensorFlow accepts."""
    with pytest.raises(interop.InexpressibleError) as info:
        interop.arguments_for("tf", 3, 2, 0, -3, stride=2)
    assert info.value.workaround.arguments == {"output_shape": 7, "padding": "VALID"}
    assert interop.crops_from("tf", 3, 2, stride=2, output_shape=7, padding="VALID") == (0, -1)
