"""Teaching views of one 1-D transposed convolution: shapes, wiring, matrices, pictures.

Give the geometry the way Keras does (``length, kernel_size, stride, padding,
output_padding, dilation``; ``padding`` may also be a PyTorch-style int or an
ONNX-style pair of crops) and each function returns a small data object whose
``str()`` is meant for people and whose attributes are meant for notebooks and
tests:

- :func:`shape`: the length arithmetic, line by line with the numbers put in, the
  Relationship of the guide it is, and how Keras, PyTorch and ONNX are asked for it;
- :func:`connectivity`: which ``(input i, tap k)`` pairs reach every output, the
  overlap counts and the checkerboard pattern; :func:`inputs_of` for one output;
- :func:`matrices`: ``C`` and ``C^T`` with symbolic entries, checked numerically;
- :func:`direct`: the equivalent stride-1 convolution (zero insertion, padding,
  flipped kernel), checked numerically;
- :func:`draw`: a strip drawing for an 80-column terminal;
- :func:`explain`: all of the above.

Pictures with matplotlib live in :mod:`deconv1d.teaching.plot`.

The one fact behind every view: input ``i`` and tap ``k`` land on position
``t = i*s + k*d`` of the full scatter, and output ``o`` is position
``t = o + crop_left``.

References
----------
V. Dumoulin and F. Visin, "A guide to convolution arithmetic for deep learning",
arXiv:1603.07285, section 4 (Relationships 8-14) and Relationship 15 (dilation).
A. Odena, V. Dumoulin and C. Olah, "Deconvolution and Checkerboard Artifacts",
Distill, 2016.
"""

from __future__ import annotations

import math
import numbers
import textwrap
from dataclasses import dataclass

import numpy as np

from .. import reference
from ..core import geometry as shapes
from ..core.transpose import conv1d_transpose
from .arguments import FrameworkCall, framework_calls

__all__ = [
    "Connectivity",
    "Direct",
    "Drawing",
    "Explanation",
    "FrameworkCall",
    "Matrices",
    "OutputSources",
    "Relationship",
    "ShapeWalkthrough",
    "Step",
    "connectivity",
    "direct",
    "draw",
    "eval_relationship",
    "explain",
    "inputs_of",
    "matrices",
    "shape", "COLUMNS", "MAX_SYMBOLIC_OUTPUTS", "MAX_SYMBOLIC_INPUTS"]

#: Width of the terminal the text views are laid out for.
from .arguments import COLUMNS  # noqa: E402  (one width for every view)


# --------------------------------------------------------------------------- #
# Small helpers.                                                              #
# --------------------------------------------------------------------------- #
def _n(value):
    """A number as it reads inside a formula: negatives in parentheses."""
    return f"({value})" if value < 0 else str(value)


def _fit(text, columns=COLUMNS):
    """Wrap every line longer than ``columns``, keeping its indentation."""
    out = []
    for line in text.splitlines():
        if len(line) <= columns:
            out.append(line)
            continue
        indent = " " * (len(line) - len(line.lstrip()))
        out += textwrap.wrap(line, width=columns, subsequent_indent=indent,
                             break_long_words=False, break_on_hyphens=False)
    return "\n".join(out)


def _equation(formula, numbers, value):
    """``formula = numbers = value``, leaving out a part that repeats the previous one."""
    parts = [formula]
    for part in (numbers, str(value)):
        if part != parts[-1] and not parts[-1].endswith(f"= {part}"):
            parts.append(part)
    return " = ".join(parts)


def _padding_kind(padding):
    """``'valid'``, ``'same'``, ``'int'`` or ``'pair'`` for an already checked padding."""
    if isinstance(padding, str):
        return padding.lower()
    if isinstance(padding, numbers.Integral):
        return "int"
    return "pair"


def _describe(g, kind):
    """One line naming the request, e.g. ``L=3, K=3, s=2, padding='same', ...``."""
    if kind == "int":
        padding = str(g.padding[0])
    elif kind == "pair":
        padding = str(g.padding)
    else:
        padding = repr(g.padding)
    return (f"L={g.length}, K={g.kernel_size}, s={g.stride}, padding={padding}, "
            f"output_padding={g.output_padding}, d={g.dilation}")


