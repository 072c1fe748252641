"""Time this checkout's deconv1d against another checkout's, side by side in one run.

``python benchmarks/compare.py --against ../baseline`` starts one worker process
per checkout (each imports only its own ``deconv1d``), has both build the same
seeded arrays for every case of ``benchmarks/bench.py``, checks that their
forward ``conv1d_transpose`` and backward ``conv1d_transpose_vjp`` agree, then
times them in turns: for each case, each worker after a pause runs it once
untimed and ``--repeat`` times timed (the least is kept), the order of the two
alternating by round, and the whole suite is repeated ``--rounds`` times.  The table
shows the median time of each side and the median of the per-round ratios
(this / other): a refactoring should leave every ratio within run-to-run noise
of 1 (``--against`` this very checkout shows that noise).

Why two processes: in one process the two packages share one allocator, and
one side's large temporaries change what the other's allocations cost (glibc
moves its mmap threshold and trims its heap as blocks come and go).  Measured
that way, one and the same code's backward pass of the one-channel case took
9.3 ms beside an older checkout and 3.1 ms beside a copy of itself.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import CASES, case_arrays, common_parser, pin_threads, quick_case  # noqa: E402

#: Seconds of pause before a side's turn.  A worker's BLAS threads keep spinning
#: for a while after its last call (OpenBLAS busy-waits before sleeping), and on
#: a two-core machine they would compete with the other worker's run: with runs
#: alternating one by one and 0.05 s pauses, the ratios of one case spread
#: 0.2-3.3.  So each turn is one untimed run and then ``--repeat`` runs back to
#: back (the least kept), the sides take turns, and the order alternates by round.
SETTLE_BETWEEN = 0.25

HERE = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def setups(module, cases, dtypes):
    """``(label, fn)`` for every case, dtype and direction, from seeded arrays."""
    import numpy as np
    rng = np.random.default_rng(0)
    for index, case, dtype_name, x, w in case_arrays(cases, dtypes, rng):
        name, n, length, c_in, c_out, k, s, d, g = case
        b = rng.standard_normal(c_out).astype(x.dtype)
        shape = module.conv1d_transpose(x, w, s, dilation=d, groups=g).shape
        dy = rng.standard_normal(shape).astype(x.dtype)
        label = (index, name, dtype_name)
        yield label + ("forward",), (lambda x=x, w=w, b=b, s=s, d=d, g=g:
                                     module.conv1d_transpose(x, w, s, dilation=d, groups=g,
                                                             bias=b))
        yield label + ("backward",), (lambda dy=dy, x=x, w=w, s=s, d=d, g=g:
                                      module.conv1d_transpose_vjp(dy, x, w, s, dilation=d,
                                                                  groups=g))


def worker(root, quick, dtypes, folder):
    """Announce the runs (their labels, one JSON line), then serve requests on
    stdin: ``check I`` saves run I's result to ``folder/I.npz``; ``time I R``
    answers the least seconds of R runs, after one untimed run."""
    sys.path.insert(0, root)
    import numpy as np

    import deconv1d
    cases = [quick_case(c) for c in CASES] if quick else CASES
    runs = list(setups(deconv1d, cases, dtypes))
    fns = [fn for _, fn in runs]
    print(json.dumps([label for label, _ in runs]), flush=True)
    for line in sys.stdin:
        command, index, *repeat = line.split()
        fn = fns[int(index)]
        if command == "check":
            result = fn()
            parts = result if isinstance(result, tuple) else (result,)
            np.savez(os.path.join(folder, f"{index}.npz"), *parts)
            print("done", flush=True)
        else:
            fn()                                # wakes this side's BLAS threads
            best = float("inf")
            for _ in range(int(repeat[0])):
                start = time.perf_counter()
                fn()
                best = min(best, time.perf_counter() - start)
            print(best, flush=True)


class Side:
    """One checkout's worker process."""

    def __init__(self, root, args, folder, name):
        self.folder = os.path.join(folder, name)
        os.makedirs(self.folder, exist_ok=True)
        command = [sys.executable, os.path.abspath(__file__), "--worker", root,
                   "--dtypes", args.dtypes, "--folder", self.folder]
        if args.quick:
            command.append("--quick")
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)
        self.runs = [tuple(label) for label in json.loads(self.ask(""))]

    def ask(self, request):
        if request:
            self.process.stdin.write(request + "\n")
            self.process.stdin.flush()
        answer = self.process.stdout.readline().strip()
        if not answer:
            raise SystemExit("a worker stopped; see its error above")
        return answer

    def close(self):
        self.process.stdin.close()
        self.process.wait()


