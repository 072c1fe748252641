"""Adversarial suite: every input gets a correct answer or a clear error, in bounded time.

The contract checked for every draw:

- the public API returns a result equal to the loop oracles of
  :mod:`deconv1d.reference`, or raises ``ValueError``/``TypeError`` whose message
  names the argument (never ``MemoryError``, ``OverflowError``,
  ``ZeroDivisionError``, ``KeyError``...);
- the command line (``deconv1d.cli.main``, in process) exits 0, 1, 2 or 3 and never
  prints a traceback; a few real subprocesses run under ``resource`` limits on
  address space and CPU time.

Fuzz examples per run: the ``max_examples`` of the ``@given`` tests below
(``FUZZ_EXAMPLES`` adds them up).
"""

from __future__ import annotations

import io
import os
import resource
import subprocess
import sys
import zipfile
from contextlib import redirect_stderr, redirect_stdout

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from deconv1d import (
    Conv1DTranspose,
    Conv1DTransposeStream,
    conv1d,
    conv1d_transpose,
    constraints,
    initializers,
    interop,
    output_length,
    reference,
)
from deconv1d.cli import main
from strategies import close64

#: ``max_examples`` of each fuzz test, and their sum (examples per CI run).
EXAMPLES = {"api": 150, "conv1d": 80, "cli": 60, "files": 40, "stream": 60, "layer": 40}
FUZZ_EXAMPLES = sum(EXAMPLES.values())

#: Errors that are bugs when a user's request raises them.
NOT_A_USER_ERROR = (MemoryError, OverflowError, ZeroDivisionError, KeyError, IndexError,
                    AttributeError, RecursionError)

ARGUMENTS = ("x", "w", "stride", "padding", "output_padding", "dilation", "groups",
             "bias", "data_format", "length", "kernel_size", "output", "input")

huge = st.sampled_from([2**40, 2**63, 2**70, 10**12])   # each beyond any memory
sizes = st.one_of(st.integers(-3, 5), huge, st.sampled_from([0, 1.5, "2", None, True]))


def names_an_argument(error: BaseException) -> bool:
    text = str(error)
    return any(f"`{name}`" in text or f"{name}=" in text for name in ARGUMENTS)


