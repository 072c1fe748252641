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

import numpy as np

from . import _engine as _kernels
from . import geometry as shapes
from . import transpose as functional
from .arrays import as_numeric, dtypes

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
    it returns plus bounded scratch (long chunks are cut into blocks).

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

    def __init__(self, w, stride=1, padding="valid", output_padding=None, *,
                 dilation=1, groups=1, data_format="channels_last", bias=None):
        data_format = shapes.check_data_format(data_format)
        stride = shapes.check_int("stride", stride, minimum=1)
        dilation = shapes.check_int("dilation", dilation, minimum=1)
        pads = shapes.check_padding(padding)
        w_shape = np.shape(w)
        # A length long enough for any crop, only to check every argument once,
        # with the messages of conv1d_transpose.
        probe = 1
        if len(w_shape) == 3:
            dk = shapes.effective_kernel_size(max(w_shape[0], 1), dilation)
            probe = 2 + dk + (sum(pads) if isinstance(pads, tuple) else 0)
            c_in = w_shape[2]
        else:
            c_in = 1
        dummy = np.zeros((1, probe, c_in), dtype=bool)
        if data_format == "channels_first":
            dummy = dummy.transpose(0, 2, 1)
        problem = functional.prepare(dummy, w, stride, padding, output_padding,
                                     dilation=dilation, groups=groups,
                                     data_format=data_format, bias=bias)
        geom = problem.geometry
        self.stride, self.dilation, self.groups = stride, dilation, problem.groups
        self.padding, self.output_padding = padding, output_padding
        self.data_format = data_format
        self.kernel_size = geom.kernel_size
        self.in_channels, self.out_channels = c_in, problem.out_channels
        self.crop_left, self.crop_right = geom.crop_left, geom.crop_right
        self._w = np.array(w, copy=True)
        self._bias = None if bias is None else np.array(bias, copy=True)
        self._engine = None
        self._compute = self._result = None
        self._batch = None
        self._pending = None          # final full positions not returned yet
        self._pending_start = 0       # their first full position
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
        return last

    def _start(self, last):
        self._batch = last.shape[0]
        arrays = [last, self._w] + ([] if self._bias is None else [self._bias])
        self._compute, self._result = dtypes(*arrays)
        s, d, k = self.stride, self.dilation, self.kernel_size
        # contiguous block adds when they need no padded taps (state stays dk - s)
        blocks = d == 1 and k % s == 0 and k >= 2 * s
        self._engine = _kernels.Scatter(self._w, s, d, self.groups, self._compute,
                                        blocks=blocks)
        if self._bias is not None:
            self._bias_c = self._bias.astype(self._compute)
        self._pending = np.zeros((self._batch, 0, self.out_channels), self._compute)

    def _emit(self, parts, keep):
        """Join pending + ``parts`` (full positions from ``_pending_start``), crop
        the left, return all but the last ``keep`` positions, hold those."""
        joined = np.concatenate([self._pending] + parts, axis=1)
        start = self._pending_start
        skip = min(max(self.crop_left - start, 0), joined.shape[1])
        joined, start = joined[:, skip:], start + skip
        cut = max(joined.shape[1] - keep, 0)
        out, self._pending = joined[:, :cut], joined[:, cut:].copy()
        self._pending_start = start + cut
        return self._finish_piece(out)

    def _finish_piece(self, out):
        if self._bias is not None:
            out = out + self._bias_c
        out = out.astype(self._result, copy=True)
        self.length_out += out.shape[1]
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
        engine = self._engine
        per_input = (engine.taps + self.stride + 1) * max(self.out_channels, self.in_channels)
        block = max(1, _kernels.BLOCK_BYTES // (per_input * self._compute.itemsize
                                                 * self._batch or 1))
        parts = []
        for i0 in range(0, length, block):
            parts.append(engine.step(last[:, i0:i0 + block]).copy())
        self.length_in += length
        # Final positions the right crop may still drop stay held back: the
        # output ends ``crop_right`` before the full scatter, which ends
        # ``dk - s`` after the last final position.
        dk = shapes.effective_kernel_size(self.kernel_size, self.dilation)
        keep = max(self.crop_right - (dk - self.stride), 0)
        return self._emit(parts, keep)

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
        total = geom.output_length
        tail = self._engine.tail(self._batch)
        out = self._emit([tail], 0)
        # ``out`` ends at full position length_in*s + tail_len; keep what belongs.
        have = self.length_out
        excess = have - total
        if excess > 0:                   # the right crop: drop the last ones
            self.length_out -= excess
            axis = 1 if self.data_format == "channels_last" else 2
            out = np.take(out, np.arange(out.shape[axis] - excess), axis=axis)
        elif excess < 0:                 # zero extension past the full scatter
            n = self._batch
            extra = np.zeros((n, -excess, self.out_channels), self._compute)
            out_more = self._finish_piece(extra)
            axis = 1 if self.data_format == "channels_last" else 2
            out = np.concatenate([out, out_more], axis=axis)
        return out

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
