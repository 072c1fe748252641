"""Judge a port: an output made by one framework, against another framework's semantics.

A *port* re-creates a layer of the *original* framework (say a Keras
``Conv1DTranspose(padding="same")``) in another framework (say PyTorch).  Both
compute a window of the same full scatter (see :mod:`deconv1d.interop`); the
port is right when its arguments keep the window the original's arguments keep.
:func:`check_port` takes the port's output, input, weight and bias in the port's
own layouts, the port's own arguments, and the original's window arguments; it
computes the float64 reference with the *original's* window and compares it with
:func:`deconv1d.verify.compare`.  The :class:`PortReport` says which window each
side keeps and, when they differ, the port's arguments that keep the original's
window (or, where the port cannot express it, the wider call and the slice).
"""

from __future__ import annotations

import dataclasses
import inspect
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .. import conv1d_transpose
from .. import shapes
from . import interop, registry, verify
from .base import InexpressibleError, Workaround, describe_window, full_length
from .diagnose import Context, diagnose, to_nlc

__all__ = ["PortReport", "check_port"]

#: The port's arguments an original may repeat; they must agree (a port keeps them).
_SHARED = ("stride", "dilation", "groups")


@dataclass(frozen=True)
class PortReport:
    """The verdict on a port, and the windows behind it.

    Attributes
    ----------
    report : deconv1d.verify.Report
        The comparison of the port's output with the original's reference.
    port, original : str
        The framework names.
    port_window, wanted_window : tuple of int
        ``(crop_left, crop_right)`` the port's arguments keep, and the original's.
    full_length : int
        Length of the full scatter both windows are taken from.
    fix : dict or None
        The port's arguments keeping the wanted window (None when they already
        do, or when the port cannot express it).
    workaround : Workaround or None
        Where the port cannot express the wanted window: the wider call and the slice.
    advice : str
        The fix for people ("" when the windows agree).
    """

    report: Any
    port: str
    original: str
    port_window: tuple[int, int]
    wanted_window: tuple[int, int]
    full_length: int
    fix: dict[str, Any] | None
    workaround: Workaround | None
    advice: str

    @property
    def verdict(self) -> str:
        """``"MATCH"``, ``"SUSPECT"`` or ``"MISMATCH"``: the comparison's."""
        return _verdict(self.report)

    @property
    def windows_agree(self) -> bool:
        """Whether the port's arguments keep the original's window."""
        return self.port_window == self.wanted_window

    def __bool__(self) -> bool:
        return self.verdict == "MATCH"

    @property
    def diagnoses(self) -> tuple:
        """The comparison's diagnoses (written with the port's arguments)."""
        return tuple(self.report.diagnoses)

    @property
    def codes(self) -> list[str]:
        """The diagnosis codes of the comparison."""
        return list(self.report.codes)

    def to_dict(self) -> dict[str, Any]:
        """Everything as plain Python values (JSON-serialisable)."""
        out = self.report.to_dict()
        out["verdict"] = self.verdict
        work = self.workaround
        out["port"] = {
            "port": self.port, "original": self.original,
            "port_window": list(self.port_window), "wanted_window": list(self.wanted_window),
            "full_length": self.full_length, "fix": self.fix,
            "workaround": None if work is None else {
                "arguments": dict(work.arguments), "start": work.start, "stop": work.stop,
                "length": work.length},
            "advice": self.advice}
        return out

    def __str__(self) -> str:
        full = self.full_length
        have, want = self.port_window, self.wanted_window
        parts = [(f"  port        {self.port}'s arguments keep [{have[0]}:{full - have[1]}] "
                  f"of the full scatter ({describe_window(*have)}); {self.original}'s keep "
                  f"[{want[0]}:{full - want[1]}] ({describe_window(*want)})")]
        if self.advice:
            parts.append(f"  fix         {self.advice}")
        return "\n".join([str(self.report)] + [
            textwrap.fill(part, width=92, subsequent_indent=" " * 14, break_on_hyphens=False)
            for part in parts])


def _verdict(report: Any) -> str:
    verdict = getattr(report, "verdict", None)
    if verdict is not None:
        return str(verdict)
    return "MATCH" if report.ok else "MISMATCH"