def run_cli(argv: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as stop:          # argparse: usage errors exit 2
            code = stop.code if isinstance(stop.code, int) else 2
    return code, err.getvalue()


# --------------------------------------------------------------------------- #
# The public API.                                                             #
# --------------------------------------------------------------------------- #
@settings(max_examples=EXAMPLES["api"])
@given(n=st.integers(0, 2), length=st.integers(0, 4), c_in=st.integers(0, 3),
       k=st.integers(0, 3), c_out=st.integers(0, 2), stride=sizes, dilation=sizes,
       padding=st.one_of(st.sampled_from(["valid", "same", "causal", "full", ""]), sizes,
                         st.tuples(sizes, sizes)),
       output_padding=st.one_of(st.none(), sizes),
       values=st.sampled_from([1.0, np.nan, np.inf, -0.0]),
       dtype=st.sampled_from(["float64", "float32", "float16", "int8", "complex128",
                              "bool", ">f8"]))
@example(n=1, length=1, c_in=1, k=1, c_out=1, stride=1, dilation=1, padding="valid",
         output_padding=None, values=np.nan, dtype="float64")
@example(n=1, length=2, c_in=1, k=2, c_out=1, stride=1, dilation=1, padding="valid",
         output_padding=None, values=np.inf, dtype="complex128")
def test_conv1d_transpose_answers_or_names_the_argument(
        n, length, c_in, k, c_out, stride, dilation, padding, output_padding, values, dtype):
    x = np.full((n, length, c_in), 1.0).astype(dtype)
    if length and c_in:
        x[0 if n else slice(None), 0, 0] = values if np.dtype(dtype).kind in "fc" else 1
    w = np.arange(1.0, 1 + k * c_out * c_in).reshape(k, c_out, c_in).astype(dtype)
    try:
        y = conv1d_transpose(x, w, stride, padding, output_padding, dilation=dilation)
    except (ValueError, TypeError) as error:
        assert not isinstance(error, NOT_A_USER_ERROR)
        assert names_an_argument(error) or "output would have length" in str(error), error
        return
    expected = reference.scatter_loops(x.astype(np.result_type(x, w, np.float32)), w,
                                       stride, padding, output_padding, dilation=dilation)
    assert y.shape == expected.shape
    if y.size and dtype in ("float64", ">f8", "complex128", "int8", "bool"):
        got, want = y.astype(np.complex128), expected.astype(np.complex128)
        # nan and inf reach exactly the outputs the loops give them; the rest is close.
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
        finite = np.isfinite(want)
        np.testing.assert_array_equal(got[~finite & ~np.isnan(want)],
                                      want[~finite & ~np.isnan(want)])
        close64(np.where(finite, got, 0), np.where(finite, want, 0))


@settings(max_examples=EXAMPLES["conv1d"])
@given(length=st.integers(1, 5), k=st.integers(1, 3), stride=st.one_of(st.integers(1, 4), huge),
       pad=st.one_of(st.integers(0, 3), huge), dilation=st.one_of(st.integers(1, 3), huge))
def test_conv1d_answers_or_refuses_huge_sizes(length, k, stride, pad, dilation):
    y = np.arange(1.0, length + 1).reshape(1, length, 1)
    w = np.arange(1.0, k + 1).reshape(k, 1, 1)
    try:
        x = conv1d(y, w, stride, (pad, 0), dilation=dilation)
    except ValueError as error:
        assert names_an_argument(error) or "output would be empty" in str(error), error
        return
    close64(x, reference.conv1d_loops(y, w, stride, (pad, 0), dilation=dilation))


def test_conv1d_with_an_enormous_stride_is_one_valid_sample():
    y = np.arange(1.0, 5.0).reshape(1, 4, 1)
    w = np.ones((2, 1, 1))
    for stride in (2**62, 2**63, 2**70):
        np.testing.assert_array_equal(conv1d(y, w, stride), [[[3.0]]])


@pytest.mark.parametrize("padding", [(10**12, 0), (0, 10**12), 10**12])
def test_enormous_pads_are_a_value_error_not_memory_error(padding):
    y, w = np.ones((1, 4, 1)), np.ones((2, 1, 1))
    with pytest.raises(ValueError, match="padding="):
        conv1d(y, w, padding=padding)
    with pytest.raises(ValueError, match="padding="):
        conv1d(y, w, 10**6, padding=padding)
    with pytest.raises(ValueError, match="padding|pads"):
        interop.jax_conv_transpose(np.ones((1, 4, 1)), np.ones((2, 1, 1)), 1,
                                   [(0, 10**12)])


@pytest.mark.parametrize("stride", [1, 2, 5, 100])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_no_input_channels_give_zeros_plus_bias(stride, data_format):
    x = np.ones((2, 5, 0)) if data_format == "channels_last" else np.ones((2, 0, 5))
    for c_out in (1, 4, 64):
        w = np.ones((3, c_out, 0))
        bias = np.arange(c_out, dtype=float)
        y = conv1d_transpose(x, w, stride, data_format=data_format, bias=bias)
        expected = reference.scatter_loops(x, w, stride, data_format=data_format,
                                           bias=bias)
        assert y.shape == expected.shape
        np.testing.assert_array_equal(y, expected)


def test_output_length_refuses_a_negative_length():
    with pytest.raises(ValueError, match="length -13 < 0"):
        output_length(3, 5, 1, (10, 10))
    assert output_length(3, 5, 1, (3, 3)) == 1        # the neighbour that is fine
    assert output_length(0, 1, 1, "valid") == 0      # Keras's helper gives 0 here


# --------------------------------------------------------------------------- #
# interop: what the frameworks refuse.                                        #
# --------------------------------------------------------------------------- #
def test_output_size_and_shape_entry_counts_follow_torch_and_onnxruntime():
    x, w = np.ones((1, 4, 5)), np.ones((4, 3, 3))
    for bad in ([10, 11], [1, 1, 3, 11]):
        with pytest.raises(ValueError, match="output_size"):
            interop.torch_conv_transpose1d(x, w, stride=2, output_size=bad)
    for good in ([11], [1, 3, 11], [2, 4, 11]):     # torch ignores the leading entries
        assert interop.torch_conv_transpose1d(x, w, stride=2, output_size=good).shape == (
            1, 3, 11)
    assert interop.torch_conv_transpose1d(x[0], w, stride=2, output_size=[10, 11]).shape == (
        3, 11)                                       # unbatched: (C_out, L_out)
    for bad in ([10, 11], [1, 4, 11], [1, 3, 11]):
        with pytest.raises(ValueError, match="output_shape"):
            interop.onnx_conv_transpose(x, w, strides=[2], output_shape=bad)
    assert interop.onnx_conv_transpose(x, w, strides=[2], output_shape=[12]).shape[2] == 12


@pytest.mark.parametrize("call, names", [
    (lambda: interop.torch_conv_transpose1d(np.ones((1, 3, 4)), np.ones((2, 2, 3))),
     ("`weight`", "`input` with shape (1, 3, 4)")),
    (lambda: interop.onnx_conv_transpose(np.ones((1, 3, 4)), np.ones((2, 2, 3))),
     ("`W`", "`X` with shape (1, 3, 4)")),
    (lambda: interop.keras_conv1d_transpose(np.ones((1, 4, 3)), np.ones((3, 2, 2))),
     ("`kernel`", "`inputs` with shape (1, 4, 3)")),
    (lambda: interop.tf_conv1d_transpose(np.ones((1, 4, 3)), np.ones((3, 2, 2)), 6, 1,
                                         "VALID"),
     ("`filters`", "`input` with shape (1, 4, 3)")),
])
def test_channel_mismatches_are_reported_in_the_users_names(call, names):
    with pytest.raises(ValueError) as caught:
        call()
    for name in names:
        assert name in str(caught.value)
    assert "channels_last" not in str(caught.value)


def _keras_spellings_by_search(length, k, stride, dilation, window):
    found = []
    for padding, op in [("valid", None), ("same", None)] + [
            (p, op) for op in range(stride) for p in ("same", "valid")]:
        try:
            got = interop.crops_from("keras", length, k, stride=stride, dilation=dilation,
                                     padding=padding, output_padding=op)
        except ValueError:
            continue
        if got == window:
            found.append((padding, op))
    return found


@settings(max_examples=EXAMPLES["api"] // 3)
@given(length=st.integers(1, 6), k=st.integers(1, 6), stride=st.integers(1, 6),
       dilation=st.integers(1, 3), p=st.integers(0, 4), q=st.integers(0, 5))
def test_translate_to_keras_is_the_search_without_the_search(length, k, stride, dilation,
                                                             p, q):
    try:
        window = interop.crops_from("torch", length, k, stride=stride, dilation=dilation,
                                    padding=p, output_padding=q)
    except ValueError:
        return
    expected = _keras_spellings_by_search(length, k, stride, dilation, window)
    try:
        got = interop.translate("torch", "keras", length, k, stride=stride,
                                dilation=dilation, padding=p, output_padding=q)
    except interop.InexpressibleError:
        assert not expected
        return
    except ValueError as error:                     # an empty window: nothing to spell
        assert "window would be empty" in str(error)
        return
    assert (got["padding"], got["output_padding"]) == expected[0]


def test_translate_at_an_enormous_stride_is_immediate():
    got = interop.translate("torch", "keras", 5, 4, stride=10**8, padding=1)
    assert got == {"padding": "same", "output_padding": 2}


# --------------------------------------------------------------------------- #
# Stream.                                                                     #
# --------------------------------------------------------------------------- #
@settings(max_examples=EXAMPLES["stream"])
@given(chunks=st.lists(st.tuples(st.integers(0, 4),
                                 st.sampled_from(["float64", "float32", "complex128",
                                                  "int32"])), min_size=1, max_size=5),
       stride=st.integers(1, 3), padding=st.sampled_from(["valid", "same", 1]))
def test_stream_matches_one_shot_or_refuses_a_dtype_change(chunks, stride, padding):
    w = np.arange(1.0, 4.0).reshape(3, 1, 1)
    stream = Conv1DTransposeStream(w, stride, padding)
    rng = np.random.default_rng(0)
    pieces, fed, first = [], [], None
    for length, dtype in chunks:
        chunk = (rng.standard_normal((1, length, 1)) * (1 + 1j if dtype == "complex128"
                                                        else 1)).astype(dtype)
        try:
            pieces.append(stream.feed(chunk))
        except ValueError as error:
            assert "`chunk` must not change the stream's dtype" in str(error)
            assert first is not None
            assert np.result_type(first, chunk, w) != np.result_type(first, w)
            return
        if length:                      # empty chunks fix no dtype
            fed.append(chunk)
            first = chunk if first is None else first
    x = np.concatenate(fed, axis=1) if fed else np.zeros((1, 0, 1))
    try:
        pieces.append(stream.finish())
    except ValueError:
        assert x.shape[1] == 0 or output_length(x.shape[1], 3, stride, padding) < 1
        return
    y = np.concatenate(pieces, axis=1)
    expected = conv1d_transpose(x, w, stride, padding)
    assert y.dtype == expected.dtype
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5)


def test_stream_run_takes_nested_lists_and_names_a_bad_rank():
    stream = Conv1DTransposeStream(np.ones((2, 1, 1)))
    np.testing.assert_array_equal(stream.run([[[1.0], [2.0]]])[0, :, 0], [1.0, 3.0, 2.0])
    with pytest.raises(ValueError, match="`x` must have rank 3"):
        Conv1DTransposeStream(np.ones((2, 1, 1))).run([[1.0, 2.0]])


def test_stream_refuses_complex_after_real_and_float64_after_float32():
    for first, second in (("float64", "complex128"), ("float32", "float64")):
        stream = Conv1DTransposeStream(np.ones((2, 1, 1), first))
        stream.feed(np.ones((1, 2, 1), first))
        with pytest.raises(ValueError, match="must not change the stream's dtype"):
            stream.feed(np.ones((1, 2, 1), second))


# --------------------------------------------------------------------------- #
# Layer.                                                                      #
# --------------------------------------------------------------------------- #
bad_weights = st.sampled_from([
    np.array([[[None]], [[None]]], dtype=object), np.array([[["1"]], [["2"]]]),
    np.ones((2, 1, 1)) * 1j, np.ones((3, 1, 1)), np.ones((2, 1)), "kernel", None,
    [[["a"]]], np.ones((2, 1, 1), bool)])


@settings(max_examples=EXAMPLES["layer"])
@given(kernel=bad_weights, bias=st.sampled_from([np.ones(1), np.array([None]),
                                                 np.ones(1) * 1j, np.ones(2)]))
def test_set_weights_checks_each_weight_and_names_it(kernel, bias):
    layer = Conv1DTranspose(1, 2, dtype="float64")
    layer.build((None, None, 1))
    before = [w.copy() for w in layer.get_weights()]
    try:
        layer.set_weights([kernel, bias])
    except (ValueError, TypeError) as error:
        assert "kernel" in str(error) or "bias" in str(error), error
        for old, new in zip(before, layer.get_weights()):
            np.testing.assert_array_equal(old, new)
        return
    assert np.asarray(kernel).shape == (2, 1, 1) and np.asarray(bias).shape == (1,)
    assert np.asarray(kernel).dtype.kind in "biuf" and np.asarray(bias).dtype.kind in "biuf"


@pytest.mark.parametrize("make, match", [
    (lambda: initializers.TruncatedNormal(stddev=float("nan")), "stddev"),
    (lambda: initializers.TruncatedNormal(mean=float("inf")), "mean"),
    (lambda: initializers.RandomNormal(stddev=-1.0), "stddev"),
    (lambda: constraints.MaxNorm(axis="0"), "axis"),
    (lambda: Conv1DTranspose(1, 2, dtype={"class_name": "Policy", "config": {}}), "dtype"),
    (lambda: Conv1DTranspose(1, 2, dtype={"class_name": "Policy"}), "dtype"),
    (lambda: Conv1DTranspose(1, 2, dtype={"config": {"name": 3}}), "dtype"),
])
def test_bad_layer_arguments_are_refused_at_construction(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


@pytest.mark.parametrize("axis", [5, -4, [0, 3]])
def test_a_constraint_axis_the_weight_lacks_is_refused_at_build(axis):
    layer = Conv1DTranspose(1, 2, kernel_constraint=constraints.MaxNorm(axis=axis))
    with pytest.raises(ValueError, match="kernel_constraint"):
        layer.build((None, None, 1))
    layer = Conv1DTranspose(1, 2, bias_constraint=constraints.UnitNorm(axis=axis))
    with pytest.raises(ValueError, match="bias_constraint"):
        layer.build((None, None, 1))


def test_apply_gradients_refuses_a_misspelt_key_and_changes_nothing():
    layer = Conv1DTranspose(1, 2, dtype="float64")
    layer(np.ones((1, 3, 1)))
    before = layer.get_weights()
    for grads in ({"kernel": np.ones((2, 1, 1)), "baias": np.ones(1)},
                  {"Kernel": np.ones((2, 1, 1))}):
        with pytest.raises(ValueError, match="`grads` keys"):
            layer.apply_gradients(grads)
    for old, new in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(old, new)
    grads = layer.backward(np.ones((1, 4, 1)))          # backward's own keys are fine
    layer.apply_gradients(grads)
    no_bias = Conv1DTranspose(1, 2, use_bias=False)
    no_bias(np.ones((1, 3, 1)))
    with pytest.raises(ValueError, match="`grads` keys"):
        no_bias.apply_gradients({"kernel": np.ones((2, 1, 1)), "bias": np.ones(1)})


@pytest.mark.parametrize("activation", [
    {"class_name": "relu", "config": {"max_value": 2}},
    {"class_name": "relu", "config": {"negative_slope": 0.1, "threshold": 0.5}},
    {"class_name": "elu", "config": {"alpha": 0.5}},
    "relu", "linear", None,
])
def test_configs_round_trip_activation_arguments(activation):
    config = Conv1DTranspose(2, 3, name="up").get_config()
    config["activation"] = activation
    layer = Conv1DTranspose.from_config(config)
    again = Conv1DTranspose.from_config(layer.get_config())
    assert again.get_config() == layer.get_config()
    x = np.linspace(-3, 3, 12).reshape(1, 6, 2)
    layer.build((None, None, 2))
    again.set_weights(layer.get_weights())
    np.testing.assert_array_equal(again(x), layer(x))


# --------------------------------------------------------------------------- #
# Command line.                                                               #
# --------------------------------------------------------------------------- #
@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("arrays")
    np.save(folder / "x.npy", np.ones((1, 1, 1)))
    np.save(folder / "w.npy", np.ones((1, 1, 1)))
    np.save(folder / "y.npy", np.ones((1, 1, 1)))
    (folder / "empty.npy").write_bytes(b"")
    (folder / "notzip.npz").write_bytes(b"PK not really a zip")
    np.savez(folder / "two.npz", a=np.ones(2), b=np.ones(3))
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": (10**6, 10**6)})
    (folder / "huge.npy").write_bytes(header.getvalue() + bytes(100))
    np.save(folder / "object.npy", np.array([None, 1], dtype=object), allow_pickle=True)
    (folder / "truncated.npy").write_bytes((folder / "x.npy").read_bytes()[:-8])
    with zipfile.ZipFile(folder / "hugemember.npz", "w") as archive:
        archive.writestr("a.npy", header.getvalue() + bytes(100))
    (folder / "text.npy").write_bytes(b"\x93NUMPY garbage")
    return folder


UNREADABLE = ["empty.npy", "notzip.npz", "two.npz", "two.npz:c", "huge.npy", "object.npy",
              "truncated.npy", "hugemember.npz", "text.npy", "missing.npy", "", "/"]


@pytest.mark.parametrize("name", UNREADABLE + ["/dev/null"])
@pytest.mark.parametrize("option", ["x", "w", "y"])
def test_verify_refuses_unreadable_files_with_exit_2_naming_the_option(files, name, option):
    paths = {o: str(files / f"{o}.npy") for o in ("x", "w", "y")}
    paths[option] = name if name.startswith("/") else str(files / name)
    code, err = run_cli(["verify", "--framework", "torch"]
                        + [a for o in ("x", "w", "y") for a in (f"--{o}", paths[o])])
    assert code == 2
    assert f"`--{option}`" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


option_values = st.one_of(
    st.integers(-3, 4).map(str), huge.map(str),
    st.sampled_from(["0,1000000000000", "1000000000000,0", "A,B", "A", ",", "", "nan",
                     "same", "VALID", "1e9", "-1", "2**70", "NHC,HIO", "NHC,HIO,NHC,X"]))
FLAGS = ["--stride", "--padding", "--dilation", "--output-padding", "--groups",
         "--dimension-numbers", "--output-size", "--output-shape", "--pads", "--auto-pad"]


@settings(max_examples=EXAMPLES["cli"])
@given(framework=st.sampled_from(["torch", "onnx", "jax", "keras", "tf"]),
       options=st.lists(st.tuples(st.sampled_from(FLAGS), option_values), max_size=3))
def test_verify_exit_status_is_a_verdict_or_2_without_traceback(files, framework,
                                                                options):
    argv = ["verify", "--framework", framework, "--x", str(files / "x.npy"),
            "--w", str(files / "w.npy"), "--y", str(files / "y.npy")]
    for flag, value in options:
        argv += [f"{flag}={value}"]
    code, err = run_cli(argv)
    assert code in (0, 1, 2, 3)
    assert "Traceback" not in err
    if code == 2:
        assert err.strip(), argv


@settings(max_examples=EXAMPLES["files"])
@given(length=st.one_of(st.integers(-2, 12), huge).map(str),
       kernel=st.one_of(st.integers(-2, 6), huge).map(str),
       stride=st.one_of(st.integers(-1, 5), huge).map(str),
       padding=st.sampled_from(["same", "valid", "2", "0,1000000000000", "x", "1,2,3"]))
def test_demo_exit_status_without_traceback(length, kernel, stride, padding):
    code, err = run_cli(["demo", "--length", length, "--kernel-size", kernel,
                         "--stride", stride, f"--padding={padding}"])
    assert code in (0, 2)
    assert "Traceback" not in err


@pytest.mark.parametrize("argv, named", [
    (["demo", "--length", "1000000000"], "--length"),
    (["demo", "--length", "3", "--stride", "1000000000000"], "output length"),
])
def test_demo_refuses_sizes_it_cannot_print(argv, named):
    code, err = run_cli(argv)
    assert code == 2 and named in err


def test_verify_dimension_numbers_are_named(files):
    code, err = run_cli(["verify", "--framework", "jax", "--x", str(files / "x.npy"),
                         "--w", str(files / "w.npy"), "--y", str(files / "y.npy"),
                         "--dimension-numbers", "A,B"])
    assert code == 2 and "--dimension-numbers" in err


def test_windows_far_past_the_signal_are_exit_2(files):
    code, err = run_cli(["verify", "--framework", "jax", "--x", str(files / "x.npy"),
                         "--w", str(files / "w.npy"), "--y", str(files / "y.npy"),
                         "--padding", "0,1000000000000"])
    assert code == 2 and "padding" in err and "Traceback" not in err


def _limited(address_space: int, cpu_seconds: int):
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
    return limit


@pytest.mark.skipif(sys.platform != "linux", reason="resource limits: Linux only")
@pytest.mark.parametrize("argv", [
    ["demo", "--length", "1000000000"],
    ["demo", "--kernel-size", "100000000", "--length", "2"],
    ["verify", "--framework", "jax", "--x", "{x}", "--w", "{w}", "--y", "{y}",
     "--padding", "0,1000000000000"],
    ["verify", "--framework", "torch", "--x", "{huge}", "--w", "{w}", "--y", "{y}"],
    ["verify", "--framework", "torch", "--x", "/dev/null", "--w", "{w}", "--y", "{y}"],
])
def test_real_processes_under_limits_exit_2_without_traceback(files, argv):
    argv = [a.format(x=files / "x.npy", w=files / "w.npy", y=files / "y.npy",
                     huge=files / "huge.npy") for a in argv]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    done = subprocess.run([sys.executable, "-m", "deconv1d", *argv], capture_output=True,
                          text=True, timeout=120, cwd=root,
                          env={**os.environ, "PYTHONPATH": root},
                          preexec_fn=_limited(2 * 2**30, 60))
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
