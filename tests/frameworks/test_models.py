"""Whole-model checks on real models built here with seeded weights.

PyTorch tests run wherever torch is installed; the ONNX tests need onnx and
onnxruntime, the Keras tests Keras 3 (on whatever backend is installed: torch
when TensorFlow is not) or tf-keras.  Each skips, saying why, without them.
"""

import copy
import importlib.util
import io
import json
import os

import numpy as np
import pytest

from deconv1d import verify
from deconv1d.cli import main
from strategies import peak_of

torch = pytest.importorskip("torch", reason="PyTorch is not installed")
nn = torch.nn

from hifigan import RATES, generator, mel  # noqa: E402


def _has(module):
    return importlib.util.find_spec(module) is not None


needs_onnx = pytest.mark.skipif(not (_has("onnx") and _has("onnxruntime")),
                                reason="onnx and onnxruntime are not installed")


# --------------------------------------------------------------------------- #
# PyTorch                                                                      #
# --------------------------------------------------------------------------- #
def test_generator_every_upsampling_layer_matches():
    report = verify.torch_model(generator(), mel())
    assert [layer.name for layer in report.layers] == ["ups.0", "ups.1", "ups.2", "ups.3"]
    assert [layer.arguments["stride"] for layer in report.layers] == list(RATES)
    assert report.verdict == "MATCH" and bool(report) and report.first_failure is None
    assert report.exit_status == 0
    assert report.layers[0].input_shape == (1, 32, 32)
    assert report.layers[0].output_shape == (1, 16, 256)
    assert all(0 <= layer.error_to_tolerance <= 1 for layer in report.layers)
    data = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    assert data["ok"] and data["layers"][3]["name"] == "ups.3"
    text = str(report)
    assert "ups.3" in text and "MATCH" in text and "stride=8" in text


class _Shifted(nn.ConvTranspose1d):
    """Declares its arguments but computes something else: the output a sample late."""

    def forward(self, x, output_size=None):
        return torch.roll(super().forward(x, output_size), 1, -1)


def test_a_forward_that_computes_something_else_is_named():
    net = generator()
    wrong = _Shifted(8, 4, 4, stride=2, padding=1)
    wrong.load_state_dict({"weight": net.ups[2].weight.detach(),
                           "bias": net.ups[2].bias.detach()})
    net.ups[2] = wrong
    report = verify.torch_model(net, mel())
    assert report.first_failure == "ups.2"
    assert report["ups.2"].verdict == "MISMATCH" and "shifted" in report["ups.2"].codes
    assert [layer.verdict for layer in report.layers] == ["MATCH", "MATCH", "MISMATCH",
                                                         "MATCH"]
    assert not report and report.exit_status == 1
    assert "ups.2" in str(report)


@pytest.mark.filterwarnings("ignore:.*weight_norm.*deprecated:FutureWarning")
def test_weight_under_old_weight_norm_is_the_effective_weight():
    torch.manual_seed(3)
    net = nn.Sequential(nn.utils.weight_norm(nn.ConvTranspose1d(3, 2, 6, stride=3)))
    with torch.no_grad():
        net[0].weight_g.mul_(2.5)        # the effective weight differs from weight_v
    report = verify.torch_model(net, torch.randn(2, 3, 7))
    assert report.verdict == "MATCH", str(report)


class _Lazy(nn.Module):
    def __init__(self):
        super().__init__()
        self.up = nn.LazyConvTranspose1d(3, 3, stride=2, padding=1, dilation=2, groups=1)

    def forward(self, x):
        return self.up(x, output_size=[2 * x.shape[-1] + 1])


def test_lazy_layer_and_output_size_are_read_at_call_time():
    torch.manual_seed(4)
    net = _Lazy()
    report = verify.torch_model(net, torch.randn(1, 4, 6))
    layer = report["up"]
    assert layer.arguments["output_size"] == 13 and layer.output_shape == (1, 3, 13)
    assert report.verdict == "MATCH", str(report)


