"""``deconv1d explain``: the arithmetic of one transposed convolution, in text and pictures."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import Any

from ._args import padding_arg


def add(subparsers: argparse._SubParsersAction) -> None:
    cmd = subparsers.add_parser(
        "explain", help="explain the arithmetic of one transposed convolution",
        description="Explain one 1-D transposed convolution: the shape working, which "
                    "inputs feed which outputs, the matrices C and C^T, the equivalent "
                    "direct convolution and a strip drawing, each checked numerically. "
                    "Without a part flag, prints every part.")
    cmd.add_argument("--length", type=int, default=3, help="input length L (default 3)")
    cmd.add_argument("--kernel-size", type=int, default=3, help="K (default 3)")
    cmd.add_argument("--stride", type=int, default=2, help="default 2")
    cmd.add_argument("--padding", type=padding_arg, default="same",
                     help="valid, same, an int p, or left,right (default same)")
    cmd.add_argument("--output-padding", type=int, default=None)
    cmd.add_argument("--dilation", type=int, default=1)
    parts = cmd.add_argument_group("parts (any combination; default: all)")
    for flag, text in (("shape", ("length walkthrough, guide relationship, framework "
                                  "arguments")),
                       ("connectivity", ("(input, tap) pairs per output, overlap counts, "
                                        "checkerboard")),
                       ("matrix", "C and C^T, symbolic, with a numeric check"),
                       ("direct", "equivalent direct convolution, with a numeric check"),
                       ("draw", "terminal strip drawing")):
        parts.add_argument(f"--{flag}", action="store_true", help=text)
    cmd.add_argument("--output", type=int, metavar="O", default=None,
                     help="which inputs feed output O")
    cmd.add_argument("--plot", metavar="FILE", default=None,
                     help="also write a figure (.png, .svg, .pdf; .gif animates; "
                          "needs matplotlib)")


def run(args: argparse.Namespace) -> int:
    from .. import explain

    geometry = (args.length, args.kernel_size, args.stride, args.padding,
                args.output_padding, args.dilation)
    make: dict[str, Callable[..., Any]] = {"shape": explain.shape, "draw": explain.draw,
            "connectivity": explain.connectivity, "matrix": explain.matrices,
            "direct": explain.direct}
    if args.plot:
        folder = os.path.dirname(os.path.abspath(args.plot))
        if not os.path.isdir(folder):
            raise ValueError(f"--plot: no folder {folder!r} to write into. "
                             f"Received: --plot={args.plot!r}")
    chosen = [name for name in make if getattr(args, name)]
    if not chosen and args.output is None:
        chosen = list(make)
    parts = [make[name](*geometry) for name in chosen]
    if args.output is not None:
        parts.append(explain.inputs_of(args.output, *geometry))
    print(f"\n{'-' * explain.COLUMNS}\n".join(str(part) for part in parts))
    status = 0 if all(getattr(part, "agree", True) for part in parts) else 1
    if args.plot:
        try:
            from ..teaching import plot

            path = plot.save(args.plot, *geometry)
        except ImportError as error:
            print(f"deconv1d explain: --plot needs matplotlib (pip install "
                  f"'deconv1d[plot]'): {error}", file=sys.stderr)
            return 2
        print(f"wrote {path}")
    return status
