"""Conv1DTransposeStream: chunked input, concatenated output == one shot."""

from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from strategies import problems

from deconv1d import Conv1DTransposeStream, conv1d_transpose, reference
from deconv1d.core import engine


def time_axis(kwargs):
    return 1 if kwargs["data_format"] == "channels_last" else 2


def chunks(x, axis, cuts):
    bounds = [0, *sorted(cuts), x.shape[axis]]
    return [np.take(x, np.arange(a, b), axis=axis) for a, b in zip(bounds, bounds[1:])]


def streamed(x, w, kwargs, cuts):
    stream = Conv1DTransposeStream(w, **kwargs)
    axis = time_axis(kwargs)
    pieces = [stream.feed(c) for c in chunks(x, axis, cuts)]
    pieces.append(stream.finish())
    return np.concatenate(pieces, axis=axis), stream


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_chunking_equals_one_shot(data):
    """Every padding mode, output_padding, dilation, groups, layout, bias; chunk
    boundaries anywhere, including empty chunks and one-sample chunks."""
    x, w, kwargs = data.draw(problems(max_length=16))
    length = x.shape[time_axis(kwargs)]
    cuts = data.draw(st.lists(st.integers(0, length), max_size=6))
    got, stream = streamed(x, w, kwargs, cuts)
    want = conv1d_transpose(x, w, **kwargs)
    assert got.shape == want.shape and got.dtype == want.dtype
    # a few ulps: the sums are grouped differently
    scale = np.abs(x).max() * np.abs(w).sum() + (0 if kwargs["bias"] is None
                                                  else np.abs(kwargs["bias"]).max())
    assert np.abs(got - want).max() <= 1e-14 * max(scale, 1.0)
    assert stream.length_in == length
    assert stream.length_out == want.shape[time_axis(kwargs)]
    assert stream.output_length(length) == want.shape[time_axis(kwargs)]


@pytest.mark.parametrize("rule", [True, False])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_narrow_outputs_stream_channel_by_channel_or_not(rule, data):
    """Chunks accumulated channel by channel (engine.by_channel forced) stream like the
    loop oracle: the stream reads the engine's transposed pieces and carried tail."""
    x, w, kwargs = data.draw(problems(max_length=24))
    assume(2 <= w.shape[1] * kwargs["groups"] <= engine.NARROW_OUTPUT)
    cuts = data.draw(st.lists(st.integers(0, x.shape[time_axis(kwargs)]), max_size=4))
    with mock.patch.object(engine, "by_channel", lambda *a: rule):
        got, _ = streamed(x, w, kwargs, cuts)
    want = reference.gather_loops(x, w, **kwargs)
    assert got.shape == want.shape
    assert np.abs(got - want).max() <= 1e-12 * max(1.0, np.abs(want).max())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_chunking_matches_the_loop_oracle(data):
    x, w, kwargs = data.draw(problems(max_length=10))
    cuts = data.draw(st.lists(st.integers(0, x.shape[time_axis(kwargs)]), max_size=4))
    got, _ = streamed(x, w, kwargs, cuts)
    want = reference.gather_loops(x, w, **kwargs)
    assert got.shape == want.shape
    assert np.abs(got - want).max() <= 1e-12 * max(1.0, np.abs(want).max())


@pytest.mark.parametrize("padding,output_padding", [
    ("valid", None), ("same", None), ("same", 1), ("valid", 0), (3, None), (3, 1),
    ((0, 9), None), ((7, 0), 2), ((4, 6), None),
])
def test_one_sample_at_a_time(padding, output_padding):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 13, 3))
    w = rng.standard_normal((7, 2, 3))
    kwargs = dict(stride=3, padding=padding, output_padding=output_padding)
    got, _ = streamed(x, w, dict(kwargs, dilation=1, groups=1,
                                 data_format="channels_last", bias=None), range(1, 13))
    np.testing.assert_allclose(got, conv1d_transpose(x, w, **kwargs), rtol=0, atol=1e-13)


def test_long_signal_memmap_in_memmap_out(tmp_path):
    rng = np.random.default_rng(1)
    length, c_in, c_out = 50_000, 2, 3
    x = np.lib.format.open_memmap(tmp_path / "x.npy", mode="w+", dtype=np.float32,
                                  shape=(1, length, c_in))
    x[:] = rng.standard_normal(x.shape)
    x.flush()
    w = rng.standard_normal((16, c_out, c_in)).astype(np.float32)
    bias = np.ones(c_out, np.float32)
    stream = Conv1DTransposeStream(w, stride=4, padding="same", bias=bias)
    total = stream.output_length(length)
    y = np.lib.format.open_memmap(tmp_path / "y.npy", mode="w+", dtype=np.float32,
                                  shape=(1, total, c_out))
    xin = np.load(tmp_path / "x.npy", mmap_mode="r")
    assert stream.run(xin, out=y, chunk_length=7777) is y
    y.flush()
    want = conv1d_transpose(np.asarray(xin), w, 4, "same", bias=bias)
    assert y.shape == want.shape == (1, 4 * length, c_out)
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), want, rtol=1e-5, atol=1e-4)


