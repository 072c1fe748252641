"""deconv1d.verify: the round-off tolerance, the verdict and the diagnoses."""

import json

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

from deconv1d import conv1d_transpose, interop, verify
from deconv1d.cli import main

import strategies


def _keras_problem(problem):
    """``(x, w, bias, kwargs)`` channels last, from a shared-strategy draw."""
    x, w, kwargs = problem
    kwargs = dict(kwargs)
    if kwargs.pop("data_format") == "channels_first":
        x = np.ascontiguousarray(x.transpose(0, 2, 1))
    return x, w, kwargs.pop("bias"), kwargs


def problems():
    """Keras-string problems (valid/same), channels last, groups 1 or 2."""
    return strategies.problems(keras_only=True, max_groups=2).map(_keras_problem)


def torch_args(x, w, b, kw):
    """The same problem, as PyTorch arguments (only for windows PyTorch can express)."""
    L, K = x.shape[1], w.shape[0]
    cl, cr = interop.crops_from("keras", L, K, stride=kw["stride"], dilation=kw["dilation"],
                                padding=kw["padding"], output_padding=kw["output_padding"])
    args = interop.arguments_for("torch", L, K, cl, cr, stride=kw["stride"],
                                 dilation=kw["dilation"])
    return args


@settings(max_examples=150, deadline=None)
@given(problems())
def test_float32_fast_path_is_within_the_bound(problem):
    """Our own float32 computation passes the float32 bound against float64: the bound is
    not too tight for a real float32 implementation."""
    x, w, b, kw = problem
    y32 = conv1d_transpose(x.astype(np.float32), w.astype(np.float32), bias=None if b is None
                           else b.astype(np.float32), **kw)
    x32, w32 = x.astype(np.float32), w.astype(np.float32)
    b32 = None if b is None else b.astype(np.float32)
    xt, wt = x32.transpose(0, 2, 1), interop.kernel_for("torch", w32)
    try:
        torch_kw = torch_args(x, w, b, kw)
    except interop.InexpressibleError:
        torch_kw = None
    assume(torch_kw is not None)      # PyTorch cannot ask for this window
    report = verify.check("torch", y32.transpose(0, 2, 1), xt, wt, b32,
                          groups=kw["groups"], stride=kw["stride"],
                          dilation=kw["dilation"], **torch_kw)
    assert report.ok, str(report)
    # The products reaching the busiest sample, never more than every tap times C_in/groups.
    assert report.reduction_length <= w.shape[0] * x.shape[2] // kw["groups"] + (b is not None)


@settings(max_examples=100, deadline=None)
@given(problems(), st.floats(0.1, 0.9), st.floats(1.5, 10))
def test_tolerance_is_the_bound(problem, inside, outside):
    """An error just inside the probabilistic bound is a MATCH, beyond it SUSPECT, beyond
    the rigorous bound MISMATCH, at the worst element."""
    x, w, b, kw = problem
    e = conv1d_transpose(x, w, bias=b, **kw)
    m = conv1d_transpose(np.abs(x), np.abs(w), bias=None if b is None else np.abs(b), **kw)
    n = w.shape[0] * x.shape[2] // kw["groups"] + (b is not None)
    i = np.unravel_index(np.argmax(m), m.shape)
    assume(m[i] > 0)
    r0 = verify.compare(e.copy(), e, reduction_length=n, magnitude=m, arithmetic="float32")
    assert r0.verdict == "MATCH"
    a = e.copy()
    a[i] += inside * (m[i] * (verify.gamma(n, 2.0**-24)))        # within gamma_n: never MISMATCH
    r = verify.compare(a, e, reduction_length=n, magnitude=m, arithmetic="float32")
    assert r.verdict in ("MATCH", "SUSPECT") and r.mismatched == 0
    a = e.copy()
    # Beyond twice gamma_n plus the input and storage roundings: beyond the rigorous bound.
    a[i] += outside * 2 * m[i] * (verify.gamma(n, 2.0**-24) + 3 * 2.0**-24)
    r = verify.compare(a, e, reduction_length=n, magnitude=m, arithmetic="float32")
    assert r.verdict == "MISMATCH" and r.worst_index == tuple(int(k) for k in i)
    assert r.mismatched == 1


def test_identical_and_report_forms():
    e = np.arange(12.0).reshape(1, 4, 3)
    r = verify.compare(e.copy(), e)
    assert r.ok and bool(r) and r.max_abs_error == 0 and r.diagnoses == ()
    assert r.verdict == "MATCH"
    d = r.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["ok"] is True and d["actual_shape"] == [1, 4, 3]
    assert str(r).startswith("deconv1d verify: MATCH")


