"""Pictures of one 1-D transposed convolution (needs matplotlib: ``pip install 'deconv1d[plot]'``).

- :func:`figure`: the strip diagram (every input sample sends one line per tap to
  the position ``t = i*s + k*d`` it lands on; output cells shaded by how many
  products they sum; cropped cells hatched) beside the matrix ``C^T`` as an image;
- :func:`animation`: the same strip, one frame per input sample scattering its taps;
- :func:`direct_animation`: the direct view, the zero-stuffed and padded input with
  the flipped kernel sliding over it one output a frame (each frame's dot product
  written out), side by side with the scatter view filling the same outputs;
- :func:`save`: write any of them to a file (``.png``, ``.svg``, ``.pdf``; ``.gif``
  animates).

Every number drawn comes from the views of :mod:`deconv1d.explain`
(:func:`~deconv1d.explain.matrices`, :func:`~deconv1d.explain.connectivity`,
:func:`~deconv1d.explain.direct`); this module only lays them out.

Sizes: a picture is drawn for at most :data:`MAX_PLOT_POSITIONS` positions of the
full scatter and :data:`MAX_PLOT_PRODUCTS` products ``L*K``, an animation for at
most :data:`MAX_FRAMES` frames; larger requests raise ``ValueError`` naming the
argument before any drawing (a strip of thousands of cells is unreadable at 1000
pixels, and drawing it took minutes).  Labels are thinned to every n-th cell when
cells get narrower than their text, and taps share the
:data:`TAP_COLORS` palette (colour-blind safe), repeating every
``len(TAP_COLORS)`` taps, which the legend says.

matplotlib is imported only when one of these is called, so ``import deconv1d``
never needs it.

References
----------
V. Dumoulin and F. Visin, "A guide to convolution arithmetic for deep learning",
arXiv:1603.07285, section 4; A. Odena, V. Dumoulin and C. Olah, "Deconvolution and
Checkerboard Artifacts", Distill, 2016; P. Tol, "Colour Schemes", SRON technical
note SRON/EPS/TN/09-002 (the "muted" qualitative scheme).

Examples
--------
>>> TAP_COLORS[:2], MAX_PLOT_POSITIONS
(('#CC6677', '#332288'), 512)
"""

from __future__ import annotations

import math
import os
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from .connectivity import Connectivity, connectivity
from .direct import Direct, direct
from .matrices import Matrices, matrices
from .request import Padding, setup

if TYPE_CHECKING:
    from matplotlib.animation import FuncAnimation
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..core.geometry import Geometry

__all__ = ["DPI", "FIGSIZE", "MAX_FRAMES", "MAX_PLOT_POSITIONS", "MAX_PLOT_PRODUCTS",
           "TAP_COLORS", "VIEWS", "animation", "direct_animation", "direct_still", "figure",
           "save"]

#: Figure size in inches and resolution: PNGs are ``1000 x 560`` pixels.
FIGSIZE = (10.0, 5.6)
DPI = 100

#: Largest full scatter (positions ``t``) drawn.
MAX_PLOT_POSITIONS = 512
#: Largest number of products ``L*K`` (lines of the strip) drawn.
MAX_PLOT_PRODUCTS = 2048
#: Most frames of an animation (inputs for the scatter, outputs for the direct view).
MAX_FRAMES = 64

#: Tap colours: Paul Tol's "muted" qualitative scheme, safe for colour-blind readers.
#: Tap ``k`` has colour ``TAP_COLORS[k % 9]``.
TAP_COLORS = ("#CC6677", "#332288", "#DDCC77", "#117733", "#88CCEE", "#882255",
              "#44AA99", "#999933", "#AA4499")

#: What :func:`save` can draw: the scatter view, or the direct view.
VIEWS = ("scatter", "direct")

#: Approximate width of one character at font size 8, in pixels (at :data:`DPI`).
_CHAR_PX = 6.8


def _figure_class() -> Any:
    """matplotlib's ``Figure``, imported only now (no pyplot, no GUI backend)."""
    from matplotlib.figure import Figure

    return Figure


