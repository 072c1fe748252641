"""Rounding-error bounds of one transposed-convolution output sample.

Each output sample is an inner product of ``n_i`` products (the taps that reach
it times ``C_in / groups``, plus one term for a bias).  This module gives, per
sample, a rigorous bound (Higham's ``gamma_n``: no summation order can exceed
it) and a probabilistic one (Higham & Mary's ``lambda sqrt(n) u``: exceeded with
probability at most a stated ``p`` under their model of independent, mean-zero
rounding errors).  The derivation is in ``docs/error-bounds.md``.

The arithmetic of a computed output is an :class:`Arithmetic`: the unit
roundoff its inputs are rounded to, the one it accumulates in, and the smallest
subnormal of its exponent range (the underflow floor).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["PERIOD_LIMIT", "WHOLE_COUNTS", "Arithmetic", "ProductCounts", "arithmetic", "gamma",
           "gamma_tilde", "lambda_for", "unit_roundoff"]

# Unit roundoff and smallest positive subnormal of the storage formats we know by name.
_FORMATS = {"float64": (2.0**-53, 2.0**-1074), "float32": (2.0**-24, 2.0**-149),
            "float16": (2.0**-11, 2.0**-24), "bfloat16": (2.0**-8, 2.0**-133)}


@dataclass(frozen=True)
class Arithmetic:
    """How an output was computed: the roundoffs its bounds are built from.

    Attributes
    ----------
    name : str
        ``"float64"``, ``"float32"``, ``"tf32"``, ``"float16"``, ``"bfloat16"``,
        ``"exact"`` or ``"u=<value>"``.
    u_input : float
        Unit roundoff of the format the inputs are rounded to before multiplying
        (``2**-11`` for TF32's 10-bit mantissas); applies only to inputs given
        in a wider format.
    u_accumulate : float
        Unit roundoff of every product and addition.
    subnormal : float
        Smallest positive subnormal of the format: each operation may add an
        absolute error of half of it on underflow.
    """

    name: str
    u_input: float
    u_accumulate: float
    subnormal: float


def _storage(name: str) -> tuple[float, float] | None:
    return _FORMATS.get(name)


#: Output lengths up to this have their product counts computed once and kept (a
#: float64 per time step, 512 KiB at most); longer ones are counted per block.
WHOLE_COUNTS = 1 << 16

#: Strides up to this keep one period of the counts, a block's length plus the stride,
#: and functions of it (:meth:`ProductCounts.mapped`); a larger stride (blocks far
#: shorter than it, each tap reaching a few positions of each) is counted per block,
#: so that nothing of the stride's length is held.
PERIOD_LIMIT = 1 << 12


class ProductCounts:
    """``n_t``, the products reaching each output sample (+1 with a bias), per block.

    Either from the geometry (:meth:`from_geometry`, :meth:`of_call`): the taps
    ``k`` whose input ``(t + crop_left - k d) / s`` is an index of ``x``, times
    ``C_in / groups``; or from a given array (``compare``'s ``reduction_length``,
    broadcastable to the output in (N, L, C)).  From the geometry, nothing of the
    output's length is held beyond ``whole`` samples: away from both ends of the
    input every tap is inside ``x``, and the count of full-scatter position ``p``
    depends on ``p mod s`` only (one kept period, repeated); the ends are counted.

    Parameters
    ----------
    values : ndarray, optional
        Given counts, broadcastable to the (N, L, C) output.
    geometry : tuple, optional
        ``(length_in, kernel_size, stride, dilation, crop_left, length_out,
        per_tap, bias)``, as :meth:`from_geometry` builds it.
    whole : int, default :data:`WHOLE_COUNTS`
        Outputs up to this length (at most :data:`WHOLE_COUNTS`) have their counts
        computed once and kept.

    Attributes
    ----------
    peak : int
        The largest count (at least 1): the ``n`` of ``gamma_n`` for every sample.

    Examples
    --------
    >>> counts = ProductCounts.from_geometry(4, 3, 2, 1, 0, 0)     # L=4, K=3, s=2
    >>> counts.block(0, 1, 0, 9).ravel()
    array([1., 1., 2., 1., 2., 1., 2., 1., 1.])
    >>> counts.peak
    2
    """

    def __init__(self, values: np.ndarray | None = None, geometry: tuple | None = None,
                 whole: int = WHOLE_COUNTS) -> None:
        self.values, self.geometry = values, geometry
        self._whole: np.ndarray | None = None
        self._tile: np.ndarray | None = None
        self._mapped: dict[Callable, tuple[np.ndarray, Any]] = {}
        if values is not None:
            self.peak = int(np.max(values)) if values.size else 1
            self.shape = values.shape
        else:
            assert geometry is not None
            length_out = geometry[5]
            self.shape = (1, length_out, 1)
            self.peak, self._sum = 0, 0.0
            step = max(min(whole, WHOLE_COUNTS), 1)
            part = np.zeros((1, 0, 1))
            for t0 in range(0, length_out, step):
                part = self.block(0, 1, t0, min(t0 + step, length_out))
                if part.size:
                    self.peak = max(self.peak, int(part.max()))
                    self._sum += float(part.sum())
            if 0 < length_out <= step:      # kept (read only): every pass slices it
                self._whole = part
                part.flags.writeable = False
            self.peak = self.peak or 1

    @classmethod
    def from_geometry(cls, length_in: int, kernel_size: int, stride: int, dilation: int,
                      crop_left: int, crop_right: int, per_tap: int = 1, bias: bool = False,
                      whole: int = WHOLE_COUNTS) -> ProductCounts:
        """The counts of a transposed convolution: ``taps(t) * per_tap`` (+1 with a bias).

        ``crop_left`` and ``crop_right`` are the window's crops of the full scatter
        (negative: samples kept beyond it, which no product reaches).
        """
        full = (length_in - 1) * stride + (kernel_size - 1) * dilation + 1
        return cls(geometry=(length_in, kernel_size, stride, dilation, crop_left,
                             full - crop_left - crop_right, per_tap, bias), whole=whole)

    @classmethod
    def of_call(cls, call: Any, length_in: int, kernel_size: int,
                per_tap: int) -> ProductCounts:
        """The counts of an :func:`deconv1d.interop.plan` call."""
        return cls.from_geometry(length_in, kernel_size, call.stride, call.dilation,
                                 call.crop_left, call.crop_right, per_tap,
                                 call.bias is not None)

    def block(self, n0: int, n1: int, t0: int, t1: int) -> np.ndarray:
        """Counts of samples ``t0:t1`` of rows ``n0:n1``: broadcastable to the block
        (read only when it is a view of kept counts)."""
        if self.values is not None:
            v = self.values
            return v[slice(n0, n1) if v.shape[0] > 1 else slice(None),
                     slice(t0, t1) if v.shape[1] > 1 else slice(None)]
        kept = self._kept(t0, t1)
        if kept is not None:
            return kept[0][:, kept[1]]
        assert self.geometry is not None
        length_in, k_size, s, d, crop_left = self.geometry[:5]
        p0, p1 = t0 + crop_left, t1 + crop_left                # full-scatter positions
        a, b = max(p0, (k_size - 1) * d), min(p1, (length_in - 1) * s + 1)
        if a >= b:                      # nothing away from the input's ends
            return self._counted(p0, p1).reshape(1, -1, 1)
        # The part away from the ends from the period (or, past PERIOD_LIMIT, tap by
        # tap on the few positions each reaches), the ends counted.
        out = np.empty(p1 - p0)
        out[:a - p0] = self._counted(p0, a)
        out[a - p0:b - p0] = (self._periodic(b - a + s)[0, a % s:a % s + b - a, 0]
                              if s <= PERIOD_LIMIT else self._interior(a, b))
        out[b - p0:] = self._counted(b, p1)
        return out.reshape(1, -1, 1)

    def _interior(self, a: int, b: int) -> np.ndarray:
        """The counts of full-scatter positions ``a:b``, all away from the input's ends
        (every tap's input inside ``x``): tap ``k`` reaches the positions ``k d`` mod
        ``s``, one strided add each."""
        assert self.geometry is not None
        _, k_size, s, d, _, _, per_tap, bias = self.geometry
        out = np.full(b - a, 1.0 if bias else 0.0)
        for k in range(k_size):
            out[(k * d - a) % s::s] += per_tap
        return out

    def _counted(self, p0: int, p1: int) -> np.ndarray:
        """The counts of full-scatter positions ``p0:p1``, tap by tap."""
        assert self.geometry is not None
        length_in, k_size, s, d, _, _, per_tap, bias = self.geometry
        p = np.arange(p0, p1)
        taps = np.zeros(p.shape)
        for k in range(k_size):
            q = p - k * d
            taps += (q >= 0) & (q <= (length_in - 1) * s) & (q % s == 0)
        taps *= per_tap
        if bias:
            taps += 1
        return taps

    def mapped(self, function: Callable[[np.ndarray], Any], n0: int, n1: int, t0: int,
               t1: int) -> Any:
        """``function(self.block(n0, n1, t0, t1))`` for an elementwise ``function``
        (returning an array or a tuple of arrays of the counts' shape): where the
        block's counts are a view of kept ones (whole, or the period), ``function``
        of all of them is computed once, kept, and sliced."""
        kept = None if self.values is not None else self._kept(t0, t1)
        if kept is None:
            return function(self.block(n0, n1, t0, t1))
        source, where = kept
        cached = self._mapped.get(function)
        if cached is None or cached[0] is not source:
            cached = (source, function(source))
            self._mapped[function] = cached
        found = cached[1]
        return tuple(v[:, where] for v in found) if isinstance(found, tuple) else \
            found[:, where]

    def _kept(self, t0: int, t1: int) -> tuple[np.ndarray, slice] | None:
        """Kept counts that samples ``t0:t1`` are a slice of (from the geometry), if any."""
        if self._whole is not None:
            return self._whole, slice(t0, t1)
        assert self.geometry is not None
        length_in, k_size, s, d, crop_left = self.geometry[:5]
        p0, p1 = t0 + crop_left, t1 + crop_left                # full-scatter positions
        if (k_size - 1) * d <= p0 and p1 - 1 <= (length_in - 1) * s and s <= PERIOD_LIMIT:
            # Every tap's input is inside x: the count depends on p mod s only.
            return self._periodic(p1 - p0 + s), slice(p0 % s, p0 % s + p1 - p0)
        return None

    def _periodic(self, length: int) -> np.ndarray:
        """Counts of ``length`` positions from a multiple of ``s``, away from both ends
        of the input (kept, read only, grown when a longer run is asked for: at most
        a block's length plus ``s``)."""
        if self._tile is None or self._tile.shape[1] < length:
            self._tile = self._interior(0, length).reshape(1, -1, 1)
            self._tile.flags.writeable = False
        return self._tile

    def total(self, shape: tuple[int, ...]) -> float:
        """The sum of ``n_t`` over every sample of an (N, L, C) output."""
        if self.values is not None:
            view = np.broadcast_to(self.values, shape)
            # Cut to length 1 along the broadcast axes, then scale the sum back up.
            small = view[tuple(slice(0, 1) if st == 0 and n > 1 else slice(None)
                               for st, n in zip(view.strides, view.shape))]
            return float(np.sum(small, dtype=float)) * (view.size // max(small.size, 1))
        return self._sum * shape[0] * shape[2]


def unit_roundoff(dtype: npt.DTypeLike) -> float:
    """Unit roundoff ``u`` of a floating-point dtype (half the machine epsilon).

    Integer and bool dtypes hold exact values: 0.  bfloat16 (from ml_dtypes, as
    JAX hands it to NumPy) is recognised by name, without importing ml_dtypes.
    Complex dtypes use their component's.

    Parameters
    ----------
    dtype : dtype-like or str

    Returns
    -------
    float

    Examples
    --------
    >>> unit_roundoff(np.float32) == 2.0**-24
    True
    >>> unit_roundoff("bfloat16")
    0.00390625
    """
    name = getattr(dtype, "name", None) or str(dtype)
    if name in _FORMATS:
        return _FORMATS[name][0]
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"`dtype` must be numeric. Received: dtype={dtype!r}") from None
    if dt.name in _FORMATS:
        return _FORMATS[dt.name][0]
    if dt.kind in "biu":
        return 0.0
    if dt.kind in "fc":
        return float(np.finfo(dt).eps) / 2
    raise TypeError(f"`dtype` must be numeric. Received: dtype={dtype!r}")


def arithmetic(spec: str | float | None, dtype: npt.DTypeLike) -> Arithmetic:
    """The :class:`Arithmetic` of a declaration, or of an output's dtype when ``spec`` is None.

    Parameters
    ----------
    spec : {"float64", "float32", "tf32", "float16", "bfloat16"}, float, or None
        The arithmetic the output was computed in.  A number is a unit roundoff
        used for the inputs and the accumulation alike.  None: the output's
        own dtype (integers: exact).
    dtype : dtype-like
        The output's dtype (used when ``spec`` is None).

    Returns
    -------
    Arithmetic

    Raises
    ------
    ValueError
        On an unknown name or a unit roundoff outside ``[0, 1)``.

    Examples
    --------
    >>> a = arithmetic("tf32", np.float32)
    >>> a.u_input == 2.0**-11, a.u_accumulate == 2.0**-24
    (True, True)
    >>> arithmetic(None, np.int64).u_accumulate
    0.0
    """
    if spec is None:
        name = getattr(dtype, "name", None) or str(dtype)
        if name not in _FORMATS:
            dt = np.dtype(dtype)
            if dt.kind in "biu":
                return Arithmetic("exact", 0.0, 0.0, 0.0)
            if dt.kind == "c":
                name = {8: "float32", 16: "float64"}.get(dt.itemsize, "float64")
            elif dt.kind == "f" and dt.name not in _FORMATS:   # e.g. longdouble
                u = float(np.finfo(dt).eps) / 2
                return Arithmetic(dt.name, u, u, float(np.finfo(dt).smallest_subnormal))
            else:
                name = dt.name
        spec = name
    if isinstance(spec, str):
        key = spec.strip().lower()
        if key == "tf32":
            return Arithmetic("tf32", 2.0**-11, 2.0**-24, 2.0**-149)
        if key in _FORMATS:
            u, sub = _FORMATS[key]
            return Arithmetic(key, u, u, sub)
        try:
            spec = float(key)
        except ValueError:
            raise ValueError(
                "`arithmetic` must be one of 'float64', 'float32', 'tf32', 'float16', "
                f"'bfloat16' or a unit roundoff. Received: arithmetic={spec!r}") from None
    if isinstance(spec, bool) or not isinstance(spec, (int, float, np.floating, np.integer)):
        raise TypeError(f"`arithmetic` must be a name or a number. Received: {spec!r}")
    u = float(spec)
    if not 0.0 <= u < 1.0:
        raise ValueError(f"a unit roundoff must be in [0, 1). Received: arithmetic={spec!r}")
    return Arithmetic(f"u={u:.3g}", u, u, 2.0**-1074 if u < 2.0**-30 else 2.0**-149)


def gamma(n: int | np.ndarray, u: float) -> np.ndarray | float:
    """Higham's ``gamma_n = n u / (1 - n u)``: the relative error bound of an ``n``-term sum.

    Infinite where ``n u >= 1``.  Works elementwise on an array of ``n``.

    Examples
    --------
    >>> round(gamma(10, 2.0**-24) / 2.0**-24, 6)
    10.000006
    """
    nu = np.asarray(n, dtype=np.float64) * u
    with np.errstate(divide="ignore"):
        out = np.where(nu < 1, nu / np.where(nu < 1, 1 - nu, 1.0), np.inf)
    return float(out) if out.ndim == 0 else out


def gamma_tilde(n: int | np.ndarray, u: float, lam: float) -> np.ndarray | float:
    """Higham & Mary's probabilistic ``gamma~_n(lambda) = exp(lambda sqrt(n) u' + n u^2/(1-u)) - 1``.

    With ``u' = u / (1 - u)``.  Under their model (rounding errors independent,
    mean zero, bounded by ``u``), ``prod (1 + delta_k)^(+-1) = 1 + theta`` with
    ``|theta| <= gamma~_n`` holds with probability at least
    ``1 - 2 exp(-lambda**2 / 2)`` (their Theorem 2.4, with ``lambda`` measured
    in units of ``u / (1 - u)``).

    Examples
    --------
    >>> round(gamma_tilde(100, 2.0**-24, 5.0) / 2.0**-24, 3)
    50.0
    """
    n = np.asarray(n, dtype=np.float64)
    out = np.expm1(lam * np.sqrt(n) * u / (1 - u) + n * u * u / (1 - u))
    return float(out) if out.ndim == 0 else out


def lambda_for(p: float, events: float) -> float:
    """The ``lambda`` at which ``events`` bounds, each failing with ``2 exp(-lambda**2/2)``, fail
    together with probability at most ``p`` (a union bound).

    Examples
    --------
    >>> round(lambda_for(1e-6, 1), 3)
    5.387
    """
    if not 0 < p < 1:
        raise ValueError(f"a false-alarm probability must be in (0, 1). Received: {p!r}")
    return math.sqrt(2 * math.log(2 * max(events, 1.0) / p))


def relative_factors(n: np.ndarray, ar: Arithmetic, inputs_rounded: bool, u_store: float,
                     lam: float | None) -> np.ndarray:
    """Per-sample relative error factor of one computed side, rigorous (``lam`` None) or not.

    A product term ``x w`` picks up two input roundings (``u_input``, when the
    inputs were wider), ``n`` roundings of the accumulation and one of the
    storage (``u_store``, when the stored format is narrower than the
    accumulation).  The rigorous factor is ``prod (1 + u_k) - 1`` (Higham's
    lemma 3.1 with mixed roundoffs); the probabilistic one is Higham & Mary's
    ``exp(lambda sqrt(sum b_k^2) + sum u_k^2 / (1 - u_k)) - 1`` with
    ``b_k = u_k / (1 - u_k)``, from Hoeffding's inequality on ``sum log(1+delta_k)``.
    """
    n = np.asarray(n, dtype=np.float64)
    ui = ar.u_input if inputs_rounded else 0.0
    ua = ar.u_accumulate
    if lam is None:
        g = gamma(n, ua)
        return np.asarray((1 + ui) ** 2 * (1 + u_store) * (1 + g) - 1)
    b2 = 2 * (ui / (1 - ui)) ** 2 + (u_store / (1 - u_store)) ** 2 + n * (ua / (1 - ua)) ** 2
    second = 2 * ui * ui / (1 - ui) + u_store * u_store / (1 - u_store) + n * ua * ua / (1 - ua)
    return np.asarray(np.expm1(lam * np.sqrt(b2) + second))


def storage_roundoff(ar: Arithmetic, dtype: npt.DTypeLike) -> float:
    """The extra rounding of storing the result in ``dtype``, if narrower than the accumulation."""
    u = unit_roundoff(dtype)
    return u if u > ar.u_accumulate else 0.0
