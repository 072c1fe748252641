"""conv1d_transpose: against the oracles, golden values, exact arithmetic, bad input."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deconv1d import conv1d_transpose, output_length, reference
from deconv1d.shapes import Window
from keras_golden import GOLDEN
from strategies import close64, problems

SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])




# --------------------------------------------------------------------------- #
# The fast path against each oracle, and the oracles against each other.      #
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("oracle", sorted(reference.ORACLES))
@SETTINGS
@given(problem=problems())
def test_fast_path_equals_oracle(oracle, problem):
    x, w, kwargs = problem
    expected = reference.ORACLES[oracle](x, w, **kwargs)
    actual = conv1d_transpose(x, w, **kwargs)
    assert actual.dtype == np.float64
    close64(actual, expected)


@SETTINGS
@given(problem=problems())
def test_oracles_agree_with_each_other(problem):
    x, w, kwargs = problem
    results = {name: f(x, w, **kwargs) for name, f in reference.ORACLES.items()}
    first = results.pop("scatter_loops")
    for result in results.values():
        close64(result, first)


@settings(max_examples=300, deadline=None)
@given(problem=problems(dtype=np.float32))
def test_float32_within_the_dot_product_bound(problem):
    """float32 error against the float64 oracle stays within gamma_n * sum|x||w|."""
    x, w, kwargs = problem
    actual = conv1d_transpose(x, w, **kwargs)
    assert actual.dtype == np.float32
    bias = kwargs.pop("bias")
    def wide(a):
        return None if a is None else a.astype(np.float64)
    expected = reference.scatter_loops(wide(x), wide(w), bias=wide(bias), **kwargs)
    magnitude = reference.scatter_loops(np.abs(wide(x)), np.abs(wide(w)),
                                        bias=None if bias is None else np.abs(wide(bias)),
                                        **kwargs)
    c_in = x.shape[2] if kwargs["data_format"] == "channels_last" else x.shape[1]
    n_terms = w.shape[0] * c_in // kwargs["groups"] + 1
    u = 2.0 ** -24
    gamma = n_terms * u / (1 - n_terms * u)
    # + one rounding of the float32 result itself.
    bound = gamma * magnitude + u * np.abs(expected)
    assert np.all(np.abs(actual.astype(np.float64) - expected) <= bound)


# --------------------------------------------------------------------------- #
# Golden values and pinned cases from the frameworks' own outputs.           #
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("kernel_size, stride, padding, output_padding, expected", GOLDEN)
def test_keras_golden_values(kernel_size, stride, padding, output_padding, expected):
    x = np.ones((1, 3, 1))
    w = np.arange(1.0, kernel_size + 1).reshape(kernel_size, 1, 1)
    y = conv1d_transpose(x, w, stride, padding, output_padding)
    np.testing.assert_array_equal(y[0, :, 0], expected)
    assert y.shape[1] == output_length(3, kernel_size, stride, padding, output_padding)


def test_onnx_backend_case():
    # ONNX backend test "convtranspose_1d": x=[[[0,1,2]]], W=ones((1,2,3)) in (C_in, C_out, K).
    x = np.array([[[0.0, 1.0, 2.0]]])
    w_onnx = np.ones((1, 2, 3))
    y = conv1d_transpose(x, w_onnx.transpose(2, 1, 0), data_format="channels_first")
    np.testing.assert_array_equal(y, [[[0, 1, 3, 3, 2], [0, 1, 3, 3, 2]]])


TORCH_SAMPLES = [
    # input (N, C_in, L), torch weight (C_in, C_out/groups, K), bias, kwargs
    ((1, 3, 4), (3, 3, 3), (3,), dict(stride=2, padding=2, output_padding=1)),
    ((2, 2, 4), (2, 2, 4), (4,), dict(stride=3, padding=1, output_padding=2, groups=2,
                                      dilation=4)),
    ((1, 1, 4), (1, 1, 4), (1,), dict(stride=2, padding=1, output_padding=1, dilation=2)),
    ((1, 1, 4), (1, 2, 3), None, dict(stride=2, padding=1, output_padding=1)),
    ((1, 4, 5), (4, 8, 3), None, dict()),
]


@pytest.mark.parametrize("x_shape, w_shape, b_shape, kwargs", TORCH_SAMPLES)
def test_pytorch_sample_cases(x_shape, w_shape, b_shape, kwargs):
    rng = np.random.default_rng(7)
    x = rng.standard_normal(x_shape)
    w = rng.standard_normal(w_shape).transpose(2, 1, 0)
    groups = kwargs.get("groups", 1)
    bias = None if b_shape is None else rng.standard_normal(b_shape)
    y = conv1d_transpose(x, w, data_format="channels_first", bias=bias, **kwargs)
    s, p = kwargs.get("stride", 1), kwargs.get("padding", 0)
    q, d = kwargs.get("output_padding", 0), kwargs.get("dilation", 1)
    k = w_shape[2]
    torch_length = (x_shape[2] - 1) * s - 2 * p + d * (k - 1) + q + 1
    assert y.shape == (x_shape[0], w_shape[1] * groups, torch_length)
    for oracle in reference.ORACLES.values():
        close64(y, oracle(x, w, data_format="channels_first", bias=bias, **kwargs))


def test_pytorch_sample_against_torch_when_installed():
    torch = pytest.importorskip("torch")
    for x_shape, w_shape, b_shape, kwargs in TORCH_SAMPLES:
        rng = np.random.default_rng(11)
        x = rng.standard_normal(x_shape)
        w_pt = rng.standard_normal(w_shape)
        bias = None if b_shape is None else rng.standard_normal(b_shape)
        expected = torch.nn.functional.conv_transpose1d(
            torch.from_numpy(x), torch.from_numpy(w_pt),
            None if bias is None else torch.from_numpy(bias), **kwargs).numpy()
        y = conv1d_transpose(x, w_pt.transpose(2, 1, 0), data_format="channels_first",
                             bias=bias, **kwargs)
        close64(y, expected)


@settings(max_examples=200, deadline=None)
@given(length=st.integers(1, 30), kernel_size=st.integers(1, 9), stride=st.integers(1, 5),
       dilation=st.integers(1, 3), seed=st.integers(0, 2**32 - 1))
def test_scipy_upfirdn_single_channel(length, kernel_size, stride, dilation, seed):
    signal = pytest.importorskip("scipy.signal")
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(length)
    taps = rng.standard_normal(kernel_size)
    h = np.zeros((kernel_size - 1) * dilation + 1)
    h[::dilation] = taps
    expected = signal.upfirdn(h, x, up=stride)[:(length - 1) * stride + len(h)]
    y = conv1d_transpose(x.reshape(1, -1, 1), taps.reshape(-1, 1, 1), stride,
                         (0, 0), dilation=dilation)
    close64(y[0, :, 0], expected)


# --------------------------------------------------------------------------- #
# Accuracy against exact rational arithmetic.                                 #
# --------------------------------------------------------------------------- #
@settings(max_examples=200, deadline=None)
@given(problem=problems(max_batch=1, max_channels=4, max_groups=2, max_length=4))
def test_error_within_dot_product_bound_of_exact_result(problem):
    x, w, kwargs = problem
    kwargs["bias"] = None
    y = conv1d_transpose(x, w, **kwargs)
    xf = np.vectorize(Fraction)(x.astype(object))
    wf = np.vectorize(Fraction)(w.astype(object))
    exact = reference.scatter_loops(xf, wf, **kwargs)
    magnitude = reference.scatter_loops(np.abs(xf), np.abs(wf), **kwargs)
    c_in = x.shape[2] if kwargs["data_format"] == "channels_last" else x.shape[1]
    n_terms = w.shape[0] * c_in // kwargs["groups"]
    u = Fraction(1, 2**53)
    gamma = n_terms * u / (1 - n_terms * u)
    for got, true, mag in zip(y.ravel(), exact.ravel(), magnitude.ravel()):
        error = abs(Fraction(float(got)) - Fraction(true))
        bound = gamma * Fraction(mag)
        assert error <= bound


# --------------------------------------------------------------------------- #
# Valid oddities.                                                             #
# --------------------------------------------------------------------------- #
def test_lists_are_accepted():
    y = conv1d_transpose([[[1.0], [1.0], [1.0]]], [[[1.0]], [[2.0]], [[3.0]]], 2, "same")
    np.testing.assert_array_equal(y[0, :, 0], [1, 2, 4, 2, 4, 2])


def test_non_contiguous_and_fortran_inputs():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 10, 4))
    w = rng.standard_normal((3, 5, 4))
    expected = conv1d_transpose(x, w, 2, "same")
    np.testing.assert_array_equal(conv1d_transpose(np.asfortranarray(x), np.asfortranarray(w), 2, "same"),
                                  expected)
    big = rng.standard_normal((6, 20, 8))
    big[::2, ::2, ::2] = x
    close64(conv1d_transpose(big[::2, ::2, ::2], w, 2, "same"), expected)


def test_empty_batch():
    y = conv1d_transpose(np.zeros((0, 5, 2)), np.ones((3, 4, 2)), 2, "same")
    assert y.shape == (0, 10, 4)


def test_integer_and_bool_input_promote_to_float64():
    y = conv1d_transpose(np.ones((1, 3, 1), dtype=np.int32), np.arange(1, 4).reshape(3, 1, 1))
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y[0, :, 0], [1, 3, 6, 5, 3])
    assert conv1d_transpose(np.ones((1, 3, 1), dtype=bool), np.ones((1, 1, 1))).dtype == np.float64


def test_float16_accumulates_in_float32():
    # 4096 ones: a float16 running sum stalls at 2048 (2048 + 1 rounds back to 2048).
    x = np.ones((1, 1, 4096), dtype=np.float16)
    w = np.ones((1, 1, 4096), dtype=np.float16)
    y = conv1d_transpose(x, w)
    assert y.dtype == np.float16 and y[0, 0, 0] == 4096


def test_complex_input():
    x = np.array([1 + 1j, 2, 3j]).reshape(1, 3, 1)
    w = np.array([1.0, 1j]).reshape(2, 1, 1)
    y = conv1d_transpose(x, w)
    np.testing.assert_allclose(y, reference.scatter_loops(x, w))


def test_nan_reaches_exactly_the_outputs_it_should():
    x = np.ones((1, 5, 1))
    x[0, 2, 0] = np.nan
    y = conv1d_transpose(x, np.ones((3, 1, 1)), 2)
    reached = {2 * 2 + k for k in range(3)}
    assert {int(o) for o in np.flatnonzero(np.isnan(y[0, :, 0]))} == reached


def test_inputs_not_mutated_and_no_shared_memory():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 4, 3))
    w = rng.standard_normal((1, 3, 3))
    bias = rng.standard_normal(3)
    copies = x.copy(), w.copy(), bias.copy()
    y = conv1d_transpose(x, w, bias=bias)
    for original, copy in zip((x, w, bias), copies):
        np.testing.assert_array_equal(original, copy)
        assert not np.shares_memory(y, original)


# --------------------------------------------------------------------------- #
# Bad input: each its own test, each naming the argument and the value.       #
# --------------------------------------------------------------------------- #
X = np.ones((1, 4, 2))
W = np.ones((3, 2, 2))

BAD = [
    ("x rank", dict(x=np.ones((4, 2))), ValueError, r"`x` must have rank 3.*\(4, 2\)"),
    ("w rank", dict(w=np.ones((3, 2))), ValueError, r"`w` must have rank 3.*\(3, 2\)"),
    ("channel mismatch", dict(w=np.ones((3, 2, 5))), ValueError, r"`w` must have 2 input channels.*\(3, 2, 5\)"),
    ("stride 0", dict(stride=0), ValueError, r"`stride` must be >= 1. Received: stride=0"),
    ("stride negative", dict(stride=-2), ValueError, r"stride=-2"),
    ("stride float", dict(stride=2.0), TypeError, r"`stride` must be an integer. Received: stride=2.0"),
    ("stride str", dict(stride="2"), TypeError, r"stride='2'"),
    ("dilation 0", dict(dilation=0), ValueError, r"`dilation` must be >= 1. Received: dilation=0"),
    ("dilation negative", dict(dilation=-1), ValueError, r"dilation=-1"),
    ("dilation float", dict(dilation=1.5), TypeError, r"dilation=1.5"),
    ("dilation str", dict(dilation="1"), TypeError, r"dilation='1'"),
    ("padding causal", dict(padding="causal"), ValueError, r"padding='causal'.*no causal"),
    ("padding unknown word", dict(padding="full"), ValueError, r"padding='full'"),
    ("padding float", dict(padding=1.0), TypeError, r"padding=1.0"),
    ("padding triple", dict(padding=(1, 1, 1)), ValueError, r"pair.*padding=\(1, 1, 1\)"),
    ("padding negative", dict(padding=-1), ValueError, r"must not be negative.*padding=-1"),
    ("padding negative pair", dict(padding=(0, -1)), ValueError, r"padding=\(0, -1\)"),
    ("output_padding negative", dict(output_padding=-1), ValueError, r"output_padding=-1"),
    ("output_padding float", dict(output_padding=0.5), TypeError, r"output_padding=0.5"),
    ("output_padding too big", dict(stride=2, output_padding=2), ValueError,
     r"smaller than the stride.*output_padding=2 with stride=2"),
    ("groups 0", dict(groups=0), ValueError, r"`groups` must be >= 1. Received: groups=0"),
    ("groups not dividing", dict(groups=3), ValueError, r"`groups` must divide the 2 input channels. Received: groups=3"),
    ("data_format", dict(data_format="NCW"), ValueError, r"data_format='NCW'"),
    ("bias shape", dict(bias=np.ones(3)), ValueError, r"`bias` must have shape \(2,\).*\(3,\)"),
    ("non-numeric x", dict(x=np.array([[["a"]]])), TypeError, r"`x` must be a numeric array.*<U1"),
    ("ragged x", dict(x=[[[1.0], [1.0, 2.0]]]), TypeError, r"`x` must be a numeric array"),
    ("x None", dict(x=None), TypeError, r"`x` must be an array, not None"),
    ("w None", dict(w=None), TypeError, r"`w` must be an array, not None"),
    ("empty output", dict(padding=(3, 3)), ValueError, r"output would have length 0 < 1"),
    ("huge stride", dict(stride=10**15), ValueError, r"would need .* GiB.*stride=1000000000000000"),
]


@pytest.mark.parametrize("case, change, error, message", BAD, ids=[b[0] for b in BAD])
def test_bad_input(case, change, error, message):
    args = dict(x=X, w=W, stride=1, padding="valid", output_padding=None)
    args.update(change)
    x, w = args.pop("x"), args.pop("w")
    with pytest.raises(error, match=message):
        conv1d_transpose(x, w, **args)


def test_huge_stride_fails_before_allocating():
    """An output too big for memory is an error raised before any heavy work."""
    import tracemalloc
    x, w = np.ones((64, 1000, 64)), np.ones((3, 64, 64))
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="stride=1000000000"):
            conv1d_transpose(x, w, stride=10**9)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20


@pytest.mark.parametrize("good,bad,error", [
    (dict(stride=3), dict(stride=3.0), TypeError),
    (dict(dilation=1), dict(dilation=True), TypeError),
    (dict(padding=(1, 2)), dict(padding=(1.0, 2)), TypeError),
    (dict(output_padding=1, stride=2), dict(output_padding=1.0, stride=2), TypeError),
    (dict(padding=1), dict(padding=-1), ValueError),
])
def test_remembered_geometry_still_checks_every_call(good, bad, error):
    """A call's geometry is remembered with its checks: 3.0 == 3 and True == 1 hash
    alike, and must raise however often the int came before."""
    x, w = np.ones((1, 4, 2)), np.ones((3, 2, 2))
    for _ in range(2):
        want = conv1d_transpose(x, w, **good)
        with pytest.raises(error):
            conv1d_transpose(x, w, **bad)
    assert np.array_equal(conv1d_transpose(x, w, **{k: np.int64(v) if type(v) is int
                                                    else v for k, v in good.items()}),
                          want)


@pytest.mark.parametrize("types", [
    ("float64", "float64"), ("float32", "float32"), ("float16", "float16"),
    ("float32", "float64"), ("int64", "float32"), ("bool", "int8"),
    ("complex64", "complex64"), ("float32", "complex64"), (">f8", ">f8"),
    ("longdouble", "longdouble"), ("float32", "float32", "float64"),
])
def test_compute_and_result_dtypes_agree_with_numpy_promotion(types):
    """The same-dtype shortcut of ``dtypes`` gives what the rule gives: NumPy's
    promotion, integers and bools as float64, float16 computed in float32."""
    from deconv1d.core.arrays import dtypes
    arrays = [np.ones(2, t) for t in types]
    result = np.result_type(*arrays)
    result = np.dtype(np.float64) if result.kind in "biu" else result
    compute = np.dtype(np.float32) if result == np.float16 else result
    assert dtypes(*arrays) == (compute, result)


@pytest.mark.parametrize("bad,error", [
    (dict(x=np.ones((1, 4, 3))), ValueError),                 # C_in no longer matches w
    (dict(w=np.ones((3, 2, 2), dtype=object)), TypeError),
    (dict(bias=np.ones(3)), ValueError),
    (dict(bias=[1.0, 2.0, 3.0]), ValueError),
    (dict(groups=2, w=np.ones((3, 2, 1))), ValueError),         # 2 groups, 2 channels: w
    (dict(data_format="channels_middle"), ValueError),
    (dict(x=np.ones((0, 4, 2, 1))), ValueError),
])
def test_remembered_checks_still_check_every_call(bad, error):
    """A call's checks are remembered by its shapes, dtypes and scalars: any other
    call is checked again, however often the good one came before."""
    good = dict(x=np.ones((1, 4, 2)), w=np.ones((3, 2, 2)), bias=np.ones(2), groups=1,
                data_format="channels_last")
    for _ in range(2):
        want = conv1d_transpose(**good)
        with pytest.raises(error):
            conv1d_transpose(**{**good, **bad})
    assert np.array_equal(conv1d_transpose(**good), want)


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16", "int16",
                                   "complex64", "longdouble"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("padding,output_padding", [
    ("valid", None), ("same", 1), (1, 1), ((2, 0), None), (Window(-3, -2), None),
    (Window(9, -4), None), (Window(-20, 15), 0),
])
@pytest.mark.parametrize("with_bias", [False, True])
def test_small_calls_are_the_index_path_exactly(dtype, data_format, padding,
                                                output_padding, with_bias):
    """A small call runs straight from its index plan (no problem, no choice): the same
    values, bit for bit, as the engine's index path, in a new C-ordered array of the
    result dtype, for every window (zeros beyond either end included) and layout."""
    from deconv1d.core import engine
    from deconv1d.core.transpose import _checked_call, prepare
    rng = np.random.default_rng(5)
    shape = (2, 4, 3) if data_format == "channels_first" else (2, 3, 4)
    x = (rng.standard_normal(shape) * 4).astype(dtype)
    w = (rng.standard_normal((3, 5, 4)) * 4).astype(dtype)
    bias = (rng.standard_normal(5) * 4).astype(dtype) if with_bias else None
    kwargs = dict(stride=2, padding=padding, output_padding=output_padding,
                  data_format=data_format, bias=bias)
    checked = _checked_call(x, w, 2, padding, output_padding, 1, 1, data_format, bias)[0]
    assert checked.index is not None, "the small-call lane is not taken"
    want = engine.compute(prepare(x, w, **kwargs), "index")
    for _ in range(2):          # checked, then remembered (plain arguments; a Window is not)
        got = conv1d_transpose(x, w, **kwargs)
        assert got.dtype == want.dtype and got.shape == want.shape
        assert got.flags.c_contiguous and got.flags.writeable
        np.testing.assert_array_equal(got, want)
        assert not np.shares_memory(got, conv1d_transpose(x, w, **kwargs))
