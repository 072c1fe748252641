"""Hypothesis strategies and the float64 closeness check shared by the test modules.

Each strategy draws a whole call, small enough for the loop oracles in
:mod:`deconv1d.reference`:

- :func:`geometries`: ``length, kernel_size, stride, padding, output_padding,
  dilation`` keyword arguments (every padding form, or only Keras's);
- :func:`problems`: ``(x, w, kwargs)`` for ``conv1d_transpose(x, w, **kwargs)``,
  Keras kernel layout, either data format, groups and an optional bias;
- :func:`torch_calls`: ``(x, weight, bias, kwargs)`` in PyTorch's own layouts and
  argument names, for ``torch.nn.functional.conv_transpose1d`` and
  ``deconv1d.interop.torch_conv_transpose1d``;
- :func:`windows`: ``(length, kernel_size, stride, dilation, crop_left,
  crop_right)`` with crops that may be negative (zero extension).

:func:`engine_copies` makes the engine's strided copies (``copy_into``) take each
of their ways at every size, which they otherwise take only for copies of 256 KiB.

:func:`close64` is the float64 agreement every fast path must reach against an
oracle: ``max|actual - expected| <= 1e-12 * max(1, max|expected|)``.
:func:`peak_of` is the memory measurement of the bounded-scratch tests.
"""

from __future__ import annotations

import contextlib
import tracemalloc
from collections.abc import Callable
from typing import Any
from unittest import mock

import numpy as np
import numpy.typing as npt
from hypothesis import strategies as st

from deconv1d import shapes

__all__ = ["COPY_MODES", "KERAS_PADDINGS", "RTOL64", "close64", "engine_copies", "geometries",
           "peak_of", "problems", "torch_calls", "windows"]

#: Keras's padding strings, in the spellings the layer and the core accept.
KERAS_PADDINGS = ("valid", "same", "VALID", "Same")

#: The ways :func:`engine_copies` can make ``deconv1d.core.engine.copy_into`` copy.
COPY_MODES = ("numpy", "runs", "tiles")


def engine_copies(mode: str) -> contextlib.ExitStack:
    """A context in which ``engine.copy_into`` copies, at every size: as NumPy does
    (``"numpy"``: no change, only copies of 256 KiB or 2**14 runs and up are its
    own), short runs as opaque values (``"runs"``), or a few channels at a time
    whatever their stride (``"tiles"``: 2 channels, as if every stride aliased in
    the cache)."""
    from deconv1d.core import engine
    patches = {"numpy": {}, "runs": {"RUN_COPY_BYTES": 0},
               "tiles": {"RUN_COPY_BYTES": 0, "ALIAS_BYTES": 1, "ALIAS_CHANNELS": 2}}[mode]
    stack = contextlib.ExitStack()
    for name, value in patches.items():
        stack.enter_context(mock.patch.object(engine, name, value))
    return stack


#: Relative float64 tolerance of a fast path against an oracle.
RTOL64 = 1e-12


def close64(actual: npt.ArrayLike, expected: npt.ArrayLike,
            scale: float | None = None) -> None:
    """Assert equal shapes and ``max|actual - expected| <= 1e-12 * scale``.

    ``scale`` defaults to ``max(1, max|expected|)``: relative to the largest
    value, absolute near zero.
    """
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    if scale is None:
        scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    error = float(np.max(np.abs(actual - expected), initial=0.0))
    assert error <= RTOL64 * scale, f"max error {error:.3g} > {RTOL64:g} * {scale:.3g}"


