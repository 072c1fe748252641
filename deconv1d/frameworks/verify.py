"""Compare another framework's output with the reference, and say why they differ.

:func:`compare` takes two arrays; :func:`check` takes a framework's own inputs,
arguments and output, computes the float64 reference itself (through
:mod:`deconv1d.interop`) and compares.  Both return a :class:`Report` whose
``verdict`` is one of

``"MATCH"``
    every sample within the probabilistic rounding bound, and no pooled evidence;
``"SUSPECT"``
    beyond the probabilistic bound but within the rigorous one, or pooled
    evidence that a kernel entry differs: not explained by rounding, with
    probability at least ``1 - p`` under the rounding model;
``"MISMATCH"``
    beyond the rigorous bound (no summation order can explain it), a non-finite
    disagreement, or different shapes.

``bool(report)`` is True only for ``MATCH``.  The bounds (per output sample:
the products that reach it, Higham's ``gamma_n`` and Higham & Mary's
probabilistic ``lambda sqrt(n) u``) and the pooled test are derived in
``docs/error-bounds.md``; :mod:`.tolerance` and :mod:`.evidence` implement them.
Known patterns are diagnosed by :mod:`.diagnose`.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .. import conv1d_transpose, shapes
from ..core import engine
from . import interop, registry, tolerance
from .diagnose import Context, Diagnosis, LazyOutput, diagnose, to_nlc
from .evidence import Entry, Evidence, pooled, spans
from .tolerance import (
    Arithmetic,
    ProductCounts,
    gamma,
    lambda_for,
    relative_factors,
    storage_roundoff,
    unit_roundoff,
)

__all__ = ["VERDICTS", "Diagnosis", "Entry", "Report", "check", "compare", "gamma",
           "unit_roundoff"]

#: The three verdicts, from best to worst.
VERDICTS = ("MATCH", "SUSPECT", "MISMATCH")

_BLOCK = 1 << 15          # elements per block of the per-sample pass (bounded scratch)


def _finite_or_none(value: Any) -> Any:
    """``value`` with every non-finite float replaced by None (standard JSON)."""
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, dict):
        return {k: _finite_or_none(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite_or_none(v) for v in value]
    if isinstance(value, np.ndarray):
        return _finite_or_none(value.tolist())
    return value


@dataclass(frozen=True)
class Report:
    """The verdict of one comparison (see :func:`compare` for the fields' meaning)."""

    verdict: str
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
    worst_bound: float
    error_to_tolerance: float
    error_to_bound: float
    suspect: int
    mismatched: int
    non_finite: int
    size: int
    arithmetic_actual: str
    unit_roundoff_actual: float
    unit_roundoff_expected: float
    reduction_length: int
    tolerance_basis: str
    false_alarm: float
    pooled_z: float | None = None
    pooled_threshold: float | None = None
    diagnoses: tuple = ()
    label: str = ""

    @property
    def ok(self) -> bool:
        """True only for a ``MATCH`` (the same as ``bool(report)``)."""
        return self.verdict == "MATCH"

    def __bool__(self) -> bool:
        return self.ok

    @property
    def codes(self) -> list[str]:
        """The diagnosis codes, in order."""
        return [d.code for d in self.diagnoses]

    def to_dict(self) -> dict[str, Any]:
        """Everything as plain Python values: standard JSON (non-finite numbers are None).

        ``json.dumps(report.to_dict(), allow_nan=False)`` always succeeds.
        """
        out = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "diagnoses"}
        out["ok"] = self.ok
        out["diagnoses"] = [{"code": d.code, "message": d.message, "details": d.details}
                            for d in self.diagnoses]
        return _finite_or_none(out)

    def __str__(self) -> str:
        head = f"deconv1d verify: {self.verdict}" + (f" ({self.label})" if self.label else "")
        eq = "==" if self.shapes_equal else "!="
        lines = [head,
                 (f"  shapes      actual {self.actual_shape} {eq} reference "
                  f"{self.expected_shape}  (layout {self.layout})"),
                 (f"  dtypes      actual {self.actual_dtype} computed in "
                  f"{self.arithmetic_actual} (u = {self.unit_roundoff_actual:.3g}), "
                  f"reference {self.expected_dtype} (u = {self.unit_roundoff_expected:.3g})")]
        if self.shapes_equal and self.size:
            lines += [
                (f"  max error   {self.max_abs_error:.3g} absolute, {self.max_rel_error:.3g} "
                 f"relative to max|reference|"),
                (f"  worst at    {list(self.worst_index or ())} (largest error/tol): "
                 f"actual {self.worst_actual:.9g}, reference {self.worst_expected:.9g}"),
                f"  tolerance   {self.worst_tolerance:.3g} there; {self.tolerance_basis}",
                (f"  error/tol   {self.error_to_tolerance:.3g} (MATCH needs <= 1); "
                 f"{self.suspect} of {self.size} samples beyond tolerance"
                 + (f", {self.mismatched} beyond the rigorous bound"
                    if math.isfinite(self.worst_bound) else "")
                 + (f", {self.non_finite} non-finite disagreements" if self.non_finite
                    else "")),
            ]
            if self.pooled_z is not None:
                lines.append(f"  pooled      max |z| = {self.pooled_z:.3g} over the kernel "
                             f"entries, threshold {self.pooled_threshold:.3g} "
                             f"(false alarm <= {self.false_alarm:.0e})")
        for d in self.diagnoses:
            lines.append(textwrap.fill(f"  diagnosis   [{d.code}] {d.message}", width=92,
                                       subsequent_indent=" " * 14,
                                       break_on_hyphens=False))
        return "\n".join(lines)


class _Lazy(Mapping):
    """Candidates made one at a time, only when the diagnosis asks for them; each a
    :class:`LazyOutput` (N, L, C), itself computed a block at a time when compared."""

    def __init__(self, makers: dict[str, tuple[Callable[[], LazyOutput], str, str]]) -> None:
        self._makers = makers

    def __getitem__(self, key: str) -> tuple[LazyOutput, str, str]:
        make, code, message = self._makers[key]
        return make(), code, message

    def __iter__(self) -> Iterator[str]:
        return iter(self._makers)

    def __len__(self) -> int:
        return len(self._makers)


