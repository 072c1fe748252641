"""The vector-Jacobian product of ``conv1d_transpose``: gradients for training.

The input gradient of a transposed convolution is a ``conv1d`` of the output
gradient (see :mod:`deconv1d.core.conv` for the geometry that makes the two
adjoint), and the kernel gradient is a correlation of the input with the
output gradient; both come from one im2col of the output gradient, windowed
by the forward call's crops, in :func:`deconv1d.core.engine.correlate`.

References
----------
V. Dumoulin and F. Visin, "A guide to convolution arithmetic for deep learning",
arXiv:1603.07285, section 4.1 ("Convolution as a matrix operation").
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from . import engine
from . import geometry as shapes
from .arrays import as_numeric, channels_last, dtypes
from .transpose import prepare

__all__ = ["conv1d_transpose_vjp"]


def conv1d_transpose_vjp(
    dy: npt.ArrayLike, x: npt.ArrayLike, w: npt.ArrayLike, stride: int = 1,
    padding: shapes.Padding = "valid", output_padding: int | None = None, *,
    dilation: int = 1, groups: int = 1, data_format: str = "channels_last",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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
    dx, dx_last = engine.new_output(n_batch, length, c_in, data_format, compute)
    dw = None
    if n_batch:
        # The crops of the forward call are the zero pads of its adjoint conv
        # (a negative crop_right: the trailing appended zeros are never read).
        dw = engine.correlate(dy_last, w_c, geom.stride, geom.dilation, problem.groups,
                              dx_last, x=x_last, pad_left=geom.crop_left, dtype=compute)
    if dw is None:
        dw = np.zeros(w_c.shape, compute)
    dbias = dy_last.sum(axis=(0, 1), dtype=compute)
    return (dx.astype(result, copy=False), dw.astype(result, copy=False),
            dbias.astype(result, copy=False))