@st.composite
def geometries(draw: st.DrawFn, max_length: int = 6, max_kernel: int = 5,
               max_stride: int = 4, max_dilation: int = 3,
               keras_only: bool = False) -> dict[str, Any]:
    """Keyword arguments of ``shapes.geometry`` that give an output of length >= 1.

    ``padding`` is a Keras string (any case), an int (PyTorch: crop at both
    ends) or a pair of crops; ``keras_only=True`` draws only the strings.
    ``output_padding`` is None or in ``[0, max(stride, dilation))``.  No draw is
    discarded: a geometry that would leave nothing gets ``output_padding=None``
    with ``keras_only`` (a Keras string then always keeps >= 1 sample), and
    explicit crops ``(0, 0)`` otherwise.
    """
    length = draw(st.integers(1, max_length))
    kernel_size = draw(st.integers(1, max_kernel))
    stride = draw(st.integers(1, max_stride))
    dilation = draw(st.integers(1, max_dilation))
    dk = shapes.effective_kernel_size(kernel_size, dilation)
    full = (length - 1) * stride + dk
    keras = st.sampled_from(KERAS_PADDINGS)
    padding = draw(keras if keras_only else st.one_of(
        keras,
        st.integers(0, max(0, (full - 1) // 2)),
        st.tuples(st.integers(0, full - 1), st.integers(0, full - 1)),
    ))
    output_padding = draw(st.one_of(st.none(), st.integers(0, max(stride, dilation) - 1)))
    kwargs = dict(length=length, kernel_size=kernel_size, stride=stride,
                  padding=padding, output_padding=output_padding, dilation=dilation)
    try:
        shapes.geometry(**kwargs)
    except ValueError:
        if keras_only:
            kwargs["output_padding"] = None
        else:
            kwargs["padding"] = (0, 0)
    return kwargs


@st.composite
def problems(draw: st.DrawFn, dtype: npt.DTypeLike = np.float64, max_batch: int = 2,
             max_channels: int = 3, max_groups: int = 3,
             **geometry_bounds: Any) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """``(x, w, kwargs)`` for ``conv1d_transpose(x, w, **kwargs)``.

    ``x`` is ``(N, L, C_in)`` or ``(N, C_in, L)`` as ``kwargs["data_format"]``
    says, ``w`` is ``(K, C_out / groups, C_in)``, ``kwargs["bias"]`` is None or
    ``(C_out,)``; all of ``dtype``.  ``geometry_bounds`` go to :func:`geometries`.
    """
    g = draw(geometries(**geometry_bounds))
    groups = draw(st.integers(1, max_groups))
    cin_g = draw(st.integers(1, max_channels))
    cout_g = draw(st.integers(1, max_channels))
    n_batch = draw(st.integers(1, max_batch))
    data_format = draw(st.sampled_from(["channels_last", "channels_first"]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    c_in, c_out = groups * cin_g, groups * cout_g
    x = rng.standard_normal((n_batch, g["length"], c_in)).astype(dtype)
    if data_format == "channels_first":
        x = np.ascontiguousarray(x.transpose(0, 2, 1))
    w = rng.standard_normal((g["kernel_size"], cout_g, c_in)).astype(dtype)
    bias = draw(st.one_of(st.none(), st.just(rng.standard_normal(c_out).astype(dtype))))
    kwargs = dict(stride=g["stride"], padding=g["padding"],
                  output_padding=g["output_padding"], dilation=g["dilation"],
                  groups=groups, data_format=data_format, bias=bias)
    return x, w, kwargs


@st.composite
def torch_calls(draw: st.DrawFn, dtypes: tuple[str, ...] = ("float64",), max_batch: int = 2,
                max_channels: int = 3, max_groups: int = 3, max_length: int = 7,
                max_kernel: int = 5, max_stride: int = 4, max_dilation: int = 3,
                max_padding: int = 3
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, dict[str, Any]]:
    """``(x, weight, bias, kwargs)`` for PyTorch's ``conv_transpose1d``, in its layouts.

    ``x`` is ``(N, C_in, L)``, ``weight`` ``(C_in, C_out / groups, K)``, ``bias``
    None or ``(C_out,)``; ``kwargs`` holds ``stride, padding, output_padding,
    groups, dilation`` with ``output_padding < max(stride, dilation)`` as PyTorch
    requires.  A padding that would leave no output becomes 0.
    """
    groups = draw(st.integers(1, max_groups))
    c_in, cout_g = groups * draw(st.integers(1, max_channels)), draw(st.integers(1, max_channels))
    kernel_size, stride = draw(st.integers(1, max_kernel)), draw(st.integers(1, max_stride))
    dilation = draw(st.integers(1, max_dilation))
    length, n_batch = draw(st.integers(1, max_length)), draw(st.integers(1, max_batch))
    padding = draw(st.integers(0, max_padding))
    output_padding = draw(st.integers(0, max(stride, dilation) - 1))
    if (length - 1) * stride + (kernel_size - 1) * dilation + 1 - 2 * padding \
            + output_padding < 1:
        padding = 0
    dtype = draw(st.sampled_from(dtypes))
    rng = np.random.default_rng(draw(st.integers(0, 2**31)))
    x = rng.standard_normal((n_batch, c_in, length)).astype(dtype)
    weight = rng.standard_normal((c_in, cout_g, kernel_size)).astype(dtype)
    bias = (rng.standard_normal(cout_g * groups).astype(dtype) if draw(st.booleans())
            else None)
    return x, weight, bias, dict(stride=stride, padding=padding,
                                 output_padding=output_padding, groups=groups,
                                 dilation=dilation)


@st.composite
def windows(draw: st.DrawFn, max_length: int = 6, max_kernel: int = 5, max_stride: int = 4,
            max_dilation: int = 3, min_crop_left: int = -2,
            min_crop_right: int = -3) -> tuple[int, int, int, int, int, int]:
    """``(length, kernel_size, stride, dilation, crop_left, crop_right)``.

    The kept window ``full[crop_left : full - crop_right]`` of the full scatter
    (length ``full = (L - 1) * s + (K - 1) * d + 1``) holds at least one sample;
    a negative crop extends the output with zeros at that end.
    """
    length = draw(st.integers(1, max_length))
    kernel_size = draw(st.integers(1, max_kernel))
    stride = draw(st.integers(1, max_stride))
    dilation = draw(st.integers(1, max_dilation))
    full = (length - 1) * stride + (kernel_size - 1) * dilation + 1
    crop_left = draw(st.integers(min_crop_left, full - 1))
    crop_right = draw(st.integers(min_crop_right, full - 1 - crop_left))
    return length, kernel_size, stride, dilation, crop_left, crop_right


#: The argument order of ``shapes.geometry`` and of explain's view functions.
GEOMETRY_ARGS = ("length", "kernel_size", "stride", "padding", "output_padding", "dilation")


def geometry_args(**bounds: Any) -> st.SearchStrategy[tuple[Any, ...]]:
    """:func:`geometries` as positional ``(length, kernel_size, stride, padding,
    output_padding, dilation)`` tuples."""
    return geometries(**bounds).map(lambda g: tuple(g[name] for name in GEOMETRY_ARGS))


def peak_of(function: Callable[[], Any]) -> tuple[Any, int]:
    """``(function(), peak)``: the peak bytes NumPy and Python allocated during the call
    (``tracemalloc``), above what was allocated when it started."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        result = function()
        return result, tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
