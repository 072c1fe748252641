"""conv1d and conv1d_transpose_vjp: adjoint identity, loop oracle, matrix C, finite differences."""

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from deconv1d import conv1d, conv1d_transpose, conv1d_transpose_vjp, reference, shapes
from deconv1d.core.conv import adjoint_padding, conv1d_pads
from strategies import COPY_MODES, close64, engine_copies, problems

SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _last(a, data_format):
    return a if data_format == "channels_last" else np.swapaxes(a, 1, 2)


def _layout(a_last, data_format):
    a = a_last if data_format == "channels_last" else np.swapaxes(a_last, 1, 2)
    return np.ascontiguousarray(a)




@st.composite
def conv_problems(draw, max_length=8, max_kernel=4, max_stride=3, max_dilation=3,
                  max_channels=3, max_groups=3):
    """``(y, w, kwargs)`` for ``conv1d(y, w, **kwargs)`` over every padding form."""
    length = draw(st.integers(1, max_length))
    kernel_size = draw(st.integers(1, max_kernel))
    stride = draw(st.integers(1, max_stride))
    dilation = draw(st.integers(1, max_dilation))
    padding = draw(st.one_of(
        st.sampled_from(["valid", "same", "causal", "SAME", "Causal"]),
        st.integers(0, 3),
        st.tuples(st.integers(0, 4), st.integers(0, 4)),
    ))
    try:
        conv1d_pads(length, kernel_size, stride, padding, dilation)
    except ValueError:
        padding = "same"                  # always non-empty
    groups = draw(st.integers(1, max_groups))
    c_g = draw(st.integers(1, max_channels))
    d_g = draw(st.integers(1, max_channels))
    n_batch = draw(st.integers(1, 2))
    data_format = draw(st.sampled_from(["channels_last", "channels_first"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    y = _layout(rng.standard_normal((n_batch, length, groups * c_g)), data_format)
    w = rng.standard_normal((kernel_size, c_g, groups * d_g))
    bias = draw(st.one_of(st.none(), st.just(rng.standard_normal(groups * d_g))))
    return y, w, dict(stride=stride, padding=padding, dilation=dilation, groups=groups,
                      data_format=data_format, bias=bias)


# --------------------------------------------------------------------------- #
# conv1d against its oracle and pinned values.                                #
# --------------------------------------------------------------------------- #
@SETTINGS
@given(problem=conv_problems())
def test_conv1d_equals_loop_oracle(problem):
    y, w, kwargs = problem
    actual = conv1d(y, w, **kwargs)
    assert actual.dtype == np.float64
    close64(actual, reference.conv1d_loops(y, w, **kwargs))


@pytest.mark.parametrize("padding, expected", [
    ("valid", [14.0, 26.0]),
    ("same", [14.0, 26.0, 17.0]),           # pads (0, 1): ceil(6/2) = 3 outputs
    ("causal", [3.0, 14.0, 26.0]),          # pads (2, 0)
    (1, [8.0, 20.0, 32.0]),
    ((2, 0), [3.0, 14.0, 26.0]),
])
def test_conv1d_pinned(padding, expected):
    y = np.arange(1.0, 7.0).reshape(1, 6, 1)
    w = np.array([1.0, 2.0, 3.0]).reshape(3, 1, 1)
    np.testing.assert_array_equal(conv1d(y, w, 2, padding)[0, :, 0], expected)


@pytest.mark.parametrize("length, kernel_size, stride, padding, dilation, pads", [
    (5, 3, 2, "same", 1, (1, 1, 3)),
    (6, 3, 2, "same", 1, (0, 1, 3)),
    (7, 4, 3, "same", 1, (1, 2, 3)),
    (4, 2, 1, "same", 2, (1, 1, 4)),
    (5, 3, 1, "causal", 2, (4, 0, 5)),
    (5, 3, 2, "valid", 1, (0, 0, 2)),
])
def test_conv1d_pads_pinned(length, kernel_size, stride, padding, dilation, pads):
    assert conv1d_pads(length, kernel_size, stride, padding, dilation) == pads


# --------------------------------------------------------------------------- #
# The adjoint identity, from both sides.                                      #
# --------------------------------------------------------------------------- #
def _adjoint_conv_call(y, w, kwargs, geometry):
    """conv1d(y) with the geometry documented as the adjoint of conv1d_transpose."""
    crop_left, crop_right = geometry.crop_left, geometry.crop_right
    data_format = kwargs["data_format"]
    y_last = _last(y, data_format)[:, :geometry.output_length + min(crop_right, 0)]
    return conv1d(_layout(y_last, data_format), w, kwargs["stride"],
                  padding=(crop_left, max(crop_right, 0)),
                  dilation=kwargs["dilation"], groups=kwargs["groups"],
                  data_format=data_format)


def _assert_adjoint(x, ct_x, y, conv_y, abs_scale):
    lhs, rhs = np.vdot(ct_x, y), np.vdot(x, conv_y)
    # Relative to the sum of |terms| (= |lhs| without cancellation).
    assert abs(lhs - rhs) <= 1e-12 * abs_scale, (lhs, rhs, abs_scale)


@SETTINGS
@given(problem=problems())
def test_adjoint_identity_for_every_transposed_geometry(problem):
    x, w, kwargs = problem
    kwargs.pop("bias")
    ct_x = conv1d_transpose(x, w, **kwargs)
    rng = np.random.default_rng(ct_x.size)
    y = rng.standard_normal(ct_x.shape)
    x_last = _last(x, kwargs["data_format"])
    geom = shapes.geometry(x_last.shape[1], w.shape[0], kwargs["stride"],
                           kwargs["padding"], kwargs["output_padding"], kwargs["dilation"])
    conv_y = _adjoint_conv_call(y, w, kwargs, geom)
    assert conv_y.shape == x.shape
    scale = np.vdot(conv1d_transpose(np.abs(x), np.abs(w), **kwargs), np.abs(y))
    _assert_adjoint(x, ct_x, y, conv_y, scale)


@SETTINGS
@given(problem=conv_problems())
def test_adjoint_identity_for_every_conv_geometry(problem):
    y, w, kwargs = problem
    kwargs.pop("bias")
    data_format = kwargs["data_format"]
    conv_y = conv1d(y, w, **kwargs)
    pair, output_padding = adjoint_padding(
        _last(y, data_format).shape[1], w.shape[0], kwargs["stride"], kwargs["padding"],
        kwargs["dilation"])
    x = np.random.default_rng(conv_y.size).standard_normal(conv_y.shape)
    ct_kwargs = dict(stride=kwargs["stride"], padding=pair, output_padding=output_padding,
                     dilation=kwargs["dilation"], groups=kwargs["groups"],
                     data_format=data_format)
    ct_x = conv1d_transpose(x, w, **ct_kwargs)
    assert ct_x.shape == y.shape
    scale = np.vdot(conv1d_transpose(np.abs(x), np.abs(w), **ct_kwargs), np.abs(y))
    _assert_adjoint(x, ct_x, y, conv_y, scale)


# --------------------------------------------------------------------------- #
# The vector-Jacobian product.                                                #
# --------------------------------------------------------------------------- #
@SETTINGS
@given(problem=problems(), copies=st.sampled_from(COPY_MODES))
def test_dx_is_C_times_dy(problem, copies):
    """dx == C dy with C the transpose of the oracle's explicit matrix C^T."""
    x, w, kwargs = problem
    kwargs.pop("bias")
    data_format = kwargs["data_format"]
    y_shape = conv1d_transpose(x, w, **kwargs).shape
    dy = np.random.default_rng(7).standard_normal(y_shape)
    with engine_copies(copies):
        dx, _, dbias = conv1d_transpose_vjp(dy, x, w, **kwargs)
    x_last, dy_last = _last(x, data_format), _last(dy, data_format)
    ct = reference.transpose_matrix(
        x_last.shape[1], w, kwargs["stride"], kwargs["padding"], kwargs["output_padding"],
        dilation=kwargs["dilation"], groups=kwargs["groups"])
    expected = (dy_last.reshape(len(dy), -1) @ ct).reshape(x_last.shape)
    close64(dx, _layout(expected, data_format))
    close64(dbias, dy_last.sum(axis=(0, 1)))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=problems(max_channels=2, max_groups=2), copies=st.sampled_from(COPY_MODES))
def test_dw_from_the_matrix_oracle(problem, copies):
    """C^T is linear in w: dw[j] = <dy, C^T(e_j) x> with e_j a one-hot kernel."""
    x, w, kwargs = problem
    kwargs.pop("bias")
    data_format = kwargs["data_format"]
    y_shape = conv1d_transpose(x, w, **kwargs).shape
    dy = np.random.default_rng(8).standard_normal(y_shape)
    with engine_copies(copies):
        _, dw, _ = conv1d_transpose_vjp(dy, x, w, **kwargs)
    x_flat = _last(x, data_format).reshape(len(x), -1)
    dy_flat = _last(dy, data_format).reshape(len(dy), -1)
    expected = np.zeros_like(w)
    for j in np.ndindex(w.shape):
        basis = np.zeros_like(w)
        basis[j] = 1.0
        ct = reference.transpose_matrix(
            _last(x, data_format).shape[1], basis, kwargs["stride"], kwargs["padding"],
            kwargs["output_padding"], dilation=kwargs["dilation"], groups=kwargs["groups"])
        expected[j] = np.sum(dy_flat * (x_flat @ ct.T))
    close64(dw, expected)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=problems(max_length=4, max_channels=2, max_groups=2))
def test_central_finite_differences(problem):
    """Loss <conv1d_transpose(x, w, b), r>: gradients by central differences in float64."""
    x, w, kwargs = problem
    bias = kwargs.pop("bias")
    bias = np.zeros(w.shape[1] * kwargs["groups"]) if bias is None else bias
    r = np.random.default_rng(9).standard_normal(
        conv1d_transpose(x, w, **kwargs).shape)

    def loss(x_, w_, b_):
        return np.vdot(conv1d_transpose(x_, w_, bias=b_, **kwargs), r)

    def numeric(array, call):
        grad = np.zeros_like(array)
        step = 1e-5
        for j in np.ndindex(array.shape):
            plus, minus = array.copy(), array.copy()
            plus[j] += step
            minus[j] -= step
            grad[j] = (call(plus) - call(minus)) / (2 * step)
        return grad

    dx, dw, dbias = conv1d_transpose_vjp(r, x, w, **kwargs)
    # The loss is linear in each argument, so only rounding separates the two:
    # about eps * sum|terms| / step.
    tol = 1e-9 * max(1.0, np.vdot(conv1d_transpose(np.abs(x), np.abs(w), bias=np.abs(bias),
                                                   **kwargs), np.abs(r)))
    np.testing.assert_allclose(dx, numeric(x, lambda a: loss(a, w, bias)), rtol=0, atol=tol)
    np.testing.assert_allclose(dw, numeric(w, lambda a: loss(x, a, bias)), rtol=0, atol=tol)
    np.testing.assert_allclose(dbias, numeric(bias, lambda a: loss(x, w, a)), rtol=0,
                               atol=tol)


def test_vjp_pinned_example():
    x = np.ones((1, 3, 1))
    w = np.array([1.0, 2.0, 3.0]).reshape(3, 1, 1)
    dy = np.arange(1.0, 7.0).reshape(1, 6, 1)            # y = [1, 2, 4, 2, 4, 2]
    dx, dw, dbias = conv1d_transpose_vjp(dy, x, w, stride=2, padding="same")
    # y[o] gets x[i] * w[k] at o = 2i + k: dx[i] = sum_k w[k] dy[2i + k].
    np.testing.assert_array_equal(dx[0, :, 0], [1 * 1 + 2 * 2 + 3 * 3,
                                                1 * 3 + 2 * 4 + 3 * 5,
                                                1 * 5 + 2 * 6])
    np.testing.assert_array_equal(dw[:, 0, 0], [1 + 3 + 5, 2 + 4 + 6, 3 + 5])
    np.testing.assert_array_equal(dbias, [21.0])


def test_negative_crop_right_larger_than_stride():
    """dilation > stride lets output_padding append more zeros than one stride."""
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((2, 3, 2)), rng.standard_normal((2, 3, 2))
    kwargs = dict(stride=1, padding="valid", output_padding=2, dilation=3)
    y = conv1d_transpose(x, w, **kwargs)
    assert shapes.crops(3, 2, 1, "valid", 2, 3) == (0, -2)
    np.testing.assert_array_equal(y[:, -2:], 0.0)
    dy = rng.standard_normal(y.shape)
    dx, _, _ = conv1d_transpose_vjp(dy, x, w, **kwargs)
    close64(dx, conv1d(dy[:, :-2], w, 1, (0, 0), dilation=3))
    close64(dx, conv1d_transpose_vjp(np.concatenate([dy[:, :-2], 0 * dy[:, -2:]], 1),
                                      x, w, **kwargs)[0])


# --------------------------------------------------------------------------- #
# Dtypes, no aliasing, blocking, bad arguments.                               #
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("dtype, expected", [
    (np.float64, np.float64), (np.float32, np.float32), (np.float16, np.float16),
    (np.int64, np.float64), (np.bool_, np.float64),
])
def test_dtypes(dtype, expected):
    x = np.ones((2, 4, 3), dtype)
    w = np.ones((3, 2, 3), dtype)
    dy = np.ones((2, 9, 2), dtype)
    assert all(g.dtype == expected for g in conv1d_transpose_vjp(dy, x, w, 2))
    assert conv1d(dy, w, 2).dtype == expected


def test_complex_follows_matmul():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((1, 3, 2)) + 1j * rng.standard_normal((1, 3, 2))
    w = rng.standard_normal((2, 2, 2)) + 1j * rng.standard_normal((2, 2, 2))
    dy = rng.standard_normal((1, 6, 2)) + 1j * rng.standard_normal((1, 6, 2))
    dx, dw, _ = conv1d_transpose_vjp(dy, x, w, 2)
    ct = reference.transpose_matrix(3, w, 2)
    close64(dx[0].ravel(), ct.T @ dy[0].ravel())
    close64(conv1d(dy, w, 2), dx)


def test_inputs_untouched_and_outputs_fresh():
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal((2, 5, 4)), rng.standard_normal((3, 2, 4))
    dy = rng.standard_normal((2, 11, 2))
    copies = [a.copy() for a in (dy, x, w)]
    grads = conv1d_transpose_vjp(dy, x, w, 2)
    out = conv1d(dy, w, 2, "valid")
    for a, c in zip((dy, x, w), copies):
        np.testing.assert_array_equal(a, c)
    for g in (*grads, out):
        for a in (dy, x, w):
            assert not np.shares_memory(g, a)


def test_blocks_cover_a_long_signal(monkeypatch):
    """Tiny blocks give the same answer as one block (the engine's block size is
    the documented ``engine.BLOCK_BYTES``)."""
    from deconv1d.core import engine
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((3, 40, 4)), rng.standard_normal((3, 3, 4))
    kwargs = dict(stride=2, padding="same", output_padding=1, groups=2)
    dy = rng.standard_normal(conv1d_transpose(x, w, **kwargs).shape)
    whole = conv1d_transpose_vjp(dy, x, w, **kwargs)
    monkeypatch.setattr(engine, "BLOCK_BYTES", 8 * 3 * 6 * 5)   # 5 rows per block
    monkeypatch.setattr(engine, "MIN_ROWS", 1)
    assert engine.block_shape(3, 40, 8 * 3 * 6) == (1, 5)
    for a, b in zip(conv1d_transpose_vjp(dy, x, w, **kwargs), whole):
        close64(a, b)


def test_empty_batch():
    dx, dw, db = conv1d_transpose_vjp(np.zeros((0, 7, 2)), np.zeros((0, 3, 4)),
                                      np.ones((3, 2, 4)), 2)
    assert dx.shape == (0, 3, 4) and not dw.any() and not db.any()
    assert conv1d(np.zeros((0, 7, 2)), np.ones((3, 2, 4)), 2).shape == (0, 3, 4)


@pytest.mark.parametrize("call, error, words", [
    (lambda: conv1d(np.ones((1, 5, 2)), np.ones((3, 2, 1)), padding="full"),
     ValueError, "padding='full'"),
    (lambda: conv1d(np.ones((1, 5, 2)), np.ones((3, 2, 1)), stride=0),
     ValueError, "stride=0"),
    (lambda: conv1d(np.ones((1, 5, 2)), np.ones((3, 2, 1)), padding=-1),
     ValueError, "padding=-1"),
    (lambda: conv1d(np.ones((1, 5, 2)), np.ones((3, 3, 1))),
     ValueError, "w with shape (3, 3, 1)"),
    (lambda: conv1d(np.ones((1, 5, 4)), np.ones((3, 2, 3)), groups=2),
     ValueError, "groups=2"),
    (lambda: conv1d(np.ones((5, 2)), np.ones((3, 2, 1))), ValueError, "y with shape (5, 2)"),
    (lambda: conv1d(np.ones((1, 2, 2)), np.ones((3, 2, 1))), ValueError, "length=2"),
    (lambda: conv1d(np.ones((1, 5, 2)), np.ones((3, 2, 1)), bias=np.ones(2)),
     ValueError, "bias with shape (2,)"),
    (lambda: conv1d(np.ones((1, 5, 2)), np.ones((3, 2, 1)), dilation=1.0),
     TypeError, "dilation=1.0"),
    (lambda: conv1d(np.array([["a"]]), np.ones((3, 2, 1))), TypeError, "`y`"),
    (lambda: conv1d_transpose_vjp(np.ones((1, 6, 2)), np.ones((1, 3, 1)),
                                  np.ones((3, 2, 1)), 2),
     ValueError, "dy with shape (1, 6, 2)"),
    (lambda: conv1d_transpose_vjp(np.ones((1, 7, 2)), np.ones((1, 1, 3)),
                                  np.ones((3, 2, 1)), 2, data_format="channels_first"),
     ValueError, "(1, 2, 7)"),
    (lambda: conv1d_transpose_vjp(None, np.ones((1, 3, 1)), np.ones((3, 2, 1))),
     TypeError, "dy=None"),
    (lambda: conv1d_transpose_vjp(np.ones((1, 5, 2)), np.ones((1, 3, 1)),
                                  np.ones((3, 2, 1)), output_padding=1),
     ValueError, "output_padding=1"),
])
def test_bad_arguments_name_the_argument(call, error, words):
    with pytest.raises(error) as info:
        call()
    assert words in str(info.value)


# --------------------------------------------------------------------------- #
# conv1d against real Keras 3 Conv1D outputs (tools/make_keras_conv1d_cases.py). #
# --------------------------------------------------------------------------- #
def test_conv1d_equals_keras3_conv1d():
    import json
    import pathlib
    data = np.load(pathlib.Path(__file__).parents[1] / "data" / "keras3_conv1d.npz")
    meta = json.loads(str(data["meta"]))
    assert len(meta) > 100
    for i, case in enumerate(meta):
        got = conv1d(data[f"c{i}_y"], data[f"c{i}_w"], case["strides"], case["padding"],
                     dilation=case["dilation_rate"], groups=case["groups"],
                     bias=data[f"c{i}_b"])
        expected = data[f"c{i}_out"]
        assert got.shape == expected.shape, case
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12, err_msg=str(case))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=problems(), crops=st.tuples(st.integers(-4, 4), st.integers(-4, 4)))
def test_vjp_of_any_window_negative_crops_included(problem, crops):
    """The gradients are the adjoint of the forward map, for any Window:
    <T(x, w), dy> == <x, dx> == <w, dw> (T is linear in x and in w)."""
    x, w, kwargs = problem
    kwargs.pop("bias")
    kwargs["padding"], kwargs["output_padding"] = shapes.Window(*crops), None
    full = (_last(x, kwargs["data_format"]).shape[1] - 1) * kwargs["stride"] + (
        w.shape[0] - 1) * kwargs["dilation"] + 1
    assume(kwargs["padding"].output_length(full) >= 1)
    y = conv1d_transpose(x, w, **kwargs)
    dy = np.random.default_rng(y.size).standard_normal(y.shape)
    dx, dw, dbias = conv1d_transpose_vjp(dy, x, w, **kwargs)
    scale = np.vdot(conv1d_transpose(np.abs(x), np.abs(w), **kwargs), np.abs(dy))
    assert abs(np.vdot(y, dy) - np.vdot(x, dx)) <= 1e-12 * max(scale, 1.0)
    assert abs(np.vdot(y, dy) - np.vdot(w, dw)) <= 1e-12 * max(scale, 1.0)
    close64(dbias, _last(dy, kwargs["data_format"]).sum(axis=(0, 1)))