def _check_size(g: Geometry, frames: int | None = None, what: str = "") -> None:
    """Refuse pictures too large to read (or to draw quickly), naming the argument."""
    positions = max(g.full_length, g.crop_left + g.output_length)
    products = g.length * g.kernel_size
    name = "length" if (g.length - 1) * g.stride >= (g.kernel_size - 1) * g.dilation \
        else "kernel_size"
    value = g.length if name == "length" else g.kernel_size
    if positions > MAX_PLOT_POSITIONS:
        raise ValueError(
            f"`{name}` is too large to draw: the full scatter has {positions} positions and "
            f"pictures are drawn up to MAX_PLOT_POSITIONS = {MAX_PLOT_POSITIONS} (use the "
            f"text views for larger ones). Received: {name}={value}")
    if products > MAX_PLOT_PRODUCTS:
        raise ValueError(
            f"`{name}` is too large to draw: length*kernel_size = {products} products and "
            f"pictures are drawn up to MAX_PLOT_PRODUCTS = {MAX_PLOT_PRODUCTS}. "
            f"Received: {name}={value}")
    if frames is not None and frames > MAX_FRAMES:
        raise ValueError(
            f"`{what}` is too large to animate: {frames} frames, and animations have at "
            f"most MAX_FRAMES = {MAX_FRAMES}. Received: {what}="
            f"{g.length if what == 'length' else g.kernel_size}")


def _every(cell_px: float, chars: int) -> int:
    """Label every n-th cell so that labels of ``chars`` characters do not overlap."""
    return max(1, math.ceil((chars * _CHAR_PX + 3) / max(cell_px, 1e-9)))


def _tap_color(k: int) -> str:
    return TAP_COLORS[k % len(TAP_COLORS)]


def _legend(ax: Axes, kernel_size: int) -> None:
    """One entry per colour; when taps outnumber the colours, say which share one."""
    n = len(TAP_COLORS)
    for c in range(min(kernel_size, n)):
        taps = list(range(c, kernel_size, n))
        label = ",".join(f"w{k}" for k in taps[:3]) + (",..." if len(taps) > 3 else "")
        ax.plot([], [], color=TAP_COLORS[c], lw=2.5, label=label)
    title = None if kernel_size <= n else (f"{kernel_size} taps, {n} colours: "
                                           f"tap k has the colour of tap k mod {n}")
    ax.legend(loc="lower center", fontsize=7, ncol=min(kernel_size, n), frameon=False,
              bbox_to_anchor=(0.5, 1.0), handlelength=1.5, title=title,
              title_fontsize=7, columnspacing=1.0)


def _full_scatter(g: Geometry) -> npt.NDArray[np.int64]:
    """``taps[t, i] = k`` when ``x_i * w_k`` lands on position ``t`` of the full scatter.

    The ``C^T`` of the same request with nothing cropped, from :func:`matrices`.
    """
    return matrices(g.length, g.kernel_size, g.stride, (0, 0), None, g.dilation).taps


