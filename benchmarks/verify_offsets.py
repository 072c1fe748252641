"""False alarms on correct outputs whose inputs have a mean or whose bias is large.

``python benchmarks/verify_offsets.py [--seed 0] [--cases 150]`` draws layers
(1-64 input and 1-32 output channels, K <= 8, stride <= 4, L up to 8192, N <= 2),
inputs with a mean of 0, 0.2, 1 or 5 (sometimes through a leaky ReLU), biases of
scale 0, 0.05, 1 or 10, float32 (80%) or float64, runs PyTorch's
``conv_transpose1d`` on them and prints how many ``verify.check`` did not call a
MATCH (the target is none), with each such case, and the largest pooled score
relative to its threshold.  The calibration of ``verify_calibration.py`` draws
standard normal inputs only; these are the outputs of real layers' inputs.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import torch  # noqa: E402

from deconv1d import verify  # noqa: E402


def draw(rng: np.random.Generator) -> tuple:
    """One random layer, its inputs, and PyTorch's output."""
    cin = int(rng.choice([1, 2, 4, 8, 16, 32, 64]))
    cout = int(rng.choice([1, 2, 4, 8, 16, 32]))
    k, s = int(rng.integers(1, 9)), int(rng.integers(1, 5))
    p, length, n = int(rng.integers(0, k)), int(rng.choice([64, 512, 2048, 8192])), \
        int(rng.choice([1, 2]))
    mean, bias_scale = float(rng.choice([0, 0.2, 1, 5])), float(rng.choice([0, 0.05, 1, 10]))
    dtype = np.float32 if rng.random() < 0.8 else np.float64
    x = (mean + rng.standard_normal((n, cin, length)) * rng.choice([0.05, 1])).astype(dtype)
    if rng.random() < 0.3:
        x = np.maximum(x, 0.1 * x).astype(dtype)                  # leaky ReLU
    w = (0.3 * rng.standard_normal((cin, cout, k))).astype(dtype)
    b = (bias_scale * rng.standard_normal(cout)).astype(dtype) if bias_scale else None
    op = int(rng.integers(0, s)) if s > 1 else 0
    if 2 * p > (length - 1) * s + k + op - 1:
        p = 0
    kw = {"stride": s, "padding": p, "output_padding": op}
    y = torch.nn.functional.conv_transpose1d(
        torch.from_numpy(x), torch.from_numpy(w),
        None if b is None else torch.from_numpy(b), **kw).numpy()
    label = (f"{cin}->{cout} K{k} s{s} p{p} op{op} L{length} N{n} mean {mean} "
             f"bias {bias_scale} {np.dtype(dtype).name}")
    return label, y, x, w, b, kw


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cases", type=int, default=150)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    rng = np.random.default_rng(args.seed)
    alarms, largest = [], 0.0
    for _ in range(args.cases):
        label, y, x, w, b, kw = draw(rng)
        report = verify.check("torch", y, x, w, b, **kw)
        if report.pooled_z is not None:
            largest = max(largest, report.pooled_z / report.pooled_threshold)
        if report.verdict != "MATCH":
            alarms.append(f"{label}: {report.verdict}, pooled z {report.pooled_z:.3g}, "
                          f"{','.join(report.codes)}")
    print(f"torch {torch.__version__}: {len(alarms)} of {args.cases} correct outputs not a "
          f"MATCH; largest pooled score {largest:.2f} of its threshold")
    for line in alarms:
        print("  ", line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
