"""The diagnoses, each pinned by real framework outputs of a known wrong port.

The scenarios in tests/data/verify_diagnoses.npz and the correct outputs in
tests/data/verify_calibration.npz come from tools/make_verify_calibration.py
(PyTorch, Keras 3 on JAX, JAX, onnxruntime; rerun it to regenerate).
"""

import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from deconv1d import interop, verify
from deconv1d.frameworks.diagnose import Context, diagnose, match_channels, to_nlc
from deconv1d.frameworks.port import check_port

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"


def _scenarios():
    with np.load(DATA / "verify_diagnoses.npz", allow_pickle=False) as f:
        meta = json.loads(str(f["meta"]))["scenarios"]
        arrays = {k: f[k] for k in f.files if k != "meta"}
    found = {}
    for i, s in enumerate(meta):
        prefix = f"s{i}_"
        found[s["name"]] = dict(s, **{k[len(prefix):]: v for k, v in arrays.items()
                                      if k.startswith(prefix)})
    return found


SCENARIOS = _scenarios()


def _port(name, original=None, arguments=None):
    s = SCENARIOS[name]
    return check_port(s["port"], s["y"], s["x"], s["w"], s.get("b"),
                      original=original or s["original"],
                      original_arguments=s.get("original_kwargs") if arguments is None
                      else arguments, **s["port_kwargs"])


def test_shift_without_a_framework_gives_no_argument_advice():
    """A plain compare knows no geometry: it names the shift and advises no arguments
    (in particular nothing about K=3, stride 2)."""
    s = SCENARIOS["torch_same_k3_s2"]
    report = verify.compare(s["y"].transpose(0, 2, 1), s["y_original"])
    assert report.codes == ["shifted"]
    message = report.diagnoses[0].message
    assert "reference[t + 1]" in message
    for word in ("K=3", "padding", "stride", "PyTorch"):
        assert word not in message, message


def test_shift_advice_comes_from_the_geometry_pytorch():
    """Keras 'same', K=3, s=2, ported as PyTorch padding=1, output_padding=1: both windows
    of the length-11 scatter, and the slice PyTorch needs (it cannot crop (0, 1))."""
    report = _port("torch_same_k3_s2")
    assert report.codes == ["shifted"]
    d = report.diagnoses[0]
    assert d.details["actual_window"] == [1, 0] and d.details["wanted_window"] == [0, 1]
    assert "keeps [1:11]" in d.message and "reference [0:10]" in d.message
    assert "padding=0, output_padding=0 and slice [0:10]" in report.advice
    assert "K=3" not in d.message and "K=3" not in report.advice
    s = SCENARIOS["torch_same_k3_s2"]          # a plain check of the same call: its advice
    x, w, y = s["x"], s["w"], s["y"]
    context = Context("torch", interop.plan("torch", x, w, stride=2, padding=1,
                                            output_padding=1), (0, 1))
    found = diagnose(to_nlc(y.astype(np.float64), "NCL"),
                     to_nlc(interop.torch_conv_transpose1d(x.astype(np.float64), w, stride=2),
                            "NCL")[:, :10], 1e-5, None, None, 0.0, context)
    assert [f.code for f in found] == ["shifted"]
    assert "padding=0, output_padding=0 and slice [0:10]" in found[0].message


def test_shift_advice_comes_from_the_geometry_jax():
    """Keras 'same' with K=7, s=4 ported to JAX with its explicit pads swapped: the
    advice is the JAX padding for this geometry, nothing about K=3."""
    report = _port("jax_same_k7_s4")
    assert report.codes == ["shifted"]
    assert "keeps [2:26]" in report.diagnoses[0].message
    assert "padding=[(5, 4)]" in report.advice and "K=3" not in str(report)
    assert report.fix == {"padding": [(5, 4)]}


def test_shift_with_a_length_change_names_both_windows():
    """onnxruntime pads [0, 4] for Keras 'same', K=5, s=2: one sample shorter *and*
    shifted; both windows and the pads that give the wanted one."""
    report = _port("onnx_pads_vs_same_k5_s2")
    assert report.codes == ["window"]
    d = report.diagnoses[0]
    assert d.details["actual_window"] == [0, 4] and d.details["wanted_window"] == [1, 2]
    assert "keeps [0:11]" in d.message and "reference [1:13]" in d.message
    assert "pads=[1, 2]" in report.advice
    assert report.fix == {"pads": [1, 2], "output_padding": 0}


def test_channels_permuted_with_the_bias_in_place():
    s = SCENARIOS["torch_channels_permuted_bias"]
    report = verify.check("torch", s["y"], s["x"], s["w"], s["b"], stride=2)
    assert report.codes == ["channels_permuted"]
    assert report.diagnoses[0].details["permutation"] == s["permutation"].tolist()
    assert report.diagnoses[0].details["bias_in_place"] is True


def test_channels_first_output_transposed_and_shifted():
    """PyTorch's (1, C, L) compared untransposed with Keras 'same' (1, L, C): the layout
    is named, and the shift after transposing, not 'check the channel counts'."""
    s = SCENARIOS["torch_ncl_vs_keras_same"]
    report = verify.compare(s["y"], s["y_original"])
    assert report.codes == ["layout_transposed", "shifted"]