def test_nan_handling():
    e = np.ones((1, 3, 1))
    a = e.copy()
    a[0, 1, 0] = np.nan
    r = verify.compare(a, e)
    assert not r.ok and r.worst_index == (0, 1, 0)
    assert r.verdict == "MISMATCH" and r.codes == ["non_finite"]
    e2 = e.copy()
    e2[0, 1, 0] = np.nan
    assert verify.compare(a, e2).ok


def test_unit_roundoff_and_gamma():
    assert verify.unit_roundoff(np.float64) == 2.0**-53
    assert verify.unit_roundoff(np.float16) == 2.0**-11
    assert verify.unit_roundoff(np.int32) == 0.0
    assert verify.gamma(2**30, 2.0**-24) == float("inf")
    with pytest.raises(TypeError, match="dtype"):
        verify.unit_roundoff(np.dtype("U3"))
    assert verify.unit_roundoff("bfloat16") == 2.0**-8


def test_bad_arguments():
    e = np.ones((1, 3, 2))
    with pytest.raises(ValueError, match="layout"):
        verify.compare(e, e, layout="NXC")
    with pytest.raises(ValueError, match="rank"):
        verify.compare(e[0], e)
    with pytest.raises(ValueError, match="reduction_length"):
        verify.compare(e, e, reduction_length=0)
    with pytest.raises(ValueError, match="arithmetic"):
        verify.compare(e, e, arithmetic="float8")
    with pytest.raises(ValueError, match="rtol"):
        verify.compare(e, e, rtol=-1.0)
    with pytest.raises(ValueError, match="false_alarm"):
        verify.compare(e, e, false_alarm=2.0)
    with pytest.raises(ValueError, match="magnitude"):
        verify.compare(e, e, magnitude=np.ones(3))
    with pytest.raises(ValueError, match="bias"):
        verify.check("tf", e, e, np.ones((1, 2, 2)), np.ones(2), output_shape=[1, 3, 2],
                     strides=1)


# ----------------------------------------------------------------------------- #
# Diagnoses on constructed data (the golden tests use real framework outputs)   #
# ----------------------------------------------------------------------------- #
RNG = np.random.default_rng(0)
X = RNG.standard_normal((2, 4, 2))
W = RNG.standard_normal((3, 3, 2))


def test_diagnoses_shift_torch_vs_keras_same():
    keras = interop.keras_conv1d_transpose(X, W, strides=2, padding="same")
    torch = interop.torch_conv_transpose1d(X.transpose(0, 2, 1), interop.kernel_for("torch", W),
                                           stride=2, padding=1, output_padding=1)
    r = verify.compare(torch.transpose(0, 2, 1), keras)
    assert r.codes == ["shifted"] and r.diagnoses[0].details["shift"] == -1


def test_diagnoses_window_and_layout():
    e = interop.keras_conv1d_transpose(X, W, strides=2, padding="valid")
    r = verify.compare(e[:, 1:-1], e)
    assert r.codes == ["window"] and r.diagnoses[0].details["start"] == 1
    r = verify.compare(e.transpose(0, 2, 1), e)
    assert r.codes == ["layout_transposed"]
    r = verify.compare(e[:, :, :2], e)
    assert r.codes == ["unknown"]


def test_diagnoses_zeros_wrong_end():
    x = np.array([[[1.0], [2.0], [3.0]]])
    e = interop.keras_conv1d_transpose(x, np.ones((1, 1, 1)), strides=2, padding="same")
    assert e[0, :, 0].tolist() == [1, 0, 2, 0, 3, 0]
    r = verify.compare(np.roll(e, 1, axis=1), e)
    assert r.codes == ["zeros_wrong_end"]


def test_diagnoses_channels_offset_scale():
    e = interop.keras_conv1d_transpose(X, W, strides=2, padding="same")
    assert verify.compare(e[..., ::-1], e).codes == ["channels_permuted"]
    b = np.array([0.5, -1.0, 2.0])
    r = verify.compare(e, e + b, bias=b)
    assert r.codes == ["offset"] and "bias is missing" in r.diagnoses[0].message
    assert verify.compare(3 * e, e).codes == ["scaled"]


