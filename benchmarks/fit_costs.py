"""Fit the constants of the engine's cost model (``deconv1d.core.engine.COST_NS``).

``python benchmarks/fit_costs.py --random 40 --seed 1`` times every candidate path
(``engine.candidates``) forced on seeded random shapes (``bench.random_cases``,
plus a long kernel on a short input, a huge stride, and the suite's eight shapes of
``bench.CASES``, which users' layers resemble), in each dtype, and fits
the four weights of ``engine.path_features`` by non-negative least squares on
relative error, for each pair of narrowness constants (``GEMM_HALF_INNER``,
``GEMM_HALF_OUTPUT``) of a small grid; it keeps the pair whose fitted model ranks
the paths best (90th percentile of chosen time over fastest time, then the
worst).  It prints the fitted constants and, per shape, how the model ranks the
paths.  ``--save FILE`` writes the timings as JSON, ``--load FILE`` refits from
them without timing again.  On a machine shared with other jobs, fit with
``--threads 1``: two-thread BLAS calls stall at random there whenever one
thread is descheduled, and those times model the scheduler, not the paths.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import CASES, common_parser, percentile, pin_threads, random_cases, side_by_side  # noqa: E402

EXTRA = [
    ("long kernel, short input", 1, 16, 8, 8, 4096, 1, 1, 1),
    ("huge stride", 1, 64, 64, 64, 4000, 2000, 1, 1),
]


def main(argv=None):
    parser = common_parser(__doc__.splitlines()[0], 3, "timed runs; the minimum is kept")
    parser.add_argument("--random", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--save", help="write the timings to this JSON file")
    parser.add_argument("--load", help="refit from timings saved by --save")
    args = parser.parse_args(argv)
    pin_threads(args.threads)
    import numpy as np
    from scipy.optimize import nnls

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    from deconv1d.core import engine
    from deconv1d.core.transpose import prepare

    cases = random_cases(args.random, args.seed) + EXTRA + CASES
    if args.quick:
        cases = cases[:3]
    if args.load:
        with open(args.load) as f:
            timed = [(tuple(c), dtype_name, [(p, o) for p, o in found], times)
                     for c, dtype_name, found, times in json.load(f)]
    else:
        timed = time_paths(cases, args, np, engine, prepare)
    if args.save:
        with open(args.save, "w") as f:
            json.dump(timed, f)
    best = None
    for inner, output in itertools.product(INNER_GRID, OUTPUT_GRID):
        engine.GEMM_HALF_INNER, engine.GEMM_HALF_OUTPUT = inner, output
        fits = fit(timed, np, nnls, engine)
        score = max((percentile(r, 90), max(r)) for _, r, _ in fits.values())
        if best is None or score < best[0]:
            best = (score, inner, output, fits)
    _, inner, output, fits = best
    print(f"GEMM_HALF_INNER = {inner}\nGEMM_HALF_OUTPUT = {output}")
    for itemsize, (weights, ratios, data) in fits.items():
        print(f"COST_NS[{itemsize}] = ({', '.join(f'{v:.4g}' for v in weights)})")
        print(f"  chosen/fastest with these weights: median {statistics.median(ratios):.2f}, "
              f"p90 {percentile(ratios, 90):.2f}, max {max(ratios):.2f}")
        for ratio, (case, *_rest) in sorted(zip(ratios, data), key=lambda r: -r[0])[:5]:
            print(f"  {ratio:5.2f} {case[1:]}")
    weights = [w for w, _, _ in fits.values()]
    return 0 if all(math.isfinite(v) for w in weights for v in w) else 1


#: The narrowness constants tried (``engine.GEMM_HALF_INNER`` / ``_OUTPUT``).
INNER_GRID = (0, 1, 2, 4, 8, 16, 32)
OUTPUT_GRID = (0, 0.5, 1, 2, 4, 8, 16, 32)


def time_paths(cases, args, np, engine, prepare):
    """``[(case, dtype_name, candidates, times)]``: every candidate path, forced."""
    rng = np.random.default_rng(args.seed)
    timed = []
    for dtype_name in args.dtypes.split(","):
        dtype = np.dtype(dtype_name)
        for case in cases:
            _, n, length, c_in, c_out, k, s, d, g = case
            x = rng.standard_normal((n, length, c_in)).astype(dtype)
            w = rng.standard_normal((k, c_out // g, c_in)).astype(dtype)
            problem = prepare(x, w, s, dilation=d, groups=g)
            found = engine.candidates(problem.geometry, c_in, c_out, g, n, dtype.itemsize)
            times = side_by_side([lambda p=p, o=o: engine.compute(problem, p, **o)
                                  for p, o in found], 1 if args.quick else args.repeat, 0.02)
            timed.append((case, dtype_name, found, times))
            print(f"{dtype_name} {case[1:]}: " + ", ".join(
                f"{p}{o.get('time_batch', '')} {t * 1e3:.2f}ms"
                for (p, o), t in zip(found, times)), flush=True)
    return timed


def fit(timed, np, nnls, engine):
    """Per item size: the fitted weights, chosen/fastest per shape, and the rows."""
    from deconv1d.core.transpose import prepare
    rows = {}
    for case, dtype_name, found, times in timed:
        _, n, length, c_in, c_out, k, s, d, g = case
        itemsize = np.dtype(dtype_name).itemsize
        geom = prepare(np.zeros((1, length, c_in)), np.zeros((k, c_out // g, c_in)),
                       s, dilation=d, groups=g).geometry
        feats = [engine.path_features(p, o, geom, c_in, c_out, g, n, itemsize)
                 for p, o in found]
        rows.setdefault(itemsize, []).append((case, found, feats, times))
    fits = {}
    for itemsize, data in rows.items():
        a = np.array([f for _, _, feats, _ in data for f in feats], dtype=float)
        t = np.array([x for *_, times in data for x in times]) * 1e9
        scale = a.max(axis=0)
        scale[scale == 0] = 1
        weights, _ = nnls(a / scale / t[:, None], np.ones_like(t))
        weights = weights / scale
        fits[itemsize] = (weights, choices(weights, data, np), data)
    return fits


def choices(weights, data, np):
    """Per shape: the time of the path the weights pick over the fastest time."""
    return [times[int(np.argmin([float(np.dot(weights, f)) for f in feats]))] / min(times)
            for _, _, feats, times in data]




if __name__ == "__main__":
    sys.exit(main())
