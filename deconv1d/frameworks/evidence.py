"""Pooled evidence: is the residual a kernel difference rather than rounding noise?

A per-sample bound cannot see a single weight off by 0.1% on a wide layer: its
effect on each output is below the rounding bound of that output.  But the
residual ``r = actual - reference`` is linear in a kernel difference ``dW``
(``r ~ T(x) dW``, ``T`` the transposed convolution of ``x`` as a function of the
kernel), so the evidence of every output that one kernel entry reaches can be
pooled.  With the noise of sample ``i`` modelled as ``c v_i`` (``v_i`` a known
shape, ``c`` estimated from the data), the weighted least-squares score of entry
``j`` is ``g_j = (T^T W r)_j`` with ``W = diag(1 / v^2)``, one VJP call for all
entries at once, and ``z_j = g_j / (c sqrt((T^T W T)_jj))`` is standard normal
under the noise model.  The derivation is in ``docs/error-bounds.md``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .. import conv1d_transpose, shapes
from .tolerance import gamma

__all__ = ["BLOCK", "Entry", "Evidence", "kernel_gradient", "polyphase_product", "pooled",
           "spans", "upper_product"]

#: Output samples (all channels counted) per block of the blocked passes of
#: :mod:`deconv1d.verify` and :func:`pooled`: 2 MiB per float64 block, so that a
#: few dozen temporaries stay within a few tens of MiB whatever the output's size,
#: while each block is large enough that the per-call overhead does not show.
BLOCK = 1 << 18

#: Output samples per kernel entry in a block of the pooled test (see :func:`pooled`).
_SAMPLES_PER_ENTRY = 16

#: Output samples per piece of a block that the pooled test asks for at a time: the
#: block's GEMMs read one layout of the whole block, while the elementwise work on a
#: piece keeps its temporaries (256 KiB each) small enough to be reused from the heap
#: rather than freshly mapped (HiFi-GAN-style layers of 2**16 samples: about 1000
#: page faults per check with whole blocks; with these pieces 0-1 on a repeated check
#: of every layer of the benchmark's generator but its first, 640-1500).  Each piece
#: costs some 30 NumPy calls, so smaller pieces cost time on long outputs of few
#: channels: BLOCK // 32 took 1.25x as long on a (1, 8, 131072) output.
PIECE = BLOCK // 8


def spans(shape: tuple[int, ...], block: int | None = None, *,
          share: int = 1) -> list[tuple[int, int, int, int]]:
    """Blocks ``(n0, n1, t0, t1)`` over the first two axes of an ``(N, L, C)`` shape.

    Each block holds about ``block`` (default :data:`BLOCK` divided by ``share``)
    elements: whole batch rows when a row is small, otherwise pieces of one row
    along time.

    Examples
    --------
    >>> spans((2, 5, 3), block=6)
    [(0, 1, 0, 2), (0, 1, 2, 4), (0, 1, 4, 5), (1, 2, 0, 2), (1, 2, 2, 4), (1, 2, 4, 5)]
    >>> spans((4, 2, 1), block=4)
    [(0, 2, 0, 2), (2, 4, 0, 2)]
    """
    block = max(1, BLOCK // share) if block is None else block
    n, length = int(shape[0]), int(shape[1])
    inner = int(np.prod(shape[2:], dtype=np.int64)) if len(shape) > 2 else 1
    row = max(length * inner, 1)
    if row <= block:
        rows = max(1, block // row)
        return [(i, min(i + rows, n), 0, length) for i in range(0, n, rows)]
    per = max(1, block // max(inner, 1))
    return [(i, i + 1, t, min(t + per, length)) for i in range(n) for t in range(0, length, per)]


@dataclass(frozen=True)
class Entry:
    """One kernel (or bias) entry that explains part of the residual.

    ``k``, ``out``, ``in_`` index the tap, the output channel and the input
    channel (``k`` and ``in_`` are None for a bias entry); ``value`` is the
    reference weight, ``delta`` the estimated difference ``actual - reference``.
    """

    k: int | None
    out: int
    in_: int | None
    value: float
    delta: float

    def __str__(self) -> str:
        name = (f"bias[{self.out}]" if self.k is None
                else f"w[k={self.k}, out={self.out}, in={self.in_}]")
        if self.value != 0:
            return f"{name} is off by {self.delta / self.value:+.2g} ({self.delta / self.value:+.4%})"
        return f"{name} is off by {self.delta:+.3g} (it is 0 in the reference)"


@dataclass(frozen=True)
class Evidence:
    """The pooled test's outcome (see :func:`pooled`): ``noise`` is the scale ``c``."""

    z_max: float
    threshold: float
    noise: float
    samples: int
    entries: int
    false_alarm: float
    located: tuple[Entry, ...] = field(default=())

    @property
    def suspect(self) -> bool:
        """Whether the largest score exceeds the threshold."""
        return self.z_max > self.threshold


