"""Compare another framework's output with the reference, and say why they differ.

:func:`compare` takes two arrays; :func:`check` takes a framework's own inputs,
arguments and output, computes the float64 reference itself (through
:mod:`deconv1d.interop`) and compares.  Both return a :class:`Report`:
``str(report)`` is terminal text, ``report.to_dict()`` is for programs,
``bool(report)`` is the verdict.

The tolerance is not a magic number.  An output sample is a sum of
``n = K * C_in / groups`` products (plus the bias).  Computed in a floating-point
format of unit round-off ``u`` (``2**-24`` for float32, ``2**-53`` for float64),
in any order, its error is at most ``gamma_n * sum |x_i| |w_i|`` with
``gamma_n = n u / (1 - n u)`` (Higham, *Accuracy and Stability of Numerical
Algorithms*, 2nd ed., section 3.1).  Both sides may carry such an error, so
sample ``i`` may differ by

    ``tol_i = (gamma_n(u_actual) + gamma_n(u_expected)) * M_i``

where ``M_i`` is the same transposed convolution computed with ``|x|``,
``|w|`` and ``|bias|`` (what :func:`check` passes as ``magnitude``).  Anything
beyond that is not round-off.  Without inputs (plain :func:`compare` with no
``magnitude``), ``M_i`` is replaced by ``max |expected|`` (exact unless the
sums cancel heavily) and, without ``reduction_length``, ``n = 1``: give both
for a principled bound.  Frameworks that compute in reduced precision
(TF32 on GPUs, bfloat16) need ``unit_roundoff=`` set to that format's.

Known patterns are diagnosed: a shift by some samples (PyTorch
``padding=1, output_padding=1`` for Keras ``same``), zeros at the wrong end
(ONNX SAME_UPPER with ``stride > kernel``), a shorter or longer window
(onnxruntime), a kernel flipped (JAX without ``transpose_kernel``), kernel
input/output channels swapped, output channels permuted, a per-channel
constant offset (a bias missing or wrong), a scale factor, and a layout
transposed (``(N, L, C)`` against ``(N, C, L)``).
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from . import interop, registry
from .diagnose import Diagnosis, diagnose, to_nlc

__all__ = ["Diagnosis", "Report", "check", "compare", "gamma", "unit_roundoff"]

_ROUNDOFF = {"float16": 2.0**-11, "bfloat16": 2.0**-8, "float32": 2.0**-24,
             "float64": 2.0**-53}


def unit_roundoff(dtype: npt.DTypeLike) -> float:
    """Unit round-off ``u`` of a floating-point dtype (half the machine epsilon).

    Integer and bool dtypes hold exact values: 0.  ``"bfloat16"`` is accepted by
    name.  Complex dtypes use their component's.

    Examples
    --------
    >>> unit_roundoff(np.float32) == 2.0**-24
    True
    >>> unit_roundoff("bfloat16")
    0.00390625
    """
    name = getattr(dtype, "name", None) or str(dtype)
    if name in _ROUNDOFF:
        return _ROUNDOFF[name]
    dt = np.dtype(dtype)
    if dt.kind in "biu":
        return 0.0
    if dt.kind in "fc":
        return float(np.finfo(dt).eps) / 2
    raise TypeError(f"`dtype` must be numeric. Received: dtype={dtype!r}")


def gamma(n: int, u: float) -> float:
    """Higham's ``gamma_n = n u / (1 - n u)``: the relative error bound of an ``n``-term sum.

    Examples
    --------
    >>> round(gamma(10, 2.0**-24) / 2.0**-24, 6)
    10.000006
    """
    nu = n * u
    if nu >= 1:
        return float("inf")
    return nu / (1 - nu)


@dataclass(frozen=True)
class Report:
    """The verdict of one comparison (see :func:`compare` for the fields' meaning)."""

    ok: bool
    shapes_equal: bool
    actual_shape: tuple
    expected_shape: tuple
    actual_dtype: str
    expected_dtype: str
    layout: str
    max_abs_error: float
    max_rel_error: float
    worst_index: tuple[int, ...] | None
    worst_actual: float
    worst_expected: float
    worst_tolerance: float
    error_to_tolerance: float
    mismatched: int
    size: int
    unit_roundoff_actual: float
    unit_roundoff_expected: float
    reduction_length: int
    tolerance_basis: str
    diagnoses: tuple = ()
    label: str = ""

    def __bool__(self) -> bool:
        return self.ok

    @property
    def codes(self) -> list[str]:
        """The diagnosis codes, in order."""
        return [d.code for d in self.diagnoses]

    def to_dict(self) -> dict[str, Any]:
        """Everything as plain Python values (JSON-serialisable)."""
        out = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "diagnoses"}
        out["actual_shape"] = list(self.actual_shape)
        out["expected_shape"] = list(self.expected_shape)
        out["worst_index"] = None if self.worst_index is None else list(self.worst_index)
        out["diagnoses"] = [{"code": d.code, "message": d.message, "details": d.details}
                            for d in self.diagnoses]
        return out

    def __str__(self) -> str:
        verdict = "MATCH" if self.ok else "MISMATCH"
        head = f"deconv1d verify: {verdict}" + (f" ({self.label})" if self.label else "")
        eq = "==" if self.shapes_equal else "!="
        lines = [head,
                 (f"  shapes      actual {self.actual_shape} {eq} reference "
                 f"{self.expected_shape}  (layout {self.layout})"),
                 (f"  dtypes      actual {self.actual_dtype} (u = {self.unit_roundoff_actual:.3g}), "
                 f"reference {self.expected_dtype} (u = {self.unit_roundoff_expected:.3g})")]
        if self.shapes_equal and self.size:
            lines += [
                (f"  max error   {self.max_abs_error:.3g} absolute, {self.max_rel_error:.3g} "
                f"relative to max|reference|"),
                (f"  worst at    {list(self.worst_index or ())} (largest error/tol): "
                f"actual {self.worst_actual:.9g}, "
                f"reference {self.worst_expected:.9g}"),
                (f"  tolerance   {self.worst_tolerance:.3g} there = {self.tolerance_basis}, "
                f"n = {self.reduction_length}"),
                (f"  error/tol   {self.error_to_tolerance:.3g} (must be <= 1); "
                f"{self.mismatched} of {self.size} samples beyond tolerance"),
            ]
        for d in self.diagnoses:
            lines.append(textwrap.fill(f"  diagnosis   [{d.code}] {d.message}", width=92,
                                       subsequent_indent=" " * 14,
                                       break_on_hyphens=False))
        return "\n".join(lines)


