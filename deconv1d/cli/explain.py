"""``deconv1d explain``: the arithmetic of one transposed convolution, in text and pictures."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import Any

from ._args import load_array, padding_arg


def _numbers(name: str, text: str | None) -> Any:
    """``--x``/``--w``: comma-separated numbers, or an array file (.npy, .npz[:KEY])."""
    if text is None:
        return None
    if text.endswith(".npy") or ".npz" in text:
        return load_array(name, text)
    try:
        return [float(part) for part in text.split(",")]
    except ValueError:
        raise ValueError(f"`--{name}` must be numbers like 1,0.5,-1 or a .npy/.npz file. "
                         f"Received: --{name}={text!r}") from None


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
    # -- your numbers and stacked layers (teaching views with numbers) --
    numbers = cmd.add_argument_group(
        "your numbers", "the connectivity, matrix and direct views then compute with them")
    numbers.add_argument("--x", metavar="X", default=None,
                         help="input: 1,2,3 or a .npy/.npz file shaped (L,), (L, C_in) or "
                              "(N, L, C_in); --length is taken from it")
    numbers.add_argument("--w", metavar="W", default=None,
                         help="kernel: 1,0.5,-1 or a .npy/.npz file shaped (K,) or "
                              "(K, C_out, C_in); --kernel-size is taken from it")
    stacked = cmd.add_argument_group(
        "stacked layers", "overlap compounding through layers, against resize-then-convolve")
    stacked.add_argument("--layers", metavar="K,S[,P];...", default=None,
                         help="e.g. '3,2;3,2;3,1' (kernel,stride[,padding] per layer; "
                              "input length --length): prints the stacked view")
    # -- end of your numbers and stacked layers --
    cmd.add_argument("--plot", metavar="FILE", default=None,
                     help="also write a figure (.png, .svg, .pdf; .gif animates; "
                          "needs matplotlib)")
    _add_page_and_view(cmd)


def _time_length(x: Any) -> int:
    """The number of samples of ``--x``: its only axis, or the one before the channels."""
    shape: tuple[int, ...] = tuple(getattr(x, "shape", (len(x),)))
    if not shape:
        return 0
    return int(shape[1] if len(shape) == 3 else shape[0])


def run(args: argparse.Namespace) -> int:
    from .. import explain

    x, w = _numbers("x", args.x), _numbers("w", args.w)
    length = args.length if x is None else _time_length(x)
    kernel_size = args.kernel_size if w is None else len(w)
    geometry = (length, kernel_size, args.stride, args.padding,
                args.output_padding, args.dilation)
    numbers = {"x": x, "w": w} if x is not None or w is not None else {}
    make: dict[str, Callable[..., Any]] = {"shape": explain.shape, "draw": explain.draw,
            "connectivity": explain.connectivity, "matrix": explain.matrices,
            "direct": explain.direct}
    for flag in ("plot", "html"):
        target = getattr(args, flag)
        folder = os.path.dirname(os.path.abspath(target)) if target else ""
        if target and not os.path.isdir(folder):
            raise ValueError(f"--{flag}: no folder {folder!r} to write into. "
                             f"Received: --{flag}={target!r}")
    chosen = [name for name in make if getattr(args, name)]
    if (args.html and not chosen and args.output is None and not args.plot
            and args.layers is None):
        return _write_page(args.html)
    if not chosen and args.output is None and args.layers is None:
        chosen = list(make)
    takes_numbers = ("connectivity", "matrix", "direct")
    parts: list[Any] = [make[name](*geometry, **(numbers if name in takes_numbers else {}))
                        for name in chosen]
    if args.layers is not None:
        parts.append(explain.stacked(length, explain.parse_layers(args.layers)))
    if args.output is not None:
        parts.append(explain.inputs_of(args.output, *geometry))
    print(f"\n{'-' * explain.COLUMNS}\n".join(str(part) for part in parts))
    status = 0 if all(getattr(part, "agree", True) for part in parts) else 1
    if args.plot:
        try:
            from ..teaching import plot

            path = plot.save(args.plot, *geometry, view=args.view, **numbers)
        except ImportError as error:
            print(f"deconv1d explain: --plot needs matplotlib (pip install "
                  f"'deconv1d[plot]'): {error}", file=sys.stderr)
            return 2
        print(f"wrote {path}")
    if args.html:
        _write_page(args.html)
    return status


# --------------------------------------------------------------------------- #
# The classroom page (--html) and the view of --plot (--view)                 #
# --------------------------------------------------------------------------- #
def _add_page_and_view(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--view", choices=("scatter", "direct"), default="scatter",
                     help="what --plot draws: the scatter (default) or the direct "
                          "convolution beside it (a .gif animates it)")
    cmd.add_argument("--html", metavar="FILE", default=None,
                     help="write the interactive classroom page: one self-contained "
                          "HTML file holding every setting of a grid (the length "
                          "arguments only choose what else is printed)")


def _write_page(path: str) -> int:
    """Write the classroom page (:func:`deconv1d.teaching.page.write`) and say so."""
    from ..teaching import page

    written = page.write(path)
    print(f"wrote {written} ({os.path.getsize(written)} bytes); open it at a setting with "
          f"{written}#{page.fragment(5, 3, 2, 'same', None, 1)}")
    return 0
