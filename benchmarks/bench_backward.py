"""Benchmark the backward pass, deconv1d.conv1d_transpose_vjp, beside the forward.

One command: ``python benchmarks/bench_backward.py`` (``--quick``: tiny sizes,
for CI).  The yardstick is PyTorch's autograd backward of
``conv_transpose1d``: ``torch.autograd.grad(y, (x, w, b), dy, retain_graph=True)``
on a graph built once, so only the backward is timed.  Each ratio is measured
side by side in one process: the functions run interleaved, each timing is the
minimum of ``--repeat`` runs after a short settling pause, and BLAS / OpenMP /
torch threads are pinned (``--threads``, default 2) before NumPy is imported:
the helpers of ``benchmarks/bench.py``, whose cases these are.  Before timing, our
gradients are checked against PyTorch's.

Columns: forward time of deconv1d and of PyTorch and their ratio; backward
(dx, dw, dbias) time of deconv1d and of PyTorch autograd and their ratio; the
backward's two bare GEMMs (per group: ``cols @ W`` for ``dx`` and ``cols.T @ x``
for ``dw``, ``cols`` of shape ``(N*L, K*C_out/G)``: the floor of any im2col
method, PyTorch's included) and deconv1d's multiple of them.  Below: the float64
geometric mean and worst ratio against the targets, and the same with each case
at its bare GEMMs' time (or ours, if lower).
``--data-format channels_first`` gives deconv1d PyTorch's layout, as a port calls it.
"""

from __future__ import annotations

import math
import os
import sys

# One methodology for forward and backward: the cases, thread pinning and the
# interleaved timing of the forward benchmark (benchmarks/bench.py).
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import (  # noqa: E402
    CASES, add_data_format, common_parser, laid_out, load_torch, pin_threads, quick_case,
    side_by_side)

#: float64 backward against PyTorch: geometric mean and worst ratio.
TARGET = (0.6, 0.9)


