"""Hypothesis strategies shared by the test modules.

``problems()`` draws a whole transposed-convolution call: arrays and keyword
arguments, covering every padding form, output_padding, dilation, groups, both
data formats and an optional bias, with sizes small enough for the loop oracles.
"""

import numpy as np
from hypothesis import strategies as st

from deconv1d import shapes


@st.composite
def geometries(draw, max_length=6, max_kernel=5, max_stride=4, max_dilation=3):
    """Keyword arguments ``length, kernel_size, stride, padding, output_padding, dilation``
    that give an output of length >= 1."""
    length = draw(st.integers(1, max_length))
    kernel_size = draw(st.integers(1, max_kernel))
    stride = draw(st.integers(1, max_stride))
    dilation = draw(st.integers(1, max_dilation))
    dk = shapes.effective_kernel_size(kernel_size, dilation)
    full = (length - 1) * stride + dk
    padding = draw(st.one_of(
        st.sampled_from(["valid", "same", "VALID", "Same"]),
        st.integers(0, max(0, (full - 1) // 2)),
        st.tuples(st.integers(0, full - 1), st.integers(0, full - 1)),
    ))
    output_padding = draw(st.one_of(st.none(), st.integers(0, max(stride, dilation) - 1)))
    kwargs = dict(length=length, kernel_size=kernel_size, stride=stride,
                  padding=padding, output_padding=output_padding, dilation=dilation)
    try:
        shapes.geometry(**kwargs)
    except ValueError:
        # Crops that leave nothing: shrink the explicit crops to a valid window.
        kwargs["padding"] = (0, 0)
    return kwargs


@st.composite
def problems(draw, dtype=np.float64, max_batch=2, max_channels=3, max_groups=3,
             **geometry_bounds):
    """``(x, w, kwargs)`` for ``conv1d_transpose(x, w, **kwargs)``."""
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
