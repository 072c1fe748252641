"""TensorFlow ``tf.nn.conv1d_transpose``.

Filters ``(K, C_out, C_in)``, Keras's layout.  The output length is given
(``output_shape``) and must round-trip through the forward convolution; the
window starts at 0 (VALID) or at ``max(0, full - L_out) // 2`` (SAME).  No bias.
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
    Workaround,
    advise,
    check_in_channels,
    check_padding_word,
    describe_window,
    full_length,
    one_int,
    same_layout,
)

__all__ = ["FRAMEWORK", "tensorflow_refusal", "tf_conv1d_transpose"]

_PADDINGS = ("SAME", "VALID")


def crops(length: int, kernel_size: int, stride: int, dilation: int, output_shape: Any = None,
          padding: Any = "SAME") -> tuple[int, int]:
    """The window of TensorFlow's ``output_shape`` (the length) and ``padding``."""
    if output_shape is None:
        raise TypeError("`output_shape` is required by tf.nn.conv1d_transpose. Received: None")
    if not isinstance(padding, str) or padding.upper() not in _PADDINGS:
        raise ValueError(
            f"`padding` must be 'SAME' or 'VALID' for TensorFlow. Received: padding={padding!r}"
        )
    values = np.asarray(output_shape).ravel().tolist()
    if len(values) != 1:
        raise ValueError(
            "`output_shape` here is the output length, an int or [L_out]. "
            f"Received: output_shape={output_shape!r}"
        )
    out = shapes.check_int("output_shape", values[0], minimum=1)
    dk = shapes.effective_kernel_size(kernel_size, dilation)
    full = (length - 1) * stride + dk
    if padding.upper() == "VALID":
        back = -(-(out - dk + 1) // stride)
        left = 0
    else:
        back = -(-out // stride)
        left = max(0, full - out) // 2
    if back != length:
        raise ValueError(
            f"TensorFlow rejects output_shape length {out}: the forward convolution "
            f"({padding.upper()}, kernel {dk}, stride {stride}) of that length has "
            f"length {back}, not the input length {length}. "
            f"Received: output_shape={output_shape!r}"
        )
    return left, full - left - out


def arguments(length: int, kernel_size: int, stride: int, dilation: int, crop_left: int,
              crop_right: int) -> dict:
    """TensorFlow ``output_shape``/``padding`` keeping the window, or InexpressibleError."""
    full = full_length(length, kernel_size, stride, dilation)
    out = full - crop_left - crop_right
    for padding in ("VALID", "SAME"):
        try:
            got = crops(length, kernel_size, stride, dilation, out, padding)
        except ValueError:
            continue
        if got == (crop_left, crop_right):
            return {"output_shape": out, "padding": padding}
    same_left = max(0, full - out) // 2
    # VALID keeps the start; its length must round-trip: full .. full + stride - 1.
    wider = full + min(max(-crop_right, 0), stride - 1)
    workaround = Workaround({"output_shape": wider, "padding": "VALID"}, crop_left,
                            crop_left + out, wider)
    call = f"padding='VALID' with output_shape length {wider}"
    if workaround.zeros_after:
        do = advise(call, workaround, "(tf.pad), then add the bias there too")
    else:
        do = (f"use {call} and slice [{crop_left}:{crop_left + out}] yourself"
              + (" (pad zeros at the start first)" if crop_left < 0 else ""))
    raise InexpressibleError(
        f"tf.nn.conv1d_transpose cannot {describe_window(crop_left, crop_right)}: for an "
        f"output of length {out} it crops 0 at the start (VALID) or "
        f"{same_left} (SAME), and the length must round-trip through the forward "
        f"convolution", do, workaround)


def read(input: npt.ArrayLike, filters: npt.ArrayLike, output_shape: Any, strides: Any,
         padding: str = "SAME", data_format: str = "NWC", dilations: Any = None) -> Call:
    """A TensorFlow call read into a :class:`Call` (the arguments of :func:`tf_conv1d_transpose`)."""
    if data_format not in ("NWC", "NCW"):
        raise ValueError(
            f"`data_format` must be 'NWC' or 'NCW'. Received: data_format={data_format!r}"
        )
    first = data_format == "NCW"
    x = rank3("input", input, "(N, C_in, W)" if first else "(N, W, C_in)")
    x = x.transpose(0, 2, 1) if first else x
    w = rank3("filters", filters, "(K, C_out, C_in)")
    check_in_channels("input", np.shape(input), x.shape[2], "filters", w.shape, w.shape[2],
                      "its last axis")
    s = one_int("strides", strides, 1, 1)
    d = one_int("dilations", dilations, 1, 1)
    assert s is not None and d is not None
    values = np.asarray(output_shape).ravel().tolist()
    if len(values) == 3:
        n_out, l_out, c_out = (values[0], values[2], values[1]) if first else values
        if (n_out, c_out) != (x.shape[0], w.shape[1]):
            raise ValueError(
                f"`output_shape` batch and channels must be ({x.shape[0]}, {w.shape[1]}) "
                f"from input and filters. Received: output_shape={output_shape!r}"
            )
    elif len(values) == 1:
        l_out = values[0]
    else:
        raise ValueError(
            f"`output_shape` must have 3 entries. Received: output_shape={output_shape!r}"
        )
    cl, cr = crops(x.shape[1], w.shape[0], s, d, l_out, padding)
    return Call("tf", x, np.array(w), None, s, d, 1, cl, cr, channels_first=first)


def tf_conv1d_transpose(input: npt.ArrayLike, filters: npt.ArrayLike, output_shape: Any,
                        strides: Any, padding: str = "SAME", data_format: str = "NWC",
                        dilations: Any = None) -> np.ndarray:
    """``tf.nn.conv1d_transpose``, computed by the reference.

    Unlike TensorFlow on CPU, ``dilations > 1`` and ``data_format='NCW'`` work.

    Parameters
    ----------
    input : array_like, shape (N, W, C_in) or (N, C_in, W)
    filters : array_like, shape (K, C_out, C_in)
    output_shape : sequence of 3 ints
        ``(N, W_out, C_out)`` (NWC) or ``(N, C_out, W_out)`` (NCW); the length
        must round-trip through the forward convolution, as TensorFlow requires.
    strides : int or [int]
    padding : {"SAME", "VALID"}
        SAME crops ``max(0, (L-1)s + dk - W_out) // 2`` at the start; VALID crops 0.
    data_format : {"NWC", "NCW"}
    dilations : int or [int], optional

    Returns
    -------
    ndarray, shape (N, W_out, C_out) or (N, C_out, W_out)

    Examples
    --------
    >>> x = np.ones((1, 3, 1))
    >>> w = np.array([1.0, 2.0, 3.0]).reshape(3, 1, 1)
    >>> tf_conv1d_transpose(x, w, [1, 6, 1], 2, "SAME")[0, :, 0]
    array([1., 2., 4., 2., 4., 2.])
    """
    return read(input, filters, output_shape, strides, padding, data_format,
                dilations).run()


def _from_command_line(keywords: dict) -> dict:
    keywords.setdefault("strides", 1)
    return check_padding_word("tf", keywords, _PADDINGS)


FRAMEWORK = Framework(
    name="tf", title="TensorFlow", aliases=("tensorflow",),
    to_keras=same_layout, from_keras=same_layout, crops=crops, arguments=arguments,
    read=read, entry=tf_conv1d_transpose, takes_bias=False,
    options={"output_shape": "output_shape", "stride": "strides", "padding": "padding",
             "data_format": "data_format", "dilation": "dilations"},
    option_help={"padding": "SAME|VALID", "data_format": "NWC|NCW",
                 "output_shape": "N,L_out,C_out (or N,C_out,L_out for NCW)"},
    from_command_line=_from_command_line,
    layouts="x (N, L, C_in), filters (K, C_out, C_in)",
)


def tensorflow_refusal(length: int, kernel_size: int, strides: int, padding: str,
                       output_padding: int | None, dilation_rate: int, *,
                       onednn: bool = True) -> str | None:
    """Why TensorFlow on CPU fails to run a ``Conv1DTranspose`` Keras accepts, or ``None``.

    Both of TensorFlow's CPU kernels fail for ``padding='same'``,
    ``output_padding=0`` and an even dilated span ``dk = (K - 1)*d + 1`` (when the
    output is not empty); TensorFlow's own kernels (``TF_ENABLE_ONEDNN_OPTS=0``)
    also refuse every ``dilation_rate > 1``, while oneDNN's (the x86 default) run
    it.  This is what ``tools/make_tensorflow_refusals.py`` recorded from
    TensorFlow 2.21 with tf-keras and with Keras 3 on TensorFlow
    (``tests/data/tensorflow_refusals.json``); Keras 3 on JAX or torch runs all
    of these.

    Examples
    --------
    >>> tensorflow_refusal(3, 4, 2, "same", 0, 1)
    "TensorFlow raises for padding='same', output_padding=0 with an even dk = 4"
    >>> tensorflow_refusal(3, 3, 1, "valid", None, 2) is None
    True
    >>> tensorflow_refusal(3, 3, 1, "valid", None, 2, onednn=False)
    "TensorFlow's own CPU kernels refuse dilation_rate > 1"
    """
    dk = (kernel_size - 1) * dilation_rate + 1
    output_length = (length - 1) * strides + dk % 2 + (output_padding or 0)
    if padding == "same" and output_padding == 0 and dk % 2 == 0 and (
            output_length > 0 or not onednn):
        return f"TensorFlow raises for padding='same', output_padding=0 with an even dk = {dk}"
    if dilation_rate > 1 and not onednn:
        return "TensorFlow's own CPU kernels refuse dilation_rate > 1"
    return None
