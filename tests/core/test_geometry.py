"""shapes: Keras's length and crop tables, and the argument checkers."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deconv1d import output_length, reference, shapes
from strategies import geometries

# (length, kernel_size, padding, output_padding, stride, dilation) -> Keras deconv_output_length
KERAS_PINS = [
    ((4, 2, "same", None, 1, 1), 4),
    ((4, 2, "same", None, 2, 1), 8),
    ((4, 2, "valid", None, 1, 1), 5),
    ((4, 2, "valid", None, 2, 1), 8),
    ((4, 2, "full", None, 1, 1), 3),
    ((4, 2, "full", None, 2, 1), 6),
    ((4, 2, "same", 2, 1, 1), 5),
    ((4, 2, "same", 1, 2, 1), 7),
    ((4, 2, "valid", 2, 1, 1), 7),
    ((4, 2, "valid", 1, 2, 1), 9),
    ((4, 2, "full", 2, 1, 1), 5),
    ((4, 2, "full", 1, 2, 1), 7),
    ((4, 2, "same", 1, 1, 2), 5),
    ((4, 2, "valid", 2, 2, 3), 12),
    ((4, 2, "full", 2, 2, 3), 6),
]


@pytest.mark.parametrize("args, expected", KERAS_PINS)
def test_keras_deconv_output_length_pins(args, expected):
    length, kernel_size, padding, output_padding, stride, dilation = args
    assert output_length(length, kernel_size, stride, padding, output_padding,
                         dilation) == expected


@pytest.mark.parametrize("padding", ["valid", "same", "full", 1, (0, 2)])
def test_unknown_length_passes_through(padding):
    assert output_length(None, 3, 2, padding) is None


def test_unknown_length_still_checks_the_other_arguments():
    with pytest.raises(ValueError, match="padding='causal'"):
        output_length(None, 3, padding="causal")
    with pytest.raises(ValueError, match="stride=0"):
        output_length(None, 3, stride=0)


@settings(max_examples=500, deadline=None)
@given(g=geometries(max_length=40, max_kernel=12, max_stride=6, max_dilation=4))
def test_geometry_agrees_with_the_oracles_own_table(g):
    """shapes.geometry and reference.window were written separately; they must agree."""
    geom = shapes.geometry(**g)
    crop_left, length = reference.window(**g)
    assert (geom.crop_left, geom.output_length) == (crop_left, length)
    assert geom.full_length == (g["length"] - 1) * g["stride"] + geom.effective_kernel
    assert geom.full_length - geom.crop_left - geom.crop_right == geom.output_length
    assert output_length(**g) == geom.output_length


@settings(max_examples=300, deadline=None)
@given(length=st.integers(1, 50), kernel_size=st.integers(1, 10), stride=st.integers(1, 6),
       padding=st.integers(0, 4), dilation=st.integers(1, 3), data=st.data())
def test_int_padding_is_pytorch_length(length, kernel_size, stride, padding, dilation, data):
    op = data.draw(st.integers(0, max(stride, dilation) - 1))
    torch_length = ((length - 1) * stride - 2 * padding + dilation * (kernel_size - 1)
                    + op + 1)
    if torch_length >= 1:
        assert output_length(length, kernel_size, stride, padding, op, dilation) == torch_length
        assert shapes.crops(length, kernel_size, stride, padding, op, dilation) == (
            padding, padding - op)


def test_crops_examples_from_the_frameworks():
    # Keras same, op None, d=1: (K, s) -> (crop_left, crop_right)
    table = {(2, 1): (0, 1), (3, 1): (1, 1), (3, 2): (0, 1), (4, 2): (1, 1),
             (5, 2): (1, 2), (1, 2): (0, -1), (4, 3): (0, 1)}
    for (k, s), expected in table.items():
        assert shapes.crops(5, k, s, "same") == expected


@pytest.mark.parametrize("value, expected", [(3, 3), ((3,), 3), ([2], 2)])
def test_check_int_accepts_ints_and_one_tuples(value, expected):
    assert shapes.check_int("stride", value, minimum=1) == expected


def test_check_int_accepts_numpy_integers():
    import numpy as np
    assert shapes.check_int("stride", np.int64(4), minimum=1) == 4


@pytest.mark.parametrize("value, error", [
    (True, TypeError), (2.0, TypeError), ("2", TypeError), (None, TypeError),
    ((1, 2), ValueError), (0, ValueError),
])
def test_check_int_rejects(value, error):
    with pytest.raises(error, match=r"`stride`.*Received: stride="):
        shapes.check_int("stride", value, minimum=1)


def test_check_padding_and_data_format():
    assert shapes.check_padding("VaLiD") == "valid"
    assert shapes.check_padding([1, 2]) == (1, 2)
    assert shapes.check_data_format("CHANNELS_FIRST") == "channels_first"
    with pytest.raises(ValueError, match="data_format=3"):
        shapes.check_data_format(3)