def _first_signal(a: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """The signal a picture writes in its cells: ``a`` itself, or sample 0, channel 0
    of an ``(N, L, C)`` array (as the text views show with channels)."""
    return a if a.ndim == 1 else a[0, :, 0]


def _strip(ax: Axes, g: Geometry, upto: int | None = None,
           values: npt.NDArray[np.float64] | None = None, focus: int | None = None,
           width_px: float = 680.0,
           input_values: npt.NDArray[np.float64] | None = None) -> None:
    """Draw the strip diagram of ``g`` on ``ax``.

    ``upto``: only inputs ``< upto`` have scattered (an animation frame);
    ``values``: the outputs' numbers, written in the kept cells instead of ``y_o``;
    ``input_values``: the inputs' numbers, written in the input cells instead of ``x_i``;
    ``focus``: the output whose products are drawn bold (the others faint).
    """
    from matplotlib.collections import LineCollection, PatchCollection
    from matplotlib.patches import Rectangle

    full = _full_scatter(g)
    positions = max(g.full_length, g.crop_left + g.output_length)
    counts = np.zeros(positions, dtype=np.int64)
    counts[:g.full_length] = (full >= 0).sum(axis=1)
    active = np.arange(g.length) < (g.length if upto is None else upto)
    so_far = np.zeros(positions, dtype=np.int64)
    so_far[:g.full_length] = ((full >= 0) & active[None, :]).sum(axis=1)
    top = max(int(counts.max()), 1)
    cell_px = width_px / (positions + 0.4)
    y_in, y_out = 1.0, 0.0

    from matplotlib import colormaps

    shade = colormaps["Blues"]
    kept = np.array([0 <= t - g.crop_left < g.output_length for t in range(positions)])
    faces = [shade(0.15 + 0.7 * n / top) if n else (1.0, 1.0, 1.0, 1.0) for n in so_far]
    for keep, hatch, edge in ((True, None, "black"), (False, "///", "0.6")):
        cells = [Rectangle((t - 0.45, y_out - 0.18), 0.9, 0.36)
                 for t in range(positions) if kept[t] == keep]
        if cells:
            ax.add_collection(PatchCollection(
                cells, facecolors=[faces[t] for t in range(positions) if kept[t] == keep],
                edgecolors=edge, linewidths=0.8 if cell_px > 12 else 0.3, hatch=hatch))
    outputs = [t for t in range(positions) if kept[t]]
    text = (lambda t: f"{values[t - g.crop_left]:g}") if values is not None else \
        (lambda t: f"y{t - g.crop_left}")
    chars = max((len(text(t)) for t in outputs), default=1)
    step = _every(cell_px, chars)
    for t in outputs:
        o = t - g.crop_left
        if o % step == 0 and (values is None or focus is None or o <= focus):
            ax.text(t, y_out, text(t), ha="center", va="center", fontsize=8,
                    color="white" if so_far[t] > 0.6 * top else "black")
    step = _every(cell_px, len(str(top)))
    for t in range(0, positions, step):
        ax.text(t, y_out - 0.3, str(counts[t]), ha="center", va="center", fontsize=8,
                color="0.25")
    inputs = [Rectangle((i * g.stride - 0.45, y_in - 0.18), 0.9, 0.36)
              for i in range(g.length)]
    ax.add_collection(PatchCollection(
        inputs, facecolors=["#fde0b0" if a else "white" for a in active],
        edgecolors=["black" if a else "0.7" for a in active],
        linewidths=0.8 if cell_px > 12 else 0.3))
    in_text = ((lambda i: f"{input_values[i]:g}") if input_values is not None
               else (lambda i: f"x{i}"))
    step = _every(cell_px * g.stride, max(len(in_text(i)) for i in range(g.length)))
    for i in range(0, g.length, step):
        ax.text(i * g.stride, y_in, in_text(i), ha="center", va="center", fontsize=8,
                color="black" if active[i] else "0.6")
    segments: list[Any] = []
    colors: list[Any] = []
    widths: list[float] = []
    for t, i in zip(*np.nonzero(full >= 0)):
        if not active[i]:
            continue
        k = int(full[t, i])
        segments.append([(i * g.stride, y_in - 0.19), (t, y_out + 0.19)])
        lit = focus is not None and t - g.crop_left == focus
        newest = upto is not None and i == upto - 1
        colors.append(_tap_color(k))
        alpha = 1.0 if lit or newest or (focus is None and upto is None) else 0.35
        colors[-1] = (*_rgb(colors[-1]), alpha)
        widths.append(2.2 if lit else 1.3)
    if segments:
        ax.add_collection(LineCollection(segments, colors=colors, linewidths=widths))
    _legend(ax, g.kernel_size)
    margin = ax.get_yaxis_transform()  # x in axes fractions, y in data
    ax.text(-0.01, y_in, "input", ha="right", va="center", fontsize=9, transform=margin)
    ax.text(-0.01, y_out, "output", ha="right", va="center", fontsize=9, transform=margin)
    ax.text(-0.01, y_out - 0.3, "overlap", ha="right", va="center", fontsize=8,
            color="0.25", transform=margin)
    ax.set_xlim(-0.7, positions - 0.3)
    ax.set_ylim(-0.55, 1.35)
    step = _every(cell_px, len(str(positions - 1)))
    ax.set_xticks(range(0, positions, step))
    ax.tick_params(axis="x", labelsize=7)
    ax.set_xlabel("position t = i*s + k*d in the full scatter (hatched: cropped"
                  + ("; past the full scatter: appended zeros" if g.crop_right < 0 else "")
                  + ")", fontsize=8)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)


