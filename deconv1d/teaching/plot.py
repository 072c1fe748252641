"""Pictures of one 1-D transposed convolution (needs matplotlib: ``pip install 'deconv1d[plot]'``).

- :func:`figure`: the strip diagram (every input sample sends one line per tap to
  the position ``t = i*s + k*d`` it lands on; output cells shaded by how many
  products they sum; cropped cells hatched) beside the matrix ``C^T`` as an image;
- :func:`animation`: the same strip, one frame per input sample scattering its taps;
- :func:`save`: write either to a file (``.png``, ``.svg``, ``.pdf``; ``.gif`` animates).

matplotlib is imported only when one of these is called, so ``import deconv1d``
never needs it.

References
----------
V. Dumoulin and F. Visin, "A guide to convolution arithmetic for deep learning",
arXiv:1603.07285, section 4; A. Odena, V. Dumoulin and C. Olah, "Deconvolution and
Checkerboard Artifacts", Distill, 2016.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import numpy as np

from .connectivity import connectivity
from .matrices import matrices
from .request import Padding

if TYPE_CHECKING:
    from matplotlib.animation import FuncAnimation
    from matplotlib.figure import Figure

__all__ = ["DPI", "FIGSIZE", "animation", "figure", "save"]

#: Figure size in inches and resolution: PNGs are ``1000 x 560`` pixels.
FIGSIZE = (10.0, 5.6)
DPI = 100


def _pyplot():
    """matplotlib's ``Figure``, imported only now (no pyplot, no GUI backend)."""
    from matplotlib.figure import Figure

    return Figure


def _tap_colors(kernel_size):
    from matplotlib import colormaps

    cmap = colormaps["tab10"] if kernel_size <= 10 else colormaps["viridis"]
    if kernel_size <= 10:
        return [cmap(k) for k in range(kernel_size)]
    return [cmap(k / max(kernel_size - 1, 1)) for k in range(kernel_size)]


def _strip(ax, c, upto=None):
    """Draw the strip diagram of connectivity ``c`` on ``ax`` (inputs ``< upto`` only)."""
    from matplotlib.patches import Rectangle

    g = c.geometry
    s, d, K = g.stride, g.dilation, g.kernel_size
    highlight = upto is not None
    upto = g.length if upto is None else upto
    positions = max(g.full_length, g.crop_left + g.output_length)
    counts = np.zeros(positions, dtype=int)
    for i in range(upto):
        for k in range(K):
            counts[i * s + k * d] += 1
    full_counts = np.zeros(positions, dtype=int)
    for i in range(g.length):
        for k in range(K):
            full_counts[i * s + k * d] += 1
    top = max(int(full_counts.max()), 1)
    colors = _tap_colors(K)
    from matplotlib import colormaps

    shade = colormaps["Blues"]
    y_in, y_out = 1.0, 0.0
    for t in range(positions):
        o = t - g.crop_left
        kept = 0 <= o < g.output_length
        face = shade(0.15 + 0.7 * counts[t] / top) if counts[t] else "white"
        ax.add_patch(Rectangle((t - 0.45, y_out - 0.18), 0.9, 0.36, facecolor=face,
                               edgecolor="black" if kept else "0.6",
                               hatch=None if kept else "///", linewidth=1.0))
        ax.text(t, y_out, f"y{o}" if kept else "", ha="center", va="center", fontsize=8,
                color="white" if counts[t] > 0.6 * top else "black")
        ax.text(t, y_out - 0.3, str(counts[t]), ha="center", va="center", fontsize=8,
                color="0.25")
    for i in range(g.length):
        active = i < upto
        ax.add_patch(Rectangle((i * s - 0.45, y_in - 0.18), 0.9, 0.36,
                               facecolor="#fde0b0" if active else "white",
                               edgecolor="black" if active else "0.7"))
        ax.text(i * s, y_in, f"x{i}", ha="center", va="center", fontsize=8,
                color="black" if active else "0.6")
        if not active:
            continue
        for k in range(K):
            t = i * s + k * d
            ax.annotate("", xy=(t, y_out + 0.19), xytext=(i * s, y_in - 0.19),
                        arrowprops={"arrowstyle": "->", "color": colors[k], "lw": 1.3,
                                    "alpha": 0.45 if highlight and i < upto - 1 else 0.9})
    for k in range(min(K, 10)):
        ax.plot([], [], color=colors[k], lw=2, label=f"tap w{k}")
    ax.legend(loc="upper center", fontsize=7, ncol=min(K, 10), frameon=False,
              bbox_to_anchor=(0.5, 1.04), handlelength=1.5)
    ax.text(-0.9, y_in, "input", ha="right", va="center", fontsize=9)
    ax.text(-0.9, y_out, "output", ha="right", va="center", fontsize=9)
    ax.text(-0.9, y_out - 0.3, "overlap", ha="right", va="center", fontsize=8,
            color="0.25")
    ax.set_xlim(-2.2, positions - 0.4)
    ax.set_ylim(-0.55, 1.45)
    ax.set_xticks(range(positions))
    ax.tick_params(axis="x", labelsize=7)
    ax.set_xlabel("position t = i*s + k*d in the full scatter (hatched: cropped)",
                  fontsize=8)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)


