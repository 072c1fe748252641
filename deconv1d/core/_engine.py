"""Private fast paths of :func:`deconv1d.conv1d_transpose`, and the rule that picks one.

Every path writes the kept window of the full scatter (see :mod:`deconv1d.shapes`)
into a caller-provided output view ``y`` of shape ``(N, L_out, C_out)`` (any
strides, any float dtype: results are cast on the way in), one cache-sized
block at a time, so scratch memory stays bounded (a small multiple of
``BLOCK_BYTES``; ``tests/test_memory.py`` holds it to 64 MiB) however large
``N * L * K * C_out`` is.  Inputs are converted to the compute
dtype block by block too.

Paths
-----
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
``"gather"`` (dilation 1, or stride 1)
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
    something to chew on.

Non-finite inputs
    The block and gather paths multiply structural zeros (padded taps, the
    Toeplitz band, samples outside the input), and ``0 * inf`` is nan, so
    :func:`deconv1d.conv1d_transpose` sends input with a nan or inf to
    ``"scatter"``, where a non-finite value reaches exactly the outputs its
    taps reach.

References
----------
V. Dumoulin and F. Visin, "A guide to convolution arithmetic for deep learning",
arXiv:1603.07285, section 4 (the transposed convolution as the transpose of a
matrix ``C``; the gather form is its rows, the scatter form its columns).
"""

from __future__ import annotations

import threading

import numpy as np

#: Bytes of scratch per block (columns, or im2col rows plus output rows): small
#: enough to stay in the L3 cache and keep scratch bounded, large enough for an
#: efficient GEMM and few BLAS calls (each one a thread fork/join; on a busy
#: 2-core machine 8 MiB beat 2 MiB on every case of the benchmark).
BLOCK_BYTES = 8 * 2**20

PATHS = ("scatter", "scatter_blocks", "gather")

_local = threading.local()


def scratch(name, shape, dtype):
    """A reusable scratch array (per thread, per ``name``): uninitialised.

    Fresh multi-MiB buffers cost page faults on every call (the allocator
    hands large blocks back to the OS); keeping a block's scratch (buffers up
    to ``2 * BLOCK_BYTES`` are kept, about 4 of them: a few tens of MiB per
    thread at most) made the decoder case 1.5x faster.  :func:`release_scratch`
    frees them.
    """
    dtype = np.dtype(dtype)
    size = int(np.prod(shape))
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


def release_scratch():
    """Free this thread's kept scratch buffers."""
    _local.buffers = {}


