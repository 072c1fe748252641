"""Peak memory of conv1d_transpose: the output plus bounded scratch.

``tracemalloc`` sees NumPy's buffers.  The cases are chosen so that the naive
design (an ``(N, L, K, C_out)`` column buffer, or a converted copy of the input)
would be far over the bound, so the bound cannot hold by accident.
"""


import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from deconv1d import (
    Conv1DTransposeStream,
    conv1d,
    conv1d_transpose,
    conv1d_transpose_vjp,
    output_length,
)
from deconv1d.core import engine
from deconv1d.core.transpose import prepare
from strategies import peak_of

SCRATCH = 64 * 2**20


def forced(x, w, path, **kwargs):
    options = kwargs.pop("options", {})
    return engine.compute(prepare(x, w, **kwargs), path, **options)


# N, L, C_in -> C_out, K: columns N*L*K*C_out*8 bytes = 655 MB, output 10 MB.
N, L, C_IN, C_OUT, K = 2, 10000, 4, 64, 64


@pytest.fixture(scope="module")
def big():
    rng = np.random.default_rng(0)
    return rng.standard_normal((N, L, C_IN)), rng.standard_normal((K, C_OUT, C_IN))


@pytest.mark.parametrize("path,options", [
    (None, {}), ("scatter", {}), ("scatter_blocks", {}), ("gather", {"time_batch": 1}),
    ("gather", {"time_batch": 8}),
])
def test_peak_is_output_plus_bounded_scratch(big, path, options):
    x, w = big
    columns = N * L * K * C_OUT * 8
    if path is None:
        y, peak = peak_of(lambda: conv1d_transpose(x, w))
    else:
        y, peak = peak_of(lambda: forced(x, w, path, data_format="channels_last",
                                         options=options))
    assert columns > 8 * (y.nbytes + SCRATCH)          # the naive design would blow it
    assert y.shape == (N, output_length(L, K), C_OUT)
    assert peak <= y.nbytes + SCRATCH, (peak / 2**20, y.nbytes / 2**20)
    # and it computed the right thing: spot-check a window against a small call
    np.testing.assert_allclose(y[:, 100:200], conv1d_transpose(x[:, 37:200], w)[:, 63:163],
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("stride,dilation,options", [
    (3, 2, {}), (4, 2, {"time_batch": 4}), (8, 3, {"block_bytes": 2**20}),
])
def test_gather_by_phases_is_output_plus_bounded_scratch(big, stride, dilation, options):
    """Stride and dilation both above 1: one gather per output phase, each
    writing every ``stride``-th output in place."""
    x, w = big
    y, peak = peak_of(lambda: forced(x, w, "gather", stride=stride, dilation=dilation,
                                     options=options))
    assert peak <= y.nbytes + SCRATCH, (peak / 2**20, y.nbytes / 2**20)
    np.testing.assert_allclose(y, forced(x, w, "scatter", stride=stride, dilation=dilation),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("path", ["scatter", "gather"])
def test_channels_first_output_needs_no_second_copy(big, path):
    x, w = big
    xf = np.ascontiguousarray(x.transpose(0, 2, 1))
    y, peak = peak_of(lambda: forced(xf, w, path, data_format="channels_first"))
    assert y.shape == (N, C_OUT, output_length(L, K))
    assert peak <= y.nbytes + SCRATCH


@pytest.mark.parametrize("stride,dilation", [(1, 1), (1, 3), (4, 1)])
def test_channel_major_gather_is_output_plus_bounded_scratch(stride, dilation):
    """Channels-first: the gather builds its columns channel-major, a block at a time
    (all at once they would be N*L*K*C_in*8 bytes = 655 MB or more)."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal((N, C_OUT, L))            # 64 channels in, 4 out
    w = rng.standard_normal((K, C_IN, C_OUT))
    y, peak = peak_of(lambda: forced(x, w, "gather", stride=stride, dilation=dilation,
                                     data_format="channels_first"))
    assert N * L * K * C_OUT * 8 > 8 * (y.nbytes + SCRATCH)
    assert peak <= y.nbytes + SCRATCH, (peak / 2**20, y.nbytes / 2**20)
    want = forced(x[:, :, :300], w, "scatter", stride=stride, dilation=dilation,
                  data_format="channels_first")
    np.testing.assert_allclose(y[:, :, :300], want[:, :, :300], rtol=1e-12, atol=1e-12)


def test_input_conversion_is_blocked_too():
    """Integer input far bigger than the output: no whole converted copy."""
    x = np.ones((1, 3_000_000, 8), dtype=np.int8)        # 24 MB; as float64: 192 MB
    w = np.ones((1, 1, 8))
    y, peak = peak_of(lambda: conv1d_transpose(x, w))
    assert y.dtype == np.float64 and y.shape == (1, 3_000_000, 1)
    assert x.size * 8 > y.nbytes + SCRATCH
    assert peak <= y.nbytes + SCRATCH
    assert np.all(y == 8.0)


def test_float16_result_is_not_built_in_float32_first():
    x = np.ones((1, 2_000_000, 1), dtype=np.float16)
    w = np.full((2, 16, 1), 0.5, dtype=np.float16)
    y, peak = peak_of(lambda: conv1d_transpose(x, w))
    assert y.dtype == np.float16                        # float32 copy would be 2x y
    assert peak <= y.nbytes + SCRATCH
    assert y[0, 0, 0] == 0.5 and y[0, 1, 0] == 1.0


def test_stream_holds_only_the_tail():
    """Streaming: each piece's size plus scratch, never the whole signal."""
    rng = np.random.default_rng(1)
    w = rng.standard_normal((K, C_OUT, C_IN))
    stream = Conv1DTransposeStream(w, stride=2, padding="same")
    chunk = rng.standard_normal((1, 20000, C_IN))

    def run():
        biggest = 0
        for _ in range(4):
            biggest = max(biggest, stream.feed(chunk).nbytes)
        return biggest

    biggest, peak = peak_of(run)
    assert peak <= 2 * biggest + SCRATCH


# --------------------------------------------------------------------------- #
# Every entry point and every path, over random shapes that stress the bound. #
# --------------------------------------------------------------------------- #
@st.composite
def stressing_shapes(draw):
    """``(n, length, c_in, c_out, k, stride, dilation, groups)``: huge strides, long
    kernels on short inputs, one sample, one channel, many channels, or anything."""
    kind = draw(st.sampled_from(["huge stride", "long kernel", "one sample",
                                 "one channel", "many channels", "any"]))
    n = draw(st.integers(1, 4))
    length = draw(st.integers(1, 3000))
    c_in, c_out = draw(st.integers(1, 32)), draw(st.integers(1, 32))
    k, s, d = draw(st.integers(1, 16)), draw(st.integers(1, 8)), draw(st.integers(1, 3))
    if kind == "huge stride":
        s, d, length = draw(st.integers(500, 5000)), 1, draw(st.integers(1, 64))
        k = draw(st.sampled_from([1, 3, s, 2 * s]))
        c_in = c_out = 64
    elif kind == "long kernel":
        k, length = draw(st.integers(1000, 8192)), draw(st.integers(1, 32))
        s = draw(st.integers(1, 4))
    elif kind == "one sample":
        n, length = 1, 1
        k = draw(st.integers(1, 4096))
    elif kind == "one channel":
        c_in = c_out = 1
        length = draw(st.integers(1, 200_000))
    elif kind == "many channels":
        c_in, c_out = draw(st.integers(256, 512)), draw(st.integers(256, 512))
        k, length = draw(st.integers(1, 4)), draw(st.integers(1, 300))
    g = draw(st.sampled_from([g for g in (1, 2, 4) if c_in % g == 0 and c_out % g == 0]))
    return n, length, c_in, c_out, k, s, d, g


def arrays_for(shape, seed=0):
    n, length, c_in, c_out, k, s, d, g = shape
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, length, c_in)), rng.standard_normal((k, c_out // g, c_in))


@settings(max_examples=25, deadline=None)
@given(shape=stressing_shapes(), layout=st.sampled_from(["channels_last", "channels_first"]))
# A long dilated kernel on a 3-sample input: the stream's carried tail is 16 MiB, and
# holding it three times at once (accumulator, old carry, new carry) broke the bound.
@example(shape=(4, 3, 1, 31, 5639, 1, 3, 1), layout="channels_last")
@example(shape=(4, 32, 32, 32, 8192, 4, 3, 1), layout="channels_last")   # stream state: 36 MiB
def test_every_path_of_every_entry_point_is_output_plus_bounded_scratch(shape, layout):
    n, length, c_in, c_out, k, s, d, g = shape
    x, w = arrays_for(shape)
    # the forward paths and the VJP in either layout (channels-first: the gather runs
    # channel-major at stride 1); conv1d and the stream channels-last
    x_in = x if layout == "channels_last" else np.ascontiguousarray(x.transpose(0, 2, 1))
    problem = prepare(x_in, w, s, "same", dilation=d, groups=g, data_format=layout)
    geom = problem.geometry
    runs = [(None, {})] + engine.candidates(geom, c_in, c_out, g, n)
    for path, options in runs:
        y, peak = peak_of(lambda: engine.compute(problem, path, **options))
        assert peak <= y.nbytes + SCRATCH, (path, options, peak / 2**20, y.nbytes / 2**20)
    dy = np.ones_like(y)
    grads, peak = peak_of(lambda: conv1d_transpose_vjp(dy, x_in, w, s, "same", dilation=d,
                                                       groups=g, data_format=layout))
    assert peak <= sum(a.nbytes for a in grads) + SCRATCH, (peak / 2**20, shape)
    if layout == "channels_first":                 # conv1d's input, channels-last
        dy = np.ones((dy.shape[0], dy.shape[2], dy.shape[1]))
    # conv1d is the adjoint: from the long signal back to the short one
    back, peak = peak_of(lambda: conv1d(dy, w, s, "same", dilation=d, groups=g))
    assert peak <= back.nbytes + SCRATCH, (peak / 2**20, shape)
    stream = Conv1DTransposeStream(w, s, "same", dilation=d, groups=g)
    pieces, peak = peak_of(lambda: [stream.feed(x[:, :length // 2]),
                                    stream.feed(x[:, length // 2:]), stream.finish()])
    # A stream also holds its state, the overlap tail and the positions held back
    # because they may be cropped (its Notes), at most three times over: the carried
    # tail, the accumulator that extends it, the held-back outputs.
    tail = max(geom.full_length - length * geom.stride, 0) + max(geom.crop_right, 0)
    state = n * tail * c_out * x.itemsize
    assert peak <= sum(p.nbytes for p in pieces) + SCRATCH + 3 * state, (
        peak / 2**20, state / 2**20, shape)


@pytest.mark.parametrize("shape", [
    (1, 16, 8, 8, 4096, 1, 1, 1),          # a long kernel on a short input
    (1, 8, 16, 16, 4096, 1, 1, 1),
    (1, 64, 64, 64, 4000, 2000, 1, 1),     # a huge stride: gather's weight would be 125 MiB
    (1, 64, 64, 64, 10000, 5000, 1, 1),
])
def test_the_shapes_that_broke_the_bound(shape):
    n, length, c_in, c_out, k, s, d, g = shape
    x, w = arrays_for(shape)
    y, peak = peak_of(lambda: conv1d_transpose(x, w, s))
    assert peak <= y.nbytes + SCRATCH
    grads, peak = peak_of(lambda: conv1d_transpose_vjp(y, x, w, s))
    assert peak <= sum(a.nbytes for a in grads) + SCRATCH