def _matrix(ax, m):
    from matplotlib.colors import ListedColormap

    taps = m.taps
    K = m.geometry.kernel_size
    colors = _tap_colors(K)
    cmap = ListedColormap(colors) if K > 1 else ListedColormap([colors[0], colors[0]])
    image = np.ma.masked_less(taps, 0)
    ax.set_facecolor("white")
    ax.imshow(image, cmap=cmap, vmin=-0.5, vmax=max(K - 1, 1) + 0.5, aspect="equal",
              interpolation="nearest")
    n_out, n_in = taps.shape
    if n_out <= 24 and n_in <= 12:
        for o in range(n_out):
            for i in range(n_in):
                if taps[o, i] >= 0:
                    ax.text(i, o, f"w{taps[o, i]}", ha="center", va="center", fontsize=7,
                            color="white")
    ax.set_xticks(range(n_in) if n_in <= 16 else [])
    ax.set_xticklabels([f"x{i}" for i in range(n_in)] if n_in <= 16 else [], fontsize=7)
    ax.set_yticks(range(n_out) if n_out <= 24 else [])
    ax.set_yticklabels([f"y{o}" for o in range(n_out)] if n_out <= 24 else [], fontsize=7)
    ax.set_xticks(np.arange(-0.5, n_in), minor=True)
    ax.set_yticks(np.arange(-0.5, n_out), minor=True)
    ax.grid(which="minor", color="0.85", linewidth=0.5)
    ax.tick_params(which="minor", length=0)
    ax.set_title(f"C^T ({n_out} x {n_in}): y = C^T x", fontsize=9)


def _title(c):
    g = c.geometry
    text = (f"{c.request}\nfull scatter {g.full_length}, crop ({g.crop_left}, "
            f"{g.crop_right}), {g.output_length} outputs")
    if c.checkerboard:
        pattern = " ".join(map(str, c.residue_counts))
        text += f"; checkerboard: counts repeat [{pattern}] with period s={g.stride}"
    else:
        text += "; no checkerboard: even overlap away from the edges"
    return text


def figure(length: int, kernel_size: int, stride: int = 1, padding: Padding = "valid",
           output_padding: int | None = None, dilation: int = 1) -> Figure:
    """The strip diagram with overlap shading beside ``C^T`` as an image.

    Parameters
    ----------
    length, kernel_size, stride, padding, output_padding, dilation
        As :func:`deconv1d.explain.shape`.

    Returns
    -------
    matplotlib.figure.Figure
        ``FIGSIZE`` inches at ``DPI``: 1000 x 560 pixels when saved as PNG.

    Examples
    --------
    >>> fig = figure(3, 3, stride=2, padding="same")    # doctest: +SKIP
    >>> fig.savefig("deconv.png")                        # doctest: +SKIP
    """
    Figure = _pyplot()
    args = (length, kernel_size, stride, padding, output_padding, dilation)
    c = connectivity(*args)
    m = matrices(*args)
    fig = Figure(figsize=FIGSIZE, dpi=DPI)
    grid = fig.add_gridspec(1, 2, width_ratios=[3.2, 1.0], left=0.08, right=0.98,
                            bottom=0.1, top=0.84, wspace=0.12)
    _strip(fig.add_subplot(grid[0, 0]), c)
    _matrix(fig.add_subplot(grid[0, 1]), m)
    fig.suptitle(_title(c), fontsize=9)
    return fig


def animation(length: int, kernel_size: int, stride: int = 1, padding: Padding = "valid",
              output_padding: int | None = None, dilation: int = 1, *,
              interval: int = 900) -> FuncAnimation:
    """The strip diagram built up one input sample at a time (one frame per input).

    Parameters
    ----------
    length, kernel_size, stride, padding, output_padding, dilation
        As :func:`deconv1d.explain.shape`.
    interval : int, default 900
        Milliseconds per frame.

    Returns
    -------
    matplotlib.animation.FuncAnimation
        Save it with ``.save(path, writer="pillow")``.

    Examples
    --------
    >>> anim = animation(3, 3, stride=2, padding="same")  # doctest: +SKIP
    >>> anim.save("deconv.gif", writer="pillow")           # doctest: +SKIP
    """
    Figure = _pyplot()
    from matplotlib.animation import FuncAnimation

    c = connectivity(length, kernel_size, stride, padding, output_padding, dilation)
    fig = Figure(figsize=(FIGSIZE[0], FIGSIZE[1] * 0.7), dpi=DPI)
    ax = fig.add_axes([0.1, 0.15, 0.88, 0.6])

    def frame(n):
        ax.clear()
        _strip(ax, c, upto=n + 1)
        fig.suptitle(_title(c) + f"\ninput x{n} scatters its {c.geometry.kernel_size} "
                     "taps; shading = products summed so far", fontsize=9)
        return []

    return FuncAnimation(fig, frame, frames=c.geometry.length, interval=interval,
                         repeat=True)


def save(path: str | os.PathLike[str], length: int, kernel_size: int, stride: int = 1,
         padding: Padding = "valid", output_padding: int | None = None,
         dilation: int = 1) -> str:
    """Write :func:`figure` (or, for a ``.gif`` path, :func:`animation`) to ``path``.

    Parameters
    ----------
    path : str or os.PathLike
        ``.png``, ``.svg``, ``.pdf`` (any format matplotlib writes), or ``.gif``.
    length, kernel_size, stride, padding, output_padding, dilation
        As :func:`deconv1d.explain.shape`.

    Returns
    -------
    str
        The path written.

    Examples
    --------
    >>> save("deconv.png", 3, 3, stride=2, padding="same")  # doctest: +SKIP
    'deconv.png'
    """
    path = os.fspath(path)
    args = (length, kernel_size, stride, padding, output_padding, dilation)
    if path.lower().endswith(".gif"):
        animation(*args).save(path, writer="pillow")
    else:
        figure(*args).savefig(path, dpi=DPI)
    return path
