"""The fast 1-D transposed convolution: argument checking and the public function.

The arithmetic lives in :mod:`deconv1d._kernels`: cache-blocked GEMM paths
(col2im scatter with a carried overlap tail, its contiguous block variant, and
a polyphase gather that writes the output straight from one GEMM), one of
which is picked per call by a documented cost rule.  Every path writes the
output block by block, so scratch memory stays bounded however large
``N * L * K * C_out`` is.

References
----------
V. Dumoulin and F. Visin, "A guide to convolution arithmetic for deep learning",
arXiv:1603.07285, section 4.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _engine as _kernels
from . import geometry as shapes
from .arrays import check_bias, check_time_steps, dtypes, physical_memory, rank3

__all__ = ["conv1d_transpose", "prepare"]


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
    return _problem(x, w, stride, padding, output_padding, dilation=dilation,
                    groups=groups, data_format=data_format, bias=bias, convert=True)


def _problem(x, w, stride, padding, output_padding, *, dilation, groups,
             data_format, bias, convert):
    """:func:`prepare`; ``convert=False`` leaves ``x`` in its dtype (converted by blocks)."""
    data_format = shapes.check_data_format(data_format)
    layout = "(N, L, C_in)" if data_format == "channels_last" else "(N, C_in, L)"
    x = rank3("x", x, f"{layout} for {data_format}")
    w = rank3("w", w, "(kernel_size, C_out // groups, C_in) (the Keras "
                       "Conv1DTranspose kernel layout)")
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
    check_time_steps("x", x, length)
    c_out = c_out_g * groups
    arrays = [x, w]
    if bias is not None:
        bias = check_bias(bias, c_out, "output channel")
        arrays.append(bias)
    geom = shapes.geometry(length, kernel_size, stride, padding, output_padding,
                           dilation)
    compute, result = dtypes(*arrays)
    needed = n_batch * geom.output_length * c_out * compute.itemsize
    if needed > physical_memory():
        raise ValueError(
            f"The output, shape ({n_batch}, {geom.output_length}, {c_out}), would need "
            f"{needed / 2**30:.3g} GiB, more than this machine's memory: check "
            f"`stride` and `padding`. Received: stride={stride!r}, padding={padding!r}, "
            f"dilation={dilation!r}, output_padding={output_padding!r}"
        )
    return Problem(
        x=x_last.astype(compute, copy=False) if convert else x_last,
        w=w.astype(compute, copy=False),
        bias=None if bias is None else bias.astype(compute, copy=False),
        geometry=geom, groups=groups, data_format=data_format,
        compute_dtype=compute, result_dtype=result,
    )


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
    problem = _problem(x, w, stride, padding, output_padding, dilation=dilation,
                       groups=groups, data_format=data_format, bias=bias,
                       convert=False)
    return _compute(problem)


def _all_finite(a, dtype):
    """No nan or inf in ``a`` (one pass, no temporary; overflow of the sum
    gives a harmless false "no")."""
    if a.dtype.kind in "biu":
        return True
    with np.errstate(over="ignore", invalid="ignore"):
        return bool(np.isfinite(a.sum(dtype=dtype)))


def _compute(problem, path=None, **options):
    """Run ``problem`` on ``path`` (``None``: :func:`deconv1d._kernels.choose`).

    The output is allocated once, in the result dtype and layout; the path
    writes it block by block (inputs converted per block), so nothing of the
    size of the input or of the columns is ever allocated.
    """
    geom = problem.geometry
    n_batch, _, c_in = problem.x.shape
    c_out = problem.out_channels
    l_out = geom.output_length
    if problem.data_format == "channels_last":
        y = np.zeros((n_batch, l_out, c_out), dtype=problem.result_dtype)
        y_last = y
    else:
        y = np.zeros((n_batch, c_out, l_out), dtype=problem.result_dtype)
        y_last = y.transpose(0, 2, 1)
    if n_batch == 0:
        if problem.bias is not None:
            y_last += problem.bias
        return y
    if path is None:
        path, options = _kernels.choose(geom, c_in, c_out, problem.groups, n_batch)
        if not (_all_finite(problem.x, problem.compute_dtype)
                and _all_finite(problem.w, problem.compute_dtype)):
            # The block and gather paths multiply structural zeros (padded
            # taps, Toeplitz gaps, out-of-range inputs) and 0 * inf = nan would
            # spread a non-finite value past the outputs it reaches.
            path, options = "scatter", {}
    _kernels.run(path, problem.x, problem.w, geom, problem.groups, y_last,
                 problem.bias, problem.compute_dtype, **options)
    return y