# --------------------------------------------------------------------------- #
# Scatter (col2im) engine, with the overlap tail carried between time blocks. #
# --------------------------------------------------------------------------- #
class Scatter:
    """col2im over consecutive time chunks of one batch block.

    ``step(x_chunk)`` returns the full-scatter positions made final by that
    chunk (``l * stride`` of them, starting at ``i0 * stride`` for a chunk that
    starts at input ``i0``); ``tail()`` returns the positions after the last
    input.  The returned arrays are views of an internal buffer, valid until
    the next call.
    """

    def __init__(self, w, stride, dilation, groups, dtype, blocks=False):
        kernel_size, c_out_g, c_in = w.shape
        self.stride, self.dilation, self.groups = stride, dilation, groups
        self.kernel_size = kernel_size
        self.c_out = c_out_g * groups
        self.dtype = np.dtype(dtype)
        self.blocks = blocks
        w = np.asarray(w, dtype=self.dtype)
        if blocks:
            if dilation != 1:
                raise ValueError("the blocks variant needs dilation 1")
            self.n_blocks = -(-kernel_size // stride)
            padded = np.zeros((self.n_blocks * stride, c_out_g, c_in), self.dtype)
            padded[:kernel_size] = w
            w = padded
            self.tail_len = (self.n_blocks - 1) * stride
        else:
            self.tail_len = max((kernel_size - 1) * dilation + 1 - stride, 0)
        taps = w.shape[0]
        self.taps = taps
        cin_g = c_in // groups
        # (G, C_in / G, taps * C_out / G)
        wg = w.reshape(taps, c_out_g, groups, cin_g).transpose(2, 3, 0, 1)
        self.w = np.ascontiguousarray(wg.reshape(groups, cin_g, taps * c_out_g))
        self.carry = None

    def reset(self):
        self.carry = None

    def columns(self, xb):
        """``cols`` of shape (n, l, taps, C_out) for a chunk ``xb`` (n, l, C_in)."""
        n, length, c_in = xb.shape
        rows = np.ascontiguousarray(xb, dtype=self.dtype).reshape(n * length, c_in)
        g = self.groups
        if g == 1:
            cols = scratch("cols", (n * length, self.w.shape[2]), self.dtype)
            np.matmul(rows, self.w[0], out=cols)
            return cols.reshape(n, length, self.taps, self.c_out)
        cin_g = c_in // g
        cols = np.matmul(rows.reshape(n * length, g, cin_g).transpose(1, 0, 2), self.w)
        cols = cols.reshape(g, n, length, self.taps, self.c_out // g)
        return cols.transpose(1, 2, 3, 0, 4).reshape(n, length, self.taps, self.c_out)

    def step(self, xb):
        n, length, _ = xb.shape
        s, d = self.stride, self.dilation
        tail = self.tail_len
        cols = self.columns(xb)
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
            for k in range(first, self.kernel_size):
                start = k * d
                acc[:, start:start + (length - 1) * s + 1:s] += cols[:, :, k]
        self.carry = acc[:, length * s:].copy()
        return acc[:, :length * s]

    def tail(self, n):
        if self.carry is None:
            return np.zeros((n, self.tail_len, self.c_out), self.dtype)
        return self.carry


def _write(y, o0, part, bias):
    """``y[:, o0 : o0 + len(part)] = part + bias``, clipped to ``0 <= o < L_out``."""
    l_out = y.shape[1]
    lo, hi = max(o0, 0), min(o0 + part.shape[1], l_out)
    if lo >= hi:
        return
    src = part[:, lo - o0:hi - o0]
    dst = y[:, lo:hi]
    if bias is None:
        np.copyto(dst, src, casting="unsafe")
    else:
        np.add(src, bias, out=dst, casting="unsafe")


def scatter(x, w, geom, groups, y, bias, dtype, blocks=False,
            block_bytes=BLOCK_BYTES):
    """col2im path: write the transposed convolution of ``x`` into ``y``."""
    n_batch, length, c_in = x.shape
    s = geom.stride
    engine = Scatter(w, s, geom.dilation, groups, dtype, blocks=blocks)
    itemsize = engine.dtype.itemsize
    # Per input sample: its columns, its accumulator rows and its converted input.
    per_input = (engine.taps * engine.c_out + s * engine.c_out + c_in) * itemsize
    per_block = max(1, block_bytes // per_input)
    time_block = min(length, per_block)
    batch_block = min(n_batch, max(1, per_block // time_block))
    crop = geom.crop_left
    if bias is not None:
        bias = np.asarray(bias, dtype=engine.dtype)
    for n0 in range(0, n_batch, batch_block):
        n1 = min(n_batch, n0 + batch_block)
        engine.reset()
        yb = y[n0:n1]
        for i0 in range(0, length, time_block):
            part = engine.step(x[n0:n1, i0:i0 + time_block])
            _write(yb, i0 * s - crop, part, bias)
        _write(yb, length * s - crop, engine.tail(n1 - n0), bias)
    _fill_outside(y, -crop, length * s + engine.tail_len - crop, bias)


def _fill_outside(y, start, stop, bias):
    """Positions before ``start`` and from ``stop`` on got nothing from the
    scatter (a negative crop keeps zeros there): bias (or zeros)."""
    fill = 0 if bias is None else bias
    if start > 0:
        y[:, :min(start, y.shape[1])] = fill
    if stop < y.shape[1]:
        y[:, max(stop, 0):] = fill


# --------------------------------------------------------------------------- #
# Gather (polyphase) path.                                                     #
# --------------------------------------------------------------------------- #
def gather_supported(geom):
    return geom.dilation == 1 or geom.stride == 1


class Gather:
    """The polyphase gather plan: weight matrix ``T`` and input offsets.

    Super-row ``m`` covers the full-scatter positions ``m*B*s ... (m+1)*B*s - 1``
    (outputs ``crop_left`` earlier), reads inputs ``m*B + base + u*step`` for
    ``u < U`` and is ``Xw[m] @ T``.  Rows need not be aligned with the output:
    ``B*s`` consecutive channels-last outputs are one contiguous run anyway.
    """

    def __init__(self, w, geom, groups, dtype, time_batch=1):
        kernel_size, c_out_g, c_in = w.shape
        s, d = geom.stride, geom.dilation
        if not gather_supported(geom):
            raise ValueError("the gather path needs dilation 1 or stride 1")
        if d > 1 and time_batch != 1:
            raise ValueError("the gather path with dilation needs time_batch 1")
        dtype = np.dtype(dtype)
        w = np.asarray(w, dtype=dtype)
        if d == 1:
            # full block q (positions q*s + r) = sum_p x[q - p] @ w[p*s + r]
            n_taps = -(-kernel_size // s)             # P
            wp = np.zeros((n_taps * s, c_out_g, c_in), dtype)
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
        n, length, c_in = x.shape
        G, rows = self.G, m1 - m0
        first = m0 * self.B + self.base
        span = self.span(rows)
        pad = pad[:n * span * c_in].reshape(n, span, c_in)
        lo, hi = max(first, 0), min(first + span, length)
        if lo >= hi:
            pad[...] = 0
        else:
            pad[:, :lo - first] = 0
            np.copyto(pad[:, lo - first:hi - first], x[:, lo:hi], casting="unsafe")
            pad[:, hi - first:] = 0
        item = pad.itemsize
        cin_g = c_in // G
        windows = np.lib.stride_tricks.as_strided(
            pad, shape=(G, n, rows, self.U, cin_g),
            strides=(cin_g * item, span * c_in * item, self.B * c_in * item,
                     self.step * c_in * item, item),
            writeable=False)
        np.copyto(out, windows)


def gather(x, w, geom, groups, y, bias, dtype, time_batch=1,
           block_bytes=BLOCK_BYTES):
    """Polyphase gather path: write the transposed convolution of ``x`` into ``y``."""
    plan = Gather(w, geom, groups, dtype, time_batch)
    n_batch = x.shape[0]
    l_out = y.shape[1]
    row_len = plan.B * plan.s                        # positions per super-row
    crop = geom.crop_left
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
    per_block = max(1, block_bytes // per_row)
    row_block = min(m_end - m_start, per_block)
    batch_block = min(n_batch, max(1, per_block // row_block))
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
        for first, last, straight in segments:
            for m0 in range(first, last, row_block):
                m1 = min(last, m0 + row_block)
                rows = m1 - m0
                cols = buf[:G * n * rows * plan.U * cin_g].reshape(
                    G, n, rows, plan.U, cin_g)
                plan.im2col(x[n0:n1], m0, m1, cols, pad)
                lhs = cols.reshape(G, n * rows, plan.U * cin_g)
                o0 = m0 * row_len - crop
                if straight:
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
                res = res.transpose(1, 2, 0, 3).reshape(n, -1, plan.c_out)
                _write(y[n0:n1], o0, res, bias)


# --------------------------------------------------------------------------- #
# The rule.                                                                    #
# --------------------------------------------------------------------------- #
#: Gather rows narrower than this many output values make a slow GEMM: stack
#: ``time_batch`` blocks per row until they reach it.
MIN_ROW_WIDTH = 64
#: Largest ``time_batch`` the rule picks.
MAX_TIME_BATCH = 16
#: From this many multiply-adds per tap and input sample (``C_in*C_out/G**2``)
#: on, a problem is GEMM-bound: the col2im GEMM (inner dimension ``C_in``) is
#: already efficient and its overlap-add is cheap next to it, while gather
#: pays an im2col copy and padded taps.
GEMM_BOUND = 128 * 128


def choose(geom, c_in, c_out, groups, n_batch=1):
    """Pick ``(path, options)`` for one problem.  The rule, in order:

    1. ``stride > 1`` and ``dilation > 1`` at once: ``"scatter"`` (the only
       path for it).
    2. GEMM-bound (``C_in/G * C_out/G >= GEMM_BOUND``): ``"scatter_blocks"``
       when the stride divides ``K >= 2*stride`` (contiguous adds, no padded
       taps), else ``"scatter"``.
    3. Otherwise ``"gather"``: no overlap-add, the GEMM writes the output.
       ``time_batch`` ``B`` is 1 with dilation, else the smallest power of two
       with ``B * stride * C_out/G >= MIN_ROW_WIDTH``, at most
       ``MAX_TIME_BATCH`` (one-channel signals: ``B = 16``).

    ``benchmarks/bench.py --paths`` times every path forced on the benchmark
    suite; on a 2-core machine this rule picked the fastest path, or one
    within measurement noise (about 15 %) of it, on every case.
    """
    k, s, d = geom.kernel_size, geom.stride, geom.dilation
    cin_g, cout_g = c_in // groups, c_out // groups
    if d > 1 and s > 1:
        return "scatter", {}
    if cin_g * cout_g >= GEMM_BOUND:
        if d == 1 and s > 1 and k % s == 0 and k >= 2 * s:
            return "scatter_blocks", {}
        return "scatter", {}
    time_batch = 1
    while d == 1 and time_batch * s * cout_g < MIN_ROW_WIDTH and time_batch < MAX_TIME_BATCH:
        time_batch *= 2
    return "gather", {"time_batch": time_batch}


def run(path, x, w, geom, groups, y, bias, dtype, **options):
    """Run one named path (``PATHS``) with its options, writing into ``y``."""
    if path == "scatter":
        scatter(x, w, geom, groups, y, bias, dtype, blocks=False, **options)
    elif path == "scatter_blocks":
        scatter(x, w, geom, groups, y, bias, dtype, blocks=True, **options)
    elif path == "gather":
        gather(x, w, geom, groups, y, bias, dtype, **options)
    else:
        raise ValueError(f"`path` must be one of {PATHS}. Received: path={path!r}")