class _Circular(nn.ConvTranspose1d):
    """A padding_mode the reference does not know (PyTorch refuses it for ConvTranspose1d)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.padding_mode = "circular"

    def forward(self, x, output_size=None):
        y = nn.functional.conv_transpose1d(x, self.weight, self.bias, self.stride)
        return y + torch.roll(y, 1, -1)               # some circular extension of its own


def test_padding_mode_other_than_zeros_is_not_checkable_by_name():
    net = nn.Sequential(nn.ConvTranspose1d(2, 2, 3, stride=2), _Circular(2, 2, 3))
    report = verify.torch_model(net, torch.randn(1, 2, 5))
    assert report["0"].verdict == "MATCH"
    assert report["1"].verdict == "UNCHECKED" and "padding_mode='circular'" in \
        report["1"].diagnosis
    assert report.first_failure == "1" and not report and report.exit_status == 3


def test_layer_called_twice_is_checked_twice():
    up = nn.ConvTranspose1d(2, 2, 4, stride=2, padding=1)
    net = nn.Sequential(up, nn.Tanh(), up)
    report = verify.torch_model(net, torch.randn(1, 2, 4))
    assert [layer.name for layer in report.layers] == ["0", "0#2"] and report


def test_no_transposed_convolution_is_not_a_match():
    report = verify.torch_model(nn.Sequential(nn.Conv1d(1, 1, 1)), torch.randn(1, 1, 3))
    assert report.layers == () and not report and report.verdict == "UNCHECKED"


def test_bad_arguments_are_refused_by_name():
    with pytest.raises(TypeError, match="torch.nn.Module"):
        verify.torch_model(object(), torch.randn(1, 1, 3))
    with pytest.raises(ValueError, match="false_alarm"):
        verify.torch_model(generator(), mel(), false_alarm=2.0)


def test_exit_status_is_the_worst_layer_verdict():
    from deconv1d.verify import LayerCheck, ModelReport

    def report(*verdicts):
        return ModelReport("onnx", tuple(LayerCheck(f"n{i}", "onnx", {}, (1, 1, 2), (1, 1, 3), v)
                                         for i, v in enumerate(verdicts)))

    assert report("MATCH", "MATCH").exit_status == 0
    assert report("MATCH", "SUSPECT").exit_status == 3
    assert report("UNCHECKED", "MATCH").exit_status == 3
    assert report("SUSPECT", "MISMATCH", "UNCHECKED").exit_status == 1
    assert report("MATCH", "SUSPECT").first_failure == "n1"
    assert report().exit_status == 3 and not report()


# --------------------------------------------------------------------------- #
# compare_models on PyTorch ports                                              #
# --------------------------------------------------------------------------- #
def _port(change):
    net = generator()
    port = copy.deepcopy(net)
    with torch.no_grad():
        change(port)
    return net, port


def test_a_faithful_copy_matches():
    net, port = _port(lambda p: None)
    report = verify.compare_models(net, port, mel().numpy())
    assert report.model == "torch port of torch" and report, str(report)
    assert [layer.against for layer in report.layers] == [f"torch:ups.{i}" for i in range(4)]


def test_a_wrong_padding_is_named_with_its_fix():
    def change(p):
        p.ups[1].padding = (3,)
    net, port = _port(change)
    report = verify.compare_models(net, port, mel().numpy())
    assert report.first_failure == "ups.1"
    layer = report["ups.1"]
    assert layer.verdict == "MISMATCH" and "window" in layer.codes
    assert "padding=4, output_padding=0" in layer.fix
    assert [x.verdict for x in report.layers] == ["MATCH", "MISMATCH", "MATCH", "MATCH"]


def test_a_flipped_kernel_is_named_with_its_fix():
    def change(p):
        v = p.ups[2].parametrizations.weight.original1
        v.copy_(v.flip(-1))
    net, port = _port(change)
    report = verify.compare_models(net, port, mel().numpy())
    assert report.first_failure == "ups.2"
    assert report["ups.2"].codes[0] == "kernel_flipped"
    assert "[..., ::-1]" in report["ups.2"].fix


def test_a_perturbed_weight_is_named_with_the_entry():
    def change(p):
        p.ups[3].parametrizations.weight.original0[1, 0, 0] *= 1.001
    net, port = _port(change)
    report = verify.compare_models(net, port, mel().numpy())
    assert report.first_failure == "ups.3"
    layer = report["ups.3"]
    assert layer.codes[0] == "kernel_differs" and "[1, " in layer.diagnosis
    assert "copy the reference layer's weight" in layer.fix


def test_unpaired_layers_are_noted():
    ups = generator().ups
    x = np.random.default_rng(2).standard_normal((1, 32, 4)).astype(np.float32)
    report = verify.compare_models(nn.Sequential(*ups[:2]), nn.Sequential(ups[0]), x)
    assert report.layers[0].verdict == "MATCH"
    assert not report and report.notes and "'1'" in report.notes[0]


# --------------------------------------------------------------------------- #
# ONNX                                                                         #
# --------------------------------------------------------------------------- #
def _export(net, x):
    import warnings

    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)   # the TorchScript exporter
        torch.onnx.export(net, (x,), buffer, input_names=["mel"], output_names=["audio"],
                          dynamo=False)
    return buffer.getvalue()


def _same_upper_model(stride=4, kernel=2):
    from onnx import TensorProto, helper, numpy_helper

    w = np.arange(1.0, 1.0 + 2 * 3 * kernel, dtype=np.float32).reshape(2, 3, kernel) / 7
    node = helper.make_node("ConvTranspose", ["X", "W"], ["Y"], name="up",
                            auto_pad="SAME_UPPER", strides=[stride])
    graph = helper.make_graph([node], "g",
                              [helper.make_tensor_value_info("X", TensorProto.FLOAT, None)],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)],
                              [numpy_helper.from_array(w, "W")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


@needs_onnx
def test_exported_generator_every_node_matches():
    net, x = generator(), mel()
    report = verify.onnx_model(_export(net, x), {"mel": x.numpy()})
    assert len(report.layers) == 4 and report.verdict == "MATCH", str(report)
    assert [layer.arguments["strides"] for layer in report.layers] == [[r] for r in RATES]


@needs_onnx
def test_onnxruntime_short_same_upper_is_named():
    report = verify.onnx_model(_same_upper_model(), np.ones((1, 2, 3), np.float32))
    layer = report["up"]
    assert layer.verdict == "MISMATCH" and layer.codes[0] == "onnxruntime_same_short"
    assert "onnxruntime deviates from the ONNX specification" in layer.diagnosis
    assert layer.output_shape == (1, 3, 10)                  # the spec says 12


@needs_onnx
def test_same_upper_within_the_kernel_matches():
    report = verify.onnx_model(_same_upper_model(stride=2, kernel=3),
                               np.ones((1, 2, 5), np.float32))
    assert report.verdict == "MATCH", str(report)


@needs_onnx
def test_torch_and_its_onnx_export_compare_both_ways():
    net, x = generator(), mel()
    exported = _export(net, x)
    assert verify.compare_models(net, exported, x.numpy()), "torch -> onnx"
    assert verify.compare_models(exported, net, x.numpy()), "onnx -> torch"


@needs_onnx
def test_cli_verify_model(tmp_path, capsys):
    net, x = generator(), mel()
    path = tmp_path / "gen.onnx"
    path.write_bytes(_export(net, x))
    np.save(tmp_path / "mel.npy", x.numpy())
    assert main(["verify-model", str(path), "--input", f"mel={tmp_path / 'mel.npy'}"]) == 0
    assert "MATCH" in capsys.readouterr().out
    assert main(["verify-model", str(path), "--input", f"mel={tmp_path / 'mel.npy'}",
                 "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] and len(data["layers"]) == 4
    short = tmp_path / "short.onnx"
    short.write_bytes(_same_upper_model().SerializeToString())
    np.save(tmp_path / "x.npy", np.ones((1, 2, 3), np.float32))
    assert main(["verify-model", str(short), "--input", f"X={tmp_path / 'x.npy'}"]) == 1
    assert "onnxruntime_same_short" not in capsys.readouterr().err
    np.save(tmp_path / "bad.npy", np.ones((1, 5, 3), np.float32))
    garbage = tmp_path / "garbage.onnx"
    garbage.write_bytes(b"not a model")
    for argv in (["verify-model", str(path)],                                  # missing
                 ["verify-model", str(path), "--input", f"mel={tmp_path / 'bad.npy'}"],
                 ["verify-model", str(path), "--input", "mel"],
                 ["verify-model", str(garbage), "--input", f"X={tmp_path / 'x.npy'}"],
                 ["verify-model", str(tmp_path / "none.onnx"), "--input",
                  f"X={tmp_path / 'x.npy'}"]):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("deconv1d verify-model: error:") and "Traceback" not in err


def _relu_model():
    """No ConvTranspose at all: a Relu on a float32 input declared (1, 2, None)."""
    from onnx import TensorProto, helper

    graph = helper.make_graph([helper.make_node("Relu", ["X"], ["Y"])], "g",
                              [helper.make_tensor_value_info("X", TensorProto.FLOAT,
                                                             [1, 2, "length"])],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


@needs_onnx
def test_cli_verify_model_refuses_by_name_and_says_not_verified(tmp_path, capsys):
    relu = tmp_path / "relu.onnx"
    relu.write_bytes(_relu_model().SerializeToString())
    (tmp_path / "empty.onnx").write_bytes(b"")
    arrays = {"ok": np.ones((1, 2, 3), np.float32), "f64": np.ones((1, 2, 3)),
              "wide": np.ones((1, 3, 3), np.float32), "flat": np.ones((2, 3), np.float32)}
    for key, array in arrays.items():
        np.save(tmp_path / f"{key}.npy", array)
    # Nothing to check is not a pass: exit 3, and the table says why.
    assert main(["verify-model", str(relu), "--input", f"X={tmp_path / 'ok.npy'}"]) == 3
    assert "no 1-D transposed convolution" in capsys.readouterr().out
    for model, key, message in (
            ("empty.onnx", "ok", "empty.onnx' is not an ONNX model"),
            ("relu.onnx", "f64", "input 'X' must have dtype float32. Received: float64"),
            ("relu.onnx", "wide", "must have shape (1, 2, 'length'). Received: shape (1, 3, 3)"),
            ("relu.onnx", "flat", "Received: shape (2, 3)")):
        argv = ["verify-model", str(tmp_path / model), "--input", f"X={tmp_path / key}.npy"]
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("deconv1d verify-model: error:") and message in err, err
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1


# --------------------------------------------------------------------------- #
# Keras 3 (any backend) and tf-keras                                           #
# --------------------------------------------------------------------------- #
def _keras3():
    if not _has("keras"):
        pytest.skip("Keras 3 is not installed")
    if not _has("tensorflow") and "KERAS_BACKEND" not in os.environ:
        os.environ["KERAS_BACKEND"] = "torch"     # Keras 3 without TensorFlow
    import keras

    if not keras.__version__.startswith("3"):
        pytest.skip(f"keras {keras.__version__} is not Keras 3")
    return keras


def _tf_keras():
    if not (_has("tf_keras") and _has("tensorflow")):
        pytest.skip("tf-keras (and TensorFlow) are not installed")
    import tf_keras

    return tf_keras


KERASES = [pytest.param(_keras3, id="keras3"), pytest.param(_tf_keras, id="tf_keras")]


def _keras_net(keras):
    keras.utils.set_random_seed(0)
    inner = keras.Sequential([keras.Input((None, 4)),
                              keras.layers.Conv1DTranspose(3, 4, strides=2, padding="same",
                                                           activation="tanh",
                                                           name="inner_up")], name="inner")
    x = keras.Input((5, 2))
    h = keras.layers.Conv1DTranspose(4, 3, strides=2, padding="valid", output_padding=1,
                                     name="up1")(x)
    h = inner(h)
    h = keras.layers.Conv1DTranspose(2, 3, strides=3, padding="same", output_padding=2,
                                     activation="relu", name="up3")(h)
    h = keras.layers.Conv1DTranspose(2, 5, strides=2, padding="valid", name="up4")(h)
    return keras.Model(x, h)


def _x_keras():
    return np.random.default_rng(0).standard_normal((2, 5, 2)).astype(np.float32)


@pytest.mark.parametrize("load", KERASES)
def test_keras_every_layer_matches_nested_included(load):
    keras = load()
    report = verify.keras_model(_keras_net(keras), _x_keras())
    assert [layer.name for layer in report.layers] == ["up1", "inner_up", "up3", "up4"]
    assert report.verdict == "MATCH", str(report)
    assert report["up3"].arguments["output_padding"] == 2


@pytest.mark.parametrize("load", KERASES)
def test_keras_call_that_computes_something_else_is_named(load):
    keras = load()

    class Scaled(keras.layers.Conv1DTranspose):
        def call(self, inputs):
            return super().call(inputs) * 1.5

    net = keras.Sequential([keras.Input((5, 2)),
                            keras.layers.Conv1DTranspose(3, 4, strides=2, padding="same",
                                                         name="fine"),
                            Scaled(3, 4, strides=2, padding="same", name="wrong")])
    report = verify.keras_model(net, _x_keras())
    assert report.first_failure == "wrong" and report["fine"].verdict == "MATCH"
    assert report["wrong"].verdict == "MISMATCH" and "scaled" in report["wrong"].codes


@pytest.mark.parametrize("load", KERASES)
def test_keras_activation_is_checked(load):
    keras = load()

    class NoActivation(keras.layers.Conv1DTranspose):
        def call(self, inputs):
            activation, self.activation = self.activation, lambda t: t
            try:
                return super().call(inputs)
            finally:
                self.activation = activation

    net = keras.Sequential([keras.Input((5, 2)),
                            NoActivation(3, 4, strides=2, padding="same", activation="tanh",
                                         name="forgets_tanh")])
    report = verify.keras_model(net, 3 * _x_keras())
    assert report.first_failure == "forgets_tanh" and "activation" in \
        report["forgets_tanh"].codes


@pytest.mark.parametrize("load", KERASES)
def test_keras_walk_keeps_no_earlier_layer_arrays(load, monkeypatch):
    keras = load()
    net = _keras_net(keras)
    alive = _watch_checks(monkeypatch)
    report = verify.keras_model(net, _x_keras())
    assert len(report.layers) == 4 and report.verdict == "MATCH", str(report)
    assert alive == [0, 0, 0, 0]


def _torch_net():
    torch.manual_seed(0)
    return nn.Sequential(nn.ConvTranspose1d(4, 8, 16, stride=8, padding=4), nn.LeakyReLU(0.1),
                         nn.ConvTranspose1d(8, 4, 4, stride=2, padding=1), nn.LeakyReLU(0.1),
                         nn.ConvTranspose1d(4, 2, 4, stride=2, padding=1)).eval()


def _keras_port(keras, net, paddings=("same", "same", "same"), change=None):
    """The Keras port of ``_torch_net``: 'same' keeps PyTorch's padding = K/4 window."""
    convs = [net[0], net[2], net[4]]
    layers = [keras.layers.Conv1DTranspose(c.out_channels, c.kernel_size[0],
                                           strides=c.stride[0], padding=p, name=f"up{i}")
              for i, (c, p) in enumerate(zip(convs, paddings))]
    model = keras.Sequential([keras.Input((None, 4)), layers[0], keras.layers.LeakyReLU(0.1),
                              layers[1], keras.layers.LeakyReLU(0.1), layers[2]])
    for i, (c, layer) in enumerate(zip(convs, layers)):
        kernel = c.weight.detach().numpy().transpose(2, 1, 0).copy()
        if change is not None and change[0] == i:
            kernel = change[1](kernel)
        layer.set_weights([kernel, c.bias.detach().numpy()])
    return model