def test_forgotten_groups_without_bias():
    s = SCENARIOS["torch_groups_forgotten_nobias"]
    report = verify.check("torch", s["y"], s["x"], s["w"], stride=2)
    assert report.codes == ["groups"]
    assert "groups=2" in report.diagnoses[0].message
    confirmed = check_port("torch", s["y"], s["x"], s["w"], original="torch", stride=2)
    assert confirmed.codes == ["groups"] and confirmed.diagnoses[0].details["confirmed"]


def test_forgotten_groups_with_bias_is_named():
    s = SCENARIOS["torch_groups_forgotten_bias"]
    with pytest.raises(ValueError, match=r"without its groups\? Pass groups=2"):
        check_port("torch", s["y"], s["x"], s["w"], s["b"], original="torch", stride=2)
    ok = check_port("torch", s["y"], s["x"], s["w"], s["b"], original="torch", stride=2,
                    groups=2)
    assert ok.verdict == "MATCH"


def test_kernel_reshaped_instead_of_transposed():
    s = SCENARIOS["keras_kernel_reshaped"]
    report = check_port("keras", s["y"], s["x"], s["w"], original="keras",
                        **s["check_kwargs"])
    assert report.codes == ["kernel_reshaped"]
    assert "(2, 1, 0)" in report.diagnoses[0].message


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 40), st.integers(1, 6), st.randoms(use_true_random=False),
       st.booleans())
def test_match_channels_finds_a_permutation_and_nothing_else(channels, length, rnd, equal):
    rng = np.random.default_rng(rnd.randint(0, 2**32 - 1))
    e = rng.standard_normal((2, length, channels))
    if equal and channels > 1:
        e[..., 1] = e[..., 0]                       # two identical channels
    perm = list(range(channels))
    rnd.shuffle(perm)
    found = match_channels(e[..., perm] + 1e-12, e, 1e-9)
    assert found is not None
    assert np.array_equal(e[..., found], e[..., perm])
    changed = e[..., perm].copy()
    changed[1, -1, rnd.randrange(channels)] += 1e-6
    assert match_channels(changed, e, 1e-9) is None


def test_correct_framework_outputs_match():
    """Real correct outputs (committed subset of the calibration): no false alarm."""
    with np.load(DATA / "verify_calibration.npz", allow_pickle=False) as f:
        meta = json.loads(str(f["meta"]))
        sources = set()
        for i, case in enumerate(meta["cases"]):
            if "perturb" in case:
                continue
            b = f[f"c{i}_b"] if f"c{i}_b" in f.files else None
            report = verify.check(case["entry"], f[f"c{i}_y"], f[f"c{i}_x"], f[f"c{i}_w"],
                                  b, **case["kwargs"])
            assert report, (case["id"], str(report))
            sources.add(case["source"])
    assert len(sources) == 7


def test_calibration_benchmark_runs_on_the_subset():
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "verify_calibration.py"), "--cache",
         str(DATA / "verify_calibration.npz"), "--no-timing"],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert result.returncode == 0, result.stderr
    assert "| all |" in result.stdout and "| layer | framework |" in result.stdout


def test_check_writes_window_advice_in_the_frameworks_own_arguments():
    """A plain check hands the call to the diagnosis: an output made with padding=1,
    output_padding=1 but checked as padding=0 names the arguments that made it."""
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((1, 2, 5)), rng.standard_normal((2, 3, 3))
    y = interop.torch_conv_transpose1d(x, w, stride=2, padding=1, output_padding=1)
    report = verify.check("torch", y, x, w, stride=2)
    assert report.verdict == "MISMATCH" and report.codes == ["window"]
    d = report.diagnoses[0]
    assert d.details["actual_window"] == [1, 0] and d.details["wanted_window"] == [0, 0]
    assert "made with others: padding=1, output_padding=1" in d.message
    assert "padding=0, output_padding=0" in d.message


def test_check_names_forgotten_groups_even_with_a_bias():
    """A grouped layer's output, weight and bias checked without groups: the bias has
    more channels than the weight gives, and check says groups (confirmed), not only
    that the bias has the wrong shape."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x = rng.standard_normal((1, 4, 6)).astype(np.float32)
    w = rng.standard_normal((4, 3, 3)).astype(np.float32)
    b = rng.standard_normal(6).astype(np.float32)
    y = torch.nn.functional.conv_transpose1d(torch.from_numpy(x), torch.from_numpy(w),
                                             torch.from_numpy(b), groups=2).numpy()
    report = verify.check("torch", y, x, w, b)
    assert report.verdict == "MISMATCH" and report.codes == ["groups"]
    assert report.diagnoses[0].details == {"factor": 2, "confirmed": True}
    assert "groups=2" in report.diagnoses[0].message
    assert verify.check("torch", y, x, w, b, groups=2).verdict == "MATCH"
    with pytest.raises(ValueError, match="bias"):           # not a multiple: still refused
        verify.check("torch", y[:, :5], x, w, b[:5])
