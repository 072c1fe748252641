"""The terminal drawing: the full scatter as a strip for an 80-column terminal.

Columns are positions ``t = i*s + k*d`` of the full scatter; one row per input
shows where its taps land, then the kept outputs and the overlap counts.

Examples
--------
>>> draw(3, 3, stride=2, padding="same").lines[1]
'full scatter 7, crop (0, 1), 6 outputs'
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core import geometry as shapes
from .request import Padding, describe, setup
from .text import COLUMNS, html_pre

__all__ = ["Drawing", "draw"]


def _tap_mark(k: int) -> str:
    """One character per tap: 0-9, then a-z, then '*'."""
    if k < 10:
        return str(k)
    if k < 36:
        return chr(ord("a") + k - 10)
    return "*"


@dataclass(frozen=True)
class Drawing:
    """A strip drawing of the scatter for an 80-column terminal.

    Columns are positions ``t`` of the full scatter; one row per input sample
    shows the tap index ``k`` where ``x_i * w_k`` lands (``t = i*s + k*d``);
    below, the kept outputs (``-`` marks cropped positions) and the overlap count
    of every position.

    Attributes
    ----------
    geometry : deconv1d.shapes.Geometry
    positions : int
        Columns drawn (the full scatter, plus appended zeros).
    shown : int
        Columns that fit the width (``shown < positions``: the drawing is cut).
    lines : tuple of str
    """

    geometry: shapes.Geometry
    positions: int
    shown: int
    lines: tuple[str, ...]

    def __str__(self) -> str:
        return "\n".join(self.lines)

    def _repr_html_(self) -> str:
        return html_pre(str(self))


def draw(length: int, kernel_size: int, stride: int = 1, padding: Padding = "valid",
         output_padding: int | None = None, dilation: int = 1, *,
         columns: int = COLUMNS) -> Drawing:
    """A terminal strip drawing: input rows, taps as digits, outputs and overlap counts.

    Parameters
    ----------
    length, kernel_size, stride, padding, output_padding, dilation
        As :func:`deconv1d.explain.shape`.
    columns : int, default 80
        Width to fit; positions that do not fit are left out (and said so).

    Returns
    -------
    Drawing

    Examples
    --------
    >>> print(draw(3, 3, stride=2, padding="same"))
    L=3, K=3, s=2, padding='same', output_padding=None, d=1
    full scatter 7, crop (0, 1), 6 outputs
    <BLANKLINE>
    t = i*s+k*d   0  1  2  3  4  5  6
    x0 taps k     0  1  2
    x1 taps k           0  1  2
    x2 taps k                 0  1  2
    output       y0 y1 y2 y3 y4 y5  -
    overlap       1  1  2  1  2  1  1
    <BLANKLINE>
    digit k: x_i * w_k lands there; '-': cropped
    """
    g, kind = setup(length, kernel_size, stride, padding, output_padding, dilation)
    columns = shapes.check_int("columns", columns, minimum=40)
    s, d = g.stride, g.dilation
    positions = max(g.full_length, g.crop_left + g.output_length)
    counts = [0] * positions
    for i in range(g.length):
        for k in range(g.kernel_size):
            counts[i * s + k * d] += 1
    label = max(len(f"x{g.length - 1} taps k"), len("t = i*s+k*d")) + 1
    cell = max(len(str(positions - 1)), len(f"y{g.output_length - 1}"), 2) + 1
    shown = min(positions, (columns - label) // cell)

    def row(name: str, cells: list[str]) -> str:
        text = name.ljust(label) + "".join(c.rjust(cell) for c in cells[:shown])
        return text.rstrip()

    lines = [describe(g, kind)]
    zeros = f", {-g.crop_right} zeros appended" if g.crop_right < 0 else ""
    lines.append(f"full scatter {g.full_length}, crop ({g.crop_left}, "
                 f"{max(g.crop_right, 0)}){zeros}, {g.output_length} outputs")
    lines.append("")
    lines.append(row("t = i*s+k*d", [str(t) for t in range(positions)]))
    drawn = min(g.length, (shown - 1) // s + 1)  # inputs whose first tap is shown
    for i in range(drawn):
        cells = [""] * positions
        for k in range(g.kernel_size):
            cells[i * s + k * d] = _tap_mark(k)
        lines.append(row(f"x{i} taps k", cells))
    out_cells = []
    for t in range(positions):
        o = t - g.crop_left
        out_cells.append(f"y{o}" if 0 <= o < g.output_length else "-")
    lines.append(row("output", out_cells))
    lines.append(row("overlap", [str(c) for c in counts]))
    lines.append("")
    legend = "digit k: x_i * w_k lands there; '-': cropped"
    if g.crop_right < 0:
        legend += f"; t >= {g.full_length}: appended zeros"
    lines.append(legend)
    if shown < positions:
        hidden = f"x{drawn}..x{g.length - 1} and " if drawn < g.length else ""
        lines.append(f"({hidden}positions {shown}..{positions - 1} do not fit in "
                     f"{columns} columns)")
    return Drawing(geometry=g, positions=positions, shown=shown, lines=tuple(lines))
