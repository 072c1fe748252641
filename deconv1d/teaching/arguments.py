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
from ..frameworks import keras as keras_framework
from ..frameworks import registry
from ..frameworks.tf import tensorflow_refusal
from ..frameworks.base import Spelling, Workaround
from .text import COLUMNS

__all__ = ["FrameworkCall", "framework_calls", "tensorflow_caveats"]


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


def tensorflow_caveats(g: shapes.Geometry, kwargs: Mapping[str, Any]) -> tuple[str, ...]:
    """The notes a Keras suggestion ``kwargs`` needs where TensorFlow cannot run it.

    Each names the setting, who refuses it, and what runs instead (another Keras
    spelling of the same window, or the ``'valid'`` call and a slice).

    Examples
    --------
    >>> g = shapes.geometry(3, 4, 2, "same", 0)
    >>> print(tensorflow_caveats(g, {"kernel_size": 4, "strides": 2, "padding": "same",
    ...                              "output_padding": 0, "dilation_rate": 1})[0])
    TensorFlow raises for padding='same', output_padding=0 with an even dk = 4 (on CPU, tf.keras and Keras 3 on TensorFlow; Keras 3 on JAX or torch runs it). There: padding='valid', output_padding=None, then y[:, 2:6].
    """
    notes = []
    args = (g.length, kwargs["kernel_size"], kwargs["strides"], kwargs["padding"],
            kwargs["output_padding"], kwargs["dilation_rate"])
    why = tensorflow_refusal(*args)
    if why is not None:
        runs = [(word, op) for word, op in keras_framework.spellings(
                    g.length, g.kernel_size, g.stride, g.dilation, g.crop_left, g.crop_right)
                if tensorflow_refusal(g.length, g.kernel_size, g.stride, word, op,
                                      g.dilation) is None]
        if runs:
            instead = (f"padding={runs[0][0]!r}, output_padding={runs[0][1]} keeps the "
                       "window and runs there.")
        else:
            stop = g.crop_left + g.output_length
            instead = (f"There: padding='valid', output_padding=None, then "
                       f"y[:, {g.crop_left}:{stop}].")
        notes.append(f"{why} (on CPU, tf.keras and Keras 3 on TensorFlow; Keras 3 on JAX or "
                     f"torch runs it). {instead}")
    if kwargs["dilation_rate"] > 1 and kwargs["strides"] == 1:
        notes.append("TensorFlow on CPU runs dilation_rate > 1 only with its oneDNN kernels "
                     "(the x86 default); with TF_ENABLE_ONEDNN_OPTS=0 it refuses.")
    return tuple(notes)


def framework_calls(g: shapes.Geometry, kind: str) -> tuple[FrameworkCall, ...]:
    """``(Keras, PyTorch, ONNX)`` :class:`FrameworkCall` for the geometry ``g``.

    ``kind`` is the padding kind of the request (``"valid"``, ``"same"``,
    ``"int"`` or ``"pair"``), so that the Keras spelling asked for is the one shown.
    """
    request = (g.padding, g.output_padding) if kind in shapes.KERAS_PADDINGS else None
    calls = []
    for framework in registry.frameworks():
        if framework.spell is None:
            continue
        call = _formatted(framework.spell(g.length, g.kernel_size, g.stride, g.dilation,
                                          g.crop_left, g.crop_right, request))
        if framework.name == "keras" and call.expressible:
            caveats = tensorflow_caveats(g, call.kwargs)
            if caveats:
                note = "\n".join(filter(None, [call.note, *caveats]))
                call = FrameworkCall(call.framework, True, call.call, call.kwargs, note)
        calls.append(call)
    return tuple(calls)