def _x_torch():
    return np.random.default_rng(1).standard_normal((1, 4, 6)).astype(np.float32)


def _nudged(kernel):
    kernel = kernel.copy()
    kernel[1, 1, 3] += 1e-3
    return kernel


@pytest.mark.parametrize("load", KERASES)
def test_keras_port_of_torch(load):
    keras = load()
    net = _torch_net()
    assert verify.compare_models(net, _keras_port(keras, net), _x_torch())

    report = verify.compare_models(net, _keras_port(keras, net, ("same", "valid", "same")),
                                   _x_torch())
    assert report.first_failure == "up1" and "window" in report["up1"].codes
    assert "padding='same'" in report["up1"].fix
    assert report["up2"].verdict == "MATCH"

    report = verify.compare_models(net, _keras_port(keras, net,
                                                    change=(1, lambda k: k[::-1].copy())),
                                   _x_torch())
    assert report.first_failure == "up1" and report["up1"].codes == ("kernel_flipped",)
    assert "[::-1]" in report["up1"].fix

    report = verify.compare_models(net, _keras_port(keras, net, change=(2, _nudged)),
                                   _x_torch())
    assert report.first_failure == "up2" and report["up2"].codes[0] == "kernel_differs"
    assert "[1, 1, 3] (keras layout)" in report["up2"].diagnosis


