"""PyTorch ``torch.nn.ConvTranspose1d`` / ``torch.nn.functional.conv_transpose1d``.

Weight ``(C_in, C_out // groups, K)``.  The window: ``padding=p`` crops ``p``
at both ends and ``output_padding=q`` (``0 <= q < max(stride, dilation)``)
lengthens the end again, so the crops are ``(p, p - q)``; ``forward(x,
output_size)`` picks ``q`` from a length.  No string padding.
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

__all__ = ["FRAMEWORK", "channels_first_layout", "torch_conv_transpose1d"]


def channels_first_layout(weight: npt.ArrayLike, **_: Any) -> np.ndarray:
    """``(C_in, C_out // groups, K)`` <-> ``(K, C_out // groups, C_in)``: its own inverse."""
    return np.array(np.asarray(weight).transpose(2, 1, 0))


def crops(length: int, kernel_size: int, stride: int, dilation: int, padding: Any = 0,
          output_padding: Any = 0, output_size: Any = None) -> tuple[int, int]:
    """The window of PyTorch's ``padding``, ``output_padding`` and ``output_size``."""
    if isinstance(padding, str):
        raise ValueError(  # noqa: TRY004 - a value error: another framework's padding
            "PyTorch ConvTranspose1d has no string padding (it raises for "
            f"'same'/'valid'). Received: padding={padding!r}; use an int"
        )
    p = one_int("padding", padding, minimum=0, default=0)
    q = one_int("output_padding", output_padding, minimum=0, default=0)
    assert p is not None and q is not None
    if output_size is not None:
        size = np.asarray(output_size).ravel().tolist()
        if len(size) not in (1, 3):
            raise ValueError(
                "`output_size` must hold 1 entry (L_out) or 3 (N, C_out, L_out), as "
                "PyTorch requires for a batched input (2 for an unbatched one). "
                f"Received: output_size={output_size!r}"
            )
        target = shapes.check_int("output_size", size[-1], minimum=1)
        smallest = full_length(length, kernel_size, stride, dilation) - 2 * p
        if not smallest <= target <= smallest + stride - 1:
            raise ValueError(
                f"`output_size` must be in [{smallest}, {smallest + stride - 1}] for "
                f"length={length}, kernel_size={kernel_size}, stride={stride}, "
                f"padding={p}, dilation={dilation} (PyTorch's rule). "
                f"Received: output_size={output_size!r}"
            )
        q = target - smallest
    shapes.check_output_padding(q, stride, dilation)
    return p, p - q


def _near_miss(crop_left: int, crop_right: int, out: int, limit: int) -> str:
    """The PyTorch call of the same length whose window is shifted, if there is one."""
    total = crop_left + crop_right
    p = max(-(-total // 2), 0)
    q = 2 * p - total
    shift = p - crop_left
    if not 0 <= q < limit or shift == 0:
        return ""
    return (f"padding={p}, output_padding={q} gives the same length {out} but its window "
            f"sits {abs(shift)} sample{'s' * (abs(shift) != 1)} "
            f"{'later' if shift > 0 else 'earlier'}: full[{p}:{p + out}] instead of "
            f"full[{crop_left}:{crop_left + out}].")


def arguments(length: int, kernel_size: int, stride: int, dilation: int, crop_left: int,
              crop_right: int) -> dict:
    """PyTorch ``padding``/``output_padding`` keeping the window, or InexpressibleError."""
    q = crop_left - crop_right
    limit = max(stride, dilation)
    if crop_left >= 0 and 0 <= q < limit:
        return {"padding": crop_left, "output_padding": q}
    full = full_length(length, kernel_size, stride, dilation)
    out = full - crop_left - crop_right
    why = (f"PyTorch cannot {describe_window(crop_left, crop_right)} (full length {full}): "
           f"padding=p, output_padding=q crops (p, p - q) with p >= 0 and "
           f"0 <= q < max(stride, dilation) = {limit}")
    p = max(0, min(crop_left, crop_right))
    q = max(0, p - crop_right)
    if not (crop_left >= 0 and q < limit):
        q = 0
    workaround = Workaround({"padding": p, "output_padding": q}, crop_left - p,
                            crop_left - p + out, full - 2 * p + q)
    do = advise(f"padding={p}, output_padding={q}", workaround,
                "(torch.nn.functional.pad), then add the bias there too")
    raise InexpressibleError(why, do, workaround, _near_miss(crop_left, crop_right, out, limit))


def spell(length: int, kernel_size: int, stride: int, dilation: int, crop_left: int,
          crop_right: int, request: Any = None) -> Spelling:
    """The ``ConvTranspose1d`` constructor call keeping the window."""
    try:
        args = arguments(length, kernel_size, stride, dilation, crop_left, crop_right)
    except InexpressibleError as error:
        return Spelling("PyTorch", "", {}, (), error)
    p, q = args["padding"], args["output_padding"]
    call = (f"ConvTranspose1d(C_in, C_out, {kernel_size}, stride={stride}, padding={p}, "
            f"output_padding={q}" + (f", dilation={dilation}" if dilation != 1 else "") + ")")
    kwargs = {"kernel_size": kernel_size, "stride": stride, "padding": p,
              "output_padding": q, "dilation": dilation}
    return Spelling("PyTorch", call, kwargs, ("crops (padding, padding - output_padding)",))


def read(input: npt.ArrayLike, weight: npt.ArrayLike, bias: npt.ArrayLike | None = None,
         stride: Any = 1, padding: Any = 0, output_padding: Any = 0, groups: int = 1,
         dilation: Any = 1, output_size: Any = None) -> Call:
    """A PyTorch call read into a :class:`Call` (the arguments of :func:`torch_conv_transpose1d`)."""
    x = np.asarray(input)
    unbatched = x.ndim == 2
    if unbatched:
        x = x[None]
    x = rank3("input", x, "(N, C_in, L) or unbatched (C_in, L)")
    w = rank3("weight", weight, "(C_in, C_out // groups, K)")
    s = one_int("stride", stride, 1, 1)
    d = one_int("dilation", dilation, 1, 1)
    assert s is not None and d is not None
    groups = shapes.check_int("groups", groups, minimum=1)
    check_in_channels("input", np.shape(input), x.shape[1], "weight", w.shape, w.shape[0],
                      "its first axis", groups)
    if output_size is not None and unbatched:
        # PyTorch: (C_out, L_out) may be given for an unbatched input; only L_out counts.
        size = np.asarray(output_size).ravel().tolist()
        output_size = size[1:] if len(size) == 2 else output_size
    cl, cr = crops(x.shape[2], w.shape[2], s, d, padding, output_padding, output_size)
    return Call("torch", x.transpose(0, 2, 1), w.transpose(2, 1, 0), bias,
                s, d, groups, cl, cr, channels_first=True, unbatched=unbatched)


def torch_conv_transpose1d(input: npt.ArrayLike, weight: npt.ArrayLike,
                           bias: npt.ArrayLike | None = None, stride: Any = 1,
                           padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                           dilation: Any = 1, output_size: Any = None) -> np.ndarray:
    """``torch.nn.functional.conv_transpose1d``, computed by the reference.

    Parameters
    ----------
    input : array_like, shape (N, C_in, L) or (C_in, L)
    weight : array_like, shape (C_in, C_out // groups, K)
    bias : array_like, shape (C_out,), optional
    stride, padding, output_padding, groups, dilation : int
        PyTorch's meanings: crop ``padding`` at both ends, then lengthen the end
        by ``output_padding`` (``< max(stride, dilation)``).
    output_size : int or sequence, optional
        As ``ConvTranspose1d.forward(x, output_size)``: picks ``output_padding``.

    Returns
    -------
    ndarray, shape (N, C_out, L_out) or (C_out, L_out)
        ``L_out = (L - 1) * stride - 2 * padding + dilation * (K - 1) + output_padding + 1``.

    Examples
    --------
    >>> x = np.ones((1, 1, 3))
    >>> w = np.array([[[1.0, 2.0, 3.0]]])
    >>> torch_conv_transpose1d(x, w, stride=2, padding=1, output_padding=1)[0, 0]
    array([2., 4., 2., 4., 2., 3.])
    """
    return read(input, weight, bias, stride, padding, output_padding, groups, dilation,
                output_size).run()


def _from_command_line(keywords: dict) -> dict:
    if "padding" in keywords:
        try:
            keywords["padding"] = int(keywords["padding"])
        except ValueError:
            raise ValueError(
                f"--padding for torch must be an int (ConvTranspose1d has no string "
                f"padding; `deconv1d explain ... --shape` shows the int, if any, for a "
                f"Keras window). Received: --padding={keywords['padding']!r}") from None
    return keywords


FRAMEWORK = Framework(
    name="torch", title="PyTorch", aliases=("pytorch",),
    to_keras=channels_first_layout, from_keras=channels_first_layout, crops=crops,
    arguments=arguments, read=read, entry=torch_conv_transpose1d, takes_bias=True,
    options={"stride": "stride", "padding": "padding", "output_padding": "output_padding",
             "groups": "groups", "dilation": "dilation", "output_size": "output_size"},
    option_help={"padding": "int", "output_size": "forward(output_size=...)"},
    from_command_line=_from_command_line,
    layouts="x (N, C_in, L), weight (C_in, C_out/groups, K)",
    spell=spell,
)
