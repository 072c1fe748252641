"""The fast 1-D transposed convolution: one GEMM and a col2im overlap-add.

For each block of input samples the columns ``cols[n, i, k, f] = sum_c x[n, i, c]
* w[k, f, c]`` come from one matrix product; then each kernel tap ``k`` adds its
slice of columns into the output with one strided slice add, at positions
``i * stride + k * dilation - crop_left``.  Only positions inside the kept window
are ever written, so no larger buffer is built and copied.

References
----------
V. Dumoulin and F. Visin, "A guide to convolution arithmetic for deep learning",
arXiv:1603.07285, section 4.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from . import shapes

__all__ = ["conv1d_transpose", "prepare"]

#: Bytes of columns computed per block: small enough to stay in cache and to
#: keep scratch memory bounded, large enough for the GEMM to be efficient.
BLOCK_BYTES = 4 * 2**20


@dataclass(frozen=True)
class Problem:
    """A checked call: arrays in channels-last compute dtype, and the geometry.

    Attributes
    ----------
    x : ndarray, shape (N, L, C_in)
        Channels-last view (or converted copy) of the input, in ``compute_dtype``.
    w : ndarray, shape (K, C_out // groups, C_in)
    bias : ndarray, shape (C_out,), or None
    geometry : deconv1d.shapes.Geometry
    groups : int
    data_format : str
    compute_dtype, result_dtype : numpy.dtype
    """

    x: np.ndarray
    w: np.ndarray
    bias: object
    geometry: shapes.Geometry
    groups: int
    data_format: str
    compute_dtype: np.dtype
    result_dtype: np.dtype

    @property
    def batch(self):
        return self.x.shape[0]

    @property
    def in_channels(self):
        return self.x.shape[2]

    @property
    def out_channels(self):
        return self.w.shape[1] * self.groups


def _as_numeric(name, value):
    if value is None:
        raise TypeError(f"`{name}` must be an array, not None. Received: {name}=None")
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"`{name}` must be a numeric array. Received: {name} that NumPy cannot "
            f"convert ({error})"
        ) from None
    if array.dtype.kind not in "biufc":
        raise TypeError(
            f"`{name}` must be a numeric array. Received: {name} with dtype "
            f"{array.dtype}"
        )
    return array


def _dtypes(*arrays):
    """``(compute, result)`` dtypes: ints and bools become float64; float16 computes in float32."""
    result = np.result_type(*arrays)
    if result.kind in "biu":
        result = np.dtype(np.float64)
    compute = np.dtype(np.float32) if result == np.float16 else result
    return compute, result


def _physical_memory():
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # pragma: no cover - non-POSIX
        return 2**40


def prepare(x, w, stride=1, padding="valid", output_padding=None, *, dilation=1,
            groups=1, data_format="channels_last", bias=None):
    """Check every argument of a transposed convolution, before any heavy work.

    This is the one place where array arguments are checked; scalar arguments
    are checked by :mod:`deconv1d.shapes`.  Parameters are those of
    :func:`conv1d_transpose`.

    Returns
    -------
    Problem

    Raises
    ------
    TypeError, ValueError
        Naming the argument and the value received.

    Examples
    --------
    >>> p = prepare(np.ones((2, 5, 3)), np.ones((4, 6, 3)), stride=2, padding="same")
    >>> p.geometry.output_length, p.out_channels
    (10, 6)
    """
    data_format = shapes.check_data_format(data_format)
    x = _as_numeric("x", x)
    w = _as_numeric("w", w)
    if x.ndim != 3:
        layout = "(N, L, C_in)" if data_format == "channels_last" else "(N, C_in, L)"
        raise ValueError(
            f"`x` must have rank 3, {layout} for {data_format}. "
            f"Received: x with shape {x.shape}"
        )
    if w.ndim != 3:
        raise ValueError(
            "`w` must have rank 3, (kernel_size, C_out // groups, C_in) (the Keras "
            f"Conv1DTranspose kernel layout). Received: w with shape {w.shape}"
        )
    groups = shapes.check_int("groups", groups, minimum=1)
    x_last = x if data_format == "channels_last" else x.transpose(0, 2, 1)
    n_batch, length, c_in = x_last.shape
    kernel_size, c_out_g, w_in = w.shape
    if c_in % groups:
        raise ValueError(
            f"`groups` must divide the {c_in} input channels. Received: groups={groups}"
        )
    if w_in != c_in:
        raise ValueError(
            f"`w` must have {c_in} input channels (its last axis) to match `x` "
            f"({data_format}, shape {x.shape}). Received: w with shape {w.shape}"
        )
    if kernel_size == 0 or c_out_g == 0:
        raise ValueError(f"`w` must not be empty. Received: w with shape {w.shape}")
    if length == 0:
        raise ValueError(
            f"`x` must have at least one time step. Received: x with shape {x.shape}"
        )
    c_out = c_out_g * groups
    arrays = [x, w]
    if bias is not None:
        bias = _as_numeric("bias", bias)
        if bias.shape != (c_out,):
            raise ValueError(
                f"`bias` must have shape ({c_out},), one value per output channel. "
                f"Received: bias with shape {bias.shape}"
            )
        arrays.append(bias)
    geom = shapes.geometry(length, kernel_size, stride, padding, output_padding,
                           dilation)
    compute, result = _dtypes(*arrays)
    needed = n_batch * geom.output_length * c_out * compute.itemsize
    if needed > _physical_memory():
        raise ValueError(
            f"The output, shape ({n_batch}, {geom.output_length}, {c_out}), would need "
            f"{needed / 2**30:.3g} GiB, more than this machine's memory: check "
            f"`stride` and `padding`. Received: stride={stride!r}, padding={padding!r}, "
            f"dilation={dilation!r}, output_padding={output_padding!r}"
        )
    return Problem(
        x=x_last.astype(compute, copy=False), w=w.astype(compute, copy=False),
        bias=None if bias is None else bias.astype(compute, copy=False),
        geometry=geom, groups=groups, data_format=data_format,
        compute_dtype=compute, result_dtype=result,
    )


def _columns(x_block, w, groups):
    """``cols[n, i, k, f]`` for one block: one GEMM (batched over groups).

    x_block (n, l, C_in), w (K, C_out_g, C_in) -> (n, l, K, C_out).
    """
    n, l, c_in = x_block.shape
    k_size, c_out_g, _ = w.shape
    rows = x_block.reshape(n * l, c_in)
    if groups == 1:
        cols = rows @ w.reshape(k_size * c_out_g, c_in).T
        return cols.reshape(n, l, k_size, c_out_g)
    cin_g = c_in // groups
    # (G, cin_g, K * C_out_g) weights and (G, rows, cin_g) inputs.
    wg = w.reshape(k_size, c_out_g, groups, cin_g).transpose(2, 3, 0, 1)
    wg = wg.reshape(groups, cin_g, k_size * c_out_g)
    cols = np.matmul(rows.reshape(n * l, groups, cin_g).transpose(1, 0, 2), wg)
    cols = cols.reshape(groups, n, l, k_size, c_out_g).transpose(1, 2, 3, 0, 4)
    return cols.reshape(n, l, k_size, groups * c_out_g)


def _overlap_add(y, cols, i0, geom):
    """Add each tap of ``cols`` (input samples ``i0 ...``) into ``y`` (N, L_out, C_out)."""
    s, d = geom.stride, geom.dilation
    l_out = geom.output_length
    i1 = i0 + cols.shape[1]
    for k in range(geom.kernel_size):
        offset = k * d - geom.crop_left          # output position of input 0, tap k
        lo = max(i0, -(offset // s))             # first i with i*s + offset >= 0
        hi = min(i1, (l_out - 1 - offset) // s + 1)  # past the last i inside y
        if lo >= hi:
            continue
        start = lo * s + offset
        y[:, start:(hi - 1) * s + offset + 1:s] += cols[:, lo - i0:hi - i0, k]


def conv1d_transpose(x, w, stride=1, padding="valid", output_padding=None, *,
                     dilation=1, groups=1, data_format="channels_last", bias=None):
    """1-D transposed convolution ("deconvolution") with Keras's exact semantics.

    Parameters
    ----------
    x : array_like, shape (N, L, C_in) or (N, C_in, L)
        Input; the layout is chosen by ``data_format``.  Integer and bool input
        is promoted to float64; float16 is accumulated in float32.
    w : array_like, shape (K, C_out // groups, C_in)
        Kernel in Keras ``Conv1DTranspose`` layout.  A PyTorch / ONNX weight
        ``(C_in, C_out // groups, K)`` becomes this with ``.transpose(2, 1, 0)``.
    stride : int, default 1
    padding : {"valid", "same"} or int or (int, int), default "valid"
        ``"valid"`` / ``"same"`` (case-insensitive) follow Keras; an int ``p``
        follows PyTorch (crop ``p`` samples at both ends); a pair
        ``(left, right)`` crops explicitly (ONNX ``pads``).
    output_padding : int or None, default None
        Extra length at the end, ``0 <= output_padding < max(stride, dilation)``.
        ``None`` lets Keras infer the length; ``0`` is a different request.
    dilation : int, default 1
        Spacing between kernel taps (1 means none).  Any stride may be combined
        with any dilation here (the Keras layer forbids both > 1).
    groups : int, default 1
        Input channel block ``g`` feeds output channel block ``g``.
    data_format : {"channels_last", "channels_first"}, default "channels_last"
    bias : array_like, shape (C_out,), optional
        Added to every output position.

    Returns
    -------
    y : ndarray, shape (N, L_out, C_out) or (N, C_out, L_out)
        A new array; ``L_out`` is :func:`deconv1d.output_length`.

    Raises
    ------
    TypeError, ValueError
        On a bad argument, naming it and the value received.

    Notes
    -----
    ``full[n, i*s + k*d, f] += sum_c x[n, i, c] * w[k, f, c]`` over a buffer of
    length ``(L - 1)*s + (K - 1)*d + 1``; the output is the window
    ``full[crop_left : crop_left + L_out]``, zero-extended past the end, plus bias.
    The kernel is not flipped (this is the adjoint of a cross-correlation).

    References
    ----------
    arXiv:1603.07285, Relationships 8-14.

    Examples
    --------
    >>> x = np.ones((1, 3, 1))
    >>> w = np.array([1.0, 2.0, 3.0]).reshape(3, 1, 1)
    >>> conv1d_transpose(x, w, stride=2, padding="same")[0, :, 0]
    array([1., 2., 4., 2., 4., 2.])
    >>> conv1d_transpose(x, w, stride=2, padding="same", output_padding=0)[0, :, 0]
    array([2., 4., 2., 4., 2.])
    >>> conv1d_transpose(x, w, stride=2, padding=1, output_padding=1)[0, :, 0]  # PyTorch
    array([2., 4., 2., 4., 2., 3.])
    """
    problem = prepare(x, w, stride, padding, output_padding, dilation=dilation,
                      groups=groups, data_format=data_format, bias=bias)
    geom = problem.geometry
    n_batch, length, _ = problem.x.shape
    c_out = problem.out_channels
    l_out = geom.output_length
    if problem.data_format == "channels_last":
        y = np.zeros((n_batch, l_out, c_out), dtype=problem.compute_dtype)
        y_last = y
    else:
        y = np.zeros((n_batch, c_out, l_out), dtype=problem.compute_dtype)
        y_last = y.transpose(0, 2, 1)
    if n_batch:
        row_bytes = geom.kernel_size * c_out * problem.compute_dtype.itemsize
        per_sample = max(1, BLOCK_BYTES // row_bytes)
        time_block = min(length, max(per_sample // n_batch, min(per_sample, 16)))
        batch_block = min(n_batch, max(1, per_sample // time_block))
        for n0 in range(0, n_batch, batch_block):
            n1 = min(n_batch, n0 + batch_block)
            for i0 in range(0, length, time_block):
                x_block = problem.x[n0:n1, i0:i0 + time_block]
                cols = _columns(x_block, problem.w, problem.groups)
                _overlap_add(y_last[n0:n1], cols, i0, geom)
    if problem.bias is not None:
        y_last += problem.bias
    return y.astype(problem.result_dtype, copy=False)
