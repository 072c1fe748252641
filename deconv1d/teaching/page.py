"""The classroom page: one self-contained HTML file with every setting of a grid.

:func:`write` (``deconv1d explain --html page.html``) writes one HTML file with
controls for ``length``, ``kernel_size``, ``stride``, ``padding`` (``valid``,
``same``, an int or a pair), ``output_padding`` and ``dilation``, showing the strip
drawing, the overlap counts, ``C^T``, the direct view and the framework arguments.
It needs no network: no external script, font, style or image.

Every number and every sentence on the page is computed here, by the views of
:mod:`deconv1d.explain`, for each setting of :data:`GRID`, and embedded as JSON;
the page's script only looks a setting up and lays it out (it does no convolution
arithmetic).  The JSON is stored gzip-compressed in base64 and unpacked by the
browser's own ``DecompressionStream``, so that the whole grid fits.  A setting the package refuses carries the package's error message;
a setting outside the grid says so on the page.

The setting lives in the URL fragment, e.g.
``page.html#length=5&kernel_size=3&stride=2&padding=same&output_padding=none&dilation=1``
(``padding=1`` for an int, ``padding=1,2`` for a pair), so that a link shares it.
The output length and the overlap counts are also plain text in the elements
with ids ``output-length`` and ``overlap-counts``.

The grid (:data:`GRID`) is chosen so that the page stays under :data:`MAX_BYTES`
(2 MB): lengths 1-8, kernel sizes 1-5, strides 1-4, dilations 1-2, paddings
``valid``, ``same``, 0-2 and the pairs of two different crops 0-2, and
``output_padding`` none or 0-3.  Data shared by settings are stored once: the views
of one kept window (``L, K, s, d`` and the crops) are shared by every padding
spelling that asks for it, and every line of text is stored once.

Examples
--------
>>> fragment(5, 3, 2, "same", None, 1)
'length=5&kernel_size=3&stride=2&padding=same&output_padding=none&dilation=1'
>>> fragment(5, 3, 2, (1, 2), 0, 1)
'length=5&kernel_size=3&stride=2&padding=1,2&output_padding=0&dilation=1'
"""

from __future__ import annotations

import base64
import gzip
import itertools
import json
import os
from importlib import resources
from typing import Any

from .connectivity import connectivity
from .direct import direct
from .request import Padding
from .walkthrough import shape

__all__ = ["GRID", "MAX_BYTES", "fragment", "page_data", "render", "write"]

#: The settings embedded in the page, in the order the page indexes them.
GRID: dict[str, tuple[Any, ...]] = {
    "length": tuple(range(1, 9)),
    "kernel_size": tuple(range(1, 6)),
    "stride": tuple(range(1, 5)),
    "padding": ("valid", "same", 0, 1, 2, (0, 1), (1, 0), (0, 2), (2, 0), (1, 2), (2, 1)),
    "output_padding": (None, 0, 1, 2, 3),
    "dilation": (1, 2),
}

#: The page must stay smaller than this many bytes.
MAX_BYTES = 2_000_000


def _padding_text(padding: Padding) -> str:
    if isinstance(padding, str):
        return padding
    if isinstance(padding, int):
        return str(padding)
    return ",".join(str(p) for p in padding)


def fragment(length: int, kernel_size: int, stride: int = 1, padding: Padding = "valid",
             output_padding: int | None = None, dilation: int = 1) -> str:
    """The URL fragment (after ``#``) that opens the page at this setting.

    Parameters
    ----------
    length, kernel_size, stride, padding, output_padding, dilation
        As :func:`deconv1d.explain.shape`.

    Returns
    -------
    str

    Examples
    --------
    >>> fragment(3, 3, 2, 1)
    'length=3&kernel_size=3&stride=2&padding=1&output_padding=none&dilation=1'
    """
    op = "none" if output_padding is None else str(output_padding)
    return (f"length={length}&kernel_size={kernel_size}&stride={stride}"
            f"&padding={_padding_text(padding)}&output_padding={op}&dilation={dilation}")


