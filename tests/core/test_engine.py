"""Every fast path of conv1d_transpose, forced, against the slow oracles.

The automatic rule (``deconv1d.core.engine.choose``) only ever picks among these
paths, so checking each one forced, on random geometry (every padding mode,
output_padding, dilation, groups, both layouts, bias, several block sizes so
that the carried overlap tail and the edge rows are exercised), covers what
users get whatever the rule decides.
"""

import itertools
import math
import warnings
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from deconv1d import conv1d_transpose, reference, shapes
from deconv1d.core import engine
from deconv1d.core.transpose import prepare
from strategies import COPY_MODES, engine_copies

ORACLE_NAMES = sorted(reference.ORACLES)


def forced(x, w, stride, padding, output_padding, dilation, groups, data_format,
           bias, path, **options):
    problem = prepare(x, w, stride, padding, output_padding, dilation=dilation,
                      groups=groups, data_format=data_format, bias=bias)
    return engine.compute(problem, path, **options)


@st.composite
def problems(draw, max_length=9):
    groups = draw(st.sampled_from([1, 1, 2, 3]))
    c_in = groups * draw(st.integers(1, 3))
    c_out = groups * draw(st.integers(1, 3))
    n = draw(st.integers(1, 3))
    length = draw(st.integers(1, max_length))
    k = draw(st.integers(1, 7))
    stride = draw(st.integers(1, 4))
    dilation = draw(st.sampled_from([1, 1, 1, 2, 3]))
    padding = draw(st.one_of(
        st.sampled_from(["valid", "same", "SAME"]),
        st.integers(0, 4),
        st.tuples(st.integers(0, 5), st.integers(0, 5))))
    output_padding = draw(st.one_of(st.none(), st.integers(0, max(stride, dilation) - 1)))
    data_format = draw(st.sampled_from(["channels_last", "channels_first"]))
    seed = draw(st.integers(0, 2**31))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, length, c_in))
    if data_format == "channels_first":
        x = np.ascontiguousarray(x.transpose(0, 2, 1))
    w = rng.standard_normal((k, c_out // groups, c_in))
    # The same values in the memory orders kernels arrive in: Keras's, PyTorch's and
    # ONNX's (C_in, C_out // groups, K) seen through transpose(2, 1, 0), input channel
    # outermost (engine.native_kernel's, as the verifier holds its reference kernel),
    # and Fortran's.
    memory = draw(st.sampled_from(["keras", "torch", "by_input", "fortran"]))
    if memory == "torch":
        w = np.ascontiguousarray(w.transpose(2, 1, 0)).transpose(2, 1, 0)
    elif memory == "by_input":
        w = np.ascontiguousarray(w.transpose(2, 0, 1)).transpose(1, 2, 0)
    elif memory == "fortran":
        w = np.asfortranarray(w)
    bias = rng.standard_normal(c_out) if draw(st.booleans()) else None
    kwargs = dict(stride=stride, padding=padding, output_padding=output_padding,
                  dilation=dilation, groups=groups, data_format=data_format, bias=bias)
    try:
        prepare(x, w, **kwargs)
    except ValueError:
        assume(False)
    return x, w, kwargs


def path_options(draw, geom):
    """A path that supports this geometry (``Problem.geometry``: a stride or
    dilation that is never taken is 1 there), with random options."""
    stride, dilation = geom.stride, geom.dilation
    choices = ["scatter", "gather", "index"]     # problems() are small: index takes them
    if dilation == 1:
        choices.append("scatter_blocks")
    if engine.disjoint_fits(geom):
        choices.append("disjoint")
    path = draw(st.sampled_from(choices))
    options = {"block_bytes": draw(st.sampled_from([1, 200, 2000, engine.BLOCK_BYTES]))}
    if path == "gather" and stride % dilation == 0:
        # rows of several output blocks need a dilation that divides the stride
        # (then every phase is a stride-1, dilation-1 problem)
        options["time_batch"] = draw(st.integers(1, 5))
    return path, options


def assert_close(got, want):
    assert got.shape == want.shape
    assert got.dtype == want.dtype
    scale = max(1.0, float(np.abs(want).max()))
    assert np.abs(got - want).max() <= 1e-12 * scale


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(data=st.data())
def test_every_path_forced_matches_an_oracle(data):
    x, w, kwargs = data.draw(problems())
    path, options = path_options(data.draw, prepare(x, w, **kwargs).geometry)
    oracle = reference.ORACLES[data.draw(st.sampled_from(ORACLE_NAMES))]
    with engine_copies(data.draw(st.sampled_from(COPY_MODES))):
        got = forced(x, w, **kwargs, path=path, **options)
    assert_close(got, oracle(x, w, **kwargs))


def _strided_layout(draw, shape):
    """A base array's shape and the view of it with ``shape``: axes in any memory
    order, every other element or every one, forwards or backwards, a spare element
    or not."""
    order = draw(st.permutations(range(len(shape))))      # memory order of the axes
    steps = {a: draw(st.sampled_from([1, 1, 2])) for a in order}
    backwards = {a: draw(st.booleans()) for a in order}
    base_shape = [shape[a] * steps[a] + draw(st.integers(0, 1)) for a in order]

    def view(base):
        cut = base[tuple(slice(0, shape[a] * steps[a], steps[a]) for a in order)]
        cut = cut[tuple(slice(None, None, -1 if backwards[a] else 1) for a in order)]
        return cut.transpose(np.argsort(order))

    return base_shape, view


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_copy_into_is_copyto(data):
    """Runs copied as opaque values, or channels a few at a time, give exactly what
    ``np.copyto(..., casting="unsafe")`` gives, and write nothing outside ``dst``,
    whatever the two arrays' strides and dtypes."""
    dtypes = st.sampled_from([np.float64, np.float32, np.float16, np.complex128, np.int8])
    dtype = data.draw(dtypes)
    src_dtype = data.draw(st.one_of(st.just(dtype), dtypes))
    shape = tuple(data.draw(st.lists(st.integers(0, 5), min_size=1, max_size=4)))
    dst_shape, dst_view = _strided_layout(data.draw, shape)
    src_shape, src_view = _strided_layout(data.draw, shape)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**31)))
    dst_base = (rng.standard_normal(dst_shape) * 50).astype(dtype)
    with np.errstate(invalid="ignore"):          # complex -> real drops the imaginary part
        src = src_view((rng.standard_normal(src_shape) * 50).astype(src_dtype))
    want = dst_base.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", np.exceptions.ComplexWarning
                              if hasattr(np, "exceptions") else np.ComplexWarning)
        np.copyto(dst_view(want), src, casting="unsafe")
        with engine_copies(data.draw(st.sampled_from(["runs", "tiles"]))):
            engine.copy_into(dst_view(dst_base), src)
    assert np.array_equal(dst_base, want)