def _setup(length, kernel_size, stride, padding, output_padding, dilation):
    g = shapes.geometry(length, kernel_size, stride, padding, output_padding, dilation)
    return g, _padding_kind(padding)


def _example_arrays(g, x, w):
    """The numbers used by the numeric checks: ``x = 1..L`` and ``w = 1..K`` by default."""
    if x is None:
        x = np.arange(1.0, g.length + 1)
    if w is None:
        w = np.arange(1.0, g.kernel_size + 1)
    x = np.array(x, dtype=np.float64).reshape(-1)
    w = np.array(w, dtype=np.float64).reshape(-1)
    if x.shape != (g.length,):
        raise ValueError(
            f"`x` must have {g.length} samples (the length). Received: x with shape "
            f"{np.shape(x)}")
    if w.shape != (g.kernel_size,):
        raise ValueError(
            f"`w` must have {g.kernel_size} taps (the kernel_size). Received: w with "
            f"shape {np.shape(w)}")
    return x, w


def _fast(g, x, w):
    """``conv1d_transpose`` of one single-channel signal, as a 1-D array."""
    y = conv1d_transpose(x.reshape(1, -1, 1), w.reshape(-1, 1, 1), g.stride,
                         g.padding, g.output_padding, dilation=g.dilation)
    return y[0, :, 0]


def _tap_mark(k):
    """One character per tap: 0-9, then a-z, then '*'."""
    if k < 10:
        return str(k)
    if k < 36:
        return chr(ord("a") + k - 10)
    return "*"


# --------------------------------------------------------------------------- #
# 1. Shape walkthrough.                                                       #
# --------------------------------------------------------------------------- #
@dataclass(frozen=True)
class Step:
    """One line of working: a quantity, its formula, the numbers put in, the value.

    Attributes
    ----------
    name : str
    formula : str
        With symbols, e.g. ``"(K - 1)*d + 1"``.
    numbers : str
        The same formula with the numbers put in, e.g. ``"(3 - 1)*1 + 1"``.
    value : int
    """

    name: str
    formula: str
    numbers: str
    value: int

    def __str__(self):
        return f"{self.name:<17}" + _equation(self.formula, self.numbers, self.value)


@dataclass(frozen=True)
class Relationship:
    """Which Relationship (8-14) of arXiv:1603.07285 a geometry is, with numbers.

    The guide's transposed relationships describe the transpose of a forward
    convolution (kernel ``k``, stride ``s``) padded by the same ``p`` at both ends,
    with ``a = (i + 2p - k) mod s`` extra samples at the end: that is crops
    ``(p, p - a)`` with ``0 <= a < s``.  Other crops are outside Relationships 8-14.

    Attributes
    ----------
    number : int or None
        8 to 14, or ``None`` when the crops are outside the guide's cases.
    name : str
    formula, numbers : str
    value : int
        The output length the formula gives.
    p, a : int or None
        The guide's padding ``p`` and remainder ``a`` (``None`` outside the guide).
    also : tuple of int
        Other relationships that hold too (e.g. for ``K = 1``).
    note : str
    """

    number: object
    name: str
    formula: str
    numbers: str
    value: int
    p: object
    a: object
    also: tuple
    note: str

    def __str__(self):
        head = (f"Relationship {self.number} ({self.name})" if self.number is not None
                else self.name)
        if self.also:
            head += " = Relationship " + " = ".join(str(n) for n in self.also)
        lines = [head, "  " + _equation(self.formula, self.numbers, self.value)]
        lines += [f"  {line}" for line in self.note.splitlines() if line]
        return "\n".join(lines)


_GUIDE = {
    8: ("no zero padding, unit strides, transposed", "o' = i' + (k - 1)"),
    9: ("zero padding, unit strides, transposed", "o' = i' + (k - 1) - 2p"),
    10: ("half (same) padding, transposed", "o' = i'"),
    11: ("full padding, transposed", "o' = i' - (k - 1)"),
    12: ("no zero padding, non-unit strides, transposed", "o' = s(i' - 1) + k"),
    13: ("zero padding, non-unit strides, transposed", "o' = s(i' - 1) + k - 2p"),
    14: ("zero padding, non-unit strides, transposed", "o' = s(i' - 1) + a + k - 2p"),
}


