"""Time this checkout's deconv1d against another checkout's, side by side in one process.

``python benchmarks/compare.py --against ../baseline`` imports both packages
(the other one first, under its own module objects), then for every case of
``benchmarks/bench.py`` times the forward ``conv1d_transpose`` and the backward
``conv1d_transpose_vjp`` of both, interleaved (the helpers of ``bench.py``:
pinned threads, a settling pause, minimum of ``--repeat`` runs), and repeats
the whole suite ``--rounds`` times.  The table shows the median time of each
side and the median of the per-round ratios (this / other): a refactoring
should leave every ratio within run-to-run noise of 1.
"""

from __future__ import annotations

import importlib
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import CASES, case_arrays, common_parser, pin_threads, quick_case, side_by_side  # noqa: E402

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def load(root):
    """The ``deconv1d`` package of the checkout at ``root``, imported afresh."""
    for name in [m for m in sys.modules if m == "deconv1d" or m.startswith("deconv1d.")]:
        del sys.modules[name]
    sys.path.insert(0, os.path.abspath(root))
    try:
        return importlib.import_module("deconv1d")
    finally:
        sys.path.pop(0)


def main(argv=None):
    parser = common_parser(__doc__.splitlines()[0], 5,
                           "timed runs per round; the minimum is kept")
    parser.add_argument("--against", required=True, help="the other checkout's root")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    used = pin_threads(args.threads)
    import numpy as np

    other, this = load(args.against), load(HERE)
    repeat = 1 if args.quick else args.repeat
    rounds = 1 if args.quick else args.rounds
    cases = [quick_case(c) for c in CASES] if args.quick else CASES
    print(f"NumPy {np.__version__}; threads: {', '.join(used)}; min of {repeat} "
          f"interleaved runs, median of {rounds} rounds")
    rng = np.random.default_rng(0)
    setups = []
    for index, case, dtype_name, x, w in case_arrays(cases, args.dtypes, rng):
        name, n, length, c_in, c_out, k, s, d, g = case
        dtype = x.dtype
        b = rng.standard_normal(c_out).astype(dtype)
        dy = rng.standard_normal(
            this.conv1d_transpose(x, w, s, dilation=d, groups=g).shape).astype(dtype)
        for direction in ("forward", "backward"):
            if direction == "forward":
                fns = [lambda m=m, x=x, w=w, b=b, s=s, d=d, g=g:
                       m.conv1d_transpose(x, w, s, dilation=d, groups=g, bias=b)
                       for m in (other, this)]
            else:
                fns = [lambda m=m, x=x, w=w, dy=dy, s=s, d=d, g=g:
                       m.conv1d_transpose_vjp(dy, x, w, s, dilation=d, groups=g)
                       for m in (other, this)]
            a, c = fns[0](), fns[1]()
            for u, v in zip(a if isinstance(a, tuple) else (a,),
                            c if isinstance(c, tuple) else (c,)):
                tol = 1e-9 if dtype == np.float64 else 1e-3
                if not np.allclose(u, v, rtol=tol, atol=tol * np.abs(u).max()):
                    raise SystemExit(f"case {index} {direction}: the two disagree")
            setups.append(dict(index=index, name=name, dtype=dtype_name,
                               direction=direction, fns=fns, runs=[]))
    settle = 0 if args.quick else 0.05
    for round_ in range(rounds):
        for setup in setups:
            setup["runs"].append(side_by_side(setup["fns"], repeat, settle))
        print(f"round {round_ + 1}/{rounds} done", file=sys.stderr, flush=True)
    for direction in ("forward", "backward"):
        print(f"\n{direction}")
        header = (f"{'#':>2} {'case':<19} {'dtype':<7} {'other':>9} {'this':>9} "
                  f"{'ratio':>6} {'spread':>13}")
        print(header)
        print("-" * len(header))
        for setup in (s for s in setups if s["direction"] == direction):
            runs = setup["runs"]
            ratios = [r[1] / r[0] for r in runs]
            print(f"{setup['index']:>2} {setup['name']:<19} {setup['dtype']:<7} "
                  f"{statistics.median(r[0] for r in runs) * 1e3:>7.2f}ms "
                  f"{statistics.median(r[1] for r in runs) * 1e3:>7.2f}ms "
                  f"{statistics.median(ratios):>6.2f} "
                  f"{min(ratios):>6.2f}-{max(ratios):<6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