def _widened(a: np.ndarray) -> np.ndarray:
    """``a`` itself when NumPy computes with its dtype, else float64 (bfloat16, complex)."""
    return a if a.dtype.kind in "fiu" and a.dtype.name != "bfloat16" else _float(a)


def _dtype_name(a: np.ndarray) -> str:
    return str(a.dtype)


def _as_numeric(name: str, value: npt.ArrayLike) -> np.ndarray:
    a = np.asarray(value)
    if a.dtype.name == "bfloat16":           # ml_dtypes, as JAX hands it to NumPy
        return a
    if a.dtype.kind not in "biufc":
        raise TypeError(f"`{name}` must be a numeric array. Received: dtype {a.dtype}")
    return a


def _float(a: np.ndarray) -> np.ndarray:
    """``a`` in float64 (complex128 if complex): ``a`` itself when it already is."""
    return a.astype(np.complex128 if a.dtype.kind == "c" else np.float64, copy=False)


def _arith(spec: Any, u: float | None, dtype: Any, name: str) -> Arithmetic:
    if spec is not None and u is not None:
        raise ValueError(f"give `{name}` or its unit roundoff, not both")
    return tolerance.arithmetic(spec if u is None else float(u), dtype)


def _dt(a: np.ndarray) -> Any:
    return "bfloat16" if a.dtype.name == "bfloat16" else a.dtype


def arithmetic_of(spec: str | float | None, a: np.ndarray) -> Arithmetic:
    """The declared arithmetic, or the one of ``a``'s dtype (bfloat16 known by name)."""
    return tolerance.arithmetic(spec, _dt(a))


def _from_nlc(a: np.ndarray, layout: str) -> np.ndarray:
    """The inverse of :func:`to_nlc`: an (N, L, C) array (a view) in ``layout``."""
    letters = layout if "N" in layout else "N" + layout
    out = a.transpose(["NLC".index(c) for c in letters])
    return out if "N" in layout else out[0]


#: The per-sample pass works in blocks of ``evidence.BLOCK / 8`` samples: its dozen
#: temporaries then stay in the cache (measured 1.5x faster than whole blocks).
_SAMPLE_SHARE = 8


def _compact(a: np.ndarray) -> np.ndarray:
    """A broadcast view cut to length 1 along its zero-stride axes (still broadcastable)."""
    return a[tuple(slice(0, 1) if st == 0 and n > 1 else slice(None)
                   for st, n in zip(a.strides, a.shape))]


def _place(layout: str, n: int, t: int, c: int) -> tuple[int, ...]:
    """An (N, L, C) index as an index in ``layout``'s axis order."""
    where = {"N": n, "L": t, "C": c}
    return tuple(where[letter] for letter in layout)


def _lambda(terms: ProductCounts | None, shape: tuple[int, ...], shapes_equal: bool, size: int,
            false_alarm: float) -> float:
    """Higham & Mary's ``lambda`` for ``p / 2`` over every term of every sample of both sides
    (``shape`` in (N, L, C))."""
    if terms is None or not shapes_equal:
        return lambda_for(false_alarm / 2, 2 * size)
    return lambda_for(false_alarm / 2, 2 * terms.total(shape))


class _Magnitude:
    """``M = sum |x||w|`` (+ ``|bias|``) per sample, in blocks of (N, L, C), as float64.

    Either given whole (``compare``'s ``magnitude``) or, for :func:`check`, an
    upper bound computed in float32 (see :func:`_magnitude`): ``block`` returns
    ``(values + slack) * factor * 2**exponent``, every sample at least the
    exact ``M`` in the units of the (scaled) reference.
    """

    def __init__(self, values: np.ndarray, exponent: int = 0, slack: float = 0.0,
                 factor: float = 1.0, finite: bool | None = None) -> None:
        self.values, self.exponent, self.slack, self.factor = values, exponent, slack, factor
        self.finite = finite

    def block(self, n0: int, n1: int, t0: int, t1: int, channels: slice = slice(None),
              times: np.ndarray | None = None) -> np.ndarray:
        """Samples ``(n0:n1, t0:t1, channels)``, each times ``times`` (broadcastable,
        e.g. per time step) when given: one pass over the block either way."""
        part = self.values[n0:n1, t0:t1, channels]
        scale = math.ldexp(self.factor, self.exponent)
        if times is not None:
            scale = np.multiply(times, scale)
        elif not self.slack and scale == 1.0:
            return np.array(part, dtype=np.float64)
        out = np.add(part, self.slack, dtype=np.float64)
        out *= scale
        return out

    def parts(self) -> tuple[np.ndarray, float, float]:
        """``(values, slack, factor * 2**exponent)``: a block is ``(values + slack) * factor``."""
        return self.values, self.slack, math.ldexp(self.factor, self.exponent)

    def all_finite(self) -> bool:
        if self.finite is None:
            self.finite = all(bool(np.isfinite(self.values[n0:n1, t0:t1]).all())
                              for n0, n1, t0, t1 in spans(self.values.shape))
        return self.finite


def _u_store(ar_a: Arithmetic, a: np.ndarray) -> float:
    """The roundoff of storing the result in ``a``'s dtype (0 if no narrower)."""
    return storage_roundoff(ar_a, a.dtype) if a.dtype.name != "bfloat16" else \
        (2.0**-8 if 2.0**-8 > ar_a.u_accumulate else 0.0)


