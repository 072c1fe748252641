"""One vocabulary for every framework's transposed 1-D convolution.

Every framework computes the same thing (see :mod:`deconv1d.shapes`): a *full
scatter* of natural length ``(L - 1) * stride + dk`` (``dk = (K - 1) * dilation + 1``)
of which a window is kept, given by the canonical pair ``(crop_left, crop_right)``
(a negative crop keeps zeros beyond that end).  Frameworks differ only in

- the **weight layout** (``keras_kernel_from`` / ``kernel_for`` convert), and
- the **arguments** that choose the window (``crops_from`` reads them,
  ``arguments_for`` writes them, ``translate`` does both).

Each framework also has an entry point taking *its own* arguments and layouts,
computed with :func:`deconv1d.conv1d_transpose`:
:func:`torch_conv_transpose1d`, :func:`onnx_conv_transpose`,
:func:`tf_conv1d_transpose`, :func:`jax_conv_transpose`,
:func:`keras_conv1d_transpose`.  When a target framework cannot express a window,
:class:`InexpressibleError` says why and what to do instead.

========================  ===================================  ===========================
framework                 weight                               window
========================  ===================================  ===========================
Keras, tf.nn              ``(K, C_out/groups, C_in)``          padding valid/same, output_padding
PyTorch, ONNX             ``(C_in, C_out/groups, K)``          crop ``(p, p - q)``; ONNX ``(b, e - q)``
JAX transpose_kernel=T    ``(K, C_out, C_in)`` (HIO)            explicit pads: crop ``(dk-1-lo, dk-1-hi)``
JAX default, Flax         ``(K, C_in, C_out)`` flipped in K      same
========================  ===================================  ===========================

References
----------
V. Dumoulin and F. Visin, "A guide to convolution arithmetic for deep learning",
arXiv:1603.07285, Relationships 8-14.  ONNX ConvTranspose operator specification;
PyTorch ``torch.nn.ConvTranspose1d``; JAX ``jax.lax.conv_transpose``;
TensorFlow ``tf.nn.conv1d_transpose``.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import numpy.typing as npt

from ..core import geometry as shapes
from . import registry
from .base import Call, InexpressibleError, full_length
from .jax import jax_conv_transpose
from .keras import keras_conv1d_transpose
from .onnx import onnx_conv_transpose
from .tf import tf_conv1d_transpose
from .torch import torch_conv_transpose1d

__all__ = [
    "FRAMEWORKS",
    "Call",
    "InexpressibleError",
    "arguments_for",
    "crops_from",
    "jax_conv_transpose",
    "keras_conv1d_transpose",
    "keras_kernel_from",
    "kernel_for",
    "onnx_conv_transpose",
    "plan",
    "tf_conv1d_transpose",
    "torch_conv_transpose1d",
    "translate",
]

#: Framework names understood by this module (``"flax"`` for weights only).
FRAMEWORKS: tuple[str, ...] = registry.names()


def keras_kernel_from(framework: str, weight: npt.ArrayLike, *, transpose_kernel: bool = False,
                      rhs_spec: str = "HIO") -> np.ndarray:
    """Convert a framework's weight to the Keras layout ``(K, C_out // groups, C_in)``.

    Parameters
    ----------
    framework : {"keras", "tf", "torch", "onnx", "jax", "flax"}
    weight : array_like
        ``torch``/``onnx``: ``(C_in, C_out // groups, K)``; ``keras``/``tf``:
        ``(K, C_out, C_in)``; ``jax``/``flax``: in ``rhs_spec`` order (default
        ``'HIO'``), ``(K, C_out, C_in)`` with ``transpose_kernel=True``, else
        ``(K, C_in, C_out)`` and flipped in ``K``.
    transpose_kernel : bool, default False
        JAX ``lax.conv_transpose`` / Flax ``ConvTranspose`` argument of that name.
    rhs_spec : str, default "HIO"
        JAX kernel dimension spec (the middle of ``dimension_numbers``).

    Returns
    -------
    kernel : ndarray, shape (K, C_out // groups, C_in)
        A new array.

    Examples
    --------
    >>> w_torch = np.arange(12.0).reshape(2, 3, 2)      # (C_in=2, C_out=3, K=2)
    >>> keras_kernel_from("torch", w_torch).shape
    (2, 3, 2)
    >>> k = np.arange(6.0).reshape(3, 1, 2)             # (K=3, C_out=1, C_in=2)
    >>> bool((keras_kernel_from("jax", kernel_for("jax", k)) == k).all())
    True
    """
    found = registry.get(framework, weights=True)
    w = np.asarray(weight)
    if w.ndim != 3:
        raise ValueError(
            f"`weight` must have rank 3 for a 1-D transposed convolution. "
            f"Received: weight with shape {w.shape}"
        )
    return found.to_keras(w, transpose_kernel=transpose_kernel, rhs_spec=rhs_spec)


def kernel_for(framework: str, kernel: npt.ArrayLike, *, transpose_kernel: bool = False,
               rhs_spec: str = "HIO") -> np.ndarray:
    """Convert a Keras kernel ``(K, C_out // groups, C_in)`` to a framework's layout.

    The inverse of :func:`keras_kernel_from` (same parameters).

    Returns
    -------
    weight : ndarray
        A new array in the framework's layout.

    Examples
    --------
    >>> k = np.zeros((3, 4, 2))                          # (K, C_out, C_in)
    >>> kernel_for("torch", k).shape                     # (C_in, C_out, K)
    (2, 4, 3)
    >>> kernel_for("jax", k).shape                       # (K, C_in, C_out), flipped
    (3, 2, 4)
    """
    found = registry.get(framework, weights=True)
    k = np.asarray(kernel)
    if k.ndim != 3:
        raise ValueError(
            "`kernel` must have rank 3, (K, C_out // groups, C_in). "
            f"Received: kernel with shape {k.shape}"
        )
    return found.from_keras(k, transpose_kernel=transpose_kernel, rhs_spec=rhs_spec)


def _sizes(length: Any, kernel_size: Any, stride: Any, dilation: Any) -> tuple[int, ...]:
    return (shapes.check_int("length", length, minimum=1),
            shapes.check_int("kernel_size", kernel_size, minimum=1),
            shapes.check_int("stride", stride, minimum=1),
            shapes.check_int("dilation", dilation, minimum=1))


def crops_from(framework: str, length: int, kernel_size: int, *, stride: int = 1,
               dilation: int = 1, **arguments: Any) -> tuple[int, int]:
    """The canonical ``(crop_left, crop_right)`` chosen by a framework's arguments.

    Parameters
    ----------
    framework : {"keras", "torch", "onnx", "tf", "jax"}
    length, kernel_size : int
        Input length ``L`` and number of taps ``K``.
    stride, dilation : int, default 1
    **arguments
        The framework's own window arguments: ``keras``: ``padding``,
        ``output_padding``; ``torch``: ``padding``, ``output_padding``,
        ``output_size``; ``onnx``: ``pads``, ``auto_pad``, ``output_padding``,
        ``output_shape``; ``tf``: ``output_shape`` (the length, or ``[L_out]``),
        ``padding``; ``jax``: ``padding``, ``use_consistent_padding``.

    Returns
    -------
    (int, int)
        Samples dropped at the start and end of the full scatter of length
        ``(L - 1) * stride + (K - 1) * dilation + 1``; negative means zeros kept.

    Examples
    --------
    >>> crops_from("keras", 3, 3, stride=2, padding="same")
    (0, 1)
    >>> crops_from("torch", 3, 3, stride=2, padding=1, output_padding=1)
    (1, 0)
    >>> crops_from("onnx", 3, 1, stride=2, auto_pad="SAME_UPPER")
    (0, -1)
    >>> crops_from("jax", 3, 4, stride=2, padding=[(1, 1)])
    (2, 2)
    """
    found = registry.get(framework)
    try:
        return found.crops(*_sizes(length, kernel_size, stride, dilation), **arguments)
    except TypeError as error:
        if "unexpected keyword" in str(error):
            raise TypeError(f"{found.name}: {error}") from None
        raise


def arguments_for(framework: str, length: int, kernel_size: int, crop_left: int,
                  crop_right: int, *, stride: int = 1, dilation: int = 1) -> dict[str, Any]:
    """The framework's own window arguments that keep ``(crop_left, crop_right)``.

    Parameters
    ----------
    framework : {"keras", "torch", "onnx", "tf", "jax"}
    length, kernel_size : int
    crop_left, crop_right : int
        The canonical window (negative: zeros kept beyond that end).
    stride, dilation : int, default 1

    Returns
    -------
    dict
        ``keras``: ``padding``, ``output_padding``; ``torch``: ``padding``,
        ``output_padding``; ``onnx``: ``pads``, ``output_padding``; ``tf``:
        ``output_shape`` (the length), ``padding``; ``jax``: ``padding`` as explicit
        pads ``[(lo, hi)]`` (with ``use_consistent_padding=False``, the default).

    Raises
    ------
    InexpressibleError
        If the framework cannot keep that window; the message says what to do.

    Examples
    --------
    >>> arguments_for("torch", 3, 3, 1, 0, stride=2)
    {'padding': 1, 'output_padding': 1}
    >>> arguments_for("onnx", 3, 3, 0, 1, stride=2)
    {'pads': [0, 1], 'output_padding': 0}
    >>> arguments_for("torch", 3, 3, 0, 1, stride=2)
    Traceback (most recent call last):
    ...
    deconv1d.frameworks.base.InexpressibleError: PyTorch cannot crop 0 at the start and crop 1 at the end (full length 7): padding=p, output_padding=q crops (p, p - q) with p >= 0 and 0 <= q < max(stride, dilation) = 2. Instead use padding=0, output_padding=0 and slice [0:6] yourself.
    """
    found = registry.get(framework)
    sizes = _sizes(length, kernel_size, stride, dilation)
    crop_left = shapes.check_int("crop_left", crop_left)
    crop_right = shapes.check_int("crop_right", crop_right)
    full = full_length(*sizes)
    if shapes.Window(crop_left, crop_right).output_length(full) < 1:
        raise ValueError(
            f"The window would be empty: full length {full}, "
            f"crop_left={crop_left}, crop_right={crop_right}"
        )
    return found.arguments(*sizes, crop_left, crop_right)


def translate(source: str, target: str, length: int, kernel_size: int, *, stride: int = 1,
              dilation: int = 1, **arguments: Any) -> dict[str, Any]:
    """Translate window arguments from one framework to another.

    Goes through the canonical ``(crop_left, crop_right)``: :func:`crops_from`
    then :func:`arguments_for`.  Weight layouts are converted separately
    (:func:`keras_kernel_from`, :func:`kernel_for`).

    Parameters
    ----------
    source, target : {"keras", "torch", "onnx", "tf", "jax"}
    length : int
        Input length ``L``.
    kernel_size : int
    stride, dilation : int, default 1
    **arguments
        The source framework's window arguments (e.g. ``padding=1,
        output_padding=1`` for ``"torch"``; ``pads=[0, 1]`` for ``"onnx"``).

    Returns
    -------
    dict
        The target's arguments (see :func:`arguments_for`).

    Raises
    ------
    InexpressibleError
        If the target cannot express the source's window.

    Examples
    --------
    >>> translate("keras", "onnx", 3, 3, stride=2, padding="same")
    {'pads': [0, 1], 'output_padding': 0}
    >>> translate("torch", "keras", 5, 4, stride=2, padding=1)
    {'padding': 'same', 'output_padding': None}
    """
    cl, cr = crops_from(source, length, kernel_size, stride=stride, dilation=dilation,
                        **arguments)
    return arguments_for(target, length, kernel_size, cl, cr, stride=stride,
                         dilation=dilation)


def plan(framework: str, *args: Any, **kwargs: Any) -> Call:
    """Read a framework call (its own arguments and layouts) into a :class:`Call`.

    ``plan("torch", x, weight, bias, stride=2, ...)`` takes exactly the arguments
    of :func:`torch_conv_transpose1d` (and likewise for the other frameworks);
    ``plan(...).run()`` computes it.  :mod:`deconv1d.verify` uses this to
    compute references, magnitudes and "what if" variants.

    Examples
    --------
    >>> c = plan("torch", np.ones((1, 2, 3)), np.ones((2, 4, 3)), stride=2, padding=1)
    >>> c.crop_left, c.crop_right, c.reduction_length
    (1, 1, 6)
    """
    planner = registry.get(framework).read
    signature = inspect.signature(planner)
    try:
        signature.bind(*args, **kwargs)
    except TypeError as error:
        names = ", ".join(signature.parameters)
        raise TypeError(f"{framework}: {error}; its arguments are: {names}. "
                        f"Received: {sorted(kwargs)}") from None
    return planner(*args, **kwargs)
