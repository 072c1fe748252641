"""The forward convolution ``conv1d`` and the gradients of ``conv1d_transpose``.

Why "transposed"?  For one sample, a transposed convolution is a matrix
product ``y = C^T x``; ``C`` is the matrix of an ordinary strided
cross-correlation, :func:`conv1d`.  The very same kernel array ``w`` of shape
``(K, C_out_T, C_in_T)`` serves both: it is the Keras ``Conv1DTranspose``
kernel ``(kernel_size, filters, in_channels)`` and, read as Keras ``Conv1D``
layout ``(kernel_size, in_channels, filters)``, a ``conv1d`` kernel mapping
``C_out_T`` channels back to ``C_in_T``.  Hence
``<conv1d_transpose(x, w), y> == <x, conv1d(y, w)>`` and the input gradient
of a transposed convolution is a ``conv1d`` of the output gradient.

Which geometry is the adjoint of which (``s`` stride, ``d`` dilation,
``dk = (K - 1) * d + 1``):

- ``conv1d_transpose(x, w, s, padding, output_padding, dilation=d)`` of an
  input of length ``L`` keeps the window ``(crop_left, crop_right)`` of its
  full scatter (:func:`deconv1d.shapes.crops`).  Its adjoint is
  ``conv1d(y, w, s, padding=(crop_left, crop_right), dilation=d)``: the crops
  become the conv's zero pads.  A negative ``crop_right`` (zeros appended by
  the transposed conv) means the conv ignores the last ``-crop_right``
  samples of ``y``: use ``conv1d(y[:, :L_out + crop_right], w, s,
  padding=(crop_left, 0), dilation=d)``.  (When ``-crop_right < s`` the
  slice changes nothing: a strided conv already drops an incomplete step.)
- ``conv1d(y, w, s, padding, dilation=d)`` of an input of length ``L_y``
  zero-pads ``(left, right)`` (see :func:`conv1d_pads`) and outputs
  ``L = (L_y + left + right - dk) // s + 1`` samples.  Its adjoint is
  ``conv1d_transpose(x, w, s, padding=(left, right), output_padding=r,
  dilation=d)`` with ``r = (L_y + left + right - dk) % s``, the input samples
  the conv's last step did not reach (:func:`adjoint_padding`).

Groups carry over unchanged: block ``g`` of the transposed conv's input
channels feeds its output block ``g``, and the conv maps block ``g`` back.

References
----------
V. Dumoulin and F. Visin, "A guide to convolution arithmetic for deep learning",
arXiv:1603.07285, section 4.1 ("Convolution as a matrix operation").
"""

from __future__ import annotations

import numpy as np

from . import geometry as shapes
from .arrays import as_numeric, channels_last, check_bias, check_time_steps, dtypes, rank3
from .transpose import prepare

__all__ = ["adjoint_padding", "conv1d", "conv1d_pads", "conv1d_transpose_vjp"]

#: Bytes of im2col columns built per block (cache-sized: the GEMM reads them
#: back at once), but never fewer than MIN_ROWS rows, so that each GEMM stays
#: large enough to run at full speed.  Measured side by side on the backward
#: benchmark against 4 / 16 / 64 MiB flat and minimums of 512 / 2048 rows.
BLOCK_BYTES = 4 * 2**20
MIN_ROWS = 1024
#: Hard bound on the columns of one block, whatever MIN_ROWS asks.
MAX_BLOCK_BYTES = 64 * 2**20


