"""JAX ``jax.lax.conv_transpose`` (1-D), and Flax ``ConvTranspose`` weights.

Kernel in ``dimension_numbers[1]`` order (default ``'HIO'``): ``(K, C_in,
C_out)`` used flipped in ``K`` (the default), or ``(K, C_out, C_in)``, Keras's
layout unflipped, with ``transpose_kernel=True``.  The window: explicit pads
``[(lo, hi)]`` pad the stride-dilated input, crop ``(dk - 1 - lo, dk - 1 - hi)``
(with ``use_consistent_padding=True`` they are forward-convolution pads and crop
``(lo, hi)``); 'SAME' and 'VALID' follow Keras.  No bias.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..core import geometry as shapes
from ..core.arrays import rank3
from .base import Call, Framework, one_int, spec_axes

__all__ = ["FRAMEWORK", "jax_conv_transpose"]


def to_keras(weight: npt.ArrayLike, *, transpose_kernel: bool = False,
             rhs_spec: str = "HIO") -> np.ndarray:
    """A JAX/Flax kernel in ``rhs_spec`` order -> Keras ``(K, C_out, C_in)``."""
    h, i, o = spec_axes(rhs_spec, "IO", "rhs_spec")
    hio = np.asarray(weight).transpose(h, i, o)
    if transpose_kernel:
        return np.array(hio)
    return np.array(hio[::-1].transpose(0, 2, 1))


def from_keras(kernel: npt.ArrayLike, *, transpose_kernel: bool = False,
               rhs_spec: str = "HIO") -> np.ndarray:
    """Keras ``(K, C_out, C_in)`` -> a JAX/Flax kernel in ``rhs_spec`` order."""
    k = np.asarray(kernel)
    hio = k if transpose_kernel else k.transpose(0, 2, 1)[::-1]
    h, i, o = spec_axes(rhs_spec, "IO", "rhs_spec")
    order = np.argsort([h, i, o])          # position p of the spec holds hio axis order[p]
    return np.array(hio.transpose(order))


def crops(length: int, kernel_size: int, stride: int, dilation: int, padding: Any = "SAME",
          use_consistent_padding: bool = False) -> tuple[int, int]:
    """The window of JAX's ``padding`` (and ``use_consistent_padding``)."""
    dk = shapes.effective_kernel_size(kernel_size, dilation)
    if isinstance(padding, str):
        word = padding.upper()
        if word == "SAME":
            pad_len = dk + stride - 2
            lo = dk - 1 if stride > dk - 1 else -(-pad_len // 2)
        elif word == "VALID":
            pad_len = dk + stride - 2 + max(dk - stride, 0)
            lo = dk - 1
        else:
            raise ValueError(
                f"`padding` must be 'SAME', 'VALID' or [(lo, hi)]. Received: padding={padding!r}"
            )
        hi = pad_len - lo
    else:
        values = np.asarray(padding).ravel().tolist()
        if len(values) != 2:
            raise ValueError(
                f"`padding` must be 'SAME', 'VALID' or [(lo, hi)] for 1-D. "
                f"Received: padding={padding!r}"
            )
        lo, hi = (shapes.check_int("padding", v) for v in values)
        if use_consistent_padding:      # forward-conv padding, PyTorch-like
            lo, hi = dk - 1 - lo, dk - 1 - hi
    return dk - 1 - lo, dk - 1 - hi


def arguments(length: int, kernel_size: int, stride: int, dilation: int, crop_left: int,
              crop_right: int) -> dict:
    """JAX explicit pads keeping the window (any window: JAX pads may be negative)."""
    dk = shapes.effective_kernel_size(kernel_size, dilation)
    return {"padding": [(dk - 1 - crop_left, dk - 1 - crop_right)]}


@dataclass(frozen=True)
class _JaxCall(Call):
    out_order: tuple[int, ...] = (0, 1, 2)

    @property
    def layout(self) -> str:
        letters = [""] * 3
        for letter, axis in zip("NLC", self.out_order):
            letters[axis] = letter
        return "".join(letters)

    def run(self, x: npt.ArrayLike | None = None, kernel: npt.ArrayLike | None = None,
            bias: Any = False, dtype: npt.DTypeLike | None = None) -> np.ndarray:
        y = self.canonical(x, kernel, bias, dtype)        # (N, L, C)
        # out_order[j] is the axis of the output that holds N, H, C (j = 0, 1, 2).
        return np.ascontiguousarray(y.transpose(np.argsort(self.out_order)))


def read(lhs: npt.ArrayLike, rhs: npt.ArrayLike, strides: Any, padding: Any,
         rhs_dilation: Any = None, dimension_numbers: Sequence[str] | None = None,
         transpose_kernel: bool = False, use_consistent_padding: bool = False) -> Call:
    """A JAX call read into a :class:`Call` (the arguments of :func:`jax_conv_transpose`)."""
    numbers = dimension_numbers or ("NHC", "HIO", "NHC")
    if isinstance(numbers, str) or not isinstance(numbers, Sequence) or len(numbers) != 3:
        raise ValueError(
            "`dimension_numbers` must be three spec strings (lhs, rhs, out) such as "
            f"('NHC', 'HIO', 'NHC'). Received: dimension_numbers={dimension_numbers!r}"
        )
    lhs_spec, rhs_spec, out_spec = numbers
    lh, ln, lc = spec_axes(lhs_spec, "NC", "dimension_numbers[0]")
    x = rank3("lhs", lhs, f"in {lhs_spec!r} order").transpose(ln, lh, lc)
    w = to_keras(rank3("rhs", rhs, f"in {rhs_spec!r} order"),
                 transpose_kernel=transpose_kernel, rhs_spec=rhs_spec)
    s = one_int("strides", strides, 1, 1)
    d = one_int("rhs_dilation", rhs_dilation, 1, 1)
    assert s is not None and d is not None
    if w.shape[2] != x.shape[2]:
        raise ValueError(
            f"`rhs` holds {w.shape[2]} input channels but `lhs` has {x.shape[2]} "
            f"(transpose_kernel={transpose_kernel}: the kernel is "
            + ("(K, C_out, C_in)" if transpose_kernel else "(K, C_in, C_out)")
            + f" in HIO order). Received: rhs with shape {np.shape(rhs)}"
        )
    cl, cr = crops(x.shape[1], w.shape[0], s, d, padding, use_consistent_padding)
    oh, on, oc = spec_axes(out_spec, "NC", "dimension_numbers[2]")
    return _JaxCall("jax", x, w, None, s, d, 1, cl, cr, out_order=(on, oh, oc))


def jax_conv_transpose(lhs: npt.ArrayLike, rhs: npt.ArrayLike, strides: Any, padding: Any,
                       rhs_dilation: Any = None,
                       dimension_numbers: Sequence[str] | None = None,
                       transpose_kernel: bool = False,
                       use_consistent_padding: bool = False) -> np.ndarray:
    """``jax.lax.conv_transpose`` (1-D), computed by the reference.

    Parameters
    ----------
    lhs : array_like, shape (N, L, C_in) in ``dimension_numbers[0]`` order
    rhs : array_like
        ``(K, C_in, C_out)`` in ``dimension_numbers[1]`` order (default ``'HIO'``),
        used *flipped* (the JAX default); with ``transpose_kernel=True`` it is
        ``(K, C_out, C_in)``, the Keras layout, and not flipped.
    strides : int or [int]
    padding : {"SAME", "VALID"} or [(lo, hi)]
        Strings follow Keras.  Explicit pads pad the stride-dilated input:
        crop ``(dk - 1 - lo, dk - 1 - hi)``; with ``use_consistent_padding=True``
        they are forward-conv pads and crop ``(lo, hi)`` (PyTorch-like).
    rhs_dilation : int or [int], optional
    dimension_numbers : (str, str, str), optional
        Default ``('NHC', 'HIO', 'NHC')``.
    transpose_kernel : bool, default False
    use_consistent_padding : bool, default False

    Returns
    -------
    ndarray, shape (N, L_out, C_out) in ``dimension_numbers[2]`` order

    Examples
    --------
    >>> x = np.ones((1, 3, 1))
    >>> w = np.array([1.0, 2.0, 3.0]).reshape(3, 1, 1)
    >>> jax_conv_transpose(x, w, [2], "SAME", transpose_kernel=True)[0, :, 0]
    array([1., 2., 4., 2., 4., 2.])
    >>> jax_conv_transpose(x, w, [2], "SAME")[0, :, 0]   # flipped kernel
    array([3., 2., 4., 2., 4., 2.])
    """
    return read(lhs, rhs, strides, padding, rhs_dilation, dimension_numbers,
                transpose_kernel, use_consistent_padding).run()


def _from_command_line(keywords: dict) -> dict:
    padding = keywords.get("padding")
    if padding is not None and "," in padding:
        try:
            keywords["padding"] = [tuple(int(part) for part in padding.split(","))]
        except ValueError:
            raise ValueError(f"--padding for jax must be SAME, VALID or lo,hi. "
                             f"Received: --padding={padding!r}") from None
    if keywords.get("dimension_numbers"):
        numbers = tuple(keywords["dimension_numbers"])
        if len(numbers) != 3:
            raise ValueError(
                "--dimension-numbers for jax must be three specs lhs,rhs,out such as "
                f"NHC,HIO,NHC. Received: --dimension-numbers={','.join(numbers)!r}")
        keywords["dimension_numbers"] = numbers
    keywords.setdefault("strides", [1])
    keywords.setdefault("padding", "VALID")
    return keywords


FRAMEWORK = Framework(
    name="jax", title="JAX", aliases=("lax",),
    to_keras=to_keras, from_keras=from_keras, crops=crops, arguments=arguments,
    read=read, entry=jax_conv_transpose, takes_bias=False,
    options={"stride": "strides", "padding": "padding", "dilation": "rhs_dilation",
             "dimension_numbers": "dimension_numbers", "transpose_kernel": "transpose_kernel",
             "use_consistent_padding": "use_consistent_padding"},
    option_help={"padding": "SAME|VALID|lo,hi", "dimension_numbers": "e.g. NHC,HIO,NHC",
                 "transpose_kernel": "transpose_kernel=True",
                 "use_consistent_padding": "use_consistent_padding=True"},
    from_command_line=_from_command_line,
    layouts="x and kernel in dimension_numbers order, default NHC,HIO,NHC",
    weight_aliases=("flax",),
)
