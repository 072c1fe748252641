"""Check every transposed convolution of a whole model, and name the first that diverges.

:func:`torch_model`, :func:`keras_model` and :func:`onnx_model` run a model once
and, for every 1-D transposed convolution it calls, check the layer's real
output against the float64 reference computed from the layer's own arguments,
weights and real input (:func:`deconv1d.verify.check`).  :func:`compare_models`
runs a reference model and its port on the same input, pairs their transposed
convolutions in call order and checks each ported layer against the *reference*
layer's semantics (its weights and its window, through
:func:`deconv1d.frameworks.port.check_port`), naming the first that diverges and
the fix.  All return a :class:`ModelReport`.

The frameworks are imported only when a model of theirs is given.  Each layer is
checked as soon as it has run; only its report is kept, so at most one layer's
arrays are held beyond the model's own (:func:`onnx_model` runs the graph in
parts, cut after each ``ConvTranspose``, so that it too holds one node's arrays
at a time).  :func:`compare_models` also keeps, from the reference model's run,
each transposed convolution's weight and bias (no activations) until its
ported layer is checked.
"""

from __future__ import annotations

import functools
import inspect
import math
import os
import textwrap
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from . import interop, registry
from . import verify as _verify
from .port import check_port
from .tolerance import unit_roundoff

__all__ = ["LayerCheck", "ModelReport", "compare_models", "keras_model", "onnx_model",
           "torch_model"]

#: Verdicts of a layer, best first.  ``UNCHECKED``: the layer cannot be checked (its
#: reason is the diagnosis); it counts as not verified (exit status 3).
LAYER_VERDICTS = ("MATCH", "UNCHECKED", "SUSPECT", "MISMATCH")


def _worst(*verdicts: str) -> str:
    return max(verdicts, key=LAYER_VERDICTS.index) if verdicts else "MATCH"


