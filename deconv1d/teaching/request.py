"""What every teaching view is given, and the numeric check two of them make.

A view is asked for one geometry the way Keras is (``length, kernel_size, stride,
padding, output_padding, dilation``; ``padding`` may also be a PyTorch-style int or
an ONNX-style pair of crops).  :func:`setup` checks it once, :func:`describe` names
it in one line; the matrix and direct-convolution views check themselves against
:func:`deconv1d.conv1d_transpose` on example numbers (:func:`example_arrays`,
:func:`transposed`, :func:`max_abs_difference`, :func:`agrees`,
:func:`check_lines`).

Examples
--------
>>> g, kind = setup(3, 3, 2, "same", None, 1)
>>> describe(g, kind)
"L=3, K=3, s=2, padding='same', output_padding=None, d=1"
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Union, cast

import numpy as np
import numpy.typing as npt

from ..core import geometry as shapes
from ..core.transpose import conv1d_transpose
from .text import floats

__all__ = ["MAX_LISTED_OUTPUTS", "MAX_MATRIX_ENTRIES", "Padding", "added_output_padding",
           "agrees", "channel_arrays", "check_lines", "check_listed", "check_matrix",
           "describe", "example_arrays", "max_abs_difference", "padding_kind",
           "requested_crops", "setup", "transposed", "transposed_channels"]

#: What the views accept as ``padding``: a Keras word, an int, or a pair of crops.
Padding = Union[str, int, tuple[int, int], Sequence[int]]


def padding_kind(padding: object) -> str:
    """``'valid'``, ``'same'``, ``'int'`` or ``'pair'`` for an already checked padding.

    Examples
    --------
    >>> padding_kind("SAME"), padding_kind(2), padding_kind((1, 0))
    ('same', 'int', 'pair')
    """
    if isinstance(padding, str):
        return padding.lower()
    if isinstance(padding, numbers.Integral):
        return "int"
    return "pair"


def describe(g: shapes.Geometry, kind: str) -> str:
    """One line naming the request, e.g. ``L=3, K=3, s=2, padding='same', ...``."""
    if kind == "int":
        padding = str(requested_crops(g)[0])
    elif kind == "pair":
        padding = str(g.padding)
    else:
        padding = repr(g.padding)
    return (f"L={g.length}, K={g.kernel_size}, s={g.stride}, padding={padding}, "
            f"output_padding={g.output_padding}, d={g.dilation}")


def requested_crops(g: shapes.Geometry) -> tuple[int, int]:
    """The ``(left, right)`` crops asked for by an int or pair ``padding`` (before ``op``)."""
    return cast("tuple[int, int]", g.padding)


def added_output_padding(g: shapes.Geometry) -> int:
    """``output_padding`` as the samples it adds: ``0`` when it is ``None``."""
    return g.output_padding or 0


#: Most outputs a view lists one by one (connectivity, the direct convolution's steps):
#: a text view is for reading, and its cost is linear in the outputs it lists.
MAX_LISTED_OUTPUTS = 10_000
#: Most entries of the dense matrix ``C^T`` (``L_out * C_out`` by ``L * C_in``) the
#: matrix view builds for its numeric check (80 MB of float64).
MAX_MATRIX_ENTRIES = 10_000_000


def check_listed(g: shapes.Geometry, view: str) -> None:
    """Refuse a view that would list more than :data:`MAX_LISTED_OUTPUTS` outputs."""
    if g.output_length > MAX_LISTED_OUTPUTS:
        raise ValueError(
            f"The {view} view lists every output, and this request has {g.output_length} "
            f"(at most {MAX_LISTED_OUTPUTS}): reduce `length` or `stride`. Received: "
            f"length={g.length}, stride={g.stride}, kernel_size={g.kernel_size}")


def check_matrix(g: shapes.Geometry, c_in: int, c_out: int) -> None:
    """Refuse a dense ``C^T`` of more than :data:`MAX_MATRIX_ENTRIES` entries."""
    entries = g.output_length * c_out * g.length * c_in
    if entries > MAX_MATRIX_ENTRIES:
        raise ValueError(
            f"C^T would have {entries} entries ({g.output_length * c_out} by "
            f"{g.length * c_in}; at most {MAX_MATRIX_ENTRIES}): reduce `length`, "
            f"`stride` or the channels. Received: length={g.length}, stride={g.stride}")


def setup(length: int, kernel_size: int, stride: int, padding: Padding,
          output_padding: int | None, dilation: int) -> tuple[shapes.Geometry, str]:
    """Check the request: its :class:`~deconv1d.shapes.Geometry` and :func:`padding_kind`."""
    g = shapes.geometry(length, kernel_size, stride, padding, output_padding, dilation)
    return g, padding_kind(padding)


def example_arrays(g: shapes.Geometry, x: npt.ArrayLike | None,
                   w: npt.ArrayLike | None
                   ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The numbers used by the numeric checks: ``x = 1..L`` and ``w = 1..K`` by default.

    Returns copies, shapes ``(L,)`` and ``(K,)``; raises ``ValueError`` naming ``x``
    or ``w`` when the given one has another number of samples.

    Examples
    --------
    >>> x, w = example_arrays(shapes.geometry(3, 2), None, [1.0, -1.0])
    >>> x.tolist(), w.tolist()
    ([1.0, 2.0, 3.0], [1.0, -1.0])
    """
    if x is None:
        x = np.arange(1.0, g.length + 1)
    if w is None:
        w = np.arange(1.0, g.kernel_size + 1)
    x = np.array(x, dtype=np.float64).reshape(-1)
    w = np.array(w, dtype=np.float64).reshape(-1)
    if x.shape != (g.length,):
        raise ValueError(
            f"`x` must have {g.length} samples (the length). Received: x with shape "
            f"{np.shape(x)}")
    if w.shape != (g.kernel_size,):
        raise ValueError(
            f"`w` must have {g.kernel_size} taps (the kernel_size). Received: w with "
            f"shape {np.shape(w)}")
    return x, w


