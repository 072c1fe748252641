"""Keras ``Conv1DTranspose`` / ``keras.ops.conv_transpose`` (and tf-keras).

Weight ``(K, C_out // groups, C_in)``, the layout every other framework is
converted to.  The window is chosen by ``padding`` ('valid' or 'same') and
``output_padding`` (None, or ``< strides``): the Keras length table of
:func:`deconv1d.shapes.output_length`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from ..core import geometry as shapes
from ..core.arrays import rank3
from .base import (
    Call,
    Framework,
    InexpressibleError,
    Spelling,
    Workaround,
    check_in_channels,
    check_padding_word,
    describe_window,
    full_length,
    one_int,
    same_layout,
)

__all__ = ["FRAMEWORK", "keras_refusal", "keras_conv1d_transpose", "spellings"]


def crops(length: int, kernel_size: int, stride: int, dilation: int,
          padding: Any = "valid", output_padding: int | None = None) -> tuple[int, int]:
    """The window of Keras's ``padding`` and ``output_padding``."""
    if not isinstance(padding, str):
        raise ValueError(  # noqa: TRY004 - a value error: another framework's padding
            "Keras `padding` must be 'valid' or 'same'. "
            f"Received: padding={padding!r} (use framework='torch' for an int, "
            "'onnx' for pads)"
        )
    g = shapes.geometry(length, kernel_size, stride, padding, output_padding, dilation)
    return g.crop_left, g.crop_right


def spellings(length: int, kernel_size: int, stride: int, dilation: int, crop_left: int,
              crop_right: int) -> list[tuple[str, int | None]]:
    """Every Keras ``(padding, output_padding)`` keeping the window, preferred first.

    Keras requires ``output_padding < strides`` (not ``< max(strides, dilation)``).

    Examples
    --------
    >>> spellings(3, 3, 2, 1, 0, 1)
    [('same', None), ('same', 1)]
    """
    pairs: list[tuple[str, int | None]] = [("valid", None), ("same", None)]
    # With output_padding given, each word's length is (its length at op=0) + op, so
    # the window's length fixes op: one candidate per word, whatever the stride.
    out = full_length(length, kernel_size, stride, dilation) - crop_left - crop_right
    with_op = []
    for order, word in enumerate(("same", "valid")):
        op_given = out - shapes.KERAS_LENGTHS[word, True].output_length.evaluate(
            length, stride, shapes.effective_kernel_size(kernel_size, dilation), 0)
        if 0 <= op_given < stride:
            with_op.append((op_given, order, word))
    pairs += [(word, op) for op, _, word in sorted(with_op)]
    found: list[tuple[str, int | None]] = []
    for padding, op in pairs:
        try:
            got = crops(length, kernel_size, stride, dilation, padding, op)
        except ValueError:
            continue
        if got == (crop_left, crop_right):
            found.append((padding, op))
    return found


def arguments(length: int, kernel_size: int, stride: int, dilation: int, crop_left: int,
              crop_right: int) -> dict:
    """Keras ``padding``/``output_padding`` keeping the window, or InexpressibleError."""
    found = spellings(length, kernel_size, stride, dilation, crop_left, crop_right)
    if found:
        return {"padding": found[0][0], "output_padding": found[0][1]}
    full = full_length(length, kernel_size, stride, dilation)
    out = full - crop_left - crop_right
    valid = shapes.geometry(length, kernel_size, stride, "valid", None, dilation)
    workaround = Workaround({"padding": "valid", "output_padding": None}, crop_left,
                            crop_left + out, valid.output_length)
    if crop_left >= 0 and crop_right >= 0:
        do = (f"use padding='valid', output_padding=None and slice "
              f"[{crop_left}:{crop_left + out}] yourself")
    else:
        do = (f"use padding='valid', output_padding=None and take samples "
              f"[{crop_left}:{crop_left + out}] of the result, padding with zeros where "
              "that runs past an end")
    raise InexpressibleError(
        f"Keras cannot {describe_window(crop_left, crop_right)} (length={length}, "
        f"kernel_size={kernel_size}, stride={stride}, dilation={dilation}): 'valid' "
        f"always crops 0 at the start and 'same' crops max(dk - s, 0) // 2 (or "
        f"dk // 2 - ceil(output_padding / 2))", do, workaround)


def spell(length: int, kernel_size: int, stride: int, dilation: int, crop_left: int,
          crop_right: int, request: tuple[Any, Any] | None = None) -> Spelling:
    """The ``Conv1DTranspose`` call keeping the window; ``request`` is shown if it does."""
    notes = []
    if stride > 1 and dilation > 1:
        notes.append("Keras >= 2.12 and Keras 3 raise for strides > 1 with "
                     "dilation_rate > 1 (2.9 accepted it).")
    try:
        arguments(length, kernel_size, stride, dilation, crop_left, crop_right)
    except InexpressibleError as error:
        return Spelling("Keras", "", {}, tuple(notes), error, time_axis=1)
    found = spellings(length, kernel_size, stride, dilation, crop_left, crop_right)
    chosen = request if request in found else found[0]
    others = [f for f in found if f != chosen]
    if others:
        notes.insert(0, "same window: " + "; ".join(
            f"padding={word!r}, output_padding={op}" for word, op in others))
    word, op = chosen
    call = f"Conv1DTranspose(filters, {kernel_size}, strides={stride}, padding={word!r}"
    if op is not None:
        call += f", output_padding={op}"
    if dilation != 1:
        call += f", dilation_rate={dilation}"
    kwargs = {"kernel_size": kernel_size, "strides": stride, "padding": word,
              "output_padding": op, "dilation_rate": dilation}
    return Spelling("Keras", call + ")", kwargs, tuple(notes), time_axis=1)


