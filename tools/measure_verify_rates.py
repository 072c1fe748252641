"""Measure verify.check's false alarms and its detection of one wrong weight, on torch.

Synthetic outputs of ``torch.nn.ConvTranspose1d`` on the CPU (float32 and float64): correct
outputs over random layers must be MATCH; one weight scaled by 1.001 on the 512 -> 256, K=16,
stride 8 layer and by 1.0001 on layers up to 64 channels must be found (SUSPECT or MISMATCH)
and located (the ``kernel_entries`` diagnosis names exactly that weight).  Prints the tables
quoted in docs/error-bounds.md.  Needs torch::

    python tools/measure_verify_rates.py [--correct 400] [--wide 40] [--narrow 100]
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

from deconv1d import verify


def run(gen, c_in, c_out, k, s, p, length, n=1, scale=None, dtype=torch.float32,
        relu=False, bias=True):
    """One layer's output checked; with ``scale``, one weight of the layer run is scaled."""
    conv = torch.nn.ConvTranspose1d(c_in, c_out, k, stride=s, padding=p, bias=bias).to(dtype)
    x = torch.randn(n, c_in, length, dtype=dtype, generator=gen)
    if relu:
        x = torch.relu(x)
    w = conv.weight.detach().clone()
    where = None
    if scale is not None:
        where = tuple(int(torch.randint(m, (1,), generator=gen)) for m in w.shape)
        changed = w.clone()
        changed[where] *= scale
        conv.weight.data = changed
    with torch.no_grad():
        y = conv(x).numpy()
    b = conv.bias.detach().numpy() if bias else None
    return verify.check("torch", y, x.numpy(), w.numpy(), b, stride=s, padding=p), where


def layer(rng, channels, k_max=16, s_max=8):
    c_in, c_out = (int(rng.choice(channels)) for _ in range(2))
    k = int(rng.integers(1, k_max + 1))
    return c_in, c_out, k, int(rng.integers(1, s_max + 1)), int(rng.integers(0, k // 2 + 1))


def located(report, where):
    for d in report.diagnoses:
        if d.code == "kernel_entries" and len(d.details["entries"]) == 1:
            e = d.details["entries"][0]
            return (e["in"], e["out"], e["k"]) == where      # torch: (C_in, C_out, K)
    return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--correct", type=int, default=400)
    parser.add_argument("--wide", type=int, default=40)
    parser.add_argument("--narrow", type=int, default=100)
    args = parser.parse_args()
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(1)
    rng = np.random.default_rng(1)
    alarms, scores, done = 0, [], 0
    for t in range(args.correct):
        c_in, c_out, k, s, p = layer(rng, [1, 2, 3, 8, 16, 64, 128, 512])
        try:
            report, _ = run(gen, c_in, min(c_out, 256), k, s, p, int(rng.integers(1, 65)),
                            int(rng.integers(1, 3)),
                            dtype=torch.float64 if t % 4 == 0 else torch.float32,
                            relu=t % 3 == 0, bias=t % 2 == 0)
        except (RuntimeError, ValueError):      # an empty output: not a layer
            continue
        done += 1
        alarms += report.verdict != "MATCH"
        if report.pooled_z is not None:
            scores.append(report.pooled_z / report.pooled_threshold)
    print(f"correct outputs: {alarms} of {done} not MATCH; largest pooled score "
          f"{max(scores):.2f} of its threshold")
    for name, trials, make, scale in (
            ("512->256, K=16, s=8, x1.001", args.wide,
             lambda: (512, 256, 16, 8, 4), 1.001),
            ("<= 64 channels, x1.0001", args.narrow,
             lambda: layer(rng, [1, 2, 4, 8, 16, 32, 64]), 1.0001)):
        found = named = 0
        for t in range(trials):
            report, where = run(gen, *make(), int(rng.integers(32, 65)), scale=scale,
                                bias=t % 2 == 0)
            found += report.verdict != "MATCH"
            named += located(report, where)
        print(f"{name}: detected {found} of {trials}, located {named} of {trials}")


if __name__ == "__main__":
    main()