def test_copy_into_takes_many_short_runs_as_runs():
    """Below ``RUN_COPY_BYTES``, a copy of ``RUN_COUNT`` runs of two float32 values
    (the disjoint path's taps on two output channels) still goes by runs, and
    one run fewer goes as NumPy's copy."""
    for runs, by_runs in ((engine.RUN_COUNT, True), (engine.RUN_COUNT - 1, False)):
        src = np.arange(runs * 6, dtype=np.float32).reshape(runs, 3, 2)[:, 1]
        dst_base = np.zeros((runs, 7, 2), np.float32)
        assert src.nbytes < engine.RUN_COPY_BYTES
        with mock.patch.object(np, "copyto", wraps=np.copyto) as spy:
            engine.copy_into(dst_base[:, 3], src)
        assert (spy.call_args[0][0].dtype.kind == "V") is by_runs
        want = np.zeros_like(dst_base)
        want[:, 3] = src
        assert np.array_equal(dst_base, want)


@pytest.mark.parametrize("stride,kernel_size,padding", [
    (3, 3, (1, 1)), (4, 4, (1, 2)), (5, 5, (2, 2)), (7, 3, (1, 0)), (4, 3, "same"),
    (6, 6, "valid")])
@pytest.mark.parametrize("block_bytes", [None, 1, 200])
def test_disjoint_narrow_taps_at_once_and_at_the_edges(stride, kernel_size, padding,
                                                        block_bytes):
    """The narrow disjoint path places the inputs whose taps all land in the output
    in one copy and each tap of the others (both ends cropped) on its own."""
    rng = np.random.default_rng(stride * 10 + kernel_size)
    x = rng.standard_normal((3, 9, 3))
    w = rng.standard_normal((kernel_size, 2, 3))       # K * C_out < DISJOINT_NARROW
    assert kernel_size * 2 < engine.DISJOINT_NARROW
    got = forced(x, w, stride, padding, None, 1, 1, "channels_last", None,
                 path="disjoint", block_bytes=block_bytes)
    assert_close(got, reference.scatter_loops(x, w, stride=stride, padding=padding))


