"""The 1-D transposed convolution of a chunked ``dask.array``: signals and batches beyond one machine.

:func:`conv1d_transpose` takes the arguments of :func:`deconv1d.conv1d_transpose`
and a ``dask.array`` chunked along batch and time, and returns a lazy
``dask.array`` with known chunks.  There is no global step: output chunk ``b``
is computed from input chunk ``b`` and the last

    halo = ceil(dk / s) - 1 = (dk - 1) // s,        dk = (K - 1) * dilation + 1

input samples before it (the *tail* of the chunk or chunks before it), so a
scheduler can stream a signal of any length through workers of bounded memory.

How: input sample ``i`` lands on positions ``i*s ... i*s + dk - 1`` of the full
scatter (``docs/window.md``).  Input chunk ``b``, covering samples
``[a_b, a_{b+1})``, owns the full-scatter positions ``[a_b * s, a_{b+1} * s)``
(the last chunk also owns everything after them); only inputs
``a_b - halo ... a_{b+1} - 1`` reach those positions.  Each chunk runs the
one-shot :func:`deconv1d.conv1d_transpose` on that stretch of input with
``padding=shapes.Window(...)`` chosen to keep exactly its own positions,
clipped to the window the caller's ``padding`` and ``output_padding`` keep.
Every output sample is therefore the same sum of the same products as in the
one-shot call, possibly added in another order: equal to rounding.

This module needs the optional extra ``pip install "deconv1d[dask]"``
(``dask[array]`` and ``distributed``); ``import deconv1d`` never imports it.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

try:  # absolute imports: this is the real dask, not this module
    import dask.array as da
    from dask.base import tokenize
    from dask.highlevelgraph import HighLevelGraph
except ImportError as error:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "deconv1d.dask needs dask: pip install \"deconv1d[dask]\" "
        "(or: pip install \"dask[array]\" distributed)"
    ) from error

from . import shapes
from . import conv1d_transpose as _one_shot

__all__ = ["conv1d_transpose", "halo"]


def halo(kernel_size: int, stride: int = 1, dilation: int = 1) -> int:
    """Input samples, before a chunk, that reach that chunk's output: ``ceil(dk / s) - 1``.

    Parameters
    ----------
    kernel_size, stride, dilation : int
        ``K``, ``s`` and ``d``; ``dk = (K - 1) * d + 1``.

    Returns
    -------
    int

    Examples
    --------
    >>> halo(16, stride=8)           # a vocoder's upsampling layer: one sample back
    1
    >>> halo(3, stride=1, dilation=4)
    8
    """
    kernel_size = shapes.check_int("kernel_size", kernel_size, minimum=1)
    stride = shapes.check_int("stride", stride, minimum=1)
    dilation = shapes.check_int("dilation", dilation, minimum=1)
    return (shapes.effective_kernel_size(kernel_size, dilation) - 1) // stride


def conv1d_transpose(x: da.Array | npt.ArrayLike, w: npt.ArrayLike, stride: int = 1,
                     padding: shapes.Padding = "valid",
                     output_padding: int | None = None, *, dilation: int = 1,
                     groups: int = 1, data_format: str = "channels_last",
                     bias: npt.ArrayLike | None = None) -> da.Array:
    """Lazy 1-D transposed convolution of a ``dask.array``, chunk by chunk.

    The arguments and the result are those of :func:`deconv1d.conv1d_transpose`
    (Keras semantics; every padding form, ``output_padding``, stride, dilation,
    groups, both data formats, bias); only ``x`` and the result are dask arrays.

    Parameters
    ----------
    x : dask.array.Array, shape (N, L, C_in) or (N, C_in, L)
        Chunked along batch and time, any chunk sizes.  The channels must be one
        chunk: if they are not, they are rechunked to one (a rechunk in the
        graph, which moves data between workers; chunk the channels whole when
        creating ``x`` to avoid it).  Time chunks of length 0 are merged away.
        A NumPy array is wrapped as one chunk.
    w : array_like, shape (K, C_out // groups, C_in)
        Kernel in Keras layout, held in memory and sent once to each worker.
    stride, padding, output_padding, dilation, groups, data_format, bias
        As :func:`deconv1d.conv1d_transpose`; ``padding`` may be a
        :class:`deconv1d.shapes.Window`, negative crops included.

    Returns
    -------
    y : dask.array.Array, shape (N, L_out, C_out) or (N, C_out, L_out)
        Lazy, with known chunks: the batch chunks of ``x``; along time, chunk
        ``b`` holds output positions ``a_b * s - crop_left ... a_{b+1} * s -
        crop_left`` (``a_b`` the first input sample of chunk ``b``), clipped to
        ``[0, L_out)``, so a chunk may be empty when the window crops it away.
        Its computed value equals the one-shot result to rounding.

    Raises
    ------
    TypeError, ValueError
        On a bad argument, naming it and the value received, before any graph
        is built.

    Notes
    -----
    Output chunk ``b`` depends on input chunk ``b`` and on small *tail* tasks of
    the chunks before it (their last :func:`halo` samples), never on the whole
    signal; peak memory per task is about one input chunk and one output chunk.

    Examples
    --------
    >>> import dask.array as da
    >>> import deconv1d
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((2, 100, 3))
    >>> w = rng.standard_normal((5, 4, 3))
    >>> y = conv1d_transpose(da.from_array(x, chunks=(1, 30, 3)), w, stride=2,
    ...                      padding="same")
    >>> y.chunks                     # "same" crops 1 at the start: 60 - 1, ..., 200 - 179
    ((1, 1), (59, 60, 60, 21), (4,))
    >>> one_shot = deconv1d.conv1d_transpose(x, w, stride=2, padding="same")
    >>> bool(np.allclose(y.compute(scheduler="synchronous"), one_shot, rtol=0, atol=1e-12))
    True
    """
    data_format = shapes.check_data_format(data_format)
    signal: da.Array = x if isinstance(x, da.Array) else da.asarray(x)
    if signal.ndim != 3:
        layout = "(N, L, C_in)" if data_format == "channels_last" else "(N, C_in, L)"
        raise ValueError(
            f"`x` must be rank 3, {layout} for {data_format}. "
            f"Received: x with shape {signal.shape}"
        )
    if any(np.isnan(size) for size in signal.shape):
        raise ValueError(
            "`x` must have known chunk sizes (call x.compute_chunk_sizes() first). "
            f"Received: x with shape {signal.shape}"
        )
    time_axis, channel_axis = (1, 2) if data_format == "channels_last" else (2, 1)
    w = np.asarray(w)
    bias = None if bias is None else np.asarray(bias)
    # A one-sample probe through the core checks w, bias, groups and the dtype
    # against x's channels (the core's own messages) and gives the result dtype.
    probe = [1, 1, 1]
    probe[channel_axis] = signal.shape[channel_axis]
    dtype = _one_shot(np.zeros(probe, dtype=signal.dtype), w, 1, "valid", None,
                      dilation=dilation, groups=groups, data_format=data_format,
                      bias=bias).dtype
    length = signal.shape[time_axis]
    geometry = shapes.geometry(length, w.shape[0], stride, padding, output_padding,
                               dilation)
    stride = geometry.stride
    steps = halo(w.shape[0], stride, geometry.dilation)

    signal = signal.rechunk({channel_axis: -1, time_axis: _nonzero(signal.chunks[time_axis])})
    time_chunks = signal.chunks[time_axis]
    starts = [0, *itertools.accumulate(time_chunks)]          # a_0 ... a_B = L
    first, last = geometry.crop_left, geometry.crop_left + geometry.output_length
    # Full-scatter positions owned by output chunk b: [owned[b], owned[b + 1]).
    owned = [first, *(min(max(a * stride, first), last) for a in starts[1:-1]), last]
    groups = shapes.check_int("groups", groups, minimum=1)
    c_out = w.shape[1] * groups
    out_time = tuple(b - a for a, b in zip(owned, owned[1:]))
    out_chunks: list[tuple[int, ...]] = [signal.chunks[0], (), ()]
    out_chunks[time_axis] = out_time
    out_chunks[channel_axis] = (c_out,)

    token = tokenize(signal.name, w, bias, stride, geometry.window, geometry.dilation,
                     groups, data_format)
    name = f"conv1d_transpose-{token}"
    tail_name = f"conv1d_transpose-tail-{token}"
    w_key, bias_key = f"conv1d_transpose-w-{token}", f"conv1d_transpose-bias-{token}"
    graph: dict = {w_key: w, bias_key: bias}

    def block(prefix: str, n: int, b: int) -> tuple:
        """The key of block (n, b) of an array named ``prefix`` laid out like ``x``."""
        return (prefix, n, b, 0) if time_axis == 1 else (prefix, n, 0, b)

    for n, batch in enumerate(signal.chunks[0]):
        if steps:
            for b in range(len(time_chunks) - 1):
                graph[(tail_name, n, b)] = (
                    functools.partial(_tail, steps=steps, axis=time_axis),
                    block(signal.name, n, b))
        for b in range(len(time_chunks)):
            low = max(starts[b] - steps, 0)               # first input sample needed
            earlier = [j for j in range(b) if starts[j + 1] > low]
            begin = min((max(starts[j], starts[j + 1] - steps) for j in earlier),
                        default=starts[b])                # first sample of the tails
            shape = [batch, 0, 0]
            shape[time_axis], shape[channel_axis] = out_time[b], c_out
            piece = functools.partial(
                _piece, axis=time_axis, skip=low - begin,
                crop_left=owned[b] - low * stride, shape=tuple(shape), dtype=dtype,
                stride=stride, dilation=geometry.dilation,
                effective_kernel=geometry.effective_kernel, groups=groups,
                data_format=data_format)
            inputs = [(tail_name, n, j) for j in earlier] + [block(signal.name, n, b)]
            graph[block(name, n, b)] = (piece, inputs, w_key, bias_key)
    layers = HighLevelGraph.from_collections(
        name, graph, dependencies=[signal])  # type: ignore[list-item]  # dask declares __dask_scheduler__ a staticmethod
    return da.Array(layers, name, tuple(out_chunks), meta=np.empty((0, 0, 0), dtype))


def _nonzero(chunks: Sequence[int]) -> tuple[int, ...]:
    """``chunks`` without its empty chunks (one empty chunk if all are)."""
    return tuple(c for c in chunks if c) or (0,)


def _tail(block: np.ndarray, *, steps: int, axis: int) -> np.ndarray:
    """The last ``steps`` samples of ``block`` along ``axis`` (all of it if shorter)."""
    size = block.shape[axis]
    return block.take(range(max(size - steps, 0), size), axis=axis)


def _piece(inputs: list[np.ndarray], w: np.ndarray, bias: np.ndarray | None, *,
           axis: int, skip: int, crop_left: int, shape: tuple[int, int, int],
           dtype: np.dtype, stride: int, dilation: int, effective_kernel: int,
           groups: int, data_format: str) -> np.ndarray:
    """One output chunk: the core on the tails and the chunk, through its own window.

    ``inputs`` are the tails of the chunks before (their first ``skip`` samples
    are not needed) and the chunk itself; ``crop_left`` is the first kept
    position of their full scatter, and ``shape`` the chunk's output shape.
    """
    if shape[axis] == 0 or shape[0] == 0:
        return np.zeros(shape, dtype)
    x = np.concatenate(inputs, axis=axis) if len(inputs) > 1 else inputs[0]
    if skip:
        x = x.take(range(skip, x.shape[axis]), axis=axis)
    full_length = (x.shape[axis] - 1) * stride + effective_kernel
    window = shapes.Window(crop_left, full_length - crop_left - shape[axis])
    return _one_shot(x, w, stride, window, None, dilation=dilation, groups=groups,
                     data_format=data_format, bias=bias)