def read(inputs: npt.ArrayLike, kernel: npt.ArrayLike, bias: npt.ArrayLike | None = None,
         strides: Any = 1, padding: str = "valid", output_padding: Any = None,
         data_format: str | None = None, dilation_rate: Any = 1) -> Call:
    """A Keras call read into a :class:`Call` (the arguments of :func:`keras_conv1d_transpose`)."""
    data_format = shapes.check_data_format(data_format)
    first = data_format == "channels_first"
    x = rank3("inputs", inputs, "(N, C_in, L)" if first else "(N, L, C_in)")
    x = x.transpose(0, 2, 1) if first else x
    w = rank3("kernel", kernel, "(K, C_out, C_in)")
    s = one_int("strides", strides, 1, 1)
    d = one_int("dilation_rate", dilation_rate, 1, 1)
    assert s is not None and d is not None
    op = None if output_padding is None else one_int("output_padding", output_padding, 0)
    check_in_channels("inputs", np.shape(inputs), x.shape[2], "kernel", w.shape, w.shape[2],
                      "its last axis")
    cl, cr = crops(x.shape[1], w.shape[0], s, d, padding, op)
    return Call("keras", x, np.array(w), bias, s, d, 1, cl, cr, channels_first=first)


def keras_conv1d_transpose(inputs: npt.ArrayLike, kernel: npt.ArrayLike,
                           bias: npt.ArrayLike | None = None, strides: Any = 1,
                           padding: str = "valid", output_padding: int | None = None,
                           data_format: str | None = None,
                           dilation_rate: Any = 1) -> np.ndarray:
    """Keras ``ops.conv_transpose`` / ``Conv1DTranspose`` call, computed by the reference.

    Parameters
    ----------
    inputs : array_like, shape (N, L, C_in) or (N, C_in, L)
    kernel : array_like, shape (K, C_out, C_in)
    bias : array_like, shape (C_out,), optional
    strides, dilation_rate : int
    padding : {"valid", "same"}
    output_padding : int or None
    data_format : {"channels_last", "channels_first"}, optional

    Returns
    -------
    ndarray, shape (N, L_out, C_out) or (N, C_out, L_out)

    Examples
    --------
    >>> x = np.ones((1, 3, 1))
    >>> w = np.array([1.0, 2.0, 3.0]).reshape(3, 1, 1)
    >>> keras_conv1d_transpose(x, w, strides=2, padding="same", output_padding=0)[0, :, 0]
    array([2., 4., 2., 4., 2.])
    """
    return read(inputs, kernel, bias, strides, padding, output_padding, data_format,
                dilation_rate).run()


def _from_command_line(keywords: dict) -> dict:
    return check_padding_word("keras", keywords, shapes.KERAS_PADDINGS)


FRAMEWORK = Framework(
    name="keras", title="Keras", aliases=("keras3", "tf_keras"),
    to_keras=same_layout, from_keras=same_layout, crops=crops, arguments=arguments,
    read=read, entry=keras_conv1d_transpose, takes_bias=True,
    options={"stride": "strides", "padding": "padding", "output_padding": "output_padding",
             "data_format": "data_format", "dilation": "dilation_rate"},
    option_help={"padding": "same|valid", "data_format": "channels_last|channels_first"},
    from_command_line=_from_command_line,
    layouts="x (N, L, C_in), kernel (K, C_out, C_in)",
    spell=spell,
)


def keras_refusal(kernel_size: int, strides: int, padding: str, output_padding: int | None,
                  dilation_rate: int) -> str | None:
    """Why the Keras layer refuses these arguments at construction, or ``None``.

    Keras 3 and tf-keras both check ``output_padding < strides`` and refuse
    ``strides > 1`` with ``dilation_rate > 1`` (``kernel_size`` and ``padding``
    do not matter).  Recorded from the real layers by
    ``tools/make_tensorflow_refusals.py``.

    Examples
    --------
    >>> keras_refusal(3, 2, "same", 2, 1)
    'Keras needs output_padding < strides (here 2 >= 2)'
    >>> keras_refusal(3, 2, "same", 1, 1) is None
    True
    """
    if output_padding is not None and output_padding >= strides:
        return f"Keras needs output_padding < strides (here {output_padding} >= {strides})"
    if strides > 1 and dilation_rate > 1:
        return "Keras refuses strides > 1 with dilation_rate > 1"
    return None