def test_check_diagnoses_flipped_kernel_and_io_swap():
    # JAX default (no transpose_kernel) given a Keras kernel in HIO order without the flip.
    keras_y = interop.keras_conv1d_transpose(X, W, strides=2, padding="same")
    flipped = interop.keras_conv1d_transpose(X, W[::-1], strides=2, padding="same")
    r = verify.check("keras", flipped, X, W, strides=2, padding="same")
    assert r.codes == ["kernel_flipped"]
    w_sq = RNG.standard_normal((3, 2, 2))
    swapped = interop.keras_conv1d_transpose(X, w_sq.transpose(0, 2, 1), strides=1,
                                             padding="same")
    r = verify.check("keras", swapped, X, w_sq, strides=1, padding="same")
    assert r.codes == ["kernel_io_swapped"]
    assert verify.check("keras", keras_y, X, W, strides=2, padding="same").ok


# ----------------------------------------------------------------------------- #
# Command line                                                                  #
# ----------------------------------------------------------------------------- #
def test_cli_verify(tmp_path, capsys):
    xt = X.transpose(0, 2, 1).astype(np.float32)
    wt = interop.kernel_for("torch", W).astype(np.float32)
    y = interop.torch_conv_transpose1d(xt, wt, stride=2, padding=1, output_padding=1)
    np.save(tmp_path / "x.npy", xt)
    np.save(tmp_path / "w.npy", wt)
    np.save(tmp_path / "y.npy", y)
    np.savez(tmp_path / "both.npz", y=y, other=y)
    base = ["verify", "--framework", "torch", "--x", str(tmp_path / "x.npy"),
            "--w", str(tmp_path / "w.npy"), "--stride", "2", "--padding", "1"]
    assert main(base + ["--y", str(tmp_path / "y.npy"), "--output-padding", "1"]) == 0
    assert "MATCH" in capsys.readouterr().out
    assert main(base + ["--y", str(tmp_path / "both.npz:y"), "--output-padding", "1",
                        "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is True and out["verdict"] == "MATCH"
    assert main(base + ["--y", str(tmp_path / "y.npy")]) == 1        # output_padding forgotten
    assert "[window]" in capsys.readouterr().out
    assert main(base + ["--y", str(tmp_path / "both.npz")]) == 2     # which array?
    assert main(base + ["--y", str(tmp_path / "y.npy"), "--pads", "1,1"]) == 2
    assert "not an argument of torch" in capsys.readouterr().err


def test_cli_refuses_pickles(tmp_path, capsys):
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    args = ["verify", "--framework", "keras", "--x", str(tmp_path / "obj.npy"),
            "--w", str(tmp_path / "obj.npy"), "--y", str(tmp_path / "obj.npy")]
    assert main(args) == 2
    assert "pickle" in capsys.readouterr().err.lower()


def test_cli_keras_and_jax(tmp_path):
    y = interop.keras_conv1d_transpose(X, W, strides=2, padding="same")
    np.save(tmp_path / "x.npy", X)
    np.save(tmp_path / "w.npy", W)
    np.save(tmp_path / "y.npy", y)
    files = ["--x", str(tmp_path / "x.npy"), "--w", str(tmp_path / "w.npy"),
             "--y", str(tmp_path / "y.npy")]
    assert main(["verify", "--framework", "keras", *files, "--strides", "2",
                 "--padding", "same"]) == 0
    assert main(["verify", "--framework", "jax", *files, "--strides", "2", "--padding",
                 "SAME", "--transpose-kernel"]) == 0
    assert main(["verify", "--framework", "jax", *files, "--strides", "2", "--padding",
                 "SAME"]) == 2       # without transpose_kernel the kernel is (K, C_in, C_out)


def test_check_names_the_framework_arguments_on_a_wrong_keyword():
    x = np.ones((1, 1, 3))
    with pytest.raises(TypeError, match=r"torch: .*'strides'.*its arguments are: input, weight"):
        verify.check("torch", np.ones((1, 1, 6)), x, x, strides=2, padding=1, output_padding=1)


def test_offset_without_a_bias_asks_for_the_bias():
    e = np.arange(12.0).reshape(1, 4, 3)
    report = verify.compare(e + np.array([0.5, -1.0, 2.0]), e)
    (d,) = report.diagnoses
    assert d.code == "offset" and "Pass the framework's bias" in d.message
    assert "ONNX" not in d.message


def test_weight_given_in_the_other_layout_is_diagnosed():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((1, 3, 6))                  # torch: (N, C_in=3, L)
    weight = rng.standard_normal((3, 2, 3))             # torch: (C_in, C_out, K=3)
    y = interop.torch_conv_transpose1d(x, weight, stride=2, padding=1)
    report = verify.check("torch", y, x, weight.transpose(2, 1, 0), stride=2, padding=1)
    assert not report.ok
    assert [d.code for d in report.diagnoses] == ["weight_layout"], str(report)