def channel_arrays(g: shapes.Geometry, x: npt.ArrayLike | None, w: npt.ArrayLike | None
                   ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The student's numbers as ``x (N, L, C_in)`` and ``w (K, C_out, C_in)`` float64 copies.

    ``x`` may be ``(L,)``, ``(L, C_in)`` or ``(N, L, C_in)``; ``w`` may be ``(K,)``
    or ``(K, C_out, C_in)`` (the Keras layout).  Left out, they are ``1..L`` and
    ``1..K`` (one channel).  A wrong shape raises ``ValueError`` naming ``x`` or ``w``.

    Examples
    --------
    >>> x, w = channel_arrays(shapes.geometry(3, 2), [[1, 2], [3, 4], [5, 6]], None)
    Traceback (most recent call last):
    ...
    ValueError: `w` (K,) has one input channel, `x` has 2. Received: w with shape (2,), x with shape (3, 2)
    >>> x, w = channel_arrays(shapes.geometry(3, 2), [1, 2, 3], [1, -1])
    >>> x.shape, w.shape
    ((1, 3, 1), (2, 1, 1))
    """
    x_given = x is not None
    x = np.arange(1.0, g.length + 1) if x is None else x
    w = np.arange(1.0, g.kernel_size + 1) if w is None else w
    xa, wa = np.array(x, dtype=np.float64), np.array(w, dtype=np.float64)
    if xa.ndim not in (1, 2, 3) or xa.shape[-2 if xa.ndim > 1 else 0] != g.length:
        raise ValueError(
            f"`x` must have {g.length} samples (the length), shaped (L,), (L, C_in) or "
            f"(N, L, C_in). Received: x with shape {xa.shape}")
    if wa.ndim not in (1, 3) or wa.shape[0] != g.kernel_size:
        raise ValueError(
            f"`w` must have {g.kernel_size} taps (the kernel_size), shaped (K,) or "
            f"(K, C_out, C_in). Received: w with shape {wa.shape}")
    x3 = xa.reshape((1, -1, 1) if xa.ndim == 1 else (1, *xa.shape) if xa.ndim == 2 else xa.shape)
    w3 = wa.reshape(-1, 1, 1) if wa.ndim == 1 else wa
    if x3.shape[2] != w3.shape[2]:
        shown = "(K,) has one input channel" if wa.ndim == 1 else f"has C_in = {w3.shape[2]}"
        raise ValueError(
            f"`w` {shown}, `x` has {x3.shape[2]}. Received: w with shape {wa.shape}, x with "
            f"shape {xa.shape if x_given else '(default)'}")
    if 0 in x3.shape or 0 in w3.shape:
        raise ValueError(f"`x` and `w` need at least one sample and channel. Received: x "
                         f"with shape {xa.shape}, w with shape {wa.shape}")
    return x3.copy(), w3.copy()


def transposed_channels(g: shapes.Geometry, x: npt.NDArray[np.float64],
                        w: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """``conv1d_transpose`` of ``x`` (N, L, C_in) with ``w`` (K, C_out, C_in): (N, L_out, C_out)."""
    return conv1d_transpose(x, w, g.stride, g.padding, g.output_padding, dilation=g.dilation)


def transposed(g: shapes.Geometry, x: npt.NDArray[np.float64],
               w: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """``conv1d_transpose`` of one single-channel signal ``x`` (L,) with ``w`` (K,): (L_out,)."""
    y = conv1d_transpose(x.reshape(1, -1, 1), w.reshape(-1, 1, 1), g.stride,
                         g.padding, g.output_padding, dilation=g.dilation)
    return y[0, :, 0]


def max_abs_difference(a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]) -> float:
    """``max |a - b|``, or infinity when the shapes differ.

    Examples
    --------
    >>> max_abs_difference(np.array([1.0, 2.0]), np.array([1.0, 2.5]))
    0.5
    >>> max_abs_difference(np.array([1.0]), np.array([1.0, 2.0]))
    inf
    """
    return float(np.max(np.abs(a - b))) if a.shape == b.shape else float("inf")


def agrees(difference: float, y_fast: npt.NDArray[np.float64]) -> bool:
    """True when ``difference`` from the fast path ``y_fast`` is rounding (1e-12 relative)."""
    scale = max(float(np.max(np.abs(y_fast), initial=0.0)), 1.0)
    return bool(difference <= 1e-12 * scale)


def check_lines(x: npt.NDArray[np.float64], w: npt.NDArray[np.float64],
                rows: Sequence[tuple[str, npt.NDArray[np.float64]]],
                difference: float, agree: bool) -> list[str]:
    """The "Numeric check" paragraph: the numbers used, one row per result, the verdict.

    With channels (``x`` of shape ``(N, L, C_in)``) the rows are shown for sample
    0, channel 0 (``rows`` then hold ``(N, ., C)`` arrays or kernels ``(., C_out,
    C_in)``); the difference covers every sample and channel.
    """
    if x.ndim == 1 and w.ndim == 1:
        lines = ["", f"Numeric check with x = {floats(x)}, w = {floats(w)}:"]
        lines += [f"  {label:<22} = {floats(values)}" for label, values in rows]
    else:
        lines = ["", f"Numeric check with your x {x.shape}, w {w.shape} (shown: sample 0, "
                     "channel 0; the difference covers all):"]
        lines += [f"  {label:<22} = "
                  f"{floats(values[:, 0, 0] if 'kernel' in label else values[0, :, 0])}"
                  for label, values in rows]
    lines.append(f"  max |difference| = {difference:g}: " + ("agree" if agree else "DISAGREE"))
    return lines