# --------------------------------------------------------------------------- #
# Public API                                                                  #
# --------------------------------------------------------------------------- #
def _dtype_name(a):
    return str(a.dtype)


def compare(actual: npt.ArrayLike, expected: npt.ArrayLike, *, layout: str = "NLC",
            reduction_length: int | None = None, magnitude: npt.ArrayLike | None = None,
            bias: npt.ArrayLike | None = None, unit_roundoff_actual: float | None = None,
            unit_roundoff_expected: float | None = None,
            candidates: Mapping[str, tuple[npt.ArrayLike, str, str]] | None = None,
            label: str = "") -> Report:
    """Compare an output with a reference under a round-off tolerance, and diagnose.

    Parameters
    ----------
    actual : array_like, shape (N, L, C) (in ``layout`` order)
        The output to judge (e.g. another framework's).
    expected : array_like, same shape
        The reference (e.g. from :mod:`deconv1d.interop` in float64).
    layout : str, default "NLC"
        Axis letters of both arrays: ``"NLC"``, ``"NCL"``, or without ``N``
        for unbatched arrays.  Only the diagnoses need it.
    reduction_length : int, optional
        Terms per output sample, ``K * C_in / groups`` (+1 with a bias).
        Default 1 (storage round-off only).
    magnitude : array_like, optional, same shape as ``expected``
        ``M_i``, the convolution of ``|x|`` and ``|w|`` (and ``|bias|``).
        Default ``max |expected|`` everywhere.
    bias : array_like, shape (C,), optional
        Used only to recognise "no input reaches here" samples and bias errors.
    unit_roundoff_actual, unit_roundoff_expected : float, optional
        Default: from each array's dtype (see :func:`unit_roundoff`).
    candidates : dict, optional
        ``{name: (array, code, message)}``: alternative references ("what the
        output would be if ...") to recognise; :func:`check` supplies them.
    label : str, optional
        Shown in the report's first line.

    Returns
    -------
    Report
        ``ok`` is True iff the shapes are equal and every sample is within
        ``tol_i = (gamma_n(u_actual) + gamma_n(u_expected)) * M_i`` (NaN only
        where the reference is NaN).

    Examples
    --------
    >>> e = np.array([[[1.0], [2.0], [4.0], [2.0]]])
    >>> bool(compare(e + 1e-17, e))
    True
    >>> r = compare(np.array([[[2.0], [4.0], [2.0], [3.0]]]), e)
    >>> r.ok, r.codes
    (False, ['shifted'])
    """
    a = np.asarray(actual)
    e = np.asarray(expected)
    if a.dtype.kind not in "biufc" or e.dtype.kind not in "biufc":
        raise TypeError(
            f"`actual` and `expected` must be numeric arrays. Received dtypes "
            f"{a.dtype} and {e.dtype}"
        )
    if not isinstance(layout, str) or sorted(layout) not in (sorted("NLC"), sorted("LC")):
        raise ValueError(
            f"`layout` must be a permutation of 'NLC' (or of 'LC'). Received: layout={layout!r}"
        )
    if a.ndim != len(layout) or e.ndim != len(layout):
        raise ValueError(
            f"`actual` and `expected` must have rank {len(layout)} for layout={layout!r}. "
            f"Received shapes {a.shape} and {e.shape}"
        )
    n_terms = 1 if reduction_length is None else int(reduction_length)
    if n_terms < 1:
        raise ValueError(
            f"`reduction_length` must be >= 1. Received: reduction_length={reduction_length!r}"
        )
    ua = unit_roundoff(a.dtype) if unit_roundoff_actual is None else float(unit_roundoff_actual)
    ue = unit_roundoff(e.dtype) if unit_roundoff_expected is None else float(unit_roundoff_expected)
    af = a.astype(np.complex128 if a.dtype.kind == "c" else np.float64)
    ef = e.astype(np.complex128 if e.dtype.kind == "c" else np.float64)
    finite = np.abs(ef[np.isfinite(ef)])
    scale = float(finite.max()) if finite.size else 0.0
    m: float | np.ndarray
    if magnitude is None:
        m = scale
        basis = "(gamma_n(u_actual) + gamma_n(u_ref)) * max|reference|"
    else:
        m = np.asarray(magnitude, dtype=np.float64)
        if m.shape != e.shape:
            raise ValueError(
                f"`magnitude` must have the shape of `expected` {e.shape}. "
                f"Received: magnitude with shape {m.shape}"
            )
        basis = "(gamma_n(u_actual) + gamma_n(u_ref)) * sum|x||w|"
    factor = gamma(n_terms, ua) + gamma(n_terms, ue)
    tiny = n_terms * float(np.finfo(np.float64).tiny if ua == 0 else
                           np.finfo(a.dtype if a.dtype.kind == "f" else np.float32).tiny)
    shapes_equal = a.shape == e.shape
    common = {"actual_shape": tuple(a.shape), "expected_shape": tuple(e.shape),
                  "actual_dtype": _dtype_name(a), "expected_dtype": _dtype_name(e), "layout": layout,
                  "unit_roundoff_actual": ua, "unit_roundoff_expected": ue,
                  "reduction_length": n_terms, "tolerance_basis": basis, "label": label}
    nl_bias = None if bias is None else np.asarray(bias, dtype=np.float64)
    if not shapes_equal or a.size == 0:
        diag = () if a.size == 0 and shapes_equal else tuple(diagnose(
            to_nlc(af, layout), to_nlc(ef, layout), factor * scale + tiny, nl_bias,
            None, scale))
        return Report(ok=shapes_equal, shapes_equal=shapes_equal, max_abs_error=float("nan"),
                      max_rel_error=float("nan"), worst_index=None, worst_actual=float("nan"),
                      worst_expected=float("nan"), worst_tolerance=float("nan"),
                      error_to_tolerance=float("nan") if not shapes_equal else 0.0,
                      mismatched=int(a.size) if not shapes_equal else 0, size=int(a.size),
                      diagnoses=diag, **common)
    tol = factor * np.broadcast_to(m, e.shape) + tiny
    err = np.abs(af - ef)
    both_nan = np.isnan(af) & np.isnan(ef)
    err = np.where(both_nan, 0.0, err)
    err = np.where(np.isnan(err), np.inf, err)
    ratio = err / tol
    worst = np.unravel_index(int(np.argmax(ratio)), a.shape)
    bad = ratio > 1
    max_abs = float(err.max())
    ok = not bool(bad.any())
    diag = ()
    if not ok:
        diag = tuple(diagnose(
            to_nlc(af, layout), to_nlc(ef, layout), to_nlc(tol, layout), nl_bias,
            {k: (to_nlc(np.asarray(v[0], np.float64), layout), v[1], v[2])
             for k, v in (candidates or {}).items()}, scale))
    return Report(
        ok=ok, shapes_equal=True, max_abs_error=max_abs,
        max_rel_error=max_abs / scale if scale else (0.0 if max_abs == 0 else float("inf")),
        worst_index=tuple(int(i) for i in worst), worst_actual=float(np.real(af[worst])),
        worst_expected=float(np.real(ef[worst])), worst_tolerance=float(tol[worst]),
        error_to_tolerance=float(ratio[worst]), mismatched=int(bad.sum()), size=int(a.size),
        diagnoses=diag, **common)


