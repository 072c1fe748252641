"""The connectivity view: which ``(input, tap)`` pairs reach every output.

Input ``i`` and tap ``k`` land on position ``t = i*s + k*d`` of the full scatter,
and output ``o`` is position ``t = o + crop_left``.  :func:`connectivity` lists the
pairs of every output, the overlap counts and the checkerboard pattern
and the weight sums per residue class that decide whether a constant input
ripples (A. Odena, V. Dumoulin and C. Olah, "Deconvolution and Checkerboard
Artifacts", Distill, 2016: uneven overlap makes the artifact likely, the weights
decide it); :func:`inputs_of` answers for one output.

Examples
--------
>>> inputs_of(2, 3, 3, stride=2, padding="same").pairs
((0, 2), (1, 0))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..core import geometry as shapes
from .request import (Padding, channel_arrays, check_listed, describe, setup,
                      transposed_channels)
from .text import COLUMNS, fit, floats, html_pre, ints, signed_float

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

    def _repr_html_(self) -> str:
        return html_pre(str(self))


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
    uneven_overlap : bool
        True when ``residue_counts`` are uneven (for ``d = 1``: ``K % s != 0``).
        This is geometry only: whether an output ripples depends on the weights
        (``residue_sums``).
    interior : range
        Outputs away from both edges, where every residue gets all its taps.
    x : ndarray, shape (N, L, C_in), or None
    w : ndarray, shape (K, C_out, C_in), or None
        The numbers given (``None``: the view is symbolic only).
    values : tuple of tuple of float, or None
        ``values[o][j]``: the product ``x_i*w_k`` of ``pairs[o][j]`` for sample 0
        and output channel 0 (summed over the input channels).
    y : ndarray, shape (L_out,), or None
        ``conv1d_transpose(x, w)`` for sample 0, output channel 0: ``sum(values[o])``.
    residue_sums : ndarray, shape (s, C_out), or None
        The sum of the weights on each residue class: ``residue_sums[r, f]`` is
        the sum of ``w[k, f, c]`` over the taps with ``k*d % s == r`` and over
        the input channels.  Away from the edges a constant input ``c`` gives
        ``y[o, f] = c * residue_sums[(o + crop_left) % s, f]``.
    """

    geometry: shapes.Geometry
    request: str
    pairs: tuple[tuple[tuple[int, int], ...], ...]
    counts: npt.NDArray[np.int64]
    residue_counts: tuple[int, ...]
    uneven_overlap: bool
    interior: range
    x: npt.NDArray[np.float64] | None = None
    w: npt.NDArray[np.float64] | None = None
    values: tuple[tuple[float, ...], ...] | None = None
    y: npt.NDArray[np.float64] | None = None
    residue_sums: npt.NDArray[np.float64] | None = None

    @property
    def checkerboard(self) -> bool:
        """Same as ``uneven_overlap`` (the older name; the ripple depends on the weights)."""
        return self.uneven_overlap

    @property
    def ripples(self) -> bool | None:
        """Whether a constant input ripples away from the edges (``None``: no weights given).

        True when the weight sums of the residue classes differ (in some output
        channel), whatever the overlap counts.
        """
        if self.residue_sums is None:
            return None
        return _unequal(self.residue_sums)

    def sources(self, output: int) -> OutputSources:
        """The :class:`OutputSources` of one output."""
        output = _check_output(self.geometry, output)
        return OutputSources(self.geometry, output, self.pairs[output])

    def __str__(self) -> str:
        g = self.geometry
        lines = ["Connectivity", f"  {self.request}",
                 "  input i, tap k -> output o when o + crop_left = i*s + k*d,",
                 f"  here o + {g.crop_left} = {g.stride}*i + {g.dilation}*k", ""]
        if self.values is not None:
            lines += _number_lines(self)
        width = max([len(" + ".join(f"x{i}*w{k}" for i, k in p)) for p in self.pairs] + [5])
        width = min(width, COLUMNS - 20)
        lines.append(f"  {'output':<7} {'sum':<{width}}  count")
        for o, pairs in enumerate(self.pairs):
            terms = " + ".join(f"x{i}*w{k}" for i, k in pairs) or "0"
            if len(terms) > width:
                terms = terms[:width - 3] + "..."
            lines.append(f"  y{o:<6} {terms:<{width}}  {len(pairs)}")
            if self.values is not None and self.y is not None:
                numbers = _products(self, o)
                if len(numbers) > width:
                    numbers = numbers[:width - 3] + "..."
                lines.append(f"  {'':<7} {numbers:<{width}}  = {self.y[o]:g}")
        lines += ["", f"Overlap counts: {ints(self.counts)}"]
        lines += _overlap_text(self)
        return fit("\n".join(lines))

    def _repr_html_(self) -> str:
        return html_pre(str(self))


