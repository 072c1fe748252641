"""Slow, obvious oracles for the 1-D transposed convolution.

Four independent ways to compute the same thing, each written for clarity, not
speed, and each sharing the signature of :func:`deconv1d.conv1d_transpose` so a
test or a user can swap one for another:

- :func:`scatter_loops`: every input sample scatters every tap (``col2im``);
- :func:`gather_loops`: every output sample collects the ``(i, k)`` pairs reaching it;
- :func:`zero_insertion`: insert ``stride - 1`` zeros, pad, correlate with the
  flipped kernel at stride 1 (the guide's Relationship 14);
- :func:`matrix_product`: multiply by the explicit matrix ``C^T``.

and one for the forward convolution, the adjoint of the transposed one:
:func:`conv1d_loops`, one term at a time with its own padding arithmetic.

This module deliberately depends on nothing else in the package: it has its own
small copy of the Keras length/crop table (:func:`window`), so that a mistake in
``deconv1d.shapes`` cannot hide in both the fast path and its oracle.  It checks
only what it needs and assumes sensible arguments.

References
----------
V. Dumoulin and F. Visin, "A guide to convolution arithmetic for deep learning",
arXiv:1603.07285, section 4.
"""

import numpy as np

__all__ = [
    "ORACLES",
    "conv1d_loops",
    "gather_loops",
    "matrix_product",
    "scatter_loops",
    "transpose_matrix",
    "window",
    "zero_insertion",
]


