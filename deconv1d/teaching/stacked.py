"""Stacked layers: how uneven overlap compounds, and the resize-then-convolve fix.

A. Odena, V. Dumoulin and C. Olah, "Deconvolution and Checkerboard Artifacts"
(Distill, 2016) stack transposed convolutions and shade each output by how many
paths from the input reach it; their three-layer diagram has 5 inputs and layers
of (size 3, stride 2), (size 3, stride 2), (size 3, stride 1), widths
5 -> 11 -> 23 -> 25, and the unevenness of one layer multiplies through the
next.  Their fix resizes (nearest-neighbour) and then convolves with stride 1,
whose counts are even away from the edges.

:func:`stacked` computes both; a path count is the output for an input of ones
and kernels of ones, so it is computed with :func:`deconv1d.conv1d_transpose`
and :func:`deconv1d.conv1d`.

Examples
--------
>>> s = stacked(5, [(3, 2), (3, 2), (3, 1)])
>>> [len(c) for c in s.counts]
[5, 11, 23, 25]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .. import conv1d, conv1d_transpose, shapes
from .request import Padding
from .text import fit, html_pre, ints

__all__ = ["LayerSpec", "StackedLayers", "parse_layers", "stacked"]

#: One layer: ``(kernel_size, stride)`` or ``(kernel_size, stride, padding)``.
LayerSpec = tuple[int, int] | tuple[int, int, Padding]


@dataclass(frozen=True)
class StackedLayers:
    """Path counts through stacked transposed convolutions and through resize-convolutions.

    Attributes
    ----------
    length : int
        Input length.
    geometries : tuple of deconv1d.shapes.Geometry
        One per transposed-convolution layer.
    counts : tuple of ndarray of int
        ``counts[0]`` is ones ``(L,)``; ``counts[l]`` the number of paths from the
        input to each output of layer ``l`` (the output for ones everywhere).
    interiors : tuple of range
        ``interiors[l]``: outputs of layer ``l`` whose every path stays away from
        the edges of every layer (``interiors[0]`` is the whole input).
    resize_counts : tuple of ndarray of int
        The same for resize-then-convolve: each layer repeats every sample
        ``stride`` times (nearest neighbour) and then applies a stride-1
        ``'same'`` convolution with ``kernel_size`` taps.
    resize_interiors : tuple of range
    """

    length: int
    geometries: tuple[shapes.Geometry, ...]
    counts: tuple[npt.NDArray[np.int64], ...]
    interiors: tuple[range, ...]
    resize_counts: tuple[npt.NDArray[np.int64], ...]
    resize_interiors: tuple[range, ...]

    def even(self, layer: int, resize: bool = False) -> bool:
        """True when the interior counts after ``layer`` (1-based) are all equal."""
        counts = (self.resize_counts if resize else self.counts)[layer]
        inside = (self.resize_interiors if resize else self.interiors)[layer]
        values = counts[inside.start:inside.stop]
        return len(set(values.tolist())) <= 1

    def __str__(self) -> str:
        lines = ["Stacked layers (Odena, Dumoulin and Olah, Distill 2016): paths from the "
                 f"input reach each output; L = {self.length}.",
                 "A count is the output for an input of ones and kernels of ones.", "",
                 "Transposed convolutions:"]
        lines += self._rows(False)
        lines += ["", "Resize, then convolve (nearest-neighbour x s, then a stride-1 'same' "
                      "convolution of K taps):"]
        lines += self._rows(True)
        last = len(self.geometries)
        lines += ["", "After the last layer: transposed convolutions "
                  + ("even" if self.even(last) else "UNEVEN") + "; resize-convolution "
                  + ("even" if self.even(last, resize=True) else "UNEVEN")
                  + " (away from the edges)."]
        return fit("\n".join(lines))

    def _rows(self, resize: bool) -> list[str]:
        counts = self.resize_counts if resize else self.counts
        interiors = self.resize_interiors if resize else self.interiors
        lines = []
        for n, g in enumerate(self.geometries, start=1):
            head = f"  layer {n}: K={g.kernel_size}, s={g.stride}"
            if not resize:
                head += f", padding={g.padding!r}"
            lines.append(f"{head}: {len(counts[n - 1])} -> {len(counts[n])}, counts "
                         f"{ints(counts[n])}")
            inside = interiors[n]
            values = counts[n][inside.start:inside.stop]
            if len(values):
                low, high = int(values.min()), int(values.max())
                verdict = (f"even ({low})" if low == high else
                           f"UNEVEN ({low} to {high}, ratio {high / max(low, 1):.3g})")
                lines.append(f"    interior {inside.start}..{inside.stop - 1}: {verdict}")
            else:
                lines.append("    (no output is away from every edge)")
        return lines

    def _repr_html_(self) -> str:
        return html_pre(str(self))


def parse_layers(text: str) -> list[LayerSpec]:
    """``"3,2;3,2;4,2"`` (``kernel,stride[,padding]`` per layer) as a list of tuples.

    ``padding`` is ``valid``, ``same`` or an int.

    Examples
    --------
    >>> parse_layers("3,2;3,2,same;4,2,1")
    [(3, 2), (3, 2, 'same'), (4, 2, 1)]
    """
    layers: list[LayerSpec] = []
    for part in text.split(";"):
        fields = [f.strip() for f in part.split(",")]
        try:
            kernel, stride = int(fields[0]), int(fields[1])
            if len(fields) == 2:
                layers.append((kernel, stride))
            elif len(fields) == 3:
                word = fields[2].lower()
                layers.append((kernel, stride, word if word in ("valid", "same") else int(word)))
            else:
                raise ValueError(part)
        except (ValueError, IndexError):
            raise ValueError(
                "`layers` must be 'kernel,stride[,padding]' per layer, separated by ';' "
                f"(padding valid, same or an int). Received: layers={text!r}") from None
    return layers


def _margins(margin: int, g: shapes.Geometry, length: int) -> tuple[int, range]:
    """The edge margin in full-scatter positions after ``g`` and the output interior."""
    margin = margin * g.stride + g.effective_kernel - 1
    start, stop = max(margin - g.crop_left, 0), g.output_length - max(margin - g.crop_right, 0)
    return margin, range(start, max(stop, start))


def stacked(length: int, layers: Sequence[LayerSpec]) -> StackedLayers:
    """Path counts through stacked transposed convolutions and their resize-convolution twins.

    Parameters
    ----------
    length : int
        Input length ``L``.
    layers : sequence of (kernel_size, stride) or (kernel_size, stride, padding)
        One transposed convolution each (``padding`` as in
        :func:`deconv1d.explain.shape`, default ``'valid'``).  The resize twin
        of a layer repeats each sample ``stride`` times and convolves with
        ``kernel_size`` taps, stride 1, ``'same'``.

    Returns
    -------
    StackedLayers

    References
    ----------
    A. Odena, V. Dumoulin and C. Olah, "Deconvolution and Checkerboard Artifacts",
    Distill, 2016 (the stacked diagram and the resize-convolution fix).

    Examples
    --------
    >>> s = stacked(5, [(3, 2), (3, 2), (3, 1)])     # the Distill diagram
    >>> s.counts[1].tolist()
    [1, 1, 2, 1, 2, 1, 2, 1, 2, 1, 1]
    >>> s.even(3), s.even(3, resize=True)
    (False, True)
    """
    length = shapes.check_int("length", length, minimum=1)
    if not layers:
        raise ValueError(f"`layers` must name at least one layer. Received: layers={layers!r}")
    geometries, counts, interiors = [], [np.ones(length)], [range(length)]
    resize, resize_interiors = [np.ones(length)], [range(length)]
    margin = resize_margin = 0
    for spec in layers:
        kernel, stride, *rest = spec
        padding = rest[0] if rest else "valid"
        g = shapes.geometry(len(counts[-1]), kernel, stride, padding)
        geometries.append(g)
        y = conv1d_transpose(counts[-1].reshape(1, -1, 1), np.ones((kernel, 1, 1)), stride,
                             g.padding)
        counts.append(y[0, :, 0])
        margin, inside = _margins(margin, g, len(counts[-2]))
        interiors.append(inside)
        up = np.repeat(resize[-1], stride)
        z = conv1d(up.reshape(1, -1, 1), np.ones((kernel, 1, 1)), 1, "same")[0, :, 0]
        resize.append(z)
        resize_margin = resize_margin * stride + kernel - 1
        resize_interiors.append(range(resize_margin, max(len(z) - resize_margin, resize_margin)))
    return StackedLayers(
        length=length, geometries=tuple(geometries),
        counts=tuple(np.rint(c).astype(np.int64) for c in counts), interiors=tuple(interiors),
        resize_counts=tuple(np.rint(c).astype(np.int64) for c in resize),
        resize_interiors=tuple(resize_interiors))
