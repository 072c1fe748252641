"""``deconv1d demo``: a small transposed convolution, checked against loops."""

from __future__ import annotations

import argparse

import numpy as np

from .. import reference, shapes
from ..core.transpose import conv1d_transpose
from ._args import padding_arg

#: The largest ``--length``, ``--kernel-size`` and output length ``demo`` prints and
#: checks: it shows every value and runs the explicit loops (O(L * K) Python steps).
DEMO_MAX = 1000


def add(subparsers: argparse._SubParsersAction) -> None:
    demo = subparsers.add_parser(
        "demo", help="compute a small transposed convolution and check it against loops",
        description="Compute a small transposed convolution, show the shape working "
                    "and the result, and check it against the explicit-loop oracle.")
    demo.add_argument("--length", type=int, default=3, help="input length L (default 3)")
    demo.add_argument("--kernel-size", type=int, default=3, help="K (default 3)")
    demo.add_argument("--stride", type=int, default=2, help="default 2")
    demo.add_argument("--padding", type=padding_arg, default="same",
                      help="valid, same, an int p, or left,right (default same)")
    demo.add_argument("--output-padding", type=int, default=None)
    demo.add_argument("--dilation", type=int, default=1)


def run(args: argparse.Namespace) -> int:
    g = shapes.geometry(args.length, args.kernel_size, args.stride, args.padding,
                        args.output_padding, args.dilation)
    for option, value in (("--length", g.length), ("--kernel-size", g.kernel_size),
                          ("output length", g.output_length)):
        if value > DEMO_MAX:
            raise ValueError(
                f"demo prints every value and checks them with loops: {option} must be "
                f"<= {DEMO_MAX} (use `deconv1d.conv1d_transpose` for large sizes). "
                f"Received: {option}={value} (from --length={args.length}, "
                f"--kernel-size={args.kernel_size}, --stride={args.stride})")
    x = np.arange(1.0, g.length + 1).reshape(1, g.length, 1)
    w = np.arange(1.0, g.kernel_size + 1).reshape(g.kernel_size, 1, 1)
    print(f"x = {x[0, :, 0].tolist()}   (N=1, L={g.length}, C_in=1)")
    print(f"w = {w[:, 0, 0].tolist()}   (K={g.kernel_size}, C_out=1, C_in=1)")
    print(f"stride={g.stride}, padding={g.padding!r}, "
          f"output_padding={g.output_padding!r}, dilation={g.dilation}")
    print()
    print(f"effective kernel  dk = (K - 1)*d + 1 = ({g.kernel_size} - 1)*{g.dilation} + 1"
          f" = {g.effective_kernel}")
    print(f"full length          = (L - 1)*s + dk = ({g.length} - 1)*{g.stride} + "
          f"{g.effective_kernel} = {g.full_length}")
    print(f"crop (left, right)   = ({g.crop_left}, {g.crop_right})"
          + ("   (negative: zeros appended)" if g.crop_right < 0 else ""))
    print(f"output length        = {g.full_length} - {g.crop_left} - ({g.crop_right}) = "
          f"{g.output_length}")
    y = conv1d_transpose(x, w, g.stride, args.padding, g.output_padding,
                         dilation=g.dilation)
    loops = reference.scatter_loops(x, w, g.stride, args.padding, g.output_padding,
                                    dilation=g.dilation)
    print()
    print(f"y = conv1d_transpose(x, w) = {y[0, :, 0].tolist()}")
    error = float(np.max(np.abs(y - loops)))
    ok = y.shape == loops.shape and error == 0.0
    print(f"explicit loops oracle      = {loops[0, :, 0].tolist()}")
    print(f"max |difference| = {error:g}: {'agree' if ok else 'DISAGREE'}")
    return 0 if ok else 1
