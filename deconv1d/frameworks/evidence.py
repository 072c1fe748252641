"""Pooled evidence: is the residual a kernel difference rather than rounding noise?

A per-sample bound cannot see a single weight off by 0.1% on a wide layer: its
effect on each output is below the rounding bound of that output.  But the
residual ``r = actual - reference`` is linear in a kernel difference ``dW``
(``r ~ T(x) dW``, ``T`` the transposed convolution of ``x`` as a function of the
kernel), so the evidence of every output that one kernel entry reaches can be
pooled.  With the noise of sample ``i`` modelled as ``c v_i`` (``v_i`` a known
shape, ``c`` estimated from the data), the weighted least-squares score of entry
``j`` is ``g_j = (T^T W r)_j`` with ``W = diag(1 / v^2)``, one VJP call for all
entries at once, and ``z_j = g_j / (c sqrt((T^T W T)_jj))`` is standard normal
under the noise model.  The derivation is in ``docs/error-bounds.md``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .. import conv1d_transpose, conv1d_transpose_vjp, shapes

__all__ = ["Entry", "Evidence", "pooled"]


@dataclass(frozen=True)
class Entry:
    """One kernel (or bias) entry that explains part of the residual.

    ``k``, ``out``, ``in_`` index the tap, the output channel and the input
    channel (``k`` and ``in_`` are None for a bias entry); ``value`` is the
    reference weight, ``delta`` the estimated difference ``actual - reference``.
    """

    k: int | None
    out: int
    in_: int | None
    value: float
    delta: float

    def __str__(self) -> str:
        name = (f"bias[{self.out}]" if self.k is None
                else f"w[k={self.k}, out={self.out}, in={self.in_}]")
        if self.value != 0:
            return f"{name} is off by {self.delta / self.value:+.2g} ({self.delta / self.value:+.4%})"
        return f"{name} is off by {self.delta:+.3g} (it is 0 in the reference)"


@dataclass(frozen=True)
class Evidence:
    """The pooled test's outcome (see :func:`pooled`): ``noise`` is the scale ``c``."""

    z_max: float
    threshold: float
    noise: float
    samples: int
    entries: int
    false_alarm: float
    located: tuple[Entry, ...] = field(default=())

    @property
    def suspect(self) -> bool:
        """Whether the largest score exceeds the threshold."""
        return self.z_max > self.threshold


class _Model:
    def __init__(self, x, kernel, stride, window, dilation, groups, with_bias):
        self.x, self.kernel = x, kernel
        self.kw = {"stride": stride, "padding": window, "dilation": dilation, "groups": groups}
        self.with_bias = with_bias

    def scores(self, dy, n0, n1, squared=False, absolute=False):
        x = self.x[n0:n1]
        x = x * x if squared else np.abs(x) if absolute else x
        _, dw, db = conv1d_transpose_vjp(dy, x, self.kernel, **self.kw)
        return dw, db

    def column(self, index, amount, n0, n1):
        k = np.zeros_like(self.kernel)
        x = self.x[n0:n1]
        if index[0] == "w":
            k[index[1:]] = amount
            return conv1d_transpose(x, k, **self.kw)
        b = np.zeros(self.kernel.shape[1] * self.kw["groups"])
        b[index[1]] = amount
        return conv1d_transpose(x, k, bias=b, **self.kw)


def _best(g, h, gb, hb):
    """The entry whose weighted least-squares fit removes most of the residual."""
    with np.errstate(divide="ignore", invalid="ignore"):
        red = np.where(h > 0, g * g / np.where(h > 0, h, 1), 0.0)
        redb = np.where(hb > 0, gb * gb / np.where(hb > 0, hb, 1), 0.0) if gb is not None \
            else np.zeros(0)
    jw = int(np.argmax(red)) if red.size else 0
    if redb.size and redb.max() > (red.flat[jw] if red.size else -1):
        j = int(np.argmax(redb))
        return ("b", j), gb[j] / hb[j]
    idx = np.unravel_index(jw, g.shape)
    return ("w", *idx), g[idx] / h[idx]


def _floored(g, h, systematic=0.0):
    """``|g| / sqrt(h)`` with ``|g|`` first reduced by ``systematic`` (the most a
    systematic last rounding can make of it): the score of "this entry is off by more
    than the last rounding explains"."""
    with np.errstate(divide="ignore", invalid="ignore"):
        safe = np.where(h > 0, h, 1)
        excess = np.maximum(np.abs(g) - systematic, 0.0)
        return np.where(h > 0, excess / np.sqrt(safe), 0.0)