def _products(c: Connectivity, o: int) -> str:
    """Output ``o``'s sum with your numbers: factors for one channel, products otherwise."""
    assert c.x is not None and c.w is not None and c.values is not None
    if c.x.shape[0] == c.x.shape[2] == c.w.shape[1] == 1:
        return " + ".join(f"{c.x[0, i, 0]:g}*{signed_float(c.w[k, 0, 0])}"
                          for i, k in c.pairs[o]) or "0"
    return " + ".join(signed_float(v) for v in c.values[o]) or "0"


def _unequal(sums: npt.NDArray[np.float64]) -> bool:
    """True when the rows of ``sums`` (residue classes) differ beyond rounding."""
    scale = max(float(np.abs(sums).max(initial=0.0)), 1.0)
    return bool(np.any(np.abs(sums - sums[:1]) > 1e-12 * scale))


def _number_lines(c: Connectivity) -> list[str]:
    assert c.x is not None and c.w is not None
    n, _, c_in = c.x.shape
    c_out = c.w.shape[1]
    if (n, c_in, c_out) == (1, 1, 1):
        return [f"  with x = {floats(c.x[0, :, 0])}, w = {floats(c.w[:, 0, 0])}:", ""]
    return [f"  with your x {c.x.shape} and w {c.w.shape}: sample 0, output channel 0;",
            f"  x_i*w_k is the sum over the {c_in} input channel{'s' * (c_in != 1)} of "
            "x[0, i, c]*w[k, 0, c]", ""]


