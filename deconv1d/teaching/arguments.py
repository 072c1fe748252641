"""The framework view of explain: how Keras, PyTorch and ONNX ask for a window.

:func:`framework_calls` is what :func:`deconv1d.explain.shape` shows under
"frameworks".  The arguments, the calls and the advice come from the framework
registry (:mod:`deconv1d.frameworks.registry`), the same answers
:func:`deconv1d.interop.arguments_for` gives; this module only formats them.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..core import geometry as shapes
from ..frameworks import registry
from ..frameworks.base import Spelling, Workaround
from .text import COLUMNS

__all__ = ["FrameworkCall", "framework_calls"]


@dataclass(frozen=True)
class FrameworkCall:
    """How one framework is asked for a geometry, or why it cannot be.

    Attributes
    ----------
    framework : str
        ``"Keras"``, ``"PyTorch"`` or ``"ONNX"``.
    expressible : bool
    call : str
        The constructor call to write (empty when not expressible).
    kwargs : dict
        The geometry arguments of ``call`` (for programs and tests).
    note : str
        Alternatives, caveats, or the reason it cannot, with a workaround.
    workaround : Workaround or None
        When not expressible: the wider call and the slice (or zeros) to apply.
    """

    framework: str
    expressible: bool
    call: str
    kwargs: Mapping[str, Any]
    note: str
    workaround: Workaround | None = None

    def __str__(self) -> str:
        first = self.call if self.expressible else "cannot express this crop"
        lines = []
        for n, text in enumerate([first] + [t for t in self.note.splitlines() if t]):
            lines += textwrap.wrap(text, width=COLUMNS - 2, break_long_words=False,
                                   initial_indent=f"{self.framework if n == 0 else '':<9}",
                                   subsequent_indent=" " * 11)
        return "\n".join(lines)


def _workaround_line(w: Workaround, time_axis: int) -> str:
    """``Workaround: padding=0, output_padding=0, then y[..., 0:6].``"""
    arguments = ", ".join(f"{name}={value!r}" for name, value in w.arguments.items())
    lo, hi = max(w.start, 0), min(w.stop, w.length)
    where = "..." if time_axis == -1 else ":"
    text = f"Workaround: {arguments}, then y[{where}, {lo}:{hi}]"
    for count, side in ((w.zeros_before, "prepended"), (w.zeros_after, "appended")):
        if count:
            text += f" and {count} zero{'s' * (count != 1)} (+ bias) {side}"
    return text + "."


def _formatted(spelling: Spelling) -> FrameworkCall:
    notes = list(spelling.notes)
    error = spelling.error
    if error is None:
        return FrameworkCall(spelling.title, True, spelling.call, dict(spelling.kwargs),
                             "\n".join(notes))
    why = [error.reason + ".", error.near_miss,
           _workaround_line(error.workaround, spelling.time_axis)]
    return FrameworkCall(spelling.title, False, "", {}, "\n".join(filter(None, why + notes)),
                         error.workaround)


def framework_calls(g: shapes.Geometry, kind: str) -> tuple[FrameworkCall, ...]:
    """``(Keras, PyTorch, ONNX)`` :class:`FrameworkCall` for the geometry ``g``.

    ``kind`` is the padding kind of the request (``"valid"``, ``"same"``,
    ``"int"`` or ``"pair"``), so that the Keras spelling asked for is the one shown.
    """
    request = (g.padding, g.output_padding) if kind in shapes.KERAS_PADDINGS else None
    return tuple(
        _formatted(framework.spell(g.length, g.kernel_size, g.stride, g.dilation,
                                   g.crop_left, g.crop_right, request))
        for framework in registry.frameworks() if framework.spell is not None)