def _rgb(color: str) -> tuple[float, float, float]:
    from matplotlib.colors import to_rgb

    return tuple(to_rgb(color))  # type: ignore[return-value]


def _matrix(ax: Axes, m: Matrices, weights: npt.NDArray[np.float64] | None = None) -> None:
    """``C^T`` as coloured cells, each labelled ``w_k``, or with its number when
    ``weights`` (shape ``(K,)``) are given."""
    from matplotlib.colors import ListedColormap

    taps = m.taps
    K = m.geometry.kernel_size
    colors = [_tap_color(k) for k in range(K)]
    cmap = ListedColormap(colors if K > 1 else colors * 2)
    image = np.ma.masked_less(taps, 0)
    ax.set_facecolor("white")
    ax.imshow(image, cmap=cmap, vmin=-0.5, vmax=max(K - 1, 1) + 0.5, aspect="equal",
              interpolation="nearest")
    n_out, n_in = taps.shape
    if n_out <= 24 and n_in <= 12:
        for o in range(n_out):
            for i in range(n_in):
                if taps[o, i] >= 0:
                    k = int(taps[o, i])
                    label = f"{weights[k]:g}" if weights is not None else f"w{k}"
                    ax.text(i, o, label, ha="center", va="center", fontsize=7,
                            color="white" if taps[o, i] % len(TAP_COLORS) not in (2, 4)
                            else "black")
    cell_px = min(210 / n_in, 380 / n_out)  # the panel is about 210 x 380 pixels
    col = _every(cell_px, len(f"x{n_in - 1}"))
    row = max(1, math.ceil(13 / cell_px))
    ax.set_xticks(range(0, n_in, col))
    ax.set_xticklabels([f"x{i}" for i in range(0, n_in, col)], fontsize=7)
    ax.set_yticks(range(0, n_out, row))
    ax.set_yticklabels([f"y{o}" for o in range(0, n_out, row)], fontsize=7)
    if n_in <= 48 and n_out <= 96:
        ax.set_xticks(np.arange(-0.5, n_in), minor=True)
        ax.set_yticks(np.arange(-0.5, n_out), minor=True)
        ax.grid(which="minor", color="0.85", linewidth=0.5)
    ax.tick_params(which="minor", length=0)
    ax.set_title(f"C^T ({n_out} x {n_in}): y = C^T x", fontsize=9)


def _crop_words(g: Geometry) -> str:
    """``crop (0, 0), 2 zeros appended``: the words of the text views for the window."""
    zeros = -g.crop_right
    appended = f", {zeros} zero{'s' * (zeros != 1)} appended" if zeros > 0 else ""
    return f"crop ({g.crop_left}, {max(g.crop_right, 0)}){appended}"


def _title(c: Connectivity) -> str:
    g = c.geometry
    text = (f"{c.request}\nfull scatter {g.full_length}, {_crop_words(g)}, "
            f"{g.output_length} outputs")
    if c.checkerboard:
        pattern = " ".join(map(str, c.residue_counts))
        text += f"; uneven overlap: counts repeat [{pattern}] with period s={g.stride}"
    else:
        text += "; even overlap away from the edges"
    return text