def _overlap_text(c: Connectivity) -> list[str]:
    g = c.geometry
    K, s, d = g.kernel_size, g.stride, g.dilation
    groups = {r: [k for k in range(K) if (k * d) % s == r] for r in range(s)}
    if s == 1:
        if len(c.interior):
            return [f"Uneven overlap: no. With stride 1 the outputs away from the edges "
                    f"({c.interior.start}..{c.interior.stop - 1}) each get all K = {K} taps."]
        return [f"Uneven overlap: no (stride 1), but no output is away from both edges: "
                f"each gets fewer than K = {K} taps (L = {g.length} < dk = "
                f"{g.effective_kernel})."]
    lines = []
    pattern = " ".join(str(n) for n in c.residue_counts)
    if c.uneven_overlap:
        why = (f"K = {K} is not a multiple of s = {s}" if d == 1 else
               f"the taps k*d = k*{d} do not cover the residues mod {s} evenly")
        lines.append(f"Uneven overlap: YES, {why}.")
    else:
        lines.append(f"Uneven overlap: no, every residue mod s = {s} gets "
                     f"{c.residue_counts[0]} taps.")
    lines.append(f"  Away from the edges the counts repeat with period s = {s}: [{pattern}]")
    lines.append(f"  for t % {s} = " + ", ".join(map(str, range(s)))
                 + " (t = o + crop_left): tap k lands on t % s = k*d % s,")
    lines.append("  " + "; ".join(
        f"{r} <- " + (f"tap{'s' * (len(groups[r]) != 1)} {','.join(map(str, groups[r]))}"
                      if groups[r] else "no tap")
        for r in range(s)) + ".")
    lines.append("  The counts do not decide the checkerboard artifact (Odena et al., Distill "
                 "2016): the sum of the weights on each residue class does. A constant "
                 "input c gives c * (that sum) away from the edges.")
    if c.residue_sums is None:
        lines.append("  With equal weights the sums follow the counts"
                     + (", so the output ripples" if c.uneven_overlap else
                        ", so the interior is flat")
                     + "; other weights can "
                     + ("cancel it (equal sums on every class)." if c.uneven_overlap else
                        "still ripple (unequal sums).")
                     + " Give --w (or w=) to see the sums.")
    else:
        sums = c.residue_sums[:, 0]
        lines.append(f"  Weight sums per residue r = 0..{s - 1}"
                     + (" (output channel 0)" if c.residue_sums.shape[1] > 1 else "")
                     + f": {floats(sums)}: "
                     + ("unequal, so a constant input ripples (checkerboard)."
                        if _unequal(sums) else
                        "equal, so a constant input gives a flat interior"
                        + (" despite the uneven overlap." if c.uneven_overlap else ".")))
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
                 output_padding: int | None = None, dilation: int = 1, *,
                 x: npt.ArrayLike | None = None,
                 w: npt.ArrayLike | None = None) -> Connectivity:
    """For each output, the ``(input, tap)`` pairs reaching it; overlap counts; ripple.

    Parameters
    ----------
    length, kernel_size, stride, padding, output_padding, dilation
        As :func:`deconv1d.explain.shape`.
    x : array_like, shape (L,), (L, C_in) or (N, L, C_in), optional
    w : array_like, shape (K,) or (K, C_out, C_in), optional
        Your numbers: each sum is then written out with values, and the weight
        sums per residue class (what decides the ripple) are shown.  Giving only
        one of them uses ``1..L`` or ``1..K`` for the other.

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
    >>> c.counts.tolist(), c.uneven_overlap
    ([1, 1, 2, 1, 2, 1], True)
    >>> connectivity(5, 4, stride=2).uneven_overlap
    False
    >>> flat = connectivity(5, 3, stride=2, w=[0.5, 1, 0.5])   # uneven overlap, no ripple
    >>> flat.residue_sums[:, 0].tolist(), flat.ripples
    ([1.0, 1.0], False)
    """
    g, kind = setup(length, kernel_size, stride, padding, output_padding, dilation)
    check_listed(g, "connectivity")
    s, d, K = g.stride, g.dilation, g.kernel_size
    pairs = [_pairs(g, o) for o in range(g.output_length)]
    counts = np.array([len(p) for p in pairs], dtype=np.int64)
    taps_per_residue = [0] * s
    for k in range(K):
        taps_per_residue[(k * d) % s] += 1
    residue = tuple(taps_per_residue)
    first = max(g.effective_kernel - 1 - g.crop_left, 0)
    stop = min((g.length - 1) * s - g.crop_left + 1, g.output_length)
    numbers: dict[str, Any] = {}
    if x is not None or w is not None:
        x3, w3 = channel_arrays(g, x, w)
        products = np.einsum("ic,kc->ik", x3[0], w3[:, 0, :])
        numbers = {"x": x3, "w": w3,
                   "values": tuple(tuple(float(products[i, k]) for i, k in p) for p in pairs),
                   "y": transposed_channels(g, x3, w3)[0, :, 0],
                   "residue_sums": np.array([w3[[k for k in range(K) if (k * d) % s == r]]
                                             .sum(axis=(0, 2)) for r in range(s)])}
    return Connectivity(geometry=g, request=describe(g, kind), pairs=tuple(pairs),
                        counts=counts, residue_counts=residue,
                        uneven_overlap=len(set(residue)) > 1,
                        interior=range(first, max(stop, first)), **numbers)


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
    g, _ = setup(length, kernel_size, stride, padding, output_padding, dilation)
    output = _check_output(g, output)
    return OutputSources(g, output, _pairs(g, output))


def _pairs(g: shapes.Geometry, output: int) -> tuple[tuple[int, int], ...]:
    """The ``(input, tap)`` pairs reaching ``output``, by input: ``i*s + k*d == o + crop_left``.

    One pass over the taps (``O(K)``), so the whole connectivity costs ``O(L_out * K)``.
    """
    t = output + g.crop_left
    found = []
    for k in range(g.kernel_size):
        j = t - k * g.dilation
        if j % g.stride == 0 and 0 <= j // g.stride < g.length:
            found.append((j // g.stride, k))
    return tuple(sorted(found))
