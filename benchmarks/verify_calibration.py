"""How far can verify's verdicts be trusted?  Measured on real framework outputs.

``python benchmarks/verify_calibration.py [--cache DIR_OR_NPZ] [--markdown]`` runs
``deconv1d.verify.check`` over the outputs recorded by
``tools/make_verify_calibration.py`` (default cache ``/tmp/deconv1d-calibration``;
``tests/data/verify_calibration.npz``, its committed subset, works too) and prints

(a) per framework and dtype: how many correct outputs got a verdict other than
    MATCH (false SUSPECT / MISMATCH; the target is none);
(b) per perturbed layer (one weight scaled by 1.001 or 1.0001): how often that was
    detected (verdict not MATCH) and localised (a diagnosis names the perturbed
    entry as ``(k, out, in)`` of the Keras kernel), and the largest missed weight
    relative to the root mean square of the layer's weights (a weight near zero
    changes by nearly nothing when scaled);
(c) the time to diagnose a ``(1, 4096, 512)`` mismatch (two unrelated arrays,
    and the same array with its channels permuted); target < 2 s.

``--misses`` also lists every missed perturbed trial: the scaled weight relative to
the root mean square weight, the report's largest pooled score and threshold, and an
independent estimate of the scaled entry's own score (see :func:`entry_score`).

The verdict is ``report.verdict`` where verify has one, else MATCH / MISMATCH
from ``bool(report)``.
"""

from __future__ import annotations

import argparse
import collections
import json
import pathlib
import re
import sys
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tools")]

from make_verify_calibration import DEFAULT_OUT, inputs, load  # noqa: E402

from deconv1d import interop, verify  # noqa: E402


def verdict(report: Any) -> str:
    """``"MATCH"``, ``"SUSPECT"`` or ``"MISMATCH"`` for today's and tomorrow's Report."""
    found = getattr(report, "verdict", None)
    return str(found) if found is not None else ("MATCH" if report else "MISMATCH")


def _names(details: Any, index: list[int]) -> bool:
    """Whether diagnosis details hold the kernel index (as a list, or k/out/in keys)."""
    if isinstance(details, dict):
        if [details.get(k) for k in ("k", "out", "in")] == index:
            return True
        return any(_names(v, index) for v in details.values())
    if isinstance(details, (list, tuple)):
        if [v for v in details] == index:
            return True
        return any(_names(v, index) for v in details)
    return False


def localised(report: Any, index: list[int]) -> bool:
    """Whether the report's first weight diagnosis names exactly ``index``."""
    k, o, i = index
    text = re.compile(rf"k={k}, out={o}, in={i}\b")
    for d in report.diagnoses:
        if text.search(d.message) or _names(d.details, index):
            return True
    return False


def cases(cache: pathlib.Path) -> Iterator[tuple[dict, np.ndarray, tuple]]:
    """``(case, y, (x, w, b))`` from a cache directory or the committed subset file."""
    if cache.is_dir():
        for path in sorted(cache.glob("*.npz")):
            meta, outputs = load(path)
            for case, y in zip(meta["cases"], outputs):
                yield case, y, inputs(case)
        return
    with np.load(cache, allow_pickle=False) as f:
        meta = json.loads(str(f["meta"]))
        for i, case in enumerate(meta["cases"]):
            b = f[f"c{i}_b"] if f"c{i}_b" in f else None
            yield case, f[f"c{i}_y"], (f[f"c{i}_x"], f[f"c{i}_w"], b)