@pytest.mark.parametrize("load", KERASES)
def test_torch_port_of_keras(load):
    keras = load()
    net = _torch_net()
    port = _keras_port(keras, net)
    x = _x_torch().transpose(0, 2, 1)
    assert verify.compare_models(port, net, x), "torch is a faithful port of the Keras model"
    wrong = copy.deepcopy(net)
    wrong[2].padding = (0,)
    report = verify.compare_models(port, wrong, x)
    assert report.first_failure == "2" and "padding=1, output_padding=0" in report["2"].fix


# --------------------------------------------------------------------------- #
# Memory: one layer's arrays at a time                                         #
# --------------------------------------------------------------------------- #
def _watch_checks(monkeypatch, *outside):
    """Wrap ``verify.check`` (which every walker calls once per layer) to see what lives.

    Returns a list that gets, at each call, how many of the arrays given to the
    earlier calls (the earlier layers' output, input, weight and bias; not the
    caller's own arrays ``outside``) are still alive.
    """
    import gc
    import weakref

    from deconv1d.frameworks import verify as module

    real, earlier, alive = module.check, [], []

    def check(framework, actual, x, w, bias=None, **options):
        gc.collect()
        alive.append(sum(ref() is not None for ref in earlier))
        earlier.extend(weakref.ref(a) for a in (actual, x, w, bias)
                       if isinstance(a, np.ndarray) and not any(a is o for o in outside))
        return real(framework, actual, x, w, bias, **options)

    monkeypatch.setattr(module, "check", check)
    return alive