def parse_args(argv=None):
    parser = common_parser(__doc__.splitlines()[0], 7,
                           "timed runs per measurement; the minimum is kept")
    parser.add_argument("--cases", default=None,
                        help="comma-separated case numbers (1-based); default all")
    add_data_format(parser)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    used = list(pin_threads(args.threads))
    import numpy as np

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    import deconv1d

    torch = load_torch(args.threads, used)
    repeat = 1 if args.quick else args.repeat
    cases = [quick_case(c) for c in CASES] if args.quick else CASES
    chosen = (range(1, len(cases) + 1) if args.cases is None
              else [int(c) for c in args.cases.split(",")])
    print(f"deconv1d {deconv1d.__version__}, NumPy {np.__version__}, "
          f"torch {torch.__version__ if torch else 'not installed'}")
    print(f"threads: {', '.join(used)}; min of {repeat} runs"
          f"{' (QUICK: tiny sizes)' if args.quick else ''}")
    layout = args.data_format
    print(f"layout: deconv1d {layout}, torch channels_first")
    header = (f"{'#':>2} {'case':<19} {'dtype':<7} {'N,L,Cin>Cout,K,s,d,g':<25} "
              f"{'fwd ours':>9} {'torch':>9} {'ratio':>5}  "
              f"{'bwd ours':>9} {'torch':>9} {'ratio':>5} {'GEMMs':>9} {'xGEMMs':>6}")
    print(header)
    print("-" * len(header))
    rng = np.random.default_rng(0)
    ratios, floors = {}, {}
    for dtype_name in args.dtypes.split(","):
        dtype = np.dtype(dtype_name)
        for index in chosen:
            name, n, length, c_in, c_out, k, s, d, g = cases[index - 1]
            x = rng.standard_normal((n, length, c_in)).astype(dtype)
            w = rng.standard_normal((k, c_out // g, c_in)).astype(dtype)
            b = rng.standard_normal(c_out).astype(dtype)
            y = deconv1d.conv1d_transpose(x, w, s, dilation=d, groups=g, bias=b)
            dy = rng.standard_normal(y.shape).astype(dtype)
            x_in, dy_in = laid_out(x, layout), laid_out(dy, layout)
            fns = [lambda: deconv1d.conv1d_transpose(x_in, w, s, dilation=d, groups=g, bias=b,
                                                     data_format=layout),
                   lambda: deconv1d.conv1d_transpose_vjp(dy_in, x_in, w, s, dilation=d,
                                                         groups=g, data_format=layout)]
            # the backward's GEMMs, per group: cols (N*L, K*C_out/G) @ W for dx,
            # cols.T @ x (N*L, C_in/G) for dw
            cols = rng.standard_normal((g, n * length, k * c_out // g)).astype(dtype)
            wmat = rng.standard_normal((g, k * c_out // g, c_in // g)).astype(dtype)
            rows = np.ascontiguousarray(
                x.reshape(n * length, g, c_in // g).transpose(1, 0, 2))
            fns.append(lambda cols=cols, wmat=wmat, rows=rows: (
                np.matmul(cols, wmat), np.matmul(cols.transpose(0, 2, 1), rows)))
            if torch is not None:
                xt = torch.tensor(np.ascontiguousarray(x.transpose(0, 2, 1)),
                                  requires_grad=True)
                wt = torch.tensor(np.ascontiguousarray(w.transpose(2, 1, 0)),
                                  requires_grad=True)
                bt = torch.tensor(b, requires_grad=True)
                dyt = torch.tensor(np.ascontiguousarray(dy.transpose(0, 2, 1)))
                F = torch.nn.functional
                with torch.no_grad():
                    fns.append(lambda: F.conv_transpose1d(xt.detach(), wt.detach(),
                                                          bt.detach(), stride=s,
                                                          dilation=d, groups=g))
                yt = F.conv_transpose1d(xt, wt, bt, stride=s, dilation=d, groups=g)
                fns.append(lambda: torch.autograd.grad(yt, (xt, wt, bt), dyt,
                                                       retain_graph=True))
                theirs = [t.numpy() for t in fns[-1]()]
                ours = fns[1]()
                tol = 1e-9 if dtype == np.float64 else 1e-3
                dx_theirs = theirs[0] if layout == "channels_first" else theirs[0].transpose(0, 2, 1)
                for a, e in zip(ours, (dx_theirs, theirs[1].transpose(2, 1, 0), theirs[2])):
                    if not np.allclose(a, e, rtol=tol, atol=tol * np.abs(e).max()):
                        raise SystemExit(f"case {index}: gradients disagree with torch")
            times = side_by_side(fns, repeat)
            fwd, bwd, floor = times[0], times[1], times[2]
            fwd_t, bwd_t = (times[3], times[4]) if torch is not None else (math.nan,) * 2
            ratios.setdefault(dtype_name, []).append(bwd / bwd_t)
            floors.setdefault(dtype_name, []).append(min(bwd, floor) / bwd_t)
            shape = f"{n},{length},{c_in}>{c_out},{k},{s},{d},{g}"
            print(f"{index:>2} {name:<19} {dtype_name:<7} {shape:<25} "
                  f"{fwd * 1e3:>7.2f}ms {fwd_t * 1e3:>7.2f}ms {fwd / fwd_t:>5.2f}  "
                  f"{bwd * 1e3:>7.2f}ms {bwd_t * 1e3:>7.2f}ms {bwd / bwd_t:>5.2f} "
                  f"{floor * 1e3:>7.2f}ms {bwd / floor:>6.2f}", flush=True)
    print()
    for dtype_name, values in ratios.items():
        if any(math.isnan(r) for r in values):
            print(f"{dtype_name}: no PyTorch, no ratios")
            continue
        geomean = math.exp(sum(math.log(r) for r in values) / len(values))
        met = geomean <= TARGET[0] and max(values) <= TARGET[1]
        target = (f" (targets <= {TARGET[0]} / {TARGET[1]}: {'met' if met else 'MISSED'})"
                  if dtype_name == "float64" and not args.quick else "")
        print(f"{dtype_name} backward/PyTorch: geomean {geomean:.2f}, "
              f"worst {max(values):.2f}{target}")
        at_floor = floors[dtype_name]
        print(f"{dtype_name} at the GEMM floor (each case at its bare GEMMs' time, or "
              f"ours if lower): geomean "
              f"{math.exp(sum(math.log(r) for r in at_floor) / len(at_floor)):.2f}, "
              f"worst {max(at_floor):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
