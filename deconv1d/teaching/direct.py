"""The direct-convolution view: the transposed convolution as a stride-1 correlation.

Insert ``s - 1`` zeros between input samples, pad ``dk - 1 - crop_left`` zeros at
the start and ``dk - 1 - crop_right`` at the end (a negative pad crops), and slide
the flipped, dilated kernel with stride 1.  In the guide's words (arXiv:1603.07285,
sections 4.3-4.6) the pads are ``p' = k - p - 1`` and ``p' + a`` for crops
``(p, p - a)``, and ``k' = k``: the size is kept; the taps are reversed here
because the sliding sum is a correlation.
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
    check_listed,
    Padding,
    agrees,
    channel_arrays,
    check_lines,
    describe,
    max_abs_difference,
    setup,
    transposed_channels,
)
from .text import COLUMNS, fit, floats, html_pre, signed, signed_float

__all__ = ["Direct", "direct"]

_T = TypeVar("_T")

#: Steps written out with their dot products in the text (all are in ``.steps``).
_MAX_STEPS = 12


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
        The numbers used for the check: ``(L,)`` and ``(K,)`` for one channel,
        else ``(N, L, C_in)`` and ``(K, C_out, C_in)``.
    padded_values : ndarray, shape (L_out + dk - 1,) or (N, L_out + dk - 1, C_in)
    kernel_values : ndarray, shape (dk,) or (dk, C_out, C_in)
        The flipped, dilated kernel.
    y_direct : ndarray, shape (L_out,) or (N, L_out, C_out)
        The stride-1 correlation of ``padded_values`` with ``kernel_values``.
    y_fast : ndarray, shape (L_out,) or (N, L_out, C_out)
    max_abs_difference : float
    steps : tuple of (ndarray, float)
        For sample 0 and output channel 0: ``steps[o]`` is the window
        ``padded_values[o:o + dk]`` (``(dk,)``, or ``(dk, C_in)``) and ``y_o``, its
        dot product with the kernel.
    numbers_given : bool
        True when ``x`` or ``w`` came from the caller: the text then writes out
        every step.
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
    steps: tuple[tuple[npt.NDArray[np.float64], float], ...] = ()
    numbers_given: bool = False

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
        lines += _guide_lines(self)
        lines.append("     " + _seq(self.padded))
        lines.append("  3. flip the kernel" + (f" (dilated: {g.dilation - 1} zero"
                     f"{'s' * (g.dilation != 2)} between taps)" if g.dilation > 1 else "")
                     + ": " + _seq(self.kernel))
        lines.append("     The guide's k' = k: same size, taps reversed because the sum below "
                     "is a correlation (as in every framework), which meets w_k in reverse "
                     "order.")
        n = len(self.padded)
        lines.append(f"  4. slide it with stride 1: {n} - {dk} + 1 = {n - dk + 1} outputs,")
        lines.append("     y_o = sum_j padded[o + j] * kernel[j]")
        first = " + ".join(f"{a}*{b}" for a, b in zip(self.padded[:dk], self.kernel)
                           if a != "0" and b != "0") or "0"
        lines.append(f"     e.g. y0 = {first}")
        if self.numbers_given:
            lines += _step_lines(self)
        lines += check_lines(self.x, self.w, [("padded input", self.padded_values),
                                              ("flipped kernel", self.kernel_values),
                                              ("direct, stride 1", self.y_direct),
                                              ("conv1d_transpose(x, w)", self.y_fast)],
                             self.max_abs_difference, self.agree)
        return fit("\n".join(lines))

    def _repr_html_(self) -> str:
        return html_pre(str(self))


def _guide_lines(dc: Direct) -> list[str]:
    """The guide's names for the pads, where the geometry is one of its cases."""
    g = dc.geometry
    p, a = g.crop_left, g.crop_left - g.crop_right
    if not 0 <= a < g.stride:
        return ["     (crops outside the guide's (p, p - a), 0 <= a < s: no p' to name)"]
    section = "4.5-4.6" if g.stride > 1 else "4.3-4.4"
    span = f"k = dk = {g.effective_kernel}, " if g.dilation > 1 else ""
    end = f", p' + a = {dc.pad_right} at the end (a: PyTorch's output_padding = {a})" if a else ""
    return [f"     The guide's p' = k - p - 1 with {span}p = crop_left = {p}: "
            f"p' = {dc.pad_left}{end} (arXiv:1603.07285 sec. {section})."]


