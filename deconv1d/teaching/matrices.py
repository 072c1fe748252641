"""The matrix view: ``C^T`` (this operation) and ``C`` (the forward convolution).

Row ``o`` of ``C^T`` holds ``w_k`` at column ``i`` when ``o + crop_left = i*s + k*d``
(arXiv:1603.07285, section 4.1).  :func:`matrices` prints both with symbolic
entries and checks ``C^T x`` against :func:`deconv1d.conv1d_transpose`.

Examples
--------
>>> matrices(2, 2, stride=2).taps.tolist()
[[0, -1], [1, -1], [-1, 0], [-1, 1]]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .. import reference
from ..core import geometry as shapes
from .request import (
    check_matrix,
    Padding,
    agrees,
    channel_arrays,
    check_lines,
    describe,
    max_abs_difference,
    setup,
    transposed_channels,
)
from .text import COLUMNS, fit, floats, html_pre

__all__ = ["MAX_SYMBOLIC_INPUTS", "MAX_SYMBOLIC_OUTPUTS", "Matrices", "matrices"]


#: Largest sizes printed symbolically.
MAX_SYMBOLIC_OUTPUTS = 40
MAX_SYMBOLIC_INPUTS = 16


@dataclass(frozen=True)
class Matrices:
    """``C^T`` (this operation) and ``C`` (the forward convolution), symbolic and numeric.

    Attributes
    ----------
    geometry : deconv1d.shapes.Geometry
    request : str
    taps : ndarray of int, shape (L_out, L)
        ``taps[o, i] = k`` when tap ``k`` joins input ``i`` to output ``o``, else -1:
        ``C^T`` with ``w_k`` written as ``k``.
    x : ndarray, shape (L,), or (N, L, C_in) with channels
    w : ndarray, shape (K,), or (K, C_out, C_in) with channels
        The numbers used for the check.
    transpose : ndarray, shape (L_out, L), or (L_out * C_out, L * C_in)
        ``reference.transpose_matrix`` for ``w``.
    y_matrix : ndarray, shape (L_out,), or (N, L_out, C_out)
        ``transpose @ x``.
    y_fast : ndarray, shape (L_out,), or (N, L_out, C_out)
        ``conv1d_transpose`` of ``x`` with ``w``.
    max_abs_difference : float
    round_trip : ndarray, shape (L,), or (N, L, C_in)
        ``C (C^T x)``: the forward convolution of the output.  It has the
        input's shape, not (in general) its values: ``C^T`` is ``C``'s
        transpose, not its inverse.
    numbers_given : bool
        True when ``x`` or ``w`` came from the caller: the text then shows
        ``C^T`` with the numbers in it.
    """

    geometry: shapes.Geometry
    request: str
    taps: npt.NDArray[np.int64]
    x: npt.NDArray[np.float64]
    w: npt.NDArray[np.float64]
    transpose: npt.NDArray[np.float64]
    y_matrix: npt.NDArray[np.float64]
    y_fast: npt.NDArray[np.float64]
    max_abs_difference: float
    round_trip: npt.NDArray[np.float64] | None = None
    numbers_given: bool = False

    @property
    def inverse(self) -> bool:
        """True when ``C (C^T x)`` gives ``x`` back for these numbers (rare: e.g. ``w = [1]``)."""
        if self.round_trip is None:
            return False
        return bool(np.allclose(self.round_trip, self.x, rtol=1e-12, atol=1e-12))

    @property
    def agree(self) -> bool:
        """True when ``C^T x`` and the fast path agree to rounding."""
        return agrees(self.max_abs_difference, self.y_fast)

    def symbolic(self, forward: bool = False) -> str:
        """``C^T`` (or ``C`` when ``forward``) as text, one ``[...]`` row per line."""
        taps = self.taps.T if forward else self.taps
        cells = [[("w" + str(k)) if k >= 0 else "0" for k in row] for row in taps]
        width = max(len(c) for row in cells for c in row)
        return "\n".join("[" + " ".join(c.rjust(width) for c in row) + "]" for row in cells)

    def __str__(self) -> str:
        g = self.geometry
        n_out, n_in = self.taps.shape
        lines = ["Matrices", f"  {self.request}", ""]
        ct_text = self.symbolic()
        fits = max(len(line) for line in ct_text.splitlines()) <= COLUMNS
        if n_out <= MAX_SYMBOLIC_OUTPUTS and n_in <= MAX_SYMBOLIC_INPUTS and fits:
            lines.append(f"C^T, {n_out} x {n_in}: this operation, y = C^T x "
                         "(rows: outputs y_o; columns: inputs x_i)")
            lines += ct_text.splitlines()
            c_text = self.symbolic(forward=True).splitlines()
            lines.append("")
            if max(len(line) for line in c_text) <= COLUMNS:
                lines.append(f"C, {n_in} x {n_out}: the forward convolution, stride "
                             f"{g.stride} (rows: x_i; columns: y_o)")
                lines += c_text
            else:
                lines.append(f"C, {n_in} x {n_out}: C^T turned over (too wide to print in "
                             f"{COLUMNS} columns).")
            lines.append("Row o of C^T holds w_k at column i when o + crop_left = i*s + k*d; "
                         "each column")
            lines.append("is the kernel, shifted down s rows per input: that is the "
                         "scatter.")
        else:
            lines.append(f"C^T is {n_out} x {n_in}: too large to print here (limits "
                         f"{MAX_SYMBOLIC_OUTPUTS} x {MAX_SYMBOLIC_INPUTS} and {COLUMNS} "
                         "columns); see .taps or .symbolic().")
        if self.numbers_given and self.x.ndim == 1:
            cells = [[f"{v:g}" for v in row] for row in self.transpose]
            cell = max(len(c) for row in cells for c in row)
            numeric = ["[" + " ".join(c.rjust(cell) for c in row) + "]" for row in cells]
            width = max(len(row) for row in numeric)
            if width <= COLUMNS and n_out <= MAX_SYMBOLIC_OUTPUTS:
                lines += ["", "C^T with your w:"] + numeric
        lines += check_lines(self.x, self.w, [("C^T x", self.y_matrix),
                                              ("conv1d_transpose(x, w)", self.y_fast)],
                             self.max_abs_difference, self.agree)
        if self.round_trip is not None:
            shown = self.round_trip if self.round_trip.ndim == 1 else self.round_trip[0, :, 0]
            lines.append(f"  C (C^T x)              = {floats(shown)}")
            lines.append("  C^T is C's transpose, not its inverse: "
                         + ("here C (C^T x) happens to give x back." if self.inverse else
                            "C (C^T x) has x's length, not its values (arXiv:1603.07285 "
                            "sec. 4.2-4.3)."))
        return fit("\n".join(lines))

    def _repr_html_(self) -> str:
        return html_pre(str(self))


def matrices(length: int, kernel_size: int, stride: int = 1, padding: Padding = "valid",
             output_padding: int | None = None, dilation: int = 1, *,
             x: npt.ArrayLike | None = None, w: npt.ArrayLike | None = None) -> Matrices:
    """The matrices ``C^T`` and ``C``, symbolic, and the check ``C^T x == conv1d_transpose``.

    Parameters
    ----------
    length, kernel_size, stride, padding, output_padding, dilation
        As :func:`deconv1d.explain.shape`.
    x : array_like, shape (L,), (L, C_in) or (N, L, C_in), optional
        Input for the numeric check; default ``1, 2, ..., L``.
    w : array_like, shape (K,) or (K, C_out, C_in), optional
        Kernel for the numeric check; default ``1, 2, ..., K``.  Given either,
        the text also shows ``C^T`` with the numbers (one channel).

    Returns
    -------
    Matrices

    References
    ----------
    arXiv:1603.07285, section 4.1 (the transpose of the convolution matrix).

    Examples
    --------
    >>> m = matrices(3, 3, stride=2, padding="same")
    >>> print(m.symbolic())
    [w0  0  0]
    [w1  0  0]
    [w2 w0  0]
    [ 0 w1  0]
    [ 0 w2 w0]
    [ 0  0 w1]
    >>> m.y_fast.tolist(), m.agree
    ([1.0, 2.0, 5.0, 4.0, 9.0, 6.0], True)
    """
    g, kind = setup(length, kernel_size, stride, padding, output_padding, dilation)
    x3, w3 = channel_arrays(g, x, w)
    check_matrix(g, x3.shape[2], w3.shape[1])
    taps = np.full((g.output_length, g.length), -1, dtype=np.int64)
    for i in range(g.length):
        for k in range(g.kernel_size):
            o = i * g.stride + k * g.dilation - g.crop_left
            if 0 <= o < g.output_length:
                taps[o, i] = k
    ct = reference.transpose_matrix(g.length, w3, g.stride, g.padding,
                                    g.output_padding, dilation=g.dilation)
    n, c_out = x3.shape[0], w3.shape[1]
    y_matrix = (x3.reshape(n, -1) @ ct.T).reshape(n, g.output_length, c_out)
    round_trip = (y_matrix.reshape(n, -1) @ ct).reshape(x3.shape)
    y_fast = transposed_channels(g, x3, w3)
    if n == x3.shape[2] == c_out == 1:
        x3, w3 = x3[0, :, 0], w3[:, 0, 0]
        y_matrix, y_fast, round_trip = y_matrix[0, :, 0], y_fast[0, :, 0], round_trip[0, :, 0]
    return Matrices(geometry=g, request=describe(g, kind), taps=taps, x=x3, w=w3,
                    transpose=ct, y_matrix=y_matrix, y_fast=y_fast,
                    max_abs_difference=max_abs_difference(y_matrix, y_fast),
                    round_trip=round_trip, numbers_given=x is not None or w is not None)