@dataclass(frozen=True)
class LayerCheck:
    """The verdict on one transposed convolution of a model.

    Attributes
    ----------
    name : str
        The layer's name in its model (a module path, a Keras layer name, an ONNX
        node name); ``"name#2"`` for its second call.
    framework : str
        ``"torch"``, ``"keras"`` or ``"onnx"``.
    arguments : dict
        The framework's own arguments of the call (e.g. ``stride``, ``padding``).
    input_shape, output_shape : tuple of int
        In the framework's own layout.
    verdict : str
        ``"MATCH"``, ``"SUSPECT"``, ``"MISMATCH"`` or ``"UNCHECKED"``.
    error_to_tolerance : float
        The worst sample's error over its tolerance (MATCH needs <= 1; nan when
        the shapes differ or nothing was compared).
    max_abs_error : float
    diagnosis : str
        What is wrong, for people ("" for a MATCH).
    codes : tuple of str
        Diagnosis codes for programs.
    fix : str
        The arguments (or slice, or weight) that would fix it ("" if none is known).
    against : str
        For :func:`compare_models`: the reference layer this one was paired with.
    """

    name: str
    framework: str
    arguments: dict
    input_shape: tuple
    output_shape: tuple
    verdict: str
    error_to_tolerance: float = float("nan")
    max_abs_error: float = float("nan")
    diagnosis: str = ""
    codes: tuple = ()
    fix: str = ""
    against: str = ""

    def __bool__(self) -> bool:
        return self.verdict == "MATCH"

    def to_dict(self) -> dict[str, Any]:
        """Plain Python values (standard JSON: non-finite numbers are None)."""
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["arguments"] = {k: _plain(v) for k, v in self.arguments.items()}
        out["input_shape"], out["output_shape"] = list(self.input_shape), list(self.output_shape)
        out["codes"] = list(self.codes)
        for key in ("error_to_tolerance", "max_abs_error"):
            out[key] = out[key] if math.isfinite(out[key]) else None
        return out


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True)
class ModelReport:
    """The verdicts on every transposed convolution of a model (or of a port).

    ``bool(report)`` is True only when there is at least one layer and every
    layer is a MATCH.

    Attributes
    ----------
    model : str
        What was checked: ``"torch"``, ``"keras"``, ``"onnx"``, or ``"keras port of
        torch"`` for :func:`compare_models`.
    layers : tuple of LayerCheck
        In call order.
    notes : tuple of str
        Remarks about the whole run (e.g. layers of the reference left unpaired).
    """

    model: str
    layers: tuple[LayerCheck, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def verdict(self) -> str:
        """The worst layer verdict (``"MISMATCH"`` when a pairing failed or no layer ran)."""
        if not self.layers:
            return "UNCHECKED"
        return _worst(*(layer.verdict for layer in self.layers))

    @property
    def first_failure(self) -> str | None:
        """The name of the first layer that is not a MATCH, or None."""
        return next((layer.name for layer in self.layers if layer.verdict != "MATCH"), None)

    @property
    def exit_status(self) -> int:
        """0 when every layer matches, 1 on a MISMATCH, 3 on a SUSPECT or UNCHECKED."""
        return {"MATCH": 0, "MISMATCH": 1}.get(self.verdict, 3)

    def __bool__(self) -> bool:
        return bool(self.layers) and self.verdict == "MATCH" and not self.notes

    def __getitem__(self, name: str) -> LayerCheck:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """Plain Python values: ``json.dumps(report.to_dict(), allow_nan=False)`` works."""
        return {"model": self.model, "verdict": self.verdict, "ok": bool(self),
                "first_failure": self.first_failure, "notes": list(self.notes),
                "layers": [layer.to_dict() for layer in self.layers]}

    def __str__(self) -> str:
        head = f"deconv1d verify-model ({self.model}): {self.verdict}"
        if self.first_failure is not None:
            head += f"; first failure: {self.first_failure}"
        rows = [("layer", "arguments", "input -> output", "verdict", "err/tol")]
        for layer in self.layers:
            args = ", ".join(f"{k}={_short(v)}" for k, v in layer.arguments.items()
                             if v is not None)
            shapes_text = (f"{_shape(layer.input_shape)} -> {_shape(layer.output_shape)}")
            ratio = ("-" if not math.isfinite(layer.error_to_tolerance)
                     else f"{layer.error_to_tolerance:.3g}")
            rows.append((layer.name, args, shapes_text, layer.verdict, ratio))
        widths = [max(len(r[i]) for r in rows) for i in range(5)]
        lines = [head]
        for i, row in enumerate(rows):
            lines.append("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
            if i == 0:
                lines.append("  " + "  ".join("-" * w for w in widths))
        for layer in self.layers:
            if layer.verdict != "MATCH":
                for label, text in ((layer.name, layer.diagnosis), ("fix", layer.fix)):
                    if text:
                        lines.append(textwrap.fill(f"  {label}: {text}", width=92,
                                                   subsequent_indent="      ",
                                                   break_on_hyphens=False))
        lines += [f"  note: {note}" for note in self.notes]
        if not self.layers:
            lines.append("  no 1-D transposed convolution was called")
        return "\n".join(lines)


def _short(value: Any) -> str:
    value = _plain(value)
    return repr(value) if isinstance(value, str) else str(value).replace(" ", "")


def _shape(shape: tuple) -> str:
    return "(" + ",".join(str(s) for s in shape) + ")"


# --------------------------------------------------------------------------- #
# One layer as a walker sees it                                                #
# --------------------------------------------------------------------------- #
@dataclass
class _Seen:
    """A transposed convolution as it ran: everything needed to check it."""

    name: str
    framework: str
    x: np.ndarray | None
    y: np.ndarray | None          # the convolution's output (with bias, before activation)
    w: np.ndarray | None          # in the framework's own layout
    b: np.ndarray | None
    arguments: dict               # the framework's own keyword arguments
    unchecked: str = ""           # why it cannot be checked ("" if it can)
    extra: tuple = ()             # further (verdict, diagnosis, code) found by the walker
    deviation: Callable[[Any], tuple[str, str, str] | None] | None = None

    def window_arguments(self) -> dict:
        """The arguments choosing the window (the port check's ``original_arguments``)."""
        found = registry.get(self.framework)
        accepted = set(inspect.signature(found.crops).parameters) - {
            "length", "kernel_size", "stride", "dilation"}
        return {k: v for k, v in self.arguments.items() if k in accepted}

    def shared(self) -> dict[str, int]:
        """Stride, dilation and groups, by their common names."""
        found = registry.get(self.framework)
        out = {}
        for option in ("stride", "dilation", "groups"):
            keyword = found.options.get(option, option)
            value = self.arguments.get(keyword, 1)
            value = np.asarray(value).ravel().tolist()
            out[option] = int(value[-1]) if value else 1
        return out


def _layer_check(seen: _Seen, report: Any = None, *, verdict: str | None = None,
                 diagnosis: str = "", codes: tuple = (), fix: str = "",
                 against: str = "", explained: bool = False) -> LayerCheck:
    x_shape = () if seen.x is None else tuple(np.shape(seen.x))
    y_shape = () if seen.y is None else tuple(np.shape(seen.y))
    ratio = err = float("nan")
    if report is not None:
        inner = getattr(report, "report", report)
        ratio, err = float(inner.error_to_tolerance), float(inner.max_abs_error)
        verdict = _worst(report.verdict, verdict or "MATCH")
        if report.verdict != "MATCH":
            found = [d for d in report.diagnoses if not (explained and d.code == "unknown")]
            messages = [d.message for d in found]
            if not messages and not explained:
                messages = [f"{inner.suspect} of {inner.size} samples beyond tolerance "
                            f"(worst error/tolerance {inner.error_to_tolerance:.3g})"
                            if inner.shapes_equal else
                            f"output shape {inner.actual_shape}, reference "
                            f"{inner.expected_shape}"]
            diagnosis = "; ".join([diagnosis, *messages] if diagnosis else messages)
            codes = tuple(codes) + tuple(d.code for d in found)
            advice = getattr(report, "advice", "")
            if advice and not fix:
                fix = advice
    for v, message, code in seen.extra:
        verdict = _worst(verdict or "MATCH", v)
        diagnosis = "; ".join(filter(None, [diagnosis, message]))
        codes = tuple(codes) + (code,)
    return LayerCheck(seen.name, seen.framework, dict(seen.arguments), x_shape, y_shape,
                      verdict or "MATCH", ratio, err, diagnosis, tuple(codes), fix, against)


def _self_check(seen: _Seen, arithmetic: Any, false_alarm: float) -> LayerCheck:
    """The layer's output against the reference of its own arguments and weights."""
    if seen.unchecked:
        return _layer_check(seen, verdict="UNCHECKED", diagnosis=seen.unchecked,
                            codes=("not_checkable",))
    assert seen.x is not None and seen.y is not None and seen.w is not None
    report = _verify.check(seen.framework, seen.y, seen.x, seen.w, seen.b,
                           arithmetic=arithmetic, false_alarm=false_alarm, **seen.arguments)
    if report.verdict != "MATCH" and seen.deviation is not None:
        named = seen.deviation(report)
        if named is not None:
            return _layer_check(seen, report, diagnosis=named[1], codes=(named[2],),
                                fix=named[0])
    return _layer_check(seen, report)


def _numpy(value: Any) -> np.ndarray:
    """A framework's tensor (torch, TensorFlow, JAX, Keras variable) as a NumPy array."""
    if hasattr(value, "detach"):
        value = value.detach()
        if hasattr(value, "cpu"):
            value = value.cpu()
        return np.asarray(value.numpy())
    if hasattr(value, "numpy"):
        return np.asarray(value.numpy())
    return np.asarray(value)


def _check_options(arithmetic: Any, false_alarm: Any) -> None:
    if not (isinstance(false_alarm, float | int) and 0 < false_alarm < 1):
        raise ValueError(f"`false_alarm` must be in (0, 1). Received: {false_alarm!r}")


# --------------------------------------------------------------------------- #
# PyTorch                                                                      #
# --------------------------------------------------------------------------- #
def _is_torch(model: Any) -> bool:
    return any(c.__module__.startswith("torch.nn") and c.__name__ == "Module"
               for c in type(model).__mro__)


def _torch_walk(model: Any, inputs: tuple, kwargs: dict,
                visit: Callable[[_Seen], None]) -> None:
    """Run ``model(*inputs, **kwargs)`` once in ``torch.no_grad()``, visiting each layer."""
    import torch

    names = {id(m): n or type(m).__name__ for n, m in model.named_modules()}
    calls: dict[str, int] = {}

    def hook(module: Any, args: tuple, kw: dict, output: Any) -> None:
        name = names.get(id(module), type(module).__name__)
        calls[name] = calls.get(name, 0) + 1
        if calls[name] > 1:
            name = f"{name}#{calls[name]}"
        output_size = args[1] if len(args) > 1 else kw.get("output_size")
        arguments: dict[str, Any] = {
            "stride": module.stride[0], "padding": module.padding[0],
            "output_padding": module.output_padding[0], "dilation": module.dilation[0],
            "groups": module.groups}
        if output_size is not None:
            arguments["output_size"] = [int(s) for s in output_size][-1]
        x = args[0] if args else kw.get("input")
        seen = _Seen(name, "torch", _numpy(x), _numpy(output), None, None, arguments)
        if module.padding_mode != "zeros":
            seen.unchecked = (f"padding_mode={module.padding_mode!r} is not checkable: the "
                              "reference knows only zero padding (the transposed "
                              "convolution's own)")
        else:
            seen.w = _numpy(module.weight)        # the effective weight, at call time
            seen.b = None if module.bias is None else _numpy(module.bias)
        visit(seen)

    handles = [m.register_forward_hook(hook, with_kwargs=True) for m in model.modules()
               if isinstance(m, torch.nn.ConvTranspose1d)]
    try:
        with torch.no_grad():
            model(*inputs, **kwargs)
    finally:
        for handle in handles:
            handle.remove()


def torch_model(model: Any, *inputs: Any, arithmetic: str | float | None = None,
                false_alarm: float = 1e-6, **kwargs: Any) -> ModelReport:
    """Check every ``ConvTranspose1d`` a PyTorch model calls, on one forward pass.

    The model runs once in ``torch.no_grad()``; a forward hook on every
    ``nn.ConvTranspose1d`` (including ``LazyConvTranspose1d``) reads the layer's
    real input and output, its arguments, a forward call's ``output_size``, and
    its weight as used at call time (the effective weight under ``weight_norm`` or
    ``torch.nn.utils.parametrizations``), and checks the output with
    :func:`deconv1d.verify.check`.

    Parameters
    ----------
    model : torch.nn.Module
    *inputs : torch.Tensor
        The forward call's positional arguments.
    arithmetic : str or float, optional
        What the layers compute in (e.g. ``"tf32"``); default: their output dtype.
    false_alarm : float, default 1e-6
        Per layer, the probability that a correct output is called SUSPECT.
    **kwargs
        The forward call's keyword arguments.

    Returns
    -------
    ModelReport
        One :class:`LayerCheck` per call, in call order.  A ``padding_mode`` other
        than ``"zeros"`` is UNCHECKED, by name.

    Examples
    --------
    >>> import torch                                       # doctest: +SKIP
    >>> net = torch.nn.Sequential(torch.nn.ConvTranspose1d(2, 3, 4, 2, 1))  # doctest: +SKIP
    >>> report = torch_model(net, torch.randn(1, 2, 5))    # doctest: +SKIP
    >>> report.verdict, report.layers[0].name              # doctest: +SKIP
    ('MATCH', '0')
    """
    _check_options(arithmetic, false_alarm)
    if not _is_torch(model):
        raise TypeError(f"`model` must be a torch.nn.Module. Received: {type(model).__name__}")
    checks: list[LayerCheck] = []
    _torch_walk(model, inputs, kwargs,
                lambda seen: checks.append(_self_check(seen, arithmetic, false_alarm)))
    return ModelReport("torch", tuple(checks))


# --------------------------------------------------------------------------- #
# Keras (Keras 3 on any backend, tf-keras)                                     #
# --------------------------------------------------------------------------- #
def _is_keras(model: Any) -> bool:
    return any(c.__name__ == "Layer" and c.__module__.split(".")[0] in ("keras", "tf_keras")
               for c in type(model).__mro__)


def _keras_layers(layer: Any) -> Iterator[Any]:
    """``layer`` and every layer inside it (nested models included), depth first."""
    yield layer
    for inner in getattr(layer, "layers", None) or ():
        yield from _keras_layers(inner)


def _is_conv1d_transpose(layer: Any) -> bool:
    return any(c.__name__ == "Conv1DTranspose" for c in type(layer).__mro__)


def _activation_check(layer: Any, config: dict, pre: np.ndarray, out: np.ndarray,
                      false_alarm: float) -> tuple[str, str, str] | None:
    """The layer's activation: its output against the reference activation of ``pre``."""
    from .. import activations

    identifier = config.get("activation")
    if identifier in (None, "linear"):
        if out.shape != pre.shape or not np.array_equal(out, pre, equal_nan=True):
            return ("MISMATCH", "the layer's output differs from its convolution and bias "
                    "although its activation is linear", "activation")
        return None
    try:
        version = 3 if type(layer).__module__.startswith("keras") else 2
        function = activations.get(identifier, keras_version=version)
    except (TypeError, ValueError) as error:
        return ("UNCHECKED", f"activation {identifier!r} not known to the reference: {error}",
                "activation_unknown")
    pre64 = pre.astype(np.float64)
    expected = np.asarray(function(pre64), np.float64)
    # Rounding of the activation in the layer's arithmetic: its argument's rounding
    # (|f'(t)| |t| <= |t| + |f(t)| for the activations Keras ships) and a few
    # operations on the result.
    magnitude = np.abs(expected) + np.abs(pre64)
    report = _verify.compare(out, expected, reduction_length=4, magnitude=magnitude,
                             false_alarm=false_alarm,
                             layout="NLC" if out.ndim == 3 else "LC")
    if report.verdict == "MATCH":
        return None
    return (report.verdict, f"the output is not activation {identifier!r} of the "
            f"convolution's output (worst error/tolerance {report.error_to_tolerance:.3g})",
            "activation")


def _keras_walk(model: Any, x: Any, visit: Callable[[_Seen], None],
                false_alarm: float) -> None:
    """Call ``model(x)`` once, eagerly, visiting each ``Conv1DTranspose`` as it runs."""
    found = [layer for layer in _keras_layers(model) if _is_conv1d_transpose(layer)]
    calls: dict[str, int] = {}

    def wrap(layer: Any) -> Callable[..., Any]:
        original = layer.call

        @functools.wraps(original)
        def call(inputs: Any) -> Any:
            out = original(inputs)
            config = layer.get_config()
            name = layer.name
            calls[name] = calls.get(name, 0) + 1
            if calls[name] > 1:
                name = f"{name}#{calls[name]}"
            activation = layer.activation
            try:
                layer.activation = lambda t: t
                pre = _numpy(original(inputs))
            finally:
                layer.activation = activation
            weights = layer.get_weights()
            op = config.get("output_padding")
            arguments: dict[str, Any] = {
                "strides": int(np.ravel(config["strides"])[0]), "padding": config["padding"],
                "output_padding": None if op is None else int(np.ravel(op)[0]),
                "dilation_rate": int(np.ravel(config.get("dilation_rate", 1))[0]),
                "data_format": config.get("data_format") or "channels_last"}
            seen = _Seen(name, "keras", _numpy(inputs), pre, np.asarray(weights[0]),
                         np.asarray(weights[1]) if config.get("use_bias", True) else None,
                         arguments)
            if int(config.get("groups", 1) or 1) != 1:
                seen.unchecked = f"groups={config['groups']} (Keras's Conv1DTranspose has none)"
            extra = _activation_check(layer, config, pre, _numpy(out), false_alarm)
            if extra is not None:
                seen.extra = (extra,)
            visit(seen)
            return out

        return call

    for layer in found:
        layer.call = wrap(layer)
    try:
        model(x)
    finally:
        for layer in found:
            del layer.call


def keras_model(model: Any, x: Any, *, arithmetic: str | float | None = None,
                false_alarm: float = 1e-6) -> ModelReport:
    """Check every ``Conv1DTranspose`` a Keras model calls, on one call of the model.

    Works for Keras 3 on any backend and for tf-keras.  Every ``Conv1DTranspose``
    (also inside nested models) is wrapped for the call: its real input and
    output are read, the convolution and bias are checked against the reference
    rebuilt from the layer's config and weights (:func:`deconv1d.verify.check`),
    and its activation against the reference activation of the convolution's
    output (the layer is called a second time with a linear activation to get it).

    Parameters
    ----------
    model : keras.Model or keras.layers.Layer
    x : array_like or tensor
        The model's input (``model(x)`` is called eagerly).
    arithmetic, false_alarm
        As for :func:`torch_model`.

    Returns
    -------
    ModelReport

    Examples
    --------
    >>> import keras                                                  # doctest: +SKIP
    >>> net = keras.Sequential([keras.Input((5, 2)),                  # doctest: +SKIP
    ...                         keras.layers.Conv1DTranspose(3, 4, 2, padding="same")])
    >>> keras_model(net, np.ones((1, 5, 2), np.float32)).verdict      # doctest: +SKIP
    'MATCH'
    """
    _check_options(arithmetic, false_alarm)
    if not _is_keras(model):
        raise TypeError(f"`model` must be a Keras model or layer. Received: "
                        f"{type(model).__name__}")
    checks: list[LayerCheck] = []
    _keras_walk(model, x, lambda seen: checks.append(_self_check(seen, arithmetic, false_alarm)),
                false_alarm)
    return ModelReport("keras", tuple(checks))


# --------------------------------------------------------------------------- #
# ONNX (run with onnxruntime)                                                  #
# --------------------------------------------------------------------------- #
def _load_onnx(model: Any) -> Any:
    try:
        import onnx
    except ImportError:
        raise ImportError("onnx_model needs onnx and onnxruntime: "
                          "pip install 'deconv1d[onnx]'") from None
    if isinstance(model, onnx.ModelProto):
        proto, what = model, "the ModelProto"
    elif isinstance(model, bytes):
        try:
            proto, what = onnx.load_from_string(model), "the bytes"
        except Exception as error:   # noqa: BLE001 - any protobuf error: unreadable
            raise ValueError(f"`model`: not an ONNX model ({error})") from None
    elif isinstance(model, str | os.PathLike):
        what = repr(os.fspath(model))
        try:
            proto = onnx.load(os.fspath(model))
        except FileNotFoundError:
            raise ValueError(f"`model`: no such file: {what}") from None
        except Exception as error:   # noqa: BLE001
            raise ValueError(f"`model`: cannot read {what} as an ONNX model "
                             f"({type(error).__name__}: {error})") from None
    else:
        raise TypeError(f"`model` must be an onnx.ModelProto, bytes or a path. "
                        f"Received: {type(model).__name__}")
    if not proto.HasField("graph") or not proto.opset_import:
        # Protocol buffers parse an empty file (and some others) as an empty message.
        raise ValueError(f"`model`: {what} is not an ONNX model (it has no graph or no "
                         "opset)")
    return proto


def _check_feeds(declared: Mapping[str, Any], feeds: Mapping[str, np.ndarray]) -> None:
    """Each feed against its graph input's declared element type, rank and fixed sizes."""
    from onnx import helper

    for name, info in declared.items():
        array = feeds[name]
        if not info.type.HasField("tensor_type"):
            continue
        tensor = info.type.tensor_type
        try:
            dtype = np.dtype(helper.tensor_dtype_to_np_dtype(tensor.elem_type))
        except (KeyError, TypeError, ValueError):
            dtype = None
        if dtype is not None and array.dtype != dtype:
            raise ValueError(f"`feeds`: input {name!r} must have dtype {dtype}. Received: "
                             f"{array.dtype}")
        if not tensor.HasField("shape"):
            continue
        dims = [d.dim_value if d.HasField("dim_value") else (d.dim_param or None)
                for d in tensor.shape.dim]
        if array.ndim != len(dims) or any(isinstance(d, int) and d != n
                                          for d, n in zip(dims, array.shape)):
            raise ValueError(f"`feeds`: input {name!r} must have shape "
                             f"{tuple(dims)}. Received: shape {array.shape}")


_ONNX_ATTRIBUTES = ("auto_pad", "dilations", "group", "kernel_shape", "output_padding",
                    "output_shape", "pads", "strides")


def _onnx_arguments(node: Any) -> dict:
    from onnx import helper

    out: dict[str, Any] = {}
    for attribute in node.attribute:
        if attribute.name in _ONNX_ATTRIBUTES:
            value = helper.get_attribute_value(attribute)
            if isinstance(value, bytes):
                value = value.decode()
            out[attribute.name] = list(value) if isinstance(value, list | tuple) else value
    return out


def _ort_deviation(arguments: dict, x: np.ndarray, w: np.ndarray,
                   y: np.ndarray) -> Callable[[Any], tuple[str, str, str] | None]:
    """Names onnxruntime's known deviations from the ONNX specification."""

    def named(report: Any) -> tuple[str, str, str] | None:
        auto = str(arguments.get("auto_pad", "NOTSET")).upper()
        if auto not in ("SAME_UPPER", "SAME_LOWER") or "output_shape" in arguments:
            return None
        stride = int(np.ravel(arguments.get("strides", [1]))[0])
        dilation = int(np.ravel(arguments.get("dilations", [1]))[0])
        q = int(np.ravel(arguments.get("output_padding", [0]))[0])
        length, size = x.shape[-1], w.shape[-1]
        dk = (size - 1) * dilation + 1
        full = (length - 1) * stride + dk
        if length * stride > full + q and y.shape[-1] == full + q:
            return ("(onnxruntime) pad the output with "
                    f"{length * stride - full - q} zeros at the end, or compute with "
                    "auto_pad=NOTSET and explicit pads",
                    f"onnxruntime deviates from the ONNX specification: auto_pad={auto} "
                    f"with stride {stride} > effective kernel {dk} + output_padding {q} "
                    f"asks for L*stride = {length * stride} samples (negative total "
                    f"padding), onnxruntime returns only the full scatter's {full + q}",
                    "onnxruntime_same_short")
        return None

    return named


def _onnx_reads(node: Any) -> set[str]:
    """Every name a node reads: its inputs and those its subgraphs (If, Loop, Scan) read."""
    names = {name for name in node.input if name}
    for attribute in node.attribute:
        graphs = ([attribute.g] if attribute.HasField("g") else []) + list(attribute.graphs)
        for graph in graphs:
            for inner in graph.node:
                names |= _onnx_reads(inner)
    return names


def _onnx_walk(model: Any, feeds: Any, visit: Callable[[_Seen], None]) -> None:
    """Run the model with onnxruntime up to its last ConvTranspose, one part at a time.

    The graph (whose nodes ONNX keeps in topological order) is cut after each
    ``ConvTranspose`` node.  Each part runs in its own session on the tensors that
    cross the cut, and exposes only those, the node's input, weight, bias and
    output; the node is checked, and every tensor no later node reads is released,
    before the next part runs.  So the values held at a time are the model's own
    activations crossing the cut and one node's arrays, and the model runs once
    (the nodes after the last ConvTranspose not at all).
    """
    proto = _load_onnx(model)
    try:
        import onnxruntime
        from onnx import helper, numpy_helper
    except ImportError:
        raise ImportError("onnx_model needs onnx and onnxruntime: "
                          "pip install 'deconv1d[onnx]'") from None
    graph = proto.graph
    initializers = {t.name: t for t in graph.initializer}
    sparse = {t.values.name: t for t in graph.sparse_initializer}
    declared = {i.name: i for i in graph.input if i.name not in initializers}
    inputs = list(declared)
    if not isinstance(feeds, Mapping):
        if len(inputs) != 1:
            raise ValueError(f"`feeds` must be a dict for a model with inputs {inputs}. "
                             f"Received: {type(feeds).__name__}")
        feeds = {inputs[0]: feeds}
    missing = [name for name in inputs if name not in feeds]
    unknown = [name for name in feeds if name not in inputs]
    if missing or unknown:
        raise ValueError(f"`feeds` must give the model's inputs {inputs}. Received: "
                         f"{sorted(feeds)}" + (f" (missing {missing})" if missing else "")
                         + (f" (unknown {unknown})" if unknown else ""))
    nodes = list(graph.node)
    reads = [_onnx_reads(node) for node in nodes]
    last_read: dict[str, int] = {}
    for index, names in enumerate(reads):
        for name in names:
            last_read[name] = index
    cuts = [i for i, n in enumerate(nodes)
            if n.op_type == "ConvTranspose" and n.domain in ("", "ai.onnx")]
    values: dict[str, Any] = {name: np.asarray(v) for name, v in feeds.items()}
    _check_feeds(declared, values)

    def value(name: str) -> np.ndarray:
        if name in values:
            return values[name]
        return numpy_helper.to_array(initializers[name])

    def declaration(name: str) -> Any:
        if name in declared:
            return declared[name]
        array = values[name]
        if not isinstance(array, np.ndarray):
            raise ValueError(f"`model`: {name!r}, read across a ConvTranspose, is a "
                             f"{type(array).__name__}, not a tensor; onnx_model cannot cut "
                             "the graph there")
        return helper.make_tensor_value_info(name, helper.np_dtype_to_tensor_dtype(
            array.dtype), None)

    start = 0
    for number, cut in enumerate(cuts):
        part = nodes[start:cut + 1]
        node = nodes[cut]
        needed = set().union(*reads[start:cut + 1])
        made = [out for n in part for out in n.output if out]
        own = [name for name in (*node.input[:3], node.output[0]) if name]
        exposed = list(dict.fromkeys(
            [name for name in made if last_read.get(name, -1) > cut or name in own]))
        piece = helper.make_model(
            helper.make_graph(
                part, f"{graph.name}_to_{node.name or cut}",
                [declaration(name) for name in sorted(needed) if name in values],
                [helper.make_empty_tensor_value_info(name) for name in exposed],
                initializer=[initializers[name] for name in sorted(needed)
                             if name in initializers and name not in values],
                sparse_initializer=[sparse[name] for name in sorted(needed)
                                    if name in sparse and name not in values]),
            ir_version=proto.ir_version, opset_imports=proto.opset_import,
            functions=proto.functions)
        try:
            session = onnxruntime.InferenceSession(piece.SerializeToString(),
                                                   providers=["CPUExecutionProvider"])
        except Exception as error:   # noqa: BLE001 - onnxruntime raises its own types
            raise ValueError(f"`model`: onnxruntime cannot load it ({error})") from None
        del piece
        feed = {name: values[name] for name in sorted(needed) if name in values}
        try:
            values.update(zip(exposed, session.run(exposed, feed)))
        except Exception as error:   # noqa: BLE001
            raise ValueError(f"`feeds`: onnxruntime cannot run the model on them ({error})") \
                from None
        del session, feed
        x, w = value(node.input[0]), value(node.input[1])
        b = value(node.input[2]) if len(node.input) > 2 and node.input[2] else None
        y = values[node.output[0]]
        for name in [n for n in values if last_read.get(n, -1) <= cut]:
            del values[name]                         # read by no later node
        if x.ndim == 3:                              # a 1-D ConvTranspose
            arguments = _onnx_arguments(node)
            visit(_Seen(node.name or f"ConvTranspose_{number}", "onnx", x, y, w, b,
                        arguments, deviation=_ort_deviation(arguments, x, w, y)))
        del x, w, b, y
        start = cut + 1


def onnx_model(model: Any, feeds: Mapping[str, npt.ArrayLike] | npt.ArrayLike, *,
               arithmetic: str | float | None = None,
               false_alarm: float = 1e-6) -> ModelReport:
    """Check every 1-D ``ConvTranspose`` node of an ONNX model, run with onnxruntime.

    The model runs once, in parts cut after each ``ConvTranspose`` node (one
    onnxruntime session per part, exposing only the tensors that cross the cut
    and the node's input, weight, bias and output; the nodes after the last
    ``ConvTranspose`` do not run), so that one node's arrays are held at a time
    beyond the model's own activations.  Each node's output is checked against
    the reference of its own attributes (``auto_pad``, ``pads``,
    ``output_padding``, ``output_shape``, ``dilations``, ``group``, ``strides``,
    ``kernel_shape``) and bias.  Where onnxruntime deviates from the ONNX specification the layer's
    diagnosis says so by name (code ``onnxruntime_same_short``: ``SAME_UPPER`` /
    ``SAME_LOWER`` with stride larger than the kernel, where onnxruntime returns
    the full scatter instead of ``L * stride`` samples).

    Parameters
    ----------
    model : onnx.ModelProto, bytes, or path
    feeds : dict of str to array_like, or array_like
        The model's inputs by name (one array for a single-input model).
    arithmetic, false_alarm
        As for :func:`torch_model`.

    Returns
    -------
    ModelReport

    Raises
    ------
    ValueError
        An unreadable model, a missing or unknown input, an input whose dtype or
        shape is not the declared one, or inputs onnxruntime rejects.
    ImportError
        Without onnx and onnxruntime (``pip install "deconv1d[onnx]"``).

    Examples
    --------
    >>> onnx_model("model.onnx", {"x": np.ones((1, 2, 5), np.float32)})  # doctest: +SKIP
    """
    _check_options(arithmetic, false_alarm)
    checks: list[LayerCheck] = []
    _onnx_walk(model, feeds,
               lambda seen: checks.append(_self_check(seen, arithmetic, false_alarm)))
    return ModelReport("onnx", tuple(checks))


# --------------------------------------------------------------------------- #
# Two models side by side                                                      #
# --------------------------------------------------------------------------- #
def _kind(model: Any) -> str:
    if _is_keras(model):           # first: Keras 3 layers on the torch backend are Modules
        return "keras"
    if _is_torch(model):
        return "torch"
    if isinstance(model, str | os.PathLike | bytes) or \
            type(model).__name__ == "ModelProto":
        return "onnx"
    raise TypeError("a model must be a torch.nn.Module, a Keras model, an ONNX model or "
                    f"the path of one. Received: {type(model).__name__}")


def _walk(kind: str, model: Any, x: Any, visit: Callable[[_Seen], None],
          false_alarm: float) -> None:
    if kind == "torch":
        import torch

        _torch_walk(model, (torch.as_tensor(np.ascontiguousarray(x)),), {}, visit)
    elif kind == "keras":
        _keras_walk(model, np.ascontiguousarray(x), visit, false_alarm)
    else:
        _onnx_walk(model, np.ascontiguousarray(x), visit)


def _channels_last(kind: str, model: Any) -> bool:
    if kind != "keras":
        return False
    formats = {layer.get_config().get("data_format") for layer in _keras_layers(model)
               if _is_conv1d_transpose(layer)}
    return formats != {"channels_first"}


@dataclass
class _Reference:
    """What a port is checked against: a reference layer's semantics, no activations."""

    name: str
    framework: str
    kernel: np.ndarray | None      # Keras layout (K, C_out // groups, C_in)
    bias: np.ndarray | None
    window: dict
    shared: dict
    arguments: dict
    unchecked: str


def _weight_finding(ref: np.ndarray, port: np.ndarray, framework: str,
                    what: str) -> tuple[str, str, str] | None:
    """How a ported weight (Keras layout) differs from the reference's, if it does."""
    if ref.shape != port.shape:
        return ("MISMATCH", f"the ported {what} has shape {port.shape} (Keras layout), the "
                f"reference's {ref.shape}", f"{what}_shape")
    r, p = ref.astype(np.float64), port.astype(np.float64)
    u = max(unit_roundoff(port.dtype), unit_roundoff(ref.dtype))
    # A copy rounded once to the port's dtype, or recomputed (weight_norm's g v / ||v||
    # in another order): a few roundings of each entry.
    tol = 16 * u * np.abs(r) + np.finfo(np.float64).tiny
    diff = np.abs(p - r)
    if np.all(diff <= tol):
        return None
    if what == "kernel" and r.shape[0] > 1 and np.all(np.abs(p - r[::-1]) <= tol):
        return ("MISMATCH", "the ported kernel is the reference's flipped in time",
                "kernel_flipped")
    if what == "kernel" and r.shape[1] == r.shape[2] and \
            np.all(np.abs(p - r.transpose(0, 2, 1)) <= tol):
        return ("MISMATCH", "the ported kernel has its input and output channels swapped",
                "kernel_io_swapped")
    worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(diff - tol)), diff.shape))
    own = worst
    if what == "kernel" and framework in ("torch", "onnx"):
        own = (worst[2], worst[1], worst[0])
    count = int(np.sum(diff > tol))
    return ("MISMATCH", f"{count} of {r.size} ported {what} entries differ from the "
            f"reference's; the worst at {list(own)} ({framework} layout): {p[worst]:.9g}, "
            f"reference {r[worst]:.9g}", f"{what}_differs")