@pytest.mark.parametrize("path,options", [
    ("scatter", {}), ("scatter", {"block_bytes": 1}),
    ("scatter_blocks", {}), ("scatter_blocks", {"block_bytes": 1}),
    ("gather", {"time_batch": 1}), ("gather", {"time_batch": 4}),
    ("gather", {"time_batch": 3, "block_bytes": 1}),
    ("index", {}),
    ("disjoint", {}), ("disjoint", {"block_bytes": 1}),
])
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(data=st.data())
def test_each_path_on_its_own(path, options, data):
    """Each path by name, so none can be starved by the random choice above."""
    x, w, kwargs = data.draw(problems())
    if path == "scatter_blocks" and kwargs["dilation"] > 1:
        kwargs["dilation"] = 1
        kwargs["output_padding"] = None
    if path == "disjoint":              # a stride that keeps the taps apart
        kwargs["stride"] = max(kwargs["stride"], (w.shape[0] - 1) * kwargs["dilation"] + 1)
        kwargs["output_padding"] = None
    try:
        geom = prepare(x, w, **kwargs).geometry
    except ValueError:
        assume(False)
    if path == "gather" and geom.stride % geom.dilation:
        options = {k: v for k, v in options.items() if k != "time_batch"}
    want = reference.scatter_loops(x, w, **kwargs)
    assert_close(forced(x, w, **kwargs, path=path, **options), want)


@pytest.mark.parametrize("rule", ["always", "never", "alternating"])
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(data=st.data())
def test_scatter_channel_by_channel_or_not_matches_the_oracle(rule, data):
    """The narrow-output accumulator (2 to NARROW_OUTPUT channels), whatever
    engine.by_channel decides per chunk: also switching between chunks, so that the
    carried tail crosses from one layout to the other.  Chunks of 1 to 2K + 3 inputs
    (short chunks, chunks of at least K inputs), or of whole signals."""
    x, w, kwargs = data.draw(problems(max_length=40))
    c_out = w.shape[1] * kwargs["groups"]
    assume(2 <= c_out <= engine.NARROW_OUTPUT)
    geom = prepare(x, w, **kwargs).geometry
    row = engine.Scatter(w, geom.stride, geom.dilation, kwargs["groups"],
                         np.float64).row_bytes(x.shape[2 if kwargs["data_format"] ==
                                                         "channels_last" else 1])
    rows = data.draw(st.one_of(st.integers(1, 2 * w.shape[0] + 3), st.integers(40, 130)))
    calls = itertools.count()
    decide = {"always": lambda *a: True, "never": lambda *a: False,
              "alternating": lambda *a: next(calls) % 2 == 0}[rule]
    options = {"block_bytes": rows * row}
    with mock.patch.object(engine, "by_channel", decide):
        got = forced(x, w, **kwargs, path="scatter", **options)
    assert_close(got, reference.scatter_loops(x, w, **kwargs))


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(data=st.data())
def test_automatic_choice_matches_oracle(data):
    x, w, kwargs = data.draw(problems(max_length=20))
    assert_close(conv1d_transpose(x, w, **kwargs), reference.gather_loops(x, w, **kwargs))


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(data=st.data())
def test_float32_and_float16_paths(data):
    """Lower precisions: the right dtype out, close to the float64 oracle."""
    x, w, kwargs = data.draw(problems())
    path, options = path_options(data.draw, prepare(x, w, **kwargs).geometry)
    dtype = data.draw(st.sampled_from([np.float32, np.float16]))
    xl, wl = x.astype(dtype), w.astype(dtype)
    if kwargs["bias"] is not None:
        kwargs["bias"] = kwargs["bias"].astype(dtype)
    want = reference.scatter_loops(xl.astype(np.float64), wl.astype(np.float64), **kwargs)
    got = forced(xl, wl, **kwargs, path=path, **options)
    assert got.dtype == dtype
    tol = {np.float32: 1e-5, np.float16: 1e-2}[dtype]
    scale = np.abs(xl).astype(np.float64).max() * np.abs(wl).astype(np.float64).sum() + 1
    assert np.abs(got.astype(np.float64) - want).max() <= tol * scale


