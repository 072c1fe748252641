"""Checking and converting array arguments: the one place, for every core function.

Scalar arguments are checked by :mod:`deconv1d.core.geometry`; the array
checks here raise ``TypeError``/``ValueError`` naming the argument and what
was received, before any heavy work.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

__all__ = ["TRANSPOSE_KERNEL", "as_numeric", "channels_last", "check_bias", "check_fits",
           "check_time_steps", "check_transpose_kernel", "dtypes", "physical_memory",
           "rank3"]

#: The layout of a transposed convolution's kernel, for error messages.
TRANSPOSE_KERNEL = ("(kernel_size, C_out // groups, C_in) (the Keras Conv1DTranspose "
                    "kernel layout)")


def as_numeric(name: str, value: object) -> np.ndarray:
    if value is None:
        raise TypeError(f"`{name}` must be an array, not None. Received: {name}=None")
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"`{name}` must be a numeric array. Received: {name} that NumPy cannot "
            f"convert ({error})"
        ) from None
    if array.dtype.kind not in "biufc":
        raise TypeError(
            f"`{name}` must be a numeric array. Received: {name} with dtype "
            f"{array.dtype}"
        )
    return array


def rank3(name: str, value: object, layout: str) -> np.ndarray:
    """``value`` as a numeric array of rank 3, or raise naming ``name`` and ``layout``."""
    array = as_numeric(name, value)
    if array.ndim != 3:
        raise ValueError(
            f"`{name}` must have rank 3, {layout}. Received: {name} with shape {array.shape}"
        )
    return array


def check_time_steps(name: str, array: np.ndarray, length: int) -> None:
    if length == 0:
        raise ValueError(
            f"`{name}` must have at least one time step. Received: {name} with shape "
            f"{array.shape}"
        )


def check_transpose_kernel(w: np.ndarray, groups: int, in_channels: int,
                           source: str | Callable[[], str]) -> int:
    """Check a rank-3 transposed-convolution kernel; return its output channels.

    Parameters
    ----------
    w : ndarray, shape (K, C_out // groups, C_in)
    groups : int
        Already checked to be a positive int.
    in_channels : int
        The input channels ``C_in`` that ``w`` must match.
    source : str or callable
        Where ``in_channels`` comes from, for the error message (a callable is
        called only to write one: formatting costs a small call time).

    Returns
    -------
    int
        ``C_out``.

    Examples
    --------
    >>> check_transpose_kernel(np.ones((3, 2, 4)), 2, 4, "`x`")
    4
    """
    kernel_size, c_out_g, w_in = w.shape
    if in_channels % groups:
        raise ValueError(
            f"`groups` must divide the {in_channels} input channels. "
            f"Received: groups={groups}"
        )
    if w_in != in_channels:
        raise ValueError(
            f"`w` must have {in_channels} input channels (its last axis) to match "
            f"{_text(source)}. Received: w with shape {w.shape}"
        )
    if kernel_size == 0 or c_out_g == 0:
        raise ValueError(f"`w` must not be empty. Received: w with shape {w.shape}")
    return int(c_out_g) * groups


def check_bias(bias: object, channels: int, per: str) -> np.ndarray:
    """``bias`` as an array of shape ``(channels,)``, one value ``per`` channel."""
    bias = as_numeric("bias", bias)
    if bias.shape != (channels,):
        raise ValueError(
            f"`bias` must have shape ({channels},), one value per {per}. "
            f"Received: bias with shape {bias.shape}"
        )
    return bias


def _text(message: str | Callable[[], str]) -> str:
    return message if isinstance(message, str) else message()


def dtypes(*arrays: npt.ArrayLike) -> tuple[np.dtype, np.dtype]:
    """``(compute, result)`` dtypes: ints and bools become float64; float16 computes in float32."""
    first = arrays[0].dtype if isinstance(arrays[0], np.ndarray) else None
    if (first in _SAME_DTYPES
            and all(isinstance(a, np.ndarray) and a.dtype == first for a in arrays[1:])):
        return first, first                 # the common case, without np.result_type
    result = np.result_type(*arrays)
    if result.kind in "biu":
        result = np.dtype(np.float64)
    compute = np.dtype(np.float32) if result == np.float16 else result
    return compute, result


@functools.lru_cache(maxsize=1)
def physical_memory() -> int:
    """This machine's memory in bytes (read once: it is asked on every call)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # pragma: no cover - non-POSIX
        return 2**40


_INTP_MAX = int(np.iinfo(np.intp).max)
#: Dtypes that are their own compute and result dtype (see :func:`dtypes`).
_SAME_DTYPES = frozenset(np.dtype(t) for t in (np.float32, np.float64, np.complex64,
                                                np.complex128, np.longdouble))


def check_fits(what: str, shape: tuple[int, ...], itemsize: int,
               received: str | Callable[[], str]) -> None:
    """The one size guard: refuse an array that would not fit in this machine's memory.

    Called before allocating anything whose size follows from the arguments
    (an output, a padded copy of a signal), so that an impossible request is a
    ``ValueError`` naming the arguments rather than a ``MemoryError``, an
    ``OverflowError`` or an exhausted machine.  Sizes are Python ints: no overflow.

    Parameters
    ----------
    what : str
        What would be allocated, for the message (``"The output"``).
    shape : tuple of int
        Its shape.
    itemsize : int
        Bytes per element.
    received : str or callable
        The arguments that chose the size, as ``name=value`` text (or a callable
        returning it, called only for the message).

    Raises
    ------
    ValueError
        If ``prod(shape) * itemsize`` exceeds :func:`physical_memory`.

    Examples
    --------
    >>> check_fits("The output", (1, 10, 1), 8, "stride=2")
    >>> check_fits("The output", (1, 2**50, 1), 8, "stride=2**49")
    Traceback (most recent call last):
    ...
    ValueError: The output, shape (1, 1125899906842624, 1), would need 8.39e+06 GiB, more than this machine's memory: check the sizes. Received: stride=2**49
    """
    needed = itemsize
    for n in shape:
        needed *= int(n)
    # An empty batch needs no bytes, but NumPy still cannot make an axis this long.
    if needed > physical_memory() or max(shape, default=0) > _INTP_MAX:
        raise ValueError(
            f"{what}, shape {tuple(int(n) for n in shape)}, would need "
            f"{needed / 2**30:.3g} GiB, more than this machine's memory: check the "
            f"sizes. Received: {_text(received)}"
        )


def channels_last(array: np.ndarray, data_format: str) -> np.ndarray:
    """A channels-last view ``(N, L, C)`` of an array in ``data_format``."""
    return array if data_format == "channels_last" else array.transpose(0, 2, 1)