def _judge(a: np.ndarray, e: np.ndarray, *, layout: str, magnitude: _Magnitude | None,
           exponent: int, terms: ProductCounts | None, ar_a: Arithmetic, ar_e: Arithmetic,
           inputs_rounded: bool, false_alarm: float, rtol: float | None, atol: float | None,
           bias: np.ndarray | None, candidates: Mapping | None, label: str,
           pooled_test: Callable[[bool], Evidence | None] | None = None,
           expected_dtype: str | None = None, context: Context | None = None) -> Report:
    """The per-sample pass (in blocks), then the pooled test, then the diagnoses."""
    shapes_equal = a.shape == e.shape
    u_store = _u_store(ar_a, a)
    explicit = rtol is not None or atol is not None
    size = int(a.size)
    n_max = 1 if terms is None else terms.peak
    lam = _lambda(terms, tuple(to_nlc(e, layout).shape), shapes_equal, size, false_alarm)
    if explicit:
        basis = f"explicit: |a - e| <= atol + rtol |e| with atol={atol or 0:g}, rtol={rtol or 0:g}"
    elif magnitude is not None and terms is not None:
        basis = (f"per sample: n_i products (n <= {n_max}) and sum|x||w| from the inputs; "
                 f"probabilistic bound (Higham & Mary, lambda = {lam:.3g}), "
                 "rigorous bound gamma_n (Higham)")
    else:
        basis = ("no rounding bound without x and w (sums may cancel): SUSPECT beyond "
                 "sqrt(u_actual + u_ref) * max|reference|, MISMATCH only for non-finite "
                 "or shape disagreements; verify.check gives the bounds")
    common: dict[str, Any] = {"actual_shape": tuple(a.shape), "expected_shape": tuple(e.shape),
              "actual_dtype": _dtype_name(a), "expected_dtype": expected_dtype or _dtype_name(e),
              "layout": layout, "arithmetic_actual": ar_a.name,
              "unit_roundoff_actual": ar_a.u_accumulate,
              "unit_roundoff_expected": ar_e.u_accumulate, "reduction_length": n_max,
              "tolerance_basis": basis, "false_alarm": false_alarm, "label": label}
    nl_bias = None if bias is None else np.asarray(bias, dtype=np.float64)
    with_model = magnitude is not None and terms is not None and not explicit

    def largest_finite(values: np.ndarray) -> float:
        top = 0.0
        for n0, n1, t0, t1 in spans(values.shape):
            blk = np.abs(values[n0:n1, t0:t1])
            blk = blk[np.isfinite(blk)]
            if blk.size:
                top = max(top, float(blk.max()))
        return top

    e_n = to_nlc(e, layout)
    scale = 0.0
    if not with_model or not shapes_equal:
        scale = largest_finite(e_n) if e.size else 0.0
    if not shapes_equal or size == 0:
        early: tuple = ()
        if not shapes_equal:
            early = tuple(diagnose(to_nlc(_float(a), layout), to_nlc(_float(e), layout),
                                  max(scale, 1e-300) * 1e-6, nl_bias, None, scale, context))
        nan = float("nan")
        return Report(verdict="MATCH" if shapes_equal else "MISMATCH",
                      shapes_equal=shapes_equal, max_abs_error=nan, max_rel_error=nan,
                      worst_index=None, worst_actual=nan, worst_expected=nan,
                      worst_tolerance=nan, worst_bound=nan,
                      error_to_tolerance=0.0 if shapes_equal else nan,
                      error_to_bound=0.0 if shapes_equal else nan, suspect=0,
                      mismatched=0 if shapes_equal else size, non_finite=0, size=size,
                      diagnoses=early, **common)
    a_n = to_nlc(a, layout)
    if with_model:
        assert terms is not None and magnitude is not None
    else:
        rel = math.sqrt(ar_a.u_accumulate + ar_e.u_accumulate) if not explicit else 0.0
    worst_key, worst = -1.0, (0,) * e.ndim
    worst_tol = worst_bnd = 0.0
    max_tol = 0.0
    max_abs = 0.0
    max_to_bound = 0.0
    n_suspect = n_mismatch = n_nonfinite = 0
    nonfinite_at: list[tuple[int, ...]] = []
    # The common case, every sample of a block finite (real arrays, a rounding model with
    # a positive floor): tol = A_t M_t + B_t with A, B per time step, in a few passes.
    fast = with_model and a.dtype.kind != "c" and e.dtype.kind != "c"
    if fast:
        assert magnitude is not None and terms is not None
        raw, m_slack, m_factor = magnitude.parts()
        subnormals = ar_a.subnormal + ar_e.subnormal

    def coefficients(nb: np.ndarray) -> tuple[np.ndarray, ...]:
        """``tol = A M + B`` and ``bound = A' M + B'`` per sample, from its counts."""
        nb = np.asarray(nb, np.float64)
        floor_b = 2 * nb * subnormals
        a_t = np.ldexp((relative_factors(nb, ar_a, inputs_rounded, u_store, lam)
                        + relative_factors(nb, ar_e, False, 0.0, lam)) * m_factor, exponent)
        a_b = np.ldexp((relative_factors(nb, ar_a, inputs_rounded, u_store, None)
                        + relative_factors(nb, ar_e, False, 0.0, None)) * m_factor, exponent)
        return a_t, a_t * m_slack + floor_b, a_b, a_b * m_slack + floor_b

    for n0, n1, t0, t1 in spans(e_n.shape, share=_SAMPLE_SHARE):
        if fast:
            assert terms is not None
            ab, eb = a_n[n0:n1, t0:t1], e_n[n0:n1, t0:t1]
            err = np.subtract(ab, eb, dtype=np.float64)
            np.abs(err, out=err)
            top_err = float(err.max()) if err.size else 0.0
            a_tol, b_tol, a_bnd, b_bnd = terms.mapped(coefficients, n0, n1, t0, t1)
            if math.isfinite(top_err) and float(b_tol.min(initial=1.0)) > 0 and \
                    float(b_bnd.min(initial=1.0)) > 0:   # every sample finite, tol > 0
                if err.size:
                    scale = max(scale, abs(float(eb.max())), abs(float(eb.min())))
                mb = raw[n0:n1, t0:t1]
                tol = np.multiply(mb, a_tol, dtype=np.float64)
                tol += b_tol
                if tol.size:
                    max_tol = max(max_tol, float(tol.max()))
                ratio = np.divide(err, tol, out=tol)
                j = int(np.argmax(ratio)) if ratio.size else 0
                top = float(ratio.flat[j]) if ratio.size else 0.0
                if top > 1:
                    n_suspect += int(np.count_nonzero(ratio > 1))
                bnd = np.multiply(mb, a_bnd, dtype=np.float64)
                bnd += b_bnd
                to_bound = np.divide(err, bnd, out=bnd)
                if to_bound.size:
                    top_bound = float(to_bound.max())
                    max_to_bound = max(max_to_bound, top_bound)
                    if top_bound > 1:
                        n_mismatch += int(np.count_nonzero(to_bound > 1))
                max_abs = max(max_abs, top_err)
                if ratio.size and top > worst_key:
                    worst_key = top
                    local = np.unravel_index(j, err.shape)
                    at = tuple(0 if a_tol.shape[i] == 1 else local[i] for i in range(3))
                    m_at = float(mb[local])
                    worst_tol = m_at * float(a_tol[at]) + float(b_tol[at])
                    worst_bnd = m_at * float(a_bnd[at]) + float(b_bnd[at])
                    worst = _place(layout, int(local[0]) + n0, int(local[1]) + t0,
                                   int(local[2]))
                continue
        ab, eb = _float(a_n[n0:n1, t0:t1]), e_n[n0:n1, t0:t1]
        if eb.dtype not in (np.float64, np.complex128):
            eb = _float(eb)
        fa, fe = np.isfinite(ab), np.isfinite(eb)
        both = fa & fe
        same = ~fa & ~fe & ((np.isnan(ab) & np.isnan(eb)) | (ab == eb))
        bad_nf = ~both & ~same
        err = np.where(both, np.abs(ab - eb), 0.0)
        if with_model:
            assert magnitude is not None
            top = np.abs(eb[fe])
            if top.size:
                scale = max(scale, float(top.max()))
            assert terms is not None
            nb = terms.block(n0, n1, t0, t1)
            m = magnitude.block(n0, n1, t0, t1)
            floor = 2 * np.asarray(nb, np.float64) * (ar_a.subnormal + ar_e.subnormal)
            tol = relative_factors(nb, ar_a, inputs_rounded, u_store, lam) + \
                relative_factors(nb, ar_e, False, 0.0, lam)
            tol = np.ldexp(tol * m, exponent)
            tol += floor
            bnd = relative_factors(nb, ar_a, inputs_rounded, u_store, None) + \
                relative_factors(nb, ar_e, False, 0.0, None)
            bnd = np.multiply(bnd, m, out=m)
            bnd = np.ldexp(bnd, exponent, out=bnd) if exponent else bnd
            bnd += floor
        elif explicit:
            tol = bnd = (atol or 0.0) + (rtol or 0.0) * np.abs(np.where(both, eb, 0.0))
        else:
            tol = np.full(err.shape, rel * scale)
            bnd = np.full(err.shape, np.inf)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(err > tol, err / tol, np.where(tol > 0, err / tol, 0.0))
            to_bound = np.where(err > bnd, np.where(bnd > 0, err / bnd, np.inf),
                                np.where(bnd > 0, err / bnd, 0.0))
        ratio = np.where(bad_nf, np.inf, ratio)
        n_nf = int(bad_nf.sum())
        if n_nf:
            n_nonfinite += n_nf
            spots = [_place(layout, int(i) + n0, int(j) + t0, int(c))
                     for i, j, c in np.argwhere(bad_nf)]
            nonfinite_at = sorted(nonfinite_at + spots)[:8]
        n_suspect += int(np.count_nonzero(ratio > 1))
        beyond = (err > bnd) & both
        n_mismatch += int(np.count_nonzero(beyond))
        if err.size:
            finite_tol = tol[np.isfinite(tol)]
            if finite_tol.size:
                max_tol = max(max_tol, float(finite_tol.max()))
            max_abs = max(max_abs, float(err.max()))
            max_to_bound = max(max_to_bound, float(to_bound.max()))
            j = int(np.argmax(ratio))
            if float(ratio.flat[j]) > worst_key:
                worst_key = float(ratio.flat[j])
                local = np.unravel_index(j, err.shape)
                worst = _place(layout, int(local[0]) + n0, int(local[1]) + t0, int(local[2]))
                worst_tol = float(np.broadcast_to(tol, err.shape)[local])
                worst_bnd = float(np.broadcast_to(bnd, err.shape)[local])
    if n_nonfinite or n_mismatch or (explicit and n_suspect):
        verdict = "MISMATCH"
    elif n_suspect:
        verdict = "SUSPECT"
    else:
        verdict = "MATCH"
    evidence = None
    if pooled_test is not None and n_nonfinite == 0:
        evidence = pooled_test(verdict != "MATCH")
        if evidence is not None and evidence.suspect and verdict == "MATCH":
            verdict = "SUSPECT"
    diag: list[Diagnosis] = []
    if n_nonfinite:
        diag.append(Diagnosis(
            "non_finite",
            f"{n_nonfinite} sample(s) disagree in a non-finite value (inf against a number, "
            f"inf of the other sign, or nan against anything but nan), first at "
            f"{[list(p) for p in nonfinite_at]} (in the arrays' layout)",
            {"count": n_nonfinite, "positions": [list(p) for p in nonfinite_at]}))
    elif verdict != "MATCH":
        located = evidence.located if evidence is not None else ()
        if n_suspect:
            # The pattern diagnoses compare against the largest tolerance (a scalar).
            found = diagnose(to_nlc(_widened(a), layout), to_nlc(_widened(e), layout),
                             max_tol, nl_bias, candidates, scale, context)
            if located and found and found[0].code == "unknown":
                found = []
            diag.extend(found)
        if located:
            diag.append(Diagnosis(
                "kernel_entries",
                "the residual is explained by " + "; ".join(str(x) for x in located)
                + " (weighted least squares on the residual, the remainder at noise level)",
                {"entries": [{"k": x.k, "out": x.out, "in": x.in_, "value": x.value,
                              "delta": x.delta} for x in located]}))
        elif evidence is not None and evidence.suspect and not n_suspect:
            diag.append(Diagnosis(
                "pooled",
                f"every sample is within its rounding bound, but pooled over the outputs the "
                f"residual correlates with the kernel entries (max |z| = "
                f"{evidence.z_max:.3g} > {evidence.threshold:.3g}): not rounding, with "
                f"probability at least 1 - {false_alarm:g}; no few entries explain it",
                {"z_max": evidence.z_max, "threshold": evidence.threshold}))
    ew = e[worst]
    aw = a[worst]
    return Report(
        verdict=verdict, shapes_equal=True, max_abs_error=max_abs,
        max_rel_error=max_abs / scale if scale else (0.0 if max_abs == 0 else math.inf),
        worst_index=worst, worst_actual=float(np.real(np.asarray(aw, np.complex128))),
        worst_expected=float(np.real(ew)), worst_tolerance=worst_tol, worst_bound=worst_bnd,
        error_to_tolerance=max(worst_key, 0.0), error_to_bound=max_to_bound,
        suspect=n_suspect, mismatched=n_mismatch, non_finite=n_nonfinite, size=size,
        pooled_z=None if evidence is None else evidence.z_max,
        pooled_threshold=None if evidence is None else evidence.threshold,
        diagnoses=tuple(diag), **common)


