"""ONNX ``ConvTranspose`` (1-D), as onnxruntime and the ONNX reference evaluator run it.

Weight ``(C, M / group, K)``, PyTorch's layout.  The window: ``pads=[b, e]``
crops ``(b, e - output_padding)``; ``auto_pad`` SAME_UPPER/SAME_LOWER ask for
``L * stride`` samples (or ``output_shape``) with the odd padding at the end
(UPPER) or the start (LOWER).
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
    advise,
    check_in_channels,
    describe_window,
    full_length,
    one_int,
)
from .torch import channels_first_layout

__all__ = ["AUTO_PADS", "FRAMEWORK", "onnx_conv_transpose"]

AUTO_PADS = ("NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID")


def crops(length: int, kernel_size: int, stride: int, dilation: int, pads: Any = None,
          auto_pad: Any = "NOTSET", output_padding: Any = None,
          output_shape: Any = None) -> tuple[int, int]:
    """The window of ONNX's ``pads``, ``auto_pad``, ``output_padding`` and ``output_shape``."""
    auto = (auto_pad or "NOTSET")
    if isinstance(auto, bytes):
        auto = auto.decode()
    auto = str(auto).upper()
    if auto not in AUTO_PADS:
        raise ValueError(
            "`auto_pad` must be NOTSET, SAME_UPPER, SAME_LOWER or VALID. "
            f"Received: auto_pad={auto_pad!r}"
        )
    q = one_int("output_padding", output_padding, minimum=0, default=0)
    assert q is not None
    shapes.check_output_padding(q, stride, dilation)
    full = full_length(length, kernel_size, stride, dilation)
    out: int | None
    if output_shape is not None:
        values = np.asarray(output_shape).ravel().tolist()
        if len(values) != 1:
            raise ValueError(
                "`output_shape` must hold the spatial output length only, [L_out] for "
                "1-D (onnxruntime refuses other sizes). "
                f"Received: output_shape={output_shape!r}"
            )
        out = shapes.check_int("output_shape", values[0], minimum=1)
    elif auto in ("SAME_UPPER", "SAME_LOWER"):
        out = length * stride
    else:
        out = None
    if out is not None and auto != "VALID":
        total = full + q - out
        if total < 0:
            # The spec's formula gives negative pads here; TF, Keras and JAX keep
            # the start and append zeros, which is what we do (the ONNX reference
            # evaluator instead prepends them: a known disagreement).
            return 0, total - q
        left = total // 2 if auto == "SAME_UPPER" else total - total // 2
        return left, total - left - q
    if auto == "VALID":
        if out is None:
            return 0, -q
        return 0, full - out
    if pads is None:
        b = e = 0
    else:
        values = np.asarray(pads).ravel().tolist()
        if len(values) != 2:
            raise ValueError(
                f"`pads` must be [begin, end] for 1-D. Received: pads={pads!r}"
            )
        b, e = (shapes.check_int("pads", v, minimum=0) for v in values)
    return b, e - q


def arguments(length: int, kernel_size: int, stride: int, dilation: int, crop_left: int,
              crop_right: int) -> dict:
    """ONNX ``pads``/``output_padding`` keeping the window, or InexpressibleError."""
    if crop_left >= 0 and crop_right >= 0:
        return {"pads": [crop_left, crop_right], "output_padding": 0}
    if crop_left >= 0 and -crop_right < stride:
        return {"pads": [crop_left, 0], "output_padding": -crop_right}
    full = full_length(length, kernel_size, stride, dilation)
    out = full - crop_left - crop_right
    begin = max(0, crop_left)
    pads = [begin, 0]
    workaround = Workaround({"pads": pads, "output_padding": 0}, crop_left - begin,
                            crop_left - begin + out, full - begin)
    raise InexpressibleError(
        f"ONNX ConvTranspose cannot {describe_window(crop_left, crop_right)}: pads are "
        f"non-negative and output_padding (which appends at the end) must be < "
        f"stride={stride} in the reference evaluator",
        advise(f"pads={pads}", workaround, "(a Pad node), adding the bias there too"),
        workaround)


def spell(length: int, kernel_size: int, stride: int, dilation: int, crop_left: int,
          crop_right: int, request: Any = None) -> Spelling:
    """The ``ConvTranspose`` node keeping the window."""
    try:
        args = arguments(length, kernel_size, stride, dilation, crop_left, crop_right)
    except InexpressibleError as error:
        return Spelling("ONNX", "", {}, (), error)
    pads, op = args["pads"], args["output_padding"]
    call = f"ConvTranspose(kernel_shape=[{kernel_size}], strides=[{stride}], pads={pads}"
    if op:
        call += f", output_padding=[{op}]"
    if dilation != 1:
        call += f", dilations=[{dilation}]"
    kwargs = {"kernel_shape": [kernel_size], "strides": [stride], "pads": pads,
              "output_padding": [op], "dilations": [dilation]}
    notes = ["crops (pads[0], pads[1] - output_padding)"]
    if crop_right >= 0 and crops(length, kernel_size, stride, dilation,
                                 auto_pad="SAME_UPPER") == (crop_left, crop_right):
        notes.append("or auto_pad='SAME_UPPER' (odd padding at the end).")
    return Spelling("ONNX", call + ")", kwargs, tuple(notes))


