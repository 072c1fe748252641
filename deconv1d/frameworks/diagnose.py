"""Diagnoses: recognising the known ways a port's output differs from the reference.

:func:`diagnose` looks at an actual output and its reference (both ``(N, L, C)``)
and names the pattern: a layout transposed, a shift, zeros at the wrong end, a
shorter or longer window, a candidate reference ("what the output would be if the
kernel were flipped ..."), permuted output channels, a per-channel offset, a
scale.  :mod:`deconv1d.verify` calls it when a comparison fails.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["Diagnosis", "diagnose", "to_nlc"]


@dataclass(frozen=True)
class Diagnosis:
    """A recognised pattern: ``code`` for programs, ``message`` for people.

    Codes: ``layout_transposed``, ``shifted``, ``zeros_wrong_end``, ``window``,
    ``kernel_flipped``, ``kernel_io_swapped``, ``channels_permuted``, ``offset``,
    ``scaled``, ``unknown``.
    """

    code: str
    message: str
    details: dict = field(default_factory=dict)


# --------------------------------------------------------------------------- #
# Pattern detection (arrays in (N, L, C))                                     #
# --------------------------------------------------------------------------- #
def to_nlc(a, layout):
    a = np.asarray(a)
    letters = layout
    if "N" not in letters:
        a, letters = a[None], "N" + letters
    return a.transpose([letters.index(c) for c in "NLC"])


def _close(a, e, tol):
    return a.shape == e.shape and a.size > 0 and bool(np.all(np.abs(a - e) <= tol))


def _is_background(values, bias, tol):
    """Whether samples look like 'no input reached here': zero, or the bias."""
    target = 0.0 if bias is None else np.asarray(bias, dtype=np.float64)
    return bool(np.all(np.abs(values - target) <= tol))


def diagnose(a, e, tol, bias, candidates, scale):
    """Diagnoses for actual ``a`` vs expected ``e`` (both (N, L, C), float64)."""
    found = []
    n, la, ca = a.shape
    _, le, ce = e.shape
    t = float(np.max(tol)) if np.size(tol) else 0.0
    t = max(t, 1e-300)
    # Layout transposed: (N, L, C) read as (N, C, L).
    if a.shape == (n, ce, le) and _close(a.transpose(0, 2, 1), e, t) and \
            not _close(a, e, t):
        return [Diagnosis("layout_transposed",
                          "the actual output is the reference with its time and channel "
                          "axes swapped: (N, L, C) against (N, C, L); transpose one of them "
                          "(PyTorch/ONNX are channels-first, Keras/TF/JAX channels-last)")]
    if (n, ca) == e.shape[::2] and la != le:
        short, long_, _longer = (a, e, "reference") if la < le else (e, a, "actual")
        ls, ll = short.shape[1], long_.shape[1]
        for k in range(ll - ls + 1):
            if _close(short, long_[:, k:k + ls], t):
                rest = np.concatenate([long_[:, :k], long_[:, k + ls:]], axis=1)
                empty = _is_background(rest, bias, t)
                what = ("samples that hold no input contribution (zeros or bias only)"
                        if empty else "samples with real data")
                side = f"{k} at the start and {ll - ls - k} at the end"
                if la < le:
                    msg = (f"the actual output is the window [{k}:{k + ls}] of the "
                           f"reference: it is {ll - ls} sample(s) shorter ({side}), and the "
                           f"missing ones are {what}")
                else:
                    msg = (f"the reference is the window [{k}:{k + ls}] of the actual "
                           f"output: the actual has {ll - ls} extra sample(s) ({side}), "
                           f"{what}")
                found.append(Diagnosis("window", msg, {"start": k, "actual_length": la,
                                                       "expected_length": le,
                                                       "background": empty}))
                break
        return found or [Diagnosis("unknown", f"time lengths differ ({la} vs {le}) and the "
                                   "shorter is no window of the longer")]
    if a.shape != e.shape:
        return [Diagnosis("unknown", f"shapes differ: actual {a.shape} vs reference "
                          f"{e.shape} (as (N, L, C)); check the channel counts and groups")]
    # Shifts along time, and zeros at the wrong end.
    for k in sorted(range(-min(la - 1, 4), min(la - 1, 4) + 1), key=abs):
        if k == 0:
            continue
        if k > 0:
            ok = _close(a[:, k:], e[:, :-k], t)
        else:
            ok = _close(a[:, :k], e[:, -k:], t)
        if not ok:
            continue
        rolled = _close(a, np.roll(e, k, axis=1), t)
        moved = e[:, -k:] if k > 0 else e[:, :-k]
        if rolled and _is_background(moved, bias, t):
            where = ("start instead of the end" if k > 0 else "end instead of the start")
            found.append(Diagnosis(
                "zeros_wrong_end",
                f"the same samples, but the {abs(k)} sample(s) that no input reaches "
                f"(zeros, plus bias) are at the {where}: the window is off by {abs(k)}. "
                "Known: the ONNX reference evaluator with auto_pad SAME_UPPER/SAME_LOWER "
                "and stride > effective kernel puts them first; TF/Keras/JAX put them last",
                {"shift": k}))
        else:
            rel = "earlier" if k > 0 else "later"
            found.append(Diagnosis(
                "shifted",
                f"the actual output is the reference shifted by {abs(k)} sample(s): "
                f"actual[t] == reference[t {'-' if k > 0 else '+'} {abs(k)}] (it starts "
                f"{abs(k)} {rel} in the full scatter, so the crop differs by {abs(k)} at each end). "
                "Known: PyTorch padding=1, output_padding=1 is not Keras 'same' for "
                "K=3, stride=2 (crops (1, 0) instead of (0, 1)); no PyTorch padding "
                "gives that window: use padding=0, output_padding=0 and slice the kept "
                "window yourself (`deconv1d explain ... --shape` gives the slice)",
                {"shift": k}))
        return found
    for name, (candidate, code, message) in (candidates or {}).items():
        if candidate.shape == a.shape and _close(a, candidate, t):
            found.append(Diagnosis(code, message, {"candidate": name}))
            return found
    # Output channels permuted.
    if ca > 1:
        perm = []
        for c in range(ca):
            hits = [p for p in range(ce) if _close(a[..., c], e[..., p], t)]
            perm.append(hits[0] if len(hits) == 1 else None)
        if None not in perm and sorted(perm) == list(range(ca)) and perm != list(range(ca)):
            found.append(Diagnosis(
                "channels_permuted",
                f"output channel c of the actual is channel {perm} [c] of the reference: "
                "the output channels are permuted (a weight layout read with C_out and "
                "C_in, or groups, in the wrong order?)", {"permutation": perm}))
            return found
    diff = a - e
    per_channel = diff.reshape(-1, ca)
    offset = per_channel.mean(axis=0)
    if np.all(np.abs(per_channel - offset) <= t) and np.any(np.abs(offset) > t):
        hint = (": a bias the reference did not get? Pass the framework's bias too "
                "(--bias on the command line)")
        if bias is not None:
            b = np.asarray(bias, dtype=np.float64)
            if np.allclose(offset, -b, atol=t, rtol=0):
                hint = " = -bias: the bias is missing"
            elif np.allclose(offset, b, atol=t, rtol=0):
                hint = " = +bias: the bias is added twice"
            else:
                hint = (" (not +-bias: a wrong bias, e.g. another channel's; known: the "
                        "ONNX reference evaluator adds the wrong bias with group > 1)")
        found.append(Diagnosis(
            "offset",
            f"actual - reference is a constant per output channel, {np.round(offset, 6).tolist()}"
            f"{hint}",
            {"offset": offset.tolist()}))
        return found
    denom = float(np.vdot(e, e))
    if denom > 0:
        alpha = float(np.vdot(e, a)) / denom
        if abs(alpha - 1) > 1e-6 and _close(a, alpha * e, t * max(1.0, abs(alpha))):
            found.append(Diagnosis("scaled", f"actual == {alpha:.6g} * reference",
                                   {"factor": alpha}))
            return found
    return [Diagnosis("unknown", "no known pattern (not a shift, a window, a flipped kernel, "
                      "permuted channels, a per-channel offset or a scale): compare the "
                      "weight layout and the arguments with the README's 'Verify another "
                      "framework' section and help(deconv1d.interop)")]