# --------------------------------------------------------------------------- #
# Public API                                                                  #
# --------------------------------------------------------------------------- #
def compare(actual: npt.ArrayLike, expected: npt.ArrayLike, *, layout: str = "NLC",
            reduction_length: int | npt.ArrayLike | None = None,
            magnitude: npt.ArrayLike | None = None, bias: npt.ArrayLike | None = None,
            arithmetic: str | float | None = None,
            arithmetic_expected: str | float | None = None,
            unit_roundoff_actual: float | None = None,
            unit_roundoff_expected: float | None = None,
            rtol: float | None = None, atol: float | None = None,
            false_alarm: float = 1e-6,
            candidates: Mapping[str, tuple[npt.ArrayLike, str, str]] | None = None,
            label: str = "") -> Report:
    """Compare an output with a reference under rounding bounds, and diagnose.

    Parameters
    ----------
    actual : array_like, shape (N, L, C) (in ``layout`` order)
        The output to judge (e.g. another framework's); bfloat16 accepted.
    expected : array_like, same shape
        The reference (e.g. from :mod:`deconv1d.interop` in float64).
    layout : str, default "NLC"
        Axis letters of both arrays: ``"NLC"``, ``"NCL"``, or without ``N``.
    reduction_length : int or array_like broadcastable to ``expected``, optional
        ``n_i``, the products reaching each sample (+1 with a bias).
    magnitude : array_like, same shape as ``expected``, optional
        ``M_i = sum |x||w|`` (+``|bias|``) per sample.  With ``reduction_length``
        it gives the rounding bounds; without both, no rounding bound exists
        and differences are SUSPECT at most (judged against
        ``sqrt(u_actual + u_ref) * max|expected|``; the report says so).
    bias : array_like, shape (C,), optional
        Used only by the diagnoses (bias missing, added twice ...).
    arithmetic, arithmetic_expected : str or float, optional
        The arithmetic each side was computed in: ``"float64"``, ``"float32"``,
        ``"tf32"``, ``"float16"``, ``"bfloat16"`` or a unit roundoff.  Default:
        each array's dtype.
    unit_roundoff_actual, unit_roundoff_expected : float, optional
        The same as a number (kept for compatibility).
    rtol, atol : float, optional
        A fixed tolerance instead: MATCH where ``|a - e| <= atol + rtol |e|``,
        else MISMATCH.
    false_alarm : float, default 1e-6
        ``p``: the probability, under Higham & Mary's rounding model, that a
        correct output is called SUSPECT.
    candidates : dict, optional
        ``{name: (array, code, message)}``: alternative references ("what the
        output would be if ...") to recognise on a failure.
    label : str, optional
        Shown in the report's first line.

    Returns
    -------
    Report

    Examples
    --------
    >>> e = np.array([[[1.0], [2.0], [4.0], [2.0]]])
    >>> compare(e + 1e-17, e).verdict
    'MATCH'
    >>> r = compare(np.array([[[2.0], [4.0], [2.0], [3.0]]]), e)
    >>> r.verdict, r.codes
    ('SUSPECT', ['shifted'])
    >>> y = np.array([[np.inf], [np.nan], [-np.inf], [1.0]])       # (L, C)
    >>> compare(y, y, layout="LC").verdict
    'MATCH'
    >>> r = compare(np.array([[np.inf], [0.0], [-np.inf], [1.0]]), y, layout="LC")
    >>> r.verdict, r.codes, r.diagnoses[0].details["positions"]
    ('MISMATCH', ['non_finite'], [[1, 0]])
    """
    a = _as_numeric("actual", actual)
    e = _as_numeric("expected", expected)
    if not isinstance(layout, str) or sorted(layout) not in (sorted("NLC"), sorted("LC")):
        raise ValueError(
            f"`layout` must be a permutation of 'NLC' (or of 'LC'). Received: layout={layout!r}"
        )
    if a.ndim != len(layout) or e.ndim != len(layout):
        raise ValueError(
            f"`actual` and `expected` must have rank {len(layout)} for layout={layout!r}. "
            f"Received shapes {a.shape} and {e.shape}"
        )
    for name, value in (("rtol", rtol), ("atol", atol)):
        if value is not None and not (isinstance(value, int | float) and value >= 0):
            raise ValueError(f"`{name}` must be a number >= 0. Received: {name}={value!r}")
    if not (isinstance(false_alarm, float | int) and 0 < false_alarm < 1):
        raise ValueError(f"`false_alarm` must be in (0, 1). Received: {false_alarm!r}")
    ar_a = _arith(arithmetic, unit_roundoff_actual, _dt(a), "arithmetic")
    ar_e = _arith(arithmetic_expected, unit_roundoff_expected, _dt(e), "arithmetic_expected")
    terms = None
    if reduction_length is not None:
        terms = np.asarray(reduction_length)
        if terms.dtype.kind not in "iuf" or np.any(terms < 0) or \
                (terms.ndim == 0 and terms < 1):
            raise ValueError(f"`reduction_length` must be >= 1. Received: "
                             f"reduction_length={reduction_length!r}")
        try:
            np.broadcast_to(terms, e.shape)
        except ValueError:
            raise ValueError(f"`reduction_length` must broadcast to {e.shape}. Received: "
                             f"shape {terms.shape}") from None
    m = None
    if magnitude is not None:
        m = np.asarray(magnitude, dtype=np.float64)
        if m.shape != e.shape:
            raise ValueError(
                f"`magnitude` must have the shape of `expected` {e.shape}. "
                f"Received: magnitude with shape {m.shape}"
            )
    cands = None if candidates is None else {
        k: (to_nlc(np.asarray(v[0], np.float64), layout), v[1], v[2])
        for k, v in candidates.items()}
    counts = None if terms is None else ProductCounts(
        _compact(to_nlc(np.broadcast_to(terms, e.shape), layout)))
    return _judge(a, e, layout=layout,
                  magnitude=None if m is None else _Magnitude(to_nlc(m, layout)),
                  exponent=0, terms=counts,
                  ar_a=ar_a, ar_e=ar_e, inputs_rounded=True, false_alarm=float(false_alarm),
                  rtol=rtol, atol=atol, bias=None if bias is None else np.asarray(bias),
                  candidates=cands, label=label, expected_dtype=_dtype_name(e))