def _chain(layers=16, channels=32):
    """``layers`` length-keeping transposed convolutions, each followed by a tanh."""
    torch.manual_seed(5)
    return nn.Sequential(*[m for _ in range(layers) for m in (
        nn.ConvTranspose1d(channels, channels, 3, stride=1, padding=1), nn.Tanh())]).eval()


def test_torch_walk_keeps_no_earlier_layer_arrays(monkeypatch):
    alive = _watch_checks(monkeypatch)
    report = verify.torch_model(_chain(4), torch.randn(1, 32, 64))
    assert len(report.layers) == 4 and alive == [0, 0, 0, 0]


class _Branches(nn.Module):
    """``layers`` transposed convolutions of the same shape, each on the model's input."""

    def __init__(self, layers, channels=16):
        super().__init__()
        torch.manual_seed(5)
        self.ups = nn.ModuleList(nn.ConvTranspose1d(channels, channels, 3, padding=1)
                                 for _ in range(layers))

    def forward(self, x):
        out = 0
        for up in self.ups:
            out = out + up(x)
        return out


def _peak(function):
    return peak_of(function)[1]


def test_torch_walk_peak_memory_is_one_layer_not_the_sum():
    layers, x = 8, torch.randn(1, 16, 8192)
    one_layer = 8 * (2 * x.numel() + 16 * 16 * 3)      # x, y and w of a layer in float64
    verify.torch_model(_Branches(1), x)                 # first-call costs (imports) apart
    peak_one = _peak(lambda: verify.torch_model(_Branches(1), x))
    peak_all = _peak(lambda: verify.torch_model(_Branches(layers), x))
    # The same peak as for one layer (measured: within 0.05 of a layer); keeping even a
    # float32 copy of each layer's output would add a quarter of a layer per layer.
    assert peak_all < peak_one + one_layer / 2, (peak_one / one_layer, peak_all / one_layer)