def figure(length: int, kernel_size: int, stride: int = 1, padding: Padding = "valid",
           output_padding: int | None = None, dilation: int = 1, *,
           x: npt.ArrayLike | None = None, w: npt.ArrayLike | None = None) -> Figure:
    """The strip diagram with overlap shading beside ``C^T`` as an image.

    Parameters
    ----------
    length, kernel_size, stride, padding, output_padding, dilation
        As :func:`deconv1d.explain.shape`.
    x : array_like, shape (L,), optional
    w : array_like, shape (K,), optional
        When either is given, the output cells show the numbers ``y = C^T x``
        (the other defaults to ``1, 2, ...``) instead of the names ``y_o``.

    Returns
    -------
    matplotlib.figure.Figure
        ``FIGSIZE`` inches at ``DPI``: 1000 x 560 pixels when saved as PNG.

    Raises
    ------
    ValueError
        Beyond :data:`MAX_PLOT_POSITIONS` or :data:`MAX_PLOT_PRODUCTS`, naming
        ``length`` or ``kernel_size``.

    Examples
    --------
    >>> fig = figure(3, 3, stride=2, padding="same")    # doctest: +SKIP
    >>> fig.savefig("deconv.png")                        # doctest: +SKIP
    >>> figure(2000, 3, stride=2)
    Traceback (most recent call last):
    ...
    ValueError: `length` is too large to draw: the full scatter has 4001 positions and pictures are drawn up to MAX_PLOT_POSITIONS = 512 (use the text views for larger ones). Received: length=2000
    """
    args = (length, kernel_size, stride, padding, output_padding, dilation)
    g, _ = setup(*args)
    _check_size(g)
    c = connectivity(*args)
    m = matrices(*args, x=x, w=w)
    fig = _figure_class()(figsize=FIGSIZE, dpi=DPI)
    grid = fig.add_gridspec(1, 2, width_ratios=[3.2, 1.0], left=0.08, right=0.98,
                            bottom=0.1, top=0.8, wspace=0.12)
    numbers = x is not None or w is not None
    _strip(fig.add_subplot(grid[0, 0]), g,
           values=_first_signal(m.y_fast) if numbers else None,
           input_values=_first_signal(m.x) if numbers else None)
    _matrix(fig.add_subplot(grid[0, 1]), m,
            weights=m.w if numbers and m.w.ndim == 1 else None)
    fig.suptitle(_title(c), fontsize=9)
    return fig


