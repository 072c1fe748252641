"""The shared strategies draw what they promise, and close64 can fail."""

import numpy as np
import pytest
from hypothesis import given, settings

from deconv1d import conv1d_transpose, shapes
from strategies import KERAS_PADDINGS, close64, geometries, problems, torch_calls, windows

SETTINGS = settings(max_examples=100)


@SETTINGS
@given(geometries())
def test_geometries_give_a_nonempty_output(g):
    assert shapes.geometry(**g).output_length >= 1


@SETTINGS
@given(geometries(keras_only=True))
def test_geometries_keras_only_draws_strings(g):
    assert g["padding"] in KERAS_PADDINGS


@SETTINGS
@given(problems())
def test_problems_are_valid_calls(problem):
    x, w, kwargs = problem
    y = conv1d_transpose(x, w, **kwargs)
    channels = 1 if kwargs["data_format"] == "channels_first" else 2
    assert y.shape[channels] == w.shape[1] * kwargs["groups"]


@SETTINGS
@given(torch_calls())
def test_torch_calls_give_pytorch_output_lengths(call):
    x, weight, bias, kw = call
    length, kernel_size = x.shape[2], weight.shape[2]
    expected = ((length - 1) * kw["stride"] - 2 * kw["padding"]
                + kw["dilation"] * (kernel_size - 1) + kw["output_padding"] + 1)
    assert expected >= 1 and kw["output_padding"] < max(kw["stride"], kw["dilation"])
    assert bias is None or bias.shape == (weight.shape[1] * kw["groups"],)


@SETTINGS
@given(windows())
def test_windows_keep_at_least_one_sample(window):
    length, kernel_size, stride, dilation, crop_left, crop_right = window
    full = (length - 1) * stride + (kernel_size - 1) * dilation + 1
    assert full - crop_left - crop_right >= 1


def test_close64_accepts_rounding_and_rejects_more():
    expected = np.array([1.0, -1e3, 2.0])
    close64(expected * (1 + 1e-15), expected)
    with pytest.raises(AssertionError):
        close64(expected + np.array([0.0, 1e-8, 0.0]), expected)
    with pytest.raises(AssertionError):
        close64(expected[:2], expected)
    close64(np.array([1e-13]), np.array([0.0]))          # absolute near zero
    with pytest.raises(AssertionError):
        close64(np.array([1e-13]), np.array([0.0]), scale=1e-3)
