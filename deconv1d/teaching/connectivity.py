"""The connectivity view: which ``(input, tap)`` pairs reach every output.

Input ``i`` and tap ``k`` land on position ``t = i*s + k*d`` of the full scatter,
and output ``o`` is position ``t = o + crop_left``.  :func:`connectivity` lists the
pairs of every output, the overlap counts and the checkerboard pattern
(A. Odena, V. Dumoulin and C. Olah, "Deconvolution and Checkerboard Artifacts",
Distill, 2016); :func:`inputs_of` answers for one output.

Examples
--------
>>> inputs_of(2, 3, 3, stride=2, padding="same").pairs
((0, 2), (1, 0))
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..core import geometry as shapes
from .request import Padding, describe, setup
from .text import COLUMNS, fit, ints

__all__ = ["Connectivity", "OutputSources", "connectivity", "inputs_of"]


@dataclass(frozen=True)
class OutputSources:
    """The inputs feeding one output: ``y[o] = sum of x[i] * w[k]`` over ``pairs``.

    Attributes
    ----------
    geometry : deconv1d.shapes.Geometry
    output : int
    pairs : tuple of (int, int)
        ``(input i, tap k)`` with ``o + crop_left == i*s + k*d``.
    """

    geometry: shapes.Geometry
    output: int
    pairs: tuple[tuple[int, int], ...]

    @property
    def inputs(self) -> tuple[int, ...]:
        """The input indices, in increasing order."""
        return tuple(i for i, _ in self.pairs)

    def __str__(self) -> str:
        g, o = self.geometry, self.output
        t = o + g.crop_left
        if not self.pairs:
            why = ("past the full scatter (an appended zero)" if t >= g.full_length else
                   "no tap lands there")
            return f"y{o} = 0 (+ bias): no input feeds it, {why}."
        terms = " + ".join(f"x{i}*w{k}" for i, k in self.pairs)
        n = len(self.pairs)
        lines = [f"y{o} = {terms}",
                 f"  {n} input{'s' * (n != 1)} feed{'s' * (n == 1)} output {o}: "
                 + ", ".join(f"x{i} through tap {k}" for i, k in self.pairs)]
        lines += [f"  position t = o + crop_left = {o} + {g.crop_left} = {t} = i*s + k*d:"
                  f" " + ", ".join(f"{i}*{g.stride} + {k}*{g.dilation}" for i, k in self.pairs)]
        return fit("\n".join(lines))


@dataclass(frozen=True)
class Connectivity:
    """Which ``(input, tap)`` pairs reach every output, and the overlap counts.

    Attributes
    ----------
    geometry : deconv1d.shapes.Geometry
    request : str
    pairs : tuple of tuple of (int, int)
        ``pairs[o]``: the ``(i, k)`` with ``o + crop_left == i*s + k*d``.
    counts : ndarray of int, shape (L_out,)
        ``len(pairs[o])``: how many products are summed into output ``o``.
    residue_counts : tuple of int, length s
        Taps landing on each residue ``t % s`` of the full scatter: the counts
        away from the edges repeat with this period.
    checkerboard : bool
        True when ``residue_counts`` are uneven (for ``d = 1``: ``K % s != 0``).
    interior : range
        Outputs away from both edges, where every residue gets all its taps.
    """

    geometry: shapes.Geometry
    request: str
    pairs: tuple[tuple[tuple[int, int], ...], ...]
    counts: npt.NDArray[np.int64]
    residue_counts: tuple[int, ...]
    checkerboard: bool
    interior: range

    def sources(self, output: int) -> OutputSources:
        """The :class:`OutputSources` of one output."""
        output = _check_output(self.geometry, output)
        return OutputSources(self.geometry, output, self.pairs[output])

    def __str__(self) -> str:
        g = self.geometry
        lines = ["Connectivity", f"  {self.request}",
                 "  input i, tap k -> output o when o + crop_left = i*s + k*d,",
                 f"  here o + {g.crop_left} = {g.stride}*i + {g.dilation}*k", ""]
        width = max([len(" + ".join(f"x{i}*w{k}" for i, k in p)) for p in self.pairs] + [5])
        width = min(width, COLUMNS - 20)
        lines.append(f"  {'output':<7} {'sum':<{width}}  count")
        for o, pairs in enumerate(self.pairs):
            terms = " + ".join(f"x{i}*w{k}" for i, k in pairs) or "0"
            if len(terms) > width:
                terms = terms[:width - 3] + "..."
            lines.append(f"  y{o:<6} {terms:<{width}}  {len(pairs)}")
        lines += ["", f"Overlap counts: {ints(self.counts)}"]
        lines += _checkerboard_text(self)
        return fit("\n".join(lines))


def _checkerboard_text(c: Connectivity) -> list[str]:
    g = c.geometry
    K, s, d = g.kernel_size, g.stride, g.dilation
    groups = {r: [k for k in range(K) if (k * d) % s == r] for r in range(s)}
    if s == 1:
        return [("Checkerboard: no. With stride 1 every position gets all K taps away "
                 "from the edges.")]
    lines = []
    pattern = " ".join(str(n) for n in c.residue_counts)
    if c.checkerboard:
        why = (f"K = {K} is not a multiple of s = {s}" if d == 1 else
               f"the taps k*d = k*{d} do not cover the residues mod {s} evenly")
        lines.append(f"Checkerboard: YES, {why}.")
    else:
        lines.append(f"Checkerboard: no, every residue mod s = {s} gets "
                     f"{c.residue_counts[0]} taps.")
    lines.append(f"  Away from the edges the counts repeat with period s = {s}: [{pattern}]")
    lines.append(f"  for t % {s} = " + ", ".join(map(str, range(s)))
                 + " (t = o + crop_left): tap k lands on t % s = k*d % s,")
    lines.append("  " + "; ".join(
        f"{r} <- " + (f"tap{'s' * (len(groups[r]) != 1)} {','.join(map(str, groups[r]))}"
                      if groups[r] else "no tap")
        for r in range(s)) + ".")
    if c.checkerboard:
        lines.append("  Outputs on richer residues sum more products, so even a constant "
                     "input gives a periodic ripple: the checkerboard artifact (Odena et al., "
                     "Distill 2016).")
        if 0 in c.residue_counts:
            lines.append("  Some residues get no tap at all: those outputs are always 0 "
                         "(+ bias).")
    if len(c.interior):
        lines.append(f"  Interior outputs {c.interior.start}..{c.interior.stop - 1}: "
                     f"{ints(c.counts[c.interior.start:c.interior.stop])}")
    else:
        lines.append("  (No output is far enough from both edges to show the full pattern.)")
    return lines


def _check_output(g: shapes.Geometry, output: int) -> int:
    output = shapes.check_int("output", output, minimum=0)
    if output >= g.output_length:
        raise ValueError(
            f"`output` must be < the output length {g.output_length}. "
            f"Received: output={output}")
    return output


def connectivity(length: int, kernel_size: int, stride: int = 1, padding: Padding = "valid",
                 output_padding: int | None = None, dilation: int = 1) -> Connectivity:
    """For each output, the ``(input, tap)`` pairs reaching it; overlap counts; checkerboard.

    Parameters are those of :func:`deconv1d.explain.shape`.

    Returns
    -------
    Connectivity

    References
    ----------
    arXiv:1603.07285, section 4; Odena, Dumoulin and Olah, "Deconvolution and
    Checkerboard Artifacts", Distill 2016.

    Examples
    --------
    >>> c = connectivity(3, 3, stride=2, padding="same")
    >>> c.pairs[2]
    ((0, 2), (1, 0))
    >>> c.counts.tolist(), c.checkerboard
    ([1, 1, 2, 1, 2, 1], True)
    >>> connectivity(5, 4, stride=2).checkerboard
    False
    """
    g, kind = setup(length, kernel_size, stride, padding, output_padding, dilation)
    s, d, K = g.stride, g.dilation, g.kernel_size
    pairs = []
    for o in range(g.output_length):
        t = o + g.crop_left
        pairs.append(tuple((i, k) for i in range(g.length) for k in range(K)
                           if i * s + k * d == t))
    counts = np.array([len(p) for p in pairs], dtype=np.int64)
    residue = tuple(sum(1 for k in range(K) if (k * d) % s == r) for r in range(s))
    first = max(g.effective_kernel - 1 - g.crop_left, 0)
    stop = min((g.length - 1) * s - g.crop_left + 1, g.output_length)
    return Connectivity(geometry=g, request=describe(g, kind), pairs=tuple(pairs),
                        counts=counts, residue_counts=residue,
                        checkerboard=len(set(residue)) > 1,
                        interior=range(first, max(stop, first)))


def inputs_of(output: int, length: int, kernel_size: int, stride: int = 1,
              padding: Padding = "valid", output_padding: int | None = None,
              dilation: int = 1) -> OutputSources:
    """Which inputs feed output ``output``, through which taps.

    Parameters
    ----------
    output : int
        Output position ``o``, ``0 <= o < L_out``.
    length, kernel_size, stride, padding, output_padding, dilation
        As :func:`deconv1d.explain.shape`.

    Returns
    -------
    OutputSources

    Examples
    --------
    >>> print(inputs_of(5, 4, 3, stride=2, padding="same"))
    y5 = x2*w1
      1 input feeds output 5: x2 through tap 1
      position t = o + crop_left = 5 + 0 = 5 = i*s + k*d: 2*2 + 1*1
    """
    return connectivity(length, kernel_size, stride, padding, output_padding,
                        dilation).sources(output)
