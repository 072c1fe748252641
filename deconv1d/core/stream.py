"""Streaming 1-D transposed convolution: feed a long signal in chunks along time.

The full scatter of input sample ``i`` covers positions ``i*s ... i*s + dk - 1``,
so once samples ``0 ... i1 - 1`` are in, every position before ``i1*s`` is final;
only the *overlap tail*, the ``dk - s`` positions after it, still waits for
more input.  :class:`Conv1DTransposeStream` keeps exactly that tail (plus the
few final samples that a right crop may still drop), so a signal larger than
memory (an ``np.memmap``) can be transformed chunk by chunk, into a memmap.

References
----------
V. Dumoulin and F. Visin, "A guide to convolution arithmetic for deep learning",
arXiv:1603.07285, section 4.
"""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt

from . import engine
from . import geometry as shapes
from .arrays import (
    TRANSPOSE_KERNEL,
    as_numeric,
    check_bias,
    check_transpose_kernel,
    dtypes,
    rank3,
)

__all__ = ["Conv1DTransposeStream"]


class Conv1DTransposeStream:
    """A transposed convolution over a signal that arrives in chunks along time.

    ``feed`` each chunk (any length, including 0), collect what it returns, and
    call ``finish`` once at the end: the concatenation along time of all the
    returned pieces equals ``conv1d_transpose`` of the whole signal (same
    length, same values to within a few ulps: sums are grouped differently).

    Parameters
    ----------
    w : array_like, shape (K, C_out // groups, C_in)
        Kernel in Keras ``Conv1DTranspose`` layout.
    stride, padding, output_padding, dilation, groups, data_format, bias
        As :func:`deconv1d.conv1d_transpose`; every padding mode works, since
        the crops at both ends do not depend on the signal's length.

    Attributes
    ----------
    length_in : int
        Input samples fed so far.
    length_out : int
        Output samples returned so far.

    Notes
    -----
    State between chunks: the overlap tail, ``max(dk - s, 0)`` positions
    (``dk = (K - 1)*dilation + 1``), plus up to ``crop_right`` final positions
    held back because they may be cropped.  Memory per ``feed`` is the output
    it returns, plus bounded scratch (long chunks are cut into blocks), plus the
    state up to three times over while it is updated (the carried tail, the
    accumulator that extends it, the held-back positions): ``N * C_out`` values per
    position, which matters only for a long dilated kernel (K = 8192, dilation 3,
    4 x 32 channels: 36 MiB of state, 80 MiB at the peak of a feed).

    The first non-empty chunk fixes the dtype, as the one-shot call would pick it
    for that chunk (:func:`deconv1d.conv1d_transpose`); a later chunk that would
    change it (float64 after float32, complex after real) is refused with a
    ``ValueError`` rather than narrowed.

    Examples
    --------
    >>> import numpy as np
    >>> from deconv1d import conv1d_transpose
    >>> x = np.arange(10.0).reshape(1, 10, 1)
    >>> w = np.array([1.0, 2.0, 3.0]).reshape(3, 1, 1)
    >>> stream = Conv1DTransposeStream(w, stride=2, padding="same")
    >>> pieces = [stream.feed(x[:, :3]), stream.feed(x[:, 3:4]), stream.feed(x[:, 4:])]
    >>> pieces.append(stream.finish())
    >>> y = np.concatenate(pieces, axis=1)
    >>> y.shape, np.allclose(y, conv1d_transpose(x, w, stride=2, padding="same"))
    ((1, 20, 1), True)
    """

    def __init__(self, w: npt.ArrayLike, stride: int = 1,
                 padding: shapes.Padding = "valid", output_padding: int | None = None,
                 *, dilation: int = 1, groups: int = 1,
                 data_format: str = "channels_last",
                 bias: npt.ArrayLike | None = None) -> None:
        data_format = shapes.check_data_format(data_format)
        w = rank3("w", w, TRANSPOSE_KERNEL)
        groups = shapes.check_int("groups", groups, minimum=1)
        c_in = int(w.shape[2])
        c_out = check_transpose_kernel(w, groups, c_in, "its own input channels")
        if bias is not None:
            bias = check_bias(bias, c_out, "output channel")
        stride = shapes.check_int("stride", stride, minimum=1)
        dilation = shapes.check_int("dilation", dilation, minimum=1)
        pads = shapes.check_padding(padding)
        # The crops do not depend on the signal's length: take them at a length
        # long enough for any crop (this also checks output_padding).
        dk = shapes.effective_kernel_size(w.shape[0], dilation)
        probe = 2 + dk + (sum(max(p, 0) for p in pads) if not isinstance(pads, str) else 0)
        geom = shapes.geometry(probe, w.shape[0], stride, padding, output_padding,
                               dilation)
        self.stride, self.dilation, self.groups = stride, dilation, groups
        self.padding, self.output_padding = padding, output_padding
        self.data_format = data_format
        self.kernel_size = geom.kernel_size
        self.in_channels, self.out_channels = c_in, c_out
        self.crop_left, self.crop_right = geom.crop_left, geom.crop_right
        self._w = np.array(w, copy=True)
        self._bias = None if bias is None else np.array(bias, copy=True)
        self._engine: engine.Scatter | None = None
        self._compute: np.dtype | None = None
        self._result: np.dtype | None = None
        self._bias_c: np.ndarray | None = None
        self._batch: int | None = None
        self._pending = np.zeros((0, 0, c_out))   # computed positions not returned yet
        self._pending_start = 0                   # their first full position
        self._finished = False
        self.length_in = 0
        self.length_out = 0

    def output_length(self, total_length):
        """Output length for a signal of ``total_length`` samples in all.

        Examples
        --------
        >>> Conv1DTransposeStream(np.ones((3, 1, 1)), stride=2).output_length(10)
        21
        """
        return shapes.output_length(total_length, self.kernel_size, self.stride,
                                    self.padding, self.output_padding, self.dilation)

    # ------------------------------------------------------------------ #
    def _check_chunk(self, chunk):
        chunk = as_numeric("chunk", chunk)
        if chunk.ndim != 3:
            raise ValueError(
                "`chunk` must have rank 3, like the whole signal. "
                f"Received: chunk with shape {chunk.shape}")
        last = chunk if self.data_format == "channels_last" else chunk.transpose(0, 2, 1)
        if last.shape[2] != self.in_channels:
            raise ValueError(
                f"`chunk` must have {self.in_channels} channels ({self.data_format}). "
                f"Received: chunk with shape {chunk.shape}")
        if self._batch is not None and last.shape[0] != self._batch:
            raise ValueError(
                f"`chunk` must keep the batch size {self._batch} of the first chunk. "
                f"Received: chunk with shape {chunk.shape}")
        if self._result is not None and last.shape[1]:
            # The first chunk fixed the arithmetic (the carried tail is in it): a
            # chunk that would change the result dtype (float64 after float32,
            # complex after real) is refused, never silently narrowed.
            wanted = dtypes(np.zeros(0, self._result), last[:0, :0])[1]
            if wanted != self._result:
                raise ValueError(
                    f"`chunk` must not change the stream's dtype: the first chunk made "
                    f"it {self._result}, this one would make it {wanted}. Cast the "
                    f"chunks to one dtype (or start with {wanted}). Received: chunk "
                    f"with dtype {chunk.dtype}")
        return last

    def _start(self, last):
        self._batch = last.shape[0]
        arrays = [last, self._w] + ([] if self._bias is None else [self._bias])
        self._compute, self._result = dtypes(*arrays)
        s, d, k = self.stride, self.dilation, self.kernel_size
        # contiguous block adds when they need no padded taps (state stays dk - s)
        blocks = d == 1 and k % s == 0 and k >= 2 * s
        self._engine = engine.Scatter(self._w, s, d, self.groups, self._compute,
                                      blocks=blocks)
        if self._bias is not None:
            self._bias_c = self._bias.astype(self._compute)
        self._pending = np.zeros((self._batch, 0, self.out_channels), self._compute)

    def _emit(self, parts, stop):
        """Output positions ``length_out ... stop - 1``, from the computed full
        positions (held ones, then each of ``parts`` in turn, placed as it comes:
        a part may be a view of scratch); computed positions from ``stop`` on
        are held for the next piece."""
        first = self.length_out + self.crop_left          # full position of out[0]
        out = np.empty((self._batch, max(stop - self.length_out, 0), self.out_channels),
                       self._compute)
        end = first + out.shape[1]
        place = engine.Placement(out, first, self._bias_c)
        start = position = self._pending_start
        held = []
        for part in itertools.chain([self._pending], parts):
            place.put(position, part)
            keep_from = min(max(end - position, 0), part.shape[1])
            if keep_from < part.shape[1]:
                held.append(part[:, keep_from:].copy())
            position += part.shape[1]
        place.close()
        self.length_out += out.shape[1]
        self._pending = (np.concatenate(held, axis=1) if held else
                         np.zeros((self._batch, 0, self.out_channels), self._compute))
        self._pending_start = start + min(max(end - start, 0), position - start)
        out = out.astype(self._result, copy=False)
        if self.data_format == "channels_first":
            out = np.ascontiguousarray(out.transpose(0, 2, 1))
        return out

    def _empty(self):
        n = self._batch or 0
        shape = (n, 0, self.out_channels)
        dtype = self._result if self._result is not None else np.float64
        out = np.zeros(shape, dtype)
        return out.transpose(0, 2, 1).copy() if self.data_format == "channels_first" else out

    def feed(self, chunk):
        """Push the next ``chunk`` of the signal; return the outputs it completes.

        Parameters
        ----------
        chunk : array_like, shape (N, l, C_in) or (N, C_in, l)
            The next ``l >= 0`` samples (an ``np.memmap`` slice is fine).

        Returns
        -------
        ndarray, shape (N, m, C_out) or (N, C_out, m)
            The next ``m`` output samples (``m`` may be 0).
        """
        if self._finished:
            raise ValueError("`feed` after `finish`: this stream is closed. "
                             "Received: a chunk after finish()")
        last = self._check_chunk(chunk)
        if self._engine is None:
            if last.shape[1] == 0:
                self._batch = last.shape[0]
                return self._empty()
            self._start(last)
        length = last.shape[1]
        if length == 0:
            return self._empty()
        scatter = self._engine
        _, block = engine.block_shape(1, length, scatter.row_bytes(self.in_channels)
                                      * self._batch)
        parts = (scatter.step(last[:, i0:i0 + block]) for i0 in range(0, length, block))
        self.length_in += length
        # Full positions before length_in * s are final; the output of the
        # shortest signal that starts so ends crop_right before its full
        # scatter, which ends dk - s after them: return no output beyond.
        dk = shapes.effective_kernel_size(self.kernel_size, self.dilation)
        final = self.length_in * self.stride + min(dk - self.stride - self.crop_right, 0)
        return self._emit(parts, final - self.crop_left)

    def finish(self):
        """Close the stream and return the last outputs (the tail, cropped / zero-extended).

        Returns
        -------
        ndarray, shape (N, m, C_out) or (N, C_out, m)

        Raises
        ------
        ValueError
            If nothing was fed, or the whole signal is too short for any output.
        """
        if self._finished:
            raise ValueError("`finish` called twice: this stream is closed. "
                             "Received: a second finish()")
        self._finished = True
        if self.length_in == 0:
            raise ValueError("The stream got no samples: feed at least one before "
                             "finish(). Received: length_in=0")
        geom = shapes.geometry(self.length_in, self.kernel_size, self.stride,
                               self.padding, self.output_padding, self.dilation)
        return self._emit([self._engine.tail(self._batch)], geom.output_length)

    def run(self, x, out=None, chunk_length=65536):
        """Transform a whole signal chunk by chunk (e.g. memmap in, memmap out).

        Parameters
        ----------
        x : array_like, shape (N, L, C_in) or (N, C_in, L)
        out : ndarray, shape (N, L_out, C_out) or (N, C_out, L_out), optional
            Where to write (an ``np.memmap`` works); allocated when omitted.
        chunk_length : int, default 65536
            Input samples per chunk.

        Returns
        -------
        ndarray
            ``out``.

        Examples
        --------
        >>> x = np.ones((1, 5, 1)); w = np.ones((2, 1, 1))
        >>> Conv1DTransposeStream(w).run(x, chunk_length=2)[0, :, 0]
        array([1., 2., 2., 2., 2., 1.])
        """
        chunk_length = shapes.check_int("chunk_length", chunk_length, minimum=1)
        if not isinstance(x, np.ndarray):          # lists, tuples: memmaps stay as they are
            x = as_numeric("x", x)
        if x.ndim != 3:
            raise ValueError(
                "`x` must have rank 3, (N, L, C_in) or (N, C_in, L). "
                f"Received: x with shape {x.shape}")
        time_axis = 1 if self.data_format == "channels_last" else 2
        length = np.shape(x)[time_axis]
        total = self.output_length(length)
        if out is None:
            shape = list(np.shape(x))
            shape[time_axis] = total
            shape[3 - time_axis] = self.out_channels
            dtype = dtypes(
                *([np.asarray(x[:1, :1, :1]), self._w]
                  + ([] if self._bias is None else [self._bias])))[1]
            out = np.zeros(shape, dtype)
        pos = 0

        def put(piece):
            nonlocal pos
            m = piece.shape[time_axis]
            index = [slice(None)] * 3
            index[time_axis] = slice(pos, pos + m)
            out[tuple(index)] = piece
            pos += m

        for i0 in range(0, length, chunk_length):
            index = [slice(None)] * 3
            index[time_axis] = slice(i0, i0 + chunk_length)
            put(self.feed(x[tuple(index)]))
        put(self.finish())
        return out
