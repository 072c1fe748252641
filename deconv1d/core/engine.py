"""The one engine: cache-blocked GEMM paths for the transposed and direct convolutions.

Everything that multiplies arrays in :mod:`deconv1d.core` runs here, under one
block and scratch policy: work is cut into blocks of about ``BLOCK_BYTES`` of
scratch (:func:`block_shape`), and each thread keeps its block-sized scratch
buffers between calls (:func:`scratch`).  Every piece of a full scatter that
reaches an output goes through :class:`Placement`, the one routine that knows
the kept window (clipping, bias, zero extension), except on the index path,
for small problems, whose accumulator covers the window (:class:`IndexPlan`).

The transposed convolution
--------------------------
:func:`compute` runs a checked problem (:class:`Problem`, built by
:func:`deconv1d.core.transpose.prepare`) on the path :func:`choose` picks, or
on a forced one: this is the documented seam for tests and benchmarks.

Every path writes the kept window of the full scatter (see :mod:`deconv1d.shapes`)
into a caller-provided output view ``y`` of shape ``(N, L_out, C_out)`` (any
strides, any float dtype: results are cast on the way in), one block at a
time, so scratch memory stays bounded however large ``N * L * K * C_out`` is.
Inputs are converted to the compute dtype block by block too.

``"scatter"``
    col2im: one GEMM per block gives the columns ``cols[n, i, k, f] = sum_c
    x[n, i, c] w[k, f, c]``; each tap ``k`` adds its columns into a small
    accumulator at positions ``i*s + k*d`` (one strided slice add per tap).  The
    accumulator's last ``dk - s`` positions (the overlap tail) are carried to
    the next time block, exactly as :class:`deconv1d.Conv1DTransposeStream` does.
``"scatter_blocks"`` (dilation 1)
    The same, with the taps zero-padded to ``P*s`` (``P = ceil(K / s)``) and
    grouped in ``P`` blocks of ``s``: block ``p`` of input ``i`` is one contiguous
    run of ``s * C_out`` outputs, so there are ``P`` contiguous adds instead of
    ``K`` strided ones.
``"gather"``
    Polyphase, gather form: block ``q`` of the full scatter (positions
    ``q*s + r``, ``0 <= r < s``) is ``sum_p x[q - p] @ w[p*s + r]`` with
    ``P = ceil(K / s)`` phases ``p`` (taps zero-padded to ``P*s``): one GEMM row
    of an im2col matrix built from the *input* (``P * C_in`` wide) against a
    ``(P*C_in, s*C_out)`` matrix.  No overlap-add at all, and in channels-last
    the GEMM writes straight into the output (``s`` consecutive outputs are
    one contiguous run whatever the crop).  With stride 1 and dilation ``d``
    the phases are the taps, ``d`` samples apart.  ``time_batch = B > 1``
    stacks ``B`` blocks per row (a banded block-Toeplitz weight,
    ``(B+P-1)*C_in`` by ``B*s*C_out``): it spends ``(B+P-1)/P`` times the
    multiply-adds to give a GEMM with few channels (one-channel audio)
    something to chew on.  With stride and dilation both above 1, output
    phase ``r`` receives exactly the taps ``k`` with ``k*d = r (mod s)``, and
    those form a stride-1 problem on the input (:func:`phases`): one such
    gather per phase, each writing every ``s``-th output.
``"disjoint"`` (taps that never overlap: ``K <= s / gcd(d, s)``)
    Then every full-scatter position receives at most one product, so each tap's
    GEMM ``x @ w[k]`` is written by BLAS straight into its outputs (every
    ``s``-th, from ``k*d``; the row stride ``s*C_out`` is a valid leading
    dimension): no columns, no accumulator, no adds.  A kernel shorter than the
    stride, ``K = 1`` above all.
``"index"`` (small problems only)
    The whole col2im at once: one GEMM gives every column, and one ``np.bincount``
    adds each into its full-scatter position, from an index array remembered per
    shape.  Offered while the columns and the accumulator each hold at most
    ``INDEX_VALUES`` values; there a call's time goes to NumPy calls, not
    arithmetic, and ``"scatter"`` makes one add per tap plus its block set-up.

The choice
    :func:`candidates` lists the paths (and ``time_batch`` values) that can run a
    problem within the scratch bound (gather's banded weight and the padded
    taps of ``"scatter_blocks"`` grow with the stride: past ``WEIGHT_BYTES``
    they are not offered; ``"scatter"`` always is); :func:`choose` takes the
    cheapest by :func:`path_cost`, a model of GEMM multiply-adds (slower when
    narrow), values moved, NumPy inner loops and calls, whose weights are
    fitted to forced runs (``benchmarks/fit_costs.py``).  ``"scatter"`` adds
    per input instead of per tap when a block has fewer inputs than taps, so a
    long kernel on a short input costs ``L`` adds, not ``K``.

Non-finite inputs
    The block and gather paths multiply structural zeros (padded taps, the
    Toeplitz band, samples outside the input), and ``0 * inf`` is nan, so
    :func:`compute` sends input with a nan or inf to ``"scatter"`` (or leaves it on
    ``"index"`` or ``"disjoint"``, which multiply no structural zeros either), where
    a non-finite value reaches exactly the outputs its taps reach.

The direct convolution
----------------------
:func:`correlate` is ``conv1d`` and the VJP's engine: im2col of a padded
signal (:func:`signal_window` pads it, through :class:`Placement`) and one
GEMM per block, optionally also the kernel gradient from the same columns.
With one group, dilation 1 and ``K`` a multiple of the stride, the signal is
read in place instead, as rows of ``s*C`` samples, by ``K/s`` GEMMs.

References
----------
V. Dumoulin and F. Visin, "A guide to convolution arithmetic for deep learning",
arXiv:1603.07285, section 4 (the transposed convolution as the transpose of a
matrix ``C``; the gather form is its rows, the scatter form its columns).
"""

from __future__ import annotations

import functools
import math
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .geometry import Geometry

__all__ = ["BLOCK_BYTES", "CACHE_BLOCK_BYTES", "INDEX_VALUES", "MAX_BLOCK_BYTES",
           "MIN_ROWS", "NARROW_OUTPUT", "PATHS", "IndexPlan", "Placement", "Problem",
           "block_shape", "by_channel", "candidates", "choose", "columns", "compute",
           "contiguous", "copy_into",
           "correlate", "disjoint_fits", "gemm_kernel", "index_fits", "index_plan",
           "native_kernel", "new_output", "path_cost", "release_scratch", "run",
           "scratch", "signal_window", "tap_columns"]

#: Bytes of scratch per block (columns, or im2col rows plus output rows), for
#: every path and for :func:`correlate`: small enough to stay in the L3 cache
#: and keep scratch bounded, large enough for an efficient GEMM and few BLAS
#: calls (each one a thread fork/join; on a busy 2-core machine 8 MiB beat
#: 2 MiB on every case of the forward benchmark).
BLOCK_BYTES = 8 * 2**20

#: :func:`correlate`'s blocks when each group's output is at most
#: :data:`NARROW_OUTPUT` channels wide.  Such a GEMM does at most that many
#: multiply-adds per column value, so it runs at the speed the columns are read:
#: blocks that stay in a core's L2 cache (1 MiB here) beat 8 MiB ones, which go
#: out to the L3 cache shared with other processes.  Measured on the backward
#: pass of the one-channel case: 0.5-0.6x the time (float64 and float32); with 4
#: channels 0.55-0.9x; with 8, 0.62x in float64 but 1.29x in float32; with 16,
#: 1.0-1.2x.
CACHE_BLOCK_BYTES = 1 * 2**20
NARROW_OUTPUT = 4

#: :func:`correlate`'s GEMMs (inner dimension ``K * C``, output ``D`` wide) need
#: about this many rows to run at full speed whatever ``BLOCK_BYTES`` gives:
#: measured on the backward benchmark (wide, 512 -> 256 channels: 2x slower on a
#: busy machine with blocks of a few hundred rows).  The transposed paths need
#: no floor (8 MiB with none beat the alternatives on the forward benchmark).
MIN_ROWS = 1024
#: Hard bound on one block, whatever ``MIN_ROWS`` asks.  At 24 MiB the first call of a
#: kernel gradient with rows of several MiB (K = 9472, 64 channels, stride 4736) held
#: the gradient plus 69 MiB, beyond the 64 MiB scratch bound; at 16 MiB, 31 MiB.  The
#: wide backward case (rows of 20 KiB, 819 rows a block instead of 1024) is unchanged.
MAX_BLOCK_BYTES = 16 * 2**20

#: The transposed convolution's paths, by name (see the module docstring).
PATHS = ("scatter", "scatter_blocks", "gather", "index", "disjoint")

#: The ``"index"`` path runs a whole problem at once: it is offered only while its
#: columns (``N*L*K*C_out`` products) and its accumulator (the full scatter and the
#: output window, see :func:`index_fits`) each hold at most this many values (512 KiB
#: in float64, with the index as large).
INDEX_VALUES = 1 << 16

#: Scratch below this many bytes is allocated fresh: the allocator reuses such
#: blocks without page faults, and a small call after a pause paid about 40 us for the
#: lookup of a kept one (60 against 18 us for ``np.empty``).
KEEP_BYTES = 1 << 17

_local = threading.local()


def scratch(name: str, shape: Any, dtype: npt.DTypeLike) -> np.ndarray:
    """A reusable scratch array (per thread, per ``name`` and dtype): uninitialised.

    Fresh multi-MiB buffers cost page faults on every call (the allocator
    hands large blocks back to the OS); keeping a block's scratch (buffers from
    :data:`KEEP_BYTES` up
    to ``2 * BLOCK_BYTES`` are kept, a handful of names: a few tens of MiB per
    thread at most) made the decoder case 1.5x faster.  :func:`release_scratch`
    frees them.

    Examples
    --------
    >>> scratch("example", (2, 3), np.float64).shape
    (2, 3)
    """
    dtype = np.dtype(dtype)
    size = math.prod(shape) if isinstance(shape, (tuple, list)) else int(shape)
    if size * dtype.itemsize < KEEP_BYTES:
        return np.empty(shape, dtype)
    store = getattr(_local, "buffers", None)
    if store is None:
        store = _local.buffers = {}
    key = (name, dtype)
    buf = store.get(key)
    if buf is None or buf.size < size:
        buf = np.empty(size, dtype)
        if size * dtype.itemsize <= 2 * BLOCK_BYTES:
            store[key] = buf
    return buf[:size].reshape(shape)


def release_scratch() -> None:
    """Free this thread's kept scratch buffers."""
    _local.buffers = {}


#: :func:`copy_into` copies runs of at most this many bytes as opaque values.  A
#: strided copy of 16384 x 3 windows of ``c`` values from a dilated signal
#: (by runs against ``np.copyto``): float64 runs of 16 bytes 8.4 against
#: 16.8 ms, 64 bytes 4.5 against 6.1, 128 bytes 2.8 against 3.4, 256 bytes 2.1
#: against 2.0; float32 runs of 8 bytes 4.4 against 12.7 ms, 128 bytes 1.6
#: against 2.3, 256 bytes 0.71 against 0.80.
RUN_BYTES = 128
#: ... and only copies of at least this many bytes (the views cost microseconds),
RUN_COPY_BYTES = 1 << 18
#: ... or of at least this many runs: 29 x 887 runs of 2 float32 values (201 KiB,
#: each tap of the disjoint path on 8 -> 2 channels, K=3, s=7) took 71 against
#: 120 us; 4096 runs of 8-64 bytes 0.89-1.08x the time, and 1024 runs 2.4x.
RUN_COUNT = 1 << 14
#: :func:`copy_into` copies a channels-first source whose channels lie a multiple of
#: this many bytes apart this many channels at a time (:func:`_channel_tile`).
ALIAS_BYTES, ALIAS_CHANNELS = 4096, 8


def _channel_tile(dst: np.ndarray, src: np.ndarray) -> int:
    """Channels per piece for a copy into contiguous channels from channels
    ``abs(src.strides[-1])`` bytes apart (a channels-first signal), or 0 for one piece.

    Reading one time step's channels touches one cache line per channel.  When
    they lie a multiple of :data:`ALIAS_BYTES` apart, those lines all fall in one
    set of the first-level cache, which holds 8-12 of them, so with more channels
    they evict one another before the next time step reads them again.  Copying
    :data:`ALIAS_CHANNELS` channels at a time keeps them.  Measured (``copy_into``
    against one ``np.copyto``, the (N, C, L) -> (N, L, C) copy): 8 x 64 x 1024,
    2 x 64 x 8192 and 8 x 64 x 2048 0.20-0.30x the time in float32 and float64,
    4 x 256 x 2048 0.35x (float32) and 0.89x (float64).  Strides that are
    multiples of only 1 or 2 KiB were not helped by any tile (64 x 256 x 256 and
    32 x 512 x 128: 0.9-1.8x), so they are copied in one piece.
    """
    if dst.strides[-1] != dst.itemsize or abs(src.strides[-1]) % ALIAS_BYTES:
        return 0
    return ALIAS_CHANNELS if ALIAS_CHANNELS < src.shape[-1] else 0


