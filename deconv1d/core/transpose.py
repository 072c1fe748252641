"""The fast 1-D transposed convolution: argument checking and the public function.

The arithmetic lives in :mod:`deconv1d.core.engine`: cache-blocked GEMM paths
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

import dataclasses

import numpy as np
import numpy.typing as npt

from . import engine
from . import geometry as shapes
from .arrays import (
    TRANSPOSE_KERNEL,
    channels_last,
    check_bias,
    check_time_steps,
    check_transpose_kernel,
    check_fits,
    dtypes,
    rank3,
)
from .engine import Problem

__all__ = ["conv1d_transpose", "prepare"]


def prepare(x: npt.ArrayLike, w: npt.ArrayLike, stride: int = 1,
            padding: shapes.Padding = "valid", output_padding: int | None = None, *,
            dilation: int = 1, groups: int = 1, data_format: str = "channels_last",
            bias: npt.ArrayLike | None = None) -> Problem:
    """Check every argument of a transposed convolution, before any heavy work.

    This is the one place where array arguments are checked; scalar arguments
    are checked by :mod:`deconv1d.shapes`.  Parameters are those of
    :func:`conv1d_transpose`.

    Returns
    -------
    deconv1d.core.engine.Problem
        Run it with :func:`deconv1d.core.engine.compute` (on a forced path, if
        wanted).

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
    checked, x, w, bias = _checked_call(x, w, stride, padding, output_padding,
                                        dilation, groups, data_format, bias)
    return checked.problem(x, w, bias, convert)


def _checked_call(x, w, stride, padding, output_padding, dilation, groups,
                  data_format, bias):
    """The :class:`_Checked` facts of a call, and its arrays.

    A call whose checks are a function of what :func:`_call_key` keeps is
    checked once; its next calls reuse the facts.
    """
    key = _call_key(x, w, bias, stride, padding, output_padding, dilation, groups,
                    data_format)
    checked = _checked_calls.get(key) if key is not None else None
    if checked is None:
        checked, x, w, bias = _check(x, w, stride, padding, output_padding,
                                     dilation=dilation, groups=groups,
                                     data_format=data_format, bias=bias)
        if key is not None:
            if len(_checked_calls) >= CHECKED_CALLS:
                _checked_calls.clear()
            _checked_calls[key] = checked
    return checked, x, w, bias


