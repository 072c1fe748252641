"""The shape walkthrough: every length of the operation, with formula and numbers.

:func:`shape` shows the effective kernel, the full scatter, the output length and
the crops line by line (the Keras words print the rows of
:data:`deconv1d.shapes.KERAS_LENGTHS`), which of the guide's Relationships it is
(:mod:`deconv1d.teaching.relationships`) and how Keras, PyTorch and ONNX are asked
for it (:mod:`deconv1d.teaching.arguments`).

Examples
--------
>>> print(shape(3, 3, stride=2, padding="same").step("left crop"))
left crop        max(dk - s, 0) // 2 = max(3 - 2, 0) // 2 = 0
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core import geometry as shapes
from .arguments import FrameworkCall, framework_calls
from .relationships import Relationship, relationship
from .request import Padding, added_output_padding, describe, requested_crops, setup
from .text import equation, fit, html_pre, put_in

__all__ = ["ShapeWalkthrough", "Step", "shape"]


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

    def __str__(self) -> str:
        return f"{self.name:<17}" + equation(self.formula, self.numbers, self.value)


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
    steps: tuple[Step, ...]
    relationship: Relationship
    frameworks: tuple[FrameworkCall, ...]

    def step(self, name: str) -> Step:
        """The :class:`Step` called ``name``."""
        for s in self.steps:
            if s.name == name:
                return s
        raise KeyError(name)

    def framework(self, name: str) -> FrameworkCall:
        """The :class:`FrameworkCall` of ``name`` (``"Keras"``, ``"PyTorch"``, ``"ONNX"``)."""
        for f in self.frameworks:
            if f.framework.lower() == name.lower():
                return f
        raise KeyError(name)

    def __str__(self) -> str:
        g = self.geometry
        lines = ["Shape walkthrough", f"  {self.request}", ""]
        lines += [f"  {s}" for s in self.steps]
        if g.crop_right < 0:
            lines.append(f"  {'':<16} (negative: {-g.crop_right} zero"
                         f"{'s' * (g.crop_right != -1)} appended at the end)")
        op = g.output_padding
        if isinstance(g.padding, str) and isinstance(op, int) and op >= g.stride:
            lines.append(f"  Keras refuses this request: its layer needs output_padding < strides "
                         f"(here {op} >= {g.stride}); deconv1d accepts output_padding < "
                         f"max(s, d) = {max(g.stride, g.dilation)} and extends the table.")
        lines += ["", "Guide (arXiv:1603.07285):"]
        lines += [f"  {line}" for line in str(self.relationship).splitlines()]
        lines += ["", "Frameworks:"]
        for f in self.frameworks:
            lines += [f"  {line}" for line in str(f).splitlines()]
        lines.append("  PyTorch and ONNX weights: the Keras kernel w.transpose(2, 1, 0).")
        return fit("\n".join(lines))

    def _repr_html_(self) -> str:
        return html_pre(str(self))


def _table_step(name: str, formula: shapes.Formula, g: shapes.Geometry) -> Step:
    """One rule of the Keras length table, printed with ``g``'s numbers put in."""
    op = added_output_padding(g)
    values = {"L": g.length, "s": g.stride, "dk": g.effective_kernel, "op": op,
              "full": g.full_length}
    return Step(name, formula.text, put_in(formula.expression, values),
                formula.evaluate(g.length, g.stride, g.effective_kernel, op))


def _length_steps(g: shapes.Geometry, kind: str) -> tuple[Step, ...]:
    L, K, s, d = g.length, g.kernel_size, g.stride, g.dilation
    dk, op, full = g.effective_kernel, added_output_padding(g), g.full_length
    steps = [
        Step("effective kernel", "dk = (K - 1)*d + 1", f"({K} - 1)*{d} + 1", (K - 1) * d + 1),
        Step("full length", "full = (L - 1)*s + dk", f"({L} - 1)*{s} + {dk}", (L - 1) * s + dk),
    ]
    if kind in ("valid", "same"):
        rule = shapes.KERAS_LENGTHS[kind, g.output_padding is not None]
        out = _table_step("output length", rule.output_length, g)
        left = _table_step("left crop", rule.crop_left, g)
    elif kind == "int":
        p = requested_crops(g)[0]
        out = Step("output length", "full - 2p + op", f"{full} - 2*{p} + {op}", full - 2 * p + op)
        left = Step("left crop", "p", f"{p}", p)
    else:
        lo, hi = requested_crops(g)
        out = Step("output length", "full - left - right + op", f"{full} - {lo} - {hi} + {op}",
                   full - lo - hi + op)
        left = Step("left crop", "left", f"{lo}", lo)
    right = Step("right crop", "full - left crop - output length",
                 f"{full} - {left.value} - {out.value}", full - left.value - out.value)
    return (*steps, out, left, right)


def shape(length: int, kernel_size: int, stride: int = 1, padding: Padding = "valid",
          output_padding: int | None = None, dilation: int = 1) -> ShapeWalkthrough:
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
    g, kind = setup(length, kernel_size, stride, padding, output_padding, dilation)
    steps = _length_steps(g, kind)
    frameworks = framework_calls(g, kind)
    return ShapeWalkthrough(geometry=g, request=describe(g, kind), steps=steps,
                            relationship=relationship(g), frameworks=frameworks)