def window(length, kernel_size, stride=1, padding="valid", output_padding=None,
           dilation=1):
    """``(crop_left, output_length)`` of the kept window of the full scatter.

    Written from the Keras source (``deconv_output_length`` and
    ``compute_conv_transpose_padding_args_for_jax``), not shared with the fast path.

    Examples
    --------
    >>> window(3, 3, stride=2, padding="same")
    (0, 6)
    >>> window(3, 3, stride=2, padding="same", output_padding=0)
    (1, 5)
    """
    dk = kernel_size + (kernel_size - 1) * (dilation - 1)
    if isinstance(padding, str) and padding.lower() == "valid":
        if output_padding is None:
            return 0, length * stride + max(dk - stride, 0)
        return 0, (length - 1) * stride + dk + output_padding
    if isinstance(padding, str) and padding.lower() == "same":
        if output_padding is None:
            # Keras 3: lo = min(ceil((s + dk - 2) / 2), dk - 1); crop = dk - 1 - lo.
            lo = min(-(-(stride + dk - 2) // 2), dk - 1)
            return dk - 1 - lo, length * stride
        total = dk + dk % 2 - 2 + output_padding
        lo = min(-(-total // 2), dk - 1)
        return dk - 1 - lo, (length - 1) * stride + dk - 2 * (dk // 2) + output_padding
    if isinstance(padding, str):
        raise ValueError(f"padding={padding!r}")
    if np.ndim(padding) == 0:
        left = right = int(padding)
    else:
        left, right = (int(p) for p in padding)
    op = 0 if output_padding is None else output_padding
    return left, (length - 1) * stride + dk - left - right + op


def _channels_last(x, data_format):
    x = np.asarray(x)
    return np.swapaxes(x, 1, 2) if data_format == "channels_first" else x


def _arrays(x, w, groups, data_format):
    """``x`` channels last and ``w`` as arrays, with the sizes every oracle loops over:
    ``(x, w, n_batch, length, kernel_size, c_in_per_group, c_out_per_group)``."""
    x = _channels_last(x, data_format)
    w = np.asarray(w)
    n_batch, length, c_in = x.shape
    k_size, c_out_g, _ = w.shape
    return x, w, n_batch, length, k_size, c_in // groups, c_out_g


def _finish(y, bias, data_format):
    if bias is not None:
        y = y + np.asarray(bias)
    return np.swapaxes(y, 1, 2).copy() if data_format == "channels_first" else y


def _dtype(x, w):
    dtype = np.result_type(x, w)
    return np.float64 if dtype.kind in "biu" else dtype


def scatter_loops(x, w, stride=1, padding="valid", output_padding=None, *,
                  dilation=1, groups=1, data_format="channels_last", bias=None):
    """Oracle 1: explicit scatter loops, ``y[n, i*s + k*d - crop] += w[k] @ x[n, i]``.

    Parameters
    ----------
    x : array_like, shape (N, L, C_in) or (N, C_in, L)
    w : array_like, shape (K, C_out // groups, C_in)
        Keras ``Conv1DTranspose`` kernel layout.
    stride, padding, output_padding, dilation, groups, data_format, bias
        As :func:`deconv1d.conv1d_transpose`.

    Returns
    -------
    ndarray, shape (N, L_out, C_out) or (N, C_out, L_out)

    Examples
    --------
    >>> x = np.ones((1, 3, 1)); w = np.arange(1.0, 4.0).reshape(3, 1, 1)
    >>> scatter_loops(x, w, stride=2, padding="same")[0, :, 0]
    array([1., 2., 4., 2., 4., 2.])
    """
    x, w, n_batch, length, k_size, cin_g, c_out_g = _arrays(x, w, groups, data_format)
    crop, l_out = window(length, k_size, stride, padding, output_padding, dilation)
    y = np.zeros((n_batch, l_out, c_out_g * groups), dtype=_dtype(x, w))
    for n in range(n_batch):
        for i in range(length):
            for k in range(k_size):
                o = i * stride + k * dilation - crop
                if not 0 <= o < l_out:
                    continue
                for g in range(groups):
                    block = slice(g * cin_g, (g + 1) * cin_g)
                    y[n, o, g * c_out_g:(g + 1) * c_out_g] += w[k, :, block] @ x[n, i, block]
    return _finish(y, bias, data_format)


def gather_loops(x, w, stride=1, padding="valid", output_padding=None, *,
                 dilation=1, groups=1, data_format="channels_last", bias=None):
    """Oracle 2: for each output position, sum over the ``(i, k)`` pairs reaching it.

    Output ``o`` receives input ``i`` through tap ``k`` exactly when
    ``o + crop_left - k*d == i*s``.  Same parameters as :func:`scatter_loops`.

    Examples
    --------
    >>> x = np.ones((1, 3, 1)); w = np.arange(1.0, 4.0).reshape(3, 1, 1)
    >>> gather_loops(x, w, stride=2, padding="same", output_padding=0)[0, :, 0]
    array([2., 4., 2., 4., 2.])
    """
    x, w, n_batch, length, k_size, cin_g, c_out_g = _arrays(x, w, groups, data_format)
    c_out = c_out_g * groups
    crop, l_out = window(length, k_size, stride, padding, output_padding, dilation)
    y = np.zeros((n_batch, l_out, c_out), dtype=_dtype(x, w))
    for n in range(n_batch):
        for o in range(l_out):
            for f in range(c_out):
                g, m = divmod(f, c_out_g)
                total = y.dtype.type(0)
                for k in range(k_size):
                    j = o + crop - k * dilation
                    if j % stride or not 0 <= j // stride < length:
                        continue
                    i = j // stride
                    for c in range(cin_g):
                        total += w[k, m, g * cin_g + c] * x[n, i, g * cin_g + c]
                y[n, o, f] = total
    return _finish(y, bias, data_format)


def zero_insertion(x, w, stride=1, padding="valid", output_padding=None, *,
                   dilation=1, groups=1, data_format="channels_last", bias=None):
    """Oracle 3: zero insertion, padding and a stride-1 correlation with the flipped kernel.

    Insert ``stride - 1`` zeros between input samples, pad ``dk - 1`` zeros at
    both ends (``dk`` the dilated kernel span), correlate at stride 1 with the
    dilated kernel reversed in time, then keep the window.  This is the guide's
    equivalent direct convolution.  Same parameters as :func:`scatter_loops`.

    Examples
    --------
    >>> x = np.ones((1, 3, 1)); w = np.arange(1.0, 4.0).reshape(3, 1, 1)
    >>> zero_insertion(x, w)[0, :, 0]
    array([1., 3., 6., 5., 3.])
    """
    x, w, n_batch, length, k_size, cin_g, c_out_g = _arrays(x, w, groups, data_format)
    c_out = c_out_g * groups
    dtype = _dtype(x, w)
    dk = (k_size - 1) * dilation + 1
    crop, l_out = window(length, k_size, stride, padding, output_padding, dilation)

    upsampled = np.zeros((n_batch, (length - 1) * stride + 1, x.shape[2]), dtype=dtype)
    upsampled[:, ::stride] = x
    padded = np.pad(upsampled, ((0, 0), (dk - 1, dk - 1), (0, 0)))
    dilated = np.zeros((dk, c_out_g, x.shape[2]), dtype=dtype)
    dilated[::dilation] = w
    flipped = dilated[::-1]
    full_length = padded.shape[1] - dk + 1
    full = np.zeros((n_batch, full_length, c_out), dtype=dtype)
    for t in range(full_length):
        patch = padded[:, t:t + dk]                       # (N, dk, C_in)
        for g in range(groups):
            block = slice(g * cin_g, (g + 1) * cin_g)
            full[:, t, g * c_out_g:(g + 1) * c_out_g] = np.einsum(
                "ntc,tmc->nm", patch[:, :, block], flipped[:, :, block])
    y = np.zeros((n_batch, l_out, c_out), dtype=dtype)
    kept = full[:, crop:crop + l_out]
    y[:, :kept.shape[1]] = kept
    return _finish(y, bias, data_format)


def transpose_matrix(length, w, stride=1, padding="valid", output_padding=None, *,
                     dilation=1, groups=1):
    """The explicit matrix ``C^T`` of the transposed convolution.

    Parameters
    ----------
    length : int
        Input length ``L``.
    w : array_like, shape (K, C_out // groups, C_in)

    Returns
    -------
    ndarray, shape (L_out * C_out, L * C_in)
        Row ``o * C_out + f``, column ``i * C_in + c``: the weight from input
        ``(i, c)`` to output ``(o, f)``, so ``y.ravel() == C^T @ x.ravel()`` for
        one channels-last sample.  Its transpose ``C`` is the matrix of the
        forward (strided) correlation whose adjoint this operation is.

    Examples
    --------
    >>> w = np.array([1.0, 2.0, 3.0]).reshape(3, 1, 1)
    >>> transpose_matrix(3, w, stride=2, padding="same")
    array([[1., 0., 0.],
           [2., 0., 0.],
           [3., 1., 0.],
           [0., 2., 0.],
           [0., 3., 1.],
           [0., 0., 2.]])
    """
    w = np.asarray(w)
    k_size, c_out_g, c_in = w.shape
    cin_g = c_in // groups
    c_out = c_out_g * groups
    crop, l_out = window(length, k_size, stride, padding, output_padding, dilation)
    matrix = np.zeros((l_out * c_out, length * c_in), dtype=_dtype(w, w))
    for i in range(length):
        for k in range(k_size):
            o = i * stride + k * dilation - crop
            if not 0 <= o < l_out:
                continue
            for g in range(groups):
                rows = slice(o * c_out + g * c_out_g, o * c_out + (g + 1) * c_out_g)
                cols = slice(i * c_in + g * cin_g, i * c_in + (g + 1) * cin_g)
                matrix[rows, cols] += w[k, :, g * cin_g:(g + 1) * cin_g]
    return matrix


def matrix_product(x, w, stride=1, padding="valid", output_padding=None, *,
                   dilation=1, groups=1, data_format="channels_last", bias=None):
    """Oracle 4: ``y = C^T x`` with the explicit matrix of :func:`transpose_matrix`.

    Same parameters as :func:`scatter_loops`; meant for small sizes (the matrix
    has ``L_out * C_out * L * C_in`` entries).

    Examples
    --------
    >>> x = np.ones((1, 3, 1)); w = np.arange(1.0, 4.0).reshape(3, 1, 1)
    >>> matrix_product(x, w, stride=2)[0, :, 0]
    array([1., 2., 4., 2., 4., 2., 3.])
    """
    x = _channels_last(x, data_format)
    w = np.asarray(w)
    n_batch, length, c_in = x.shape
    ct = transpose_matrix(length, w, stride, padding, output_padding,
                          dilation=dilation, groups=groups)
    c_out = w.shape[1] * groups
    flat = x.reshape(n_batch, length * c_in).astype(_dtype(x, w))
    y = (flat @ ct.T).reshape(n_batch, -1, c_out)
    return _finish(y, bias, data_format)


ORACLES = {
    "scatter_loops": scatter_loops,
    "gather_loops": gather_loops,
    "zero_insertion": zero_insertion,
    "matrix_product": matrix_product,
}


def conv1d_loops(y, w, stride=1, padding="valid", *, dilation=1, groups=1,
                 data_format="channels_last", bias=None):
    """Oracle for the forward convolution ``deconv1d.conv1d``, one term at a time.

    ``x[n, i, e] = sum_{k, m} y[n, i*s + k*d - left, m] * w[k, m, e]`` over the
    samples of ``y`` that exist (zero padding), with the Keras ``Conv1D``
    padding rules written out here: ``"valid"`` pads nothing, ``"causal"`` pads
    ``dk - 1`` on the left, ``"same"`` outputs ``ceil(L / s)`` samples and pads
    the smaller half of what that needs on the left (the TensorFlow rule); an
    int ``p`` pads ``p`` at both ends, a pair ``(left, right)`` explicitly.

    Parameters
    ----------
    y : array_like, shape (N, L, C) or (N, C, L)
    w : array_like, shape (K, C // groups, D)
        Keras ``Conv1D`` kernel layout.
    stride, padding, dilation, groups, data_format, bias
        As ``deconv1d.conv1d``.

    Returns
    -------
    ndarray, shape (N, L_x, D) or (N, D, L_x), float64

    Examples
    --------
    >>> y = np.arange(1.0, 7.0).reshape(1, 6, 1)
    >>> w = np.array([1.0, 2.0, 3.0]).reshape(3, 1, 1)
    >>> conv1d_loops(y, w, stride=2, padding="same")[0, :, 0]
    array([14., 26., 17.])
    """
    y = _channels_last(np.asarray(y, dtype=np.float64), data_format)
    w = np.asarray(w, dtype=np.float64)
    n_batch, length, _ = y.shape
    k_size, c_g, filters = w.shape
    d_g = filters // groups
    dk = (k_size - 1) * dilation + 1
    if isinstance(padding, str) and padding.lower() == "valid":
        left, right = 0, 0
    elif isinstance(padding, str) and padding.lower() == "causal":
        left, right = dilation * (k_size - 1), 0
    elif isinstance(padding, str):                         # same, TensorFlow rule
        out = (length + stride - 1) // stride
        total = max(0, (out - 1) * stride + dk - length)
        left, right = total // 2, total - total // 2
    elif np.ndim(padding) == 0:
        left = right = int(padding)
    else:
        left, right = padding
    out_len = (length + left + right - dk) // stride + 1
    x = np.zeros((n_batch, out_len, filters))
    for n in range(n_batch):
        for i in range(out_len):
            for e in range(filters):
                g = e // d_g
                for k in range(k_size):
                    t = i * stride + k * dilation - left
                    if not 0 <= t < length:
                        continue
                    for m in range(c_g):
                        x[n, i, e] += y[n, t, g * c_g + m] * w[k, m, e]
    return _finish(x, bias, data_format)
