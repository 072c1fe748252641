"""Cost of a verdict: the blocked passes give the unblocked results, and check and compare
hold no more than 4x the checked array plus bounded scratch (docs/error-bounds.md, "Cost")."""


import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

from deconv1d import conv1d_transpose, interop, reference, shapes, verify
from deconv1d.frameworks import evidence
from deconv1d.frameworks.diagnose import LazyOutput
from strategies import peak_of


@settings(max_examples=30, deadline=None)
@given(stride=st.integers(1, 4), kernel=st.integers(1, 6), dilation=st.integers(1, 3),
       crops=st.tuples(st.integers(-4, 6), st.integers(-4, 6)), groups=st.integers(1, 2),
       cuts=st.lists(st.integers(0, 60), max_size=4), seed=st.integers(0, 2**16))
def test_kernel_gradient_over_blocks_is_the_oracles(stride, kernel, dilation, crops, groups,
                                                     cuts, seed):
    # dw_j = <dy, T(x) e_j>, each column from the loop oracle; integer data: exact sums.
    rng = np.random.default_rng(seed)
    x = rng.integers(-3, 4, (2, 7, 2 * groups)).astype(np.float64)
    w = np.zeros((kernel, 2, 2 * groups))
    window = shapes.Window(*crops)
    length = (7 - 1) * stride + (kernel - 1) * dilation + 1 - sum(crops)
    if length <= 0:
        return
    dy = rng.integers(-3, 4, (2, length, 2 * groups)).astype(np.float64)
    want = np.zeros(w.shape)
    for j in np.ndindex(w.shape):
        one = w.copy()
        one[j] = 1.0
        column = reference.scatter_loops(x, one, stride, window, dilation=dilation,
                                         groups=groups)
        want[j] = np.vdot(dy, column)
    edges = sorted({0, length, *(c for c in cuts if c < length)})
    got = np.zeros(w.shape)
    bias = np.zeros(2 * groups)
    for t0, t1 in zip(edges, edges[1:]):
        dw, db = evidence.kernel_gradient(dy[:, t0:t1], x, w.shape, stride=stride,
                                          crop_left=window.crop_left, dilation=dilation,
                                          groups=groups, start=t0)
        got += dw
        bias += db
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(bias, dy.sum(axis=(0, 1)))


@pytest.mark.parametrize("stride, kernel, dilation, crops", [
    (1, 1, 1, (0, 0)), (2, 5, 1, (1, -2)), (3, 4, 2, (-3, 5)), (8, 16, 1, (4, 4)),
    (1, 7, 3, (6, 6)),
])
@pytest.mark.parametrize("step", [1, 7, 64, 1000])
def test_lazy_output_blocks_equal_the_whole(stride, kernel, dilation, crops, step):
    # Integer data: every sum is exact, so blocked and whole must agree bit for bit.
    rng = np.random.default_rng(stride * 100 + kernel)
    x = rng.integers(-4, 5, (2, 11, 3)).astype(np.float64)
    w = rng.integers(-4, 5, (kernel, 2, 3)).astype(np.float64)
    b = rng.integers(-4, 5, 2).astype(np.float64)
    window = shapes.Window(*crops)
    whole = conv1d_transpose(x, w, stride, window, dilation=dilation, bias=b)
    out = LazyOutput(x, w, stride=stride, window=window, dilation=dilation, groups=1, bias=b)
    assert out.shape == whole.shape
    got = np.concatenate([out[:, t:t + step] for t in range(0, whole.shape[1], step)], axis=1)
    np.testing.assert_array_equal(got, whole)


def _torch_case(n, dtype, fail, c=8, length=600, stride=2, k=5):
    rng = np.random.default_rng(n + 10 * len(fail or ""))
    x = rng.standard_normal((n, c, length)).astype(dtype)
    w = rng.standard_normal((c, c, k)).astype(dtype)
    b = rng.standard_normal(c).astype(dtype)
    w2 = w.copy()
    if fail == "weight":
        w2[1, 2, 0] *= 1.01
    elif fail == "flipped":
        w2 = w2[..., ::-1].copy()
    y = interop.torch_conv_transpose1d(x.astype(np.float64), w2.astype(np.float64),
                                       b.astype(np.float64), stride=stride, padding=1)
    return y.astype(dtype), x, w, b, stride


CASES = [(n, dtype, fail) for n in (1, 3) for dtype in (np.float32, np.float64)
         for fail in (None, "weight", "flipped")]


@pytest.mark.parametrize("n, dtype, fail", CASES)
def test_verdicts_do_not_depend_on_the_block_size(monkeypatch, n, dtype, fail):
    y, x, w, b, s = _torch_case(n, dtype, fail)
    reports = []
    for block in (10**9, 997):          # one block (unblocked), then many along time
        monkeypatch.setattr(evidence, "BLOCK", block)
        reports.append(verify.check("torch", y, x, w, b, stride=s, padding=1))
    whole, blocked = reports
    assert (blocked.verdict, blocked.codes) == (whole.verdict, whole.codes)
    assert (blocked.suspect, blocked.mismatched) == (whole.suspect, whole.mismatched)
    if whole.error_to_tolerance > 0.01:
        assert blocked.worst_index == whole.worst_index
        # The tolerance holds a float32 magnitude bound (|x| @ |w| rounded upward),
        # computed block by block by conv1d_transpose: a block small enough for the
        # engine's index path sums it in float64, others in float32, so its last bit
        # (2**-23 relative) may differ with the block size, never more.
        assert blocked.error_to_tolerance == pytest.approx(whole.error_to_tolerance,
                                                           rel=2**-20)
    if whole.pooled_z is not None:
        assert blocked.pooled_z == pytest.approx(whole.pooled_z, rel=1e-6)
    if fail == "flipped":
        assert whole.codes == ["kernel_flipped"]
    if fail == "weight":
        assert "kernel_entries" in whole.codes