@dataclasses.dataclass(frozen=True)
class _Checked:
    """What the checks of a call found: everything that follows from its shapes,
    dtypes and scalar arguments.

    ``index`` is ``(C_out, N)`` when the engine chooses the index path for this
    problem (a small one), else ``None``: its :class:`~deconv1d.core.engine.IndexPlan`
    is looked up when called, so that the plans held stay those of
    :func:`~deconv1d.core.engine.index_plan` (at most 64, 32 MiB).
    """

    geometry: shapes.Geometry
    groups: int
    data_format: str
    compute: np.dtype
    result: np.dtype
    index: tuple[int, int] | None

    def problem(self, x: np.ndarray, w: np.ndarray, bias: np.ndarray | None,
                convert: bool) -> Problem:
        """The :class:`Problem` of checked arrays (``convert``: ``x`` in the compute dtype)."""
        x_last = channels_last(x, self.data_format)
        return Problem(
            x=x_last.astype(self.compute, copy=False) if convert else x_last,
            w=w.astype(self.compute, copy=False),
            bias=None if bias is None else bias.astype(self.compute, copy=False),
            geometry=self.geometry, groups=self.groups, data_format=self.data_format,
            compute_dtype=self.compute, result_dtype=self.result,
        )

    def small(self, x: np.ndarray, w: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
        """The output of a call on the index path, straight from its plan.

        What :func:`deconv1d.core.engine.compute` would do, less the steps a
        small call after a pause pays most for (the problem, the choice, the
        dispatch, the output's allocation).
        """
        assert self.index is not None
        x_last = channels_last(x, self.data_format)
        plan = engine.index_plan(self.geometry, *self.index)
        return plan.output(x_last, w, self.groups, self.compute, bias, self.data_format,
                           self.result)


def _check(x, w, stride, padding, output_padding, *, dilation, groups, data_format,
           bias):
    """Every check of a call: its :class:`_Checked` facts and its arrays."""
    data_format = shapes.check_data_format(data_format)
    layout = "(N, L, C_in)" if data_format == "channels_last" else "(N, C_in, L)"
    x = rank3("x", x, f"{layout} for {data_format}")
    w = rank3("w", w, TRANSPOSE_KERNEL)
    groups = shapes.check_int("groups", groups, minimum=1)
    x_last = channels_last(x, data_format)
    n_batch, length, c_in = x_last.shape
    kernel_size = w.shape[0]
    c_out = check_transpose_kernel(w, groups, c_in,
                                   lambda: f"`x` ({data_format}, shape {x.shape})")
    check_time_steps("x", x, length)
    arrays = [x, w]
    if bias is not None:
        bias = check_bias(bias, c_out, "output channel")
        arrays.append(bias)
    geom = _time_axis(length, kernel_size, stride, padding, output_padding, dilation)
    compute, result = dtypes(*arrays)
    check_fits("The output", (n_batch, geom.output_length, c_out), compute.itemsize,
               lambda: f"stride={stride!r}, padding={padding!r}, dilation={dilation!r}, "
                       f"output_padding={output_padding!r}")
    # Until every engine path bounds its scratch by the output, a window far
    # inside a long full scatter may still need one full-length row per channel.
    check_fits("The full scatter", (geom.full_length, c_out), compute.itemsize,
               lambda: f"stride={stride!r}, dilation={dilation!r}, "
                       f"kernel_size={kernel_size}")
    index = None
    if n_batch and c_in and engine.choose(geom, c_in, c_out, groups, n_batch,
                                          compute.itemsize)[0] == "index":
        index = (c_out, n_batch)
    return _Checked(geom, groups, data_format, compute, result, index), x, w, bias


#: How many calls' :class:`_Checked` facts are remembered (forgotten all at once when
#: full): a few hundred bytes each.
CHECKED_CALLS = 256
_checked_calls: dict[tuple, _Checked] = {}


def _call_key(x, w, bias, stride, padding, output_padding, dilation, groups,
              data_format) -> tuple | None:
    """What every check of a call depends on, or ``None`` when it may depend on more.

    For exact ndarrays (a subclass or a list is converted first) the array checks
    read only shapes and dtypes, and the scalar checks only the scalars, when
    :func:`_plain`.  A call after a pause pays for every line it runs: the checks
    took about 130 of the 300 us of a small call in ``benchmarks/bench.py --random``.
    """
    if (type(x) is np.ndarray and type(w) is np.ndarray
            and (bias is None or type(bias) is np.ndarray)
            and type(groups) is int and type(data_format) is str
            and _plain(stride, padding, output_padding, dilation)):
        return (x.shape, x.dtype, w.shape, w.dtype,
                None if bias is None else (bias.shape, bias.dtype),
                stride, padding, output_padding, dilation, groups, data_format)
    return None


def _plain(stride, padding, output_padding, dilation) -> bool:
    """Whether the scalar arguments are exact ints, words and int pairs, which
    may be remembered: ``3.0 == 3`` and ``True == 1`` hash alike, and must still raise."""
    return (type(stride) is int and type(dilation) is int
            and (output_padding is None or type(output_padding) is int)
            and (type(padding) in (str, int)
                 or (type(padding) is tuple and len(padding) == 2
                     and type(padding[0]) is int and type(padding[1]) is int)))


def _time_axis(length, kernel_size, stride, padding, output_padding, dilation):
    """The checked :class:`~deconv1d.shapes.Geometry` of a call, with a stride or
    dilation that is never taken set to 1 (remembered with the call's other checks,
    see :func:`_call_key`)."""
    geom = shapes.geometry(length, kernel_size, stride, padding, output_padding,
                           dilation)
    if kernel_size == 1 and geom.dilation != 1:
        geom = dataclasses.replace(geom, dilation=1)   # one tap: the dilation is never taken
    if length == 1 and geom.stride != 1:
        geom = dataclasses.replace(geom, stride=1)     # one sample: nor is the stride
    return geom


def conv1d_transpose(x: npt.ArrayLike, w: npt.ArrayLike, stride: int = 1,
                     padding: shapes.Padding = "valid",
                     output_padding: int | None = None, *, dilation: int = 1,
                     groups: int = 1, data_format: str = "channels_last",
                     bias: npt.ArrayLike | None = None) -> np.ndarray:
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
    padding : {"valid", "same"} or int or (int, int) or Window, default "valid"
        ``"valid"`` / ``"same"`` (case-insensitive) follow Keras; an int ``p``
        follows PyTorch (crop ``p`` samples at both ends); a pair
        ``(left, right)`` crops explicitly (ONNX ``pads``); a
        :class:`deconv1d.shapes.Window` keeps that window, negative crops included.
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
    checked, x, w, bias = _checked_call(x, w, stride, padding, output_padding,
                                        dilation, groups, data_format, bias)
    if checked.index is not None:
        return checked.small(x, w, bias)
    problem = checked.problem(x, w, bias, convert=False)
    if problem.x.shape[2] == 0:
        # No input channels: every output is the empty sum, 0 (plus the bias).
        return _no_input_channels(problem)
    return engine.compute(problem)


def _no_input_channels(problem: Problem) -> np.ndarray:
    """The output of a problem with ``C_in = 0``: zeros, plus the bias, in its layout."""
    n_batch = problem.x.shape[0]
    c_out = problem.w.shape[1] * problem.groups
    y = np.zeros((n_batch, problem.geometry.output_length, c_out), problem.compute_dtype)
    if problem.bias is not None:
        y += problem.bias
    if problem.data_format == "channels_first":
        y = np.ascontiguousarray(y.transpose(0, 2, 1))
    return y.astype(problem.result_dtype, copy=False)
