"""The forward convolution ``conv1d``: the adjoint of ``conv1d_transpose``.

Why "transposed"?  For one sample, a transposed convolution is a matrix
product ``y = C^T x``; ``C`` is the matrix of an ordinary strided
cross-correlation, :func:`conv1d`.  The very same kernel array ``w`` of shape
``(K, C_out_T, C_in_T)`` serves both: it is the Keras ``Conv1DTranspose``
kernel ``(kernel_size, filters, in_channels)`` and, read as Keras ``Conv1D``
layout ``(kernel_size, in_channels, filters)``, a ``conv1d`` kernel mapping
``C_out_T`` channels back to ``C_in_T``.  Hence
``<conv1d_transpose(x, w), y> == <x, conv1d(y, w)>`` and the input gradient
of a transposed convolution is a ``conv1d`` of the output gradient
(:mod:`deconv1d.core.vjp`).

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

from typing import Union

import numpy as np
import numpy.typing as npt

from . import engine
from . import geometry as shapes
from .arrays import channels_last, check_bias, check_fits, check_time_steps, dtypes, rank3

__all__ = ["adjoint_padding", "conv1d", "conv1d_pads"]

#: ``padding`` of a forward convolution: a Keras word (also ``"causal"``), an
#: int (PyTorch), or a pair of zero pads.
ConvPadding = Union[str, int, tuple[int, int]]


def conv1d_pads(length: int, kernel_size: int, stride: int = 1,
                padding: ConvPadding = "valid", dilation: int = 1) -> tuple[int, int, int]:
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
    if not isinstance(padding, str):
        left, right = padding
    elif padding == "valid":
        left = right = 0
    elif padding == "causal":
        left, right = dk - 1, 0
    else:                                 # "same"
        out = -(-length // stride)
        total = max((out - 1) * stride + dk - length, 0)
        left, right = total // 2, total - total // 2
    span = length + left + right - dk
    if span < 0:
        raise ValueError(
            f"The conv1d output would be empty: the padded input ({length} + "
            f"{left} + {right} samples) is shorter than the dilated kernel ({dk}). "
            f"Received: length={length}, kernel_size={kernel_size}, "
            f"padding={padding!r}, dilation={dilation}"
        )
    return left, right, span // stride + 1


def adjoint_padding(length: int, kernel_size: int, stride: int = 1,
                    padding: ConvPadding = "valid",
                    dilation: int = 1) -> tuple[tuple[int, int], int]:
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


def conv1d(y: npt.ArrayLike, w: npt.ArrayLike, stride: int = 1,
           padding: ConvPadding = "valid", *, dilation: int = 1, groups: int = 1,
           data_format: str = "channels_last",
           bias: npt.ArrayLike | None = None) -> np.ndarray:
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
    received = f"stride={stride!r}, padding={padding!r}, dilation={dilation!r}"
    if out_length == 1:
        # One step: the stride is never taken (and may exceed what strides can hold).
        stride = 1
    if kernel_size == 1:
        dilation = 1                     # one tap: likewise the dilation
    check_fits("The output", (n_batch, out_length, filters), compute.itemsize, received)
    # The engine reads the padded signal through strided views of its blocks: its span
    # (exactly what the last step reads) must be a size NumPy can index.
    right = (out_length - 1) * stride + shapes.effective_kernel_size(
        kernel_size, dilation) - left - length
    check_fits("The padded input", (n_batch, length + left + max(right, 0), channels),
               compute.itemsize, received)
    out, out_last = engine.new_output(n_batch, out_length, filters, data_format,
                                      compute)
    if n_batch:
        engine.correlate(y_last, w.astype(compute, copy=False), stride, dilation,
                         groups, out_last, pad_left=left, dtype=compute)
    if bias is not None:
        out_last += bias.astype(compute, copy=False)
    return out.astype(result, copy=False)