def _step_lines(dc: Direct) -> list[str]:
    """Each output as the dot product of one window of the padded input with the kernel."""
    lines = ["     each step with your numbers (window of the padded input . kernel):"]
    shown = dc.steps[:_MAX_STEPS]
    kernel = dc.kernel_values if dc.kernel_values.ndim == 1 else dc.kernel_values[:, 0, :]
    for o, (window, value) in enumerate(shown):
        if window.ndim > 1:
            lines.append(f"     y{o} = sum over j, c of window[j, c]*kernel[j, 0, c] = {value:g}")
            continue
        products = " + ".join(f"{a:g}*{signed_float(b)}" for a, b in zip(window, kernel)
                              if a != 0 and b != 0) or "0"
        text = f"     y{o} = {products} = {value:g}"
        if len(text) > COLUMNS:
            text = f"     y{o} = {floats(window)} . kernel = {value:g}"
        lines.append(text)
    if len(dc.steps) > len(shown):
        lines.append(f"     ... ({len(dc.steps) - len(shown)} more steps: see .steps)")
    return lines


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
    x : array_like, shape (L,), (L, C_in) or (N, L, C_in), optional
        Input for the numeric check; default ``1, 2, ..., L``.
    w : array_like, shape (K,) or (K, C_out, C_in), optional
        Kernel for the numeric check; default ``1, 2, ..., K``.  Given either,
        the text writes out every step's dot product.

    Returns
    -------
    Direct

    References
    ----------
    arXiv:1603.07285, sections 4.3-4.6 (``p' = k - p - 1``; zero insertion for ``s > 1``).

    Examples
    --------
    >>> dc = direct(3, 3, stride=2, padding="same")
    >>> " ".join(dc.padded), " ".join(dc.kernel)
    ('0 0 x0 0 x1 0 x2 0', 'w2 w1 w0')
    >>> dc.y_direct.tolist(), dc.agree
    ([1.0, 2.0, 5.0, 4.0, 9.0, 6.0], True)
    >>> window, value = direct(3, 3, 2, "same", x=[1, 2, 3], w=[1, 0.5, -1]).steps[2]
    >>> window.tolist(), value
    ([1.0, 0.0, 2.0], 1.0)
    """
    g, kind = setup(length, kernel_size, stride, padding, output_padding, dilation)
    check_listed(g, "direct convolution")
    x3, w3 = channel_arrays(g, x, w)
    one = x3.shape[0] == x3.shape[2] == w3.shape[1] == 1
    s, d, dk = g.stride, g.dilation, g.effective_kernel
    pad_left, pad_right = dk - 1 - g.crop_left, dk - 1 - g.crop_right

    stuffed = ["0"] * ((g.length - 1) * s + 1)
    stuffed[::s] = [f"x{i}" for i in range(g.length)]
    kernel = ["0"] * dk
    kernel[::d] = [f"w{k}" for k in range(g.kernel_size)]
    kernel = kernel[::-1]
    padded = _pad(stuffed, pad_left, pad_right, "0")

    n, _, c_in = x3.shape
    stuffed_values = np.zeros((n, (g.length - 1) * s + 1, c_in))
    stuffed_values[:, ::s] = x3
    kernel_values = np.zeros((dk, *w3.shape[1:]))
    kernel_values[::d] = w3
    kernel_values = kernel_values[::-1].copy()
    padded_values = np.stack([np.array(_pad(list(sample), pad_left, pad_right,
                                            np.zeros(c_in)), dtype=np.float64)
                              .reshape(-1, c_in) for sample in stuffed_values])
    windows = np.lib.stride_tricks.sliding_window_view(padded_values, dk, axis=1)
    y_direct = np.einsum("nocj,jfc->nof", windows, kernel_values)
    y_fast = transposed_channels(g, x3, w3)
    steps = tuple((windows[0, o].T[:, 0].copy() if one else windows[0, o].T.copy(),
                   float(y_direct[0, o, 0])) for o in range(windows.shape[1]))
    if one:
        x3, w3 = x3[0, :, 0], w3[:, 0, 0]
        padded_values, kernel_values = padded_values[0, :, 0], kernel_values[:, 0, 0]
        y_direct, y_fast = y_direct[0, :, 0], y_fast[0, :, 0]
    return Direct(geometry=g, request=describe(g, kind), pad_left=pad_left,
                  pad_right=pad_right, stuffed=tuple(stuffed), padded=tuple(padded),
                  kernel=tuple(kernel), x=x3, w=w3, padded_values=padded_values,
                  kernel_values=kernel_values, y_direct=y_direct, y_fast=y_fast,
                  steps=steps, numbers_given=x is not None or w is not None,
                  max_abs_difference=max_abs_difference(y_direct, y_fast))