def _weight_fix(code: str, framework: str) -> str:
    axis = "[..., ::-1] (its last axis)" if framework in ("torch", "onnx") else \
        "[::-1] (its first axis)"
    return {"kernel_flipped": f"flip the ported weight's kernel axis: weight{axis}",
            "kernel_io_swapped": "transpose the ported weight's channel axes",
            "kernel_differs": "copy the reference layer's weight into the port again "
                              "(interop.kernel_for converts the layout)",
            "bias_differs": "copy the reference layer's bias into the port again"}.get(code, "")


def _port_check(ref: _Reference, seen: _Seen, arithmetic: Any,
                false_alarm: float) -> LayerCheck:
    """A ported layer against the reference layer's weights and window."""
    against = f"{ref.framework}:{ref.name}"
    if ref.unchecked or seen.unchecked:
        return _layer_check(seen, verdict="UNCHECKED",
                            diagnosis=seen.unchecked or f"reference: {ref.unchecked}",
                            codes=("not_checkable",), against=against)
    assert ref.kernel is not None and seen.w is not None
    own_kernel = interop.keras_kernel_from(seen.framework, seen.w)
    findings = []
    shared = seen.shared()
    for option in ("stride", "dilation", "groups"):
        if shared[option] != ref.shared[option]:
            findings.append(("MISMATCH", f"{option} {shared[option]}, the reference's "
                             f"{ref.shared[option]}", option))
    if findings:
        return _layer_check(seen, verdict="MISMATCH",
                            diagnosis="; ".join(f[1] for f in findings),
                            codes=tuple(f[2] for f in findings),
                            fix="; ".join(f"set {f[2]}={ref.shared[f[2]]}" for f in findings),
                            against=against)
    kernel = _weight_finding(ref.kernel, own_kernel, seen.framework, "kernel")
    findings += [kernel] if kernel else []
    if (ref.bias is None) != (seen.b is None):
        findings.append(("MISMATCH", "the port " + ("has no bias; the reference has one"
                         if seen.b is None else "adds a bias; the reference has none"),
                         "bias_presence"))
    elif ref.bias is not None and seen.b is not None:
        bias = _weight_finding(ref.bias, np.asarray(seen.b), seen.framework, "bias")
        findings += [bias] if bias else []
    if any(f[2] == "kernel_shape" for f in findings):
        return _layer_check(seen, verdict="MISMATCH", diagnosis=findings[0][1],
                            codes=("kernel_shape",), against=against)
    # The port's output against the reference's semantics: the reference's weights, in
    # the port's layout, and the reference's window.
    weight = interop.kernel_for(seen.framework, ref.kernel.astype(seen.w.dtype, copy=False))
    bias_ref = None if ref.bias is None or seen.b is None else \
        ref.bias.astype(np.asarray(seen.b).dtype, copy=False)
    assert seen.x is not None and seen.y is not None
    report = check_port(seen.framework, seen.y, seen.x, weight, bias_ref,
                        original=ref.framework, original_arguments=ref.window,
                        arithmetic=arithmetic, false_alarm=false_alarm, **seen.arguments)
    if findings:
        fix = "; ".join(filter(None, (_weight_fix(f[2], seen.framework) for f in findings)))
        if report.advice:
            fix = "; ".join(filter(None, [report.advice, fix]))
        return _layer_check(seen, report, verdict=_worst(*(f[0] for f in findings)),
                            diagnosis="; ".join(f[1] for f in findings),
                            codes=tuple(f[2] for f in findings), fix=fix, against=against,
                            explained=True)
    return _layer_check(seen, report, against=against)


