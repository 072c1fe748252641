"""deconv1d.frameworks.port: a port's output judged against the original's window."""

import json

import numpy as np
import pytest
from hypothesis import assume, given, settings

from deconv1d import interop
from deconv1d.cli import main
from deconv1d.frameworks.port import check_port

import strategies


def _keras_same_k3_s2():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((1, 2, 5)).astype(np.float32)        # (N, C_in, L)
    w = rng.standard_normal((2, 4, 3)).astype(np.float32)        # (C_in, C_out, K)
    return x, w


def test_the_wrong_pytorch_port_of_keras_same_is_a_mismatch_with_the_fix():
    x, w = _keras_same_k3_s2()
    y = interop.torch_conv_transpose1d(x, w, stride=2, padding=1, output_padding=1)
    r = check_port("torch", y.astype(np.float32), x, w, original="keras",
                   original_arguments={"padding": "same"}, stride=2, padding=1,
                   output_padding=1)
    assert r.verdict == "MISMATCH" and not r
    assert (r.port_window, r.wanted_window, r.full_length) == ((1, 0), (0, 1), 11)
    assert r.fix is None
    assert dict(r.workaround.arguments) == {"padding": 0, "output_padding": 0}
    assert (r.workaround.start, r.workaround.stop) == (0, 10)
    text = " ".join(str(r).split())
    assert "keeps [1:11]" in text and "keep [0:10]" in text and "slice [0:10]" in text
    sliced = r.workaround.apply(interop.torch_conv_transpose1d(x, w, stride=2))
    good = check_port("torch", sliced.astype(np.float32), x, w, original="keras",
                      original_arguments={"padding": "same"}, stride=2)
    assert good.verdict == "MATCH" and good


@settings(max_examples=60, deadline=None)
@given(strategies.problems(keras_only=True, max_groups=2))
def test_a_translated_port_matches_and_a_shifted_one_does_not(problem):
    """Keras arguments translated to ONNX pads (where expressible): MATCH, windows
    agree, no fix; the pads moved by one: not MATCH, and the fix is the translation."""
    x, k, kw = problem
    kw = dict(kw)
    if kw.pop("data_format") == "channels_first":
        x = np.ascontiguousarray(x.transpose(0, 2, 1))
    bias = kw.pop("bias")
    length, size = x.shape[1], k.shape[0]
    window = {"padding": kw["padding"], "output_padding": kw["output_padding"]}
    try:
        onnx_args = interop.translate("keras", "onnx", length, size, stride=kw["stride"],
                                      dilation=kw["dilation"], **window)
    except interop.InexpressibleError:
        assume(False)                   # zeros kept beyond the end: no ONNX pads do that
    common = {"strides": [kw["stride"]], "dilations": [kw["dilation"]], "group": kw["groups"]}
    xo, wo = x.transpose(0, 2, 1), interop.kernel_for("onnx", k)
    y = interop.onnx_conv_transpose(xo, wo, bias, **common, **onnx_args)
    r = check_port("onnx", y, xo, wo, bias, original="keras", original_arguments=window,
                   **common, **onnx_args)
    assert r.verdict == "MATCH" and r.windows_agree and r.fix is None and r.advice == ""
    begin, end = onnx_args["pads"]
    moved = {"pads": [begin + 1, end], "output_padding": onnx_args["output_padding"]}
    if y.shape[-1] < 2:
        return
    y2 = interop.onnx_conv_transpose(xo, wo, bias, **common, **moved)
    r2 = check_port("onnx", y2, xo, wo, bias, original="keras", original_arguments=window,
                    **common, **moved)
    assert not r2.windows_agree and r2.fix == onnx_args
    assert r2.verdict == "MATCH" or r2.codes[0] in ("window", "shifted", "zeros_wrong_end"), \
        str(r2)


def test_original_stride_must_agree_and_unknown_arguments_are_named():
    x, w = _keras_same_k3_s2()
    y = interop.torch_conv_transpose1d(x, w, stride=2)
    with pytest.raises(ValueError, match="keeps the stride"):
        check_port("torch", y, x, w, original="keras",
                   original_arguments={"padding": "same", "strides": 3}, stride=2)
    assert check_port("torch", y, x, w, original="keras",
                      original_arguments={"padding": "valid", "strides": 2},
                      stride=2).verdict == "MATCH"
    with pytest.raises(TypeError, match="not an argument of keras"):
        check_port("torch", y, x, w, original="keras", original_arguments={"pads": [0, 1]},
                   stride=2)
    with pytest.raises(ValueError, match="framework"):
        check_port("torch", y, x, w, original="caffe", stride=2)


def _files(tmp_path, **arrays):
    for name, a in arrays.items():
        np.save(tmp_path / f"{name}.npy", a)
    return [f"--{name}={tmp_path / f'{name}.npy'}" for name in arrays]


def test_command_exit_codes_and_json(tmp_path, capsys):
    x, w = _keras_same_k3_s2()
    wrong = interop.torch_conv_transpose1d(x, w, stride=2, padding=1,
                                           output_padding=1).astype(np.float32)
    files = _files(tmp_path, x=x, w=w, y=wrong)
    base = ["port", "--framework", "torch", "--original", "keras", *files, "--stride", "2",
            "--original-padding", "same"]
    assert main([*base, "--padding", "1", "--output-padding", "1"]) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert "MISMATCH" in out and "fix" in out and "slice [0:10]" in out
    assert main([*base, "--padding", "1", "--output-padding", "1", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["verdict"] == "MISMATCH"
    assert data["port"]["wanted_window"] == [0, 1]
    assert data["port"]["workaround"]["arguments"] == {"padding": 0, "output_padding": 0}
    right = interop.torch_conv_transpose1d(x, w, stride=2)[..., :10].astype(np.float32)
    np.save(tmp_path / "y.npy", right)
    assert main(base) == 0
    assert "MATCH" in capsys.readouterr().out
    assert main([*base, "--original-pads", "0,1"]) == 2
    assert "--original-pads is not an argument of keras" in capsys.readouterr().err