def _widen(v: npt.ArrayLike) -> npt.ArrayLike:
    """bfloat16 as float32 (exact); anything else unchanged."""
    a = np.asarray(v)
    return a.astype(np.float32) if a.dtype.name == "bfloat16" else v


def _scaled(a: np.ndarray, exponent: int) -> np.ndarray:
    """``a * 2**exponent``, in place (exact unless it overflows or underflows)."""
    if exponent:
        np.ldexp(a, exponent, out=a)
    return a


def _extent(values: np.ndarray) -> tuple[int, bool]:
    """A power-of-two exponent that brings ``max|values|`` over the finite values near 1
    (0 if all are zero), and whether every value is finite: one pass for each of the
    maximum and the minimum."""
    if not values.size:
        return 0, True
    top = max(abs(float(values.max())), abs(float(values.min())))
    finite = math.isfinite(top)
    if not finite:                      # ignore the non-finite values (rare: a copy)
        kept = np.abs(values[np.isfinite(values)])
        top = float(kept.max()) if kept.size else 0.0
    return (int(np.frexp(top)[1]) if top > 0 else 0), finite


def _shares(e: np.ndarray) -> np.ndarray | None:
    """``1 / m_t``, ``m_t`` the samples of ``t``'s channel with the same value (all rows),
    in float32 (one array of the output's size); None when no value repeats."""
    share = np.ones(e.shape, np.float32)
    repeats = False
    for c in range(e.shape[2]):
        values = e[:, :, c].ravel()
        _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
        if counts.size < values.size:
            repeats = True
            share[:, :, c] = (1.0 / counts[inverse]).reshape(e.shape[:2])
    return share if repeats else None