def compare_models(reference_model: Any, ported_model: Any, x: npt.ArrayLike, *,
                   arithmetic: str | float | None = None,
                   false_alarm: float = 1e-6) -> ModelReport:
    """Check a port of a model, layer by layer, against the model it was ported from.

    Both models run on ``x`` (converted to the port's layout); their 1-D
    transposed convolutions are paired in call order.  Each ported layer is
    checked against the *reference* layer's semantics: its weights and bias are
    compared with the reference's (a flipped kernel, swapped channels or the
    entry that differs are named), and its output, given its real input, against
    the float64 reference of the reference layer's weights and window, through
    the port check (:func:`deconv1d.frameworks.port.check_port`), which gives
    the port's arguments that keep the reference's window.

    Parameters
    ----------
    reference_model, ported_model : torch.nn.Module, Keras model, or ONNX model/path
        Any pairing.
    x : array_like
        One input, in the reference model's layout (``(N, C, L)`` for PyTorch and
        ONNX, ``(N, L, C)`` for Keras).
    arithmetic, false_alarm
        As for :func:`torch_model` (the port's arithmetic).

    Returns
    -------
    ModelReport
        The ported layers (each with ``against``, the reference layer it was
        paired with); ``first_failure`` names the first that diverges, its
        ``fix`` the arguments or weight that would mend it.  Unpaired layers are
        noted, and make ``bool(report)`` False.

    Examples
    --------
    >>> report = compare_models(torch_net, keras_port, x)           # doctest: +SKIP
    >>> report.first_failure, report[report.first_failure].fix      # doctest: +SKIP
    """
    _check_options(arithmetic, false_alarm)
    ref_kind, port_kind = _kind(reference_model), _kind(ported_model)
    x_ref = np.asarray(x)
    if x_ref.ndim != 3:
        raise ValueError(f"`x` must have rank 3 (one batch of 1-D signals). Received: "
                         f"shape {x_ref.shape}")
    x_port = x_ref
    if _channels_last(ref_kind, reference_model) != _channels_last(port_kind, ported_model):
        x_port = x_ref.transpose(0, 2, 1)

    references: list[_Reference] = []

    def record(seen: _Seen) -> None:
        kernel = None if seen.w is None else interop.keras_kernel_from(seen.framework, seen.w)
        references.append(_Reference(seen.name, seen.framework, kernel,
                                     None if seen.b is None else np.array(seen.b),
                                     seen.window_arguments(), seen.shared(),
                                     dict(seen.arguments), seen.unchecked))

    _walk(ref_kind, reference_model, x_ref, record, false_alarm)
    checks: list[LayerCheck] = []
    extra: list[str] = []

    def check(seen: _Seen) -> None:
        index = len(checks)
        if index >= len(references):
            extra.append(seen.name)
            checks.append(_layer_check(seen, verdict="MISMATCH", diagnosis=(
                "the port calls more transposed convolutions than the reference"),
                codes=("unpaired",)))
            return
        checks.append(_port_check(references[index], seen, arithmetic, false_alarm))

    _walk(port_kind, ported_model, x_port, check, false_alarm)
    notes = []
    if len(references) > len(checks):
        notes.append(f"the reference calls {len(references)} transposed convolutions, the "
                     f"port {len(checks)}: unpaired reference layers "
                     f"{[r.name for r in references[len(checks):]]}")
    return ModelReport(f"{port_kind} port of {ref_kind}", tuple(checks), tuple(notes))