def check(framework: str, actual: npt.ArrayLike, x: npt.ArrayLike, w: npt.ArrayLike,
          bias: npt.ArrayLike | None = None, **arguments: Any) -> Report:
    """Check a framework's output against the reference computed from its own call.

    Parameters
    ----------
    framework : {"torch", "onnx", "tf", "jax", "keras"}
    actual : array_like
        The framework's output, in its own layout.
    x, w : array_like
        Its input and weight, in its own layouts (see :mod:`deconv1d.interop`).
    bias : array_like, shape (C_out,), optional
        Not for ``tf`` and ``jax`` (their ops have none).
    **arguments
        The framework's own keyword arguments, as for the matching
        ``deconv1d.interop`` entry point (e.g. ``stride``, ``padding``,
        ``output_padding``, ``groups``, ``dilation`` for ``torch``).

    Returns
    -------
    Report
        The reference is computed in float64; ``M_i`` from ``|x|, |w|, |bias|``;
        ``n = K * C_in / groups`` (+1 with a bias).  Candidates checked on a
        mismatch: the kernel flipped, and its channel axes swapped.

    Examples
    --------
    >>> x = np.ones((1, 1, 3), np.float32)
    >>> w = np.array([[[1.0, 2.0, 3.0]]], np.float32)
    >>> y = np.array([[[2.0, 4.0, 2.0, 4.0, 2.0, 3.0]]], np.float32)
    >>> print(check("torch", y, x, w, stride=2, padding=1, output_padding=1))
    ... # doctest: +NORMALIZE_WHITESPACE
    deconv1d verify: MATCH (torch)
      shapes      actual (1, 1, 6) == reference (1, 1, 6)  (layout NCL)
      dtypes      actual float32 (u = 5.96e-08), reference float64 (u = 1.11e-16)
      max error   0 absolute, 0 relative to max|reference|
      worst at    [0, 0, 0] (largest error/tol): actual 2, reference 2
      tolerance   3.58e-07 there = (gamma_n(u_actual) + gamma_n(u_ref)) * sum|x||w|, n = 3
      error/tol   0 (must be <= 1); 0 of 6 samples beyond tolerance
    """
    found = registry.get(framework)
    key = found.name
    if found.takes_bias:
        positional: tuple[Any, ...] = (x, w, bias)
    elif bias is not None:
        raise ValueError(
            f"`bias`: {key}'s transposed convolution takes no bias; add it to "
            f"the output yourself. Received: bias with shape {np.shape(bias)}"
        )
    else:
        positional = (x, w)
    call = interop.plan(key, *positional, **arguments)
    expected = call.run(dtype=np.float64)
    absb = None if call.bias is None else np.abs(np.asarray(call.bias, np.float64))
    magnitude = call.run(x=np.abs(np.asarray(call.x, np.float64)),
                         kernel=np.abs(np.asarray(call.kernel, np.float64)), bias=absb,
                         dtype=np.float64)
    k = np.asarray(call.kernel, np.float64)
    candidates = {
        "flipped": (call.run(kernel=k[::-1], dtype=np.float64), "kernel_flipped",
                    ("the actual output is the reference with the kernel flipped in time: "
                    "a true convolution instead of the transposed one, or JAX "
                    "lax.conv_transpose without transpose_kernel=True (jax#14337); flip "
                    "the weight's kernel axis ([::-1])")),
    }
    if k.shape[1] == k.shape[2] and k.shape[1] > 1:
        candidates["io_swapped"] = (
            call.run(kernel=k.transpose(0, 2, 1), dtype=np.float64), "kernel_io_swapped",
            ("the actual output is the reference with the kernel's input and output "
            "channel axes swapped: the weight was read as (C_out, C_in, K) "
            "(a Conv1d layout) instead of (C_in, C_out, K)"))
        candidates["flipped_io_swapped"] = (
            call.run(kernel=k[::-1].transpose(0, 2, 1), dtype=np.float64), "kernel_flipped",
            ("the actual output is the reference with the kernel flipped and its channel "
            "axes swapped: JAX transpose_kernel toggled (jax#14337)"))
    if k.shape == k.shape[::-1] and k.shape[0] > 1:
        candidates["layout_reversed"] = (
            call.run(kernel=k.transpose(2, 1, 0), dtype=np.float64), "weight_layout",
            ("the actual output is the reference with the weight's kernel and input-channel "
            "axes exchanged: the weight was given in the other layout (Keras (K, C_out, "
            "C_in) against PyTorch/ONNX (C_in, C_out, K)); transpose it by (2, 1, 0)"))
    actual = np.asarray(actual)
    return compare(actual, expected, layout=call.layout,
                   reduction_length=call.reduction_length, magnitude=magnitude,
                   bias=call.bias, candidates=candidates, label=key)