@pytest.mark.parametrize("path,options", [("scatter", {}), ("scatter_blocks", {}),
                                          ("gather", {"time_batch": 2}), ("index", {})])
def test_integer_input_is_float64_and_inputs_untouched(path, options):
    x = np.arange(24).reshape(2, 4, 3)
    w = np.arange(30).reshape(5, 2, 3) % 7
    x0, w0 = x.copy(), w.copy()
    got = forced(x, w, 2, "same", None, 1, 1, "channels_last", None, path, **options)
    assert got.dtype == np.float64
    assert_close(got, reference.scatter_loops(x.astype(float), w.astype(float), 2, "same"))
    assert np.array_equal(x, x0) and np.array_equal(w, w0)
    assert not np.shares_memory(got, x)


@pytest.mark.parametrize("order", ["keras", "torch", "by_input", "fortran"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_native_kernel_keeps_values_and_copies_only_foreign_orders(order, dtype):
    w = np.random.default_rng(0).standard_normal((5, 3, 4)).astype(np.float32)
    given = {"keras": w,
             "torch": np.ascontiguousarray(w.transpose(2, 1, 0)).transpose(2, 1, 0),
             "by_input": np.ascontiguousarray(w.transpose(2, 0, 1)).transpose(1, 2, 0),
             "fortran": np.asfortranarray(w)}[order]
    got = engine.native_kernel(given, dtype)
    assert got.dtype == dtype and np.array_equal(got, w)
    assert got.flags.c_contiguous or got.transpose(2, 0, 1).flags.c_contiguous
    native = order in ("keras", "by_input")
    assert (got is given) == (native and dtype == np.float32)
    assert engine.native_kernel(got, dtype) is got        # native now: never copied again


def test_unknown_path_names_itself():
    x, w = np.ones((1, 3, 1)), np.ones((2, 1, 1))
    with pytest.raises(ValueError, match="path='fft'"):
        forced(x, w, 1, "valid", None, 1, 1, "channels_last", None, "fft")


@pytest.mark.parametrize("dtype", [np.complex128, np.longdouble, np.float16])
def test_index_path_in_dtypes_bincount_cannot_take(dtype):
    """np.bincount sums float64: complex and long double go through np.add.at."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 5, 3)).astype(dtype)
    w = rng.standard_normal((4, 2, 3)).astype(dtype)
    if dtype == np.complex128:
        x = x + 1j * rng.standard_normal(x.shape)
    got = forced(x, w, 3, "same", None, 2, 1, "channels_last", None, "index")
    want = reference.scatter_loops(x, w, 3, "same", dilation=2)
    assert got.dtype == want.dtype
    tol = 1e-2 if dtype == np.float16 else 1e-12
    assert np.abs(got - want).max() <= tol * np.abs(want).max()


@pytest.mark.parametrize("narrow", [0, 10**6])
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(data=st.data())
def test_disjoint_path_one_gemm_per_tap_or_one_for_all(narrow, data):
    """Both ways of the disjoint path: a GEMM per tap written straight into the
    output (DISJOINT_NARROW 0), or one GEMM for every tap, copied (10**6)."""
    x, w, kwargs = data.draw(problems())
    kwargs["stride"] = max(kwargs["stride"], (w.shape[0] - 1) * kwargs["dilation"] + 1)
    kwargs["output_padding"] = None
    try:
        prepare(x, w, **kwargs)
    except ValueError:
        assume(False)
    block_bytes = data.draw(st.sampled_from([1, 300, engine.BLOCK_BYTES]))
    with mock.patch.object(engine, "DISJOINT_NARROW", narrow):
        got = forced(x, w, **kwargs, path="disjoint", block_bytes=block_bytes)
    assert_close(got, reference.scatter_loops(x, w, **kwargs))


def test_disjoint_path_writes_each_tap_straight_and_refuses_overlaps():
    rng = np.random.default_rng(8)
    x = rng.standard_normal((3, 7, 4)).astype(np.float16)     # float32 compute, float16 out
    w = rng.standard_normal((2, 3, 4)).astype(np.float16)
    bias = rng.standard_normal(3).astype(np.float16)
    want = reference.scatter_loops(x.astype(float), w.astype(float), 5, (2, 1), dilation=2,
                                   bias=bias.astype(float))
    got = forced(x, w, 5, (2, 1), None, 2, 1, "channels_last", bias, "disjoint")
    assert got.dtype == np.float16
    assert np.abs(got.astype(float) - want).max() <= 1e-2 * np.abs(want).max()
    xf = np.ascontiguousarray(x.transpose(0, 2, 1)).astype(float)
    got = forced(xf, w.astype(float), 5, (2, 1), None, 2, 1, "channels_first",
                 bias.astype(float), "disjoint")
    assert_close(got, want.transpose(0, 2, 1))
    assert ("disjoint", {}) in engine.candidates(shapes.geometry(7, 2, 5, dilation=2), 4, 3, 1)
    assert ("disjoint", {}) not in engine.candidates(shapes.geometry(7, 2, 2, dilation=2),
                                                     4, 3, 1)
    with pytest.raises(ValueError, match="taps that never overlap"):
        forced(x, w, 2, "valid", None, 2, 1, "channels_last", None, "disjoint")


def test_index_path_is_offered_only_for_small_problems():
    small, large = shapes.geometry(100, 8, 4), shapes.geometry(10000, 8, 4)
    assert ("index", {}) in engine.candidates(small, 8, 8, 1, 2)
    assert ("index", {}) not in engine.candidates(large, 8, 8, 1, 2)
    # a huge stride: few products, but an accumulator of the full scatter's length
    huge = shapes.geometry(4, 1, 100_000)
    assert not engine.index_fits(huge, 1, 1)
    assert ("index", {}) not in engine.candidates(huge, 1, 1, 1, 1)
    x, w = np.ones((2, 10000, 8)), np.ones((8, 8, 8))
    with pytest.raises(ValueError, match="index path takes at most"):
        forced(x, w, 4, "valid", None, 1, 1, "channels_last", None, "index")


def test_paths_refuse_geometry_they_cannot_do():
    x, w = np.ones((1, 3, 1)), np.ones((2, 1, 1))
    with pytest.raises(ValueError):
        forced(x, w, 3, "valid", None, 2, 1, "channels_last", None, "gather", time_batch=2)
    with pytest.raises(ValueError):
        forced(x, w, 2, "valid", None, 2, 1, "channels_last", None, "scatter_blocks")


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(data=st.data(), stride=st.integers(2, 6), dilation=st.integers(2, 5))
def test_gather_by_phases_with_stride_and_dilation(data, stride, dilation):
    """Stride and dilation both above 1: the gather path's phases against every oracle."""
    x, w, kwargs = data.draw(problems())
    kwargs.update(stride=stride, dilation=dilation, output_padding=data.draw(
        st.one_of(st.none(), st.integers(0, max(stride, dilation) - 1))))
    try:
        geom = prepare(x, w, **kwargs).geometry
    except ValueError:
        assume(False)
    options = {"block_bytes": data.draw(st.sampled_from([1, 300, engine.BLOCK_BYTES]))}
    if geom.stride % geom.dilation == 0:
        options["time_batch"] = data.draw(st.integers(1, 5))
    oracle = reference.ORACLES[data.draw(st.sampled_from(ORACLE_NAMES))]
    assert_close(forced(x, w, **kwargs, path="gather", **options), oracle(x, w, **kwargs))


@pytest.mark.parametrize("case", [
    # N, L, C_in, C_out, K, s, d, g: the benchmark suite's shapes, scaled down
    (2, 40, 8, 8, 4, 2, 1, 1), (1, 30, 16, 8, 16, 8, 1, 1), (2, 50, 4, 4, 9, 1, 1, 1),
    (3, 20, 16, 16, 3, 1, 1, 1), (2, 300, 1, 1, 31, 2, 1, 1), (2, 10, 32, 16, 5, 2, 1, 1),
    (1, 60, 4, 4, 3, 1, 4, 1), (2, 40, 8, 8, 8, 4, 1, 4),
    (1, 6, 128, 128, 16, 8, 1, 1), (1, 5, 128, 128, 3, 1, 1, 1), (1, 9, 4, 4, 3, 2, 2, 1),
])
def test_rule_picks_a_valid_path(case):
    n, length, c_in, c_out, k, s, d, g = case
    geom = prepare(np.ones((n, length, c_in)), np.ones((k, c_out // g, c_in)),
                              s, dilation=d, groups=g).geometry
    path, options = engine.choose(geom, c_in, c_out, g, n)
    assert path in engine.PATHS
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, length, c_in))
    w = rng.standard_normal((k, c_out // g, c_in))
    assert_close(forced(x, w, s, "valid", None, d, g, "channels_last", None, path, **options),
                 reference.scatter_loops(x, w, s, dilation=d, groups=g))


def assert_same_non_finite(got, want):
    """nan and inf exactly where the oracle has them; the finite rest as assert_close."""
    assert np.array_equal(np.isnan(got), np.isnan(want))
    assert np.array_equal(np.isinf(got), np.isinf(want))
    finite = np.isfinite(want)
    assert np.abs(got[finite] - want[finite]).max(initial=0) <= 1e-12 * max(
        1.0, float(np.abs(want[finite]).max(initial=0)))


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(data=st.data())
def test_non_finite_values_reach_exactly_what_the_oracle_says(data):
    """Fast paths multiply structural zeros; the rule must not let 0 * inf leak."""
    x, w, kwargs = data.draw(problems())
    bad = data.draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    target = data.draw(st.sampled_from(["x", "w"]))
    arr = x if target == "x" else w
    arr.flat[data.draw(st.integers(0, arr.size - 1))] = bad
    got = conv1d_transpose(x, w, **kwargs)
    assert_same_non_finite(got, reference.scatter_loops(x, w, **kwargs))


@pytest.mark.parametrize("time_batch", [1, 2, 3])
@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(data=st.data())
def test_non_finite_values_through_the_gather_as_the_rule_runs_it(time_batch, data):
    """When the rule picks the gather, non-finite input reaches exactly what the oracle
    says: a gather of real taps only runs (the input unchecked), any other gather
    gives way to the scatter."""
    x, w, kwargs = data.draw(problems())
    geom = prepare(x, w, **kwargs).geometry
    if geom.stride % geom.dilation:
        time_batch = 1
    bad = data.draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    arr = x if data.draw(st.booleans()) else w
    arr.flat[data.draw(st.integers(0, arr.size - 1))] = bad
    with mock.patch.object(engine, "choose",
                           lambda *args: ("gather", {"time_batch": time_batch})):
        got = engine.compute(prepare(x, w, **kwargs))
    assert_same_non_finite(got, reference.scatter_loops(x, w, **kwargs))


@pytest.mark.parametrize("case,expected", [
    # (N, L, C_in, C_out, K, stride, dilation, groups) -> path, time_batch
    ((4, 16000, 1, 1, 31, 2, 1, 1), ("gather", 16)),     # one channel: stacked rows
    ((10, 2027, 350, 1, 1, 6, 1, 1), ("disjoint", None)),  # K < s: taps never overlap
    ((1, 16, 8, 8, 4096, 1, 1, 1), ("scatter", None)),   # long kernel, short input
    ((1, 64, 64, 64, 4000, 2000, 1, 1), ("scatter", None)),   # huge stride
    ((9, 258, 1, 154, 15, 4, 4, 1), ("gather", 1)),      # wide GEMM: no tie to widen
])
def test_rule_as_documented(case, expected):
    n, length, c_in, c_out, k, s, d, g = case
    geom = shapes.geometry(length, k, s, dilation=d)
    path, options = engine.choose(geom, c_in, c_out, g, n)
    assert (path, options.get("time_batch")) == expected


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 32), length=st.integers(1, 8192), c_in=st.integers(1, 512),
       c_out=st.integers(1, 512), k=st.integers(1, 5000), s=st.integers(1, 5000),
       d=st.integers(1, 4), itemsize=st.sampled_from([4, 8]))
def test_choice_is_the_cheapest_candidate_within_the_scratch_bound(
        n, length, c_in, c_out, k, s, d, itemsize):
    geom = shapes.geometry(length, k, s, dilation=d)
    found = engine.candidates(geom, c_in, c_out, 1, n, itemsize)
    assert ("scatter", {}) in found
    for path, options in found:
        assert path in engine.PATHS
        if path == "gather":
            # the banded weight matrix (U*C_in, B*s*C_out) stays within the bound;
            # with stride and dilation, each phase's (U*C_in, B*C_out) does
            b = options["time_batch"]
            g_s, g_d = geom.stride, geom.dilation
            assert b == 1 or g_s % g_d == 0
            if g_d == 1:
                u, width = b + -(-k // g_s) - 1, b * g_s
            elif g_s == 1:
                u, width = k, 1
            else:
                u, width = b + -(-k // (g_s // math.gcd(g_s, g_d))) - 1, b
            assert u * c_in * width * c_out * itemsize <= engine.WEIGHT_BYTES
        if path == "scatter_blocks":
            assert d == 1 and -(-k // s) * s * c_in * c_out * itemsize <= engine.WEIGHT_BYTES
    chosen = engine.choose(geom, c_in, c_out, 1, n, itemsize)
    assert chosen in found
    costs = {repr(c): engine.path_cost(*c, geom, c_in, c_out, 1, n, itemsize) for c in found}
    cheapest = min(found, key=lambda c: costs[repr(c)])
    if cheapest[0] != "gather" or geom.stride * c_out > engine.TIE_WIDTH:
        assert chosen == cheapest
    else:       # a narrow GEMM: a tie within TIE of the cheapest goes to the widest gather
        tied = [o["time_batch"] for p, o in found if p == "gather"
                and costs[repr((p, o))] <= costs[repr(cheapest)] * (1 + engine.TIE)]
        assert chosen == ("gather", {"time_batch": max(tied)})


@pytest.mark.parametrize("path,options", [("scatter", {}), ("scatter_blocks", {}),
                                          ("gather", {"time_batch": 2}), ("index", {})])
def test_kept_scratch_never_leaks_into_results(path, options, monkeypatch):
    """Scratch buffers are reused between calls (and per thread): results stay apart."""
    import threading

    monkeypatch.setattr(engine, "KEEP_BYTES", 0)       # keep even these small buffers
    rng = np.random.default_rng(3)
    xs = [rng.standard_normal((2, 30, 4)) for _ in range(6)]
    w = rng.standard_normal((4, 3, 4))
    wants = [reference.scatter_loops(x, w, 2, "same") for x in xs]
    first = forced(xs[0], w, 2, "same", None, 1, 1, "channels_last", None, path, **options)
    kept = first.copy()
    second = forced(xs[1], w, 2, "same", None, 1, 1, "channels_last", None, path, **options)
    assert not np.shares_memory(first, second)
    assert np.array_equal(first, kept)
    assert_close(second, wants[1])
    got = [None] * len(xs)

    def work(j):
        for _ in range(20):
            got[j] = forced(xs[j], w, 2, "same", None, 1, 1, "channels_last", None,
                            path, **options)

    threads = [threading.Thread(target=work, args=(j,)) for j in range(len(xs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for j in range(len(xs)):
        assert_close(got[j], wants[j])
    engine.release_scratch()