def _zmax(g, h, gb, hb, c, sys_w=0.0, sys_b=0.0):
    """The largest score over the kernel (and bias) entries, in units of the noise ``c``.

    ``sys_w`` and ``sys_b`` (arrays shaped like the entries, or 0) are the parts of
    the scores a systematic last rounding can make (see :func:`pooled`'s
    ``allowance``).
    """
    z = _floored(g, h, sys_w)
    zmax = float(z.max()) if z.size else 0.0
    if gb is not None and gb.size:
        zmax = max(zmax, float(_floored(gb, hb, sys_b).max()))
    return zmax / c if c > 0 else (math.inf if zmax > 0 else 0.0)


def pooled(chunk: Callable[[int, int], tuple[np.ndarray, ...]], x: np.ndarray,
           kernel: np.ndarray, *, stride: int, window: shapes.Window, dilation: int,
           groups: int, bias: np.ndarray | None, noise_floor: float, false_alarm: float,
           locate: bool | str = False, max_entries: int = 3, block: int = 1 << 15,
           allowance: Callable[[int, int], np.ndarray] | None = None) -> Evidence | None:
    """Test whether a residual is explained by kernel entries rather than by rounding.

    Parameters
    ----------
    chunk : callable ``(n0, n1) -> (residual, shape[, tolerance])``
        The batch rows ``n0:n1`` of ``actual - reference`` (finite, shape
        ``(n1 - n0, L_out, C_out)``) and of ``v``, the noise shape (the noise of
        sample ``t`` is modelled as sub-Gaussian with parameter ``c v_t``, ``c``
        estimated from the data; ``v_t = 0`` where no product reaches it);
        optionally the per-sample tolerance a located remainder must be within
        when ``locate="always"``.  Asked for a few rows at a time, so that the
        scratch stays bounded.
    x : ndarray, shape (N, L, C_in)
    kernel : ndarray, shape (K, C_out // groups, C_in)
        The reference kernel (Keras layout).
    stride, window, dilation, groups
        The geometry (``window`` the canonical crop).
    bias : ndarray, shape (C_out,), or None
        The reference bias: with one, bias entries are candidates too.
    noise_floor : float
        Lower limit of ``R`` (the unit roundoff of the output's arithmetic).
    false_alarm : float
        ``p``: the Bonferroni threshold over the entries is set for it.
    locate : bool or "always", default False
        Also name up to ``max_entries`` entries that explain the residual when
        the pooled score is beyond the threshold; ``"always"`` (the per-sample
        test already failed) tries even below it, and accepts the entries only
        when the remainder is within the chunk's tolerance everywhere.
    block : int
        Output samples per chunk (at least one batch row).
    allowance : callable ``(n0, n1) -> ndarray``, optional
        Per sample of the batch rows ``n0:n1`` (shaped like the residual), the size
        ``a_t`` of an error that may be systematic rather than noise: the last
        rounding of the output (adding a bias to the finished sum, storing it),
        at most ``u |y_t|``, is a deterministic function of values that are
        correlated with the inputs (with a bias added last, it is the bias rounded
        to the grid of the output's binade: the same for every sample of a channel
        and binade).  Entry ``j``'s score is first reduced by the most such errors
        can make of it, ``sum_t |T_tj| a_t / v_t^2`` (one more VJP call, with
        ``|x|``, made only when some score is beyond the threshold without it).

    Returns
    -------
    Evidence or None
        None when no sample holds a product.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((1, 40, 3)); w = rng.standard_normal((4, 2, 3))
    >>> win = shapes.Window(0, 0)
    >>> y = conv1d_transpose(x, w, 2, win)
    >>> w2 = w.copy(); w2[1, 0, 2] *= 1.001
    >>> r = conv1d_transpose(x, w2, 2, win) - y + 1e-9 * rng.standard_normal(y.shape)
    >>> ev = pooled(lambda n0, n1: (r[n0:n1], np.ones_like(r[n0:n1])), x, w, stride=2,
    ...             window=win, dilation=1, groups=1, bias=None, noise_floor=2.0**-53,
    ...             false_alarm=1e-6, locate=True)
    >>> ev.suspect, [str(e) for e in ev.located]
    (True, ['w[k=1, out=0, in=2] is off by +0.001 (+0.1000%)'])
    """
    with_bias = bias is not None
    model = _Model(x, kernel, stride, window, dilation, groups, with_bias)
    n_batch = x.shape[0]
    r0 = chunk(0, min(1, n_batch))[0]
    rows = max(1, block // max(r0[0].size if r0.shape[0] else 1, 1))
    spans = [(i, min(i + rows, n_batch)) for i in range(0, n_batch, rows)]
    entries = int(kernel.size) + (kernel.shape[1] * groups if with_bias else 0)
    fits: dict[tuple, float] = {}

    def residual(n0, n1):
        found = chunk(n0, n1)
        r, v, tol = _three(found)
        for index, beta in fits.items():
            r -= model.column(index, beta, n0, n1)
        return r, v, tol, _share(found)

    def scores(with_h):
        g = h = gb = hb = None
        samples = 0
        for n0, n1 in spans:
            r, v, _, share = residual(n0, n1)
            valid = (v > 0) & np.isfinite(v)
            samples += _count(valid, share)
            weight = np.zeros(r.shape)
            np.divide(1.0, v * v, out=weight, where=valid)
            dw, db = model.scores(weight * r, n0, n1)
            g, gb = (dw, db) if g is None else (g + dw, gb + db)
            if with_h:
                dw, db = model.scores(weight, n0, n1, squared=True)
                h, hb = (dw, db) if h is None else (h + dw, hb + db)
        return g, gb, h, hb, samples

    g, gb, h, hb, samples = scores(True)
    if samples == 0:
        return None
    if not with_bias:
        gb = hb = None
    threshold = math.sqrt(2 * math.log(2 * entries / false_alarm))
    index, _ = _best(g, h, gb, hb)
    # The noise scale, from the samples outside the reach of the best-fitting entry when
    # that leaves at least half of them (so that a real difference does not inflate it).
    outside = _Scale()
    everywhere = _Scale()
    for n0, n1 in spans:
        found = chunk(n0, n1)
        r, v, _ = _three(found)
        reach = model.column(index, 1.0, n0, n1) != 0
        everywhere.add(r, v, None, _share(found))
        outside.add(r, v, reach, _share(found))
    use = outside if 2 * outside.count >= samples else everywhere
    noise = max(use.scale(false_alarm), noise_floor)
    sys_w: np.ndarray | float = 0.0
    sys_b: np.ndarray | float = 0.0
    z_max = _zmax(g, h, gb, hb, noise)
    if allowance is not None and (z_max > threshold or locate == "always"):
        sys_w, sys_b = _systematic(model, chunk, allowance, spans, noise_floor)
        z_max = _zmax(g, h, gb, hb, noise, sys_w, sys_b)
    located: list[Entry] = []
    failed = locate == "always"
    if locate and (z_max > threshold or failed):
        gk, gkb = g, gb
        for _ in range(max_entries):
            index, beta = _best(gk, h, gkb, hb)
            if not math.isfinite(beta) or beta == 0:
                break
            fits[index] = fits.get(index, 0.0) + float(beta)
            gk, gkb, _, _, _ = scores(False)
            if not with_bias:
                gkb = None
            # The remainder must be noise: its own scale (every sample now) leaves no
            # entry beyond the threshold, and, where the per-sample test failed, every
            # sample is back within its rounding tolerance.
            rest = _Scale()
            within = True
            for n0, n1 in spans:
                r, v, tol, share = residual(n0, n1)
                rest.add(r, v, None, share)
                if tol is not None:
                    within = within and bool(np.all(np.abs(r) <= tol))
            if _zmax(gk, h, gkb, hb, max(rest.scale(false_alarm), noise_floor),
                     sys_w, sys_b) <= threshold \
                    and (within or not failed):
                located = [_entry(i, d, kernel, bias, groups) for i, d in fits.items()]
                break
    return Evidence(z_max=z_max, threshold=threshold, noise=noise, samples=samples,
                    entries=entries, false_alarm=false_alarm, located=tuple(located))


def _systematic(model, chunk, allowance, spans, u):
    """``sum_t |T_tj| a_t / v_t^2`` for every kernel entry ``j`` (and bias entry).

    ``a_t`` is the caller's allowance plus what repeated input rows can add: a row that
    occurs more than once gives the same products and, summed over its channels for one
    tap (as a GEMM per tap does), the same partial sum with the same rounding error at
    every occurrence, at most ``gamma_c sum_i |x_i w_i|`` (``c`` channels per group).
    Such errors add up coherently instead of averaging out, so ``a_t`` also holds
    ``gamma_c`` times ``sum |x||w|`` over the repeated rows that reach sample ``t``.
    """
    sw = sb = None
    repeated = _repeated_rows(model.x)
    c = model.x.shape[2] // model.kw["groups"]
    gamma = c * u / (1 - c * u) if c * u < 1 else math.inf
    for n0, n1 in spans:
        _, v, _ = _three(chunk(n0, n1))
        valid = (v > 0) & np.isfinite(v)
        weight = np.zeros(v.shape)
        np.divide(1.0, v * v, out=weight, where=valid)
        a = np.abs(allowance(n0, n1))
        if repeated is not None:
            xr = np.where(repeated[n0:n1, :, None], np.abs(model.x[n0:n1]), 0.0)
            a = a + gamma * conv1d_transpose(xr, np.abs(model.kernel), **model.kw)
        dw, db = model.scores(weight * a, n0, n1, absolute=True)
        sw, sb = (dw, db) if sw is None else (sw + dw, sb + db)
    return sw, (sb if model.with_bias else 0.0)


def _repeated_rows(x: np.ndarray) -> np.ndarray | None:
    """Which input rows ``x[n, l, :]`` occur more than once (anywhere); None if none."""
    rows = x.reshape(-1, x.shape[2])
    if rows.shape[0] < 2 or rows.shape[1] == 0:
        return None
    _, inverse, counts = np.unique(rows, axis=0, return_inverse=True, return_counts=True)
    repeated = (counts[np.ravel(inverse)] > 1).reshape(x.shape[:2])
    return repeated if repeated.any() else None


def _share(found: tuple) -> np.ndarray | None:
    """The chunk's optional fourth answer: each sample's share of one observation."""
    return found[3] if len(found) > 3 else None


def _count(valid: np.ndarray, share: np.ndarray | None) -> float:
    """Observations among the ``valid`` samples (each counted by its share)."""
    if share is None:
        return int(np.count_nonzero(valid))
    return float(np.sum(share, where=valid))


def _three(found: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """``(residual, shape, tolerance or None)`` from a chunk's answer."""
    return (found[0], found[1], found[2] if len(found) > 2 else None)


class _Scale:
    """Accumulates ``|r_t| / v_t`` over samples: count, sum of squares and largest."""

    def __init__(self) -> None:
        self.count, self.squares, self.largest = 0.0, 0.0, 0.0

    def add(self, r: np.ndarray, v: np.ndarray, skip: np.ndarray | None,
            share: np.ndarray | None = None) -> None:
        valid = (v > 0) & np.isfinite(v)
        if skip is not None:
            valid &= ~skip
        ratio = np.zeros(r.shape)
        np.divide(np.abs(r), v, out=ratio, where=valid)
        self.count += _count(valid, share)
        self.squares += float(np.vdot(ratio, ratio))
        if share is not None:           # v was scaled by 1 / sqrt(share): undo for the bound
            np.divide(ratio, np.sqrt(share), out=ratio, where=valid)
        self.largest = max(self.largest, float(ratio.max()) if ratio.size else 0.0)

    def scale(self, false_alarm: float) -> float:
        """``c`` with the noise of sample ``t`` sub-Gaussian of parameter ``c v_t``.

        The smaller of the largest ratio (a bound on the noise: Hoeffding) and
        ``sqrt(3)`` times an upper confidence limit of the root mean square ratio
        (a sum of independent rounding errors bounded by ``b_k`` is sub-Gaussian
        with parameter ``sqrt(sum b_k^2)``, at most ``sqrt(3)`` times its standard
        deviation when the errors spread at least as a uniform distribution on
        ``[-b_k, b_k]``).  The confidence limit takes ``sigma^2 <= s^2 m / (m - z
        sqrt(2 m))`` (the normal approximation to the chi-square lower tail, which
        overstates that tail), ``z`` for probability ``false_alarm``; with too few
        samples for it, only the largest ratio is used.
        """
        m = self.count
        if m == 0:
            return 0.0
        z = math.sqrt(2 * math.log(1 / false_alarm))
        low = m - z * math.sqrt(2 * m)
        if low <= 0:
            return self.largest
        rms = math.sqrt(self.squares / low)
        return min(self.largest, math.sqrt(3) * rms)


def _entry(index, delta, kernel, bias, groups):
    if index[0] == "b":
        return Entry(None, int(index[1]), None, float(bias[index[1]]), delta)
    k, m, c = (int(i) for i in index[1:])
    per_group = kernel.shape[1]
    out = (c // (kernel.shape[2] // groups)) * per_group + m
    return Entry(k, out, c, float(kernel[k, m, c]), delta)