def _plan(port: str, x: Any, w: Any, bias: Any, arguments: Mapping[str, Any]) -> Any:
    """``interop.plan`` for the port; a bias-shape error names a forgotten ``groups``."""
    found = registry.get(port)
    if not found.takes_bias and bias is not None:
        raise ValueError(
            f"`bias`: {found.name}'s transposed convolution takes no bias; add it to the "
            f"output yourself. Received: bias with shape {np.shape(bias)}")
    positional = (x, w, bias) if found.takes_bias else (x, w)
    call = interop.plan(found.name, *positional, **arguments)
    if call.bias is not None:
        count, channels = int(np.size(call.bias)), call.kernel.shape[1] * call.groups
        if count != channels:
            hint = ""
            if count % channels == 0:
                g = count // channels * call.groups
                hint = (f"; the weight holds {call.kernel.shape[1]} output channels per "
                        f"group: a grouped layer checked without its groups? Pass groups={g} "
                        f"(--groups {g})")
            raise ValueError(f"`bias` must have {channels} values, one per output channel. "
                             f"Received: bias with shape {np.shape(bias)}{hint}")
    return call


def _products(call: Any) -> np.ndarray:
    """Products reaching each output sample of ``call`` (+1 with a bias), in its layout.

    The taps reaching each position, from the geometry (a transposed convolution
    of ones), times ``C_in / groups``.
    """
    length, size = call.x.shape[1], call.kernel.shape[0]
    taps = conv1d_transpose(np.ones((1, length, 1)), np.ones((size, 1, 1)), call.stride,
                            shapes.Window(call.crop_left, call.crop_right),
                            dilation=call.dilation)
    terms = np.rint(taps).astype(np.int64) * (call.x.shape[2] // call.groups) \
        + (call.bias is not None)
    nlc = np.broadcast_to(terms, (call.x.shape[0], terms.shape[1], call.kernel.shape[1]
                                  * call.groups))
    return _layout(nlc, call)


def _layout(nlc: np.ndarray, call: Any) -> np.ndarray:
    """An ``(N, L, C)`` array in the call's output layout."""
    out = nlc.transpose(0, 2, 1) if call.channels_first else nlc
    return out[0] if call.unbatched else out


def _window_arguments(original: str, arguments: Mapping[str, Any], call: Any) -> dict:
    """The original's window arguments, the shared ones checked against the port's call."""
    found = registry.get(original)
    accepted = set(inspect.signature(found.crops).parameters) - {
        "length", "kernel_size", "stride", "dilation"}
    meaning = {keyword: option for option, keyword in found.options.items()}
    window = {}
    for key, value in arguments.items():
        option = meaning.get(key, key)
        if option in _SHARED:
            have = getattr(call, option)
            given = value[0] if isinstance(value, (list, tuple)) and len(value) == 1 else value
            if given is not None and int(given) != have:
                raise ValueError(
                    f"`original_arguments`: {key}={value!r} differs from the port's {option} "
                    f"{have}; a port keeps the {option} (only the window may be spelled "
                    "differently)")
        elif key in accepted:
            window[key] = value
        elif option not in found.options:
            raise TypeError(
                f"`original_arguments`: {key!r} is not an argument of {found.name}; its "
                f"window arguments are {', '.join(sorted(accepted))}")
    return window


def check_port(port: str, actual: npt.ArrayLike, x: npt.ArrayLike, w: npt.ArrayLike,
               bias: npt.ArrayLike | None = None, *, original: str,
               original_arguments: Mapping[str, Any] | None = None,
               arithmetic: str | float | None = None, rtol: float | None = None,
               atol: float | None = None, false_alarm: float = 1e-6,
               **arguments: Any) -> PortReport:
    """Check a port's output against the original framework's semantics.

    Parameters
    ----------
    port : {"torch", "onnx", "tf", "jax", "keras"}
        The framework that produced ``actual``.
    actual : array_like
        Its output, in its own layout.
    x, w : array_like
        Its input and weight, in its own layouts (see :mod:`deconv1d.interop`).
    bias : array_like, shape (C_out,), optional
        Not for ``tf`` and ``jax``.
    original : {"keras", "torch", "onnx", "tf", "jax"}
        The framework whose layer is ported.
    original_arguments : dict, optional
        The original's window arguments in its own names, e.g. ``{"padding":
        "same"}`` for Keras or ``{"pads": [0, 1]}`` for ONNX.  Its stride,
        dilation and groups may be repeated (they must equal the port's).
    arithmetic, rtol, atol, false_alarm
        As for :func:`deconv1d.verify.compare`: what the port computed in, a
        fixed tolerance instead of the rounding model, and the false-alarm
        probability of a SUSPECT.  (The comparison is per sample: the pooled
        test of :func:`deconv1d.verify.check` is not run.)
    **arguments
        The port's own keyword arguments, as for :func:`deconv1d.verify.check`.

    Returns
    -------
    PortReport
        ``verdict`` from the comparison with the float64 reference of the
        original's window; ``port_window`` and ``wanted_window``; ``fix`` or
        ``workaround`` when the windows differ.

    Raises
    ------
    ValueError, TypeError
        On a bad argument (a bias-shape error names a forgotten ``groups``).

    Examples
    --------
    A PyTorch port of Keras ``padding="same"`` (K=3, stride 2): ``padding=1,
    output_padding=1`` keeps the same length but the wrong window.

    >>> from deconv1d import interop
    >>> x = np.arange(1.0, 6.0).reshape(1, 1, 5)               # (N, C_in, L)
    >>> w = np.array([[[1.0, 2.0, 3.0]]])                      # (C_in, C_out, K)
    >>> y = interop.torch_conv_transpose1d(x, w, stride=2, padding=1, output_padding=1)
    >>> r = check_port("torch", y, x, w, original="keras",
    ...                original_arguments={"padding": "same"},
    ...                stride=2, padding=1, output_padding=1)
    >>> r.verdict, r.port_window, r.wanted_window, r.fix
    ('MISMATCH', (1, 0), (0, 1), None)
    >>> r.workaround.arguments, r.workaround.start, r.workaround.stop
    ({'padding': 0, 'output_padding': 0}, 0, 10)

    The wider call, sliced as the workaround says, is the Keras output:

    >>> sliced = r.workaround.apply(interop.torch_conv_transpose1d(x, w, stride=2))
    >>> check_port("torch", sliced, x, w, original="keras",
    ...            original_arguments={"padding": "same"}, stride=2).verdict
    'MATCH'
    """
    port_name = registry.get(port).name
    original_name = registry.get(original).name
    call = _plan(port_name, x, w, bias, arguments)
    length, kernel_size = call.x.shape[1], call.kernel.shape[0]
    window = _window_arguments(original_name, original_arguments or {}, call)
    wanted = interop.crops_from(original_name, length, kernel_size, stride=call.stride,
                                dilation=call.dilation, **window)
    target = dataclasses.replace(call, crop_left=wanted[0], crop_right=wanted[1])
    expected = target.run(dtype=np.float64)
    absb = None if call.bias is None else np.abs(np.asarray(call.bias, np.float64))
    magnitude = target.run(x=np.abs(np.asarray(call.x, np.float64)),
                           kernel=np.abs(np.asarray(call.kernel, np.float64)), bias=absb,
                           dtype=np.float64)
    a = np.asarray(actual)
    report = verify.compare(a, expected, layout=call.layout,
                            reduction_length=_products(target), magnitude=magnitude,
                            bias=call.bias, arithmetic=arithmetic, rtol=rtol, atol=atol,
                            false_alarm=false_alarm,
                            label=f"{port_name} port of {original_name}")
    if _verdict(report) != "MATCH" and a.dtype.kind in "biuf" and \
            "non_finite" not in report.codes:
        # Diagnose again, knowing the call: advice in the port's own arguments.  The
        # patterns are recognised within the rigorous bound gamma_n (u_a + u_ref) * M.
        n = call.reduction_length
        factor = (verify.gamma(n, verify.unit_roundoff(a.dtype))
                  + verify.gamma(n, verify.unit_roundoff(np.float64)))
        tol = factor * float(np.max(magnitude, initial=0.0)) + 1e-300
        context = Context(port_name, call, wanted, advise=False)
        found = diagnose(to_nlc(a.astype(np.float64), call.layout),
                         to_nlc(expected, call.layout), tol,
                         None if call.bias is None else np.asarray(call.bias, np.float64),
                         None, 0.0, context)
        report = dataclasses.replace(report, diagnoses=tuple(found))
    chosen = (call.crop_left, call.crop_right)
    fix: dict[str, Any] | None = None
    workaround = None
    advice = ""
    if chosen != wanted:
        try:
            fix = interop.arguments_for(port_name, length, kernel_size, *wanted,
                                        stride=call.stride, dilation=call.dilation)
            advice = (f"{port_name} keeps {original_name}'s window with "
                      + ", ".join(f"{k}={v!r}" for k, v in fix.items()))
        except InexpressibleError as error:
            workaround = error.workaround
            advice = str(error)
    full = full_length(length, kernel_size, call.stride, call.dilation)
    return PortReport(report, port_name, original_name, chosen, wanted, full, fix,
                      workaround, advice)
