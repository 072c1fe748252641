"""deconv1d.dask: chunk-exact against the one-shot call, on any chunking, and on a real cluster.

The tolerance is Higham's rigorous bound (``docs/error-bounds.md``): both sides
add the same ``n <= K * C_in / groups + 1`` products per output sample (taps,
channels, bias), each in some order, so each is within
``gamma_n * (|x| * |w| + |bias|)`` of the exact sum and the two are within twice
that of each other, with ``gamma_n = n u / (1 - n u)`` and ``u = 2**-53``.
"""

import pathlib
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import deconv1d
from deconv1d import shapes
from strategies import problems, windows

da = pytest.importorskip("dask.array", reason="dask is an optional extra: pip install \"deconv1d[dask]\"")
import dask  # noqa: E402

from deconv1d.dask import conv1d_transpose, halo  # noqa: E402

UNIT_ROUNDOFF = 2.0**-53


def assert_within_rounding(actual, x, w, kwargs):
    """``actual`` equals the one-shot result to within twice Higham's float64 bound."""
    expected = deconv1d.conv1d_transpose(x, w, **kwargs)
    assert actual.shape == expected.shape and actual.dtype == expected.dtype
    n = w.shape[0] * w.shape[2] // kwargs.get("groups", 1) + 1
    gamma = n * UNIT_ROUNDOFF / (1 - n * UNIT_ROUNDOFF)
    bias = kwargs.get("bias")
    magnitude = deconv1d.conv1d_transpose(
        np.abs(x), np.abs(w), **{**kwargs, "bias": None if bias is None else np.abs(bias)})
    error = np.abs(actual - expected)
    assert np.all(error <= 2 * gamma * magnitude), float(np.max(error - 2 * gamma * magnitude))


def cuts(data, size, most=5):
    """A chunking of ``size`` samples into 1 to ``most + 1`` chunks (sizes >= 1)."""
    inner = data.draw(st.lists(st.integers(1, size - 1), max_size=most, unique=True)) \
        if size > 1 else []
    edges = [0, *sorted(inner), size]
    return tuple(b - a for a, b in zip(edges, edges[1:]))


def blockwise(y):
    """Compute ``y`` block by block, check each block's shape against ``y.chunks``, join them."""
    blocks = y.to_delayed()
    computed = dask.compute(*blocks.ravel(), scheduler="synchronous")
    grid = np.empty(blocks.shape, dtype=object)
    for index, value in zip(np.ndindex(blocks.shape), computed):
        assert value.shape == tuple(y.chunks[a][i] for a, i in enumerate(index))
        grid[index] = value
    return np.block(grid.tolist())


def chunked(data, x, kwargs):
    """``x`` as a dask array chunked along batch, time and (sometimes) channels."""
    time_axis = 1 if kwargs["data_format"] == "channels_last" else 2
    chunks = [cuts(data, x.shape[0], 1), None, None]
    chunks[time_axis] = cuts(data, x.shape[time_axis])
    chunks[3 - time_axis] = cuts(data, x.shape[3 - time_axis], 1)   # rechunked whole
    return da.from_array(x, chunks=tuple(chunks))


@settings(max_examples=60)
@given(problems(max_length=14, max_kernel=6, max_channels=2), st.data())
def test_every_chunking_equals_the_one_shot(problem, data):
    x, w, kwargs = problem
    y = conv1d_transpose(chunked(data, x, kwargs), w, **kwargs)
    assert_within_rounding(blockwise(y), x, w, kwargs)


@settings(max_examples=40)
@given(windows(max_length=14, max_kernel=6, min_crop_left=-5, min_crop_right=-6),
       st.sampled_from(["channels_last", "channels_first"]), st.booleans(), st.data())
def test_windows_with_negative_crops(window, data_format, with_bias, data):
    length, kernel_size, stride, dilation, crop_left, crop_right = window
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    x = rng.standard_normal((2, length, 3))
    if data_format == "channels_first":
        x = np.ascontiguousarray(x.transpose(0, 2, 1))
    w = rng.standard_normal((kernel_size, 2, 3))
    kwargs = dict(stride=stride, padding=shapes.Window(crop_left, crop_right),
                  dilation=dilation, data_format=data_format,
                  bias=rng.standard_normal(2) if with_bias else None)
    y = conv1d_transpose(chunked(data, x, kwargs), w, **kwargs)
    assert_within_rounding(blockwise(y), x, w, kwargs)


