"""Fit the constants of the engine's cost model (``deconv1d.core.engine.COST_NS``).

``python benchmarks/fit_costs.py --random 40 --seed 1`` times every candidate path
(``engine.candidates``) forced on seeded random shapes (``bench.random_cases``,
plus a long kernel on a short input and a huge stride), in each dtype, and fits
the four weights of ``engine.path_features`` by non-negative least squares on
relative error.  It prints the fitted ``COST_NS`` and, per shape, how the model
with those weights ranks the paths (chosen time over fastest time).
"""

from __future__ import annotations

import math
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import common_parser, percentile, pin_threads, random_cases, side_by_side  # noqa: E402

EXTRA = [
    ("long kernel, short input", 1, 16, 8, 8, 4096, 1, 1, 1),
    ("huge stride", 1, 64, 64, 64, 4000, 2000, 1, 1),
]


def main(argv=None):
    parser = common_parser(__doc__.splitlines()[0], 3, "timed runs; the minimum is kept")
    parser.add_argument("--random", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    pin_threads(args.threads)
    import numpy as np
    from scipy.optimize import nnls

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    from deconv1d.core import engine
    from deconv1d.core.transpose import prepare

    cases = random_cases(args.random, args.seed) + EXTRA
    if args.quick:
        cases = cases[:3]
    rng = np.random.default_rng(args.seed)
    rows = {}
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
            feats = [engine.path_features(p, o, problem.geometry, c_in, c_out, g, n,
                                          dtype.itemsize) for p, o in found]
            rows.setdefault(dtype.itemsize, []).append((case, found, feats, times))
            print(f"{dtype_name} {case[1:]}: " + ", ".join(
                f"{p}{o.get('time_batch', '')} {t * 1e3:.2f}ms"
                for (p, o), t in zip(found, times)), flush=True)
    for itemsize, data in rows.items():
        a = np.array([f for _, _, feats, _ in data for f in feats], dtype=float)
        t = np.array([x for *_, times in data for x in times]) * 1e9
        scale = a.max(axis=0)
        scale[scale == 0] = 1
        weights, _ = nnls(a / scale / t[:, None], np.ones_like(t))
        weights = weights / scale
        print(f"COST_NS[{itemsize}] = ({', '.join(f'{v:.4g}' for v in weights)})")
        ratios = []
        for case, found, feats, times in data:
            cost = [float(np.dot(weights, f)) for f in feats]
            ratios.append(times[int(np.argmin(cost))] / min(times))
        print(f"  chosen/fastest with these weights: median {statistics.median(ratios):.2f}, "
              f"p90 {percentile(ratios, 90):.2f}, max {max(ratios):.2f}")
        for ratio, (case, *_rest) in sorted(zip(ratios, data), key=lambda r: -r[0])[:5]:
            print(f"  {ratio:5.2f} {case[1:]}")
    return 0 if all(math.isfinite(v) for v in weights) else 1


if __name__ == "__main__":
    sys.exit(main())
