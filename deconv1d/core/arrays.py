"""Checking and converting array arguments: the one place, for every core function.

Scalar arguments are checked by :mod:`deconv1d.core.geometry`; the array
checks here raise ``TypeError``/``ValueError`` naming the argument and what
was received, before any heavy work.
"""

from __future__ import annotations

import os

import numpy as np

__all__ = ["as_numeric", "channels_last", "check_bias", "check_time_steps", "dtypes",
           "physical_memory", "rank3"]


def as_numeric(name, value):
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


def rank3(name, value, layout):
    """``value`` as a numeric array of rank 3, or raise naming ``name`` and ``layout``."""
    array = as_numeric(name, value)
    if array.ndim != 3:
        raise ValueError(
            f"`{name}` must have rank 3, {layout}. Received: {name} with shape {array.shape}"
        )
    return array


def check_time_steps(name, array, length):
    if length == 0:
        raise ValueError(
            f"`{name}` must have at least one time step. Received: {name} with shape "
            f"{array.shape}"
        )


def check_bias(bias, channels, per):
    """``bias`` as an array of shape ``(channels,)``, one value ``per`` channel."""
    bias = as_numeric("bias", bias)
    if bias.shape != (channels,):
        raise ValueError(
            f"`bias` must have shape ({channels},), one value per {per}. "
            f"Received: bias with shape {bias.shape}"
        )
    return bias


def dtypes(*arrays):
    """``(compute, result)`` dtypes: ints and bools become float64; float16 computes in float32."""
    result = np.result_type(*arrays)
    if result.kind in "biu":
        result = np.dtype(np.float64)
    compute = np.dtype(np.float32) if result == np.float16 else result
    return compute, result


def physical_memory():
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # pragma: no cover - non-POSIX
        return 2**40


def channels_last(array, data_format):
    """A channels-last view ``(N, L, C)`` of an array in ``data_format``."""
    return array if data_format == "channels_last" else array.transpose(0, 2, 1)