def kernel_gradient(dy: np.ndarray, x: np.ndarray | None, kernel_shape: tuple[int, ...], *,
                    stride: int, crop_left: int, dilation: int, groups: int, start: int = 0,
                    first_input: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """One block's part of the kernel and bias gradients of a transposed convolution.

    ``dw[k, m, c] = sum dy[n, t, m'] x[n, i, c]`` over the samples ``t = start ...
    start + L_b - 1`` of ``dy`` and the inputs ``i = first_input ...`` of ``x``
    with ``t = i s + k d - crop_left`` (``m'`` the output channel of ``m`` in the
    group of ``c``), and ``db = dy`` summed: the ``dw`` and ``db`` of
    :func:`deconv1d.conv1d_transpose_vjp`, restricted to a block, without its
    input gradient (half the work).  Summed over blocks that cover the output
    once, they are the whole gradients.

    Parameters
    ----------
    dy : ndarray, shape (N, L_b, C_out)
        Samples ``start:start + L_b`` of the output gradient (float64).
    x : ndarray, shape (N, I, C_in), or None
        The inputs ``first_input:first_input + I``: at least every input that
        reaches the block (None: none does).
    kernel_shape : tuple
        ``(K, C_out // groups, C_in)``.
    stride, crop_left, dilation, groups
        The geometry (``crop_left`` of the output window, may be negative).
    start, first_input : int
        Where the block and the inputs begin.

    Returns
    -------
    dw : ndarray, shape kernel_shape
    db : ndarray, shape (C_out,)

    Examples
    --------
    >>> from deconv1d import conv1d_transpose_vjp, shapes
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((1, 6, 2)); dy = rng.standard_normal((1, 12, 3))
    >>> _, dw, db = conv1d_transpose_vjp(dy, x, np.ones((4, 3, 2)), 2, shapes.Window(1, 1))
    >>> a, _ = kernel_gradient(dy[:, :5], x, (4, 3, 2), stride=2, crop_left=1, dilation=1,
    ...                        groups=1)
    >>> b, _ = kernel_gradient(dy[:, 5:], x, (4, 3, 2), stride=2, crop_left=1, dilation=1,
    ...                        groups=1, start=5)
    >>> bool(np.allclose(a + b, dw))
    True
    """
    k_size, c_g, c_in = kernel_shape
    channels = c_g * groups
    s, d = stride, dilation
    db = _column_sums(dy)
    if x is None or dy.shape[1] == 0:
        return np.zeros(kernel_shape), db
    nb, n_in = x.shape[0], x.shape[1]
    first = first_input * s
    p0 = start + crop_left
    if groups == 1:
        return _polyphase_gradient(dy, x, kernel_shape, s, d, p0 - first), db
    # dy on the full-scatter positions read by the inputs, zero outside the block: each
    # (input, tap) pair of a sample is counted in exactly one block.
    span = (n_in - 1) * s + (k_size - 1) * d + 1
    pad = np.zeros((nb, span, channels))
    _put(pad, p0 - first, dy)
    item = pad.itemsize
    cols = np.lib.stride_tricks.as_strided(
        pad, shape=(nb, n_in, k_size, channels),
        strides=(pad.strides[0], s * channels * item, d * channels * item, item),
        writeable=False)
    rows = nb * n_in
    xs = x.reshape(rows, c_in)
    c_in_g = c_in // groups
    lhs = cols.reshape(rows, k_size, groups, c_g).transpose(2, 1, 3, 0).reshape(
        groups, k_size * c_g, rows)
    rhs = xs.reshape(rows, groups, c_in_g).transpose(1, 0, 2)
    dw = (lhs @ rhs).reshape(groups, k_size, c_g, c_in_g).transpose(1, 2, 0, 3)
    return dw.reshape(kernel_shape), db


def _polyphase_gradient(dy: np.ndarray, x: np.ndarray, kernel_shape: tuple[int, ...],
                        s: int, d: int, offset: int) -> np.ndarray:
    """:func:`kernel_gradient`'s ``dw`` for one group, without an im2col copy.

    ``dy`` is laid out on the full-scatter positions read by the inputs (``offset``:
    the position of ``dy[:, 0]`` relative to the first input's; see
    :func:`polyphase_product`).
    """
    pad = _zero_edges(np.empty((x.shape[0], _polyphase_length(x.shape[1], kernel_shape[0],
                                                              s, d), kernel_shape[1])),
                      offset, dy.shape[1])
    _put(pad, offset, dy)
    return polyphase_product(pad, x, kernel_shape, s, d)


def _polyphase_length(n_in: int, k_size: int, s: int, d: int) -> int:
    """Full-scatter positions :func:`polyphase_product` reads for ``n_in`` inputs."""
    return (n_in + (k_size - 1) * d // s) * s


def _put(pad: np.ndarray, offset: int, dy: np.ndarray) -> None:
    """Write ``dy`` at positions ``offset ...`` of ``pad`` (axis 1), clipped to ``pad``."""
    lo, hi = max(offset, 0), min(offset + dy.shape[1], pad.shape[1])
    if hi > lo:
        pad[:, lo:hi] = dy[:, lo - offset:hi - offset]


def _column_sums(dy: np.ndarray) -> np.ndarray:
    """``dy.sum(axis=(0, 1))`` of an (N, L, C) array: one matrix-vector product when
    its rows are contiguous (a reduction over a few channels is several times slower)."""
    if not dy.flags.c_contiguous:
        return dy.sum(axis=(0, 1), dtype=np.result_type(dy.dtype, np.float64))
    flat = dy.reshape(-1, dy.shape[-1])
    return np.ones(flat.shape[0]) @ flat if flat.shape[0] else np.zeros(dy.shape[-1])


def _zero_edges(pad: np.ndarray, offset: int, length: int) -> np.ndarray:
    """``pad`` with zeros outside positions ``offset:offset + length`` (axis 1)."""
    lo, hi = max(offset, 0), min(offset + length, pad.shape[1])
    if hi > lo:
        pad[:, :lo] = 0.0
        pad[:, hi:] = 0.0
    else:
        pad.fill(0.0)
    return pad


def polyphase_product(pad: np.ndarray, x: np.ndarray, kernel_shape: tuple[int, ...],
                       s: int, d: int) -> np.ndarray:
    """``dw[k, m, c] = sum pad[n, i s + k d, m] x[n, i, c]`` (one group).

    ``pad`` (shape ``(N, P, C_out)``, ``P`` from :func:`_polyphase_length`) is read
    as rows of ``s`` positions: tap ``k`` of input ``i`` reads row ``i + (k d) // s``
    at phase ``(k d) % s``, so each tap's columns are a strided view of those rows
    (no im2col copy), and with ``d = 1`` the taps of one row are adjacent columns:
    one GEMM per ``s`` taps.

    Parameters
    ----------
    pad : ndarray, shape (N, P, C_out)
        Values on the full-scatter positions read by the inputs (``P`` a multiple of
        ``s``, at least ``_polyphase_length(I, K, s, d)``).
    x : ndarray, shape (N, I, C_in)
    kernel_shape : tuple
        ``(K, C_out, C_in)``.
    s, d : int
        Stride and dilation.

    Returns
    -------
    dw : ndarray, shape kernel_shape
        In the result dtype of ``pad`` and ``x``.

    Examples
    --------
    >>> pad = np.arange(8.0).reshape(1, 8, 1); x = np.ones((1, 3, 1))
    >>> polyphase_product(pad, x, (2, 1, 1), 2, 1)[:, 0, 0]     # 0+2+4, 1+3+5
    array([6., 9.])
    """
    k_size, channels, c_in = kernel_shape
    nb, n_in = x.shape[0], x.shape[1]
    rows = pad.shape[1] // s
    phases = pad.reshape(nb, rows, s * channels)
    dw = np.empty(kernel_shape, dtype=np.result_type(pad, x))

    def gram(lhs: np.ndarray, out: np.ndarray) -> None:
        if nb == 1:
            np.matmul(lhs[0].T, x[0], out=out)
        else:
            np.matmul(lhs.transpose(0, 2, 1), x).sum(axis=0, out=out)

    if d == 1:
        for q in range(rows - n_in + 1):
            k0, k1 = q * s, min(q * s + s, k_size)
            gram(phases[:, q:q + n_in, :(k1 - k0) * channels],
                 dw[k0:k1].reshape((k1 - k0) * channels, c_in))
    else:
        for k in range(k_size):
            q, phase = divmod(k * d, s)
            gram(phases[:, q:q + n_in, phase * channels:(phase + 1) * channels], dw[k])
    return dw


class _Gradients:
    """The parts of ``T^T dy`` of one output block for a few ``dy`` at once, each with
    ``x``, ``x**2`` or ``|x|`` for ``x`` (``powers``), ``dy`` given a piece along time
    at a time.

    Each piece is written straight into the full-scatter layout the GEMMs read
    (:func:`polyphase_product`), so that the only block-sized arrays are those
    layouts: the pieces, and the per-piece temporaries of whoever computes them,
    stay small (fresh block-sized temporaries cost a page fault per 4 KiB each time).
    """

    def __init__(self, model: _Model, n0: int, n1: int, t0: int, t1: int,
                 powers: tuple[str, ...]) -> None:
        self.model, self.powers = model, powers
        self.n0, self.n1, self.t0, self.t1 = n0, n1, t0, t1
        kernel = model.kernel
        self.i0, self.i1 = model.span(t0, t1)
        channels = model.channels
        self.db = [np.zeros(channels) for _ in powers]
        self.p0 = t0 + model.crop_left - self.i0 * model.stride   # block start, in pad
        self.pads: list[np.ndarray] | None = None
        if self.i1 <= self.i0:
            return
        if model.groups == 1:
            length = _polyphase_length(self.i1 - self.i0, kernel.shape[0], model.stride,
                                       model.dilation)
        else:
            length, self.p0 = t1 - t0, 0
        self.pads = [_zero_edges(np.empty((n1 - n0, length, channels)), self.p0, t1 - t0)
                     for _ in powers]

    def put(self, which: int, u0: int, a: np.ndarray, b: np.ndarray) -> None:
        """Samples ``u0:u0 + L`` (absolute) of the ``which``-th ``dy = a * b``,
        multiplied straight into the layout when the piece lies inside it (no
        temporary, no copy); ``a`` may be overwritten."""
        pad = None if self.pads is None else self.pads[which]
        offset = self.p0 + u0 - self.t0
        if pad is not None and offset >= 0 and offset + a.shape[1] <= pad.shape[1]:
            dy = np.multiply(a, b, out=pad[:, offset:offset + a.shape[1]])
        else:
            dy = np.multiply(a, b, out=a)
            if pad is not None:
                _put(pad, offset, dy)
        self.db[which] += _column_sums(dy)

    def result(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """``(dw, db)`` for each ``dy``, in order; with ``|x|`` (``dy`` must be
        non-negative) and one group, ``dw`` is an upper bound computed in float32
        (see :func:`upper_product`)."""
        model, shape = self.model, self.model.kernel.shape
        if self.pads is None:
            return [(np.zeros(shape), db) for db in self.db]
        out = []
        for pad, power, db in zip(self.pads, self.powers, self.db):
            x = model.inputs(self.n0, self.n1, self.i0, self.i1, squared=power == "x**2",
                             absolute=power == "|x|")
            upper = None
            if model.groups == 1 and power == "|x|":
                upper = upper_product(pad, x, shape, model.stride, model.dilation)
            if upper is not None:
                dw = upper
            elif model.groups == 1:
                dw = polyphase_product(pad, x, shape, model.stride, model.dilation)
            else:
                dw, _ = kernel_gradient(pad, x, shape, stride=model.stride,
                                        crop_left=model.crop_left, dilation=model.dilation,
                                        groups=model.groups, start=self.t0,
                                        first_input=self.i0)
            out.append((dw, db))
        return out


#: Unit roundoff of float32, used by :func:`upper_product`.
_U32 = 2.0**-24


def upper_product(pad: np.ndarray, x: np.ndarray, kernel_shape: tuple[int, ...], s: int,
                   d: int) -> np.ndarray | None:
    """An upper bound of :func:`polyphase_product` of non-negative ``pad`` and ``x``,
    computed in float32 (``pad`` is scaled in place).

    Both factors are scaled by powers of two to at most 1 and rounded to float32 (one
    rounding each), each term is one more rounding and the sum of ``N`` terms
    (``N`` = rows of ``x`` times batch rows) at most ``N - 1``; every rounding is
    relative (``u = 2**-24``) or, near underflow, absolute (at most ``2**-150``).
    With all terms non-negative the computed ``s`` then satisfies ``s >= (1 -
    gamma_{N+2}) p - 4 N 2**-150`` for the exact ``p``, so that ``p <= (s + N 2**-148)
    / (1 - gamma_{N+3})`` (the extra ``u`` also covers the float64 arithmetic of the
    correction).  None (compute in float64) when a factor is not finite or the
    scales are extreme.

    Parameters
    ----------
    pad, x, kernel_shape, s, d
        As :func:`polyphase_product`, both factors non-negative; ``pad`` (float64)
        is overwritten.

    Returns
    -------
    ndarray, shape kernel_shape, float64, or None

    Examples
    --------
    >>> pad = np.arange(8.0).reshape(1, 8, 1); x = np.full((1, 3, 1), 0.1)
    >>> exact = polyphase_product(pad, x, (2, 1, 1), 2, 1)
    >>> bool(np.all(upper_product(pad.copy(), x, (2, 1, 1), 2, 1) >= exact))
    True
    """
    top_p = float(pad.max()) if pad.size else 0.0
    top_x = float(x.max()) if x.size else 0.0
    if not (math.isfinite(top_p) and math.isfinite(top_x)) or top_p <= 0 or top_x <= 0:
        return None
    e_p, e_x = math.frexp(top_p)[1], math.frexp(top_x)[1]
    if abs(e_p + e_x) > 900:
        return None
    pad32 = np.multiply(pad, 2.0**-e_p, out=pad).astype(np.float32)
    x32 = np.multiply(x, 2.0**-e_x).astype(np.float32)
    upper = polyphase_product(pad32, x32, kernel_shape, s, d).astype(np.float64)
    n = x.shape[0] * x.shape[1]
    upper += n * 2.0**-148
    upper *= math.ldexp(1.0 / (1.0 - float(gamma(n + 3, _U32))), e_p + e_x)
    return upper


class _Model:
    """The transposed convolution ``T(x)`` as a function of the kernel, one block at a time.

    Output block ``(n0:n1, t0:t1)`` (samples of the window, all channels) is
    reached by the inputs ``i`` with ``t0 <= i s + k d - crop_left < t1`` for some
    tap ``k``.  :class:`_Gradients` gives that block's part of ``T^T dy`` (the
    kernel gradient, a correlation of ``dy`` with ``x``) without the input gradient
    a full VJP also computes; :meth:`column` gives ``T(x) e_j`` directly: entry
    ``(k, m, c)`` reaches output channel ``m`` of its group at ``t = i s + k d -
    crop_left`` with value ``x[i, c]``.  Inputs are converted to float64 (times
    ``2**x_exponent``) one block at a time.
    """

    def __init__(self, x, kernel, stride, window, dilation, groups, x_exponent=0):
        self.x, self.kernel = x, kernel
        self.stride, self.dilation, self.groups = stride, dilation, groups
        self.crop_left = window.crop_left
        self.x_exponent = x_exponent
        self._held: tuple[tuple[int, ...], np.ndarray] | None = None
        k_size = kernel.shape[0]
        full = (x.shape[1] - 1) * stride + (k_size - 1) * dilation + 1
        self.length = full - window.crop_left - window.crop_right
        self.channels = kernel.shape[1] * groups

    def inputs(self, n0, n1, i0, i1, squared=False, absolute=False):
        """Inputs ``(n0:n1, i0:i1)`` in float64 (read only), or their squares or moduli.

        The last block converted is kept: the passes over one block (``g`` and ``h``,
        a fitted entry's column, the systematic allowance) convert it once.
        """
        key = (n0, n1, i0, i1)
        if self._held is None or self._held[0] != key:
            part = self.x[n0:n1, i0:i1]
            part = (np.ldexp(part, self.x_exponent, dtype=np.float64) if self.x_exponent
                    else part.astype(np.float64))
            part.flags.writeable = False
            self._held = (key, part)
        part = self._held[1]
        if absolute:
            return np.abs(part)
        return np.multiply(part, part) if squared else part

    def span(self, t0, t1):
        """The inputs ``i0:i1`` reaching output samples ``t0:t1``."""
        s, reach = self.stride, (self.kernel.shape[0] - 1) * self.dilation
        p0, p1 = t0 + self.crop_left, t1 + self.crop_left
        return max(0, -(-(p0 - reach) // s)), min(self.x.shape[1], (p1 - 1) // s + 1)

    def output_channel(self, index):
        """The output channel an entry reaches."""
        if index[0] == "b":
            return int(index[1])
        c_g = self.kernel.shape[1]
        return (int(index[3]) // (self.kernel.shape[2] // self.groups)) * c_g + int(index[2])

    def _reaching(self, n0, n1, t0, t1, i0, i1):
        """Inputs ``i0:i1`` (some of those reaching block ``t0:t1``) as float64: a view
        of the block's inputs, so that the block is converted once."""
        b0, b1 = self.span(t0, t1)
        return self.inputs(n0, n1, b0, b1)[:, i0 - b0:i1 - b0]

    def reach(self, index, n0, n1, t0, t1):
        """Where kernel entry ``index`` reaches block ``(n0:n1, t0:t1)`` of its output
        channel: ``T(x) e_j != 0`` there, shape ``(n1 - n0, t1 - t0, 1)``."""
        out = np.zeros((n1 - n0, t1 - t0, 1), bool)
        k, c = int(index[1]), int(index[3])
        i0, i1, samples = self._tap(k, t0, t1)
        if i1 > i0:
            out[:, samples, 0] = self._reaching(n0, n1, t0, t1, i0, i1)[:, :, c] != 0
        return out

    def _tap(self, k, t0, t1):
        """``(i0, i1, samples)``: the inputs ``i0:i1`` that tap ``k`` carries into block
        ``t0:t1`` (none when ``i1 <= i0``), and the slice of the block they land on."""
        s = self.stride
        shift = k * self.dilation - self.crop_left          # t = i s + shift
        i0 = max(0, -(-(t0 - shift) // s))
        i1 = min(self.x.shape[1], (t1 - 1 - shift) // s + 1)
        t_first = i0 * s + shift - t0
        return i0, i1, slice(t_first, t_first + (i1 - i0 - 1) * s + 1, s)

    def column(self, index, amount, n0, n1, t0, t1):
        """Block ``(n0:n1, t0:t1)`` of ``T(x) e_j`` times ``amount``: the effect of one entry."""
        out = np.zeros((n1 - n0, t1 - t0, self.channels))
        if index[0] == "b":
            out[:, :, index[1]] = amount
            return out
        k, m, c = (int(i) for i in index[1:])
        c_g = self.kernel.shape[1]
        o = (c // (self.kernel.shape[2] // self.groups)) * c_g + m
        i0, i1, samples = self._tap(k, t0, t1)
        if i1 > i0:
            out[:, samples, o] = amount * self._reaching(n0, n1, t0, t1, i0, i1)[:, :, c]
        return out


class _Reductions:
    """``g^2 / h`` per entry (0 where ``h`` is 0): how much of the weighted squared
    residual a fit of the entry removes, the square of its score; with where it is
    largest (the first such entry) and the smallest ``h``, each found once for
    :func:`_best` and :func:`_floored`.

    Computed a cache-sized run of entries at a time and not kept (a wide layer has
    millions of entries): :meth:`near` recomputes the runs that reach a level.
    """

    RUN = 1 << 15

    def __init__(self, g: np.ndarray, h: np.ndarray) -> None:
        self.g, self.h = g.reshape(-1), h.reshape(-1)
        self.tops: list[float] = []
        self.top_at, self.top = 0, -1.0
        lows = []
        for start in range(0, self.g.size, self.RUN):
            lows.append(self.h[start:start + self.RUN].min())
            part = self.run(start)
            j = int(np.argmax(part))
            value = float(part[j])
            self.tops.append(value)
            if value > self.top or (math.isnan(value) and not math.isnan(self.top)):
                self.top_at, self.top = start + j, value
            if math.isnan(self.top):
                lows.append(self.h.min())
                break                       # NaN is the largest, as for np.argmax
        self.h_min = float(np.min(lows)) if lows else 0.0

    def run(self, start: int) -> np.ndarray:
        """``g^2 / h`` of entries ``start:start + RUN`` (flat)."""
        g, h = self.g[start:start + self.RUN], self.h[start:start + self.RUN]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
            if float(h.min()) > 0:      # every entry of the run reaches a sample: no mask
                part = np.multiply(g, g)
                part /= h
                return part
            return np.where(h > 0, g * g / np.where(h > 0, h, 1), 0.0)

    def near(self, level: float) -> np.ndarray:
        """The (flat) entries whose ``g^2 / h`` is at least ``level``."""
        found = [start + np.flatnonzero(self.run(start) >= level)
                 for start, top in zip(range(0, self.g.size, self.RUN), self.tops)
                 if top >= level]
        return np.concatenate(found) if found else np.zeros(0, np.intp)


def _best(g, h, gb, hb, red=None):
    """The entry whose weighted least-squares fit removes most of the residual
    (``red``: the :class:`_Reductions` of ``g`` and ``h`` when already known)."""
    red = _Reductions(g, h) if red is None else red
    if gb is not None and gb.size:
        redb = _Reductions(gb, hb)
        if redb.top > red.top:
            j = redb.top_at
            return ("b", j), gb[j] / hb[j]
    idx = np.unravel_index(red.top_at, g.shape)
    return ("w", *idx), g[idx] / h[idx]


#: :func:`_floored` reads the largest score off ``g^2 / h`` when every ``h`` is at
#: least this and the largest ``g^2 / h`` at least :data:`_TINY_REDUCTION`: an entry
#: whose ``g^2`` underflows then scores below ``2**-311``, far below the largest.
_TINY_H = 2.0**-400
_TINY_REDUCTION = 2.0**-600


def _floored(g, h, systematic=0.0, red=None) -> float:
    """The largest ``|g| / sqrt(h)`` with ``|g|`` first reduced by ``systematic`` (the
    most a systematic last rounding can make of it): the score of "this entry is off by
    more than the last rounding explains" (0 where ``h`` is 0).

    With no ``systematic`` part and ``red`` (the :class:`_Reductions` of ``g`` and
    ``h``) given, the score is computed only for the entries whose ``g^2 / h`` is
    within a relative ``2**-40`` of the largest: the largest score is one of them
    (``g^2 / h`` is the score squared within a few roundings, ``2**-50`` relative,
    unless a square overflows or underflows, which the guards exclude), so the
    result is the same.
    """
    if not g.size:
        return 0.0
    plain = np.isscalar(systematic) and systematic == 0
    if plain and red is not None and math.isfinite(red.top) and \
            red.top >= _TINY_REDUCTION and red.h_min >= _TINY_H:
        near = red.near(red.top * (1 - 2.0**-40))
        return float((np.abs(g.flat[near]) / np.sqrt(h.flat[near])).max())
    excess = np.abs(g)
    if not plain:
        excess -= systematic
        np.maximum(excess, 0.0, out=excess)
    h_min = float(h.min()) if red is None else red.h_min
    if h_min > 0:                       # every entry reaches a sample: no mask
        excess /= np.sqrt(h)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            excess /= np.sqrt(np.where(h > 0, h, 1))
        excess[~(h > 0)] = 0.0
    return float(excess.max())


def _zmax(g, h, gb, hb, c, sys_w=0.0, sys_b=0.0, red=None):
    """The largest score over the kernel (and bias) entries, in units of the noise ``c``.

    ``sys_w`` and ``sys_b`` (arrays shaped like the entries, or 0) are the parts of
    the scores a systematic last rounding can make (see :func:`pooled`'s
    ``allowance``); ``red`` is the :class:`_Reductions` of ``g`` and ``h`` if known.
    """
    zmax = _floored(g, h, sys_w, red)
    if gb is not None and gb.size:
        zmax = max(zmax, _floored(gb, hb, sys_b))
    return zmax / c if c > 0 else (math.inf if zmax > 0 else 0.0)


def pooled(chunk: Callable[..., tuple[np.ndarray, ...]], x: np.ndarray,
           kernel: np.ndarray, *, stride: int, window: shapes.Window, dilation: int,
           groups: int, bias: np.ndarray | None, noise_floor: float, false_alarm: float,
           locate: bool | str = False, max_entries: int = 3, block: int | None = None,
           x_exponent: int = 0, along_time: bool = False,
           allowance: Callable[..., np.ndarray] | None = None) -> Evidence | None:
    """Test whether a residual is explained by kernel entries rather than by rounding.

    Parameters
    ----------
    chunk : callable ``(n0, n1) -> (residual, shape[, tolerance[, share]])``
        The batch rows ``n0:n1`` of ``actual - reference`` (finite, shape
        ``(n1 - n0, L_out, C_out)``) and of ``v``, the noise shape (the noise of
        sample ``t`` is modelled as sub-Gaussian with parameter ``c v_t``, ``c``
        estimated from the data; ``v_t = 0`` where no product reaches it);
        optionally the per-sample tolerance a located remainder must be within
        when ``locate="always"`` (or None), and each sample's share of one
        observation (``1 / m`` for ``m`` samples that are one computation; ``v``
        then already divided by its square root).  Asked for a few rows at a time,
        so that the scratch stays bounded.
    x : ndarray, shape (N, L, C_in)
    kernel : ndarray, shape (K, C_out // groups, C_in)
        The reference kernel (Keras layout).
    stride, window, dilation, groups
        The geometry (``window`` the canonical crop).
    bias : ndarray, shape (C_out,), or None
        The reference bias: with one, bias entries are candidates too.
    noise_floor : float
        Lower limit of ``R`` (the unit roundoff of the output's arithmetic).
    false_alarm : float
        ``p``: the Bonferroni threshold over the entries is set for it.
    locate : bool or "always", default False
        Also name up to ``max_entries`` entries that explain the residual when
        the pooled score is beyond the threshold; ``"always"`` (the per-sample
        test already failed) tries even below it, and accepts the entries only
        when the remainder is within the chunk's tolerance everywhere.
    block : int, optional
        Output samples per block: whole batch rows, or with ``along_time`` pieces
        of a row.  The scores are sums over the blocks, so the result does not
        depend on it beyond rounding.  Default: 16 per kernel entry, at least
        :data:`PIECE` and at most :data:`BLOCK` (each block's GEMM layouts stay
        small for a small kernel, and the kernel-sized sums few for a wide one).
    x_exponent : int, default 0
        ``x`` is taken times ``2**x_exponent`` (exact), converted to float64 one
        block at a time (``x`` may be float32: no float64 copy of it is made).
    along_time : bool, default False
        ``chunk`` is called as ``chunk(n0, n1, t0, t1)`` for samples ``t0:t1``
        of rows ``n0:n1`` (blocks of :func:`spans`), so that no array of a whole
        row is needed.
    allowance : callable, optional
        Called as ``chunk`` is (without ``channel``): per sample, the size ``a_t``
        of an error that may be systematic rather than noise: the last rounding of
        the output (adding a bias to the finished sum, storing it), at most
        ``u |y_t|``, is a deterministic function of values correlated with the
        inputs (with a bias added last, it is the bias rounded to the grid of the
        output's binade: the same for every sample of a channel and binade).  To
        it is added what repeated input rows can make (see :func:`_systematic`).
        Entry ``j``'s score is first reduced by the most such errors can make of
        it, ``sum_t |T_tj| a_t / v_t^2`` (one more pass with ``|x|``, made only
        when some score is beyond the threshold without it).

    Returns
    -------
    Evidence or None
        None when no sample holds a product.

    Examples
    --------
    >>> from deconv1d import conv1d_transpose
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((1, 40, 3)); w = rng.standard_normal((4, 2, 3))
    >>> win = shapes.Window(0, 0)
    >>> y = conv1d_transpose(x, w, 2, win)
    >>> w2 = w.copy(); w2[1, 0, 2] *= 1.001
    >>> r = conv1d_transpose(x, w2, 2, win) - y + 1e-9 * rng.standard_normal(y.shape)
    >>> ev = pooled(lambda n0, n1: (r[n0:n1], np.ones_like(r[n0:n1])), x, w, stride=2,
    ...             window=win, dilation=1, groups=1, bias=None, noise_floor=2.0**-53,
    ...             false_alarm=1e-6, locate=True)
    >>> ev.suspect, [str(e) for e in ev.located]
    (True, ['w[k=1, out=0, in=2] is off by +0.001 (+0.1000%)'])
    """
    with_bias = bias is not None
    model = _Model(x, kernel, stride, window, dilation, groups, x_exponent)
    if block is None:
        block = min(BLOCK, max(PIECE, _SAMPLES_PER_ENTRY * int(kernel.size)))
    blocks = spans((x.shape[0], model.length, model.channels), block)
    ask: Callable[..., tuple[np.ndarray, ...]]
    if along_time:
        ask = chunk
    else:
        rows = sorted({(n0, n1) for n0, n1, _, _ in blocks})
        blocks = [(n0, n1, 0, model.length) for n0, n1 in rows]

        def ask_rows(n0, n1, t0, t1, channel=None):
            found = chunk(n0, n1)
            if channel is None:
                return found
            return tuple(part[..., channel:channel + 1] for part in found)
        ask = ask_rows
    entries = int(kernel.size) + (kernel.shape[1] * groups if with_bias else 0)
    fits: dict[tuple, float] = {}

    def residual(n0, n1, t0, t1):
        found = ask(n0, n1, t0, t1)
        r, v, tol = _three(found)
        for index, beta in fits.items():
            r -= model.column(index, beta, n0, n1, t0, t1)
        return r, v, tol, _share(found)

    per_channel = _Scale(model.channels)

    def scores(with_h):
        """``T^T W r`` (and ``T^T W`` with ``x**2``); the first pass also gathers the
        noise statistics of every channel (``|r_t| / v_t``), so that the noise scale
        needs no second pass over the outputs."""
        g = h = gb = hb = None
        samples = 0
        for n0, n1, t0, t1 in blocks:
            parts = _Gradients(model, n0, n1, t0, t1, ("x", "x**2") if with_h else ("x",))
            for u0, u1 in _pieces(model, n0, n1, t0, t1, along_time):
                r, v, _, share = residual(n0, n1, u0, u1)
                ratio, inverse, count = _ratios(r, v)
                valid = count == ratio.size or inverse > 0
                samples += count if share is None else float(np.sum(share, where=valid))
                if with_h:
                    per_channel.add(ratio, valid, share)
                parts.put(0, u0, ratio, inverse)
                if with_h:
                    parts.put(1, u0, inverse, inverse)
            found = parts.result()
            dw, db = found[0]
            g, gb = (dw, db) if g is None else (g + dw, gb + db)
            if with_h:
                dw, db = found[1]
                h, hb = (dw, db) if h is None else (h + dw, hb + db)
        return g, gb, h, hb, samples

    g, gb, h, hb, samples = scores(True)
    if samples == 0:
        return None
    if not with_bias:
        gb = hb = None
    threshold = math.sqrt(2 * math.log(2 * entries / false_alarm))
    red = _Reductions(g, h)
    index, _ = _best(g, h, gb, hb, red)
    # The noise scale, from the samples outside the reach of the best-fitting entry when
    # that leaves at least half of them (so that a real difference does not inflate it).
    # The reach lies in one output channel: every other channel's statistics are known;
    # of that channel, a bias entry reaches every sample, a kernel entry some (recounted).
    everywhere = per_channel.total()
    channel = model.output_channel(index)
    outside = per_channel.total(without=channel)
    if index[0] == "w":
        for n0, n1, t0, t1 in blocks:
            reach = model.reach(index, n0, n1, t0, t1)
            found = ask(n0, n1, t0, t1, channel=channel)
            r, v, _ = _three(found)
            ratio, inverse, count = _ratios(r, v)
            valid = inverse > 0 if count < ratio.size else np.ones(ratio.shape, bool)
            outside.add(ratio, valid & ~reach, _share(found))
    use = outside if 2 * outside.count >= samples else everywhere
    noise = max(use.scale(false_alarm), noise_floor)
    sys_w: np.ndarray | float = 0.0
    sys_b: np.ndarray | float = 0.0
    z_max = _zmax(g, h, gb, hb, noise, red=red)
    if allowance is not None and (z_max > threshold or locate == "always"):
        sys_w, sys_b = _systematic(model, ask, allowance, blocks, noise_floor, along_time)
        z_max = _zmax(g, h, gb, hb, noise, sys_w, sys_b, red)
    located: list[Entry] = []
    failed = locate == "always"
    if locate and (z_max > threshold or failed):
        gk, gkb = g, gb
        for _ in range(max_entries):
            index, beta = _best(gk, h, gkb, hb)
            if not math.isfinite(beta) or beta == 0:
                break
            fits[index] = fits.get(index, 0.0) + float(beta)
            gk, gkb, _, _, _ = scores(False)
            if not with_bias:
                gkb = None
            # The remainder must be noise: its own scale (every sample now) leaves no
            # entry beyond the threshold, and, where the per-sample test failed, every
            # sample is back within its rounding tolerance.
            rest = _Scale()
            within = True
            for n0, n1, t0, t1 in blocks:
                r, v, tol, share = residual(n0, n1, t0, t1)
                ratio, inverse, count = _ratios(r, v)
                rest.add(ratio.reshape(-1, 1), True if count == ratio.size
                         else (inverse > 0).reshape(-1, 1),
                         None if share is None else share.reshape(-1, 1))
                if tol is not None:
                    within = within and bool(np.all(np.abs(r) <= tol))
            if _zmax(gk, h, gkb, hb, max(rest.scale(false_alarm), noise_floor),
                     sys_w, sys_b) <= threshold \
                    and (within or not failed):
                located = [_entry(i, d, kernel, bias, groups) for i, d in fits.items()]
                break
    return Evidence(z_max=z_max, threshold=threshold, noise=noise, samples=samples,
                    entries=entries, false_alarm=false_alarm, located=tuple(located))


def _pieces(model: _Model, n0: int, n1: int, t0: int, t1: int,
            along_time: bool) -> list[tuple[int, int]]:
    """Block ``(n0:n1, t0:t1)`` in pieces along time of about :data:`PIECE` samples
    (the chunk is asked for pieces only when it answers along time)."""
    if not along_time:
        return [(t0, t1)]
    step = max(1, PIECE // max((n1 - n0) * model.channels, 1))
    return [(u, min(u + step, t1)) for u in range(t0, t1, step)]


def _systematic(model, ask, allowance, blocks, u, along_time=False):
    """``sum_t |T_tj| a_t / v_t^2`` for every kernel entry ``j`` (and bias entry).

    ``a_t`` is the caller's allowance plus what repeated input rows can add: a row that
    occurs more than once gives the same products and, summed over its channels for one
    tap (as a GEMM per tap does), the same partial sum with the same rounding error at
    every occurrence, at most ``gamma_c sum_i |x_i w_i|`` (``c`` channels per group).
    Such errors add up coherently instead of averaging out, so ``a_t`` also holds
    ``gamma_c`` times ``sum |x||w|`` over the repeated rows that reach sample ``t``.
    """
    sw = sb = None
    repeated = _repeated_rows(model.x)
    c = model.x.shape[2] // model.groups
    gamma = c * u / (1 - c * u) if c * u < 1 else math.inf
    for n0, n1, t0, t1 in blocks:
        parts = _Gradients(model, n0, n1, t0, t1, ("|x|",))
        extra = None
        if repeated is not None:
            extra = gamma * _repeated_reach(model, repeated, n0, n1, t0, t1)
        for u0, u1 in _pieces(model, n0, n1, t0, t1, along_time):
            _, v, _ = _three(ask(n0, n1, u0, u1))
            inverse, _ = _inverse(v)
            a = np.abs(allowance(n0, n1, u0, u1))
            if extra is not None:
                a = a + extra[:, u0 - t0:u1 - t0]
            parts.put(0, u0, np.multiply(a, inverse), inverse)
        dw, db = parts.result()[0]
        sw, sb = (dw, db) if sw is None else (sw + dw, sb + db)
    return sw, sb


def _repeated_rows(x: np.ndarray, block: int | None = None) -> np.ndarray | None:
    """Which input rows ``x[n, l, :]`` occur more than once (anywhere); None if none.

    Rows are compared by an exact 64-bit hash of their bits (integer arithmetic,
    modulo ``2**64``, computed ``block`` rows of a batch row at a time, by default
    :data:`BLOCK` values): equal rows hash equal, and
    two different rows that collide (probability about ``rows**2 / 2**64``) are only
    taken as repeated, which enlarges the allowance.
    """
    n, length, c = x.shape
    if n * length < 2 or c == 0:
        return None
    block = max(1, BLOCK // c) if block is None else block
    if x.dtype.kind not in "biuf" or x.dtype.itemsize not in (1, 2, 4, 8):
        x = x.astype(np.float64)
    floating = x.dtype.kind == "f"
    dtype = np.dtype(f"u{x.dtype.itemsize}")
    multipliers = np.random.default_rng(0).integers(1, 2**63, c, dtype=np.uint64) | 1
    hashes = np.empty((n, length), np.uint64)
    for i in range(n):
        for t in range(0, length, block):
            part = x[i, t:t + block]
            if floating:
                part = part + 0.0                               # -0.0 as 0.0
            bits = np.ascontiguousarray(part).view(dtype).astype(np.uint64)
            # An unsigned integer matmul wraps modulo 2**64, as the hash wants; one pass
            # (10x faster than a product array summed along the channels).
            hashes[i, t:t + len(part)] = bits @ multipliers
    _, inverse, counts = np.unique(hashes, return_inverse=True, return_counts=True)
    repeated = (counts[np.ravel(inverse)] > 1).reshape(n, length)
    return repeated if repeated.any() else None


def _repeated_reach(model, repeated, n0, n1, t0, t1):
    """Block ``(n0:n1, t0:t1)`` of ``sum |x||w|`` over the repeated input rows only."""
    i0, i1 = model.span(t0, t1)
    if i1 <= i0:
        return np.zeros((n1 - n0, t1 - t0, model.channels))
    part = model.inputs(n0, n1, i0, i1, absolute=True)
    part[~repeated[n0:n1, i0:i1]] = 0.0
    s, reach = model.stride, (model.kernel.shape[0] - 1) * model.dilation
    p0, p1 = t0 + model.crop_left, t1 + model.crop_left       # full-scatter positions
    span = (i1 - i0 - 1) * s + reach + 1
    return conv1d_transpose(part, np.abs(model.kernel), s,
                            shapes.Window(p0 - i0 * s, span - (p1 - i0 * s)),
                            dilation=model.dilation, groups=model.groups)


def _share(found: tuple) -> np.ndarray | None:
    """The chunk's optional fourth answer: each sample's share of one observation."""
    return found[3] if len(found) > 3 else None


def _three(found: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """``(residual, shape, tolerance or None)`` from a chunk's answer."""
    return (found[0], found[1], found[2] if len(found) > 2 else None)


def _ratios(r: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """``r / v`` and ``1 / v`` where ``v`` is positive and finite (0 elsewhere), and how many."""
    inverse, count = _inverse(v)
    return np.multiply(r, inverse), inverse, count


def _inverse(v: np.ndarray) -> tuple[np.ndarray, int]:
    """``1 / v`` where ``v`` is positive and finite (0 elsewhere), and how many."""
    if v.size and float(v.min()) > 0 and math.isfinite(float(v.max())):
        return np.divide(1.0, v), int(v.size)
    valid = (v > 0) & np.isfinite(v)
    inverse = np.zeros(v.shape)
    np.divide(1.0, v, out=inverse, where=valid)
    return inverse, int(np.count_nonzero(valid))


def _largest_moduli(values: np.ndarray) -> np.ndarray:
    """``max |values|`` over every axis but the last (channels), read in rows of a few
    hundred values: a reduction along rows only a few channels wide is several times
    slower in NumPy."""
    c = values.shape[-1]
    flat = np.abs(values).reshape(-1)
    width = c * max(1, 256 // max(c, 1))
    whole = flat.size // width * width
    top = np.full(c, -np.inf)
    if whole:
        top = flat[:whole].reshape(-1, width).max(axis=0).reshape(-1, c).max(axis=0)
    if whole < flat.size:
        top = np.maximum(top, flat[whole:].reshape(-1, c).max(axis=0))
    return top


class _Scale:
    """Accumulates ``|r_t| / v_t`` over samples, per output channel: count, sum of
    squares and largest."""

    def __init__(self, channels: int = 1) -> None:
        self.counts = np.zeros(channels)
        self.sums = np.zeros(channels)
        self.tops = np.zeros(channels)

    @property
    def count(self) -> float:
        return float(self.counts.sum())

    def add(self, ratio: np.ndarray, valid: np.ndarray | bool,
            share: np.ndarray | None = None) -> None:
        """Samples ``ratio`` (shape (..., C)) where ``valid`` (ratio is 0 elsewhere),
        each counted by its ``share`` of one observation (``v`` was divided by the
        share's square root, so the squares are already weighted by it)."""
        axes = tuple(range(ratio.ndim - 1))
        if share is not None:
            mask = np.broadcast_to(valid, ratio.shape)
            ratio = np.where(mask, ratio, 0.0)
            self.counts = self.counts + np.sum(np.where(mask, share, 0.0), axis=axes)
        elif valid is True or (isinstance(valid, np.ndarray) and valid.all()):
            self.counts += ratio.size // max(ratio.shape[-1], 1)
        else:
            ratio = np.where(valid, ratio, 0.0)
            self.counts += np.count_nonzero(valid, axis=axes)
        flat = ratio.reshape(-1, ratio.shape[-1])
        self.sums += np.einsum("ic,ic->c", flat, flat)
        if share is not None:               # the bound is on |r| / v itself
            ratio = ratio / np.sqrt(share)
        if ratio.size:
            self.tops = np.maximum(self.tops, _largest_moduli(ratio))

    def total(self, without: int | None = None) -> _Scale:
        """All channels summed into one (leaving channel ``without`` out)."""
        keep = np.ones(self.counts.size, bool)
        if without is not None:
            keep[without] = False
        out = _Scale(1)
        out.counts[0] = self.counts[keep].sum()
        out.sums[0] = self.sums[keep].sum()
        out.tops[0] = self.tops[keep].max() if keep.any() else 0.0
        return out

    def scale(self, false_alarm: float) -> float:
        """``c`` with the noise of sample ``t`` sub-Gaussian of parameter ``c v_t``.

        The smaller of the largest ratio (a bound on the noise: Hoeffding) and
        ``sqrt(3)`` times an upper confidence limit of the root mean square ratio
        (a sum of independent rounding errors bounded by ``b_k`` is sub-Gaussian
        with parameter ``sqrt(sum b_k^2)``, at most ``sqrt(3)`` times its standard
        deviation when the errors spread at least as a uniform distribution on
        ``[-b_k, b_k]``).  The confidence limit takes ``sigma^2 <= s^2 m / (m - z
        sqrt(2 m))`` (the normal approximation to the chi-square lower tail, which
        overstates that tail), ``z`` for probability ``false_alarm``; with too few
        samples for it, only the largest ratio is used.
        """
        m = self.count
        if m == 0:
            return 0.0
        largest = float(self.tops.max())
        z = math.sqrt(2 * math.log(1 / false_alarm))
        low = m - z * math.sqrt(2 * m)
        if low <= 0:
            return largest
        rms = math.sqrt(float(self.sums.sum()) / low)
        return min(largest, math.sqrt(3) * rms)


def _entry(index, delta, kernel, bias, groups):
    if index[0] == "b":
        return Entry(None, int(index[1]), None, float(bias[index[1]]), delta)
    k, m, c = (int(i) for i in index[1:])
    per_group = kernel.shape[1]
    out = (c // (kernel.shape[2] // groups)) * per_group + m
    return Entry(k, out, c, float(kernel[k, m, c]), delta)
