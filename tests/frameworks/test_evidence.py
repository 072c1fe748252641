"""The pooled test against systematic last roundings: no false alarm, detection kept.

A float32 output whose bias is added to the finished sum carries, per sample, the
rounding of that addition: with the sum already on the grid of the output's binade
it is the bias rounded to that grid, the same for every sample of a channel and
binade.  Inputs with a mean (after a leaky ReLU, say) correlate with such a constant,
and pooled over thousands of samples it looked like a kernel entry off by 1e-5:
4 of these 6 correct torch outputs, and a layer of the HiFi-GAN-style generator,
were SUSPECT before the pooled test allowed one systematic rounding per sample.
"""

import numpy as np
import pytest

from deconv1d import conv1d_transpose, verify

torch = pytest.importorskip("torch")


def _torch_output(x, w, b, **kw):
    return torch.nn.functional.conv_transpose1d(
        torch.from_numpy(x), torch.from_numpy(w), None if b is None else torch.from_numpy(b),
        **kw).numpy()


def _offset_inputs(seed):
    rng = np.random.default_rng(seed)
    x = (0.2 + 0.05 * rng.standard_normal((1, 16, 2048))).astype(np.float32)
    w = (0.1 * rng.standard_normal((16, 8, 4))).astype(np.float32)
    b = (0.05 * rng.standard_normal(8)).astype(np.float32)
    return x, w, b


@pytest.mark.parametrize("seed", range(6))
def test_a_bias_added_last_to_inputs_with_a_mean_is_no_evidence(seed):
    x, w, b = _offset_inputs(seed)
    y = _torch_output(x, w, b, stride=2, padding=1)
    report = verify.check("torch", y, x, w, b, stride=2, padding=1)
    assert report.verdict == "MATCH", str(report)


def test_the_same_inputs_still_show_a_weight_scaled_by_1_0001():
    x, w, b = _offset_inputs(0)
    wrong = w.copy()
    wrong[3, 5, 1] = np.float32(w[3, 5, 1] * 1.0001)       # |w| = 1.3 rms(w)
    y = _torch_output(x, wrong, b, stride=2, padding=1)
    report = verify.check("torch", y, x, w, b, stride=2, padding=1)
    assert report.verdict == "SUSPECT", str(report)
    assert "w[k=1, out=5, in=3] is off by +" in report.diagnoses[-1].message


def test_every_layer_of_a_correct_generator_matches():
    from hifigan import generator, mel

    report = verify.torch_model(generator(channels=64), mel(frames=32))
    assert [layer.verdict for layer in report.layers] == ["MATCH"] * 4, str(report)


def _repeating_inputs(seed, every):
    """Standard normal inputs whose every ``every``-th row is one and the same row (the
    bias-only samples a stride-``every`` layer leaves between its taps, passed on)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((1, 3072, 16)).astype(np.float32)
    x[:, every - 1::every] = rng.standard_normal(16).astype(np.float32)
    w = (0.3 * rng.standard_normal((4, 16, 16))).astype(np.float32)      # Keras (K, out, in)
    b = (0.1 * rng.standard_normal(16)).astype(np.float32)
    return x, w, b


@pytest.mark.parametrize("seed", range(4))
def test_repeated_input_rows_are_no_evidence(seed):
    """A row that occurs again and again gives the same per-tap partial sum, with the same
    rounding error, every time: a systematic error, not independent noise."""
    x, w, b = _repeating_inputs(seed, 3)
    y = conv1d_transpose(x, w, 1, "same", bias=b)            # float32, a GEMM per tap
    assert y.dtype == np.float32
    report = verify.check("keras", y, x, w, b, strides=1, padding="same")
    assert report.verdict == "MATCH", str(report)


def test_repeated_rows_still_show_a_weight_scaled_by_1_0001():
    x, w, b = _repeating_inputs(0, 3)
    wrong = w.copy()
    wrong[2, 7, 5] = np.float32(w[2, 7, 5] * 1.0001)
    y = conv1d_transpose(x, wrong, 1, "same", bias=b)
    report = verify.check("keras", y, x, w, b, strides=1, padding="same")
    assert report.verdict != "MATCH", str(report)
    assert "w[k=2, out=7, in=5] is off by +" in report.diagnoses[-1].message


@pytest.mark.parametrize("seed", range(4))
def test_a_constant_stretch_is_no_evidence(seed):
    """Identical windows (a constant stretch of the input) give identical outputs with
    identical errors: counted as one observation, they do not add up."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((1, 4096, 8)).astype(np.float32)
    x[:, 1000:3500] = (0.5 + rng.standard_normal(8)).astype(np.float32)
    w = (0.3 * rng.standard_normal((5, 8, 8))).astype(np.float32)
    b = rng.standard_normal(8).astype(np.float32)
    y = conv1d_transpose(x, w, 2, "same", bias=b)
    report = verify.check("keras", y, x, w, b, strides=2, padding="same")
    assert report.verdict == "MATCH", str(report)