def _relationship(g):
    i, k, s = g.length, g.effective_kernel, g.stride
    cl, cr = g.crop_left, g.crop_right
    a = cl - cr
    dil = ("" if g.dilation == 1 else
           f"k is the dilated span dk = {k} (Relationship 15); the guide states "
           "8-14 for d=1.\n")
    if 0 <= a < s:
        p = cl
        if s == 1:
            matches = [n for n, ok in ((8, p == 0), (10, k % 2 == 1 and p == (k - 1) // 2),
                                       (11, p == k - 1)) if ok] or [9]
        else:
            matches = [12] if (a == 0 and p == 0) else [13] if a == 0 else [14]
        number = matches[0]
        numbers_text = {
            8: f"{i} + ({k} - 1)",
            9: f"{i} + ({k} - 1) - 2*{p}",
            10: f"{i}",
            11: f"{i} - ({k} - 1)",
            12: f"{s}*({i} - 1) + {k}",
            13: f"{s}*({i} - 1) + {k} - 2*{p}",
            14: f"{s}*({i} - 1) + {a} + {k} - 2*{p}",
        }[number]
        note = (f"with i' = L = {i}, k = dk = {k}, s = {s}, p = crop_left = {p}"
                + (f", a = crop_left - crop_right = {a}" if s > 1 else "") + ".\n")
        note += dil
        o = g.output_length
        note += (f"Check: C (kernel {k}, stride {s}, padding {p} at both ends) maps "
                 f"o' = {o} back to floor(({o} + 2*{p} - {k})/{s}) + 1 = "
                 f"{(o + 2 * p - k) // s + 1} = L.")
        if p > k - 1:
            note += (f"\np = {p} > k - 1 = {k - 1}: beyond the guide's range (its direct "
                     f"form pads k - p - 1 = {k - p - 1} < 0, i.e. crops).")
        return Relationship(number=number, name=_GUIDE[number][0],
                            formula=_GUIDE[number][1], numbers=numbers_text,
                            value=eval_relationship(number, i, k, s, p, a),
                            p=p, a=a, also=tuple(matches[1:]), note=note)
    formula = "o' = s(i' - 1) + k - p_left - p_right"
    numbers_text = f"{s}*({i} - 1) + {k} - {_n(cl)} - {_n(cr)}"
    if a < 0:
        note = (f"Not one of Relationships 8-14: they crop p at both ends plus a < s "
                f"at the end, i.e. crop_left >= crop_right; here ({cl}, {cr}). This is "
                f"C^T of a forward convolution padded (p_left, p_right) = ({cl}, {cr})"
                + (" (odd padding at the end, as TensorFlow's 'SAME' does)" if cr == cl + 1
                   else "") + ".\n")
        o = g.output_length
        note += dil
        note += (f"Check: C maps o' = {o} back to floor(({o} + {cl} + {cr} - {k})/{s}) + 1 = "
                 f"{(o + cl + cr - k) // s + 1} = L.")
    else:
        note = (f"Not one of Relationships 8-14: a = crop_left - crop_right = {a} >= s = {s}"
                ", and the guide has 0 <= a < s.\n" + dil)
    return Relationship(number=None, name="asymmetric crop, outside the guide",
                        formula=formula, numbers=numbers_text,
                        value=(i - 1) * s + k - cl - cr, p=None, a=None, also=(),
                        note=note.rstrip("\n"))


def eval_relationship(number, i, k, s, p, a):
    """Output length by the guide's Relationship ``number`` (8-14).

    Parameters
    ----------
    number : int
        8 to 14.
    i, k, s, p, a : int
        The guide's ``i'`` (input length of the transposed convolution), kernel
        span ``k``, stride ``s``, padding ``p`` and remainder ``a``.

    Returns
    -------
    int
        ``o'``.

    References
    ----------
    arXiv:1603.07285, Relationships 8-14.

    Examples
    --------
    >>> eval_relationship(14, i=3, k=3, s=2, p=1, a=1)   # PyTorch padding=1, output_padding=1
    6
    """
    return {
        8: lambda: i + (k - 1),
        9: lambda: i + (k - 1) - 2 * p,
        10: lambda: i,
        11: lambda: i - (k - 1),
        12: lambda: s * (i - 1) + k,
        13: lambda: s * (i - 1) + k - 2 * p,
        14: lambda: s * (i - 1) + a + k - 2 * p,
    }[number]()


@dataclass(frozen=True)
class ShapeWalkthrough:
    """The length arithmetic of one transposed convolution, with the working shown.

    Attributes
    ----------
    geometry : deconv1d.shapes.Geometry
    request : str
        The arguments as one line.
    steps : tuple of Step
        Effective kernel, full length, output length, left crop, right crop.
    relationship : Relationship
    frameworks : tuple of FrameworkCall
        Keras, PyTorch, ONNX.
    """

    geometry: shapes.Geometry
    request: str
    steps: tuple
    relationship: Relationship
    frameworks: tuple

    def step(self, name):
        """The :class:`Step` called ``name``."""
        for s in self.steps:
            if s.name == name:
                return s
        raise KeyError(name)

    def framework(self, name):
        """The :class:`FrameworkCall` of ``name`` (``"Keras"``, ``"PyTorch"``, ``"ONNX"``)."""
        for f in self.frameworks:
            if f.framework.lower() == name.lower():
                return f
        raise KeyError(name)

    def __str__(self):
        g = self.geometry
        lines = ["Shape walkthrough", f"  {self.request}", ""]
        lines += [f"  {s}" for s in self.steps]
        if g.crop_right < 0:
            lines.append(f"  {'':<16} (negative: {-g.crop_right} zero"
                         f"{'s' * (g.crop_right != -1)} appended at the end)")
        lines += ["", "Guide (arXiv:1603.07285):"]
        lines += [f"  {line}" for line in str(self.relationship).splitlines()]
        lines += ["", "Frameworks:"]
        for f in self.frameworks:
            lines += [f"  {line}" for line in str(f).splitlines()]
        lines.append("  PyTorch and ONNX weights: the Keras kernel w.transpose(2, 1, 0).")
        return _fit("\n".join(lines))


def _length_steps(g, kind):
    L, K, s, d = g.length, g.kernel_size, g.stride, g.dilation
    dk, op, full = g.effective_kernel, g.output_padding, g.full_length
    steps = [
        Step("effective kernel", "dk = (K - 1)*d + 1", f"({K} - 1)*{d} + 1", (K - 1) * d + 1),
        Step("full length", "full = (L - 1)*s + dk", f"({L} - 1)*{s} + {dk}", (L - 1) * s + dk),
    ]
    if kind == "valid" and op is None:
        out = Step("output length", "L*s + max(dk - s, 0)", f"{L}*{s} + max({dk} - {s}, 0)",
                   L * s + max(dk - s, 0))
        left = Step("left crop", "0 (valid)", "0", 0)
    elif kind == "valid":
        out = Step("output length", "full + op", f"{full} + {op}", full + op)
        left = Step("left crop", "0 (valid)", "0", 0)
    elif kind == "same" and op is None:
        out = Step("output length", "L*s (same)", f"{L}*{s}", L * s)
        left = Step("left crop", "max(dk - s, 0) // 2", f"max({dk} - {s}, 0) // 2",
                    max(dk - s, 0) // 2)
    elif kind == "same":
        out = Step("output length", "(L - 1)*s + dk % 2 + op", f"({L} - 1)*{s} + {dk} % 2 + {op}",
                   (L - 1) * s + dk % 2 + op)
        left = Step("left crop", "max(dk // 2 - ceil(op / 2), 0)",
                    f"max({dk} // 2 - ceil({op} / 2), 0)", max(dk // 2 - math.ceil(op / 2), 0))
    elif kind == "int":
        p, q = g.padding[0], op or 0
        out = Step("output length", "full - 2p + op", f"{full} - 2*{p} + {q}", full - 2 * p + q)
        left = Step("left crop", "p", f"{p}", p)
    else:
        (lo, hi), q = g.padding, op or 0
        out = Step("output length", "full - left - right + op", f"{full} - {lo} - {hi} + {q}",
                   full - lo - hi + q)
        left = Step("left crop", "left", f"{lo}", lo)
    right = Step("right crop", "full - left crop - output length",
                 f"{full} - {left.value} - {out.value}", full - left.value - out.value)
    return tuple(steps + [out, left, right])


def shape(length, kernel_size, stride=1, padding="valid", output_padding=None, dilation=1):
    """The shape walkthrough: every length of the operation, formula and numbers.

    Parameters
    ----------
    length : int
        Input length ``L``.
    kernel_size : int
        Number of taps ``K``.
    stride : int, default 1
    padding : {"valid", "same"} or int or (int, int), default "valid"
        Keras words, a PyTorch-style int ``p`` or explicit ``(left, right)`` crops.
    output_padding : int or None, default None
    dilation : int, default 1

    Returns
    -------
    ShapeWalkthrough
        ``str()`` of it is the walkthrough for people.

    References
    ----------
    arXiv:1603.07285, Relationships 8-14 (and 15 for the dilated span).

    Examples
    --------
    >>> w = shape(3, 3, stride=2, padding="same")
    >>> print(w.step("output length"))
    output length    L*s (same) = 3*2 = 6
    >>> w.relationship.number is None       # crops (0, 1): not in the guide
    True
    >>> w.framework("PyTorch").expressible
    False
    >>> shape(3, 4, stride=2, padding="same").framework("PyTorch").call
    'ConvTranspose1d(C_in, C_out, 4, stride=2, padding=1, output_padding=0)'
    """
    g, kind = _setup(length, kernel_size, stride, padding, output_padding, dilation)
    steps = _length_steps(g, kind)
    frameworks = framework_calls(g, kind)
    return ShapeWalkthrough(geometry=g, request=_describe(g, kind), steps=steps,
                            relationship=_relationship(g), frameworks=frameworks)


# --------------------------------------------------------------------------- #
# 2. Connectivity.                                                            #
# --------------------------------------------------------------------------- #
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
    pairs: tuple

    @property
    def inputs(self):
        """The input indices, in increasing order."""
        return tuple(i for i, _ in self.pairs)

    def __str__(self):
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
        return _fit("\n".join(lines))


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
    pairs: tuple
    counts: np.ndarray
    residue_counts: tuple
    checkerboard: bool
    interior: range

    def sources(self, output):
        """The :class:`OutputSources` of one output."""
        output = _check_output(self.geometry, output)
        return OutputSources(self.geometry, output, self.pairs[output])

    def __str__(self):
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
        lines += ["", f"Overlap counts: {_ints(self.counts)}"]
        lines += _checkerboard_text(self)
        return _fit("\n".join(lines))


def _ints(values):
    return "[" + " ".join(str(int(v)) for v in values) + "]"


def _checkerboard_text(c):
    g = c.geometry
    K, s, d = g.kernel_size, g.stride, g.dilation
    groups = {r: [k for k in range(K) if (k * d) % s == r] for r in range(s)}
    if s == 1:
        return ["Checkerboard: no. With stride 1 every position gets all K taps away "
                "from the edges."]
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
                     f"{_ints(c.counts[c.interior.start:c.interior.stop])}")
    else:
        lines.append("  (No output is far enough from both edges to show the full pattern.)")
    return lines


def _check_output(g, output):
    output = shapes.check_int("output", output, minimum=0)
    if output >= g.output_length:
        raise ValueError(
            f"`output` must be < the output length {g.output_length}. "
            f"Received: output={output}")
    return output


def connectivity(length, kernel_size, stride=1, padding="valid", output_padding=None,
                 dilation=1):
    """For each output, the ``(input, tap)`` pairs reaching it; overlap counts; checkerboard.

    Parameters are those of :func:`shape`.

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
    g, kind = _setup(length, kernel_size, stride, padding, output_padding, dilation)
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
    return Connectivity(geometry=g, request=_describe(g, kind), pairs=tuple(pairs),
                        counts=counts, residue_counts=residue,
                        checkerboard=len(set(residue)) > 1,
                        interior=range(first, max(stop, first)))


def inputs_of(output, length, kernel_size, stride=1, padding="valid", output_padding=None,
              dilation=1):
    """Which inputs feed output ``output``, through which taps.

    Parameters
    ----------
    output : int
        Output position ``o``, ``0 <= o < L_out``.
    length, kernel_size, stride, padding, output_padding, dilation
        As :func:`shape`.

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


# --------------------------------------------------------------------------- #
# 3. Matrices.                                                                #
# --------------------------------------------------------------------------- #
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
    taps: np.ndarray
    x: np.ndarray
    w: np.ndarray
    transpose: np.ndarray
    y_matrix: np.ndarray
    y_fast: np.ndarray
    max_abs_difference: float

    @property
    def agree(self):
        """True when ``C^T x`` and the fast path agree to rounding."""
        scale = max(float(np.max(np.abs(self.y_fast), initial=0.0)), 1.0)
        return bool(self.max_abs_difference <= 1e-12 * scale)

    def symbolic(self, forward=False):
        """``C^T`` (or ``C`` when ``forward``) as text, one ``[...]`` row per line."""
        taps = self.taps.T if forward else self.taps
        cells = [[("w" + str(k)) if k >= 0 else "0" for k in row] for row in taps]
        width = max(len(c) for row in cells for c in row)
        return "\n".join("[" + " ".join(c.rjust(width) for c in row) + "]" for row in cells)

    def __str__(self):
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
        lines += ["", "Numeric check with x = " + _floats(self.x) + ", w = " + _floats(self.w)
                  + ":",
                  f"  C^T x                  = {_floats(self.y_matrix)}",
                  f"  conv1d_transpose(x, w) = {_floats(self.y_fast)}",
                  f"  max |difference| = {self.max_abs_difference:g}: "
                  + ("agree" if self.agree else "DISAGREE")]
        return _fit("\n".join(lines))


def _floats(values):
    return "[" + " ".join(f"{v:g}" for v in values) + "]"


def matrices(length, kernel_size, stride=1, padding="valid", output_padding=None,
             dilation=1, *, x=None, w=None):
    """The matrices ``C^T`` and ``C``, symbolic, and the check ``C^T x == conv1d_transpose``.

    Parameters
    ----------
    length, kernel_size, stride, padding, output_padding, dilation
        As :func:`shape`.
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
    g, kind = _setup(length, kernel_size, stride, padding, output_padding, dilation)
    x, w = _example_arrays(g, x, w)
    taps = np.full((g.output_length, g.length), -1, dtype=np.int64)
    for i in range(g.length):
        for k in range(g.kernel_size):
            o = i * g.stride + k * g.dilation - g.crop_left
            if 0 <= o < g.output_length:
                taps[o, i] = k
    ct = reference.transpose_matrix(g.length, w.reshape(-1, 1, 1), g.stride, g.padding,
                                    g.output_padding, dilation=g.dilation)
    y_matrix = ct @ x
    y_fast = _fast(g, x, w)
    diff = (float(np.max(np.abs(y_matrix - y_fast))) if y_matrix.shape == y_fast.shape
            else float("inf"))
    return Matrices(geometry=g, request=_describe(g, kind), taps=taps, x=x, w=w,
                    transpose=ct, y_matrix=y_matrix, y_fast=y_fast, max_abs_difference=diff)


# --------------------------------------------------------------------------- #
# 4. Equivalent direct convolution.                                           #
# --------------------------------------------------------------------------- #
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
        The numbers used for the check.
    padded_values, kernel_values : ndarray
    y_direct : ndarray, shape (L_out,)
        The stride-1 correlation of ``padded_values`` with ``kernel_values``.
    y_fast : ndarray, shape (L_out,)
    max_abs_difference : float
    """

    geometry: shapes.Geometry
    request: str
    pad_left: int
    pad_right: int
    stuffed: tuple
    padded: tuple
    kernel: tuple
    x: np.ndarray
    w: np.ndarray
    padded_values: np.ndarray
    kernel_values: np.ndarray
    y_direct: np.ndarray
    y_fast: np.ndarray
    max_abs_difference: float

    @property
    def agree(self):
        """True when the direct convolution and the fast path agree to rounding."""
        scale = max(float(np.max(np.abs(self.y_fast), initial=0.0)), 1.0)
        return bool(self.max_abs_difference <= 1e-12 * scale)

    def __str__(self):
        g = self.geometry
        dk, s = g.effective_kernel, g.stride
        lines = ["Equivalent direct convolution", f"  {self.request}", ""]
        lines.append(f"  1. insert s - 1 = {s - 1} zero{'s' * (s != 2)} between inputs "
                     f"({(g.length - 1) * s + 1} samples):")
        lines.append("     " + _seq(self.stuffed))
        lines.append(f"  2. pad start dk - 1 - crop_left  = {dk} - 1 - {_n(g.crop_left)} = "
                     f"{self.pad_left}" + (" (negative: crop)" if self.pad_left < 0 else ""))
        lines.append(f"     pad end   dk - 1 - crop_right = {dk} - 1 - {_n(g.crop_right)} = "
                     f"{self.pad_right}" + (" (negative: crop)" if self.pad_right < 0 else ""))
        lines.append("     " + _seq(self.padded))
        lines.append("  3. flip the kernel" + (f" (dilated: {g.dilation - 1} zero"
                     f"{'s' * (g.dilation != 2)} between taps)" if g.dilation > 1 else "")
                     + ": " + _seq(self.kernel))
        n = len(self.padded)
        lines.append(f"  4. slide it with stride 1: {n} - {dk} + 1 = {n - dk + 1} outputs,")
        lines.append("     y_o = sum_j padded[o + j] * kernel[j]")
        first = " + ".join(f"{a}*{b}" for a, b in zip(self.padded[:dk], self.kernel)
                           if a != "0" and b != "0") or "0"
        lines.append(f"     e.g. y0 = {first}")
        lines.append("     (arXiv:1603.07285 sec. 4.5-4.6: stride 1, padding k - p - 1, "
                     "zeros inserted)")
        lines += ["", "Numeric check with x = " + _floats(self.x) + ", w = " + _floats(self.w)
                  + ":",
                  f"  padded input           = {_floats(self.padded_values)}",
                  f"  flipped kernel         = {_floats(self.kernel_values)}",
                  f"  direct, stride 1       = {_floats(self.y_direct)}",
                  f"  conv1d_transpose(x, w) = {_floats(self.y_fast)}",
                  f"  max |difference| = {self.max_abs_difference:g}: "
                  + ("agree" if self.agree else "DISAGREE")]
        return _fit("\n".join(lines))


def _seq(items):
    text = " ".join(items)
    if len(text) > COLUMNS - 8:
        text = text[:COLUMNS - 12] + " ..."
    return "[" + text + "]"


def _pad(seq, left, right, zero):
    seq = list(seq)
    seq = [zero] * max(left, 0) + seq[max(-left, 0):] if left >= 0 else seq[-left:]
    if right >= 0:
        seq = seq + [zero] * right
    else:
        seq = seq[:len(seq) + right]
    return seq


def direct(length, kernel_size, stride=1, padding="valid", output_padding=None, dilation=1,
           *, x=None, w=None):
    """The equivalent direct convolution (zero insertion, padding, flipped kernel, stride 1).

    Parameters
    ----------
    length, kernel_size, stride, padding, output_padding, dilation
        As :func:`shape`.
    x : array_like, shape (L,), optional
        Input for the numeric check; default ``1, 2, ..., L``.
    w : array_like, shape (K,), optional
        Kernel for the numeric check; default ``1, 2, ..., K``.

    Returns
    -------
    Direct

    References
    ----------
    arXiv:1603.07285, sections 4.5-4.6 (zero insertion, ``p' = k - p - 1``).

    Examples
    --------
    >>> dc = direct(3, 3, stride=2, padding="same")
    >>> " ".join(dc.padded), " ".join(dc.kernel)
    ('0 0 x0 0 x1 0 x2 0', 'w2 w1 w0')
    >>> dc.y_direct.tolist(), dc.agree
    ([1.0, 2.0, 5.0, 4.0, 9.0, 6.0], True)
    """
    g, kind = _setup(length, kernel_size, stride, padding, output_padding, dilation)
    x, w = _example_arrays(g, x, w)
    s, d, dk = g.stride, g.dilation, g.effective_kernel
    pad_left, pad_right = dk - 1 - g.crop_left, dk - 1 - g.crop_right

    stuffed = ["0"] * ((g.length - 1) * s + 1)
    stuffed[::s] = [f"x{i}" for i in range(g.length)]
    kernel = ["0"] * dk
    kernel[::d] = [f"w{k}" for k in range(g.kernel_size)]
    kernel = kernel[::-1]
    padded = _pad(stuffed, pad_left, pad_right, "0")

    stuffed_values = np.zeros((g.length - 1) * s + 1)
    stuffed_values[::s] = x
    kernel_values = np.zeros(dk)
    kernel_values[::d] = w
    kernel_values = kernel_values[::-1].copy()
    padded_values = np.array(_pad(stuffed_values, pad_left, pad_right, 0.0), dtype=np.float64)
    y_direct = np.correlate(padded_values, kernel_values, mode="valid")
    y_fast = _fast(g, x, w)
    diff = (float(np.max(np.abs(y_direct - y_fast))) if y_direct.shape == y_fast.shape
            else float("inf"))
    return Direct(geometry=g, request=_describe(g, kind), pad_left=pad_left,
                  pad_right=pad_right, stuffed=tuple(stuffed), padded=tuple(padded),
                  kernel=tuple(kernel), x=x, w=w, padded_values=padded_values,
                  kernel_values=kernel_values, y_direct=y_direct, y_fast=y_fast,
                  max_abs_difference=diff)


# --------------------------------------------------------------------------- #
# 5. Terminal drawing.                                                        #
# --------------------------------------------------------------------------- #
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
    lines: tuple

    def __str__(self):
        return "\n".join(self.lines)


def draw(length, kernel_size, stride=1, padding="valid", output_padding=None, dilation=1,
         *, columns=COLUMNS):
    """A terminal strip drawing: input rows, taps as digits, outputs and overlap counts.

    Parameters
    ----------
    length, kernel_size, stride, padding, output_padding, dilation
        As :func:`shape`.
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
    g, kind = _setup(length, kernel_size, stride, padding, output_padding, dilation)
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

    def row(name, cells):
        text = name.ljust(label) + "".join(c.rjust(cell) for c in cells[:shown])
        return text.rstrip()

    lines = [_describe(g, kind)]
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


# --------------------------------------------------------------------------- #
# Everything.                                                                 #
# --------------------------------------------------------------------------- #
@dataclass(frozen=True)
class Explanation:
    """All five views of one geometry.

    Attributes
    ----------
    shape : ShapeWalkthrough
    connectivity : Connectivity
    matrices : Matrices
    direct : Direct
    drawing : Drawing
    """

    shape: ShapeWalkthrough
    connectivity: Connectivity
    matrices: Matrices
    direct: Direct
    drawing: Drawing

    def __str__(self):
        parts = [self.shape, self.drawing, self.connectivity, self.matrices, self.direct]
        rule = "-" * COLUMNS
        return f"\n{rule}\n".join(str(p) for p in parts)


def explain(length, kernel_size, stride=1, padding="valid", output_padding=None, dilation=1):
    """Every teaching view of one transposed convolution.

    Parameters are those of :func:`shape`.

    Returns
    -------
    Explanation
        ``str()`` of it prints the walkthrough, the drawing, the connectivity, the
        matrices and the direct convolution, separated by rules.

    References
    ----------
    arXiv:1603.07285, section 4.

    Examples
    --------
    >>> e = explain(3, 3, stride=2, padding="same")
    >>> e.shape.geometry.output_length, e.matrices.agree, e.direct.agree
    (6, True, True)
    """
    args = (length, kernel_size, stride, padding, output_padding, dilation)
    return Explanation(shape=shape(*args), connectivity=connectivity(*args),
                       matrices=matrices(*args), direct=direct(*args), drawing=draw(*args))