# --------------------------------------------------------------------------- #
# Geometry of the forward convolution.                                        #
# --------------------------------------------------------------------------- #
def conv1d_pads(length, kernel_size, stride=1, padding="valid", dilation=1):
    """Zero pads and output length of a forward ``conv1d``: Keras ``Conv1D`` rules.

    Parameters
    ----------
    length : int
        Input length ``L_y >= 1``.
    kernel_size : int
    stride : int, default 1
    padding : {"valid", "same", "causal"} or int or (int, int), default "valid"
        Keras words (case-insensitive); an int ``p`` pads ``p`` zeros at both
        ends (PyTorch); a pair ``(left, right)`` pads explicitly.
    dilation : int, default 1

    Returns
    -------
    (pad_left, pad_right, output_length) : tuple of int

    Raises
    ------
    ValueError
        If an argument is out of range or the output would be empty.

    Notes
    -----
    With ``dk = (K - 1) * d + 1``: ``"valid"`` pads nothing; ``"causal"`` pads
    ``dk - 1`` on the left; ``"same"`` (TensorFlow/XLA rule) outputs
    ``ceil(L_y / s)`` samples and pads ``max((out - 1) * s + dk - L_y, 0)`` in
    total, the smaller half on the left.  Then
    ``output_length = (L_y + left + right - dk) // s + 1``
    (arXiv:1603.07285, Relationship 6).

    Examples
    --------
    >>> conv1d_pads(5, 3, stride=2, padding="same")
    (1, 1, 3)
    >>> conv1d_pads(6, 3, stride=2, padding="same")
    (0, 1, 3)
    >>> conv1d_pads(5, 2, padding="causal", dilation=2)
    (2, 0, 5)
    """
    length = shapes.check_int("length", length, minimum=1)
    kernel_size = shapes.check_int("kernel_size", kernel_size, minimum=1)
    stride = shapes.check_int("stride", stride, minimum=1)
    dilation = shapes.check_int("dilation", dilation, minimum=1)
    padding = shapes.check_conv_padding(padding)
    dk = shapes.effective_kernel_size(kernel_size, dilation)
    if padding == "valid":
        left = right = 0
    elif padding == "causal":
        left, right = dk - 1, 0
    elif padding == "same":
        out = -(-length // stride)
        total = max((out - 1) * stride + dk - length, 0)
        left, right = total // 2, total - total // 2
    else:
        left, right = padding
    span = length + left + right - dk
    if span < 0:
        raise ValueError(
            f"The conv1d output would be empty: the padded input ({length} + "
            f"{left} + {right} samples) is shorter than the dilated kernel ({dk}). "
            f"Received: length={length}, kernel_size={kernel_size}, "
            f"padding={padding!r}, dilation={dilation}"
        )
    return left, right, span // stride + 1


def adjoint_padding(length, kernel_size, stride=1, padding="valid", dilation=1):
    """``conv1d_transpose`` arguments whose operator is the adjoint of a ``conv1d``.

    Parameters
    ----------
    length, kernel_size, stride, padding, dilation
        The ``conv1d`` geometry, as :func:`conv1d_pads`.

    Returns
    -------
    padding : tuple of (int, int)
    output_padding : int
        Pass both to :func:`deconv1d.conv1d_transpose` with the same
        ``stride``, ``dilation`` and kernel: its output has length ``length``
        and ``<conv1d(y, w), x> == <y, conv1d_transpose(x, w)>``.

    Examples
    --------
    >>> adjoint_padding(6, 3, stride=2, padding="same")
    ((0, 1), 0)
    >>> adjoint_padding(6, 3, stride=2)    # valid: the conv never reads sample 5
    ((0, 0), 1)
    >>> from deconv1d import output_length
    >>> output_length(2, 3, stride=2, padding=(0, 0), output_padding=1)
    6
    """
    left, right, _ = conv1d_pads(length, kernel_size, stride, padding, dilation)
    dk = shapes.effective_kernel_size(kernel_size, dilation)
    return (left, right), (length + left + right - dk) % stride


# --------------------------------------------------------------------------- #
# The engine: im2col of a padded signal, one GEMM per block.                  #
# --------------------------------------------------------------------------- #
def _padded(y_last, pad_left, pad_right, dtype):
    """A channels-last contiguous copy of ``y_last`` with zero pads.

    ``pad_right < 0`` drops that many trailing samples.  Returns ``y_last`` itself
    (never written to) when it is already suitable.
    """
    n_batch, length, channels = y_last.shape
    keep = length + min(pad_right, 0)
    if (pad_left == 0 and pad_right <= 0 and y_last.dtype == dtype
            and y_last.strides[2] == dtype.itemsize):
        return y_last[:, :keep]
    out = np.zeros((n_batch, pad_left + keep + max(pad_right, 0), channels), dtype)
    out[:, pad_left:pad_left + keep] = y_last[:, :keep]
    return out


def _taps_view(y_pad, out_length, kernel_size, stride, dilation):
    """Read-only view ``v[n, i, k, c] = y_pad[n, i*stride + k*dilation, c]``."""
    n_batch, _, channels = y_pad.shape
    sn, st, sc = y_pad.strides
    return np.lib.stride_tricks.as_strided(
        y_pad, shape=(n_batch, out_length, kernel_size, channels),
        strides=(sn, stride * st, dilation * st, sc), writeable=False)


def _blocks(n_batch, length, row_bytes):
    """Slices ``(batch, time)`` covering the problem with about BLOCK_BYTES of columns each."""
    rows = max(1, min(max(MIN_ROWS, BLOCK_BYTES // row_bytes),
                      MAX_BLOCK_BYTES // row_bytes))
    # Whole signals when they fit, so that blocks of x and of the output are
    # contiguous (the GEMM then writes straight into the output).
    time_block = min(length, rows)
    batch_block = min(n_batch, max(1, rows // time_block))
    for n0 in range(0, n_batch, batch_block):
        for i0 in range(0, length, time_block):
            yield (slice(n0, min(n_batch, n0 + batch_block)),
                   slice(i0, min(length, i0 + time_block)))


def _patches(view_block, groups):
    """im2col of one block: (G, rows, K * C_g), copied contiguous."""
    n, steps, k_size, channels = view_block.shape
    c_g = channels // groups
    if groups == 1:
        # Always a real copy: a reshape could return overlapping rows, which
        # BLAS cannot take (NumPy would fall back to a slow loop).
        return np.ascontiguousarray(view_block).reshape(1, n * steps, k_size * channels)
    split = view_block.reshape(n, steps, k_size, groups, c_g).transpose(3, 0, 1, 2, 4)
    return np.ascontiguousarray(split).reshape(groups, n * steps, k_size * c_g)


def _grouped_kernel(w, groups):
    """(K, C_g, G * D_g) kernel -> (G, K * C_g, D_g) matrices, one per group."""
    k_size, c_g, d = w.shape
    d_g = d // groups
    return np.ascontiguousarray(
        w.reshape(k_size, c_g, groups, d_g).transpose(2, 0, 1, 3)
    ).reshape(groups, k_size * c_g, d_g)


def _correlate(y_pad, w, stride, dilation, groups, out, x=None):
    """``out[n, i, (g, e)] = sum_{k, m} y_pad[n, i*s + k*d, (g, m)] * w[k, m, (g, e)]``.

    y_pad (N, L_pad, C) channels last; w (K, C // G, D); out (N, L, D), written
    in place (may be a strided view).  When ``x`` (N, L, D) is given, also
    returns ``dw[k, m, (g, e)] = sum_{n, i} y_pad[n, i*s + k*d, (g, m)] * x[n, i, (g, e)]``
    from the same columns.  One GEMM per block (batched over groups).
    """
    n_batch, length, d = out.shape
    k_size, c_g, _ = w.shape
    d_g = d // groups
    view = _taps_view(y_pad, length, k_size, stride, dilation)
    wg = _grouped_kernel(w, groups)
    dw = None if x is None else np.zeros_like(wg)
    row_bytes = k_size * c_g * groups * y_pad.dtype.itemsize
    for nb, ib in _blocks(n_batch, length, row_bytes):
        cols = _patches(view[nb, ib], groups)          # (G, rows, K * C_g)
        n, steps = cols.shape[1] // (ib.stop - ib.start), ib.stop - ib.start
        if groups == 1:
            target = out[nb, ib]
            if target.flags.c_contiguous:
                np.matmul(cols[0], wg[0], out=target.reshape(n * steps, d))
            else:
                target[...] = (cols[0] @ wg[0]).reshape(n, steps, d)
            if x is not None:
                dw[0] += cols[0].T @ x[nb, ib].reshape(n * steps, d)
            continue
        res = np.matmul(cols, wg)                      # (G, rows, D_g)
        out[nb, ib] = res.transpose(1, 0, 2).reshape(n, steps, d)
        if x is not None:
            xg = x[nb, ib].reshape(n * steps, groups, d_g).transpose(1, 0, 2)
            dw += np.matmul(cols.transpose(0, 2, 1), xg)
    if x is None:
        return None
    return dw.reshape(groups, k_size, c_g, d_g).transpose(1, 2, 0, 3).reshape(
        k_size, c_g, d)


def _empty_like_layout(n_batch, length, channels, data_format, dtype):
    """A new output array and its channels-last view."""
    if data_format == "channels_last":
        out = np.empty((n_batch, length, channels), dtype)
        return out, out
    out = np.empty((n_batch, channels, length), dtype)
    return out, out.transpose(0, 2, 1)


# --------------------------------------------------------------------------- #
# Public functions.                                                           #
# --------------------------------------------------------------------------- #
def conv1d(y, w, stride=1, padding="valid", *, dilation=1, groups=1,
           data_format="channels_last", bias=None):
    """Forward 1-D convolution (cross-correlation), Keras ``Conv1D`` semantics.

    The adjoint of :func:`deconv1d.conv1d_transpose`: the same kernel array
    serves both (see the module docstring for the matching geometries).

    Parameters
    ----------
    y : array_like, shape (N, L_y, C) or (N, C, L_y)
        Input; the layout is chosen by ``data_format``.  Integer and bool input
        is promoted to float64; float16 is accumulated in float32.
    w : array_like, shape (K, C // groups, D)
        Kernel in Keras ``Conv1D`` layout ``(kernel_size, in // groups, filters)``,
        which is also the ``Conv1DTranspose`` layout of the adjoint transposed
        convolution mapping ``D`` channels to ``C``.  A PyTorch ``Conv1d``
        weight ``(D, C // groups, K)`` becomes this with ``.transpose(2, 1, 0)``.
    stride : int, default 1
    padding : {"valid", "same", "causal"} or int or (int, int), default "valid"
        Keras words (case-insensitive); an int ``p`` pads ``p`` zeros at both
        ends (PyTorch); a pair ``(left, right)`` pads explicitly.
    dilation : int, default 1
    groups : int, default 1
        Input channel block ``g`` feeds output channel block ``g``.
    data_format : {"channels_last", "channels_first"}, default "channels_last"
    bias : array_like, shape (D,), optional

    Returns
    -------
    x : ndarray, shape (N, L, D) or (N, D, L)
        A new array; ``L`` is the third value of :func:`conv1d_pads`.

    Raises
    ------
    TypeError, ValueError
        On a bad argument, naming it and the value received.

    Notes
    -----
    ``x[n, i, e] = sum_{k, m} y_pad[n, i*s + k*d, m] * w[k, m, e]`` where
    ``y_pad`` is ``y`` with the pads of :func:`conv1d_pads`; the kernel is not
    flipped.  Computed as im2col of ``y_pad`` and one GEMM per block.

    References
    ----------
    arXiv:1603.07285, Relationships 1-6.

    Examples
    --------
    >>> y = np.arange(1.0, 7.0).reshape(1, 6, 1)
    >>> w = np.array([1.0, 2.0, 3.0]).reshape(3, 1, 1)
    >>> conv1d(y, w, stride=2, padding="same")[0, :, 0]
    array([14., 26., 17.])
    >>> conv1d(y, w, padding="causal")[0, :, 0]
    array([ 3.,  8., 14., 20., 26., 32.])
    """
    data_format = shapes.check_data_format(data_format)
    layout = "(N, L, C)" if data_format == "channels_last" else "(N, C, L)"
    y = rank3("y", y, f"{layout} for {data_format}")
    w = rank3("w", w, "(kernel_size, C // groups, filters) (the Keras Conv1D kernel layout)")
    groups = shapes.check_int("groups", groups, minimum=1)
    y_last = channels_last(y, data_format)
    n_batch, length, channels = y_last.shape
    kernel_size, c_g, filters = w.shape
    if kernel_size == 0 or c_g == 0 or filters == 0:
        raise ValueError(f"`w` must not be empty. Received: w with shape {w.shape}")
    if filters % groups:
        raise ValueError(
            f"`groups` must divide the {filters} filters (the last axis of `w`). "
            f"Received: groups={groups}"
        )
    if c_g * groups != channels:
        raise ValueError(
            f"`w` must have {channels} // groups = {channels / groups:g} input "
            f"channels (its middle axis) to match `y` ({data_format}, shape "
            f"{y.shape}) with groups={groups}. Received: w with shape {w.shape}"
        )
    check_time_steps("y", y, length)
    arrays = [y, w]
    if bias is not None:
        bias = check_bias(bias, filters, "filter")
        arrays.append(bias)
    stride = shapes.check_int("stride", stride, minimum=1)
    dilation = shapes.check_int("dilation", dilation, minimum=1)
    left, right, out_length = conv1d_pads(length, kernel_size, stride, padding,
                                          dilation)
    compute, result = dtypes(*arrays)
    # Pad to exactly the span the last step reads; samples beyond it are unused.
    right = (out_length - 1) * stride + shapes.effective_kernel_size(
        kernel_size, dilation) - left - length
    y_pad = _padded(y_last, left, right, compute)
    out, out_last = _empty_like_layout(n_batch, out_length, filters, data_format,
                                       compute)
    if n_batch:
        _correlate(y_pad, w.astype(compute, copy=False), stride, dilation, groups,
                   out_last)
    if bias is not None:
        out_last += bias.astype(compute, copy=False)
    return out.astype(result, copy=False)


def conv1d_transpose_vjp(dy, x, w, stride=1, padding="valid", output_padding=None,
                         *, dilation=1, groups=1, data_format="channels_last"):
    """Vector-Jacobian product of :func:`deconv1d.conv1d_transpose`.

    Given the gradient ``dy`` of a scalar loss with respect to the output of
    ``conv1d_transpose(x, w, ..., bias=b)``, returns its gradients with respect
    to ``x``, ``w`` and ``b``.

    Parameters
    ----------
    dy : array_like, shape (N, L_out, C_out) or (N, C_out, L_out)
        Gradient of the output, in the layout of ``data_format``.
    x : array_like, shape (N, L, C_in) or (N, C_in, L)
        The forward call's input.
    w : array_like, shape (K, C_out // groups, C_in)
        The forward call's kernel (Keras ``Conv1DTranspose`` layout).
    stride, padding, output_padding, dilation, groups, data_format
        Exactly as passed to :func:`deconv1d.conv1d_transpose`.

    Returns
    -------
    dx : ndarray, shape of ``x``
        ``conv1d(dy, w, stride, padding=(crop_left, crop_right), dilation=...)``
        (trailing samples dropped when ``crop_right < 0``).
    dw : ndarray, shape (K, C_out // groups, C_in)
        ``dw[k, m, c] = sum_{n, i} dy[n, i*s + k*d - crop_left, m] * x[n, i, c]``
        (within each group), a correlation of ``x`` with ``dy``.
    dbias : ndarray, shape (C_out,)
        ``dy`` summed over batch and time.

    Raises
    ------
    TypeError, ValueError
        On a bad argument, naming it and the value received.

    Notes
    -----
    ``dx`` and ``dw`` share one im2col of the padded ``dy`` per block; each is
    one GEMM per block.  Dtypes follow :func:`deconv1d.conv1d_transpose`
    applied to ``dy``, ``x`` and ``w`` together.

    References
    ----------
    arXiv:1603.07285, section 4.1.

    Examples
    --------
    >>> x = np.ones((1, 3, 1)); w = np.array([1.0, 2.0, 3.0]).reshape(3, 1, 1)
    >>> dy = np.zeros((1, 6, 1)); dy[0, 2, 0] = 1.0     # d loss / d y[0, 2, 0]
    >>> dx, dw, db = conv1d_transpose_vjp(dy, x, w, stride=2, padding="same")
    >>> dx[0, :, 0], dw[:, 0, 0], db
    (array([3., 1., 0.]), array([1., 0., 1.]), array([1.]))
    """
    problem = prepare(x, w, stride, padding, output_padding, dilation=dilation,
                      groups=groups, data_format=data_format)
    geom = problem.geometry
    data_format = problem.data_format
    n_batch, length, c_in = problem.x.shape
    c_out = problem.out_channels
    dy = as_numeric("dy", dy)
    dy_last = channels_last(dy, data_format) if dy.ndim == 3 else dy
    expected = (n_batch, geom.output_length, c_out)
    if dy_last.shape != expected:
        want = expected if data_format == "channels_last" else (
            n_batch, c_out, geom.output_length)
        raise ValueError(
            f"`dy` must have the shape of conv1d_transpose's output, {want} "
            f"({data_format}). Received: dy with shape {dy.shape}"
        )
    compute, result = dtypes(np.empty(0, problem.result_dtype), dy)
    x_last = problem.x.astype(compute, copy=False)
    w_c = problem.w.astype(compute, copy=False)
    dx, dx_last = _empty_like_layout(n_batch, length, c_in, data_format, compute)
    if n_batch:
        dy_pad = _padded(dy_last, geom.crop_left, geom.crop_right, compute)
        dw = _correlate(dy_pad, w_c, geom.stride, geom.dilation, problem.groups,
                        dx_last, x=x_last)
    else:
        dw = np.zeros(w_c.shape, compute)
    dbias = dy_last.sum(axis=(0, 1), dtype=compute)
    return (dx.astype(result, copy=False), dw.astype(result, copy=False),
            dbias.astype(result, copy=False))