class _Strings:
    """A table of distinct strings; each is stored once and referred to by index."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.index: dict[str, int] = {}

    def __call__(self, text: str) -> int:
        if text not in self.index:
            self.index[text] = len(self.items)
            self.items.append(text)
        return self.index[text]

    def lines(self, text: str) -> list[int]:
        return [self(line) for line in text.splitlines()]


class _Blocks:
    """A table of distinct paragraphs (tuples of string indices), each stored once."""

    def __init__(self, strings: _Strings) -> None:
        self.strings = strings
        self.items: list[list[int]] = []
        self.index: dict[tuple[int, ...], int] = {}

    def __call__(self, text: str) -> list[int]:
        """The paragraphs of ``text`` (split at blank lines) as block indices."""
        ids = []
        for paragraph in text.split("\n\n"):
            lines = tuple(self.strings.lines(paragraph))
            if lines not in self.index:
                self.index[lines] = len(self.items)
                self.items.append(list(lines))
            ids.append(self.index[lines])
        return ids


def _scatter(length: int, kernel_size: int, stride: int, dilation: int) -> dict[str, Any]:
    """The full scatter (nothing cropped): the ``(i, k)`` pairs landing on each position."""
    c = connectivity(length, kernel_size, stride, (0, 0), None, dilation)
    return {"pairs": [[v for pair in p for v in pair] for p in c.pairs],
            "counts": c.counts.tolist()}


def _window(args: tuple[Any, ...]) -> dict[str, Any]:
    """The views of one kept window: where each output sits, its counts, the direct view.

    The ``(input, tap)`` pairs of output ``o`` are those of position ``position[o]``
    of the full scatter (:func:`_scatter`); ``padded`` and ``kernel`` hold the
    input index ``i`` (for ``x_i``) or tap ``k`` (for ``w_k``), ``-1`` for a zero.
    """
    c = connectivity(*args)
    dc = direct(*args)
    g = c.geometry
    return {
        "full": g.full_length, "crop": [g.crop_left, g.crop_right],
        "out": g.output_length,
        "cells": max(g.full_length, g.crop_left + g.output_length),
        "position": [o + g.crop_left for o in range(g.output_length)],
        "counts": c.counts.tolist(),
        "residues": list(c.residue_counts), "uneven": c.checkerboard,
        "x": _numbers(dc.x), "w": _numbers(dc.w),
        "pad": [dc.pad_left, dc.pad_right],
        "padded": [-1 if t == "0" else int(t[1:]) for t in dc.padded],
        "kernel": [-1 if t == "0" else int(t[1:]) for t in dc.kernel],
        "y": _numbers(dc.y_direct), "agree": dc.agree,
    }


def _numbers(values: Any) -> list[int | float]:
    """Whole numbers as JSON integers (``5``, not ``5.0``), others as floats."""
    return [int(v) if float(v).is_integer() else float(v) for v in values]


def page_data(grid: dict[str, tuple[Any, ...]] | None = None) -> dict[str, Any]:
    """Everything the page shows, for every setting of ``grid``, as JSON-ready data.

    Parameters
    ----------
    grid : dict, optional
        Values of each argument, keyed as :data:`GRID` (the default).

    Returns
    -------
    dict
        ``grid`` (the values, paddings as fragment text), ``settings`` (one entry per
        combination, in the grid's nested order, ``length`` outermost: ``[window,
        scatter, walkthrough lines]`` or the index of the package's error message),
        ``windows``, ``scatters`` and ``strings``.

    Examples
    --------
    >>> small = dict(GRID, length=(3,), kernel_size=(3,), stride=(2,),
    ...              padding=("same",), output_padding=(None, 2), dilation=(1,))
    >>> data = page_data(small)
    >>> window = data["windows"][data["settings"][0][0]]
    >>> window["out"], window["counts"]
    (6, [1, 1, 2, 1, 2, 1])
    >>> data["strings"][data["settings"][1]].startswith("`output_padding` must be")
    True
    """
    grid = GRID if grid is None else grid
    strings = _Strings()
    blocks = _Blocks(strings)
    windows: list[dict[str, Any]] = []
    window_ids: dict[tuple[int, ...], int] = {}
    scatters: list[dict[str, Any]] = []
    scatter_ids: dict[tuple[int, ...], int] = {}
    settings: list[Any] = []
    names = ("length", "kernel_size", "stride", "padding", "output_padding", "dilation")
    for args in itertools.product(*(grid[name] for name in names)):
        try:
            walk = shape(*args)
        except ValueError as error:
            settings.append(strings(str(error)))
            continue
        g = walk.geometry
        key = (g.length, g.kernel_size, g.stride, g.dilation, g.crop_left, g.crop_right)
        if key not in window_ids:
            window_ids[key] = len(windows)
            windows.append(_window(args))
        full_key = key[:4]
        if full_key not in scatter_ids:
            scatter_ids[full_key] = len(scatters)
            scatters.append(_scatter(*full_key))
        settings.append([window_ids[key], scatter_ids[full_key],
                         blocks(str(walk).split("\n", 3)[3])])
    shown = {name: [_padding_text(v) if name == "padding" else
                    ("none" if v is None else v) for v in grid[name]] for name in names}
    return {"names": list(names), "grid": shown, "settings": settings, "windows": windows,
            "scatters": scatters, "blocks": blocks.items, "strings": strings.items}


def _template() -> str:
    return resources.files(__package__).joinpath("page.html").read_text(encoding="utf-8")


def render(grid: dict[str, tuple[Any, ...]] | None = None) -> str:
    """The page as one HTML string (data for ``grid``, default :data:`GRID`).

    Examples
    --------
    >>> text = render(dict(GRID, length=(3,), kernel_size=(3,), stride=(2,)))
    >>> text.startswith("<!DOCTYPE html>"), "http" in text.split("</head>")[0]
    (True, False)
    """
    data = json.dumps(page_data(grid), separators=(",", ":")).encode("utf-8")
    packed = base64.b64encode(gzip.compress(data, compresslevel=9, mtime=0))
    return _template().replace("/*DATA*/", packed.decode("ascii"), 1)


def write(path: str | os.PathLike[str],
          grid: dict[str, tuple[Any, ...]] | None = None) -> str:
    """Write the classroom page to ``path``.

    Parameters
    ----------
    path : str or os.PathLike
        Where to write the ``.html`` file.
    grid : dict, optional
        The settings to embed (default :data:`GRID`).

    Returns
    -------
    str
        The path written.

    Raises
    ------
    ValueError
        When the page would exceed :data:`MAX_BYTES` (a grid too large).

    Examples
    --------
    >>> write("page.html")  # doctest: +SKIP
    'page.html'
    """
    text = render(grid).encode("utf-8")
    if len(text) > MAX_BYTES:
        raise ValueError(f"`grid` gives a page of {len(text)} bytes, over MAX_BYTES = "
                         f"{MAX_BYTES}; choose fewer settings. Received: grid={grid}")
    path = os.fspath(path)
    with open(path, "wb") as file:
        file.write(text)
    return path