def _peak(function):
    function()                          # the engine's kept scratch, allocated once
    return peak_of(function)


@pytest.mark.parametrize("n, dtype, fail", [
    (1, np.float32, None), (3, np.float64, None), (1, np.float64, "weight"),
    (3, np.float32, "weight"), (1, np.float32, "flipped"), (3, np.float64, "flipped"),
])
def test_check_and_compare_hold_four_checked_arrays_plus_bounded_scratch(monkeypatch, n,
                                                                           dtype, fail):
    """The checked array: the actual output, counted at least 4 bytes a sample."""
    block = 1 << 10
    monkeypatch.setattr(evidence, "BLOCK", block)
    y, x, w, b, s = _torch_case(n, dtype, fail, c=16, length=1 << 12)
    checked = y.size * max(y.itemsize, 4)
    # Scratch: a bounded number of float64 blocks (and the small per-call arrays),
    # whatever the output's length: here a fifth of the budget for N = 1.
    scratch = 48 * block * 8 + 2**20
    report, peak = _peak(lambda: verify.check("torch", y, x, w, b, stride=s, padding=1))
    assert report.verdict == ("MATCH" if fail is None else "MISMATCH")
    assert peak <= 4 * checked + scratch, peak / checked
    expected = interop.torch_conv_transpose1d(x, w, b, stride=s, padding=1)
    report, peak = _peak(lambda: verify.compare(y, expected, layout="NCL"))
    assert report.verdict == "MATCH" or fail is not None
    assert peak <= 4 * checked + scratch, peak / checked


@pytest.mark.parametrize("groups, dilation, crops", [(1, 1, (3, 2)), (2, 2, (0, 5)),
                                                     (1, 3, (-2, 4))])
def test_pooled_evidence_does_not_depend_on_blocks_or_pieces(monkeypatch, groups, dilation,
                                                              crops):
    # The pooled test asks for its residual a piece at a time and writes each piece into
    # its block's GEMM layout: any cut of the output gives the same scores and location.
    rng = np.random.default_rng(groups * 10 + dilation)
    x = rng.standard_normal((2, 50, 2 * groups))
    w = rng.standard_normal((5, 3, 2 * groups))
    b = rng.standard_normal(3 * groups)
    window = shapes.Window(*crops)
    y = conv1d_transpose(x, w, 3, window, dilation=dilation, groups=groups, bias=b)
    wrong = w.copy()
    wrong[2, 1, 1] *= 1 + 1e-6
    r = conv1d_transpose(x, wrong, 3, window, dilation=dilation, groups=groups, bias=b) - y
    r += 1e-12 * rng.standard_normal(y.shape)
    v = np.ones_like(r)
    v[:, :2] = 0.0                                  # some samples hold no product

    def chunk(n0, n1, t0, t1, channel=None):
        cs = slice(None) if channel is None else slice(channel, channel + 1)
        return r[n0:n1, t0:t1, cs].copy(), v[n0:n1, t0:t1, cs].copy()

    found = []
    for block, piece in [(10**9, 10**9), (10**9, 7), (97, 5), (1, 1)]:
        monkeypatch.setattr(evidence, "BLOCK", block)
        monkeypatch.setattr(evidence, "PIECE", piece)
        found.append(evidence.pooled(chunk, x, w, stride=3, window=window, dilation=dilation,
                                     groups=groups, bias=b, noise_floor=2.0**-53,
                                     false_alarm=1e-6, locate=True, along_time=True))
    whole = found[0]
    assert whole.suspect and [(e.k, e.out, e.in_) for e in whole.located] == [(2, 1, 1)]
    for other in found[1:]:
        assert other.z_max == pytest.approx(whole.z_max, rel=1e-9)
        assert other.noise == pytest.approx(whole.noise, rel=1e-9)
        assert other.samples == whole.samples
        assert [(e.k, e.out, e.in_) for e in other.located] == [(2, 1, 1)]
        assert other.located[0].delta == pytest.approx(whole.located[0].delta, rel=1e-9)


@settings(max_examples=40, deadline=None)
@given(stride=st.integers(1, 4), kernel=st.integers(1, 6), dilation=st.integers(1, 3),
       n=st.integers(1, 3), scale=st.integers(-850, 850), seed=st.integers(0, 2**16))
def test_float32_allowance_product_bounds_the_exact_one_from_above(stride, kernel, dilation,
                                                                   n, scale, seed):
    # Integers of 20 bits times a power of two (underflow and overflow ranges of
    # float32 included): the float64 product is exact, the float32 one rounded, and the
    # bound above the exact product by at most its own correction.
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 2**20, (n, 9, 3)) * 2.0**(scale // 2)
    span = (9 + (kernel - 1) * dilation // stride) * stride
    pad = rng.integers(0, 2**20, (n, span, 2)) * 2.0**(scale - scale // 2)
    pad[:, rng.integers(0, span)] = 0.0
    shape = (kernel, 2, 3)
    exact = evidence.polyphase_product(pad, x, shape, stride, dilation)
    upper = evidence.upper_product(pad.copy(), x, shape, stride, dilation)
    assume(upper is not None)                   # a factor all zero
    assert np.all(upper >= exact)
    tiny = 1.01 * 9 * n * 2.0**(scale + 40 - 148)   # the underflow term, in data units
    assert np.all(upper <= exact * (1 + 1e-4) + tiny)