def test_dtypes_follow_the_core():
    w = np.ones((3, 2, 1), np.float32)
    for x, expected in [(np.ones((1, 7, 1), np.float32), np.float32),
                        (np.arange(7).reshape(1, 7, 1), np.float64)]:
        y = conv1d_transpose(da.from_array(x, chunks=(1, 3, 1)), w.astype(x.dtype), 2)
        assert y.dtype == expected == y.compute(scheduler="synchronous").dtype
        assert y.compute(scheduler="synchronous").tolist() == \
            deconv1d.conv1d_transpose(x, w.astype(x.dtype), 2).tolist()


def input_blocks_read(y, x):
    """For each output time block of ``y``, the time blocks of ``x`` its graph reaches."""
    graph = dict(y.__dask_graph__())
    reached = {}
    for key in y.__dask_keys__()[0]:
        key = key[0]                       # (name, 0, b, 0): batch block 0, channels_last
        seen, stack = set(), [key]
        while stack:
            for dependency in dask.core.get_dependencies(graph, stack.pop()):
                if dependency[0] == x.name:
                    seen.add(dependency[2])
                elif dependency not in seen:
                    stack.append(dependency)
        reached[key[2]] = sorted(seen)
    return reached


@pytest.mark.parametrize("kernel_size, stride, dilation, chunk", [
    (16, 8, 1, 10),     # halo 1: the tail of the chunk before
    (3, 1, 4, 3),       # halo 8 > chunk 3: tails of three chunks before
    (2, 4, 1, 5),       # halo 0: no neighbour at all
])
def test_each_chunk_reads_only_itself_and_its_halo(kernel_size, stride, dilation, chunk):
    x = da.ones((1, 30, 2), chunks=(1, chunk, 2))
    y = conv1d_transpose(x, np.ones((kernel_size, 1, 2)), stride, dilation=dilation)
    steps = halo(kernel_size, stride, dilation)
    assert steps == -(-((kernel_size - 1) * dilation + 1) // stride) - 1
    for b, read in input_blocks_read(y, x).items():
        first = max(b * chunk - steps, 0) // chunk
        assert read == list(range(first, b + 1))


def test_import_deconv1d_does_not_import_dask():
    code = "import sys, deconv1d; print('dask' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize("call, message", [
    (lambda: conv1d_transpose(da.ones((4, 3)), np.ones((2, 1, 3))), "`x` must be rank 3"),
    (lambda: conv1d_transpose(da.ones((1, 4, 3)), np.ones((2, 1, 3)), stride=0),
     "stride=0"),
    (lambda: conv1d_transpose(da.ones((1, 4, 3)), np.ones((2, 1, 2))), "`w`"),
    (lambda: conv1d_transpose(da.ones((1, 4, 3)), np.ones((2, 1, 3)), padding="causal"),
     "padding='causal'"),
    (lambda: conv1d_transpose(da.ones((1, 4, 3)), np.ones((2, 1, 3)), data_format="NCL"),
     "data_format='NCL'"),
])
def test_bad_arguments_are_named_before_any_graph(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_on_a_local_cluster_of_two_worker_processes():
    distributed = pytest.importorskip("distributed",
                                      reason="distributed is part of deconv1d[dask]")
    rng = np.random.default_rng(15)
    x = rng.standard_normal((3, 4000, 4))
    w = rng.standard_normal((7, 5, 4))
    kwargs = dict(stride=3, padding="same", output_padding=1, bias=rng.standard_normal(5))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  memory_limit="512MiB", dashboard_address=None,
                                  silence_logs=50) as cluster, \
            distributed.Client(cluster) as client:
        y = conv1d_transpose(da.from_array(x, chunks=(2, 700, 4)), w, **kwargs)
        assert len(client.scheduler_info()["workers"]) == 2
        actual = client.compute(y).result()
    assert_within_rounding(actual, x, w, kwargs)


def test_the_scale_benchmark_runs_quick(tmp_path):
    pytest.importorskip("distributed", reason="distributed is part of deconv1d[dask]")
    pytest.importorskip("psutil", reason="the benchmark samples worker memory with psutil")
    script = pathlib.Path(__file__).parent.parent / "benchmarks" / "dask_scale.py"
    result = subprocess.run([sys.executable, str(script), "--quick", "--dir", str(tmp_path)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "workers lost or restarted: 0" in result.stdout
    assert list(tmp_path.iterdir()) == []          # the .npy files are cleaned up