def agree(folder_a, folder_b, index, dtype_name):
    import numpy as np
    with np.load(os.path.join(folder_a, f"{index}.npz")) as a, \
            np.load(os.path.join(folder_b, f"{index}.npz")) as b:
        tol = 1e-9 if dtype_name == "float64" else 1e-3
        return all(np.allclose(a[k], b[k], rtol=tol, atol=tol * np.abs(a[k]).max())
                   for k in a.files)


def main(argv=None):
    parser = common_parser(__doc__.splitlines()[0], 5,
                           "timed runs per round; the minimum is kept")
    parser.add_argument("--against", help="the other checkout's root")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args.worker, args.quick, args.dtypes, args.folder)
    if not args.against:
        parser.error("--against is required")
    used = pin_threads(args.threads)
    import numpy as np

    repeat = 1 if args.quick else args.repeat
    rounds = 1 if args.quick else args.rounds
    settle = 0 if args.quick else SETTLE_BETWEEN
    print(f"NumPy {np.__version__}; threads: {', '.join(used)}; one process per side; "
          f"min of {repeat} runs per turn, median of {rounds} rounds")
    with tempfile.TemporaryDirectory() as folder:
        sides = [Side(os.path.abspath(args.against), args, folder, "other"),
                 Side(HERE, args, folder, "this")]
        runs_of = sides[1].runs
        try:
            if sides[0].runs != runs_of:
                raise SystemExit("the two checkouts' benchmarks list different runs")
            for i, (index, _, dtype_name, direction) in enumerate(runs_of):
                for side in sides:
                    side.ask(f"check {i}")
                if not agree(sides[0].folder, sides[1].folder, i, dtype_name):
                    raise SystemExit(f"case {index} {dtype_name} {direction}: "
                                     "the two disagree")
                for side in sides:
                    os.remove(os.path.join(side.folder, f"{i}.npz"))
            runs = [[] for _ in runs_of]
            for round_ in range(rounds):
                for i in range(len(runs_of)):
                    best = [0.0, 0.0]
                    for j in (0, 1) if round_ % 2 == 0 else (1, 0):
                        if settle:
                            time.sleep(settle)
                        best[j] = float(sides[j].ask(f"time {i} {repeat}"))
                    runs[i].append(best)
                print(f"round {round_ + 1}/{rounds} done", file=sys.stderr, flush=True)
        finally:
            for side in sides:
                side.close()
    for direction in ("forward", "backward"):
        print(f"\n{direction}")
        header = (f"{'#':>2} {'case':<19} {'dtype':<7} {'other':>9} {'this':>9} "
                  f"{'ratio':>6} {'spread':>13}")
        print(header)
        print("-" * len(header))
        for (index, name, dtype_name, way), row in zip(runs_of, runs):
            if way != direction:
                continue
            ratios = [r[1] / r[0] for r in row]
            print(f"{index:>2} {name:<19} {dtype_name:<7} "
                  f"{statistics.median(r[0] for r in row) * 1e3:>7.2f}ms "
                  f"{statistics.median(r[1] for r in row) * 1e3:>7.2f}ms "
                  f"{statistics.median(ratios):>6.2f} "
                  f"{min(ratios):>6.2f}-{max(ratios):<6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