def entry_score(case: dict, y: np.ndarray, x: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """An estimate, made here from the arrays, of the perturbed entry's pooled score.

    The weighted least-squares score of docs/error-bounds.md ("Pooled evidence") for
    that one entry ``j``: ``g_j / (c sqrt(h_j))`` with ``T_j`` the output of a kernel
    holding 1 at the entry, ``v_t = M_t / sqrt(n_t)``, ``g_j = sum T_j r / v^2``,
    ``h_j = sum T_j^2 / v^2``, and ``c = sqrt(3)`` times the root mean square of
    ``r / v`` outside the entry's reach (the point estimate, not the confidence limit
    ``verify`` uses, so a little higher than its score).  The second number also
    subtracts the allowance for one systematic rounding of ``|y|`` per sample,
    ``sum |T_j| u |y| / v^2``.  Returns ``(score, score after the allowance)``.
    """
    def run(xs: np.ndarray, ws: np.ndarray) -> np.ndarray:   # the trials have no bias
        call = interop.plan(case["entry"], xs, ws, **case["kwargs"])
        return np.asarray(call.run(), dtype=np.float64)

    x64, w64 = x.astype(np.float64), w.astype(np.float64)
    r = y.astype(np.float64) - run(x64, w64)
    products = run(np.ones_like(x64), np.ones_like(w64))
    reached = products > 0
    v2 = np.where(reached, np.square(run(np.abs(x64), np.abs(w64))) / np.maximum(products, 1),
                  np.inf)
    one = np.zeros_like(w64)
    one[tuple(case["perturb"]["index"])] = 1.0
    t = run(x64, one)
    h = float(np.sum(np.square(t) / v2))
    outside = (t == 0) & reached
    c = float(np.sqrt(3 * np.mean(np.square(r[outside]) / v2[outside])))
    g = abs(float(np.sum(t * r / v2)))
    allowance = float(np.sum(np.abs(t) * verify.unit_roundoff(y.dtype) * np.abs(y) / v2))
    return g / (c * np.sqrt(h)), (g - allowance) / (c * np.sqrt(h))


def calibrate(cache: pathlib.Path, misses: list[str] | None = None
              ) -> tuple[dict, dict, list[str]]:
    """Counts: ``false[(source, dtype)] = [n, suspect, mismatch]``,
    ``perturbed[kind] = [trials, detected, localised]``, and the false alarms' ids;
    with ``misses`` (a list), a line per missed perturbed trial is appended to it."""
    false: dict = collections.defaultdict(lambda: [0, 0, 0])
    perturbed: dict = collections.defaultdict(lambda: [0, 0, 0, 0.0])
    alarms = []
    closest = [0.0, ""]
    for case, y, (x, w, b) in cases(cache):
        report = verify.check(case["entry"], y, x, w, b, **case["kwargs"])
        v = verdict(report)
        if "perturb" in case:
            row = perturbed[(case["kind"], case["source"], case["perturb"]["factor"])]
            row[0] += 1
            row[1] += v != "MATCH"
            row[2] += localised(report, case["perturb"]["kernel_index"])
            if v == "MATCH":       # how small was the weight (so its change) that was missed?
                size = abs(float(w[tuple(case["perturb"]["index"])]))
                relative = size / float(np.sqrt(np.mean(np.square(w, dtype=float))))
                row[3] = max(row[3], relative)
                if misses is not None:
                    score, allowed = entry_score(case, y, x, w)
                    misses.append(f"{case['id']} ({case['kind']}): |w| = {relative:.3f} rms(w), "
                                  f"pooled max z {report.pooled_z:.2f} (threshold "
                                  f"{report.pooled_threshold:.2f}); the entry's own score "
                                  f"~{score:.2f}, ~{allowed:.2f} after the allowance")
        else:
            row = false[(case["source"], case["dtype"])]
            row[0] += 1
            row[1] += v == "SUSPECT"
            row[2] += v == "MISMATCH"
            if report.pooled_z is not None and \
                    report.pooled_z / report.pooled_threshold > closest[0]:
                closest[:] = [report.pooled_z / report.pooled_threshold, case["id"]]
            if v != "MATCH":
                alarms.append(f"{case['id']}: {v}, error/tol "
                              f"{report.error_to_tolerance:.3g}")
    alarms.insert(0, f"(largest pooled score of a correct output: {closest[0]:.2f} of its "
                     f"threshold, {closest[1]})")
    return false, perturbed, alarms


def diagnosis_time() -> list[tuple[str, float, str]]:
    """Seconds to compare (and so diagnose) two (1, 4096, 512) float32 arrays."""
    rng = np.random.default_rng(0)
    e = rng.standard_normal((1, 4096, 512)).astype(np.float32)
    timings = []
    for name, a in (("unrelated arrays", rng.standard_normal(e.shape).astype(np.float32)),
                    ("channels permuted", e[..., rng.permutation(512)])):
        start = time.perf_counter()
        report = verify.compare(a, e)
        timings.append((name, time.perf_counter() - start, ",".join(report.codes)))
    return timings


def _natural(text: str) -> list:
    """A sort key reading the numbers in ``text`` as numbers (L16 before L256)."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=pathlib.Path, default=DEFAULT_OUT,
                        help=f"cache directory or subset npz (default {DEFAULT_OUT})")
    parser.add_argument("--no-timing", action="store_true", help="skip (c)")
    parser.add_argument("--misses", action="store_true",
                        help="list every missed perturbed trial with its scores")
    args = parser.parse_args(argv)
    if not args.cache.exists():
        print(f"no cache at {args.cache}: run tools/make_verify_calibration.py first "
              "(with the frameworks installed)", file=sys.stderr)
        return 2
    misses: list[str] | None = [] if args.misses else None
    false, perturbed, alarms = calibrate(args.cache, misses)
    print("(a) correct outputs: false alarms (verdict not MATCH)\n")
    print("| framework | dtype | outputs | false SUSPECT | false MISMATCH |")
    print("|---|---|---:|---:|---:|")
    total = [0, 0, 0]
    for (source, dtype), row in sorted(false.items()):
        print(f"| {source} | {dtype} | {row[0]} | {row[1]} | {row[2]} |")
        total = [t + r for t, r in zip(total, row)]
    print(f"| all | | {total[0]} | {total[1]} | {total[2]} |")
    print(f"\n{alarms[0]}")
    for line in alarms[1:21]:
        print("  false alarm:", line)
    print("\n(b) one weight scaled: detected (verdict not MATCH) and localised\n")
    print("| layer | framework | factor | trials | detected | localised | missed weights |")
    print("|---|---|---|---:|---:|---:|---|")
    for (kind, source, factor), (n, hit, found, small) in sorted(
            perturbed.items(), key=lambda item: (_natural(item[0][0]), item[0][1:])):
        missed = f"all with \\|w\\| <= {small:.2f} rms(w)" if hit < n else ""
        print(f"| {kind} | {source} | {factor} | {n} | {hit} ({100 * hit / n:.0f}%) | "
              f"{found} ({100 * found / n:.0f}%) | {missed} |")
    for line in misses or ():
        print("  missed:", line)
    if not args.no_timing:
        print("\n(c) diagnosing a (1, 4096, 512) mismatch (target < 2 s)\n")
        for name, seconds, codes in diagnosis_time():
            print(f"  {name}: {seconds:.2f} s ({codes})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