def test_run_allocates_when_no_out_and_handles_channels_first():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, 40))
    w = rng.standard_normal((5, 4, 3))
    stream = Conv1DTransposeStream(w, 2, 1, 1, data_format="channels_first")
    got = stream.run(x, chunk_length=3)
    want = conv1d_transpose(x, w, 2, 1, 1, data_format="channels_first")
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-13)


def test_float16_and_integer_chunks_keep_the_dtype_rules():
    w = np.ones((3, 1, 1), dtype=np.float16)
    got, _ = streamed(np.ones((1, 5, 1), np.float16), w,
                      dict(stride=2, padding="valid", output_padding=None, dilation=1,
                           groups=1, data_format="channels_last", bias=None), [2])
    assert got.dtype == np.float16
    got, _ = streamed(np.ones((1, 5, 1), np.int32), np.ones((3, 1, 1), np.int64),
                      dict(stride=2, padding="valid", output_padding=None, dilation=1,
                           groups=1, data_format="channels_last", bias=None), [1, 4])
    assert got.dtype == np.float64
    want = conv1d_transpose(np.ones((1, 5, 1)), np.ones((3, 1, 1)), 2)
    np.testing.assert_array_equal(got, want)


def test_inputs_not_mutated_and_pieces_are_new_arrays():
    x = np.arange(12.0).reshape(1, 12, 1)
    w = np.ones((4, 1, 1))
    x0, w0 = x.copy(), w.copy()
    stream = Conv1DTransposeStream(w, 2)
    piece = stream.feed(x)
    w[...] = 7                                # the stream keeps its own copy
    rest = stream.finish()
    assert np.array_equal(x, x0)
    assert not np.shares_memory(piece, x)
    np.testing.assert_array_equal(np.concatenate([piece, rest], 1),
                                  conv1d_transpose(x0, w0, 2))


def test_errors_name_the_argument():
    w = np.ones((3, 2, 4))
    with pytest.raises(ValueError, match="stride"):
        Conv1DTransposeStream(w, stride=0)
    with pytest.raises(ValueError, match="padding"):
        Conv1DTransposeStream(w, padding="causal")
    with pytest.raises(ValueError, match="`w` must have rank 3"):
        Conv1DTransposeStream(np.ones((3, 2)))
    with pytest.raises(ValueError, match="groups"):
        Conv1DTransposeStream(w, groups=3)
    stream = Conv1DTransposeStream(w)
    with pytest.raises(ValueError, match="`chunk` must have 4 channels"):
        stream.feed(np.ones((1, 5, 3)))
    with pytest.raises(ValueError, match="rank 3"):
        stream.feed(np.ones((5, 4)))
    with pytest.raises(TypeError, match="chunk"):
        stream.feed(np.array(["a"]))
    stream.feed(np.ones((2, 5, 4)))
    with pytest.raises(ValueError, match="batch size 2"):
        stream.feed(np.ones((1, 5, 4)))
    stream.finish()
    with pytest.raises(ValueError, match="closed"):
        stream.feed(np.ones((2, 5, 4)))
    with pytest.raises(ValueError, match="closed"):
        stream.finish()
    with pytest.raises(ValueError, match="no samples"):
        Conv1DTransposeStream(w).finish()


def test_crop_longer_than_the_signal_raises_at_finish():
    stream = Conv1DTransposeStream(np.ones((2, 1, 1)), padding=(5, 5))
    stream.feed(np.ones((1, 2, 1)))
    with pytest.raises(ValueError, match="length"):
        stream.finish()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_window_streams_like_one_shot(data):
    """A Window with negative crops (zeros before and after the scatter) too."""
    from deconv1d.shapes import Window
    x, w, kwargs = data.draw(problems(max_length=12))
    kwargs["padding"] = Window(data.draw(st.integers(-5, 5)), data.draw(st.integers(-5, 5)))
    kwargs["output_padding"] = None
    length = x.shape[time_axis(kwargs)]
    try:
        want = conv1d_transpose(x, w, **kwargs)
    except ValueError:
        assume(False)
    cuts = data.draw(st.lists(st.integers(0, length), max_size=5))
    got, _ = streamed(x, w, kwargs, cuts)
    assert got.shape == want.shape
    scale = np.abs(x).max() * np.abs(w).sum() + (0 if kwargs["bias"] is None
                                                  else np.abs(kwargs["bias"]).max())
    assert np.abs(got - want).max() <= 1e-14 * max(scale, 1.0)
