"""Live cross-check against PyTorch (skipped without torch; CI installs the CPU wheel)."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from deconv1d import interop, verify

torch = pytest.importorskip("torch")

from strategies import torch_calls  # noqa: E402


@settings(max_examples=150, deadline=None)
@given(torch_calls(dtypes=("float32", "float64")))
def test_reference_matches_torch(call):
    x, w, b, kw = call
    tb = None if b is None else torch.from_numpy(b)
    y = torch.nn.functional.conv_transpose1d(torch.from_numpy(x), torch.from_numpy(w), tb,
                                             **kw).numpy()
    report = verify.check("torch", y, x, w, b, **kw)
    assert report.ok, str(report)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 6), st.integers(1, 5), st.integers(1, 4), st.integers(0, 2),
       st.integers(0, 3))
def test_output_size_matches_torch(L, K, s, p, extra):
    smallest = (L - 1) * s + K - 2 * p
    if smallest < 1:
        return
    layer = torch.nn.ConvTranspose1d(2, 3, K, stride=s, padding=p, dtype=torch.float64)
    x = np.random.default_rng(L + K).standard_normal((1, 2, L))
    size = [smallest + extra]
    w, b = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    try:
        y = layer(torch.from_numpy(x), output_size=size).detach().numpy()
    except ValueError:
        with pytest.raises(ValueError, match="output_size"):
            interop.torch_conv_transpose1d(x, w, b, stride=s, padding=p, output_size=size)
        return
    assert verify.check("torch", y, x, w, b, stride=s, padding=p, output_size=size).ok


def test_keras_same_is_not_torch_padding_1_output_padding_1():
    """The classic translation, live: shifted by one sample."""
    rng = np.random.default_rng(0)
    x, k = rng.standard_normal((1, 5, 2)), rng.standard_normal((3, 4, 2))
    keras = interop.keras_conv1d_transpose(x, k, strides=2, padding="same")
    y = torch.nn.functional.conv_transpose1d(
        torch.from_numpy(x.transpose(0, 2, 1).copy()),
        torch.from_numpy(interop.kernel_for("torch", k)), stride=2, padding=1,
        output_padding=1).numpy()
    report = verify.compare(y.transpose(0, 2, 1), keras)
    assert report.codes == ["shifted"]
    # What works instead: padding=0 and slice, as the translation error says.
    wide = torch.nn.functional.conv_transpose1d(
        torch.from_numpy(x.transpose(0, 2, 1).copy()),
        torch.from_numpy(interop.kernel_for("torch", k)), stride=2).numpy()
    assert verify.compare(wide[..., 0:10].transpose(0, 2, 1), keras,
                          reduction_length=7).ok