def _onnx_chain(layers=4, skip=False):
    """ConvTranspose nodes with a Relu after each; with ``skip``, the first Relu's output
    is also added to the last ConvTranspose's input (a tensor that crosses the cuts)."""
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(6)
    nodes, weights, h = [], [], "X"
    for i in range(layers):
        weights += [numpy_helper.from_array(rng.standard_normal((3, 3, 4)).astype(np.float32)
                                            / 4, f"W{i}"),
                    numpy_helper.from_array(rng.standard_normal(3).astype(np.float32), f"B{i}")]
        if skip and i == layers - 1:
            nodes.append(helper.make_node("Add", [h, "R0"], [f"S{i}"]))
            h = f"S{i}"
        nodes += [helper.make_node("ConvTranspose", [h, f"W{i}", f"B{i}"], [f"Y{i}"],
                                   name=f"up{i}", strides=[1], pads=[1, 2]),
                  helper.make_node("Relu", [f"Y{i}"], [f"R{i}"])]
        h = f"R{i}"
    graph = helper.make_graph(nodes, "chain",
                              [helper.make_tensor_value_info("X", TensorProto.FLOAT, None)],
                              [helper.make_tensor_value_info(h, TensorProto.FLOAT, None)],
                              weights)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


@needs_onnx
def test_onnx_walk_keeps_no_earlier_node_arrays(monkeypatch):
    x = np.ones((1, 3, 50), np.float32)
    alive = _watch_checks(monkeypatch, x)
    report = verify.onnx_model(_onnx_chain(4), x)
    assert [layer.name for layer in report.layers] == ["up0", "up1", "up2", "up3"]
    assert report.verdict == "MATCH", str(report)
    assert alive == [0, 0, 0, 0]


