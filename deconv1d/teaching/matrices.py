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
    Padding,
    agrees,
    check_lines,
    describe,
    example_arrays,
    max_abs_difference,
    setup,
    transposed,
)
from .text import COLUMNS, fit

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
    x : ndarray, shape (L,)
    w : ndarray, shape (K,)
        The numbers used for the check.
    transpose : ndarray, shape (L_out, L)
        ``reference.transpose_matrix`` for ``w``.
    y_matrix : ndarray, shape (L_out,)
        ``transpose @ x``.
    y_fast : ndarray, shape (L_out,)
        ``conv1d_transpose`` of ``x`` with ``w``.
    max_abs_difference : float
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
        lines += check_lines(self.x, self.w, [("C^T x", self.y_matrix),
                                              ("conv1d_transpose(x, w)", self.y_fast)],
                             self.max_abs_difference, self.agree)
        return fit("\n".join(lines))


def matrices(length: int, kernel_size: int, stride: int = 1, padding: Padding = "valid",
             output_padding: int | None = None, dilation: int = 1, *,
             x: npt.ArrayLike | None = None, w: npt.ArrayLike | None = None) -> Matrices:
    """The matrices ``C^T`` and ``C``, symbolic, and the check ``C^T x == conv1d_transpose``.

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
    x, w = example_arrays(g, x, w)
    taps = np.full((g.output_length, g.length), -1, dtype=np.int64)
    for i in range(g.length):
        for k in range(g.kernel_size):
            o = i * g.stride + k * g.dilation - g.crop_left
            if 0 <= o < g.output_length:
                taps[o, i] = k
    ct = reference.transpose_matrix(g.length, w.reshape(-1, 1, 1), g.stride, g.padding,
                                    g.output_padding, dilation=g.dilation)
    y_matrix = ct @ x
    y_fast = transposed(g, x, w)
    return Matrices(geometry=g, request=describe(g, kind), taps=taps, x=x, w=w,
                    transpose=ct, y_matrix=y_matrix, y_fast=y_fast,
                    max_abs_difference=max_abs_difference(y_matrix, y_fast))
