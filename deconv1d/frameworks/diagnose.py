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
from .base import Call, InexpressibleError, describe_window, full_length

__all__ = ["Context", "Diagnosis", "diagnose", "match_channels", "to_nlc"]


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

    def what_if(self) -> Iterator[tuple[str, np.ndarray, str, str]]:
        """Alternative references ``(name, output (N, L, C), code, message)``, lazily.

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

    def _run(self, kernel: np.ndarray, groups: int | None = None) -> np.ndarray:
        c = self.call
        from .. import conv1d_transpose

        bias = None if c.bias is None else np.asarray(c.bias, np.float64)
        if groups is not None:
            given = self.bias_given
            bias = None if given is None or np.size(given) != kernel.shape[1] * groups \
                else np.asarray(given, np.float64).reshape(-1)
        return conv1d_transpose(np.asarray(c.x, np.float64), kernel, c.stride,
                                shapes.Window(*self.wanted), dilation=c.dilation,
                                groups=c.groups if groups is None else groups, bias=bias)

    def grouped(self, groups: int) -> np.ndarray | None:
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


def _close(a: np.ndarray, e: np.ndarray, tol: float) -> bool:
    """Whether ``a`` and ``e`` agree within ``tol`` everywhere (a cheap probe first)."""
    if a.shape != e.shape or a.size == 0:
        return False
    with np.errstate(over="ignore", invalid="ignore"):
        if a.ndim == 3 and a.shape[1] > 2 and \
                not bool(np.all(np.abs(a[:, :1] - e[:, :1]) <= tol)):
            return False
        return bool(np.all(np.abs(a - e) <= tol))


def _is_background(values: np.ndarray, bias: np.ndarray | None, tol: float) -> bool:
    """Whether samples look like 'no input reached here': zero, or the bias."""
    target = 0.0 if bias is None else np.asarray(bias, dtype=np.float64)
    return bool(np.all(np.abs(values - target) <= tol))


def match_channels(a: npt.ArrayLike, e: npt.ArrayLike, tol: float) -> list[int] | None:
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
    a2 = np.asarray(a, np.float64)
    e2 = np.asarray(e, np.float64)
    if a2.shape != e2.shape or a2.size == 0:
        return None
    channels = a2.shape[-1]
    a2, e2 = a2.reshape(-1, channels), e2.reshape(-1, channels)
    r = np.random.default_rng(0).standard_normal(a2.shape[0])
    sa, se = r @ a2, r @ e2
    slack = float(np.abs(r).sum()) * tol * (1 + 1e-9) + 1e-300
    order = np.argsort(se, kind="stable")
    sorted_se = se[order]
    used = np.zeros(channels, bool)
    perm = []
    for c in range(channels):
        lo = int(np.searchsorted(sorted_se, sa[c] - slack, "left"))
        hi = int(np.searchsorted(sorted_se, sa[c] + slack, "right"))
        for p in order[lo:min(hi, lo + 64)]:
            if not used[p] and bool(np.all(np.abs(a2[:, c] - e2[:, p]) <= tol)):
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
    candidates = [d for d in range(-(la - least), le - least + 1) if d or la != le]
    for d in sorted(candidates, key=abs):
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
        if _close(a, np.roll(e, k, axis=1), t) and _is_background(moved, bias, t):
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
            perm, in_place = match_channels(a - b, e - b, t), True
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
        for name, candidate, code, message in context.what_if():
            if _close(a, candidate, t):
                return [Diagnosis(code, message, {"candidate": name})]
    diff = a - e
    per_channel = diff.reshape(-1, ca)
    offset = per_channel.mean(axis=0)
    if np.all(np.abs(per_channel - offset) <= t) and np.any(np.abs(offset) > t):
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
    denom = float(np.vdot(e, e))
    if denom > 0:
        alpha = float(np.vdot(e, a)) / denom
        if abs(alpha - 1) > 1e-6 and _close(a, alpha * e, t * max(1.0, abs(alpha))):
            return [Diagnosis("scaled", f"actual == {alpha:.6g} * reference",
                              {"factor": alpha})]
    return [_unknown()]
