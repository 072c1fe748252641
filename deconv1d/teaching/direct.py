"""The direct-convolution view: the transposed convolution as a stride-1 correlation.

Insert ``s - 1`` zeros between input samples, pad ``dk - 1 - crop_left`` zeros at
the start and ``dk - 1 - crop_right`` at the end (a negative pad crops), and slide
the flipped, dilated kernel with stride 1 (arXiv:1603.07285, sections 4.5-4.6).
:func:`direct` shows each step symbolically and checks it numerically.

Examples
--------
>>> direct(2, 2, stride=2).y_direct.tolist()
[1.0, 2.0, 2.0, 4.0]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from ..core import geometry as shapes
from .request import (
    Padding,
    agrees,
    check_lines,
    describe,
    example_arrays,
    max_abs_difference,
    setup,
    transposed,
)
from .text import COLUMNS, fit, signed

__all__ = ["Direct", "direct"]

_T = TypeVar("_T")


@dataclass(frozen=True)
class Direct:
    """The transposed convolution as a stride-1 correlation of a zero-stuffed input.

    Insert ``s - 1`` zeros between input samples, pad ``dk - 1 - crop_left`` zeros
    at the start and ``dk - 1 - crop_right`` at the end (a negative pad crops),
    and slide the flipped, dilated kernel with stride 1.

    Attributes
    ----------
    geometry : deconv1d.shapes.Geometry
    request : str
    pad_left, pad_right : int
        Zeros added at each end of the zero-stuffed input (negative: samples removed).
    stuffed : tuple of str
        The zero-stuffed input, symbolic (``"x0"``, ``"0"``, ...).
    padded : tuple of str
        After padding.
    kernel : tuple of str
        The flipped, dilated kernel, symbolic.
    x, w : ndarray
        The numbers used for the check.
    padded_values, kernel_values : ndarray
    y_direct : ndarray, shape (L_out,)
        The stride-1 correlation of ``padded_values`` with ``kernel_values``.
    y_fast : ndarray, shape (L_out,)
    max_abs_difference : float
    """

    geometry: shapes.Geometry
    request: str
    pad_left: int
    pad_right: int
    stuffed: tuple[str, ...]
    padded: tuple[str, ...]
    kernel: tuple[str, ...]
    x: npt.NDArray[np.float64]
    w: npt.NDArray[np.float64]
    padded_values: npt.NDArray[np.float64]
    kernel_values: npt.NDArray[np.float64]
    y_direct: npt.NDArray[np.float64]
    y_fast: npt.NDArray[np.float64]
    max_abs_difference: float

    @property
    def agree(self) -> bool:
        """True when the direct convolution and the fast path agree to rounding."""
        return agrees(self.max_abs_difference, self.y_fast)

    def __str__(self) -> str:
        g = self.geometry
        dk, s = g.effective_kernel, g.stride
        lines = ["Equivalent direct convolution", f"  {self.request}", ""]
        lines.append(f"  1. insert s - 1 = {s - 1} zero{'s' * (s != 2)} between inputs "
                     f"({(g.length - 1) * s + 1} samples):")
        lines.append("     " + _seq(self.stuffed))
        lines.append(f"  2. pad start dk - 1 - crop_left  = {dk} - 1 - {signed(g.crop_left)} = "
                     f"{self.pad_left}" + (" (negative: crop)" if self.pad_left < 0 else ""))
        lines.append(f"     pad end   dk - 1 - crop_right = {dk} - 1 - {signed(g.crop_right)} = "
                     f"{self.pad_right}" + (" (negative: crop)" if self.pad_right < 0 else ""))
        lines.append("     " + _seq(self.padded))
        lines.append("  3. flip the kernel" + (f" (dilated: {g.dilation - 1} zero"
                     f"{'s' * (g.dilation != 2)} between taps)" if g.dilation > 1 else "")
                     + ": " + _seq(self.kernel))
        n = len(self.padded)
        lines.append(f"  4. slide it with stride 1: {n} - {dk} + 1 = {n - dk + 1} outputs,")
        lines.append("     y_o = sum_j padded[o + j] * kernel[j]")
        first = " + ".join(f"{a}*{b}" for a, b in zip(self.padded[:dk], self.kernel)
                           if a != "0" and b != "0") or "0"
        lines.append(f"     e.g. y0 = {first}")
        lines.append("     (arXiv:1603.07285 sec. 4.5-4.6: stride 1, padding k - p - 1, "
                     "zeros inserted)")
        lines += check_lines(self.x, self.w, [("padded input", self.padded_values),
                                              ("flipped kernel", self.kernel_values),
                                              ("direct, stride 1", self.y_direct),
                                              ("conv1d_transpose(x, w)", self.y_fast)],
                             self.max_abs_difference, self.agree)
        return fit("\n".join(lines))


def _seq(items: Iterable[str]) -> str:
    text = " ".join(items)
    if len(text) > COLUMNS - 8:
        text = text[:COLUMNS - 12] + " ..."
    return "[" + text + "]"


def _pad(items: Iterable[_T], left: int, right: int, zero: _T) -> list[_T]:
    """Add ``left``/``right`` zeros at the ends; a negative count removes samples instead.

    Zeros are added before anything is removed, so a crop longer than the samples
    goes on into the zeros added at the other end.
    """
    seq = [zero] * max(left, 0) + list(items) + [zero] * max(right, 0)
    return seq[max(-left, 0):len(seq) - max(-right, 0)]


def direct(length: int, kernel_size: int, stride: int = 1, padding: Padding = "valid",
           output_padding: int | None = None, dilation: int = 1, *,
           x: npt.ArrayLike | None = None, w: npt.ArrayLike | None = None) -> Direct:
    """The equivalent direct convolution (zero insertion, padding, flipped kernel, stride 1).

    Parameters
    ----------
    length, kernel_size, stride, padding, output_padding, dilation
        As :func:`deconv1d.explain.shape`.
    x : array_like, shape (L,), optional
        Input for the numeric check; default ``1, 2, ..., L``.
    w : array_like, shape (K,), optional
        Kernel for the numeric check; default ``1, 2, ..., K``.

    Returns
    -------
    Direct

    References
    ----------
    arXiv:1603.07285, sections 4.5-4.6 (zero insertion, ``p' = k - p - 1``).

    Examples
    --------
    >>> dc = direct(3, 3, stride=2, padding="same")
    >>> " ".join(dc.padded), " ".join(dc.kernel)
    ('0 0 x0 0 x1 0 x2 0', 'w2 w1 w0')
    >>> dc.y_direct.tolist(), dc.agree
    ([1.0, 2.0, 5.0, 4.0, 9.0, 6.0], True)
    """
    g, kind = setup(length, kernel_size, stride, padding, output_padding, dilation)
    x, w = example_arrays(g, x, w)
    s, d, dk = g.stride, g.dilation, g.effective_kernel
    pad_left, pad_right = dk - 1 - g.crop_left, dk - 1 - g.crop_right

    stuffed = ["0"] * ((g.length - 1) * s + 1)
    stuffed[::s] = [f"x{i}" for i in range(g.length)]
    kernel = ["0"] * dk
    kernel[::d] = [f"w{k}" for k in range(g.kernel_size)]
    kernel = kernel[::-1]
    padded = _pad(stuffed, pad_left, pad_right, "0")

    stuffed_values = np.zeros((g.length - 1) * s + 1)
    stuffed_values[::s] = x
    kernel_values = np.zeros(dk)
    kernel_values[::d] = w
    kernel_values = kernel_values[::-1].copy()
    padded_values = np.array(_pad(stuffed_values, pad_left, pad_right, 0.0), dtype=np.float64)
    y_direct = np.correlate(padded_values, kernel_values, mode="valid")
    y_fast = transposed(g, x, w)
    return Direct(geometry=g, request=describe(g, kind), pad_left=pad_left,
                  pad_right=pad_right, stuffed=tuple(stuffed), padded=tuple(padded),
                  kernel=tuple(kernel), x=x, w=w, padded_values=padded_values,
                  kernel_values=kernel_values, y_direct=y_direct, y_fast=y_fast,
                  max_abs_difference=max_abs_difference(y_direct, y_fast))