def animation(length: int, kernel_size: int, stride: int = 1, padding: Padding = "valid",
              output_padding: int | None = None, dilation: int = 1, *,
              interval: int = 900) -> FuncAnimation:
    """The strip diagram built up one input sample at a time (one frame per input).

    Parameters
    ----------
    length, kernel_size, stride, padding, output_padding, dilation
        As :func:`deconv1d.explain.shape`; at most :data:`MAX_FRAMES` inputs.
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
    from matplotlib.animation import FuncAnimation

    g, _ = setup(length, kernel_size, stride, padding, output_padding, dilation)
    _check_size(g, g.length, "length")
    c = connectivity(length, kernel_size, stride, padding, output_padding, dilation)
    fig = _figure_class()(figsize=(FIGSIZE[0], FIGSIZE[1] * 0.7), dpi=DPI)
    ax = fig.add_axes((0.1, 0.15, 0.88, 0.55))

    def frame(n: int) -> list[Any]:
        ax.clear()
        _strip(ax, g, upto=n + 1, width_px=880)
        fig.suptitle(_title(c) + f"\ninput x{n} scatters its {g.kernel_size} "
                     "taps; shading = products summed so far", fontsize=9)
        return []

    return FuncAnimation(fig, frame, frames=g.length, interval=interval, repeat=True)


# --------------------------------------------------------------------------- #
# The direct view, animated                                                   #
# --------------------------------------------------------------------------- #
def _direct_frames(dc: Direct) -> list[tuple[str, int]]:
    """The frames: ``("stuff", -1)``, ``("pad", -1)``, ``("slide", o)`` per output, ``("end", -1)``."""
    n_out = len(dc.y_direct)
    return [("stuff", -1), ("pad", -1)] + [("slide", o) for o in range(n_out)] + [("end", -1)]


def _dot_product(dc: Direct, o: int) -> str:
    """``y2 = x0*w2 + x1*w0 = 1*3 + 2*1 = 5``: the products of the window at output ``o``."""
    dk = len(dc.kernel)
    terms = [(dc.padded[o + j], dc.kernel[j], dc.padded_values[o + j], dc.kernel_values[j])
             for j in range(dk) if dc.padded[o + j] != "0" and dc.kernel[j] != "0"]
    if not terms:
        return f"y{o} = 0: the kernel covers only inserted or padded zeros"
    names = " + ".join(f"{a}*{b}" for a, b, _, _ in terms)
    numbers = " + ".join(f"{u:g}*{v:g}" for _, _, u, v in terms)
    return f"y{o} = {names} = {numbers} = {dc.y_direct[o]:g}"


def _cells(ax: Axes, y: float, labels: list[str], x0: int = 0, *, faces: Any = None,
           edge: str = "black", fontsize: float = 8, values: list[str] | None = None,
           step: int = 1) -> None:
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle

    boxes = [Rectangle((x0 + j - 0.45, y - 0.2), 0.9, 0.4) for j in range(len(labels))]
    if not boxes:
        return
    ax.add_collection(PatchCollection(boxes, facecolors=faces or "white", edgecolors=edge,
                                      linewidths=0.8))
    for j, label in enumerate(labels):
        if j % step:
            continue
        ax.text(x0 + j, y + (0.07 if values else 0), label, ha="center", va="center",
                fontsize=fontsize, color="0.55" if label == "0" else "black")
        if values:
            ax.text(x0 + j, y - 0.11, values[j], ha="center", va="center",
                    fontsize=fontsize - 1.5, color="0.35")


def _direct_panel(ax: Axes, dc: Direct, kind: str, o: int) -> str:
    """Draw one frame of the direct view; return its caption."""
    g = dc.geometry
    n = len(dc.padded)
    stuffed = list(dc.stuffed)
    shift = dc.pad_left  # where stuffed[0] sits in the padded sequence
    cell_px = 560 / (n + 3.0)
    step = _every(cell_px, max(len(c) for c in dc.padded))
    y_x, y_s, y_p, y_k, y_y = 2.0, 1.3, 0.6, 0.1, -0.6
    ax.text(-1.0, y_x, "x", ha="right", va="center", fontsize=9)
    xs = [f"x{i}" for i in range(g.length)]
    _cells(ax, y_x, xs, shift, faces="#fde0b0", step=step,
           values=[f"{v:g}" for v in dc.x])
    if kind == "stuff":
        caption = (f"1. insert s - 1 = {g.stride - 1} zero{'s' * (g.stride != 2)} between "
                   f"inputs: {len(stuffed)} samples")
    else:
        caption = (f"2. pad {dc.pad_left} at the start, {dc.pad_right} at the end "
                   "(dk - 1 - crop; negative: crop)")
    ax.text(-1.0, y_s, "stuffed", ha="right", va="center", fontsize=9)
    _cells(ax, y_s, stuffed, shift,
           faces=["#fde0b0" if c != "0" else "white" for c in stuffed], step=step)
    if kind != "stuff":
        ax.text(-1.0, y_p, "padded", ha="right", va="center", fontsize=9)
        _cells(ax, y_p, list(dc.padded), 0, step=step,
               faces=["#fde0b0" if c != "0" else "#eeeeee" for c in dc.padded],
               values=[f"{v:g}" for v in dc.padded_values])
    dk = len(dc.kernel)
    if kind == "slide":
        ax.add_patch(_window(o, dk, y_p))
        ax.text(-1.0, y_k, "kernel", ha="right", va="center", fontsize=9)
        faces = [_tap_color(int(c[1:])) if c != "0" else "white" for c in dc.kernel]
        _cells(ax, y_k, list(dc.kernel), o, faces=[_light(f) for f in faces],
               values=[f"{v:g}" for v in dc.kernel_values])
        caption = f"3-4. flipped kernel at offset {o}, stride 1:  " + _dot_product(dc, o)
    if kind in ("slide", "end"):
        upto = o if kind == "slide" else len(dc.y_direct) - 1
        ys = [f"{v:g}" if j <= upto else "" for j, v in enumerate(dc.y_direct)]
        ax.text(-1.0, y_y, "y direct", ha="right", va="center", fontsize=9)
        _cells(ax, y_y, ys, 0, faces=["#c6dbef" if v else "white" for v in ys])
    if kind == "end":
        caption = ("direct, stride 1 = " + " ".join(f"{v:g}" for v in dc.y_direct)
                   + (" = the scatter's output" if dc.agree else " DIFFERS from the scatter"))
    ax.set_xlim(min(shift, 0) - 3.5, max(n, len(dc.y_direct), shift + len(stuffed)) + 0.5)
    ax.set_ylim(-1.0, 2.4)
    ax.set_axis_off()
    ax.set_title("direct view: zero insertion, padding, flipped kernel, stride 1",
                 fontsize=9)
    return caption


def _window(o: int, dk: int, y: float) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle((o - 0.5, y - 0.27), dk, 0.54, fill=False, edgecolor="#CC3311",
                     linewidth=2.0)


def _light(color: str) -> tuple[float, float, float]:
    r, g, b = _rgb(color)
    return (0.55 + 0.45 * r, 0.55 + 0.45 * g, 0.55 + 0.45 * b)


def _direct_figure(dc: Direct, c: Connectivity) -> tuple[Figure, Any]:
    fig = _figure_class()(figsize=(FIGSIZE[0] * 1.2, FIGSIZE[1]), dpi=DPI)
    grid = fig.add_gridspec(2, 2, width_ratios=[1.15, 1.0], height_ratios=[1.0, 0.12],
                            left=0.07, right=0.99, bottom=0.02, top=0.78, wspace=0.08,
                            hspace=0.05)
    left, right = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])
    caption = fig.add_subplot(grid[1, :])
    return fig, (left, right, caption)


def _draw_direct_frame(fig: Figure, axes: Any, dc: Direct, c: Connectivity,
                       kind: str, o: int) -> None:
    left, right, caption_ax = axes
    for ax in axes:
        ax.clear()
    caption = _direct_panel(left, dc, kind, o)
    n_out = len(dc.y_fast)
    shown = {"stuff": -1, "pad": -1, "slide": o, "end": n_out - 1}[kind]
    values = np.where(np.arange(n_out) <= shown, dc.y_fast, np.nan)
    _strip(right, dc.geometry, values=dc.y_fast if kind == "end" else values,
           focus=o if kind == "slide" else (n_out - 1 if kind == "end" else -1),
           width_px=520)
    right.set_title("scatter view: y_o sums the products landing on it", fontsize=9,
                    pad=24)
    caption_ax.set_axis_off()
    caption_ax.text(0.0, 0.5, caption, ha="left", va="center", fontsize=10,
                    family="monospace", transform=caption_ax.transAxes)
    fig.suptitle(_title(c) + "\nthe direct view and the scatter view compute the same "
                 "outputs", fontsize=9)


def direct_animation(length: int, kernel_size: int, stride: int = 1,
                     padding: Padding = "valid", output_padding: int | None = None,
                     dilation: int = 1, *, x: npt.ArrayLike | None = None,
                     w: npt.ArrayLike | None = None, interval: int = 1200) -> FuncAnimation:
    """The direct view animated, side by side with the scatter view.

    Frame 1 inserts ``s - 1`` zeros between the inputs, frame 2 pads (or crops)
    both ends, then one frame per output slides the flipped kernel (stride 1) and
    writes out its dot product, e.g. ``y2 = x0*w2 + x1*w0 = 1*3 + 2*1 = 5``, while
    the scatter view beside it fills the same output from the products landing
    on it; the last frame shows both finished, equal outputs.  The numbers are
    those of :func:`deconv1d.explain.direct`.

    Parameters
    ----------
    length, kernel_size, stride, padding, output_padding, dilation
        As :func:`deconv1d.explain.shape`; at most ``MAX_FRAMES - 3`` outputs.
    x : array_like, shape (L,), optional
        Input; default ``1, 2, ..., L``.
    w : array_like, shape (K,), optional
        Kernel; default ``1, 2, ..., K``.
    interval : int, default 1200
        Milliseconds per frame.

    Returns
    -------
    matplotlib.animation.FuncAnimation
        ``L_out + 3`` frames; save with ``.save(path, writer="pillow")``.

    Examples
    --------
    >>> anim = direct_animation(5, 3, stride=2, padding="same")  # doctest: +SKIP
    >>> anim.save("direct.gif", writer="pillow")                  # doctest: +SKIP
    """
    from matplotlib.animation import FuncAnimation

    args = (length, kernel_size, stride, padding, output_padding, dilation)
    g, _ = setup(*args)
    _check_size(g, g.output_length + 3, "length")
    dc = direct(*args, x=x, w=w)
    c = connectivity(*args)
    fig, axes = _direct_figure(dc, c)
    frames = _direct_frames(dc)

    def frame(n: int) -> list[Any]:
        _draw_direct_frame(fig, axes, dc, c, *frames[n])
        return []

    return FuncAnimation(fig, frame, frames=len(frames), interval=interval, repeat=True)


def direct_still(length: int, kernel_size: int, stride: int = 1, padding: Padding = "valid",
                 output_padding: int | None = None, dilation: int = 1, *,
                 x: npt.ArrayLike | None = None, w: npt.ArrayLike | None = None,
                 output: int | None = None, finished: bool = False) -> Figure:
    """One frame of :func:`direct_animation`: the kernel at ``output`` (default the middle one).

    Parameters
    ----------
    length, kernel_size, stride, padding, output_padding, dilation, x, w
        As :func:`direct_animation`.
    output : int, optional
        The output whose dot product is shown, ``0 <= output < L_out``.
    finished : bool, default False
        Draw the last frame instead: both views finished, with equal outputs.

    Returns
    -------
    matplotlib.figure.Figure
        1200 x 560 pixels at :data:`DPI`.

    Examples
    --------
    >>> direct_still(5, 3, stride=2, padding="same").savefig("d.png")  # doctest: +SKIP
    """
    args = (length, kernel_size, stride, padding, output_padding, dilation)
    g, _ = setup(*args)
    _check_size(g)
    dc = direct(*args, x=x, w=w)
    c = connectivity(*args)
    o = g.output_length // 2 if output is None else output
    if not 0 <= o < g.output_length:
        raise ValueError(f"`output` must be in 0..{g.output_length - 1}. Received: "
                         f"output={output}")
    fig, axes = _direct_figure(dc, c)
    _draw_direct_frame(fig, axes, dc, c, "end" if finished else "slide", o)
    return fig


def save(path: str | os.PathLike[str], length: int, kernel_size: int, stride: int = 1,
         padding: Padding = "valid", output_padding: int | None = None,
         dilation: int = 1, *, view: str = "scatter", x: npt.ArrayLike | None = None,
         w: npt.ArrayLike | None = None) -> str:
    """Write a picture of ``view`` to ``path``; a ``.gif`` path animates it.

    Parameters
    ----------
    path : str or os.PathLike
        ``.png``, ``.svg``, ``.pdf`` (any format matplotlib writes), or ``.gif``.
        A name without an extension gets ``.png`` (what matplotlib would write
        there), so the path returned is always the file written.
    length, kernel_size, stride, padding, output_padding, dilation
        As :func:`deconv1d.explain.shape`.
    view : {"scatter", "direct"}, default "scatter"
        ``"scatter"``: :func:`figure` (a ``.gif``: :func:`animation`);
        ``"direct"``: :func:`direct_still` (a ``.gif``: :func:`direct_animation`).
    x, w : array_like, optional
        Numbers to write in the cells (see :func:`figure`).

    Returns
    -------
    str
        The path written.

    Examples
    --------
    >>> save("deconv.png", 3, 3, stride=2, padding="same")  # doctest: +SKIP
    'deconv.png'
    >>> save("d.gif", 3, 3, view="sideways")
    Traceback (most recent call last):
    ...
    ValueError: `view` must be one of ('scatter', 'direct'). Received: view='sideways'
    """
    if view not in VIEWS:
        raise ValueError(f"`view` must be one of {VIEWS}. Received: view={view!r}")
    path = os.fspath(path)
    if not os.path.splitext(path)[1]:
        path += ".png"
    args = (length, kernel_size, stride, padding, output_padding, dilation)
    gif = path.lower().endswith(".gif")
    if view == "direct":
        if gif:
            direct_animation(*args, x=x, w=w).save(path, writer="pillow")
        else:
            direct_still(*args, x=x, w=w).savefig(path, dpi=DPI)
    elif gif:
        animation(*args).save(path, writer="pillow")
    else:
        figure(*args, x=x, w=w).savefig(path, dpi=DPI)
    return path
