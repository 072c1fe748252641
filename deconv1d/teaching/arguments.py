"""The framework view of explain: how Keras, PyTorch and ONNX ask for a window.

:func:`framework_calls` is what :func:`deconv1d.explain.shape` shows under
"frameworks"; this module only formats.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from ..core import geometry as shapes

__all__ = ["FrameworkCall", "framework_calls"]

#: Width the text views wrap to (the same as :data:`deconv1d.explain.COLUMNS`).
COLUMNS = 80


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
    """

    framework: str
    expressible: bool
    call: str
    kwargs: dict
    note: str

    def __str__(self):
        first = self.call if self.expressible else "cannot express this crop"
        lines = []
        for n, text in enumerate([first] + [t for t in self.note.splitlines() if t]):
            lines += textwrap.wrap(text, width=COLUMNS - 2, break_long_words=False,
                                   initial_indent=f"{self.framework if n == 0 else '':<9}",
                                   subsequent_indent=" " * 11)
        return "\n".join(lines)


def _keras_spellings(g):
    """Every Keras ``(padding, output_padding)`` giving this window (Keras needs op < s)."""
    found = []
    for word in ("valid", "same"):
        for op in (None, *range(g.stride)):
            try:
                h = shapes.geometry(g.length, g.kernel_size, g.stride, word, op, g.dilation)
            except ValueError:
                continue
            if (h.crop_left, h.output_length) == (g.crop_left, g.output_length):
                found.append((word, op))
    return found


def _keras_call(g, word, op):
    text = f"Conv1DTranspose(filters, {g.kernel_size}, strides={g.stride}, padding={word!r}"
    if op is not None:
        text += f", output_padding={op}"
    if g.dilation != 1:
        text += f", dilation_rate={g.dilation}"
    return text + ")"


def _keras(g, kind):
    found = _keras_spellings(g)
    caveat = ""
    if g.stride > 1 and g.dilation > 1:
        caveat = ("Keras >= 2.12 and Keras 3 raise for strides > 1 with dilation_rate > 1 "
                  "(2.9 accepted it).")
    if not found:
        note = ("Keras has only 'valid'/'same' with output_padding None or < stride; "
                "none of those gives this window.\nWorkaround: padding='valid', "
                f"then y[:, {g.crop_left}:{g.crop_left + g.output_length}]"
                + (f" (zero-extended to {g.output_length})" if g.crop_right < 0 else "")
                + ".")
        return FrameworkCall("Keras", False, "", {}, "\n".join(filter(None, [note, caveat])))
    if kind in ("valid", "same") and (g.padding, g.output_padding) in found:
        chosen = (g.padding, g.output_padding)
    else:
        chosen = found[0]
    others = [f for f in found if f != chosen]
    note = ""
    if others:
        note = "same window: " + "; ".join(
            f"padding={word!r}, output_padding={op}" for word, op in others)
    kwargs = {"kernel_size": g.kernel_size, "strides": g.stride, "padding": chosen[0],
              "output_padding": chosen[1], "dilation_rate": g.dilation}
    return FrameworkCall("Keras", True, _keras_call(g, *chosen), kwargs,
                         "\n".join(filter(None, [note, caveat])))


def _pytorch(g):
    cl, cr = g.crop_left, g.crop_right
    limit = max(g.stride, g.dilation)
    q = cl - cr
    if 0 <= q < limit:
        kwargs = {"kernel_size": g.kernel_size, "stride": g.stride, "padding": cl,
                  "output_padding": q, "dilation": g.dilation}
        call = (f"ConvTranspose1d(C_in, C_out, {g.kernel_size}, "
                f"stride={g.stride}, padding={cl}, output_padding={q}"
                + (f", dilation={g.dilation}" if g.dilation != 1 else "") + ")")
        note = "crops (padding, padding - output_padding)"
        return FrameworkCall("PyTorch", True, call, kwargs, note)
    if q < 0:
        reason = (f"PyTorch crops (padding, padding - output_padding) with 0 <= "
                  f"output_padding < max(s, d) = {limit}, so it needs crop_left >= "
                  f"crop_right; here ({cl}, {cr}).")
    else:
        reason = (f"PyTorch crops (padding, padding - output_padding) with output_padding < "
                  f"max(s, d) = {limit}; here crop_left - crop_right = {q}.")
    total = cl + cr
    p = max(-(-total // 2), 0)
    nq = 2 * p - total
    if 0 <= nq < limit:
        shift = p - cl
        reason += (f"\npadding={p}, output_padding={nq} gives the same length {g.output_length}"
                   f" but its window sits {abs(shift)} sample{'s' * (abs(shift) != 1)}"
                   f" {'later' if shift > 0 else 'earlier'}: full[{p}:{p + g.output_length}]"
                   f" instead of full[{cl}:{cl + g.output_length}].")
    stop = cl + g.output_length
    reason += (f"\nWorkaround: padding=0, output_padding=0, then y[..., {cl}:{stop}]"
               + (f" and {-cr} zero{'s' * (cr != -1)} (+ bias) appended" if cr < 0 else "")
               + ".")
    return FrameworkCall("PyTorch", False, "", {}, reason)


def _onnx(g):
    cl, cr = g.crop_left, g.crop_right
    pads = [cl, max(cr, 0)]
    op = max(-cr, 0)
    kwargs = {"kernel_shape": [g.kernel_size], "strides": [g.stride], "pads": pads,
              "output_padding": [op], "dilations": [g.dilation]}
    call = f"ConvTranspose(kernel_shape=[{g.kernel_size}], strides=[{g.stride}], pads={pads}"
    if op:
        call += f", output_padding=[{op}]"
    if g.dilation != 1:
        call += f", dilations=[{g.dilation}]"
    call += ")"
    notes = ["crops (pads[0], pads[1] - output_padding)"]
    dk, s = g.effective_kernel, g.stride
    if dk >= s and g.output_length == g.length * s and op == 0:
        total = dk - s
        if (total // 2, total - total // 2) == (cl, cr):
            notes.append("or auto_pad='SAME_UPPER' (odd padding at the end).")
    if op >= s:
        notes.append(f"output_padding {op} >= stride {s}: the ONNX reference evaluator "
                     "rejects it.")
    return FrameworkCall("ONNX", True, call, kwargs, "\n".join(notes))


def framework_calls(g, kind):
    """``(Keras, PyTorch, ONNX)`` :class:`FrameworkCall` for the geometry ``g``.

    ``kind`` is the padding kind of the request (``"valid"``, ``"same"``,
    ``"int"`` or ``"pair"``), so that the Keras spelling asked for is the one shown.
    """
    return (_keras(g, kind), _pytorch(g), _onnx(g))