def copy_into(dst: np.ndarray, src: np.ndarray) -> None:
    """``np.copyto(dst, src, casting="unsafe")``, made fast for the engine's strided copies.

    Two copies NumPy makes slowly (measured, copies of 256 KiB and up, or of
    :data:`RUN_COUNT` runs and up for the first):

    - **Short contiguous runs.**  NumPy copies one innermost run at a time, and
      a run of a few values (one group's channels, one dilated tap's) costs
      about what a run of hundreds does.  When ``dst`` and ``src`` have one
      shape and dtype and their trailing axes that are contiguous in both make
      runs of at most :data:`RUN_BYTES`, each run is copied as one opaque value
      (a void dtype of the run's bytes), so the innermost loop walks along the
      runs: 0.2-0.8x the time.
    - **A channels-first source whose channels lie a multiple of 4 KiB apart**
      (1024 float32 samples, or 512 float64, or any multiple): its channels
      evict one another from the cache (:func:`_channel_tile`), so the copy
      goes a few channels at a time: 0.2-0.35x the time of one ``np.copyto``.

    ``dst`` must not share memory with ``src`` (the engine copies into scratch or
    into the output): a copy by pieces does not buffer an overlap as NumPy does.

    Examples
    --------
    >>> a = np.arange(24.0).reshape(4, 3, 2)
    >>> b = np.empty((3, 4, 2))
    >>> copy_into(b, a.transpose(1, 0, 2))
    >>> np.array_equal(b, a.transpose(1, 0, 2))
    True
    """
    item = dst.itemsize
    if src.shape != dst.shape or dst.dtype.hasobject or dst.size == 0:
        np.copyto(dst, src, casting="unsafe")
        return
    big = dst.size * item >= RUN_COPY_BYTES
    tile = _channel_tile(dst, src) if big else 0
    if tile:
        for c0 in range(0, dst.shape[-1], tile):
            np.copyto(dst[..., c0:c0 + tile], src[..., c0:c0 + tile], casting="unsafe")
        return
    run, j = item, dst.ndim
    while j > 0 and (dst.shape[j - 1] == 1 or (dst.strides[j - 1] == run
                                               and src.strides[j - 1] == run)):
        run *= dst.shape[j - 1]
        j -= 1
    if (src.dtype != dst.dtype or j == 0 or not item < run <= RUN_BYTES
            or not (big or dst.size * item // run >= RUN_COUNT)):
        # a cast, one run, runs of one value, or a copy too small to gain
        np.copyto(dst, src, casting="unsafe")
        return
    void = np.dtype((np.void, run))
    as_strided = np.lib.stride_tricks.as_strided
    values = run // item
    runs_dst = as_strided(dst, dst.shape[:j] + (values,), dst.strides[:j] + (item,))
    runs_src = as_strided(src, src.shape[:j] + (values,), src.strides[:j] + (item,),
                          writeable=False)
    np.copyto(runs_dst.view(void)[..., 0], runs_src.view(void)[..., 0])


def _copy_window(dst: np.ndarray, src: np.ndarray, first: int, axis: int) -> None:
    """``dst`` = the samples ``first ... first + dst.shape[axis] - 1`` of ``src`` along
    its time ``axis``, zero where they fall outside ``src`` (a block's padded input),
    copied by :func:`copy_into`."""
    before = (slice(None),) * axis
    lo, hi = max(first, 0), min(first + dst.shape[axis], src.shape[axis])
    if lo >= hi:
        dst[...] = 0
        return
    dst[before + (slice(None, lo - first),)] = 0
    copy_into(dst[before + (slice(lo - first, hi - first),)], src[before + (slice(lo, hi),)])
    dst[before + (slice(hi - first, None),)] = 0


def contiguous(a: np.ndarray, dtype: np.dtype, name: str = "rows") -> np.ndarray:
    """``np.ascontiguousarray(a, dtype)``: ``a`` itself when it is one already, else
    a copy by :func:`copy_into` into the kept :func:`scratch` ``name`` (valid until
    the next call with that name in this thread).

    Parameters
    ----------
    a : ndarray, any shape and strides
    dtype : numpy.dtype
    name : str, default "rows"
        The scratch buffer to copy into.

    Returns
    -------
    ndarray, shape of ``a``, C-contiguous, of ``dtype``

    Examples
    --------
    >>> a = np.arange(6.0).reshape(2, 3)
    >>> contiguous(a, np.dtype(np.float64)) is a
    True
    >>> contiguous(a.T, np.dtype(np.float32))
    array([[0., 3.],
           [1., 4.],
           [2., 5.]], dtype=float32)
    """
    if a.dtype == dtype and a.flags.c_contiguous:
        return a
    out = scratch(name, a.shape, dtype)
    copy_into(out, a)
    return out


def new_output(n_batch: int, length: int, channels: int, data_format: str,
               dtype: npt.DTypeLike) -> tuple[np.ndarray, np.ndarray]:
    """A new zeroed output in ``data_format``, and its channels-last view.

    Examples
    --------
    >>> y, y_last = new_output(2, 5, 3, "channels_first", np.float64)
    >>> y.shape, y_last.shape, np.shares_memory(y, y_last)
    ((2, 3, 5), (2, 5, 3), True)
    """
    if data_format == "channels_last":
        out = np.zeros((n_batch, length, channels), dtype)
        return out, out
    out = np.zeros((n_batch, channels, length), dtype)
    return out, out.transpose(0, 2, 1)


def block_shape(n_batch: int, length: int, row_bytes: int,
                block_bytes: int | None = None, min_rows: int = 1) -> tuple[int, int]:
    """``(batch_block, time_block)``: the one block policy.

    A block holds about ``block_bytes`` (default :data:`BLOCK_BYTES`, read at
    call time) of scratch, at ``row_bytes`` per row
    (one time step of one signal): whole signals when they fit (so blocks of
    the input and output stay contiguous and a GEMM can write straight into the
    output), else a run of time steps of one signal; always at least one row,
    and at least ``min_rows`` rows (within ``MAX_BLOCK_BYTES``) for a caller
    whose GEMM needs them to run at full speed.

    Examples
    --------
    >>> block_shape(8, 100, 1000, block_bytes=250_000)     # 250 rows: 2 signals
    (2, 100)
    >>> block_shape(8, 100, 1000, block_bytes=50_000)      # 50 time steps of 1
    (1, 50)
    """
    if block_bytes is None:
        block_bytes = BLOCK_BYTES
    row_bytes = max(row_bytes, 1)
    rows = max(1, min(max(min_rows, block_bytes // row_bytes),
                      MAX_BLOCK_BYTES // row_bytes))
    time_block = max(1, min(length, rows))
    batch_block = max(1, min(n_batch, rows // time_block))
    return batch_block, time_block


# --------------------------------------------------------------------------- #
# The window: the one place that puts pieces of a full scatter into an output. #
# --------------------------------------------------------------------------- #
class Placement:
    """Writes pieces of a full scatter into an output window, plus bias.

    Output position ``o`` of ``y`` holds full-scatter position ``o + first``
    (``first`` is the window's ``crop_left`` for a whole output; later for a
    piece of a stream; negative when zeros come before the scatter).
    :meth:`put` writes a piece, clipped to ``y``; :meth:`close` gives every
    position no piece reached (zero extension at either end) the bias, or zero.
    The pieces put must cover one contiguous run of full positions.

    Parameters
    ----------
    y : ndarray, shape (N, M, C)
        The output (any strides, any dtype: values are cast on the way in).
    first : int
        Full-scatter position of ``y[:, 0]``.
    bias : ndarray, shape (C,), optional

    Examples
    --------
    >>> y = np.empty((1, 6, 1))
    >>> place = Placement(y, first=-1, bias=np.array([10.0]))   # crop_left = -1
    >>> place.put(0, np.array([1.0, 2.0, 3.0]).reshape(1, 3, 1))
    >>> place.put(3, np.array([4.0]).reshape(1, 1, 1))
    >>> place.close()
    >>> y[0, :, 0]
    array([10., 11., 12., 13., 14., 10.])
    """

    def __init__(self, y: np.ndarray, first: int,
                 bias: np.ndarray | None = None) -> None:
        self.y, self.first, self.bias = y, first, bias
        self.start: int | None = None
        self.stop: int | None = None

    def put(self, start: int, piece: np.ndarray) -> None:
        """Write ``piece`` (N, m, C), full positions ``start ... start + m - 1``.

        ``piece`` may also be (N, m, G, C/G), the channels split by group (a
        strided view is copied in one pass, by runs: :func:`copy_into`).
        """
        m = piece.shape[1]
        if m == 0:
            return
        self.start = start if self.start is None else min(self.start, start)
        self.stop = start + m if self.stop is None else max(self.stop, start + m)
        o0 = start - self.first
        lo, hi = max(o0, 0), min(o0 + m, self.y.shape[1])
        if lo >= hi:
            return
        src, dst = piece[:, lo - o0:hi - o0], self.y[:, lo:hi]
        bias = self.bias
        if src.ndim == 4:                    # y's channels seen as (G, C/G): a view
            n, span, channels = dst.shape
            groups = src.shape[2]
            dst = np.lib.stride_tricks.as_strided(
                dst, (n, span, groups, channels // groups),
                dst.strides[:2] + (dst.strides[2] * (channels // groups), dst.strides[2]))
            if bias is not None:
                bias = bias.reshape(groups, channels // groups)
        if bias is None:
            copy_into(dst, src)
        else:
            np.add(src, bias, out=dst, casting="unsafe")

    def close(self) -> None:
        """Positions of ``y`` that no piece reached: the bias (zero without one)."""
        fill = 0 if self.bias is None else self.bias
        size = self.y.shape[1]
        if self.start is None or self.stop is None:
            self.y[...] = fill
            return
        lo = min(max(self.start - self.first, 0), size)
        hi = min(max(self.stop - self.first, 0), size)
        if lo:                  # an empty slice assignment is still a NumPy call
            self.y[:, :lo] = fill
        if hi < size:
            self.y[:, hi:] = fill


def signal_window(a: np.ndarray, crop_left: int, crop_right: int,
                  dtype: npt.DTypeLike) -> np.ndarray:
    """``a[:, crop_left : L - crop_right]`` of a signal ``a`` (N, L, C), zero-extended.

    A negative crop keeps that many zeros beyond that end (a conv's zero
    padding is the window ``(-pad_left, -pad_right)``).  Returns a view of
    ``a`` (never written to) when no zeros are needed and ``a`` already has
    ``dtype`` with contiguous channels; else a new array.

    Examples
    --------
    >>> a = np.arange(1.0, 4.0).reshape(1, 3, 1)
    >>> signal_window(a, -2, 1, np.float64)[0, :, 0]
    array([0., 0., 1., 2.])
    """
    dtype = np.dtype(dtype)
    n_batch, length, channels = a.shape
    if (crop_left >= 0 and crop_right >= 0 and a.dtype == dtype
            and a.strides[2] == dtype.itemsize):
        return a[:, crop_left:max(length - crop_right, crop_left)]
    out = np.empty((n_batch, max(length - crop_left - crop_right, 0), channels), dtype)
    place = Placement(out, crop_left)
    place.put(0, a)
    place.close()
    return out


def native_kernel(w: npt.ArrayLike, dtype: npt.DTypeLike) -> np.ndarray:
    """``w`` as ``dtype``, in a memory order the scatter path reads without a copy.

    Two orders are native: Keras's own, ``(K, C_out / G, C_in)`` C-contiguous,
    and input channel outermost, ``(C_in, K, C_out / G)`` C-contiguous (returned
    as its ``transpose(1, 2, 0)`` view).  A kernel in either comes back as it is
    (converted if its dtype differs, keeping its order); any other (PyTorch's and
    ONNX's ``(C_in, C_out / G, K)`` after ``transpose(2, 1, 0)``) is copied input
    channel by input channel, a small transposition each.  Copied into the Keras
    order instead, a full 3-D transposition, the PyTorch kernel of a 512 -> 256,
    K = 16 layer took about 2x the rest of the convolution.  Callers that hold a
    kernel for several calls (the verifier's float64 reference) convert it here
    once, and the engine then copies nothing.

    Parameters
    ----------
    w : array_like, shape (K, C_out // groups, C_in)
    dtype : dtype

    Returns
    -------
    ndarray, shape (K, C_out // groups, C_in)
        ``w`` itself when it is already native and of ``dtype``.

    Examples
    --------
    >>> torch_weight = np.zeros((4, 3, 5), np.float32)      # (C_in, C_out, K)
    >>> k = native_kernel(torch_weight.transpose(2, 1, 0), np.float64)
    >>> k.shape, k.dtype, k.transpose(2, 0, 1).flags.c_contiguous
    ((5, 3, 4), dtype('float64'), True)
    >>> native_kernel(k, np.float64) is k
    True
    """
    w = np.asarray(w)
    if w.dtype == dtype and w.flags.c_contiguous:
        return w                # the common case first: a small call pays for each step
    by_input = w.transpose(2, 0, 1)
    if w.flags.c_contiguous or by_input.flags.c_contiguous:
        return w.astype(dtype, order="K", copy=False)
    out = np.empty(by_input.shape, dtype)
    np.copyto(out, by_input, casting="unsafe")
    return out.transpose(1, 2, 0)


def by_channel(rows: int, c_out: int, stride: int, kernel_size: int) -> bool:
    """Whether the scatter adds of a chunk of ``rows`` input rows (batch times time)
    run faster channel by channel: only with 2 to :data:`NARROW_OUTPUT` output
    channels and more than one tap (one tap has no overlapping adds).

    Channel by channel, each tap is ``C_out`` adds along time instead of one add over
    runs of ``C_out`` values: more calls, far shorter loops.  Measured (one thread,
    16 input channels, the output placed): at 4096 rows 0.45-0.75x the time with
    2 channels and 0.63-0.97x with 4; at 256 rows 0.84-1.04x and 1.21-1.34x; with
    one tap, 1.1x.  The crossing grows with ``C_out**2``, and is about 4x later at
    stride 1 (where the first tap is a copy either way).

    Examples
    --------
    >>> by_channel(4096, 2, 8, 16), by_channel(256, 4, 2, 16), by_channel(4096, 8, 2, 16)
    (True, False, False)
    """
    return (kernel_size > 1 and 2 <= c_out <= NARROW_OUTPUT
            and rows >= (128 if stride > 1 else 512) * c_out * c_out)


# --------------------------------------------------------------------------- #
# Scatter (col2im) engine, with the overlap tail carried between time blocks. #
# --------------------------------------------------------------------------- #
def gemm_kernel(w: np.ndarray, groups: int) -> np.ndarray:
    """The kernel as the GEMM's right operand: ``(G, C_in / G, K * C_out / G)``.

    A view of ``w`` (K, C_out // groups, C_in) in either of
    :func:`native_kernel`'s orders, which BLAS takes as it is.

    Examples
    --------
    >>> gemm_kernel(np.ones((3, 2, 4)), groups=2).shape
    (2, 2, 6)
    """
    taps, c_out_g, c_in = w.shape
    cin_g = c_in // groups
    if w.flags.c_contiguous:
        return w.reshape(taps * c_out_g, groups, cin_g).transpose(1, 2, 0)
    # native_kernel made (C_in, taps, C_out / G) contiguous
    return w.transpose(2, 0, 1).reshape(groups, cin_g, taps * c_out_g)


def columns(xb: np.ndarray, wg: np.ndarray, taps: int, dtype: np.dtype) -> np.ndarray:
    """``cols[n, i, k, f] = sum_c xb[n, i, c] w[k, f, c]``: every tap's product.

    Parameters
    ----------
    xb : ndarray, shape (n, l, C_in)
        Any dtype (converted to ``dtype``).
    wg : ndarray, shape (G, C_in / G, taps * C_out / G)
        From :func:`gemm_kernel`.
    taps : int
    dtype : dtype
        The compute dtype.

    Returns
    -------
    cols : ndarray, shape (n, l, taps, C_out)
        A view of the kept ``"cols"`` scratch (or, when small, a new array): valid
        until the next call in this thread.

    Examples
    --------
    >>> w = np.arange(6.0).reshape(3, 1, 2)                 # K=3, C_out=1, C_in=2
    >>> columns(np.ones((1, 2, 2)), gemm_kernel(w, 1), 3, np.dtype(np.float64))[0, 0, :, 0]
    array([1., 5., 9.])
    """
    n, length, c_in = xb.shape
    groups = wg.shape[0]
    c_out = wg.shape[2] // taps * groups
    rows = contiguous(xb, dtype).reshape(n * length, c_in)
    if groups == 1:
        if n * length * c_out * taps * dtype.itemsize < KEEP_BYTES:
            cols = np.matmul(rows, wg[0])        # not kept (see scratch), nor looked up
        else:
            cols = np.matmul(rows, wg[0], out=scratch("cols", (n * length, wg.shape[2]),
                                                     dtype))
        return cols.reshape(n, length, taps, c_out)
    cin_g = c_in // groups
    by_group = np.matmul(rows.reshape(n * length, groups, cin_g).transpose(1, 0, 2), wg,
                         out=scratch("cols_by_group", (groups, n * length, wg.shape[2]),
                                     dtype))
    by_group = by_group.reshape(groups, n, length, taps, c_out // groups)
    cols = scratch("cols", (n, length, taps, c_out), dtype)
    copy_into(cols.reshape(n, length, taps, groups, c_out // groups),
              by_group.transpose(1, 2, 3, 0, 4))
    return cols


def tap_columns(xb: np.ndarray, wg: np.ndarray, taps: int, dtype: np.dtype) -> np.ndarray:
    """:func:`columns` with tap and output channel outermost (one group):
    ``cols[k, f, n, i] = sum_c xb[n, i, c] w[k, f, c]``.

    One GEMM ``(K * C_out, C_in) @ (C_in, n * l)``, so that each tap's channel is
    contiguous along time.  The scatter's few-channel adds (:func:`by_channel`)
    read it in runs, where :func:`columns` makes each add read one value in
    ``K * C_out``, and every add stream all the columns through the cache.
    Measured (one thread, the adds included), stride above 1: 0.50-0.86x the time
    over five few-channel shapes; stride 1 (where the first tap is a copy either
    way): 1.1-1.2x, so it is not used there.

    Parameters
    ----------
    xb : ndarray, shape (n, l, C_in)
    wg : ndarray, shape (1, C_in, taps * C_out)
        From :func:`gemm_kernel`, one group.
    taps : int
    dtype : dtype

    Returns
    -------
    cols : ndarray, shape (taps, C_out, n, l)
        A view of the kept ``"cols"`` scratch: valid until the next call in this thread.

    Examples
    --------
    >>> w = np.arange(6.0).reshape(3, 1, 2)                 # K=3, C_out=1, C_in=2
    >>> tap_columns(np.ones((1, 2, 2)), gemm_kernel(w, 1), 3, np.dtype(np.float64))[:, 0, 0, 0]
    array([1., 5., 9.])
    """
    n, length, c_in = xb.shape
    rows = contiguous(xb, dtype).reshape(n * length, c_in)
    cols = np.matmul(wg[0].T, rows.T, out=scratch("cols", (wg.shape[2], n * length), dtype))
    return cols.reshape(taps, wg.shape[2] // taps, n, length)


class Scatter:
    """col2im over consecutive time chunks of one batch block.

    ``step(x_chunk)`` returns the full-scatter positions made final by that
    chunk (``l * stride`` of them, starting at ``i0 * stride`` for a chunk that
    starts at input ``i0``); ``tail()`` returns the positions after the last
    input.  The returned arrays are views of an internal buffer, valid until
    the next call.

    Parameters
    ----------
    w : ndarray, shape (K, C_out // groups, C_in)
    stride, dilation, groups : int
    dtype : dtype
        The compute dtype.
    blocks : bool, default False
        The ``"scatter_blocks"`` variant (dilation 1 only).

    Without ``blocks``, a chunk that :func:`by_channel` picks (2 to
    :data:`NARROW_OUTPUT` output channels, enough input rows, at least as many as
    taps) is accumulated channel by channel, ``(n, C_out, positions)``, so that each
    add runs along time instead of over a run of 2-4 values; ``step`` then returns a
    transposed view.  The carried tail is channels-last either way.
    """

    def __init__(self, w: npt.ArrayLike, stride: int, dilation: int, groups: int,
                 dtype: npt.DTypeLike, blocks: bool = False) -> None:
        self.dtype = np.dtype(dtype)
        w = native_kernel(w, self.dtype)
        kernel_size, c_out_g, c_in = w.shape
        self.stride, self.dilation, self.groups = stride, dilation, groups
        self.kernel_size = kernel_size
        self.c_out = c_out_g * groups
        self.blocks = blocks
        if blocks:
            if dilation != 1:
                raise ValueError("the blocks variant needs dilation 1")
            self.n_blocks = -(-kernel_size // stride)
            if self.n_blocks * stride != kernel_size:     # pad the taps (a copy)
                padded = np.zeros((self.n_blocks * stride, c_out_g, c_in), self.dtype)
                padded[:kernel_size] = w
                w = padded
            self.tail_len = (self.n_blocks - 1) * stride
        else:
            self.tail_len = max((kernel_size - 1) * dilation + 1 - stride, 0)
        self.taps = w.shape[0]
        self.w = gemm_kernel(w, groups)
        self.carry: np.ndarray | None = None

    def row_bytes(self, c_in: int) -> int:
        """Scratch per input sample: its columns, accumulator rows and converted input."""
        return (self.taps * self.c_out + self.stride * self.c_out + c_in) * self.dtype.itemsize

    def reset(self) -> None:
        self.carry = None

    def step(self, xb: np.ndarray) -> np.ndarray:
        """The full positions made final by the chunk ``xb`` (n, l, C_in)."""
        n, length, _ = xb.shape
        s, d = self.stride, self.dilation
        tail = self.tail_len
        if not self.blocks and length >= self.kernel_size and \
                by_channel(n * length, self.c_out, s, self.kernel_size):
            if s > 1 and self.groups == 1:
                return self._step_by_channel(
                    tap_columns(xb, self.w, self.taps, self.dtype), n, length, True)
            return self._step_by_channel(columns(xb, self.w, self.taps, self.dtype),
                                         n, length, False)
        cols = columns(xb, self.w, self.taps, self.dtype)
        acc = scratch("acc", (n, length * s + tail, self.c_out), self.dtype)
        if self.blocks:
            acc_b = acc.reshape(n, length + self.n_blocks - 1, s * self.c_out)
            cols_b = cols.reshape(n, length, self.n_blocks, s * self.c_out)
            acc_b[:, :length] = cols_b[:, :, 0]
            acc_b[:, length:] = 0
            if self.carry is not None:
                acc[:, :tail] += self.carry
            for p in range(1, self.n_blocks):
                acc_b[:, p:p + length] += cols_b[:, :, p]
        else:
            if s == 1:
                acc[:, :length] = cols[:, :, 0]
                acc[:, length:] = 0
                first = 1
            else:
                acc[...] = 0
                first = 0
            if self.carry is not None:
                acc[:, :tail] += self.carry
            if length < self.kernel_size - first:
                # Fewer inputs than taps (a long kernel on a short block): one
                # strided add per input, all its taps at once.
                span = (self.kernel_size - 1) * d + 1
                for i in range(length):
                    start = i * s + first * d
                    acc[:, start:i * s + span:d] += cols[:, i, first:]
            else:
                for k in range(first, self.kernel_size):
                    start = k * d
                    acc[:, start:start + (length - 1) * s + 1:s] += cols[:, :, k]
        self._keep(acc[:, length * s:])
        return acc[:, :length * s]

    def _keep(self, rest: np.ndarray) -> None:
        """Carry ``rest`` (n, tail, C_out) to the next chunk: into the carried buffer
        when it has that shape, so that a long tail (a long dilated kernel: N * (K - 1)
        * d * C_out values) is held twice at most, the accumulator and the carry,
        never three times."""
        if self.carry is not None and self.carry.shape == rest.shape:
            np.copyto(self.carry, rest)
        else:
            self.carry = rest.copy()       # never a view of the scratch accumulator

    def _step_by_channel(self, cols: np.ndarray, n: int, length: int,
                         tap_major: bool) -> np.ndarray:
        """:meth:`step` with the accumulator channel by channel (few output channels,
        at least as many inputs as taps), from :func:`columns` or, ``tap_major``,
        :func:`tap_columns` (stride above 1 only)."""
        s, d, tail = self.stride, self.dilation, self.tail_len
        def piece(k: int, c: int) -> np.ndarray:
            return cols[k, c] if tap_major else cols[:, :, k, c]
        acc = scratch("acc", (n, self.c_out, length * s + tail), self.dtype)
        channels = range(self.c_out)
        if s == 1:
            for c in channels:
                acc[:, c, :length] = piece(0, c)
            acc[:, :, length:] = 0
            first = 1
        else:
            acc[...] = 0
            first = 0
        if self.carry is not None:
            acc[:, :, :tail] += self.carry.transpose(0, 2, 1)
        for k in range(first, self.kernel_size):
            start = k * d
            for c in channels:
                acc[:, c, start:start + (length - 1) * s + 1:s] += piece(k, c)
        self._keep(acc[:, :, length * s:].transpose(0, 2, 1))
        return acc[:, :, :length * s].transpose(0, 2, 1)

    def tail(self, n: int) -> np.ndarray:
        """The ``tail_len`` positions after the last input (zeros if none came)."""
        if self.carry is None:
            return np.zeros((n, self.tail_len, self.c_out), self.dtype)
        return self.carry


def scatter(x, w, geom, groups, y, bias, dtype, blocks=False, block_bytes=None):
    """col2im path: write the transposed convolution of ``x`` into ``y``."""
    n_batch, length, c_in = x.shape
    s = geom.stride
    engine = Scatter(w, s, geom.dilation, groups, dtype, blocks=blocks)
    batch_block, time_block = block_shape(n_batch, length, engine.row_bytes(c_in),
                                          block_bytes)
    if bias is not None:
        bias = np.asarray(bias, dtype=engine.dtype)
    for n0 in range(0, n_batch, batch_block):
        n1 = min(n_batch, n0 + batch_block)
        engine.reset()
        place = Placement(y[n0:n1], geom.crop_left, bias)
        for i0 in range(0, length, time_block):
            place.put(i0 * s, engine.step(x[n0:n1, i0:i0 + time_block]))
        place.put(length * s, engine.tail(n1 - n0))
        place.close()


# --------------------------------------------------------------------------- #
# Index path: a small problem at once.                                         #
# --------------------------------------------------------------------------- #
def index_fits(geom: Geometry, c_out: int, n_batch: int) -> bool:
    """Whether the ``"index"`` path takes this problem: its columns
    (``N * L * K * C_out``) and its accumulator (the full scatter and the output
    window, ``N * span * C_out``) each at most :data:`INDEX_VALUES` values.

    Examples
    --------
    >>> from deconv1d import shapes
    >>> index_fits(shapes.geometry(100, 8, 4), 8, 2), index_fits(shapes.geometry(10**4, 8, 4), 8, 2)
    (True, False)
    """
    return (n_batch * geom.length * geom.kernel_size * c_out <= INDEX_VALUES
            and n_batch * _index_span(geom)[1] * c_out <= INDEX_VALUES)


def _index_span(geom: Geometry) -> tuple[int, int]:
    """``(shift, span)``: the index accumulator's position ``shift + j`` holds full-scatter
    position ``j``, and its ``span`` positions cover both the full scatter and the
    output window (whose zeros beyond either end are accumulator positions no
    product reaches)."""
    shift = max(-geom.crop_left, 0)
    return shift, shift + max(geom.full_length, geom.crop_left + geom.output_length)


@dataclass(frozen=True)
class IndexPlan:
    """The index path for one problem shape: where each product goes.

    The whole col2im is one ``np.bincount`` of the columns into an accumulator
    ``(N, span, C_out)`` that covers the output window, so the window is a slice.
    Made by :func:`index_plan`, which remembers it per shape.

    Attributes
    ----------
    positions : ndarray, shape (N * L * K * C_out,)
        Flat accumulator position of ``cols[n, i, k, f]``:
        ``(n * span + shift + i*s + k*d) * C_out + f``.  Shared, so never written;
        not marked read-only, which ``np.bincount`` takes 7x slower (NumPy 2.4: 312
        against 44 us for 37760 values).
    n_batch, span, c_out : int
        The accumulator's shape.
    start, output_length : int
        The output window ``acc[:, start : start + output_length]``.
    """

    positions: np.ndarray
    n_batch: int
    span: int
    c_out: int
    start: int
    output_length: int

    def window(self, x: np.ndarray, w: np.ndarray, groups: int,
               dtype: np.dtype) -> np.ndarray:
        """The output window ``(N, L_out, C_out)`` of the transposed convolution of
        ``x`` (N, L, C_in) by ``w`` (K, C_out // groups, C_in), without bias: a view
        of a new accumulator.

        The sums are taken in float64 for float32 and float64 (float32 columns
        copied into kept float64 scratch), in ``dtype`` by ``np.add.at`` for the
        dtypes ``np.bincount`` cannot sum (complex, long double).
        """
        w = native_kernel(w, dtype)
        cols = columns(x, gemm_kernel(w, groups), w.shape[0], dtype).ravel()
        size = self.n_batch * self.span * self.c_out
        if dtype == np.float64:
            acc = np.bincount(self.positions, cols, size)
        elif dtype == np.float32:
            # np.bincount's own float64 copy of the weights is fresh memory each call
            # (page faults: 8 against 1.3 ns a value at 2**16 values); a kept one is not
            weights = scratch("index", cols.size, np.float64)
            np.copyto(weights, cols)
            acc = np.bincount(self.positions, weights, size)
        else:
            acc = np.zeros(size, dtype)
            np.add.at(acc, self.positions, cols)
        return acc.reshape(self.n_batch, self.span, self.c_out)[
            :, self.start:self.start + self.output_length]

    def write(self, x: np.ndarray, w: np.ndarray, groups: int, dtype: np.dtype,
              y: np.ndarray, bias: np.ndarray | None) -> None:
        """Write :meth:`window` plus ``bias`` into ``y`` (N, L_out, C_out), any dtype."""
        window = self.window(x, w, groups, dtype)
        if bias is None:
            np.copyto(y, window, casting="unsafe")
        else:
            np.add(window, np.asarray(bias, dtype=dtype), out=y, casting="unsafe")

    def output(self, x: np.ndarray, w: np.ndarray, groups: int, dtype: np.dtype,
               bias: np.ndarray | None, data_format: str,
               result: np.dtype) -> np.ndarray:
        """:meth:`write` into a new output in ``data_format`` and ``result`` dtype,
        made by the last operation itself (a small call after a pause paid about
        40 us for allocating the output and copying into it).

        ``x`` is channels-last; the sums and their rounding are those of
        :meth:`write`.
        """
        y = self.window(x, w, groups, dtype)
        if bias is not None:
            y = y + np.asarray(bias, dtype=dtype)   # in the window's dtype, as write adds
        if data_format != "channels_last":
            y = y.transpose(0, 2, 1)
        # A C-ordered window of the result dtype is returned as it is: a view of the
        # new accumulator, which nothing else holds.
        return y.astype(result, order="C", copy=False)


@functools.lru_cache(maxsize=64)
def index_plan(geom: Geometry, c_out: int, n_batch: int) -> IndexPlan:
    """The :class:`IndexPlan` of one problem shape (remembered: at most 64 of at
    most :data:`INDEX_VALUES` positions each, 32 MiB).

    Raises
    ------
    ValueError
        When the problem is too large for the index path (:func:`index_fits`).

    Examples
    --------
    >>> from deconv1d import shapes
    >>> plan = index_plan(shapes.geometry(3, 2, stride=2, padding="same"), 1, 1)
    >>> y = np.empty((1, 6, 1))
    >>> plan.write(np.ones((1, 3, 1)), np.array([1.0, 2.0]).reshape(2, 1, 1), 1,
    ...            np.dtype(np.float64), y, None)
    >>> y[0, :, 0]
    array([1., 2., 1., 2., 1., 2.])
    """
    if not index_fits(geom, c_out, n_batch):
        raise ValueError(
            f"the index path takes at most {INDEX_VALUES} products and accumulator "
            f"values. Received: N={n_batch}, L={geom.length}, K={geom.kernel_size}, "
            f"C_out={c_out}, full length {geom.full_length}, output window "
            f"{geom.crop_left}..{geom.crop_left + geom.output_length}")
    shift, span = _index_span(geom)
    time = (np.arange(n_batch)[:, None, None] * span + shift
            + np.arange(0, geom.length * geom.stride, geom.stride)[:, None]
            + np.arange(0, geom.kernel_size * geom.dilation, geom.dilation))
    positions = (time[..., None] * c_out + np.arange(c_out)).ravel()
    return IndexPlan(positions, n_batch, span, c_out, geom.crop_left + shift,
                     geom.output_length)


def index(x, w, geom, groups, y, bias, dtype, block_bytes=None):
    """Index path: the whole col2im at once, for a small problem (one block,
    whatever ``block_bytes`` says): :meth:`IndexPlan.write`.

    One GEMM gives every column; one ``np.bincount`` adds each into its place.
    A small call spends its time in NumPy calls, not arithmetic: ``"scatter"``
    makes one add per tap and a dozen calls to set up its blocks.
    """
    index_plan(geom, w.shape[1] * groups, x.shape[0]).write(
        x, w, groups, np.dtype(dtype), y, bias)


# --------------------------------------------------------------------------- #
# Disjoint path: taps that never overlap.                                      #
# --------------------------------------------------------------------------- #
def disjoint_fits(geom: Geometry) -> bool:
    """Whether no two products land on one full-scatter position.

    Products ``(i, k)`` and ``(i', k')`` meet when ``(k - k')*d = (i' - i)*s``, that
    is when ``k = k' (mod s/g)`` with ``g = gcd(d, s)``: so never when
    ``K <= s/g`` (with dilation 1, a kernel no longer than the stride; one tap
    above all), or with a single input.

    Examples
    --------
    >>> from deconv1d import shapes
    >>> disjoint_fits(shapes.geometry(8, 4, 4)), disjoint_fits(shapes.geometry(8, 5, 4))
    (True, False)
    >>> disjoint_fits(shapes.geometry(8, 4, 4, dilation=3))   # taps at 0, 3, 6, 9 mod 4
    True
    """
    s, d = geom.stride, geom.dilation
    return geom.kernel_size <= s // math.gcd(d, s) or geom.length == 1


#: Below this many kernel columns (``K * C_out / G``), the disjoint path computes every
#: tap in one GEMM and copies each tap's columns into place: a GEMM that narrow runs
#: far below speed (measured forced, one thread: 0.72-0.97x the time of one GEMM per
#: tap at 1-19 columns, 1.07-1.60x at 29-263).
DISJOINT_NARROW = 16


def _disjoint_row_bytes(c_in: int, kernel_size: int, cout_g: int, groups: int,
                        straight: bool, itemsize: int) -> int:
    """Scratch per input row of the disjoint path: its converted input, and its
    columns (narrow kernels) or its temporary product (an output it cannot write
    straight into)."""
    narrow = kernel_size * cout_g < DISJOINT_NARROW
    return (c_in + (kernel_size * cout_g * groups if narrow
                    else 0 if straight else cout_g)) * itemsize


def disjoint(x, w, geom, groups, y, bias, dtype, block_bytes=None):
    """Disjoint path: with ``K <= s / gcd(d, s)`` no outputs overlap, so each tap's GEMM
    ``x @ w[k]`` is written straight into its outputs, every ``s``-th from
    ``k*d``: no columns, no accumulator, no adds.  The outputs no tap reaches keep
    ``y``'s zeros (or get the bias).  With fewer than :data:`DISJOINT_NARROW` kernel
    columns, one GEMM gives every tap's columns and each is copied into place.
    """
    if not disjoint_fits(geom):
        raise ValueError(
            "the disjoint path needs taps that never overlap, K <= stride / "
            f"gcd(dilation, stride) or one input. Received: K={geom.kernel_size}, "
            f"dilation={geom.dilation}, stride={geom.stride}, L={geom.length}")
    n_batch, length, c_in = x.shape
    dtype = np.dtype(dtype)
    s, d, crop, l_out = geom.stride, geom.dilation, geom.crop_left, y.shape[1]
    w = native_kernel(w, dtype)
    kernel_size, cout_g, _ = w.shape
    cin_g = c_in // groups
    straight = y.dtype == dtype and y.strides[2] == dtype.itemsize
    narrow = kernel_size * cout_g < DISJOINT_NARROW
    if bias is not None:
        bias = np.asarray(bias, dtype=dtype)
        y[...] = bias                       # then every product written gets it too
    batch_block, time_block = block_shape(
        n_batch, length,
        _disjoint_row_bytes(c_in, kernel_size, cout_g, groups, straight, dtype.itemsize),
        block_bytes)
    wg = gemm_kernel(w, groups) if narrow else None
    for n0 in range(0, n_batch, batch_block):
        n1 = min(n_batch, n0 + batch_block)
        for i0 in range(0, length, time_block):
            i1 = min(length, i0 + time_block)
            xb = contiguous(x[n0:n1, i0:i1], dtype)
            cols = None
            inside = (i0, i0)                   # inputs whose taps are placed at once
            if wg is not None:                  # every tap in one wider GEMM
                cols = columns(xb, wg, kernel_size, dtype)
                if bias is not None:
                    cols += bias
                inside = _place_taps_at_once(cols, y, i0, i1, n0, n1, s, d, crop)
            for k, lo, hi in _tap_ranges(kernel_size, i0, i1, inside, s, d, crop, l_out):
                o0 = lo * s + k * d - crop
                target = y[n0:n1, o0:o0 + (hi - lo - 1) * s + 1:s]
                if cols is not None:
                    copy_into(target, cols[:, lo - i0:hi - i0, k])
                    continue
                rows = xb[:, lo - i0:hi - i0]
                for g in range(groups):
                    _write_tap(rows[..., g * cin_g:(g + 1) * cin_g],
                               w[k, :, g * cin_g:(g + 1) * cin_g].T,
                               target[..., g * cout_g:(g + 1) * cout_g],
                               None if bias is None else bias[g * cout_g:(g + 1) * cout_g],
                               straight)


def _tap_ranges(kernel_size, i0, i1, inside, stride, dilation, crop, l_out):
    """``(k, lo, hi)``: the inputs ``lo ... hi - 1`` of ``i0 ... i1 - 1`` whose tap
    ``k`` lands inside the output (input ``i`` on ``i*s + k*d - crop``), leaving out
    those in ``inside`` (already placed): at most two ranges a tap."""
    for k in range(kernel_size):
        lo = max(i0, -(-(crop - k * dilation) // stride))
        hi = min(i1, -(-(l_out + crop - k * dilation) // stride))
        for a, b in ((lo, min(hi, inside[0])), (max(lo, inside[1]), hi)):
            if a < b:
                yield k, a, b


def _place_taps_at_once(cols, y, i0, i1, n0, n1, stride, dilation, crop):
    """Copy the narrow disjoint path's columns ``cols`` (n, i1 - i0, K, C_out) of
    inputs ``i0 ... i1 - 1`` into ``y`` in one copy for the inputs all of whose taps
    land inside ``y``, and return their range ``(lo, hi)``; ``(i0, i0)`` when
    that is not possible.

    With dilation 1, input ``i``'s taps land on the ``K`` consecutive outputs from
    ``i*s - crop``: in a channels-last ``y`` with contiguous rows, one run of
    ``K*C_out`` values, which ``cols`` holds contiguous too.  One copy of such
    runs instead of ``K`` copies of runs of ``C_out`` values (8 -> 2 channels,
    K=3, s=7, float32: 0.10 against 0.29 ms for the copies).
    """
    k_size, c_out = cols.shape[2], cols.shape[3]
    item = cols.itemsize
    if (dilation != 1 or y.dtype != cols.dtype or y.strides[2] != item
            or y.strides[1] != c_out * item):
        return i0, i0
    lo = max(i0, -(-crop // stride))                             # first tap at or after 0
    hi = min(i1, (y.shape[1] + crop - k_size) // stride + 1)     # last tap before the end
    if lo >= hi:
        return i0, i0
    start = y[n0:n1, lo * stride - crop:]
    target = np.lib.stride_tricks.as_strided(
        start, shape=(n1 - n0, hi - lo, k_size * c_out),
        strides=(start.strides[0], stride * start.strides[1], item))
    copy_into(target, cols[:, lo - i0:hi - i0].reshape(n1 - n0, hi - lo, k_size * c_out))
    return lo, hi


def _write_tap(rows, wk, target, bias, straight):
    """``target = rows @ wk (+ bias)``: (n, l, C_in/G) @ (C_in/G, C_out/G) into an
    (n, l, C_out/G) view of the output, by BLAS straight into it when its channels
    are contiguous (one GEMM when its rows are too), else through a temporary."""
    n, length, _ = rows.shape
    if not straight:
        res = np.matmul(rows, wk)
        if bias is not None:
            res += bias
        np.copyto(target, res, casting="unsafe")
        return
    if n == 1 or target.flags.c_contiguous:
        np.matmul(rows.reshape(n * length, -1), wk,
                  out=target.reshape(n * length, -1))
    else:
        np.matmul(rows, wk, out=target)
    if bias is not None:
        target += bias


# --------------------------------------------------------------------------- #
# Gather (polyphase) path.                                                     #
# --------------------------------------------------------------------------- #
def phases(kernel_size: int, stride: int, dilation: int) -> list[tuple[int, int, int]]:
    """The output phases of a stride and dilation both above 1: ``(r, k0, base)``.

    Full-scatter position ``q*s + r`` receives exactly the taps ``k`` with
    ``k*d = r (mod s)``: with ``g = gcd(d, s)`` these are ``k = k0 + j*(s/g)``
    (``k0 < s/g``), reading inputs ``q - base - j*(d/g)`` where
    ``base = (k0*d) // s``.  So phase ``r`` is a stride-1 transposed convolution
    of the whole input with dilation ``d/g`` and the taps ``w[k0::s/g]``,
    shifted by ``base``; a phase ``r`` that no tap reaches is all zeros.

    Examples
    --------
    >>> phases(3, 2, 2)            # taps 0, 1, 2 all land on even positions
    [(0, 0, 0)]
    >>> phases(4, 3, 2)            # r = 0, 2, 1 from taps 0+3j, 1+3j, 2
    [(0, 0, 0), (2, 1, 0), (1, 2, 1)]
    """
    tap_step = stride // math.gcd(dilation, stride)
    return [((k0 * dilation) % stride, k0, (k0 * dilation) // stride)
            for k0 in range(min(tap_step, kernel_size))]


class Gather:
    """The polyphase gather plan: weight matrix ``T`` and input offsets.

    Super-row ``m`` covers the full-scatter positions ``m*B*s ... (m+1)*B*s - 1``
    (outputs ``crop_left`` earlier), reads inputs ``m*B + base + u*step`` for
    ``u < U`` and is ``Xw[m] @ T``.  Rows need not be aligned with the output:
    ``B*s`` consecutive channels-last outputs are one contiguous run anyway.
    Needs dilation 1 or stride 1 (:func:`gather` splits other problems into
    stride-1 phases).
    """

    def __init__(self, w, stride, dilation, groups, dtype, time_batch=1):
        kernel_size, c_out_g, c_in = w.shape
        s, d = stride, dilation
        if d > 1 and s > 1:
            raise ValueError("a gather plan needs dilation 1 or stride 1")
        if d > 1 and time_batch != 1:
            raise ValueError("the gather path with dilation needs time_batch 1")
        dtype = np.dtype(dtype)
        w = np.asarray(w).astype(dtype, order="K", copy=False)
        if d == 1:
            # full block q (positions q*s + r) = sum_p x[q - p] @ w[p*s + r]
            n_taps = -(-kernel_size // s)             # P
            if w.flags.c_contiguous:
                wp = np.zeros((n_taps * s, c_out_g, c_in), dtype)
            else:
                # A PyTorch/ONNX kernel (input channels outermost in memory): padded
                # in that order, so that this copy and T's below are a small
                # transposition per input channel rather than a full 3-D one each
                # (a 512 -> 256, K = 16 plan: 9 ms against 30 ms).
                wp = np.zeros((c_in, n_taps * s, c_out_g), dtype).transpose(1, 2, 0)
            wp[:kernel_size] = w
            self.base, self.step = 1 - n_taps, 1
        else:
            # stride 1: full position q = sum_k x[q - k*d] @ w[k]
            n_taps, wp = kernel_size, w
            self.base, self.step = -(kernel_size - 1) * d, d
        B, G = time_batch, groups
        cin_g = c_in // G
        U = B + n_taps - 1
        wpg = wp.reshape(n_taps, s, c_out_g, G, cin_g).transpose(0, 3, 4, 1, 2)
        T = np.zeros((G, U, cin_g, B, s, c_out_g), dtype)
        rows = np.arange(B)
        for p in range(n_taps):                       # block b reads u = b + P-1-p
            T[:, rows + n_taps - 1 - p, :, rows] = wpg[p]
        self.T = T.reshape(G, U * cin_g, B * s * c_out_g)
        self.U, self.B, self.s, self.G = U, B, s, G
        self.c_in, self.c_out = c_in, c_out_g * G
        self.dtype = dtype

    def span(self, rows):
        """Input samples read by ``rows`` consecutive super-rows."""
        return (rows - 1) * self.B + (self.U - 1) * self.step + 1

    def im2col(self, x, m0, m1, out, pad):
        """Fill ``out`` (G, n, m1 - m0, U, C_in/G) with the input windows.

        ``pad`` is scratch for the input samples read, zero outside ``x``: the
        windows are then one strided view of it, copied in one call.
        """
        n, _, c_in = x.shape
        G, rows = self.G, m1 - m0
        first = m0 * self.B + self.base
        span = self.span(rows)
        pad = pad[:n * span * c_in].reshape(n, span, c_in)
        _copy_window(pad, x, first, axis=1)
        item = pad.itemsize
        cin_g = c_in // G
        windows = np.lib.stride_tricks.as_strided(
            pad, shape=(G, n, rows, self.U, cin_g),
            strides=(cin_g * item, span * c_in * item, self.B * c_in * item,
                     self.step * c_in * item, item),
            writeable=False)
        copy_into(out, windows)


def gather(x, w, geom, groups, y, bias, dtype, time_batch=1, block_bytes=None):
    """Polyphase gather path: write the transposed convolution of ``x`` into ``y``.

    With stride and dilation both above 1, one stride-1 gather per output
    phase (:func:`phases`), each writing every ``s``-th output.  With one group
    and stride or dilation 1, into a channels-first output: channel-major instead
    (:func:`_gather_channel_major`; ``time_batch`` then has no effect), except for
    one output channel with a ``time_batch`` above 1, whose stacked rows make the
    GEMM wider than channel-major can (one-channel signal, K = 31, s = 2,
    ``time_batch`` 16: 0.8-1.0 ms, channel-major 1.0-1.4 ms; with 32 channels
    channel-major won at ``time_batch`` 2, 12.1 against 14.4 ms in float32).
    """
    s, d = geom.stride, geom.dilation
    if ((s == 1 or d == 1) and groups == 1 and (time_batch == 1 or y.shape[2] > 1)
            and y.dtype == dtype and _time_contiguous(y)):
        # a channels-first output: computed channel-major
        _gather_channel_major(Gather(w, s, d, 1, dtype), x, y.transpose(0, 2, 1),
                              geom.crop_left, bias, block_bytes)
        return
    if s == 1 or d == 1:
        _gather_rows(Gather(w, s, d, groups, dtype, time_batch), x, y,
                     geom.crop_left, bias, block_bytes)
        return
    g = math.gcd(d, s)
    if d // g > 1 and time_batch != 1:
        raise ValueError("the gather path needs time_batch 1 when the dilation "
                         "is not a divisor of the stride")
    crop = geom.crop_left
    fill = 0 if bias is None else np.asarray(bias, dtype=dtype)
    reached = set()
    for r, k0, base in phases(geom.kernel_size, s, d):
        reached.add(r)
        o_first = (r - crop) % s                    # first output of this phase
        if o_first >= y.shape[1]:
            continue
        plan = Gather(w[k0::s // g], 1, d // g, groups, dtype, time_batch)
        _gather_rows(plan, x, y[:, o_first::s], (o_first + crop - r) // s - base,
                     bias, block_bytes)
    for r in range(s):
        if r not in reached:
            y[:, (r - crop) % s::s] = fill


def _gather_channel_major(plan, x, y_cf, crop, bias, block_bytes):
    """A one-group gather plan with ``time_batch`` 1 and stride 1 or dilation 1, into
    a channels-first output ``y_cf`` (N, C_out, L_out), with no transposition of the
    output and, from a channels-first ``x``, none of the input.

    Super-row ``m`` holds full positions ``m*s + r`` (``r < s``, output ``o =
    m*s + r - crop``) and reads inputs ``m + base + u*step`` (``u < U``).  Per block
    of ``n`` signals and ``rows`` super-rows, the block's input samples are copied
    channels-first into zero-padded scratch (runs along time), the columns
    ``cols[(u, c), (j, m)] = pad[j, c, m + u*step]`` are copied from it (runs along
    time again), and one GEMM ``T^T @ cols`` gives ``(s*C_out, n*rows)``: a row
    per phase and channel.  One signal at stride 1: the GEMM writes the output's
    rows in place; else each phase's rows are copied into every ``s``-th output of
    each signal (runs along time).  One GEMM a block, not one a signal: 64 signals
    of 258 samples, 768 -> 256 columns, took 1.2x as long as one GEMM per signal.
    """
    n_batch, _, c_in = x.shape
    l_out = y_cf.shape[2]
    c_out = y_cf.shape[1]
    s, u_taps, step, item = plan.s, plan.U, plan.step, plan.dtype.itemsize
    w_t = np.ascontiguousarray(plan.T[0].T)          # (s*C_out, U*C_in)
    m_start = crop // s                              # super-rows covering the output
    m_end = -(-(crop + l_out) // s)
    # per super-row: its columns, its input samples and its product row
    per_row = (u_taps * c_in + c_in + s * c_out) * item
    batch_block, row_block = block_shape(n_batch, m_end - m_start, per_row, block_bytes)
    x_cf = x.transpose(0, 2, 1)
    if bias is not None:
        bias = np.tile(np.asarray(bias, dtype=plan.dtype), s)[:, None]
    for n0 in range(0, n_batch, batch_block):
        n1 = min(n_batch, n0 + batch_block)
        n = n1 - n0
        for m0 in range(m_start, m_end, row_block):
            m1 = min(m_end, m0 + row_block)
            rows = m1 - m0
            # super-row m reads inputs m + base + u*step
            cols = _columns_along_time(x_cf[n0:n1], m0 + plan.base, u_taps, step, 1, rows,
                                       plan.dtype)
            if s == 1 and n == 1:                   # super-row m is output m - crop
                target = y_cf[n0, :, m0 - crop:m1 - crop]
                np.matmul(w_t, cols, out=target)
                if bias is not None:
                    target += bias
                continue
            res = scratch("res", (s * c_out, n * rows), plan.dtype)
            np.matmul(w_t, cols, out=res)
            if bias is not None:
                res += bias
            by_phase = res.reshape(s, c_out, n, rows)
            for r in range(s):       # phase r: outputs m*s + r - crop inside [0, L_out)
                a = max(m0, -(-(crop - r) // s))
                b = min(m1, -(-(l_out + crop - r) // s))
                if a < b:
                    o = a * s + r - crop
                    np.copyto(y_cf[n0:n1, :, o:o + (b - a - 1) * s + 1:s],
                              by_phase[r, :, :, a - m0:b - m0].transpose(1, 0, 2))


def _columns_along_time(x_cf: np.ndarray, first: int, taps: int, tap_step: int,
                        time_step: int, count: int, dtype: np.dtype) -> np.ndarray:
    """Channel-major im2col of a channels-first block ``x_cf`` (n, C, L): kept
    scratch ``cols`` (taps*C, n*count) with ``cols[(k, c), (j, i)] = x_cf[j, c, first
    + i*time_step + k*tap_step]``, zero where that falls outside ``x_cf``.

    The samples read are first copied into zero-padded scratch (runs along time,
    :func:`_copy_window`), and the columns from it (runs along time again).
    """
    n, c = x_cf.shape[:2]
    item = dtype.itemsize
    span = (count - 1) * time_step + (taps - 1) * tap_step + 1
    pad = scratch("pad", (n, c, span), dtype)
    _copy_window(pad, x_cf, first, axis=2)
    windows = np.lib.stride_tricks.as_strided(   # [k, c, j, i] = pad[j, c, i*ts + k*tap]
        pad, shape=(taps, c, n, count),
        strides=(tap_step * item, span * item, c * span * item, time_step * item),
        writeable=False)
    cols = scratch("im2col", (taps * c, n * count), dtype)
    copy_into(cols.reshape(taps, c, n, count), windows)
    return cols


def _gather_rows(plan, x, y, crop, bias, block_bytes):
    """Run one gather plan: ``y[:, o]`` is its full-scatter position ``o + crop``.

    The super-rows computed cover every output position, so nothing is filled.
    """
    n_batch = x.shape[0]
    l_out = y.shape[1]
    row_len = plan.B * plan.s                        # positions per super-row
    m_start = crop // row_len                        # rows covering the output
    m_end = -(-(crop + l_out) // row_len)
    m_a = min(-(-crop // row_len), m_end)            # rows inside it: [m_a, m_b)
    m_b = max((crop + l_out) // row_len, m_a)
    itemsize = plan.dtype.itemsize
    G = plan.G
    direct = (G == 1 and y.dtype == plan.dtype and y.strides[2] == itemsize
              and y.strides[1] == y.shape[2] * itemsize)
    # im2col row + its input samples (+ its output row, unless written in place)
    per_row = (plan.U * plan.c_in + plan.B * plan.c_in
               + (0 if direct else row_len * plan.c_out)) * itemsize
    batch_block, row_block = block_shape(n_batch, m_end - m_start, per_row, block_bytes)
    if bias is not None:
        bias = np.asarray(bias, dtype=plan.dtype)
        bias_row = np.tile(bias, row_len)
    cin_g = plan.c_in // G
    buf = scratch("im2col", G * batch_block * row_block * plan.U * cin_g, plan.dtype)
    pad = scratch("pad", batch_block * plan.span(row_block) * plan.c_in, plan.dtype)
    segments = [(m_start, m_a, False), (m_a, m_b, direct), (m_b, m_end, False)]
    for n0 in range(0, n_batch, batch_block):
        n1 = min(n_batch, n0 + batch_block)
        n = n1 - n0
        place = Placement(y[n0:n1], crop, bias)
        for first, last, straight in segments:
            for m0 in range(first, last, row_block):
                m1 = min(last, m0 + row_block)
                rows = m1 - m0
                cols = buf[:G * n * rows * plan.U * cin_g].reshape(
                    G, n, rows, plan.U, cin_g)
                plan.im2col(x[n0:n1], m0, m1, cols, pad)
                lhs = cols.reshape(G, n * rows, plan.U * cin_g)
                if straight:
                    o0 = m0 * row_len - crop
                    target = y[n0:n1, o0:o0 + rows * row_len]
                    if n == 1 or target.flags.c_contiguous:   # one GEMM call
                        out = target.reshape(n * rows, -1)
                        np.matmul(lhs[0], plan.T[0], out=out)
                    else:                                     # one per sample
                        out = target.reshape(n, rows, -1)
                        np.matmul(lhs[0].reshape(n, rows, -1), plan.T[0], out=out)
                    if bias is not None:
                        out += bias_row
                    continue
                res = scratch("res", (G, n * rows, plan.T.shape[2]), plan.dtype)
                np.matmul(lhs, plan.T, out=res)          # (G, n*rows, B*s*C_out/G)
                res = res.reshape(G, n, rows * row_len, plan.c_out // G)
                place.put(m0 * row_len, res.transpose(1, 2, 0, 3))   # (n, m, G, C_out/G)


# --------------------------------------------------------------------------- #
# The direct convolution (conv1d, and the VJP): im2col of a padded signal.     #
# --------------------------------------------------------------------------- #
def _grouped_kernel(w, groups):
    """(K, C_g, G * D_g) kernel -> (G, K * C_g, D_g) matrices, one per group: a view."""
    k_size, c_g, d = w.shape
    return w.reshape(k_size * c_g, groups, d // groups).transpose(1, 0, 2)


def correlate(y: np.ndarray, w: np.ndarray, stride: int, dilation: int,
              groups: int, out: np.ndarray, x: np.ndarray | None = None,
              block_bytes: int | None = None, pad_left: int = 0,
              dtype: npt.DTypeLike | None = None) -> np.ndarray | None:
    """``out[n, i, (g, e)] = sum_{k, m} y_pad[n, i*s + k*d, (g, m)] * w[k, m, (g, e)]``.

    ``y_pad`` is ``y`` after ``pad_left`` zeros, and zeros after its end as far
    as the last output reads.  One GEMM per block and group of im2col columns,
    blocked by :func:`block_shape` with kept :func:`scratch` columns; each
    block's padded samples are made in scratch (group-major, with groups:
    :func:`_signal_block`), so nothing of the size of ``y`` is allocated.  With
    dilation 1 and ``K = P*s`` (``s > 1``), no columns: ``P`` GEMMs per group
    read the block's samples in place (:func:`_correlate_by_blocks`).  Otherwise,
    with one group and ``y`` and ``out`` both channels-first arrays seen
    channels-last (a channels-first call), the columns are built along time and
    the GEMM writes ``out``'s rows (:func:`_correlate_channel_major`).

    Parameters
    ----------
    y : ndarray, shape (N, L_y, C)
        The signal, channels last (any strides, any dtype: converted per block).
    w : ndarray, shape (K, C // groups, D)
        In the compute dtype.
    stride, dilation, groups : int
    out : ndarray, shape (N, L, D)
        Written in place (may be a strided view).
    x : ndarray, shape (N, L, D), optional
        When given, also returns the kernel gradient
        ``dw[k, m, (g, e)] = sum_{n, i} y_pad[n, i*s + k*d, (g, m)] * x[n, i, (g, e)]``
        from the same columns.
    block_bytes : int, optional
        Scratch per block (:func:`block_shape`).
    pad_left : int, default 0
        Zeros before ``y`` (negative: samples of ``y`` skipped).
    dtype : dtype, optional
        The compute dtype (default ``w.dtype``).

    Returns
    -------
    dw : ndarray, shape (K, C // groups, D), or None without ``x``

    Examples
    --------
    >>> y = np.arange(1.0, 6.0).reshape(1, 5, 1); out = np.empty((1, 2, 1))
    >>> correlate(y, np.array([1.0, 2.0, 3.0]).reshape(3, 1, 1), 2, 1, 1, out)
    >>> out[0, :, 0]
    array([14., 26.])
    >>> correlate(y, np.array([1.0, 2.0, 3.0]).reshape(3, 1, 1), 2, 1, 1, out, pad_left=1)
    >>> out[0, :, 0]
    array([ 8., 20.])
    """
    dtype = np.dtype(w.dtype if dtype is None else dtype)
    n_batch, length, d = out.shape
    k_size, c_g, _ = w.shape
    d_g = d // groups
    channels = c_g * groups
    span = (k_size - 1) * dilation + 1
    item = dtype.itemsize
    if block_bytes is None and d_g <= NARROW_OUTPUT:
        block_bytes = CACHE_BLOCK_BYTES
    direct = groups == 1 and y.dtype == dtype and y.strides[2] == item
    wg = _grouped_kernel(np.ascontiguousarray(w), groups)
    dw = None if x is None else np.zeros(w.shape, dtype)
    dwg = None if dw is None else _grouped_kernel(dw, groups)
    width = k_size * c_g
    # dw gets each block's product a slice of rows at a time: a bounded temporary
    dw_rows = max(1, BLOCK_BYTES // (d * item))
    # With dilation 1 and K a multiple of the stride, the taps of one output are
    # P = K/s consecutive rows of s*C samples: the signal read in place as a
    # matrix of such rows feeds P GEMMs, with no im2col copy
    # (_correlate_by_blocks; a partial sum of D values a row when P > 1).
    tap_blocks = k_size // stride if (dilation == 1 and stride > 1
                                      and k_size % stride == 0) else 0
    # Per output row, what a block holds: one group's columns (or the signal
    # samples they are copied from, when those are more: a stride longer than
    # the kernel), with groups the samples' group-major copy, its output row,
    # and its row of ``x`` for the kernel gradient.  Counting the columns alone
    # made blocks twice the size the cache favours (the decoder's backward 1.1x
    # slower than with the rows counted whole).
    row_bytes = (max(width, stride * channels) + (stride * channels if groups > 1 else 0)
                 + d * (1 if x is None else 2) + (2 * d if tap_blocks > 1 else 0)) * item
    # Channels-first in and out, where the rows would need an im2col anyway: no
    # transposition of either (the vocoder's K = 2s, read in place as rows, took
    # 1.09-1.12x as long channel-major in float64).
    # With one channel either side it stays on the rows, measured both ways: 8
    # channels of y into 1 of out took 1.10-1.13x as long channel-major (float64;
    # float32 level), 1 into 8 0.86-0.92x.
    if (groups == 1 and not tap_blocks and min(channels, d) > 1
            and _time_contiguous(y) and _time_contiguous(out)):
        _correlate_channel_major(y, wg[0], None if dwg is None else dwg[0], x, out,
                                 stride, dilation, pad_left, dtype, block_bytes, dw_rows)
        return dw
    batch_block, time_block = block_shape(n_batch, length, row_bytes, block_bytes,
                                          min_rows=MIN_ROWS)
    for n0 in range(0, n_batch, batch_block):
        n1 = min(n_batch, n0 + batch_block)
        for i0 in range(0, length, time_block):
            i1 = min(length, i0 + time_block)
            first = i0 * stride - pad_left             # first sample of y read
            needed = (i1 - i0 - 1) * stride + span
            src = _signal_block(y, n0, n1, first, needed, groups, dtype, direct)
            for g in range(groups):
                part = slice(g * d_g, (g + 1) * d_g)
                _correlate_group(src[g], wg[g], None if dwg is None else dwg[g],
                                 None if x is None else x[n0:n1, i0:i1, part],
                                 out[n0:n1, i0:i1, part], stride, dilation,
                                 tap_blocks, dw_rows, dtype)
    return dw


def _time_contiguous(a: np.ndarray) -> bool:
    """Whether ``a`` (N, L, C) is a channels-first array seen channels-last: time
    steps adjacent, channels apart (a channels-last array with one channel has
    both adjacent, so it is not)."""
    return a.strides[1] == a.itemsize != a.strides[2]


def _correlate_channel_major(y, w_mat, dw_mat, x, out, stride, dilation, pad_left,
                             dtype, block_bytes, dw_rows):
    """:func:`correlate` for one group, from a channels-first ``y`` into a
    channels-first ``out`` (both seen channels-last), with no transposition of
    either.

    Per block of ``n`` signals and ``t`` outputs, the block's samples are copied
    channels-first into zero-padded scratch (runs along time), the columns
    ``cols[(k, c), (j, i)] = pad[j, c, i*s + k*d]`` are copied from it (runs along
    time again), and one GEMM ``W^T @ cols`` gives ``(D, n*t)``, a row per output
    channel: written in place for one signal, else copied into each signal's
    rows.  The kernel gradient adds ``cols @ x_rows``, one GEMM a block: ``x`` read
    through its strides for one signal, else its block copied into rows (one GEMM a
    signal, with an inner dimension of ``t``, made the wide layer's backward 1.27x
    slower).  ``w_mat`` and ``dw_mat`` are ``(K*C, D)``.
    """
    n_batch, length, d = out.shape
    c = y.shape[2]
    k_size = w_mat.shape[0] // c
    item = dtype.itemsize
    w_t = np.ascontiguousarray(w_mat.T)                  # (D, K*C)
    # per output: its columns, its samples, its product (and its row of x)
    per_output = (k_size * c + stride * c + d * (1 if x is None else 2)) * item
    batch_block, time_block = block_shape(n_batch, length, per_output, block_bytes,
                                          min_rows=MIN_ROWS)
    y_cf, out_cf = y.transpose(0, 2, 1), out.transpose(0, 2, 1)
    direct = out.dtype == dtype
    for n0 in range(0, n_batch, batch_block):
        n1 = min(n_batch, n0 + batch_block)
        n = n1 - n0
        for i0 in range(0, length, time_block):
            i1 = min(length, i0 + time_block)
            t = i1 - i0
            cols = _columns_along_time(y_cf[n0:n1], i0 * stride - pad_left, k_size,
                                       dilation, stride, t, dtype)
            if n == 1 and direct:
                np.matmul(w_t, cols, out=out_cf[n0, :, i0:i1])
            else:
                res = scratch("res", (d, n * t), dtype)
                np.matmul(w_t, cols, out=res)
                np.copyto(out_cf[n0:n1, :, i0:i1], res.reshape(d, n, t).transpose(1, 0, 2),
                          casting="unsafe")
            if dw_mat is not None:           # x's rows of the block: a view of one signal
                x_rows = (x[n0, i0:i1].astype(dtype, copy=False) if n == 1 else
                          contiguous(x[n0:n1, i0:i1], dtype, "x_rows").reshape(n * t, d))
                _add_kernel_gradient(dw_mat, cols.T, x_rows, dw_rows)


def _signal_block(y, n0, n1, first, needed, groups, dtype, direct):
    """Samples ``first ... first + needed - 1`` of signals ``n0 ... n1 - 1`` of
    ``y``, zero outside it, group-major: ``(G, n, needed, C/G)``.

    ``y`` itself (a view, no copy) when ``direct`` (one group, ``y`` in the
    compute dtype with unit channel stride) and the samples are all inside it;
    else kept :func:`scratch`.  With groups, each group's samples are then one
    contiguous signal, so its im2col copies runs of ``K * C/G`` values (or none
    at all, :func:`_correlate_by_blocks`) rather than ``K`` runs of ``C/G``.
    """
    n, length, channels = n1 - n0, y.shape[1], y.shape[2]
    lo, hi = max(first, 0), min(first + needed, length)
    if direct and lo == first and hi == first + needed:
        return y[None, n0:n1, first:first + needed]
    c_g = channels // groups
    src = scratch("signal", (groups, n, needed, c_g), dtype)
    _copy_window(src, y[n0:n1].reshape(n, length, groups, c_g).transpose(2, 0, 1, 3),
                 first, axis=2)
    return src


def _correlate_group(src, w_mat, dw_mat, x, target, stride, dilation, tap_blocks,
                     dw_rows, dtype):
    """One block of :func:`correlate` for one group.

    ``src`` (n, samples, C_g) the block's padded samples, ``w_mat`` (K*C_g, D_g),
    ``target`` (n, steps, D_g) written; with ``dw_mat`` (K*C_g, D_g) and ``x``
    (n, steps, D_g), ``dw_mat += columns^T @ x``.
    """
    n, steps, d_g = target.shape
    item = dtype.itemsize
    c_g = src.shape[2]
    if tap_blocks and src.strides[2] == item and src.strides[1] == c_g * item:
        _correlate_by_blocks(src, w_mat, dw_mat, x, target, stride, tap_blocks,
                             dw_rows, dtype)
        return
    k_size = w_mat.shape[0] // c_g
    sn, st, sc = src.strides
    block = np.lib.stride_tricks.as_strided(   # [n, i, k, c] = src[n, i*s + k*d, c]
        src, shape=(n, steps, k_size, c_g),
        strides=(sn, stride * st, dilation * st, sc), writeable=False)
    # Always a real copy: a reshape could return overlapping rows, which BLAS
    # cannot take (NumPy would fall back to a slow loop).
    cols = scratch("columns", (n * steps, k_size * c_g), dtype)
    copy_into(cols.reshape(n, steps, k_size, c_g), block)
    if target.flags.c_contiguous:
        np.matmul(cols, w_mat, out=target.reshape(n * steps, d_g))
    elif target.dtype == dtype and target.strides[2] == item:   # a group's channels
        np.matmul(cols.reshape(n, steps, -1), w_mat, out=target)
    else:
        target[...] = (cols @ w_mat).reshape(n, steps, d_g)
    if dw_mat is not None:     # x: a group's channels are short runs (copy_into)
        _add_kernel_gradient(dw_mat, cols,
                             contiguous(x, dtype, "x_rows").reshape(n * steps, d_g), dw_rows)


def _add_kernel_gradient(dw: np.ndarray, cols: np.ndarray, x: np.ndarray,
                         chunk: int) -> None:
    """``dw += cols^T @ x`` (``cols`` (rows, width), ``x`` (rows, D), ``dw``
    (width, D)), ``chunk`` rows of ``dw`` at a time, so the product's temporary
    stays bounded."""
    for j in range(0, cols.shape[-1], chunk):
        dw[j:j + chunk] += np.matmul(cols[:, j:j + chunk].T, x)


def _correlate_by_blocks(src, w_mat, dw_mat, x, target, stride, tap_blocks, dw_rows,
                         dtype):
    """One block of one group of :func:`correlate` with no im2col copy (dilation 1,
    ``K = P*s``): output ``i`` reads rows ``i .. i+P-1`` of ``src`` seen as rows
    of ``s*C`` samples, so ``out = sum_p rows[p : p+steps] @ w[p*s : (p+1)*s]`` (and
    ``dw[p*s : (p+1)*s] += rows[p : p+steps].T @ x``), each operand a strided view
    BLAS takes as it is.  The copy it saves is ``K*C`` values per output, against
    ``(P - 1)`` extra passes over the ``D`` outputs."""
    n, steps, _ = target.shape
    sn, st, sc = src.strides
    width = stride * src.shape[2]                # s*C: one row of the blocked signal
    rows = np.lib.stride_tricks.as_strided(      # [n, j] = src[n, j*s : (j+1)*s] flat
        src, shape=(n, steps + tap_blocks - 1, width), strides=(sn, stride * st, sc),
        writeable=False)
    part = scratch("phase", target.shape, dtype)
    total = target
    if target.dtype != dtype or target.strides[2] != dtype.itemsize:
        total = scratch("phase_sum", target.shape, dtype)     # summed in the dtype
    for p in range(tap_blocks):
        w_p = w_mat[p * width:(p + 1) * width]
        if p == 0:
            np.matmul(rows[:, :steps], w_p, out=total)
        else:
            np.matmul(rows[:, p:p + steps], w_p, out=part)
            total += part
        if dw_mat is not None:
            for j in range(n):
                _add_kernel_gradient(dw_mat[p * width:(p + 1) * width],
                                     rows[j, p:p + steps], x[j], dw_rows)
    if total is not target:
        target[...] = total


# --------------------------------------------------------------------------- #
# The rule, and the seam.                                                      #
# --------------------------------------------------------------------------- #
#: Largest ``time_batch`` the gather path is offered with.
MAX_TIME_BATCH = 16
#: A path whose weight matrix (gather's banded ``T``, the block variant's padded
#: taps) or one-row scratch would exceed this is not offered: it would break the
#: bound of the output's size plus bounded scratch.
WEIGHT_BYTES = 16 * 2**20

# The cost model: a path's time is a weighted sum of four counts
# (:func:`path_features`): the GEMM's multiply-adds, each weighted by the
# GEMM's slowdown when its inner or output dimension is narrow (half speed at
# ``GEMM_HALF_INNER`` / ``GEMM_HALF_OUTPUT`` wide); the values copied or added;
# NumPy's inner loops of those copies and adds; the Python-level NumPy calls.
# ``COST_NS`` holds nanoseconds per count, per item size, fitted by least
# squares (non-negative, on relative error) to forced runs of every candidate
# on 40 seeded random shapes and the eight shapes of the suite
# (``bench.CASES``), with one BLAS thread: on the shared 2-core
# machine the fit ran on (load 5-7 from other jobs), two-thread GEMMs stalled
# 10-100x at random whenever one thread was descheduled, which no count
# models.  ``benchmarks/fit_costs.py --random 40 --seed 1 --threads 1`` gives
# the times and the fit, the narrowness constants included (a grid, keeping
# the pair that ranks the paths best).
GEMM_HALF_INNER = 8
GEMM_HALF_OUTPUT = 1
COST_NS = {
    8: (0.04127, 0.3374, 0.02048, 19730.0),
    4: (0.02036, 0.1616, 0.1161, 14340.0),
}


#: The ``"index"`` path in the cost model's counts: values moved per column value
#: (float64, float32) and NumPy calls (see :func:`path_features`).  A call on that
#: path runs straight from its :class:`IndexPlan` (the GEMM, the bincount, the
#: window's cast): 4 calls.  At 8, the model chose ``"disjoint"`` for small
#: problems whose taps do not overlap, 0.23-0.38 ms cold where the index path took
#: 0.16-0.27 (six shapes of ``bench.py --random``, one thread).
INDEX_COST_PER_VALUE = (3.0, 3.0)
INDEX_CALLS = 4.0


#: The disjoint path's GEMMs, one per tap, are ``C_out / G`` wide and write rows
#: ``s * C_out`` apart: half speed at 8 columns instead of ``GEMM_HALF_OUTPUT``.
#: Forced timings of ``fit_costs.py --random 40 --seed 1`` rank the paths best with
#: 4-16 (chosen/fastest p90 1.15 -> 1.06 in float64, 1.14 -> 1.11 in float32), and
#: no choice on the suite's shapes changes.
DISJOINT_HALF_OUTPUT = 8


def _gemm(m: int, k: int, n: int, half_output: float | None = None) -> float:
    """Multiply-adds of ``(m, k) @ (k, n)``, weighted by its narrowness."""
    if half_output is None:
        half_output = GEMM_HALF_OUTPUT
    return m * k * n * (1 + GEMM_HALF_INNER / k) * (1 + half_output / n)


def _gather_plans(geom: Geometry, time_batch: int) -> list[tuple[int, int, int, int]]:
    """The gather path's plans: ``(taps, time_batch, stride, outputs)`` each.

    One plan, or with stride and dilation both above 1 one stride-1 plan per
    phase (:func:`phases`), ``time_batch`` 1 unless the dilation divides the
    stride.
    """
    k, s, d, l_out = geom.kernel_size, geom.stride, geom.dilation, geom.output_length
    if d > 1 and s > 1:
        step, dil = s // math.gcd(d, s), d // math.gcd(d, s)
        return [(len(range(k0, k, step)), 1 if dil > 1 else time_batch, 1, -(-l_out // s))
                for _, k0, _ in phases(k, s, d)]
    if d > 1:
        return [(k, 1, 1, l_out)]
    return [(-(-k // s), time_batch, s, l_out)]


def path_features(path: str, options: dict, geom: Geometry, c_in: int, c_out: int,
                  groups: int, n_batch: int = 1,
                  itemsize: int = 8) -> tuple[float, float, float, float]:
    """The counts the cost model weighs: ``(GEMM, values, inner loops, calls)``.

    ``"scatter"``
        GEMM ``(N*L, C_in/G) @ (C_in/G, K*C_out/G)``; ``min(K, L_block)`` strided
        adds per block covering ``N*L*K*C_out`` values in runs of ``C_out``; the
        accumulator (``N*L_full*C_out``) zeroed and placed.  With 2 to
        ``NARROW_OUTPUT`` output channels and blocks of enough rows
        (:func:`by_channel`), each of those adds is one per channel, in runs along
        time (see :class:`Scatter`).
    ``"scatter_blocks"``
        The same with ``P*s`` taps (``P = ceil(K/s)``) and ``P`` contiguous adds
        in runs of ``s*C_out``.
    ``"gather"``
        GEMM ``(N*L_full/(B*s), U*C_in/G) @ (U*C_in/G, B*s*C_out/G)`` with
        ``U = B + P - 1``; the im2col copy (runs of ``C_in/G``); the banded weight
        built; the output written once (twice with groups).  With stride and
        dilation both above 1, the sum of these over the phases (:func:`phases`),
        each a stride-1 plan of its taps for ``L_out/s`` outputs, written twice,
        and the phases no tap reaches filled.
    ``"disjoint"``
        ``K * G`` GEMMs ``(N*L, C_in/G) @ (C_in/G, C_out/G)`` written into the
        output (every output value at most once; narrow by
        ``DISJOINT_HALF_OUTPUT``) and the input read once; a few calls per tap.
        Below ``DISJOINT_NARROW`` kernel columns, the scatter's one GEMM and a
        copy of each tap's columns into place.
    ``"index"``
        The scatter's GEMM; each column value moved ``INDEX_COST_PER_VALUE`` times
        (``np.bincount``: its index, its weight, its bin); the accumulator and the
        output once; ``INDEX_CALLS`` calls, however many taps.
    """
    k, s, d = geom.kernel_size, geom.stride, geom.dilation
    length, l_out, full = geom.length, geom.output_length, geom.full_length
    cin_g, cout_g = c_in // groups, c_out // groups
    rows = n_batch * length
    out_values = n_batch * l_out * c_out
    if path in ("scatter", "scatter_blocks"):
        taps, adds, run = k, k, c_out
        if path == "scatter_blocks":
            blocks = -(-k // s)
            taps, adds, run = blocks * s, blocks, s * c_out
        row_bytes = (taps * c_out + s * c_out + c_in) * itemsize
        batch_block, time_block = block_shape(n_batch, length, row_bytes)
        n_blocks = -(-n_batch // batch_block) * -(-length // time_block)
        per_input = adds > time_block
        narrow = (path == "scatter" and not per_input
                  and by_channel(batch_block * time_block, c_out, s, k))
        calls = n_blocks * ((time_block if per_input else adds) + 8)
        added = rows * taps * c_out
        moved = n_batch * full * c_out * 2 + out_values + rows * c_in
        if narrow:
            run = time_block
        elif per_input and d == 1:
            run = taps * c_out
        loops = added / run + moved / c_out + rows
        if groups > 1:
            moved += added                          # the columns' transpose
            loops += added / cout_g
        return (groups * _gemm(rows, cin_g, taps * cout_g), added + moved, loops, calls)
    if path == "disjoint":
        batch_block, time_block = block_shape(
            n_batch, length, _disjoint_row_bytes(c_in, k, cout_g, groups, True, itemsize))
        n_blocks = -(-n_batch // batch_block) * -(-length // time_block)
        if k * cout_g < DISJOINT_NARROW:     # one GEMM, then a copy per tap
            gemm = groups * _gemm(rows, cin_g, k * cout_g)
            moved = rows * c_in + 2 * rows * k * c_out
            return gemm, moved, out_values / c_out + rows + rows * k, n_blocks * (k + 4)
        gemm = groups * k * _gemm(rows, cin_g, cout_g, DISJOINT_HALF_OUTPUT)
        moved = rows * c_in + rows * k * c_out           # read once, written once
        calls = n_blocks * (k * groups * (1 if batch_block == 1 else 2) + 4)
        return gemm, moved, out_values / c_out + rows, calls
    if path == "index":
        added = rows * k * c_out
        per_value = INDEX_COST_PER_VALUE[itemsize == 4]
        values = (added * per_value + n_batch * _index_span(geom)[1] * c_out
                  + out_values + rows * c_in)
        loops = out_values / c_out + rows
        if groups > 1:
            values += added                         # the columns' transpose
            loops += added / cout_g
        return (groups * _gemm(rows, cin_g, k * cout_g), values, loops, INDEX_CALLS)
    plans = _gather_plans(geom, options.get("time_batch", 1))
    once = len(plans) == 1 and groups == 1           # the GEMM writes the output
    gemm = values = total_loops = total_calls = 0.0
    for n_taps, bb, stride, l_sub in plans:
        u, width = bb + n_taps - 1, bb * stride
        super_rows = -(-l_sub // width)
        per_row = (u * c_in + bb * c_in + width * c_out) * itemsize
        batch_block, row_block = block_shape(n_batch, super_rows, per_row)
        n_blocks = -(-n_batch // batch_block) * -(-super_rows // row_block)
        im2col = n_batch * super_rows * u * c_in
        weight = u * cin_g * width * c_out
        written = n_batch * l_sub * c_out * (1 if once else 2)
        gemm += groups * _gemm(n_batch * super_rows, u * cin_g, width * cout_g)
        values += im2col + rows * c_in + weight + written
        total_loops += im2col / cin_g + rows + written / c_out
        total_calls += n_blocks * 12 + n_taps
    if len(plans) < s and s > 1 and d > 1:
        # the phases no tap reaches are filled: every s-th output, one call each
        unreached = (s - len(plans)) * n_batch * -(-l_out // s)
        values += unreached * c_out
        total_loops += unreached
        total_calls += s - len(plans)
    return gemm, values, total_loops, total_calls


def path_cost(path: str, options: dict, geom: Geometry, c_in: int, c_out: int,
              groups: int, n_batch: int = 1, itemsize: int = 8) -> float:
    """Estimated nanoseconds of one path on one problem: the cost model.

    The counts of :func:`path_features` weighed by ``COST_NS``.

    Examples
    --------
    >>> from deconv1d import shapes
    >>> g = shapes.geometry(16, 4096)                     # a long kernel, short input
    >>> path_cost("scatter", {}, g, 8, 8, 1) < path_cost("gather", {"time_batch": 1},
    ...                                                  g, 8, 8, 1)
    True
    """
    weights = COST_NS.get(itemsize, COST_NS[8])
    return sum(w * f for w, f in zip(weights, path_features(
        path, options, geom, c_in, c_out, groups, n_batch, itemsize)))


def _weight_bytes(path: str, options: dict, geom: Geometry, c_in: int, c_out: int,
                  groups: int, itemsize: int) -> int:
    """Bytes of the path's own weight matrix, and of the scratch of one row."""
    k, s = geom.kernel_size, geom.stride
    cin_g = c_in // groups
    if path == "scatter":
        return (k * c_out + s * c_out + c_in) * itemsize
    blocks = -(-k // s)
    if path == "scatter_blocks":
        return (blocks * s * cin_g * c_out + (blocks + 1) * s * c_out + c_in) * itemsize
    return max(((b + n_taps - 1) * (cin_g * b * stride * c_out + c_in) + b * stride * c_out)
               * itemsize for n_taps, b, stride, _ in _gather_plans(
                   geom, options.get("time_batch", 1)))


def candidates(geom: Geometry, c_in: int, c_out: int, groups: int,
               n_batch: int = 1, itemsize: int = 8) -> list[tuple[str, dict]]:
    """Every ``(path, options)`` that can run this problem within the scratch bound.

    ``"scatter"`` is always among them (it needs only one row of scratch), so
    the list is never empty; ``"scatter_blocks"`` needs dilation 1; ``"gather"``
    takes every geometry (``time_batch`` 1, 2, 4, ... ``MAX_TIME_BATCH`` when
    the dilation divides the stride, else only 1); both are left out when their
    weight matrix would exceed ``WEIGHT_BYTES``; ``"index"`` is offered only to a
    small problem (:func:`index_fits`), ``"disjoint"`` only to taps that never
    overlap (:func:`disjoint_fits`).

    Examples
    --------
    >>> from deconv1d import shapes
    >>> [p for p, _ in candidates(shapes.geometry(10, 3, 2, dilation=3), 4, 4, 1)]
    ['scatter', 'gather', 'index']
    >>> [p for p, _ in candidates(shapes.geometry(10**4, 3, 2, dilation=3), 4, 4, 1)]
    ['scatter', 'gather']
    >>> [p for p, _ in candidates(shapes.geometry(10**4, 2, 4, dilation=3), 4, 4, 1)]
    ['scatter', 'gather', 'disjoint']
    """
    found: list[tuple[str, dict]] = [("scatter", {})]
    d = geom.dilation
    if d == 1 and geom.stride > 1:
        found.append(("scatter_blocks", {}))
    if d == 1 or geom.stride % d == 0:         # time_batch above 1 is possible
        found += [("gather", {"time_batch": 2 ** e})
                  for e in range(MAX_TIME_BATCH.bit_length())]
    else:
        found.append(("gather", {"time_batch": 1}))
    found = [(p, o) for p, o in found if p == "scatter" or _weight_bytes(
        p, o, geom, c_in, c_out, groups, itemsize) <= WEIGHT_BYTES]
    if index_fits(geom, c_out, n_batch):
        found.append(("index", {}))
    if disjoint_fits(geom):
        found.append(("disjoint", {}))
    return found


def choose(geom: Geometry, c_in: int, c_out: int, groups: int,
           n_batch: int = 1, itemsize: int = 8) -> tuple[str, dict]:
    """Pick ``(path, options)`` for one problem: the cheapest of :func:`candidates`.

    Each candidate's time is estimated by :func:`path_cost` from the stride,
    dilation, kernel length, channel counts, groups, batch and length.
    ``benchmarks/bench.py --paths`` times every candidate forced and reports the
    chosen path's time over the fastest one's.

    Examples
    --------
    >>> from deconv1d import shapes
    >>> choose(shapes.geometry(16, 4096), 8, 8, groups=1)     # long kernel, short input
    ('scatter', {})
    >>> choose(shapes.geometry(64, 4000, stride=2000), 64, 64, groups=1)   # huge stride
    ('scatter', {})
    """
    path, options = _cheapest(geom, c_in, c_out, groups, n_batch, itemsize)
    return path, dict(options)


#: Gather candidates predicted within this fraction of the cheapest count as a tie,
#: which the largest ``time_batch`` wins, when the GEMM's output at ``time_batch`` 1
#: is at most ``TIE_WIDTH`` columns (``s * C_out / G``).  The model is fitted with
#: one BLAS thread; with two, a wider GEMM parallelises better when it is narrow (the
#: one-channel case of the suite, 2 columns: 0.44 ms at ``time_batch`` 8 and 0.46
#: ms at 16 with one thread, 0.315 and 0.286 ms with two).  A wide one gains nothing
#: from it: 9 x 258, 1 -> 154 channels, K=15, s=4, d=4 (616 columns), two threads,
#: took 1.33 ms at ``time_batch`` 1 and 2.00 ms at the 4 the tie gave (float64;
#: 0.97 and 1.21 in float32), and 1 x 7729, 1 -> 74 channels, K=21, s=2 (148
#: columns) 1.09 and 0.58 ms at 1 against 1.15 and 0.65 at 2.
TIE = 0.03
TIE_WIDTH = 64


@functools.lru_cache(maxsize=256)
def _cheapest(geom, c_in, c_out, groups, n_batch, itemsize):
    """:func:`choose`, remembered: the model costs tens of microseconds, a
    small call (one-channel audio) about a millisecond."""
    costed = [(path_cost(p, o, geom, c_in, c_out, groups, n_batch, itemsize), p, o)
              for p, o in candidates(geom, c_in, c_out, groups, n_batch, itemsize)]
    cost, path, options = min(costed, key=lambda c: c[0])
    if path == "gather" and geom.stride * (c_out // groups) <= TIE_WIDTH:
        _, path, options = max(((o["time_batch"], p, o) for c, p, o in costed
                                if p == "gather" and c <= cost * (1 + TIE)),
                               key=lambda c: c[0])
    return path, tuple(options.items())


def run(path: str, x: np.ndarray, w: np.ndarray, geom: Geometry, groups: int,
        y: np.ndarray, bias: np.ndarray | None, dtype: npt.DTypeLike,
        **options: Any) -> None:
    """Run one named path (``PATHS``) with its options, writing into ``y``.

    Parameters
    ----------
    path : str
        One of ``PATHS``.
    x : ndarray, shape (N, L, C_in)
        Channels last, any dtype (converted to ``dtype`` block by block).
    w : ndarray, shape (K, C_out // groups, C_in)
    geom : deconv1d.shapes.Geometry
    groups : int
    y : ndarray, shape (N, L_out, C_out)
        The output view, written whole.
    bias : ndarray, shape (C_out,), or None
    dtype : dtype
        The compute dtype.
    **options
        ``block_bytes`` (every path), ``time_batch`` (``"gather"``).

    Raises
    ------
    ValueError
        On an unknown path, or a geometry the path cannot do.
    """
    if path == "scatter":
        scatter(x, w, geom, groups, y, bias, dtype, blocks=False, **options)
    elif path == "scatter_blocks":
        scatter(x, w, geom, groups, y, bias, dtype, blocks=True, **options)
    elif path == "gather":
        gather(x, w, geom, groups, y, bias, dtype, **options)
    elif path == "index":
        index(x, w, geom, groups, y, bias, dtype, **options)
    elif path == "disjoint":
        disjoint(x, w, geom, groups, y, bias, dtype, **options)
    else:
        raise ValueError(f"`path` must be one of {PATHS}. Received: path={path!r}")


@dataclass(frozen=True)
class Problem:
    """A checked transposed convolution: channels-last arrays and the geometry.

    Built by :func:`deconv1d.core.transpose.prepare`, run by :func:`compute`.

    Attributes
    ----------
    x : ndarray, shape (N, L, C_in)
        Channels-last view of the input: in ``compute_dtype`` from
        ``prepare``; any dtype is accepted (converted block by block).
    w : ndarray, shape (K, C_out // groups, C_in)
    bias : ndarray, shape (C_out,), or None
    geometry : deconv1d.shapes.Geometry
    groups : int
    data_format : str
    compute_dtype, result_dtype : numpy.dtype
    """

    x: np.ndarray
    w: np.ndarray
    bias: np.ndarray | None
    geometry: Geometry
    groups: int
    data_format: str
    compute_dtype: np.dtype
    result_dtype: np.dtype

    @property
    def batch(self) -> int:
        return int(self.x.shape[0])

    @property
    def in_channels(self) -> int:
        return int(self.x.shape[2])

    @property
    def out_channels(self) -> int:
        return int(self.w.shape[1]) * self.groups


#: Up to this many elements, :func:`_all_finite` tests each one (a boolean temporary of
#: at most 1 MiB, three times faster than the sum on a one-channel signal's 64k samples).
FINITE_BY_ELEMENT = 1 << 20


def _all_finite(a, dtype):
    """No nan or inf in ``a``: elementwise when small, else one pass of a sum (no
    temporary; overflow of the sum gives a harmless false "no")."""
    if a.dtype.kind in "biu":
        return True
    if a.size <= FINITE_BY_ELEMENT:
        return bool(np.isfinite(a).all())
    with np.errstate(over="ignore", invalid="ignore"):
        return bool(np.isfinite(a.sum(dtype=dtype)))


def _no_zero_taps(path: str, options: dict, geom: Geometry) -> bool:
    """The path multiplies the input by real taps only, so a non-finite input
    reaches exactly the outputs it reaches in the scatter (only the kernel needs
    checking: its taps also meet the zeros outside the input).

    True for the gather with ``time_batch`` 1 (no band of zero blocks) whose taps
    need no padding to a multiple of the stride: stride 1, or ``K`` a multiple of
    it, or dilation above 1 (one stride-1 plan per phase).  Skipping the input's
    check there saves a pass over it (0.24 ms of a 2.6 ms float32 decoder call).
    """
    s, d, k = geom.stride, geom.dilation, geom.kernel_size
    return (path == "gather" and options.get("time_batch", 1) == 1
            and (s == 1 or d > 1 or k % s == 0))


def compute(problem: Problem, path: str | None = None, **options: Any) -> np.ndarray:
    """The transposed convolution of a checked ``problem``, on a chosen or forced path.

    The output is allocated once, in the result dtype and layout; the path
    writes it block by block (inputs converted per block), so nothing of the
    size of the input or of the columns is ever allocated.

    Parameters
    ----------
    problem : Problem
        From :func:`deconv1d.core.transpose.prepare`.
    path : str, optional
        One of ``PATHS``, forced (tests and benchmarks do this); ``None`` lets
        :func:`choose` pick, and sends non-finite input to ``"scatter"`` unless it
        picked ``"index"``, ``"disjoint"`` or a gather that multiplies the input by
        real taps only (none of them multiplies the input by structural zeros:
        :func:`_no_zero_taps`).
    **options
        The path's options (see :func:`run`); only with a forced ``path``.

    Returns
    -------
    y : ndarray, shape (N, L_out, C_out) or (N, C_out, L_out)
        In ``problem.data_format`` and ``problem.result_dtype``.

    Examples
    --------
    >>> from deconv1d.core.transpose import prepare
    >>> problem = prepare(np.ones((1, 3, 1)), np.ones((2, 1, 1)), stride=2)
    >>> compute(problem, "gather", time_batch=2)[0, :, 0]
    array([1., 1., 1., 1., 1., 1.])
    """
    geom = problem.geometry
    n_batch, _, c_in = problem.x.shape
    c_out = problem.out_channels
    l_out = geom.output_length
    y, y_last = new_output(n_batch, l_out, c_out, problem.data_format,
                           problem.result_dtype)
    if n_batch == 0:
        if problem.bias is not None:
            y_last += problem.bias
        return y
    if path is None:
        if options:
            raise ValueError(f"options need a forced `path`. Received: {options!r}")
        path, options = choose(geom, c_in, c_out, problem.groups, n_batch,
                               problem.compute_dtype.itemsize)
        if path not in ("scatter", "index", "disjoint") and not (
                (_no_zero_taps(path, options, geom)
                 or _all_finite(problem.x, problem.compute_dtype))
                and _all_finite(problem.w, problem.compute_dtype)):
            # The block and gather paths multiply structural zeros (padded
            # taps, Toeplitz gaps, out-of-range inputs) and 0 * inf = nan would
            # spread a non-finite value past the outputs it reaches.
            path, options = "scatter", {}
    run(path, problem.x, problem.w, geom, problem.groups, y_last, problem.bias,
        problem.compute_dtype, **options)
    return y
