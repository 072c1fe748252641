"""Diagnoses: recognising the known ways a port's output differs from the reference.

:func:`diagnose` looks at an actual output and its reference (both ``(N, L, C)``)
and names the pattern: a layout transposed, a shift, zeros at the wrong end, a
shorter or longer window (shifted or not), a grouped layer checked without its
groups, a candidate reference ("what the output would be if the kernel were
flipped ..."; a kernel reshaped instead of transposed), permuted output channels
(with or without the bias in place), a per-channel offset, a scale.  Given a
:class:`Context` (the call and the window wanted), window advice is written in
that framework's own arguments; without one, no advice about arguments is given.  :mod:`deconv1d.verify` calls it when a comparison fails.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from .. import shapes
from . import evidence
from .base import Call, InexpressibleError, describe_window, full_length

__all__ = ["Context", "Diagnosis", "LazyOutput", "diagnose", "match_channels", "to_nlc"]


@dataclass(frozen=True)
class Diagnosis:
    """A recognised pattern: ``code`` for programs, ``message`` for people.

    Codes: ``layout_transposed``, ``shifted``, ``zeros_wrong_end``, ``window``,
    ``groups``, ``kernel_flipped``, ``kernel_io_swapped``, ``kernel_reshaped``,
    ``weight_layout``, ``channels_permuted``, ``offset``, ``scaled``, ``unknown``.
    """

    code: str
    message: str
    details: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Context:
    """What a diagnosis may know beyond the two arrays: the call, and the window wanted.

    Attributes
    ----------
    framework : str
        The framework whose arguments made the actual output; advice is written
        in its argument names.
    call : Call
        That call as read by :func:`deconv1d.interop.plan` (its crops are the
        window the framework's arguments choose).
    wanted : tuple of int
        ``(crop_left, crop_right)`` of the reference: the call's own window for a
        plain check, another framework's for a port check.
    advise : bool, default True
        Whether window diagnoses end with the arguments keeping the wanted window
        (a port check says that itself).
    bias_given : ndarray, shape (C,), optional
        A bias the call could not take because it has more channels than the
        weight gives (a grouped layer checked without its groups): added to the
        grouped reference that confirms the ``groups`` diagnosis.

    Examples
    --------
    >>> from deconv1d import interop
    >>> call = interop.plan("torch", np.ones((1, 1, 5)), np.ones((1, 1, 3)), stride=2,
    ...                     padding=1, output_padding=1)
    >>> context = Context("torch", call, (0, 1))
    >>> context.full_length, context.chosen
    (11, (1, 0))
    >>> context.arguments_text(1, 0)
    'padding=1, output_padding=1'
    """

    framework: str
    call: Call
    wanted: tuple[int, int]
    advise: bool = True
    bias_given: np.ndarray | None = None

    @property
    def full_length(self) -> int:
        """Length of the full scatter."""
        c = self.call
        return full_length(c.x.shape[1], c.kernel.shape[0], c.stride, c.dilation)

    @property
    def chosen(self) -> tuple[int, int]:
        """The window the call's arguments choose."""
        return self.call.crop_left, self.call.crop_right

    def arguments_text(self, crop_left: int, crop_right: int) -> str:
        """The framework's arguments keeping a window, or what to do where it cannot."""
        from .interop import arguments_for

        c = self.call
        try:
            found = arguments_for(self.framework, c.x.shape[1], c.kernel.shape[0], crop_left,
                                  crop_right, stride=c.stride, dilation=c.dilation)
        except InexpressibleError as error:
            return str(error)
        except ValueError as error:
            return f"no window: {error}"
        return ", ".join(f"{k}={v!r}" for k, v in found.items())

    def windows_text(self, start: int, length: int) -> str:
        """Both windows in the full scatter, and the arguments giving the wanted one.

        ``start`` and ``length`` locate the actual output in the full scatter.
        """
        full = self.full_length
        have = (start, full - start - length)
        want = self.wanted
        text = (f"in the full scatter of length {full}, the actual output keeps "
                f"[{have[0]}:{full - have[1]}] ({describe_window(*have)}), the reference "
                f"[{want[0]}:{full - want[1]}] ({describe_window(*want)})")
        if have != self.chosen:
            text += (f"; the {self.framework} arguments checked choose "
                     f"({describe_window(*self.chosen)}), so the output was made with "
                     f"others: {self.arguments_text(*have)}")
        return f"{text}. {self.advice(*want)}" if self.advise else text

    def advice(self, crop_left: int, crop_right: int) -> str:
        """A sentence: the framework's arguments keeping a window, or the workaround."""
        text = self.arguments_text(crop_left, crop_right)
        if "=" in text and not text.startswith(("no window", self._title())):
            return f"{self.framework} keeps the reference's window with {text}"
        return text

    def _title(self) -> str:
        from . import registry

        return registry.get(self.framework).title

    def what_if(self) -> Iterator[tuple[str, LazyOutput, str, str]]:
        """Alternative references ``(name, output (N, L, C), code, message)``, lazily
        (each a :class:`LazyOutput`, computed a block at a time when compared).

        A kernel reshaped instead of transposed (between the Keras ``(K, C_out,
        C_in)``, the PyTorch/ONNX ``(C_in, C_out, K)`` and the JAX ``(K, C_in,
        C_out)`` layouts, either way).
        """
        c = self.call
        k = np.asarray(c.kernel, np.float64)
        kk, co, ci = k.shape
        layouts = {"(C_in, C_out, K)": ((2, 1, 0), (ci, co, kk)),
                   "(K, C_in, C_out)": ((0, 2, 1), (kk, ci, co))}
        for name, (axes, shape) in layouts.items():
            variants = (
                (k.transpose(axes).reshape(k.shape),
                 f"a weight in {name} reshaped to (K, C_out, C_in) instead of transposed"),
                (k.reshape(shape).transpose(axes),
                 f"a (K, C_out, C_in) kernel reshaped to {name} instead of transposed"),
            )
            for variant, what in variants:
                if np.array_equal(variant, k):
                    continue
                yield ("reshaped", self._run(variant), "kernel_reshaped",
                       f"the actual output is what {what} gives: the weight's values are "
                       f"in the wrong order. Transpose it by {axes} "
                       "(deconv1d.interop.keras_kernel_from / kernel_for do), never reshape")

    def _run(self, kernel: np.ndarray, groups: int | None = None) -> LazyOutput:
        c = self.call
        bias = None if c.bias is None else np.asarray(c.bias, np.float64)
        if groups is not None:
            given = self.bias_given
            bias = None if given is None or np.size(given) != kernel.shape[1] * groups \
                else np.asarray(given, np.float64).reshape(-1)
        return LazyOutput(np.asarray(c.x), kernel, stride=c.stride,
                          window=shapes.Window(*self.wanted), dilation=c.dilation,
                          groups=c.groups if groups is None else groups, bias=bias)

    def grouped(self, groups: int) -> LazyOutput | None:
        """The reference had the call used ``groups`` times its groups, or None.

        With :attr:`bias_given` of the grouped layer's channel count, it is added.
        """
        c = self.call
        g = c.groups * groups
        if c.x.shape[2] % g:
            return None
        return self._run(np.asarray(c.kernel, np.float64), g)


# --------------------------------------------------------------------------- #
# Pattern detection (arrays in (N, L, C))                                     #
# --------------------------------------------------------------------------- #
def to_nlc(a: npt.ArrayLike, layout: str) -> np.ndarray:
    """``a`` with axes ordered ``(N, L, C)``, from the axis letters ``layout`` (a view)."""
    a = np.asarray(a)
    letters = layout
    if "N" not in letters:
        a, letters = a[None], "N" + letters
    return a.transpose([letters.index(c) for c in "NLC"])


def _steps(shape: tuple[int, ...], first: bool = False) -> Iterator[tuple[int, int]]:
    """Time ranges ``(t0, t1)`` covering an (N, L, C) shape in blocks of about
    ``evidence.BLOCK`` samples (a one-sample probe first when ``first``): the
    diagnoses hold no whole copy of either array."""
    length = shape[1]
    per = max(1, evidence.BLOCK // max(shape[0] * shape[2], 1))
    start = 0
    if first and length > 2:
        yield 0, 1
        start = 1
    for t0 in range(start, length, per):
        yield t0, min(t0 + per, length)


def _part(a: Any, t0: int, t1: int) -> np.ndarray:
    """Samples ``t0:t1`` of an (N, L, C) array or :class:`LazyOutput`, in float64."""
    return np.asarray(a[:, t0:t1], dtype=np.float64)


class LazyOutput:
    """A transposed convolution, (N, L, C) float64, computed a block at a time on slicing.

    ``conv1d_transpose(x * 2**x_exponent, kernel, stride, window, ...) *
    2**out_exponent``.  Samples ``t0:t1`` need only the inputs that reach them:
    the transposed convolution of that slice of ``x`` with that block's window
    (negative crops where the block reaches beyond the full scatter).  Slicing
    (``out[n0:n1, t0:t1]``) computes that block; ``np.asarray(out)`` the whole.

    Examples
    --------
    >>> from deconv1d import conv1d_transpose
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((2, 9, 3)); w = rng.standard_normal((5, 2, 3))
    >>> out = LazyOutput(x, w, stride=2, window=shapes.Window(1, -2), dilation=1, groups=1)
    >>> whole = conv1d_transpose(x, w, 2, shapes.Window(1, -2))
    >>> out.shape == whole.shape, bool(np.allclose(out[:, 3:11], whole[:, 3:11]))
    (True, True)
    """

    ndim = 3
    dtype = np.dtype(np.float64)

    def __init__(self, x: np.ndarray, kernel: np.ndarray, *, stride: int,
                 window: shapes.Window, dilation: int, groups: int,
                 bias: np.ndarray | None = None, x_exponent: int = 0,
                 out_exponent: int = 0) -> None:
        self.x, self.kernel, self.bias = x, kernel, bias
        self.stride, self.dilation, self.groups = stride, dilation, groups
        self.window, self.x_exponent, self.out_exponent = window, x_exponent, out_exponent
        full = full_length(x.shape[1], kernel.shape[0], stride, dilation)
        self.shape = (x.shape[0], full - window.crop_left - window.crop_right,
                      kernel.shape[1] * groups)
        self.size = int(np.prod(self.shape))

    def block(self, n0: int, n1: int, t0: int, t1: int) -> np.ndarray:
        """Samples ``t0:t1`` of rows ``n0:n1``."""
        from .. import conv1d_transpose

        if t1 <= t0 or n1 <= n0:
            return np.zeros((max(n1 - n0, 0), max(t1 - t0, 0), self.shape[2]))
        s, reach = self.stride, (self.kernel.shape[0] - 1) * self.dilation
        length = self.x.shape[1]
        p0, p1 = t0 + self.window.crop_left, t1 + self.window.crop_left
        i0 = max(0, -(-(p0 - reach) // s))
        i1 = min(length, (p1 - 1) // s + 1)
        if i1 <= i0:                       # no input reaches: any one input, cropped away
            i0 = min(max(i0, 0), length - 1)
            i1 = i0 + 1
        span = (i1 - i0 - 1) * s + reach + 1
        part = self.x[n0:n1, i0:i1]
        part = np.ldexp(part, self.x_exponent, dtype=np.float64) if self.x_exponent else part
        out = np.asarray(conv1d_transpose(
            part, self.kernel, s, shapes.Window(p0 - i0 * s, span - (p1 - i0 * s)),
            dilation=self.dilation, groups=self.groups, bias=self.bias), np.float64)
        return np.ldexp(out, self.out_exponent, out=out) if self.out_exponent else out

    def __getitem__(self, key: Any) -> np.ndarray:
        key = key if isinstance(key, tuple) else (key,)
        if len(key) > 3 or any(not isinstance(k, slice) or k.step not in (None, 1)
                               for k in key):
            raise IndexError("a LazyOutput is sliced with up to three unit-step slices")
        key = key + (slice(None),) * (3 - len(key))
        n0, n1, _ = key[0].indices(self.shape[0])
        t0, t1, _ = key[1].indices(self.shape[1])
        return self.block(n0, max(n1, n0), t0, max(t1, t0))[:, :, key[2]]

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        out = self.block(0, self.shape[0], 0, self.shape[1])
        return out if dtype is None else out.astype(dtype)


def _close(a: Any, e: Any, tol: float, factor: float = 1.0,
           shift: np.ndarray | float = 0.0) -> bool:
    """Whether ``a`` and ``factor * e + shift`` agree within ``tol`` everywhere (a cheap
    probe first).

    Either may be a :class:`LazyOutput` or an array of any real dtype; compared one
    block of time at a time.
    """
    if tuple(a.shape) != tuple(e.shape) or a.size == 0:
        return False
    with np.errstate(over="ignore", invalid="ignore"):
        for t0, t1 in _steps(a.shape, first=True):
            other = np.array(e[:, t0:t1], dtype=np.float64)      # a copy: changed below
            if factor != 1.0:
                other *= factor
            other -= _part(a, t0, t1)
            if np.any(np.asarray(shift) != 0):
                other += shift
            if not bool(np.all(np.abs(other) <= tol)):
                return False
    return True


def _is_background(values: np.ndarray, bias: np.ndarray | None, tol: float) -> bool:
    """Whether samples look like 'no input reached here': zero, or the bias."""
    target = 0.0 if bias is None else np.asarray(bias, dtype=np.float64)
    return bool(np.all(np.abs(values - target) <= tol))


def match_channels(a: npt.ArrayLike, e: npt.ArrayLike, tol: float, *,
                   subtract: npt.ArrayLike | None = None) -> list[int] | None:
    """``perm`` with ``a[..., c] ~ e[..., perm[c]]`` for every channel, or None.

    Subquadratic in the channels: each channel is summarised by its projection
    on a fixed random vector over the other axes; channels can only match when
    their projections differ by at most ``sum |r| * tol``, so after sorting
    the reference's projections each actual channel is compared, sample by
    sample, with the few reference channels in that interval.

    Parameters
    ----------
    a, e : array_like, shape (..., C)
        Same shape.
    tol : float
        Absolute tolerance per sample.
    subtract : array_like, shape (C,), optional
        A per-channel value (a bias) taken off both sides first, channel by channel
        (``a[..., c] - subtract[c]`` against ``e[..., p] - subtract[p]``).

    Returns
    -------
    list of int or None
        A permutation (``perm[c]`` distinct), or None when some channel has no match.

    Examples
    --------
    >>> e = np.arange(12.0).reshape(1, 4, 3)
    >>> match_channels(e[..., [2, 0, 1]], e, 1e-9)
    [2, 0, 1]
    >>> match_channels(e + 1, e, 1e-9) is None
    True
    """
    a3, e3 = np.asarray(a), np.asarray(e)
    if a3.shape != e3.shape or a3.size == 0:
        return None
    channels = a3.shape[-1]
    if a3.ndim != 3:
        a3, e3 = a3.reshape(1, -1, channels), e3.reshape(1, -1, channels)
    # Projections on a fixed random vector over (N, L), drawn a block of time at a time.
    sa, se = np.zeros(channels), np.zeros(channels)
    r_sum = r_abs = 0.0
    for t0, t1 in _steps(a3.shape):
        r = np.random.default_rng([0, t0]).standard_normal((a3.shape[0], t1 - t0))
        sa += np.einsum("nl,nlc->c", r, _part(a3, t0, t1))
        se += np.einsum("nl,nlc->c", r, _part(e3, t0, t1))
        r_sum += float(r.sum())
        r_abs += float(np.abs(r).sum())
    if subtract is not None:
        b = np.broadcast_to(np.asarray(subtract, np.float64), (channels,))
        sa -= b * r_sum
        se -= b * r_sum
    else:
        b = np.zeros(channels)
    slack = r_abs * tol * (1 + 1e-9) + 1e-300
    order = np.argsort(se, kind="stable")
    sorted_se = se[order]
    used = np.zeros(channels, bool)
    perm = []

    def same(c: int, p: int) -> bool:
        with np.errstate(over="ignore", invalid="ignore"):
            for t0, t1 in _steps(a3.shape, first=True):
                part = np.asarray(a3[:, t0:t1, c], np.float64) - b[c]
                part -= np.asarray(e3[:, t0:t1, p], np.float64) - b[p]
                if not bool(np.all(np.abs(part) <= tol)):
                    return False
        return True

    for c in range(channels):
        lo = int(np.searchsorted(sorted_se, sa[c] - slack, "left"))
        hi = int(np.searchsorted(sorted_se, sa[c] + slack, "right"))
        for p in order[lo:min(hi, lo + 64)]:
            if not used[p] and same(c, int(p)):
                used[p] = True
                perm.append(int(p))
                break
        else:
            return None
    return perm


def _offset(a: np.ndarray, e: np.ndarray, t: float) -> int | None:
    """The smallest ``|d|`` with ``a[:, i] ~ e[:, i + d]`` wherever both exist, or None.

    ``d = 0`` is skipped for equal lengths; the overlap must hold at least half
    of the shorter array (and one sample).
    """
    la, le = a.shape[1], e.shape[1]
    least = max(1, (min(la, le) + 1) // 2)
    low, high = -(la - least), le - least

    def by_size() -> Iterator[int]:          # 0 (if allowed), -1, 1, -2, 2, ... in range
        if la != le and low <= 0 <= high:
            yield 0
        for size in range(1, max(-low, high) + 1):
            if -size >= low:
                yield -size
            if size <= high:
                yield size

    for d in by_size():
        lo, hi = max(0, -d), min(la, le - d)
        if hi - lo >= least and _close(a[:, lo:hi], e[:, lo + d:hi + d], t):
            return d
    return None


def _window(a: np.ndarray, e: np.ndarray, t: float, bias: np.ndarray | None,
            context: Context | None) -> Diagnosis | None:
    """A shift and/or a length change along time: ``shifted``, ``zeros_wrong_end``, ``window``."""
    la, le = a.shape[1], e.shape[1]
    d = _offset(a, e, t)
    if d is None:
        return None
    details: dict[str, Any] = {"shift": -d, "start": d, "actual_length": la,
                               "expected_length": le}
    where = ""
    if context is not None:
        start = context.wanted[0] + d
        details["actual_window"] = [start, context.full_length - start - la]
        details["wanted_window"] = list(context.wanted)
        where = ": " + context.windows_text(start, la)
    if la == le:
        k = -d
        moved = e[:, -k:] if k > 0 else e[:, :-k]
        # a == roll(e, k) along time, piece by piece (no rolled copy)
        rolled = (_close(a[:, k:], e[:, :le - k], t) and _close(a[:, :k], e[:, le - k:], t)
                  if k > 0 else
                  _close(a[:, :le + k], e[:, -k:], t) and _close(a[:, le + k:], e[:, :-k], t))
        if rolled and _is_background(moved, bias, t):
            end = "start instead of the end" if k > 0 else "end instead of the start"
            return Diagnosis(
                "zeros_wrong_end",
                f"the same samples, but the {abs(k)} sample(s) that no input reaches "
                f"(zeros, plus bias) are at the {end}: the window is off by {abs(k)}. "
                "Known: the ONNX reference evaluator with auto_pad SAME_UPPER/SAME_LOWER "
                "and stride > effective kernel puts them first; TF/Keras/JAX put them last"
                + where, details)
        sign = "+" if d > 0 else "-"
        rel = "later" if d > 0 else "earlier"
        return Diagnosis(
            "shifted",
            f"the actual output is the reference shifted by {abs(d)} sample(s): "
            f"actual[t] == reference[t {sign} {abs(d)}] (its window starts {abs(d)} "
            f"{rel} in the full scatter: the crops differ by {abs(d)} at each end)" + where,
            details)
    lo, hi = max(0, -d), min(la, le - d)
    if d >= 0 and d + la <= le:
        rest = np.concatenate([e[:, :d], e[:, d + la:]], axis=1)
        empty = _is_background(rest, bias, t)
        what = ("samples that hold no input contribution (zeros or bias only)" if empty
                else "samples with real data")
        msg = (f"the actual output is the window [{d}:{d + la}] of the reference: it is "
               f"{le - la} sample(s) shorter ({d} at the start and {le - la - d} at the end), "
               f"and the missing ones are {what}")
    elif d <= 0 and le - d <= la:
        rest = np.concatenate([a[:, :-d], a[:, le - d:]], axis=1)
        empty = _is_background(rest, bias, t)
        what = ("samples that hold no input contribution (zeros or bias only)" if empty
                else "samples with real data")
        details["start"] = -d
        msg = (f"the reference is the window [{-d}:{le - d}] of the actual output: the actual "
               f"has {la - le} extra sample(s) ({-d} at the start and {la - le + d} at the "
               f"end), {what}")
    else:
        empty = False
        msg = (f"the actual output ({la} samples) and the reference ({le}) overlap, shifted: "
               f"actual[t] == reference[t {'+' if d > 0 else '-'} {abs(d)}] for t in "
               f"[{lo}:{hi}]; the actual window starts {abs(d)} "
               f"{'later' if d > 0 else 'earlier'} and ends {abs(d + la - le)} "
               f"{'later' if d + la > le else 'earlier'} than the reference's")
    details["background"] = empty
    return Diagnosis("window", msg + where, details)


def _unknown() -> Diagnosis:
    return Diagnosis("unknown", "no known pattern (not a shift, a window, a flipped kernel, "
                     "permuted channels, a per-channel offset or a scale): compare the "
                     "weight layout and the arguments with the README's 'Verify another "
                     "framework' section and help(deconv1d.interop)")


def _groups(a: np.ndarray, e: np.ndarray, t: float,
            context: Context | None) -> Diagnosis | None:
    """More actual output channels than the reference, by an integer factor."""
    ca, ce = a.shape[2], e.shape[2]
    if ce == 0 or ca <= ce or ca % ce or a.shape[:2] != e.shape[:2]:
        return None
    g = ca // ce
    msg = (f"the actual output has {g} times the reference's output channels ({ca} vs "
           f"{ce}): a grouped layer checked without its groups? The weight holds C_out / "
           f"groups channels; pass groups={g} (--groups {g})")
    details: dict[str, Any] = {"factor": g, "confirmed": False}
    if context is not None:
        grouped = context.grouped(g)
        if grouped is not None and _close(a, grouped, t):
            details["confirmed"] = True
            msg += f"; with groups={g} the reference equals the actual output"
    return Diagnosis("groups", msg, details)


def diagnose(a: np.ndarray, e: np.ndarray, tol: float | np.ndarray,
             bias: npt.ArrayLike | None,
             candidates: Mapping[str, tuple[np.ndarray, str, str]] | None,
             scale: float, context: Context | None = None) -> list[Diagnosis]:
    """Diagnoses for an actual output against its reference.

    Parameters
    ----------
    a, e : ndarray, shape (N, L, C)
        The actual output and the reference, float64 (shapes may differ).
    tol : float or ndarray
        Absolute tolerance; its largest value is used.
    bias : array_like, shape (C,), or None
        The reference's bias, to recognise "no input reaches here" samples, a bias
        error, and channels permuted with the bias in place.
    candidates : dict or None
        ``{name: (array (N, L, C), code, message)}``: alternative references.
    scale : float
        ``max |e|`` (kept for callers; unused).
    context : Context, optional
        The call and the wanted window: window advice in the framework's own
        arguments, and more alternative references (a reshaped kernel, groups).

    Returns
    -------
    list of Diagnosis
        Never empty: ``unknown`` when no pattern fits.

    Examples
    --------
    >>> e = np.array([1.0, 2.0, 4.0, 2.0, 1.0]).reshape(1, 5, 1)
    >>> [d.code for d in diagnose(np.roll(e, 1, axis=1), e, 1e-9, None, None, 4.0)]
    ['shifted']
    """
    n, la, ca = a.shape
    _, le, ce = e.shape
    t = max(float(np.max(tol)) if np.size(tol) else 0.0, 1e-300)
    b = None if bias is None else np.asarray(bias, np.float64)
    # Layout transposed: (N, C, L) against (N, L, C), possibly with a window error too.
    if a.shape != e.shape and ca != ce and la == ce:
        at = a.transpose(0, 2, 1)
        flip = ("the actual output has its time and channel axes swapped: (N, C, L) "
                "against (N, L, C); transpose one of them (PyTorch/ONNX are "
                "channels-first, Keras/TF/JAX channels-last)")
        if _close(at, e, t):
            return [Diagnosis("layout_transposed", flip)]
        rest = diagnose(at, e, tol, bias, candidates, scale, context)
        if rest[0].code != "unknown":
            return [Diagnosis("layout_transposed", flip + "; transposed, it still differs:"),
                    *rest]
    elif a.shape == (n, ce, le) and _close(a.transpose(0, 2, 1), e, t) and not _close(a, e, t):
        return [Diagnosis("layout_transposed",
                          "the actual output is the reference with its time and channel "
                          "axes swapped: (N, L, C) against (N, C, L); transpose one of them "
                          "(PyTorch/ONNX are channels-first, Keras/TF/JAX channels-last)")]
    if (n, ca) == (e.shape[0], ce) and la != le:
        found = _window(a, e, t, b, context)
        return [found] if found else [Diagnosis(
            "unknown", f"time lengths differ ({la} vs {le}) and the two do not overlap "
            "shifted by any offset")]
    if a.shape != e.shape:
        grouped = _groups(a, e, t, context)
        if grouped is not None:
            return [grouped]
        return [Diagnosis("unknown", f"shapes differ: actual {a.shape} vs reference "
                          f"{e.shape} (as (N, L, C)); check the channel counts and groups")]
    found = _window(a, e, t, b, context)
    if found is not None:
        return [found]
    for name, (candidate, code, message) in (candidates or {}).items():
        if candidate.shape == a.shape and _close(a, candidate, t):
            return [Diagnosis(code, message, {"candidate": name})]
    # Output channels permuted: the whole output, or the weight's (bias in place).
    if ca > 1:
        perm = match_channels(a, e, t)
        in_place = False
        if (perm is None or perm == list(range(ca))) and b is not None and b.shape == (ca,):
            perm, in_place = match_channels(a, e, t, subtract=b), True
        if perm is not None and perm != list(range(ca)):
            what = ("the bias stayed with its channel, so the weight's output channels are "
                    "permuted" if in_place else "a weight layout read with C_out and C_in, "
                    "or groups, in the wrong order?")
            shown = perm if ca <= 16 else f"{perm[:16]}..."
            return [Diagnosis(
                "channels_permuted",
                f"output channel c of the actual is channel {shown}[c] of the reference"
                f"{' (bias subtracted)' if in_place else ''}: the output channels are "
                f"permuted ({what})", {"permutation": perm, "bias_in_place": in_place})]
    if context is not None:
        for name, lazy, code, message in context.what_if():
            if _close(a, lazy, t):
                return [Diagnosis(code, message, {"candidate": name})]
    # Per-channel offset and scale, from sums over blocks of time (no whole copy).
    total = np.zeros(ca)
    ee = ea = 0.0
    for t0, t1 in _steps(a.shape):
        pa, pe = _part(a, t0, t1), _part(e, t0, t1)
        total += (pa - pe).sum(axis=(0, 1))
        ee += float(np.vdot(pe, pe))
        ea += float(np.vdot(pe, pa))
    offset = total / max(n * la, 1)
    if np.any(np.abs(offset) > t) and _close(a, e, t, shift=offset):
        hint = (": a bias the reference did not get? Pass the framework's bias too "
                "(--bias on the command line)")
        if b is not None:
            if np.allclose(offset, -b, atol=t, rtol=0):
                hint = " = -bias: the bias is missing"
            elif np.allclose(offset, b, atol=t, rtol=0):
                hint = " = +bias: the bias is added twice"
            else:
                hint = (" (not +-bias: a wrong bias, e.g. another channel's; known: the "
                        "ONNX reference evaluator adds the wrong bias with group > 1)")
        return [Diagnosis(
            "offset",
            f"actual - reference is a constant per output channel, "
            f"{np.round(offset, 6).tolist()}{hint}", {"offset": offset.tolist()})]
    if ee > 0:
        alpha = ea / ee
        if abs(alpha - 1) > 1e-6 and _close(a, e, t * max(1.0, abs(alpha)), factor=alpha):
            return [Diagnosis("scaled", f"actual == {alpha:.6g} * reference",
                              {"factor": alpha})]
    return [_unknown()]