@needs_onnx
def test_onnx_tensor_read_only_inside_a_subgraph_is_carried():
    """An ``If`` whose branches read a tensor made before the previous ConvTranspose."""
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(8)

    def branch(op):
        return helper.make_graph([helper.make_node(op, ["Y1", "R0"], [f"T_{op}"])], op, [],
                                 [helper.make_tensor_value_info(f"T_{op}", TensorProto.FLOAT,
                                                                None)])

    conv = {"strides": [1], "pads": [1, 1]}
    nodes = [helper.make_node("ConvTranspose", ["X", "W0"], ["Y0"], name="up0", **conv),
             helper.make_node("Relu", ["Y0"], ["R0"]),
             helper.make_node("ConvTranspose", ["R0", "W1"], ["Y1"], name="up1", **conv),
             helper.make_node("If", ["C"], ["Z"], then_branch=branch("Add"),
                              else_branch=branch("Sub")),
             helper.make_node("ConvTranspose", ["Z", "W2"], ["Y2"], name="up2", **conv)]
    weights = [numpy_helper.from_array(rng.standard_normal((2, 2, 3)).astype(np.float32),
                                       f"W{i}") for i in range(3)]
    graph = helper.make_graph(nodes, "branches",
                              [helper.make_tensor_value_info("X", TensorProto.FLOAT, None),
                               helper.make_tensor_value_info("C", TensorProto.BOOL, [])],
                              [helper.make_tensor_value_info("Y2", TensorProto.FLOAT, None)],
                              weights)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    x = rng.standard_normal((1, 2, 7)).astype(np.float32)
    for condition in (True, False):
        report = verify.onnx_model(model, {"X": x, "C": np.array(condition)})
        assert [layer.name for layer in report.layers] == ["up0", "up1", "up2"]
        assert report.verdict == "MATCH", str(report)


@needs_onnx
def test_onnx_tensor_crossing_the_cuts_is_carried():
    x = np.random.default_rng(7).standard_normal((2, 3, 9)).astype(np.float32)
    report = verify.onnx_model(_onnx_chain(4, skip=True), {"X": x})
    assert [layer.name for layer in report.layers] == ["up0", "up1", "up2", "up3"]
    assert report.verdict == "MATCH", str(report)
    assert report["up3"].input_shape == (2, 3, 9) == report["up3"].output_shape


def test_benchmark_runs():
    import subprocess
    import sys

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    result = subprocess.run([sys.executable, os.path.join(root, "benchmarks", "verify_models.py"),
                             "--quick"], capture_output=True, text=True, timeout=300, cwd=root)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "ratio" in lines[1] and lines[2].split()[:2] == ["32", "8"]
    assert lines[2].split()[5] == "MATCH" and "hooks" in result.stdout
    assert sum(" ups." in line for line in lines) == 4