#: float32's unit roundoff, and the largest absolute error of one float32 rounding on
#: underflow (a flush to zero included): the float32 magnitude's correction.
_U32, _ETA32 = 2.0**-24, 2.0**-126


def _magnitude(xs: np.ndarray, x_exponent: int, k64: np.ndarray, b64: np.ndarray | None,
               call: Any, n_max: int, *, fx: int, fw: int, finite: bool) -> _Magnitude:
    """An upper bound of ``M = sum |x||w| (+ |b|)`` per sample, (N, L, C), held in float32.

    ``x * 2**x_exponent``, ``k64`` and ``b64`` in the units of the reference.  All
    terms are >= 0, so a float32 result cannot cancel: with ``|x|`` and ``|w|``
    scaled by powers of two to at most 1 and every one of the at most ``n + 2``
    roundings on a term's path relative (``u = 2**-24``) or, on underflow, absolute
    (``2**-126``), the computed ``s`` satisfies ``s >= (1 - gamma_{n+2}) M -
    4 n 2**-126``; :class:`_Magnitude` returns ``(s + 4 (n + 1) 2**-126) /
    (1 - gamma_{n+3})``, at least ``M`` (the extra term covers the float64
    arithmetic of the correction).  Computed one block of output at a time from
    the inputs that reach it, so that only the float32 result is held whole.
    Non-finite inputs, or a bias too large for float32 beside the scaled
    products: float64 (the old way), ``M`` itself.

    ``fx`` and ``fw`` are the exponents of ``max|x * 2**x_exponent|`` and
    ``max|k64|`` (as :func:`_extent` gives them), ``finite`` whether both are
    all finite: the caller has read them already.
    """
    bias = None if b64 is None else np.abs(b64)
    s, d, groups = call.stride, call.dilation, call.groups
    k_size = k64.shape[0]
    full = (xs.shape[1] - 1) * s + (k_size - 1) * d + 1
    shape = (xs.shape[0], full - call.crop_left - call.crop_right, k64.shape[1] * groups)
    finite = finite and (bias is None or bool(np.isfinite(bias).all()))
    ba = None if bias is None else np.ldexp(bias, -fx - fw)
    if not finite or (ba is not None and ba.size and float(ba.max()) > 2.0**64):
        values = conv1d_transpose(np.abs(np.ldexp(xs, x_exponent, dtype=np.float64)),
                                  np.abs(k64), s,
                                  shapes.Window(call.crop_left, call.crop_right),
                                  dilation=d, groups=groups, bias=bias)
        return _Magnitude(values)
    # |k64| 2**-fw rounded once to float32 (the scaling is exact in float64), in
    # k64's memory order, so that the engine reads it without a copy.
    w32 = np.empty_like(k64, dtype=np.float32)
    scale = math.ldexp(1.0, -fw)
    if 2.0**-1022 <= scale < math.inf:     # a normal power of two: an exact multiplication
        np.multiply(k64, scale, out=w32, casting="same_kind")
    else:
        np.ldexp(k64, -fw, out=w32, casting="same_kind")
    np.abs(w32, out=w32)
    b32 = None if ba is None else ba.astype(np.float32)
    out = np.empty(shape, np.float32)
    reach = (k_size - 1) * d
    for n0, n1, t0, t1 in spans(shape):
        p0, p1 = t0 + call.crop_left, t1 + call.crop_left      # full-scatter positions
        i0, i1 = max(0, -(-(p0 - reach) // s)), min(xs.shape[1], (p1 - 1) // s + 1)
        if i1 <= i0:                    # no input reaches this block
            out[n0:n1, t0:t1] = 0.0 if b32 is None else b32
            continue
        part = np.abs(xs[n0:n1, i0:i1])
        if part.dtype != np.float32:       # exact in float64 first (float16, integers)
            part = np.ldexp(part, x_exponent - fx, dtype=np.float64).astype(np.float32)
        else:
            part = np.ldexp(part, x_exponent - fx, out=part)
        span = (i1 - i0 - 1) * s + reach + 1
        block_window = shapes.Window(p0 - i0 * s, span - (p1 - i0 * s))
        out[n0:n1, t0:t1] = conv1d_transpose(part, w32, s, block_window, dilation=d,
                                             groups=groups, bias=b32)
    n = n_max + 3
    return _Magnitude(out, exponent=fx + fw, slack=4 * (n_max + 1) * _ETA32,
                      factor=1.0 / (1.0 - float(gamma(n, _U32))), finite=True)


def check(framework: str, actual: npt.ArrayLike, x: npt.ArrayLike, w: npt.ArrayLike,
          bias: npt.ArrayLike | None = None, *, arithmetic: str | float | None = None,
          rtol: float | None = None, atol: float | None = None, false_alarm: float = 1e-6,
          given_bias: np.ndarray | None = None, **arguments: Any) -> Report:
    """Check a framework's output against the reference computed from its own call.

    Parameters
    ----------
    framework : {"torch", "onnx", "tf", "jax", "keras"}
    actual : array_like
        The framework's output, in its own layout (bfloat16 accepted).
    x, w : array_like
        Its input and weight, in its own layouts (see :mod:`deconv1d.interop`).
    bias : array_like, shape (C_out,), optional
        Not for ``tf`` and ``jax`` (their ops have none).
    arithmetic : str or float, optional
        What the framework computed in: ``"float64"``, ``"float32"``, ``"tf32"``
        (inputs rounded to 10-bit mantissas, float32 accumulation),
        ``"float16"``, ``"bfloat16"`` or a unit roundoff.  Default: the output's
        dtype.
    rtol, atol : float, optional
        A fixed tolerance instead of the rounding model (MATCH or MISMATCH only).
    false_alarm : float, default 1e-6
        ``p``: the probability that a correct output is called SUSPECT (half
        for the per-sample bounds, half for the pooled test).
    **arguments
        The framework's own keyword arguments, as for the matching
        ``deconv1d.interop`` entry point.
    given_bias : ndarray, optional
        Internal: a bias the call could not take (its layer was grouped); only
        the diagnosis uses it.

    Returns
    -------
    Report
        The reference is computed in float64 (scaled by powers of two so that
        it cannot overflow unless the true result does); per sample, ``n_i``
        products from the geometry and ``M_i = sum |x||w|``; on a MATCH of
        every sample, the pooled test over the kernel entries; on a failure,
        the pattern diagnoses, with "what if" references computed one at a time.

    Examples
    --------
    >>> x = np.ones((1, 1, 3), np.float32)
    >>> w = np.array([[[1.0, 2.0, 3.0]]], np.float32)
    >>> y = np.array([[[2.0, 4.0, 2.0, 4.0, 2.0, 3.0]]], np.float32)
    >>> r = check("torch", y, x, w, stride=2, padding=1, output_padding=1)
    >>> r.verdict, r.reduction_length
    ('MATCH', 2)
    >>> flipped = np.array([[[2.0, 4.0, 2.0, 4.0, 2.0, 1.0]]], np.float32)   # w[::-1]
    >>> check("torch", flipped, x, w, stride=2, padding=1, output_padding=1).codes
    ['kernel_flipped']
    """
    found = registry.get(framework)
    key = found.name
    # bfloat16 inputs (ml_dtypes, from JAX) hold float32 values exactly; remember their
    # roundoff for the input-rounding term.
    given = [v for v in (x, w, bias) if v is not None]
    input_u = [unit_roundoff(_dt(np.asarray(v))) for v in given]
    x, w = (_widen(v) for v in (x, w))
    bias = None if bias is None else _widen(bias)
    if found.takes_bias:
        positional: tuple[Any, ...] = (x, w, bias)
    elif bias is not None:
        raise ValueError(
            f"`bias`: {key}'s transposed convolution takes no bias; add it to "
            f"the output yourself. Received: bias with shape {np.shape(bias)}"
        )
    else:
        positional = (x, w)
    a = _as_numeric("actual", actual)
    ar_a = arithmetic_of(arithmetic, a)
    call = interop.plan(key, *positional, **arguments)
    if bias is not None and given_bias is None and \
            np.size(bias) != call.kernel.shape[1] * call.groups:
        # A bias for more output channels than the weight gives: a grouped layer checked
        # without its groups?  Judge it without the bias and let the diagnosis say so.
        c_out = call.kernel.shape[1] * call.groups
        layout = call.layout
        channels = int(a.shape[layout.index("C")]) if a.ndim == len(layout) else 0
        if np.ndim(bias) == 1 and channels == np.size(bias) and channels > c_out and \
                channels % c_out == 0:
            return check(framework, actual, x, w, None, arithmetic=arithmetic, rtol=rtol,
                         atol=atol, false_alarm=false_alarm, given_bias=np.asarray(bias),
                         **arguments)
    xs = np.asarray(call.x)
    ks = np.asarray(call.kernel)
    inputs_rounded = any(u < ar_a.u_input for u in input_u)
    xs = xs.real if xs.dtype.kind == "c" else xs
    # The kernel in float64, once, in an order the engine reads without copying it again.
    k64 = engine.native_kernel(ks.real if ks.dtype.kind == "c" else ks, np.float64)
    (ex0, x_finite), (ew0, w_finite) = _extent(xs), _extent(k64)
    ex, ew = ex0, ew0
    # An upper bound of the products per sample (every tap), for the overflow test.
    n_upper = k64.shape[0] * (xs.shape[2] // call.groups) + 1
    if ex + ew + math.log2(n_upper + 1) < 1000:
        ex = ew = 0
    # x is converted to float64 by the engine one block at a time: no float64 copy of it
    # unless it must be scaled (inputs near the top of float64's range).
    x_ref = np.ldexp(xs, -ex, dtype=np.float64) if ex else xs
    if ew:
        k64 = np.ldexp(k64, -ew)
    b64 = None if call.bias is None else np.ldexp(_float(np.asarray(call.bias)).real, -ex - ew)
    window = shapes.Window(call.crop_left, call.crop_right)
    kw: dict[str, Any] = {"stride": call.stride, "padding": window, "dilation": call.dilation,
                          "groups": call.groups}
    expected_nlc = _scaled(conv1d_transpose(x_ref, k64, bias=b64, **kw), ex + ew)
    terms = ProductCounts.of_call(call, xs.shape[1], k64.shape[0], xs.shape[2] // call.groups)
    magnitude = _magnitude(xs, -ex, k64, b64, call, terms.peak, fx=ex0 - ex, fw=ew0 - ew,
                           finite=x_finite and w_finite)
    layout = call.layout
    expected = _from_nlc(expected_nlc, layout)

    def remake(kernel: np.ndarray) -> Callable[[], LazyOutput]:
        return lambda: LazyOutput(x_ref, kernel, stride=call.stride, window=window,
                                  dilation=call.dilation, groups=call.groups, bias=b64,
                                  out_exponent=ex + ew)

    makers = {"flipped": (remake(k64[::-1]), "kernel_flipped",
                          ("the actual output is the reference with the kernel flipped in "
                           "time: a true convolution instead of the transposed one, or JAX "
                           "lax.conv_transpose without transpose_kernel=True (jax#14337); "
                           "flip the weight's kernel axis ([::-1])"))}
    if k64.shape[1] == k64.shape[2] and k64.shape[1] > 1:
        makers["io_swapped"] = (
            remake(k64.transpose(0, 2, 1)), "kernel_io_swapped",
            ("the actual output is the reference with the kernel's input and output "
             "channel axes swapped: the weight was read as (C_out, C_in, K) "
             "(a Conv1d layout) instead of (C_in, C_out, K)"))
        makers["flipped_io_swapped"] = (
            remake(k64[::-1].transpose(0, 2, 1)), "kernel_flipped",
            ("the actual output is the reference with the kernel flipped and its channel "
             "axes swapped: JAX transpose_kernel toggled (jax#14337)"))
    if k64.shape == k64.shape[::-1] and k64.shape[0] > 1:
        makers["layout_reversed"] = (
            remake(k64.transpose(2, 1, 0)), "weight_layout",
            ("the actual output is the reference with the weight's kernel and input-channel "
             "axes exchanged: the weight was given in the other layout (Keras (K, C_out, "
             "C_in) against PyTorch/ONNX (C_in, C_out, K)); transpose it by (2, 1, 0)"))

    ar_e = tolerance.arithmetic(None, np.float64)

    def pooled_test(failed: bool) -> Evidence | None:
        if a.shape != expected.shape or rtol is not None or atol is not None or \
                not magnitude.all_finite():
            return None
        # Samples kept beyond the full scatter (negative crops) hold no product: test only
        # the part of the window inside it.
        lo = max(-call.crop_left, 0)
        hi = expected_nlc.shape[1] - max(-call.crop_right, 0)
        if hi <= lo:
            return None
        inside = shapes.Window(max(call.crop_left, 0), max(call.crop_right, 0))
        a_nlc = to_nlc(a, layout)
        lam = _lambda(terms, expected_nlc.shape, True, 0, false_alarm)
        u_store = _u_store(ar_a, a)
        subnormals = np.ldexp(2 * (ar_a.subnormal + ar_e.subnormal), -ex - ew)

        def noise_factors(n_t: np.ndarray) -> np.ndarray:
            """``v_t / M_t = 1 / sqrt(n_t)`` (0 where no product reaches)."""
            per_time = np.divide(1.0, np.sqrt(np.maximum(n_t, 1)))
            per_time[n_t == 0] = 0.0
            return per_time

        def chunk(n0: int, n1: int, t0: int, t1: int,
                  channel: int | None = None) -> tuple[np.ndarray, ...]:
            cs = slice(None) if channel is None else slice(channel, channel + 1)
            n_t = terms.block(n0, n1, lo + t0, lo + t1)
            ab = a_nlc[n0:n1, lo + t0:lo + t1, cs]
            eb = expected_nlc[n0:n1, lo + t0:lo + t1, cs]
            if ex + ew:
                r = np.ldexp(ab, -ex - ew, dtype=np.float64)
                r -= np.ldexp(eb, -ex - ew)
            else:
                r = np.subtract(ab, eb, dtype=np.float64)
            tol = None
            if failed:                  # the tolerance only checks a located remainder
                tol = np.multiply(relative_factors(n_t, ar_a, inputs_rounded, u_store, lam)
                                  + relative_factors(n_t, ar_e, False, 0.0, lam),
                                  magnitude.block(n0, n1, lo + t0, lo + t1, cs))
                tol += n_t * subnormals
            # v = M / sqrt(n), 0 where no product reaches: the per-time factors first
            # (n broadcasts along the channels), then one pass over the block.
            v = magnitude.block(n0, n1, lo + t0, lo + t1, cs,
                                times=terms.mapped(noise_factors, n0, n1, lo + t0, lo + t1))
            return (r, v) if tol is None else (r, v, tol)

        # The last rounding of each output (the bias added to the finished sum, the
        # store) may be systematic: allow up to one rounding of |y| per sample.
        u_last = ar_a.u_accumulate + u_store

        def allowance(n0: int, n1: int, t0: int, t1: int) -> np.ndarray:
            return np.ldexp(np.abs(expected_nlc[n0:n1, lo + t0:lo + t1]), -ex - ew) * u_last

        def test(chunk: Callable[..., tuple[np.ndarray, ...]]) -> Evidence | None:
            return pooled(chunk, xs, k64, stride=call.stride, window=inside,
                          dilation=call.dilation, groups=call.groups, bias=b64,
                          noise_floor=ar_a.u_accumulate, false_alarm=false_alarm / 2,
                          locate="always" if failed else True, x_exponent=-ex,
                          along_time=True, allowance=allowance)

        found = test(chunk)
        if found is not None and found.suspect and not failed:
            # Identical computations (the same input window: a constant or silent stretch,
            # the bias-only samples between strides) make identical rounding errors, not
            # independent ones: when the pooled evidence alone would make the verdict, test
            # again with each group of samples of a channel that share a reference value
            # counted as one observation.
            share = _shares(expected_nlc[:, lo:hi])
            if share is not None:
                def once(n0: int, n1: int, t0: int, t1: int,
                         channel: int | None = None) -> tuple[Any, ...]:
                    r, v, *tol = chunk(n0, n1, t0, t1, channel)
                    cs = slice(None) if channel is None else slice(channel, channel + 1)
                    part = share[n0:n1, t0:t1, cs]
                    return (r, v / np.sqrt(part), tol[0] if tol else None, part)

                found = test(once)
        if found is not None and found.located and inputs_rounded and all(
                abs(e.delta) <= 2 * ar_a.u_input * abs(e.value) for e in found.located):
            return None     # the weights' own rounding to the arithmetic's inputs
        return found

    return _judge(a, expected, layout=layout, magnitude=magnitude, exponent=ex + ew,
                  terms=terms, ar_a=ar_a, ar_e=ar_e, inputs_rounded=inputs_rounded,
                  false_alarm=float(false_alarm), rtol=rtol, atol=atol, bias=call.bias,
                  candidates=_Lazy(makers), label=key, pooled_test=pooled_test,
                  context=Context(key, call, (call.crop_left, call.crop_right),
                                  bias_given=given_bias))