def read(X: npt.ArrayLike, W: npt.ArrayLike, B: npt.ArrayLike | None = None, *,
         auto_pad: str = "NOTSET", dilations: Any = None, group: int = 1,
         kernel_shape: Any = None, output_padding: Any = None, output_shape: Any = None,
         pads: Any = None, strides: Any = None) -> Call:
    """An ONNX node read into a :class:`Call` (the arguments of :func:`onnx_conv_transpose`)."""
    x = rank3("X", X, "(N, C, L)")
    w = rank3("W", W, "(C, M / group, K)")
    if kernel_shape is not None and one_int("kernel_shape", kernel_shape, 1) != w.shape[2]:
        raise ValueError(
            f"`kernel_shape` must match W's last axis {w.shape[2]}. "
            f"Received: kernel_shape={kernel_shape!r}"
        )
    s = one_int("strides", strides, 1, 1)
    d = one_int("dilations", dilations, 1, 1)
    assert s is not None and d is not None
    group = shapes.check_int("group", group, minimum=1)
    check_in_channels("X", x.shape, x.shape[1], "W", w.shape, w.shape[0], "its first axis",
                      group, "group")
    cl, cr = crops(x.shape[2], w.shape[2], s, d, pads, auto_pad, output_padding,
                   output_shape)
    return Call("onnx", x.transpose(0, 2, 1), w.transpose(2, 1, 0), B, s, d,
                group, cl, cr, channels_first=True)


def onnx_conv_transpose(X: npt.ArrayLike, W: npt.ArrayLike, B: npt.ArrayLike | None = None,
                        *, auto_pad: str = "NOTSET", dilations: Any = None, group: int = 1,
                        kernel_shape: Any = None, output_padding: Any = None,
                        output_shape: Any = None, pads: Any = None,
                        strides: Any = None) -> np.ndarray:
    """ONNX ``ConvTranspose`` (1-D), computed by the reference, with ONNX attribute names.

    Parameters
    ----------
    X : array_like, shape (N, C, L)
    W : array_like, shape (C, M / group, K)
    B : array_like, shape (M,), optional
    auto_pad : {"NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"}
        SAME_*: output length ``L * stride`` (or ``output_shape``); the odd
        padding goes to the end (UPPER) or the start (LOWER).  When the total
        padding is negative (``stride > dk + output_padding``) zeros are
        appended at the end, as TF/Keras/JAX do (the ONNX reference evaluator
        prepends them instead).
    dilations, strides, output_padding, kernel_shape : int or [int]
    group : int
    output_shape : int or [int], optional
        Spatial output length; without ``auto_pad`` the larger half of the
        padding goes to the start (the spec's rule).
    pads : [begin, end], optional
        Crop ``(begin, end - output_padding)`` of the full scatter.

    Returns
    -------
    ndarray, shape (N, M, L_out)

    Examples
    --------
    >>> X = np.array([[[1.0, 2.0, 3.0]]])
    >>> onnx_conv_transpose(X, np.ones((1, 1, 1)), strides=[2], auto_pad="SAME_UPPER")[0, 0]
    array([1., 0., 2., 0., 3., 0.])
    """
    return read(X, W, B, auto_pad=auto_pad, dilations=dilations, group=group,
                kernel_shape=kernel_shape, output_padding=output_padding,
                output_shape=output_shape, pads=pads, strides=strides).run()


def _from_command_line(keywords: dict) -> dict:
    return keywords


FRAMEWORK = Framework(
    name="onnx", title="ONNX", aliases=("onnxruntime",),
    to_keras=channels_first_layout, from_keras=channels_first_layout, crops=crops,
    arguments=arguments, read=read, entry=onnx_conv_transpose, takes_bias=True,
    options={"stride": "strides", "pads": "pads", "auto_pad": "auto_pad",
             "output_padding": "output_padding", "output_shape": "output_shape",
             "dilation": "dilations", "groups": "group"},
    option_help={"pads": "begin,end", "output_shape": "L_out",
                 "auto_pad": "|".join(AUTO_PADS)},
    from_command_line=_from_command_line,
    layouts="x (N, C_in, L), weight (C_in, C_out/groups, K)",
    spell=spell,
)
